"""The public entry points: load a scenario, evaluate it (once, many variants at once, or over
many draws)."""

from __future__ import annotations

import logging

from ..inputs.basecase import base_case
from .batch import evaluate_batch
from ..engine.model import run_model
from ..inputs import model_inputs
from .montecarlo import simulate
from ..results.result import Result, outcome_warnings
from ..scenario import Scenario
from ..scenario.distributions import PointEstimate

__all__ = ["evaluate", "evaluate_batch", "simulate"]

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
        A result of one draw. ``result.info["warnings"]`` lists allowed but suspicious values
        (:func:`fundmodel.scenario.checks.scenario_warnings`), each also logged.

    Raises
    ------
    ScenarioError
        If ``point_estimate`` is not one of the three, or a distribution has no such point
        (a U-shaped beta has no mode): each issue names the field.
    """
    how, warnings, values = base_case(scenario, point_estimate)
    log.debug("evaluate %s: %d uncertain inputs at their %s", scenario.name, len(values), how)
    output = run_model(model_inputs(scenario, values, 1))
    result = Result.from_output(scenario, output, info={"kind": "deterministic", "draws": 1,
                                                        "point_estimate": how,
                                                        "warnings": warnings})
    for warning in outcome_warnings(result):
        log.warning(warning)
        result.info["warnings"].append(warning)
    return result
