"""Small helpers for the engine's arrays (axes draw, compound, then the thing's own).

Inputs that are the same in every draw keep a draw axis of size 1, so work that is the same in
every draw is done once and numpy broadcasting does the rest.
"""

from __future__ import annotations

import numpy as np

__all__ = ["growth_index", "row_sum"]


def growth_index(growth: np.ndarray, years: int) -> np.ndarray:
    """Price index of operating years 1..``years``: 1 in year 1, ``Π_{s=2..t} (1 + g_s)`` in
    year t.

    ``growth`` is ``(D|1, C|1)`` (one rate) or ``(D|1, C|1, T)`` (a rate per operating year; the
    rate of year 1 is not used); returns ``(D|1, C|1, years)``.
    """
    g = growth if growth.ndim == 3 else growth[..., None]
    factors = np.empty(g.shape[:2] + (years,))
    factors[..., 0] = 1.0
    factors[..., 1:] = 1.0 + g[..., 1:] if g.shape[-1] > 1 else 1.0 + g
    return np.cumprod(factors, axis=-1)


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
