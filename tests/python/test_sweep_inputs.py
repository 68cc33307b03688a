"""Bad input to sweeps, their databases and their results (terrasim.sweep,
terrasim.SweepResults, `python3 -m terrasim sweep / results / forecast`).

Each is refused before anything is written, with one clear message (exit
status 2 on the command line), never a traceback; settings that would mix
incomparable runs in one database are refused on resume; two sweeps never
write one database at once. Sweeps here are small: dock/small.yaml (or the
Amiens scenarios at scale 0.05), a few months, a few replicates.
"""
import json
import math
import os
import pathlib
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd
import pytest

import terrasim as ts
from terrasim.sweep import execute_run

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "dock" / "small.yaml"
DEFAULT = ROOT / "scenarios" / "dock" / "default.yaml"
AMIENS = ROOT / "scenarios" / "amiens"
PY = "/usr/bin/python3"


def cli(*args, cwd=None, timeout=180):
    """`python3 -m terrasim ARGS`: the CompletedProcess (text)."""
    return subprocess.run([PY, "-m", "terrasim", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def refused(proc, *words):
    """Exit 2, no traceback, and every word in the message."""
    assert proc.returncode == 2, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    return proc.stderr


def one_line(proc, *words):
    """Refused in one line that holds every word."""
    text = refused(proc, *words).strip()
    assert "\n" not in text, text
    return text


def quick(*args):
    """The sweep arguments that keep a command-line sweep small."""
    return [*args, "--months", 2, "-r", 1, "--workers", 1, "--progress", "never"]


def small(months=3):
    return {"a": ts.Scenario.load(SMALL, {"months": months})}


# ---------------------------------------------------------------------------
# 1. A bad grid value or seed is the scenario's error, before any database.

@pytest.mark.parametrize("args, message", [
    (["--grid", "nope=1,2"], "nope: unknown field"),
    (["--grid", "separation_rate=0.02,7"], "separation_rate: expected a number in [0, 1], found 7"),
    (["--seed", "-1"], "seed: expected an integer in [0, 9007199254740991], found -1"),
    # the last replicate's seed too
    (["--seed", "9007199254740990", "-r", "3"], "found 9007199254740992"),
])
def test_a_bad_grid_value_or_seed_exits_2_with_the_scenario_error_and_no_database(tmp_path, args, message):
    db = tmp_path / "b3.sqlite"
    err = refused(cli("sweep", SMALL, *args, "--months", 2, "--workers", 1, "--progress", "never", "--db", db),
                  message, "scenario 'small'")
    assert "pickle" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written, not even the database


def test_the_api_raises_the_scenario_error_naming_the_grid_point(tmp_path):
    db = tmp_path / "x.sqlite"
    with pytest.raises(ts.ScenarioError, match=r"scenario 'a', grid point separation_rate=7: .*found 7") as info:
        ts.sweep(small(), grid={"separation_rate": [0.02, 7]}, replicates=2, db=db, workers=1, progress=False)
    assert info.value.path == "separation_rate" and info.value.diagnostics  # still the engine's error
    assert not db.exists()


@pytest.mark.parametrize("args, label", [
    # was "--set #1" (the user's --set #1 was another override) and "overrides['separation_rate']" (a
    # Python name; terrasim run says --set #2)
    (["--set", "exit_rate=0.01", "--grid", "separation_rate=abc"],
     "scenario 'small', grid point separation_rate=abc: --grid #1:1:17: error: separation_rate"),
    (["--grid", "exit_rate=0.01", "--grid", "separation_rate=0.02,abc"],
     "grid point exit_rate=0.01, separation_rate=abc: --grid #2:1:17: error: separation_rate"),
    (["--set", "exit_rate=0.01", "--set", "separation_rate=abc"], "--set #2:1:17: error: separation_rate"),
    (["--months", "100000"], "--months:1:8: error: months: expected an integer in [1, 1200]"),
    (["--seed", "-1"], "--seed:1:6: error: seed: expected an integer"),
])
def test_a_scenario_error_names_the_sweep_option_it_came_from(tmp_path, args, label):
    err = refused(cli("sweep", SMALL, *args, "-r", 1, "--workers", 1, "--progress", "never",
                      "--db", tmp_path / "l.sqlite"), label)
    assert "overrides[" not in err and "grid[" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs, label", [
    ({"overrides": {"exit_rate": 0.01, "separation_rate": "abc"}}, "overrides['separation_rate']:1:17: error"),
    ({"overrides": ["exit_rate=0.01", "separation_rate=abc"]}, "--set #2:1:17: error"),  # a list, as --set
    ({"overrides": {"exit_rate": 0.01}, "grid": {"separation_rate": ["abc"]}},
     "grid point separation_rate=abc: grid['separation_rate']:1:17: error"),
    ({"grid": [{"exit_rate": 0.01}, {"separation_rate": "abc"}]},
     "grid point separation_rate=abc: grid[1]['separation_rate']:1:17: error"),
    ({"months": 100000}, "months:1:8: error: months"),
    ({"base_seed": -1}, "base_seed:1:6: error: seed"),
])
def test_the_api_names_the_argument_a_scenario_error_came_from(tmp_path, kwargs, label):
    with pytest.raises(ts.ScenarioError) as e:
        ts.sweep(SMALL, db=tmp_path / "l.sqlite", workers=1, progress=False, **kwargs)
    assert label in str(e.value)
    assert "--set #1" not in str(e.value) and "--grid" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_error_in_a_worker_comes_back_whole():
    """ScenarioError holds Diagnostic objects, which do not pickle: a worker sends its text instead."""
    sc = small()["a"]
    task = ((1, 1, 0), sc.to_json(-1), sc.source, ["separation_rate=7"], 1, 1, None, False)
    with pytest.raises(ts.SweepError, match="separation_rate: expected a number") as info:
        execute_run(task)
    back = pickle.loads(pickle.dumps(info.value))
    assert str(back) == str(info.value)


# ---------------------------------------------------------------------------
# 2, 3. Scenarios, grid paths or points given twice; seed or months where a sweep ignores them.

@pytest.mark.parametrize("args, message", [
    ([f"small={DEFAULT}", SMALL], "two scenarios are named 'small'"),
    ([f"a={DEFAULT}", f"a={SMALL}"], "two scenarios are named 'a'"),
    ([SMALL, SMALL], "two scenarios are named 'small'"),
    ([SMALL, "--grid", "separation_rate=0.02,0.03", "--grid", "separation_rate=0.04"],
     "--grid separation_rate: given twice"),
    ([SMALL, "--grid", "exit_rate=0.01,1e-2"], "the points exit_rate=0.01 and exit_rate=1e-2 make the same runs"),
    # spelt differently, the same runs: once two points, each run twice under two ids
    ([SMALL, "--grid", "exit_rate=0.01,.01"], "the points exit_rate=0.01 and exit_rate=.01 make the same runs"),
    ([SMALL, "--grid", "exit_rate=0,0.0"], "the points exit_rate=0 and exit_rate=0.0 make the same runs"),
    # one field under two spellings: the grid's values silently replaced the override's
    ([AMIENS / "baseline.yaml", "--set", "scale=0.05", "--set", "zones.amiens_ville.labour_force=50000",
      "--grid", "zones[0].labour_force=40000,70000"],
     "grid point zones[0].labour_force=40000 sets, in scenario 'baseline', a field that an override"),
    # one field under two spellings in two --grid: the runs depended on their order, which the database's
    # point (its sorted paths) did not keep, and a resume in the other order mixed two configurations
    ([AMIENS / "baseline.yaml", "--set", "scale=0.05", "--grid", "zones[0].labour_force=50000",
      "--grid", "zones.amiens_ville.labour_force=70000"],
     "grid (--grid): zones.amiens_ville.labour_force and zones[0].labour_force set one field of scenario "
     "'baseline' (both are zones[0].labour_force)"),
    ([SMALL, "--grid", "exit_rate=0.01,0.02", "--set", "exit_rate=0.1"],
     "exit_rate: both in the grid (--grid) and in the overrides (--set)"),
    ([SMALL, "--grid", "seed=100,200"], "grid (--grid): seed: a sweep sets the seeds itself"),
    ([SMALL, "--set", "seed=5"], "overrides (--set): seed: a sweep sets the seeds itself"),
    ([SMALL, "--grid", "months=3,6"], "grid (--grid): months: a sweep has one horizon"),
    ([SMALL, "--series", "nope"], "series (--series): nope: not recorded in scenario 'small'"),
])
def test_what_a_sweep_would_drop_or_ignore_is_refused(tmp_path, args, message):
    db = tmp_path / "d.sqlite"
    one_line(cli("sweep", *quick(*args), "--db", db), message)
    assert list(tmp_path.iterdir()) == []


def test_the_api_refuses_seed_and_months_in_the_grid(tmp_path):
    db = tmp_path / "g.sqlite"
    with pytest.raises(ValueError, match="--seed, --replicates"):
        ts.sweep(small(), grid={"seed": [100, 200]}, replicates=2, db=db, workers=1, progress=False)
    with pytest.raises(ValueError, match="seed"):
        ts.sweep(small(), grid=[{"seed": 100}], db=db, workers=1, progress=False)
    with pytest.raises(ValueError, match="seed"):
        ts.sweep(small(), overrides={"seed": 3}, db=db, workers=1, progress=False)
    with pytest.raises(ValueError, match="one horizon"):
        ts.sweep(small(), grid={"months": [2, 3]}, db=db, workers=1, progress=False)
    with pytest.raises(ValueError, match="months: given both"):
        ts.sweep(small(), months=3, overrides=["months=4"], db=db, workers=1, progress=False)
    assert not db.exists()


@pytest.mark.parametrize("grid, overrides, message", [
    ({"zones[0].x_km": [1.0], "zones.Centre.x_km": [2.0]}, None,
     "grid (--grid): zones.Centre.x_km and zones[0].x_km set one field of scenario 'a' (both are zones[0].x_km)"),
    ({"zones.0.x_km": [1.0], "zones[0].x_km": [1.0]}, None, "zones.0.x_km and zones[0].x_km set one field"),
    ([{"zones.Centre.x_km": 2.0, "zones[0].x_km": 1.0}], None, "zones.Centre.x_km and zones[0].x_km set one field"),
    ({"zones[1]": [{"name": "Nord", "x_km": 0.0, "y_km": 5.0, "worker_share": 0.15, "firm_share": 0.15}],
      "zones.Nord.y_km": [6.0]}, None,
     "grid (--grid): zones.Nord.y_km and zones[1] set one field of scenario 'a' (zones[1].y_km is within zones[1])"),
    ({"zones.Centre.x_km": [1.0]}, {"zones[0]": {"name": "Centre", "x_km": 0.5, "y_km": 0.0, "worker_share": 0.3,
                                                 "firm_share": 0.4}},
     "grid point zones.Centre.x_km=1.0 sets, in scenario 'a', a field that an override (--set zones[0]="),
])
def test_the_api_refuses_one_grid_field_under_two_spellings(tmp_path, grid, overrides, message):
    db = tmp_path / "f.sqlite"
    with pytest.raises(ValueError) as e:
        ts.sweep(small(2), grid=grid, overrides=overrides, db=db, workers=1, progress=False)
    assert message in str(e.value)
    assert not db.exists()


def test_two_fields_of_one_list_item_make_a_grid(tmp_path):
    from terrasim.sweep import _within
    assert not _within("zones[10].x_km", "zones[1]") and not _within("a.bc", "a.b")  # not one field
    db = tmp_path / "g.sqlite"
    assert ts.sweep(small(2), grid={"zones[0].x_km": [1.0], "zones.Centre.y_km": [1.0, 2.0]}, db=db, workers=1,
                    progress=False).completed == 2


def test_the_api_refuses_two_scenarios_of_one_name(tmp_path):
    # As the command line does: a made-up name ("small-2") would not say which
    # file it was, and the same file twice would run every run twice.
    db = tmp_path / "n.sqlite"
    other = tmp_path / "elsewhere" / "small.yaml"
    other.parent.mkdir()
    other.write_text(f"extends: {DEFAULT}\nworkers: 2000\nfirms: 190\n")
    for scenarios in ([SMALL, SMALL], [SMALL, other]):
        with pytest.raises(ValueError, match=r"two scenarios are named 'small' \(.*small.yaml and .*small.yaml\)"):
            ts.sweep(scenarios, months=2, db=db, workers=1, progress=False)
        assert not db.exists()
    # Named by a dict, both run.
    summary = ts.sweep({"here": SMALL, "there": other}, months=2, db=db, workers=1, progress=False)
    assert summary.completed == 2
    assert sorted(ts.SweepResults(db).scenarios().index) == ["here", "there"]


# ---------------------------------------------------------------------------
# 4. A resumed sweep keeps the series and breakdowns it was started with.

def test_resuming_with_other_series_or_breakdowns_is_refused(tmp_path):
    db = tmp_path / "s.sqlite"
    ts.sweep(small(), replicates=2, db=db, series=["hires"], workers=1, progress=False)
    meta = dict(sqlite3.connect(db).execute("SELECT key, value FROM meta"))
    assert json.loads(meta["series"]) == ["hires"] and json.loads(meta["breakdowns"]) is False
    with pytest.raises(ts.SweepError, match=r"keeps only the series hires \(--series\) of each run, and this "
                                            r"sweep would keep every series"):
        ts.sweep(small(), replicates=3, db=db, workers=1, progress=False)
    with pytest.raises(ts.SweepError, match="would keep the breakdowns"):
        ts.sweep(small(), replicates=3, db=db, series=["hires"], breakdowns=True, workers=1, progress=False)
    proc = cli("sweep", f"a={SMALL}", "--months", 3, "-r", 3, "--series", "unemployment_rate", "--db", db,
               "--workers", 1, "--progress", "never")
    one_line(proc, "--series")
    # the same settings resume (a name given twice is the same set)
    assert ts.sweep(small(), replicates=3, db=db, series=["hires", "hires"], workers=1,
                    progress=False).completed == 1
    assert (ts.SweepResults(db).fan("hires")["n"] == 3).all()


def test_resuming_runs_that_another_build_recorded_with_other_series_is_refused(tmp_path):
    # Every series is what the build that ran them recorded: a build of the same version before a series was
    # added (portal_cash, within 0.4.3) would leave runs with and without it side by side.
    db = tmp_path / "s.sqlite"
    ts.sweep(small(), replicates=2, db=db, workers=1, progress=False)
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM series WHERE name = 'hires'")  # as a build that did not record it left them
    con.close()

    def stored():
        c = sqlite3.connect(db)
        try:
            return c.execute("SELECT count(*) FROM runs").fetchone()[0], c.execute(
                "SELECT count(*) FROM series").fetchone()[0]
        finally:
            c.close()

    before = stored()
    with pytest.raises(ts.SweepError, match=r"scenario 'a': the runs of this sweep database lack the series "
                                            r"hires, which this build of terrasim \S+ records"):
        ts.sweep(small(), replicates=3, db=db, workers=1, progress=False)
    assert stored() == before
    proc = cli("sweep", f"a={SMALL}", "--months", 3, "-r", 3, "--db", db, "--workers", 1, "--progress", "never")
    one_line(proc, "lack the series hires")
    assert stored() == before
    # A series this build does not record, in the last run: refused too.
    con = sqlite3.connect(db)
    with con:
        con.execute("INSERT INTO series SELECT run_id, 'hires', t, month, value FROM series WHERE name = 'firms'")
        last = con.execute("SELECT max(run_id) FROM runs").fetchone()[0]
        con.execute("INSERT INTO series VALUES (?, 'ghost', 0, '2020-01', 1.0)", (last,))
    con.close()
    with pytest.raises(ts.SweepError, match="hold the series ghost, which this build does not record"):
        ts.sweep(small(), replicates=3, db=db, workers=1, progress=False)
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM series WHERE name = 'ghost'")
    con.close()
    assert ts.sweep(small(), replicates=3, db=db, workers=1, progress=False).completed == 1


def test_a_database_written_before_meta_kept_the_settings_is_read_from_its_runs(tmp_path):
    def legacy(path, **kw):
        ts.sweep(small(), replicates=2, db=path, workers=1, progress=False, **kw)
        con = sqlite3.connect(path)
        with con:
            con.execute("DELETE FROM meta WHERE key IN ('series', 'breakdowns')")
        con.close()

    kept = tmp_path / "kept.sqlite"
    legacy(kept, series=["hires", "firms"])
    with pytest.raises(ts.SweepError, match="keeps only the series firms, hires"):
        ts.sweep(small(), replicates=3, db=kept, workers=1, progress=False)
    assert ts.sweep(small(), replicates=3, db=kept, series=["firms", "hires"], workers=1,
                    progress=False).completed == 1
    assert json.loads(dict(sqlite3.connect(kept).execute("SELECT key, value FROM meta"))["series"]) == \
        ["firms", "hires"]  # written in
    every = tmp_path / "every.sqlite"
    legacy(every)
    with pytest.raises(ts.SweepError, match="keeps no breakdowns"):
        ts.sweep(small(), replicates=3, db=every, breakdowns=True, workers=1, progress=False)
    assert ts.sweep(small(), replicates=3, db=every, workers=1, progress=False).completed == 1


# ---------------------------------------------------------------------------
# 5. A forecast on a grid sweep's database is refused before it runs anything.

def test_a_forecast_refuses_a_grid_sweep_database_before_running(tmp_path):
    db = tmp_path / "sens.sqlite"
    small_amiens = ["--months", 3, "--set", "scale=0.05"]
    proc = cli("sweep", f"baseline={AMIENS / 'baseline.yaml'}", f"pacte={AMIENS / 'pacte.yaml'}",
               "--grid", "commuting.outside_job_finding=0.019,0.024", "-r", 2, *small_amiens, "--db", db,
               "--workers", 2, "--progress", "never", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    before = sorted(p.name for p in tmp_path.iterdir())
    proc = cli("forecast", "-r", 2, *small_amiens, "--db", db, "--no-pdf", "--workers", 2, "--progress", "never",
               cwd=tmp_path)
    one_line(proc, f"--db {db}: this sweep database holds a parameter grid",
             "commuting.outside_job_finding=0.019", "a database of its own")
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 8  # nothing run
    con.close()
    assert not [n for n in os.listdir(tmp_path) if n.startswith("forecast") or n.startswith(".forecast")]
    assert [n for n in sorted(p.name for p in tmp_path.iterdir()) if not n.startswith("sens.sqlite")] == \
        [n for n in before if not n.startswith("sens.sqlite")]


# ---------------------------------------------------------------------------
# 6. One sweep writes a database at a time.

@pytest.mark.parametrize("kwargs, message", [
    ({"max_in_flight": -1}, "max_in_flight: expected a whole number of at least 1, found -1"),
    ({"max_in_flight": 0}, "max_in_flight: expected a whole number of at least 1, found 0"),
    ({"workers": -1}, "workers (--workers): expected a whole number of at least 1, found -1"),
    ({"workers": 1.5}, "workers (--workers): expected a whole number of at least 1, found 1.5"),
    ({"threads": "x"}, "threads (--threads): expected a whole number of at least 1, found 'x'"),
    ({"threads": 0}, "threads (--threads): expected a whole number of at least 1, found 0"),
    ({"grid": {"exit_rate": []}}, "grid (--grid): no point: exit_rate has no values"),
    # was "a path of the grid has no values", naming none, and the same for a list without points
    ({"grid": {"exit_rate": [0.02], "separation_rate": []}}, "grid (--grid): no point: separation_rate has no values"),
    ({"grid": []}, "grid: no point: the list of points is empty"),
    ({"scenarios": {}}, "scenarios: none given"),  # ran "0 of 0 runs", and left an empty database
    ({"scenarios": []}, "scenarios: none given"),
    ({"months": 0}, "months (--months): expected a whole number of at least 1, found 0"),  # named "--set #1"
])
def test_the_api_refuses_bad_numbers_before_the_database(tmp_path, kwargs, message):
    # max_in_flight=-1 submitted nothing and reported every run done; workers=-1 and threads="x" failed
    # after the database was made, without naming the option.
    db = tmp_path / "n.sqlite"
    with pytest.raises(ValueError) as e:
        ts.sweep(**{"scenarios": small(2), "db": db, "progress": False, "workers": 1, **kwargs})
    assert message in str(e.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("grid, message", [
    ("exit_rate", "grid: expected a dict {path: [values]} (their product) or a list of points, each a dict "
                  "{path: value}, found 'exit_rate'"),  # was "dictionary update sequence element #0 has length 1"
    (["exit_rate=0.01"], "grid: a list of points, each a dict {path: value}, and its point 0 is 'exit_rate=0.01'"),
    (0.01, "grid: expected a dict"),
])
def test_the_api_says_what_a_grid_must_be(tmp_path, grid, message):
    with pytest.raises(TypeError) as e:
        ts.sweep(small(2), grid=grid, db=tmp_path / "t.sqlite", workers=1, progress=False)
    assert message in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_a_grid_value_that_is_a_numpy_scalar_is_one_value_as_a_python_scalar(tmp_path):
    # np.float64(0.01) raised "'numpy.float64' object is not iterable" (it has tolist, taken for an array).
    db = tmp_path / "np.sqlite"
    assert ts.sweep(small(2), grid={"exit_rate": np.float64(0.01)}, db=db, workers=1, progress=False).completed == 1
    again = ts.sweep(small(2), grid={"exit_rate": 0.01, "separation_rate": np.array([0.02, 0.03])}, db=tmp_path /
                     "np2.sqlite", workers=1, progress=False)
    assert again.total == 2
    resumed = ts.sweep(small(2), grid={"exit_rate": 0.01}, replicates=2, db=db, workers=1, progress=False)
    assert (resumed.skipped, resumed.completed) == (1, 1)  # the same point
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("records") == [{"exit_rate": 0.01}]


def test_an_empty_grid_dict_is_no_grid(tmp_path):
    # The product of no path: one point without override, as grid=None (the documentation said refused).
    db = tmp_path / "e.sqlite"
    assert ts.sweep(small(2), grid={}, db=db, workers=1, progress=False).completed == 1
    assert ts.sweep(small(2), grid=None, replicates=2, db=db, workers=1, progress=False).skipped == 1
    assert "None or ``{}``: no grid" in ts.sweep.__doc__ and "an empty grid" not in ts.sweep.__doc__


@pytest.mark.parametrize("db, message", [
    ("", "db (--db): expected a database file, found an empty name"),
    (":memory:", "db (--db): ':memory:' is SQLite's database in memory"),
    ("file:m.sqlite?mode=memory", "db (--db): 'file:m.sqlite?mode=memory': SQLite reads a name that begins with "
                                  "file: as a URI"),
])
def test_a_database_name_sqlite_keeps_nowhere_is_refused_before_running(tmp_path, monkeypatch, db, message):
    # The sweep ran, said "2 runs done" and kept nothing: SQLite takes "" for a temporary file and
    # ":memory:" for memory, and reads file: names as URIs.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as e:
        ts.sweep(small(2), replicates=2, db=db, workers=1, progress=False)
    assert message in str(e.value)
    one_line(cli("sweep", *quick(SMALL), "--db", db, cwd=tmp_path), f"terrasim: {message}")
    assert list(tmp_path.iterdir()) == []


def sweep_small(db, replicates=1, **kwargs):
    """ts.sweep of dock/small.yaml for 2 months, as `cli("sweep", *quick(SMALL))` runs it."""
    return ts.sweep({"small": SMALL}, months=2, replicates=replicates, db=db, workers=1, progress=False, **kwargs)


def test_a_point_resumed_under_another_spelling_is_the_same_point(tmp_path):
    db = tmp_path / "p.sqlite"
    first = sweep_small(db, 2, grid={"exit_rate": [0.01]})
    assert first.completed == 2
    # --grid exit_rate=.01 is YAML text (a Python ".01" is a string, which exit_rate refuses)
    again = cli("sweep", SMALL, "--months", 2, "-r", 3, "--workers", 1, "--progress", "never", "--db", db,
                "--grid", "exit_rate=.01")
    assert again.returncode == 0, again.stderr
    assert "1 runs done, 2 already in" in again.stderr  # not 3 runs of a second point
    with ts.SweepResults(db) as res:
        assert list(res.points().index) == [1]
        assert sorted(res.runs()["replicate"]) == [0, 1, 2]
    # The other way: written as the text .01 (kept as the number exit_rate reads), resumed as 0.01.
    db = tmp_path / "t.sqlite"
    assert cli("sweep", *quick(SMALL), "--db", db, "--grid", "exit_rate=.01").returncode == 0
    again = sweep_small(db, 2, grid={"exit_rate": [0.01]})
    assert (again.skipped, again.completed) == (1, 1)
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("records") == [{"exit_rate": 0.01}]


def old_keys(db, *keys):
    """Rewrites the points of database `db` as builds before the keys of _as_the_engine_reads stored them: a
    --grid value as its text (`keys`: each point's overrides, by point id from 1)."""
    con = sqlite3.connect(db)
    with con:
        for pid, key in enumerate(keys, 1):
            con.execute("UPDATE parameters SET overrides_json = ? WHERE point_id = ?",
                        (json.dumps(key, sort_keys=True, separators=(",", ":")), pid))
            con.execute("DELETE FROM parameter_values WHERE point_id = ?", (pid,))
            con.executemany("INSERT INTO parameter_values VALUES (?, ?, ?)",
                            [(pid, path, json.dumps(v)) for path, v in key.items()])
    con.close()


def no_runs(db):
    """The runs of database `db` removed: a sweep stopped before its first run finished."""
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM series")
        con.execute("DELETE FROM runs")
    con.close()


def ran_as(db, titles):
    """Every run of database `db` ran the title `titles[point_id]` (dock/small.yaml, 2 months)."""
    with ts.SweepResults(db) as res:
        assert len(res.points()) == len(titles)
        for run in res.runs().itertuples():
            expected = ts.Scenario.load(SMALL, {"months": 2, "title": titles[run.point_id], "seed": run.seed})
            assert run.config_sha256 == expected.config_sha256, (db, run)


def test_a_point_is_one_point_however_its_values_are_spelt(tmp_path):
    # A point was keyed by its values as given: title=~ from --grid was stored as the text "~", which a Python
    # "~" also is; without a finished run to say which it was, a resume as title=null made a second point (a
    # review). It is keyed by its values as the engine reads them, runs or none.
    for runs in (False, True):
        db = tmp_path / f"null-{runs}.sqlite"
        for k, spelling in enumerate(["title=~", "title=null", "title=Null", "title= ", "title=NULL"]):
            r = k + 1 if runs else 1
            proc = cli("sweep", SMALL, "--months", 2, "-r", r, "--workers", 1, "--progress", "never",
                       "--db", db, "--grid", spelling)
            assert f"1 runs done, {r - 1} already in" in proc.stderr, (runs, spelling, proc.stderr)
            with ts.SweepResults(db) as res:
                assert len(res.points()) == 1, (runs, spelling)
            if not runs:
                no_runs(db)
        if runs:
            assert sweep_small(db, 6, grid={"title": [None]}).completed == 1
        with ts.SweepResults(db) as res:
            assert res.points().to_dict("records") == [{"title": None}]
    db = tmp_path / "x.sqlite"
    for k, spelling in enumerate(["title='x'", 'title="x"', "title=x", "title=x # a comment", "title=  x  "]):
        proc = cli("sweep", SMALL, "--months", 2, "-r", k + 1, "--workers", 1, "--progress", "never", "--db", db,
                   "--grid", spelling, "--grid", "exit_rate=1e-2,.015")
        assert f"2 runs done, {2 * k} already in" in proc.stderr, (spelling, proc.stderr)
    assert sweep_small(db, 6, grid={"title": ["x"], "exit_rate": [0.01, 0.015]}).completed == 2
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("records") == [{"exit_rate": 0.01, "title": "x"},
                                                   {"exit_rate": 0.015, "title": "x"}]
        assert len(res.runs()) == 12
    # A bool, where the field is one (a title would be the text True).
    db = tmp_path / "b.sqlite"
    amiens = [AMIENS / "baseline.yaml", "--set", "scale=0.05", "--months", 2, "--workers", 1, "--progress", "never",
              "--db", db]
    for k, spelling in enumerate(["True", "true", "TRUE"]):
        proc = cli("sweep", *amiens, "-r", k + 1, "--grid", f"policies.portal.enabled={spelling},False")
        assert f"2 runs done, {2 * k} already in" in proc.stderr, (spelling, proc.stderr)
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("records") == [{"policies.portal.enabled": True},
                                                   {"policies.portal.enabled": False}]
    # What the engine reads otherwise stays another point: the title True is not the title true, nor is "~" null.
    db = tmp_path / "d.sqlite"
    assert cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=True,~").returncode == 0
    assert sweep_small(db, grid={"title": [True, "~", "True", None]}).completed == 2
    ran_as(db, {1: "True", 2: None, 3: "true", 4: "~"})


def test_a_point_an_earlier_build_keyed_by_its_text_is_found_by_its_runs(tmp_path):
    # Builds before the keys of _as_the_engine_reads stored a --grid value as its text: title=~ as the string
    # "~", which a Python "~" is too. Such a point is found by its runs (they say which it is), and without
    # any it is either (it holds nothing that could be mixed), and is keyed anew by the sweep that takes it.
    db = tmp_path / "y.sqlite"
    assert cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=~").returncode == 0
    old_keys(db, {"title": "~"})
    assert sweep_small(db, 2, grid={"title": [None]}).completed == 1  # its runs are of null: the same point
    proc = cli("sweep", SMALL, "--months", 2, "-r", 3, "--workers", 1, "--progress", "never", "--db", db,
               "--grid", "title=~")
    assert "1 runs done, 2 already in" in proc.stderr, proc.stderr
    # the title "~", written as the point of null: its runs would be taken for this one's
    with pytest.raises(ts.SweepError, match=r"grid point title=~: point 1 of this database has this text but "
                                            r"ran other configurations: the command line's --grid values are YAML"):
        sweep_small(db, 1, grid={"title": ["~"]})
    ran_as(db, {1: None})
    # Without a finished run: found all the same, under another spelling too, and keyed as the engine reads it.
    for spelling in ("title=null", "title=~"):
        db = tmp_path / f"n-{spelling[6:]}.sqlite"
        assert cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=~").returncode == 0
        old_keys(db, {"title": "~"})
        no_runs(db)
        proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", spelling)
        assert "1 runs done, 0 already in" in proc.stderr, proc.stderr
        with ts.SweepResults(db) as res:
            assert len(res.points()) == 1, spelling
            assert res.points().to_dict("records") == [{"title": None}]
        assert sweep_small(db, 1, grid={"title": ["~"]}).completed == 1  # point 2: the title "~"
        ran_as(db, {1: None, 2: "~"})
    # Either, but for one point of a sweep: the one of its text, here, and the other is another point.
    db = tmp_path / "e.sqlite"
    assert cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=~").returncode == 0
    old_keys(db, {"title": "~"})
    no_runs(db)
    assert sweep_small(db, 1, grid={"title": [None, "~"]}).completed == 2
    ran_as(db, {1: "~", 2: None})


def runs_only_of(db, point_id):
    """The runs of point `point_id` of database `db` removed: that point's sweep stopped before a run finished."""
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM series WHERE run_id IN (SELECT run_id FROM runs WHERE point_id = ?)", (point_id,))
        con.execute("DELETE FROM runs WHERE point_id = ?", (point_id,))
    con.close()


def test_a_point_with_runs_is_taken_before_one_of_the_same_configuration_without(tmp_path):
    # An earlier build's database: `--grid title=~` stopped before any run (point 1, the text "~", no runs),
    # then `--grid title=Null` made point 2 and ran it. Resumed under any spelling of null, the sweep took
    # the first point that matched, point 1, and ran everything there: two points of one configuration, the
    # runs of null split between them (a review). The point with runs is taken.
    for k, spelling in enumerate(["title=~", "title=Null", "title=null", None]):
        db = tmp_path / f"s{k}.sqlite"
        assert sweep_small(db, grid={"title": ["placeholder", None]}).completed == 2
        old_keys(db, {"title": "~"}, {"title": "Null"})
        runs_only_of(db, 1)
        if spelling is None:
            assert sweep_small(db, 2, grid={"title": [None]}).completed == 1
        else:
            proc = cli("sweep", SMALL, "--months", 2, "-r", 2, "--workers", 1, "--progress", "never", "--db", db,
                       "--grid", spelling)
            assert "1 runs done, 1 already in" in proc.stderr, (spelling, proc.stderr)
        with ts.SweepResults(db) as res:
            assert list(res.runs()["point_id"]) == [2, 2], spelling
        ran_as(db, {1: "~", 2: None})  # point 1 has no runs: it is left as it was
    # The same where the sweep's key is the text of the point without runs: a Python "~" is the title "~",
    # which point 1 (an earlier build's `--grid title=~`, no runs) may be, and point 2 (its `title='~'`) ran.
    db = tmp_path / "t.sqlite"
    assert sweep_small(db, grid={"title": ["placeholder", "~"]}).completed == 2
    old_keys(db, {"title": "placeholder"}, {"title": "'~'"})
    old_keys(db, {"title": "~"})
    runs_only_of(db, 1)
    assert sweep_small(db, 2, grid={"title": ["~"]}).completed == 1  # replicate 1 of point 2, not 2 runs of 1
    with ts.SweepResults(db) as res:
        assert list(res.runs()["point_id"]) == [2, 2]
        # Point 1, passed over, is removed, and point 2 takes its key: point 1 stayed, without runs, and
        # point={"title": "~"} found it and no run (the last session's note).
        assert res.points().to_dict("index") == {2: {"title": "~"}}
        assert len(res.matrix("unemployment_rate", point={"title": "~"})) == 2
        # What was planned at point 1 is planned at point 2 (the table planned refused to lose its point).
        assert list(res._run_counts()["point_id"]) == [2]
    ran_as(db, {2: "~"})
    # The same where another grid point (None) takes the passed-over point: its key is free, and the point
    # with the runs of "~" takes it (it kept '~', and point={"title": "~"} found nothing: a review).
    db = tmp_path / "u.sqlite"
    assert sweep_small(db, grid={"title": ["placeholder", "~"]}).completed == 2
    old_keys(db, {"title": "placeholder"}, {"title": "'~'"})
    old_keys(db, {"title": "~"})
    runs_only_of(db, 1)
    assert sweep_small(db, 2, grid={"title": ["~", None]}).completed == 3
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("index") == {1: {"title": None}, 2: {"title": "~"}}
        assert res._point_id({"title": "~"}) == 2 and res._point_id({"title": None}) == 1
    ran_as(db, {1: None, 2: "~"})


def test_two_values_that_the_engine_reads_apart_are_never_one_point(tmp_path, monkeypatch):
    # A --grid value that no plain value spelt (&a x, an anchor: the title x) was stored as its text, which is
    # the key of the string '&a x' too: on a fresh database the sweep failed on "UNIQUE constraint failed",
    # and where a point '&a x' without runs was there, both grid points were that point, the runs of either
    # filed under the other's value (a review). The anchor is now keyed as the title the engine reads, x.
    db = tmp_path / "a.sqlite"
    for grid in ["title=&a x,'&a x'", 'title=&a x,"&a x"']:  # the second was "comes twice"
        proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", grid)
        assert proc.returncode == 0, proc.stderr
        with ts.SweepResults(db) as res:
            assert res.points().to_dict("records") == [{"title": "x"}, {"title": "&a x"}]
        ran_as(db, {1: "x", 2: "&a x"})
        db.unlink()
    # Where a text is kept as it is (no value the engine reads makes its runs), two such points are refused
    # before anything runs.
    import importlib
    from terrasim.scenario import _YamlText
    sw = importlib.import_module("terrasim.sweep")
    with monkeypatch.context() as m:
        m.setattr(sw, "_candidates", lambda text, read: [])
        grid = {"title": [_YamlText("&a x"), "&a x"]}
        with pytest.raises(ValueError, match=r"the points title=&a x and title=&a x make other runs but would be "
                                             r'stored as one point, \{"title":"&a x"\}.*Give title=&a x as title="x" '):
            sweep_small(db, grid=grid, _command_line=True)
        assert not db.exists()
        assert sweep_small(db, grid={"title": ["&a x"]}).completed == 1
        no_runs(db)
        with pytest.raises(ValueError, match="would be stored as one point"):
            sweep_small(db, grid=grid, _command_line=True)
    with ts.SweepResults(db) as res:
        assert len(res.runs()) == 0 and res.points().to_dict("records") == [{"title": "&a x"}]
    # Never two grid points in one point of the database, whatever their keys.
    named = {"small": ts.Scenario.load(SMALL).with_overrides({"months": 2})}
    points = [{"title": _YamlText("&a x")}, {"title": "&a x"}]
    configs = [{"small": sw._at_point(named["small"], sw._point_overrides(p)).config_sha256} for p in points]
    con = sw._open(str(db))
    try:
        with pytest.raises(ts.SweepError, match=r"grid points title=&a x and title=&a x would both be point 1 "):
            sw._prepare(con, named, points, points, configs, 1, sw._settings(None, False))
    finally:
        sw._close(con)


def test_a_value_is_keyed_as_its_field_reads_it(tmp_path):
    # Keys were guessed from a text's spelling, by YAML's rules for plain scalars: in a string field, true and 1
    # were keyed as the bool True and the number 1, and | (a block scalar, the empty string) as "|"; the
    # points showed True, 1 and "|", and SweepResults(point={"title": "true"}) found no point (the last
    # session's note). A key is now the value the engine put in the field, of the kind the field holds.
    db = tmp_path / "k.sqlite"
    proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=true,1,|,.5", "--grid", "zones[0].name=true",
               "--grid", "exit_rate=1e-2", "--grid", "applications=2")
    assert proc.returncode == 0, proc.stderr
    titles = ["true", "1", "", ".5"]
    with ts.SweepResults(db) as res:
        points = res.points().to_dict("records")
        assert sorted(points, key=lambda p: titles.index(p["title"])) == [
            {"title": t, "zones[0].name": "true", "exit_rate": 0.01, "applications": 2} for t in titles]
        assert all(type(p["title"]) is str and type(p["applications"]) is int for p in points)
        for t in titles:
            point = {"title": t, "zones[0].name": "true", "exit_rate": 0.01, "applications": 2}
            assert len(res.matrix("unemployment_rate", point=point)) == 1
            run = res.runs().set_index("point_id").loc[res._point_id(point)]
            assert run["config_sha256"] == ts.Scenario.load(SMALL, {**point, "months": 2, "seed": 1}).config_sha256
    # The same values from Python are the same points: nothing more to run.
    summary = sweep_small(db, grid={"title": titles, "zones[0].name": ["true"], "exit_rate": [0.01],
                                    "applications": [2]})
    assert (summary.completed, summary.skipped) == (0, 4)
    # A point is found by the values a Python sweep was given too: True and 1 in a title (a review: "no grid
    # point {'title': 1}", its points listed as "title=1").
    with ts.SweepResults(db) as res:
        for given, stored in ((True, "true"), (1, "1"), (np.int64(1), "1")):
            point = {"title": given, "zones[0].name": True, "exit_rate": 0.01, "applications": 2}
            assert res._point_id(point) == res._point_id({**point, "title": stored, "zones[0].name": "true"})
            assert len(res.matrix("unemployment_rate", point=point)) == 1
        assert len({res._point_id({"title": t, "zones[0].name": "true", "exit_rate": 0.01, "applications": 2})
                    for t in titles}) == 4
        with pytest.raises(KeyError, match=r"no grid point \{'title': 2, "):
            res.matrix("unemployment_rate", point={"title": 2, "zones[0].name": True, "exit_rate": 0.01,
                                                   "applications": 2})
    # A point holding a mapping, found by the mapping in any order of its keys (the database sorts them).
    db = tmp_path / "m.sqlite"
    zone = {"x_km": 0, "name": "Centre", "y_km": 0, "worker_share": 0.3, "firm_share": 0.4}
    assert sweep_small(db, grid={"title": [1], "zones[0]": [zone]}).completed == 1
    with ts.SweepResults(db) as res:
        assert len(res.matrix("unemployment_rate", point={"title": 1, "zones[0]": zone})) == 1
    # Keys an earlier build wrote: the command line's true and 1 in a title as the bool and the number, and an
    # int past 2^53 in a number field as the double it holds. Found by the strings and the int; a title 1.0
    # (a number 1.0 before, which ran the title "1.0") is not the title 1.
    db = tmp_path / "o.sqlite"
    big = 2 ** 53 + 1
    assert ts.sweep({"b": AMIENS / "baseline.yaml"}, grid=[{"title": "true"}, {"title": "1"}, {"title": "1.0"},
                                                           {"target.threshold": big}],
                    months=1, replicates=1, db=db, workers=1, progress=False, overrides={"scale": 0.02}).completed == 4
    old_keys(db, {"title": True}, {"title": 1}, {"title": 1.0}, {"target.threshold": float(big)})
    with ts.SweepResults(db) as res:
        assert [res._point_id(p) for p in ({"title": "true"}, {"title": True}, {"title": "1"}, {"title": 1},
                                           {"title": "1.0"}, {"target.threshold": big})] == [1, 1, 2, 2, 3, 4]
        assert res._point_id({"target.threshold": 2 ** 53}) == 4  # the same double, the same runs
        for p in ({"title": 100}, {"target.threshold": float(big) + 2}):
            with pytest.raises(KeyError, match="no grid point"):
                res._point_id(p)
    # A number field's number by the double it holds (0 for 0.0), not a title's (100 is not the title 100.0,
    # which an earlier build keyed as a number).
    db = tmp_path / "n.sqlite"
    assert sweep_small(db, grid=[{"exit_rate": 0.0}, {"title": "100.0"}]).completed == 2
    old_keys(db, {"exit_rate": 0.0}, {"title": 100.0})
    with ts.SweepResults(db) as res:
        assert res._point_id({"exit_rate": 0}) == 1 and res._point_id({"title": "100.0"}) == 2
        for p in ({"exit_rate": -0.0}, {"title": 100}, {"exit_rate": "0.0"}):
            with pytest.raises(KeyError, match="no grid point"):
                res._point_id(p)
    # Where the given values may be either of two points, the message names both, and how to choose.
    db = tmp_path / "a2.sqlite"
    assert sweep_small(db, grid={"title": ["a", "b"]}).completed == 2
    old_keys(db, {"title": "true", "description": 1}, {"title": True, "description": "1"})
    with ts.SweepResults(db) as res:
        with pytest.raises(KeyError, match=r"""may be any of points 1: \{"description":1,"title":"true"\}; 2: """
                                           r"""\{"description":"1","title":true\} of this sweep, which an earlier """
                                           r"build stored under other spellings: name it by its id \(point=ID"):
            res._point_id({"title": True, "description": 1})


def test_a_values_key_hangs_on_the_value_alone(tmp_path):
    # A review of the keys read from the fields.
    import importlib
    from terrasim.scenario import _YamlText
    sw = importlib.import_module("terrasim.sweep")

    def keys(scenario, points):
        named = {"s": ts.Scenario.load(scenario)}
        configs = [{"s": sw._at_point(named["s"], sw._point_overrides(p)).config_sha256} for p in points]
        return [sw._canonical(k) for k in sw._as_the_engine_reads(named, points, configs)]
    # 2^53 + 1 in a number field, which holds 2^53: keyed 2^53 + 1 after 0 (the field had read a number as
    # given) and 2^53 (a float) before it, and so in two points of one sweep.
    big, t = 2 ** 53 + 1, "target.threshold"
    baseline = AMIENS / "baseline.yaml"
    assert keys(baseline, [{t: 0}, {t: big}]) == keys(baseline, [{t: big}, {t: 0}])[::-1] == \
        ['{"target.threshold":0}', f'{{"target.threshold":{big}}}']
    assert keys(baseline, [{t: big, "title": "a"}, {t: 0, "title": "a"}, {t: big, "title": "b"}]) == \
        [f'{{"target.threshold":{big},"title":"a"}}', '{"target.threshold":0,"title":"a"}',
         f'{{"target.threshold":{big},"title":"b"}}']
    # -00, the number -0.0, was keyed as the string "-00": 0, which it equals, does not make its runs.
    assert keys(SMALL, [{"entry_rate": _YamlText("-00")}]) == ['{"entry_rate":-0.0}']
    # NumPy: a 0-d array was kept a number in a title, and a long double raised RecursionError.
    assert keys(SMALL, [{"title": np.array(1)}, {"title": np.int64(2)}, {"title": np.longdouble(0.5)},
                        {"exit_rate": np.longdouble(0.25)}]) == \
        ['{"title":"1"}', '{"title":"2"}', '{"title":"0.5"}', '{"exit_rate":0.25}']
    with pytest.raises(TypeError, match="cannot use a value of type complex"):
        keys(SMALL, [{"exit_rate": np.clongdouble(1)}])
    # A title of 4,400 digits: past Python's limit for an int's text, where the sweep failed.
    assert keys(SMALL, [{"title": _YamlText("1" * 4400)}]) == [f'{{"title":"{"1" * 4400}"}}']
    with pytest.raises(ValueError, match=r"^title: an integer of 14,617 bits, more than any field holds"):
        sweep_small(tmp_path / "big.sqlite", grid={"title": [10 ** 4400]})
    # The command line's -0 is YAML's -0.0, as --set reads it, and 1.50 the title "1.50": JSON's reading had
    # run 0 and the title "1.5".
    db = tmp_path / "z.sqlite"
    proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", "entry_rate=-0,0", "--grid", "title=1.50")
    assert proc.returncode == 0, proc.stderr
    with ts.SweepResults(db) as res:
        points = res.points().to_dict("records")
        assert points == [{"entry_rate": 0.0, "title": "1.50"}] * 2
        assert [math.copysign(1, p["entry_rate"]) for p in points] == [-1, 1]
        for run in res.runs().itertuples():
            expected = ts.Scenario.load(SMALL, {"months": 2, "seed": 1, "title": "1.50",
                                                "entry_rate": [-0.0, 0][run.point_id - 1]})
            assert run.config_sha256 == expected.config_sha256


def test_a_sweep_reads_each_grid_value_once_and_a_resume_rebuilds_no_run(tmp_path, monkeypatch):
    # Keying the points as the engine reads them loaded every scenario once more per grid point, a resume
    # three more times to say what each stored point may be, and rebuilt its runs from their stored
    # configuration where every reading was the same: resuming 1,000 points of two Amiens scenarios took twice
    # as long as before the keys (a review). Each value is read once, the points' configurations made once.
    import importlib
    from terrasim.scenario import _YamlText
    sw = importlib.import_module("terrasim.sweep")
    calls = {}
    for name in ("scenario_with_overrides", "scenario_from_dict"):
        def counted(*args, _f=getattr(sw._core, name), _name=name, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _f(*args, **kwargs)
        monkeypatch.setattr(sw._core, name, counted)
    grid = {"exit_rate": [_YamlText(".01"), _YamlText(".02")], "title": [_YamlText(f"t {i}") for i in range(10)]}
    db = tmp_path / "c.sqlite"
    assert sweep_small(db, grid=grid, _command_line=True).completed == 20
    calls.clear()
    summary = sweep_small(db, grid=grid, _command_line=True)
    assert (summary.completed, summary.skipped) == (0, 20)
    # --months, the seed and the 20 points (_validate_runs); .01 and .02 each read once (the text and 0.01);
    # the titles need no reading, and the points are found by their keys
    assert calls == {"scenario_with_overrides": 1 + 1 + 20 + 2 * 2}
    with ts.SweepResults(db) as res:
        assert res.points().to_dict("records") == [{"exit_rate": e, "title": f"t {i}"} for e in (0.01, 0.02)
                                                   for i in range(10)]


def test_a_text_value_of_a_grid_or_an_override_is_kept_as_it_is(tmp_path):
    # Python strings were read as YAML: "null" and "" both gave the default title (refused: "the points make
    # the same runs"), "x #1" gave "x", and "Scenario B: more exits" was refused.
    db = tmp_path / "t.sqlite"
    texts = ["null", "", "x #1", "Scenario B: more exits", "  'quoted'  "]
    summary = sweep_small(db, grid={"title": texts}, overrides={"description": "# run 3"})
    assert summary.completed == len(texts)
    with ts.SweepResults(db) as res:
        assert list(res.points()["title"]) == texts
        for run in res.runs().itertuples():
            expected = ts.Scenario.load(SMALL, {"months": 2, "description": "# run 3", "seed": run.seed,
                                                "title": texts[run.point_id - 1]})
            assert run.config_sha256 == expected.config_sha256, run
    # The command line's are YAML: x #2 is the title x, and "# run 3" needs its quotes; so is x #1, which is not
    # point 3 (the title "x #1") but the point of x #2.
    proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=x #2", "--set", 'description="# run 3"')
    assert "1 runs done, 0 already in" in proc.stderr, proc.stderr
    proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", "title=x #1", "--set", 'description="# run 3"')
    assert "0 runs done, 1 already in" in proc.stderr, proc.stderr
    with ts.SweepResults(db) as res:
        assert list(res.points()["title"]) == texts + ["x"]  # as the engine reads it
        last = res.runs().iloc[-1]
        assert last["config_sha256"] == ts.Scenario.load(SMALL, {"months": 2, "description": "# run 3", "seed": 1,
                                                                 "title": "x"}).config_sha256


def test_the_command_lines_grid_and_set_values_are_yaml_as_before(tmp_path):
    db = tmp_path / "c.sqlite"
    proc = cli("sweep", *quick(SMALL), "--db", db, "--grid", "exit_rate=.01,0.02", "--grid", "title=~,x #1",
               "--set", "separation_rate=.03", "--set", "description=run # 3", "--set", "entry_rate=4e1")
    assert proc.returncode == 0, proc.stderr
    expected = {ts.Scenario.load(SMALL, ["months=2", "separation_rate=.03", "description=run # 3", "entry_rate=4e1",
                                         f"exit_rate={e}", f"title={t}", "seed=1"]).config_sha256
                for e in (".01", "0.02") for t in ("~", "x #1")}
    assert ts.Scenario.load(SMALL, {"months": 2, "separation_rate": 0.03, "description": "run", "entry_rate": 40.0,
                                    "exit_rate": 0.01, "title": None, "seed": 1}).config_sha256 in expected
    with ts.SweepResults(db) as res:
        assert set(res.runs()["config_sha256"]) == expected and set(res.runs()["seed"]) == {1}
        assert res.points().to_dict("records") == [{"exit_rate": e, "title": t} for e in (0.01, 0.02)
                                                   for t in (None, "x")]
    numbers = ts.Scenario.load(SMALL, ["separation_rate=.03", "entry_rate=4e1", "exit_rate=.01"]).config
    assert (numbers["separation_rate"], numbers["entry_rate"], numbers["exit_rate"]) == (0.03, 40.0, 0.01)


def test_a_command_line_point_of_a_quoted_string_and_yaml_text_resumes(tmp_path):
    # A --grid value in JSON quotes is a string, a bare one YAML text: a point mixing the two was read back
    # all one way or all the other, neither of which had run, and its own resume was refused (a review).
    db = tmp_path / "m.sqlite"
    for replicates in ("1", "2"):
        proc = cli("sweep", SMALL, "--set", "months=2", "-r", replicates, "--progress", "never", "--db", db,
                   "--grid", 'title="null"', "--grid", "separation_rate=.02")
        assert proc.returncode == 0, proc.stderr
    with ts.SweepResults(db) as res:
        assert len(res.runs()) == 2 and len(res.points()) == 1


def test_exports_and_runs_keep_to_the_replicates_asked_for_and_name_the_point(tmp_path):
    db = tmp_path / "e.sqlite"
    ts.sweep(small(2), grid={"exit_rate": [0.01, 0.02]}, replicates=3, db=db, workers=1, progress=False)
    with ts.SweepResults(db, replicates=2) as res:
        assert res.fan("unemployment_rate", point=1)["n"].max() == 2
        assert sorted(set(res.runs()["replicate"])) == [0, 1]  # were 0, 1, 2 beside a figure of 2 runs
        long = res.to_pandas("unemployment_rate")
        assert sorted(set(long["replicate"])) == [0, 1]
        assert set(long["point"]) == {"exit_rate=0.01", "exit_rate=0.02"}  # the CSV's points had ids only
        res.to_csv(tmp_path / "e.csv")
    header = (tmp_path / "e.csv").read_text().splitlines()[0]
    assert header == "scenario,point_id,point,replicate,seed,series,month,value"


def test_a_sweep_through_a_link_to_a_database_being_written_is_refused(tmp_path):
    # The lock was DB.lock of the path as typed: through a symbolic link, two sweeps ran every run, and
    # the second failed only when it wrote its first.
    from terrasim.sweep import SweepError, _sole_writer
    db, link = tmp_path / "s.sqlite", tmp_path / "link.sqlite"
    db.touch()
    link.symlink_to(db)
    with _sole_writer(str(db)):
        with pytest.raises(SweepError, match="another sweep is writing"):
            ts.sweep(small(2), db=link, workers=1, progress=False)


def test_a_second_sweep_on_a_database_being_written_is_refused(tmp_path):
    db = tmp_path / "c.sqlite"
    # long enough to be under way when the second starts; killed once it has been refused
    first = subprocess.Popen([PY, "-m", "terrasim", "sweep", str(DEFAULT), "--months", "1200", "-r", "2",
                              "--workers", "1", "--progress", "never", "--db", str(db)], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while not db.exists() and time.time() < deadline and first.poll() is None:
            time.sleep(0.02)
        assert db.exists() and first.poll() is None, "the first sweep did not start"
        second = cli("sweep", DEFAULT, "--months", 1200, "-r", 2, "--workers", 1, "--progress", "never", "--db", db)
        running = first.poll() is None
        one_line(second, f"another sweep is writing {db} (pid {first.pid} on ")
        assert running, "the first sweep ended before the second was refused: make it longer"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the driver and its worker
        first.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] < 2
    con.close()


def test_a_lock_left_by_a_killed_sweep_blocks_nothing_and_is_removed(tmp_path):
    db = tmp_path / "k.sqlite"
    lock = tmp_path / "k.sqlite.lock"
    lock.write_text("pid 1 on a host that died\n")  # no process holds it
    assert ts.sweep(small(), replicates=2, db=db, workers=1, progress=False).completed == 2
    assert not lock.exists()



def _tree(folder):
    """Every entry under `folder`, links not followed: {name: bytes, a link's target, or its kind}."""
    found = {}
    for path in sorted(pathlib.Path(folder).rglob("*")):
        found[str(path.relative_to(folder))] = (("link", os.readlink(path)) if path.is_symlink() else
                                                path.read_bytes() if path.is_file() else path.lstat().st_mode)
    return found


@pytest.mark.parametrize("case", ["link to a file", "dangling link", "hard link", "fifo", "another user's"])
def test_a_lock_path_that_is_not_this_users_own_file_is_refused_and_left_as_it_was(tmp_path, case):
    # DB.lock was opened following links, truncated and written ("pid N on HOST"), then removed: a link at
    # DB.lock to the user's notes.txt overwrote them, and the link was gone.
    db, lock, notes = tmp_path / "s.sqlite", tmp_path / "s.sqlite.lock", tmp_path / "notes.txt"
    notes.write_text("precious")
    why = {"link to a file": "it is a symbolic link", "dangling link": "it is a symbolic link",
           "hard link": "it has 2 names (hard links)", "fifo": "it is not a regular file",
           "another user's": "it belongs to another user (uid 65534)"}[case]
    if case == "link to a file":
        lock.symlink_to(notes)
    elif case == "dangling link":
        lock.symlink_to(tmp_path / "made.txt")
    elif case == "hard link":
        os.link(notes, lock)
    elif case == "fifo":
        os.mkfifo(lock)
    else:
        if os.geteuid() != 0:
            pytest.skip("needs root, to give a file to another user")
        lock.write_text("pid 1 on a host that died\n")
        os.chown(lock, 65534, 65534)
    before = _tree(tmp_path)
    proc = cli("sweep", SMALL, *quick("--db", db))
    one_line(proc, f"terrasim: {db}: cannot use its lock file {lock}: {why}: not a lock file of this user's, "
                   "which a lock file must be (it is written and removed); move it away")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("after", ["the preparation", "a run"])
def test_an_interrupt_once_a_commit_is_done_is_an_interrupt(tmp_path, monkeypatch, capsys, after):
    # Ctrl-C just after a COMMIT: the ROLLBACK that followed failed ("cannot rollback - no transaction is
    # active"), and the sweep said "cannot write a finished run (...)", exit 2.
    from terrasim.__main__ import main

    class Interrupted(sqlite3.Connection):
        ran = False

        def execute(self, sql, *args):
            cursor = super().execute(sql, *args)
            if sql.startswith("INSERT INTO runs"):
                self.ran = True
            if sql == "COMMIT" and (after == "the preparation" or self.ran):
                raise KeyboardInterrupt
            return cursor
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: connect(*args, factory=Interrupted, **kwargs))
    db = tmp_path / "i.sqlite"
    args = ["sweep", str(SMALL), "--months", "2", "-r", "2", "--workers", "1", "--progress", "never", "--db", str(db)]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 130 and err == "\nterrasim: interrupted\n", err
    monkeypatch.setattr(sqlite3, "connect", connect)
    kept = 1 if after == "a run" else 0  # the run committed before the interrupt
    assert sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0] == kept
    assert main(args) == 0
    assert f"{2 - kept} runs done, {kept} already in" in capsys.readouterr().err

# ---------------------------------------------------------------------------
# 7. Results: bad arguments are named.

@pytest.fixture(scope="module")
def sweep_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("results") / "r.sqlite"
    base = ts.Scenario.load(SMALL, {"months": 3})
    ts.sweep({"a": base, "b": base.with_overrides({"mismatch_acceptance": 0.6})}, replicates=3, db=db,
             workers=2, progress=False)
    return db


@pytest.mark.parametrize("kwargs, message", [
    ({"at": "2015"}, r"at \(--at\): expected a month as YYYY-MM \(e.g. 2019-12\), found '2015'"),
    ({"at": "2015-13"}, r"at \(--at\): expected a month as YYYY-MM"),
    ({"at": "2015-03-31"}, r"at \(--at\): expected a month as YYYY-MM"),
    ({"level": 1.5}, r"level: expected a confidence level between 0 and 1 \(excluded\), e.g. 0.95, found 1.5"),
    ({"level": 0}, "level: expected a confidence level"),
    ({"threshold": math.nan}, r"threshold \(--at-most\): expected a finite number, found nan"),
    ({"threshold": math.inf}, "threshold"),
    ({"threshold": "0.1"}, "threshold"),
])
def test_probability_at_most_names_a_bad_argument(sweep_db, kwargs, message):
    res = ts.SweepResults(sweep_db)
    args = {"name": "unemployment_rate", "threshold": 0.2, "at": "2015-03", "scenario": "a", **kwargs}
    with pytest.raises(ValueError, match=message):
        res.probability_at_most(**args)


def test_paired_difference_and_wilson_interval_name_a_bad_level(sweep_db):
    res = ts.SweepResults(sweep_db)
    with pytest.raises(ValueError, match="level: expected a confidence level"):
        res.paired_difference("unemployment_rate", "b", "a", level=2)
    with pytest.raises(ValueError, match="level: expected a confidence level"):
        ts.Probability.from_outcomes([True, False], level=1.0)


def test_a_nan_outcome_does_not_reach_and_a_number_but_0_or_1_is_refused():
    # Probability.from_outcomes did np.asarray(outcomes, dtype=bool): NaN and any number but 0 counted as a
    # success ([1.0, nan, 0, 0] gave 2 of 4), against the module's rule that a run with NaN does not reach.
    p = ts.Probability.from_outcomes([1.0, math.nan, 0, 0])
    assert (p.successes, p.n, p.p) == (1, 4, 0.25)
    assert ts.Probability.from_outcomes(np.array([1, 0, 1, 1])).successes == 3
    assert ts.Probability.from_outcomes([True, math.nan, 1, False]).successes == 2
    assert ts.Probability.from_outcomes(np.arange(10) < 3).successes == 3
    for bad, found in [([1.0, 0.5], "0.5"), ([1, 2], "2"), ([0, math.inf], "inf"), ([True, "x"], "'x'"),
                       (["1"], "'1'"), ([None], "None")]:
        with pytest.raises(ValueError, match=re.escape("outcomes: expected booleans, or numbers each 0, 1 or NaN "
                                                       "(a run without a value, which does not reach the target), "
                                                       f"found {found}")):
            ts.Probability.from_outcomes(bad)


def test_a_probability_is_written_with_its_exact_level_and_no_figure_that_is_not_0_as_0(sweep_db):
    # Probability's text wrote its level with {:.0%} (0.999: "100% interval", 0.975: "98%") and its figures
    # with {:.3f}: 1 success in 5,000 read "0.000 (Monte Carlo s.e. 0.000; ...)". A level whose 0.5 + level/2
    # rounds to 1 crashed in _normal_quantile ("math domain error").
    P = ts.Probability.from_outcomes
    assert str(P(np.arange(10) < 3, level=0.999)).startswith("0.300 (Monte Carlo s.e. 0.145; 99.9% interval ")
    assert "; 97.5% interval " in str(P(np.arange(10) < 3, level=0.975))
    assert str(P(np.arange(10) < 3, level=0.95)).startswith("0.300 (Monte Carlo s.e. 0.145; 95% interval ")
    # a NumPy level in its own precision: np.float32(0.95) read "94.9999988079071% interval" (a review)
    assert "; 95% interval " in str(P(np.arange(10) < 3, level=np.float32(0.95)))
    for k in (1, 4999):
        p = P(np.arange(5000) < k)
        text = str(p)
        figures = [float(x) for x in re.findall(r"\d\.\d+", text)]
        assert figures == pytest.approx([p.p, p.stderr, p.ci_low, p.ci_high], rel=0.2), text
        assert all(0 < x < 1 for x in figures), text  # none that is not 0 (or 1) is written so
    assert str(P(np.arange(5000) < 1)) == "0.00020 (Monte Carlo s.e. 0.00020; 95% interval 0.00004-0.00113; 5000 runs)"
    level = 1 - 2 ** -53
    message = re.escape(f"level: expected a confidence level between 0 and 1 (excluded), e.g. 0.95, found {level!r}, "
                        "so close to 1 that its interval's quantile is infinite")
    with pytest.raises(ValueError, match=message):
        P([True, False], level=level)
    res = ts.SweepResults(sweep_db)
    with pytest.raises(ValueError, match=message):
        res.probability_at_most("unemployment_rate", 0.2, "2015-03", "a", level=level)
    with pytest.raises(ValueError, match=message):
        res.paired_difference("unemployment_rate", "b", "a", level=level)


@pytest.mark.parametrize("point", [2.0, "2", True, [1], np.float64(1.0)])
def test_a_point_that_is_neither_an_id_nor_a_dict_is_named(sweep_db, point):
    # point=2.0, '2' or True gave TypeErrors and ValueErrors of dict() ("cannot convert dictionary update
    # sequence element #0 to a sequence"...), which named neither the argument nor what it takes.
    res = ts.SweepResults(sweep_db)
    expected = ": expected a grid point's id (a whole number, as points() lists them) or a dict of its overrides"
    with pytest.raises(ValueError, match=re.escape(f"point{expected} (e.g. {{'exit_rate': 0.01}}), found {point!r}")):
        res.fan("unemployment_rate", "a", point=point)
    with pytest.raises(ValueError, match=re.escape(f"point_b{expected}")):
        res.paired_difference("unemployment_rate", "b", "a", point_b=point)
    assert res.fan("unemployment_rate", "a", point=np.int64(1))["n"].max() == 3  # an id, as before
    assert res.fan("unemployment_rate", "a", point={})["n"].max() == 3  # its overrides, as before


def test_an_export_of_an_unknown_series_and_quantiles_that_are_not_fractions_are_named(sweep_db, tmp_path):
    # to_csv(path, name="nope") wrote an empty export, to_pandas("") gave every series, without a word; and
    # fan(quantiles=(5, 50, 95)) gave pandas' "percentiles should all be in the interval [0, 1]", naming no
    # argument.
    res = ts.SweepResults(sweep_db)
    known = "(their series: entries, exits, firms, hires, separations, unemployment_rate, vacancies)"
    with pytest.raises(KeyError, match=re.escape(f"no series 'nope' in the runs of this sweep {known}")):
        res.to_csv(tmp_path / "nope.csv", name="nope")
    assert not (tmp_path / "nope.csv").exists()
    with pytest.raises(KeyError, match=re.escape(f"no series '' in the runs of this sweep {known}")):
        res.to_pandas("")
    assert set(res.to_pandas("hires")["series"]) == {"hires"}
    for quantiles, found in [((5, 50, 95), "5 in [5, 50, 95]"), ((0.5, math.nan), "nan in [0.5, nan]"),
                             (0.5, "0.5"), ((), "()"), ("0.5", "'0.5'")]:
        with pytest.raises(ValueError, match=re.escape("quantiles: expected a sequence of numbers from 0 to 1, e.g. "
                                                       f"(0.05, 0.5, 0.95), found {found}")):
            res.fan("hires", "a", quantiles=quantiles)
    assert list(res.fan("hires", "a", quantiles=np.array([0.1, 0.9])).columns) == [0.1, 0.9, "mean", "n"]


def _altered(db, copy, sql):
    """A copy of sweep database `db` at `copy`, changed by one SQL statement, as a hand would."""
    shutil.copy(db, copy)
    con = sqlite3.connect(copy)
    with con:
        con.execute(sql)
    con.close()
    return copy


def test_a_paired_difference_of_runs_of_other_seeds_is_refused(sweep_db, tmp_path):
    # paired_difference paired the two scenarios' runs by replicate without checking that they had run with
    # the same seed (the forecast checks its database): a database whose seeds differ gave a "paired"
    # difference and its interval, of runs that share no random numbers.
    db = _altered(sweep_db, tmp_path / "s.sqlite", "UPDATE runs SET seed = 99 WHERE replicate = 1 AND scenario_id = "
                  "(SELECT scenario_id FROM scenarios WHERE name = 'b')")
    message = ("replicate 1 ran with seed 2 in scenario 'a' (grid point 1) and seed 99 in scenario 'b' (grid point 1): "
               "a paired difference pairs runs of one seed (common random numbers), and these cannot be paired")
    with ts.SweepResults(db) as res:
        with pytest.raises(ValueError, match=re.escape(message)):
            res.paired_difference("unemployment_rate", "a", "b")
        assert res.fan("unemployment_rate", "b")["n"].max() == 3  # what pairs nothing is read as before
    one_line(cli("results", db, "--diff", "a", "b"), message)
    with ts.SweepResults(sweep_db) as res:
        assert (res.paired_difference("unemployment_rate", "a", "b")["n"] == 3).all()


def test_a_database_changed_by_hand_or_of_another_layout_is_refused_naming_what(sweep_db, tmp_path):
    # A text in a value's column (SQLite keeps it) gave NaN quantiles for every month and a month gone from
    # --fan, exit 0, and a TypeError's traceback from --diff; a database of another schema version was read as
    # if it were this one's (a review).
    bad = _altered(sweep_db, tmp_path / "bad.sqlite",
                   "UPDATE series SET value = 'abc' WHERE t = 1 AND name = 'unemployment_rate' AND run_id = "
                   "(SELECT run_id FROM runs JOIN scenarios USING (scenario_id) WHERE name = 'b' AND replicate = 2)")
    where = "series 'unemployment_rate' of scenario 'b', grid point 1: replicate 2, 2015-02: the value 'abc' is " \
            "not a number (the database was changed by hand, or is damaged)"
    with ts.SweepResults(bad) as res:
        for call in (lambda: res.fan("unemployment_rate", "b"), lambda: res.paired_difference("unemployment_rate",
                                                                                               "a", "b")):
            with pytest.raises(ValueError, match=re.escape(where)):
                call()
        with pytest.raises(ValueError, match="replicate 2, 2015-02: the value 'abc' is not a number"):
            res.to_pandas()
        assert res.fan("unemployment_rate", "a")["n"].min() == 3  # the other scenario is read as before
    for args in (["--fan", "--scenario", "b"], ["--diff", "a", "b"]):
        one_line(cli("results", bad, *args), where)
    p = cli("results", bad, "--csv", tmp_path / "all.csv")
    assert p.returncode == 2 and "is not a number" in p.stderr and not (tmp_path / "all.csv").exists()
    twice = _altered(sweep_db, tmp_path / "twice.sqlite",
                     "UPDATE series SET month = '2015-01' WHERE t = 1 AND name = 'unemployment_rate'")
    with ts.SweepResults(twice) as res, pytest.raises(ValueError, match="replicate 0 has two values for 2015-01"):
        res.fan("unemployment_rate", "a")
    other = _altered(sweep_db, tmp_path / "v2.sqlite", "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="v2.sqlite: a sweep database of schema version 2; this terrasim reads "
                                         "version 1"):
        ts.SweepResults(other)


def test_the_summary_lists_every_scenario_and_point_with_its_runs_and_overrides(tmp_path):
    # `terrasim results DB` printed pandas' "Series([], )" for a sweep without runs, left out the scenarios and
    # grid points without runs, and listed a grid sweep's points by their ids alone.
    db = tmp_path / "g.sqlite"
    base = ts.Scenario.load(SMALL, {"months": 2})
    ts.sweep({"a": base, "b": base}, grid={"exit_rate": [0.01, 0.02]}, replicates=2, db=db, workers=1,
             progress=False)
    con = sqlite3.connect(db)

    def remove(where):
        with con:
            con.execute(f"DELETE FROM series WHERE run_id IN (SELECT run_id FROM runs WHERE {where})")
            con.execute(f"DELETE FROM runs WHERE {where}")
    remove("point_id = 2 AND scenario_id = (SELECT scenario_id FROM scenarios WHERE name = 'b')")
    proc = cli("results", db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"runs finished per scenario and grid point (point: its overrides) in {db}, 6 in all:",
        "scenario  point_id          point  runs",
        "       a         1 exit_rate=0.01     2",
        "       a         2 exit_rate=0.02     2",
        "       b         1 exit_rate=0.01     2",
        "       b         2 exit_rate=0.02     0"], proc.stdout
    remove("1")
    proc = cli("results", db)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"no runs yet in {db}: none of its scenarios and grid points has a finished run"
    assert [line.split() for line in lines[2:]] == [["a", "1", "exit_rate=0.01", "0"], ["a", "2", "exit_rate=0.02", "0"],
                                                    ["b", "1", "exit_rate=0.01", "0"], ["b", "2", "exit_rate=0.02", "0"]]
    for table in ("parameter_values", "parameters", "scenarios"):
        with con:
            con.execute(f"DELETE FROM {table}")
    con.close()
    proc = cli("results", db)
    assert (proc.returncode, proc.stdout) == (0, f"no runs yet in {db}, and no scenario or grid point either: the "
                                                 "sweep stopped before its first run was written; the same sweep "
                                                 "command resumes it\n"), proc.stdout + proc.stderr


def test_the_summary_lists_what_each_sweep_planned_not_every_scenario_at_every_point(tmp_path):
    # Two sweeps into one database, of other scenarios and grids: the summary listed every scenario at every
    # point, so that "b at exit_rate=0.01" read as a run not yet made, which no sweep had asked for.
    db = tmp_path / "two.sqlite"
    base = ts.Scenario.load(SMALL, {"months": 2})
    ts.sweep({"a": base}, grid={"exit_rate": [0.01, 0.02]}, replicates=1, db=db, workers=1, progress=False)
    ts.sweep({"b": base}, replicates=2, db=db, workers=1, progress=False)
    expected = [f"runs finished per scenario and grid point (point: its overrides) in {db}, 4 in all:",
                "scenario  point_id          point  runs",
                "       a         1 exit_rate=0.01     1",
                "       a         2 exit_rate=0.02     1",
                "       b         3    no override     2"]
    proc = cli("results", db)
    assert (proc.returncode, proc.stdout.splitlines()) == (0, expected), proc.stderr
    # A planned pair without runs yet is listed, with 0.
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM series WHERE run_id IN (SELECT run_id FROM runs WHERE point_id = 3)")
        con.execute("DELETE FROM runs WHERE point_id = 3")
    proc = cli("results", db)
    assert proc.stdout.splitlines() == [expected[0].replace("4 in all", "2 in all")] + expected[1:4] + [
        "       b         3    no override     0"], proc.stdout
    # A database written before the plans were kept (terrasim 0.4.6: no table planned), or one whose table
    # holds no row: every scenario at every point.
    every = [["a", "1", "1"], ["a", "2", "1"], ["a", "3", "0"], ["b", "1", "0"], ["b", "2", "0"], ["b", "3", "0"]]
    for change in ("DELETE FROM planned", "DROP TABLE planned"):
        with con:
            con.execute(change)
        proc = cli("results", db)
        assert [line.split()[:2] + line.split()[-1:] for line in proc.stdout.splitlines()[2:]] == every, change
    con.close()


def test_what_a_sweep_lacks_is_named_never_none(sweep_db):
    res = ts.SweepResults(sweep_db)
    with pytest.raises(KeyError) as info:
        res.matrix("nope", "a")
    assert "None" not in str(info.value) and "(their series: entries, exits" in str(info.value)
    with pytest.raises(KeyError, match="no scenario 'c' in this sweep"):
        res.matrix("hires", "c")
    with pytest.raises(KeyError, match=r"no grid point 7 in this sweep \(its points: 1: no override\)"):
        res.matrix("hires", "a", point=7)


# ---------------------------------------------------------------------------
# 8. Progress counts the runs of this invocation.

def test_progress_counts_only_the_runs_made_now(tmp_path, capsys):
    db = tmp_path / "p.sqlite"
    ts.sweep(small(2), replicates=2, db=db, workers=1, progress=True)
    capsys.readouterr()
    ts.sweep(small(2), replicates=4, db=db, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "2 to run of 4; 2/2 runs" in err and "elapsed" in err
    assert "4/4" not in err and "3/4" not in err
    ts.sweep(small(2), replicates=4, db=db, workers=1, progress=True)
    assert "all 4 runs already in the database" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# 9. One line naming the file or the argument, exit 2.

@pytest.fixture
def files(tmp_path):
    (tmp_path / "empty.sqlite").write_bytes(b"")
    (tmp_path / "text.sqlite").write_text("not a database\n")
    (tmp_path / "folder").mkdir()
    con = sqlite3.connect(tmp_path / "other.sqlite")
    with con:
        con.execute("CREATE TABLE notes (text)")
    con.close()
    # Other programs' databases with a table named meta, as a sweep's (key, value), or not.
    for name, script in [("app.sqlite", "INSERT INTO meta VALUES ('app', 'mytool');"), ("app-empty.sqlite", ""),
                         ("app-columns.sqlite", None)]:
        con = sqlite3.connect(tmp_path / name)
        with con:
            con.executescript("CREATE TABLE users (id, name); INSERT INTO users VALUES (1, 'a');" +
                              ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);" + script
                               if script is not None else "CREATE TABLE meta (name, version, installed);"))
        con.close()
    return tmp_path


@pytest.mark.parametrize("name, message", [
    ("empty.sqlite", "empty.sqlite: not a sweep database (it is empty)"),
    ("text.sqlite", "text.sqlite: not a sweep database (file is not a database)"),
    ("other.sqlite", "other.sqlite: not a sweep database (it has no table meta"),
    ("folder", "folder: is a folder, expected a sweep database file"),
    ("nonexist.sqlite", "nonexist.sqlite: no such sweep database"),
])
def test_results_of_what_is_not_a_sweep_database(files, name, message):
    one_line(cli("results", files / name), message)


@pytest.mark.parametrize("name, message", [
    ("nowhere/x.sqlite", "nowhere/x.sqlite: folder {tmp}/nowhere does not exist"),
    ("folder", "folder: is a folder, expected a sweep database file"),
    ("text.sqlite", "text.sqlite: cannot open it as a sweep database (file is not a database)"),
    ("other.sqlite", "other.sqlite: an SQLite database, but not a sweep database (it has no table meta, but notes)"),
    # sweep tables were created in them and WAL mode set, then "written by terrasim None" (app), or the
    # sweep's runs written in (app-empty)
    ("app.sqlite", "app.sqlite: an SQLite database, but not a sweep database (its table meta has no "
                   "schema_version or terrasim_version, but app): write the sweep to another file"),
    ("app-empty.sqlite", "app-empty.sqlite: an SQLite database, but not a sweep database (its table meta is "
                         "empty, and it has tables a sweep does not make: users)"),
    ("app-columns.sqlite", "app-columns.sqlite: an SQLite database, but not a sweep database (its table meta has "
                           "the columns name, version, installed, not key, value)"),
])
def test_a_sweep_into_what_cannot_be_a_sweep_database(files, name, message):
    before = {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()}
    one_line(cli("sweep", *quick(SMALL), "--db", files / name), message.format(tmp=files))
    assert {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()} == before  # left as they were


def test_a_sweep_stopped_before_its_first_transaction_resumes(tmp_path):
    # Its tables made and its meta still empty (killed between the two): a sweep's, not another program's.
    from terrasim.sweep import SCHEMA
    db = tmp_path / "stopped.sqlite"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA)
    con.close()
    assert ts.sweep(small(2), replicates=2, db=db, workers=1, progress=False).completed == 2


def test_a_finished_sweep_is_left_one_file_in_rollback_journal_mode(tmp_path):
    # It was left in WAL mode, which a reader who cannot write its folder cannot read (see below).
    db = tmp_path / "one.sqlite"
    ts.sweep(small(2), replicates=2, db=db, workers=1, progress=False)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    con.close()
    assert [p.name for p in tmp_path.iterdir()] == ["one.sqlite"]


def test_results_read_a_database_in_a_folder_the_reader_cannot_write(tmp_path):
    """Shared results, a read-only mount: "not a sweep database (attempt to write a readonly database)".

    A WAL database makes its -shm file when read. Root writes anywhere, so as
    root the reader is another user (nobody), in a folder it can reach."""
    as_root = os.geteuid() == 0
    folder = pathlib.Path(tempfile.mkdtemp(prefix="terrasim-ro-")) if as_root else tmp_path / "shared"
    folder.mkdir(exist_ok=True)
    reader = {"user": 65534, "group": 65534, "extra_groups": []} if as_root else {}
    try:
        folder.chmod(0o755)
        ts.sweep(small(2), replicates=2, db=folder / "done.sqlite", workers=1, progress=False)
        # as an earlier terrasim left it: WAL mode, closed (no -wal, no -shm)
        shutil.copy(folder / "done.sqlite", folder / "wal.sqlite")
        con = sqlite3.connect(folder / "wal.sqlite")
        assert con.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        con.close()
        # writes still in its -wal file, without its -shm (as copied from a sweep under way)
        con = sqlite3.connect(folder / "writing.sqlite", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        shutil.copy(folder / "writing.sqlite", folder / "pending.sqlite")
        shutil.copy(folder / "writing.sqlite-wal", folder / "pending.sqlite-wal")
        con.close()
        (folder / "writing.sqlite").unlink()
        for p in folder.iterdir():
            p.chmod(0o644)
        folder.chmod(0o555)
        before = {p.name: p.read_bytes() for p in folder.iterdir()}

        def results(name):
            return subprocess.run([PY, "-m", "terrasim", "results", str(folder / name)], capture_output=True,
                                  text=True, timeout=120, **reader)
        if as_root:
            try:
                probe = subprocess.run([PY, "-c", "import terrasim"], capture_output=True, text=True, **reader)
            except PermissionError as e:
                pytest.skip(f"running as root, and cannot run the reader as another user ({e})")
            if probe.returncode != 0:
                pytest.skip("running as root, and the user nobody cannot import terrasim from here: "
                            f"{probe.stderr.strip().splitlines()[-1:]}")
            assert subprocess.run(["touch", str(folder / "probe")], stderr=subprocess.DEVNULL,
                                  **reader).returncode != 0  # it cannot write there
        for name in ("done.sqlite", "wal.sqlite"):
            proc = results(name)
            assert proc.returncode == 0, proc.stderr
            assert proc.stdout.splitlines()[1:] == ["scenario  point_id       point  runs",
                                                    "       a         1 no override     2"], proc.stdout
        # What cannot be read says SQLite's error; it is not "not a sweep database".
        err = one_line(results("pending.sqlite"), "pending.sqlite: cannot read it (unable to open database file); "
                                                  "its writes in pending.sqlite-wal need a -shm file beside it")
        assert "not a sweep database" not in err
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing made or changed
    finally:
        folder.chmod(0o755)
        if as_root:
            shutil.rmtree(folder)


def test_bad_executor_csv_and_names_in_results(sweep_db, tmp_path):
    for command in (["sweep", *quick(SMALL), "--db", tmp_path / "e.sqlite"], ["forecast", "-r", 1, "--no-pdf"]):
        err = refused(cli(*command, "--executor", "foo", cwd=tmp_path)).strip()
        assert err.splitlines()[-1].endswith("argument --executor: expected local, mpi or dask://HOST:PORT, "
                                             "found 'foo'")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="executor"):
        ts.sweep(small(), db=tmp_path / "e.sqlite", executor="foo", progress=False)
    assert not (tmp_path / "e.sqlite").exists()
    one_line(cli("results", sweep_db, "--csv", "/nonexistent/x.csv"), "--csv /nonexistent/x.csv: cannot write it")
    for args, message in [(["--scenario", "nope", "--fan"], "no scenario 'nope' in this sweep (its scenarios: a, b)"),
                          (["--scenario", "a", "--point", 9, "--fan"], "no grid point 9 in this sweep"),
                          (["--scenario", "a", "--series", "nope", "--fan"],
                           "no series 'nope' in the runs of scenario 'a', grid point 1 (no override)"),
                          (["--scenario", "a", "--at-most", 0.1, "--at", "2015"], "at (--at): expected a month"),
                          (["--scenario", "a", "--at", "2015-03"], "--at needs --at-most")]:
        text = one_line(cli("results", sweep_db, *args), message)
        assert "None" not in text and '"' not in text
    # A question the database cannot answer writes no --csv file (it was written before the question failed).
    out = tmp_path / "all.csv"
    one_line(cli("results", sweep_db, "--at-most", 0.1, "--at", "2015-03", "--csv", out),
             "this sweep has scenarios a, b: name one")
    assert not out.exists()
    assert cli("results", sweep_db, "--scenario", "a", "--at-most", 0.1, "--at", "2015-03", "--csv", out).returncode == 0
    assert out.read_text().count("\n") > 10


def test_each_results_block_says_what_it_is_and_the_help_how_it_is_computed(sweep_db, tmp_path):
    # The blocks of `terrasim results` had no heading (which series, scenario, point, interval), the --at-most
    # line said neither its question nor how many runs had no value that month, --help said neither which
    # quantiles --fan gives nor how, nor the intervals' level and method, and --scenario with --diff alone was
    # ignored without a word.
    db = tmp_path / "n.sqlite"
    shutil.copy(sweep_db, db)
    con = sqlite3.connect(db)
    with con:  # replicate 2 of scenario a has no value in 2015-03
        con.execute("UPDATE series SET value = NULL WHERE name = 'unemployment_rate' AND month = '2015-03' AND run_id = "
                    "(SELECT run_id FROM runs JOIN scenarios USING (scenario_id) WHERE name = 'a' AND replicate = 2)")
    con.close()
    proc = cli("results", db, "--scenario", "a", "--fan", "--diff", "b", "a", "--at-most", 0.2, "--at", "2015-03")
    assert proc.returncode == 0, proc.stderr
    blocks = proc.stdout.split("\n\n")
    assert [block.splitlines()[0] for block in blocks[:2]] == [
        "unemployment_rate, scenario a, grid point 1 (no override): per month, the quantiles 0.05, 0.25, 0.5, 0.75 "
        "and 0.95 across the runs (linear interpolation between runs), their mean and n, the runs with a value",
        "unemployment_rate, b - a, grid point 1 (no override): per month, the mean paired difference over the "
        "replicates paired by seed, its standard deviation sd, n pairs, and its 95% Student t interval (ci_low, "
        "ci_high)"], proc.stdout
    at_most = blocks[2].strip()
    assert at_most.startswith("P(unemployment_rate <= 0.2 in 2015-03), scenario a, grid point 1 (no override), with "
                              "a Wilson score interval: 0.667 (Monte Carlo s.e. 0.272; 95% interval "), at_most
    assert at_most.endswith("; 3 runs); 1 of the 3 runs had no value that month (they count as not reaching it)")
    help_text = " ".join(cli("results", "--help").stdout.split())
    for words in ["Intervals are at 95%: a Student t interval over the replicates for --diff, a Wilson score interval "
                  "for --at-most", "the quantiles 0.05, 0.25, 0.5, 0.75 and 0.95 across the runs, each interpolated "
                  "linearly between the two runs around it", "a 95% Student t interval (n - 1 degrees of freedom)",
                  "with its Monte Carlo standard error and 95% Wilson score interval",
                  "--scenario without --fan or --at-most is refused"]:
        assert words in help_text, help_text
    one_line(cli("results", db, "--scenario", "a", "--diff", "b", "a"),
             "--scenario a: is the scenario of --fan and --at-most, and neither is given (--diff A B compares its own "
             "two scenarios, A and B): leave it out")
    # --point alone was ignored too: the summary and --csv gave every point, one that does not exist as well.
    for extra in ([], ["--csv", db.parent / "p.csv"]):
        one_line(cli("results", db, "--point", 7, *extra),
                 "--point 7: is the grid point of --fan, --diff and --at-most, and none is given: leave it out")
    assert not (db.parent / "p.csv").exists()


@pytest.mark.parametrize("given, target, what", [
    ("r.sqlite", "r.sqlite", "the sweep database {db} itself"),
    ("r.sqlite", "./sub/../r.sqlite", "the sweep database {db} itself"),
    ("r.sqlite", "link.sqlite", "the sweep database {db} itself"),
    ("r.sqlite", "hard.sqlite", "the sweep database {db} itself"),
    ("link.sqlite", "r.sqlite", "the sweep database {db} itself"),
    ("r.sqlite", "r.sqlite-wal", "the write-ahead log (wal file) of the sweep database {db}"),
    ("r.sqlite", "r.sqlite-journal", "the rollback journal (journal file) of the sweep database {db}"),
    ("link.sqlite", "r.sqlite-journal", "the rollback journal (journal file) of the sweep database {db}"),
    ("r.sqlite", "r.sqlite.lock", "the lock (lock file) of the sweep database {db}"),
])
def test_an_export_over_the_database_or_one_of_its_files_is_refused(sweep_db, tmp_path, given, target, what):
    # `terrasim results DB --csv DB` (or a link to it, another spelling of it, its -wal file...) overwrote the
    # sweep database with the CSV and exited 0: every run was lost. SweepResults.to_csv did the same.
    db = tmp_path / given
    shutil.copy(sweep_db, tmp_path / "r.sqlite")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.sqlite").symlink_to(tmp_path / "r.sqlite")
    os.link(tmp_path / "r.sqlite", tmp_path / "hard.sqlite")
    before = db.read_bytes()
    names = sorted(p.name for p in tmp_path.iterdir())
    err = one_line(cli("results", db, "--csv", target, cwd=tmp_path),
                   f"--csv {target}: is {what.format(db=db)}, which the export would overwrite")
    assert "write it to another file" in err
    with ts.SweepResults(db) as res:
        with pytest.raises(ValueError, match=re.escape(f"path {tmp_path / target}: is {what.format(db=db)}")):
            res.to_csv(tmp_path / target)
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == names
    assert cli("results", db, "--csv", "all.csv", cwd=tmp_path).returncode == 0  # a file of its own is written


def _children(pid):
    """The pids of the processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _started_sweep(db, workers, scenario=DEFAULT):
    """A command-line sweep long enough to be caught running, and its worker processes once running."""
    proc = subprocess.Popen([PY, "-m", "terrasim", "sweep", str(scenario), "-r", "40", "--workers", str(workers),
                             "--progress", "never", "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        # the pool's workers (spawned: their command line says spawn_main), busy with a run
        workers_now = [c for c in _children(proc.pid) if b"spawn_main" in open(f"/proc/{c}/cmdline", "rb").read()]
        if len(workers_now) == workers and os.path.exists(db):
            time.sleep(0.5)
            return proc, workers_now
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"the sweep's workers did not start: {proc.stderr.read() if proc.poll() is not None else ''}")


def test_a_sweep_killed_by_a_signal_leaves_no_worker_running(tmp_path):
    # Killed by SIGKILL (or SIGTERM), the sweep cannot stop its pool: its
    # workers ran on under init, each with a simulation's memory.
    for sig in (signal.SIGKILL, signal.SIGTERM):
        proc, workers = _started_sweep(tmp_path / f"killed-{int(sig)}.sqlite", 2)
        proc.send_signal(sig)
        proc.wait(10)
        deadline = time.time() + 10
        while time.time() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), f"workers {workers} still running after {sig!r}"


def test_an_interrupted_sweep_stops_its_runs_in_flight_rather_than_waiting_for_them(tmp_path):
    # Ctrl-C in Jupyter (SIGINT to the driver alone): the sweep waited for every run in flight, then dropped
    # their results (16 s for runs of 10 s; a review). Here each run would take minutes. Its scenario is over
    # 64 KiB (a title of 100,000 characters), as a territory of many zones may be: a task left in the pool's pipe
    # made the pool wait for ever once its workers were stopped (a second review).
    scenario = tmp_path / "long.yaml"
    scenario.write_text(f"extends: {DEFAULT}\ntitle: {'x' * 100000}\n", encoding="utf-8")
    db = tmp_path / "long.sqlite"
    proc = subprocess.Popen([PY, "-m", "terrasim", "sweep", str(scenario), "-r", "8", "--months", "1200", "--set",
                             "workers=2000000", "--workers", "2", "--progress", "never", "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    workers = []
    while time.time() < deadline and proc.poll() is None and len(workers) < 2:
        workers = [c for c in _children(proc.pid) if b"spawn_main" in open(f"/proc/{c}/cmdline", "rb").read()]
        time.sleep(0.05)
    assert len(workers) == 2, proc.stderr.read() if proc.poll() is not None else "no workers"
    time.sleep(1.0)  # the runs under way
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the interrupted sweep waited for its runs in flight")
    assert (code, proc.stderr.read()) == (130, "\nterrasim: interrupted\n")
    assert not any(_alive(w) for w in workers)
    assert sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0] == 0


@pytest.mark.parametrize("title", [None, 100000])
def test_a_worker_killed_mid_run_is_reported_with_how_to_resume(tmp_path, title):
    # With a scenario over 64 KiB (a title of 100,000 characters), a task left in the pool's pipe made the pool's
    # thread, then the sweep's exit, wait for ever (a review).
    db = tmp_path / "broken.sqlite"
    scenario = DEFAULT
    if title:
        scenario = tmp_path / "long.yaml"
        scenario.write_text(f"extends: {DEFAULT}\ntitle: {'x' * title}\n", encoding="utf-8")
    proc, workers = _started_sweep(db, 1, scenario)
    os.kill(workers[0], signal.SIGKILL)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the sweep hung after its worker was killed")
    err = proc.stderr.read()
    assert code == 2, err
    assert "Traceback" not in err, err
    assert "a worker process ended abruptly (killed, or out of memory)" in err and "the same command resumes" in err


def test_an_error_in_a_run_says_which_run_it_was(tmp_path, monkeypatch):
    # A worker's error other than a scenario's came back bare (which scenario, point and seed failed?), and
    # through an executor other than a process pool (threads, Dask, MPI) as "AttributeError: module
    # 'concurrent.futures' has no attribute 'process'": the except clause named a module nothing imported.
    import concurrent.futures as cf
    import importlib
    sweep_module = importlib.import_module("terrasim.sweep")  # the module: terrasim.sweep is the function

    def failing(task):
        raise RuntimeError("the engine failed")
    monkeypatch.setattr(sweep_module, "execute_run", failing)
    with cf.ThreadPoolExecutor(1) as pool, pytest.raises(RuntimeError, match="the engine failed") as e:
        ts.sweep({"a": ts.Scenario.load(SMALL, {"months": 2})}, grid={"exit_rate": [0.01]}, replicates=1,
                 db=tmp_path / "f.sqlite", executor=pool, progress=False)
    note = " ".join(getattr(e.value, "__notes__", []))
    assert f"in the run of {SMALL}, grid point exit_rate=0.01, replicate 0 (seed 1)" in note, note
    assert "the runs finished so far (0 of 1) are kept in" in note and "the same command resumes" in note


def test_the_runs_that_finished_beside_a_failed_one_are_kept(tmp_path, monkeypatch):
    # A failed run's batch: the runs that had finished with it were dropped, and run again on resume.
    import concurrent.futures as cf
    import importlib
    sweep_module = importlib.import_module("terrasim.sweep")
    real = sweep_module.execute_run

    def second_fails(task):
        if task[4] == 2:  # seed 2: replicate 1
            raise RuntimeError("the engine failed")
        return real(task)

    class AtOnce(cf.Executor):  # every run finished when submitted: one batch
        def submit(self, fn, *args, **kwargs):
            future = cf.Future()
            try:
                future.set_result(fn(*args, **kwargs))
            except Exception as e:
                future.set_exception(e)
            return future
    monkeypatch.setattr(sweep_module, "execute_run", second_fails)
    db = tmp_path / "b.sqlite"
    with pytest.raises(RuntimeError, match="the engine failed") as e:
        ts.sweep(small(2), replicates=8, db=db, executor=AtOnce(), progress=False)
    assert "the runs finished so far (7 of 8) are kept" in " ".join(e.value.__notes__)
    with ts.SweepResults(db) as res:  # before, those the batch's set of futures gave after the failed one
        assert sorted(res.runs()["replicate"]) == [0, 2, 3, 4, 5, 6, 7]


def test_results_take_a_numpy_count_of_replicates_as_sweep_does(tmp_path):
    db = tmp_path / "i.sqlite"
    ts.sweep(small(2), replicates=np.int64(3), db=db, workers=1, progress=False)
    with ts.SweepResults(db, replicates=np.int64(2)) as res:  # was "expected a whole number ..., found 2"
        assert res.replicates == 2 and res.fan("unemployment_rate")["n"].max() == 2


def test_an_override_that_renames_an_item_goes_with_a_grid(tmp_path):
    # The check of the grid's fields applied the overrides to a scenario that already had them: a rename
    # by name (zones.Centre.name=Middle) then found no item named Centre, and a valid sweep was refused.
    base = ts.Scenario.load(SMALL, {"months": 2})
    summary = ts.sweep({"a": base}, grid={"exit_rate": [0.01, 0.02]}, overrides={"zones.Centre.name": "Middle"},
                       replicates=1, db=tmp_path / "r.sqlite", workers=1, progress=False)
    assert summary.total == 2
    # A grid path into the renamed item, by its new name, is the field the override's path is within.
    with pytest.raises(ValueError, match="grid point .* sets, in scenario 'a', a field that an override"):
        ts.sweep({"a": base}, grid={"zones.Middle.name": ["Other"]}, overrides={"zones.Centre.name": "Middle"},
                 replicates=1, db=tmp_path / "s.sqlite", workers=1, progress=False)
    assert not (tmp_path / "s.sqlite").exists()


def test_a_lock_file_this_process_makes_is_its_own_whoever_the_file_system_says_owns_it(tmp_path, monkeypatch):
    # On a share that gives new files another owner (NFS's root_squash, a CIFS mount's uid=), the lock file a
    # sweep had just made was refused as another user's ("move it away"), and left behind to refuse every
    # later sweep. Such a share is mimicked by an effective uid that no file here has.
    from terrasim.sweep import exclusive_lock
    lock = tmp_path / "s.sqlite.lock"
    monkeypatch.setattr(os, "geteuid", lambda: 4242)

    def fail(*args):
        raise AssertionError(args)
    with exclusive_lock(str(lock), fail, fail):
        assert lock.read_text().startswith(f"pid {os.getpid()} on ")
    assert not lock.exists()
    # One it finds there, made by someone else, is still judged by its owner.
    lock.write_text("pid 1 on a host that died\n")
    with pytest.raises(OSError, match=r"it belongs to another user \(uid \d+\)"):
        with exclusive_lock(str(lock), fail, lambda e: e):
            pass
    assert lock.read_text() == "pid 1 on a host that died\n"


def test_a_points_paths_make_one_configuration_in_whatever_order_they_are_given(tmp_path):
    # Applied in the order given, a point that renames list items and looks one up by name set another field in
    # another order: zones.Centre.x_km=30 last moved the zone renamed Centre, first the zone named Centre at the
    # start. Both orders are one point of the database, and both ran under it. Now they are applied sorted, as
    # the database keys the point, whatever their order.
    db = tmp_path / "order.sqlite"
    given = [{"zones[0].name": "Nord", "zones[1].name": "Centre", "zones.Centre.x_km": 30},
             {"zones.Centre.x_km": 30, "zones[0].name": "Nord", "zones[1].name": "Centre"}]
    base = ts.Scenario.load(SMALL)
    orders = [base.with_overrides([f"{k}={v}" for k, v in point.items()] + ["seed=1"]) for point in given]
    assert orders[0].config_sha256 != orders[1].config_sha256  # the two orders are other configurations
    for point, replicates in zip(given, (1, 2)):
        ts.sweep(SMALL, [point], replicates=replicates, db=db, months=2, workers=1, progress=False)
    sorted_overrides = ["months=2", "zones.Centre.x_km=30", "zones[0].name=Nord", "zones[1].name=Centre"]
    con = sqlite3.connect(db)
    runs = con.execute("SELECT point_id, seed, config_sha256 FROM runs ORDER BY seed").fetchall()
    con.close()
    assert [(point, seed) for point, seed, _ in runs] == [(1, 1), (1, 2)]
    for _, seed, config in runs:
        assert config == base.with_overrides(sorted_overrides + [f"seed={seed}"]).config_sha256


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_command_line_grid_value_json_would_read_as_a_constant_is_yaml_text(tmp_path, text):
    # json.loads read NaN and Infinity (no JSON) as floats: --grid title=NaN ran the title .nan where --set
    # title=NaN is NaN, and the database stored {"title":NaN}, which no JSON reader takes; 1e999 became .inf.
    db = tmp_path / "c.sqlite"
    proc = cli("sweep", SMALL, "--grid", f"title={text}", "-r", 1, "--months", 2, "--db", db, "--progress", "never")
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(db)
    [(stored,)] = con.execute("SELECT overrides_json FROM parameters").fetchall()
    con.close()

    def strict(constant):
        raise ValueError(constant)
    assert json.loads(stored, parse_constant=strict) == {"title": text}  # the title the engine reads
    assert ts.Scenario.load(SMALL).with_overrides([f"title={text}"]).config["title"] == text
