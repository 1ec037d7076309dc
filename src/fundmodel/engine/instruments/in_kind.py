"""Contributions in kind: a party provides a renovation item (a lent building) or a service
replacing an operating cost line (rubbish removal, volunteer cleaning), valued at a price
(:class:`fundmodel.scenario.funding.InKind`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import growth_index
from . import Books, pay_on_items

__all__ = ["InKindInputs", "InKindReport", "KIND", "service_line", "write_in_kind"]

KIND = "in_kind"
"""The ledger kind of a contribution in kind: value given, not cash paid."""


def service_line(label: str) -> str:
    """Ledger line of a service in kind: ``in_kind[<label>]``."""
    return f"in_kind[{label}]"


@dataclass(frozen=True)
class InKindInputs:
    """Contributions in kind: ``value`` and ``cap`` (inf: none) ``(D|1, C|1, R)`` CNY (a
    service's value is per year); ``item`` the index of the item each provides (-1 for a
    service); ``replaces`` the cost line each service replaces (``cost[<name>]``, None for an
    item); ``parties`` who gives each; ``growth`` a service's own yearly growth ``(D|1, C|1)``
    or ``(D|1, C|1, T)``, None to grow as the line it replaces."""

    labels: tuple[str, ...]
    parties: tuple[str, ...]
    item: tuple[int, ...]
    replaces: tuple[str | None, ...]
    value: np.ndarray
    cap: np.ndarray
    growth: tuple[np.ndarray | None, ...] = ()


@dataclass(frozen=True)
class InKindReport:
    """What each contribution would give toward its item, ``offered (D, C, R)`` CNY (0 for a
    service, which gives nothing toward the works)."""

    offered: np.ndarray


def write_in_kind(inputs, params: InKindInputs, books: Books) -> Books:
    """Each contribution, in order.

    An item: covers ``min(value, cap, left)`` of what is still unfunded on its item, ``left``
    (the first instrument of the ``fund`` phase: before the grants), as the item is built — the line ``funding[<label>]`` from its party to the project, of kind
    ``in_kind``.

    A service: in each operating year ``given_t = min(value × I_t, cost_t)`` of the cost line
    it replaces, ``cost_t`` (after the services written before it), ``I_t`` the growth index
    of its own ``growth`` or else of that line's (1 in year 1, ``Π_{s=2..t} (1 + g_s)``
    after); the line becomes
    ``cost_t − given_t`` and the management margin ``margin_t − management_margin ×
    given_t`` (no margin on what the operator does not buy); ``given`` is written as
    ``in_kind[<label>]`` from its party to the operator, of kind ``in_kind``.
    """
    left = np.array(books.unfunded, dtype=float)                         # (D, C, I)
    offered = np.zeros(left.shape[:2] + (len(params.labels),))
    operating = dict(books.operating)
    start = inputs.timeline.first_operating_index
    for r, label in enumerate(params.labels):
        value = np.minimum(params.value[..., r], params.cap[..., r])      # (D|1, C|1)
        if params.replaces[r] is not None:
            cost = operating[params.replaces[r]]                          # (D|1, C, T)
            index = growth_index(_growth(inputs, params, r), cost.shape[-1])
            given = np.minimum(value[..., None] * index, cost)
            operating[params.replaces[r]] = cost - given
            operating["management_margin"] = (
                operating["management_margin"]
                - inputs.operations.management_margin[..., None] * given)
            books.ledger.add(service_line(label), params.parties[r], "operator", KIND, given,
                             start)
            continue
        i = params.item[r]
        room = np.zeros_like(left)
        room[..., i] = left[..., i]
        need = left[..., i].copy()                                         # (D, C)
        offered[..., r] = offer = np.broadcast_to(value, need.shape)
        pay_on_items(books, left, room, need, np.minimum(offer, need), label,
                     params.parties[r], kind=KIND)
    return books.report("in_kind", InKindReport(offered), unfunded=np.maximum(left, 0.0),
                        operating=operating)


def _growth(inputs, params: InKindInputs, r: int) -> np.ndarray:
    """The yearly growth of service ``r``: its own, or that of the cost line it replaces."""
    own = params.growth[r] if r < len(params.growth) else None
    if own is not None:
        return own
    name = params.replaces[r]
    return next(line.growth for line in inputs.operations.costs if f"cost[{line.name}]" == name)
