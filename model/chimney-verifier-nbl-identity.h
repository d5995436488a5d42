/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_NBL_IDENTITY_H
#define CHIMNEY_VERIFIER_NBL_IDENTITY_H

#include "chimney-flat-map.h"
#include "chimney-status.h"
#include "chimney-types.h"
#include "chimney-verifier-reporter.h"
#include "net-buffer-list.h"

#include "ns3/ptr.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * A11 by NBL identity (SPEC.md section 4: "an intermediate layer passes the same NBL and flags
 * down and the same NBL up, to the upper protocol that issued it"): the NBL *object*, not its
 * id, is followed across every boundary that is observed: the host stack's call and upcall
 * (ChimneyHostStack NblCall / NblUpcall), each intermediate driver's entry from an upper and
 * its completion to an upper (NblRequest / NblCompletion), and the target's request
 * (ChimneyNetDevice RequestObjects). At each boundary the object must be the one the boundary
 * above issued or passed with that id, and a completion must reach the upper the object came
 * from. Ids are the issuer's own (every upper numbers its NBLs from 1), so two uppers' NBLs may
 * share an id: only an object the boundary above holds *with that id* and that differs is a
 * copy; an id nobody above holds is not judged (an upper that is not observed).
 */

namespace ns3
{

struct ShadowDevice;

/**
 * \ingroup chimney
 * \brief Follows NBL objects across hosts, intermediate drivers and targets (A11).
 *
 * Its own state: per host stack, the NBL issued under each id and not yet completed back;
 * per intermediate driver, each NBL object that entered from an upper and not yet went up.
 * Each boundary reports each kind of break once (the first NBL), as the reporter suppresses
 * repeats on a connection.
 */
class ChimneyVerifierNblIdentity
{
  public:
    /// Where an NBL came from: an observed host stack or intermediate driver, or neither.
    struct Boundary
    {
        /// The kind of boundary.
        enum Kind : uint8_t
        {
            NONE,  //!< not observed: nothing to compare with
            HOST,  //!< a host stack (index: ShadowHost::index)
            LAYER, //!< an intermediate driver (index: AddLayer()'s)
        };

        Kind kind = NONE;   //!< the kind
        uint32_t index = 0; //!< which one
    };

    /// \param reporter where findings go
    explicit ChimneyVerifierNblIdentity(ChimneyVerifierReporter& reporter);

    /// \param name the driver's name in findings \returns the new driver's index
    uint32_t AddLayer(const std::string& name);

    /**
     * \brief A host stack's request NBL, just before its call.
     * \param host its index \param nbl the NBL
     */
    void OnHostCall(uint32_t host, const Ptr<const NetBufferList>& nbl);
    /**
     * \brief A host stack's request returned (its Call trace).
     * \param host its index \param id the NBL's id \param returned the status
     */
    void OnHostCallReturned(uint32_t host, uint64_t id, ChimneyStatus returned);
    /**
     * \brief An NBL completion reached a host stack.
     * \param host its index \param d its device (findings) \param op the operation
     * \param handle the handle \param nbl the NBL
     */
    void OnHostUpcall(uint32_t host,
                      const ShadowDevice* d,
                      ChimneyOp op,
                      OffloadHandle handle,
                      const NetBufferList* nbl);
    /**
     * \brief An NBL entered an intermediate driver from an upper.
     * \param layer its index \param from the upper's boundary \param upper the upper's name
     * \param op the operation \param handle the upper's handle \param nbl the NBL
     */
    void OnLayerIn(uint32_t layer,
                   const Boundary& from,
                   const std::string& upper,
                   ChimneyOp op,
                   OffloadHandle handle,
                   const Ptr<const NetBufferList>& nbl);
    /**
     * \brief The lower layer refused an NBL request at once (nothing will come back).
     * \param layer its index \param upper the upper's name \param id the (head) NBL's id
     */
    void OnLayerRefused(uint32_t layer, const std::string& upper, uint64_t id);
    /**
     * \brief An intermediate driver passed an NBL completion to an upper.
     * \param layer its index \param upper the upper's name \param op the operation
     * \param handle the upper's handle \param nbl the NBL
     */
    void OnLayerUp(uint32_t layer,
                   const std::string& upper,
                   ChimneyOp op,
                   OffloadHandle handle,
                   const NetBufferList* nbl);
    /**
     * \brief An NBL request reached the target.
     * \param d the target \param from its offload client's boundary \param op the operation
     * \param handle the handle \param nbl the NBL
     */
    void OnDeviceIn(const ShadowDevice& d,
                    const Boundary& from,
                    ChimneyOp op,
                    OffloadHandle handle,
                    const NetBufferList& nbl);

    /// Forget everything (the verifier is disposed).
    void Clear();

  private:
    /// An NBL in an intermediate driver.
    struct LayerNbl
    {
        Ptr<const NetBufferList> nbl; //!< the object (kept alive: addresses stay unique)
        std::string upper;            //!< the upper it came from
    };

    /// A host stack's state.
    struct Host
    {
        ChimneyFlatMap<uint64_t, Ptr<const NetBufferList>> issued; //!< by id
        bool reported = false;                                     //!< a break reported
    };

    /// An intermediate driver's state.
    struct Layer
    {
        std::string name;                                             //!< for findings
        std::unordered_map<const NetBufferList*, LayerNbl> in;        //!< entered, not gone up
        std::unordered_multimap<uint64_t, const NetBufferList*> byId; //!< same, by id
        bool copyReported = false;                                    //!< a copy reported
        bool routeReported = false;                                   //!< a wrong upper reported
    };

    /// \param h a host index \returns its state
    Host& HostAt(uint32_t h)
    {
        if (h >= m_hosts.size())
        {
            m_hosts.resize(h + 1);
        }
        return m_hosts[h];
    }

    /// \returns true when the boundary above holds another object under nbl's id
    bool IsCopy(const Boundary& from, const NetBufferList& nbl) const;
    /// Forget an NBL of a layer. \param l the layer \param nbl the object
    static void Forget(Layer& l, const NetBufferList* nbl);

    ChimneyVerifierReporter& m_reporter; //!< where findings go
    std::vector<Host> m_hosts;           //!< by ShadowHost::index
    std::vector<Layer> m_layers;         //!< by AddLayer() index
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_NBL_IDENTITY_H
