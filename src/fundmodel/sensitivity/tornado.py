"""One input at a time: the tornado chart's table."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..inputs.basecase import checked_point_estimate
from ..errors import ModelError
from ..scenario import Scenario
from ..scenario.distributions import PointEstimate
from .space import check_metric, metric_values, require_factors

__all__ = ["tornado"]

log = logging.getLogger("fundmodel")

TORNADO_COLUMNS = ("low_value", "high_value", "metric_low", "metric_high", "base", "swing")


def tornado(scenario: Scenario, metric: str, *, low: float = 0.10, high: float = 0.90,
            point_estimate: PointEstimate | None = None) -> pd.DataFrame:
    """How far one metric moves when each uncertain input alone goes from a low to a high
    quantile, every other input at its point estimate.

    Input i is set to ``ppf_i(low)`` and to ``ppf_i(high)`` (its distribution's inverse CDF);
    with k inputs the 2k + 1 variants (the base case, k lows, k highs) are computed in one
    :func:`fundmodel.evaluate_batch` call. An input drawn each year takes its quantile in
    every year. Correlations between inputs (``simulation.correlations``) are not used: one
    input moves, the others stay at their points.

    Parameters
    ----------
    scenario : Scenario
    metric : str
        A per-draw metric (``breakeven_fee_rate``, ``capex_total``...).
    low, high : float
        The quantiles, ``0 < low < high < 1`` (default p10 and p90).
    point_estimate : {'mean', 'median', 'mode'}, optional
        The point of the other inputs (default the scenario's ``simulation.point_estimate``).

    Returns
    -------
    DataFrame
        Index ``input`` (the path as ``--set`` writes it), columns ``low_value`` and
        ``high_value`` (the input's quantiles, in its own unit), ``metric_low`` and
        ``metric_high`` (the metric there), ``base`` (the metric with every input at its
        point) and ``swing`` = ``|metric_high − metric_low|`` (the metric's unit); sorted by
        swing, largest first (an undefined swing, NaN, last). ``attrs``: ``metric``, ``low``,
        ``high``, ``point_estimate``.

    Raises
    ------
    ModelError
        For an unknown metric (with the catalogue's "did you mean"), quantiles outside
        ``0 < low < high < 1``, or a scenario without uncertain inputs.
    """
    from ..run.batch import evaluate_batch

    check_metric(metric)
    if not (0.0 < low < high < 1.0):
        raise ModelError(f"the quantiles must satisfy 0 < low < high < 1, got low={low!r}, "
                         f"high={high!r}")
    found = require_factors(scenario)
    how = checked_point_estimate(scenario, point_estimate)
    k = len(found)
    lows = np.array([float(f.dist.ppf(np.array([low]))[0]) for f in found])
    highs = np.array([float(f.dist.ppf(np.array([high]))[0]) for f in found])
    points = np.array([f.dist.point(how) for f in found])
    # variant 0: the base case; 1..k: input i at its low; k+1..2k: input i at its high
    grid = np.tile(points, (2 * k + 1, 1))
    grid[1 + np.arange(k), np.arange(k)] = lows
    grid[1 + k + np.arange(k), np.arange(k)] = highs
    result = evaluate_batch(scenario, {f.name: grid[:, j] for j, f in enumerate(found)},
                            point_estimate=how)
    y = metric_values(result, metric)
    frame = pd.DataFrame({"low_value": lows, "high_value": highs, "metric_low": y[1:k + 1],
                          "metric_high": y[k + 1:], "base": np.full(k, y[0])},
                         index=pd.Index([f.name for f in found], name="input"))
    frame["swing"] = (frame["metric_high"] - frame["metric_low"]).abs()
    frame = frame.sort_values("swing", ascending=False, kind="stable", na_position="last")
    frame.attrs.update({"metric": metric, "low": float(low), "high": float(high),
                        "point_estimate": how})
    log.debug("tornado %s on %s: %d input(s)", scenario.name, metric, k)
    return frame
