"""Instruments: the ways money reaches the project, each an engine function writing its flows
on the ledger.

An instrument is a scenario model (what the analyst wrote, :mod:`fundmodel.scenario.funding`),
a compile function turning the rules of that model into engine inputs (:mod:`fundmodel.inputs`),
and an engine function ``write(inputs, params, books) → books`` here. The compile step puts
them on :attr:`ModelInputs.instruments <fundmodel.engine.model_inputs.ModelInputs>` as
:class:`InstrumentInputs`, in the order money is committed; the model runs them phase by phase:

``decide``
    before the works are costed on the ledger: what is built at all (residents' votes);
``fund``
    the capital phase: each instrument pays part of what is still unfunded and writes its
    lines; what is left when every instrument has paid is the funding gap;
``operate``
    after the operating lines are written: instruments that only act on them.

A ``fund`` instrument may also write lines in the operating years (an investor's concession, a
loan's debt service): the operating flows are known after the ``decide`` phase and before
the ``fund`` phase (:attr:`Books.operating`). Lines of kind ``financing`` paid to or by the
``operator`` enter the operating statement as ``financing_net`` (see
:mod:`fundmodel.engine.model`). An instrument's report may carry ``metrics``, a mapping of
per-draw metrics ``(D|1, C)`` named
``<instrument>[<label>].<metric>`` (described in :data:`fundmodel.catalog.INSTRUMENT_METRICS`),
which join the run's metrics.

See ``docs/instruments.md`` for a worked example of adding one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Mapping

import numpy as np

from ..arrays import lines_zeros, row_sum
from ..ledger import Ledger

__all__ = ["PHASES", "Books", "InstrumentInputs", "timed", "source_line", "unfunded_on",
           "pay_on_items", "pool_members", "pool_sum", "at_compound"]

PHASES = ("decide", "fund", "operate")
"""When an instrument runs (see the module docstring)."""


@dataclass(frozen=True)
class Books:
    """What a run has written so far, as the instruments see it.

    Attributes
    ----------
    ledger : Ledger
        Every flow written so far (instruments append their lines).
    costs : ndarray (D|1, C, I)
        Cost of each renovation item, CNY (a ``decide`` instrument may set an item's cost to 0
        in the draws where it is not built).
    schedule : ndarray (I, Yc)
        Share of each item's cost spent in each construction year (rows sum to 1).
    quantity : ndarray (D|1, C|1, I)
        Quantity of each item built (a ``decide`` instrument scales it with the cost).
    unfunded : ndarray (D, C, I) or None
        Cost of each item that no instrument has paid yet, CNY; None before the ``fund`` phase.
    reports : mapping of str to object
        What each instrument reports for the outputs, by instrument name.
    operating : mapping of str to ndarray (D|1, C, T)
        The operating flows of operating years 1..T by ledger line name (``property_fee``,
        ``income[<name>]``, ``cost[<name>]``, ``management_margin``, ``vat``), known after the
        ``decide`` phase (a line that belongs to an item is scaled by the share of it built)
        and before the ``fund`` phase (empty in the ``decide`` phase); they start at
        ``timeline.first_operating_index``. A ``fund`` instrument may return new arrays for
        some of them (a service given in place of a cost line lowers it and the margin): the operating
        lines are written from them after the ``fund`` phase; never change an array in place.
    """

    ledger: Ledger
    costs: np.ndarray
    schedule: np.ndarray
    quantity: np.ndarray
    unfunded: np.ndarray | None = None
    reports: Mapping[str, Any] = field(default_factory=dict)
    operating: Mapping[str, np.ndarray] = field(default_factory=dict)

    def report(self, name: str, value: Any, **changes: Any) -> "Books":
        """These books with ``value`` reported under ``name`` and the given fields changed."""
        return replace(self, reports={**self.reports, name: value}, **changes)


@dataclass(frozen=True)
class InstrumentInputs:
    """One instrument of a run: its name, phase, engine function and compiled terms.

    ``write(inputs, params, books)`` returns the books with the instrument's lines on the
    ledger (and, in the ``fund`` phase, ``unfunded`` reduced by what it pays). A ``fund``
    instrument writes one line :func:`source_line` per funding rule it compiles: ``indexes``
    are the rules' positions in the scenario's funding list, ``labels`` their names and
    ``groups`` who ultimately pays (government, utilities, residents, donors), for the funding
    table and the cost metrics. Its report may carry ``offered`` ``(D, C, R)``, what each rule
    would give (the funding table shows what it pays otherwise).
    """

    name: str
    phase: str
    write: Callable[[Any, Any, Books], Books]
    params: Any
    indexes: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}; expected one of {PHASES}")


def timed(by_item: np.ndarray, schedule: np.ndarray, total: np.ndarray | None = None
          ) -> np.ndarray:
    """Money attached to items, spread over the years as the items are built, CNY.

    ``out[..., y] = Σ_i by_item[..., i] × schedule[i, y]`` (items summed in order, so the bits
    do not depend on how many draws are computed together); ``by_item`` is ``(..., I)``,
    ``schedule`` ``(I, Y)``, the result ``(..., Y)``. When every item is built alike (the rows
    of ``schedule`` are equal) this is ``total × schedule[0]``, with ``total`` the money's sum
    over the items (default: summed here); pass the exact total when it is known.
    """
    if (schedule == schedule[:1]).all():
        if total is None:
            total = row_sum(by_item)
        return np.asarray(total, dtype=float)[..., None] * schedule[0]
    by_item = np.asarray(by_item, dtype=float)
    shape = by_item.shape[:-1] + (schedule.shape[1],)
    out = lines_zeros(shape)                # draw-fastest, as the yearly lines
    term = np.empty_like(out)
    for i in range(schedule.shape[0]):
        np.multiply(by_item[..., i, None], schedule[i], out=term)
        out += term
    return out


def source_line(label: str) -> str:
    """Name of a funding rule's ledger line: ``funding[<label>]``."""
    return f"funding[{label}]"


def unfunded_on(eligible: np.ndarray, left: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What is still unfunded on a rule's items: ``room (D, C, I)`` (0 on the items it may not
    pay for) and its sum over the items, ``need (D, C)``, CNY."""
    room = np.where(eligible, left, 0.0)
    return room, row_sum(room)


def pay_on_items(books: Books, left: np.ndarray, room: np.ndarray, need: np.ndarray,
                 pay: np.ndarray, label: str, party: str, exact_total: bool = False,
                 kind: str = "capital") -> np.ndarray:
    """A rule pays ``pay (D, C)`` of ``need``: on each item in proportion to what is left on it
    (``room × pay / need``), taken from ``left`` in place, written as the items are built as
    the line ``funding[<label>]`` from ``party`` to the project (of ``kind``: ``capital``, or a
    kind of value given, not cash, that the instrument declares); returns the line.
    ``exact_total``: the line's sum over the years is ``pay`` itself (see :func:`timed`)."""
    part = np.divide(pay, need, out=np.zeros_like(need), where=need > 0)
    by_item = room * part[..., None]
    left -= by_item
    return books.ledger.add(source_line(label), party, "project", kind,
                            timed(by_item, books.schedule, pay if exact_total else None))


def pool_members(members: np.ndarray, r: int, n_compounds: int) -> np.ndarray:
    """The compounds of rule r's package, ``(C,)`` bool, from its ``members`` ``(D|1, C|1, R)``
    (1 where the rule applies: a pooled rule is one instrument for them)."""
    return np.broadcast_to(members[0, :, r], (n_compounds,)) > 0


def pool_sum(a: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``a (D|1, C, ...)`` summed over the member compounds ``(C,)`` in their order (a
    sequential sum: the bits never depend on the draws computed together), ``(D|1, 1, ...)``."""
    inside = np.where(members.reshape((1, -1) + (1,) * (a.ndim - 2)), a, 0.0)
    return np.cumsum(inside, axis=1)[:, -1:]


def at_compound(params: Any, c: int) -> Any:
    """An instrument's terms (a frozen dataclass) of compound ``c`` alone: every
    ``(D|1, C|1, R)`` array cut to its column (a pooled rule's terms are its first member's)."""
    cut = {f.name: value[:, c:c + 1] for f in fields(params)
           if isinstance(value := getattr(params, f.name), np.ndarray) and value.ndim == 3
           and value.shape[1] > 1}
    return replace(params, **cut)
