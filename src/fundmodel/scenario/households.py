"""Residents as households: buildings by floor, how a cost is charged to its beneficiaries, how
the households pay, and the decisions they vote on.

The ``households:`` section of a :class:`~fundmodel.scenario.Scenario`; the engine's
counterparts are :mod:`fundmodel.engine.households`, :mod:`fundmodel.engine.consent` and
:mod:`fundmodel.engine.instruments.residents`. Renovation item names (``charges[i].item``,
``decisions[i].items``) are checked against the renovation by the scenario, which holds both
(:meth:`Households.item_references` lists them with their paths).
"""

from __future__ import annotations

from typing import Annotated, Any, Iterator, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from .base import ScenarioModel, did_you_mean, fail
from .distributions import DistributionBase
from ..io.limits import (MAX_AREA_M2, MAX_HOUSEHOLDS, MAX_ITEMS, MAX_NAMES, MAX_RULES, MAX_STOREYS,
                     RATE_MAX)
from .ranges import bounded, uncertain
from .renovation import Money, Share

__all__ = [
    "SharingRule", "DecisionKind", "MAJOR_DECISIONS", "Building", "FloorSharing", "Charge",
    "Takeup", "PaymentChannels", "VoteRule", "Decision", "Households", "civil_code_rule",
    "MAX_DETAILED_HOUSEHOLDS", "is_per_household", "generated_units", "generated_buildings",
]

MAX_DETAILED_HOUSEHOLDS = 20_000
"""Most households a ``households:`` section may describe: each draw holds a value per
household (20,000 is several times the largest compounds)."""


def is_per_household(path: tuple) -> bool:
    """Whether the input at ``path`` (below the scenario) is drawn for every household
    separately: a decision's ``willingness_to_pay_cny``."""
    return (len(path) == 4 and path[0] == "households" and path[1] == "decisions"
            and path[3] == "willingness_to_pay_cny")

SharingRule = Literal["floors_travelled", "equal", "by_area", "table"]
"""How a building's cost is shared by floor: by floors travelled (``k − 1`` for floor k),
equally, by the units' area, or by a table of coefficients."""

DecisionKind = Literal["add_lift", "raise_repairs_fund", "rebuild", "change_common_use",
                       "use_repairs_fund", "other"]
"""What residents vote on."""

MAJOR_DECISIONS: tuple[str, ...] = ("add_lift", "raise_repairs_fund", "rebuild",
                                    "change_common_use")
"""Decisions that need 3/4 of the participants (Civil Code art. 278 items 6–8: raising the
repairs fund, rebuilding or altering buildings — adding a lift alters the building —, changing
the use of common parts); the others need more than half."""

UnitCount = bounded(int, ge=0, le=MAX_HOUSEHOLDS, reason="more households than China has")
UnitArea = bounded(float, gt=0, le=MAX_AREA_M2, reason="the bound on floor areas, m²")
Floor = bounded(int, ge=1, le=MAX_STOREYS, reason="the tallest buildings have about 160 storeys")
Coefficient = bounded(float, ge=0, le=1e6, reason="a coefficient is a relative weight; "
                      "1e6 is far beyond any table")
Threshold = bounded(float, ge=0, le=1, percent=True)
LoanRate = uncertain(ge=0, le=RATE_MAX, percent=True)


def _one_or_list(value: Any) -> str | None:
    if isinstance(value, list):
        return "list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return None


def _per_floor(kind: Any, what: str) -> Any:
    """One number for every floor, or a list with one per floor."""
    return Annotated[Union[Annotated[kind, Tag("number")], Annotated[list[kind], Tag("list")]],
                     Discriminator(_one_or_list, custom_error_type="per_floor",
                                   custom_error_message=f"expected {what} or a list of them, "
                                   "one per floor")]


def _largest(value) -> float:
    """The largest value an input can take (a distribution's upper support)."""
    return float(value.support()[1]) if isinstance(value, DistributionBase) else float(value)


class Building(ScenarioModel):
    """A residential building: floors, units on each floor and their area."""

    name: str = Field(min_length=1)
    """Unique name, used by charges and decisions."""
    floors: Floor
    """Number of floors, 1 (the ground floor) to 200."""
    units_per_floor: _per_floor(UnitCount, "a whole number")
    """Units (households) on every floor, or a list with one count per floor, ground floor
    first (0 for a floor of shops)."""
    area_per_unit_m2: _per_floor(UnitArea, "an area in m²") | None = None
    """Exclusive area of a unit, m² — one figure, or one per floor (needed by the ``by_area``
    sharing rule; the consent count by area takes every unit as equal without it)."""

    @model_validator(mode="before")
    @classmethod
    def _whole_counts(cls, data: Any) -> Any:
        # 3.0 units is 3, as for every other count (a list's entries too); 2.5 is still refused
        def whole(x: Any) -> Any:
            return int(x) if isinstance(x, float) and x.is_integer() else x
        if isinstance(data, dict) and "units_per_floor" in data:
            u = data["units_per_floor"]
            data = {**data, "units_per_floor": [whole(x) for x in u] if isinstance(u, list)
                    else whole(u)}
        return data

    @model_validator(mode="after")
    def _per_floor_lists(self):
        for field in ("units_per_floor", "area_per_unit_m2"):
            value = getattr(self, field)
            if isinstance(value, list) and len(value) != self.floors:
                raise fail(f"has {len(value)} entries for {self.floors} floors: give one per "
                           "floor, or a single number", field)
        if sum(self.units()) == 0:
            raise fail("the building has no units", "units_per_floor")
        return self

    def units(self) -> list[int]:
        """Units on each floor, ground floor first."""
        u = self.units_per_floor
        return list(u) if isinstance(u, list) else [u] * self.floors

    def areas_m2(self) -> list[float] | None:
        """Area of a unit on each floor, m², or None when not given."""
        a = self.area_per_unit_m2
        return None if a is None else (list(a) if isinstance(a, list) else [a] * self.floors)


class FloorSharing(ScenarioModel):
    """How a building's cost is shared among its households, by floor.

    A household on floor k weighs ``w_k``: ``k − 1`` (``floors_travelled``), 1 (``equal``), its
    unit's area (``by_area``) or ``table[k − 1]`` (``table``); the floors in ``exempt_floors``
    weigh 0. Each household pays ``w_k / Σ_j u_j w_j`` of the residents' part of the cost.
    """

    rule: SharingRule = "floors_travelled"
    """floors_travelled, equal, by_area or table (given a ``table``, the rule is table)."""
    table: list[Coefficient] | None = Field(default=None, min_length=1, max_length=MAX_STOREYS)
    """Coefficient of one household on each floor, ground floor first (relative weights,
    normalised over the building's households)."""
    exempt_floors: list[Floor] = Field(default=[1], max_length=MAX_STOREYS)
    """Floors that pay nothing (default: the ground floor; ``[]`` for none)."""

    @model_validator(mode="before")
    @classmethod
    def _table_implies_rule(cls, data):
        if isinstance(data, dict) and "table" in data and "rule" not in data:
            data = {**data, "rule": "table"}
        return data

    @model_validator(mode="after")
    def _table_with_rule(self):
        if self.rule == "table" and self.table is None:
            raise fail("the table rule needs a table of coefficients, one per floor", "rule")
        if self.rule != "table" and self.table is not None:
            raise fail(f"a table is only used by the table rule, not {self.rule}", "table")
        return self

    def weights(self, building: Building) -> list[float]:
        """Per-household weight on each floor of ``building`` (ground floor first)."""
        n = building.floors
        if self.rule == "floors_travelled":
            w = [float(k) for k in range(n)]
        elif self.rule == "equal":
            w = [1.0] * n
        elif self.rule == "by_area":
            w = list(building.areas_m2() or [])
        else:
            w = list(self.table or [])
        return [0.0 if k + 1 in self.exempt_floors else x for k, x in enumerate(w)]


class Charge(ScenarioModel):
    """A renovation item charged to its beneficiaries only.

    ``shared_by: building`` (a lift): the residents' part of the item's cost is split equally
    among the listed buildings, and within each by ``sharing``. ``shared_by: household``
    (doors, windows, in-home pipes): it is split equally among every household of the listed
    buildings.
    """

    item: str = Field(min_length=1)
    """Name of the renovation item."""
    buildings: list[str] | None = Field(default=None, min_length=1, max_length=MAX_NAMES)
    """The buildings that benefit (default: every building)."""
    shared_by: Literal["building", "household"] = "building"
    """building: one share per building, split by floor; household: one share per household."""
    sharing: FloorSharing | None = None
    """How a building's share is split by floor (default: floors travelled, ground floor
    exempt); only with ``shared_by: building``."""

    @model_validator(mode="after")
    def _sharing_for_buildings(self):
        if self.shared_by == "household" and self.sharing is not None:
            raise fail("sharing by floor only applies with shared_by: building", "sharing")
        return self

    def floor_sharing(self) -> FloorSharing | None:
        """The floor sharing in force (the default one for a building charge)."""
        if self.shared_by == "household":
            return None
        return self.sharing if self.sharing is not None else FloorSharing()


class Takeup(ScenarioModel):
    """Share of the paying households using each channel; together at most 1.

    The households a ``residents`` funding rule makes pay (its ``uptake``) pay their shares
    through these channels; those using none of them pay in cash, so ``cash`` is in effect
    ``1 − repairs_fund − provident_fund − loan`` (writing it only documents the split).
    """

    cash: Share = 0.0
    """Pay in cash, in [0, 1]."""
    repairs_fund: Share = 0.0
    """Withdraw from the compound's repairs fund (维修资金), in [0, 1]."""
    provident_fund: Share = 0.0
    """Withdraw from their housing provident fund (公积金), in [0, 1]."""
    loan: Share = 0.0
    """Borrow from a bank, in [0, 1]."""

    @model_validator(mode="after")
    def _at_most_one(self):
        fields = ("cash", "repairs_fund", "provident_fund", "loan")
        total = sum(_largest(getattr(self, f)) for f in fields)
        if total > 1 + 1e-12:
            raise fail(f"the take-ups can add up to {total:g}; together they must be at most 1 "
                       "(distributions count with their largest value)")
        return self


class PaymentChannels(ScenarioModel):
    """How households pay their shares: cash, the repairs fund (up to the compound's balance,
    cut pro rata), the provident fund (up to a cap per owner; the rest in cash) or a bank loan
    (its monthly payment per borrowing household is an output)."""

    takeup: Takeup
    """Share of households using each channel."""
    repairs_fund_balance_cny: Money | None = None
    """Balance of the compound's repairs fund available for withdrawals, CNY."""
    provident_fund_cap_per_owner_cny: Money | None = None
    """Most an owner may withdraw from the provident fund, CNY (default: no cap)."""
    loan_rate: LoanRate | None = None
    """Yearly nominal interest rate of the bank loan, in [0, 1] (0.04 for 4 %), paid monthly at
    rate/12."""
    loan_term_years: bounded(int, ge=1, le=50, reason="bank loans run at most 30 years") \
        | None = None
    """Term of the bank loan, years (monthly payments)."""

    @model_validator(mode="after")
    def _channel_terms(self):
        if _largest(self.takeup.repairs_fund) > 0 and self.repairs_fund_balance_cny is None:
            raise fail("households withdraw from the repairs fund: give its balance",
                       "repairs_fund_balance_cny")
        if _largest(self.takeup.loan) > 0:
            for field in ("loan_rate", "loan_term_years"):
                if getattr(self, field) is None:
                    raise fail(f"households borrow: give the loan's {field}", field)
        return self


class VoteRule(ScenarioModel):
    """Thresholds of a vote, fractions in [0, 1]; ``null`` leaves a measure uncounted.

    Quorum: the owners taking part must hold at least ``quorum_area`` of the electorate's area
    and be at least ``quorum_headcount`` of its owners. Approval: the yes votes must be at least
    (``strict``: more than) ``approval_*`` of the ``base``. A key not written takes the Civil
    Code value for the decision's kind.
    """

    quorum_headcount: Threshold | None = 2 / 3
    """Least share of owners taking part (≥), default 2/3."""
    quorum_area: Threshold | None = 2 / 3
    """Least share of exclusive area taking part (≥), default 2/3."""
    approval_headcount: Threshold | None = 3 / 4
    """Least share of the base's owners voting yes, default 3/4 (1/2 for simple decisions)."""
    approval_area: Threshold | None = 3 / 4
    """Least share of the base's area voting yes, default 3/4 (1/2 for simple decisions)."""
    strict: bool = False
    """Approval needs more than the threshold (过半数), not at least it (以上); default true
    for simple decisions."""
    base: Literal["participants", "electorate"] = "participants"
    """Approval shares are of those taking part (the Civil Code), or of the whole electorate
    (local rules such as "2/3 of the building's households")."""


def civil_code_rule(kind: str) -> VoteRule:
    """Civil Code art. 278 for a decision of ``kind``: quorum 2/3 by area and headcount;
    approval by at least 3/4 of the participants for :data:`MAJOR_DECISIONS`, by more than
    half otherwise."""
    if kind in MAJOR_DECISIONS:
        return VoteRule()
    return VoteRule(approval_headcount=0.5, approval_area=0.5, strict=True)


class Decision(ScenarioModel):
    """A decision the residents vote on; if it fails in a draw, its items (and their funding)
    are dropped in that draw."""

    name: str = Field(min_length=1)
    """Unique name of the decision."""
    kind: DecisionKind
    """add_lift, raise_repairs_fund, rebuild, change_common_use, use_repairs_fund or other."""
    items: list[str] = Field(min_length=1, max_length=MAX_NAMES)
    """Renovation items that depend on the vote."""
    electorate: Literal["building", "compound"] | None = None
    """Who votes: each listed building's households on their own (default for add_lift), or
    the households of the whole compound (default otherwise)."""
    buildings: list[str] | None = Field(default=None, min_length=1, max_length=MAX_NAMES)
    """Buildings whose households vote (default: every building)."""
    rule: VoteRule | None = None
    """Local thresholds; keys not written keep the Civil Code's for the kind."""
    participation: Share = 1.0
    """Share of households taking part, in [0, 1] (default: all)."""
    willingness_to_pay_cny: Money
    """What a household is willing to pay for the decision's items, CNY; a distribution is
    drawn for every household separately. A household votes yes when its share is within it."""

    def vote_electorate(self) -> str:
        """``building`` or ``compound``, with the kind's default."""
        if self.electorate is not None:
            return self.electorate
        return "building" if self.kind == "add_lift" else "compound"

    def vote_rule(self) -> VoteRule:
        """The thresholds in force: the written keys of ``rule`` over the Civil Code's."""
        default = civil_code_rule(self.kind)
        if self.rule is None:
            return default
        written = {k: getattr(self.rule, k) for k in self.rule.model_fields_set}
        return default.model_copy(update=written)


def generated_units(buildings: int, storeys: int, households: int) -> list[list[int]]:
    """Units per floor of ``buildings`` equal buildings of ``storeys`` floors holding
    ``households`` households, ground floor first, building by building.

    Every floor has ``q = ⌊households / (buildings × storeys)⌋`` units; the ``r = households −
    q × buildings × storeys`` units left go one each to the lowest floors, across the
    buildings: floor k (from 1) of building b (from 1) has ``q + 1`` units when
    ``(k − 1) × buildings + b ≤ r``, else ``q``. The count is exact.
    """
    q, r = divmod(int(households), int(buildings) * int(storeys))
    return [[q + 1 if (k - 1) * buildings + b <= r else q for k in range(1, storeys + 1)]
            for b in range(1, buildings + 1)]


def generated_buildings(buildings: int, storeys: int, households: int,
                        floor_area_m2: float) -> list["Building"]:
    """The buildings of a compound from its facts (:func:`generated_units`), named
    ``building 1`` … ``building B``, each unit of area ``floor_area_m2 / households`` m²."""
    area = float(floor_area_m2) / int(households)
    return [Building(name=f"building {b + 1}", floors=int(storeys), units_per_floor=units,
                     area_per_unit_m2=area)
            for b, units in enumerate(generated_units(buildings, storeys, households))]


class Households(ScenarioModel):
    """The compound's buildings and households, the items charged to them, how they pay and
    what they vote on."""

    buildings: list[Building] | None = Field(default=None, min_length=1, max_length=MAX_ITEMS)
    """The residential buildings (at most 1,000). Left out, they are generated from the
    compound's facts ``buildings``, ``storeys``, ``households`` and ``floor_area_m2``
    (:func:`generated_buildings`): always so in a district, whose compounds come from a
    table."""
    charges: list[Charge] = Field(default=[], max_length=MAX_ITEMS)
    """Items charged to their beneficiaries."""
    channels: PaymentChannels | None = None
    """How households pay (default: all in cash)."""
    decisions: list[Decision] = Field(default=[], max_length=MAX_RULES)
    """Decisions put to a vote."""

    @model_validator(mode="after")
    def _consistent(self):
        if self.buildings is None:
            for i, charge in enumerate(self.charges):
                self._check_sharing_rule(charge, i)
            for i, decision in enumerate(self.decisions):
                if decision.buildings is not None:
                    raise fail("the buildings are generated from the compound's facts "
                               "(building 1 … building B): leave out buildings, every "
                               "building votes", "decisions", i, "buildings")
            return self
        self.check_buildings(self.buildings)
        return self

    def _check_sharing_rule(self, charge: "Charge", i: int) -> None:
        """The sharing rule's own needs when the buildings are generated (every unit has an
        area: ``by_area`` is fine)."""
        if charge.buildings is not None:
            raise fail("the buildings are generated from the compound's facts (building 1 … "
                       "building B): leave out buildings, the charge is for every building",
                       "charges", i, "buildings")

    def with_buildings(self, buildings: list[Building]) -> "Households":
        """This section with ``buildings`` (generated ones), checked as if written."""
        out = self.model_copy(update={"buildings": buildings})
        out.check_buildings(buildings)
        return out

    def check_buildings(self, buildings: list[Building]) -> None:
        """The checks of the section against its buildings (names unique, charges and
        decisions naming buildings that exist, a sharing rule every building can use)."""
        names = [b.name for b in buildings]
        for i, name in enumerate(names):
            if names.index(name) != i:
                raise fail(f"duplicate building name '{name}' (also buildings"
                           f"[{names.index(name)}])", "buildings", i, "name")
        total = sum(sum(b.units()) for b in buildings)
        if total > MAX_HOUSEHOLDS:
            raise fail(f"{total:,} households in all, more than China has", "buildings")
        for i, charge in enumerate(self.charges):
            chosen = self._buildings_named(buildings, charge.buildings, "charges", i)
            sharing = charge.floor_sharing()
            if sharing is None:
                continue
            for b in chosen:
                self._check_sharing(sharing, b, charge.sharing is None, i)
        seen: dict[str, int] = {}
        for i, decision in enumerate(self.decisions):
            if decision.name in seen:
                raise fail(f"duplicate decision name '{decision.name}' (also decisions"
                           f"[{seen[decision.name]}])", "decisions", i, "name")
            seen[decision.name] = i
            self._buildings_named(buildings, decision.buildings, "decisions", i)

    @staticmethod
    def _buildings_named(buildings: list[Building], chosen: list[str] | None, where: str,
                         i: int) -> list[Building]:
        by_name = {b.name: b for b in buildings}
        if chosen is None:
            return list(buildings)
        for j, name in enumerate(chosen):
            if name not in by_name:
                raise fail(f"no building is named '{name}'{did_you_mean(name, by_name)}",
                           where, i, "buildings", j)
            if chosen.index(name) != j:
                raise fail(f"building '{name}' is listed twice", where, i, "buildings", j)
        return [by_name[name] for name in chosen]

    @staticmethod
    def _check_sharing(sharing: FloorSharing, b: Building, default: bool, i: int) -> None:
        at = ("charges", i) if default else ("charges", i, "sharing")
        if sharing.rule == "table" and len(sharing.table or []) != b.floors:
            raise fail(f"the table has {len(sharing.table or [])} coefficients but building "
                       f"'{b.name}' has {b.floors} floors", *at, "table")
        if sharing.rule == "by_area" and b.area_per_unit_m2 is None:
            raise fail(f"the by_area rule needs the area_per_unit_m2 of building '{b.name}'",
                       *at, "rule")
        weights = sharing.weights(b)
        if not any(w > 0 and u > 0 for w, u in zip(weights, b.units())):
            raise fail(f"no household of building '{b.name}' ({b.floors} floor"
                       f"{'s' if b.floors != 1 else ''}) would pay under the {sharing.rule} rule "
                       "with these exempt floors", *at)

    def item_references(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Every renovation item name used, with its path below this section, for the
        scenario to check against its items."""
        for i, charge in enumerate(self.charges):
            yield ("charges", i, "item"), charge.item
        for i, decision in enumerate(self.decisions):
            for j, item in enumerate(decision.items):
                yield ("decisions", i, "items", j), item
