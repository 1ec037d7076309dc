"""Tests of fundmodel.stats.sketch: streaming moments and the deterministic quantile sketch.

Expected values always come from numpy on the full, concatenated data.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmodel.stats.sketch import QuantileSketch, StreamingMoments

BLOCK = 16_384
QGRID = np.round(np.linspace(0.001, 0.999, 999), 6)


def blocks(x: np.ndarray, size: int = BLOCK):
    """Consecutive row blocks of ``x`` (the last one may be shorter)."""
    for start in range(0, x.shape[0], size):
        yield x[start : start + size]


def per_column(func, x: np.ndarray, **kwargs) -> np.ndarray:
    """``func`` on each contiguous column (numpy then sums pairwise, the accurate way)."""
    return np.array([func(np.ascontiguousarray(c), **kwargs) for c in x.T])


def moments_of(x: np.ndarray, size: int = BLOCK) -> StreamingMoments:
    acc = StreamingMoments(x.shape[1] if x.ndim == 2 else 1)
    for b in blocks(x, size):
        acc.update(b)
    return acc


def sketch_of(x: np.ndarray, size: int = BLOCK, k: int = 16_384) -> QuantileSketch:
    sk = QuantileSketch(x.shape[1] if x.ndim == 2 else 1, k=k)
    for b in blocks(x, size):
        sk.update(b)
    return sk


def rank_interval(sorted_x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of values < v and <= v (any rank in between is the rank of a tie)."""
    return (
        np.searchsorted(sorted_x, v, side="left"),
        np.searchsorted(sorted_x, v, side="right"),
    )


def assert_ranks_within(x: np.ndarray, qs: np.ndarray, values: np.ndarray, eps: float) -> None:
    """Each value's true rank interval meets [q - eps, q + eps] * n."""
    xs = np.sort(x[~np.isnan(x)])
    n = xs.size
    lo, hi = rank_interval(xs, values)
    slack = 1e-9 * n
    bad = (lo > qs * n + eps * n + slack) | (hi < qs * n - eps * n - slack)
    assert not bad.any(), (
        f"rank error above {eps}: q={qs[bad][:5]}, ranks=[{lo[bad][:5] / n}, {hi[bad][:5] / n}]"
    )


# ----------------------------------------------------------------------------------------
# StreamingMoments
# ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed_data() -> np.ndarray:
    rng = np.random.default_rng(20240501)
    n = 100_003
    return np.column_stack([
        rng.normal(5.0, 2.0, n),
        rng.lognormal(1.0, 1.5, n),
        1e6 + rng.normal(0.0, 1e-3, n),  # large mean, tiny spread
        rng.integers(-5, 6, n).astype(float) + 100.0,
    ])


def test_moments_match_numpy_on_concatenated_data(mixed_data: np.ndarray) -> None:
    x = mixed_data
    acc = moments_of(x)
    n = x.shape[0]
    np.testing.assert_array_equal(acc.count, np.full(4, n))
    np.testing.assert_array_equal(acc.nan_count, np.zeros(4))
    np.testing.assert_allclose(acc.mean, per_column(np.mean, x), rtol=1e-12, atol=0)
    var = per_column(np.var, x, ddof=1)
    np.testing.assert_allclose(acc.variance, var, rtol=1e-12, atol=0)
    np.testing.assert_allclose(acc.sd, np.sqrt(var), rtol=1e-12, atol=0)
    np.testing.assert_allclose(acc.mcse, np.sqrt(var) / math.sqrt(n), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(acc.min, x.min(axis=0))
    np.testing.assert_array_equal(acc.max, x.max(axis=0))
    assert acc.n_metrics == 4


def test_moments_accept_1d_single_metric() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 1.0, 50_000)
    acc = StreamingMoments()
    for b in blocks(x):
        acc.update(b)
    assert acc.mean.shape == (1,)
    np.testing.assert_allclose(acc.mean, [np.mean(x)], rtol=1e-12)
    np.testing.assert_allclose(acc.variance, [np.var(x, ddof=1)], rtol=1e-12)


def test_moments_nan_counted_and_excluded(mixed_data: np.ndarray) -> None:
    x = mixed_data.copy()
    rng = np.random.default_rng(2)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:, 3] = np.nan  # a metric without any value
    acc = moments_of(x)
    np.testing.assert_array_equal(acc.nan_count, np.isnan(x).sum(axis=0))
    np.testing.assert_array_equal(acc.count, (~np.isnan(x)).sum(axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's all-NaN column warning
        mean_ref = per_column(np.nanmean, x)
        var_ref = per_column(np.nanvar, x, ddof=1)
        min_ref = np.nanmin(x, axis=0)
        max_ref = np.nanmax(x, axis=0)
    np.testing.assert_allclose(acc.mean[:3], mean_ref[:3], rtol=1e-12, atol=0)
    np.testing.assert_allclose(acc.variance[:3], var_ref[:3], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(acc.min[:3], min_ref[:3])
    np.testing.assert_array_equal(acc.max[:3], max_ref[:3])
    for stat in (acc.mean, acc.variance, acc.sd, acc.mcse, acc.min, acc.max):
        assert np.isnan(stat[3])


def test_moments_small_counts_give_nan_without_warnings() -> None:
    acc = StreamingMoments(2)
    assert np.isnan(acc.mean).all() and np.isnan(acc.variance).all()
    acc.update(np.array([[1.5, np.nan]]))
    np.testing.assert_array_equal(acc.count, [1, 0])
    assert acc.mean[0] == 1.5 and np.isnan(acc.mean[1])
    assert np.isnan(acc.variance).all() and np.isnan(acc.mcse).all()
    assert acc.min[0] == 1.5 and acc.max[0] == 1.5
    acc.update(np.empty((0, 2)))
    np.testing.assert_array_equal(acc.count, [1, 0])


def test_moments_infinities_propagate_quietly() -> None:
    x = np.column_stack([[1.0, np.inf, 2.0], [1.0, np.inf, -np.inf], [1.0, 2.0, 3.0]])
    acc = moments_of(x, size=2)
    assert acc.mean[0] == np.inf and np.isnan(acc.mean[1]) and acc.mean[2] == 2.0
    assert acc.max[0] == np.inf and acc.min[1] == -np.inf


def test_moments_merge_is_associative_in_value(mixed_data: np.ndarray) -> None:
    x = mixed_data
    parts = [x[:30_000], x[30_000:30_001], x[30_001:]]
    a, b, c = (moments_of(p) for p in parts)
    left = a.copy().merge(b).merge(c)
    right = a.copy().merge(b.copy().merge(c))
    for stat in ("mean", "variance", "sd", "mcse", "min", "max"):
        np.testing.assert_allclose(getattr(left, stat), getattr(right, stat), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(left.count, right.count)
    np.testing.assert_allclose(left.mean, per_column(np.mean, x), rtol=1e-12)
    np.testing.assert_allclose(left.variance, per_column(np.var, x, ddof=1), rtol=1e-12)
    # merge is in place and leaves its argument alone
    np.testing.assert_array_equal(b.count, np.full(4, 1))


def test_moments_block_grouping_is_bit_exact(mixed_data: np.ndarray) -> None:
    x = mixed_data
    per_block = moments_of(x)
    by_chunk = StreamingMoments(4)
    for chunk in blocks(x, 5 * BLOCK):  # chunks of five blocks
        by_chunk.update(chunk, block_size=BLOCK)
    for stat in ("count", "nan_count", "mean", "variance", "sd", "mcse", "min", "max"):
        np.testing.assert_array_equal(getattr(per_block, stat), getattr(by_chunk, stat))
    # merging one accumulator per block gives the same values (to rounding)
    merged = StreamingMoments(4)
    for b in blocks(x):
        merged.merge(StreamingMoments(4).update(b))
    for stat in ("mean", "variance", "min", "max"):
        np.testing.assert_allclose(getattr(merged, stat), getattr(per_block, stat), rtol=1e-12)


def test_moments_reject_bad_input() -> None:
    acc = StreamingMoments(3)
    with pytest.raises(ValueError):
        acc.update(np.zeros((4, 2)))
    with pytest.raises(ValueError):
        acc.update(np.zeros(4))
    with pytest.raises(ValueError):
        acc.update(np.zeros((4, 3)), block_size=0)
    with pytest.raises(ValueError):
        acc.merge(StreamingMoments(2))
    with pytest.raises(ValueError):
        StreamingMoments(0)


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=2),
        min_size=2, max_size=300,
    ),
    cuts=st.lists(st.integers(0, 300), max_size=6),
)
def test_moments_random_streams_match_numpy(data: list[list[float]], cuts: list[int]) -> None:
    x = np.array(data)
    edges = sorted({0, x.shape[0], *(c for c in cuts if c < x.shape[0])})
    acc = StreamingMoments(2)
    for lo, hi in zip(edges[:-1], edges[1:]):
        acc.update(x[lo:hi])
    scale = np.abs(x).max(axis=0) + 1.0
    np.testing.assert_allclose(acc.mean, x.mean(axis=0), rtol=1e-12, atol=1e-12 * scale.max())
    np.testing.assert_allclose(
        acc.variance, x.var(axis=0, ddof=1), rtol=1e-9, atol=1e-9 * float((scale**2).max())
    )
    np.testing.assert_array_equal(acc.min, x.min(axis=0))
    np.testing.assert_array_equal(acc.max, x.max(axis=0))


# ----------------------------------------------------------------------------------------
# QuantileSketch
# ----------------------------------------------------------------------------------------

N_ACC = 1_000_000


@pytest.fixture(scope="module")
def distributions() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    normal = rng.standard_normal(N_ACC)
    return {
        "normal": normal,
        "lognormal": rng.lognormal(0.0, 2.5, N_ACC),
        "ties": rng.poisson(3.0, N_ACC).astype(float),
        "sorted": np.sort(normal),
        "reverse": np.sort(normal)[::-1].copy(),
        "constant": np.full(N_ACC, 2.5),
    }


@pytest.fixture(scope="module")
def accuracy_sketch(distributions: dict[str, np.ndarray]) -> tuple[np.ndarray, QuantileSketch]:
    x = np.column_stack(list(distributions.values()))
    return x, sketch_of(x)


def test_sketch_rank_error_within_0001(
    accuracy_sketch: tuple[np.ndarray, QuantileSketch],
) -> None:
    x, sk = accuracy_sketch
    assert sk.count.tolist() == [N_ACC] * x.shape[1]
    bound = sk.rank_error_bound
    assert (bound <= 0.001).all() and (bound > 0).all()
    qv = sk.quantile(QGRID)
    assert qv.shape == (QGRID.size, x.shape[1])
    for j in range(x.shape[1]):
        assert_ranks_within(x[:, j], QGRID, qv[:, j], 0.001)  # acceptance criterion
        assert_ranks_within(x[:, j], QGRID, qv[:, j], float(bound[j]))  # tracked bound


def test_sketch_extremes_are_exact(accuracy_sketch: tuple[np.ndarray, QuantileSketch]) -> None:
    x, sk = accuracy_sketch
    ends = sk.quantile([0.0, 1.0])
    np.testing.assert_array_equal(ends[0], x.min(axis=0))
    np.testing.assert_array_equal(ends[1], x.max(axis=0))
    np.testing.assert_array_equal(sk.quantile(0.0), ends[:1])  # scalar q -> one row


def test_sketch_documented_streaming_bound() -> None:
    # E/n <= (5 + L/2) / k, L = max(0, floor(log2(n/k)) - 2)  (module docstring)
    rng = np.random.default_rng(11)
    for k, n in ((64, 300_000), (512, 1_000_000), (8, 50_000)):
        sk = sketch_of(rng.random(n), size=1000, k=k)
        lev = max(0, math.floor(math.log2(n / k)) - 2)
        assert sk.rank_error_bound[0] <= (5 + lev / 2) / k


@pytest.mark.parametrize("name", ["lognormal", "ties", "sorted", "reverse"])
def test_sketch_tracked_bound_is_rigorous_with_small_k(
    distributions: dict[str, np.ndarray], name: str
) -> None:
    x = distributions[name][:300_000]
    sk = sketch_of(x, size=5000, k=64)  # many levels, large bound, still guaranteed
    bound = float(sk.rank_error_bound[0])
    assert 0.001 < bound < 0.2
    qs = np.linspace(0.0, 1.0, 2001)
    assert_ranks_within(x, qs, sk.quantile(qs)[:, 0], bound)


def test_sketch_is_deterministic_and_chunking_invariant(
    distributions: dict[str, np.ndarray],
) -> None:
    x = np.column_stack([distributions["lognormal"], distributions["ties"]])[:400_000]
    first = sketch_of(x).quantile(QGRID)
    again = sketch_of(x).quantile(QGRID)
    assert np.array_equal(first, again)
    # any split of the same stream into update calls gives the same state
    for size in (1000, 7 * BLOCK + 3, x.shape[0]):
        assert np.array_equal(sketch_of(x, size=size).quantile(QGRID), first)


def test_sketch_nan_ignored_and_paths_agree(distributions: dict[str, np.ndarray]) -> None:
    x = np.column_stack([distributions["normal"], distributions["ties"]])[:200_000]
    rng = np.random.default_rng(3)
    holes = x.copy()
    holes[rng.random(x.shape) < 0.05] = np.nan
    sk = sketch_of(holes)
    np.testing.assert_array_equal(sk.nan_count, np.isnan(holes).sum(axis=0))
    np.testing.assert_array_equal(sk.count, (~np.isnan(holes)).sum(axis=0))
    for j in range(2):
        col = holes[:, j]
        alone = sketch_of(col[~np.isnan(col)])  # single metric, no NaN
        assert np.array_equal(sk.quantile(QGRID)[:, j], alone.quantile(QGRID)[:, 0])
        assert_ranks_within(col, QGRID, sk.quantile(QGRID)[:, j], 0.001)


def test_sketch_memory_is_bounded() -> None:
    n = 10_000_000
    rng = np.random.default_rng(5)
    sk = QuantileSketch()
    peak = 0
    chunk = rng.random(1_000_000)
    for i in range(n // chunk.size):
        for b in blocks(chunk + i):  # shifted copies: a non-stationary stream
            sk.update(b)
            peak = max(peak, int(sk.retained[0]))
    assert sk.count[0] == n
    assert peak <= 147_456  # documented: k * (L + 2) items for n <= 1e7
    assert sk.rank_error_bound[0] <= (5 + (math.floor(math.log2(n / 16_384)) - 2) / 2) / 16_384


def test_sketch_merge_within_tracked_bound(distributions: dict[str, np.ndarray]) -> None:
    x = np.column_stack([distributions["lognormal"], distributions["sorted"]])
    a = sketch_of(x[:400_000])
    b = sketch_of(x[400_000:])
    merged = a.copy().merge(b)
    np.testing.assert_array_equal(merged.count, [N_ACC, N_ACC])
    assert (merged.rank_error_bound <= 0.001).all()
    qv = merged.quantile(QGRID)
    for j in range(2):
        assert_ranks_within(x[:, j], QGRID, qv[:, j], float(merged.rank_error_bound[j]))
    # the argument is untouched, and merging a sketch with itself doubles the stream
    assert np.array_equal(b.quantile(QGRID), sketch_of(x[400_000:]).quantile(QGRID))
    twice = b.copy().merge(b)
    np.testing.assert_array_equal(twice.count, 2 * b.count)


def test_sketch_infinities_and_empty() -> None:
    sk = QuantileSketch(2)
    assert np.isnan(sk.quantile([0.5])).all()
    np.testing.assert_array_equal(sk.rank_error_bound, [0.0, 0.0])
    x = np.column_stack([np.r_[-np.inf, np.arange(10.0), np.inf], np.full(12, np.nan)])
    sk.update(x)
    out = sk.quantile([0.0, 0.5, 1.0])
    np.testing.assert_array_equal(out[:, 0], [-np.inf, 4.0, np.inf])
    assert np.isnan(out[:, 1]).all()
    np.testing.assert_array_equal(sk.count, [12, 0])
    np.testing.assert_array_equal(sk.nan_count, [0, 12])


def test_sketch_rejects_bad_input() -> None:
    sk = QuantileSketch(2, k=64)
    with pytest.raises(ValueError):
        sk.quantile([1.5])
    with pytest.raises(ValueError):
        sk.quantile([np.nan])
    with pytest.raises(ValueError):
        sk.update(np.zeros(5))
    with pytest.raises(ValueError):
        sk.merge(QuantileSketch(2, k=128))
    with pytest.raises(ValueError):
        QuantileSketch(1, k=100)


finite_or_inf = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True),
    st.integers(-3, 3).map(float),  # ties
)


@settings(max_examples=150, deadline=None)
@given(
    x=st.lists(finite_or_inf, min_size=1, max_size=64),
    qs=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=10),
)
def test_exact_small_stream_is_inverted_cdf(x: list[float], qs: list[float]) -> None:
    arr = np.array(x)
    sk = QuantileSketch(k=64)
    sk.update(arr)
    assert sk.rank_error_bound[0] == 0.0
    expected = np.quantile(arr, np.array(qs), method="inverted_cdf")
    np.testing.assert_array_equal(sk.quantile(qs)[:, 0], expected)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.lists(st.integers(-50, 50), min_size=1, max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=8),
    k=st.sampled_from([8, 16, 32]),
    merge=st.booleans(),
)
def test_random_streams_respect_tracked_bound(
    x: list[int], cuts: list[int], k: int, merge: bool
) -> None:
    arr = np.array(x, dtype=float) / 7.0
    edges = sorted({0, arr.size, *(c for c in cuts if c < arr.size)})
    pieces = [arr[lo:hi] for lo, hi in zip(edges[:-1], edges[1:])]
    sk = QuantileSketch(k=k)
    for p in pieces:
        if merge:
            sk.merge(QuantileSketch(k=k).update(p))
        else:
            sk.update(p)
    assert sk.count[0] == arr.size
    assert sk.retained[0] <= arr.size
    qs = np.linspace(0.0, 1.0, 101)
    assert_ranks_within(arr, qs, sk.quantile(qs)[:, 0], float(sk.rank_error_bound[0]))
    if not merge:  # state depends on the value stream only, not on the cuts
        whole = QuantileSketch(k=k).update(arr)
        assert np.array_equal(whole.quantile(qs), sk.quantile(qs))


def _state(sketch: QuantileSketch) -> list:
    """Every metric's levels (retained items), fills, error accounts and extremes."""
    return [([b[:f].tolist() for b, f in zip(s.bufs, s.fills)], list(s.pos), list(s.neg),
             s.count, s.vmin, s.vmax) for s in sketch._sketches]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(metrics=st.integers(1, 5), k=st.sampled_from([8, 16, 64]),
       cuts=st.lists(st.integers(1, 300), min_size=1, max_size=12),
       ties=st.booleans(), repeats=st.lists(st.integers(0, 4), max_size=4),
       seed=st.integers(0, 2**32 - 1))
def test_sketch_compacting_all_metrics_at_once_is_each_metrics_own_to_the_bit(
        metrics, k, cuts, ties, repeats, seed) -> None:
    """The fast path (NaN-free blocks: every metric's levels compacted as one array, a
    repeated metric sorted once) leaves every metric in the state its own compactions would,
    bit for bit: the same retained items, fills, error accounts and extremes, hence the same
    quantiles."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(sum(cuts), metrics))
    if ties:                                        # repeated values and signed zeros
        x = np.round(x, 1) * rng.choice([-1.0, 1.0], size=x.shape)
    for j, i in enumerate(repeats[:metrics - 1]):   # metric j + 1 repeats an earlier one
        x[:, j + 1] = x[:, min(i, j)]
    together, alone = QuantileSketch(metrics, k=k), QuantileSketch(metrics, k=k)
    alone._levels = None                            # each metric on its own from the start
    start = 0
    for cut in cuts:
        together.update(x[start:start + cut])
        alone.update(x[start:start + cut])
        start += cut
    assert together._levels is not None
    assert _state(together) == _state(alone)
    qs = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0]
    assert together.quantile(qs).tobytes() == alone.quantile(qs).tobytes()


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 5000), cols=st.integers(1, 30), extra=st.integers(0, 3000),
       scale=st.integers(-5, 15), seed=st.integers(0, 2**32 - 1))
def test_block_sums_of_a_block_cut_from_a_chunk_are_its_contiguous_sums(
        rows, cols, extra, scale, seed) -> None:
    """A block of a draw-fastest chunk (each column contiguous, the columns a chunk apart) is
    summed where it lies: the same bits as the pairwise sum of each column copied out."""
    from fundmodel.stats.blocks import BlockSums
    rng = np.random.default_rng(seed)
    chunk = (rng.normal(size=(cols, rows + extra)) * 10.0 ** scale).T   # draw-fastest
    block = chunk[:rows]
    expected = np.array([np.add.reduce(np.ascontiguousarray(block[:, j]))
                         for j in range(cols)])
    sums = BlockSums(["x"])
    sums({"x": block})
    assert sums.totals["x"].tobytes() == expected.tobytes()


@settings(max_examples=80, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 200), repeats=st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=8),
       values=st.sampled_from(["normal", "few", "zeros"]), seed=st.integers(0, 2**32 - 1))
def test_sort_rows_sorts_each_distinct_row_once_and_gives_numpys_sort(
        rows, cols, repeats, values, seed) -> None:
    """The sketch's row sort (a repeated row takes its twin's sorted values) gives
    ``np.sort(axis=1)`` to the bit: rows repeated anywhere, rows equal in the three values
    that find candidates but not in the rest, rows of one value."""
    from fundmodel.stats.sketch import _sort_rows
    rng = np.random.default_rng(seed)
    if values == "normal":
        a = rng.normal(size=(rows, cols))
    elif values == "few":                          # many ties, rows that differ in one place
        a = rng.integers(0, 3, size=(rows, cols)).astype(float)
    else:
        a = np.zeros((rows, cols))
    for i, j in repeats:
        if i < rows and j < rows:
            a[j] = a[i]
    if rows > 1 and cols > 3:                       # same first, middle, last: not the same
        a[-1] = a[0]
        a[-1, 1] += 1.0
    expected = np.sort(a, axis=1)
    view = np.zeros((rows, cols + 5))[:, :cols]     # rows apart, as a level's first items
    view[...] = a
    _sort_rows(view)
    assert view.tobytes() == expected.tobytes()


@settings(max_examples=60, deadline=None)
@given(blocks=st.integers(1, 5), size=st.sampled_from([1, 7, 64, 300]), cols=st.integers(1, 6),
       layout=st.sampled_from(["draw-fastest", "C", "1-D"]), first=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_block_sums_of_a_run_of_blocks_are_its_blocks_one_by_one(
        blocks, size, cols, layout, first, seed) -> None:
    """BlockSums fed a run of whole blocks at once keeps the totals, to the bit, it keeps when
    fed each block in turn (each block's columns summed pairwise, block sums added in order),
    whatever the layout; and so does a BlockStream that hands it the run."""
    from fundmodel.stats.blocks import BlockStream, BlockSums
    rng = np.random.default_rng(seed)
    rows = blocks * size
    if layout == "1-D":
        x = rng.normal(size=rows) * 1e6
    elif layout == "C":
        x = rng.normal(size=(rows, cols)) * 1e6
    else:
        x = (rng.normal(size=(cols, rows)) * 1e6).T
    one, run = BlockSums(["x"]), BlockSums(["x"])
    if first:                                   # a total already there
        head = x[:size]
        one({"x": head})
        run({"x": head})
    for b in range(blocks):
        one({"x": x[b * size:(b + 1) * size]})
    run.blocks({"x": x}, size)
    assert np.asarray(run.totals["x"]).tobytes() == np.asarray(one.totals["x"]).tobytes()
    assert run.count == one.count
    streamed = BlockSums(["x"])
    stream = BlockStream(size, [streamed])
    stream.push({"x": x[:size + size // 2]})
    stream.push({"x": x[size + size // 2:]})
    stream.close()
    alone = BlockSums(["x"])
    for b in range(blocks):
        alone({"x": x[b * size:(b + 1) * size]})
    assert np.asarray(streamed.totals["x"]).tobytes() == np.asarray(alone.totals["x"]).tobytes()
