# SPDX-License-Identifier: GPL-2.0-only
"""ns-3 chimney offload scenarios from Python.

The compiled module (_chimney, pybind11) gives ScenarioConfig, FaultPlan, run_scenario() and
ScenarioResult; this package adds campaign points (grid, make_config), the campaign runner on
Dask distributed (run_campaign) and JUnit XML reports. Command line:
``/usr/bin/python3 -m chimney_offload campaign --help``.

    import pandas, chimney_offload as co
    config = co.ScenarioConfig(hosts=2, connections=4, faults=co.FaultPlan(lossRate=0.01))
    result = co.run_scenario(config)
    records = pandas.DataFrame(result.records)
"""

from ._chimney import (
    FaultPlan,
    ScenarioConfig,
    ScenarioResult,
    ScriptResult,
    defect_names,
    invariant_catalog,
    run_scenario,
    run_script,
)
from .junit import junit_tree, write_junit
from .points import config_hash, grid, make_config, parse_seeds, point_key, replicate
from .runner import load_results, run_campaign, run_point, run_points, save_results

__all__ = [
    "FaultPlan",
    "ScenarioConfig",
    "ScenarioResult",
    "ScriptResult",
    "config_hash",
    "defect_names",
    "grid",
    "invariant_catalog",
    "junit_tree",
    "load_results",
    "make_config",
    "parse_seeds",
    "replicate",
    "point_key",
    "run_campaign",
    "run_script",
    "run_point",
    "run_points",
    "run_scenario",
    "save_results",
    "write_junit",
]
