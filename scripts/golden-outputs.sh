#!/usr/bin/env bash
# Reference outputs: what a refactor must leave byte for byte unchanged.
#   scripts/golden-outputs.sh BUILD_DIR OUT_DIR            write every output into OUT_DIR
#   scripts/golden-outputs.sh --check BUILD_DIR            compare with test/golden/SHA256SUMS
#   scripts/golden-outputs.sh --update BUILD_DIR           rewrite test/golden/SHA256SUMS
# Outputs (paths relative to OUT_DIR, so that two folders compare): every lifecycle example's
# stdout, exit status and pcaps over p2p and CSMA; the
# verifier report example's JSON for the clean run and for every seeded defect; the default
# campaign's stdout and JSON report (its `wall` object removed: the one part that is not
# deterministic). Only the SHA-256 of each file is kept in the repository; on a mismatch, run the
# first form on the commit before and after and diff the two folders.
# A commit that changes behaviour on purpose runs --update and says why in its message.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/test/golden/SHA256SUMS
mode=write
case "${1:-}" in
    --check) mode=check; shift ;;
    --update) mode=update; shift ;;
esac
build=$(cd "${1:?usage: golden-outputs.sh [--check|--update] BUILD_DIR [OUT_DIR]}" && pwd)
if [ "$mode" = write ]; then
    out=${2:?usage: golden-outputs.sh BUILD_DIR OUT_DIR}
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
ex=$build/examples

# name, then the example's arguments
lifecycle=(
    "graceful-close --bytes=30000 --finalBytes=700"
    "abortive-close --bytes=300000 --abortAt=0.6"
    "terminate-mid-transfer --bytes=300000 --terminateAt=0.6"
    "remote-close --bytes=50000"
    "simultaneous-close --bytes=30000"
    "intermediate-layer --bytes=20000 --finalBytes=500"
)
run() { # run NAME PROGRAM ARGS...: stdout and exit status into OUT/NAME.{stdout,status}
    local name=$1
    shift
    local status=0
    (cd "$out" && "$@" >"$out/$name.stdout" 2>"$out/$name.stderr") || status=$?
    echo "$status" >"$out/$name.status"
}
for entry in "${lifecycle[@]}"; do
    read -r name args <<<"$entry"
    for link in p2p csma; do
        mkdir -p "$out/$name-$link"
        # shellcheck disable=SC2086 # the arguments are words
        run "$name-$link" "$ex/chimney-$name" $args --link=$link --allSegments --dataCalls \
            --pcap="$name-$link"
    done
done
mkdir -p "$out/p2p-baseline"
run p2p-baseline "$ex/chimney-p2p-baseline" --pcap=p2p-baseline

# The verifier report, clean and with each seeded defect (the names come from the error message
# for an unknown --defect, which lists them; "None" is the clean run).
run verifier-clean "$ex/chimney-verifier-report" --report=verifier-clean.json
defects=$("$ex/chimney-verifier-report" --defect=golden-outputs-list 2>&1 >/dev/null |
    sed -n 's/.*known defects: *//p' | tr ' ' '\n' | grep -vx 'None' | tr '\n' ' ' || true)
[ -n "${defects// /}" ] || { echo "golden-outputs: no defect names from --defect" >&2; exit 1; }
for d in $defects; do
    run "verifier-$d" "$ex/chimney-verifier-report" --defect="$d" --report="verifier-$d.json"
done

run campaign "$ex/chimney-campaign" --report=campaign.json
/usr/bin/python3 - "$out" <<'EOF'
import json, os, re, sys
out = sys.argv[1]
path = os.path.join(out, "campaign.json")
report = json.load(open(path))
report.pop("wall", None)
# resourceBytesHeld is resourcesHeld times ChimneyNetDevice::GetConnectionStateSize(), the C++
# record's sizeof (compiler- and layout-dependent, not behaviour): kept only as a check that
# it is that multiple, one size for the whole report.
sizes = set()
def ledger(node):
    if isinstance(node, dict):
        held, size = node.get("resourcesHeld"), node.get("resourceBytesHeld")
        if isinstance(held, int) and isinstance(size, int) and (held == 0) == (size == 0) \
                and (held == 0 or size % held == 0):
            if held:
                sizes.add(size // held)
            node["resourceBytesHeld"] = "resourcesHeld x connection state size"
        for value in node.values():
            ledger(value)
    elif isinstance(node, list):
        for value in node:
            ledger(value)
ledger(report)
if len(sizes) > 1:
    report["goldenLedgerSizes"] = sorted(sizes) # more than one size per connection: a change
json.dump(report, open(path, "w"), indent=1, sort_keys=True)
# Wall-clock figures (campaign, p2p-baseline) and peak memory are not deterministic either.
for name in sorted(os.listdir(out)):
    if name.endswith(".stdout"):
        text = open(os.path.join(out, name)).read()
        text = re.sub(r"[0-9.]+ ?(s|ms) wall|wall[^\n]*", "<wall>", text)
        text = re.sub(r"[0-9.]+ ?[KMG]iB peak RSS", "<rss>", text)
        open(os.path.join(out, name), "w").write(text)
EOF
rm -f "$out"/*.stderr

sums() { (cd "$out" && find . -type f | LC_ALL=C sort | xargs sha256sum); }
case $mode in
    write) echo "golden-outputs: $(find "$out" -type f | wc -l) files in $out" ;;
    update)
        mkdir -p "$(dirname "$manifest")"
        sums >"$manifest"
        echo "golden-outputs: wrote $manifest ($(wc -l <"$manifest") files)" ;;
    check)
        if diff <(sums) "$manifest" >"$out.diff" 2>&1; then
            echo "golden-outputs: $(wc -l <"$manifest") outputs byte-identical to the reference"
            rm -f "$out.diff"
        else
            echo "golden-outputs: outputs differ from test/golden/SHA256SUMS (< now, > reference):"
            cat "$out.diff"
            rm -f "$out.diff"
            echo "Run scripts/golden-outputs.sh BUILD OUT on this commit and the one before, then"
            echo "diff -r the two folders. A change on purpose: --update, and say why in the commit."
            exit 1
        fi ;;
esac
