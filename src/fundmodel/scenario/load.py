"""Reading scenario files."""

from __future__ import annotations

import os
from typing import Iterable

from ..errors import Issue, ScenarioError
from .overrides import apply_overrides
from .scenario import Scenario
from .validate import parse_scenario
from .yamlio import load_yaml_text

__all__ = ["load_scenario", "read_scenario_text"]


def read_scenario_text(text: str, source: str = "<string>",
                       overrides: Iterable[str] = (), base_dir: str | None = None) -> Scenario:
    """Read a scenario from YAML (or JSON, which is YAML) text.

    Parameters
    ----------
    text : str
        The scenario.
    source : str
        Name used in error messages (e.g. the file name).
    overrides : iterable of str
        ``path=value`` changes applied before validation (see :func:`apply_overrides`).
    base_dir : str, optional
        Folder that file names in the scenario are relative to (default: current folder).
    """
    data, positions = load_yaml_text(text, source)
    overrides = list(overrides)
    if overrides:
        data, positions = apply_overrides(data, positions, overrides)
    return parse_scenario(data, positions, source, base_dir)


def load_scenario(path: str | os.PathLike, overrides: Iterable[str] = ()) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path : str or path-like
        A YAML (or JSON) scenario file.
    overrides : iterable of str
        ``path=value`` changes, as the CLI's ``--set``, e.g.
        ``["operations.property_fee.rate_per_m2_month=0.6"]``.

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
    try:
        with open(source, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ScenarioError([Issue("", f"cannot read the file: {exc.strerror or exc}",
                                   source)]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Issue("", "the file is not UTF-8 text", source, line)]) from None
    return read_scenario_text(text, source, overrides, os.path.dirname(source) or ".")
