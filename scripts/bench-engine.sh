#!/usr/bin/env bash
# Builds the TCP engine micro-benchmarks (benchmarks/tcp-engine-benchmark.cc) with Release in
# build-bench/ and prints their table. Options go to the benchmark program, e.g.
#   scripts/bench-engine.sh --benchmark_filter=Lifecycle --benchmark_repetitions=5
# Columns: Time/CPU = ns per received segment, per ACK, per lifecycle; items_per_second of
# BM_ConnectionLifecycle = lifecycles per second; bytes_per_engine = sizeof + heap when idle.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
"$root/scripts/install-deps.sh"
CHIMNEY_BUILD_TARGET=chimney-engine-benchmark "$root/scripts/build.sh" "$build" \
    -DCMAKE_BUILD_TYPE=Release -DCHIMNEY_TESTS=OFF >&2
bench="$build/benchmarks/chimney-engine-benchmark"
if [ ! -x "$bench" ]; then
    echo "bench-engine.sh: $bench was not built (is libbenchmark-dev installed?)" >&2
    exit 1
fi
"$bench" "$@"
