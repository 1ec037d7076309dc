"""Turn raw data into a :class:`Scenario`, reporting every problem as an issue that names the
file, line, column and dotted path (see :mod:`.issues`)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import Issue, ScenarioError
from .issues import MAX_ISSUES, issues_from_validation_error
from .scenario import Scenario
from .yamlio import Positions

__all__ = ["parse_scenario", "issues_from_validation_error", "MAX_ISSUES"]


def _compounds_table(data: dict, positions: Positions | None, source: str | None,
                     context: dict):
    """A portfolio's compounds table, read before the scenario is validated so that its
    mistakes are reported at their row and column of the table (and a table that cannot be
    read at ``portfolio.compounds`` of the scenario). None without a portfolio."""
    portfolio = data.get("portfolio")
    if not isinstance(portfolio, dict) or not isinstance(portfolio.get("compounds"), str) \
            or not portfolio["compounds"] or "compound" in data:
        return None
    from .tables import read_compounds_table
    sheet = portfolio.get("sheet") if isinstance(portfolio.get("sheet"), str) else None
    try:
        return read_compounds_table(portfolio["compounds"], base_dir=context["base_dir"],
                                    allow_outside=context["allow_outside_files"], sheet=sheet)
    except ScenarioError as exc:
        pos = positions.get(("portfolio", "compounds")) if positions is not None else None
        issues = [issue if issue.file is not None else
                  Issue("portfolio.compounds", issue.message, source,
                        getattr(pos, "line", None), getattr(pos, "column", None))
                  for issue in exc.issues]
        raise ScenarioError(issues) from None


def parse_scenario(data: Any, positions: Positions | None = None,
                   source: str | None = None, base_dir: str | None = None,
                   allow_outside_files: bool = False) -> Scenario:
    """Validate raw data (as read from YAML or JSON) into a :class:`Scenario`.

    ``base_dir`` is the folder that file names inside the scenario (empirical distributions'
    CSV files) are relative to; default the current folder. A data file outside it is an
    error unless ``allow_outside_files``.

    Raises
    ------
    ScenarioError
        Listing every problem with its dotted path (and file position when ``positions``
        are given).
    """
    if not isinstance(data, dict):
        raise ScenarioError([Issue("", "a scenario must be a mapping of keys to values, not "
                                   f"{type(data).__name__}", source)])
    context = {"base_dir": base_dir or ".", "allow_outside_files": bool(allow_outside_files)}
    context["compounds_table"] = _compounds_table(data, positions, source, context)
    try:
        scenario = Scenario.validate_raw(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(issues_from_validation_error(exc, data, positions, source,
                                                         Scenario)) from None
    if scenario.levers:  # every step of the levers is checked too (scenario/levers.py)
        from .levers import attach_levers
        attach_levers(scenario, data, positions, source, base_dir, allow_outside_files)
    return scenario
