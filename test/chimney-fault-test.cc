/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyFaultInjector: one scenario per fault kind, each with its expected outcome and zero
// verifier findings on the correct model; the fault counts; determinism of the Fault trace.
// Host 0 is the chimney host (ChimneyPairBuilder), host 1 plain ns-3 TCP; host 0 opens the
// connections, sends pattern data and closes gracefully with final data.

#include "ns3/boolean.h"
#include "ns3/chimney-fault-injector.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/wire-segment.h"

#include <cstdlib>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <tuple>
#include <vector>

using namespace ns3;

namespace
{

/// An indication the host stack received.
struct EventRecord
{
    Time time;
    OffloadHandle handle;
    ChimneyEvent event;
    ChimneyUploadReason reason;
};

/// A call or an upcall of the host stack.
struct CallRecord
{
    Time time;
    ChimneyOp operation;
    OffloadHandle handle;
    ChimneyStatus status;
};

/// One run: the pair, the injector, the verifier and what they saw.
class FaultRun
{
  public:
    ChimneyFaultPlan plan;
    std::string link = "p2p";
    uint32_t seed = 1;
    uint32_t connections = 1;
    uint32_t bytes = 20000;    //!< per connection, before the final data
    uint32_t finalBytes = 500; //!< the graceful disconnect's data
    bool abortive = false;     //!< close with Abort() (at 0.35 s) instead of a disconnect
    bool checksums = false;    //!< GlobalValue ChecksumEnabled
    Time stop = Seconds(300);

    // results
    std::vector<std::string> faults; //!< "time kind node detail"
    std::map<std::string, uint64_t> fired;
    std::vector<EventRecord> events;
    std::vector<CallRecord> calls;
    std::vector<CallRecord> upcalls;
    std::vector<TcpSegment> hostTx; //!< TCP segments host 0 sent (MacTx)
    std::vector<std::vector<uint8_t>> sent;
    std::vector<Ptr<ChimneyStreamEndpoint>> clients;
    std::vector<Ptr<ChimneyStreamEndpoint>> servers;
    std::vector<OffloadHandle> handles;
    std::vector<ChimneyHostStack::Outcome> outcomes;
    uint64_t findings = 0;
    ChimneyInvariantCoverage exercised; //!< the verifier's
    uint64_t expectedMisuse = 0;        //!< misuse calls refused as announced
    std::string findingText;
    uint64_t resourcesHeld = 0;

    void Run()
    {
        if (checksums)
        {
            GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
        }
        // The run number, not the seed, picks independent substreams: with small seeds the
        // first draws of MRG32k3a streams are strongly correlated across seeds.
        RngSeedManager::SetRun(seed);
        ChimneyPairBuilder pair;
        pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
        pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
        pair.Stacks().SetStackAttribute("MaxRetransmits", UintegerValue(4));
        // ns-3's TcpSocketBase may never retransmit a lost FIN in LAST_ACK (its ReTxTimeout
        // resends FIN only in FIN_WAIT_1 / CLOSING): without a FIN_WAIT_2 timer our half would
        // wait for it forever.
        pair.Stacks().SetStackAttribute("FinWait2Timeout", TimeValue(Seconds(20)));
        std::string error;
        ASSERT_TRUE(pair.Build(link, false, &error)) << error;
        Ptr<ChimneyHostStack> stack = pair.GetStack(0);
        Ptr<ChimneyNetDevice> device =
            DynamicCast<ChimneyNetDevice>(pair.GetChimneyDevices().Get(0));

        Ptr<ChimneyFaultInjector> injector = CreateObject<ChimneyFaultInjector>();
        injector->SetPlan(plan);
        injector->AssignStreams(1000);
        stack->AssignStreams(2000); // ISS: the same in every run of a seed
        injector->AttachLink(pair.GetLinkDevices().Get(0),
                             pair.GetLinkDevices().Get(1),
                             pair.GetNode(1));
        injector->AttachTarget(device);
        injector->AttachHost(stack);
        injector->TraceConnectWithoutContext("Fault", MakeCallback(&FaultRun::OnFault, this));
        Ptr<ChimneyVerifier> verifier = ChimneyVerifierHelper().Install(pair.GetChimneyDevices());
        verifier->AttachFaultInjector(injector); // host.misuse: expected, not findings

        stack->TraceConnectWithoutContext("Event", MakeCallback(&FaultRun::OnEvent, this));
        stack->TraceConnectWithoutContext("Call", MakeCallback(&FaultRun::OnCall, this));
        stack->TraceConnectWithoutContext("Upcall", MakeCallback(&FaultRun::OnUpcall, this));
        const WireLinkType wire = link == "p2p" ? WireLinkType::PPP : WireLinkType::ETHERNET;
        pair.GetLinkDevices().Get(0)->TraceConnectWithoutContext(
            "MacTx",
            MakeCallback(&FaultRun::OnHostTx, this).Bind(wire));
        pair.GetLinkDevices().Get(0)->TraceConnectWithoutContext(
            "MacRx",
            MakeCallback(&FaultRun::OnHostRx, this).Bind(wire));

        std::vector<Ptr<Socket>> sockets;
        for (uint32_t i = 0; i < connections; ++i)
        {
            clients.push_back(CreateObject<ChimneyStreamEndpoint>());
            servers.push_back(CreateObject<ChimneyStreamEndpoint>());
            ChimneyStreamEndpoint& server = *servers.back();
            ChimneyStreamEndpoint& client = *clients.back();
            const uint16_t port = static_cast<uint16_t>(9 + i);
            pair.Listen(1, port, servers.back());
            server.SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });
            Ptr<Socket> socket =
                pair.Connect(0, port, clients.back(), Seconds(0.1) + MilliSeconds(i));
            sockets.push_back(socket);
            auto data = ChimneyStreamEndpoint::Pattern(bytes, static_cast<uint8_t>(2 * i + 1));
            auto last = ChimneyStreamEndpoint::Pattern(finalBytes, static_cast<uint8_t>(2 * i + 2));
            std::vector<uint8_t> all = data;
            if (!abortive)
            {
                all.insert(all.end(), last.begin(), last.end());
            }
            sent.push_back(all);
            const bool abort = abortive;
            Simulator::Schedule(Seconds(0.3), [&client, socket, data, last, abort]() {
                client.SendAll(data, [socket, last, abort]() {
                    if (!abort)
                    {
                        DynamicCast<ChimneySocket>(socket)->Disconnect(last);
                    }
                });
            });
            if (abortive)
            {
                Simulator::Schedule(Seconds(0.35),
                                    [socket]() { DynamicCast<ChimneySocket>(socket)->Abort(); });
            }
        }
        Simulator::Stop(stop);
        Simulator::Run();
        verifier->Finish();
        findings = verifier->GetFindingCount();
        exercised = verifier->GetExercised();
        expectedMisuse = verifier->GetExpectedMisuseCount();
        std::ostringstream text;
        for (const auto& f : verifier->GetFindings())
        {
            text << f << "\n";
        }
        findingText = text.str();
        fired = injector->GetFired();
        for (const auto& s : sockets)
        {
            const OffloadHandle h = DynamicCast<ChimneySocket>(s)->GetHandle();
            handles.push_back(h);
            outcomes.push_back(stack->GetOutcome(h));
        }
        resourcesHeld = device->GetResourcesHeld();
        Simulator::Destroy();
    }

    /// \returns the run log when CHIMNEY_FAULT_DUMP is set and the run had findings
    std::string FindingLog() const
    {
        std::string all;
        if (findings != 0 && std::getenv("CHIMNEY_FAULT_DUMP") != nullptr)
        {
            for (const auto& line : log)
            {
                all += line + "\n";
            }
        }
        return all;
    }

    /// \returns the fired count of a kind
    uint64_t Fired(const std::string& kind) const
    {
        return fired.at(kind);
    }

    /// \returns the total of every other kind than those given
    uint64_t FiredOtherThan(const std::set<std::string>& kinds) const
    {
        uint64_t n = 0;
        for (const auto& [kind, count] : fired)
        {
            n += kinds.count(kind) ? 0 : count;
        }
        return n;
    }

    /// \returns E1 at the peer for connection i ("" when it holds)
    std::string E1(uint32_t i) const
    {
        std::string why;
        return servers[i]->CheckE1(sent[i], &why) ? "" : why;
    }

    /// \returns events of a kind
    std::vector<EventRecord> Events(ChimneyEvent event) const
    {
        std::vector<EventRecord> out;
        for (const auto& e : events)
        {
            if (e.event == event)
            {
                out.push_back(e);
            }
        }
        return out;
    }

    /// \returns calls or upcalls of an operation
    static std::vector<CallRecord> Of(const std::vector<CallRecord>& log, ChimneyOp op)
    {
        std::vector<CallRecord> out;
        for (const auto& c : log)
        {
            if (c.operation == op)
            {
                out.push_back(c);
            }
        }
        return out;
    }

    /// \returns the host's segments carrying a FIN
    std::vector<TcpSegment> HostFins() const
    {
        std::vector<TcpSegment> out;
        for (const auto& s : hostTx)
        {
            if (s.Has(TcpSegment::FIN))
            {
                out.push_back(s);
            }
        }
        return out;
    }

  private:
    void OnFault(std::string kind, uint32_t node, std::string detail)
    {
        std::ostringstream os;
        os << Simulator::Now().GetNanoSeconds() << " " << kind << " " << node << " " << detail;
        faults.push_back(os.str());
        Log("fault " + kind + " " + detail);
    }

    void OnEvent(OffloadHandle h, ChimneyEvent e, ChimneyUploadReason r)
    {
        events.push_back({Simulator::Now(), h, e, r});
        Log("event h=" + std::to_string(h) + " " + ToString(e) + " " + ToString(r));
    }

    void OnCall(ChimneyOp op, OffloadHandle h, uint64_t, uint32_t flags, ChimneyStatus status)
    {
        calls.push_back({Simulator::Now(), op, h, status});
        Log("call h=" + std::to_string(h) + " " + ToString(op) + " flags " + std::to_string(flags) +
            " " + ToString(status));
    }

    void OnUpcall(ChimneyOp op, OffloadHandle h, uint64_t, ChimneyStatus status, uint64_t b)
    {
        upcalls.push_back({Simulator::Now(), op, h, status});
        Log("upcall h=" + std::to_string(h) + " " + ToString(op) + " " + ToString(status) +
            " bytes " + std::to_string(b));
    }

    void OnHostTx(WireLinkType wire, Ptr<const Packet> frame)
    {
        WireSegment w;
        if (ParseWireFrame(frame, wire, w))
        {
            hostTx.push_back(w.tcp);
            Log("tx " + w.tcp.ToString());
        }
    }

    void OnHostRx(WireLinkType wire, Ptr<const Packet> frame)
    {
        WireSegment w;
        if (ParseWireFrame(frame, wire, w))
        {
            Log("rx " + w.tcp.ToString());
        }
    }

    void Log(const std::string& line)
    {
        std::ostringstream os;
        os << Simulator::Now().GetNanoSeconds() << " " << line;
        log.push_back(os.str());
    }

  public:
    /// Everything the run saw on host 0's side, one line each (CHIMNEY_FAULT_DUMP=1 prints it
    /// when a run has findings).
    std::vector<std::string> log;
};

#define EXPECT_NO_FINDINGS(run)                                                                    \
    EXPECT_EQ((run).findings, 0U) << (run).findingText << (run).FindingLog();                      \
    EXPECT_EQ((run).resourcesHeld, 0U) << "R4: the target still holds resources"

using Outcome = ChimneyHostStack::Outcome;

/// Every connection's stream arrived intact at the peer (E1) and, when closed is set, the
/// connection ended CLOSED.
void
ExpectEveryStreamIntact(const FaultRun& run, bool closed)
{
    for (uint32_t i = 0; i < run.connections; ++i)
    {
        EXPECT_EQ(run.E1(i), "") << "connection " << i;
        if (closed)
        {
            EXPECT_EQ(run.outcomes[i], Outcome::CLOSED) << "connection " << i;
        }
    }
}

/// Runs run and expects kind to fire once and connection 0 to close cleanly all the same: its
/// stream intact (E1), CLOSED, no verifier finding.
void
RunExpectingCleanClose(FaultRun& run, const std::string& kind)
{
    run.Run();
    EXPECT_EQ(run.Fired(kind), 1U);
    EXPECT_EQ(run.E1(0), "");
    EXPECT_EQ(run.outcomes[0], Outcome::CLOSED);
    EXPECT_NO_FINDINGS(run);
}

/// Drops the n-th FIN, RST and FIN-acknowledging segment of a connection (0: none).
void
DropNth(ChimneyFaultPlan& plan, uint32_t fin, uint32_t rst, uint32_t finAck)
{
    plan.targetedDropRate = 1;
    plan.dropFin = fin;
    plan.dropRst = rst;
    plan.dropFinAck = finAck;
}

/// A random link fault that retransmission repairs: on two connections it fires, and every
/// stream still arrives intact.
struct RepairedLinkFault
{
    std::string name; //!< the case's name in the test name
    std::string kind; //!< the fault kind that must fire
    std::function<void(FaultRun&)> configure;
    bool closed;   //!< every connection also ends CLOSED
    bool onlyKind; //!< no other fault kind fires
};

void
PrintTo(const RepairedLinkFault& fault, std::ostream* os)
{
    *os << fault.name;
}

const std::vector<RepairedLinkFault> kRepairedLinkFaults = {
    // Random loss on both directions: retransmissions repair it.
    {"LossIsRepairedByRetransmission",
     "link.loss",
     [](FaultRun& run) { run.plan.lossRate = 0.05; },
     true,
     true},
    {"LossBurstsAreRepaired",
     "link.burst",
     [](FaultRun& run) {
         run.plan.burstRate = 0.03;
         run.plan.burstLength = 4;
     },
     false,
     false},
    // Checksums on: a frame with one flipped byte is dropped by every receiver (target, host
    // stack, ns-3 TCP, the verifier's parser), so the pattern data still arrives exactly.
    {"CorruptedFramesAreDroppedByEveryReceiver",
     "link.corrupt",
     [](FaultRun& run) {
         run.checksums = true;
         run.plan.corruptRate = 0.05;
     },
     true,
     false},
    {"DuplicatedFramesAreDeliveredOnce",
     "link.duplicate",
     [](FaultRun& run) { run.plan.duplicateRate = 0.1; },
     false,
     false},
    {"ReorderedFramesAreDeliveredInOrder",
     "link.reorder",
     [](FaultRun& run) {
         run.plan.reorderRate = 0.1;
         run.plan.jitter = MilliSeconds(3);
     },
     false,
     false},
};

} // namespace

// --- link faults ----------------------------------------------------------------------------

class FaultLinkRepairTest
    : public testing::TestWithParam<std::tuple<RepairedLinkFault, std::string>>
{
};

TEST_P(FaultLinkRepairTest, EveryStreamArrivesIntact)
{
    const RepairedLinkFault& fault = std::get<0>(GetParam());
    FaultRun run;
    run.link = std::get<1>(GetParam());
    run.connections = 2;
    fault.configure(run);
    run.Run();
    EXPECT_GT(run.Fired(fault.kind), 0U);
    if (fault.onlyKind)
    {
        EXPECT_EQ(run.FiredOtherThan({fault.kind}), 0U);
    }
    ExpectEveryStreamIntact(run, fault.closed);
    EXPECT_NO_FINDINGS(run);
}

INSTANTIATE_TEST_SUITE_P(Links,
                         FaultLinkRepairTest,
                         testing::Combine(testing::ValuesIn(kRepairedLinkFaults),
                                          testing::Values("p2p", "csma")),
                         [](const testing::TestParamInfo<FaultLinkRepairTest::ParamType>& info) {
                             return std::get<0>(info.param).name + "_" + std::get<1>(info.param);
                         });

class FaultLinkTest : public testing::TestWithParam<std::string>
{
};

// The first FIN is lost: the target retransmits it with the same sequence number (W3).
TEST_P(FaultLinkTest, LostFinIsRetransmittedWithTheSameSequence)
{
    FaultRun run;
    run.link = GetParam();
    DropNth(run.plan, 1, 0, 0);
    run.Run();
    EXPECT_EQ(run.Fired("link.drop-fin"), 1U);
    const auto fins = run.HostFins();
    ASSERT_GE(fins.size(), 2U) << "the lost FIN was retransmitted";
    for (const auto& fin : fins)
    {
        EXPECT_EQ(fin.seq + fin.payload.size(), fins[0].seq + fins[0].payload.size());
    }
    EXPECT_EQ(run.E1(0), "");
    EXPECT_EQ(run.outcomes[0], Outcome::CLOSED);
    EXPECT_NO_FINDINGS(run);
}

// The first segment acknowledging a FIN is lost: the FIN is retransmitted, or the peer's own
// FIN acknowledges it again; the close completes either way.
TEST_P(FaultLinkTest, LostAckOfFinIsRecovered)
{
    FaultRun run;
    run.link = GetParam();
    DropNth(run.plan, 0, 0, 1);
    RunExpectingCleanClose(run, "link.drop-fin-ack");
}

// Our abortive RST is lost: the host is done (ABORTED); the peer never hears of it.
TEST_P(FaultLinkTest, LostRstLeavesTheHostAborted)
{
    FaultRun run;
    run.link = GetParam();
    run.abortive = true;
    run.bytes = 400000;
    DropNth(run.plan, 0, 1, 0);
    run.stop = Seconds(30);
    run.Run();
    EXPECT_EQ(run.Fired("link.drop-rst"), 1U);
    EXPECT_EQ(run.outcomes[0], Outcome::ABORTED);
    EXPECT_NO_FINDINGS(run);
}

INSTANTIATE_TEST_SUITE_P(Links, FaultLinkTest, testing::Values("p2p", "csma"));

// --- peer faults ----------------------------------------------------------------------------

// The peer goes silent: the target retransmits until Retrieve(TimeoutExpiration); the host
// terminates and the connection times out.
TEST(FaultPeerTest, CrashedPeerEndsInTimeout)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.peerCrashRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("peer.crash"), 1U);
    EXPECT_EQ(run.outcomes[0], Outcome::TIMED_OUT);
    const auto retrieves = run.Events(ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(retrieves[0].reason, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    EXPECT_NO_FINDINGS(run);
}

// An RST at exactly RCV.NXT is acceptable: Abort, terminate, RESET.
TEST(FaultPeerTest, ExactRstResetsTheConnection)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.rstExactRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("peer.rst-exact"), 1U);
    EXPECT_EQ(run.Events(ChimneyEvent::ABORT).size(), 1U);
    EXPECT_EQ(run.outcomes[0], Outcome::RESET);
    EXPECT_NO_FINDINGS(run);
}

// In the window but not exact: a challenge ACK, the connection goes on (RFC 5961).
TEST(FaultPeerTest, InWindowRstIsChallengedNotAccepted)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.rstInWindowRate = 1;
    RunExpectingCleanClose(run, "peer.rst-in-window");
    EXPECT_TRUE(run.Events(ChimneyEvent::ABORT).empty());
}

TEST(FaultPeerTest, OutOfWindowRstIsDropped)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.rstOutOfWindowRate = 1;
    RunExpectingCleanClose(run, "peer.rst-out-of-window");
    EXPECT_TRUE(run.Events(ChimneyEvent::ABORT).empty());
}

// An in-order SYN on the offloaded connection: Retrieve(InvalidState), the host uploads it.
TEST(FaultPeerTest, InWindowSynAsksForTheUpload)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.synRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("peer.syn"), 1U);
    const auto retrieves = run.Events(ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(retrieves[0].reason, ChimneyUploadReason::INVALID_STATE);
    EXPECT_EQ(FaultRun::Of(run.calls, ChimneyOp::TERMINATE).size(), 1U);
    EXPECT_EQ(run.outcomes[0], Outcome::RESET);
    EXPECT_NO_FINDINGS(run);
}

// Our FIN falls into a black hole: Retrieve(TimeoutExpiration), terminate, TIMED_OUT.
TEST(FaultPeerTest, BlackHoleEndsInRetrieveTimeoutAndTerminate)
{
    FaultRun run;
    run.plan.blackHoleRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("peer.black-hole"), 1U);
    const auto retrieves = run.Events(ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(retrieves[0].reason, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    const auto terminates = FaultRun::Of(run.calls, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_GE(terminates[0].time, retrieves[0].time);
    EXPECT_EQ(run.outcomes[0], Outcome::TIMED_OUT);
    EXPECT_NO_FINDINGS(run);
}

// --- target faults --------------------------------------------------------------------------

// SPEC 3.6: Retrieve(HardwareFailure) and Abort, the terminate completes FAILURE, E3.
TEST(FaultTargetTest, HardwareFailureGivesFailureAbortAndE3)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.hardwareFailureRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("target.hardware-failure"), 1U);
    const auto retrieves = run.Events(ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(retrieves[0].reason, ChimneyUploadReason::HARDWARE_FAILURE);
    EXPECT_EQ(run.Events(ChimneyEvent::ABORT).size(), 1U);
    const auto terminates = FaultRun::Of(run.upcalls, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_EQ(terminates[0].status, ChimneyStatus::FAILURE);
    EXPECT_EQ(run.outcomes[0], Outcome::FAILED);
    EXPECT_NO_FINDINGS(run);
}

// R5: offloads beyond the capacity fail OFFLOAD_TCP_ENTRIES and stay in software, intact.
TEST(FaultTargetTest, CapacityExhaustionFallsBackToSoftware)
{
    FaultRun run;
    run.connections = 3;
    run.plan.capacity = 1;
    run.Run();
    EXPECT_EQ(run.Fired("target.capacity"), 2U);
    ExpectEveryStreamIntact(run, true);
    EXPECT_NO_FINDINGS(run);
}

TEST(FaultTargetTest, SlowCompletionsChangeNothingButTime)
{
    FaultRun run;
    run.connections = 2;
    run.plan.slowCompletionRate = 1;
    run.plan.slowCompletion = MilliSeconds(30);
    run.Run();
    EXPECT_EQ(run.Fired("target.slow-completion"), 1U);
    ExpectEveryStreamIntact(run, true);
    EXPECT_NO_FINDINGS(run);
}

class FaultRetrieveTest : public testing::TestWithParam<std::string>
{
};

// A mandatory reason is followed by the host's terminate; an optional one may be ignored (the
// host's default) and the connection keeps working offloaded. Either way E1 holds.
TEST_P(FaultRetrieveTest, RetrieveIsHandledPerSpec)
{
    FaultRun run;
    run.bytes = 400000;
    run.plan.retrieveRate = 1;
    run.plan.retrieveReasons = {GetParam()};
    run.Run();
    EXPECT_EQ(run.Fired("target.retrieve"), 1U);
    const auto retrieves = run.Events(ChimneyEvent::RETRIEVE);
    ASSERT_GE(retrieves.size(), 1U);
    EXPECT_EQ(ToString(retrieves[0].reason), GetParam());
    const auto terminates = FaultRun::Of(run.calls, ChimneyOp::TERMINATE);
    if (IsMandatoryUploadReason(retrieves[0].reason))
    {
        ASSERT_GE(terminates.size(), 1U);
        EXPECT_GE(terminates[0].time, retrieves[0].time);
        EXPECT_LE(terminates[0].time, retrieves[0].time + MilliSeconds(1))
            << "the host terminates at once";
    }
    else
    {
        for (const auto& t : terminates)
        {
            EXPECT_GT(t.time, retrieves[0].time + MilliSeconds(1))
                << "an optional Retrieve is ignored by default";
        }
    }
    if (GetParam() != "InvalidState" && GetParam() != "TimeoutExpiration")
    {
        EXPECT_EQ(run.E1(0), "");
        EXPECT_EQ(run.outcomes[0], Outcome::CLOSED);
    }
    EXPECT_NO_FINDINGS(run);
}

INSTANTIATE_TEST_SUITE_P(Reasons,
                         FaultRetrieveTest,
                         testing::Values("InvalidState",
                                         "ReceivedUrgentData",
                                         "TimeoutExpiration",
                                         "UploadRequested",
                                         "HighDropRate",
                                         "LowActivity",
                                         "SmallIO"));

// --- host faults ----------------------------------------------------------------------------

TEST(FaultHostTest, TerminateDuringPendingDisconnectEndsCleanly)
{
    FaultRun run;
    run.plan.terminatePendingDisconnectRate = 1;
    RunExpectingCleanClose(run, "host.terminate-pending-disconnect");
}

TEST(FaultHostTest, TerminateRightAfterOurFinEndsCleanly)
{
    FaultRun run;
    run.plan.terminateAfterFinRate = 1;
    RunExpectingCleanClose(run, "host.terminate-after-fin");
}

TEST(FaultHostTest, TerminateRacingARemoteRstEndsReset)
{
    for (uint32_t seed : {1u, 2u, 3u, 4u})
    {
        FaultRun run;
        run.seed = seed;
        run.bytes = 400000;
        run.plan.terminateRacingRstRate = 1;
        run.Run();
        EXPECT_EQ(run.Fired("host.terminate-racing-rst"), 1U) << "seed " << seed;
        EXPECT_EQ(run.outcomes[0], Outcome::RESET) << "seed " << seed;
        EXPECT_NO_FINDINGS(run);
        Simulator::Destroy();
        Config::Reset();
    }
}

TEST(FaultHostTest, AbortAfterGracefulEndsAborted)
{
    FaultRun run;
    run.plan.abortAfterGracefulRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("host.abort-after-graceful"), 1U);
    EXPECT_EQ(run.outcomes[0], Outcome::ABORTED);
    std::string why;
    EXPECT_TRUE(run.servers[0]->CheckE2(run.sent[0], &why)) << why;
    EXPECT_NO_FINDINGS(run);
}

// host.misuse: every class of bad call is issued on purpose, announced to the verifier, and
// refused by the target with nothing changed: no finding, every stream intact, H1-H7 exercised.
TEST(FaultHostTest, MisuseIsRefusedAndChangesNothing)
{
    FaultRun run;
    run.connections = 4;
    run.bytes = 100000;
    run.plan.hostMisuseRate = 1;
    run.plan.terminateAfterFinRate = 1; // a terminate while the connection is offloaded: H6
    run.Run();
    // Per connection: H1, H2, H3, H7 twice, then H4 and H5 (graceful), then H6.
    EXPECT_EQ(run.Fired("host.misuse"), 4U * 8U);
    EXPECT_EQ(run.expectedMisuse, 4U * 8U);
    for (const char* id : {"H1", "H2", "H3", "H4", "H5", "H6", "H7"})
    {
        EXPECT_GT(run.exercised.Get(id), 0U) << id;
    }
    ExpectEveryStreamIntact(run, true);
    EXPECT_NO_FINDINGS(run);
}

TEST(FaultHostTest, UploadAllTerminatesEveryOffloadedConnection)
{
    FaultRun run;
    run.connections = 3;
    run.bytes = 200000;
    run.plan.uploadAllRate = 1;
    run.Run();
    EXPECT_EQ(run.Fired("host.upload-all"), 1U);
    EXPECT_GE(FaultRun::Of(run.calls, ChimneyOp::TERMINATE).size(), 3U);
    ExpectEveryStreamIntact(run, true);
    EXPECT_NO_FINDINGS(run);
}

// --- everything at once, determinism --------------------------------------------------------

TEST(FaultDeterminismTest, SameSeedSameFaultsOtherSeedOtherFaults)
{
    auto once = [](uint32_t seed) {
        FaultRun run;
        run.seed = seed;
        run.connections = 4;
        run.checksums = true;
        run.plan = ChimneyFaultPlan::Everything();
        run.plan.capacity = 0;
        run.Run();
        Simulator::Destroy();
        Config::Reset();
        return run.faults;
    };
    const auto a = once(5);
    const auto b = once(5);
    const auto c = once(6);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
}

class FaultEverythingTest : public testing::TestWithParam<std::tuple<std::string, uint32_t>>
{
};

TEST_P(FaultEverythingTest, EveryFaultAtOnceGivesNoFinding)
{
    FaultRun run;
    run.link = std::get<0>(GetParam());
    run.seed = std::get<1>(GetParam());
    run.connections = 6;
    run.checksums = true;
    run.plan = ChimneyFaultPlan::Everything();
    run.plan.capacity = 4;
    run.Run();
    uint64_t total = 0;
    for (const auto& [kind, n] : run.fired)
    {
        total += n;
    }
    EXPECT_GT(total, 0U);
    EXPECT_NO_FINDINGS(run);
}

/// Seeds 1..N, N = $CHIMNEY_FAULT_SEEDS or 10 (a wider sweep on demand).
std::vector<uint32_t>
SweepSeeds()
{
    const char* env = std::getenv("CHIMNEY_FAULT_SEEDS");
    const uint32_t n = env ? static_cast<uint32_t>(std::strtoul(env, nullptr, 10)) : 10;
    std::vector<uint32_t> seeds;
    for (uint32_t i = 1; i <= std::max<uint32_t>(n, 1); ++i)
    {
        seeds.push_back(i);
    }
    return seeds;
}

INSTANTIATE_TEST_SUITE_P(Seeds,
                         FaultEverythingTest,
                         testing::Combine(testing::Values("p2p", "csma"),
                                          testing::ValuesIn(SweepSeeds())));

// A green campaign proves coverage only if the faults really fired: over a few seeds of the
// Everything plan, every kind fires at least once.
TEST(FaultCoverageTest, EveryKindFiresOverAFewSeeds)
{
    std::map<std::string, uint64_t> total;
    for (const char* link : {"p2p", "csma"})
    {
        for (uint32_t seed = 1; seed <= 10; ++seed)
        {
            FaultRun run;
            run.link = link;
            run.seed = seed;
            run.connections = 6;
            run.checksums = true;
            run.plan = ChimneyFaultPlan::Everything();
            run.plan.capacity = 4;
            // One host and one peer per run here: per-host kinds need higher rates to be hit.
            run.plan.uploadAllRate = 0.3;
            run.plan.hardwareFailureRate = 0.3;
            run.plan.peerCrashRate = 0.3;
            run.Run();
            for (const auto& [kind, n] : run.fired)
            {
                total[kind] += n;
            }
            Simulator::Destroy();
            Config::Reset();
        }
    }
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        EXPECT_GT(total[kind], 0U) << kind << " never fired";
    }
}
