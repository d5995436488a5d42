/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The script runner's calls: socket calls mapped onto ChimneySocket, chimney calls on the host
// stack and the device, and state assertions.

#include "chimney-script-run.h"

#include "ns3/inet-socket-address.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <cstdio>
#include <cstdlib>

namespace ns3
{
namespace chimneyscript
{

ScriptRun::Fd&
ScriptRun::GetFd(const ScriptEvent& e, size_t arg)
{
    const int fd = ArgNumber(e, arg);
    auto it = m_fds.find(fd);
    if (it == m_fds.end())
    {
        Bad(e, "file descriptor " + std::to_string(fd) + " is not open");
    }
    m_lastFd = fd;
    return it->second;
}

int
ScriptRun::ArgNumber(const ScriptEvent& e, size_t arg)
{
    if (arg >= e.call.args.size())
    {
        Bad(e, e.call.name + " needs argument " + std::to_string(arg + 1));
    }
    std::string t = e.call.args[arg].text;
    if (!t.empty() && t.front() == '[' && t.back() == ']')
    {
        t = t.substr(1, t.size() - 2);
    }
    const int err = ErrnoValue(t);
    if (err > 0)
    {
        return err;
    }
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0' || v < 0 || v > 100000000)
    {
        Bad(e,
            "argument " + std::to_string(arg + 1) + " of " + e.call.name + " ('" +
                e.call.args[arg].text + "') is not a number");
    }
    return static_cast<int>(v);
}

void
ScriptRun::CheckReturn(const ScriptEvent& e, int value, const std::string& errnoName)
{
    const std::string got =
        std::to_string(value) + (value < 0 && !errnoName.empty() ? " " + errnoName : "");
    const std::string want =
        e.call.result + (e.call.errnoName.empty() ? "" : " " + e.call.errnoName);
    if (got != want)
    {
        Fail(e, e.call.name + "() returned " + got + ", expected " + want);
    }
}

void
ScriptRun::WatchSocket(int fd)
{
    Ptr<ChimneySocket> s = m_fds[fd].socket;
    s->SetCloseCallbacks(
        Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket>) { m_fds[fd].peerClosed = true; }),
        Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket> s) {
            Fd& f = m_fds[fd];
            f.failed = true;
            // ns-3 socket errors do not tell reset from timeout here.
            f.error = ErrnoValue("ECONNRESET");
            (void)s;
        }));
}

void
ScriptRun::Call(const ScriptEvent& e)
{
    const ScriptCall& c = e.call;
    if (c.name == "socket")
    {
        const int fd = m_nextFd++;
        m_fds[fd].socket = m_stack->CreateSocket();
        m_lastFd = fd;
        CheckReturn(e, fd, "");
        return;
    }
    Fd& f = GetFd(e, 0);
    const int fd = ArgNumber(e, 0);
    Ptr<ChimneySocket> s = f.socket;
    if (c.name == "bind")
    {
        const int r = s->Bind(InetSocketAddress(Ipv4Address::GetAny(), kLocalPort));
        m_localPort = kLocalPort;
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "EINVAL");
    }
    else if (c.name == "listen")
    {
        f.listening = true;
        s->SetAcceptCallback(
            MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
            Callback<void, Ptr<Socket>, const Address&>([this, fd](Ptr<Socket> n, const Address&) {
                m_fds[fd].accepted.push_back(DynamicCast<ChimneySocket>(n));
            }));
        const int r = s->Listen();
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "EINVAL");
    }
    else if (c.name == "accept")
    {
        WaitFor([&f]() { return !f.accepted.empty(); });
        if (f.accepted.empty())
        {
            CheckReturn(e, -1, "EAGAIN");
            return;
        }
        const int n = m_nextFd++;
        m_fds[n].socket = f.accepted.front();
        f.accepted.pop_front();
        WatchSocket(n);
        m_lastFd = n;
        CheckReturn(e, n, "");
    }
    else if (c.name == "connect")
    {
        if (c.result == "0")
        {
            throw ScriptStop{ChimneyScriptResult::SKIP,
                             e.line,
                             m_script.name + ":" + std::to_string(e.line) +
                                 ": SKIP: unsupported: blocking connect() (sockets here are "
                                 "non-blocking: expect -1 EINPROGRESS)"};
        }
        WatchSocket(fd);
        s->SetConnectCallback(MakeNullCallback<void, Ptr<Socket>>(),
                              Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket>) {
                                  m_fds[fd].failed = true;
                                  m_fds[fd].error = ErrnoValue("ECONNREFUSED");
                              }));
        m_remotePort = kLocalPort;
        const int r = s->Connect(InetSocketAddress(m_remote, kLocalPort));
        CheckReturn(e, r == 0 ? -1 : -1, r == 0 ? "EINPROGRESS" : "EINVAL");
    }
    else if (c.name == "write" || c.name == "send")
    {
        const int n = ArgNumber(e, 2);
        if (f.failed)
        {
            CheckReturn(e, -1, f.error == ErrnoValue("ECONNRESET") ? "ECONNRESET" : "EPIPE");
            return;
        }
        const int r = s->Send(Create<Packet>(n), 0);
        CheckReturn(e, r < 0 ? -1 : r, r < 0 ? "EAGAIN" : "");
    }
    else if (c.name == "read" || c.name == "recv")
    {
        const int n = ArgNumber(e, 2);
        WaitFor([&f, s]() { return s->GetRxAvailable() > 0 || f.failed || f.peerClosed; });
        if (s->GetRxAvailable() > 0)
        {
            // Like a kernel's read: everything readable, up to n bytes.
            int got = 0;
            while (got < n && s->GetRxAvailable() > 0)
            {
                Ptr<Packet> p = s->Recv(n - got, 0);
                if (!p || p->GetSize() == 0)
                {
                    break;
                }
                got += static_cast<int>(p->GetSize());
            }
            CheckReturn(e, got, "");
        }
        else if (f.failed)
        {
            CheckReturn(e, -1, "ECONNRESET");
        }
        else if (f.peerClosed)
        {
            CheckReturn(e, 0, "");
        }
        else
        {
            CheckReturn(e, -1, "EAGAIN");
        }
    }
    else if (c.name == "close")
    {
        const int r = f.lingerAbort ? s->Abort() : s->Close();
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "ENOTCONN");
    }
    else if (c.name == "shutdown")
    {
        const std::string how = c.args.size() > 1 ? c.args[1].text : "";
        int r = 0;
        if (how == "SHUT_WR" || how == "SHUT_RDWR")
        {
            r = s->ShutdownSend();
        }
        if (how == "SHUT_RD" || how == "SHUT_RDWR")
        {
            r = r == 0 ? s->ShutdownRecv() : r;
        }
        else if (how != "SHUT_WR")
        {
            Bad(e, "shutdown's second argument must be SHUT_RD, SHUT_WR or SHUT_RDWR");
        }
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "ENOTCONN");
    }
    else if (c.name == "setsockopt")
    {
        const std::string opt = c.args[2].text;
        const std::string value = c.args.size() > 3 ? c.args[3].text : "";
        if (opt == "SO_LINGER")
        {
            int onoff = -1;
            int linger = -1;
            if (std::sscanf(value.c_str(), "{onoff=%d, linger=%d}", &onoff, &linger) != 2 &&
                std::sscanf(value.c_str(), "{onoff=%d,linger=%d}", &onoff, &linger) != 2)
            {
                Bad(e, "SO_LINGER value must be {onoff=N, linger=N}");
            }
            if (onoff == 1 && linger != 0)
            {
                throw ScriptStop{ChimneyScriptResult::SKIP,
                                 e.line,
                                 m_script.name + ":" + std::to_string(e.line) +
                                     ": SKIP: unsupported: SO_LINGER with a non-zero timeout"};
            }
            f.lingerAbort = onoff == 1 && linger == 0;
        }
        else if (opt == "SO_RCVBUF" || opt == "SO_SNDBUF")
        {
            const int n = ArgNumber(e, 3);
            m_stack->SetAttribute(opt == "SO_RCVBUF" ? "RcvBufSize" : "SndBufSize",
                                  UintegerValue(n));
        }
        CheckReturn(e, 0, "");
    }
    else if (c.name == "getsockopt")
    {
        const int want = ArgNumber(e, 3);
        if (want != f.error)
        {
            Fail(e,
                 "SO_ERROR is " + std::to_string(f.error) + ", expected " + std::to_string(want));
        }
        CheckReturn(e, 0, "");
    }
    else if (c.name == "fcntl")
    {
        const std::string cmd = c.args.size() > 1 ? c.args[1].text : "";
        if (cmd != "F_SETFL")
        {
            throw ScriptStop{ChimneyScriptResult::SKIP,
                             e.line,
                             m_script.name + ":" + std::to_string(e.line) +
                                 ": SKIP: unsupported: fcntl " + cmd + " (only F_SETFL)"};
        }
        CheckReturn(e, 0, ""); // sockets here never block: O_NONBLOCK changes nothing
    }
}

void
ScriptRun::WaitFor(const std::function<bool()>& ready)
{
    // A call that would block (accept, read) completes if it can within the line's window:
    // packetdrill's blocking calls, kept inside the timing tolerance.
    while (!ready() && NowUs() < m_callDeadlineUs)
    {
        RunUntilUs(std::min(m_callDeadlineUs, NowUs() + 10));
    }
}

OffloadHandle
ScriptRun::Handle(const ScriptEvent& e, size_t arg)
{
    Fd& f = GetFd(e, arg);
    const OffloadHandle h = f.socket->GetHandle();
    if (h == INVALID_OFFLOAD_HANDLE)
    {
        Bad(e, "file descriptor " + e.call.args[arg].text + " has no connection");
    }
    return h;
}

void
ScriptRun::ChimneyCall(const ScriptEvent& e)
{
    const ScriptCall& c = e.call;
    const size_t requests = m_tap.Requests().size();
    ChimneyStatus returned = ChimneyStatus::SUCCESS;
    if (c.name == "hardware_failure")
    {
        m_device->InjectHardwareFailure();
    }
    else
    {
        const OffloadHandle h = Handle(e, 0);
        if (c.name == "offload")
        {
            if (c.args.size() > 1)
            {
                const std::string state = ToString(m_stack->GetTcpState(h));
                if (Normalize(state) != Normalize(c.args[1].text))
                {
                    Fail(e,
                         "the connection is in " + state + ", not " + c.args[1].text +
                             ", when offloaded");
                }
            }
            returned = m_stack->Offload(h);
        }
        else if (c.name == "terminate")
        {
            returned = m_stack->Terminate(h);
        }
        else if (c.name == "disconnect")
        {
            const std::string how = c.args.size() > 1 ? c.args[1].text : "";
            uint32_t size = 0;
            for (size_t i = 2; i < c.args.size(); ++i)
            {
                unsigned n = 0;
                if (std::sscanf(c.args[i].text.c_str(), "data=%u", &n) != 1 || n > 1000000)
                {
                    Bad(e, "disconnect arguments: (fd, graceful|abortive[, data=N])");
                }
                size = n;
            }
            if (how != "graceful" && how != "abortive")
            {
                Bad(e, "disconnect needs graceful or abortive, not '" + how + "'");
            }
            std::vector<uint8_t> data(size, 0);
            returned = m_stack->Disconnect(h,
                                           data,
                                           how == "graceful" ? TCP_DISCONNECT_GRACEFUL_CLOSE
                                                             : TCP_DISCONNECT_ABORTIVE_CLOSE);
        }
        else if (c.name == "post_receive")
        {
            unsigned size = 0;
            if (c.args.size() != 2 || std::sscanf(c.args[1].text.c_str(), "%u", &size) != 1 ||
                size == 0 || size > 16777216)
            {
                Bad(e, "post_receive arguments: (fd, BYTES), 1 to 16777216 bytes");
            }
            returned = m_stack->PostReceive(h, size);
        }
        else if (c.name == "retrieve")
        {
            ChimneyUploadReason reason = ChimneyUploadReason::UPLOAD_REQUESTED;
            if (c.args.size() > 1)
            {
                bool found = false;
                for (int r = 1; r <= 10 && !found; ++r)
                {
                    const auto candidate = static_cast<ChimneyUploadReason>(r);
                    if (Normalize(ToString(candidate)) == Normalize(c.args[1].text))
                    {
                        reason = candidate;
                        found = true;
                    }
                }
                if (!found)
                {
                    Bad(e, "unknown Retrieve reason '" + c.args[1].text + "'");
                }
            }
            returned = m_device->IndicateRetrieve(h, reason) ? ChimneyStatus::SUCCESS
                                                             : ChimneyStatus::INVALID_STATE;
        }
    }
    // The value of a chimney line: what the layer below returned to the request the host made
    // during the call, or the host stack's own answer when it made none.
    if (m_tap.Requests().size() > requests)
    {
        returned = m_tap.Requests()[requests].returned;
    }
    if (c.hasResult && c.result != ToString(returned))
    {
        Fail(e, c.name + " returned " + std::string(ToString(returned)) + ", expected " + c.result);
    }
}

void
ScriptRun::Assert(const ScriptEvent& e)
{
    if (m_lastFd < 0 || !m_fds[m_lastFd].socket ||
        m_fds[m_lastFd].socket->GetHandle() == INVALID_OFFLOAD_HANDLE)
    {
        Bad(e, "no connection to assert on (the assertion is about the last socket used)");
    }
    const OffloadHandle h = m_fds[m_lastFd].socket->GetHandle();
    std::string got;
    // Like a blocking call, the assertion may come true within the line's timing tolerance
    // (the wire and the target take simulated time where a kernel would be synchronous).
    WaitFor([&]() {
        got = ReadState(e, h);
        return got == e.check.value;
    });
    if (got != e.check.value)
    {
        Fail(e,
             "assertion failed: " + e.check.variable + " is " + got + ", expected " +
                 e.check.value);
    }
}

std::string
ScriptRun::ReadState(const ScriptEvent& e, OffloadHandle h)
{
    const ChimneyHostStack::Phase phase = m_stack->GetPhase(h);
    std::string got;
    if (e.check.variable == "chimney_phase")
    {
        got = ChimneyHostStack::ToString(phase);
    }
    else
    {
        TcpState state = m_stack->GetTcpState(h);
        if (phase == ChimneyHostStack::Phase::OFFLOADED ||
            phase == ChimneyHostStack::Phase::TERMINATING)
        {
            m_device->GetTcpState(h, state);
        }
        static const std::map<TcpState, std::string> linuxNames{
            {TcpState::Closed, "TCP_CLOSE"},
            {TcpState::Listen, "TCP_LISTEN"},
            {TcpState::SynSent, "TCP_SYN_SENT"},
            {TcpState::SynRcvd, "TCP_SYN_RECV"},
            {TcpState::Established, "TCP_ESTABLISHED"},
            {TcpState::FinWait1, "TCP_FIN_WAIT1"},
            {TcpState::FinWait2, "TCP_FIN_WAIT2"},
            {TcpState::CloseWait, "TCP_CLOSE_WAIT"},
            {TcpState::Closing, "TCP_CLOSING"},
            {TcpState::LastAck, "TCP_LAST_ACK"},
            {TcpState::TimeWait, "TCP_TIME_WAIT"}};
        got = linuxNames.at(state);
    }
    return got;
}

} // namespace chimneyscript
} // namespace ns3
