/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_DEFECT_REGISTRY_H
#define CHIMNEY_DEFECT_REGISTRY_H

#include <memory>
#include <string>
#include <vector>

namespace ns3
{

class ChimneyDefect;

/**
 * \ingroup chimney
 * \brief One seeded defect of the offload target: what it is called, what it breaks, the
 *        lifecycle scenario that exposes it and the invariant IDs a verifier must report.
 */
struct ChimneyDefectInfo
{
    const char* name;             //!< the Defect attribute's value, e.g. "FreeOnFin"
    const char* summary;          //!< what the target does wrong, one line
    const char* scenario;         //!< the lifecycle scenario in which it acts (RunChimneyLifecycle)
    std::vector<std::string> ids; //!< SPEC invariant IDs it must trip
    std::unique_ptr<ChimneyDefect> (*create)(); //!< a new instance (one per device)
};

/**
 * \ingroup chimney
 * \brief The seeded defects (model/defects/, one file each), in the order of the values of
 *        ChimneyNetDevice::Defect (1, 2, ...). The device's Defect attribute, the
 *        chimney-verifier-report example's --defect, the lifecycle helper and the tests read it.
 *
 * To add a defect: a ChimneyDefect subclass in model/defects/, its factory in
 * model/defects/seeded-defects.h, one row here (chimney-defect-registry.cc), and its value at
 * the end of ChimneyNetDevice::Defect.
 */
class ChimneyDefectRegistry
{
  public:
    /// \returns every seeded defect ("None", the correct target, is not one)
    static const std::vector<ChimneyDefectInfo>& All();

    /**
     * \param name a defect's name
     * \returns its row, or nullptr for an unknown name (and for "None")
     */
    static const ChimneyDefectInfo* Find(const std::string& name);
};

} // namespace ns3

#endif // CHIMNEY_DEFECT_REGISTRY_H
