#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tabulate callgrind outputs of the lifecycle benchmark's modes (scripts/bench-cycles.sh).

  cycles-table.py MODE=FILE [MODE=FILE ...]

Each FILE is a callgrind output of one mode (e.g. cc-on=/tmp/x/cc-on.out), collected inside
Simulator::Run only and with --cache-sim=yes --branch-sim=yes. Prints, per mode, the
instructions, L1 misses, mispredicted branches and estimated cycles

    est = Ir + 10 * (I1mr + D1mr + D1mw) + 15 * (Bcm + Bim)

(BENCHMARKS.md, "How the cycle figures are made"), each mode's lifecycles per estimated cycle as a
multiple of native-native's (every mode runs the same lifecycles), and the verifier's cost
(MODE-on minus MODE-off) as a share of MODE-off, by instructions and by estimated cycles.
"""

import sys

MISS_WEIGHT = 10
MISPREDICT_WEIGHT = 15


def totals(path):
    """The event totals of one callgrind output, by event name."""
    events = None
    values = None
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("events:"):
                    events = line.split()[1:]
                elif line.startswith(("totals:", "summary:")):
                    values = [int(v) for v in line.split()[1:]]
    except OSError as e:
        sys.exit(f"cycles-table: cannot read {path}: {e.strerror}")
    except ValueError:
        sys.exit(f"cycles-table: {path}: a totals line that is not numbers")
    if events is None or values is None:
        sys.exit(f"cycles-table: {path} is not a callgrind output (no events or totals line)")
    counts = dict(zip(events, values + [0] * (len(events) - len(values))))
    needed = ["Ir", "I1mr", "D1mr", "D1mw", "Bcm", "Bim"]
    missing = [e for e in needed if e not in counts]
    if missing:
        sys.exit(f"cycles-table: {path} lacks {' '.join(missing)} "
                 "(collect with --cache-sim=yes --branch-sim=yes)")
    return counts


def estimated_cycles(c):
    misses = c["I1mr"] + c["D1mr"] + c["D1mw"]
    return c["Ir"] + MISS_WEIGHT * misses + MISPREDICT_WEIGHT * (c["Bcm"] + c["Bim"])


def main(argv):
    if not argv:
        sys.exit(__doc__.strip())
    rows = {}
    for arg in argv:
        mode, sep, path = arg.partition("=")
        if not sep or not mode or not path:
            sys.exit(f"cycles-table: '{arg}' is not MODE=FILE")
        if mode in rows:
            sys.exit(f"cycles-table: mode {mode} given twice")
        c = totals(path)
        rows[mode] = (c, estimated_cycles(c))

    native = rows.get("nn-off")
    print(f"{'mode':8} {'instructions':>14} {'L1 misses':>12} {'mispredicts':>12} "
          f"{'est. cycles':>14} {'x nn-off':>9}")
    for mode, (c, est) in rows.items():
        ratio = f"{native[1] / est:.2f}x" if native else "-"
        print(f"{mode:8} {c['Ir'] / 1e6:12.1f} M {(c['I1mr'] + c['D1mr'] + c['D1mw']) / 1e6:10.1f} M "
              f"{(c['Bcm'] + c['Bim']) / 1e6:10.1f} M {est / 1e6:12.1f} M {ratio:>9}")
    for prefix, name in (("cc", "chimney-chimney"), ("cn", "chimney-native")):
        off, on = rows.get(prefix + "-off"), rows.get(prefix + "-on")
        if off and on:
            ir = on[0]["Ir"] - off[0]["Ir"]
            est = on[1] - off[1]
            print(f"verifier on {name}: {ir / 1e6:+.1f} M instructions "
                  f"({100 * ir / off[0]['Ir']:+.1f} %), {est / 1e6:+.1f} M estimated cycles "
                  f"({100 * est / off[1]:+.1f} %)")


if __name__ == "__main__":
    main(sys.argv[1:])
