"""Typed exceptions raised by fundmodel.

Every error a user can cause by what they wrote is a :class:`ScenarioError`. It carries one
:class:`Issue` per problem, each naming the file, line, column and dotted field path, e.g.::

    sanqiao.yaml:52:7 funding[3].uptake: Input should be less than or equal to 1
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FundmodelError", "Issue", "ScenarioError", "ModelError"]


class FundmodelError(Exception):
    """Base class of every exception fundmodel raises on purpose."""


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
        """``file:line:column`` (as much of it as is known)."""
        parts = [self.file or "<scenario>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


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
