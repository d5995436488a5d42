#!/usr/bin/env bash
# Installs what is missing, builds in build/, and runs the main job with your options.
#   ./run.sh [options]      e.g. ./run.sh --PrintHelp
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
"$root/scripts/install-deps.sh"
# The main job: until the campaign program exists, the native baseline example.
main=chimney-p2p-baseline
CHIMNEY_BUILD_TARGET=$main "$root/scripts/build.sh" "$root/build"
exec "$root/build/examples/$main" "$@"
