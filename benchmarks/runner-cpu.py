# SPDX-License-Identifier: GPL-2.0-only
"""CPU cost of the campaign runner's crash isolation: user and system CPU of a campaign of many
small points on a LocalCluster (issue 18).

Runs POINTS seeds of a small scenario (2 hosts x 3 connections, no faults, no time series; a
few ms of simulation each) with run_campaign on WORKERS Dask worker processes, and prints the
wall time and the user and system CPU of this process and all its descendants (the scheduler,
the workers and the processes that ran the points; counted once every one of them was reaped,
i.e. after the cluster closed). Run it under /usr/bin/time for the same totals from outside.
Compare two versions of the runner by PYTHONPATH, interleaved, on the same machine:

  PYTHONPATH=build/python /usr/bin/python3 benchmarks/runner-cpu.py [--points=3000] [--workers=2]
"""

import argparse
import json
import resource
import sys
import time

import chimney_offload as co


def cpu():
    self_, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_.ru_utime + children.ru_utime, self_.ru_stime + children.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    points = [co.make_config(hosts=2, connections=3, dataRate="2Mbps", bytesMin=2000, bytesMax=12000,
                             peerBytesMin=0, peerBytesMax=3000, startWindow=0.2, stopTime=120.0,
                             sampleInterval=0.0, seed=s)
              for s in range(1, args.points + 1)]
    user0, sys0 = cpu()
    start = time.perf_counter()
    frame = co.run_campaign(points, None, n_workers=args.workers, dashboard=False)
    wall = time.perf_counter() - start
    user1, sys1 = cpu()
    figures = {
        "points": len(points),
        "workers": args.workers,
        "runner": co.runner.__file__,
        "wallSeconds": round(wall, 2),
        "userSeconds": round(user1 - user0, 2),
        "sysSeconds": round(sys1 - sys0, 2),
        "errors": int((frame["status"] != "ok").sum()),
        "events": int(frame["events"].sum()),
    }
    print(f"{len(points)} points on {args.workers} workers: wall {wall:.1f} s, "
          f"user {figures['userSeconds']:.1f} s, sys {figures['sysSeconds']:.1f} s "
          f"({1000 * (figures['userSeconds'] + figures['sysSeconds']) / len(points):.1f} ms CPU/point), "
          f"{figures['errors']} error rows, {figures['events']} events; runner {figures['runner']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if figures["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
