"""Capital phase: the cost of each renovation item, and when it is spent."""

from __future__ import annotations

import numpy as np

from .model_inputs import ItemInputs

__all__ = ["item_costs", "item_inputs", "ITEM_INPUTS", "spending", "built_share"]

ITEM_INPUTS = ("quantity", "unit_cost", "contingency")
"""The inputs of an item's cost, as returned by :func:`item_inputs`."""


def item_inputs(items: ItemInputs) -> dict[str, np.ndarray]:
    """Quantity (in the item's unit), unit cost (CNY/unit) and contingency (share) of each item,
    arrays ``(D|1, C, I)`` keyed by :data:`ITEM_INPUTS`."""
    return {"quantity": items.quantity, "unit_cost": items.unit_cost,
            "contingency": items.contingency}


def item_costs(items: ItemInputs) -> np.ndarray:
    """Cost of each item, CNY, ``(D|1, C, I)``.

    ``cost_i = quantity_i × unit_cost_i × (1 + contingency_i)``, where ``contingency_i`` is the
    item's own contingency or else the renovation's.
    """
    return items.quantity * items.unit_cost * (1.0 + items.contingency)


def spending(costs: np.ndarray, schedule: np.ndarray) -> np.ndarray:
    """Cost of each item spent in each year, CNY, ``(D|1, C, I, Y)``:
    ``cost_i × schedule_{i,y}`` (the schedule's rows sum to 1)."""
    return costs[..., None] * schedule


def built_share(quantity: np.ndarray, voted: np.ndarray | None = None) -> np.ndarray:
    """Share of each item built, in [0, 1], ``(D|1, C|1, I)``::

        built_i = voted_i × [quantity_i > 0]

    ``voted`` is the share the residents' votes build, ``(D, C, I)`` (2/3 where two of three
    stairs vote a stair's lift in; None: no vote, 1); ``quantity`` is the item's quantity as
    planned, before the votes, so an item of quantity 0 (e.g. above a compound's planned tier)
    is not built at all.
    """
    planned = (np.asarray(quantity) > 0).astype(float)
    return planned if voted is None else voted * planned
