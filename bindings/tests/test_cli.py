# SPDX-License-Identifier: GPL-2.0-only
"""The command line: python3 -m chimney_offload {fields,run,campaign}."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pandas

SMALL = ["--hosts=2", "--connections=2", "--bytesMax=8000", "--startWindow=200ms",
         "--stopTime=120"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "chimney_offload", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=os.environ.copy())


def test_fields_lists_every_option():
    out = cli("fields")
    assert out.returncode == 0, out.stderr
    assert "--hosts" in out.stdout and "--lossRate" in out.stdout and "default 8" in out.stdout


def test_run_prints_the_summary_and_writes_tables(tmp_path):
    out = cli("run", *SMALL, "--json", str(tmp_path / "r.json"), "--records",
              str(tmp_path / "records.csv"))
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema"] == "chimney-scenario-report/1"
    assert len(pandas.read_csv(tmp_path / "records.csv")) == 4


def test_bad_options_exit_2_with_a_clear_message():
    out = cli("run", "--topology=ring")
    assert out.returncode == 2 and "topology" in out.stderr
    out = cli("run", "--noSuchOption=1")
    assert out.returncode == 2 and "unknown option --noSuchOption" in out.stderr


def test_campaign_sweeps_seeds_writes_results_and_junit(tmp_path):
    args = ["campaign", *SMALL, "--sweep", "defect=None,FreeOnFin", "--graceful=1",
            "--abortive=0", "--halfClose=0", "--seeds", "1-2", "--workers", "2",
            "--no-dashboard", "--out", str(tmp_path / "out.csv"), "--junit",
            str(tmp_path / "junit.xml")]
    out = cli(*args)
    assert out.returncode == 1, out.stderr  # the defect's findings fail the campaign
    assert "4 scenarios (4 run, 0 already done)" in out.stdout
    frame = pandas.read_csv(tmp_path / "out.csv")
    assert len(frame) == 4 and set(frame["seed"]) == {1, 2}
    defective = frame["config.defect"] == "FreeOnFin"
    assert defective.sum() == 2 and (frame.loc[defective, "findings.R1"] > 0).all()
    failing = int((frame["findingTotal"] > 0).sum())
    assert f"{failing} with findings or errors" in out.stdout
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == str(failing)
    again = cli(*args, "--allow-findings")
    assert again.returncode == 0 and "(0 run, 4 already done)" in again.stdout


def test_points_run_at_every_seed_and_run_and_replications_are_keyed_by_run(tmp_path):
    # Two points from a file, each at seeds 1-2 x runs 1-2: eight scenarios, not two; the
    # replications of a point share its config hash and differ by (seed, run).
    points = [{"hosts": 2, "connections": 2, "bytesMax": 8000, "peer": "chimney"},
              {"hosts": 2, "connections": 2, "bytesMax": 8000, "peer": "native"}]
    (tmp_path / "points.json").write_text(json.dumps(points))
    args = ["campaign", "--points", str(tmp_path / "points.json"), "--seeds", "1-2", "--runs",
            "1-2", "--workers", "2", "--no-dashboard", "--no-progress", "--out",
            str(tmp_path / "out.csv")]
    out = cli(*args)
    assert out.returncode == 0, out.stderr
    assert "8 scenarios (8 run, 0 already done)" in out.stdout
    frame = pandas.read_csv(tmp_path / "out.csv")
    assert len(frame) == 8 and frame["configHash"].nunique() == 2
    assert set(zip(frame["seed"], frame["run"])) == {(1, 1), (1, 2), (2, 1), (2, 2)}
    assert frame.groupby("configHash").size().tolist() == [4, 4]
    # The run number reaches ns-3: runs 1 and 2 of one seed draw different workloads.
    one = frame[(frame["config.peer"] == "chimney") & (frame["seed"] == 1)].set_index("run")
    assert one.loc[1, "events"] != one.loc[2, "events"]
    assert "--RngRun=2" in one.loc[2, "command"] and "RngRun" not in one.loc[1, "command"]
    # Without --seeds/--runs each point keeps its own; a sweep with --points is refused.
    again = cli("campaign", "--points", str(tmp_path / "points.json"), "--workers", "1",
                "--no-dashboard", "--no-progress", "--out", str(tmp_path / "out.csv"))
    assert again.returncode == 0 and "(0 run, 2 already done)" in again.stdout, again.stdout
    refused = cli("campaign", "--points", str(tmp_path / "points.json"), "--sweep",
                  "hosts=1,2", "--out", str(tmp_path / "x.csv"))
    assert refused.returncode == 2 and "--points and --sweep" in refused.stderr
