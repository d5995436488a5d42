/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_LIFECYCLE_SCENARIO_H
#define CHIMNEY_LIFECYCLE_SCENARIO_H

#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-stream-endpoint.h"
#include "ns3/chimney-verifier.h"
#include "ns3/nstime.h"
#include "ns3/socket.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ns3
{

class ChimneyTimeline;

/**
 * \ingroup chimney
 * \brief What a lifecycle scenario's Start() works on and fills in: the built pair (host 0
 *        offloads), its verifier and timeline, the applications, the bytes each stream sends,
 *        when the run stops and which E1/E2 checks decide it.
 */
struct ChimneyLifecycleRun
{
    /// One end-to-end check made after the run (SPEC 4 E).
    struct StreamCheck
    {
        std::string rule;                          //!< e.g. "E1 host0 -> host1"
        Ptr<const ChimneyStreamEndpoint> receiver; //!< the application that received the stream
        const std::vector<uint8_t>* sent;          //!< what the other application sent
        bool graceful;                             //!< true: E1, false: E2
    };

    /**
     * \param pair the built pair
     * \param verifier the verifier watching it
     * \param timeline the interface timeline (null: none)
     */
    ChimneyLifecycleRun(ChimneyPairBuilder& pair,
                        Ptr<ChimneyVerifier> verifier,
                        ChimneyTimeline* timeline);

    ChimneyPairBuilder& pair;      //!< the two hosts
    Ptr<ChimneyVerifier> verifier; //!< attach further layers to it
    ChimneyTimeline* timeline;     //!< null: none
    Ptr<ChimneyStreamEndpoint> server{
        CreateObject<ChimneyStreamEndpoint>()}; //!< host 1, first connection
    Ptr<ChimneyStreamEndpoint> client{
        CreateObject<ChimneyStreamEndpoint>()}; //!< host 0, first connection
    Ptr<ChimneyStreamEndpoint> server2{
        CreateObject<ChimneyStreamEndpoint>()}; //!< host 1, second connection (two-connection
                                                //!< scenarios)
    Ptr<ChimneyStreamEndpoint> client2{
        CreateObject<ChimneyStreamEndpoint>()}; //!< host 0, second connection
    std::vector<uint8_t> up;                    //!< client -> server
    std::vector<uint8_t> down;                  //!< server -> client
    std::vector<uint8_t> up2;                   //!< client2 -> server2
    Ptr<Socket> socket;                         //!< host 0's first socket
    Time stop{Seconds(30)};                     //!< when the simulation stops
    std::vector<StreamCheck> checks;            //!< in the order they are reported
};

/**
 * \ingroup chimney
 * \brief One named lifecycle scenario of RunChimneyLifecycle(): how its pair is configured and
 *        what its applications do. The registry (ChimneyLifecycleScenarioRegistry()) holds one
 *        entry per scenario; tests, the verifier report example and the docs read it.
 */
struct ChimneyLifecycleScenario
{
    std::string name;        //!< e.g. "graceful"
    std::string description; //!< one line
    bool chimneyPeer;        //!< host 1 offloads as well
    /// Device and stack attributes before Build() (empty: none beyond the defaults).
    std::function<void(ChimneyPairBuilder&)> configure;
    /// After Build(): applications, scheduled calls, stop time and checks.
    std::function<void(ChimneyLifecycleRun&)> start;
};

/**
 * \ingroup chimney
 * \brief Every lifecycle scenario, in a fixed order (scenario/chimney-lifecycle-scenarios.cc).
 * \returns the registry
 */
const std::vector<ChimneyLifecycleScenario>& ChimneyLifecycleScenarioRegistry();

/**
 * \ingroup chimney
 * \brief Look a scenario up by name.
 * \param name a scenario name
 * \returns the entry, null when unknown
 */
const ChimneyLifecycleScenario* ChimneyFindLifecycleScenario(const std::string& name);

} // namespace ns3

#endif // CHIMNEY_LIFECYCLE_SCENARIO_H
