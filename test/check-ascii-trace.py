#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs the graceful and abortive close examples with --ascii (ns-3's packet printing on) over
point-to-point and CSMA and checks that every IPv4 frame of the chimney host's link prints its
ns-3 headers: the offload target builds its frames from ns-3's Ipv4Header and TcpHeader when
printing is on (it writes the bytes directly otherwise, which would print as a bare payload).
The chimney host's FIN (graceful) or RST (abortive) must be among them. Each run is made with
ns-3's checksums off and on (the example's own E1/E2 check then needs every checksum right).

  check-ascii-trace.py EXAMPLES_DIR              run the checks
  check-ascii-trace.py --self-test EXAMPLES_DIR  show that the check catches a headerless frame
"""

import glob
import os
import subprocess
import sys
import tempfile

CHIMNEY = "10.1.1.1"
EXAMPLES = [("chimney-graceful-close", "FIN"), ("chimney-abortive-close", "RST")]


def problems(lines, flag):
    """What is wrong with an ascii trace's lines (empty when nothing)."""
    found = []
    frames = [l for l in lines if l.startswith("f ") and "ArpHeader" not in l]
    if not frames:
        found.append("no frames")
    for l in frames:
        if "ns3::Ipv4Header" not in l or "ns3::TcpHeader" not in l:
            found.append("frame without ns-3 IPv4/TCP headers: " + l[:160])
    sent = [l for l in frames if (CHIMNEY + " > ") in l and "[" + flag in l.replace("|", "[")]
    if not sent:
        found.append(f"no {flag} from the chimney host {CHIMNEY}")
    return found


def run(examples_dir, link, example, out, checksums):
    # The example exits non-zero when its E1/E2 check fails: with checksums on, a frame whose
    # checksum is wrong is dropped by its receiver, and the transfer never completes.
    subprocess.run([os.path.join(examples_dir, example), "--link=" + link, "--ascii=" + out,
                    "--ChecksumEnabled=" + str(int(checksums))],
                   check=True, stdout=subprocess.DEVNULL)
    lines = []
    for path in sorted(glob.glob(os.path.join(out, "*.tr"))):
        with open(path) as f:
            lines += f.read().splitlines()
    return lines


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    runs = [(e, f, link, checksums) for e, f in EXAMPLES for link in ("p2p", "csma")
            for checksums in (False, True)]
    for example, flag, link, checksums in runs:
        with tempfile.TemporaryDirectory() as out:
            try:
                lines = run(args[0], link, example, out, checksums)
            except subprocess.CalledProcessError as e:
                print(f"{example} {link} checksums={int(checksums)}: exited {e.returncode}")
                failed += 1
                continue
        if self_test:
            # The chimney host's frames as the raw-bytes path would print them.
            bare = [l.split(" ns3::Ipv4Header")[0] + " Payload (size=52)"
                    if (CHIMNEY + " > ") in l else l for l in lines]
            if not problems(bare, flag):
                print(f"self-test: {example} {link}: headerless frames not caught")
                failed += 1
            continue
        found = problems(lines, flag)
        for p in found:
            print(f"{example} {link} checksums={int(checksums)}: {p}")
        failed += bool(found)
    what = "self-test" if self_test else "ascii traces"
    print(f"check-ascii-trace: {what}: {'FAILED' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
