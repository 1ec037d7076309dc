"""The government's budget the project's spending is checked against (the fiscal view)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .. import catalog
from .base import ScenarioModel, fail
from ..io.limits import MAX_MONEY_CNY, RATE_MAX, RATE_MIN
from .money import sum_of_money
from .ranges import bounded

__all__ = ["Fiscal", "GOVERNMENT_LEVELS"]

GOVERNMENT_LEVELS = catalog.GOVERNMENT_LEVELS
"""The levels of government as they are named on the ledger (declared in
:data:`fundmodel.catalog.GOVERNMENT_LEVELS`)."""

Budget = bounded(float, ge=0, le=MAX_MONEY_CNY, reason="an amount of money, CNY")


class Fiscal(ScenarioModel):
    """A level of government's general public budget and the share of it the project may take.

    The project's yearly net commitment of that level — subsidies and top-ups, the debt service
    it bears, guarantee calls, less the pledged revenue remitted to it — is divided by the
    budget of the year: ``by_year`` gives the budgets of the calendar years from
    ``start_year`` on; after them (or without them, from ``general_budget_per_year`` in
    ``start_year``) the budget grows by ``budget_growth`` a year. A year whose share exceeds
    ``ceiling_share`` is flagged (10 % is the PPP ceiling of 财金〔2015〕21号).
    """

    level: Literal["central_government", "provincial_government", "city_district_government",
                   "street_community"] = "city_district_government"
    """Whose budget: the level of government the ceiling applies to."""
    general_budget_per_year: sum_of_money(Budget) | None = None
    """General public budget expenditure (一般公共预算支出) in the first construction year,
    CNY."""
    budget_growth: bounded(float, ge=RATE_MIN, le=RATE_MAX, percent=True) = 0.0
    """Yearly growth of the budget (a fraction)."""
    by_year: list[sum_of_money(Budget)] | None = Field(default=None, min_length=1, max_length=200)
    """The budgets of the calendar years from ``start_year`` on, CNY."""
    ceiling_share: bounded(float, gt=0, le=1, percent=True) = 0.10
    """Largest share of the budget the project may take in a year."""

    @model_validator(mode="after")
    def _needs_a_budget(self):
        if self.general_budget_per_year is None and not self.by_year:
            raise fail("give general_budget_per_year or by_year: the budget the share is "
                       "taken of")
        for i, budget in enumerate(self.by_year or ()):
            if budget == 0:
                raise fail("a budget of 0 leaves no share to take", "by_year", i)
        if self.general_budget_per_year == 0:
            raise fail("a budget of 0 leaves no share to take", "general_budget_per_year")
        return self
