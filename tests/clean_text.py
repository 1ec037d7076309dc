"""What a Chinese report or workbook must not show, derived from the scenario models and the
label catalogue rather than listed by hand: Python reprs (``key=value``, ``None``,
``True``/``False``, a model's class name followed by a bracket, ``name='``) and English
identifiers (snake_case names, the scenario's field names, the catalogue's English labels),
once the user's own text (names, units, titles, file paths) is taken out."""

from __future__ import annotations

import re
import typing
from functools import lru_cache

from pydantic import BaseModel

from fundmodel import labels
from fundmodel.scenario import Scenario

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
REPRS = (re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*=\S"), re.compile(r"\b(None|True|False|nan)\b"),
         re.compile(r"\bname='"))


def _types(annotation) -> list:
    out = [annotation]
    for arg in typing.get_args(annotation):
        out += _types(arg)
    return out


@lru_cache(maxsize=None)
def scenario_models() -> tuple[type[BaseModel], ...]:
    """Every pydantic model a scenario is made of (walked from :class:`Scenario`)."""
    seen: dict[type, None] = {}

    def walk(model):
        if model in seen:
            return
        seen[model] = None
        for info in model.model_fields.values():
            for t in _types(info.annotation):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    walk(t)
    walk(Scenario)
    return tuple(seen)


@lru_cache(maxsize=None)
def field_names() -> frozenset[str]:
    """The keys a scenario file can hold (aliases as written)."""
    return frozenset(info.alias or name for model in scenario_models()
                     for name, info in model.model_fields.items())


@lru_cache(maxsize=None)
def enum_values() -> frozenset[str]:
    """The values of the scenario's enumerations (``Literal`` fields)."""
    out = set()
    for model in scenario_models():
        for info in model.model_fields.values():
            for t in _types(info.annotation):
                if typing.get_origin(t) is typing.Literal:
                    out |= {a for a in typing.get_args(t) if isinstance(a, str)}
    return frozenset(out)


def user_strings(scenario, extra=()) -> list[str]:
    """The user's own text in a scenario (every string value that is not an identifier of
    the catalogue nor a value of an enumeration), longest first."""
    found = set(extra)

    def walk(value):
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value and value not in enum_values() \
                and not labels.has_label(value):
            found.add(value)
            inner = re.fullmatch(r"[a-z_]+\[(.+)\]", value)   # income[<name>]: the name
            if inner:
                found.add(inner.group(1))
    walk(scenario)
    if scenario.portfolio is not None:
        table = scenario.portfolio.table
        for column in ("ids", "names", "streets", "neighbourhood"):
            values = getattr(table, column, None)
            if values is not None:
                found |= {str(v) for v in values}
    return sorted(found, key=len, reverse=True)


def without(text: str, strings) -> str:
    """``text`` with each of ``strings`` (a user's own names) blanked where it stands as a
    word: one pass of one pattern, the longest names tried first."""
    strings = sorted({s for s in strings if s}, key=len, reverse=True)
    if not strings:
        return text
    pattern = "|".join(re.escape(s) for s in strings)
    return re.sub(rf"(?<![\w.])(?:{pattern})(?![\w])", " ", text)


def leaks(text: str, scenario, extra=()) -> list[str]:
    """The Python reprs and English identifiers in ``text`` (a page's visible text, or a
    workbook's cells joined), the user's own text taken out first."""
    text = without(text, user_strings(scenario, extra))
    found = []
    for pattern in REPRS:
        found += [m.group(0) for m in pattern.finditer(text)]
    classes = {m.__name__ for m in scenario_models()}
    found += [m.group(0) for m in re.finditer(r"\b([A-Z][A-Za-z]+)\(", text)
              if m.group(1) in classes]
    found += SNAKE.findall(text)
    words = {w for w in (field_names() | enum_values()) if len(w) >= 3 and w.isascii()}
    found += [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    tables = (labels.NAMES, labels.COLUMNS, labels.PARTIES, labels.SOURCES, labels.VALUES,
              labels.FIELDS)
    english = {t[k].en for t in tables for k in t
               if len(t[k].en) >= 4 and t[k].en not in t[k].zh and re.search("[a-z]", t[k].en)}
    found += [e for e in english if re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", text)]
    return sorted(set(found))
