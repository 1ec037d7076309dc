"""NIST Handbook 135 present-value factors (SPV, UPV, UPV*): explicit sums and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmodel.finance import escalating_annuity_factor, pv_annuity_factor, spv, upv, upv_star


def hand_upv(d: float, n: int) -> float:
    return math.fsum((1 + d) ** -t for t in range(1, n + 1))


def hand_upv_star(d: float, e: float, n: int) -> float:
    # escalation from year 0: the payment at the end of year t is (1 + e)^t
    return math.fsum(((1 + e) / (1 + d)) ** t for t in range(1, n + 1))


# ------------------------------------------------------------------ published values
# NIST Handbook 135 (and its annual supplement) tabulate SPV and UPV to 3-4 decimals; each value
# below is also checked against an explicit sum first, so a misremembered table entry fails.
PUBLISHED_UPV = [(0.03, 10, 8.530), (0.03, 20, 14.877), (0.03, 25, 17.413), (0.07, 10, 7.024)]
PUBLISHED_SPV = [(0.03, 10, 0.7441), (0.03, 25, 0.4776), (0.07, 10, 0.5083)]


@pytest.mark.parametrize("d,n,published", PUBLISHED_UPV)
def test_upv_published(d, n, published):
    assert round(hand_upv(d, n), 3) == published
    assert round(float(upv(d, n)), 3) == published
    assert upv(d, n) == pytest.approx(hand_upv(d, n), rel=1e-13)


@pytest.mark.parametrize("d,n,published", PUBLISHED_SPV)
def test_spv_published(d, n, published):
    assert round(1 / (1 + d) ** n, 4) == published
    assert round(float(spv(d, n)), 4) == published
    assert spv(d, n) == pytest.approx(1 / (1 + d) ** n, rel=1e-14)


def test_upv_star_worked_example():
    # d = 3%, e = 2%, n = 3 by hand: 1.02/1.03 + (1.02/1.03)^2 + (1.02/1.03)^3
    q = 1.02 / 1.03
    assert upv_star(0.03, 0.02, 3) == pytest.approx(q + q * q + q ** 3, rel=1e-14)
    # the first payment is already escalated: one year gives (1 + e)/(1 + d), not 1/(1 + d)
    assert upv_star(0.03, 0.02, 1) == pytest.approx(1.02 / 1.03, rel=1e-15)
    assert escalating_annuity_factor(0.03, 0.02, 1) == pytest.approx(1 / 1.03, rel=1e-15)
    # closed form (1 + e)/(d − e) × (1 − q^n)
    assert upv_star(0.03, 0.02, 10) == pytest.approx(1.02 / 0.01 * (1 - q ** 10), rel=1e-12)


def test_special_cases():
    assert upv_star(0.04, 0.04, 25) == pytest.approx(25.0, rel=1e-15)   # d = e: n
    assert upv(0.0, 12) == 12.0
    assert spv(0.05, 0) == 1.0
    assert upv_star(0.03, 0.0, 10) == pytest.approx(upv(0.03, 10), rel=1e-14)   # e = 0: UPV
    with pytest.raises(ValueError):
        spv(-1.0, 3)
    with pytest.raises(ValueError):
        upv_star(0.03, -1.5, 3)


def test_vectorised_like_the_other_factors():
    d = np.array([[0.01], [0.03], [0.07]])          # (3, 1)
    n = np.array([1, 5, 10, 30])                    # (4,)
    e = 0.02
    got = upv_star(d, e, n)
    assert got.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert got[i, j] == pytest.approx(hand_upv_star(d[i, 0], e, int(n[j])), rel=1e-12)
    assert upv(d, n).shape == spv(d, n).shape == (3, 4)
    assert isinstance(upv(0.03, 10), np.floating)


@settings(max_examples=200, deadline=None)
@given(d=st.floats(-0.5, 0.5), e=st.floats(-0.5, 0.5), n=st.integers(0, 60))
def test_factors_equal_explicit_sums(d, e, n):
    assert float(upv(d, n)) == pytest.approx(hand_upv(d, n), rel=1e-9, abs=1e-12)
    assert float(upv_star(d, e, n)) == pytest.approx(hand_upv_star(d, e, n), rel=1e-9, abs=1e-12)
    assert float(spv(d, n)) == pytest.approx((1 + d) ** -n, rel=1e-12)
    # how UPV* differs from the library's growing annuity (first payment 1)
    assert float(upv_star(d, e, n)) == pytest.approx(
        (1 + e) * float(escalating_annuity_factor(d, e, n)), rel=1e-12, abs=1e-12)
    assert float(upv(d, n)) == float(pv_annuity_factor(d, n))
