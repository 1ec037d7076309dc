"""Stress tests of a scenario's debts: the grid a bond's financial evaluation shows (revenue
−10 % and −20 %, cost +10 % and +20 %, the rate +100 bp), the sensitivity coefficient of each
factor, the break-even shocks and the chance that the cover falls below a threshold
(docs/bond-evaluation.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..scenario import Scenario
from ..scenario.shocks import Shock
from .debts import cover_basis, debt_labels

__all__ = ["StressShock", "STANDARD_GRID", "COVER_METRICS", "stress_grid", "break_even",
           "cover_below", "debt_labels", "cover_basis"]

log = logging.getLogger("fundmodel")


@dataclass(frozen=True)
class StressShock:
    """One row of a stress grid: a :class:`~fundmodel.scenario.shocks.Shock` with a name."""

    label: str
    target: str
    factor: float | None = None
    add: float | None = None
    years: int | None = None
    """A delay of the operation, years (``target: delay``)."""
    zh: str = ""
    """Its name in Chinese (default: ``label``)."""

    def shock(self) -> Shock:
        return Shock(target=self.target, factor=self.factor, add=self.add, years=self.years,
                     label=self.label)

    @property
    def identity(self) -> float:
        """The value of its lever that changes nothing (1 for a factor, 0 for a shift)."""
        return 1.0 if self.factor is not None else 0.0

    @property
    def value(self) -> float:
        if self.years is not None:
            return float(self.years)
        return float(self.factor if self.factor is not None else self.add)


STANDARD_GRID = (
    StressShock("revenue −10 %", "income", factor=0.9, zh="收入下降10%"),
    StressShock("revenue −20 %", "income", factor=0.8, zh="收入下降20%"),
    StressShock("cost +10 %", "costs", factor=1.1, zh="成本上升10%"),
    StressShock("cost +20 %", "costs", factor=1.2, zh="成本上升20%"),
    StressShock("rate +100 bp", "rates", add=0.01, zh="利率上升100个基点"),
    StressShock("delay 1 year", "delay", years=1, zh="运营推迟1年"),
)
"""The shocks reviewers expect."""

COVER_METRICS = ("coverage_gross", "coverage_net", "min_dscr", "llcr", "meets_coverage")
"""Each debt's metrics a stress grid shows (``debt[<label>].<metric>``)."""


def _with_identity_shocks(scenario: Scenario, grid) -> tuple[Scenario, list[str]]:
    """The scenario with each shock of ``grid`` appended at its identity (a factor of 1, a
    shift of 0: no bit changes), and the lever path of each."""
    shocks, paths = [], []
    first = len(scenario.shocks)
    for j, row in enumerate(grid):
        shock = row.shock()
        problems = list(shock.problems_in(scenario))
        if problems:
            raise ModelError(f"stress shock {row.label!r}: {problems[0][0]}")
        shocks.append(shock.model_copy(update={"factor" if row.factor is not None else "add":
                                               row.identity}))
        paths.append(f"shocks[{first + j}].{'factor' if row.factor is not None else 'add'}")
    return scenario.model_copy(update={"shocks": [*scenario.shocks, *shocks]}), paths


def stress_grid(scenario: Scenario, grid=STANDARD_GRID, *, point_estimate=None
                ) -> pd.DataFrame:
    """Each debt's cover with every shock of ``grid`` alone, at the point estimates.

    The base case and the k shocks are k + 1 variants of one
    :func:`fundmodel.evaluate_batch` call: the scenario with the grid's shocks appended at
    their identity, variant j setting shock j alone.

    Returns
    -------
    DataFrame
        Index ``shock`` (``base``, then each shock's label), columns ``target``, ``value``
        (the factor or the shift; NaN for the base), then ``debt[<label>].<metric>`` for each
        debt and each of :data:`COVER_METRICS`, and ``coverage_all_debts``. ``attrs["zh"]``:
        each row's name in Chinese. ``attrs["sensitivity"]``: the sensitivity coefficient of
        each shock on each metric, ``(m_shock / m_base − 1) / (Δx / x)`` with ``Δx / x = factor − 1`` for a factor and
        ``add / rate`` (the debt's rate at the point estimate) for a shift of the rates.

    Raises
    ------
    ModelError
        A scenario without a debt, or a shock it cannot take (a line it does not have).
    """
    grid = tuple(grid)
    if scenario.portfolio is not None:           # a programme: its pooled debts
        from .debts import pooled_debts
        from .programme import programme_grid
        frame = programme_grid(scenario, grid, COVER_METRICS)
        return _annotated(frame, scenario, grid, pooled_debts(scenario), point_estimate)
    from ..run.batch import evaluate_batch
    labels = debt_labels(scenario)
    if not labels:
        raise ModelError(f"{scenario.name} has no debt (bank_loan or special_bond) to stress")
    names = [f"debt[{label}].{m}" for label in labels for m in COVER_METRICS]
    names.append("coverage_all_debts")
    scaled = [row for row in grid if row.years is None]      # one batch: a lever each
    shocked, paths = _with_identity_shocks(scenario, scaled)
    k = len(scaled)
    levers = {}
    for j, (row, path) in enumerate(zip(scaled, paths)):
        values = np.full(k + 1, row.identity)
        values[j + 1] = row.value
        levers[path] = values
    if levers:
        batch = evaluate_batch(shocked, levers, point_estimate)
        got = {name: batch.metric(name) for name in names}
    else:
        from ..run.api import evaluate
        got = {name: evaluate(scenario, point_estimate=point_estimate).metric(name)
               for name in names}
    rows = {"base": [got[n][0] for n in names]}
    rows.update({row.label: [got[n][j + 1] for n in names] for j, row in enumerate(scaled)})
    for row in grid:                                         # a delay: a run of its own
        if row.years is not None:
            rows[row.label] = _delayed_metrics(scenario, row, names, point_estimate)
    frame = pd.DataFrame.from_dict(
        {key: rows[key] for key in ["base", *(row.label for row in grid)]}, orient="index",
        columns=names)
    frame.index.name = "shock"
    return _annotated(frame, scenario, grid, labels, point_estimate)


def _annotated(frame: pd.DataFrame, scenario, grid, labels, point_estimate) -> pd.DataFrame:
    """The grid's metrics with each row's target and value, its sensitivity coefficients and
    Chinese names."""
    frame.insert(0, "value", [np.nan, *(row.value for row in grid)])
    frame.insert(0, "target", ["", *(row.target for row in grid)])
    frame.attrs["sensitivity"] = _sensitivity(scenario, grid, frame, labels, point_estimate)
    frame.attrs["zh"] = {"base": "基准", **{row.label: row.zh or row.label for row in grid}}
    return frame


def _delayed_metrics(scenario, row: StressShock, names, point_estimate) -> list[float]:
    from ..run.api import evaluate
    problems = list(row.shock().problems_in(scenario))
    if problems:
        raise ModelError(f"stress shock {row.label!r}: {problems[0][0]}")
    shocked = scenario.model_copy(update={"shocks": [*scenario.shocks, row.shock()]})
    result = evaluate(shocked, point_estimate=point_estimate)
    return [float(result.metric(name)[0]) for name in names]


def _debt_rates(scenario: Scenario, point_estimate=None) -> dict[str, float]:
    from ..inputs.draws import point_values
    points = point_values(scenario, point_estimate)
    rates = {}
    for r, (rule, label) in enumerate(zip(scenario.funding, scenario.funding_labels())):
        if rule.source in ("bank_loan", "special_bond"):
            value = points.get(("funding", r, "rate"))
            rates[label] = float(value[0]) if value is not None else float(rule.rate)
    return rates


def _sensitivity(scenario, grid, frame: pd.DataFrame, labels: list[str],
                 point_estimate) -> pd.DataFrame:
    rates = _debt_rates(scenario, point_estimate)
    metrics = [c for c in frame.columns if c not in ("target", "value")
               and not c.endswith((".meets_coverage", ".min_dscr_year"))]
    base = frame.loc["base", metrics].astype(float)
    rows = {}
    for row in grid:
        moved = frame.loc[row.label, metrics].astype(float) / base - 1.0
        if row.years is not None:              # a delay has no relative change of a factor
            rows[row.label] = moved * np.nan
        elif row.factor is not None:
            rows[row.label] = moved / (row.factor - 1.0)
        else:
            rel = {m: next((row.add / rates[label] for label in labels
                            if m.startswith(f"debt[{label}]") and rates[label] > 0), np.nan)
                   for m in metrics}
            rows[row.label] = moved / pd.Series(rel)
    out = pd.DataFrame(rows).T
    out.index.name = "shock"
    return out


def break_even(scenario: Scenario, thresholds=(1.1, 1.2), *, targets=("income", "costs"),
               point_estimate=None) -> pd.DataFrame:
    """How far each factor may move before a debt's cover falls to each threshold: the factor
    on ``target`` at which ``debt[<label>].coverage_<basis> = threshold``, at the point
    estimates, by :func:`fundmodel.solve` (the basis the debt's ``meets_coverage`` reads: net
    of its pledged costs when it has some, else gross).

    Returns
    -------
    DataFrame
        One row per debt, target and threshold: ``debt``, ``target``, ``basis``,
        ``threshold``, ``cover_base``, ``factor`` (NaN when the cover does not move with
        that target, or no factor in [0, 100] meets it) and ``change`` (``factor − 1``: −0.085
        is "revenue may fall 8.5 %").
    """
    if scenario.portfolio is not None:
        from .programme import programme_break_even
        return programme_break_even(scenario, thresholds, targets)
    from ..run.solve import solve
    from ..errors import FundmodelError
    rows = []
    labels = debt_labels(scenario)
    for target in targets:
        shocked, (path,) = _with_identity_shocks(
            scenario, [StressShock(target, target, factor=1.0)])
        base = None
        for label in labels:
            basis = cover_basis(scenario, label)
            metric = f"debt[{label}].{basis}"
            for threshold in thresholds:
                try:
                    found = solve(shocked, path, f"{metric} = {threshold}", point=True,
                                  point_estimate=point_estimate)
                    factor = float(np.squeeze(found.value))
                except FundmodelError as exc:
                    log.info("break_even %s on %s at %g: %s", metric, target, threshold, exc)
                    factor = float("nan")
                if base is None or metric not in base:
                    from ..run.api import evaluate
                    base = evaluate(shocked).summary()["mean"]
                rows.append({"debt": label, "target": target, "basis": basis,
                             "threshold": float(threshold), "cover_base": float(base[metric]),
                             "factor": factor, "change": factor - 1.0})
    return pd.DataFrame(rows)


def cover_below(result, thresholds=(1.0, 1.1, 1.2), scenario=None) -> pd.DataFrame:
    """The share of the draws of a Monte Carlo ``result`` (kept draws) in which each debt's
    cover (its basis, as :func:`break_even`) is below each threshold, with its standard error
    ``√(p (1 − p) / n)``: one row per debt and threshold (``debt``, ``basis``, ``threshold``,
    ``probability``, ``mcse``, ``draws``). A district's run (``PortfolioResult``) needs its
    ``scenario``: its pooled debts' covers per draw."""
    if scenario is not None and scenario.portfolio is not None:      # a programme
        from .debts import pooled_debts
        labels = pooled_debts(scenario)

        def values_of(name: str) -> np.ndarray:
            return result.programme[name].to_numpy(dtype=float)
    else:
        scenario = result.scenario
        labels, values_of = debt_labels(scenario), result.metric
    rows = []
    for label in labels:
        basis = cover_basis(scenario, label)
        values = values_of(f"debt[{label}].{basis}")
        defined = values[~np.isnan(values)]
        n = defined.size
        for threshold in thresholds:
            p = float((defined < threshold).mean()) if n else float("nan")
            rows.append({"debt": label, "basis": basis, "threshold": float(threshold),
                         "probability": p, "mcse": float(np.sqrt(p * (1 - p) / n)) if n else
                         float("nan"), "draws": n})
    return pd.DataFrame(rows)
