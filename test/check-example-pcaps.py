#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Runs every lifecycle example over point-to-point and CSMA with --pcap, checks its exit status
(the example's own E1/E2 check), then reads the pcap with tshark and checks that the data, FIN
and RST segments are where SPEC.md puts them:

  graceful  (graceful-close, terminate-mid-transfer, intermediate-layer): the chimney host sends
            one FIN sequence number (W3), equal to ISS + 1 + every byte the example sent (W2),
            no payload at or beyond it (W1), and no RST (W4);
  abortive  (abortive-close): RST from the chimney host, no FIN, no payload after the first RST
            (W5);
  remote    (remote-close): the ns-3 host's FIN comes after all its data, then its RST;
  both      (simultaneous-close): one FIN sequence number per direction, no RST.

  check-example-pcaps.py EXAMPLES_DIR            run the checks
  check-example-pcaps.py --self-test EXAMPLES_DIR  show that the checks catch wrong pcaps
"""

import os
import subprocess
import sys
import tempfile

CHIMNEY = "10.1.1.1"
PEER = "10.1.1.2"

# example, its arguments, the rule set, bytes the chimney host sends in total (graceful)
EXAMPLES = [
    ("chimney-graceful-close", ["--bytes=30000", "--finalBytes=700"], "graceful", 30700),
    ("chimney-terminate-mid-transfer", ["--bytes=300000", "--terminateAt=0.6"], "graceful", 300000),
    ("chimney-intermediate-layer", ["--bytes=20000", "--finalBytes=500"], "graceful", 20500),
    ("chimney-abortive-close", ["--bytes=300000", "--abortAt=0.6"], "abortive", None),
    ("chimney-remote-close", ["--bytes=50000"], "remote", None),
    ("chimney-simultaneous-close", ["--bytes=30000"], "both", None),
]


class Segment:
    def __init__(self, fields):
        self.time = float(fields[0])
        self.src = fields[1]
        self.syn = fields[2] == "1"
        self.fin = fields[3] == "1"
        self.rst = fields[4] == "1"
        self.seq = int(fields[5])
        self.length = int(fields[6] or 0)


def read_pcap(path):
    """The TCP segments of a pcap, via tshark; fails on a file tshark cannot read cleanly."""
    fields = ["frame.time_relative", "ip.src", "tcp.flags.syn", "tcp.flags.fin",
              "tcp.flags.reset", "tcp.seq_raw", "tcp.len"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "tcp && !icmp", "-T", "fields", "-E", "separator=,", "-E",
           "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise AssertionError(f"tshark could not read {path}: {out.stderr.strip()}")
    malformed = subprocess.run(["tshark", "-n", "-r", path, "-Y", "_ws.malformed || _ws.expert.severity == error"],
                               capture_output=True, text=True)
    if malformed.stdout.strip():
        raise AssertionError(f"tshark reports malformed frames in {path}:\n{malformed.stdout}")
    segments = [Segment(line.split(",")) for line in out.stdout.splitlines() if line]
    if not segments:
        raise AssertionError(f"no TCP segments in {path}")
    return segments


def fin_seqs(segments, src):
    return {s.seq + s.length for s in segments if s.src == src and s.fin}


def check(segments, rules, total):
    """Raises AssertionError with a one-line reason when a rule does not hold."""
    ours = [s for s in segments if s.src == CHIMNEY]
    theirs = [s for s in segments if s.src == PEER]
    if rules == "graceful":
        syn = [s for s in ours if s.syn]
        fins = fin_seqs(segments, CHIMNEY)
        if not syn:
            raise AssertionError("no SYN from the chimney host")
        if len(fins) != 1:
            raise AssertionError(f"W3: FIN sequence numbers from the chimney host: {sorted(fins)}")
        fin = fins.pop()
        expected = (syn[0].seq + 1 + total) % 2**32
        if fin != expected:
            raise AssertionError(f"W2: FIN at {fin}, expected ISS+1+{total} = {expected}")
        beyond = [s for s in ours if s.length and (s.seq + s.length - fin) % 2**32 < 2**31
                  and s.seq + s.length != fin]
        if beyond:
            raise AssertionError(f"W1: payload beyond the FIN at t={beyond[0].time}")
        if any(s.rst for s in ours):
            raise AssertionError("W4: RST from the chimney host on a graceful close")
    elif rules == "abortive":
        rsts = [s for s in ours if s.rst]
        if not rsts:
            raise AssertionError("no RST from the chimney host")
        if any(s.fin for s in ours):
            raise AssertionError("FIN from the chimney host on an abortive close")
        after = [s for s in ours if s.time > rsts[0].time and s.length]
        if after:
            raise AssertionError(f"W5: payload after the RST at t={after[0].time}")
    elif rules == "remote":
        fins = [s for s in theirs if s.fin]
        rsts = [s for s in theirs if s.rst]
        if not fins or not rsts:
            raise AssertionError("the ns-3 host sent no FIN or no RST")
        if rsts[0].time < fins[0].time:
            raise AssertionError("the ns-3 host's RST came before its FIN")
        late = [s for s in theirs if s.length and s.time > fins[-1].time]
        if late:
            raise AssertionError("the ns-3 host sent data after its FIN")
    elif rules == "both":
        for src in (CHIMNEY, PEER):
            if len(fin_seqs(segments, src)) != 1:
                raise AssertionError(f"W3: FIN sequence numbers from {src}: "
                                     f"{sorted(fin_seqs(segments, src))}")
        if any(s.rst for s in segments):
            raise AssertionError("RST on a simultaneous graceful close")


def run_example(examples_dir, name, args, link, pcap_dir):
    exe = os.path.join(examples_dir, name)
    out = subprocess.run([exe, f"--link={link}", f"--pcap={pcap_dir}"] + args,
                         capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise AssertionError(f"{name} --link={link} exited {out.returncode}:\n{out.stdout[-2000:]}"
                             f"{out.stderr[-2000:]}")
    pcaps = sorted(f for f in os.listdir(pcap_dir) if f.endswith(".pcap"))
    if not pcaps:
        raise AssertionError(f"{name} wrote no pcap into {pcap_dir}")
    return os.path.join(pcap_dir, pcaps[0])


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) != 1:
        print(__doc__)
        return 2
    examples_dir = args[0]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        if self_test:
            # A graceful pcap must fail the abortive rules and a W2 check off by one byte.
            pcap = run_example(examples_dir, "chimney-graceful-close", EXAMPLES[0][1], "p2p",
                               os.path.join(tmp, "self"))
            segments = read_pcap(pcap)
            for rules, total in (("abortive", None), ("graceful", EXAMPLES[0][3] + 1),
                                 ("remote", None)):
                try:
                    check(segments, rules, total)
                    print(f"FAIL: the {rules} rules accepted a graceful close pcap")
                    failures += 1
                except AssertionError as e:
                    print(f"ok: {rules} rules rejected it: {e}")
            return 1 if failures else 0
        for name, ex_args, rules, total in EXAMPLES:
            for link in ("p2p", "csma"):
                pcap_dir = os.path.join(tmp, f"{name}-{link}")
                try:
                    segments = read_pcap(run_example(examples_dir, name, ex_args, link, pcap_dir))
                    check(segments, rules, total)
                    print(f"ok: {name} --link={link} ({len(segments)} segments, {rules})")
                except AssertionError as e:
                    print(f"FAIL: {name} --link={link}: {e}")
                    failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
