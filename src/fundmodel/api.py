"""The public entry points: load a scenario, evaluate it."""

from __future__ import annotations

import logging

from .draws import point_values, realise
from .engine.model import run_model
from .montecarlo import simulate
from .results import Result
from .scenario import Scenario
from .scenario.distributions import PointEstimate

__all__ = ["evaluate", "simulate"]

log = logging.getLogger("fundmodel")


def evaluate(scenario: Scenario, point_estimate: PointEstimate | None = None) -> Result:
    """The deterministic base case: one draw with every distribution at its point estimate.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (from :func:`fundmodel.load_scenario` or
        ``Scenario.model_validate(dict)``).
    point_estimate : {'mean', 'median', 'mode'}, optional
        Which point of each distribution to use; default ``scenario.simulation.point_estimate``
        (itself ``'mean'`` unless the scenario says otherwise).

    Returns
    -------
    Result
        A result of one draw.
    """
    how = point_estimate or scenario.simulation.point_estimate
    values = point_values(scenario, how)
    log.debug("evaluate %s: %d uncertain inputs at their %s", scenario.name, len(values), how)
    output = run_model(realise(scenario, values), 1)
    return Result.from_output(scenario, output, info={"kind": "deterministic", "draws": 1,
                                                      "point_estimate": how})
