"""Capital phase: the cost of each renovation item in each draw."""

from __future__ import annotations

import numpy as np

from ..scenario import Renovation
from .arrays import num

__all__ = ["item_costs"]


def item_costs(renovation: Renovation, n: int) -> np.ndarray:
    """Cost of each item, CNY, array ``(n, n_items)``, all paid in year 0.

    ``cost_i = quantity_i × unit_cost_i × (1 + contingency_i)``, where ``contingency_i`` is the
    item's own contingency or else the renovation's.
    """
    out = np.empty((n, len(renovation.items)))
    for i, item in enumerate(renovation.items):
        contingency = item.contingency if item.contingency is not None else renovation.contingency
        out[:, i] = num(item.quantity) * num(item.unit_cost) * (1.0 + num(contingency))
    return out
