"""A bundled profitable project (大片区统筹平衡): it pays what the grants leave on its items, up
to a cap, and its own capital, revenue, costs and tax go on the ledger
(:class:`fundmodel.scenario.funding.Bundle`).

Per unit of scale ``s`` and operating year t the bundle earns the margin ``m_t = revenue_t −
cost_t``; a fixed cost ``F_t`` is not scaled; tax ``τ`` falls on positive profit. Its yearly
profit after tax is ``g(s m_t − F_t)`` with ``g(x) = x − τ max(x, 0)``, and with the discount
factors ``d_y = (1 + ρ)^−y`` of its required return ρ (year index 0 = ``start_year``, year-end
flows), its NPV after transferring ``P`` (present value of the transfer) is::

    NPV(s) = Σ_t d_t g(s m_t − F_t) − s K − P,      K = Σ_y d_y capital_y  (per unit of scale)

``g`` is concave, 1-Lipschitz and positively homogeneous, so NPV is concave and piecewise
linear in ``s``. The coverage ``Σ_t d_t g(·) / (s K + P)`` reaches a target ``k`` exactly where
``NPV_k(s) = Σ_t d_t g(s m_t − F_t) − k (s K + P)`` is ≥ 0 (k = 1 is NPV ≥ 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import finance
from ..arrays import growth_index, row_sum
from . import Books, at_compound, pay_on_items, pool_members, pool_sum, unfunded_on

__all__ = ["BundleLineInputs", "BundleInputs", "BundleReport", "write_bundles",
           "bundle_line", "npv_at_scale", "minimum_scale", "MIN_SCALE_OK",
           "MIN_SCALE_NONE", "MIN_SCALE_REASONS"]

MIN_SCALE_OK = 0
"""A scale balances the bundle (``minimum_scale`` is defined)."""
MIN_SCALE_NONE = 1
"""No scale balances it: the bundle's NPV (at its target coverage) is negative at every scale."""
MIN_SCALE_REASONS = {MIN_SCALE_OK: "ok",
                     MIN_SCALE_NONE: "no scale balances the bundle: its NPV after the transfer "
                                     "is negative at every scale"}
"""What each reason code of :func:`minimum_scale` means."""

_BISECTION_STEPS = 200
_BISECTION_TOL = 1e-14


@dataclass(frozen=True)
class BundleLineInputs:
    """One revenue or cost line per unit of scale: ``amount (D|1, C|1)`` CNY in the prices of
    operating year 1, ``growth (D|1, C|1)`` or ``(D|1, C|1, T)``, running in operating years
    ``first .. last`` (1-based, inclusive)."""

    amount: np.ndarray
    growth: np.ndarray
    first: int
    last: int


@dataclass(frozen=True)
class BundleInputs:
    """Bundle rules, in the order written. Per rule ``r``: ``cap``, ``cap_per_household``
    (inf: none), ``scale``, ``fixed_cost`` (CNY a year), ``tax_rate`` and ``required_return``
    (NaN: the scenario's nominal rate) are ``(D|1, C|1, R)``; ``eligible`` ``(R, I)``;
    ``capital[r]`` ``(D|1, C|1, Y_r)`` CNY per unit of scale from year index 0;
    ``revenues[r]`` and ``costs[r]`` its lines; ``fixed_growth`` ``(D|1, C|1)`` (the
    scenario's inflation); ``target_coverage[r]`` the coverage its minimum scale aims at.
    ``pooled``: a rule is one project for the compounds where ``members`` ``(D|1, C|1, R)`` is
    1 (its package), paying their gaps pro rata to each one's need."""

    labels: tuple[str, ...]
    eligible: np.ndarray
    cap: np.ndarray
    cap_per_household: np.ndarray
    scale: np.ndarray
    capital: tuple[np.ndarray, ...]
    revenues: tuple[tuple[BundleLineInputs, ...], ...]
    costs: tuple[tuple[BundleLineInputs, ...], ...]
    fixed_cost: np.ndarray
    fixed_growth: np.ndarray
    tax_rate: np.ndarray
    required_return: np.ndarray
    target_coverage: tuple[float, ...]
    pooled: tuple[bool, ...] = ()
    members: np.ndarray | None = None


@dataclass(frozen=True)
class BundleReport:
    """What each bundle pays, ``offered (D, C, R)`` CNY; its per-draw ``metrics``
    (:data:`fundmodel.catalog.INSTRUMENT_METRICS`); and, by label, why ``minimum_scale`` is
    undefined where it is (``minimum_scale_reason (D, C)``, codes of
    :data:`MIN_SCALE_REASONS`)."""

    offered: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    minimum_scale_reason: dict[str, np.ndarray] = field(default_factory=dict)


def bundle_line(lines: tuple[BundleLineInputs, ...], years: int) -> np.ndarray:
    """The sum of lines per unit of scale over operating years 1..``years``, ``(D|1, C|1, T)``
    CNY: ``Σ_lines amount × I_t × [first ≤ t ≤ last]`` with ``I_t`` the line's growth index
    (1 in year 1, ``Π_{s=2..t} (1 + growth_s)`` after)."""
    out = np.zeros((1, 1, years))
    for line in lines:
        active = np.zeros(years)
        active[line.first - 1:line.last] = 1.0
        out = out + line.amount[..., None] * growth_index(line.growth, years) * active
    return out


def _after_tax(profit: np.ndarray, tax_rate: np.ndarray) -> np.ndarray:
    """``g(x) = x − τ max(x, 0)``: profit after a tax ``τ (…, 1)`` on its positive part."""
    return profit - tax_rate * np.maximum(profit, 0.0)


def npv_at_scale(scale, margin, fixed, tax_rate, discount, pv_capital, pv_transfer,
                 coverage=1.0) -> np.ndarray:
    """``NPV_k(s) = Σ_t d_t g(s m_t − F_t) − k (s K + P)``, CNY, ``(D, C)``.

    Parameters
    ----------
    scale : ndarray (D|1, C|1)
        Scale ``s`` (units of scale).
    margin, fixed : ndarray (D|1, C|1, T)
        Revenue − cost per unit of scale ``m_t`` and the fixed cost ``F_t``, CNY by operating
        year.
    tax_rate : ndarray (D|1, C|1)
        Tax on positive yearly profit ``τ`` in [0, 1].
    discount : ndarray (D|1, C|1, T)
        Discount factors ``d_t`` of the operating years.
    pv_capital, pv_transfer : ndarray (D|1, C|1)
        ``K`` (PV of the capital per unit of scale) and ``P`` (PV of the transfer), CNY.
    coverage : float
        The target ``k`` (1: NPV itself).
    """
    scale = np.asarray(scale, dtype=float)
    profit = scale[..., None] * margin - fixed
    return (row_sum(_after_tax(profit, tax_rate[..., None]) * discount)
            - coverage * (scale * pv_capital + pv_transfer))


def minimum_scale(margin, fixed, tax_rate, discount, pv_capital, pv_transfer, *,
                  coverage=1.0, method="auto") -> tuple[np.ndarray, np.ndarray]:
    """The smallest scale ``s ≥ 0`` with ``NPV_k(s) = 0`` (see :func:`npv_at_scale`), per draw.

    ``NPV_k(0) = −Σ_t d_t F_t − k P ≤ 0`` and NPV is concave in ``s``, so the scales that
    balance the bundle form an interval and its lower end is returned (0 when nothing needs
    paying). With ``a = Σ_t d_t g(m_t) − k K`` the value of one unit of scale:

    * **closed form** where NPV is affine in ``s`` (no fixed cost, or no tax):
      ``s* = (Σ_t d_t F_t + k P) / a`` for ``a > 0``;
    * else (fixed costs and a tax) the **kink search** (:func:`_kinks`), exact: NPV is
      linear between 0 and the sorted kinks ``s_t = F_t / m_t`` (years with ``m_t > 0``,
      ``F_t > 0``), so the first kink where NPV ≥ 0 brackets the root on one linear piece,
      solved in closed form; beyond the last kink the slope is ``a``. ``a ≤ 0`` gives NaN
      unless τ = 1 (NPV then peaks at a kink and may reach 0 there);
    * **bisection** (``method="bisection"``), the independent check, on all draws at once in
      ``[0, hi]``: for ``a > 0``, ``hi = (Σ_t d_t F_t + k P) / a`` (``g`` is 1-Lipschitz, so
      ``NPV_k(hi) ≥ 0``); for ``a ≤ 0``, ``NPV_k(s) ≤ s a − (1 − τ) Σ_t d_t F_t − k P``: no
      scale balances it (NaN) unless τ = 1, when the best of 0 and the kinks is the upper end
      (a concave piecewise-linear function peaks at a kink), NaN if NPV is negative there. The
      bracket is halved until it is within 1e-14 relative, then the root is interpolated on
      the last (linear) piece.

    Fixed costs are ≥ 0 (``NPV_k(0) = −need``).

    Parameters
    ----------
    margin, fixed, tax_rate, discount, pv_capital, pv_transfer, coverage
        As in :func:`npv_at_scale`.
    method : {'auto', 'closed_form', 'kinks', 'bisection'}
        ``auto``: the closed form where it holds, the kink search elsewhere; ``kinks`` or
        ``bisection`` for every draw (checks of each other and of the closed form);
        ``closed_form`` raises ValueError where NPV is not affine.

    Returns
    -------
    scale : ndarray (D, C)
        Units of scale; NaN where no scale balances the bundle.
    reason : ndarray of int8 (D, C)
        :data:`MIN_SCALE_OK` or :data:`MIN_SCALE_NONE`.
    """
    if method not in ("auto", "closed_form", "kinks", "bisection"):
        raise ValueError(f"unknown method {method!r}")
    tax = np.asarray(tax_rate, dtype=float)
    shape = np.broadcast_shapes(margin.shape[:-1], fixed.shape[:-1], tax.shape,
                                discount.shape[:-1], np.shape(pv_capital), np.shape(pv_transfer))
    b = lambda a: np.broadcast_to(a, shape)                                   # noqa: E731
    margin_b = np.broadcast_to(margin, shape + margin.shape[-1:])
    fixed_b = np.broadcast_to(fixed, shape + fixed.shape[-1:])
    disc_b = np.broadcast_to(discount, shape + discount.shape[-1:])
    tax_b = b(tax)
    need = row_sum(fixed_b * disc_b) + coverage * b(pv_transfer)              # ≥ 0
    unit = row_sum(_after_tax(margin_b, tax_b[..., None]) * disc_b) - coverage * b(pv_capital)
    affine = (fixed_b == 0).all(axis=-1) | (tax_b == 0)
    if method == "closed_form" and not affine.all():
        raise ValueError("the closed form needs no fixed cost or no tax")
    with np.errstate(over="ignore"):
        closed = np.where(need <= 0, 0.0,
                          np.divide(need, unit, out=np.full(shape, np.nan), where=unit > 0))
    if method == "closed_form":
        return _finite(closed)
    search = ~affine if method == "auto" else np.ones(shape, dtype=bool)
    out = closed.copy()
    solve = _bisect if method == "bisection" else _kinks
    if search.any():
        with np.errstate(over="ignore", invalid="ignore"):
            out[search] = solve(margin_b[search], fixed_b[search], tax_b[search],
                                disc_b[search], b(pv_capital)[search], b(pv_transfer)[search],
                                need[search], unit[search], coverage)
    return _finite(out)


def _finite(scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scales with their reasons; a scale that overflows (a unit of scale worth a subnormal
    amount) balances nothing a finite project can: NaN, :data:`MIN_SCALE_NONE`."""
    scale = np.where(np.isfinite(scale), scale, np.nan)
    return scale, np.where(np.isnan(scale), MIN_SCALE_NONE, MIN_SCALE_OK).astype(np.int8)


def _kinks(margin, fixed, tax, disc, pv_capital, pv_transfer, need, unit, coverage):
    """:func:`minimum_scale`'s exact search on rows ``(N, T)`` (all rows together; ``F ≥ 0``).

    Breakpoints ``p_0 = 0 ≤ p_1 ≤ … ≤ p_n`` (the sorted kinks ``F_t / m_t``, ``m_t, F_t > 0``;
    the other years are linear: ``m_t ≤ 0`` never profitable, ``F_t = 0 < m_t`` always). Year t
    is taxed on the pieces right of its kink, where its slope drops from ``d_t m_t`` to
    ``d_t m_t (1 − τ)``. On the piece right of ``p_q`` with ``w_t = 1 − τ [t taxed]``::

        NPV_k(s) = s (Σ_t d_t m_t w_t − k K) − (Σ_t d_t F_t w_t + k P)

    ``NPV_k(p_j)`` follows from ``NPV_k(0) = −need`` by summing slope × width; the first
    ``j`` with ``NPV_k(p_j) ≥ 0`` puts the root on piece ``q = j − 1``, or, if none, on the
    last piece when its slope (``a``) is positive. The root of that piece's line is returned.
    """
    n, years = margin.shape
    taxw = tax[:, None]
    kinked = (margin > 0) & (fixed > 0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        kink = np.where(kinked, fixed / np.where(kinked, margin, 1.0), np.inf)
    order = np.argsort(kink, axis=-1, kind="stable")                           # (N, T)
    points = np.take_along_axis(kink, order, axis=-1)                          # p_1..p_T
    finite = np.isfinite(points)                                               # n first
    taxed0 = (margin > 0) & ~kinked                                            # from s = 0
    slope0 = row_sum(margin * (1.0 - taxw * taxed0) * disc) - coverage * pv_capital
    drop = np.take_along_axis(np.where(kinked, taxw * margin * disc, 0.0), order, axis=-1)
    slopes = slope0[:, None] - np.cumsum(drop, axis=-1)          # right of p_1..p_T
    slopes = np.concatenate([slope0[:, None], slopes[:, :-1]], axis=-1)  # left of p_1..p_T
    width = np.diff(np.concatenate([np.zeros((n, 1)), np.where(finite, points, 0.0)],
                                   axis=-1), axis=-1)
    with np.errstate(invalid="ignore"):
        value = -need[:, None] + np.cumsum(np.where(finite, slopes * width, 0.0), axis=-1)
    reach = finite & (value >= 0)                                              # NPV(p_j) ≥ 0
    found = reach.any(axis=-1)
    last = finite.sum(axis=-1)
    piece = np.where(found, reach.argmax(axis=-1), last)                       # q
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(years)[None, :], axis=-1)
    taxed = taxed0 | (kinked & (rank < piece[:, None]))
    w = 1.0 - taxw * taxed
    slope = row_sum(margin * w * disc) - coverage * pv_capital
    offset = row_sum(fixed * w * disc) + coverage * pv_transfer
    root = np.divide(offset, slope, out=np.full(n, np.nan), where=slope > 0)
    lower = np.where(piece > 0, np.take_along_axis(
        points, np.maximum(piece - 1, 0)[:, None], axis=-1)[:, 0], 0.0)
    upper = np.where(found, np.take_along_axis(
        points, np.minimum(piece, years - 1)[:, None], axis=-1)[:, 0], np.inf)
    root = np.where(found & ~(slope > 0), upper, np.clip(root, lower, upper))
    none = ~found & ((unit <= 0) | ~(slope > 0))
    none |= (unit <= 0) & (tax < 1)                        # NPV < 0 everywhere, as bisection
    return np.where(need <= 0, 0.0, np.where(none, np.nan, root))


def _bisect(margin, fixed, tax, disc, pv_capital, pv_transfer, need, unit, coverage):
    """:func:`minimum_scale`'s bracketed search on rows ``(N, T)`` (all rows together)."""
    def f(s):
        return npv_at_scale(s, margin, fixed, tax, disc, pv_capital, pv_transfer, coverage)

    n = need.shape[0]
    hi = np.divide(need, unit, out=np.zeros(n), where=unit > 0)
    # a ≤ 0: NPV(s) ≤ s a − (1 − τ) Σ d F − k P < 0 unless τ = 1, when NPV may reach 0 at a
    # kink F_t / m_t (a concave piecewise-linear function peaks at one): take the best kink
    flat = unit <= 0
    kinky = flat & (tax >= 1)
    best = np.where(kinky, f(np.zeros(n)), -np.inf)
    for t in range(margin.shape[-1]):                                          # years
        with np.errstate(over="ignore"):
            kink = np.divide(fixed[:, t], margin[:, t], out=np.zeros(n),
                             where=(margin[:, t] > 0) & kinky)
        kink = np.where(np.isfinite(kink), kink, 0.0)
        value = np.where(kinky, f(kink), -np.inf)
        better = kinky & (value > best)
        hi = np.where(better, kink, hi)
        best = np.where(better, value, best)
    lo = np.zeros(n)
    f_lo, f_hi = f(lo), f(hi)
    done = need <= 0                                                           # s* = 0
    none = ~done & flat & (best < 0)   # for a > 0, NPV(hi) ≥ 0 in exact arithmetic
    active = ~done & ~none
    for _ in range(_BISECTION_STEPS):                                          # all rows at once
        active &= (hi - lo) > _BISECTION_TOL * np.maximum(hi, 1.0)
        if not active.any():
            break
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        up = active & (f_mid < 0)
        down = active & (f_mid >= 0)
        lo, f_lo = np.where(up, mid, lo), np.where(up, f_mid, f_lo)
        hi, f_hi = np.where(down, mid, hi), np.where(down, f_mid, f_hi)
    # the last bracket lies on one linear piece (or is tiny): interpolate the root
    span = f_hi - f_lo
    root = np.where(span > 0, lo - f_lo * np.divide(hi - lo, span, out=np.zeros(n),
                                                    where=span > 0), hi)
    root = np.clip(root, lo, hi)
    return np.where(done, 0.0, np.where(none, np.nan, root))


def write_bundles(inputs, params: BundleInputs, books: Books) -> Books:
    """Each bundle in order pays ``min(cap, cap_per_household × households, left)`` of what is
    still unfunded on its items (``funding[<label>]``, bundled_project → project, as the items
    are built), and writes its own flows at its ``scale`` s:

    ``bundle[<label>].capital``   s × capital_y, bundled_project → contractors (capital),
                                  from year index 0;
    ``bundle[<label>].revenue``   s × Σ revenues, users → bundled_project (operating);
    ``bundle[<label>].cost``      s × Σ operating costs + F_t, bundled_project → suppliers;
    ``bundle[<label>].tax``       τ max(revenue − cost, 0), bundled_project → tax_authority;

    the last three in operating years 1..T. Its metrics (``bundle[<label>].<m>``): transfer,
    npv, irr, coverage, balances and minimum_scale (see the module docstring).

    A pooled bundle is one project for its package M (its terms those of its first member):
    it pays ``P = min(Σ_M need, cap, cap_per_household × Σ_M households)``, compound c
    ``min(P × need_c / Σ_M need, need_c)``; its metrics are the project's (``transfer``: each
    compound's own), and its lines are written on the compounds in proportion to what each
    received (on the first member when it pays nothing), so the district holds one project.
    """
    tl = inputs.timeline
    horizon, start, n_years = tl.horizon_years, tl.first_operating_index, tl.n_years
    left = np.array(books.unfunded, dtype=float)                           # (D, C, I)
    households = inputs.compounds.households[None, :]
    nominal = (1.0 + inputs.discount_rate) * (1.0 + inputs.inflation) - 1.0  # (D|1, C|1)
    fixed_index = growth_index(params.fixed_growth, horizon)               # (D|1, C|1, T)
    offered = np.zeros(left.shape[:2] + (len(params.labels),))
    metrics: dict[str, np.ndarray] = {}
    reasons: dict[str, np.ndarray] = {}
    for r, label in enumerate(params.labels):
        room, total = unfunded_on(params.eligible[r], left)                # (D, C, I), (D, C)
        name = f"bundle[{label}]"
        if params.pooled and params.pooled[r]:
            members = pool_members(params.members, r, total.shape[1])
            first = int(np.argmax(members)) if members.any() else 0
            pool = at_compound(params, first)
            need_p = pool_sum(total, members)
            pay_p = np.minimum(need_p, np.minimum(
                pool.cap[..., r], pool.cap_per_household[..., r] * pool_sum(households, members)))
            part = np.divide(total, need_p, out=np.zeros(total.shape), where=need_p > 0)
            pay = np.where(members[None, :], np.minimum(pay_p * part, total), 0.0)
            offered[..., r] = pay
            transfer = pay_on_items(books, left, room, total, pay, label, "bundled_project")
            paid = pool_sum(pay, members)                                  # (D, 1)
            share = np.divide(pay, paid, out=np.zeros(pay.shape), where=paid > 0)
            share = np.where(paid > 0, share, (np.arange(total.shape[1]) == first)[None, :])
            flows, found, reason = _project(params, r, pool_sum(transfer, members), nominal,
                                            fixed_index, horizon, start, n_years, first)
            for part_name, (payer, payee, kind, amount, at) in flows.items():
                books.ledger.add(f"{name}.{part_name}", payer, payee, kind,
                                 share[..., None] * amount, at)
            shape = total.shape
            metrics.update({k: np.where(members[None, :], np.broadcast_to(v, shape), np.nan)
                            for k, v in found.items()})
            metrics[f"{name}.transfer"] = row_sum(transfer)
            reasons[label] = np.broadcast_to(reason, shape)
            continue
        pay = np.minimum(total, np.minimum(params.cap[..., r],
                                           params.cap_per_household[..., r] * households))
        offered[..., r] = pay
        transfer = pay_on_items(books, left, room, total, pay, label, "bundled_project")
        flows, found, reason = _project(params, r, transfer, nominal, fixed_index, horizon,
                                        start, n_years)
        for part_name, (payer, payee, kind, amount, at) in flows.items():
            books.ledger.add(f"{name}.{part_name}", payer, payee, kind, amount, at)
        metrics.update(found)
        reasons[label] = reason
    return books.report("bundle", BundleReport(offered, metrics, reasons),
                        unfunded=np.maximum(left, 0.0))


def _project(params: BundleInputs, r: int, transfer: np.ndarray, nominal: np.ndarray,
             fixed_index: np.ndarray, horizon: int, start: int, n_years: int,
             first: int | None = None) -> tuple[dict, dict, np.ndarray]:
    """Bundle r's own project given what it transfers (``transfer (D, C|1, Y)`` by year): its
    ledger lines ``{part: (payer, payee, kind, amount, start)}`` (capital from year index 0;
    revenue, cost and tax in the operating years), its metrics and the reason codes of its
    minimum scale. ``first``: a pooled bundle's terms, those of that compound."""
    cut = (lambda a: a) if first is None else (
        lambda a: a[:, first:first + 1] if a.shape[1] > 1 else a)           # noqa: E731
    label = params.labels[r]
    name = f"bundle[{label}]"
    scale = cut(params.scale[..., r])                                      # (D|1, C|1)
    tax_rate = cut(params.tax_rate[..., r])
    revenue_unit = cut(bundle_line(params.revenues[r], horizon))
    cost_unit = cut(bundle_line(params.costs[r], horizon))
    fixed = cut(params.fixed_cost[..., r, None] * fixed_index)
    revenue = scale[..., None] * revenue_unit
    cost = scale[..., None] * cost_unit + fixed
    tax = tax_rate[..., None] * np.maximum(revenue - cost, 0.0)
    capital_unit = cut(params.capital[r])                                  # (D|1, C|1, Y_r)
    flows = {}
    if capital_unit.shape[-1]:
        flows["capital"] = ("bundled_project", "contractors", "capital",
                            scale[..., None] * capital_unit, 0)
    flows["revenue"] = ("users", "bundled_project", "operating", _three(revenue), start)
    flows["cost"] = ("bundled_project", "suppliers", "operating", _three(cost), start)
    flows["tax"] = ("bundled_project", "tax_authority", "operating", _three(tax), start)

    rate = np.where(np.isnan(params.required_return[..., r]), nominal,
                    params.required_return[..., r])                        # (D|1, C|1)
    rate = cut(rate)
    df = finance.discount_factors(rate, n_years)                           # (D|1, C|1, Y)
    df_ops = df[..., start:start + horizon]
    pv_transfer = row_sum(transfer * df[..., :transfer.shape[-1]])
    pv_capital = row_sum(capital_unit * df[..., :capital_unit.shape[-1]])
    pv_surplus = row_sum((revenue - cost - tax) * df_ops)
    outlay = scale * pv_capital + pv_transfer
    npv = pv_surplus - outlay
    own = np.zeros(np.broadcast_shapes(transfer.shape[:2], revenue.shape[:2],
                                       capital_unit.shape[:2]) + (n_years,))
    own[..., :transfer.shape[-1]] -= transfer
    own[..., :capital_unit.shape[-1]] -= scale[..., None] * capital_unit
    own[..., start:] += revenue - cost - tax
    smallest, reason = minimum_scale(
        revenue_unit - cost_unit, fixed, tax_rate, df_ops, pv_capital, pv_transfer,
        coverage=params.target_coverage[r])
    metrics = {
        f"{name}.transfer": row_sum(transfer),
        f"{name}.npv": npv,
        f"{name}.irr": finance.irr(own),
        f"{name}.coverage": np.divide(pv_surplus, outlay,
                                      out=np.full(np.broadcast_shapes(
                                          pv_surplus.shape, outlay.shape), np.nan),
                                      where=outlay > 0),
        f"{name}.balances": (npv >= 0).astype(float),
        f"{name}.minimum_scale": smallest,
    }
    return flows, metrics, reason


def _three(a: np.ndarray) -> np.ndarray:
    """A line's amount as a contiguous ``(D|1, C, L)`` array of its own."""
    return np.ascontiguousarray(a, dtype=float)
