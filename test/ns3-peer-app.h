/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef NS3_PEER_APP_H
#define NS3_PEER_APP_H

// The ns-3 side of the system tests: an application on ns-3's own TcpSocketBase that records
// what it receives and how its socket closes, and pattern data to send through it.

#include "ns3/chimney-pattern.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <functional>
#include <vector>

namespace ns3
{

/// The ns-3 side: a TcpSocketBase and what its application saw.
struct PeerApp
{
    Ptr<Socket> socket;
    std::vector<uint8_t> received;
    bool readData = true; //!< false: leave data unread (Close() then sends RST)
    bool normalClose = false;
    bool errorClose = false;
    Time normalCloseTime;
    std::function<void(PeerApp&)> onNormalClose;
    std::function<void(PeerApp&)> onData;

    void Attach(Ptr<Socket> s)
    {
        socket = s;
        s->TraceConnectWithoutContext("State", MakeCallback(&PeerApp::OnState, this));
        s->SetRecvCallback(MakeCallback(&PeerApp::OnRecv, this));
        s->SetCloseCallbacks(MakeCallback(&PeerApp::OnNormalClose, this),
                             MakeCallback(&PeerApp::OnErrorClose, this));
    }

    void OnRecv(Ptr<Socket> s)
    {
        if (readData)
        {
            while (Ptr<Packet> p = s->Recv())
            {
                if (p->GetSize() == 0)
                {
                    break;
                }
                size_t old = received.size();
                received.resize(old + p->GetSize());
                p->CopyData(received.data() + old, p->GetSize());
            }
        }
        if (onData)
        {
            onData(*this);
        }
    }

    void OnNormalClose(Ptr<Socket>)
    {
        normalClose = true;
        normalCloseTime = Simulator::Now();
        if (onNormalClose)
        {
            onNormalClose(*this);
        }
    }

    void OnErrorClose(Ptr<Socket>)
    {
        errorClose = true;
    }

    void OnState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t newState)
    {
        state = newState;
        states.push_back(newState);
    }

    TcpSocket::TcpStates_t state = TcpSocket::CLOSED; //!< ns-3's last TCP state
    std::vector<TcpSocket::TcpStates_t> states;       //!< every state ns-3 entered

    void Accept(Ptr<Socket> s, const Address&)
    {
        Attach(s);
    }

    /// Queue data on the ns-3 socket as its send buffer allows (re-tried on send space).
    void SendAll(const std::vector<uint8_t>& data, bool closeAfter)
    {
        pending = data;
        offset = 0;
        closeWhenSent = closeAfter;
        socket->SetSendCallback(MakeCallback(&PeerApp::OnSendSpace, this));
        OnSendSpace(socket, socket->GetTxAvailable());
    }

    void OnSendSpace(Ptr<Socket> s, uint32_t)
    {
        while (offset < pending.size() && s->GetTxAvailable() > 0)
        {
            uint32_t n = std::min<uint32_t>(s->GetTxAvailable(), pending.size() - offset);
            int sent = s->Send(pending.data() + offset, n, 0);
            if (sent <= 0)
            {
                return;
            }
            offset += sent;
        }
        if (offset == pending.size() && closeWhenSent)
        {
            closeWhenSent = false;
            s->Close();
        }
    }

    std::vector<uint8_t> pending;
    size_t offset = 0;
    bool closeWhenSent = false;
};

/// An ns-3 TCP socket (TcpSocketBase) of node listening on port; accept gets every accepted
/// socket.
inline Ptr<Socket>
ListenTcp(Ptr<Node> node, uint16_t port, Callback<void, Ptr<Socket>, const Address&> accept)
{
    Ptr<Socket> listener = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
    listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
    listener->Listen();
    listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(), accept);
    return listener;
}

/// Pattern data whose bytes depend on their offset, so any loss, duplication or reordering
/// of the stream shows (the module's one pattern, ChimneyPattern()).
inline std::vector<uint8_t>
Pattern(size_t n, uint8_t salt)
{
    return ChimneyPattern(n, salt);
}

} // namespace ns3

#endif // NS3_PEER_APP_H
