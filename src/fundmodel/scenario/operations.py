"""The operating phase after renovation: property fee, other income, costs, and the service
models that pay for a small compound's upkeep (staffing norms, a shared contract with a split
key, menu-style packages, self-management, smart devices, ageing repairs, a collection ramp,
time-limited lines and a fallback payer up to a cap).

Amounts are those of the first operating year (year 1) and grow from year 2 on by
``(1 + growth)`` a year. A line without its own ``growth`` grows with the scenario's
``inflation``; the property fee and the fallback's cap are the exceptions: guided fees are fixed
by the price bureau and a street's allotment is a nominal budget line, so their growth defaults
to 0 (fixed in nominal terms) unless written.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import Field, model_validator

from .. import catalog
from .applies import AppliesTo
from .base import ScenarioModel, did_you_mean, fail
from .ranges import bounded, uncertain
from ..io.limits import (MAX_AREA_M2, MAX_HOUSEHOLDS, MAX_LINES, MAX_MONEY_CNY, MAX_QUANTITY,
                     MAX_SHARED_BY, RATE_MAX, RATE_MIN)
from .renovation import Money, Quantity, Share, MoneySum
from .money import sum_of_money

__all__ = ["PropertyFee", "RevenueLine", "IncomeLine", "CostLine", "Operations", "Growth",
           "SharedService", "MenuPackage", "Device", "Fallback", "OwnersAccount", "INCOME_PAYERS",
           "FALLBACK_PAYERS", "MAX_HORIZON_YEARS", "SERVICE_MODELS"]

MAX_HORIZON_YEARS = 100
"""Most operating years of a scenario (the bound on ``horizon_years``): the longest a
collection ramp may be, and the latest year a line may start."""

INCOME_PAYERS = catalog.LEDGER_LINES["income[<name>]"].payers
"""Who may pay an income line (ledger parties): users of the commercial services by default,
or a government level for an operating grant (the fiscal view then counts it): the payers
declared for the ledger line ``income[<name>]`` in :data:`fundmodel.catalog.LEDGER_LINES`."""

FALLBACK_PAYERS = catalog.LEDGER_LINES["fallback_subsidy"].payers
"""Who may stand behind the operating account as the fallback payer: the payers declared for
the ledger line ``fallback_subsidy``."""

Growth = uncertain(ge=RATE_MIN, le=RATE_MAX, each_year=True, percent=True)
"""A yearly growth rate in [−0.5, 1] (0.05 for 5 %; a larger number is a percentage); a
distribution with ``each_year: true`` is drawn anew every year."""

_RampShare = bounded(float, ge=0, le=1, percent=True)


class PropertyFee(ScenarioModel):
    """Property fee, CNY a year: ``rate_per_m2_month × chargeable m² × 12 × collection`` or,
    self-managed, ``per_household_month × households × 12 × collection`` (give one of the two).
    The collection rate of year t is ``collection_ramp[t − 1]`` for the years the ramp lists,
    ``collection_rate`` after."""

    rate_per_m2_month: Money | None = None
    """Fee rate, CNY per m² of chargeable area per month (VAT included); guided fees are
    0.3–1.9, and a rate above 10 is reported as a warning (a yearly fee?)."""
    per_household_month: Money | None = None
    """Flat fee per household per month, CNY (VAT included): the form a self-managed compound
    usually charges; instead of ``rate_per_m2_month``."""
    collection_rate: Share = 1.0
    """Share of the billed fee actually collected, in [0, 1] (0.76 for 76 %)."""
    collection_ramp: list[_RampShare] | None = Field(default=None, min_length=1,
                                                     max_length=MAX_HORIZON_YEARS)
    """Collection rates of operating years 1..k, each in [0, 1], in a compound that never paid
    a fee (e.g. [0.3, 0.5, 0.7]); ``collection_rate`` from year k + 1 on. At most
    ``horizon_years`` values."""
    growth: Growth = 0.0
    """Yearly growth of the fee, in [−0.5, 1] (default 0: a guided fee fixed in nominal
    terms)."""

    @model_validator(mode="after")
    def _one_fee(self):
        given = [f for f in ("rate_per_m2_month", "per_household_month")
                 if getattr(self, f) is not None]
        if not given:
            raise fail("give the fee: rate_per_m2_month (CNY/m²/month) or per_household_month "
                       "(CNY/household/month)", on_key=True)
        if len(given) == 2:
            raise fail("give either rate_per_m2_month or per_household_month, not both",
                       "per_household_month", on_key=True)
        return self

    @property
    def per_household(self) -> bool:
        """Whether the fee is a flat fee per household (else per m² of chargeable area)."""
        return self.per_household_month is not None


_ITEM = ("Name of the renovation item the line belongs to (optional): the line is then "
         "scaled, in each draw, by the share of that item actually built (what the residents' "
         "votes build of it, stair by stair where the vote is per building: 2 of 3 stairs → "
         "2/3 of the line; 0 where nothing of it is built), in every operating year. Without "
         "it the line runs whatever is built.")


def _item_field() -> Any:
    return Field(default=None, min_length=1, description=_ITEM)


class _Line(ScenarioModel):
    pair: ClassVar[tuple[str, str]]  # the two fields that go together instead of per_year
    takes_total: ClassVar[bool] = False  # may be given as a total over its years

    name: str = Field(min_length=1)
    """Unique name of the line."""
    growth: Growth | None = None
    """Yearly growth from year 2 on, in [−0.5, 1] (default: the scenario's inflation)."""
    per_year: MoneySum | None = None
    """Fixed amount per year, CNY (instead of the pair of fields), at most 1e15: a bound far
    beyond any compound that catches extra zeros."""
    first_year: int = Field(default=1, ge=1, le=MAX_HORIZON_YEARS)
    """First operating year the line runs (default 1), at most ``horizon_years``. Its amount
    stays in year-1 prices: in year t it is the year-1 amount × the growth index of year t."""
    years: int | None = Field(default=None, ge=1, le=MAX_HORIZON_YEARS)
    """Operating years the line runs from ``first_year`` (default: to the horizon); it must end
    within the horizon."""

    @model_validator(mode="after")
    def _one_form(self):
        a, b = self.pair
        given = [f for f in (a, b) if getattr(self, f) is not None]
        total = getattr(self, "total", None)
        if total is not None or getattr(self, "profile", None) is not None:
            return self._total_form(given)
        if bool(given) == (self.per_year is not None):
            raise fail(f"give either per_year, or {a} and {b}")
        if len(given) == 1:
            missing = b if given == [a] else a
            raise fail(f"give both {a} and {b}", missing)
        return self

    def _total_form(self, given: list[str]):
        if getattr(self, "total", None) is None:
            raise fail("profile spreads a total: give total", "profile")
        if given or self.per_year is not None:
            other = "per_year" if self.per_year is not None else given[0]
            raise fail(f"give either total or {other}, not both", other)
        if self.growth is not None:
            raise fail("a total is spread over the line's years as its profile says, in the "
                       "money of each year: leave growth out", "growth")
        profile = getattr(self, "profile", None)
        if profile is not None:
            whole = sum(profile)
            if not (abs(whole - 1.0) <= 1e-9 or abs(whole - 100.0) <= 1e-7):
                raise fail(f"the profile sums to {whole:g}: give shares summing to 1 (or "
                           "percent summing to 100)", "profile")
        return self

    def last_year(self, horizon: int) -> int:
        """Last operating year the line runs."""
        return horizon if self.years is None else self.first_year + self.years - 1

    def shares(self, horizon: int) -> list[float]:
        """With ``total``: the share of it in each year the line runs (``profile`` as shares,
        or equal shares)."""
        n = self.last_year(horizon) - self.first_year + 1
        profile = getattr(self, "profile", None)
        if profile is None:
            return [1.0 / n] * n
        whole = sum(profile)
        return [float(p) / whole for p in profile]


class RevenueLine(_Line):
    """What an income line earns: ``units × price_per_month × 12 × occupancy``, or
    ``per_year``, CNY a year (the terms an :class:`IncomeLine` and an investor's stream
    share)."""

    pair: ClassVar[tuple[str, str]] = ("units", "price_per_month")

    units: bounded(float, ge=0, le=MAX_QUANTITY, reason="the bound on a quantity") | None = None
    """Number of units let (parking spaces, billboards, rooms...), at most 1e12."""
    price_per_month: Money | None = None
    """Price per unit per month, CNY (at most 1e15: a bound far beyond any compound that catches
    extra zeros)."""
    occupancy: Share = 1.0
    """Share of units let on average, in [0, 1]."""
    payer: Literal[INCOME_PAYERS] = "users"  # type: ignore[valid-type]
    """Who pays (a ledger party): ``users`` (default: parking, advertising, rents), or e.g.
    ``street_community`` for an operating grant, which the fiscal view then counts."""


_TOTAL_DOC = ("Total over the years the line runs, CNY, instead of per_year (or the pair): "
              "spread by profile, each year's amount in that year's money (no growth)")
_PROFILE_DOC = ("Share of total in each year the line runs, from first_year (shares summing "
                "to 1, or percent summing to 100); default equal shares")


class IncomeLine(RevenueLine):
    """Other income: ``units × price_per_month × 12 × occupancy``, or ``per_year``, CNY a year,
    paid by ``payer`` in operating years ``first_year`` .. ``first_year + years − 1``; with
    ``item``, times the share of that renovation item built. Paid to the operator, or with
    ``paid_to: compound_account`` to the owners' own account (公共收益, see
    :class:`OwnersAccount`)."""

    takes_total: ClassVar[bool] = True

    total: MoneySum | None = Field(default=None, description=_TOTAL_DOC)
    profile: list[bounded(float, ge=0, le=100, reason="a share or a percent")] | None = Field(
        default=None, min_length=1, max_length=MAX_HORIZON_YEARS, description=_PROFILE_DOC)
    item: str | None = _item_field()
    paid_to: Literal["operator", "compound_account"] = "operator"
    """Who receives it: the property service ``operator`` (default: its income), or the owners'
    ``compound_account`` (公共收益: parking, advertising and site rents kept by the owners; not
    the operator's income, used as ``operations.owners_account`` says)."""
    applies_to: AppliesTo | None = None
    """The compounds this line exists for (default: every compound): a list of compound ids
    (``[C0012, C0044]``) or a condition on the compounds' columns — a yes/no column
    (``soe_dormitory``), ``not <column>``, ``<column> <op> <number>`` (op ``<``, ``<=``, ``>``,
    ``>=``, ``==``, ``!=``), joined by ``and``. For the other compounds it is as if not written
    (the line is 0 there). In a one-compound scenario it is read on the compound's own facts."""


class OwnersAccount(ScenarioModel):
    """The owners' own account (小区公共收益账户, the compound's pool): it receives the income
    lines written ``paid_to: compound_account`` and, each operating year, in order:

    1. with ``covers_deficit`` (default), tops up the operating account's deficit of the year
       (its net cash flow below 0, before any fallback payer) as far as the balance allows;
    2. pays ``to_repairs_fund_share`` of what the year's income leaves after that into the
       repairs fund (needs a ``repairs_fund`` section);
    3. carries the rest forward.
    """

    opening_balance: MoneySum = 0.0
    """Balance at the start of operating year 1, CNY."""
    covers_deficit: bool = True
    """Whether it tops up the operating account's deficit of each year."""
    to_repairs_fund_share: Share = 0.0
    """Share of the year's income left after the top-up paid into the repairs fund, in [0, 1]."""


_HEADCOUNTS = ("staff", "m2_per_staff", "households_per_staff")
_HEADCOUNT_TEXT = "staff, m2_per_staff or households_per_staff"
_PER_JOB = ("jobs_per_household_year", "price_per_job")
_EITHER = ("give either per_year, or staff and wage_per_month (or a staffing norm, "
           "m2_per_staff or households_per_staff, instead of staff), or "
           "jobs_per_household_year and price_per_job (a service paid per job)")
SERVICE_MODELS = ("crew", "per_job")
"""The two ways a compound's (or a shared area's) basic service may be bought, which cost lines
may belong to (``service_model``): a staffed ``crew`` or a service paid ``per_job``."""


class CostLine(_Line):
    """A cost: ``staff × wage_per_month × 12 × (1 + on_cost)``, or ``per_year``, or, paid
    per job, ``jobs_per_household_year × households × price_per_job × (1 − discount)``, CNY
    a year.

    The headcount is ``staff``, or from a norm: floor area / ``m2_per_staff`` or households /
    ``households_per_staff`` (``rounding: up`` for whole persons). A line ``shared: true``
    bears this compound's share of the shared contract (``operations.shared_service``), a line
    with ``shared_by`` 1/shared_by of it. ``ageing`` makes it rise with the buildings' age:
    × (1 + ageing × (t − 1)) in operating year t. With ``item``, times the share of that
    renovation item built. ``service_model`` makes it one of two alternative ways of buying the
    service (a staffed ``crew`` or a service paid ``per_job``): a run keeps the lines of
    ``operations.service_model``; the shared-service areas use the cheaper one per area.
    """

    pair: ClassVar[tuple[str, str]] = ("staff", "wage_per_month")
    takes_total: ClassVar[bool] = True

    total: MoneySum | None = Field(default=None, description=_TOTAL_DOC)
    profile: list[bounded(float, ge=0, le=100, reason="a share or a percent")] | None = Field(
        default=None, min_length=1, max_length=MAX_HORIZON_YEARS, description=_PROFILE_DOC)

    staff: Quantity | None = None
    """Headcount (full-time equivalents), at most 1e12."""
    m2_per_staff: uncertain(ge=1, magnitude=MAX_AREA_M2, what="an area, m²") | None = None
    """Staffing norm: m² of floor area per person (cleaners per 8–16k m², guards per 6–15k m²,
    maintenance per 20–35k m² in the seeds); headcount = floor area / norm. On a ``shared``
    line the floor area of the whole contract."""
    households_per_staff: uncertain(ge=1, magnitude=MAX_HOUSEHOLDS,
                                    what="a number of households") | None = None
    """Staffing norm: households per person (one service clerk per 400–800 households in the
    seeds); headcount = households / norm. On a ``shared`` line the households of the whole
    contract."""
    rounding: Literal["none", "up"] = "none"
    """Headcount from a norm: ``none`` (default) keeps full-time equivalents; ``up`` rounds up
    to whole persons (at least 1 where there is any area or household)."""
    wage_per_month: Money | None = None
    """Gross wage per person per month, CNY (at most 1e15: a bound far beyond any compound that
    catches extra zeros)."""
    on_cost: Share = 0.0
    """Social insurance, housing fund and other on-costs as a share of wages, in [0, 1]
    (typically 0.25–0.45; 25 is a percentage)."""
    shared_by: bounded(float, ge=1, le=MAX_SHARED_BY,
                       reason="more compounds than any shared contract serves") = 1.0
    """Number of compounds sharing this cost equally, in [1, 10,000]; this compound bears
    1/shared_by of it."""
    shared: bool = False
    """Whether the line is the shared contract's (``operations.shared_service``): this compound
    bears its share by the contract's split key. Not with ``shared_by``."""
    ageing: uncertain(ge=0, le=1, percent=True) = 0.0
    """Rise per year of the buildings' age since renovation, a share of the year-1 amount in
    [0, 1] (0.03: +3 % of it a year, routine repairs of ageing buildings)."""
    item: str | None = _item_field()
    jobs_per_household_year: Quantity | None = None
    """A service paid per job (按次收费: repairs, pipe clearing, cleaning of common parts on
    call): jobs a year per household, ≥ 0 (may be uncertain). With ``price_per_job``, instead
    of ``per_year`` or a headcount. On a ``shared`` line the households of the whole contract
    (then ``shared_service.partner_households`` is needed)."""
    price_per_job: Money | None = None
    """Price of one job, CNY (the market price, before ``discount``)."""
    discount: Share = 0.0
    """Discount on ``price_per_job``, in [0, 1] (0.2: 20 % below the market price); only with
    a service paid per job."""
    service_model: Literal[SERVICE_MODELS] | None = None  # type: ignore[valid-type]
    """The alternative the line belongs to: ``crew`` (a staffed service) or ``per_job`` (a
    service paid per job); default none: the line runs whichever is used. A run keeps the
    lines of ``operations.service_model``; the shared-service areas compare the two and use
    the cheaper one in each area."""
    applies_to: AppliesTo | None = None
    """The compounds this line exists for (default: every compound): a list of compound ids
    (``[C0012, C0044]``) or a condition on the compounds' columns — a yes/no column
    (``soe_dormitory``), ``not <column>``, ``<column> <op> <number>`` (op ``<``, ``<=``, ``>``,
    ``>=``, ``==``, ``!=``), joined by ``and``. For the other compounds it is as if not written
    (the line is 0 there). In a one-compound scenario it is read on the compound's own facts."""

    @model_validator(mode="after")
    def _one_form(self):
        heads = [f for f in _HEADCOUNTS if getattr(self, f) is not None]
        wage = self.wage_per_month is not None
        jobs = [f for f in _PER_JOB if getattr(self, f) is not None]
        if self.total is not None or self.profile is not None:
            other = [*heads, *(["wage_per_month"] if wage else []), *jobs]
            if self.ageing is not None and not (isinstance(self.ageing, (int, float))
                                                and self.ageing == 0):
                raise fail("a total is spread as its profile says: leave ageing out", "ageing")
            return self._total_form(other)
        if jobs:
            if self.per_year is not None or heads or wage:
                raise fail(_EITHER, jobs[0], on_key=True)
            if len(jobs) == 1:
                raise fail(f"give both {_PER_JOB[0]} and {_PER_JOB[1]}",
                           _PER_JOB[1] if jobs == [_PER_JOB[0]] else _PER_JOB[0])
            if self.rounding != "none":
                raise fail("rounding applies to a headcount from a norm, not to a service paid "
                           "per job", "rounding", on_key=True)
            if self.shared and "shared_by" in self.model_fields_set:
                raise fail("give either shared (the contract's split key) or shared_by (an "
                           "equal split), not both", "shared", on_key=True)
            return self
        if not (isinstance(self.discount, (int, float)) and self.discount == 0):
            raise fail("discount applies to a service paid per job (jobs_per_household_year "
                       "and price_per_job)", "discount", on_key=True)
        if self.per_year is not None:
            if heads or wage:
                raise fail(_EITHER)
        elif not heads and not wage:
            raise fail(_EITHER)
        elif not heads:
            raise fail(f"give a headcount with wage_per_month: {_HEADCOUNT_TEXT}")
        elif len(heads) > 1:
            raise fail(f"give one headcount: {' or '.join(heads)}", heads[1], on_key=True)
        elif not wage:
            raise fail(f"give both {heads[0]} and wage_per_month", "wage_per_month")
        if self.rounding != "none" and self.staff is not None:
            raise fail("rounding applies to a headcount from a norm (m2_per_staff or "
                       "households_per_staff), not to staff", "rounding", on_key=True)
        if self.shared and "shared_by" in self.model_fields_set:
            raise fail("give either shared (the contract's split key) or shared_by (an equal "
                       "split), not both", "shared", on_key=True)
        return self

    @property
    def norm(self) -> str | None:
        """The norm the headcount comes from (``m2_per_staff`` or ``households_per_staff``), if
        any."""
        return next((f for f in _HEADCOUNTS[1:] if getattr(self, f) is not None), None)

    @property
    def per_job(self) -> bool:
        """Whether the line is a service paid per job."""
        return self.price_per_job is not None


class SharedService(ScenarioModel):
    """One property service contract over this compound and ``partners`` others. A ``shared``
    cost line is the contract's, of which this compound bears ``key_self / (key_self +
    partners × key_partner)`` (``equal``: ``1 / (1 + partners)``), the key its households or
    floor area."""

    partners: uncertain(ge=0, le=MAX_SHARED_BY)
    """Number of other compounds on the contract, in [0, 10,000] (a float, may be uncertain:
    it can be solved for)."""
    partner_households: uncertain(ge=0, le=MAX_HOUSEHOLDS) | None = None
    """Households of each partner compound (needed by ``split: households`` and by a
    ``households_per_staff`` norm on a shared line)."""
    partner_floor_area_m2: uncertain(ge=0, le=MAX_AREA_M2) | None = None
    """Floor area of each partner compound, m² (needed by ``split: area`` and by an
    ``m2_per_staff`` norm on a shared line)."""
    split: Literal["households", "area", "equal"]
    """The split key: by ``households``, by floor ``area``, or ``equal`` shares."""

    @model_validator(mode="after")
    def _key_given(self):
        need = {"households": "partner_households", "area": "partner_floor_area_m2"}
        field = need.get(self.split)
        if field is not None and getattr(self, field) is None:
            raise fail(f"split: {self.split} needs {field} (each partner's size)", "split")
        return self


class MenuPackage(ScenarioModel):
    """A menu-style service package households may buy on top of the basic service: income
    ``households × take_up × price_per_household_month × 12``, cost (if given) ``households ×
    take_up × cost_per_household_month × 12``, CNY a year."""

    name: str = Field(min_length=1)
    """Unique name of the package."""
    price_per_household_month: Money
    """Price per subscribing household per month, CNY."""
    take_up: Share
    """Share of households subscribing, in [0, 1] (may be uncertain)."""
    cost_per_household_month: Money | None = None
    """What serving a subscribing household costs per month, CNY (optional)."""
    growth: Growth | None = None
    """Yearly growth of price and cost from year 2 on (default: the scenario's inflation)."""


class Device(ScenarioModel):
    """Smart devices (access control, cameras, a parking barrier) that replace staff: the
    cost line ``replaces`` loses ``staff`` of its headcount (never below 0), and the platform
    fee is a cost of its own. The devices' capital cost is a renovation item."""

    name: str = Field(min_length=1)
    """Unique name of the devices."""
    platform_fee_per_year: MoneySum
    """Platform, connectivity and maintenance fee, CNY a year."""
    replaces: str = Field(min_length=1)
    """Name of the cost line (given by a headcount) whose staff the devices replace."""
    staff: Quantity
    """Headcount the devices replace (full-time equivalents), taken off that line's headcount
    (after its rounding, before its split)."""
    growth: Growth | None = None
    """Yearly growth of the fee from year 2 on (default: the scenario's inflation)."""


class Fallback(ScenarioModel):
    """The street or the district stands behind the operating account: each year it pays what
    keeps the cumulative balance from going below 0, at most its cap."""

    payer: Literal[FALLBACK_PAYERS] = "street_community"  # type: ignore[valid-type]
    """Who pays: ``street_community`` (default) or ``city_district_government``."""
    cap_per_year: MoneySum
    """The most it pays in year 1, CNY (may be uncertain: it can be solved for)."""
    growth: Growth = 0.0
    """Yearly growth of the cap, in [−0.5, 1] (default 0: a budget line fixed in nominal
    terms)."""


class Operations(ScenarioModel):
    """Yearly operating statement, years 1..horizon."""

    property_fee: PropertyFee
    """The property fee."""
    income: list[IncomeLine] = Field(default=[], max_length=MAX_LINES)
    """Other income: parking, advertising, rents, operating grants."""
    costs: list[CostLine] = Field(default=[], max_length=MAX_LINES)
    """Cost lines: staff by role, committee and volunteers, utilities, repairs, insurance..."""
    shared_service: SharedService | None = None
    """The shared contract the ``shared`` cost lines belong to (optional)."""
    menu: list[MenuPackage] = Field(default=[], max_length=MAX_LINES)
    """Menu-style service packages (optional)."""
    devices: list[Device] = Field(default=[], max_length=MAX_LINES)
    """Smart devices that replace staff (optional)."""
    fallback: Fallback | None = None
    """The street or district as fallback payer up to a cap (optional)."""
    owners_account: OwnersAccount | None = None
    """How the owners' account uses the income paid to it (optional; default with an income
    line paid to it: it covers the deficit and carries the rest forward)."""
    management_margin: Share = 0.0
    """Company overhead and profit as a share of the cost lines, in [0, 1]; above 0.5 is
    reported as a warning."""
    vat_rate: Share = 0.0
    """VAT rate on property fee income, in [0, 1] (0.06 for 6 %); fees are VAT-inclusive, so
    VAT = fee × rate/(1 + rate)."""
    opening_balance: sum_of_money(bounded(float, ge=-MAX_MONEY_CNY, le=MAX_MONEY_CNY,
                                          reason="the bound on an amount of money, CNY",
                                          lower_reason="the bound on an amount of money, "
                                          "CNY")) = 0.0
    """Balance of the compound's operating account at the start of year 1, CNY, within
    ±1e15 (a bound far beyond any compound that catches extra zeros)."""
    service_model: Literal[SERVICE_MODELS] | None = None  # type: ignore[valid-type]
    """Which alternative a run uses where cost lines belong to a ``service_model``: ``crew``
    or ``per_job`` (the other's lines cost 0). Needed when lines of both are written; the
    shared-service areas compare both whatever it says."""

    @model_validator(mode="after")
    def _references(self):
        for field in ("menu", "devices"):
            seen: dict[str, int] = {}
            for i, entry in enumerate(getattr(self, field)):
                if entry.name in seen:
                    raise fail(f"duplicate name '{entry.name}' (also operations.{field}"
                               f"[{seen[entry.name]}])", field, i, "name")
                seen[entry.name] = i
        names = [line.name for line in self.costs]
        for i, device in enumerate(self.devices):
            if device.replaces not in names:
                raise fail(f"no cost line is named '{device.replaces}'"
                           f"{did_you_mean(device.replaces, names)}", "devices", i, "replaces")
            replaced = self.costs[names.index(device.replaces)]
            if replaced.per_year is not None or replaced.per_job:
                form = "per_year" if replaced.per_year is not None else "per job"
                raise fail(f"the cost line '{device.replaces}' is given {form}; devices "
                           "replace staff of a line given by a headcount", "devices", i,
                           "replaces")
        shared = self.shared_service
        for i, line in enumerate(self.costs):
            if not line.shared:
                continue
            if shared is None:
                raise fail("a shared line needs operations.shared_service (the contract's "
                           "partners and split key)", "costs", i, "shared")
            need = {"m2_per_staff": "partner_floor_area_m2",
                    "households_per_staff": "partner_households"}.get(line.norm or "")
            if need is not None and getattr(shared, need) is None:
                raise fail(f"the norm {line.norm} of a shared line sizes the crew for the "
                           f"whole contract: give shared_service.{need}", "costs", i,
                           line.norm, on_key=True)
            if line.per_job and shared.partner_households is None:
                raise fail("a shared line paid per job counts the jobs of the whole "
                           "contract's households: give shared_service.partner_households",
                           "costs", i, "jobs_per_household_year", on_key=True)
        models = self.service_models()
        if len(models) == 2 and self.service_model is None:
            i = next(i for i, line in enumerate(self.costs) if line.service_model == models[1])
            raise fail("cost lines belong to both service models (crew and per_job): say which "
                       "a run uses, operations.service_model: crew or per_job", "costs", i,
                       "service_model", on_key=True)
        if self.service_model is not None and self.service_model not in models:
            raise fail(f"no cost line belongs to the service model {self.service_model!r} "
                       "(give a line service_model: " + self.service_model + ")",
                       "service_model")
        return self

    def service_models(self) -> tuple[str, ...]:
        """The service models the cost lines belong to, in :data:`SERVICE_MODELS` order (empty:
        no line belongs to one)."""
        used = {line.service_model for line in self.costs}
        return tuple(m for m in SERVICE_MODELS if m in used)

    def runs(self, line: CostLine, model: str | None = None) -> bool:
        """Whether cost ``line`` runs under ``model`` (default: the one a run uses,
        ``service_model`` or the only one the lines name): a line of no service model always
        does."""
        if line.service_model is None:
            return True
        model = model or self.service_model or line.service_model
        return line.service_model == model

    def has_owners_account(self) -> bool:
        """Whether the owners' account runs: an ``owners_account`` section, or an income line
        paid to it (the section's defaults then)."""
        return self.owners_account is not None or any(
            line.paid_to == "compound_account" for line in self.income)

    def problems_in(self, scenario: Any) -> Iterator[tuple[str, ...]]:
        """What the operations cannot be against the rest of the scenario, as ``(message,
        *path below operations)``: a line's ``item`` that names no renovation item, a
        collection ramp longer than the horizon, a line starting
        or ending beyond it, and the year-1 amounts of the service models beyond the bound on
        money (distributions count with the largest value their draws reach)."""
        from .distributions import largest_value as big

        horizon = scenario.horizon_years
        for kind, lines in (("income", self.income), ("costs", self.costs)):
            for k, line in enumerate(lines):
                n = line.last_year(horizon) - line.first_year + 1
                if getattr(line, "profile", None) is not None and len(line.profile) != n:
                    yield (f"{len(line.profile)} shares for the {n} years the line runs "
                           f"(operating years {line.first_year}–{line.last_year(horizon)}): "
                           "give one a year", kind, k, "profile")
        ramp = self.property_fee.collection_ramp
        if ramp is not None and len(ramp) > horizon:
            yield (f"{len(ramp)} collection rates for the {horizon} operating years of the "
                   "horizon", "property_fee", "collection_ramp")
        account = self.owners_account
        if account is not None and account.to_repairs_fund_share > 0 and \
                scenario.repairs_fund is None:
            yield ("the owners' account pays into the repairs fund, but the scenario has no "
                   "repairs_fund section", "owners_account", "to_repairs_fund_share")
        kept = {f"income[{line.name}]" for line in self.income
                if line.paid_to == "compound_account"}
        for r, rule in enumerate(scenario.funding):
            for taken in getattr(rule, "takes_over", None) or ():
                if f"income[{taken}]" in kept:
                    yield (f"the income line {taken!r} is paid to the owners' account "
                           f"(funding[{r}] takes it over): an investor takes over the "
                           "operator's income; write paid_to: operator", "income",
                           [l.name for l in self.income].index(taken), "paid_to")
            for line, _ in (rule.pledges() if hasattr(rule, "pledges") else ()):
                if line in kept:
                    name = line[len("income["):-1]
                    yield (f"the income line {name!r} is paid to the owners' account "
                           f"(funding[{r}] pledges it): a debt is served from the operator's "
                           "income; write paid_to: operator", "income",
                           [l.name for l in self.income].index(name), "paid_to")
        items = [item.name for item in scenario.renovation.items]
        for field in ("income", "costs"):
            for i, line in enumerate(getattr(self, field)):
                if line.item is not None and line.item not in items:
                    yield (f"no renovation item is named '{line.item}'"
                           f"{did_you_mean(line.item, items)}", field, i, "item")
                if line.first_year > horizon:
                    yield (f"the line would start after the {horizon} operating years of the "
                           "horizon", field, i, "first_year")
                elif line.last_year(horizon) > horizon:
                    yield (f"the line would run to operating year {line.last_year(horizon)}, "
                           f"after the {horizon} years of the horizon; leave years out to run "
                           "to the horizon", field, i, "years")
        compound = scenario.compound

        def over(amount: float) -> bool:
            return not amount <= MAX_MONEY_CNY

        fee = self.property_fee
        if fee.per_household and over(big(fee.per_household_month) * compound.households * 12):
            yield ("the fee income of a year (per_household_month × households × 12) is beyond "
                   f"the bound of {MAX_MONEY_CNY:g} CNY on any amount", "property_fee",
                   "per_household_month")
        shared = self.shared_service
        partners = big(shared.partners) if shared is not None else 0.0
        for i, line in enumerate(self.costs):
            if line.norm is None:
                continue
            base = (compound.floor_area_m2 if line.norm == "m2_per_staff"
                    else compound.households)
            if line.shared:
                size = (shared.partner_floor_area_m2 if line.norm == "m2_per_staff"
                        else shared.partner_households)
                base += partners * big(size)
            staff = base / _smallest(getattr(line, line.norm))
            if over(staff * big(line.wage_per_month) * 12 * (1 + big(line.on_cost))):
                yield (f"the cost line '{line.name}' in a year (headcount from its norm × "
                       f"wage × 12) is beyond the bound of {MAX_MONEY_CNY:g} CNY on any "
                       "amount", "costs", i, line.norm)
        for i, line in enumerate(self.costs):
            if not line.per_job:
                continue
            households = compound.households
            if line.shared:
                households += partners * big(shared.partner_households)
            if over(big(line.jobs_per_household_year) * households * big(line.price_per_job)):
                yield (f"the cost line '{line.name}' in a year (jobs per household × households "
                       f"× price per job) is beyond the bound of {MAX_MONEY_CNY:g} CNY on any "
                       "amount", "costs", i, "price_per_job")
        for i, package in enumerate(self.menu):
            price = max(big(package.price_per_household_month),
                        big(package.cost_per_household_month))
            if over(price * compound.households * 12):
                yield (f"the package '{package.name}' in a year (households × price × 12) is "
                       f"beyond the bound of {MAX_MONEY_CNY:g} CNY on any amount", "menu", i)


def _smallest(value: Any) -> float:
    """The smallest value a positive input takes (a distribution's lowest reach)."""
    from .distributions import DistributionBase

    if isinstance(value, DistributionBase):
        lo, _ = value.reach()
        return max(float(lo), 1.0)
    return float(value)
