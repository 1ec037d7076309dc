"""Service models in the operating phase (issue 9, item 1), against hand calculations written
out here: staffing norms, a shared contract split by a key, menu packages, a fee per household,
the fallback payer up to a cap, ageing repairs, a collection ramp, time-limited lines and smart
devices."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import Scenario, evaluate
from fundmodel.catalog import lookup
from fundmodel.engine.model_inputs import FallbackInputs
from fundmodel.engine.operations import fallback_recursion
from fundmodel.run.montecarlo import memory_estimate


def base() -> dict:
    """One compound of 100 households on 12,000 m², no inflation, a fee of 0 unless a test sets
    one: each line's figure is easy to follow."""
    return {
        "name": "service",
        "start_year": 2025,
        "horizon_years": 5,
        "discount_rate": 0.05,
        "inflation": 0.0,
        "compound": {"name": "c", "households": 100, "floor_area_m2": 12000},
        "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 1,
                                  "unit_cost": 1000}]},
        "operations": {"property_fee": {"rate_per_m2_month": 0.0}, "costs": []},
    }


def run(d: dict) -> fundmodel.Result:
    return evaluate(Scenario.model_validate(d))


def yearly(d: dict, line: str) -> list[float]:
    return run(d).yearly()[line].tolist()


def metric(d: dict, name: str) -> float:
    return float(run(d).metrics.loc[0, name])


def with_costs(*lines: dict, **ops) -> dict:
    d = base()
    d["operations"]["costs"] = list(lines)
    d["operations"].update(ops)
    return d


# ---------------------------------------------------------------------------------- staffing norms
def test_staff_from_an_area_norm_with_and_without_rounding():
    line = {"name": "cleaners", "m2_per_staff": 5000, "wage_per_month": 3000}
    # 12,000 m² / 5,000 m² per person = 2.4 full-time equivalents × 3,000 × 12 = 86,400
    assert yearly(with_costs(line), "cost[cleaners]") == pytest.approx([86_400.0] * 5, rel=1e-15)
    # rounded up to whole persons: 3 × 3,000 × 12 = 108,000
    up = {**line, "rounding": "up"}
    assert yearly(with_costs(up), "cost[cleaners]") == [108_000.0] * 5


def test_staff_from_a_household_norm_with_and_without_rounding():
    line = {"name": "clerk", "households_per_staff": 600, "wage_per_month": 3000,
            "on_cost": 0.25}
    # 100 / 600 = 1/6 of a clerk: 3,000 × 12 × 1.25 / 6 = 7,500
    assert yearly(with_costs(line), "cost[clerk]") == pytest.approx([7_500.0] * 5, rel=1e-15)
    # whole persons: at least one clerk when there are households, 45,000
    up = {**line, "rounding": "up"}
    assert yearly(with_costs(up), "cost[clerk]") == [45_000.0] * 5


def test_rounding_up_ignores_rounding_noise():
    # 1,014 m² / 16.9 m² per person is 60.00000000000001 in floating point: still 60, not 61
    assert 1014 / 16.9 > 60
    d = with_costs({"name": "guards", "m2_per_staff": 16.9, "wage_per_month": 1000,
                    "rounding": "up"})
    d["compound"]["floor_area_m2"] = 1014
    assert yearly(d, "cost[guards]")[0] == 60 * 1000 * 12


def test_an_uncertain_norm_gives_a_headcount_per_draw():
    line = {"name": "cleaners", "m2_per_staff": {"dist": "uniform", "low": 8000, "high": 16000},
            "wage_per_month": 3000, "rounding": "up"}
    res = fundmodel.simulate(Scenario.model_validate(with_costs(line)), draws=400, seed=3,
                             keep_yearly=True)
    # 12,000 / [8,000, 16,000] is in [0.75, 1.5]: one or two cleaners, 36,000 or 72,000
    mean = float(res.yearly()["cost[cleaners]"].iloc[0])
    assert 36_000 < mean < 72_000
    assert res.yearly("p5")["cost[cleaners]"].iloc[0] == 36_000
    assert res.yearly("p95")["cost[cleaners]"].iloc[0] == 72_000


# ---------------------------------------------------------------------------------- shared contract
SHARED = {"partners": 4, "partner_households": 150, "partner_floor_area_m2": 8000}


@pytest.mark.parametrize("split, share", [
    ("households", 100 / (100 + 4 * 150)),     # 1/7
    ("area", 12000 / (12000 + 4 * 8000)),      # 12/44
    ("equal", 1 / (1 + 4)),                    # 1/5
])
def test_a_shared_line_is_split_by_its_key(split, share):
    d = with_costs({"name": "manager", "per_year": 70_000, "shared": True},
                   shared_service={**SHARED, "split": split})
    assert yearly(d, "cost[manager]") == pytest.approx([70_000 * share] * 5, rel=1e-15)


def test_an_equal_split_is_shared_by_to_the_bit():
    shared = with_costs({"name": "manager", "per_year": 70_001, "shared": True},
                        shared_service={"partners": 4, "split": "equal"})
    by = with_costs({"name": "manager", "per_year": 70_001, "shared_by": 5})
    a, b = run(shared), run(by)
    assert a.yearly()["cost[manager]"].tolist() == b.yearly()["cost[manager]"].tolist()
    assert a.metrics.equals(b.metrics)


def test_a_norm_on_a_shared_line_sizes_the_whole_contracts_crew():
    # the contract covers 12,000 + 4 × 8,000 = 44,000 m²: one repairer per 11,000 m² is 4
    # persons, 4 × 3,000 × 12 = 144,000 a year, of which this compound bears 100/700 (by
    # households)
    d = with_costs({"name": "repairs crew", "m2_per_staff": 11000, "wage_per_month": 3000,
                    "shared": True}, shared_service={**SHARED, "split": "households"})
    assert yearly(d, "cost[repairs crew]") == pytest.approx([144_000 / 7] * 5, rel=1e-14)


def test_partners_can_be_swept_as_a_lever():
    d = with_costs({"name": "manager", "per_year": 60_000, "shared": True},
                   shared_service={"partners": 1, "split": "equal"})
    res = fundmodel.evaluate_batch(Scenario.model_validate(d),
                                   {"operations.shared_service.partners": [0, 1, 2, 5]})
    # 60,000 / (1 + partners), a cost: operating_cost_first_year
    assert res.metric("operating_cost_first_year").tolist() == pytest.approx(
        [60_000, 30_000, 20_000, 10_000], rel=1e-15)


# ---------------------------------------------------------------------------------- menu
def test_menu_package_income_and_cost():
    d = base()
    d["operations"]["menu"] = [{"name": "door to door", "price_per_household_month": 25,
                                "take_up": 0.3, "cost_per_household_month": 15,
                                "growth": 0.1}]
    d["operations"]["management_margin"] = 0.1
    y = run(d).yearly()
    # 100 households × 0.3 × 25 × 12 = 9,000 in year 1, growing 10 % a year
    income = [9_000 * 1.1 ** k for k in range(5)]
    cost = [5_400 * 1.1 ** k for k in range(5)]      # 100 × 0.3 × 15 × 12
    assert y["menu[door to door]"].tolist() == pytest.approx(income, rel=1e-14)
    assert y["menu_cost[door to door]"].tolist() == pytest.approx(cost, rel=1e-14)
    assert y["other_income"].tolist() == pytest.approx(income, rel=1e-14)
    assert y["direct_cost"].tolist() == pytest.approx(cost, rel=1e-14)
    assert y["management_margin"].tolist() == pytest.approx([0.1 * c for c in cost], rel=1e-14)


def test_a_menu_package_without_a_cost_has_no_cost_line():
    d = base()
    d["operations"]["menu"] = [{"name": "laundry", "price_per_household_month": 10,
                                "take_up": 0.5}]
    y = run(d).yearly()
    assert y["menu[laundry]"].tolist() == [6_000.0] * 5   # 100 × 0.5 × 10 × 12
    assert "menu_cost[laundry]" not in y.columns


# ---------------------------------------------------------------------------------- fee per household
def flat_fee() -> dict:
    d = with_costs({"name": "committee", "per_year": 30_000},
                   {"name": "volunteers", "staff": 4, "wage_per_month": 200},
                   vat_rate=0.03)
    d["operations"]["property_fee"] = {"per_household_month": 30, "collection_rate": 0.9}
    d["operations"]["management_margin"] = 0.05
    return d


def test_a_flat_fee_per_household():
    res = run(flat_fee())
    # 30 × 100 households × 12 × 0.9 = 32,400 a year
    assert res.yearly()["property_fee_income"].tolist() == [32_400.0] * 5
    assert res.metrics.loc[0, "fee_income_first_year"] == 32_400.0


def test_the_breakeven_of_a_flat_fee_is_per_household_and_exact():
    d = flat_fee()
    m = run(d).metrics.iloc[0]
    # cost: (30,000 + 4 × 200 × 12) × 1.05 = 41,580 a year; a fee of 1 CNY/household/month
    # brings 100 × 12 × 0.9 / 1.03 after VAT, so the breakeven is 41,580 × 1.03 / 1,080 a year
    per_unit = 100 * 12 * 0.9 / 1.03
    cost = (30_000 + 4 * 200 * 12) * 1.05
    assert m["breakeven_fee_rate"] == pytest.approx(cost / per_unit, rel=1e-12)
    assert m["breakeven_fee_rate_first_year"] == pytest.approx(cost / per_unit, rel=1e-12)
    d["operations"]["property_fee"]["per_household_month"] = float(m["breakeven_fee_rate"])
    assert abs(metric(d, "npv_operations")) <= 1e-9 * cost * 5


# ---------------------------------------------------------------------------------- fallback payer
def fallback_dict(cap, growth=None) -> dict:
    """Net cash flows before the fallback s = [5,000, −8,000, −8,000, −8,000, 2,000] from an
    opening balance of 1,000: an income of 15,000 in year 1 only, 2,000 a year from year 2,
    10,000 more in year 5, and a cost of 10,000 every year."""
    d = base()
    d["operations"]["opening_balance"] = 1000
    d["operations"]["income"] = [
        {"name": "a", "per_year": 15_000, "years": 1},
        {"name": "b", "per_year": 2_000, "first_year": 2},
        {"name": "c", "per_year": 10_000, "first_year": 5},
    ]
    d["operations"]["costs"] = [{"name": "d", "per_year": 10_000}]
    d["operations"]["fallback"] = {"cap_per_year": cap}
    if growth is not None:
        d["operations"]["fallback"]["growth"] = growth
    return d


def test_the_fallback_recursion_with_a_binding_cap():
    res = run(fallback_dict(5_000))
    y, m = res.yearly(), res.metrics.iloc[0]
    # t1: B = 1,000 + 5,000 = 6,000, nothing paid
    # t2: 6,000 − 8,000 = −2,000 → pays 2,000, B = 0
    # t3: 0 − 8,000 → pays the cap 5,000, B = −3,000
    # t4: −3,000 − 8,000 = −11,000 → pays 5,000, B = −6,000
    # t5: −6,000 + 2,000 = −4,000 → pays 4,000, B = 0
    assert y["operating_surplus"].tolist() == [5_000, -8_000, -8_000, -8_000, 2_000]
    assert y["fallback_subsidy"].tolist() == [0, 2_000, 5_000, 5_000, 4_000]
    assert y["cumulative_balance"].tolist() == [6_000, 0, -3_000, -6_000, 0]
    assert m["fallback_total"] == 16_000
    assert m["fallback_years"] == 4
    assert m["fallback_max_year"] == 5_000
    # uncapped: the need is 2,000, 8,000, 8,000 in years 2-4: the smallest cap is 8,000
    assert m["fallback_needed_max"] == 8_000
    # the balance sees the fallback; the compound's own metrics do not
    assert m["cumulative_balance_final"] == 0 and m["balance_negative_at_horizon"] == 0
    assert m["operating_deficit_years"] == 3 and m["first_deficit_year"] == 2
    nominal = 0.05
    npv = sum(s / (1 + nominal) ** t for t, s in
              enumerate([5_000, -8_000, -8_000, -8_000, 2_000], start=1))
    assert m["npv_operations"] == pytest.approx(npv, rel=1e-12)


def test_the_fallback_on_the_ledger_and_in_the_fiscal_view():
    res = run(fallback_dict(5_000))
    cf = res.cashflows()
    line = cf[cf["line"] == "fallback_subsidy"]
    assert set(line["payer"]) == {"street_community"} and set(line["payee"]) == {"operator"}
    assert set(line["kind"]) == {"operating"}
    assert line["amount"].tolist() == [0, 2_000, 5_000, 5_000, 4_000]
    fiscal = res.fiscal()
    assert fiscal.loc[2027:2030, "subsidies"].tolist() == [2_000, 5_000, 5_000, 4_000]
    assert res.has_financing
    district = fallback_dict(5_000)
    district["operations"]["fallback"]["payer"] = "city_district_government"
    gov = run(district).government()
    assert gov["city_district_government"].sum() == 16_000
    assert gov["street_community"].sum() == 0


def test_fallback_needed_max_is_the_smallest_cap():
    at = run(fallback_dict(8_000))
    assert min(at.yearly()["cumulative_balance"]) == 0          # never below 0
    below = run(fallback_dict(8_000 * 0.999))
    assert min(below.yearly()["cumulative_balance"]) < 0
    # a cap of 8,000: 2,000 in year 2, 8,000 in years 3 and 4, then the surplus of year 5
    assert at.yearly()["cumulative_balance"].tolist() == [6_000, 0, 0, 0, 2_000]


def test_a_growing_cap():
    res = run(fallback_dict(5_000, growth=0.1))
    # caps 5,000, 5,500, 6,050, 6,655, 7,320.5
    # t2: −2,000 → 2,000, B 0; t3: −8,000 → 6,050, B −1,950; t4: −9,950 → 6,655, B −3,295;
    # t5: −1,295 → 1,295, B 0
    assert res.yearly()["fallback_subsidy"].tolist() == pytest.approx(
        [0, 2_000, 6_050, 6_655, 1_295], rel=1e-12)
    # the smallest year-1 cap: max(2,000 / 1.1, 8,000 / 1.21, 8,000 / 1.331) = 8,000 / 1.21
    needed = float(res.metrics.loc[0, "fallback_needed_max"])
    assert needed == pytest.approx(8_000 / 1.21, rel=1e-12)
    assert min(run(fallback_dict(needed * (1 + 1e-12), 0.1)).yearly()["cumulative_balance"]) \
        >= 0
    assert min(run(fallback_dict(needed * 0.999, 0.1)).yearly()["cumulative_balance"]) < 0


def test_the_cap_can_be_swept_and_each_variant_is_evaluate():
    d = fallback_dict(5_000)
    caps = [0.0, 4_000.0, 8_000.0, 9_000.0]
    res = fundmodel.evaluate_batch(Scenario.model_validate(d),
                                   {"operations.fallback.cap_per_year": caps})
    # with no cap: the balance ends at 1,000 + Σ s = −16,000; a cap of 4,000 pays 2,000 then
    # 4,000 three times (B: 0, −4,000, −8,000, −2,000)
    assert res.metric("cumulative_balance_final").tolist() == [-16_000, -2_000, 2_000, 2_000]
    assert res.metric("fallback_needed_max").tolist() == [8_000] * 4
    for i, cap in enumerate(caps):
        one = run(fallback_dict(cap)).metrics.iloc[0]
        assert one["fallback_total"] == res.metric("fallback_total")[i]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=12),
       st.integers(-5_000, 5_000), st.sampled_from([0.0, 0.03, -0.2, 0.5]))
def test_hypothesis_fallback_needed_max_is_the_least_cap(flows, opening, growth):
    cash = np.array(flows, dtype=float)[None, None, :]
    g = np.array([[growth]])

    def balances(cap):
        inputs = FallbackInputs("street_community", np.array([[cap]]), g)
        return fallback_recursion(inputs, np.array([[float(opening)]]), cash)

    needed = float(balances(0.0)[2][0, 0])
    paid, balance, again = balances(needed)
    assert float(again[0, 0]) == needed              # the need does not depend on the cap
    scale = 1e-9 * (abs(opening) + np.abs(cash).sum())
    if growth == 0.0:
        assert balance.min() >= 0                    # to the bit
    else:
        assert balance.min() >= -scale
    if needed > 0:
        assert balances(0.999 * needed)[1].min() < 0
    # paid never exceeds the cap, never negative
    cap_t = needed * (1 + growth) ** np.arange(cash.shape[-1])
    assert np.all(paid >= 0) and np.all(paid[0, 0] <= cap_t * (1 + 1e-12) + 1e-9)


def test_the_recursion_runs_over_draws_at_once():
    # three draws, one per row, against the same recursion draw by draw
    cash = np.array([[[5, -8, -8]], [[-1, -1, -1]], [[0, 0, 3]]], dtype=float) * 1000
    inputs = FallbackInputs("street_community", np.array([[4_000.0], [500.0], [0.0]]),
                            np.zeros((1, 1)))
    paid, balance, needed = fallback_recursion(inputs, np.array([[1_000.0]]), cash)
    assert paid[:, 0].tolist() == [[0, 2_000, 4_000], [0, 500, 500], [0, 0, 0]]
    assert balance[:, 0].tolist() == [[6_000, 0, -4_000], [0, -500, -1_000], [1_000, 1_000,
                                                                                4_000]]
    assert needed[:, 0].tolist() == [8_000, 1_000, 0]


def test_without_a_fallback_no_new_metric_or_line():
    res = run(with_costs({"name": "d", "per_year": 10_000}))
    assert not {"fallback_total", "fallback_needed_max"} & set(res.metrics.columns)
    assert "fallback_subsidy" not in res.yearly().columns


# ---------------------------------------------------------------------------------- ageing
def test_routine_repairs_rise_with_age():
    d = with_costs({"name": "repairs", "per_year": 1_000, "ageing": 0.05, "growth": 0.02})
    # 1,000 × 1.02^(t − 1) × (1 + 0.05 (t − 1))
    want = [1_000 * 1.02 ** (t - 1) * (1 + 0.05 * (t - 1)) for t in range(1, 6)]
    assert yearly(d, "cost[repairs]") == pytest.approx(want, rel=1e-14)


def test_ageing_of_a_staff_line():
    d = with_costs({"name": "crew", "staff": 2, "wage_per_month": 1_000, "ageing": 0.1})
    assert yearly(d, "cost[crew]") == pytest.approx(
        [24_000 * (1 + 0.1 * k) for k in range(5)], rel=1e-15)


# ---------------------------------------------------------------------------------- collection ramp
def ramp_dict() -> dict:
    d = with_costs({"name": "crew", "per_year": 90_000}, vat_rate=0.06)
    d["inflation"] = 0.02
    d["operations"]["property_fee"] = {"rate_per_m2_month": 0.5, "collection_rate": 0.9,
                                       "collection_ramp": [0.3, 0.5, 0.7], "growth": 0.01}
    return d


def test_collection_ramps_up():
    y = run(ramp_dict()).yearly()
    # 0.5 × 12,000 × 12 = 72,000 billed in year 1, growing 1 % a year
    rates = [0.3, 0.5, 0.7, 0.9, 0.9]
    want = [72_000 * c * 1.01 ** k for k, c in enumerate(rates)]
    assert y["property_fee_income"].tolist() == pytest.approx(want, rel=1e-14)


def test_the_breakeven_fee_follows_the_ramp():
    d = ramp_dict()
    m = run(d).metrics.iloc[0]
    nominal = 1.05 * 1.02 - 1
    rates = [0.3, 0.5, 0.7, 0.9, 0.9]
    k = sum(12_000 * 12 * c * 1.01 ** (t - 1) / 1.06 / (1 + nominal) ** t
            for t, c in enumerate(rates, start=1))
    assert m["breakeven_fee_rate"] == pytest.approx(0.5 - m["npv_operations"] / k, rel=1e-12)
    d["operations"]["property_fee"]["rate_per_m2_month"] = float(m["breakeven_fee_rate"])
    assert abs(metric(d, "npv_operations")) <= 1e-9 * 90_000 * 5
    # the first-year breakeven uses the first year's collection, 0.3
    first = float(m["breakeven_fee_rate_first_year"])
    assert first == pytest.approx(90_000 * 1.06 / (12_000 * 12 * 0.3), rel=1e-12)


# ---------------------------------------------------------------------------------- limited years
def test_lines_that_last_a_limited_number_of_years():
    d = base()
    d["inflation"] = 0.02
    d["operations"]["income"] = [{"name": "grant", "per_year": 10_000, "first_year": 2,
                                  "years": 2, "payer": "street_community"}]
    d["operations"]["costs"] = [{"name": "startup", "per_year": 3_000, "years": 1},
                                {"name": "late", "per_year": 1_000, "first_year": 4}]
    res = run(d)
    y = res.yearly()
    # year-1 prices, growing with inflation from year 1 on: 10,000 × 1.02 in year 2
    assert y["income[grant]"].tolist() == pytest.approx([0, 10_200, 10_404, 0, 0], rel=1e-14)
    assert y["cost[startup]"].tolist() == [3_000, 0, 0, 0, 0]
    assert y["cost[late]"].tolist() == pytest.approx([0, 0, 0, 1_000 * 1.02 ** 3,
                                                      1_000 * 1.02 ** 4], rel=1e-14)
    cf = res.cashflows()
    grant = cf[cf["line"] == "income[grant]"]
    assert set(grant["payer"]) == {"street_community"}
    assert res.government()["street_community"].sum() == pytest.approx(20_604, rel=1e-14)
    assert res.fiscal().loc[2027:2028, "subsidies"].tolist() == pytest.approx(
        [10_200, 10_404], rel=1e-14)


# ---------------------------------------------------------------------------------- devices
def test_devices_replace_staff_and_add_their_fee():
    d = with_costs({"name": "guards", "staff": 3, "wage_per_month": 3_000},
                   devices=[{"name": "smart gate", "platform_fee_per_year": 9_000,
                             "replaces": "guards", "staff": 2}])
    y = run(d).yearly()
    assert y["cost[guards]"].tolist() == [36_000.0] * 5        # (3 − 2) × 3,000 × 12
    assert y["device[smart gate]"].tolist() == [9_000.0] * 5
    assert y["direct_cost"].tolist() == [45_000.0] * 5


def test_devices_after_rounding_and_never_below_zero():
    norm = {"name": "guards", "m2_per_staff": 5000, "wage_per_month": 3_000, "rounding": "up"}
    gate = {"name": "gate", "platform_fee_per_year": 1_000, "replaces": "guards", "staff": 1}
    # ceil(12,000 / 5,000) = 3 guards, less 1: 2 × 36,000
    assert yearly(with_costs(norm, devices=[gate]), "cost[guards]")[0] == 72_000
    cams = {**gate, "name": "cameras", "staff": 5}
    assert yearly(with_costs(norm, devices=[gate, cams]), "cost[guards]")[0] == 0


# ---------------------------------------------------------------------------------- all together
def everything() -> dict:
    d = fundmodel.load_scenario("scenarios/sanqiao-shared-service.yaml").model_dump(
        mode="json", exclude_none=True)
    ops = d["operations"]
    ops["shared_service"] = {"partners": {"dist": "uniform", "low": 2, "high": 6},
                             "partner_households": 120, "split": "households"}
    ops["costs"].append({"name": "clerk", "households_per_staff": 600, "wage_per_month": 3000,
                         "shared": True, "rounding": "up"})
    ops["menu"] = [{"name": "door to door", "price_per_household_month": 20,
                    "take_up": {"dist": "beta", "a": 2, "b": 8}, "cost_per_household_month": 12}]
    ops["devices"] = [{"name": "gate", "platform_fee_per_year": 3000, "replaces": "cleaner",
                       "staff": 0.1}]
    ops["fallback"] = {"cap_per_year": {"dist": "uniform", "low": 0, "high": 40000}}
    return d


def test_monte_carlo_with_every_service_model_and_the_memory_estimate():
    sc = Scenario.model_validate(everything())
    res = fundmodel.simulate(sc, draws=300, seed=5, keep_yearly=True)
    lines = [c for c in res.yearly().columns if c != "calendar_year"]
    parts = memory_estimate(sc, 300, 300, True, True, 1, 3)
    assert f"({len(lines)} lines × " in parts["yearly paths"][1]
    assert f"× {len(res.metrics.columns)} metrics" in parts["per-draw table"][1]
    needed = res.metric("fallback_needed_max")
    balance_ok = res.metric("balance_negative_at_horizon") == 0
    cap = res.metrics["fallback_total"]   # noqa: F841  (present)
    assert np.all(np.isfinite(needed)) and balance_ok.any()
    # the deterministic run gives the same lines
    assert list(evaluate(sc).yearly().columns) == list(res.yearly().columns)


def test_catalog_knows_every_new_name():
    res = evaluate(Scenario.model_validate(everything()))
    for name in [*res.metrics.columns, *res.yearly().columns]:
        assert lookup(name).unit
    assert lookup("fallback_needed_max").unit == "CNY/year"
    assert "door to door" in lookup("menu[door to door]").description


def test_examples_unchanged_by_defaults():
    # a scenario written before the service models and the same one with their defaults
    # spelled out give the same metrics to the bit
    sc = fundmodel.load_scenario("scenarios/sanqiao-standalone.yaml")
    d = sc.model_dump(mode="json", exclude_none=True)
    d2 = copy.deepcopy(d)
    for line in d2["operations"]["costs"]:
        line.update({"first_year": 1, "ageing": 0.0, "shared": False, "rounding": "none"})
    for line in d2["operations"]["income"]:
        line.update({"first_year": 1, "payer": "users"})
    d2["operations"]["menu"], d2["operations"]["devices"] = [], []
    a = evaluate(Scenario.model_validate(d)).metrics
    b = evaluate(Scenario.model_validate(d2)).metrics
    assert np.array_equal(a.to_numpy().view(np.int64), b.to_numpy().view(np.int64))
    assert math.isfinite(float(a.loc[0, "npv_operations"]))


def test_the_cli_names_the_unit_of_a_fee_per_household(tmp_path, capsys):
    import yaml

    from fundmodel.cli import main

    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(flat_fee()), encoding="utf-8")
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "CNY/household/month" in out and "The fee now: 30.00" in out
    assert main(["run", str(path), "--draws", "50"]) == 0
    assert "breakeven fee (CNY/household/month)" in capsys.readouterr().out
