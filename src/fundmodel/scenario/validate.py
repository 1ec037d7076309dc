"""Turn raw data into a :class:`Scenario`, reporting every problem as an issue that names the
file, line, column and dotted path (see :mod:`.issues`); and the scenarios of its levers' steps
(each a validated scenario, checked at load: :func:`attach_levers`, :func:`lever_steps`; the
lever itself is the model :class:`.levers.Lever`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..errors import Issue, ScenarioError
from ..io.issues import MAX_ISSUES, issues_from_validation_error
from .levers import Lever
from .scenario import Scenario
from ..io.compounds_table import compounds_table_for
from ..io.yamlio import Positions

__all__ = ["parse_scenario", "issues_from_validation_error", "MAX_ISSUES", "attach_levers",
           "lever_steps", "LeverSource"]


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
    context["compounds_table"] = compounds_table_for(data, positions, source, context)
    try:
        scenario = Scenario.validate_raw(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(issues_from_validation_error(exc, data, positions, source,
                                                         Scenario)) from None
    if scenario.portfolio is not None:  # the table's programme against the plan's years
        from .portfolio import programme_issues
        issues = programme_issues(scenario)
        if issues:
            raise ScenarioError(issues)
    if scenario.levers:  # every step of the levers is checked too (attach_levers, below)
        attach_levers(scenario, data, positions, source, base_dir, allow_outside_files)
    return scenario


@dataclass
class LeverSource:
    """What the loader read, to build the steps of a scenario's levers: the raw data (without
    ``levers``), its positions and the loading context."""

    data: dict
    positions: Positions | None
    source: str | None
    base_dir: str | None
    allow_outside_files: bool
    raw_positions: Positions | None = None               # with the levers' own positions
    cumulative: list = field(default_factory=list)   # validated steps 1..k, built at load
    alone: dict = field(default_factory=dict)        # lever index → validated step, on demand


def _override(key: str, value: Any) -> str:
    """``path=value`` text for :func:`~.overrides.apply_overrides` (JSON is YAML)."""
    return f"{key}={json.dumps(value, allow_nan=False, ensure_ascii=False)}"


def _lever_at(positions: Positions | None, *path: Any) -> tuple[int | None, int | None]:
    pos = None if positions is None else positions.get(path)
    if pos is None:
        return None, None
    if pos.key_line is not None:
        return pos.key_line, pos.key_column
    return pos.line, pos.column


def _apply(src: LeverSource, data: dict, positions: Positions, index: int, lever: Lever,
           raw_positions: Positions | None, alone: bool) -> tuple[dict, Positions, list[Issue]]:
    """``data`` with lever ``index`` applied, and the issues it raises (none when valid)."""
    from ..io.overrides import apply_overrides

    issues: list[Issue] = []
    texts: dict[str, str] = {}
    for key, value in lever.set_.items():
        line, column = _lever_at(raw_positions, "levers", index, "set", key)
        where = f"levers[{index}].set[{key}]"
        try:
            text = _override(key, value)
        except ValueError:
            issues.append(Issue(where, "the value must be a finite number", src.source,
                                line, column))
            continue
        except TypeError:
            issues.append(Issue(where, f"cannot set a {type(value).__name__}", src.source,
                                line, column))
            continue
        try:
            data, positions = apply_overrides(data, positions, [text])
        except ScenarioError as exc:
            for issue in exc.issues:
                at = f"{issue.path}: " if issue.path else ""
                issues.append(Issue(where, f"{at}{issue.message}", src.source, line, column))
            continue
        texts[f"--set {text}"] = key
    if issues:
        return data, positions, issues
    try:
        parse_scenario(data, positions, src.source, src.base_dir, src.allow_outside_files)
    except ScenarioError as exc:
        line, column = _lever_at(raw_positions, "levers", index, "name")
        whose = ("this lever alone" if alone or index == 0
                 else "this lever and the ones before it")
        for issue in exc.issues:
            key = texts.get(issue.file or "")
            if key is not None:     # the issue is at a value this lever set: point at it
                at_line, at_column = _lever_at(raw_positions, "levers", index, "set", key)
                where = f"levers[{index}].set[{key}]"
            else:
                at_line, at_column, where = line, column, f"levers[{index}]"
            path = f"{issue.path}: " if issue.path else ""
            issues.append(Issue(where, f"with {whose}: {path}{issue.message}", src.source,
                                at_line, at_column))
    return data, positions, issues


def attach_levers(scenario: "Scenario", data: dict, positions: Positions | None,
                  source: str | None, base_dir: str | None,
                  allow_outside_files: bool) -> None:
    """Check a validated scenario's levers against its raw data and keep their cumulative
    steps on it (for :func:`lever_steps`).

    Raises
    ------
    ScenarioError
        One issue per mistake, at the lever's line (or at the entry of ``set`` at fault): a
        path that does not resolve, a value that cannot be written, a step that is not a valid
        scenario.
    """
    base = {k: v for k, v in data.items() if k != "levers"}
    base_positions = None if positions is None else {
        p: pos for p, pos in positions.items() if not (p and p[0] == "levers")}
    src = LeverSource(base, base_positions, source, base_dir, allow_outside_files, positions)
    if scenario.levers:
        issues: list[Issue] = []
        current, current_positions = base, dict(base_positions or {})
        for i, lever in enumerate(scenario.levers):
            new, new_positions, found = _apply(src, current, current_positions, i, lever,
                                               positions, alone=False)
            if found:
                issues.extend(found)
                continue                     # the later steps are checked without it
            current, current_positions = new, new_positions
            src.cumulative.append(parse_scenario(current, current_positions, source, base_dir,
                                                 allow_outside_files))
        if issues:
            raise ScenarioError(issues)
    object.__setattr__(scenario, "_lever_source", src)


def _source_of(scenario: "Scenario") -> LeverSource:
    src = getattr(scenario, "_lever_source", None)
    if src is None:     # validated from a dict, not loaded: read its own data back
        data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
        attach_levers(scenario, data, None, None, None, False)
        src = scenario._lever_source  # type: ignore[attr-defined]
    return src


def lever_steps(scenario: "Scenario", each: bool = False) -> list["Scenario"]:
    """The scenarios of the lever table's steps after the baseline: each lever added to the
    ones before it (``each=False``) or each lever alone on the baseline (``each=True``), in
    the order written. Validated steps are kept on the scenario, so each is built once.

    Raises
    ------
    ScenarioError
        For a lever that is not valid alone (``each=True``), located at its line.
    """
    src = _source_of(scenario)
    if not each:
        return list(src.cumulative)
    issues: list[Issue] = []
    for i, lever in enumerate(scenario.levers):
        if i in src.alone:
            continue
        data, positions, found = _apply(src, src.data, dict(src.positions or {}), i, lever,
                                        src.raw_positions, alone=True)
        if found:
            issues.extend(found)
            continue
        src.alone[i] = parse_scenario(data, positions, src.source, src.base_dir,
                                      src.allow_outside_files)
    if issues:
        raise ScenarioError(issues)
    return [src.alone[i] for i in range(len(scenario.levers))]
