/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TIMELINE_H
#define CHIMNEY_TIMELINE_H

#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/net-device.h"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A printed timeline of one or more chimney hosts: the host stack's requests (with what
 *        they returned), completions, indications and phase changes, and the control segments
 *        (SYN, FIN, RST) each host put on the wire.
 *
 * Lines look like
 * \verbatim
   0.110096 s  client  call     Disconnect h=1 nbl=9 GRACEFUL -> PENDING
   0.130201 s  client  wire     FIN seq=1234 ack=1 len=100
   0.140310 s  client  complete Disconnect h=1 nbl=9 SUCCESS bytes=100
 \endverbatim
 * They are printed as they happen (when an output stream is given) and kept for Lines().
 */
class ChimneyTimeline
{
  public:
    /**
     * \param out where to print lines as they happen (nullptr: keep only)
     */
    explicit ChimneyTimeline(std::ostream* out = nullptr);

    /**
     * \brief Follow a host: its stack's traces and its chimney device's wire.
     * \param name the host's label in the timeline
     * \param stack the host stack
     */
    void Attach(const std::string& name, Ptr<ChimneyHostStack> stack);

    /**
     * \brief Follow an intermediate layer: the requests it passes down and the completions
     *        and indications it passes up, per upper protocol.
     * \param name the layer's label in the timeline
     * \param layer the layer
     */
    void AttachLayer(const std::string& name, Ptr<ChimneyIntermediateDriver> layer);

    /**
     * \brief Print the Send and Receive requests and their SUCCESS completions (default:
     *        true). Other completions of them (REQUEST_ABORTED, UPLOAD_IN_PROGRESS, ...) are
     *        always printed.
     * \param show false to leave them out of a long transfer's timeline
     */
    void SetDataCalls(bool show);

    /**
     * \brief Also print every data segment on the wire (default: SYN, FIN and RST only).
     * \param all true for every TCP segment
     */
    void SetWireDetail(bool all);

    /// \returns every line so far
    const std::vector<std::string>& Lines() const;

  private:
    void Add(const std::string& host, const std::string& what, const std::string& text);
    void OnCall(const std::string* host,
                ChimneyOp op,
                OffloadHandle h,
                uint64_t id,
                uint32_t flags,
                ChimneyStatus st);
    void OnUpcall(const std::string* host,
                  ChimneyOp op,
                  OffloadHandle h,
                  uint64_t id,
                  ChimneyStatus st,
                  uint64_t bytes);
    void OnEvent(const std::string* host, OffloadHandle h, ChimneyEvent e, ChimneyUploadReason r);
    void OnPhase(const std::string* host,
                 OffloadHandle h,
                 std::string from,
                 std::string to,
                 std::string detail);
    void OnWire(const std::string* host, uint8_t linkType, Ptr<const Packet> p);
    void OnLayerRequest(const std::string* layer,
                        std::string upper,
                        ChimneyOp op,
                        OffloadHandle h,
                        uint64_t id,
                        uint32_t flags,
                        ChimneyStatus st);
    void OnLayerCompletion(const std::string* layer,
                           std::string upper,
                           ChimneyOp op,
                           OffloadHandle h,
                           uint64_t id,
                           ChimneyStatus st);
    void OnLayerIndication(const std::string* layer,
                           std::string upper,
                           OffloadHandle h,
                           ChimneyEvent e,
                           ChimneyUploadReason r);
    bool Hidden(ChimneyOp op, ChimneyStatus st) const;
    const std::string* Name(const std::string& name);

    std::ostream* m_out;
    bool m_allSegments{false};
    bool m_dataCalls{true};
    std::vector<std::unique_ptr<std::string>> m_names; //!< stable addresses for the callbacks
    std::vector<std::string> m_lines;
};

} // namespace ns3

#endif // CHIMNEY_TIMELINE_H
