/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// A sharded scenario run: forked processes each build and simulate the islands of their shard
// (ChimneyScenarioTopology::SetShard); each has every node of the network (node IDs) and skips
// the other islands' random streams. Their results are merged. Islands share nothing, and
// every random draw comes from a stream of its own island or is made at setup, the same in
// every process, so each island runs as it does in one process; the merged result is the
// single-process one (test/chimney-scenario-shards-test.cc).
//
// Pipe protocol, one line per message. Child to parent: "P <simSeconds> <closed> <total>
// <findings>" (progress), "C <ns>" (all of this shard's connections ended at ns; -1: not all,
// the run reached stopTime), "R <json>" (the result, last). Parent to child: "<ns>\n", the
// latest of the shards' C times (-1 when one shard did not end them all).

#include "chimney-scenario-shards.h"

#include "ns3/abort.h"
#include "ns3/chimney-verifier.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ns3
{

namespace
{

using Json = nlohmann::json;

/// \returns false when the descriptor was closed or failed
bool
WriteAll(int fd, const std::string& data)
{
    size_t done = 0;
    while (done < data.size())
    {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

Json
FindingJson(const ChimneyFinding& f)
{
    return Json::array({f.id,
                        f.time.GetTimeStep(),
                        f.nodeId,
                        f.device,
                        f.handle,
                        f.localAddress.Get(),
                        f.localPort,
                        f.remoteAddress.Get(),
                        f.remotePort,
                        f.description,
                        f.evidence});
}

ChimneyFinding
FindingFromJson(const Json& j)
{
    ChimneyFinding f;
    f.id = j.at(0).get<std::string>();
    f.time = TimeStep(j.at(1).get<int64_t>());
    f.nodeId = j.at(2).get<uint32_t>();
    f.device = j.at(3).get<std::string>();
    f.handle = j.at(4).get<OffloadHandle>();
    f.localAddress = Ipv4Address(j.at(5).get<uint32_t>());
    f.localPort = j.at(6).get<uint16_t>();
    f.remoteAddress = Ipv4Address(j.at(7).get<uint32_t>());
    f.remotePort = j.at(8).get<uint16_t>();
    f.description = j.at(9).get<std::string>();
    f.evidence = j.at(10).get<std::string>();
    return f;
}

Json
RecordJson(const ChimneyConnectionRecord& r)
{
    return Json::array({r.host,
                        r.index,
                        r.local,
                        r.remote,
                        r.closeType,
                        r.openTime,
                        r.establishedTime,
                        r.offloadTime,
                        r.disconnectTime,
                        r.disconnectCompleteTime,
                        r.disconnectStatus,
                        r.terminateTime,
                        r.terminateCompleteTime,
                        r.closedTime,
                        r.outcome,
                        r.bytesSent,
                        r.bytesReceived,
                        r.peerBytesReceived,
                        r.endToEndOk,
                        r.faults});
}

ChimneyConnectionRecord
RecordFromJson(const Json& j)
{
    ChimneyConnectionRecord r;
    size_t i = 0;
    r.host = j.at(i++).get<uint32_t>();
    r.index = j.at(i++).get<uint32_t>();
    r.local = j.at(i++).get<std::string>();
    r.remote = j.at(i++).get<std::string>();
    r.closeType = j.at(i++).get<std::string>();
    for (double* t : {&r.openTime,
                      &r.establishedTime,
                      &r.offloadTime,
                      &r.disconnectTime,
                      &r.disconnectCompleteTime})
    {
        *t = j.at(i++).get<double>();
    }
    r.disconnectStatus = j.at(i++).get<std::string>();
    for (double* t : {&r.terminateTime, &r.terminateCompleteTime, &r.closedTime})
    {
        *t = j.at(i++).get<double>();
    }
    r.outcome = j.at(i++).get<std::string>();
    r.bytesSent = j.at(i++).get<uint64_t>();
    r.bytesReceived = j.at(i++).get<uint64_t>();
    r.peerBytesReceived = j.at(i++).get<uint64_t>();
    r.endToEndOk = j.at(i++).get<bool>();
    r.faults = j.at(i++).get<std::vector<std::string>>();
    return r;
}

/// One child as the parent sees it.
struct Shard
{
    pid_t pid = -1;
    int in = -1;  //!< its lines
    int out = -1; //!< our answer to its "C"
    std::string buffer;
    bool eof = false;
    int64_t closedNs = 0;
    ChimneyScenarioProgress progress;
    std::string result; //!< the "R" line's JSON
};

/// Add one shard's result (parsed "R" line) into the merged one.
void
MergeShard(const Json& j, ChimneyScenarioResult* merged, uint64_t* globalEvents, std::string* error)
{
    merged->events += j.at("events").get<uint64_t>();
    const uint64_t global = j.at("globalEvents").get<uint64_t>();
    if (*globalEvents != 0 && *globalEvents != global)
    {
        *error = "shards disagree on the events every shard executes (" +
                 std::to_string(*globalEvents) + ", " + std::to_string(global) + ")";
    }
    *globalEvents = global;
    merged->simTime = std::max(merged->simTime, j.at("simTime").get<double>());
    merged->peakRssBytes += j.at("peakRssBytes").get<uint64_t>();
    for (const auto& [id, n] : j.at("findingCounts").items())
    {
        merged->findingCounts[id] += n.get<uint64_t>();
    }
    merged->findingTotal += j.at("findingTotal").get<uint64_t>();
    for (const auto& f : j.at("findings"))
    {
        merged->findings.push_back(FindingFromJson(f));
    }
    merged->exercised += ChimneyInvariantCoverage::FromCounts(
        j.at("exercised").get<std::map<std::string, uint64_t>>());
    for (const auto& [kind, n] : j.at("faultsFired").items())
    {
        merged->faultsFired[kind] += n.get<uint64_t>();
    }
    for (const auto& r : j.at("records"))
    {
        ChimneyConnectionRecord record = RecordFromJson(r);
        const size_t at =
            static_cast<size_t>(record.host) * merged->config.connections + record.index;
        if (at >= merged->records.size())
        {
            *error = "a shard sent a record of no connection";
            return;
        }
        merged->records[at] = std::move(record);
    }
    const auto& series = j.at("series");
    if (!merged->series.empty() && merged->series.size() != series.size())
    {
        *error = "shards sampled different times";
        return;
    }
    merged->series.resize(series.size());
    for (size_t i = 0; i < series.size(); ++i)
    {
        ChimneyScenarioSample& s = merged->series[i];
        s.time = series[i].at(0).get<double>();
        s.open += series[i].at(1).get<uint64_t>();
        s.offloaded += series[i].at(2).get<uint64_t>();
        s.resourcesHeld += series[i].at(3).get<uint64_t>();
        s.resourceBytesHeld += series[i].at(4).get<uint64_t>();
    }
}

/// What the verifier keeps of a single run's findings: the first MaxStoredFindings.
size_t
MaxStoredFindings()
{
    TypeId::AttributeInformation info;
    if (ChimneyVerifier::GetTypeId().LookupAttributeByName("MaxStoredFindings", &info))
    {
        if (auto u = DynamicCast<const UintegerValue>(info.initialValue))
        {
            return u->Get();
        }
    }
    return SIZE_MAX;
}

/// Kill and reap every child still running.
void
KillAll(std::vector<Shard>& shards)
{
    for (Shard& s : shards)
    {
        if (s.pid > 0)
        {
            kill(s.pid, SIGKILL);
            waitpid(s.pid, nullptr, 0);
            s.pid = -1;
        }
    }
}

/// \returns "" when the child exited 0, else how it ended
std::string
Reap(Shard& s)
{
    int status = 0;
    if (waitpid(s.pid, &status, 0) < 0)
    {
        return std::string("waitpid: ") + std::strerror(errno);
    }
    s.pid = -1;
    if (WIFSIGNALED(status))
    {
        return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
               strsignal(WTERMSIG(status)) + ")";
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    return "";
}

} // namespace

ChimneyShardChannel::ChimneyShardChannel(uint32_t index,
                                         uint32_t count,
                                         int toParent,
                                         int fromParent)
    : m_index(index),
      m_count(count),
      m_toParent(toParent),
      m_fromParent(fromParent)
{
}

uint32_t
ChimneyShardChannel::GetIndex() const
{
    return m_index;
}

uint32_t
ChimneyShardChannel::GetCount() const
{
    return m_count;
}

void
ChimneyShardChannel::WriteLine(const std::string& line)
{
    if (!WriteAll(m_toParent, line + "\n"))
    {
        _exit(3); // the parent is gone: nobody wants this shard's result
    }
}

void
ChimneyShardChannel::SendProgress(const ChimneyScenarioProgress& p)
{
    std::ostringstream s;
    s.precision(17);
    s << "P " << p.simTime << " " << p.connectionsClosed << " " << p.connections << " "
      << p.findings;
    WriteLine(s.str());
}

Time
ChimneyShardChannel::AwaitLastClose(Time closedAt)
{
    WriteLine("C " + std::to_string(closedAt.IsNegative() ? -1 : closedAt.GetTimeStep()));
    std::string answer;
    char c;
    while (true)
    {
        const ssize_t n = read(m_fromParent, &c, 1);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            _exit(3);
        }
        if (c == '\n')
        {
            break;
        }
        answer.push_back(c);
    }
    return TimeStep(std::stoll(answer));
}

void
ChimneyShardChannel::SendResult(const ChimneyScenarioResult& r,
                                uint64_t globalEvents,
                                const std::function<bool(uint32_t)>& owns)
{
    Json j;
    j["events"] = r.events;
    j["globalEvents"] = globalEvents;
    j["simTime"] = r.simTime;
    j["peakRssBytes"] = r.peakRssBytes;
    j["findingCounts"] = r.findingCounts;
    j["findingTotal"] = r.findingTotal;
    Json findings = Json::array();
    for (const auto& f : r.findings)
    {
        findings.push_back(FindingJson(f));
    }
    j["findings"] = std::move(findings);
    j["exercised"] = r.exercised.GetCounts();
    j["faultsFired"] = r.faultsFired;
    Json records = Json::array();
    for (const auto& rec : r.records)
    {
        if (owns(rec.host))
        {
            records.push_back(RecordJson(rec));
        }
    }
    j["records"] = std::move(records);
    Json series = Json::array();
    for (const auto& s : r.series)
    {
        series.push_back(
            Json::array({s.time, s.open, s.offloaded, s.resourcesHeld, s.resourceBytesHeld}));
    }
    j["series"] = std::move(series);
    WriteLine("R " + j.dump());
}

std::string
CheckChimneyShards(const ChimneyScenarioConfig& config, uint32_t shards)
{
    if (shards == 0)
    {
        return "shards must be at least 1";
    }
    if (shards == 1)
    {
        return "";
    }
    if (config.topology == "dumbbell")
    {
        return "shards: the dumbbell is one island (every host behind the same routers); use "
               "p2p, csma or star, or shards=1";
    }
    if (!config.faults.ConfiguredKinds().empty())
    {
        return "shards: the fault injector draws from streams every host shares, so a sharded "
               "run would not be the single-process one; run faults with shards=1";
    }
    const uint32_t islands = config.topology == "p2p"
                                 ? config.hosts
                                 : (config.hosts + config.segmentHosts - 1) / config.segmentHosts;
    if (shards > islands)
    {
        return "shards: " + std::to_string(shards) + " shards for " + std::to_string(islands) +
               " islands (a peer and the hosts it serves); use at most " + std::to_string(islands);
    }
    return "";
}

ChimneyScenarioResult
RunChimneyShards(const ChimneyScenarioConfig& config,
                 uint32_t count,
                 const std::function<void(ChimneyShardChannel&)>& simulate,
                 const std::function<void(const ChimneyScenarioProgress&)>& progress,
                 double progressEvery)
{
    ChimneyScenarioResult merged;
    merged.config = config;
    std::vector<Shard> shards(count);
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr); // a child must not print what the parent had buffered
    for (uint32_t i = 0; i < count; ++i)
    {
        int up[2];
        int down[2];
        NS_ABORT_MSG_IF(pipe(up) != 0 || pipe(down) != 0,
                        "RunChimneyShards: pipe: " << std::strerror(errno));
        const pid_t pid = fork();
        NS_ABORT_MSG_IF(pid < 0, "RunChimneyShards: fork: " << std::strerror(errno));
        if (pid == 0)
        {
            close(up[0]);
            close(down[1]);
            for (uint32_t k = 0; k < i; ++k) // the other shards' ends, so their EOF shows
            {
                close(shards[k].in);
                close(shards[k].out);
            }
            ChimneyShardChannel channel(i, count, up[1], down[0]);
            try
            {
                simulate(channel);
            }
            catch (const std::exception& e)
            {
                // never back into the caller's code in this copy of its process
                std::cerr << "chimney shard " << i << ": " << e.what() << "\n";
                _exit(4);
            }
            _exit(0); // no destructors, no atexit: the parent owns everything shared
        }
        close(up[1]);
        close(down[0]);
        shards[i].pid = pid;
        shards[i].in = up[0];
        shards[i].out = down[1];
    }
    // A child that died is reported by waitpid, not by a signal here (restored below).
    const auto previousSigpipe = signal(SIGPIPE, SIG_IGN);

    using Clock = std::chrono::steady_clock;
    Clock::time_point lastProgress = Clock::now();
    std::string error;
    uint32_t open = count;
    uint32_t closedReports = 0;
    while (open > 0 && error.empty())
    {
        std::vector<pollfd> fds;
        std::vector<uint32_t> which;
        for (uint32_t i = 0; i < count; ++i)
        {
            if (!shards[i].eof)
            {
                fds.push_back({shards[i].in, POLLIN, 0});
                which.push_back(i);
            }
        }
        if (poll(fds.data(), fds.size(), -1) < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            error = std::string("poll: ") + std::strerror(errno);
            break;
        }
        for (size_t f = 0; f < fds.size() && error.empty(); ++f)
        {
            if (fds[f].revents == 0)
            {
                continue;
            }
            Shard& s = shards[which[f]];
            char chunk[1 << 16];
            const ssize_t n = read(s.in, chunk, sizeof(chunk));
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            if (n <= 0)
            {
                s.eof = true;
                --open;
                close(s.in);
                if (s.result.empty())
                {
                    const std::string how = Reap(s);
                    error = "shard " + std::to_string(which[f]) + " of " + std::to_string(count) +
                            " ended without a result" + (how.empty() ? "" : ": " + how);
                }
                continue;
            }
            s.buffer.append(chunk, static_cast<size_t>(n));
            size_t eol;
            while ((eol = s.buffer.find('\n')) != std::string::npos)
            {
                const std::string line = s.buffer.substr(0, eol);
                s.buffer.erase(0, eol + 1);
                std::istringstream in(line.substr(std::min<size_t>(2, line.size())));
                if (line.rfind("P ", 0) == 0)
                {
                    ChimneyScenarioProgress& p = s.progress;
                    in >> p.simTime >> p.connectionsClosed >> p.connections >> p.findings;
                }
                else if (line.rfind("C ", 0) == 0)
                {
                    in >> s.closedNs;
                    if (++closedReports == count)
                    {
                        int64_t last = 0;
                        for (const Shard& t : shards)
                        {
                            last = (last < 0 || t.closedNs < 0) ? -1 : std::max(last, t.closedNs);
                        }
                        for (const Shard& t : shards)
                        {
                            WriteAll(t.out, std::to_string(last) + "\n");
                        }
                    }
                }
                else if (line.rfind("R ", 0) == 0)
                {
                    s.result = line.substr(2);
                }
            }
            if (progress &&
                std::chrono::duration<double>(Clock::now() - lastProgress).count() >= progressEvery)
            {
                lastProgress = Clock::now();
                ChimneyScenarioProgress sum;
                sum.simTime = -1;
                for (const Shard& t : shards)
                {
                    sum.simTime = sum.simTime < 0 ? t.progress.simTime
                                                  : std::min(sum.simTime, t.progress.simTime);
                    sum.connectionsClosed += t.progress.connectionsClosed;
                    sum.connections += t.progress.connections;
                    sum.findings += t.progress.findings;
                }
                progress(sum);
            }
        }
    }
    if (!error.empty())
    {
        KillAll(shards);
    }
    signal(SIGPIPE, previousSigpipe);
    for (uint32_t i = 0; i < count && error.empty(); ++i)
    {
        const std::string how = Reap(shards[i]);
        if (!how.empty())
        {
            error = "shard " + std::to_string(i) + " of " + std::to_string(count) + ": " + how;
        }
    }
    for (Shard& s : shards)
    {
        close(s.out);
        if (!s.eof)
        {
            close(s.in);
        }
    }
    if (!error.empty())
    {
        merged.ok = false;
        merged.error = error;
        return merged;
    }

    merged.ok = true;
    merged.records.resize(static_cast<size_t>(config.hosts) * config.connections);
    uint64_t globalEvents = 0;
    for (uint32_t i = 0; i < count && error.empty(); ++i)
    {
        try
        {
            MergeShard(Json::parse(shards[i].result), &merged, &globalEvents, &error);
        }
        catch (const std::exception& e)
        {
            error = "shard " + std::to_string(i) + " sent a bad result: " + e.what();
        }
    }
    if (!error.empty())
    {
        merged.ok = false;
        merged.error = error;
        return merged;
    }
    merged.events += globalEvents;
    // A single run reports in time order; at one instant (the end of the run, when the
    // verifier checks every device in turn) in node order.
    std::stable_sort(merged.findings.begin(),
                     merged.findings.end(),
                     [](const ChimneyFinding& a, const ChimneyFinding& b) {
                         return a.time < b.time || (a.time == b.time && a.nodeId < b.nodeId);
                     });
    if (merged.findings.size() > MaxStoredFindings())
    {
        merged.findings.resize(MaxStoredFindings());
    }
    struct rusage self;
    if (getrusage(RUSAGE_SELF, &self) == 0)
    {
        merged.peakRssBytes += static_cast<uint64_t>(self.ru_maxrss) * 1024;
    }
    return merged;
}

} // namespace ns3
