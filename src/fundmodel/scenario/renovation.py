"""The renovation (capital) phase: items, tiers, contingency."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import MAX_ITEMS, ScenarioModel
from .distributions import uncertain

__all__ = ["Tier", "TIERS", "Item", "Renovation", "Share", "NonNegative"]

Tier = Literal["basic", "complete", "upgrade"]
"""Renovation tiers of the national guidance: 基础类 basic, 完善类 complete, 提升类 upgrade."""
TIERS: tuple[str, ...] = ("basic", "complete", "upgrade")

Share = uncertain(ge=0, le=1)
NonNegative = uncertain(ge=0)


class Item(ScenarioModel):
    """One renovation item: ``cost = quantity × unit_cost × (1 + contingency)``, CNY."""

    name: str = Field(min_length=1)
    """Unique name, used by funding rules to name the items they pay for."""
    tier: Tier
    """basic, complete or upgrade."""
    quantity: NonNegative
    """How much, in ``unit``."""
    unit: str = ""
    """Unit of quantity (m, m2, system, space, lift...)."""
    unit_cost: NonNegative
    """Cost per unit, CNY."""
    contingency: Share | None = None
    """Contingency share for this item (default: the renovation's ``contingency``)."""


class Renovation(ScenarioModel):
    """All renovation items, paid in year 0 (the construction year)."""

    contingency: Share = 0.0
    """Contingency as a share of item cost, applied to every item without its own."""
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    """The renovation items."""
