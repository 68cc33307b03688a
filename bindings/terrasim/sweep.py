"""Monte Carlo sweeps: scenarios x a parameter grid x replicates, into one SQLite file.

Common random numbers: replicate ``r`` runs with seed ``base_seed + r`` in
every scenario and at every grid point, so that differences between them
are paired. Runs execute wherever a ``concurrent.futures``-style executor
puts them (local processes by default, a Dask ``Client``, an
``mpi4py.futures.MPIPoolExecutor``...); workers return their results and the
driving process alone writes the database, one transaction per run.

A sweep interrupted at any moment (Ctrl-C, kill -9, a lost node) and started
again with the same arguments resumes: finished runs are skipped, and the
final database holds the same results as an uninterrupted sweep. Resuming
refuses when the database was written by another terrasim version or when a
scenario of the same name now has another configuration hash.

Database schema (``SCHEMA`` below; all text in UTF-8):

- ``meta(key, value)``: ``schema_version``, ``terrasim_version``, ``base_seed``.
- ``scenarios(scenario_id, name, source, model, title, start, months,
  config_sha256, config_json)``: each scenario's frozen configuration.
- ``parameters(point_id, overrides_json)``: one row per grid point, its
  overrides as a JSON object ``{"path": value}`` (``{}``: no override);
  ``parameter_values(point_id, path, value_json)``: the same, one row per path.
- ``runs(run_id, scenario_id, point_id, replicate, seed, config_sha256,
  terrasim_version, provenance_json, seconds, host, finished_at)``: one row
  per finished run (unique on scenario, point, replicate); ``seconds`` is
  the run's time in its worker.
- ``series(run_id, name, t, month, value)``: every monthly value.
- ``breakdowns(run_id, breakdown, category, column, t, value)``: only when
  the sweep keeps breakdowns.
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import itertools
import json
import multiprocessing
import os
import socket
import sqlite3
import sys
import time
import types
from collections.abc import Mapping
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from .scenario import Overrides, Scenario, ScenarioLike, _plain, format_override_value, override_list

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scenarios (
  scenario_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, source TEXT NOT NULL, model TEXT NOT NULL,
  title TEXT NOT NULL, start TEXT NOT NULL, months INTEGER NOT NULL,
  config_sha256 TEXT NOT NULL, config_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parameters (point_id INTEGER PRIMARY KEY, overrides_json TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS parameter_values (
  point_id INTEGER NOT NULL REFERENCES parameters, path TEXT NOT NULL, value_json TEXT NOT NULL,
  PRIMARY KEY (point_id, path));
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY, scenario_id INTEGER NOT NULL REFERENCES scenarios,
  point_id INTEGER NOT NULL REFERENCES parameters, replicate INTEGER NOT NULL, seed INTEGER NOT NULL,
  config_sha256 TEXT NOT NULL, terrasim_version TEXT NOT NULL, provenance_json TEXT NOT NULL,
  seconds REAL, host TEXT, finished_at TEXT,
  UNIQUE (scenario_id, point_id, replicate));
CREATE TABLE IF NOT EXISTS series (
  run_id INTEGER NOT NULL REFERENCES runs, name TEXT NOT NULL, t INTEGER NOT NULL, month TEXT NOT NULL,
  value REAL, PRIMARY KEY (run_id, name, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS breakdowns (
  run_id INTEGER NOT NULL REFERENCES runs, breakdown TEXT NOT NULL, category TEXT NOT NULL,
  "column" TEXT NOT NULL, t INTEGER NOT NULL, value REAL,
  PRIMARY KEY (run_id, breakdown, category, "column", t)) WITHOUT ROWID;
"""


class SweepError(RuntimeError):
    """A sweep that cannot run or resume (the message says why)."""


@dataclasses.dataclass
class SweepSummary:
    db: str
    total: int             # runs in the sweep
    skipped: int           # found finished in the database
    completed: int         # run now
    wall_seconds: float
    run_seconds: float     # sum of the runs' times in their workers
    db_seconds: float      # time spent writing the database
    workers: Optional[int]

    @property
    def efficiency(self) -> Optional[float]:
        """Sum of run times / (wall time x workers)."""
        if not self.workers or not self.wall_seconds:
            return None
        return self.run_seconds / (self.wall_seconds * self.workers)


# ---------------------------------------------------------------------------
# What workers run. Top-level and picklable, for every kind of executor.

def execute_run(task: Tuple) -> Dict[str, Any]:
    """Runs one simulation; returns plain data (never touches the database)."""
    key, config_json, source, overrides, seed, threads, series_names, keep_breakdowns = task
    t0 = time.perf_counter()
    scenario = _core.scenario_from_dict(json.loads(config_json), list(overrides) + [f"seed={seed}"], source)
    sim = _core.Simulation(scenario, threads)
    sim.run(-1, None, False)
    rec = sim.recorder
    names = series_names or list(rec.series_names)
    result = {
        "key": key,
        "config_sha256": scenario.config_sha256,
        "provenance": dict(sim.provenance()),
        "labels": list(rec.labels),
        "series": {name: np.array(rec.series_view(name)) for name in names},
        "breakdowns": {},
        "host": f"{socket.gethostname()}:{os.getpid()}",
    }
    if keep_breakdowns:
        for b in rec.breakdown_names:
            label, categories, columns = rec.breakdown_info(b)
            result["breakdowns"][b] = (list(categories), list(columns), np.array(rec.breakdown_view(b)))
    result["seconds"] = time.perf_counter() - t0
    return result


# ---------------------------------------------------------------------------
# Grid and scenarios.

def grid_points(grid: Union[None, Mapping[str, Sequence[Any]], Sequence[Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """``{"a": [1, 2], "b": [x]}`` -> the product as dicts; a list of dicts is taken as is; None -> [{}]."""
    if grid is None:
        return [{}]
    if isinstance(grid, Mapping):
        paths = list(grid)
        values = [list(grid[p]) if isinstance(grid[p], (list, tuple, range)) or hasattr(grid[p], "tolist")
                  else [grid[p]] for p in paths]
        return [dict(zip(paths, combo)) for combo in itertools.product(*values)]
    return [dict(point) for point in grid]


def named_scenarios(scenarios: Union[ScenarioLike, Sequence[ScenarioLike], Mapping[str, ScenarioLike]],
                    overrides: Overrides = None) -> Dict[str, Scenario]:
    """Names for the scenarios: the keys of a dict, else file stems (or titles)."""
    if isinstance(scenarios, Mapping) and "model" in scenarios:  # a single scenario document
        scenarios = [scenarios]
    if isinstance(scenarios, (str, os.PathLike, Scenario)):
        scenarios = [scenarios]
    items = list(scenarios.items()) if isinstance(scenarios, Mapping) else [(None, s) for s in scenarios]
    out: Dict[str, Scenario] = {}
    for name, spec in items:
        sc = Scenario.coerce(spec, overrides)
        if name is None:
            if isinstance(spec, (str, os.PathLike)):
                name = os.path.splitext(os.path.basename(os.fspath(spec)))[0]
            elif isinstance(spec, Scenario) and spec.source not in ("<dict>", "<checkpoint>"):
                name = os.path.splitext(os.path.basename(spec.source))[0]
            else:
                name = sc.title
        base, k = name, 2
        while name in out:
            name, k = f"{base}-{k}", k + 1
        out[str(name)] = sc
    return out


def _canonical(point: Mapping[str, Any]) -> str:
    return json.dumps(_plain(dict(point)), sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------
# The database.

def _connect(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, timeout=60)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against a killed process
    con.execute("PRAGMA foreign_keys=ON")
    return con


def _prepare(con: sqlite3.Connection, scenarios: Dict[str, Scenario], points: List[Dict[str, Any]],
             base_seed: int) -> Tuple[Dict[str, int], List[int]]:
    """Creates or checks the database; returns scenario ids and point ids."""
    version = _core.__version__
    con.executescript(SCHEMA)  # idempotent; executescript commits, so before the transaction
    con.execute("BEGIN IMMEDIATE")
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        if meta:
            if meta.get("terrasim_version") != version:
                raise SweepError(
                    f"this sweep database was written by terrasim {meta.get('terrasim_version')}, and this is "
                    f"terrasim {version}: results of two versions cannot be mixed. Resume with terrasim "
                    f"{meta.get('terrasim_version')}, or write to a new database.")
            if meta.get("schema_version") != SCHEMA_VERSION:
                raise SweepError(f"this sweep database has schema version {meta.get('schema_version')}, "
                                 f"expected {SCHEMA_VERSION}")
            if int(meta.get("base_seed", base_seed)) != base_seed:
                raise SweepError(f"this sweep database was started with base seed {meta['base_seed']}, "
                                 f"not {base_seed}: resume with the same seed, or write to a new database")
        else:
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("schema_version", SCHEMA_VERSION), ("terrasim_version", version),
                             ("base_seed", str(base_seed))])
        scenario_ids = {}
        for name, sc in scenarios.items():
            row = con.execute("SELECT scenario_id, config_sha256 FROM scenarios WHERE name = ?", (name,)).fetchone()
            if row:
                if row[1] != sc.config_sha256:
                    raise SweepError(
                        f"scenario {name!r} has changed since this sweep database was written (its configuration "
                        f"hash was {row[1][:16]}..., it is now {sc.config_sha256[:16]}...): resuming would mix "
                        f"results of two scenarios. Restore the scenario, or write to a new database.")
                scenario_ids[name] = row[0]
            else:
                cur = con.execute(
                    "INSERT INTO scenarios (name, source, model, title, start, months, config_sha256, config_json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, sc.source, sc.model, sc.title, sc.start, sc.months, sc.config_sha256, sc.to_json(-1)))
                scenario_ids[name] = cur.lastrowid
        point_ids = []
        for point in points:
            text = _canonical(point)
            row = con.execute("SELECT point_id FROM parameters WHERE overrides_json = ?", (text,)).fetchone()
            if row:
                point_ids.append(row[0])
                continue
            cur = con.execute("INSERT INTO parameters (overrides_json) VALUES (?)", (text,))
            con.executemany("INSERT INTO parameter_values VALUES (?, ?, ?)",
                            [(cur.lastrowid, path, json.dumps(_plain(v))) for path, v in point.items()])
            point_ids.append(cur.lastrowid)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return scenario_ids, point_ids


def _commit(con: sqlite3.Connection, result: Dict[str, Any], seed: int) -> None:
    scenario_id, point_id, replicate = result["key"]
    labels = result["labels"]
    ts = range(len(labels))
    con.execute("BEGIN IMMEDIATE")
    try:
        cur = con.execute(
            "INSERT INTO runs (scenario_id, point_id, replicate, seed, config_sha256, terrasim_version, "
            "provenance_json, seconds, host, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (scenario_id, point_id, replicate, seed, result["config_sha256"], _core.__version__,
             json.dumps(result["provenance"]), result["seconds"], result["host"],
             time.strftime("%Y-%m-%dT%H:%M:%S")))
        run_id = cur.lastrowid
        con.executemany(
            "INSERT INTO series VALUES (?, ?, ?, ?, ?)",
            [(run_id, name, t, month, value)
             for name, values in result["series"].items()
             for t, month, value in zip(ts, labels, values.tolist())])
        for b, (categories, columns, values) in result["breakdowns"].items():
            con.executemany(
                "INSERT INTO breakdowns VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, b, cat, col, t, float(values[t, i, j]))
                 for t in range(values.shape[0]) for i, cat in enumerate(categories)
                 for j, col in enumerate(columns)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# ---------------------------------------------------------------------------
# Progress on stderr.

class _Progress:
    def __init__(self, total: int, enabled: bool, stream=None):
        self.total, self.enabled = total, enabled
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.last = -1.0
        self.done = 0

    def __call__(self, done: int, final: bool = False) -> None:
        self.done = done
        if not self.enabled:
            return
        now = time.perf_counter()
        if not final and now - self.last < 0.25:
            return
        self.last = now
        elapsed = now - self.t0
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else float("nan")
        width = 24
        filled = int(width * done / self.total) if self.total else width
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if left == left else "--:--:--"
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} runs, "
                          f"{rate:.1f} runs/s, {'elapsed ' + _hms(elapsed) if final else 'ETA ' + eta}   ")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _hms(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


# ---------------------------------------------------------------------------
# Executors.

def _resolve_executor(executor: Any, workers: Optional[int]):
    """(concurrent.futures executor, owned?, worker count or None)."""
    if executor is None or executor == "local" or executor == "processes":
        n = workers or os.cpu_count() or 1
        # spawn: the parent may hold TBB threads, which fork does not copy.
        return cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn")), True, n
    if executor == "mpi":
        from mpi4py.futures import MPIPoolExecutor
        pool = MPIPoolExecutor(max_workers=workers) if workers else MPIPoolExecutor()
        return pool, True, workers or _mpi_workers()
    if type(executor).__name__ == "Client" and hasattr(executor, "get_executor"):  # dask.distributed
        n = len(executor.scheduler_info().get("workers", {})) or None
        return executor.get_executor(pure=False), False, n
    if hasattr(executor, "submit"):
        n = getattr(executor, "_max_workers", None) or workers
        return executor, False, n
    raise TypeError(f"executor: expected None, 'local', 'mpi', a dask Client or a concurrent.futures executor, "
                    f"found {executor!r}")


def _mpi_workers() -> Optional[int]:
    try:
        from mpi4py import MPI
        size = MPI.COMM_WORLD.Get_size()
        return size - 1 if size > 1 else None
    except Exception:  # pragma: no cover
        return None


# ---------------------------------------------------------------------------

def sweep(scenarios: Union[ScenarioLike, Sequence[ScenarioLike], Mapping[str, ScenarioLike]],
          grid: Union[None, Mapping[str, Sequence[Any]], Sequence[Mapping[str, Any]]] = None,
          replicates: int = 1,
          db: Union[str, os.PathLike] = "sweep.sqlite", *,
          executor: Any = None, workers: Optional[int] = None, base_seed: int = 1,
          months: Optional[int] = None, overrides: Overrides = None,
          series: Optional[Sequence[str]] = None, breakdowns: bool = False, threads: int = 1,
          progress: Union[bool, str] = "auto", max_in_flight: Optional[int] = None) -> SweepSummary:
    """Runs every scenario x grid point x replicate not already in `db`.

    scenarios: a path, dict or Scenario, a list of them (named by file stem)
      or a dict name -> scenario.
    grid: ``{"path": [values...]}`` (their product) or a list of override dicts.
    replicates: replicate r uses seed ``base_seed + r`` everywhere (common
      random numbers).
    executor: None or "local" (a process per core), "mpi" (MPIPoolExecutor),
      a dask ``distributed.Client``, or any concurrent.futures executor.
    months, overrides: applied to every scenario before hashing.
    series: names of the series to keep (default: all).
    Returns a :class:`SweepSummary`; the results are in `db` (see
    :class:`terrasim.results.SweepResults`).
    """
    if replicates < 1:
        raise ValueError("replicates: expected at least 1")
    extra = dict(override_list_to_dict(overrides))
    if months is not None:
        extra["months"] = months
    named = {name: sc.with_overrides(extra) for name, sc in named_scenarios(scenarios).items()}
    points = grid_points(grid)
    db = os.fspath(db)
    t_start = time.perf_counter()
    con = _connect(db)
    try:
        scenario_ids, point_ids = _prepare(con, named, points, base_seed)
        done = set(con.execute("SELECT scenario_id, point_id, replicate FROM runs"))
        tasks = []
        for name, sc in named.items():
            config_json = sc.to_json(-1)
            for point, pid in zip(points, point_ids):
                ov = [f"{path}={format_override_value(v)}" for path, v in point.items()]
                for r in range(replicates):
                    key = (scenario_ids[name], pid, r)
                    if key not in done:
                        tasks.append((key, config_json, sc.source, ov, base_seed + r, threads,
                                      list(series) if series else None, breakdowns))
        total = len(named) * len(points) * replicates
        skipped = total - len(tasks)
        show = progress if isinstance(progress, bool) else sys.stderr.isatty()
        bar = _Progress(total, show)
        bar(skipped)
        run_seconds = db_seconds = 0.0
        n_workers = None
        if tasks:
            pool, owned, n_workers = _resolve_executor(executor, workers)
            window = max_in_flight or max(4, 4 * (n_workers or 4))
            pending: Dict[cf.Future, Tuple] = {}
            queue = iter(tasks)
            completed = skipped
            try:
                while True:
                    for task in itertools.islice(queue, max(0, window - len(pending))):
                        with _main_module_hidden(owned):
                            pending[pool.submit(execute_run, task)] = task
                    if not pending:
                        break
                    finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    for future in finished:
                        task = pending.pop(future)
                        result = future.result()
                        t0 = time.perf_counter()
                        _commit(con, result, task[4])
                        db_seconds += time.perf_counter() - t0
                        run_seconds += result["seconds"]
                        completed += 1
                        bar(completed)
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
            finally:
                if owned and _accepts_cancel(pool):
                    pool.shutdown(wait=True, cancel_futures=True)
                elif owned:
                    pool.shutdown(wait=True)
        bar(total, final=True)
        return SweepSummary(db=db, total=total, skipped=skipped, completed=len(tasks),
                            wall_seconds=time.perf_counter() - t_start, run_seconds=run_seconds,
                            db_seconds=db_seconds, workers=n_workers)
    finally:
        con.close()


@contextlib.contextmanager
def _main_module_hidden(active: bool):
    """Worker processes started meanwhile do not re-run the caller's script.

    A spawned process normally imports the parent's ``__main__`` again, so a
    script calling ``terrasim.sweep`` without an ``if __name__ ==
    "__main__":`` guard would start the sweep again in every worker. The
    workers only need ``terrasim.sweep.execute_run``, so they are shown an
    empty ``__main__`` while they start.
    """
    if not active:
        yield
        return
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _accepts_cancel(pool) -> bool:
    import inspect
    try:
        return "cancel_futures" in inspect.signature(pool.shutdown).parameters
    except (TypeError, ValueError):
        return False


def override_list_to_dict(overrides: Overrides) -> Iterable[Tuple[str, Any]]:
    """Overrides as (path, value) pairs; string assignments keep their text (parsed as YAML)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    out = []
    for text in override_list(overrides):
        path, _, value = text.partition("=")
        out.append((path.strip(), _YamlText(value)))
    return out


class _YamlText(str):
    """An override value already written as YAML text."""
