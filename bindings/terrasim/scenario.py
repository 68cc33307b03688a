"""Scenarios from files or dicts, with overrides, validated by the engine.

>>> sc = terrasim.Scenario.load("scenarios/dock/small.yaml", {"months": 24, "seed": 3})
>>> sc.config["workers"]
10000

Invalid input raises :class:`terrasim.ScenarioError`, a ``ValueError`` whose
``file``, ``line``, ``column``, ``path`` and ``message`` describe the first
problem and whose ``diagnostics`` lists them all.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, Iterable, Optional, Union

from . import _core
from ._paths import PathArg, fs_path

ScenarioError = _core.ScenarioError

Overrides = Union[None, Mapping[str, Any], Iterable[str]]


_MAX_DEPTH = 64  # the nesting a YAML scenario may have (the loader's limit; the engine refuses deeper dicts too)


def _unicode(text: str, where: str) -> str:
    """`text`, refused (ValueError naming `where`) if it holds a lone surrogate: no Unicode text, which the
    engine's UTF-8 cannot hold and YAML refuses too (``"\\uD800"``: "invalid unicode"). The engine said
    only "Unable to cast Python instance to C++ type", or that its function took other arguments."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise ValueError(f"{where}: the text holds a lone surrogate (U+{ord(text[e.start]):04X}, character "
                         f"{e.start + 1}), which is not Unicode: a scenario's text is UTF-8, as its files are") from None
    return text


def _plain(value: Any, path: str = "", depth: int = 0) -> Any:
    """Reduces NumPy scalars, tuples, Mappings, paths... to dict/list/str/int/float/bool/None."""
    if isinstance(value, str):
        return _unicode(value, path or "scenario")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value.bit_length() > 14_000:  # about 4,215 digits, under the 4,300 that Python writes an int with
            raise ValueError(f"{path or 'scenario'}: an integer of {value.bit_length():,} bits, more than any field "
                             "holds (a number is a double, at most about 1.8e308): give a text as a str")
        return int(value)
    if isinstance(value, float):
        return float(value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # NumPy scalar
        item = value.item()
        if type(item) is type(value):  # np.longdouble: no Python type holds it (item() gave it back)
            if isinstance(item, numbers.Real):
                return float(item)  # the engine's numbers are doubles, as it rounds a decimal text
            raise TypeError(f"{path or 'scenario'}: cannot use a value of type {type(value).__name__} in a scenario")
        return _plain(item, path)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    nested = isinstance(value, Mapping) or isinstance(value, Sequence) or hasattr(value, "tolist")
    if nested and depth >= _MAX_DEPTH:
        where = path[:200] + ("..." if len(path) > 200 else "") or "scenario"
        raise ValueError(f"{where}: nesting deeper than {_MAX_DEPTH} levels: a scenario never needs that many")
    if isinstance(value, Mapping):
        return {_unicode(str(k), f"a key of {path or 'the scenario'}"): _plain(v, f"{path}.{k}" if path else str(k), depth + 1)
                for k, v in value.items()}
    if nested:
        items = value.tolist() if hasattr(value, "tolist") else value
        return [_plain(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(items)]
    if hasattr(value, "strftime"):  # date, datetime, pandas Period/Timestamp: a month
        return value.strftime("%Y-%m")
    raise TypeError(f"{path or 'scenario'}: cannot use a value of type {type(value).__name__} in a scenario")


class _YamlText(str):
    """An override value already written as YAML text: a command line's (``--set path=value``, ``--grid``),
    which the engine reads as YAML (``0.02``, ``[1, 2]``, ``.inf``). Any other ``str`` is a string, kept as it
    is."""


def format_override_value(value: Any, path: str = "") -> str:
    """The YAML text of one override value (the engine parses the text after ``=`` as YAML).

    A ``str`` is a string, quoted so that YAML reads back exactly it (``"null"``, ``""``, ``"x #1"``,
    ``"a: b"`` would otherwise be read as null, nothing, ``x`` or refused), except a :class:`_YamlText`,
    which is YAML text already. `path`, the field it goes to, names it in errors.
    """
    if isinstance(value, _YamlText):
        return _unicode(str(value), path or "override")
    value = _plain(value, path)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        if not math.isfinite(value):
            return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan")
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list):  # YAML flow style
        return "[" + ", ".join(format_override_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_quoted(k)}: {format_override_value(v)}" for k, v in value.items()) + "}"


# What a YAML double-quoted scalar cannot hold as it is: the quote and the backslash, and any character
# outside printable ASCII (the printable others, "é", "→", are kept; see _escape).
_NEEDS_ESCAPE = re.compile(r'["\\]|[^\x20-\x7e]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: "re.Match[str]") -> str:
    ch = match.group()
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if ch.isprintable() or 0xD800 <= code <= 0xDFFF:  # a lone surrogate: refused before (_unicode)
        return ch
    # Control characters (which the engine refuses in its text), line and paragraph separators, the byte
    # order mark, format characters: YAML escapes, \uXXXX or \UXXXXXXXX.
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar that reads back as exactly `text`."""
    return '"' + _NEEDS_ESCAPE.sub(_escape, str(text)) + '"'


def _override_path(path: Any) -> str:
    """A key of an overrides dict: a field's path, as ``--set`` takes it before ``=``. Refused (TypeError,
    ValueError, naming the key) when it is no str, or holds ``=``: ``{"title=x": 1}`` was read back as the
    path ``title`` and the value ``x=1``. An empty one the engine refuses, located in ``overrides['']``."""
    where = f"overrides[{path!r}]"
    if not isinstance(path, str):
        raise TypeError(f"{where}: a key of an overrides dict is a field's path, a str (as --set takes it before "
                        f"`=`), found {type(path).__name__}")
    _unicode(path, where)
    if "=" in path:
        raise ValueError(f"{where}: a key of an overrides dict is a field's path, which holds no `=`: give the "
                         f"value as the key's value ({{{path.partition('=')[0]!r}: ...}})")
    return path


def override_list(overrides: Overrides) -> list[str]:
    """``{"a.b": 1}`` or ``["a.b=1"]`` as the engine's ``path=value`` assignments.

    A dict's values are Python values (a ``str`` is a string, as it is: ``{"title": "null"}``); the text
    after ``=`` of a list's, as of ``--set``, is YAML (``"title=null"`` is null). A dict's key that is no
    path is refused (TypeError, ValueError)."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        out = []
        for path, v in overrides.items():
            _override_path(path)
            out.append(f"{path}={format_override_value(v, path)}")
        return out
    if isinstance(overrides, str):
        return [_unicode(overrides, f"override {overrides!r}")]
    out = []
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
            raise TypeError(f"an override is a 'path=value' string, found {item!r}")
        out.append(_unicode(item, f"override {item!r}"))
    return out


def override_labels(overrides: Overrides) -> list[str]:
    """How errors name each override of :func:`override_list`: ``overrides['a.b']`` for a dict's (it was
    "--set #1", which a Python user never typed); for a list, nothing: the engine's "--set #N", which the
    command line's --set lists are."""
    if isinstance(overrides, Mapping):
        return [f"overrides[{path!r}]" for path in overrides]
    return []


class Scenario:
    """A validated scenario: the frozen configuration (every field present)."""

    __slots__ = ("_core", "overrides")

    def __init__(self, core: "_core.Scenario", overrides: Sequence[str] = ()):
        self._core = core
        self.overrides = tuple(overrides)

    # -- construction -------------------------------------------------------
    @classmethod
    def load(cls, path: PathArg, overrides: Overrides = None) -> "Scenario":
        """Loads a YAML file (``extends:`` resolved), applies overrides, validates.

        path: a str, bytes or an ``os.PathLike``, as ``open()`` takes it (a name that is not UTF-8 too: see
        :mod:`terrasim._paths`)."""
        ov = override_list(overrides)
        return cls(_core.load_scenario(fs_path(path), ov, override_labels(overrides)), ov)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any], overrides: Overrides = None,
                  source: str = "<dict>") -> "Scenario":
        """Validates a scenario given as a dict (as a YAML file would hold it, without ``extends``, which the
        engine refuses: ScenarioError)."""
        ov = override_list(overrides)
        return cls(_core.scenario_from_dict(_plain(document), ov, source, labels=override_labels(overrides)), ov)

    @classmethod
    def coerce(cls, scenario: "ScenarioLike", overrides: Overrides = None) -> "Scenario":
        """A Scenario from a Scenario, a path or a dict."""
        if isinstance(scenario, Scenario):
            return scenario.with_overrides(overrides) if overrides else scenario
        if isinstance(scenario, Mapping):
            return cls.from_dict(scenario, overrides)
        return cls.load(scenario, overrides)

    def with_overrides(self, overrides: Overrides, labels: Optional[Sequence[str]] = None) -> "Scenario":
        """A new scenario: this one's configuration with more overrides.

        labels: how errors name each override (default: as :func:`override_labels`).
        """
        ov = override_list(overrides)
        if not ov:
            return self
        core = _core.scenario_with_overrides(self._core, ov, override_labels(overrides) if labels is None
                                             else list(labels))
        return Scenario(core, self.overrides + tuple(ov))

    # -- what it is ---------------------------------------------------------
    @property
    def config(self) -> dict:
        """The complete configuration (defaults filled in), a fresh dict."""
        return json.loads(self._core.config_json())

    def to_json(self, indent: int = 2) -> str:
        return self._core.config_json(indent)

    model = property(lambda self: self._core.model, doc="the model's name")
    seed = property(lambda self: self._core.seed)
    months = property(lambda self: self._core.months)
    start = property(lambda self: self._core.start, doc="first month, YYYY-MM")
    title = property(lambda self: self._core.title)
    source = property(lambda self: self._core.source,
                      doc="the file loaded (as os.fsdecode names it: see terrasim._paths), or '<dict>'")
    files = property(lambda self: list(self._core.files))
    config_sha256 = property(lambda self: self._core.config_sha256)
    file_sha256 = property(lambda self: self._core.file_sha256)
    series_names = property(lambda self: list(self._core.series_names),
                            doc="the series a run of it records (its model declares them; nothing is simulated)")

    def __repr__(self) -> str:
        return (f"<terrasim.Scenario {self.title!r} model={self.model} months={self.months} "
                f"start={self.start} seed={self.seed} sha256={self.config_sha256[:12]}>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and other.config_sha256 == self.config_sha256

    def __hash__(self) -> int:
        return hash(self.config_sha256)

    def __reduce__(self):  # picklable: rebuilt from its configuration
        return (_from_config_json, (self._core.config_json(), self.source, self.overrides, list(self._core.files),
                                    self._core.file_sha256))


def _from_config_json(text: str, source: str, overrides: Sequence[str], files: Sequence[str] = (),
                      file_sha256: str = "") -> Scenario:
    return Scenario(_core.scenario_from_dict(json.loads(text), [], source, list(files), file_sha256), overrides)


ScenarioLike = Union[Scenario, str, bytes, os.PathLike, Mapping[str, Any]]


def load(scenario: ScenarioLike, overrides: Overrides = None) -> Scenario:
    """``terrasim.load(path_or_dict, overrides)``: a validated :class:`Scenario`."""
    return Scenario.coerce(scenario, overrides)


def validate(scenario: ScenarioLike, overrides: Overrides = None) -> Scenario:
    """Same as :func:`load`; raises :class:`ScenarioError` listing every problem."""
    return Scenario.coerce(scenario, overrides)
