#!/usr/bin/python3
"""Two terrasim binaries side by side: the same output, and which is faster.

An optimisation must not change a single output bit (docs/performance.md).
This runs both binaries (`terrasim run --out`) over a fixed set of
configurations of the dock model and the Amiens scenarios, on 1 and 2
threads, compares every output file byte for byte (the provenance lines
starting with '#' aside), then times them in interleaved runs, so that a
drift of the machine's speed falls on both alike, and prints the medians.

  bench/compare_binaries.py OLD NEW                 # identity check, then timing
  bench/compare_binaries.py OLD NEW --no-timing     # identity only
  bench/compare_binaries.py OLD NEW --quick         # a few small configurations
  bench/compare_binaries.py OLD NEW --workers 1000000 10000000 --repeats 5   # the dock timed at these sizes too

Keep a copy of the binary before a change (cp build/release/cli/terrasim
/tmp/before), build, then compare /tmp/before with build/release/cli/terrasim.
Exits 1 if any output differs.
"""
import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

from dock_vs_peer import scaled_sets  # this script's folder is first on the import path

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCK = ROOT / "scenarios" / "dock" / "default.yaml"
AMIENS = ROOT / "scenarios" / "amiens"

# (scenario, arguments): seeds, other application counts, heavy churn, small
# and large populations, and the corner cases of the matching.
DOCK_CASES = [
    ["--seed", "1"], ["--seed", "2"], ["--seed", "7"], ["--seed", "42"],
    ["--seed", "5", "--set", "applications=5"],
    ["--seed", "6", "--set", "applications=1"],
    ["--seed", "8", "--set", "target_volatility=0.5", "--set", "exit_rate=0.05"],
    ["--seed", "9", "--set", "workers=3000", "--set", "firms=400", "--set", "entry_rate=3"],
    ["--seed", "10", "--set", "workers=20000", "--set", "firms=3000", "--set", "mismatch_acceptance=1"],
    ["--seed", "11", "--set", "separation_rate=0", "--set", "exit_rate=0"],
    ["--seed", "12", "--set", "workers=50", "--set", "firms=40", "--set", "entry_rate=1"],
    ["--seed", "13", "--set", "workers=300000", "--set", "firms=28500", "--set", "entry_rate=144", "--months", "24"],
    ["--seed", "14", "--set", "firms=200", "--set", "entry_rate=0.5", "--set", "init_size_mu=6"],
    ["--seed", "15", "--set", "mismatch_acceptance=0", "--set", "skills=1"],
    ["--seed", "16", "--set", "workers=10", "--set", "firms=50", "--set", "entry_rate=20"],
    # Two firms of 100,000: dismissals tens of thousands of employees apart.
    ["--seed", "17", "--set", "workers=200000", "--set", "firms=2", "--set", "init_size_mu=11.5129",
     "--set", "init_size_sigma=0", "--set", "separation_rate=0.0005", "--set", "exit_rate=0", "--set", "entry_rate=0",
     "--set", "target_volatility=0.00002", "--months", "24"],
]
AMIENS_SCENARIOS = ["baseline", "pacte", "historique", "stress-fermeture", "subventions"]


def cases(quick):
    out = [(DOCK, args) for args in (DOCK_CASES[:2] + DOCK_CASES[7:8] if quick else DOCK_CASES)]
    for name in (AMIENS_SCENARIOS[:1] if quick else AMIENS_SCENARIOS):
        for seed in (["1"] if quick else ["1", "7"]):
            out.append((AMIENS / f"{name}.yaml", ["--seed", seed] + (["--months", "12"] if quick else [])))
    return out


def run(binary, scenario, args, threads, out):
    subprocess.run([str(binary), "run", str(scenario), *args, "--threads", str(threads), "--progress", "never",
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def content(path):
    return [line for line in path.read_bytes().splitlines(keepends=True) if not line.startswith(b"#")]


def same_outputs(old, new, quick):
    differ = 0
    with tempfile.TemporaryDirectory(prefix="terrasim-compare-") as tmp:
        for k, (scenario, args) in enumerate(cases(quick)):
            for threads in (1, 2):
                a, b = pathlib.Path(tmp, f"{k}.{threads}.old"), pathlib.Path(tmp, f"{k}.{threads}.new")
                run(old, scenario, args, threads, a)
                run(new, scenario, args, threads, b)
                names = sorted(p.name for p in a.iterdir() if p.suffix == ".csv")
                if names != sorted(p.name for p in b.iterdir() if p.suffix == ".csv"):
                    print(f"DIFFERENT FILES  {scenario.name} {' '.join(args)} threads={threads}")
                    differ += 1
                    continue
                for name in names:
                    if content(a / name) != content(b / name):
                        print(f"DIFFERENT  {name}  {scenario.name} {' '.join(args)} threads={threads}")
                        differ += 1
        print(f"{'all outputs identical' if not differ else f'{differ} outputs differ'} "
              f"({len(cases(quick))} configurations x 1 and 2 threads)")
    return differ == 0


def timing(old, new, scenario, threads, repeats, extra):
    times = {old: [], new: []}
    with tempfile.TemporaryDirectory(prefix="terrasim-time-") as tmp:
        for _ in range(repeats):
            for binary in (old, new):
                t0 = time.perf_counter()
                run(binary, scenario, extra, threads, pathlib.Path(tmp, "out"))
                times[binary].append(time.perf_counter() - t0)
    a, b = statistics.median(times[old]), statistics.median(times[new])
    print(f"{scenario.parent.name}/{scenario.name} {' '.join(extra)} threads={threads}: "
          f"old {a:.4f} s, new {b:.4f} s (medians of {repeats}, interleaved): {100 * (b - a) / a:+.1f}%")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", type=pathlib.Path)
    ap.add_argument("new", type=pathlib.Path)
    ap.add_argument("--quick", action="store_true", help="a few small configurations, 3 timed repeats")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--workers", type=int, nargs="+", default=[],
                    help="also time the dock model at these numbers of workers (firms and entries scaled as "
                         "bench/dock_vs_peer.py scales them)")
    a = ap.parse_args()
    old, new = a.old.resolve(), a.new.resolve()
    identical = same_outputs(old, new, a.quick)
    if not a.no_timing:
        repeats = 3 if a.quick else a.repeats
        for threads in (1, 2):
            timing(old, new, DOCK, threads, repeats, [])
            timing(old, new, AMIENS / "baseline.yaml", threads, repeats, [])
            for n in a.workers:
                timing(old, new, DOCK, threads, repeats, scaled_sets(n))
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
