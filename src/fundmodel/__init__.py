"""fundmodel: renovation and upkeep finance for old residential compounds (老旧小区改造).

Quick start::

    import fundmodel
    scenario = fundmodel.load_scenario("scenarios/sanqiao-standalone.yaml")
    result = fundmodel.evaluate(scenario)
    result.funding()      # who pays what, and the gap
    result.yearly()       # operating statement, years 1..horizon
    result.summary()      # every metric

The public names are imported on first use, so ``import fundmodel`` (and ``fundmodel
--version``) does not load numpy, pandas or scipy.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "evaluate": "run.api", "simulate": "run.api", "evaluate_batch": "run.api",
    "FundmodelError": "errors", "Issue": "errors", "ModelError": "errors",
    "ScenarioError": "errors",
    "Result": "results",
    "Scenario": "scenario", "load_scenario": "scenario", "parse_scenario": "scenario",
    "read_scenario_text": "scenario",
    "minimum_bundle_scale": "run.solve.minimum_scale",
    "solve": "run.solve", "Solution": "run.solve", "Target": "run.solve",
    "simulate_portfolio": "portfolio", "evaluate_portfolio": "portfolio",
    "plan_portfolio": "portfolio", "service_areas": "portfolio", "PortfolioResult": "portfolio",
    "compare": "run.compare", "lever_table": "run.compare",
}

__all__ = [
    "FundmodelError", "Issue", "ModelError", "Result", "Scenario", "ScenarioError", "evaluate",
    "evaluate_batch", "load_scenario", "minimum_bundle_scale", "parse_scenario",
    "read_scenario_text", "simulate", "solve", "Solution", "Target",
    "simulate_portfolio", "evaluate_portfolio", "plan_portfolio", "service_areas",
    "PortfolioResult", "compare", "lever_table", "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .run.api import evaluate, evaluate_batch, simulate
    from .run.compare import compare, lever_table
    from .errors import FundmodelError, Issue, ModelError, ScenarioError
    from .results.result import Result
    from .scenario import Scenario, load_scenario, parse_scenario, read_scenario_text
    from .run.solve.minimum_scale import minimum_bundle_scale
    from .run.solve import Solution, Target, solve
    from .portfolio import (PortfolioResult, evaluate_portfolio, plan_portfolio,
                            service_areas, simulate_portfolio)


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule, e.g. ``fundmodel.catalog``) on first use."""
    module = _EXPORTS.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


logging.getLogger("fundmodel").addHandler(logging.NullHandler())

from . import moved as _moved  # noqa: E402  (old module paths, with a DeprecationWarning)
from .results import extensions as _extensions  # noqa: E402

_moved.install()
# The face wires the methods that results reach in higher layers (results/extensions.py):
for _name, _target in {"Result.plot": "fundmodel.plots:ResultPlots",
                       "Result.to_excel": "fundmodel.export.excel:write_workbook",
                       "PortfolioResult.plot": "fundmodel.plots:PortfolioPlots",
                       "PortfolioResult.to_excel": "fundmodel.export.excel:write_district_workbook",
                       }.items():
    _extensions.register(_name, _target)
del _name, _target
