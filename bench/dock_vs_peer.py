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

Each peer runs twice in each repeat: in the environment it is given, and
with glibc's allocator set as terrasim's own heap is
(sim::heap_in_huge_pages: `GLIBC_TUNABLES` = PEER_HEAP below: one arena,
blocks up to 32 MiB from a heap grown 64 MiB at a time, advised to take
huge pages; glibc.malloc.hugetlb=1 advises all of a peer's heap and its
mapped blocks, where terrasim advises the heap's first 64 MiB: the
difference, if any, favours the peers). On a machine where a page fault is dear (about 10 us on the
build machine, build/release/bench/page_faults) that changes a peer's time
more than anything in its code: the NumPy peer makes a fresh array of each
step's result, and each is faults. The rows "(heap as terrasim's)" and the
ratios "x peer*" / "x hand*" compare like with like; the others are the
peers as a user runs them (and as every run before 7 December 2026 was
measured).

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
import math
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
# glibc's malloc set as sim::heap_in_huge_pages sets terrasim's (sim/core/huge_pages.h), for the peers.
PEER_HEAP = ("glibc.malloc.hugetlb=1:glibc.malloc.top_pad=67108864:glibc.malloc.mmap_threshold=33554432:"
             "glibc.malloc.arena_max=1")
SCENARIO = ROOT / "scenarios" / "dock" / "default.yaml"


def measure(cmd, heap_as_terrasims=False):
    """Runs cmd (with `heap_as_terrasims`, its allocator set by PEER_HEAP); returns (wall seconds, peak RSS in
    bytes)."""
    given = os.environ.get("GLIBC_TUNABLES")
    env = dict(os.environ, GLIBC_TUNABLES=f"{given}:{PEER_HEAP}" if given else PEER_HEAP) if heap_as_terrasims else None
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return wall, usage.ru_maxrss * 1024


def scaled(workers):
    """The specification's scaling (dock-model.md): firms 9,500 and entries 48 a month per 100,000 workers,
    rounded as it rounds, floor(x + 0.5) (Python's round() goes to the even integer at a half)."""
    return {"workers": workers, "firms": math.floor(9500 * (workers / 100000) + 0.5),
            "entry_rate": 48 * workers / 100000}


def scaled_sets(workers):
    """terrasim's --set arguments for the dock scenario at `workers`, scaled as scaled() scales it."""
    s = scaled(workers)
    return ["--set", f"workers={s['workers']}", "--set", f"firms={s['firms']}", "--set", f"entry_rate={s['entry_rate']}"]


def terrasim_cmd(workers, threads, months, out, binary=TERRASIM):
    return [str(binary), "run", str(SCENARIO), "--threads", str(threads), "--months", str(months),
            *scaled_sets(workers), "--out", out, "--progress", "never"]


def peer_cmd(workers, months):
    s = scaled(workers)
    return ["/usr/bin/python3", str(PEER), "--workers", str(s["workers"]), "--firms", str(s["firms"]),
            "--entry-rate", str(s["entry_rate"]), "--months", str(months)]


def handtuned_cmd(workers, months, binary=HANDTUNED):
    s = scaled(workers)
    return [str(binary), "--workers", str(s["workers"]), "--firms", str(s["firms"]),
            "--entry-rate", str(s["entry_rate"]), "--months", str(months)]


def print_rows(rows):
    """The table of `rows` (this script's, and bench/run_all.py's, whose Amiens rows have no workers or peak)."""
    print(f"{'model':<43} {'workers':>10} {'months':>6} {'threads':>7} {'seconds':>9} {'agent-months/s':>15} "
          f"{'peak MiB':>9} {'x peer':>7} {'x hand':>7} {'x peer*':>7} {'x hand*':>7}")
    for r in rows:
        def fmt(v, spec):
            return "-" if not v else format(v, spec)
        print(f"{r['model']:<43} {fmt(r['workers'], ''):>10} {r['months']:>6} {r['threads']:>7} "
              f"{r['seconds']:>9.3f} {fmt(r['agent_months_per_s'], '.3g'):>15} "
              f"{fmt(r['peak_bytes'] and r['peak_bytes'] / 2**20, '.1f'):>9} "
              f"{fmt(r.get('speedup_vs_peer'), '.1f'):>7} {fmt(r.get('speedup_vs_handtuned'), '.2f'):>7} "
              f"{fmt(r.get('speedup_vs_peer_heap'), '.1f'):>7} {fmt(r.get('speedup_vs_handtuned_heap'), '.2f'):>7}")
    if any(r.get("speedup_vs_peer_heap") or r.get("speedup_vs_handtuned_heap") for r in rows):
        print("* against the peers run with their heap as terrasim's (GLIBC_TUNABLES set as sim::heap_in_huge_pages "
              "sets terrasim's allocator): like with like")


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
            # (name, heap as terrasim's?) -> (runs, peak)
            peers = {}

            def peer_run(name, cmd, heap):
                wall, peak = measure(cmd, heap)
                runs, top = peers.get((name, heap), ([], 0))
                peers[(name, heap)] = (runs + [wall], max(top, peak))

            for _ in range(args.repeats):
                for t in args.threads:
                    wall, peak = measure(terrasim_cmd(n, t, args.months, tmp))
                    times[t].append(wall)
                    peaks[t] = max(peaks[t], peak)
                for heap in (False, True):
                    if not args.no_handtuned:
                        peer_run("hand", handtuned_cmd(n, args.months), heap)
                    if not args.no_peer:
                        peer_run("numpy", peer_cmd(n, args.months), heap)

            def median_of(name, heap):
                return statistics.median(peers[(name, heap)][0]) if (name, heap) in peers else None

            def row(model, threads, runs, peak):
                """A table row: the median of `runs`, and each peer's median over it (as given; with its heap
                as terrasim's: the keys ending in _heap)."""
                med = statistics.median(runs)
                ratios = {}
                for key, name in (("speedup_vs_peer", "numpy"), ("speedup_vs_handtuned", "hand")):
                    for heap, suffix in ((False, ""), (True, "_heap")):
                        other = median_of(name, heap)
                        ratios[key + suffix] = other / med if other else None
                return {"model": model, "workers": n, "months": args.months, "threads": threads, "seconds": med,
                        "runs": runs, "agent_months_per_s": n * args.months / med, "peak_bytes": peak, **ratios}

            for name, model in (("numpy", "dock (NumPy peer)"), ("hand", "dock (hand-tuned C++)")):
                for heap, label in ((False, ""), (True, " (heap as terrasim's)")):
                    if (name, heap) in peers:
                        rows.append(row(model + label, 1, *peers[(name, heap)]))
            for t in args.threads:
                rows.append(row("dock (terrasim)", t, times[t], peaks[t]))
        slope = None
        if args.memory_slope:
            n1, n2 = args.memory_slope
            p1 = measure(terrasim_cmd(n1, 1, args.memory_months, tmp))[1]
            p2 = measure(terrasim_cmd(n2, 1, args.memory_months, tmp))[1]
            slope = {"n1": n1, "n2": n2, "months": args.memory_months, "peak1": p1, "peak2": p2,
                     "bytes_per_worker": (p2 - p1) / (n2 - n1)}

    print_rows(rows)
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
