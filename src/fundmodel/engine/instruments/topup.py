"""The treasury's top-up: a level of government pays what the grants leave unfunded, up to a
cap (:class:`fundmodel.scenario.funding.TopUp`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import Books, pay_on_items, unfunded_on

__all__ = ["TopUpInputs", "TopUpReport", "write_top_ups"]


@dataclass(frozen=True)
class TopUpInputs:
    """Top-up rules: ``share``, ``cap`` and ``cap_per_household`` (inf: none) are
    ``(D|1, C|1, R)``; ``eligible`` ``(R, I)``; ``parties`` the paying level of each rule."""

    labels: tuple[str, ...]
    parties: tuple[str, ...]
    eligible: np.ndarray
    share: np.ndarray
    cap: np.ndarray
    cap_per_household: np.ndarray


@dataclass(frozen=True)
class TopUpReport:
    """What each top-up would give, ``offered (D, C, R)`` CNY."""

    offered: np.ndarray


def write_top_ups(inputs, params: TopUpInputs, books: Books) -> Books:
    """Each top-up in order pays ``min(cap, cap_per_household × households, share × left)`` of
    what is still unfunded on its items, ``left``; the payment falls on those items in
    proportion to what is left on each, and in the years they are built."""
    left = np.array(books.unfunded, dtype=float)                         # (D, C, I)
    households = inputs.compounds.households[None, :]
    offered = np.zeros(left.shape[:2] + (len(params.labels),))
    for r, label in enumerate(params.labels):
        room, total = unfunded_on(params.eligible[r], left)                 # (D, C, I), (D, C)
        pay = np.minimum(params.share[..., r] * total,
                         np.minimum(params.cap[..., r],
                                    params.cap_per_household[..., r] * households))
        offered[..., r] = pay
        pay_on_items(books, left, room, total, pay, label, params.parties[r])
    return books.report("top_up", TopUpReport(offered), unfunded=np.maximum(left, 0.0))
