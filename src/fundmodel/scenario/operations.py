"""The operating phase after renovation: property fee, other income, costs.

Amounts are those of the first operating year (year 1) and grow from year 2 on by
``(1 + growth)`` a year. A line without its own ``growth`` grows with the scenario's
``inflation``; the property fee is the exception: guided fees are fixed by the price bureau, so
its growth defaults to 0 (fixed in nominal terms) unless written.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from .base import MAX_LINES, ScenarioModel, fail
from .renovation import NonNegative, Share
from .distributions import uncertain

__all__ = ["PropertyFee", "IncomeLine", "CostLine", "Operations", "Growth"]

Growth = uncertain(gt=-1, each_year=True)
"""A yearly growth rate; a distribution with ``each_year: true`` is drawn anew every year."""


class PropertyFee(ScenarioModel):
    """Property fee: ``rate × chargeable m² × 12 × collection_rate`` CNY a year."""

    rate_per_m2_month: NonNegative
    """Fee rate, CNY per m² of chargeable area per month (VAT included)."""
    collection_rate: Share = 1.0
    """Share of the billed fee actually collected."""
    growth: Growth = 0.0
    """Yearly growth of the fee rate (default 0: a guided fee fixed in nominal terms)."""


class _Line(ScenarioModel):
    pair: ClassVar[tuple[str, str]]  # the two fields that go together instead of per_year

    name: str = Field(min_length=1)
    """Unique name of the line."""
    growth: Growth | None = None
    """Yearly growth from year 2 on (default: the scenario's inflation)."""
    per_year: NonNegative | None = None
    """Fixed amount per year, CNY (instead of the pair of fields)."""

    @model_validator(mode="after")
    def _one_form(self):
        a, b = self.pair
        given = [f for f in (a, b) if getattr(self, f) is not None]
        if bool(given) == (self.per_year is not None):
            raise fail(f"give either per_year, or {a} and {b}")
        if len(given) == 1:
            missing = b if given == [a] else a
            raise fail(f"give both {a} and {b}", missing)
        return self


class IncomeLine(_Line):
    """Other income: ``units × price_per_month × 12 × occupancy``, or ``per_year``, CNY a year."""

    pair: ClassVar[tuple[str, str]] = ("units", "price_per_month")

    units: float | None = Field(default=None, ge=0)
    """Number of units let (parking spaces, billboards, rooms...)."""
    price_per_month: NonNegative | None = None
    """Price per unit per month, CNY."""
    occupancy: Share = 1.0
    """Share of units let on average."""


class CostLine(_Line):
    """A cost: ``staff × wage_per_month × 12 × (1 + on_cost)``, or ``per_year``, CNY a year,
    divided by ``shared_by`` when one contract serves several compounds."""

    pair: ClassVar[tuple[str, str]] = ("staff", "wage_per_month")

    staff: NonNegative | None = None
    """Headcount (full-time equivalents)."""
    wage_per_month: NonNegative | None = None
    """Gross wage per person per month, CNY."""
    on_cost: NonNegative = 0.0
    """Social insurance, housing fund and other on-costs as a share of wages."""
    shared_by: float = Field(default=1.0, ge=1)
    """Number of compounds sharing this cost; this compound bears 1/shared_by of it."""


class Operations(ScenarioModel):
    """Yearly operating statement, years 1..horizon."""

    property_fee: PropertyFee
    """The property fee."""
    income: list[IncomeLine] = Field(default=[], max_length=MAX_LINES)
    """Other income: parking, advertising, rents, fallback subsidies."""
    costs: list[CostLine] = Field(default=[], max_length=MAX_LINES)
    """Cost lines: staff by role, utilities, repairs, insurance..."""
    management_margin: Share = 0.0
    """Company overhead and profit as a share of the cost lines."""
    vat_rate: Share = 0.0
    """VAT rate on property fee income; fees are VAT-inclusive, so VAT = fee × rate/(1 + rate)."""
    opening_balance: float = 0.0
    """Balance of the compound's operating account at the start of year 1, CNY."""
