#!/usr/bin/env bash
# Runs the TCP engine fuzzer (test/fuzz/tcp-engine-fuzzer.cc) for a while, building it if needed.
#   scripts/fuzz.sh [SECONDS] [LIBFUZZER OPTIONS...]     default 300 s, e.g. 3600 -jobs=2
# The corpus grows in build/fuzz-corpus/ (seeded from test/fuzz/corpus/) and is kept between
# runs; a failing input lands in build/fuzz-artifacts/. Replay one step by step with
#   CHIMNEY_FUZZ_TRACE=1 build/chimney-engine-fuzzer build/fuzz-artifacts/crash-...
# Exit status is non-zero when the fuzzer found a failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
seconds=${1:-300}
shift || true
"$root/scripts/install-deps.sh"
CHIMNEY_BUILD_TARGET=chimney-engine-fuzzer "$root/scripts/build.sh" "$build" -DCHIMNEY_TESTS=ON
fuzzer="$build/chimney-engine-fuzzer"
if [ ! -x "$fuzzer" ]; then
    echo "fuzz.sh: $fuzzer was not built (is clang++ installed?)" >&2
    exit 1
fi
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
log="$build/fuzz.log"
echo "fuzz.sh: fuzzing for ${seconds} s (log: $log)"
rc=0
"$fuzzer" -max_total_time="$seconds" -max_len=2048 -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/" "$@" \
    "$build/fuzz-corpus" "$root/test/fuzz/corpus" >"$log" 2>&1 || rc=$?
# libFuzzer's summary: last status line (coverage, corpus, exec/s) and final statistics.
grep -E '^#[0-9]+ +(INITED|DONE|pulse|NEW|REDUCE)' "$log" | tail -1 || true
grep -E '^stat::' "$log" || true
if [ "$rc" -ne 0 ]; then
    grep -E -A4 '^tcp-engine-fuzzer:|ERROR: |runtime error' "$log" | head -40 || true
    grep -E 'Test unit written to' "$log" || true
    echo "fuzz.sh: the fuzzer found a failure (exit $rc)" >&2
fi
echo "fuzz.sh: $(find "$build/fuzz-corpus" -type f | wc -l) inputs in build/fuzz-corpus/"
exit "$rc"
