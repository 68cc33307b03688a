"""The report's charts, drawn with matplotlib from an :class:`~terrasim.report.Analysis`.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot (no
backend is chosen, so a notebook's stays as it is); :func:`save` writes it as
SVG (text as paths: it needs no font to display) and PNG. Labels and numbers
follow the report's language.

    fig = charts.unemployment_fan(analysis, "fr")
    charts.save(fig, "charts/unemployment_fan")   # .svg and .png
"""
from __future__ import annotations

import contextlib
import io
import pathlib
import textwrap
from typing import Callable, Dict

import matplotlib
import matplotlib.lines
import matplotlib.patches
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from .analysis import INNER, OUTER, WITH_TRAINEES, Analysis, band_trim
from .locale import Locale, exact_decimals, probability_decimals
from .words import words

PALETTE = ["#4a6fa5", "#d9822b", "#3a9a5b", "#8e5ea2", "#c0392b", "#7f8c8d"]
NATIONAL = "#444444"
LEVEL = "#b03a2e"
WIDTH = 7.4  # inches: the text width of an A4 page with the report's margins
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5,
    "legend.fontsize": 8, "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.color": "#e3e3e3", "grid.linewidth": 0.6,
    "svg.fonttype": "path", "svg.hashsalt": "terrasim-report", "figure.dpi": 100,
}


@contextlib.contextmanager
def style():
    with matplotlib.rc_context(STYLE):
        yield


def colours(analysis: Analysis) -> Dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(analysis.spec.names)}


def _x(months) -> pd.DatetimeIndex:
    """Months as the timestamps of their middle, for date axes."""
    return pd.PeriodIndex(list(months), freq="M").to_timestamp(how="start") + pd.Timedelta(days=14)


def _year_axis(ax, every: int = 1) -> None:
    """Years on the x axis, one label every `every` years (2 in narrow panels, whose labels ran together)."""
    import matplotlib.dates as mdates
    ax.xaxis.set_major_locator(mdates.YearLocator(every))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


class LocaleFormatter(Formatter):
    """Tick labels in the report's language, with as many decimals as the tick spacing needs."""

    def __init__(self, fmt: Callable[[float, int], str]):
        self.fmt = fmt  # (value, decimals) -> text
        self.decimals = 0

    def format_ticks(self, values):
        values = sorted(float(v) for v in values)
        # The decimals that write the step and every tick as they are: a step of 0.15 needs two
        # (ceil(-log10(0.15)) = 1 would write 0.15, 0.30, 0.45 as "0.1 / 0.3 / 0.4").
        self.decimals = max([exact_decimals(x, 10) for x in values] or [0])
        return [self.fmt(v, self.decimals) for v in values]

    def __call__(self, x, pos=None):
        return self.fmt(x, self.decimals)


def _panels(nrows: int, ncols: int, panel_height: float, legend_lines: int = 1, sharey: bool = False):
    """A figure of nrows x ncols panels and a row below them for the legend: (figure, axes, legend axes)."""
    legend_height = 0.28 * legend_lines + 0.1
    fig = Figure(figsize=(WIDTH, nrows * panel_height + legend_height + 0.2), layout="constrained")
    gs = fig.add_gridspec(nrows + 1, ncols, height_ratios=[panel_height] * nrows + [legend_height])
    axes = []
    for i in range(nrows * ncols):
        r, c = divmod(i, ncols)
        ax = fig.add_subplot(gs[r, c], sharey=axes[0] if sharey and axes else None)
        if sharey and c > 0:
            ax.tick_params(labelleft=False)
        axes.append(ax)
    legend_ax = fig.add_subplot(gs[nrows, :])
    legend_ax.set_axis_off()
    return fig, axes, legend_ax


def _legend(legend_ax, handles, labels, ncol: int) -> None:
    legend_ax.legend(handles, labels, loc="center", ncol=ncol, frameon=False)


def _label(analysis: Analysis, name: str, lang: str) -> str:
    return analysis.spec.scenario(name).display(lang)


def unemployment_fan(analysis: Analysis, lang: str) -> Figure:
    """Unemployment per scenario: median, bands of 50% and 90% of the runs, the national rate and the target."""
    w, loc, col = words(lang), Locale(lang), colours(analysis)
    fan = analysis.chart_data["unemployment_fan"]
    names = analysis.spec.names
    with style():
        ncols = min(len(names), 3)
        nrows = -(-len(names) // ncols)
        # A band's label takes more lines where some month has fewer runs (band_legend).
        outer_label, inner_label = band_legend(analysis, fan, OUTER, lang), band_legend(analysis, fan, INNER, lang)
        # The bands' labels are the first column of the legend.
        band_column = 1 + legend_lines_of(outer_label) + (1 + legend_lines_of(inner_label)) * inner_band_shown(
            analysis.replicates)
        fig, axes, legend_ax = _panels(nrows, ncols, 2.8, legend_lines=max(3, band_column), sharey=True)
        level = analysis.spec.level
        for ax, name in zip(axes, names):
            f = fan[fan["scenario"] == name]
            x = _x(f["month"])
            c = col[name]
            ax.fill_between(x, f["q05"], f["q95"], color=c, alpha=0.18, linewidth=0,
                            label=outer_label)
            if inner_band_shown(analysis.replicates):  # with few runs it would be the same band again
                ax.fill_between(x, f["q25"], f["q75"], color=c, alpha=0.38, linewidth=0,
                                label=inner_label)
            ax.plot(x, f["q50"], color=c, linewidth=1.8, label=w["median"])
            if f["national"].notna().any():
                ax.plot(x, f["national"], color=NATIONAL, linewidth=1.1, linestyle="--", label=w["national_rate"])
            target = analysis.spec.scenario(name).target
            if target is not None:
                if target.reference != "national_unemployment_rate" or target.threshold != 0:
                    ax.plot(x, f["target"], color=LEVEL, linewidth=1.0, linestyle="-.", label=w["target_line"])
                if target.date and pd.Period(target.date, freq="M") in analysis.months:
                    ax.axvline(_x([target.date])[0], color="#888888", linewidth=0.9, linestyle=":",
                               label=w["target_date"])
            if level is not None and target is not None:
                ax.axhline(level.value, color=LEVEL, linewidth=1.0, linestyle=":",
                           label=w["level_line"].format(level=loc.percent_as_given(level.value)))
            ax.set_title(_label(analysis, name, lang))
            _year_axis(ax)
            ax.yaxis.set_major_formatter(LocaleFormatter(lambda v, d: loc.percent(v, max(d - 2, 0))))
        for ax in axes[len(names):]:
            ax.set_visible(False)
        axes[0].set_ylabel(w["unemployment_rate"])
        handles, labels = axes[0].get_legend_handles_labels()
        if len(names) > 1:
            # The median and the bands of every panel, each in its scenario's colour: the legend's in a neutral
            # grey, not the first scenario's.
            neutral = "#666666"
            bands = {outer_label: 0.18, inner_label: 0.38}
            handles = [matplotlib.lines.Line2D([], [], color=neutral, linewidth=1.8) if label == w["median"]
                       else matplotlib.patches.Patch(color=neutral, alpha=bands[label]) if label in bands else h
                       for h, label in zip(handles, labels)]
        _legend(legend_ax, handles, labels, 3)  # 3 columns: a band's label says how many runs it holds
    return fig


def target_probability(analysis: Analysis, lang: str) -> Figure:
    """Probability of reaching the target, each reading, with its Wilson interval."""
    w, loc, col = words(lang), Locale(lang), colours(analysis)
    t = analysis.tables["target_probability"]
    with style():
        n = max(len(t), 1)
        fig = Figure(figsize=(WIDTH, 0.8 + 0.32 * n), layout="constrained")
        ax = fig.subplots()
        if t.empty:
            ax.text(0.5, 0.5, w["no_target_chart"], ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        y = np.arange(len(t))[::-1]
        for yi, (_, r) in zip(y, t.iterrows()):
            c = col[r["scenario"]]
            # Not clipped at 0% or 100%: a point there is drawn whole.
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=c, linewidth=2.2, solid_capstyle="butt",
                    clip_on=False)
            ax.plot([r["p"]], [yi], "o", color=c, markersize=5, clip_on=False)
            # With the table's decimals (1 run in 200 is no "0%", 199 no "100%"), after the interval's end.
            p_text = loc.percent(r["p"], probability_decimals([r["p"], r["ci_low"], r["ci_high"]]))
            ax.text(max(r["p"], r["ci_high"]) + 0.025, yi, p_text, va="center", fontsize=7.5)
        ax.set_yticks(y)
        ax.set_yticklabels([reading_label(analysis, r, lang, short=True) for _, r in t.iterrows()])
        ax.set_xlim(-0.02, 1.16)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: loc.percent(v, 0) if -1e-9 <= v <= 1 + 1e-9 else ""))
        ax.set_xlabel(w["probability_axis"])
        ax.grid(axis="y", visible=False)
    return fig


def cluster_jobs(analysis: Analysis, lang: str) -> Figure:
    """Jobs in each cluster over time (median and 90% band), with the site's capacity."""
    w, loc, col = words(lang), Locale(lang), colours(analysis)
    fan = analysis.chart_data["cluster_jobs"]
    clusters = list(dict.fromkeys(fan["cluster"]))
    with style():
        if not clusters:
            fig = Figure(figsize=(WIDTH, 1.2), layout="constrained")
            ax = fig.subplots()
            ax.text(0.5, 0.5, w["no_cluster"], ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        ncols = min(len(clusters), 3)
        nrows = -(-len(clusters) // ncols)
        band = band_legend(analysis, fan, OUTER, lang)
        fig, axes, legend_ax = _panels(nrows, ncols, 2.3, legend_lines=1 + legend_lines_of(band))
        capacities = analysis.tables["cluster_jobs"].groupby("cluster")["capacity_jobs"].max()
        # One sector a cluster (its rows repeat it, one a scenario that opens it).
        sectors = analysis.tables["cluster_jobs"].drop_duplicates("cluster").set_index("cluster")["sector"]
        for ax, cluster in zip(axes, clusters):
            for name in analysis.spec.names:
                f = fan[(fan["cluster"] == cluster) & (fan["scenario"] == name)]
                if f.empty:
                    continue
                x = _x(f["month"])
                ax.fill_between(x, f["q05"], f["q95"], color=col[name], alpha=0.2, linewidth=0)
                ax.plot(x, f["q50"], color=col[name], linewidth=1.6, label=_label(analysis, name, lang))
            cap = capacities.get(cluster, np.nan)
            if np.isfinite(cap):
                ax.axhline(cap, color=NATIONAL, linestyle="--", linewidth=0.9, label=w["capacity"])
            # Wrapped: three panels side by side leave a title some 30 characters.
            ax.set_title(textwrap.fill(cluster_title(cluster, sectors.get(cluster, ""), lang, analysis.spec), 30))
            _year_axis(ax, 2 if ncols > 1 else 1)
            ax.yaxis.set_major_formatter(LocaleFormatter(loc.number))
            ax.set_ylim(bottom=0)
        for ax in axes[len(clusters):]:
            ax.set_visible(False)
        axes[0].set_ylabel(w["jobs"])
        handles, labels = axes[0].get_legend_handles_labels()
        handles.append(matplotlib.patches.Patch(color=_band_swatch(analysis, list(dict.fromkeys(fan["scenario"]))),
                                                alpha=0.3))
        labels.append(band)
        _legend(legend_ax, handles, labels, 4)
    return fig


def _grouped_bars(ax, analysis: Analysis, lang: str, table, key: str, categories, unit: float = 1.0,
                  horizontal: bool = False) -> np.ndarray:
    """One bar per scenario and category: the median, with the band of 90% of the runs as whiskers (every run
    below 20 runs: analysis.band_trim); returns the centres."""
    col, names = colours(analysis), analysis.spec.names
    size = 0.8 / len(names)
    centres = np.arange(len(categories))[::-1] if horizontal else np.arange(len(categories))
    for i, name in enumerate(names):
        f = table[table["scenario"] == name].set_index(key).reindex(categories)[["q05", "q50", "q95"]] / unit
        offset = (i - (len(names) - 1) / 2) * size
        pos = centres - offset if horizontal else centres + offset
        errors = [f["q50"] - f["q05"], f["q95"] - f["q50"]]
        draw = ax.barh if horizontal else ax.bar
        draw(pos, f["q50"], size * 0.92, color=col[name], label=_label(analysis, name, lang))
        ax.errorbar(f["q50"] if horizontal else pos, pos if horizontal else f["q50"],
                    **{"xerr" if horizontal else "yerr": errors}, fmt="none", ecolor="#333333", elinewidth=0.8,
                    capsize=2)
    ax.grid(axis="y" if horizontal else "x", visible=False)
    ax.set_axisbelow(True)  # the grid behind the bars
    return centres


def creations(analysis: Analysis, lang: str) -> Figure:
    """Firm creations per year: median and band of 90% of the runs per scenario, against the reference year."""
    w, loc = words(lang), Locale(lang)
    t = analysis.tables["creations_per_year"]
    years = sorted(t["year"].unique())
    with style():
        fig, (ax,), legend_ax = _panels(1, 1, 2.7)
        centres = _grouped_bars(ax, analysis, lang, t, "year", years)
        if analysis.spec.creations_reference is not None and len(t):
            ax.axhline(float(t["reference"].iloc[0]), color=LEVEL, linestyle="--", linewidth=1.0,
                       label=creations_reference_text(analysis, lang))
        ax.set_xticks(centres)
        ax.set_xticklabels([str(y) for y in years])
        ax.yaxis.set_major_formatter(LocaleFormatter(loc.number))
        ax.set_ylabel(w["creations_per_year"])
        _legend(legend_ax, *ax.get_legend_handles_labels(), 3)
    return fig


def investment(analysis: Analysis, lang: str) -> Figure:
    """Investment attracted over the period, by investor type: median and band of 90% of the runs."""
    w, loc = words(lang), Locale(lang)
    t = analysis.tables["investment_by_type"]
    investors = list(dict.fromkeys(t["investor"]))
    with style():
        fig, (ax,), legend_ax = _panels(1, 1, 0.6 + 0.45 * max(len(investors), 1))
        centres = _grouped_bars(ax, analysis, lang, t, "investor", investors, unit=1e6, horizontal=True)
        kinds = t.drop_duplicates("investor").set_index("investor")["kind"]
        ax.set_yticks(centres)
        ax.set_yticklabels([investor_label(inv, kinds.get(inv, ""), lang) for inv in investors])
        ax.xaxis.set_major_formatter(LocaleFormatter(loc.number))
        ax.set_xlabel(w["investment_axis"])
        _legend(legend_ax, *ax.get_legend_handles_labels(), 3)
    return fig


def paired_difference(analysis: Analysis, lang: str) -> Figure:
    """Scenario minus reference, replicate by replicate: jobs and unemployment over time; with a scenario that
    trains, the unemployment difference counting trainees as job seekers too, on the same scale as the
    official one (its trainees are out of the labour force: the official fall is partly theirs)."""
    w, loc, col = words(lang), Locale(lang), colours(analysis)
    fan = analysis.chart_data["paired_difference"]
    quantities = ["jobs_in_territory", "unemployment_rate"]
    if (fan["quantity"] == WITH_TRAINEES).any():
        quantities.append(WITH_TRAINEES)
    with style():
        band = band_legend(analysis, fan[fan["quantity"].isin(quantities)], OUTER, lang)
        fig, axes, legend_ax = _panels(1, len(quantities), 2.8, legend_lines=1 + legend_lines_of(band))
        if len(quantities) == 3:
            axes[2].sharey(axes[1])
        titles = {"jobs_in_territory": w["diff_jobs_title"], "unemployment_rate": w["diff_unemployment_title"],
                  WITH_TRAINEES: w["diff_with_trainees_title"]}
        for ax, quantity in zip(axes, quantities):
            for name in analysis.others:
                f = fan[(fan["scenario"] == name) & (fan["quantity"] == quantity)]
                x = _x(f["month"])
                ax.fill_between(x, f["q05"], f["q95"], color=col[name], alpha=0.15, linewidth=0)
                ax.fill_between(x, f["ci_low"], f["ci_high"], color=col[name], alpha=0.45, linewidth=0)
                ax.plot(x, f["mean"], color=col[name], linewidth=1.6, label=_label(analysis, name, lang))
            ax.axhline(0, color=NATIONAL, linewidth=0.8)
            _year_axis(ax, 2 if len(quantities) > 2 else 1)
            if quantity != "jobs_in_territory":
                points = LocaleFormatter(lambda v, d: loc.number(100 * v, max(d - 2, 0), sign=True))
                ax.yaxis.set_major_formatter(points)
            else:
                ax.yaxis.set_major_formatter(LocaleFormatter(lambda v, d: loc.number(v, d, sign=True)))
            # Wrapped: three panels side by side leave a title some 26 characters (at 34, the third ran past
            # the figure's right edge).
            ax.set_title(textwrap.fill(titles[quantity], 26 if len(quantities) > 2 else 60))
            ax.yaxis.set_major_locator(MaxNLocator(6))
        handles, labels = axes[0].get_legend_handles_labels()
        swatch = _band_swatch(analysis, analysis.others)
        handles += [matplotlib.patches.Patch(color=swatch, alpha=0.6),
                    matplotlib.patches.Patch(color=swatch, alpha=0.2)]
        labels += [w["ci95_mean"], band]
        _legend(legend_ax, handles, labels, 3)
    return fig


#: name -> function, in the report's order
CHARTS: Dict[str, Callable[[Analysis, str], Figure]] = {
    "unemployment_fan": unemployment_fan,
    "target_probability": target_probability,
    "cluster_jobs": cluster_jobs,
    "creations_per_year": creations,
    "investment_by_type": investment,
    "paired_difference": paired_difference,
}


def save(fig: Figure, stem, png_dpi: int = 150) -> Dict[str, pathlib.Path]:
    """Writes ``stem.svg`` and ``stem.png``; returns their paths."""
    stem = pathlib.Path(stem)
    with style():
        svg = render_svg(fig)
        stem.with_suffix(".svg").write_bytes(svg)
        fig.savefig(stem.with_suffix(".png"), format="png", dpi=png_dpi, metadata={"Software": None})
    return {"svg": stem.with_suffix(".svg"), "png": stem.with_suffix(".png")}


def render_svg(fig: Figure) -> bytes:
    """The figure as SVG, without a date: the same figure gives the same bytes."""
    with style():
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        return buf.getvalue()


# -- labels shared with the HTML ----------------------------------------------

def band_label(n: int, share: float, lang: str) -> str:
    """What the band of `share` of n runs holds, in words: ``all 6 runs``, ``the middle 180 of the 200 runs``.

    Said from the runs it holds (analysis.band_trim), so it is true for any n: "90% of the runs" would not
    be, with 6 runs.
    """
    w, loc = words(lang), Locale(lang)
    k = band_trim(n, share)
    if n == 1:
        return w["band_one"]
    if k == 0:
        return w["band_all"].format(n=loc.count(n))
    return w["band_middle"].format(m=loc.count(n - 2 * k), n=loc.count(n))


def _fewer_runs_note(analysis: Analysis, frame: pd.DataFrame, share: float, lang: str, words_key: str,
                     drawn: int, singular: bool = False):
    """Where some row of `frame` (a row a month, year or investor and scenario, its column n the runs with a
    value) holds fewer than the report's runs, and some: w[words_key] (or its ``_of`` form, naming the
    scenarios concerned when fewer than the `drawn` scenarios have such a row), saying what the band of the
    fewest holds (band_label of those: "all 17 runs", not "the middle 18"); with `singular`, where one row
    alone is short, the ``words_key`` form of one (its key without the final s). None where every row holds
    every run or none (a row of no run draws nothing: the gap in a band, or a bar's absence, says so)."""
    w, loc = words(lang), Locale(lang)
    counted = frame.dropna(subset=["n"]) if "n" in frame else frame.iloc[0:0]
    rows = counted[(counted["n"] > 0) & (counted["n"] < analysis.replicates)]
    if rows.empty:
        return None
    short = rows.groupby("scenario", sort=False)["n"].min()  # each scenario's fewest runs in a short row
    band = band_label(int(short.min()), share, lang)
    key = words_key[:-1] if singular and len(rows) == 1 else words_key
    if len(short) < drawn:
        return w[key + "_of"].format(band=band, scenarios=loc.join([_label(analysis, name, lang)
                                                                  for name in short.index]))
    return w[key].format(band=band)


def band_legend(analysis: Analysis, frame: pd.DataFrame, share: float, lang: str) -> str:
    """A chart's legend label for its bands of `share`, drawn from `frame` (a row a month and scenario, its
    column n the runs with a value): band_label of the report's runs; where some month has fewer (a run
    without a value that month), below it, what the band of the fewest holds, and whose bands those are when
    not every scenario drawn has such a month (the legend stands for every panel): _fewer_runs_note."""
    label = band_label(analysis.replicates, share, lang)
    note = _fewer_runs_note(analysis, frame, share, lang, "band_fewer_months", frame["scenario"].nunique())
    return label if note is None else label + "\n" + textwrap.fill(note, 48)  # about as wide as the label


def bars_note(analysis: Analysis, table: pd.DataFrame, lang: str) -> str:
    """For the caption of a chart of bars with whiskers of the band of 90% (_grouped_bars, a bar for each of
    the report's scenarios), drawn from `table` (a row a bar, its column n the runs with a value): where some
    bar holds fewer runs than the report's (a run without a value in a month that the bar adds up), a
    sentence saying what the whiskers of the fewest hold and, when not every scenario has such a bar, whose;
    where a bar holds no run, that it is not drawn; "" where every bar holds every run. The bars' legend
    names only the scenarios, so the caption is where the band is said."""
    note = _fewer_runs_note(analysis, table, OUTER, lang, "band_fewer_bars", len(analysis.spec.names), singular=True)
    text = "" if note is None else " " + note
    if "n" in table and (table["n"] == 0).any():
        text += " " + words(lang)["bars_none"]
    return text


def legend_lines_of(label: str) -> int:
    """The lines a legend label takes beyond its first."""
    return label.count("\n")


def inner_band_shown(n: int) -> bool:
    """Whether the unemployment chart draws the band of 50%: only when it holds fewer runs than that of 90%."""
    return band_trim(n, INNER) > band_trim(n, OUTER)


def bands_text(n: int, lang: str) -> str:
    """The bands of the unemployment chart, in words, for its caption."""
    w = words(lang)
    if inner_band_shown(n):
        return w["bands_two"].format(inner=band_label(n, INNER, lang), outer=band_label(n, OUTER, lang))
    return w["bands_one"].format(outer=band_label(n, OUTER, lang))


def _words_name(text: str) -> str:
    return text.replace("_", " ")


def _band_swatch(analysis: Analysis, names) -> str:
    """The colour of a legend's band swatch: the one scenario's that has bands drawn, or a neutral grey for
    several (a swatch of one scenario's colour would speak for it alone)."""
    col = colours(analysis)
    shown = [n for n in names if n in col]
    return col[shown[0]] if len(shown) == 1 else "#999999"


def cluster_title(cluster: str, sector: str, lang: str, spec=None) -> str:
    """``santé (technologies de la santé)``: the cluster's label (the forecast's `labels`, else its identifier
    with spaces) and its sector's."""
    w = words(lang)
    name = (spec.label_of(cluster, lang) if spec is not None else None) or _words_name(cluster)
    sector_text = w.get(f"sector_{sector}", _words_name(sector))
    return f"{name} ({sector_text})" if sector else name


def creations_reference_text(analysis: Analysis, lang: str) -> str:
    """``1 034 créations en 2013``, with its scaled value when the runs are scaled."""
    w, loc = words(lang), Locale(lang)
    ref = analysis.spec.creations_reference
    scale = analysis.spec.reference.scale
    if scale == 1:
        return w["creations_reference"].format(count=loc.count(ref.count), year=ref.year)
    return w["creations_reference_scaled"].format(count=loc.count(ref.count), year=ref.year,
                                                  scaled=loc.count(ref.count * scale), scale=loc.number(scale, 2))


def investor_label(investor: str, kind: str, lang: str) -> str:
    w = words(lang)
    name = w.get(f"investor_{investor}", _words_name(investor))
    kind_text = w.get(f"kind_{kind}")
    return f"{name} ({kind_text})" if kind_text and kind_text.lower() != name.lower() else name


def reading_label(analysis: Analysis, row, lang: str, short: bool = False) -> str:
    """``Avec le pacte · taux national · décembre 2019`` (short) or a sentence describing the criterion."""
    w, loc = words(lang), Locale(lang)
    when = loc.month(row["last_month"]) if row["moment"] == "month" else \
        w["quarter_mean"].format(span=loc.months_span(row["first_month"], row["last_month"]))
    criterion = criterion_text(row, lang)
    if short:
        return f"{_label(analysis, row['scenario'], lang)} · {criterion} · {when}"
    return f"{criterion}, {when}"


def criterion_text(row, lang: str) -> str:
    """``≤ taux national`` / ``≤ 10 %``: what a replicate must reach."""
    w, loc = words(lang), Locale(lang)
    sign = "≤" if row["direction"] == "below" else "≥"
    if row["reference"]:
        ref = w.get(f"series_{row['reference']}", _words_name(row["reference"]))
        if row["threshold"]:
            ref += " " + loc.points(row["threshold"], exact_decimals(100 * row["threshold"]))
        return f"{sign} {ref}"
    return f"{sign} {loc.percent_as_given(row['threshold'])}"  # as given: 9.75%, not 9.8%
