/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "lifecycle-report.h"

#include <algorithm>
#include <iomanip>

namespace chimney_bench
{

double
Median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

namespace
{

double
Ratio(double a, double b)
{
    return b != 0 ? a / b : 0;
}

/// The verifier's overhead round by round: for each round, the CPU time of the run with the
/// verifier over that of the run without, minus one. The two runs of a round are neighbours in
/// time (the modes alternate direction every round), so a slow minute of a shared machine hits
/// both; the median of these ratios is steadier than the ratio of two medians.
struct PairedOverhead
{
    double median = 0;
    double min = 0;
    double max = 0;
    size_t rounds = 0;
};

PairedOverhead
Paired(const Summary& off, const Summary& on)
{
    std::vector<double> ratios;
    for (size_t i = 0; i < off.runs.size() && i < on.runs.size(); ++i)
    {
        const double a = off.runs[i].runCpuSeconds;
        const double b = on.runs[i].runCpuSeconds;
        if (a > 0 && b > 0 && off.runs[i].lifecycles == on.runs[i].lifecycles)
        {
            ratios.push_back(b / a - 1);
        }
    }
    PairedOverhead p;
    if (!ratios.empty())
    {
        p.median = Median(ratios);
        p.min = *std::min_element(ratios.begin(), ratios.end());
        p.max = *std::max_element(ratios.begin(), ratios.end());
        p.rounds = ratios.size();
    }
    return p;
}

const Summary*
FindSummary(const std::vector<Summary>& s, const std::string& name, bool verifier)
{
    for (const Summary& m : s)
    {
        if (m.mode.name == name && m.mode.verifier == verifier)
        {
            return &m;
        }
    }
    return nullptr;
}

} // namespace

void
PrintTable(const std::vector<Summary>& s, const Options& o, uint32_t repeats, std::ostream& os)
{
    const Summary& base = s.front();
    os << "Lifecycle benchmark: " << o.pairs << " pairs x " << o.connections << " connections x "
       << o.bytes << " bytes, p2p " << o.dataRate << " / " << o.delay << ", seed " << o.seed
       << ", interrupt moderation " << o.interruptModeration << ", " << repeats
       << " run(s) per mode (median)\n";
    os << std::left << std::setw(17) << "mode" << std::setw(9) << "verifier" << std::right
       << std::setw(12) << "lifecyc/s" << std::setw(8) << "x nat" << std::setw(11) << "events/lc"
       << std::setw(8) << "x nat" << std::setw(11) << "peak MiB" << std::setw(8) << "x nat"
       << std::setw(11) << "RSS+ MiB" << std::setw(8) << "x nat" << std::setw(11) << "heap+ MiB"
       << std::setw(8) << "x nat" << std::setw(8) << "failed" << std::setw(10) << "findings"
       << "\n";
    os << std::fixed;
    for (const Summary& m : s)
    {
        os << std::left << std::setw(17) << m.mode.name << std::setw(9) << m.VerifierLabel()
           << std::right << std::setprecision(0) << std::setw(12) << m.rate << std::setprecision(2)
           << std::setw(8) << Ratio(m.rate, base.rate) << std::setprecision(1) << std::setw(11)
           << m.eventsPerLifecycle << std::setprecision(2) << std::setw(8)
           << Ratio(m.eventsPerLifecycle, base.eventsPerLifecycle) << std::setprecision(1)
           << std::setw(11) << m.peakRssKiB / 1024 << std::setprecision(2) << std::setw(8)
           << Ratio(m.peakRssKiB, base.peakRssKiB) << std::setprecision(1) << std::setw(11)
           << m.rssDeltaKiB / 1024 << std::setprecision(2) << std::setw(8)
           << Ratio(m.rssDeltaKiB, base.rssDeltaKiB) << std::setprecision(1) << std::setw(11)
           << m.heapDeltaBytes / 1048576 << std::setprecision(2) << std::setw(8)
           << Ratio(m.heapDeltaBytes, base.heapDeltaBytes) << std::setw(8) << m.failed
           << std::setw(10) << m.findings << "\n";
    }
    // Events by kind: the module's own (interface, engine timers) and the rest (the wire and
    // ns-3's: links, queues, applications, ns-3's TCP timers); host: the host stacks' calls
    // deferred to the end of an instant. The interface's split: requests
    // reaching a target, the target's upcalls (completions and indications), intermediate
    // layers' calls.
    os << "events per lifecycle by kind:\n"
       << std::left << std::setw(17) << "mode" << std::setw(9) << "verifier" << std::right
       << std::setw(14) << "wire+ns-3" << std::setw(12) << "interface" << std::setw(10) << "timers"
       << std::setw(8) << "host" << std::setw(11) << "requests" << std::setw(10) << "upcalls"
       << std::setw(9) << "layers"
       << "\n";
    for (const Summary& m : s)
    {
        os << std::left << std::setw(17) << m.mode.name << std::setw(9) << m.VerifierLabel()
           << std::right << std::setprecision(1) << std::setw(14)
           << m.eventsPerLifecycle - m.interfacePerLifecycle - m.timersPerLifecycle -
                  m.hostPerLifecycle
           << std::setw(12) << m.interfacePerLifecycle << std::setw(10) << m.timersPerLifecycle
           << std::setw(8) << m.hostPerLifecycle << std::setw(11) << m.requestsPerLifecycle
           << std::setw(10) << m.upcallsPerLifecycle << std::setw(9)
           << m.interfacePerLifecycle - m.requestsPerLifecycle - m.upcallsPerLifecycle << "\n";
    }
    os << std::defaultfloat;
    // Wall time is what the table shows; CPU time (of the same runs) is far less disturbed by
    // other work on a shared machine.
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->rate > 0 && on->cpuRate > 0)
        {
            const PairedOverhead p = Paired(*off, *on);
            os << "verifier overhead, " << name << ": " << std::fixed << std::setprecision(1)
               << 100 * (off->rate / on->rate - 1) << " % (wall), "
               << 100 * (off->cpuRate / on->cpuRate - 1) << " % (CPU time); round by round "
               << 100 * p.median << " % (median of " << p.rounds << ", " << 100 * p.min << " to "
               << 100 * p.max << " %)\n"
               << std::defaultfloat;
        }
    }
    for (const Summary& m : s)
    {
        for (const Result& r : m.runs)
        {
            for (const std::string& why : r.reasons)
            {
                os << "  " << m.mode.name << " (verifier " << m.VerifierLabel()
                   << ") failure: " << why << "\n";
            }
        }
    }
}

void
WriteJson(const std::vector<Summary>& s, const Options& o, uint32_t repeats, std::ostream& os)
{
    const Summary& base = s.front();
    os << std::setprecision(10);
    os << "{\n  \"benchmark\": \"chimney-lifecycle\",\n  \"workload\": {\"pairs\": " << o.pairs
       << ", \"connections\": " << o.connections << ", \"bytes\": " << o.bytes
       << ", \"link\": \"p2p\", \"dataRate\": \"" << o.dataRate << "\", \"delay\": \"" << o.delay
       << "\", \"seed\": " << o.seed << ", \"interruptModeration\": \"" << o.interruptModeration
       << "\", \"repeats\": " << repeats << "},\n";
    os << "  \"baseline\": \"" << base.mode.name << "\",\n  \"modes\": [\n";
    for (size_t i = 0; i < s.size(); ++i)
    {
        const Summary& m = s[i];
        os << "    {\"mode\": \"" << m.mode.name << "\", \"verifier\": \"" << m.VerifierLabel()
           << "\", \"lifecycles\": " << m.lifecycles << ", \"failed\": " << m.failed
           << ", \"findings\": " << m.findings << ", \"lifecyclesPerSecond\": " << m.rate
           << ", \"lifecyclesPerCpuSecond\": " << m.cpuRate
           << ", \"eventsPerLifecycle\": " << m.eventsPerLifecycle
           << ", \"eventsPerLifecycleByKind\": {\"interface\": " << m.interfacePerLifecycle
           << ", \"timers\": " << m.timersPerLifecycle
           << ", \"requests\": " << m.requestsPerLifecycle
           << ", \"upcalls\": " << m.upcallsPerLifecycle << ", \"host\": " << m.hostPerLifecycle
           << ", \"wireAndNs3\": "
           << m.eventsPerLifecycle - m.interfacePerLifecycle - m.timersPerLifecycle -
                  m.hostPerLifecycle
           << "}"
           << ", \"peakRssKiB\": " << m.peakRssKiB << ", \"rssDeltaKiB\": " << m.rssDeltaKiB
           << ", \"heapDeltaBytes\": " << m.heapDeltaBytes << ",\n     \"ratios\": {"
           << "\"lifecyclesPerSecond\": " << Ratio(m.rate, base.rate)
           << ", \"eventsPerLifecycle\": " << Ratio(m.eventsPerLifecycle, base.eventsPerLifecycle)
           << ", \"peakRss\": " << Ratio(m.peakRssKiB, base.peakRssKiB)
           << ", \"rssDelta\": " << Ratio(m.rssDeltaKiB, base.rssDeltaKiB)
           << ", \"heapDelta\": " << Ratio(m.heapDeltaBytes, base.heapDeltaBytes)
           << "},\n     \"runs\": [";
        for (size_t k = 0; k < m.runs.size(); ++k)
        {
            const Result& r = m.runs[k];
            os << (k ? ", " : "") << "{\"runSeconds\": " << r.runSeconds
               << ", \"runCpuSeconds\": " << r.runCpuSeconds
               << ", \"setupSeconds\": " << r.setupSeconds
               << ", \"destroySeconds\": " << r.destroySeconds << ", \"events\": " << r.events
               << ", \"simSeconds\": " << r.simSeconds << ", \"completed\": " << r.completed
               << ", \"failed\": " << r.failed << ", \"peakRssKiB\": " << r.peakRssKiB << "}";
        }
        os << "]}" << (i + 1 < s.size() ? "," : "") << "\n";
    }
    os << "  ],\n  \"verifierOverhead\": {";
    bool first = true;
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->rate > 0)
        {
            os << (first ? "" : ", ") << "\"" << name << "\": " << (off->rate / on->rate - 1);
            first = false;
        }
    }
    os << "},\n  \"verifierOverheadCpu\": {";
    first = true;
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->cpuRate > 0)
        {
            os << (first ? "" : ", ") << "\"" << name << "\": " << (off->cpuRate / on->cpuRate - 1);
            first = false;
        }
    }
    os << "},\n  \"verifierOverheadRoundByRound\": {";
    first = true;
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on)
        {
            const PairedOverhead p = Paired(*off, *on);
            os << (first ? "" : ", ") << "\"" << name << "\": {\"median\": " << p.median
               << ", \"min\": " << p.min << ", \"max\": " << p.max << ", \"rounds\": " << p.rounds
               << "}";
            first = false;
        }
    }
    os << "}\n}\n";
}

} // namespace chimney_bench
