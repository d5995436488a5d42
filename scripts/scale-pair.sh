#!/usr/bin/env bash
# The scale run side by side: scripts/scale-campaign.sh on every core (--shards=$(nproc)) and as
# one process (--shards=1), alternately, ROUNDS times each, then one table with the ratios of
# each pair (wall time, memory as PSS summed over the run's processes) and the check that both
# ways reported the same run (connections, findings, events).
#   scripts/scale-pair.sh [BUILD_DIR] [ROUNDS] [extra campaign options]
# BUILD_DIR defaults to build-bench (configured Release when new); ROUNDS to 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
rounds=${2:-1}
shift $(($# < 2 ? $# : 2))
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "scale-pair: ROUNDS must be a positive number, not '$rounds'" >&2
    exit 2
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
    CHIMNEY_BUILD_TARGET=chimney-campaign "$root/scripts/build.sh" "$build" \
        -DCMAKE_BUILD_TYPE=Release
fi
shards=$(nproc)
declare -a rows
for ((r = 1; r <= rounds; r++)); do
    for s in "$shards" 1; do
        echo "scale-pair: round $r, --shards=$s" >&2
        out=$("$root/scripts/scale-campaign.sh" "$build" "$@" --shards="$s" 2>&1 | tee /dev/stderr)
        wall=$(sed -n 's/^scale-campaign: wall \([0-9.]*\) s;.* \([0-9]*\) MiB$/\1/p' <<<"$out")
        mib=$(sed -n 's/^scale-campaign: wall \([0-9.]*\) s;.* \([0-9]*\) MiB$/\2/p' <<<"$out")
        run=$(sed -n 's/^scale-campaign: \([0-9]* connections, [0-9]* findings\).*/\1/p' <<<"$out")
        events=$(sed -n 's/^scale-campaign: .* simulated, \([0-9]*\) events.*/\1/p' <<<"$out")
        if [ -z "$wall" ] || [ -z "$mib" ] || [ -z "$events" ]; then
            echo "scale-pair: the run with --shards=$s reported no figures (above)" >&2
            exit 1
        fi
        rows+=("$r $s $wall $mib $events $run")
    done
done
/usr/bin/python3 - "${rows[@]}" <<'PY'
import sys
rows = [r.split(maxsplit=5) for r in sys.argv[1:]]
print("| round | shards | wall | memory (PSS) | events | run | wall vs one process | memory vs one process |")
print("|---:|---:|---:|---:|---:|---|---:|---:|")
ok = True
for i in range(0, len(rows), 2):
    many, one = rows[i], rows[i + 1]
    for row in (many, one):
        r, s, wall, mib, events, run = row
        speed = float(one[2]) / float(wall)
        mem = float(mib) / float(one[3])
        print(f"| {r} | {s} | {float(wall):.1f} s | {int(mib):,} MiB | {int(events):,} | {run} "
              f"| {speed:.2f}x as fast | {mem:.2f}x |")
    ok &= many[4:] == one[4:]
print("scale-pair: both ways reported the same run" if ok else
      "scale-pair: the sharded and the single-process runs differ (events or connections)")
sys.exit(0 if ok else 1)
PY
