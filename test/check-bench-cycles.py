#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check scripts/bench-cycles.sh and its table (scripts/cycles-table.py).

  check-bench-cycles.py --table SOURCE_DIR             the table's arithmetic on made-up totals,
                                                        and its errors on bad input
  check-bench-cycles.py --run SOURCE_DIR BENCHMARK     a tiny run of three modes under callgrind
"""

import os
import re
import subprocess
import sys
import tempfile

EVENTS = "Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim"


def callgrind_file(directory, name, ir, i1mr, d1mr, d1mw, bcm, bim, events=EVENTS):
    """A callgrind output reduced to what the table reads: its events and totals lines."""
    values = {"Ir": ir, "I1mr": i1mr, "D1mr": d1mr, "D1mw": d1mw, "Bcm": bcm, "Bim": bim}
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("# callgrind format\nversion: 1\ncreator: made up\n")
        f.write(f"events: {events}\n")
        f.write("fn=(1) main\n1 1\n")
        f.write("totals: " + " ".join(str(values.get(e, 0)) for e in events.split()) + "\n")
    return path


def table(source, *args):
    return subprocess.run([sys.executable, os.path.join(source, "scripts", "cycles-table.py"),
                           *args], capture_output=True, text=True)


def expect(condition, what, output):
    if not condition:
        sys.exit(f"check-bench-cycles: {what}\n--- output ---\n{output}")


def check_table(source):
    with tempfile.TemporaryDirectory() as d:
        # est = Ir + 10 * (I1mr + D1mr + D1mw) + 15 * (Bcm + Bim)
        nn = callgrind_file(d, "nn.out", 300_000_000, 2_000_000, 3_000_000, 1_000_000,
                            2_000_000, 1_000_000)  # 300 + 60 + 45 = 405.0 M
        off = callgrind_file(d, "off.out", 100_000_000, 1_000_000, 2_000_000, 3_000_000,
                             400_000, 500_000)  # 100 + 60 + 13.5 = 173.5 M
        on = callgrind_file(d, "on.out", 115_000_000, 1_500_000, 2_000_000, 3_000_000,
                            600_000, 600_000)  # 115 + 65 + 18 = 198.0 M
        r = table(source, f"nn-off={nn}", f"cc-off={off}", f"cc-on={on}")
        out = r.stdout + r.stderr
        expect(r.returncode == 0, "the table failed on good input", out)
        expect(re.search(r"^nn-off .* 405\.0 M +1\.00x$", r.stdout, re.M), "nn-off's row", out)
        expect(re.search(r"^cc-off .* 173\.5 M +2\.33x$", r.stdout, re.M), "cc-off's row", out)
        expect(re.search(r"^cc-on .* 198\.0 M +2\.05x$", r.stdout, re.M), "cc-on's row", out)
        expect("verifier on chimney-chimney: +15.0 M instructions (+15.0 %), "
               "+24.5 M estimated cycles (+14.1 %)" in r.stdout, "the verifier's share", out)

        # Bad input: a clear error, a failing status, no table.
        plain = callgrind_file(d, "plain.out", 1, 0, 0, 0, 0, 0, events="Ir")
        for args, message in (([f"cc-on={plain}"], "lacks I1mr D1mr D1mw Bcm Bim"),
                              ([f"cc-on={d}/missing.out"], "cannot read"),
                              (["cc-on"], "is not MODE=FILE"),
                              ([f"cc-on={on}", f"cc-on={on}"], "given twice"),
                              ([f"cc-on={os.path.join(source, 'README.md')}"],
                               "is not a callgrind output")):
            r = table(source, *args)
            out = r.stdout + r.stderr
            expect(r.returncode != 0, f"{args}: accepted", out)
            expect(message in r.stderr, f"{args}: no '{message}'", out)
            expect("est. cycles" not in r.stdout, f"{args}: printed a table", out)


def check_run(source, benchmark):
    r = subprocess.run([os.path.join(source, "scripts", "bench-cycles.sh"),
                        f"--bench={benchmark}", "--modes=nn-off,cc-off,cc-on", "--pairs=1",
                        "--connections=2"], capture_output=True, text=True)
    out = r.stdout + r.stderr
    expect(r.returncode == 0, "the run failed", out)
    rows = {m: re.search(rf"^{m} +([\d.]+) M .* ([\d.]+) M +([\d.]+)x$", r.stdout, re.M)
            for m in ("nn-off", "cc-off", "cc-on")}
    expect(all(rows.values()), "a mode's row is missing", out)
    expect(float(rows["nn-off"].group(3)) == 1.0, "native-native is not 1.00x", out)
    # The offloaded path needs fewer cycles than ns-3's TCP, and the verifier adds some.
    expect(float(rows["cc-off"].group(3)) > float(rows["cc-on"].group(3)) > 1.0,
           "chimney-chimney's ratios out of order", out)
    expect(re.search(r"^verifier on chimney-chimney: \+[\d.]+ M instructions", r.stdout, re.M),
           "no verifier line", out)


def main(argv):
    if len(argv) == 2 and argv[0] == "--table":
        check_table(argv[1])
    elif len(argv) == 3 and argv[0] == "--run":
        check_run(argv[1], argv[2])
    else:
        sys.exit(__doc__.strip())
    print("check-bench-cycles: ok")


if __name__ == "__main__":
    main(sys.argv[1:])
