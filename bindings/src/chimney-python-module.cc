/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-python.h"

/**
 * \file
 * \ingroup chimney
 * The _chimney Python module: scenario configuration, one scenario run and its results.
 * The chimney_offload package re-exports it and adds the Dask campaign runner.
 */

PYBIND11_MODULE(_chimney, m)
{
    m.doc() = "ns-3 chimney offload scenarios: ScenarioConfig, FaultPlan, run_scenario(), "
              "ScenarioResult (C++ scenario/chimney-scenario.h).";
    ns3::chimneypy::BindConfig(m);
    ns3::chimneypy::BindRun(m);
    ns3::chimneypy::BindScript(m);
}
