/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCRIPT_TAP_H
#define CHIMNEY_SCRIPT_TAP_H

#include "ns3/chimney-interface.h"
#include "ns3/nstime.h"
#include "ns3/tcp-delegated-state.h"

#include <deque>
#include <functional>
#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A pass-through layer between a host stack and its offload target that records every
 *        request's return, completion and indication for a chimney script to check.
 *
 * It changes nothing: each call goes down and each completion and indication goes up
 * unchanged (same objects), so the host stack and the verifier see what they would without it.
 */
class ChimneyScriptTap : public ChimneyOffloadProvider, public ChimneyOffloadClient
{
  public:
    /// One completion or indication seen going up.
    struct Observed
    {
        bool completion{true};   //!< completion, else indication
        std::string what;        //!< "offload", "send", "receive", "disconnect", "terminate"
                                 //!< or "disconnect", "abort", "retrieve"
        OffloadHandle handle{0}; //!< the connection
        ChimneyStatus status{ChimneyStatus::SUCCESS}; //!< completion status
        uint64_t bytes{0};                            //!< bytes transferred (sum over a chain)
        ChimneyUploadReason reason{ChimneyUploadReason::NONE}; //!< Retrieve reason
        bool hasState{false};        //!< terminate: the returned delegated state is set
        TcpDelegatedState state;     //!< terminate: returned delegated state
        uint64_t sendChainBytes{0};  //!< terminate: bytes in the returned send chain
        uint32_t sendChainLength{0}; //!< terminate: NBLs in the returned send chain
        Time at;                     //!< when it was seen
    };

    /// One request seen going down.
    struct Request
    {
        std::string what;       //!< "offload", "send", "receive", "disconnect", "terminate"
        OffloadHandle handle;   //!< the connection (0 for a block list)
        ChimneyStatus returned; //!< what the layer below returned
    };

    /**
     * \brief Put the tap under a client and over a provider.
     * \param lower the provider (device or intermediate layer)
     */
    void SetLowerLayer(ChimneyOffloadProvider* lower);

    /// \returns completions and indications not consumed yet, oldest first
    std::deque<Observed>& Pending();
    /// \returns every request seen, in order
    const std::vector<Request>& Requests() const;
    /// \param f called after each completion or indication is recorded
    void SetNotify(std::function<void()> f);

    // ChimneyOffloadProvider
    void SetOffloadClient(ChimneyOffloadClient* client) override;
    ChimneyStatus InitiateOffload(Ptr<OffloadBlockList> blocks) override;
    ChimneyStatus TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    ChimneyStatus TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    ChimneyStatus TcpOffloadDisconnect(OffloadHandle handle,
                                       Ptr<NetBufferList> nbl,
                                       uint32_t flags) override;
    ChimneyStatus TerminateOffload(Ptr<OffloadBlockList> blocks) override;

    // ChimneyOffloadClient
    void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) override;
    void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadEvent(OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason) override;

  private:
    void Record(Observed o);
    static uint64_t ChainBytes(Ptr<const NetBufferList> nbls);
    void RecordBlocks(const std::string& what, Ptr<OffloadBlockList> blocks);

    ChimneyOffloadProvider* m_lower{nullptr};
    ChimneyOffloadClient* m_client{nullptr};
    std::deque<Observed> m_pending;
    std::vector<Request> m_requests;
    std::function<void()> m_notify;
};

} // namespace ns3

#endif // CHIMNEY_SCRIPT_TAP_H
