"""Tests of Monte Carlo sweeps: common random numbers, executors (local
processes, threads, Dask, MPI), the SQLite database, resuming after kill -9,
refusals, and the results helpers."""
import concurrent.futures as cf
import json
import math
import os
import pathlib
import re
import shutil
import signal
import sqlite3
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

import terrasim as ts
from runs_db import finished_runs

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMALL = ROOT / "scenarios" / "dock" / "small.yaml"
DEFAULT = ROOT / "scenarios" / "dock" / "default.yaml"
PY = "/usr/bin/python3"


def two_scenarios(months=6):
    base = ts.Scenario.load(SMALL, {"months": months})
    return {"baseline": base, "policy": base.with_overrides({"mismatch_acceptance": 0.5})}


def db_content(path):
    """Everything but timings and hosts, keyed naturally (not by run_id)."""
    con = sqlite3.connect(path)
    runs = con.execute(
        "SELECT s.name, p.overrides_json, r.replicate, r.seed, r.config_sha256, r.terrasim_version, "
        "r.provenance_json FROM runs r JOIN scenarios s USING (scenario_id) JOIN parameters p USING (point_id) "
        "ORDER BY 1, 2, 3").fetchall()
    series = con.execute(
        "SELECT s.name, p.overrides_json, r.replicate, v.name, v.t, v.month, v.value FROM series v "
        "JOIN runs r USING (run_id) JOIN scenarios s USING (scenario_id) JOIN parameters p USING (point_id) "
        "ORDER BY 1, 2, 3, 4, 5").fetchall()
    scenarios = con.execute("SELECT name, model, config_sha256, config_json FROM scenarios ORDER BY name").fetchall()
    con.close()
    return runs, series, scenarios


# ---------------------------------------------------------------------------

def test_local_sweep_with_common_random_numbers(tmp_path):
    db = tmp_path / "mc.sqlite"
    summary = ts.sweep(two_scenarios(), grid={"exit_rate": [0.005, 0.01]}, replicates=3, db=db, base_seed=10,
                       workers=2, progress=False)
    assert (summary.total, summary.completed, summary.skipped) == (12, 12, 0)
    res = ts.SweepResults(db)
    runs = res.runs()
    assert len(runs) == 12
    # replicate r has seed 10 + r in every scenario and at every grid point
    assert all(runs["seed"] == 10 + runs["replicate"])
    assert list(res.points()["exit_rate"]) == [0.005, 0.01]
    # and holds exactly what a single run with that seed gives
    point = {"exit_rate": 0.01}
    direct = ts.run(two_scenarios()["policy"], {**point, "seed": 12}).series
    m = res.matrix("hires", "policy", point)
    np.testing.assert_array_equal(m.loc[2].to_numpy(), direct["hires"].to_numpy())
    assert runs["config_sha256"].str.len().eq(64).all() and runs["config_sha256"].nunique() == 12
    # a second call finds everything done and runs nothing
    again = ts.sweep(two_scenarios(), grid={"exit_rate": [0.005, 0.01]}, replicates=3, db=db, base_seed=10,
                     workers=2, progress=False)
    assert (again.completed, again.skipped) == (0, 12)
    # more replicates: only the new ones run
    more = ts.sweep(two_scenarios(), grid={"exit_rate": [0.005, 0.01]}, replicates=4, db=db, base_seed=10,
                    workers=2, progress=False)
    assert (more.completed, more.skipped) == (4, 12)


def test_any_concurrent_futures_executor_and_the_same_results(tmp_path):
    with cf.ThreadPoolExecutor(2) as pool:
        ts.sweep(two_scenarios(), replicates=3, db=tmp_path / "threads.sqlite", executor=pool, progress=False)
    ts.sweep(two_scenarios(), replicates=3, db=tmp_path / "procs.sqlite", workers=2, progress=False)
    assert db_content(tmp_path / "threads.sqlite") == db_content(tmp_path / "procs.sqlite")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_dask_local_cluster(tmp_path):
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, protocol="tcp") as cluster, \
            distributed.Client(cluster) as client:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        summary = ts.sweep(two_scenarios(), replicates=3, db=tmp_path / "dask.sqlite", executor=client,
                           progress=False)
        hosts = {h for h in ts.SweepResults(tmp_path / "dask.sqlite").runs()["host"]}
        # the command line, given the scheduler's address
        cli = subprocess.run([PY, "-m", "terrasim", "sweep", f"baseline={SMALL}", "--months", "6",
                              "--replicates", "3", "--db", str(tmp_path / "dask-cli.sqlite"),
                              "--executor", cluster.scheduler_address.replace("tcp://", "dask://"),
                              "--progress", "never"], capture_output=True, text=True, timeout=120)
        assert cli.returncode == 0, cli.stderr
    assert summary.completed == 6 and summary.workers == 2
    assert all(str(os.getpid()) != h.split(":")[1] for h in hosts)  # ran in the workers
    ts.sweep(two_scenarios(), replicates=3, db=tmp_path / "local.sqlite", workers=2, progress=False)
    assert db_content(tmp_path / "dask.sqlite") == db_content(tmp_path / "local.sqlite")
    cli_runs = db_content(tmp_path / "dask-cli.sqlite")[0]
    assert cli_runs == [r for r in db_content(tmp_path / "local.sqlite")[0] if r[0] == "baseline"]


def test_mpi_pool_executor(tmp_path):
    db = tmp_path / "mpi.sqlite"
    cmd = ["mpiexec", "--allow-run-as-root", "--oversubscribe", "-n", "3", PY, "-m", "mpi4py.futures",
           "-m", "terrasim", "sweep", f"baseline={SMALL}", "--months", "6", "--replicates", "4",
           "--grid", "exit_rate=0.005,0.01", "--db", str(db), "--executor", "mpi", "--progress", "never"]
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_btl": "self,tcp",
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = ts.SweepResults(db).runs()
    assert len(runs) == 8
    assert len({h.split(":")[1] for h in runs["host"]}) == 2  # two worker ranks
    ts.sweep({"baseline": ts.Scenario.load(SMALL, {"months": 6})}, grid={"exit_rate": [0.005, 0.01]},
             replicates=4, db=tmp_path / "local.sqlite", workers=2, progress=False)
    assert db_content(db) == db_content(tmp_path / "local.sqlite")


def test_an_mpi_sweep_from_a_script_without_a_main_guard_runs_the_script_once(tmp_path):
    # mpi4py's workers imported the caller's __main__ from their own thread, after the sweep had put it back:
    # a script without `if __name__ == "__main__":` ran again in each, and its sweep refused the database the
    # first held ("another sweep is writing ..."; MPI_ABORT).
    script = tmp_path / "script.py"
    db = tmp_path / "m.sqlite"
    script.write_text("import os, terrasim as ts\n"
                      "print('script body', os.getpid(), flush=True)\n"
                      f"s = ts.sweep({{'small': {str(SMALL)!r}}}, replicates=4, db={str(db)!r}, executor='mpi',\n"
                      "             workers=1, months=6, progress=False)\n"
                      "print('completed', s.completed, flush=True)\n", encoding="utf-8")
    env = {**os.environ, "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_btl": "self,tcp",
           "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo"}
    proc = subprocess.run(["mpiexec", "--allow-run-as-root", "--oversubscribe", "-n", "1", PY, str(script)],
                          capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("script body") == 1 and "completed 4" in proc.stdout, proc.stdout


def test_the_local_executor_starts_a_worker_per_core_this_process_may_use(tmp_path):
    # Under taskset (a Slurm allocation), a sweep started one worker per core of the machine: a simulation's
    # memory each, on cores the job did not have.
    code = ("import os, terrasim as ts\n"
            f"s = ts.sweep({{'small': {str(SMALL)!r}}}, replicates=2, db={str(tmp_path / 'a.sqlite')!r}, months=2,\n"
            "             progress=False)\n"
            "print(s.workers, len(os.sched_getaffinity(0)))\n")
    proc = subprocess.run(["taskset", "-c", "0", PY, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(ts.__file__))})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "1"], proc.stdout


def test_an_unreachable_dask_scheduler_is_an_options_error(tmp_path):
    proc = subprocess.run([PY, "-m", "terrasim", "sweep", str(SMALL), "--months", "2", "--db", str(tmp_path / "d.sqlite"),
                           "--executor", "dask://127.0.0.1:1", "--progress", "never"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("terrasim: --executor dask://127.0.0.1:1: cannot reach a Dask scheduler at "
                                  "tcp://127.0.0.1:1"), proc.stderr


def test_a_database_without_a_run_yet_says_so(tmp_path):
    # A sweep killed before its first commit leaves its tables: points() raised KeyError 'point_id', matrix()
    # "this sweep has scenarios : name one".
    db = tmp_path / "empty.sqlite"
    ts.sweep({"small": ts.Scenario.load(SMALL, {"months": 2})}, replicates=1, db=db, workers=1, progress=False)
    con = sqlite3.connect(db)
    for table in ("series", "runs", "parameters", "scenarios"):
        con.execute(f"DELETE FROM {table}")
    con.commit()
    con.close()
    res = ts.SweepResults(db)
    assert res.points().empty and res.points().index.name == "point_id"
    with pytest.raises(KeyError, match="no scenario in this sweep yet: it stopped before its first run was written"):
        res.matrix("firms")


def _sweep_cmd(db):
    return [PY, "-m", "terrasim", "sweep", f"a={DEFAULT}", f"b={SMALL}", "--months", "60", "--replicates", "8",
            "--grid", "exit_rate=0.005,0.01", "--db", str(db), "--workers", "2", "--progress", "never"]


def test_kill_9_at_any_moment_then_resume(tmp_path):
    db = tmp_path / "killed.sqlite"
    total = 2 * 2 * 8
    counts = []
    # killed three times: while starting (database being created, workers
    # spawning), then after a few runs, then later
    for wait_for in (0, 3, 12):
        proc = subprocess.Popen(_sweep_cmd(db), start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        if wait_for == 0:
            time.sleep(0.4)
        deadline = time.time() + (0 if wait_for == 0 else 120)
        while time.time() < deadline and proc.poll() is None and finished_runs(db) < wait_for:
            time.sleep(0.01)
        assert proc.poll() is None, "the sweep ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-sweep
        proc.wait()
        n = finished_runs(db)
        if n:
            con = sqlite3.connect(db)
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            # every run that is there is whole: no half-written run
            per_run = con.execute("SELECT count(*) FROM series GROUP BY run_id").fetchall()
            assert set(per_run) == {(60 * 7,)}
            con.close()
        counts.append(n)
    assert counts[0] <= counts[1] <= counts[2] < total and counts[2] > 0, counts
    done = subprocess.run(_sweep_cmd(db), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{total - counts[2]} runs done, {counts[2]} already in" in done.stderr
    clean = tmp_path / "clean.sqlite"
    subprocess.run(_sweep_cmd(clean), check=True, capture_output=True, timeout=300)
    killed, uninterrupted = db_content(db), db_content(clean)
    assert len(killed[0]) == total
    assert killed == uninterrupted


def test_resume_refuses_another_version_or_a_changed_scenario(tmp_path):
    db = tmp_path / "v.sqlite"
    ts.sweep(two_scenarios(), replicates=2, db=db, workers=1, progress=False)
    with pytest.raises(ts.SweepError, match="scenario 'policy' has changed"):
        ts.sweep({"baseline": two_scenarios()["baseline"], "policy": two_scenarios()["baseline"]}, replicates=2,
                 db=db, workers=1, progress=False)
    with pytest.raises(ts.SweepError, match="base seed"):
        ts.sweep(two_scenarios(), replicates=2, db=db, base_seed=5, workers=1, progress=False)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE meta SET value = '0.0.1' WHERE key = 'terrasim_version'")
    con.close()
    with pytest.raises(ts.SweepError, match=r"written by terrasim 0\.0\.1, and this is terrasim"):
        ts.sweep(two_scenarios(), replicates=2, db=db, workers=1, progress=False)
    cli = subprocess.run([PY, "-m", "terrasim", "sweep", f"baseline={SMALL}", "--db", str(db), "--months", "6"],
                         capture_output=True, text=True)
    assert cli.returncode == 2 and "written by terrasim 0.0.1" in cli.stderr


def test_progress_bar_on_stderr(tmp_path, capsys):
    ts.sweep(two_scenarios(3), replicates=2, db=tmp_path / "p.sqlite", workers=1, progress=True)
    err = capsys.readouterr().err
    assert "4/4 runs" in err and "runs/s" in err and "ETA" in err


def test_results_helpers(tmp_path):
    base = ts.Scenario.load(SMALL, {"months": 12})
    db = tmp_path / "r.sqlite"
    # the same configuration under two names: with common random numbers the
    # paired difference is exactly zero
    ts.sweep({"a": base, "same": base, "b": base.with_overrides({"mismatch_acceptance": 0.6})}, replicates=6,
             db=db, workers=2, progress=False)
    res = ts.SweepResults(db)
    m = res.matrix("unemployment_rate", "a")
    assert m.shape == (6, 12) and isinstance(m.columns, pd.PeriodIndex)
    fan = res.fan("unemployment_rate", "a")
    np.testing.assert_allclose(fan[0.5].to_numpy(), np.quantile(m.to_numpy(), 0.5, axis=0))
    assert (fan[0.05] <= fan[0.5]).all() and (fan[0.5] <= fan[0.95]).all() and (fan["n"] == 6).all()
    zero = res.paired_difference("unemployment_rate", "same", "a")
    assert (zero["mean"] == 0).all() and (zero["ci_low"] == 0).all() and (zero["ci_high"] == 0).all()
    diff = res.paired_difference("unemployment_rate", "b", "a")
    d = res.matrix("unemployment_rate", "b") - m
    np.testing.assert_allclose(diff["mean"].to_numpy(), d.mean().to_numpy())
    assert (diff["ci_low"] <= diff["mean"]).all() and (diff["mean"] <= diff["ci_high"]).all()
    final = m["2015-12"].to_numpy()
    threshold = float(np.median(final))
    p = res.probability_at_most("unemployment_rate", threshold, at="2015-12", scenario="a")
    assert p.n == 6 and p.p == np.mean(final <= threshold)
    assert p.ci_low <= p.p <= p.ci_high and math.isclose(p.stderr, math.sqrt(p.p * (1 - p.p) / 6))
    assert res.probability_at_most("unemployment_rate", 2.0, "2015-12", "a").p == 1.0
    with pytest.raises(KeyError):
        res.probability_at_most("unemployment_rate", 0.1, "2030-01", "a")
    long = res.to_pandas("hires")
    assert len(long) == 3 * 6 * 12 and set(long.columns) >= {"scenario", "replicate", "seed", "month", "value"}
    res.to_csv(tmp_path / "all.csv")
    assert len(pd.read_csv(tmp_path / "all.csv")) == 3 * 6 * 12 * len(res.series_names())


def test_command_line_results(tmp_path):
    db = tmp_path / "c.sqlite"
    ts.sweep(two_scenarios(), replicates=3, db=db, workers=1, progress=False)
    out = subprocess.run([PY, "-m", "terrasim", "results", str(db), "--scenario", "baseline", "--fan",
                          "--at-most", "0.2", "--at", "2015-06", "--diff", "policy", "baseline",
                          "--csv", str(tmp_path / "x.csv")], capture_output=True, text=True, check=True).stdout
    assert "2015-06" in out and "ci_low" in out and "3 runs" in out
    assert (tmp_path / "x.csv").exists()


def test_results_into_a_pipe_closed_early_end_quietly(tmp_path):
    # `terrasim results DB | head` printed BrokenPipeError's traceback (and "Exception ignored" at exit);
    # it ends now as the C++ program does, with the exit status of a SIGPIPE and nothing on stderr.
    db = tmp_path / "p.sqlite"
    ts.sweep(two_scenarios(), replicates=2, db=db, workers=1, progress=False)
    for args in (["results", str(db)], ["results", str(db), "--fan", "--series", "hires", "--scenario", "policy"]):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first line
        proc = subprocess.run([PY, "-m", "terrasim", *args], stdout=write, stderr=subprocess.PIPE, text=True)
        os.close(write)
        assert (proc.returncode, proc.stderr) == (141, ""), args


def test_the_results_examples_of_the_readme_and_the_module_run(tmp_path):
    # `python3 -m terrasim results mc.sqlite --fan unemployment_rate ...` (the module's docstring) failed:
    # "unrecognized arguments: unemployment_rate" (--fan takes no value).
    import terrasim.__main__ as main
    readme = (ROOT / "README.md").read_text()
    examples = [line.split("#")[0].split()[1:] for line in readme.splitlines() if line.startswith("terrasim results ")]
    examples += [line.split("#")[0].split()[3:] for line in main.__doc__.splitlines()
                 if line.strip().startswith("python3 -m terrasim results ")]
    assert len(examples) == 4, examples
    assert {args[1] for args in examples} == {"mc.sqlite"}, examples
    base = ts.Scenario.load(SMALL, {"months": 60})  # to 2019-12, the month of --at
    ts.sweep({name: base for name in ("baseline", "pacte", "pact")}, replicates=2, db=tmp_path / "mc.sqlite",
             workers=2, progress=False)
    for args in examples:
        proc = subprocess.run([PY, "-m", "terrasim", *args], capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, f"{' '.join(args)}: {proc.stderr}"


def test_sweep_keeps_breakdowns_and_selected_series(tmp_path):
    db = tmp_path / "b.sqlite"
    ts.sweep({"a": ts.Scenario.load(SMALL, {"months": 3})}, replicates=1, db=db, series=["hires"],
             breakdowns=True, workers=1, progress=False)
    con = sqlite3.connect(db)
    assert con.execute("SELECT DISTINCT name FROM series").fetchall() == [("hires",)]
    assert con.execute("SELECT count(*) FROM breakdowns WHERE breakdown = 'zones'").fetchone()[0] == 3 * 6 * 3
    con.close()


def test_a_script_without_a_main_guard_can_sweep(tmp_path):
    # Local worker processes are spawned; they must not run the script again.
    script = tmp_path / "plain.py"
    script.write_text(
        "import terrasim as ts\n"
        f"s = ts.sweep({{'a': ts.Scenario.load({str(SMALL)!r}, {{'months': 3}})}}, replicates=4,\n"
        f"             db={str(tmp_path / 'plain.sqlite')!r}, workers=2, progress=False)\n"
        "print('completed', s.completed)\n")
    out = subprocess.run([PY, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.count("completed 4") == 1, out.stdout + out.stderr


def test_a_sweep_of_files_whose_names_are_not_utf8_into_a_database_at_such_a_path(tmp_path):
    # Linux file names are bytes: 0xe9 is no UTF-8, and Python names it with a surrogate escape ('\udce9')
    folder = tmp_path / os.fsdecode(b"f\xe9")
    folder.mkdir()
    shutil.copy(DEFAULT, folder / "default.yaml")
    scenario = folder / os.fsdecode(b"sc\xe9.yaml")
    shutil.copy(SMALL, scenario)
    shown = os.fsencode(scenario).decode("utf-8", "backslashreplace")  # how text names it: f\xe9/sc\xe9.yaml
    for i, given in enumerate((str, os.fsencode, pathlib.Path)):
        db = folder / os.fsdecode(b"db\xe9%d.sqlite" % i)
        first = ts.sweep(given(scenario), replicates=2, months=2, db=given(db), workers=1, progress=False)
        assert (first.completed, first.db) == (2, str(db))
        resumed = ts.sweep([given(scenario)], replicates=3, months=2, db=given(db), workers=1, progress=False)
        assert (resumed.completed, resumed.skipped) == (1, 2)
        # the database's text is UTF-8: the name (the file's stem) and source with the byte as \xe9
        con = sqlite3.connect(db)
        assert con.execute("SELECT name, source FROM scenarios").fetchall() == [("sc\\xe9", shown)]
        provenance = [json.loads(p) for p, in con.execute("SELECT provenance_json FROM runs")]
        assert {p["scenario"] for p in provenance} == {shown}
        con.close()
        with ts.SweepResults(given(db)) as res:
            assert res.path == str(db)
            assert res.runs()["scenario"].tolist() == ["sc\\xe9"] * 3
            assert len(res.fan("unemployment_rate")) == 2  # months
            csv_file = folder / os.fsdecode(b"all\xe9%d.csv" % i)
            res.to_csv(given(csv_file))
            assert csv_file.stat().st_size > 0
    # refusals name the database with the byte as \xe9
    with pytest.raises(FileNotFoundError, match=re.escape(shown.replace("sc\\xe9.yaml", "no\\xe9.sqlite"))):
        ts.SweepResults(folder / os.fsdecode(b"no\xe9.sqlite"))
    (folder / os.fsdecode(b"other\xe9.sqlite")).write_bytes(b"not SQLite" * 100)
    with pytest.raises(ts.SweepError, match=r"f\\xe9/other\\xe9.sqlite: cannot open it as a sweep database"):
        ts.sweep(scenario, months=2, db=folder / os.fsdecode(b"other\xe9.sqlite"), workers=1, progress=False)
