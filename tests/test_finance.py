"""Tests for :mod:`fundmodel.finance`.

numpy-financial is used only as an oracle; every hand-worked value below is
written out as the arithmetic that defines it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from fundmodel.finance import timevalue as fin
from fundmodel.finance import (
    IRR_ALL_ZERO,
    IRR_INVALID_INPUT,
    IRR_NO_CONVERGENCE,
    IRR_NO_ROOT_FOUND,
    IRR_NO_SIGN_CHANGE,
    IRR_OK,
    IRR_REASONS,
    discount_factors,
    escalating_annuity_factor,
    irr,
    npv,
    payback_period,
    pmt,
    pv_annuity_factor,
)

RTOL = 1e-9


@pytest.fixture(autouse=True)
def _no_runtime_warnings():
    """Every test runs with RuntimeWarning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def conventional_batch(rng: np.random.Generator, n: int, n_years: int) -> np.ndarray:
    """An initial outflow followed by positive inflows, shape (n, n_years)."""
    cf = rng.uniform(1.0, 40.0, size=(n, n_years))
    cf[:, 0] = -rng.uniform(50.0, 400.0, size=n)
    return cf


def series_with_roots(rates: list[float], scale: float = -100.0) -> np.ndarray:
    """Cash flows whose NPV has exactly the given (simple) roots.

    NPV is a polynomial in v = 1/(1+r); its coefficients (ascending powers)
    are the cash flows, so build it from the roots v_i = 1/(1+r_i).
    """
    v_roots = 1.0 / (1.0 + np.asarray(rates, dtype=float))
    coef = np.polynomial.polynomial.polyfromroots(v_roots)
    return coef * (scale / coef[0])


# --------------------------------------------------------------------------
# module hygiene
# --------------------------------------------------------------------------


def test_all_exports_exist():
    for name in fin.__all__:
        assert hasattr(fin, name), name
    for name in (
        "discount_factors",
        "npv",
        "pv_annuity_factor",
        "escalating_annuity_factor",
        "pmt",
        "irr",
        "payback_period",
    ):
        assert name in fin.__all__


def test_leaf_module_imports_only_numpy():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(fin))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in a leaf module"
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"numpy", "typing", "__future__"}, imported


def test_reason_codes_are_distinct_and_described():
    codes = [
        IRR_OK,
        IRR_NO_SIGN_CHANGE,
        IRR_NO_CONVERGENCE,
        IRR_ALL_ZERO,
        IRR_NO_ROOT_FOUND,
        IRR_INVALID_INPUT,
    ]
    assert IRR_OK == 0
    assert len(set(codes)) == len(codes)
    assert set(IRR_REASONS) == set(codes)
    assert all(-128 <= c <= 127 for c in codes)


# --------------------------------------------------------------------------
# discount factors and NPV
# --------------------------------------------------------------------------


def test_discount_factors_hand_values():
    np.testing.assert_allclose(discount_factors(0.1, 3), [1.0, 1 / 1.1, 1 / 1.21], rtol=1e-15)
    np.testing.assert_allclose(
        discount_factors(0.1, 2, start=2), [1 / 1.21, 1 / 1.331], rtol=1e-15
    )
    assert discount_factors(0.05, 0).shape == (0,)


def test_discount_factors_array_rate_appends_time_axis():
    d = discount_factors(np.array([0.0, 1.0]), 3)
    assert d.shape == (2, 3)
    np.testing.assert_allclose(d, [[1, 1, 1], [1, 0.5, 0.25]], rtol=1e-15)
    assert discount_factors(np.zeros((4, 5)), 7).shape == (4, 5, 7)


def test_npv_hand_value():
    expected = -100 + 60 / 1.1 + 60 / 1.21  # = 4.1322314049586...
    assert npv(0.1, [-100, 60, 60]) == pytest.approx(expected, rel=1e-15)
    assert npv(0.0, [-100, 60, 60]) == pytest.approx(20.0, rel=1e-15)
    # year 0 is undiscounted whatever the rate
    assert npv(0.37, [123.0]) == 123.0


def test_npv_excel_convention_relation():
    values = np.array([-100.0, 60.0, 60.0])
    # Excel: NPV(0.1, -100, 60, 60) = -100/1.1 + 60/1.21 + 60/1.331
    excel = -100 / 1.1 + 60 / 1.21 + 60 / 1.331
    assert npv(0.1, values) / 1.1 == pytest.approx(excel, rel=1e-14)
    assert npv(0.1, np.concatenate([[0.0], values])) == pytest.approx(excel, rel=1e-14)


def test_npv_broadcasting():
    rng = np.random.default_rng(1)
    cf = conventional_batch(rng, 50, 12)
    rates = rng.uniform(-0.2, 0.5, size=50)

    per_row = npv(rates, cf)
    assert per_row.shape == (50,)
    expected = [npv(float(r), row) for r, row in zip(rates, cf)]
    np.testing.assert_allclose(per_row, expected, rtol=1e-13, atol=1e-10)

    scalar = npv(0.07, cf)
    assert scalar.shape == (50,)
    np.testing.assert_allclose(scalar, [npv(0.07, row) for row in cf], rtol=1e-13, atol=1e-10)

    one = npv(0.07, cf[0])
    assert np.ndim(one) == 0
    assert isinstance(one, np.floating)

    # rate (n, 1) against cash flows (n, m, T): broadcasts over leading axes
    cf3 = cf.reshape(5, 10, 12)
    r3 = rates[:5, None]
    out3 = npv(r3, cf3)
    assert out3.shape == (5, 10)
    np.testing.assert_allclose(out3[2, 3], npv(float(rates[2]), cf3[2, 3]), rtol=1e-13, atol=1e-10)


def test_npv_matches_numpy_financial_on_1000_series():
    rng = np.random.default_rng(20240601)
    cf = conventional_batch(rng, 1000, 18)
    rates = rng.uniform(-0.3, 0.6, size=1000)
    ours = npv(rates, cf)  # one vectorised call
    oracle = np.array([npf.npv(r, row) for r, row in zip(rates, cf)])
    np.testing.assert_allclose(ours, oracle, rtol=RTOL, atol=1e-9)


# --------------------------------------------------------------------------
# annuity factors
# --------------------------------------------------------------------------


def test_pv_annuity_factor_hand_values():
    assert pv_annuity_factor(0.1, 3) == pytest.approx(1 / 1.1 + 1 / 1.21 + 1 / 1.331, rel=1e-15)
    assert pv_annuity_factor(0.0, 20) == 20.0
    assert pv_annuity_factor(0.05, 0) == 0.0


@pytest.mark.parametrize("rate", [-0.5, -0.03, 1e-12, 0.01, 0.04, 0.25, 3.0])
@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_pv_annuity_factor_matches_explicit_sum(rate, n):
    explicit = sum((1 + rate) ** -t for t in range(1, n + 1))
    assert pv_annuity_factor(rate, n) == pytest.approx(explicit, rel=1e-12)


def test_pv_annuity_factor_vectorised_with_zero_rate():
    rates = np.array([-0.1, 0.0, 1e-15, 0.05])
    out = pv_annuity_factor(rates, 10)
    assert out.shape == (4,)
    assert out[1] == 10.0
    # continuous through 0: a(n, r) ~ n - n(n+1)/2 * r
    assert out[2] == pytest.approx(10.0 - 55.0 * 1e-15, rel=1e-15)
    np.testing.assert_allclose(out[[0, 3]], [pv_annuity_factor(-0.1, 10), pv_annuity_factor(0.05, 10)])
    # broadcasting over n as well
    grid = pv_annuity_factor(rates[:, None], np.array([1, 5, 20]))
    assert grid.shape == (4, 3)
    np.testing.assert_allclose(grid[1], [1.0, 5.0, 20.0])


def test_escalating_annuity_factor_hand_values():
    expected = 1 / 1.1 + 1.05 / 1.21 + 1.05**2 / 1.1**3
    assert escalating_annuity_factor(0.1, 0.05, 3) == pytest.approx(expected, rel=1e-14)
    # r == g: every term is 1/(1+r)
    assert escalating_annuity_factor(0.05, 0.05, 10) == pytest.approx(10 / 1.05, rel=1e-15)
    assert escalating_annuity_factor(0.0, 0.0, 12) == 12.0
    # g == 0 is the level annuity
    assert escalating_annuity_factor(0.07, 0.0, 15) == pytest.approx(
        pv_annuity_factor(0.07, 15), rel=1e-14
    )


@pytest.mark.parametrize(
    ("rate", "growth"),
    [(0.04, 0.02), (0.02, 0.04), (0.03, -0.5), (-0.2, 0.1), (0.3, 0.3 + 1e-13), (0.5, 2.0)],
)
@pytest.mark.parametrize("n", [1, 3, 25])
def test_escalating_annuity_factor_matches_explicit_sum(rate, growth, n):
    explicit = sum((1 + growth) ** (t - 1) / (1 + rate) ** t for t in range(1, n + 1))
    assert escalating_annuity_factor(rate, growth, n) == pytest.approx(explicit, rel=1e-12)


def test_escalating_annuity_factor_vectorised_special_cases():
    rates = np.array([0.03, 0.03, 0.0, 0.1])
    growth = np.array([0.03, 0.01, 0.0, 0.03])
    out = escalating_annuity_factor(rates, growth, 20)
    assert out.shape == (4,)
    assert out[0] == pytest.approx(20 / 1.03, rel=1e-15)
    assert out[2] == 20.0
    explicit = sum(1.01 ** (t - 1) / 1.03**t for t in range(1, 21))
    assert out[1] == pytest.approx(explicit, rel=1e-13)


# --------------------------------------------------------------------------
# pmt
# --------------------------------------------------------------------------


def test_pmt_hand_values():
    # level payment repaying 100 over 2 years at 10 %: 100 / (1/1.1 + 1/1.21)
    assert pmt(0.1, 2, 100) == pytest.approx(-100 / (1 / 1.1 + 1 / 1.21), rel=1e-14)
    assert pmt(0.0, 4, 100) == -25.0
    assert pmt(0.0, 4, 100, fv=20) == -30.0
    # sinking fund: save towards fv = 1000 in 10 years at 5 %
    assert pmt(0.05, 10, 0, fv=1000) == pytest.approx(-1000 * 0.05 / (1.05**10 - 1), rel=1e-13)
    # payments at the beginning are one period less discounted
    assert pmt(0.05, 10, 1000, when="begin") == pytest.approx(
        pmt(0.05, 10, 1000) / 1.05, rel=1e-14
    )
    assert pmt(0.05, 10, 1000, when=1) == pmt(0.05, 10, 1000, when="begin")
    both = pmt(0.05, 10, 1000, when=["end", "BEGIN"])
    np.testing.assert_array_equal(
        both, [pmt(0.05, 10, 1000, when="end"), pmt(0.05, 10, 1000, when="begin")]
    )


def test_pmt_amortises_the_loan():
    rate, n, principal = 0.049, 25, 1_000_000.0
    payment = pmt(rate, n, principal)
    assert payment < 0
    balance = principal
    for _ in range(n):
        balance = balance * (1 + rate) + payment
    assert balance == pytest.approx(0.0, abs=1e-6)


def test_pmt_vectorised_matches_numpy_financial_on_1000_cases():
    rng = np.random.default_rng(7)
    rate = rng.uniform(-0.05, 0.2, 1000)
    rate[::50] = 0.0
    nper = rng.integers(1, 40, 1000).astype(float)
    pv = rng.uniform(-1e6, 1e6, 1000)
    fv = rng.uniform(-1e5, 1e5, 1000)
    when = rng.integers(0, 2, 1000)
    ours = pmt(rate, nper, pv, fv, when)  # one vectorised call
    oracle = np.array(
        [npf.pmt(r, n, p, f, w) for r, n, p, f, w in zip(rate, nper, pv, fv, when)]
    )
    np.testing.assert_allclose(ours, oracle, rtol=RTOL, atol=1e-6)


# --------------------------------------------------------------------------
# irr: hand values, reason codes, multiple roots
# --------------------------------------------------------------------------


def test_irr_hand_values():
    assert irr([-100, 110]) == pytest.approx(0.1, rel=1e-14)  # 110/100 - 1
    assert irr([-100, 0, 121]) == pytest.approx(0.1, rel=1e-14)  # sqrt(1.21) - 1
    assert irr([-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]) == pytest.approx(2**0.1 - 1, rel=1e-13)
    assert irr([-100, 0, 0, 74]) == pytest.approx(0.74 ** (1 / 3) - 1, rel=1e-13)
    # exact root on a grid point (NPV evaluates to exactly 0 there)
    assert irr([-1, 1]) == 0.0
    # leading and trailing zero years do not change the IRR
    assert irr([0, 0, -100, 110, 0, 0]) == pytest.approx(0.1, rel=1e-14)


def test_irr_roots_beyond_the_grid():
    # NPV = -1 + 1e7/(1+r): IRR = 1e7 - 1 (far above the last grid point)
    assert irr([-1.0, 1e7]) == pytest.approx(1e7 - 1, rel=1e-12)
    # (1+r)**3 = 1e-12: 1+r = 1e-4, i.e. a loss of 99.99 %
    r = irr([-1.0, 0.0, 0.0, 1e-12])
    assert 1 + r == pytest.approx(1e-4, rel=1e-10)


def test_irr_long_padded_series_extreme_roots():
    # Long series with zero padding: no spurious roots from under/overflow.
    cf = np.zeros((3, 200))
    cf[0, 0], cf[0, 10] = -1.0, 1e-30  # (1+r)**10 = 1e-30  ->  r = -0.999
    cf[1, 150], cf[1, 151] = -1.0, 1e7  # late start, r = 1e7 - 1
    cf[2, 0], cf[2, 199] = -1.0, 1e-300  # (1+r)**199 = 1e-300
    rates, why = irr(cf, return_reason=True)
    assert np.all(why == IRR_OK)
    assert 1 + rates[0] == pytest.approx(1e-3, rel=1e-10)
    assert rates[1] == pytest.approx(1e7 - 1, rel=1e-12)
    assert 1 + rates[2] == pytest.approx(10 ** (-300 / 199), rel=1e-10)


def test_irr_invariant_to_zero_padding_and_time_shift():
    rng = np.random.default_rng(17)
    cf = conventional_batch(rng, 300, 12)
    base = irr(cf)
    padded = np.concatenate([np.zeros((300, 30)), cf, np.zeros((300, 60))], axis=1)
    np.testing.assert_allclose(irr(padded), base, rtol=1e-12, atol=1e-14)


def test_irr_scalar_and_shapes():
    r, why = irr([-100, 60, 60], return_reason=True)
    assert np.ndim(r) == 0 and isinstance(r, np.floating)
    assert np.ndim(why) == 0 and why.dtype == np.int8 and why == IRR_OK
    # -100 + 60 v + 60 v^2 = 0  =>  v = (-60 + sqrt(60^2 + 4*60*100)) / 120
    v = (-60 + math.sqrt(60**2 + 4 * 60 * 100)) / 120
    assert r == pytest.approx(1 / v - 1, rel=1e-13)

    rng = np.random.default_rng(3)
    cf = conventional_batch(rng, 24, 9).reshape(2, 3, 4, 9)
    rates, reasons = irr(cf, return_reason=True)
    assert rates.shape == reasons.shape == (2, 3, 4)
    assert reasons.dtype == np.int8
    assert np.all(reasons == IRR_OK)
    np.testing.assert_allclose(rates[1, 2, 3], irr(cf[1, 2, 3]), rtol=1e-13)


def test_irr_reason_codes():
    cf = np.array(
        [
            [-100.0, 39, 59, 55, 20],  # conventional
            [100.0, 10, 10, 10, 10],  # all positive
            [-100.0, -10, 0, -10, -10],  # all non-positive
            [0.0, 0, 0, 0, 0],  # all zero
            [100.0, -250, 160, 0, 0],  # sign changes but 160v^2-250v+100 has no real root
            [-100.0, np.nan, 50, 50, 50],  # invalid
            [-100.0, np.inf, 50, 50, 50],  # invalid
        ]
    )
    rates, reasons = irr(cf, return_reason=True)
    np.testing.assert_array_equal(
        reasons,
        [
            IRR_OK,
            IRR_NO_SIGN_CHANGE,
            IRR_NO_SIGN_CHANGE,
            IRR_ALL_ZERO,
            IRR_NO_ROOT_FOUND,
            IRR_INVALID_INPUT,
            IRR_INVALID_INPUT,
        ],
    )
    assert rates[0] == pytest.approx(0.2809484211599611, rel=1e-12)  # numpy-financial docs
    assert np.all(np.isnan(rates[1:]))
    # without return_reason only the rates come back
    np.testing.assert_array_equal(np.isnan(irr(cf)), np.isnan(rates))


def test_irr_no_convergence_code():
    # One iteration cannot reach 1e-12 from a grid cell 0.02 wide.
    rate, why = irr([-100, 39, 59, 55, 20], maxiter=1, return_reason=True)
    assert np.isnan(rate)
    assert why == IRR_NO_CONVERGENCE


def test_irr_two_roots_closest_to_guess():
    # -100 + 230 v - 132 v^2 = -132 (v - 1/1.1)(v - 1/1.2): roots 10 % and 20 %
    cf = [-100, 230, -132]
    assert npv(0.1, cf) == pytest.approx(0.0, abs=1e-12)
    assert npv(0.2, cf) == pytest.approx(0.0, abs=1e-12)
    assert irr(cf) == pytest.approx(0.1, rel=1e-12)  # default guess 0.1
    assert irr(cf, guess=0.0) == pytest.approx(0.1, rel=1e-12)
    assert irr(cf, guess=0.14) == pytest.approx(0.1, rel=1e-12)
    assert irr(cf, guess=0.16) == pytest.approx(0.2, rel=1e-12)
    assert irr(cf, guess=0.18) == pytest.approx(0.2, rel=1e-12)
    assert irr(cf, guess=3.0) == pytest.approx(0.2, rel=1e-12)
    assert irr(cf, guess=-0.9) == pytest.approx(0.1, rel=1e-12)


def test_irr_three_roots_closest_to_guess_batch():
    roots = [-0.05, 0.12, 0.4]
    cf = series_with_roots(roots)
    for guess in (-0.5, -0.05, 0.0, 0.03, 0.05, 0.1, 0.2, 0.25, 0.3, 0.39, 0.5, 10.0):
        expected = min(roots, key=lambda x: (abs(x - guess), x))
        assert irr(cf, guess=guess) == pytest.approx(expected, rel=1e-10, abs=1e-13), guess
    # numpy-financial 1.0 returns the root closest to zero, i.e. ours with guess=0
    assert irr(cf, guess=0.0) == pytest.approx(npf.irr(cf), rel=1e-9)


def test_irr_double_root_touching_zero():
    # NPV = -(1 - v)^2 <= 0 touches 0 at r = 0 exactly (a grid point)
    rate, why = irr([-1.0, 2.0, -1.0], return_reason=True)
    assert why == IRR_OK
    assert rate == 0.0


@settings(max_examples=60, deadline=None)
@given(
    roots=st.lists(
        st.floats(-0.25, 0.6, allow_nan=False), min_size=2, max_size=3, unique=True
    ),
    guess=st.floats(-0.6, 1.5, allow_nan=False),
)
def test_irr_closest_root_rule_property(roots, guess):
    roots = sorted(roots)
    # Roots farther apart than the grid spacing (<= 0.05 on this range) are
    # isolated; skip near-ties between two roots.
    assume(all(b - a > 0.1 for a, b in zip(roots, roots[1:])))
    dists = sorted(abs(x - guess) for x in roots)
    assume(dists[1] - dists[0] > 1e-6)
    cf = series_with_roots(roots)
    expected = min(roots, key=lambda x: abs(x - guess))
    rate, why = irr(cf, guess=guess, return_reason=True)
    assert why == IRR_OK
    assert rate == pytest.approx(expected, rel=1e-8, abs=1e-10)


# --------------------------------------------------------------------------
# irr: oracle and properties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_years", [2, 6, 15, 30])
def test_irr_matches_numpy_financial_on_1000_conventional_series(n_years):
    rng = np.random.default_rng(1000 + n_years)
    cf = conventional_batch(rng, 1000, n_years)
    ours, why = irr(cf, return_reason=True)  # ONE vectorised call
    oracle = np.array([npf.irr(row) for row in cf])
    assert np.all(why == IRR_OK)
    assert np.all(np.isfinite(oracle))
    np.testing.assert_allclose(ours, oracle, rtol=RTOL, atol=1e-12)


def test_irr_mixed_batch_matches_per_series_calls():
    rng = np.random.default_rng(11)
    cf = rng.normal(0.0, 50.0, size=(400, 8))
    cf[:100, 0] = -500.0
    cf[:100, 1:] = np.abs(cf[:100, 1:])
    cf[100:110] = 0.0
    cf[110:120] = np.abs(cf[110:120])
    cf[120, 3] = np.nan
    batch_r, batch_why = irr(cf, return_reason=True)
    for row, r, why in zip(cf, batch_r, batch_why):
        r1, why1 = irr(row, return_reason=True)
        assert why1 == why
        if why == IRR_OK:
            assert r1 == pytest.approx(r, rel=1e-13, abs=1e-15)
            assert abs(npv(r, row)) <= 1e-8 * np.sum(np.abs(row) * discount_factors(r, row.size))
        else:
            assert np.isnan(r) and np.isnan(r1)


conventional_series = st.integers(2, 40).flatmap(
    lambda n: st.tuples(
        st.floats(1.0, 1e6, allow_nan=False, allow_subnormal=False),
        st.lists(
            st.one_of(st.just(0.0), st.floats(1e-3, 1e6, allow_nan=False, allow_subnormal=False)),
            min_size=n - 1,
            max_size=n - 1,
        ),
    )
)


@settings(max_examples=200, deadline=None)
@given(series=conventional_series)
@example(series=(1e6, [0.0, 0.0, 1e-3]))  # IRR −99.9 %: once stopped 1e-12 short in the rate
def test_irr_property_npv_at_irr_is_zero(series):
    outflow, inflows = series
    assume(any(x > 0 for x in inflows))
    cf = np.array([-outflow, *inflows])
    rate, why = irr(cf, return_reason=True)
    assert why == IRR_OK
    assert rate > -1
    # residual: relative to the size of the discounted terms, plus what the
    # rounding of the rate itself (a few ulps) can produce via NPV'(rate)
    t = np.arange(cf.size)
    d = discount_factors(rate, cf.size)
    magnitude = np.sum(np.abs(cf) * d)
    slope = np.sum(np.abs(t * cf) * d) / (1 + rate)
    assert abs(npv(rate, cf)) <= 1e-9 * magnitude + 8 * np.finfo(float).eps * (1 + abs(rate)) * slope
    # the sign change of NPV (decreasing for these series) is within 1e-11
    delta = 1e-11 * (1 + abs(rate))
    assert npv(rate - delta, cf) >= 0 >= npv(rate + delta, cf)


@settings(max_examples=200, deadline=None)
@given(
    series=conventional_series,
    scale=st.floats(1e-4, 1e6, allow_nan=False, allow_subnormal=False),
)
def test_irr_property_scale_invariance(series, scale):
    outflow, inflows = series
    assume(any(x > 0 for x in inflows))
    cf = np.array([-outflow, *inflows])
    base = irr(cf)
    scaled = irr(cf * scale)
    assert scaled == pytest.approx(base, rel=1e-10, abs=1e-12)


def test_irr_scale_invariance_batch():
    rng = np.random.default_rng(5)
    cf = conventional_batch(rng, 500, 20)
    k = rng.uniform(1e-3, 1e4, size=(500, 1))
    np.testing.assert_allclose(irr(cf * k), irr(cf), rtol=1e-11, atol=1e-13)


def test_irr_conventional_precision_against_polished_root():
    """Conventional roots to ~1e-12: NPV changes sign within a few ulps."""
    rng = np.random.default_rng(9)
    cf = conventional_batch(rng, 2000, 25)
    r = irr(cf)
    eps = 1e-12 * (1 + np.abs(r))
    below = npv(r - eps, cf)
    above = npv(r + eps, cf)
    # NPV is decreasing for outflow-then-inflows: positive just below the root
    assert np.all(below > 0)
    assert np.all(above < 0)


def test_irr_input_validation():
    with pytest.raises(ValueError):
        irr([-1, 2], guess=-1.0)
    with pytest.raises(ValueError):
        irr([])
    with pytest.raises(ValueError):
        irr(5.0)


# --------------------------------------------------------------------------
# payback
# --------------------------------------------------------------------------


def test_payback_hand_values():
    # cumulative: -100, -40, +20  ->  1 year + 40/60 of year 2
    assert payback_period([-100, 60, 60]) == pytest.approx(1 + 40 / 60, rel=1e-15)
    # discounted at 10 %: cumulative -100, -100 + 60/1.1, ... + 60/1.21
    expected = 1 + (100 - 60 / 1.1) / (60 / 1.21)
    assert payback_period([-100, 60, 60], discount_rate=0.1) == pytest.approx(expected, rel=1e-14)
    # lands exactly on a year end
    assert payback_period([-100, 50, 50, 50]) == 2.0
    # never recovered
    assert np.isnan(payback_period([-100, 10, 10]))
    assert np.isnan(payback_period([-100, 60, 60], discount_rate=0.5))
    # nothing to recover
    assert payback_period([0, 5, 5]) == 0.0
    # investment in year 1: cumulative 0, -100, +50
    assert payback_period([0, -100, 150]) == pytest.approx(1 + 100 / 150, rel=1e-15)
    # one-year series
    assert payback_period([5.0]) == 0.0
    assert np.isnan(payback_period([-5.0]))
    # only the first recovery counts (a later major repair is ignored)
    assert payback_period([-100, 80, 80, -200, 10]) == pytest.approx(1 + 20 / 80, rel=1e-15)


def test_payback_vectorised_and_broadcast():
    cf = np.array([[-100.0, 60, 60], [-100.0, 10, 10], [10.0, 10, 10]])
    out = payback_period(cf)
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [1 + 40 / 60, np.nan, 0.0])
    rates = np.array([0.0, 0.05, 0.1, 0.2])
    disc = payback_period(np.tile([-100.0, 60, 60], (4, 1)), discount_rate=rates)
    assert disc.shape == (4,)
    for r, d in zip(rates[:3], disc[:3]):
        one = payback_period([-100.0, 60, 60], discount_rate=float(r))
        assert d == pytest.approx(one, rel=1e-15)
    # at 20 %: -100 + 60/1.2 + 60/1.44 = -8.33 < 0, never paid back
    assert np.isnan(disc[3])
    assert np.ndim(payback_period([-100, 60, 60])) == 0


# --------------------------------------------------------------------------
# validation and warnings
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: discount_factors(-1.0, 3),
        lambda: npv(-1.5, [1, 2]),
        lambda: npv(np.array([0.1, -1.0]), [[1, 2], [3, 4]]),
        lambda: pv_annuity_factor(-1.0, 3),
        lambda: escalating_annuity_factor(0.05, -1.0, 3),
        lambda: pmt(0.05, 0, 100),
        lambda: pmt(-2.0, 10, 100),
        lambda: pmt(0.05, 10, 100, when="middle"),
        lambda: pmt(0.05, 10, 100, when=2),
        lambda: payback_period([-1, 2], discount_rate=-1.0),
        lambda: npv(0.1, []),
    ],
)
def test_invalid_inputs_raise(call):
    with pytest.raises(ValueError):
        call()


def test_nan_rates_propagate_without_warnings():
    out = npv(np.array([np.nan, 0.1]), np.array([[-1.0, 2.0], [-1.0, 2.0]]))
    assert np.isnan(out[0]) and np.isfinite(out[1])
    assert np.isnan(pv_annuity_factor(np.nan, 5))
    assert np.isnan(escalating_annuity_factor(0.05, np.nan, 5))
    assert np.isnan(pmt(np.nan, 5, 100))


def test_irr_large_batch_smoke():
    rng = np.random.default_rng(123)
    cf = conventional_batch(rng, 50_000, 20)
    r, why = irr(cf, return_reason=True)
    assert np.all(why == IRR_OK)
    np.testing.assert_allclose(npv(r, cf), 0.0, atol=1e-8)


# ----------------------------------------------------------------- IRR: each series alone
_FLOWS = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2,
                  max_size=25)


@settings(max_examples=60, deadline=None)
@given(st.lists(_FLOWS, min_size=1, max_size=40), st.integers(0, 2**32 - 1))
@example(series=[[-1.0, 5e-324]], seed=0)    # a Newton step overflowed: a warning, found by CI
def test_irr_of_a_series_does_not_depend_on_the_series_computed_with_it(series, seed):
    """A series' IRR has the same bits alone, in any batch and at any place in it: the
    grid's NPV signs are checked against the matrix product's rounding bound and the start
    of the Newton iteration is evaluated per series (a district computes its compounds'
    investors together, a one-compound run alone)."""
    width = max(len(s) for s in series)
    flows = np.array([s + [0.0] * (width - len(s)) for s in series])
    rng = np.random.default_rng(seed)
    # a larger batch: the series at random places among other random series
    others = rng.normal(0.0, 1e4, (int(rng.integers(1, 300)), width))
    others[:, 0] -= 5e4
    batch = np.concatenate([others, flows])[rng.permutation(len(others) + len(flows))]
    rates, reasons = fin.irr(batch, return_reason=True)
    alone = [fin.irr(row, return_reason=True) for row in flows]
    for row, (rate, reason) in zip(flows, alone):
        at = np.flatnonzero((batch == row).all(axis=1))[0]
        assert reasons[at] == reason
        assert np.array_equal(rates[at], rate, equal_nan=True), (row, rates[at], rate)


def test_irr_of_a_subnormal_series_raises_no_warning():
    # [-1, 5e-324]: the Newton step p / p' overflows; it is refused (bisection), not warned
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rate, reason = fin.irr([-1.0, 5e-324], return_reason=True)
    assert reason in (fin.IRR_OK, fin.IRR_NO_CONVERGENCE) or np.isnan(rate)


def test_irr_is_the_same_bits_for_roots_on_and_near_the_grid():
    # IRR 10 % (a grid rate) and rates a hair either side of it; alone and in a batch of
    # 1,000 other series
    near = [[-100.0, 110.0], [-100.0, 110.0 + 1e-12], [-100.0, 110.0 - 1e-12],
            [-100.0, 0.0, 121.0], [-1.0, 2.1, -1.1]]
    rng = np.random.default_rng(3)
    others = np.column_stack([-rng.uniform(50, 150, 1000), rng.uniform(0, 80, (1000, 2))])
    batch = np.concatenate([others, np.array([r + [0.0] * (3 - len(r)) for r in near])])
    rates = fin.irr(batch)[-len(near):]
    for row, got in zip(near, rates):
        assert np.array_equal(fin.irr(row), got, equal_nan=True), row
    assert rates[0] == pytest.approx(0.1, rel=1e-14)
