"""A lever: a number field of the scenario named by its dotted path, swept over values.

:func:`lever_path` resolves the path as ``--set`` writes it (``funding[residents].uptake``) and
refuses what cannot be swept in one engine call; :func:`checked_lever_values` checks the values
against the field's own range. Batches (:mod:`fundmodel.run.batch`), goal seeking and the
sensitivity factors stand on these.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..errors import Issue, ScenarioError
from ..scenario import Scenario
from ..io.issues import issue_message
from ..io.paths import Path, format_path, parse_path, resolve_path
from .draws import is_distribution

__all__ = ["INSIDE_A_DISTRIBUTION", "field_at", "may_be_uncertain", "lever_path",
           "checked_lever_values"]

INSIDE_A_DISTRIBUTION = ("a lever sets a whole number field; this is a parameter inside a "
                          "distribution (sweep the field itself: its point estimate is replaced)")


def field_at(scenario: Scenario, path: Path) -> tuple[BaseModel, str, Any]:
    """The model holding the field at ``path``, the field's name and its current value."""
    node: Any = scenario
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    return node, path[-1], getattr(node, path[-1]) if isinstance(path[-1], str) else None


def may_be_uncertain(model: BaseModel, name: str) -> bool:
    """Whether the field accepts a distribution (an uncertain number), i.e. the engine reads it
    per draw."""
    info = type(model).model_fields[name]
    seen: list[Any] = [info.annotation]
    while seen:
        tp = seen.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel) and "dist" in tp.model_fields:
            return True
        seen.extend(getattr(tp, "__args__", ()))       # Union, Optional, Annotated members
    return False


def lever_path(scenario: Scenario, text: str) -> Path:
    """Resolve a lever's dotted path (with ``[index]`` or ``[name]`` selectors) against the
    scenario: the path with list indexes only.

    Raises
    ------
    ScenarioError
        Naming the path, when it does not exist, is not a number field the engine reads per
        draw (one that may be written as a distribution: counts, areas, years and the number of
        compounds sharing a cost shape the model and cannot be swept), or is a field the
        scenario leaves out (set it in the file first: a lever changes a value, never the
        scenario's structure).
    """
    def fail(message: str, where: str = text) -> ScenarioError:
        return ScenarioError([Issue(where, message, "levers")])

    if not isinstance(text, str):
        raise fail(f"a lever is named by a dotted path (a string), got {type(text).__name__}",
                   str(text))
    try:
        parts = parse_path(text)
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        path = resolve_path(scenario, text)
    except ValueError as exc:
        node: Any = scenario               # say so when the path goes into a distribution
        for part in parts:
            if is_distribution(node):
                raise fail(INSIDE_A_DISTRIBUTION) from None
            if isinstance(part, str) and isinstance(node, BaseModel):
                node = getattr(node, part, None)
            else:
                break
        raise fail(str(exc)) from None
    shown = format_path(path)
    if not isinstance(path[-1], str):
        raise fail("a lever is a number field, not a list element", shown)
    model, name, value = field_at(scenario, path)
    if is_distribution(model):
        raise fail(INSIDE_A_DISTRIBUTION, shown)
    if not may_be_uncertain(model, name):
        raise fail("this field shapes the model (it cannot be written as a distribution), so "
                   "it cannot be swept in one engine call; change it in the file or with --set",
                   shown)
    if value is None:
        raise fail("the scenario leaves this field out; write it in the file (or with --set) "
                   "before sweeping it", shown)
    return path


def checked_lever_values(scenario: Scenario, path: Path, values: Any, shown: str) -> np.ndarray:
    """The lever's values as a float array ``(k,)``, checked in one go: finite, and inside the
    field's own range (the field's validator applied to the smallest and the largest value:
    the range is an interval, so every value lies in it when both ends do); issues name the
    lever as ``shown``."""

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Issue(shown, message, "levers")])

    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise fail("the values must be numbers (an array or a list of them)") from None
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1 or a.size == 0:
        raise fail(f"the values must be a non-empty one-dimensional array, got shape {a.shape}")
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise fail(f"values[{i}] must be a finite number, got {a[i]!r} "
                   f"({int(bad.sum()):,} value(s) not finite)")
    model, name, _ = field_at(scenario, path)
    adapter = TypeAdapter(type(model).model_fields[name].rebuild_annotation())
    for i in dict.fromkeys((int(np.argmin(a)), int(np.argmax(a)))):
        try:
            adapter.validate_python(float(a[i]))
        except ValidationError as exc:
            raise fail(f"values[{i}]: {issue_message(exc.errors()[0])}") from None
    return a
