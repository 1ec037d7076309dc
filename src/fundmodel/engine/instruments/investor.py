"""Social capital for operating rights: an investor pays part of the renovation and, for a
concession of some operating years, takes over some of the compound's income lines and runs new
revenue streams of its own (:class:`fundmodel.scenario.funding.SocialCapital`).

Timing and discounting (the model's: year index 0 is ``start_year``, flows at year end, a flow
in year index y discounted by ``(1 + i)^y``):

* the investment falls as its items are built, in the construction years (like every source);
* the taken-over income and the streams fall in operating years 1..K (K the concession), year
  index ``construction_years − 1 + t``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import finance
from ..arrays import growth_index, row_sum, sum_lines
from . import Books, at_compound, pay_on_items, pool_members, pool_sum, timed, unfunded_on

__all__ = ["StreamInputs", "InvestorInputs", "InvestorReport", "write_investors",
           "BELOW_HURDLE_TOLERANCE"]

BELOW_HURDLE_TOLERANCE = 1e-9
"""Relative rounding allowed before an investment counts as above what its flows are worth
(an investor with ``invests: max`` is at its hurdle exactly, up to rounding)."""


@dataclass(frozen=True)
class StreamInputs:
    """A new revenue stream of an investor. Arrays ``(D|1, C|1)`` (``growth`` may be
    ``(D|1, C|1, T)``, a rate per operating year); ``per_year`` None: ``units ×
    price_per_month × 12 × occupancy``."""

    name: str
    per_year: np.ndarray | None
    units: np.ndarray | None
    price_per_month: np.ndarray | None
    occupancy: np.ndarray
    operating_cost_per_year: np.ndarray
    growth: np.ndarray


@dataclass(frozen=True)
class InvestorInputs:
    """Investor rules, R of them. ``amount``, ``cap``, ``cap_per_household`` (inf: none) and
    ``hurdle`` are ``(D|1, C|1, R)``; ``eligible`` ``(R, I)``; per rule: ``modes`` (``max``,
    ``amount`` or ``gap``), ``concession_years``, the income lines it ``takes_over`` and its
    ``streams``."""

    labels: tuple[str, ...]
    eligible: np.ndarray
    modes: tuple[str, ...]
    amount: np.ndarray
    cap: np.ndarray
    cap_per_household: np.ndarray
    hurdle: np.ndarray
    concession_years: tuple[int, ...]
    takes_over: tuple[tuple[str, ...], ...]
    streams: tuple[tuple[StreamInputs, ...], ...]
    pooled: tuple[bool, ...] = ()
    members: np.ndarray | None = None


@dataclass(frozen=True)
class InvestorReport:
    """What each investor would give, ``offered (D, C, R)`` CNY, and its per-draw metrics
    ``investor[<label>].<metric>`` (see :data:`fundmodel.catalog.INSTRUMENT_METRICS`)."""

    offered: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)


def takes_line(label: str, name: str) -> str:
    """Ledger line of an income line an investor takes over."""
    return f"investor[{label}].takes[{name}]"


def revenue_line(label: str, name: str) -> str:
    """Ledger line of the revenue of an investor's stream."""
    return f"investor[{label}].revenue[{name}]"


def cost_line(label: str, name: str) -> str:
    """Ledger line of the running cost of an investor's stream."""
    return f"investor[{label}].cost[{name}]"


def _stream_flows(stream: StreamInputs, years: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Revenue and running cost of a stream in operating years 1..k, ``(D|1, C|1, k)``."""
    index = growth_index(stream.growth, years)[..., :k]
    if stream.per_year is not None:
        base = stream.per_year
    else:
        base = stream.units * stream.price_per_month * 12.0 * stream.occupancy
    return base[..., None] * index, stream.operating_cost_per_year[..., None] * index


def write_investors(inputs, params: InvestorInputs, books: Books) -> Books:
    """Each investor in order pays part of what is still unfunded on its items and writes its
    concession on the ledger.

    With ``N_t`` its net flow in operating year t (the income lines it takes over, plus its
    streams' revenue less their cost), h its hurdle rate and ``y_t = construction_years − 1 +
    t`` the year index of operating year t::

        PV      = Σ_{t=1..K} N_t (1 + h)^−y_t                  (CNY at start_year)
        q       = Σ_y w_y (1 + h)^−y                            (PV of 1 CNY paid as built)
        worth   = max(PV, 0) / q                                 (invests: max)
        pays    = min(worth | amount | need, cap, cap_per_household × households, need)

    where ``need`` is what is unfunded on its items and ``w_y`` the share of it built in year
    y (``q`` is the discount factor of the end of construction when nothing is unfunded). The
    payment falls on the items in proportion to what is left on each, as they are built. The
    concession runs only in the draws where it pays something; its lines:

    * ``investor[<label>].takes[<name>]`` operator → investor, ``financing`` (the compound
      forgoes the line: it enters the operating statement as ``financing_net``);
    * ``investor[<label>].revenue[<stream>]`` users → investor and
      ``investor[<label>].cost[<stream>]`` investor → suppliers, ``operating``: the investor's
      own business, which never touches the compound's account.
    """
    left = np.array(books.unfunded, dtype=float)                           # (D, C, I)
    tl = inputs.timeline
    start, built, years = tl.first_operating_index, tl.construction_years, tl.horizon_years
    schedule = books.schedule                                              # (I, Yc)
    households = inputs.compounds.households[None, :]
    nominal = (1.0 + inputs.discount_rate) * (1.0 + inputs.inflation) - 1.0
    dc = left.shape[:2]
    offered = np.zeros(dc + (len(params.labels),))
    metrics: dict[str, np.ndarray] = {}
    for r, label in enumerate(params.labels):
        if params.pooled and params.pooled[r]:
            offered[..., r], found = _write_pooled(params, r, label, books, left, households,
                                                   nominal, tl)
            metrics.update(found)
            continue
        k = params.concession_years[r]
        hurdle = params.hurdle[..., r]                                     # (D|1, 1)
        taken = [(name, books.operating[f"income[{name}]"][..., :k])
                 for name in params.takes_over[r]]
        streams = [(s.name, *_stream_flows(s, years, k)) for s in params.streams[r]]
        net = sum_lines([flow for _, flow in taken]
                   + [revenue - cost for _, revenue, cost in streams], (1, dc[1], k))
        ops_df = finance.discount_factors(hurdle, k, start=start)          # (D|1, 1, K)
        pv_flows = row_sum(net * ops_df)                                   # (D|1, C)

        room, need = unfunded_on(params.eligible[r], left)                 # (D, C, I), (D, C)
        build_df = finance.discount_factors(hurdle, built)                 # (D|1, 1, Yc)
        per_cny = np.where(need > 0,
                           np.divide(row_sum(timed(room, schedule, need) * build_df), need,
                                     out=np.ones_like(need), where=need > 0),
                           build_df[..., -1])
        worth = np.maximum(pv_flows, 0.0) / per_cny
        wanted = {"max": worth, "amount": params.amount[..., r], "gap": need}[params.modes[r]]
        offer = np.minimum(wanted, np.minimum(params.cap[..., r],
                                              params.cap_per_household[..., r] * households))
        offer = np.broadcast_to(offer, dc)
        offered[..., r] = offer
        pay = np.minimum(offer, need)
        paid = pay_on_items(books, left, room, need, pay, label, "investor",
                            exact_total=True)                              # (D, C, Yc)

        active = pay > 0
        on = (lambda a: a) if active.all() else (lambda a: a * active[..., None])
        for name, flow in taken:
            books.ledger.add(takes_line(label, name), "operator", "investor", "financing",
                             on(np.broadcast_to(flow, flow.shape[:1] + (dc[1], k))), start)
        for name, revenue, cost in streams:
            books.ledger.add(revenue_line(label, name), "users", "investor", "operating",
                             on(np.broadcast_to(revenue, revenue.shape[:1] + (dc[1], k))), start)
            books.ledger.add(cost_line(label, name), "investor", "suppliers", "operating",
                             on(np.broadcast_to(cost, cost.shape[:1] + (dc[1], k))), start)
        net = on(net)
        metrics.update(_metrics(label, pay, worth, paid, net, taken, active, hurdle, build_df,
                                ops_df, nominal, start))
    return books.report("investor", InvestorReport(offered, metrics),
                        unfunded=np.maximum(left, 0.0))


def _write_pooled(params: InvestorInputs, r: int, label: str, books: Books,
                  left: np.ndarray, households: np.ndarray, nominal: np.ndarray, tl
                  ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A pooled investor: one concession over the package M (its terms those of its first
    member). Its net flow is ``N_t = Σ_M`` (the lines it takes over in each compound) + its
    streams (once); it is worth ``max(PV, 0) / q`` with ``q`` the pool's PV of 1 CNY paid as
    the package's items are built, pays ``P = min(worth | amount | Σ_M need, cap,
    cap_per_household × Σ_M households, Σ_M need)`` and compound c ``min(P × need_c / Σ_M
    need, need_c)``. In the draws where it pays, each compound's taken lines go to it, and its
    streams are written on the compounds in proportion to what each received. Returns what
    each compound is offered ``(D, C)`` and the metrics: the pool's (``investment``: each
    compound's own), NaN outside the package."""
    start, built, years = tl.first_operating_index, tl.construction_years, tl.horizon_years
    dc = left.shape[:2]
    members = pool_members(params.members, r, dc[1])
    first = int(np.argmax(members)) if members.any() else 0
    pool = at_compound(params, first)
    k = params.concession_years[r]
    hurdle = pool.hurdle[..., r]
    taken = [(name, books.operating[f"income[{name}]"][..., :k]) for name in params.takes_over[r]]
    streams = [(s.name, *(a[:, first:first + 1] if a.shape[1] > 1 else a
                          for a in _stream_flows(s, years, k))) for s in params.streams[r]]
    taken_p = [(name, pool_sum(np.broadcast_to(flow, flow.shape[:1] + (dc[1], k)), members))
               for name, flow in taken]
    net = sum_lines([flow for _, flow in taken_p]
                    + [revenue - cost for _, revenue, cost in streams], (1, 1, k))
    ops_df = finance.discount_factors(hurdle, k, start=start)
    room, need = unfunded_on(params.eligible[r], left)                     # (D, C, I), (D, C)
    need_p = pool_sum(need, members)                                       # (D, 1)
    build_df = finance.discount_factors(hurdle, built)
    timed_p = pool_sum(timed(room, books.schedule, need), members)         # (D, 1, Yc)
    per_cny = np.where(need_p > 0, np.divide(row_sum(timed_p * build_df), need_p,
                                             out=np.ones_like(need_p), where=need_p > 0),
                       build_df[..., -1])
    worth = np.maximum(row_sum(net * ops_df), 0.0) / per_cny
    wanted = {"max": worth, "amount": pool.amount[..., r], "gap": need_p}[params.modes[r]]
    offer_p = np.minimum(wanted, np.minimum(pool.cap[..., r], pool.cap_per_household[..., r]
                                            * pool_sum(households, members)))
    pay_p = np.minimum(offer_p, need_p)
    part = np.divide(need, need_p, out=np.zeros(dc), where=need_p > 0)
    pay = np.where(members[None, :], np.minimum(pay_p * part, need), 0.0)
    paid = pay_on_items(books, left, room, need, pay, label, "investor", exact_total=True)
    paid_p = pool_sum(paid, members)
    invested = pool_sum(pay, members)                                      # (D, 1)
    active = invested > 0
    share = np.divide(pay, invested, out=np.zeros(dc), where=invested > 0)
    for name, flow in taken:
        flow = np.broadcast_to(flow, flow.shape[:1] + (dc[1], k))
        books.ledger.add(takes_line(label, name), "operator", "investor", "financing",
                         np.where(members[None, :, None] & active[..., None], flow, 0.0), start)
    for name, revenue, cost in streams:
        books.ledger.add(revenue_line(label, name), "users", "investor", "operating",
                         share[..., None] * revenue, start)
        books.ledger.add(cost_line(label, name), "investor", "suppliers", "operating",
                         share[..., None] * cost, start)
    found = _metrics(label, invested, worth, paid_p, net * active[..., None], taken_p, active,
                     hurdle, build_df, ops_df, nominal[:, first:first + 1]
                     if np.ndim(nominal) == 2 and np.shape(nominal)[1] > 1 else nominal, start)
    metrics = {name: np.where(members[None, :], np.broadcast_to(value, dc), np.nan)
               for name, value in found.items()}
    metrics[f"investor[{label}].investment"] = pay
    offered = np.where(members[None, :], np.broadcast_to(offer_p, dc) * part, 0.0)
    return offered, metrics


def _metrics(label, pay, worth, paid, net, taken, active, hurdle, build_df, ops_df, nominal,
             start) -> dict[str, np.ndarray]:
    """The per-draw metrics ``(D, C)`` of one investor (see the catalog)."""
    dc = pay.shape
    k = net.shape[-1]
    npv = row_sum(net * ops_df) - row_sum(paid * build_df)
    series = np.concatenate([-np.broadcast_to(paid, dc + paid.shape[-1:]),
                             np.broadcast_to(net, dc + (k,))], axis=-1)
    irr, reason = finance.irr(series, return_reason=True)
    payback = finance.payback_period(np.concatenate(
        [-pay[..., None], np.broadcast_to(net, dc + (k,))], axis=-1))
    forgone = np.zeros(dc)
    if taken:
        nominal_df = finance.discount_factors(nominal, k, start=start)     # (D|1, C|1, K)
        for _, flow in taken:
            forgone = forgone + row_sum(flow * nominal_df) * active
    below = pay > worth * (1.0 + BELOW_HURDLE_TOLERANCE)
    m = f"investor[{label}]."
    return {m + "investment": pay,
            m + "worth": np.broadcast_to(worth, dc),
            m + "npv": npv,
            m + "irr": irr,
            m + "irr_reason": np.asarray(reason, dtype=float),
            m + "payback_year": np.where(active, payback, np.nan),
            m + "forgone": forgone,
            m + "below_hurdle": below.astype(float)}
