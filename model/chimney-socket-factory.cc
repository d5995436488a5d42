/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-socket-factory.h"

#include "chimney-host-stack.h"
#include "chimney-socket.h"

#include "ns3/abort.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(ChimneySocketFactory);

TypeId
ChimneySocketFactory::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ChimneySocketFactory")
                            .SetParent<SocketFactory>()
                            .SetGroupName("Chimney")
                            .AddConstructor<ChimneySocketFactory>();
    return tid;
}

void
ChimneySocketFactory::SetStack(Ptr<ChimneyHostStack> stack)
{
    m_stack = stack;
}

Ptr<Socket>
ChimneySocketFactory::CreateSocket()
{
    NS_ABORT_MSG_IF(!m_stack,
                    "ChimneySocketFactory: no ChimneyHostStack on this node "
                    "(install one with ChimneyStackHelper)");
    return m_stack->CreateSocket();
}

void
ChimneySocketFactory::DoDispose()
{
    m_stack = nullptr;
    SocketFactory::DoDispose();
}

} // namespace ns3
