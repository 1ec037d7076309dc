"""Results as plain data: pandas tables built from the engine's arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .catalog import METRICS, YEARLY_LINES
from .engine.model import ModelOutput
from .scenario import Scenario

__all__ = ["Result", "QUANTILES"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles reported by :meth:`Result.summary` and :meth:`Result.yearly`."""


def _qname(q: float) -> str:
    return f"p{round(q * 100):d}"


class Result:
    """The outcome of a run: per-draw metrics, the yearly operating statement, the funding mix.

    A deterministic run (:func:`fundmodel.evaluate`) is a result of one draw.

    Attributes
    ----------
    scenario : Scenario
        The scenario that was run.
    n_draws : int
        Number of draws.
    """

    def __init__(self, scenario: Scenario, output: ModelOutput, *,
                 info: dict[str, Any] | None = None):
        self.scenario = scenario
        self._out = output
        self.n_draws = int(next(iter(output.metrics.values())).shape[0])
        self.info: dict[str, Any] = dict(info or {})
        """How the run was made (kind, draws, seed, point estimate...)."""

    def __repr__(self) -> str:
        return f"<Result {self.scenario.name!r}: {self.n_draws} draw(s)>"

    # ------------------------------------------------------------------ per draw
    @property
    def metrics(self) -> pd.DataFrame:
        """One row per draw, one column per metric (see :data:`fundmodel.catalog.METRICS`)."""
        frame = pd.DataFrame(self._out.metrics)
        frame.index.name = "draw"
        return frame

    def metric(self, name: str) -> np.ndarray:
        """The per-draw values of one metric as an array (no copy)."""
        return self._out.metrics[name]

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Statistics of each metric over the draws.

        Columns: ``unit``, ``mean``, ``sd`` (ddof=1), ``mcse`` (Monte Carlo standard error of
        the mean, sd/√n), ``p5``, ``p25``, ``p50``, ``p75``, ``p95``, ``min``, ``max``, ``n``
        (draws with a value; NaN draws such as "no deficit year" are left out). The mean of a
        0/1 metric (``has_funding_gap``, ``any_operating_deficit``,
        ``balance_negative_at_horizon``) is a probability. For a deterministic result every
        statistic equals the value and ``sd``/``mcse`` are NaN.
        """
        rows = {}
        for name, values in self._out.metrics.items():
            v = values[~np.isnan(values)]
            count = v.size
            row: dict[str, Any] = {"unit": METRICS[name].unit if name in METRICS else ""}
            row["mean"] = v.mean() if count else np.nan
            row["sd"] = v.std(ddof=1) if count > 1 else np.nan
            row["mcse"] = row["sd"] / np.sqrt(count) if count > 1 else np.nan
            qs = np.quantile(v, QUANTILES) if count else [np.nan] * len(QUANTILES)
            row.update({_qname(q): x for q, x in zip(QUANTILES, qs)})
            row["min"] = v.min() if count else np.nan
            row["max"] = v.max() if count else np.nan
            row["n"] = count
            rows[name] = row
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "metric"
        return frame

    def yearly(self) -> pd.DataFrame:
        """The operating statement, one row per year (index ``year`` = 1..horizon).

        For one draw: one column per line (``property_fee_income``, ``other_income``,
        ``income[<name>]``, ``cost[<name>]``, ``operating_cost``, ``operating_surplus``,
        ``cumulative_balance``, ...) plus ``calendar_year``. For many draws: the columns are a
        MultiIndex ``(line, statistic)`` with statistics ``mean`` and the quantiles
        ``p5 ... p95`` (fan-chart data).
        """
        years = np.arange(1, self.scenario.horizon_years + 1)
        index = pd.Index(years, name="year")
        lines = self._out.yearly
        if self.n_draws == 1:
            data = {"calendar_year": self.scenario.start_year + years}
            data.update({name: arr[0] for name, arr in lines.items()})
            return pd.DataFrame(data, index=index)
        cols = {}
        for name, arr in lines.items():
            cols[(name, "mean")] = arr.mean(axis=0)
            for q, band in zip(QUANTILES, np.quantile(arr, QUANTILES, axis=0)):
                cols[(name, _qname(q))] = band
        frame = pd.DataFrame(cols, index=index)
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["line", "statistic"])
        frame.insert(0, ("calendar_year", ""), self.scenario.start_year + years)
        return frame

    def funding(self) -> pd.DataFrame:
        """The funding mix: one row per funding rule, in the order applied, then a ``gap`` row.

        Columns: ``source``, ``payer``, ``offered`` (what the rule would give), ``amount`` (what
        it pays, CNY), ``share_of_cost`` (amount / capex_total), ``per_household`` (CNY). With
        many draws the figures are means over the draws (share_of_cost is mean amount / mean
        cost). Amounts plus the gap add up to the renovation cost.
        """
        sc = self.scenario
        capex = float(self._out.metrics["capex_total"].mean())
        rows = []
        for r, (rule, label) in enumerate(zip(sc.funding, sc.funding_labels())):
            rows.append({"label": label, "source": rule.source, "payer": rule.payer,
                         "offered": float(self._out.funding_offered[:, r].mean()),
                         "amount": float(self._out.funding_applied[:, r].mean())})
        gap = float(self._out.metrics["funding_gap"].mean())
        rows.append({"label": "gap", "source": "gap", "payer": "unfunded", "offered": np.nan,
                     "amount": gap})
        frame = pd.DataFrame(rows).set_index("label")
        frame["share_of_cost"] = frame["amount"] / capex if capex > 0 else np.nan
        frame["per_household"] = frame["amount"] / sc.compound.households
        return frame

    def items(self) -> pd.DataFrame:
        """Renovation cost by item (mean over draws), CNY, with tier, quantity and unit."""
        items = self.scenario.renovation.items
        costs = self._out.item_costs.mean(axis=0)
        frame = pd.DataFrame({
            "tier": [i.tier for i in items],
            "unit": [i.unit for i in items],
            "cost": costs,
        }, index=pd.Index([i.name for i in items], name="item"))
        return frame

    @staticmethod
    def describe(name: str) -> str:
        """Unit and meaning of a metric or yearly line."""
        m = METRICS.get(name) or YEARLY_LINES.get(name)
        if m is None:
            raise KeyError(f"no metric or yearly line is named {name!r}")
        return f"{m.name} [{m.unit}]: {m.description}"
