#!/usr/bin/env bash
# Configures and builds the module in BUILD_DIR (default build/). Extra arguments go to cmake.
#   scripts/build.sh [BUILD_DIR] [-DOPTION=VALUE ...]
# CHIMNEY_BUILD_TARGET=name builds one target only (./run.sh builds just its program).
# The full logs stay in BUILD_DIR.{configure,build}.log; they are printed when a step fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
# ccache, when installed, makes rebuilds cheap; paths relative to the clone (CCACHE_BASEDIR,
# CCACHE_NOHASHDIR) let clones in other folders (worktrees, CI's fresh clone) share the cache.
launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
# Debian's python3 is the one that sees Debian's python3-* packages (not a pyenv shim).
if ! cmake -S "$root" -B "$build" -DPython3_EXECUTABLE=/usr/bin/python3 "${launcher[@]}" "$@" \
    >"$build.configure.log" 2>&1; then
    cat "$build.configure.log"
    echo "build.sh: configure failed (log: $build.configure.log)" >&2
    exit 1
fi
target=()
[ -n "${CHIMNEY_BUILD_TARGET:-}" ] && target=(--target "$CHIMNEY_BUILD_TARGET")
if ! cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" "${target[@]}" >"$build.build.log" 2>&1; then
    grep -v '^\[ *[0-9]*%\]' "$build.build.log" | tail -80
    echo "build.sh: build failed (log: $build.build.log)" >&2
    exit 1
fi
# Warnings are errors in spirit: show any the build produced.
grep -A3 'warning:' "$build.build.log" || true
echo "build.sh: built in $build"
