"""The council report of a forecast: numbers, charts, HTML, PDF.

    from terrasim import report
    analysis = report.analyse("runs.sqlite", spec, replicates=200)   # every number, as pandas tables
    fig = report.charts.unemployment_fan(analysis, "fr")              # a matplotlib Figure
    report.write_report(analysis, "folder", lang="fr")                # report.html, .pdf, charts/, tables/

:func:`terrasim.forecast` runs the sweep and calls these; the parts are here
for notebooks and for other reports.
"""
from __future__ import annotations

import pathlib
import sys
from typing import Any, Dict, Optional

from .._paths import fs_path, shown
from . import charts, summary
from .analysis import Analysis, AnalysisError, analyse, fieller_ratio, mean_interval
from .browser import BrowserError, find_chromium, print_pdf
from .locale import LANGUAGES, Locale
from .words import words


def write_report(analysis: Analysis, folder, lang: str = "fr", pdf: bool = True, log=None) -> Dict[str, Any]:
    """Writes report.html (and report.pdf when Chromium is there), charts/*.svg|png and tables/*.csv.

    Returns {"html": name, "pdf": name or None, "summary": [sentences], "files": [paths relative to folder]}.
    """
    from . import html
    log = log or sys.stderr
    folder = pathlib.Path(fs_path(folder))  # a path as open() takes it (terrasim._paths)
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    files = []
    for name, table in analysis.tables.items():
        table.to_csv(folder / "tables" / f"{name}.csv", index=False)
        files.append(f"tables/{name}.csv")
    for name, table in analysis.chart_data.items():
        table.to_csv(folder / "tables" / f"chart_{name}.csv", index=False)
        files.append(f"tables/chart_{name}.csv")
    svgs = {}
    for name, draw in charts.CHARTS.items():
        fig = draw(analysis, lang)
        paths = charts.save(fig, folder / "charts" / name)
        svgs[name] = paths["svg"].read_bytes()
        files += [f"charts/{name}.svg", f"charts/{name}.png"]
    sentences = summary.sentences(analysis, lang)
    # The page says what goes with it: a PDF only when one is printed, the database only when it is here.
    db_here = pathlib.Path(analysis.db).resolve().parent == folder.resolve()
    chromium = find_chromium() if pdf else None
    if pdf and chromium is None:
        print(f"terrasim forecast: {words(lang)['pdf_missing']}", file=log)

    def write_page(with_pdf: bool) -> None:
        (folder / "report.html").write_text(html.page(analysis, lang, svgs, sentences, pdf=with_pdf,
                                                      db_here=db_here), encoding="utf-8")

    write_page(chromium is not None)
    files.append("report.html")
    pdf_name: Optional[str] = None
    if chromium is not None:
        try:
            print_pdf(folder / "report.html", folder / "report.pdf", chromium)
            pdf_name = "report.pdf"
            files.append(pdf_name)
        except BrowserError as e:  # the report stands without its PDF, and no longer names one
            print(shown(f"terrasim forecast: no PDF: {e}"), file=log)  # it may name a file (terrasim._paths)
            write_page(False)
    return {"html": "report.html", "pdf": pdf_name, "summary": sentences, "files": files}


__all__ = ["Analysis", "AnalysisError", "BrowserError", "LANGUAGES", "Locale", "analyse", "charts",
           "fieller_ratio", "find_chromium", "mean_interval", "print_pdf", "summary", "write_report"]
