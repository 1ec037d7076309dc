"""``--set path=value``: change one value of a scenario before it is validated."""

from __future__ import annotations

import copy
from typing import Any, Iterable

from ..errors import QUOTE_CHARS, Issue, ScenarioError, quote, shorten
from .paths import format_path, parse_path
from .yamlio import Position, Positions, input_method_hint, load_yaml_value

__all__ = ["apply_overrides", "MAX_OVERRIDE_CHARS", "Override"]

MAX_OVERRIDE_CHARS = 100_000
"""Longest ``--set path=value`` accepted."""


class Override(str):
    """A ``path=value`` written by another option than ``--set`` (``--shock income*0.9``):
    the issues and the values' positions name ``source``, what the user wrote."""

    source: str

    def __new__(cls, text: str, source: str) -> "Override":
        obj = super().__new__(cls, text)
        obj.source = source
        return obj


APPEND = ("name", "+")
"""The path part ``[+]``: a new element at the end of a list (``shocks[+]={...}``)."""


def _resolve(node: Any, part: Any, done: tuple, text: str) -> Any:
    if part == APPEND:
        if not isinstance(node, list):
            raise _err(text, done, "[+] adds an element to a list: there is no list here")
        return len(node)
    if isinstance(part, tuple):  # [name] selector
        if not isinstance(node, list):
            raise _err(text, done, "a [name] selector needs a list here")
        for i, el in enumerate(node):
            if isinstance(el, dict) and el.get("name") == part[1]:
                return i
        names = [el.get("name") for el in node if isinstance(el, dict)]
        raise _err(text, done, f"no element named {quote(part[1])}; names: "
                   + shorten(", ".join(map(str, names)), 4 * QUOTE_CHARS))
    if isinstance(part, int):
        if not isinstance(node, list):
            raise _err(text, done, "an [index] needs a list here")
        if not 0 <= part < len(node):
            raise _err(text, done, f"index {part} is out of range (the list has {len(node)} "
                       "elements, counted from 0)")
        return part
    if not isinstance(node, dict):
        raise _err(text, done, f"cannot set {quote(part)} inside a {type(node).__name__}")
    return part


def _source(text: str) -> str:
    return getattr(text, "source", None) or f"--set {text}"


def _err(text: str, done: tuple, message: str) -> ScenarioError:
    return ScenarioError([Issue(format_path(done), message, _source(text))])


def apply_overrides(data: dict, positions: Positions, overrides: Iterable[str]
                    ) -> tuple[dict, Positions]:
    """Apply ``path=value`` strings to raw scenario data; return new ``(data, positions)``.

    ``path`` is dotted with list indexes counted from 0 or ``[name]`` selectors, e.g.
    ``funding[3].uptake=0.8`` or ``renovation.items[roof waterproofing].unit_cost=120``;
    ``value`` is YAML, so ``{dist: uniform, low: 0.7, high: 0.9}`` works; ``[+]`` adds an
    element at the end of a list (``shocks[+]={target: income, factor: 0.9}``, the list made
    if the file has none). The inputs are not modified. Values set here are reported as coming
    from ``--set path=value``.
    """
    data = copy.deepcopy(data)
    positions = dict(positions)
    for text in overrides:
        source = _source(text)
        if len(text) > MAX_OVERRIDE_CHARS:
            raise ScenarioError([Issue("", f"longer than {MAX_OVERRIDE_CHARS:,} characters; "
                                       "change a file instead", f"--set {text[:60]}...")])
        if "=" not in text:
            raise ScenarioError([Issue("", "expected path=value, e.g. "
                                       "operations.property_fee.rate_per_m2_month=0.6"
                                       + input_method_hint(text), source)])
        raw_path, raw_value = text.split("=", 1)
        try:
            parts = parse_path(raw_path)
        except ValueError as exc:
            raise ScenarioError([Issue("", str(exc) + input_method_hint(raw_path),
                                       source)]) from None
        value = load_yaml_value(raw_value, source, raw_path.strip())  # issues name the path
        node: Any = data
        done: tuple = ()
        created: list[tuple] = []
        for k, part in enumerate(parts):
            key = _resolve(node, part, done, text)
            done = done + (key,)
            if k == len(parts) - 1:
                if isinstance(node, list) and key == len(node):
                    node.append(value)
                else:
                    node[key] = value
            else:
                if isinstance(node, list) and key == len(node):
                    node.append({})
                    created.append(done)
                elif isinstance(node, dict) and key not in node:
                    node[key] = [] if parts[k + 1] == APPEND else {}
                    created.append(done)  # a key the file does not have: --set wrote it
                node = node[key]
        for p in [p for p in positions if p[:len(done)] == done]:
            del positions[p]
        for p in created + [done]:
            positions[p] = Position(None, None, source=source)
    return data, positions
