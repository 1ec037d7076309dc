"""The uncertain inputs of a scenario as factors: their names (as ``--set`` writes them), their
point estimates and the columns of :attr:`fundmodel.results.Result.inputs`.

A *factor* is one distribution of the scenario that has a single value per draw (the columns
of :class:`fundmodel.inputs.sampling.InputSpace`). Inputs drawn for every household separately
or for every compound of a portfolio are not factors. An input drawn anew every year
(``each_year``) is one factor (its level, not its year-to-year noise; see docs/sensitivity.md).
The sensitivity analyses (:mod:`fundmodel.sensitivity`) vary them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..scenario import Scenario
from ..io.paths import Path, format_path, resolve_path
from .lever_paths import lever_path
from .sampling import input_space

__all__ = ["Factor", "factors", "input_name", "input_columns", "point_rows"]


@dataclass(frozen=True)
class Factor:
    """One uncertain input: its ``name`` (the path as ``--set`` writes it), ``path`` (with
    list indexes), distribution ``dist`` and ``width`` (1, or ``horizon_years`` for an input
    drawn each year)."""

    name: str
    path: Path
    dist: Any
    width: int

    @property
    def each_year(self) -> bool:
        return bool(self.dist.each_year)


def input_name(scenario: Scenario, path: Path) -> str:
    """The path of an input as ``--set`` writes it: a list element by its ``name`` when the
    name is unique in its list and reads back to the same element
    (``renovation.items[roof waterproofing].unit_cost``), else by its index
    (``funding[3].uptake``)."""
    text, node = "", scenario
    for part in path:
        if isinstance(part, int):
            name = getattr(node[part], "name", None)
            names = [getattr(el, "name", None) for el in node]
            usable = (isinstance(name, str) and name and name == name.strip()
                      and "]" not in name and not name.isdigit() and names.count(name) == 1)
            text += f"[{name}]" if usable else f"[{part}]"
            node = node[part]
        else:
            text += f".{part}" if text else part
            node = getattr(node, part)
    try:
        if resolve_path(scenario, text) == tuple(path):
            return text
    except ValueError:
        pass
    return format_path(path)


def factors(scenario: Scenario) -> list[Factor]:
    """The scenario's factors, in the order of the file (that of its uniform columns)."""
    space = input_space(scenario)
    return [Factor(input_name(scenario, p), p, d, w)
            for p, d, w in zip(space.paths, space.dists, space.widths)]


def input_columns(scenario: Scenario) -> list[str]:
    """The columns of :attr:`fundmodel.results.Result.inputs`: a factor's name, or
    ``<name>@1`` … ``<name>@T`` for one drawn each year."""
    out: list[str] = []
    for f in factors(scenario):
        out.extend([f.name] if f.width == 1 and not f.each_year
                   else [f"{f.name}@{t}" for t in range(1, f.width + 1)])
    return out


def point_rows(scenario: Scenario, how: str | None, n: int,
               levers: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """``(n, columns)``: every factor at its point estimate (``how``, default the scenario's),
    with a lever's values (a batch's, ``(n,)``) in its columns where the lever is a factor."""
    how = how or scenario.simulation.point_estimate
    found = factors(scenario)
    lever_values = {lever_path(scenario, text): np.asarray(v, dtype=float)
                    for text, v in (levers or {}).items()}
    blocks = []
    for f in found:
        value = lever_values.get(f.path)
        column = (np.full(n, f.dist.point(how)) if value is None
                  else np.broadcast_to(value, (n,)))
        blocks.append(np.repeat(column[:, None], f.width, axis=1))
    return np.hstack(blocks) if blocks else np.empty((n, 0))
