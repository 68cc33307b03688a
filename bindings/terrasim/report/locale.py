"""Numbers, dates and words of a report, in French or English.

Formatting is done here by hand rather than with the system's locales, which
a machine may not have installed: French writes ``12,5 %`` and ``13 200``
(narrow no-break spaces, U+202F) and ``décembre 2019``; English writes
``12.5%``, ``13,200`` and ``December 2019``. Negative numbers take a true
minus sign (U+2212).
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

import pandas as pd

LANGUAGES = ("fr", "en")

NNBSP = "\u202f"  # narrow no-break space: French thousands and before % and €
MINUS = "\u2212"
NBSP = "\u00a0"  # no-break space: French before : and inside « »

_FRENCH_SPACES = ((re.compile(r"[ \u00a0\u202f]+([;?!%])"), NNBSP + r"\1"),
                  (re.compile(r"[ \u00a0\u202f]+:(?=\s|$)"), NBSP + ":"),
                  (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
                  (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"))


def french_spaces(text: str) -> str:
    """French typography: no-break spaces before ``:`` and inside ``« »``, narrow ones before ``; ? ! %``.

    So that ``95 %`` and ``Écarts : moyenne`` never break across lines (a PDF split "Intervalle à 95 / %"
    and began a line with ": moyenne"). Applied where French text is written (words.FR, Locale.text).
    """
    for pattern, replacement in _FRENCH_SPACES:
        text = pattern.sub(replacement, text)
    return text

_MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
_MONTHS_SHORT = {
    "fr": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


class Locale:
    """Formats numbers, money, percentages and months for one language."""

    def __init__(self, lang: str):
        if lang not in LANGUAGES:
            raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, found {lang!r}")
        self.lang = lang
        self.decimal = "," if lang == "fr" else "."
        self.group = NNBSP if lang == "fr" else ","

    def text(self, text: str) -> str:
        """A text written in this language (a label, a quoted source): with French spacing in French."""
        return french_spaces(text) if self.lang == "fr" and isinstance(text, str) else text

    # -- numbers -------------------------------------------------------------
    def number(self, x: float, decimals: int = 0, sign: bool = False) -> str:
        """``12 345,6`` / ``12,345.6``; ``sign``: a + before positive numbers."""
        if missing(x):
            return "–"
        text = f"{round_half_up(abs(x), decimals):,.{decimals}f}"
        zero = float(text.replace(",", "")) == 0  # never "-0"
        if self.lang == "fr":
            text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        if zero:
            return text
        if x < 0:
            return MINUS + text
        return ("+" + text) if sign else text

    def percent_as_given(self, fraction: float, sign: bool = False) -> str:
        """A figure given by a person (a target, a level), with every decimal it has: 0.0975 -> ``9.75%``.

        Rounded to one decimal it would read ``9.8%``, another criterion than the one given.
        """
        return self.percent(fraction, exact_decimals(100 * fraction), sign)

    def percent(self, fraction: float, decimals: int = 1, sign: bool = False) -> str:
        """A fraction as a percentage: 0.125 -> ``12,5 %`` / ``12.5%``."""
        if missing(fraction):
            return "–"
        text = self.number(100 * fraction, decimals, sign)
        return f"{text}{NNBSP}%" if self.lang == "fr" else f"{text}%"

    def points(self, fraction: float, decimals: int = 1, sign: bool = True) -> str:
        """A difference of rates in percentage points: ``−1,2 point`` / ``−1.2 points``.

        `decimals` is a minimum: a difference that it would round to 0 gets more, so that its size and
        sign show (``+0.0040 points``, never ``0.00 points`` for a difference that is not 0).
        """
        if missing(fraction):
            return "–"
        decimals = enough_decimals([100 * fraction], decimals)
        text = self.number(100 * fraction, decimals, sign)
        value = float(round_half_up(abs(100 * fraction), decimals))
        if self.lang == "fr":
            return f"{text}{NNBSP}point" + ("s" if value >= 2 else "")
        return f"{text} point" + ("" if value == 1 else "s")

    def money(self, eur: float, sign: bool = False, millions: Optional[bool] = None) -> str:
        """Euros: millions with one decimal from a million up, else rounded to 3 significant digits;
        `millions` forces the one or the other (the figures of one row in one unit: "0,0 M€ ; 6,0 M€", not
        "0 € ; 6,0 M€")."""
        if missing(eur):
            return "–"
        if millions if millions is not None else abs(eur) >= 1e6:
            decimals = 1
            while decimals < 9 and eur != 0 and round_half_up(abs(eur) / 1e6, decimals) == 0:
                decimals += 1  # no sum that is not 0 written 0,0 M€
            text = self.number(eur / 1e6, decimals, sign)
            return f"{text}{NNBSP}M€" if self.lang == "fr" else _euro_prefix(text, "m")
        text = self.number(round_significant(eur, 3), 0, sign)
        return f"{text}{NNBSP}€" if self.lang == "fr" else _euro_prefix(text, "")

    def count(self, x: float, sign: bool = False, decimals: int = 0) -> str:
        """A number of people, jobs or firms: a whole number, unless it would read 0 without being 0.

        A mean of 0.4 jobs is written ``0.40``: rounded to ``0`` it would say "no job" beside a cost
        divided by those 0.4 jobs. Pass `decimals` from :func:`enough_decimals` to write a figure and its
        interval alike.
        """
        return self.number(x, enough_decimals([x], decimals), sign)

    # -- dates ---------------------------------------------------------------
    def month(self, month) -> str:
        """``décembre 2019`` / ``December 2019``."""
        p = pd.Period(month, freq="M")
        return f"{_MONTHS[self.lang][p.month - 1]} {p.year}"

    def month_short(self, month) -> str:
        p = pd.Period(month, freq="M")
        return f"{_MONTHS_SHORT[self.lang][p.month - 1]} {p.year}"

    def months_span(self, first, last) -> str:
        """The months first..last as words: ``octobre-décembre 2019`` or ``October to December 2019``."""
        a, b = pd.Period(first, freq="M"), pd.Period(last, freq="M")
        quarter = a.year == b.year and a.month % 3 == 1 and b.month == a.month + 2
        if quarter:
            q = b.month // 3
            if self.lang == "fr":
                return f"{q}{'er' if q == 1 else 'e'} trimestre {b.year}"
            return f"{['first', 'second', 'third', 'fourth'][q - 1]} quarter of {b.year}"
        if a.year == b.year:
            word = " à " if self.lang == "fr" else " to "
            return f"{_MONTHS[self.lang][a.month - 1]}{word}{self.month(b)}"
        word = " à " if self.lang == "fr" else " to "
        return f"{self.month(a)}{word}{self.month(b)}"

    def interval(self, low: str, high: str) -> str:
        """Two formatted bounds: ``[9,8 % ; 10,6 %]`` / ``[9.8%, 10.6%]``."""
        return f"[{low}{NNBSP};{NNBSP}{high}]" if self.lang == "fr" else f"[{low}, {high}]"

    def join(self, items) -> str:
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        word = " et " if self.lang == "fr" else " and "
        return ", ".join(items[:-1]) + word + items[-1]


def enough_decimals(values, decimals: int = 0, digits: int = 2) -> int:
    """The decimals with which to write all of `values`: `decimals`, or more where a value that is not 0
    would read as 0 (then enough for `digits` significant digits of the smallest such value)."""
    out = decimals
    for v in values:
        if missing(v) or v == 0 or float(f"{abs(v):.{decimals}f}") != 0:
            continue
        out = max(out, digits - 1 - int(math.floor(math.log10(abs(v)))))
    return out


def probability_decimals(values, decimals: int = 1, most: int = 6) -> int:
    """The decimals with which to write all of `values`, probabilities as percentages: `decimals`, or more
    where one that is not 0 would read 0% or one that is not 1 would read 100% (1 run in 500 has an
    interval from 0.04%, not from "0.0%"; 2,000 in 2,001 is no "100.0%")."""
    out = decimals
    for v in values:
        if missing(v):
            continue
        while out < most and ((v > 0 and round_half_up(100 * v, out) == 0)
                              or (v < 1 and round_half_up(100 * v, out) == 100)):
            out += 1
    return out


def exact_decimals(x: float, most: int = 6) -> int:
    """The fewest decimals that write `x` as it is (up to `most`): 9.75 -> 2, 10.0 -> 0."""
    if missing(x):
        return 0
    for d in range(most + 1):
        if abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x)):
            return d
    return most


def round_half_up(x: float, decimals: int = 0) -> Decimal:
    """`x` rounded to `decimals`, halves away from zero, as written: 564.5 -> 565, 0.125 -> 0.13.

    Python's round() rounds halves to even (564.5 -> 564, 527.5 -> 528) and works on the binary value
    (round(0.125, 2) is 0.12 but round(2.675, 2) is 2.67): a council reading "564" and "528" beside each
    other would see an inconsistency. The value's shortest repr is what was meant.
    """
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)


def round_significant(x: float, digits: int) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return float(round_half_up(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


def missing(x) -> bool:
    """None, NaN or an infinity: a value not to print."""
    try:
        return x is None or not math.isfinite(x)
    except TypeError:
        return True


def _euro_prefix(text: str, suffix: str) -> str:
    if text.startswith(MINUS) or text.startswith("+"):
        return f"{text[0]}€{text[1:]}{suffix}"
    return f"€{text}{suffix}"


def pick(texts, lang: str, default: Optional[str] = None) -> Optional[str]:
    """A text given either as a plain string or as ``{"fr": ..., "en": ...}``."""
    if texts is None:
        return default
    if isinstance(texts, str):
        return texts
    return texts.get(lang) or next(iter(texts.values()), default)
