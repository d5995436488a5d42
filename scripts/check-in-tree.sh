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
log() { echo "check-in-tree: $*"; }

debian_tree() { # prints the path of Debian's ns-3 3.37 tree, fetching it once
    local dir
    dir=$(find "$cache" -maxdepth 3 -name CMakeLists.txt -path '*/ns-3.*/CMakeLists.txt' \
        2>/dev/null | head -1)
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
        dir=$(find "$cache" -maxdepth 3 -name CMakeLists.txt -path '*/ns-3.*/CMakeLists.txt' |
            head -1)
    fi
    dirname "$dir"
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
if [ ! -f cmake-cache/CMakeCache.txt ] || ! grep -q 'NS3_ENABLED_MODULES.*chimney' cmake-cache/CMakeCache.txt; then
    log "configuring"
    ./ns3 configure --enable-examples --enable-tests --enable-modules=chimney \
        --filter-module-examples-and-tests=chimney >"$tree/chimney-configure.log" 2>&1 ||
        { tail -40 "$tree/chimney-configure.log"; echo "check-in-tree: configure failed" >&2; exit 1; }
fi
log "building (log: $tree/chimney-build.log)"
jobs=$(nproc 2>/dev/null || echo 2)
if ! ./ns3 build -j "$jobs" >"$tree/chimney-build.log" 2>&1; then
    grep -v '^\[ *[0-9]*%\]' "$tree/chimney-build.log" | tail -60
    echo "check-in-tree: build failed" >&2
    exit 1
fi
if grep -q 'contrib/chimney.*warning:' "$tree/chimney-build.log"; then
    grep -A3 'contrib/chimney.*warning:' "$tree/chimney-build.log" | head -40
    echo "check-in-tree: the module compiles with warnings" >&2
    exit 1
fi

xml=$tree/chimney-test.xml
log "test.py: suites '$suites' (fullness $fullness) and the examples of examples-to-run.py"
status=0
./test.py -n --fullness="$fullness" --suite="$suites" --xml="$xml" --verbose-failed \
    >"$tree/chimney-test-suites.log" 2>&1 || status=$?
tail -5 "$tree/chimney-test-suites.log"
examples=$(/usr/bin/python3 - "$dest/test/examples-to-run.py" <<'EOF'
import sys
ns = {}
exec(open(sys.argv[1]).read(), ns)
for name, run, valgrind in ns.get("cpp_examples", []):
    if eval(run, {"True": True, "False": False}):
        print(name)
EOF
)
[ -n "$examples" ] || { echo "check-in-tree: no examples listed in test/examples-to-run.py" >&2; exit 1; }
failed=0
total=0
while IFS= read -r example; do
    total=$((total + 1))
    if ./test.py -n --example="$example" >"$tree/chimney-example.log" 2>&1 &&
        grep -q '^PASS' "$tree/chimney-example.log"; then
        echo "PASS example $example"
    else
        failed=$((failed + 1))
        echo "FAIL example $example"
        tail -20 "$tree/chimney-example.log"
    fi
done <<<"$examples"
/usr/bin/python3 - "$xml" <<'EOF' || status=1
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [(t.findtext("Name"), t.findtext("Result")) for t in root.iter("Test")]
chimney = [(n, r) for n, r in suites if n and n.startswith("chimney")]
for name, result in chimney:
    print(f"{result} suite {name}")
if not chimney:
    sys.exit("check-in-tree: test.py ran no chimney suite")
sys.exit(0 if all(r == "PASS" for _, r in chimney) else 1)
EOF
log "$((total - failed)) of $total examples passed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ] || { echo "check-in-tree: FAILED" >&2; exit 1; }
log "all chimney suites and examples passed in $tree"
