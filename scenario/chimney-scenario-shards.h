/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCENARIO_SHARDS_H
#define CHIMNEY_SCENARIO_SHARDS_H

#include "ns3/chimney-scenario.h"

#include <cstdint>
#include <functional>
#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A shard's side of a sharded scenario run (RunChimneyShards): which share of the
 *        islands it simulates, and its pipes to the process that merges the results.
 *
 * The one point where shards must agree is the end of the run: it starts when the last
 * connection of the whole network ended. Each shard pauses when its own last connection ended
 * (or at stopTime), tells the time, and waits for the latest of all (AwaitLastClose()).
 */
class ChimneyShardChannel
{
  public:
    /**
     * \param index this shard, < count
     * \param count shards of the run
     * \param toParent pipe to the merging process (written)
     * \param fromParent pipe from it (read)
     */
    ChimneyShardChannel(uint32_t index, uint32_t count, int toParent, int fromParent);

    /// \returns this shard's index
    uint32_t GetIndex() const;
    /// \returns shards of the run
    uint32_t GetCount() const;

    /// \param p this shard's progress (the merging process sums the shards')
    void SendProgress(const ChimneyScenarioProgress& p);

    /**
     * \brief Tell when this shard's connections had all ended, wait for every shard's answer.
     * \param closedAt that time, or a negative time when they did not all end (stopTime)
     * \returns the latest of the shards' times, negative when one shard did not end them all
     */
    Time AwaitLastClose(Time closedAt);

    /**
     * \brief Send this shard's result (its own hosts' records only) and its event counts.
     * \param result the shard's result; `events` counts this shard's island events only
     * \param globalEvents events every shard executes alike (node starts, samples, the end)
     * \param owns which records are this shard's (by host index)
     */
    void SendResult(const ChimneyScenarioResult& result,
                    uint64_t globalEvents,
                    const std::function<bool(uint32_t)>& owns);

  private:
    /// Write one line to the parent (aborts the shard when the parent is gone).
    void WriteLine(const std::string& line);

    uint32_t m_index;
    uint32_t m_count;
    int m_toParent;
    int m_fromParent;
};

/**
 * \ingroup chimney
 * \param config a valid scenario
 * \param shards processes asked for
 * \returns "" when the scenario can run as that many shards, else why not (one line)
 */
std::string CheckChimneyShards(const ChimneyScenarioConfig& config, uint32_t shards);

/**
 * \ingroup chimney
 * \brief Run a scenario as `shards` processes (fork) and merge their results into the one a
 *        single process gives.
 * \param config the scenario
 * \param shards processes (>= 2)
 * \param simulate called in each child with its channel: simulate that shard, send its result
 * \param progress called here with the shards' summed progress (may be empty)
 * \param progressEvery seconds of wall time between progress calls
 * \returns the merged result (wall and peak memory: of the whole run, every process summed);
 *          !ok with the reason when a shard failed
 */
ChimneyScenarioResult RunChimneyShards(
    const ChimneyScenarioConfig& config,
    uint32_t shards,
    const std::function<void(ChimneyShardChannel&)>& simulate,
    const std::function<void(const ChimneyScenarioProgress&)>& progress,
    double progressEvery);

} // namespace ns3

#endif // CHIMNEY_SCENARIO_SHARDS_H
