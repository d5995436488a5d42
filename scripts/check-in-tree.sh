#!/usr/bin/env bash
# Builds and tests the module inside an ns-3 source tree, as an ns-3 user installs it:
# copied into contrib/chimney, `./ns3 configure --enable-examples --enable-tests`, `./ns3 build`,
# `./test.py` on every chimney suite and every example of test/examples-to-run.py.
#   scripts/check-in-tree.sh [NS3_SOURCE_DIR]
# NS3_SOURCE_DIR is any ns-3 (>= 3.37) source tree, e.g. a release extracted from ns-3's own
# repository; it is built in place. Without it: Debian bookworm's ns-3 3.37 sources
# (`apt-get source ns3`, with a deb-src entry added when missing), unpacked and built once in
# $CHIMNEY_NS3_CACHE (default /var/cache/chimney), so a second run only rebuilds what changed.
# ccache is used when installed (ns-3 picks it up by itself).
# Environment: CHIMNEY_TESTPY_FULLNESS (default EXTENSIVE: the unit and system suites; the
# 'long' suite is TAKES_FOREVER), CHIMNEY_TESTPY_SUITES (default 'chimney*').
# Exit 0 only when the build, every chimney suite and every listed example pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CHIMNEY_NS3_CACHE:-/var/cache/chimney}
fullness=${CHIMNEY_TESTPY_FULLNESS:-EXTENSIVE}
suites=${CHIMNEY_TESTPY_SUITES:-chimney*}
log() { echo "check-in-tree: $*" >&2; }

debian_tree() { # prints the path of Debian's ns-3 3.37 tree, fetching it once
    local dir
    # Debian's layout: ns3-3.37/ns-3.37 (the packaging wraps the ns-3 tree).
    dir=$(ls -d "$cache"/ns3-*/ns-3.*/ 2>/dev/null | head -1)
    if [ -z "$dir" ]; then
        if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
        command -v dpkg-source >/dev/null || "${sudo[@]}" apt-get install -y -qq dpkg-dev >/dev/null
        if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ &&
            ! grep -qs '^deb-src' /etc/apt/sources.list; then
            log "adding a deb-src entry for bookworm main"
            "${sudo[@]}" tee /etc/apt/sources.list.d/chimney-deb-src.sources >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
            "${sudo[@]}" apt-get update -qq
        fi
        "${sudo[@]}" mkdir -p "$cache"
        log "fetching Debian's ns-3 sources into $cache"
        (cd "$cache" && "${sudo[@]}" apt-get source -qq ns3 >/dev/null 2>&1) ||
            { echo "check-in-tree: apt-get source ns3 failed" >&2; exit 1; }
        dir=$(ls -d "$cache"/ns3-*/ns-3.*/ 2>/dev/null | head -1)
        [ -n "$dir" ] || { echo "check-in-tree: no ns-3 tree in $cache" >&2; exit 1; }
    fi
    echo "${dir%/}"
}

tree=${1:-$(debian_tree)}
tree=$(cd "$tree" && pwd)
[ -x "$tree/ns3" ] && [ -f "$tree/test.py" ] ||
    { echo "check-in-tree: $tree is not an ns-3 source tree (no ns3 or test.py)" >&2; exit 2; }
log "ns-3 tree $tree ($(cat "$tree/VERSION" 2>/dev/null || echo unknown version))"

# The module as a user would clone it: the committed files plus the work tree's changes, no
# build folders. tar keeps modification times, so an unchanged file is not rebuilt.
dest=$tree/contrib/chimney
rm -rf "$dest"
mkdir -p "$dest"
(cd "$root" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$dest"

cd "$tree"
# Only the modules chimney needs; its examples and tests, not every module's.
# A failed configure leaves a CMakeCache.txt but no build.ninja: configure again then.
# No precompiled headers: a fresh clone of the module is newer than the cached build, so CMake
# re-runs configure, which rebuilds the precompiled header and with it every object of ns-3
# (ten minutes here); without one, only the module's changed files are compiled again.
if [ ! -f cmake-cache/build.ninja ] ||
    ! grep -q 'NS3_ENABLED_MODULES.*chimney' cmake-cache/CMakeCache.txt ||
    ! grep -q 'NS3_PRECOMPILE_HEADERS:BOOL=OFF' cmake-cache/CMakeCache.txt; then
    log "configuring"
    ./ns3 configure --enable-examples --enable-tests --enable-modules=chimney \
        --filter-module-examples-and-tests=chimney --disable-precompiled-headers \
        >"$tree/chimney-configure.log" 2>&1 ||
        { tail -40 "$tree/chimney-configure.log"; echo "check-in-tree: configure failed" >&2; exit 1; }
fi
# ns-3 writes a header's stub (build/include/ns3/NAME.h, '#include "<its path>"') only when
# none exists, so a header the module moved keeps a stub naming its old place: drop those and
# let the build re-run configure (a newer CMakeLists.txt) to write them anew.
stale=0
for stub in build/include/ns3/*.h; do
    target=$(sed -n 's/^#include "\(.*\)"$/\1/p' "$stub")
    case $target in
    "$dest"/*) [ -f "$target" ] || { rm -f "$stub"; stale=1; } ;;
    esac
done
if [ "$stale" = 1 ]; then
    log "headers moved since the last build: re-running configure"
    touch "$dest/CMakeLists.txt"
fi
log "building (log: $tree/chimney-build.log)"
# `./ns3 build` runs one job less than the cores (one, here): CMake directly runs them all.
jobs=$(nproc 2>/dev/null || echo 2)
if ! cmake --build cmake-cache -j "$jobs" >"$tree/chimney-build.log" 2>&1; then
    grep -v '^\[ *[0-9]*%\]' "$tree/chimney-build.log" | tail -60
    echo "check-in-tree: build failed" >&2
    exit 1
fi
if grep -q 'contrib/chimney.*warning:' "$tree/chimney-build.log"; then
    grep -A3 'contrib/chimney.*warning:' "$tree/chimney-build.log" | head -40
    echo "check-in-tree: the module compiles with warnings" >&2
    exit 1
fi

# test.py adds ".xml" to --xml's name (3.37 always, 3.48 when missing): give it none.
xml=$tree/chimney-test
examples_xml=$tree/chimney-examples
rm -f "$xml.xml" "$examples_xml.xml"
log "test.py: suites '$suites' (fullness $fullness) and the examples of examples-to-run.py"
# --verbose-failed (a failing suite's own messages) exists from ns-3 3.39 on.
verbose=()
./test.py --help 2>/dev/null | grep -q -- --verbose-failed && verbose=(--verbose-failed)
status=0
./test.py -n --fullness="$fullness" --suite="$suites" --xml="$xml" "${verbose[@]}" \
    >"$tree/chimney-test-suites.log" 2>&1 || status=$?
tail -5 "$tree/chimney-test-suites.log"
# Examples with arguments run only in test.py's example pass (--example takes a bare program
# name); the tree is configured with chimney's examples only, so this pass runs just ours.
./test.py -n --constrain=example --xml="$examples_xml" >"$tree/chimney-examples.log" 2>&1 ||
    status=1
tail -3 "$tree/chimney-examples.log"
/usr/bin/python3 - "$xml.xml" "$examples_xml.xml" "$dest/test/examples-to-run.py" <<'EOF' || status=1
import sys, xml.etree.ElementTree as ET
suites_xml, examples_xml, listing = sys.argv[1:]
def results(path, tag):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        sys.exit(f"check-in-tree: no test.py report {path}: {error}")
    return [(t.findtext("Name") or "", t.findtext("Result") or "") for t in root.iter(tag)]
ok = True
chimney = [(n, r) for n, r in results(suites_xml, "Test") if n.startswith("chimney")]
for name, result in chimney:
    print(f"{result} suite {name}")
if not chimney:
    print("check-in-tree: test.py ran no chimney suite")
    ok = False
ok = ok and all(r == "PASS" for _, r in chimney)
ns = {}
exec(open(listing).read(), ns)
wanted = [name for name, run, _ in ns.get("cpp_examples", [])
          if eval(run, {"True": True, "False": False})]
ran = results(examples_xml, "Example")  # names are "<build dir>/<program> <arguments>"
def result_of(name):
    return next((r for n, r in ran if n == name or n.endswith("/" + name)), "NOT RUN")
for name in wanted:
    result = result_of(name)
    print(f"{result} example {name}")
    ok = ok and result == "PASS"
passed = sum(result_of(n) == "PASS" for n in wanted)
print(f"check-in-tree: {passed} of {len(wanted)} examples passed")
sys.exit(0 if ok else 1)
EOF
[ "$status" -eq 0 ] || { echo "check-in-tree: FAILED" >&2; exit 1; }
log "all chimney suites and examples passed in $tree"
