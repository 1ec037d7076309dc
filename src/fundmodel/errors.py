"""Typed exceptions raised by fundmodel.

Every error a user can cause by what they wrote is a :class:`ScenarioError`. It carries one
:class:`Issue` per problem, each naming the file, line, column and dotted field path, e.g.::

    sanqiao.yaml:52:7 funding[3].uptake: Input should be less than or equal to 1
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FundmodelError", "Issue", "ScenarioError", "ModelError", "printable", "shorten",
           "quote", "shorten_quoted", "QUOTE_CHARS", "TargetNotMetError"]


class FundmodelError(Exception):
    """Base class of every exception fundmodel raises on purpose."""


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters, line breaks and lone surrogates written as escapes
    (``\\x1b``, ``\\n``, ``\\ud800``), so that an issue is always one line of plain text and
    never drives the terminal."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape",
                                                      "backslashreplace").decode("ascii"), text)


QUOTE_CHARS = 80
"""Longest user value a message quotes whole; a longer one is cut (:func:`shorten`)."""


def shorten(text: object, limit: int = QUOTE_CHARS) -> str:
    """``text`` as a message quotes it: whole up to ``limit`` characters, else its first
    ``limit`` characters, an ellipsis and its length (``aaaa… (5,000 characters)``), so that
    a 100 kB value gives a short message."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def quote(text: object, limit: int = QUOTE_CHARS) -> str:
    """``'text'``, or ``'its first 80 characters…' (5,000 characters)`` when longer."""
    text = str(text)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:limit]}…' ({len(text):,} characters)"


# a value quoted in a message: '...' or "..." (a repr), not an apostrophe inside a word
_QUOTED = re.compile(r"""(?<!\w)(['"])((?:(?!\1).|\1(?=\w))*)\1(?!\w)""")


def shorten_quoted(message: str, limit: int = QUOTE_CHARS) -> str:
    """``message`` with every quoted value longer than ``limit`` characters cut as
    :func:`quote` cuts it (the messages quote what the user wrote: a key, a name, a value)."""
    if len(message) <= limit:
        return message
    return _QUOTED.sub(lambda m: m.group(0) if len(m.group(2)) <= limit else
                       f"{m.group(1)}{m.group(2)[:limit]}…{m.group(1)} "
                       f"({len(m.group(2)):,} characters)", message)


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario.

    Attributes
    ----------
    path : str
        Dotted field path with list indexes, e.g. ``funding[3].uptake`` ('' for the whole file).
    message : str
        What is wrong, in words an analyst understands.
    file : str or None
        Where the scenario came from (a file name, ``--set``, or None for in-memory data).
    line, column : int or None
        1-based position in the file, when known.
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        """``file:line:column`` (as much of it as is known); a long ``--set`` value cut
        (:func:`shorten`)."""
        where = self.file or "<scenario>"
        if where.startswith("--set "):
            where = "--set " + shorten(where[len("--set "):])
        parts = [printable(where)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where, path = self.location(), printable(shorten(self.path, 2 * QUOTE_CHARS))
        message = printable(shorten_quoted(self.message))
        return f"{where} {path}: {message}" if path else f"{where}: {message}"


class ScenarioError(FundmodelError, ValueError):
    """A scenario could not be read or is not valid.

    ``str(err)`` is one line per issue; ``err.issues`` holds them as :class:`Issue` objects.
    """

    def __init__(self, issues: list[Issue]):
        if not issues:
            raise ValueError("ScenarioError needs at least one issue")
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class ModelError(FundmodelError):
    """The engine was asked for something it cannot compute (e.g. a bad ``draws`` argument)."""


class TargetNotMetError(ModelError):
    """A ``solve`` target that cannot be met within the lever's range: ``str(err)`` names the
    target and says why (the range searched, the closest point tried).
    :meth:`fundmodel.run.solve.Solution.require_met` raises it; ``solution`` is the answer
    with its notes."""

    def __init__(self, message: str, solution=None):
        super().__init__(message)
        self.solution = solution
