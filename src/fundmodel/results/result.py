"""Results as plain data: pandas tables built from the engine's arrays or streaming statistics.

The tables have the same shape whether a run has one draw (:func:`fundmodel.evaluate`) or many
(:func:`fundmodel.simulate`): ``summary()`` one row per metric, ``yearly()`` one column per line,
``items()`` and ``funding()`` one row per item / source. Statistics over draws are chosen by
argument (``yearly(statistic="p5")``) or come in tidy form (``yearly_bands()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import labels
from ..catalog import METRICS, YEARLY_LINES, declaration, lookup
from ..inputs.draws import is_distribution
from ..catalog import CASHFLOW_QUANTILES, QUANTILE_METHOD, QUANTILES, quantile_name
from ..engine.arrays import same_in_every_draw
from ..engine.capital import ITEM_INPUTS
from ..engine.model import ModelOutput
from ..errors import ModelError
from ..scenario import Scenario
from ..scenario.fiscal import GOVERNMENT_LEVELS
from ..scenario.funding import FINANCING_PAYERS

__all__ = ["Result", "CashFlows", "ResidentsMeans", "QUANTILES", "CASHFLOW_QUANTILES",
           "PROBABILITIES", "BAND_LINES", "SUMMARY_COLUMNS",
           "YEARLY_STATISTICS", "summary_table", "quantile_name", "exact_summary_row",
           "ZERO_EVENTS_SE", "outcome_warnings"]

PROBABILITIES = {name: m.question for name, m in METRICS.items() if m.summary == "probability"}
"""The 0/1 metrics whose means are the probabilities analysts ask for, and each question in the
analysts' wording (the ``question`` column of :meth:`Result.probabilities`): the metrics
declared with ``summary="probability"`` in :mod:`fundmodel.catalog`."""

BAND_LINES = tuple(name for name, line in YEARLY_LINES.items()
                   if line.summary == "quantiles")
"""Yearly lines given quantile bands when per-draw yearly paths are not kept: those declared
with ``summary="quantiles"`` in :mod:`fundmodel.catalog`."""

SUMMARY_COLUMNS = ("unit", "mean", "sd", "mcse", *(f"p{round(q * 100)}" for q in QUANTILES),
                   "min", "max", "n", "undefined")

YEARLY_STATISTICS = ("mean", *(f"p{round(q * 100)}" for q in QUANTILES))
"""Statistics over draws that :meth:`Result.yearly` and :meth:`Result.yearly_bands` give."""


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


def _instrument_unit(name: str) -> str:
    """The unit of an instrument's metric (``bundle[<label>].npv``: its catalog pattern's), or
    '' for a name the catalog does not know."""
    try:
        return lookup(name).unit
    except KeyError:
        return ""


def summary_table(rows: Mapping[str, Mapping[str, Any]],
                  mcse: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The summary DataFrame from one row of statistics per metric (adds the unit).

    ``mcse`` holds replicate standard errors that replace the rows' sd/√n where finite. A
    metric whose draws are all equal gets 0, or ``ZERO_EVENTS_SE / n`` if it is a 0/1 metric.
    """
    mcse = mcse or {}
    data = {}
    for name, row in rows.items():
        unit = METRICS[name].unit if name in METRICS else _instrument_unit(name)
        data[name] = {**row, "unit": unit, "mcse": _mcse(row, unit, mcse.get(name))}
    frame = pd.DataFrame.from_dict(data, orient="index")[list(SUMMARY_COLUMNS)]
    frame.index.name = "metric"
    return frame


def outcome_warnings(result: "Result") -> list[str]:
    """Warnings, in words, about what a run found (not about its inputs): a sculpted debt
    whose service falls below its interest in some year, so that its balance grows there
    (``debt[<label>].negative_principal_years`` > 0) while ``min_dscr`` still shows the
    target."""
    names = [n for n in result._metric_names if n.endswith("].negative_principal_years")]
    if not names:
        return []
    if result._metrics is not None:                    # kept draws: no summary to compute
        stats = [(n, float(np.mean(result.metric(n))), float(np.max(result.metric(n))))
                 for n in names]
    else:
        table = result.summary()
        stats = [(n, table.loc[n, "mean"], table.loc[n, "max"]) for n in names]
    out = []
    for name, mean, most in stats:
        if most > 0:
            label = name[len("debt["):-len("].negative_principal_years")]
            out.append(f"debt '{label}': in some year its sculpted debt service "
                       "(CFADS / dscr_target) is below the interest, so the unpaid interest is "
                       f"added to the balance (negative principal) — up to {most:.0f} year(s) "
                       f"in a draw, {mean:.2g} on average; min_dscr still shows the target in "
                       f"the years with service. See {name}")
    return out


def exact_summary_row(values: np.ndarray, work: np.ndarray | None = None
                      ) -> dict[str, float]:
    """Statistics of one metric's draws; NaN draws (metric undefined) are left out of every
    statistic and counted in ``undefined`` (``n`` + ``undefined`` = number of draws).

    ``work``: a float array of at least ``values.size`` to compute in (the deviations, then
    the partitioned copy of the quantiles), so that a table of metrics takes one scratch
    vector, not three temporaries a metric. The statistics are numpy's, to the bit (the
    quantiles are order statistics, read from the sorted draws):
    ``sd = √(Σ (x − x̄)² / (n − 1))`` with ``x̄ = Σ x / n`` (pairwise sums, as ``np.std``), the
    quantiles ``np.quantile(x, q, method="inverted_cdf")`` (order statistics).
    """
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    v = values[~nan] if nan.any() else np.ascontiguousarray(values)
    count = v.size
    if work is None or work.size < count:
        work = np.empty(count)
    buf = work[:count]
    row: dict[str, Any] = {"mean": np.nan, "sd": np.nan}
    if count:
        total = np.add.reduce(v)
        row["mean"] = total / count
        if count > 1:          # np.std(v, ddof=1): the deviations from the mean, squared
            np.subtract(v, row["mean"], out=buf)
            np.multiply(buf, buf, out=buf)
            row["sd"] = np.sqrt(np.add.reduce(buf) / (count - 1))
    row["mcse"] = row["sd"] / np.sqrt(count) if count > 1 else np.nan
    if count:      # sorted first: numpy's sort outruns its selection of several ranks
        buf[...] = v
        buf.sort()
        qs = np.quantile(buf, QUANTILES, method=QUANTILE_METHOD, overwrite_input=True)
    else:
        qs = [np.nan] * len(QUANTILES)
    row.update({quantile_name(q): float(x) for q, x in zip(QUANTILES, qs)})
    row["min"] = v.min() if count else np.nan
    row["max"] = v.max() if count else np.nan
    row["n"] = count
    row["undefined"] = int(values.size - count)
    return row


def _same_rows(a: np.ndarray) -> bool:
    """Whether every row (draw) of ``a`` equals the first (a line the same in every draw)."""
    return same_in_every_draw(a) or bool((a == a[:1]).all())


@dataclass(frozen=True)
class CashFlows:
    """The ledger of a run, summarised over draws: each line's payer, payee, kind, the year
    index of its first year on the timeline, its mean amount per year ``(L,)`` CNY and, for a
    line that differs by draw, its quantiles :data:`CASHFLOW_QUANTILES` per year ``(q, L)``
    (a line without quantiles is the same in every draw: each quantile is its amount)."""

    lines: tuple[tuple[str, str, str, str, int], ...]   # (name, payer, payee, kind, start)
    means: dict[str, np.ndarray]
    n_years: int
    quantiles: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_ledger(cls, ledger, n_years: int, means: Mapping[str, np.ndarray] | None = None,
                    quantiles: Mapping[str, np.ndarray] | None = None) -> "CashFlows":
        """From an engine ledger; ``means`` (name → ``(L,)``) default to the mean over the
        ledger's draws of its only compound, and ``quantiles`` (name → ``(q, L)``) to the exact
        quantiles over them of every line that has more than one draw."""
        lines = tuple((l.name, l.payer, l.payee, l.kind, l.start) for l in ledger)
        if means is None or quantiles is None:
            amounts = {l.name: np.asarray(l.amount[:, 0], dtype=float) for l in ledger}
            varying = {k for k, a in amounts.items() if not _same_rows(a)}
        if means is None:
            means = {k: a.mean(axis=0) if k in varying else a[0].copy()
                     for k, a in amounts.items()}
        if quantiles is None:
            quantiles = {k: np.quantile(amounts[k], CASHFLOW_QUANTILES, axis=0,
                                        method=QUANTILE_METHOD) for k in varying}
        return cls(lines, dict(means), n_years, dict(quantiles))


@dataclass(frozen=True)
class ResidentsMeans:
    """The households' outputs of a run, as means over its draws (see
    :class:`fundmodel.engine.instruments.residents.ResidentsOutput` and its ``stream()`` names): the
    ballots' and groups' labels, ``means`` name → array, and the number of draws."""

    ballots: tuple[tuple[str, str, int], ...]
    groups: tuple[tuple[str, int, int], ...]
    means: dict[str, np.ndarray]
    n_draws: int

    @classmethod
    def from_means(cls, out, means: Mapping[str, np.ndarray], n_draws: int) -> "ResidentsMeans":
        """From the labels of an engine output ``out`` and the means of its streams."""
        return cls(tuple(out.ballots), tuple(out.groups), dict(means), int(n_draws))

    @classmethod
    def from_output(cls, out) -> "ResidentsMeans":
        """The means over the draws of one engine output."""
        streams = out.stream()
        return cls.from_means(out, {k: v.mean(axis=0) for k, v in streams.items()},
                              len(out.passed))


HEADLINE_METRICS = ("capex_total", "funding_gap", "government_cost_per_household",
                    "resident_cost_per_household", "operating_surplus_first_year",
                    "npv_operations", "cumulative_balance_final", "breakeven_fee_rate")
"""The metrics a notebook shows of a result (:meth:`Result._repr_html_`)."""


def format_value(metric: str, value: float) -> str:
    """A metric's value for reading, as its catalogue unit says: money to the yuan, a share
    as a percentage, a 0/1 flag as yes/no, a year whole, else four significant digits; NaN
    as a dash; never ``-0``."""
    if value is None or value != value:
        return "–"
    unit = labels.describe_unit(metric)
    if unit in ("0/1", "bool") and value in (0.0, 1.0):
        text = "yes" if value else "no"
    elif unit == "share":
        text = f"{100 * value:.1f}%"
    elif unit == "year":
        text = f"{value:.0f}"
    elif unit.startswith("CNY") and "/m²" not in unit or abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.4g}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]
    return text


def html_table(caption: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table (a notebook's display): ``caption`` above, ``columns`` as headers, the
    first column left-aligned and the others right-aligned; every text escaped."""
    from html import escape

    def row(cells, tag):
        return "<tr>" + "".join(
            f"<{tag} style='text-align:{'left' if i == 0 else 'right'}'>{escape(str(c))}"
            f"</{tag}>" for i, c in enumerate(cells)) + "</tr>"

    return (f"<table><caption style='text-align:left'><b>{escape(caption)}</b></caption>"
            f"<thead>{row(columns, 'th')}</thead><tbody>"
            + "".join(row(r, "td") for r in rows) + "</tbody></table>")


class Result:
    """The outcome of a run: per-draw metrics, the yearly operating statement, the funding mix.

    A deterministic run (:func:`fundmodel.evaluate`, ``info["kind"] == "deterministic"``) is a
    result of one draw; a Monte Carlo run (:func:`fundmodel.simulate`, ``"monte_carlo"``) has
    one or more. Every table has the same columns for both kinds, except
    :meth:`probabilities`, which a deterministic run answers with the base case's outcome.
    Build results with those functions, not directly.

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
                 item_inputs: Mapping[str, np.ndarray] | None = None,
                 cashflows: CashFlows | None = None,
                 info: Mapping[str, Any] | None = None,
                 metric_mcse: Mapping[str, float] | None = None,
                 residents: ResidentsMeans | None = None,
                 levers: Mapping[str, np.ndarray] | None = None,
                 inputs: np.ndarray | None = None,
                 fund_buildings: Mapping[str, np.ndarray] | None = None,
                 deferred_bands: Callable[[], tuple[Mapping[str, np.ndarray],
                                                    Mapping[str, np.ndarray], Mapping]]
                 | None = None):
        self.scenario = scenario
        self.n_draws = int(n_draws)
        self._metrics = metrics  # (n_metrics, n_draws) or None
        self._metric_names = list(metric_names)
        self._yearly_paths = yearly_paths
        self._yearly_means = dict(yearly_means)
        self._yearly_bands = dict(yearly_bands or {})
        # simulate(..., bands=False): () -> (yearly bands, ledger quantiles, info), called once
        self._deferred_bands = deferred_bands
        self._funding_offered = funding_offered
        self._funding_applied = funding_applied
        self._funding_gap = float(funding_gap)
        self._item_costs = item_costs
        self._item_inputs = dict(item_inputs or {})  # name → mean over draws (n_items,)
        self._cashflows = cashflows
        self._metric_summary = metric_summary  # from streaming statistics (keep_draws=False)
        self._summary_cache: pd.DataFrame | None = None  # summary() of kept draws, once
        self._metric_mcse = dict(metric_mcse or {})  # replicate standard errors (lhs, sobol)
        self._residents = residents  # households' tables (scenarios with households)
        self._inputs = inputs  # (n_draws, uniform columns) of a Monte Carlo run, or None
        self.fund_building_means: dict[str, np.ndarray] = dict(fund_buildings or {})
        """With a repairs fund kept per building (``accounts: building``): each building's
        yearly line (``fund_deposits``, ``fund_interest``, ``fund_expenditure``,
        ``fund_top_up``, ``fund_balance``), mean over the draws, ``(buildings, horizon_years)``
        in the order of the households' buildings; empty otherwise (read by the table
        ``fund_buildings``)."""
        self.info: dict[str, Any] = dict(info or {})
        self.levers: dict[str, np.ndarray] = dict(levers or {})
        """For :func:`fundmodel.evaluate_batch`: each lever's path → its value in every variant
        ``(k,)``; empty otherwise."""

    @classmethod
    def from_output(cls, scenario: Scenario, out: ModelOutput,
                    info: Mapping[str, Any] | None = None,
                    levers: Mapping[str, np.ndarray] | None = None) -> "Result":
        """A result holding every draw of an engine output (``levers``: see :attr:`levers`)."""
        names = list(out.metrics)
        n = len(out.metrics[names[0]])
        return cls(scenario, n_draws=n, metrics=np.stack([out.metrics[k] for k in names]),
                   metric_names=names, yearly_paths=out.yearly,
                   yearly_means={k: v[0].copy() if _same_rows(v) else v.mean(axis=0)
                                 for k, v in out.yearly.items()},
                   funding_offered=out.funding_offered.mean(axis=0),
                   funding_applied=out.funding_applied.mean(axis=0),
                   funding_gap=float(out.metrics["funding_gap"].mean()),
                   item_costs=out.item_costs.mean(axis=0),
                   item_inputs={k: v.mean(axis=0) for k, v in out.item_inputs.items()},
                   cashflows=CashFlows.from_ledger(out.ledger, out.n_years), info=info,
                   residents=(None if out.residents is None
                              else ResidentsMeans.from_output(out.residents)),
                   levers=levers,
                   fund_buildings={k: v.mean(axis=0) for k, v in out.fund_buildings.items()})

    def __repr__(self) -> str:
        kind = self.info.get("kind", "run")
        return f"<Result {self.scenario.name!r}: {kind.replace('_', ' ')}, {self.n_draws} draw(s)>"

    def _repr_html_(self) -> str:
        """The headline metrics as an HTML table (Jupyter): each metric by its label with its
        unit, its value (one draw) or its mean, P5 and P95 over the draws."""
        s = self.summary()
        many = self.n_draws > 1
        rows = []
        for metric in HEADLINE_METRICS:
            if metric not in s.index:
                continue
            r = s.loc[metric]
            cells = [labels.header(metric)]
            if many:
                cells += [format_value(metric, r[k]) for k in ("mean", "p5", "p95")]
            else:
                cells.append(format_value(metric, r["mean"]))
            rows.append(cells)
        columns = [labels.label("metric"), *([labels.label("mean"), "P5", "P95"] if many
                                              else [labels.label("value")])]
        how = (f"{self.n_draws:,} draws" if many else
               str(labels.label(self.info.get("kind", ""), default="one draw")))
        title = self.scenario.title or self.scenario.name
        return html_table(f"{title} ({how})", columns, rows)

    @property
    def plot(self) -> Any:
        """The run's charts: ``result.plot.fan()``, ``waterfall()``, ``histogram()``, ``cdf()``,
        ``tornado(table)``, ``parties()``, each a matplotlib Figure (see
        :class:`fundmodel.plots.ResultPlots`; needs ``fundmodel[plots]``)."""
        from .extensions import maker

        return maker("Result.plot")(self)

    @property
    def is_deterministic(self) -> bool:
        """True for the base case of :func:`fundmodel.evaluate` (``info["kind"]``); a Monte
        Carlo run of one draw is not deterministic."""
        return self.info.get("kind") == "deterministic"

    # ------------------------------------------------------------------ per draw
    @property
    def has_draws(self) -> bool:
        """Whether the per-draw metrics were kept."""
        return self._metrics is not None

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per draw, one column per metric (see :data:`fundmodel.catalog.METRICS`).

        A metric undefined in a draw (e.g. ``first_deficit_year`` when no year is in deficit)
        is NaN there. Raises ValueError for a run made with ``keep_draws=False``. For a batch
        (:func:`fundmodel.evaluate_batch`) the rows are the variants (index ``variant``) and
        the levers' values come first, one column per lever path.
        """
        if self._metrics is None:
            raise ValueError("this run did not keep per-draw metrics (keep_draws=False); use "
                             "summary(), or run again with keep_draws=True")
        frame = pd.DataFrame(self._metrics.T, columns=self._metric_names, copy=False)
        frame.index.name = "draw"
        if self.levers:
            frame = pd.concat([pd.DataFrame(self.levers), frame], axis=1)
            frame.index.name = "variant"
        return frame

    @property
    def inputs(self) -> pd.DataFrame:
        """The values of the uncertain inputs each draw used: one row per draw (index
        ``draw``; ``variant`` for a batch), one column per input, named by its path as
        ``--set`` writes it (``renovation.items[roof waterproofing].unit_cost``; a list
        element by its ``name`` when it has a unique one, else by its index).

        An input drawn anew every operating year (``each_year``) has one column per year,
        ``<path>@1`` … ``<path>@T`` (T = ``horizon_years``). Inputs drawn for every household
        separately (a decision's willingness to pay) or for every compound of a portfolio are
        left out: they have no single value per draw. A deterministic run
        (:func:`fundmodel.evaluate`) has one row, the point estimates; a batch
        (:func:`fundmodel.evaluate_batch`) one row per variant, the point estimates with the
        levers' values where a lever is an uncertain input. A Monte Carlo run keeps them
        with the per-draw metrics (``keep_draws``), independent of the chunk size and the
        workers; memory: draws × columns × 8 bytes (1e6 draws × 20 inputs: 160 MB), in
        addition to the metrics table.

        Raises ValueError for a run made with ``keep_draws=False``.
        """
        from ..inputs.factors import input_columns, point_rows

        names = input_columns(self.scenario)
        kind = self.info.get("kind")
        if kind in ("deterministic", "batch"):
            values = point_rows(self.scenario, self.info.get("point_estimate"), self.n_draws,
                                self.levers)
        elif self._inputs is None:
            raise ValueError("this run did not keep the per-draw inputs (keep_draws=False); "
                             "run again with keep_draws=True")
        else:
            values = self._inputs
        frame = pd.DataFrame(values, columns=names, copy=False)
        frame.index.name = "variant" if kind == "batch" else "draw"
        return frame

    def metric(self, name: str) -> np.ndarray:
        """The per-draw values of one metric as an array (a view)."""
        if self._metrics is None:
            raise ValueError("this run did not keep per-draw metrics (keep_draws=False)")
        return self._metrics[self._metric_names.index(name)]

    # ------------------------------------------------------------------ summaries
    def summary(self) -> pd.DataFrame:
        """Statistics of each metric over the draws, one row per metric (index ``metric``).

        Columns: ``unit``, ``mean``, ``sd`` (ddof=1), ``mcse`` (Monte Carlo standard error of
        the mean), ``p5``, ``p25``, ``p50``, ``p75``, ``p95``, ``min``, ``max``, ``n`` (draws in
        which the metric is defined) and ``undefined`` (draws in which it is not, e.g.
        ``first_deficit_year`` when no year is in deficit, or ``breakeven_fee_rate`` when no fee
        is collected; ``n + undefined`` is the number of draws). Undefined draws are left out of
        every statistic, never silently: check ``undefined`` before reading a mean as one over
        all draws. Quantiles are the smallest value whose empirical CDF reaches q (numpy's
        ``inverted_cdf``); from a run with ``keep_draws=False`` they come from a streaming
        sketch whose rank error is at most ``info['quantile_rank_error']`` (≤ 0.001). The mean
        of a 0/1 metric (``has_funding_gap``, ``any_operating_deficit``,
        ``balance_negative_at_horizon``) is a probability — see :meth:`probabilities`. For a
        result of one draw every statistic equals the value and ``sd``/``mcse`` are NaN.

        ``mcse``: with the ``random`` sampler, sd/√n. Latin hypercube and Sobol draws are not
        independent, and sd/√n would overstate their error many times over; their blocks of
        4,096 draws are independent replicates, so mcse is the spread of the block means,
        ``√(B/(B−1) Σ_b (n_b/N)² (m_b − mean)²)`` over the B blocks
        (:func:`fundmodel.stats.blocks.replicate_mcse`). With fewer than 10 blocks (40,960 draws)
        it falls back to sd/√n, which is conservative (``info['mcse_method']`` says which was
        used, ``info['mcse_note']`` why). A metric whose draws are all equal reports 0, except
        a 0/1 metric (a probability of 0 or 1), which reports ``1.5/n``: p ± 2·mcse reaches
        3/n, the rule-of-three 95 % bound on the probability of an event never seen in n
        independent draws.

        The table is computed on the first call and kept (sorting a million draws per metric
        takes a while); every call returns a copy of it, so changing the returned frame changes
        no later call.
        """
        if self._metric_summary is not None:
            return self._metric_summary.copy()
        if self._summary_cache is None:
            work = np.empty(self._metrics.shape[1])          # one scratch vector for all
            self._summary_cache = summary_table(
                {name: exact_summary_row(values, work)
                 for name, values in zip(self._metric_names, self._metrics)},
                self._metric_mcse)
        return self._summary_cache.copy()

    def probabilities(self) -> pd.DataFrame:
        """The probabilities analysts ask for, one row per 0/1 metric (index ``metric``:
        ``has_funding_gap``, ``any_operating_deficit``, ``balance_negative_at_horizon``).

        Monte Carlo run (``info["kind"] == "monte_carlo"``, even of one draw): columns
        ``question`` (the analysts' wording, e.g. ``P(funding_gap > 0)``), ``probability`` (the
        metric's mean over the draws), ``mcse`` (its Monte Carlo standard error, as in
        :meth:`summary`; a probability of 0 or 1 has mcse 1.5/n) and ``n`` (draws).

        Deterministic run (:func:`fundmodel.evaluate`): one base case has no probabilities, so
        the columns are ``question`` and ``outcome`` (bool: whether it happens in the base
        case) — no ``probability`` or ``mcse``.
        """
        s = self.summary()
        rows: dict[str, dict[str, Any]] = {}
        for metric, question in PROBABILITIES.items():
            if self.is_deterministic:
                rows[metric] = {"question": question, "outcome": bool(s.loc[metric, "mean"] > 0)}
            else:
                rows[metric] = {"question": question, "probability": s.loc[metric, "mean"],
                                "mcse": s.loc[metric, "mcse"], "n": s.loc[metric, "n"]}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "metric"
        return frame

    # ------------------------------------------------------------------ yearly
    def _quantiles_ready(self) -> None:
        """Compute, once, the quantiles a run made with ``simulate(..., bands=False)`` left for
        when they are asked for (the yearly bands and the ledger's quantiles)."""
        if self._deferred_bands is None:
            return
        yearly_bands, cashflow, info = self._deferred_bands()
        self._yearly_bands.update(yearly_bands)
        if self._cashflows is not None:
            self._cashflows.quantiles.update(cashflow)
        self.info.update(info)
        self._deferred_bands = None

    def _band_lines(self) -> list[str]:
        """Lines with quantiles: every line when the per-draw paths were kept, else those of
        :data:`BAND_LINES` (streamed)."""
        self._quantiles_ready()
        if self._yearly_paths is not None:
            return list(self._yearly_means)
        return [k for k in self._yearly_means if k in self._yearly_bands]

    def _line_statistic(self, name: str, statistic: str) -> np.ndarray:
        """One statistic over draws of one yearly line, array ``(horizon_years,)``."""
        if statistic == "mean":
            return self._yearly_means[name]
        self._quantiles_ready()
        j = YEARLY_STATISTICS.index(statistic) - 1
        if self._yearly_paths is not None and name not in self._yearly_bands:
            # all quantiles of the line at once, kept: the result does not change
            self._yearly_bands[name] = np.quantile(self._yearly_paths[name], QUANTILES, axis=0,
                                                   method=QUANTILE_METHOD)
        return self._yearly_bands[name][j]

    @staticmethod
    def _check_statistic(statistic: str) -> None:
        if statistic not in YEARLY_STATISTICS:
            raise ModelError(f"statistic must be one of {', '.join(YEARLY_STATISTICS)}, "
                             f"got {statistic!r}")

    def yearly(self, statistic: str = "mean") -> pd.DataFrame:
        """The operating statement, one row per year (index ``year`` = 1..horizon), one column
        per line — the same columns for one draw or many.

        Columns: ``calendar_year`` (operating year 1 is the year after the works end:
        ``start_year + construction years − 1 + year``), then every line
        (``property_fee_income``, ``other_income``, ``income[<name>]``, ``total_income``,
        ``cost[<name>]``, ``direct_cost``, ..., ``operating_surplus``, ``cumulative_balance``,
        ``discounted_surplus``; :meth:`describe` gives each one's unit and meaning), CNY.

        Parameters
        ----------
        statistic : {'mean', 'p5', 'p25', 'p50', 'p75', 'p95'}
            For one draw every statistic is that draw's value. For many draws, the mean
            (default) or the quantile over the draws of each line, year by year (fan-chart
            bands; inverted-CDF quantiles). Quantiles are known for every line when the per-draw
            paths were kept (``simulate(..., keep_yearly=True)``), else only for
            :data:`BAND_LINES` (``operating_surplus`` and ``cumulative_balance``, from a
            streaming sketch): the other lines are then left out of a quantile table.

        See Also
        --------
        yearly_bands : all statistics in one tidy (long) table.
        """
        self._check_statistic(statistic)
        years = np.arange(1, self.scenario.horizon_years + 1)
        data: dict[str, Any] = {"calendar_year": self._calendar(years)}
        names = list(self._yearly_means) if statistic == "mean" else self._band_lines()
        data.update({name: self._line_statistic(name, statistic) for name in names})
        return pd.DataFrame(data, index=pd.Index(years, name="year"))

    def yearly_bands(self, lines: Sequence[str] | None = None) -> pd.DataFrame:
        """Fan-chart data in tidy (long) form: one row per (line, statistic, year).

        Columns ``line``, ``statistic`` (``mean``, ``p5`` ... ``p95``), ``year`` (1..horizon),
        ``calendar_year`` and ``value`` (CNY), ready for ``pivot``, seaborn or plotly. For one
        draw every statistic equals the value.

        Parameters
        ----------
        lines : sequence of str, optional
            The lines to give (default: every line with quantiles — all lines when the per-draw
            paths were kept, else :data:`BAND_LINES`).

        Raises
        ------
        ModelError
            If a line asked for has no quantiles in this run (or no such line exists).
        """
        available = self._band_lines()
        if lines is None:
            lines = available
        else:
            lines = [lines] if isinstance(lines, str) else list(lines)
            missing = [k for k in lines if k not in available]
            if missing:
                known = [k for k in missing if k in self._yearly_means]
                why = (f"no quantile bands for {', '.join(known)} in this run (only for "
                       f"{', '.join(available)}); run simulate(..., keep_yearly=True)"
                       if known else f"no yearly line is named {', '.join(map(repr, missing))}")
                raise ModelError(why)
        years = np.arange(1, self.scenario.horizon_years + 1)
        frames = [pd.DataFrame({"line": name, "statistic": stat, "year": years,
                                "calendar_year": self._calendar(years),
                                "value": self._line_statistic(name, stat)})
                  for name in lines for stat in YEARLY_STATISTICS]
        if not frames:
            return pd.DataFrame({"line": pd.Series(dtype=object),
                                 "statistic": pd.Series(dtype=object),
                                 "year": pd.Series(dtype=int), "calendar_year": pd.Series(dtype=int),
                                 "value": pd.Series(dtype=float)})
        return pd.concat(frames, ignore_index=True)

    # ------------------------------------------------------------------ capital
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
        """The renovation items, one row per item (index ``item``), in the scenario's order.

        Columns: ``tier``, ``quantity`` (in ``unit``), ``unit``, ``unit_cost`` (CNY/unit),
        ``contingency`` (share: the item's own, else the renovation's), ``cost`` (CNY,
        ``quantity × unit_cost × (1 + contingency)``) and ``uncertain`` (True when any of the
        item's inputs is a distribution).

        For one draw these are that draw's values. For many draws each of ``quantity``,
        ``unit_cost``, ``contingency`` and ``cost`` is its own mean over the draws, so for an
        uncertain item ``cost`` is the mean cost, which need not equal the product of the mean
        inputs (it does when the inputs are independent, up to Monte Carlo error).
        """
        reno = self.scenario.renovation
        items = reno.items
        n_items = len(items)
        inputs = {k: self._item_inputs.get(k, np.full(n_items, np.nan)) for k in ITEM_INPUTS}
        uncertain = [any(is_distribution(v) for v in (
            i.quantity, i.unit_cost, i.contingency if i.contingency is not None
            else reno.contingency)) for i in items]
        return pd.DataFrame({"tier": [i.tier for i in items],
                             "quantity": inputs["quantity"], "unit": [i.unit for i in items],
                             "unit_cost": inputs["unit_cost"],
                             "contingency": inputs["contingency"],
                             "cost": self._item_costs, "uncertain": uncertain},
                            index=pd.Index([i.name for i in items], name="item"))

    # ------------------------------------------------------------------ names
    def _calendar(self, operating_years: np.ndarray) -> np.ndarray:
        """Calendar year of operating years (1 = the year after the works end)."""
        sc = self.scenario
        return sc.start_year + sc.construction_years() - 1 + operating_years

    # ------------------------------------------------------------------ the ledger
    def _ledger(self) -> CashFlows:
        if self._cashflows is None:
            raise ModelError("this result carries no cash-flow ledger")
        return self._cashflows

    def cashflows(self) -> pd.DataFrame:
        """The cash-flow ledger, tidy: one row per line and year it spans, with columns
        ``year`` (0 = the first construction year), ``calendar_year``, ``line``, ``payer``,
        ``payee``, ``kind`` (capital, operating, financing), ``amount`` (CNY; the mean over
        the draws for many) and ``p5``, ``p50``, ``p95`` (CNY; the quantiles
        :data:`CASHFLOW_QUANTILES` over the draws, inverted-CDF). Every money flow of the model
        is here: the works, each source's funding and the gap (capital), the fee, income,
        costs, margin and VAT (operating).

        The columns are the same for every run. For one draw, and for a line that is the same
        in every draw, each quantile equals ``amount`` (nothing is stored for it). For the
        other lines of a Monte Carlo run the quantiles are exact when the per-draw paths were
        kept (``simulate(..., keep_yearly=True)``, which also keeps the per-draw amounts of the
        varying capital lines: draws × construction years × 8 bytes per line), else they come
        from the streaming quantile sketch, within a rank error of
        ``info['cashflow_rank_error']`` (≤ 0.001).
        """
        from .cashflows import cashflow_table

        self._quantiles_ready()
        return cashflow_table(self._ledger(), self.scenario.start_year)

    def parties(self) -> pd.DataFrame:
        """One row per party (central government ... residents, operator, contractors): total
        ``paid`` and ``received``, ``net``, ``npv_net`` at the nominal discount rate (to the
        first construction year) and per household, CNY (means over draws; with an uncertain
        rate, the mean flows at the mean nominal rate)."""
        from .cashflows import party_table

        rate = float(self.summary().loc["discount_rate_nominal", "mean"])
        return party_table(self._ledger(), rate, float(self.scenario.compound.households))

    def government(self) -> pd.DataFrame:
        """The government's outlay by calendar year and level — central, provincial,
        city/district, street/community — the city or district treasury's ``bridge`` of
        grants paid in instalments (+ advanced, − repaid), and in ``total``, CNY (means over
        draws): what a finance bureau reads first. State firms' transfer funds are their own
        column ``soe``, outside the total. Summed over the construction years, ``total`` is
        the metric ``government_cost`` (= ``government_cost_per_household`` × households);
        see :func:`fundmodel.cashflow_tables.government_table`."""
        from .cashflows import government_table

        return government_table(self._ledger(), self.scenario.start_year)

    @property
    def has_financing(self) -> bool:
        """Whether the scenario has a fiscal section, a financing instrument (investors, a
        bundled project, debt) or a government paying for the operations (a fallback payer, an
        operating grant): then the CLI and the written tables add the fiscal view."""
        ops = self.scenario.operations
        return self.scenario.fiscal is not None or any(
            rule.payer in FINANCING_PAYERS
            for rule in self.scenario.funding) or ops.fallback is not None or any(
            line.payer in GOVERNMENT_LEVELS for line in ops.income)

    def fiscal(self) -> pd.DataFrame:
        """The government's commitments by calendar year: ``subsidies``, the ``bridge`` of
        grants paid in instalments (+ advanced, − repaid), the ``debt_service`` it bears,
        ``guarantee_calls``, less the ``revenue_received`` (pledged revenue remitted to it),
        the ``net_commitment`` and its ``discounted`` value, and beside them, not counted, the
        state firms' transfer funds ``soe``, CNY (means over draws);
        ``attrs["pv_commitments"]`` is their present value at the nominal discount rate (to
        the first construction year). With a ``fiscal:`` section, only its level is counted
        and the table adds ``budget``, ``budget_share`` and ``exceeds_ceiling`` (the years
        the project takes more of the budget than the ceiling; see
        :class:`fundmodel.scenario.fiscal.Fiscal`)."""
        from .cashflows import GOVERNMENT_PARTIES, fiscal_table

        fiscal = self.scenario.fiscal
        rate = float(self.summary().loc["discount_rate_nominal", "mean"])
        levels = (fiscal.level,) if fiscal is not None else GOVERNMENT_PARTIES
        return fiscal_table(self._ledger(), self.scenario.start_year, rate, fiscal, levels)

    def debt(self) -> pd.DataFrame:
        """The service of each debt (bank loans, special bonds), one row per debt and operating
        year of its term (index ``debt``, the rule's label, and ``operating_year``).

        Columns: ``source``, ``calendar_year``, ``interest``, ``principal``, ``debt_service``
        (their sum, with the annual and redemption fees of a debt that has them), ``balance`` (outstanding at the start of the year: the principal still to
        be repaid), ``pledged_revenue`` (the pledged lines, each times its share), ``cfads``
        (less the pledged costs)
        and ``dscr`` = ``cfads / debt_service``, CNY. All are read from the ledger's means over
        the draws, so with many draws ``dscr`` is the ratio **of the means**, not the mean of
        the per-draw ratios (those are the metrics ``debt[<label>].min_dscr`` and
        ``avg_dscr``); NaN in a year without debt service.
        """
        from ..scenario.funding import Debt

        cf = self._ledger()
        columns = ["source", "calendar_year", "interest", "principal", "debt_service",
                   "balance", "pledged_revenue", "cfads", "dscr"]
        frames = []
        for rule, label in zip(self.scenario.funding, self.scenario.funding_labels()):
            if not isinstance(rule, Debt):
                continue
            # the operating years of the service lines (a debt issued in tranches starts
            # paying its coupons in the construction years, before operating year 1)
            name = f"debt[{label}].interest"
            skip = (self.scenario.construction_years()
                    - next(line[4] for line in cf.lines if line[0] == name))
            term = len(cf.means[name]) - skip
            interest = cf.means[name][skip:]
            principal = cf.means[f"debt[{label}].principal"][skip:]
            revenue = sum(cf.means[name][:term] * (1.0 if share is None else share)
                          for name, share in rule.pledges())
            costs = sum(cf.means[name][:term] * (1.0 if share is None else share)
                        for name, share in rule.pledges("pledged_costs"))
            service = interest + principal
            for fee in ("annual_fee", "redemption_fee"):     # the fees of the term, if any
                if f"debt[{label}].{fee}" in cf.means:
                    service = service + cf.means[f"debt[{label}].{fee}"][skip:]
            years = np.arange(1, term + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                dscr = np.where(service > 0, (revenue - costs) / service, np.nan)
            frames.append(pd.DataFrame({
                "debt": label, "operating_year": years, "source": rule.source,
                "calendar_year": self._calendar(years), "interest": interest,
                "principal": principal, "debt_service": service,
                "balance": np.cumsum(principal[::-1])[::-1], "pledged_revenue": revenue,
                "cfads": revenue - costs, "dscr": dscr}))
        if not frames:
            return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_arrays(
                [[], []], names=["debt", "operating_year"]))
        return pd.concat(frames).set_index(["debt", "operating_year"])[columns]

    # ------------------------------------------------------------------ households
    @property
    def has_households(self) -> bool:
        """Whether the run has households' tables (the scenario has a households section)."""
        return self._residents is not None

    def _households(self) -> ResidentsMeans:
        if self._residents is None:
            raise ModelError("this scenario has no households section: no votes, households or "
                             "payment channels to report")
        return self._residents

    def decisions(self) -> pd.DataFrame:
        """The residents' votes: one row per ballot (index ``decision``, ``building`` — '' for
        a decision voted by its whole electorate; a lift is voted stair by stair).

        Columns: ``households`` (in the electorate); for a Monte Carlo run ``p_pass`` (share
        of draws in which the ballot passes) and ``mcse`` (``√(p(1 − p)/n)``, 1.5/n when p
        is 0 or 1, as in :meth:`summary`); for a deterministic run ``passed`` (bool, at the
        point estimates: every household's willingness to pay at its point); then
        ``wtp_threshold_cny``: the least willingness to pay, the same for every household of
        the electorate, at which the ballot passes
        (:func:`fundmodel.engine.consent.wtp_threshold`: the shares sorted, the first at which
        quorum and approval are met), mean over the draws where one exists, and
        ``wtp_threshold_defined`` (share of draws where one does: none does when too few
        households take part). See docs/model.md, "Households, channels and consent".
        """
        r = self._households()
        m = r.means
        rows = []
        for b, (decision, building, households) in enumerate(r.ballots):
            row: dict[str, Any] = {"decision": decision, "building": building,
                                   "households": households}
            p = float(m["passed"][b])
            if self.is_deterministic:
                row["passed"] = bool(p > 0.5)
            else:
                n = r.n_draws
                row["p_pass"] = p
                row["mcse"] = (ZERO_EVENTS_SE / n if p in (0.0, 1.0)
                               else float(np.sqrt(p * (1.0 - p) / n)))
            defined = float(m["threshold_defined"][b])
            row["wtp_threshold_cny"] = (float(m["threshold_sum"][b]) / defined if defined > 0
                                        else np.nan)
            row["wtp_threshold_defined"] = defined
            rows.append(row)
        columns = ["decision", "building", "households",
                   *(["passed"] if self.is_deterministic else ["p_pass", "mcse"]),
                   "wtp_threshold_cny", "wtp_threshold_defined"]
        return pd.DataFrame(rows, columns=columns).set_index(["decision", "building"])

    def households(self) -> pd.DataFrame:
        """What a household pays, by building and floor (index ``building``, ``floor``; the
        households of one floor of one building pay the same).

        Columns: ``households`` (on that floor); ``cost_per_household_cny``: its part of what
        the residents' funding rules pay (0 in a draw where its items are voted down), mean
        over draws; ``p_built``: share of draws in which every decision it votes on or pays for
        goes ahead for it (1 without decisions); ``cost_if_built_cny``: the mean over those draws only
        (NaN if there are none); ``loan_payment_per_month_cny``: the monthly payment of such a
        household borrowing its whole amount (mean over draws; 0 when it pays nothing), CNY.
        """
        r = self._households()
        m = r.means
        built = m["group_passed"]
        rows = [{"building": b, "floor": f, "households": h,
                 "cost_per_household_cny": float(m["cost"][g]), "p_built": float(built[g]),
                 "cost_if_built_cny": (float(m["cost_if_passed"][g]) / float(built[g])
                                       if built[g] > 0 else np.nan),
                 "loan_payment_per_month_cny": float(m["loan_payment"][g])}
                for g, (b, f, h) in enumerate(r.groups)]
        return pd.DataFrame(rows).set_index(["building", "floor"])

    def channels(self) -> pd.DataFrame:
        """How the households pay the residents' part: one row per channel (index
        ``channel``: cash, repairs_fund, provident_fund, loan) and a ``total`` row.

        Columns: ``takeup`` (the scenario's share of paying households using the channel —
        a distribution's mean; cash is the rest), ``amount_cny`` (mean over draws: with the
        repairs fund capped at its balance and the provident fund at the cap per owner, the
        excess in cash) and ``share`` (of the total).
        """
        from ..engine.households import CHANNELS

        r = self._households()
        amounts = r.means["channels"]
        ch = self.scenario.households.channels

        def mean(value: Any) -> float:
            return float(value.mean()) if is_distribution(value) else float(value)

        takeup = {c: 0.0 if ch is None else mean(getattr(ch.takeup, c)) for c in CHANNELS[1:]}
        takeup = {"cash": max(0.0, 1.0 - sum(takeup.values())), **takeup}
        total = float(amounts.sum())
        rows = {c: {"takeup": takeup[c], "amount_cny": float(a),
                    "share": float(a) / total if total > 0 else np.nan}
                for c, a in zip(CHANNELS, amounts)}
        rows["total"] = {"takeup": 1.0, "amount_cny": total, "share": 1.0 if total > 0 else np.nan}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "channel"
        return frame

    # ------------------------------------------------------------------ declared tables
    def table(self, name: str) -> pd.DataFrame | None:
        """The declared output table ``name`` (:data:`fundmodel.catalog.tables.TABLES`: e.g.
        ``resident_burden``), read by its declared reader; None when this run has nothing for
        it (e.g. no households section). Its index is the declaration's ``axes`` and its
        columns the declared ones, in order; ``Result.describe(column)`` gives each one's unit
        and meaning.

        Raises
        ------
        KeyError
            If no table is declared by that name (the message suggests close names).
        ModelError
            If the reader returns a table whose index or columns differ from the declaration.
        """
        from ..catalog.tables import TABLES
        from .extensions import load

        declared = TABLES.get(name)
        if declared is None:
            import difflib

            close = difflib.get_close_matches(str(name), list(TABLES), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(f"no output table is declared as {name!r}{hint} (declared: "
                           f"{', '.join(TABLES)})")
        frame = load(declared.reader)(self)
        if frame is None:
            return None
        if list(frame.index.names) != list(declared.axes) or \
                list(frame.columns) != declared.column_names:
            raise ModelError(f"the reader of table {name} ({declared.reader}) returned index "
                             f"{list(frame.index.names)} and columns {list(frame.columns)}; "
                             f"declared: {list(declared.axes)} and {declared.column_names}")
        return frame

    def declared_tables(self) -> dict[str, pd.DataFrame]:
        """Every declared output table this run has (:meth:`table`), by name, in the order
        declared."""
        from ..catalog.tables import TABLES

        tables = {name: self.table(name) for name in TABLES}
        return {name: frame for name, frame in tables.items() if frame is not None}

    def to_excel(self, path, *, lang: str = "en", sample_draws: int = 1000,
                 scenario_file=None, overrides=(), money_unit: str = "CNY"):
        """Write this result as an Excel workbook (``.xlsx``, written atomically) and return
        its path: assumptions, summary with confidence intervals, funding, cash flows by party
        and year, the operating statement, Monte Carlo percentiles and the first
        ``sample_draws`` draws, labelled in ``lang`` ('en' or 'zh'). Needs openpyxl (the
        ``excel`` extra); sums of money in ``money_unit`` (``"CNY"`` or ``"万元"``). See
        :func:`fundmodel.export.excel.write_workbook`."""
        from .extensions import maker

        return maker("Result.to_excel")(self, path, lang=lang, sample_draws=sample_draws,
                                        scenario_file=scenario_file, overrides=overrides,
                                        money_unit=money_unit)

    @staticmethod
    def describe(name: str) -> str:
        """Unit and meaning of a metric, yearly line or yearly column, e.g.
        ``Result.describe("income[parking]")``, from its declaration
        (:func:`fundmodel.catalog.declaration`).

        Knows every metric of :data:`fundmodel.catalog.METRICS`, every fixed yearly line, the
        per-line names ``income[<name>]`` and ``cost[<name>]`` (the patterns themselves and any
        concrete line name), and ``calendar_year``; says when a metric can be undefined. A
        ledger line (``works[roof]``: its pattern's declaration) also says who pays whom, and
        a result table's column (``npv_net``) is known too.

        Raises
        ------
        KeyError
            For an unknown name (the message suggests close names).
        """
        try:
            m = declaration(name)
        except KeyError:
            from ..catalog.tables import table_columns

            m = table_columns().get(name)  # a declared output table's column
            if m is None:
                raise
        text = f"{m.name} [{m.unit}]: {m.description}"
        if m.undefined_when:
            text += f"; undefined (NaN) when {m.undefined_when}"
        if m.payers:
            text += f"; paid by {' or '.join(m.payers)} to {' or '.join(m.payees)}"
        return text
