"""Engine inputs: frozen dataclasses of numpy arrays with named axes.

The compile step (:mod:`fundmodel.inputs.compile`) turns a scenario and its sampled values into
these; the engine reads nothing else (never a pydantic model). Axes, in this order:

- ``draw`` (D): one per Monte Carlo draw; size 1 where a value is the same in every draw, so that
  it broadcasts instead of being materialised;
- ``compound`` (C): one per compound (1 for a one-compound scenario);
- then the axis of the thing itself: ``item`` (I), ``rule`` (R), ``year`` (Y, the timeline),
  ``op_year`` (T, operating years 1..horizon).

A per-draw input is ``(D, C)``; a constant one ``(1, 1)`` (or ``(1, C)`` when it differs by
compound). Money in CNY, rates as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .consent import ConsentRule
from .households import HouseholdLayout

__all__ = ["Timeline", "CompoundInputs", "ItemInputs", "RuleInputs", "IncomeLineInputs",
           "CostLineInputs", "SharedServiceInputs", "MenuPackageInputs", "DeviceInputs",
           "FallbackInputs", "OwnersAccountInputs", "OperationsInputs", "HouseholdInputs",
           "RepairsFundInputs",
           "ModelInputs"]


@dataclass(frozen=True)
class Timeline:
    """The model's one time axis.

    Year index 0 is ``start_year``, the first construction year. Construction takes
    ``construction_years`` years (indexes ``0 .. construction_years − 1``); operations run the
    ``horizon_years`` years after it (indexes ``construction_years .. n_years − 1``). Operating
    year t (1-based, as in the operating statement) is year index ``construction_years − 1 + t``.
    Cash flows fall at year end; a flow in year index y is discounted by ``(1 + i)^y``.
    """

    start_year: int
    construction_years: int
    horizon_years: int

    @property
    def n_years(self) -> int:
        """Years on the timeline: construction and operations."""
        return self.construction_years + self.horizon_years

    @property
    def first_operating_index(self) -> int:
        """Year index of operating year 1."""
        return self.construction_years

    def calendar_years(self) -> np.ndarray:
        """Calendar year of every year index, ``(Y,)``."""
        return self.start_year + np.arange(self.n_years)


@dataclass(frozen=True)
class CompoundInputs:
    """Physical facts, axis ``(C,)``: households, floor area and chargeable area (m²)."""

    names: tuple[str, ...]
    households: np.ndarray
    floor_area_m2: np.ndarray
    fee_area_m2: np.ndarray


@dataclass(frozen=True)
class ItemInputs:
    """Renovation items.

    ``quantity``, ``unit_cost`` and ``contingency`` are ``(D|1, C|1, I)``; ``schedule`` is
    ``(I, Y)``: the share of each item's cost spent in each year of the timeline (rows sum to 1).
    """

    names: tuple[str, ...]
    tiers: tuple[str, ...]
    units: tuple[str, ...]
    quantity: np.ndarray
    unit_cost: np.ndarray
    contingency: np.ndarray
    schedule: np.ndarray


@dataclass(frozen=True)
class RuleInputs:
    """Funding rules: the terms of each rule's offer.

    ``offer_r = min(cap_r, cap_per_household_r × households, uptake_r × (amount_r +
    per_household_r × households + per_m2_r × floor_area_m2 + per_unit_r × eligible quantity_r
    + share_r × eligible cost_r + match_ratio_r × Σ_{s ∈ matched_r} paid_s))`` (0 for a term the
    rule does not have). Arrays ``amount``, ``per_household``, ``per_m2``, ``per_unit``,
    ``share``, ``uptake``, ``match_ratio``, ``cap`` and ``cap_per_household`` (inf: no cap) are
    ``(D|1, C|1, R)``; ``eligible`` is ``(R, I)``; ``instalments`` is ``(R, Y)``:
    the share of a rule's payment made in each year, or a row of NaN where the rule pays as the
    cost of the items it pays falls.

    ``groups`` is who ultimately pays, for the cost-per-household metrics (government,
    utilities, residents, donors); ``parties`` the paying party on the ledger.
    """

    labels: tuple[str, ...]
    sources: tuple[str, ...]
    groups: tuple[str, ...]
    parties: tuple[str, ...]
    eligible: np.ndarray
    amount: np.ndarray
    per_household: np.ndarray
    per_m2: np.ndarray
    per_unit: np.ndarray
    share: np.ndarray
    uptake: np.ndarray
    match_ratio: np.ndarray
    cap: np.ndarray
    cap_per_household: np.ndarray
    matched: tuple[tuple[int, ...], ...]
    instalments: np.ndarray


@dataclass(frozen=True)
class IncomeLineInputs:
    """One income line: ``per_year`` (NaN when given by units) or ``units × price_per_month ×
    12 × occupancy``, each ``(D|1, C|1)``; ``growth`` ``(D|1, C|1)`` or ``(D|1, C|1, T)``.
    ``payer`` is the ledger party that pays it; the line runs in operating years
    ``first_year .. last_year`` (None: to the horizon). ``item``: index of the renovation item
    the line belongs to (scaled by the share of it built, see
    :func:`~fundmodel.engine.operations.operating_flows`), None for none."""

    name: str
    per_year: np.ndarray | None
    units: np.ndarray | None
    price_per_month: np.ndarray | None
    occupancy: np.ndarray | None
    growth: np.ndarray
    payer: str = "users"
    first_year: int = 1
    last_year: int | None = None
    paid_to: str = "operator"
    item: int | None = None


@dataclass(frozen=True)
class CostLineInputs:
    """One cost line: ``per_year`` or ``staff × wage_per_month × 12 × (1 + on_cost)``, divided by
    ``shared_by``; arrays ``(D|1, C|1)``; ``growth`` ``(D|1, C|1)`` or ``(D|1, C|1, T)``.

    The headcount may come from a norm instead of ``staff``: ``norm`` is ``"m2"`` (floor area
    per person) or ``"households"`` (households per person), ``per_staff (D|1, C|1)`` the norm,
    ``round_up`` whether to round up to whole persons. ``shared``: the line is the shared
    contract's (:class:`SharedServiceInputs`; its norm then sizes the whole contract's crew).
    ``ageing (D|1, C|1)``: the rise per year of age, a share of the year-1 amount. The line runs
    in operating years ``first_year .. last_year`` (None: to the horizon). ``item``: index of
    the renovation item the line belongs to (scaled by the share of it built), None for none.
    A service paid per job has ``jobs_per_household_year``, ``price_per_job`` and ``discount``
    ``(D|1, C|1)`` instead (``per_year``, ``staff`` and ``wage_per_month`` None). ``runs``:
    False for a line of the service model not used (it costs 0).
    """

    name: str
    per_year: np.ndarray | None
    staff: np.ndarray | None
    wage_per_month: np.ndarray | None
    on_cost: np.ndarray | None
    shared_by: float
    growth: np.ndarray
    norm: str | None = None
    per_staff: np.ndarray | None = None
    round_up: bool = False
    shared: bool = False
    ageing: np.ndarray | None = None
    first_year: int = 1
    last_year: int | None = None
    item: int | None = None
    jobs_per_household_year: np.ndarray | None = None
    price_per_job: np.ndarray | None = None
    discount: np.ndarray | None = None
    runs: bool = True


@dataclass(frozen=True)
class SharedServiceInputs:
    """The shared contract: ``partners`` other compounds, each of ``partner_households``
    households and ``partner_floor_area_m2`` m² (``(D|1, C|1)``, None when not given), split
    by ``split`` (``households``, ``area`` or ``equal``)."""

    partners: np.ndarray
    partner_households: np.ndarray | None
    partner_floor_area_m2: np.ndarray | None
    split: str


@dataclass(frozen=True)
class MenuPackageInputs:
    """A menu package: price and (None: no) cost per subscribing household per month, take-up
    share, each ``(D|1, C|1)``; ``growth`` ``(D|1, C|1)`` or ``(D|1, C|1, T)``."""

    name: str
    price_per_household_month: np.ndarray
    take_up: np.ndarray
    cost_per_household_month: np.ndarray | None
    growth: np.ndarray


@dataclass(frozen=True)
class DeviceInputs:
    """Smart devices: the platform fee per year and the headcount they take off cost line
    number ``replaces`` (``(D|1, C|1)``); ``growth`` of the fee."""

    name: str
    platform_fee_per_year: np.ndarray
    replaces: int
    staff: np.ndarray
    growth: np.ndarray


@dataclass(frozen=True)
class FallbackInputs:
    """The fallback payer (a ledger party) and its cap in year 1 ``(D|1, C|1)`` CNY, growing by
    ``growth``."""

    payer: str
    cap_per_year: np.ndarray
    growth: np.ndarray


@dataclass(frozen=True)
class OwnersAccountInputs:
    """The owners' account (:func:`fundmodel.engine.operations.owners_account_recursion`):
    ``opening_balance`` and ``to_repairs_fund_share`` ``(D|1, C|1)``; ``covers_deficit``
    whether it tops up the operating account's deficit of each year."""

    opening_balance: np.ndarray
    covers_deficit: bool
    to_repairs_fund_share: np.ndarray


@dataclass(frozen=True)
class OperationsInputs:
    """The operating phase: the property fee (rate, collection, growth), the income and cost
    lines, the management margin, VAT on fees and the account's opening balance; arrays
    ``(D|1, C|1)`` (growth may carry an ``op_year`` axis).

    ``fee_rate`` is the fee in its own unit: CNY per m² of chargeable area per month, or per
    household per month when ``fee_per_household``. ``collection_ramp (k,)`` holds the
    collection rates of operating years 1..k (None: ``collection_rate`` every year). The
    service models (``shared_service``, ``menu``, ``devices``, ``fallback``) are optional.
    """

    fee_rate: np.ndarray
    collection_rate: np.ndarray
    fee_growth: np.ndarray
    income: tuple[IncomeLineInputs, ...]
    costs: tuple[CostLineInputs, ...]
    management_margin: np.ndarray
    vat_rate: np.ndarray
    opening_balance: np.ndarray
    fee_per_household: bool = False
    collection_ramp: np.ndarray | None = None
    shared_service: SharedServiceInputs | None = None
    menu: tuple[MenuPackageInputs, ...] = ()
    devices: tuple[DeviceInputs, ...] = ()
    fallback: FallbackInputs | None = None
    owners_account: OwnersAccountInputs | None = None


@dataclass(frozen=True)
class HouseholdInputs:
    """The households of the compounds, how the residents' part of each item is shared among
    them, the votes and the channels.

    Axes: ``C`` compounds, ``H`` households — each compound's building by building, each
    ordered by floor (see :mod:`fundmodel.engine.households`), padded to the most households
    of a compound: ``sizes (C,)`` gives each compound's own, and a padded household has weight
    0, area 0 and is in no electorate —, ``I`` items, ``K`` decisions, ``B`` ballots (one
    vote: a decision's whole electorate, or one building of a decision voted building by
    building; a compound with fewer buildings than the ballots of a decision has empty ones,
    ``ballot_present`` False).

    ``weights (I, C, H)``: household h's share of the residents' part of item i, each row
    summing to 1 over the compound's households — by the floor sharing of the item's charge
    over its buildings, or ``1/H_c`` for every household of an item not charged. The
    residents' part is what the grant rules of source ``residents`` pay (found on the grants'
    own rule axis by :func:`fundmodel.engine.instruments.residents.residents_rules`).
    ``area_m2 (C, H)`` each unit's exclusive area (1 for a building given none). ``layout``
    and ``building_names`` are the first compound's (the households' tables of a one-compound
    run).

    Decisions: ``decision_items (K, I)`` which items depend on each vote; ``decision_by_building
    (K,)`` whether each building votes on its own part; ``rules`` the thresholds;
    ``participation`` a tuple of K arrays ``(D|1, C|1)``; ``wtp_cny`` a tuple of K arrays
    ``(D|1, C|1, H|1)`` (drawn per household). Ballots: ``ballot_decision (B,)``,
    ``ballot_building (B,)`` (−1 for a whole-electorate ballot), ``electorate (B, C, H)`` 0/1,
    ``ballot_present (B, C)``.

    Channels: take-ups ``(D|1, C|1)`` of the repairs fund, the provident fund and the loan
    (the rest pay cash), the repairs fund's balance and the provident-fund cap per owner
    ``(D|1, C|1)`` (inf: none), the loan rate ``(D|1, C|1)`` (yearly, paid monthly) and term
    (whole years).

    Size classes (a district whose compounds differ much in households): ``classes`` holds
    the inputs of each class of compounds (those whose household counts have the same number
    of binary digits: 16–31, 32–63, ...), on an axis padded to the most households *of the
    class*, ``compounds (C_k,)`` their positions on the run's compound axis; the household
    arrays here are then empty (``H = 0``) and the per-compound values ``(D|1, C|1)`` are
    the whole run's. The engine computes the households class by class
    (:meth:`by_class`); every compound's values are the bits of the padded axis's, which are
    those of its own run.
    """

    layout: HouseholdLayout
    building_names: tuple[str, ...]
    weights: np.ndarray
    decision_names: tuple[str, ...]
    decision_items: np.ndarray
    decision_by_building: np.ndarray
    rules: tuple[ConsentRule, ...]
    participation: tuple[np.ndarray, ...]
    wtp_cny: tuple[np.ndarray, ...]
    ballot_decision: np.ndarray
    ballot_building: np.ndarray
    electorate: np.ndarray
    takeup_repairs_fund: np.ndarray
    takeup_provident_fund: np.ndarray
    takeup_loan: np.ndarray
    repairs_fund_balance_cny: np.ndarray
    provident_fund_cap_cny: np.ndarray
    loan_rate: np.ndarray
    loan_term_years: int
    area_m2: np.ndarray = None  # type: ignore[assignment]
    sizes: np.ndarray = None  # type: ignore[assignment]
    ballot_present: np.ndarray = None  # type: ignore[assignment]
    compounds: np.ndarray | None = None
    classes: tuple["HouseholdInputs", ...] = ()
    building_ballots: tuple = ()
    """Per decision, its ballots by building laid out once for many chunks (a
    :class:`~fundmodel.engine.instruments.residents.BuildingBallots`, None for a decision
    voted by the whole electorate); empty: laid out where they are needed."""

    def __post_init__(self) -> None:
        if self.area_m2 is None:              # one compound, its layout as it is
            object.__setattr__(self, "area_m2", self.layout.area_m2[None, :])
        if self.sizes is None:
            object.__setattr__(self, "sizes", np.array([self.layout.size], dtype=np.int64))
        if self.ballot_present is None:
            object.__setattr__(self, "ballot_present",
                               np.ones((self.ballot_decision.size, self.sizes.size), dtype=bool))

    @property
    def size(self) -> int:
        """Households on the (padded) axis, H."""
        return int(self.area_m2.shape[-1])

    @property
    def padded(self) -> np.ndarray | None:
        """``sizes`` when compounds differ in households (the axis is padded), else None."""
        return None if np.all(self.sizes == self.size) else self.sizes

    def by_class(self) -> tuple[tuple[np.ndarray | slice, "HouseholdInputs"], ...]:
        """``(positions on the compound axis, inputs)`` of each size class; one class, every
        compound (``slice(None)``) and these inputs, without classes."""
        if not self.classes:
            return ((slice(None), self),)
        return tuple((part.compounds, part) for part in self.classes)


@dataclass(frozen=True)
class RepairsFundInputs:
    """The repairs fund's terms, arrays ``(D|1, C|1)`` unless stated.

    ``opening_balance`` CNY at the start of operating year 1; the first deposit is
    ``deposit_share × deposit_base_per_m2 × floor_area_m2`` (``deposit_share`` 1 and the base
    the deposit per m² when it is given per m²; both 0 without one; ``has_first_deposit``
    says whether there is a line). ``contribution_per_m2_year`` CNY/m²/year in year 1, growing
    by ``contribution_growth``. ``interest_rate`` a year (0 without interest). With
    ``top_up``, the trigger is ``trigger_balance + trigger_share × first deposit`` and a
    top-up restores ``restore_balance + restore_share × first deposit``. The threshold goal's
    floor is ``threshold_balance + threshold_share_of_deposit × first deposit +
    threshold_percent_funded × FFB``. Components k = 1..K: ``names``, ``cost`` and ``growth``
    (tuples of K arrays ``(D|1, C|1)``: CNY in prices of operating year 1; a fraction a
    year), ``useful_life`` and ``remaining_life`` ``(K,)`` whole years, 1 ≤ r ≤ L (0 ≤ r
    under ``reserve_study``).
    ``convention`` ``"end_of_year"`` or ``"reserve_study"`` (:func:`~.repairs_fund.component_ages`).

    Accounts ``A``: ``area_m2 (C, A)`` the floor area of each account, m² — one account per
    compound (``by_building`` False, ``A = 1``, the compound's floor area) or one per building
    (分幢核算, the building's units × area per unit), padded with area 0 to the most buildings
    of a compound (``sizes (C,)`` each compound's own accounts, None when none is padded).
    ``cost_basis`` per component: ``"per_m2"`` (``cost`` is CNY/m² of each account's area),
    ``"shared"`` (the compound's cost, split over its accounts by floor area) or
    ``"per_account"`` (each account's whole cost). ``ballot`` per component: None (in every
    account) or ``(C, A)`` the consent ballot whose passing builds the component's item in
    that account (−1: never there), read from the votes' ``passed (D, C, B)``.
    """

    opening_balance: np.ndarray
    deposit_share: np.ndarray
    deposit_base_per_m2: np.ndarray
    has_first_deposit: bool
    contribution_per_m2_year: np.ndarray
    contribution_growth: np.ndarray
    interest_rate: np.ndarray
    has_interest: bool
    top_up: bool
    trigger_balance: np.ndarray
    trigger_share: np.ndarray
    restore_balance: np.ndarray
    restore_share: np.ndarray
    threshold_balance: np.ndarray
    threshold_share_of_deposit: np.ndarray
    threshold_percent_funded: np.ndarray
    names: tuple[str, ...]
    cost: tuple[np.ndarray, ...]
    growth: tuple[np.ndarray, ...]
    useful_life: np.ndarray
    remaining_life: np.ndarray
    convention: str = "end_of_year"
    area_m2: np.ndarray = None  # type: ignore[assignment]
    sizes: np.ndarray | None = None
    by_building: bool = False
    cost_basis: tuple[str, ...] = ()
    ballot: tuple[np.ndarray | None, ...] = ()


@dataclass(frozen=True)
class ModelInputs:
    """Everything the engine computes from, for ``draws`` draws of ``compounds`` compounds.

    ``discount_rate`` and ``inflation`` are ``(D|1, C|1)``; the nominal rate used to discount
    is ``(1 + discount_rate)(1 + inflation) − 1``. ``instruments`` are the
    :class:`~fundmodel.engine.instruments.InstrumentInputs` of the run, in the order money is
    committed (the compile step builds them from the scenario's funding rules).
    """

    draws: int
    timeline: Timeline
    compounds: CompoundInputs
    items: ItemInputs
    operations: OperationsInputs
    discount_rate: np.ndarray
    inflation: np.ndarray
    households: HouseholdInputs | None = None
    """Residents as households (None: one payer, every item built — the model without a
    ``households`` section, unchanged)."""
    instruments: tuple[Any, ...] = ()
    repairs_fund: RepairsFundInputs | None = None
    """The long-term repairs fund (None: the scenario has none; see
    :mod:`fundmodel.engine.repairs_fund`)."""

    @property
    def rules(self) -> RuleInputs:
        """The grant rules' terms (the ``grants`` instrument's), or none."""
        for instrument in self.instruments:
            if instrument.name == "grants":
                return instrument.params
        return no_rules(self.timeline.n_years, len(self.items.names))


def no_rules(n_years: int, n_items: int) -> RuleInputs:
    """Terms of no funding rule at all."""
    empty = np.zeros((1, 1, 0))
    return RuleInputs(labels=(), sources=(), groups=(), parties=(),
                      eligible=np.zeros((0, n_items), dtype=bool), amount=empty,
                      per_household=empty, per_m2=empty, per_unit=empty, share=empty,
                      uptake=empty, match_ratio=empty, cap=empty, cap_per_household=empty,
                      matched=(), instalments=np.zeros((0, n_years)))
