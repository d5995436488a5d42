/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The chimney offload NIC against the Linux kernel's TCP, over a TAP (issue 17).
//
// One chimney host (ChimneyNetDevice over an FdNetDevice on a TAP this program opens, real
// time, checksums on, the verifier attached) and, on the far side of the TAP, the Linux kernel
// of the network namespace the program runs in. The Linux application is test/linux-peer.py;
// test/check-linux-peer.py creates the namespace and the TAP, runs both and judges the Linux
// side (what Linux read, and how its stream ended). This program judges ours: what the chimney
// host read and how, the connection's outcome, the indications and aborted completions, and
// the verifier's findings. Scenarios (--scenario):
//   graceful      send --bytes, then a graceful disconnect carrying --finalBytes (SPEC 3.4)
//   abortive      send --bytes, abort once half of them are queued (RST, E2)
//   remote-close  Linux sends --bytes and closes first: Disconnect indication after the data,
//                 then our FIN (SPEC 3.5)
//   remote-abort  we send --bytes, Linux stops reading and aborts (SO_LINGER 0): Abort
//                 indication, outstanding sends REQUEST_ABORTED
//   half-close    our FIN first; Linux keeps sending --bytes, every byte delivered (W7)
//   terminate     send --bytes and close; the host terminates (uploads) the offload once a
//                 third is queued and finishes the stream in software (E1)
// --role=linux-server: we connect to Linux; --role=linux-client: Linux connects to our
// listener. --loss and --reorder fault the emulated link in both directions.
// Exit status: 0 our side as expected and zero findings, 1 otherwise (or bad options, or the
// TAP cannot be set up), 77 cannot open a TAP here (not root or no /dev/net/tun).
//
//   ip netns exec NS ./build/examples/chimney-linux-peer --scenario=graceful --tap=chtap0

#include "chimney-tap-link.h"

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

using namespace ns3;

namespace
{

const std::set<std::string> kScenarios =
    {"graceful", "abortive", "remote-close", "remote-abort", "half-close", "terminate"};

/// Salt of the pattern each scenario's sender uses (test/linux-peer.py uses the same).
uint8_t
SaltOf(const std::string& scenario)
{
    if (scenario == "graceful")
    {
        return 1;
    }
    if (scenario == "abortive")
    {
        return 3;
    }
    if (scenario == "terminate")
    {
        return 4;
    }
    if (scenario == "remote-close")
    {
        return 5;
    }
    if (scenario == "half-close")
    {
        return 6;
    }
    return 7; // remote-abort
}

std::string
JsonString(const std::string& s)
{
    std::ostringstream os;
    os << '"';
    for (char c : s)
    {
        if (c == '"' || c == '\\')
        {
            os << '\\' << c;
        }
        else if (static_cast<unsigned char>(c) < 0x20)
        {
            os << ' ';
        }
        else
        {
            os << c;
        }
    }
    os << '"';
    return os.str();
}

} // namespace

int
main(int argc, char* argv[])
{
    std::string scenario = "graceful";
    std::string role = "linux-server";
    uint64_t bytes = 200000;
    uint32_t finalBytes = 1000;
    std::string pcapDir;
    std::string tapName = "chtap0";
    std::string local = "10.77.0.2";
    std::string peer = "10.77.0.1";
    uint16_t port = 5001;
    double timeout = 30;
    std::string report;
    double loss = 0;
    double reorder = 0;
    uint32_t seed = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("scenario",
                 "graceful, abortive, remote-close, remote-abort, half-close or terminate",
                 scenario);
    cmd.AddValue("role", "linux-server (we connect) or linux-client (Linux connects)", role);
    cmd.AddValue("bytes", "bytes the scenario's data sender sends", bytes);
    cmd.AddValue("finalBytes", "graceful: bytes in the disconnect buffer", finalBytes);
    cmd.AddValue("pcap", "directory for the TAP's pcap (empty: none)", pcapDir);
    cmd.AddValue("tap", "TAP interface to open (created if missing)", tapName);
    cmd.AddValue("local", "the chimney host's address (/24)", local);
    cmd.AddValue("peer", "the Linux peer's address", peer);
    cmd.AddValue("port", "the listening port (Linux's or ours)", port);
    cmd.AddValue("timeout", "wall-clock seconds before the run is called a failure", timeout);
    cmd.AddValue("report", "write what our side saw as JSON to this file", report);
    cmd.AddValue("loss", "probability a frame is lost on the TAP, each direction", loss);
    cmd.AddValue("reorder",
                 "probability a frame is held 5 ms, behind later ones (loss + reorder < 1)",
                 reorder);
    cmd.AddValue("seed", "seed of the link faults (positive)", seed);
    cmd.Parse(argc, argv);
    if (kScenarios.count(scenario) == 0 || (role != "linux-server" && role != "linux-client") ||
        bytes == 0 || timeout <= 0 || loss < 0 || reorder < 0 || loss + reorder >= 1 || seed == 0)
    {
        std::cerr << "error: bad options (see --PrintHelp)\n";
        return 1;
    }
    std::string why;
    if (!ChimneyTapLink::CanOpenTap(&why))
    {
        std::cout << "SKIPPED: " << why << "\n";
        return 77;
    }

    ChimneyTapLink::Configure();
    ChimneyTapLink tap;
    tap.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(1)));
    tap.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(1)));
    tap.SetLinkFaults(loss, reorder, seed);
    if (!tap.Build(tapName, Ipv4Address(local.c_str()), Ipv4Mask("255.255.255.0"), &why))
    {
        std::cerr << "error: " << why << "\n";
        return 1;
    }
    if (!pcapDir.empty())
    {
        tap.EnablePcap(pcapDir, scenario + "-" + role);
    }
    Ptr<ChimneyVerifier> verifier = ChimneyVerifierHelper().Install(tap.GetChimneyDevices());
    Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(tap.GetChimneyDevices().Get(0));
    Ptr<ChimneyHostStack> stack = tap.GetStack();

    ChimneyTimeline timeline(&std::cout);
    timeline.Attach("chimney", stack);

    // What the offload target told the host: indications in order, aborted completions.
    std::vector<std::string> indications;
    uint64_t abortedCompletions = 0;
    device->TraceConnectWithoutContext(
        "Indication",
        Callback<void, OffloadHandle, ChimneyEvent, ChimneyUploadReason>(
            [&](OffloadHandle, ChimneyEvent event, ChimneyUploadReason) {
                indications.emplace_back(ToString(event));
            }));
    device->TraceConnectWithoutContext(
        "Completion",
        Callback<void, ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>(
            [&](ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus status, uint64_t) {
                abortedCompletions += status == ChimneyStatus::REQUEST_ABORTED ? 1 : 0;
            }));

    // The host stack's phases, e.g. "TERMINATING->SOFTWARE (resumed in TIME_WAIT)".
    std::vector<std::string> phases;
    stack->TraceConnectWithoutContext(
        "PhaseChange",
        Callback<void, OffloadHandle, std::string, std::string, std::string>(
            [&](OffloadHandle, std::string from, std::string to, std::string detail) {
                phases.push_back(from + "->" + to + " (" + detail + ")");
            }));
    const auto resumedIn = [&](const std::string& state) {
        const std::string prefix = "TERMINATING->SOFTWARE (resumed in " + state + ")";
        return std::find(phases.begin(), phases.end(), prefix) != phases.end();
    };

    const uint8_t salt = SaltOf(scenario);
    const bool weSend = scenario == "graceful" || scenario == "abortive" ||
                        scenario == "terminate" || scenario == "remote-abort";
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(weSend ? bytes : 0, salt);
    const std::vector<uint8_t> finalData =
        ChimneyStreamEndpoint::Pattern(scenario == "graceful" ? finalBytes : 0, 2);
    Ptr<ChimneyStreamEndpoint> endpoint = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket;
    Ptr<Socket> listener;
    OffloadHandle handle = 0;
    bool acted = false; // abort / terminate done
    std::string actionStatus;

    // Once half (abortive) or a third (terminate) of the data is queued, act.
    std::function<void()> poll = [&]() {
        if (acted || !socket)
        {
            return;
        }
        const uint64_t queued = endpoint->BytesQueued();
        if (scenario == "abortive" && queued >= bytes / 2)
        {
            acted = true;
            std::cout << "   application aborts with " << queued << " bytes queued\n";
            DynamicCast<ChimneySocket>(socket)->Abort();
            return;
        }
        if (scenario == "terminate" && queued >= bytes / 3)
        {
            acted = true;
            actionStatus = ToString(stack->Terminate(handle));
            std::cout << "   host terminates the offload with " << queued
                      << " bytes queued: " << actionStatus << "\n";
            return;
        }
        Simulator::Schedule(MilliSeconds(1), poll);
    };

    // The scenario's application, started once the connection is established.
    auto start = [&](Ptr<Socket> s) {
        socket = s;
        handle = DynamicCast<ChimneySocket>(s)->GetHandle();
        if (scenario == "graceful")
        {
            endpoint->SendAll(data,
                              [&]() { DynamicCast<ChimneySocket>(socket)->Disconnect(finalData); });
        }
        else if (scenario == "abortive" || scenario == "terminate")
        {
            endpoint->SendAll(data, [&]() {
                if (scenario == "terminate")
                {
                    socket->Close();
                }
            });
            Simulator::Schedule(MilliSeconds(1), poll);
        }
        else if (scenario == "remote-abort")
        {
            endpoint->SendAll(data);
        }
        else if (scenario == "half-close")
        {
            socket->ShutdownSend();
        }
        // remote-close: read; close our half when Linux's FIN arrives (onEnd)
    };
    endpoint->SetEndCallback([&](ChimneyStreamEndpoint& e) {
        if (e.GetEnd() == ChimneyStreamEndpoint::End::FIN &&
            (scenario == "remote-close" || scenario == "half-close"))
        {
            e.GetSocket()->Close();
        }
    });

    if (role == "linux-server")
    {
        Ptr<Socket> client = Socket::CreateSocket(tap.GetNode(), ChimneySocketFactory::GetTypeId());
        endpoint->Attach(client);
        client->SetConnectCallback(
            Callback<void, Ptr<Socket>>([&](Ptr<Socket> s) { start(s); }),
            Callback<void, Ptr<Socket>>([](Ptr<Socket>) { std::cout << "   connect failed\n"; }));
        const Address remote = InetSocketAddress(Ipv4Address(peer.c_str()), port);
        Simulator::Schedule(MilliSeconds(200), [client, remote]() { client->Connect(remote); });
    }
    else
    {
        listener = Socket::CreateSocket(tap.GetNode(), ChimneySocketFactory::GetTypeId());
        NS_ABORT_MSG_IF(listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port)) != 0 ||
                            listener->Listen() != 0,
                        "cannot listen on port " << port);
        listener->SetAcceptCallback(
            MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
            Callback<void, Ptr<Socket>, const Address&>([&](Ptr<Socket> s, const Address& from) {
                if (handle != 0)
                {
                    // One connection per run: a late duplicate (a connect Linux retried) is
                    // reset.
                    std::cout << "   extra connection accepted: aborted\n";
                    DynamicCast<ChimneySocket>(s)->Abort();
                    return;
                }
                endpoint->Accept(s, from);
                start(s);
            }));
    }

    // Stop once the connection has ended (its outcome is set after TIME_WAIT, 1 s), or at the
    // timeout.
    bool ended = false;
    std::function<void()> watch = [&]() {
        if (handle != 0 && stack->GetOutcome(handle) != ChimneyHostStack::Outcome::OPEN)
        {
            ended = true;
            Simulator::Stop(MilliSeconds(300)); // let the last frames reach the pcap
            return;
        }
        Simulator::Schedule(MilliSeconds(20), watch);
    };
    Simulator::Schedule(MilliSeconds(20), watch);
    Simulator::Stop(Seconds(timeout));
    Simulator::Run();
    verifier->Finish();

    // Our side's verdict.
    const std::string outcome =
        handle != 0 ? ChimneyHostStack::ToString(stack->GetOutcome(handle)) : "NO_CONNECTION";
    const auto has = [&](const char* event) {
        return std::find(indications.begin(), indications.end(), event) != indications.end();
    };
    std::vector<std::string> failures;
    auto expect = [&](bool ok, const std::string& what) {
        if (!ok)
        {
            failures.push_back(what);
        }
    };
    expect(ended, "the connection did not end within --timeout");
    expect(verifier->GetFindingCount() == 0, "the verifier reported findings");
    std::string e1Why;
    if (scenario == "remote-close" || scenario == "half-close")
    {
        const std::vector<uint8_t> expected = ChimneyStreamEndpoint::Pattern(bytes, salt);
        expect(endpoint->CheckE1(expected, &e1Why), "E1 on our side: " + e1Why);
        expect(has("Disconnect"), "no Disconnect indication");
        expect(outcome == "CLOSED", "outcome " + outcome + ", expected CLOSED");
    }
    else if (scenario == "graceful" || scenario == "terminate")
    {
        expect(outcome == "CLOSED", "outcome " + outcome + ", expected CLOSED");
    }
    if (scenario == "graceful")
    {
        // Terminated after our FIN was acknowledged: the host finishes the close in software.
        expect(resumedIn("FIN_WAIT_2") || resumedIn("TIME_WAIT"),
               "not resumed in software in FIN_WAIT_2 or TIME_WAIT");
    }
    else if (scenario == "terminate")
    {
        expect(resumedIn("ESTABLISHED"), "not resumed in software mid-transfer (ESTABLISHED)");
    }
    else if (scenario == "abortive")
    {
        expect(acted, "never aborted");
        expect(abortedCompletions > 0, "no send outstanding when aborting (REQUEST_ABORTED)");
        expect(outcome == "ABORTED", "outcome " + outcome + ", expected ABORTED");
    }
    else if (scenario == "remote-abort")
    {
        expect(has("Abort"), "no Abort indication");
        expect(abortedCompletions > 0, "no request completed REQUEST_ABORTED");
        expect(outcome == "RESET", "outcome " + outcome + ", expected RESET");
    }
    if (scenario == "terminate")
    {
        expect(acted && (actionStatus == "SUCCESS" || actionStatus == "PENDING"),
               "terminate not accepted: " + actionStatus);
    }

    std::cout << "\nscenario " << scenario << " (" << role << "): outcome " << outcome
              << ", received " << endpoint->Received().size() << " bytes, end "
              << ChimneyStreamEndpoint::ToString(endpoint->GetEnd()) << ", indications";
    for (const auto& i : indications)
    {
        std::cout << " " << i;
    }
    const auto faults = tap.GetFaultCounts();
    std::cout << ", REQUEST_ABORTED completions " << abortedCompletions
              << "; link faults: " << faults.first << " frames lost, " << faults.second
              << " held\n";
    verifier->PrintSummary(std::cout);
    for (const auto& f : failures)
    {
        std::cout << "FAILED: " << f << "\n";
    }
    if (!report.empty())
    {
        std::ofstream out(report);
        out << "{\"scenario\": " << JsonString(scenario) << ", \"role\": " << JsonString(role)
            << ", \"outcome\": " << JsonString(outcome)
            << ", \"received\": " << endpoint->Received().size()
            << ", \"end\": " << JsonString(ChimneyStreamEndpoint::ToString(endpoint->GetEnd()))
            << ", \"sent\": " << data.size() + finalData.size()
            << ", \"queued\": " << endpoint->BytesQueued()
            << ", \"abortedCompletions\": " << abortedCompletions
            << ", \"findings\": " << verifier->GetFindingCount() << ", \"findingList\": [";
        // Each finding as "ID at time: what broke", so a failed run says why without a rerun.
        for (size_t i = 0; i < verifier->GetFindings().size(); ++i)
        {
            const ChimneyFinding& f = verifier->GetFindings()[i];
            out << (i ? ", " : "")
                << JsonString(f.id + " at " + std::to_string(f.time.GetMicroSeconds()) +
                              " us: " + f.description + " [" + f.evidence + "]");
        }
        out << "]"
            << ", \"framesLost\": " << faults.first << ", \"framesHeld\": " << faults.second
            << ", \"indications\": [";
        for (size_t i = 0; i < indications.size(); ++i)
        {
            out << (i ? ", " : "") << JsonString(indications[i]);
        }
        out << "], \"phases\": [";
        for (size_t i = 0; i < phases.size(); ++i)
        {
            out << (i ? ", " : "") << JsonString(phases[i]);
        }
        out << "], \"failures\": [";
        for (size_t i = 0; i < failures.size(); ++i)
        {
            out << (i ? ", " : "") << JsonString(failures[i]);
        }
        out << "]}\n";
    }
    Simulator::Destroy();
    return failures.empty() ? 0 : 1;
}
