"""The long-term repairs fund (issue 9, items 2 and 4): timing conventions, the balance with
interest and top-ups, the reserve-study measures, the level contributions in closed form and
the NIST Handbook 135 life-cycle figures; issue 19, item 6: the end_of_year and reserve_study
conventions, one cost index for the replacements and the fully funded balance, and the full
goal that never goes below the baseline's floor.

Expected values are worked out by hand here (tables written out) or by an independent
reference in exact rational arithmetic (``fractions.Fraction``), never taken from the
program's output.
"""

from __future__ import annotations

import copy
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import finance
from fundmodel.catalog import FUND_LINES, FUND_METRICS, METRICS, lookup
from fundmodel.engine.model import run_model
from fundmodel.engine.repairs_fund import component_ages, component_due, replacement_line
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import uncertain_inputs

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "scenarios" / "sanqiao-standalone.yaml").read_text("utf-8"))
AREA = 10_000.0          # the standalone compound's floor area, m²


def scenario(fund: dict, **top) -> fundmodel.Scenario:
    data = copy.deepcopy(BASE)
    data.update(top)
    data["repairs_fund"] = fund
    return fundmodel.Scenario.model_validate(data)


def metric(result, name: str) -> float:
    return float(result.metrics[name].iloc[0])


def yearly(result, name: str) -> np.ndarray:
    return result.yearly()[name].to_numpy()


# --------------------------------------------------------------------------- reserve-study figures
def test_percent_funded_first_worked_example():
    """Roof 100,000 (life 20, remaining 8) + painting 60,000 (life 6, remaining 2) with 70,000
    in the fund: FFB = 100,000 × 12/20 + 60,000 × 4/6 = 60,000 + 40,000 = 100,000 → 70 %."""
    r = fundmodel.evaluate(scenario({"opening_balance": 70_000, "components": [
        {"name": "roof", "cost": 100_000, "useful_life_years": 20, "remaining_life_years": 8},
        {"name": "painting", "cost": 60_000, "useful_life_years": 6, "remaining_life_years": 2},
    ]}))
    assert yearly(r, "fully_funded_balance")[0] == pytest.approx(100_000, rel=1e-15)
    assert yearly(r, "percent_funded")[0] == pytest.approx(0.70, rel=1e-15)


def test_percent_funded_second_worked_example():
    """Roof 50,000 (life 20, age 1) + pool 20,000 (life 10, age 5) with 5,000: FFB = 2,500 +
    10,000 = 12,500 → 40 %."""
    r = fundmodel.evaluate(scenario({"opening_balance": 5_000, "components": [
        {"name": "roof", "cost": 50_000, "useful_life_years": 20, "age_years": 1},
        {"name": "pool", "cost": 20_000, "useful_life_years": 10, "age_years": 5},
    ]}))
    assert yearly(r, "fully_funded_balance")[0] == pytest.approx(12_500, rel=1e-15)
    assert yearly(r, "percent_funded")[0] == pytest.approx(0.40, rel=1e-15)


# --------------------------------------------------------------------------- timing conventions
def test_ages_and_replacement_years():
    """Life 4, remaining 3: ages at the start of years 1..12 are 1, 2, 3, 0, 1, 2, 3, 0, ...;
    replaced at the end of years 3, 7, 11 (age L − 1 = 3). Remaining = life: just renewed,
    age 0 in year 1, replaced at the end of year L."""
    ages = component_ages(np.array([4, 5, 1]), np.array([3, 5, 1]), 12)
    assert ages[0].tolist() == [1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert ages[1].tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]
    assert ages[2].tolist() == [0] * 12            # life 1: replaced every year
    assert (np.flatnonzero(ages[0] == 3) + 1).tolist() == [3, 7, 11]


def test_ages_and_replacement_years_of_the_reserve_study():
    """Reserve study: the age just before the year's replacements, L in a year of replacement
    (remaining life 0). Life 4, remaining 3: 1, 2, 3, 4, 1, 2, 3, 4, ... replaced in years 4,
    8, 12 (a year after the end-of-year convention's 3, 7, 11). Remaining = life (renewed by
    the renovation): 0 in year 1, then 1..5. Remaining 0 (due now): 3 in year 1, replaced in
    years 1, 4, 7, 10. Life 1: replaced every year from year 2."""
    ages = component_ages(np.array([4, 5, 3, 1]), np.array([3, 5, 0, 1]), 12, "reserve_study")
    assert ages[0].tolist() == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]
    assert ages[1].tolist() == [0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1]
    assert ages[2].tolist() == [3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]
    assert ages[3].tolist() == [0] + [1] * 11
    due = component_due(ages, np.array([4, 5, 3, 1]), "reserve_study")
    assert (np.flatnonzero(due[0]) + 1).tolist() == [4, 8, 12]
    assert (np.flatnonzero(due[2]) + 1).tolist() == [1, 4, 7, 10]
    assert (np.flatnonzero(due[3]) + 1).tolist() == list(range(2, 13))


def test_due_now_only_under_the_reserve_study():
    """Remaining life 0 (or age = life): under reserve_study replaced in year 1 at year-1
    prices, FFB_1 its whole cost (3,000 × 3/3), so 1,500 in the fund is 50 % funded; again in
    year 4 at 3,000 × 1.02³ (the scenario's inflation, 2 %). Refused under end_of_year
    (test_repairs_fund_malformed), where it would fall before operating year 1."""
    for life in ({"remaining_life_years": 0}, {"age_years": 3}):
        r = fundmodel.evaluate(scenario({"opening_balance": 1_500, "convention": "reserve_study",
                                         "components": [{"name": "pump", "cost": 3_000,
                                                         "useful_life_years": 3, **life}]},
                                        horizon_years=4))
        np.testing.assert_allclose(yearly(r, "fund_expenditure"),     # years 1 and 4
                                   [3_000, 0, 0, 3_000 * 1.02 ** 3], rtol=1e-15)
        assert yearly(r, "fully_funded_balance")[0] == 3_000
        assert yearly(r, "percent_funded")[0] == 0.5
        assert yearly(r, "fully_funded_balance")[1] == pytest.approx(3_000 * 1.02 / 3,
                                                                    rel=1e-15)


def test_replacement_costs_are_inflated_from_year_one():
    """Cost 1,000 in prices of operating year 1, growth 5 %, life 4, remaining 3: replaced at
    the end of years 3, 7, 11 at 1,000 × 1.05^(t − 1); written repairs fund → contractors."""
    sc = scenario({"components": [{"name": "lift", "cost": 1_000, "useful_life_years": 4,
                                   "remaining_life_years": 3, "growth": 0.05}]},
                  horizon_years=12)
    r = fundmodel.evaluate(sc)
    expected = np.zeros(12)
    for t in (3, 7, 11):
        expected[t - 1] = 1_000 * 1.05 ** (t - 1)
    np.testing.assert_allclose(yearly(r, "fund_expenditure"), expected, rtol=1e-13, atol=0)
    cf = r.cashflows()
    line = cf[cf.line == replacement_line("lift")]
    assert set(line.payer) == {"repairs_fund"} and set(line.payee) == {"contractors"}
    assert set(line.kind) == {"reserve"}
    assert line.year.min() == 1 and line.year.max() == 12      # operating years 1..12


def test_component_growth_defaults_to_inflation():
    sc = scenario({"components": [{"name": "roof", "cost": 1_000, "useful_life_years": 3,
                                   "remaining_life_years": 2}]})
    e = yearly(fundmodel.evaluate(sc), "fund_expenditure")
    assert e[1] == pytest.approx(1_000 * 1.02, rel=1e-14)          # inflation 0.02, year 2
    assert e[4] == pytest.approx(1_000 * 1.02 ** 4, rel=1e-14)     # year 5


def test_balance_interest_deposits_top_up_by_hand():
    """First deposit 30 CNY/m² × 10,000 m² = 300,000 at the end of year 0; top up below 30 %
    of it (90,000) back to 100 %; interest 2 % on the start-of-year balance; a lift of
    250,000 (no growth) replaced at the end of year 2; contribution 1 CNY/m² = 10,000 a year.

    year 1: 300,000 + 6,000 + 10,000          = 316,000
    year 2: 316,000 + 6,320 + 10,000 − 250,000 = 82,320 < 90,000 → top-up 217,680 → 300,000
    year 3: 300,000 + 6,000 + 10,000          = 316,000
    """
    sc = scenario({"first_deposit": {"per_m2": 30}, "contribution_per_m2_year": 1,
                   "top_up": {"trigger_share": 0.3, "restore_to_share": 1.0},
                   "interest": {"rate": 0.02},
                   "components": [{"name": "lift", "cost": 250_000, "useful_life_years": 15,
                                   "remaining_life_years": 2, "growth": 0}]})
    r = fundmodel.evaluate(sc)
    np.testing.assert_allclose(yearly(r, "fund_interest")[:3], [6_000, 6_320, 6_000], rtol=1e-14)
    np.testing.assert_allclose(yearly(r, "fund_deposits")[:3], [10_000] * 3, rtol=1e-15)
    np.testing.assert_allclose(yearly(r, "fund_top_up")[:3], [0, 217_680, 0], rtol=1e-12)
    np.testing.assert_allclose(yearly(r, "fund_balance")[:3], [316_000, 300_000, 316_000],
                               rtol=1e-14)
    assert metric(r, "fund_first_deposit") == 300_000
    assert metric(r, "fund_first_top_up_year") == 2
    assert metric(r, "fund_top_up_max_year") == pytest.approx(217_680, rel=1e-12)
    # the first deposit is on the ledger at the end of year 0, paid by the residents
    cf = r.cashflows()
    first = cf[cf.line == "repairs_fund.first_deposit"]
    assert first.year.tolist() == [0] and first.amount.tolist() == [300_000]
    assert first.payer.tolist() == ["residents"] and first.kind.tolist() == ["reserve"]
    interest = cf[cf.line == "repairs_fund.interest"]
    assert set(interest.payer) == {"deposit_bank"}


def test_first_deposit_from_construction_cost_share():
    """6 % of 2,500 CNY/m² × 10,000 m² = 1,500,000."""
    sc = scenario({"first_deposit": {"share_of_construction_cost": 0.06,
                                     "construction_cost_per_m2": 2_500}})
    assert metric(fundmodel.evaluate(sc), "fund_first_deposit") == pytest.approx(1.5e6, rel=1e-15)


def test_balance_is_the_ledger_flows_summed():
    """Opening balance + every flow into the fund − every flow out of it, year by year, is the
    year-end balance (the recursion and the ledger tell one story)."""
    sc = scenario({"opening_balance": 50_000, "first_deposit": {"per_m2": 20},
                   "contribution_per_m2_year": 2.5, "contribution_growth": 0.03,
                   "top_up": {"trigger_balance": 40_000, "restore_to_balance": 120_000},
                   "interest": {"rate": 0.015},
                   "components": [
                       {"name": "roof", "cost": 400_000, "useful_life_years": 20,
                        "remaining_life_years": 6},
                       {"name": "pipes", "cost": 150_000, "useful_life_years": 8, "age_years": 3},
                   ]})
    r = fundmodel.evaluate(sc)
    cf = r.cashflows()
    net = np.zeros(21)
    for _, row in cf.iterrows():
        if row.payee == "repairs_fund":
            net[row.year] += row.amount
        if row.payer == "repairs_fund":
            net[row.year] -= row.amount
    np.testing.assert_allclose(50_000 + np.cumsum(net)[1:], yearly(r, "fund_balance"),
                               rtol=1e-12)
    assert (yearly(r, "fund_balance") >= 40_000 - 1e-6).all()      # top-ups keep the trigger


def test_fund_changes_nothing_else():
    """A repairs fund adds its own lines and metrics and leaves every other number as it was,
    bit for bit; without the section there is none of them."""
    data = copy.deepcopy(BASE)
    plain = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    assert not set(plain.metrics.columns) & set(FUND_METRICS)
    assert not set(plain.yearly().columns) & set(FUND_LINES)
    with_fund = fundmodel.evaluate(scenario({"opening_balance": 1_000, "components": [
        {"name": "roof", "cost": 5_000, "useful_life_years": 10, "remaining_life_years": 4}]}))
    assert list(with_fund.metrics.columns) == list(plain.metrics.columns) + list(FUND_METRICS)
    for name in plain.metrics.columns:
        assert with_fund.metrics[name].iloc[0] == plain.metrics[name].iloc[0] or (
            np.isnan(plain.metrics[name].iloc[0]) and np.isnan(with_fund.metrics[name].iloc[0]))
    assert set(FUND_LINES) <= set(with_fund.yearly().columns)
    for name in FUND_METRICS:
        assert lookup(name).unit and name not in METRICS
    for name in FUND_LINES:
        assert lookup(name).unit


def test_percent_funded_undefined_when_nothing_is_due():
    """No component: the fully funded balance is 0 and percent funded is NaN (undefined)."""
    r = fundmodel.evaluate(scenario({"opening_balance": 10}))
    assert np.isnan(yearly(r, "percent_funded")).all()
    assert np.isnan(metric(r, "percent_funded_final"))
    assert metric(r, "level_contribution_full_per_m2") == 0.0


def test_residual_value_and_final_fully_funded_balance():
    """Roof 600,000 (life 20, remaining 5) and pipes 300,000 (life 10, remaining 3), horizon
    30, no growth: at the start of year 31 the roof (renewed at the end of year 25, age 0 at
    the start of year 26) is 5 years old and the pipes (end of year 23) 7: FFB = 600,000 ×
    5/20 + 300,000 × 7/10 = 360,000; residual 600,000 × 15/20 + 300,000 × 3/10 = 540,000;
    together the components' cost."""
    r = fundmodel.evaluate(thirty_years(0.0))
    assert metric(r, "component_residual_value") == pytest.approx(540_000, rel=1e-15)
    final = metric(r, "fund_balance_final")
    assert metric(r, "percent_funded_final") == pytest.approx(final / 360_000, rel=1e-14)


# --------------------------------------------------------------------------- funding goals
def thirty_years(contribution, threshold=None, top_up=None) -> fundmodel.Scenario:
    fund = {"opening_balance": 200_000, "contribution_per_m2_year": contribution,
            "components": [
                {"name": "roof", "cost": 600_000, "useful_life_years": 20,
                 "remaining_life_years": 5, "growth": 0},
                {"name": "pipes", "cost": 300_000, "useful_life_years": 10,
                 "remaining_life_years": 3, "growth": 0}]}
    if threshold is not None:
        fund["threshold"] = threshold
    if top_up is not None:
        fund["top_up"] = top_up
    return scenario(fund, horizon_years=30)


# The hand-worked 30-year cash flow: 10,000 m², opening balance 200,000, no interest, no growth.
# Roof 600,000 replaced at the end of years 5 and 25; pipes 300,000 at the end of 3, 13 and 23.
# B(0): the year-end balance without contributions; S = 10,000 × t, the balance 1 CNY/m²/year
# builds; B(14) = B(0) + 14 × S, at the baseline contribution (0 at the end of year 5).
#        year, expenditure, B(0),       B(14)
TABLE = [(1,    0,          200_000,    340_000),
         (2,    0,          200_000,    480_000),
         (3,    300_000,   -100_000,    320_000),
         (4,    0,         -100_000,    460_000),
         (5,    600_000,   -700_000,          0),
         (6,    0,         -700_000,    140_000),
         (7,    0,         -700_000,    280_000),
         (8,    0,         -700_000,    420_000),
         (9,    0,         -700_000,    560_000),
         (10,   0,         -700_000,    700_000),
         (11,   0,         -700_000,    840_000),
         (12,   0,         -700_000,    980_000),
         (13,   300_000, -1_000_000,    820_000),
         (14,   0,       -1_000_000,    960_000),
         (15,   0,       -1_000_000,  1_100_000),
         (16,   0,       -1_000_000,  1_240_000),
         (17,   0,       -1_000_000,  1_380_000),
         (18,   0,       -1_000_000,  1_520_000),
         (19,   0,       -1_000_000,  1_660_000),
         (20,   0,       -1_000_000,  1_800_000),
         (21,   0,       -1_000_000,  1_940_000),
         (22,   0,       -1_000_000,  2_080_000),
         (23,   300_000, -1_300_000,  1_920_000),
         (24,   0,       -1_300_000,  2_060_000),
         (25,   600_000, -1_900_000,  1_600_000),
         (26,   0,       -1_900_000,  1_740_000),
         (27,   0,       -1_900_000,  1_880_000),
         (28,   0,       -1_900_000,  2_020_000),
         (29,   0,       -1_900_000,  2_160_000),
         (30,   0,       -1_900_000,  2_300_000)]
# Baseline: max_t −B_t(0)/S_t = 700,000 / 50,000 = 14 (year 5; year 3: 100,000/30,000 = 3.3,
# year 13: 1,000,000/130,000 = 7.7, year 25: 1,900,000/250,000 = 7.6).
# Threshold, floor 100,000: max_t (100,000 − B_t(0))/S_t = 800,000/50,000 = 16 (year 5).
# Full: FFB at the start of year 31 = 360,000: the horizon alone asks (360,000 + 1,900,000)/
# 300,000 = 7.5333..., less than the baseline (at 7.53 the balance ends year 5 at −323,333);
# the full goal keeps the baseline's floor on the way: max(14, 7.5333) = 14 (issue 19).


def test_thirty_year_table():
    r0 = fundmodel.evaluate(thirty_years(0.0))
    years, spent, zero, at14 = (np.array(col, dtype=float) for col in zip(*TABLE))
    assert years.tolist() == list(range(1, 31))
    np.testing.assert_array_equal(yearly(r0, "fund_expenditure"), spent)
    np.testing.assert_array_equal(yearly(r0, "fund_balance"), zero)
    assert yearly(r0, "percent_funded")[0] == pytest.approx(200_000 / 660_000, rel=1e-15)
    r14 = fundmodel.evaluate(thirty_years(14.0))
    np.testing.assert_allclose(yearly(r14, "fund_balance"), at14, rtol=0, atol=1e-6)


def test_closed_form_goals_match_the_table():
    r = fundmodel.evaluate(thirty_years(3.0, threshold={"floor": 100_000}))
    assert metric(r, "level_contribution_baseline_per_m2") == pytest.approx(14.0, rel=1e-14)
    assert metric(r, "level_contribution_threshold_per_m2") == pytest.approx(16.0, rel=1e-14)
    assert metric(r, "level_contribution_full_per_m2") == pytest.approx(14.0, rel=1e-14)


def test_no_smaller_contribution_meets_the_goal():
    """At the closed-form contribution c the goal is met (to rounding); at c × (1 − 1e-9) it
    fails — evaluated through the engine with the contribution as a lever."""
    sc = thirty_years(3.0, threshold={"floor": 100_000})
    r = fundmodel.evaluate(sc)
    lever = "repairs_fund.contribution_per_m2_year"
    for goal, check in (("baseline", lambda b: b.min(axis=1) - 0.0),
                        ("threshold", lambda b: b.min(axis=1) - 100_000),
                        ("full", lambda b: np.minimum(b.min(axis=1),
                                                      b[:, -1] - 360_000))):
        c = metric(r, f"level_contribution_{goal}_per_m2")
        sweep = fundmodel.evaluate_batch(sc, {lever: [c, c * (1 - 1e-9)]})
        balance = np.stack([sweep_yearly(sweep, k) for k in range(2)])
        margin = check(balance)
        assert margin[0] >= -1e-6, goal               # met (to rounding of ~1e-10 CNY)
        assert margin[1] < -1e-4, goal                # c × (1 − 1e-9) falls short


def sweep_yearly(result, k: int) -> np.ndarray:
    """Variant k's fund balance (the yearly paths of a batch are kept)."""
    return np.asarray(result._yearly_paths["fund_balance"][k])


def test_threshold_defaults_to_the_top_up_trigger_and_goals_ignore_top_ups():
    """Without a threshold section the floor is the top-up trigger (here 100,000); the goals are
    solved with top-ups off, so they are those of the same fund without a top-up rule."""
    with_top = fundmodel.evaluate(thirty_years(
        1.0, top_up={"trigger_balance": 100_000, "restore_to_balance": 300_000}))
    assert metric(with_top, "level_contribution_threshold_per_m2") == pytest.approx(16.0,
                                                                                  rel=1e-14)
    assert metric(with_top, "level_contribution_baseline_per_m2") == pytest.approx(14.0,
                                                                                 rel=1e-14)
    assert metric(with_top, "fund_top_up_total") > 0
    assert metric(with_top, "fund_negative_years") == 0


def test_threshold_as_percent_funded():
    """percent_funded p: B_end_t ≥ p × FFB_{t+1}. Roof 100,000 (life 4, remaining 2, no
    growth), horizon 4, no interest, opening 0, 1,000 m² — by hand:
    ages at the start of years 2..5: 3, 0, 1, 2 → FFB 75,000, 0, 25,000, 50,000;
    B_t(0) = 0, −100,000, −100,000, −100,000; S_t = 1,000 t.
    p = 0.5: (37,500 − 0)/1,000, (0 + 100,000)/2,000, (12,500 + 100,000)/3,000,
    (25,000 + 100,000)/4,000 → max(37.5, 50, 37.5, 31.25) = 50. Full: the horizon alone
    asks (50,000 + 100,000)/4,000 = 37.5, below the baseline's 50 (year 2), so 50."""
    data = copy.deepcopy(BASE)
    data["compound"]["floor_area_m2"] = 1_000
    data["horizon_years"] = 4
    data["repairs_fund"] = {"threshold": {"percent_funded": 0.5}, "components": [
        {"name": "roof", "cost": 100_000, "useful_life_years": 4, "remaining_life_years": 2,
         "growth": 0}]}
    r = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    assert metric(r, "level_contribution_threshold_per_m2") == pytest.approx(50.0, rel=1e-14)
    assert metric(r, "level_contribution_baseline_per_m2") == pytest.approx(50.0, rel=1e-14)
    assert metric(r, "level_contribution_full_per_m2") == pytest.approx(50.0, rel=1e-14)


# ------------------------------------------------------ the closed form against exact arithmetic
def exact_goals(area, opening, rate, growth_c, components, horizon, floor, percent,
                convention="end_of_year"):
    """The least contributions in exact rational arithmetic: B_t(0), S_t and FFB_t by their
    definitions, the goals by brute reading of the affine form. The ages by counting: the
    component is L − r years old at the start of year 1 and one year older at each next
    start; end_of_year: replaced at the end of the year it starts at L − 1 (so 0 at the next
    start); reserve_study: replaced in the year it starts at L (so 1 at the next start)."""
    F = Fraction
    i, gc = F(rate), F(growth_c)
    spent = [F(0)] * (horizon + 1)
    ffb = [F(0)] * (horizon + 2)
    for cost, life, left, g in components:
        age = life - left
        for t in range(1, horizon + 2):
            price = F(cost) * (1 + F(g)) ** (t - 1)
            ffb[t] += price * age / life
            due = age == (life if convention == "reserve_study" else life - 1)
            if t <= horizon and due:
                spent[t] += price
            age = (1 if convention == "reserve_study" else 0) if due else age + 1
    b, s = F(opening), F(0)
    zero, unit = [None], [None]
    for t in range(1, horizon + 1):
        b = b + b * i - spent[t]
        s = s + s * i + F(area) * (1 + gc) ** (t - 1)
        zero.append(b)
        unit.append(s)
    years = range(1, horizon + 1)
    baseline = max([F(0)] + [-zero[t] / unit[t] for t in years])
    thresh = max([F(0)] + [(F(floor) + F(percent) * ffb[t + 1] - zero[t]) / unit[t]
                           for t in years])
    full = max(baseline, (ffb[horizon + 1] - zero[horizon]) / unit[horizon])
    return {"baseline": baseline, "threshold": thresh, "full": full}


component_st = st.tuples(st.floats(1e3, 1e6), st.integers(1, 25), st.integers(1, 25),
                         st.floats(0.0, 0.06)).map(
    lambda c: (c[0], c[1], min(c[2], c[1]), c[3]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=st.floats(500, 1e5), opening=st.floats(0, 2e6), rate=st.floats(0.0, 0.05),
       growth_c=st.floats(0.0, 0.05), components=st.lists(component_st, min_size=1, max_size=3),
       horizon=st.integers(5, 30), floor=st.floats(0, 5e5), percent=st.floats(0, 1),
       by_percent=st.booleans(), convention=st.sampled_from(["end_of_year", "reserve_study"]),
       due_now=st.booleans())
def test_closed_form_is_the_least_contribution(area, opening, rate, growth_c, components,
                                               horizon, floor, percent, by_percent,
                                               convention, due_now):
    """For random funds, under either convention, the closed form is within 1e-9 of the exact
    least contribution: the goal is met at c (to 1e-9) and c × (1 − 1e-9) < the exact least
    one, so it fails. (Under reserve_study the first component may be due in year 1.)"""
    if convention == "reserve_study" and due_now:
        components = [components[0][:2] + (0,) + components[0][3:], *components[1:]]
    data = copy.deepcopy(BASE)
    data["compound"]["floor_area_m2"] = area
    data["horizon_years"] = horizon
    data["repairs_fund"] = {
        "opening_balance": opening, "contribution_per_m2_year": 1.0,
        "contribution_growth": growth_c, "interest": {"rate": rate},
        "threshold": {"percent_funded": percent} if by_percent else {"floor": floor},
        "convention": convention,
        "components": [{"name": f"c{k}", "cost": c, "useful_life_years": life,
                        "remaining_life_years": left, "growth": g}
                       for k, (c, life, left, g) in enumerate(components)]}
    r = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    exact = exact_goals(area, opening, rate, growth_c, components, horizon,
                        0.0 if by_percent else floor, percent if by_percent else 0.0,
                        convention)
    for goal, least in exact.items():
        c = metric(r, f"level_contribution_{goal}_per_m2")
        if least == 0:
            assert c == 0.0, goal
            continue
        assert Fraction(c) * (1 + Fraction(1, 10**9)) >= least, goal     # c meets the goal
        assert Fraction(c) * (1 - Fraction(1, 10**9)) < least, goal      # a smaller one fails


@settings(max_examples=25, deadline=None)
@given(costs=st.lists(st.tuples(st.floats(0, 1e6), st.integers(1, 30), st.integers(1, 30),
                                st.floats(-0.02, 0.08)), min_size=1, max_size=4),
       horizon=st.integers(1, 40), convention=st.sampled_from(["end_of_year", "reserve_study"]))
def test_fully_funded_plus_residual_is_the_cost(costs, horizon, convention):
    """At the horizon, FFB_{T+1} + residual = Σ cost_{T+1}: age/L + remaining/L = 1."""
    comps = [{"name": f"c{k}", "cost": c, "useful_life_years": life,
              "remaining_life_years": min(left, life), "growth": g}
             for k, (c, life, left, g) in enumerate(costs)]
    r = fundmodel.evaluate(scenario({"opening_balance": 100, "components": comps,
                                     "convention": convention}, horizon_years=horizon))
    total = math.fsum(c * (1 + g) ** horizon for c, _, _, g in costs)
    final = metric(r, "fund_balance_final")
    pf = metric(r, "percent_funded_final")
    ffb = final / pf if np.isfinite(pf) and pf != 0 else None
    residual = metric(r, "component_residual_value")
    if ffb is not None:
        assert ffb + residual == pytest.approx(total, rel=1e-9, abs=1e-6)
    else:
        assert residual <= total * (1 + 1e-9) + 1e-6


# ------------------------------------------------ conventions and the full goal (issue 19, 6)
def one_lift(convention: str) -> fundmodel.Result:
    """One component of 3,000 (life 3, remaining life 2, its cost growing 2.5 % a year), 1,000
    m², an opening balance of 1,000 and 1 CNY/m²/year (1,000 a year), no interest, 7 years."""
    data = copy.deepcopy(BASE)
    data["compound"]["floor_area_m2"] = 1_000
    data["horizon_years"] = 7
    data["repairs_fund"] = {
        "opening_balance": 1_000, "contribution_per_m2_year": 1.0, "convention": convention,
        "components": [{"name": "lift", "cost": 3_000, "useful_life_years": 3,
                        "remaining_life_years": 2, "growth": 0.025}]}
    return fundmodel.evaluate(fundmodel.Scenario.model_validate(data))


# The lift's cost at year-t prices, 3,000 × 1.025^(t − 1), t = 1..8 — the one index both the
# replacements and the fully funded balance use:
#   3,000; 3,075; 3,151.875; 3,230.671875; 3,311.438671875; 3,394.224638671875;
#   3,479.080254638671875; 3,566.057261004638671875
COST = [3_000 * 1.025 ** (t - 1) for t in range(1, 9)]


def test_reserve_study_fully_funded_balance_by_hand():
    """The reserve-study convention: remaining life RL at the start of each year, counting
    down 2, 1, 0 and back to L − 1 = 2 after the replacement in the year it is 0;
    FFB_t = cost_t × (L − RL_t)/L, measured just before the year's replacement, which is paid
    within that year at cost_t — the FFB of a year with RL 0 is the replacement's price.

    year RL age cost_t            FFB_t                  B_start           E_t          B_end
    1    2  1   3,000             3,000 × 1/3 = 1,000    1,000             0            2,000
    2    1  2   3,075             3,075 × 2/3 = 2,050    2,000             0            3,000
    3    0  3   3,151.875         3,151.875 × 3/3        3,000             3,151.875    848.125
    4    2  1   3,230.671875      × 1/3 = 1,076.890625   848.125           0            1,848.125
    5    1  2   3,311.438671875   × 2/3 = 2,207.62578125 1,848.125         0            2,848.125
    6    0  3   3,394.2246386719  × 3/3                  2,848.125         3,394.2246…  453.9003613281
    7    2  1   3,479.0802546387  × 1/3 = 1,159.6934182 453.9003613281    0            1,453.9003613281
    (8   1  2   3,566.0572610046  × 2/3 = 2,377.3715073: the FFB at the horizon)
    B_end_t = B_start_t + 1,000 − E_t; percent funded B_start_t / FFB_t.
    """
    r = one_lift("reserve_study")
    ffb = [COST[0] / 3, COST[1] * 2 / 3, COST[2], COST[3] / 3, COST[4] * 2 / 3, COST[5],
           COST[6] / 3]
    np.testing.assert_allclose(ffb[:5], [1_000, 2_050, 3_151.875, 1_076.890625,
                                         2_207.62578125], rtol=1e-15)
    np.testing.assert_allclose(yearly(r, "fully_funded_balance"), ffb, rtol=1e-14)
    spent = [0, 0, COST[2], 0, 0, COST[5], 0]
    np.testing.assert_allclose(yearly(r, "fund_expenditure"), spent, rtol=1e-14)
    # one index: the replacement of year 3 is FFB_3, the whole cost at year-3 prices
    assert yearly(r, "fund_expenditure")[2] == pytest.approx(ffb[2], rel=1e-15)
    end = [2_000, 3_000, 848.125, 1_848.125, 2_848.125, 3_848.125 - COST[5],
           4_848.125 - COST[5]]
    np.testing.assert_allclose(yearly(r, "fund_balance"), end, rtol=1e-13)
    start = [1_000] + end[:-1]
    np.testing.assert_allclose(yearly(r, "percent_funded"), np.divide(start, ffb), rtol=1e-13)
    assert metric(r, "percent_funded_final") == pytest.approx(end[-1] / (COST[7] * 2 / 3),
                                                              rel=1e-13)
    # residual: RL 1 of 3 at the start of year 8
    assert metric(r, "component_residual_value") == pytest.approx(COST[7] / 3, rel=1e-14)
    # goals: B_t(0) = 1,000, 1,000, then −2,151.875 (years 3–5), −5,546.0996386719 (6–7);
    # S_t = 1,000 t. Baseline: max(2,151.875/3,000, 5,546.0996/6,000) = year 6's 0.92435;
    # full: max(that, (2,377.3715 + 5,546.0996)/7,000 = 1.13192)
    zero6 = 1_000 - COST[2] - COST[5]
    assert metric(r, "level_contribution_baseline_per_m2") == pytest.approx(-zero6 / 6_000,
                                                                            rel=1e-13)
    assert metric(r, "level_contribution_full_per_m2") == pytest.approx(
        (COST[7] * 2 / 3 - zero6) / 7_000, rel=1e-13)


def test_end_of_year_convention_on_the_same_component_by_hand():
    """The default convention on the same fund: the age at the start of each year after the
    replacements at the end of the year before, (L − r + t − 1) mod L = 1, 2, 0, 1, 2, 0, 1;
    replaced at the end of the year it starts at L − 1 = 2 (years 2 and 5) at that year's
    prices, which is what its share of the FFB reaches at age 3 in the same prices (FFB_2 =
    3,075 × 2/3 = 2,050 → 3,075 × 3/3 = 3,075, the price paid).

    year age FFB_t                   B_start           E_t (year end)     B_end
    1    1   1,000                   1,000             0                  2,000
    2    2   2,050                   2,000             3,075              −75
    3    0   0 (percent undefined)   −75               0                  925
    4    1   1,076.890625            925               0                  1,925
    5    2   2,207.62578125          1,925             3,311.438671875    −386.438671875
    6    0   0                       −386.438671875    0                  613.561328125
    7    1   1,159.6934182129        613.561328125     0                  1,613.561328125
    (8   2   2,377.3715073364: the same FFB as the reserve study's, both 2 years old)
    """
    r = one_lift("end_of_year")
    ffb = [1_000, 2_050, 0, COST[3] / 3, COST[4] * 2 / 3, 0, COST[6] / 3]
    np.testing.assert_allclose(yearly(r, "fully_funded_balance"), ffb, rtol=1e-14, atol=0)
    np.testing.assert_allclose(yearly(r, "fund_expenditure"), [0, 3_075, 0, 0, COST[4], 0, 0],
                               rtol=1e-14, atol=0)
    assert COST[4] == pytest.approx(3_311.438671875, rel=1e-15)
    end = [2_000, -75, 925, 1_925, 2_925 - COST[4], 3_925 - COST[4], 4_925 - COST[4]]
    np.testing.assert_allclose(yearly(r, "fund_balance"), end, rtol=1e-13)
    pf = yearly(r, "percent_funded")
    assert np.isnan(pf[[2, 5]]).all()
    np.testing.assert_allclose(pf[[0, 1, 3, 4, 6]], [1_000 / 1_000, 2_000 / 2_050,
                                                     925 / ffb[3], 1_925 / ffb[4],
                                                     end[5] / ffb[6]], rtol=1e-13)
    assert metric(r, "percent_funded_final") == pytest.approx(end[-1] / (COST[7] * 2 / 3),
                                                              rel=1e-13)
    # goals: B_t(0) = 1,000, −2,075 (years 2–4), 1,000 − 3,075 − 3,311.438671875 =
    # −5,386.438671875 (5–7). Baseline: max(2,075/2,000 = 1.0375, 5,386.4387/5,000 =
    # 1.0772877) = 1.077287734375; full: (2,377.3715 + 5,386.4387)/7,000 = 1.1091157
    assert metric(r, "level_contribution_baseline_per_m2") == pytest.approx(
        5_386.438671875 / 5_000, rel=1e-13)
    assert metric(r, "level_contribution_full_per_m2") == pytest.approx(
        (COST[7] * 2 / 3 + 5_386.438671875) / 7_000, rel=1e-13)


@settings(max_examples=30, deadline=None)
@given(component=component_st, horizon=st.integers(1, 40),
       convention=st.sampled_from(["end_of_year", "reserve_study"]))
def test_one_cost_index_for_the_replacement_and_the_fully_funded_balance(component, horizon,
                                                                         convention):
    """A replacement costs what the component's share of the fully funded balance reaches at
    age L in the same year's prices: under reserve_study the year's FFB is the price paid that
    year (E_t = FFB_t); under end_of_year the FFB at the start of the year is (L − 1)/L of it
    (E_t × (L − 1)/L = FFB_t), the last 1/L being used up during the year."""
    cost, life, left, growth = component
    r = fundmodel.evaluate(scenario({"convention": convention, "components": [
        {"name": "c", "cost": cost, "useful_life_years": life, "remaining_life_years": left,
         "growth": growth}]}, horizon_years=horizon))
    spent, ffb = yearly(r, "fund_expenditure"), yearly(r, "fully_funded_balance")
    paid = spent > 0
    share = 1.0 if convention == "reserve_study" else (life - 1) / life
    np.testing.assert_allclose(ffb[paid], spent[paid] * share, rtol=1e-13)
    prices = cost * (1 + growth) ** np.arange(horizon)              # year-t prices
    np.testing.assert_allclose(spent[paid], prices[paid], rtol=1e-13)


def two_components(convention: str = "end_of_year", contribution: float = 0.0):
    """Roof 100,000 (life 40) and lifts 50,000 (life 20), both with 8 years left, no growth,
    no interest, opening 0, 1,000 m², 10 years."""
    data = copy.deepcopy(BASE)
    data["compound"]["floor_area_m2"] = 1_000
    data["horizon_years"] = 10
    data["repairs_fund"] = {"contribution_per_m2_year": contribution, "convention": convention,
                            "components": [
        {"name": "roof", "cost": 100_000, "useful_life_years": 40, "remaining_life_years": 8,
         "growth": 0},
        {"name": "lifts", "cost": 50_000, "useful_life_years": 20, "remaining_life_years": 8,
         "growth": 0}]}
    return fundmodel.evaluate(fundmodel.Scenario.model_validate(data))


def test_full_goal_never_below_the_baseline_floor_by_hand():
    """The bug: the full goal was read at the horizon only. Both components are replaced at
    the end of year 8: B_t(0) = 0 (t < 8), −150,000 (t ≥ 8); S_t = 1,000 t.
    Baseline: 150,000 / 8,000 = 18.75 CNY/m²/year (18,750 a year; year 9: 16.67, 10: 15).
    At the start of year 11 both are 2 years old: FFB_11 = 100,000 × 2/40 + 50,000 × 2/20 =
    5,000 + 5,000 = 10,000. The horizon alone asks (10,000 + 150,000) / 10,000 = 16 (16,000 a
    year), with which year 8 ends at 8 × 16,000 − 150,000 = −22,000. Full = max(18.75, 16) =
    18.75: year 8 ends at 0, year 10 at 187,500 − 150,000 = 37,500 ≥ 10,000.

    Reserve study: the two are replaced in year 9 (their remaining life 0 then), so the
    baseline is 150,000 / 9,000 = 16.667; FFB_11 is the same 10,000 (2 years old at its start)
    and the horizon asks 16 again: full = 16.667."""
    r = two_components()
    assert metric(r, "level_contribution_baseline_per_m2") == pytest.approx(18.75, rel=1e-14)
    assert metric(r, "level_contribution_full_per_m2") == pytest.approx(18.75, rel=1e-14)
    at16 = yearly(two_components(contribution=16.0), "fund_balance")
    assert at16[7] == pytest.approx(-22_000, rel=1e-14)             # what 16 did
    at_full = yearly(two_components(contribution=18.75), "fund_balance")
    assert at_full.min() == pytest.approx(0.0, abs=1e-9)
    assert at_full[-1] == pytest.approx(37_500, rel=1e-14)
    rs = two_components("reserve_study")
    assert metric(rs, "level_contribution_baseline_per_m2") == pytest.approx(150 / 9, rel=1e-14)
    assert metric(rs, "level_contribution_full_per_m2") == pytest.approx(150 / 9, rel=1e-14)
    assert metric(two_components("reserve_study", 150 / 9), "percent_funded_final") == \
        pytest.approx((10 * 150_000 / 9 - 150_000) / 10_000, rel=1e-13)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=st.floats(500, 1e5), opening=st.floats(0, 2e6), rate=st.floats(0.0, 0.05),
       growth_c=st.floats(-0.02, 0.05), components=st.lists(component_st, min_size=1,
                                                            max_size=4),
       horizon=st.integers(1, 30), convention=st.sampled_from(["end_of_year", "reserve_study"]),
       due_now=st.booleans())
def test_full_goal_is_at_least_the_baseline_and_keeps_the_balance_above_zero(
        area, opening, rate, growth_c, components, horizon, convention, due_now):
    """For random funds under either convention: the full goal's contribution ≥ the
    baseline's, and at it the balance never falls below 0 (the baseline's floor) and ends at
    least 100 % funded."""
    if convention == "reserve_study" and due_now:
        components = [components[0][:2] + (0,) + components[0][3:], *components[1:]]
    data = copy.deepcopy(BASE)
    data["compound"]["floor_area_m2"] = area
    data["horizon_years"] = horizon
    fund = {"opening_balance": opening, "contribution_growth": growth_c,
            "interest": {"rate": rate}, "convention": convention,
            "components": [{"name": f"c{k}", "cost": c, "useful_life_years": life,
                            "remaining_life_years": left, "growth": g}
                           for k, (c, life, left, g) in enumerate(components)]}
    data["repairs_fund"] = fund
    r = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    full = metric(r, "level_contribution_full_per_m2")
    assert full >= metric(r, "level_contribution_baseline_per_m2")
    data["repairs_fund"] = {**fund, "contribution_per_m2_year": full}
    at_full = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    scale = opening + sum(c * 1.06 ** horizon for c, *_ in components) * (horizon + 1)
    assert metric(at_full, "fund_balance_min") >= -1e-12 * scale
    pf = metric(at_full, "percent_funded_final")
    assert np.isnan(pf) or pf >= 1 - 1e-9


# --------------------------------------------------------------------------- NIST life-cycle cost
def test_expenditure_pv_with_spv_and_real_nominal_consistency():
    """Cost 100,000 growing 2 % a year, life 5, remaining 3: replaced at the end of years 3, 8,
    13, 18 at 100,000 × 1.02^(t − 1). Nominal rate (1.04)(1.02) − 1 = 0.0608. The PV in
    nominal terms Σ E_t SPV(0.0608, t) equals the PV in real terms: the replacement in year-0
    prices E_t / 1.02^t at the real rate, Σ (E_t / 1.02^t) SPV(0.04, t)."""
    sc = scenario({"components": [{"name": "roof", "cost": 100_000, "useful_life_years": 5,
                                   "remaining_life_years": 3, "growth": 0.02}]})
    pv = metric(fundmodel.evaluate(sc), "fund_expenditure_pv")
    spent = {t: 100_000 * 1.02 ** (t - 1) for t in (3, 8, 13, 18)}
    nominal = math.fsum(e / 1.0608 ** t for t, e in spent.items())
    real = math.fsum((e / 1.02 ** t) / 1.04 ** t for t, e in spent.items())
    assert nominal == pytest.approx(real, rel=1e-13)
    assert pv == pytest.approx(nominal, rel=1e-12)
    assert pv == pytest.approx(math.fsum(e * finance.spv(0.0608, t) for t, e in spent.items()),
                               rel=1e-13)


def test_contributions_pv_with_upv_star():
    """c = 2 CNY/m²/year on 10,000 m² growing 3 %: payments 20,000 × 1.03^(t − 1) at the end of
    years 1..20. PV = Σ 20,000 × 1.03^(t − 1) / 1.0608^t = 20,000 / 1.03 × UPV*(0.0608, 0.03,
    20). In real terms: escalation (1.03/1.02) − 1 at the real rate 0.04, the same UPV*."""
    sc = scenario({"contribution_per_m2_year": 2, "contribution_growth": 0.03})
    pv = metric(fundmodel.evaluate(sc), "fund_contributions_pv")
    by_hand = math.fsum(20_000 * 1.03 ** (t - 1) / 1.0608 ** t for t in range(1, 21))
    assert pv == pytest.approx(by_hand, rel=1e-12)
    real = finance.upv_star(0.04, 1.03 / 1.02 - 1, 20)
    assert finance.upv_star(0.0608, 0.03, 20) == pytest.approx(real, rel=1e-13)
    # a three-year figure by hand: q = 1.03/1.0608, UPV* = q + q² + q³
    q = 1.03 / 1.0608
    assert finance.upv_star(0.0608, 0.03, 3) == pytest.approx(q + q * q + q ** 3, rel=1e-14)


def test_two_construction_years_shift_the_fund():
    """With works over two years, year 0 of the fund is the second construction year (index
    1): the first deposit falls there, operating year t is index t + 1 and is discounted so."""
    data = copy.deepcopy(BASE)
    data["renovation"]["items"][0]["schedule"] = [0.5, 0.5]
    data["repairs_fund"] = {"first_deposit": {"per_m2": 10},
                            "components": [{"name": "roof", "cost": 10_000,
                                            "useful_life_years": 5, "remaining_life_years": 1,
                                            "growth": 0}]}
    r = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    cf = r.cashflows()
    assert cf[cf.line == "repairs_fund.first_deposit"].year.tolist() == [1]
    assert cf[cf.line == "repairs_fund.contributions"].year.min() == 2
    spent = {t: 10_000.0 for t in (1, 6, 11, 16)}
    pv = math.fsum(e / 1.0608 ** (t + 1) for t, e in spent.items())
    assert metric(r, "fund_expenditure_pv") == pytest.approx(pv, rel=1e-12)


# --------------------------------------------------------------------------- draws and levers
UNCERTAIN_FUND = {"opening_balance": 100_000,
                  "contribution_per_m2_year": {"dist": "uniform", "low": 0.5, "high": 2.0},
                  "interest": {"rate": {"dist": "triangular", "low": 0.0, "mode": 0.015,
                                        "high": 0.03}},
                  "top_up": {"trigger_balance": 50_000, "restore_to_balance": 150_000},
                  "components": [
                      {"name": "roof", "cost": {"dist": "pert", "low": 3e5, "mode": 4e5,
                                                "high": 6e5},
                       "useful_life_years": 20, "remaining_life_years": 7},
                      {"name": "cameras", "cost": 80_000, "useful_life_years": 6,
                       "age_years": 2}]}


def test_constant_lines_keep_a_draw_axis_of_one():
    sc = scenario(UNCERTAIN_FUND)
    values = {p: np.asarray(d.ppf(np.linspace(0.2, 0.8, 4)), dtype=float)
              for p, d in uncertain_inputs(sc).items()}
    out = run_model(model_inputs(sc, values, 4))
    assert out.ledger[replacement_line("cameras")].shape[0] == 1      # nothing uncertain
    assert out.ledger[replacement_line("roof")].shape[0] == 4
    assert out.ledger["repairs_fund.contributions"].shape[0] == 4
    assert out.metrics["fund_balance_final"].shape == (4,)
    # each draw is the run of its own point: draws never interact
    for k in range(4):
        one = run_model(model_inputs(sc, {p: v[k:k + 1] for p, v in values.items()}, 1))
        for name in FUND_METRICS:
            np.testing.assert_array_equal(one.metrics[name], out.metrics[name][k:k + 1])


def test_monte_carlo_chunks_change_no_bit():
    sc = scenario(UNCERTAIN_FUND)
    a = fundmodel.simulate(sc, draws=3_000, seed=3, chunk_size=1_000)
    b = fundmodel.simulate(sc, draws=3_000, seed=3, chunk_size=3_000)
    cols = list(FUND_METRICS)
    np.testing.assert_array_equal(a.metrics[cols].to_numpy(), b.metrics[cols].to_numpy())
    assert a.summary().loc["fund_balance_final", "unit"] == "CNY"
    assert a.yearly()["fund_balance"].shape == (20,)


def test_contribution_is_a_lever():
    """evaluate_batch sweeps the contribution; each variant equals evaluate with --set."""
    sc = scenario({"opening_balance": 10_000, "components": [
        {"name": "roof", "cost": 200_000, "useful_life_years": 15, "remaining_life_years": 4}]})
    lever = "repairs_fund.contribution_per_m2_year"
    sweep = fundmodel.evaluate_batch(sc, {lever: [0.5, 3.0]})
    for k, value in enumerate((0.5, 3.0)):
        data = copy.deepcopy(BASE)
        data["repairs_fund"] = sc.repairs_fund.model_dump(mode="json", exclude_none=True)
        data["repairs_fund"]["contribution_per_m2_year"] = value
        one = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
        for name in FUND_METRICS:
            a, b = sweep.metrics[name].iloc[k], one.metrics[name].iloc[0]
            assert a == b or (np.isnan(a) and np.isnan(b)), name


def test_memory_estimate_counts_the_fund():
    from fundmodel.run import montecarlo
    plain = fundmodel.Scenario.model_validate(copy.deepcopy(BASE))
    sc = scenario(UNCERTAIN_FUND)
    a = montecarlo.memory_estimate(plain, 1000, 1000, True, True, 1, 4)
    b = montecarlo.memory_estimate(sc, 1000, 1000, True, True, 1, 4)
    assert b["per-draw table"][0] - a["per-draw table"][0] == len(FUND_METRICS) * 1000 * 8
    # 7 yearly lines + contributions, interest, top-ups and 2 components, over 20 years
    assert b["yearly paths"][0] - a["yearly paths"][0] == (7 + 3 + 2) * 20 * 1000 * 8


# --------------------------------------------------------------------------- the docs
DOC = (ROOT / "docs" / "repairs-fund.md").read_text(encoding="utf-8")
FORMAT = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
SECTION = FORMAT.split("## `repairs_fund`")[1].split("\n## ")[0]


def _doc_fund(text: str) -> dict:
    return yaml.safe_load(text.split("```yaml\n")[1].split("```")[0])["repairs_fund"]


def test_every_key_is_documented():
    from fundmodel.scenario import repairs_fund as rf
    for model in (rf.RepairsFund, rf.FirstDeposit, rf.FundTopUp, rf.FundInterest, rf.Component,
                  rf.FundThreshold):
        for name in model.model_fields:
            assert re.search(rf"`[^`]*\b{name}\b[^`]*`", SECTION), f"{model.__name__}.{name}"
    for name in [*FUND_METRICS, *FUND_LINES]:
        assert f"`{name}`" in SECTION, name
    explained = [*FUND_LINES, "percent_funded_final", "level_contribution_baseline_per_m2",
                 "level_contribution_threshold_per_m2", "level_contribution_full_per_m2",
                 "fund_expenditure_pv", "fund_contributions_pv"]
    for name in explained:                     # their formulas are in docs/repairs-fund.md
        assert re.search(rf"`[^`]*\b{name}\b[^`]*`", DOC), name


def test_the_format_example_runs():
    r = fundmodel.simulate(scenario(_doc_fund(SECTION)), draws=200, seed=1)
    assert r.metrics["fund_first_deposit"].iloc[0] == pytest.approx(0.06 * 2_500 * AREA)


def test_the_worked_example_of_the_docs():
    """The table of docs/repairs-fund.md, worked by hand there, is what the model gives."""
    r = fundmodel.evaluate(scenario(_doc_fund(DOC), horizon_years=6))
    np.testing.assert_allclose(yearly(r, "fund_interest"),
                               [1_400, 1_628, 1_200, 1_424, 1_652.48, 1_885.5296], rtol=1e-13)
    np.testing.assert_allclose(yearly(r, "fund_top_up"), [0, 26_972, 0, 0, 0, 0], rtol=1e-13)
    np.testing.assert_allclose(yearly(r, "fund_balance"),
                               [81_400, 60_000, 71_200, 82_624, 94_276.48, 106_162.0096],
                               rtol=1e-13)
    np.testing.assert_allclose(yearly(r, "fully_funded_balance"),
                               [100_000, 115_000, 70_000, 85_000, 100_000, 115_000], rtol=1e-15)
    np.testing.assert_allclose(yearly(r, "percent_funded"),
                               [0.7, 81_400 / 115_000, 60_000 / 70_000, 71_200 / 85_000,
                                82_624 / 100_000, 94_276.48 / 115_000], rtol=1e-13)
    assert metric(r, "percent_funded_final") == pytest.approx(106_162.0096 / 130_000, rel=1e-13)
    assert metric(r, "component_residual_value") == pytest.approx(30_000, rel=1e-15)
    assert metric(r, "level_contribution_baseline_per_m2") == 0.0
    threshold = metric(r, "level_contribution_threshold_per_m2")
    assert threshold == pytest.approx(27_172 / 20_200, rel=1e-13)
    full = metric(r, "level_contribution_full_per_m2")
    assert full == pytest.approx((130_000 - 13_885.43974848) / 63_081.209632, rel=1e-12)
    assert f"{threshold:.4f}" in DOC and f"{full:.4f}" in DOC
    # the claims below the table: the threshold contribution keeps 40,000 without top-ups,
    # the full one reaches 100 % funded at the horizon
    fund = _doc_fund(DOC)
    del fund["top_up"]
    fund["threshold"] = {"floor": 40_000}
    for c, check in ((threshold, lambda b, rr: b.min() >= 40_000 - 1e-6),
                     (full, lambda b, rr: metric(rr, "percent_funded_final") >= 1 - 1e-12)):
        fund["contribution_per_m2_year"] = c
        rr = fundmodel.evaluate(scenario(fund, horizon_years=6))
        assert check(yearly(rr, "fund_balance"), rr)


def test_threshold_default_is_the_trigger_share_of_the_first_deposit():
    """Trigger 30 % of a first deposit of 200,000 = 60,000: the threshold goal is the same as
    with threshold.floor 60,000."""
    fund = {"first_deposit": {"per_m2": 20}, "top_up": {"trigger_share": 0.3},
            "components": [{"name": "roof", "cost": 500_000, "useful_life_years": 20,
                            "remaining_life_years": 3}]}
    a = metric(fundmodel.evaluate(scenario(fund)), "level_contribution_threshold_per_m2")
    del fund["top_up"]
    fund["threshold"] = {"floor": 60_000}
    b = metric(fundmodel.evaluate(scenario(fund)), "level_contribution_threshold_per_m2")
    assert a == b and a > 0


def test_handbook_table_figures_through_the_fund():
    """NIST Handbook 135's tables at d = 3 %: SPV(10) = 0.7441 and UPV(10) = 8.530 (also pinned
    in test_nist). A 1,000,000 replacement at the end of year 10 (no growth, no inflation) has
    a PV of 0.7441 × 1,000,000 to four digits; 1 CNY/m² on 10,000 m² for 10 years, 8.530 ×
    10,000."""
    sc = scenario({"contribution_per_m2_year": 1.0,
                   "components": [{"name": "roof", "cost": 1e6, "useful_life_years": 30,
                                   "remaining_life_years": 10, "growth": 0}]},
                  discount_rate=0.03, inflation=0.0, horizon_years=10)
    r = fundmodel.evaluate(sc)
    assert round(metric(r, "fund_expenditure_pv") / 1e6, 4) == 0.7441
    assert round(metric(r, "fund_contributions_pv") / AREA, 3) == 8.530
