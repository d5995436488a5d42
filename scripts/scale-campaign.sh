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
# Measured (2 shared cores, seed 1; BENCHMARKS.md "Scale (issue 18)"): 80,000 connections,
# 0 findings, 14.0 M events, 1,090 MiB peak RSS; wall 82-125 s (this machine's speed varies).
# On the profile-guided build (6-7 % faster): scripts/build-pgo.sh && scripts/scale-campaign.sh
# build-pgo (an existing build directory keeps its configuration).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
"$root/scripts/install-deps.sh"
CHIMNEY_BUILD_TARGET=chimney-campaign "$root/scripts/build.sh" "$build"
report=$(mktemp --suffix=.json)
options=(--hosts=10000 --connections=8 --everything=false --sampleInterval=0
         --records=false --report="$report" "$@")
echo "scale-campaign: chimney-campaign ${options[*]}"
status=0
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$report.time" "$build/examples/chimney-campaign" "${options[@]}" ||
        status=$?
    sed -n -E 's/^\s*(Elapsed \(wall clock\).*|Maximum resident set size.*)/scale-campaign: \1/p' \
        "$report.time"
else
    "$build/examples/chimney-campaign" "${options[@]}" || status=$?
fi
/usr/bin/python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, w = r["summary"], r["wall"]
print(f"scale-campaign: {s['connections']} connections, {s['findings']} findings, "
      f"{s['endToEndFailures']} E1/E2 failures, outcomes {s['outcomes']}")
print(f"scale-campaign: {s['simTimeSeconds']:.2f} s simulated, {s['events']} events, "
      f"wall {w['seconds']:.1f} s, peak RSS {w['peakRssBytes'] / 2**20:.0f} MiB")
PY
rm -f "$report" "$report.time"
exit $status
