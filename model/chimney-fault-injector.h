/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FAULT_INJECTOR_H
#define CHIMNEY_FAULT_INJECTOR_H

#include "chimney-fault-plan.h"

#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace ns3
{

class ChimneyNetDevice;
class ChimneyHostStack;

/**
 * \ingroup chimney
 * \brief Applies a ChimneyFaultPlan to a simulation: one object per scenario, attached to
 *        every offloading host's link, offload target and host stack.
 *
 * The injector only uses what a real fault would: frames on the link (error models on the
 * receiving devices, spoofed frames sent from the far end of the link), the target's own
 * controls (hardware failure, capacity, completion latency, Retrieve indications) and the host
 * stack's public calls (Terminate, Disconnect). It learns connections and their sequence numbers
 * from the frames it sees, never from the engine. Every random pick uses this object's streams
 * (AssignStreams), so the same seed gives the same faults.
 *
 * Attach everything before Simulator::Run(); call the Attach* functions in a fixed order (host by
 * host) so that stream use is deterministic.
 *
 * Requirements and choices:
 *  - link devices are PointToPointNetDevice or CsmaNetDevice; AttachLink() installs a
 *    ChimneyLinkFaultModel as ReceiveErrorModel on both ends (replacing any other), one per far
 *    device however many links share it. Late (reordered) and duplicated frames re-enter the
 *    receiving device, so its MacRx, sniffers and pcap see them;
 *  - corruptRate > 0 needs the GlobalValue "ChecksumEnabled" set to true before AttachLink()
 *    (it aborts otherwise): receivers then drop the corrupted frames;
 *  - "busy" times are frame counts: a timed fault fires after a random number of frames on the
 *    link (per host / device / peer: 5..100) or of the connection (per connection: 4..15);
 *  - the peer's TCP (ns-3's TcpSocketBase) may never retransmit a lost FIN in LAST_ACK: give
 *    the host stacks a FinWait2Timeout, or a half-closed connection waits forever;
 *  - seed with RngSeedManager::SetRun (the run number): with small seeds (SetSeed) the first
 *    draws of MRG32k3a streams are strongly correlated across seeds.
 */
class ChimneyFaultInjector : public Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static TypeId GetTypeId();

    ChimneyFaultInjector();
    ~ChimneyFaultInjector() override;

    /**
     * \brief Set the plan (validated by the caller; aborts on an invalid plan).
     * \param plan the faults
     */
    void SetPlan(const ChimneyFaultPlan& plan);

    /// \returns the plan
    const ChimneyFaultPlan& GetPlan() const;

    /**
     * \brief Use fixed random-variable streams.
     * \param stream first stream index
     * \returns the number of streams used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * \brief Attach the link faults and peer faults to one offloading host's link.
     * \param hostDevice the offloading host's link device (the inner device of its chimney
     *        device)
     * \param farDevice the device at the other end of that link (the peer, or a router); spoofed
     *        RST/SYN frames leave from it, the peer's silence is applied there
     * \param peer the node whose TCP answers this host's connections (crash applies to it)
     */
    void AttachLink(Ptr<NetDevice> hostDevice, Ptr<NetDevice> farDevice, Ptr<Node> peer);

    /**
     * \brief Attach the offload-target faults to a chimney device (hardware failure, capacity,
     *        slow completions, Retrieve indications) and host.misuse, whose bad calls go
     *        straight to the device with its own handles (SPEC 4, H1-H7): a picked connection
     *        gets H1 (a send on a terminated or never-offloaded handle), H2 (a disconnect NBL
     *        with two NET_BUFFERs), H3 (disconnect flags 0x3) and H7 (its offload again, in
     *        TIME_WAIT and in ESTABLISHED) once it is offloaded and busy; H4 (a graceful
     *        disconnect again) and after a graceful one H5 (a send) right after its first
     *        disconnect; H6 (a second terminate) right after its terminate. Each call is
     *        announced on the "Misuse" trace first.
     * \param device the device
     */
    void AttachTarget(Ptr<ChimneyNetDevice> device);

    /**
     * \brief Attach the host faults to a host stack (terminates and aborts at awkward moments,
     *        upload-all).
     * \param stack the host stack
     */
    void AttachHost(Ptr<ChimneyHostStack> stack);

    /**
     * \brief How often each fault kind actually fired (every ChimneyFaultPlan::Kinds() name is
     *        present, zero when it never fired).
     * \returns kind -> count
     */
    std::map<std::string, uint64_t> GetFired() const;

    /**
     * \brief TracedCallback signature of the "Fault" trace.
     * \param kind the fault kind (ChimneyFaultPlan::Kinds())
     * \param nodeId the node it hit
     * \param detail one line: what was done (frame, connection, reason)
     */
    typedef void (*FaultTracedCallback)(std::string kind, uint32_t nodeId, std::string detail);

    /**
     * \brief TracedCallback signature of the "Misuse" trace: fired just before host.misuse
     *        issues a bad call, so that a verifier (ChimneyVerifier::ExpectMisuse) takes the
     *        call's refusal as expected, not as a finding.
     * \param device the target the call goes to
     * \param id the rule the call breaks, "H1" .. "H7"
     */
    typedef void (*MisuseTracedCallback)(Ptr<ChimneyNetDevice> device, std::string id);

    /**
     * \brief TracedCallback signature of the "Spoof" trace: fired just before a spoofed frame
     *        (peer.rst-*, peer.syn) leaves the far end of a link, so that a verifier watching
     *        that end (a chimney peer's device, ChimneyVerifier::AttachFaultInjector) takes the
     *        frame as forged on the wire, not as sent by that device's offload target.
     * \param device the link device the frame leaves from (the far device of AttachLink())
     * \param datagram the forged IPv4 datagram (the frame's packet: same uid)
     */
    typedef void (*SpoofTracedCallback)(Ptr<NetDevice> device, Ptr<const Packet> datagram);

  protected:
    void DoDispose() override;

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl; //!< the injectors (kept out of this header)
    TracedCallback<std::string, uint32_t, std::string> m_faultTrace;  //!< every fault fired
    TracedCallback<Ptr<ChimneyNetDevice>, std::string> m_misuseTrace; //!< misuse announced
    TracedCallback<Ptr<NetDevice>, Ptr<const Packet>> m_spoofTrace;   //!< spoofed frame sent
};

} // namespace ns3

#endif // CHIMNEY_FAULT_INJECTOR_H
