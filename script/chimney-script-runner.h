/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCRIPT_RUNNER_H
#define CHIMNEY_SCRIPT_RUNNER_H

#include "ns3/chimney-script.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ns3
{

/// What running one chimney script gave.
struct ChimneyScriptResult
{
    /// The outcome (exit status: 0, 1, 2, 77).
    enum Outcome : uint8_t
    {
        PASS,       //!< every line held, no verifier finding
        FAIL,       //!< a line did not hold, or the verifier reported a finding
        BAD_SCRIPT, //!< syntax error, unreadable file or a line that cannot be run as written
        SKIP,       //!< the script uses something the runner cannot honour
    };

    Outcome outcome{PASS};             //!< the outcome
    std::string script;                //!< script name
    int line{0};                       //!< the line that failed (0: none, or the whole script)
    std::string message;               //!< "script:line: ..." (empty on PASS)
    std::vector<std::string> findings; //!< verifier findings, one line each
    uint32_t eventsRun{0};             //!< events (lines) executed
    double simulatedSeconds{0};        //!< simulated time at the end

    /// \returns 0 pass, 1 fail, 2 bad script, 77 skip
    int ExitCode() const;
    /// \returns "PASS", "FAIL", "BAD_SCRIPT" or "SKIP"
    const char* OutcomeName() const;
};

/**
 * \ingroup chimney
 * \brief Runs chimney scripts (packetdrill's dialect plus chimney lines; doc/chimney-script.rst)
 *        against a chimney host: ChimneyHostStack over a ChimneyNetDevice over point-to-point,
 *        verifier attached, with the script playing the remote peer on the link.
 *
 * Each run is a fresh simulation (seed 1), so a script gives the same result alone or in a
 * suite.
 */
class ChimneyScriptRunner
{
  public:
    /**
     * \brief Seed a defect into the device (attribute Defect) for every script run.
     * \param defect a name of ChimneyNetDevice::GetDefectNames(); "" or "None" for none
     */
    void SetDefect(const std::string& defect);

    /// \param verbose print each line as it runs, with the segments seen
    void SetVerbose(bool verbose);

    /**
     * \brief Run one script file.
     * \param path the file
     * \returns the result
     */
    ChimneyScriptResult RunFile(const std::string& path) const;

    /**
     * \brief Run a script given as text.
     * \param text the script
     * \param name its name in messages
     * \returns the result
     */
    ChimneyScriptResult RunText(const std::string& text, const std::string& name) const;

  private:
    std::string m_defect;
    bool m_verbose{false};
};

} // namespace ns3

#endif // CHIMNEY_SCRIPT_RUNNER_H
