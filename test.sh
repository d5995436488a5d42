#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest).
#   ./test.sh                 every label except 'long'
#   ./test.sh --long          everything, including the long seed sweeps
#   ./test.sh --label unit    one label only (unit, system, long)
#   ./test.sh --sanitize      the same, built with ASan + UBSan + LSan in build-sanitize/
# Exit status is non-zero when any test fails.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
build="$root/build"
cmake_args=(-DCHIMNEY_TESTS=ON)
ctest_args=(-LE long)
while [ $# -gt 0 ]; do
    case "$1" in
        --sanitize) build="$root/build-sanitize"
                    cmake_args+=(-DCHIMNEY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
        --long) ctest_args=() ;;
        --label) shift; ctest_args=(-L "^${1:?--label needs a name}\$") ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option '$1' (see ./test.sh --help)" >&2; exit 2 ;;
    esac
    shift
done
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$build" "${cmake_args[@]}"
# Registers build/python with /usr/bin/python3 (no-op for a build without bindings).
"$root/scripts/install-python.sh" "$build"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "${ctest_args[@]}"
