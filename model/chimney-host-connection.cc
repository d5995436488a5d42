/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-host-connection.h"

#include "chimney-engine-driver.h"
#include "chimney-event-counts.h"
#include "chimney-host-stack.h"
#include "chimney-socket.h"
#include "tcp-segment-packet.h"

#include "ns3/abort.h"
#include "ns3/ipv4-route.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyHostConnection");

namespace
{

/// The name of a state: names[] lists every value from 0 to `last`, in order.
template <typename State, size_t N>
const char*
Name(State state, const char* const (&names)[N], State last)
{
    NS_ABORT_MSG_IF(static_cast<size_t>(last) + 1 != N, "a state without a name");
    const auto i = static_cast<size_t>(state);
    return i < N ? names[i] : "?";
}

} // namespace

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
      m_stack(stack),
      m_states(Phase::SOFTWARE,
               Outcome::OPEN,
               handshake,
               GracefulClose::None,
               AbortiveClose::None,
               ReceiveHalf::Open,
               Fault::None)
{
}

// ---------------------------------------------------------------------------------------------
// States: read here, written only through Enter() -> Change()
// ---------------------------------------------------------------------------------------------

bool
ChimneyHostConnection::CloseRequested() const
{
    return Get<GracefulClose>() != GracefulClose::None;
}

bool
ChimneyHostConnection::AbortRequested() const
{
    return Get<AbortiveClose>() != AbortiveClose::None;
}

bool
ChimneyHostConnection::RemoteFinReceived() const
{
    return Get<ReceiveHalf>() != ReceiveHalf::Open;
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
    if (std::get<Phase>(before) != std::get<Phase>(next))
    {
        m_stack->m_phaseTrace(handle,
                              ToString(std::get<Phase>(before)),
                              ToString(std::get<Phase>(next)),
                              detail);
    }
    if (!m_stack->m_connectionStateTrace.IsEmpty())
    {
        m_stack->m_connectionStateTrace(handle, Describe(before), Describe(next));
    }
}

void
ChimneyHostConnection::Enter(Fault fault)
{
    // The worst stays: a hardware failure's Abort indication does not make it a mere reset.
    States next = m_states;
    std::get<Fault>(next) = std::max(fault, Get<Fault>());
    Change(next, "");
}

void
ChimneyHostConnection::Enter(Outcome outcome)
{
    endedAt = Simulator::Now();
    timer.Cancel();
    States next = m_states;
    std::get<Phase>(next) = Phase::ENDED;
    std::get<Outcome>(next) = outcome;
    Change(next, ToString(outcome));
}

void
ChimneyHostConnection::ReportOpened()
{
    m_stack->m_phaseTrace(handle, "", ToString(GetPhase()), "opened");
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
    const Phase phase = std::get<Phase>(s);
    return std::string(ToString(phase)) + "/" + ToString(std::get<Handshake>(s)) +
           " graceful=" + ToString(std::get<GracefulClose>(s)) +
           " abortive=" + ToString(std::get<AbortiveClose>(s)) +
           " receive=" + ToString(std::get<ReceiveHalf>(s)) +
           " fault=" + ToString(std::get<Fault>(s)) +
           (phase == Phase::ENDED ? std::string(" outcome=") + ToString(std::get<Outcome>(s)) : "");
}

const char*
ChimneyHostConnection::ToString(Phase phase)
{
    static const char* const names[] = {"SOFTWARE",
                                        "OFFLOADING",
                                        "OFFLOADED",
                                        "TERMINATING",
                                        "ENDED"};
    return Name(phase, names, Phase::ENDED);
}

const char*
ChimneyHostConnection::ToString(Outcome outcome)
{
    static const char* const names[] =
        {"OPEN", "CLOSED", "ABORTED", "RESET", "TIMED_OUT", "FAILED", "REFUSED"};
    return Name(outcome, names, Outcome::REFUSED);
}

const char*
ChimneyHostConnection::ToString(Handshake handshake)
{
    static const char* const names[] = {"Connecting", "Accepting", "Established"};
    return Name(handshake, names, Handshake::Established);
}

const char*
ChimneyHostConnection::ToString(GracefulClose graceful)
{
    static const char* const names[] = {"None",
                                        "Requested",
                                        "FinInEngine",
                                        "DisconnectIssued",
                                        "FinAcked"};
    return Name(graceful, names, GracefulClose::FinAcked);
}

const char*
ChimneyHostConnection::ToString(AbortiveClose abortive)
{
    static const char* const names[] = {"None", "Requested", "DisconnectIssued", "Completed"};
    return Name(abortive, names, AbortiveClose::Completed);
}

const char*
ChimneyHostConnection::ToString(ReceiveHalf receive)
{
    static const char* const names[] = {"Open", "RemoteFin", "RemoteFinDelivered"};
    return Name(receive, names, ReceiveHalf::RemoteFinDelivered);
}

const char*
ChimneyHostConnection::ToString(Fault fault)
{
    static const char* const names[] = {"None", "TimedOut", "Reset", "Failed"};
    return Name(fault, names, Fault::Failed);
}

ChimneyHostConnection::Outcome
ChimneyHostConnection::OutcomeInSoftware() const
{
    const bool reset = Get<Fault>() == Fault::Reset;
    const bool timedOut = Get<Fault>() == Fault::TimedOut;
    if (Get<Handshake>() != Handshake::Established && (reset || timedOut))
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
    switch (Get<Fault>())
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
    return Get<AbortiveClose>() >= AbortiveClose::DisconnectIssued ? Outcome::ABORTED
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
    m_stack->SendToIp(segment, local, remote);
}

void
ChimneyHostConnection::ArmTimer()
{
    // Frozen while offloading, gone while offloaded: the timer runs in software only.
    const int64_t deadline =
        engine && Get<Phase>() == Phase::SOFTWARE ? engine->NextDeadline() : -1;
    ChimneyEngineDriver::ArmTimer(timer,
                                  deadline,
                                  &ChimneyHostStack::OnEngineTimer,
                                  m_stack,
                                  handle);
}

void
ChimneyHostConnection::OnTimer()
{
    if (engine && Get<Phase>() == Phase::SOFTWARE)
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
        const bool passive = Get<Handshake>() == Handshake::Accepting;
        Enter(Handshake::Established);
        if (passive)
        {
            m_stack->Accept(*this);
        }
        else if (socket)
        {
            socket->OnConnected();
        }
        ++ChimneyEventCounts::Get().host;
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
        ++ChimneyEventCounts::Get().host;
        Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, m_stack, handle);
    }
}

bool
ChimneyHostConnection::EngineTakesData() const
{
    return engine && Get<Phase>() == Phase::SOFTWARE && !AbortRequested();
}

void
ChimneyHostConnection::FeedEngine(const uint8_t* data, size_t size)
{
    // Nothing queued ahead: straight into the engine, one copy of the bytes instead of two. The
    // engine takes min(size, its room), the same single Send() as through the queue.
    size_t taken = 0;
    if (pendingSend.empty() && EngineTakesData())
    {
        taken = engine->Send(ChimneyEngineDriver::Now(), data, size);
    }
    pendingSend.Append(data + taken, data + size);
    FeedEngine();
}

void
ChimneyHostConnection::FeedEngine()
{
    if (!EngineTakesData())
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
        const size_t taken = engine->Send(now, pendingSend.begin(), n);
        pendingSend.Pop(taken);
        if (taken < n)
        {
            break;
        }
    }
    if (CloseRequested() && pendingSend.empty() && !engine->FinRequested())
    {
        engine->ShutdownSend(now);
        // Offloaded from now on, the FIN travels in the delegated state: no disconnect request.
        if (Get<GracefulClose>() == GracefulClose::Requested)
        {
            Enter(GracefulClose::FinInEngine);
        }
    }
}

bool
ChimneyHostConnection::CanOffload() const
{
    return Get<Phase>() == Phase::SOFTWARE && engine && IsOffloadableState(engine->State());
}

// ---------------------------------------------------------------------------------------------
// The application
// ---------------------------------------------------------------------------------------------

uint32_t
ChimneyHostConnection::TxAvailable() const
{
    if (Get<Phase>() == Phase::ENDED || CloseRequested() || AbortRequested())
    {
        return 0;
    }
    uint64_t used = pendingSend.size() + postedSendBytes;
    if (engine && Get<Phase>() == Phase::SOFTWARE)
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
    if (engine && Get<Phase>() == Phase::SOFTWARE)
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
        if (engine && Get<Phase>() == Phase::SOFTWARE && engine->BytesReadable() > 0)
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
    if (Get<ReceiveHalf>() == ReceiveHalf::Open)
    {
        Enter(ReceiveHalf::RemoteFin);
    }
    DeliverRemoteFin();
}

void
ChimneyHostConnection::DeliverRemoteFin()
{
    if (Get<ReceiveHalf>() != ReceiveHalf::RemoteFin)
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
    switch (Get<Outcome>())
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
