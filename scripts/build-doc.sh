#!/usr/bin/env bash
# Builds the model documentation (doc/chimney.rst) as HTML with Sphinx, on its own, without
# ns-3's documentation tree; warnings are errors.
#   scripts/build-doc.sh [OUT_DIR]      (default: build/doc/html)
# Installs Debian's python3-sphinx when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/doc/html}
if ! /usr/bin/python3 -c 'import sphinx' 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
    echo "build-doc: installing python3-sphinx"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sphinx >/dev/null
fi
# A fresh build each time: a doctree cache from an older doc/ gave spurious warnings.
rm -rf "$out"
/usr/bin/python3 -m sphinx -W --keep-going -q -b html -d "$out/.doctrees" "$root/doc" "$out"
echo "build-doc: $out/index.html"
