#!/usr/bin/python3
"""Every whole-run benchmark in one command: builds terrasim in release mode,
runs the docking model against its two peers (NumPy, and hand-tuned
single-purpose C++) over the scaling sizes, the
Amiens baseline, and (with --sweep) a Monte Carlo sweep of the Amiens
scenarios; prints one table, writes it as JSON and redraws the scaling plot.

    bench/run_all.py                  # 10^4 .. 10^7 workers, threads 1 and 2
    bench/run_all.py --quick          # 10^4 and 10^5 only, 3 repeats (a minute)
    bench/run_all.py --sweep 1000     # also time a 1,000-run sweep of the Amiens baseline

Each figure is the median of --repeats whole-process runs (start, scenario
loading, simulation, output; above 10^6 workers, half as many but at least
3); the peers run in the same loop, interleaved with terrasim, so that
every ratio compares runs made under the same load.
The table: model, workers (resident labour force for the territorial
model), months, threads, seconds, agent-months per second, peak resident
memory, and the ratios to the peers of the same size ("x peer": the NumPy
peer's time over the row's; "x hand": the hand-tuned peer's over the
row's; "x peer*" and "x hand*": the same peers run with their heap as
terrasim's, like with like: bench/dock_vs_peer.py).
The JSON (out/bench/all.json by default) keeps every run's time, and what
two threads could get done against one on the machine before and after the
runs (bench/core_capacity: a compute kernel and a memory kernel on cpus 0
and 1, alone and together, and a cache line's round trip between them),
which the two-thread rows depend on.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYTHON = "/usr/bin/python3"


def step(title):
    print(f"== {title}", file=sys.stderr, flush=True)


def run_json(cmd, path):
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    with open(path) as fh:
        return json.load(fh)


def large_repeats(repeats):
    """Runs above 10^6 workers: fewer (each takes seconds), but three at
    least, so that a target stated in seconds is judged on a median."""
    return min(repeats, max(3, repeats // 2))


def dock_rows(sizes, threads, months, repeats, peer_max, tmp):
    """dock_vs_peer.py per size (the peer only up to peer_max workers)."""
    rows, slope = [], None
    for n in sizes:
        out = os.path.join(tmp, f"dock_{n}.json")
        cmd = [PYTHON, str(ROOT / "bench" / "dock_vs_peer.py"), "--sizes", str(n), "--threads", *map(str, threads),
               "--months", str(months), "--repeats", str(repeats if n <= 1_000_000 else large_repeats(repeats)),
               "--json", out]
        if n > peer_max:
            cmd.append("--no-peer")
        step(f"dock model, {n:,} workers")
        rows += run_json(cmd, out)["rows"]
    if len(sizes) >= 2 and max(sizes) >= 1_000_000:
        n1, n2 = 1_000_000, max(sizes)
        # From the one-thread rows just measured, when there are both (whole
        # runs of `months`, as the slope is measured); else two runs of its own.
        peak = {r["workers"]: r["peak_bytes"] for r in rows if r["model"] == "dock (terrasim)" and r["threads"] == 1}
        if n2 > n1 and n1 in peak and n2 in peak:
            slope = {"n1": n1, "n2": n2, "months": months, "peak1": peak[n1], "peak2": peak[n2],
                     "bytes_per_worker": (peak[n2] - peak[n1]) / (n2 - n1)}
        elif n2 > n1:
            out = os.path.join(tmp, "slope.json")
            step(f"peak memory slope, {n1:,} to {n2:,} workers")
            slope = run_json([PYTHON, str(ROOT / "bench" / "dock_vs_peer.py"), "--sizes", "10000", "--threads", "1",
                              "--months", "1", "--repeats", "1", "--no-peer", "--memory-slope", str(n1), str(n2),
                              "--memory-months", str(months),
                              "--json", out], out)["memory_slope"]
    return rows, slope


def territory_rows(threads, repeats, tmp):
    """The Amiens baseline at 1:1 for 72 months, timed like the dock runs."""
    sys.path.insert(0, str(ROOT / "bench"))
    from dock_vs_peer import TERRASIM, measure

    scenario = str(ROOT / "scenarios" / "amiens" / "baseline.yaml")
    step("territorial model, Amiens baseline 1:1, 72 months")
    rows = []
    for t in threads:
        out = os.path.join(tmp, f"territory_{t}")
        cmd = [str(TERRASIM), "run", scenario, "--threads", str(t), "--out", out, "--progress", "never"]
        runs = [measure(cmd) for _ in range(repeats)]
        with open(os.path.join(out, "series.csv")) as fh:
            lines = [l for l in fh if not l.startswith("#")]
        header = lines[0].strip().split(",")
        months = len(lines) - 1
        workers = int(float(lines[1].split(",")[header.index("labour_force")]))
        seconds = sorted(w for w, _ in runs)[len(runs) // 2]
        rows.append({"model": "territory (Amiens baseline)", "workers": workers, "months": months, "threads": t,
                     "seconds": seconds, "runs": [w for w, _ in runs],
                     "agent_months_per_s": workers * months / seconds, "peak_bytes": max(p for _, p in runs),
                     "speedup_vs_peer": None})
    return rows


def sweep_row(replicates, tmp):
    """A sweep of the Amiens baseline, `replicates` runs on every local core,
    and its parallel efficiency against the median one-thread run."""
    db = os.path.join(tmp, "sweep.sqlite")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "build" / "release" / "python"))
    step(f"Amiens baseline sweep: {replicates} runs")
    t0 = time.perf_counter()
    subprocess.run([PYTHON, "-m", "terrasim", "sweep", f"baseline={ROOT}/scenarios/amiens/baseline.yaml",
                    "--replicates", str(replicates), "--db", db, "--progress", "never"],
                   check=True, env=env, stdout=sys.stderr)
    seconds = time.perf_counter() - t0
    return {"model": f"sweep (Amiens baseline, {replicates} runs)", "workers": None, "months": 72,
            "threads": os.cpu_count(), "seconds": seconds, "runs": [seconds], "agent_months_per_s": None,
            "peak_bytes": None, "speedup_vs_peer": None}


def core_capacity(tmp, tag):
    """bench/core_capacity's medians and quartiles (None where the program
    is missing or the machine has one core)."""
    exe = ROOT / "build" / "release" / "bench" / "core_capacity"
    if not exe.exists() or (os.cpu_count() or 1) < 2:
        return None
    out = os.path.join(tmp, f"capacity_{tag}.json")
    step(f"two threads against one on this machine ({tag})")
    subprocess.run([str(exe), "--rounds", "21", "--json", out], check=True, stdout=sys.stderr)
    with open(out) as fh:
        return json.load(fh)


def print_capacity(capacity):
    for tag, c in capacity.items():
        if c:
            parts = [f"{name} {k['speedup_median']:.2f}x (quartiles {k['speedup_q1']:.2f}-{k['speedup_q3']:.2f})"
                     for name, k in c["kernels"].items()]
            trip = c.get("round_trip_ns")  # runs before 7 December 2026, 22:00, have none
            if trip:
                parts.append(f"a cache line's round trip {trip['median']:.0f} ns")
            print(f"two threads against one, {tag} the runs (bench/core_capacity): " + ", ".join(parts))


def print_table(rows, slope):
    sys.path.insert(0, str(ROOT / "bench"))
    from dock_vs_peer import print_rows

    print_rows(rows)
    for r in rows:
        if "parallel_efficiency" in r:
            print(f"{r['model']}: parallel efficiency {100 * r['parallel_efficiency']:.1f}% "
                  "(runs x one-thread run time / (cores x wall time))")
    if slope:
        print(f"peak memory slope: {slope['bytes_per_worker']:.1f} bytes per worker "
              f"({slope['n1']:,} to {slope['n2']:,} workers, {slope['months']} months)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--peer-max", type=int, default=1_000_000,
                    help="largest size the NumPy peer runs at (10^7 takes it minutes and gigabytes)")
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 workers, 3 repeats")
    ap.add_argument("--sweep", type=int, default=0, metavar="RUNS",
                    help="also time a sweep of the Amiens baseline (its efficiency: RUNS x the one-thread run time "
                         "/ (cores x the sweep's time))")
    ap.add_argument("--no-build", action="store_true", help="use the build as it is")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "out" / "bench" / "all.json"))
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.repeats = [10_000, 100_000], 3

    if not args.no_build:
        step("release build (scripts/setup)")
        subprocess.run([str(ROOT / "scripts" / "setup")], check=True, stdout=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        capacity = {"before": core_capacity(tmp, "before")}
        rows, slope = dock_rows(args.sizes, args.threads, args.months, args.repeats, args.peer_max, tmp)
        rows += territory_rows(args.threads, args.repeats, tmp)
        if args.sweep:
            row = sweep_row(args.sweep, tmp)
            single = [r["seconds"] for r in rows if r["model"].startswith("territory") and r["threads"] == 1]
            if single:
                row["parallel_efficiency"] = args.sweep * single[0] / (os.cpu_count() * row["seconds"])
            rows.append(row)
        capacity["after"] = core_capacity(tmp, "after")
    print_table(rows, slope)
    print_capacity(capacity)
    doc = {"rows": rows, "memory_slope": slope, "core_capacity": capacity, "machine": os.uname().nodename,
           "cpus": os.cpu_count(),
           "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "load_average_at_end": os.getloadavg()}
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"written {args.json}")
    if not args.no_plot:
        subprocess.run([PYTHON, str(ROOT / "bench" / "plot_scaling.py"), args.json], check=True)


if __name__ == "__main__":
    main()
