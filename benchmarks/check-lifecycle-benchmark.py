#!/usr/bin/env python3
"""Runs chimney-lifecycle-benchmark with tiny sizes and checks its output (no timing assertion):
the side-by-side table, valid JSON with all six modes, zero failed lifecycles and zero verifier
findings; then a small scale run (all connections offloaded on both devices at once).

    check-lifecycle-benchmark.py BENCHMARK
    check-lifecycle-benchmark.py --self-test BENCHMARK   # the checks reject broken reports
"""
import json
import os
import subprocess
import sys
import tempfile

MODES = [
    ("native-native", "off"),
    ("native-native", "n/a"),
    ("chimney-native", "off"),
    ("chimney-native", "on"),
    ("chimney-chimney", "off"),
    ("chimney-chimney", "on"),
]


def check_report(table, report, lifecycles, repeats):
    """Returns a list of problems (empty: the report is good)."""
    problems = []
    for header in ("lifecyc/s", "events/lc", "peak MiB", "x nat", "failed"):
        if header not in table:
            problems.append("table lacks column %r" % header)
    for name, verifier in MODES:
        if not any(line.split()[:2] == [name, verifier] for line in table.splitlines() if line):
            problems.append("table lacks row %s / %s" % (name, verifier))
    modes = report.get("modes", [])
    seen = [(m.get("mode"), m.get("verifier")) for m in modes]
    if seen != MODES:
        problems.append("JSON modes %s, expected %s" % (seen, MODES))
    for m in modes:
        label = "%s/%s" % (m.get("mode"), m.get("verifier"))
        if m.get("lifecycles") != lifecycles:
            problems.append("%s: %s lifecycles, expected %d" % (label, m.get("lifecycles"), lifecycles))
        if m.get("failed") != 0:
            problems.append("%s: %s failed lifecycles" % (label, m.get("failed")))
        if m.get("findings") != 0:
            problems.append("%s: %s verifier findings" % (label, m.get("findings")))
        for key in ("lifecyclesPerSecond", "lifecyclesPerCpuSecond", "eventsPerLifecycle",
                    "peakRssKiB"):
            value = m.get(key)
            if not isinstance(value, (int, float)) or value <= 0:
                problems.append("%s: %s is %r" % (label, key, value))
        ratios = m.get("ratios", {})
        for key in ("lifecyclesPerSecond", "eventsPerLifecycle", "peakRss", "rssDelta", "heapDelta"):
            if not isinstance(ratios.get(key), (int, float)):
                problems.append("%s: ratio %s missing" % (label, key))
    if modes and abs(modes[0].get("ratios", {}).get("lifecyclesPerSecond", 0) - 1) > 1e-9:
        problems.append("the baseline's own ratio is not 1")
    for key in ("verifierOverhead", "verifierOverheadCpu"):
        overhead = report.get(key, {})
        for name in ("chimney-native", "chimney-chimney"):
            if not isinstance(overhead.get(name), (int, float)):
                problems.append("%s lacks %s" % (key, name))
    paired = report.get("verifierOverheadRoundByRound", {})
    for name in ("chimney-native", "chimney-chimney"):
        p = paired.get(name, {})
        if p.get("rounds") != repeats:
            problems.append("verifierOverheadRoundByRound %s: %r rounds, expected %d"
                            % (name, p.get("rounds"), repeats))
        elif not p["min"] <= p["median"] <= p["max"]:
            problems.append("verifierOverheadRoundByRound %s: median outside [min, max]" % name)
    if "round by round" not in table:
        problems.append("table lacks the round-by-round overhead")
    return problems


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=240)


def main():
    args = sys.argv[1:]
    self_test = bool(args) and args[0] == "--self-test"
    if self_test:
        args = args[1:]
    if len(args) != 1:
        print(__doc__)
        return 2
    bench = args[0]
    pairs, connections, repeats = 2, 3, 2
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.json")
        result = run([bench, "--pairs=%d" % pairs, "--connections=%d" % connections,
                      "--bytes=5000", "--repeats=%d" % repeats, "--json=" + path])
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.returncode != 0:
            print("FAIL: benchmark exited %d" % result.returncode)
            return 1
        with open(path) as f:
            report = json.load(f)  # raises on invalid JSON
        problems = check_report(result.stdout, report, pairs * connections * repeats, repeats)
        if self_test:
            # Each broken variant must be caught.
            broken = json.loads(json.dumps(report))
            broken["modes"][3]["failed"] = 1
            bad_table = result.stdout.replace("chimney-chimney", "chimney-chimnee")
            missing = json.loads(json.dumps(report))
            del missing["modes"][5]
            unpaired = json.loads(json.dumps(report))
            unpaired["verifierOverheadRoundByRound"]["chimney-chimney"]["rounds"] = 1
            cases = [("a failed lifecycle", result.stdout, broken),
                     ("a missing table row", bad_table, report),
                     ("a missing JSON mode", result.stdout, missing),
                     ("a round missing from the round-by-round overhead", result.stdout,
                      unpaired)]
            for what, table, rep in cases:
                if not check_report(table, rep, pairs * connections * repeats, repeats):
                    print("FAIL: self-test: %s was not caught" % what)
                    return 1
            print("self-test: every broken report was caught")
        if problems:
            for p in problems:
                print("FAIL: " + p)
            return 1
        scale = run([bench, "--scale=600", "--bytes=1000", "--json=" + path])
        sys.stdout.write(scale.stdout)
        sys.stderr.write(scale.stderr)
        with open(path) as f:
            s = json.load(f)
        if scale.returncode != 0 or s.get("offloadedAtHold") != [600, 600] or s.get("failed") != 0:
            print("FAIL: scale run: exit %d, report %s" % (scale.returncode, s))
            return 1
    print("OK: table, JSON with all six modes, no failed lifecycle; scale run all offloaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
