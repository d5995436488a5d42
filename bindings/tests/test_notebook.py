# SPDX-License-Identifier: GPL-2.0-only
"""examples/chimney-sweep.ipynb executes with nbclient and produces its plots and tables."""

import os
import time

import nbformat
from nbclient import NotebookClient


def test_sweep_notebook_runs_and_plots(source_dir, tmp_path):
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet ipykernel's debugger
    notebook = nbformat.read(source_dir / "examples/chimney-sweep.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - start
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the latency and hold-time plots"
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert any("findingTotal" in o["data"]["text/html"] for o in tables), "the findings table"
    print(f"notebook executed in {elapsed:.1f} s")
