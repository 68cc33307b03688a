#!/usr/bin/python3
"""Who waits for whom: what the calling thread was doing while the team's
threads waited for work (sim/core/team.h), from perf samples of both.

A run on several threads loses time where one thread waits for the others:
a serial stretch of the caller's, or the last pieces of a parallel loop.
This samples every thread of a terrasim run with `perf record` (Debian's
linux-perf), then matches each sample of a team thread in its idle loop
(`Team::work`) with the caller's sample nearest in time, and tallies what
the caller was running then.

    bench/team_waits.py                          # the docking model at the defaults, 2 threads
    bench/team_waits.py -- run scenarios/amiens/baseline.yaml --threads 2
    bench/team_waits.py --perf-script samples.txt   # analyse `perf script -F pid,tid,time,ip,sym` output

The figures are samples, not times: perf slows the run, and a symbol the
caller runs while the team waits is where to look, not a measure of what
removing it would save (time it with interleaved runs, bench/compare_binaries.py).
"""
import argparse
import bisect
import collections
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
TERRASIM = ROOT / "build" / "release" / "cli" / "terrasim"
IDLE = "Team::work"  # a team thread's loop while it has no piece to run
SAMPLE = re.compile(r"^\s*(\d+)/(\d+)\s+([\d.]+):\s+[0-9a-f]+\s*(.*)$")


def shorten(symbol: str) -> str:
    """A symbol without the namespaces and arguments that make every line alike."""
    s = symbol.strip() or "[unknown]"
    s = s.replace("(terrasim::sim::MonthContext const&)", "")
    s = re.sub(r"terrasim::(models::\w+::\w+Model::|sim::)", "", s)
    m = re.match(r"std::_Function_handler<void \(unsigned long\), (for_each_index|for_ranges)<(.*?)>\(", s)
    if m:
        s = f"{m.group(1)}<{m.group(2)}>"
    return s[:120]


def parse(lines):
    """(pid, tid, time, symbol) of each sample of `perf script -F pid,tid,time,ip,sym`."""
    out = []
    for line in lines:
        m = SAMPLE.match(line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), float(m.group(3)), m.group(4)))
    return out


def analyse(samples):
    """Per team thread, its share of samples idle; and the caller's symbols during those idle samples."""
    if not samples:
        raise ValueError("no samples: is the perf script output in `-F pid,tid,time,ip,sym` form?")
    caller_tid = samples[0][0]  # the process's first thread: its tid is its pid
    caller = [(t, sym) for pid, tid, t, sym in samples if tid == caller_tid]
    if not caller:
        raise ValueError(f"no sample of the calling thread (tid {caller_tid})")
    times = [t for t, _ in caller]
    per_thread = {}
    during = collections.Counter()
    for pid, tid, t, sym in samples:
        if tid == caller_tid:
            continue
        total, idle = per_thread.get(tid, (0, 0))
        is_idle = IDLE in sym
        per_thread[tid] = (total + 1, idle + is_idle)
        if is_idle:
            i = bisect.bisect_left(times, t)
            near = min((k for k in (i - 1, i) if 0 <= k < len(times)), key=lambda k: abs(times[k] - t))
            during[shorten(caller[near][1])] += 1
    return per_thread, during


def report(per_thread, during, top):
    for tid, (total, idle) in sorted(per_thread.items()):
        print(f"team thread {tid}: {idle} of {total} samples idle ({100.0 * idle / total:.0f}%)")
    waited = sum(during.values())
    if not waited:
        print("no team thread waited")
        return
    print(f"\nwhat the caller ran while a team thread waited ({waited} samples):")
    for symbol, n in during.most_common(top):
        print(f"{n:7d} {100.0 * n / waited:5.1f}%  {symbol}")


def record(args, freq, binary):
    if shutil.which("perf") is None:
        sys.exit("team_waits: perf is not installed (Debian: apt-get install linux-perf)")
    with tempfile.TemporaryDirectory() as tmp:
        data = pathlib.Path(tmp) / "perf.data"
        if not args:
            args = ["run", str(ROOT / "scenarios" / "dock" / "default.yaml"), "--threads", "2"]
        if "--out" not in args:
            args = args + ["--out", str(pathlib.Path(tmp) / "out")]
        rec = subprocess.run(["perf", "record", "-q", "-F", str(freq), "-o", str(data), str(binary)] + args,
                             capture_output=True, text=True)
        if rec.returncode != 0:
            sys.exit(f"team_waits: perf record failed ({rec.returncode}):\n{rec.stderr.strip()}\n"
                     "(kernel.perf_event_paranoid may forbid it: try as root)")
        script = subprocess.run(["perf", "script", "-i", str(data), "-F", "pid,tid,time,ip,sym"],
                                capture_output=True, text=True, check=True)
        return script.stdout.splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--freq", type=int, default=20000, help="samples a second and thread (perf record -F)")
    ap.add_argument("--binary", default=str(TERRASIM))
    ap.add_argument("--perf-script", help="analyse this `perf script -F pid,tid,time,ip,sym` output instead of recording")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("args", nargs="*", help="terrasim's arguments (after --)")
    a = ap.parse_args()
    lines = pathlib.Path(a.perf_script).read_text().splitlines() if a.perf_script else record(a.args, a.freq, a.binary)
    try:
        per_thread, during = analyse(parse(lines))
    except ValueError as e:
        sys.exit(f"team_waits: {e}")
    report(per_thread, during, a.top)


if __name__ == "__main__":
    main()
