"""Streaming statistics over draws that arrive in chunks, exact to the bit whatever the chunking.

Chunks of draws arrive in draw order, of any size. :class:`BlockStream` regroups them into the
fixed blocks of :data:`fundmodel.inputs.sampling.BLOCK_SIZE` draws (copying only the rows of a block
that straddles two chunks) and hands each whole block, in order, to its consumers. Every
consumer therefore sees the same sequence of blocks whatever the chunk size or number of
workers, and its floating-point results are identical to the last bit.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from .sketch import QuantileSketch, StreamingMoments

__all__ = ["BlockStream", "BlockSums", "BlockMeans", "MetricStreams", "replicate_mcse",
           "MIN_REPLICATE_BLOCKS"]

MIN_REPLICATE_BLOCKS = 10
"""Fewest blocks (independent replicates) from which a replicate standard error is given; with
fewer, the standard error is sd/√n (9 degrees of freedom put the estimated error within about
±25 % of the truth, typically)."""

Block = Mapping[str, np.ndarray]


class BlockStream:
    """Regroup row-chunks of named arrays into whole blocks and pass them to consumers.

    Parameters
    ----------
    block_size : int
        Rows per block.
    consumers : sequence of callables
        Each is called with a mapping name → array of the block's rows (views; do not keep).
        A consumer with a ``blocks(run, size)`` method is handed a run of whole blocks of a
        chunk at once instead (``run``: their rows, a whole number of blocks): it must give
        what the calls block by block give.
    """

    def __init__(self, block_size: int, consumers: Sequence[Callable[[Block], None]]):
        self.block_size = block_size
        self.consumers = list(consumers)
        self._carry: dict[str, np.ndarray] | None = None
        self._carry_n = 0

    def _emit(self, block: Block) -> None:
        for consume in self.consumers:
            consume(block)

    def push(self, arrays: Mapping[str, np.ndarray]) -> None:
        """Add the next rows (all arrays have the same number of rows)."""
        n = len(next(iter(arrays.values())))
        i, size = 0, self.block_size
        if self._carry_n:
            take = min(size - self._carry_n, n)
            for k, a in arrays.items():
                self._carry[k][self._carry_n:self._carry_n + take] = a[:take]
            self._carry_n += take
            i = take
            if self._carry_n == size:
                self._emit(self._carry)
                self._carry_n = 0
        whole = (n - i) // size
        if whole:      # a run of whole blocks: a consumer that takes runs takes it at once
            run = {k: a[i:i + whole * size] for k, a in arrays.items()}
            for consume in self.consumers:
                blocks = getattr(consume, "blocks", None)
                if blocks is not None:
                    blocks(run, size)
                    continue
                for b in range(whole):
                    consume({k: a[b * size:(b + 1) * size] for k, a in run.items()})
            i += whole * size
        if i < n:
            if self._carry is None:
                # the carry keeps each array's layout (draw-fastest arrays stay so)
                self._carry = {k: np.empty((size,) + a.shape[1:], dtype=a.dtype,
                                           order="F" if _draw_fastest(a) else "C")
                               for k, a in arrays.items()}
            for k, a in arrays.items():
                self._carry[k][:n - i] = a[i:]
            self._carry_n = n - i

    def close(self) -> None:
        """Pass on the last, partial block."""
        if self._carry_n:
            self._emit({k: a[:self._carry_n] for k, a in self._carry.items()})
            self._carry_n = 0


def _draw_fastest(a: np.ndarray) -> bool:
    """Whether ``a`` (rows, ...) has its row axis contiguous (laid out column by column)."""
    return a.ndim > 1 and a.strides[0] == a.itemsize and a.flags.f_contiguous


def _columns(a: np.ndarray) -> np.ndarray:
    """The columns of ``a (rows, ...)`` as the rows of a ``(columns, rows)`` array whose rows
    are contiguous: a view where they already are (a draw-fastest block, even cut from a
    longer chunk), else a copy. numpy's reduction over a contiguous last axis is the same
    pairwise sum, row by row, whatever the stride between rows, as over each column alone."""
    cols = a.reshape(len(a), -1).T
    if cols.strides[-1] != cols.itemsize and len(a) > 1:
        cols = np.ascontiguousarray(cols)
    return cols


def _split_blocks(a: np.ndarray, size: int) -> np.ndarray:
    """The columns of ``a (rows, ...)`` (rows a whole number ``m`` of blocks of ``size``) as
    ``(columns, m, size)``: each block of each column a contiguous row (:func:`_columns`; a
    1-D ``a`` is one column), so a reduction over the last axis sums each block of each
    column pairwise, as it would alone."""
    cols = _columns(a) if a.ndim > 1 else np.ascontiguousarray(a)[None]
    return cols.reshape(len(cols), len(a) // size, size)


class BlockSums:
    """Running sums over draws of named arrays: each column of each block summed pairwise
    (:func:`_split_blocks`: the result depends only on the values, never on the layout), block
    sums added in block order. ``mean(name)`` is the sum over all draws divided by their
    number. Lines the same in every draw are not given here: their mean is their value."""

    def __init__(self, names: Sequence[str]):
        self.names = list(names)
        self.totals: dict[str, np.ndarray] = {}
        self.count = 0

    def __call__(self, block: Block) -> None:
        rows = len(block[self.names[0]]) if self.names else 0
        if rows:
            self.blocks(block, rows)

    def blocks(self, run: Block, size: int) -> None:
        """Whole blocks of ``size`` rows at once, ``run`` their rows in order: the same sums
        as a call for each block, in fewer steps."""
        for name in self.names:
            a = run[name]
            sums = np.add.reduce(_split_blocks(a, size), axis=2).T     # (blocks, columns)
            sums = sums.reshape(sums.shape[:1] + a.shape[1:])
            total = self.totals.get(name)
            for s in sums:
                total = s if total is None else total + s
            self.totals[name] = total
        self.count += len(run[self.names[0]]) if self.names else 0

    def mean(self, name: str) -> np.ndarray:
        """Mean over draws of the named array."""
        return self.totals[name] / self.count


class BlockMeans:
    """Count and mean of the non-NaN values of named per-draw arrays in every block, in block
    order: the replicate means behind :func:`replicate_mcse`.

    Each named array is ``(rows,)``, one series, or ``(rows, width)``, one series per column
    (``widths`` gives each name's, default 1); the columns follow the names' order. Memory is
    O(blocks × columns). Each block's sum is a pairwise sum over the contiguous values of one
    column, so the results depend only on the blocks, not on how draws were chunked or laid out.
    """

    def __init__(self, names: Sequence[str], widths: Sequence[int] | None = None):
        self.names = list(names)
        self.width = int(sum(widths)) if widths is not None else len(self.names)
        self._counts: list[np.ndarray] = []
        self._means: list[np.ndarray] = []

    def __call__(self, block: Block) -> None:
        rows = len(block[self.names[0]]) if self.names else 0
        if rows:
            self.blocks(block, rows)

    def blocks(self, run: Block, size: int) -> None:
        """Whole blocks of ``size`` rows at once, ``run`` their rows in order: the same counts
        and means as a call for each block."""
        counts, means = [], []
        for name in self.names:
            x = _split_blocks(np.asarray(run[name], dtype=float), size)   # (columns, m, size)
            total = np.add.reduce(x, axis=2)
            count = np.full(total.shape, size, dtype=np.int64)
            some = np.isnan(total)           # a NaN among the values (or inf − inf)
            if some.any():
                part = x[some]
                ok = ~np.isnan(part)
                count[some] = np.count_nonzero(ok, axis=1)
                total[some] = np.add.reduce(np.where(ok, part, 0.0), axis=1)
            counts.append(count)
            means.append(np.divide(total, count, out=np.full(total.shape, np.nan),
                                   where=count > 0))
        self._counts.extend(np.concatenate(counts).T)
        self._means.extend(np.concatenate(means).T)

    @property
    def counts(self) -> np.ndarray:
        """Non-NaN values per block and name, shape ``(blocks, names)``."""
        return np.array(self._counts, dtype=np.int64).reshape(-1, self.width)

    @property
    def means(self) -> np.ndarray:
        """Mean of each block's non-NaN values, shape ``(blocks, names)`` (NaN if none)."""
        return np.array(self._means, dtype=float).reshape(-1, self.width)


def replicate_mcse(counts: np.ndarray, means: np.ndarray) -> np.ndarray:
    r"""Standard error of the overall mean from independent block replicates.

    With blocks ``b = 1..B`` holding ``n_b`` values of mean ``m_b`` (``N = Σ n_b``) and the
    overall mean ``ȳ = Σ n_b m_b / N``, the between-replicate (ratio-estimator) variance is

    .. math:: \widehat{\mathrm{Var}}(ar y) = rac{B}{B - 1}
              \sum_b \left(rac{n_b}{N}
ight)^2 (m_b - ar y)^2

    which for equal blocks is the sample variance of the block means divided by ``B``. It is
    right for any sampler whose blocks are independent, identically built replicates (Latin
    hypercubes, independently scrambled Sobol blocks); a shorter last block enters with its own
    weight. Blocks without values (``n_b = 0``) are left out of ``B``.

    Parameters
    ----------
    counts : ndarray, shape (blocks, metrics)
        Values per block.
    means : ndarray, shape (blocks, metrics)
        Block means (anything where the count is 0).

    Returns
    -------
    ndarray, shape (metrics,)
        Standard error of the mean, in the metric's unit; NaN for fewer than two non-empty
        blocks.
    """
    counts = np.asarray(counts, dtype=float)
    used = counts > 0
    m = np.where(used, means, 0.0)
    total = counts.sum(axis=0)
    blocks = used.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        grand = (counts * m).sum(axis=0) / total
        w = counts / total
        ss = np.where(used, (w * (m - grand)) ** 2, 0.0).sum(axis=0)
        var = ss * blocks / (blocks - 1)
    return np.where(blocks >= 2, np.sqrt(var), np.nan)


class MetricStreams:
    """Streaming moments and quantile sketch of named per-draw values.

    Each named array in a block is ``(rows,)`` or ``(rows, width)``; all columns are tracked.
    """

    def __init__(self, names: Sequence[str], widths: Sequence[int], *, quantiles: bool = True,
                 moments: bool = True):
        self.names = list(names)
        self.widths = list(widths)
        width = int(sum(widths))
        self.moments = StreamingMoments(width) if moments else None
        self.sketch = QuantileSketch(width) if quantiles else None

    def __call__(self, block: Block) -> None:
        # (block by block, not a chunk's run at once: a block's values stay in the cache
        # from this copy to the sketch's)
        arrays = [block[name] for name in self.names]
        rows = len(arrays[0])
        if len(arrays) == 1:
            values = arrays[0].reshape(rows, -1)
        else:  # metric-major (column by column): the sketch takes its columns without a copy
            values = np.empty((sum(self.widths), rows)).T
            start = 0
            for a, width in zip(arrays, self.widths):
                values[:, start:start + width] = a.reshape(rows, width)
                start += width
        if self.moments is not None:
            self.moments.update(values)
        if self.sketch is not None:
            self.sketch.update(values)

    def columns(self, name: str) -> slice:
        """Columns of ``name`` in the statistics arrays."""
        i = self.names.index(name)
        start = int(sum(self.widths[:i]))
        return slice(start, start + self.widths[i])
