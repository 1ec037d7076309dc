"""The repairs fund kept per building (分幢核算, issue 21 item 1): ``repairs_fund.accounts:
building``. Each building's account takes deposits on its own floor area, earns interest on its
own balance and is topped up by its own owners; a component costs per m² of the building, the
whole cost per building (``per: building``), its share by floor area of a compound's cost, or
exists only where the building's vote built its item (``item``).

Expected values are worked out by hand in the tests (the arithmetic written out), never taken
from the program's output.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel.catalog import FUND_BUILDING_METRICS, FUND_METRICS
from fundmodel.catalog.tables import TABLES
from fundmodel.engine.model import run_compounds, run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.labels import label
from fundmodel.portfolio.evaluation import simulate_portfolio
from fundmodel.run.montecarlo import simulate
from fundmodel.scenario import load_scenario
from fundmodel.scenario.portfolio import one_compound

ROOT = Path(__file__).resolve().parents[1]
LIFT = yaml.safe_load((ROOT / "scenarios" / "lift-retrofit.yaml").read_text("utf-8"))

# ------------------------------------------------------------------ two buildings by hand
# Building A: 2 floors × 2 units of 50 m² = 200 m²; building B: 3 floors × 2 units of 100 m²
# = 600 m²; the compound 10 households, 800 m² (A holds 1/4 of the area, B 3/4).
# Two lifts of 100,000 CNY, all paid by the residents, each building's lift shared by the
# floors it carries them up (the ground floor pays nothing), voted stair by stair: 60 % of the
# stair's households (and area) must say yes; everyone is willing to pay 20,000 CNY.
#   A: Σ u w = 2 × 0 + 2 × 1 = 2; a floor-2 household pays 100,000 / 2 = 50,000 > 20,000:
#      2 of 4 yes (the ground floor) = 50 % < 60 %: A builds no lift.
#   B: Σ u w = 2 × 0 + 2 × 1 + 2 × 2 = 6; floor 2 pays 100,000 / 6 = 16,667 ≤ 20,000, floor 3
#      33,333 > 20,000: 4 of 6 yes (67 %), area 400 of 600 m²: B builds its lift.
TWO = {
    "name": "two buildings", "start_year": 2025, "horizon_years": 3,
    "discount_rate": 0.0, "inflation": 0.0,
    "compound": {"name": "two stairs", "households": 10, "floor_area_m2": 800,
                 "buildings": 2, "storeys": 3},
    "renovation": {"items": [{"name": "lift", "tier": "upgrade", "quantity": 2,
                              "unit": "lift", "unit_cost": 100000}]},
    "funding": [{"source": "residents", "share": 1.0, "items": ["lift"]}],
    "households": {
        "buildings": [{"name": "A", "floors": 2, "units_per_floor": 2, "area_per_unit_m2": 50},
                      {"name": "B", "floors": 3, "units_per_floor": 2,
                       "area_per_unit_m2": 100}],
        "charges": [{"item": "lift", "shared_by": "building",
                     "sharing": {"rule": "floors_travelled", "exempt_floors": [1]}}],
        "decisions": [{"name": "add lifts", "kind": "add_lift", "items": ["lift"],
                       "rule": {"approval_headcount": 0.6, "approval_area": 0.6,
                                "base": "electorate"},
                       "willingness_to_pay_cny": 20000}]},
    "operations": {"property_fee": {"rate_per_m2_month": 0.5}, "costs": [], "vat_rate": 0.0},
    # the fund: first deposit 10 CNY/m², 2 CNY/m²/year, 10 % interest, top-ups below half
    # the first deposit back to all of it
    "repairs_fund": {
        "accounts": "building",
        "first_deposit": {"per_m2": 10},
        "contribution_per_m2_year": 2,
        "interest": {"rate": 0.1},
        "top_up": {"trigger_share": 0.5, "restore_to_share": 1.0},
        "components": [
            # the gate: the compound's, 8,000 CNY at the end of year 1, split by area
            {"name": "gate", "cost": 8000, "useful_life_years": 10, "remaining_life_years": 1},
            # each lift's overhaul, 30,000 CNY at the end of year 2, where a lift was built
            {"name": "lift overhaul", "cost": 30000, "per": "building", "item": "lift",
             "useful_life_years": 10, "remaining_life_years": 2},
            # the roofs, 5 CNY/m² at the end of year 3
            {"name": "roof", "cost_per_m2": 5, "useful_life_years": 10,
             "remaining_life_years": 3}]},
    "simulation": {"draws": 1, "seed": 1},
}


def two(**fund) -> fundmodel.Scenario:
    data = copy.deepcopy(TWO)
    data["repairs_fund"].update(fund)
    for key in [k for k, v in fund.items() if v is None]:
        del data["repairs_fund"][key]
    return fundmodel.Scenario.model_validate(data)


def run(scenario):
    return run_model(model_inputs(scenario, point_values(scenario), 1))


def line(out, name: str) -> list[float]:
    return out.yearly[name][0].tolist()


def test_two_buildings_with_top_ups_by_hand():
    """Each building its own account (first deposit 10 × area; deposits 2 × area a year;
    interest 10 % of the start balance; top-up below 50 % of its first deposit back to 100 %):

    A (200 m²): start 2,000.  gate 8,000 × 200/800 = 2,000; no lift (its vote failed);
      roof 5 × 200 = 1,000.
      y1: 2,000 + 200 + 400 − 2,000 = 600 < 1,000 → top-up 1,400 → 2,000
      y2: 2,000 + 200 + 400 = 2,600
      y3: 2,600 + 260 + 400 − 1,000 = 2,260
    B (600 m²): start 6,000.  gate 6,000; lift overhaul 30,000; roof 3,000.
      y1: 6,000 + 600 + 1,200 − 6,000 = 1,800 < 3,000 → top-up 4,200 → 6,000
      y2: 6,000 + 600 + 1,200 − 30,000 = −22,200 < 3,000 → top-up 28,200 → 6,000
      y3: 6,000 + 600 + 1,200 − 3,000 = 4,800
    The compound: the sums."""
    out = run(two())
    assert out.metrics["built_share[lift]"][0] == 0.5           # B's lift only
    assert line(out, "fund_balance") == pytest.approx([8000, 8600, 7060], rel=1e-15)
    assert line(out, "fund_top_up") == pytest.approx([5600, 28200, 0], rel=1e-15, abs=1e-9)
    assert line(out, "fund_deposits") == pytest.approx([1600] * 3, rel=1e-15)
    assert line(out, "fund_interest") == pytest.approx([800, 800, 860], rel=1e-15)
    assert line(out, "fund_expenditure") == pytest.approx([8000, 30000, 4000], rel=1e-15)
    lift = out.ledger["repairs_fund.replacement[lift overhaul]"][0, 0]
    assert lift.tolist() == pytest.approx([0, 30000, 0], abs=1e-9)   # B's alone
    gate = out.ledger["repairs_fund.replacement[gate]"][0, 0]
    assert gate.tolist() == pytest.approx([8000, 0, 0], abs=1e-9)    # 2,000 + 6,000
    m = {k: v[0] for k, v in out.metrics.items()}
    assert m["fund_first_deposit"] == pytest.approx(8000, rel=1e-15)
    assert m["fund_balance_final"] == pytest.approx(7060, rel=1e-15)
    assert m["fund_balance_min"] == pytest.approx(2000, rel=1e-15)   # A, years 1 (and 0)
    assert m["fund_negative_years"] == 0
    assert m["fund_top_up_total"] == pytest.approx(33800, rel=1e-15)
    assert m["fund_top_up_max_year"] == pytest.approx(28200, rel=1e-15)
    assert m["fund_first_top_up_year"] == 1
    assert m["fund_buildings_short"] == 0
    assert m["fund_buildings_topped_up"] == 2


def test_two_buildings_without_top_ups_by_hand():
    """No top-up rule: B's account runs dry.

    A: y1 2,000 + 200 + 400 − 2,000 = 600; y2 600 + 60 + 400 = 1,060;
       y3 1,060 + 106 + 400 − 1,000 = 566
    B: y1 6,000 + 600 + 1,200 − 6,000 = 1,800; y2 1,800 + 180 + 1,200 − 30,000 = −26,820;
       y3 −26,820 − 2,682 + 1,200 − 3,000 = −31,302
    Least balance −31,302 (B, year 3); years with some building below 0: 2 and 3; one
    building short.

    Baseline contribution (the least c ≥ 0 keeping each building's balance ≥ 0): a building
    of area a holds, without contributions, B(0), and per CNY/m²/year S = a × (1, 2.1, 3.31):
      A: B(0) = 200, 220, 242 − 1,000 = −758 → c ≥ 758 / 662
      B: B(0) = 600, 660 − 30,000 = −29,340, −2,934 − 3,000 − 29,340 = −35,274;
         S = 600, 1,260, 1,986 → c ≥ max(29,340 / 1,260, 35,274 / 1,986) = 163 / 7
    The compound's: the largest, 163 / 7 CNY/m²/year."""
    out = run(two(top_up=None))
    assert line(out, "fund_balance") == pytest.approx([2400, -25760, -30736], rel=1e-14)
    m = {k: v[0] for k, v in out.metrics.items()}
    assert m["fund_balance_min"] == pytest.approx(-31302, rel=1e-14)
    assert m["fund_negative_years"] == 2
    assert m["fund_buildings_short"] == 1
    assert m["fund_buildings_topped_up"] == 0
    assert m["fund_top_up_total"] == 0
    assert np.isnan(m["fund_first_top_up_year"])
    assert m["level_contribution_baseline_per_m2"] == pytest.approx(163 / 7, rel=1e-14)


def test_the_owners_account_pays_each_building_its_share_by_area():
    """The owners keep 4,000 CNY a year of parking and pay half into the fund: 2,000 a year,
    split by floor area — A 500, B 1,500 — no top-up rule:
      A: y1 2,000 + 200 + 400 + 500 − 2,000 = 1,100; y2 1,100 + 110 + 400 + 500 = 2,110;
         y3 2,110 + 211 + 400 + 500 − 1,000 = 2,221
      B: y1 6,000 + 600 + 1,200 + 1,500 − 6,000 = 3,300;
         y2 3,300 + 330 + 1,200 + 1,500 − 30,000 = −23,670;
         y3 −23,670 − 2,367 + 1,200 + 1,500 − 3,000 = −26,337"""
    data = copy.deepcopy(TWO)
    del data["repairs_fund"]["top_up"]
    data["operations"]["income"] = [{"name": "parking", "per_year": 4000, "growth": 0,
                                     "paid_to": "compound_account"}]
    data["operations"]["owners_account"] = {"covers_deficit": False,
                                            "to_repairs_fund_share": 0.5}
    result = fundmodel.evaluate(fundmodel.Scenario.model_validate(data))
    table = result.table("fund_buildings")["building_fund_balance"]
    assert table.loc["A"].tolist() == pytest.approx([1100, 2110, 2221], rel=1e-14)
    assert table.loc["B"].tolist() == pytest.approx([3300, -23670, -26337], rel=1e-14)
    assert result.yearly()["fund_balance"].tolist() == pytest.approx([4400, -21560, -24116],
                                                                     rel=1e-14)


def test_every_building_votes_its_lift_in():
    """Willing to pay 1e9: both stairs build their lift, both overhaul it in year 2:
    2 × 30,000."""
    data = copy.deepcopy(TWO)
    data["households"]["decisions"][0]["willingness_to_pay_cny"] = 1e9
    out = run(fundmodel.Scenario.model_validate(data))
    assert out.metrics["built_share[lift]"][0] == 1.0
    lift = out.ledger["repairs_fund.replacement[lift overhaul]"][0, 0]
    assert lift.tolist() == pytest.approx([0, 60000, 0], abs=1e-9)


@pytest.mark.parametrize("wtp, built", [(20000, 2), (10000, 0)])
def test_a_vote_of_the_whole_compound_builds_every_buildings_lift_or_none(wtp, built):
    """The lifts voted by the whole compound (electorate: compound), 60 % needed:
    willing to pay 20,000 — A's ground floor (2) and B's floors 1–2 (4) say yes, 6 of 10, area
    100 + 400 = 500 of 800 m² (62.5 %): it passes and both buildings overhaul their lift in
    year 2 (2 × 30,000); willing to pay 10,000 — only the ground floors, 4 of 10: no lift,
    no overhaul."""
    data = copy.deepcopy(TWO)
    data["households"]["decisions"][0].update(electorate="compound",
                                              willingness_to_pay_cny=wtp)
    out = run(fundmodel.Scenario.model_validate(data))
    assert out.metrics["built_share[lift]"][0] == built / 2
    lift = out.ledger["repairs_fund.replacement[lift overhaul]"][0, 0]
    assert lift.tolist() == pytest.approx([0, 30000 * built, 0], abs=1e-9)


# ------------------------------------------------------------------ identical buildings
def identical(n: int, fund: dict, accounts: str) -> fundmodel.Scenario:
    """n identical buildings of 3 floors × 2 units of 60 m² (360 m² each), no votes."""
    data = copy.deepcopy(TWO)
    data["compound"] = {"name": "same", "households": 6 * n, "floor_area_m2": 360.0 * n,
                        "buildings": n, "storeys": 3}
    data["households"] = {"buildings": [
        {"name": f"b{k}", "floors": 3, "units_per_floor": 2, "area_per_unit_m2": 60}
        for k in range(n)]}
    data["repairs_fund"] = {**fund, "accounts": accounts}
    return fundmodel.Scenario.model_validate(data)


SUMMED_LINES = ("fund_deposits", "fund_interest", "fund_expenditure", "fund_top_up",
                "fund_balance", "fully_funded_balance", "percent_funded")
SUMMED_METRICS = ("fund_first_deposit", "fund_balance_final", "fund_top_up_total",
                  "fund_top_up_max_year", "percent_funded_final", "component_residual_value",
                  "fund_expenditure_pv", "fund_contributions_pv",
                  "level_contribution_baseline_per_m2", "level_contribution_threshold_per_m2",
                  "level_contribution_full_per_m2")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 4),
       opening=st.sampled_from([0.0, 50_000.0]),
       contribution=st.floats(0.0, 5.0),
       rate=st.sampled_from([None, 0.0, 0.02]),
       top_up=st.sampled_from([None, {"trigger_share": 0.3, "restore_to_share": 1.0},
                               {"trigger_balance": 20_000, "restore_to_balance": 60_000}]),
       lives=st.lists(st.tuples(st.integers(1, 12), st.floats(1.0, 80.0)), min_size=1,
                      max_size=3))
def test_identical_buildings_sum_to_the_compounds_fund(n, opening, contribution, rate, top_up,
                                                       lives):
    """n identical buildings, components priced per m² only: every account is 1/n of the
    compound's (its area, its first deposit, its share of the opening balance and of the
    top-up levels), so the accounts sum to the compound's single fund — every yearly line and
    summed metric, to rounding; the level contributions (CNY/m², the same for every building)
    equal the compound's; the least balance of a building is 1/n of the compound's, and the
    years with a building below 0 are the compound's."""
    fund = {"opening_balance": opening, "first_deposit": {"per_m2": 20},
            "contribution_per_m2_year": contribution,
            "components": [{"name": f"c{k}", "cost_per_m2": cost, "useful_life_years": 12,
                            "remaining_life_years": r} for k, (r, cost) in enumerate(lives)]}
    if rate is not None:
        fund["interest"] = {"rate": rate}
    if top_up is not None:
        fund["top_up"] = top_up
    each, whole = (run(identical(n, fund, a)) for a in ("building", "compound"))
    for name in SUMMED_LINES:
        np.testing.assert_allclose(each.yearly[name], whole.yearly[name], rtol=1e-9,
                                   atol=1e-6, err_msg=name)
    for name in SUMMED_METRICS:
        np.testing.assert_allclose(each.metrics[name], whole.metrics[name], rtol=1e-9,
                                   atol=1e-9, err_msg=name)
    np.testing.assert_allclose(each.metrics["fund_balance_min"] * n,
                               whole.metrics["fund_balance_min"], rtol=1e-9, atol=1e-6)
    if abs(whole.metrics["fund_balance_min"][0]) > 1e-6:     # not a balance of 0 ± rounding
        assert each.metrics["fund_negative_years"][0] == whole.metrics["fund_negative_years"][0]
        assert each.metrics["fund_buildings_short"][0] == \
            n * (whole.metrics["fund_negative_years"][0] > 0)


# ------------------------------------------------------------------ districts
FUND = {"accounts": "building", "first_deposit": {"per_m2": 30},
        "contribution_per_m2_year": 1.2, "interest": {"rate": 0.015},
        "top_up": {"trigger_share": 0.3, "restore_to_share": 1.0},
        "components": [
            {"name": "roof waterproofing", "cost_per_m2": 25, "useful_life_years": 15,
             "remaining_life_years": 6},
            {"name": "lift overhaul", "cost": 120000, "per": "building", "item": "lift",
             "useful_life_years": 15, "remaining_life_years": 8},
            {"name": "gate and fence", "cost": 80000, "useful_life_years": 20,
             "remaining_life_years": 4}]}


def lift_district(tmp_path: Path, rows, buildings: str | None = None) -> fundmodel.Scenario:
    """scenarios/lift-retrofit.yaml with the fund above, as a district of the compounds
    ``rows`` (id, households, floor_area_m2, buildings, storeys): each compound's buildings
    generated from its facts, or given by the per-building table ``buildings`` (CSV text),
    its lifts voted stair by stair."""
    data = copy.deepcopy(LIFT)
    data.pop("compound")
    del data["households"]["buildings"]
    data["repairs_fund"] = copy.deepcopy(FUND)
    data["portfolio"] = {"compounds": "compounds.csv"}
    if buildings is not None:
        data["portfolio"]["buildings"] = "buildings.csv"
        (tmp_path / "buildings.csv").write_text(buildings, encoding="utf-8")
    with open(tmp_path / "compounds.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "households", "floor_area_m2", "buildings", "storeys"])
        for row in rows:
            writer.writerow([row[0], f"compound {row[0]}", *row[1:]])
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scenario(path)


C0 = ("C0", 36, 2340, 3, 6)            # lift-retrofit's compound: 3 stairs × 6 floors × 2
ROWS = [C0, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3), ("D", 12, 700, 1, 6)]


def test_a_district_with_building_accounts_equals_each_compounds_own_run(tmp_path):
    """Compounds of 3, 2, 4 and 1 buildings (so padded accounts): at the point estimates,
    every metric (the fund's and the buildings') and every ledger line of each compound has
    the bits of its own one-compound run."""
    district = lift_district(tmp_path, ROWS)
    table = district.portfolio.table
    together = run_compounds(model_inputs(district, point_values(district), 1, table))
    assert set(FUND_BUILDING_METRICS) <= set(together.metrics)
    for i in range(len(table)):
        alone = one_compound(district, i)
        assert alone.repairs_fund.accounts == "building"
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"compound {i}: {metric}")
        for entry in out.ledger:
            got = together.ledger[entry.name]
            np.testing.assert_array_equal(got[:, i:i + 1] if got.shape[1] > 1 else got,
                                          entry.amount, err_msg=f"compound {i}: {entry.name}")


def test_district_draws_with_building_accounts_equal_each_compounds_own(tmp_path):
    """Monte Carlo (the votes pass in some draws and stairs, fail in others): a district of
    one gives the compound's per-draw fund metrics bit for bit; in a district of four each
    compound's row summarises its own run's."""
    one = lift_district(tmp_path, [C0])
    result = simulate_portfolio(one, draws=300, seed=5)
    single = simulate(one_compound(one, 0), draws=300, seed=5)
    for metric in (*FUND_METRICS, *FUND_BUILDING_METRICS):
        assert metric in single.metrics, metric
        if metric in result.district.columns:
            np.testing.assert_array_equal(result.district[metric].to_numpy(),
                                          single.metrics[metric].to_numpy(), err_msg=metric)
        assert result.compounds[f"{metric}_mean"].iloc[0] == \
            single.metrics[metric].to_numpy().mean(), metric
    lifts = single.metrics["built_share[lift]"].to_numpy()
    assert lifts.min() < lifts.max()                   # the votes differ between draws

    several = lift_district(tmp_path, ROWS)
    result = simulate_portfolio(several, draws=200, seed=9)
    rows = result.compounds.set_index("id")
    for i, row in enumerate(ROWS):
        single = simulate(one_compound(several, i), draws=200, seed=9)
        for metric in (*FUND_METRICS, *FUND_BUILDING_METRICS):
            values = single.metrics[metric].to_numpy()
            got = rows.loc[row[0], f"{metric}_mean"]
            assert got == values.mean() or (np.isnan(got) and np.isnan(values.mean())), \
                (row[0], metric)


# ------------------------------------------------------------------ the table by building
def test_the_table_by_building_holds_each_accounts_lines():
    """``Result.table("fund_buildings")`` of the hand-worked two buildings: A's year-end
    balances 2,000, 2,600, 2,260 and top-ups 1,400, 0, 0; B's 6,000, 6,000, 4,800 and 4,200,
    28,200, 0 (see test_two_buildings_with_top_ups_by_hand); the buildings' rows of a year
    add up to the compound's yearly lines."""
    result = fundmodel.evaluate(two())
    table = result.table("fund_buildings")
    balance, top = table["building_fund_balance"], table["building_fund_top_up"]
    assert balance.loc["A"].tolist() == pytest.approx([2000, 2600, 2260], rel=1e-15)
    assert balance.loc["B"].tolist() == pytest.approx([6000, 6000, 4800], rel=1e-15)
    assert top.loc["A"].tolist() == pytest.approx([1400, 0, 0], abs=1e-9)
    assert top.loc["B"].tolist() == pytest.approx([4200, 28200, 0], abs=1e-9)
    assert table["building_fund_expenditure"].loc["B"].tolist() == \
        pytest.approx([6000, 30000, 3000])
    yearly = result.yearly()
    for name in ("fund_deposits", "fund_interest", "fund_expenditure", "fund_top_up",
                 "fund_balance"):
        summed = table[f"building_{name}"].groupby(level="operating_year").sum().to_numpy()
        np.testing.assert_allclose(summed, yearly[name].to_numpy(), rtol=1e-12, atol=1e-9)
    assert TABLES["fund_buildings"].units["building_fund_balance"] == "CNY"
    assert label("fund_buildings_short", "zh") == "维修资金出现负值的楼栋数"
    # a compound's single fund has no such table
    assert fundmodel.evaluate(two(accounts="compound", components=[
        {"name": "roof", "cost_per_m2": 5, "useful_life_years": 10,
         "remaining_life_years": 3}])).table("fund_buildings") is None


def test_each_household_tops_up_its_own_buildings_account():
    """The residents' yearly burden: a household pays its own building's top-ups, × its unit
    area / its building's floor area. Year 1: A's 1,400 over 200 m² → a 50 m² flat pays 350;
    B's 4,200 over 600 m² → a 100 m² flat 700; year 2 only B's owners: 28,200 × 100/600 =
    4,700. Deposits: 2 CNY/m² × the flat's area (100 and 200 a year)."""
    burden = fundmodel.evaluate(two()).table("resident_burden")
    top = burden["fund_top_up_per_household"]
    assert top.loc[("A", 2)].tolist() == pytest.approx([350, 0, 0], abs=1e-9)
    assert top.loc[("B", 3)].tolist() == pytest.approx([700, 4700, 0], abs=1e-9)
    deposits = burden["fund_deposits_per_household"]
    assert deposits.loc[("A", 1)].tolist() == pytest.approx([100] * 3, rel=1e-15)
    assert deposits.loc[("B", 2)].tolist() == pytest.approx([200] * 3, rel=1e-15)


def test_monte_carlo_table_means_match_the_draws(tmp_path):
    """Over draws (the lift votes differ by stair and draw), a building's mean balance of the
    table is the mean over the draws, and the rows add up to the compound's yearly means."""
    data = copy.deepcopy(LIFT)
    data["repairs_fund"] = copy.deepcopy(FUND)
    result = simulate(fundmodel.Scenario.model_validate(data), draws=400, seed=3)
    table = result.table("fund_buildings")
    assert list(table.index.get_level_values("building").unique()) == \
        ["stair 1", "stair 2", "stair 3"]
    summed = table["building_fund_balance"].groupby(level="operating_year").sum().to_numpy()
    np.testing.assert_allclose(summed, result.yearly()["fund_balance"].to_numpy(), rtol=1e-12)
    expenditure = table["building_fund_expenditure"].groupby(level="building").sum()
    # at 2 % inflation a year: the overhaul (120,000 per stair at the end of year 8, × 1.02⁷)
    # only where the stair voted its lift in, so its mean over the draws is that × the share
    # of draws in which the stair's ballot passed; the roof (25 × 780 m², year 6, × 1.02⁵)
    # and a third of the gate (80,000 / 3, year 4, × 1.02³) are every stair's
    lifts = result.decisions()["p_pass"].to_numpy()
    assert 0 < lifts.min() and lifts.max() < 1
    np.testing.assert_allclose(expenditure.to_numpy(),
                               120000 * 1.02 ** 7 * lifts + 25 * 780 * 1.02 ** 5
                               + 80000 / 3 * 1.02 ** 3, rtol=1e-12)


def test_a_per_building_table_gives_the_accounts(tmp_path):
    """portfolio.buildings gives compound B two stairs: east 5 floors × 4 units × 72 m² =
    1,440 m², west 4 floors × 5 units with no area (2,800 m² / 40 households = 70 m²) =
    1,400 m². Their accounts take 1.2 CNY/m² in year 1: 1,728 and 1,680; each compound has
    the bits of its own run."""
    district = lift_district(tmp_path, [C0, ("B", 40, 2800, "", "")],
                             "compound_id,building,floors,units_per_floor,area_per_unit_m2\n"
                             "B,east stair,5,4,72\n"
                             "B,west stair,4,5,\n")
    table = district.portfolio.table
    together = run_compounds(model_inputs(district, point_values(district), 1, table))
    for i in range(len(table)):
        alone = one_compound(district, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"compound {i}: {metric}")
    accounts = fundmodel.evaluate(one_compound(district, 1)).table("fund_buildings")
    first = accounts["building_fund_deposits"].xs(1, level="operating_year")
    assert first.to_dict() == pytest.approx({"east stair": 1728.0, "west stair": 1680.0},
                                            rel=1e-15)
