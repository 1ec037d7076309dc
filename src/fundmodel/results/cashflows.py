"""Tables read from a run's cash-flow ledger: the tidy ledger, the parties' view and the
government's outlay by level and year (see :class:`fundmodel.results.CashFlows`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine.instruments.grants import BRIDGE_LINE
from ..engine.ledger import GOVERNMENT_PARTIES, PARTIES
from ..catalog import CASHFLOW_QUANTILES, quantile_name

__all__ = ["cashflow_table", "party_table", "government_table", "fiscal_table", "FISCAL_COLUMNS",
           "SOE"]

SOE = "soe"
"""The state firms' party: their "三供一业" transfer funds are the firms' money, not a
budget's, so the government's views show them in a column of their own, outside the totals."""


def _by_year(cf, name: str, start: int) -> np.ndarray:
    """A line's mean amount on every year of the timeline ``(Y,)``."""
    out = np.zeros(cf.n_years)
    mean = cf.means[name]
    out[start:start + mean.shape[-1]] = mean
    return out


def cashflow_table(cf, start_year: int) -> pd.DataFrame:
    """One row per line and year it spans: ``year`` (index on the timeline, 0 = the first
    construction year), ``calendar_year``, ``line``, ``payer``, ``payee``, ``kind``, ``amount``
    (CNY, mean over draws), then one column per quantile of :data:`CASHFLOW_QUANTILES`
    (``p5``, ``p50``, ``p95``, CNY): the line's quantiles over the draws, or its amount where
    it has none (one draw, or the same in every draw)."""
    names = [quantile_name(q) for q in CASHFLOW_QUANTILES]
    rows = []
    for name, payer, payee, kind, start in cf.lines:
        mean = np.asarray(cf.means[name], dtype=float)
        qs = cf.quantiles.get(name)
        qs = np.broadcast_to(mean, (len(names),) + mean.shape) if qs is None else qs
        for j, amount in enumerate(mean):
            rows.append((start + j, start_year + start + j, name, payer, payee, kind,
                         float(amount), *(float(x) for x in qs[:, j])))
    return pd.DataFrame(rows, columns=["year", "calendar_year", "line", "payer", "payee", "kind",
                                       "amount", *names])


def party_table(cf, nominal_rate: float, households: float) -> pd.DataFrame:
    """One row per party on the ledger (in the order of :data:`PARTIES`): ``paid``,
    ``received``, ``net`` (received − paid), ``npv_net`` (net flows discounted to the first
    construction year at ``nominal_rate``, year-end flows), ``paid_per_household``,
    ``received_per_household`` (CNY)."""
    df = (1.0 + nominal_rate) ** -np.arange(cf.n_years, dtype=float)
    net = {p: np.zeros(cf.n_years) for p in PARTIES}
    paid = dict.fromkeys(PARTIES, 0.0)
    received = dict.fromkeys(PARTIES, 0.0)
    for name, payer, payee, _, start in cf.lines:
        flow = _by_year(cf, name, start)
        total = float(cf.means[name].sum())
        paid[payer] += total
        received[payee] += total
        net[payer] -= flow
        net[payee] += flow
    used = {p for line in cf.lines for p in line[1:3]}
    rows = {p: {"description": PARTIES[p], "paid": paid[p], "received": received[p],
                "net": received[p] - paid[p], "npv_net": float(net[p] @ df),
                "paid_per_household": paid[p] / households,
                "received_per_household": received[p] / households}
            for p in PARTIES if p in used}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "party"
    return frame


def government_table(cf, start_year: int) -> pd.DataFrame:
    """What each level of government pays, by calendar year (rows), CNY, mean over draws.

    Columns: each level (central, provincial, city/district, street/community: what it pays
    but the bridge), ``bridge`` (the city or district treasury's bridge of sources paid in
    instalments: + when it advances money ahead of a batch, − when the batch repays it; 0
    over the years), ``total`` (the levels and the bridge), then ``soe`` (what state firms
    pay: their transfer funds, not government money, so not in ``total``). Years where
    nothing is paid are left out. Over the construction years ``total`` adds up to the
    metric ``government_cost``; later years hold what government pays in operations (the
    debt it bears, guarantee calls, fallback payments, operating grants).
    """
    years = start_year + np.arange(cf.n_years)
    data = {p: np.zeros(cf.n_years) for p in (*GOVERNMENT_PARTIES, BRIDGE_LINE)}
    soe = np.zeros(cf.n_years)
    for name, payer, _, _, start in cf.lines:
        if name == BRIDGE_LINE:
            data[BRIDGE_LINE] += _by_year(cf, name, start)
        elif payer in data:
            data[payer] += _by_year(cf, name, start)
        elif payer == SOE:
            soe += _by_year(cf, name, start)
    frame = pd.DataFrame(data, index=pd.Index(years, name="calendar_year"))
    frame["total"] = frame.sum(axis=1)
    frame[SOE] = soe
    return frame[(frame != 0).any(axis=1)]


FISCAL_COLUMNS = ("subsidies", "bridge", "debt_service", "guarantee_calls", "revenue_received",
                  "net_commitment", "discounted", SOE)
"""Columns of :func:`fiscal_table` before the budget's."""

_FISCAL_FLOWS = ("subsidies", "bridge", "debt_service", "guarantee_calls", "revenue_received",
                 SOE)
"""The columns of :func:`fiscal_table` read from the ledger (the others are computed)."""


def _fiscal_column(line) -> str:
    """Which column of the fiscal view a line paid by or to the government falls in."""
    name, _, payee, _, _ = line
    if name == BRIDGE_LINE:
        return "bridge"
    if name.endswith(".guarantee_call"):
        return "guarantee_calls"
    if payee == "lender":
        return "debt_service"
    return "subsidies"


def fiscal_table(cf, start_year: int, nominal_rate: float, fiscal=None,
                 levels=GOVERNMENT_PARTIES) -> pd.DataFrame:
    """The government's commitments by calendar year, CNY (means over draws).

    Columns: ``subsidies`` (what the ``levels`` pay the project and the compound: grants,
    top-ups, fallback services, operating grants), ``bridge`` (the city or district
    treasury's bridge of grants paid in instalments, the ledger line ``bridge``: + what it
    advances ahead of a batch, − what the batch repays; 0 over the years), ``debt_service``
    (what they pay lenders: the service of the debt they bear), ``guarantee_calls`` (lines
    ``….guarantee_call``), ``revenue_received`` (financing lines paid to them: pledged revenue
    remitted), ``net_commitment`` (the first four less the fifth), ``discounted``
    (``net_commitment / (1 + nominal_rate)^y``, y the year index from the first construction
    year), ``soe`` (what state firms pay: their transfer funds, shown beside the government's
    commitments but not one of them, so in neither ``net_commitment`` nor ``discounted``);
    with a ``fiscal`` budget, ``budget``, ``budget_share`` (net_commitment / budget) and
    ``exceeds_ceiling``. Years where nothing is paid are left out.
    ``frame.attrs["pv_commitments"]`` is the sum of ``discounted`` over every year: the
    present value of all commitments.
    """
    years = start_year + np.arange(cf.n_years)
    data = {c: np.zeros(cf.n_years) for c in FISCAL_COLUMNS}
    wanted = set(levels)
    for line in cf.lines:
        name, payer, payee, kind, start = line
        if payer in wanted and payee not in wanted:
            data[_fiscal_column(line)] += _by_year(cf, name, start)
        elif payee in wanted and payer not in wanted and kind == "financing":
            data["revenue_received"] += _by_year(cf, name, start)
        elif payer == SOE:
            data[SOE] += _by_year(cf, name, start)
    data["net_commitment"] = (data["subsidies"] + data["bridge"] + data["debt_service"]
                              + data["guarantee_calls"] - data["revenue_received"])
    data["discounted"] = data["net_commitment"] * (1.0 + nominal_rate) ** -np.arange(
        cf.n_years, dtype=float)
    frame = pd.DataFrame(data, index=pd.Index(years, name="calendar_year"))
    if fiscal is not None:
        given = list(fiscal.by_year or [fiscal.general_budget_per_year])
        t = np.arange(cf.n_years)
        last = min(len(given), cf.n_years) - 1
        budget = np.where(t <= last, np.array(given + [0.0] * cf.n_years)[:cf.n_years],
                          given[last] * (1.0 + fiscal.budget_growth) ** (t - last))
        frame["budget"] = budget
        frame["budget_share"] = frame["net_commitment"] / budget
        frame["exceeds_ceiling"] = frame["budget_share"] > fiscal.ceiling_share
    used = (frame[list(_FISCAL_FLOWS)] != 0).any(axis=1)
    out = frame[used].copy()
    out.attrs["pv_commitments"] = float(data["discounted"].sum())
    return out
