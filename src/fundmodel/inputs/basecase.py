"""The base case: every uncertain input at its point estimate, checked, with the scenario's
warnings logged — what :func:`fundmodel.evaluate` and :func:`fundmodel.evaluate_batch` start
from."""

from __future__ import annotations

import logging
from typing import get_args

import numpy as np

from .draws import point_values
from ..errors import Issue, ScenarioError
from ..scenario import Scenario
from ..scenario.checks import scenario_warnings
from ..scenario.distributions import PointEstimate
from ..io.paths import Path, format_path
from ..scenario.scenario import point_estimate_problems

__all__ = ["POINT_ESTIMATES", "base_case"]

log = logging.getLogger("fundmodel")

POINT_ESTIMATES: tuple[str, ...] = get_args(PointEstimate)


def checked_point_estimate(scenario: Scenario, point_estimate: object) -> str:
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


def base_case(scenario: Scenario, point_estimate: object
              ) -> tuple[str, list[str], dict[Path, np.ndarray]]:
    """The point estimate in force, the scenario's warnings (each logged) and every uncertain
    input's value at that point (arrays of one draw).

    Raises
    ------
    ScenarioError
        If ``point_estimate`` is unknown, or a distribution has no such point.
    """
    how = checked_point_estimate(scenario, point_estimate)
    warnings = scenario_warnings(scenario)
    for warning in warnings:
        log.warning(warning)
    return how, warnings, point_values(scenario, how)
