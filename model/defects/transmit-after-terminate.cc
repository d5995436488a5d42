/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// TransmitAfterTerminate — W8 broken: a pure ACK for the connection 1 ms after its terminate
// completed.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include "ns3/simulator.h"

namespace ns3
{

namespace
{

/// The seeded TransmitAfterTerminate defect (see the top of this file).
class TransmitAfterTerminateDefect : public ChimneyDefect
{
  public:
    void OnTerminated(std::unique_ptr<ChimneyOffloadConnection>& c) override
    {
        TcpSegment ack;
        ack.srcPort = c->engine.LocalPort();
        ack.dstPort = c->engine.RemotePort();
        ack.seq = c->engine.SndMax();
        ack.ack = c->engine.RcvNxt();
        ack.flags = TcpSegment::ACK;
        ack.window = 65535;
        std::shared_ptr<ChimneyOffloadConnection> dead(std::move(c));
        Simulator::Schedule(MilliSeconds(1), [dead, ack]() { dead->TransmitAfterDetach(ack); });
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeTransmitAfterTerminateDefect()
{
    return std::make_unique<TransmitAfterTerminateDefect>();
}

} // namespace ns3
