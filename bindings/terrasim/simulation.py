"""Running a scenario: step by step or to the end, with pandas and NumPy views.

The engine runs without the GIL; between months it takes the GIL back for a
moment so that Ctrl-C raises ``KeyboardInterrupt`` and leaves the simulation
at a clean month boundary (call :meth:`Simulation.run` again to continue).
"""
from __future__ import annotations

import json
import operator
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._paths import PathArg, fs_path
from .scenario import Overrides, Scenario, ScenarioLike


class StaleViewError(RuntimeError):
    """A view read after its simulation advanced past the month it was taken at."""


def _threads(value: Any) -> int:
    """`threads` as the engine takes it, checked as terrasim run --threads: 0 (every core) to 1024."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= 1024:
        raise ValueError(f"threads: expected a whole number from 0 (every core) to 1024, found {value!r}")
    return int(value)


class View:
    """A read-only NumPy view of a simulation's data, valid while the simulation stays at one month.

    A view taken at month *t* refuses to be read once the simulation has
    moved on (``StaleViewError``, checked against the engine's generation
    counter): take a new one after stepping. The view keeps its simulation
    alive.

    An agent column's view (:meth:`Simulation.column`) shares the engine's
    memory, which the next step changes and may free. Only :attr:`array`
    gives that memory itself, without a copy, valid until the next step;
    everything that may keep an array (``np.asarray(view)``,
    ``pd.Series(view)``, ``view[a:b]``, ``iter(view)``, :meth:`copy`, the
    comparisons ``view == x``...) gets a copy, which stays valid, read as
    one call of the engine (refused while another thread's call on the
    simulation runs; ``repr`` then says it did not read them). A series' or
    breakdown's view holds its own array of the months recorded so far (a
    few hundred numbers), which stays valid too.
    """

    __slots__ = ("_owner", "_array", "_month", "_generation", "_retake", "_shared", "name")

    def __init__(self, owner: "Simulation", array: np.ndarray, name: str, generation: int, month: int,
                 retake: Optional[str] = None, shared: bool = False):
        # The generation and month are the caller's, read before it took the array: read here, after,
        # a step of another thread in between tagged the earlier month's array as current.
        self._owner = owner
        self._array = array
        self._month = month
        self._generation = generation
        self._retake = retake or f"sim.view({name!r})"
        self._shared = shared  # the array is the engine's memory
        self.name = name

    @property
    def taken_at(self) -> int:
        """The month (number of months simulated) at which the view was taken."""
        return self._month

    @property
    def stale(self) -> bool:
        return self._owner._sim.generation != self._generation

    def _stale(self) -> StaleViewError:
        return StaleViewError(
            f"the view of {self.name!r} was taken after month {self._month}, and the simulation has "
            f"since advanced to month {self._owner.month}: its memory may have been reallocated. "
            f"Take a new view ({self._retake}) after stepping.")

    def _checked(self) -> np.ndarray:
        if self._owner._sim.generation != self._generation:
            raise self._stale()
        return self._array

    def _read(self, key=None):
        """array[key] (the whole array for None), copied when it is an array; for the engine's memory,
        checked and read as one call of the engine, so that no step starts in between."""
        # A key that is itself a view is read first, as an array: NumPy converting it inside the engine's call
        # asked for the same simulation again, which refused it as "busy" (sim.column(...)[other_view]).
        if isinstance(key, View):
            key = key._read()
        elif isinstance(key, tuple) and any(isinstance(k, View) for k in key):
            key = tuple(k._read() if isinstance(k, View) else k for k in key)
        if not self._shared:
            part = self._checked() if key is None else self._checked()[key]
            return part.copy() if isinstance(part, np.ndarray) and key is None else part
        current, part = self._owner._sim._read_if_current(self._array, self._generation, key)
        if not current:
            raise self._stale()
        return part

    @property
    def array(self) -> np.ndarray:
        """The read-only ndarray itself, without a copy. For an agent column
        it is the engine's memory: valid until the next step only (read it
        at once; keep :meth:`copy` instead)."""
        return self._checked()

    def copy(self) -> np.ndarray:
        """A writable copy that stays valid forever."""
        return self._read()

    def __array__(self, dtype=None, copy=None):
        if copy or self._shared:  # whoever asks may keep it: never the engine's memory
            a = self._read()
            return a if dtype is None else a.astype(dtype)
        a = self._checked()
        return a if dtype is None else a.astype(dtype)

    def __len__(self) -> int:
        return len(self._checked())

    def __getitem__(self, key):
        return self._read(key)

    def __iter__(self):
        # Over a copy for the engine's memory: an iterator over the array itself, consumed after a step,
        # read what the step had freed.
        return iter(self._read() if self._shared else self._checked())

    # Comparisons are the values', element by element, as NumPy's (`view == x` was an identity test,
    # always False).
    def _elementwise(op):  # noqa: N805 (a factory used in the class body)
        return lambda self, other: op(np.asarray(self), other)

    __eq__, __ne__ = _elementwise(operator.eq), _elementwise(operator.ne)
    __lt__, __le__ = _elementwise(operator.lt), _elementwise(operator.le)
    __gt__, __ge__ = _elementwise(operator.gt), _elementwise(operator.ge)
    del _elementwise
    __hash__ = None

    @property
    def shape(self):
        return self._checked().shape

    @property
    def dtype(self):
        return self._array.dtype

    def __repr__(self) -> str:
        return f"<terrasim.View {self.name!r} at month {self._month}: {self._state()}>"

    def _state(self) -> str:
        """The values for repr: NumPy's, or "stale"; the engine's memory read as one call of the engine, as
        _read reads it (a step that another thread had begun, the check passed, could free it under NumPy's
        read), only its ends where NumPy would print those alone."""
        if self.stale:
            return "stale"
        if not self._shared:
            return repr(self._array)
        n, options = len(self._array), np.get_printoptions()
        edge = options["edgeitems"]
        summarised = n > options["threshold"] and n > 2 * edge  # NumPy then prints the ends alone
        key = np.r_[0:edge, n - edge:n] if summarised else None
        try:
            current, part = self._owner._sim._read_if_current(self._array, self._generation, key)
        except RuntimeError:  # another thread's call on the simulation runs
            return "not read, the simulation being busy"
        if not current:
            return "stale"
        if not summarised:
            return repr(part)
        # NumPy's own text: an array of n with those ends (zeros elsewhere, which it does not print; memory
        # the system gives zeroed, touched only at the ends).
        shown = np.zeros(n, dtype=part.dtype)
        shown[:edge], shown[n - edge:] = part[:edge], part[edge:]
        return repr(shown)


def _period_index(labels: Sequence[str]) -> pd.PeriodIndex:
    return pd.PeriodIndex(list(labels), freq="M", name="month")


class ColumnInfo(NamedTuple):
    """One agent column of a model (see :meth:`Simulation.columns`)."""
    agents: str  # "workers", "firms"...
    name: str
    dtype: str   # NumPy type code, e.g. "u1", "u4", "f8"
    size: int    # elements (slots) at the current month
    doc: str


class Simulation:
    """A simulation of one scenario.

    >>> sim = terrasim.Simulation("scenarios/dock/small.yaml", {"months": 24})
    >>> sim.run()
    >>> sim.series()["unemployment_rate"].tail()
    """

    def __init__(self, scenario: ScenarioLike, overrides: Overrides = None, threads: int = 1,
                 *, _core_sim: Optional["_core.Simulation"] = None):
        if _core_sim is not None:
            self._sim = _core_sim
            self._scenario = Scenario(_core_sim.scenario)
        else:
            self._scenario = Scenario.coerce(scenario, overrides)
            self._sim = _core.Simulation(self._scenario._core, _threads(threads))
        self._recorder = self._sim.recorder

    # -- state ---------------------------------------------------------------
    scenario = property(lambda self: self._scenario)
    month = property(lambda self: self._sim.month, doc="months simulated so far")
    months = property(lambda self: self._sim.months, doc="months to simulate in all")
    done = property(lambda self: self._sim.done)
    threads = property(lambda self: self._sim.threads)

    @property
    def current_month(self) -> Optional[pd.Period]:
        """The calendar month last simulated (None before the first)."""
        if self.month == 0:
            return None
        return pd.Period(_core.month_label(self._scenario.start, self.month - 1), freq="M")

    @property
    def provenance(self) -> Dict[str, str]:
        return dict(self._sim.provenance())

    def profile(self) -> pd.DataFrame:
        """Seconds spent in each phase so far."""
        rows = self._sim.profile()
        return pd.DataFrame(rows, columns=["phase", "calls", "seconds"]).set_index("phase")

    def __copy__(self):
        # copy.copy shared the engine: stepping the "copy" advanced the original, whose cached scenario
        # then disagreed with the engine's.
        raise TypeError("a Simulation cannot be copied with copy.copy or copy.deepcopy: fork() makes an "
                        "independent simulation at the same month")

    def __deepcopy__(self, memo):
        return self.__copy__()

    # -- running -------------------------------------------------------------
    def step(self, months: int = 1) -> "Simulation":
        """Simulates `months` more months (stops at the end).

        A month whose rule raises (a state the model refuses, memory that
        runs out) leaves the state part of that month's: the simulation then
        refuses to step, run, change or be checkpointed (RuntimeError, saying
        why), while its months before stay readable."""
        for _ in range(months):
            if self._sim.done:
                break
            self._sim.step()
        return self

    def run(self, until: Union[int, str, None] = None,
            progress: Optional[Callable[[int, int], Any]] = None) -> "Simulation":
        """Simulates to the end, or until `until` months have been simulated
        (an int, or a month "YYYY-MM" that is the last one to simulate).
        Ctrl-C raises KeyboardInterrupt between two months; the simulation
        stays usable."""
        if until is None:
            stop = -1
        elif isinstance(until, (int, np.integer)) and not isinstance(until, bool):
            stop = int(until)
            if not self.month <= stop <= self.months:
                raise ValueError(f"until={stop}: expected a number of months simulated between the current "
                                 f"{self.month} and the last {self.months}")
        else:
            start = pd.Period(self._scenario.start, freq="M")
            text = str(until)
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
                raise ValueError(f"until={until!r}: expected a month as 'YYYY-MM' or a number of months")
            stop = (pd.Period(text, freq="M") - start).n + 1
            first = (start + self.month).strftime("%Y-%m")
            last = (start + self.months - 1).strftime("%Y-%m")
            if not self.month <= stop <= self.months:
                raise ValueError(f"until={text}: expected a month between {first} (the next to simulate) and "
                                 f"{last} (the last)" if self.month < self.months else
                                 f"until={text}: the simulation has already simulated every month, to {last}")
        if progress is not None and not callable(progress):
            raise TypeError(f"progress: expected a function of (months simulated, months in all), found {progress!r}")
        self._sim.run(stop, progress, True)
        return self

    def __iter__(self) -> Iterator[int]:
        """Steps to the end, yielding the number of months simulated after each."""
        while not self._sim.done:
            self._sim.step()
            yield self._sim.month

    # -- outputs -------------------------------------------------------------
    @property
    def series_names(self) -> List[str]:
        return list(self._recorder.series_names)

    @property
    def breakdown_names(self) -> List[str]:
        return list(self._recorder.breakdown_names)

    @property
    def labels(self) -> List[str]:
        return list(self._recorder.labels)

    def view(self, name: str) -> View:
        """A read-only view of one monthly series, the months so far (see :class:`View`)."""
        generation, month = self._sim.generation, self._sim.month  # before the array (View)
        return View(self, self._recorder.series_view(name), name, generation, month)

    def breakdown_view(self, name: str) -> View:
        """A read-only view of a breakdown: shape (months, categories, columns)."""
        generation, month = self._sim.generation, self._sim.month
        return View(self, self._recorder.breakdown_view(name), name, generation, month)

    # -- agents ---------------------------------------------------------------
    def columns(self) -> List[ColumnInfo]:
        """The model's agent columns at the current month: (agents, name, dtype, size, doc)."""
        return [ColumnInfo(*c) for c in self._sim.columns()]

    def column(self, agents: str, name: str) -> View:
        """A zero-copy, read-only view of one agent column, by slot (see :class:`View`).

        Stale after the next step (agents enter and leave, columns move).
        Slots may be free: the firms' ``alive`` column says which hold a firm
        (and the territory's workers' ``status``, which are free; the dock
        model's workers are all alive). KeyError for an unknown column."""
        generation, month = self._sim.generation, self._sim.month
        return View(self, self._sim.column(agents, name), f"{agents}.{name}", generation, month,
                    retake=f"sim.column({agents!r}, {name!r})", shared=True)

    def agents(self, kind: str) -> pd.DataFrame:
        """All the columns of one kind of agent as a DataFrame indexed by slot.

        A copy: it stays valid after the simulation steps on, but does not
        follow it. Free slots are included (filter on ``status`` or ``alive``).
        KeyError for a kind of agent the model does not expose."""
        names = [c.name for c in self.columns() if c.agents == kind]
        if not names:
            kinds = sorted({c.agents for c in self.columns()})
            raise KeyError(f"the {self._scenario.model} model has no agents {kind!r} (it has: {', '.join(kinds) or 'none'})")
        # Each column copied as one call of the engine, and all at one generation: a step in another thread
        # (which may reallocate the columns) waits, or the copy is refused rather than read half-changed.
        generation = self._sim.generation
        data = {}
        for name in names:
            current, data[name] = self._sim._read_if_current(self._sim.column(kind, name), generation, None)
            if not current:
                raise StaleViewError(f"agents({kind!r}): the simulation moved on while its columns were copied "
                                     "(another thread stepped it); call agents() again")
        frame = pd.DataFrame(data)
        frame.index.name = "slot"
        return frame

    def series(self) -> pd.DataFrame:
        """The monthly series (a copy), indexed by month (a PeriodIndex)."""
        # Each series is a call of the engine: a step of another thread between two added a month to the later
        # ones (pandas refused them: "All arrays must be of the same length"). The months recorded never
        # change, so all are taken to the month of the shortest, as the labels (breakdown() does so too).
        data = {name: np.array(self._recorder.series_view(name)) for name in self._recorder.series_names}
        labels = self._recorder.labels
        rows = min([len(values) for values in data.values()], default=len(labels))
        return pd.DataFrame({name: values[:rows] for name, values in data.items()},
                            index=_period_index(labels[:rows]))

    def breakdown(self, name: str) -> pd.DataFrame:
        """One breakdown (a copy), indexed by (month, category)."""
        label, categories, columns = self._recorder.breakdown_info(name)
        values = np.array(self._recorder.breakdown_view(name))
        rows = values.shape[0]
        index = pd.MultiIndex.from_product(
            [_period_index(self._recorder.labels[:rows]), pd.Index(categories, name=label)])
        return pd.DataFrame(values.reshape(rows * len(categories), len(columns)), index=index, columns=columns)

    def breakdowns(self) -> Dict[str, pd.DataFrame]:
        return {name: self.breakdown(name) for name in self.breakdown_names}

    def series_csv(self) -> str:
        """The series exactly as ``terrasim run`` prints them."""
        return self._recorder.series_csv(self._sim.provenance())

    def breakdown_csv(self, name: str) -> str:
        """A breakdown exactly as ``terrasim run --out`` writes it."""
        return self._recorder.breakdown_csv(name, self._sim.provenance())

    def to_json(self) -> str:
        """Series and breakdowns exactly as ``terrasim run --format json`` writes them."""
        return self._recorder.to_json(self._sim.provenance())

    def write_outputs(self, folder: PathArg, format: str = "csv") -> List[str]:
        """Writes the run's files into ``folder`` as ``terrasim run --out``
        does, with the same code: series.csv and a CSV per breakdown (or
        run.json for ``format="json"``), config.json and, for a run changed
        on the way, changes.json, as one set (a file that cannot be written
        leaves the earlier ones as they were). An earlier run's outputs that
        this one did not write are removed (only the names a run writes: a
        run's series saved under another name stays); their names are
        returned. A second writer into the same folder, of this process or
        another, waits until the first is done. A file
        the run would write over that is not a terrasim output (a CSV without
        the provenance line, a ``config.json`` without a run's series beside
        it) is refused, and nothing is written."""
        return self._sim.write_outputs(fs_path(folder), format)

    def output_folder_problem(self, folder: PathArg, format: str = "csv") -> str:
        """Why :meth:`write_outputs` could not write into ``folder`` now, or
        ``""`` if it could (a missing folder can: it is made): the path is not
        a folder, the folder cannot be written in, or a file there that the
        run would write over is not a terrasim output. Ask it before a long
        run, so that the result is not lost to a folder found wrong after."""
        return self._sim.output_folder_problem(fs_path(folder), format)

    # -- checkpoints and forks ----------------------------------------------
    def save_checkpoint(self, path: PathArg) -> None:
        """Saves the whole state; :meth:`resume` continues it bit-identically. A path, as everywhere in
        terrasim, is a str, bytes or an ``os.PathLike``, as ``open()`` takes it (see :mod:`terrasim._paths`)."""
        self._sim.save_checkpoint(fs_path(path))

    @classmethod
    def resume(cls, path: PathArg, threads: int = 1) -> "Simulation":
        return cls(None, _core_sim=_core.Simulation.resume(fs_path(path), _threads(threads)))

    def reconfigure(self, overrides: Overrides = None, *, scenario: Optional[ScenarioLike] = None) -> "Simulation":
        """Changes the configuration from the next month on: a policy that
        starts, stops or gets more money, another national context...

        ``sim.reconfigure({"policies.portal.enabled": True, "policies.portal.start": "2016-01"})``
        applies overrides to the current scenario; ``scenario=`` gives a whole
        scenario (a Scenario, a path or a dict) instead, with ``overrides``
        applied to it. The months already simulated stay as they are, and
        the random numbers are the same seed's: a run reconfigured at month
        m shares its first m months and its draws with the original, and a
        change that acts only after month m gives exactly the run that had
        it from the start. The provenance names every change.

        Raises :class:`ReconfigureError` (a ValueError), changing nothing,
        for another model, seed or start, fewer months than already
        simulated, other series or breakdowns (zones, sectors, clusters,
        policies), a state the configuration cannot hold (another number
        of workers in the docking model, a budget below what is already
        spent), a field that only builds the initial state (the initial
        populations, the firms at the start: each model lists them), or, in
        a territory's events: another number of events, a closure changed
        other than by moving it, still to come, to a month still to come
        (its plant opened with the run), an arrival that has happened
        changed at all, or one to come moved to a month gone. Views taken before become stale. The same configuration
        (no overrides: ``fork([{}])``'s unchanged variant) changes nothing
        and records no change.
        """
        if scenario is not None:
            new = Scenario.coerce(scenario, overrides)
        else:
            new = self._scenario.with_overrides(overrides)
        self._sim.reconfigure(new._core)
        if new.config_sha256 != self._scenario.config_sha256:  # the engine keeps the run's own otherwise
            self._scenario = new
        return self

    @property
    def config_history(self) -> pd.DataFrame:
        """The configurations this run has had: from which month (months
        simulated before it took effect), its SHA-256, its source and the
        complete configuration (a dict)."""
        rows = [(m, sha, src, json.loads(cfg)) for m, sha, src, cfg in self._sim.config_history()]
        return pd.DataFrame(rows, columns=["from_month", "config_sha256", "source", "config"])

    def fork(self, variants: Union[int, Sequence[Overrides]] = 1) -> List["Simulation"]:
        """Copies of this simulation at its current month (through a
        checkpoint held in memory), each continuing on its own.

        ``fork(n)``: n identical copies; each continues exactly as this one
        would.

        ``fork([overrides, ...])``: one copy per variant, reconfigured with
        those overrides (see :meth:`reconfigure`): every variant shares this
        simulation's history and random numbers, so differences between
        them are the policies' alone. Raises ReconfigureError for a variant
        the state cannot take.
        """
        if isinstance(variants, bool) or isinstance(variants, (int, np.integer)) and variants < 1:
            raise ValueError(f"fork: expected a number of copies of at least 1, or a list of variants, found {variants!r}")
        if isinstance(variants, Mapping) or isinstance(variants, str) or \
                not isinstance(variants, (int, np.integer)) and not isinstance(variants, Iterable):
            raise TypeError(f"fork: expected a number of copies or a list of variants, each overrides (a dict or "
                            f"a list of 'path=value'), found {variants!r}"
                            + (f": for one variant, fork([{variants!r}])" if isinstance(variants, Mapping) else ""))
        payload = self._sim.checkpoint_payload()  # in memory: no file

        def resume() -> "Simulation":
            child = Simulation(None, _core_sim=_core.Simulation.resume_payload(payload, self.threads))
            child._scenario = self._scenario  # the same scenario, its files and overrides' history included
            return child
        if isinstance(variants, (int, np.integer)):
            return [resume() for _ in range(int(variants))]
        return [resume().reconfigure(overrides) for overrides in variants]

    def __repr__(self) -> str:
        # The scenario's months, not the engine's: Jupyter shows a simulation that another thread runs, when the
        # engine refuses every call but the month's count.
        return f"<terrasim.Simulation {self._scenario.title!r} month {self.month}/{self._scenario.months}>"


class Result:
    """The outputs of a finished run: series, breakdowns, configuration, provenance."""

    def __init__(self, sim: Simulation, seconds: float):
        self.series = sim.series()
        self.breakdowns = sim.breakdowns()
        self.config = sim.scenario.config
        self.provenance = sim.provenance
        self.scenario = sim.scenario
        self.seconds = seconds

    def __repr__(self) -> str:
        return (f"<terrasim.Result {self.scenario.title!r}: {len(self.series)} months, "
                f"series {list(self.series.columns)}>")


def run(scenario: ScenarioLike, overrides: Overrides = None, *, seed: Optional[int] = None,
        months: Optional[int] = None, threads: int = 1,
        progress: Optional[Callable[[int, int], Any]] = None) -> Result:
    """Runs a scenario (path, dict or Scenario) to the end; returns a :class:`Result`."""
    sc = Scenario.coerce(scenario, overrides)
    extra = {}
    if seed is not None:
        extra["seed"] = seed
    if months is not None:
        extra["months"] = months
    sc = sc.with_overrides(extra, list(extra))  # an error names the argument: seed, months (not overrides[...])
    t0 = time.perf_counter()
    sim = Simulation(sc, threads=threads)
    sim.run(progress=progress)
    return Result(sim, time.perf_counter() - t0)
