"""Small helpers for arrays with a leading draw axis.

Inputs of a realised scenario are plain numbers (the same in every draw) or arrays ``(n,)``
(one value per draw) or ``(n, years)`` (drawn each year). The engine keeps plain numbers plain
so that work that is the same in every draw is done once, and lets numpy broadcasting do the
rest; :func:`per_draw` gives the final ``(n,)`` arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["num", "col", "per_draw", "growth_index", "row_sum"]


def num(value: Any, default: float = 0.0) -> float | np.ndarray:
    """``value`` as a float or a float array ``(n,)``; None becomes ``default``."""
    if value is None:
        return float(default)
    if isinstance(value, np.ndarray):
        return value.astype(float, copy=False)
    return float(value)


def col(value: Any, default: float = 0.0) -> float | np.ndarray:
    """Like :func:`num`, but an array ``(n,)`` becomes a column ``(n, 1)`` that broadcasts
    over years."""
    v = num(value, default)
    return v[:, None] if isinstance(v, np.ndarray) and v.ndim == 1 else v


def per_draw(value: Any, n: int, default: float = 0.0) -> np.ndarray:
    """``value`` (None, a number or an array ``(n,)``) as a contiguous float array ``(n,)``."""
    return np.ascontiguousarray(np.broadcast_to(num(value, default), (n,)), dtype=float)


def growth_index(growth: Any, years: int) -> np.ndarray:
    """Price index of years 1..``years``: 1 in year 1, ``Π_{s=2..t} (1 + g_s)`` in year t.

    ``growth`` is a number (returns ``(1, years)``), an array ``(n,)`` (one rate per draw) or
    ``(n, years)`` (a rate per draw and year; the rate of year 1 is not used); returns an array
    that broadcasts against ``(n, years)``.
    """
    g = np.asarray(num(growth), dtype=float)
    if g.ndim == 0:
        g = g.reshape(1, 1)
    elif g.ndim == 1:
        g = g[:, None]
    factors = np.empty((g.shape[0], years))
    factors[:, 0] = 1.0
    factors[:, 1:] = 1.0 + g[:, 1:] if g.shape[1] > 1 else 1.0 + g
    return np.cumprod(factors, axis=1)


def row_sum(a: np.ndarray) -> np.ndarray:
    """Sum along the last axis, adding the columns one by one in order.

    Unlike ``a.sum(axis=-1)`` (pairwise, with a blocking that numpy may choose by shape), the
    result for a row depends only on that row, so it is identical whatever the number of draws
    computed together.
    """
    a = np.asarray(a, dtype=float)
    if a.shape[-1] == 0:
        return np.zeros(a.shape[:-1])
    total = a[..., 0].copy()
    for j in range(1, a.shape[-1]):
        total += a[..., j]
    return total
