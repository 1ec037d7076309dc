"""Variance-based sensitivity: Sobol indices with SALib, every sample in one engine call."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from ..inputs.basecase import checked_point_estimate
from ..errors import FundmodelError, ModelError
from ..scenario import Scenario
from ..scenario.distributions import PointEstimate
from ..io.limits import MAX_DRAWS
from .space import check_metric, factor_values, metric_values, problem, require_factors

__all__ = ["sobol"]

log = logging.getLogger("fundmodel")

SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


def _salib():
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise FundmodelError("Sobol indices need SALib: pip install 'fundmodel[sensitivity]'"
                             ) from None
    return sample, analyze


def sobol(scenario: Scenario, metric: str, n: int = 1024, seed: int | None = None,
          calc_second_order: bool = False, *, ignore_correlations: bool = False,
          point_estimate: PointEstimate | None = None) -> pd.DataFrame:
    """First- and total-order Sobol indices of one metric for every uncertain input.

    The inputs are the variables of :func:`fundmodel.sensitivity.problem`: uniform numbers
    in [0, 1], each mapped to its input's value by the distribution's inverse CDF (clipped
    away from 0 and 1 as the sampler does). SALib's Saltelli scheme on a scrambled Sobol
    sequence gives ``n × (k + 2)`` samples (``n × (2k + 2)`` with second order) for k
    inputs; they are computed in one :func:`fundmodel.evaluate_batch` call and SALib's
    estimators (Saltelli 2010 for S1, Jansen for ST) give the indices, with bootstrap
    confidence intervals (95 %, 100 resamples). ``S1_i`` is the share of the metric's
    variance due to input i alone, ``ST_i`` including its interactions; for an additive
    model ``ST_i = S1_i`` and ``Σ S1_i = 1``. An input drawn each year takes the same quantile
    in every year.

    Parameters
    ----------
    scenario : Scenario
    metric : str
        A per-draw metric.
    n : int
        Base sample size, a power of 2 (SALib's Sobol sequence; default 1,024).
    seed : int, optional
        Seeds the scrambling and the bootstrap (default ``simulation.seed``, else 0).
    calc_second_order : bool
        Also the second-order indices (in ``attrs["S2"]`` and ``attrs["S2_conf"]``, DataFrames
        input × input).
    ignore_correlations : bool
        Sobol indices assume independent inputs. A scenario with ``simulation.correlations``
        is refused unless this is True; then the correlations are ignored (a warning is
        logged and put in ``attrs["warnings"]``).
    point_estimate : {'mean', 'median', 'mode'}, optional
        The point of the inputs that are not factors (those drawn per household, see
        :mod:`fundmodel.sensitivity.space`); default the scenario's.

    Returns
    -------
    DataFrame
        Index ``input``, columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (the conf columns
        are half-widths of the 95 % intervals), sorted by ST, largest first. NaN indices when
        the metric is the same in every sample (no variance to share;
        ``attrs["note"]`` says so). ``attrs``: ``metric``, ``n``, ``samples``, ``seed``,
        ``warnings``.

    Raises
    ------
    ModelError
        For an unknown metric, n not a power of 2, a scenario without uncertain inputs, with
        correlated inputs (unless ``ignore_correlations``), or a metric undefined (NaN) in
        some samples.
    FundmodelError
        When SALib is not installed.
    """
    check_metric(metric)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        raise ModelError(f"n must be a power of 2 of at least 2 (the Sobol sequence's "
                         f"balance), got {n!r}")
    found = require_factors(scenario)
    how = checked_point_estimate(scenario, point_estimate)
    notes: list[str] = []
    if scenario.simulation.correlations is not None:
        names = ", ".join(scenario.simulation.correlations.inputs)
        text = (f"Sobol indices assume independent inputs, and simulation.correlations "
                f"correlates {names}")
        if not ignore_correlations:
            raise ModelError(f"{text}: use the rank correlations of a Monte Carlo run (which "
                             "keep the correlations), or ignore_correlations=True to compute "
                             "them as if independent")
        notes.append(f"{text}; they are ignored here")
        log.warning(notes[-1])
    if seed is None:
        seed = scenario.simulation.seed if scenario.simulation.seed is not None else 0
    k = len(found)
    samples = n * (2 * k + 2 if calc_second_order else k + 2)
    if samples > MAX_DRAWS:
        raise ModelError(f"{samples:,} samples (n × (k + 2)) exceed {MAX_DRAWS:,}: use a "
                         "smaller n")
    sample, analyze = _salib()
    space = problem(scenario)
    u = sample.sample(space, int(n), calc_second_order=calc_second_order, seed=int(seed))
    values = factor_values(found, u)
    from ..run.batch import evaluate_batch

    result = evaluate_batch(scenario, values, point_estimate=how)
    y = metric_values(result, metric)
    undefined = int(np.isnan(y).sum())
    if undefined:
        raise ModelError(f"{metric} is undefined (NaN) in {undefined:,} of {samples:,} "
                         "samples; Sobol indices need a value in every sample")
    index = pd.Index([f.name for f in found], name="input")
    if np.all(y == y[0]):
        frame = pd.DataFrame(np.nan, index=index, columns=list(SOBOL_COLUMNS))
        frame.attrs["note"] = f"{metric} is the same in every sample: no variance to share"
        s2 = s2_conf = None
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = analyze.analyze(space, y, calc_second_order=calc_second_order,
                                 print_to_console=False, seed=int(seed))
        frame = pd.DataFrame({c: np.asarray(si[c], dtype=float) for c in SOBOL_COLUMNS},
                             index=index)
        frame = frame.sort_values("ST", ascending=False, kind="stable", na_position="last")
        s2 = s2_conf = None
        if calc_second_order:
            s2 = pd.DataFrame(si["S2"], index=index, columns=index)
            s2_conf = pd.DataFrame(si["S2_conf"], index=index, columns=index)
    frame.attrs.update({"metric": metric, "n": int(n), "samples": samples, "seed": int(seed),
                        "warnings": notes})
    if s2 is not None:
        frame.attrs.update({"S2": s2, "S2_conf": s2_conf})
    log.debug("sobol %s on %s: %d input(s), %d samples", scenario.name, metric, k, samples)
    return frame
