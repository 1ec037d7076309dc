"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: mappings, sequences and scalars (strings, numbers, booleans, null).
Tags that would build Python objects are refused, duplicate keys are refused (PyYAML silently
keeps the last one), and keys must be strings. Aliases (``*name``) are refused, so a small file
can never expand into a huge (or endless, ``&a [*a]``) value, and nesting is limited to
:data:`MAX_DEPTH` levels, so reading never exhausts the stack. Alongside the data comes a table
from each dotted path to its position in the file, so that errors can name ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import re

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Issue, ScenarioError
from .paths import Path, format_path

__all__ = ["MAX_DEPTH", "Position", "Positions", "load_yaml_text", "load_yaml_value"]

MAX_DEPTH = 100
"""Deepest nesting of mappings and lists accepted in a scenario file."""

_YAML12_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)$")

_STD_TAGS = {
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}

# What the parser's "while parsing ..." context opened, to say where it began.
_OPENERS = (("flow sequence", "the bracket opened"), ("flow mapping", "the brace opened"),
            ("quoted scalar", "the quote opened"), ("block mapping", "the mapping started"),
            ("block sequence", "the list started"))


@dataclass(frozen=True)
class Position:
    """1-based line and column of a value, and of its key when it is a mapping entry.

    ``source`` overrides the file name for values that came from elsewhere (``--set``).
    ``text`` is the value exactly as written, for a scalar (``yes`` for what was read as
    ``True``), so that messages can echo what the analyst wrote.
    """

    line: int | None
    column: int | None
    key_line: int | None = None
    key_column: int | None = None
    source: str | None = None
    text: str | None = None


Positions = dict[Path, Position]


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Refused(Exception):
    """Raised by the composer for YAML it will not build (an alias, too deep a nesting)."""

    def __init__(self, mark, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Loader(yaml.SafeLoader):
    """The safe loader, with a composer that refuses aliases and limits nesting depth.

    PyYAML's scanner and parser are iterative; only its composer recurses, once per level of
    nesting, so bounding the depth here bounds the recursion of the whole read.
    """

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark, f"YAML aliases (*{event.anchor}) are not supported "
                           "in scenario files; write the value out")
        nests = self.check_event(SequenceStartEvent, MappingStartEvent)
        if nests:
            if self._depth >= MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark,
                               f"nesting deeper than {MAX_DEPTH} levels; scenario files are "
                               "not that deep")
            self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            if nests:
                self._depth -= 1


class _Where:
    """Turns YAML marks into issue positions.

    In a file, a mark becomes the issue's line and column. A ``--set`` value is one line of
    a command, not a file: its issues get no line or column (``--set path=value:1:12`` would
    mangle the value as printed); the column goes into the message instead.
    """

    def __init__(self, source: str, inline: bool):
        self.source, self.inline = source, inline

    def phrase(self, line: int, col: int) -> str:
        return f"column {col}" if line == 1 else f"line {line}, column {col}"

    def issue(self, path: Path, message: str, line: int | None, col: int | None) -> Issue:
        if not self.inline:
            return Issue(format_path(path), message, self.source, line, col)
        if line is not None:
            message = f"{message} (at {self.phrase(line, col)} of the value)"
        return Issue(format_path(path), message, self.source)

    def syntax_error(self, exc: yaml.MarkedYAMLError) -> Issue:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = ": ".join(s.strip() for s in (exc.context, exc.problem) if s)
        ctx = exc.context_mark
        if exc.context and ctx is not None and mark is not None and ctx is not mark:
            opener = next((o for k, o in _OPENERS if k in exc.context), "it started")
            cl, cc = ctx.line + 1, ctx.column + 1
            if self.inline:
                at = self.phrase(cl, cc)
            else:
                at = f"line {cl}" if cl != line else f"column {cc} of this line"
            what += f" ({opener} at {at})"
        if self.inline and line is not None:
            return Issue("", f"YAML syntax error at {self.phrase(line, col)}: {what}", self.source)
        return Issue("", f"YAML syntax error: {what}", self.source, line, col)


class _Reader:
    def __init__(self, where: _Where):
        self.where = where
        self.positions: Positions = {}
        self.constructor = yaml.SafeLoader("")  # used for scalar resolution only

    def error(self, node: Node, path: Path, message: str) -> ScenarioError:
        line, col = _mark(node)
        return ScenarioError([self.where.issue(path, message, line, col)])

    def build(self, node: Node, path: Path, key_node: Node | None = None) -> Any:
        # Recursion is bounded: the composer refused nesting deeper than MAX_DEPTH and aliases
        # (the only way a node can contain itself).
        line, col = _mark(node)
        kl, kc = _mark(key_node) if key_node is not None else (None, None)
        text = node.value if isinstance(node, ScalarNode) else None
        self.positions[path] = Position(line, col, kl, kc, text=text)
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
        except (ValueError, OverflowError) as exc:  # e.g. 2025-02-30 (no such day)
            raise self.error(node, path, f"cannot read {node.value!r}: {exc}") from None

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.error(key_node, path, "YAML merge keys (<<) are not supported")
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                what = (repr(key_node.value) if isinstance(key_node, ScalarNode) else
                        "a list" if isinstance(key_node, SequenceNode) else "a mapping")
                raise self.error(key_node, path, f"keys must be plain words, not {what}")
            key = key_node.value
            if key in first:
                raise self.error(key_node, path + (key,), f"duplicate key '{key}' (first at "
                                 f"{self._at(first[key])})")
            first[key] = key_node
            out[key] = self.build(value_node, path + (key,), key_node)
        return out

    def _at(self, node: Node) -> str:
        line, col = _mark(node)
        return self.where.phrase(line, col) if self.where.inline else f"line {line}"


def _too_deep(where: _Where) -> ScenarioError:
    return ScenarioError([where.issue((), "the YAML is nested too deeply to read", None, None)])


def _build(node: Node, where: _Where) -> tuple[Any, Positions]:
    reader = _Reader(where)
    try:
        return reader.build(node, ()), reader.positions
    except RecursionError:  # the composer bounds the depth; this is only a safety net
        raise _too_deep(where) from None


def _compose(text: str, where: _Where) -> Node | None:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except _Refused as exc:
        m = exc.mark
        raise ScenarioError([where.issue((), exc.message, m.line + 1, m.column + 1)]) from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([where.syntax_error(exc)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([where.issue((), f"YAML error: {exc}", None, None)]) from None
    except RecursionError:  # only if called with the stack already nearly full
        raise _too_deep(where) from None
    if len(nodes) > 1:
        line, col = _mark(nodes[1])
        one = "write one value per --set" if where.inline else "write one scenario per file"
        raise ScenarioError([where.issue((), "the text holds more than one YAML document (---); "
                                         + one, line, col)])
    return nodes[0] if nodes else None


def load_yaml_text(text: str, source: str = "<string>") -> tuple[Any, Positions]:
    """Parse a YAML scenario safely; return ``(data, positions)``.

    Raises
    ------
    ScenarioError
        For a syntax error, a forbidden tag, an alias, nesting deeper than
        :data:`MAX_DEPTH`, a duplicate key, a non-string key, an empty document, more than one
        document or a top level that is not a mapping, each naming ``source:line:column``.
    """
    where = _Where(source, inline=False)
    node = _compose(text, where)
    if node is None:
        raise ScenarioError([Issue("", "the file is empty; a scenario is a YAML mapping with "
                                   "name, compound, renovation, funding and operations",
                                   source, 1, 1)])
    data, positions = _build(node, where)
    if not isinstance(data, dict):
        line, col = _mark(node)
        raise ScenarioError([Issue("", f"a scenario must be a mapping of keys to values, not a "
                                   f"{type(data).__name__}", source, line, col)])
    return data, positions


def load_yaml_value(text: str, source: str) -> Any:
    """Parse one YAML value (a number, a string, ``{dist: ...}``...) with the same safety
    rules as :func:`load_yaml_text`; an empty text is ``None``.

    The value is one line of a command rather than a file, so its issues carry no line or
    column (which would garble ``source`` as printed); the message says at which column.
    """
    where = _Where(source, inline=True)
    node = _compose(text, where)
    return None if node is None else _build(node, where)[0]
