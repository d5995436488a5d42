# SPDX-License-Identifier: GPL-2.0-only
"""ScenarioConfig and FaultPlan: defaults, every C++ field bound, typed properties, validation
errors with the C++ message, round trips."""

import copy
import pickle
import re

import pytest

import chimney_offload as co


def cpp_fields(header, struct):
    """The data members of a struct in a C++ header, in order (what the binding must cover)."""
    text = header.read_text()
    body = re.search(r"struct %s\n\{(.*?)\n\};" % struct, text, re.S).group(1)
    body = body.split("  private:")[0]
    names = []
    for match in re.finditer(
        r"^\s{4}(?:std::vector<[\w:]+>|[\w:]+)\s+(\w+)\s*(?:=[^;]*|\{[^;]*\})?;", body, re.M | re.S
    ):
        names.append(match.group(1))
    return names


def test_every_field_of_the_cpp_structs_is_bound(source_dir):
    config_fields = cpp_fields(source_dir / "scenario/chimney-scenario.h", "ChimneyScenarioConfig")
    plan_fields = cpp_fields(source_dir / "model/chimney-fault-plan.h", "ChimneyFaultPlan")
    assert "hosts" in config_fields and "faults" in config_fields and "pcapHosts" in config_fields
    assert "lossRate" in plan_fields and "retrieveReasons" in plan_fields
    assert sorted(co.ScenarioConfig.FIELDS) == sorted(config_fields)
    assert sorted(co.FaultPlan.FIELDS) == sorted(plan_fields)


def test_defaults_are_those_of_the_cpp_header():
    config = co.ScenarioConfig()
    assert (config.hosts, config.connections, config.topology) == (8, 4, "p2p")
    assert (config.peer, config.dataRate, config.offloadPolicy) == ("native", "100Mbps", "AtEstablished")
    assert config.delay == pytest.approx(0.001)
    assert config.stopTime == 600.0 and config.startWindow == 1.0
    assert config.sampleInterval == pytest.approx(0.1)
    assert (config.graceful, config.abortive, config.halfClose) == (0.6, 0.2, 0.2)
    assert config.defect == "None" and config.seed == 1 and config.verifier is True
    assert config.verifyPeers is True and config.peerDefect == "None"
    assert config.pcapDir == "" and config.pcapHosts == []
    plan = config.faults
    assert isinstance(plan, co.FaultPlan)
    assert plan.lossRate == 0.0 and plan.burstLength == 3 and plan.jitter == pytest.approx(0.002)
    assert plan.slowCompletion == pytest.approx(0.02)
    assert plan.configured_kinds() == []


def test_every_property_is_typed_and_documented_with_its_default():
    for cls in (co.ScenarioConfig, co.FaultPlan):
        for name in cls.FIELDS:
            doc = getattr(cls, name).__doc__
            assert ":type: " in doc and ":default: " in doc, (cls.__name__, name, doc)
    assert "float seconds" in co.ScenarioConfig.delay.__doc__
    assert ":default: 8" in co.ScenarioConfig.hosts.__doc__


def test_repr_shows_every_field_and_value():
    text = repr(co.ScenarioConfig(hosts=3, faults=co.FaultPlan(lossRate=0.25)))
    for name in co.ScenarioConfig.FIELDS + co.FaultPlan.FIELDS:
        assert f"{name}=" in text
    assert "hosts=3" in text and "lossRate=0.25" in text and "topology='p2p'" in text


def test_nested_fault_plan_is_shared_with_its_config():
    config = co.ScenarioConfig()
    config.faults.lossRate = 0.05
    assert config.faults.lossRate == 0.05
    config.faults = {"rstExactRate": 0.5}
    assert config.faults.rstExactRate == 0.5 and config.faults.lossRate == 0.0
    assert config.faults.configured_kinds() == ["peer.rst-exact"]


def test_time_fields_are_float_seconds():
    config = co.ScenarioConfig(delay=0.0025, stopTime=30)
    assert config.delay == 0.0025 and config.stopTime == 30.0
    assert co.make_config(delay="5ms").delay == pytest.approx(0.005)


@pytest.mark.parametrize(
    "fields, field",
    [
        (dict(topology="ring"), "topology"),
        (dict(hosts=0), "hosts"),
        (dict(seed=0), "seed"),
        (dict(defect="NoSuchDefect"), "defect"),
        (dict(faults=dict(lossRate=-0.1)), "lossRate"),
        (dict(faults=dict(corruptRate=1.5)), "corruptRate"),
    ],
)
def test_bad_config_raises_value_error_naming_the_field(fields, field):
    with pytest.raises(ValueError, match=field) as info:
        co.ScenarioConfig(**fields)
    assert "\n" not in str(info.value)


def test_bad_values_and_types_raise_at_assignment():
    config = co.ScenarioConfig()
    with pytest.raises(ValueError, match="hosts"):
        config.hosts = -1
    with pytest.raises(TypeError, match="hosts"):
        config.hosts = "two"
    with pytest.raises(TypeError, match="topology"):
        config.topology = 3
    with pytest.raises(ValueError, match="lossRate"):
        config.faults.lossRate = float("nan")
    with pytest.raises(TypeError, match="unknown field 'host'"):
        co.ScenarioConfig(host=2)


def test_invalid_assignment_is_caught_by_validate_and_run():
    config = co.ScenarioConfig()
    config.topology = "ring"
    with pytest.raises(ValueError, match="topology"):
        config.validate()
    with pytest.raises(ValueError, match="topology"):
        co.run_scenario(config)
    config.topology = "csma"
    config.faults.lossRate = -1.0
    with pytest.raises(ValueError, match="lossRate"):
        co.run_scenario(config)


def test_round_trips():
    config = co.ScenarioConfig(hosts=3, topology="csma", pcapHosts=[0, 2], faults=co.FaultPlan(lossRate=0.1))
    assert co.ScenarioConfig.from_dict(config.to_dict()) == config
    assert pickle.loads(pickle.dumps(config)) == config
    assert copy.deepcopy(config) == config
    assert config.replace(seed=7).seed == 7 and config.seed == 1
    assert config.replace(seed=7) != config
    plan = co.FaultPlan(lossRate=0.1, retrieveReasons=["LowActivity"])
    assert co.FaultPlan.from_json(plan.to_json()) == plan
    with pytest.raises(ValueError):
        co.FaultPlan.from_json('{"noSuchKey": 1}')


def test_fault_kinds_and_defects_come_from_cpp():
    kinds = co.FaultPlan.kinds()
    assert kinds[0] == "link.loss" and "host.upload-all" in kinds and len(kinds) == len(set(kinds))
    assert set(co.FaultPlan.everything().configured_kinds()) <= set(kinds)
    assert len(co.FaultPlan.everything().configured_kinds()) > 10
    names = co.defect_names()
    assert names[0] == "None" and "FreeOnFin" in names and len(names) >= 18
    assert "W1" in co.invariant_catalog() and "H7" in co.invariant_catalog()


def test_config_hash_ignores_the_seed_and_the_run_only():
    a = co.ScenarioConfig(hosts=2)
    assert co.config_hash(a) == co.config_hash(a.replace(seed=9))
    assert co.config_hash(a) == co.config_hash(a.replace(run=4))
    assert co.config_hash(a) != co.config_hash(a.replace(hosts=3))
    assert co.point_key(a.replace(seed=9)) == (co.config_hash(a), 9, 1)
    assert co.point_key(a.replace(seed=9, run=4)) == (co.config_hash(a), 9, 4)
    with pytest.raises(ValueError, match="run"):
        a.replace(run=0)


def test_replicate_gives_every_point_at_every_seed_and_run():
    points = [co.ScenarioConfig(hosts=2, seed=5), co.ScenarioConfig(hosts=3, run=7)]
    keys = [(p.hosts, p.seed, p.run) for p in co.replicate(points, runs=[1, 2])]
    assert keys == [(2, 5, 1), (2, 5, 2), (3, 1, 1), (3, 1, 2)]
    keys = [(p.hosts, p.seed, p.run) for p in co.replicate(points, seeds=[1, 2])]
    assert keys == [(2, 1, 1), (2, 2, 1), (3, 1, 7), (3, 2, 7)]


def test_every_option_of_the_campaign_program_is_a_python_field():
    names = set(co.ScenarioConfig.option_names())
    assert {"hosts", "seed", "lossRate", "faults", "everything"} <= names
    python = set(co.ScenarioConfig.FIELDS) | set(co.FaultPlan.FIELDS) | {"everything"}
    assert names <= python


def test_command_line_options_round_trip_through_make_config():
    config = co.ScenarioConfig(hosts=3, delay=0.005, pcapHosts=[0, 2], defect="FreeOnFin",
                               faults=co.FaultPlan(lossRate=0.02, jitter=0.004))
    settings = {}
    for option in config.to_command_line().split():
        name, _, value = option[2:].partition("=")
        if name != "everything":
            settings[name] = value
    assert co.make_config(**settings) == config


def test_campaign_defaults_are_the_campaign_programs_and_reproduce_lines_name_the_difference():
    campaign = co.ScenarioConfig.campaign_defaults()
    assert campaign.to_command_line() == "--hosts=128 --connections=8 --everything --seed=1"
    assert (campaign.hosts, campaign.connections, campaign.peer) == (128, 8, "chimney")
    assert campaign.faults == co.FaultPlan.everything()
    assert co.ScenarioConfig.campaign_defaults(hosts=3, seed=7).to_command_line() == (
        "--hosts=3 --connections=8 --everything --seed=7")
    # The struct's defaults differ from the program's: the line must say how.
    line = co.ScenarioConfig(seed=2).to_command_line()
    assert "--peer=native" in line and "--startWindow=1s" in line and "--everything=false" in line
    with pytest.raises(ValueError, match="hosts"):
        co.ScenarioConfig.campaign_defaults(hosts=0)
