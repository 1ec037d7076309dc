"""The cash-flow ledger: every money flow of the model, by line, payer, payee, kind and year.

A line is one named yearly flow paid by one party to another: ``amount (D|1, C, L)`` CNY in the
L years from year index ``start`` of the timeline (a capital line spans the construction years,
an operating line the operating years; nothing is stored for the years a line does not span). The engine writes its flows here in the order money is committed; the
operating statement, the metrics, the funding table and the parties' views are all read from it.
A line that is the same in every draw keeps a draw axis of size 1.

Parties are named in :data:`PARTIES`; kinds are ``capital`` (renovation cost and its funding),
``operating`` (fees, income, running costs, taxes), ``financing`` (loans, bonds, investment
and their returns), ``reserve`` (the long-term repairs fund's deposits, interest, top-ups
and replacements) and those the instruments declare (:data:`KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator

import numpy as np

from .. import catalog

__all__ = ["PARTIES", "GOVERNMENT_PARTIES", "KINDS", "MEMO_KINDS", "LedgerLine", "Ledger"]

PARTIES: dict[str, str] = {name: party.description for name, party in catalog.PARTIES.items()
                          if party.ledger}
"""Every party that can pay or receive on the ledger, with its meaning (declared in
:data:`fundmodel.catalog.PARTIES`)."""

GOVERNMENT_PARTIES = catalog.GOVERNMENT_LEVELS
"""The levels of government, in the order a finance bureau reads them."""

KINDS = tuple(catalog.KINDS)
"""Kinds of flow (declared in :data:`fundmodel.catalog.KINDS`: the model's own and those the
instruments declare)."""

MEMO_KINDS = tuple(name for name, kind in catalog.KINDS.items() if not kind.cash)
"""Kinds of value given, not cash (a lent building, a street service): a line of such a kind
paid to the operator is a memo line of the operating statement, outside its sums."""


@dataclass(frozen=True)
class LedgerLine:
    """One named yearly flow.

    Attributes
    ----------
    name : str
        The line's name, e.g. ``funding[central_subsidy]``, ``cost[cleaner]``.
    payer, payee : str
        Parties (keys of :data:`PARTIES`).
    kind : str
        One of :data:`KINDS`.
    amount : ndarray (D|1, C, L)
        CNY paid in each of the L years from year index ``start`` (year end).
    start : int
        Year index of ``amount[..., 0]`` on the timeline.
    """

    name: str
    payer: str
    payee: str
    kind: str
    amount: np.ndarray
    start: int = 0

    @property
    def stop(self) -> int:
        """One past the last year index the line spans."""
        return self.start + self.amount.shape[-1]

    def on_timeline(self, n_years: int) -> np.ndarray:
        """The amount over every year of the timeline ``(D|1, C, n_years)`` (0 elsewhere)."""
        out = np.zeros(self.amount.shape[:-1] + (n_years,))
        out[..., self.start:self.stop] = self.amount
        return out

    def __post_init__(self):
        if self.payer not in PARTIES or self.payee not in PARTIES:
            raise ValueError(f"ledger line {self.name!r}: unknown party "
                             f"{self.payer if self.payer not in PARTIES else self.payee!r}")
        if self.kind not in KINDS:
            raise ValueError(f"ledger line {self.name!r}: unknown kind {self.kind!r}")
        if self.amount.ndim != 3:
            raise ValueError(f"ledger line {self.name!r}: amount must be (draw, compound, year)")
        if self.start < 0:
            raise ValueError(f"ledger line {self.name!r}: start must be ≥ 0")


@dataclass
class Ledger:
    """The lines written so far, in the order written; names are unique."""

    lines: list[LedgerLine] = field(default_factory=list)

    def add(self, name: str, payer: str, payee: str, kind: str, amount: np.ndarray,
            start: int = 0) -> np.ndarray:
        """Write a line ``amount (D|1, C, L)`` from year index ``start``; return the amount (for
        the stages that read it next). A line the same in every draw keeps a draw axis of 1."""
        if any(line.name == name for line in self.lines):
            raise ValueError(f"ledger line {name!r} written twice")
        if amount.ndim == 3 and amount.shape[0] > 1 and amount.strides[0] == 0:
            amount = amount[:1]  # a broadcast view: the same in every draw
        self.lines.append(LedgerLine(name, payer, payee, kind, amount, start))
        return amount

    def compound(self, c: int) -> "Ledger":
        """Compound ``c``'s lines, each ``(D|1, 1, L)`` (a line of compound axis 1 is every
        compound's)."""
        return Ledger([replace(line, amount=line.amount[:, c:c + 1]
                               if line.amount.shape[1] > 1 else line.amount)
                       for line in self.lines])

    def __iter__(self) -> Iterator[LedgerLine]:
        return iter(self.lines)

    def __getitem__(self, name: str) -> np.ndarray:
        for line in self.lines:
            if line.name == name:
                return line.amount
        raise KeyError(name)

    def names(self) -> list[str]:
        """Line names, in the order written."""
        return [line.name for line in self.lines]

    def select(self, *, names: Iterable[str] | None = None, payer: str | None = None,
               payee: str | None = None, kind: str | None = None) -> list[LedgerLine]:
        """Lines matching every given criterion, in the order written."""
        wanted = None if names is None else set(names)
        return [line for line in self.lines
                if (wanted is None or line.name in wanted)
                and (payer is None or line.payer == payer)
                and (payee is None or line.payee == payee)
                and (kind is None or line.kind == kind)]

    def total(self, lines: Iterable[LedgerLine]) -> np.ndarray:
        """Sum of lines spanning the same years, added one by one in the order written (so a
        draw's sum never depends on the other draws); ``(D|1, C, L)``."""
        lines = list(lines)
        if not lines:
            raise ValueError("no lines to add")
        if len({(line.start, line.stop) for line in lines}) > 1:
            raise ValueError("lines spanning different years")
        out = np.zeros(np.broadcast_shapes(*(line.amount.shape for line in lines)))
        for line in lines:
            out += line.amount
        return out
