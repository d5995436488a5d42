#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Mutation testing of the offload target (issue 15, item 3): does the verifier catch bugs it
was never shown?

Generates mutants of the device, the intermediate driver and the TCP engine by operators, applies
each to a copy of the source tree (never to the repository), rebuilds incrementally in one mutant
build directory (ccache), runs the default campaign and every lifecycle scenario over p2p and
CSMA with timeouts, and writes a table (markdown + JSON): mutant, where, operator, whether the
line ran in an unmutated run (gcov), which invariant IDs caught it, E1/E2 only, timeout, crash,
compile error (skipped) or missed.

  scripts/mutate.sh --list                      # every mutant (id, file:line, operator, change)
  scripts/mutate.sh --sample 40 --seed 1        # a deterministic sample of 40, run
  scripts/mutate.sh --only ID[,ID...]           # chosen mutants
  scripts/mutate.sh --only ID --expect-caught   # exit 1 unless each is caught (ctest, long)

Operators: cmp (flip a comparison: < <=, > >=, == !=, SeqLt SeqLeq, SeqGt SeqGeq), obo (+1/-1 on
sequence arithmetic), drop (drop a call statement), swap (two adjacent statements), ret (return
early), status (change a ChimneyStatus constant). Lines with seeded-defect hooks, logging,
asserts or string literals are not mutated (their mutants cannot change what the verifier sees,
or only break the seeded defects). Progress goes to stderr.
"""

import argparse
import glob
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FILES = [
    "model/chimney-net-device.cc",
    "model/chimney-net-device-requests.cc",
    "model/chimney-offload-connection.cc",
    "model/chimney-intermediate-driver.cc",
    "model/tcp-engine.cc",
    "model/tcp-engine-input.cc",
    "model/tcp-engine-output.cc",
    "model/tcp-engine-timers.cc",
    "model/tcp-engine-transitions.cc",
]
OPS = ["cmp", "obo", "drop", "swap", "ret", "status"]
LINKS = ["p2p", "csma"]
TARGETS = ["chimney-campaign", "chimney-verifier-report"]

CMP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
SEQ_CMP = {"SeqLt": "SeqLeq", "SeqLeq": "SeqLt", "SeqGt": "SeqGeq", "SeqGeq": "SeqGt"}
STATUS = {
    "SUCCESS": "REQUEST_ABORTED",
    "REQUEST_ABORTED": "SUCCESS",
    "UPLOAD_IN_PROGRESS": "REQUEST_ABORTED",
    "INVALID_STATE": "INVALID_PARAMETER",
    "INVALID_PARAMETER": "INVALID_STATE",
    "PENDING": "SUCCESS",
    "FAILURE": "SUCCESS",
    "RESOURCES": "OFFLOAD_TCP_ENTRIES",
    "OFFLOAD_TCP_ENTRIES": "RESOURCES",
}
# Sequence-number names (SPEC 2's delegated variables and the engine's own).
SEQ_NAME = re.compile(r"(?i)(snd|rcv)_?(nxt|una|max|wl1|wl2|wnd|up)|\bseq\b|seq[A-Z]|Seq\b|"
                      r"\back\b|ack[A-Z]|\biss\b|\birs\b|finSeq|RcvNxt|SndNxt|SndUna|SndMax")
SKIP_LINE = re.compile(r"NS_LOG|NS_ASSERT|NS_ABORT|NS_FATAL|[Dd]efect|static_assert|^\s*#")
KEYWORDS = {"return", "if", "else", "for", "while", "switch", "case", "do", "delete", "new",
            "break", "continue", "goto", "throw", "using", "namespace", "default", "template",
            "typedef", "sizeof", "static_cast", "const_cast", "reinterpret_cast"}
CALL_STMT = re.compile(r"^(\s*)(?:[A-Za-z_][\w]*(?:\[[^\]]*\])?(?:\.|->|::))*~?[A-Za-z_]\w*"
                       r"(?:<[\w:, <>*&]*>)?\(")
DECL = re.compile(r"^\s*(?:const\s+|static\s+)*[A-Za-z_][\w:]*(?:<.*>)?[\s*&]+[A-Za-z_]\w*"
                  r"\s*(?:=|\(|\{|;|\[)")


def log(msg):
    print("mutate: " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ lexing


def code_masks(lines):
    """Each line with comments blanked and string / char literal contents replaced by '_'
    (same length, so columns map back to the original)."""
    out = []
    in_block = False
    for line in lines:
        chars = list(line)
        i = 0
        n = len(chars)
        while i < n:
            if in_block:
                end = line.find("*/", i)
                stop = n if end < 0 else end + 2
                for k in range(i, stop):
                    chars[k] = " "
                in_block = end < 0
                i = stop
                continue
            c = line[i]
            if line.startswith("//", i):
                for k in range(i, n):
                    chars[k] = " "
                break
            if line.startswith("/*", i):
                in_block = True
                continue
            if c in "\"'":
                j = i + 1
                while j < n and line[j] != c:
                    j += 2 if line[j] == "\\" else 1
                for k in range(i + 1, min(j, n)):
                    chars[k] = "_"
                i = j + 1
                continue
            i += 1
        out.append("".join(chars))
    return out


def depth_before(masks):
    """Brace depth at the start of each line."""
    depths = []
    d = 0
    for m in masks:
        depths.append(d)
        d += m.count("{") - m.count("}")
    return depths


def balanced(text):
    return text.count("(") == text.count(")")


def statement_start(masks, i):
    """Whether line i begins a statement: the previous code line ends one."""
    j = i - 1
    while j >= 0 and not masks[j].strip():
        j -= 1
    if j < 0:
        return True
    prev = masks[j].rstrip()
    return prev.endswith((";", "{", "}")) or prev.endswith(":") or prev.strip() == "else"


def simple_statement(masks, lines, i):
    """A one-line statement that starts and ends on line i (no block, no label)."""
    m = masks[i].strip()
    return (m.endswith(";") and balanced(m) and "{" not in m and "}" not in m
            and statement_start(masks, i) and '"' not in lines[i]
            and not SKIP_LINE.search(lines[i]))


def first_word(text):
    match = re.match(r"\s*([A-Za-z_]\w*)", text)
    return match.group(1) if match else ""


# ------------------------------------------------------------------------------ mutants


class Mutant:
    """One change to one file: lines [start, end) (0-based) replaced by new_lines."""

    def __init__(self, file, line, op, change, start, end, new_lines, covers=None):
        self.file = file
        self.line = line  # 1-based, reported
        self.op = op
        self.change = change
        self.start = start
        self.end = end
        self.new_lines = new_lines
        self.covers = covers or list(range(start + 1, end + 1))  # 1-based lines "its code"
        self.id = ""

    def apply(self, lines):
        return lines[: self.start] + self.new_lines + lines[self.end:]


def short_name(path):
    name = os.path.basename(path)
    return name.replace("chimney-", "").replace(".cc", "")


def function_bodies(masks, lines):
    """(return type, name, open-brace line, close-brace line) of each function defined at
    namespace level in ns-3 style (type on one line, name on the next, braces at column 0)."""
    out = []
    depths = depth_before(masks)
    for i, m in enumerate(masks):
        if m.startswith("{") and i >= 2:
            # the signature: walk back to the line at column 0 that holds the name
            j = i - 1
            while j > 0 and (masks[j].startswith((" ", "\t", ":")) or not masks[j].strip()):
                j -= 1
            sig = masks[j]
            rtype = masks[j - 1].strip() if j >= 1 else ""
            if not re.match(r"[A-Za-z_~][\w:~<>]*\(", sig):
                continue
            name = sig.split("(")[0]
            k = i + 1
            while k < len(masks) and not (masks[k].startswith("}") and depths[k] == depths[i] + 1):
                k += 1
            out.append((rtype, name, i, k))
    return out


def mutants_of(path, text):
    rel = os.path.relpath(path, ROOT) if os.path.isabs(path) else path
    lines = text.split("\n")
    masks = code_masks(lines)
    found = []

    def add(line, op, change, start, end, new_lines, covers=None):
        found.append(Mutant(rel, line, op, change, start, end, new_lines, covers))

    for i, (line, m) in enumerate(zip(lines, masks)):
        if not m.strip() or SKIP_LINE.search(line) or '"' in line:
            continue
        # cmp: binary comparisons are written with spaces around (clang-format); templates not
        for match in re.finditer(r"(?<=\s)(<=|>=|==|!=|<|>)(?=\s)", m):
            op = match.group(1)
            new = line[: match.start()] + CMP[op] + line[match.end():]
            add(i + 1, "cmp", "`%s` -> `%s`" % (op, CMP[op]), i, i + 1, [new])
        for match in re.finditer(r"\b(SeqLt|SeqLeq|SeqGt|SeqGeq)\(", m):
            op = match.group(1)
            new = line[: match.start()] + SEQ_CMP[op] + line[match.end() - 1:]
            add(i + 1, "cmp", "`%s` -> `%s`" % (op, SEQ_CMP[op]), i, i + 1, [new])
        # obo: +1/-1 dropped, or added to an assignment, on sequence arithmetic
        if SEQ_NAME.search(m):
            for match in re.finditer(r" ([+-]) 1u?\b(?![.\w])", m):
                new = line[: match.start()] + line[match.end():]
                add(i + 1, "obo", "drop `%s 1`" % match.group(1), i, i + 1, [new])
            assign = re.match(r"^(\s*[\w.\->\[\]]+ (?:=|\+=|-=) )(.+);\s*$", m)
            if assign and SEQ_NAME.search(assign.group(1)) and " 1" not in assign.group(2):
                rhs = line[len(assign.group(1)): len(m.rstrip()) - 1]
                new = assign.group(1) + "(" + rhs + ") + 1;"
                if line.lstrip().startswith(assign.group(1).lstrip()):
                    add(i + 1, "obo", "`+ 1` on the assigned value", i, i + 1, [new])
        # status: another ChimneyStatus constant
        for match in re.finditer(r"ChimneyStatus::([A-Z_]+)", m):
            old = match.group(1)
            if old in STATUS:
                new = line[: match.start(1)] + STATUS[old] + line[match.end(1):]
                add(i + 1, "status", "%s -> %s" % (old, STATUS[old]), i, i + 1, [new])
        # drop: a call statement (maybe wrapped over several lines)
        call = CALL_STMT.match(m)
        if call and first_word(m) not in KEYWORDS and statement_start(masks, i):
            j = i
            text_so_far = m
            while not (balanced(text_so_far) and text_so_far.rstrip().endswith(";")) and \
                    j + 1 < len(lines) and j - i < 8:
                j += 1
                text_so_far += masks[j]
            if balanced(text_so_far) and text_so_far.rstrip().endswith(";") and \
                    "{" not in text_so_far and not any(SKIP_LINE.search(x) for x in lines[i:j + 1]):
                call_name = m[call.end(1): m.index("(")].strip()
                add(i + 1, "drop", "drop `%s(...)`" % call_name, i, j + 1, [call.group(1) + ";"])
        # swap: two adjacent one-line statements, at least one a call, neither a declaration
        if i + 1 < len(lines) and simple_statement(masks, lines, i) and \
                simple_statement(masks, lines, i + 1):
            a, b = masks[i], masks[i + 1]
            words = {first_word(a), first_word(b)}
            indent_a = len(a) - len(a.lstrip())
            indent_b = len(b) - len(b.lstrip())
            if indent_a == indent_b and not (words & {"return", "break", "continue", "case"}) \
                    and not DECL.match(a) and not DECL.match(b) \
                    and (CALL_STMT.match(a) or CALL_STMT.match(b)) and a.strip() != b.strip():
                add(i + 1, "swap", "swap lines %d and %d" % (i + 1, i + 2), i, i + 2,
                    [lines[i + 1], lines[i]])

    # ret: return at a function's entry, or before a top-level call statement of a void one
    depths = depth_before(masks)
    for rtype, name, open_line, close_line in function_bodies(masks, lines):
        if SKIP_LINE.search(name) or "ToString" in name or "Describe" in name or \
                name.endswith(("GetTypeId", "TypeId")):
            continue
        body_first = open_line + 1
        while body_first < close_line and not masks[body_first].strip():
            body_first += 1
        if body_first >= close_line:
            continue
        indent = " " * 4
        covers = [body_first + 1]
        short = name.split("::")[-1]
        if rtype.endswith("void"):
            add(open_line + 1, "ret", "`return;` at the entry of %s" % short, open_line + 1,
                open_line + 1, [indent + "return;"], covers)
            for k in range(body_first + 1, close_line):
                if depths[k] == depths[open_line] + 1 and CALL_STMT.match(masks[k]) and \
                        first_word(masks[k]) not in KEYWORDS and statement_start(masks, k) and \
                        not SKIP_LINE.search(lines[k]):
                    add(k + 1, "ret", "`return;` before line %d of %s" % (k + 1, short), k, k,
                        [indent + "return;"], [k + 1])
        elif rtype.endswith("bool"):
            for value in ("true", "false"):
                add(open_line + 1, "ret", "`return %s;` at the entry of %s" % (value, short),
                    open_line + 1, open_line + 1, [indent + "return %s;" % value], covers)

    # ids: op-file-line, with a suffix when one line has several of the same operator
    seen = {}
    for mutant in found:
        base = "%s-%s-%d" % (mutant.op, short_name(mutant.file), mutant.line)
        seen[base] = seen.get(base, 0) + 1
        mutant.id = base if seen[base] == 1 else "%s.%d" % (base, seen[base] - 1)
    return found


def all_mutants(files, ops):
    result = []
    for rel in files:
        with open(os.path.join(ROOT, rel)) as f:
            text = f.read()
        result.extend(m for m in mutants_of(rel, text) if m.op in ops)
    return result


# ------------------------------------------------------------------------------ build and run


def run(cmd, cwd=None, timeout=None, env=None, log_path=None):
    """Runs cmd in its own process group; returns (status, seconds): status is the exit code,
    'timeout' or 'signal N'."""
    start = time.time()
    out = open(log_path, "w") if log_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return "timeout", time.time() - start
    finally:
        if log_path:
            out.close()
    if rc < 0:
        return "signal %d" % -rc, time.time() - start
    return rc, time.time() - start


def sync_tree(src):
    """Copies the repository's tracked files to src, leaving identical files untouched (their
    timestamps stay, so the build stays incremental)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           stdout=subprocess.PIPE).stdout.decode().split("\0")
    copied = 0
    for rel in files:
        if not rel or not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        a = os.path.join(ROOT, rel)
        b = os.path.join(src, rel)
        with open(a, "rb") as f:
            data = f.read()
        if os.path.exists(b):
            with open(b, "rb") as f:
                if f.read() == data:
                    continue
        os.makedirs(os.path.dirname(b), exist_ok=True)
        with open(b, "wb") as f:
            f.write(data)
        shutil.copymode(a, b)
        copied += 1
    return copied


def build_env(src):
    env = dict(os.environ)
    env["CCACHE_BASEDIR"] = src
    env["CCACHE_NOHASHDIR"] = "1"
    return env


def configure(src, build, extra, log_path):
    if os.path.exists(os.path.join(build, "CMakeCache.txt")):
        return True
    cmd = ["cmake", "-S", src, "-B", build, "-DPython3_EXECUTABLE=/usr/bin/python3",
           "-DCHIMNEY_TESTS=OFF"] + extra
    if shutil.which("ccache"):
        cmd.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
    rc, _ = run(cmd, env=build_env(src), log_path=log_path, timeout=600)
    return rc == 0


def build_targets(src, build, log_path, timeout, jobs):
    cmd = ["nice", "-n", "10", "cmake", "--build", build, "-j", str(jobs), "--target"] + TARGETS
    rc, seconds = run(cmd, env=build_env(src), log_path=log_path, timeout=timeout)
    return rc, seconds


def scenario_names(build):
    """The lifecycle scenarios, from chimney-verifier-report's --PrintHelp."""
    out = subprocess.run([os.path.join(build, "examples", "chimney-verifier-report"),
                          "--PrintHelp"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=60).stdout.decode()
    match = re.search(r"^\s*--scenario:\s+(.*)$", out, re.M)
    if not match:
        raise SystemExit("mutate: cannot read the scenario list from --PrintHelp:\n" + out)
    text = re.sub(r"\s*\[[^]]*\]\s*$", "", match.group(1))
    text = text.replace(" (default)", "").replace(" or ", ", ")
    return [name.strip() for name in text.split(",") if name.strip()]


def campaign_ids(path):
    with open(path) as f:
        report = json.load(f)
    ids = {k for k, v in report.get("findingCounts", {}).items() if v}
    e2e = report.get("summary", {}).get("endToEndFailures", 0)
    return ids, e2e


def lifecycle_ids(path):
    with open(path) as f:
        report = json.load(f)
    counts = report.get("counts", {})
    if isinstance(counts, dict):
        return {k for k, v in counts.items() if isinstance(v, int) and v and
                re.match(r"^[WAREH]\d+$", k)}
    return set()


def run_checks(build, scenarios, outdir, timeout, quick_exit=False):
    """Runs the campaign and every scenario on both links. Returns a dict: ids (verifier IDs),
    e2e (runs failing E1/E2 without a verifier ID), timeouts, crashes (run names)."""
    os.makedirs(outdir, exist_ok=True)
    result = {"ids": set(), "e2eRuns": [], "timeouts": [], "crashes": [], "runs": 0,
              "byRun": {}}
    jobs = [("campaign", [os.path.join(build, "examples", "chimney-campaign"), "--quiet",
                          "--records=false", "--report=" + os.path.join(outdir, "campaign.json")],
             os.path.join(outdir, "campaign.json"), "campaign")]
    for scenario in scenarios:
        for link in LINKS:
            name = "%s/%s" % (scenario, link)
            report = os.path.join(outdir, "%s-%s.json" % (scenario, link))
            jobs.append((name, [os.path.join(build, "examples", "chimney-verifier-report"),
                                "--scenario=" + scenario, "--link=" + link,
                                "--report=" + report], report, "lifecycle"))
    for name, cmd, report, kind in jobs:
        if os.path.exists(report):
            os.remove(report)
        rc, _ = run(cmd, cwd=outdir, timeout=timeout,
                    log_path=os.path.join(outdir, name.replace("/", "-") + ".log"))
        result["runs"] += 1
        if rc == "timeout":
            result["timeouts"].append(name)
            continue
        if not isinstance(rc, int) or rc not in (0, 1) or not os.path.exists(report):
            result["crashes"].append("%s (%s)" % (name, rc))
            continue
        if kind == "campaign":
            ids, e2e = campaign_ids(report)
        else:
            ids, e2e = lifecycle_ids(report), 0
        # Every ID in the report is the verifier's, its wire-level E1/E2 checks included (they
        # say what went wrong); "E1/E2 only" is a run failed by the workload's stream endpoints
        # with no verifier finding.
        verifier_ids = ids
        result["ids"] |= verifier_ids
        if verifier_ids:
            result["byRun"][name] = sorted(verifier_ids)
        if (e2e or rc == 1) and not verifier_ids:
            result["e2eRuns"].append(name)
        if quick_exit and (verifier_ids or rc != 0):
            break
    return result


def classify(checks):
    if checks["ids"]:
        return "caught"
    if checks["timeouts"]:
        return "timeout"
    if checks["crashes"]:
        return "crash"
    if checks["e2eRuns"]:
        return "e2e-only"
    return "missed"


# ------------------------------------------------------------------------------ coverage


def coverage_lines(src, cov, scenarios, files, timeout, workdir):
    """Lines of each file that ran in an unmutated run (gcov of a --coverage Debug build):
    {file: set of 1-based lines}, or None when the build failed."""
    if not configure(src, cov, ["-DCMAKE_BUILD_TYPE=Debug", "-DCMAKE_CXX_FLAGS=--coverage"],
                     os.path.join(workdir, "cov.configure.log")):
        return None
    log("coverage build (once; Debug --coverage) in %s" % cov)
    rc, seconds = build_targets(src, cov, os.path.join(workdir, "cov.build.log"), 7200, 2)
    if rc != 0:
        log("coverage build failed (%s): 'ran' will be unknown" % rc)
        return None
    # Every library target's objects: the engine is a target of its own (chimney-engine).
    objdir = os.path.join(cov, "CMakeFiles")
    for dirpath, _, names in os.walk(objdir):
        for name in names:
            if name.endswith(".gcda"):
                os.remove(os.path.join(dirpath, name))
    log("coverage: running the campaign and the scenarios once")
    run_checks(cov, scenarios, os.path.join(workdir, "cov-runs"), timeout * 4)
    lines = {}
    tmp = os.path.join(workdir, "gcov")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for rel in files:
        found = glob.glob(os.path.join(objdir, "*.dir", rel + ".gcda"))
        gcda = found[0] if found else ""
        ran = set()
        if gcda:
            subprocess.run(["gcov", "--json-format", gcda], cwd=tmp, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            for name in os.listdir(tmp):
                if not name.endswith(".gcov.json.gz"):
                    continue
                with gzip.open(os.path.join(tmp, name)) as f:
                    data = json.load(f)
                for entry in data.get("files", []):
                    if entry["file"].endswith(rel):
                        ran |= {ln["line_number"] for ln in entry["lines"] if ln["count"] > 0}
                os.remove(os.path.join(tmp, name))
        lines[rel] = ran
    with open(os.path.join(workdir, "coverage.json"), "w") as f:
        json.dump({k: sorted(v) for k, v in lines.items()}, f)
    return lines


# ------------------------------------------------------------------------------ report


def write_reports(rows, args, scenarios, md_path, json_path, wall):
    total = len(rows)
    compiled = [r for r in rows if r["result"] != "compile-error"]
    by = {}
    for r in rows:
        by[r["result"]] = by.get(r["result"], 0) + 1
    killed = [r for r in compiled if r["result"] != "missed"]
    caught = [r for r in compiled if r["result"] == "caught"]
    ran = [r for r in compiled if r["ran"] == "yes"]
    ran_killed = [r for r in ran if r["result"] != "missed"]
    summary = {
        "mutants": total,
        "byResult": by,
        "compiled": len(compiled),
        "killed": len(killed),
        "caughtByVerifier": len(caught),
        "killRate": round(len(killed) / len(compiled), 3) if compiled else None,
        "verifierRate": round(len(caught) / len(compiled), 3) if compiled else None,
        "ranKillRate": round(len(ran_killed) / len(ran), 3) if ran else None,
    }
    command = "scripts/mutate.sh " + " ".join(args.command_line)
    with open(json_path, "w") as f:
        json.dump({"schema": "chimney-mutation-report/1", "command": command.strip(),
                   "seed": args.seed, "scenarios": scenarios, "links": LINKS,
                   "summary": summary, "wallSeconds": round(wall), "mutants": rows}, f, indent=1)
    with open(md_path, "w") as f:
        f.write("Command: `%s`\n\n" % command.strip())
        f.write("| mutant | where | operator | change | ran | result | caught by |\n")
        f.write("| --- | --- | --- | --- | --- | --- | --- |\n")
        for r in rows:
            detail = ", ".join(r["ids"])
            if r["result"] == "timeout":
                detail = "timeout: " + ", ".join(r["timeouts"][:3])
            elif r["result"] == "crash":
                detail = "crash: " + ", ".join(r["crashes"][:3])
            elif r["result"] == "e2e-only":
                detail = "E1/E2 only: " + ", ".join(r["e2eRuns"][:3])
            f.write("| `%s` | %s:%d | %s | %s | %s | %s | %s |\n" % (
                r["id"], os.path.basename(r["file"]), r["line"], r["op"],
                r["change"].replace("|", "\\|"), r["ran"], r["result"], detail))
        f.write("\n%d mutants: %s. Kill rate %s (%d of %d that compiled); by a verifier "
                "invariant ID %s; among mutants whose line ran: %s.\n" % (
                    total, ", ".join("%s %d" % kv for kv in sorted(by.items())),
                    summary["killRate"], len(killed), len(compiled), summary["verifierRate"],
                    summary["ranKillRate"]))
    return summary


# ------------------------------------------------------------------------------ main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    parser.add_argument("--seed", type=int, default=1, help="sample seed [1]")
    parser.add_argument("--sample", type=int, default=0, help="run N mutants drawn by --seed")
    parser.add_argument("--only", default="", help="comma-separated mutant ids")
    parser.add_argument("--ops", default=",".join(OPS), help="operators [all]")
    parser.add_argument("--files", default=",".join(FILES), help="source files [device, "
                        "offload connection, intermediate driver, engine]")
    parser.add_argument("--workdir", default=os.path.join(ROOT, "build-mutate"),
                        help="source copy, build dirs and results [build-mutate/]")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per run [120]")
    parser.add_argument("--build-timeout", type=int, default=1800, help="seconds per build")
    parser.add_argument("--jobs", type=int, default=2, help="build jobs [2]")
    parser.add_argument("--no-coverage", action="store_true", help="'ran' is unknown")
    parser.add_argument("--scenarios", default="", help="lifecycle scenarios [all]")
    parser.add_argument("--out", default="", help="results base name [WORKDIR/mutants]")
    parser.add_argument("--expect-caught", action="store_true",
                        help="exit 1 unless every mutant run is caught by a verifier ID")
    args = parser.parse_args()
    args.command_line = sys.argv[1:]

    ops = [o for o in args.ops.split(",") if o]
    bad = set(ops) - set(OPS)
    if bad:
        parser.error("unknown operator(s) %s; known: %s" % (", ".join(sorted(bad)), ", ".join(OPS)))
    files = [f for f in args.files.split(",") if f]
    mutants = all_mutants(files, ops)
    if args.only:
        wanted = [x for x in args.only.split(",") if x]
        index = {m.id: m for m in mutants}
        missing = [x for x in wanted if x not in index]
        if missing:
            parser.error("unknown mutant id(s): " + ", ".join(missing))
        mutants = [index[x] for x in wanted]
    elif args.sample:
        rng = random.Random(args.seed)
        mutants = rng.sample(mutants, min(args.sample, len(mutants)))
        mutants.sort(key=lambda m: (m.file, m.line, m.id))

    if args.list:
        for m in mutants:
            print("%-44s %s:%d %-6s %s" % (m.id, m.file, m.line, m.op, m.change))
        print("%d mutants" % len(mutants), file=sys.stderr)
        return 0

    workdir = os.path.abspath(args.workdir)
    src = os.path.join(workdir, "src")
    # Inside the copy, as build/ is inside the repository: ccache sees the same relative paths
    # and the first build is mostly cache hits.
    build = os.path.join(src, "build")
    os.makedirs(src, exist_ok=True)
    start = time.time()
    log("%d mutants; source copy %s (%d files refreshed)" % (len(mutants), src, sync_tree(src)))
    if not configure(src, build, [], os.path.join(workdir, "build.configure.log")):
        raise SystemExit("mutate: configure failed: %s" % os.path.join(workdir,
                                                                       "build.configure.log"))
    log("baseline build (unmutated)")
    rc, seconds = build_targets(src, build, os.path.join(workdir, "baseline.build.log"),
                                args.build_timeout, args.jobs)
    if rc != 0:
        raise SystemExit("mutate: the unmutated tree does not build (%s): %s" % (
            rc, os.path.join(workdir, "baseline.build.log")))
    scenarios = [s for s in args.scenarios.split(",") if s] or scenario_names(build)
    base = run_checks(build, scenarios, os.path.join(workdir, "baseline"), args.timeout)
    if classify(base) != "missed":
        raise SystemExit("mutate: the unmutated model is not clean (%s %s %s %s): fix that first"
                         % (sorted(base["ids"]), base["e2eRuns"], base["timeouts"],
                            base["crashes"]))
    log("baseline clean: campaign + %d scenarios x %d links, %.0f s" % (
        len(scenarios), len(LINKS), time.time() - start))

    covered = None
    if not args.no_coverage:
        covered = coverage_lines(src, os.path.join(workdir, "cov"), scenarios, FILES,
                                 args.timeout, workdir)

    rows = []
    originals = {}
    try:
        for n, m in enumerate(mutants, 1):
            path = os.path.join(src, m.file)
            if m.file not in originals:
                with open(path) as f:
                    originals[m.file] = f.read()
            lines = originals[m.file].split("\n")
            with open(path, "w") as f:
                f.write("\n".join(m.apply(lines)))
            row = {"id": m.id, "file": m.file, "line": m.line, "op": m.op, "change": m.change,
                   "ran": "unknown", "result": "", "ids": [], "e2eRuns": [], "timeouts": [],
                   "crashes": [], "byRun": {}}
            if covered is not None:
                row["ran"] = "yes" if any(x in covered.get(m.file, ()) for x in m.covers) \
                    else "no"
            outdir = os.path.join(workdir, "runs", m.id)
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            t0 = time.time()
            rc, build_s = build_targets(src, build, os.path.join(outdir, "build.log"),
                                        args.build_timeout, args.jobs)
            if rc != 0:
                row["result"] = "compile-error"
            else:
                checks = run_checks(build, scenarios, outdir, args.timeout)
                row.update({"result": classify(checks), "ids": sorted(checks["ids"]),
                            "e2eRuns": checks["e2eRuns"], "timeouts": checks["timeouts"],
                            "crashes": checks["crashes"], "byRun": checks["byRun"]})
            with open(path, "w") as f:
                f.write(originals[m.file])
            rows.append(row)
            log("[%d/%d] %s %s:%d %s: %s %s (build %.0f s, total %.0f s)" % (
                n, len(mutants), m.id, m.file, m.line, m.change, row["result"],
                " ".join(row["ids"]), build_s, time.time() - t0))
    finally:
        for rel, text in originals.items():
            with open(os.path.join(src, rel), "w") as f:
                f.write(text)

    out = args.out or os.path.join(workdir, "mutants")
    summary = write_reports(rows, args, scenarios, out + ".md", out + ".json", time.time() - start)
    log("table: %s.md, %s.json; kill rate %s, by a verifier ID %s" % (
        out, out, summary["killRate"], summary["verifierRate"]))
    if args.expect_caught:
        uncaught = [r["id"] for r in rows if r["result"] != "caught"]
        if uncaught:
            log("not caught by a verifier ID: " + ", ".join(uncaught))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
