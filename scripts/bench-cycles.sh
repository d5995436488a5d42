#!/usr/bin/env bash
# The lifecycle benchmark's deterministic figures: each mode once under callgrind (cache and
# branch simulation, counted inside Simulator::Run only, what the benchmark times), then
# instructions, L1 misses, mispredicted branches and estimated cycles per mode, each mode's
# lifecycles per estimated cycle as a multiple of native-native's, and the verifier's share
# (scripts/cycles-table.py). The same seed and options give the same counts on any machine
# with the same binaries; BENCHMARKS.md quotes them.
#   scripts/bench-cycles.sh                                  # nn-off,cc-off,cc-on; ~7 minutes
#   scripts/bench-cycles.sh --modes=cc-off,cc-on --pairs=8 --connections=32
#   scripts/bench-cycles.sh --keep=DIR ...                   # keep DIR/MODE.out for callgrind_annotate
#   scripts/bench-cycles.sh --bench=PATH ...                 # that benchmark binary, not built
# Other options go to the benchmark (chimney-lifecycle-benchmark --PrintHelp). Builds the
# benchmark with Release in build-bench/ (as scripts/bench-lifecycle.sh) unless --bench is given.
# Runs $(nproc) modes at a time; a mode whose run fails (a failed lifecycle, a finding, a bad
# option) stops the script with its log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=""
modes="nn-off,cc-off,cc-on"
keep=""
args=()
for arg in "$@"; do
    case "$arg" in
    --bench=*) bench=${arg#--bench=} ;;
    --modes=*) modes=${arg#--modes=} ;;
    --keep=*) keep=${arg#--keep=} ;;
    --repeats=*) echo "bench-cycles: each mode runs once (its counts do not vary)" >&2; exit 2 ;;
    *) args+=("$arg") ;;
    esac
done
IFS=, read -r -a modeList <<<"$modes"
if [ ${#modeList[@]} -eq 0 ]; then
    echo "bench-cycles: no modes" >&2
    exit 2
fi

"$root/scripts/install-deps.sh" >&2
if [ -z "$bench" ]; then
    CHIMNEY_BUILD_TARGET=chimney-lifecycle-benchmark "$root/scripts/build.sh" "$root/build-bench" \
        -DCMAKE_BUILD_TYPE=Release >&2
    bench="$root/build-bench/benchmarks/chimney-lifecycle-benchmark"
fi
if [ ! -x "$bench" ]; then
    echo "bench-cycles: no benchmark program at $bench" >&2
    exit 2
fi
libdir=$(cd "$(dirname "$bench")/.." && pwd)

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    out=$(cd "$keep" && pwd)
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

run() {
    LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" valgrind --tool=callgrind \
        --cache-sim=yes --branch-sim=yes --toggle-collect='ns3::Simulator::Run()' \
        --callgrind-out-file="$out/$1.out" "$bench" --modes="$1" --repeats=1 "${args[@]}" \
        >"$out/$1.log" 2>&1
}

echo "bench-cycles: ${modeList[*]} under callgrind ($(nproc) at a time): $bench ${args[*]}" >&2
pids=()
for mode in "${modeList[@]}"; do
    run "$mode" &
    pids+=("$!")
    # Keep at most nproc runs going.
    while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do
        wait -n || true
    done
done
status=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "bench-cycles: mode ${modeList[$i]} failed:" >&2
        grep -v "^==" "$out/${modeList[$i]}.log" | tail -n 20 >&2
        status=1
    fi
done
[ "$status" -eq 0 ] || exit "$status"

table=()
for mode in "${modeList[@]}"; do
    table+=("$mode=$out/$mode.out")
done
grep -h "^Lifecycle benchmark:" "$out/${modeList[0]}.log" || true
/usr/bin/python3 "$root/scripts/cycles-table.py" "${table[@]}"
