"""Debt: bank loans (银行贷款) and special bonds (专项债) repaid from the compound's pledged
operating revenue."""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Iterator, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from ..base import ScenarioModel, did_you_mean, fail
from ..fiscal import GOVERNMENT_LEVELS
from ...io.limits import MAX_LINES, RATE_MAX
from ..ranges import bounded, uncertain
from ..renovation import Money, Share, MoneySum
from .source import Source

__all__ = ["Debt", "BankLoan", "SpecialBond", "Guarantee", "Pledge", "Tranche", "REPAYMENTS"]

REPAYMENTS = ("annuity", "equal_principal", "bullet", "sculpted", "profile")
"""How the principal is repaid after the grace years (``profile``: given shares by year)."""
CONSTRUCTION_INTEREST = ("none", "paid", "capitalised")
"""What happens to the interest on what is drawn in the construction years (建设期利息)."""
PROFILE_TOLERANCE = 1e-9
"""How far from 100 (or 1) a repayment profile may sum, relative."""

LoanRate = uncertain(ge=0, le=RATE_MAX, percent=True)
"""A loan's interest rate per year, a fraction in [0, 1] (0.035 for 3.5 %)."""
Fee = bounded(float, ge=0, le=1, percent=True)
"""A fee as a share of a principal or balance, a fraction in [0, 1] (0.001 for 0.1 %)."""
Coverage = uncertain(gt=0, le=10)
"""A cover ratio (cash available / debt service), in (0, 10] (1.3 for a DSCR of 1.3×)."""

GovernmentLevel = Literal[GOVERNMENT_LEVELS]  # type: ignore[valid-type]


class Pledge(ScenarioModel):
    """A share of one operating line pledged to a debt: ``{line: 'income[rent]', share: 0.5}``.
    A line pledged to several debts must be pledged this way by each, the shares summing to at
    most 1 over the debts; a bare name pledges the whole line to one debt."""

    line: str
    """The line: ``property_fee``, ``income[<name>]`` (in ``pledged``) or ``cost[<name>]``,
    ``management_margin``, ``vat`` (in ``pledged_costs``)."""
    share: bounded(float, gt=0, le=1, percent=True)
    """The share of the line pledged to this debt, in (0, 1] (0.5 for half)."""


def _name_or_pledge(value: Any) -> str | None:
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict):
        return "share"
    return None


PledgedLine = Annotated[Union[Annotated[str, Tag("name")], Annotated[Pledge, Tag("share")]],
                        Discriminator(_name_or_pledge, custom_error_type="pledge",
                                      custom_error_message="expected a line's name, or a line and "
                                      "its share (line: <name>, share: <in (0, 1]>)")]
"""A pledged line: its name (the whole line), or a :class:`Pledge` (a share of it)."""


def pledge_of(entry: "str | Pledge") -> tuple[str, float | None]:
    """``(line, share)`` of a pledged entry; share None for a bare name (the whole line)."""
    return (entry, None) if isinstance(entry, str) else (entry.line, float(entry.share))


Profile = list[bounded(float, ge=0)]
"""A repayment profile: the principal repaid in each term year, in percent or shares."""


def leading_zeros(profile: list[float]) -> int:
    """The grace years of a repayment profile: its leading 0."""
    return next((j for j, x in enumerate(profile) if x > 0), len(profile))


def profile_problem(repayment: str, profile: list[float] | None, term_years: int,
                    grace_years: int | None) -> tuple[str, str] | None:
    """What is wrong with a repayment ``profile`` for a term of ``term_years`` (``grace_years``
    the grace years given, None if not), as ``(message, field)``: one number per term year,
    summing to 100 (percent) or 1 (shares), its leading 0 the grace years; None if nothing."""
    if repayment == "profile" and profile is None:
        return ("repayment: profile repays the principal by the shares of principal_profile: "
                "give it (one number per term year, in percent summing to 100)", "repayment")
    if profile is None:
        return None
    if repayment != "profile":
        return (f"principal_profile is the repayment of repayment: profile, not {repayment}: "
                "write repayment: profile, or leave principal_profile out",
                "principal_profile")
    if len(profile) != term_years:
        return (f"principal_profile gives {len(profile)} year(s) for a term of {term_years} "
                "years: give one number per term year, the grace years as leading 0",
                "principal_profile")
    total = math.fsum(profile)
    if not (abs(total - 100.0) <= 100.0 * PROFILE_TOLERANCE
            or abs(total - 1.0) <= PROFILE_TOLERANCE):
        return (f"principal_profile sums to {total:.12g}: the principal repaid over the term "
                "must be all of it, 100 (percent) or 1 (shares)", "principal_profile")
    grace = leading_zeros(profile)
    if grace_years is not None and grace_years != grace:
        return (f"grace_years: {grace_years} contradicts principal_profile, whose {grace} "
                "leading 0 year(s) are the grace years; leave grace_years out (or make them "
                "agree)", "grace_years")
    return None


def profile_shares(profile: list[float] | None) -> tuple[float, ...] | None:
    """The share of the principal repaid in each term year (the profile as fractions: divided
    by 100 when it sums to 100), or None without a profile."""
    if profile is None:
        return None
    scale = 100.0 if abs(math.fsum(profile) - 100.0) <= 100.0 * PROFILE_TOLERANCE else 1.0
    return tuple(float(x) / scale for x in profile)


class Tranche(ScenarioModel):
    """One issue of a debt issued over several years (分年发行): ``{year: 2025, amount: ...,
    rate: ...}``. Its coupon, term and repayment run from its issue (term year 1 is the year
    after ``year``); a term it does not give is the debt's."""

    year: int = Field(ge=1900, le=2200)
    """Calendar year of the issue: a construction year."""
    amount: MoneySum
    """Principal issued, CNY."""
    rate: LoanRate | None = None
    """Its coupon, a fraction per year (default: the debt's ``rate``)."""
    term_years: int | None = Field(default=None, ge=1, le=100)
    """Years from the year after its issue to its last repayment (default: the debt's)."""
    grace_years: int | None = Field(default=None, ge=0, le=99)
    """Years of interest only at the start of its term (default: the debt's)."""
    repayment: Literal["annuity", "equal_principal", "bullet", "profile"] | None = None
    """How its principal is repaid (default: the debt's; not sculpted)."""
    principal_profile: Profile | None = Field(default=None, min_length=1, max_length=100)
    """With ``repayment: profile``: the principal repaid in each of its term years (default:
    the debt's)."""


class Guarantee(ScenarioModel):
    """A government guarantee of a bank loan: the guarantor pays ``share`` of the debt service
    the pledged cash flow does not cover (the contingent liability called)."""

    by: GovernmentLevel
    """The level of government that guarantees."""
    share: Share = 1.0
    """Share of each year's shortfall the guarantor pays, in [0, 1] (default: all of it)."""


class Debt(Source):
    """Money lent for the works and repaid, with interest, over ``term_years`` operating years.

    The debt is drawn as its items are built (interest during construction only with
    ``construction_interest``); operating year 1 is term year 1 (a tranche's term starts the
    year after its issue). ``grace_years`` years of interest only come first, then the
    principal is repaid by ``repayment``; fees by ``issuance_fee``, ``annual_fee``,
    ``redemption_fee``. The amount is

    ``min(amount, sized, gearing × cost, cap, cap_per_household × households, need)``

    (each absent term ignored), where ``sized`` is the most the pledged cash flow carries at
    ``dscr_target`` and ``need`` what is still unfunded on its items when it pays. The cash
    flow available for debt service in year t is ``CFADS_t = Σ share × pledged − Σ share ×
    pledged_costs`` (share 1 for a line pledged by its name; a line pledged to several debts
    is pledged in shares summing to at most 1 over them, so that it is counted, and a bond's
    remitted, once).
    """

    payer: ClassVar[str] = "lenders"
    party: ClassVar[str] = "lender"
    amount_fields: ClassVar[tuple[str, ...]] = ("amount", "dscr_target", "gearing", "tranches")
    instrument: ClassVar[str] = "fundmodel.inputs.debt"
    obligor: ClassVar[str] = "operator"
    """Who pays the debt service on the ledger."""

    amount: MoneySum | None = None
    """Principal asked for, CNY (cut by the other limits; ``capped`` says when)."""
    dscr_target: Coverage | None = None
    """Size the debt so that the pledged cash flow covers its service this many times in every
    year (e.g. 1.3); required by ``repayment: sculpted``."""
    gearing: Share | None = None
    """Most debt as a share of the cost of its eligible items, in [0, 1]."""
    rate: LoanRate | None = None
    """Interest rate per year on the outstanding balance, a fraction (0.035 for 3.5 %);
    required unless every tranche gives its own."""
    term_years: int = Field(ge=1, le=100)
    """Years from operating year 1 to the last repayment, grace years included; at most the
    scenario's ``horizon_years``."""
    grace_years: int = Field(default=0, ge=0, le=99)
    """Years of interest only at the start of the term (default 0); less than ``term_years``."""
    repayment: Literal["annuity", "equal_principal", "bullet", "sculpted", "profile"] = "annuity"
    """``annuity`` (level payments), ``equal_principal``, ``bullet`` (all at the end of the
    term), ``sculpted`` (debt service = CFADS / dscr_target each year) or ``profile`` (the
    shares of ``principal_profile``, 分期还本)."""
    principal_profile: Profile | None = Field(default=None, min_length=1, max_length=100)
    """With ``repayment: profile``: the principal repaid in each term year, one number per
    year of ``term_years``, in percent summing to 100 (``[0, 0, 10, 10, ...]``) or in shares
    summing to 1; its leading 0 are the grace years."""
    construction_interest: Literal["none", "paid", "capitalised"] = "none"
    """Interest on what is drawn in the construction years (建设期利息, drawn on average in
    mid-year): ``none`` (default: interest runs from operating year 1), ``paid`` by the
    obligor in the construction years, or ``capitalised`` (added to the principal repaid over
    the term)."""
    issuance_fee: Fee | None = None
    """Fee paid by the obligor at issue (as drawn), a share of the principal drawn (0.001 for
    0.1 %); not taken from the proceeds."""
    annual_fee: Fee | None = None
    """Fee a year (registration, custody, rating), a share of the balance outstanding at the
    start of each term year."""
    redemption_fee: Fee | None = None
    """Fee on repayment (兑付手续费), a share of the principal repaid in each term year."""
    asset_life_years: int | None = Field(default=None, ge=1, le=200)
    """Useful life of the assets the debt finances, years (a check of the debt system: the
    term must not outlast them; ``fundmodel bond-evaluation``)."""
    coverage_bases: bool = False
    """Also give the cover on the other bases practice uses (disclosed plans state covers no
    single basis reproduces): over the whole operating period, and with the debt's payments
    of the construction years (``coverage_<gross|net>_operating_period``,
    ``coverage_<gross|net>_with_construction``)."""
    tranches: list[Tranche] | None = Field(default=None, min_length=1, max_length=30)
    """Issued over several years (分年发行): each tranche its year, amount and, where it
    differs from the debt's, its rate, term and repayment, from its issue; the debt asks for
    their sum (``amount`` is then left out) and its metrics are over all of them."""
    pledged: list[PledgedLine] = Field(min_length=1, max_length=MAX_LINES)
    """Operating revenue lines pledged to the debt: ``property_fee`` and ``income[<name>]``;
    ``{line: 'income[rent]', share: 0.5}`` pledges half of a line (a line pledged to several
    debts must be shared so, the shares summing to at most 1)."""
    pledged_costs: list[PledgedLine] | None = Field(default=None, min_length=1,
                                                    max_length=MAX_LINES)
    """Cost lines deducted from the pledged revenue (the net basis): ``cost[<name>]``,
    ``management_margin``, ``vat``; shared between debts like ``pledged``."""
    coverage_threshold: bounded(float, gt=0, le=10) = 1.2
    """Least coverage of the debt service by the pledged revenue over the debt's life (net of
    ``pledged_costs`` when given) for ``meets_coverage`` (default 1.2)."""
    pooled: bool = False
    """One debt for a package of compounds (a programme's special bond, 打捆): in a portfolio,
    the compounds it ``applies_to`` (default every compound) pool their pledged lines; it is
    sized, limited and covered on the pool, its proceeds are allocated to them by
    ``allocation``, and each pays its share of the service. Default: each compound its own
    debt."""
    allocation: Literal["gap", "cost", "households"] | None = None
    """How a pooled debt's proceeds are shared among its compounds: pro rata to what each
    still needs on the debt's items (``gap``, the default), to the cost of those items
    (``cost``) or to households — never more than a compound needs."""

    @model_validator(mode="after")
    def _debt_terms(self):
        if self.instalments is not None:
            raise fail("debt is drawn as the works are built; instalments are for grants",
                       "instalments")
        if self.grace_years >= self.term_years:
            raise fail(f"{self.grace_years} grace year(s) leave nothing of a "
                       f"{self.term_years}-year term to repay the principal; grace_years must "
                       "be less than term_years", "grace_years")
        self._check_profile()
        self._check_tranches()
        if self.repayment == "sculpted":
            for fee in ("annual_fee", "redemption_fee"):
                if getattr(self, fee):
                    raise fail(f"a sculpted repayment sets the interest and principal to the "
                               f"cash flow over dscr_target, leaving no room for {fee}: choose "
                               "another repayment (profile, annuity...) or leave the fee out",
                               fee)
        if self.repayment == "sculpted" and self.dscr_target is None:
            raise fail("a sculpted repayment follows the pledged cash flow divided by "
                       "dscr_target: give dscr_target", "repayment")
        if self.items is not None and not self.items:
            raise fail("an empty items list leaves the debt nothing to finance; name the items "
                       "it lends for, or leave items out to lend for every item", "items")
        if self.allocation is not None and not self.pooled:
            raise fail("allocation shares a pooled debt among its compounds: write pooled: "
                       "true, or leave allocation out", "allocation")
        for field in ("pledged", "pledged_costs"):
            names = [pledge_of(entry)[0] for entry in getattr(self, field) or []]
            for j, name in enumerate(names):
                if name in names[:j]:
                    raise fail(f"'{name}' is listed twice", field, j)
        return self

    def _check_profile(self) -> None:
        """``principal_profile`` with ``repayment: profile`` only: one number per term year,
        summing to 100 (percent) or 1 (shares), its leading 0 the grace years."""
        given = self.grace_years if "grace_years" in self.model_fields_set else None
        problem = profile_problem(self.repayment, self.principal_profile, self.term_years,
                                  given)
        if problem is not None:
            raise fail(*problem)

    def _check_tranches(self) -> None:
        """Tranches in place of ``amount``, each with a rate (its own or the debt's) and terms
        that hold together; no interest during construction and no sculpted repayment (a
        tranche's coupon runs from its issue, on a schedule of its own)."""
        if self.tranches is None:
            if self.rate is None:
                raise fail("give rate, the interest per year (0.035 for 3.5 %)", "rate")
            return
        if self.amount is not None:
            raise fail("a debt issued in tranches asks for the sum of their amounts: leave "
                       "amount out (or the tranches)", "amount")
        if self.construction_interest != "none":
            raise fail("a tranche pays its coupon from the year after its issue, in the "
                       "construction years too: leave construction_interest out of a debt "
                       "issued in tranches", "construction_interest")
        if self.repayment == "sculpted":
            raise fail("a debt issued in tranches repays each on its own schedule, not "
                       "sculpted: choose annuity, equal_principal, bullet or profile",
                       "repayment")
        for k, tranche in enumerate(self.tranches):
            if tranche.rate is None and self.rate is None:
                raise fail("give this tranche a rate, or the debt a rate for every tranche "
                           "without one", "tranches", k)
            term, grace, repayment, profile = self.tranche_terms(k)
            if grace >= term:
                raise fail(f"{grace} grace year(s) leave nothing of a {term}-year term to "
                           "repay the principal; grace_years must be less than term_years",
                           "tranches", k, *(("grace_years",) if tranche.grace_years is not None
                                            else ()))
            own = tranche.grace_years if tranche.grace_years is not None else (
                self.grace_years if "grace_years" in self.model_fields_set
                and tranche.principal_profile is None else None)
            problem = profile_problem(repayment, profile, term, own)
            if problem is not None:
                message, field = problem
                at = (field,) if getattr(tranche, field) is not None else ()
                raise fail(message if at else f"with the debt's terms: {message}",
                           "tranches", k, *at)

    def tranche_terms(self, k: int) -> tuple[int, int, str, list[float] | None]:
        """Tranche k's term, grace years, repayment and profile: its own, else the debt's."""
        t = self.tranches[k]
        term = t.term_years if t.term_years is not None else self.term_years
        repayment = t.repayment if t.repayment is not None else self.repayment
        profile = t.principal_profile if t.principal_profile is not None else (
            self.principal_profile if repayment == "profile" else None)
        if t.grace_years is not None:
            grace = t.grace_years
        elif profile is not None:
            grace = leading_zeros(profile)
        else:
            grace = self.grace_years
        return term, grace, repayment, profile

    def grace(self) -> int:
        """The grace years: ``grace_years``, or the leading 0 of ``principal_profile``."""
        if self.principal_profile is None:
            return self.grace_years
        return leading_zeros(self.principal_profile)

    def profile_shares(self) -> tuple[float, ...] | None:
        """The share of the principal repaid in each term year (``principal_profile`` as
        fractions: divided by 100 when it sums to 100), or None without a profile."""
        return profile_shares(self.principal_profile)

    def pledges(self, field: str = "pledged") -> list[tuple[str, float | None]]:
        """``(line, share)`` of each line in ``pledged`` (or ``pledged_costs``), in order; share
        None where the whole line is pledged by name."""
        return [pledge_of(entry) for entry in getattr(self, field) or []]

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        """Checks against the rest of the scenario (see :meth:`Source.problems_in`): the term
        ends within the horizon; each tranche is issued in a construction year and its term
        ends within the horizon; the pledged lines exist."""
        if self.term_years > scenario.horizon_years:
            yield (f"a term of {self.term_years} years would end after the "
                   f"{scenario.horizon_years} operating years of the horizon; shorten it "
                   "or lengthen horizon_years", "term_years")
        first, built = scenario.start_year, max(1, scenario.construction_years())
        for k, tranche in enumerate(self.tranches or ()):
            if not first <= tranche.year < first + built:
                yield (f"a tranche issued in {tranche.year} falls outside the construction "
                       f"years {first}–{first + built - 1}, the years the debt funds the "
                       "works", "tranches", k, "year")
                continue
            term = self.tranche_terms(k)[0]
            last = tranche.year - first + term - built + 1      # its last operating year
            if last < 1:
                yield (f"the tranche of {tranche.year} would be repaid within the construction "
                       "years, before any pledged revenue: give it a term reaching the "
                       "operating years", "tranches", k,
                       *(("term_years",) if tranche.term_years is not None else ()))
            elif last > scenario.horizon_years:
                yield (f"the tranche of {tranche.year} would end in operating year {last}, "
                       f"after the {scenario.horizon_years} years of the horizon; shorten its "
                       "term or lengthen horizon_years", "tranches", k,
                       *(("term_years",) if tranche.term_years is not None else ()))
        ops = scenario.operations
        revenue = ["property_fee", *(f"income[{line.name}]" for line in ops.income)]
        costs = [*(f"cost[{line.name}]" for line in ops.costs), "management_margin", "vat"]
        labels = scenario.funding_labels()
        for field, allowed, what in (("pledged", revenue, "revenue"),
                                     ("pledged_costs", costs, "cost")):
            for j, (name, share) in enumerate(self.pledges(field)):
                at = (field, j) if share is None else (field, j, "line")
                if name not in allowed:
                    yield (f"no operating {what} line is named '{name}'"
                           f"{did_you_mean(name, allowed)}; the {what} lines are "
                           f"{', '.join(allowed)}", *at)
                    continue
                yield from _shared_line(scenario, labels, index, field, j, name, share)


def _shared_line(scenario: Any, labels: list[str], index: int, field: str, j: int, name: str,
                 share: float | None) -> Iterator[tuple]:
    """The problem with line ``name`` at ``funding[index].<field>[j]`` if earlier debts pledge
    it too: each must pledge a share (else one line's cash flow would be counted, and a bond's
    remitted, once per debt), and the shares must sum to at most 1."""
    others = [(r, s) for r, rule in enumerate(scenario.funding[:index])
              if isinstance(rule, Debt)
              for line, s in rule.pledges(field) if line == name]
    if not others:
        return
    first = others[0][0]
    if share is None or any(s is None for _, s in others):
        bare = index if share is None else next(r for r, s in others if s is None)
        other = first if bare == index else index
        yield (f"'{name}' is pledged by the debts '{labels[other]}' (funding[{other}]) and "
               f"'{labels[index]}' (funding[{index}]), and '{labels[bare]}' pledges the whole "
               f"line: pledge a share of it in each debt (line: '{name}', share: 0.5 in "
               "place of the bare name), the shares summing to at most 1", *((field, j) if share is None
                                              else (field, j, "share")))
        return
    total = sum(s for _, s in others) + share
    if total > 1 + 1e-12:
        named = ", ".join(f"'{labels[r]}' (funding[{r}]) {s:g}" for r, s in others)
        yield (f"the shares of '{name}' pledged by the debts {named} and '{labels[index]}' "
               f"(funding[{index}]) {share:g} sum to {total:g}, more than the whole line; "
               "they must sum to at most 1", field, j, "share")


class BankLoan(Debt):
    """A bank loan to the compound's operator, serviced from its account (the pledged lines
    measure its cover); a government may guarantee it."""

    source: Literal["bank_loan"]
    guarantee: Guarantee | None = None
    """A government guarantee: ``{by: <level of government>, share: 1.0}``."""


class SpecialBond(Debt):
    """A special-purpose bond (专项债) of a level of government, which must balance itself from
    the project's income: the operator remits the pledged cash flow (up to the debt service)
    to the issuer, and the issuer services the bond."""

    source: Literal["special_bond"]
    issuer: Literal["provincial_government", "city_district_government"] = \
        "city_district_government"
    """The level of government that issues the bond and services it."""
    capital_share: bounded(float, ge=0, le=1, reason="the capital part is part of the bond: "
                           "a share of it, at most 1") | None = None
    """The share of the bond used as the project's capital (专项债用作资本金), in [0, 1]: the
    metric ``capital`` (CNY); it is still the bond's, serviced as the rest."""
