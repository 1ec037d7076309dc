"""Small helpers for arrays with a leading draw axis."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["per_draw", "growth_index"]


def per_draw(value: Any, n: int, default: float = 0.0) -> np.ndarray:
    """``value`` (None, a number or an array of shape ``(n,)``) as a float array of shape
    ``(n,)``; None becomes ``default``."""
    if value is None:
        value = default
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


def growth_index(growth: Any, n: int, years: int) -> np.ndarray:
    """Price index of years 1..``years``: 1 in year 1, ``Π_{s=2..t} (1 + g_s)`` in year t.

    ``growth`` is a number, an array ``(n,)`` (one rate per draw) or ``(n, years)`` (a rate per
    draw and year; the rate of year 1 is not used). Returns an array ``(n, years)``.
    """
    g = np.asarray(growth, dtype=float)
    if g.ndim <= 1:
        g = np.broadcast_to(g.reshape(-1, 1) if g.ndim == 1 else g, (n, years))
    factors = np.empty((n, years))
    factors[:, 0] = 1.0
    factors[:, 1:] = 1.0 + g[:, 1:]
    return np.cumprod(factors, axis=1)
