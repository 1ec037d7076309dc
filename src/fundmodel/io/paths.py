"""Dotted field paths (``funding[3].uptake``) and walking a scenario's distributions."""

from __future__ import annotations

import re
from typing import Any, Iterator

from pydantic import BaseModel

from ..errors import quote, shorten

__all__ = ["Path", "format_path", "parse_path", "resolve_path", "iter_distributions"]

Path = tuple[str | int, ...]

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[([^\]]+)\]")


def format_path(path: Path) -> str:
    """``('funding', 3, 'uptake')`` → ``'funding[3].uptake'``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_path(text: str) -> tuple[str | int, ...]:
    """``'renovation.items[2].unit_cost'`` → ``('renovation', 'items', 2, 'unit_cost')``.

    A bracket that holds something other than digits is kept as a string selector (e.g.
    ``items[roof waterproofing]``), to be resolved against the ``name`` of list elements.
    Raises ValueError for a malformed path.
    """
    parts: list[str | int] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or (pos == 0 and text.startswith(".")):
            raise ValueError(f"cannot read the path {quote(text)} at character {pos + 1}")
        name, index, selector = m.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(("name", selector.strip()))  # type: ignore[arg-type]
        pos = m.end()
    if not parts:
        raise ValueError("empty path")
    return tuple(parts)


def iter_distributions(model: Any, is_distribution, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Yield ``(path, distribution)`` for every distribution in a scenario, in field order.

    ``is_distribution`` tells which values count as distributions (passed in so that this
    module needs no knowledge of the distribution classes).
    """
    if is_distribution(model):
        yield path, model
    elif isinstance(model, BaseModel):
        for name in type(model).model_fields:
            yield from iter_distributions(getattr(model, name), is_distribution, path + (name,))
    elif isinstance(model, (list, tuple)):
        for i, v in enumerate(model):
            yield from iter_distributions(v, is_distribution, path + (i,))


def resolve_path(model: Any, text: str) -> Path:
    """Resolve a dotted path (with ``[index]`` or ``[name]`` selectors) against a scenario
    model; return it with indexes only. Raises ValueError saying where it fails."""
    out: list[str | int] = []
    node = model
    for part in parse_path(text):
        if isinstance(part, tuple):
            if not isinstance(node, list):
                raise ValueError(f"{format_path(tuple(out)) or 'the top'} is not a list")
            names = [getattr(el, "name", None) for el in node]
            if part[1] not in names:
                raise ValueError(f"{format_path(tuple(out))} has no element named "
                                 f"{quote(part[1])}")
            part = names.index(part[1])
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                raise ValueError(f"{shorten(format_path(tuple(out + [part])), 160)} does not "
                                 "exist")
            node = node[part]
        else:
            if not isinstance(node, BaseModel) or part not in type(node).model_fields:
                raise ValueError(f"{shorten(format_path(tuple(out + [part])), 160)} does not "
                                 "exist")
            node = getattr(node, part)
        out.append(part)
    return tuple(out)
