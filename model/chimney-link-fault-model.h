/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_LINK_FAULT_MODEL_H
#define CHIMNEY_LINK_FAULT_MODEL_H

#include "wire-segment.h"

#include "ns3/error-model.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <functional>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The wire's faults at one receiving link device: an ErrorModel installed as the
 *        device's ReceiveErrorModel (PointToPointNetDevice or CsmaNetDevice).
 *
 * For each arriving frame it asks a judge (the ChimneyFaultInjector) for a verdict and carries
 * it out where a real network would: the frame is lost, arrives with one byte flipped, arrives
 * late (held back, then handed to the device's receive path again: reordering), or arrives
 * twice. Late and duplicate frames really enter the device (its MacRx, sniffers and pcap see
 * them), so an observer of the link sees exactly what the receiver gets.
 *
 * This class holds only the mechanics; every decision (and its randomness) is the judge's.
 */
class ChimneyLinkFaultModel : public ErrorModel
{
  public:
    /// What happens to one frame.
    enum class Action : uint8_t
    {
        PASS,      //!< delivered unchanged
        DROP,      //!< lost
        CORRUPT,   //!< delivered with the byte at `offset` XORed with `mask`
        HOLD,      //!< delivered `delay` later (frames behind it overtake it)
        DUPLICATE, //!< delivered now, and a copy `delay` later
    };

    /// A judge's decision about one frame.
    struct Verdict
    {
        Action action = Action::PASS; //!< what to do
        Time delay;                   //!< HOLD / DUPLICATE: how much later (> 0)
        uint32_t offset = 0;          //!< CORRUPT: frame byte to flip
        uint8_t mask = 0;             //!< CORRUPT: XOR mask (non-zero)
    };

    /// Decides a frame's fate; the frame still carries its link header (and CSMA trailer).
    using Judge = std::function<Verdict(Ptr<const Packet> frame)>;

    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyLinkFaultModel();
    ~ChimneyLinkFaultModel() override;

    /**
     * \brief Become the device's ReceiveErrorModel (replacing any other).
     * \param device a PointToPointNetDevice or CsmaNetDevice (others abort)
     * \param peer a device on the same link (a CSMA re-injection names it as the sender)
     */
    void Install(Ptr<NetDevice> device, Ptr<NetDevice> peer);

    /// \param judge decides every frame (unset: every frame passes)
    void SetJudge(Judge judge);

    /// \returns the device's link framing
    WireLinkType GetLinkType() const;

    /// \returns the device the model is installed on
    Ptr<NetDevice> GetDevice() const;

  protected:
    void DoDispose() override;

  private:
    bool DoCorrupt(Ptr<Packet> p) override;
    void DoReset() override;
    /// Hand a held or duplicated frame to the device's receive path (the judge is not asked).
    void Reinject(Ptr<Packet> frame);

    // Plain pointers: the device owns this model (ReceiveErrorModel), and CsmaNetDevice does
    // not drop it on dispose, so a Ptr here would be a reference cycle that leaks both.
    NetDevice* m_device{nullptr}; //!< the device this model is installed on
    NetDevice* m_peer{nullptr};   //!< the device at the other end (CSMA re-injection)
    WireLinkType m_link{WireLinkType::PPP};
    Judge m_judge;
    bool m_reinjecting{false}; //!< inside Reinject(): pass the frame through
};

} // namespace ns3

#endif // CHIMNEY_LINK_FAULT_MODEL_H
