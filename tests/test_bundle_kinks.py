"""The bundle's exact minimum-scale search over the kinks of its concave piecewise-linear NPV
(``minimum_scale(method="kinks")``, the ``auto`` path where NPV is not affine), checked
against the bisection, a case worked by hand and the NPV at the returned scale."""

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from fundmodel.engine.instruments.bundle import (MIN_SCALE_NONE, MIN_SCALE_OK, minimum_scale,
                                                 npv_at_scale)


def _random_rows(seed, n, t):
    """Fixed costs (zero in some years), taxes in [0, 1] (some exactly 0 or 1), margins of
    both signs (some zero), capital and transfer of various sizes."""
    rng = np.random.default_rng(seed)
    margin = rng.uniform(-60, 150, (n, 1, t))
    margin[rng.random((n, 1, t)) < 0.05] = 0.0
    fixed = rng.uniform(0, 600, (n, 1, t))
    fixed[rng.random((n, 1, t)) < 0.3] = 0.0
    tax = rng.uniform(0, 1, (n, 1))
    tax[rng.random((n, 1)) < 0.05] = 1.0
    tax[rng.random((n, 1)) < 0.03] = 0.0
    disc = (1 + rng.uniform(-0.02, 0.1, (n, 1, 1))) ** -np.arange(1.0, t + 1)
    pv_cap = rng.uniform(0, 400, (n, 1))
    pv_tr = rng.uniform(0, 20000, (n, 1))
    pv_tr[rng.random((n, 1)) < 0.02] = 0.0
    return margin, fixed, tax, disc, pv_cap, pv_tr


@pytest.mark.parametrize("coverage", [1.0, 1.3, 0.7])
def test_the_kink_search_agrees_with_the_bisection(coverage):
    args = _random_rows(21, 6000, 14)
    kinks, why = minimum_scale(*args, coverage=coverage, method="kinks")
    bisected, why2 = minimum_scale(*args, coverage=coverage, method="bisection")
    auto, why3 = minimum_scale(*args, coverage=coverage)
    assert (why == why2).all() and (why == why3).all()
    assert (np.isnan(kinks) == (why == MIN_SCALE_NONE)).all()
    ok = why == MIN_SCALE_OK
    assert 0.2 * ok.size < ok.sum() < ok.size
    np.testing.assert_allclose(kinks[ok], bisected[ok], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(auto, kinks)           # no affine row here: all searched


def test_on_affine_rows_the_kink_search_is_the_closed_form():
    margin, fixed, tax, disc, pv_cap, pv_tr = _random_rows(5, 2000, 10)
    for t, f in ((0 * tax, fixed), (tax, 0 * fixed)):
        closed, why = minimum_scale(margin, f, t, disc, pv_cap, pv_tr, method="closed_form")
        kinks, why2 = minimum_scale(margin, f, t, disc, pv_cap, pv_tr, method="kinks")
        assert (why == why2).all()
        ok = why == MIN_SCALE_OK
        np.testing.assert_allclose(kinks[ok], closed[ok], rtol=1e-12)


def test_a_case_with_two_kinks_worked_by_hand():
    # d = 1, τ = 0.5, K = 10, P = 100, k = 1; years (m, F): (20, 40), (10, 50), (-5, 0)
    # kinks 40/20 = 2 and 50/10 = 5. Below 2 no year is taxed: slope 20 + 10 − 5 − 10 = 15,
    # NPV(0) = −40 − 50 − 100 = −190, NPV(2) = −160. On [2, 5] year 1 is taxed (w = 0.5):
    # slope 10 + 10 − 5 − 10 = 5, NPV(5) = −145. Beyond 5 both: slope 10 + 5 − 5 − 10 = 0
    # → no scale balances it.
    margin = np.array([[[20.0, 10.0, -5.0]]])
    fixed = np.array([[[40.0, 50.0, 0.0]]])
    args = (margin, fixed, np.array([[0.5]]), np.ones((1, 1, 3)), np.array([[10.0]]))
    s, why = minimum_scale(*args, np.array([[100.0]]))
    assert np.isnan(s[0, 0]) and why[0, 0] == MIN_SCALE_NONE
    # with P = 0: NPV(0) = −90, NPV(2) = −60, NPV(5) = −45; and K = 8 instead: slopes 17, 7,
    # 2: NPV(2) = −90 + 34 = −56, NPV(5) = −56 + 21 = −35, root 5 + 35 / 2 = 22.5
    args = (margin, fixed, np.array([[0.5]]), np.ones((1, 1, 3)), np.array([[8.0]]))
    s, why = minimum_scale(*args, np.array([[0.0]]))
    assert s[0, 0] == pytest.approx(22.5, rel=1e-14) and why[0, 0] == MIN_SCALE_OK
    # K = 0, P = 0: slopes 25, 15, 10; NPV(2) = −90 + 50 = −40; NPV(5) = −40 + 45 = 5 ≥ 0:
    # root on [2, 5] at 2 + 40 / 15 = 14 / 3
    args = (margin, fixed, np.array([[0.5]]), np.ones((1, 1, 3)), np.array([[0.0]]))
    s, why = minimum_scale(*args, np.array([[0.0]]))
    assert s[0, 0] == pytest.approx(14 / 3, rel=1e-14) and why[0, 0] == MIN_SCALE_OK
    # coverage 0.5 with K = 2, P = 0: slopes 24, 14, 9; NPV(0) = −90, NPV(2) = −42,
    # NPV(5) = 0: the root is the kink 5 itself
    args = (margin, fixed, np.array([[0.5]]), np.ones((1, 1, 3)), np.array([[2.0]]))
    s, why = minimum_scale(*args, np.array([[0.0]]), coverage=0.5)
    assert s[0, 0] == pytest.approx(5.0, rel=1e-14) and why[0, 0] == MIN_SCALE_OK


def test_a_full_tax_balances_at_a_kink_or_nowhere():
    # τ = 1: g(x) = min(x, 0). Years (10, 10), (5, 10): NPV peaks at 0 at s = 2 (any s ≥ 2)
    one = np.ones((1, 1, 2))
    s, why = minimum_scale(np.array([[[10.0, 5.0]]]), np.array([[[10.0, 10.0]]]),
                           np.array([[1.0]]), one, np.zeros((1, 1)), np.zeros((1, 1)),
                           method="kinks")
    assert s[0, 0] == pytest.approx(2.0, rel=1e-14) and why[0, 0] == MIN_SCALE_OK
    # a transfer to pay: the peak is −1, nothing balances it
    s, why = minimum_scale(np.array([[[10.0, 5.0]]]), np.array([[[10.0, 10.0]]]),
                           np.array([[1.0]]), one, np.zeros((1, 1)), np.ones((1, 1)),
                           method="kinks")
    assert np.isnan(s[0, 0]) and why[0, 0] == MIN_SCALE_NONE


def test_nothing_to_pay_needs_no_scale_and_nan_inputs_give_nan():
    margin = np.array([[[10.0, -5.0]], [[np.nan, 3.0]]])
    fixed = np.array([[[0.0, 0.0]], [[4.0, 1.0]]])
    s, why = minimum_scale(margin, fixed, np.array([[0.3], [0.3]]), np.ones((1, 1, 2)),
                           np.array([[1.0], [1.0]]), np.array([[0.0], [5.0]]),
                           method="kinks")
    assert s[0, 0] == 0.0 and why[0, 0] == MIN_SCALE_OK
    assert np.isnan(s[1, 0]) and why[1, 0] == MIN_SCALE_NONE


def test_npv_is_zero_at_the_scale_and_negative_just_below():
    margin, fixed, tax, disc, pv_cap, pv_tr = _random_rows(8, 5000, 20)
    s, why = minimum_scale(margin, fixed, tax, disc, pv_cap, pv_tr, method="kinks")
    ok = (why == MIN_SCALE_OK) & (s > 0)
    assert ok.sum() > 1000
    at = npv_at_scale(s[ok], margin[ok], fixed[ok], tax[ok], disc[ok], pv_cap[ok], pv_tr[ok])
    assert (np.abs(at) <= 1e-9 * pv_tr[ok] + 1e-9).all()
    below = npv_at_scale(s[ok] * (1 - 1e-7), margin[ok], fixed[ok], tax[ok], disc[ok],
                         pv_cap[ok], pv_tr[ok])
    assert (below < 0).all()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 300), st.floats(0, 400) | st.just(0.0)),
                min_size=1, max_size=10),
       st.floats(0, 1), st.floats(0, 1000), st.floats(0, 1e5), st.floats(0.2, 3))
def test_kinks_and_bisection_agree_on_any_bundle(years, tax, pv_cap, pv_tr, coverage):
    # A tax rate within 1e-9 of 1 but not 1 (hypothesis found 1 − 2⁻⁵³) leaves an after-tax
    # margin (1 − τ) m of one significant bit: the scale (~1e16) is then fixed only to the
    # rounding of 1 − τ, and the bisection's bracket need / unit is off by as much. The two
    # methods are compared where the problem is well conditioned (and at τ = 1 exactly).
    assume(tax == 1.0 or 1.0 - tax >= 1e-9)
    margin = np.array([[[m for m, _ in years]]])
    fixed = np.array([[[f for _, f in years]]])
    disc = 1.05 ** -np.arange(1.0, len(years) + 1)[None, None, :]
    args = (margin, fixed, np.array([[tax]]), disc, np.array([[pv_cap]]), np.array([[pv_tr]]))
    kinks, why = minimum_scale(*args, coverage=coverage, method="kinks")
    bisected, why2 = minimum_scale(*args, coverage=coverage, method="bisection")
    npv = lambda x: npv_at_scale(np.array([[x]]), *args, coverage=coverage)[0, 0]  # noqa
    if why[0, 0] != why2[0, 0]:
        # only where the best NPV is 0 to rounding (τ = 1 touching 0 at a kink)
        found = kinks[0, 0] if why[0, 0] == MIN_SCALE_OK else bisected[0, 0]
        assert abs(npv(found)) <= 1e-9 * (1 + coverage * pv_tr + abs(npv(0)))
        return
    if why[0, 0] == MIN_SCALE_OK:
        s = kinks[0, 0]
        assert s == pytest.approx(bisected[0, 0], rel=1e-9, abs=1e-9)
        scale = 1 + coverage * pv_tr + abs(npv(0))
        assert abs(npv(s)) <= 1e-9 * scale
        if s > 0:
            assert npv(s * (1 - 1e-6)) < 1e-9 * scale


def test_a_scale_that_overflows_balances_nothing():
    # found by hypothesis: a margin of 2.2e-311 CNY per unit makes need / unit overflow to inf;
    # no finite project balances it, so the answer is NaN with its reason, by every method
    args = (np.array([[[2.225073858507e-311]]]), np.array([[[0.0]]]), np.array([[0.0]]),
            np.array([[[1 / 1.05]]]), np.array([[0.0]]), np.array([[1.0]]))
    for method in ("auto", "closed_form", "kinks", "bisection"):
        scale, why = minimum_scale(*args, method=method)
        assert np.isnan(scale[0, 0]) and why[0, 0] == MIN_SCALE_NONE, method
