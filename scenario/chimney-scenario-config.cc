/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyScenarioConfig: validation, command-line options, reproduction command and JSON. One
// table of fields drives all four, so an option, its JSON key and its check never drift apart.

#include "chimney-scenario-topology.h"
#include "chimney-scenario.h"

#include "ns3/chimney-net-device.h"
#include "ns3/chimney-ns3-compat.h"
#include "ns3/command-line.h"
#include "ns3/global-value.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ns3
{

namespace
{

using OrderedJson = nlohmann::ordered_json;
using Config = ChimneyScenarioConfig;

/// How a field's value is written in JSON.
enum class JsonType : uint8_t
{
    NUMBER,
    STRING,
    BOOL,
    LIST,
};

/// One config field: its option name, help, canonical text, parser and JSON type.
struct Field
{
    std::string name;
    std::string help;
    JsonType json;
    std::function<std::string(const Config&)> get;
    std::function<bool(Config&, const std::string&, std::string*)> set;
    bool option{true}; //!< a command-line option of its own (run: ns-3's --RngRun instead)
};

bool
ParseUint(const std::string& text, uint64_t max, uint64_t* out)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 19)
    {
        return false;
    }
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
    if (errno != 0 || v > max)
    {
        return false;
    }
    *out = v;
    return true;
}

bool
ParseDouble(const std::string& text, double* out)
{
    if (text.empty())
    {
        return false;
    }
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v))
    {
        return false;
    }
    *out = v;
    return true;
}

/// A time as ns-3's Time(std::string) reads it, without its abort on bad input.
bool
ParseTime(const std::string& text, Time* out)
{
    static const char* const kUnits[] = {"s", "ms", "us", "ns", "ps", "fs", "min", "h", "d", "y"};
    const std::string::size_type n = text.find_first_not_of("+-0123456789.eE");
    double value = 0;
    if (!ParseDouble(text.substr(0, n), &value))
    {
        return false;
    }
    if (n != std::string::npos)
    {
        bool known = false;
        for (const char* u : kUnits)
        {
            known = known || text.substr(n) == u;
        }
        if (!known)
        {
            return false;
        }
    }
    *out = Time(text);
    return true;
}

/// The shortest exact text of a time in s, ms, us or ns.
std::string
FormatTime(Time t)
{
    const int64_t ns = t.GetNanoSeconds();
    static const std::pair<int64_t, const char*> kUnits[] = {{1000000000, "s"},
                                                             {1000000, "ms"},
                                                             {1000, "us"}};
    for (const auto& [scale, unit] : kUnits)
    {
        if (ns != 0 && ns % scale == 0)
        {
            return std::to_string(ns / scale) + unit;
        }
    }
    return std::to_string(ns) + "ns";
}

std::string
FormatDouble(double v)
{
    return OrderedJson(v).dump(); // shortest text that reads back the same
}

bool
ParseBool(const std::string& text, bool* out)
{
    if (text.empty() || text == "true" || text == "1" || text == "yes")
    {
        *out = true;
        return true;
    }
    if (text == "false" || text == "0" || text == "no")
    {
        *out = false;
        return true;
    }
    return false;
}

bool
ParseIndexList(const std::string& text, std::vector<uint32_t>* out)
{
    std::vector<uint32_t> v;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ','))
    {
        uint64_t n = 0;
        if (!ParseUint(item, 0xffffffffULL, &n))
        {
            return false;
        }
        v.push_back(static_cast<uint32_t>(n));
    }
    *out = v;
    return true;
}

std::string
FormatIndexList(const std::vector<uint32_t>& v)
{
    std::string s;
    for (size_t i = 0; i < v.size(); ++i)
    {
        s += (i ? "," : "") + std::to_string(v[i]);
    }
    return s;
}

Field
UintField(const char* name, const char* help, uint32_t Config::*member)
{
    return {name,
            help,
            JsonType::NUMBER,
            [member](const Config& c) { return std::to_string(c.*member); },
            [member](Config& c, const std::string& v, std::string* why) {
                uint64_t n = 0;
                if (!ParseUint(v, 0xffffffffULL, &n))
                {
                    *why = "not an unsigned 32-bit integer";
                    return false;
                }
                c.*member = static_cast<uint32_t>(n);
                return true;
            }};
}

Field
DoubleField(const char* name, const char* help, double Config::*member)
{
    return {name,
            help,
            JsonType::NUMBER,
            [member](const Config& c) { return FormatDouble(c.*member); },
            [member](Config& c, const std::string& v, std::string* why) {
                double d = 0;
                if (!ParseDouble(v, &d))
                {
                    *why = "not a number";
                    return false;
                }
                c.*member = d;
                return true;
            }};
}

Field
StringField(const char* name, const char* help, std::string Config::*member)
{
    return {name,
            help,
            JsonType::STRING,
            [member](const Config& c) { return c.*member; },
            [member](Config& c, const std::string& v, std::string*) {
                c.*member = v;
                return true;
            }};
}

Field
TimeField(const char* name, const char* help, Time Config::*member)
{
    return {name,
            help,
            JsonType::STRING,
            [member](const Config& c) { return FormatTime(c.*member); },
            [member](Config& c, const std::string& v, std::string* why) {
                Time t;
                if (!ParseTime(v, &t))
                {
                    *why = "not a time (e.g. 20ms, 1.5s)";
                    return false;
                }
                c.*member = t;
                return true;
            }};
}

Field
BoolField(const char* name, const char* help, bool Config::*member)
{
    return {name,
            help,
            JsonType::BOOL,
            [member](const Config& c) { return std::string(c.*member ? "true" : "false"); },
            [member](Config& c, const std::string& v, std::string* why) {
                if (!ParseBool(v, &(c.*member)))
                {
                    *why = "not true or false";
                    return false;
                }
                return true;
            }};
}

/// \returns the field, marked as set by something other than an option of its own name
Field
NotAnOption(Field f)
{
    f.option = false;
    return f;
}

/// Every field but the fault plan, in JSON order.
const std::vector<Field>&
Fields()
{
    static const std::vector<Field> fields = {
        UintField("hosts", "N offloading hosts", &Config::hosts),
        UintField("connections", "M connections per offloading host", &Config::connections),
        StringField("topology", "p2p, csma, dumbbell or star", &Config::topology),
        UintField("segmentHosts",
                  "offloading hosts per CSMA segment, or per peer node of a star",
                  &Config::segmentHosts),
        StringField("peer", "far side: native (ns-3 TCP) or chimney", &Config::peer),
        StringField("dataRate", "every link's data rate", &Config::dataRate),
        TimeField("delay", "every link's one-way delay", &Config::delay),
        UintField("bytesMin", "bytes a connection sends, at least", &Config::bytesMin),
        UintField("bytesMax", "bytes a connection sends, at most", &Config::bytesMax),
        UintField("peerBytesMin", "bytes the peer sends back, at least", &Config::peerBytesMin),
        UintField("peerBytesMax", "bytes the peer sends back, at most", &Config::peerBytesMax),
        DoubleField("graceful", "weight of graceful closes", &Config::graceful),
        DoubleField("abortive", "weight of abortive closes", &Config::abortive),
        DoubleField("halfClose", "weight of half-closes", &Config::halfClose),
        DoubleField("terminateMidTransfer",
                    "share of connections uploaded mid-transfer",
                    &Config::terminateMidTransfer),
        TimeField("startWindow", "connections open in [0, startWindow)", &Config::startWindow),
        TimeField("stopTime", "hard end of the simulation", &Config::stopTime),
        StringField("offloadPolicy", "AtEstablished, AfterBytes or Never", &Config::offloadPolicy),
        DoubleField("layeredFraction",
                    "share of hosts layered: stack on an intermediate driver with a second upper",
                    &Config::layeredFraction),
        StringField("defect", "seeded device defect (None: correct model)", &Config::defect),
        StringField("peerDefect",
                    "seeded device defect on the chimney peers only (None: correct model)",
                    &Config::peerDefect),
        UintField("seed", "decides every random choice (>= 1)", &Config::seed),
        NotAnOption(UintField("run", "ns-3 RNG run number (--RngRun)", &Config::run)),
        BoolField("verifier", "attach the ChimneyVerifier", &Config::verifier),
        BoolField("verifyPeers",
                  "the verifier watches the chimney peers' devices too",
                  &Config::verifyPeers),
        TimeField("sampleInterval", "time-series period (0: none)", &Config::sampleInterval),
        StringField("pcapDir", "write pcap of chosen hosts here", &Config::pcapDir),
        {"pcapHosts",
         "host indexes to capture, comma-separated (default: 0)",
         JsonType::LIST,
         [](const Config& c) { return FormatIndexList(c.pcapHosts); },
         [](Config& c, const std::string& v, std::string* why) {
             if (!ParseIndexList(v, &c.pcapHosts))
             {
                 *why = "not a comma-separated list of host indexes";
                 return false;
             }
             return true;
         }},
    };
    return fields;
}

/// The fault plan as an ordered JSON object.
OrderedJson
PlanJson(const ChimneyFaultPlan& plan)
{
    return OrderedJson::parse(plan.ToJson());
}

/// A fault-plan value as command-line text.
std::string
PlanValueText(const OrderedJson& v)
{
    if (v.is_string())
    {
        return v.get<std::string>();
    }
    if (v.is_array())
    {
        std::string s;
        for (size_t i = 0; i < v.size(); ++i)
        {
            s += (i ? "," : "") + PlanValueText(v[i]);
        }
        return s;
    }
    return v.dump();
}

/// Fault options "--key=value" that turn `base` into `plan`.
std::vector<std::string>
PlanDiff(const OrderedJson& base, const OrderedJson& plan)
{
    std::vector<std::string> out;
    for (auto it = plan.begin(); it != plan.end(); ++it)
    {
        if (!base.contains(it.key()) || base[it.key()] != it.value())
        {
            out.push_back("--" + it.key() + "=" + PlanValueText(it.value()));
        }
    }
    return out;
}

/// Apply one fault-plan option given as text (its JSON type taken from the plan itself).
bool
ApplyPlanOption(ChimneyFaultPlan& plan,
                const std::string& key,
                const std::string& value,
                std::string* error)
{
    const OrderedJson current = PlanJson(plan);
    OrderedJson v;
    const OrderedJson& kind = current.at(key);
    if (kind.is_string())
    {
        v = value;
    }
    else if (kind.is_array())
    {
        v = OrderedJson::array();
        std::stringstream s(value);
        std::string item;
        while (std::getline(s, item, ','))
        {
            v.push_back(item);
        }
    }
    else
    {
        double d = 0;
        if (!ParseDouble(value, &d))
        {
            *error = "--" + key + "=" + value + ": not a number";
            return false;
        }
        v = OrderedJson::parse(value, nullptr, false);
        if (v.is_discarded() || !v.is_number())
        {
            v = d;
        }
    }
    OrderedJson one = OrderedJson::object();
    one[key] = v;
    std::string why;
    if (!plan.FromJson(one.dump(), &why))
    {
        *error = "--" + key + "=" + value + ": " + why;
        return false;
    }
    return true;
}

} // namespace

std::vector<std::string>
ChimneyScenarioConfig::OptionNames()
{
    std::vector<std::string> names;
    for (const auto& f : Fields())
    {
        if (f.option)
        {
            names.push_back(f.name);
        }
    }
    names.emplace_back("faults");
    names.emplace_back("everything");
    const OrderedJson plan = PlanJson(ChimneyFaultPlan());
    for (auto it = plan.begin(); it != plan.end(); ++it)
    {
        names.push_back(it.key());
    }
    return names;
}

bool
ChimneyScenarioConfig::Validate(std::string* error) const
{
    std::string why;
    std::string planWhy;
    const auto& defects = ChimneyNetDevice::GetDefectNames();
    if (!ChimneyScenarioTopology::Check(topology, hosts, segmentHosts, dataRate, &why))
    {
        // why is set
    }
    else if (connections == 0 || connections > 16000)
    {
        why = "connections must be between 1 and 16000 (ephemeral ports per host)";
    }
    else if (static_cast<uint64_t>(hosts) * connections > 100000000ULL)
    {
        why = "hosts x connections must be at most 100000000";
    }
    else if (peer != "native" && peer != "chimney")
    {
        why = "peer '" + peer + "' is unknown: use native or chimney";
    }
    else if (topology == "star" && peer != "native")
    {
        why = "topology star needs peer native (a chimney stack drives one device per node)";
    }
    else if (delay < Time(0) || delay > Seconds(10))
    {
        why = "delay must be between 0 and 10s";
    }
    else if (bytesMin > bytesMax)
    {
        why = "bytesMin must not exceed bytesMax";
    }
    else if (peerBytesMin > peerBytesMax)
    {
        why = "peerBytesMin must not exceed peerBytesMax";
    }
    else if (!(graceful >= 0) || !(abortive >= 0) || !(halfClose >= 0) ||
             !std::isfinite(graceful + abortive + halfClose) ||
             graceful + abortive + halfClose <= 0)
    {
        why = "graceful, abortive and halfClose must be >= 0 with a positive sum";
    }
    else if (!(terminateMidTransfer >= 0 && terminateMidTransfer <= 1))
    {
        why = "terminateMidTransfer must be between 0 and 1";
    }
    else if (!startWindow.IsStrictlyPositive())
    {
        why = "startWindow must be positive";
    }
    else if (stopTime <= startWindow)
    {
        why = "stopTime must be later than startWindow";
    }
    else if (offloadPolicy != "AtEstablished" && offloadPolicy != "AfterBytes" &&
             offloadPolicy != "Never")
    {
        why = "offloadPolicy '" + offloadPolicy +
              "' is unknown: use AtEstablished, AfterBytes "
              "or Never";
    }
    else if (!(layeredFraction >= 0 && layeredFraction <= 1))
    {
        why = "layeredFraction must be between 0 and 1";
    }
    else if (std::find(defects.begin(), defects.end(), defect) == defects.end())
    {
        why = "defect '" + defect + "' is unknown: use None or one of ChimneyNetDevice's defects";
    }
    else if (std::find(defects.begin(), defects.end(), peerDefect) == defects.end())
    {
        why = "peerDefect '" + peerDefect +
              "' is unknown: use None or one of ChimneyNetDevice's defects";
    }
    else if (peerDefect != "None" && peer != "chimney")
    {
        why = "peerDefect needs peer chimney (native peers have no offload target)";
    }
    else if (seed == 0)
    {
        why = "seed must be at least 1";
    }
    else if (run == 0)
    {
        why = "run must be at least 1";
    }
    else if (sampleInterval < Time(0))
    {
        why = "sampleInterval must not be negative";
    }
    else if (!faults.Validate(&planWhy))
    {
        why = "faults: " + planWhy;
    }
    else
    {
        for (uint32_t h : pcapHosts)
        {
            if (h >= hosts)
            {
                why = "pcapHosts: host " + std::to_string(h) +
                      " does not exist (hosts=" + std::to_string(hosts) + ")";
                break;
            }
        }
    }
    if (!why.empty() && error)
    {
        *error = why;
    }
    return why.empty();
}

void
ChimneyScenarioConfig::AddToCommandLine(CommandLine& cmd)
{
    for (const auto& f : Fields())
    {
        if (!f.option)
        {
            continue;
        }
        const Field* field = &f;
        cmd.AddValue(f.name,
                     f.help,
                     ChimneyOptionCallback([this, field](std::string value) {
                         std::string why;
                         if (field->name == "pcapHosts")
                         {
                             m_pcapHosts = value;
                             m_pcapHostsSet = true;
                         }
                         else if (!field->set(*this, value, &why) && m_optionError.empty())
                         {
                             m_optionError = "--" + field->name + "=" + value + ": " + why;
                         }
                         return true; // reported by FinishCommandLine(), not by an exit here
                     }),
                     f.get(*this));
    }
    cmd.AddValue("faults",
                 "JSON fault plan file (keys: the fault options below)",
                 ChimneyOptionCallback([this](std::string value) {
                     m_faultsFile = value;
                     return true;
                 }),
                 m_faultsFile);
    cmd.AddValue("everything",
                 "start the fault plan from ChimneyFaultPlan::Everything() (false: from no "
                 "faults)",
                 ChimneyOptionCallback([this](std::string value) {
                     bool b = false;
                     if (!ParseBool(value, &b) && m_optionError.empty())
                     {
                         m_optionError = "--everything=" + value + ": not true or false";
                     }
                     m_everything = b ? 1 : 0;
                     return true;
                 }),
                 "(current plan)");
    const OrderedJson plan = PlanJson(faults);
    for (auto it = plan.begin(); it != plan.end(); ++it)
    {
        const std::string key = it.key();
        cmd.AddValue(key,
                     "fault plan: " + key,
                     ChimneyOptionCallback([this, key](std::string value) {
                         m_faultOptions.emplace_back(key, value);
                         return true;
                     }),
                     PlanValueText(it.value()));
    }
}

bool
ChimneyScenarioConfig::FinishCommandLine(std::string* error)
{
    std::string why;
    UintegerValue rngRun;
    GlobalValue::GetValueByName("RngRun", rngRun);
    if (!m_optionError.empty())
    {
        why = m_optionError;
    }
    else if (rngRun.Get() == 0 || rngRun.Get() > 0xffffffffULL)
    {
        why = "--RngRun=" + std::to_string(rngRun.Get()) + ": must be between 1 and 4294967295";
    }
    else if (m_pcapHostsSet && !ParseIndexList(m_pcapHosts, &pcapHosts))
    {
        why = "--pcapHosts=" + m_pcapHosts + ": not a comma-separated list of host indexes";
    }
    else
    {
        run = static_cast<uint32_t>(rngRun.Get());
        ChimneyFaultPlan plan = faults;
        if (m_everything == 1)
        {
            plan = ChimneyFaultPlan::Everything();
        }
        else if (m_everything == 0)
        {
            plan = ChimneyFaultPlan();
        }
        std::string planWhy;
        if (!m_faultsFile.empty() && !plan.LoadFile(m_faultsFile, &planWhy))
        {
            why = "--faults=" + m_faultsFile + ": " + planWhy;
        }
        for (const auto& option : m_faultOptions)
        {
            if (why.empty())
            {
                ApplyPlanOption(plan, option.first, option.second, &why);
            }
        }
        if (why.empty())
        {
            faults = plan;
            Validate(&why);
        }
    }
    m_faultOptions.clear();
    m_everything = -1;
    m_optionError.clear();
    if (!why.empty() && error)
    {
        *error = why;
    }
    return why.empty();
}

ChimneyScenarioConfig
ChimneyScenarioConfig::CampaignDefaults()
{
    ChimneyScenarioConfig config;
    config.hosts = 128;
    config.connections = 8;
    config.startWindow = MilliSeconds(100);
    config.peer = "chimney";
    config.layeredFraction = 0.125;
    config.faults = ChimneyFaultPlan::Everything();
    return config;
}

std::string
ChimneyScenarioConfig::ToCommandLine() const
{
    // The line is for the campaign program: what it does not default to must be spelled out.
    const ChimneyScenarioConfig defaults = CampaignDefaults();
    std::ostringstream s;
    s << "--hosts=" << hosts << " --connections=" << connections;
    for (const auto& f : Fields())
    {
        if (f.name == "hosts" || f.name == "connections" || f.name == "seed" || !f.option)
        {
            continue;
        }
        const std::string value = f.get(*this);
        if (value != f.get(defaults))
        {
            s << " --" << f.name << "=" << value;
        }
    }
    const OrderedJson plan = PlanJson(faults);
    const std::vector<std::string> fromNone = PlanDiff(PlanJson(ChimneyFaultPlan()), plan);
    const std::vector<std::string> fromAll =
        PlanDiff(PlanJson(ChimneyFaultPlan::Everything()), plan);
    const bool everything = fromAll.size() < fromNone.size();
    s << (everything ? " --everything" : " --everything=false");
    for (const auto& option : everything ? fromAll : fromNone)
    {
        s << " " << option;
    }
    s << " --seed=" << seed;
    if (run != 1)
    {
        s << " --RngRun=" << run;
    }
    return s.str();
}

std::string
ChimneyScenarioConfig::ToJson() const
{
    OrderedJson o = OrderedJson::object();
    for (const auto& f : Fields())
    {
        const std::string text = f.get(*this);
        switch (f.json)
        {
        case JsonType::NUMBER:
            o[f.name] = OrderedJson::parse(text);
            break;
        case JsonType::STRING:
            o[f.name] = text;
            break;
        case JsonType::BOOL:
            o[f.name] = text == "true";
            break;
        case JsonType::LIST:
            o[f.name] = pcapHosts;
            break;
        }
        if (f.name == "defect")
        {
            o["faults"] = PlanJson(faults); // the plan next to the defect and the seed
        }
    }
    return o.dump(2);
}

} // namespace ns3
