#!/usr/bin/python3
"""Whole-run benchmark: terrasim's dock model against its peers, in one run.

For each size, runs `terrasim run` (the whole process: start, scenario
loading, simulation, writing the outputs), the NumPy peer
(bench/peers/dock_numpy.py, its whole process too) and the hand-tuned,
single-purpose, single-threaded C++ peer (bench/peers/dock_handtuned.cpp,
built as build/release/bench/dock_handtuned; it writes its series to
standard output) several times each, interleaved, and reports the medians,
the ratios to the NumPy peer ("x peer") and to the hand-tuned one
("x hand": its time over terrasim's, above 1 when terrasim is faster), and
the peak resident memory of each process (from wait4's rusage). Prints one
table and writes it as JSON.

A peak is the larger of the launching Python's resident memory before the
program replaced it (the kernel keeps it across exec: about 14 MiB) and the
program's own, so the small sizes' peaks are that floor.

Memory per worker is the slope of terrasim's peak memory between two sizes:
(peak(N2) - peak(N1)) / (N2 - N1), which removes the fixed cost of the
program.

  bench/dock_vs_peer.py                      # defaults: 100,000 workers, 5 repeats
  bench/dock_vs_peer.py --sizes 100000 1000000 --threads 1 2
  bench/dock_vs_peer.py --memory-slope 1000000 10000000 --no-peer
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TERRASIM = ROOT / "build" / "release" / "cli" / "terrasim"
PEER = ROOT / "bench" / "peers" / "dock_numpy.py"
HANDTUNED = ROOT / "build" / "release" / "bench" / "dock_handtuned"
SCENARIO = ROOT / "scenarios" / "dock" / "default.yaml"


def measure(cmd):
    """Runs cmd; returns (wall seconds, peak RSS in bytes)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_maxrss * 1024


def scaled(workers):
    return {"workers": workers, "firms": round(9500 * workers / 100000), "entry_rate": 48 * workers / 100000}


def terrasim_cmd(workers, threads, months, out):
    s = scaled(workers)
    return [str(TERRASIM), "run", str(SCENARIO), "--threads", str(threads), "--months", str(months),
            "--set", f"workers={s['workers']}", "--set", f"firms={s['firms']}",
            "--set", f"entry_rate={s['entry_rate']}", "--out", out, "--progress", "never"]


def peer_cmd(workers, months):
    s = scaled(workers)
    return ["/usr/bin/python3", str(PEER), "--workers", str(s["workers"]), "--firms", str(s["firms"]),
            "--entry-rate", str(s["entry_rate"]), "--months", str(months)]


def handtuned_cmd(workers, months):
    s = scaled(workers)
    return [str(HANDTUNED), "--workers", str(s["workers"]), "--firms", str(s["firms"]),
            "--entry-rate", str(s["entry_rate"]), "--months", str(months)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100000])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-peer", action="store_true", help="no NumPy peer")
    ap.add_argument("--no-handtuned", action="store_true", help="no hand-tuned C++ peer")
    ap.add_argument("--memory-slope", type=int, nargs=2, metavar=("N1", "N2"),
                    help="also measure terrasim's peak memory at N1 and N2 workers (1 thread) and report the slope")
    ap.add_argument("--memory-months", type=int, default=120,
                    help="months of the two runs the slope is measured on (default 120, the spec's run: a run's "
                         "peak grows as the firms' employee lists do, so a short run understates it)")
    ap.add_argument("--json", default=str(ROOT / "out" / "bench" / "dock_vs_peer.json"))
    args = ap.parse_args()
    if not TERRASIM.is_file():
        sys.exit(f"{TERRASIM} not found: run scripts/setup first")
    if not args.no_handtuned and not HANDTUNED.is_file():
        sys.exit(f"{HANDTUNED} not found: run scripts/setup first (or --no-handtuned)")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            times = {t: [] for t in args.threads}
            peaks = {t: 0 for t in args.threads}
            peer_times, peer_peak = [], 0
            hand_times, hand_peak = [], 0
            for _ in range(args.repeats):
                for t in args.threads:
                    wall, peak = measure(terrasim_cmd(n, t, args.months, tmp))
                    times[t].append(wall)
                    peaks[t] = max(peaks[t], peak)
                if not args.no_handtuned:
                    wall, peak = measure(handtuned_cmd(n, args.months))
                    hand_times.append(wall)
                    hand_peak = max(hand_peak, peak)
                if not args.no_peer:
                    wall, peak = measure(peer_cmd(n, args.months))
                    peer_times.append(wall)
                    peer_peak = max(peer_peak, peak)
            peer_median = statistics.median(peer_times) if peer_times else None
            hand_median = statistics.median(hand_times) if hand_times else None

            def row(model, threads, runs, peak):
                """A table row: the median of `runs`, and each peer's median over it."""
                med = statistics.median(runs)
                return {"model": model, "workers": n, "months": args.months, "threads": threads, "seconds": med,
                        "runs": runs, "agent_months_per_s": n * args.months / med, "peak_bytes": peak,
                        "speedup_vs_peer": peer_median / med if peer_median else None,
                        "speedup_vs_handtuned": hand_median / med if hand_median else None}

            if peer_times:
                rows.append(row("dock (NumPy peer)", 1, peer_times, peer_peak))
            if hand_times:
                rows.append(row("dock (hand-tuned C++)", 1, hand_times, hand_peak))
            for t in args.threads:
                rows.append(row("dock (terrasim)", t, times[t], peaks[t]))
        slope = None
        if args.memory_slope:
            n1, n2 = args.memory_slope
            p1 = measure(terrasim_cmd(n1, 1, args.memory_months, tmp))[1]
            p2 = measure(terrasim_cmd(n2, 1, args.memory_months, tmp))[1]
            slope = {"n1": n1, "n2": n2, "months": args.memory_months, "peak1": p1, "peak2": p2,
                     "bytes_per_worker": (p2 - p1) / (n2 - n1)}

    print(f"{'model':<22} {'workers':>10} {'months':>6} {'threads':>7} {'seconds':>9} {'agent-months/s':>15} "
          f"{'peak MiB':>9} {'x peer':>7} {'x hand':>7}")
    for r in rows:
        speed = f"{r['speedup_vs_peer']:.1f}" if r["speedup_vs_peer"] else "-"
        hand = f"{r['speedup_vs_handtuned']:.2f}" if r["speedup_vs_handtuned"] else "-"
        print(f"{r['model']:<22} {r['workers']:>10} {r['months']:>6} {r['threads']:>7} {r['seconds']:>9.3f} "
              f"{r['agent_months_per_s']:>15.3g} {r['peak_bytes'] / 2**20:>9.1f} {speed:>7} {hand:>7}")
    if slope:
        print(f"peak memory: {slope['peak1'] / 2**20:.1f} MiB at {slope['n1']} workers, "
              f"{slope['peak2'] / 2**20:.1f} MiB at {slope['n2']}: {slope['bytes_per_worker']:.1f} bytes per worker")
    pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w") as fh:
        json.dump({"rows": rows, "memory_slope": slope, "machine": os.uname().nodename, "cpus": os.cpu_count()},
                  fh, indent=1)
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
