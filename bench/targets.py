#!/usr/bin/python3
"""Issue 6's targets read from several runs of bench/run_all.py at once.

    bench/targets.py docs/bench/run_all-*.json             # every kept run
    bench/targets.py --last 8 docs/bench/run_all-*.json    # the last eight, by date
    bench/targets.py out/bench/all.json                    # one run

Each target's figure is taken within its own run (a ratio compares the
medians of one run_all, whose programs ran interleaved under one load);
across runs the table gives the median, the range and in how many runs the
target was met. The last row gives terrasim's speed over the hand-tuned
peer's in the same runs, which moves less with the machine than the ratios
to the NumPy peer (docs/performance.md, "Where the targets stand").
A run that lacks a row a target needs (a --quick run has no 10^6) is left
out of that target's figures.

The targets against the NumPy peer are read twice: against the peer as a
user runs it, and like with like, against the peer run with its heap as
terrasim's (glibc's allocator set by GLIBC_TUNABLES as
sim::heap_in_huge_pages sets terrasim's: bench/dock_vs_peer.py). Runs
before 7 December 2026, 06:00, have no such rows; in them neither program's
heap was set.
"""
import argparse
import json
import os
import pathlib
import statistics
import sys

DOCK = "dock (terrasim)"
NUMPY = "dock (NumPy peer)"
HAND = "dock (hand-tuned C++)"
AMIENS = "territory (Amiens baseline)"
HEAP = " (heap as terrasim's)"


def seconds(rows, model, workers=None, threads=1):
    """The median seconds of a row of one run (None: the run has no such row)."""
    for r in rows:
        if r["model"] == model and r["threads"] == threads and (workers is None or r["workers"] == workers):
            return r["seconds"]
    return None


def ratio(a, b):
    return None if a is None or b is None else a / b


def per_worker_month_growth(rows, threads):
    small, large = seconds(rows, DOCK, 100_000, threads), seconds(rows, DOCK, 10_000_000, threads)
    return None if small is None or large is None else (large / 10_000_000) / (small / 100_000)


def sweep_seconds(rows):
    return next((r["seconds"] for r in rows if r["model"].startswith("sweep")), None)


# (label, what is measured in a run, unit, whether a value meets the target)
TARGETS = [
    ("dock at the defaults, 1 thread: >= 12x the NumPy peer",
     lambda d: ratio(seconds(d["rows"], NUMPY, 100_000), seconds(d["rows"], DOCK, 100_000, 1)), "x",
     lambda v: v >= 12),
    ("the same, 2 threads: >= 20x",
     lambda d: ratio(seconds(d["rows"], NUMPY, 100_000), seconds(d["rows"], DOCK, 100_000, 2)), "x",
     lambda v: v >= 20),
    ("10^6 workers, 2 threads: >= 20x",
     lambda d: ratio(seconds(d["rows"], NUMPY, 1_000_000), seconds(d["rows"], DOCK, 1_000_000, 2)), "x",
     lambda v: v >= 20),
    ("like with like (the peer's heap as terrasim's): defaults, 1 thread: >= 12x",
     lambda d: ratio(seconds(d["rows"], NUMPY + HEAP, 100_000), seconds(d["rows"], DOCK, 100_000, 1)), "x",
     lambda v: v >= 12),
    ("like with like: the same, 2 threads: >= 20x",
     lambda d: ratio(seconds(d["rows"], NUMPY + HEAP, 100_000), seconds(d["rows"], DOCK, 100_000, 2)), "x",
     lambda v: v >= 20),
    ("like with like: 10^6 workers, 2 threads: >= 20x",
     lambda d: ratio(seconds(d["rows"], NUMPY + HEAP, 1_000_000), seconds(d["rows"], DOCK, 1_000_000, 2)), "x",
     lambda v: v >= 20),
    ("10^6 workers, 1 -> 2 threads: >= 1.7x",
     lambda d: ratio(seconds(d["rows"], DOCK, 1_000_000, 1), seconds(d["rows"], DOCK, 1_000_000, 2)), "x",
     lambda v: v >= 1.7),
    ("10^7 workers, 2 threads: <= 12 s",
     lambda d: seconds(d["rows"], DOCK, 10_000_000, 2), " s", lambda v: v <= 12),
    ("peak memory slope 10^6 -> 10^7: <= 24 bytes a worker",
     lambda d: (d.get("memory_slope") or {}).get("bytes_per_worker"), " B", lambda v: v <= 24),
    ("time per worker-month, 10^7 over 10^5, 1 thread: <= 2x",
     lambda d: per_worker_month_growth(d["rows"], 1), "x", lambda v: v <= 2),
    ("the same, 2 threads: <= 2x",
     lambda d: per_worker_month_growth(d["rows"], 2), "x", lambda v: v <= 2),
    ("Amiens baseline, 1 thread: <= 0.25 s",
     lambda d: seconds(d["rows"], AMIENS, None, 1), " s", lambda v: v <= 0.25),
    ("1,000-run Amiens sweep: <= 180 s",
     lambda d: sweep_seconds(d["rows"]), " s", lambda v: v <= 180),
]

HANDTUNED = [
    ("over the hand-tuned peer, defaults, 1 thread",
     lambda d: ratio(seconds(d["rows"], HAND, 100_000), seconds(d["rows"], DOCK, 100_000, 1))),
    ("over the hand-tuned peer, defaults, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND, 100_000), seconds(d["rows"], DOCK, 100_000, 2))),
    ("over the hand-tuned peer, 10^6, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND, 1_000_000), seconds(d["rows"], DOCK, 1_000_000, 2))),
    ("over the hand-tuned peer, 10^7, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND, 10_000_000), seconds(d["rows"], DOCK, 10_000_000, 2))),
    ("like with like (both peers' heap as terrasim's): defaults, 1 thread",
     lambda d: ratio(seconds(d["rows"], HAND + HEAP, 100_000), seconds(d["rows"], DOCK, 100_000, 1))),
    ("like with like: defaults, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND + HEAP, 100_000), seconds(d["rows"], DOCK, 100_000, 2))),
    ("like with like: 10^6, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND + HEAP, 1_000_000), seconds(d["rows"], DOCK, 1_000_000, 2))),
    ("like with like: 10^7, 2 threads",
     lambda d: ratio(seconds(d["rows"], HAND + HEAP, 10_000_000), seconds(d["rows"], DOCK, 10_000_000, 2))),
    ("the hand-tuned peer over the NumPy peer, defaults",
     lambda d: ratio(seconds(d["rows"], NUMPY, 100_000), seconds(d["rows"], HAND, 100_000))),
    ("the hand-tuned peer over the NumPy peer, 10^6",
     lambda d: ratio(seconds(d["rows"], NUMPY, 1_000_000), seconds(d["rows"], HAND, 1_000_000))),
    ("the same, both peers' heap as terrasim's, defaults",
     lambda d: ratio(seconds(d["rows"], NUMPY + HEAP, 100_000), seconds(d["rows"], HAND + HEAP, 100_000))),
]


def capacity_before(data):
    """bench/core_capacity's record made before the run ({} where there is none)."""
    return (data.get("core_capacity") or {}).get("before") or {}


# What the machine gave two threads, measured before each run (bench/core_capacity): not targets, what explains the
# two-thread rows of a run (docs/performance.md, "Where the targets stand"). Runs before 7 December 2026, 22:00,
# have no round trip.
MACHINE = [
    ("the two cpus before the run: a cache line's round trip",
     lambda d: (capacity_before(d).get("round_trip_ns") or {}).get("median"), " ns"),
    ("the two cpus before the run: the memory kernel, two threads over one",
     lambda d: (capacity_before(d).get("kernels", {}).get("memory") or {}).get("speedup_median"), "x"),
]


def load(paths):
    """The runs, oldest first (by the date each JSON records)."""
    runs = []
    for path in paths:
        try:
            data = json.loads(pathlib.Path(path).read_text())
            rows = data["rows"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            sys.exit(f"{path}: not a run of bench/run_all.py ({e})")
        if not isinstance(rows, list):
            sys.exit(f"{path}: not a run of bench/run_all.py (its rows are not a list)")
        runs.append((str(data.get("date", "")), str(path), data))
    runs.sort(key=lambda run: run[0])
    return runs


def values_of(measure, runs):
    """measure(run) for each run that has what it needs."""
    return [v for v in (measure(data) for _, _, data in runs) if v is not None]


def fmt(value, unit):
    digits = 3 if unit == " s" and value < 1 else 2 if unit in ("x", " s") else 0 if unit == " ns" else 1
    return f"{value:.{digits}f}{unit}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="JSON files written by bench/run_all.py")
    parser.add_argument("--last", type=int, metavar="N", help="only the N most recent runs (by their dates)")
    args = parser.parse_args(argv)
    if args.last is not None and args.last < 1:
        parser.error("--last: expected a whole number of at least 1")
    runs = load(args.runs)
    if args.last:
        runs = runs[-args.last:]
    print(f"{len(runs)} run{'s' if len(runs) > 1 else ''}, {runs[0][0] or runs[0][1]} to {runs[-1][0] or runs[-1][1]}")
    print(f"{'target':<76} {'median':>9} {'range':>19} {'met':>9}")
    for label, measure, unit, met in TARGETS:
        values = values_of(measure, runs)
        if not values:
            print(f"{label:<76} {'-':>9} {'':>19} {'no runs':>9}")
            continue
        span = f"{fmt(min(values), unit)}-{fmt(max(values), unit)}"
        print(f"{label:<76} {fmt(statistics.median(values), unit):>9} {span:>19} "
              f"{sum(map(met, values)):>3} of {len(values):<3}")
    for label, measure in HANDTUNED:
        values = values_of(measure, runs)
        if values:
            span = f"{min(values):.2f}x-{max(values):.2f}x"
            print(f"{label:<76} {statistics.median(values):>8.2f}x {span:>19}")
    for label, measure, unit in MACHINE:
        values = values_of(measure, runs)
        if values:
            span = f"{fmt(min(values), unit)}-{fmt(max(values), unit)}"
            print(f"{label:<76} {fmt(statistics.median(values), unit):>9} {span:>19} {len(values):>3} run{'s' if len(values) > 1 else ''}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
