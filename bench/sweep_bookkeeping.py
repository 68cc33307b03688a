#!/usr/bin/python3
"""What a sweep spends on its bookkeeping, and whether it grows linearly with the grid.

A sweep of N grid points (a title each: dock/small.yaml scaled to 1,000
workers, 1 month, one replicate, so that the runs themselves cost little)
is timed three ways, each a whole ``terrasim.sweep`` call:

- fresh: a new database, every run made;
- resume: the same grid again, every run already in the database;
- resume, other keys: the same, after the database's keys were rewritten
  as a build before the keys of ``_as_the_engine_reads`` wrote the
  command line's values (the text ``'t 1'`` for the title ``t 1``), so
  that each stored point is found by its runs, not by its key.

A resume does no run: its time is the bookkeeping (every grid point's
configuration made once by the engine, the stored points matched). Per
point it should not grow with N; the last column is the time per point
against that of the smallest N.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/sweep_bookkeeping.py --points 1000 2000 4000 8000
"""
import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "release", "python"))

import terrasim as ts  # noqa: E402

SMALL = os.path.join(ROOT, "scenarios", "dock", "small.yaml")


def timed(grid, db, workers):
    t = time.perf_counter()
    summary = ts.sweep({"small": SMALL}, grid=grid, months=1, replicates=1, db=db, workers=workers,
                       progress=False, overrides={"workers": 1000, "firms": 95})
    return time.perf_counter() - t, summary


def older_keys(db):
    """The database's keys as an earlier build wrote a command line's title: its YAML text, quoted."""
    con = sqlite3.connect(db)
    with con:
        for pid, text in con.execute("SELECT point_id, overrides_json FROM parameters").fetchall():
            title = json.loads(text)["title"]
            con.execute("UPDATE parameters SET overrides_json = ? WHERE point_id = ?",
                        (json.dumps({"title": f"'{title}'"}, separators=(",", ":")), pid))
            con.execute("UPDATE parameter_values SET value_json = ? WHERE point_id = ?",
                        (json.dumps(f"'{title}'"), pid))
    con.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    ap.add_argument("--repeats", type=int, default=3, help="resumes timed at each size (median)")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--json", help="write the table here too")
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.points:
            grid = {"title": [f"t {i}" for i in range(n)]}
            db = os.path.join(tmp, f"s{n}.sqlite")
            fresh, summary = timed(grid, db, args.workers)
            if summary.completed != n:
                raise SystemExit(f"{n} points: {summary.completed} runs made")
            times = {}
            for name in ("resume", "resume, other keys"):
                if name == "resume, other keys":
                    older_keys(db)
                runs = []
                for _ in range(args.repeats):
                    seconds, summary = timed(grid, db, args.workers)
                    if (summary.completed, summary.skipped) != (0, n):
                        raise SystemExit(f"{n} points, {name}: {summary.completed} runs made again")
                    runs.append(seconds)
                times[name] = statistics.median(runs)
            rows.append({"points": n, "fresh_s": fresh, "resume_s": times["resume"],
                         "resume_other_keys_s": times["resume, other keys"]})
    first = rows[0]
    print(f"{'points':>7} {'fresh s':>8} {'resume s':>9} {'other keys s':>13} {'ms a point':>11} "
          f"{'vs smallest':>12}")
    for row in rows:
        per_point = row["resume_other_keys_s"] / row["points"]
        row["growth"] = per_point / (first["resume_other_keys_s"] / first["points"])
        print(f"{row['points']:>7} {row['fresh_s']:>8.2f} {row['resume_s']:>9.2f} {row['resume_other_keys_s']:>13.2f} "
              f"{1000 * per_point:>11.3f} {row['growth']:>11.2f}x")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"workers": args.workers, "repeats": args.repeats, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
