/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FAULT_PLAN_H
#define CHIMNEY_FAULT_PLAN_H

#include "ns3/nstime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The faults of one scenario, as data (ARCHITECTURE "Faults and scale").
 *
 * Rates are probabilities in [0, 1]. "Per frame" rates apply to every frame on an offloading
 * host's link, each direction on its own; "per connection" rates pick connections when they
 * open; "per host" rates pick hosts (or their devices) when the scenario is built. Every pick is
 * drawn from the scenario's seed (named streams), so the same seed and plan inject the same
 * faults.
 *
 * A plan is read from and written to JSON (FromJson / ToJson); every field below is a JSON key
 * of the same name, times are strings ns-3 parses ("20ms", "1.5s"). Unknown keys and values out
 * of range are errors, never ignored.
 */
struct ChimneyFaultPlan
{
    // --- link (per frame, both directions) ---
    double lossRate = 0;           //!< a frame is lost
    double burstRate = 0;          //!< a frame starts a loss burst ...
    uint32_t burstLength = 3;      //!< ... of this many frames (>= 1)
    double corruptRate = 0;        //!< a byte of the frame is flipped (checksums on: dropped)
    double duplicateRate = 0;      //!< the frame is delivered twice
    double reorderRate = 0;        //!< the frame is held back by up to `jitter` (reordering)
    Time jitter = MilliSeconds(2); //!< hold-back of a reordered frame (> 0)
    // Targeted drops (per connection picked with targetedDropRate): 0 = off, n = the n-th one.
    double targetedDropRate = 0; //!< a connection gets the targeted drops below
    uint32_t dropFin = 1;        //!< drop the n-th FIN segment of a picked connection
    uint32_t dropRst = 1;        //!< drop the n-th RST segment of a picked connection
    uint32_t dropFinAck = 1;     //!< drop the n-th segment that acknowledges a FIN

    // --- remote peer ---
    double peerCrashRate = 0;      //!< per peer host: goes silent at a random time while busy
    double rstExactRate = 0;       //!< per connection: a spoofed RST at exactly RCV.NXT
    double rstInWindowRate = 0;    //!< per connection: a RST inside the window, not at RCV.NXT
    double rstOutOfWindowRate = 0; //!< per connection: a RST outside the window
    double synRate = 0;            //!< per connection: an in-window SYN on the open connection
    double blackHoleRate = 0;      //!< per connection: the peer never acknowledges our FIN

    // --- offload target ---
    double hardwareFailureRate = 0; //!< per device: fails at a random time while busy
    uint32_t capacity = 0;          //!< MaxOffloadedConnections of every device (0: default)
    double slowCompletionRate = 0;  //!< per device: completions take slowCompletion
    Time slowCompletion = MilliSeconds(20); //!< CompletionLatency of a slow device (> 0)
    double retrieveRate = 0;                //!< per connection: the target indicates Retrieve ...
    /// ... with one of these reasons (ToString(ChimneyUploadReason) names, not "None" nor
    /// "HardwareFailure": that is hardwareFailureRate), drawn uniformly
    std::vector<std::string> retrieveReasons{"UploadRequested",
                                             "HighDropRate",
                                             "LowActivity",
                                             "SmallIO"};

    // --- host ---
    double terminatePendingDisconnectRate = 0; //!< per connection: terminate while a graceful
                                               //!< disconnect is pending
    double terminateAfterFinRate = 0;          //!< per connection: terminate right after our FIN
    double terminateRacingRstRate = 0; //!< per connection: terminate as a remote RST arrives
    double abortAfterGracefulRate = 0; //!< per connection: abortive disconnect after graceful
    double uploadAllRate = 0;          //!< per host: terminate every offloaded connection
    /// per connection: bad host calls, one of each class H1-H7 as its moment comes (SPEC 4),
    /// issued on purpose straight to the target, which must refuse each and change nothing
    double hostMisuseRate = 0;

    /**
     * \brief The fault kinds, in report order: "link.loss", "link.burst", "link.corrupt",
     *        "link.duplicate", "link.reorder", "link.drop-fin", "link.drop-rst",
     *        "link.drop-fin-ack", "peer.crash", "peer.rst-exact", "peer.rst-in-window",
     *        "peer.rst-out-of-window", "peer.syn", "peer.black-hole",
     *        "target.hardware-failure", "target.capacity", "target.slow-completion",
     *        "target.retrieve", "host.terminate-pending-disconnect", "host.terminate-after-fin",
     *        "host.terminate-racing-rst", "host.abort-after-graceful", "host.upload-all",
     *        "host.misuse".
     * \returns the names
     */
    static const std::vector<std::string>& Kinds();

    /// \returns the kinds this plan switches on (a rate > 0, or a capacity), in Kinds() order
    std::vector<std::string> ConfiguredKinds() const;

    /**
     * \brief Check every field.
     * \param error receives a one-line message naming the field when the plan is bad
     * \returns true when the plan is valid
     */
    bool Validate(std::string* error) const;

    /**
     * \brief Read a plan from JSON text: an object whose keys are field names; missing keys
     *        keep their current values. On any error *this is left unchanged.
     * \param text the JSON text
     * \param error receives a one-line message (key and reason) on failure
     * \returns true on success
     */
    bool FromJson(const std::string& text, std::string* error);

    /**
     * \brief Read a plan from a JSON file (see FromJson()).
     * \param path the file
     * \param error receives a one-line message on failure
     * \returns true on success
     */
    bool LoadFile(const std::string& path, std::string* error);

    /// \returns the plan as a JSON object with every field (stable key order)
    std::string ToJson() const;

    /**
     * \brief A plan with every fault kind switched on at moderate rates: what the default
     *        campaign and the randomized fault tests use.
     * \returns the plan
     */
    static ChimneyFaultPlan Everything();
};

} // namespace ns3

#endif // CHIMNEY_FAULT_PLAN_H
