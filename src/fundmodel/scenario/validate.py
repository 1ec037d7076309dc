"""Turn raw data into a :class:`Scenario`, translating pydantic's errors into issues that name
the file, line, column and dotted path of each problem."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import Issue, ScenarioError
from .base import did_you_mean
from .paths import Path, format_path
from .scenario import Scenario
from .yamlio import Positions

__all__ = ["parse_scenario", "issues_from_validation_error"]


def _data_path(loc: tuple, data: Any, missing: bool = False) -> tuple[Path, int]:
    """Map pydantic's ``loc`` onto the raw data: keep the parts that exist in the data, drop
    union tags (which never coincide with keys), keep a trailing missing key.

    Returns the path and how many of its parts exist in the data.
    """
    path: list[str | int] = []
    node, found = data, 0
    for k, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif missing and k == len(loc) - 1:
            path.append(part)  # a missing key: shown in the path, located at its parent
            break
        else:
            continue  # a union tag such as 'distribution' or 'residents'
        path.append(part)
        found = len(path)
    return tuple(path), found


def _message(err: dict) -> str:
    kind, ctx, msg = err["type"], err.get("ctx") or {}, err["msg"]
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        return (f"unknown {key} '{ctx.get('tag')}'{did_you_mean(ctx.get('tag'), expected)}; "
                f"expected one of: {', '.join(expected)}")
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'")
        return f"missing key '{key}' (which {'distribution' if key == 'dist' else key}?)"
    if kind == "missing":
        return "missing required key"
    if kind in ("scenario", "uncertain", "distribution_range"):
        return msg
    value = err.get("input")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return f"{msg}, got {value!r}"
    return msg


def issues_from_validation_error(exc: ValidationError, data: Any,
                                 positions: Positions | None = None,
                                 source: str | None = None) -> list[Issue]:
    """One :class:`Issue` per pydantic error, located in the file where possible."""
    positions = positions or {}
    issues: list[Issue] = []
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        path, found = _data_path(tuple(err["loc"]), data, err["type"] == "missing")
        at = tuple(ctx.get("at", ()))
        if at:
            path, found = path[:found] + at, found + len(at)
        located = path[:found]
        while located not in positions and located:
            located = located[:-1]
        pos = positions.get(located)
        line = col = None
        where = source
        if pos is not None:
            line, col = pos.line, pos.column
            if ctx.get("on_key") and located == path and pos.key_line is not None:
                line, col = pos.key_line, pos.key_column
            where = pos.source or source
        issue = Issue(format_path(path), _message(err), where, line, col)
        if issue not in issues:
            issues.append(issue)
    issues.sort(key=lambda i: (i.line is None, i.line or 0, i.column or 0))
    return issues


def parse_scenario(data: Any, positions: Positions | None = None,
                   source: str | None = None, base_dir: str | None = None) -> Scenario:
    """Validate raw data (as read from YAML or JSON) into a :class:`Scenario`.

    ``base_dir`` is the folder that file names inside the scenario (empirical distributions'
    CSV files) are relative to; default the current folder.

    Raises
    ------
    ScenarioError
        Listing every problem with its dotted path (and file position when ``positions``
        are given).
    """
    if not isinstance(data, dict):
        raise ScenarioError([Issue("", "a scenario must be a mapping of keys to values, not "
                                   f"{type(data).__name__}", source)])
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir or "."})
    except ValidationError as exc:
        raise ScenarioError(issues_from_validation_error(exc, data, positions, source)) from None
