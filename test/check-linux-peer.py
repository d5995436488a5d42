#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Issue 17: the chimney offload NIC against the Linux kernel's TCP, over a TAP in a network
namespace. For each run it creates a namespace with a TAP (private addresses, IPv6 off, TCP
sysctls pinned), starts test/linux-peer.py and examples/chimney-linux-peer inside it, and
judges both sides: our report (outcome, indications, aborted completions, zero verifier
findings), what Linux read and how its stream ended (E1 / E2), and the pcap in tshark (no
"ACKed unseen segment", no "previous segment not captured" or retransmission the link fault
does not explain, no challenge ACK after a RST). The namespace is removed even on failure,
timeout or SIGINT / SIGTERM.

  check-linux-peer.py EXAMPLES_DIR [--only NAME ...] [--keep DIR] [--list] [--self-test]

Exit status: 0 all passed, 1 a run failed, 77 skipped (not root, no /dev/net/tun, no `ip`);
ctest reports 77 as skipped, not passed.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LINUX_ADDRESS, OUR_ADDRESS, TAP, PORT = "10.77.0.1", "10.77.0.2", "chtap0", 5001
SYSCTLS = {  # pinned in the namespace: what Linux offers and how it closes does not drift
    "net.ipv6.conf.all.disable_ipv6": 1,
    "net.ipv6.conf.default.disable_ipv6": 1,
    "net.ipv4.tcp_timestamps": 1,
    "net.ipv4.tcp_sack": 1,
    "net.ipv4.tcp_window_scaling": 1,
    "net.ipv4.tcp_ecn": 2,
    "net.ipv4.tcp_syn_retries": 3,
    "net.ipv4.tcp_fin_timeout": 60,
    "net.ipv4.tcp_rmem": "4096 131072 6291456",
    "net.ipv4.tcp_wmem": "4096 16384 4194304",
}

# Each scenario: (Linux's part, bytes, pattern salt of the data sender, who sends the data).
SCENARIOS = {
    "graceful": ("read", 200000, 1, "us"),
    "abortive": ("read", 4000000, 3, "us"),
    "remote-close": ("send-first", 200000, 5, "linux"),
    "remote-abort": ("stall-abort", 4000000, 7, "us"),
    "half-close": ("read-then-send", 1048576, 6, "linux"),
    "terminate": ("read", 2000000, 4, "us"),
}
FINAL_BYTES = 1000  # graceful: bytes in the disconnect NBL (salt 2)


def runs():
    """(name, scenario, role, loss, reorder): issue 17's eight scenarios."""
    out = []
    for role in ("linux-server", "linux-client"):  # 1-6, then 7: Linux connects to us
        for scenario in SCENARIOS:
            out.append((f"{scenario}.{role}", scenario, role, 0.0, 0.0))
    for scenario in ("graceful", "half-close"):  # 8: loss and reordering on the TAP
        out.append((f"{scenario}.faults", scenario, "linux-server", 0.02, 0.02))
    return out


def pattern(n, salt):
    """ChimneyStreamEndpoint::Pattern: byte i is (i * 131 + (i >> 8) * 7 + salt) mod 256, built
    256 bytes at a time (block k is the first block shifted by 7 k)."""
    blocks = [bytes((j * 131 + c) & 0xFF for j in range(256)) for c in range(256)]
    whole = b"".join(blocks[(k * 7 + salt) & 0xFF] for k in range((n + 255) // 256))
    return whole[:n]


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)


class Namespace:
    """A network namespace holding one TAP; removed on exit whatever happened."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        sh("ip", "netns", "add", self.name)
        try:
            sh("ip", "-n", self.name, "link", "set", "lo", "up")
            for key, value in SYSCTLS.items():
                sh("ip", "netns", "exec", self.name, "sysctl", "-qw", f"{key}={value}")
            sh("ip", "-n", self.name, "tuntap", "add", "dev", TAP, "mode", "tap")
            sh("ip", "netns", "exec", self.name, "sysctl", "-qw",
               f"net.ipv6.conf.{TAP}.disable_ipv6=1")
            sh("ip", "-n", self.name, "addr", "add", f"{LINUX_ADDRESS}/24", "dev", TAP)
            sh("ip", "-n", self.name, "link", "set", TAP, "up")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def exec(self, *cmd):
        return ["ip", "netns", "exec", self.name, *cmd]

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL, timeout=20)


def tshark_fields(pcap, display_filter, fields):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", display_filter, "-T", "fields",
                          *sum((["-e", f] for f in fields), [])],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def check_pcap(pcap, ours, faulty):
    """Problems tshark sees in the TAP's capture, and the retransmissions it counts."""
    problems = []
    unseen = tshark_fields(pcap, "tcp.analysis.ack_lost_segment", ["frame.number", "ip.src"])
    if unseen:
        problems.append(f"{len(unseen)} 'ACKed unseen segment' (first frame {unseen[0][0]})")
    lost = tshark_fields(pcap, "tcp.analysis.lost_segment", ["frame.number", "ip.src"])
    retrans = tshark_fields(
        pcap, "tcp.analysis.retransmission && !tcp.analysis.zero_window_probe "
        "&& !tcp.analysis.keep_alive", ["frame.number", "ip.src"])
    # With faults, how many segments Linux retransmits is a timeline, not an outcome: each
    # retransmission timeout that fires while the real-time simulation catches up on a loaded
    # machine resends the whole window (996 for 242 faulted frames under parallel tests, 4 per
    # frame on an idle machine). The outcome checks judge those runs; the count is shown.
    if not faulty:
        if lost:
            problems.append(f"{len(lost)} 'previous segment not captured' without a fault "
                            f"(first frame {lost[0][0]})")
        if retrans:
            problems.append(f"{len(retrans)} retransmissions without a fault "
                            f"(first frame {retrans[0][0]}, from {retrans[0][1]})")
    # After Linux's RST we must send nothing but RSTs (Linux would answer with another RST).
    # With faults Linux also resets our delayed old segments once it has closed: those RSTs are
    # out of window for our TIME_WAIT, which keeps answering Linux's own late segments.
    if faulty:
        return problems, len(retrans)
    linux_rsts = tshark_fields(pcap, f"tcp.flags.reset == 1 && ip.src == {LINUX_ADDRESS}",
                               ["frame.number", "tcp.stream"])
    for frame, stream in {r[1]: r for r in reversed(linux_rsts)}.values():  # first per stream
        # Our RSTs answer Linux's late (held) segments for a connection that no longer exists
        # (RFC 9293); anything else would be the offload target still sending.
        after = tshark_fields(pcap, f"frame.number > {frame} && tcp.stream == {stream} && "
                              f"ip.src == {OUR_ADDRESS} && tcp.flags.reset == 0",
                              ["frame.number"])
        if after:
            problems.append(f"we sent {len(after)} segments on TCP stream {stream} after "
                            f"Linux's RST (frame {frame})")
    return problems, len(retrans)


def linux_counters(ns):
    """Linux's TcpExt counters in the namespace (per network namespace)."""
    text = subprocess.run(ns.exec("cat", "/proc/net/netstat"), check=True, capture_output=True,
                          text=True, timeout=20).stdout.splitlines()
    for names, values in zip(text[0::2], text[1::2]):
        if names.startswith("TcpExt:"):
            return dict(zip(names.split()[1:], map(int, values.split()[1:])))
    return {}


def judge(scenario, ours, linux, received):
    """Problems with what each side reported."""
    part, nbytes, salt, sender = SCENARIOS[scenario]
    problems = [f"ours: {f}" for f in ours.get("failures", [])]
    if ours.get("findings", 1) != 0:
        problems.append(f"verifier findings: {ours.get('findings')}")
        problems.extend(f"finding {f}" for f in ours.get("findingList", []))
    if scenario in ("graceful", "terminate"):
        expected = pattern(nbytes, salt) + (pattern(FINAL_BYTES, 2) if scenario == "graceful"
                                            else b"")
        if received != expected:
            problems.append(f"E1 on Linux: read {len(received)} bytes, expected {len(expected)}"
                            " (or content differs)")
        if linux["end"] != "EOF":
            problems.append(f"Linux's stream ended with {linux['end']}, expected EOF")
    elif scenario == "abortive":
        if linux["end"] != "ECONNRESET":
            problems.append(f"Linux's stream ended with {linux['end']}, expected ECONNRESET")
        if received != pattern(len(received), salt) or len(received) >= nbytes:
            problems.append(f"E2 on Linux: the {len(received)} bytes read are not a strict "
                            "prefix of the stream")
    elif scenario in ("remote-close", "half-close"):
        if linux["end"] != "EOF" or received:
            problems.append(f"Linux read {len(received)} bytes then {linux['end']}, expected "
                            "0 bytes then EOF")
        if linux["sent"] != nbytes:
            problems.append(f"Linux sent {linux['sent']} of {nbytes} bytes")
        if ours.get("received") != nbytes or ours.get("end") != "FIN":
            problems.append(f"we read {ours.get('received')} bytes then {ours.get('end')}")
    elif scenario == "remote-abort":
        if linux["end"] != "ABORTED_BY_US":
            problems.append(f"Linux's part ended with {linux['end']}")
    return problems


def run_one(examples, run, workdir, index, timeout):
    name, scenario, role, loss, reorder = run
    part, nbytes, salt, _ = SCENARIOS[scenario]
    ours_path = os.path.join(workdir, f"{name}.ours.json")
    rx_path = os.path.join(workdir, f"{name}.linux.bin")
    with Namespace(f"chimney{os.getpid()}x{index}") as ns:
        peer_cmd = ns.exec(sys.executable, os.path.join(HERE, "linux-peer.py"),
                           "--listen" if role == "linux-server" else "--connect",
                           "--address", LINUX_ADDRESS if role == "linux-server" else OUR_ADDRESS,
                           "--port", str(PORT), "--part", part, "--bytes", str(nbytes),
                           "--salt", str(salt), "--received", rx_path,
                           "--stall", "2", "--timeout", str(timeout / 2))
        ours_cmd = ns.exec(os.path.join(examples, "chimney-linux-peer"), f"--scenario={scenario}",
                           f"--role={role}", f"--bytes={nbytes}", f"--finalBytes={FINAL_BYTES}",
                           f"--pcap={workdir}", f"--report={ours_path}", f"--tap={TAP}",
                           f"--local={OUR_ADDRESS}", f"--peer={LINUX_ADDRESS}", f"--port={PORT}",
                           f"--loss={loss}", f"--reorder={reorder}", f"--timeout={timeout / 2}")
        peer = subprocess.Popen(peer_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        ours = None
        try:
            if peer.stdout.readline().strip() != "READY":
                return [f"the Linux peer did not start: {peer.stderr.read()}"], None, None
            with open(os.path.join(workdir, f"{name}.ours.log"), "w") as log:
                ours = subprocess.Popen(ours_cmd, stdout=log, stderr=subprocess.STDOUT)
                ours_rc = ours.wait(timeout=timeout)
            peer_out, peer_err = peer.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            return [f"timed out after {timeout} s"], None, None
        finally:
            for p in (peer, ours):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
        counters = linux_counters(ns)
    problems = []
    # A RST Linux found in window but not exact is answered with a challenge ACK (RFC 5961).
    challenges = counters.get("TCPChallengeACK", 0) + counters.get("TCPACKSkippedChallenge", 0)
    if challenges:
        problems.append(f"Linux sent (or rate-limited) {challenges} challenge ACKs")
    if ours_rc not in (0, 1):
        problems.append(f"chimney-linux-peer exited {ours_rc}")
    try:
        with open(ours_path) as f:
            ours_report = json.load(f)
        linux = json.loads(peer_out.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError) as e:
        return problems + [f"no report ({e}); peer stderr: {peer_err.strip()[-500:]}"], None, None
    with open(rx_path, "rb") as f:
        received = f.read()
    problems += judge(scenario, ours_report, linux, received)
    linux["challengeAcks"] = challenges
    pcap = os.path.join(workdir, f"{scenario}-{role}-0-0.pcap")
    pcap_problems, linux["retransmissions"] = check_pcap(pcap, ours_report,
                                                         loss > 0 or reorder > 0)
    problems += pcap_problems
    return problems, ours_report, linux


def self_test():
    """The judge must reject wrong outcomes (needs no root): 0 when every wrong case is caught."""
    ok_ours = {"failures": [], "findings": 0, "received": 0, "end": "FIN"}
    graceful = pattern(200000, 1) + pattern(FINAL_BYTES, 2)
    cases = [  # (scenario, ours, linux, received, must be judged clean)
        ("graceful", ok_ours, {"end": "EOF", "sent": 0}, graceful, True),
        ("graceful", ok_ours, {"end": "EOF", "sent": 0}, graceful[:-1], False),
        ("graceful", ok_ours, {"end": "ECONNRESET", "sent": 0}, graceful, False),
        ("graceful", dict(ok_ours, findings=1), {"end": "EOF", "sent": 0}, graceful, False),
        ("graceful", dict(ok_ours, failures=["x"]), {"end": "EOF", "sent": 0}, graceful, False),
        ("terminate", ok_ours, {"end": "EOF", "sent": 0},
         pattern(1000000, 4) + pattern(1000000, 4)[:1000000], False),
        ("abortive", ok_ours, {"end": "ECONNRESET", "sent": 0}, pattern(5000, 3), True),
        ("abortive", ok_ours, {"end": "EOF", "sent": 0}, pattern(5000, 3), False),
        ("abortive", ok_ours, {"end": "ECONNRESET", "sent": 0}, pattern(5000, 1), False),
        ("abortive", ok_ours, {"end": "ECONNRESET", "sent": 0}, pattern(4000000, 3), False),
        ("half-close", dict(ok_ours, received=1048576), {"end": "EOF", "sent": 1048576}, b"",
         True),
        ("half-close", dict(ok_ours, received=1048575), {"end": "EOF", "sent": 1048576}, b"",
         False),
        ("half-close", dict(ok_ours, received=1048576, end="RESET"),
         {"end": "EOF", "sent": 1048576}, b"", False),
        ("remote-close", dict(ok_ours, received=200000), {"end": "EOF", "sent": 200000}, b"x",
         False),
        ("remote-abort", ok_ours, {"end": "EOF", "sent": 0}, b"", False),
    ]
    wrong = 0
    for scenario, ours, linux, received, clean in cases:
        problems = judge(scenario, ours, linux, received)
        if bool(problems) == clean:
            wrong += 1
            print(f"self-test: {scenario} judged {'clean' if not problems else problems}, "
                  f"expected {'clean' if clean else 'a problem'}")
    print(f"self-test: {len(cases) - wrong} of {len(cases)} cases judged right")
    return 1 if wrong else 0


def remove_stale_namespaces():
    """Namespaces of an earlier run killed with SIGKILL (its pid is gone) are removed."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             timeout=20).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith("chimney") and "x" in name:
            pid = name[len("chimney"):].split("x")[0]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL,
                               timeout=20)


def skip_reason():
    if os.geteuid() != 0:
        return "not root (a TAP and a network namespace need CAP_NET_ADMIN)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    for tool in ("ip", "tshark"):
        if shutil.which(tool) is None:
            return f"no `{tool}`"
    return None


def interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", help="directory holding chimney-linux-peer")
    parser.add_argument("--only", action="append", help="run only this run name (repeatable)")
    parser.add_argument("--keep", help="keep reports and pcaps in this directory")
    parser.add_argument("--timeout", type=float, default=60, help="wall seconds per run")
    parser.add_argument("--list", action="store_true", help="list the run names and exit")
    parser.add_argument("--self-test", action="store_true", help="check the judge, no root")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    selected = [r for r in runs() if not args.only or r[0] in args.only]
    if args.list:
        print("\n".join(r[0] for r in runs()))
        return 0
    if args.only and len(selected) != len(args.only):
        print(f"error: unknown run in {args.only}; --list names them", file=sys.stderr)
        return 2
    why = skip_reason()
    if why:
        print(f"SKIPPED: {why}")
        return 77
    # SIGTERM (ctest's timeout) becomes an exception, so every namespace's `with` cleans up.
    signal.signal(signal.SIGTERM, interrupted)
    remove_stale_namespaces()
    workdir = args.keep or tempfile.mkdtemp(prefix="chimney-linux-")
    os.makedirs(workdir, exist_ok=True)
    failed = 0
    try:
        for index, run in enumerate(selected):
            start = time.monotonic()
            problems, ours, linux = run_one(args.examples, run, workdir, index, args.timeout)
            status = "ok" if not problems else "FAILED"
            failed += bool(problems)
            summary = ""
            if ours and linux:
                summary = (f"Linux: read {linux['received']} B, end {linux['end']}, sent "
                           f"{linux['sent']} B; ours: {ours['outcome']}, read {ours['received']} B"
                           f" end {ours['end']}, indications {'/'.join(ours['indications'])}, "
                           f"REQUEST_ABORTED {ours['abortedCompletions']}, findings "
                           f"{ours['findings']}, faults {ours['framesLost']} lost "
                           f"{ours['framesHeld']} held, Linux challenge ACKs {linux['challengeAcks']}, "
                           f"retransmissions {linux['retransmissions']}")
            print(f"{run[0]:28} {status:6} {time.monotonic() - start:5.1f} s  {summary}",
                  flush=True)
            for p in problems:
                print(f"    {p}", flush=True)
    except KeyboardInterrupt:
        print("interrupted: the namespace of the current run was removed", flush=True)
        return 130
    finally:
        if failed and not args.keep:
            # A real-time run that failed once may pass the next time: keep what it left.
            print(f"reports, logs and pcaps of this run kept in {workdir}", flush=True)
        elif not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
