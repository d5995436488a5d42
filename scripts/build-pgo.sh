#!/usr/bin/env bash
# A profile-guided Release build (GCC's -fprofile-use) of the campaign and the lifecycle
# benchmark, for long campaigns and for benchmarks: builds them instrumented in BUILD_DIR
# (default build-pgo/), trains them on campaigns only (64 hosts: every fault kind with chimney
# peers; no faults; every fault kind with ns-3 TCP peers over CSMA), so that the lifecycle
# benchmark measures a build not trained on it, then rebuilds them in place with the profile.
# Only code layout and inlining change: the script checks that the optimised campaign reports
# what the instrumented one did (every field but the wall clock). BENCHMARKS.md "Calls inside
# the library, and a profile-guided build" has its figures.
#   scripts/build-pgo.sh [BUILD_DIR]
#   BUILD_DIR/examples/chimney-campaign --hosts=10000 ...   (then as with any build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-pgo}
"$root/scripts/install-deps.sh"

build_programs() {
    for target in chimney-campaign chimney-lifecycle-benchmark; do
        CHIMNEY_BUILD_TARGET=$target "$root/scripts/build.sh" "$build" \
            -DCMAKE_BUILD_TYPE=Release -DCHIMNEY_TESTS=OFF "$@"
    done
}

# A profile left from an earlier round would be merged into this one.
[ -d "$build" ] && find "$build" -name '*.gcda' -delete
echo "build-pgo: instrumented build in $build" >&2
build_programs -DCHIMNEY_PROFILE=generate

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
campaign() { "$build/examples/chimney-campaign" --hosts=64 --quiet "$@"; }
echo "build-pgo: training" >&2
campaign --report="$work/faults-trained.json"
campaign --everything=false --sampleInterval=0 --records=false >/dev/null
campaign --peer=native --topology=csma --sampleInterval=0 --records=false --failOnFindings=false \
    >/dev/null

echo "build-pgo: optimised build" >&2
build_programs -DCHIMNEY_PROFILE=use
campaign --report="$work/faults-optimised.json"
/usr/bin/python3 - "$work/faults-trained.json" "$work/faults-optimised.json" <<'PY'
import json, sys
trained, optimised = (json.load(open(p)) for p in sys.argv[1:])
for r in (trained, optimised):
    r.pop("wall", None)
if trained != optimised:
    sys.exit("build-pgo: the optimised campaign's report differs from the instrumented one's")
print("build-pgo: the optimised campaign reports what the instrumented one did")
PY
echo "build-pgo: built in $build" >&2
