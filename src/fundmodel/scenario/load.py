"""Reading scenario files."""

from __future__ import annotations

import os
from typing import Iterable

from ..errors import Issue, ScenarioError
from ..io.overrides import apply_overrides
from .scenario import Scenario
from .validate import parse_scenario
from ..io.yamlio import (MAX_TEXT_BYTES, load_yaml_text, open_regular_file, not_utf8_issue_parts,
                         too_large_message)

__all__ = ["load_scenario", "read_scenario_text", "value_origin"]


def read_scenario_text(text: str, source: str = "<string>",
                       overrides: Iterable[str] = (), base_dir: str | None = None,
                       allow_outside_files: bool = False) -> Scenario:
    """Read a scenario from YAML (or JSON, which is YAML) text.

    Parameters
    ----------
    text : str
        The scenario, at most :data:`~fundmodel.io.yamlio.MAX_TEXT_BYTES` bytes of UTF-8.
    source : str
        Name used in error messages (e.g. the file name).
    overrides : iterable of str
        ``path=value`` changes applied before validation (see :func:`apply_overrides`).
    base_dir : str, optional
        Folder that file names in the scenario are relative to (default: current folder).
    allow_outside_files : bool
        Let the scenario read data files (empirical distributions' CSV files) outside
        ``base_dir``; by default such a file is an error.
    """
    data, positions = load_yaml_text(text, source)
    overrides = list(overrides)
    if overrides:
        data, positions = apply_overrides(data, positions, overrides)
    return parse_scenario(data, positions, source, base_dir,
                          allow_outside_files=allow_outside_files)


def _read_bytes(source: str) -> bytes:
    """The file's bytes, reading at most one byte more than the size limit (so that neither a
    huge file nor an endless one such as /dev/zero is read whole). Only a regular file is read:
    a FIFO, a device or a folder is refused before it is opened for reading (a FIFO would
    block until something writes to it)."""
    try:
        with open_regular_file(source) as fh:
            raw = fh.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([Issue("", f"cannot read the file: {exc.strerror or exc}",
                                   source)]) from None
    except ValueError as exc:  # e.g. a NUL character in the name
        raise ScenarioError([Issue("", f"cannot read the file: {exc}", source)]) from None
    if len(raw) > MAX_TEXT_BYTES:
        head = raw[:MAX_TEXT_BYTES]
        line = head.count(b"\n") + 1
        col = len(head[head.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise ScenarioError([Issue("", too_large_message("the file", "it goes on past line "
                                                         f"{line:,}", MAX_TEXT_BYTES),
                                   source, line, col)])
    return raw


def load_scenario(path: str | os.PathLike, overrides: Iterable[str] = (),
                  allow_outside_files: bool = False) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        A YAML (or JSON) scenario file, UTF-8, at most
        :data:`~fundmodel.io.yamlio.MAX_TEXT_BYTES` bytes (2 MB).
    overrides : iterable of str
        ``path=value`` changes, as the CLI's ``--set``, e.g.
        ``["operations.property_fee.rate_per_m2_month=0.6"]``.
    allow_outside_files : bool
        Let the scenario read data files (empirical distributions' CSV files) outside the
        scenario file's folder (as ``--allow-outside-files`` does); by default such a file is
        an error.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file cannot be read or is not a valid scenario; every issue names
        ``file:line:column`` and the dotted field path.
    """
    source = os.fspath(path)
    raw = _read_bytes(source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message, line, col = not_utf8_issue_parts(raw, exc)
        raise ScenarioError([Issue("", message, source, line, col)]) from None
    return read_scenario_text(text, source, overrides, os.path.dirname(source) or ".",
                              allow_outside_files=allow_outside_files)


def value_origin(path: str | os.PathLike, overrides: Iterable[str], field: tuple) -> str | None:
    """Where a scenario file, with its ``--set`` overrides, gives the value at ``field`` (a
    path such as ``("simulation", "draws")``): ``file:line:column``, or the ``--set`` that
    wrote it; None when neither does (the default holds) or the file cannot be read again.
    For messages about a value the run found too large (the draws for memory)."""
    try:
        source = os.fspath(path)
        data, positions = load_yaml_text(_read_bytes(source).decode("utf-8-sig"), source)
        overrides = list(overrides)
        if overrides:
            data, positions = apply_overrides(data, positions, overrides)
    except (ScenarioError, UnicodeDecodeError):
        return None
    pos = positions.get(tuple(field))
    if pos is None:
        return None
    if pos.line is None:
        return pos.source
    return Issue(".".join(map(str, field)), "", pos.source or source, pos.line,
                 pos.column).location()
