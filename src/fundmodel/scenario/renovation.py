"""The renovation (capital) phase: items, tiers, contingency."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .applies import AppliesTo
from .base import ScenarioModel, check_shares, fail
from .ranges import uncertain
from ..io.limits import MAX_BUILD_YEARS, MAX_ITEMS, MAX_MONEY_CNY, MAX_QUANTITY
from .money import sum_of_money

__all__ = ["Tier", "TIERS", "Item", "QuantityRule", "Renovation", "Share", "Money", "Quantity",
           "NonNegative", "MoneySum"]

Tier = Literal["basic", "complete", "upgrade"]
"""Renovation tiers of the national guidance: 基础类 basic, 完善类 complete, 提升类 upgrade."""
TIERS: tuple[str, ...] = ("basic", "complete", "upgrade")

Share = uncertain(ge=0, le=1, percent=True)
"""A share in [0, 1]: a fraction, so 0.8 for 80 % (80 is reported as a percentage)."""
Money = uncertain(ge=0, magnitude=MAX_MONEY_CNY, what="an amount of money, CNY")
"""An amount of money, CNY, in [0, 1e15]: the upper bound catches extra zeros and keeps every
product and sum the model forms finite."""
Quantity = uncertain(ge=0, magnitude=MAX_QUANTITY, what="a quantity")
"""A quantity or headcount in [0, 1e12]."""
NonNegative = Money
"""Former name of :data:`Money`."""
MoneySum = sum_of_money(Money)
"""A sum of money (an amount, a cap, a year's line, a balance, a cost), CNY: read in 万元 when
the scenario says ``money_unit: 万元`` (:mod:`fundmodel.scenario.money`)."""


class QuantityRule(ScenarioModel):
    """An item's quantity from the compound's facts:
    ``quantity = factor × per / divide_by × when`` (``divide_by`` and ``when`` optional;
    ``when`` is a yes/no fact read as 1 or 0). E.g. the roof from the floor area and the
    storeys, ``{per: floor_area_m2, divide_by: storeys, factor: 1.1}``; pipes per household,
    ``{per: households, factor: 12}``; one lift per building where lifts are possible,
    ``{per: buildings, when: lifts_possible}``."""

    per: str = Field(min_length=1)
    """The fact the quantity is proportional to: ``households``, ``floor_area_m2``,
    ``chargeable_area_m2``, ``buildings``, ``storeys``, ``built_year``, ``lifts_possible``,
    ``condition_score`` or a name in ``compound.attributes`` (a compounds table's extra
    column)."""
    factor: Quantity = 1.0
    """Units of the item per unit of ``per`` (may be uncertain)."""
    divide_by: str | None = Field(default=None, min_length=1)
    """A fact to divide by (e.g. ``storeys``); it must be > 0 for every compound."""
    when: str | None = Field(default=None, min_length=1)
    """A fact that must be true (non-zero) for the item to be built (e.g. ``lifts_possible``)."""

    def facts(self) -> tuple[str, ...]:
        """The facts the rule reads."""
        return tuple(f for f in (self.per, self.divide_by, self.when) if f is not None)


class Item(ScenarioModel):
    """One renovation item: ``cost = quantity × unit_cost × (1 + contingency)``, CNY."""

    name: str = Field(min_length=1)
    """Unique name, used by funding rules to name the items they pay for."""
    tier: Tier
    """basic, complete or upgrade."""
    quantity: Quantity | None = None
    """How much, in ``unit`` (at most 1e12). Give ``quantity`` or ``quantity_rule``."""
    quantity_rule: QuantityRule | None = None
    """The quantity from the compound's facts (see :class:`QuantityRule`): the form for a
    portfolio, whose compounds differ."""
    unit: str = ""
    """Unit of quantity (m, m2, system, space, lift...)."""
    unit_cost: Money
    """Cost per unit, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros; the item's cost too)."""
    contingency: Share | None = None
    """Contingency share for this item, in [0, 1] (default: the renovation's
    ``contingency``)."""
    schedule: list[float] | None = Field(default=None, min_length=1, max_length=MAX_BUILD_YEARS)
    """Share of the cost built in each year from the scenario's ``start_year`` (e.g. [0.6, 0.4]:
    60 % in the first year, 40 % in the second), summing to 1; default: all in the first
    year. Or give ``build_from`` and ``build_years``."""
    build_from: int | None = Field(default=None, ge=1900, le=2200)
    """Calendar year the works start (with ``build_years``; default ``start_year``)."""
    build_years: int | None = Field(default=None, ge=1, le=MAX_BUILD_YEARS)
    """Years the works take, the cost spread evenly over them (default 1)."""
    applies_to: AppliesTo | None = None
    """The compounds this item exists for (default: every compound): a list of compound ids
    (``[C0012, C0044]``) or a condition on the compounds' columns — a yes/no column
    (``soe_dormitory``), ``not <column>``, ``<column> <op> <number>`` (op ``<``, ``<=``, ``>``,
    ``>=``, ``==``, ``!=``), joined by ``and``. For the other compounds it is as if not written
    (its quantity is 0 there). In a one-compound scenario it is read on the compound's own facts."""

    @model_validator(mode="after")
    def _one_schedule(self) -> "Item":
        if (self.quantity is None) == (self.quantity_rule is None):
            raise fail("give either quantity or quantity_rule" if self.quantity is not None
                       else "give quantity (or quantity_rule)",
                       "quantity_rule" if self.quantity is not None else "quantity",
                       on_key=self.quantity is not None)
        check_shares(self.schedule, "schedule")
        if self.schedule is not None and (self.build_from is not None
                                          or self.build_years is not None):
            raise fail("give either schedule, or build_from and build_years", "schedule")
        return self


class Renovation(ScenarioModel):
    """All renovation items, built in the construction years from ``start_year``."""

    contingency: Share = 0.0
    """Contingency as a share of item cost, in [0, 1] (0.1 for 10 %), applied to every item
    without its own."""
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)
    """The renovation items."""
