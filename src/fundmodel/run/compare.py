"""Comparisons: several scenarios side by side, and a scenario's levers step by step.

:func:`compare` puts the key metrics of several scenarios (or results) side by side, with their
uncertainty; :func:`lever_table` runs a scenario's ``levers`` (see ``docs/levers.md``): the
baseline, then each lever added on top of the ones before it, with the change from the row
before. Both build on :func:`fundmodel.evaluate`, :func:`fundmodel.evaluate_batch` and
:func:`fundmodel.simulate`; the module is named ``comparison`` so that ``fundmodel.compare``
stays the function.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import Issue, ScenarioError
from ..labels import check_lang, header, label, quantile_label
from ..results.result import PROBABILITIES, Result
from ..scenario import Scenario
from ..io.issues import did_you_mean

__all__ = ["compare", "lever_table", "DEFAULT_METRICS", "LEVER_METRICS", "ZERO_ONE_METRICS"]

log = logging.getLogger("fundmodel")

ZERO_ONE_METRICS = tuple(PROBABILITIES)
"""The 0/1 metrics whose mean over the draws is a probability."""

DEFAULT_METRICS = ("capex_total", "funding_gap", "government_cost_per_household",
                   "resident_cost_per_household", "operating_surplus_first_year",
                   "npv_operations", "breakeven_fee_rate", *ZERO_ONE_METRICS)
"""The metrics :func:`compare` shows unless told otherwise."""

LEVER_METRICS = ("operating_surplus_first_year", "breakeven_fee_rate", "npv_operations",
                 "operating_deficit_years", "funding_gap")
"""The metrics :func:`lever_table` shows unless told otherwise (the README's Sanqiao table)."""

_MC_STATS = ("mean", "p5", "p95")


def _metric_list(metrics: str | Iterable[str] | None, default: Sequence[str],
                 known: Sequence[str]) -> list[str]:
    """The metrics asked for (a list, or a comma-separated string), each one checked."""
    if metrics is None:
        return list(default)
    names = [m.strip() for m in metrics.split(",")] if isinstance(metrics, str) \
        else [str(m) for m in metrics]
    names = [m for m in names if m]
    if not names:
        raise ScenarioError([Issue("", "name at least one metric", "metrics")])
    issues = [Issue(m, f"no such metric{did_you_mean(m, list(known))}", "metrics")
              for m in names if m not in known]
    if issues:
        raise ScenarioError(issues)
    return list(dict.fromkeys(names))


def _statistics(result: Result, metrics: Sequence[str]) -> dict[str, dict[str, float]]:
    """``metric → {statistic: value}``: ``value`` for a deterministic result; ``mean``,
    ``p5`` and ``p95`` over the draws otherwise (a 0/1 metric's mean is its probability, and
    its p5 and p95 — 0 or 1 — are left NaN: they say nothing)."""
    s = result.summary()
    out: dict[str, dict[str, float]] = {}
    for m in metrics:
        row = s.loc[m]
        if result.is_deterministic:
            out[m] = {"value": float(row["mean"])}
        elif m in ZERO_ONE_METRICS:
            out[m] = {"mean": float(row["mean"]), "p5": np.nan, "p95": np.nan}
        else:
            out[m] = {k: float(row[k]) for k in _MC_STATS}
    return out


def _stat_label(stat: str, lang: str) -> str:
    return quantile_label(stat, lang) or label(stat, lang)


def _run(scenario: Scenario, draws: int | None, seed: int | None) -> Result:
    from .api import evaluate, simulate

    return evaluate(scenario) if draws is None else simulate(scenario, draws, seed)


def _named(items: Any) -> list[tuple[str, Any]]:
    """``(name, result or scenario)`` pairs; repeated names get ``#2``, ``#3``..."""
    pairs = list(items.items()) if isinstance(items, Mapping) else [
        ((x.scenario.name if isinstance(x, Result) else getattr(x, "name", str(x))), x)
        for x in items]
    seen: dict[str, int] = {}
    out = []
    for name, x in pairs:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name} #{seen[name]}", x))
    return out


def compare(results_or_scenarios: Sequence[Result | Scenario] | Mapping[str, Result | Scenario],
            metrics: str | Iterable[str] | None = None, *, draws: int | None = None,
            seed: int | None = None, lang: str | None = None) -> pd.DataFrame:
    """Key metrics of several scenarios side by side.

    Parameters
    ----------
    results_or_scenarios : sequence or mapping of Result or Scenario
        What to compare, in order; a mapping gives each its column name (default the
        scenario's ``name``, numbered ``#2``... when repeated). A scenario is evaluated
        (deterministic) or, with ``draws``, simulated; a result is taken as it is.
    metrics : list of str or comma-separated str, optional
        Metric names (:data:`fundmodel.catalog.METRICS`); default :data:`DEFAULT_METRICS`.
    draws, seed : int, optional
        Monte Carlo draws and seed for the scenarios given (default: deterministic). The same
        seed for every scenario gives them common random numbers where their distributions
        agree; without a seed each uses its ``simulation.seed``.
    lang : {'en', 'zh'}, optional
        Label the metrics (with their units), statistics and axes; default identifiers.

    Returns
    -------
    DataFrame
        One row per metric (index ``metric``); columns ``(scenario, statistic)``: ``value``
        for a deterministic result, ``mean``, ``p5`` and ``p95`` for a Monte Carlo one (a 0/1
        metric's mean is a probability; its p5 and p95 are NaN). Units: the catalogue's
        (``Result.describe``). ``attrs["runs"]``: each column's kind, draws and seed.

    Raises
    ------
    ScenarioError
        For an unknown metric (with a suggestion); anything :func:`fundmodel.simulate` raises.
    """
    if lang is not None:
        check_lang(lang)
    pairs = _named(results_or_scenarios)
    if not pairs:
        raise ScenarioError([Issue("", "give at least one scenario or result", "compare")])
    results = []
    for name, x in pairs:
        if isinstance(x, Scenario):
            x = _run(x, draws, seed)
        elif not isinstance(x, Result):
            raise TypeError(f"compare takes results or scenarios, got {type(x).__name__}")
        results.append((name, x))
    known = [m for m in results[0][1].summary().index
             if all(m in r.summary().index for _, r in results[1:])]
    names = _metric_list(metrics, DEFAULT_METRICS, known)
    columns: dict[tuple[str, str], list[float]] = {}
    for name, result in results:
        stats = _statistics(result, names)
        for stat in stats[names[0]]:
            columns[(name, stat)] = [stats[m][stat] for m in names]
    frame = pd.DataFrame(columns, index=pd.Index(names, name="metric"))
    frame.columns.names = ["scenario", "statistic"]
    if lang is not None:
        frame = localize_comparison(frame, lang, axis_metric="index")
    frame.attrs["runs"] = {name: {"kind": r.info.get("kind"), "draws": r.n_draws,
                                  "seed": r.info.get("seed")} for name, r in results}
    return frame


def comparison_in_money_unit(frame: pd.DataFrame, money_unit: str,
                             axis_metric: str) -> pd.DataFrame:
    """``frame`` (a :func:`compare` or :func:`lever_table` table, its metrics on the
    ``axis_metric`` axis: ``"index"`` or ``"columns"``) with every statistic of a sum of money
    in ``money_unit`` (:func:`fundmodel.labels.money_scale`), as a copy; in CNY the frame
    itself."""
    from ..labels import check_money_unit, money_scale, output_unit

    if check_money_unit(money_unit) == "CNY":
        return frame
    out = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        if axis_metric == "index":
            k = pd.Series([money_scale(m, output_unit(m), money_unit)[0] for m in frame.index],
                          index=frame.index, dtype=float)
        else:
            k = money_scale(column[0], output_unit(column[0]), money_unit)[0]
        out[column] = frame[column] / k
    return out


def localize_comparison(frame: pd.DataFrame, lang: str, axis_metric: str,
                        money_unit: str = "CNY") -> pd.DataFrame:
    """Labels for the metrics (with units, sums of money in ``money_unit``), the statistics,
    ``baseline`` and the axes."""
    out = frame.copy()
    cols = out.columns
    if axis_metric == "index":
        out.index = pd.Index([header(m, lang, money_unit=money_unit) for m in out.index],
                             name=label("metric", lang))
        out.columns = pd.MultiIndex.from_tuples(
            [(s, _stat_label(t, lang)) for s, t in cols],
            names=[label("scenario", lang), label("statistic", lang)])
    else:
        out.index = pd.Index([label(s, lang) if s == "baseline" else s for s in out.index],
                             name=label("step", lang))
        out.columns = pd.MultiIndex.from_tuples(
            [(header(m, lang, money_unit=money_unit), _stat_label(t, lang)) for m, t in cols],
            names=[label("metric", lang), label("statistic", lang)])
    return out


def _batch_levers(scenario: Scenario, steps: int, each: bool) -> dict[str, np.ndarray] | None:
    """The levers' values of every step as :func:`fundmodel.evaluate_batch` levers, or None
    when a step cannot be one variant of a batch: a path the batch cannot sweep (a count that
    shapes the model, a field the scenario leaves out), a value that is not a plain number, or
    a field that is uncertain in the baseline."""
    from ..inputs.lever_paths import lever_path
    from ..inputs.draws import is_distribution

    columns: dict[tuple, tuple[str, np.ndarray]] = {}
    for i, lever in enumerate(scenario.levers):
        for key, value in lever.set_.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            try:
                path = lever_path(scenario, key)
            except ScenarioError:
                return None
            node: Any = scenario
            for part in path:
                node = node[part] if isinstance(part, int) else getattr(node, part)
            if is_distribution(node) or isinstance(node, bool) \
                    or not isinstance(node, (int, float)):
                return None
            if path not in columns:
                columns[path] = (key, np.full(steps, float(node)))
            values = columns[path][1]
            if each:
                values[i + 1] = value
            else:
                values[i + 1:] = value
    return {key: values for key, values in columns.values()}


def lever_table(scenario: Scenario, draws: int | None = None, each: bool = False, *,
                seed: int | None = None, metrics: str | Iterable[str] | None = None,
                lang: str | None = None) -> pd.DataFrame:
    """The scenario's levers step by step: key metrics and the change from the row before.

    Rows: the baseline (the scenario as written), then each lever of ``scenario.levers`` added
    on top of the ones before it, in order (``each=False``); or each lever alone against the
    baseline (``each=True``, the change is then from the baseline).

    Deterministic (``draws`` None): when every lever sets plain numbers on fields the engine
    reads per draw, all steps are variants of one :func:`fundmodel.evaluate_batch` call (one
    engine call; the same bits as evaluating each step); otherwise each step is evaluated in
    turn (a loop over the few steps, never over draws). ``frame.attrs["engine"]`` says which
    (``"batch"`` or ``"per step"``). With ``draws``, each step is simulated with the same seed
    (common random numbers: the levers' differences are not blurred by sampling noise).

    Parameters
    ----------
    scenario : Scenario
        A scenario with ``levers`` (loaded by :func:`fundmodel.load_scenario`, which checks
        every step; one validated from a dict is checked here).
    draws : int, optional
        Monte Carlo draws per step (default: deterministic).
    each : bool
        Each lever alone against the baseline instead of cumulatively.
    seed : int, optional
        Seed for every step (default ``scenario.simulation.seed``; if that is None, one fresh
        seed, recorded in ``frame.attrs["seed"]``).
    metrics : list of str or comma-separated str, optional
        Default :data:`LEVER_METRICS`.
    lang : {'en', 'zh'}, optional
        Label the metrics, statistics, ``baseline`` and axes; lever names stay as written.

    Returns
    -------
    DataFrame
        Index ``step``: ``baseline``, then the lever names. Columns ``(metric, statistic)``:
        ``value`` and ``change`` (deterministic), or ``mean``, ``p5``, ``p95`` and ``change``
        (of the mean) with draws; the baseline's change is NaN. ``attrs``: ``engine``,
        ``draws``, ``seed``, ``each``.

    Raises
    ------
    ScenarioError
        If the scenario has no levers, a metric is unknown, or (``each=True``) a lever alone
        does not make a valid scenario.
    """
    from .api import evaluate, evaluate_batch, simulate
    from ..scenario.validate import lever_steps

    if lang is not None:
        check_lang(lang)
    if not scenario.levers:
        raise ScenarioError([Issue("levers", "the scenario has no levers: add a levers "
                                   "section (see docs/levers.md)", scenario.name)])
    steps = [scenario, *lever_steps(scenario, each)]
    labels = ["baseline", *(lever.name for lever in scenario.levers)]
    engine = "per step"
    if draws is None:
        batch = _batch_levers(scenario, len(steps), each)
        if batch is not None:
            engine = "batch"
            result = evaluate_batch(scenario, batch)
            names = _metric_list(metrics, LEVER_METRICS, list(result.metrics.columns))
            rows = [{m: {"value": float(result.metric(m)[j])} for m in names}
                    for j in range(len(steps))]
        else:
            results = [evaluate(s) for s in steps]
    else:
        if seed is None:
            seed = scenario.simulation.seed
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
        results = [simulate(s, draws, seed, bands=False) for s in steps]
    if engine == "per step":
        names = _metric_list(metrics, LEVER_METRICS, list(results[0].summary().index))
        rows = [_statistics(r, names) for r in results]
    log.debug("lever_table %s: %d step(s), %s", scenario.name, len(steps), engine)
    main = "value" if draws is None else "mean"
    columns: dict[tuple[str, str], list[float]] = {}
    for m in names:
        for stat in rows[0][m]:
            columns[(m, stat)] = [row[m][stat] for row in rows]
        values = columns[(m, main)]
        columns[(m, "change")] = [np.nan] + [
            values[j] - values[0 if each else j - 1] for j in range(1, len(rows))]
    frame = pd.DataFrame(columns, index=pd.Index(labels, name="step"))
    frame.columns.names = ["metric", "statistic"]
    if lang is not None:
        frame = localize_comparison(frame, lang, axis_metric="columns")
    frame.attrs.update({"engine": engine, "draws": draws, "seed": seed, "each": bool(each)})
    return frame
