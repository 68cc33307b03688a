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
refuses when the database was written by another terrasim version, with
another base seed or other kept series or breakdowns, when its runs kept
with every series hold other series than this build records (another build
of the same version), or when a scenario of the same name now has another
configuration hash. One sweep writes a
database at a time: a second one started meanwhile is refused (the first
holds an exclusive lock on ``DB.lock`` beside it, which the system releases
should it be killed). A sweep writes in WAL mode and leaves the database
one file, in rollback-journal mode, when it closes it: a reader who cannot
write its folder can read it.

Every run's scenario (each scenario at each grid point, with the first and
the last seed) is validated before the database is opened for writing, so
that bad input is refused with the scenario's error and leaves no database.

Database schema (``SCHEMA`` below; all text in UTF-8):

- ``meta(key, value)``: ``schema_version``, ``terrasim_version``, ``base_seed``,
  ``series`` (JSON: the sorted names kept, or null for all of them) and
  ``breakdowns`` (JSON: true or false). A database written before these two
  were kept lacks them: they are then read from its runs (the series they
  hold, all of the models' meaning all; breakdowns if any run has some) and
  written in.
- ``scenarios(scenario_id, name, source, model, title, start, months,
  config_sha256, config_json)``: each scenario's frozen configuration.
- ``parameters(point_id, overrides_json)``: one row per grid point, its
  overrides as a JSON object ``{"path": value}`` (``{}``: no override), each
  value as the engine reads it, however it was spelt (a ``--grid`` value's
  YAML text ``~`` is null, ``'x'`` the string x, ``.01`` the number 0.01
  where the field is a number; see ``_as_the_engine_reads``);
  ``parameter_values(point_id, path, value_json)``: the same, one row per path.
- ``runs(run_id, scenario_id, point_id, replicate, seed, config_sha256,
  terrasim_version, provenance_json, seconds, host, finished_at)``: one row
  per finished run (unique on scenario, point, replicate); ``seconds`` is
  the run's time in its worker.
- ``series(run_id, name, t, month, value)``: every monthly value.
- ``breakdowns(run_id, breakdown, category, column, t, value)``: only when
  the sweep keeps breakdowns.
- ``planned(scenario_id, point_id)``: each scenario x grid point that a
  sweep command wrote to the database was to run (each of its scenarios at
  each of its points), so that two sweeps of other scenarios or grids in one
  database are not read as each other's unfinished runs (since 0.4.7). A
  database written before has no such table, and a sweep of this version
  does not add to it (its version differs): ``terrasim results`` lists every
  scenario at every point of such a database, and otherwise the pairs the
  table holds and those with runs.
"""
from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process  # noqa: F401 (cf.process below: not imported by concurrent.futures itself)
import contextlib
import ctypes
import dataclasses
import errno
import itertools
import json
import math
import multiprocessing
import os
import pathlib
import re
import signal
import socket
import sqlite3
import stat
import sys
import threading
import time
import types
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None

from . import _core
from ._paths import PathArg, ShownMessage, fs_path, shown
from .scenario import (Overrides, Scenario, ScenarioError, ScenarioLike, _plain, _YamlText, format_override_value,
                       override_labels, override_list)

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
CREATE TABLE IF NOT EXISTS planned (
  scenario_id INTEGER NOT NULL REFERENCES scenarios, point_id INTEGER NOT NULL REFERENCES parameters,
  PRIMARY KEY (scenario_id, point_id)) WITHOUT ROWID;
"""

TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))


class SweepError(ShownMessage, RuntimeError):
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
    try:
        scenario = _core.scenario_from_dict(json.loads(config_json), list(overrides) + [f"seed={seed}"], source)
    except _core.ScenarioError as e:
        # The driver validated this run's scenario before it started, so this
        # should not happen; should it (another terrasim on a remote worker),
        # the error must reach the driver, and a ScenarioError cannot: its
        # Diagnostic objects do not pickle, and the driver would report
        # "cannot pickle 'Diagnostic'" in its place. Its text does.
        raise SweepError(f"{shown(source)}, overrides {list(overrides)}, seed {seed}: {e}") from None
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
    """``{"a": [1, 2], "b": [x]}`` -> the product as dicts; a list of dicts is taken as is.

    A path's values are a list, tuple, range or array (NumPy, pandas); any
    other value, a NumPy scalar too, is one value. None and ``{}`` (no path)
    are no grid: one point without override. A path without values, or an
    empty list, has no point (ValueError); what is neither a dict nor a list
    of dicts is a TypeError.
    """
    if grid is None:
        return [{}]
    if isinstance(grid, Mapping):
        paths = list(grid)
        values = [list(grid[p]) if isinstance(grid[p], (list, tuple, range)) or getattr(grid[p], "ndim", 0) >= 1
                  else [grid[p]] for p in paths]
        empty = [str(p) for p, v in zip(paths, values) if not v]
        if empty:
            raise ValueError(f"grid (--grid): no point: {', '.join(empty)} {'has' if len(empty) == 1 else 'have'} "
                             "no values; give each path at least one")
        return [dict(zip(paths, combo)) for combo in itertools.product(*values)]
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Iterable):
        raise TypeError(f"grid: expected a dict {{path: [values]}} (their product) or a list of points, each a "
                        f"dict {{path: value}}, found {grid!r}")
    points = list(grid)
    for k, point in enumerate(points):
        if not isinstance(point, Mapping):
            raise TypeError(f"grid: a list of points, each a dict {{path: value}}, and its point {k} is {point!r}")
    if not points:
        raise ValueError("grid: no point: the list of points is empty; give at least one ({} for no override), "
                         "or no grid")
    return [dict(point) for point in points]


def named_scenarios(scenarios: Union[ScenarioLike, Sequence[ScenarioLike], Mapping[str, ScenarioLike]],
                    overrides: Overrides = None) -> Dict[str, Scenario]:
    """Names for the scenarios: the keys of a dict, else file stems (or titles).

    Two scenarios of one name are refused (ValueError), as the command line
    refuses them: the sweep's database and its results key runs by name, and
    a name made up here (``small-2``) would not say which file it was.
    """
    if isinstance(scenarios, Mapping) and "model" in scenarios:  # a single scenario document
        scenarios = [scenarios]
    if isinstance(scenarios, (str, bytes, os.PathLike, Scenario)):
        scenarios = [scenarios]
    items = list(scenarios.items()) if isinstance(scenarios, Mapping) else [(None, s) for s in scenarios]
    out: Dict[str, Scenario] = {}
    for name, spec in items:
        sc = Scenario.coerce(spec, overrides)
        if name is None:
            if isinstance(spec, (str, bytes, os.PathLike)):
                name = os.path.splitext(os.path.basename(fs_path(spec)))[0]
            elif isinstance(spec, Scenario) and spec.source not in ("<dict>", "<checkpoint>"):
                name = os.path.splitext(os.path.basename(spec.source))[0]
            else:
                name = sc.title
        # Text, which the database and the results key runs by: a file name's bytes that are not UTF-8 as \xNN.
        name = shown(str(name))
        if name in out:
            raise ValueError(f"two scenarios are named {name!r} ({_origin(out[name])} and {_origin(sc)}): give each "
                             "its own name, with a dict {name: scenario}")
        out[name] = sc
    return out


def _origin(sc: Scenario) -> str:
    """Where a scenario came from, for a message: its file, else its title."""
    return shown(sc.source) if sc.source not in ("<dict>", "<checkpoint>") else f"the scenario titled {sc.title!r}"


def _canonical(point: Mapping[str, Any]) -> str:
    return json.dumps(_plain(dict(point)), sort_keys=True, separators=(",", ":"))


def _describe(point: Mapping[str, Any]) -> str:
    """A grid point as the command line writes it: ``a=1, b=x`` (``no override`` for ``{}``); a text value as
    it is, unquoted (a label, which exports and messages have always written so)."""
    return ", ".join(f"{path}={v if isinstance(v, str) else format_override_value(v)}"
                     for path, v in point.items()) or "no override"


_SEED_WHY = ("a sweep sets the seeds itself: replicate r runs with seed base seed + r (--seed, --replicates) in "
             "every scenario and at every grid point, so that differences are paired; for more seeds, run more "
             "replicates")


def _check_paths(points: List[Dict[str, Any]], override_paths: Sequence[str]) -> None:
    """Refuses what a sweep would ignore or silently replace.

    `seed` anywhere: the worker sets ``seed=base_seed+r`` last, so a grid
    over it ran identical points and an override of it changed only the
    configuration hash. `months` in the grid: a sweep has one horizon (its
    results compare points month by month, and the scenarios table holds one
    `months` per scenario); a run of fewer months is the beginning of a
    longer one with the same seed, so the longest horizon holds the others.
    A path both in the grid and in the overrides: the grid's value replaced
    the override's in every run. A grid point given twice: one database row,
    two runs each replicate (the second failing on the first's key).
    """
    for path in override_paths:
        if path == "seed":
            raise ValueError(f"overrides (--set): seed: {_SEED_WHY}")
    seen = set()
    for point in points:
        for path in point:
            path = str(path).strip()
            if path == "seed":
                raise ValueError(f"grid (--grid): seed: {_SEED_WHY}")
            if path == "months":
                raise ValueError("grid (--grid): months: a sweep has one horizon, months (--months), the same at "
                                 "every grid point, where its results compare the points month by month; a run of "
                                 "fewer months is the beginning of a longer one with the same seed: sweep the "
                                 "longest horizon and read the months you need")
            if path in override_paths:
                raise ValueError(f"{path}: both in the grid (--grid) and in the overrides (--set), where the "
                                 "grid's values would replace the override in every run: give it in one of them")
        text = (_canonical(point), tuple(sorted(path for path, v in point.items() if isinstance(v, _YamlText))))
        if text in seen:  # YAML text and a str of the same text are read apart (see _as_the_engine_reads)
            raise ValueError(f"grid (--grid): the point {_describe(point)} comes twice: give each value once")
        seen.add(text)


def _in_context(error: ScenarioError, where: str) -> ScenarioError:
    """The same scenario error (file, line, path, diagnostics), its message prefixed by the run it is about."""
    out = ScenarioError(f"{where}: {error}")
    out.__dict__.update(vars(error))
    return out


# A grid point's runs are compared by their configurations at one seed (a
# run's own hash includes its replicate's seed).
_SEED_FOR_IDENTITY = "seed=0"


def _point_overrides(point: Mapping[str, Any]) -> List[str]:
    """A grid point as overrides: ``path=value`` each."""
    return [f"{path}={format_override_value(v)}" for path, v in point.items()]


def _at_point(scenario: Scenario, overrides: List[str], labels: Sequence[str] = ()) -> Scenario:
    """`scenario` at a grid point (its overrides, which errors name by `labels`), at the seed of
    _SEED_FOR_IDENTITY: its hash identifies the point's runs."""
    return scenario.with_overrides(overrides + [_SEED_FOR_IDENTITY], list(labels))


def _grid_labels(grid: Any, points: List[Dict[str, Any]], command_line: bool) -> List[List[str]]:
    """How errors name each override of each grid point: as it was given, ``--grid #K`` (the K-th --grid
    option) on the command line, ``grid['path']`` (``grid[k]['path']`` for a list of points) in Python."""
    if isinstance(grid, Mapping):
        named = {path: f"--grid #{k + 1}" if command_line else f"grid[{path!r}]" for k, path in enumerate(grid)}
        return [[named[path] for path in point] for point in points]
    return [[f"grid[{k}][{path!r}]" for path in point] for k, point in enumerate(points)]


def _validate_runs(named: Dict[str, Scenario], bases: Dict[str, Scenario], points: List[Dict[str, Any]],
                   point_overrides: List[List[str]], point_labels: List[List[str]], extra_overrides: List[str],
                   base_seed: int, replicates: int, seed_label: str) -> List[Dict[str, str]]:
    """Loads every run's scenario here, before the database is touched; returns, for each grid point, the
    configuration hash of each scenario there (`named`: each scenario with `extra_overrides` applied;
    `bases`: the same before them). Errors name a grid point's overrides by `point_labels` and the seed by
    `seed_label`, as the caller gave them.

    Bad input is then refused with the scenario's own error, and nothing is
    written; in a worker, the same error would not come back whole (see
    :func:`execute_run`), and the database would already hold the sweep's
    settings. Seeds are checked at both ends of the replicates' range (the
    engine takes a range of seeds). Refused too, by what the fields and the
    configurations are rather than how the paths are spelt: one field set
    twice at a grid point (see :func:`_check_fields`), and two grid points
    that make the same runs (``0.01`` and ``.01``, ``1`` and ``1.0``).
    """
    configs: List[Dict[str, str]] = [{} for _ in points]
    last = base_seed + replicates - 1
    for name, sc in named.items():
        for seed in sorted({base_seed, last}):
            try:
                sc.with_overrides([f"seed={seed}"], [seed_label])
            except ScenarioError as e:
                raise _in_context(e, f"scenario {name!r}, seed {seed} (replicates 0 to {replicates - 1} use seeds "
                                     f"{base_seed} to {last})") from None
        for k, (point, ov, labels) in enumerate(zip(points, point_overrides, point_labels)):
            try:
                # A field set twice at the point is refused first, in the grid's words, which name the --grid or
                # --set that give it (the engine refuses one field under two spellings too, naming the second
                # only); judged on the scenario before the overrides, which are applied once more with the
                # point's. A path that names no field is left to the engine, whose error says where it stops.
                if ov:
                    with contextlib.suppress(ScenarioError):
                        _check_fields(name, bases[name], point, ov, extra_overrides)
                at_point = _at_point(sc, ov, labels)
            except ScenarioError as e:
                raise _in_context(e, f"scenario {name!r}, grid point {_describe(point)}") from None
            configs[k][name] = at_point.config_sha256
    seen: Dict[Tuple[str, ...], int] = {}
    for k, point in enumerate(points):
        key = tuple(configs[k][name] for name in named)
        if key in seen:
            raise ValueError(f"grid (--grid): the points {_describe(points[seen[key]])} and {_describe(point)} "
                             "make the same runs (the same configuration of every scenario): give each value once")
        seen[key] = k
    return configs


def _as_the_engine_reads(named: Dict[str, Scenario], points: List[Dict[str, Any]],
                         point_configs: List[Dict[str, str]]) -> List[Dict[str, Any]]:
    """Each grid point as the database keys it: its values as the engine reads them, each YAML text (the
    command line's) and each bool or number replaced by the plain value that the engine puts in the field,
    checked by the configuration it makes of every scenario there (`point_configs`, from
    :func:`_validate_runs`), so that one point has one key however its values are spelt: ``~``, ``Null``,
    an empty value and ``null`` are None; ``'x'`` and ``x`` are the string ``x`` (as are ``"x"`` and a
    Python ``"x"``); ``.01`` is 0.01 and ``true`` is True where a number or a bool is read (``1`` stays the
    number 1 where the field holds 1.0), and the strings ".01" and "true" where a string is (a title), as
    are the command line's JSON-like true and 1 and Python's True and 1 there; ``|`` is the empty string,
    and ``&a x`` (an anchor) the string x. A text no plain value matches (a mapping, a list) is kept as it
    is. A Python str is a string, read as it is, and None is null.

    Each value is read once at its path (a grid of 10 x 100 values has 110), by the engine where need be
    (see :func:`_reading`): how a field reads a value does not hang on the point's other values, the
    fields being typed by their paths."""
    readings: Dict[Tuple[str, str], Any] = {}
    as_given: Dict[str, str] = {}  # path: the kind of Python value (a bool, a number) its field reads as given
    out = []
    for point, configs in zip(points, point_configs):
        texts = {path: _as_text(v) for path, v in point.items()}
        key = dict(point)
        for path, text in texts.items():
            value = _plain(point[path]) if getattr(point[path], "shape", None) == () else point[path]
            if text is None or (as_given.get(path) == _kind(value) and not isinstance(value, _YamlText)):
                continue  # kept as it is (no engine call: a 1,000-value grid of one number reads one)
            if (path, text) not in readings:
                readings[path, text] = _reading(named, path, text, configs if len(point) == 1 else None)
            key[path] = readings[path, text]
            if not isinstance(value, _YamlText) and _kind(key[path]) == _kind(value) and key[path] == value:
                as_given[path] = _kind(value)
        if any(v is _UNREAD for v in key.values()):  # read at this point alone, all its texts together
            key = _read_at_point(named, {path: point[path] if text is None else text for path, text in texts.items()},
                                 configs)
        for path, text in texts.items():
            if key[path] is text and not isinstance(point[path], _YamlText):
                key[path] = point[path]  # a bool or a number no plain value matches: kept as given
        out.append(key)
    return out


def _as_text(value: Any) -> Optional[_YamlText]:
    """The YAML text of a grid value that the engine reads by its field (the command line's texts, a bool, a
    number, NumPy's too), None for a value keyed as it is (a str, None, a mapping, a list)."""
    if isinstance(value, _YamlText):
        return value
    if getattr(value, "shape", None) == () and hasattr(value, "item"):  # a NumPy scalar or 0-d array
        value = _plain(value)
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return _YamlText(format_override_value(value))
    return None


_UNREAD = object()  # a text that _reading could not read alone

_PLAIN_WORDS = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*( [A-Za-z0-9_.\-]+)*")


def _as_itself(text: str) -> bool:
    """Whether YAML text `text` is read by the engine as the string it is, in any field that takes it, as a
    quoted string is: a plain scalar of words starting with a letter, neither null, a bool nor a number
    (`t0`, `Scenario B`). The engine types a plain scalar by its field: a string field (or a month) reads it
    as its text, as it reads a quoted one, and a bool, integer or number field refuses both (``inf`` and
    ``nan`` are refused as not finite)."""
    return _PLAIN_WORDS.fullmatch(text) is not None and _plain_readings(text) == [text]


def _reading(named: Dict[str, Scenario], path: str, text: str, configs: Optional[Dict[str, str]]) -> Any:
    """The plain value that YAML text `text` is at `path`, as :func:`_as_the_engine_reads` keys it; `text`
    itself where no plain value is, _UNREAD where `text` alone is refused there. `configs`: those of the grid
    point where `path=text` is its only override.

    The value is the one the engine put at the field (:func:`_read_field`), checked by the configurations it
    makes: ``true`` and ``1`` are the strings "true" and "1" in a string field (a title), and ``|`` the empty
    string."""
    if _as_itself(text):
        return str(text)  # read as the string it is, as a quoted one is (no engine call)
    reference: Dict[str, str] = {}
    read: Optional[List[Any]] = None
    for name, sc in named.items():
        if configs is not None and read is not None:
            reference[name] = configs[name]
            continue
        try:
            at = _at_point(sc, [f"{path}={text}"])
        except ScenarioError:
            return _UNREAD
        reference[name] = at.config_sha256
        if read is None:
            read = _read_field(sc, at, [f"{path}={text}"], [0])[0]
    values = _candidates(text, read)
    for v in values[:1]:
        if format_override_value(v) == text:
            return v  # the engine is given the same text
    return next((v for v in values if _makes(named, {path: v}, reference)), text)


def _read_field(scenario: Scenario, at: Scenario, overrides: List[str], which: List[int]) -> List[Optional[List[Any]]]:
    """``[value]`` for each override of `overrides` that `which` numbers: the value that `at` (`scenario` with
    `overrides`) has at the field it sets (None where that cannot be found)."""
    out: List[Optional[List[Any]]] = [None] * len(which)
    with contextlib.suppress(ScenarioError, LookupError, TypeError, ValueError):
        fields = _core.override_paths(scenario._core, overrides)
        config = at.config
        for k, i in enumerate(which):
            out[k] = _field_at(config, fields[i])
    return out


def _field_at(config: Any, path: str) -> Optional[List[Any]]:
    """``[value]``: the value at `path` (``a.b[2].c``; a list item by its ``name`` too, ``zones.Centre.x_km``)
    of configuration `config` (plain values), None where it has none."""
    value = config
    try:
        for name, index in re.findall(r"([^.\[\]]+)|\[([0-9]+)\]", path.strip()):
            if index:
                value = value[int(index)]
            elif isinstance(value, list):
                value = next(v for v in value if isinstance(v, dict) and v.get("name") == name)
            else:
                value = value[name]
    except (LookupError, TypeError, ValueError, StopIteration):
        return None
    return [value]


def _candidates(text: str, read: Optional[List[Any]]) -> List[Any]:
    """The plain values YAML text `text` may be keyed as, the likeliest first: those of
    :func:`_plain_readings` that are the value the engine read (`read`: ``[value]``, None where unknown), of
    its kind (``1`` is the number 1 where the engine read 1.0, the string "1" where it read "1"), then the
    others of its kind (2^53 + 1 as given, where the engine read 2^53), then that value (``-00``: -0.0, which
    0 does not make). Null is None (the engine reads it as the field's default); a mapping or a list read is keyed by
    its text."""
    values = _plain_readings(text)
    if values == [None] or read is None or not (read[0] is None or isinstance(read[0], (bool, int, float, str))):
        return values
    kind = _kind(read[0])
    same = [v for v in values if _kind(v) == kind and v == read[0]]
    alike = [v for v in values if _kind(v) == kind and not any(v is u for u in same)]
    return same + alike + [read[0]]


def _kind(value: Any) -> str:
    """What a plain value is, as a field reads it: "bool", "number" (an int or a float), "str", ..."""
    return "bool" if isinstance(value, (bool, np.bool_)) else \
        "number" if isinstance(value, (int, float, np.integer, np.floating)) else type(value).__name__


def _makes(named: Dict[str, Scenario], point: Dict[str, Any], configs: Dict[str, str]) -> bool:
    """Whether grid point `point` makes configuration `configs` of every scenario (False where refused)."""
    overrides = _point_overrides(point)
    try:
        return all(_at_point(sc, overrides).config_sha256 == configs[name] for name, sc in named.items())
    except ScenarioError:
        return False


def _read_at_point(named: Dict[str, Scenario], point: Dict[str, Any], configs: Dict[str, str]) -> Dict[str, Any]:
    """The key of grid point `point`, its YAML texts read at the point (where one alone is refused: a lookup
    by a name another of its paths gives), one after the other."""
    key = dict(point)
    sc = next(iter(named.values()))
    overrides = _point_overrides(point)
    texts = [path for path, v in point.items() if isinstance(v, _YamlText)]
    try:
        reads = _read_field(sc, _at_point(sc, overrides), overrides, [list(point).index(path) for path in texts])
    except ScenarioError:
        reads = [None] * len(texts)
    for path, read in zip(texts, reads):
        key[path] = next((v for v in _candidates(point[path], read) if _makes(named, {**key, path: v}, configs)),
                         point[path])
    return key


def _check_keys(named: Dict[str, Scenario], points: List[Dict[str, Any]], keys: List[Dict[str, Any]]) -> None:
    """Refuses two grid points (which make other runs: :func:`_validate_runs`) that the database would key as
    one: a YAML text that no plain value of its field's kind makes is kept as its text, the key of the string
    of that text too, and their runs would be filed under one point.

    A guard: with the fields of today's models no input reaches it (a scalar is keyed as the value the engine
    read; a text kept as it is is a mapping's or a list's, where a string is refused). The tests reach it by
    keeping a text (an anchor, ``&a x``, beside the string ``"&a x"``)."""
    seen: Dict[str, int] = {}
    for k, key in enumerate(keys):
        text = _canonical(key)
        if text not in seen:
            seen[text] = k
            continue
        j = seen[text]
        spell = []
        for path, value in [(path, v) for i in (j, k) for path, v in keys[i].items() if isinstance(v, _YamlText)]:
            read = _read_back(next(iter(named.values())), path, value)
            spell.append(f"{path}={value}" + (f" as {path}={format_override_value(read[0])}" if read else ""))
        raise ValueError(
            f"grid (--grid): the points {_describe(points[j])} and {_describe(points[k])} make other runs but "
            f"would be stored as one point, {_canonical(key)}: YAML text that no plain value spells (an anchor, an "
            f"alias, a tag) is stored as its text, which is the string of the other. Give {' and '.join(spell)} "
            "(the value the engine reads from it), or sweep the two into separate databases")


def _read_back(scenario: Scenario, path: str, text: str) -> Optional[List[Any]]:
    """``[value]``: the value the engine reads from YAML text `text` at `path` of `scenario` (None where that
    alone is refused)."""
    try:
        return _read_field(scenario, scenario.with_overrides([f"{path}={text}"]), [f"{path}={text}"], [0])[0]
    except ScenarioError:
        return None


def _plain_readings(text: str) -> List[Any]:
    """The plain values that YAML text `text` may be read as, the likeliest first (the engine decides: a
    plain scalar is a bool or a number only where the field is one)."""
    text = text.strip(" \t")
    if re.fullmatch(r"(~|null|Null|NULL)?([ \t]+#.*)?|#.*", text):
        return [None]
    if re.fullmatch(r"'([^'\n]|'')*'", text):
        return [text[1:-1].replace("''", "'")]
    if re.fullmatch(r'"([^"\\\n]|\\.)*"', text):
        with contextlib.suppress(ValueError):
            return [json.loads(text)]  # JSON's escapes mean what YAML's of the same name do
        return []
    plain = re.sub(r"[ \t]+#.*", "", text)
    typed: List[Any] = []
    if plain in ("true", "True", "TRUE", "false", "False", "FALSE"):
        typed.append(plain[0] in "tT")
    elif re.fullmatch(r"[-+]?[0-9]+", plain):
        with contextlib.suppress(ValueError):  # past Python's 4,300 digits: a string (no field holds the number)
            typed.append(int(plain))
    elif re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", plain) and \
            math.isfinite(float(plain)):
        typed.append(float(plain))
    return typed + [plain]


def _within(inner: str, outer: str) -> bool:
    """Whether the field at path `inner` is the one at `outer` or inside it (paths as errors name fields)."""
    return inner == outer or inner.startswith((outer + ".", outer + "["))


def _check_fields(name: str, scenario: Scenario, point: Mapping[str, Any], overrides: List[str],
                  extra_overrides: List[str]) -> None:
    """Refuses a grid point (its `overrides`) that sets, in `scenario` (with `extra_overrides` applied), a
    field that another of its paths or an override sets, or a field within it.

    Judged by the engine's paths, as errors name fields: ``zones[0].x`` and
    ``zones.NAME.x`` are one field. Two grid paths: the one applied last
    won, so the runs depended on the order the paths were given in, which
    the database does not keep (a point is stored by its sorted paths), and
    a resume in the other order added other runs to the same point. A grid
    path and an override: the grid's value replaced the override's in every
    run, while the scenarios table still showed the override.
    """
    paths = _core.override_paths(scenario._core, extra_overrides + overrides)
    extra_paths, grid_paths = paths[:len(extra_overrides)], paths[len(extra_overrides):]
    spelt = [str(path).strip() for path in point]

    def same(a: str, b: str) -> Optional[str]:
        """How the fields at paths `a` and `b` are one (None: they are not)."""
        return f"both are {a}" if a == b else f"{a} is within {b}" if _within(a, b) else \
            f"{b} is within {a}" if _within(b, a) else None
    for i, path in enumerate(grid_paths):
        for j in range(i + 1, len(grid_paths)):
            how = same(path, grid_paths[j])
            if how:
                raise ValueError(f"grid (--grid): {spelt[i]} and {spelt[j]} set one field of scenario {name!r} "
                                 f"({how}): the one applied last would replace the other's values in every run, "
                                 "and the database would not say which; give the field once")
        for assignment, extra_path in zip(extra_overrides, extra_paths):
            how = same(path, extra_path)
            if how:
                raise ValueError(f"grid point {_describe(point)} sets, in scenario {name!r}, a field that an "
                                 f"override (--set {assignment}) sets too ({how}): the grid's value would replace "
                                 "the override's in every run; give the field in one of them")


def _series_of(scenario: Scenario) -> set:
    """The series a run of `scenario` records (its model declares them; nothing is simulated)."""
    return set(scenario.series_names)


def _check_series(named: Dict[str, Scenario], series: Sequence[str]) -> None:
    for name, sc in named.items():
        recorded = _series_of(sc)
        missing = [n for n in series if n not in recorded]
        if missing:
            raise ValueError(f"series (--series): {', '.join(missing)}: not recorded in scenario {name!r} (model "
                             f"{sc.model} records {', '.join(sorted(recorded))})")


# ---------------------------------------------------------------------------
# The database.

def _cannot_open(db: str, e: sqlite3.Error) -> SweepError:
    return SweepError(f"{db}: cannot open it as a sweep database ({e})")


def _connect(db: str, target: str, pragmas: Sequence[str] = (), **options: Any) -> sqlite3.Connection:
    """A connection to `target` (`db`, or a URI of it) whose database is a sweep database or empty, read to
    know before `pragmas` are run (so that another program's database is left as it was); refused (SweepError
    naming `db`) when it cannot be one."""
    try:
        con = sqlite3.connect(target, **options)
    except sqlite3.Error as e:
        raise _cannot_open(db, e) from None
    try:
        why = _not_a_sweep_database(con)
        if why:
            raise SweepError(f"{db}: an SQLite database, but not a sweep database ({why}): write the sweep to "
                             "another file")
        for pragma in pragmas:
            con.execute(pragma)
    except sqlite3.Error as e:  # not SQLite ("file is not a database"), unreadable, read-only...
        con.close()
        raise _cannot_open(db, e) from None
    except BaseException:
        con.close()
        raise
    return con


def _open(db: str) -> sqlite3.Connection:
    """The database for writing; refused, naming the file, when it cannot be a sweep database."""
    return _connect(db, db, ("PRAGMA journal_mode=WAL",
                             "PRAGMA synchronous=NORMAL",  # with WAL: safe against a killed process
                             "PRAGMA foreign_keys=ON"), isolation_level=None, timeout=60)


# What the meta of every sweep database holds (written in the transaction that writes the first row).
_META_KEYS = ("schema_version", "terrasim_version")


def _not_a_sweep_database(con: sqlite3.Connection) -> Optional[str]:
    """Why the database of `con` cannot be a sweep database (None: it is one, or empty); reads only.

    A table named meta is not enough: another program's database may have
    one, which the sweep then changed (its tables created, WAL mode) and
    reported as "written by terrasim None", or, when empty, filled with its
    settings and runs. A sweep's meta holds its keys; an empty one is a
    sweep's stopped before its first transaction, with a sweep's tables only.
    """
    tables = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                    if not r[0].startswith("sqlite_"))
    if not tables:
        return None
    if "meta" not in tables:
        return f"it has no table meta, but {', '.join(tables)}"
    columns = [r[1] for r in con.execute("PRAGMA table_info(meta)")]
    if columns != ["key", "value"]:
        return f"its table meta has the columns {', '.join(columns)}, not key, value"
    keys = {r[0] for r in con.execute("SELECT key FROM meta")}
    if keys:
        missing = [key for key in _META_KEYS if key not in keys]
        if missing:
            return f"its table meta has no {' or '.join(missing)}, but {', '.join(sorted(map(str, keys)))}"
        return None
    others = [t for t in tables if t not in TABLES]
    if others:
        return f"its table meta is empty, and it has tables a sweep does not make: {', '.join(others)}"
    return None


def _close(con: sqlite3.Connection) -> None:
    """Closes the database in rollback-journal mode: one file, as a finished sweep's should be.

    Left in WAL mode (which a sweep writes in), it could not be read where
    its reader cannot write the folder (shared results, a read-only mount):
    reading a WAL database makes its -shm file beside it. No transaction is
    open here (each run's commits or rolls back); should a reader hold the
    database meanwhile, it stays in WAL mode, which SweepResults reads too.
    """
    with contextlib.suppress(sqlite3.Error):
        con.execute("PRAGMA journal_mode=DELETE")
    con.close()


@contextlib.contextmanager
def _sole_writer(db: str):
    """Holds an exclusive lock on ``DB.lock`` while a sweep writes `db`; a second sweep is refused.

    Two drivers would both run what is missing, and the second to commit a
    run failed on its uniqueness ("UNIQUE constraint failed") or on a lock
    held too long ("database is locked"). SQLite's locks last a transaction
    and cannot say that a sweep is under way; flock does (see
    :func:`exclusive_lock`). Not a lock on the database file itself: closing
    a descriptor of that file would drop SQLite's own (POSIX) locks on it.
    """
    # By the file's real path: a symbolic link to the database (or another
    # spelling of its path) must meet the same lock.
    path = os.path.realpath(db) + ".lock"

    def busy(holder: str) -> Exception:
        return SweepError(f"another sweep is writing {db}" + (f" ({holder})" if holder else "") +
                          ": wait until it ends (then run this one again to add what it lacks), or write to "
                          "another database")

    def unwritable(e: OSError) -> Exception:
        return SweepError(f"{db}: cannot use its lock file {path}: {e.strerror}")
    with exclusive_lock(path, busy, unwritable):
        yield


@contextlib.contextmanager
def exclusive_lock(path: str, busy: Callable[[str], Exception], unwritable: Callable[[OSError], Exception]):
    """Holds an exclusive flock on file `path` (made if missing) for the ``with`` block, or raises at once
    ``busy(holder)`` when another process holds it (`holder`: what it wrote there, ``pid N on HOST``) or
    ``unwritable(error)`` when the file cannot be made or is not one this process may take as its lock.

    The system releases the lock when its holder dies (kill -9 too), so a
    file left behind blocks nothing. The file is removed at the end while
    still locked; a process that locked it meanwhile finds it gone and locks
    the new one instead. Without flock (Windows), unguarded.

    The lock file is written (the holder's pid) and removed, so it must be
    this user's own: a symbolic link is never followed, and a path that is
    not a regular file, has other names (hard links) or belongs to another
    user is refused (`error`'s strerror says which) before anything is
    written to it; at the end it is removed only while it is still the file
    this process locked.
    """
    if fcntl is None:
        yield
        return

    def refused(why: str) -> Exception:
        return unwritable(OSError(errno.EPERM, f"{why}: not a lock file of this user's, which a lock file must be "
                                               "(it is written and removed); move it away", path))
    while True:
        with contextlib.suppress(FileNotFoundError):
            # what opening could act on (a device, a FIFO), or follow, refused before it is opened
            why = _not_a_lock_file(os.lstat(path), locked=False)
            if why:
                raise refused(why)
        flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC
        try:
            # A file this call makes is this process's own, whoever the file system says owns it (a share that
            # maps new files to another user: NFS's root_squash, a CIFS mount's uid=).
            try:
                fd, made = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644), True
            except FileExistsError:
                fd, made = os.open(path, flags), False
        except FileNotFoundError:  # removed between the two opens by the holder that ended: try again
            continue
        except OSError as e:
            if e.errno == errno.ELOOP and os.path.islink(path):  # made meanwhile
                raise refused("it is a symbolic link") from None
            raise unwritable(e) from None
        try:
            why = _not_a_lock_file(os.fstat(fd), locked=False)
            if why:
                raise refused(why)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 200).decode("utf-8", "replace").strip()
                raise busy(holder) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.lstat(path))
            except FileNotFoundError:
                same = False
            if same:
                # Its holder and the name checked once the file is locked and still at `path`: another
                # process's removal of the file (when it ended) cannot have changed its count of names.
                why = _not_a_lock_file(os.fstat(fd), locked=True, made=made)
                if why:
                    raise refused(why)
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.path.samestat(os.fstat(fd), os.lstat(path)):
                os.unlink(path)
        os.close(fd)


def _not_a_lock_file(st: os.stat_result, locked: bool, made: bool = False) -> Optional[str]:
    """Why the file of `st` (lstat's or fstat's) cannot be this user's lock file; None: it can be. Its names
    and owner are judged once it is `locked` (before, a holder that ends removes it); its owner not when this
    process `made` it."""
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    if locked and st.st_nlink != 1:
        return f"it has {st.st_nlink} names (hard links)"
    if locked and not made and st.st_uid != os.geteuid():
        return f"it belongs to another user (uid {st.st_uid})"
    return None


SETTINGS = ("series", "breakdowns")


def _settings(series: Optional[Sequence[str]], breakdowns: bool) -> Dict[str, str]:
    """What a sweep keeps of each run, as ``meta`` holds it."""
    return {"series": json.dumps(sorted(set(series)) if series else None), "breakdowns": json.dumps(bool(breakdowns))}


def _settings_of_runs(con: sqlite3.Connection, scenarios: Dict[str, Scenario]) -> Optional[Dict[str, str]]:
    """The settings of a database written before ``meta`` kept them, read from its runs (None: no runs).

    Its series are all of them (the default then) when they include every
    series of the scenarios' models, else the names found; its breakdowns
    are kept when any run has some.
    """
    if not con.execute("SELECT EXISTS (SELECT 1 FROM runs)").fetchone()[0]:
        return None
    kept = {r[0] for r in con.execute("SELECT DISTINCT name FROM series")}
    every = set().union(*(_series_of(sc) for sc in scenarios.values()))
    series = None if every <= kept else sorted(kept)
    breakdowns = bool(con.execute("SELECT EXISTS (SELECT 1 FROM breakdowns)").fetchone()[0])
    return _settings(series, breakdowns)


def series_of_stored_runs(con: sqlite3.Connection, scenario_id: int) -> List[set]:
    """The series names that the first and the last finished run of a scenario hold (none: it has no run)."""
    first, last = con.execute("SELECT min(run_id), max(run_id) FROM runs WHERE scenario_id = ?",
                              (scenario_id,)).fetchone()
    return [{r[0] for r in con.execute("SELECT DISTINCT name FROM series WHERE run_id = ?", (run_id,))}
            for run_id in dict.fromkeys(r for r in (first, last) if r is not None)]


def _check_stored_series(con: sqlite3.Connection, scenarios: Dict[str, Scenario],
                         scenario_ids: Dict[str, int]) -> None:
    """Refuses to resume runs kept with every series when they hold other series than this build records.

    "Every series" is what the build that ran them recorded: a build of the
    same version before or after a series was added (as ``portal_cash``
    within 0.4.3) would leave runs with and without it side by side, and
    statistics over that series would count only some of the replicates.
    The first and last finished run of each scenario are compared.
    """
    for name, sc in scenarios.items():
        recorded = _series_of(sc)
        for held in series_of_stored_runs(con, scenario_ids[name]):
            if held != recorded:
                differences = []
                if recorded - held:
                    differences.append(f"lack the series {', '.join(sorted(recorded - held))}, which this build of "
                                       f"terrasim {_core.__version__} records")
                if held - recorded:
                    differences.append(f"hold the series {', '.join(sorted(held - recorded))}, which this build "
                                       "does not record")
                raise SweepError(
                    f"scenario {name!r}: the runs of this sweep database {' and '.join(differences)} (another build "
                    "of the same version wrote them): their runs and this build's could not be compared series by "
                    "series. Resume with the build that wrote it, or write to a new database.")


def _kept(name: str, value: str) -> str:
    value = json.loads(value)
    if name == "series":
        return "every series" if value is None else f"only the series {', '.join(value)} (--series)"
    return "the breakdowns (--breakdowns)" if value else "no breakdowns"


def _check_meta(con: sqlite3.Connection, meta: Dict[str, str], scenarios: Dict[str, Scenario], base_seed: int,
                settings: Dict[str, str]) -> Dict[str, str]:
    """Refuses (SweepError) to add to a database whose `meta` (not empty) is another version's, schema's, base
    seed's or settings'; returns the settings it lacks (written before meta kept them), found from its runs.
    Reads only."""
    version = _core.__version__
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
    missing = [key for key in SETTINGS if key not in meta]
    found = {}
    if missing:
        runs = _settings_of_runs(con, scenarios) or settings
        found = {key: runs[key] for key in missing}
    for key in SETTINGS:
        kept = meta.get(key, found.get(key))
        if kept != settings[key]:
            raise SweepError(
                f"this sweep database keeps {_kept(key, kept)} of each run, and this sweep would keep "
                f"{_kept(key, settings[key])}: its runs could not be compared. Resume with the same "
                f"--{key}, or write to a new database.")
    return found


def _check_scenario_hash(name: str, stored: str, sc: Scenario) -> None:
    if stored != sc.config_sha256:
        raise SweepError(
            f"scenario {name!r} has changed since this sweep database was written (its configuration "
            f"hash was {stored[:16]}..., it is now {sc.config_sha256[:16]}...): resuming would mix "
            f"results of two scenarios. Restore the scenario, or write to a new database.")


def file_uri(db: Union[str, os.PathLike]) -> str:
    """The URI of database file `db`, without a query: its path percent-encoded, so that a name holding #, ?
    or % is the file of that name (``file:NAME?mode=ro`` was cut at a # or ?, or had its %XX decoded: SQLite
    opened another path, read-write, and made an empty file there)."""
    return pathlib.Path(os.path.abspath(db)).as_uri()


def read_only_uri(db: Union[str, os.PathLike]) -> str:
    """The URI that opens database file `db` read-only (see :func:`file_uri`)."""
    return file_uri(db) + "?mode=ro"


def _check_database(db: str, scenarios: Dict[str, Scenario], base_seed: int, settings: Dict[str, str]) -> None:
    """What :func:`_open` and :func:`_prepare` would refuse of database `db`, when it is there, raised as they
    raise it (SweepError naming it), read-only: nothing is written to it, nor made beside it, when it is
    refused or not there. Its grid points are not judged (see :func:`_points_of`)."""
    if not os.path.exists(db):
        return
    con = _connect(db, read_only_uri(db), uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(con.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        if not meta:
            return
        _check_meta(con, meta, scenarios, base_seed, settings)
        stored = dict(con.execute("SELECT name, config_sha256 FROM scenarios"))
        for name, sc in scenarios.items():
            if name in stored:
                _check_scenario_hash(name, stored[name], sc)
    except sqlite3.Error as e:
        raise _cannot_open(db, e) from None
    finally:
        con.close()


def _prepare(con: sqlite3.Connection, scenarios: Dict[str, Scenario], points: List[Dict[str, Any]],
             keys: List[Dict[str, Any]], point_configs: List[Dict[str, str]], base_seed: int,
             settings: Dict[str, str]) -> Tuple[Dict[str, int], List[int]]:
    """Creates or checks the database; returns scenario ids and point ids.

    A grid point (`points`, as given; `keys`, as :func:`_as_the_engine_reads` keys them) is the database's
    point of the same key, or else of the same runs (the configuration hash of each scenario there): resuming
    ``--grid a=.01`` continues the point written as ``a=0.01``, and ``title=null`` the point an earlier build
    wrote as ``title=~``, instead of running it again as another point. A point of the same text that ran
    other configurations (an earlier build's ``--grid title=~``, YAML's null, against a Python ``"~"``) is
    refused. Where several points may be a grid point, one with finished runs is taken (never one of its key
    without runs beside it: the runs of one configuration are never split between two points). A point
    without finished runs that this sweep takes under another key is written anew under its key (it holds
    nothing that the key would misname). See :func:`_points_of`.
    """
    version = _core.__version__
    con.executescript(SCHEMA)  # idempotent; executescript commits, so before the transaction
    con.execute("BEGIN IMMEDIATE")
    try:
        meta = dict(con.execute("SELECT key, value FROM meta"))
        if meta:
            found = _check_meta(con, meta, scenarios, base_seed, settings)
            con.executemany("INSERT INTO meta VALUES (?, ?)", list(found.items()))  # written before meta kept them
        else:
            con.executemany("INSERT INTO meta VALUES (?, ?)",
                            [("schema_version", SCHEMA_VERSION), ("terrasim_version", version),
                             ("base_seed", str(base_seed))] + [(key, settings[key]) for key in SETTINGS])
        scenario_ids = {}
        for name, sc in scenarios.items():
            row = con.execute("SELECT scenario_id, config_sha256 FROM scenarios WHERE name = ?", (name,)).fetchone()
            if row:
                _check_scenario_hash(name, row[1], sc)
                scenario_ids[name] = row[0]
            else:
                cur = con.execute(
                    "INSERT INTO scenarios (name, source, model, title, start, months, config_sha256, config_json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, shown(sc.source), sc.model, sc.title, sc.start, sc.months, sc.config_sha256,
                     sc.to_json(-1)))
                scenario_ids[name] = cur.lastrowid
        if settings["series"] == _settings(None, False)["series"]:
            _check_stored_series(con, scenarios, scenario_ids)
        point_ids = _points_of(con, scenarios, points, keys, point_configs)
        con.executemany("INSERT OR IGNORE INTO planned VALUES (?, ?)",
                        [(sid, pid) for sid in scenario_ids.values() for pid in point_ids])
        con.execute("COMMIT")
    except BaseException:
        _roll_back(con)
        raise
    return scenario_ids, point_ids


def _points_of(con: sqlite3.Connection, scenarios: Dict[str, Scenario], points: List[Dict[str, Any]],
               keys: List[Dict[str, Any]], point_configs: List[Dict[str, str]]) -> List[int]:
    """The database's point of each grid point (see :func:`_prepare`), written where it has none; in the
    transaction of :func:`_prepare`.

    Of the points that may be a grid point (its key's, or one whose identities hold its configurations), one
    with finished runs is taken first, so that its runs are never split between two points of one
    configuration: a point of the key without runs is taken only where no other point with runs may be this
    one (else it is removed, and the point with runs takes its key: looked up by its key, it held none of the
    point's runs), and one of another key without runs is keyed anew only where neither is found. Each grid
    point takes a point of its own."""
    with_runs = {pid for (pid,) in con.execute("SELECT DISTINCT point_id FROM runs")}
    known: Dict[Tuple[str, ...], Optional[Dict[str, str]]] = {}
    for point, key, configs in zip(points, keys, point_configs):  # each key makes its point's configurations
        known[tuple(_point_overrides(point))] = known[tuple(_point_overrides(key))] = configs
    stored_points = _StoredPoints(con, scenarios, known)
    by_key: List[Optional[int]] = []
    for point, key, configs in zip(points, keys, point_configs):
        text = _canonical(key)
        row = con.execute("SELECT point_id FROM parameters WHERE overrides_json = ?", (text,)).fetchone()
        if row and any(isinstance(v, str) for v in key.values()) and \
                configs not in stored_points.identities(row[0], json.loads(text), key):
            raise SweepError(
                f"grid point {_describe(point)}: point {row[0]} of this database has this text but ran other "
                "configurations: the command line's --grid values are YAML (.01 is a number, ~ is null), a "
                "Python string is kept as it is (it was read as YAML before terrasim kept it). Give the value "
                "as its runs read it, or write to a new database.")
        by_key.append(row[0] if row else None)
    index: Optional[Dict[Tuple[Tuple[str, str], ...], List[int]]] = None  # identity: the points it may be

    def matching(configs: Dict[str, str], taken: set, runs_only: bool) -> List[int]:
        """The points not `taken` that may be the grid point of `configs`, those with runs first."""
        nonlocal index
        if index is None:  # each stored point's identities made once, indexed (a resume of N points is not N^2)
            index = {}
            for pid, text in con.execute("SELECT point_id, overrides_json FROM parameters ORDER BY point_id"):
                for identity in stored_points.identities(pid, json.loads(text)):
                    index.setdefault(tuple(sorted(identity.items())), []).append(pid)
        out = [pid for pid in index.get(tuple(sorted(configs.items())), [])
               if pid not in taken and (pid in with_runs or not runs_only)]
        return sorted(out, key=lambda pid: pid not in with_runs)

    found: List[Optional[int]] = [pid if pid in with_runs else None for pid in by_key]
    taken = {pid for pid in found if pid is not None}
    for k, pid in enumerate(by_key):  # a point of its key without runs: unless another with runs is this one
        if pid is not None and found[k] is None:
            others = matching(point_configs[k], taken, True)
            found[k] = others[0] if others else pid
            taken.add(found[k])
    for k, (key, configs) in enumerate(zip(keys, point_configs)):
        if found[k] is not None:
            continue
        same = matching(configs, taken, False)
        if same and same[0] in with_runs:
            found[k] = same[0]
            taken.add(found[k])
            continue
        # Without runs, a point is keyed anew, as this sweep reads it.
        found[k] = same[0] if same else con.execute("INSERT INTO parameters (overrides_json) VALUES (?)",
                                                    (_canonical(key),)).lastrowid
        _write_key(con, found[k], key)
        taken.add(found[k])
    for k, pid in enumerate(by_key):  # a point of the key without runs, passed over: its key names the runs
        if pid is None or pid == found[k] or pid in with_runs:
            continue
        # What the sweeps before planned at it, they planned at this key's point.
        con.execute("UPDATE OR IGNORE planned SET point_id = ? WHERE point_id = ?", (found[k], pid))
        con.execute("DELETE FROM planned WHERE point_id = ?", (pid,))
        if pid not in taken:  # else another grid point took it, keyed anew
            con.execute("DELETE FROM parameter_values WHERE point_id = ?", (pid,))
            con.execute("DELETE FROM parameters WHERE point_id = ?", (pid,))
        if con.execute("SELECT 1 FROM parameters WHERE overrides_json = ?", (_canonical(keys[k]),)).fetchone() is None:
            _write_key(con, found[k], keys[k])
    point_ids = [pid for pid in found if pid is not None]
    if len(set(point_ids)) != len(point_ids):  # an internal check (see _check_keys): never two in one point
        twice = next(k for k, pid in enumerate(point_ids) if point_ids.index(pid) != k)
        raise SweepError(f"grid points {_describe(points[point_ids.index(point_ids[twice])])} and "
                         f"{_describe(points[twice])} would both be point {point_ids[twice]} of this database: "
                         "their runs would be mixed (an internal error; nothing was run)")
    return point_ids


def _write_key(con: sqlite3.Connection, point_id: int, key: Dict[str, Any]) -> None:
    """Point `point_id` of the database keyed `key`: its text and a row of each path's value."""
    con.execute("UPDATE parameters SET overrides_json = ? WHERE point_id = ?", (_canonical(key), point_id))
    con.execute("DELETE FROM parameter_values WHERE point_id = ?", (point_id,))
    con.executemany("INSERT INTO parameter_values VALUES (?, ?, ?)",
                    [(point_id, path, json.dumps(_plain(v))) for path, v in key.items()])


class _StoredPoints:
    """What the database's points may be, for one :func:`_prepare`: each configuration made once (those of
    the grid points' own overrides and keys are known already, from :func:`_validate_runs`), each stored
    scenario's configuration parsed once, each run's configuration rebuilt once."""

    def __init__(self, con: sqlite3.Connection, scenarios: Dict[str, Scenario],
                 known: Dict[Tuple[str, ...], Optional[Dict[str, str]]]):
        self.con, self.scenarios, self.known = con, scenarios, known
        self.stored: Dict[int, Tuple[Any, str]] = {}  # scenario id: its configuration (parsed) and source
        self.runs: Dict[Tuple[int, Tuple[str, ...], int], Optional[str]] = {}
        self.a_run_of: Optional[Dict[int, List[Tuple[int, int, str]]]] = None  # point: a run of each scenario

    def identity(self, overrides: List[str]) -> Optional[Dict[str, str]]:
        """The configuration hash of each scenario at a grid point of `overrides` (None: one refuses them)."""
        key = tuple(overrides)
        if key not in self.known:
            try:
                self.known[key] = {name: _at_point(sc, overrides).config_sha256 for name, sc in self.scenarios.items()}
            except ScenarioError:
                self.known[key] = None
        return self.known[key]

    def identities(self, point_id: int, point: Dict[str, Any],
                   given: Optional[Dict[str, Any]] = None) -> List[Dict[str, str]]:
        """What a point of the database may be (its identity: the configuration hash of each scenario there,
        as _validate_runs makes it); none where these scenarios cannot take it.

        A text value is ambiguous: a string (Python's, kept as it is) or YAML text (the command line's, which
        builds before :func:`_as_the_engine_reads` stored as given: ``--grid a=.01``, ``title=~``; and every
        text before terrasim kept Python's strings). Where the readings make other runs, the point's finished
        runs (of any scenario of the database, rebuilt from its stored configuration as the workers built it)
        say which it is; without any, it may be each of them: it holds nothing that could be mixed. `given`:
        the point as this sweep has it, tried first.
        """
        readings = ([given] if given is not None else []) + [point]
        if any(isinstance(v, str) and not _as_itself(v) for v in point.values()):
            readings.append({path: _YamlText(v) if isinstance(v, str) and not _as_itself(v) else v
                             for path, v in point.items()})
        made: List[Tuple[List[str], Dict[str, str]]] = []
        for reading in readings:
            overrides = _point_overrides(reading)
            identity = self.identity(overrides)
            if identity is not None:
                made.append((overrides, identity))
        if any(identity != made[0][1] for _, identity in made):  # the readings make other runs: which ran?
            if self.a_run_of is None:  # one query for all points (runs has no index by point)
                self.a_run_of = {}
                for pid, scenario_id, seed, config in self.con.execute(
                        "SELECT point_id, scenario_id, seed, config_sha256 FROM runs GROUP BY point_id, scenario_id"):
                    self.a_run_of.setdefault(pid, []).append((scenario_id, seed, config))
            for scenario_id, seed, config in self.a_run_of.get(point_id, []):
                made = [(overrides, identity) for overrides, identity in made
                        if self.config_of_run(scenario_id, overrides, seed) == config]
        identities: List[Dict[str, str]] = []
        for _, identity in made:
            if identity not in identities:
                identities.append(identity)
        return identities

    def config_of_run(self, scenario_id: int, overrides: List[str], seed: int) -> Optional[str]:
        """The configuration hash of a run of the stored scenario `scenario_id` at a grid point's `overrides`
        with `seed`, as :func:`execute_run` makes it (None: the scenario refuses them)."""
        key = (scenario_id, tuple(overrides), seed)
        if key not in self.runs:
            if scenario_id not in self.stored:
                config_json, source = self.con.execute("SELECT config_json, source FROM scenarios WHERE scenario_id = ?",
                                                       (scenario_id,)).fetchone()
                self.stored[scenario_id] = (json.loads(config_json), source)
            document, source = self.stored[scenario_id]
            try:
                self.runs[key] = _core.scenario_from_dict(document, overrides + [f"seed={seed}"], source).config_sha256
            except _core.ScenarioError:
                self.runs[key] = None
        return self.runs[key]


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
        _roll_back(con)
        raise


def _roll_back(con: sqlite3.Connection) -> None:
    """Rolls back the transaction under way, if one is: an interrupt (Ctrl-C) that comes once COMMIT is done
    finds none, and a ROLLBACK then ("no transaction is active") would take its place and be reported as a
    database error ("cannot write a finished run"), exit 2, instead of the interrupt."""
    if con.in_transaction:
        con.execute("ROLLBACK")


# ---------------------------------------------------------------------------
# Progress on stderr.

class _Progress:
    """Runs of this invocation: `todo` of the sweep's `total`, the others found finished in the database.

    The rate and the ETA count only the runs made here: a resumed sweep's
    skipped runs took no time and would show an absurd rate.
    """

    def __init__(self, todo: int, total: int, enabled: bool, stream=None):
        self.todo, self.total, self.enabled = todo, total, enabled
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
        width = 24
        if not self.todo:
            if final:
                self.stream.write(f"sweep [{'#' * width}] all {self.total} runs already in the database\n")
                self.stream.flush()
            return
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.todo - done) / rate if rate > 0 else float("nan")
        filled = int(width * done / self.todo)
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if left == left else "--:--:--"
        skipped = f"{self.todo} to run of {self.total}; " if self.todo != self.total else ""
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {skipped}{done}/{self.todo} runs, "
                          f"{rate:.1f} runs/s, {'elapsed ' + _hms(elapsed) if final else 'ETA ' + eta}   ")
        if final:
            self.stream.write("\n")
        self.stream.flush()


def _hms(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(seconds))


# ---------------------------------------------------------------------------
# Executors.

def _end_with_parent(parent: int) -> None:
    """A local worker's initializer: the worker ends when the sweep that started it does.

    A sweep killed by a signal it cannot handle (SIGKILL, or SIGTERM's default)
    cannot stop its pool, and its workers ran on, each with a simulation's
    memory, under init. On Linux the kernel sends them SIGKILL when their
    parent ends (PR_SET_PDEATHSIG); a parent already gone by then is caught
    by comparing the parent's pid.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _resolve_executor(executor: Any, workers: Optional[int]):
    """(concurrent.futures executor, owned?, worker count or None)."""
    if executor is None or executor == "local" or executor == "processes":
        # The cores this process may run on (a Slurm allocation, taskset), as Simulation(threads=0) counts
        # them: all the machine's were one simulation's memory each on a node shared with other jobs.
        n = workers or _usable_cores()
        # spawn: the parent may hold TBB threads, which fork does not copy.
        return cf.ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                                      initializer=_end_with_parent, initargs=(os.getpid(),)), True, n
    if executor == "mpi":
        from mpi4py.futures import MPIPoolExecutor
        # main=False: the workers do not import the caller's __main__, which ran a script without an
        # `if __name__ == "__main__":` guard again in each of them (mpi4py starts them later than
        # _main_module_hidden can hide it, from its own thread).
        pool = MPIPoolExecutor(max_workers=workers, main=False) if workers else MPIPoolExecutor(main=False)
        return pool, True, workers or _mpi_workers()
    if type(executor).__name__ == "Client" and hasattr(executor, "get_executor"):  # dask.distributed
        n = len(executor.scheduler_info().get("workers", {})) or None
        return executor.get_executor(pure=False), False, n
    if hasattr(executor, "submit"):
        n = getattr(executor, "_max_workers", None) or workers
        return executor, False, n
    error = ValueError if isinstance(executor, str) else TypeError
    raise error(f"executor: expected None, 'local', 'mpi', a dask Client or a concurrent.futures executor, "
                f"found {executor!r}")


def _usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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
          db: PathArg = "sweep.sqlite", *,
          executor: Any = None, workers: Optional[int] = None, base_seed: int = 1,
          months: Optional[int] = None, overrides: Overrides = None,
          series: Optional[Sequence[str]] = None, breakdowns: bool = False, threads: int = 1,
          progress: Union[bool, str] = "auto", max_in_flight: Optional[int] = None,
          _command_line: bool = False, _check_only: bool = False) -> Optional[SweepSummary]:
    """Runs every scenario x grid point x replicate not already in `db`.

    scenarios: a path, dict or Scenario, a list of them (named by file stem;
      two of one name are refused) or a dict name -> scenario.
    grid: ``{"path": [values...]}`` (their product; a value that is not a
      list, tuple, range or array is one value) or a list of override dicts
      (``{}``: a point without override); None or ``{}``: no grid, each
      scenario as it is.
    replicates: replicate r uses seed ``base_seed + r`` everywhere (common
      random numbers).
    executor: None or "local" (a process per core this process may run on:
      ``workers`` of them, by default its CPU affinity's count, a Slurm
      allocation's), "mpi" (MPIPoolExecutor),
      a dask ``distributed.Client``, or any concurrent.futures executor.
    months, overrides: applied to every scenario before hashing.
      A str value (of the grid or an overrides dict) is a string, kept as it
      is (``"null"``, ``"x #1"``); the ``"path=value"`` strings of an
      overrides list, as ``--set`` and ``--grid`` values, are YAML.
    series: names of the series to keep (default: all).
    Returns a :class:`SweepSummary`; the results are in `db` (see
    :class:`terrasim.results.SweepResults`). The scenario errors name an
    override as it was given: ``overrides['path']`` (a dict's) or ``--set #N``
    (a list's, as the command line's --set), ``grid['path']``, ``months``,
    ``base_seed`` (``_command_line``: ``--grid #K``, ``--months``, ``--seed``,
    as ``terrasim sweep`` gives them).

    Bad input raises before the database is opened: TypeError (a grid that
    is neither a dict nor a list of dicts), ScenarioError (a run's
    scenario, the scenario and grid point named first), ValueError (``seed``
    in the grid or the overrides, ``months`` in the grid, a path both in the
    grid and the overrides, or a grid path that sets what an override or
    another grid path sets under another spelling (``zones[0].x`` and
    ``zones.NAME.x``) or within it, a grid point twice or two points that make
    the same runs, two that make other runs but would be stored as one point
    (a guard: a value is stored as the engine read it, and no field of
    today's models leaves a text stored as its text beside a string of that
    text), a grid path without values or an empty list of points,
    no scenario or two of one name, an unknown series,
    `workers`, `threads` or `max_in_flight` not a whole number of at least 1,
    `db` empty, ``:memory:`` or a ``file:`` URI, which SQLite keeps nowhere or
    elsewhere) or SweepError (a database that is a folder, in no folder, not a sweep
    database, written with other settings, being written by another sweep,
    or holding a point of the same text that ran other configurations: a
    --grid value ``~`` (YAML's null) that an earlier build stored as its text,
    against a Python ``"~"``).

    A grid point is one point of the database however its values are spelt
    (``~``, ``null`` or an empty --grid value and a Python None; ``'x'``,
    ``"x"``, ``x`` and a Python ``"x"``; ``1e-2``, ``.01`` and 0.01): resumed
    under another spelling, it adds to the same runs. Its paths are applied
    in sorted order, as the database keys it, whatever order they are given
    in (it matters only where one path renames what another names).
    """
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise ValueError(f"replicates: expected a whole number of at least 1, found {replicates!r}")
    replicates = int(replicates)
    if isinstance(base_seed, bool) or not isinstance(base_seed, (int, np.integer)):
        raise ValueError(f"base_seed (--seed): expected a whole number, found {base_seed!r}")
    base_seed = int(base_seed)
    if isinstance(executor, str) and executor not in _EXECUTOR_NAMES:
        raise ValueError(f"executor (--executor): expected one of {', '.join(_EXECUTOR_NAMES)}, a dask Client or a "
                         f"concurrent.futures executor, found {executor!r}")
    for option, value, flag, least in (("workers", workers, "--workers", 1), ("threads", threads, "--threads", 1),
                                       ("max_in_flight", max_in_flight, None, 1)):
        if value is None and option != "threads":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            named_as = f"{option} ({flag})" if flag else option
            raise ValueError(f"{named_as}: expected a whole number of at least {least}, found {value!r}")
    if threads > 1024:  # as terrasim run --threads, and Simulation(threads=)
        raise ValueError(f"threads (--threads): expected a whole number from 1 to 1024, found {threads!r}")
    workers = None if workers is None else int(workers)
    threads = int(threads)
    if db is not None or not _check_only:  # _check_only: None is a database to be named later
        db = fs_path(db)
        _check_db_name(db)
    max_in_flight = None if max_in_flight is None else int(max_in_flight)
    if isinstance(series, str):
        series = [series]
    series = list(series) if series else None
    # Each override under its path, and how errors name it (as terrasim run, for the command line's).
    pairs = list(override_list_to_dict(overrides))
    extra: Dict[str, Any] = {}
    extra_labels: Dict[str, str] = {}
    for (path, value), label in zip(pairs, override_labels(overrides) or
                                    [f"--set #{i + 1}" for i in range(len(pairs))]):
        path = str(path).strip()
        extra[path], extra_labels[path] = value, label
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or months < 1:
            raise ValueError(f"months (--months): expected a whole number of at least 1, found {months!r}")
        if "months" in extra:
            raise ValueError("months: given both as months (--months) and in the overrides (--set months=...): "
                             "give it once")
        extra["months"] = months
        extra_labels["months"] = "--months" if _command_line else "months"
    # A point's paths in sorted order, as the database keys it: applied in the order given, a point whose
    # paths rename list items and look one up by name (zones[1].name=Centre, zones.Centre.x_km=30) set
    # another field in another order, and both orders, one point of the database, ran under it.
    points = [dict(sorted(point.items())) for point in grid_points(grid)]
    _check_paths(points, list(extra))
    # Everything is loaded and checked before the database is opened: bad
    # input leaves no database, and an existing one as it was.
    bases = named_scenarios(scenarios)
    named = {name: sc.with_overrides(extra, list(extra_labels.values())) for name, sc in bases.items()}
    if not named:
        raise ValueError("scenarios: none given: expected a scenario (a path, dict or Scenario), a list of them or "
                         "a dict {name: scenario}")
    point_overrides = [_point_overrides(point) for point in points]
    extra_overrides = _point_overrides(extra)
    point_configs = _validate_runs(named, bases, points, point_overrides, _grid_labels(grid, points, _command_line),
                                   extra_overrides, base_seed, replicates, "--seed" if _command_line else "base_seed")
    keys = _as_the_engine_reads(named, points, point_configs)
    _check_keys(named, points, keys)
    if series:
        _check_series(named, series)
    if db is None:
        return None
    if os.path.isdir(db):
        raise SweepError(f"{db}: is a folder, expected a sweep database file")
    folder = os.path.dirname(os.path.abspath(db))
    if not os.path.isdir(folder):
        raise SweepError(f"{db}: folder {folder} does not exist")
    if _check_only:
        # What the sweep would refuse, refused before its caller writes anything (a forecast, its staging
        # folder): the database is read, not written.
        _check_database(db, named, base_seed, _settings(series, breakdowns))
        return None
    t_start = time.perf_counter()
    with _sole_writer(db):
        con = _open(db)
        try:
            return _run(con, db, named, points, keys, point_overrides, point_configs, replicates, base_seed, series,
                        breakdowns, executor, workers, threads, progress, max_in_flight, t_start)
        finally:
            _close(con)


def check_sweep(scenarios: Any, **kwargs: Any) -> None:
    """Raises what ``sweep(scenarios, **kwargs)`` would refuse before it runs anything, as it would raise it,
    writing nothing: its input, and its database `db` (None: one to be named later), read when it is there."""
    sweep(scenarios, **kwargs, _check_only=True)


_EXECUTOR_NAMES = ("local", "processes", "mpi")


def _check_db_name(db: str) -> None:
    """Refuses a name that SQLite does not take for the file of that name: the sweep ran, said it had
    finished, and kept nothing (``""``: a temporary file, removed when it closes; ``:memory:``), or kept it
    where neither its lock nor a resumed sweep nor its results look (``file:`` names: URIs)."""
    if db == "":
        raise ValueError("db (--db): expected a database file, found an empty name")
    if db == ":memory:":
        raise ValueError("db (--db): ':memory:' is SQLite's database in memory, lost with the sweep's results "
                         "when it ends: give a file name (./:memory: for a file of that name)")
    if db.startswith("file:"):
        raise ValueError(f"db (--db): {db!r}: SQLite reads a name that begins with file: as a URI, not as the file "
                         f"of that name: give a file name (./{db} for a file of that name)")


def _run(con: sqlite3.Connection, db: str, named: Dict[str, Scenario], points: List[Dict[str, Any]],
         keys: List[Dict[str, Any]], point_overrides: List[List[str]], point_configs: List[Dict[str, str]],
         replicates: int, base_seed: int, series: Optional[List[str]],
         breakdowns: bool, executor: Any, workers: Optional[int], threads: int, progress: Union[bool, str],
         max_in_flight: Optional[int], t_start: float) -> SweepSummary:
    """The sweep proper, its database open and held by this process alone."""
    try:
        scenario_ids, point_ids = _prepare(con, named, points, keys, point_configs, base_seed,
                                           _settings(series, breakdowns))
        done = set(con.execute("SELECT scenario_id, point_id, replicate FROM runs"))
    except sqlite3.Error as e:
        raise SweepError(f"{db}: cannot prepare the sweep database ({e})") from None
    tasks = []
    for name, sc in named.items():
        config_json = sc.to_json(-1)
        for pid, ov in zip(point_ids, point_overrides):
            for r in range(replicates):
                key = (scenario_ids[name], pid, r)
                if key not in done:
                    tasks.append((key, config_json, sc.source, ov, base_seed + r, threads, series, breakdowns))
    total = len(named) * len(points) * replicates
    skipped = total - len(tasks)
    show = progress if isinstance(progress, bool) else sys.stderr.isatty()
    bar = _Progress(len(tasks), total, show)
    bar(0)
    run_seconds = db_seconds = 0.0
    n_workers = None
    completed = 0
    if tasks:
        pool, owned, n_workers = _resolve_executor(executor, workers)
        window = max_in_flight or max(4, 4 * (n_workers or 4))
        pending: Dict[cf.Future, Tuple] = {}
        queue = iter(tasks)
        stopped = False  # the pool's processes stopped (an interrupt, a failed run)
        try:
            while True:
                for task in itertools.islice(queue, max(0, window - len(pending))):
                    with _main_module_hidden(owned):
                        pending[pool.submit(execute_run, task)] = task
                if not pending:
                    break
                finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                # The runs of the batch that finished are written before an error of another is raised.
                failed: Optional[Tuple[BaseException, Tuple]] = None
                for future in finished:
                    task = pending.pop(future)
                    try:
                        result = future.result()
                    except cf.process.BrokenProcessPool:
                        failed = failed or (SweepError("a worker process ended abruptly (killed, or out of memory) "
                                                       "while it ran a simulation"), task)
                        continue
                    except Exception as e:
                        failed = failed or (e, task)
                        continue
                    t0 = time.perf_counter()
                    try:
                        _commit(con, result, task[4])
                    except sqlite3.Error as e:
                        raise SweepError(f"{db}: cannot write a finished run ({e}); the runs written so far are "
                                         "kept: the same command resumes from them") from None
                    db_seconds += time.perf_counter() - t0
                    run_seconds += result["seconds"]
                    completed += 1
                    bar(completed)
                if failed:
                    error, task = failed
                    kept = (f"the runs finished so far ({skipped + completed} of {total}) are kept in {db}: the "
                            "same command resumes from them")
                    if isinstance(error, SweepError):
                        raise SweepError(f"{error}; {kept}") from None
                    # Which run failed, said beside the error (its type kept: a caller may catch it).
                    (_, _, replicate), _, source, overrides, seed = task[:5]
                    error.add_note(f"in the run of {source}, grid point {' '.join(overrides) or '(none)'}, "
                                   f"replicate {replicate} (seed {seed}); {kept}")
                    raise error
        except BaseException:
            # The runs in flight cannot be cancelled, and their results would not be written: a pool of this
            # sweep's own processes is stopped rather than waited for (Ctrl-C, or a failed run, waited for every
            # run in flight, then dropped them; a review measured 16 s). Its futures are left to the pool, which
            # fails them as it finds its processes gone (one cancelled here made its thread raise
            # InvalidStateError). Another executor's queued runs are cancelled.
            if owned and isinstance(pool, cf.ProcessPoolExecutor):
                _stop_processes(pool)
                stopped = True
            else:
                for future in pending:
                    future.cancel()
            raise
        finally:
            if stopped:
                pool.shutdown(wait=False, cancel_futures=True)  # its processes are gone: nothing to wait for
            elif owned and _accepts_cancel(pool):
                pool.shutdown(wait=True, cancel_futures=True)
            elif owned:
                pool.shutdown(wait=True)
    if completed != len(tasks):  # cannot happen: every task is submitted, and each either commits or raises
        raise SweepError(f"{db}: {completed} of the {len(tasks)} runs to do were done; the same command resumes")
    bar(len(tasks), final=True)
    return SweepSummary(db=db, total=total, skipped=skipped, completed=completed,
                        wall_seconds=time.perf_counter() - t_start, run_seconds=run_seconds,
                        db_seconds=db_seconds, workers=n_workers)


def _stop_processes(pool: cf.ProcessPoolExecutor) -> None:
    """Stops a local process pool's workers now, without waiting for their runs.

    The task queue's feeder thread is let go first: a task still in the pipe (a scenario over 64 KiB, which a
    stopped worker will never read) made the pool's own thread wait on it for ever, and the sweep's shutdown
    wait on that thread (CPython gh-94777, before 3.12)."""
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        with contextlib.suppress(Exception):
            call_queue.cancel_join_thread()
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)
    # What is left in the pipe is read and thrown away, by a thread of ours on a copy of its reading end: a
    # feeder thread blocked writing to it (the pool's own thread may wait on it, after a worker died) then
    # finishes; left blocked, a process that went on (Jupyter) kept a blocked thread, and one that exited hung
    # there. Closing the reading end instead, as Python 3.12's pool does from its own thread, raced with the
    # feeder's own close of it when the pool ended meanwhile (a worker killed): EBADF's traceback, or, had the
    # number been reused between the two closes, another file closed.
    if call_queue is not None:
        try:
            reader = os.dup(call_queue._reader.fileno())
        except (OSError, ValueError, AttributeError):
            return  # closed already: the feeder has ended
        threading.Thread(target=_drain, args=(reader,), name="terrasim-sweep-drain", daemon=True).start()


def _drain(fd: int) -> None:
    """Reads `fd` to its end (every writer gone), then closes it."""
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


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

