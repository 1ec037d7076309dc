"""The single-compound model against hand calculations written out here."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import fundmodel
from fundmodel import Scenario, evaluate


def base_dict() -> dict:
    """A small scenario whose figures are easy to work out by hand."""
    return {
        "name": "hand",
        "start_year": 2025,
        "horizon_years": 3,
        "discount_rate": 0.05,
        "inflation": 0.0,
        "compound": {"name": "test", "households": 100, "floor_area_m2": 10000},
        "renovation": {
            "contingency": 0.1,
            "items": [
                {"name": "pipes", "tier": "basic", "quantity": 100, "unit": "m", "unit_cost": 1000},
                {"name": "water", "tier": "basic", "quantity": 50, "unit": "m", "unit_cost": 1000,
                 "contingency": 0.0},
                {"name": "cameras", "tier": "upgrade", "quantity": 1, "unit": "system",
                 "unit_cost": 40000},
            ],
        },
        "funding": [],
        "operations": {
            "property_fee": {"rate_per_m2_month": 0.5, "collection_rate": 1.0},
            "costs": [],
        },
    }


def run(d: dict) -> fundmodel.Result:
    return evaluate(Scenario.model_validate(d))


# ---------------------------------------------------------------------------------- seed figure
def test_seed_worked_figure_fee_income():
    # seeds/001: 100 households × 100 m² × 0.5 CNY/m²/month = 60,000 CNY a year at full collection
    d = base_dict()
    d["compound"]["households"] = 100
    d["compound"]["floor_area_m2"] = 100 * 100
    res = run(d)
    expected = 100 * 100 * 0.5 * 12
    assert expected == 60_000
    assert res.yearly()["property_fee_income"].tolist() == [60_000.0] * 3
    assert res.metrics.loc[0, "fee_income_first_year"] == 60_000.0


def test_standalone_scenario_fee_income_at_full_collection():
    sc = fundmodel.load_scenario("scenarios/sanqiao-standalone.yaml",
                                 ["operations.property_fee.collection_rate=1.0"])
    assert evaluate(sc).metrics.loc[0, "fee_income_first_year"] == pytest.approx(60_000, rel=1e-15)


# ---------------------------------------------------------------------------------- capital
def test_item_costs_and_capex():
    res = run(base_dict())
    # pipes 100 × 1000 × 1.1, water 50 × 1000 × (1 + 0) (own contingency), cameras 40000 × 1.1
    expected = {"pipes": 110_000.0, "water": 50_000.0, "cameras": 44_000.0}
    assert res.items()["cost"].to_dict() == pytest.approx(expected, rel=1e-15)
    assert res.metrics.loc[0, "capex_total"] == pytest.approx(204_000, rel=1e-15)


# ---------------------------------------------------------------------------------- funding
def funded_dict() -> dict:
    d = base_dict()
    d["funding"] = [
        # 100 households × 1,000 = 100,000 offered for basic items (pipes 110,000 + water 50,000)
        {"source": "central_subsidy", "per_household": 1000, "tiers": ["basic"]},
        # pays the whole water network: 50,000
        {"source": "utility_companies", "items": ["water"]},
        # 0.3 × central applied (100,000) = 30,000, capped at 25,000
        {"source": "local_budget", "match_ratio": 0.3, "cap": 25000},
        # 10 CNY/m² × 10,000 m² × uptake 0.8 = 80,000 offered
        {"source": "residents", "per_m2": 10, "uptake": 0.8},
        {"source": "donations", "amount": 5000},
    ]
    return d


def test_funding_waterfall_by_hand():
    res = run(funded_dict())
    f = res.funding()
    # central: offered 100,000; it spends first on pipes, which no later rule is earmarked for,
    # leaving water (50,000) to the utility: applied 100,000, pipes left 10,000.
    # utility: share 1.0 × water 50,000 = 50,000 applied; water left 0.
    # local: min(0.3 × 100,000, cap 25,000) = 25,000; unfunded now pipes 10,000 + cameras
    #   44,000 = 54,000 → applied 25,000; left 29,000.
    # residents: offered 80,000; applied 29,000; left 0. donations: offered 5,000, applied 0.
    assert f.loc["central_subsidy", "offered"] == pytest.approx(100_000)
    assert f.loc["central_subsidy", "amount"] == pytest.approx(100_000)
    assert f.loc["utility_companies", "amount"] == pytest.approx(50_000)
    assert f.loc["local_budget", "offered"] == pytest.approx(25_000)
    assert f.loc["local_budget", "amount"] == pytest.approx(25_000)
    assert f.loc["residents", "offered"] == pytest.approx(80_000)
    assert f.loc["residents", "amount"] == pytest.approx(29_000)
    assert f.loc["donations", "offered"] == pytest.approx(5_000)
    assert f.loc["donations", "amount"] == 0.0
    assert f.loc["gap", "amount"] == 0.0
    m = res.metrics.iloc[0]
    assert m["funding_gap"] == 0.0 and m["has_funding_gap"] == 0.0
    assert m["government_cost_per_household"] == pytest.approx((100_000 + 25_000) / 100)
    assert m["resident_cost_per_household"] == pytest.approx(29_000 / 100)
    assert f["amount"].sum() == pytest.approx(m["capex_total"], rel=1e-12)
    assert f.loc["central_subsidy", "share_of_cost"] == pytest.approx(100_000 / 204_000)


def test_funding_gap_and_shares():
    d = base_dict()
    d["funding"] = [
        # share 0.6 of basic cost (110,000 + 50,000) = 96,000
        {"source": "central_subsidy", "share": 0.6, "tiers": ["basic"]},
        # 200 CNY per paying household × 100 × uptake 0.5 = 10,000
        {"source": "residents", "per_household": 200, "uptake": 0.5},
    ]
    m = run(d).metrics.iloc[0]
    gap = 204_000 - 96_000 - 10_000
    assert m["funding_gap"] == pytest.approx(gap)
    assert m["funding_gap_share"] == pytest.approx(gap / 204_000)
    assert m["funding_gap_per_household"] == pytest.approx(gap / 100)
    assert m["has_funding_gap"] == 1.0
    assert m["resident_cost_per_household"] == pytest.approx(100)


def test_source_limited_to_named_items():
    d = base_dict()
    # residents pay half of the cameras only: 0.5 × 44,000 = 22,000; nothing else
    d["funding"] = [{"source": "residents", "share": 0.5, "items": ["cameras"]}]
    f = run(d).funding()
    assert f.loc["residents", "amount"] == pytest.approx(22_000)
    assert f.loc["gap", "amount"] == pytest.approx(204_000 - 22_000)


def test_general_money_goes_first_where_earmarked_money_cannot():
    d = base_dict()
    d["funding"] = [
        {"source": "local_budget", "amount": 60000},            # may pay anything
        {"source": "utility_companies", "items": ["water"]},   # earmarked: water only
    ]
    f = run(d).funding()
    # the local budget goes to pipes and cameras first (no later rule may pay them), so the
    # utility still pays the whole water network
    assert f.loc["local_budget", "amount"] == pytest.approx(60_000)
    assert f.loc["utility_companies", "amount"] == pytest.approx(50_000)
    assert f.loc["gap", "amount"] == pytest.approx(204_000 - 110_000)


def test_repeated_sources_are_numbered_and_labels_used():
    d = base_dict()
    d["funding"] = [{"source": "donations", "amount": 1000},
                    {"source": "donations", "amount": 2000},
                    {"source": "residents", "amount": 10, "label": "crowdfunding"}]
    assert list(run(d).funding().index) == ["donations #1", "donations #2", "crowdfunding", "gap"]


# ---------------------------------------------------------------------------------- operations
def ops_dict() -> dict:
    d = base_dict()
    d["horizon_years"] = 3
    d["discount_rate"] = 0.05
    d["inflation"] = 0.02
    d["operations"] = {
        "property_fee": {"rate_per_m2_month": 0.5, "collection_rate": 0.8},
        "income": [
            {"name": "parking", "units": 20, "price_per_month": 100, "occupancy": 0.5,
             "growth": 0.0},
            {"name": "ads", "per_year": 1000},  # grows with inflation 2 %
        ],
        "costs": [
            {"name": "guard", "staff": 2, "wage_per_month": 3000, "on_cost": 0.25, "growth": 0.1},
            {"name": "manager", "staff": 1, "wage_per_month": 5000, "shared_by": 5, "growth": 0.0},
            {"name": "power", "per_year": 2000},  # grows with inflation 2 %
        ],
        "management_margin": 0.1,
        "vat_rate": 0.06,
        "opening_balance": 1000,
    }
    return d


def test_yearly_statement_by_hand():
    y = run(ops_dict()).yearly()
    fee = 10000 * 0.5 * 12 * 0.8                     # 48,000 every year (fee growth 0)
    parking = 20 * 100 * 12 * 0.5                    # 12,000 every year (growth 0)
    ads = [1000, 1000 * 1.02, 1000 * 1.02 ** 2]
    guard = [2 * 3000 * 12 * 1.25 * 1.1 ** k for k in range(3)]   # 90,000 in year 1
    manager = 5000 * 12 / 5                          # 12,000 every year
    power = [2000 * 1.02 ** k for k in range(3)]
    direct = [guard[k] + manager + power[k] for k in range(3)]
    margin = [0.1 * x for x in direct]
    opcost = [direct[k] + margin[k] for k in range(3)]
    vat = fee * 0.06 / 1.06
    surplus = [fee + parking + ads[k] - opcost[k] - vat for k in range(3)]
    balance = list(1000 + np.cumsum(surplus))

    assert y.index.tolist() == [1, 2, 3]
    assert y["calendar_year"].tolist() == [2026, 2027, 2028]
    approx = lambda xs: pytest.approx(xs, rel=1e-12)  # noqa: E731
    assert y["property_fee_income"].tolist() == approx([fee] * 3)
    assert y["income[parking]"].tolist() == approx([parking] * 3)
    assert y["income[ads]"].tolist() == approx(ads)
    assert y["other_income"].tolist() == approx([parking + a for a in ads])
    assert y["cost[guard]"].tolist() == approx(guard)
    assert y["cost[manager]"].tolist() == approx([manager] * 3)
    assert y["cost[power]"].tolist() == approx(power)
    assert y["direct_cost"].tolist() == approx(direct)
    assert y["management_margin"].tolist() == approx(margin)
    assert y["operating_cost"].tolist() == approx(opcost)
    assert y["vat"].tolist() == approx([vat] * 3)
    assert y["operating_surplus"].tolist() == approx(surplus)
    assert y["cumulative_balance"].tolist() == approx(balance)


def test_operating_metrics_by_hand():
    d = ops_dict()
    res = run(d)
    y = res.yearly()
    m = res.metrics.iloc[0]
    nominal = 1.05 * 1.02 - 1                         # 7.1 %
    surplus = y["operating_surplus"].to_numpy()
    npv = sum(surplus[t - 1] / (1 + nominal) ** t for t in (1, 2, 3))
    assert m["discount_rate_nominal"] == pytest.approx(0.071, rel=1e-12)
    assert m["npv_operations"] == pytest.approx(npv, rel=1e-12)
    assert m["operating_surplus_first_year"] == pytest.approx(surplus[0], rel=1e-12)
    assert m["fee_income_first_year"] == pytest.approx(48_000)
    assert m["cumulative_balance_final"] == pytest.approx(1000 + surplus.sum(), rel=1e-12)
    deficits = surplus < 0
    assert m["operating_deficit_years"] == deficits.sum()
    assert m["any_operating_deficit"] == float(deficits.any())
    assert m["first_deficit_year"] == 1 + int(np.argmax(deficits))
    # breakeven: each 1 CNY/m²/month of fee brings 10000 × 12 × 0.8 = 96,000 a year, of which
    # 1/1.06 is left after VAT; NPV is affine in the rate
    per_unit = 96_000 / 1.06
    k = sum(per_unit / (1 + nominal) ** t for t in (1, 2, 3))
    assert m["breakeven_fee_rate"] == pytest.approx(0.5 - npv / k, rel=1e-12)
    assert m["breakeven_fee_rate_first_year"] == pytest.approx(0.5 - surplus[0] / per_unit,
                                                               rel=1e-12)


@pytest.mark.parametrize("path", ["scenarios/sanqiao-standalone.yaml",
                                  "scenarios/sanqiao-shared-service.yaml"])
def test_breakeven_fee_gives_zero_npv(path):
    sc = fundmodel.load_scenario(path)
    res = evaluate(sc)
    fee = float(res.metrics.loc[0, "breakeven_fee_rate"])
    sc2 = fundmodel.load_scenario(path, [f"operations.property_fee.rate_per_m2_month={fee!r}"])
    # the collection rate is a distribution: evaluate at the same point, the mean
    res2 = evaluate(sc2)
    npv2 = float(res2.metrics.loc[0, "npv_operations"])
    scale = float(res2.yearly()["operating_cost"].sum())
    assert abs(npv2) <= 1e-9 * scale
    # and the first-year breakeven zeroes the year-1 surplus
    fee1 = float(res.metrics.loc[0, "breakeven_fee_rate_first_year"])
    sc3 = fundmodel.load_scenario(path, [f"operations.property_fee.rate_per_m2_month={fee1!r}"])
    s1 = float(evaluate(sc3).metrics.loc[0, "operating_surplus_first_year"])
    assert abs(s1) <= 1e-9 * scale


def test_breakeven_with_growing_fee():
    d = ops_dict()
    d["operations"]["property_fee"]["growth"] = 0.03
    m = run(d).metrics.iloc[0]
    d["operations"]["property_fee"]["rate_per_m2_month"] = float(m["breakeven_fee_rate"])
    npv = run(d).metrics.loc[0, "npv_operations"]
    assert abs(npv) < 1e-9 * 300_000


def test_no_collection_gives_nan_breakeven():
    d = ops_dict()
    d["operations"]["property_fee"]["collection_rate"] = 0.0
    m = run(d).metrics.iloc[0]
    assert math.isnan(m["breakeven_fee_rate"]) and math.isnan(m["breakeven_fee_rate_first_year"])


def test_first_deficit_year_nan_without_deficit():
    d = ops_dict()
    d["operations"]["costs"] = []
    m = run(d).metrics.iloc[0]
    assert m["operating_deficit_years"] == 0 and m["any_operating_deficit"] == 0
    assert math.isnan(m["first_deficit_year"])
    assert m["balance_negative_at_horizon"] == 0


# ---------------------------------------------------------------------------------- point estimates
def test_point_estimates_of_distributions():
    d = base_dict()
    d["renovation"]["contingency"] = 0.0
    d["renovation"]["items"] = [{"name": "roof", "tier": "basic", "quantity": 1,
                                 "unit_cost": {"dist": "triangular", "low": 90, "mode": 100,
                                               "high": 140}}]
    sc = Scenario.model_validate(d)
    mean = evaluate(sc).metrics.loc[0, "capex_total"]
    mode = evaluate(sc, "mode").metrics.loc[0, "capex_total"]
    median = evaluate(sc, "median").metrics.loc[0, "capex_total"]
    assert mean == pytest.approx((90 + 100 + 140) / 3)
    assert mode == pytest.approx(100)
    # mode below the midpoint 115: median = high − sqrt((high − low)(high − mode)/2)
    assert median == pytest.approx(140 - math.sqrt(50 * 40 / 2))
    d["simulation"] = {"point_estimate": "mode"}
    assert evaluate(Scenario.model_validate(d)).metrics.loc[0, "capex_total"] == pytest.approx(100)


# ---------------------------------------------------------------------------------- api contract
def test_public_metric_and_line_names():
    res = evaluate(fundmodel.load_scenario("scenarios/sanqiao-standalone.yaml"))
    for name in ["capex_total", "funding_gap", "resident_cost_per_household",
                 "government_cost_per_household", "operating_surplus_first_year",
                 "npv_operations", "breakeven_fee_rate"]:
        assert name in res.metrics.columns
        assert name in res.summary().index
    for line in ["property_fee_income", "other_income", "operating_cost", "operating_surplus",
                 "cumulative_balance"]:
        assert line in res.yearly().columns
    assert len(res.metrics) == 1 and res.n_draws == 1
    assert len(res.yearly()) == res.scenario.horizon_years


def test_scenario_json_round_trip():
    sc = fundmodel.load_scenario("scenarios/sanqiao-shared-service.yaml")
    again = Scenario.model_validate_json(sc.model_dump_json())
    assert again == sc
    assert evaluate(again).metrics.equals(evaluate(sc).metrics)


def test_model_validate_from_plain_dict_does_not_touch_input():
    d = funded_dict()
    before = copy.deepcopy(d)
    Scenario.model_validate(d)
    assert d == before


def test_full_funding_leaves_no_rounding_gap():
    # the utility's offer (sum of A and B) is spent in two groups (A first: no later rule may
    # pay it); the second sum, taken in another order, may differ from the offer by rounding.
    # A fully funded renovation must still show a gap of exactly 0 (bug found by review).
    rng = np.random.default_rng(0)
    for _ in range(300):
        qa, qb = rng.uniform(1, 100, 2)
        d = base_dict()
        d["renovation"] = {"contingency": float(rng.uniform(0, 0.2)), "items": [
            {"name": "A", "tier": "basic", "quantity": float(qa), "unit_cost": 0.1},
            {"name": "B", "tier": "basic", "quantity": float(qb), "unit_cost": 0.7}]}
        d["funding"] = [{"source": "utility_companies", "items": ["A", "B"]},
                        {"source": "residents", "amount": 0.0, "items": ["B"]}]
        m = run(d).metrics.iloc[0]
        assert m["funding_gap"] == 0.0 and m["has_funding_gap"] == 0.0
