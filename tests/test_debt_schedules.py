"""finance.ipmt / ppmt against numpy-financial, and the per-unit loan schedules of
fundmodel.loans worked by hand and checked for the identities every loan obeys."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings, strategies as st

from fundmodel import finance
from fundmodel.finance.loans import loan_schedule, repayment_profile, sculpted_schedule


# ---------------------------------------------------------------- ipmt, ppmt
def test_ipmt_ppmt_by_hand():
    # 100 at 10 % over 2 years: payment 57.619; year 1 interest 10, principal 47.619;
    # year 2 interest 10 % of 52.381 = 5.238
    assert finance.ipmt(0.1, 1, 2, 100) == pytest.approx(-10.0, rel=1e-14)
    assert finance.ppmt(0.1, 1, 2, 100) == pytest.approx(-(100 / (1 / 1.1 + 1 / 1.21) - 10))
    assert finance.ipmt(0.1, 2, 2, 100) == pytest.approx(-0.1 * (100 - 47.6190476190476))
    # rate 0: no interest, equal principal
    assert finance.ipmt(0.0, 3, 4, 100) == 0.0
    assert finance.ppmt(0.0, 3, 4, 100) == -25.0
    # paid at the beginning: nothing accrued in period 1
    assert finance.ipmt(0.1, 1, 2, 100, when="begin") == 0.0
    # periods start at 1
    assert np.isnan(finance.ipmt(0.1, 0, 2, 100))
    assert np.isnan(finance.ppmt(0.1, 0, 2, 100))


def test_ipmt_ppmt_vectorise_and_broadcast():
    per = np.arange(1, 11)
    out = finance.ipmt(np.array([[0.0], [0.05]]), per, 10, 1000)
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out[1], npf.ipmt(0.05, per, 10, 1000), rtol=1e-12)
    # interest + principal = the level payment, every period
    np.testing.assert_allclose(finance.ipmt(0.05, per, 10, 1000)
                               + finance.ppmt(0.05, per, 10, 1000),
                               np.full(10, finance.pmt(0.05, 10, 1000)), rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(rate=st.one_of(st.just(0.0),       # numpy-financial loses all precision near 0: not there
                     st.floats(-0.5, 0.5).filter(lambda r: abs(r) > 1e-6)),
       nper=st.integers(1, 40),
       per=st.integers(1, 40), pv=st.floats(-1e6, 1e6), fv=st.floats(-1e5, 1e5),
       when=st.sampled_from(["end", "begin"]))
def test_ipmt_ppmt_match_numpy_financial(rate, nper, per, pv, fv, when):
    # compared on the scale of the largest amount involved: the balance can grow as (1+r)^per
    scale = (abs(pv) + abs(fv) + 1.0) * max(1.0, (1 + abs(rate)) ** max(per, nper))
    for ours, oracle in ((finance.ipmt, npf.ipmt), (finance.ppmt, npf.ppmt)):
        got = float(ours(rate, per, nper, pv, fv, when))
        with np.errstate(all="ignore"):   # numpy-financial divides by a zero rate
            want = float(oracle(rate, per, nper, pv, fv, when))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-11 * scale)


def test_ipmt_matches_numpy_financial_on_1000_cases_in_one_call():
    rng = np.random.default_rng(8)
    rate = rng.uniform(-0.05, 0.2, 1000)
    rate[::50] = 0.0
    nper = rng.integers(1, 40, 1000).astype(float)
    per = rng.integers(1, 40, 1000)
    pv = rng.uniform(-1e6, 1e6, 1000)
    when = rng.integers(0, 2, 1000)
    with np.errstate(all="ignore"):       # numpy-financial divides by a zero rate
        want_i, want_p = (npf.ipmt(rate, per, nper, pv, 0, when),
                          npf.ppmt(rate, per, nper, pv, 0, when))
    np.testing.assert_allclose(finance.ipmt(rate, per, nper, pv, 0, when), want_i,
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(finance.ppmt(rate, per, nper, pv, 0, when), want_p,
                               rtol=1e-9, atol=1e-6)


# ---------------------------------------------------------------- unit schedules
def test_unit_annuity_schedule_by_hand():
    # per unit at 5 % over 10 years: payment 0.1295046, year 1 interest 0.05 and principal
    # 0.0795046; the balance opens year 2 at 0.9204954
    s = loan_schedule(0.05, 10)
    payment = 0.05 / (1 - 1.05 ** -10)
    np.testing.assert_allclose(s.debt_service, np.full(10, payment), rtol=1e-13)
    assert s.interest[0] == 0.05
    assert s.principal[0] == pytest.approx(payment - 0.05, rel=1e-13)
    assert s.balance[1] == pytest.approx(1 - (payment - 0.05), rel=1e-13)
    np.testing.assert_allclose(s.principal, -npf.ppmt(0.05, np.arange(1, 11), 10, 1),
                               rtol=1e-12)


def test_profiles_are_vectorised_over_rates_and_padded_to_the_horizon():
    p = repayment_profile(np.array([[0.0], [0.1]]), 4, 1, "equal_principal", n_years=6)
    assert p.shape == (2, 1, 6)
    np.testing.assert_allclose(p[:, 0], [[0, 1 / 3, 1 / 3, 1 / 3, 0, 0]] * 2)
    with pytest.raises(ValueError):
        repayment_profile(0.05, 5, 5)
    with pytest.raises(ValueError):
        repayment_profile(0.05, 5, 0, "sculpted")


@settings(max_examples=150, deadline=None)
@given(rate=st.one_of(st.just(0.0), st.floats(0.0, 0.3)), term=st.integers(1, 30),
       grace=st.integers(0, 29), repayment=st.sampled_from(["annuity", "equal_principal",
                                                            "bullet"]))
def test_every_unit_loan_repays_one_and_is_worth_one_at_its_rate(rate, term, grace, repayment):
    grace = grace % term
    s = loan_schedule(rate, term, grace, repayment, n_years=term + 2)
    assert s.principal.sum() == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(s.interest, rate * s.balance, rtol=1e-15, atol=0)
    assert s.balance[0] == 1.0 and (s.balance[term:] == 0).all()
    assert (s.principal[:grace] == 0).all()                           # interest only
    df = (1 + rate) ** -np.arange(1, term + 3, dtype=float)
    assert s.debt_service @ df == pytest.approx(1.0, rel=1e-11)


@settings(max_examples=150, deadline=None)
@given(rate=st.floats(0.0, 0.2), term=st.integers(1, 20), grace=st.integers(0, 19),
       cash=st.lists(st.floats(0.0, 1e5), min_size=20, max_size=20))
def test_a_sculpted_loan_follows_its_profile_and_repays_its_present_value(rate, term, grace,
                                                                          cash):
    grace = grace % term
    ds = np.array(cash)
    s, pv = sculpted_schedule(rate, ds, term, grace)
    want = sum(ds[grace + k - 1] / (1 + rate) ** k for k in range(1, term - grace + 1))
    assert float(pv) == pytest.approx(want, rel=1e-12, abs=1e-9)
    if pv > 0:
        np.testing.assert_allclose((s.debt_service * pv)[grace:term], ds[grace:term],
                                   rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(s.interest[:grace], rate, rtol=1e-15)
        assert s.principal.sum() == pytest.approx(1.0, rel=1e-9)
    else:
        assert (s.debt_service == 0).all()


def test_a_subnormal_present_value_sculpts_nothing():
    """Bug (found by hypothesis): a profile of 5e-324 CNY then zeros has a subnormal present
    value, 5e-324 / 1.125, whose quotients lose their precision (the principal summed to 0.875,
    not 1). Such a P is treated as 0: nothing to sculpt to, nothing lent."""
    ds = np.zeros(20)
    ds[0] = 5e-324
    s, pv = sculpted_schedule(0.125, ds, 1, 0)
    assert float(pv) == 0.0
    assert (s.debt_service == 0).all() and (s.principal == 0).all()
