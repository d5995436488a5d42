/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_REPORTER_H
#define CHIMNEY_VERIFIER_REPORTER_H

#include "chimney-invariant-coverage.h"
#include "chimney-types.h"

#include <string>

namespace ns3
{

struct ShadowDevice;
struct ShadowConnection;

/**
 * \ingroup chimney
 * \brief The evidence a finding quotes (the segment or call that showed it), as text made only
 *        when a finding is reported.
 *
 * Every frame, request and completion passes evidence to its checks, and the checks almost
 * never fail: formatting it for each event cost as much as the checks themselves. It refers
 * to its source (a string, a literal, or a callable that makes the text), which must outlive
 * it: it is passed down a call, never stored.
 */
class ChimneyEvidence
{
  public:
    /// \param text text at hand (outlives the evidence)
    ChimneyEvidence(const std::string& text) // NOLINT: implicit, as the string it stands for
        : m_source(&text),
          m_make([](const void* s) { return *static_cast<const std::string*>(s); })
    {
    }

    /// \param text a literal
    ChimneyEvidence(const char* text) // NOLINT: implicit, as the string it stands for
        : m_source(text),
          m_make([](const void* s) { return std::string(static_cast<const char*>(s)); })
    {
    }

    /**
     * \brief Evidence whose text is made by make() only when a finding quotes it.
     * \param make a callable returning the text (outlives the evidence)
     * \returns the evidence
     */
    template <typename F>
    static ChimneyEvidence Deferred(const F& make)
    {
        return ChimneyEvidence(&make, [](const void* s) -> std::string {
            return (*static_cast<const F*>(s))();
        });
    }

    /// \returns the text
    std::string Text() const
    {
        return m_make(m_source);
    }

  private:
    /// \param source what the text is made from \param make makes it
    ChimneyEvidence(const void* source, std::string (*make)(const void*))
        : m_source(source),
          m_make(make)
    {
    }

    const void* m_source;               //!< the string, literal or callable
    std::string (*m_make)(const void*); //!< makes the text from it
};

/**
 * \ingroup chimney
 * \brief Where the verifier's checkers send their findings (ChimneyVerifier collects them:
 *        repeat suppression, the finding log, the Finding trace), and the situations in which
 *        a check could fail (invariant coverage, ChimneyInvariantCoverage).
 */
class ChimneyVerifierReporter
{
  public:
    virtual ~ChimneyVerifierReporter() = default;

    /**
     * \brief Report a finding.
     *
     * Cold and never inlined: the checks run on every event and almost never fail, so the
     * compiler moves the code that builds a finding (its strings) out of the checks' hot
     * path, which then takes fewer instruction cache lines.
     * \param id invariant ID
     * \param d the device (may be null)
     * \param c the connection (may be null); repeats of an ID on it are suppressed
     * \param handle the handle when there is no connection record
     * \param description one line
     * \param evidence the segment or call (its text is made only if the finding is kept)
     */
    [[gnu::cold, gnu::noinline]] void Report(ChimneyInvariantId id,
                                             const ShadowDevice* d,
                                             const ShadowConnection* c,
                                             OffloadHandle handle,
                                             const std::string& description,
                                             const ChimneyEvidence& evidence)
    {
        DoReport(id, d, c, handle, description, evidence);
    }

    /**
     * \brief Report a finding that is never suppressed as a repeat on its connection (host
     *        misuse is reported per call).
     * \param id invariant ID
     * \param d the device (may be null)
     * \param c the connection (may be null)
     * \param handle the handle when there is no connection record
     * \param description one line
     * \param evidence the segment or call
     */
    [[gnu::cold, gnu::noinline]] void ReportEveryTime(ChimneyInvariantId id,
                                                      const ShadowDevice* d,
                                                      const ShadowConnection* c,
                                                      OffloadHandle handle,
                                                      const std::string& description,
                                                      const ChimneyEvidence& evidence)
    {
        DoReportEveryTime(id, d, c, handle, description, evidence);
    }

    /**
     * \brief The situation in which id's check could actually fail arose (whatever the check
     *        then found): counted as the invariant's coverage.
     * \param id the invariant
     */
    virtual void Exercised(ChimneyInvariantId id) = 0;

  protected:
    /// \copydoc Report
    virtual void DoReport(ChimneyInvariantId id,
                          const ShadowDevice* d,
                          const ShadowConnection* c,
                          OffloadHandle handle,
                          const std::string& description,
                          const ChimneyEvidence& evidence) = 0;
    /// \copydoc ReportEveryTime
    virtual void DoReportEveryTime(ChimneyInvariantId id,
                                   const ShadowDevice* d,
                                   const ShadowConnection* c,
                                   OffloadHandle handle,
                                   const std::string& description,
                                   const ChimneyEvidence& evidence) = 0;
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_REPORTER_H
