"""The operating phase after renovation: property fee, other income, costs.

Amounts are those of the first operating year (year 1) and grow from year 2 on by
``(1 + growth)`` a year. A line without its own ``growth`` grows with the scenario's
``inflation``; the property fee is the exception: guided fees are fixed by the price bureau, so
its growth defaults to 0 (fixed in nominal terms) unless written.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from .base import ScenarioModel, fail
from .ranges import bounded, uncertain
from .limits import MAX_LINES, MAX_MONEY_CNY, MAX_QUANTITY, MAX_SHARED_BY, RATE_MAX, RATE_MIN
from .renovation import Money, Quantity, Share

__all__ = ["PropertyFee", "IncomeLine", "CostLine", "Operations", "Growth"]

Growth = uncertain(ge=RATE_MIN, le=RATE_MAX, each_year=True, percent=True)
"""A yearly growth rate in [−0.5, 1] (0.05 for 5 %; a larger number is a percentage); a
distribution with ``each_year: true`` is drawn anew every year."""


class PropertyFee(ScenarioModel):
    """Property fee: ``rate × chargeable m² × 12 × collection_rate`` CNY a year."""

    rate_per_m2_month: Money
    """Fee rate, CNY per m² of chargeable area per month (VAT included); guided fees are
    0.3–1.9, and a rate above 10 is reported as a warning (a yearly fee?)."""
    collection_rate: Share = 1.0
    """Share of the billed fee actually collected, in [0, 1] (0.76 for 76 %)."""
    growth: Growth = 0.0
    """Yearly growth of the fee rate, in [−0.5, 1] (default 0: a guided fee fixed in nominal
    terms)."""


class _Line(ScenarioModel):
    pair: ClassVar[tuple[str, str]]  # the two fields that go together instead of per_year

    name: str = Field(min_length=1)
    """Unique name of the line."""
    growth: Growth | None = None
    """Yearly growth from year 2 on, in [−0.5, 1] (default: the scenario's inflation)."""
    per_year: Money | None = None
    """Fixed amount per year, CNY (instead of the pair of fields), at most 1e15: a bound far
    beyond any compound that catches extra zeros."""

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

    units: bounded(float, ge=0, le=MAX_QUANTITY, reason="the bound on a quantity") | None = None
    """Number of units let (parking spaces, billboards, rooms...), at most 1e12."""
    price_per_month: Money | None = None
    """Price per unit per month, CNY (at most 1e15: a bound far beyond any compound that catches
    extra zeros)."""
    occupancy: Share = 1.0
    """Share of units let on average, in [0, 1]."""


class CostLine(_Line):
    """A cost: ``staff × wage_per_month × 12 × (1 + on_cost)``, or ``per_year``, CNY a year,
    divided by ``shared_by`` when one contract serves several compounds."""

    pair: ClassVar[tuple[str, str]] = ("staff", "wage_per_month")

    staff: Quantity | None = None
    """Headcount (full-time equivalents), at most 1e12."""
    wage_per_month: Money | None = None
    """Gross wage per person per month, CNY (at most 1e15: a bound far beyond any compound that
    catches extra zeros)."""
    on_cost: Share = 0.0
    """Social insurance, housing fund and other on-costs as a share of wages, in [0, 1]
    (typically 0.25–0.45; 25 is a percentage)."""
    shared_by: bounded(float, ge=1, le=MAX_SHARED_BY,
                       reason="more compounds than any shared contract serves") = 1.0
    """Number of compounds sharing this cost, in [1, 10,000]; this compound bears 1/shared_by
    of it."""


class Operations(ScenarioModel):
    """Yearly operating statement, years 1..horizon."""

    property_fee: PropertyFee
    """The property fee."""
    income: list[IncomeLine] = Field(default=[], max_length=MAX_LINES)
    """Other income: parking, advertising, rents, fallback subsidies."""
    costs: list[CostLine] = Field(default=[], max_length=MAX_LINES)
    """Cost lines: staff by role, utilities, repairs, insurance..."""
    management_margin: Share = 0.0
    """Company overhead and profit as a share of the cost lines, in [0, 1]; above 0.5 is
    reported as a warning."""
    vat_rate: Share = 0.0
    """VAT rate on property fee income, in [0, 1] (0.06 for 6 %); fees are VAT-inclusive, so
    VAT = fee × rate/(1 + rate)."""
    opening_balance: bounded(float, ge=-MAX_MONEY_CNY, le=MAX_MONEY_CNY,
                             reason="the bound on an amount of money, CNY",
                             lower_reason="the bound on an amount of money, CNY") = 0.0
    """Balance of the compound's operating account at the start of year 1, CNY, within
    ±1e15 (a bound far beyond any compound that catches extra zeros)."""
