# SPDX-License-Identifier: GPL-2.0-only
"""Campaign throughput on Dask distributed with 1 and 2 workers, and the scaling efficiency.

Runs the same points (SEEDS seeds of one scenario with every fault kind) on a LocalCluster of 1 worker process, then
of 2, timing only the campaign (the cluster is started and warmed up first), and prints
scenarios per second for each and efficiency = throughput(2) / (2 x throughput(1)). Also checks
that both campaigns gave the same results (deterministic scenarios). Meaningful only on an
otherwise idle machine with at least 2 cores.

  /usr/bin/python3 benchmarks/dask-scaling.py [--seeds=24] [--hosts=64] [--connections=8]
"""

import argparse
import json
import os
import sys
import time

from distributed import Client, LocalCluster

import chimney_offload as co
from chimney_offload.runner import run_campaign


def measure(workers, points):
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("chimney_offload"))  # warm: import the module everywhere
        start = time.perf_counter()
        frame = run_campaign(points, None, scheduler=client)
        wall = time.perf_counter() - start
    return wall, frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=24)
    parser.add_argument("--hosts", type=int, default=64)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    points = [co.ScenarioConfig(hosts=args.hosts, connections=args.connections,
                                faults=co.FaultPlan.everything(), seed=s)
              for s in range(1, args.seeds + 1)]
    figures = {"points": len(points), "hosts": args.hosts, "connections": args.connections,
               "cpus": os.cpu_count()}
    frames = {}
    for workers in (1, 2):
        wall, frame = measure(workers, points)
        frames[workers] = frame
        figures[f"wall{workers}"] = round(wall, 3)
        figures[f"throughput{workers}"] = round(len(points) / wall, 3)
        print(f"{workers} worker(s): {len(points)} scenarios in {wall:.2f} s = "
              f"{len(points) / wall:.2f} scenarios/s", flush=True)
    efficiency = figures["throughput2"] / (2 * figures["throughput1"])
    figures["efficiency"] = round(efficiency, 3)
    cols = ["seed", "connections", "findingTotal", "events"]
    one, two = (frames[w].sort_values("seed").reset_index(drop=True) for w in (1, 2))
    differing = [c for c in cols if one[c].tolist() != two[c].tolist()]
    same = not differing
    if differing:
        print(f"differing columns: {differing}")
    figures["sameResults"] = same
    print(f"scaling efficiency 1 -> 2 workers: {100 * efficiency:.1f} % (target >= 90 %); "
          f"same results: {same}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
