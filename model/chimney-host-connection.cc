/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-host-connection.h"

#include "chimney-engine-driver.h"
#include "chimney-host-stack.h"
#include "chimney-socket.h"
#include "tcp-segment-packet.h"

#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyHostConnection");

ChimneyHostConnection::ChimneyHostConnection(ChimneyHostStack* stack,
                                             OffloadHandle h,
                                             Ipv4Address localAddress,
                                             Ipv4Address remoteAddress,
                                             uint16_t ourPort,
                                             uint16_t peerPort,
                                             Handshake handshake,
                                             std::unique_ptr<TcpEngine> softwareEngine)
    : handle(h),
      local(localAddress),
      remote(remoteAddress),
      localPort(ourPort),
      remotePort(peerPort),
      engine(std::move(softwareEngine)),
      openedAt(Simulator::Now()),
      m_stack(stack)
{
    m_states.handshake = handshake;
}

// ---------------------------------------------------------------------------------------------
// States: read here, written only through Enter() -> Change()
// ---------------------------------------------------------------------------------------------

ChimneyHostConnection::Phase
ChimneyHostConnection::GetPhase() const
{
    return m_states.phase;
}

ChimneyHostConnection::Outcome
ChimneyHostConnection::GetOutcome() const
{
    return m_states.outcome;
}

ChimneyHostConnection::Handshake
ChimneyHostConnection::GetHandshake() const
{
    return m_states.handshake;
}

ChimneyHostConnection::GracefulClose
ChimneyHostConnection::GetGracefulClose() const
{
    return m_states.graceful;
}

ChimneyHostConnection::AbortiveClose
ChimneyHostConnection::GetAbortiveClose() const
{
    return m_states.abortive;
}

ChimneyHostConnection::ReceiveHalf
ChimneyHostConnection::GetReceiveHalf() const
{
    return m_states.receive;
}

ChimneyHostConnection::Fault
ChimneyHostConnection::GetFault() const
{
    return m_states.fault;
}

bool
ChimneyHostConnection::CloseRequested() const
{
    return m_states.graceful != GracefulClose::None;
}

bool
ChimneyHostConnection::AbortRequested() const
{
    return m_states.abortive != AbortiveClose::None;
}

bool
ChimneyHostConnection::RemoteFinReceived() const
{
    return m_states.receive != ReceiveHalf::Open;
}

bool
ChimneyHostConnection::States::operator==(const States& other) const
{
    return phase == other.phase && outcome == other.outcome && handshake == other.handshake &&
           graceful == other.graceful && abortive == other.abortive && receive == other.receive &&
           fault == other.fault;
}

void
ChimneyHostConnection::Change(const States& next, const std::string& detail)
{
    if (next == m_states)
    {
        return;
    }
    const States before = m_states;
    m_states = next;
    NS_LOG_LOGIC("handle " << handle << ": " << Describe(before) << " -> " << Describe(next));
    if (before.phase != next.phase)
    {
        m_stack->m_phaseTrace(handle, ToString(before.phase), ToString(next.phase), detail);
    }
    if (!m_stack->m_connectionStateTrace.IsEmpty())
    {
        m_stack->m_connectionStateTrace(handle, Describe(before), Describe(next));
    }
}

void
ChimneyHostConnection::Enter(Phase phase, const std::string& detail)
{
    States next = m_states;
    next.phase = phase;
    Change(next, detail);
}

void
ChimneyHostConnection::Enter(Handshake handshake)
{
    States next = m_states;
    next.handshake = handshake;
    Change(next, "");
}

void
ChimneyHostConnection::Enter(GracefulClose graceful)
{
    States next = m_states;
    next.graceful = graceful;
    Change(next, "");
}

void
ChimneyHostConnection::Enter(AbortiveClose abortive)
{
    States next = m_states;
    next.abortive = abortive;
    Change(next, "");
}

void
ChimneyHostConnection::Enter(ReceiveHalf receive)
{
    States next = m_states;
    next.receive = receive;
    Change(next, "");
}

void
ChimneyHostConnection::Enter(Fault fault)
{
    // The worst stays: a hardware failure's Abort indication does not make it a mere reset.
    States next = m_states;
    next.fault = std::max(fault, m_states.fault);
    Change(next, "");
}

void
ChimneyHostConnection::Enter(Outcome outcome)
{
    endedAt = Simulator::Now();
    timer.Cancel();
    States next = m_states;
    next.phase = Phase::ENDED;
    next.outcome = outcome;
    Change(next, ToString(outcome));
}

void
ChimneyHostConnection::ReportOpened()
{
    m_stack->m_phaseTrace(handle, "", ToString(m_states.phase), "opened");
    if (!m_stack->m_connectionStateTrace.IsEmpty())
    {
        m_stack->m_connectionStateTrace(handle, "", Describe());
    }
}

std::string
ChimneyHostConnection::Describe() const
{
    return Describe(m_states);
}

std::string
ChimneyHostConnection::Describe(const States& s)
{
    return std::string(ToString(s.phase)) + "/" + ToString(s.handshake) +
           " graceful=" + ToString(s.graceful) + " abortive=" + ToString(s.abortive) +
           " receive=" + ToString(s.receive) + " fault=" + ToString(s.fault) +
           (s.phase == Phase::ENDED ? std::string(" outcome=") + ToString(s.outcome) : "");
}

const char*
ChimneyHostConnection::ToString(Phase phase)
{
    switch (phase)
    {
    case Phase::SOFTWARE:
        return "SOFTWARE";
    case Phase::OFFLOADING:
        return "OFFLOADING";
    case Phase::OFFLOADED:
        return "OFFLOADED";
    case Phase::TERMINATING:
        return "TERMINATING";
    case Phase::ENDED:
        return "ENDED";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(Outcome outcome)
{
    switch (outcome)
    {
    case Outcome::OPEN:
        return "OPEN";
    case Outcome::CLOSED:
        return "CLOSED";
    case Outcome::ABORTED:
        return "ABORTED";
    case Outcome::RESET:
        return "RESET";
    case Outcome::TIMED_OUT:
        return "TIMED_OUT";
    case Outcome::FAILED:
        return "FAILED";
    case Outcome::REFUSED:
        return "REFUSED";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(Handshake handshake)
{
    switch (handshake)
    {
    case Handshake::Connecting:
        return "Connecting";
    case Handshake::Accepting:
        return "Accepting";
    case Handshake::Established:
        return "Established";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(GracefulClose graceful)
{
    switch (graceful)
    {
    case GracefulClose::None:
        return "None";
    case GracefulClose::Requested:
        return "Requested";
    case GracefulClose::FinInEngine:
        return "FinInEngine";
    case GracefulClose::DisconnectIssued:
        return "DisconnectIssued";
    case GracefulClose::FinAcked:
        return "FinAcked";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(AbortiveClose abortive)
{
    switch (abortive)
    {
    case AbortiveClose::None:
        return "None";
    case AbortiveClose::Requested:
        return "Requested";
    case AbortiveClose::DisconnectIssued:
        return "DisconnectIssued";
    case AbortiveClose::Completed:
        return "Completed";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(ReceiveHalf receive)
{
    switch (receive)
    {
    case ReceiveHalf::Open:
        return "Open";
    case ReceiveHalf::RemoteFin:
        return "RemoteFin";
    case ReceiveHalf::RemoteFinDelivered:
        return "RemoteFinDelivered";
    }
    return "?";
}

const char*
ChimneyHostConnection::ToString(Fault fault)
{
    switch (fault)
    {
    case Fault::None:
        return "None";
    case Fault::TimedOut:
        return "TimedOut";
    case Fault::Reset:
        return "Reset";
    case Fault::Failed:
        return "Failed";
    }
    return "?";
}

ChimneyHostConnection::Outcome
ChimneyHostConnection::OutcomeInSoftware() const
{
    const bool reset = m_states.fault == Fault::Reset;
    const bool timedOut = m_states.fault == Fault::TimedOut;
    if (m_states.handshake != Handshake::Established && (reset || timedOut))
    {
        return Outcome::REFUSED;
    }
    if (reset)
    {
        return Outcome::RESET;
    }
    if (timedOut)
    {
        return Outcome::TIMED_OUT;
    }
    return AbortRequested() ? Outcome::ABORTED : Outcome::CLOSED;
}

ChimneyHostConnection::Outcome
ChimneyHostConnection::OutcomeOfUpload() const
{
    switch (m_states.fault)
    {
    case Fault::Failed:
        return Outcome::FAILED;
    case Fault::Reset:
        return Outcome::RESET;
    case Fault::TimedOut:
        return Outcome::TIMED_OUT;
    case Fault::None:
        break;
    }
    // Only an abortive disconnect the target acted on ended it ABORTED.
    return m_states.abortive >= AbortiveClose::DisconnectIssued ? Outcome::ABORTED
                                                                : Outcome::CLOSED;
}

// ---------------------------------------------------------------------------------------------
// In software: the host's engine
// ---------------------------------------------------------------------------------------------

void
ChimneyHostConnection::Drive()
{
    ChimneyEngineDriver::Run(*this);
    ArmTimer();
}

TcpEngine*
ChimneyHostConnection::DrivenEngine()
{
    return engine.get();
}

void
ChimneyHostConnection::BeforeRound()
{
}

void
ChimneyHostConnection::AfterRound()
{
}

void
ChimneyHostConnection::Transmit(const TcpSegment& segment)
{
    m_stack->m_down(ToPacket(segment, local, remote), local, remote, 6, nullptr);
}

void
ChimneyHostConnection::ArmTimer()
{
    // Frozen while offloading, gone while offloaded: the timer runs in software only.
    const int64_t deadline =
        engine && m_states.phase == Phase::SOFTWARE ? engine->NextDeadline() : -1;
    ChimneyEngineDriver::ArmTimer(timer,
                                  deadline,
                                  &ChimneyHostStack::OnEngineTimer,
                                  m_stack,
                                  handle);
}

void
ChimneyHostConnection::OnTimer()
{
    if (engine && m_states.phase == Phase::SOFTWARE)
    {
        engine->OnTimer(ChimneyEngineDriver::Now());
        Drive();
    }
}

void
ChimneyHostConnection::HandleEvent(const TcpEvent& event)
{
    switch (event.kind)
    {
    case TcpEvent::Kind::Established: {
        const bool passive = m_states.handshake == Handshake::Accepting;
        Enter(Handshake::Established);
        if (passive)
        {
            m_stack->Accept(*this);
        }
        else if (socket)
        {
            socket->OnConnected();
        }
        Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, m_stack, handle);
        break;
    }
    case TcpEvent::Kind::DataReadable:
        bytesReceived += event.bytes;
        NotifyReadable();
        CheckPolicyAfterBytes();
        break;
    case TcpEvent::Kind::BytesAcked:
        bytesAcked += event.bytes;
        FeedEngine();
        if (socket && event.bytes > 0)
        {
            socket->OnDataSent(static_cast<uint32_t>(event.bytes));
        }
        NotifyWritable();
        CheckPolicyAfterBytes();
        break;
    case TcpEvent::Kind::FinAcked:
        Enter(GracefulClose::FinAcked);
        break;
    case TcpEvent::Kind::RemoteFin:
        RemoteFinArrived();
        break;
    case TcpEvent::Kind::Reset:
        // A RST in TIME_WAIT ends the wait (RFC 9293; Linux does the same with tcp_rfc1337=0),
        // but both halves had already closed normally: the outcome stays CLOSED. Seen against
        // Linux when a delayed old ACK draws our TIME_WAIT ACK and Linux, already CLOSED,
        // answers it with RST (issue 17).
        if (lastState != TcpState::TimeWait)
        {
            Enter(Fault::Reset);
        }
        break;
    case TcpEvent::Kind::TimedOut:
        Enter(Fault::TimedOut);
        break;
    case TcpEvent::Kind::StateChanged:
        lastState = event.newState;
        break;
    case TcpEvent::Kind::Closed:
        m_stack->End(*this, OutcomeInSoftware());
        break;
    }
}

void
ChimneyHostConnection::CheckPolicyAfterBytes()
{
    if (m_stack->m_policy == ChimneyHostStack::OffloadPolicy::AFTER_BYTES)
    {
        Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, m_stack, handle);
    }
}

void
ChimneyHostConnection::FeedEngine()
{
    if (!engine || m_states.phase != Phase::SOFTWARE || AbortRequested())
    {
        return;
    }
    const int64_t now = ChimneyEngineDriver::Now();
    while (!pendingSend.empty())
    {
        const size_t space = engine->SendBufferSpace();
        if (space == 0)
        {
            break;
        }
        const size_t n = std::min(space, pendingSend.size());
        std::vector<uint8_t> chunk(pendingSend.begin(),
                                   pendingSend.begin() + static_cast<ptrdiff_t>(n));
        const size_t taken = engine->Send(now, chunk.data(), chunk.size());
        pendingSend.erase(pendingSend.begin(), pendingSend.begin() + static_cast<ptrdiff_t>(taken));
        if (taken < n)
        {
            break;
        }
    }
    if (CloseRequested() && pendingSend.empty() && !engine->FinRequested())
    {
        engine->ShutdownSend(now);
        // Offloaded from now on, the FIN travels in the delegated state: no disconnect request.
        if (m_states.graceful == GracefulClose::Requested)
        {
            Enter(GracefulClose::FinInEngine);
        }
    }
}

bool
ChimneyHostConnection::CanOffload() const
{
    return m_states.phase == Phase::SOFTWARE && engine && IsOffloadableState(engine->State());
}

// ---------------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------------

uint32_t
ChimneyHostConnection::TxAvailable() const
{
    if (m_states.phase == Phase::ENDED || CloseRequested() || AbortRequested())
    {
        return 0;
    }
    uint64_t used = pendingSend.size() + postedSendBytes;
    if (engine && m_states.phase == Phase::SOFTWARE)
    {
        used += engine->BytesInSendBuffer();
    }
    const uint32_t size = m_stack->m_sndBufSize;
    return used >= size ? 0 : static_cast<uint32_t>(size - used);
}

uint32_t
ChimneyHostConnection::RxAvailable() const
{
    size_t n = rx.size();
    if (engine && m_states.phase == Phase::SOFTWARE)
    {
        n += engine->BytesReadable();
    }
    return static_cast<uint32_t>(n);
}

void
ChimneyHostConnection::NotifyReadable()
{
    if (recvShutdown)
    {
        // Nobody reads: consume so that the window stays open and the peer is not stalled.
        rx.clear();
        if (engine && m_states.phase == Phase::SOFTWARE && engine->BytesReadable() > 0)
        {
            engine->Read(ChimneyEngineDriver::Now(), engine->BytesReadable());
        }
        return;
    }
    if (socket && RxAvailable() > 0)
    {
        socket->OnDataReadable();
    }
}

void
ChimneyHostConnection::NotifyWritable()
{
    if (socket)
    {
        const uint32_t available = TxAvailable();
        if (available > 0)
        {
            socket->OnSendSpace(available);
        }
    }
}

void
ChimneyHostConnection::RemoteFinArrived()
{
    if (m_states.receive == ReceiveHalf::Open)
    {
        Enter(ReceiveHalf::RemoteFin);
    }
    DeliverRemoteFin();
}

void
ChimneyHostConnection::DeliverRemoteFin()
{
    if (m_states.receive != ReceiveHalf::RemoteFin)
    {
        return;
    }
    Enter(ReceiveHalf::RemoteFinDelivered);
    TellNormalClose();
}

void
ChimneyHostConnection::TellNormalClose()
{
    if (socket && !m_normalCloseNotified)
    {
        m_normalCloseNotified = true;
        socket->OnNormalClose();
    }
}

void
ChimneyHostConnection::NotifyEnded()
{
    if (!socket)
    {
        return;
    }
    switch (m_states.outcome)
    {
    case Outcome::CLOSED:
        TellNormalClose();
        break;
    case Outcome::RESET:
    case Outcome::TIMED_OUT:
    case Outcome::FAILED:
        if (!m_errorNotified)
        {
            m_errorNotified = true;
            socket->OnErrorClose();
        }
        break;
    case Outcome::REFUSED:
        socket->OnConnectFailed();
        break;
    default:
        break;
    }
}

} // namespace ns3
