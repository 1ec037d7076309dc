"""Issue 7, performance items that must not change any number.

- The hand-written kernel (``benchmarks/kernel.py``) computes the same model as
  ``fundmodel.simulate`` on the same uniforms: the benchmark's ratio compares like with like.
  So does the kernel of xiamen-hanlingrong (``benchmarks/kernel_xiamen.py``, issue 23).
- The inverse CDFs that call scipy's special functions directly give the same bits as scipy's
  generic ``rv_continuous.ppf`` (the reference), on many uniforms including the clipped extremes.
- ``import fundmodel`` and loading a scenario do not import ``scipy.stats``; the import is fast.
- ``Result.summary()`` is computed once and handed out as copies.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

import fundmodel
from fundmodel.results import result as results_module
from fundmodel.stats.induced_correlation import iman_conover, spearman_to_pearson
from fundmodel.inputs.sampling import BLOCK_SIZE, block_uniforms, input_space, sample_values
from fundmodel.scenario.distributions import Beta, LogNormal, Normal, Pert, Triangular
from fundmodel.io.limits import EXTREME_U

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "sanqiao-standalone.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))
import kernel  # noqa: E402  (benchmarks/ is not a package)
import kernel_xiamen  # noqa: E402

XIAMEN = ROOT / "scenarios" / "xiamen-hanlingrong.yaml"

# uniforms an inverse CDF meets: the samplers' clipped ends, the largest float below 1, exact 0.5,
# 0 and 1 themselves (a copula's Φ(z) may round to 1), and a spread of ordinary and tiny values
EXTREMES = np.array([0.0, EXTREME_U[0], 2.0**-53, 2.0**-30, 1e-12, 0.5, 1.0 - 2.0**-30,
                     EXTREME_U[1], 1.0])


def _uniforms(n: int = 20_000, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([EXTREMES, rng.random(n), 10.0 ** rng.uniform(-16, -1, 2_000),
                           1.0 - 10.0 ** rng.uniform(-15, -1, 2_000)])


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal to the bit (NaN where NaN), signed zeros alike."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


# --------------------------------------------------------------------------- the kernel
@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(SCENARIO)


def test_kernel_uniforms_are_the_library_streams(scenario):
    space = input_space(scenario)
    assert space.dims == 4
    draws = 2 * BLOCK_SIZE + 100
    ours = np.concatenate([block_uniforms(space, 11, "random", b,
                                          min(BLOCK_SIZE, draws - b * BLOCK_SIZE))
                           for b in range(3)])
    assert np.array_equal(kernel.uniforms(11, draws), ours)


def test_kernel_computes_the_model_of_simulate(scenario):
    """Same seed, same uniforms: every metric within 1e-9 of the library's (relative to the
    metric, or to the renovation cost for the gap, which is 0 in some draws), and NaN in the
    same draws. 70,000 draws span two chunks of each and a partial block."""
    draws, seed = 70_000, 5
    lib = fundmodel.simulate(scenario, draws=draws, seed=seed)
    ker = kernel.run(draws, seed, chunk=40_000)
    assert list(lib.metrics.columns) == list(kernel.METRIC_NAMES)
    capex = lib.metric("capex_total")
    # the draws do cover both cases of the funding: with a gap and fully funded
    gap = lib.metric("funding_gap")
    assert (gap > 0).any() and (gap == 0).any()
    for i, name in enumerate(kernel.METRIC_NAMES):
        ours, theirs = lib.metric(name), ker[i]
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), name
        scale = capex if name.startswith("funding_gap") and name != "funding_gap_share" \
            else np.abs(ours)
        ok = ~np.isnan(ours)
        np.testing.assert_array_less(np.abs(ours - theirs)[ok], 1e-9 * scale[ok] + 1e-300,
                                     err_msg=name)


@pytest.fixture(scope="module")
def xiamen():
    return fundmodel.load_scenario(XIAMEN)


def test_xiamen_kernel_uniforms_are_the_library_streams(xiamen):
    space = input_space(xiamen)
    assert space.dims == kernel_xiamen.DIMS
    draws = BLOCK_SIZE + 100
    ours = np.concatenate([block_uniforms(space, 7, "random", b,
                                          min(BLOCK_SIZE, draws - b * BLOCK_SIZE))
                           for b in range(2)])
    assert np.array_equal(kernel_xiamen.uniforms(7, draws), ours)


XIAMEN_ATOL = {"npv_operations": 1e-6, "cumulative_balance_final": 1e-6,
               "cumulative_balance_min": 1e-6}
"""Money metrics that cross 0 in some draws: there, 1e-6 CNY absolute (both sides' rounding
of sums of millions is ~1e-9 CNY)."""


@pytest.mark.parametrize("seed", [3, 20240])
def test_xiamen_kernel_computes_the_model_of_simulate(xiamen, seed):
    """The kernel of xiamen-hanlingrong gives every per-draw metric of ``simulate`` to rtol
    1e-9 (NaN in the same draws): 5,000 draws in chunks of 3,000 (two chunks, a partial
    block). The draws cover the cases the kernel's formulas distinguish: the fallback's cap
    binding in some years of some draws and not of others, the balance at the horizon of
    either sign, years with a top-up of the repairs fund."""
    draws = 5000
    lib = fundmodel.simulate(xiamen, draws=draws, seed=seed, keep_draws=True)
    ker = kernel_xiamen.run(draws, seed, chunk=3000)
    assert list(lib.metrics.columns) == list(kernel_xiamen.METRIC_NAMES)
    paid_max, needed = lib.metric("fallback_max_year"), lib.metric("fallback_needed_max")
    assert (needed > 100_000).any() and (needed < 100_000).any()
    assert (paid_max < 100_000).any()
    final = lib.metric("cumulative_balance_final")
    assert (final > 0).any() and (final < 0).any()
    assert (lib.metric("fund_top_up_total") > 0).all()
    for i, name in enumerate(kernel_xiamen.METRIC_NAMES):
        ours, theirs = ker[i], lib.metric(name)
        assert np.array_equal(np.isnan(ours), np.isnan(theirs)), name
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=XIAMEN_ATOL.get(name, 0.0),
                                   err_msg=name)


def test_xiamen_kernel_by_hand():
    """The xiamen kernel at the modes of the works' costs and contingency (uniforms at each
    triangular's c = (mode − low)/(high − low)) and a residents' uptake of 0.7, against the
    arithmetic written out: basic items 2.88M + 1.3M + 0.96M + 12,000 × 115 + 2.8M + 1.76M =
    11.08M, complete 1.3M, cameras and barrier 0.5M, all × 1.05 = 13.524M; lifts 8 × 650,000
    × 1.05 = 5.46M. Central 8M, central lift 1.2M, utilities (their lines 1.3M + 0.96M) × 1.05
    = 2.373M, local (11.08M + 1.3M) × 1.05 − 8M − 2.373M = 2.626M (below its 0.6 × 9.2M),
    city lift 0.8M, lift owners 5.46M − 2M = 3.46M, residents 10 × 49,600 × 0.7 = 347,200;
    the gap 0.525M − 347,200 = 177,800."""
    u = np.full((1, kernel_xiamen.DIMS), 0.5)
    u[0, 0] = 0.05 / 0.12
    u[0, 1] = 25 / 60
    u[0, 2] = 70 / 180
    u[0, 3] = special.betainc(14, 6, 0.7)
    out = np.empty((len(kernel_xiamen.METRIC_NAMES), 1))
    kernel_xiamen.metrics_chunk(u, out)
    row = dict(zip(kernel_xiamen.METRIC_NAMES, out[:, 0]))
    assert round(row["capex_total"]) == 13_524_000 + 5_460_000
    assert round(row["funding_gap"]) == 177_800
    assert round(row["funding_total"]) == 13_524_000 + 5_460_000 - 177_800
    assert round(row["government_cost"]) == 8_000_000 + 1_200_000 + 2_626_000 + 800_000
    assert round(row["resident_cost"]) == 3_460_000 + 347_200
    assert round(row["fee_income_first_year"]) == round(0.8 * 49_600 * 12 * 0.45)  # 214,272
    assert row["fund_first_deposit"] == 20 * 49_600
    annuity = (1 - 1.0608 ** -30) / 0.0608          # 30 deposits of 1.2 × 49,600 at 6.08 %
    assert row["fund_contributions_pv"] == pytest.approx(1.2 * 49_600 * annuity, rel=1e-12)


@pytest.mark.story
def test_kernel_agrees_with_the_readme_base_case():
    """The kernel at the point estimates (means of the four inputs, put in as uniforms by the
    inverse of each CDF) gives the README's Sanqiao figures: gap 99,556 CNY, breakeven 3.21."""
    def tri_cdf(x, lo, m, hi):
        return (x - lo) ** 2 / ((hi - lo) * (m - lo)) if x <= m \
            else 1 - (hi - x) ** 2 / ((hi - lo) * (hi - m))
    u = np.array([[tri_cdf(0.2 / 3, 0.0, 0.05, 0.15), tri_cdf(350 / 3, 90, 110, 150),
                   special.betainc(16, 4, 0.8), tri_cdf(2.32 / 3, 0.6, 0.8, 0.92)]])
    out = np.empty((len(kernel.METRIC_NAMES), 1))
    kernel.metrics_chunk(u, out)
    row = dict(zip(kernel.METRIC_NAMES, out[:, 0]))
    assert round(row["funding_gap"]) == 99_556
    assert round(row["capex_total"]) == 1_939_556
    assert round(row["operating_surplus_first_year"]) == -142_376
    assert round(row["breakeven_fee_rate"], 2) == 3.21


# --------------------------------------------------------------------------- inverse CDFs
def test_triangular_ppf_is_scipys_to_the_bit():
    u = _uniforms()
    for lo, mode, hi in [(90, 110, 150), (0.0, 0.05, 0.15), (0.6, 0.8, 0.92), (0, 0, 1),
                         (-5, 3, 3), (1e-9, 2e-9, 1e9), (-1e6, -1e6 + 1, 1e6)]:
        d = Triangular(dist="triangular", low=lo, mode=mode, high=hi)
        ref = stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        assert _same_bits(d.ppf(u), ref), (lo, mode, hi)


def test_beta_and_pert_ppf_are_scipys_to_the_bit():
    u = _uniforms()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Boost's root finder in far tails
        for a, b, lo, hi in [(16, 4, 0, 1), (0.5, 0.5, 0, 1), (2.5, 7.25, -3, 8), (1, 1, 0, 1),
                             (100, 0.3, 0, 1), (1e-3, 5, 0, 1), (3, 3, 1e3, 1e6)]:
            d = Beta(dist="beta", a=a, b=b, low=lo, high=hi)
            ref = stats.beta.ppf(u, a, b, loc=lo, scale=hi - lo)
            assert _same_bits(d.ppf(u), ref), (a, b, lo, hi)
        for lo, mode, hi, shape in [(90, 110, 150, 4), (0, 0, 1, 4), (0, 1, 1, 4),
                                    (-2, 0.5, 7, 2.5)]:
            d = Pert(dist="pert", low=lo, mode=mode, high=hi, shape=shape)
            a, b = d._ab()
            ref = stats.beta.ppf(u, a, b, loc=lo, scale=hi - lo)
            assert _same_bits(d.ppf(u), ref), (lo, mode, hi, shape)


def test_beta_ppf_without_scipys_private_ufunc_is_the_same(monkeypatch):
    """A scipy without ``special._ufuncs._beta_ppf`` (it is being folded into ``betaincinv``)
    gets ``stats.beta._ppf``: still scipy's own bits."""
    from fundmodel.scenario import distributions
    u = _uniforms(2000)
    before = Beta(dist="beta", a=2.5, b=7.25, low=-3, high=8).ppf(u)
    monkeypatch.setattr(distributions, "_BETA_PPF_UFUNC", ("scipy.special", "_no_such_ufunc"))
    after = Beta(dist="beta", a=2.5, b=7.25, low=-3, high=8).ppf(u)
    assert _same_bits(after, before)
    assert _same_bits(after, stats.beta.ppf(u, 2.5, 7.25, loc=-3, scale=11))


def test_normal_and_lognormal_ppf_are_scipys_to_the_bit():
    u = _uniforms()
    for mean, sd in [(0, 1), (3, 2), (-1e5, 1e3), (0.04, 1e-6)]:
        d = Normal(dist="normal", mean=mean, sd=sd)
        assert _same_bits(d.ppf(u), stats.norm.ppf(u, loc=mean, scale=sd)), (mean, sd)
    for kw in [dict(mean=100.0, sd=30.0), dict(mu=0.0, sigma=0.5), dict(mu=-2.0, sigma=2.0)]:
        d = LogNormal(dist="lognormal", **kw)
        mu, s = d.log_params()
        with np.errstate(over="ignore"):
            assert _same_bits(d.ppf(u), np.exp(mu + s * stats.norm.ppf(u))), kw


def test_normal_cdf_and_ppf_of_the_copula_are_scipys_to_the_bit():
    """sampling (Gaussian copula) and correlation (Iman–Conover scores) call ndtr / ndtri."""
    u = _uniforms()
    assert _same_bits(special.ndtri(u), stats.norm.ppf(u))
    z = np.concatenate([np.linspace(-40, 40, 20_001), [0.0, -0.0, np.inf, -np.inf]])
    assert _same_bits(special.ndtr(z), stats.norm.cdf(z))


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(-1e6, 1e6), width=st.floats(1e-6, 1e6), at=st.floats(0, 1),
       seed=st.integers(0, 2**32 - 1))
def test_triangular_ppf_bits_hold_for_any_parameters(lo, width, at, seed):
    hi = lo + width
    if not hi > lo:
        return
    mode = min(max(lo + at * (hi - lo), lo), hi)
    u = np.concatenate([EXTREMES, np.random.default_rng(seed).random(200)])
    d = Triangular(dist="triangular", low=lo, mode=mode, high=hi)
    ref = stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    assert _same_bits(d.ppf(u), ref)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.05, 50), b=st.floats(0.05, 50), seed=st.integers(0, 2**32 - 1))
def test_beta_ppf_bits_hold_for_any_parameters(a, b, seed):
    u = np.concatenate([EXTREMES, np.random.default_rng(seed).random(200)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert _same_bits(Beta(dist="beta", a=a, b=b).ppf(u), stats.beta.ppf(u, a, b))


def test_iman_conover_scores_unchanged():
    """The reference scores Φ⁻¹(i/(n+1)) are those of scipy.stats.norm.ppf: a reordering is
    the same as before the import moved."""
    rng = np.random.default_rng(2)
    samples = rng.random((500, 3))
    normals = rng.standard_normal((500, 3))
    target = np.array([[1, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, 1.0]])
    out = iman_conover(samples, target, normals)
    # each column keeps its values; the order follows the reference built from the scores
    assert np.array_equal(np.sort(out, axis=0), np.sort(samples, axis=0))
    scores = stats.norm.ppf(np.arange(1, 501) / 501)
    assert _same_bits(special.ndtri(np.arange(1, 501) / 501), scores)


def test_sample_values_with_a_copula_are_reproducible(scenario):
    """A correlated scenario samples through ndtri/ndtr: the values are those of the uniform
    matrix put through each distribution, and identical run to run."""
    data = scenario.model_dump(by_alias=True)
    data["simulation"]["correlations"] = {
        "inputs": ["renovation.contingency", "operations.property_fee.collection_rate"],
        "matrix": [[1.0, -0.6], [-0.6, 1.0]]}
    sc = fundmodel.Scenario.model_validate(data)
    space = input_space(sc)
    first = sample_values(space, 4, "random", 0, 5000)
    again = sample_values(space, 4, "random", 0, 5000)
    for path in first:
        assert _same_bits(first[path], again[path])
    u = block_uniforms(space, 4, "random", 0, BLOCK_SIZE)
    # reference: the copula as scipy.stats computes it, on the same independent uniforms
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(4, spawn_key=(0,))))
    raw = np.clip(rng.random((BLOCK_SIZE, space.dims)), 2.0**-54, 1 - 2.0**-54)
    cols = space.corr_columns
    chol = np.linalg.cholesky(spearman_to_pearson(space.corr_matrix))
    raw[:, cols] = np.clip(stats.norm.cdf(stats.norm.ppf(raw[:, cols]) @ chol.T),
                           2.0**-54, 1 - 2.0**-54)
    assert _same_bits(u, raw)


# --------------------------------------------------------------------------- imports
def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_loading_a_scenario_imports_no_scipy_stats():
    out = _fresh("import sys, fundmodel\n"
                 f"s = fundmodel.load_scenario({str(SCENARIO)!r})\n"
                 "fundmodel.evaluate(s)\n"
                 "print(sorted(m for m in sys.modules if m.startswith('scipy.stats')))")
    assert out == "[]"


def test_import_is_light():
    """``import fundmodel`` loads none of the heavy libraries (they come with the first use of
    the API, and matplotlib, scipy and rich never with it): what makes the import fast,
    checked without a clock. Its time is measured in benchmarks/test_startup.py."""
    heavy = ("numpy", "pandas", "scipy", "pydantic", "yaml", "matplotlib", "rich")
    out = _fresh("import sys\n"
                 "import fundmodel\n"
                 f"print([m for m in {heavy!r} if m in sys.modules])\n"
                 "fundmodel.simulate, fundmodel.load_scenario\n"
                 "print(sorted(m for m in ('matplotlib', 'rich', 'scipy.stats') "
                 "if m in sys.modules))")
    bare, api = out.splitlines()
    assert bare == "[]"
    assert api == "[]"


# --------------------------------------------------------------------------- summary
def test_summary_is_computed_once_and_copied(scenario, monkeypatch):
    result = fundmodel.simulate(scenario, draws=3000, seed=2)
    calls = []
    real = results_module.exact_summary_row
    monkeypatch.setattr(results_module, "exact_summary_row",
                        lambda v, work=None: calls.append(1) or real(v, work))
    first = result.summary()
    n_metrics = len(first)
    assert len(calls) == n_metrics
    first.loc["funding_gap", "mean"] = -1.0          # the caller's copy only
    second = result.summary()
    assert len(calls) == n_metrics                   # not computed again
    assert second is not first
    assert second.loc["funding_gap", "mean"] == pytest.approx(result.metric("funding_gap").mean())
    probs = result.probabilities()
    assert len(calls) == n_metrics
    assert probs.loc["has_funding_gap", "probability"] == pytest.approx(
        result.metric("has_funding_gap").mean())


def test_summary_of_a_streamed_run_is_a_copy_too(scenario):
    result = fundmodel.simulate(scenario, draws=3000, seed=2, keep_draws=False)
    first = result.summary()
    first.loc["capex_total", "n"] = 0
    assert result.summary().loc["capex_total", "n"] == 3000


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e12, 1e12), st.just(float("nan"))), min_size=0,
                max_size=300), st.integers(0, 3))
def test_a_summary_row_is_numpys_statistics_to_the_bit(values, spare):
    """The statistics of a metric's draws computed in one scratch vector are numpy's own:
    mean, std (ddof=1), inverted-CDF quantiles, min and max of the defined draws, bit for
    bit, with or without a scratch vector (longer than the draws or not)."""
    from fundmodel.results.result import QUANTILES, exact_summary_row, quantile_name
    x = np.array(values, dtype=float)
    v = x[~np.isnan(x)]
    for work in (None, np.full(v.size + spare, 7.0)):
        row = exact_summary_row(x, work)
        assert row["n"] == v.size and row["undefined"] == x.size - v.size
        if not v.size:
            assert math.isnan(row["mean"]) and math.isnan(row["p50"])
            continue
        assert row["mean"] == v.mean() and row["min"] == v.min() and row["max"] == v.max()
        if v.size > 1:
            assert row["sd"] == v.std(ddof=1)
        reference = np.quantile(v, QUANTILES, method="inverted_cdf")
        assert [row[quantile_name(q)] for q in QUANTILES] == reference.tolist()
