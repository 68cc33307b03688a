"""The plain-language summary at the top of a report, written from the analysis' numbers.

Every sentence is a template of terrasim.report.words filled with figures
of the analysis' tables, so the summary says only what the tables show: a
difference whose interval contains 0 is said to be indistinguishable from
chance, a probability is given with its interval and a verbal likelihood, and
said to be the model's, with its parameters as calibrated (the interval is the
runs' Monte Carlo noise only: it knows nothing of the parameters'
uncertainty), a cost that is not defined is said to be so, with the reason,
and a negative cost is called a saving. Each probability is stated with its
own scenario's criterion and month; a band says how many runs it holds; no
figure that is not 0 is rounded to 0.
"""
from __future__ import annotations

import math
from typing import Dict, List, Tuple

from .analysis import OUTER, WITH_TRAINEES, Analysis, key_months
from .charts import band_label, criterion_text
from .locale import Locale, enough_decimals, exact_decimals, missing, pick, probability_decimals
from .words import words

#: Verbal likelihood (the calibrated language of the IPCC's guidance note on
#: uncertainties, 2010): a phrase is used only when the whole 95% interval of
#: the probability lies in its range, so a handful of runs gives no verdict.
LIKELIHOOD_AT_MOST = ((0.01, "likelihood_0"), (0.10, "likelihood_1"), (0.33, "likelihood_2"))
LIKELIHOOD_AT_LEAST = ((0.99, "likelihood_6"), (0.90, "likelihood_5"), (0.66, "likelihood_4"))
#: The boundaries that an interval can straddle without any phrase holding it (the others are nested: an
#: interval across 0.10 below 0.33 is "unlikely"), with the narrowest range of a phrase on either side
#: (unlikely 0.10-0.33 and as likely as not 0.33-0.66; as likely as not and likely 0.66-0.90).
BOUNDARIES = {0.33: ("likelihood_2", "likelihood_3", 0.23), 0.66: ("likelihood_3", "likelihood_4", 0.24)}


def _phrase(low: float, high: float):
    """The key of the strongest phrase that the interval [low, high] of a probability supports, or None."""
    for bound, key in LIKELIHOOD_AT_MOST:
        if high <= bound:
            return key
    for bound, key in LIKELIHOOD_AT_LEAST:
        if low >= bound:
            return key
    if low >= 0.33 and high <= 0.66:
        return "likelihood_3"
    return None


def likelihood(low: float, high: float, lang: str) -> str:
    """The strongest phrase that the interval [low, high] of a probability supports.

    Without one, the interval straddles 0.33 or 0.66. It blames the number of runs ("too few runs to tell") only
    when it is wider than the narrowest range of the two phrases on either side: the runs cannot yet tell those
    ranges apart, and more would narrow it into one of them unless the share sits on the boundary. An interval
    narrower than that (0.66 [0.59; 0.72] from 200 runs) already tells the ranges apart: the share is close to
    the boundary, which more runs would not change (at 0.66 no number of runs would), and it is said so.
    """
    w = words(lang)
    key = _phrase(low, high)
    if key is not None:
        return w[key]
    crossed = [b for b in BOUNDARIES if low < b < high]
    if len(crossed) != 1 or high - low > BOUNDARIES[crossed[0]][2]:
        return w["likelihood_undecided"]
    below, above, _ = BOUNDARIES[crossed[0]]
    return w["likelihood_boundary"].format(below=w[below], above=w[above])


def sentences(analysis: Analysis, lang: str) -> List[str]:
    """The summary, one sentence (or short paragraph) per item."""
    w, loc = words(lang), Locale(lang)
    spec = analysis.spec
    label = lambda name: spec.scenario(name).display(lang)  # noqa: E731
    ci = lambda low, high: w["ci"].format(low=low, high=high)  # noqa: E731
    sep = loc.text(" ; ") if lang == "fr" else "; "
    out = [w["s_overview"].format(n=loc.count(analysis.replicates), start=loc.month(analysis.start),
                                  end=loc.month(analysis.horizon), reference=label(analysis.reference))]
    if scaled_sentence(analysis, lang):
        out[0] += " " + scaled_sentence(analysis, lang)

    month = key_months(spec, analysis.months)[0]
    dec = analysis.tables["unemployment_december"]
    at = dec[dec["month"] == str(month)].set_index("scenario")
    fan = analysis.chart_data["unemployment_fan"]
    runs = fan[fan["month"] == str(month)].set_index("scenario")["n"]  # the runs with a value that month
    items = [w["s_unemployment_item"].format(label=label(n), value=loc.percent(at.loc[n, "q50"]),
                                             band=band_label(int(runs.get(n, analysis.replicates)), OUTER, lang),
                                             low=loc.percent(at.loc[n, "q05"]), high=loc.percent(at.loc[n, "q95"]))
             for n in spec.names if n in at.index]
    out.append(w["s_unemployment"].format(month=loc.month(month), values=sep.join(items)))
    # Trainees are out of the labour force: a scenario that trains lowers the official rate by its trainees
    # alone. The same month's medians counting them as job seekers, each scenario's own.
    counted = [n for n in spec.names if n in at.index and not missing(at.loc[n, "q50_with_trainees"])]
    if counted:
        items = [w["s_unemployment_item"].format(label=label(n), value=loc.percent(at.loc[n, "q50_with_trainees"]),
                                                 band=band_label(int(at.loc[n, "n_with_trainees"]), OUTER, lang),
                                                 low=loc.percent(at.loc[n, "q05_with_trainees"]),
                                                 high=loc.percent(at.loc[n, "q95_with_trainees"]))
                 for n in counted]
        out.append(w["s_unemployment_trainees"].format(values=sep.join(items)))
    # Each scenario's national series (the mean of its runs): one figure where they agree, each scenario's
    # where they do not (a scenario may set its own national path; the first one's was said for all).
    national = at["national"].dropna()
    if national.nunique() == 1:
        out.append(w["s_national"].format(month=loc.month(month), value=loc.percent(national.iloc[0])))
    elif len(national):
        items = [w["s_national_item"].format(label=label(n), value=loc.percent(v)) for n, v in national.items()]
        out.append(w["s_national_each"].format(month=loc.month(month), values=sep.join(items)))

    # What the intervals are (the precision the runs give a figure: not the runs' spread), and the brackets
    # and "runs:" of the differences and costs, said once before them.
    out.append(w["s_conventions"].format(n=loc.count(analysis.replicates),
                                         band=band_label(analysis.replicates, OUTER, lang)))
    # One sentence per criterion and month: each scenario's probability is computed against its own
    # target, which need not be the first scenario's.
    probs = analysis.tables["target_probability"]
    for reading in ("target", "level"):
        rows = probs[(probs["reading"] == reading) & (probs["moment"] == "month")]
        groups: Dict[Tuple[str, str], List[str]] = {}
        for _, r in rows.iterrows():
            d = probability_decimals([r["p"], r["ci_low"], r["ci_high"]])
            item = w["s_target_item"].format(label=label(r["scenario"]), p=loc.percent(r["p"], d),
                                             likelihood=likelihood(r["ci_low"], r["ci_high"], lang),
                                             ci=ci(loc.percent(r["ci_low"], d), loc.percent(r["ci_high"], d)))
            groups.setdefault((criterion_text(r, lang), loc.month(r["last_month"])), []).append(item)
        # The fixed level is not the goal (for Amiens the goal is the national rate): not "reaching the target".
        template = w["s_target" if reading == "target" else "s_level"]
        for (criterion, when), items in groups.items():
            out.append(template.format(criterion=criterion, when=when, values=sep.join(items)))
        if reading == "level" and groups and spec.level is not None and spec.level.note:
            out.append(loc.text(pick(spec.level.note, lang)))  # what the level is: not the goal itself, for Amiens
    # How much each scenario moves those probabilities from the reference, pair by pair (the same seed).
    out += [line for line in (probability_difference_sentence(analysis, name, lang) for name in analysis.others)
            if line]
    # A target that is not evaluated (none stated, or its month not simulated) is said, not left out: the
    # summary had no target sentence at all for a forecast stopped before the target month.
    out += [note_text(analysis, key, values, lang) for key, values in analysis.notes
            if key in ("no_target", "target_out_of_range")]

    diffs = analysis.tables["paired_differences"]
    horizon = str(analysis.horizon)
    for name in analysis.others:
        # The target month first (where the summary gave the medians), then the horizon (with the jobs).
        for key in [str(m) for m in key_months(spec, analysis.months)]:
            if key != horizon:
                unemp = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "unemployment_rate")
                              & (diffs["month"] == key)]
                if len(unemp):
                    out.append(w["s_unemployment_effect"].format(
                        label=label(name), unemployment=_unemployment_difference(unemp.iloc[0], key, lang)))
            else:
                out.append(_jobs_sentence(analysis, name, lang))
            trainees = _trainees_sentence(analysis, name, key, lang, first=not any(
                w["s_trainees_share"].split("{")[0] in t for t in out))
            if trainees:
                out.append(trainees)

    cost = analysis.tables["cost_per_job"]
    for name in analysis.others:
        rows = cost[cost["scenario"] == name].set_index("measure")
        # The cost per job-year is in the cost table: the summary keeps to one page.
        spending = rows.loc["net_job", "spending"]
        spent = (w["s_spending_less"].format(value=loc.money(-spending)) if spending < 0
                 else loc.money(spending))
        out.append(w["s_cost"].format(label=label(name), month=loc.month(horizon), spending=spent,
                                      cost_net=cost_words(rows.loc["net_job"], lang)))
        residents = _residents_sentence(analysis, name, rows, lang)
        if residents:
            out.append(residents)
        net = rows.loc["net_job"]
        # More supported cash than the reference's, or less (pacte as the reference): said either way.
        if net["portal_cash"] != 0:
            counted = rows.loc["net_job_with_portal_cash"]
            key = ("s_portal_cash" if counted["status"] == "defined" else "s_portal_cash_only") + (
                "_less" if net["portal_cash"] < 0 else "")
            out.append(w[key].format(label=label(name), amount=loc.money(abs(net["portal_cash"])),
                                     month=loc.month(horizon), cost=cost_words(counted, lang)))

    out.append(w["s_caveat"])
    return out


def probability_difference_sentence(analysis: Analysis, name: str, lang: str) -> str:
    """The paired difference in the probability of each reading of the target (the stated target, the fixed
    level) between scenario `name` and the reference at the target month, with its 95% interval (Newcombe's,
    analysis.newcombe_paired) and the discordant pairs; "" when neither reading is evaluated."""
    w, loc = words(lang), Locale(lang)
    t = analysis.tables["target_probability_difference"]
    probs = analysis.tables["target_probability"]
    mine = t[t["scenario"] == name]
    items, n = [], None
    for _, r in mine.iterrows():
        p = probs[(probs["scenario"] == name) & (probs["reading"] == r["reading"]) & (probs["moment"] == "month")]
        criterion = criterion_text(p.iloc[0], lang)
        if r["status"] != "defined":
            what = w[f"s_pdiff_what_{r['reading']}"].format(criterion=criterion)
            items.append(w["s_pdiff_differ"].format(what=what))
            continue
        n = int(r["n"])
        first, second = int(r["scenario_only"]), int(r["reference_only"])
        pairs = (w["s_pdiff_pairs"].format(first=loc.count(first), second=loc.count(second)) if first or second
                 else w["s_pdiff_no_discordant"])
        without = int(r["without_value_scenario"]) + int(r["without_value_reference"])
        if without:
            pairs += w["s_pdiff_without"].format(k=loc.count(without))
        diff, ci = difference_points(r["difference"], r["ci_low"], r["ci_high"], lang)
        chance = w["s_pdiff_chance"] if r["ci_low"] <= 0 <= r["ci_high"] else ""
        items.append(w[f"s_pdiff_{r['reading']}"].format(criterion=criterion, when=loc.month(r["month"]),
                                                          diff=diff, ci=ci, chance=chance, pairs=pairs))
    if not items:
        return ""
    sep = loc.text(" ; ") if lang == "fr" else "; "
    return w["s_pdiff"].format(label=analysis.spec.scenario(name).display(lang),
                               n=loc.count(n if n is not None else analysis.replicates), items=sep.join(items))


def difference_points(difference: float, low: float, high: float, lang: str) -> Tuple[str, str]:
    """A difference of probabilities in percentage points and its interval in brackets, with the same decimals,
    enough that none that is not 0 reads 0: ("+6.5 points", "[+3.2, +10.8]")."""
    loc = Locale(lang)
    d = enough_decimals([100 * v for v in (difference, low, high)], 1)
    bound = lambda v: loc.number(100 * v, d, sign=True)  # noqa: E731
    return loc.points(difference, d), loc.interval(bound(low), bound(high))


def note_text(analysis: Analysis, key: str, values: dict, lang: str) -> str:
    """One of the analysis's notes (a key and its values) in words."""
    w, loc = words(lang), Locale(lang)
    v = dict(values)
    if "scenario" in v:
        v["scenario"] = analysis.spec.scenario(v["scenario"]).display(lang)
    for k in ("date", "first", "last"):
        if k in v:
            v[k] = loc.month(v[k])
    if "years" in v:
        v["years"] = loc.join(str(y) for y in v["years"])
    return w["no_target_stated" if key == "no_target" else key].format(**v)


def _jobs_sentence(analysis: Analysis, name: str, lang: str) -> str:
    """The jobs difference at the horizon, with the official unemployment difference of the same month."""
    w, loc = words(lang), Locale(lang)
    diffs = analysis.tables["paired_differences"]
    horizon = str(analysis.horizon)
    label = analysis.spec.scenario(name).display(lang)
    jobs = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "jobs_in_territory")
                 & (diffs["month"] == horizon)].iloc[0]
    unemp = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "unemployment_rate")
                  & (diffs["month"] == horizon)].iloc[0]
    # A figure and its interval with the same decimals, enough that none that is not 0 reads 0 (a mean
    # of 0.4 jobs is no "0 more jobs"). The interval is the precision of the mean; the spread of the runs
    # themselves comes with it (an interval of +1,276 to +1,339 read alone as the range of outcomes
    # hid runs from +933 to +1,670).
    d = enough_decimals([jobs["mean"], jobs["ci_low"], jobs["ci_high"]], 0)
    unemployment = _unemployment_difference(unemp, horizon, lang)
    jobs_count = lambda v, decimals: loc.count(v, sign=True, decimals=decimals)  # noqa: E731
    values = dict(label=label, month=loc.month(horizon), ci=precision(jobs, lambda v: jobs_count(v, d), lang),
                  spread=spread(jobs, "q05", "q95",
                                lambda v: jobs_count(v, enough_decimals([jobs["q05"], jobs["q95"]], 0)), lang),
                  unemployment=unemployment)
    if jobs["ci_low"] > 0:
        return w["s_jobs_up"].format(diff=loc.count(jobs["mean"], decimals=d), **values)
    if jobs["ci_high"] < 0:  # signed, as its interval and its runs: "−142 [−193 ; −92]", not "142 (−193 to −92)"
        return w["s_jobs_down"].format(diff=loc.count(jobs["mean"], sign=True, decimals=d), **values)
    return w["s_jobs_none"].format(diff=loc.count(jobs["mean"], sign=True, decimals=d), **values)


def _trainees_sentence(analysis: Analysis, name: str, month: str, lang: str, first: bool = True) -> str:
    """The unemployment difference of `month` counting trainees as job seekers (they are out of the labour
    force while they train), and how much of the official difference that leaves out (what that share is, said
    the `first` time); "" when the scenario trains no more than the reference."""
    w, loc = words(lang), Locale(lang)
    diffs = analysis.tables["paired_differences"]
    label = analysis.spec.scenario(name).display(lang)
    trainees = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "in_training") & (diffs["month"] == month)]
    with_trainees = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == WITH_TRAINEES)
                          & (diffs["month"] == month)]
    if not (len(trainees) and len(with_trainees) and trainees["mean"].iloc[0] > 0):
        return ""
    dt = enough_decimals([trainees["mean"].iloc[0]], 0)
    text = w["s_trainees"].format(label=label, month=loc.month(month),
                                  trainees=loc.count(trainees["mean"].iloc[0], decimals=dt),
                                  unemployment=_unemployment_difference(with_trainees.iloc[0], month, lang))
    shares = analysis.tables["trainees_share"]
    share = shares[(shares["scenario"] == name) & (shares["month"] == month)]
    if len(share) and share["status"].iloc[0] == "defined":
        r = share.iloc[0]
        d = enough_decimals([100 * r[c] for c in ("share", "share_ci_low", "share_ci_high")], 0)
        text += " " + w["s_trainees_share_first" if first else "s_trainees_share"].format(
            share=loc.percent(r["share"], d), month=loc.month(month),
            ci=loc.interval(loc.percent(r["share_ci_low"], d), loc.percent(r["share_ci_high"], d)))
    return text


def precision(row, fmt, lang: str, low: str = "ci_low", high: str = "ci_high") -> str:
    """The 95% interval of a mean (or of a ratio of means), in brackets: the summary's convention for it (the
    precision of the mean, said once in s_conventions), apart from the runs' own range (spread)."""
    return Locale(lang).interval(fmt(row[low]), fmt(row[high]))


def spread(row, low: str, high: str, fmt, lang: str, without_gain: int = 0) -> str:
    """The band of 90% of the runs' own values (row[low] to row[high]), after "runs:" (s_conventions says how
    many runs it holds); a band whose top is infinite (runs that gain nothing, at no finite cost) is open."""
    w, loc = words(lang), Locale(lang)
    if math.isinf(row[high]):
        return w["spread_open"].format(low=fmt(row[low]), k=loc.count(without_gain), n=loc.count(row["n"]))
    return w["key_runs"].format(low=fmt(row[low]), high=fmt(row[high]))


def scaled_sentence(analysis: Analysis, lang: str) -> str:
    """That the runs are scaled down (or up), with the scale; "" at 1:1. The jobs, creations and money of a
    run at scale 0.1 are a tenth of the territory's: a reader must not take them for its."""
    scales = sorted({s.scale for s in analysis.spec.scenarios})
    if scales == [1.0]:
        return ""
    loc = Locale(lang)
    return words(lang)["scaled"].format(scale=loc.join(loc.number(s, exact_decimals(s)) for s in scales))


def _unemployment_difference(row, month: str, lang: str) -> str:
    """A row of unemployment-rate differences as a clause, with its interval; said to be indistinguishable
    from chance when its interval contains 0."""
    w, loc = words(lang), Locale(lang)
    d = enough_decimals([100 * row[c] for c in ("mean", "ci_low", "ci_high")], 2)
    d_runs = enough_decimals([100 * row[c] for c in ("q05", "q95")], 2)
    key = "s_unemployment_diff_none" if _indistinguishable(row["ci_low"], row["ci_high"]) else "s_unemployment_diff"
    # The unit once, with the mean: "−0,36 point [−0,37 ; −0,34] (simulations : −0,53 à −0,18)".
    bare = lambda decimals: lambda v: loc.number(100 * v, enough_decimals([100 * v], decimals), sign=True)  # noqa: E731
    return w[key].format(month=loc.month(month), udiff=loc.points(row["mean"], d),
                         uci=precision(row, bare(d), lang), spread=spread(row, "q05", "q95", bare(d_runs), lang))


def _indistinguishable(low: float, high: float) -> bool:
    """Whether the interval [low, high] contains 0; an interval that is not there (one run) does too: it
    tells nothing apart from chance."""
    return missing(low) or missing(high) or low <= 0 <= high


def status_words(row, lang: str) -> str:
    """Why a cost is not defined, in the words of its measure (fewer unemployed, not fewer jobs)."""
    w = words(lang)
    status = row["status"] if "status" in row else row["cost_status"]
    # the measure: a column, or the row's label in a table indexed by measure (the key figures' is net_job)
    measure = row["measure"] if "measure" in row else getattr(row, "name", None)
    return w.get(f"status_{status}_{measure if isinstance(measure, str) else 'net_job'}", w[f"status_{status}"])


def _residents_sentence(analysis: Analysis, name: str, costs, lang: str) -> str:
    """The residents' side of the jobs at the horizon (jobs they hold, unemployed, labour force: more jobs draw
    more residents into the labour force, so the unemployed fall by less than the jobs rise), with the cost per
    extra job held by a resident and per unemployed resident fewer; "" when the runs do not record them."""
    w, loc = words(lang), Locale(lang)
    diffs = analysis.tables["paired_differences"]
    horizon = str(analysis.horizon)
    mine = diffs[(diffs["scenario"] == name) & (diffs["month"] == horizon)].set_index("quantity")
    needed = ("jobs_held_by_residents", "unemployed", "labour_force")
    if not all(q in mine.index for q in needed) or not {"resident_job", "fewer_unemployed"} <= set(costs.index):
        return ""
    if costs.loc["net_job", "status"] != "defined":  # no job more to share out between residents and others
        return ""
    values = {}
    for key, quantity in zip(("resident_jobs", "unemployed", "labour"), needed):
        r = mine.loc[quantity]
        d = enough_decimals([r["mean"], r["ci_low"], r["ci_high"]], 0)
        f = lambda v, d=d: loc.count(v, sign=True, decimals=d)  # noqa: E731
        values[key], values[f"{key}_ci"] = f(r["mean"]), precision(r, f, lang)
    return w["s_cost_residents"].format(
        label=analysis.spec.scenario(name).display(lang), month=loc.month(horizon),
        resident_ci=values.pop("resident_jobs_ci"), unemployed_ci=values.pop("unemployed_ci"),
        labour_ci=values.pop("labour_ci"), cost_resident=cost_words(costs.loc["resident_job"], lang),
        cost_unemployed=cost_words(costs.loc["fewer_unemployed"], lang), **values)


def cost_words(row, lang: str) -> str:
    """A cost per job of the cost_per_job table in words, with its interval; a negative cost as a saving.

    "−€990" would read as a cost to a council; with less spending and more jobs it is a saving, and an
    interval from below 0 to above says the spending difference cannot be told from 0.
    """
    w, loc = words(lang), Locale(lang)
    if row["status"] != "defined":
        return w["s_cost_undefined"].format(why=status_words(row, lang))
    cost, low, high = row["cost"], row["cost_ci_low"], row["cost_ci_high"]
    if missing(cost):
        return w["unknown"]
    # Each run's own cost, as money or as a saving (a negative cost).
    money = lambda v: loc.money(v) if v >= 0 else w["saving_of"].format(value=loc.money(-v))  # noqa: E731
    # No band where some runs spend less than the reference (the analysis's _cost_row).
    runs = (w["spread_unranked"] if math.isnan(row["run_q05"]) or math.isnan(row["run_q95"])
            else spread(row, "run_q05", "run_q95", money, lang, int(row.get("runs_without_gain", 0) or 0)))
    if high < 0:
        return w["s_cost_saving"].format(value=loc.money(-cost), spread=runs,
                                         ci=loc.interval(loc.money(-high), loc.money(-low)))
    if low < 0:
        value = loc.money(cost) if cost >= 0 else w["saving_of"].format(value=loc.money(-cost))
        return w["s_cost_either"].format(value=value, saving=loc.money(-low), cost=loc.money(high), spread=runs)
    return f"{loc.money(cost)} {loc.interval(loc.money(low), loc.money(high))} ({runs})"



def text(analysis: Analysis, lang: str) -> str:
    """The summary as plain text, a sentence a line (what `terrasim forecast` prints)."""
    return "\n".join(f"- {s}" for s in sentences(analysis, lang))
