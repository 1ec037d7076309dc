"""Shapes for the compile step: scenario values as engine arrays ``(draw, compound, ...)``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.arrays import lines_empty

__all__ = ["stack", "rules_at", "ByCompound", "ByHousehold"]


class ByCompound(np.ndarray):
    """Values of an input drawn for every compound of a portfolio: axes ``(draw, compound)``
    or ``(draw, compound, year)``. A plain value array is ``(draw,)`` or ``(draw, year)``;
    this type tells the compile step that the second axis is the compound's."""

    def __new__(cls, values) -> "ByCompound":
        return np.asarray(values, dtype=float).view(cls)


class ByHousehold(np.ndarray):
    """Values of an input drawn for every household of a district's compounds, without
    padding: axes ``(draw, household)``, compound 0's households, then compound 1's, ...;
    ``sizes (C,)`` each compound's households. Slicing the draws keeps ``sizes``."""

    sizes: np.ndarray

    def __new__(cls, values, sizes) -> "ByHousehold":
        out = np.asarray(values, dtype=float).view(cls)
        out.sizes = np.asarray(sizes, dtype=np.int64)
        return out

    def __array_finalize__(self, obj) -> None:
        self.sizes = getattr(obj, "sizes", None)

    def padded(self, compounds: np.ndarray, width: int) -> np.ndarray:
        """The values of the compounds at positions ``compounds`` on a household axis of
        ``width`` (at least their most households), ``(draw, len(compounds), width)``; a
        padded household repeats its compound's first household's value (no vote or charge
        reads it)."""
        sizes = self.sizes[compounds]
        first = (np.cumsum(self.sizes) - self.sizes)[compounds]
        j = np.arange(width)
        index = first[:, None] + np.where(j[None, :] < sizes[:, None], j[None, :], 0)
        return self.view(np.ndarray)[:, index]


def draw_compound(value: Any, default: float | None = 0.0) -> np.ndarray | None:
    """A scenario value as ``(D|1, C|1)`` or ``(D|1, C|1, T)``; None → ``default``.

    Plain values have no compound axis (``(D,)``, ``(D, T)``: size 1 there); values drawn per
    compound (:class:`ByCompound`) keep theirs."""
    if value is None:
        if default is None:
            return None
        value = default
    if isinstance(value, ByCompound):
        return value.view(np.ndarray)
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a[:, None]
    return a[:, None, :]


def stack(values: list[Any], default: float = 0.0) -> np.ndarray:
    """Per-item (or per-rule) values stacked on a last axis: ``(D|1, C|1, K)``, laid out
    draw-fastest when some value varies by draw (:func:`~fundmodel.engine.arrays.lines_empty`:
    the engine's sums over items add column by column, so values never depend on it)."""
    cols = [draw_compound(v, default) for v in values]
    if not cols:
        return np.zeros((1, 1, 0))
    shape = np.broadcast_shapes(*(c.shape for c in cols))
    if shape[0] == 1:
        return np.stack([np.broadcast_to(c, shape) for c in cols], axis=-1)
    out = lines_empty(shape + (len(cols),))     # draw-fastest: each column a contiguous vector
    for k, c in enumerate(cols):
        out[..., k] = c
    return out


def rules_at(scenario: Any, indexes) -> tuple[list, tuple[str, ...]]:
    """The funding rules at ``indexes`` of ``scenario.funding`` and their labels, in order."""
    every_label = scenario.funding_labels()
    return [scenario.funding[r] for r in indexes], tuple(every_label[r] for r in indexes)

