#!/usr/bin/env python3
"""Run chimney-verifier-report on lifecycle scenarios and validate its JSON report.

The schema ("chimney-verifier-report/1") is documented in model/chimney-finding.h. The report of
a correct run must be valid and clean; --self-test proves the validator rejects broken reports.

  check-verifier-report.py EXAMPLES_DIR             run and validate
  check-verifier-report.py --self-test EXAMPLES_DIR prove the validator fails on bad reports
  check-verifier-report.py --defects EXAMPLES_DIR   run with seeded defects (--defect=NAME):
                                                    valid report listing the expected IDs,
                                                    exit 1; an unknown defect: exit 1 with the names
"""

import json
import os
import re
import subprocess
import sys
import tempfile

IDS = ([f"W{i}" for i in range(1, 11)] + [f"A{i}" for i in range(1, 12)] +
       [f"R{i}" for i in range(1, 6)] + [f"E{i}" for i in range(1, 4)] +
       [f"H{i}" for i in range(1, 8)])
SUMMARY_NUMBERS = ["findings", "stored", "suppressed", "simTimeSeconds", "devices",
                   "connections", "segments", "requests", "completions", "indications"]
FINDING_STRINGS = ["id", "device", "local", "remote", "description", "evidence"]
FINDING_NUMBERS = ["timeSeconds", "timeNs", "node", "handle"]


def validate(report):
    """Return a list of schema violations (empty when the report is valid)."""
    problems = []
    if not isinstance(report, dict):
        return ["report is not an object"]
    if report.get("schema") != "chimney-verifier-report/1":
        problems.append("schema")
    summary = report.get("summary")
    counts = report.get("counts")
    findings = report.get("findings")
    invariants = report.get("invariants")
    if not (isinstance(summary, dict) and isinstance(counts, dict) and
            isinstance(findings, list) and isinstance(invariants, dict)):
        return problems + ["top-level members"]
    for key in SUMMARY_NUMBERS:
        value = summary.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(f"summary.{key}")
    if not isinstance(summary.get("clean"), bool):
        problems.append("summary.clean")
    exercised = report.get("exercised")
    if not isinstance(exercised, dict) or list(exercised) != IDS:
        problems.append("exercised must map every catalog ID, in catalog order")
    elif any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in exercised.values()):
        problems.append("exercised counts must be non-negative integers")
    if sorted(counts) != sorted(IDS) or sorted(invariants) != sorted(IDS):
        problems.append("counts/invariants must hold exactly the catalog IDs")
    elif any(not isinstance(counts[i], int) or counts[i] < 0 for i in IDS):
        problems.append("counts must be non-negative integers")
    elif sum(counts.values()) != summary.get("findings"):
        problems.append("counts do not add up to summary.findings")
    if summary.get("clean") != (summary.get("findings") == 0):
        problems.append("summary.clean disagrees with summary.findings")
    if len(findings) != summary.get("stored"):
        problems.append("len(findings) != summary.stored")
    for n, f in enumerate(findings):
        if not isinstance(f, dict):
            problems.append(f"findings[{n}] is not an object")
            continue
        for key in FINDING_STRINGS:
            if not isinstance(f.get(key), str):
                problems.append(f"findings[{n}].{key}")
        for key in FINDING_NUMBERS:
            if isinstance(f.get(key), bool) or not isinstance(f.get(key), (int, float)):
                problems.append(f"findings[{n}].{key}")
        if f.get("id") not in IDS:
            problems.append(f"findings[{n}].id not in the catalog")
    return problems


def run(examples, *options):
    program = os.path.join(examples, "chimney-verifier-report")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report.json")
        done = subprocess.run([program, *options, f"--report={path}"],
                              capture_output=True, text=True, timeout=300)
        if not os.path.exists(path):
            print(done.stdout, done.stderr)
            return None, done.returncode
        with open(path) as f:
            return json.load(f), done.returncode


def registry_ids():
    """Defect name -> the invariant IDs it must trip, read from ChimneyDefectRegistry's rows
    (model/chimney-defect-registry.cc: {"Name", "summary", "scenario", {"ID", ...}, &Make...})."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model",
                        "chimney-defect-registry.cc")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rows = re.findall(r'\{"(\w+)",\s*"[^"]*",\s*"[\w-]+",\s*\{([^}]*)\}', text)
    return {name: set(re.findall(r'"(\w+)"', ids)) for name, ids in rows}


# Seeded defects run by the example (it picks the scenario), one per scenario family, with the
# IDs their report must list: their rows of the registry.
DEFECT_SAMPLE = [("FreeOnFin", "p2p"), ("AckAfterAbort", "csma"), ("LeakOnTerminate", "csma"),
                 ("IndicateFinBeforeData", "p2p"), ("OffloadBeyondCapacity", "p2p")]


def check_defects(examples):
    failures = 0
    ids = registry_ids()
    if len(ids) < len(DEFECT_SAMPLE) or any(not ids.get(d) for d, _ in DEFECT_SAMPLE):
        print(f"FAIL the registry's rows were not read: {sorted(ids)}")
        return 1
    for defect, link in DEFECT_SAMPLE:
        expected = ids[defect]
        report, rc = run(examples, f"--defect={defect}", f"--link={link}")
        if report is None:
            print(f"FAIL {defect}/{link}: no report (exit {rc})")
            failures += 1
            continue
        problems = validate(report)
        listed = {f["id"] for f in report["findings"]}
        counted = {i for i, n in report["counts"].items() if n > 0}
        if problems:
            print(f"FAIL {defect}/{link}: " + "; ".join(problems))
            failures += 1
        elif not expected <= listed or not expected <= counted or rc != 1:
            print(f"FAIL {defect}/{link}: expected {sorted(expected)} and exit 1, got findings "
                  f"{sorted(listed)}, counts {sorted(counted)}, exit {rc}")
            failures += 1
        else:
            print(f"ok   {defect}/{link}: {sorted(counted)}, exit {rc}")
    program = os.path.join(examples, "chimney-verifier-report")
    done = subprocess.run([program, "--defect=NoSuchDefect"], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 1 or "FreeOnFin" not in done.stderr:
        print(f"FAIL unknown defect: exit {done.returncode} (1 expected), stderr should list "
              f"the defects: {done.stderr.strip()}")
        failures += 1
    else:
        print("ok   unknown defect: exit 1, names listed")
    return failures


def main(argv):
    self_test = "--self-test" in argv
    defects = "--defects" in argv
    args = [a for a in argv[1:] if a not in ("--self-test", "--defects")]
    if len(args) != 1:
        print(__doc__)
        return 2
    if defects:
        return 1 if check_defects(args[0]) else 0
    failures = 0
    for scenario, link in [("graceful", "csma"), ("terminate", "p2p")]:
        report, rc = run(args[0], f"--scenario={scenario}", f"--link={link}")
        if report is None:
            print(f"FAIL {scenario}/{link}: no report (exit {rc})")
            failures += 1
            continue
        problems = validate(report)
        if self_test:
            # Each mutation must be caught.
            mutations = {
                "wrong schema": lambda r: r.update(schema="other"),
                "count off by one": lambda r: r["counts"].update(W1=r["counts"]["W1"] + 1),
                "missing ID": lambda r: r["counts"].pop("H7"),
                "missing exercised ID": lambda r: r["exercised"].pop("A11"),
                "negative exercised": lambda r: r["exercised"].update(W1=-1),
                "finding without id": lambda r: r["findings"].append({"node": 0}),
                "clean not bool": lambda r: r["summary"].update(clean="yes"),
            }
            for name, mutate in mutations.items():
                broken = json.loads(json.dumps(report))
                mutate(broken)
                if not validate(broken):
                    print(f"FAIL self-test: '{name}' not caught")
                    failures += 1
            continue
        if problems:
            print(f"FAIL {scenario}/{link}: " + "; ".join(problems))
            failures += 1
        elif not report["summary"]["clean"] or rc != 0:
            print(f"FAIL {scenario}/{link}: the correct model has findings (exit {rc}): "
                  + json.dumps(report["findings"][:5]))
            failures += 1
        else:
            print(f"ok   {scenario}/{link}: valid, clean, "
                  f"{report['summary']['segments']} segments")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
