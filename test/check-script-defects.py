#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every seeded defect of the chimney device (attribute Defect) makes at least one script of
the corpus fail, with a message naming the rule (a verifier ID or the script line); the
intermediate-driver defects (LAYER_DEFECTS) are out of the scripts' reach.

usage: check-script-defects.py RUNNER SCRIPT_DIR
"""
import re
import subprocess
import sys

# Defects of intermediate drivers: the script runner has no layer between its host stack and
# the device, so no script can reach them; the lifecycle scenarios "intermediate" and
# "two-uppers" catch them (test/chimney-verifier-defect-test.cc).
LAYER_DEFECTS = {"CopyNblThroughLayer", "CompletionToWrongUpper"}


def main():
    runner, scripts = sys.argv[1], sys.argv[2]
    names = subprocess.run([runner, "--list-defects"], check=True, capture_output=True,
                           text=True).stdout.split()
    defects = [n for n in names if n != "None" and n not in LAYER_DEFECTS]
    if len(defects) < 10:
        print("too few defects listed: %s" % names)
        return 1
    missed = []
    for defect in defects:
        out = subprocess.run([runner, "--defect=" + defect, scripts], capture_output=True,
                             text=True)
        failed = re.findall(r"^FAIL (\S+)", out.stdout, re.M)
        if out.returncode != 1 or not failed:
            missed.append(defect)
            print("%-28s NOT CAUGHT by any script (exit %d)" % (defect, out.returncode))
            continue
        # The first failure's message: its first line names script:line and what broke.
        first = out.stdout.split("FAIL " + failed[0], 1)[1].strip().splitlines()
        ids = sorted(set(re.findall(r"^\s+([WAREH]\d+) at ", out.stdout, re.M)))
        print("%-28s caught by %d script(s), e.g. %s: %s%s" % (
            defect, len(failed), failed[0].split("/")[-1], first[0][:110] if first else "",
            (" [verifier: %s]" % ",".join(ids)) if ids else ""))
    if missed:
        print("defects no script catches: %s" % ", ".join(missed))
        return 1
    print("all %d seeded defects make at least one script fail" % len(defects))
    return 0


if __name__ == "__main__":
    sys.exit(main())
