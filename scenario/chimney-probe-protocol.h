/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_PROBE_PROTOCOL_H
#define CHIMNEY_PROBE_PROTOCOL_H

#include "ns3/address.h"
#include "ns3/chimney-interface.h"
#include "ns3/ipv4-address.h"
#include "ns3/simple-ref-count.h"

#include <cstdint>
#include <set>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A second upper protocol for an intermediate driver (lifecycle scenario "two-uppers",
 *        A11): it offloads one idle connection of its own, posts receive buffers on it and
 *        terminates it, numbering its NBLs and block lists from 1 as every upper protocol does
 *        for itself, so that its ids and the host stack's coincide.
 *
 * The connection is established in the state handed over and idle: the target sends nothing
 * for it, the posted receives stay outstanding until the terminate completes them
 * (UPLOAD_IN_PROGRESS). Completions of NBLs it did not issue are counted, not used.
 */
class ChimneyProbeProtocol : public SimpleRefCount<ChimneyProbeProtocol>,
                             public ChimneyOffloadClient
{
  public:
    /// \param lower the binding it makes its requests on (set later with SetLower if null)
    explicit ChimneyProbeProtocol(ChimneyOffloadProvider* lower = nullptr);

    /// \param lower the binding it makes its requests on
    void SetLower(ChimneyOffloadProvider* lower);

    /**
     * \brief Offload the idle connection local:localPort -> remote:remotePort (handle 1000),
     *        then post `receives` receive NBLs of `size` bytes once it is offloaded.
     * \param local local address \param localPort local port
     * \param remote remote address \param remotePort remote port
     * \param remoteLink the next hop's link-layer address
     * \param receives receive NBLs to post \param size bytes each
     */
    void Offload(Ipv4Address local,
                 uint16_t localPort,
                 Ipv4Address remote,
                 uint16_t remotePort,
                 const Address& remoteLink,
                 uint32_t receives,
                 uint32_t size);

    /// Terminate the connection (its outstanding receives complete first).
    void Terminate();

    /// \returns completions of NBLs it issued
    uint32_t GetOwnCompletions() const;
    /// \returns completions of NBLs it did not issue (A11 broken above it)
    uint32_t GetForeignCompletions() const;
    /// \returns true once the terminate completed
    bool IsTerminated() const;

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
    /// Count an NBL completion: its own or not.
    void Count(Ptr<NetBufferList> nbls);

    ChimneyOffloadProvider* m_lower;         //!< the binding below
    uint64_t m_nextId{1};                    //!< ids from 1, like every upper
    Ptr<OffloadBlockList> m_offload;         //!< the offload request
    uint32_t m_receives{0};                  //!< receive NBLs to post
    uint32_t m_size{0};                      //!< their size
    bool m_offloaded{false};                 //!< the offload completed SUCCESS
    bool m_terminating{false};               //!< a terminate is pending
    bool m_terminated{false};                //!< the terminate completed
    std::set<const NetBufferList*> m_posted; //!< its outstanding NBLs
    uint32_t m_own{0};                       //!< completions of its NBLs
    uint32_t m_foreign{0};                   //!< completions of others' NBLs
};

} // namespace ns3

#endif // CHIMNEY_PROBE_PROTOCOL_H
