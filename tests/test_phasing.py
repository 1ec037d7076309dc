"""Budget phasing (issue 10, task A): the MILP against hand-worked cases and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmodel.errors import ModelError
from fundmodel.portfolio.phasing import (BUDGET_RTOL, Plan, RobustPlan, overrun_frequency,
                                         phase, phase_robust)

ONE = ("city_district_government",)
TWO = ("central_government", "city_district_government")


# --- an independent reference: every assignment of start years -----------------------------

def brute_force(cost, budget, weight, years, earliest=None, latest=None, required=None):
    """Best objective and, among the plans reaching it, the best early score; by enumeration.

    A plan gives each compound a start index in 0..Y-1 or None. Its outlay is added up with
    plain loops; a start is allowed when the works (up to the last year with a cost) end in
    the plan, and within earliest/latest.
    """
    cost = np.asarray(cost, dtype=float)
    if cost.ndim == 2:
        cost = cost[:, :, None]
    C, L, K = cost.shape
    Y = len(years)
    options = []
    for c in range(C):
        last = max([k for k in range(K) if cost[c, :, k].max() > 0], default=0)
        opts = [] if required is not None and required[c] else [None]
        for y in range(Y):
            if y + last >= Y:
                continue
            if earliest is not None and years[y] < earliest[c]:
                continue
            if latest is not None and years[y] > latest[c]:
                continue
            opts.append(y)
        options.append(opts)
    best, best_early = None, None
    for combo in itertools.product(*options):
        used = np.zeros((L, Y))
        for c, y in enumerate(combo):
            if y is None:
                continue
            for k in range(K):
                if y + k < Y:
                    for l in range(L):
                        used[l, y + k] += cost[c, l, k]
        if not np.all(used <= budget * (1 + BUDGET_RTOL)):
            continue
        value = sum(weight[c] for c, y in enumerate(combo) if y is not None)
        early = sum(weight[c] * (Y - y) for c, y in enumerate(combo) if y is not None)
        if best is None or value > best + 1e-9 or (abs(value - best) <= 1e-9
                                                     and early > best_early):
            best, best_early = value, early
    return best, best_early


def early_score(plan, weight):
    Y = len(plan.years)
    s = plan.start_year
    return float(sum(weight[c] * (Y - (s[c] - plan.years[0])) for c in range(len(s))
                     if s[c] >= 0))


def assert_budgets_respected(plan, cost, budget):
    """Outlay recomputed here with loops, against the budgets."""
    cost = np.asarray(cost, dtype=float)
    if cost.ndim == 2:
        cost = cost[:, :, None]
    C, L, K = cost.shape
    Y = len(plan.years)
    used = np.zeros((L, Y))
    for c in range(C):
        if plan.start_year[c] < 0:
            continue
        y = plan.start_year[c] - plan.years[0]
        for k in range(K):
            if y + k < Y:
                used[:, y + k] += cost[c, :, k]
            else:
                assert cost[c, :, k].max() == 0, "works spill past the plan"
    np.testing.assert_allclose(plan.outlay_cny, used, rtol=1e-12, atol=1e-9)
    assert np.all(used <= np.asarray(budget) * (1 + BUDGET_RTOL))


# --- hand-worked ----------------------------------------------------------------------------

def test_knapsack_by_hand():
    # one year, budget 7: {0} = 10 (cost 5); {1, 2} = 7 + 5 = 12 (cost 4 + 3 = 7);
    # {0, 1} costs 9 and {0, 2} costs 8, both over. The answer: compounds 1 and 2, 12.
    plan = phase([[5.0], [4.0], [3.0]], [[7.0]], [10, 7, 5], years=[2024], levels=ONE,
                 ids=["a", "b", "c"])
    assert isinstance(plan, Plan)
    assert plan.start_year.tolist() == [-1, 2024, 2024]
    assert plan.objective == 12 and plan.served == 2 and plan.weight_total == 22
    assert plan.status == "optimal" and plan.mip_gap == pytest.approx(0, abs=1e-6)
    assert plan.table["id"].tolist() == ["a", "b", "c"]
    assert plan.table["start_year"].isna().tolist() == [True, False, False]
    assert plan.table["cost_city_district_government_cny"].tolist() == [5, 4, 3]
    row = plan.budget_use.iloc[0]
    assert (row["level"], row["year"], row["budget_cny"], row["used_cny"], row["share"]) == (
        "city_district_government", 2024, 7.0, 7.0, 1.0)


def test_value_first_then_early():
    # budgets 4 (2024) and 3 (2025). A (w 5, cost 3), B and C (w 4, cost 2 each).
    # Serving early would put A in 2024 and one of B, C in 2025: 9. The best is B and C in
    # 2024 (cost 4) and A in 2025 (cost 3): 13, the only plan worth 13.
    plan = phase([[3.0], [2.0], [2.0]], [[4.0, 3.0]], [5, 4, 4], years=[2024, 2025],
                 levels=ONE)
    assert plan.objective == 13
    assert plan.start_year.tolist() == [2025, 2024, 2024]


def test_ties_go_to_the_earliest_year():
    # one compound that fits in any of three years: it starts in the first
    plan = phase([[1.0]], [[5.0, 5.0, 5.0]], [2], years=[2024, 2025, 2026], levels=ONE)
    assert plan.start_year.tolist() == [2024]
    # the larger compound first when only one fits a year: w 3 (cost 2) and w 1 (cost 2)
    plan = phase([[2.0], [2.0]], [[2.0, 2.0]], [1, 3], years=[2024, 2025], levels=ONE)
    assert plan.start_year.tolist() == [2025, 2024]


def test_two_year_works_are_paid_in_both_years_and_never_spill():
    # A: 2-year works, 6 then 4 to the city (level 1) and 2 then 0 to the centre (level 0)
    cost = np.zeros((2, 2, 2))
    cost[0, :, 0] = [2.0, 6.0]
    cost[0, :, 1] = [0.0, 4.0]
    cost[1, :, 0] = [1.0, 1.0]          # B: a one-year build given as K = 2
    budget = np.array([[np.inf, np.inf], [6.0, 5.0]])
    plan = phase(cost, budget, [10, 1], years=[2024, 2025], levels=TWO)
    # A must start in 2024 (a 2025 start would spill into 2026); B cannot join it in 2024
    # (city 6 + 1 > 6) but can in 2025 (4 + 1 = 5)
    assert plan.start_year.tolist() == [2024, 2025]
    np.testing.assert_array_equal(plan.outlay_cny, [[2.0, 1.0], [6.0, 5.0]])
    assert plan.table["end_year"].tolist() == [2025, 2025]
    # the same with budget only in 2025: A cannot start at all
    plan = phase(cost, [[np.inf, np.inf], [0.0, 100.0]], [10, 1], years=[2024, 2025],
                 levels=TWO)
    assert plan.start_year.tolist() == [-1, 2025]
    assert plan.budget_use["share"].tolist() == [0.0, 0.0, 0.0, pytest.approx(0.01)]


def test_earliest_latest_and_required():
    cost = [[1.0], [1.0], [1.0]]
    years = [2024, 2025, 2026]
    plan = phase(cost, [[1.0, 1.0, 1.0]], [5, 5, 1], years=years, levels=ONE,
                 earliest=[2025, 2024, 2024], latest=[2026, 2024, 2026])
    # B only in 2024; A from 2025: A 2025; C takes what is left (2026)
    assert plan.start_year.tolist() == [2025, 2024, 2026]
    # C is required and the budget has room for two: C displaces one of the others
    plan = phase(cost, [[1.0, 1.0, 0.0]], [5, 5, 1], years=years, levels=ONE,
                 required=["2"])
    assert plan.start_year[2] >= 0 and plan.served == 2 and plan.objective == 6
    assert plan.table["required"].tolist() == [False, False, True]


def test_zero_weight_compounds_are_left_out_unless_required():
    plan = phase([[1.0], [1.0]], [[10.0]], [0, 2], years=[2024], levels=ONE)
    assert plan.start_year.tolist() == [-1, 2024]
    plan = phase([[1.0], [1.0]], [[10.0]], [0, 2], years=[2024], levels=ONE, required=[0])
    assert plan.start_year.tolist() == [2024, 2024]


def test_unlimited_budget_serves_everyone_at_once():
    rng = np.random.default_rng(3)
    cost = rng.uniform(1, 10, (30, 4))
    plan = phase(cost, np.full((4, 3), np.inf), rng.integers(1, 100, 30), years=range(2030, 2033))
    assert (plan.start_year == 2030).all()
    assert plan.levels == ("central_government", "provincial_government",
                           "city_district_government", "street_community")


# --- against brute force ------------------------------------------------------------------

def test_small_district_against_brute_force():
    rng = np.random.default_rng(11)
    C, L, K, years = 6, 2, 2, [2024, 2025, 2026]
    cost = rng.uniform(1, 10, (C, L, K)).round(2)
    cost[[0, 2, 5], :, 1] = 0.0          # one-year builds
    budget = np.array([[9.0, 12.0, 10.0], [8.0, 11.0, 9.0]])
    weight = np.array([30, 45, 12, 60, 25, 40], dtype=float)
    plan = phase(cost, budget, weight, years=years, levels=TWO)
    best, best_early = brute_force(cost, budget, weight, years)
    assert plan.objective == pytest.approx(best)
    assert early_score(plan, weight) == pytest.approx(best_early)
    assert_budgets_respected(plan, cost, budget)


@st.composite
def cases(draw):
    C = draw(st.integers(1, 5))
    Y = draw(st.integers(1, 3))
    L = draw(st.integers(1, 2))
    K = draw(st.integers(1, 2))
    money = st.floats(0, 20, allow_nan=False).map(lambda v: round(v, 2))
    cost = np.array(draw(st.lists(money, min_size=C * L * K, max_size=C * L * K)))
    cost = cost.reshape(C, L, K)
    budget = np.array(draw(st.lists(st.one_of(money.map(lambda v: 2 * v), st.just(np.inf)),
                                    min_size=L * Y, max_size=L * Y))).reshape(L, Y)
    weight = np.array(draw(st.lists(st.integers(0, 50), min_size=C, max_size=C)), float)
    years = list(range(2024, 2024 + Y))
    earliest = latest = None
    if draw(st.booleans()):
        earliest = np.array(draw(st.lists(st.integers(2023, 2024 + Y - 1), min_size=C,
                                          max_size=C)))
        latest = earliest + np.array(draw(st.lists(st.integers(0, Y), min_size=C,
                                                   max_size=C)))
    required = np.array(draw(st.lists(st.booleans(), min_size=C, max_size=C)))
    if not draw(st.booleans()):
        required[:] = False
    return cost, budget, weight, years, earliest, latest, required


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_small_cases_match_brute_force(case):
    cost, budget, weight, years, earliest, latest, required = case
    best, best_early = brute_force(cost, budget, weight, years, earliest, latest, required)
    if best is None:                         # the required compounds cannot all be served
        with pytest.raises(ModelError, match="required"):
            phase(cost, budget, weight, years=years, levels=TWO[:cost.shape[1]],
                  earliest=earliest, latest=latest, required=required)
        return
    plan = phase(cost, budget, weight, years=years, levels=TWO[:cost.shape[1]],
                 earliest=earliest, latest=latest, required=required)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(best)
    assert early_score(plan, weight) == pytest.approx(best_early)
    assert_budgets_respected(plan, cost, budget)
    assert (plan.start_year[required] >= 0).all()
    planned = plan.start_year >= 0
    if earliest is not None:
        assert (plan.start_year[planned] >= earliest[planned]).all()
        assert (plan.start_year[planned] <= latest[planned]).all()


def test_time_limit_is_reported_not_raised():
    rng = np.random.default_rng(2)
    n = 400
    hh = rng.integers(10, 100, n).astype(float)
    cost = (hh * 40_000 * rng.lognormal(0, 0.3, n))[:, None, None] * np.array([[0.6], [0.4]])
    budget = np.tile(cost.sum(axis=0)[:, 0, None] * 0.6 / 4, (1, 4))
    plan = phase(cost, budget, hh, years=range(2024, 2028), levels=TWO, time_limit_s=0.5)
    assert plan.status in ("optimal", "time_limit")
    assert plan.solve_time_s < 30
    if plan.status == "time_limit" and np.isnan(plan.objective):
        assert (plan.start_year == -1).all()
    else:
        assert plan.mip_gap >= 0
        assert_budgets_respected(plan, cost, budget)


# --- robust -------------------------------------------------------------------------------

def _draws(seed=7, D=400, C=8, Y=3):
    rng = np.random.default_rng(seed)
    base = rng.uniform(2, 6, C)
    # per-compound noise and a common shock: the overrun of a year is correlated
    shock = rng.lognormal(0, 0.1, (D, 1)) * rng.lognormal(0, 0.2, (D, C))
    cost = (base * shock)[:, :, None, None] * np.array([0.7, 0.3])[None, None, :, None]
    budget = np.tile((base.sum() * 0.5 / Y * np.array([0.7, 0.3]))[:, None], (1, Y))
    weight = rng.integers(20, 90, C).astype(float)
    return cost, budget, weight, list(range(2024, 2024 + Y))


def _overrun_by_hand(cost_draws, start_year, budget, years):
    D, C, L, K = cost_draws.shape
    over = 0
    for d in range(D):
        used = np.zeros((L, len(years)))
        for c in range(C):
            if start_year[c] >= 0:
                for k in range(K):
                    if start_year[c] - years[0] + k < len(years):
                        used[:, start_year[c] - years[0] + k] += cost_draws[d, c, :, k]
        over += bool((used > budget * (1 + BUDGET_RTOL)).any())
    return over / D


@pytest.mark.parametrize("bound", [0.05, 0.2])
def test_robust_plan_meets_its_bound_over_the_draws(bound):
    cost, budget, weight, years = _draws()
    plan = phase_robust(cost, budget, weight, years=years, levels=TWO,
                        max_overrun_probability=bound)
    assert isinstance(plan, RobustPlan) and plan.bound_met and plan.draws == 400
    p = _overrun_by_hand(cost, plan.start_year, budget, years)
    assert p <= bound
    assert plan.overrun_probability == pytest.approx(p, abs=1e-12)
    assert plan.overrun_probability_se == pytest.approx(np.sqrt(p * (1 - p) / 400))
    # the mean plan overruns more often than the bound here: the search had to add margin
    mean_plan = phase(cost.mean(axis=0), budget, weight, years=years, levels=TWO)
    assert _overrun_by_hand(cost, mean_plan.start_year, budget, years) > bound
    assert plan.margin_sd > 0 and plan.objective <= mean_plan.objective
    assert len(plan.search) >= 2
    np.testing.assert_allclose(plan.outlay_cny,
                               phase_outlay(cost.mean(axis=0), plan.start_year, years))


def phase_outlay(cost, start_year, years):
    C, L, K = cost.shape
    out = np.zeros((L, len(years)))
    for c in range(C):
        if start_year[c] >= 0:
            for k in range(K):
                out[:, start_year[c] - years[0] + k] += cost[c, :, k]
    return out


def test_robust_with_bound_one_is_the_mean_plan():
    cost, budget, weight, years = _draws(seed=8)
    robust = phase_robust(cost, budget, weight, years=years, levels=TWO,
                          max_overrun_probability=1.0)
    mean_plan = phase(cost.mean(axis=0), budget, weight, years=years, levels=TWO)
    np.testing.assert_array_equal(robust.start_year, mean_plan.start_year)
    assert robust.margin_sd == 0 and len(robust.search) == 1
    assert robust.objective == mean_plan.objective


def test_overrun_frequency_per_level_and_year():
    # two draws, one compound, one level, two years, 2-year works: draw 0 costs (3, 3),
    # draw 1 (5, 1). Budgets 4 and 4: draw 1 overruns in the first year only.
    cost = np.array([[[[3.0, 3.0]]], [[[5.0, 1.0]]]])
    p, cells = overrun_frequency(cost, np.array([2024]), np.array([[4.0, 4.0]]), [2024, 2025])
    assert p == 0.5
    np.testing.assert_array_equal(cells, [[0.5, 0.0]])
    plan = phase_robust(cost, [[4.0, 4.0]], [1.0], years=[2024, 2025], levels=ONE,
                        max_overrun_probability=0.5)
    assert plan.start_year.tolist() == [2024]
    assert plan.budget_use["overrun_probability"].tolist() == [0.5, 0.0]
    plan = phase_robust(cost, [[4.0, 4.0]], [1.0], years=[2024, 2025], levels=ONE,
                        max_overrun_probability=0.4)
    assert plan.start_year.tolist() == [-1] and plan.overrun_probability == 0.0


# --- errors -------------------------------------------------------------------------------

GOOD = dict(cost_cny=[[1.0], [2.0]], budget_cny=[[3.0, 3.0]], weight=[1.0, 1.0],
            years=[2024, 2025], levels=ONE)


@pytest.mark.parametrize("change, name", [
    ({"cost_cny": [[np.nan], [2.0]]}, "cost_cny"),
    ({"cost_cny": [[-1.0], [2.0]]}, "cost_cny"),
    ({"cost_cny": [1.0, 2.0]}, "cost_cny"),
    ({"cost_cny": [[1.0, 1.0], [2.0, 2.0]]}, "cost_cny"),
    ({"cost_cny": [[np.inf], [2.0]]}, "cost_cny"),
    ({"budget_cny": [[3.0, 3.0, 3.0]]}, "budget_cny"),
    ({"budget_cny": [[3.0, -1.0]]}, "budget_cny"),
    ({"budget_cny": [[3.0, np.nan]]}, "budget_cny"),
    ({"weight": [1.0]}, "weight"),
    ({"weight": [1.0, -2.0]}, "weight"),
    ({"weight": [1.0, np.nan]}, "weight"),
    ({"years": [2024, 2026]}, "years"),
    ({"years": [2024.5, 2025.5]}, "years"),
    ({"years": []}, "years"),
    ({"levels": ("a", "a")}, "levels"),
    ({"ids": ["a"]}, "ids"),
    ({"ids": ["a", "a"]}, "ids"),
    ({"earliest": [2025, 2025], "latest": [2024, 2025]}, "earliest"),
    ({"earliest": [2024.5, 2024]}, "earliest"),
    ({"latest": [2024]}, "latest"),
    ({"required": ["x"]}, "required"),
    ({"required": [5]}, "required"),
    ({"required": [True]}, "required"),
    ({"required": [0], "earliest": [2026, 2024]}, "required"),
    ({"required": [0, 1], "budget_cny": [[2.0, 0.0]]}, "required"),   # 1 + 2 > 2, 2025 is 0
    ({"time_limit_s": -1}, "time_limit_s"),
    ({"mip_rel_gap": 1.5}, "mip_rel_gap"),
])
def test_bad_arguments_name_themselves(change, name):
    args = {**GOOD, **change}
    with pytest.raises(ModelError, match=name):
        phase(args.pop("cost_cny"), args.pop("budget_cny"), args.pop("weight"), **args)


@pytest.mark.parametrize("change, name", [
    ({"cost_draws_cny": [[1.0], [2.0]]}, "cost_draws_cny"),
    ({"cost_draws_cny": np.full((3, 2, 1, 1), np.nan)}, "cost_draws_cny"),
    ({"max_overrun_probability": 1.5}, "max_overrun_probability"),
    ({"max_overrun_probability": -0.1}, "max_overrun_probability"),
])
def test_robust_bad_arguments_name_themselves(change, name):
    args = dict(cost_draws_cny=np.ones((3, 2, 1, 1)), budget_cny=[[3.0, 3.0]],
                weight=[1.0, 1.0], years=[2024, 2025], levels=ONE)
    args.update(change)
    with pytest.raises(ModelError, match=name):
        phase_robust(args.pop("cost_draws_cny"), args.pop("budget_cny"), args.pop("weight"),
                     **args)


def test_plan_is_frozen_and_tables_have_units():
    plan = phase(GOOD["cost_cny"], GOOD["budget_cny"], GOOD["weight"], years=GOOD["years"],
                 levels=ONE)
    with pytest.raises(AttributeError):
        plan.objective = 0
    assert list(plan.table.columns) == ["id", "start_year", "end_year", "required", "weight",
                                        "cost_city_district_government_cny", "cost_cny"]
    assert list(plan.budget_use.columns) == ["level", "year", "budget_cny", "used_cny",
                                             "share"]
    assert plan.table["start_year"].dtype == pd.Int64Dtype()
