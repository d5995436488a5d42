/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-lifecycle.h"

#include "ns3/chimney-defect-registry.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-lifecycle-scenario.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-timeline.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

#include <algorithm>
#include <map>
#include <memory>

namespace ns3
{

const std::vector<std::string>&
ChimneyLifecycleScenarios()
{
    static const std::vector<std::string> names = []() {
        std::vector<std::string> v;
        for (const ChimneyLifecycleScenario& scenario : ChimneyLifecycleScenarioRegistry())
        {
            v.push_back(scenario.name);
        }
        return v;
    }();
    return names;
}

std::string
ChimneyLifecycleScenarioForDefect(const std::string& defect)
{
    // The scenario in which each seeded defect acts: ChimneyDefectRegistry's row.
    if (defect == "None")
    {
        return "graceful";
    }
    const ChimneyDefectInfo* info = ChimneyDefectRegistry::Find(defect);
    return info == nullptr ? std::string() : info->scenario;
}

namespace
{

std::string
Check(const char* rule, bool ok, const std::string& why)
{
    return std::string(rule) + (ok ? ": OK" : ": FAILED: " + why);
}

} // namespace

ChimneyLifecycleResult
RunChimneyLifecycle(const ChimneyLifecycleOptions& o)
{
    ChimneyLifecycleResult result;
    const ChimneyLifecycleScenario* scenario = ChimneyFindLifecycleScenario(o.scenario);
    if (scenario == nullptr || o.seed == 0)
    {
        result.endToEnd = "unknown scenario '" + o.scenario + "' or seed 0";
        return result;
    }
    RngSeedManager::SetSeed(o.seed);
    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    if (scenario->configure)
    {
        scenario->configure(pair);
    }
    for (const auto& attribute : o.deviceAttributes)
    {
        pair.Chimney().SetDeviceAttribute(attribute.first, StringValue(attribute.second));
    }
    std::string error;
    if (!pair.Build(o.link, scenario->chimneyPeer, &error))
    {
        result.endToEnd = error;
        return result;
    }
    result.built = true;
    ChimneyVerifierHelper helper;
    Ptr<ChimneyVerifier> verifier = helper.Install(pair.GetChimneyDevices());
    result.verifier = verifier;
    std::unique_ptr<ChimneyTimeline> timeline;
    if (o.timeline != nullptr)
    {
        timeline = std::make_unique<ChimneyTimeline>(o.timeline);
        timeline->Attach("host0", pair.GetStack(0));
        if (pair.GetStack(1))
        {
            timeline->Attach("host1", pair.GetStack(1));
        }
    }

    ChimneyLifecycleRun run(pair, verifier, timeline.get());
    scenario->start(run);
    Simulator::Stop(run.stop);
    Simulator::Run();
    verifier->Finish();

    // What the scenario's applications must have seen: E1 (exactly the bytes, then end of
    // stream) or E2 (a prefix, then a reset), per stream.
    bool ok = true;
    for (const ChimneyLifecycleRun::StreamCheck& check : run.checks)
    {
        std::string why;
        const bool passed = check.graceful ? check.receiver->CheckE1(*check.sent, &why)
                                           : check.receiver->CheckE2(*check.sent, &why);
        result.endToEnd +=
            (result.endToEnd.empty() ? "" : "; ") + Check(check.rule.c_str(), passed, why);
        ok = ok && passed;
    }
    result.endToEndOk = ok;
    Simulator::Destroy();
    return result;
}

} // namespace ns3
