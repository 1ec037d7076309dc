"""Safe YAML reading that remembers where every value came from.

Only plain YAML is accepted: mappings, sequences and scalars (strings, numbers, booleans, null).
Tags that would build Python objects are refused, duplicate keys are refused (PyYAML silently
keeps the last one), and keys must be strings. Aliases (``*name``) are refused, so a small file
can never expand into a huge (or endless, ``&a [*a]``) value, and nesting is limited to
:data:`MAX_DEPTH` levels, so reading never exhausts the stack. A text is at most
:data:`MAX_TEXT_BYTES` long and holds at most :data:`MAX_NODES` values, so that reading takes
seconds at most. Tags are checked against their values (``!!int abc`` is an error, not a
library exception), characters YAML forbids are reported at their line and column, and text
typed with a Chinese input method (``：``, ``０.35``) gets a hint. Alongside the data comes a
table from each dotted path to its position in the file, so that errors can name
``file:line:column``.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from typing import Any, BinaryIO

import yaml
from yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Issue, ScenarioError, shorten
from .paths import Path, format_path

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_TEXT_BYTES", "Position", "Positions", "line_column",
           "input_method_hint", "load_yaml_text", "load_yaml_value", "not_utf8_issue_parts",
           "open_regular_file", "too_large_message"]

MAX_DEPTH = 100
"""Deepest nesting of mappings and lists accepted in a scenario file."""

MAX_TEXT_BYTES = 2_000_000
"""Largest scenario text accepted, in bytes of UTF-8 (2 MB; real scenarios are a few kB)."""

MAX_NODES = 50_000
"""Most values (keys, numbers, texts, lists, mappings) in one scenario text: PyYAML reads some
20,000 of them a second, so this bounds the time to read any accepted file to a few seconds."""

_YAML_BREAKS = "\n\x85\u2028\u2029"

_YAML12_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)$")

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR = _TAG + "map", _TAG + "seq", _TAG + "str"
_INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (_TAG + t for t in ("int", "float", "bool", "null",
                                                             "timestamp"))
_STD_TAGS = {_MAP, _SEQ, _STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP}
_SCALAR_TAGS = _STD_TAGS - {_MAP, _SEQ}
_EXPECTED = {_INT: "a whole number", _FLOAT: "a number", _BOOL: "true or false",
             _NULL: "null, ~ or nothing", _TIMESTAMP: "a date such as 2025-01-31"}

# Characters a YAML stream may not hold (PyYAML's own rule), and characters a text value may not
# hold once its escapes are read (control characters other than tab and line breaks, and lone
# surrogates, which no file can store and no terminal can print).
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_BAD_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 0x1b: "ESC", 0x7f: "DEL"}
_MAX_CHARACTER_ISSUES = 10

# What a Chinese input method types instead of the ASCII character YAML needs.
_INPUT_METHOD = {"\u3000": ("a full-width space", " "), "、": ("an ideographic comma", ","),
                 "。": ("an ideographic full stop", "."), "“": ("a curly quote", '"'),
                 "”": ("a curly quote", '"'), "‘": ("a curly quote", "'"),
                 "’": ("a curly quote", "'"), "【": ("a full-width bracket", "["),
                 "】": ("a full-width bracket", "]")}

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


def _not_regular(mode: int, path: str) -> OSError | None:
    """An OSError saying what ``path`` is, if not a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    return OSError(errno.EINVAL, f"it is {kind}, not a regular file", path)


def open_regular_file(path: str | os.PathLike) -> BinaryIO:
    """``path`` opened for reading in binary, only if it is a regular file (symbolic links
    followed): a FIFO, a device, a socket or a folder is refused before it is opened (a FIFO
    would block until something writes to it, a device may never end), and checked again on
    the open file (non-blocking), so that one swapped in meanwhile is refused too.

    Raises
    ------
    OSError
        If the file cannot be opened or is not a regular file (``strerror`` says what it is).
    """
    name = os.fspath(path)
    error = _not_regular(os.stat(name).st_mode, name)
    if error is not None:
        raise error
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        error = _not_regular(os.fstat(fd).st_mode, name)
        if error is not None:
            raise error
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counted as PyYAML counts them (``\\n``,
    NEL, U+2028, U+2029 and a lone ``\\r`` end a line; a byte-order mark takes no column), so
    that they agree with the positions of every other issue."""
    head = text[:index]
    line = sum(head.count(b) for b in _YAML_BREAKS) + head.count("\r") - head.count("\r\n") + 1
    start = max(head.rfind(b) for b in _YAML_BREAKS + "\r") + 1
    return line, index - start - head.count("\ufeff", start) + 1


def _character_name(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (a lone surrogate, not a character)"
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    return f"U+{code:04X} ({name + ', ' if name else ''}a control character)"


def _fullwidth(ch: str) -> tuple[str, str] | None:
    """What ``ch`` is and the ASCII character meant, if an input method typed it."""
    if ch in _INPUT_METHOD:
        return _INPUT_METHOD[ch]
    if "\uff01" <= ch <= "\uff5e":
        ascii_ch = chr(ord(ch) - 0xFEE0)
        what = ("a full-width digit" if ascii_ch.isdigit() else "a full-width letter"
                if ascii_ch.isalpha() else "a full-width "
                + unicodedata.name(ch).lower().replace("fullwidth ", ""))
        return what, ascii_ch
    return None


def input_method_hint(text: str | None) -> str:
    """A hint for characters a Chinese input method types in place of YAML's ASCII ones, e.g.
    ``"; '：' is a full-width colon; write ':'"`` (``""`` when there are none)."""
    kinds: dict[str, list[tuple[str, str]]] = {}
    for ch in dict.fromkeys(text or ""):
        if (fw := _fullwidth(ch)) is not None:
            kinds.setdefault(fw[0], []).append((ch, fw[1]))
    hints = []
    for what, pairs in list(kinds.items())[:3]:
        if len(pairs) == 1:
            hints.append(f"'{pairs[0][0]}' is {what}; write '{pairs[0][1]}'")
        else:
            plural = what.split(" ", 1)[1] + "s"
            hints.append(f"{', '.join(repr(c) for c, _ in pairs)} are {plural}; write "
                         f"{', '.join(repr(a) for _, a in pairs)}")
    return "".join(f"; {h}" for h in hints)


def _first_fullwidth(line: str) -> int | None:
    """Index of the first input-method character of a line, outside a comment."""
    code = re.sub(r"(^|\s)#.*", "", line)
    return next((i for i, ch in enumerate(code) if _fullwidth(ch) is not None), None)


def _cjk_share(text: str) -> float:
    wide = [c for c in text if ord(c) > 0x7F]
    cjk = [c for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f"
           or "\uff00" <= c <= "\uffef"]
    return len(cjk) / len(wide) if wide else 0.0


def not_utf8_issue_parts(raw: bytes, exc: UnicodeDecodeError) -> tuple[str, int, int]:
    """``(message, line, column)`` for bytes that are not UTF-8: where the first bad byte is,
    and what the text probably is instead (GBK/GB18030, UTF-16, or binary). The message never
    holds the file's content."""
    line = raw[:exc.start].count(b"\n") + 1
    col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
    message = f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02X} cannot be read)"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return message + "; it is UTF-16 text: save it as UTF-8", line, col
    if b"\x00" in raw[:4096]:
        return message + "; it looks like a binary file, not a text file", line, col
    try:
        guess = raw.decode("gb18030")
    except UnicodeDecodeError:
        return message + "; save it as UTF-8", line, col
    if _cjk_share(guess) > 0.5:
        return (message + "; it looks like GBK/GB18030 (Chinese Windows encoding): save it as "
                "UTF-8", line, col)
    return message + "; save it as UTF-8", line, col


def too_large_message(what: str, size: str, limit: int) -> str:
    """The message for a text or file over its size limit."""
    return (f"{what} is larger than {limit:,} bytes ({size}); a scenario is a few kB of text — "
            "is this the right file?")


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
    _nodes = 0

    def compose_node(self, parent, index):
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(self.peek_event().start_mark,
                           f"more than {MAX_NODES:,} values (keys, numbers, texts, lists); "
                           "scenario files are not that large (long lists of observations "
                           "belong in a CSV file: {dist: empirical, file: ..., column: ...})")
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

    def __init__(self, source: str, inline: bool, text: str = "", prefix: str = ""):
        self.source, self.inline, self.text, self.prefix = source, inline, text, prefix

    def value_issue(self, path: Path, message: str, line: int, col: int) -> Issue:
        """An issue about a value: its path is below ``prefix`` (the field a --set changes)."""
        inner = format_path(path)
        if self.prefix:
            inner = self.prefix + ("" if not inner or inner.startswith("[") else ".") + inner
        issue = self.issue((), message, line, col)
        return Issue(inner, issue.message, issue.file, issue.line, issue.column)

    def phrase(self, line: int, col: int) -> str:
        return f"column {col}" if line == 1 else f"line {line}, column {col}"

    def issue(self, path: Path, message: str, line: int | None, col: int | None) -> Issue:
        if not self.inline:
            return Issue(format_path(path), message, self.source, line, col)
        if line is not None:
            message = f"{message} (at {self.phrase(line, col)} of the value)"
        return Issue(format_path(path), message, self.source)

    def fullwidth_at(self, first: int, last: int) -> tuple[str, int, int] | None:
        """An input-method hint for the first of lines ``first..last`` (outside comments)
        that has such characters, with the line and column of the first of them."""
        lines = re.split("\r\n|[\r" + _YAML_BREAKS + "]", self.text)
        for n in range(max(first, 1), min(last, len(lines)) + 1):
            col = _first_fullwidth(lines[n - 1])
            if col is not None:
                return input_method_hint(re.sub(r"(^|\s)#.*", "", lines[n - 1])), n, col + 1
        return None

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
        if line is not None:
            # A full-width ':' or space typed by an input method is the likely cause: point at
            # it, and say where YAML gave up.
            first = min(line - 1, ctx.line + 1) if ctx is not None else line - 1
            if (found := self.fullwidth_at(first, line)) is not None:
                hint, fl, fc = found
                if (fl, fc) != (line, col):
                    what += f" (YAML stopped at {self.phrase(line, col)})"
                    line, col = fl, fc
                what += hint
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
        return ScenarioError([self.where.value_issue(path, message, line, col)])

    def build(self, node: Node, path: Path, key_node: Node | None = None) -> Any:
        # Recursion is bounded: the composer refused nesting deeper than MAX_DEPTH and aliases
        # (the only way a node can contain itself).
        line, col = _mark(node)
        kl, kc = _mark(key_node) if key_node is not None else (None, None)
        text = node.value if isinstance(node, ScalarNode) else None
        self.positions[path] = Position(line, col, kl, kc, text=text)
        if node.tag not in _STD_TAGS:
            tag = "!!" + node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
            raise self.error(node, path, f"YAML tag '{tag}' is not allowed: scenario files "
                             "hold plain data only")
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self._wrong_kind(node, path, "a mapping")
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise self._wrong_kind(node, path, "a list")
            return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag not in _SCALAR_TAGS:
            raise self._wrong_kind(node, path, "a single value")
        if node.tag == _STR:
            self._check_text(node, path, node.value)
            if node.style is None and _YAML12_FLOAT.match(node.value):
                return float(node.value)  # YAML 1.2 reads 1e5 as a number; PyYAML does not
            return node.value
        return self._typed_scalar(node, path)

    def _wrong_kind(self, node: Node, path: Path, kind: str) -> ScenarioError:
        return self.error(node, path, f"the tag !!{node.tag[len(_TAG):]} does not fit {kind}; "
                          "leave the tag out")

    def _typed_scalar(self, node: ScalarNode, path: Path) -> Any:
        """A scalar tagged (or resolved as) int, float, bool, null or timestamp: its text must
        be one YAML reads as that type, else a located error (never a library exception)."""
        tag, value = node.tag, node.value
        name = tag[len(_TAG):]
        implicit = self.constructor.resolve(ScalarNode, value, (True, False))
        fits = (implicit == tag or (tag == _FLOAT and (implicit == _INT
                                                      or _YAML12_FLOAT.match(value))))
        if not fits:
            raise self.error(node, path, f"cannot read {value!r} as !!{name}: expected "
                             f"{_EXPECTED[tag]}{input_method_hint(value)}")
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - e.g. 2025-02-30 (no such day): any failure
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise self.error(node, path, f"cannot read {value!r}: {reason}") from None

    def _check_text(self, node: Node, path: Path, text: str) -> None:
        """Refuse text whose escapes (``"\\ud800"``, ``"\\x1b"``) give a lone surrogate or a
        control character: no file can store the one, and the other would drive the terminal
        when the text is printed."""
        if m := _BAD_IN_TEXT.search(text):
            raise self.error(node, path, f"this text holds {_character_name(m.group())}, which "
                             "a scenario text cannot hold; remove the escape that writes it")

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
            self._check_text(key_node, path, key)
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


def _check_characters(text: str, where: _Where) -> None:
    """Every character YAML forbids (control characters, lone surrogates), each at its line and
    column (PyYAML itself reports only the first, at a character offset)."""
    issues = []
    for m in _NON_PRINTABLE.finditer(text):
        line, col = line_column(text, m.start())
        issues.append(where.issue((), f"the character {_character_name(m.group())} is not "
                                  "allowed in YAML; delete it", line, col))
        if len(issues) == _MAX_CHARACTER_ISSUES:
            break
    if issues:
        raise ScenarioError(issues)


def _check_size(text: str, where: _Where) -> None:
    if len(text) <= MAX_TEXT_BYTES // 4:
        return  # cannot exceed the limit (at most 4 bytes a character)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise ScenarioError([where.issue((), too_large_message("the text", f"{size:,} bytes",
                                                               MAX_TEXT_BYTES), 1, 1)])


def _compose(text: str, where: _Where) -> Node | None:
    _check_size(text, where)
    _check_characters(text, where)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except _Refused as exc:
        m = exc.mark
        raise ScenarioError([where.issue((), exc.message, m.line + 1, m.column + 1)]) from None
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([where.syntax_error(exc)]) from None
    except yaml.reader.ReaderError as exc:  # a safety net: _check_characters found them first
        line, col = line_column(text, exc.position)
        raise ScenarioError([where.issue((), f"the character U+{exc.character:04X} is not "
                                         "allowed in YAML; delete it", line, col)]) from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError([where.issue((), f"YAML error: {first}", None, None)]) from None
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
        For a syntax error, a forbidden tag or a value its tag cannot read, an alias, nesting
        deeper than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` values or
        :data:`MAX_TEXT_BYTES` bytes, a character YAML forbids, a duplicate key, a non-string
        key, an empty document, more than one document or a top level that is not a mapping,
        each naming ``source:line:column``.
    """
    where = _Where(source, inline=False, text=text)
    node = _compose(text, where)
    if node is None:
        raise ScenarioError([Issue("", "the file is empty; a scenario is a YAML mapping with "
                                   "name, compound, renovation, funding and operations",
                                   source, 1, 1)])
    data, positions = _build(node, where)
    if not isinstance(data, dict):
        line, col = _mark(node)
        hint = input_method_hint(data) if isinstance(data, str) else ""
        raise ScenarioError([Issue("", f"a scenario must be a mapping of keys to values, not a "
                                   f"{type(data).__name__}{hint}", source, line, col)])
    return data, positions


def load_yaml_value(text: str, source: str, path: str = "") -> Any:
    """Parse one YAML value (a number, a string, ``{dist: ...}``...) with the same safety
    rules as :func:`load_yaml_text`; an empty text is ``None``.

    The value is one line of a command rather than a file, so its issues carry no line or
    column (which would garble ``source`` as printed); the message says at which column.
    Issues about a value name ``path`` (the field being set) and the path below it.
    """
    where = _Where(source, inline=True, text=text, prefix=path)
    lines = re.split("\r\n|[\r" + _YAML_BREAKS + "]", text)
    for n, line in enumerate(lines, 1):
        if (line.lstrip(" \t") if n == 1 else line).startswith("%"):  # %YAML, %TAG: a header
            raise ScenarioError([where.value_issue(
                (), f"a --set value is one plain YAML value; the directive "
                f"'{shorten(line.split()[0], 20)}' is not allowed (write the value alone)",
                n, 1 + len(line) - len(line.lstrip(" \t")))])
    node = _compose(text, where)
    return None if node is None else _build(node, where)[0]
