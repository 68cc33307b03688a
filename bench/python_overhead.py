#!/usr/bin/python3
"""Python overhead of terrasim, and the parallel efficiency of a sweep.

1. One run inside the process (interpreter start and imports excluded):
   the whole Python path -- terrasim.run(path): load and validate, build,
   run with the GIL released and Ctrl-C checked every month, series and
   breakdowns as pandas DataFrames -- against the C++ simulation time (the
   engine's own profile: initial state + every phase + recording, summed).
   Target: <= 5 % overhead.

2. A sweep of N runs on every core: parallel efficiency against the
   single-run time (N x single run / (wall x workers)) and the share of
   the wall time spent writing the SQLite database. Targets: >= 90 % and
   <= 5 %.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python_overhead.py \\
        --scenario scenarios/amiens/baseline.yaml --months 72 --sweep-runs 1000
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "release", "python"))

import terrasim as ts  # noqa: E402
from terrasim import _core  # noqa: E402


def one_run(scenario_path: str, months: int, repeats: int) -> None:
    overrides = {"months": months}
    sc = ts.Scenario.load(scenario_path, overrides)
    ts.run(sc)  # warm caches, first-touch of the allocator
    rows = []
    for _ in range(repeats):
        # What terrasim.run(path) does, with the engine's own time of the same run.
        t0 = time.perf_counter()
        sim = ts.Simulation(ts.Scenario.load(scenario_path, overrides))
        sim.run()
        series, breakdowns = sim.series(), sim.breakdowns()
        python_wall = time.perf_counter() - t0
        engine = float(sim.profile()["seconds"].sum())
        assert len(series) == months and breakdowns
        # The bare engine calls (no signal checks, no DataFrames), for comparison.
        t0 = time.perf_counter()
        core = _core.Simulation(_core.load_scenario(scenario_path, [f"months={months}"]), 1)
        core.run(-1, None, False)
        bare_wall = time.perf_counter() - t0
        bare_engine = sum(seconds for _, _, seconds in core.profile())
        rows.append((python_wall, engine, bare_wall, bare_engine))
    overhead = statistics.median((r[0] - r[1]) / r[1] for r in rows)
    bare_overhead = statistics.median((r[2] - r[3]) / r[3] for r in rows)
    engine = statistics.median(r[1] for r in rows)
    print(f"one run of {scenario_path}, {months} months, 1 thread, {repeats} runs (medians):")
    print(f"  C++ simulation time (engine profile: initial state, phases, recording)  {engine * 1e3:8.1f} ms")
    print(f"  bare engine calls from Python, over the same run's engine time          {bare_overhead * 100:+8.2f} %")
    print(f"  Python path (load, run with Ctrl-C checks, DataFrames), over engine     {overhead * 100:+8.2f} %"
          f"  (target <= 5 %)")
    t0 = time.perf_counter()
    ts.run(scenario_path, overrides)
    print(f"  terrasim.run(path) wall, for reference                                  "
          f"{(time.perf_counter() - t0) * 1e3:8.1f} ms")


def sweep_efficiency(scenario_path: str, months: int, runs: int, workers: int) -> None:
    sc = ts.Scenario.load(scenario_path, {"months": months})
    singles = []
    for seed in range(3):
        t0 = time.perf_counter()
        ts.run(sc, seed=1000 + seed)
        singles.append(time.perf_counter() - t0)
    single = statistics.median(singles)
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.sqlite")
        summary = ts.sweep({"bench": sc}, replicates=runs, db=db, workers=workers, progress=True)
        size = os.path.getsize(db)
    ideal = runs * single / workers
    print(f"sweep of {runs} runs of {scenario_path}, {months} months, {workers} worker processes:")
    print(f"  single run (serial, median of 3)      {single:8.3f} s")
    print(f"  wall time                              {summary.wall_seconds:8.2f} s  (ideal {ideal:.2f} s)")
    print(f"  parallel efficiency                    {ideal / summary.wall_seconds * 100:8.1f} %  (target >= 90 %)")
    print(f"  mean run time inside the workers       {summary.run_seconds / runs:8.3f} s")
    print(f"  database writes                        {summary.db_seconds:8.2f} s = "
          f"{summary.db_seconds / summary.wall_seconds * 100:.2f} % of the wall time (target <= 5 %); "
          f"{size / 1e6:.1f} MB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "dock", "default.yaml"))
    p.add_argument("--months", type=int, default=120)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--sweep-runs", type=int, default=0, help="runs of the sweep measurement (0: skip it)")
    p.add_argument("--workers", type=int, default=os.cpu_count())
    args = p.parse_args()
    one_run(args.scenario, args.months, args.repeats)
    if args.sweep_runs:
        sweep_efficiency(args.scenario, args.months, args.sweep_runs, args.workers)


if __name__ == "__main__":
    main()
