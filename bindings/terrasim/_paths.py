"""File names that need not be UTF-8 (Linux takes any bytes but ``/`` and NUL).

Python names such a file with a str decoded with ``surrogateescape``
(``os.listdir`` gives ``'sc\\udce9.yaml'`` for the bytes ``sc\\xe9.yaml``): a
str that its file functions, and the engine's, take back as the same bytes,
but no Unicode text, which a message, a JSON or CSV file or an SQLite text
cannot hold. So, everywhere in terrasim:

- a path is taken as Python's ``open()`` takes it (:func:`fs_path`): a str,
  one decoded with surrogateescape too, bytes or an ``os.PathLike``; a path
  given back (``Scenario.source``, ``Diagnostic.file``) is the str that
  ``os.fsdecode`` makes, which names the same file;
- a path in text (messages, provenance, a sweep database's names) is written
  as :func:`shown` makes it: each byte that is not UTF-8 as ``\\xNN``
  (``sc\\xe9.yaml``), as Python's ``errors="backslashreplace"`` decodes it, and
  the engine writes it in a run's provenance and messages. A name that is
  UTF-8 is written as it is.
"""
from __future__ import annotations

import os
import shlex
from typing import Union

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def fs_path(path: PathArg) -> str:
    """`path` as the str ``os.fsdecode`` makes of it, which Python's file functions and the engine's take
    (TypeError for what is no path, as ``open()`` raises; ValueError for a NUL in it, which no file name
    holds)."""
    text = os.fsdecode(os.fspath(path))
    if "\0" in text:
        raise ValueError(f"{shown(text)!r}: a file name cannot hold a NUL character (embedded null byte)")
    return text


def shown(text: Union[PathArg, str]) -> str:
    """`text` (a path, or a message that names one) as Unicode text: the bytes of a file name that are not
    UTF-8 (surrogate escapes in a str) written ``\\xNN``; any other lone surrogate as ``\\udNNN``."""
    if isinstance(text, os.PathLike):
        text = os.fspath(text)
    if isinstance(text, bytes):
        return text.decode("utf-8", "backslashreplace")
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no byte was decoded to
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ShownMessage:
    """A base of terrasim's exceptions (before the builtin one: ``class SweepError(ShownMessage,
    RuntimeError)``) whose message, which may name a file, is made Unicode text with :func:`shown`."""

    def __init__(self, message: str = ""):
        super().__init__(shown(message))


def shell_word(arg: PathArg) -> str:
    """`arg` as one word of a shell command line that a reader may paste: ``shlex.quote``'s, or, where it holds
    bytes of a file name that are not UTF-8 (surrogate escapes in a str), bash's ANSI-C quoting, ``$'...'``,
    with those bytes as ``\\xNN`` (``$'f\\xe9/sc\\xe9.yaml'``), so that the command names the same file; the
    ``\\xNN`` that :func:`shown` writes would name another."""
    if isinstance(arg, os.PathLike):
        arg = os.fspath(arg)
    if isinstance(arg, bytes):
        arg = os.fsdecode(arg)
    if not any("\udc80" <= c <= "\udcff" for c in arg):
        return shlex.quote(arg)
    quoted = []
    for c in arg:
        if "\udc80" <= c <= "\udcff":
            quoted.append(f"\\x{ord(c) - 0xDC00:02x}")
        elif c in "\\'":
            quoted.append("\\" + c)
        elif c < " " or c == "\x7f":
            quoted.append(f"\\x{ord(c):02x}")
        else:
            quoted.append(c)
    return "$'" + "".join(quoted) + "'"
