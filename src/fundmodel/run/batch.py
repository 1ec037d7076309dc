"""Batched evaluation: many variants of one scenario in one engine call.

A *lever* is a number field of the scenario, named by the same dotted path as the CLI's
``--set`` (``operations.property_fee.rate_per_m2_month``, ``funding[residents].uptake``,
``renovation.items[roof waterproofing].unit_cost``), swept over an array of values. Variant i
sets every lever to its i-th value and every other uncertain input to its point estimate; the
variants are the engine's draw axis, so k variants cost one engine call, not k. Goal seeking and
budget optimisation stand on this (see docs/model.md).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import numpy as np

from ..inputs.basecase import base_case
from ..inputs.draws import realise
from ..inputs.lever_paths import checked_lever_values, lever_path
from ..engine.model import run_model
from ..errors import Issue, ScenarioError
from ..inputs import compile_inputs
from ..results.result import Result
from ..scenario import Scenario
from ..scenario.distributions import PointEstimate
from ..io.limits import MAX_DRAWS
from ..io.paths import Path

__all__ = ["evaluate_batch", "lever_path"]  # lever_path: from inputs.lever_paths

log = logging.getLogger("fundmodel")

def evaluate_batch(scenario: Scenario, levers: Mapping[str, Any],
                   point_estimate: PointEstimate | None = None) -> Result:
    """Evaluate many variants of one scenario in one engine call.

    Variant i sets every lever to its i-th value; every uncertain input that is not a lever is
    at its point estimate (as in :func:`fundmodel.evaluate`). Variant i gives, to the bit, what
    ``evaluate`` gives for the scenario loaded with ``--set <path>=<values[i]>`` for every lever.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    levers : mapping of str to array_like
        Dotted field path (as the CLI's ``--set``: ``operations.property_fee.rate_per_m2_month``,
        ``funding[residents].uptake``) → values ``(k,)``, the same k for every lever (a
        single value is used in every variant). A lever is a number field that may be written
        as a distribution; one that is a distribution in the scenario takes the given values
        instead. For a grid of two levers, pass ``np.meshgrid(a, b)`` flattened.
    point_estimate : {'mean', 'median', 'mode'}, optional
        The point of the other uncertain inputs; default ``scenario.simulation.point_estimate``.

    Returns
    -------
    Result
        One "draw" per variant (``result.n_draws == k``; ``info["kind"] == "batch"``,
        ``info["levers"]`` the lever paths, ``info["variants"]`` k). ``result.metric(name)`` is
        the metric of every variant ``(k,)`` (what solvers read); ``result.metrics`` one row
        per variant (index ``variant``), the levers' values first, then every metric.

    Raises
    ------
    ScenarioError
        For a lever path that does not exist or cannot be swept, values that are not finite,
        not one-dimensional or outside the field's range (the message says which value and
        gives the range, as the scenario file's own check does), levers of different lengths,
        or more than :data:`~fundmodel.io.limits.MAX_DRAWS` variants. Each issue names
        the lever's path.
    """
    if not isinstance(levers, Mapping) or not levers:
        raise ScenarioError([Issue("", "give at least one lever: a mapping of field paths to "
                                   "arrays of values", "levers")])
    how, warnings, inputs = base_case(scenario, point_estimate)
    paths: dict[Path, np.ndarray] = {}
    shown: dict[Path, str] = {}            # each lever as the caller named it
    for text, values in levers.items():
        path = lever_path(scenario, text)
        if path in paths:
            raise ScenarioError([Issue(text, f"this field is given twice (as {shown[path]} "
                                       "too)", "levers")])
        paths[path] = checked_lever_values(scenario, path, values, text)
        shown[path] = text
    longest = max(paths, key=lambda p: paths[p].size)
    k = paths[longest].size
    for path, a in paths.items():
        if a.size not in (1, k):
            raise ScenarioError([Issue(shown[path], f"{a.size:,} values, but {shown[longest]} "
                                       f"has {k:,}: every lever needs one value per variant "
                                       "(or a single value)", "levers")])
    if k > MAX_DRAWS:
        raise ScenarioError([Issue(next(iter(shown.values())), f"at most {MAX_DRAWS:,} "
                                   f"variants in one call, got {k:,}", "levers")])
    inputs.update(paths)                   # the levers replace their point values
    log.debug("evaluate_batch %s: %d variant(s) of %s", scenario.name, k,
              ", ".join(shown.values()))
    output = run_model(compile_inputs(realise(scenario, inputs), k))
    names = list(shown.values())
    return Result.from_output(
        scenario, output,
        info={"kind": "batch", "draws": k, "variants": k, "levers": names,
              "point_estimate": how, "warnings": warnings},
        levers={shown[p]: np.broadcast_to(a, (k,)) for p, a in paths.items()})
