"""A programme's (district's) pooled debt under stress: the evaluation of
:mod:`fundmodel.evaluation.stress` for a scenario with a ``portfolio`` section, whose bond is
written ``pooled: true`` — its cover is the package's (``PortfolioResult.programme``).

The district at the point estimates is :func:`fundmodel.portfolio.evaluation.evaluate_portfolio`
(one run of every compound); a shock is one such run, a break-even factor a root of the cover
found by Brent's method over such runs (the cover is monotone in a factor), P(cover <
threshold) the share of a Monte Carlo run's draws, and the reverse stress test reads the
inputs every compound shares (those drawn per compound have no single value per draw).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError
from .debts import cover_basis, pooled_debts

__all__ = ["programme_grid", "programme_break_even", "programme_inputs", "programme_checks"]


def _require(scenario) -> list[str]:
    labels = pooled_debts(scenario)
    if not labels:
        raise ModelError(f"{scenario.name} is a district without a pooled debt (a programme "
                         "bond or loan written pooled: true): its compounds' own debts are "
                         "evaluated one compound at a time (fundmodel.scenario.portfolio."
                         "one_compound)")
    return labels


def _programme_point(scenario, shocks=()) -> pd.Series:
    from ..portfolio.evaluation import evaluate_portfolio
    shocked = scenario if not shocks else scenario.model_copy(
        update={"shocks": [*scenario.shocks, *shocks]})
    return evaluate_portfolio(shocked).programme.iloc[0]


def programme_grid(scenario, grid, metrics) -> pd.DataFrame:
    """The pooled debts' ``metrics`` (``debt[<label>].<metric>``) in the base case and under
    each shock of ``grid`` alone, one district run each, at the point estimates."""
    labels = _require(scenario)
    names = [f"debt[{label}].{m}" for label in labels for m in metrics]
    rows = {"base": _programme_point(scenario)[names].astype(float).tolist()}
    for row in grid:
        problems = list(row.shock().problems_in(scenario))
        if problems:
            raise ModelError(f"stress shock {row.label!r}: {problems[0][0]}")
        rows[row.label] = _programme_point(scenario, [row.shock()])[names].astype(float).tolist()
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=names)
    frame.index.name = "shock"
    return frame


def programme_break_even(scenario, thresholds, targets) -> pd.DataFrame:
    """The factor on each target at which each pooled debt's cover (its basis) equals each
    threshold, by Brent's method over district runs at the point estimates (NaN when no
    factor in [0.001, 100] reaches it)."""
    from scipy.optimize import brentq

    from ..scenario.shocks import Shock
    rows = []
    for target in targets:
        for label in _require(scenario):
            metric = f"debt[{label}].{cover_basis(scenario, label)}"

            def cover(f: float) -> float:
                return float(_programme_point(scenario, [Shock(target=target, factor=f)])
                             [metric])
            base = cover(1.0)
            ends = {0.001: cover(0.001), 100.0: cover(100.0)}   # the brackets' far ends
            for threshold in thresholds:
                factor = 1.0 if base == threshold else float("nan")
                for far in ((100.0, 0.001) if base != threshold else ()):
                    a, b = base - threshold, ends[far] - threshold
                    if np.isfinite(b) and a * b < 0:
                        lo, hi = sorted((1.0, far))
                        factor = brentq(lambda f: cover(f) - threshold, lo, hi, xtol=1e-10,
                                        rtol=1e-12)
                        break
                rows.append({"debt": label, "target": target,
                             "basis": cover_basis(scenario, label),
                             "threshold": float(threshold), "cover_base": base,
                             "factor": factor, "change": factor - 1.0})
    return pd.DataFrame(rows)


def programme_inputs(scenario, draws: int, seed: int, sampler: str) -> pd.DataFrame:
    """The values of the inputs every compound shares, per draw of a district run of these
    ``draws``, ``seed`` and ``sampler`` (the values its tiles drew), one column per input named
    as ``--set`` writes it; an input drawn each year has a column per year."""
    from ..inputs.factors import input_name
    from ..inputs.sampling import input_space, sample_values
    space = input_space(scenario)
    table = scenario.portfolio.table
    values = sample_values(space, seed, sampler, 0, draws, draws, list(table.ids[:1]))
    columns = {}
    for path in space.paths:
        v = np.asarray(values[path])
        if v.ndim == 1:
            columns[input_name(scenario, path)] = v
        elif v.ndim == 2 and not hasattr(values[path], "compounds"):
            for t in range(v.shape[1]):
                columns[f"{input_name(scenario, path)}@{t + 1}"] = v[:, t]
    return pd.DataFrame(columns)


def programme_checks(scenario) -> pd.DataFrame:
    """The debt system's checks a programme's pooled debt can be given from the district at
    the point estimates: its term and its cover, the package's
    (:func:`~fundmodel.evaluation.checks.term_and_cover`); the principal repaid is the
    compounds' (not checked here)."""
    from .checks import as_frame, check_row, term_and_cover
    point = _programme_point(scenario)
    pooled = pooled_debts(scenario)
    rows = []
    for r, (rule, label) in enumerate(zip(scenario.funding, scenario.funding_labels())):
        if label not in pooled:
            continue
        at = f"funding[{r}]"
        basis = cover_basis(scenario, label)
        rows.append(check_row(label, "principal_repaid", "not checked", np.nan, np.nan, at,
                         "each compound repays its share (one_compound(sc, i) checks one)"))
        rows += term_and_cover(label, rule, at, scenario.horizon_years, basis,
                               float(point[f"debt[{label}].{basis}"]), "the package's")
    return as_frame(rows)
