/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Lifecycle benchmark: the offloaded path against ns-3's own TCP, side by side (issue 8).
//
// One workload -- N point-to-point host pairs x M sequential connections of B bytes each,
// graceful close -- runs in this one process once per mode, Simulator::Destroy() in between:
//   native-native   TcpSocketBase both ends
//   chimney-native  chimney client (ChimneyHelper + ChimneyStackHelper), ns-3 server
//   chimney-chimney chimney hosts both ends
// each with the verifier off and on (ChimneyVerifierHelper over every chimney device; with no
// chimney device the native "on" row is a second native run, a measure of run-to-run noise).
// Every lifecycle is checked: the server received exactly B bytes and then the client's FIN,
// the client then received the server's FIN, and a while later the server is CLOSED and the
// client in TIME_WAIT or CLOSED. A lifecycle that fails any of these counts as failed.
//
// Per mode it prints lifecycles per wall-second (of Simulator::Run), scheduler events per
// lifecycle (Simulator::GetEventCount), peak RSS (VmHWM, reset before each mode through
// /proc/self/clear_refs), the RSS and heap growth of the run, and each as a ratio to
// native-native; --json=FILE writes the same as JSON. --scale=K instead opens K concurrent
// offloaded connections over one chimney-chimney pair (65,536 for the scale figure) and
// reports the device's per-connection state and the process's memory per connection.
//
//   scripts/bench-lifecycle.sh                       # defaults, about a minute
//   scripts/bench-lifecycle.sh --scale=65536
//
// Files: lifecycle-workload.h (the pairs and their checked lifecycles), lifecycle-run.{h,cc}
// (one mode's run and its measurements), lifecycle-scale.cc (--scale), lifecycle-report.{h,cc}
// (medians, ratios, table, JSON); this file parses the options and runs the modes.

#include "lifecycle-report.h"
#include "lifecycle-run.h"

#include "ns3/core-module.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;
using namespace chimney_bench;

int
main(int argc, char* argv[])
{
    Options o;
    uint32_t repeats = 3;
    std::string modes = "all";
    std::string jsonPath;
    uint32_t scale = 0;
    bool scaleVerifier = true;
    uint32_t scaleRecvBuffer = 2048;

    CommandLine cmd(__FILE__);
    cmd.AddValue("pairs", "N: point-to-point host pairs", o.pairs);
    cmd.AddValue("connections", "M: sequential connections per pair", o.connections);
    cmd.AddValue("bytes", "B: bytes each connection sends before its graceful close", o.bytes);
    cmd.AddValue("dataRate", "point-to-point data rate", o.dataRate);
    cmd.AddValue("delay", "point-to-point one-way delay", o.delay);
    cmd.AddValue("seed", "RNG seed", o.seed);
    cmd.AddValue("interruptModeration",
                 "the chimney devices' InterruptModeration (e.g. 20us; 0s: none)",
                 o.interruptModeration);
    cmd.AddValue("repeats",
                 "runs of every mode, interleaved, every other round in reverse order (medians "
                 "are reported)",
                 repeats);
    cmd.AddValue("modes",
                 "comma-separated modes to run, from nn-off,nn-on,cn-off,cn-on,cc-off,cc-on; "
                 "'all' for all six (the first is the ratio baseline)",
                 modes);
    cmd.AddValue("json", "also write the results as JSON to this file", jsonPath);
    cmd.AddValue("scale",
                 "instead: K concurrent offloaded connections over one chimney-chimney pair "
                 "(e.g. 65536)",
                 scale);
    cmd.AddValue("scaleVerifier", "verifier on in the scale run", scaleVerifier);
    cmd.AddValue("scaleRecvBuffer",
                 "scale run: bytes of the one receive buffer each host posts per connection",
                 scaleRecvBuffer);
    cmd.Parse(argc, argv);

    if (o.pairs == 0 || o.connections == 0 || o.seed == 0 || repeats == 0 || o.pairs > 65536)
    {
        std::cerr << "error: --pairs (1..65536), --connections, --seed and --repeats must be "
                     "positive"
                  << std::endl;
        return 2;
    }
    if (scale > 0)
    {
        return RunScale(scale, o, scaleVerifier, scaleRecvBuffer, jsonPath);
    }

    const std::vector<std::pair<std::string, Mode>> known = {
        {"nn-off", {"native-native", false, false, false}},
        {"nn-on", {"native-native", false, false, true}},
        {"cn-off", {"chimney-native", true, false, false}},
        {"cn-on", {"chimney-native", true, false, true}},
        {"cc-off", {"chimney-chimney", true, true, false}},
        {"cc-on", {"chimney-chimney", true, true, true}},
    };
    std::vector<Summary> summaries;
    std::string list = modes == "all" ? "nn-off,nn-on,cn-off,cn-on,cc-off,cc-on" : modes;
    std::istringstream names(list);
    for (std::string id; std::getline(names, id, ',');)
    {
        auto it =
            std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.first == id; });
        if (it == known.end())
        {
            std::cerr << "error: unknown mode '" << id << "'" << std::endl;
            return 2;
        }
        summaries.emplace_back();
        summaries.back().mode = it->second;
    }
    if (summaries.empty())
    {
        std::cerr << "error: no modes" << std::endl;
        return 2;
    }

    for (uint32_t rep = 0; rep < repeats; ++rep)
    {
        // Every other round runs the modes in reverse order: a machine that speeds up or slows
        // down during a round favours neither of two neighbouring modes over the rounds.
        for (size_t k = 0; k < summaries.size(); ++k)
        {
            Summary& s = summaries[rep % 2 == 0 ? k : summaries.size() - 1 - k];
            s.runs.push_back(RunMode(s.mode, o));
            const Result& r = s.runs.back();
            std::cerr << "run " << rep + 1 << "/" << repeats << " " << s.mode.name << " verifier "
                      << (s.mode.verifier ? "on" : "off") << ": " << std::fixed
                      << std::setprecision(0) << r.Rate() << " lifecycles/s (" << r.CpuRate()
                      << " per CPU-s), " << std::setprecision(1) << r.EventsPerLifecycle()
                      << " events/lifecycle, " << r.failed << " failed" << std::defaultfloat
                      << std::endl;
        }
    }
    uint64_t failed = 0;
    uint64_t findings = 0;
    for (Summary& s : summaries)
    {
        s.Compute();
        failed += s.failed;
        findings += s.findings;
    }
    PrintTable(summaries, o, repeats, std::cout);
    if (!jsonPath.empty())
    {
        std::ofstream json(jsonPath);
        WriteJson(summaries, o, repeats, json);
        if (!json)
        {
            std::cerr << "error: cannot write " << jsonPath << std::endl;
            return 2;
        }
    }
    return failed == 0 && findings == 0 ? 0 : 1;
}
