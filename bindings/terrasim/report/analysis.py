"""The numbers of a forecast report, computed from the runs of a sweep database.

Every figure of the report comes from here, as one pandas table each; the
charts, the HTML, the CSV files and the plain-language summary only format
them. Tables use replicates 0..n-1 of each scenario (seeds base_seed..
base_seed+n-1), paired across scenarios by replicate.

Statistics (level 95% unless said):
- bands (columns q05-q95 and q25-q75): the range of the middle runs, sorted,
  so that what the report says of a band is true for any number of runs: the
  band "of 90%" leaves out floor(0.05 n) runs at each end (the middle 180 of
  200 runs; every run, lowest to highest, below 20 runs), that "of 50%"
  floor(0.25 n). Quantiles by interpolation would not: with 3 runs, the
  5-95% interpolated range holds 1 of them (see band_trim);
- the probability of reaching a target: the share of replicates that reach
  it, with a Wilson score interval;
- the difference in that probability between a scenario and the reference
  (at the target month): from the 2x2 table of the pairs' outcomes (replicate r
  of each scenario shares its seed), with Newcombe's hybrid score interval for
  paired proportions (Newcombe 1998, method 10; see newcombe_paired);
- paired differences (scenario minus reference, replicate by replicate): the
  mean with a Student t interval, and the band of 90% of the differences.
  The two say different things: the t interval is the precision of the mean
  over n pairs (it narrows as runs are added, as 1/sqrt(n)); the band is the
  spread of the runs themselves (one run's difference falls there), which
  more runs do not narrow. The report gives both wherever it quotes an effect;
- cost per extra job located in the territory (measure "net_job": jobs held by
  residents and in-commuters, not a net of displacement), per extra job held
  by a resident and per unemployed resident fewer (COST_MEASURES): the ratio
  of the mean paired difference in public spending to the mean paired
  difference in that quantity, with Fieller's interval
  (again the precision of that ratio of means), and the band of 90% of the
  runs' own costs (each pair's spending difference over its jobs difference;
  a pair with no job more counts as a cost above any other, see run_costs;
  given only where every pair spends more than the reference, the one case
  where money per job ranks the runs).
  Fieller's interval is finite exactly when the t interval of the jobs
  difference excludes 0; otherwise the cost is reported as not defined
  rather than divided by a difference that may be nothing.
"""
from __future__ import annotations

import dataclasses
import math
import pathlib
from fractions import Fraction
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from .._paths import ShownMessage, fs_path, shown
from ..results import Probability, SweepResults, _t_quantile

if TYPE_CHECKING:  # pragma: no cover
    from ..forecast import ForecastSpec

LEVEL = 0.95
OUTER, INNER = 0.90, 0.50  # the bands: "q05"-"q95" and "q25"-"q75"
NO_GRID = {}  # the forecast's sweep has one grid point, without overrides


class AnalysisError(ShownMessage, ValueError):
    """The database does not hold what the report needs (an incomplete sweep, another sweep...)."""


@dataclasses.dataclass
class Analysis:
    """Every number of a forecast report."""
    spec: "ForecastSpec"
    replicates: int
    base_seed: int
    version: str
    db: str
    months: pd.PeriodIndex
    tables: Dict[str, pd.DataFrame]      # shown in the report and written as tables/<name>.csv
    chart_data: Dict[str, pd.DataFrame]  # behind the charts, written as tables/chart_<name>.csv
    notes: List[Tuple[str, dict]]        # things the report must say (key, values), e.g. a target out of range

    @property
    def start(self) -> pd.Period:
        return self.months[0]

    @property
    def horizon(self) -> pd.Period:
        return self.months[-1]

    @property
    def reference(self) -> str:
        return self.spec.names[0]

    @property
    def others(self) -> List[str]:
        return self.spec.names[1:]


def mean_interval(values, level: float = LEVEL) -> Tuple[float, float, float]:
    """(mean, low, high): the mean with its Student t interval."""
    v = np.asarray(values, dtype=float)
    n = v.size
    mean = float(v.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan")
    half = _t_quantile(0.5 + level / 2, n - 1) * float(v.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def fieller_ratio(numerator, denominator, level: float = LEVEL) -> Tuple[float, float, float, bool]:
    """mean(numerator) / mean(denominator) of paired values, with Fieller's interval.

    Returns (ratio, low, high, bounded). The interval is the set of ratios r
    for which mean(numerator) - r mean(denominator) is not significantly
    different from 0 (a t test at `level`); it is a finite interval exactly
    when the denominator's mean is significantly different from 0
    (``bounded``), and otherwise (low, high) are NaN.
    """
    a = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    n = a.size
    if n < 2 or b.size != n:
        return float("nan"), float("nan"), float("nan"), False
    ma, mb = float(a.mean()), float(b.mean())
    cov = np.cov(a, b, ddof=1) / n
    vaa, vab, vbb = float(cov[0, 0]), float(cov[0, 1]), float(cov[1, 1])
    t2 = _t_quantile(0.5 + level / 2, n - 1) ** 2
    ratio = ma / mb if mb != 0 else float("nan")
    qa = mb * mb - t2 * vbb
    if not qa > 0:
        return ratio, float("nan"), float("nan"), False
    qb = ma * mb - t2 * vab
    qc = ma * ma - t2 * vaa
    disc = max(qb * qb - qa * qc, 0.0)
    root = math.sqrt(disc)
    return ratio, (qb - root) / qa, (qb + root) / qa, True


def band_trim(n: int, share: float) -> int:
    """How many runs the band of `share` leaves out at each end of n sorted runs: floor(n (1 - share) / 2).

    The band then holds the middle n - 2k runs, at least `share` of them (exactly when n (1 - share) / 2
    is whole: 180 of 200 for 90%), and every run when n < 2 / (1 - share) (fewer than 20 runs for 90%).
    """
    return int(math.floor(n * (1 - share) / 2 + 1e-9)) if n > 0 else 0


def middle_band(values, share: float) -> Tuple[float, float]:
    """(low, high): the lowest and the highest of the middle runs that the band of `share` holds (NaN left out)."""
    v = np.sort(np.asarray(values, dtype=float))
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    k = band_trim(v.size, share)
    return float(v[k]), float(v[v.size - 1 - k])


def _band_columns(m: pd.DataFrame, share: float) -> Tuple[pd.Series, pd.Series]:
    """The band of `share` of each month (column) of a replicates x months matrix: (low, high)."""
    bands = [middle_band(m[c].to_numpy(), share) for c in m.columns]
    return (pd.Series([b[0] for b in bands], index=m.columns, dtype=float),
            pd.Series([b[1] for b in bands], index=m.columns, dtype=float))


def reaches(values: pd.DataFrame, reference: Optional[pd.DataFrame], threshold: float,
            direction: str) -> np.ndarray:
    """Whether each run (row) reaches a target over the months of `values`' columns: its mean at or below
    (direction "below"; at or above otherwise) the reference's mean over the same months plus `threshold`,
    or `threshold` alone without a reference.

    A tie reaches the target. The sums are exact (fractions of the recorded values), and a difference no
    larger than the recorded values' own rounding (half a unit in the last place of each, of the largest
    magnitude) is a tie: the float mean of 0.10, 0.10 and 0.10 is 0.10000000000000002, and 0.09, 0.11 and
    0.10 sum to just below 3 x 0.10, which put runs exactly at a 10% target above it (or below it).
    A run with a NaN in its months does not reach the target and stays counted (as
    SweepResults.probability_at_most counts it), rather than being judged on its other months.
    """
    rows = values.to_numpy(dtype=float)
    refs = reference.to_numpy(dtype=float) if reference is not None else np.zeros((rows.shape[0], 0))
    k = rows.shape[1]
    out = np.zeros(rows.shape[0], dtype=bool)
    for r in range(rows.shape[0]):
        terms = [float(x) for x in rows[r]]
        others = [float(x) for x in refs[r]] + [float(threshold)] * k
        if any(math.isnan(x) for x in terms + others):
            continue
        difference = sum(map(Fraction, terms), Fraction(0)) - sum(map(Fraction, others), Fraction(0))
        largest = max(abs(x) for x in terms + others)
        tie = Fraction(math.ulp(largest)) * (len(terms) + len(others)) / 2
        out[r] = difference <= tie if direction == "below" else difference >= -tie
    return out


def run_costs(spending, gain) -> np.ndarray:
    """Each pair's own cost per unit gained: spending / gain, and +inf for a pair that gains nothing (gain <= 0:
    its money bought no job, which ranks it above any finite cost rather than, divided, among the savings)."""
    spending, gain = np.asarray(spending, dtype=float), np.asarray(gain, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gain > 0, spending / np.where(gain > 0, gain, 1.0), np.inf)


def _quantile_row(values: np.ndarray) -> Dict[str, float]:
    q05, q95 = middle_band(values, OUTER)
    q25, q75 = middle_band(values, INNER)
    # The runs with a value, for the mean as for the median and the bands (a run with a month missing
    # has no total: NaN, not the sum of its other months).
    have = np.asarray(values, dtype=float)
    have = have[~np.isnan(have)]
    return {"q05": q05, "q25": q25, "q50": float(np.median(have)) if have.size else float("nan"),
            "q75": q75, "q95": q95, "mean": float(np.mean(have)) if have.size else float("nan"),
            "n": int(have.size)}  # the runs with a value, which the band is of (html says it where fewer)


class _Data:
    """Matrices (replicates x months) of the sweep, read once each."""

    def __init__(self, res: SweepResults):
        self.res = res
        self.cache: Dict[Tuple[str, str], pd.DataFrame] = {}

    def __call__(self, scenario: str, series: str) -> pd.DataFrame:
        key = (scenario, series)
        if key not in self.cache:
            self.cache[key] = self.res.matrix(series, scenario, NO_GRID)
        return self.cache[key]

    def has(self, scenario: str, series: str) -> bool:
        try:
            self(scenario, series)
            return True
        except KeyError:
            return False


def analyse(db, spec: "ForecastSpec", replicates: int, base_seed: int = 1) -> Analysis:
    """Reads the runs of `spec`'s scenarios from sweep database `db` and computes every table."""
    from .. import _core
    db = fs_path(db)
    with SweepResults(db, replicates=replicates) as res:
        _check_complete(res, spec, replicates, base_seed)
        data = _Data(res)
        months = data(spec.names[0], "unemployment_rate").columns
        for name in spec.names[1:]:
            theirs = data(name, "unemployment_rate").columns
            if list(theirs) != list(months):
                raise AnalysisError(f"{db}: scenario {name!r} covers {theirs[0]} to {theirs[-1]}, the reference "
                                    f"{months[0]} to {months[-1]}: the report compares scenarios over the same "
                                    "months")
        notes: List[Tuple[str, dict]] = []
        tables: Dict[str, pd.DataFrame] = {}
        charts: Dict[str, pd.DataFrame] = {}

        charts["unemployment_fan"] = _unemployment_fan(spec, data)
        tables["unemployment_december"] = _december_rows(charts["unemployment_fan"], months,
                                                         key_months(spec, months), spec, data)
        tables["target_probability"] = _target_probabilities(spec, data, months, notes)
        tables["target_probability_difference"] = _target_differences(spec, data, tables["target_probability"])
        charts["cluster_jobs"], tables["cluster_jobs"] = _cluster_jobs(spec, data)
        tables["creations_per_year"] = _creations(spec, data, months, notes)
        tables["investment_by_type"] = _investment(spec, data)
        charts["paired_difference"] = _paired_fan(spec, data)
        tables["paired_differences"] = _paired_rows(spec, charts["paired_difference"], months)
        tables["trainees_share"] = _trainees_share(spec, data, months)
        tables["cost_per_job"] = _cost_per_job(spec, data)
        tables["levers"] = _levers(spec, data)
        tables["scenarios"] = _scenario_files(spec, res)
        tables["key_figures"] = _key_figures(spec, tables, months)
    return Analysis(spec=spec, replicates=replicates, base_seed=base_seed, version=_core.__version__,
                    db=db, months=months, tables=tables, chart_data=charts, notes=notes)


def _check_complete(res: SweepResults, spec: "ForecastSpec", replicates: int, base_seed: int) -> None:
    """Every scenario's replicates 0..n-1, as written (the grid point without overrides), with the seeds
    base_seed + replicate that the report states, from the scenario's configuration."""
    runs = res.runs()
    try:
        point = res._point_id(NO_GRID)
    except KeyError:
        raise AnalysisError(f"{res.path}: no runs of the scenarios as written (without overrides): the report "
                            "reads those") from None
    runs = runs[runs["point_id"] == point]
    for s in spec.scenarios:
        mine = runs[(runs["scenario"] == s.name) & (runs["replicate"] < replicates)]
        if len(mine) != replicates:
            raise AnalysisError(f"{res.path}: scenario {s.name!r} has {len(mine)} of the {replicates} replicates "
                                "the report needs: run the sweep to completion first")
        wrong = mine[mine["seed"] != base_seed + mine["replicate"]]
        if len(wrong):
            first = wrong.iloc[0]
            raise AnalysisError(f"{res.path}: scenario {s.name!r}, replicate {first['replicate']} ran with seed "
                                f"{first['seed']}, not {base_seed + first['replicate']}: this database was made "
                                f"with another base seed than {base_seed}")
        sha = res.scenarios().loc[s.name, "config_sha256"]
        if sha != s.scenario.config_sha256:
            raise AnalysisError(f"{res.path}: scenario {s.name!r} was run with another configuration")


# -- unemployment ------------------------------------------------------------

def _target_line(spec, data, name) -> Optional[pd.Series]:
    target = spec.scenario(name).target
    if target is None:
        return None
    if target.reference:
        return data(name, target.reference).mean() + target.threshold
    return pd.Series(target.threshold, index=data(name, target.series).columns)


def _unemployment_fan(spec, data) -> pd.DataFrame:
    frames = []
    for name in spec.names:
        m = data(name, "unemployment_rate")
        q = pd.DataFrame(index=m.columns)
        q["q05"], q["q95"] = _band_columns(m, OUTER)
        q["q25"], q["q75"] = _band_columns(m, INNER)
        q["q50"] = m.median()
        q = q[["q05", "q25", "q50", "q75", "q95"]]
        q["mean"] = m.mean()
        national = "national_unemployment_rate"
        q["national"] = data(name, national).mean() if data.has(name, national) else np.nan
        line = _target_line(spec, data, name)
        q["target"] = line if line is not None else np.nan
        q["n"] = m.count()
        q.insert(0, "scenario", name)
        q.insert(1, "month", [str(p) for p in q.index])
        frames.append(q.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


def _december_rows(fan: pd.DataFrame, months: pd.PeriodIndex, extra: List[pd.Period], spec=None,
                   data=None) -> pd.DataFrame:
    """Each December, the target month and the horizon; with, when a scenario trains, the unemployment rate
    counting the trainees as job seekers (WITH_TRAINEES): its median and band, each scenario's own (NaN for
    every scenario when none trains)."""
    keep = {str(p) for p in months if p.month == 12} | {str(p) for p in extra}
    rows = fan[fan["month"].isin(keep)][["scenario", "month", "q50", "q05", "q95", "national", "n"]].reset_index(
        drop=True)  # n: the runs with a value that month, which the band is of
    columns = ["q50_with_trainees", "q05_with_trainees", "q95_with_trainees", "n_with_trainees"]
    for c in columns:
        rows[c] = np.nan
    if spec is not None and any(_trains(data, name) for name in spec.names):
        for i, r in rows.iterrows():
            if not data.has(r["scenario"], "in_training"):
                continue
            values = _with_trainees(data, r["scenario"])[pd.Period(r["month"], freq="M")].to_numpy()
            q = _quantile_row(values)
            rows.loc[i, columns] = [q["q50"], q["q05"], q["q95"], q["n"]]  # n: its own runs with a value
    return rows


# -- the target --------------------------------------------------------------

def _target_probabilities(spec, data, months, notes) -> pd.DataFrame:
    rows = []
    for s in spec.scenarios:
        target = s.target
        if target is None:
            notes.append(("no_target", {"scenario": s.name}))
            continue
        date = pd.Period(target.date, freq="M") if target.date else months[-1]
        if date not in months:
            notes.append(("target_out_of_range", {"scenario": s.name, "date": str(date),
                                                  "first": str(months[0]), "last": str(months[-1])}))
            continue
        quarter = [date - 2, date - 1, date]
        moments = [("month", [date])]
        if all(p in months for p in quarter):
            moments.append(("quarter", quarter))
        readings = [("target", target.reference, target.threshold)]
        if spec.level is not None:
            readings.append(("level", None, spec.level.value))
        for reading, reference, threshold in readings:
            for moment, span in moments:
                outcome = _outcomes(data, s.name, target, reference, threshold, span)
                p = Probability.from_outcomes(outcome, LEVEL)
                rows.append({
                    "scenario": s.name, "reading": reading, "moment": moment, "first_month": str(span[0]),
                    "last_month": str(span[-1]), "series": target.series, "reference": reference or "",
                    "threshold": threshold, "direction": target.direction, "successes": int(outcome.sum()),
                    "n": p.n, "p": p.p, "ci_low": p.ci_low, "ci_high": p.ci_high,
                    # At 0 or 1 the plug-in standard error is 0, which reads as exact: not written (the Wilson
                    # interval says how far the runs place it), as Probability's text leaves it out.
                    "stderr": p.stderr if 0 < p.p < 1 else float("nan")})
    return pd.DataFrame(rows, columns=["scenario", "reading", "moment", "first_month", "last_month", "series",
                                       "reference", "threshold", "direction", "successes", "n", "p", "ci_low",
                                       "ci_high", "stderr"])


def _outcomes(data, name: str, target, reference: Optional[str], threshold: float, span) -> np.ndarray:
    """Whether each run of scenario `name` reaches a reading of its target over the months `span`."""
    return reaches(data(name, target.series)[span], data(name, reference)[span] if reference else None,
                   threshold, target.direction)


@dataclasses.dataclass
class PairedDifference:
    """The difference of two paired proportions (first minus second) from the 2x2 table of the pairs."""
    both: int          # pairs where both reach
    first_only: int    # pairs where only the first reaches
    second_only: int   # pairs where only the second reaches
    neither: int
    difference: float  # (first_only - second_only) / n
    ci_low: float      # Newcombe's hybrid score interval for paired data (method 10)
    ci_high: float
    level: float

    @property
    def n(self) -> int:
        return self.both + self.first_only + self.second_only + self.neither


def newcombe_paired(both: int, first_only: int, second_only: int, neither: int,
                    level: float = LEVEL) -> PairedDifference:
    """The difference p1 - p2 of two paired proportions, p1 = (both + first_only) / n and p2 = (both +
    second_only) / n, with Newcombe's hybrid score interval for paired data (Newcombe 1998, Statistics in
    Medicine 17:2635-2650, method 10).

    From the Wilson intervals [l1, u1] of p1 and [l2, u2] of p2 and the correlation phi of the pairs:
        low  = D - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)
        high = D + sqrt((p2 - l2)^2 - 2 phi (p2 - l2)(u1 - p1) + (u1 - p1)^2)
    with phi = (AD - BC) / sqrt((A+B)(C+D)(A+C)(B+D)) (A both, B first only, C second only, D neither), its
    numerator AD - BC - n/2, not below 0, where AD > BC (the paper's correction), and phi = 0 where a margin is
    0. The interval is never a point for n > 0: with no discordant pair it is the spread of the Wilson
    intervals (53 pairs both, 1 neither: 0 [-0.0729, +0.0729], the paper's example c). n = 0: NaN.
    """
    counts = (both, first_only, second_only, neither)
    if any(int(k) != k or k < 0 for k in counts):
        raise ValueError(f"the counts of a 2x2 table are whole numbers, not below 0: {counts}")
    a, b, c, d = (int(k) for k in counts)
    n = a + b + c + d
    if n == 0:
        nan = float("nan")
        return PairedDifference(a, b, c, d, nan, nan, nan, level)
    first = Probability.from_outcomes(np.r_[np.ones(a + b), np.zeros(c + d)], level)
    second = Probability.from_outcomes(np.r_[np.ones(a + c), np.zeros(b + d)], level)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    numerator = max(cross - n / 2, 0.0) if cross > 0 else float(cross)
    phi = numerator / math.sqrt(margins) if margins else 0.0
    p1, p2 = first.p, second.p
    down1, up1 = p1 - first.ci_low, first.ci_high - p1
    down2, up2 = p2 - second.ci_low, second.ci_high - p2
    difference = (b - c) / n  # exact, rather than p1 - p2 in floats
    # A sum of squares less a product no larger than it (|phi| <= 1): not negative but for rounding.
    low = difference - math.sqrt(max(0.0, down1 ** 2 - 2 * phi * down1 * up2 + up2 ** 2))
    high = difference + math.sqrt(max(0.0, down2 ** 2 - 2 * phi * down2 * up1 + up1 ** 2))
    return PairedDifference(a, b, c, d, difference, max(-1.0, low), min(1.0, high), level)


DIFFERENCE_COLUMNS = ["scenario", "reference_scenario", "reading", "month", "series", "reference", "threshold",
                      "direction", "status", "n", "both", "scenario_only", "reference_only", "neither",
                      "without_value_scenario", "without_value_reference", "p_scenario", "p_reference",
                      "difference", "ci_low", "ci_high"]


def _target_differences(spec, data, probs: pd.DataFrame) -> pd.DataFrame:
    """For each scenario but the reference and each reading (its stated target, the fixed level), the paired
    difference of the probability of reaching it at the target month (scenario minus reference, replicate r
    against replicate r: the same seed), with Newcombe's interval (newcombe_paired).

    Where the two scenarios read the target otherwise (another criterion or month), there is no difference of
    one probability: status "different_criteria", without figures. A run without a value that month does not
    reach it (as in the probabilities), and is counted (without_value_*).
    """
    rows = []
    reference = spec.names[0]
    month = probs[probs["moment"] == "month"]
    same = ["first_month", "last_month", "series", "reference", "threshold", "direction"]
    for name in spec.names[1:]:
        for reading in ("target", "level"):
            mine = month[(month["scenario"] == name) & (month["reading"] == reading)]
            theirs = month[(month["scenario"] == reference) & (month["reading"] == reading)]
            if not len(mine) or not len(theirs):  # not evaluated: the notes say why
                continue
            m, r = mine.iloc[0], theirs.iloc[0]
            row = {"scenario": name, "reference_scenario": reference, "reading": reading, "month": m["last_month"],
                   "series": m["series"], "reference": m["reference"], "threshold": m["threshold"],
                   "direction": m["direction"]}
            if any(m[k] != r[k] for k in same):
                rows.append({**row, "status": "different_criteria"})
                continue
            span = [pd.Period(m["last_month"], freq="M")]
            targets = {n: spec.scenario(n).target for n in (name, reference)}
            ours, refs = (_outcomes(data, n, targets[n], m["reference"] or None, m["threshold"], span)
                          for n in (name, reference))
            diff = newcombe_paired(int((ours & refs).sum()), int((ours & ~refs).sum()), int((~ours & refs).sum()),
                                   int((~ours & ~refs).sum()), LEVEL)
            without = {}
            for key, n in (("without_value_scenario", name), ("without_value_reference", reference)):
                values = data(n, m["series"])[span]
                if m["reference"]:
                    values = values + data(n, m["reference"])[span]  # NaN where either is missing
                without[key] = int(values.isna().any(axis=1).sum())
            rows.append({**row, "status": "defined", "n": diff.n, "both": diff.both,
                         "scenario_only": diff.first_only, "reference_only": diff.second_only,
                         "neither": diff.neither, **without, "p_scenario": float(ours.mean()),
                         "p_reference": float(refs.mean()), "difference": diff.difference,
                         "ci_low": diff.ci_low, "ci_high": diff.ci_high})
    out = pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
    counts = ["n", "both", "scenario_only", "reference_only", "neither", "without_value_scenario",
              "without_value_reference"]
    return out.astype({c: "Int64" for c in counts})


# -- jobs, firms, investment ---------------------------------------------------

def open_clusters(s) -> List[dict]:
    """The clusters a scenario opens (a cluster without an opening month never opens)."""
    return [c for c in s.scenario.config.get("clusters", []) if c.get("opening")]


def _cluster_jobs(spec, data) -> Tuple[pd.DataFrame, pd.DataFrame]:
    fan, rows = [], []
    for s in spec.scenarios:
        for c in open_clusters(s):
            series = f"jobs_cluster_{c['name']}"
            if not data.has(s.name, series):
                continue
            m = data(s.name, series)
            q = pd.DataFrame(index=m.columns)
            q["q05"], q["q95"] = _band_columns(m, OUTER)
            q["q50"] = m.median()
            q = q[["q05", "q50", "q95"]]
            q["n"] = m.count()  # the runs with a value that month, which the band is of
            for month, r in q.iterrows():
                fan.append({"scenario": s.name, "cluster": c["name"], "month": str(month), **r.to_dict()})
            rows.append({"scenario": s.name, "cluster": c["name"], "sector": c.get("sector", ""),
                         "opening": c["opening"], "capacity_jobs": float(c.get("capacity_jobs", np.nan)) * s.scale,
                         "month": str(m.columns[-1]), **_quantile_row(m.iloc[:, -1].to_numpy())})
    fan_df = pd.DataFrame(fan, columns=["scenario", "cluster", "month", "q05", "q50", "q95", "n"])
    fan_df["n"] = fan_df["n"].astype("Int64")  # a count (iterrows made it a float), written 20 not 20.0
    cols = ["scenario", "cluster", "sector", "opening", "capacity_jobs", "month", "q50", "q05", "q95", "mean", "n"]
    return fan_df, pd.DataFrame(rows, columns=cols + ["q25", "q75"])[cols]


def _creations(spec, data, months, notes) -> pd.DataFrame:
    years = sorted({p.year for p in months if sum(1 for q in months if q.year == p.year) == 12})
    if len(years) < len({p.year for p in months}):
        notes.append(("partial_years", {"years": sorted({p.year for p in months} - set(years))}))
    ref = spec.creations_reference
    rows = []
    for s in spec.scenarios:
        m = data(s.name, "creations")
        for year in years:
            per_run = m[[p for p in m.columns if p.year == year]].sum(axis=1, skipna=False).to_numpy()
            row = _quantile_row(per_run)
            reference = ref.count * s.scale if ref else np.nan
            rows.append({"scenario": s.name, "year": year, "q50": row["q50"], "q05": row["q05"], "q95": row["q95"],
                         "mean": row["mean"], "n": row["n"], "reference_year": ref.year if ref else np.nan,
                         "reference": reference, "mean_vs_reference": row["mean"] / reference - 1 if ref else np.nan})
    return pd.DataFrame(rows, columns=["scenario", "year", "q50", "q05", "q95", "mean", "n", "reference_year",
                                       "reference", "mean_vs_reference"])


def _investment(spec, data) -> pd.DataFrame:
    """Investment made over the period by each investor (median, band, mean), and the scenario's partner funds
    paid into that investor's pot (spending_fund_<name>, summed per run): public money, which the scenario's
    spending already counts, invested with the investor's own (the pact's Région, Caisse des dépôts, CCI to the
    business angels and Université to venture capital: 17.5 M€), so that the investment includes what was
    invested of it (not necessarily all: a pot may hold some at the horizon). NaN where no partner fund pays
    that investor, or where the runs do not record it."""
    rows = []
    for s in spec.scenarios:
        funds = partner_funds(s)
        for inv in s.scenario.config.get("investors", []):
            series = f"investment_{inv['name']}"
            if not data.has(s.name, series):
                continue
            total = data(s.name, series).sum(axis=1, skipna=False).to_numpy()
            row = _quantile_row(total)
            mine = [f"spending_fund_{f['name']}" for f in funds if f.get("investor") == inv["name"]]
            paid = {"q50": np.nan, "q05": np.nan, "q95": np.nan, "mean": np.nan}
            if mine and all(data.has(s.name, m) for m in mine):
                paid = _quantile_row(sum(data(s.name, m).sum(axis=1, skipna=False).to_numpy() for m in mine))
            rows.append({"scenario": s.name, "investor": inv["name"], "kind": inv.get("kind", ""),
                         "q50": row["q50"], "q05": row["q05"], "q95": row["q95"], "mean": row["mean"], "n": row["n"],
                         "partner_funds_q50": paid["q50"], "partner_funds_q05": paid["q05"],
                         "partner_funds_q95": paid["q95"], "partner_funds_mean": paid["mean"]})
    return pd.DataFrame(rows, columns=["scenario", "investor", "kind", "q50", "q05", "q95", "mean", "n",
                                       "partner_funds_q50", "partner_funds_q05", "partner_funds_q95",
                                       "partner_funds_mean"])


def partner_funds(s) -> List[dict]:
    """The partner funds a scenario enables (each pays an investor's pot from the public budget)."""
    funds = s.scenario.config.get("policies", {}).get("partner_funds", [])
    return [f for f in funds if isinstance(f, dict) and f.get("enabled")]


# -- differences and cost ------------------------------------------------------

DIFFERENCES = ("jobs_in_territory", "unemployment_rate")
#: The residents' side of the jobs difference, when the runs record it: the jobs located in the territory go
#: to residents and to in-commuters, and more jobs for residents draw more residents into the labour force,
#: so that the unemployed fall by less than the jobs rise (the cost per job is not a cost per unemployed).
RESIDENTS = ("jobs_held_by_residents", "unemployed", "labour_force")

#: The unemployment rate with the residents in training counted as job seekers: (unemployed + in
#: training) / (labour force + in training). Trainees are out of the labour force while they train (the
#: ILO's rule), so a scenario that trains lowers the unemployment rate by the trainees alone, for as long
#: as they train; this reading shows the difference without that part.
WITH_TRAINEES = "unemployment_rate_with_trainees"


def _with_trainees(data, name: str) -> pd.DataFrame:
    training = data(name, "in_training")
    return (data(name, "unemployed") + training) / (data(name, "labour_force") + training)


def _trains(data, name: str) -> bool:
    return data.has(name, "in_training") and bool((data(name, "in_training").fillna(0) > 0).to_numpy().any())


def _paired_fan(spec, data) -> pd.DataFrame:
    """Per month: the mean paired difference with its t interval, and the band of 90% of the differences.

    With the stored differences, the unemployment rate counting trainees as job seekers (WITH_TRAINEES),
    for a scenario or reference that trains."""
    frames = []
    ref = spec.names[0]
    for name in spec.names[1:]:
        for quantity in DIFFERENCES + tuple(q for q in RESIDENTS if data.has(name, q) and data.has(ref, q)):
            d = data(name, quantity) - data(ref, quantity)
            summary = data.res.paired_difference(quantity, name, ref, NO_GRID, level=LEVEL)
            frames.append(_difference_frame(name, quantity, d, summary["mean"].to_numpy(),
                                            summary["ci_low"].to_numpy(), summary["ci_high"].to_numpy(),
                                            summary["n"].to_numpy()))
        if _trains(data, name) or _trains(data, ref):
            d = data(name, "in_training") - data(ref, "in_training")
            summary = data.res.paired_difference("in_training", name, ref, NO_GRID, level=LEVEL)
            frames.append(_difference_frame(name, "in_training", d, summary["mean"].to_numpy(),
                                            summary["ci_low"].to_numpy(), summary["ci_high"].to_numpy(),
                                            summary["n"].to_numpy()))
            d = _with_trainees(data, name) - _with_trainees(data, ref)
            # The pairs with a value, as SweepResults.paired_difference counts them.
            stats = [mean_interval(d[c].to_numpy()[np.isfinite(d[c].to_numpy())]) for c in d.columns]
            n = [int(np.isfinite(d[c].to_numpy()).sum()) for c in d.columns]
            frames.append(_difference_frame(name, WITH_TRAINEES, d, *(np.array(x) for x in zip(*stats)),
                                            np.array(n)))
    cols = ["scenario", "quantity", "month", "mean", "ci_low", "ci_high", "q05", "q95", "n"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def _difference_frame(name, quantity, d: pd.DataFrame, mean, ci_low, ci_high, n) -> pd.DataFrame:
    low, high = _band_columns(d, OUTER)
    return pd.DataFrame({"scenario": name, "quantity": quantity, "month": [str(p) for p in d.columns],
                         "mean": mean, "ci_low": ci_low, "ci_high": ci_high, "q05": low.to_numpy(),
                         "q95": high.to_numpy(), "n": n})


def key_months(spec, months) -> List[pd.Period]:
    """The reference's target month (when simulated) and the horizon."""
    out = []
    target = spec.reference.target
    if target and target.date and pd.Period(target.date, freq="M") in months:
        out.append(pd.Period(target.date, freq="M"))
    if months[-1] not in out:
        out.append(months[-1])
    return out


def _paired_rows(spec, fan: pd.DataFrame, months) -> pd.DataFrame:
    keep = [str(p) for p in key_months(spec, months)]
    rows = fan[fan["month"].isin(keep)].copy()
    rows["order"] = rows["month"].map({m: i for i, m in enumerate(keep)})
    rows = rows.sort_values(["scenario", "quantity", "order"], kind="stable").drop(columns="order")
    return rows.reset_index(drop=True)


def _trainees_share(spec, data, months) -> pd.DataFrame:
    """How much of the official unemployment difference is the trainees', at each key month, for a scenario
    (or reference) that trains: the mean paired difference in the official rate, in the rate counting trainees
    as job seekers (WITH_TRAINEES), and the share of the first that the second does not have,
    mean(official - with trainees) / mean(official), with Fieller's interval. Trainees are out of the labour
    force while they train: an official fall of 0.36 point can be 0.10 point once they are counted.

    The share is not defined (status) when the official difference's interval contains 0: there is then no
    difference to share out."""
    rows = []
    ref = spec.names[0]
    for name in spec.names[1:]:
        if not (_trains(data, name) or _trains(data, ref)):
            continue
        for month in key_months(spec, months):
            official = (data(name, "unemployment_rate") - data(ref, "unemployment_rate"))[month].to_numpy()
            counted = (_with_trainees(data, name) - _with_trainees(data, ref))[month].to_numpy()
            trainees = (data(name, "in_training") - data(ref, "in_training"))[month].to_numpy()
            both = np.isfinite(official) & np.isfinite(counted)
            o, c = official[both], counted[both]
            o_mean, o_low, o_high = mean_interval(o)
            share, low, high, bounded = fieller_ratio(o - c, o)
            status = "defined" if bounded and not (o_low <= 0 <= o_high) else "official_interval_includes_zero"
            if o.size < 2:
                status = "too_few_runs"
            if status != "defined":
                share = low = high = np.nan
            rows.append({"scenario": name, "month": str(month), "in_training": float(np.nanmean(trainees)),
                         "official": o_mean, "official_ci_low": o_low, "official_ci_high": o_high,
                         "with_trainees": float(c.mean()) if c.size else np.nan, "share": share,
                         "share_ci_low": low, "share_ci_high": high, "status": status, "n": int(o.size)})
    return pd.DataFrame(rows, columns=["scenario", "month", "in_training", "official", "official_ci_low",
                                       "official_ci_high", "with_trainees", "share", "share_ci_low",
                                       "share_ci_high", "status", "n"])


#: What a cost is per, in the cost table's order: the series of the paired difference at the horizon (or summed
#: over the period, in years) and its sign (+1: more is the gain; -1: fewer is). "net_job" is the jobs located in
#: the territory (residents' and in-commuters'), not a net of displacement.
COST_MEASURES = (("net_job", "jobs_in_territory", +1, "horizon"),
                 ("resident_job", "jobs_held_by_residents", +1, "horizon"),
                 ("fewer_unemployed", "unemployed", -1, "horizon"),
                 ("job_year", "jobs_in_territory", +1, "period"))


def _cost_per_job(spec, data) -> pd.DataFrame:
    """Public money per unit gained: per extra job located in the territory at the horizon, per extra job held
    by a resident, per unemployed resident fewer, and per extra job-year in the territory over the period."""
    rows = []
    ref = spec.names[0]
    for name in spec.names[1:]:
        spent_all = (data(name, "policy_spending_cumulative").iloc[:, -1]
                     - data(ref, "policy_spending_cumulative").iloc[:, -1]).to_numpy()
        # The portal's supported cash, which the spending does not count (docs/model.md): how much more
        # than the reference's, and the cost were it counted.
        cash_all = ((data(name, "portal_cash") - data(ref, "portal_cash")).sum(axis=1, skipna=False).to_numpy()
                    if data.has(name, "portal_cash") and data.has(ref, "portal_cash")
                    else np.full(spent_all.shape, np.nan))
        measures = {}
        for measure, series, sign, span in COST_MEASURES:
            if not (data.has(name, series) and data.has(ref, series)):
                continue
            gain = sign * (data(name, series) - data(ref, series))
            # A run with a month missing has no job-years (skipna=False: not the sum of its other months).
            measures[measure] = (gain.iloc[:, -1].to_numpy() if span == "horizon"
                                 else gain.sum(axis=1, skipna=False).to_numpy() / 12.0)
        for measure, denominator_all in measures.items():
            # The pairs with both figures, as the paired differences count them (SweepResults skips a pair
            # with a missing value): a NaN would otherwise make the interval NaN and the cost "not defined"
            # beside a jobs difference the same report calls significant.
            both = np.isfinite(spent_all) & np.isfinite(denominator_all)
            spent, denominator = spent_all[both], denominator_all[both]
            # The supported cash over the pairs that have it too (a run with a month missing has none: it
            # left the cash out as if there were no portal, "not counted" said of nothing).
            with_cash = both & np.isfinite(cash_all)
            has_cash = bool(with_cash.any() and cash_all[with_cash].mean() != 0)
            portal_cash = float(cash_all[with_cash].mean()) if has_cash else 0.0
            rows.append({"scenario": name, "measure": measure, **_cost_row(spent, denominator),
                         "portal_cash": portal_cash, "portal_cash_counted": False})
            if measure == "net_job" and has_cash:
                # The cost were the portal's supported cash counted as public money, in the table beside the
                # cost that leaves it out (it was only in the summary).
                rows.append({"scenario": name, "measure": "net_job_with_portal_cash",
                             **_cost_row(spent_all[with_cash] + cash_all[with_cash], denominator_all[with_cash]),
                             "portal_cash": portal_cash, "portal_cash_counted": True})
    return pd.DataFrame(rows, columns=COST_COLUMNS)


#: The cost table's columns. portal_cash: the portal's supported cash more than the reference's (0 without a
#: portal that gives any), which only the row portal_cash_counted (measure net_job_with_portal_cash) counts.
COST_COLUMNS = ["scenario", "measure", "spending", "spending_ci_low", "spending_ci_high", "jobs", "jobs_ci_low",
                "jobs_ci_high", "cost", "cost_ci_low", "cost_ci_high", "status", "run_q05", "run_q95",
                "runs_without_gain", "n", "portal_cash", "portal_cash_counted"]


def _cost_row(spent: np.ndarray, denominator: np.ndarray) -> Dict[str, object]:
    """A cost: the mean spending, the mean gain, their ratio with Fieller's interval (or why it is not defined),
    and the band of the runs' own costs."""
    s_mean, s_low, s_high = mean_interval(spent)
    d_mean, d_low, d_high = mean_interval(denominator)
    ratio, low, high, bounded = fieller_ratio(spent, denominator)
    if denominator.size < 2:
        status = "too_few_runs"
    elif bounded and d_low > 0:
        status = "defined"
    elif bounded:
        status = "fewer_jobs"  # the scenario has significantly fewer jobs: no job is created to pay for
    else:
        status = "jobs_interval_includes_zero"
    if status != "defined":
        ratio = low = high = np.nan
    # The runs' own costs: how much one run's cost differs from another's (Fieller's interval is the
    # precision of the ratio of means, which more runs narrow; this spread they do not). A run's money per
    # job ranks runs only where each spends more than the reference: with less, a smaller saving per job can
    # be the better run (1 M EUR saved for 100 jobs against 1 M EUR for one job), and a run that saves money
    # and loses jobs has no place on the scale (it was ranked the dearest, and the band of savings read
    # "a saving of X or more" where the runs went from a saving of X to any cost). No band then.
    per_run = run_costs(spent, denominator)
    run_low, run_high = (middle_band(per_run, OUTER) if per_run.size and (spent > 0).all()
                         else (np.nan, np.nan))
    return {"spending": s_mean, "spending_ci_low": s_low, "spending_ci_high": s_high, "jobs": d_mean,
            "jobs_ci_low": d_low, "jobs_ci_high": d_high, "cost": ratio, "cost_ci_low": low, "cost_ci_high": high,
            "status": status, "run_q05": run_low, "run_q95": run_high,
            "runs_without_gain": int((denominator <= 0).sum()), "n": int(denominator.size)}


# -- levers, files, key figures ---------------------------------------------

def _levers(spec, data=None) -> pd.DataFrame:
    """Each scenario's policies and clusters: what, when, with what budget (scaled as the runs were), and what the
    runs spent on each and when (from the series spending_<policy>, when the runs record it).

    The budget is a ceiling and the window is what the scenario asks: a policy stops when its budget is spent
    (the pact's portal ran out in mid-2016 in every run, its window running to 2020), so the table gives, over
    the runs, the money spent to the horizon (median and band) and the months of the first and last spending
    (the median run's, and the band of the last).
    """
    rows = []
    for s in spec.scenarios:
        config = s.scenario.config
        for c in open_clusters(s):
            rows.append({"scenario": s.name, "lever": "cluster", "name": c["name"], "policy": f"cluster_{c['name']}",
                         "start": c["opening"], "end": "", "budget_eur": float(c.get("budget_eur", 0.0)) * s.scale,
                         "quantity": float(c.get("capacity_jobs", np.nan)) * s.scale, "sector": c.get("sector", "")})
        for key, section in config.get("policies", {}).items():
            items = section if isinstance(section, list) else [section]
            for item in items:
                if not isinstance(item, dict) or not item.get("enabled", key == "events"):
                    continue
                if key == "events":
                    rows.append({"scenario": s.name, "lever": f"event_{item.get('kind', '')}",
                                 "name": item.get("name", ""), "policy": "", "start": item.get("month", ""), "end": "",
                                 "budget_eur": np.nan, "quantity": float(item.get("jobs", np.nan)) * s.scale,
                                 "sector": item.get("sector", "")})
                    continue
                quantity = item.get("places_per_year", np.nan)
                # The model's name of the policy (TerritoryModel::policy_names): a list's items by their name.
                policy = {"training": f"training_{item.get('name', '')}",
                          "partner_funds": f"fund_{item.get('name', '')}"}.get(key, key)
                rows.append({"scenario": s.name, "lever": key, "name": item.get("name", key), "policy": policy,
                             "start": item.get("start", ""), "end": item.get("end", ""),
                             "budget_eur": float(item.get("budget_eur", 0.0)) * s.scale,
                             "quantity": float(quantity) * s.scale, "sector": item.get("target_sector", "")})
    for row in rows:
        row.update(_spent(data, row["scenario"], row["policy"]))
    # Counts, written 20 not 20.0 (an event's row, or a lever whose spending is not recorded, has none).
    return pd.DataFrame(rows, columns=LEVER_COLUMNS).astype({"runs_spending": "Int64", "n": "Int64", "spent_n": "Int64"})


#: The levers table's columns: as configured, then as the runs spent (NaN and "" where the runs do not record
#: the lever's spending, or for an event).
LEVER_COLUMNS = ["scenario", "lever", "name", "policy", "start", "end", "budget_eur", "quantity", "sector",
                 "spent_q50", "spent_q05", "spent_q95", "runs_spending", "first_month", "last_month_q50",
                 "last_month_q05", "last_month_q95", "n", "spent_n"]


def _spent(data, scenario: str, policy: str) -> Dict[str, object]:
    """What the runs spent on a policy, from spending_<policy>: the total to the horizon (median and band of 90%
    of the runs), how many runs spent anything, the median run's first month of spending, and the last month of
    spending (median and band of 90% of the runs that spent)."""
    empty = {"spent_q50": np.nan, "spent_q05": np.nan, "spent_q95": np.nan, "runs_spending": np.nan,
             "first_month": "", "last_month_q50": "", "last_month_q05": "", "last_month_q95": "", "n": np.nan,
             "spent_n": np.nan}
    if data is None or not policy or not data.has(scenario, f"spending_{policy}"):
        return empty
    m = data(scenario, f"spending_{policy}")
    months = m.columns
    total = m.sum(axis=1, skipna=False).to_numpy()
    q = _quantile_row(total)
    paid = (m.fillna(0) > 0).to_numpy()
    spending = paid.any(axis=1)
    out = {**empty, "spent_q50": q["q50"], "spent_q05": q["q05"], "spent_q95": q["q95"],
           "runs_spending": int(spending.sum()), "n": int(len(total)),
           "spent_n": q["n"]}  # the runs with every month recorded, which the spent band is of
    if spending.any():
        first = np.sort([np.argmax(r) for r in paid[spending]])
        last = np.sort([len(r) - 1 - np.argmax(r[::-1]) for r in paid[spending]])
        low, high = middle_band(last.astype(float), OUTER)
        # the median run's month: the lower middle of an even number of runs, a month that a run had
        out.update({"first_month": str(months[first[(len(first) - 1) // 2]]),
                    "last_month_q50": str(months[last[(len(last) - 1) // 2]]),
                    "last_month_q05": str(months[int(low)]), "last_month_q95": str(months[int(high)])})
    return out


def _scenario_files(spec, res: SweepResults) -> pd.DataFrame:
    from ..forecast import file_sha256
    runs = res.runs()
    rows = []
    for s in spec.scenarios:
        mine = runs[runs["scenario"] == s.name]
        for i, path in enumerate(s.files):
            rows.append({"scenario": s.name, "role": "scenario" if i == 0 else "extends",
                         "file": shown(pathlib.Path(path).name), "file_sha256": file_sha256(path),
                         "config_sha256": s.scenario.config_sha256 if i == 0 else "",
                         "scale": s.scale if i == 0 else np.nan,
                         "months": s.scenario.months if i == 0 else np.nan,
                         "runs_in_database": len(mine) if i == 0 else np.nan})
    out = pd.DataFrame(rows, columns=["scenario", "role", "file", "file_sha256", "config_sha256", "scale", "months",
                                      "runs_in_database"])
    return out.astype({"months": "Int64", "runs_in_database": "Int64"})


def _key_figures(spec, tables, months) -> pd.DataFrame:
    """One line per scenario: the figures the summary speaks of, each with its interval.

    A figure without its interval would overstate it (66.7% from 3 runs reads as a finding): the
    unemployment median comes with the band of 90% of the runs, the probabilities with their Wilson
    interval, the jobs difference and the cost with their 95% interval (the precision of a mean) and the
    band of 90% of the runs' own values (the spread from one run to another), and the cost with its status
    (why it is not defined, or "defined").
    """
    month = key_months(spec, months)[0]
    fan = tables["unemployment_december"]
    probs = tables["target_probability"]
    pdiffs = tables["target_probability_difference"]
    diffs = tables["paired_differences"]
    cost = tables["cost_per_job"]
    nan = float("nan")
    rows = []
    for name in spec.names:
        # The unemployment figures and probabilities are of the target month, the jobs and the cost of the
        # horizon: each month named (one "month" column labelled the horizon's figures with the target's).
        row = {"scenario": name, "unemployment_month": str(month), "horizon": str(months[-1])}
        u = fan[(fan["scenario"] == name) & (fan["month"] == str(month))]
        for column in ("q50", "q05", "q95"):
            row[f"unemployment_{column}"] = float(u[column].iloc[0]) if len(u) else nan
            row[f"unemployment_with_trainees_{column}"] = float(u[f"{column}_with_trainees"].iloc[0]) if len(u) else nan
        row["unemployment_n"] = float(u["n"].iloc[0]) if len(u) else nan  # the runs with a value, of the range
        row["target_month"] = ""
        for reading in ("target", "level"):
            p = probs[(probs["scenario"] == name) & (probs["reading"] == reading) & (probs["moment"] == "month")]
            if len(p) and reading == "target":
                row["target_month"] = str(p["last_month"].iloc[0])
            for column in ("p", "ci_low", "ci_high"):
                key = f"p_{reading}" + ("" if column == "p" else f"_{column}")
                row[key] = float(p[column].iloc[0]) if len(p) else nan
            # The paired difference from the reference (none for the reference, nor where it is not defined).
            pd_ = pdiffs[(pdiffs["scenario"] == name) & (pdiffs["reading"] == reading)
                         & (pdiffs["status"] == "defined")]
            for column in ("difference", "ci_low", "ci_high"):
                key = f"p_{reading}_difference" + ("" if column == "difference" else f"_{column}")
                row[key] = float(pd_[column].iloc[0]) if len(pd_) else nan
        d = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "jobs_in_territory")
                  & (diffs["month"] == str(months[-1]))]
        for column, key in (("mean", ""), ("ci_low", "_ci_low"), ("ci_high", "_ci_high"), ("q05", "_q05"),
                            ("q95", "_q95"), ("n", "_n")):
            row[f"jobs_difference{key}"] = float(d[column].iloc[0]) if len(d) else nan
        c = cost[(cost["scenario"] == name) & (cost["measure"] == "net_job")]
        for column, key in (("cost", ""), ("cost_ci_low", "_ci_low"), ("cost_ci_high", "_ci_high"),
                            ("run_q05", "_q05"), ("run_q95", "_q95")):
            row[f"cost_per_net_job{key}"] = float(c[column].iloc[0]) if len(c) else nan
        row["cost_status"] = str(c["status"].iloc[0]) if len(c) else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=KEY_FIGURES)


KEY_FIGURES = ["scenario", "unemployment_month", "unemployment_q50", "unemployment_q05", "unemployment_q95",
               "unemployment_n",
               "unemployment_with_trainees_q50", "unemployment_with_trainees_q05", "unemployment_with_trainees_q95",
               "target_month",
               "p_target", "p_target_ci_low", "p_target_ci_high", "p_level", "p_level_ci_low", "p_level_ci_high",
               "horizon", "jobs_difference", "jobs_difference_ci_low", "jobs_difference_ci_high", "jobs_difference_q05",
               "jobs_difference_q95", "jobs_difference_n", "cost_per_net_job", "cost_per_net_job_ci_low", "cost_per_net_job_ci_high",
               "cost_per_net_job_q05", "cost_per_net_job_q95", "cost_status",
               # added after the others (a reader's columns keep their place): the probabilities' paired
               # difference from the reference, with Newcombe's interval
               "p_target_difference", "p_target_difference_ci_low", "p_target_difference_ci_high",
               "p_level_difference", "p_level_difference_ci_low", "p_level_difference_ci_high"]
