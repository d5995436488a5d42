#!/usr/bin/env bash
# Runs the TCP engine fuzzer (test/fuzz/tcp-engine-fuzzer.cc) for a while, building it if needed.
#   scripts/fuzz.sh [SECONDS] [LIBFUZZER OPTIONS...]     default 300 s, e.g. 3600 -jobs=2
# The corpus grows in build/fuzz-corpus/ (seeded from test/fuzz/corpus/) and is kept between
# runs; a failing input lands in build/fuzz-artifacts/. Replay one step by step with
#   CHIMNEY_FUZZ_TRACE=1 build/chimney-engine-fuzzer build/fuzz-artifacts/crash-...
# Exit status is non-zero when the fuzzer found a failure.
#
#   scripts/fuzz.sh --target=interface [SECONDS] [LIBFUZZER OPTIONS...]
# fuzzes the offload target's host interface instead (test/fuzz/chimney-interface-fuzzer.cc):
# the whole module is built with clang++, libFuzzer, ASan and UBSan in build-fuzz/
# (CHIMNEY_LIBFUZZER=ON; the first build takes a while), corpus in build-fuzz/fuzz-corpus/
# seeded from test/fuzz/interface-corpus/. Replay a failing input with
#   CHIMNEY_FUZZ_TRACE=1 build-fuzz/chimney-interface-fuzzer build-fuzz/fuzz-artifacts/crash-...
# (or, without clang, build/chimney-interface-fuzz-replay FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=engine
case "${1:-}" in
--target=*)
    target=${1#--target=}
    shift
    ;;
esac
seconds=${1:-300}
shift || true
"$root/scripts/install-deps.sh"
case "$target" in
engine)
    build="$root/build"
    CHIMNEY_BUILD_TARGET=chimney-engine-fuzzer "$root/scripts/build.sh" "$build" -DCHIMNEY_TESTS=ON
    fuzzer="$build/chimney-engine-fuzzer"
    seeds="$root/test/fuzz/corpus"
    max_len=2048
    ;;
interface)
    build="$root/build-fuzz"
    CHIMNEY_BUILD_TARGET=chimney-interface-fuzzer "$root/scripts/build.sh" "$build" \
        -DCHIMNEY_TESTS=ON -DCHIMNEY_LIBFUZZER=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug
    fuzzer="$build/chimney-interface-fuzzer"
    seeds="$root/test/fuzz/interface-corpus"
    max_len=512
    ;;
*)
    echo "fuzz.sh: unknown --target=$target (engine or interface)" >&2
    exit 2
    ;;
esac
if [ ! -x "$fuzzer" ]; then
    echo "fuzz.sh: $fuzzer was not built (is clang++ installed?)" >&2
    exit 1
fi
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
log="$build/fuzz.log"
echo "fuzz.sh: fuzzing for ${seconds} s (log: $log)"
rc=0
"$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/" "$@" \
    "$build/fuzz-corpus" "$seeds" >"$log" 2>&1 || rc=$?
# libFuzzer's summary: last status line (coverage, corpus, exec/s) and final statistics.
grep -E '^#[0-9]+ +(INITED|DONE|pulse|NEW|REDUCE)' "$log" | tail -1 || true
grep -E '^stat::' "$log" || true
if [ "$rc" -ne 0 ]; then
    grep -E -A4 '^(tcp-engine|chimney-interface)-fuzzer:|ERROR: |runtime error' "$log" | head -40 || true
    grep -E 'Test unit written to' "$log" || true
    echo "fuzz.sh: the fuzzer found a failure (exit $rc)" >&2
fi
echo "fuzz.sh: $(find "$build/fuzz-corpus" -type f | wc -l) inputs in ${build#"$root"/}/fuzz-corpus/"
exit "$rc"
