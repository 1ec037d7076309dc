"""Capital phase: the cost of each renovation item in each draw."""

from __future__ import annotations

import numpy as np

from ..scenario import Renovation
from .arrays import num

__all__ = ["item_costs", "item_inputs", "ITEM_INPUTS"]

ITEM_INPUTS = ("quantity", "unit_cost", "contingency")
"""The inputs of an item's cost, as returned by :func:`item_inputs`."""


def item_inputs(renovation: Renovation, n: int) -> dict[str, np.ndarray]:
    """Quantity (in the item's ``unit``), unit cost (CNY/unit) and contingency (share) of each
    item in each draw, arrays ``(n, n_items)`` keyed by :data:`ITEM_INPUTS`.

    ``contingency`` is the item's own contingency or else the renovation's.
    """
    out = {k: np.empty((n, len(renovation.items))) for k in ITEM_INPUTS}
    for i, item in enumerate(renovation.items):
        contingency = item.contingency if item.contingency is not None else renovation.contingency
        out["quantity"][:, i] = num(item.quantity)
        out["unit_cost"][:, i] = num(item.unit_cost)
        out["contingency"][:, i] = num(contingency)
    return out


def item_costs(renovation: Renovation, n: int,
               inputs: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Cost of each item, CNY, array ``(n, n_items)``, all paid in year 0.

    ``cost_i = quantity_i × unit_cost_i × (1 + contingency_i)``, where ``contingency_i`` is the
    item's own contingency or else the renovation's. ``inputs`` are those of
    :func:`item_inputs` (computed if not given).
    """
    x = inputs if inputs is not None else item_inputs(renovation, n)
    return x["quantity"] * x["unit_cost"] * (1.0 + x["contingency"])
