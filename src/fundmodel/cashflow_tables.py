"""Tables read from a run's cash-flow ledger: the tidy ledger, the parties' view and the
government's outlay by level and year (see :class:`fundmodel.results.CashFlows`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine.ledger import GOVERNMENT_PARTIES, PARTIES
from .catalog import CASHFLOW_QUANTILES, quantile_name

__all__ = ["cashflow_table", "party_table", "government_table"]


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
    """What each level of government pays, by calendar year (rows) and level (columns:
    central, provincial, city/district, street/community, then ``total``), CNY, mean over
    draws; years where no level pays are left out."""
    years = start_year + np.arange(cf.n_years)
    data = {p: np.zeros(cf.n_years) for p in GOVERNMENT_PARTIES}
    for name, payer, _, _, start in cf.lines:
        if payer in data:
            data[payer] += _by_year(cf, name, start)
    frame = pd.DataFrame(data, index=pd.Index(years, name="calendar_year"))
    frame["total"] = frame.sum(axis=1)
    return frame[frame["total"] != 0]
