"""Headless Chromium: the report's PDF, printed from its HTML.

Chromium runs with a fresh profile in a temporary folder and with its
background services (updates, sync, metrics, network time) off. Some of its
own services still try to reach Google's servers (an update check, the list
of signed-in accounts), so every host name is made unresolvable
(``--host-resolver-rules``): nothing leaves the machine while a report is
printed, and the report itself needs nothing from outside. ``TERRASIM_CHROMIUM``
names another browser binary.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile
from typing import List, Optional

#: Flags of every headless run (the report's tests use them too).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-extensions",
         "--disable-default-apps", "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
         "--disable-features=NetworkTimeServiceQuerying", "--host-resolver-rules=MAP * ~NOTFOUND"]


class BrowserError(RuntimeError):
    """Chromium ran and failed (the message holds the end of what it said)."""


def find_chromium() -> Optional[str]:
    """The Chromium (or Chrome) binary, or None when none is installed."""
    configured = os.environ.get("TERRASIM_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def command(chromium: str, profile: str, *extra: str) -> List[str]:
    return [chromium, *FLAGS, f"--user-data-dir={profile}", *extra]


def print_pdf(html_file, pdf_file, chromium: Optional[str] = None, timeout: float = 120) -> pathlib.Path:
    """Prints `html_file` to `pdf_file` (A4, as the page's print styles say); raises BrowserError."""
    chromium = chromium or find_chromium()
    if not chromium:
        raise BrowserError("Chromium is not installed")
    html_file, pdf_file = pathlib.Path(html_file).resolve(), pathlib.Path(pdf_file).resolve()
    try:
        with tempfile.TemporaryDirectory(prefix="terrasim-chromium-") as profile:
            args = command(chromium, profile, "--no-pdf-header-footer", f"--print-to-pdf={pdf_file}",
                           html_file.as_uri())
            try:
                proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise BrowserError(f"Chromium did not print {html_file.name} within {timeout:.0f} s") from None
    except OSError as e:  # no profile folder (TMPDIR), or a binary that does not start: the PDF alone is lost
        raise BrowserError(f"cannot run Chromium ({e.filename or chromium}: {e.strerror or e})") from None
    if proc.returncode != 0 or not pdf_file.is_file() or pdf_file.read_bytes()[:5] != b"%PDF-":
        tail = "\n".join(proc.stderr.splitlines()[-5:])
        raise BrowserError(f"Chromium could not print {html_file.name} (exit {proc.returncode}): {tail}")
    return pdf_file
