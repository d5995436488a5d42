/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCENARIO_H
#define CHIMNEY_SCENARIO_H

#include "ns3/chimney-fault-plan.h"
#include "ns3/chimney-finding.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

class CommandLine;

/**
 * \ingroup chimney
 * \brief One scenario: N offloading hosts x M connections, a topology, a workload mix, a fault
 *        plan and one seed (ARCHITECTURE "Faults and scale").
 *
 * Every field is also a campaign-program option of the same name (AddToCommandLine) and a
 * keyword of the Python ScenarioConfig. The same config gives the same run, bit for bit.
 */
struct ChimneyScenarioConfig
{
    // --- size and topology ---
    uint32_t hosts = 8;               //!< N offloading hosts (>= 1)
    uint32_t connections = 4;         //!< M connections per offloading host (>= 1)
    std::string topology = "p2p";     //!< "p2p", "csma", "dumbbell" or "star" (topology header)
    uint32_t segmentHosts = 4;        //!< K offloading hosts per CSMA segment or star peer node
    std::string peer = "native";      //!< far side: "native" (ns-3 TcpSocketBase) or "chimney"
    std::string dataRate = "100Mbps"; //!< every link's data rate
    Time delay = MilliSeconds(1);     //!< every link's one-way delay

    // --- workload (per connection, drawn from the seed) ---
    uint32_t bytesMin = 1000;     //!< bytes the offloading host sends, at least ...
    uint32_t bytesMax = 20000;    //!< ... and at most
    uint32_t peerBytesMin = 0;    //!< bytes the peer sends back, at least ...
    uint32_t peerBytesMax = 4000; //!< ... and at most
    double graceful = 0.6;        //!< weight of graceful closes (Disconnect, with final data)
    double abortive = 0.2;        //!< weight of abortive closes (Abort with sends outstanding)
    double halfClose = 0.2;       //!< weight of half-closes (our FIN, then the peer keeps sending)
    double terminateMidTransfer = 0.1; //!< connections uploaded mid-transfer, then finished
    Time startWindow = Seconds(1);     //!< connections open uniformly in [0, startWindow)
    Time stopTime = Seconds(600);      //!< hard end of the simulation
    std::string offloadPolicy = "AtEstablished"; //!< ChimneyHostStack OffloadPolicy
    /// share of offloading hosts whose stack sits on a ChimneyIntermediateDriver with a second
    /// upper protocol (ChimneyProbeProtocol) on it, spread evenly over the host indexes (A11)
    double layeredFraction = 0;

    // --- faults, defects, seed ---
    ChimneyFaultPlan faults;     //!< the fault plan (default: none)
    std::string defect = "None"; //!< ChimneyNetDevice Defect (seeded bug) on every host's device
    /// ChimneyNetDevice Defect on every chimney peer's device only (peer "chimney"): shows
    /// that the peers' offload targets are verified (verifyPeers)
    std::string peerDefect = "None";
    uint32_t seed = 1; //!< decides every random choice (>= 1)
    /// ns-3's RNG run number (RngRun): independent replications of one config keep the seed
    /// and vary the run, as ns-3 advises. Not an option of its own: the campaign program takes
    /// ns-3's --RngRun (FinishCommandLine() reads it).
    uint32_t run = 1;

    // --- observation ---
    bool verifier = true; //!< attach a ChimneyVerifier
    /// the verifier watches the chimney peers' devices too (peer "chimney"): every offload
    /// target of the run, not only the offloading hosts'
    bool verifyPeers = true;
    Time sampleInterval = MilliSeconds(100); //!< time-series sampling period (0: none)
    std::string pcapDir;                     //!< write pcap of chosen hosts here ("" : none)
    std::vector<uint32_t> pcapHosts;         //!< offloading host indexes to capture (empty: host 0)

    /**
     * \brief Check every field (and the fault plan).
     * \param error receives a one-line message naming the field when the config is bad
     * \returns true when valid
     */
    bool Validate(std::string* error) const;

    /**
     * \brief Register every field as a CommandLine option (same names), plus --faults=FILE
     *        (a JSON fault plan), --everything[=true|false] (start from
     *        ChimneyFaultPlan::Everything(), or from no faults; not given: keep the plan this
     *        config has now) and one option per fault-plan field. The plan is built in
     *        FinishCommandLine(): base (--everything), then the file, then the field options.
     *        A bad value is reported by FinishCommandLine(), never by an exit inside Parse().
     * \param cmd the command line (this config must outlive cmd.Parse())
     */
    void AddToCommandLine(CommandLine& cmd);

    /**
     * \brief Apply what AddToCommandLine() could not set directly (the --faults file, list
     *        options, and the run number from ns-3's global value RngRun, which --RngRun
     *        sets). Call after cmd.Parse().
     * \param error receives a one-line message on failure
     * \returns true on success
     */
    bool FinishCommandLine(std::string* error);

    /// \returns the options that reproduce this config with the campaign program, e.g.
    ///          "--hosts=8 --connections=4 ... --everything --seed=3": hosts, connections,
    ///          --everything[=false] and seed always, --RngRun=N when the run is not 1, other
    ///          fields only when they differ from
    ///          the program's defaults, CampaignDefaults() (fault fields: from the plan
    ///          --everything starts from)
    std::string ToCommandLine() const;

    /**
     * \brief The campaign program's defaults (./run.sh with no options), which differ from
     *        this struct's: 128 hosts x 8 connections opened within 100 ms (busy hosts reach
     *        the target's capacity), chimney peers (ns-3 3.37's TcpSocketBase crashes on a few
     *        seeds under every fault kind), one host in 8 layered (layeredFraction 0.125: A11
     *        is exercised) and ChimneyFaultPlan::Everything().
     * \returns that config, seed 1
     */
    static ChimneyScenarioConfig CampaignDefaults();

    /// \returns the config as a JSON object (every field, stable order)
    std::string ToJson() const;

    /**
     * \brief The names of the options AddToCommandLine() registers (without "--"), e.g. for a
     *        program that rejects unknown options itself.
     * \returns the names
     */
    static std::vector<std::string> OptionNames();

  private:
    std::string m_faultsFile;    //!< --faults
    std::string m_pcapHosts;     //!< --pcapHosts, comma-separated
    bool m_pcapHostsSet = false; //!< --pcapHosts was given
    int m_everything = -1;       //!< --everything: -1 not given, 0 false, 1 true
    std::vector<std::pair<std::string, std::string>> m_faultOptions; //!< fault fields given
    std::string m_optionError;                                       //!< first bad option value
};

/**
 * \ingroup chimney
 * \brief What happened to one connection of a scenario. Times are simulated seconds, -1 when
 *        the step never happened.
 */
struct ChimneyConnectionRecord
{
    uint32_t host = 0;                  //!< offloading host index
    uint32_t index = 0;                 //!< connection index on that host
    std::string local;                  //!< "10.1.1.1:49153"
    std::string remote;                 //!< "10.1.1.2:5000"
    std::string closeType;              //!< "graceful", "abortive" or "half-close"
    double openTime = -1;               //!< Connect() called
    double establishedTime = -1;        //!< handshake done
    double offloadTime = -1;            //!< InitiateOffload completed with SUCCESS
    double disconnectTime = -1;         //!< TcpOffloadDisconnect called (graceful or abortive)
    double disconnectCompleteTime = -1; //!< its completion
    std::string disconnectStatus;       //!< status of that completion ("" when none)
    double terminateTime = -1;          //!< TerminateOffload called
    double terminateCompleteTime = -1;  //!< its completion (resources freed)
    double closedTime = -1;             //!< connection gone from the host stack
    std::string outcome;            //!< ChimneyHostStack outcome: "CLOSED", "ABORTED", "RESET", ...
    uint64_t bytesSent = 0;         //!< bytes the offloading host's application handed down
    uint64_t bytesReceived = 0;     //!< bytes it read
    uint64_t peerBytesReceived = 0; //!< bytes the peer's application read
    bool endToEndOk = false;        //!< E1/E2 held for this connection
    std::vector<std::string> faults; //!< fault kinds that hit this connection
};

/**
 * \ingroup chimney
 * \brief One time-series sample of a scenario (summed over every offloading host).
 */
struct ChimneyScenarioSample
{
    double time = 0;                //!< simulated seconds
    uint64_t open = 0;              //!< connections open on the host stacks
    uint64_t offloaded = 0;         //!< connections offloaded to targets
    uint64_t resourcesHeld = 0;     //!< ledger: resources held by targets
    uint64_t resourceBytesHeld = 0; //!< ledger: bytes held by targets
};

/**
 * \ingroup chimney
 * \brief Progress of a running scenario (reported every few wall seconds).
 */
struct ChimneyScenarioProgress
{
    double simTime = 0;             //!< simulated seconds so far
    uint64_t connectionsClosed = 0; //!< connections ended so far
    uint64_t connections = 0;       //!< connections in the scenario
    uint64_t findings = 0;          //!< verifier findings so far
};

/**
 * \ingroup chimney
 * \brief Everything a scenario run observed.
 */
struct ChimneyScenarioResult
{
    bool ok = false;                            //!< false: bad config, see error; nothing was run
    std::string error;                          //!< one line when !ok
    ChimneyScenarioConfig config;               //!< the config that ran
    uint64_t connections = 0;                   //!< connections opened
    std::map<std::string, uint64_t> outcomes;   //!< outcome -> connections
    std::map<std::string, uint64_t> closeTypes; //!< close type -> connections
    uint64_t endToEndFailures = 0;              //!< connections whose E1/E2 check failed
    std::map<std::string, uint64_t> findingCounts; //!< invariant ID -> findings (every ID)
    uint64_t findingTotal = 0;                     //!< all findings
    std::vector<ChimneyFinding> findings;          //!< stored findings (capped by the verifier)
    /// Per invariant, how often its check was exercised non-trivially (all 0 without verifier).
    ChimneyInvariantCoverage exercised;
    std::vector<std::string> faultsConfigured;    //!< ChimneyFaultPlan::ConfiguredKinds()
    std::map<std::string, uint64_t> faultsFired;  //!< every kind -> times it fired
    std::vector<ChimneyConnectionRecord> records; //!< one per connection, host then index
    std::vector<ChimneyScenarioSample> series;    //!< time series
    double simTime = 0;                           //!< simulated seconds at the end
    uint64_t events = 0;                          //!< scheduler events executed
    double wallSeconds = 0;    //!< wall time of the run (not part of determinism)
    uint64_t peakRssBytes = 0; //!< peak resident memory of the process (not deterministic)

    /// \returns configured fault kinds that never fired
    std::vector<std::string> UnfiredFaults() const;

    /// \returns invariant IDs whose check was never exercised, in catalog order
    std::vector<std::string> UnexercisedInvariants() const;

    /**
     * \brief Write the JSON report (schema "chimney-scenario-report/1": config, summary,
     *        findingCounts, exercised and unexercised (invariant coverage), findings with a
     *        reproduction command, faults, records, series);
     *        identical for the same config except the top-level "wall" object.
     * \param os the stream
     * \param withRecords include per-connection records and the series
     */
    void WriteJson(std::ostream& os, bool withRecords = true) const;

    /**
     * \brief The same report without the "wall" object: what a campaign report embeds per run.
     * \param os the stream
     * \param withRecords include per-connection records and the series
     */
    void WriteRunJson(std::ostream& os, bool withRecords) const;

    /// \returns the one-line command that reproduces this run: "./run.sh <options> --seed=S"
    std::string ReproduceCommand() const;

    /**
     * \brief Print the human summary: connections by outcome, findings by ID, every fault kind
     *        with how often it fired (configured ones that never fired are called out), and a
     *        reproduction command per finding ID.
     * \param os the stream
     */
    void PrintSummary(std::ostream& os) const;
};

/**
 * \ingroup chimney
 * \brief Summary lines shared by the scenario and campaign summaries: "Connections by
 *        outcome: k=n ..." and "Close types: k=n ...", each ended by a newline.
 * \param os the stream
 * \param outcomes outcome -> connections
 * \param closeTypes close type -> connections
 */
void PrintConnectionCounts(std::ostream& os,
                           const std::map<std::string, uint64_t>& outcomes,
                           const std::map<std::string, uint64_t>& closeTypes);

/**
 * \ingroup chimney
 * \brief Summary rows shared by the scenario and campaign summaries: every fault kind with how
 *        often it fired, calling out configured kinds that never fired and unconfigured ones.
 * \param os the stream
 * \param configured the configured kinds
 * \param fired kind -> times it fired (a kind not in it fired 0 times)
 */
void PrintFaultRows(std::ostream& os,
                    const std::vector<std::string>& configured,
                    const std::map<std::string, uint64_t>& fired);

/**
 * \ingroup chimney
 * \brief Summary rows shared by the scenario and campaign summaries: per invariant family, how
 *        often each check was exercised non-trivially, then the IDs never exercised called out.
 * \param os the stream
 * \param exercised the counts
 */
void PrintExercisedRows(std::ostream& os, const ChimneyInvariantCoverage& exercised);

/**
 * \ingroup chimney
 * \brief Build the scenario, run it to the end, collect the result and destroy the
 *        simulation (Simulator::Destroy), so runs can follow each other in one process.
 * \param config the scenario (validated first: a bad config runs nothing, result.ok false)
 * \param progress called about every progressEvery of wall time while running (may be empty)
 * \param progressEvery wall seconds between progress calls
 * \param shards processes to simulate in (one per core): the network is built once, then
 *        forked, and each process simulates its share of the islands (a peer and the hosts it
 *        serves); the merged result is the one a single process gives (wall and peak memory
 *        aside: peakRssBytes sums every process's peak, shared pages counted in each). Not
 *        with faults or the dumbbell (result.ok false, error says why).
 * \returns the result
 */
ChimneyScenarioResult RunChimneyScenario(
    const ChimneyScenarioConfig& config,
    const std::function<void(const ChimneyScenarioProgress&)>& progress = {},
    double progressEvery = 2.0,
    uint32_t shards = 1);

} // namespace ns3

#endif // CHIMNEY_SCENARIO_H
