"""The council forecast (`terrasim forecast`, terrasim.forecast, terrasim.report).

A small report (6 paired replicates of the Amiens baseline and pact at scale
0.05) is made once by the `terrasim` program from an empty folder, then
checked: its files, the numbers of its HTML against its CSV tables, its
rendering in headless Chromium (not blank, every chart present and sized, no
request leaving the machine), and a second call that reuses every run.
"""
import base64
import contextlib
import csv
import errno
import html.parser
import importlib
import io
import json
import math
import os
import pathlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

import numpy as np
import pytest

import terrasim
from runs_db import finished_runs
from terrasim import report
from terrasim.forecast import ForecastError, ForecastSpec, file_sha256
from terrasim.report import charts
from terrasim.report.analysis import fieller_ratio, mean_interval
from terrasim.report.browser import FLAGS, find_chromium
from terrasim.report.locale import Locale, enough_decimals
from terrasim.report.summary import likelihood
from terrasim.report.words import EN, FR

ROOT = pathlib.Path(__file__).resolve().parents[2]
AMIENS = ROOT / "scenarios" / "amiens"
PACKAGE = pathlib.Path(terrasim.__file__).resolve().parent
SMALL = ["--replicates", "6", "--set", "scale=0.05"]
#: A forecast of a few seconds, in this process (terrasim.forecast's arguments but `out`).
TINY = dict(replicates=2, months=3, overrides=["scale=0.02"], pdf=False, workers=1, progress=False)
FORECAST = importlib.import_module("terrasim.forecast")  # the module (terrasim.forecast is the function)
CHARTS = list(charts.CHARTS)


# ---------------------------------------------------------------------------
# Formatting, words, statistics.

def test_numbers_and_dates_are_formatted_for_the_language():
    fr, en = Locale("fr"), Locale("en")
    assert fr.percent(0.125) == "12,5\u202f%" and en.percent(0.125) == "12.5%"
    assert fr.count(13200) == "13\u202f200" and en.count(13200) == "13,200"
    assert fr.number(-1234.56, 1) == "\u22121\u202f234,6" and en.number(-1234.56, 1) == "\u22121,234.6"
    assert fr.number(-0.0001, 2) == "0,00"  # no negative zero
    assert fr.money(17345) == "17\u202f300\u202f€" and en.money(17345) == "€17,300"
    assert fr.money(39_856_000) == "39,9\u202fM€" and en.money(39_856_000) == "€39.9m"
    assert fr.points(-0.012) == "\u22121,2\u202fpoint" and en.points(-0.012) == "\u22121.2 points"
    assert fr.month("2019-12") == "décembre 2019" and en.month("2019-12") == "December 2019"
    assert fr.months_span("2019-10", "2019-12") == "4e trimestre 2019"
    assert en.months_span("2019-10", "2019-12") == "fourth quarter of 2019"
    with pytest.raises(ValueError, match="de"):
        Locale("de")


def test_both_languages_have_every_text():
    assert set(FR) == set(EN)
    for key in FR:  # the same fields to fill
        assert set(re.findall(r"{(\w+)}", FR[key])) == set(re.findall(r"{(\w+)}", EN[key])), key


def test_fieller_interval_with_an_exact_denominator_is_the_numerators_interval_scaled():
    rng = np.random.default_rng(5)
    spending = rng.normal(2e6, 1e5, size=40)
    jobs = np.full(40, 50.0)
    ratio, low, high, bounded = fieller_ratio(spending, jobs)
    mean, mlow, mhigh = mean_interval(spending)
    assert bounded and ratio == pytest.approx(mean / 50)
    assert (low, high) == (pytest.approx(mlow / 50), pytest.approx(mhigh / 50))


def test_fieller_interval_is_bounded_exactly_when_the_denominator_is_significant():
    rng = np.random.default_rng(7)
    spending = rng.normal(2e6, 1e5, size=30)
    for centre in (0.0, 3.0, 40.0):
        jobs = rng.normal(centre, 30.0, size=30)
        _, low_d, high_d = mean_interval(jobs)
        ratio, low, high, bounded = fieller_ratio(spending, jobs)
        assert bounded == (low_d > 0 or high_d < 0), centre
        if bounded:
            assert low < ratio < high
        else:
            assert math.isnan(low) and math.isnan(high)


def test_fieller_interval_covers_the_true_ratio_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(400):
        jobs = rng.normal(100.0, 40.0, size=25)
        spending = 20000.0 * jobs + rng.normal(0.0, 3e5, size=25)  # true ratio 20,000 EUR a job
        _, low, high, bounded = fieller_ratio(spending, jobs)
        hits += bounded and low <= 20000.0 <= high
    assert 0.92 <= hits / 400 <= 0.98


def test_wilson_interval_of_outcomes():
    p = terrasim.Probability.from_outcomes([True] * 3 + [False] * 7)
    assert p.p == pytest.approx(0.3) and p.n == 10 and p.successes == 3
    assert p.ci_low == pytest.approx(0.1078, abs=1e-4) and p.ci_high == pytest.approx(0.6032, abs=1e-4)
    none = terrasim.Probability.from_outcomes([False] * 200)
    assert none.ci_low == 0.0 and none.ci_high == pytest.approx(0.0188, abs=1e-4)
    # Exactly 0 and 1 at the ends, whatever n (rounding left 5.6e-17 at n = 3 and 200).
    for n in (1, 2, 3, 21, 200, 1000):
        assert terrasim.Probability.from_outcomes([False] * n).ci_low == 0.0, n
        assert terrasim.Probability.from_outcomes([True] * n).ci_high == 1.0, n


def test_verbal_likelihood_needs_the_whole_interval():
    assert likelihood(0.0, 0.0188, "en") == "very unlikely"
    assert likelihood(0.0, 0.39, "en") == "too few runs to tell"
    assert likelihood(0.92, 0.99, "fr") == "très probable"
    assert likelihood(0.40, 0.60, "en") == "about as likely as not"


# ---------------------------------------------------------------------------
# Forecast files and the embedded scenarios.

def test_the_package_ships_the_amiens_scenarios_unchanged():
    shipped = PACKAGE / "scenarios" / "amiens"
    for source in AMIENS.glob("*.yaml"):
        assert (shipped / source.name).read_bytes() == source.read_bytes(), source.name
    spec = ForecastSpec.default()
    assert spec.names == ["baseline", "pacte"]
    assert pathlib.Path(spec.source).parent == shipped
    assert spec.level.value == 0.10 and spec.creations_reference.count == 1034
    assert spec.reference.target.reference == "national_unemployment_rate"
    assert spec.scenario("pacte").display("en") == "With the pact"


@pytest.mark.parametrize("text, message", [
    ("scenarios: [baseline.yaml]\n", "at least two scenarios"),
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevels: 0.1\n", "levels: unknown field"),
    ("scenarios: [baseline.yaml, nowhere.yaml]\n", "nowhere.yaml: no such scenario file"),
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: ten}\n", "level.value: expected a number"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncreations_reference: {count: 1034}\n",
     "creations_reference.year: missing"),
    ("scenarios: [baseline.yaml, {file: pacte.yaml, label: {de: Pakt}}]\n", "scenarios[1].label"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncalibrated: [{parameter: commuting.outside_job_findng, label: x, "
     "how: y, values: [0.019, 0.024]}]\n", "calibrated[0].values[0]: commuting.outside_job_findng=0.019 is refused"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncalibrated: [{parameter: commuting.outside_job_finding, label: x, "
     "how: y, values: [0.019]}]\n", "calibrated[0].values: expected a list of at least two numbers"),
    # Outside figures that are no numbers the report can draw: NaN and infinities were taken (the report said
    # "a level of –", forecast.json held a bare NaN, no JSON), a year of .inf was an OverflowError's traceback
    # and one of .nan "cannot convert float NaN to integer", with neither file nor field.
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: .nan}\n", "level.value: expected a rate in [0, 1]"),
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: .inf}\n", "level.value: expected a rate in [0, 1]"),
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: 10}\n", "level.value: expected a rate in [0, 1] "
     "(0.10 for 10%), found 10.0"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncreations_reference: {year: 2013, count: .nan}\n",
     "creations_reference.count: expected a number of firm creations, finite and at least 0, found nan"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncreations_reference: {year: .inf, count: 3}\n",
     "creations_reference.year: expected a year from 1900 to 2200 (those of a scenario's months), found inf"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncreations_reference: {year: .nan, count: 3}\n",
     "creations_reference.year: expected a year from 1900 to 2200"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ncreations_reference: {year: 2013.5, count: 3}\n",
     "creations_reference.year: expected a year from 1900 to 2200"),
    # A key given twice: the last one won, without a word.
    ("scenarios: [baseline.yaml, pacte.yaml]\nscenarios: [pacte.yaml, baseline.yaml]\n",
     "2:1: not valid YAML: scenarios: given twice in one mapping (first at line 1, column 1), where one would "
     "replace the other without a word: give it once"),
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: 0.1, value: 0.5}\n", "2:21: not valid YAML: value: given "
     "twice in one mapping (first at line 2, column 9)"),
    # Without its line and column.
    ("scenarios: [baseline.yaml, pacte.yaml]\nlevel: {value: 'x'}\n", "2:16: level.value: expected a number, found 'x'"),
    ("scenarios: [baseline.yaml, pacte.yaml]\ntitle: {fr: a, de: b}\n", "2:8: title: expected a text or {fr: ..., en: "
     "...}"),
    ("scenarios: [baseline.yaml, pacte.yaml]\n\ncreations_reference:\n  year: 2013\n",
     "4:3: creations_reference.count: missing"),  # where the mapping that lacks it begins
    # Not UTF-8: "'utf-8' codec can't decode byte 0xe9", without the file.
    (b"scenarios: [baseline.yaml, pacte.yaml]\ntitle: caf\xe9\n", "2:11: not UTF-8 text (byte 0xe9): a forecast file "
     "is UTF-8, as scenario files are"),
    # its column in characters, as the other positions: after three é it was counted in bytes (15, not 12)
    ("scenarios: [baseline.yaml, pacte.yaml]\ntitle: \"\u00e9\u00e9\u00e9".encode() + b"\xe9\n",
     "2:12: not UTF-8 text (byte 0xe9)"),
    # A name that is no text: 3 and true ran every run, then failed ("scenario 3 has 0 of the 2 replicates");
    # [1] was a TypeError; "" took the file's name.
    ("scenarios: [{file: baseline.yaml, name: 3}, pacte.yaml]\n", "1:41: scenarios[0].name: expected a name, a text "
     "that is not empty (quote one that YAML reads as a number or true: \"3\"), found 3"),
    ("scenarios: [{file: baseline.yaml, name: true}, pacte.yaml]\n", "1:41: scenarios[0].name: expected a name"),
    ("scenarios: [baseline.yaml, {file: pacte.yaml, name: [1]}]\n", "1:53: scenarios[1].name: expected a name, a text "
     "that is not empty (quote one that YAML reads as a number or true: \"3\"), found [1]"),
    ("scenarios: [{file: baseline.yaml, name: ''}, pacte.yaml]\n", "1:41: scenarios[0].name: expected a name"),
    ("scenarios: [{file: baseline.yaml, name: a}, {file: pacte.yaml, name: a}]\n",
     "1:70: scenarios[1].name: two scenarios are named 'a' (scenarios[0] too): give each its own name (name: ...)"),
])
def test_bad_forecast_files_are_refused_with_the_field(tmp_path, text, message):
    for name in ("baseline.yaml", "pacte.yaml"):
        shutil.copy(AMIENS / name, tmp_path / name)
    path = tmp_path / "forecast.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ForecastError) as info:
        ForecastSpec.load(path)
    assert message in str(info.value)
    if "nowhere" not in message:  # the file, the line and column, then the field
        assert re.match(rf"{re.escape(str(path))}:[0-9]+:[0-9]+: [^ ]", str(info.value)), str(info.value)


# ---------------------------------------------------------------------------
# The report, made once by the program from an empty folder.

@pytest.fixture(scope="module")
def made(terrasim, tmp_path_factory):
    """`terrasim forecast` with no scenario, from an empty folder: the embedded Amiens scenarios."""
    cwd = tmp_path_factory.mktemp("anywhere")
    t0 = time.perf_counter()
    proc = terrasim("forecast", *SMALL, cwd=cwd, check=0)
    return {"cwd": cwd, "out": cwd / "forecast-baseline-pacte", "proc": proc, "seconds": time.perf_counter() - t0}


def test_forecast_writes_a_whole_report_folder(made):
    out, proc = made["out"], made["proc"]
    assert sorted(p.name for p in made["cwd"].iterdir()) == ["forecast-baseline-pacte"]  # nothing else, no staging
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    expected = {"report.html", "report.pdf", "runs.sqlite", "forecast.json"}
    expected |= {f"charts/{c}.{ext}" for c in CHARTS for ext in ("svg", "png")}
    assert expected <= set(names)
    assert not [n for n in names if n.startswith("runs.sqlite-")]  # one database file
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"
    for c in CHARTS:
        assert (out / "charts" / f"{c}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"<svg" in (out / "charts" / f"{c}.svg").read_bytes()[:2000]
    html_text = (out / "report.html").read_text(encoding="utf-8")
    for table in re.findall(r'data-csv="tables/([a-z_]+)\.csv"', html_text):
        assert f"tables/{table}.csv" in names
    assert "<script" not in html_text and not re.search(r'(src|href)="(https?:)?//', html_text)
    assert html_text.count("data:image/svg+xml;base64,") == len(CHARTS)
    # French by default (the scenarios' locale); the summary is on stdout too
    assert 'lang="fr"' in html_text and "décembre 2019" in html_text
    assert "report: " in proc.stdout and str(out / "report.html") in proc.stdout
    assert "12 runs done, 0 already" in proc.stderr
    marker = json.loads((out / "forecast.json").read_text())
    assert marker["replicates"] == 6 and marker["seeds"] == [1, 6]


def test_report_says_what_the_bands_contain_and_how_to_reproduce(made):
    text = (made["out"] / "report.html").read_text(encoding="utf-8")
    assert "variabilité aléatoire du modèle pour des paramètres fixés" in text
    assert "terrasim forecast --replicates 6 --seed 1 --set scale=0.05 --lang fr" in text
    rows = list(csv.DictReader(open(made["out"] / "tables" / "scenarios.csv")))
    shas = {(r["scenario"], r["file"]): r["file_sha256"] for r in rows}
    assert shas[("pacte", "pacte.yaml")] == file_sha256(AMIENS / "pacte.yaml")
    assert shas[("pacte", "baseline.yaml")] == shas[("baseline", "baseline.yaml")]  # `extends:` is listed


def test_summary_is_written_from_the_numbers(made):
    out = made["out"]
    key = {r["scenario"]: r for r in csv.DictReader(open(out / "tables" / "key_figures.csv"))}
    fr = Locale("fr")
    summary = [line[2:] for line in made["proc"].stdout.splitlines() if line.startswith("- ")]
    text = " ".join(summary)
    assert fr.percent(float(key["pacte"]["unemployment_q50"])) in text
    assert fr.percent(float(key["pacte"]["p_level"])) in text
    costs = {r["measure"]: r for r in csv.DictReader(open(out / "tables" / "cost_per_job.csv"))}
    if costs["net_job"]["status"] == "defined":
        assert fr.money(float(costs["net_job"]["cost"])) in text
    else:
        assert "non défini" in text
    html_text = (out / "report.html").read_text(encoding="utf-8")
    for sentence in summary:
        assert html.escape(sentence, quote=True) in html_text
    # The runs are at scale 0.05: said at the top, where the figures are read.
    assert "Simulation réduite, à l'échelle 0,05" in summary[0]
    # Trainees are out of the labour force: the difference without them, from the table's row.
    diffs = {(r["quantity"], r["month"]): r for r in csv.DictReader(open(out / "tables" / "paired_differences.csv"))}
    with_trainees = diffs[("unemployment_rate_with_trainees", "2020-12")]
    trainees = [t for t in summary if "stagiaires en formation (" in t and "décembre 2020" in t]
    assert len(trainees) == 1, summary
    # and in the target month, where the summary gives the medians: both readings, the trainees' too
    assert [t for t in summary if "stagiaires en formation (" in t and "décembre 2019" in t]
    assert any(t.startswith("Le même mois, en comptant comme demandeurs d'emploi les stagiaires") for t in summary)
    d = enough_decimals([100 * float(with_trainees[c]) for c in ("mean", "ci_low", "ci_high")], 2)
    assert fr.points(float(with_trainees["mean"]), d) in trainees[0]
    assert fr.count(float(diffs[("in_training", "2020-12")]["mean"])) in trainees[0]
    # The portal's supported cash, which the spending leaves out, with the cost were it counted.
    cash = [t for t in summary if "l'apport en trésorerie du portail" in t]
    assert len(cash) == 1 and fr.money(float(costs["net_job"]["portal_cash"])) in cash[0]
    assert float(costs["net_job"]["portal_cash"]) > 0 and costs["net_job"]["portal_cash_counted"] == "False"
    counted = costs["net_job_with_portal_cash"]  # the cost table's row that counts it
    assert counted["portal_cash_counted"] == "True" and float(counted["spending"]) > float(costs["net_job"]["spending"])
    if counted["status"] == "defined":  # the jobs difference's interval is above 0
        assert fr.money(float(counted["cost"])) in cash[0]
        assert float(counted["cost"]) > float(costs["net_job"]["cost"])
    else:
        assert costs["net_job"]["status"] != "defined" and "compté" not in cash[0]
    # The fixed level is a level, not the goal.
    assert any(t.startswith("Probabilité que le chômage soit ≤ 10") for t in summary)


# -- the numbers of the HTML are those of the CSV --------------------------------

class _Tables(html.parser.HTMLParser):
    """Collects {csv name: {row: {column: [displayed texts]}}} from data-csv / data-row / data-col."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.col, self.text = {}, None, None, None, ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-csv" in a:
            self.table = self.tables.setdefault(a["data-csv"], {})
        elif tag == "tr" and self.table is not None and "data-row" in a:
            self.row = self.table.setdefault(int(a["data-row"]), {})
        elif tag == "span" and self.row is not None and "data-col" in a:
            self.col, self.text = a["data-col"], ""

    def handle_data(self, data):
        if self.col is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "span" and self.col is not None:
            self.row.setdefault(self.col, []).append(self.text)
            self.col = None
        elif tag == "tr":
            self.row = None
        elif tag == "table":
            self.table = None


def _parse_displayed(text, lang):
    """A displayed number back to (value, tolerance); None for text that is no number."""
    t = text.replace("\u202f", "").replace("\xa0", "").replace("\u2212", "-").strip()
    factor = 1.0
    if "%" in t or "point" in t:
        factor = 0.01
    if "M€" in t or re.search(r"€[-+\d.,]+m$", t) or re.search(r"^[-+]?€[\d.,]+m$", t):
        factor = 1e6
    digits = re.sub(r"[^0-9.,+-]", "", t)
    if not re.search(r"\d", digits):
        return None
    if lang == "fr":
        digits = digits.replace(",", ".")
    else:
        digits = digits.replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    value = float(digits) * factor
    tolerance = 0.5 * 10 ** -decimals * factor
    if "€" in t and factor == 1.0:  # whole euros, rounded to 3 significant digits
        tolerance = max(tolerance, 0.5 * 10 ** (len(str(int(abs(value)))) - 3))
    return value, tolerance * 1.0001


def test_every_number_of_the_html_equals_its_csv_table(made):
    out = made["out"]
    parser = _Tables()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    assert len(parser.tables) >= 10
    checked = 0
    for name, rows in parser.tables.items():
        records = list(csv.DictReader(open(out / name, encoding="utf-8")))
        assert sorted(rows) == list(range(len(records))), name  # every row of the CSV, in order
        for i, cells in rows.items():
            for column, texts in cells.items():
                for text in texts:
                    raw = records[i][column]
                    parsed = _parse_displayed(text, "fr")
                    if raw == "":
                        assert parsed is None, (name, i, column, text)
                        continue
                    assert parsed is not None, (name, i, column, text, raw)
                    value, tolerance = parsed
                    assert abs(value - float(raw)) <= tolerance, (name, i, column, text, raw)
                    checked += 1
    assert checked > 100


def test_report_tables_follow_from_the_runs(made):
    """A few figures recomputed straight from the database."""
    out = made["out"]
    con = sqlite3.connect(out / "runs.sqlite")
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 12
    assert sorted(r[0] for r in con.execute("SELECT DISTINCT seed FROM runs")) == list(range(1, 7))

    def at(scenario, series, month):
        return np.array([v for (v,) in con.execute(
            "SELECT v.value FROM series v JOIN runs r USING (run_id) JOIN scenarios s USING (scenario_id) "
            "WHERE s.name = ? AND v.name = ? AND v.month = ? ORDER BY r.replicate", (scenario, series, month))])

    diffs = {(r["scenario"], r["quantity"], r["month"]): r
             for r in csv.DictReader(open(out / "tables" / "paired_differences.csv"))}
    jobs = at("pacte", "jobs_in_territory", "2020-12") - at("baseline", "jobs_in_territory", "2020-12")
    assert float(diffs[("pacte", "jobs_in_territory", "2020-12")]["mean"]) == pytest.approx(jobs.mean())
    probs = list(csv.DictReader(open(out / "tables" / "target_probability.csv")))
    level = next(r for r in probs if r["scenario"] == "pacte" and r["reading"] == "level" and r["moment"] == "month")
    assert int(level["successes"]) == int((at("pacte", "unemployment_rate", "2019-12") <= 0.10).sum())
    national = next(r for r in probs if r["scenario"] == "pacte" and r["reading"] == "target"
                    and r["moment"] == "quarter")
    u = np.mean([at("pacte", "unemployment_rate", m) for m in ("2019-10", "2019-11", "2019-12")], axis=0)
    n = np.mean([at("pacte", "national_unemployment_rate", m) for m in ("2019-10", "2019-11", "2019-12")], axis=0)
    assert int(national["successes"]) == int((u <= n).sum())
    # the paired difference at or below 10% in December 2019: the pairs' 2x2 table, replicate against replicate
    pdiff = next(r for r in csv.DictReader(open(out / "tables" / "target_probability_difference.csv"))
                 if r["scenario"] == "pacte" and r["reading"] == "level")
    ours, theirs = (at(name, "unemployment_rate", "2019-12") <= 0.10 for name in ("pacte", "baseline"))
    table = [int((ours & theirs).sum()), int((ours & ~theirs).sum()), int((~ours & theirs).sum()),
             int((~ours & ~theirs).sum())]
    assert [int(pdiff[c]) for c in ("both", "scenario_only", "reference_only", "neither")] == table
    assert float(pdiff["difference"]) == pytest.approx(ours.mean() - theirs.mean())
    key = next(r for r in csv.DictReader(open(out / "tables" / "key_figures.csv")) if r["scenario"] == "pacte")
    assert float(key["p_level_difference_ci_low"]) == pytest.approx(float(pdiff["ci_low"]))
    spent = at("pacte", "policy_spending_cumulative", "2020-12") - at("baseline", "policy_spending_cumulative",
                                                                      "2020-12")
    cost = next(r for r in csv.DictReader(open(out / "tables" / "cost_per_job.csv")) if r["measure"] == "net_job")
    assert float(cost["spending"]) == pytest.approx(spent.mean())
    if cost["status"] == "defined":
        assert float(cost["cost"]) == pytest.approx(spent.mean() / jobs.mean())
    # the levers as the runs spent them: the portal's last month of spending, from spending_portal
    rows = con.execute("SELECT r.replicate, v.month FROM series v JOIN runs r USING (run_id) JOIN scenarios s "
                       "USING (scenario_id) WHERE s.name = 'pacte' AND v.name = 'spending_portal' AND v.value > 0 "
                       "ORDER BY r.replicate, v.month").fetchall()
    last = sorted({rep: month for rep, month in rows}.values())
    portal = next(r for r in csv.DictReader(open(out / "tables" / "levers.csv")) if r["policy"] == "portal")
    assert portal["last_month_q50"] == last[(len(last) - 1) // 2] and portal["end"] == "2020-12"
    creations = list(csv.DictReader(open(out / "tables" / "creations_per_year.csv")))
    assert {r["year"] for r in creations} == {str(y) for y in range(2015, 2021)}
    assert float(creations[0]["reference"]) == pytest.approx(1034 * 0.05)


def test_a_report_uses_the_first_n_replicates_of_a_database_that_holds_more(made):
    spec = ForecastSpec.default().configured(overrides=["scale=0.05"])
    analysis = report.analyse(made["out"] / "runs.sqlite", spec, replicates=4)
    assert set(analysis.tables["target_probability"]["n"]) == {4}
    con = sqlite3.connect(made["out"] / "runs.sqlite")
    jobs = {name: [v for (v,) in con.execute(
        "SELECT v.value FROM series v JOIN runs r USING (run_id) JOIN scenarios s USING (scenario_id) "
        "WHERE s.name = ? AND v.name = 'jobs_in_territory' AND v.month = '2020-12' AND r.replicate < 4 "
        "ORDER BY r.replicate", (name,))] for name in ("baseline", "pacte")}
    d = analysis.tables["paired_differences"]
    row = d[(d["quantity"] == "jobs_in_territory") & (d["month"] == "2020-12")].iloc[0]
    assert row["n"] == 4 and row["mean"] == pytest.approx(np.mean(np.subtract(jobs["pacte"], jobs["baseline"])))
    with pytest.raises(report.AnalysisError, match="has 6 of the 8 replicates"):
        report.analyse(made["out"] / "runs.sqlite", spec, replicates=8)
    # The base seed the report would state is checked against the runs' seeds.
    with pytest.raises(report.AnalysisError, match="replicate 0 ran with seed 1, not 99: this database was made "
                                                   "with another base seed than 99"):
        report.analyse(made["out"] / "runs.sqlite", spec, replicates=4, base_seed=99)


def test_a_second_call_reuses_every_run_and_gives_the_same_report(made, terrasim, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(made["out"], again)
    finished = sqlite3.connect(again / "runs.sqlite").execute("SELECT finished_at FROM runs ORDER BY run_id").fetchall()
    proc = terrasim("forecast", *SMALL, "--out", again, "--no-pdf", cwd=tmp_path, check=0)
    assert "0 runs done, 12 already in" in proc.stderr
    con = sqlite3.connect(again / "runs.sqlite")
    assert con.execute("SELECT finished_at FROM runs ORDER BY run_id").fetchall() == finished
    for table in (made["out"] / "tables").glob("*.csv"):  # same seed, same numbers
        assert (again / "tables" / table.name).read_bytes() == table.read_bytes(), table.name
    # the same page, but that it names the PDF only when one was printed (the first call's, when Chromium is here)
    first = (made["out"] / "report.html").read_text(encoding="utf-8")
    if (made["out"] / "report.pdf").exists():
        assert FR["m_files_pdf"] in first
        first = first.replace(FR["m_files_pdf"], "", 1)
    assert (again / "report.html").read_text(encoding="utf-8") == first
    assert FR["m_files_pdf"] not in first
    assert not (again / "report.pdf").exists()  # replaced whole: nothing of the previous report lingers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]


def test_runs_that_lack_a_series_this_build_records_are_run_again(made, terrasim, tmp_path):
    # A build of the same version that recorded fewer series (portal_cash was added within 0.4.3) left runs
    # that were reused, and the report left out the portal's cash without a word.
    again = tmp_path / "again"
    shutil.copytree(made["out"], again)
    con = sqlite3.connect(again / "runs.sqlite")
    con.execute("DELETE FROM series WHERE name = 'portal_cash'")
    con.commit()
    con.close()
    proc = terrasim("forecast", *SMALL, "--out", again, "--no-pdf", cwd=tmp_path, check=0)
    assert "lack the series portal_cash, which this build records); starting a new database" in proc.stderr
    assert "12 runs done, 0 already in" in proc.stderr
    for table in (made["out"] / "tables").glob("*.csv"):
        assert (again / "tables" / table.name).read_bytes() == table.read_bytes(), table.name


def test_the_same_seed_gives_the_same_report_from_new_runs(made, terrasim, tmp_path):
    proc = terrasim("forecast", *SMALL, "--out", "fresh", "--db", tmp_path / "fresh.sqlite", "--no-pdf",
                    cwd=tmp_path, check=0)
    assert "12 runs done, 0 already" in proc.stderr
    for table in (made["out"] / "tables").glob("*.csv"):
        assert (tmp_path / "fresh" / "tables" / table.name).read_bytes() == table.read_bytes(), table.name
    for chart in CHARTS:
        assert (tmp_path / "fresh" / "charts" / f"{chart}.svg").read_bytes() == \
            (made["out"] / "charts" / f"{chart}.svg").read_bytes()


# -- in a browser --------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("TERRASIM_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (scripts/install-deps installs it)")
        pytest.skip("Chromium is not installed")
    return path


class _DevTools:
    """Just enough of the Chrome DevTools protocol: one page, commands and their answers."""

    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(event)

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"]["value"]


@contextlib.contextmanager
def _browser(chromium, profile, *flags, size="1000,1400"):
    """Headless Chromium with the DevTools protocol on its first tab; closed (and waited for) on leaving."""
    proc = subprocess.Popen([chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "--remote-allow-origins=*", *flags, f"--window-size={size}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline and proc.poll() is None, "Chromium did not start"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        tab = next(t for t in targets if t["type"] == "page")
        dt = _DevTools(tab["webSocketDebuggerUrl"])
        yield dt
        dt.call("Browser.close")
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_report_renders_offline_in_chromium(made, chromium, tmp_path):
    page = (made["out"] / "report.html").resolve().as_uri()
    profile, netlog = tmp_path / "profile", tmp_path / "netlog.json"
    with _browser(chromium, profile, f"--log-net-log={netlog}") as dt:
        dt.call("Page.enable")
        dt.call("Network.enable")
        dt.call("Page.navigate", url=page)
        dt.wait_for("Page.loadEventFired")
        figures = dt.evaluate("""JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
            const img = f.querySelector('img'); const r = img.getBoundingClientRect();
            return {name: f.dataset.chart, width: r.width, height: r.height, loaded: img.complete,
                    natural: img.naturalWidth};}))""")
        figures = json.loads(figures)
        assert [f["name"] for f in figures] == CHARTS
        for f in figures:
            assert f["loaded"] and f["natural"] > 0, f
            assert f["width"] > 500 and f["height"] > 100, f
        assert dt.evaluate("document.querySelectorAll('table.data').length") >= 10
        assert dt.evaluate("document.body.innerText.length") > 3000
        shot = base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"])
        (tmp_path / "report.png").write_bytes(shot)
        # printed on A4 (margins 10 mm, 12 mm top, 14 mm bottom: 190 x 271 mm, 718 x 1024 CSS pixels),
        # the summary is the first page by itself
        dt.call("Emulation.setDeviceMetricsOverride", width=718, height=1024, deviceScaleFactor=1, mobile=False)
        dt.call("Emulation.setEmulatedMedia", media="print")
        summary_bottom = dt.evaluate("document.querySelector('#summary').getBoundingClientRect().bottom")
    assert 500 < summary_bottom <= 1024
    import matplotlib.image
    pixels = matplotlib.image.imread(io.BytesIO(shot), format="png")[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 900
    ink = (pixels < 0.9).any(axis=2).mean()
    assert 0.02 < ink < 0.9, ink  # text and charts, neither blank nor a solid block
    # what the page asked for: itself and its charts, from the file and data: URIs
    asked = [e["params"]["request"]["url"] for e in dt.events if e.get("method") == "Network.requestWillBeSent"]
    assert asked[0] == page and sum(u.startswith("data:image/svg+xml") for u in asked) == len(CHARTS)
    assert {u.split(":", 1)[0] for u in asked} <= {"file", "data"}, asked
    # what the browser did on the network: nothing left the machine, and nothing came from the page
    activity = _network_activity(netlog)
    assert activity["sent"] == [], activity
    assert all(initiator == "not an origin" for url, initiator in activity["requests"]), activity


def test_the_report_is_readable_on_a_phone(made, chromium, tmp_path):
    # At 390 px the charts were shrunk to about 330 px (text 4-5 px high) and the tables' notes, rows as wide
    # as their table, ran off the screen's edge.
    page = (made["out"] / "report.html").resolve().as_uri()
    with _browser(chromium, tmp_path / "profile", size="390,2000") as dt:
        dt.call("Emulation.setDeviceMetricsOverride", width=390, height=2000, deviceScaleFactor=1, mobile=True)
        dt.call("Page.enable")
        dt.call("Page.navigate", url=page)
        dt.wait_for("Page.loadEventFired")
        view = dt.evaluate("document.documentElement.clientWidth")
        charts = json.loads(dt.evaluate("""JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
            const r = f.querySelector('img').getBoundingClientRect(), c = f.querySelector('figcaption');
            return {width: r.width, scrolls: f.scrollWidth > f.clientWidth,
                    caption: c.getBoundingClientRect().right};}))"""))
        notes = json.loads(dt.evaluate("""JSON.stringify([...document.querySelectorAll('tr.note .note-text')].map(
            n => n.getBoundingClientRect().right))"""))
        page_width = dt.evaluate("document.documentElement.scrollWidth")
        # and the desktop as before: a chart as wide as the text
        dt.call("Emulation.setDeviceMetricsOverride", width=1000, height=1400, deviceScaleFactor=1, mobile=False)
        desktop = dt.evaluate("document.querySelector('figure.chart img').getBoundingClientRect().width")
    assert view == 390 and page_width <= view  # the page itself does not scroll sideways
    assert len(charts) == len(CHARTS)
    for chart in charts:  # readable: at least 600 of the chart's 740 px, scrolling in its box
        assert chart["width"] >= 600 and chart["scrolls"] and chart["caption"] <= view, chart
    assert len(notes) >= 5 and max(notes) <= view, notes
    assert 600 < desktop <= 720


def _network_activity(path):
    """From a Chromium net log: bytes or connections that went out, and every URL request with its initiator."""
    text = path.read_text(errors="replace").rstrip().rstrip(",")
    if not text.endswith("}"):  # a log cut short: close its event list
        text += "]}"
    log = json.loads(text)
    types = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    sent, requests = [], []
    for event in log["events"]:
        kind, params = types.get(event["type"], ""), event.get("params", {})
        if kind in ("TCP_CONNECT_ATTEMPT", "SOCKET_BYTES_SENT", "UDP_BYTES_SENT", "SSL_HANDSHAKE_MESSAGE_SENT"):
            address = params.get("address", "")
            if not (address.startswith("127.") or address.startswith("[::1]")):
                sent.append((kind, address))
        elif kind == "URL_REQUEST_START_JOB" and "url" in params:
            requests.append((params["url"], params.get("initiator")))
    return {"sent": sent, "requests": requests}


# -- what else a forecast does ------------------------------------------------------

def test_explicit_scenarios_without_a_target_and_a_short_horizon(terrasim, tmp_path):
    """A scenario without a target gets a report that says so; a target past the horizon is not evaluated."""
    text = (AMIENS / "baseline.yaml").read_text(encoding="utf-8")
    no_target = re.sub(r"\ntarget:\n(  .*\n)+", "\n", text)
    assert "target:" not in no_target
    (tmp_path / "sans-objectif.yaml").write_text(no_target, encoding="utf-8")
    db = tmp_path / "elsewhere.sqlite"
    proc = terrasim("forecast", f"ref={tmp_path / 'sans-objectif.yaml'}", AMIENS / "baseline.yaml",
                    "--replicates", 3, "--months", 12, "--set", "scale=0.05", "--lang", "en", "--db", db,
                    "--out", "r", cwd=tmp_path, check=0, env={"TERRASIM_CHROMIUM": str(tmp_path / "no-browser")})
    assert "Chromium not found: no PDF" in proc.stderr
    out = tmp_path / "r"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'lang="en"' in page and "December 2015" in page
    assert "ref states no target" in page
    assert "The target of baseline is for December 2019, outside the simulated period" in page
    assert list(csv.DictReader(open(out / "tables" / "target_probability.csv"))) == []
    # the same model without a target: the same runs (common random numbers), no difference, no cost
    cost = list(csv.DictReader(open(out / "tables" / "cost_per_job.csv")))
    assert {r["status"] for r in cost} == {"jobs_interval_includes_zero"} and all(r["cost"] == "" for r in cost)
    assert "not defined (the interval of the jobs difference contains 0)" in page
    assert db.is_file() and not (out / "runs.sqlite").exists() and not (out / "report.pdf").exists()
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 6


@pytest.mark.parametrize("figures, message", [
    (dict(level="0.1"), "level (--level): expected a rate in [0, 1] (0.10 for 10%), found '0.1'"),
    (dict(level=True), "level (--level): expected a rate in [0, 1] (0.10 for 10%), found True"),
    (dict(creations_reference=(2013,)), "creations_reference (--creations-reference): expected (year, count), "
                                        "found (2013,)"),
    (dict(creations_reference=("2013", 5)), "creations_reference (--creations-reference): year: expected a year"),
    (dict(creations_reference=(2013, float("inf"))), "creations_reference (--creations-reference): count: "
                                                     "expected a number of firm creations, finite and at least 0"),
])
def test_outside_figures_that_are_no_numbers_are_refused_in_python(tmp_path, figures, message):
    # A level given as a str was taken (float("0.1")), a (2013,) was an IndexError.
    with pytest.raises(ForecastError) as info:
        terrasim.forecast(**TINY, **figures, out=tmp_path / "r", log=io.StringIO())
    assert message in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_bug_in_the_report_is_an_internal_error_that_keeps_the_runs(monkeypatch, tmp_path):
    # It was reported as bad input (exit 2) when a pandas ValueError came out of the report's code.
    import terrasim as ts
    from terrasim.forecast import ReportInternalError

    def broken(*args, **kwargs):
        raise ValueError("The truth value of a Series is ambiguous")
    monkeypatch.setattr(report, "write_report", broken)
    with pytest.raises(ReportInternalError, match=r"internal error while writing the report \(ValueError: The "
                                                  r"truth value.*the runs are kept in .*runs\.sqlite"):
        ts.forecast(replicates=2, out=tmp_path / "r", months=3, overrides=["scale=0.02"], pdf=False,
                    workers=1, progress=False)
    assert not (tmp_path / "r").exists()
    assert sqlite3.connect(tmp_path / ".r.partial" / "runs.sqlite").execute(
        "SELECT COUNT(*) FROM runs").fetchone()[0] == 4


def test_three_scenarios_two_of_them_with_the_same_clusters(terrasim, tmp_path):
    # The README's three-scenario forecast failed once its runs were made ("The truth value of a Series is
    # ambiguous", exit 2): a cluster's sector was looked up among one row a scenario that opens it.
    proc = terrasim("forecast", AMIENS / "baseline.yaml", AMIENS / "pacte-sans-portail.yaml", AMIENS / "pacte.yaml",
                    "--replicates", 2, "--set", "scale=0.05", "--no-pdf", "--out", "r", cwd=tmp_path, check=0)
    assert "report: " in proc.stdout
    rows = list(csv.DictReader(open(tmp_path / "r" / "tables" / "cluster_jobs.csv")))
    assert {r["scenario"] for r in rows} == {"pacte-sans-portail", "pacte"}
    assert len({r["cluster"] for r in rows}) == 3
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "numerique (numérique)" in page  # no forecast file: the identifier, and the sector's words


@pytest.mark.parametrize("args, message", [
    (["nowhere.yaml", "pacte.yaml"], "nowhere.yaml: no such scenario file"),
    (["--replicates", "0"], "--replicates/-r: expected a whole number of at least 1, found '0'"),
    (["--replicates", "many"], "--replicates/-r: expected a whole number of at least 1, found 'many'"),
    (["--lang", "de"], "--lang: invalid choice"),
    (["{amiens}/baseline.yaml"], "at least two scenarios"),
    (["{root}/scenarios/dock/small.yaml", "{root}/scenarios/dock/default.yaml"], "needs the series"),
    (["--set", "workers.separaton_rate=0.1"], "separaton_rate"),
    (["--out", "occupied"], "is not a forecast report"),
    # Was accepted and ignored: the runs used the replicates' seeds, and the report's Methods repeated --set seed=777.
    (["--set", "seed=777"], "overrides (--set): seed=777: a forecast sets the seeds itself"),
    # Were accepted: the report said "a level of –" and its forecast.json held a bare NaN (no JSON).
    (["--level", "nan"], "level (--level): expected a rate in [0, 1] (0.10 for 10%), found nan"),
    (["--level", "inf"], "level (--level): expected a rate in [0, 1] (0.10 for 10%), found inf"),
    (["--level", "-1"], "level (--level): expected a rate in [0, 1] (0.10 for 10%), found -1.0"),
    (["--creations-reference", "2013=nan"], "creations_reference (--creations-reference): count: expected a number "
                                            "of firm creations, finite and at least 0, found nan"),
    (["--creations-reference", "2013=-5"], "count: expected a number of firm creations, finite and at least 0, "
                                           "found -5.0"),
    (["--creations-reference", "99999=5"], "creations_reference (--creations-reference): year: expected a year "
                                           "from 1900 to 2200 (those of a scenario's months), found 99999"),
])
def test_bad_input_exits_2_and_writes_nothing(terrasim, tmp_path, args, message):
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    args = [a.format(amiens=AMIENS, root=ROOT) for a in args]
    if "--replicates" not in args:
        args += ["--replicates", "2"]  # small, should the check ever let it run
    proc = terrasim("forecast", *args, cwd=tmp_path, check=2)
    assert message in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("args, message", [
    (["--db", "notdb.sqlite"], "notdb.sqlite: cannot open it as a sweep database (file is not a database)"),
    (["--db", "other.sqlite"], "other.sqlite: an SQLite database, but not a sweep database (it has no table meta"),
    (["--db", "sweep.sqlite", "--seed", "2"], "this sweep database was started with base seed 1, not 2"),
    (["--seed", "-3"], "seed: expected an integer in [0, 9007199254740991], found -3"),
    ({"base_seed": 1.5}, "base_seed (--seed): expected a whole number, found 1.5"),
    ({"executor": "foo"}, "executor (--executor): expected one of"),
    ({"workers": 0}, "workers (--workers): expected a whole number of at least 1, found 0"),
    ({"out": "unreadable"}, "of the report it replaces, cannot be read (file is not a database)"),
])
def test_a_refused_forecast_leaves_nothing_behind(tiny, terrasim, tmp_path, args, message):
    # Each was refused only once the staging folder was made: .forecast-baseline-pacte.partial (or
    # .unreadable.partial) stayed behind, where the README promises that nothing is written.
    (tmp_path / "notdb.sqlite").write_bytes(b"half a page")
    sqlite3.connect(tmp_path / "other.sqlite").execute("CREATE TABLE foo (x)").connection.close()
    shutil.copy(tiny / "runs.sqlite", tmp_path / "sweep.sqlite")  # TINY's runs, with base seed 1
    shutil.copytree(tiny, tmp_path / "unreadable")
    (tmp_path / "unreadable" / "runs.sqlite").write_bytes(b"half a page")
    before = _tree(tmp_path)
    if isinstance(args, list):
        proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--progress", "never",
                        *args, cwd=tmp_path, check=2)
        assert message in proc.stderr
    else:
        with pytest.raises((ForecastError, ValueError)) as info:
            FORECAST.forecast(**{**TINY, "out": tmp_path / "report", **args,
                                 **({"out": tmp_path / args["out"]} if "out" in args else {})}, log=io.StringIO())
        assert message in str(info.value)
    assert _tree(tmp_path) == before


def _tree(folder):
    """Every entry under `folder` (not following links): {relative path: bytes, a link's target or "folder"}."""
    found = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = pathlib.Path(top) / name
            rel = str(path.relative_to(folder))
            found[rel] = (("link", os.readlink(path)) if path.is_symlink() else "folder" if path.is_dir()
                          else path.read_bytes())
    return found


def _report_with(made, folder, extra):
    """A copy of the made report in `folder`, with `extra` ({relative path: text}) written into it."""
    shutil.copytree(made["out"], folder)
    for rel, text in extra.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


@pytest.mark.parametrize("case, message", [
    ("foreign marker", "the folder exists and is not a forecast report (its forecast.json is not one a terrasim "
                       "forecast wrote); choose another folder"),
    ("unreadable marker", "the folder exists and is not a forecast report (its forecast.json cannot be read"),
    ("notes in a report", "this forecast report holds what its report did not write (minutes.docx, sub/); a "
                          "forecast replaces its folder whole: move them out of it, or choose another folder"),
    ("many notes in a report", "did not write (note0.txt, note1.txt, note2.txt, note3.txt, note4.txt and 3 more)"),
    ("a file among the tables", "did not write (tables/mine.csv)"),
    ("a link in place of a chart", "did not write (charts/unemployment_fan.svg)"),
])
def test_a_folder_that_is_not_wholly_a_report_is_refused_and_left_as_it_was(made, terrasim, tmp_path, case,
                                                                              message):
    # Any folder holding a file named forecast.json was taken for a report and deleted whole, with the
    # user's files beside it (minutes.docx, sub/keep.txt); a report folder with a user's notes in it lost them.
    out = tmp_path / "victim"
    if case == "foreign marker":
        out.mkdir()
        (out / "forecast.json").write_text('{"weather": "rain"}')
        (out / "minutes.docx").write_text("minutes")
        (out / "sub").mkdir()
        (out / "sub" / "keep.txt").write_text("x")
    elif case == "unreadable marker":
        _report_with(made, out, {"forecast.json": "{not json"})
    elif case == "notes in a report":
        _report_with(made, out, {"minutes.docx": "minutes", "sub/keep.txt": "x"})
    elif case == "many notes in a report":
        _report_with(made, out, {f"note{i}.txt": "x" for i in range(8)})
    elif case == "a file among the tables":
        _report_with(made, out, {"tables/mine.csv": "a,b\n"})
    else:
        _report_with(made, out, {})
        mine = tmp_path / "mine.svg"
        mine.write_text("<svg/>")
        chart = out / "charts" / "unemployment_fan.svg"
        assert chart.is_file()
        chart.unlink()
        chart.symlink_to(mine)
    before = _tree(tmp_path)
    proc = terrasim("forecast", *SMALL, "--no-pdf", "--out", "victim", cwd=tmp_path, check=2)
    assert proc.stderr.startswith("terrasim: --out victim: ") and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert _tree(tmp_path) == before  # nothing removed, nothing made beside it


# -- replacing a report ------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A report of TINY's forecast: 4 runs of 3 months."""
    out = tmp_path_factory.mktemp("tiny") / "report"
    terrasim.forecast(**TINY, out=out, log=io.StringIO())
    return out


def _as_another_user():
    """subprocess.run's arguments that run a command as a user who cannot remove or write what this one made
    (as root: nobody; else this user, and the test makes it read-only), or a skip where that cannot be done."""
    if os.geteuid() != 0:
        return {}
    nobody = {"user": 65534, "group": 65534, "extra_groups": []}
    try:
        probe = subprocess.run(["/usr/bin/python3", "-c", "import terrasim"], capture_output=True, text=True,
                               **nobody)
    except PermissionError as e:
        pytest.skip(f"running as root, and cannot run a command as another user ({e})")
    if probe.returncode != 0:
        pytest.skip(f"running as root, and the user nobody cannot import terrasim from here: "
                    f"{probe.stderr.strip().splitlines()[-1:]}")
    return nobody


@pytest.fixture
def shared_folder():
    """A folder that another user can write (pytest's are the user's alone), removed afterwards."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="terrasim-forecast-"))
    folder.chmod(0o777)
    (folder / "mpl").mkdir(mode=0o777)
    (folder / "mpl").chmod(0o777)
    yield folder
    for top, dirs, _ in os.walk(folder):
        for name in dirs:
            (pathlib.Path(top) / name).chmod(0o755)
    shutil.rmtree(folder)


def test_a_link_to_a_report_is_updated_where_it_points(made, terrasim, tmp_path):
    # It failed (exit 1, "Cannot call rmtree on a symbolic link"), left the link replaced by a real folder,
    # the report it pointed to not updated, and .linkrep.old-PID beside them.
    shutil.copytree(made["out"], tmp_path / "real_report")
    (tmp_path / "linkrep").symlink_to("real_report")
    proc = terrasim("forecast", *SMALL, "--no-pdf", "--lang", "en", "--out", "linkrep", cwd=tmp_path, check=0)
    assert "0 runs done, 12 already in" in proc.stderr
    assert os.readlink(tmp_path / "linkrep") == "real_report"
    assert 'lang="en"' in (tmp_path / "real_report" / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "real_report" / "report.pdf").exists()  # replaced whole
    assert f"report: {tmp_path / 'linkrep' / 'report.html'}" in proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkrep", "real_report"]


def test_a_previous_report_that_cannot_be_removed_is_a_warning_then_removed_by_the_next_forecast(
        made, terrasim, terrasim_bin, shared_folder):
    # An old report owned by another user, in a folder the user can write: exit 1 and a PermissionError
    # traceback, though the new report was in place, and .rep.old-PID left.
    user = _as_another_user()
    rep = shared_folder / "rep"
    shutil.copytree(made["out"], rep)
    (rep / "charts").chmod(0o555)  # for a user who is not root; root's copy is another user's already
    proc = subprocess.run([str(terrasim_bin), "forecast", *SMALL, "--no-pdf", "--lang", "en", "--out", "rep"],
                          cwd=shared_folder, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MPLCONFIGDIR": str(shared_folder / "mpl")}, **user)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    left = [p for p in shared_folder.iterdir() if p.name.startswith(".rep.old-")]
    assert len(left) == 1
    warning = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and warning[0].startswith(
        f"terrasim forecast: warning: a previous report is left in {left[0]}, which could not be removed "
        f"(Permission denied: {left[0]}/")
    assert warning[0].endswith("); the new report is in place: it is left as it is")
    assert 'lang="en"' in (rep / "report.html").read_text(encoding="utf-8")  # the new report is in place
    assert sorted(p.name for p in shared_folder.iterdir()) == sorted(["mpl", "rep", left[0].name])
    # The next forecast, by a user who can, removes it.
    (left[0] / "charts").chmod(0o755)
    again = terrasim("forecast", *SMALL, "--no-pdf", "--out", "rep", cwd=shared_folder, check=0)
    assert "warning" not in again.stderr
    assert sorted(p.name for p in shared_folder.iterdir()) == ["mpl", "rep"]


def test_reports_left_aside_are_removed_when_they_hold_nothing_else(tiny, tmp_path):
    # As a forecast killed between its two renames leaves them: no report, the new one still in .r.partial and
    # the previous one in .r.old-PID; and another set aside earlier, with a user's notes put in it since.
    shutil.copytree(tiny, tmp_path / ".r.partial")
    shutil.copytree(tiny, tmp_path / ".r.old-7")
    shutil.copytree(tiny, tmp_path / ".r.old-8")
    (tmp_path / ".r.old-8" / "notes.txt").write_text("mine")
    (tmp_path / ".other.old-9").mkdir()  # another report's
    log = io.StringIO()
    terrasim.forecast(**TINY, out=tmp_path / "r", log=log)
    assert "0 runs done, 4 already in" in log.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.old-9", ".r.old-8", "r"]
    assert (f"terrasim forecast: warning: a previous report is left in {tmp_path / '.r.old-8'}, which could not "
            "be removed (it holds what its report did not write: notes.txt); the new report is in place: move "
            "your files out of it, and a later forecast into this folder removes it") in log.getvalue()
    assert (tmp_path / ".r.old-8" / "notes.txt").read_text() == "mine"


def test_a_previous_report_is_swapped_with_the_new_one_in_one_step(tiny, tmp_path, monkeypatch):
    # It was renamed aside, then the new one renamed in: killed between the two, the folder had no report.
    if FORECAST._renameat2() is None:
        pytest.skip("no renameat2 here")
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "x").write_text(folder.name)
    assert FORECAST._exchange(a, b)
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"
    out = tmp_path / "r"
    shutil.copytree(tiny, out)
    renames, rename, noreplace = [], os.rename, FORECAST._rename_noreplace
    monkeypatch.setattr(os, "rename", lambda src, dst: renames.append((pathlib.Path(src), pathlib.Path(dst))) or
                        rename(src, dst))
    monkeypatch.setattr(FORECAST, "_rename_noreplace", lambda src, dst: renames.append((src, dst)) or
                        noreplace(src, dst))
    terrasim.forecast(**{**TINY, "overrides": ["scale=0.03"]}, out=out, log=io.StringIO())
    assert renames and out not in [src for src, _ in renames]  # never moved away: always a report there
    assert json.loads((out / "forecast.json").read_text())["forecast"]["scenarios"][0]["config_sha256"] != \
        json.loads((tiny / "forecast.json").read_text())["forecast"]["scenarios"][0]["config_sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "r"]


def test_where_folders_cannot_be_swapped_the_previous_report_is_renamed_aside(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(FORECAST, "_exchange", lambda a, b: False)  # as on a filesystem without RENAME_EXCHANGE
    out = tmp_path / "r"
    shutil.copytree(tiny, out)
    terrasim.forecast(**{**TINY, "lang": "en"}, out=out, log=io.StringIO())
    assert 'lang="en"' in (out / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


@pytest.mark.parametrize("with_db", [False, True])
def test_an_out_where_the_user_cannot_write_exits_2_naming_it(terrasim_bin, shared_folder, with_db):
    # It was a PermissionError traceback, exit 1 (and with --db, only after every run).
    user = _as_another_user()
    locked = shared_folder / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    db = ["--db", str(shared_folder / "runs.sqlite")] if with_db else []
    proc = subprocess.run([str(terrasim_bin), "forecast", *SMALL, "--no-pdf", "--out", "locked/rep", *db],
                          cwd=shared_folder, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MPLCONFIGDIR": str(shared_folder / "mpl")}, **user)
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"terrasim: --out locked/rep: cannot write the report ({locked}/.rep.")
    assert line.endswith(": Permission denied)")
    assert sorted(p.name for p in shared_folder.iterdir()) == ["locked", "mpl"] and not any(locked.iterdir())


@pytest.mark.parametrize("where", ["tables", "forecast.json", "swap", "second rename"])
def test_a_report_that_cannot_be_written_exits_2_and_leaves_the_previous_one(tiny, tmp_path, monkeypatch, capsys,
                                                                             where):
    # An OSError while writing the report, its forecast.json or putting it in place was a traceback, exit 1.
    from terrasim.__main__ import main
    out, staging = tmp_path / "r", tmp_path / ".r.partial"
    shutil.copytree(tiny, out)
    before = _tree(out)
    if where == "tables":
        def write_report(analysis, folder, **kwargs):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "tables" / "key_figures.csv"))
        monkeypatch.setattr(report, "write_report", write_report)
        failed = f"{staging}/tables/key_figures.csv: No space left on device"
    elif where == "forecast.json":
        def write_marker(path, *args):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        monkeypatch.setattr(FORECAST, "_write_marker", write_marker)
        failed = f"{staging}/forecast.json: Permission denied"
    elif where == "swap":
        def exchange(a, b):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(a), None, str(b))
        monkeypatch.setattr(FORECAST, "_exchange", exchange)
        failed = f"{staging} -> {out}: Invalid cross-device link"
    else:  # without a swap: the previous report renamed aside, then the new one not renamed in
        rename = os.rename

        def failing(src, dst):
            if pathlib.Path(src) == staging and pathlib.Path(dst) == out:
                raise OSError(errno.EIO, os.strerror(errno.EIO), str(src), None, str(dst))
            rename(src, dst)
        monkeypatch.setattr(FORECAST, "_exchange", lambda a, b: False)
        monkeypatch.setattr(os, "rename", failing)
        failed = f"{staging} -> {out}: Input/output error"
    code = main(["forecast", "-r", "2", "--months", "3", "--set", "scale=0.03", "--no-pdf", "--workers", "1",
                 "--progress", "never", "--lang", "en", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.splitlines()[-1] == (f"terrasim: --out {out}: cannot write the report ({failed}); the runs are kept "
                                    f"in {staging / 'runs.sqlite'}: the same command resumes from them")
    assert "Traceback" not in err
    assert _tree(out) == before  # the previous report, as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.partial", "r"]


def test_a_chromium_that_cannot_run_leaves_the_report_without_its_pdf(tmp_path, monkeypatch):
    # A browser binary that does not start (here, not a program) was an OSError out of the forecast.
    fake = tmp_path / "chromium"
    fake.write_text("not a program\n")
    fake.chmod(0o755)
    monkeypatch.setenv("TERRASIM_CHROMIUM", str(fake))
    log = io.StringIO()
    result = terrasim.forecast(**{**TINY, "pdf": True}, out=tmp_path / "r", log=log)
    assert result.pdf is None and not (tmp_path / "r" / "report.pdf").exists()
    assert f"terrasim forecast: no PDF: cannot run Chromium ({fake}: Exec format error)" in log.getvalue()
    assert FR["m_files_pdf"] not in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")


def test_scenarios_over_other_months_exit_2_and_write_nothing(terrasim, tmp_path):
    short = tmp_path / "pacte-60.yaml"
    short.write_text(f"extends: {AMIENS / 'pacte.yaml'}\nmonths: 60\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    proc = terrasim("forecast", str(AMIENS / "baseline.yaml"), str(short), "--replicates", "2", cwd=work, check=2)
    assert "pacte-60.yaml: months: 60, where the reference" in proc.stderr and "same months" in proc.stderr
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("left", ["fitting runs", "another configuration", "another version", "no sweep",
                                  "not a database"])
def test_runs_an_interrupted_forecast_left_are_reused_when_they_fit_and_discarded_when_not(tiny, terrasim,
                                                                                         tmp_path, left):
    # Runs of an interrupted forecast that no longer fit (a --set changed, terrasim upgraded) blocked every later
    # forecast into its --out: "scenario 'baseline' has changed since this sweep database was written ... write
    # to a new database", naming neither the hidden .intC.partial/runs.sqlite nor a way out. A database that
    # cannot be read is neither: its runs are kept, and the forecast refused.
    staged = tmp_path / ".intC.partial" / "runs.sqlite"
    staged.parent.mkdir()
    if left == "not a database":
        staged.write_bytes(b"half a page")
    elif left == "no sweep":
        sqlite3.connect(staged).execute("CREATE TABLE notes (text)").connection.close()
    else:
        shutil.copy(tiny / "runs.sqlite", staged)
    scale = "scale=0.03" if left == "another configuration" else "scale=0.02"
    if left == "another version":
        con = sqlite3.connect(staged)
        con.execute("UPDATE meta SET value = '0.4.0' WHERE key = 'terrasim_version'")
        con.commit()
        con.close()
    args = ["forecast", "-r", 2, "--months", 3, "--set", scale, "--no-pdf", "--out", "intC", "--progress", "never"]
    if left == "not a database":
        proc = terrasim(*args, cwd=tmp_path, check=2)
        assert proc.stderr == (f"terrasim: --out intC: the runs in {staged}, left by an interrupted forecast, cannot "
                               "be read (file is not a database); they are kept, and neither reused nor discarded: "
                               "move the file away, or write the report to another folder\n")
        assert staged.read_bytes() == b"half a page"
        assert sorted(p.name for p in tmp_path.iterdir()) == [".intC.partial"]
        return
    proc = terrasim(*args, cwd=tmp_path, check=0)
    why = {"another configuration": "scenario baseline, pacte had another configuration",
           "another version": "made by terrasim 0.4.0", "no sweep": "not a sweep database"}.get(left)
    if why is None:
        assert "0 runs done, 4 already in" in proc.stderr and "discarding" not in proc.stderr
    else:
        assert (f"terrasim forecast: the runs in {staged}, left by an interrupted forecast, do not fit this one "
                f"({why}); discarding them") in proc.stderr
        assert "4 runs done, 0 already in" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intC"]


@pytest.mark.parametrize("char", ["#", "?", "%41"])
@pytest.mark.parametrize("runs", ["interrupted", "previous report"])
def test_runs_in_a_folder_whose_name_holds_a_uri_character_are_reused(tiny, tmp_path, char, runs):
    # file:PATH?mode=ro, unescaped: SQLite opened PATH cut at # or ?, or with %41 read as A, read-write (an empty
    # file made there), and the runs were "unreadable" and discarded (or not reused from a previous report).
    out = tmp_path / f"r{char}1"
    if runs == "interrupted":
        (tmp_path / f".{out.name}.partial").mkdir()
        shutil.copy(tiny / "runs.sqlite", tmp_path / f".{out.name}.partial" / "runs.sqlite")
    else:
        shutil.copytree(tiny, out)
    log = io.StringIO()
    terrasim.forecast(**TINY, out=out, log=log)
    assert "0 runs done, 4 already in" in log.getvalue(), log.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no stray file
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("runs")) == ["runs.sqlite"]


def test_a_database_error_of_a_forecast_without_db_names_its_database(tmp_path, monkeypatch):
    def refusing(*args, db, **kwargs):
        raise terrasim.SweepError("this sweep database was started with base seed 3, not 1")
    monkeypatch.setattr(FORECAST, "sweep", refusing)
    with pytest.raises(ForecastError) as info:
        terrasim.forecast(**TINY, out=tmp_path / "r", log=io.StringIO())
    assert str(info.value) == ("this sweep database was started with base seed 3, not 1 (the forecast's database: "
                               f"{tmp_path / '.r.partial' / 'runs.sqlite'})")


def test_a_second_forecast_into_the_same_out_is_refused_while_the_first_writes(terrasim, terrasim_bin, tmp_path):
    # Only the runs were under a lock (the sweep's): two forecasts into one --out both cleared, wrote and renamed
    # the staging folder's report, and one died ("No such file ... .conc.partial/report.html", or an
    # sqlite3.OperationalError traceback).
    args = ["forecast", "-r", "30", "--set", "scale=0.05", "--no-pdf", "--out", "conc", "--progress", "never"]
    lock = tmp_path / ".conc.lock"

    def holder():
        try:
            return lock.read_text()
        except FileNotFoundError:
            return ""
    first = subprocess.Popen([str(terrasim_bin), *args], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and first.poll() is None and "pid" not in holder():
            time.sleep(0.01)
        assert first.poll() is None and holder() == f"pid {first.pid} on {socket.gethostname()}\n", \
            "the first forecast ended before it held its lock"
        second = terrasim(*args, cwd=tmp_path)
        running = first.poll() is None
        assert second.returncode == 2 and second.stderr == (
            f"terrasim: --out conc: another forecast is writing this report (pid {first.pid} on "
            f"{socket.gethostname()}): wait until it ends, or write the report to another folder\n"), second.stderr
        assert running, "the first forecast ended before the second was refused: make it longer"
        _, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert first.returncode == 0, err
    assert "60 runs done, 0 already in" in err
    assert (tmp_path / "conc" / "report.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conc"]  # no lock, no staging left


def test_a_forecast_killed_mid_way_resumes_from_its_finished_runs(terrasim, terrasim_bin, tmp_path):
    # The README promised it; nothing tested it. Killed (-9) once some runs are in the staging folder's
    # database, the same command runs only the others and writes the report in place of the staging folder.
    args = ["forecast", "-r", "30", "--set", "scale=0.2", "--no-pdf", "--out", "report", "--progress", "never"]
    staged = tmp_path / ".report.partial" / "runs.sqlite"
    proc = subprocess.Popen([str(terrasim_bin), *args], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and finished_runs(staged) < 4:
        time.sleep(0.01)
    assert proc.poll() is None, "the forecast ended before it could be killed: make it longer"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = finished_runs(staged)
    assert 4 <= kept < 60 and not (tmp_path / "report").exists()
    done = terrasim(*args, cwd=tmp_path, check=0)
    assert f"{60 - kept} runs done, {kept} already in" in done.stderr
    assert (tmp_path / "report" / "report.html").is_file() and not staged.parent.exists()


# -- what a forecast makes beside --out: never followed, never another user's ---------------------------------

def _chown_to_nobody(path):
    """Gives `path` (not followed) and what it holds to the user nobody; a skip where this user cannot."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to give a folder to another user")
    for top, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(top, name), 65534, 65534)
    os.lchown(path, 65534, 65534)


@pytest.mark.parametrize("case, with_db", [
    (case, with_db) for case in ["link to a folder", "dangling link", "another user's folder", "a file",
                                 "a link in place of its database"]
    for with_db in [False, True]
    if not (with_db and case == "a link in place of its database")])  # with --db, the staging's is not used
def test_a_staging_folder_that_is_not_this_users_own_is_refused_and_left_as_it_was(tiny, terrasim, tmp_path, case,
                                                                                  with_db):
    # A link at .rep.partial (which another user can make in a sticky folder such as /tmp) was taken for the
    # staging folder: what it pointed to was cleared, the report written there and the link renamed to rep,
    # exit 0. Another user's leftover .rep.partial, with its runs.sqlite, was reused (as root).
    data = tmp_path / "rootdata"
    data.mkdir()
    (data / "keep.txt").write_text("secret")
    staging = tmp_path / ".rep.partial"
    if case == "link to a folder":
        staging.symlink_to(data)
        why = "it is a symbolic link"
    elif case == "dangling link":
        staging.symlink_to(tmp_path / "nowhere")
        why = "it is a symbolic link"
    elif case == "another user's folder":
        staging.mkdir()
        shutil.copy(tiny / "runs.sqlite", staging / "runs.sqlite")
        _chown_to_nobody(staging)
        why = "it belongs to another user (uid 65534)"
    elif case == "a file":
        staging.write_text("mine")
        why = "it is not a folder"
    else:
        staging.mkdir()
        (staging / "runs.sqlite").symlink_to(data / "keep.txt")
    before = _tree(tmp_path)
    db = ["--db", "mine.sqlite"] if with_db else []
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--progress", "never",
                    "--out", "rep", *db, cwd=tmp_path, check=2)
    if case == "a link in place of its database":
        assert proc.stderr == (f"terrasim: --out rep: {staging / 'runs.sqlite'} is not a file (a symbolic link, a "
                               "folder): not a database a forecast wrote, and it is not followed; move it away, or "
                               "write the report to another folder\n")
    else:
        assert proc.stderr == (f"terrasim: --out rep: {staging}, where a forecast assembles its report, is not a "
                               f"folder this user's forecast made ({why}); it is neither followed nor cleared: move "
                               "it away, or write the report to another folder\n")
    assert _tree(tmp_path) == before  # nothing cleared, nothing written; no lock left


def test_a_report_set_aside_by_another_user_is_left_as_it_is(tiny, tmp_path):
    # Those .NAME.old-* another user's forecast left (or another user made) were removed, as root, with what
    # they held.
    shutil.copytree(tiny, tmp_path / ".r.old-5")
    _chown_to_nobody(tmp_path / ".r.old-5")
    (tmp_path / ".r.old-6").symlink_to(tiny)
    log = io.StringIO()
    terrasim.forecast(**TINY, out=tmp_path / "r", log=log)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.old-5", ".r.old-6", "r"]
    assert f"a previous report is left in {tmp_path / '.r.old-5'}, which could not be removed (it belongs to " \
           "another user (uid 65534))" in log.getvalue()
    assert f"a previous report is left in {tmp_path / '.r.old-6'}, which could not be removed (it is a symbolic " \
           "link)" in log.getvalue()
    assert (tiny / "report.html").is_file() and (tmp_path / ".r.old-5" / "report.html").is_file()


def test_a_previous_report_is_set_aside_under_a_free_name(tiny, tmp_path, monkeypatch):
    # .NAME.old-PID was renamed over: an empty folder of that name (another user's too, as root) was replaced,
    # and one holding files failed the forecast once its runs were made (Directory not empty).
    monkeypatch.setattr(FORECAST, "_exchange", lambda a, b: False)  # the previous report renamed aside first
    shutil.copytree(tiny, tmp_path / "r")
    taken = [f".r.old-{os.getpid()}", f".r.old-{os.getpid()}1"]
    (tmp_path / taken[0]).mkdir()
    (tmp_path / taken[0] / "notes.txt").write_text("mine")
    (tmp_path / taken[1]).symlink_to(tmp_path / "nowhere")
    if os.geteuid() == 0:
        taken.append(f".r.old-{os.getpid()}2")
        (tmp_path / taken[2]).mkdir()
        _chown_to_nobody(tmp_path / taken[2])
    before = _tree(tmp_path)
    log = io.StringIO()
    terrasim.forecast(**{**TINY, "lang": "en"}, out=tmp_path / "r", log=log)
    assert 'lang="en"' in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(taken + ["r"])
    assert {k: v for k, v in _tree(tmp_path).items() if not k.startswith("r")} == \
        {k: v for k, v in before.items() if not k.startswith("r")}


def test_a_lock_path_beside_out_that_is_a_link_is_refused_and_left_as_it_was(terrasim, tmp_path):
    # .rep.lock was opened following the link: the user's notes.txt was overwritten with "pid N on HOST", and
    # the link removed. (Every kind of path refused: test_sweep_inputs, for the sweep's lock, the same code.)
    (tmp_path / "notes.txt").write_text("precious")
    (tmp_path / ".rep.lock").symlink_to("notes.txt")
    before = _tree(tmp_path)
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--out", "rep",
                    cwd=tmp_path, check=2)
    assert proc.stderr == (f"terrasim: --out rep: cannot write the report ({tmp_path / '.rep.lock'}: it is a "
                           "symbolic link: not a lock file of this user's, which a lock file must be (it is written "
                           "and removed); move it away)\n")
    assert _tree(tmp_path) == before


def test_only_reports_set_aside_are_taken_for_leftovers(tiny, tmp_path):
    # Any name that began with .r.old- was: another --out named r.old-v1 has its staging folder .r.old-v1.partial
    # (holding a report and its runs: removed) and its lock .r.old-v1.lock (named in a warning).
    shutil.copytree(tiny, tmp_path / ".r.old-v1.partial")
    (tmp_path / ".r.old-v1.lock").write_text("pid 1 on host\n")
    shutil.copytree(tiny, tmp_path / ".r.old-12x")
    shutil.copytree(tiny, tmp_path / ".r.old-12")  # set aside by a forecast: removed
    before = _tree(tmp_path)
    log = io.StringIO()
    terrasim.forecast(**TINY, out=tmp_path / "r", log=log)
    assert "warning" not in log.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.old-12x", ".r.old-v1.lock", ".r.old-v1.partial", "r"]
    assert {k: v for k, v in _tree(tmp_path).items() if not k.startswith("r")} == \
        {k: v for k, v in before.items() if not k.startswith(".r.old-12/") and k != ".r.old-12"}


@pytest.mark.parametrize("where", [".rep.partial/mine.sqlite", ".rep.partial", ".rep.lock", ".rep",
                                   ".rep.old-12/mine.sqlite", "link.sqlite"])
def test_a_db_among_what_the_forecast_writes_beside_out_is_refused_before_anything_runs(terrasim, tmp_path,
                                                                                         where):
    # --db .rep.partial/mine.sqlite: exit 0, mine.sqlite deleted with the staging folder's other files, and
    # forecast.json naming a file that no longer existed.
    (tmp_path / ".rep.partial").mkdir()
    (tmp_path / ".rep.old-12").mkdir()
    (tmp_path / "link.sqlite").symlink_to(".rep.partial/mine.sqlite")
    before = _tree(tmp_path)
    staging, lock = tmp_path / ".rep.partial", tmp_path / ".rep.lock"
    inside = f"inside the staging folder {staging}, which a forecast clears and puts in place of --out"
    clash = {".rep.partial/mine.sqlite": inside, ".rep.partial": inside, "link.sqlite": inside,
             ".rep.lock": f"the lock file of the forecast ({lock}), which it writes and removes",
             ".rep": f"a database whose lock file would be the forecast's ({lock})",
             ".rep.old-12/mine.sqlite": f"inside {tmp_path / '.rep.old-12'}, a previous report set aside, which a "
                                        "forecast removes"}[where]
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--out", "rep",
                    "--db", where, cwd=tmp_path, check=2)
    assert proc.stderr == (f"terrasim: --db {where}: {clash}; leave --db out (the report keeps its runs in "
                           "runs.sqlite) or choose another place\n")
    assert _tree(tmp_path) == before


def test_a_db_that_is_out_itself_is_refused_before_anything_runs(terrasim, tmp_path):
    # --out rep --db rep (rep not made yet): the runs were made into a file rep, then "--out rep: exists and is
    # not a folder; ... the same command puts it in place", which failed the same way at once, every time.
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--out", "rep",
                    "--db", "rep", cwd=tmp_path, check=2)
    assert proc.stderr.startswith(f"terrasim: --db rep: inside the report folder {tmp_path / 'rep'}, which a "
                                  "forecast replaces whole; "), proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option, where", [("--out", "rep/sub/x"), ("--out", "rep/charts"), ("--out", "link/x"),
                                            ("--out", ".rep.old-12/x"), ("--db", "rep/mine.sqlite"),
                                            ("--db", "rep/sub/mine.sqlite"), ("--db", "rep/charts/runs.sqlite")])
def test_an_out_or_a_db_inside_a_report_is_refused_before_anything_runs(tiny, terrasim, tmp_path, option, where):
    # --out rep/sub/x, rep a report: the report was written into rep/sub/x (its staging folder and lock in
    # rep/sub), and the next forecast into rep was refused, rep holding what its report did not write (sub/).
    shutil.copytree(tiny, tmp_path / "rep")
    shutil.copytree(tiny, tmp_path / ".rep.old-12")  # a report set aside is a report too
    (tmp_path / "link").symlink_to("rep")
    before = _tree(tmp_path)
    report = tmp_path / where.split("/")[0] if where[0] == "." else tmp_path / "rep"
    args = ["--out", where] if option == "--out" else ["--out", "other", "--db", where]
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", *args, cwd=tmp_path,
                    check=2)
    assert proc.stderr == (
        f"terrasim: --out {where}: inside the forecast report {report}, which a forecast replaces whole (its "
        "forecast.json lists what it may hold): choose a folder outside that report\n" if option == "--out" else
        f"terrasim: --db {where}: inside the forecast report {report}, which a forecast replaces whole; leave --db "
        "out (the report keeps its runs in runs.sqlite) or choose another place\n")
    assert _tree(tmp_path) == before


def test_a_reports_own_database_is_refused_as_db_and_a_copy_of_it_serves(tiny, terrasim, tmp_path):
    # The same runs reported in another language: --db rep/runs.sqlite would add to rep's database the runs the
    # new report lacks (a third replicate here), under rep's feet and without its lock, and rep would then say
    # it was made of fewer runs than its database holds. Refused, saying how: a copy serves, rep stays as it was.
    shutil.copytree(tiny, tmp_path / "rep")
    before = _tree(tmp_path)
    proc = terrasim("forecast", "-r", 3, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--lang", "en", "--out",
                    "rep-en", "--db", "rep/runs.sqlite", cwd=tmp_path, check=2)
    assert proc.stderr == (f"terrasim: --db rep/runs.sqlite: the database of the forecast report {tmp_path / 'rep'}, "
                           "which this forecast would write to (the runs it lacks) while that report stands on it; "
                           "to report its runs again, give a copy of it: cp rep/runs.sqlite runs-copy.sqlite, then "
                           "--db runs-copy.sqlite\n")
    assert _tree(tmp_path) == before
    shutil.copy(tmp_path / "rep" / "runs.sqlite", tmp_path / "runs-copy.sqlite")
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--lang", "en", "--out",
                    "rep-en", "--db", "runs-copy.sqlite", cwd=tmp_path, check=0)
    assert f"0 runs done, 4 already in {tmp_path / 'runs-copy.sqlite'}, 4 in all" in proc.stderr
    assert 'lang="en"' in (tmp_path / "rep-en" / "report.html").read_text(encoding="utf-8")
    assert _tree(tmp_path / "rep") == _tree(tiny)  # the report, its database too, as it was


@pytest.mark.parametrize("notes", [False, True])
def test_an_out_that_holds_a_report_lower_down_is_refused_as_no_report(tiny, terrasim, tmp_path, notes):
    # The converse: a folder that holds a report (with other files or none) is not one, and a forecast, which
    # replaces its folder whole, would remove the report in it with the rest.
    shutil.copytree(tiny, tmp_path / "parent" / "rep")
    if notes:
        (tmp_path / "parent" / "notes.txt").write_text("mine")
    before = _tree(tmp_path)
    proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--out", "parent",
                    cwd=tmp_path, check=2)
    assert proc.stderr == ("terrasim: --out parent: the folder exists and is not a forecast report (no "
                           "forecast.json); choose another folder: a forecast replaces its folder whole\n")
    assert _tree(tmp_path) == before


def test_a_staging_folder_this_process_makes_is_its_own_whoever_the_file_system_says_owns_it(tmp_path,
                                                                                             monkeypatch):
    # On a share that gives new files another owner (NFS's root_squash, a CIFS mount's uid=), the staging
    # folder a forecast had just made was refused as another user's once its runs were made. Such a share is
    # mimicked by an effective uid that no file here has.
    monkeypatch.setattr(os, "geteuid", lambda: 4242)
    terrasim.forecast(**TINY, out=tmp_path / "r", log=io.StringIO())
    assert (tmp_path / "r" / "report.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_files_put_in_out_while_the_runs_were_made_refuse_the_swap_and_stay(tiny, tmp_path, monkeypatch):
    # The folder was checked before the runs only: notes put in it meanwhile went with the previous report into
    # the hidden .r.old-PID, and the warning said "remove it yourself".
    out = tmp_path / "r"
    shutil.copytree(tiny, out)
    before = _tree(out)
    sweep = FORECAST.sweep

    def sweeping(*args, **kwargs):
        summary = sweep(*args, **kwargs)
        (out / "notes.txt").write_text("mine")
        return summary
    monkeypatch.setattr(FORECAST, "sweep", sweeping)
    with pytest.raises(ForecastError) as info:
        terrasim.forecast(**{**TINY, "overrides": ["scale=0.03"]}, out=out, log=io.StringIO())
    staging = tmp_path / ".r.partial"
    assert str(info.value) == (f"--out {out}: this forecast report holds what its report did not write (notes.txt); a "
                               "forecast replaces its folder whole: move them out of it, or choose another folder; "
                               f"the new report waits in {staging}: the same command puts it in place, reusing its "
                               "runs")
    assert _tree(out) == {**before, "notes.txt": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".r.partial", "r"]
    assert (staging / "report.html").is_file()
    monkeypatch.setattr(FORECAST, "sweep", sweep)
    (out / "notes.txt").rename(tmp_path / "notes.txt")
    log = io.StringIO()
    terrasim.forecast(**{**TINY, "overrides": ["scale=0.03"]}, out=out, log=log)
    assert "0 runs done, 4 already in" in log.getvalue() and "warning" not in log.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "r"]


@pytest.mark.parametrize("kind", ["tmpfs", "bind mount"])
def test_an_out_that_is_a_mount_point_is_refused_before_the_runs(terrasim, tmp_path, kind):
    # Refused only once every run was made ("Device or resource busy ... the same command resumes"), and so
    # every time after.
    out = tmp_path / "rep"
    out.mkdir()
    mount = ["mount", "-t", "tmpfs", "none", str(out)] if kind == "tmpfs" else ["mount", "--bind", str(out), str(out)]
    try:
        mounted = subprocess.run(mount, capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("no mount program")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here: {mounted.stderr.strip()}")
    try:
        proc = terrasim("forecast", "-r", 2, "--months", 3, "--set", "scale=0.02", "--no-pdf", "--out", "rep",
                        cwd=tmp_path, check=2)
        assert proc.stderr == (f"terrasim: --out rep: {out} is a mount point, which a forecast cannot replace (it "
                               "renames the new report into the folder's place): write the report to a folder "
                               "inside it\n")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"] and not any(out.iterdir())
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_the_staging_folder_keeps_only_its_database_and_journals(tiny, tmp_path):
    # Every name that began with runs.sqlite was kept: a runs.sqlite.copy left by a copy cut short went into the
    # report, and the next forecast refused the folder for holding what its report did not write.
    staging = tmp_path / ".r.partial"
    staging.mkdir()
    shutil.copy(tiny / "runs.sqlite", staging / "runs.sqlite")
    (staging / "runs.sqlite.copy").write_bytes(b"half a copy")
    (staging / "runs.sqlite-old").write_bytes(b"?")
    (staging / "report.html").write_text("half a page")
    log = io.StringIO()
    terrasim.forecast(**TINY, out=tmp_path / "r", log=log)
    assert "0 runs done, 4 already in" in log.getvalue()
    marker, _ = FORECAST.read_marker(tmp_path / "r")
    assert FORECAST.foreign_entries(tmp_path / "r", marker) == []
    assert not any(p.name.startswith("runs.sqlite.") or p.name == "runs.sqlite-old" for p in (tmp_path / "r").iterdir())
    terrasim.forecast(**{**TINY, "lang": "en"}, out=tmp_path / "r", log=io.StringIO())  # not refused


def test_a_copy_of_the_previous_reports_runs_cut_short_is_made_again(tiny, tmp_path):
    shutil.copytree(tiny, tmp_path / "r")
    (tmp_path / ".r.partial").mkdir()
    (tmp_path / ".r.partial" / "runs.sqlite.copy").write_bytes(b"half a copy")
    log = io.StringIO()
    terrasim.forecast(**TINY, out=tmp_path / "r", log=log)
    assert "0 runs done, 4 already in" in log.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_a_forecast_writes_its_report_and_database_at_paths_that_are_not_utf8(tmp_path):
    # Linux file names are bytes: 0xe9 is no UTF-8, and Python names it with a surrogate escape ('\udce9')
    folder = tmp_path / os.fsdecode(b"f\xe9")
    folder.mkdir()

    def shown(path):  # how text names it: its bytes that are not UTF-8 as \xNN
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    out, db = folder / os.fsdecode(b"report\xe9"), folder / os.fsdecode(b"runs\xe9.sqlite")
    for given in (str, os.fsencode, pathlib.Path):
        log = io.StringIO()
        result = terrasim.forecast(**TINY, out=given(out), db=given(db), log=log)
        assert (result.out, result.db) == (out, db)
        assert f"already in {shown(db)}, 4 in all" in log.getvalue()
        page = (out / "report.html").read_bytes().decode("utf-8")  # UTF-8 text
        assert shown(db) in page
        marker = json.loads((out / "forecast.json").read_bytes().decode("utf-8"))
        assert marker["database"] == shown(db)
    log = io.StringIO()
    alone = folder / os.fsdecode(b"alone\xe9")
    terrasim.forecast(**TINY, out=os.fsencode(alone), log=log)  # the runs in the report folder
    assert f"4 runs done, 0 already in {shown(alone / 'runs.sqlite')}, 4 in all" in log.getvalue()
    assert json.loads((alone / "forecast.json").read_bytes().decode("utf-8"))["database"] == "runs.sqlite"
    # refusals name the path with the byte as \xe9
    with pytest.raises(ForecastError, match=re.escape(f"--db {shown(out)}: inside the report folder")):
        terrasim.forecast(**TINY, out=out, db=out)


def _words_as_bash_reads_them(command: str) -> list:
    """The arguments that bash passes to `terrasim` in `command`, as bytes."""
    proc = subprocess.run(["bash", "-c", "terrasim() { printf '%s\\0' \"$@\"; }; " + command],
                          capture_output=True, check=True)
    return proc.stdout.split(b"\0")[:-1]


def test_shell_words_name_the_same_bytes_when_pasted_into_bash():
    from terrasim._paths import shell_word
    for arg in [os.fsdecode(b"f\xe9/sc\xe9.yaml"), os.fsdecode(b"it's \\x41 \xff\xfe a\x01b\nc\x7f"),
                "plain.yaml", "with space's.yaml", "é/ü.yaml", os.fsdecode(b"\xe9a9")]:
        for given in (arg, os.fsencode(arg), pathlib.Path(arg)):
            assert _words_as_bash_reads_them("terrasim " + shell_word(given)) == [os.fsencode(arg)], arg
    assert shell_word("plain.yaml") == "plain.yaml"  # shlex.quote's word where it serves
    assert shell_word(os.fsdecode(b"f\xe9.yaml")) == "$'f\\xe9.yaml'"


def test_the_reports_command_names_scenario_files_that_are_not_utf8(tmp_path):
    # The report's "make this report again" command, pasted into bash, names the files the forecast read: their
    # bytes that are not UTF-8 were written \xe9 in plain quotes, which names another file.
    folder = tmp_path / os.fsdecode(b"f\xe9")
    folder.mkdir()
    shutil.copy(AMIENS / "baseline.yaml", folder / "baseline.yaml")
    pact = folder / os.fsdecode(b"pac\xe9.yaml")
    shutil.copy(AMIENS / "pacte.yaml", pact)
    out = tmp_path / "r"
    terrasim.forecast([os.fsencode(folder / "baseline.yaml"), pathlib.Path(pact)], **TINY, out=out, log=io.StringIO())
    page = (out / "report.html").read_text(encoding="utf-8")
    command = next(html.unescape(c) for c in re.findall(r'<pre class="command">(.*?)</pre>', page, re.S)
                   if "terrasim forecast" in c)
    words = _words_as_bash_reads_them(command)
    assert words[:3] == [b"forecast", os.fsencode(folder / "baseline.yaml"), os.fsencode(pact)]
    assert words[3:] == [b"--replicates", b"2", b"--seed", b"1", b"--set", b"scale=0.02", b"--set", b"months=3",
                         b"--lang", b"fr"]


def test_a_forecast_says_what_it_discards_at_a_path_that_is_not_utf8_into_a_strict_log(tiny, tmp_path):
    # The lines a forecast logs as it goes (runs discarded, a previous report left) named their paths as Python
    # holds them, with surrogate escapes: a log that encodes strictly (a file opened with errors="strict") raised
    # UnicodeEncodeError part-way through the forecast. They name them as text does, \xe9.
    out = tmp_path / os.fsdecode(b"int\xe9")
    staged = tmp_path / os.fsdecode(b".int\xe9.partial") / "runs.sqlite"
    staged.parent.mkdir()
    shutil.copy(tiny / "runs.sqlite", staged)
    log = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    terrasim.forecast(**{**TINY, "overrides": ["scale=0.03"]}, out=out, log=log)
    text = log.buffer.getvalue().decode("utf-8")
    assert f"the runs in {tmp_path}/.int\\xe9.partial/runs.sqlite, left by an interrupted forecast, do not fit" in text
    assert "4 runs done, 0 already in" in text


def test_the_reports_command_names_a_scenario_file_whose_name_starts_with_a_dash(tmp_path, monkeypatch):
    # ./-b.yaml was written -b.yaml, which the command, pasted, read as an option ("unrecognized arguments").
    for name in ("baseline.yaml", "pacte.yaml"):
        shutil.copy(AMIENS / name, tmp_path / name)
    shutil.copy(AMIENS / "baseline.yaml", tmp_path / "-b.yaml")
    monkeypatch.chdir(tmp_path)
    terrasim.forecast(["./-b.yaml", "pacte.yaml"], **TINY, out="r", log=io.StringIO())
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    command = next(html.unescape(c) for c in re.findall(r'<pre class="command">(.*?)</pre>', page, re.S)
                   if "terrasim forecast" in c)
    assert _words_as_bash_reads_them(command)[:3] == [b"forecast", b"./-b.yaml", b"pacte.yaml"]


def test_a_browser_whose_name_is_not_utf8_that_fails_leaves_the_report_without_pdf(tiny, tmp_path, monkeypatch):
    # "no PDF: ..." named the browser as Python holds its name: into a log that encodes strictly, it raised
    # UnicodeEncodeError, and the report was lost after its runs (an internal error).
    browser = tmp_path / os.fsdecode(b"chrom\xe9")
    browser.write_text("#!/nonexistent/interpreter\n")
    browser.chmod(0o755)
    monkeypatch.setenv("TERRASIM_CHROMIUM", str(browser))
    log = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    result = terrasim.forecast(**{**TINY, "pdf": True}, out=tmp_path / "r", log=log)
    text = log.buffer.getvalue().decode("utf-8")
    assert "terrasim forecast: no PDF: " in text and "chrom\\xe9" in text, text
    assert result.pdf is None and not (tmp_path / "r" / "report.pdf").exists()
