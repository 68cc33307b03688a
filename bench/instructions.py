#!/usr/bin/python3
"""Instructions executed by the docking model, phase by phase: terrasim against
the hand-tuned peer, or one terrasim build against another.

Times on the build machine move by tens of percent from one minute to the
next (docs/performance.md); the instructions a program executes do not. This
runs each program once under callgrind (valgrind's instruction counter: this
machine's virtual CPUs give `perf` no hardware counter), one thread, and reads
the inclusive count of each phase's function:

  terrasim      matching                        DockModel::match
                separations, targets and exits  DockModel::update_firms
                entries                         DockModel::enter_firms
                initial state                   DockModel::initialize
  hand-tuned    matching                        Sim::match (its applications included)
                the rest of the months and the initial state (one function, run_all, holds them)

and the whole program's; "outside the phases" is the program less its
phases (start, scenario, outputs, exit). Figures are per worker-month too.
The programs must be built without debug information (the release build):
with it, callgrind_annotate splits a function's count by the source file of
its inlined code.

  bench/instructions.py                                  # the defaults (10^5 workers, 120 months)
  bench/instructions.py --workers 1000000 --months 24    # firms and entries scaled as the specification says
  bench/instructions.py --binary /tmp/before --binary build/release/cli/terrasim --no-peer
  bench/instructions.py --json out.json

A count is the same from one run to the next within a few parts in 10^5
(the loader, the environment), so a change of a percent is a change of the
code. It says nothing of cache misses or of what a second thread gains:
instructions bound the docking model at the defaults on one thread (three
to four a cycle), not at 10^6 and beyond, where memory does.
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
# Its commands for both programs (the model scaled as the specification says, the same figures to each).
from dock_vs_peer import HANDTUNED, TERRASIM, handtuned_cmd, terrasim_cmd  # noqa: E402


# (phase, pattern of the function whose inclusive count it is), in the order printed.
TERRASIM_PHASES = [
    ("matching", r"DockModel::match\(terrasim::sim::MonthContext const&\) \["),
    ("separations, targets and exits", r"DockModel::update_firms\(terrasim::sim::MonthContext const&\) \["),
    ("entries", r"DockModel::enter_firms\(terrasim::sim::MonthContext const&\) \["),
    ("initial state", r"DockModel::initialize\(unsigned long\) \["),
]
HANDTUNED_PHASES = [
    ("matching", r"::Sim<[^>]*>::match\("),
]
LINE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)$")


def inclusive_counts(out_file: pathlib.Path):
    """(program total, [(count, function)]) from a callgrind output, every function listed."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out_file)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"instructions: callgrind_annotate failed on {out_file} ({p.returncode}):\n{p.stderr[-2000:]}")
    total, functions = None, []
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        count = int(m.group(1).replace(",", ""))
        if m.group(2).startswith("PROGRAM TOTALS"):
            total = count
        else:
            functions.append((count, m.group(2)))
    if total is None:
        raise SystemExit(f"instructions: no PROGRAM TOTALS in callgrind_annotate's output of {out_file}")
    return total, functions


def phase_counts(total, functions, phases, program):
    """{phase: count} by the first (largest) function matching each pattern; a phase whose function is not
    found (inlined by another build) is an error, not a zero."""
    out = {}
    for phase, pattern in phases:
        matching = [(c, name) for c, name in functions if re.search(pattern, name)]
        if any(not name.startswith("???:") for _, name in matching):
            # With debug information callgrind_annotate splits a function by the file of its inlined code,
            # and no line gives the function's whole inclusive count.
            raise SystemExit(f"instructions: {program} has debug information: its phases' counts would be split by "
                             "source file; give a build without it (the release build)")
        if not matching:
            raise SystemExit(f"instructions: {program}: no function matches {pattern!r} (phase {phase}); "
                             "was it inlined?")
        out[phase] = max(c for c, _ in matching)
    out["outside the phases"] = total - sum(out.values())
    return out


def callgrind(cmd, work: pathlib.Path, name: str):
    out_file = work / f"{name}.callgrind"
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *map(str, cmd)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"instructions: {name} failed under callgrind ({p.returncode}):\n{p.stderr[-2000:]}")
    return inclusive_counts(out_file)


def run_terrasim(binary, workers, months, work, name):
    total, functions = callgrind(terrasim_cmd(workers, 1, months, work / f"{name}-out", binary), work, name)
    return total, phase_counts(total, functions, TERRASIM_PHASES, str(binary))


def run_handtuned(binary, workers, months, work):
    total, functions = callgrind(handtuned_cmd(workers, months, binary), work, "hand-tuned")
    phases = phase_counts(total, functions, HANDTUNED_PHASES, str(binary))
    # run_all holds the initial state and the other steps of the month: one figure, with the start and exit.
    phases["the rest (initial state, other steps, start, exit)"] = phases.pop("outside the phases")
    return total, phases


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=100000)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--binary", action="append", type=pathlib.Path,
                    help=f"a terrasim binary (repeatable; default {TERRASIM.relative_to(ROOT)})")
    ap.add_argument("--handtuned", type=pathlib.Path, default=HANDTUNED)
    ap.add_argument("--no-peer", action="store_true", help="terrasim's binaries only")
    ap.add_argument("--json", type=pathlib.Path, help="write the rows as JSON")
    args = ap.parse_args(argv)
    if args.workers < 1 or args.months < 1:
        ap.error("--workers and --months must be at least 1")
    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            ap.error(f"{tool} is not installed (Debian's valgrind package; scripts/install-deps installs it)")
    binaries = args.binary or [TERRASIM]
    for b in [*binaries, *([] if args.no_peer else [args.handtuned])]:
        if not b.is_file():
            ap.error(f"{b}: no such program (build it: cmake --build build/release)")
    worker_months = args.workers * args.months
    rows = []
    with tempfile.TemporaryDirectory(prefix="terrasim-instructions-") as tmp:
        work = pathlib.Path(tmp)
        results = []
        for k, b in enumerate(binaries):
            name = "terrasim" if len(binaries) == 1 else f"terrasim ({b})"
            results.append((name, *run_terrasim(b.resolve(), args.workers, args.months, work, f"terrasim-{k}")))
        if not args.no_peer:
            results.append(("hand-tuned", *run_handtuned(args.handtuned.resolve(), args.workers, args.months, work)))
    first_total = results[0][1]
    for name, total, phases in results:
        for phase, count in [*phases.items(), ("whole program", total)]:
            rows.append({"program": name, "phase": phase, "instructions": count,
                         "per_worker_month": count / worker_months})
    width = max(len(r["program"]) for r in rows)
    print(f"docking model, {args.workers} workers, {args.months} months, one thread (callgrind)")
    print(f"{'program':<{width}}  {'phase':<52} {'instructions':>15} {'per worker-month':>17}")
    for r in rows:
        print(f"{r['program']:<{width}}  {r['phase']:<52} {r['instructions']:>15,} {r['per_worker_month']:>17.2f}")
    for name, total, _ in results[1:]:
        print(f"{name}: {total / first_total:.3f}x the instructions of {results[0][0]}")
    if args.json:
        args.json.write_text(json.dumps({"workers": args.workers, "months": args.months, "threads": 1,
                                         "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
