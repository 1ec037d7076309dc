"""``applies_to``: the compounds a funding rule, a renovation item or an operating line exists
for (the others are as if it were not written).

Written as a list of compound ids (``[C0012, C0044]``) or as a condition on the compounds'
facts — the columns of a portfolio's compounds table, or the one compound's fields and
``attributes``::

    condition := clause ( " and " clause )*
    clause    := <column>                  a yes/no column (every value 0 or 1): true
               | "not" <column>            the same column false
               | <column> <op> <number>    op one of < <= > >= == !=

e.g. ``soe_dormitory``, ``not lifts_possible``, ``built_year < 2000 and households >= 50``.
The condition is read by hand (never evaluated as code); :func:`parse_condition` checks its
form when the scenario is read, :func:`applies_mask` evaluates it on the facts of every compound
(``(C,)`` booleans) — the compile step turns that into a 0/1 mask on the compound axis.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Sequence

import numpy as np
from pydantic import PlainValidator, WithJsonSchema

from ..io.issues import did_you_mean, fail
from ..io.limits import MAX_COMPOUNDS

__all__ = ["AppliesTo", "Clause", "AppliesToError", "parse_condition", "applies_mask", "TableFacts",
           "CompoundFacts", "OPERATORS", "TEXT_FIELDS", "MAX_CONDITION_CHARS"]

OPERATORS: tuple[str, ...] = ("<=", ">=", "==", "!=", "<", ">")
"""The comparison operators of a clause (the two-character ones first, as they are read)."""
TEXT_FIELDS: tuple[str, ...] = ("id", "name", "street", "neighbourhood", "tier_planned")
"""The compound's text facts (a condition compares numbers only)."""
MAX_CONDITION_CHARS = 1_000
"""Longest ``applies_to`` condition, characters."""

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal, "!=": np.not_equal}


def _well_formed(value: Any) -> str | list[str]:
    """An ``applies_to`` as written: a condition that parses, or a list of ids (its mistakes
    are located at the field, one issue each); the ids and columns are checked against the
    compounds when the scenario is (``Scenario._check_applies_to``)."""
    if isinstance(value, str):
        try:
            parse_condition(value)
        except AppliesToError as exc:
            raise fail(exc.message) from None
        return value
    if not isinstance(value, list):
        raise fail("give a list of compound ids ([C0012, C0044]) or a condition on the "
                   f"compounds' columns (\"built_year < 2000\"), got {type(value).__name__}")
    if not value:
        raise fail("an empty list applies to no compound: leave applies_to out, or name the "
                   "compounds")
    if len(value) > MAX_COMPOUNDS:
        raise fail(f"more than {MAX_COMPOUNDS:,} ids")
    for k, wanted in enumerate(value):
        if not isinstance(wanted, str) or not wanted:
            raise fail(f"a compound id is text, got {wanted!r} (quote an id that looks like a "
                       "number: '0012')", k)
    return value


AppliesTo = Annotated[
    list[str] | str, PlainValidator(_well_formed),
    WithJsonSchema({"anyOf": [
        {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
         "maxItems": MAX_COMPOUNDS},
        {"type": "string", "minLength": 1, "maxLength": MAX_CONDITION_CHARS}]})]
"""The type of an ``applies_to`` field: a list of compound ids, or a condition."""


class AppliesToError(ValueError):
    """A mistake in an ``applies_to``: its message and where below the field (``(k,)`` for the
    k-th id of a list, ``()`` for the condition)."""

    def __init__(self, message: str, *at: int):
        super().__init__(message)
        self.message, self.at = message, at


@dataclass(frozen=True)
class Clause:
    """One clause of a condition: ``column op number``, or a yes/no ``column`` (``op`` None)
    true, or false when ``negated``."""

    column: str
    op: str | None = None
    number: float | None = None
    negated: bool = False

    def __str__(self) -> str:
        if self.op is None:
            return f"not {self.column}" if self.negated else self.column
        return f"{self.column} {self.op} {self.number:g}"


def _clause(text: str) -> Clause:
    words = text.split()
    if not words:
        raise AppliesToError("an empty clause: write a condition on each side of 'and'")
    if words[0] in ("or", "and", "not") and len(words) == 1:
        raise AppliesToError(f"'{words[0]}' needs a column")
    if "or" in words:
        raise AppliesToError("only 'and' joins clauses (no 'or'): give the compounds as a "
                             "list of ids, or write two rules")
    negated = words[0] == "not"
    body = text.strip()[3:].strip() if negated else text.strip()
    match = re.match(r"[^\s<>=!]+", body)
    if match is None:
        raise AppliesToError(f"{body!r}: a clause starts with a column name")
    column, rest = match.group(0), body[match.end():].strip()
    if column in ("not", "and", "or"):
        raise AppliesToError(f"'{column}' where a column name is expected")
    if not rest:
        return Clause(column, negated=negated)
    op = next((o for o in OPERATORS if rest.startswith(o)), None)
    if op is None or rest[len(op):].lstrip()[:1] in tuple("<>=!"):    # '=', '<>', '==='
        bad = re.match(r"[<>=!][<>=!\s]*[<>=!]|[<>=!]+|\S+", rest).group(0)
        hint = " (== tests equality)" if bad in ("=", "=>", "=<", "<>") else ""
        raise AppliesToError(f"'{bad}' after '{column}' is not an operator; use one of "
                             f"< <= > >= == !={hint}")
    if negated:
        raise AppliesToError(f"'not' takes a yes/no column alone: write '{column} "
                             f"{_negate(op)} ...' instead of 'not {column} {op} ...'")
    value = rest[len(op):].strip()
    if not value:
        raise AppliesToError(f"'{column} {op}' needs a number after it")
    if not _NUMBER.fullmatch(value):
        raise AppliesToError(f"'{column} {op} {value}': '{value}' is not a number (clauses "
                             "are joined by 'and')")
    number = float(value)
    if not math.isfinite(number):
        raise AppliesToError(f"'{value}' is not a finite number")
    return Clause(column, op, number)


def _negate(op: str) -> str:
    return {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}[op]


def parse_condition(text: str) -> tuple[Clause, ...]:
    """The clauses of a condition (see the module docstring), in order.

    Raises
    ------
    AppliesToError
        The condition is malformed (the message says how).
    """
    if len(text) > MAX_CONDITION_CHARS:
        raise AppliesToError(f"longer than {MAX_CONDITION_CHARS:,} characters")
    if not text.strip():
        raise AppliesToError("an empty condition: give a condition on the compounds' columns "
                             "(built_year < 2000) or a list of ids")
    parts = re.split(r"\s+and\s+", f" {text} ")
    return tuple(_clause(part) for part in parts)


class TableFacts:
    """A compounds table's columns as the facts of its compounds."""

    def __init__(self, table):
        self.table = table
        self.ids = tuple(table.ids)

    def numeric(self, name: str) -> np.ndarray | None:
        """Column ``name`` as float64 ``(C,)``, or None when the table has no numeric column of
        that name."""
        from ..errors import ModelError
        try:
            return np.asarray(self.table.attribute(name), dtype=float)
        except ModelError:
            return None

    def is_text(self, name: str) -> bool:
        return name in TEXT_FIELDS or name in getattr(self.table, "text_columns", ())

    def names(self) -> list[str]:
        from .compound import ATTRIBUTES
        return [*ATTRIBUTES, "x_km", "y_km", *self.table.extra]

    def where(self, c: int) -> str:
        return f"compound {self.ids[c]!r} ({self.table.source} line {self.table.lines[c]})"

    what = "the compounds table has no column"


class CompoundFacts:
    """The one compound of a scenario (its fields and ``attributes``) as facts."""

    def __init__(self, compound):
        self.compound = compound
        self.ids = (compound.id,)

    def numeric(self, name: str) -> np.ndarray | None:
        value = self.compound.attribute(name)
        return None if value is None else np.array([value])

    def is_text(self, name: str) -> bool:
        return name in TEXT_FIELDS

    def names(self) -> list[str]:
        from .compound import ATTRIBUTES
        return [*ATTRIBUTES, *self.compound.attributes]

    def where(self, c: int) -> str:
        return "the compound"

    what = "the compound has no fact"


def _column(facts, clause: Clause) -> np.ndarray:
    name = clause.column
    values = facts.numeric(name)
    if values is None:
        if facts.is_text(name):
            raise AppliesToError(f"'{name}' holds text: a condition compares numbers or reads a "
                                 "yes/no column (give the compounds as a list of ids instead)")
        raise AppliesToError(f"{facts.what} {name!r}{did_you_mean(name, facts.names())}")
    empty = np.flatnonzero(np.isnan(values))
    if empty.size:
        others = f" and {empty.size - 1:,} other(s)" if empty.size > 1 else ""
        raise AppliesToError(f"{name} is empty for {facts.where(int(empty[0]))}{others}: "
                             "every compound needs a value to decide whether this applies")
    if clause.op is None:
        other = np.flatnonzero((values != 0) & (values != 1))
        if other.size:
            c = int(other[0])
            raise AppliesToError(f"'{name}' is not a yes/no column ({values[c]:g} for "
                                 f"{facts.where(c)}): compare it with a number "
                                 f"({name} < {values[c]:g})")
    return values


def applies_mask(applies_to: str | Sequence[str] | None, facts, strict: bool = True
                 ) -> np.ndarray:
    """Which compounds of ``facts`` (:class:`TableFacts` or :class:`CompoundFacts`) the
    ``applies_to`` of a rule, item or line selects, ``(C,)`` bool (all of them for None).

    A list of ids selects the compounds whose id it names (with a table and ``strict``, every
    id must be one of its compounds': not so on a tile of the table); a condition, the compounds for which every clause holds: ``column op
    number`` compared as float64, a yes/no ``column`` (every value 0 or 1) equal to 1, ``not
    column`` equal to 0.

    Raises
    ------
    AppliesToError
        An unknown id or column (with a suggestion), a text column, a column empty for some
        compound, a bare column that is not yes/no, a malformed condition.
    """
    n = len(facts.ids)
    if applies_to is None:
        return np.ones(n, dtype=bool)
    if isinstance(applies_to, str):
        mask = np.ones(n, dtype=bool)
        for clause in parse_condition(applies_to):
            values = _column(facts, clause)
            if clause.op is None:
                mask &= (values == 0) if clause.negated else (values == 1)
            else:
                mask &= _COMPARE[clause.op](values, clause.number)
        return mask
    if isinstance(facts, CompoundFacts):
        if facts.ids[0] is None:
            raise AppliesToError("a list of ids needs the compound's id: give compound.id "
                                 "(or a condition on its facts)")
        return np.array([facts.ids[0] in set(applies_to)])
    known = {i: c for c, i in enumerate(facts.ids)}
    for k, wanted in enumerate(applies_to):
        if strict and wanted not in known:
            raise AppliesToError(f"no compound {wanted!r} in {facts.table.source}"
                                 f"{did_you_mean(wanted, facts.ids)}", k)
    mask = np.zeros(n, dtype=bool)
    mask[[known[w] for w in applies_to if w in known]] = True
    return mask
