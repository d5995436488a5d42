#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Drive the campaign program the way SEM (the ns-3 campaign manager) does, and check it copes.

SEM parses `PROGRAM --PrintHelp` (the "Program Options" block) and `--PrintGlobals`, then runs
every parameter combination as `PROGRAM --p=v ... --RngRun=N` in a temporary directory of its
own, keeps the files written there, and treats a non-zero exit as a crashed simulation. This
test does the same with a small grid (defect None / FreeOnFin x RngRun 1, 2):

  * --PrintHelp lists the scenario options, --runs and --failOnFindings; --PrintGlobals RngRun;
  * with --failOnFindings=false every run exits 0, findings included, and writes its report
    into its own working directory (a relative --report);
  * the report says which run it was (config.run == RngRun) at the fixed seed; runs 1 and 2
    differ, the same run twice gives the same report (minus `wall`); the seeded defect's runs
    have findings, the correct model's none;
  * --RngSeed is the seed; an unknown option exits 1 with its name.

  check-sem-style.py EXAMPLES_DIR
"""

import json
import os
import re
import subprocess
import sys
import tempfile

OPTIONS = ["--hosts=4", "--connections=2", "--everything=false"]


def program_options(help_text):
    """The option names of the 'Program Options:' block, as SEM reads them."""
    block = help_text.split("Program Options:", 1)[1].split("General Arguments:", 1)[0]
    return set(re.findall(r"^\s+--([A-Za-z0-9_]+):", block, re.M))


def run(program, args, cwd):
    return subprocess.run([program] + args, cwd=cwd, capture_output=True, text=True, timeout=600)


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    program = os.path.join(os.path.abspath(argv[1]), "chimney-campaign")
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    with tempfile.TemporaryDirectory() as top:
        helped = run(program, ["--PrintHelp"], top)
        names = program_options(helped.stdout)
        check(helped.returncode == 0 and {"hosts", "connections", "defect", "seed", "runs",
                                         "failOnFindings", "report"} <= names,
              f"--PrintHelp: Program Options has the scenario options ({len(names)} parsed)")
        check("RngRun" not in names, "--PrintHelp: RngRun is ns-3's global, not a program option")
        globals_ = run(program, ["--PrintGlobals"], top)
        check(globals_.returncode == 0 and "--RngRun" in globals_.stdout,
              "--PrintGlobals lists RngRun")

        reports = {}
        for defect in ("None", "FreeOnFin"):
            for rng_run in (1, 2, 2):
                work = tempfile.mkdtemp(dir=top)
                done = run(program, OPTIONS + [f"--defect={defect}", "--failOnFindings=false",
                                               "--report=report.json", f"--RngRun={rng_run}"],
                           work)
                path = os.path.join(work, "report.json")
                check(done.returncode == 0 and os.path.exists(path),
                      f"defect={defect} RngRun={rng_run}: exit {done.returncode}, report in its "
                      f"working directory {done.stderr[-300:]}")
                if not os.path.exists(path):
                    continue
                with open(path) as f:
                    report = json.load(f)
                report.pop("wall", None)
                config = report["runs"][0]["config"]
                check(config["run"] == rng_run and config["seed"] == 1,
                      f"defect={defect} RngRun={rng_run}: the report's config has run "
                      f"{config['run']} at seed {config['seed']}")
                findings = report["summary"]["findings"]
                check((findings > 0) == (defect != "None"),
                      f"defect={defect} RngRun={rng_run}: {findings} findings, exit 0 regardless")
                reports.setdefault((defect, rng_run), []).append(report)
        for defect in ("None", "FreeOnFin"):
            one, two = reports.get((defect, 1)), reports.get((defect, 2))
            if one and two and len(two) == 2:
                check(two[0] == two[1], f"defect={defect}: the same RngRun gives the same report")
                check(json.dumps(one[0]["runs"][0]["summary"]) !=
                      json.dumps(two[0]["runs"][0]["summary"]),
                      f"defect={defect}: RngRun 1 and 2 are different replications")

        work = tempfile.mkdtemp(dir=top)
        seeded = run(program, OPTIONS + ["--RngSeed=3", "--report=r.json"], work)
        seed = None
        if os.path.exists(os.path.join(work, "r.json")):
            with open(os.path.join(work, "r.json")) as f:
                seed = json.load(f)["runs"][0]["config"]["seed"]
        check(seeded.returncode == 0 and seed == 3, f"--RngSeed=3 is the seed (got {seed})")
        unknown = run(program, ["--noSuchOption=1"], top)
        check(unknown.returncode == 1 and "noSuchOption" in unknown.stderr,
              "an unknown option exits 1 naming it")
        strict = run(program, OPTIONS + ["--defect=FreeOnFin"], top)
        check(strict.returncode == 1, "findings exit 1 by default (--failOnFindings=true)")

    print(f"{'FAILED' if failures else 'PASSED'}: {len(failures)} failed checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
