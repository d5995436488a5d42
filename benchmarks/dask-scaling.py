# SPDX-License-Identifier: GPL-2.0-only
"""Campaign throughput on Dask distributed with 1 and 2 workers, and the scaling efficiency.

Runs the same points (SEEDS seeds of the campaign program's default scenario, every fault kind,
at HOSTS x CONNECTIONS) one by one from this process (the baseline, no Dask), then on a
LocalCluster of 1 worker process, then of 2, REPEAT times each; the median counts. Only the
campaign is timed (each cluster is started and warmed up first). Prints scenarios per second
for each and the scaling efficiency throughput(2) / (2 x throughput(1)), and checks that every
run gave the same rows (every column but wall time and memory); exit status 1 when they differ.
Meaningful only on an otherwise idle machine with at least 2 cores.

  /usr/bin/python3 benchmarks/dask-scaling.py [--seeds=24] [--hosts=64] [--connections=8] [--repeat=3]
"""

import argparse
import json
import os
import statistics
import sys
import time

from distributed import Client, LocalCluster

import chimney_offload as co
from chimney_offload.runner import NONDETERMINISTIC, run_campaign, run_points


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mode; the median counts")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    points = [co.ScenarioConfig.campaign_defaults(hosts=args.hosts, connections=args.connections, seed=s)
              for s in range(1, args.seeds + 1)]
    figures = {"points": len(points), "hosts": args.hosts, "connections": args.connections,
               "cpus": os.cpu_count(), "command": points[0].to_command_line()}
    modes = {0: "one by one (no Dask)", 1: "1 Dask worker", 2: "2 Dask workers"}
    walls = {mode: [] for mode in modes}
    frames = {}
    for rep in range(1, args.repeat + 1):
        for mode, name in modes.items():
            if mode == 0:
                start = time.perf_counter()
                frame = run_points(points)
                wall = time.perf_counter() - start
            else:
                wall, frame = measure(mode, points)
            walls[mode].append(wall)
            frames.setdefault(mode, []).append(frame)
            print(f"[{rep}/{args.repeat}] {name}: {len(points)} scenarios in {wall:.2f} s = "
                  f"{len(points) / wall:.2f} scenarios/s", flush=True)
    print(f"median of {args.repeat}:")
    for mode, name in modes.items():
        wall = statistics.median(walls[mode])
        figures[f"wall{mode}"] = round(wall, 3)
        figures[f"throughput{mode}"] = round(len(points) / wall, 3)
        print(f"  {name:22s} {len(points) / wall:6.2f} scenarios/s")
    efficiency = figures["throughput2"] / (2 * figures["throughput1"])
    figures["efficiency"] = round(efficiency, 3)
    figures["errors"] = int((frames[0][0]["status"] != "ok").sum())
    figures["findings"] = int(frames[0][0]["findingTotal"].sum())

    def deterministic(frame):
        frame = frame.drop(columns=[c for c in NONDETERMINISTIC if c in frame.columns])
        return frame[sorted(frame.columns)].sort_values("seed").reset_index(drop=True)

    base = deterministic(frames[0][0])
    differing = sorted({c for mode in modes for frame in frames[mode] for c in base.columns
                        if not deterministic(frame)[c].equals(base[c])})
    same = not differing
    if differing:
        print(f"differing columns: {differing}")
    figures["sameResults"] = same
    print(f"{figures['errors']} error rows, {figures['findings']} findings; "
          f"scaling efficiency 1 -> 2 workers: {100 * efficiency:.1f} % (target >= 90 %); "
          f"same rows in every run: {same}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
