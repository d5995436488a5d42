/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_PYTHON_H
#define CHIMNEY_PYTHON_H

#include "chimney-python-fields.h"

#include "ns3/chimney-fault-plan.h"
#include "ns3/chimney-scenario.h"

#include <pybind11/pybind11.h>

/**
 * \file
 * \ingroup chimney
 * The pieces of the _chimney Python module (bindings/src/), one binding function per concept.
 */

namespace ns3
{
namespace chimneypy
{

/// \returns the fields of ChimneyFaultPlan, in header order
const std::vector<Field<ChimneyFaultPlan>>& FaultPlanFields();

/// \returns the fields of ChimneyScenarioConfig except the nested plan, in header order
const std::vector<Field<ChimneyScenarioConfig>>& ScenarioConfigFields();

/// \returns every field of the config as a dict, "faults" a nested dict
py::dict ConfigToDict(const ChimneyScenarioConfig& c);

/// \returns a config from a dict of fields (not validated)
ChimneyScenarioConfig ConfigFromDict(py::handle mapping);

/// \brief Raise ValueError with the C++ one-line message when the config is bad.
void ValidateConfig(const ChimneyScenarioConfig& c);

/// \brief Raise ValueError with the C++ one-line message when the plan is bad.
void ValidateFaultPlan(const ChimneyFaultPlan& p);

/// \brief Bind FaultPlan, ScenarioConfig and defect_names().
void BindConfig(py::module_& m);

/// \brief Bind ScenarioResult, run_scenario() and invariant_catalog().
void BindRun(py::module_& m);

/// \brief Bind ScriptResult and run_script() (chimney scripts).
void BindScript(py::module_& m);

} // namespace chimneypy
} // namespace ns3

#endif // CHIMNEY_PYTHON_H
