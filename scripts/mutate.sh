#!/usr/bin/env bash
# Mutation testing of the offload target: see scripts/mutate.py (--help) and BENCHMARKS.md.
#   scripts/mutate.sh --list | --sample N [--seed S] | --only ID[,ID...] [--expect-caught]
# Mutants are applied to a copy of the tree in build-mutate/src (never to the repository),
# built there in build-mutate/src/build; the table lands in build-mutate/mutants.{md,json}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$root/scripts/mutate.py" "$@"
