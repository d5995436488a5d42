/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The ChimneyVerifier (SPEC.md section 4):
//  * (the correct model's zero findings on every lifecycle scenario, and every seeded defect
//    caught, are in chimney-verifier-defect-test.cc)
//  * every check shown to fire: synthetic violations fed through the verifier's observation
//    entry points (requests, completions, indications, ledger, wire segments), and host misuse
//    made by calling the real device interface wrongly
//  (the JSON report and the shadow's receive direction: chimney-verifier-report-test.cc; the
//  fixture: chimney-verifier-test-fixture.h)

#include "chimney-verifier-test-fixture.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace chimney_verifier_test;

namespace
{

/// A clean synthetic lifecycle gives nothing (the helpers themselves are consistent).
TEST_F(VerifierSyntheticTest, CleanSyntheticLifecycleHasNoFindings)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(false, kRcv, kData + 101, ACK);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::SUCCESS, 0);
    Terminate();
    verifier->Finish();
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W1PayloadBeyondFin)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(true, kData + 100, kRcv, ACK, {0x55}); // a fabricated byte at the FIN's sequence
    EXPECT_EQ(Count("W1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W2FinSkipsPostedBytes)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(50)); // FIN after 50 of the 100 bytes
    EXPECT_EQ(Count("W2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W2FinWithoutGracefulDisconnect)
{
    Offload();
    Wire(true, kData, kRcv, ACK | FIN);
    EXPECT_EQ(Count("W2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W3TwoFinSequenceNumbers)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(true, kData + 101, kRcv, ACK | FIN);
    EXPECT_EQ(Count("W3"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W4RstWithoutAbortiveDisconnect)
{
    Offload();
    Wire(true, kData, 0, RST);
    EXPECT_EQ(Count("W4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W5DataAfterRst)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Wire(true, kData, kRcv, ACK, Data(10));
    EXPECT_EQ(Count("W5"), 1u) << Describe(*verifier);
    EXPECT_EQ(Count("W4"), 0u);
}

TEST_F(VerifierSyntheticTest, W6AckAfterAbortiveDisconnect)
{
    Offload();
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Wire(false, kRcv, kData, ACK, Data(10));
    Wire(true, kData, kRcv + 10, ACK);
    EXPECT_EQ(Count("W6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W7RemoteDataAfterFinNeverAcknowledged)
{
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN); // the target's FIN (window 65535)
    Wire(false, kRcv, kData + 1, ACK, Data(100));
    // Half a second passes without an ACK for the remote's data.
    Simulator::Schedule(Seconds(1), [this]() { verifier->Finish(); });
    Simulator::Run();
    EXPECT_EQ(Count("W7"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W7NotReportedWhenAcknowledgedInTime)
{
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN);
    Wire(false, kRcv, kData + 1, ACK, Data(100));
    Simulator::Schedule(MilliSeconds(200), [this]() { Wire(true, kData + 1, kRcv + 100, ACK); });
    Simulator::Schedule(Seconds(1), [this]() { verifier->Finish(); });
    Simulator::Run();
    EXPECT_EQ(Count("W7"), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W8TransmitAfterTerminate)
{
    Offload();
    Terminate();
    Wire(true, kData, kRcv, ACK);
    EXPECT_EQ(Count("W8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W9SynAndSequenceBeyondPostedAndAckBeyondReceived)
{
    Offload();
    Wire(true, kData, kRcv, SYN | ACK);
    EXPECT_EQ(Count("W9"), 1u);
    // Other W9 breaches on other connections (reported once per connection).
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Send(10, 1);
    Wire(true, kData, kRcv, ACK, Data(20)); // 20 bytes, 10 posted
    Wire(true, kData, kRcv + 50, ACK);      // acknowledges 50 bytes never sent
    EXPECT_EQ(Count("W9"), 3u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W10RstSequenceNotAcceptable)
{
    Offload();
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData + 5000, 0, RST); // far beyond anything sent
    EXPECT_EQ(Count("W10"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A1ValidRequestRefusedOrNotPending)
{
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Offload();
    Ptr<NetBufferList> nbl = NetBufferList::CreateSend(Data(10), 1);
    Call(ChimneyOp::SEND,
         kH,
         nbl,
         nullptr,
         0,
         ChimneyStatus::INVALID_STATE); // no HostMisuse report
    EXPECT_EQ(Count("A1"), 1u) << Describe(*verifier);
    Ptr<NetBufferList> nbl2 = NetBufferList::CreateReceive(100, 2);
    Call(ChimneyOp::RECEIVE, kH, nbl2, nullptr, 0, ChimneyStatus::SUCCESS); // not PENDING
    EXPECT_EQ(Count("A1"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A1CompletionInsideTheCall)
{
    Simulator::Schedule(MilliSeconds(1), [this]() {
        Offload();
        Ptr<NetBufferList> nbl = Send(10, 1);
        Complete(ChimneyOp::SEND, nbl, ChimneyStatus::REQUEST_ABORTED, 0); // same event as the call
    });
    Simulator::Run();
    EXPECT_EQ(Count("A1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A2CompletionOfUnknownOrTwice)
{
    Offload();
    Ptr<NetBufferList> s = Send(10, 1);
    Wire(false, kRcv, kData + 10, ACK);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 10);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 10); // twice
    EXPECT_EQ(Count("A2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A3SuccessBeforeAcknowledged)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(false, kRcv, kData + 100, ACK); // data acknowledged, FIN not
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A3"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A4SendsOutOfOrder)
{
    Offload();
    Ptr<NetBufferList> a = Send(10, 1);
    Ptr<NetBufferList> b = Send(10, 2);
    Wire(true, kData, kRcv, ACK, Data(10));
    Complete(ChimneyOp::SEND, b, ChimneyStatus::REQUEST_ABORTED, 0);
    EXPECT_EQ(Count("A4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A4DisconnectBeforeSends)
{
    Offload();
    Send(10, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::REQUEST_ABORTED, 0);
    EXPECT_EQ(Count("A4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A5AbortiveBeforeOutstandingSends)
{
    Offload();
    Send(100, 1);
    Ptr<NetBufferList> a = Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Complete(ChimneyOp::DISCONNECT, a, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A6DisconnectFailsWithOtherStatus)
{
    Offload();
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::RESOURCES, 0);
    EXPECT_EQ(Count("A6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A7DisconnectIndicatedBeforeRemoteFinOrData)
{
    Offload();
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(Count("A7"), 1u) << Describe(*verifier);
    // Another connection: FIN arrives after 100 bytes, none delivered yet.
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Wire(false, kRcv, kData, ACK | FIN, Data(100));
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(Count("A7"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A7DeliveredThenIndicatedIsClean)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(200, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    std::vector<uint8_t> bytes = Data(100);
    Wire(false, kRcv, kData, ACK | FIN, bytes);
    std::copy(bytes.begin(), bytes.end(), r->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 100);
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1DeliveredBytesDifferFromTheRemoteStream)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(200, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    std::vector<uint8_t> bytes = Data(100);
    Wire(false, kRcv, kData, ACK, bytes);
    bytes[42] ^= 0x01; // the target corrupts one byte on the way to the host
    std::copy(bytes.begin(), bytes.end(), r->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 100);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1ReceiveReassemblyOutOfOrderAndOverlapping)
{
    // The remote's stream arrives out of order, with a retransmission overlapping both halves;
    // delivered intact in two receives it is clean, and a corrupted byte in the second is E1.
    Offload();
    Ptr<NetBufferList> r1 = NetBufferList::CreateReceive(120, 1);
    Ptr<NetBufferList> r2 = NetBufferList::CreateReceive(200, 2);
    Call(ChimneyOp::RECEIVE, kH, r1, nullptr, 0);
    Call(ChimneyOp::RECEIVE, kH, r2, nullptr, 0);
    const std::vector<uint8_t> stream = Data(300, 11);
    auto part = [&stream](size_t from, size_t to) {
        return std::vector<uint8_t>(stream.begin() + from, stream.begin() + to);
    };
    Wire(false, kRcv + 200, kData, ACK, part(200, 300));
    Wire(false, kRcv + 50, kData, ACK, part(50, 150));
    Wire(false, kRcv, kData, ACK, part(0, 100));
    Wire(false, kRcv + 100, kData, ACK, part(100, 250));
    std::copy(stream.begin(), stream.begin() + 120, r1->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r1, ChimneyStatus::SUCCESS, 120);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
    std::vector<uint8_t> rest = part(120, 300);
    rest[150] ^= 0x20;
    std::copy(rest.begin(), rest.end(), r2->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r2, ChimneyStatus::SUCCESS, 180);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A8AbortWithoutAcceptableRst)
{
    Offload();
    Wire(false, kRcv + 1000, 0, RST); // in no way RCV.NXT
    Indicate(ChimneyEvent::ABORT);
    EXPECT_EQ(Count("A8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A8OutstandingNotAborted)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(100, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    Wire(false, kRcv, 0, RST); // acceptable
    Indicate(ChimneyEvent::ABORT);
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A9TerminateStatusAndOutstandingRequests)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(100, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    Terminate(ChimneyStatus::RESOURCES);
    EXPECT_EQ(Count("A9"), 1u) << Describe(*verifier); // once per connection: both breaches
    EXPECT_GE(verifier->GetFindings().size(), 1u);
}

TEST_F(VerifierSyntheticTest, A9ReturnedSendChainMissingAnNbl)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Wire(true, kData, kRcv, ACK, Data(100));
    // The NBL handed back is not in the returned chain.
    TerminateReturningSend(s, 100, nullptr);
    EXPECT_EQ(Count("A9"), 1u) << Describe(*verifier);
    EXPECT_EQ(Count("E1"), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1ReturnedSendDataLost)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Wire(true, kData, kRcv, ACK, Data(100));
    TerminateReturningSend(s, 60, s); // 40 bytes lost
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A10IndicationAfterTerminate)
{
    Offload();
    Terminate();
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED);
    EXPECT_EQ(Count("A10"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A11CompletionRoutedToAnotherUpper)
{
    Ptr<ChimneyIntermediateDriver> layer = CreateObject<ChimneyIntermediateDriver>();
    verifier->AttachIntermediateDriver(layer);
    verifier->ObserveLayerRequest(layer, "tcpip", ChimneyOp::SEND, 1, 7, 0, ChimneyStatus::PENDING);
    verifier->ObserveLayerCompletion(layer, "iscsi", ChimneyOp::SEND, 1, 7, ChimneyStatus::SUCCESS);
    EXPECT_EQ(Count("A11"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R1FreedBeforeTerminate)
{
    Offload();
    Ledger(false);
    EXPECT_EQ(Count("R1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R2NotFreedAtTerminate)
{
    Offload();
    Terminate(ChimneyStatus::SUCCESS, false);
    EXPECT_EQ(Count("R2"), 1u) << Describe(*verifier);
    verifier->Finish();
    EXPECT_EQ(Count("R4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R3DoubleFreeAndTransmitOnFreedState)
{
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Offload();
    Ledger(false);                // R1
    Wire(true, kData, kRcv, ACK); // on freed state
    Ledger(false);                // double free
    EXPECT_EQ(Count("R3"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R4NeverTerminatedAndHeldByNobody)
{
    Offload();
    Ledger(true, 77); // a ledger entry nobody offloaded
    verifier->Finish();
    EXPECT_EQ(Count("R4"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R5BeyondCapacity)
{
    Offload(1);
    Offload(2); // capacity 1
    EXPECT_EQ(Count("R5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1WireBytesDifferFromPosted)
{
    Offload();
    Send(100, 1);
    std::vector<uint8_t> bytes = Data(100);
    bytes[10] ^= 0xff;
    Wire(true, kData, kRcv, ACK, bytes);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E2AbortiveSuccessWithoutRst)
{
    Offload();
    Ptr<NetBufferList> a = Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Complete(ChimneyOp::DISCONNECT, a, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("E2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E3FailedTargetTransmitsOrTerminateNotFailure)
{
    Offload();
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::HARDWARE_FAILURE);
    Wire(true, kData, kRcv, ACK);
    EXPECT_EQ(Count("E3"), 1u) << Describe(*verifier);
}

// --- H: the real device called wrongly; its HostMisuse reports are relayed, and the verifier
//     checks the request stream itself (a misuse the target accepted is reported too) ---

class VerifierHostMisuseTest : public VerifierSyntheticTest
{
  protected:
    /// Offload handle kH on the real device, then run f at 10 ms.
    void RunWithOffload(std::function<void()> f)
    {
        Ptr<OffloadBlockList> list = Blocks(kH, State(), 100);
        EXPECT_EQ(device->InitiateOffload(list), ChimneyStatus::PENDING);
        Simulator::Schedule(MilliSeconds(10), f);
        Simulator::Stop(MilliSeconds(20));
        Simulator::Run();
    }

    /// Exactly one finding, with this ID, and the device refused the call.
    void ExpectOnly(const std::string& id)
    {
        EXPECT_EQ(Count(id), 1u) << Describe(*verifier);
        EXPECT_EQ(verifier->GetFindingCount(), 1u) << Describe(*verifier);
    }
};

TEST_F(VerifierHostMisuseTest, H1UnknownHandle)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TcpOffloadSend(42, NetBufferList::CreateSend(Data(10), 1)),
                  ChimneyStatus::INVALID_STATE);
    });
    ExpectOnly("H1");
}

TEST_F(VerifierHostMisuseTest, H2DisconnectWithTwoBuffers)
{
    RunWithOffload([this]() {
        Ptr<NetBufferList> nbl = NetBufferList::CreateSend({}, 1);
        nbl->buffers.emplace_back();
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, nbl, TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H2");
}

TEST_F(VerifierHostMisuseTest, H3BadFlags)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 1), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H3");
}

TEST_F(VerifierHostMisuseTest, H4SecondGraceful)
{
    RunWithOffload([this]() {
        device->TcpOffloadDisconnect(kH,
                                     NetBufferList::CreateSend({}, 1),
                                     TCP_DISCONNECT_GRACEFUL_CLOSE);
        EXPECT_EQ(device->TcpOffloadDisconnect(kH,
                                               NetBufferList::CreateSend({}, 2),
                                               TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H5SendAfterGraceful)
{
    RunWithOffload([this]() {
        device->TcpOffloadDisconnect(kH,
                                     NetBufferList::CreateSend({}, 1),
                                     TCP_DISCONNECT_GRACEFUL_CLOSE);
        EXPECT_EQ(device->TcpOffloadSend(kH, NetBufferList::CreateSend(Data(10), 2)),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H6SecondTerminate)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TerminateOffload(Blocks(kH, TcpDelegatedState(), 200)),
                  ChimneyStatus::PENDING);
        EXPECT_EQ(device->TerminateOffload(Blocks(kH, TcpDelegatedState(), 201)),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H7ForbiddenStateAndAlreadyOffloaded)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->InitiateOffload(Blocks(2, State(TcpState::SynSent), 101)),
                  ChimneyStatus::INVALID_STATE);
        EXPECT_EQ(device->InitiateOffload(Blocks(kH, State(), 102)), ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H7"), 2u) << Describe(*verifier);
}

// Expected misuse (ChimneyVerifier::ExpectMisuse, the fault injector's host.misuse): a call
// announced as breaking a rule on purpose is exercised, not reported, when the target refuses
// it as announced; accepting it, or refusing it under another rule, is a finding.

TEST_F(VerifierHostMisuseTest, ExpectedMisuseRefusedIsExercisedNotReported)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H3");
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 1), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
        // Only the next call was announced: this one is a finding again.
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 2), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H3");
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 1u);
    EXPECT_EQ(verifier->GetExercised().Get("H3"), 2u);
}

TEST_F(VerifierHostMisuseTest, ExpectedMisuseAcceptedIsAFinding)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H4"); // but the call is a valid first disconnect
        EXPECT_EQ(device->TcpOffloadDisconnect(kH,
                                               NetBufferList::CreateSend({}, 1),
                                               TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::PENDING);
    });
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 0u);
}

TEST_F(VerifierHostMisuseTest, ExpectedMisuseRefusedUnderAnotherRuleIsAFinding)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H5");
        EXPECT_EQ(device->TcpOffloadSend(42, NetBufferList::CreateSend(Data(10), 1)),
                  ChimneyStatus::INVALID_STATE); // the target says H1
    });
    ExpectOnly("H5");
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 0u);
}

TEST_F(VerifierSyntheticTest, HostMisuseAcceptedByTheTargetIsReported)
{
    // The verifier decides misuse from the request stream itself: a target that accepted a
    // second graceful disconnect (returned PENDING) is reported with H4 anyway.
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, FindingTraceCarriesTheTupleAndEvidence)
{
    std::vector<ChimneyFinding> seen;
    verifier->TraceConnectWithoutContext(
        "Finding",
        MakeCallback(+[](std::vector<ChimneyFinding>* out, const ChimneyFinding& f) {
            out->push_back(f);
        }).Bind(&seen));
    Offload();
    Wire(true, kData, 0, RST);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].id, "W4");
    EXPECT_EQ(seen[0].nodeId, 0u);
    EXPECT_EQ(seen[0].handle, kH);
    EXPECT_EQ(seen[0].localAddress, local);
    EXPECT_EQ(seen[0].localPort, kLocalPort + kH);
    EXPECT_EQ(seen[0].remoteAddress, remote);
    EXPECT_EQ(seen[0].remotePort, kRemotePort);
    EXPECT_NE(seen[0].evidence.find("Flags [R]"), std::string::npos) << seen[0].evidence;
    EXPECT_FALSE(seen[0].description.empty());
}

/// 100,000 offloaded connections, each with a send, its bytes on the wire, the peer's ACK, a
/// completion and a terminate: the verifier keeps up and forgets what it no longer needs.
class VerifierScaleTest : public VerifierSyntheticTest
{
  protected:
    VerifierScaleTest()
    {
        capacity = 200000;
    }
};

TEST_F(VerifierScaleTest, HundredThousandConnections)
{
    constexpr OffloadHandle kConnections = 100000;
    const std::vector<uint8_t> bytes = Data(100);
    for (OffloadHandle h = 1; h <= kConnections; ++h)
    {
        Offload(h);
        Ptr<NetBufferList> s = Send(100, 1, h);
        Wire(true, kData, kRcv, ACK, bytes, 65535, h);
        Wire(false, kRcv, kData + 100, ACK, {}, 65535, h);
        Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100, h);
    }
    EXPECT_EQ(verifier->GetTrackedConnectionCount(), kConnections);
    for (OffloadHandle h = 1; h <= kConnections; ++h)
    {
        Terminate(ChimneyStatus::SUCCESS, true, h);
    }
    verifier->Finish();
    EXPECT_EQ(verifier->GetTrackedConnectionCount(), 0u);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST(VerifierAttach, EitherOrderPairsEachDeviceWithItsHostStack)
{
    // Two verifiers on the same two chimney hosts, one attached device first (as the helper
    // does), one host stack first: both must pair each device with its node's stack, so they
    // check the same things (an unpaired device skips the host-side A1/A11 tracking and leaves
    // the host's calls unmatched).
    ChimneyPairBuilder pair;
    std::string error;
    ASSERT_TRUE(pair.Build("p2p", true, &error)) << error;
    Ptr<ChimneyVerifier> deviceFirst = CreateObject<ChimneyVerifier>();
    Ptr<ChimneyVerifier> stackFirst = CreateObject<ChimneyVerifier>();
    NetDeviceContainer devices = pair.GetChimneyDevices();
    for (uint32_t i = 0; i < 2; ++i)
    {
        Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(devices.Get(i));
        deviceFirst->AttachDevice(device);
        deviceFirst->AttachHostStack(pair.GetStack(i));
    }
    for (uint32_t i = 0; i < 2; ++i)
    {
        stackFirst->AttachHostStack(pair.GetStack(i));
        stackFirst->AttachDevice(DynamicCast<ChimneyNetDevice>(devices.Get(i)));
    }
    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    server->SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });
    pair.Listen(1, 9, server);
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyPattern(20000, 3);
    Simulator::Schedule(Seconds(0.5), [&]() { client->SendAll(data, [&]() { socket->Close(); }); });
    Simulator::Stop(Seconds(30));
    Simulator::Run();
    deviceFirst->Finish();
    stackFirst->Finish();

    std::string why;
    EXPECT_TRUE(server->CheckE1(data, &why)) << why;
    EXPECT_EQ(deviceFirst->GetFindingCount(), 0u) << Describe(*deviceFirst);
    EXPECT_EQ(stackFirst->GetFindingCount(), 0u) << Describe(*stackFirst);
    EXPECT_GT(deviceFirst->GetExercised().GetCounts().at("A2"), 0u); // the run was offloaded
    EXPECT_EQ(stackFirst->GetExercised().GetOrdered(), deviceFirst->GetExercised().GetOrdered());
    Simulator::Destroy();
}

TEST(VerifierRecord, ConnectionRecordIsCompact)
{
    // 100,000 connections comfortably: the record itself stays well under a kilobyte.
    RecordProperty("ConnectionRecordBytes",
                   static_cast<int>(ChimneyVerifier::GetConnectionRecordSize()));
    EXPECT_LT(ChimneyVerifier::GetConnectionRecordSize(), 1024u);
}

} // namespace
