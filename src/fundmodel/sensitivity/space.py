"""The uncertain inputs of a scenario as the factors of a sensitivity analysis: their inverse
CDFs, the SALib problem and the metric read (the factors themselves: :mod:`fundmodel.inputs.factors`).

A *factor* is one distribution of the scenario that has a single value per draw (the columns
of :class:`fundmodel.inputs.sampling.InputSpace`). Inputs drawn for every household separately or
for every compound of a portfolio are not factors. An input drawn anew every year
(``each_year``) is one factor here: the tornado and Sobol set it to the same quantile in every
year (its level, not its year-to-year noise; see docs/sensitivity.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..catalog import lookup
from ..errors import ModelError
from ..inputs.factors import (Factor, factors, input_columns, input_name,  # noqa: F401
                              point_rows)
from ..inputs.sampling import clip_uniforms
from ..scenario import Scenario

__all__ = ["Factor", "factors", "input_name", "input_columns", "point_rows", "problem",
           "factor_values", "require_factors", "metric_values", "check_metric"]


def require_factors(scenario: Scenario) -> list[Factor]:
    """The factors, or a ModelError when the scenario has none."""
    found = factors(scenario)
    if not found:
        raise ModelError(f"scenario {scenario.name!r} has no uncertain inputs (no number is "
                         "written as a distribution), so no input drives its results: write "
                         "one as a distribution, e.g. --set 'PATH={dist: triangular, low: ..., "
                         "mode: ..., high: ...}'")
    return found


def problem(scenario: Scenario) -> dict[str, Any]:
    """The input space as a SALib problem: ``{"num_vars": k, "names": [...], "bounds":
    [[0, 1]] * k, "dists": ["unif"] * k}``. Each variable is the uniform number that a
    factor's inverse CDF maps to its value (:func:`factor_values`)."""
    names = [f.name for f in factors(scenario)]
    k = len(names)
    return {"num_vars": k, "names": names, "bounds": [[0.0, 1.0]] * k, "dists": ["unif"] * k}


def factor_values(found: list[Factor], u: np.ndarray) -> dict[str, np.ndarray]:
    """Each factor's values at the uniform numbers ``u`` ``(N, k)``: its inverse CDF, with
    ``u`` kept inside ``[2⁻⁵⁴, 1 − 2⁻⁵⁴]`` as the sampler keeps it (finite tails)."""
    u = clip_uniforms(np.array(u, dtype=float, ndmin=2))
    return {f.name: np.asarray(f.dist.ppf(u[:, j]), dtype=float) for j, f in enumerate(found)}


def metric_values(result, metric: str) -> np.ndarray:
    """The per-draw (per-variant) values of ``metric``; ModelError for a name the catalogue
    does not know (with its "did you mean") or that this run has no value for."""
    check_metric(metric)
    names = list(result.metrics.columns)
    if metric not in names:
        raise ModelError(f"{metric!r} is not a per-draw metric of this scenario (a yearly line "
                         "or an instrument it does not have); see `Result.metrics` for the "
                         "metrics")
    return np.asarray(result.metrics[metric], dtype=float)


def check_metric(metric: str) -> None:
    """ModelError for a metric name the catalogue does not know (with its "did you mean")."""
    try:
        lookup(metric)
    except KeyError as exc:
        raise ModelError(exc.args[0]) from None
