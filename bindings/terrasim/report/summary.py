"""The plain-language summary at the top of a report, written from the analysis' numbers.

Every sentence is a template of terrasim.report.words filled with figures
of the analysis' tables, so the summary says only what the tables show: a
difference whose interval contains 0 is said to be indistinguishable from
chance, a probability is given with its interval and a verbal likelihood, a
cost that is not defined is said to be so, with the reason.
"""
from __future__ import annotations

from typing import List

from .analysis import Analysis, key_months
from .charts import criterion_text
from .locale import Locale
from .words import words

#: Verbal likelihood (the calibrated language of the IPCC's guidance note on
#: uncertainties, 2010): a phrase is used only when the whole 95% interval of
#: the probability lies in its range, so a handful of runs gives no verdict.
LIKELIHOOD_AT_MOST = ((0.01, "likelihood_0"), (0.10, "likelihood_1"), (0.33, "likelihood_2"))
LIKELIHOOD_AT_LEAST = ((0.99, "likelihood_6"), (0.90, "likelihood_5"), (0.66, "likelihood_4"))


def likelihood(low: float, high: float, lang: str) -> str:
    """The strongest phrase that the interval [low, high] of a probability supports."""
    w = words(lang)
    for bound, key in LIKELIHOOD_AT_MOST:
        if high <= bound:
            return w[key]
    for bound, key in LIKELIHOOD_AT_LEAST:
        if low >= bound:
            return w[key]
    if low >= 0.33 and high <= 0.66:
        return w["likelihood_3"]
    return w["likelihood_undecided"]


def sentences(analysis: Analysis, lang: str) -> List[str]:
    """The summary, one sentence (or short paragraph) per item."""
    w, loc = words(lang), Locale(lang)
    spec = analysis.spec
    label = lambda name: spec.scenario(name).display(lang)  # noqa: E731
    ci = lambda low, high: w["ci"].format(low=low, high=high)  # noqa: E731
    out = [w["s_overview"].format(n=loc.count(analysis.replicates), start=loc.month(analysis.start),
                                  end=loc.month(analysis.horizon), reference=label(analysis.reference))]

    month = key_months(spec, analysis.months)[0]
    dec = analysis.tables["unemployment_december"]
    at = dec[dec["month"] == str(month)].set_index("scenario")
    items = [w["s_unemployment_item"].format(label=label(n), value=loc.percent(at.loc[n, "q50"]),
                                             low=loc.percent(at.loc[n, "q05"]), high=loc.percent(at.loc[n, "q95"]))
             for n in spec.names if n in at.index]
    out.append(w["s_unemployment"].format(month=loc.month(month), values=" ; ".join(items) if lang == "fr"
                                          else "; ".join(items)))
    national = at["national"].dropna()
    if len(national):
        out.append(w["s_national"].format(value=loc.percent(national.iloc[0])))

    probs = analysis.tables["target_probability"]
    for reading in ("target", "level"):
        rows = probs[(probs["reading"] == reading) & (probs["moment"] == "month")]
        if rows.empty:
            continue
        first = rows.iloc[0]
        items = [w["s_target_item"].format(label=label(r["scenario"]), p=loc.percent(r["p"]),
                                           likelihood=likelihood(r["ci_low"], r["ci_high"], lang),
                                           ci=ci(loc.percent(r["ci_low"]), loc.percent(r["ci_high"])))
                 for _, r in rows.iterrows()]
        out.append(w["s_target"].format(criterion=criterion_text(first, lang), when=loc.month(first["last_month"]),
                                        values=(" ; " if lang == "fr" else "; ").join(items)))

    diffs = analysis.tables["paired_differences"]
    horizon = str(analysis.horizon)
    for name in analysis.others:
        jobs = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "jobs_in_territory")
                     & (diffs["month"] == horizon)].iloc[0]
        unemp = diffs[(diffs["scenario"] == name) & (diffs["quantity"] == "unemployment_rate")
                      & (diffs["month"] == horizon)].iloc[0]
        values = dict(label=label(name), month=loc.month(horizon),
                      ci=ci(loc.count(jobs["ci_low"], sign=True), loc.count(jobs["ci_high"], sign=True)),
                      udiff=loc.points(unemp["mean"], 2),
                      uci=ci(loc.points(unemp["ci_low"], 2), loc.points(unemp["ci_high"], 2)))
        if jobs["ci_low"] > 0:
            out.append(w["s_jobs_up"].format(diff=loc.count(jobs["mean"]), **values))
        elif jobs["ci_high"] < 0:
            out.append(w["s_jobs_down"].format(diff=loc.count(-jobs["mean"]), **values))
        else:
            out.append(w["s_jobs_none"].format(diff=loc.count(jobs["mean"], sign=True), **values))

    cost = analysis.tables["cost_per_job"]
    for name in analysis.others:
        rows = cost[cost["scenario"] == name].set_index("measure")
        parts = {}
        for measure in ("net_job", "job_year"):
            r = rows.loc[measure]
            if r["status"] == "defined":
                interval = ci(loc.money(r["cost_ci_low"]), loc.money(r["cost_ci_high"]))
                parts[measure] = f"{loc.money(r['cost'])} ({interval})"
            else:
                parts[measure] = w["s_cost_undefined"].format(why=w[f"status_{r['status']}"])
        out.append(w["s_cost"].format(label=label(name), month=loc.month(horizon),
                                      spending=loc.money(rows.loc["net_job", "spending"]),
                                      cost_net=parts["net_job"], cost_year=parts["job_year"]))

    out.append(w["s_caveat"])
    return out


def text(analysis: Analysis, lang: str) -> str:
    """The summary as plain text, a sentence a line (what `terrasim forecast` prints)."""
    return "\n".join(f"- {s}" for s in sentences(analysis, lang))
