/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_DEFECT_H
#define CHIMNEY_DEFECT_H

#include "chimney-interface.h"
#include "tcp-segment.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ns3
{

class ChimneyOffloadConnection;
struct TcpDelegatedState;

/**
 * \ingroup chimney
 * \brief A seeded defect of the offload target: hooks at named points of ChimneyNetDevice and
 *        ChimneyOffloadConnection, each a no-op (the correct target) unless overridden.
 *
 * A defect makes the target break one SPEC rule in one way, so that a verifier can be shown to
 * catch it. Each is a short subclass in model/defects/, listed with the scenario that exposes it
 * and the invariant IDs it must trip in ChimneyDefectRegistry (chimney-defect-registry.h); the
 * device's Defect attribute picks one by name. To add one: a subclass, one registry row.
 *
 * One instance serves one device; per-connection memory a defect needs is its own.
 */
class ChimneyDefect
{
  public:
    virtual ~ChimneyDefect() = default;

    // --- receive path ---
    /// \returns true when segments still reach the connection after our RST (W6 broken)
    virtual bool TakesSegmentsAfterReset() const
    {
        return false;
    }

    /**
     * \brief A segment reached the connection after our RST (only if TakesSegmentsAfterReset).
     * \param c the connection
     * \param segment the segment
     */
    virtual void OnSegmentAfterReset(ChimneyOffloadConnection& /* c */,
                                     const TcpSegment& /* segment */)
    {
    }

    /**
     * \brief Before a received segment goes to the engine.
     * \param c the connection
     * \param segment the segment
     * \returns a segment the engine gets instead (no SYN check), or nothing (correct path)
     */
    virtual std::optional<TcpSegment> ReplaceReceived(const ChimneyOffloadConnection& /* c */,
                                                      const TcpSegment& /* segment */)
    {
        return std::nullopt;
    }

    // --- send half ---
    /**
     * \brief The graceful disconnect's data is about to go to the engine.
     * \param c the connection
     * \returns false when none of it may (the data is skipped)
     */
    virtual bool SendsDisconnectData(const ChimneyOffloadConnection& /* c */)
    {
        return true;
    }

    /**
     * \brief The graceful disconnect's FIN is about to be issued.
     * \param c the connection
     * \param now the time, ns
     * \returns true when the defect ended the disconnect its own way (no FIN)
     */
    virtual bool ReplacesFin(ChimneyOffloadConnection& /* c */, int64_t /* now */)
    {
        return false;
    }

    /**
     * \brief One round of the connection's pump, after acked sends completed.
     * \param c the connection
     */
    virtual void OnPumpRound(ChimneyOffloadConnection& /* c */)
    {
    }

    /**
     * \brief Before acknowledged sends complete (A4).
     * \param c the connection
     * \returns false when they are held back this time
     */
    virtual bool CompletesAckedSends(ChimneyOffloadConnection& /* c */)
    {
        return true;
    }

    /**
     * \brief After the pump's rounds, before the Disconnect indication is considered (A7).
     * \param c the connection
     */
    virtual void BeforeDisconnectIndication(ChimneyOffloadConnection& /* c */)
    {
    }

    /**
     * \brief Our first FIN went on the wire.
     * \param c the connection
     * \param fin the segment
     */
    virtual void OnFinTransmitted(ChimneyOffloadConnection& /* c */, const TcpSegment& /* fin */)
    {
    }

    /// \returns true when RewriteTransmitted() must see every segment before it goes out
    virtual bool RewritesTransmitted() const
    {
        return false;
    }

    /**
     * \brief A segment of the connection is about to go on the wire (only if
     *        RewritesTransmitted()).
     * \param c the connection
     * \param segment the segment, which the defect may change
     */
    virtual void RewriteTransmitted(const ChimneyOffloadConnection& /* c */,
                                    TcpSegment& /* segment */)
    {
    }

    /**
     * \brief An RST went on the wire, or an acceptable one was received.
     * \param c the connection
     */
    virtual void OnReset(ChimneyOffloadConnection& /* c */)
    {
    }

    // --- completions ---
    /**
     * \brief A send request was accepted (inside the call).
     * \param c the connection
     * \param nbls its NBLs
     */
    virtual void OnSendAccepted(ChimneyOffloadConnection& /* c */,
                                const std::vector<Ptr<NetBufferList>>& /* nbls */)
    {
    }

    /**
     * \param c the connection
     * \param nbl a send NBL that completes
     * \returns how many times its completion reaches the host (1 when correct, A2)
     */
    virtual uint32_t SendCompletions(ChimneyOffloadConnection& /* c */,
                                     Ptr<NetBufferList> /* nbl */)
    {
        return 1;
    }

    // --- offload and terminate ---
    /// \returns true when offloads are accepted beyond MaxOffloadedConnections (R5 broken)
    virtual bool IgnoresCapacity() const
    {
        return false;
    }

    /**
     * \brief The delegated state was exported for a terminate.
     * \param c the connection
     * \param state the state handed back
     */
    virtual void OnExport(const ChimneyOffloadConnection& /* c */, TcpDelegatedState& /* state */)
    {
    }

    /**
     * \brief A send NBL is about to be returned in the terminate's send chain.
     * \param c the connection
     * \param index its index in c.sends
     * \param state the state handed back
     * \returns false when it and the NBLs after it are not returned
     */
    virtual bool ReturnsSend(const ChimneyOffloadConnection& /* c */,
                             uint32_t /* index */,
                             TcpDelegatedState& /* state */)
    {
        return true;
    }

    /**
     * \brief The send NBLs of the terminate's send chain, in posting order (their status,
     *        bytes and returned data already set), about to be linked into the chain.
     * \param c the connection
     * \param chain the NBLs; the defect may reorder them (A9)
     */
    virtual void OrderSendChain(const ChimneyOffloadConnection& /* c */,
                                std::vector<Ptr<NetBufferList>>& /* chain */)
    {
    }

    // --- intermediate drivers above the device (ChimneyIntermediateDriver takes the defect of
    // the device it is stacked on) ---

    /**
     * \brief A send or receive NBL completion is about to be passed up by a layer.
     * \param nbl the NBL (chain) the layer received from below
     * \returns what the layer passes up instead (nbl itself when correct, A11)
     */
    virtual Ptr<NetBufferList> PassedUpByLayer(Ptr<NetBufferList> nbl)
    {
        return nbl;
    }

    /// \returns true when a layer routes NBL completions by request id, not by the context
    /// stored with the NBL (A11)
    virtual bool LayerRoutesById() const
    {
        return false;
    }

    /**
     * \param c the connection whose terminate completes
     * \returns true when its ledger entry is freed now (R2)
     */
    virtual bool FreesLedgerAtTerminate(const ChimneyOffloadConnection& /* c */)
    {
        return true;
    }

    /**
     * \brief The terminate completed; the device forgets the connection after this call.
     * \param c the connection: a defect may take it over
     */
    virtual void OnTerminated(std::unique_ptr<ChimneyOffloadConnection>& /* c */)
    {
    }
};

} // namespace ns3

#endif // CHIMNEY_DEFECT_H
