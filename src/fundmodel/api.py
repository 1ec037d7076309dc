"""The public entry points: load a scenario, evaluate it (once, many variants at once, or over
many draws)."""

from __future__ import annotations

import logging
from typing import get_args

from .batch import evaluate_batch
from .draws import point_values
from .inputs import model_inputs
from .engine.model import run_model
from .errors import Issue, ScenarioError
from .montecarlo import simulate
from .results import Result
from .scenario import Scenario
from .scenario.checks import scenario_warnings
from .scenario.distributions import PointEstimate
from .scenario.paths import format_path
from .scenario.scenario import point_estimate_problems

__all__ = ["evaluate", "evaluate_batch", "simulate"]

log = logging.getLogger("fundmodel")

POINT_ESTIMATES: tuple[str, ...] = get_args(PointEstimate)


def _checked_point_estimate(scenario: Scenario, point_estimate: object) -> str:
    """The point estimate to use, or a ScenarioError naming the field and what is wrong: an
    unknown name, or a distribution without that point (a U-shaped beta has no mode)."""
    if point_estimate is None:
        how = scenario.simulation.point_estimate
        asked = f"simulation.point_estimate is '{how}'"
    else:
        how = point_estimate
        asked = f"the run asks for point estimate '{how}'"
    if how not in POINT_ESTIMATES:
        choices = ", ".join(f"'{p}'" for p in POINT_ESTIMATES)
        raise ScenarioError([Issue("simulation.point_estimate",
                                   f"unknown point estimate {how!r} (the point_estimate "
                                   f"argument); expected one of: {choices}")])
    problems = point_estimate_problems(scenario, how)
    if problems:
        raise ScenarioError([Issue(format_path(path), f"{problem}; {asked}")
                             for path, problem in problems])
    return how


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
    how = _checked_point_estimate(scenario, point_estimate)
    warnings = scenario_warnings(scenario)
    for warning in warnings:
        log.warning(warning)
    values = point_values(scenario, how)
    log.debug("evaluate %s: %d uncertain inputs at their %s", scenario.name, len(values), how)
    output = run_model(model_inputs(scenario, values, 1))
    return Result.from_output(scenario, output, info={"kind": "deterministic", "draws": 1,
                                                      "point_estimate": how,
                                                      "warnings": warnings})

