"""Contributions in kind: a party provides a renovation item (a lent building), valued at a
price (:class:`fundmodel.scenario.funding.InKind`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import Books, pay_on_items

__all__ = ["InKindInputs", "KIND", "write_in_kind"]

KIND = "in_kind"
"""The ledger kind of a contribution in kind: value given, not cash paid."""


@dataclass(frozen=True)
class InKindInputs:
    """Contributions in kind: ``value`` and ``cap`` (inf: none) ``(D|1, C|1, R)`` CNY;
    ``item`` the index of the item each provides; ``parties`` who gives each."""

    labels: tuple[str, ...]
    parties: tuple[str, ...]
    item: tuple[int, ...]
    value: np.ndarray
    cap: np.ndarray


def write_in_kind(inputs, params: InKindInputs, books: Books) -> Books:
    """Each contribution in order covers ``min(value, cap, left)`` of what is still unfunded on
    its item, ``left``, as the item is built: the line ``funding[<label>]`` from its party to
    the project, of kind ``in_kind``."""
    left = np.array(books.unfunded, dtype=float)                         # (D, C, I)
    offered = np.zeros(left.shape[:2] + (len(params.labels),))
    for r, label in enumerate(params.labels):
        i = params.item[r]
        room = np.zeros_like(left)
        room[..., i] = left[..., i]
        need = left[..., i].copy()                                         # (D, C)
        offer = np.broadcast_to(np.minimum(params.value[..., r], params.cap[..., r]),
                                need.shape)
        offered[..., r] = offer
        pay_on_items(books, left, room, need, np.minimum(offer, need), label,
                     params.parties[r], kind=KIND)
    return books.report("in_kind", _Offered(offered), unfunded=np.maximum(left, 0.0))


@dataclass(frozen=True)
class _Offered:
    offered: np.ndarray
