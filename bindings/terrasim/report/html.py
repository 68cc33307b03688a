"""The report as one self-contained HTML page: styles inline, charts as SVG data URIs.

The page asks for nothing outside itself (no font, script, style sheet or
image from a server), so it opens offline and prints the same everywhere.
Every table of the page is one CSV file of ``tables/``, row for row: a table
carries ``data-csv="tables/NAME.csv"``, each row ``data-row`` (its position
in the file) and each number ``data-col`` (its column), so that a reader or
a test can check one against the other.
"""
from __future__ import annotations

import base64
import html
import pathlib
import re
from typing import Callable, Dict, List, Sequence

import pandas as pd

from .._paths import shell_word, shown
from .analysis import INNER, OUTER, WITH_TRAINEES, Analysis, key_months
from .charts import (band_label, bands_text, bars_note, cluster_title, creations_reference_text,
                     criterion_text, inner_band_shown, investor_label, reading_label)
from .locale import Locale, enough_decimals, exact_decimals, missing, pick, probability_decimals
from .summary import difference_points, note_text, status_words
from .words import words

CSS = """
:root { --ink: #1d2733; --muted: #5b6775; --rule: #d5dbe1; --accent: #4a6fa5; --soft: #f3f6f9; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 10.5pt; color: var(--ink); }
body { margin: 0 auto; max-width: 190mm; padding: 10mm 8mm 16mm; line-height: 1.45; }
h1 { font-size: 19pt; margin: 0 0 2mm; line-height: 1.2; }
h2 { font-size: 14pt; margin: 9mm 0 3mm; padding-bottom: 1mm; border-bottom: 2px solid var(--accent); }
h3 { font-size: 11.5pt; margin: 6mm 0 2mm; }
p.subtitle { color: var(--muted); margin: 0 0 5mm; }
ul.summary { padding-left: 5mm; margin: 0 0 4mm; font-size: 10pt; line-height: 1.4; }
ul.summary li { margin: 0 0 1.2mm; }
figure.chart { margin: 3mm 0 4mm; break-inside: avoid; }
figure.chart img { display: block; width: 100%; height: auto; }
figcaption, p.caption, p.note { color: var(--muted); font-size: 9pt; margin: 1mm 0 2mm; }
.table-box { overflow-x: auto; }
@media print { .table-box { overflow: visible; } .table-box.keep { break-inside: avoid; } p.caption { break-after: avoid; } }
table.data { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9pt; break-inside: auto; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 1.2mm 1.6mm; text-align: left;
  vertical-align: top; }
table.data th { background: var(--soft); font-weight: bold; }
table.data td.num, table.data th.num { text-align: right; }
table.data td.num { white-space: nowrap; }
table.data tr { break-inside: avoid; }
table.data tr.note td { color: var(--muted); font-style: italic; }
table.data td .ci { display: block; color: var(--muted); font-size: 8pt; }
table.data td .why { display: block; white-space: normal; text-align: left; font-size: 8pt; }
table.data td.nowrap { white-space: nowrap; }
table.data td.wide { min-width: 38mm; }  /* words beside columns of figures that do not wrap */
table.data td.num .ci.wrap { white-space: normal; }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7.5pt; word-break: break-all; max-width: 36mm; }
pre.command { background: var(--soft); padding: 2mm 3mm; white-space: pre-wrap; word-break: break-all;
  font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
section#summary { break-after: page; }
/* A phone (390 px): a chart is drawn at a readable size and scrolls sideways in its box (shrunk to the
   screen its text was 4-5 px high), and a table's notes wrap at the screen's width (they ran off its edge with
   the table, which scrolls in its box). The desktop and the print are as above. */
@media screen and (max-width: 640px) {
  body { padding: 6mm 4mm 12mm; }
  figure.chart { overflow-x: auto; }
  figure.chart img { width: 640px; max-width: none; }
  figure.chart figcaption { position: sticky; left: 0; width: calc(100vw - 8mm); }
  tr.note td .note-text { position: sticky; left: 1.6mm; width: calc(100vw - 8mm - 3.2mm); white-space: normal; }
}
@page { size: A4; margin: 12mm 10mm 14mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; } h3 { break-after: avoid; }
  /* the summary is one printed page: each effect comes with two ranges (the precision of its mean and the
     runs' own spread), the trainees' reading and the residents' jobs beside the official figures, and the
     paired difference in probability (its line took the page past its end at 1.25) */
  ul.summary { font-size: 9pt; line-height: 1.2; } ul.summary li { margin-bottom: 0.4mm; }
  p.subtitle { display: none; }  /* the summary's first sentence says the same */
  #summary table.data { font-size: 8pt; margin-bottom: 2mm; } #summary table.data td .ci { font-size: 7pt; line-height: 1.25; }
  #summary table.data th, #summary table.data td { padding: 0.8mm 1.4mm; }
  /* the levers, as planned and as the runs spent them, on one page */
  #levers table.data { font-size: 8.5pt; } #levers table.data th, #levers table.data td { padding: 0.9mm 1.4mm; } }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def num(column: str, text: str) -> str:
    """A number of the table's CSV column `column`, as displayed."""
    return f'<span data-col="{_e(column)}">{_e(text)}</span>'


class Col:
    """A column of an HTML table: its header and how a row's cell reads."""

    def __init__(self, header: str, render: Callable[[pd.Series], str], numeric: bool = True, css: str = ""):
        self.header, self.render = header, render
        self.css = ("num" if numeric else "text") + (f" {css}" if css else "")


# Tables of at most this many rows (notes included) are kept on one printed page.
KEEP_ROWS = 16


def table(name: str, df: pd.DataFrame, columns: Sequence[Col], notes: Sequence[str] = ()) -> str:
    head = "".join(f'<th class="{c.css}">{_e(c.header)}</th>' for c in columns)
    body = []
    for i, (_, row) in enumerate(df.iterrows()):
        cells = "".join(f'<td class="{c.css}">{c.render(row)}</td>' for c in columns)
        body.append(f'<tr data-row="{i}">{cells}</tr>')
    for note in notes:
        # in a block of its own, which a narrow screen holds to its width (the row is the table's width)
        body.append(f'<tr class="note"><td colspan="{len(columns)}"><div class="note-text">{_e(note)}</div></td></tr>')
    # In a box that scrolls sideways on a narrow screen, rather than the page;
    # a short table is printed on one page (Chromium left its last two rows
    # on the next), a long one breaks between rows, its header repeated.
    keep = " keep" if len(body) <= KEEP_ROWS else ""
    return (f'<div class="table-box{keep}"><table class="data" id="table-{_e(name)}" data-csv="tables/{_e(name)}.csv">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def figure(name: str, svg: bytes, caption: str, alt: str) -> str:
    """A chart, its text alternative the section's name and what the caption says it shows (the name
    alone told a reader who cannot see the chart nothing of it)."""
    data = base64.b64encode(svg).decode("ascii")
    return (f'<figure class="chart" id="chart-{_e(name)}" data-chart="{_e(name)}">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{_e(alt)} – {_e(caption)}">'
            f'<figcaption>{_e(caption)}</figcaption></figure>')


def page(analysis: Analysis, lang: str, svgs: Dict[str, bytes], summary: List[str], pdf: bool = False,
         db_here: bool = False) -> str:
    """The report page. pdf: a report.pdf goes with it; db_here: the runs' database is in its folder (the
    Methods say only what is true of this report: no PDF named when none is made, no database said to be
    kept with it when it was read from elsewhere)."""
    """The whole HTML document."""
    w, loc = words(lang), Locale(lang)
    spec = analysis.spec
    label = lambda name: spec.scenario(name).display(lang)  # noqa: E731
    t = analysis.tables
    title = spec.title.get(lang) or w["report_title"].format(labels=loc.join(label(n) for n in spec.names))
    horizon = str(analysis.horizon)

    def runs(row, lo="q05", hi="q95", f=loc.percent, total=False, count="n"):
        """Two columns of a row as the range of the runs themselves: "a à b", not bracketed (brackets are the
        95% intervals' throughout). Where the row counts fewer runs than the report (row[count]: a run
        without a value that month, or in a month of a `total`), what its range holds is said beside it: the
        column's header says it for every run."""
        return _range(num(lo, f(row[lo])), num(hi, f(row[hi])), w) + fewer(row.get(count), total)

    def span(row, lo="q05", hi="q95", f=loc.percent):
        """Two columns of a row as an interval."""
        return loc.interval(num(lo, f(row[lo])), num(hi, f(row[hi])))

    def row_money(row):
        """Money in one unit for a row's figures: millions when any is a million or more."""
        big = any(not missing(row[c]) and abs(row[c]) >= 1e6 for c in ("q05", "q50", "q95", "mean"))
        return lambda v: loc.money(v, millions=big)

    def under(row, lo, hi, f=loc.percent, mark=""):
        """An interval written under its figure, in a cell; nothing when it is not there."""
        if missing(row[lo]) or missing(row[hi]):
            return ""
        return f'<span class="ci">{span(row, lo, hi, f)}{_e(mark)}</span>'

    def fewer(counted, total=False) -> str:
        """What a range of fewer runs than the report's holds, said beside it ("" for all of them): a run
        without a value that month (in one of the months of a total); the headers and notes say it for every
        run."""
        return _fewer_runs(counted, n, w, loc, total)

    def runs_line(row, lo, hi, f=loc.percent, count_column=None):
        """The range of the runs themselves (not an interval of a mean), labelled so, under its figure; of
        row[count_column] runs where that is fewer than the report's."""
        if pd.isna(row[lo]) or pd.isna(row[hi]):  # an infinite top (runs that gain nothing) is written ∞
            return ""
        before, middle, after = _split3(w["key_runs"], "{low}", "{high}")
        note = fewer(row.get(count_column)) if count_column else ""
        if row[hi] == float("inf"):  # runs that gain nothing: a cost above any figure
            return f'<span class="ci runs">{_e(before)}≥ {num(lo, f(row[lo]))}{note}</span>'
        return (f'<span class="ci runs">{_e(before)}{num(lo, f(row[lo]))}{_e(middle)}{num(hi, f(row[hi]))}'
                f'{_e(after)}{note}</span>')

    trains = bool(t["unemployment_december"]["q50_with_trainees"].notna().any())

    def with_trainees_line(row):
        """The median counting trainees as job seekers, when a scenario trains (they are out of the labour force)."""
        if not trains or missing(row["unemployment_with_trainees_q50"]):
            return ""
        before, _, after = w["key_with_trainees"].partition("{value}")
        value = num("unemployment_with_trainees_q50", loc.percent(row["unemployment_with_trainees_q50"]))
        return f'<span class="ci">{_e(before)}{value}{_e(after)}</span>'

    n = analysis.replicates
    band = band_label(n, OUTER, lang)  # what the ranges of the runs hold, said for n (90% of 6 runs is no run)
    range_header = w["col_range"].format(band=band)
    scen = Col(w["col_scenario"], lambda r: _e(label(r["scenario"])), numeric=False)
    month_col = Col(w["col_month"], lambda r: _e(loc.month(r["month"])), numeric=False)

    parts = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f'<meta name="generator" content="terrasim {_e(analysis.version)}">\n'
             f'<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n']
    subtitle = w["subtitle"].format(n=loc.count(analysis.replicates), start=loc.month(analysis.start),
                                    end=loc.month(analysis.horizon), reference=label(analysis.reference))
    parts.append(f'<header><h1>{_e(title)}</h1><p class="subtitle">{_e(subtitle)}</p></header>\n')

    # -- summary -------------------------------------------------------------
    # Each key figure with its interval under it: a figure alone (66.7% from 3 runs, +31 jobs) would
    # read as a finding beside sentences that say there are too few runs to tell.
    key_month = str(key_months(spec, analysis.months)[0])
    level_text = loc.percent_as_given(spec.level.value) if spec.level else ""
    reference = analysis.reference
    key = t["key_figures"]

    # Why a scenario has no probability: no target stated, or its month not simulated (a bare "–" before).
    not_evaluated = {values["scenario"]: key for key, values in analysis.notes
                     if key in ("no_target", "target_out_of_range")}

    def probability(reading):
        def cell(r):
            p, lo, hi = f"p_{reading}", f"p_{reading}_ci_low", f"p_{reading}_ci_high"
            if missing(r[p]) and r["scenario"] in not_evaluated:
                return _why(w[f"key_{not_evaluated[r['scenario']]}"])
            d = probability_decimals([r[p], r[lo], r[hi]])  # no "0.0%" for 1 run in 500
            return num(p, loc.percent(r[p], d)) + under(r, lo, hi, lambda v: loc.percent(v, d)) + difference(r)

        def difference(r):
            """The paired difference from the reference, with its interval, under the probability's."""
            column = f"p_{reading}_difference"
            if r["scenario"] == reference or missing(r[column]):
                return ""
            diff, ci = difference_points(r[column], r[f"{column}_ci_low"], r[f"{column}_ci_high"], lang)
            return f'<span class="ci">{_e(w["key_pdiff"].format(diff=diff, ci=ci))}</span>'
        return cell

    def jobs_cell(r):
        if r["scenario"] == reference:
            return _e(w["is_reference"])
        d = enough_decimals([r["jobs_difference"], r["jobs_difference_ci_low"], r["jobs_difference_ci_high"]], 0)
        f = lambda v: count(v, sign=True, decimals=d)  # noqa: E731
        mark = "\u00a0†" if _contains_zero(r["jobs_difference_ci_low"], r["jobs_difference_ci_high"]) else ""
        d_runs = enough_decimals([r["jobs_difference_q05"], r["jobs_difference_q95"]], 0)
        # One pair has no interval, and tells nothing apart from chance (as the summary says): said under
        # the figure, which stood alone as if it were a finding.
        interval = (under(r, "jobs_difference_ci_low", "jobs_difference_ci_high", f, mark)
                    if not (missing(r["jobs_difference_ci_low"]) or missing(r["jobs_difference_ci_high"]))
                    else f'<span class="ci">{_e(w["key_no_interval"])}</span>')
        return num("jobs_difference", f(r["jobs_difference"])) + interval + runs_line(
            r, "jobs_difference_q05", "jobs_difference_q95", lambda v: count(v, sign=True, decimals=d_runs),
            count_column="jobs_difference_n")

    def cost_key_cell(r):
        if r["scenario"] == reference:
            return _e(w["is_reference"])
        if r["cost_status"] != "defined":  # the reason, not a bare "–"
            return _why(w["s_cost_undefined"].format(why=status_words(r, lang)))
        unranked = pd.isna(r["cost_per_net_job_q05"]) or pd.isna(r["cost_per_net_job_q95"])  # analysis._cost_row
        return num("cost_per_net_job", loc.money(r["cost_per_net_job"])) + under(
            r, "cost_per_net_job_ci_low", "cost_per_net_job_ci_high", loc.money) + (
            f'<span class="ci runs">{_why(w["runs_unranked"])}</span>' if unranked else runs_line(
                r, "cost_per_net_job_q05", "cost_per_net_job_q95", loc.money))

    count = loc.count
    key_cols = [scen,
                Col(w["col_unemployment_at"].format(month=loc.month_short(key_month)),
                    lambda r: num("unemployment_q50", loc.percent(r["unemployment_q50"]))
                    + runs_line(r, "unemployment_q05", "unemployment_q95", count_column="unemployment_n")
                    + with_trainees_line(r)),
                Col(w["col_p_target"], probability("target"))]
    if spec.level:
        key_cols.append(Col(w["col_p_level"].format(level=level_text), probability("level")))
    key_cols += [Col(w["col_jobs_vs_ref"].format(month=loc.month_short(horizon)), jobs_cell),
                 Col(w["col_cost_net_job"], cost_key_cell)]
    key_notes = [w["key_intervals"].format(band=band, n=loc.count(n))]
    others = key[key["scenario"] != reference]
    if any(_contains_zero(lo, hi) for lo, hi in zip(others["jobs_difference_ci_low"],
                                                     others["jobs_difference_ci_high"])):
        key_notes.append(w["key_zero_mark"])
    stated = stated_targets(analysis, lang)
    if len(stated) > 1:  # the probabilities of one column are against different criteria or months
        key_notes.append(w["key_targets"].format(items=(loc.text(" ; ") if lang == "fr" else "; ").join(stated)))
    if (others["cost_per_net_job"] < 0).any() or (others["cost_per_net_job_ci_low"] < 0).any():
        key_notes.append(w["negative_cost"])
    parts.append(f'<section id="summary"><h2>{_e(w["h_summary"])}</h2><ul class="summary">'
                 + "".join(f"<li>{_e(s)}</li>" for s in summary) + "</ul>"
                 + table("key_figures", key, key_cols, key_notes) + "</section>\n")

    # -- levers ----------------------------------------------------------------
    lever_notes = [loc.text(f'{label(n)} : {w["no_lever"]}') if lang == "fr" else f'{label(n)}: {w["no_lever"]}'
                   for n in spec.names if n not in set(t["levers"]["scenario"])]
    levers = t["levers"]
    recorded = levers["n"].notna() | (levers["policy"] == "")
    if len(levers):
        # The budgets are ceilings; the cost per job divides what was spent (reviewers added the budgets up
        # to 51.0 M€ beside a cost computed from 39.8 M€ without a word on the gap), and a policy stops when
        # its budget is spent (the portal, shown "juil. 2015 à déc. 2020", ran out in mid-2016 in every run).
        lever_notes.append(w["levers_spent"].format(month=loc.month(analysis.horizon), band=band))
        if not recorded.all():
            lever_notes.append(w["levers_not_recorded"])
    parts.append(f'<section id="levers"><h2>{_e(w["h_levers"])}</h2>' + table("levers", levers, [
        scen,
        Col(w["col_lever"], lambda r: _e(_lever_text(r, spec, lang)), numeric=False),
        Col(w["col_window"], lambda r: _e(_window(r, loc, w)), numeric=False, css="nowrap"),
        Col(w["col_budget"], lambda r: num("budget_eur", loc.money(r["budget_eur"]))),
        Col(w["col_spent"].format(month=loc.month_short(horizon)), lambda r: _spent_cell(r, loc, w)),
        Col(w["col_spending_months"], lambda r: _spending_months_cell(r, loc, w), numeric=False),
        Col(w["col_size"], lambda r: _size(r, loc, w), numeric=False),
    ], lever_notes) + "</section>\n")

    # -- unemployment ---------------------------------------------------------------
    parts.append(f'<section id="unemployment"><h2>{_e(w["h_unemployment"])}</h2>'
                 + figure("unemployment_fan", svgs["unemployment_fan"],
                          w["cap_unemployment"].format(bands=bands_text(n, lang)), w["h_unemployment"])
                 + f'<p class="caption">{_e(w["cap_december"].format(band=band))}</p>'
                 + table("unemployment_december", t["unemployment_december"], [
                     scen, month_col,
                     Col(w["col_median"], lambda r: num("q50", loc.percent(r["q50"]))),
                     Col(range_header, lambda r: runs(r)),
                     *([Col(w["col_median_with_trainees"],
                            lambda r: num("q50_with_trainees", loc.percent(r["q50_with_trainees"]))
                            + f'<span class="ci">{runs(r, "q05_with_trainees", "q95_with_trainees", count="n_with_trainees")}</span>')]
                       if trains else []),
                     Col(w["col_national"], lambda r: num("national", loc.percent(r["national"]))),
                 ]) + "</section>\n")

    # -- target ------------------------------------------------------------------
    probs = t["target_probability"]
    notes = [note_text(analysis, key, values, lang) for key, values in analysis.notes
             if key in ("no_target", "target_out_of_range")]
    target_text = ""
    if not probs.empty:
        # Each scenario's own criterion and month (they may differ): not the first row's for all.
        stated = (loc.text(" ; ") if lang == "fr" else "; ").join(stated_targets(analysis, lang))
        if spec.level:
            target_text = w["cap_target_readings"].format(stated=stated, level=level_text,
                                                          level_source=loc.text(pick(spec.level.source, lang)))
        else:
            target_text = w["cap_target_stated_only"].format(stated=stated)
    def p_decimals(r):
        return probability_decimals([r["p"], r["ci_low"], r["ci_high"]])

    parts.append(f'<section id="target"><h2>{_e(w["h_target"])}</h2>'
                 + (f'<p>{_e(target_text)}</p>' if target_text else "")
                 + "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
                 + figure("target_probability", svgs["target_probability"], w["cap_target"], w["h_target"])
                 + table("target_probability", probs, [
                     scen,
                     Col(w["col_criterion"], lambda r: _e(criterion_text(r, lang)), numeric=False),
                     Col(w["col_when"], lambda r: _e(reading_label(analysis, r, lang).split(", ", 1)[1]),
                         numeric=False),
                     Col(w["col_probability"], lambda r: num("p", loc.percent(r["p"], p_decimals(r)))),
                     Col(w["col_ci95"], lambda r: span(r, "ci_low", "ci_high",
                                                       lambda v: loc.percent(v, p_decimals(r)))),
                     Col(w["col_reached"], lambda r: num("successes", loc.count(r["successes"])) + " / "
                         + num("n", loc.count(r["n"]))),
                 ]) + _probability_differences(analysis, lang) + "</section>\n")

    # -- activity ------------------------------------------------------------------
    clusters = t["cluster_jobs"]
    creations = t["creations_per_year"]
    ref = spec.creations_reference
    creation_caption = w["cap_creations"].format(band=band) + bars_note(analysis, creations, lang)
    if ref is not None:
        creation_caption += " " + w["cap_creations_reference"].format(
            reference=creations_reference_text(analysis, lang), source=loc.text(pick(ref.source, lang)))
    creation_cols = [scen, Col(w["col_year"], lambda r: _e(int(r["year"])), numeric=False),
                     Col(w["col_median"], lambda r: num("q50", count(r["q50"]))),
                     Col(range_header, lambda r: runs(r, f=count, total=True)),
                     Col(w["col_mean"], lambda r: num("mean", count(r["mean"])))]
    if ref is not None:
        creation_cols.append(Col(w["col_vs_reference"].format(year=ref.year),
                                 lambda r: num("mean_vs_reference", loc.percent(r["mean_vs_reference"], 1, sign=True))))
    year_notes = [note_text(analysis, key, values, lang) for key, values in analysis.notes if key == "partial_years"]
    parts.append(
        f'<section id="activity"><h2>{_e(w["h_activity"])}</h2>'
        f'<h3>{_e(w["h_clusters"])}</h3>'
        + figure("cluster_jobs", svgs["cluster_jobs"], w["cap_clusters"].format(band=band), w["h_clusters"])
        + table("cluster_jobs", clusters, [
            scen,
            Col(w["col_cluster"], lambda r: _e(cluster_title(r["cluster"], r["sector"], lang, spec)), numeric=False),
            Col(w["col_opening"], lambda r: _e(loc.month_short(r["opening"])), numeric=False),
            Col(w["col_capacity"], lambda r: num("capacity_jobs", count(r["capacity_jobs"]))),
            Col(w["col_median"], lambda r: num("q50", count(r["q50"]))),
            Col(range_header, lambda r: runs(r, f=count)),
            Col(w["col_mean"], lambda r: num("mean", count(r["mean"]))),
        ], [] if len(clusters) else [w["no_cluster_table"]])
        + f'<h3>{_e(w["h_creations"])}</h3>'
        + figure("creations_per_year", svgs["creations_per_year"], creation_caption, w["h_creations"])
        + "".join(f'<p class="note">{_e(n)}</p>' for n in year_notes)
        + table("creations_per_year", creations, creation_cols)
        + f'<h3>{_e(w["h_investment"])}</h3>'
        + figure("investment_by_type", svgs["investment_by_type"],
                 w["cap_investment"].format(band=band) + bars_note(analysis, t["investment_by_type"], lang),
                 w["h_investment"])
        + table("investment_by_type", t["investment_by_type"], [
            scen,
            Col(w["col_investor"], lambda r: _e(investor_label(r["investor"], r["kind"], lang)), numeric=False),
            Col(w["col_median"], lambda r: num("q50", row_money(r)(r["q50"]))),
            Col(range_header, lambda r: runs(r, f=row_money(r), total=True)),
            Col(w["col_mean"], lambda r: num("mean", row_money(r)(r["mean"]))),
            *([Col(w["col_partner_funds"], lambda r: "" if missing(r["partner_funds_q50"]) else num(
                "partner_funds_q50", row_money(r)(r["partner_funds_q50"])))]
              if t["investment_by_type"]["partner_funds_q50"].notna().any() else []),
        ], _partner_funds_notes(analysis, lang)) + "</section>\n")

    # -- differences and cost -------------------------------------------------
    def diff(row, columns):
        """A formatter for columns of a row of differences: the same decimals for all, enough that none
        that is not 0 reads 0 or loses its sign."""
        if row.get("quantity") in ("unemployment_rate", WITH_TRAINEES):
            d = enough_decimals([100 * row[c] for c in columns], 2)
            return lambda v: loc.points(v, d)
        d = enough_decimals([row[c] for c in columns], 0)
        return lambda v: count(v, sign=True, decimals=d)

    estimate = ("mean", "ci_low", "ci_high")
    jobs_estimate = ("jobs", "jobs_ci_low", "jobs_ci_high")
    cost = t["cost_per_job"]
    negative = bool((cost["cost"] < 0).any() or (cost["cost_ci_low"] < 0).any())
    parts.append(
        f'<section id="differences"><h2>{_e(w["h_differences"])}</h2>'
        + figure("paired_difference", svgs["paired_difference"], w["cap_differences"].format(band=band),
                 w["h_differences"])
        + table("paired_differences", t["paired_differences"], [
            scen,
            Col(w["col_quantity"], lambda r: _e(w[f"quantity_{r['quantity']}"]), numeric=False, css="wide"),
            month_col,
            Col(w["col_mean_difference"], lambda r: num("mean", diff(r, estimate)(r["mean"]))),
            Col(w["col_ci95_mean"], lambda r: span(r, "ci_low", "ci_high", diff(r, estimate))),
            Col(w["col_range_differences"].format(band=band),
                lambda r: runs(r, "q05", "q95", diff(r, ("q05", "q95")))),
        ])
        + _trainees_table(analysis, lang)
        + f'<h3>{_e(w["h_cost"])}</h3>'
        + f'<p class="caption">{_e(w["cap_cost"].format(start=loc.month(analysis.start), end=loc.month(horizon), band=band))}</p>'
        + table("cost_per_job", cost, [
            scen,
            Col(w["col_measure"], lambda r: _measure(r, analysis, loc, w), numeric=False, css="wide"),
            Col(w["col_spending"], lambda r: num("spending", loc.money(r["spending"]))),
            Col(w["col_jobs_difference"], lambda r: num("jobs", diff(r, jobs_estimate)(r["jobs"]))
                + under(r, "jobs_ci_low", "jobs_ci_high", diff(r, jobs_estimate))),
            Col(w["col_cost"], lambda r: _cost_cell(r, loc, w)),
            Col(w["col_cost_runs"].format(band=band), lambda r: _cost_runs_cell(r, loc, w)),
        ], ([w["negative_cost"]] if negative else [])
           + [w["portal_cash_uncounted"].format(months=loc.number(m, exact_decimals(m)))
              for m in _portal_cash_months(spec)]) + "</section>\n")

    # -- methods --------------------------------------------------------------------
    parts.append(f'<section id="methods"><h2>{_e(w["h_methods"])}</h2>' + _methods(analysis, lang, pdf, db_here)
                 + f'<h3>{_e(w["h_files"])}</h3>'
                 + table("scenarios", t["scenarios"], [
                     scen,
                     Col(w["col_role"], lambda r: _e(w[f"role_{r['role']}"]), numeric=False),
                     Col(w["col_file"], lambda r: _e(r["file"]), numeric=False),
                     Col(w["col_file_sha"], lambda r: _e(r["file_sha256"]), numeric=False, css="hash"),
                     Col(w["col_config_sha"], lambda r: _e(r["config_sha256"]), numeric=False, css="hash"),
                     Col(w["col_runs"], lambda r: num("runs_in_database", count(r["runs_in_database"]))
                         if not missing(r["runs_in_database"]) else ""),
                     ]) + "</section>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def lever_name(row, spec, lang: str) -> str:
    """A lever's name for the reader: the forecast file's label, else the report's words for a policy kind
    or an investor of that name, else the identifier with its underscores as spaces ("caisse des depots"
    is no name to show a council)."""
    w, name = words(lang), str(row["name"])
    return (spec.label_of(name, lang) or w.get(f"lever_{name}") or w.get(f"investor_{name}")
            or name.replace("_", " "))


def _lever_text(row, spec, lang: str) -> str:
    """The lever's kind, and its name where that says more (``formation : compétences des clusters``)."""
    w = words(lang)
    kind = w.get(f"lever_{row['lever']}", str(row["lever"]).replace("_", " "))
    name = lever_name(row, spec, lang)
    if name.lower() == kind.lower():
        return kind
    return Locale(lang).text(f"{kind} : {name}") if lang == "fr" else f"{kind}: {name}"


def _spent_cell(row, loc: Locale, w) -> str:
    """The money the runs spent on a lever to the horizon: the median, and the runs' band when it is not one
    figure."""
    if missing(row["spent_q50"]):
        return ""
    big = any(not missing(row[c]) and abs(row[c]) >= 1e6 for c in ("budget_eur", "spent_q50", "spent_q95"))
    f = lambda v: loc.money(v, millions=big)  # noqa: E731
    text = num("spent_q50", f(row["spent_q50"]))
    if f(row["spent_q05"]) != f(row["spent_q95"]):
        before, middle, after = _split3(w["key_runs"], "{low}", "{high}")
        text += (f'<span class="ci wrap">{_e(before)}{num("spent_q05", f(row["spent_q05"]))}{_e(middle)}'
                 f'{num("spent_q95", f(row["spent_q95"]))}{_e(after)}</span>')
    # The totals of the runs that recorded every month of the lever's spending: fewer are said.
    return text + _fewer_runs(row.get("spent_n"), row["n"], w, loc, total=True)


def _fewer_runs(counted, n, w, loc: Locale, total: bool) -> str:
    """What a range of `counted` runs of the report's n holds, beside it ("" for all of them): the others
    without a value that month, or in one of the months of a `total`; or that no run has one."""
    if counted is None or missing(counted) or missing(n) or not 0 <= int(counted) < int(n):
        return ""
    if int(counted) == 0:  # its range is "– to –"
        return " " + _why(w["runs_none_total" if total else "runs_none"])
    words_key = "runs_fewer_total" if total else "runs_fewer"
    return " " + _why(w[words_key].format(band=band_label(int(counted), OUTER, loc.lang),
                                          k=loc.count(int(n) - int(counted))))


def _spending_months_cell(row, loc: Locale, w) -> str:
    """When the runs spent on a lever: the median run's first and last months, the band of the last month
    (when it is not one month), and how many runs spent anything (when not all)."""
    if missing(row["runs_spending"]):
        return ""
    if row["runs_spending"] == 0:
        return _e(w["no_spending"])
    text = _e(w["window"].format(start=loc.month_short(row["first_month"]), end=loc.month_short(row["last_month_q50"])))
    if row["last_month_q05"] != row["last_month_q95"]:
        text += f'<span class="ci">{_e(w["last_spending"].format(low=loc.month_short(row["last_month_q05"]), high=loc.month_short(row["last_month_q95"])))}</span>'
    if row["runs_spending"] < row["n"]:
        k, n = (loc.count(row[c]) for c in ("runs_spending", "n"))
        text += f'<span class="ci">{_e(w["runs_spending"].format(k=k, n=n))}</span>'
    return text


def _window(row, loc: Locale, w) -> str:
    if row["end"]:
        return w["window"].format(start=loc.month_short(row["start"]), end=loc.month_short(row["end"]))
    return loc.month_short(row["start"]) if row["start"] else ""


def _size(row, loc: Locale, w) -> str:
    key = {"cluster": "capacity_jobs", "training": "places_per_year"}.get(row["lever"])
    if key is None and str(row["lever"]).startswith("event_"):
        key = "event_jobs"
    if key is None or missing(row["quantity"]):
        return ""
    before, _, after = w[key].partition("{n}")
    return _e(before) + num("quantity", loc.count(row["quantity"])) + _e(after)


def _measure(row, analysis: Analysis, loc: Locale, w) -> str:
    """What a cost is per, as HTML (the portal's supported cash that a row counts is a figure of the CSV)."""
    if row["measure"] == "job_year":
        return _e(w["measure_job_year"].format(start=analysis.start.year, end=analysis.horizon.year))
    # Less supported cash than the reference's (pacte as the reference) is said so, not "-€1.1m more"; the
    # figure is then the CSV's with its sign dropped, written as text.
    less = row["measure"] == "net_job_with_portal_cash" and row["portal_cash"] < 0
    key = f"measure_{row['measure']}" + ("_less" if less else "")
    before, _, after = w[key].format(month=loc.month(analysis.horizon), amount="{amount}").partition("{amount}")
    amount = (_e(loc.money(-row["portal_cash"])) if less else num("portal_cash", loc.money(row["portal_cash"]))
              if _ else "")
    return _e(before) + amount + _e(after)


def _portal_cash_months(spec) -> List[float]:
    """The supported cash (months of wage bill) of each distinct enabled portal that gives any: money put into
    firms that the spending does not count (docs/model.md), which the cost section must say."""
    months = []
    for s in spec.scenarios:
        portal = s.scenario.config.get("policies", {}).get("portal", {})
        if isinstance(portal, dict) and portal.get("enabled") and float(portal.get("supported_cash_months", 0)) > 0:
            months.append(float(portal["supported_cash_months"]))
    return sorted(set(months))


def _contains_zero(low, high) -> bool:
    return not missing(low) and not missing(high) and low <= 0 <= high


def _why(text: str) -> str:
    """Words in a cell of numbers (why a figure is not there), outside any span of a CSV column."""
    return f'<span class="why">{_e(text)}</span>'


def stated_targets(analysis: Analysis, lang: str) -> List[str]:
    """Each stated target as ``≤ national rate, December 2019``, once when the scenarios share it, else
    one per scenario with its name: the criterion and month of one scenario are not another's."""
    w, loc = words(lang), Locale(lang)
    probs = analysis.tables["target_probability"]
    rows = probs[(probs["reading"] == "target") & (probs["moment"] == "month")]
    stated = [(r["scenario"], criterion_text(r, lang), loc.month(r["last_month"])) for _, r in rows.iterrows()]
    if len({(c, m) for _, c, m in stated}) <= 1:
        return [f"{c}, {m}" for _, c, m in stated[:1]]
    return [w["stated_item"].format(label=analysis.spec.scenario(name).display(lang), criterion=c, month=m)
            for name, c, m in stated]


def _cost_cell(row, loc: Locale, w) -> str:
    if row["status"] != "defined":  # words, outside the span: they are no figure of the CSV
        return _why(w["s_cost_undefined"].format(why=status_words(row, loc.lang)))
    interval = loc.interval(num("cost_ci_low", loc.money(row["cost_ci_low"])),
                            num("cost_ci_high", loc.money(row["cost_ci_high"])))
    return num("cost", loc.money(row["cost"])) + f'<span class="ci">{interval}</span>'


def _trainees_table(analysis: Analysis, lang: str) -> str:
    """How much of each key month's official unemployment difference is the trainees' (analysis._trainees_share);
    nothing when no scenario trains."""
    w, loc = words(lang), Locale(lang)
    share = analysis.tables["trainees_share"]
    if share.empty:
        return ""
    label = lambda name: analysis.spec.scenario(name).display(lang)  # noqa: E731

    def points(row, columns):
        d = enough_decimals([100 * row[c] for c in columns], 2)
        return lambda v: loc.points(v, d)

    def official(row):
        f = points(row, ("official", "official_ci_low", "official_ci_high"))
        return (num("official", f(row["official"])) + '<span class="ci">'
                + loc.interval(num("official_ci_low", f(row["official_ci_low"])),
                               num("official_ci_high", f(row["official_ci_high"]))) + "</span>")

    def share_cell(row):
        if row["status"] != "defined":
            return _why(w["s_cost_undefined"].format(why=w[f"status_{row['status']}"]))
        d = enough_decimals([100 * row[c] for c in ("share", "share_ci_low", "share_ci_high")], 0)
        f = lambda v: loc.percent(v, d)  # noqa: E731
        return (num("share", f(row["share"])) + '<span class="ci">'
                + loc.interval(num("share_ci_low", f(row["share_ci_low"])), num("share_ci_high", f(row["share_ci_high"])))
                + "</span>")

    return (f'<h3>{_e(w["h_trainees"])}</h3><p class="caption">{_e(w["cap_trainees"])}</p>'
            + table("trainees_share", share, [
                Col(w["col_scenario"], lambda r: _e(label(r["scenario"])), numeric=False),
                Col(w["col_month"], lambda r: _e(loc.month(r["month"])), numeric=False),
                Col(w["col_trainees_more"], lambda r: num("in_training", loc.count(r["in_training"], sign=True))),
                Col(w["col_official"], official),
                Col(w["col_with_trainees"], lambda r: num("with_trainees", points(r, ("with_trainees",))(
                    r["with_trainees"]))),
                Col(w["col_share_trainees"], share_cell),
            ]))


def _partner_funds_notes(analysis: Analysis, lang: str) -> List[str]:
    """That the investment of a scenario with partner funds includes them: public money its spending already
    counts, paid into the investors' pots (the pact's 17.5 M€), with each fund's investor and, when the runs
    record it, the money paid (the levers table's figures). The reader must not count it twice."""
    from .analysis import partner_funds
    w, loc = words(lang), Locale(lang)
    levers = analysis.tables["levers"]
    notes = []
    for s in analysis.spec.scenarios:
        funds = partner_funds(s)
        if not funds:
            continue
        kinds = {i["name"]: i.get("kind", "") for i in s.scenario.config.get("investors", [])}
        mine = levers[levers["scenario"] == s.name].set_index("policy")["spent_q50"]
        paid = [mine.get(f"fund_{f['name']}", float("nan")) for f in funds]
        # one unit for all (a fund of 1.0 M€ paid in monthly parts sums to 999 999.99 €, which read "1 000 000 €")
        millions = any(not missing(v) and abs(v) >= 0.9995e6 for v in paid)
        items, recorded = [], True
        for f, amount in zip(funds, paid):
            fund = lever_name({"name": f["name"]}, analysis.spec, lang)
            investor = investor_label(f.get("investor", ""), kinds.get(f.get("investor", ""), ""), lang)
            if not missing(amount):
                items.append(w["fund_to_paid"].format(fund=fund, investor=investor,
                                                      paid=loc.money(amount, millions=millions)))
            else:
                recorded = False
                items.append(w["fund_to"].format(fund=fund, investor=investor))
        key = "partner_funds_note" if recorded else "partner_funds_note_unrecorded"
        notes.append(w[key].format(label=s.display(lang), month=loc.month(analysis.horizon),
                                   items=(loc.text(" ; ") if lang == "fr" else "; ").join(items)))
    return notes


def _cost_runs_cell(row, loc: Locale, w) -> str:
    """The band of the runs' own costs; open above (≥) when runs that gain nothing reach into it."""
    # missing() says "–" for an infinite bound too: the top of the band is +inf when runs gain nothing
    if row["status"] != "defined":
        return ""
    if pd.isna(row["run_q05"]) or pd.isna(row["run_q95"]):  # runs that spend no more: no band (analysis._cost_row)
        return _why(w["runs_unranked"])
    low = num("run_q05", loc.money(row["run_q05"]))
    if row["run_q95"] == float("inf"):
        return "≥ " + low
    return _range(low, num("run_q95", loc.money(row["run_q95"])), w)


def _range(low: str, high: str, w) -> str:
    """Two formatted bounds (HTML) as a range of runs: "a à b"."""
    before, middle, after = _split3(w["range"], "{low}", "{high}")
    return f"{_e(before)}{low}{_e(middle)}{high}{_e(after)}"


def _split3(text: str, first: str, second: str):
    """A template cut around two of its fields: (before, between, after)."""
    before, _, rest = text.partition(first)
    middle, _, after = rest.partition(second)
    return before, middle, after


def reproduce_command(analysis: Analysis, lang: str) -> str:
    """The command line that makes this report again."""
    from ..forecast import default_forecast_file
    spec = analysis.spec
    args = ["terrasim", "forecast"]
    if spec.source and spec.source != str(default_forecast_file()):
        args.append(_path_word(spec.source))
    elif not spec.source:
        for s in spec.scenarios:
            source = s.scenario.source  # the file's name, which shell_word quotes whatever its bytes
            stem = shown(source).rsplit("/", 1)[-1].rsplit(".", 1)[0]  # text, as the scenario's name is
            args.append(_path_word(source) if stem == s.name else f"{s.name}={source}")
    args += ["--replicates", str(analysis.replicates), "--seed", str(analysis.base_seed)]
    for override in spec.reference.scenario.overrides:
        args += ["--set", override]
    if spec.level and spec.level.source == "--level":
        args += ["--level", repr(spec.level.value)]
    ref = spec.creations_reference
    if ref and ref.source == "--creations-reference":
        args += ["--creations-reference", f"{ref.year}={ref.count:g}"]
    args += ["--lang", lang]
    return " ".join(map(shell_word, args))


def _path_word(path: str) -> str:
    """A file's path as a command's argument: ``./-b.yaml`` for a relative ``-b.yaml``, which would be read as
    an option."""
    return "./" + path if path.startswith("-") else path


def _ranges_text(n: int, lang: str) -> str:
    """What the ranges and bands hold, for the Methods."""
    if inner_band_shown(n):
        return words(lang)["m_ranges_two"].format(outer=band_label(n, OUTER, lang), inner=band_label(n, INNER, lang))
    return band_label(n, OUTER, lang)


def _probability_differences(analysis: Analysis, lang: str) -> str:
    """The table of the probabilities' paired differences from the reference (target_probability_difference),
    with its caption; "" where there is none (one scenario, or no target evaluated)."""
    w, loc = words(lang), Locale(lang)
    t = analysis.tables["target_probability_difference"]
    if t.empty:
        return ""
    probs = analysis.tables["target_probability"]
    label = lambda name: analysis.spec.scenario(name).display(lang)  # noqa: E731

    def criterion(r):
        p = probs[(probs["scenario"] == r["scenario"]) & (probs["reading"] == r["reading"])
                  & (probs["moment"] == "month")]
        return _e(f'{criterion_text(p.iloc[0], lang)}, {loc.month(r["month"])}')

    def value(r):
        if r["status"] != "defined":
            return _why(w["s_pdiff_differ"].format(what=w[f"s_pdiff_what_{r['reading']}"].format(
                criterion=criterion_text(r, lang))))
        diff, ci = difference_points(r["difference"], r["ci_low"], r["ci_high"], lang)
        return num("difference", diff) + f'<span class="ci">{_e(ci)}</span>'

    def pairs(r):
        if r["status"] != "defined":
            return ""
        return _e(" / ".join(loc.count(int(r[c])) for c in ("both", "scenario_only", "reference_only", "neither")))
    return (f'<h3>{_e(w["h_pdiff"])}</h3><p class="caption">{_e(w["cap_pdiff"])}</p>'
            + table("target_probability_difference", t, [
                Col(w["col_scenario"], lambda r: _e(label(r["scenario"])), numeric=False),
                Col(w["col_criterion"], criterion, numeric=False),
                Col(w["col_pdiff"], value),
                Col(w["col_pdiff_pairs"], pairs)]))


def _methods(analysis: Analysis, lang: str, pdf: bool = False, db_here: bool = False) -> str:
    w, loc = words(lang), Locale(lang)
    spec = analysis.spec
    n = analysis.replicates
    paragraphs = [
        w["m_runs"].format(n=loc.count(n), last=loc.count(n - 1), seed0=analysis.base_seed,
                           seed1=analysis.base_seed + n - 1),
        w["m_model"].format(version=analysis.version, model=w.get(f"model_{spec.reference.scenario.model}",
                                                                  str(spec.reference.scenario.model).replace("_", " ")),
                            where=(w["m_db_here"].format(db=shown(pathlib.Path(analysis.db).name)) if db_here
                                   else w["m_db_elsewhere"].format(db=shown(analysis.db)))),
        w["m_bands"].format(n=loc.count(n)),
        w["m_stats"].format(ranges=_ranges_text(n, lang)),
    ]
    scales = sorted({s.scale for s in spec.scenarios})
    if scales != [1.0]:
        paragraphs.append(w["m_scale"].format(scale=loc.join(loc.number(s, 2) for s in scales)))
    outside = []
    if spec.level:
        outside.append(w["m_level_item"].format(level=loc.percent_as_given(spec.level.value),
                                                source=loc.text(pick(spec.level.source, lang))))
    if spec.creations_reference:
        ref = spec.creations_reference
        outside.append(w["m_creations_item"].format(count=loc.count(ref.count), year=ref.year,
                                                    source=loc.text(pick(ref.source, lang))))
    if outside:
        paragraphs.append(w["m_outside"].format(items=(loc.text(" ; ") if lang == "fr" else "; ").join(outside)))
    paragraphs.append(w["m_files"].format(pdf=w["m_files_pdf"] if pdf else ""))
    return ("".join(f"<p>{_e(p)}</p>" for p in paragraphs) + _calibrated(analysis, lang)
            + f'<p>{_e(w["m_reproduce"])}</p><pre class="command">{_e(reproduce_command(analysis, lang))}</pre>')


def _calibrated(analysis: Analysis, lang: str) -> str:
    """For each parameter of the forecast file's `calibrated`: what it is, its value in these runs (from the
    reference's configuration), how it was chosen, and the commands of a sweep over its values, with the reading
    of the probability of the fixed level at the target month at each grid point."""
    w, loc = words(lang), Locale(lang)
    spec = analysis.spec
    out = []
    for c in spec.calibrated:
        value = spec.reference.scenario.config
        for key in c.parameter.split("."):
            value = value[key]
        text = w["m_calibrated"].format(label=pick(c.label, lang), parameter=c.parameter,
                                        value=loc.number(value, exact_decimals(value)), how=loc.text(pick(c.how, lang)),
                                        values=loc.join(loc.number(v, exact_decimals(v)) for v in c.values),
                                        k=len(c.values))
        out.append(f"<p>{_e(text)}</p>")
        out.append(f'<pre class="command">{_e(chr(10).join(sensitivity_commands(analysis, c)))}</pre>')
    return "".join(out)


def sensitivity_commands(analysis: Analysis, calibrated) -> List[str]:
    """The sweep over a calibrated parameter's values (the forecast's scenarios, replicates, seed and overrides),
    and the reading of the first grid point's probability of the fixed level at the target month. Each parameter
    has a database of its own: in one, the points of every sweep are numbered together, and a sweep's value that
    made the same runs as another's (its value in the forecast) is that point, so that `--point 1` of the second
    sweep read the first's."""
    spec = analysis.spec
    db = "sensitivity-" + re.sub(r"[^A-Za-z0-9._-]", "_", calibrated.parameter) + ".sqlite"
    sweep = ["terrasim", "sweep", *(f"{s.name}={s.scenario.source}" for s in spec.scenarios),
             "--grid", f"{calibrated.parameter}={','.join(repr(v) for v in calibrated.values)}",
             "--replicates", str(analysis.replicates), "--seed", str(analysis.base_seed)]
    for override in spec.reference.scenario.overrides:
        if override.split("=", 1)[0].strip() != calibrated.parameter:  # the grid sets it
            sweep += ["--set", override]
    commands = [" ".join(map(shell_word, sweep + ["--db", db]))]
    target = spec.reference.target
    if spec.level is not None and target is not None and target.date:
        commands.append(" ".join(map(shell_word, ["terrasim", "results", db, "--at-most", repr(spec.level.value),
                                                  "--at", target.date, "--scenario", spec.reference.name,
                                                  "--point", "1"])))
    return commands
