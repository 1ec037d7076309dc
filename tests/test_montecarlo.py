"""Monte Carlo: reproducibility to the bit, agreement with exact answers, streaming statistics."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import fundmodel
from fundmodel import ModelError, Scenario, evaluate, simulate
from fundmodel.inputs.sampling import BLOCK_SIZE

STANDALONE = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"


@pytest.fixture(scope="module")
def standalone():
    return fundmodel.load_scenario(STANDALONE)


def same_result(a: fundmodel.Result, b: fundmodel.Result) -> None:
    """Every output identical to the last bit."""
    if a.has_draws:
        assert np.array_equal(a._metrics, b._metrics, equal_nan=True)
    pd_equal = lambda x, y: x.equals(y)  # noqa: E731  (NaN-aware, exact)
    assert pd_equal(a.summary(), b.summary())
    assert pd_equal(a.yearly(), b.yearly())
    assert pd_equal(a.funding(), b.funding())
    assert pd_equal(a.items(), b.items())


# ---------------------------------------------------------------------------------- reproducibility
def test_chunk_sizes_give_identical_metrics(standalone):
    n = 70_000  # more than one chunk of 65,536 and many blocks
    runs = [simulate(standalone, draws=n, seed=7, chunk_size=c) for c in (1_000, 65_536, n)]
    assert runs[0].metrics.equals(runs[1].metrics)
    assert runs[0].metrics.equals(runs[2].metrics)
    for other in runs[1:]:
        same_result(runs[0], other)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_chunk_sizes_identical_for_every_sampler(standalone, sampler):
    n = 3 * BLOCK_SIZE + 123
    runs = [simulate(standalone, draws=n, seed=11, sampler=sampler, chunk_size=c)
            for c in (1_000, 4_097, n)]
    for other in runs[1:]:
        same_result(runs[0], other)


def test_workers_do_not_change_results(standalone):
    a = simulate(standalone, draws=30_000, seed=3, chunk_size=5_000)
    b = simulate(standalone, draws=30_000, seed=3, chunk_size=5_000, workers=2)
    same_result(a, b)


def test_streaming_statistics_do_not_depend_on_chunks(standalone):
    runs = [simulate(standalone, draws=20_000, seed=5, chunk_size=c, keep_draws=False)
            for c in (999, 20_000)]
    same_result(runs[0], runs[1])


def test_first_draws_of_a_longer_run_are_the_shorter_run(standalone):
    short = simulate(standalone, draws=5_000, seed=9)
    long = simulate(standalone, draws=12_000, seed=9)
    assert long.metrics.iloc[:5_000].equals(short.metrics)


def test_same_seed_same_draws_other_seed_other_draws(standalone):
    a = simulate(standalone, draws=2_000, seed=1)
    assert a.metrics.equals(simulate(standalone, draws=2_000, seed=1).metrics)
    assert not a.metrics.equals(simulate(standalone, draws=2_000, seed=2).metrics)


def test_seed_defaults_from_scenario_and_is_reported(standalone):
    assert simulate(standalone, draws=10).info["seed"] == standalone.simulation.seed
    sc = standalone.model_copy(update={"simulation": standalone.simulation.model_copy(
        update={"seed": None})})
    info = simulate(sc, draws=10).info
    again = simulate(sc, draws=10, seed=info["seed"])
    assert again.info["seed"] == info["seed"]


# ---------------------------------------------------------------------------------- exactness
def test_no_distributions_gives_n_rows_equal_to_evaluate():
    d = {"name": "fixed", "start_year": 2025, "horizon_years": 5, "discount_rate": 0.03,
         "inflation": 0.01,
         "compound": {"name": "c", "households": 80, "floor_area_m2": 6000},
         "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 800,
                                   "unit_cost": 120}]},
         "funding": [{"source": "central_subsidy", "per_household": 500}],
         "operations": {"property_fee": {"rate_per_m2_month": 0.4, "collection_rate": 0.8},
                        "costs": [{"name": "cleaner", "staff": 1, "wage_per_month": 2000}]}}
    sc = Scenario.model_validate(d)
    base = evaluate(sc).metrics
    res = simulate(sc, draws=1_000, seed=1)
    assert len(res.metrics) == 1_000
    expected = base.loc[np.zeros(1_000, dtype=int)].reset_index(drop=True)
    expected.index.name = "draw"
    assert res.metrics.equals(expected)


def test_probability_of_gap_matches_closed_form():
    # cost = 1000 × U(80, 120); fixed funding 105,000: P(gap > 0) = P(U > 105) = 15/40
    d = {"name": "p", "start_year": 2025, "horizon_years": 1, "discount_rate": 0.0,
         "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
         "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 1000,
                                   "unit_cost": {"dist": "uniform", "low": 80, "high": 120}}]},
         "funding": [{"source": "donations", "amount": 105_000}],
         "operations": {"property_fee": {"rate_per_m2_month": 0.5}}}
    sc = Scenario.model_validate(d)
    p = 15 / 40
    n = 50_000
    for sampler in ("random", "lhs", "sobol"):
        res = simulate(sc, draws=n, seed=123, sampler=sampler)
        got = res.probabilities().loc["has_funding_gap", "probability"]
        assert abs(got - p) <= 4 * math.sqrt(p * (1 - p) / n), sampler
        # and the mean gap: E[max(1000 U − 105000, 0)] = ∫_105^120 1000 (u − 105) du / 40
        mean_gap = 1000 * (120 - 105) ** 2 / 2 / 40
        s = res.summary().loc["funding_gap"]
        assert abs(s["mean"] - mean_gap) <= 4 * s["mcse"]


# ---------------------------------------------------------------------------------- outputs
def test_summary_columns_and_probabilities(standalone):
    res = simulate(standalone, draws=10_000, seed=2)
    s = res.summary()
    assert list(s.columns) == ["unit", "mean", "sd", "mcse", "p5", "p25", "p50", "p75", "p95",
                               "min", "max", "n", "undefined"]
    x = res.metric("capex_total")
    assert s.loc["capex_total", "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert s.loc["capex_total", "sd"] == pytest.approx(x.std(ddof=1), rel=1e-12)
    assert s.loc["capex_total", "mcse"] == pytest.approx(x.std(ddof=1) / 100, rel=1e-12)
    assert s.loc["capex_total", "p95"] == np.quantile(x, 0.95, method="inverted_cdf")
    p = res.probabilities()
    assert p.loc["has_funding_gap", "probability"] == res.metric("has_funding_gap").mean()
    assert list(p.index) == ["has_funding_gap", "any_operating_deficit",
                             "balance_negative_at_horizon"]
    assert list(p["question"]) == ["P(funding_gap > 0)", "P(any year in operating deficit)",
                                   "P(cumulative_balance < 0 at the horizon)"]


def test_yearly_bands_are_fan_chart_data(standalone):
    res = simulate(standalone, draws=8_000, seed=4)
    y = res.yearly()
    assert len(y) == standalone.horizon_years
    band = res.yearly_bands("operating_surplus").pivot(index="year", columns="statistic",
                                                       values="value")
    assert sorted(band.columns) == sorted(["mean", "p5", "p25", "p50", "p75", "p95"])
    assert (band["p5"] <= band["p50"]).all() and (band["p50"] <= band["p95"]).all()
    assert "property_fee_income" in y.columns
    kept = simulate(standalone, draws=8_000, seed=4, keep_yearly=True)
    paths = kept._yearly_paths["operating_surplus"]
    assert paths.shape == (8_000, standalone.horizon_years)
    # streamed bands are exact below the sketch's buffer size (inverted-CDF definition)
    exact = np.quantile(paths, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
    assert np.array_equal(band[["p5", "p50", "p95"]].to_numpy().T, exact)
    assert np.allclose(y["operating_surplus"], paths.mean(axis=0), rtol=1e-12)
    # with the paths kept, every line has bands
    assert "cost[cleaner]" in kept.yearly("p95").columns


def test_streaming_summary_matches_kept_draws(standalone):
    n = 60_000
    kept = simulate(standalone, draws=n, seed=8)
    streamed = simulate(standalone, draws=n, seed=8, keep_draws=False)
    with pytest.raises(ValueError, match="keep_draws"):
        streamed.metrics
    a, b = kept.summary(), streamed.summary()
    for col in ("mean", "sd", "mcse"):
        assert np.allclose(a[col], b[col], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert (a[["min", "max", "n"]] == b[["min", "max", "n"]]).all().all()
    assert streamed.info["quantile_rank_error"] <= 0.001
    for metric in ("capex_total", "funding_gap", "npv_operations", "breakeven_fee_rate"):
        x = np.sort(kept.metric(metric))
        for q in (0.05, 0.25, 0.5, 0.75, 0.95):
            v = b.loc[metric, f"p{round(q * 100)}"]
            lo, hi = np.searchsorted(x, v, "left") / n, np.searchsorted(x, v, "right") / n
            assert lo - 0.001 <= q <= hi + 0.001, (metric, q)


def test_monte_carlo_funding_table_adds_up(standalone):
    res = simulate(standalone, draws=9_000, seed=6)
    f = res.funding()
    assert f["amount"].sum() == pytest.approx(res.metric("capex_total").mean(), rel=1e-10)


# ---------------------------------------------------------------------------------- time variation
def test_growth_drawn_each_year():
    d = {"name": "g", "start_year": 2025, "horizon_years": 4, "discount_rate": 0.0,
         "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
         "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 1,
                                   "unit_cost": 1}]},
         "operations": {"property_fee": {"rate_per_m2_month": 0.0},
                        "costs": [{"name": "wages", "per_year": 1000,
                                   "growth": {"dist": "uniform", "low": 0.0, "high": 0.1,
                                              "each_year": True}},
                                  {"name": "fixed growth", "per_year": 1000,
                                   "growth": {"dist": "uniform", "low": 0.0, "high": 0.1}}]}}
    n = 40_000
    res = simulate(Scenario.model_validate(d), draws=n, seed=1, keep_yearly=True)
    wages = res._yearly_paths["cost[wages]"]
    fixed = res._yearly_paths["cost[fixed growth]"]
    assert np.all(wages[:, 0] == 1000)
    g2, g3 = wages[:, 1] / wages[:, 0] - 1, wages[:, 2] / wages[:, 1] - 1
    f2, f3 = fixed[:, 1] / fixed[:, 0] - 1, fixed[:, 2] / fixed[:, 1] - 1
    assert np.allclose(f2, f3)                       # one rate per draw
    assert abs(stats.spearmanr(g2, g3).statistic) < 0.02   # a new rate every year
    assert g2.min() >= 0 and g2.max() <= 0.1
    # E[cost_t] = 1000 × 1.05^(t−1) for independent yearly U(0, 0.1) growth
    mean4 = wages[:, 3].mean()
    se4 = wages[:, 3].std(ddof=1) / math.sqrt(n)
    assert abs(mean4 - 1000 * 1.05 ** 3) <= 4 * se4


# ---------------------------------------------------------------------------------- correlation
CORR = [[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]]


def corr_scenario(method: str, matrix=CORR, repair: bool = False) -> dict:
    return {
        "name": "corr", "start_year": 2025, "horizon_years": 2, "discount_rate": 0.03,
        "compound": {"name": "c", "households": 100, "floor_area_m2": 9000},
        "renovation": {
            "contingency": {"dist": "pert", "low": 0.0, "mode": 0.05, "high": 0.2},
            "items": [{"name": "roof", "tier": "basic", "quantity": 1000,
                       "unit_cost": {"dist": "lognormal", "mean": 100, "sd": 30}}]},
        "funding": [{"source": "residents", "per_household": 100,
                     "uptake": {"dist": "beta", "a": 8, "b": 2}}],
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}},
        "simulation": {"correlations": {
            "inputs": ["renovation.contingency", "renovation.items[roof].unit_cost",
                       "funding[0].uptake"],
            "matrix": matrix, "method": method, "repair": repair}},
    }


@pytest.mark.parametrize("method", ["gaussian_copula", "iman_conover"])
@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_rank_correlations_are_met(method, sampler):
    from fundmodel.inputs.sampling import input_space, sample_values
    sc = Scenario.model_validate(corr_scenario(method))
    space = input_space(sc)
    values = sample_values(space, 42, sampler, 0, 100_000)
    x = np.column_stack([values[p] for p in sc.correlated_paths()])
    rho = stats.spearmanr(x).statistic
    assert np.all(np.abs(rho - np.array(CORR)) <= 0.02), rho
    # marginals are untouched: the beta uptake keeps its mean 0.8
    uptake = values[("funding", 0, "uptake")]
    assert abs(uptake.mean() - 0.8) <= 4 * uptake.std() / math.sqrt(uptake.size)


def test_not_positive_definite_matrix_repaired_with_warning(caplog):
    bad = [[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]]
    with pytest.raises(fundmodel.ScenarioError, match="not positive definite") as err:
        fundmodel.parse_scenario(corr_scenario("gaussian_copula", bad))
    assert err.value.issues[0].path == "simulation.correlations.matrix"
    sc = Scenario.model_validate(corr_scenario("gaussian_copula", bad, repair=True))
    with caplog.at_level(logging.WARNING, logger="fundmodel"):
        res = simulate(sc, draws=5_000, seed=1)
    assert any("nearest valid matrix" in w for w in res.info["warnings"])
    assert any("nearest valid matrix" in r.message for r in caplog.records)


# ---------------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs", [{"draws": 0}, {"draws": 1.5}, {"draws": True},
                                    {"chunk_size": 0}, {"seed": -1}, {"sampler": "halton"},
                                    {"workers": 0}])
def test_bad_arguments(standalone, kwargs):
    with pytest.raises(ModelError):
        simulate(standalone, **{"draws": 10, **kwargs})


def test_progress_callback(standalone):
    seen = []
    simulate(standalone, draws=10_000, seed=1, chunk_size=3_000,
             progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3_000, 10_000), (6_000, 10_000), (9_000, 10_000), (10_000, 10_000)]
