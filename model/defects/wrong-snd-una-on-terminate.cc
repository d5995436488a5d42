/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// WrongSndUnaOnTerminate — A9 broken: the SndUna handed back at terminate is one too high.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded WrongSndUnaOnTerminate defect (see the top of this file).
class WrongSndUnaOnTerminateDefect : public ChimneyDefect
{
  public:
    void OnExport(const ChimneyOffloadConnection& /* c */, TcpDelegatedState& d) override
    {
        d.sndUna += 1;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeWrongSndUnaOnTerminateDefect()
{
    return std::make_unique<WrongSndUnaOnTerminateDefect>();
}

} // namespace ns3
