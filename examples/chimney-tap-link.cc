/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-tap-link.h"

#include "ns3/boolean.h"
#include "ns3/fd-net-device-helper.h"
#include "ns3/fd-net-device.h"
#include "ns3/global-value.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-interface-container.h"
#include "ns3/mac48-address.h"
#include "ns3/string.h"
#include "ns3/system-path.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <random>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ns3
{

/**
 * \brief Moves frames between the TAP and the FdNetDevice's end of a SOCK_SEQPACKET pair,
 *        losing or holding some (SetLinkFaults). Runs in its own thread: its generator is
 *        std::mt19937, not ns-3's (whose streams belong to the simulator thread).
 */
class ChimneyTapRelay
{
  public:
    ChimneyTapRelay(int tapFd, int deviceFd, double loss, double reorder, uint32_t seed)
        : m_fds{tapFd, deviceFd},
          m_loss(loss),
          m_reorder(reorder),
          m_random(seed)
    {
        NS_ABORT_MSG_IF(pipe2(m_stopPipe, O_CLOEXEC) != 0, "ChimneyTapRelay: pipe failed");
        m_thread = std::thread(&ChimneyTapRelay::Run, this);
    }

    ~ChimneyTapRelay()
    {
        const char zero = 0;
        if (write(m_stopPipe[1], &zero, 1) != 1)
        {
            NS_FATAL_ERROR("ChimneyTapRelay: cannot signal the relay thread");
        }
        m_thread.join();
        close(m_stopPipe[0]);
        close(m_stopPipe[1]);
        close(m_fds[0]);
        close(m_fds[1]); // the FdNetDevice closed its end of the pair (or will)
    }

    std::atomic<uint64_t> dropped{0}; //!< frames lost
    std::atomic<uint64_t> held{0};    //!< frames held behind later ones

  private:
    using Clock = std::chrono::steady_clock;

    struct Held
    {
        Clock::time_point due;
        int to;
        std::vector<uint8_t> frame;
    };

    void Run()
    {
        std::uniform_real_distribution<double> uniform(0, 1);
        std::vector<uint8_t> buffer(65536);
        for (;;)
        {
            int timeout = -1;
            if (!m_held.empty())
            {
                const auto wait = m_held.front().due - Clock::now();
                timeout = std::max<int>(
                    0,
                    std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1);
            }
            struct pollfd fds[3] = {{m_fds[0], POLLIN, 0},
                                    {m_fds[1], POLLIN, 0},
                                    {m_stopPipe[0], POLLIN, 0}};
            if (poll(fds, 3, timeout) < 0 && errno != EINTR)
            {
                NS_FATAL_ERROR("ChimneyTapRelay: poll: " << std::strerror(errno));
            }
            if (fds[2].revents != 0)
            {
                return;
            }
            while (!m_held.empty() && m_held.front().due <= Clock::now())
            {
                Forward(m_held.front().to,
                        m_held.front().frame.data(),
                        m_held.front().frame.size());
                m_held.pop_front();
            }
            for (int side = 0; side < 2; ++side)
            {
                if ((fds[side].revents & (POLLIN | POLLERR | POLLHUP)) == 0)
                {
                    continue;
                }
                const ssize_t n = read(m_fds[side], buffer.data(), buffer.size());
                if (n <= 0)
                {
                    if (n == 0 || (errno != EINTR && errno != EAGAIN))
                    {
                        return; // the FdNetDevice closed its end: the run is over
                    }
                    continue;
                }
                const int to = m_fds[1 - side];
                const double draw = uniform(m_random);
                if (draw < m_loss)
                {
                    ++dropped;
                }
                else if (draw < m_loss + m_reorder)
                {
                    ++held;
                    m_held.push_back({Clock::now() + std::chrono::milliseconds(5),
                                      to,
                                      std::vector<uint8_t>(buffer.begin(), buffer.begin() + n)});
                }
                else
                {
                    Forward(to, buffer.data(), static_cast<size_t>(n));
                }
            }
        }
    }

    static void Forward(int to, const uint8_t* frame, size_t length)
    {
        // A full TAP queue loses the frame, as a full link would: nothing to do about it.
        (void)!write(to, frame, length);
    }

    int m_fds[2];      //!< TAP, our end of the pair
    int m_stopPipe[2]; //!< written once by the destructor
    double m_loss;
    double m_reorder;
    std::mt19937 m_random;
    std::deque<Held> m_held; //!< by due time (every hold is 5 ms)
    std::thread m_thread;
};

ChimneyTapLink::ChimneyTapLink() = default;

ChimneyTapLink::~ChimneyTapLink() = default;

void
ChimneyTapLink::SetLinkFaults(double loss, double reorder, uint32_t seed)
{
    NS_ABORT_MSG_IF(loss < 0 || reorder < 0 || loss + reorder >= 1,
                    "ChimneyTapLink::SetLinkFaults: probabilities must be >= 0, sum < 1");
    NS_ABORT_MSG_IF(m_node, "ChimneyTapLink::SetLinkFaults: call before Build()");
    m_loss = loss;
    m_reorder = reorder;
    m_seed = seed;
}

std::pair<uint64_t, uint64_t>
ChimneyTapLink::GetFaultCounts() const
{
    return m_relay ? std::make_pair(m_relay->dropped.load(), m_relay->held.load())
                   : std::make_pair(0UL, 0UL);
}

void
ChimneyTapLink::Configure()
{
    GlobalValue::Bind("SimulatorImplementationType", StringValue("ns3::RealtimeSimulatorImpl"));
    // Linux drops segments with bad checksums: every frame the model writes must carry them.
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
}

bool
ChimneyTapLink::CanOpenTap(std::string* why)
{
    if (geteuid() != 0)
    {
        *why = "not root (opening a TAP needs CAP_NET_ADMIN)";
        return false;
    }
    if (access("/dev/net/tun", R_OK | W_OK) != 0)
    {
        *why = std::string("/dev/net/tun: ") + std::strerror(errno);
        return false;
    }
    return true;
}

ChimneyHelper&
ChimneyTapLink::Chimney()
{
    return m_chimney;
}

ChimneyStackHelper&
ChimneyTapLink::Stacks()
{
    return m_stacks;
}

bool
ChimneyTapLink::Build(const std::string& tapName,
                      Ipv4Address address,
                      Ipv4Mask mask,
                      std::string* error)
{
    NS_ABORT_MSG_IF(m_node, "ChimneyTapLink::Build: already built");
    if (!CanOpenTap(error))
    {
        return false;
    }
    if (tapName.empty() || tapName.size() >= IFNAMSIZ)
    {
        *error = "TAP name '" + tapName + "' must have 1 to " + std::to_string(IFNAMSIZ - 1) +
                 " characters";
        return false;
    }
    const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
    {
        *error = std::string("open /dev/net/tun: ") + std::strerror(errno);
        return false;
    }
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof(ifr));
    // Ethernet frames, no packet-information prefix: what FdNetDevice's DIX mode reads.
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, tapName.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0)
    {
        *error = "TUNSETIFF " + tapName + ": " + std::strerror(errno);
        close(fd);
        return false;
    }
    int deviceFd = fd;
    if (m_loss > 0 || m_reorder > 0)
    {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
        {
            *error = std::string("socketpair: ") + std::strerror(errno);
            close(fd);
            return false;
        }
        deviceFd = pair[0];
        m_relay = std::make_unique<ChimneyTapRelay>(fd, pair[1], m_loss, m_reorder, m_seed);
    }

    m_node = CreateObject<Node>();
    FdNetDeviceHelper fdHelper;
    fdHelper.SetAttribute("EncapsulationMode", StringValue("Dix"));
    m_link = fdHelper.Install(m_node).Get(0);
    Ptr<FdNetDevice> fdDevice = DynamicCast<FdNetDevice>(m_link);
    fdDevice->SetFileDescriptor(deviceFd);
    fdDevice->SetAddress(Mac48Address::Allocate());

    m_chimneyDevices = m_chimney.Install(NetDeviceContainer(m_link));
    InternetStackHelper internet;
    internet.SetIpv6StackInstall(false);
    internet.Install(m_node);
    Ipv4AddressHelper addresses;
    addresses.SetBase(address.CombineMask(mask), mask, Ipv4Address(address.Get() & ~mask.Get()));
    addresses.Assign(m_chimneyDevices);
    m_stacks.Install(m_chimneyDevices);
    return true;
}

Ptr<Node>
ChimneyTapLink::GetNode() const
{
    return m_node;
}

Ptr<ChimneyHostStack>
ChimneyTapLink::GetStack() const
{
    return ChimneyStackHelper::GetStack(m_node);
}

NetDeviceContainer
ChimneyTapLink::GetChimneyDevices() const
{
    return m_chimneyDevices;
}

Ptr<NetDevice>
ChimneyTapLink::GetLinkDevice() const
{
    return m_link;
}

void
ChimneyTapLink::EnablePcap(const std::string& dir, const std::string& name) const
{
    SystemPath::MakeDirectories(dir);
    m_chimney.EnablePcap(dir + "/" + name, m_chimneyDevices);
}

} // namespace ns3
