/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SOCKET_FACTORY_H
#define CHIMNEY_SOCKET_FACTORY_H

#include "ns3/socket-factory.h"

namespace ns3
{

class ChimneyHostStack;

/**
 * \ingroup chimney
 * \brief Creates ChimneySocket objects on a node's ChimneyHostStack.
 *
 * ChimneyStackHelper aggregates one to every chimney node. Applications pick it by TypeId,
 * e.g. `BulkSendHelper("ns3::ChimneySocketFactory", address)` or the "Protocol" attribute of
 * BulkSend, PacketSink and OnOff; nothing else in the application changes.
 */
class ChimneySocketFactory : public SocketFactory
{
  public:
    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    /**
     * \brief Set the stack sockets are created on.
     * \param stack the stack
     */
    void SetStack(Ptr<ChimneyHostStack> stack);

    Ptr<Socket> CreateSocket() override;

  protected:
    void DoDispose() override;

  private:
    Ptr<ChimneyHostStack> m_stack;
};

} // namespace ns3

#endif // CHIMNEY_SOCKET_FACTORY_H
