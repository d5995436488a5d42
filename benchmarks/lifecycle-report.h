/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle benchmark's report: medians over the repeats of each mode, ratios to the
// first mode, as a table and as JSON.

#ifndef CHIMNEY_LIFECYCLE_REPORT_H
#define CHIMNEY_LIFECYCLE_REPORT_H

#include "lifecycle-run.h"

#include <ostream>
#include <string>
#include <vector>

namespace chimney_bench
{

/// \returns the median of v (0 when empty)
double Median(std::vector<double> v);

/// A mode's figures over its repeats: medians of the timings, worst of the checks.
struct Summary
{
    Mode mode;
    std::vector<Result> runs;
    double rate = 0;
    double cpuRate = 0; //!< lifecycles per CPU second of Simulator::Run (median)
    double eventsPerLifecycle = 0;
    double interfacePerLifecycle = 0; //!< of eventsPerLifecycle: offload interface
    double timersPerLifecycle = 0;    //!< of eventsPerLifecycle: chimney engine timers
    double requestsPerLifecycle = 0;  //!< of interfacePerLifecycle: requests reaching a target
    double upcallsPerLifecycle = 0;   //!< of interfacePerLifecycle: completions, indications
    double hostPerLifecycle = 0;      //!< of eventsPerLifecycle: host stacks' deferred calls
    double peakRssKiB = 0;
    double rssDeltaKiB = 0;
    double heapDeltaBytes = 0;
    uint64_t lifecycles = 0;
    uint64_t failed = 0;
    uint64_t findings = 0;
    bool verifierAttached = false;

    void Compute()
    {
        std::vector<double> rates;
        std::vector<double> cpuRates;
        std::vector<double> epl;
        std::vector<double> interface;
        std::vector<double> timers;
        std::vector<double> requests;
        std::vector<double> upcalls;
        std::vector<double> host;
        std::vector<double> peak;
        std::vector<double> rss;
        std::vector<double> heap;
        for (const Result& r : runs)
        {
            rates.push_back(r.Rate());
            cpuRates.push_back(r.CpuRate());
            epl.push_back(r.EventsPerLifecycle());
            interface.push_back(r.PerLifecycle(r.interfaceEvents));
            timers.push_back(r.PerLifecycle(r.timerEvents));
            requests.push_back(r.PerLifecycle(r.requestEvents));
            upcalls.push_back(r.PerLifecycle(r.upcallEvents));
            host.push_back(r.PerLifecycle(r.hostEvents));
            peak.push_back(static_cast<double>(r.peakRssKiB));
            rss.push_back(static_cast<double>(r.rssDeltaKiB));
            heap.push_back(static_cast<double>(r.heapDeltaBytes));
            lifecycles += r.lifecycles;
            failed += r.failed;
            findings += r.findings;
            verifierAttached = r.verifierAttached;
        }
        rate = Median(rates);
        cpuRate = Median(cpuRates);
        eventsPerLifecycle = Median(epl);
        interfacePerLifecycle = Median(interface);
        timersPerLifecycle = Median(timers);
        requestsPerLifecycle = Median(requests);
        upcallsPerLifecycle = Median(upcalls);
        hostPerLifecycle = Median(host);
        peakRssKiB = Median(peak);
        rssDeltaKiB = Median(rss);
        heapDeltaBytes = Median(heap);
    }

    std::string VerifierLabel() const
    {
        return mode.verifier ? (verifierAttached ? "on" : "n/a") : "off";
    }
};

/// Print the side-by-side table, ratios to the first summary.
void PrintTable(const std::vector<Summary>& s,
                const Options& o,
                uint32_t repeats,
                std::ostream& os);

/// Write the same figures as JSON.
void WriteJson(const std::vector<Summary>& s, const Options& o, uint32_t repeats, std::ostream& os);

} // namespace chimney_bench

#endif // CHIMNEY_LIFECYCLE_REPORT_H
