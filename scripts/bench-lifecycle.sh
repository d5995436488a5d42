#!/usr/bin/env bash
# Builds the lifecycle benchmark (benchmarks/chimney-lifecycle-benchmark.cc) with Release in
# build-bench/ and runs it; options go to the program (--PrintHelp lists them). BENCHMARKS.md
# lists the commands behind every figure, e.g.
#   scripts/bench-lifecycle.sh                                   # six modes, about a minute
#   scripts/bench-lifecycle.sh --repeats=3 --json=lifecycle.json
#   scripts/bench-lifecycle.sh --scale=65536 --bytes=1000        # 65,536 concurrent offloads
#   scripts/bench-lifecycle.sh --pgo --modes=nn-off,cc-off,cc-on --repeats=15
# --pgo (first option): the profile-guided build of scripts/build-pgo.sh in build-pgo/ instead
# (rebuilt and trained afresh, about 8 minutes; trained on campaigns, not on this benchmark).
# The machine is shared: wall-clock figures are noisy, ratios from one run much less so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--pgo" ]; then
    shift
    build="$root/build-pgo"
    # Trained afresh every time: a profile of older sources would not fit.
    "$root/scripts/build-pgo.sh" "$build" >&2
else
    build="$root/build-bench"
    "$root/scripts/install-deps.sh" >&2
    CHIMNEY_BUILD_TARGET=chimney-lifecycle-benchmark "$root/scripts/build.sh" "$build" \
        -DCMAKE_BUILD_TYPE=Release >&2
fi
bench="$build/benchmarks/chimney-lifecycle-benchmark"
echo "# $(uname -srm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$bench" "$@"
