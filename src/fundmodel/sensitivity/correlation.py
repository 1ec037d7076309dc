"""Spearman rank correlations of the metrics with the inputs, over the draws of a run."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ModelError
from .space import check_metric

__all__ = ["rank_correlations"]

_YEAR_COLUMN = re.compile(r"^(?P<name>.+)@(?P<year>\d+)$")


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks down the columns of ``a`` ``(n, m)``, ties given their average rank."""
    from scipy.stats import rankdata  # here: scipy.stats takes ~0.5 s to load

    return rankdata(a, axis=0).astype(float) if a.shape[0] else a.astype(float)


def _factor_table(inputs: pd.DataFrame) -> pd.DataFrame:
    """One column per input: an input drawn each year (``<path>@1`` …) becomes the mean of its
    years in each draw."""
    groups: dict[str, list[str]] = {}
    for column in inputs.columns:
        match = _YEAR_COLUMN.match(column)
        groups.setdefault(match.group("name") if match else column, []).append(column)
    return pd.DataFrame({name: inputs[cols[0]] if len(cols) == 1 else inputs[cols].mean(axis=1)
                         for name, cols in groups.items()}, index=inputs.index)


def rank_correlations(result, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Spearman's rank correlation ρ of each metric with each uncertain input over the draws.

    ρ is Pearson's correlation of the ranks (ties at their average rank), computed for all
    inputs at once; draws where a metric is undefined (NaN) are left out for that metric. The
    p-value is two-sided, from ``t = ρ √((n − 2) / (1 − ρ²))`` with n − 2 degrees of freedom
    (as :func:`scipy.stats.spearmanr`). An input drawn each year enters as the mean of its
    years in each draw. ρ measures a monotone association, not a cause: with correlated inputs
    (``simulation.correlations``) an input correlated with a driver shows a ρ of its own.

    Parameters
    ----------
    result : Result
        A Monte Carlo run with its draws kept (``simulate(..., keep_draws=True)``).
    metrics : sequence of str, optional
        Default: every metric of the run.

    Returns
    -------
    DataFrame
        Tidy, one row per metric and input: columns ``metric``, ``input`` (the path as
        ``--set`` writes it), ``rho``, ``p_value`` and ``n`` (draws used); within each metric
        (in the order asked) the inputs by |ρ|, largest first. ρ is NaN where the metric or
        the input is the same in every draw.

    Raises
    ------
    ModelError
        For a run without kept draws, of fewer than 3 draws, without uncertain inputs, or an
        unknown metric (with the catalogue's "did you mean").
    """
    if result.info.get("kind") != "monte_carlo":
        raise ModelError("rank correlations need a Monte Carlo run (fundmodel.simulate), not "
                         "a single evaluation")
    if not result.has_draws:
        raise ModelError("rank correlations need the per-draw values: run simulate() with "
                         "keep_draws=True")
    inputs = _factor_table(result.inputs)
    if inputs.shape[1] == 0:
        raise ModelError(f"scenario {result.scenario.name!r} has no uncertain inputs: no input "
                         "drives its results")
    table = result.metrics
    names = list(table.columns) if metrics is None else list(metrics)
    for name in names:
        check_metric(name)
        if name not in table.columns:
            raise ModelError(f"{name!r} is not a per-draw metric of this run")
    x = inputs.to_numpy(dtype=float)
    rows = []
    for name in names:                       # a loop over metrics; the draws are vectorised
        y = table[name].to_numpy(dtype=float)
        keep = ~np.isnan(y)
        n = int(keep.sum())
        if n < 3:
            rho = np.full(x.shape[1], np.nan)
        else:
            rx = _ranks(x[keep])
            ry = _ranks(y[keep, None])[:, 0]
            rx -= rx.mean(axis=0)
            ry -= ry.mean()
            with np.errstate(invalid="ignore", divide="ignore"):
                rho = (rx * ry[:, None]).sum(axis=0) / np.sqrt(
                    (rx ** 2).sum(axis=0) * (ry ** 2).sum())
            rho = np.clip(rho, -1.0, 1.0)
        p = _p_values(rho, n)
        block = pd.DataFrame({"metric": name, "input": inputs.columns, "rho": rho,
                              "p_value": p, "n": n})
        order = np.argsort(-np.abs(np.nan_to_num(rho, nan=-1.0)), kind="stable")
        rows.append(block.iloc[order])
    frame = pd.concat(rows, ignore_index=True)
    frame.attrs["draws"] = result.n_draws
    return frame


def _p_values(rho: np.ndarray, n: int) -> np.ndarray:
    """Two-sided p-values of ρ under independence: Student's t with n − 2 degrees of
    freedom."""
    if n < 3:
        return np.full(rho.shape, np.nan)
    from scipy.special import stdtr

    with np.errstate(divide="ignore", invalid="ignore"):
        t = rho * np.sqrt((n - 2) / ((1.0 - rho) * (1.0 + rho)))
    return np.where(np.isnan(rho), np.nan, 2.0 * stdtr(n - 2, -np.abs(t)))
