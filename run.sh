#!/usr/bin/env bash
# Installs what is missing, builds in build/, and runs the main job with your options.
#   ./run.sh [options]      e.g. ./run.sh --PrintHelp
# The main job is the fault-injection campaign (examples/chimney-campaign.cc). Its defaults:
# 128 offloading hosts x 8 connections, chimney peers, every fault kind
# (ChimneyFaultPlan::Everything()), seed 1; exit status 0 clean, 1 findings or a bad option.
# E.g. ./run.sh --runs=20 (replications: RNG runs 1..20 at seed 1),
# ./run.sh --everything=false --faults=plan.json, ./run.sh --report=report.json.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/install-deps.sh"
main=chimney-campaign
CHIMNEY_BUILD_TARGET=$main "$root/scripts/build.sh" "$root/build"
# The Python module too, so that `import chimney_offload` works after ./run.sh (README, Python).
CHIMNEY_BUILD_TARGET=_chimney "$root/scripts/build.sh" "$root/build"
"$root/scripts/install-python.sh" "$root/build"
exec "$root/build/examples/$main" "$@"
