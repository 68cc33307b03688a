#!/usr/bin/python3
"""Where a dock run's time goes: `terrasim run --profile`, repeated, in medians.

For each size (the specification's scaling: firms and entries per 100,000
workers, as bench/dock_vs_peer.py scales them) and thread count, runs the
dock model with --profile, interleaving the thread counts so that a drift
of the machine falls on each alike, and prints the median of each phase's
milliseconds a month (the initial state: once), the months' total, the
whole process's wall time, and what lies outside the model's phases (the
process's start, the scenario, the outputs' text and commit, the exit):
the wall time less the profile's total, a median of the differences.

  bench/phase_times.py                                  # 10^5 and 10^6, 120 months, 1 and 2 threads
  bench/phase_times.py --sizes 10000000 --months 24 --repeats 3
  bench/phase_times.py --json phases.json --markdown    # a table for docs/performance.md
"""
import argparse
import json
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

from dock_vs_peer import TERRASIM, terrasim_cmd  # this script's folder is first on the import path

# One line of Scheduler::profile_table(): phase, calls, total s, ms/call, share.
ROW = re.compile(r"^(?P<phase>\S.*?)\s+(?P<calls>\d+)\s+(?P<total>\d+\.\d+)\s+(?P<ms>\d+\.\d+)\s+(?P<share>\d+\.\d+)%$")
TOTAL = re.compile(r"^total\s+(?P<total>\d+\.\d+)$")


def parse_profile(text):
    """The phases of a --profile table as {phase: (calls, ms a call)}, and its total in seconds. Raises ValueError
    on a table it cannot read (a changed format must not give a silently empty table)."""
    phases, total = {}, None
    for line in text.splitlines():
        line = line.strip()
        if m := ROW.match(line):
            phases[m["phase"]] = (int(m["calls"]), float(m["ms"]))
        elif m := TOTAL.match(line):
            total = float(m["total"])
    if not phases or total is None:
        raise ValueError("no --profile table (phase, calls, total s, ms/call, share; then total) in:\n" + text)
    return phases, total


def run_once(binary, workers, threads, months, out):
    """One run with --profile: (wall seconds, phases, the profile's total seconds)."""
    cmd = terrasim_cmd(workers, threads, months, out, binary) + ["--profile"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr}")
    try:
        phases, total = parse_profile(proc.stderr)
    except ValueError as e:
        sys.exit(f"{' '.join(map(str, cmd))}: {e}")
    return wall, phases, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=pathlib.Path, default=TERRASIM)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100000, 1000000])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=5, help="runs of each size and thread count (medians)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the medians here")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args()
    if a.repeats < 1 or a.months < 1 or min(a.sizes) < 1 or min(a.threads) < 1:
        ap.error("--repeats, --months, --sizes and --threads must be positive")
    if not a.binary.exists():
        sys.exit(f"{a.binary}: no such binary (build first: cmake --build build/release)")

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in a.sizes:
            runs = {t: [] for t in a.threads}
            for _ in range(a.repeats):
                for t in a.threads:  # interleaved
                    runs[t].append(run_once(a.binary, workers, t, a.months, str(pathlib.Path(tmp) / "out")))
            for t in a.threads:
                names = list(runs[t][0][1])
                results.append({
                    "workers": workers, "months": a.months, "threads": t, "repeats": a.repeats,
                    "phases_ms_per_call": {p: statistics.median(r[1][p][1] for r in runs[t]) for p in names},
                    "calls": {p: runs[t][0][1][p][0] for p in names},
                    "profile_total_s": statistics.median(r[2] for r in runs[t]),
                    "wall_s": statistics.median(r[0] for r in runs[t]),
                    "outside_ms": statistics.median((r[0] - r[2]) * 1e3 for r in runs[t]),
                })

    phases = list(dict.fromkeys(p for r in results for p in r["phases_ms_per_call"]))
    cols = [f"{r['workers']:,}, {r['threads']} thr" for r in results]
    lines = [["ms (a month; once where called once)"] + cols]
    for p in phases:
        calls = next(r["calls"][p] for r in results if p in r["calls"])
        label = p + (" (once)" if calls == 1 else "")
        lines.append([label] + [f"{r['phases_ms_per_call'][p]:.3f}" if p in r["phases_ms_per_call"] else "-"
                                for r in results])
    lines.append(["model phases, whole run (s)"] + [f"{r['profile_total_s']:.4f}" for r in results])
    lines.append(["outside them: start, scenario, outputs, exit (ms)"] + [f"{r['outside_ms']:.1f}" for r in results])
    lines.append(["whole process (s)"] + [f"{r['wall_s']:.4f}" for r in results])
    if a.markdown:
        print("| " + " | ".join(lines[0]) + " |")
        print("|" + "---|" * len(lines[0]))
        for row in lines[1:]:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
        for row in lines:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print(f"(medians of {a.repeats} runs, {a.months} months, {a.binary})")
    if a.json:
        a.json.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                                      "binary": str(a.binary), "rows": results}, indent=1) + "\n")
        print(f"written {a.json}")


if __name__ == "__main__":
    main()
