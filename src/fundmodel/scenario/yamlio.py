"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: mappings, sequences and scalars (strings, numbers, booleans, null).
Tags that would build Python objects are refused, duplicate keys are refused (PyYAML silently
keeps the last one), and keys must be strings. Alongside the data comes a table from each
dotted path to its position in the file, so that errors can name ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Issue, ScenarioError
from .paths import Path, format_path

__all__ = ["Position", "Positions", "load_yaml_text"]

_YAML12_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)$")

_STD_TAGS = {
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Position:
    """1-based line and column of a value, and of its key when it is a mapping entry.

    ``source`` overrides the file name for values that came from elsewhere (``--set``).
    """

    line: int | None
    column: int | None
    key_line: int | None = None
    key_column: int | None = None
    source: str | None = None


Positions = dict[Path, Position]


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.positions: Positions = {}
        self.constructor = yaml.SafeLoader("")  # used for scalar resolution only

    def error(self, node: Node, path: Path, message: str) -> ScenarioError:
        line, col = _mark(node)
        return ScenarioError([Issue(format_path(path), message, self.source, line, col)])

    def build(self, node: Node, path: Path, key_node: Node | None = None) -> Any:
        line, col = _mark(node)
        kl, kc = _mark(key_node) if key_node is not None else (None, None)
        self.positions[path] = Position(line, col, kl, kc)
        if node.tag not in _STD_TAGS:
            raise self.error(node, path, f"YAML tag '{node.tag}' is not allowed: scenario files "
                             "hold plain data only")
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag == "tag:yaml.org,2002:str" and node.style is None and _YAML12_FLOAT.match(node.value):
            return float(node.value)  # YAML 1.2 reads 1e5 as a number; PyYAML (YAML 1.1) does not
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:  # e.g. a malformed timestamp-like value
            raise self.error(node, path, f"cannot read this value: {exc}") from None

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.error(key_node, path, "YAML merge keys (<<) are not supported")
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise self.error(key_node, path, f"keys must be plain words, not "
                                 f"{key_node.value!r}")
            key = key_node.value
            if key in first:
                raise self.error(key_node, path + (key,), f"duplicate key '{key}' (first at line "
                                 f"{_mark(first[key])[0]})")
            first[key] = key_node
            out[key] = self.build(value_node, path + (key,), key_node)
        return out


def _compose(text: str, source: str) -> Node | None:
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = " ".join(s for s in (exc.context, exc.problem) if s)
        raise ScenarioError([Issue("", f"YAML syntax error: {what}", source, line, col)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Issue("", f"YAML error: {exc}", source)]) from None
    if len(nodes) > 1:
        line, col = _mark(nodes[1])
        raise ScenarioError([Issue("", "the text holds more than one YAML document (---); "
                                   "write one scenario per file", source, line, col)])
    return nodes[0] if nodes else None


def load_yaml_text(text: str, source: str = "<string>") -> tuple[Any, Positions]:
    """Parse a YAML scenario safely; return ``(data, positions)``.

    Raises
    ------
    ScenarioError
        For a syntax error, a forbidden tag, a duplicate key, a non-string key, an empty
        document, more than one document or a top level that is not a mapping, each naming
        ``source:line:column``.
    """
    node = _compose(text, source)
    if node is None:
        raise ScenarioError([Issue("", "the file is empty; a scenario is a YAML mapping with "
                                   "name, compound, renovation, funding and operations",
                                   source, 1, 1)])
    reader = _Reader(source)
    data = reader.build(node, ())
    if not isinstance(data, dict):
        line, col = _mark(node)
        raise ScenarioError([Issue("", f"a scenario must be a mapping of keys to values, not a "
                                   f"{type(data).__name__}", source, line, col)])
    return data, reader.positions


def load_yaml_value(text: str, source: str) -> Any:
    """Parse one YAML value (a number, a string, ``{dist: ...}``...) with the same safety
    rules as :func:`load_yaml_text`; an empty text is ``None``."""
    node = _compose(text, source)
    return None if node is None else _Reader(source).build(node, ())
