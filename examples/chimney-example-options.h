/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_EXAMPLE_OPTIONS_H
#define CHIMNEY_EXAMPLE_OPTIONS_H

#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-timeline.h"

#include <cstdint>
#include <string>

namespace ns3
{

class CommandLine;

/**
 * \ingroup chimney
 * \brief The options every two-host lifecycle example shares (--link, --pcap, --ascii,
 * --allSegments,
 *        --dataCalls, --seed) and the setup steps that use them.
 *
 * \code
 *   ChimneyExampleOptions options("graceful-close");
 *   CommandLine cmd(__FILE__);
 *   options.AddTo(cmd);           // then the example's own options
 *   cmd.Parse(argc, argv);
 *   ChimneyPairBuilder pair;      // set device / stack attributes here
 *   if (!options.Build(pair, false)) { return 1; }
 *   ChimneyTimeline timeline(&std::cout);
 *   options.Configure(timeline);
 * \endcode
 */
class ChimneyExampleOptions
{
  public:
    /// \param name pcap file prefix (DIR/NAME-NODE-DEVICE.pcap)
    explicit ChimneyExampleOptions(const std::string& name);

    /// \param cmd receives --link, --pcap, --allSegments, --dataCalls and --seed
    void AddTo(CommandLine& cmd);

    /**
     * \brief Check the seed, seed the RNG, build the two hosts and enable pcap when asked.
     *        Prints "error: ..." to stderr when something is wrong.
     * \param pair the builder, its attributes already set
     * \param chimneyPeer host 1 is a chimney host too
     * \returns false (exit status 1 for the example, as ns-3's CommandLine) on a bad option
     */
    bool Build(ChimneyPairBuilder& pair, bool chimneyPeer) const;

    /// \param timeline gets the --allSegments and --dataCalls detail settings
    void Configure(ChimneyTimeline& timeline) const;

    std::string link{"p2p"}; //!< --link: "p2p" or "csma"
    std::string pcapDir;     //!< --pcap: directory for pcap files (empty: none)
    std::string asciiDir;    //!< --ascii: directory for ascii traces (empty: none)
    bool allSegments{false}; //!< --allSegments: print every segment, not only SYN/FIN/RST
    bool dataCalls{false};   //!< --dataCalls: print every Send/Receive request and completion
    uint32_t seed{1};        //!< --seed: RNG seed (positive)

  private:
    std::string m_name; //!< pcap file prefix
};

} // namespace ns3

#endif // CHIMNEY_EXAMPLE_OPTIONS_H
