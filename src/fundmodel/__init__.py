"""fundmodel: renovation and upkeep finance for old residential compounds (老旧小区改造).

Quick start::

    import fundmodel
    scenario = fundmodel.load_scenario("scenarios/sanqiao-standalone.yaml")
    result = fundmodel.evaluate(scenario)
    result.funding()      # who pays what, and the gap
    result.yearly()       # operating statement, years 1..horizon
    result.summary()      # every metric
"""

import logging

from .api import evaluate, simulate
from .errors import FundmodelError, Issue, ModelError, ScenarioError
from .results import Result
from .scenario import Scenario, load_scenario, parse_scenario, read_scenario_text

__version__ = "0.1.0"

__all__ = [
    "FundmodelError", "Issue", "ModelError", "Result", "Scenario", "ScenarioError", "evaluate",
    "load_scenario", "parse_scenario", "read_scenario_text", "simulate", "__version__",
]

logging.getLogger("fundmodel").addHandler(logging.NullHandler())
