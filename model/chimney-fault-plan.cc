/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-fault-plan.h"

#include "chimney-types.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ns3
{

namespace
{

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

/// The kinds, in report order (the header documents the same list).
const std::vector<std::string> kKinds = {
    "link.loss",
    "link.burst",
    "link.corrupt",
    "link.duplicate",
    "link.reorder",
    "link.drop-fin",
    "link.drop-rst",
    "link.drop-fin-ack",
    "peer.crash",
    "peer.rst-exact",
    "peer.rst-in-window",
    "peer.rst-out-of-window",
    "peer.syn",
    "peer.black-hole",
    "target.hardware-failure",
    "target.capacity",
    "target.slow-completion",
    "target.retrieve",
    "host.terminate-pending-disconnect",
    "host.terminate-after-fin",
    "host.terminate-racing-rst",
    "host.abort-after-graceful",
    "host.upload-all",
    "host.misuse",
};

/**
 * Parse a time as ns-3's Time(std::string) does, without its abort on bad input: a decimal
 * number, then an optional unit (s when absent).
 */
bool
ParseTime(const std::string& text, Time* out)
{
    static const char* const kUnits[] = {"s", "ms", "us", "ns", "ps", "fs", "min", "h", "d", "y"};
    std::string::size_type n = text.find_first_not_of("+-0123456789.eE");
    std::string number = text.substr(0, n);
    if (number.empty())
    {
        return false;
    }
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (errno != 0 || end != number.c_str() + number.size() || value != value)
    {
        return false;
    }
    if (n != std::string::npos)
    {
        std::string unit = text.substr(n);
        bool known = false;
        for (const char* u : kUnits)
        {
            known = known || unit == u;
        }
        if (!known)
        {
            return false;
        }
    }
    *out = Time(text);
    return true;
}

/// A time as the shortest exact string in s, ms, us or ns.
std::string
FormatTime(Time t)
{
    int64_t ns = t.GetNanoSeconds();
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

/// True when name is a ToString(ChimneyUploadReason) name a target may indicate on its own:
/// not "None", and not "HardwareFailure" (that is hardwareFailureRate, a real failure).
bool
IsReasonName(const std::string& name)
{
    for (int r = static_cast<int>(ChimneyUploadReason::INVALID_STATE);
         r <= static_cast<int>(ChimneyUploadReason::SMALL_IO);
         ++r)
    {
        if (name == ToString(static_cast<ChimneyUploadReason>(r)))
        {
            return true;
        }
    }
    return false;
}

std::string
KeyError(const std::string& key, const std::string& reason)
{
    return "fault plan: key '" + key + "': " + reason;
}

/// One field: its JSON key, how to read it from JSON into a plan and how to write it.
struct Field
{
    std::string key;
    std::function<bool(const Json&, ChimneyFaultPlan&, std::string*)> read;
    std::function<void(const ChimneyFaultPlan&, OrderedJson&)> write;
};

Field
RateField(const std::string& key, double ChimneyFaultPlan::*member)
{
    return {key,
            [key, member](const Json& j, ChimneyFaultPlan& p, std::string* error) {
                if (!j.is_number())
                {
                    *error = KeyError(key, "must be a number in [0, 1]");
                    return false;
                }
                p.*member = j.get<double>();
                return true;
            },
            [key, member](const ChimneyFaultPlan& p, OrderedJson& o) { o[key] = p.*member; }};
}

Field
CountField(const std::string& key, uint32_t ChimneyFaultPlan::*member)
{
    return {key,
            [key, member](const Json& j, ChimneyFaultPlan& p, std::string* error) {
                if (!j.is_number_integer() ||
                    (j.is_number_unsigned()
                         ? j.get<uint64_t>() > std::numeric_limits<uint32_t>::max()
                         : j.get<int64_t>() < 0))
                {
                    *error = KeyError(key, "must be an integer in [0, 4294967295]");
                    return false;
                }
                p.*member = static_cast<uint32_t>(j.get<uint64_t>());
                return true;
            },
            [key, member](const ChimneyFaultPlan& p, OrderedJson& o) { o[key] = p.*member; }};
}

Field
TimeField(const std::string& key, Time ChimneyFaultPlan::*member)
{
    return {key,
            [key, member](const Json& j, ChimneyFaultPlan& p, std::string* error) {
                Time t;
                if (!j.is_string() || !ParseTime(j.get<std::string>(), &t))
                {
                    *error = KeyError(key, "must be a time string such as \"20ms\"");
                    return false;
                }
                p.*member = t;
                return true;
            },
            [key, member](const ChimneyFaultPlan& p, OrderedJson& o) {
                o[key] = FormatTime(p.*member);
            }};
}

/// Every field, in the header's (and ToJson's) order.
const std::vector<Field>&
Fields()
{
    using P = ChimneyFaultPlan;
    static const std::vector<Field> fields = {
        RateField("lossRate", &P::lossRate),
        RateField("burstRate", &P::burstRate),
        CountField("burstLength", &P::burstLength),
        RateField("corruptRate", &P::corruptRate),
        RateField("duplicateRate", &P::duplicateRate),
        RateField("reorderRate", &P::reorderRate),
        TimeField("jitter", &P::jitter),
        RateField("targetedDropRate", &P::targetedDropRate),
        CountField("dropFin", &P::dropFin),
        CountField("dropRst", &P::dropRst),
        CountField("dropFinAck", &P::dropFinAck),
        RateField("peerCrashRate", &P::peerCrashRate),
        RateField("rstExactRate", &P::rstExactRate),
        RateField("rstInWindowRate", &P::rstInWindowRate),
        RateField("rstOutOfWindowRate", &P::rstOutOfWindowRate),
        RateField("synRate", &P::synRate),
        RateField("blackHoleRate", &P::blackHoleRate),
        RateField("hardwareFailureRate", &P::hardwareFailureRate),
        CountField("capacity", &P::capacity),
        RateField("slowCompletionRate", &P::slowCompletionRate),
        TimeField("slowCompletion", &P::slowCompletion),
        RateField("retrieveRate", &P::retrieveRate),
        {"retrieveReasons",
         [](const Json& j, P& p, std::string* error) {
             if (!j.is_array())
             {
                 *error = KeyError("retrieveReasons", "must be an array of reason names");
                 return false;
             }
             std::vector<std::string> reasons;
             for (const auto& r : j)
             {
                 if (!r.is_string())
                 {
                     *error = KeyError("retrieveReasons", "must be an array of reason names");
                     return false;
                 }
                 reasons.push_back(r.get<std::string>());
             }
             p.retrieveReasons = reasons;
             return true;
         },
         [](const P& p, OrderedJson& o) { o["retrieveReasons"] = p.retrieveReasons; }},
        RateField("terminatePendingDisconnectRate", &P::terminatePendingDisconnectRate),
        RateField("terminateAfterFinRate", &P::terminateAfterFinRate),
        RateField("terminateRacingRstRate", &P::terminateRacingRstRate),
        RateField("abortAfterGracefulRate", &P::abortAfterGracefulRate),
        RateField("uploadAllRate", &P::uploadAllRate),
        RateField("hostMisuseRate", &P::hostMisuseRate),
    };
    return fields;
}

} // namespace

const std::vector<std::string>&
ChimneyFaultPlan::Kinds()
{
    return kKinds;
}

std::vector<std::string>
ChimneyFaultPlan::ConfiguredKinds() const
{
    bool targeted = targetedDropRate > 0;
    const bool on[] = {
        lossRate > 0,
        burstRate > 0,
        corruptRate > 0,
        duplicateRate > 0,
        reorderRate > 0,
        targeted && dropFin > 0,
        targeted && dropRst > 0,
        targeted && dropFinAck > 0,
        peerCrashRate > 0,
        rstExactRate > 0,
        rstInWindowRate > 0,
        rstOutOfWindowRate > 0,
        synRate > 0,
        blackHoleRate > 0,
        hardwareFailureRate > 0,
        capacity > 0,
        slowCompletionRate > 0,
        retrieveRate > 0,
        terminatePendingDisconnectRate > 0,
        terminateAfterFinRate > 0,
        terminateRacingRstRate > 0,
        abortAfterGracefulRate > 0,
        uploadAllRate > 0,
        hostMisuseRate > 0,
    };
    static_assert(sizeof(on) / sizeof(on[0]) == 24, "one entry per kind");
    std::vector<std::string> kinds;
    for (size_t i = 0; i < kKinds.size(); ++i)
    {
        if (on[i])
        {
            kinds.push_back(kKinds[i]);
        }
    }
    return kinds;
}

bool
ChimneyFaultPlan::Validate(std::string* error) const
{
    std::string dummy;
    std::string& err = error ? *error : dummy;
    const std::pair<const char*, double> rates[] = {
        {"lossRate", lossRate},
        {"burstRate", burstRate},
        {"corruptRate", corruptRate},
        {"duplicateRate", duplicateRate},
        {"reorderRate", reorderRate},
        {"targetedDropRate", targetedDropRate},
        {"peerCrashRate", peerCrashRate},
        {"rstExactRate", rstExactRate},
        {"rstInWindowRate", rstInWindowRate},
        {"rstOutOfWindowRate", rstOutOfWindowRate},
        {"synRate", synRate},
        {"blackHoleRate", blackHoleRate},
        {"hardwareFailureRate", hardwareFailureRate},
        {"slowCompletionRate", slowCompletionRate},
        {"retrieveRate", retrieveRate},
        {"terminatePendingDisconnectRate", terminatePendingDisconnectRate},
        {"terminateAfterFinRate", terminateAfterFinRate},
        {"terminateRacingRstRate", terminateRacingRstRate},
        {"abortAfterGracefulRate", abortAfterGracefulRate},
        {"uploadAllRate", uploadAllRate},
        {"hostMisuseRate", hostMisuseRate},
    };
    for (const auto& [key, value] : rates)
    {
        // !(x >= 0) also rejects NaN.
        if (!(value >= 0) || value > 1)
        {
            err = KeyError(key, "must be a number in [0, 1]");
            return false;
        }
    }
    if (burstLength < 1)
    {
        err = KeyError("burstLength", "must be >= 1");
        return false;
    }
    if (!jitter.IsStrictlyPositive())
    {
        err = KeyError("jitter", "must be > 0");
        return false;
    }
    if (!slowCompletion.IsStrictlyPositive())
    {
        err = KeyError("slowCompletion", "must be > 0");
        return false;
    }
    for (const auto& reason : retrieveReasons)
    {
        if (!IsReasonName(reason))
        {
            err = KeyError(
                "retrieveReasons",
                "unknown reason '" + reason +
                    "' (e.g. \"UploadRequested\"; HardwareFailure is hardwareFailureRate)");
            return false;
        }
    }
    if (retrieveRate > 0 && retrieveReasons.empty())
    {
        err = KeyError("retrieveReasons", "must not be empty when retrieveRate > 0");
        return false;
    }
    return true;
}

bool
ChimneyFaultPlan::FromJson(const std::string& text, std::string* error)
{
    std::string dummy;
    std::string& err = error ? *error : dummy;
    Json json;
    try
    {
        json = Json::parse(text);
    }
    catch (const Json::parse_error& e)
    {
        err = std::string("fault plan: invalid JSON: ") + e.what();
        return false;
    }
    if (!json.is_object())
    {
        err = "fault plan: the JSON must be an object of field names";
        return false;
    }
    ChimneyFaultPlan plan = *this;
    for (const auto& [key, value] : json.items())
    {
        const Field* field = nullptr;
        for (const auto& f : Fields())
        {
            field = f.key == key ? &f : field;
        }
        if (!field)
        {
            err = KeyError(key, "unknown key");
            return false;
        }
        if (!field->read(value, plan, &err))
        {
            return false;
        }
    }
    if (!plan.Validate(&err))
    {
        return false;
    }
    *this = plan;
    return true;
}

bool
ChimneyFaultPlan::LoadFile(const std::string& path, std::string* error)
{
    std::ifstream in(path);
    if (!in)
    {
        if (error)
        {
            *error = "fault plan: cannot read '" + path + "'";
        }
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string err;
    if (!FromJson(text.str(), &err))
    {
        if (error)
        {
            *error = path + ": " + err;
        }
        return false;
    }
    return true;
}

std::string
ChimneyFaultPlan::ToJson() const
{
    OrderedJson o = OrderedJson::object();
    for (const auto& f : Fields())
    {
        f.write(*this, o);
    }
    return o.dump(2);
}

ChimneyFaultPlan
ChimneyFaultPlan::Everything()
{
    ChimneyFaultPlan p;
    p.lossRate = 0.01;
    p.burstRate = 0.002;
    p.burstLength = 3;
    p.corruptRate = 0.005;
    p.duplicateRate = 0.01;
    p.reorderRate = 0.01;
    p.jitter = MilliSeconds(2);
    p.targetedDropRate = 0.2;
    p.dropFin = 1;
    p.dropRst = 1;
    p.dropFinAck = 1;
    p.peerCrashRate = 0.05;
    p.rstExactRate = 0.03;
    p.rstInWindowRate = 0.03;
    p.rstOutOfWindowRate = 0.03;
    p.synRate = 0.03;
    p.blackHoleRate = 0.03;
    p.hardwareFailureRate = 0.05;
    p.capacity = 6;
    p.slowCompletionRate = 0.2;
    p.slowCompletion = MilliSeconds(20);
    p.retrieveRate = 0.05;
    p.terminatePendingDisconnectRate = 0.05;
    p.terminateAfterFinRate = 0.05;
    p.terminateRacingRstRate = 0.03;
    p.abortAfterGracefulRate = 0.05;
    p.uploadAllRate = 0.05;
    p.hostMisuseRate = 0.05;
    return p;
}

} // namespace ns3
