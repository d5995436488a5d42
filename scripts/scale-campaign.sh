#!/usr/bin/env bash
# The scale run: 10,000 offloading hosts x 8 connections (80,000 connections), one scenario,
# reporting wall time and peak memory (from /usr/bin/time -v when present, and the program's
# own figures). Builds the campaign program in BUILD_DIR (default build/) first.
#   scripts/scale-campaign.sh [BUILD_DIR] [extra campaign options]
# The campaign program's defaults (point-to-point pairs, chimney peers, connections opened
# within 100 ms) without faults (--everything=false) and without the time series (a
# 10,000-host sum every 100 ms costs more than it shows); add e.g. --everything or
# --topology=csma --segmentHosts=8 to change that; --peer=native --topology=star
# --segmentHosts=8 puts 8 hosts' peers on one node (1,250 peer nodes instead of 10,000).
# It runs as one process per core (--shards=$(nproc): the campaign program forks after
# parsing, each process builds and simulates its block of host islands, and the merged report
# is the single-process one); --shards=1 runs one process.
# Memory: the sum of PSS over the run's processes, sampled every 0.5 s (what the machine gave
# the run; the report's peakRssBytes sums each process's peak, an upper bound).
# Measured (2 cores, seed 1; BENCHMARKS.md "Scale (issue 18)"): 80,000 connections, 0 findings,
# 14.0 M events, both ways; see there for wall time and memory side by side.
# On the profile-guided build: scripts/build-pgo.sh && scripts/scale-campaign.sh build-pgo
# (an existing build directory keeps its configuration).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
"$root/scripts/install-deps.sh"
CHIMNEY_BUILD_TARGET=chimney-campaign "$root/scripts/build.sh" "$build"
report=$(mktemp --suffix=.json)
options=(--hosts=10000 --connections=8 --everything=false --sampleInterval=0
         --records=false --shards="$(nproc)" --report="$report" "$@")
echo "scale-campaign: chimney-campaign ${options[*]}"
status=0
pss_peak() { # pss_peak PID: prints the peak, over time, of the PSS summed over PID's process tree
    local peak=0 sum p pids
    while kill -0 "$1" 2>/dev/null; do
        pids=$(ps -o pid= --ppid "$1"; for p in $(ps -o pid= --ppid "$1"); do ps -o pid= --ppid "$p"; done)
        sum=0
        for p in "$1" $pids; do
            sum=$((sum + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
        done
        [ "$sum" -gt "$peak" ] && peak=$sum
        sleep 0.5
    done
    echo "$peak"
}
start=$(date +%s%N)
"$build/examples/chimney-campaign" "${options[@]}" &
pid=$!
peak_kib=$(pss_peak "$pid")
wait "$pid" || status=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
echo "scale-campaign: wall $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s;" \
    "peak memory of the run (PSS summed over its processes) $((peak_kib / 1024)) MiB"
/usr/bin/python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, w = r["summary"], r["wall"]
print(f"scale-campaign: {s['connections']} connections, {s['findings']} findings, "
      f"{s['endToEndFailures']} E1/E2 failures, outcomes {s['outcomes']}")
print(f"scale-campaign: {s['simTimeSeconds']:.2f} s simulated, {s['events']} events, "
      f"wall {w['seconds']:.1f} s, peak RSS (summed over processes) "
      f"{w['peakRssBytes'] / 2**20:.0f} MiB")
PY
rm -f "$report"
exit $status
