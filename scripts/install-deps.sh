#!/usr/bin/env bash
# Installs the Debian packages the module needs, only those missing (fast when all are there).
# Used by ./run.sh and ./test.sh; safe to run again. Uses sudo when not root.
set -euo pipefail

# Build and run: compiler, CMake, ns-3 3.37 and the GSL that its libraries link against.
packages=(
    g++ cmake make pkg-config ccache
    libns3-dev libgsl-dev
    # ns3 ships the helper executables that ns3Targets.cmake checks for at configure time.
    ns3
    # Tests and benchmarks (valgrind: scripts/bench-cycles.sh's deterministic counts).
    libgtest-dev libbenchmark-dev tshark valgrind
    # libFuzzer target (clang with its runtime libraries).
    clang libclang-rt-dev
    # Fault plans are JSON files.
    nlohmann-json3-dev
    # The build-list check and the Python side run on Debian's interpreter (/usr/bin/python3):
    # pybind11 bindings, the Dask campaign runner, the notebook and their pytest tests.
    python3 python3-dev pybind11-dev
    python3-dask python3-distributed python3-pandas python3-matplotlib python3-tqdm
    python3-nbclient python3-nbformat python3-ipykernel python3-pytest
    # The model documentation on its own (scripts/build-doc.sh).
    python3-sphinx
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
echo "install-deps: done"
