"""Debt: bank loans and special bonds (:class:`fundmodel.scenario.funding.BankLoan`,
:class:`~fundmodel.scenario.funding.SpecialBond`), sized on the pledged operating cash flow and
serviced in the operating years.

Timing: the debt is drawn as its items are built (``funding[<label>]``, lender → project); no
interest runs during construction unless ``construction_interest`` is ``paid`` (in the
construction years) or ``capitalised`` (added to the principal); term year 1 is operating
year 1. The schedules per unit of
principal ``s_t`` are :mod:`fundmodel.finance.loans`'s; the debt service of a loan of ``P`` CNY is
``P × s_t``. See ``docs/instruments.md`` for the formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...finance.loans import (LoanSchedule, construction_interest, loan_schedule,
                              sculpted_schedule)
from ..arrays import row_sum, sum_lines
from . import Books, at_compound, pay_on_items, pool_members, pool_sum, timed, unfunded_on

__all__ = ["DebtInputs", "DebtReport", "write_debt", "debt_line", "cfads"]


def debt_line(label: str, what: str) -> str:
    """Name of a debt's ledger line: ``debt[<label>].<what>`` (``interest``, ``principal``,
    ``pledged_revenue``, ``guarantee_call``)."""
    return f"debt[{label}].{what}"


@dataclass(frozen=True)
class DebtInputs:
    """Debt rules, in the order written.

    Arrays ``(D|1, C|1, R)``: ``amount`` (CNY; inf where not given), ``dscr_target`` (NaN where
    not given), ``gearing`` (share; inf where not given), ``cap``, ``cap_per_household``
    (CNY; inf: none), ``rate`` (per year), ``guarantee_share`` (0 without a guarantee).
    ``eligible`` is ``(R, I)``. Per rule: ``obligors`` (who services the debt: ``operator``
    for a bank loan, the issuer for a bond), ``issuers`` (a bond's issuer, to which the
    operator remits the pledged revenue; None for a loan), ``guarantors`` (None: none),
    ``term_years``, ``grace_years``, ``repayment``, ``pledged`` and ``pledged_costs`` (ledger
    line names) and ``coverage_threshold``; ``pledged_shares`` and ``pledged_cost_shares``
    the share of each of those lines pledged to the rule (None or 1.0: the whole line; a line
    shared by several debts has shares summing to at most 1 over them). ``pooled``: a rule is
    one debt for the compounds where ``members`` ``(D|1, C|1, R)`` is 1 (the package it
    applies to), its proceeds shared by ``allocation`` (``gap``, ``cost`` or ``households``).
    Optional per rule (empty: none for every rule): ``profiles`` (the shares of the principal
    repaid by term year of a ``profile`` repayment, else None), ``construction_interest``
    (``none``, ``paid``, ``capitalised``), ``issuance_fee`` (share of the principal drawn),
    ``annual_fee`` (share of the opening balance a year), ``redemption_fee`` (share of the
    principal repaid), ``capital_share`` (share of a bond used as capital), ``coverage_bases``
    (give the cover on the other bases too). A rule issued in tranches (``repayment``
    ``tranches``) lists in ``tranches`` its tranches' positions in the flat per-tranche terms:
    ``tranche_issue``
    (year of issue relative to operating year 1, ≤ −1: term year 1 is the year after),
    ``tranche_term``, ``tranche_grace``, ``tranche_repayment``, ``tranche_profile`` and the
    arrays ``tranche_amount``, ``tranche_rate`` ``(D|1, C|1, K)``; its ``amount`` is their
    sum, its ``rate`` their mean weighted by amount (the LLCR's discount rate) and its
    ``term_years`` the operating years its service spans.
    """

    def shares(self, r: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The shares of rule r's pledged revenue and cost lines (1.0 where not given)."""
        def of(given, names):
            return tuple(given[r]) if given is not None else (1.0,) * len(names)
        return (of(self.pledged_shares, self.pledged[r]),
                of(self.pledged_cost_shares, self.pledged_costs[r]))

    labels: tuple[str, ...]
    obligors: tuple[str, ...]
    issuers: tuple[str | None, ...]
    guarantors: tuple[str | None, ...]
    eligible: np.ndarray
    amount: np.ndarray
    dscr_target: np.ndarray
    gearing: np.ndarray
    cap: np.ndarray
    cap_per_household: np.ndarray
    rate: np.ndarray
    guarantee_share: np.ndarray
    term_years: tuple[int, ...]
    grace_years: tuple[int, ...]
    repayment: tuple[str, ...]
    pledged: tuple[tuple[str, ...], ...]
    pledged_costs: tuple[tuple[str, ...], ...]
    coverage_threshold: tuple[float, ...]
    pledged_shares: tuple[tuple[float, ...], ...] | None = None
    pledged_cost_shares: tuple[tuple[float, ...], ...] | None = None
    pooled: tuple[bool, ...] = ()
    allocation: tuple[str, ...] = ()
    members: np.ndarray | None = None
    profiles: tuple[tuple[float, ...] | None, ...] = ()
    construction_interest: tuple[str, ...] = ()
    issuance_fee: tuple[float, ...] = ()
    annual_fee: tuple[float, ...] = ()
    redemption_fee: tuple[float, ...] = ()
    capital_share: tuple[float, ...] = ()
    coverage_bases: tuple[bool, ...] = ()
    tranches: tuple[tuple[int, ...], ...] = ()
    tranche_issue: tuple[int, ...] = ()
    tranche_term: tuple[int, ...] = ()
    tranche_grace: tuple[int, ...] = ()
    tranche_repayment: tuple[str, ...] = ()
    tranche_profile: tuple[tuple[float, ...] | None, ...] = ()
    tranche_amount: np.ndarray | None = None
    tranche_rate: np.ndarray | None = None

    def term(self, name: str, r: int, default=None):
        """Rule r's optional term ``name`` (``default`` where the terms leave it out)."""
        given = getattr(self, name)
        return given[r] if given else default


@dataclass(frozen=True)
class DebtReport:
    """What each debt would lend before the need, ``offered (D, C, R)`` CNY, and the per-draw
    metrics ``debt[<label>].<metric>`` (see :data:`fundmodel.catalog.INSTRUMENT_METRICS`)."""

    offered: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)


def cfads(operating, names, costs=(), shares=None, cost_shares=None
          ) -> tuple[np.ndarray, np.ndarray]:
    """The pledged revenue ``Σ share_l × operating[l]`` over the lines ``names`` and the cash
    flow available for debt service ``CFADS = revenue − Σ share_c × operating[c]`` over
    ``costs``, ``(D|1, C, T)`` CNY, summed in order; shares default to 1 (the whole line)."""
    shares = (1.0,) * len(names) if shares is None else shares
    cost_shares = (1.0,) * len(costs) if cost_shares is None else cost_shares
    part = lambda n, s: operating[n] if s == 1.0 else s * operating[n]  # noqa: E731
    shape = operating[names[0]].shape
    revenue = sum_lines([part(n, s) for n, s in zip(names, shares)], shape)
    if not costs:
        return revenue, revenue
    return revenue, revenue - sum_lines([part(n, s) for n, s in zip(costs, cost_shares)],
                                        shape)


def _fee_units(params: DebtInputs, r: int, unit: LoanSchedule) -> list[np.ndarray]:
    """Rule r's fees of the term per unit of principal (those it has): ``annual_fee × B_{t−1}``
    (on the opening balance) and ``redemption_fee × p_t`` (on the principal repaid)."""
    fees = []
    if params.term("annual_fee", r, 0.0):
        fees.append(params.annual_fee[r] * unit.balance)
    if params.term("redemption_fee", r, 0.0):
        fees.append(params.redemption_fee[r] * unit.principal)
    return fees


def _unit_service(params: DebtInputs, r: int, unit: LoanSchedule) -> np.ndarray:
    """Rule r's debt service per unit of principal: ``i_t + p_t`` plus the fees of the term."""
    service = unit.debt_service
    for fee in _fee_units(params, r, unit):
        service = service + fee
    return service


def _tranche_schedule(params: DebtInputs, r: int, n_term: int
                      ) -> tuple[LoanSchedule, LoanSchedule | None]:
    """Rule r's tranches as one schedule per unit of its principal: tranche k, a share
    ``w_k = amount_k / Σ amount`` of it, is repaid by its own unit schedule (its rate, term,
    grace, repayment) from the year after its issue, ``Σ_k w_k s^k``. Returns the schedule of
    operating years 1..``n_term`` and that of the construction years after the first issue
    (coupons before operation; None if none)."""
    ks = params.tranches[r]
    amount = params.tranche_amount[..., list(ks)]
    total = amount[..., 0]
    for j in range(1, len(ks)):                         # in order: bits independent of D
        total = total + amount[..., j]
    start = min(params.tranche_issue[k] for k in ks) + 1            # ≤ 0
    lead = np.broadcast_shapes(amount.shape[:-1], params.tranche_rate.shape[:-1])
    parts = [np.zeros(lead + (n_term - start,)) for _ in range(3)]
    for j, k in enumerate(ks):                          # a loop over tranches
        w = np.where(total > 0, amount[..., j] / np.where(total > 0, total, 1.0),
                     1.0 / len(ks))[..., None]
        unit = loan_schedule(params.tranche_rate[..., k], params.tranche_term[k],
                             params.tranche_grace[k], params.tranche_repayment[k],
                             shares=params.tranche_profile[k])
        at = params.tranche_issue[k] + 1 - start
        for part, values in zip(parts, (unit.interest, unit.principal, unit.balance)):
            part[..., at:at + values.shape[-1]] += w * values
    late = LoanSchedule(*(part[..., -start:] for part in parts))
    early = LoanSchedule(*(part[..., :-start] for part in parts)) if start < 0 else None
    return late, early


def _schedule(params: DebtInputs, r: int, cf: np.ndarray
              ) -> tuple[LoanSchedule, np.ndarray, LoanSchedule | None]:
    """The unit schedule of rule r over its term ``(D|1, C, term)`` and the most the cash flow
    ``cf`` carries at its DSCR target, ``sized = min_{t: s_t > 0} CFADS_t / (DSCR × s_t)``
    (≥ 0; inf without a target). Sculpted: the debt service ``max(CFADS_t, 0) / DSCR`` after
    the grace years, so ``sized`` is its present value at the loan rate, and at most
    ``CFADS_t / (DSCR × rate)`` over the grace years (interest only). Third, the schedule of
    the construction years of a debt issued in tranches (None otherwise: see
    :func:`_tranche_schedule`), outside the sizing: no pledged cash flow carries it."""
    rate = params.rate[..., r]
    target = params.dscr_target[..., r][..., None]
    term, grace = params.term_years[r], params.grace_years[r]
    if params.repayment[r] == "sculpted":
        unit, pv = sculpted_schedule(rate, np.maximum(cf, 0.0) / target, term, grace)
        grace_service = unit.debt_service[..., :grace]                  # interest only
        with np.errstate(all="ignore"):
            carried = np.where(grace_service > 0, cf[..., :grace] / (target * grace_service),
                               np.inf)
        return (unit, np.maximum(np.minimum(pv, carried.min(axis=-1, initial=np.inf)), 0.0),
                None)
    early = None
    if params.repayment[r] == "tranches":
        unit, early = _tranche_schedule(params, r, term)
    else:
        unit = loan_schedule(rate, term, grace, params.repayment[r],
                             shares=params.term("profiles", r))
    if np.isnan(params.dscr_target[..., r]).all():
        return unit, np.full(cf.shape[:-1], np.inf), early
    service = _unit_service(params, r, unit)
    with np.errstate(all="ignore"):
        carried = np.where(service > 0, cf / (target * service), np.inf)
    return unit, np.maximum(carried.min(axis=-1), 0.0), early


def _limit(per_unit: np.ndarray, units: np.ndarray) -> np.ndarray:
    """A limit ``per_unit × units`` (gearing × cost, cap per household × households) that is
    no limit (inf) where ``per_unit`` is inf (not given), also where there are 0 units: a debt
    with nothing to finance (its items cost 0) then lends 0 because its need is 0, not NaN."""
    per_unit, units = np.broadcast_arrays(np.asarray(per_unit, dtype=float), units)
    return np.multiply(per_unit, units, out=np.full(per_unit.shape, np.inf),
                       where=~np.isposinf(per_unit))


def _offer(terms: DebtInputs, r: int, sized: np.ndarray, cost: np.ndarray,
           households: np.ndarray) -> np.ndarray:
    """What rule r would lend before the need: ``min(amount, sized, gearing × cost, cap,
    cap_per_household × households)`` (a limit not given is none), CNY."""
    return np.minimum(np.minimum(terms.amount[..., r], sized),
                      np.minimum(_limit(terms.gearing[..., r], cost),
                                 np.minimum(terms.cap[..., r],
                                            _limit(terms.cap_per_household[..., r],
                                                   households))))


def _capitalised_share(params: DebtInputs, r: int, room: np.ndarray, need: np.ndarray,
                       schedule: np.ndarray) -> np.ndarray:
    """The interest rule r capitalises during construction per unit drawn, ``c`` ``(D, C)``
    (0 unless ``construction_interest: capitalised``): :func:`construction_interest` of the
    drawdown of one unit, ``timed(room) / need`` (what it draws follows ``room``, whatever
    it lends). A principal of the term at most ``sized`` is a drawn amount at most
    ``sized / (1 + c)``."""
    if params.term("construction_interest", r, "none") != "capitalised":
        return np.zeros(need.shape)
    drawn = timed(room, schedule)
    safe = np.where(need > 0, need, 1.0)[..., None]
    per_unit = np.where(need[..., None] > 0, drawn / safe, 0.0)
    return construction_interest(params.rate[..., r], per_unit, True)[1]


def _write_construction(books: Books, params: DebtInputs, r: int, lent: np.ndarray,
                        drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rule r's flows of the construction years on what it draws, ``drawn (D|1, C, Yc)``: its
    ``issuance_fee`` (``fee × D_y``) and its interest during construction (``paid``: the line
    ``construction_interest``; ``capitalised``: added to the principal). Returns the principal
    of the term (``lent``, plus the capitalised interest) and the interest during
    construction ``(D, C)``, CNY."""
    label, obligor = params.labels[r], params.obligors[r]
    fee = params.term("issuance_fee", r, 0.0)
    if fee:
        books.ledger.add(debt_line(label, "issuance_fee"), obligor, "lender", "financing",
                         fee * drawn)
    mode = params.term("construction_interest", r, "none")
    if mode == "none":
        return lent, np.zeros(lent.shape)
    interest, total = construction_interest(params.rate[..., r], drawn, mode == "capitalised")
    total = np.broadcast_to(total, lent.shape)
    if mode == "paid":
        books.ledger.add(debt_line(label, "construction_interest"), obligor, "lender",
                         "financing", interest)
        return lent, total
    return lent + total, total


def _write_service(books: Books, params: DebtInputs, r: int, lent: np.ndarray,
                   unit: LoanSchedule, start: int, early: LoanSchedule | None = None
                   ) -> np.ndarray:
    """Rule r's interest ``lent × i_t``, principal ``lent × p_t`` and fees of the term (those
    it has: ``annual_fee``, ``redemption_fee``, ``lent ×`` their units), ``(D, C, term)``,
    paid by its obligor to the lender in the operating years of its term, on the ledger;
    returns their sum, the debt service. ``early``: the unit schedule of the construction
    years before operating year 1 of a debt issued in tranches, written on the same lines
    (which then start that many years earlier) but not in the service returned."""
    label, obligor = params.labels[r], params.obligors[r]
    n_term = unit.interest.shape[-1]
    if early is not None:
        lead = np.broadcast_shapes(unit.interest.shape[:-1], early.interest.shape[:-1])
        unit = LoanSchedule(*(np.concatenate([np.broadcast_to(a, lead + a.shape[-1:]),
                                              np.broadcast_to(b, lead + b.shape[-1:])],
                                             axis=-1)
                              for a, b in zip((early.interest, early.principal,
                                               early.balance),
                                              (unit.interest, unit.principal, unit.balance))))
        start = start - early.interest.shape[-1]
    interest = lent[..., None] * unit.interest
    principal = lent[..., None] * unit.principal
    books.ledger.add(debt_line(label, "interest"), obligor, "lender", "financing", interest,
                     start)
    books.ledger.add(debt_line(label, "principal"), obligor, "lender", "financing", principal,
                     start)
    service = interest + principal
    names = [n for n in ("annual_fee", "redemption_fee") if params.term(n, r, 0.0)]
    for name, fee in zip(names, _fee_units(params, r, unit)):
        paid = books.ledger.add(debt_line(label, name), obligor, "lender", "financing",
                                lent[..., None] * fee, start)
        service = service + paid
    return service if early is None else service[..., -n_term:]


def _fees_total(books: Books, label: str) -> np.ndarray:
    """The fees a debt paid, ``(D|1, C)`` CNY: the sum of its fee lines over their years."""
    total = 0.0
    for name in ("issuance_fee", "annual_fee", "redemption_fee"):
        if debt_line(label, name) in books.ledger.names():
            total = total + row_sum(books.ledger[debt_line(label, name)])
    return total


MIN_LOAN_CNY = 0.01
"""The least a debt lends, CNY (one fen): a smaller amount — rounding left unfunded by the
grants, or an amount written as 1e-300 — is no loan, so no cover ratio divides by a service of
a fraction of a fen (which would overflow to infinity)."""


def write_debt(inputs, params: DebtInputs, books: Books) -> Books:
    """Each debt in order lends ``min(amount, sized, gearing × cost, cap, cap_per_household ×
    households, need)`` on its items (nothing if that is below :data:`MIN_LOAN_CNY`, one fen),
    writes the drawdown as they are built and its service in the operating years, and reports
    its cover metrics.

    ``need`` is what is still unfunded on its items; ``cost`` their cost. The lent amount falls
    on those items in proportion to what is left on each. In operating year t of the term the
    obligor pays ``debt[<label>].interest`` ``P × i_t`` and ``.principal`` ``P × p_t`` to the
    lender; a bond's ``.pledged_revenue`` ``max(CFADS_t, 0)`` (CFADS of its shares of the
    pledged lines) goes from the operator to the issuer in every year of the term (a self-balancing bond's income goes to the issuer's fund
    budget, which pays the principal at maturity from it); a guaranteed loan's
    ``.guarantee_call`` ``share × max(DS_t − max(CFADS_t, 0), 0)`` from the guarantor to the
    operator. ``coverage_all_debts`` is ``Σ_debts Σ_t basis / Σ_debts Σ_t DS`` (each debt's
    coverage basis: CFADS with pledged costs, the pledged revenue without), NaN without service.
    """
    left = np.array(books.unfunded, dtype=float)                         # (D, C, I)
    households = inputs.compounds.households[None, :]
    start = inputs.timeline.first_operating_index
    offered = np.zeros(left.shape[:2] + (len(params.labels),))
    metrics: dict[str, np.ndarray] = {}
    covered = np.zeros(left.shape[:2])                  # Σ over debts of the coverage basis
    serviced = np.zeros(left.shape[:2])                 # Σ over debts of their service
    for r, label in enumerate(params.labels):
        if params.pooled and params.pooled[r]:
            part = _write_pooled(params, r, label, books, left, households, start)
            offered[..., r] = part["offered"]
            metrics.update(part["metrics"])
            covered = covered + part["covered"]
            serviced = serviced + part["serviced"]
            continue
        term = params.term_years[r]
        revenue_all, cf_all = cfads(books.operating, params.pledged[r], params.pledged_costs[r],
                                    *params.shares(r))
        revenue, cf = revenue_all[..., :term], cf_all[..., :term]
        unit, sized, early = _schedule(params, r, cf)
        room, need = unfunded_on(params.eligible[r], left)              # (D, C, I), (D, C)
        if params.term("construction_interest", r, "none") == "capitalised":
            sized = sized / (1.0 + _capitalised_share(params, r, room, need, books.schedule))
        cost = row_sum(np.where(params.eligible[r], books.costs, 0.0))
        offer = np.broadcast_to(_offer(params, r, sized, cost, households), need.shape)
        offered[..., r] = offer
        pay = np.minimum(offer, need)
        pay = np.where(pay < MIN_LOAN_CNY, 0.0, pay)    # less than a fen is no loan
        drawn = pay_on_items(books, left, room, need, pay, label, "lender")
        owed, idc = _write_construction(books, params, r, pay, drawn)
        service = _write_service(books, params, r, owed, unit, start, early)
        available = np.maximum(cf, 0.0)
        if params.issuers[r] is not None:
            books.ledger.add(debt_line(label, "pledged_revenue"), "operator", params.issuers[r],
                             "financing", np.where(pay[..., None] > 0, available, 0.0), start)
        call = np.zeros(service.shape[:-1])
        if params.guarantors[r] is not None:
            calls = params.guarantee_share[..., r][..., None] * np.maximum(service - available,
                                                                           0.0)
            books.ledger.add(debt_line(label, "guarantee_call"), params.guarantors[r],
                             "operator", "financing", calls, start)
            call = row_sum(calls)
        metrics.update(_metrics(label, params, r, pay, params.amount[..., r], revenue, cf,
                                service, call, unit, owed))
        metrics.update(_term_metrics(params, r, idc, _fees_total(books, label)))
        metrics.update(_basis_metrics(params, r, pay, row_sum(revenue_all), row_sum(cf_all),
                                      row_sum(revenue), row_sum(cf), row_sum(service),
                                      _before_operation(books, label, start)))
        covered = covered + row_sum(cf if params.pledged_costs[r] else revenue)
        serviced = serviced + row_sum(service)
    with np.errstate(over="ignore"):                    # a cover beyond 1.8e308 is inf
        metrics["coverage_all_debts"] = np.divide(covered, serviced,
                                                  out=np.full(covered.shape, np.nan),
                                                  where=serviced > 0)
    return books.report("debt", DebtReport(offered, metrics), unfunded=np.maximum(left, 0.0))


def _write_pooled(params: DebtInputs, r: int, label: str, books: Books, left: np.ndarray,
                  households: np.ndarray, start: int) -> dict:
    """A pooled debt (one debt for the compounds of its package, ``members``): sized, limited
    and covered on the pool; its proceeds shared by ``allocation``; each compound pays its
    share of the service.

    With ``M`` the members, the pool's CFADS_t, pledged revenue, need, cost and households
    are the sums over M (in the compounds' order); the pool lends ``P = min(amount, sized,
    gearing × cost, cap, cap_per_household × households, need)`` (nothing below a fen), the
    terms those of its first compound. Compound c of M receives ``a_c = min(P × w_c / Σ_M w,
    need_c)`` with ``w`` its need (``gap``), the cost of the debt's items (``cost``) or its
    households; the debt lends ``L = Σ_M a_c`` and compound c pays ``a_c × s_t`` (the unit
    schedule's interest and principal) to the lender, remits its ``max(CFADS_t, 0)`` to a
    bond's issuer, and a guarantor calls ``a_c / L`` of the pool's ``share × max(DS_t −
    max(CFADS_t, 0), 0)``. The metrics are the pool's (``amount``: each compound's ``a_c``;
    ``capped``: ``P`` below the amount asked, or some ``need_c`` below ``P × w_c / Σ_M w``);
    NaN in the compounds outside the package."""
    term = params.term_years[r]
    revenue_all, cf_all = cfads(books.operating, params.pledged[r], params.pledged_costs[r],
                                *params.shares(r))
    revenue, cf = revenue_all[..., :term], cf_all[..., :term]           # (D|1, C, term)
    room, need = unfunded_on(params.eligible[r], left)                  # (D, C, I), (D, C)
    n_c = need.shape[1]
    members = pool_members(params.members, r, n_c)                      # (C,)
    pool = at_compound(params, int(np.argmax(members)) if members.any() else 0)
    cost = row_sum(np.where(params.eligible[r], books.costs, 0.0))      # (D|1, C)
    revenue_p, cf_p = pool_sum(revenue, members), pool_sum(cf, members)
    need_p = pool_sum(need, members)                                   # (D, 1)
    unit, sized, early = _schedule(pool, r, cf_p)
    weight = {"gap": need, "cost": cost, "households": households}[params.allocation[r]]
    weight = np.broadcast_to(np.where(members[None, :], weight, 0.0), need.shape)
    total = pool_sum(weight, members)
    part = np.divide(weight, total, out=np.zeros(need.shape), where=total > 0)
    if params.term("construction_interest", r, "none") == "capitalised":
        # the pool's c: its members' at their shares of P (a member's need cut below its share
        # only lowers Σ a_c (1 + c_c), so the pool's principal stays within sized)
        c = _capitalised_share(pool, r, room, need, books.schedule)
        sized = sized / (1.0 + pool_sum(part * c, members))
    offer_p = _offer(pool, r, sized, pool_sum(cost, members), pool_sum(households, members))
    pay_p = np.minimum(offer_p, need_p)
    pay_p = np.where(pay_p < MIN_LOAN_CNY, 0.0, pay_p)                  # (D, 1)
    alloc = np.where(members[None, :], np.minimum(pay_p * part, need), 0.0)
    lent = pool_sum(alloc, members)                                    # (D, 1): L
    drawn = pay_on_items(books, left, room, need, alloc, label, "lender")
    owed, idc = _write_construction(books, pool, r, alloc, drawn)     # the pool's rate
    _write_service(books, params, r, owed, unit, start, early)
    owed_p = pool_sum(owed, members)                                   # the pool's principal
    share = np.divide(owed, owed_p, out=np.zeros(owed.shape), where=owed_p > 0)
    service_p = owed_p[..., None] * unit.interest + owed_p[..., None] * unit.principal
    for fee in _fee_units(pool, r, unit):
        service_p = service_p + owed_p[..., None] * fee
    available = np.maximum(cf, 0.0)
    pledging = members[None, :, None] & (lent[..., None] > 0)
    if params.issuers[r] is not None:
        books.ledger.add(debt_line(label, "pledged_revenue"), "operator", params.issuers[r],
                         "financing", np.where(pledging, available, 0.0), start)
    call_p = np.zeros(lent.shape)
    if params.guarantors[r] is not None:
        calls_p = pool.guarantee_share[..., r][..., None] * np.maximum(
            service_p - np.maximum(cf_p, 0.0), 0.0)                     # (D, 1, term)
        books.ledger.add(debt_line(label, "guarantee_call"), params.guarantors[r], "operator",
                         "financing", share[..., None] * calls_p, start)
        call_p = row_sum(calls_p)
    found = _metrics(label, pool, r, lent, pool.amount[..., r], revenue_p, cf_p, service_p,
                     call_p, unit, owed_p)
    found.update(_term_metrics(params, r, pool_sum(idc, members),
                               pool_sum(np.broadcast_to(_fees_total(books, label), idc.shape),
                                        members)))
    found.update(_basis_metrics(
        pool, r, lent, row_sum(pool_sum(revenue_all, members)),
        row_sum(pool_sum(cf_all, members)), row_sum(revenue_p), row_sum(cf_p),
        row_sum(service_p),
        pool_sum(np.broadcast_to(_before_operation(books, label, start), idc.shape), members)))
    # capped: the pool's P below the amount asked, or a member's need below its share of P
    # (not Σ a_c < amount: the shares of P add up to P only to rounding)
    cut = np.any(members[None, :] & (pay_p * part > need), axis=1, keepdims=True)
    asked = pool.amount[..., r]
    found[f"debt[{label}].capped"] = np.where(np.isfinite(asked), (pay_p < asked) | cut,
                                              False).astype(float)
    shape = need.shape
    metrics = {name: np.where(members[None, :], np.broadcast_to(value, shape), np.nan)
               for name, value in found.items()}
    metrics[f"debt[{label}].amount"] = alloc
    basis = row_sum(cf_p if params.pledged_costs[r] else revenue_p)
    offered = np.where(members[None, :], np.broadcast_to(offer_p, shape) * part, 0.0)
    return {"offered": offered, "metrics": metrics, "covered": share * basis,
            "serviced": share * row_sum(service_p)}


def _term_metrics(params: DebtInputs, r: int, idc: np.ndarray, fees
                  ) -> dict[str, np.ndarray]:
    """The metrics of rule r's optional terms, those it has (as the catalogue's ``when``
    says): ``construction_interest`` ``idc`` (CNY, paid or capitalised) and ``fees`` (CNY,
    all its fee lines), ``(D, C)``."""
    name, found = f"debt[{params.labels[r]}].", {}
    if params.term("construction_interest", r, "none") != "none":
        found[name + "construction_interest"] = idc
    if any(params.term(fee, r, 0.0) for fee in ("issuance_fee", "annual_fee",
                                                 "redemption_fee")):
        found[name + "fees"] = np.broadcast_to(fees, idc.shape).astype(float)
    return found


def _before_operation(books: Books, label: str, start: int):
    """What a debt's obligor paid before operating year 1 (year index ``start``), ``(D|1, C)``
    CNY: interest during construction paid, the coupons, principal and fees of tranches
    issued early, issuance fees (0.0 if nothing)."""
    total = 0.0
    for what in ("construction_interest", "issuance_fee", "interest", "principal",
                 "annual_fee", "redemption_fee"):
        name = debt_line(label, what)
        if name in books.ledger.names():
            line = next(line for line in books.ledger if line.name == name)
            if line.start < start:
                total = total + row_sum(line.amount[..., :start - line.start])
    return total


def _basis_metrics(params: DebtInputs, r: int, pay: np.ndarray, revenue_all, cf_all,
                   revenue, cf, service, early) -> dict[str, np.ndarray]:
    """Rule r's capital part and its cover on the other bases (those it asks for), ``(D, C)``:
    ``capital = capital_share × amount``; ``coverage_<gross|net>_operating_period``: the
    pledged revenue (less the pledged costs) summed over the whole operating period (``*_all``)
    over the term's service; ``coverage_<gross|net>_with_construction``: the term's revenue
    over the service plus what was paid before operating year 1 (``early``). NaN without
    service."""
    name, found = f"debt[{params.labels[r]}].", {}
    if params.term("capital_share", r, 0.0):
        found[name + "capital"] = np.broadcast_to(params.capital_share[r] * pay,
                                                  pay.shape).astype(float)
    if not params.term("coverage_bases", r, False):
        return found
    total = service + early
    with np.errstate(over="ignore"):
        for basis, ratio in (("gross_operating_period", (revenue_all, service)),
                             ("net_operating_period", (cf_all, service)),
                             ("gross_with_construction", (revenue, total)),
                             ("net_with_construction", (cf, total))):
            top, bottom = np.broadcast_arrays(*ratio)
            found[f"{name}coverage_{basis}"] = np.broadcast_to(np.divide(
                top, bottom, out=np.full(top.shape, np.nan), where=bottom > 0), pay.shape)
    return found


def _metrics(label: str, params: DebtInputs, r: int, pay: np.ndarray, asked: np.ndarray,
             revenue: np.ndarray, cf: np.ndarray, service: np.ndarray, call: np.ndarray,
             unit: LoanSchedule, owed: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The per-draw metrics of one debt, ``(D, C)`` (see the catalog for their meaning).

    Undefined values (no debt service, nothing lent) are NaN by ``np.where`` on guarded
    denominators, so no floating-point warning is raised. ``min_dscr_year`` is the first year
    whose DSCR is within a relative 1e-12 of ``min_dscr`` (level cash flows and level service
    tie in every year up to rounding: the first year is reported, not the rounding's pick).
    ``owed``: the principal of the term (``pay`` plus the capitalised interest; default
    ``pay``), over which the LLCR is taken."""
    with np.errstate(over="ignore", under="ignore"):   # a cover beyond 1.8e308 is inf
        return _metrics_of(label, params, r, pay, asked, revenue, cf, service, call, unit,
                           pay if owed is None else owed)


def _metrics_of(label, params, r, pay, asked, revenue, cf, service, call, unit, owed):
    serviced = service > 0                                              # (D, C, term)
    any_service = serviced.any(axis=-1)
    lent = pay > 0
    safe_service = np.where(serviced, service, 1.0)
    dscr = np.where(serviced, cf / safe_service, np.inf)
    total_service = row_sum(service)
    safe_total = np.where(total_service > 0, total_service, 1.0)
    years = serviced.sum(axis=-1)
    rate = params.rate[..., r]
    df = np.exp(-np.arange(1, cf.shape[-1] + 1) * np.log1p(rate)[..., None])
    llcr = np.where(lent, row_sum(cf * df) / np.where(lent, owed, 1.0), np.nan)
    gross = np.where(total_service > 0, row_sum(revenue) / safe_total, np.nan)
    net = np.where(total_service > 0, row_sum(cf) / safe_total, np.nan)
    lowest = dscr.min(axis=-1)                                          # inf without service
    finite = np.where(np.isfinite(lowest), lowest, 0.0)[..., None]
    tied = serviced & (dscr <= finite + 1e-12 * np.abs(finite))
    first = tied.argmax(axis=-1)
    min_dscr = np.where(any_service, lowest, np.nan)
    avg = np.where(any_service, row_sum(np.where(serviced, dscr, 0.0)) / np.maximum(years, 1),
                   np.nan)
    basis = net if params.pledged_costs[r] else gross
    meets = np.where(np.isnan(basis), np.nan, basis >= params.coverage_threshold[r])
    # the principal repaid is negative where a sculpted service is below the interest: the
    # unpaid interest is added to the balance (1e-12 per unit lent: rounding, not a year)
    growing = lent[..., None] & (unit.principal < -1e-12)
    name = f"debt[{label}]."
    return {
        name + "amount": pay,
        name + "capped": np.where(np.isfinite(asked), pay < asked, False).astype(float),
        name + "min_dscr": min_dscr,
        name + "avg_dscr": avg,
        name + "min_dscr_year": np.where(any_service, first + 1.0, np.nan),
        name + "llcr": llcr,
        name + "coverage_gross": gross,
        name + "coverage_net": net,
        name + "meets_coverage": meets,
        name + "guarantee_call": np.broadcast_to(call, pay.shape).astype(float),
        name + "shortfall_years": (serviced & (cf < service)).sum(axis=-1).astype(float),
        name + "negative_principal_years": np.broadcast_to(growing.sum(axis=-1),
                                                            pay.shape).astype(float),
    }
