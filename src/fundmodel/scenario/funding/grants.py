"""Grants: the funding sources that give money for the works — what each offers and which items it may pay for.

Each rule *offers* an amount::

    offered = min(cap, (amount + per_household × households + per_m2 × floor_area_m2
                        + share × eligible_cost + match_ratio × matched) × uptake)

``eligible_cost`` is the full cost (with contingency) of the items the rule may pay for: those
named in ``items`` and/or of the ``tiers`` listed (both given: items of those tiers; neither:
every item). ``matched`` is what the earlier rules of the sources in ``match_of`` pay.
How much each rule then *pays* is decided by the engine (:mod:`fundmodel.engine.funding`): the
allocation leaves the smallest gap the offers allow, and among such allocations the rules pay
in the order written (the first as much as it can, then the next...).
Only the fields that make sense for a source are accepted for it.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ...io.limits import MAX_MATCH_RATIO, MAX_NAMES
from ..ranges import uncertain
from ..renovation import Money, Share, MoneySum
from .source import Source

__all__ = [
    "CentralSubsidy",
    "LocalBudget",
    "ProgrammeFunds",
    "UtilityCompanies",
    "SoeTransfer",
    "Residents",
    "Donations",
    "CentralBudgetInvestment",
    "ProvincialFunds",
    "Crowdfunding",
    "GRANTS",
]


MatchRatio = uncertain(ge=0, le=MAX_MATCH_RATIO, percent=True)
"""CNY per CNY matched, in [0, 10]."""


class CentralSubsidy(Source):
    """Central government subsidy (中央补助): per household and/or a share of eligible cost."""

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "central_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("per_household", "share", "amount", "per_unit")
    source: Literal["central_subsidy"]
    per_unit: Money | None = None
    """CNY per unit of quantity of the eligible items (per lift, per metre of pipe); the
    eligible items must share one unit."""
    per_household: Money | None = None
    """CNY per household (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""
    share: Share | None = None
    """Share of the eligible cost, in [0, 1]."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""


class LocalBudget(Source):
    """Local (provincial, city, district) budget: a match of other sources, a share, or an amount."""

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "city_district_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("match_ratio", "share", "per_household", "amount",
                                                "per_unit")
    source: Literal["local_budget"]
    per_unit: Money | None = None
    """CNY per unit of quantity of the eligible items (one unit for all of them)."""
    match_ratio: MatchRatio | None = None
    """CNY of local money per CNY applied by the ``match_of`` sources before this rule, in
    [0, 10]: real matches are 0.1–1, and 30 is 0.3 written as a percentage."""
    match_of: list[str] = Field(default=["central_subsidy"], max_length=MAX_NAMES)
    """Sources (by source name or label) whose applied amounts are matched."""
    share: Share | None = None
    """Share of the eligible cost, in [0, 1]."""
    per_household: Money | None = None
    """CNY per household (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""


class ProgrammeFunds(Source):
    """Integrated programme funds for listed items (sponge city, urban renewal, ...)."""

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "city_district_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("share", "amount", "per_unit")
    source: Literal["programme_funds"]
    per_unit: Money | None = None
    """CNY per unit of quantity of the eligible items (one unit for all of them)."""
    share: Share | None = None
    """Share of the eligible cost, in [0, 1]."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""


class UtilityCompanies(Source):
    """Utility and pipeline companies paying for their own networks (named items)."""

    payer: ClassVar[str] = "utilities"
    party: ClassVar[str] = "utilities"
    amount_fields: ClassVar[tuple[str, ...]] = ("share", "amount")
    source: Literal["utility_companies"]
    items: list[str] = Field(min_length=1, max_length=MAX_NAMES)
    """Names of the renovation items (networks) the companies pay for."""
    share: Share | None = 1.0
    """Share of those items' cost (default: all of it)."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""


class SoeTransfer(Source):
    """State-firm "三供一业" transfer funds, per household of eligible compounds."""

    payer: ClassVar[str] = "soe"   # the state firms' money, not a government budget's
    party: ClassVar[str] = "soe"
    amount_fields: ClassVar[tuple[str, ...]] = ("per_household", "amount")
    source: Literal["soe_transfer"]
    per_household: Money | None = None
    """CNY per household (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (at most 1e15: a bound far beyond any compound that catches extra
    zeros)."""


class Residents(Source):
    """Residents' own contribution (居民出资); ``uptake`` is the share of households that pay."""

    payer: ClassVar[str] = "residents"
    party: ClassVar[str] = "residents"
    amount_fields: ClassVar[tuple[str, ...]] = ("per_household", "per_m2", "share", "amount")
    source: Literal["residents"]
    per_household: Money | None = None
    """CNY per paying household (at most 1e15: a bound far beyond any compound that catches
    extra zeros)."""
    per_m2: Money | None = None
    """CNY per m² of floor area of paying households (at most 1e15: a bound far beyond any
    compound that catches extra zeros)."""
    share: Share | None = None
    """Share of the eligible items' cost, scaled by uptake."""
    amount: MoneySum | None = None
    """Fixed amount, CNY (e.g. crowdfunded extras), scaled by uptake (at most 1e15: a bound far
    beyond any compound that catches extra zeros)."""
    uptake: Share = 1.0
    """Share of households that pay, in [0, 1]."""


class Donations(Source):
    """Donations by firms, foundations or individuals."""

    payer: ClassVar[str] = "donors"
    party: ClassVar[str] = "donors"
    amount_fields: ClassVar[tuple[str, ...]] = ("amount",)
    source: Literal["donations"]
    amount: MoneySum | None = None
    """Amount, CNY (at most 1e15: a bound far beyond any compound that catches extra zeros)."""


class CentralBudgetInvestment(Source):
    """Central budget investment (中央预算内投资), a central source of its own beside the
    fiscal subsidy: per household, per unit of quantity, a share of the eligible cost or an
    amount."""

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "central_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("per_household", "per_unit", "share", "amount")
    source: Literal["central_budget_investment"]
    per_household: Money | None = None
    """CNY per household."""
    per_unit: Money | None = None
    """CNY per unit of quantity of the eligible items (one unit for all of them)."""
    share: Share | None = None
    """Share of the eligible cost, in [0, 1]."""
    amount: MoneySum | None = None
    """Fixed amount, CNY."""


class ProvincialFunds(Source):
    """Provincial funds (省级资金): a match of earlier sources, per household, per unit, a share
    of the eligible cost or an amount."""

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "provincial_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("match_ratio", "per_household", "per_unit",
                                                "share", "amount")
    source: Literal["provincial_funds"]
    match_ratio: MatchRatio | None = None
    """CNY per CNY applied by the ``match_of`` sources before this rule, in [0, 10]."""
    match_of: list[str] = Field(default=["central_subsidy"], max_length=MAX_NAMES)
    """Sources (by source name or label) whose applied amounts are matched."""
    per_household: Money | None = None
    """CNY per household."""
    per_unit: Money | None = None
    """CNY per unit of quantity of the eligible items (one unit for all of them)."""
    share: Share | None = None
    """Share of the eligible cost, in [0, 1]."""
    amount: MoneySum | None = None
    """Fixed amount, CNY."""


class Crowdfunding(Source):
    """Residents' crowdfunding for extras (众筹), beside their required contribution;
    ``uptake`` is the share of households that chip in."""

    payer: ClassVar[str] = "residents"
    party: ClassVar[str] = "residents"
    amount_fields: ClassVar[tuple[str, ...]] = ("per_household", "amount")
    source: Literal["crowdfunding"]
    per_household: Money | None = None
    """CNY per contributing household."""
    amount: MoneySum | None = None
    """Amount, CNY, scaled by uptake."""
    uptake: Share = 1.0
    """Share of households that contribute."""


GRANTS = (CentralSubsidy, CentralBudgetInvestment, ProvincialFunds, LocalBudget, ProgrammeFunds,
          UtilityCompanies, SoeTransfer, Residents, Crowdfunding, Donations)
"""The grant sources, in the order of the registry."""
