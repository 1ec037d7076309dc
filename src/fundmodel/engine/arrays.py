"""Small helpers for the engine's arrays (axes draw, compound, then the thing's own).

Inputs that are the same in every draw keep a draw axis of size 1, so work that is the same in
every draw is done once and numpy broadcasting does the rest.

Yearly lines that differ by draw, ``(D, C, T)``, are laid out *draw-fastest* (memory order
compound, year, draw; :func:`lines_empty`): one compound's value in one year over the draws is a
contiguous vector. The sums over years that the metrics take (NPV, the running balance, the
deficit years) are then a few passes over contiguous vectors instead of one strided pass per
year, and numpy's elementwise operations keep the layout (their default order ``'K'``). Values
never depend on the layout.
"""

from __future__ import annotations

import numpy as np

__all__ = ["growth_index", "row_sum", "running_sum", "lines_empty", "lines_zeros",
           "multiply_lines", "sum_lines", "first_true", "same_in_every_draw", "household_sum"]


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
    computed together. On a draw-fastest array (:func:`lines_empty`) each column is a
    contiguous vector.
    """
    a = np.asarray(a, dtype=float)
    if a.shape[-1] == 0:
        return np.zeros(a.shape[:-1])
    total = a[..., 0].copy()
    for j in range(1, a.shape[-1]):
        total += a[..., j]
    return total


def running_sum(a: np.ndarray) -> np.ndarray:
    """Running sum along the last axis, ``out[..., t] = out[..., t − 1] + a[..., t]``: the same
    additions in the same order as ``np.cumsum(a, axis=-1)`` (the same bits), one pass per
    column, in the layout of ``a``."""
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    if a.shape[-1]:
        out[..., 0] = a[..., 0]
    for j in range(1, a.shape[-1]):
        np.add(out[..., j - 1], a[..., j], out=out[..., j])
    return out


def lines_empty(shape: tuple[int, ...]) -> np.ndarray:
    """An uninitialised float array of ``shape`` ``(D, ...)`` laid out draw-fastest (the draw
    axis contiguous, the other axes in C order over it)."""
    order = tuple(range(1, len(shape))) + (0,)
    return np.empty(tuple(shape[k] for k in order)).transpose((len(shape) - 1,)
                                                              + tuple(range(len(shape) - 1)))


def lines_zeros(shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape``: draw-fastest when the draw axis is longer than 1."""
    if shape[0] == 1:
        return np.zeros(shape)
    out = lines_empty(shape)
    out[...] = 0.0
    return out


def multiply_lines(a: np.ndarray, b: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a × b`` broadcast to ``shape`` with its draw axis taken from the operands: a
    draw-fastest array when either varies by draw, else a read-only broadcast view of draw
    size 1 (a line the same in every draw)."""
    full = np.broadcast_shapes(a.shape, b.shape, (1,) + tuple(shape[1:]))
    if full[0] == 1:
        return np.broadcast_to(a * b, full)
    out = lines_empty(full)
    return np.multiply(a, b, out=out)


def first_true(mask: np.ndarray) -> np.ndarray:
    """1-based index of the first True along the last axis (float); NaN where none. One pass
    per column, from the last."""
    out = np.full(mask.shape[:-1], np.nan)
    for j in range(mask.shape[-1] - 1, -1, -1):
        np.copyto(out, float(j + 1), where=mask[..., j])
    return out


def sum_lines(lines, shape: tuple[int, ...]) -> np.ndarray:
    """``0 + l_1 + l_2 + ...`` added in order, at the smallest draw size of the lines (1 when
    none varies by draw) and the other axes of ``shape``."""
    full = np.broadcast_shapes((1,) + tuple(shape[1:]), *(np.shape(x) for x in lines))
    out = lines_zeros(full)
    for x in lines:
        out += x
    return out


def same_in_every_draw(a: np.ndarray) -> bool:
    """Whether a per-draw array ``(n, ...)`` is one value over the draws by construction: draw
    size 1, or a broadcast view (a line that depends on no uncertain input)."""
    return a.shape[0] == 1 or a.strides[0] == 0


def household_sum(a, sizes=None) -> np.ndarray:
    """Sum along the last axis (households) of a ``(..., C, H)`` array, each compound over its
    own first ``sizes[c]`` households, as a contiguous row: the bits of the sum over the
    compound's households alone, whatever the padding (numpy's pairwise sum depends on the
    row's length, so a padded row would not do). ``sizes`` None: every household counts.

    A loop over the distinct household counts, not over the compounds (over runs of rows
    when ``sizes`` is sorted).
    """
    a = np.asarray(a, dtype=float)
    if sizes is None:
        return np.ascontiguousarray(a).sum(axis=-1)
    sizes = np.asarray(sizes, dtype=np.int64)
    lead = a.shape[:-2] if a.ndim >= 2 else ()
    a = np.broadcast_to(a, lead + (sizes.size, a.shape[-1]))
    out = np.empty(a.shape[:-1])
    if sizes.size and np.all(sizes[1:] >= sizes[:-1]):     # sorted: each count a run of rows
        edges = np.flatnonzero(np.diff(sizes)) + 1
        for lo, hi in zip(np.r_[0, edges], np.r_[edges, sizes.size]):
            out[..., lo:hi] = np.ascontiguousarray(a[..., lo:hi, :sizes[lo]]).sum(axis=-1)
        return out
    for n in np.unique(sizes):
        at = sizes == n
        out[..., at] = np.ascontiguousarray(a[..., at, :n]).sum(axis=-1)
    return out
