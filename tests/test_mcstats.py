"""Monte Carlo statistics: stratified partial blocks, replicate standard errors for LHS and Sobol,
bounds for probabilities at 0 or 1, and the median rule of discrete distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from scipy import stats

from fundmodel import Scenario, simulate
from fundmodel.stats.blocks import MIN_REPLICATE_BLOCKS, BlockMeans, replicate_mcse
from fundmodel.inputs.sampling import BLOCK_SIZE, InputSpace, sample_values
from fundmodel.scenario.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)
UNIFORM = ADAPTER.validate_python({"dist": "uniform", "low": 0, "high": 1})


def uniform_space(dims: int) -> InputSpace:
    return InputSpace([(f"u{i}",) for i in range(dims)], [UNIFORM] * dims, [1] * dims,
                      list(range(dims)))


def smooth(v: dict) -> np.ndarray:
    """A smooth function of three U(0, 1) inputs, mostly additive."""
    a, b, c = v[("u0",)], v[("u1",)], v[("u2",)]
    return np.exp(a) + b ** 2 + np.sin(3 * c) + 0.3 * a * b


def small_scenario(**simulation) -> Scenario:
    return Scenario.model_validate({
        "name": "mc", "start_year": 2025, "horizon_years": 2, "discount_rate": 0.03,
        "compound": {"name": "c", "households": 100, "floor_area_m2": 8000},
        "renovation": {
            "contingency": {"dist": "pert", "low": 0.0, "mode": 0.05, "high": 0.2},
            "items": [{"name": "roof", "tier": "basic", "quantity": 1000,
                       "unit_cost": {"dist": "triangular", "low": 80, "mode": 100, "high": 150}},
                      {"name": "pipes", "tier": "basic", "quantity": 500,
                       "unit_cost": {"dist": "lognormal", "mean": 200, "sd": 40}}]},
        "funding": [{"source": "residents", "per_household": 1000,
                     "uptake": {"dist": "beta", "a": 8, "b": 2}},
                    {"source": "donations", "amount": 150_000}],
        "operations": {"property_fee": {"rate_per_m2_month": 0.5, "collection_rate":
                                        {"dist": "uniform", "low": 0.6, "high": 0.9}}},
        "simulation": simulation})


REPLICATED = MIN_REPLICATE_BLOCKS * BLOCK_SIZE + 1_234   # enough blocks, and a partial one


# ---------------------------------------------------------------------------------- 1. LHS blocks
@pytest.mark.parametrize("draws", [10_000, 2 * BLOCK_SIZE + 1, 777])
def test_every_lhs_block_is_stratified(draws):
    u = np.column_stack(list(sample_values(uniform_space(3), 5, "lhs", 0, draws).values()))
    for start in range(0, draws, BLOCK_SIZE):
        block = u[start:start + BLOCK_SIZE]
        m = len(block)
        # one point in each of the m strata [k/m, (k+1)/m), for every input
        for col in block.T:
            assert np.array_equal(np.sort(np.floor(col * m)), np.arange(m))


def test_lhs_chunks_of_a_run_with_a_partial_block_agree():
    space = uniform_space(3)
    whole = sample_values(space, 3, "lhs", 0, 10_000)
    parts = [sample_values(space, 3, "lhs", a, b, draws=10_000)
             for a, b in [(0, 5_000), (5_000, 9_000), (9_000, 10_000)]]
    for path in whole:
        assert np.array_equal(whole[path], np.concatenate([p[path] for p in parts]))


def test_lhs_variance_reduction_survives_a_partial_block():
    # variance of the mean over many seeds, relative to random sampling's Var(f)/n
    space = uniform_space(3)

    def relative_variance(n: int) -> float:
        draws = [smooth(sample_values(space, seed, "lhs", 0, n)) for seed in range(100)]
        var_f = np.mean([d.var(ddof=1) for d in draws])
        return np.var([d.mean() for d in draws], ddof=1) / (var_f / n)

    full, partial = relative_variance(2 * BLOCK_SIZE), relative_variance(10_000)
    assert full < 0.01
    # same order at 10,000 draws (the last 1,808 in a design of their own) as at 8,192
    assert partial < 3 * full
    assert partial < 0.01


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_prefix_contract(sampler):
    space = uniform_space(2)
    short = sample_values(space, 9, sampler, 0, BLOCK_SIZE + 500)
    long = sample_values(space, 9, sampler, 0, 3 * BLOCK_SIZE)
    for path in short:
        # the full blocks of the shorter run are the longer run's
        assert np.array_equal(short[path][:BLOCK_SIZE], long[path][:BLOCK_SIZE])
    if sampler == "lhs":   # the partial block is a design of its own size
        assert not np.array_equal(short[("u0",)][BLOCK_SIZE:], long[("u0",)][BLOCK_SIZE:
                                                                           BLOCK_SIZE + 500])
    random_short = sample_values(space, 9, "random", 0, BLOCK_SIZE + 500)
    random_long = sample_values(space, 9, "random", 0, 3 * BLOCK_SIZE)
    for path in random_short:
        assert np.array_equal(random_short[path], random_long[path][:BLOCK_SIZE + 500])


def test_sobol_blocks_are_independently_scrambled_nets():
    u = np.column_stack(list(sample_values(uniform_space(2), 4, "sobol", 0,
                                           2 * BLOCK_SIZE).values()))
    a, b = u[:BLOCK_SIZE], u[BLOCK_SIZE:]
    for block in (a, b):   # a (0, 12, 2)-net: 64 × 64 cells hold one point each
        cells = np.floor(block[:, 0] * 64) * 64 + np.floor(block[:, 1] * 64)
        assert np.array_equal(np.sort(cells), np.arange(BLOCK_SIZE))
    assert not np.allclose(np.sort(a[:, 0]), np.sort(b[:, 0]))


# ---------------------------------------------------------------------------------- 2. mcse
def test_replicate_mcse_by_hand():
    # three blocks of 4, 4 and 2 values with means 1, 2, 6: N = 10, mean = (4 + 8 + 12)/10 = 2.4
    counts = np.array([[4], [4], [2]])
    means = np.array([[1.0], [2.0], [6.0]])
    ss = 0.4 ** 2 * 1.4 ** 2 + 0.4 ** 2 * 0.4 ** 2 + 0.2 ** 2 * 3.6 ** 2
    assert replicate_mcse(counts, means)[0] == pytest.approx(math.sqrt(ss * 3 / 2), rel=1e-14)
    # a block without values is left out; one block alone gives no estimate
    assert replicate_mcse(np.array([[4], [0], [4]]), np.array([[1.0], [np.nan], [3.0]]))[0] == \
        pytest.approx(math.sqrt(2 * (0.5 ** 2 + 0.5 ** 2)) / 1, rel=1e-14)
    assert np.isnan(replicate_mcse(np.array([[4], [0]]), np.array([[1.0], [np.nan]]))[0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=30), st.integers(1, 50))
def test_equal_blocks_give_sd_of_block_means_over_root_b(block_means, size):
    counts = np.full((len(block_means), 1), size)
    means = np.array(block_means)[:, None]
    expected = np.std(block_means, ddof=1) / math.sqrt(len(block_means))
    assert replicate_mcse(counts, means)[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_block_means_skip_nan():
    acc = BlockMeans(["x"])
    acc({"x": np.array([1.0, np.nan, 3.0])})
    acc({"x": np.array([np.nan, np.nan])})
    assert acc.counts.tolist() == [[2], [0]]
    assert acc.means[0, 0] == 2.0 and np.isnan(acc.means[1, 0])


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_replicate_mcse_matches_the_spread_over_seeds(sampler):
    sc = small_scenario()
    metrics = ["capex_total", "funding_gap", "npv_operations", "resident_cost"]
    means, errors = [], []
    for seed in range(16):   # every other run streamed: both paths give the same mcse
        s = simulate(sc, draws=REPLICATED, seed=seed, sampler=sampler,
                     keep_draws=bool(seed % 2)).summary().loc[metrics]
        means.append(s["mean"])
        errors.append(s["mcse"])
        iid = s["sd"] / math.sqrt(REPLICATED)
        assert (s["mcse"] < iid).all()
        assert s.loc["capex_total", "mcse"] < iid["capex_total"] / 10   # smooth: far below
    spread = np.std(means, axis=0, ddof=1)
    typical = np.sqrt(np.mean(np.square(errors), axis=0))
    ratio = typical / spread
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), dict(zip(metrics, ratio))


def test_random_mcse_is_sd_over_root_n_and_info_says_how():
    sc = small_scenario()
    res = simulate(sc, draws=REPLICATED, seed=1, sampler="random")
    s = res.summary()
    x = res.metric("capex_total")
    assert s.loc["capex_total", "mcse"] == pytest.approx(x.std(ddof=1) / math.sqrt(x.size),
                                                         rel=1e-12)
    assert res.info["mcse_method"] == "sd/sqrt(n)" and "mcse_note" not in res.info
    lhs = simulate(sc, draws=REPLICATED, seed=1, sampler="lhs")
    assert lhs.info["mcse_method"] == "block replicates"
    assert lhs.info["mcse_blocks"] == MIN_REPLICATE_BLOCKS + 1


def test_few_blocks_fall_back_to_sd_over_root_n_and_say_so():
    res = simulate(small_scenario(), draws=10_000, seed=1, sampler="lhs")
    assert res.info["mcse_method"] == "sd/sqrt(n)"
    assert res.info["mcse_blocks"] == 3 and "3 block(s)" in res.info["mcse_note"]
    x = res.metric("capex_total")
    assert res.summary().loc["capex_total", "mcse"] == pytest.approx(
        x.std(ddof=1) / 100, rel=1e-12)


def test_kept_and_streamed_replicate_mcse_agree():
    sc = small_scenario()
    kept = simulate(sc, draws=REPLICATED, seed=2, sampler="sobol").summary()
    streamed = simulate(sc, draws=REPLICATED, seed=2, sampler="sobol",
                        keep_draws=False).summary()
    assert np.allclose(kept["mcse"], streamed["mcse"], rtol=1e-12, atol=0, equal_nan=True)


@pytest.mark.parametrize("sampler,keep_draws", [("lhs", True), ("sobol", False)])
def test_replicate_statistics_identical_whatever_the_chunking(sampler, keep_draws):
    sc = small_scenario()
    runs = [simulate(sc, draws=REPLICATED, seed=11, sampler=sampler, chunk_size=c,
                     keep_draws=keep_draws, workers=w)
            for c, w in [(REPLICATED, 1), (1_000, 1), (4_097, 2)]]
    for other in runs[1:]:
        assert runs[0].summary().equals(other.summary())
        assert runs[0].info == {**other.info, "chunk_size": runs[0].info["chunk_size"],
                                "workers": runs[0].info["workers"]}


def test_probability_at_zero_or_one_has_a_rule_of_three_bound():
    # donations of 10 M always cover the renovation: has_funding_gap is 0 in every draw, and
    # the fee covers no cost, so there is never a deficit either; resident_cost is constant
    sc = small_scenario().model_dump()
    sc["funding"] = [{"source": "donations", "amount": 10_000_000}]
    sc = Scenario.model_validate(sc)
    for sampler, n in [("random", 5_000), ("lhs", REPLICATED)]:
        for keep in (True, False):
            res = simulate(sc, draws=n, seed=3, sampler=sampler, keep_draws=keep)
            p = res.probabilities()
            assert p.loc["has_funding_gap", "probability"] == 0
            # 0 ± 1.5/n: two standard errors reach 3/n, the 95 % rule-of-three bound
            assert p.loc["has_funding_gap", "mcse"] == pytest.approx(1.5 / n, rel=1e-15)
            assert -math.log(0.05) / n <= 2 * p.loc["has_funding_gap", "mcse"] <= 3.01 / n
            s = res.summary()
            assert s.loc["funding_gap", "mcse"] == 0.0        # a constant, not a probability
    # a probability of 1: has_funding_gap when nothing funds the renovation
    sc2 = small_scenario().model_dump()
    sc2["funding"] = []
    res = simulate(Scenario.model_validate(sc2), draws=2_000, seed=1)
    p = res.probabilities().loc["has_funding_gap"]
    assert p["probability"] == 1 and p["mcse"] == pytest.approx(1.5 / 2_000)


# ---------------------------------------------------------------------------------- 4. medians
def test_choice_median_does_not_depend_on_the_written_order():
    # sorted: 1 (0.3), 2 (0.3), 5 (0.4): P(X ≤ 1) = 0.3, P(X ≤ 2) = 0.6 ≥ 0.5, so the median is 2
    for values, weights in [([5, 1, 2], [0.4, 0.3, 0.3]), ([1, 2, 5], [0.3, 0.3, 0.4]),
                            ([2, 5, 1], [0.3, 0.4, 0.3])]:
        d = ADAPTER.validate_python({"dist": "choice", "values": values, "weights": weights})
        assert d.median() == 2
        assert d.point("median") == 2
    # equal weights over an even number of values: the lower middle value
    assert ADAPTER.validate_python({"dist": "choice", "values": [4, 3, 2, 1]}).median() == 2
    assert ADAPTER.validate_python({"dist": "choice", "values": [2, 1]}).median() == 1


def test_empirical_median_is_the_lower_middle_value():
    d = ADAPTER.validate_python({"dist": "empirical", "values": [3, 1, 4, 1, 5, 9, 2, 6]})
    assert d.median() == 3          # sorted 1 1 2 3 | 4 5 6 9: P(X ≤ 3) = 4/8
    assert ADAPTER.validate_python({"dist": "empirical", "values": [7, 1, 3]}).median() == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(1, 6)), min_size=1, max_size=8,
                unique_by=lambda t: t[0]))
def test_discrete_medians_follow_the_inverted_cdf_rule(pairs):
    values = [float(v) for v, _ in pairs]
    counts = [c for _, c in pairs]
    sample = np.repeat(values, counts)
    expected = np.quantile(sample, 0.5, method="inverted_cdf")   # numpy's definition
    total = sum(counts)
    choice = ADAPTER.validate_python({"dist": "choice", "values": values,
                                      "weights": [c / total for c in counts]})
    assert choice.median() == expected
    empirical = ADAPTER.validate_python({"dist": "empirical", "values": sample[::-1].tolist()})
    assert empirical.median() == expected


def test_choice_ppf_is_monotone_and_keeps_the_weights():
    d = ADAPTER.validate_python({"dist": "choice", "values": [30, 10, 20],
                                 "weights": [0.5, 0.2, 0.3]})
    u = np.linspace(1e-9, 1 - 1e-9, 10_001)
    x = d.ppf(u)
    assert np.all(np.diff(x) >= 0)
    assert x[0] == 10 and x[-1] == 30
    # share of the grid mapped to each value = its weight
    for value, w in [(10, 0.2), (20, 0.3), (30, 0.5)]:
        assert np.mean(x == value) == pytest.approx(w, abs=2e-4)


def test_rank_correlation_with_a_choice_input_means_what_it_says():
    sc = small_scenario(correlations={
        "inputs": ["funding[0].uptake", "operations.property_fee.collection_rate"],
        "matrix": [[1.0, 0.8], [0.8, 1.0]]}).model_dump()
    sc["funding"][0]["uptake"] = {"dist": "choice", "values": [0.9, 0.5, 0.7]}
    from fundmodel.inputs.sampling import input_space
    sc = Scenario.model_validate(sc)
    values = sample_values(input_space(sc), 1, "lhs", 0, 20_000)
    uptake = values[("funding", 0, "uptake")]
    collection = values[("operations", "property_fee", "collection_rate")]
    assert stats.spearmanr(uptake, collection).statistic > 0.6
