"""Sources as the case reports write them: central budget investment and provincial funds
beside the central subsidy, crowdfunding, a subsidy per unit of quantity, a cap per household —
worked by hand."""

from __future__ import annotations

import pytest

import fundmodel
from fundmodel import Scenario

from malformed import check_cli_rejects, edit, load_issues, write

LIFTS = {"name": "lifts", "tier": "upgrade", "quantity": 2, "unit": "lift", "unit_cost": 600_000}
PIPES = {"name": "pipes", "tier": "basic", "quantity": 300, "unit": "m", "unit_cost": 500}


def run(funding, items=(LIFTS, PIPES)):
    sc = Scenario.model_validate({
        "name": "sources", "start_year": 2025, "horizon_years": 2, "discount_rate": 0.0,
        "compound": {"name": "c", "households": 48, "floor_area_m2": 4000},
        "renovation": {"items": list(items)}, "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}}})
    return fundmodel.evaluate(sc)


def test_a_subsidy_per_lift():
    # 2 lifts × 250,000 CNY = 500,000 of the lifts' 1.2 M
    res = run([{"source": "central_subsidy", "per_unit": 250_000, "items": ["lifts"]}])
    assert res.funding().loc["central_subsidy", "amount"] == pytest.approx(500_000)
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(1_200_000 + 150_000 - 500_000)


def test_a_cap_per_household():
    # residents offer 40,000 × 48 households = 1.92 M, capped at 20,000 × 48 = 960,000
    res = run([{"source": "residents", "per_household": 40_000, "cap_per_household": 20_000}])
    assert res.funding().loc["residents", "amount"] == pytest.approx(960_000)


def test_central_budget_investment_and_provincial_funds_are_their_own_sources():
    res = run([{"source": "central_subsidy", "amount": 300_000},
               {"source": "central_budget_investment", "per_unit": 100_000, "items": ["lifts"]},
               {"source": "provincial_funds", "match_ratio": 0.5},
               {"source": "crowdfunding", "per_household": 1_000, "uptake": 0.5}])
    f = res.funding()
    assert f.loc["central_budget_investment", "amount"] == pytest.approx(200_000)
    assert f.loc["provincial_funds", "amount"] == pytest.approx(150_000)     # 0.5 × 300,000
    assert f.loc["crowdfunding", "amount"] == pytest.approx(24_000)          # 1,000 × 48 × 0.5
    gov = res.government().loc[2025]
    assert gov["central_government"] == pytest.approx(500_000)
    assert gov["provincial_government"] == pytest.approx(150_000)
    assert res.metrics.loc[0, "government_cost"] == pytest.approx(650_000)
    assert res.metrics.loc[0, "resident_cost"] == pytest.approx(24_000)   # crowdfunding only
    assert res.parties().loc["provincial_government", "paid"] == pytest.approx(150_000)


def test_per_unit_over_items_of_different_units_is_refused(tmp_path, capsys):
    text = edit("    per_household: 12000\n    tiers: [basic]\n",
                "    per_unit: 100\n    tiers: [basic]\n")
    p = write(tmp_path, text)
    issues = load_issues(p)
    assert [i.path for i in issues] == ["funding[0].per_unit"]
    assert "different units ('m', 'm2', 'system')" in issues[0].message
    check_cli_rejects(p, tmp_path, capsys, "funding[0].per_unit")


def test_a_negative_cap_per_household_is_located(tmp_path, capsys):
    text = edit("    per_household: 12000\n", "    per_household: 12000\n    cap_per_household: -1\n")
    p = write(tmp_path, text)
    issues = load_issues(p)
    assert [i.path for i in issues] == ["funding[0].cap_per_household"]
    check_cli_rejects(p, tmp_path, capsys, "funding[0].cap_per_household")
