"""Results as plain data: pandas tables built from the engine's arrays or streaming statistics."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .catalog import METRICS, YEARLY_LINES
from .engine.model import ModelOutput
from .scenario import Scenario

__all__ = ["Result", "QUANTILES", "PROBABILITIES", "BAND_LINES", "SUMMARY_COLUMNS",
           "summary_table", "quantile_name", "exact_summary_row", "ZERO_EVENTS_SE"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles reported by :meth:`Result.summary` and :meth:`Result.yearly`."""

QUANTILE_METHOD = "inverted_cdf"
"""Quantile definition: the smallest value x with #(values ≤ x) ≥ q·n (numpy's
``inverted_cdf``), the same whether the draws are kept or summarised by streaming."""

PROBABILITIES = {
    "P(funding_gap > 0)": "has_funding_gap",
    "P(any year in operating deficit)": "any_operating_deficit",
    "P(cumulative_balance < 0 at the horizon)": "balance_negative_at_horizon",
}
"""The probabilities analysts ask for, and the 0/1 metric whose mean each one is."""

BAND_LINES = ("operating_surplus", "cumulative_balance")
"""Yearly lines given quantile bands when per-draw yearly paths are not kept."""

SUMMARY_COLUMNS = ("unit", "mean", "sd", "mcse", *(f"p{round(q * 100)}" for q in QUANTILES),
                   "min", "max", "n")


ZERO_EVENTS_SE = 1.5
"""Standard error of a 0/1 metric whose n draws are all equal, in units of 1/n: the
probability is reported as 0 (or 1) ± 1.5/n, so that p ± 2·mcse reaches 3/n, the rule-of-three
95 % bound on a probability never observed in n independent draws."""


def _mcse(row: Mapping[str, Any], unit: str, replicate: float | None) -> float:
    """The Monte Carlo standard error of one summary row (see :meth:`Result.summary`)."""
    se = row["mcse"]
    if replicate is not None and np.isfinite(replicate):
        se = float(replicate)
    n = row["n"]
    if n > 1 and row["min"] == row["max"]:  # every draw equal: no spread to estimate from
        se = ZERO_EVENTS_SE / n if unit == "0/1" else 0.0
    return se


def summary_table(rows: Mapping[str, Mapping[str, Any]],
                  mcse: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The summary DataFrame from one row of statistics per metric (adds the unit).

    ``mcse`` holds replicate standard errors that replace the rows' sd/√n where finite. A
    metric whose draws are all equal gets 0, or ``ZERO_EVENTS_SE / n`` if it is a 0/1 metric.
    """
    mcse = mcse or {}
    data = {}
    for name, row in rows.items():
        unit = METRICS[name].unit if name in METRICS else ""
        data[name] = {**row, "unit": unit, "mcse": _mcse(row, unit, mcse.get(name))}
    frame = pd.DataFrame.from_dict(data, orient="index")[list(SUMMARY_COLUMNS)]
    frame.index.name = "metric"
    return frame


def quantile_name(q: float) -> str:
    """Column name of a quantile: 0.05 → ``p5``."""
    return f"p{round(q * 100):d}"


def exact_summary_row(values: np.ndarray) -> dict[str, float]:
    """Statistics of one metric's draws (NaN draws left out)."""
    v = values[~np.isnan(values)]
    count = v.size
    row: dict[str, Any] = {"mean": v.mean() if count else np.nan,
                           "sd": v.std(ddof=1) if count > 1 else np.nan}
    row["mcse"] = row["sd"] / np.sqrt(count) if count > 1 else np.nan
    qs = (np.quantile(v, QUANTILES, method=QUANTILE_METHOD) if count
          else [np.nan] * len(QUANTILES))
    row.update({quantile_name(q): float(x) for q, x in zip(QUANTILES, qs)})
    row["min"] = v.min() if count else np.nan
    row["max"] = v.max() if count else np.nan
    row["n"] = count
    return row


class Result:
    """The outcome of a run: per-draw metrics, the yearly operating statement, the funding mix.

    A deterministic run (:func:`fundmodel.evaluate`) is a result of one draw; a Monte Carlo run
    (:func:`fundmodel.simulate`) has many. Build results with those functions, not directly.

    Attributes
    ----------
    scenario : Scenario
        The scenario that was run.
    n_draws : int
        Number of draws.
    info : dict
        How the run was made: kind, draws, seed, sampler, chunk size, warnings...
    """

    def __init__(self, scenario: Scenario, *, n_draws: int,
                 metrics: np.ndarray | None, metric_names: Sequence[str],
                 yearly_paths: Mapping[str, np.ndarray] | None,
                 yearly_means: Mapping[str, np.ndarray],
                 funding_offered: np.ndarray, funding_applied: np.ndarray,
                 funding_gap: float, item_costs: np.ndarray,
                 metric_summary: pd.DataFrame | None = None,
                 yearly_bands: Mapping[str, np.ndarray] | None = None,
                 info: Mapping[str, Any] | None = None,
                 metric_mcse: Mapping[str, float] | None = None):
        self.scenario = scenario
        self.n_draws = int(n_draws)
        self._metrics = metrics  # (n_metrics, n_draws) or None
        self._metric_names = list(metric_names)
        self._yearly_paths = yearly_paths
        self._yearly_means = dict(yearly_means)
        self._yearly_bands = dict(yearly_bands or {})
        self._funding_offered = funding_offered
        self._funding_applied = funding_applied
        self._funding_gap = float(funding_gap)
        self._item_costs = item_costs
        self._metric_summary = metric_summary
        self._metric_mcse = dict(metric_mcse or {})  # replicate standard errors (lhs, sobol)
        self.info: dict[str, Any] = dict(info or {})

    @classmethod
    def from_output(cls, scenario: Scenario, out: ModelOutput,
                    info: Mapping[str, Any] | None = None) -> "Result":
        """A result holding every draw of an engine output."""
        names = list(out.metrics)
        n = len(out.metrics[names[0]])
        return cls(scenario, n_draws=n, metrics=np.stack([out.metrics[k] for k in names]),
                   metric_names=names, yearly_paths=out.yearly,
                   yearly_means={k: v.mean(axis=0) for k, v in out.yearly.items()},
                   funding_offered=out.funding_offered.mean(axis=0),
                   funding_applied=out.funding_applied.mean(axis=0),
                   funding_gap=float(out.metrics["funding_gap"].mean()),
                   item_costs=out.item_costs.mean(axis=0), info=info)

    def __repr__(self) -> str:
        return f"<Result {self.scenario.name!r}: {self.n_draws} draw(s)>"

    # ------------------------------------------------------------------ per draw
    @property
    def has_draws(self) -> bool:
        """Whether the per-draw metrics were kept."""
        return self._metrics is not None

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per draw, one column per metric (see :data:`fundmodel.catalog.METRICS`).

        Raises ValueError for a run made with ``keep_draws=False``.
        """
        if self._metrics is None:
            raise ValueError("this run did not keep per-draw metrics (keep_draws=False); use "
                             "summary(), or run again with keep_draws=True")
        frame = pd.DataFrame(self._metrics.T, columns=self._metric_names, copy=False)
        frame.index.name = "draw"
        return frame

    def metric(self, name: str) -> np.ndarray:
        """The per-draw values of one metric as an array (a view)."""
        if self._metrics is None:
            raise ValueError("this run did not keep per-draw metrics (keep_draws=False)")
        return self._metrics[self._metric_names.index(name)]

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Statistics of each metric over the draws, one row per metric.

        Columns: ``unit``, ``mean``, ``sd`` (ddof=1), ``mcse`` (Monte Carlo standard error of
        the mean, below), ``p5``, ``p25``, ``p50``, ``p75``, ``p95``, ``min``, ``max``, ``n``
        (draws with a value; NaN draws such as "no deficit year" are left out).

        ``mcse``: with the ``random`` sampler, sd/√n. Latin hypercube and Sobol draws are not
        independent, and sd/√n would overstate their error many times over; their blocks of
        4,096 draws are independent replicates, so mcse is the spread of the block means,
        ``√(B/(B−1) Σ_b (n_b/N)² (m_b − mean)²)`` over the B blocks
        (:func:`fundmodel.accumulate.replicate_mcse`). With fewer than 10 blocks (40,960 draws)
        it falls back to sd/√n, which is conservative (``info['mcse_method']`` says which was
        used, ``info['mcse_note']`` why). A metric whose draws are all equal reports 0, except
        a 0/1 metric (a probability of 0 or 1), which reports ``1.5/n``: p ± 2·mcse reaches
        3/n, the rule-of-three 95 % bound on the probability of an event never seen in n
        independent draws.

        Quantiles are the smallest value whose empirical CDF reaches q (numpy's
        ``inverted_cdf``); from a run with ``keep_draws=False`` they come from a streaming sketch
        whose rank error is at most ``info['quantile_rank_error']`` (≤ 0.001). The mean of a 0/1
        metric (``has_funding_gap``, ``any_operating_deficit``, ``balance_negative_at_horizon``)
        is a probability — see :meth:`probabilities`. For a deterministic result every statistic
        equals the value and ``sd``/``mcse`` are NaN.
        """
        if self._metric_summary is not None:
            return self._metric_summary.copy()
        return summary_table({name: exact_summary_row(values)
                              for name, values in zip(self._metric_names, self._metrics)},
                             self._metric_mcse)

    def probabilities(self) -> pd.DataFrame:
        """P(funding_gap > 0), P(any year in operating deficit) and P(cumulative balance < 0 at
        the horizon), with their Monte Carlo standard errors (columns ``probability``,
        ``mcse``, as in :meth:`summary`; a probability of 0 or 1 has mcse 1.5/n)."""
        s = self.summary()
        rows = {label: {"probability": s.loc[m, "mean"], "mcse": s.loc[m, "mcse"]}
                for label, m in PROBABILITIES.items()}
        return pd.DataFrame.from_dict(rows, orient="index")

    def yearly(self) -> pd.DataFrame:
        """The operating statement, one row per year (index ``year`` = 1..horizon).

        For one draw: one column per line (``property_fee_income``, ``other_income``,
        ``income[<name>]``, ``cost[<name>]``, ``operating_cost``, ``operating_surplus``,
        ``cumulative_balance``, ...) plus ``calendar_year``. For many draws (fan-chart data):
        the columns are a MultiIndex ``(line, statistic)``: every line has its ``mean``; the
        quantiles ``p5 ... p95`` are given for every line when the per-draw paths were kept
        (``keep_yearly=True``), else for :data:`BAND_LINES` (from a streaming sketch).
        """
        years = np.arange(1, self.scenario.horizon_years + 1)
        index = pd.Index(years, name="year")
        calendar = self.scenario.start_year + years
        if self.n_draws == 1:
            data: dict[str, Any] = {"calendar_year": calendar}
            source = self._yearly_paths or {}
            data.update({name: (source[name][0] if name in source else mean)
                         for name, mean in self._yearly_means.items()})
            return pd.DataFrame(data, index=index)
        cols: dict[tuple[str, str], np.ndarray] = {("calendar_year", ""): calendar}
        for name, mean in self._yearly_means.items():
            cols[(name, "mean")] = mean
            if self._yearly_paths is not None:
                bands = np.quantile(self._yearly_paths[name], QUANTILES, axis=0,
                                    method=QUANTILE_METHOD)
            elif name in self._yearly_bands:
                bands = self._yearly_bands[name]
            else:
                continue
            for q, band in zip(QUANTILES, bands):
                cols[(name, quantile_name(q))] = band
        frame = pd.DataFrame(cols, index=index)
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["line", "statistic"])
        return frame

    def funding(self) -> pd.DataFrame:
        """The funding mix: one row per funding rule, in the order applied, then a ``gap`` row.

        Columns: ``source``, ``payer``, ``offered`` (what the rule would give), ``amount`` (what
        it pays, CNY), ``share_of_cost`` (amount / renovation cost), ``per_household`` (CNY).
        With many draws the figures are means over the draws. Amounts plus the gap add up to
        the renovation cost.
        """
        sc = self.scenario
        rows = []
        for r, (rule, label) in enumerate(zip(sc.funding, sc.funding_labels())):
            rows.append({"label": label, "source": rule.source, "payer": rule.payer,
                         "offered": float(self._funding_offered[r]),
                         "amount": float(self._funding_applied[r])})
        capex = float(self._item_costs.sum())
        rows.append({"label": "gap", "source": "gap", "payer": "unfunded", "offered": np.nan,
                     "amount": self._funding_gap})
        frame = pd.DataFrame(rows).set_index("label")
        frame["share_of_cost"] = frame["amount"] / capex if capex > 0 else np.nan
        frame["per_household"] = frame["amount"] / sc.compound.households
        return frame

    def items(self) -> pd.DataFrame:
        """Renovation cost by item (mean over draws), CNY, with tier and unit."""
        items = self.scenario.renovation.items
        return pd.DataFrame({"tier": [i.tier for i in items], "unit": [i.unit for i in items],
                             "cost": self._item_costs},
                            index=pd.Index([i.name for i in items], name="item"))

    @staticmethod
    def describe(name: str) -> str:
        """Unit and meaning of a metric or yearly line."""
        m = METRICS.get(name) or YEARLY_LINES.get(name)
        if m is None:
            raise KeyError(f"no metric or yearly line is named {name!r}")
        return f"{m.name} [{m.unit}]: {m.description}"
