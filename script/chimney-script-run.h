/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCRIPT_RUN_H
#define CHIMNEY_SCRIPT_RUN_H

// Internal to the script runner (chimney-script-runner.cc, chimney-script-calls.cc): one run.

#include "chimney-script-runner.h"
#include "chimney-script-tap.h"

#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-verifier.h"
#include "ns3/node-container.h"
#include "ns3/tcp-segment.h"

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ns3
{
namespace chimneyscript
{

/// A run ends at the first failure: thrown inside, caught by ScriptRun::Run.
struct ScriptStop
{
    ChimneyScriptResult::Outcome outcome;
    int line;
    std::string message;
};

const uint16_t kLocalPort = 8080;   // packetdrill's server port
const uint16_t kRemotePort = 40000; // the script's port for inbound connections

/// \param name an errno name ("ECONNRESET") \returns its Linux value, -1 if unknown
int ErrnoValue(const std::string& name);
/// \param s a name \returns it upper case without '_' ("UploadRequested" == "UPLOAD_REQUESTED")
std::string Normalize(const std::string& s);
/// \param us microseconds \returns seconds with 6 decimals
std::string Seconds(int64_t us);

class ScriptRun
{
  public:
    ScriptRun(const ChimneyScript& script, const std::string& defect, bool verbose)
        : m_script(script),
          m_defect(defect),
          m_verbose(verbose)
    {
    }

    ChimneyScriptResult Run();

  private:
    /// A socket descriptor of the script.
    struct Fd
    {
        Ptr<ChimneySocket> socket;
        bool listening{false};
        std::deque<Ptr<ChimneySocket>> accepted; //!< listener: connections not accepted yet
        bool lingerAbort{false};                 //!< SO_LINGER {1, 0}: close() is abortive
        bool peerClosed{false};                  //!< normal close seen
        int error{0};                            //!< pending errno (SO_ERROR)
        bool failed{false};                      //!< reset / refused / timed out
    };

    /// An outbound segment seen on the link.
    struct Seen
    {
        TcpSegment segment;
        int64_t atUs;
    };

    void Configure();
    void Build();
    void Step(const ScriptEvent& e);
    void RunUntilUs(int64_t us);
    int64_t NowUs() const;
    void Fail(const ScriptEvent& e, const std::string& message) const;
    void Bad(const ScriptEvent& e, const std::string& message) const;
    void CheckFindings(const ScriptEvent* e);
    void CheckNoStraySegments(const ScriptEvent& e);
    void Window(const ScriptEvent& e, int64_t* lo, int64_t* hi, int64_t* tolerance);
    void CheckTime(const ScriptEvent& e,
                   int64_t actualUs,
                   int64_t lo,
                   int64_t hi,
                   int64_t tol,
                   const std::string& what);

    void WaitFor(const std::function<bool()>& ready);
    void Inbound(const ScriptEvent& e);
    void Outbound(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol);
    void Expect(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol);
    void Call(const ScriptEvent& e);
    void ChimneyCall(const ScriptEvent& e);
    void Assert(const ScriptEvent& e);
    std::string ReadState(const ScriptEvent& e, OffloadHandle h);

    void OnFrame(Ptr<NetDevice> device,
                 Ptr<const Packet> packet,
                 uint16_t protocol,
                 const Address& from,
                 const Address& to,
                 NetDevice::PacketType type);
    std::string Describe(const TcpSegment& s, bool outbound) const;
    static std::string Describe(const ScriptPacket& p);

    Fd& GetFd(const ScriptEvent& e, size_t arg);
    int ArgNumber(const ScriptEvent& e, size_t arg);
    void CheckReturn(const ScriptEvent& e, int value, const std::string& errnoName);
    void WatchSocket(int fd);
    OffloadHandle Handle(const ScriptEvent& e, size_t arg);

    const ChimneyScript& m_script;
    std::string m_defect;
    bool m_verbose;

    // options
    int64_t m_toleranceUs{4000};
    double m_tolerancePercent{12.5};
    int64_t m_drainUs{10000};
    bool m_audit{false};
    std::string m_linkDelay{"0ms"};
    std::string m_linkRate{"1Gbps"};
    uint32_t m_layers{0}; //!< intermediate drivers between the device and the host (--layers)
    std::vector<std::pair<std::string, std::string>> m_stackAttributes;
    std::vector<std::pair<std::string, std::string>> m_deviceAttributes;

    // the simulation
    NodeContainer m_nodes;
    Ptr<ChimneyNetDevice> m_device;
    std::vector<Ptr<ChimneyIntermediateDriver>> m_layerDrivers; //!< --layers, lowest first
    Ptr<NetDevice> m_peerDevice;
    Ptr<ChimneyHostStack> m_stack;
    Ptr<ChimneyVerifier> m_verifier;
    ChimneyScriptTap m_tap;
    Ipv4Address m_local{"10.0.0.1"};
    Ipv4Address m_remote{"10.0.0.2"};

    // the connection as the peer sees it
    uint16_t m_localPort{kLocalPort};
    uint16_t m_remotePort{kRemotePort};
    bool m_localIsnKnown{false};
    uint32_t m_localIsn{0};
    uint32_t m_remoteIsn{0};
    bool m_remoteIsnKnown{false};
    std::deque<Seen> m_outbound;
    bool m_waitOutbound{false};
    bool m_waitChimney{false};

    // script state
    std::map<int, Fd> m_fds;
    int m_nextFd{3};
    int m_lastFd{-1};
    std::vector<std::string> m_findings;
    size_t m_findingsReported{0};
    int64_t m_lastScriptUs{0};
    bool m_lastInbound{false};
    int m_currentLine{0};
    int64_t m_callDeadlineUs{0}; //!< a call that would block may wait until then
};

} // namespace chimneyscript
} // namespace ns3

#endif // CHIMNEY_SCRIPT_RUN_H
