"""The long-term repairs fund (维修资金): deposits, top-ups, interest and the components it
replaces — a condominium reserve fund.

Timing (see ``docs/repairs-fund.md``): the opening balance is the fund's at the start of
operating year 1; the first deposit is paid at the end of year 0 (the renovation's completion);
every other flow falls at the end of an operating year. Amounts of money are CNY; component
costs are in prices of operating year 1.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal

from pydantic import Field, model_validator

from .base import ScenarioModel, fail
from ..io.limits import MAX_MONEY_CNY, RATE_MAX, RATE_MIN
from .ranges import bounded, uncertain
from .renovation import Money, Share, MoneySum
from .money import sum_of_money

__all__ = ["RepairsFund", "FirstDeposit", "FundTopUp", "FundInterest", "Component",
           "FundThreshold", "MAX_COMPONENTS", "MAX_LIFE_YEARS"]

MAX_COMPONENTS = 200
"""Most components of a repairs fund's schedule (a reserve study lists a few dozen)."""
MAX_LIFE_YEARS = 200
"""Longest useful life of a component, years (a structure lasts about a century)."""

Rate = uncertain(ge=RATE_MIN, le=RATE_MAX, percent=True)
"""A yearly rate in [−0.5, 1] (0.015 for 1.5 %; a larger number is a percentage)."""
PlainShare = bounded(float, ge=0, le=1, percent=True)
"""A share in [0, 1], a plain number (a rule, not an uncertain input)."""
PlainMoney = bounded(float, ge=0, le=MAX_MONEY_CNY, reason="the bound on an amount of money, CNY")
"""An amount of money, CNY, in [0, 1e15], a plain number."""
Years = bounded(int, ge=1, le=MAX_LIFE_YEARS, reason="a life longer than any building's")


class FirstDeposit(ScenarioModel):
    """The first deposit (首期维修资金), paid by the residents into the fund at the end of
    year 0 (the renovation's completion), CNY::

        floor_area_m2 × share_of_construction_cost × construction_cost_per_m2   or
        floor_area_m2 × per_m2

    Many cities set 5–8 % of the construction cost per m²; many old compounds never paid one
    (leave the section out)."""

    share_of_construction_cost: Share | None = None
    """Share of the construction cost per m², in [0, 1] (0.05–0.08 in many cities; with
    ``construction_cost_per_m2``)."""
    construction_cost_per_m2: Money | None = None
    """Construction (building and installation) cost per m² of floor area, CNY/m² (with
    ``share_of_construction_cost``)."""
    per_m2: Money | None = None
    """Or the deposit per m² of floor area directly, CNY/m²."""

    @model_validator(mode="after")
    def _one_form(self) -> "FirstDeposit":
        pair = ("share_of_construction_cost", "construction_cost_per_m2")
        given = [f for f in pair if getattr(self, f) is not None]
        if bool(given) == (self.per_m2 is not None):
            raise fail("give either per_m2, or share_of_construction_cost and "
                       "construction_cost_per_m2", *(("per_m2",) if given else ()))
        if len(given) == 1:
            raise fail(f"give both {pair[0]} and {pair[1]}", given[0])
        return self


class FundTopUp(ScenarioModel):
    """The top-up rule (续交): when the fund's balance at a year's end (after that year's
    interest, contributions and replacements) falls below the trigger, the residents pay, at
    that year's end, what brings it back to the restore level.

    The levels are shares of the first deposit (``trigger_share``, ``restore_to_share``;
    30 % and 100 % in many cities' rules) or amounts (``trigger_balance``,
    ``restore_to_balance``), not both."""

    trigger_share: PlainShare | None = None
    """Top up when the year-end balance is below this share of the first deposit, in [0, 1]
    (0.3 in many cities)."""
    restore_to_share: PlainShare | None = None
    """... back to this share of the first deposit, in [0, 1] (default 1: the whole first
    deposit); at least ``trigger_share``."""
    trigger_balance: sum_of_money(PlainMoney) | None = None
    """Or: top up when the year-end balance is below this amount, CNY."""
    restore_to_balance: sum_of_money(PlainMoney) | None = None
    """... back to this amount, CNY (with ``trigger_balance``; at least it)."""

    @model_validator(mode="after")
    def _one_form(self) -> "FundTopUp":
        shares = [f for f in ("trigger_share", "restore_to_share") if getattr(self, f) is not None]
        amounts = [f for f in ("trigger_balance", "restore_to_balance")
                   if getattr(self, f) is not None]
        if shares and amounts:
            raise fail("give the levels as shares of the first deposit (trigger_share, "
                       "restore_to_share) or as amounts (trigger_balance, restore_to_balance), "
                       "not both", amounts[0])
        if not shares and not amounts:
            raise fail("give trigger_share (a share of the first deposit) or trigger_balance "
                       "(CNY): the balance below which the residents top the fund up")
        if shares:
            if self.trigger_share is None:
                raise fail("give trigger_share: the share of the first deposit below which the "
                           "fund is topped up", "restore_to_share")
            if self.restore_to_share is not None and self.restore_to_share < self.trigger_share:
                raise fail(f"restore_to_share {self.restore_to_share:g} is below trigger_share "
                           f"{self.trigger_share:g}; a top-up restores at least the trigger "
                           "level", "restore_to_share")
        else:
            if self.trigger_balance is None:
                raise fail("give trigger_balance: the balance below which the fund is topped "
                           "up", "restore_to_balance")
            if self.restore_to_balance is None:
                raise fail("give restore_to_balance: the balance a top-up restores (CNY)",
                           "trigger_balance")
            if self.restore_to_balance < self.trigger_balance:
                raise fail(f"restore_to_balance {self.restore_to_balance:g} is below "
                           f"trigger_balance {self.trigger_balance:g}; a top-up restores at "
                           "least the trigger level", "restore_to_balance")
        return self

    def by_share(self) -> bool:
        """Whether the levels are shares of the first deposit."""
        return self.trigger_share is not None

    def restore_share(self) -> float:
        """``restore_to_share``, default 1."""
        return 1.0 if self.restore_to_share is None else float(self.restore_to_share)


class FundInterest(ScenarioModel):
    """Interest the fund's deposits earn: ``rate × the balance at the start of the year``,
    credited at the year's end (a negative balance, an overdraft, is charged the same
    rate)."""

    rate: Rate
    """Yearly interest rate, in [−0.5, 1] (0.015 for 1.5 %: deposit rates; uncertain
    allowed)."""
    basis: Literal["start_of_year_balance"] = "start_of_year_balance"
    """What the rate applies to: the balance at the start of the year (the only basis so far,
    stated so that it is explicit)."""


class Component(ScenarioModel):
    """A component the fund replaces (roof, pipes, lifts, facade, cameras): its remaining life
    runs out at the end of operating year ``remaining_life_years``, then every
    ``useful_life_years``; it is replaced then (``convention: end_of_year``) or in the next
    year, the year its remaining life is 0 (``reserve_study``). Its age at the start of
    operating year 1 is ``L − r``."""

    name: str = Field(min_length=1)
    """Unique name of the component."""
    cost: MoneySum | None = None
    """Cost of one replacement in prices of operating year 1, CNY (uncertain allowed)."""
    cost_per_m2: Money | None = None
    """Or its cost per m² of the compound's floor area, CNY/m² in prices of operating year 1:
    ``cost = cost_per_m2 × floor_area_m2`` (in a portfolio, each compound's own)."""
    useful_life_years: Years
    """Years between replacements, L ≥ 1."""
    remaining_life_years: bounded(int, ge=0, le=MAX_LIFE_YEARS,
                                  reason="a life longer than any building's") | None = None
    """Years left at the start of operating year 1 (just after the renovation), r in [1, L]:
    worn out at the end of operating year r (L: just renewed); 0 (due in year 1) under the
    ``reserve_study`` convention only. Or give ``age_years``."""
    age_years: bounded(int, ge=0, le=MAX_LIFE_YEARS,
                       reason="a life longer than any building's") | None = None
    """Or its age at the start of operating year 1, in [0, L − 1] (r = L − age; L under
    ``reserve_study``)."""
    growth: Rate | None = None
    """Yearly growth of its cost from operating year 1 on, in [−0.5, 1] (default: the
    scenario's inflation)."""
    per: Literal["compound", "building"] = "compound"
    """Whose ``cost`` it is, with accounts per building (``accounts: building``): the
    compound's, split over the buildings by floor area (a shared part: the gate, the fence),
    or each building's own (``building``: every building has one, at the whole ``cost``: its
    lift, its roof)."""
    item: str | None = None
    """A renovation item voted on by a household decision (``accounts: building``): the
    component exists only in the buildings where the vote built the item (a lift where the
    stair voted it in), in every draw its own."""

    @model_validator(mode="after")
    def _one_life(self) -> "Component":
        life = self.useful_life_years
        if self.per == "building" and self.cost is None:
            raise fail("per: building gives each building the whole cost (CNY); a cost_per_m2 "
                       "already follows each building's floor area: give cost, or leave out "
                       "per", "per")
        if self.item is not None and self.cost is not None and self.per != "building":
            raise fail(f"the component exists only in the buildings that built "
                       f"{self.item!r}: give its cost per building (per: building) or per m² "
                       "of their floor area (cost_per_m2), not a cost shared by the whole "
                       "compound", "item")
        if self.cost is not None and self.cost_per_m2 is not None:
            raise fail("give the replacement's cost (CNY) or cost_per_m2 (CNY per m² of floor "
                       "area), not both", "cost_per_m2")
        if self.cost is None and self.cost_per_m2 is None:
            raise fail("give the replacement's cost (CNY) or cost_per_m2 (CNY per m² of floor "
                       "area)")
        if self.remaining_life_years is None and self.age_years is None:
            raise fail("give remaining_life_years (years left at the start of operating year "
                       "1) or age_years")
        if self.remaining_life_years is not None and self.age_years is not None:
            raise fail("give either remaining_life_years or age_years, not both", "age_years")
        if self.remaining_life_years is not None and self.remaining_life_years > life:
            raise fail(f"remaining_life_years {self.remaining_life_years} is longer than the "
                       f"useful life of {life} years", "remaining_life_years")
        if self.age_years is not None and self.age_years > life:
            raise fail(f"age_years {self.age_years} is longer than the useful life of {life} "
                       "years", "age_years")
        return self

    def remaining(self) -> int:
        """Remaining life at the start of operating year 1, r = L − age, years (0: due in year
        1, under the ``reserve_study`` convention only)."""
        if self.remaining_life_years is not None:
            return int(self.remaining_life_years)
        return int(self.useful_life_years) - int(self.age_years)


class FundThreshold(ScenarioModel):
    """The threshold funding goal: the year-end balance never below ``floor`` (CNY), or never
    below ``percent_funded`` × the fully funded balance of the next year's start. Without it
    the goal's floor is the top-up trigger (0 without a top-up rule)."""

    floor: MoneySum | None = None
    """Least year-end balance, CNY (uncertain allowed)."""
    percent_funded: Share | None = None
    """Or the least year-end balance as a share of the fully funded balance at that moment, in
    [0, 1]."""

    @model_validator(mode="after")
    def _one_form(self) -> "FundThreshold":
        if (self.floor is None) == (self.percent_funded is None):
            raise fail("give either floor (CNY) or percent_funded (a share of the fully funded "
                       "balance)", *(("percent_funded",) if self.floor is not None else ()))
        return self


class RepairsFund(ScenarioModel):
    """The compound's long-term repairs fund (维修资金), operating years 1..horizon.

    Year t, all at year end: ``B_end = B_start × (1 + i) + deposits − expenditure (+ top-up)``
    with ``B_start`` of year 1 = ``opening_balance`` + the first deposit; deposits are
    ``contribution_per_m2_year × floor_area_m2 × (1 + contribution_growth)^(t − 1)``; the
    expenditure is the components due that year at ``cost × (1 + growth)^(t − 1)`` (which year
    a component is due in: ``convention``). Reports the fully funded balance, percent funded
    and the level contributions that meet the baseline, threshold and full funding goals
    (``docs/repairs-fund.md``)."""

    opening_balance: MoneySum = 0.0
    """The fund's balance at the start of operating year 1 (before the first deposit), CNY."""
    first_deposit: FirstDeposit | None = None
    """The first deposit, paid at the end of year 0 (optional: many old compounds never paid
    one)."""
    contribution_per_m2_year: Money = 0.0
    """Level yearly contribution per m² of floor area in operating year 1, CNY/m²/year, paid
    at each year's end (uncertain allowed: the lever a solver sweeps)."""
    contribution_growth: Rate = 0.0
    """Yearly growth of the contribution from year 2 on, in [−0.5, 1] (default 0)."""
    top_up: FundTopUp | None = None
    """The top-up rule (optional: without it the balance may fall below 0)."""
    interest: FundInterest | None = None
    """Interest on the balance (optional: without it none)."""
    components: list[Component] = Field(default=[], max_length=MAX_COMPONENTS)
    """The components the fund replaces."""
    threshold: FundThreshold | None = None
    """The threshold goal (default: the top-up trigger, or 0)."""
    accounts: Literal["compound", "building"] = "compound"
    """Who keeps the fund: one account for the compound (the default), or one per building
    (``building``, 分幢核算: each building's deposits pay its own replacements; needs the
    buildings of a ``households`` section). Per building, deposits, the first deposit and
    top-ups are on the building's floor area (its units × area per unit), interest on its own
    balance, the top-up trigger its own; amounts written in CNY for the compound (opening
    balance, trigger and restore balances, the threshold floor, a component's shared
    ``cost``) are split over the buildings by floor area (``docs/repairs-fund.md``)."""
    convention: Literal["end_of_year", "reserve_study"] = "end_of_year"
    """Which operating year a replacement belongs to, and where the fully funded balance is
    measured (``docs/repairs-fund.md``). ``end_of_year``: a component whose remaining life runs
    out at the end of year t is replaced then, at year-t prices; the fully funded balance at
    the start of each year is measured after the replacements of that instant.
    ``reserve_study`` (as reserve studies publish it): it is replaced in year t + 1, the year
    whose start finds its remaining life 0, at year-(t + 1) prices and paid within that year;
    the balance and the fully funded balance at the start of a year are measured just before
    its replacements, which they include at their full cost."""

    @model_validator(mode="after")
    def _consistent(self) -> "RepairsFund":
        names: dict[str, int] = {}
        for k, component in enumerate(self.components):
            if component.name in names:
                raise fail(f"duplicate name '{component.name}' (also components"
                           f"[{names[component.name]}])", "components", k, "name")
            names[component.name] = k
            if self.accounts == "compound":
                for field, given in (("per", component.per == "building"),
                                     ("item", component.item is not None)):
                    if given:
                        raise fail(f"{field} places the component in buildings, which needs "
                                   "an account per building: write accounts: building in "
                                   "repairs_fund", "components", k, field)
        if self.convention == "end_of_year":
            for k, c in enumerate(self.components):
                if c.remaining() == 0:
                    field = "age_years" if c.remaining_life_years is None else \
                        "remaining_life_years"
                    given = (f"age_years {c.age_years} reaches the useful life of "
                             f"{c.useful_life_years} years" if field == "age_years" else
                             "remaining_life_years 0")
                    raise fail(f"{given}: the component is due now, before operating year 1 "
                               "under the end_of_year convention; write remaining_life_years: "
                               "1 (replaced at the end of operating year 1), or convention: "
                               "reserve_study (replaced in year 1, its remaining life 0)",
                               "components", k, field)
        if self.top_up is not None and self.top_up.by_share() and self.first_deposit is None:
            raise fail("trigger_share is a share of the first deposit, but the fund has no "
                       "first_deposit; give one, or the levels as trigger_balance and "
                       "restore_to_balance (CNY)", "top_up", "trigger_share")
        return self

    def problems_in(self, scenario: Any) -> Iterator[tuple[str, ...]]:
        """Checks against the rest of the scenario: the year-1 amounts derived from the floor
        area stay within the bound on money; with ``accounts: building``, the scenario has the
        buildings (a ``households`` section) and every component's ``item`` is a renovation
        item a household decision votes on. Yields ``(message, *path below repairs_fund)``."""
        from .distributions import largest_value

        if self.accounts == "building":
            hh = scenario.households
            if hh is None:
                yield ("accounts: building keeps an account per building, but the scenario "
                       "has no buildings: add a households section (buildings listed, "
                       "generated from the compound's buildings and storeys, or a district's "
                       "portfolio.buildings table)", "accounts")
                return
            voted = {name for d in hh.decisions for name in d.items}
            items = [it.name for it in scenario.renovation.items]
            for k, c in enumerate(self.components):
                if c.item is None or c.item in voted:
                    continue
                what = ("no renovation item is named" if c.item not in items else
                        "no household decision votes on")
                listed = ", ".join(sorted(voted)) if voted else "none here"
                yield (f"{what} {c.item!r}: a component's item is an item voted on by a "
                       f"household decision (households.decisions[*].items: {listed})",
                       "components", k, "item")

        area = float(scenario.compound.floor_area_m2)
        amounts = [(largest_value(self.contribution_per_m2_year) * area,
                    "contribution_per_m2_year × floor_area_m2", ("contribution_per_m2_year",))]
        d = self.first_deposit
        if d is not None:
            per_m2 = (largest_value(d.per_m2) if d.per_m2 is not None else
                      largest_value(d.share_of_construction_cost)
                      * largest_value(d.construction_cost_per_m2))
            at = "per_m2" if d.per_m2 is not None else "construction_cost_per_m2"
            amounts.append((per_m2 * area, "the first deposit (per m² × floor_area_m2)",
                            ("first_deposit", at)))
        for k, c in enumerate(self.components):
            if c.cost_per_m2 is not None:
                amounts.append((largest_value(c.cost_per_m2) * area,
                                "cost_per_m2 × floor_area_m2", ("components", k, "cost_per_m2")))
        for amount, what, at in amounts:
            if not amount <= MAX_MONEY_CNY:
                yield (f"{what}: up to {amount:.3g} CNY, beyond the bound of "
                       f"{MAX_MONEY_CNY:g} CNY on any amount", *at)

    def component_names(self) -> list[str]:
        """The components' names, in order."""
        return [c.name for c in self.components]
