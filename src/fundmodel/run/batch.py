"""Batched evaluation: many variants of one scenario in one engine call.

A *lever* is a number field of the scenario, named by the same dotted path as the CLI's
``--set`` (``operations.property_fee.rate_per_m2_month``, ``funding[residents].uptake``,
``renovation.items[roof waterproofing].unit_cost``), swept over an array of values. Variant i
sets every lever to its i-th value and every other uncertain input to its point estimate; the
variants are the engine's draw axis, so k variants cost one engine call, not k. Goal seeking and
budget optimisation stand on this (see docs/model.md).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import numpy as np
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..inputs.basecase import base_case
from ..inputs.draws import is_distribution, realise
from ..engine.model import run_model
from ..errors import Issue, ScenarioError
from ..inputs import compile_inputs
from ..results import Result
from ..scenario import Scenario
from ..scenario.distributions import PointEstimate
from ..scenario.issues import _message
from ..scenario.limits import MAX_DRAWS
from ..scenario.paths import Path, format_path, parse_path, resolve_path

__all__ = ["evaluate_batch", "lever_path"]

log = logging.getLogger("fundmodel")

_INSIDE_A_DISTRIBUTION = ("a lever sets a whole number field; this is a parameter inside a "
                          "distribution (sweep the field itself: its point estimate is replaced)")


def _field_at(scenario: Scenario, path: Path) -> tuple[BaseModel, str, Any]:
    """The model holding the field at ``path``, the field's name and its current value."""
    node: Any = scenario
    for part in path[:-1]:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    return node, path[-1], getattr(node, path[-1]) if isinstance(path[-1], str) else None


def _may_be_uncertain(model: BaseModel, name: str) -> bool:
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
                raise fail(_INSIDE_A_DISTRIBUTION) from None
            if isinstance(part, str) and isinstance(node, BaseModel):
                node = getattr(node, part, None)
            else:
                break
        raise fail(str(exc)) from None
    shown = format_path(path)
    if not isinstance(path[-1], str):
        raise fail("a lever is a number field, not a list element", shown)
    model, name, value = _field_at(scenario, path)
    if is_distribution(model):
        raise fail(_INSIDE_A_DISTRIBUTION, shown)
    if not _may_be_uncertain(model, name):
        raise fail("this field shapes the model (it cannot be written as a distribution), so "
                   "it cannot be swept in one engine call; change it in the file or with --set",
                   shown)
    if value is None:
        raise fail("the scenario leaves this field out; write it in the file (or with --set) "
                   "before sweeping it", shown)
    return path


def _checked_values(scenario: Scenario, path: Path, values: Any, shown: str) -> np.ndarray:
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
    model, name, _ = _field_at(scenario, path)
    adapter = TypeAdapter(type(model).model_fields[name].rebuild_annotation())
    for i in dict.fromkeys((int(np.argmin(a)), int(np.argmax(a)))):
        try:
            adapter.validate_python(float(a[i]))
        except ValidationError as exc:
            raise fail(f"values[{i}]: {_message(exc.errors()[0])}") from None
    return a


def evaluate_batch(scenario: Scenario, levers: Mapping[str, Any],
                   point_estimate: PointEstimate | None = None) -> Result:
    """Evaluate many variants of one scenario in one engine call.

    Variant i sets every lever to its i-th value; every uncertain input that is not a lever is
    at its point estimate (as in :func:`fundmodel.evaluate`). Variant i gives, to the bit, what
    ``evaluate`` gives for the scenario loaded with ``--set <path>=<values[i]>`` for every lever.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    levers : mapping of str to array_like
        Dotted field path (as the CLI's ``--set``: ``operations.property_fee.rate_per_m2_month``,
        ``funding[residents].uptake``) → values ``(k,)``, the same k for every lever (a
        single value is used in every variant). A lever is a number field that may be written
        as a distribution; one that is a distribution in the scenario takes the given values
        instead. For a grid of two levers, pass ``np.meshgrid(a, b)`` flattened.
    point_estimate : {'mean', 'median', 'mode'}, optional
        The point of the other uncertain inputs; default ``scenario.simulation.point_estimate``.

    Returns
    -------
    Result
        One "draw" per variant (``result.n_draws == k``; ``info["kind"] == "batch"``,
        ``info["levers"]`` the lever paths, ``info["variants"]`` k). ``result.metric(name)`` is
        the metric of every variant ``(k,)`` (what solvers read); ``result.metrics`` one row
        per variant (index ``variant``), the levers' values first, then every metric.

    Raises
    ------
    ScenarioError
        For a lever path that does not exist or cannot be swept, values that are not finite,
        not one-dimensional or outside the field's range (the message says which value and
        gives the range, as the scenario file's own check does), levers of different lengths,
        or more than :data:`~fundmodel.scenario.limits.MAX_DRAWS` variants. Each issue names
        the lever's path.
    """
    if not isinstance(levers, Mapping) or not levers:
        raise ScenarioError([Issue("", "give at least one lever: a mapping of field paths to "
                                   "arrays of values", "levers")])
    how, warnings, inputs = base_case(scenario, point_estimate)
    paths: dict[Path, np.ndarray] = {}
    shown: dict[Path, str] = {}            # each lever as the caller named it
    for text, values in levers.items():
        path = lever_path(scenario, text)
        if path in paths:
            raise ScenarioError([Issue(text, f"this field is given twice (as {shown[path]} "
                                       "too)", "levers")])
        paths[path] = _checked_values(scenario, path, values, text)
        shown[path] = text
    longest = max(paths, key=lambda p: paths[p].size)
    k = paths[longest].size
    for path, a in paths.items():
        if a.size not in (1, k):
            raise ScenarioError([Issue(shown[path], f"{a.size:,} values, but {shown[longest]} "
                                       f"has {k:,}: every lever needs one value per variant "
                                       "(or a single value)", "levers")])
    if k > MAX_DRAWS:
        raise ScenarioError([Issue(next(iter(shown.values())), f"at most {MAX_DRAWS:,} "
                                   f"variants in one call, got {k:,}", "levers")])
    inputs.update(paths)                   # the levers replace their point values
    log.debug("evaluate_batch %s: %d variant(s) of %s", scenario.name, k,
              ", ".join(shown.values()))
    output = run_model(compile_inputs(realise(scenario, inputs), k))
    names = list(shown.values())
    return Result.from_output(
        scenario, output,
        info={"kind": "batch", "draws": k, "variants": k, "levers": names,
              "point_estimate": how, "warnings": warnings},
        levers={shown[p]: np.broadcast_to(a, (k,)) for p, a in paths.items()})
