"""Solving the long-term levers: the street's cap, the shared contract's size, the repairs
fund's level contribution — closed forms against the search, answers put back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.catalog import QUANTILE_METHOD

ROOT = Path(__file__).resolve().parents[1]
LONG = ROOT / "scenarios" / "sanqiao-long-term.yaml"
XIAMEN = ROOT / "scenarios" / "xiamen-hanlingrong.yaml"
CAP = "operations.fallback.cap_per_year"
PARTNERS = "operations.shared_service.partners"
CONTRIBUTION = "repairs_fund.contribution_per_m2_year"


@pytest.fixture(scope="module")
def long_term():
    return fundmodel.load_scenario(LONG)


def test_whole_partners_per_draw_are_the_ceiling_of_the_continuous_answer(long_term):
    """A bug fixed: draws already meeting the target at the scenario's own value (4 partners)
    ended without a root when the lever was whole; the least whole number of partners meeting
    NPV ≥ 0 is the ceiling of the continuous root (NPV rises with the partners)."""
    cont = fundmodel.solve(long_term, PARTNERS, "npv_operations >= 0", draws=400, seed=3)
    whole = fundmodel.solve(long_term, PARTNERS, "npv_operations >= 0", draws=400, seed=3,
                            integer=True)
    assert cont.no_root == whole.no_root == 0
    assert (cont.value < 4).any() and (cont.value > 4).any()      # both sides of its own 4
    np.testing.assert_array_equal(whole.value, np.ceil(cont.value))
    reading = whole.check()
    assert reading.met.all()


def test_the_streets_cap_closed_form_agrees_with_the_search(long_term):
    sol = fundmodel.solve(long_term, CAP, "cumulative_balance_min >= 0", draws=300, seed=5,
                          check=True)
    assert sol.method == "closed_form"
    assert sol.disagreement is not None and sol.disagreement <= 1e-9
    reading = sol.check()
    assert reading.met.all()                                       # balance ≥ 0 every year
    sim = fundmodel.simulate(long_term, draws=300, seed=5)
    needed = sim.metric("fallback_needed_max")
    np.testing.assert_allclose(sol.value, needed, rtol=1e-9, atol=1e-6)


def test_a_probability_target_on_the_cap_is_the_quantile_of_the_per_draw_caps(long_term):
    """P(min balance < 0) ≤ 10 %: the draws' needed caps sorted, the 90 % order statistic."""
    sol = fundmodel.solve(long_term, CAP, "P(cumulative_balance_min < 0) <= 0.10", draws=2000,
                          seed=7)
    needed = fundmodel.simulate(long_term, draws=2000, seed=7).metric("fallback_needed_max")
    want = np.quantile(needed, 0.9, method=QUANTILE_METHOD)
    assert sol.value == pytest.approx(want, rel=1e-9)
    assert sol.statistic <= 0.10
    assert sol.check().met


def test_the_repairs_funds_level_contributions_agree_with_the_search(long_term):
    sol = fundmodel.solve(long_term, CONTRIBUTION, "fund_balance_min >= 0", draws=200, seed=2,
                          check=True)
    assert sol.method == "closed_form"
    assert sol.disagreement <= 1e-9
    assert sol.check().met.all()
    metrics = fundmodel.simulate(long_term, draws=200, seed=2).metrics
    np.testing.assert_allclose(sol.value, metrics["level_contribution_baseline_per_m2"],
                               rtol=1e-9)


def test_the_full_goal_is_the_larger_of_the_baseline_and_the_horizon_root(long_term):
    """issue 19: the full goal keeps every year-end balance ≥ 0 too, so it is no closed form
    of `percent_funded_final >= 1` (searched now); it is that root where the root is above
    the baseline, else the baseline."""
    sol = fundmodel.solve(long_term, CONTRIBUTION, "percent_funded_final >= 1", draws=200,
                          seed=2)
    assert sol.method == "search"
    metrics = fundmodel.simulate(long_term, draws=200, seed=2).metrics
    full = metrics["level_contribution_full_per_m2"].to_numpy()
    baseline = metrics["level_contribution_baseline_per_m2"].to_numpy()
    np.testing.assert_allclose(full, np.maximum(baseline, sol.value), rtol=1e-8)


def test_a_fund_with_top_ups_is_searched_not_read_from_the_closed_form():
    """The level contributions are solved with top-ups off; a fund with a top-up rule keeps its
    balance above the trigger, so its target is searched. The least contribution with no
    top-up is the threshold contribution (the trigger is the default floor), and the one that
    keeps the top-ups away in 90 % of draws its 90 % quantile. A bug fixed: the top-up total
    is 0 on a whole range of contributions, so the probability's order statistic must use each
    draw's boundary of the event, not a root of "top-up = 0"."""
    sc = fundmodel.load_scenario(XIAMEN)
    threshold = fundmodel.simulate(sc, draws=500, seed=1).metric(
        "level_contribution_threshold_per_m2")
    per_draw = fundmodel.solve(sc, CONTRIBUTION, "fund_top_up_total <= 0", draws=500, seed=1)
    assert per_draw.method == "search"
    np.testing.assert_allclose(per_draw.value, threshold, rtol=1e-9)
    sol = fundmodel.solve(sc, CONTRIBUTION, "P(fund_top_up_total > 0) <= 0.10", draws=500,
                          seed=1, check=True)
    assert sol.disagreement <= 1e-6          # the order statistic against the search
    assert sol.statistic <= 0.10 and sol.check().met
    assert sol.value == pytest.approx(np.quantile(threshold, 0.9, method=QUANTILE_METHOD),
                                      rel=1e-6)


def test_an_order_statistic_meets_its_bound_as_a_float():
    """A bug fixed (found by hypothesis in tests/test_solve.py): for α = 0.9799999999999999
    over 500 draws the count allowed was 490 (α × n within 1e-9 of 490), a share of 0.98,
    above α; the share reported must meet the target as written."""
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    alpha = 0.9799999999999999
    sol = fundmodel.solve(sc, "operations.property_fee.rate_per_m2_month",
                          f"P(cumulative_balance_final < 0) <= {alpha!r}", draws=500, seed=17)
    assert sol.statistic <= alpha
    assert sol.statistic == 489 / 500
    assert sol.check().met
