#!/usr/bin/env bash
# Makes `import chimney_offload` work for Debian's /usr/bin/python3 without PYTHONPATH: writes
# chimney-offload.pth into its site directory (/usr/local/lib/python3.X/dist-packages), pointing
# at BUILD_DIR/python (the package and the _chimney module staged by the build).
#   scripts/install-python.sh [BUILD_DIR]      (default: build/; called by ./test.sh)
# A build without the bindings (e.g. build-sanitize/) registers nothing. Safe to run again.
# CHIMNEY_SITE_DIR=DIR writes the .pth file into DIR instead (for testing this script).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
python=/usr/bin/python3
if [ ! -f "$build/python/chimney_offload/__init__.py" ]; then
    echo "install-python: no Python package in $build/python (bindings not built): nothing to do"
    exit 0
fi
site=${CHIMNEY_SITE_DIR:-$("$python" -c 'import site; print(site.getsitepackages()[0])')}
pth="$site/chimney-offload.pth"
if [ "$(cat "$pth" 2>/dev/null || true)" != "$build/python" ]; then
    if [ "$(id -u)" -eq 0 ] || [ -w "$site" ]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" mkdir -p "$site"
    echo "$build/python" | "${sudo[@]}" tee "$pth" >/dev/null
    echo "install-python: $pth -> $build/python"
fi
# Check from a neutral directory, without PYTHONPATH, that the interpreter finds the package.
if ! ls "$build"/python/chimney_offload/_chimney*.so >/dev/null 2>&1; then
    echo "install-python: the _chimney module is not built yet (cmake --build $build --target _chimney)"
elif [ -z "${CHIMNEY_SITE_DIR:-}" ]; then
    (cd / && env -u PYTHONPATH "$python" -c 'import chimney_offload') ||
        { echo "install-python: $python cannot import chimney_offload" >&2; exit 1; }
fi
