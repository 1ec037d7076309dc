"""A bundled profitable project (大片区统筹平衡): an old-factory redevelopment, commercial
space, a parking garage or a land sale whose surplus pays the renovation's gap."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import Field, model_validator

from ..base import ScenarioModel, fail
from ...io.limits import MAX_LINES, RATE_MAX, RATE_MIN
from ..operations import Growth
from ..ranges import bounded, uncertain
from ..renovation import Money, Quantity, Share, MoneySum
from .source import Source

__all__ = ["Bundle", "BundleLine", "MAX_TARGET_COVERAGE"]

ReturnRate = uncertain(ge=RATE_MIN, le=RATE_MAX, percent=True)
"""A nominal rate of return per year in [−0.5, 1] (0.08 for 8 %)."""

MAX_TARGET_COVERAGE = 10.0
"""Largest coverage a bundle may be asked to reach: ten times its outlay is far beyond any
lender's covenant."""

MAX_TIMELINE_YEARS = 130
"""Construction (at most 30 years) and operations (at most 100): the longest timeline."""


class BundleLine(ScenarioModel):
    """A revenue or cost line of the bundled project, per unit of its scale.

    Either ``per_year`` CNY a year in operating years ``from_year`` .. ``from_year + years − 1``
    (default: from year 1 to the horizon), or a one-off ``amount`` in operating year
    ``in_year`` (a land sale). Amounts are in the prices of operating year 1 and grow by
    ``growth`` a year from year 2 on: the value in operating year t is ``x × I_t`` with
    ``I_1 = 1``, ``I_t = Π_{s=2..t} (1 + growth_s)``.
    """

    name: str = Field(min_length=1)
    """Name of the line (shown nowhere but in messages; unique within its list)."""
    per_year: MoneySum | None = None
    """CNY a year per unit of scale (at most 1e15)."""
    from_year: int | None = Field(default=None, ge=1)
    """First operating year of a ``per_year`` line (default 1)."""
    years: int | None = Field(default=None, ge=1)
    """Operating years a ``per_year`` line runs (default: to the horizon)."""
    amount: MoneySum | None = None
    """A one-off amount per unit of scale, CNY (with ``in_year``)."""
    in_year: int | None = Field(default=None, ge=1)
    """Operating year of the one-off ``amount`` (1 = the first year after the works)."""
    growth: Growth | None = None
    """Yearly growth from operating year 2 on, in [−0.5, 1] (default: the scenario's
    inflation)."""

    @model_validator(mode="after")
    def _one_form(self) -> "BundleLine":
        if (self.per_year is None) == (self.amount is None):
            raise fail("give either per_year, or amount with in_year")
        if self.amount is not None:
            if self.in_year is None:
                raise fail("a one-off amount needs in_year (its operating year)", "amount")
            for key in ("from_year", "years"):
                if getattr(self, key) is not None:
                    raise fail(f"{key} is for per_year lines; a one-off amount falls in "
                               "in_year", key)
        elif self.in_year is not None:
            raise fail("in_year is for a one-off amount; a per_year line runs from "
                       "from_year for years", "in_year")
        return self

    def first_year(self) -> int:
        """First operating year of the line (1-based)."""
        return self.in_year if self.amount is not None else (self.from_year or 1)

    def last_year(self, horizon_years: int) -> int:
        """Last operating year of the line (1-based)."""
        if self.amount is not None:
            return self.in_year
        if self.years is None:
            return horizon_years
        return self.first_year() + self.years - 1


class Bundle(Source):
    """A profitable project bundled with the renovation pays what the grants leave on its
    items, up to its cap, from its own surplus.

    ``paid = min(cap, cap_per_household × households, left)``, with ``left`` what no earlier
    source covers on the items it may pay for; it pays as those items are built. Its own
    flows, per unit of ``scale``: ``capital`` by year from ``start_year``, ``revenues`` and
    ``operating_costs`` in the operating years, plus ``fixed_cost_per_year`` (not scaled) and
    a tax of ``tax_rate`` on each year's positive profit. Its metrics say whether it can
    afford the transfer (NPV at ``required_return``) and the smallest scale that can.
    """

    payer: ClassVar[str] = "bundled_project"
    party: ClassVar[str] = "bundled_project"
    amount_fields: ClassVar[tuple[str, ...]] = ("revenues",)
    instrument: ClassVar[str] = "fundmodel.inputs.bundle"
    source: Literal["bundle"]
    scale: Quantity = 1.0
    """Size of the bundled project in ``scale_unit`` (at most 1e12; default 1): every
    per-unit amount below is multiplied by it."""
    scale_unit: Literal["share", "m2", "units"] = "share"
    """What one unit of scale is: a share of the project as described (1 = as written), m² of
    floor area, or units (parking spaces, shops)."""
    capital: list[Money] = Field(default=[], max_length=MAX_TIMELINE_YEARS)
    """The bundle's own investment per unit of scale, CNY, in each year from ``start_year``
    (may run past the construction years, within the horizon)."""
    revenues: list[BundleLine] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    """Revenue lines per unit of scale: rents, parking, sales, a land sale."""
    operating_costs: list[BundleLine] = Field(default=[], max_length=MAX_LINES)
    """Operating cost lines per unit of scale."""
    fixed_cost_per_year: MoneySum = 0.0
    """Cost a year whatever the scale, CNY, in every operating year, growing with the
    scenario's inflation (default 0)."""
    tax_rate: Share = 0.0
    """Tax on each year's positive profit (revenues − operating costs − fixed cost), in
    [0, 1] (0.25 for the 25 % enterprise income tax; default 0)."""
    required_return: ReturnRate | None = None
    """The bundle's nominal discount rate a year, in [−0.5, 1] (default: the scenario's
    nominal rate ``(1 + discount_rate)(1 + inflation) − 1``)."""
    target_coverage: bounded(float, gt=0, le=MAX_TARGET_COVERAGE,
                             reason="ten times the outlay, beyond any covenant") = 1.0
    """The coverage (PV of the operating surplus over PV of capital and transfer) the
    ``minimum_scale`` metric aims at, in (0, 10]; the default 1 is NPV = 0."""
    pooled: bool = False
    """One project for a package of compounds (大片区统筹, a programme's profitable part): in a
    portfolio, it pays the gaps of the compounds it ``applies_to`` (default every compound)
    pro rata to each one's need, up to its cap; its flows and metrics are the one project's.
    Default: each compound its own bundle."""

    @model_validator(mode="after")
    def _pays_as_built(self) -> "Bundle":
        if self.instalments is not None:
            raise fail("a bundled project pays as the works are built; instalments are for "
                       "grants", "instalments")
        for key in ("revenues", "operating_costs"):
            names = [line.name for line in getattr(self, key) or []]
            for j, name in enumerate(names):
                if name in names[:j]:
                    raise fail(f"two lines are named '{name}'", key, j, "name")
        return self

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        """Flows outside the timeline (see :meth:`Source.problems_in`): ``capital`` within
        construction and operations, every line within the horizon."""
        construction_years, horizon_years = scenario.construction_years(), scenario.horizon_years
        n_years = construction_years + horizon_years
        if len(self.capital) > n_years:
            yield (f"{len(self.capital)} years of capital, but the timeline has "
                   f"{n_years} ({construction_years} of works and {horizon_years} of "
                   "operations)", "capital")
        for key in ("revenues", "operating_costs"):
            for j, line in enumerate(getattr(self, key) or []):
                last = line.last_year(horizon_years)
                if line.first_year() > horizon_years or last > horizon_years:
                    field = ("in_year" if line.amount is not None else
                             "years" if line.years is not None and
                             line.first_year() <= horizon_years else "from_year")
                    yield (f"the line runs to operating year {last}, past the horizon of "
                           f"{horizon_years} years", key, j, field)
