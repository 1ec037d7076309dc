"""Streaming summary statistics for Monte Carlo metrics.

When the per-draw table is not kept (``keep_draws=False``) the engine feeds
each block of draws, a 2-D array ``(n_draws_in_block, n_metrics)``, to two
accumulators:

:class:`StreamingMoments`
    count, mean, variance / standard deviation (``ddof=1``), minimum, maximum
    and Monte Carlo standard error of the mean, for every metric at once.
    Blocks are combined with the pairwise update of Chan, Golub and LeVeque
    (1979), which is numerically stable and mergeable.

:class:`QuantileSketch`
    a deterministic, mergeable quantile sketch with a *guaranteed* rank error
    (at most 0.001 in normalised rank with the default ``k`` for any stream of
    fewer than ``2**39`` (about 5.5e11) values per metric) in bounded memory
    (about 1.5 MiB per metric for 1e8 values).

Both classes treat NaN as "no value": NaNs are counted per metric
(``nan_count``) and excluded from every other statistic.  Neither class uses
randomness, so the same sequence of blocks always gives bit-identical results.

Why not ``datasketches``?  The KLL (and classic and REQ) quantile sketches of
Apache DataSketches are randomised: a compaction keeps the odd- or the
even-ranked half of a buffer by a coin flip from an internal generator that
the Python API does not let one seed.  Their error bound holds only with a
stated probability (99 % for the default ``k=200``, about 1.3 % rank error),
and two runs over the same data need not give bit-identical quantiles.  A
reproducible model needs a guaranteed bound and bit-identical output, hence
the deterministic compactor below.

Determinism and chunking
------------------------
The engine processes draws in fixed-size *blocks* and groups blocks into
*chunks* for work distribution.  The results here depend only on the sequence
of blocks, never on the chunking, provided that:

* :meth:`StreamingMoments.update` is called once per block, in block order
  (or once per chunk with ``block_size=`` the block size, which splits the
  chunk into its blocks, so both are bit-identical);
* :meth:`QuantileSketch.update` is called with the values in block order; the
  sketch's state depends only on the stream of values, not on how it is cut
  into calls, so any chunking gives bit-identical quantiles.

``merge`` combines accumulators built from different parts of a stream.  It is
exact in value (moments to rounding, sketch within its tracked error bound),
but merging per-chunk accumulators is *not* bit-identical across different
chunkings (floating-point addition is not associative, and a merged sketch
compacts differently from a single stream); feed blocks to one accumulator
when bit-reproducibility across chunk sizes matters.

Both ``update`` methods accept C- or F-ordered blocks; a metric-major
(F-ordered) block saves one transposing copy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["QuantileSketch", "StreamingMoments"]

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]


def _check_n_metrics(n_metrics: int) -> int:
    if isinstance(n_metrics, bool) or not isinstance(n_metrics, (int, np.integer)):
        raise TypeError(f"n_metrics must be an int, got {type(n_metrics).__name__}")
    if n_metrics < 1:
        raise ValueError(f"n_metrics must be >= 1, got {n_metrics}")
    return int(n_metrics)


def _as_block(values: npt.ArrayLike, n_metrics: int) -> _FloatArray:
    """Return ``values`` as a float64 array of shape ``(n_draws, n_metrics)``."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        if n_metrics != 1:
            raise ValueError(
                f"1-D values are one metric's draws, but the accumulator has {n_metrics} "
                "metrics; pass a 2-D array (n_draws, n_metrics)"
            )
        return arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != n_metrics:
        raise ValueError(
            f"values must have shape (n_draws, {n_metrics}), got {arr.shape}"
        )
    return arr


# --------------------------------------------------------------------------------------
# Moments
# --------------------------------------------------------------------------------------


def _block_moments(
    block: _FloatArray, shift: _FloatArray, work: tuple[_FloatArray, _FloatArray]
) -> tuple[_IntArray, _IntArray, _FloatArray, _FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    """Exact statistics of one block, per metric.

    Returns count, NaN count, mean relative to the (new) shift, M2, min, max and
    the new shift.  ``shift`` holds each metric's reference value, NaN where none
    is set yet; such a metric takes the block's first-pass mean as reference.
    Values are shifted and transposed so that each metric is contiguous (numpy
    then sums pairwise); the mean gets a second-pass correction and M2 is the
    corrected two-pass sum of squared deviations.  ``work`` holds two scratch
    arrays of shape ``(n_metrics, n_draws)``.
    """
    n_rows, n_metrics = block.shape
    xt, dev = work
    unset = np.isnan(shift)
    base = np.where(unset, 0.0, shift)
    np.copyto(xt, block.T)
    vmin = np.fmin.reduce(xt, axis=1, initial=np.inf)  # fmin/fmax skip NaN
    vmax = np.fmax.reduce(xt, axis=1, initial=-np.inf)
    with np.errstate(invalid="ignore", over="ignore"):
        np.subtract(xt, base[:, None], out=xt)
        total = xt.sum(axis=1)
    if not np.isnan(total).any():  # no NaN in the block (the common case)
        nan = None
        nan_count = np.zeros(n_metrics, dtype=np.int64)
    else:
        nan = np.isnan(xt)
        nan_count = np.count_nonzero(nan, axis=1).astype(np.int64)
        if nan_count.any():
            np.copyto(dev, xt)
            dev[nan] = 0.0
            with np.errstate(invalid="ignore", over="ignore"):
                total = dev.sum(axis=1)
        else:
            nan = None
    count = n_rows - nan_count
    cf = count.astype(np.float64)
    has = count > 0
    with np.errstate(invalid="ignore", over="ignore"):
        mean0 = np.divide(total, cf, out=np.zeros(n_metrics), where=has)
        finite = np.isfinite(mean0)
        np.subtract(xt, np.where(finite, mean0, 0.0)[:, None], out=dev)
        if nan is not None:
            dev[nan] = 0.0
        sdev = dev.sum(axis=1)
        corr = np.divide(sdev, cf, out=np.zeros(n_metrics), where=has)
        np.multiply(dev, dev, out=dev)
        m2 = dev.sum(axis=1) - np.divide(sdev * sdev, cf, out=np.zeros(n_metrics), where=has)
    # rounding guard; a non-finite mean (infinite values) leaves M2 undefined
    m2 = np.where(finite, np.where(m2 < 0.0, 0.0, m2), np.nan)
    # a metric's first data fix its reference value: the block mean if finite, else 0
    adopt = unset & has
    new_shift = np.where(adopt, np.where(finite, mean0, 0.0), shift)
    mean = np.where(adopt & finite, corr, np.where(finite, mean0 + corr, mean0))
    return count, nan_count, mean, m2, vmin, vmax, new_shift


class StreamingMoments:
    """Streaming count, mean, variance, extremes and MCSE of many metrics.

    Parameters
    ----------
    n_metrics : int, default 1
        Number of metrics (columns of every block).

    Notes
    -----
    Each block's own statistics are computed exactly (pairwise summation,
    corrected two-pass deviations) and folded into the running totals with the
    pairwise update of Chan, Golub & LeVeque::

        n     = n_a + n_b
        delta = mean_b - mean_a
        mean  = mean_a + delta * n_b / n
        M2    = M2_a + M2_b + delta**2 * n_a * n_b / n

    Means are kept relative to a per-metric reference value (the first block's
    mean), so data with a large offset relative to its spread (e.g.
    ``1e6 + N(0, 1e-3)``) loses no precision in the update.

    *Determinism.* Call :meth:`update` once per engine block, in block order
    (or pass a whole chunk with ``block_size=`` the block size).  The result is
    then a fixed fold over the block sequence and is bit-identical whatever the
    chunk size used to distribute the work.  :meth:`merge` gives the same values
    to rounding (about 1e-15 relative), not bit for bit.

    *NaN.* NaN values are counted per metric in :attr:`nan_count` and left out
    of every other statistic (``count`` counts non-NaN values only).
    Infinite values are ordinary values: they propagate by IEEE arithmetic
    (mean ``inf``/``-inf`` or NaN, variance NaN) without warnings.

    *Empty metrics.* With ``count == 0`` the mean, min and max are NaN; with
    ``count < 2`` the variance, sd and mcse are NaN.

    Examples
    --------
    >>> acc = StreamingMoments(2)
    >>> acc.update(np.array([[1.0, 10.0], [3.0, np.nan]]))  # doctest: +ELLIPSIS
    <fundmodel.stats.sketch.StreamingMoments object at ...>
    >>> acc.mean, acc.nan_count
    (array([ 2., 10.]), array([0, 1]))
    """

    def __init__(self, n_metrics: int = 1) -> None:
        m = _check_n_metrics(n_metrics)
        self._n_metrics = m
        self._count = np.zeros(m, dtype=np.int64)
        self._nan_count = np.zeros(m, dtype=np.int64)
        self._shift = np.full(m, np.nan)  # reference value; NaN until a metric has data
        self._mean = np.zeros(m, dtype=np.float64)  # relative to _shift
        self._m2 = np.zeros(m, dtype=np.float64)
        self._min = np.full(m, np.inf)
        self._max = np.full(m, -np.inf)
        self._work: tuple[_FloatArray, _FloatArray] | None = None  # scratch, not state

    # -- updating ----------------------------------------------------------------------

    def update(self, values: npt.ArrayLike, *, block_size: int | None = None) -> StreamingMoments:
        """Fold one block of draws into the accumulator (in place).

        Parameters
        ----------
        values : array_like, shape (n_draws, n_metrics) or (n_draws,)
            The block.  A 1-D array is one metric's draws (only when
            ``n_metrics == 1``).
        block_size : int, optional
            If given, ``values`` is a chunk of consecutive blocks of
            ``block_size`` rows each (the last one may be shorter) and they are
            folded in one at a time, exactly as if ``update`` were called for
            each block.  If omitted, ``values`` is a single block.

        Returns
        -------
        StreamingMoments
            ``self``, for chaining.
        """
        block = _as_block(values, self._n_metrics)
        if block_size is None:
            self._absorb_block(block)
            return self
        if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)):
            raise TypeError("block_size must be an int")
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        for start in range(0, block.shape[0], int(block_size)):
            self._absorb_block(block[start : start + int(block_size)])
        return self

    def merge(self, other: StreamingMoments) -> StreamingMoments:
        """Merge another accumulator into this one, in place.

        ``other`` is taken to follow ``self`` in the stream; it is not modified.

        Parameters
        ----------
        other : StreamingMoments
            Accumulator with the same number of metrics.

        Returns
        -------
        StreamingMoments
            ``self``, for chaining.
        """
        if not isinstance(other, StreamingMoments):
            raise TypeError(f"cannot merge {type(other).__name__} into StreamingMoments")
        if other._n_metrics != self._n_metrics:
            raise ValueError(
                f"n_metrics differ: {self._n_metrics} vs {other._n_metrics}"
            )
        mine = self._count > 0
        theirs = other._count > 0
        with np.errstate(invalid="ignore", over="ignore"):
            # other's mean re-expressed relative to self's reference value
            offset = np.where(mine & theirs, other._shift - self._shift, 0.0)
            mean_b = np.where(theirs, other._mean + offset, 0.0)
        self._shift = np.where(mine, self._shift, other._shift)
        self._combine(
            other._count.copy(), other._nan_count.copy(), mean_b,
            other._m2.copy(), other._min.copy(), other._max.copy(),
        )
        return self

    def copy(self) -> StreamingMoments:
        """Return an independent copy."""
        new = StreamingMoments(self._n_metrics)
        for name in ("_count", "_nan_count", "_shift", "_mean", "_m2", "_min", "_max"):
            setattr(new, name, getattr(self, name).copy())
        return new

    def _absorb_block(self, block: _FloatArray) -> None:
        if not block.shape[0]:
            return
        shape = block.T.shape
        if self._work is None or self._work[0].shape != shape:
            self._work = (np.empty(shape), np.empty(shape))
        count, nan_count, mean, m2, vmin, vmax, shift = _block_moments(
            block, self._shift, self._work
        )
        self._shift = shift
        self._combine(count, nan_count, mean, m2, vmin, vmax)

    def _combine(
        self,
        count_b: _IntArray,
        nan_b: _IntArray,
        mean_b: _FloatArray,
        m2_b: _FloatArray,
        min_b: _FloatArray,
        max_b: _FloatArray,
    ) -> None:
        """Chan et al. update; ``mean_b`` is relative to ``self._shift``."""
        count_a = self._count
        count = count_a + count_b
        take = count_b > 0
        with np.errstate(invalid="ignore", over="ignore"):
            frac = np.divide(
                count_b.astype(np.float64), count.astype(np.float64),
                out=np.zeros(self._n_metrics), where=take,
            )
            delta = mean_b - self._mean
            mean = self._mean + delta * frac
            m2 = self._m2 + m2_b + delta * delta * (count_a.astype(np.float64) * frac)
            # infinite means: a weighted average propagates inf (or NaN for inf - inf)
            inf = ~(np.isfinite(self._mean) & np.isfinite(mean_b))
            if inf.any():
                mean = np.where(inf, self._mean * (1.0 - frac) + mean_b * frac, mean)
        self._mean = np.where(take, mean, self._mean)
        self._m2 = np.where(take, m2, self._m2)
        self._count = count
        self._nan_count = self._nan_count + nan_b
        self._min = np.minimum(self._min, min_b)
        self._max = np.maximum(self._max, max_b)

    # -- results -----------------------------------------------------------------------

    @property
    def n_metrics(self) -> int:
        """Number of metrics."""
        return self._n_metrics

    @property
    def count(self) -> _IntArray:
        """Number of non-NaN values per metric, shape ``(n_metrics,)``."""
        return self._count.copy()

    @property
    def nan_count(self) -> _IntArray:
        """Number of NaN values per metric (excluded from all statistics)."""
        return self._nan_count.copy()

    @property
    def mean(self) -> _FloatArray:
        """Mean per metric (NaN where ``count == 0``)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return np.where(self._count > 0, self._shift + self._mean, np.nan)

    @property
    def variance(self) -> _FloatArray:
        """Sample variance (``ddof=1``) per metric (NaN where ``count < 2``)."""
        ok = self._count > 1
        denom = np.where(ok, self._count - 1, 1).astype(np.float64)
        return np.where(ok, self._m2 / denom, np.nan)

    @property
    def sd(self) -> _FloatArray:
        """Sample standard deviation (``ddof=1``) per metric."""
        return np.sqrt(self.variance)

    @property
    def mcse(self) -> _FloatArray:
        """Monte Carlo standard error of the mean, ``sd / sqrt(count)``."""
        ok = self._count > 1
        n = np.where(ok, self._count, 1).astype(np.float64)
        return np.where(ok, self.sd / np.sqrt(n), np.nan)

    @property
    def min(self) -> _FloatArray:
        """Minimum per metric (NaN where ``count == 0``)."""
        return np.where(self._count > 0, self._min, np.nan)

    @property
    def max(self) -> _FloatArray:
        """Maximum per metric (NaN where ``count == 0``)."""
        return np.where(self._count > 0, self._max, np.nan)


# --------------------------------------------------------------------------------------
# Quantile sketch
# --------------------------------------------------------------------------------------

_T0 = 8
"""Reduction factor of level 0 (keeps one sorted item in eight)."""


def _sort_rows(rows: _FloatArray) -> None:
    """Sort every row of the 2-D ``rows`` in place, each distinct row once.

    A row equal to an earlier one takes that row's sorted values instead of a sort of its own:
    the sketch's buffers hold neither NaN nor −0.0, so equal values are equal bits and the
    result is ``rows.sort(axis=1)``'s to the bit. Lines often repeat — a yearly line that is
    the same in every year of a draw (a fee without growth) gives as many equal rows as years.
    Candidates are rows equal in 33 evenly spaced places (rows of mostly zeros differ
    somewhere among them, in the scenarios), then compared in full.
    """
    m, n = rows.shape
    if m < 2 or n < 2:
        rows.sort(axis=1)
        return
    samples = np.ascontiguousarray(rows[:, np.unique(np.linspace(0, n - 1, 33).astype(np.intp))])
    first: dict[bytes, list[int]] = {}      # the sampled values → the distinct rows with them
    same: dict[int, int] = {}               # a repeated row → the distinct row it repeats
    for j, key in enumerate(row.tobytes() for row in samples):
        for i in first.get(key, ()):
            if np.array_equal(rows[i], rows[j]):
                same[j] = i
                break
        else:
            first.setdefault(key, []).append(j)
    if not same:
        rows.sort(axis=1)
        return
    start = None
    for j in range(m + 1):                  # runs of distinct rows, each sorted at once
        if j < m and j not in same:
            start = j if start is None else start
        elif start is not None:
            rows[start:j].sort(axis=1)
            start = None
    for j, i in same.items():
        rows[j] = rows[i]


def _offset(t: int, pos: int, neg: int) -> int:
    """The offset ``o`` of a ``t``-fold compaction that keeps the worst rank errors balanced:
    the least ``max(pos + t − 1 − o, neg + o)``, the first such ``o``."""
    best_o, best = 0, -1
    for o in range(t):
        b = max(pos + t - 1 - o, neg + o)
        if best < 0 or b < best:
            best_o, best = o, b
    return best_o


class _MetricSketch:
    """Deterministic compactor hierarchy for one metric (see :class:`QuantileSketch`)."""

    __slots__ = ("k", "bufs", "fills", "pos", "neg", "count", "nan_count", "vmin", "vmax")

    def __init__(self, k: int, level0: _FloatArray | None = None) -> None:
        self.k = k
        # level 0 may be a row of the parent's (n_metrics, k) array; it is only
        # ever written in place, never rebound.
        buf0 = np.empty(k, dtype=np.float64) if level0 is None else level0
        self.bufs: list[_FloatArray] = [buf0]
        self.fills: list[int] = [0]
        self.pos: list[int] = [0]  # worst positive rank error, in units of the level weight
        self.neg: list[int] = [0]  # worst negative rank error, idem
        self.count = 0
        self.nan_count = 0
        self.vmin = np.inf  # extremes of the items that left level 0
        self.vmax = -np.inf

    # level h >= 1 holds items of weight _T0 * 2**(h-1)
    @staticmethod
    def weight(h: int) -> int:
        return 1 if h == 0 else _T0 << (h - 1)

    def copy(self, level0: _FloatArray | None = None) -> _MetricSketch:
        new = _MetricSketch(self.k, level0)
        new.bufs[0][:] = self.bufs[0]
        new.bufs.extend(b.copy() for b in self.bufs[1:])
        new.fills = list(self.fills)
        new.pos = list(self.pos)
        new.neg = list(self.neg)
        new.count = self.count
        new.nan_count = self.nan_count
        new.vmin = self.vmin
        new.vmax = self.vmax
        return new

    def _ensure_level(self, h: int) -> None:
        while len(self.bufs) <= h:
            self.bufs.append(np.empty(self.k, dtype=np.float64))
            self.fills.append(0)
            self.pos.append(0)
            self.neg.append(0)

    def add(self, x: _FloatArray) -> None:
        """Append NaN-free values to level 0 (compacting lazily: when full and more come)."""
        k = self.k
        buf = self.bufs[0]
        n = x.size
        i = 0
        while i < n:
            f = self.fills[0]
            if f == k:
                buf.sort()
                self.fills[0] = 0
                self._compact(0, buf)
                f = self.fills[0]
            take = min(k - f, n - i)
            # "+ 0.0" turns -0.0 into +0.0 so that the order of equal keys, hence
            # the output, cannot depend on the sort implementation.
            np.add(x[i : i + take], 0.0, out=buf[f : f + take])
            self.fills[0] = f + take
            i += take
        self.count += n

    def _compact(self, h: int, srt: _FloatArray) -> None:
        """Compact the sorted items ``srt`` of level ``h`` (whose fill is already 0).

        The largest multiple of the level's factor ``t`` of items is compacted:
        every ``t``-th item from offset ``o`` moves up with ``t`` times the weight;
        the ``s mod t`` largest items stay.  For any query point, the weighted
        rank changes by between ``-o`` and ``t-1-o`` times the level weight; ``o``
        is chosen to keep the accumulated worst cases balanced.
        """
        t = _T0 if h == 0 else 2
        s = srt.size
        sc = s - s % t
        if h == 0 and s:
            self.vmin = min(self.vmin, float(srt[0]))
            self.vmax = max(self.vmax, float(srt[-1]))
        if sc:
            p, q = self.pos[h], self.neg[h]
            best_o = _offset(t, p, q)
            self.pos[h] = p + t - 1 - best_o
            self.neg[h] = q + best_o
            self._push(h + 1, srt[best_o:sc:t])
        r = s - sc
        if r:
            self.bufs[h][:r] = srt[sc:]
        self.fills[h] = r

    def _push(self, h: int, items: _FloatArray) -> None:
        """Add ``items`` to level ``h >= 1``; compact the level when it reaches ``k`` items."""
        if items.size == 0:
            return
        self._ensure_level(h)
        buf = self.bufs[h]
        f = self.fills[h]
        s = f + items.size
        if s <= buf.size:
            buf[f:s] = items
            if s < self.k:
                self.fills[h] = s
                return
            srt = buf[:s]
        else:
            srt = np.concatenate((buf[:f], items))
        # The level holds a few sorted runs: timsort merges them in linear time.
        srt.sort(kind="stable")
        self.fills[h] = 0
        self._compact(h, srt)

    def merge(self, other: _MetricSketch) -> None:
        other_items = [b[:f].copy() for b, f in zip(other.bufs, other.fills)]
        self._ensure_level(len(other.bufs) - 1)
        for h in range(len(other.bufs)):
            self.pos[h] += other.pos[h]
            self.neg[h] += other.neg[h]
        self.count += other.count
        self.nan_count += other.nan_count
        self.vmin = min(self.vmin, other.vmin)
        self.vmax = max(self.vmax, other.vmax)
        for h in range(1, len(other_items)):
            self._push(h, np.sort(other_items[h], kind="stable"))
        f0 = self.fills[0]
        s = f0 + other_items[0].size
        if s <= self.k:
            self.bufs[0][f0:s] = other_items[0]
            self.fills[0] = s
        else:
            srt = np.concatenate((self.bufs[0][:f0], other_items[0]))
            srt.sort()
            self.fills[0] = 0
            self._compact(0, srt)

    def retained(self) -> int:
        return int(sum(self.fills))

    def error_bound(self) -> float:
        """Guaranteed normalised rank error of :meth:`quantiles`."""
        if self.count == 0:
            return 0.0
        ep = sum(self.weight(h) * p for h, p in enumerate(self.pos))
        en = sum(self.weight(h) * q for h, q in enumerate(self.neg))
        return max(ep, en) / self.count

    def quantiles(self, qs: _FloatArray) -> _FloatArray:
        if self.count == 0:
            return np.full(qs.size, np.nan)
        vals = [b[:f] for b, f in zip(self.bufs, self.fills) if f]
        wts = [
            np.full(f, self.weight(h), dtype=np.int64)
            for h, f in enumerate(self.fills) if f
        ]
        v = np.concatenate(vals)
        w = np.concatenate(wts)
        order = np.argsort(v)
        v = v[order]
        cw = np.cumsum(w[order]).astype(np.float64)  # exact below 2**53
        # inverted CDF: smallest retained item whose cumulative weight >= q * n
        idx = np.searchsorted(cw, qs * float(self.count), side="left")
        np.minimum(idx, v.size - 1, out=idx)
        out = v[idx]
        lo = self.bufs[0][: self.fills[0]]
        vmin = min(self.vmin, float(lo.min())) if lo.size else self.vmin
        vmax = max(self.vmax, float(lo.max())) if lo.size else self.vmax
        out[qs == 0.0] = vmin
        out[qs == 1.0] = vmax
        return out


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if k < _T0 or k % _T0:
        raise ValueError(f"k must be a positive multiple of {_T0}, got {k}")
    return int(k)


class QuantileSketch:
    """Deterministic mergeable quantile sketch with a guaranteed rank error.

    Parameters
    ----------
    n_metrics : int, default 1
        Number of metrics (columns of every block).  Each metric has its own
        independent sketch.
    k : int, default 16384
        Buffer capacity of every level (a multiple of 8).  The default gives a
        rank error of at most 0.001 for streams of up to ``2**39`` values.

    Notes
    -----
    **Algorithm.**  A hierarchy of compactors (Manku-Rajagopalan-Lindsay /
    KLL style, but without randomness).  Level 0 collects raw values (weight 1)
    in a buffer of ``k``; when it is full and more values arrive it is sorted
    and every 8th item, from an offset ``o`` in ``0..7``, moves to level 1 with
    weight 8.  Level ``h >= 1`` holds items of weight ``8 * 2**(h-1)``; when it
    reaches ``k`` items it is sorted (its content is a few sorted runs, merged
    by timsort in linear time) and every other item, from offset ``o`` in
    ``{0, 1}``, moves up with doubled weight.  Total weight is preserved
    exactly.  All work is numpy sorting and slicing of whole buffers; Python
    loops run only over levels and blocks.

    **Error bound.**  Compacting ``t``-fold a sorted buffer of items of weight
    ``w`` from offset ``o`` changes the weighted rank of any query point by an
    amount in ``[-o*w, (t-1-o)*w]``.  The sketch accumulates, per level, the worst
    positive and negative totals ``P`` and ``N`` and chooses each offset to keep
    them balanced (it alternates 3, 4 at level 0 and 0, 1 above), so the estimated
    rank of any point is off by at most ``E = max(sum P_h w_h, sum N_h w_h)``.
    The quantile for ``q`` is the smallest retained item ``y`` whose cumulative
    weight reaches ``q*n``; it follows that the true rank interval of ``y``
    (from the count of values ``< y`` to the count of values ``<= y``) meets
    ``[q*n - E, q*n + E]``.  :attr:`rank_error_bound` returns ``E / n``, which is
    tracked exactly, also through merges.  For a single stream fed by
    :meth:`update` it satisfies, for ``n > k``,

    .. math:: E/n \\le \\frac{5 + L/2}{k}, \\qquad L = \\max(0, \\lfloor\\log_2(n/k)\\rfloor - 2),

    (level 0 contributes ``3.5/k``, each of the ``L`` upper levels that
    compacted ``1/(2k)``, rounding at most ``1.5/k``).  With ``k = 16384`` this
    is ``<= 6.1e-4`` for ``n <= 1e8`` and ``<= 0.001`` for ``n < 2**39``; for
    ``n <= k`` the sketch is exact (``E = 0``).

    **Quantile definition.**  Inverted CDF on the weighted retained items (the
    ``"inverted_cdf"`` method of :func:`numpy.quantile`, i.e. the smallest
    value ``x`` with ``#(values <= x) >= q*n``); for an exact sketch
    (``n <= k``, no compaction yet) this is identical to
    ``np.quantile(x, q, method="inverted_cdf")``.  ``q = 0`` and ``q = 1`` give
    the exact minimum and maximum.

    **Memory.**  Level 0 holds at most ``k`` items and each of at most ``L + 1``
    upper levels fewer than ``k``: fewer than ``k*(L+2)`` float64 items per
    metric (the buffers are allocated at that size): 147,456 items (1.2 MB) for
    ``n <= 1e7``, 196,608 (1.6 MB) for ``n <= 1e8``, 2.9 MB for ``n <= 1e11``.

    **NaN and infinities.**  NaN values are counted per metric
    (:attr:`nan_count`) and ignored; ``+-inf`` are ordinary values.  ``-0.0``
    is stored as ``+0.0``.

    **Determinism.**  No randomness; the state depends only on the sequence
    of non-NaN values of each metric, not on how it is split into
    :meth:`update` calls, so the same block sequence gives bit-identical
    output whatever the chunking.

    **Merging.**  :meth:`merge` (in place) adds another sketch's levels and
    error accounts and compacts what overflows; the bound stays exact and
    reported by :attr:`rank_error_bound`, but the merged state differs from the
    one a single stream would have produced.

    Examples
    --------
    >>> sk = QuantileSketch(1)
    >>> sk.update(np.arange(1.0, 101.0))  # doctest: +ELLIPSIS
    <fundmodel.stats.sketch.QuantileSketch object at ...>
    >>> sk.quantile([0.05, 0.5])
    array([[ 5.],
           [50.]])
    """

    def __init__(self, n_metrics: int = 1, *, k: int = 16384) -> None:
        self._n_metrics = _check_n_metrics(n_metrics)
        self._k = _check_k(k)
        self._level0 = np.empty((self._n_metrics, self._k), dtype=np.float64)
        self._sketches = [_MetricSketch(self._k, row) for row in self._level0]
        # While every metric has had the same NaN-free values count (the common case), all
        # have the same fills and error accounts at every level, and each level's buffers
        # are the rows of one (n_metrics, k) array: compactions run on those arrays at once.
        self._levels: list[_FloatArray] | None = [self._level0]

    def update(self, values: npt.ArrayLike) -> QuantileSketch:
        """Add draws to the sketch (in place).

        Parameters
        ----------
        values : array_like, shape (n_draws, n_metrics) or (n_draws,)
            Values in stream order.  A 1-D array is one metric's draws (only
            when ``n_metrics == 1``).  NaNs are counted and skipped.

        Returns
        -------
        QuantileSketch
            ``self``, for chaining.
        """
        block = _as_block(values, self._n_metrics)
        if block.shape[0] == 0:
            return self
        with np.errstate(invalid="ignore", over="ignore"):
            clean = not np.isnan(np.add.reduce(block, axis=None))  # NaN-free block
        fill0 = self._sketches[0].fills[0]
        if clean and all(s.fills[0] == fill0 for s in self._sketches):
            self._add_aligned(block)
            return self
        nan = np.isnan(block)
        self._levels = None          # the metrics part ways: each compacts on its own
        for j, sketch in enumerate(self._sketches):
            col = block[:, j]
            bad = nan[:, j]
            n_bad = int(np.count_nonzero(bad))
            if n_bad:
                col = col[~bad]
                sketch.nan_count += n_bad
            sketch.add(col)
        return self

    def _add_aligned(self, block: _FloatArray) -> None:
        """Fast path of :meth:`update`: NaN-free block, all level-0 fills equal.

        Same result as adding each column with ``_MetricSketch.add``, but the
        level-0 buffers of all metrics are filled and sorted as one 2-D array.
        """
        level0 = self._level0
        sketches = self._sketches
        k = self._k
        n = block.shape[0]
        i = 0
        while i < n:
            f = sketches[0].fills[0]
            if f == k:
                _sort_rows(level0)
                if self._levels is not None:
                    self._compact_levels(0, level0)
                else:
                    for s in sketches:
                        s.fills[0] = 0
                        s._compact(0, s.bufs[0])
                f = sketches[0].fills[0]
            take = min(k - f, n - i)
            np.add(block[i : i + take].T, 0.0, out=level0[:, f : f + take])
            for s in sketches:
                s.fills[0] = f + take
            i += take
        for s in sketches:
            s.count += n

    def _set(self, h: int, fill: int, pos: int | None = None, neg: int | None = None) -> None:
        """Level ``h``'s fill (and error accounts) of every metric."""
        for s in self._sketches:
            s.fills[h] = fill
            if pos is not None:
                s.pos[h], s.neg[h] = pos, neg

    def _compact_levels(self, h: int, srt: _FloatArray) -> None:
        """:meth:`_MetricSketch._compact` of every metric at once: ``srt (n_metrics, s)``
        the sorted items of level ``h`` of each (the same fills and accounts in all)."""
        first = self._sketches[0]
        t = _T0 if h == 0 else 2
        s = srt.shape[1]
        sc = s - s % t
        if h == 0 and s:
            for sketch, lo, hi in zip(self._sketches, srt[:, 0].tolist(), srt[:, -1].tolist()):
                sketch.vmin = min(sketch.vmin, lo)
                sketch.vmax = max(sketch.vmax, hi)
        if sc:
            p, q = first.pos[h], first.neg[h]
            best_o = _offset(t, p, q)
            self._set(h, 0, p + t - 1 - best_o, q + best_o)
            self._push_levels(h + 1, srt[:, best_o:sc:t])
        r = s - sc
        if r:
            self._levels[h][:, :r] = srt[:, sc:]
        self._set(h, r)

    def _push_levels(self, h: int, items: _FloatArray) -> None:
        """:meth:`_MetricSketch._push` of every metric at once, ``items (n_metrics, m)``."""
        if items.shape[1] == 0:
            return
        while len(self._levels) <= h:
            level = np.empty((self._n_metrics, self._k), dtype=np.float64)
            self._levels.append(level)
            for sketch, row in zip(self._sketches, level):
                sketch.bufs.append(row)
                sketch.fills.append(0)
                sketch.pos.append(0)
                sketch.neg.append(0)
        level = self._levels[h]
        f = self._sketches[0].fills[h]
        s = f + items.shape[1]
        if s <= self._k:
            level[:, f:s] = items
            if s < self._k:
                self._set(h, s)
                return
            srt = level[:, :s]
        else:
            srt = np.concatenate((level[:, :f], items), axis=1)
        # each row: a few sorted runs; the values alone matter (equal keys are equal bits),
        # so numpy's fastest sort serves
        _sort_rows(srt)
        self._set(h, 0)
        self._compact_levels(h, srt)

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """Merge another sketch into this one, in place (``other`` is not modified).

        Parameters
        ----------
        other : QuantileSketch
            Sketch with the same ``n_metrics`` and ``k``.

        Returns
        -------
        QuantileSketch
            ``self``, for chaining.
        """
        if not isinstance(other, QuantileSketch):
            raise TypeError(f"cannot merge {type(other).__name__} into QuantileSketch")
        if other._n_metrics != self._n_metrics or other._k != self._k:
            raise ValueError(
                "sketches differ in n_metrics or k: "
                f"({self._n_metrics}, {self._k}) vs ({other._n_metrics}, {other._k})"
            )
        if other is self:
            other = self.copy()
        self._levels = None
        for mine, theirs in zip(self._sketches, other._sketches):
            mine.merge(theirs)
        return self

    def copy(self) -> QuantileSketch:
        """Return an independent copy."""
        new = QuantileSketch(self._n_metrics, k=self._k)
        new._sketches = [s.copy(row) for s, row in zip(self._sketches, new._level0)]
        new._levels = None           # its upper levels are each metric's own
        return new

    def quantile(self, qs: npt.ArrayLike) -> _FloatArray:
        """Approximate quantiles of every metric.

        Parameters
        ----------
        qs : array_like of float
            Probabilities in ``[0, 1]`` (a scalar counts as one probability).

        Returns
        -------
        numpy.ndarray, shape (len(qs), n_metrics)
            Inverted-CDF quantiles; each lies within :attr:`rank_error_bound`
            of its target in normalised rank.  NaN for a metric without values.
        """
        q = np.asarray(qs, dtype=np.float64).reshape(-1)
        if np.isnan(q).any() or (q < 0.0).any() or (q > 1.0).any():
            raise ValueError("quantile probabilities must lie in [0, 1]")
        out = np.empty((q.size, self._n_metrics))
        for j, sketch in enumerate(self._sketches):
            out[:, j] = sketch.quantiles(q)
        return out

    @property
    def n_metrics(self) -> int:
        """Number of metrics."""
        return self._n_metrics

    @property
    def k(self) -> int:
        """Buffer capacity per level."""
        return self._k

    @property
    def count(self) -> _IntArray:
        """Number of non-NaN values per metric, shape ``(n_metrics,)``."""
        return np.array([s.count for s in self._sketches], dtype=np.int64)

    @property
    def nan_count(self) -> _IntArray:
        """Number of NaN values per metric (ignored by the sketch)."""
        return np.array([s.nan_count for s in self._sketches], dtype=np.int64)

    @property
    def rank_error_bound(self) -> _FloatArray:
        """Guaranteed normalised rank error per metric for the current stream.

        For every ``q``, the value returned by :meth:`quantile` has a true rank
        interval meeting ``[q - b, q + b] * count``, ``b`` being this bound
        (0 while the sketch is exact).
        """
        return np.array([s.error_bound() for s in self._sketches], dtype=np.float64)

    @property
    def retained(self) -> _IntArray:
        """Number of items currently stored per metric."""
        return np.array([s.retained() for s in self._sketches], dtype=np.int64)
