/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle benchmark's run of one mode (lifecycle-run.cc) and its scale run
// (lifecycle-scale.cc): what they take and what they measure.

#ifndef CHIMNEY_LIFECYCLE_RUN_H
#define CHIMNEY_LIFECYCLE_RUN_H

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chimney_bench
{

/// Options of every mode's run.
struct Options
{
    uint32_t pairs = 32;
    uint32_t connections = 64;
    uint32_t bytes = 16384;
    std::string dataRate = "1Gbps";
    std::string delay = "100us";
    uint32_t seed = 1;
    std::string interruptModeration = "0s"; //!< the chimney devices' InterruptModeration
};

/// A mode: which ends are chimney hosts, and the verifier.
struct Mode
{
    std::string name; //!< e.g. "chimney-chimney"
    bool clientChimney;
    bool serverChimney;
    bool verifier;
};

/// What one run of a mode measured.
struct Result
{
    Mode mode;
    uint64_t lifecycles = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;
    uint64_t findings = 0;
    bool verifierAttached = false;
    double setupSeconds = 0;
    double runSeconds = 0;
    double runCpuSeconds =
        0; //!< CPU time of Simulator::Run (less noisy than wall on a shared machine)
    double destroySeconds = 0;
    uint64_t events = 0;
    uint64_t interfaceEvents = 0; //!< of events: the offload interface's (ChimneyEventCounts)
    uint64_t timerEvents = 0;     //!< of events: the chimney TCP engines' timers
    uint64_t requestEvents = 0;   //!< of interfaceEvents: requests reaching a target
    uint64_t upcallEvents = 0;    //!< of interfaceEvents: a target's completions and indications
    uint64_t hostEvents = 0;      //!< of events: host stacks' deferred calls
    double simSeconds = 0;
    uint64_t peakRssKiB = 0;
    int64_t rssDeltaKiB = 0;
    int64_t heapDeltaBytes = 0;
    std::vector<std::string> reasons;

    double Rate() const
    {
        return runSeconds > 0 ? static_cast<double>(lifecycles) / runSeconds : 0;
    }

    double CpuRate() const
    {
        return runCpuSeconds > 0 ? static_cast<double>(lifecycles) / runCpuSeconds : 0;
    }

    double EventsPerLifecycle() const
    {
        return PerLifecycle(events);
    }

    double PerLifecycle(uint64_t n) const
    {
        return lifecycles ? static_cast<double>(n) / static_cast<double>(lifecycles) : 0;
    }
};

using Clock = std::chrono::steady_clock;

/// \returns wall seconds since t
double Since(Clock::time_point t);
/// \returns CPU seconds the process has used (one thread: the simulation's)
double CpuNow();
/// A field of /proc/self/status in KiB (0 when unreadable).
uint64_t StatusKiB(const char* field);
/// Reset VmHWM to the current RSS (Linux >= 4.0). \returns false if the kernel refused.
bool ResetPeakRss();
/// Bytes of heap in use (glibc).
uint64_t HeapInUse();

/// Run one mode of the workload of o in a fresh simulation (destroyed on return).
Result RunMode(const Mode& mode, const Options& o);

/**
 * \brief K concurrent offloaded connections over one chimney-chimney pair (--scale=K).
 * \returns the process exit status (0: every connection completed, 0 findings, all offloaded)
 */
int RunScale(uint32_t k,
             const Options& o,
             bool withVerifier,
             uint32_t recvBuffer,
             const std::string& jsonPath);

} // namespace chimney_bench

#endif // CHIMNEY_LIFECYCLE_RUN_H
