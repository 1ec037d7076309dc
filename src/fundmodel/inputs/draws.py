"""Scenario → draws: the uncertain inputs of a scenario and their values for each draw.

A *realised* scenario is a copy of the scenario in which every distribution has been replaced by
an array of shape ``(n,)`` holding its value in each of ``n`` draws (plain numbers stay plain and
broadcast). The engine computes on realised scenarios only, so a deterministic run (one draw at
the point estimates) and a Monte Carlo run go through exactly the same code.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping

import numpy as np
from pydantic import BaseModel

from ..scenario import Scenario
from ..scenario.distributions import PointEstimate, DistributionBase
from ..io.paths import Path, format_path, iter_distributions

__all__ = ["is_distribution", "uncertain_inputs", "point_values", "realise"]


def is_distribution(value: Any) -> bool:
    """True for a distribution object of a scenario."""
    return isinstance(value, DistributionBase)


def uncertain_inputs(scenario: Scenario) -> dict[Path, Any]:
    """Every distribution in the scenario, keyed by its path, in the order of the file."""
    return dict(iter_distributions(scenario, is_distribution))


def point_values(scenario: Scenario, how: PointEstimate | None = None) -> dict[Path, np.ndarray]:
    """Each distribution's point estimate (``simulation.point_estimate`` unless ``how`` is
    given), as an array of one draw."""
    how = how or scenario.simulation.point_estimate
    return {p: np.array([d.point(how)]) for p, d in uncertain_inputs(scenario).items()}


def _realise(obj: Any, values: dict[Path, Any]) -> Any:
    if () in values:
        return values[()]
    groups: dict[Any, dict[Path, Any]] = defaultdict(dict)
    for path, value in values.items():
        groups[path[0]][path[1:]] = value
    if isinstance(obj, BaseModel):
        return obj.model_copy(update={k: _realise(getattr(obj, k), sub) for k, sub in groups.items()})
    if isinstance(obj, list):
        out = list(obj)
        for i, sub in groups.items():
            out[i] = _realise(obj[i], sub)
        return out
    raise TypeError(f"cannot place a value inside {type(obj).__name__}")


def realise(scenario: Scenario, values: Mapping[Path, np.ndarray],
            complete: bool = False) -> Scenario:
    """A copy of ``scenario`` with the value at each path replaced by the given array.

    Every distribution of the scenario must be given a value, so that the engine never meets a
    distribution object (checked, unless ``complete`` says the values are known to hold one
    for each: those of the scenario's :class:`~fundmodel.inputs.sampling.InputSpace`). A path
    may also name a field written as a plain number (a lever of
    :func:`fundmodel.evaluate_batch`): it takes the array too, ``(n,)`` over the draws. The copy
    is not validated again (arrays are not scenario values); it is for the engine only.
    """
    missing = [] if complete else [format_path(p) for p in uncertain_inputs(scenario)
                                   if p not in values]
    if missing:
        raise ValueError(f"no values given for: {', '.join(missing)}")
    return _realise(scenario, dict(values))
