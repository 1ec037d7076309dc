"""Turn raw data into a :class:`Scenario`, translating pydantic's errors into issues that name
the file, line, column and dotted path of each problem."""

from __future__ import annotations

import datetime
import re
from typing import Any

from pydantic import ValidationError

from ..errors import Issue, ScenarioError
from .base import did_you_mean
from .paths import Path, format_path
from .scenario import Scenario
from .yamlio import Position, Positions

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


_PERCENT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*%\s*$")
_THOUSANDS = re.compile(r"^\s*[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,\d+\s*$")


def _got(value: Any, text: str | None) -> str:
    """What the analyst wrote, for ``got ...``: the text as written when known (``'yes'``
    rather than ``True``, ``1e5`` rather than ``100000.0``), else the value."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return text if text is not None else value.isoformat()
    if text is not None:
        return text.strip() if isinstance(value, (int, float)) and not isinstance(value, bool) \
            else repr(text)
    return repr(value)


def _hint(value: Any) -> str:
    """A hint for numbers written the way people write them elsewhere."""
    if not isinstance(value, str):
        return ""
    if m := _PERCENT.match(value):
        return f" (rates are fractions: write {float(m.group(1)) / 100:g})"
    if _THOUSANDS.match(value):
        return f" (write numbers without thousands separators: {value.strip().replace(',', '')})"
    if _DECIMAL_COMMA.match(value):
        return f" (write decimals with a point: {value.strip().replace(',', '.')})"
    return ""


def _message(err: dict, text: str | None = None) -> str:
    """The message of one pydantic error, in an analyst's words. ``text`` is the offending
    value as written in the file, when known."""
    kind, ctx, msg = err["type"], err.get("ctx") or {}, err["msg"]
    value = err.get("input")
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        return (f"unknown {key} '{ctx.get('tag')}'{did_you_mean(ctx.get('tag'), expected)}; "
                f"expected one of: {', '.join(expected)}")
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'")
        return f"missing key '{key}' (which {'distribution' if key == 'dist' else key}?)"
    if kind == "missing":
        key = err["loc"][-1] if err["loc"] else None
        return f"missing required key '{key}'" if isinstance(key, str) else "missing required key"
    if kind in ("scenario", "distribution_range"):
        return msg
    got = _got(value, text)
    date = ("a date and time" if isinstance(value, datetime.datetime) else
            "a date" if isinstance(value, datetime.date) else None)
    if kind == "uncertain":
        if date:
            return f"got {got} ({date}); {msg}"
        return f"{msg}, got {got}{_hint(value)}"
    if kind == "finite_number":
        return f"must be a finite number, got {got}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        if isinstance(value, float):
            return f"must be a whole number, got {got}"
        if isinstance(value, dict):
            return "must be a plain whole number (counts cannot be uncertain)"
        if date:
            return f"got {got} ({date}); expected a whole number"
    if kind in ("float_type", "float_parsing"):
        if isinstance(value, dict):
            return ("must be a plain number here, not a distribution" if "dist" in value
                    else "must be a plain number, not a mapping")
        if date:
            return f"got {got} ({date}); expected a number"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        if value is None:
            return "is empty; write {} for an empty mapping"
        return f"expected a mapping of keys to values, got {got}"
    if kind == "list_type" and value is None:
        return "is empty; write [] for an empty list"
    if isinstance(value, (str, int, float, bool, dict, list, datetime.date)) or value is None:
        return f"{msg}, got {got}{_hint(value)}"
    return msg


def _written_text(pos: Position | None) -> str | None:
    """The value as written: from the file, or the value of a ``--set path=value``."""
    if pos is None:
        return None
    if pos.text is not None:
        return pos.text
    if pos.line is None and pos.source and pos.source.startswith("--set ") and "=" in pos.source:
        return pos.source.split("=", 1)[1].strip()  # split as apply_overrides splits it
    return None


def issues_from_validation_error(exc: ValidationError, data: Any,
                                 positions: Positions | None = None,
                                 source: str | None = None) -> list[Issue]:
    """One :class:`Issue` per pydantic error, located in the file where possible.

    A missing key is located at the key of the mapping it is missing from (or at the
    mapping itself when it has no key: a list element, the top level); an empty value at
    its key.
    """
    positions = positions or {}
    issues: list[Issue] = []
    for err in exc.errors():
        ctx = err.get("ctx") or {}
        missing = err["type"] == "missing"
        path, found = _data_path(tuple(err["loc"]), data, missing)
        at = tuple(ctx.get("at", ()))
        if at:
            path, found = path[:found] + at, found + len(at)
        located = path[:found]
        while located not in positions and located:
            located = located[:-1]
        pos = positions.get(located)
        line = col = None
        where = source
        text = None
        if pos is not None:
            line, col = pos.line, pos.column
            on_key = ctx.get("on_key") and located == path
            empty = pos.text == ""  # `key:` with nothing after it: point at the key
            if (on_key or missing or empty) and pos.key_line is not None:
                line, col = pos.key_line, pos.key_column
            where = pos.source or source
            if located == path:
                text = _written_text(pos)
        issue = Issue(format_path(path), _message(err, text), where, line, col)
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
