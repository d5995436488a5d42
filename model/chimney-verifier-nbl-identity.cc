/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-nbl-identity.h"

#include "chimney-verifier-shadow.h"

namespace ns3
{

namespace
{

/// "Send NBL id 7 (h=1)": findings quote the NBL.
std::string
NblText(ChimneyOp op, OffloadHandle handle, const NetBufferList& nbl)
{
    return std::string(ToString(op)) + " NBL id " + std::to_string(nbl.id) +
           " (h=" + std::to_string(handle) + ")";
}

} // namespace

ChimneyVerifierNblIdentity::ChimneyVerifierNblIdentity(ChimneyVerifierReporter& reporter)
    : m_reporter(reporter)
{
}

uint32_t
ChimneyVerifierNblIdentity::AddLayer(const std::string& name)
{
    m_layers.emplace_back();
    m_layers.back().name = name;
    return static_cast<uint32_t>(m_layers.size() - 1);
}

bool
ChimneyVerifierNblIdentity::IsCopy(const Boundary& from, const NetBufferList& nbl) const
{
    if (from.kind == Boundary::HOST)
    {
        if (from.index >= m_hosts.size())
        {
            return false;
        }
        const auto& issued = m_hosts[from.index].issued;
        const Ptr<const NetBufferList>* same = issued.Find(nbl.id);
        return same != nullptr && PeekPointer(*same) != &nbl;
    }
    if (from.kind == Boundary::LAYER && from.index < m_layers.size())
    {
        const Layer& l = m_layers[from.index];
        auto range = l.byId.equal_range(nbl.id);
        if (range.first == range.second)
        {
            return false;
        }
        for (auto it = range.first; it != range.second; ++it)
        {
            if (it->second == &nbl)
            {
                return false;
            }
        }
        return true;
    }
    return false;
}

void
ChimneyVerifierNblIdentity::Forget(Layer& l, const NetBufferList* nbl)
{
    auto it = l.in.find(nbl);
    if (it == l.in.end())
    {
        return;
    }
    auto range = l.byId.equal_range(it->second.nbl->id);
    for (auto b = range.first; b != range.second; ++b)
    {
        if (b->second == nbl)
        {
            l.byId.erase(b);
            break;
        }
    }
    l.in.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Host stacks
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierNblIdentity::OnHostCall(uint32_t host, const Ptr<const NetBufferList>& nbl)
{
    if (nbl)
    {
        HostAt(host).issued[nbl->id] = nbl;
    }
}

void
ChimneyVerifierNblIdentity::OnHostCallReturned(uint32_t host, uint64_t id, ChimneyStatus returned)
{
    if (returned != ChimneyStatus::PENDING)
    {
        HostAt(host).issued.Erase(id); // refused: nothing comes back
    }
}

void
ChimneyVerifierNblIdentity::OnHostUpcall(uint32_t host,
                                         const ShadowDevice* d,
                                         ChimneyOp op,
                                         OffloadHandle handle,
                                         const NetBufferList* nbl)
{
    if (nbl == nullptr)
    {
        return;
    }
    Host& h = HostAt(host);
    const Ptr<const NetBufferList>* issued = h.issued.Find(nbl->id);
    if (issued == nullptr)
    {
        return; // not issued by this host under that id: its id checks judge it (A11)
    }
    if (PeekPointer(*issued) != nbl && !h.reported)
    {
        h.reported = true;
        m_reporter.Report(ChimneyInvariantId::A11,
                          d,
                          nullptr,
                          handle,
                          "the host stack received an NBL with the id of one it issued, but not "
                          "that object (a copy, or another upper protocol's NBL)",
                          NblText(op, handle, *nbl) + " completed up");
    }
    h.issued.Erase(nbl->id);
}

// ---------------------------------------------------------------------------------------------
// Intermediate drivers
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierNblIdentity::OnLayerIn(uint32_t layer,
                                      const Boundary& from,
                                      const std::string& upper,
                                      ChimneyOp op,
                                      OffloadHandle handle,
                                      const Ptr<const NetBufferList>& nbl)
{
    if (!nbl || layer >= m_layers.size())
    {
        return;
    }
    Layer& l = m_layers[layer];
    if (IsCopy(from, *nbl) && !l.copyReported)
    {
        l.copyReported = true;
        m_reporter.Report(ChimneyInvariantId::A11,
                          nullptr,
                          nullptr,
                          handle,
                          "intermediate driver '" + l.name + "' received from '" + upper +
                              "' an NBL with the id of one passed down to it, but not that object "
                              "(a copy)",
                          NblText(op, handle, *nbl) + " passed down");
    }
    Forget(l, PeekPointer(nbl));
    l.in[PeekPointer(nbl)] = LayerNbl{nbl, upper};
    l.byId.emplace(nbl->id, PeekPointer(nbl));
}

void
ChimneyVerifierNblIdentity::OnLayerRefused(uint32_t layer, const std::string& upper, uint64_t id)
{
    if (layer >= m_layers.size())
    {
        return;
    }
    Layer& l = m_layers[layer];
    auto range = l.byId.equal_range(id);
    for (auto it = range.first; it != range.second; ++it)
    {
        if (l.in[it->second].upper == upper)
        {
            Forget(l, it->second);
            return;
        }
    }
}

void
ChimneyVerifierNblIdentity::OnLayerUp(uint32_t layer,
                                      const std::string& upper,
                                      ChimneyOp op,
                                      OffloadHandle handle,
                                      const NetBufferList* nbl)
{
    if (nbl == nullptr || layer >= m_layers.size())
    {
        return;
    }
    Layer& l = m_layers[layer];
    auto it = l.in.find(nbl);
    if (it != l.in.end())
    {
        if (it->second.upper != upper && !l.routeReported)
        {
            l.routeReported = true;
            m_reporter.Report(ChimneyInvariantId::A11,
                              nullptr,
                              nullptr,
                              handle,
                              "intermediate driver '" + l.name + "' passed a completion to '" +
                                  upper + "', but '" + it->second.upper +
                                  "' issued that NBL (wrong upper protocol)",
                              NblText(op, handle, *nbl) + " completed up");
        }
        Forget(l, nbl);
        return;
    }
    // Not an object that entered: a copy when an object with its id did (that one is done).
    auto range = l.byId.equal_range(nbl->id);
    if (range.first == range.second)
    {
        return;
    }
    const NetBufferList* original = range.first->second;
    for (auto b = range.first; b != range.second; ++b)
    {
        if (l.in[b->second].upper == upper)
        {
            original = b->second;
            break;
        }
    }
    if (!l.copyReported)
    {
        l.copyReported = true;
        m_reporter.Report(ChimneyInvariantId::A11,
                          nullptr,
                          nullptr,
                          handle,
                          "intermediate driver '" + l.name + "' passed up to '" + upper +
                              "' an NBL with the id of one it passed down, but not that object "
                              "(a copy)",
                          NblText(op, handle, *nbl) + " completed up");
    }
    Forget(l, original);
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierNblIdentity::OnDeviceIn(const ShadowDevice& d,
                                       const Boundary& from,
                                       ChimneyOp op,
                                       OffloadHandle handle,
                                       const NetBufferList& nbl)
{
    if (IsCopy(from, nbl))
    {
        m_reporter.Report(ChimneyInvariantId::A11,
                          &d,
                          d.Find(handle),
                          handle,
                          "the target received an NBL with the id of one its offload client "
                          "issued or passed down, but not that object (a copy)",
                          NblText(op, handle, nbl) + " requested");
    }
}

void
ChimneyVerifierNblIdentity::Clear()
{
    m_hosts.clear();
    m_layers.clear();
}

} // namespace ns3
