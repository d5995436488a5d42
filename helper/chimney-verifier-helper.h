/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_HELPER_H
#define CHIMNEY_VERIFIER_HELPER_H

#include "ns3/attribute.h"
#include "ns3/chimney-verifier.h"
#include "ns3/net-device-container.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Attaches one ChimneyVerifier to every chimney device of a run (across many nodes)
 *        and to each of their nodes' ChimneyHostStack.
 *
 * \code
 *   ChimneyVerifierHelper verifiers;
 *   Ptr<ChimneyVerifier> verifier = verifiers.Install(chimneyDevices);
 *   Simulator::Run();
 *   verifier->Finish();
 *   verifier->PrintSummary(std::cout);
 * \endcode
 * Install after the host stacks (ChimneyStackHelper) so that they are found; intermediate
 * drivers are attached with ChimneyVerifier::AttachIntermediateDriver().
 */
class ChimneyVerifierHelper
{
  public:
    ChimneyVerifierHelper();

    /**
     * \brief Set an attribute of the verifier created by Install().
     * \param name attribute name, e.g. "AckTimeout"
     * \param value its value
     */
    void SetVerifierAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Create one verifier watching every device given, and the host stack of each
     *        device's node if it has one.
     * \param chimneyDevices ChimneyNetDevices (other device types abort)
     * \returns the verifier
     */
    Ptr<ChimneyVerifier> Install(NetDeviceContainer chimneyDevices) const;

  private:
    ObjectFactory m_factory; //!< creates the verifier
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_HELPER_H
