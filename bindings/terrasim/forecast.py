"""The council forecast: scenarios compared over paired Monte Carlo replicates, as a report.

>>> terrasim.forecast()                                    # the Amiens baseline against the pact
>>> terrasim.forecast(["a.yaml", "b.yaml"], replicates=500, out="report-ab", lang="en")

The first scenario is the reference. Replicate r of every scenario uses seed
``base_seed + r`` (common random numbers), the runs are kept in a sweep
database (by default ``runs.sqlite`` inside the report folder) so that a
second call reuses them, and the report folder (``report.html``, ``report.pdf``
when Chromium is installed, ``charts/``, ``tables/``) is written whole or not
at all: it is assembled in a hidden folder beside ``out`` and swapped into
place (see :class:`ReportFolder`), one forecast at a time.

A *forecast file* (``scenarios/amiens/forecast.yaml``, which ships inside the
package with the Amiens scenarios) names the scenarios and the outside
figures the report draws beside the model's results:

    scenarios:                       # paths relative to this file; the first is the reference
      - {file: baseline.yaml, label: {fr: Sans le pacte, en: Without the pact}}
      - {file: pacte.yaml, label: {fr: Avec le pacte, en: With the pact}}
    title: {fr: ..., en: ...}        # optional
    level: {value: 0.10, source: ...}                          # optional: a fixed level
    creations_reference: {year: 2013, count: 1034, source: ...}  # optional
    calibrated:                      # optional: parameters the results rest on, calibrated rather than measured
      - {parameter: commuting.outside_job_finding, label: {fr: ..., en: ...}, how: {fr: ..., en: ...},
         values: [0.019, 0.022, 0.024]}                          # the values a sensitivity sweep would take

Each scenario states its own target (``target:`` in the scenario file). The
report reads it twice when a ``level`` is given: as stated (for Amiens: at or
below the national rate of the same month) and against the fixed level (at
or below 10%), each for the target month and for the mean of the three
months that end with it. A scenario without a target gets a report whose
target sections say so.
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import functools
import hashlib
import json
import math
import numbers
import os
import pathlib
import re
import shutil
import sqlite3
import stat
import sys
import time
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _core
from ._paths import PathArg, ShownMessage, fs_path, shell_word, shown
from .scenario import Overrides, Scenario, ScenarioError, override_list
from .sweep import (SweepError, SweepSummary, check_sweep, exclusive_lock, read_only_uri, series_of_stored_runs,
                    sweep)

#: Series every scenario of a forecast must record.
REQUIRED_SERIES = ("unemployment_rate", "jobs_in_territory", "policy_spending_cumulative", "creations")
#: Marks a folder as a forecast report (and holds what made it).
MARKER = "forecast.json"
DB_NAME = "runs.sqlite"
#: The report's database and the files SQLite may keep beside it: what a report folder holds of its runs.
DB_FILES = tuple(DB_NAME + suffix for suffix in ("", "-journal", "-wal", "-shm"))
DEFAULT_REPLICATES = 200


class ForecastError(ShownMessage, ValueError):
    """Bad input to a forecast: the message names the file or option, the field and what was expected."""


class ReportInternalError(RuntimeError):
    """A report that could not be written for a reason that is no bad input (a bug): its runs are kept."""


@dataclasses.dataclass(frozen=True)
class Target:
    """A scenario's target: `series` at or below (above) `reference` + `threshold`, or `threshold`, at `date`."""
    series: str
    threshold: float
    reference: Optional[str]
    direction: str
    date: Optional[str]

    @classmethod
    def of(cls, scenario: Scenario) -> Optional["Target"]:
        section = scenario.config.get("target")
        if not section or (section.get("threshold") is None and not section.get("reference")):
            return None
        return cls(series=section.get("series") or "unemployment_rate",
                   threshold=float(section.get("threshold") or 0.0), reference=section.get("reference") or None,
                   direction=section.get("direction") or "below", date=section.get("date") or None)


@dataclasses.dataclass(frozen=True)
class Level:
    """A fixed level of the target's series: the target's second reading."""
    value: float
    #: Where the level comes from: a text, or one per language (``{fr: ..., en: ...}``).
    source: Union[str, Dict[str, str]] = ""
    #: What the level is, for the reader, per language (``{fr: ..., en: ...}``): for Amiens, that the pact's
    #: goal is the national average and 10% was the article's estimate of it, so that reaching the level
    #: is not read as reaching the goal.
    note: Optional[Dict[str, str]] = None

    def __post_init__(self):
        _rate_of(self.value, "level.value")


@dataclasses.dataclass(frozen=True)
class Calibrated:
    """A parameter that the results rest on, calibrated rather than measured: the report's Methods name it, give
    its value in the runs (from the scenarios' configuration), say how it was chosen, and give the sweep over
    `values` that shows how the probabilities move with it."""
    parameter: str                   # its path in the scenario, as --set and --grid take it
    label: Dict[str, str]            # what it is, per language
    how: Dict[str, str]              # how it was calibrated, per language
    values: Tuple[float, ...]        # the sensitivity sweep's grid


@dataclasses.dataclass(frozen=True)
class CreationsReference:
    """Firm creations of a past year, drawn beside the simulated years."""
    year: int
    count: float
    source: Union[str, Dict[str, str]] = ""  # a text, or one per language

    def __post_init__(self):
        _year_of(self.year, "creations_reference.year")
        _count_of(self.count, "creations_reference.count")


#: The years a creations reference may have: those of a scenario's months (the engine's `start`), beside which
#: the report draws it.
YEARS = (1900, 2200)


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _rate_of(value: Any, where: str) -> float:
    """`value` as a level of a rate (the target's series: 0.10 is 10%), refused (ForecastError naming `where`)
    unless a number in [0, 1]: NaN or an infinity made a report that said "a level of –", and a forecast.json
    that is no JSON."""
    if not (_real(value) and 0 <= value <= 1):
        raise ForecastError(f"{where}: expected a rate in [0, 1] (0.10 for 10%), found {value!r}")
    return float(value)


def _count_of(value: Any, where: str) -> float:
    """`value` as a count of firm creations: a finite number, at least 0 (ForecastError naming `where`)."""
    if not (_real(value) and math.isfinite(value) and value >= 0):
        raise ForecastError(f"{where}: expected a number of firm creations, finite and at least 0, found {value!r}")
    return float(value)


def _year_of(value: Any, where: str) -> int:
    """`value` as a year in YEARS (a whole number; ForecastError naming `where`)."""
    whole = _real(value) and (isinstance(value, numbers.Integral) or float(value).is_integer())
    if not (whole and YEARS[0] <= value <= YEARS[1]):
        raise ForecastError(f"{where}: expected a year from {YEARS[0]} to {YEARS[1]} (those of a scenario's months), "
                            f"found {value!r}")
    return int(value)


@dataclasses.dataclass
class ForecastScenario:
    name: str
    scenario: Scenario
    label: Dict[str, str] = dataclasses.field(default_factory=dict)
    files: List[str] = dataclasses.field(default_factory=list)  # the file and those it extends, as loaded

    def __post_init__(self):
        if not self.files:
            self.files = list(self.scenario.files)

    def display(self, lang: str) -> str:
        return self.label.get(lang) or next(iter(self.label.values()), None) or self.name

    @property
    def target(self) -> Optional[Target]:
        return Target.of(self.scenario)

    @property
    def scale(self) -> float:
        return float(self.scenario.config.get("scale", 1.0))


@dataclasses.dataclass
class ForecastSpec:
    """What a forecast compares: scenarios (the first is the reference) and outside figures."""
    scenarios: List[ForecastScenario]
    title: Dict[str, str] = dataclasses.field(default_factory=dict)
    level: Optional[Level] = None
    creations_reference: Optional[CreationsReference] = None
    source: Optional[str] = None  # the forecast file, if any
    #: Readable names of the scenarios' identifiers (a cluster, a policy, a partner fund), per language:
    #: ``{numerique: {fr: numérique, en: digital}}``; the report falls back to its own words, then to the
    #: identifier with its underscores as spaces.
    labels: Dict[str, Dict[str, str]] = dataclasses.field(default_factory=dict)
    #: The parameters calibrated on the reference that the results rest on (the forecast file's `calibrated`).
    calibrated: List[Calibrated] = dataclasses.field(default_factory=list)

    def label_of(self, identifier: str, lang: str) -> Optional[str]:
        texts = self.labels.get(str(identifier))
        return (texts.get(lang) or next(iter(texts.values()), None)) if texts else None

    @property
    def reference(self) -> ForecastScenario:
        return self.scenarios[0]

    @property
    def names(self) -> List[str]:
        return [s.name for s in self.scenarios]

    def scenario(self, name: str) -> ForecastScenario:
        return next(s for s in self.scenarios if s.name == name)

    @property
    def locale(self) -> str:
        """The report's language by default: the reference scenario's `locale`."""
        return self.reference.scenario.config.get("locale") or "fr"

    # -- construction --------------------------------------------------------
    @classmethod
    def default(cls) -> "ForecastSpec":
        """The Amiens baseline against the pact, from the scenarios shipped with the package."""
        return cls.load(default_forecast_file())

    @classmethod
    def load(cls, path: PathArg) -> "ForecastSpec":
        """Reads a forecast file (see the module's documentation). Refuses (ForecastError naming the file, the
        line and column, and the field) what it cannot use, and a key given twice in a mapping."""
        path = pathlib.Path(fs_path(path))
        doc = _read_yaml(path)
        top = _At(str(path), "", getattr(doc, "mark", None))
        if not is_forecast_document(doc):
            raise ForecastError(f"{top}: not a forecast file: expected a mapping with `scenarios:` (a list)")
        known = {"scenarios", "title", "level", "creations_reference", "labels", "calibrated"}
        for key in doc:
            if key not in known:
                raise ForecastError(f"{top.key(doc, key)}: unknown field; expected one of {', '.join(sorted(known))}")
        entries, at = doc["scenarios"], top.of(doc, "scenarios")
        if not isinstance(entries, list) or len(entries) < 2:
            raise ForecastError(f"{at}: expected a list of at least two scenarios (the first is the reference), "
                                f"found {entries!r}")
        scenarios, named_at = [], {}
        for i, entry in enumerate(entries):
            where = at.of(entries, i)
            if isinstance(entry, str):
                entry = {"file": entry}
            if not isinstance(entry, Mapping) or not isinstance(entry.get("file"), str):
                raise ForecastError(f"{where}: expected a file name or {{file: NAME.yaml, label: ...}}, "
                                    f"found {entry!r}")
            for key in entry:
                if key not in ("file", "name", "label"):
                    raise ForecastError(f"{where.key(entry, key)}: unknown field; expected file, name or label")
            file = path.parent / entry["file"]
            name = _scenario_name(entry, where) or shown(file.stem)
            if name in named_at:
                raise ForecastError(f"{where.of(entry, 'name')}: two scenarios are named {name!r} (scenarios["
                                    f"{named_at[name]}] too): give each its own name (name: ...)")
            named_at[name] = i
            scenarios.append(ForecastScenario(name, _load_scenario(file, str(where.of(entry, "file"))),
                                              _texts(entry.get("label"), where.of(entry, "label"))))
        spec = cls(scenarios, title=_texts(doc.get("title"), top.of(doc, "title")), source=str(path))
        labels, at = doc.get("labels") or {}, top.of(doc, "labels")
        if not isinstance(labels, Mapping):
            raise ForecastError(f"{at}: expected a mapping of identifiers to labels, found {labels!r}")
        spec.labels = {str(k): _texts(v, at.of(labels, k)) for k, v in labels.items()}
        if doc.get("level") is not None:
            level, at = doc["level"], top.of(doc, "level")
            spec.level = Level(_rate_of(_number(level, "value", at), at.of(level, "value")),
                               _source(_field(level, "source", at, ""), at.of(level, "source")),
                               _texts(_field(level, "note", at, None), at.of(level, "note")) or None)
        if doc.get("creations_reference") is not None:
            ref, at = doc["creations_reference"], top.of(doc, "creations_reference")
            spec.creations_reference = CreationsReference(_year_of(_number(ref, "year", at), at.of(ref, "year")),
                                                          _count_of(_number(ref, "count", at), at.of(ref, "count")),
                                                          _source(_field(ref, "source", at, ""), at.of(ref, "source")))
        spec.calibrated = _calibrated(doc.get("calibrated"), top.of(doc, "calibrated"), spec.reference.scenario)
        spec._check_names()
        return spec

    @classmethod
    def from_arguments(cls, arguments: Sequence[Union[str, os.PathLike, Tuple[Optional[str], str], Scenario]]
                       ) -> "ForecastSpec":
        """Scenario files (or ``(name, path)`` pairs, or Scenarios); one argument may be a forecast file."""
        items = list(arguments)
        if len(items) == 1 and isinstance(items[0], (str, bytes, os.PathLike)) and \
                _looks_like_forecast_file(items[0]):
            return cls.load(items[0])
        scenarios = []
        for item in items:
            name = None
            if isinstance(item, tuple):
                name, item = item
            if isinstance(item, Scenario):
                sc = item
                name = name or (shown(pathlib.Path(sc.source).stem) if sc.source not in ("<dict>", "<checkpoint>")
                                else sc.title)
            else:
                if _looks_like_forecast_file(item):
                    raise ForecastError(f"{item}: a forecast file comes alone, not among scenario files")
                sc = _load_scenario(pathlib.Path(fs_path(item)), "scenario")
                name = name or shown(pathlib.Path(fs_path(item)).stem)
            scenarios.append(ForecastScenario(str(name), sc))
        if len(scenarios) < 2:
            raise ForecastError("a forecast compares at least two scenarios (the first is the reference); "
                                f"found {len(scenarios)}")
        spec = cls(scenarios)
        spec._check_names()
        return spec

    def configured(self, months: Optional[int] = None, overrides: Overrides = None,
                   level: Optional[float] = None,
                   creations_reference: Optional[Tuple[int, float]] = None) -> "ForecastSpec":
        """A copy with `months` and `overrides` applied to every scenario, and the outside figures replaced.
        Refuses (ForecastError) an override of `seed`, which the runs would not use."""
        extra = override_list(overrides)
        for item in extra:
            # The sweep sets seed=base_seed+r last in every run: an override of it changed only the report's
            # Methods, which repeated it.
            if item.partition("=")[0].strip() == "seed":
                raise ForecastError(f"overrides (--set): {item}: a forecast sets the seeds itself: replicate r of "
                                    "every scenario runs with seed base seed + r, so that the differences are "
                                    "paired; for other seeds give the base seed (--seed, base_seed), for more "
                                    "seeds more replicates (--replicates)")
        if months is not None:
            extra.append(f"months={months}")
        scenarios = []
        for s in self.scenarios:
            try:
                sc = s.scenario.with_overrides(extra)
            except ScenarioError as e:
                raise ForecastError(f"{s.scenario.source}: {e}") from None
            scenarios.append(ForecastScenario(s.name, sc, dict(s.label), list(s.files)))
        spec = dataclasses.replace(self, scenarios=scenarios)
        if level is not None:
            spec.level = Level(_rate_of(level, "level (--level)"), "--level")
        if creations_reference is not None:
            where = "creations_reference (--creations-reference)"
            if isinstance(creations_reference, (str, bytes)) or not isinstance(creations_reference, Sequence) or \
                    len(creations_reference) != 2:
                raise ForecastError(f"{where}: expected (year, count), found {creations_reference!r}")
            spec.creations_reference = CreationsReference(_year_of(creations_reference[0], f"{where}: year"),
                                                          _count_of(creations_reference[1], f"{where}: count"),
                                                          "--creations-reference")
        return spec

    def check_series(self) -> None:
        """Every scenario records the series the report needs (its target's too) and covers the reference's
        months; raises ForecastError."""
        ref = self.reference.scenario
        for s in self.scenarios[1:]:
            # The paired differences, the spending and the cost per job compare runs month by month up to one
            # horizon: a scenario that starts or ends elsewhere would be divided over other months than it spent.
            # They compare counts of workers, jobs and euros too, which a scenario at another scale counts in
            # other units (at 0.5, half the jobs: -44,421 jobs "fewer than the reference").
            for field, mine, theirs, why in (
                    ("start", s.scenario.start, ref.start, "over the same months (the same start and months; "
                     "--months sets every scenario's length)"),
                    ("months", s.scenario.months, ref.months, "over the same months (the same start and months; "
                     "--months sets every scenario's length)"),
                    ("scale", s.scale, self.reference.scale, "at the same scale (their jobs, workers and euros are "
                     "counted alike; --set scale=... sets every scenario's)")):
                if mine != theirs:
                    raise ForecastError(
                        f"{s.scenario.source}: {field}: {mine}, where the reference ({ref.source}) has {theirs}: "
                        f"a forecast compares its scenarios {why}")
        for s in self.scenarios:
            recorded = set(_core.Simulation(s.scenario._core, 1).recorder.series_names)
            needed = list(REQUIRED_SERIES)
            target = s.target
            if target:
                needed += [target.series] + ([target.reference] if target.reference else [])
            missing = [n for n in needed if n not in recorded]
            if missing:
                raise ForecastError(
                    f"{s.scenario.source}: a forecast needs the series {', '.join(missing)}, which model "
                    f"{s.scenario.model} does not record (it records {', '.join(sorted(recorded))})")
            if target and target.date and not (s.scenario.start <= target.date):
                raise ForecastError(f"{s.scenario.source}: target.date: {target.date} is before the start "
                                    f"({s.scenario.start})")

    def _check_names(self) -> None:
        seen = set()
        for s in self.scenarios:
            if s.name in seen:
                raise ForecastError(f"two scenarios are named {s.name!r}: name them (NAME=PATH)")
            seen.add(s.name)

    def to_json(self) -> Dict[str, Any]:
        return {
            "source": self.source and shown(self.source),  # None or "": no file
            "scenarios": [{"name": s.name, "label": s.label, "file": shown(s.scenario.source),
                           "config_sha256": s.scenario.config_sha256} for s in self.scenarios],
            "title": self.title,
            "level": dataclasses.asdict(self.level) if self.level else None,
            "creations_reference": dataclasses.asdict(self.creations_reference) if self.creations_reference else None,
            "labels": self.labels,
            "calibrated": [dataclasses.asdict(c) for c in self.calibrated],
        }


def default_forecast_file() -> pathlib.Path:
    """``scenarios/amiens/forecast.yaml`` as shipped inside the package (or the source tree's)."""
    here = pathlib.Path(__file__).resolve().parent
    for candidate in (here / "scenarios" / "amiens" / "forecast.yaml",
                      here.parent.parent / "scenarios" / "amiens" / "forecast.yaml"):
        if candidate.is_file():
            return candidate
    raise ForecastError(f"the default forecast is missing from this installation ({here / 'scenarios'}): "
                        "give scenario files, or reinstall terrasim")


def is_forecast_document(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "scenarios" in doc and "model" not in doc and "extends" not in doc


def _looks_like_forecast_file(path) -> bool:
    path = pathlib.Path(fs_path(path))
    if not path.is_file() or path.suffix not in (".yaml", ".yml"):
        return False
    try:
        return is_forecast_document(_read_yaml(path))
    except ForecastError:
        return False


@dataclasses.dataclass(frozen=True)
class _At:
    """Where a value of a forecast file is, as its errors name it: ``FILE:LINE:COLUMN: FIELD``."""
    file: str
    field: str = ""
    mark: Any = None  # the YAML node's start (None: no position known, the file alone is named)

    def __str__(self) -> str:
        place = self.file if self.mark is None else f"{self.file}:{self.mark.line + 1}:{self.mark.column + 1}"
        return f"{place}: {self.field}" if self.field else place

    def _field_of(self, container: Any, key: Any) -> str:
        if isinstance(container, list):
            return f"{self.field}[{key}]"
        return f"{self.field}.{key}" if self.field else str(key)

    def of(self, container: Any, key: Any) -> "_At":
        """The value at `key` (a mapping's key, a list's index) of `container`, a value read here: at its own
        position, else (missing, or not read from the file) at the container's."""
        marks = getattr(container, "marks", None)
        mark = marks.get(key, (None, None))[1] if isinstance(marks, dict) else (
            marks[key] if marks is not None and isinstance(key, int) and key < len(marks) else None)
        return _At(self.file, self._field_of(container, key), mark or self.mark)

    def key(self, container: Any, key: Any) -> "_At":
        """The key `key` of mapping `container` itself (an unknown field), at its position."""
        marks = getattr(container, "marks", None)
        mark = marks.get(key, (None, None))[0] if isinstance(marks, dict) else None
        return _At(self.file, self._field_of(container, key), mark or self.mark)


class _Map(dict):
    """A YAML mapping as read, with `mark` (its position) and `marks` (each key's and value's)."""
    mark: Any = None
    marks: Dict[Any, Tuple[Any, Any]] = {}


class _Seq(list):
    """A YAML sequence as read, with `mark` (its position) and `marks` (each item's)."""
    mark: Any = None
    marks: List[Any] = []


def _loader():
    """PyYAML's SafeLoader, whose mappings and sequences keep where their items are (:class:`_Map`,
    :class:`_Seq`), and which refuses a key given twice in a mapping (yaml.safe_load kept the last one)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_yaml_map(self, node):
            data = _Map()
            data.mark = node.start_mark
            yield data
            seen: Dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # <<: a merge, whose keys its own may replace
                    continue
                key = self.construct_object(key_node, deep=True)
                with contextlib.suppress(TypeError):  # an unhashable key, which construct_mapping refuses
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"{key}: given twice in one mapping (first at line {seen[key].line + 1}, "
                            f"column {seen[key].column + 1}), where one would replace the other without a word: "
                            "give it once", key_node.start_mark)
                    seen[key] = key_node.start_mark
            data.update(self.construct_mapping(node))
            data.marks = {self.construct_object(k, deep=True): (k.start_mark, v.start_mark)
                          for k, v in node.value}  # merged (flattened) keys first: the mapping's own win

        def construct_yaml_seq(self, node):
            data = _Seq()
            data.mark = node.start_mark
            yield data
            data.extend(self.construct_sequence(node))
            data.marks = [item.start_mark for item in node.value]

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_yaml_map)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_yaml_seq)
    return Loader


def _read_yaml(path: pathlib.Path) -> Any:
    """The YAML document of `path`, its mappings and sequences with their positions (see :func:`_loader`);
    ForecastError naming the file (and the line and column) when it is no UTF-8 text or no valid YAML."""
    import yaml
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ForecastError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ForecastError(f"{path}: is a folder, expected a YAML file") from None
    except OSError as e:
        raise ForecastError(f"{path}: cannot be read ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        # In characters, as the other positions (PyYAML's marks): the line's valid bytes before the bad one,
        # decoded (they were counted in bytes: 15 for the 12th character after three é; a review).
        column = len(data[data.rfind(b"\n", 0, e.start) + 1:e.start].decode("utf-8", "replace")) + 1
        raise ForecastError(f"{path}:{line}:{column}: not UTF-8 text (byte 0x{data[e.start]:02x}): a forecast file "
                            "is UTF-8, as scenario files are") from None
    try:
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        what = ", ".join(str(t) for t in (e.context, e.problem) if t)
        raise ForecastError(f"{where}: not valid YAML: {what}") from None
    except yaml.YAMLError as e:
        raise ForecastError(f"{path}: not valid YAML: {e}") from None


def _load_scenario(path: pathlib.Path, field: str) -> Scenario:
    if not path.exists():
        raise ForecastError(f"{path}: no such scenario file ({field})")
    if path.is_dir():
        raise ForecastError(f"{path}: is a folder, expected a scenario file ({field})")
    return Scenario.load(path)  # a ScenarioError names the file, line, column and field


def _texts(value: Any, where: Union[str, _At]) -> Dict[str, str]:
    """A label: ``"text"`` or ``{fr: ..., en: ...}``."""
    from .report.locale import LANGUAGES
    if value is None:
        return {}
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    if isinstance(value, Mapping) and all(k in LANGUAGES and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    raise ForecastError(f"{where}: expected a text or {{fr: ..., en: ...}}, found {value!r}")


def _source(value: Any, where: _At) -> Union[str, Dict[str, str]]:
    """A source: a text (any scalar, as written), or ``{fr: ..., en: ...}``."""
    return _texts(value, where) if isinstance(value, Mapping) else str(value)


def _field(section: Any, key: str, where: _At, default: Any = dataclasses.MISSING) -> Any:
    """`section`'s `key` (`where`: the section's place): refused when `section` is no mapping, or `key` is
    missing and has no default."""
    if not isinstance(section, Mapping):
        raise ForecastError(f"{where}: expected a mapping, found {section!r}")
    if key not in section:
        if default is dataclasses.MISSING:
            raise ForecastError(f"{where.of(section, key)}: missing")
        return default
    return section[key]


def _scenario_name(entry: Mapping, where: _At) -> Optional[str]:
    """A scenario's `name` in a forecast file (None: none given): a text, by which the sweep's database keys
    its runs and the report names it (3 or true ran every run, then found none of "scenario 3"; [1] was a
    TypeError)."""
    if "name" not in entry:
        return None
    name = entry["name"]
    if not isinstance(name, str) or not name.strip():
        raise ForecastError(f"{where.of(entry, 'name')}: expected a name, a text that is not empty (quote one "
                            f"that YAML reads as a number or true: \"3\"), found {name!r}")
    return shown(name)


def _calibrated(value: Any, where: _At, reference: Scenario) -> List[Calibrated]:
    """The forecast file's `calibrated`: a list of {parameter, label, how, values}, each parameter a path that the
    reference scenario takes at each of the values (checked, as --grid would)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ForecastError(f"{where}: expected a list of {{parameter: PATH, label: ..., how: ..., values: [...]}}, "
                            f"found {value!r}")
    out = []
    for i, item in enumerate(value):
        at = where.of(value, i)
        if not isinstance(item, Mapping):
            raise ForecastError(f"{at}: expected a mapping, found {item!r}")
        for key in item:
            if key not in ("parameter", "label", "how", "values"):
                raise ForecastError(f"{at.key(item, key)}: unknown field; expected parameter, label, how or values")
        parameter = _field(item, "parameter", at)
        values = _field(item, "values", at)
        if not isinstance(parameter, str) or not parameter:
            raise ForecastError(f"{at.of(item, 'parameter')}: expected a parameter's path (as --set takes it), "
                                f"found {parameter!r}")
        if not isinstance(values, list) or len(values) < 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise ForecastError(f"{at.of(item, 'values')}: expected a list of at least two numbers, found {values!r}")
        for j, v in enumerate(values):
            try:
                reference.with_overrides([f"{parameter}={v!r}"])
            except ScenarioError as e:
                raise ForecastError(f"{at.of(item, 'values').of(values, j)}: {parameter}={v!r} is refused by "
                                    f"{reference.source}: {e}") from None
        out.append(Calibrated(parameter, _texts(_field(item, "label", at), at.of(item, "label")),
                              _texts(_field(item, "how", at), at.of(item, "how")), tuple(float(v) for v in values)))
    return out


def _number(section: Any, key: str, where: _At) -> float:
    value = _field(section, key, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ForecastError(f"{where.of(section, key)}: expected a number, found {value!r}")
    return float(value)


# ---------------------------------------------------------------------------
# The report folder: assembled beside `out`, renamed into place.

class ReportFolder:
    """``out`` replaced whole: the report is assembled in ``.NAME.partial`` beside it, then put in its place.

    The staging folder also holds the sweep database while the runs are made,
    so a forecast that is interrupted resumes from it when started again; a
    previous report's database is copied in first, so that its runs are reused.

    A symbolic link `out` is followed: the report is replaced where the link
    points, and the link stays a link (a link to a report kept elsewhere, as
    ``latest -> reports/2026-12``, is updated as that report would be; the
    staging folder sits beside the report itself, where a rename can reach).

    What it makes or removes beside `out` is never followed nor taken over:
    the staging folder must be a folder of this user's own (a link, a file
    or another user's folder there is refused), the lock file likewise (see
    :func:`terrasim.sweep.exclusive_lock`), and a previous report is set
    aside under a free ``.NAME.old-PID`` name; those an earlier forecast left
    are removed only when they are this user's.
    """

    def __init__(self, out: Union[str, os.PathLike]):
        self.option = f"--out {out}"
        #: `out` as given (absolute, links kept): what the user is told
        self.given = pathlib.Path(os.path.abspath(out))
        self.out = pathlib.Path(os.path.realpath(self.given))
        self.check()
        self.staging = self.out.parent / f".{self.out.name}.partial"
        self.lock = self.out.parent / f".{self.out.name}.lock"
        #: the staging folder as this process made it (None: it did not), its own whoever the file system says
        #: owns it
        self._made_staging: Optional[os.stat_result] = None

    def check(self) -> None:
        """Refuses (ForecastError) an `out` that is not a folder, or not one a forecast may replace (a mount
        point cannot be renamed: the forecast would fail once its runs were made, and every time after), or one
        inside a forecast report (the folder made there, and this forecast's staging folder and lock beside it,
        would be what that report did not write, and the next forecast into it would be refused)."""
        around = report_around(self.out)
        if around is not None:
            raise ForecastError(f"{self.option}: inside the forecast report {around}, which a forecast replaces "
                                f"whole (its {MARKER} lists what it may hold): choose a folder outside that report")
        if self.out.exists():
            if not self.out.is_dir():
                raise ForecastError(f"{self.option}: exists and is not a folder")
            if _is_mount_point(self.out):
                raise ForecastError(f"{self.option}: {self.out} is a mount point, which a forecast cannot replace "
                                    "(it renames the new report into the folder's place): write the report to a "
                                    "folder inside it")
            if any(self.out.iterdir()):
                _check_replaceable(self.out, self.option)
        parent = self.out.parent
        if parent.exists() and not parent.is_dir():
            raise ForecastError(f"{self.option}: {parent} is not a folder")

    @contextlib.contextmanager
    def locked(self):
        """Holds ``.NAME.lock`` beside `out` (the sweep's lock: flock, released should this process die) from
        before anything is written to after the report is in place: a second forecast into the same `out` is
        refused at once, rather than both writing the staging folder's report and one of them failing.
        Raises OSError when the lock file cannot be made (the caller says where)."""
        self.out.parent.mkdir(parents=True, exist_ok=True)

        def busy(holder: str) -> Exception:
            return ForecastError(f"{self.option}: another forecast is writing this report" +
                                 (f" ({holder})" if holder else "") + ": wait until it ends, or write the report "
                                 "to another folder")
        with exclusive_lock(str(self.lock), busy, lambda e: e):
            yield

    def claims(self, path: pathlib.Path) -> Optional[str]:
        """How the real path `path` meets what this forecast writes or removes beside `out` (its staging folder,
        its lock file, a report set aside), which no database of the user's may be; None: it does not."""
        if path == self.lock:
            return f"the lock file of the forecast ({self.lock}), which it writes and removes"
        if path.with_name(path.name + ".lock") == self.lock:
            return f"a database whose lock file would be the forecast's ({self.lock})"
        for p in (path, *path.parents):
            if p == self.staging:
                return (f"inside the staging folder {self.staging}, which a forecast clears and puts in place of "
                        "--out")
            if p.parent == self.out.parent and self.set_aside(p.name):
                return f"inside {p}, a previous report set aside, which a forecast removes"
        return None

    def prepare(self, scenarios: Dict[str, Scenario], base_seed: int, log) -> pathlib.Path:
        """Creates the staging folder; returns its database: an interrupted forecast's when it fits (its runs
        are discarded when not: they are this forecast's scratch, which no user chose), else a previous report's
        copied in when it fits. Refuses (ForecastError) a database there that is not a file (never followed),
        and one, there or in the previous report, that cannot be read: its runs are never discarded unread."""
        self.make_staging()
        db = self.staging / DB_NAME
        scratch = [self.staging / name for name in DB_FILES]
        for f in scratch:
            with contextlib.suppress(FileNotFoundError):
                if not stat.S_ISREG(os.lstat(f).st_mode):
                    raise ForecastError(f"{self.option}: {f} is not a file (a symbolic link, a folder): not a database "
                                        "a forecast wrote, and it is not followed; move it away, or write the report "
                                        "to another folder")
        if any(f.exists() for f in scratch):
            why = self._incompatibility(db, scenarios, base_seed, "left by an interrupted forecast")
            if why:
                print(shown(f"terrasim forecast: the runs in {db}, left by an interrupted forecast, do not fit this "
                            f"one ({why}); discarding them"), file=log)
                for f in scratch:
                    with contextlib.suppress(FileNotFoundError):
                        f.unlink()
        previous = self.out / DB_NAME
        if not db.exists() and previous.is_file():
            why = self._incompatibility(previous, scenarios, base_seed, "of the report it replaces")
            if why:
                print(shown(f"terrasim forecast: the runs in {previous} do not fit ({why}); starting a new database"),
                      file=log)
            else:
                _copy_database(previous, db)
        return db

    def _incompatibility(self, db: pathlib.Path, scenarios: Dict[str, Scenario], base_seed: int,
                         whose: str) -> Optional[str]:
        """_incompatibility(); ForecastError, naming `db`, when it cannot be read."""
        try:
            return _incompatibility(db, scenarios, base_seed)
        except sqlite3.Error as e:
            raise ForecastError(f"{self.option}: the runs in {db}, {whose}, cannot be read ({e}); they are kept, "
                                "and neither reused nor discarded: move the file away, or write the report to "
                                "another folder") from None

    def make_staging(self) -> None:
        """Makes the staging folder, or takes the one an interrupted forecast of this user left there: a folder
        this user owns. Anything else at its name (a symbolic link, a file, another user's folder) is refused
        (ForecastError), neither followed nor cleared: the report would be written, and what is there removed,
        wherever it leads."""
        try:
            self.staging.mkdir()
            # The folder this process made is its own, whoever the file system says owns it (a share that maps
            # new files to another user: NFS's root_squash, a CIFS mount's uid=).
            self._made_staging = os.lstat(self.staging)
            return
        except FileExistsError:
            pass
        with contextlib.suppress(OSError):
            if self._made_staging is not None and os.path.samestat(self._made_staging, os.lstat(self.staging)):
                return
        why = _not_this_users_folder(self.staging)
        if why:
            raise ForecastError(f"{self.option}: {self.staging}, where a forecast assembles its report, is not a "
                                f"folder this user's forecast made ({why}); it is neither followed nor cleared: move "
                                "it away, or write the report to another folder")

    def remove_staging_if_empty(self) -> None:
        """Removes the staging folder when this process made it and it holds nothing, as a forecast refused before
        it wrote there leaves it (a folder it took over, or one that holds runs, is kept)."""
        with contextlib.suppress(OSError):
            if self._made_staging is not None and os.path.samestat(self._made_staging, os.lstat(self.staging)) \
                    and not any(self.staging.iterdir()):
                self.staging.rmdir()
                self._made_staging = None

    def clear_report_files(self, keep_db: bool) -> None:
        """Removes what a previous, interrupted attempt wrote in the staging folder (but the database and its
        journals if kept, exactly those that a report holds: a copy left half made goes too)."""
        for entry in self.staging.iterdir():
            if keep_db and entry.name in DB_FILES:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def commit(self, log) -> pathlib.Path:
        """Puts the staging folder in place of `out`; returns `out` as given.

        A previous report is swapped with the new one in one step where the
        system can (Linux's renameat2 with RENAME_EXCHANGE), so that `out` is
        never missing, else renamed aside first (and put back should the
        second rename fail). It is then renamed ``.NAME.old-PID`` (a name
        free then: nothing there is replaced) and removed; the new report is
        in place by then, so a failure to remove it is a warning naming what
        is left, not a failure. Those left so by an earlier forecast of this
        user (or by one killed between the two renames) are removed too,
        when they are this user's folders, reports, and hold nothing else.

        `out` is checked again first (:meth:`check`): what was put in it
        while the runs were made refuses the swap (ForecastError), the new
        report left in the staging folder, rather than being set aside with
        the previous report.
        """
        try:
            self.check()
        except ForecastError as e:
            raise ForecastError(f"{e}; the new report waits in {self.staging}: the same command puts it in place, "
                                "reusing its runs") from None
        old = None
        if not self.out.exists():
            if not _rename_noreplace(self.staging, self.out):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(self.staging), None,
                                      str(self.out))
        elif _exchange(self.staging, self.out):
            try:  # the previous report is at the staging name: out of the way of the next forecast's staging
                old = self._set_aside(self.staging)
            except OSError:
                old = self.staging
        else:
            old = self._set_aside(self.out)
            try:
                os.rename(self.staging, self.out)
            except BaseException:
                os.rename(old, self.out)
                raise
        if old is not None:
            _remove_previous_report(old, log)
        for leftover in self.leftovers():
            if leftover != old:
                _remove_previous_report(leftover, log, earlier=True)
        return self.given

    def _set_aside(self, folder: pathlib.Path) -> pathlib.Path:
        """Renames `folder` ``.NAME.old-PID`` beside `out` (PID followed by a count where that name is taken:
        nothing there is replaced); returns its new path."""
        for n in range(1000):
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}{n or ''}"
            if _rename_noreplace(folder, old):
                return old
        raise FileExistsError(errno.EEXIST, "every name .NAME.old-PID... is taken", str(folder), None, str(old))

    def leftovers(self) -> List[pathlib.Path]:
        """The ``.NAME.old-PID`` beside `out`: previous reports that a forecast could not remove."""
        try:
            return sorted(p for p in self.out.parent.iterdir() if self.set_aside(p.name))
        except OSError:
            return []

    def set_aside(self, name: str) -> bool:
        """Whether `name` is one that :meth:`_set_aside` gives a previous report: ``.NAME.old-`` and digits only
        (not ``.NAME.old-v1.partial``, the staging folder of an --out named ``NAME.old-v1``)."""
        return re.fullmatch(rf"\.{re.escape(self.out.name)}\.old-[0-9]+", name) is not None


def _not_this_users_folder(path: pathlib.Path, any_owner: bool = False) -> Optional[str]:
    """Why `path` (which exists) is not a folder of this user that a forecast may write in or remove: it is a
    symbolic link (never followed), not a folder, or another user's (unless `any_owner`). None: it is one."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    if not any_owner and st.st_uid != os.geteuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if _is_mount_point(path):
        return "it is a mount point"
    return None


def _is_mount_point(path: pathlib.Path) -> bool:
    """Whether a filesystem is mounted at `path` (a real path): another one (its device is not its parent's), or
    a folder of the same one mounted there too (a bind mount), which only /proc/self/mountinfo lists."""
    if os.path.ismount(path):
        return True
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    def unescaped(field: bytes) -> bytes:  # space, tab, newline and backslash are written in octal (\040)
        return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)
    mount_points = {unescaped(fields[4]) for fields in (line.split(b" ") for line in lines) if len(fields) > 4}
    return os.fsencode(path) in mount_points


def _remove_previous_report(folder: pathlib.Path, log, earlier: bool = False) -> None:
    """Removes a previous report, set aside by a forecast that replaced it, when it holds nothing else (its
    forecast.json last: a removal cut short leaves a folder still known as a report); says what it leaves.
    `earlier`: set aside by an earlier forecast, removed only when it is this user's own folder."""
    advice = "it is left as it is"
    yours = "move your files out of it, and a later forecast into this folder removes it"
    try:
        why = _not_this_users_folder(folder, any_owner=not earlier)
        if why:
            raise ForecastError(why)
        if not any(folder.iterdir()):  # `out` was an empty folder
            folder.rmdir()
            return
        marker, why = read_marker(folder)
        if marker is None:
            advice = yours
            raise ForecastError(f"it is not a forecast report: {why}")
        foreign = foreign_entries(folder, marker)
        if foreign:
            advice = yours
            raise ForecastError(f"it holds what its report did not write: {', '.join(foreign[:5])}"
                                f"{f' and {len(foreign) - 5} more' if len(foreign) > 5 else ''}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name == MARKER):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        folder.rmdir()
    except (OSError, ForecastError) as e:
        reason = f"{e.strerror}: {e.filename}" if isinstance(e, OSError) and e.strerror else str(e)
        print(shown(f"terrasim forecast: warning: a previous report is left in {folder}, which could not be removed "
                    f"({reason}); the new report is in place: {advice}"), file=log)


#: renameat2's flags that refuse to replace the target and that swap two paths (linux/fs.h), and the "current
#: folder" of the *at calls.
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
AT_FDCWD = -100


@functools.lru_cache(maxsize=1)
def _renameat2():
    """libc's renameat2 (glibc 2.28 and later), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _exchange(a: pathlib.Path, b: pathlib.Path) -> bool:
    """Swaps `a` and `b` (both there) in one step; False, having changed nothing, where the system cannot: no
    renameat2, or an error by which a kernel or filesystem says it does not swap (EINVAL, ENOSYS, EOPNOTSUPP;
    EPERM, which a container's system-call filter gives). Other errors raise OSError."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _rename_noreplace(a: pathlib.Path, b: pathlib.Path) -> bool:
    """Renames `a` to `b` unless something is there (a folder, a link, anything): False then, having changed
    nothing. In one step where the system can (renameat2's RENAME_NOREPLACE), else checked first. Other errors
    raise OSError."""
    renameat2 = _renameat2()
    if renameat2 is not None:
        if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_NOREPLACE) == 0:
            return True
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            return False
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
            raise OSError(err, os.strerror(err), str(a), None, str(b))
    if os.path.lexists(b):
        return False
    os.rename(a, b)
    return True


#: The most of a forecast.json read to tell whether it is a report's (a report's is a few kB).
MARKER_MAX_BYTES = 1 << 22


def read_marker(folder: pathlib.Path) -> Tuple[Optional[Dict[str, Any]], str]:
    """The forecast.json of report folder `folder`, or (None, why it is no report's)."""
    path = folder / MARKER
    if not path.exists() and not path.is_symlink():
        return None, f"no {MARKER}"
    if path.is_symlink() or not path.is_file():
        return None, f"its {MARKER} is not a file"
    try:
        if path.stat().st_size > MARKER_MAX_BYTES:
            return None, f"its {MARKER} is not one a terrasim forecast wrote"
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return None, f"its {MARKER} cannot be read ({getattr(e, 'strerror', None) or e})"
    if not (isinstance(doc, dict) and doc.get("kind") == "terrasim forecast" and isinstance(doc.get("files"), list)
            and all(isinstance(f, str) for f in doc["files"])):
        return None, f"its {MARKER} is not one a terrasim forecast wrote"
    return doc, ""


def foreign_entries(folder: pathlib.Path, marker: Dict[str, Any]) -> List[str]:
    """What report folder `folder` holds that its report did not write (as its forecast.json lists it): paths
    relative to it, a folder's with a trailing /, sorted. A link or other non-regular file is never the report's."""
    files = {MARKER} | set(marker["files"])
    if marker.get("database") == DB_NAME:  # with its journal, should a reader have left one
        files |= set(DB_FILES)
    folders = {str(parent) for f in files for parent in pathlib.PurePosixPath(f).parents if str(parent) != "."}
    found: List[str] = []

    def walk(path: pathlib.Path, prefix: str) -> None:
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if name in folders:
                    walk(pathlib.Path(entry.path), name + "/")
                else:
                    found.append(name + "/")
            elif not (entry.is_file(follow_symlinks=False) and name in files):
                found.append(name)
    walk(folder, "")
    return found


def report_around(path: pathlib.Path) -> Optional[pathlib.Path]:
    """The forecast report folder that the real path `path` lies inside (the nearest, `path` itself not
    counted; a folder that cannot be read is none), or None."""
    for folder in path.parents:
        with contextlib.suppress(OSError):
            if read_marker(folder)[0] is not None:
                return folder
    return None


def _check_replaceable(folder: pathlib.Path, option: str) -> None:
    """Refuses (ForecastError) to replace `folder`, which is not empty, unless it is a forecast report that holds
    only what its report wrote: a forecast replaces its folder whole, and a user's file in it would be lost."""
    marker, why = read_marker(folder)
    if marker is None:
        raise ForecastError(f"{option}: the folder exists and is not a forecast report ({why}); choose another "
                            "folder: a forecast replaces its folder whole")
    foreign = foreign_entries(folder, marker)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ForecastError(f"{option}: this forecast report holds what its report did not write ({shown}); a "
                            "forecast replaces its folder whole: move them out of it, or choose another folder")


def _incompatibility(db: pathlib.Path, scenarios: Dict[str, Scenario], base_seed: int) -> Optional[str]:
    """Why the runs of database `db` cannot serve these scenarios (None: they can). Raises sqlite3.Error when
    `db` cannot be read (not a database, not there, a disk error): its runs are then not judged."""
    con = sqlite3.connect(read_only_uri(db), uri=True)
    try:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "scenarios", "runs", "series"} <= tables:
            return "not a sweep database"
        meta = dict(con.execute("SELECT key, value FROM meta"))
        hashes = dict(con.execute("SELECT name, config_sha256 FROM scenarios"))
        # The series that runs of each scenario hold (a forecast keeps every series its model records).
        kept = {name: series_of_stored_runs(con, scenario_id)
                for name, scenario_id in con.execute("SELECT name, scenario_id FROM scenarios").fetchall()}
    finally:
        con.close()
    if meta.get("terrasim_version") != _core.__version__:
        return f"made by terrasim {meta.get('terrasim_version')}"
    if meta.get("base_seed") != str(base_seed):
        return f"base seed {meta.get('base_seed')}, not {base_seed}"
    # a forecast keeps every series and no breakdowns (absent: written before meta said, by a forecast)
    if meta.get("series", "null") != "null" or meta.get("breakdowns", "false") != "false":
        return "it keeps other series or breakdowns"
    changed = [name for name, sc in scenarios.items() if name in hashes and hashes[name] != sc.config_sha256]
    if changed:
        return f"scenario {', '.join(changed)} had another configuration"
    # A build of the same version that recorded fewer series (portal_cash came within 0.4.3): its report would
    # leave out what needs them without a word.
    for name, sc in scenarios.items():
        missing = sorted(set().union(*(set(sc.series_names) - held for held in kept.get(name, []))))
        if missing:
            return f"the runs of scenario {name} lack the series {', '.join(missing)}, which this build records"
    return None


def _grid_points(db: pathlib.Path) -> List[str]:
    """The grid points with overrides of sweep database `db`, as ``a=1, b=2`` (none: [] too when `db` is not
    there, or not a sweep database, which the sweep then reports)."""
    from .sweep import _describe
    if not db.is_file():
        return []
    try:
        con = sqlite3.connect(read_only_uri(db), uri=True)
        try:
            rows = con.execute("SELECT overrides_json FROM parameters WHERE overrides_json != '{}' "
                               "ORDER BY point_id").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return []
    return [_describe(json.loads(text)) for (text,) in rows]


def _single_file(db: pathlib.Path) -> None:
    """Leaves the database as one file (no -wal, -shm beside it), as a report folder should hold it."""
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
    finally:
        con.close()


def _copy_database(src: pathlib.Path, dst: pathlib.Path) -> None:
    tmp = dst.with_name(dst.name + ".copy")
    with contextlib.suppress(FileNotFoundError):  # left by a copy cut short: not added to
        tmp.unlink()
    a = sqlite3.connect(read_only_uri(src), uri=True)
    b = sqlite3.connect(tmp)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    os.replace(tmp, dst)


# ---------------------------------------------------------------------------

@dataclasses.dataclass
class ForecastResult:
    """What :func:`forecast` made."""
    out: pathlib.Path
    html: pathlib.Path
    pdf: Optional[pathlib.Path]
    db: pathlib.Path
    sweep: SweepSummary
    analysis: Any            # terrasim.report.Analysis
    summary: List[str]       # the plain-language summary, sentence by sentence
    lang: str
    wall_seconds: float


def default_out(spec: ForecastSpec) -> str:
    """``forecast-<reference>-<other>...``, in the current folder."""
    return "forecast-" + "-".join(_slug(n) for n in spec.names)


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_." else "-" for c in text)
    return keep.strip("-.") or "scenario"


def forecast(scenarios: Union[None, PathArg, ForecastSpec, Sequence[Any], Mapping[str, Any]] = None, *,
             replicates: int = DEFAULT_REPLICATES, out: Optional[PathArg] = None,
             db: Optional[PathArg] = None, lang: Optional[str] = None, base_seed: int = 1,
             months: Optional[int] = None, overrides: Overrides = None, level: Optional[float] = None,
             creations_reference: Optional[Tuple[int, float]] = None, executor: Any = None,
             workers: Optional[int] = None, pdf: bool = True, progress: Union[bool, str] = "auto",
             log=None) -> ForecastResult:
    """Runs the paired replicates that are not in the database yet, then writes the report folder.

    scenarios: None (the Amiens baseline against the pact), a forecast file, a
      :class:`ForecastSpec`, a list of scenario files / Scenarios (the first is
      the reference) or a dict name -> scenario.
    replicates: paired replicates per scenario; replicate r uses seed base_seed + r everywhere.
    out: the report folder (default ``forecast-<names>`` in the current folder), replaced whole: it must be
      missing, empty, or a report that holds only what its report wrote, and no mount point, nor inside a
      report (a folder that holds a report lower down is no report); a symbolic link is followed.
    db: the sweep database (default ``runs.sqlite`` inside `out`); not inside `out` or another report (to report
      a report's runs again, give a copy of its ``runs.sqlite``), nor among what the forecast writes or removes
      beside it (``.NAME.partial``, ``.NAME.lock``, ``.NAME.old-PID``).
    lang: "fr" or "en" (default: the reference scenario's ``locale``).
    months, overrides: applied to every scenario. level, creations_reference: replace the forecast file's.
    pdf: also print ``report.pdf`` with headless Chromium when it is installed.
    Raises ForecastError (or ScenarioError) on bad input, before anything is written; ForecastError too when
    another forecast is writing `out`, or when the report cannot be written (a previous report is then left
    as it was, and the runs made are kept).
    """
    from . import report
    from .report.locale import LANGUAGES
    t0 = time.perf_counter()
    log = log or sys.stderr
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ForecastError(f"replicates: expected a whole number of at least 1, found {replicates!r}")
    if lang is not None and lang not in LANGUAGES:
        raise ForecastError(f"lang: expected one of {', '.join(LANGUAGES)}, found {lang!r}")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
        raise ForecastError(f"months: expected a whole number of at least 1, found {months!r}")
    # Paths as open() takes them: str, bytes or PathLike (see terrasim._paths).
    out = None if out is None else fs_path(out)
    db = None if db is None else fs_path(db)
    spec = _spec_of(scenarios).configured(months, overrides, level, creations_reference)
    spec.check_series()
    lang = lang or spec.locale
    out_option = f"--out {out if out is not None else default_out(spec)}"
    try:
        folder = ReportFolder(out if out is not None else default_out(spec))
    except OSError as e:  # a folder it cannot read
        raise _cannot_write(out_option, e) from None
    named = {s.name: s.scenario for s in spec.scenarios}
    if db is not None and pathlib.Path(os.path.realpath(db)) == folder.out / DB_NAME:
        db = None  # the report folder's own database
    if db is not None:
        db_path = pathlib.Path(os.path.abspath(db))
        real = pathlib.Path(os.path.realpath(db_path))
        if folder.out == real or folder.out in real.parents:
            raise ForecastError(f"--db {db}: inside the report folder {folder.out}, which a forecast replaces "
                                f"whole; leave --db out (the report keeps its runs in {DB_NAME}) or choose "
                                "another place")
        around = report_around(real)
        if around is not None and real == around / DB_NAME:
            # Another report of the same runs (in another language, say) would add to that report's database
            # the runs it lacks, under that report's feet and without its lock: a copy serves, the report stays.
            raise ForecastError(f"--db {db}: the database of the forecast report {around}, which this forecast "
                                "would write to (the runs it lacks) while that report stands on it; to report its "
                                f"runs again, give a copy of it: cp {shell_word(db)} runs-copy.sqlite, then "
                                "--db runs-copy.sqlite")
        if around is not None:
            raise ForecastError(f"--db {db}: inside the forecast report {around}, which a forecast replaces whole; "
                                f"leave --db out (the report keeps its runs in {DB_NAME}) or choose another place")
        clash = folder.claims(real)
        if clash:
            raise ForecastError(f"--db {db}: {clash}; leave --db out (the report keeps its runs in {DB_NAME}) or "
                                "choose another place")
        if db_path.is_dir():
            raise ForecastError(f"--db {db}: is a folder, expected a database file")
        if not db_path.parent.is_dir():
            raise ForecastError(f"--db {db}: folder {db_path.parent} does not exist")
        grid = _grid_points(db_path)
        if grid:
            # The report reads each scenario's replicates as written, without
            # overrides; a grid's runs are other configurations, which it
            # would count as replicates (or, once its own were added, refuse
            # after running them). Refused before anything runs.
            raise ForecastError(
                f"--db {db}: this sweep database holds a parameter grid ({len(grid)} points with overrides: "
                f"{'; '.join(grid[:3])}{'; ...' if len(grid) > 3 else ''}); a forecast compares the scenarios as "
                "written, without overrides, and cannot use a grid's runs: give it a database of its own, or leave "
                f"--db out (the report keeps its runs in its folder's {DB_NAME})")
    # What the sweep would refuse (base_seed, executor, workers, the seeds the runs would take, and --db, read),
    # refused before anything is written: the staging folder of a refused forecast was left behind.
    try:
        check_sweep(named, replicates=replicates, db=None if db is None else db_path, executor=executor,
                    workers=workers, base_seed=base_seed, progress=progress)
    except SweepError as e:
        raise ForecastError(f"{e} (--db {db_path})" if db is not None else str(e)) from None
    with contextlib.ExitStack() as held:
        # The lock, before anything is written; the folder checked again under it (another forecast may have
        # replaced it meanwhile); then the staging folder, --db or not: a place it cannot write is said before
        # the runs.
        try:
            held.enter_context(folder.locked())
            folder.check()
            try:
                if db is None:
                    db_path = folder.prepare(named, base_seed, log)
                else:
                    folder.make_staging()
            except BaseException:  # refused (a previous report's runs that cannot be read): nothing left behind
                folder.remove_staging_if_empty()
                raise
        except (OSError, sqlite3.Error) as e:
            raise _cannot_write(out_option, e, db=folder.staging / DB_NAME) from None
        try:
            summary = sweep(named, replicates=replicates, db=db_path, executor=executor, workers=workers,
                            base_seed=base_seed, progress=progress)
        except SweepError as e:
            # which database, when the user named none and the message does not say it
            raise ForecastError(f"{e} (--db {db_path})" if db is not None else str(e) if str(db_path) in str(e)
                                else f"{e} (the forecast's database: {db_path})") from None
        kept_in = folder.out / DB_NAME if db is None else db_path
        print(f"terrasim forecast: {summary.completed} runs done, {summary.skipped} already in {shown(kept_in)}, "
              f"{summary.total} in all; {summary.wall_seconds:.1f} s", file=log)
        try:
            try:
                analysis = report.analyse(db_path, spec, replicates=replicates, base_seed=base_seed)
                if db is None:
                    _single_file(db_path)
                folder.make_staging()
                folder.clear_report_files(keep_db=db is None)
                written = report.write_report(analysis, folder.staging, lang=lang, pdf=pdf, log=log)
            except (ForecastError, report.AnalysisError, OSError, sqlite3.Error, MemoryError):
                raise  # bad input, or the machine's trouble (a disk, a locked database, memory): not the report's bug
            except Exception as e:  # a bug of the report's code, not bad input: said so, with where the runs are
                raise ReportInternalError(f"internal error while writing the report ({type(e).__name__}: {e}); the "
                                          f"runs are kept in {shown(db_path)}: the same command resumes from them once it is "
                                          "fixed") from e
            db_in_report = db is None
            _write_marker(folder.staging / MARKER, spec, replicates, base_seed, lang,
                          DB_NAME if db_in_report else shown(db_path), written)
            final = folder.commit(log)
        except (OSError, sqlite3.Error) as e:  # a previous report is as it was; the runs are kept
            raise _cannot_write(out_option, e, db_path, db_path) from None
        final_db = final / DB_NAME if db_in_report else db_path
        analysis.db = str(final_db)
        return ForecastResult(out=final, html=final / written["html"],
                              pdf=(final / written["pdf"]) if written.get("pdf") else None, db=final_db, sweep=summary,
                              analysis=analysis, summary=written["summary"], lang=lang,
                              wall_seconds=time.perf_counter() - t0)


def _cannot_write(option: str, e: Union[OSError, sqlite3.Error], runs: Optional[pathlib.Path] = None,
                  db: Optional[pathlib.Path] = None) -> ForecastError:
    """A forecast that could not write (or read) its report folder or database `db`, in one line naming the
    path (and where its runs are kept, when they were made)."""
    if isinstance(e, OSError):
        where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
        what = f"{where}: {e.strerror or e}" if where else str(e.strerror or e)
    else:
        what = f"{db}: {e}"
    return ForecastError(f"{option}: cannot write the report ({what})" +
                         (f"; the runs are kept in {runs}: the same command resumes from them" if runs else ""))


def _spec_of(scenarios) -> ForecastSpec:
    if scenarios is None:
        return ForecastSpec.default()
    if isinstance(scenarios, ForecastSpec):
        return scenarios
    if isinstance(scenarios, (str, bytes, os.PathLike, Scenario)):
        return ForecastSpec.from_arguments([scenarios])
    if isinstance(scenarios, Mapping):
        return ForecastSpec.from_arguments(list(scenarios.items()))
    return ForecastSpec.from_arguments(list(scenarios))


def _write_marker(path: pathlib.Path, spec: ForecastSpec, replicates: int, base_seed: int, lang: str, db: str,
                  written: Dict[str, Any]) -> None:
    doc = {
        "kind": "terrasim forecast",
        "terrasim": _core.__version__,
        "replicates": replicates,
        "base_seed": base_seed,
        "seeds": [base_seed, base_seed + replicates - 1],
        "lang": lang,
        "database": db,
        "files": sorted(str(p) for p in written["files"]),
        "forecast": spec.to_json(),
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def file_sha256(path: Union[str, os.PathLike]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()
