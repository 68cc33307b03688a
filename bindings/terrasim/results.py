"""Reading a sweep database: fan data, paired differences, probabilities, exports.

>>> res = terrasim.SweepResults("sweep.sqlite")
>>> res.fan("unemployment_rate", scenario="baseline")          # quantiles per month
>>> res.paired_difference("unemployment_rate", "pact", "baseline")
>>> res.probability_at_most("unemployment_rate", 0.09, at="2019-12", scenario="pact")
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import sqlite3
from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from ._paths import PathArg, fs_path, shown
from .sweep import SCHEMA_VERSION, file_uri, read_only_uri

Point = Union[None, int, Dict]

# The quantiles of fan() (and of terrasim results --fan).
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _as_double(value: int) -> Optional[float]:
    """The double nearest int `value` (None past the largest)."""
    try:
        return float(value)
    except OverflowError:
        return None


def _stats():
    """scipy.stats, which terrasim needs for its t quantiles (a declared dependency).

    There is no fallback: an approximation of the t quantile that is good at
    large n is far too small at small n (4.33 instead of 12.71 with 2 runs,
    a "95%" interval that covers 86%), and an interval must be what it says.
    """
    try:
        from scipy import stats
    except ImportError as e:
        raise ImportError("terrasim needs SciPy for its confidence intervals (Student t quantiles), "
                          "and it is not installed: install it (Debian: apt install python3-scipy, as "
                          "scripts/install-deps does; or pip install scipy)") from e
    return stats


def _normal_quantile(p: float) -> float:
    """Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).

    No fallback of an exact function, but the function itself: its error is far below any decimal the
    Wilson interval is shown with (and kept, so that an interval at 0 runs out of successes stays 0).
    """
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
         -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
         -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
         4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    lo = 0.02425
    if p < lo:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - lo:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)


def _t_quantile(p: float, dof: int) -> float:
    """Quantile of Student's t with `dof` degrees of freedom (scipy.stats.t.ppf); NaN when dof < 1."""
    return float(_stats().t.ppf(p, dof)) if dof > 0 else float("nan")


@dataclasses.dataclass
class Probability:
    """P(series <= threshold at a month), estimated from `n` replicates."""
    p: float
    n: int
    stderr: float     # Monte Carlo standard error, sqrt(p(1-p)/n)
    ci_low: float     # Wilson score interval at `level`
    ci_high: float
    level: float

    def __str__(self) -> str:
        # At 0 or 1 the plug-in standard error is 0, which says nothing: only the Wilson interval does.
        shown = [self.p, self.ci_low, self.ci_high] + ([self.stderr] if 0 < self.p < 1 else [])
        d = _decimals(shown)
        se = f"Monte Carlo s.e. {self.stderr:.{d}f}; " if 0 < self.p < 1 else ""
        return (f"{self.p:.{d}f} ({se}{_percent(self.level)} interval {self.ci_low:.{d}f}-{self.ci_high:.{d}f}; "
                f"{self.n} runs)")

    @property
    def successes(self) -> int:
        return int(round(self.p * self.n)) if self.n else 0

    @classmethod
    def from_outcomes(cls, outcomes, level: float = 0.95) -> "Probability":
        """The share of true outcomes (one per replicate), with its Wilson score interval.

        `outcomes`: booleans, or numbers each 0, 1 or NaN; a NaN (a run without a value) has not reached the
        target and stays counted, as in :meth:`SweepResults.probability_at_most` and the report.
        """
        _check_level(level)
        outcomes = _outcomes(outcomes)
        n = int(outcomes.size)
        if n == 0:
            nan = float("nan")
            return cls(p=nan, n=0, stderr=nan, ci_low=nan, ci_high=nan, level=level)
        p = float(outcomes.mean())
        z = _normal_quantile(0.5 + level / 2)
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        # No success (every success): the bound is exactly 0 (1) in the formula,
        # which rounding left at 5.6e-17 (or just under 1).
        low = 0.0 if p == 0.0 else max(0.0, centre - half)
        high = 1.0 if p == 1.0 else min(1.0, centre + half)
        return cls(p=p, n=n, stderr=math.sqrt(p * (1 - p) / n), ci_low=low, ci_high=high, level=level)


def _decimals(values: Sequence[float], decimals: int = 3) -> int:
    """The decimals with which to write all of `values` (probabilities and their errors): `decimals`, or more
    where one that is not 0 would read 0 (then two significant digits of it) or one below 1 would read 1 (then
    as many as tell it from 1): 1 success in 5,000 was "0.000 (Monte Carlo s.e. 0.000 ...)"."""
    out = decimals
    for v in values:
        if not math.isfinite(v) or v == 0:
            continue
        if float(f"{abs(v):.{out}f}") == 0:
            out = max(out, 1 - math.floor(math.log10(abs(v))))
        while out < 17 and v < 1 and float(f"{v:.{out}f}") == 1:
            out += 1
    return out


def _percent(level: float) -> str:
    """A confidence level as a percentage, exactly (0.999: "99.9%", 0.975: "97.5%"; {:.0%} wrote 100%, 98%)."""
    from decimal import Decimal
    # A NumPy float in its own precision: np.float32(0.95) is 0.949999988079071 as a double, and was written
    # "94.9999988079071%" (a review).
    text = np.format_float_positional(level, unique=True, trim="-") if isinstance(level, np.floating) else \
        repr(float(level))
    return f"{Decimal(text).scaleb(2).normalize():f}%"


def _outcomes(outcomes) -> np.ndarray:
    """`outcomes` as booleans: booleans as they are, numbers 0 and 1 as False and True, NaN as False; anything
    else refused, naming its first value (np.asarray(dtype=bool) counted NaN and any number but 0 as True)."""
    values = np.asarray(outcomes)
    if values.dtype == bool:
        return values
    if values.dtype.kind not in "iuf":  # each value as it was given ([True, "x"] is no array of strings)
        values = np.asarray(outcomes, dtype=object)
    flat = values.ravel()
    if values.dtype.kind in "iuf":
        good = (flat == 0) | (flat == 1) | (np.isnan(flat) if values.dtype.kind == "f" else False)
    else:  # objects (a list of bools and numbers mixed), strings...
        good = np.array([isinstance(v, (bool, np.bool_)) or (
            isinstance(v, (int, float, np.integer, np.floating)) and (v == 0 or v == 1 or math.isnan(v)))
            for v in flat], dtype=bool)
    if not good.all():
        first = flat[int(np.argmin(good))]
        raise ValueError(f"outcomes: expected booleans, or numbers each 0, 1 or NaN (a run without a value, "
                         f"which does not reach the target), found {getattr(first, 'item', lambda: first)()!r}")
    return np.asarray(flat == 1, dtype=bool)  # NaN == 1 is False


def _check_level(level: float) -> None:
    """A confidence level: in (0, 1) (at 1 or beyond, the interval is infinite or meaningless)."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)) \
            or not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level between 0 and 1 (excluded), e.g. 0.95, "
                         f"found {level!r}")
    if 0.5 + level / 2 == 1.0:  # the interval's quantile is that of 1: infinite ("math domain error")
        raise ValueError(f"level: expected a confidence level between 0 and 1 (excluded), e.g. 0.95, found "
                         f"{level!r}, so close to 1 that its interval's quantile is infinite")


def _check_quantiles(quantiles) -> list:
    """`quantiles` as a list: numbers from 0 to 1, at least one (pandas' refusal named no argument)."""
    values = None if isinstance(quantiles, (str, bytes)) or not hasattr(quantiles, "__iter__") else list(quantiles)
    if not values:
        found = repr(quantiles)
    else:
        bad = [q for q in values if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating))
               or not 0 <= q <= 1]
        if not bad:
            return [float(q) for q in values]
        found = f"{getattr(bad[0], 'item', lambda: bad[0])()!r} in {values!r}"
    raise ValueError(f"quantiles: expected a sequence of numbers from 0 to 1, e.g. (0.05, 0.5, 0.95), found {found}")


def _check_seeds(runs: pd.DataFrame, a: str, point_a: int, b: str, point_b: int) -> None:
    """Refuses a pairing by replicate of runs (`runs`: SweepResults.runs()) that did not share their seed, as the
    forecast's check of its database does: the difference of two runs of other seeds is no paired difference."""
    seeds = [runs[(runs["scenario"] == s) & (runs["point_id"] == p)].set_index("replicate")["seed"]
             for s, p in ((a, point_a), (b, point_b))]
    pairs = pd.concat(seeds, axis=1, keys=["a", "b"], join="inner").sort_index()
    wrong = pairs[pairs["a"] != pairs["b"]]
    if len(wrong):
        replicate, (seed_a, seed_b) = wrong.index[0], wrong.iloc[0]
        raise ValueError(f"replicate {replicate} ran with seed {seed_a} in scenario {a!r} (grid point {point_a}) "
                         f"and seed {seed_b} in scenario {b!r} (grid point {point_b}): a paired difference "
                         "pairs runs of one seed (common random numbers), and these cannot be paired")


def _month(at: str) -> pd.Period:
    """A month written YYYY-MM (a year alone, or a day, would be read as another month without a word)."""
    text = str(at) if isinstance(at, (str, pd.Period)) else None
    if text is None or not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise ValueError(f"at (--at): expected a month as YYYY-MM (e.g. 2019-12), found {at!r}")
    return pd.Period(text, freq="M")


# The tables of a sweep database (see terrasim.sweep).
_TABLES = ("meta", "scenarios", "parameters", "parameter_values", "runs", "series")


def _error_name(error: sqlite3.Error) -> str:
    """SQLite's name of the error (SQLITE_NOTADB...); from its message before Python 3.11."""
    name = getattr(error, "sqlite_errorname", None)
    if name:
        return name
    text = str(error)
    return ("SQLITE_NOTADB" if "file is not a database" in text else
            "SQLITE_READONLY_DIRECTORY" if "readonly database" in text else "")


def _open_read_only(path: str):
    """(a read-only connection to `path`, its tables); ValueError, naming the file, when it cannot be read.

    A database in WAL mode (a sweep's that ended before it could leave it
    one file, or written by an earlier terrasim) makes its -shm file when it
    is read; where its folder cannot be written, SQLite refuses it ("attempt
    to write a readonly database"). It is then copied into memory through an
    immutable connection, which makes nothing, when no -wal or -journal file
    holds writes that its file lacks (see :func:`_snapshot`).
    What is not SQLite is "not a sweep database"; what cannot be read says
    SQLite's error.
    """
    uri = file_uri(path)
    con = None
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            return con, _tables(con)
        except sqlite3.Error as e:
            if not _error_name(e).startswith("SQLITE_READONLY") or _journal_beside(path):
                raise
            con.close()
            con = None
            con = _snapshot(uri, path)
            return con, _tables(con)
    except sqlite3.Error as e:
        if con is not None:
            con.close()
        if _error_name(e) == "SQLITE_NOTADB":
            raise ValueError(f"{shown(path)}: not a sweep database ({e})") from None
        hint = ""
        if os.path.exists(path + "-wal") and not os.access(os.path.dirname(os.path.abspath(path)), os.W_OK):
            hint = (f"; its writes in {shown(os.path.basename(path))}-wal need a -shm file beside it, which cannot "
                    "be made in its folder here")
        raise ValueError(f"{shown(path)}: cannot read it ({e}){hint}") from None


def _journal_beside(path: str) -> bool:
    """Whether writes to the database at `path` lie beside it (a -wal file, or a -journal file that
    SQLite would roll back): then it cannot be read as immutable."""
    return os.path.exists(path + "-wal") or os.path.exists(path + "-journal")


def _snapshot(uri: str, path: str) -> sqlite3.Connection:
    """The database at `path` (a WAL one with its writes all in it, that cannot make its -shm file) copied
    into memory from an immutable connection, which takes no lock and sees no change: a sweep resumed
    meanwhile would write under a reader that kept it open. Refused (sqlite3.OperationalError) if the file
    changed while it was copied."""
    def state():
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns, _journal_beside(path)
    before = state()
    source = sqlite3.connect(uri + "?immutable=1", uri=True)
    copy = sqlite3.connect(":memory:")
    try:
        source.backup(copy)
    except sqlite3.Error:
        copy.close()
        raise
    finally:
        source.close()
    if state() != before:
        copy.close()
        raise sqlite3.OperationalError("it changed while it was read (a sweep is writing it?): try again")
    return copy


def _database_files(db: str) -> Dict[str, str]:
    """The files that make the sweep database at `db`, each with what it is ("" for the database itself):
    SQLite's -wal, -journal and -shm files beside it (beside the path as given and the file a link leads to),
    and the lock that a sweep holds while it writes it (see terrasim.sweep._sole_writer)."""
    real = os.path.realpath(db)
    files: Dict[str, str] = {}
    for base in dict.fromkeys((db, real)):
        files.setdefault(base, "")
        for suffix, what in (("-wal", "write-ahead log"), ("-journal", "rollback journal"),
                             ("-shm", "shared-memory index"), (".lock", "lock")):
            files.setdefault(base + suffix, f"the {what} ({suffix[1:]} file)")
    return files


def _check_values(df: pd.DataFrame, where: str) -> None:
    """Refuses (ValueError naming `where`, the run and the month) a value that is not a number: SQLite keeps
    the text a hand or a damaged file put in a REAL column, and pandas then read the column as text (NaN
    quantiles and a month gone, or a TypeError's traceback)."""
    values = df["value"]
    if values.dtype != object:
        return
    bad = values.map(lambda v: v is not None and not (isinstance(v, (int, float)) and not isinstance(v, bool)))
    if bad.any():
        row = df[bad].iloc[0]
        run = f"replicate {row['replicate']}" if "replicate" in row else "a run"
        series = f"series {row['series']!r}, " if "series" in row else ""
        raise ValueError(f"{where}: {series}{run}, {row['month']}: the value {row['value']!r} is not a number (the "
                         "database was changed by hand, or is damaged)")
    df["value"] = values.astype(float)


def _check_export_path(path: str, db: str, label: str) -> None:
    """Refuses (ValueError naming `label`) an export to `path` that would overwrite the sweep database `db` or
    one of its files: under another spelling, through a link, its -wal file... (the export replaced the
    database, every run lost, and said nothing)."""
    def same(a: str, b: str) -> bool:
        try:
            if os.path.exists(a) and os.path.exists(b):
                return os.path.samefile(a, b)  # a hard link too
        except OSError:
            pass
        return os.path.realpath(a) == os.path.realpath(b)
    for name, what in _database_files(db).items():
        if same(path, name):
            it = f"{what} of the sweep database {shown(db)}" if what else f"the sweep database {shown(db)} itself"
            raise ValueError(f"{label} {shown(path)}: is {it}, which the export would overwrite (its runs lost): "
                             "write it to another file")


def _tables(con: sqlite3.Connection) -> set:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


class SweepResults:
    """A sweep database opened read-only.

    replicates: use only replicates 0..replicates-1 (seeds base_seed..base_seed+replicates-1)
    of a database that may hold more, so that a figure does not depend on what else was run.
    """

    def __init__(self, db: PathArg, replicates: Optional[int] = None):
        self.path = fs_path(db)  # str, bytes or a PathLike, as open() takes it (see terrasim._paths)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"{shown(self.path)}: no such sweep database")
        if os.path.isdir(self.path):
            raise ValueError(f"{shown(self.path)}: is a folder, expected a sweep database file")
        if replicates is not None and (isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer))
                                       or replicates < 1):
            raise ValueError(f"replicates: expected a whole number of at least 1, found {replicates!r}")
        self.replicates = None if replicates is None else int(replicates)  # np.int64 as sweep() takes it
        self._con, tables = _open_read_only(self.path)
        self._table_names = tables
        # What is not a sweep database (an empty file, another program's database) is refused here, naming
        # the file, rather than by the first query that misses a table.
        missing = [t for t in _TABLES if t not in tables]
        if missing:
            self._con.close()
            raise ValueError(f"{shown(self.path)}: not a sweep database (" +
                             ("it is empty" if not tables else f"it has no table {', '.join(missing)}") + ")")
        # Another layout of the same tables would be read wrongly, without a word (the sweep refuses to add
        # to it; the reader read it). Another terrasim version's runs are read: they are what they were.
        schema = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if schema is not None and schema[0] != SCHEMA_VERSION:
            self._con.close()
            raise ValueError(f"{shown(self.path)}: a sweep database of schema version {schema[0]}; this terrasim "
                             f"reads version {SCHEMA_VERSION}")

    def close(self) -> None:
        self._con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _query(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self._con, params=list(params))

    # -- what is there -------------------------------------------------------
    def scenarios(self) -> pd.DataFrame:
        return self._query("SELECT scenario_id, name, model, title, start, months, config_sha256, source "
                           "FROM scenarios ORDER BY scenario_id").set_index("name")

    def points(self) -> pd.DataFrame:
        """Grid points: one column per overridden path."""
        rows = self._con.execute("SELECT point_id, overrides_json FROM parameters ORDER BY point_id").fetchall()
        if not rows:  # a sweep stopped before its first commit: no point yet (was KeyError 'point_id')
            return pd.DataFrame(index=pd.Index([], name="point_id", dtype="int64"))
        return pd.DataFrame([{"point_id": pid, **json.loads(text)} for pid, text in rows]).set_index("point_id")

    def runs(self) -> pd.DataFrame:
        """The finished runs (replicates below `replicates` when it was given)."""
        limit, params = ("", ()) if self.replicates is None else (" WHERE r.replicate < ?", (self.replicates,))
        return self._query(
            "SELECT r.run_id, s.name AS scenario, r.point_id, r.replicate, r.seed, r.config_sha256, "
            "r.terrasim_version, r.seconds, r.host, r.finished_at FROM runs r "
            "JOIN scenarios s USING (scenario_id)" + limit + " ORDER BY s.name, r.point_id, r.replicate", params)

    def _run_counts(self) -> pd.DataFrame:
        """Every scenario x grid point that a sweep planned (the table planned) or ran, with its point's
        overrides (as to_pandas's point column) and its finished runs (0 included; replicates below
        `replicates` when it was given). A database written before the plans were kept: every scenario at
        every grid point."""
        limit, params = ("", ()) if self.replicates is None else (" AND r.replicate < ?", (self.replicates,))
        planned = "planned" in self._table_names and self._con.execute("SELECT 1 FROM planned LIMIT 1").fetchone()
        pairs = ("(SELECT scenario_id, point_id FROM planned UNION SELECT scenario_id, point_id FROM runs)" if planned
                 else "(SELECT scenario_id, point_id FROM scenarios CROSS JOIN parameters)")
        df = self._query(
            f"SELECT s.name AS scenario, p.point_id, count(r.run_id) AS runs FROM {pairs} pair "
            "JOIN scenarios s ON s.scenario_id = pair.scenario_id JOIN parameters p ON p.point_id = pair.point_id "
            "LEFT JOIN runs r ON r.scenario_id = s.scenario_id AND r.point_id = p.point_id" + limit +
            " GROUP BY s.scenario_id, p.point_id ORDER BY s.name, p.point_id", params)
        df.insert(2, "point", df["point_id"].map(self._points()).astype(object))
        return df

    def series_names(self) -> list:
        return [r[0] for r in self._con.execute("SELECT DISTINCT name FROM series ORDER BY name")]

    # -- data ----------------------------------------------------------------
    def _points(self) -> Dict[int, str]:
        """point_id -> its overrides as the command line writes them."""
        from .sweep import _describe
        return {pid: _describe(json.loads(text)) for pid, text in
                self._con.execute("SELECT point_id, overrides_json FROM parameters ORDER BY point_id")}

    def _point_id(self, point: Point, label: str = "point") -> int:
        """The id of grid point `point` (None: the sweep's only one; an id; a dict of its overrides); `label`
        names the argument in a refusal."""
        if point is None:
            points = self._points()
            if len(points) != 1:
                listed = "; ".join(f"{pid}: {text}" for pid, text in points.items())
                raise ValueError(f"this sweep has {len(points)} grid points ({listed}): name one "
                                 "(point=<id> or a dict; --point ID)")
            return next(iter(points))
        if isinstance(point, (int, np.integer)) and not isinstance(point, bool):
            points = self._points()
            if int(point) not in points:
                listed = "; ".join(f"{pid}: {text}" for pid, text in points.items())
                raise KeyError(f"no grid point {point} in this sweep (its points: {listed})")
            return int(point)
        if not isinstance(point, Mapping):  # 2.0, "2", True: a TypeError or ValueError of something else
            raise ValueError(f"{label}: expected a grid point's id (a whole number, as points() lists them) or a "
                             f"dict of its overrides (e.g. {{'exit_rate': 0.01}}), found {point!r}")
        from .sweep import _canonical
        row = self._con.execute("SELECT point_id FROM parameters WHERE overrides_json = ?",
                                (_canonical(point),)).fetchone()
        if row:
            return row[0]
        found = self._points_read_as(point)
        if len(found) == 1:
            return found[0]
        listed = "; ".join(f"{pid}: {text}" for pid, text in self._points().items())
        if found:
            stored = dict(self._con.execute(
                f"SELECT point_id, overrides_json FROM parameters WHERE point_id IN ({','.join('?' * len(found))})",
                found))
            raise KeyError(f"grid point {point!r} may be any of points "
                           f"{'; '.join(f'{pid}: {stored[pid]}' for pid in found)} of this sweep, which an earlier "
                           "build stored under other spellings: name it by its id (point=ID, --point ID)")
        raise KeyError(f"no grid point {point!r} in this sweep (its points: {listed})")

    def _points_read_as(self, point: Dict) -> list:
        """The points that grid point `point` (as the sweep was given it) made, where the database keys some of
        its values as the engine read them, judged by the kind of each field (its value in the stored
        scenarios' configuration): in a string field (a title), a bool or a number given is the string of its
        YAML text (True: "true", 1: "1"; see terrasim.sweep._as_the_engine_reads), and a string given is the
        bool or the number an earlier build keyed for the command line's text (True for "true"); in a number
        field, a number is the double the field holds (0 and 0.0; an int past 2^53, which an earlier build
        keyed as that double)."""
        from .scenario import _plain, format_override_value
        from .sweep import _kind

        def same(given, stored, kind: str) -> bool:
            if json.dumps(given, sort_keys=True) == json.dumps(stored, sort_keys=True):
                return True
            if kind in ("str", "?"):
                if isinstance(stored, str) and isinstance(given, (bool, int, float)):
                    return format_override_value(given) == stored  # True in a title: "true"
                if isinstance(given, str) and isinstance(stored, (bool, int, float)):
                    return format_override_value(stored) == given  # an earlier build's key: True for "true"
            if kind in ("number", "?") and _kind(given) == _kind(stored) == "number":
                g, t = _as_double(given), _as_double(stored)
                return g is not None and g == t and math.copysign(1, g) == math.copysign(1, t)
            return False
        given = _plain(dict(point))
        kinds = {path: self._field_kind(path) for path in given}
        found = []
        for pid, text in self._con.execute("SELECT point_id, overrides_json FROM parameters ORDER BY point_id"):
            stored = json.loads(text)
            if stored.keys() == given.keys() and all(same(given[path], stored[path], kinds[path]) for path in given):
                found.append(pid)
        return found

    def _field_kind(self, path: str) -> str:
        """What the field at grid path `path` holds in the first stored scenario that has it set (see
        terrasim.sweep._kind: "str", "number", "bool"...), or "?" where none has."""
        from .sweep import _field_at, _kind
        for (config_json,) in self._con.execute("SELECT config_json FROM scenarios ORDER BY scenario_id"):
            value = _field_at(json.loads(config_json), path)
            if value is not None and value[0] is not None:  # an optional field unset: its kind unknown here
                return _kind(value[0])
        return "?"

    def _scenario_name(self, scenario: Optional[str]) -> str:
        names = [r[0] for r in self._con.execute("SELECT name FROM scenarios ORDER BY scenario_id")]
        if not names:  # a sweep stopped before its first commit ("this sweep has scenarios : name one")
            raise KeyError(f"no scenario in this sweep yet{'' if scenario is None else f' (asked for {scenario!r})'}: "
                           "it stopped before its first run was written; the same sweep command resumes it")
        if scenario is not None:
            if scenario not in names:
                raise KeyError(f"no scenario {scenario!r} in this sweep (its scenarios: {', '.join(names)})")
            return scenario
        if len(names) != 1:
            raise ValueError(f"this sweep has scenarios {', '.join(names)}: name one (scenario=...; --scenario)")
        return names[0]

    def matrix(self, name: str, scenario: Optional[str] = None, point: Point = None) -> pd.DataFrame:
        """One series of one scenario and grid point: rows = replicates, columns = months."""
        scenario, point_id = self._scenario_name(scenario), self._point_id(point)
        limit, params = ("", ()) if self.replicates is None else (" AND r.replicate < ?", (self.replicates,))
        df = self._query(
            "SELECT r.replicate, v.month, v.value FROM series v JOIN runs r USING (run_id) "
            "JOIN scenarios s USING (scenario_id) WHERE s.name = ? AND r.point_id = ? AND v.name = ?" + limit,
            (scenario, point_id, name) + params)
        if df.empty:
            # Why, from one run of this scenario and point (through the keys: a
            # report asks this of series it may lack, in large databases).
            where = f"scenario {scenario!r}, grid point {point_id} ({self._points()[point_id]})"
            kept = [r[0] for r in self._con.execute(
                "SELECT DISTINCT name FROM series WHERE run_id = (SELECT r.run_id FROM runs r JOIN scenarios s "
                "USING (scenario_id) WHERE s.name = ? AND r.point_id = ? LIMIT 1) ORDER BY name",
                (scenario, point_id))]
            if not kept:
                raise KeyError(f"no run of {where} is finished yet")
            if name not in kept:
                raise KeyError(f"no series {name!r} in the runs of {where} (their series: {', '.join(kept)})")
            raise KeyError(f"no run of {where} in replicates 0 to {self.replicates - 1} is finished yet")
        _check_values(df, f"{shown(self.path)}: series {name!r} of scenario {scenario!r}, grid point {point_id}")
        if df.duplicated(["replicate", "month"]).any():
            r, month = df.loc[df.duplicated(["replicate", "month"]), ["replicate", "month"]].iloc[0]
            raise ValueError(f"{shown(self.path)}: series {name!r} of scenario {scenario!r}, grid point {point_id}: "
                             f"replicate {r} has two values for {month} (the database was changed by hand, or is "
                             "damaged)")
        m = df.pivot(index="replicate", columns="month", values="value").sort_index()
        m.columns = pd.PeriodIndex(m.columns, freq="M", name="month")
        return m

    def to_pandas(self, name: Optional[str] = None) -> pd.DataFrame:
        """Every value, long: scenario, point_id, point (its overrides, ``a=1, b=x``), replicate, seed, series,
        month, value; replicates below `replicates` when it was given, as the statistics read them."""
        conditions, params = [], []
        if name is not None:
            self._check_series(name)  # an unknown name (or "") gave an empty export (or everything) without a word
            conditions.append("v.name = ?")
            params.append(name)
        if self.replicates is not None:
            conditions.append("r.replicate < ?")
            params.append(self.replicates)
        where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
        df = self._query(
            "SELECT s.name AS scenario, r.point_id, r.replicate, r.seed, v.name AS series, v.month, v.value "
            f"FROM series v JOIN runs r USING (run_id) JOIN scenarios s USING (scenario_id) {where} "
            "ORDER BY s.name, r.point_id, r.replicate, v.name, v.t", tuple(params))
        _check_values(df, shown(self.path))
        df.insert(2, "point", df["point_id"].map(self._points()).astype(object))
        return df

    def _check_series(self, name: str) -> None:
        """Refuses (KeyError, as matrix()) a series that no run recorded, naming those that they did."""
        if isinstance(name, str) and self._con.execute("SELECT 1 FROM series WHERE name = ? LIMIT 1",
                                                       (name,)).fetchone():
            return
        known = self.series_names()
        raise KeyError(f"no series {name!r} in the runs of this sweep " +
                       (f"(their series: {', '.join(known)})" if known else "(no run of it is finished yet)"))

    def to_csv(self, path: PathArg, name: Optional[str] = None) -> None:
        """Writes :meth:`to_pandas` to CSV file `path` (never over the database or one of its files)."""
        path = fs_path(path)
        _check_export_path(path, self.path, "path")
        self.to_pandas(name).to_csv(path, index=False)

    # -- statistics ----------------------------------------------------------
    def fan(self, name: str, scenario: Optional[str] = None, point: Point = None,
            quantiles: Sequence[float] = FAN_QUANTILES) -> pd.DataFrame:
        """Quantiles across replicates, per month (fan-chart data), plus the mean and the count.

        Each quantile is interpolated linearly between the two runs around it (numpy's and pandas' default),
        over the runs with a value that month (n).
        """
        quantiles = _check_quantiles(quantiles)
        m = self.matrix(name, scenario, point)
        out = m.quantile(quantiles).T
        out.columns = [float(q) for q in quantiles]
        out["mean"] = m.mean()
        out["n"] = m.count()
        return out

    def paired_difference(self, name: str, a: str, b: str, point: Point = None, point_b: Point = "same",
                          level: float = 0.95) -> pd.DataFrame:
        """Mean of (a - b) per month over replicates paired by seed, with a t confidence interval."""
        _check_level(level)
        point_a = self._point_id(point)
        point_b = point_a if isinstance(point_b, str) and point_b == "same" else self._point_id(point_b, "point_b")
        ma = self.matrix(name, a, point_a)
        mb = self.matrix(name, b, point_b)
        _check_seeds(self.runs(), a, point_a, b, point_b)
        common = ma.index.intersection(mb.index)
        d = ma.loc[common] - mb.loc[common]
        n = d.count()
        mean, sd = d.mean(), d.std(ddof=1)
        t = np.array([_t_quantile(0.5 + level / 2, int(k) - 1) if k > 1 else np.nan for k in n])
        half = t * sd / np.sqrt(n)
        return pd.DataFrame({"mean": mean, "sd": sd, "n": n, "ci_low": mean - half, "ci_high": mean + half})

    def probability_at_most(self, name: str, threshold: float, at: str, scenario: Optional[str] = None,
                            point: Point = None, level: float = 0.95) -> Probability:
        """P(series <= threshold in month `at`) with its Monte Carlo uncertainty.

        A run whose value is NaN does not reach the threshold and stays counted (n is every run).
        """
        return self._at_most(name, threshold, at, scenario, point, level)[0]

    def _at_most(self, name: str, threshold: float, at: str, scenario: Optional[str] = None, point: Point = None,
                 level: float = 0.95) -> Tuple[Probability, int]:
        """probability_at_most's Probability, and how many of its runs have no value (NaN) that month."""
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)) \
                or not math.isfinite(threshold):
            raise ValueError(f"threshold (--at-most): expected a finite number, found {threshold!r}")
        month = _month(at)
        _check_level(level)
        m = self.matrix(name, scenario, point)
        if month not in m.columns:
            raise KeyError(f"month {at} is not simulated (months {m.columns[0]}..{m.columns[-1]})")
        # Dropping a NaN run would make n smaller and the probability larger than the report's, which
        # counts it as a failure (a run that says nothing of the month has not reached the target).
        values = m[month].to_numpy(dtype=float)
        return Probability.from_outcomes(values <= threshold, level), int(np.isnan(values).sum())  # NaN <= x: False
