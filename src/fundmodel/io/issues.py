"""pydantic's validation errors as :class:`~fundmodel.errors.Issue` objects that name the file,
line, column and dotted path of each problem, in an analyst's words.

Imports no scenario model: the models use it to raise :class:`~fundmodel.errors.ScenarioError`
from ``model_validate``, and :mod:`.validate` to report a file's errors."""

from __future__ import annotations

import datetime
import difflib
import re
import types
from typing import Annotated, Any, Iterable, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from ..errors import Issue, quote
from .paths import Path, format_path
from .yamlio import Position, Positions, input_method_hint

__all__ = ["issues_from_validation_error", "did_you_mean", "fail", "MAX_ISSUES"]

MAX_ISSUES = 100
"""Most issues reported at once; beyond it one last issue says how many more there are."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def fail(message: str, *at: str | int, on_key: bool = False) -> PydanticCustomError:
    """An error for a validator (or a reader it calls) to raise; ``at`` is the path below the
    validated object.

    :func:`issues_from_validation_error` appends ``at`` to the error location, so a cross-field
    check run on the whole scenario can still point at ``funding[3].items[0]``. With ``on_key``
    the reported position is that of the last key of the path rather than of its value.
    """
    return PydanticCustomError("scenario", message.replace("{", "{{").replace("}", "}}"),
                               {"at": tuple(at), "on_key": on_key})


# ------------------------------------------------------------------ the model at a location
def _members(tp: Any) -> list[tuple[Any, frozenset]]:
    """The alternatives of a type, each with the union tags that select it in pydantic's
    error locations: a ``Tag`` of a callable discriminator, or the value of a model's
    ``Literal`` discriminator field (``source: residents``, ``dist: beta``): a required one,
    not a ``Literal`` field with a default, which is a choice, not a tag."""
    if isinstance(tp, FieldInfo):
        tp = Annotated[(tp.annotation, *tp.metadata)] if tp.metadata else tp.annotation
    if get_origin(tp) is Annotated:
        inner, *meta = get_args(tp)
        tags = [m.tag for m in meta if type(m).__name__ == "Tag"]
        if tags:
            return [(inner, frozenset(tags))]
        return _members(inner)
    if get_origin(tp) in (Union, types.UnionType):
        return [m for arg in get_args(tp) for m in _members(arg)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        literal = {v for f in tp.model_fields.values() if get_origin(f.annotation) is Literal
                   and f.is_required()        # a discriminator, not a choice with a default
                   for v in get_args(f.annotation)}
        return [(tp, frozenset(map(str, literal)))]
    return [(tp, frozenset())]


def _step(tp: Any, part: str | int) -> list[Any]:
    members = _members(tp)
    tagged = [t for t, tags in members if isinstance(part, str) and part in tags
              and not (isinstance(t, type) and issubclass(t, BaseModel)
                       and _field(t, part) is not None)]
    out = []
    for t, tags in members:
        if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
            if (f := _field(t, part)) is not None:
                out.append(f)
            elif part in tags:
                out.append(t)  # a discriminated union's tag: the loc goes on inside the model
        elif get_origin(t) is list and isinstance(part, int):
            out.append(get_args(t)[0])
    return tagged + out


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, f in model.model_fields.items():
        if (f.alias or name) == key:
            return f
    return None


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class whose mapping pydantic's ``loc`` points at (None if not found)."""
    candidates: list[Any] = [root]
    for part in loc:
        candidates = [t for c in candidates for t in _step(c, part)]
    for c in candidates:
        for t, _ in _members(c):
            if isinstance(t, type) and issubclass(t, BaseModel):
                return t
    return None


def _known_keys(model: type[BaseModel]) -> list[str]:
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _unknown_key_message(key: Any, model: type[BaseModel] | None) -> tuple[str, str | None]:
    """The message for an unknown key, and the known key it probably means."""
    if model is None:
        return f"unknown key {quote(key)}{input_method_hint(str(key))}", None
    known = _known_keys(model)
    hint = did_you_mean(key, known)
    close = hint.split("'")[1] if hint else None
    allowed = "" if hint else f"; allowed: {', '.join(known)}"
    return f"unknown key {quote(key)}{hint}{allowed}{input_method_hint(str(key))}", close


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


def issue_message(err: dict, text: str | None = None) -> str:
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
    if kind == "too_long":
        return (f"too many elements: at most {ctx.get('max_length', '?'):,} are allowed, got "
                f"{ctx.get('actual_length') or 'more'}")
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


def _node(data: Any, path: Path) -> Any:
    """The raw data at ``path`` (None when it is not there)."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data if isinstance(data, dict) else None


def _from_set(pos: Position | None) -> bool:
    """Whether a value came from ``--set`` rather than from the file."""
    return pos is not None and pos.line is None and bool(pos.source) \
        and pos.source.startswith("--set ")


def issues_from_validation_error(exc: ValidationError, data: Any,
                                 positions: Positions | None = None,
                                 source: str | None = None,
                                 model: type[BaseModel] | None = None) -> list[Issue]:
    """One :class:`Issue` per pydantic error, located in the file where possible.

    A missing key is located at the key of the mapping it is missing from (or at the
    mapping itself when it has no key: a list element, the top level); an empty value at
    its key; an unknown key at itself, with the key it probably means (found in ``model``, when given,
    the class validated), whose "missing" error is then not reported a second time. At most
    :data:`MAX_ISSUES` issues are returned, the last one saying how many more there are.
    """
    positions = positions or {}
    errors = exc.errors()
    issues: list[Issue] = []
    seen: set[Issue] = set()
    meant: set[Path] = set()  # missing keys an unknown key of the same mapping stands for
    messages: dict[int, str] = {}
    unmatched: dict[tuple, list[int]] = {}   # unknown keys without a close known key
    for k, err in enumerate(errors):
        if err["type"] == "extra_forbidden" and err["loc"]:
            parent = _model_at(model, tuple(err["loc"][:-1])) if model is not None else None
            messages[k], close = _unknown_key_message(err["loc"][-1], parent)
            if close is not None:
                meant.add(tuple(err["loc"][:-1]) + (close,))
            else:
                unmatched.setdefault(tuple(err["loc"][:-1]), []).append(k)
    # one unknown key and one missing key in the same mapping: the unknown key is the
    # missing one written otherwise (in another language, or misspelt beyond recognition):
    # one message, at the unknown key, naming the key it stands for
    missing_at: dict[tuple, list[tuple]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc and isinstance(loc[-1], str) and loc not in meant:
            missing_at.setdefault(loc[:-1], []).append(loc)
    for parent, ks in unmatched.items():
        wanted = missing_at.get(parent, [])
        if len(ks) == 1 and len(wanted) == 1:
            key = errors[ks[0]]["loc"][-1]
            messages[ks[0]] = (f"unknown key {quote(key)} (did you mean "
                               f"'{wanted[0][-1]}'?){input_method_hint(str(key))}")
            meant.add(wanted[0])
    for k, err in enumerate(errors):
        ctx = err.get("ctx") or {}
        missing = err["type"] == "missing"
        if missing and tuple(err["loc"]) in meant:
            continue
        path, found = _data_path(tuple(err["loc"]), data, missing)
        whole = path[:found]     # the mapping a cross-field check of a model looks at
        at = tuple(ctx.get("at", ()))
        if at:
            path, found = path[:found] + at, found + len(at)
        located = path[:found]
        while located not in positions and located:
            located = located[:-1]
        pos = positions.get(located)
        if (err["type"] in ("scenario", "distribution_range") and not _from_set(pos)
                and "dist" in (_node(data, whole) or {})):
            # a check across the parameters of a distribution written in the file (low <
            # high) that a --set changed one of: the --set is the mistake, not the file
            inside = [q for p, q in positions.items()
                      if len(p) > len(whole) and p[:len(whole)] == whole and _from_set(q)]
            if inside:
                pos = inside[-1]
                located = path = next(p for p, q in positions.items() if q is pos)
        line = col = None
        where = source
        text = None
        if pos is not None:
            line, col = pos.line, pos.column
            on_key = (ctx.get("on_key") or k in messages) and located == path
            empty = pos.text == ""  # `key:` with nothing after it: point at the key
            if (on_key or missing or empty) and pos.key_line is not None:
                line, col = pos.key_line, pos.key_column
            where = pos.source or source
            if located == path:
                text = _written_text(pos)
        if k in messages:
            message = messages[k]
        else:
            message = issue_message(err, text)
            if err["type"] not in ("scenario", "distribution_range", "missing"):
                message += input_method_hint(text if text is not None else
                                             err.get("input") if isinstance(err.get("input"), str)
                                             else None)
        issue = Issue(format_path(path), message, where, line, col)
        if issue not in seen:
            seen.add(issue)
            issues.append(issue)
    issues.sort(key=lambda i: (i.line is None, i.line or 0, i.column or 0))
    if len(issues) > MAX_ISSUES:
        more = len(issues) - MAX_ISSUES + 1
        last = issues[MAX_ISSUES - 2]
        issues = issues[:MAX_ISSUES - 1] + [Issue("", f"... and {more:,} more problems (fix "
                                                  "these first)", last.file, last.line,
                                                  last.column)]
    return issues
