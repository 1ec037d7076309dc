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

__all__ = ["programme_grid", "programme_break_even", "programme_cover_below",
           "programme_inputs", "programme_checks"]


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
            for threshold in thresholds:
                gap_base = base - threshold
                factor = float("nan")
                for lo, hi in ((1.0, 100.0), (0.001, 1.0)):
                    a, b = cover(lo) - threshold, cover(hi) - threshold
                    if np.isfinite(a) and np.isfinite(b) and a * b <= 0 and a != b:
                        factor = brentq(lambda f: cover(f) - threshold, lo, hi, xtol=1e-10,
                                        rtol=1e-12)
                        break
                    if gap_base == 0:
                        factor = 1.0
                        break
                rows.append({"debt": label, "target": target,
                             "basis": cover_basis(scenario, label),
                             "threshold": float(threshold), "cover_base": base,
                             "factor": factor, "change": factor - 1.0})
    return pd.DataFrame(rows)


def programme_cover_below(result, scenario, thresholds) -> pd.DataFrame:
    """P(cover < threshold) of each pooled debt of ``scenario`` over the draws of its district
    run ``result`` (:func:`fundmodel.simulate_portfolio`: its ``programme`` per draw), as
    :func:`~fundmodel.evaluation.cover_below`."""
    rows = []
    for label in _require(scenario):
        column = f"debt[{label}].{cover_basis(scenario, label)}"
        values = result.programme[column].to_numpy(dtype=float)
        defined = values[~np.isnan(values)]
        n = defined.size
        for threshold in thresholds:
            p = float((defined < threshold).mean()) if n else float("nan")
            rows.append({"debt": label, "basis": cover_basis(scenario, label),
                         "threshold": float(threshold), "probability": p,
                         "mcse": float(np.sqrt(p * (1 - p) / n)) if n else float("nan"),
                         "draws": n})
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
    the point estimates: its term (within the operating years, ≤ 30 years, ≤ the assets'
    life), its cover (≥ 1.1, plausible); the principal repaid is the compounds' (not
    checked here)."""
    from .checks import COVER_FLOOR, COVER_QUESTIONED, MAX_TERM_YEARS
    point = _programme_point(scenario)
    rows = []
    for r, (rule, label) in enumerate(zip(scenario.funding, scenario.funding_labels())):
        if label not in pooled_debts(scenario):
            continue
        at = f"funding[{r}]"
        term = rule.term_years
        life = getattr(rule, "asset_life_years", None)
        basis = cover_basis(scenario, label)
        cover = float(point[f"debt[{label}].{basis}"])
        rows += [
            {"debt": label, "check": "principal_repaid", "status": "not checked",
             "value": np.nan, "limit": np.nan, "path": at,
             "message": "each compound repays its share (one_compound(sc, i) checks one)"},
            {"debt": label, "check": "revenue_within_operation",
             "status": "pass" if term <= scenario.horizon_years else "fail", "value": term,
             "limit": scenario.horizon_years, "path": f"{at}.term_years",
             "message": f"a term of {term} years within {scenario.horizon_years} "
                        "operating years"},
            {"debt": label, "check": "term_limit",
             "status": "pass" if term <= MAX_TERM_YEARS else "fail", "value": term,
             "limit": MAX_TERM_YEARS, "path": f"{at}.term_years",
             "message": f"a term of {term} years (at most {MAX_TERM_YEARS})"},
            {"debt": label, "check": "term_within_asset_life",
             "status": "not checked" if life is None else ("pass" if term <= life else "fail"),
             "value": term, "limit": life, "path": f"{at}.asset_life_years",
             "message": "give asset_life_years to check the term against the assets' life"
             if life is None else f"a term of {term} years for assets of {life} years"},
            {"debt": label, "check": "cover_floor",
             "status": "pass" if cover >= COVER_FLOOR else "fail", "value": cover,
             "limit": COVER_FLOOR, "path": at,
             "message": f"the package's {basis.replace('_', ' ')} {cover:.2f} "
                        f"(at least {COVER_FLOOR:g})"},
            {"debt": label, "check": "cover_plausible",
             "status": "question" if cover > COVER_QUESTIONED else "pass", "value": cover,
             "limit": COVER_QUESTIONED, "path": f"{at}.pledged",
             "message": f"the package's {basis.replace('_', ' ')} {cover:.2f}"}]
    out = pd.DataFrame(rows)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out["limit"] = pd.to_numeric(out["limit"], errors="coerce")
    return out
