/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "tcp-delegated-state.h"

#include <sstream>
#include <tuple>

namespace ns3
{

const char*
ToString(TcpState state)
{
    switch (state)
    {
    case TcpState::Closed:
        return "CLOSED";
    case TcpState::Listen:
        return "LISTEN";
    case TcpState::SynSent:
        return "SYN_SENT";
    case TcpState::SynRcvd:
        return "SYN_RCVD";
    case TcpState::Established:
        return "ESTABLISHED";
    case TcpState::FinWait1:
        return "FIN_WAIT_1";
    case TcpState::FinWait2:
        return "FIN_WAIT_2";
    case TcpState::CloseWait:
        return "CLOSE_WAIT";
    case TcpState::Closing:
        return "CLOSING";
    case TcpState::LastAck:
        return "LAST_ACK";
    case TcpState::TimeWait:
        return "TIME_WAIT";
    }
    return "?";
}

bool
IsOffloadableState(TcpState state)
{
    switch (state)
    {
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait:
    case TcpState::Closing:
    case TcpState::LastAck:
        return true;
    default:
        return false;
    }
}

namespace
{

auto
Tie(const TcpDelegatedState& s)
{
    return std::tie(s.state,
                    s.rcvNxt,
                    s.rcvWnd,
                    s.sndUna,
                    s.sndNxt,
                    s.sndMax,
                    s.sndWnd,
                    s.maxSndWnd,
                    s.sndWl1,
                    s.sndWl2,
                    s.cwnd,
                    s.ssthresh,
                    s.srttNs,
                    s.rttVarNs,
                    s.tsRecent,
                    s.tsRecentAgeNs,
                    s.totalRt,
                    s.dupAckCount,
                    s.sndWndProbeCount,
                    s.retransmitTimer,
                    s.keepaliveTimer,
                    s.sendData,
                    s.receiveData,
                    s.iss,
                    s.irs,
                    s.sndWndShift,
                    s.rcvWndShift,
                    s.windowScaling,
                    s.sendDataSeq,
                    s.timestamps,
                    s.lastAckSent,
                    s.sndMss,
                    s.passiveOpen,
                    s.rtoNs,
                    s.rttSampled,
                    s.rttTiming,
                    s.rttSeq,
                    s.rttElapsedNs,
                    s.recover,
                    s.inRecovery,
                    s.finRequested,
                    s.finSeq,
                    s.remoteFinReceived,
                    s.remoteFinPending,
                    s.remoteFinSeq,
                    s.delayedAckSegments,
                    s.ackPending,
                    s.delayedAckRemainingNs,
                    s.persistRemainingNs,
                    s.finWait2RemainingNs,
                    s.timeWaitRemainingNs,
                    s.outOfOrder);
}

} // namespace

bool
TcpDelegatedState::operator==(const TcpDelegatedState& o) const
{
    return Tie(*this) == Tie(o);
}

std::string
TcpDelegatedState::ToString() const
{
    std::ostringstream os;
    os << "state=" << ns3::ToString(state) << " iss=" << iss << " irs=" << irs
       << " sndUna=" << sndUna << " sndNxt=" << sndNxt << " sndMax=" << sndMax
       << " sndWnd=" << sndWnd << " rcvNxt=" << rcvNxt << " rcvWnd=" << rcvWnd << " cwnd=" << cwnd
       << " ssthresh=" << ssthresh << " rto=" << rtoNs << " rtx=" << retransmitTimer.count << "/"
       << retransmitTimer.remainingNs << " send=" << sendData.size()
       << " recv=" << receiveData.size() << " ooo=" << outOfOrder.size() << " fin=" << finRequested
       << "@" << finSeq << " remoteFin=" << remoteFinReceived;
    return os.str();
}

} // namespace ns3
