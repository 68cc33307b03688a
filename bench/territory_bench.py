#!/usr/bin/env python3
"""Whole-run benchmark of the territorial model: the Amiens baseline at 1:1
scale for 72 months, on 1 and 2 threads, median of 5 runs each (wall clock of
the `terrasim run` process, output to /dev/null). Prints a table and writes
out/bench/territory.json.

Usage: bench/territory_bench.py [--bin build/release/cli/terrasim] [--runs 5]
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(binary, scenario, threads, months):
    cmd = [binary, "run", scenario, "--threads", str(threads), "--months", str(months)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/release/cli/terrasim"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios/amiens/baseline.yaml"))
    ap.add_argument("--months", type=int, default=72)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", default=os.path.join(ROOT, "out/bench/territory.json"))
    args = ap.parse_args()

    results = []
    print(f"{'threads':>7}  {'median s':>9}  {'min s':>7}  {'max s':>7}  runs")
    for threads in args.threads:
        times = [run_once(args.bin, args.scenario, threads, args.months) for _ in range(args.runs)]
        row = {"threads": threads, "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
               "runs_s": times}
        results.append(row)
        print(f"{threads:>7}  {row['median_s']:>9.3f}  {row['min_s']:>7.3f}  {row['max_s']:>7.3f}  {len(times)}")
    report = {
        "benchmark": "territory baseline, 1:1 scale",
        "scenario": os.path.relpath(args.scenario, ROOT),
        "months": args.months,
        "runs": args.runs,
        "binary": os.path.relpath(args.bin, ROOT),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None},
        "results": results,
        "target_s_one_thread": 0.25,  # issue 6: Amiens baseline, 1:1 scale, 72 months, one thread
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"written {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
