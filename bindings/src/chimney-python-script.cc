/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-python.h"

#include "ns3/chimney-script-runner.h"

#include <pybind11/stl.h>

/**
 * \file
 * \ingroup chimney
 * Python run_script() and ScriptResult: one chimney script (doc/chimney-script.rst) run against
 * a chimney host.
 */

namespace ns3
{
namespace chimneypy
{

void
BindScript(py::module_& m)
{
    py::class_<ChimneyScriptResult>(m,
                                    "ScriptResult",
                                    "What running one chimney script gave (run_script()).")
        .def_property_readonly(
            "outcome",
            [](const ChimneyScriptResult& r) { return std::string(r.OutcomeName()); },
            "'PASS', 'FAIL', 'BAD_SCRIPT' or 'SKIP'")
        .def_property_readonly(
            "passed",
            [](const ChimneyScriptResult& r) { return r.outcome == ChimneyScriptResult::PASS; },
            "True when every line held and the verifier found nothing")
        .def_property_readonly("exit_code",
                               &ChimneyScriptResult::ExitCode,
                               "0 pass, 1 fail, 2 bad script, 77 skip")
        .def_readonly("script", &ChimneyScriptResult::script, "the script's path")
        .def_readonly("line", &ChimneyScriptResult::line, "the line that failed (0: none)")
        .def_readonly("message",
                      &ChimneyScriptResult::message,
                      "'script:line: ...': expected and actual (empty on a pass)")
        .def_readonly("findings",
                      &ChimneyScriptResult::findings,
                      "the verifier's findings, one line each")
        .def_readonly("events_run", &ChimneyScriptResult::eventsRun, "lines executed")
        .def_readonly("simulated_seconds",
                      &ChimneyScriptResult::simulatedSeconds,
                      "simulated time at the end")
        .def("__repr__", [](const ChimneyScriptResult& r) {
            return "<ScriptResult " + std::string(r.OutcomeName()) + " " + r.script +
                   (r.line ? ":" + std::to_string(r.line) : "") + ">";
        });

    m.def(
        "run_script",
        [](const std::string& path, const std::string& defect) {
            ChimneyScriptRunner runner;
            runner.SetDefect(defect);
            return runner.RunFile(path);
        },
        py::arg("path"),
        py::arg("defect") = "",
        R"doc(
Run one chimney script (packetdrill's dialect plus chimney lines, doc/chimney-script.rst)
against a chimney host and return its ScriptResult. defect seeds one of defect_names() into the
offload target. A bad script is not an exception: outcome 'BAD_SCRIPT', message
'script:line:column: syntax error: ...'.
)doc");
}

} // namespace chimneypy
} // namespace ns3
