#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The Linux side of examples/chimney-linux-peer (issue 17): a kernel TCP socket, standard library
only, run inside the network namespace of the TAP by test/check-linux-peer.py.

It listens (--listen) or connects (--connect), then plays one part:
  read          read until EOF or reset, then close                 (graceful, abortive, terminate)
  send-first    send --bytes, shutdown(SHUT_WR), read until EOF, close        (remote-close)
  stall-abort   small receive buffer, never read, abort with SO_LINGER {1, 0} (remote-abort)
  read-then-send  read until EOF (our FIN), then send --bytes and close        (half-close)
and prints one JSON line: bytes received (written to --received), how the stream ended ("EOF",
"ECONNRESET", "TIMEOUT", ...), bytes sent, and what it did. The data sent is the pattern of
ChimneyStreamEndpoint::Pattern with --salt.
"""

import argparse
import errno
import json
import socket
import struct
import sys
import time


def pattern(n, salt):
    """ChimneyStreamEndpoint::Pattern: byte i is (i * 131 + (i >> 8) * 7 + salt) mod 256, built
    256 bytes at a time (block k is the first block shifted by 7 k)."""
    blocks = [bytes((j * 131 + c) & 0xFF for j in range(256)) for c in range(256)]
    whole = b"".join(blocks[(k * 7 + salt) & 0xFF] for k in range((n + 255) // 256))
    return whole[:n]


def read_all(sock, into):
    """Read until EOF or an error; returns how the stream ended."""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return "TIMEOUT"
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))
        if not chunk:
            return "EOF"
        into.extend(chunk)


def open_socket(args):
    deadline = time.monotonic() + args.timeout
    small_buffer = args.part == "stall-abort"
    if args.listen:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if small_buffer:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        listener.bind((args.address, args.port))
        listener.listen(1)
        listener.settimeout(args.timeout)
        print("READY", flush=True)
        sock, _ = listener.accept()
        listener.close()
        return sock
    print("READY", flush=True)
    while True:  # the chimney host listens once its simulation runs: retry until then
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if small_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # One attempt waits as long as the run may: until the simulation reads the TAP, SYNs are
        # lost and retransmitted by the kernel; abandoning the attempt would leave a SYN in
        # flight whose SYN-ACK Linux then resets, and a second connection.
        sock.settimeout(max(1.0, deadline - time.monotonic()))
        try:
            sock.connect((args.address, args.port))
            return sock
        except OSError:  # refused: not listening yet
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--listen", action="store_true", help="listen on --address:--port")
    how.add_argument("--connect", action="store_true", help="connect to --address:--port")
    parser.add_argument("--address", required=True)
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--part", required=True,
                        choices=["read", "send-first", "stall-abort", "read-then-send"])
    parser.add_argument("--bytes", type=int, default=0, help="bytes to send")
    parser.add_argument("--salt", type=int, default=0, help="pattern salt of what we send")
    parser.add_argument("--stall", type=float, default=1.0, help="stall-abort: seconds before")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for any one wait")
    parser.add_argument("--received", help="write the bytes received to this file")
    args = parser.parse_args()

    received = bytearray()
    report = {"part": args.part, "sent": 0, "end": None, "actions": []}
    sock = open_socket(args)
    sock.settimeout(args.timeout)
    report["actions"].append("connected")
    if args.part == "read":
        report["end"] = read_all(sock, received)
        sock.close()
    elif args.part == "send-first":
        sock.sendall(pattern(args.bytes, args.salt))
        report["sent"] = args.bytes
        sock.shutdown(socket.SHUT_WR)
        report["actions"].append("shutdown(SHUT_WR)")
        report["end"] = read_all(sock, received)
        sock.close()
    elif args.part == "stall-abort":
        time.sleep(args.stall)  # our receive buffer fills; the chimney's sends stay outstanding
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        report["actions"].append("abort (SO_LINGER 1,0)")
        report["end"] = "ABORTED_BY_US"
    else:  # read-then-send
        report["end"] = read_all(sock, received)
        report["actions"].append("read " + report["end"])
        try:
            sock.sendall(pattern(args.bytes, args.salt))
            report["sent"] = args.bytes
        except OSError as e:
            report["sendError"] = errno.errorcode.get(e.errno, str(e.errno))
        sock.close()
    report["actions"].append("closed")
    report["received"] = len(received)
    if args.received:
        with open(args.received, "wb") as f:
            f.write(received)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
