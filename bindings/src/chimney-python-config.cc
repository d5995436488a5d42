/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-python.h"

#include "ns3/chimney-net-device.h"

#include <pybind11/stl.h>

/**
 * \file
 * \ingroup chimney
 * Python ScenarioConfig and FaultPlan: every field of ChimneyScenarioConfig and ChimneyFaultPlan
 * as a typed property, keyword constructors that validate, repr with every value, to_dict /
 * from_dict, pickling and the JSON forms.
 */

namespace ns3
{
namespace chimneypy
{

const std::vector<Field<ChimneyFaultPlan>>&
FaultPlanFields()
{
    using P = ChimneyFaultPlan;
    static const std::vector<Field<P>> fields{
        // link (per frame, both directions)
        RealField<P>("lossRate", &P::lossRate, "Per frame: the frame is lost."),
        RealField<P>("burstRate", &P::burstRate, "Per frame: the frame starts a loss burst."),
        UintField<P>("burstLength", &P::burstLength, "Frames in a loss burst (>= 1)."),
        RealField<P>("corruptRate",
                     &P::corruptRate,
                     "Per frame: a byte is flipped (checksums on: dropped)."),
        RealField<P>("duplicateRate", &P::duplicateRate, "Per frame: delivered twice."),
        RealField<P>("reorderRate",
                     &P::reorderRate,
                     "Per frame: held back by up to `jitter` (reordering)."),
        TimeField<P>("jitter", &P::jitter, "Hold-back of a reordered frame (> 0)."),
        RealField<P>("targetedDropRate",
                     &P::targetedDropRate,
                     "Per connection: the connection gets the targeted drops below."),
        UintField<P>("dropFin",
                     &P::dropFin,
                     "Drop the n-th FIN segment of a picked connection (0: off)."),
        UintField<P>("dropRst",
                     &P::dropRst,
                     "Drop the n-th RST segment of a picked connection (0: off)."),
        UintField<P>("dropFinAck",
                     &P::dropFinAck,
                     "Drop the n-th segment that acknowledges a FIN (0: off)."),
        // remote peer
        RealField<P>("peerCrashRate",
                     &P::peerCrashRate,
                     "Per peer host: goes silent at a random time while busy."),
        RealField<P>("rstExactRate",
                     &P::rstExactRate,
                     "Per connection: a spoofed RST at exactly RCV.NXT."),
        RealField<P>("rstInWindowRate",
                     &P::rstInWindowRate,
                     "Per connection: a RST inside the window, not at RCV.NXT."),
        RealField<P>("rstOutOfWindowRate",
                     &P::rstOutOfWindowRate,
                     "Per connection: a RST outside the window."),
        RealField<P>("synRate",
                     &P::synRate,
                     "Per connection: an in-window SYN on the open connection."),
        RealField<P>("blackHoleRate",
                     &P::blackHoleRate,
                     "Per connection: the peer never acknowledges our FIN."),
        // offload target
        RealField<P>("hardwareFailureRate",
                     &P::hardwareFailureRate,
                     "Per device: fails at a random time while busy."),
        UintField<P>("capacity",
                     &P::capacity,
                     "MaxOffloadedConnections of every device (0: the device default)."),
        RealField<P>("slowCompletionRate",
                     &P::slowCompletionRate,
                     "Per device: completions take `slowCompletion`."),
        TimeField<P>("slowCompletion",
                     &P::slowCompletion,
                     "CompletionLatency of a slow device (> 0)."),
        RealField<P>(
            "retrieveRate",
            &P::retrieveRate,
            "Per connection: the target indicates Retrieve with one of `retrieveReasons`."),
        StringListField<P>("retrieveReasons",
                           &P::retrieveReasons,
                           "Retrieve reasons (ChimneyUploadReason names), drawn uniformly."),
        // host
        RealField<P>("terminatePendingDisconnectRate",
                     &P::terminatePendingDisconnectRate,
                     "Per connection: terminate while a graceful disconnect is pending."),
        RealField<P>("terminateAfterFinRate",
                     &P::terminateAfterFinRate,
                     "Per connection: terminate right after our FIN."),
        RealField<P>("terminateRacingRstRate",
                     &P::terminateRacingRstRate,
                     "Per connection: terminate as a remote RST arrives."),
        RealField<P>("abortAfterGracefulRate",
                     &P::abortAfterGracefulRate,
                     "Per connection: abortive disconnect after a graceful one."),
        RealField<P>("uploadAllRate",
                     &P::uploadAllRate,
                     "Per host: terminate every offloaded connection."),
        RealField<P>("hostMisuseRate",
                     &P::hostMisuseRate,
                     "Per connection: bad host calls (H1-H7) issued on purpose, which the "
                     "target must refuse, changing nothing."),
    };
    return fields;
}

const std::vector<Field<ChimneyScenarioConfig>>&
ScenarioConfigFields()
{
    using C = ChimneyScenarioConfig;
    static const std::vector<Field<C>> fields{
        // size and topology
        UintField<C>("hosts", &C::hosts, "N offloading hosts (>= 1)."),
        UintField<C>("connections", &C::connections, "M connections per offloading host (>= 1)."),
        StringField<C>("topology",
                       &C::topology,
                       "'p2p' (host-peer pairs), 'csma' (segments), 'dumbbell' or 'star' "
                       "(segmentHosts hosts per peer node, native peers)."),
        UintField<C>("segmentHosts",
                     &C::segmentHosts,
                     "K offloading hosts per CSMA segment (plus one peer), or per peer node of "
                     "a star."),
        StringField<C>("peer", &C::peer, "Far side: 'native' (ns-3 TcpSocketBase) or 'chimney'."),
        StringField<C>("dataRate", &C::dataRate, "Every link's data rate (ns-3 DataRate string)."),
        TimeField<C>("delay", &C::delay, "Every link's one-way delay."),
        // workload
        UintField<C>("bytesMin", &C::bytesMin, "Bytes the offloading host sends, at least ..."),
        UintField<C>("bytesMax", &C::bytesMax, "... and at most."),
        UintField<C>("peerBytesMin", &C::peerBytesMin, "Bytes the peer sends back, at least ..."),
        UintField<C>("peerBytesMax", &C::peerBytesMax, "... and at most."),
        RealField<C>("graceful",
                     &C::graceful,
                     "Weight of graceful closes (Disconnect, with final data)."),
        RealField<C>("abortive",
                     &C::abortive,
                     "Weight of abortive closes (Abort with sends outstanding)."),
        RealField<C>("halfClose",
                     &C::halfClose,
                     "Weight of half-closes (our FIN, then the peer keeps sending)."),
        RealField<C>("terminateMidTransfer",
                     &C::terminateMidTransfer,
                     "Share of connections uploaded mid-transfer, then finished in software."),
        TimeField<C>("startWindow",
                     &C::startWindow,
                     "Connections open uniformly in [0, startWindow)."),
        TimeField<C>("stopTime", &C::stopTime, "Hard end of the simulation."),
        StringField<C>("offloadPolicy",
                       &C::offloadPolicy,
                       "ChimneyHostStack OffloadPolicy: 'AtEstablished', 'AfterBytes', 'Never'."),
        RealField<C>("layeredFraction",
                     &C::layeredFraction,
                     "Share of offloading hosts whose stack sits on an intermediate driver with "
                     "a second upper protocol (A11)."),
        // faults (the nested plan is bound separately), defect, seed
        StringField<C>("defect",
                       &C::defect,
                       "ChimneyNetDevice Defect (seeded bug) on every offloading host's device; "
                       "see defect_names()."),
        StringField<C>("peerDefect",
                       &C::peerDefect,
                       "ChimneyNetDevice Defect on the chimney peers' devices only (peer "
                       "'chimney'); see defect_names()."),
        UintField<C>("seed", &C::seed, "Decides every random choice (>= 1)."),
        UintField<C>("run",
                     &C::run,
                     "ns-3 RNG run number (RngRun, >= 1): replications keep the seed and vary "
                     "the run."),
        // observation
        BoolField<C>("verifier", &C::verifier, "Attach a ChimneyVerifier."),
        BoolField<C>("verifyPeers",
                     &C::verifyPeers,
                     "The verifier watches the chimney peers' devices too (peer 'chimney')."),
        TimeField<C>("sampleInterval",
                     &C::sampleInterval,
                     "Time-series sampling period (0: no series)."),
        StringField<C>("pcapDir", &C::pcapDir, "Write pcap of chosen hosts here ('': none)."),
        UintListField<C>("pcapHosts",
                         &C::pcapHosts,
                         "Offloading host indexes to capture (empty: host 0)."),
    };
    return fields;
}

namespace
{

/// The nested plan as a Python FaultPlan or a dict of its fields.
void
SetFaults(ChimneyScenarioConfig& c, py::handle value)
{
    if (py::isinstance<ChimneyFaultPlan>(value))
    {
        c.faults = value.cast<ChimneyFaultPlan>();
    }
    else if (py::isinstance<py::dict>(value))
    {
        ChimneyFaultPlan plan;
        SetFieldsFrom("FaultPlan", FaultPlanFields(), plan, value);
        c.faults = plan;
    }
    else
    {
        FieldTypeError("faults", "FaultPlan or dict", value);
    }
}

/// Every field from a mapping, "faults" as a FaultPlan or a dict.
void
SetConfigFrom(ChimneyScenarioConfig& c, py::handle mapping)
{
    py::dict rest;
    for (auto item : mapping.cast<py::dict>())
    {
        if (std::string(py::str(item.first)) == "faults")
        {
            SetFaults(c, item.second);
        }
        else
        {
            rest[item.first] = item.second;
        }
    }
    SetFieldsFrom("ScenarioConfig", ScenarioConfigFields(), c, rest);
}

std::string
ConfigRepr(const ChimneyScenarioConfig& c)
{
    std::string out = FieldsRepr("ScenarioConfig", ScenarioConfigFields(), c);
    out.pop_back();
    return out + ", faults=" + FieldsRepr("FaultPlan", FaultPlanFields(), c.faults) + ")";
}

} // namespace

py::dict
ConfigToDict(const ChimneyScenarioConfig& c)
{
    py::dict d = FieldsToDict(ScenarioConfigFields(), c);
    d["faults"] = FieldsToDict(FaultPlanFields(), c.faults);
    return d;
}

ChimneyScenarioConfig
ConfigFromDict(py::handle mapping)
{
    ChimneyScenarioConfig c;
    SetConfigFrom(c, mapping);
    return c;
}

void
ValidateConfig(const ChimneyScenarioConfig& c)
{
    std::string error;
    if (!c.Validate(&error))
    {
        throw py::value_error(error.empty() ? "invalid scenario configuration" : error);
    }
}

void
ValidateFaultPlan(const ChimneyFaultPlan& p)
{
    std::string error;
    if (!p.Validate(&error))
    {
        throw py::value_error(error.empty() ? "invalid fault plan" : error);
    }
}

void
BindConfig(py::module_& m)
{
    // ------------------------------------------------------------------ FaultPlan
    py::class_<ChimneyFaultPlan> plan(m, "FaultPlan", R"doc(
The faults of one scenario (C++ ns3::ChimneyFaultPlan). Rates are probabilities in [0, 1];
times are float seconds. Every field is a keyword of the constructor, which validates the plan
and raises ValueError with the C++ message when it is bad:

    FaultPlan(lossRate=0.01, rstExactRate=0.1)
)doc");
    AddFieldProperties(plan, FaultPlanFields());
    plan.def(py::init([](py::kwargs kwargs) {
                 ChimneyFaultPlan p;
                 SetFieldsFrom("FaultPlan", FaultPlanFields(), p, kwargs);
                 ValidateFaultPlan(p);
                 return p;
             }),
             "Build a plan from keyword fields (the others keep their defaults); validated.")
        .def("validate",
             &ValidateFaultPlan,
             "Raise ValueError with a one-line message naming the bad field, if any.")
        .def(
            "to_dict",
            [](const ChimneyFaultPlan& p) { return FieldsToDict(FaultPlanFields(), p); },
            "Every field as a dict (times in seconds).")
        .def_static(
            "from_dict",
            [](py::dict d) {
                ChimneyFaultPlan p;
                SetFieldsFrom("FaultPlan", FaultPlanFields(), p, d);
                ValidateFaultPlan(p);
                return p;
            },
            py::arg("fields"),
            "Build a validated plan from a dict of fields.")
        .def("to_json", &ChimneyFaultPlan::ToJson, "The plan as JSON (the C++ --faults format).")
        .def_static(
            "from_json",
            [](const std::string& text) {
                ChimneyFaultPlan p;
                std::string error;
                if (!p.FromJson(text, &error))
                {
                    throw py::value_error(error);
                }
                return p;
            },
            py::arg("text"),
            "Read a plan from JSON text (the format of the campaign program's --faults file).")
        .def(
            "load_json",
            [](ChimneyFaultPlan& p, const std::string& text) {
                std::string error;
                if (!p.FromJson(text, &error))
                {
                    throw py::value_error(error);
                }
            },
            py::arg("text"),
            "Read fields from JSON text over this plan (missing keys keep their values; on an "
            "error the plan is unchanged and ValueError is raised).")
        .def_static("everything",
                    &ChimneyFaultPlan::Everything,
                    "Every fault kind switched on at moderate rates.")
        .def_static("kinds",
                    &ChimneyFaultPlan::Kinds,
                    "Every fault kind, in report order ('link.loss', ..., 'host.misuse').")
        .def("configured_kinds",
             &ChimneyFaultPlan::ConfiguredKinds,
             "The fault kinds this plan switches on, in kinds() order.")
        .def(
            "__repr__",
            [](const ChimneyFaultPlan& p) { return FieldsRepr("FaultPlan", FaultPlanFields(), p); })
        .def(
            "__eq__",
            [](const ChimneyFaultPlan& a, const ChimneyFaultPlan& b) {
                return FieldsToDict(FaultPlanFields(), a).equal(FieldsToDict(FaultPlanFields(), b));
            })
        .def("__copy__", [](const ChimneyFaultPlan& p) { return p; })
        .def("__deepcopy__", [](const ChimneyFaultPlan& p, py::dict) { return p; })
        .def(
            py::pickle([](const ChimneyFaultPlan& p) { return FieldsToDict(FaultPlanFields(), p); },
                       [](py::dict d) {
                           ChimneyFaultPlan p;
                           SetFieldsFrom("FaultPlan", FaultPlanFields(), p, d);
                           return p;
                       }));
    plan.attr("__hash__") = py::none();
    plan.attr("FIELDS") = [] {
        py::list names;
        for (const auto& f : FaultPlanFields())
        {
            names.append(f.name);
        }
        return py::tuple(names);
    }();

    // ------------------------------------------------------------------ ScenarioConfig
    py::class_<ChimneyScenarioConfig> config(m, "ScenarioConfig", R"doc(
One scenario (C++ ns3::ChimneyScenarioConfig): N offloading hosts x M connections, a topology,
a workload mix, a fault plan and one seed. Every field is a keyword of the constructor and an
option of the same name of the campaign program; times are float seconds. The constructor
validates and raises ValueError with the C++ one-line message when the config is bad:

    ScenarioConfig(hosts=2, connections=4, faults=FaultPlan(lossRate=0.01), seed=3)

Attribute assignment does not validate (intermediate states may be invalid); validate() and
run_scenario() do. repr() shows every value; ScenarioConfig() shows the defaults.
)doc");
    AddFieldProperties(config, ScenarioConfigFields());
    {
        const ChimneyScenarioConfig defaults;
        const std::string doc = "The fault plan (a FaultPlan; a dict of its fields is accepted "
                                "on assignment).\n\n:type: FaultPlan\n:default: " +
                                std::string(py::repr(py::cast(defaults.faults)));
        config.def_property(
            "faults",
            py::cpp_function([](ChimneyScenarioConfig& c) -> ChimneyFaultPlan& { return c.faults; },
                             py::return_value_policy::reference_internal),
            py::cpp_function([](ChimneyScenarioConfig& c, py::handle v) { SetFaults(c, v); }),
            doc.c_str());
    }
    config
        .def(py::init([](py::kwargs kwargs) {
                 ChimneyScenarioConfig c;
                 SetConfigFrom(c, kwargs);
                 ValidateConfig(c);
                 return c;
             }),
             "Build a config from keyword fields (the others keep their defaults: this struct's "
             "small, fault-free ones, not the campaign program's; see campaign_defaults()); "
             "validated.")
        .def_static(
            "campaign_defaults",
            [](py::kwargs kwargs) {
                ChimneyScenarioConfig c = ChimneyScenarioConfig::CampaignDefaults();
                SetConfigFrom(c, kwargs);
                ValidateConfig(c);
                return c;
            },
            "A config starting from the campaign program's defaults (./run.sh with no options: "
            "128 hosts x 8 connections within 100 ms, chimney peers, FaultPlan.everything()), "
            "then the keyword fields; validated.")
        .def("validate",
             &ValidateConfig,
             "Raise ValueError with a one-line message naming the bad field, if any.")
        .def(
            "replace",
            [](const ChimneyScenarioConfig& c, py::kwargs kwargs) {
                ChimneyScenarioConfig copy = c;
                SetConfigFrom(copy, kwargs);
                ValidateConfig(copy);
                return copy;
            },
            "A validated copy with some fields changed: base.replace(seed=3).")
        .def("to_dict",
             &ConfigToDict,
             "Every field as a dict; 'faults' is a nested dict. from_dict() reverses it.")
        .def_static(
            "from_dict",
            [](py::dict d) {
                ChimneyScenarioConfig c = ConfigFromDict(d);
                ValidateConfig(c);
                return c;
            },
            py::arg("fields"),
            "Build a validated config from a dict of fields ('faults' may be a dict).")
        .def("to_json",
             &ChimneyScenarioConfig::ToJson,
             "The config as a JSON object (every field, stable order; C++ ToJson).")
        .def("to_command_line",
             &ChimneyScenarioConfig::ToCommandLine,
             "The campaign-program options that reproduce this config: hosts, connections, "
             "everything and seed, then the fields that differ from campaign_defaults().")
        .def_static("option_names",
                    &ChimneyScenarioConfig::OptionNames,
                    "The campaign program's scenario options (without '--'): every field, "
                    "'faults' (a JSON plan file), 'everything' and every fault-plan field.")
        .def("__repr__", &ConfigRepr)
        .def("__eq__",
             [](const ChimneyScenarioConfig& a, const ChimneyScenarioConfig& b) {
                 return ConfigToDict(a).equal(ConfigToDict(b));
             })
        .def("__copy__", [](const ChimneyScenarioConfig& c) { return c; })
        .def("__deepcopy__", [](const ChimneyScenarioConfig& c, py::dict) { return c; })
        .def(py::pickle(&ConfigToDict, [](py::dict d) { return ConfigFromDict(d); }));
    config.attr("__hash__") = py::none();
    config.attr("FIELDS") = [] {
        py::list names;
        for (const auto& f : ScenarioConfigFields())
        {
            names.append(f.name);
        }
        names.append("faults");
        return py::tuple(names);
    }();

    m.def("defect_names",
          &ChimneyNetDevice::GetDefectNames,
          "Every value of ScenarioConfig.defect: 'None' (the correct target) and the seeded "
          "defects.");
}

} // namespace chimneypy
} // namespace ns3
