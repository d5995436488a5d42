/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_INTERFACE_CHECKER_H
#define CHIMNEY_VERIFIER_INTERFACE_CHECKER_H

#include "chimney-flat-map.h"
#include "chimney-verifier-reporter.h"
#include "chimney-verifier-shadow.h"

#include "ns3/nstime.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * The interface contract family (SPEC.md section 4, A), read from the device's request,
 * completion and indication traces (and the host stack's and intermediate drivers'); the
 * terminate's checks (A9) are in chimney-verifier-interface-terminate.cc:
 *  - A1 requests return PENDING (or INVALID_PARAMETER / INVALID_STATE for host misuse); no
 *    completion inside the call (seen from the target and from the host);
 *  - A2 exactly one completion per request, with the request's own NBL or block list;
 *  - A3 graceful SUCCESS only after the FIN and all data are acknowledged on the wire; bytes
 *    reported == bytes acknowledged;
 *  - A4 sends complete in posting order, all before the graceful disconnect's completion;
 *  - A5 on the target's RST, outstanding sends complete REQUEST_ABORTED, before the abortive
 *    disconnect completes;
 *  - A6 a disconnect fails only with UPLOAD_IN_PROGRESS or REQUEST_ABORTED;
 *  - A7 Disconnect indication at most once, only after the remote FIN and every earlier byte
 *    delivered;
 *  - A8 Abort indication only for an acceptable RST (the remote stream's end on the wire or
 *    the target's last ACK); then every outstanding request completes REQUEST_ABORTED;
 *  - A9 terminate: SUCCESS or FAILURE (FAILURE only after a hardware failure), every request
 *    completed first, the returned send chain the sends handed back in posting order, the
 *    state consistent with the wire;
 *  - A10 no completion or indication after the connection's terminate completed;
 *  - A11 end to end across the host stack and intermediate drivers: the same request ids and
 *    flags down, every completion up, to the upper protocol that issued it (ids are each
 *    upper's own); the NBL *objects* are followed by ChimneyVerifierNblIdentity.
 *
 * Exercised (ChimneyVerifierReporter::Exercised: the situation in which the check could fail
 * arose), per invariant:
 *  - A1 a request refused (its status is checked), or accepted on a connection that is aborted
 *    or being terminated, or a receive after the remote FIN (the target could complete it
 *    inside the call);
 *  - A2 a completion matched while another request of the same kind is outstanding (a wrong
 *    NBL or list could be completed);
 *  - A3 a graceful disconnect SUCCESS compared with the FIN and ACKs on the wire, or a failed
 *    send reporting a partial byte count compared with the ACKs;
 *  - A4 a send completion while two or more sends are outstanding (an acknowledgement that
 *    completes several sends, in order);
 *  - A5 a send outstanding when the target's RST went out completes, or a graceful disconnect
 *    pending at the abortive one completes;
 *  - A6 a disconnect completing with a failure status;
 *  - A7 a Disconnect indication after remote data (delivery order matters);
 *  - A8 an Abort indication with requests outstanding, or a remote RST that is not acceptable
 *    (no Abort may follow);
 *  - A9 a terminate returning two or more send NBLs (their chain order is checked);
 *  - A10 a remote segment arriving for a connection whose terminate completed (the target
 *    could still complete or indicate);
 *  - A11 a completion through an intermediate driver with two or more upper protocols (it
 *    could go to the wrong one).
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Checks the A invariants (see the file's description).
 *
 * Its own state: per host stack, the request ids seen by the host and the target (A11, A1 from
 * the caller's side); per intermediate driver, which upper protocol issued each request id.
 */
class ChimneyVerifierInterfaceChecker
{
  public:
    /// An intermediate driver's requests: request id -> the upper protocol that issued it.
    struct LayerIssuers
    {
        /// request id -> upper name (several: every upper numbers its requests from 1)
        std::unordered_multimap<uint64_t, std::string> issuer;
        std::set<std::string> uppers; //!< every upper seen (coverage)
    };

    /**
     * \param reporter where findings go
     * \param requestTimeout A11's age limit at Finish() (the RequestTimeout attribute)
     */
    ChimneyVerifierInterfaceChecker(ChimneyVerifierReporter& reporter, const Time& requestTimeout);

    /**
     * \brief A1: a refused request (not host misuse, which the misuse checker owns).
     * \param d the device \param c the record (or null) \param call the call
     * \param returned the status \param misuseExpected the request stream shows host misuse
     * \param evidence the call
     */
    void CheckRefusal(const ShadowDevice& d,
                      const ShadowConnection* c,
                      const ShadowPendingCall& call,
                      ChimneyStatus returned,
                      bool misuseExpected,
                      const ChimneyEvidence& evidence);

    /**
     * \brief A2: an offload or terminate list completion.
     * \param d the device \param op the operation \param list the outstanding list (or null)
     * \param status its status \param evidence the completion
     * \returns false when the list was not outstanding
     */
    bool CheckListCompletion(const ShadowDevice& d,
                             ChimneyOp op,
                             const OffloadBlockList* list,
                             ChimneyStatus status,
                             const ChimneyEvidence& evidence);

    /**
     * \brief A10 / A2: a completion or an indication for a connection not live.
     * \param d the device \param c the record (null when none) \param handle the handle
     * \param completionOf the completion's operation; none: an indication (for a handle never
     *        offloaded, only a completion is A2)
     * \param evidence the upcall
     * \returns true when the connection is live (the upcall is checked further)
     */
    bool CheckConnectionLive(const ShadowDevice& d,
                             const ShadowConnection* c,
                             OffloadHandle handle,
                             std::optional<ChimneyOp> completionOf,
                             const ChimneyEvidence& evidence);

    /**
     * \brief A2 / A1 / A3 / A4 / A5 / A8 / A9: a send completion or a send handed back.
     * \param d the device \param c the record \param r the request (null: not outstanding)
     * \param inOrder no earlier send outstanding \param op SEND or SEND_RETURNED
     * \param status status \param bytes bytes \param evidence the completion
     */
    void CheckSendCompletion(const ShadowDevice& d,
                             const ShadowConnection& c,
                             const ShadowSendRequest* r,
                             bool inOrder,
                             ChimneyOp op,
                             ChimneyStatus status,
                             uint64_t bytes,
                             const ChimneyEvidence& evidence);

    /**
     * \brief A2 / A1 / A8 / A9: a receive completion.
     * \param d the device \param c the record \param r the request (null: not outstanding)
     * \param status status \param bytes bytes \param evidence the completion
     * \returns false when not outstanding
     */
    bool CheckReceiveCompletion(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const ShadowReceiveRequest* r,
                                ChimneyStatus status,
                                uint64_t bytes,
                                const ChimneyEvidence& evidence);

    /**
     * \brief A2 / A1 / A6 / A8 / A4 / A5 / A3: a disconnect completion.
     * \param d the device \param c the record \param r the request (null: not outstanding)
     * \param graceful its kind \param status status \param bytes bytes
     * \param evidence the completion
     * \returns false when not outstanding
     */
    bool CheckDisconnectCompletion(const ShadowDevice& d,
                                   const ShadowConnection& c,
                                   const ShadowDisconnectRequest* r,
                                   bool graceful,
                                   ChimneyStatus status,
                                   uint64_t bytes,
                                   const ChimneyEvidence& evidence);

    /**
     * \brief A2: an offload block completion whose offload is not outstanding.
     * \param d the device \param c the record (or null) \param handle the handle
     * \param evidence the completion
     */
    void ReportOffloadNotOutstanding(const ShadowDevice& d,
                                     const ShadowConnection* c,
                                     OffloadHandle handle,
                                     const ChimneyEvidence& evidence);

    /**
     * \brief A2 / A9: a terminate block completion's phase and status.
     * \param d the device \param c the record \param status status \param evidence completion
     */
    void CheckTerminateBlockStatus(const ShadowDevice& d,
                                   const ShadowConnection& c,
                                   ChimneyStatus status,
                                   const ChimneyEvidence& evidence);

    /**
     * \brief A9: a request still outstanding at the terminate block completion.
     * \param d the device \param c the record \param evidence the completion
     */
    void CheckTerminateOutstanding(const ShadowDevice& d,
                                   const ShadowConnection& c,
                                   const ChimneyEvidence& evidence);

    /**
     * \brief A9: the returned send chain.
     * \param d the device \param c the record \param block the returned block
     * \param evidence the completion
     * \returns false when the connection is dead (its state does not continue anywhere)
     */
    bool CheckReturnedSendChain(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const TcpOffloadBlock& block,
                                const ChimneyEvidence& evidence);

    /**
     * \brief A9: the returned SndUna / SndNxt / SndMax and where the send data starts.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedSendState(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const TcpDelegatedState& s,
                                const ChimneyEvidence& evidence);

    /**
     * \brief A9: the returned FIN request.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     * \returns true when a FIN is owed and returned (its sequence is W2's)
     */
    bool CheckReturnedFin(const ShadowDevice& d,
                          const ShadowConnection& c,
                          const TcpDelegatedState& s,
                          const ChimneyEvidence& evidence);

    /**
     * \brief A9: the returned RcvNxt against what the peer sent.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedRcvNxt(const ShadowDevice& d,
                             const ShadowConnection& c,
                             const TcpDelegatedState& s,
                             const ChimneyEvidence& evidence);

    /**
     * \brief A9: everything received acknowledged before the terminate completed.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedAck(const ShadowDevice& d,
                          const ShadowConnection& c,
                          const TcpDelegatedState& s,
                          const ChimneyEvidence& evidence);

    /**
     * \brief A7: a Disconnect indication.
     * \param d the device \param c the record \param evidence the indication
     * \returns true when in order (the delivered data is then compared, E1)
     */
    bool CheckDisconnectIndication(const ShadowDevice& d,
                                   const ShadowConnection& c,
                                   const ChimneyEvidence& evidence);

    /**
     * \brief A8: an Abort indication.
     * \param d the device \param c the record \param evidence the indication
     */
    void CheckAbortIndication(const ShadowDevice& d,
                              const ShadowConnection& c,
                              const ChimneyEvidence& evidence);

    // --- coverage only (the situation arose; nothing is checked here) ---

    /**
     * \brief A1: a request accepted (before the shadow applies it).
     * \param c the record (or null) \param call the call
     */
    void NoteAcceptedRequest(const ShadowConnection* c, const ShadowPendingCall& call);
    /// A8: a remote RST (after the shadow decided whether it is acceptable). \param c the record
    void NoteRemoteRst(const ShadowConnection& c);
    /// A10: a remote segment for a connection whose terminate completed.
    void NoteRemoteAfterTerminate();

    // --- A11 and A1 from the host's side ---

    /**
     * \brief The target accepted a request of a device on a host stack's node.
     * \param d the device \param id request id \param flags flags
     */
    void OnDeviceRequest(const ShadowDevice& d, uint64_t id, uint32_t flags);
    /**
     * \brief The target completed a request of a device on a host stack's node.
     * \param d the device \param id request id
     */
    void OnDeviceCompletion(const ShadowDevice& d, uint64_t id);
    /**
     * \brief A send handed back in the terminate's chain: not completed up.
     * \param d the device \param id request id
     */
    void OnSendReturned(const ShadowDevice& d, uint64_t id);
    /**
     * \brief The host stack's Call trace.
     * \param h the host \param op op \param handle handle \param id id \param flags flags
     * \param returned status
     */
    void OnHostCall(const ShadowHost& h,
                    ChimneyOp op,
                    OffloadHandle handle,
                    uint64_t id,
                    uint32_t flags,
                    ChimneyStatus returned);
    /**
     * \brief The host stack's Upcall trace.
     * \param h the host \param op op \param handle handle \param id id \param status status
     * \param bytes bytes
     */
    void OnHostUpcall(const ShadowHost& h,
                      ChimneyOp op,
                      OffloadHandle handle,
                      uint64_t id,
                      ChimneyStatus status,
                      uint64_t bytes);
    /// \returns the state of a newly attached intermediate driver (owned by the checker)
    LayerIssuers* AddLayer();
    /**
     * \brief An intermediate driver's Request trace.
     * \param l the driver's state \param upper the issuer \param id id \param returned status
     */
    void OnLayerRequest(LayerIssuers& l,
                        const std::string& upper,
                        uint64_t id,
                        ChimneyStatus returned);
    /**
     * \brief An intermediate driver's Completion trace.
     * \param l the driver's state \param upper the receiver \param op op \param handle handle
     * \param id id \param status status
     */
    void OnLayerCompletion(LayerIssuers& l,
                           const std::string& upper,
                           ChimneyOp op,
                           OffloadHandle handle,
                           uint64_t id,
                           ChimneyStatus status);
    /// A11 at the end of the run: requests lost on the way. \param h the host
    void FinishHost(const ShadowHost& h);
    /// Forget everything (the verifier is disposed).
    void Clear();

  private:
    /// One request id seen by the host and/or the target.
    struct Track
    {
        uint32_t hostFlags = 0;    //!< flags the host passed
        uint32_t devFlags = 0;     //!< flags the target received
        bool hostCalled = false;   //!< the host's call returned PENDING
        bool devSeen = false;      //!< the target accepted it
        bool devCompleted = false; //!< the target completed it
        bool upcalled = false;     //!< the host received its completion
        Time since;                //!< first seen
    };

    /// A host's request ids.
    using Tracks = ChimneyFlatMap<uint64_t, Track>;

    /// \param h a host \returns its request ids
    Tracks& TracksOf(const ShadowHost& h)
    {
        if (h.index >= m_tracks.size())
        {
            m_tracks.resize(h.index + 1);
        }
        return m_tracks[h.index];
    }

    /// A1 and A2 of a completion matched to its request. \param d the device \param c the
    /// record \param kind "send", ... \param requestEvent the request's simulator event
    /// \param nbl the request's NBL \param status status \param bytes bytes
    /// \param quoteNblStatus name the NBL's status \param evidence the completion
    void CheckMatchedCompletion(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const char* kind,
                                uint64_t requestEvent,
                                const Ptr<const NetBufferList>& nbl,
                                ChimneyStatus status,
                                uint64_t bytes,
                                bool quoteNblStatus,
                                const ChimneyEvidence& evidence);
    /// A8: a request outstanding at the Abort indication (mustAbort) completes REQUEST_ABORTED.
    /// \param d the device \param c the record \param kind "send", ... \param mustAbort the fact
    /// \param status status \param evidence the completion
    void CheckAbortIndicationCompletion(const ShadowDevice& d,
                                        const ShadowConnection& c,
                                        const char* kind,
                                        bool mustAbort,
                                        ChimneyStatus status,
                                        const ChimneyEvidence& evidence);
    /// A8 / A9: REQUEST_ABORTED only after an abort, UPLOAD_IN_PROGRESS only after a terminate
    /// request. \param d the device \param c the record \param kind "send", ...
    /// \param status status \param evidence the completion
    /// \returns true when status is one of the two
    bool CheckAbortedOrUploaded(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const char* kind,
                                ChimneyStatus status,
                                const ChimneyEvidence& evidence);

    ChimneyVerifierReporter& m_reporter;                 //!< where findings go
    const Time& m_requestTimeout;                        //!< A11's age limit at Finish()
    std::vector<Tracks> m_tracks;                        //!< by host index
    std::vector<std::unique_ptr<LayerIssuers>> m_layers; //!< attached intermediate drivers
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_INTERFACE_CHECKER_H
