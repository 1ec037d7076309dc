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
from fundmodel.catalog import FUND_BUILDING_METRICS, FUND_METRICS, lookup
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


def test_every_building_votes_its_lift_in():
    """Willing to pay 1e9: both stairs build their lift, both overhaul it in year 2:
    2 × 30,000."""
    data = copy.deepcopy(TWO)
    data["households"]["decisions"][0]["willingness_to_pay_cny"] = 1e9
    out = run(fundmodel.Scenario.model_validate(data))
    assert out.metrics["built_share[lift]"][0] == 1.0
    lift = out.ledger["repairs_fund.replacement[lift overhaul]"][0, 0]
    assert lift.tolist() == pytest.approx([0, 60000, 0], abs=1e-9)
