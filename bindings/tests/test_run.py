# SPDX-License-Identifier: GPL-2.0-only
"""run_scenario(): records, series and findings as DataFrames with consistent values,
determinism, the GIL released while the simulation runs, seeded defects found."""

import itertools
import math
import threading
import time

import pandas
import pytest

import chimney_offload as co
from conftest import small

RECORD_COLUMNS = [
    "host", "index", "local", "remote", "closeType", "openTime", "establishedTime",
    "offloadTime", "disconnectTime", "disconnectCompleteTime", "disconnectStatus",
    "terminateTime", "terminateCompleteTime", "closedTime", "outcome", "bytesSent",
    "bytesReceived", "peerBytesReceived", "endToEndOk", "faults",
]
SERIES_COLUMNS = ["time", "open", "offloaded", "resourcesHeld", "resourceBytesHeld"]
FINDING_COLUMNS = ["id", "time", "node", "device", "handle", "local", "remote", "description",
                   "evidence"]


def comparable(result):
    """Everything a run observed except wall time and memory."""
    data = result.to_dict()
    data["summary"] = {k: v for k, v in data["summary"].items()
                       if k not in ("wallSeconds", "peakRssBytes")}
    return data


def test_records_are_one_row_per_connection(small_config, small_result):
    records = pandas.DataFrame(small_result.records)
    assert list(records.columns) == RECORD_COLUMNS
    assert len(records) == small_config.hosts * small_config.connections
    assert small_result.connections == len(records)
    assert list(zip(records["host"], records["index"])) == list(
        itertools.product(range(small_config.hosts), range(small_config.connections)))
    assert records["local"].is_unique


def test_record_values_agree_with_the_summary(small_result):
    records = pandas.DataFrame(small_result.records)
    summary = small_result.summary
    assert records["closeType"].value_counts().to_dict() == {
        k: v for k, v in summary["closeTypes"].items() if v}
    assert records["outcome"].value_counts().to_dict() == {
        k: v for k, v in summary["outcomes"].items() if v}
    assert set(records["closeType"]) <= {"graceful", "abortive", "half-close"}
    assert summary["endToEndFailures"] == int((~records["endToEndOk"]).sum())
    assert set(summary["findingCounts"]) == set(co.invariant_catalog())


def test_record_times_are_in_lifecycle_order(small_result):
    records = pandas.DataFrame(small_result.records)
    end = small_result.sim_time
    assert records["openTime"].notna().all() and records["establishedTime"].notna().all()
    assert (records["openTime"] <= records["establishedTime"]).all()
    offloaded = records[records["offloadTime"].notna()]
    assert len(offloaded) > 0  # AtEstablished policy, no faults
    assert (offloaded["establishedTime"] <= offloaded["offloadTime"]).all()
    for start, done in (("disconnectTime", "disconnectCompleteTime"),
                        ("terminateTime", "terminateCompleteTime"),
                        ("offloadTime", "terminateCompleteTime")):
        both = records[records[start].notna() & records[done].notna()]
        assert (both[start] <= both[done]).all(), (start, done)
    times = records.filter(like="Time")
    assert (times.fillna(0) <= end).all().all()


def test_a_clean_run_delivers_every_byte(small_config, small_result):
    records = pandas.DataFrame(small_result.records)
    assert small_result.finding_total == 0, small_result.findings[:3]
    assert records["endToEndOk"].all()
    orderly = records[records["closeType"] != "abortive"]
    assert len(orderly) > 0
    assert (orderly["peerBytesReceived"] == orderly["bytesSent"]).all()
    assert orderly["bytesSent"].between(small_config.bytesMin, small_config.bytesMax).all()
    assert (records["peerBytesReceived"] <= records["bytesSent"]).all()


def test_series_is_sampled_every_interval(small_config, small_result):
    series = pandas.DataFrame(small_result.series)
    assert list(series.columns) == SERIES_COLUMNS
    assert len(series) >= 2
    steps = series["time"].diff().dropna()
    assert steps.min() > 0
    assert steps.median() == pytest.approx(small_config.sampleInterval)
    assert (series["offloaded"] <= series["open"]).all()
    total = small_config.hosts * small_config.connections
    assert 0 < series["offloaded"].max() <= total
    assert series["resourcesHeld"].max() > 0


def test_same_config_same_run_other_seed_other_run(small_config, small_result):
    again = co.run_scenario(small_config)
    assert comparable(again) == comparable(small_result)
    other = co.run_scenario(small_config.replace(seed=small_config.seed + 1))
    assert other.records != small_result.records


def test_shards_give_the_single_process_run(small_config, small_result):
    sharded = co.run_scenario(small_config, shards=2)
    assert comparable(sharded) == comparable(small_result)
    with pytest.raises(ValueError, match="fault injector"):
        co.run_scenario(small(faults=co.FaultPlan(lossRate=0.05)), shards=2)
    with pytest.raises(ValueError, match="3 shards for 2 islands"):
        co.run_scenario(small_config, shards=3)


def test_the_gil_is_released_while_the_simulation_runs():
    config = small(hosts=4, connections=8)
    done = threading.Event()
    box = {}

    def run():
        box["result"] = co.run_scenario(config)
        done.set()

    thread = threading.Thread(target=run)
    spins = 0
    start = time.monotonic()
    thread.start()
    while not done.is_set():
        spins += 1
    thread.join()
    elapsed = time.monotonic() - start
    assert box["result"].connections == 32
    # With the GIL held by the run this loop could not advance at all while it ran.
    assert spins > 1000 or elapsed < 0.05, (spins, elapsed)


def test_progress_reports_and_an_exception_in_it_stops_the_run():
    config = small(hosts=4, connections=8)
    reports = []
    co.run_scenario(config, progress=reports.append, progress_every=1e-4)
    assert reports and set(reports[0]) == {"simTime", "connectionsClosed", "connections",
                                            "findings"}
    assert all(r["connections"] == 32 for r in reports)

    def stop(_report):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        co.run_scenario(config, progress=stop, progress_every=1e-4)
    # The simulator was cleaned up: the next run is whole again.
    assert co.run_scenario(config).connections == 32


def test_a_seeded_defect_is_found_and_reported():
    result = co.run_scenario(small(defect="FreeOnFin", graceful=1.0, abortive=0.0, halfClose=0.0))
    assert result.finding_total > 0
    findings = pandas.DataFrame(result.findings)
    assert list(findings.columns) == FINDING_COLUMNS
    assert "R1" in set(findings["id"])
    assert result.summary["findingCounts"]["R1"] >= (findings["id"] == "R1").sum()
    assert result.finding_total == sum(result.finding_counts.values())
    assert (findings["time"] <= result.sim_time).all()


def test_faults_fired_are_counted_per_kind():
    result = co.run_scenario(small(faults=co.FaultPlan(lossRate=0.05)))
    assert set(result.faults_fired) == set(co.FaultPlan.kinds())
    assert result.faults_configured == ["link.loss"]
    assert result.faults_fired["link.loss"] > 0
    assert sum(v for k, v in result.faults_fired.items() if k != "link.loss") == 0
    records = pandas.DataFrame(result.records)
    assert records["faults"].map(lambda kinds: set(kinds) <= {"link.loss"}).all()
    assert not math.isnan(result.sim_time)


def test_exercised_counts_every_invariant_and_lists_the_unexercised(small_result):
    exercised = small_result.exercised
    assert list(exercised) == list(small_result.finding_counts)  # every ID, catalog order
    assert all(n >= 0 for n in exercised.values())
    assert sum(exercised.values()) > 0  # a run with traffic exercises some check
    assert small_result.unexercised == [i for i, n in exercised.items() if n == 0]
    assert small_result.to_dict()["summary"]["exercised"] == exercised


def test_a_star_puts_several_hosts_peers_on_one_node():
    # 5 hosts, 2 per peer node: 3 peer nodes; each host connects to its peer's address on its
    # own link, and the run is as clean as over p2p pairs.
    result = co.run_scenario(small(hosts=5, topology="star", segmentHosts=2))
    records = pandas.DataFrame(result.records)
    assert result.summary["endToEndFailures"] == 0 and result.summary["findingTotal"] == 0
    assert len(records) == 15 and set(records["outcome"]) <= {"CLOSED", "ABORTED"}
    remotes = records.groupby("host")["remote"].first().tolist()
    assert remotes == ["10.0.0.2:5000", "10.0.0.6:5000", "10.0.0.10:5000", "10.0.0.14:5000",
                       "10.0.0.18:5000"]
    with pytest.raises(ValueError, match="star needs peer native"):
        small(topology="star", peer="chimney")
