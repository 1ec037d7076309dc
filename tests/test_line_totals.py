"""Income and cost lines given as totals over the years they run, spread by a profile (issue
22: disclosures state a line's total over the term) — worked by hand, with shocks, over draws,
in a district, and malformed input located."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"
AD = "operations.income[advertising]"
UPKEEP = "operations.costs[rooms upkeep]"


def yearly(*overrides):
    return fundmodel.evaluate(fundmodel.load_scenario(BOND_PLAN, list(overrides))).yearly()


def test_a_total_spread_equally_and_by_a_profile():
    """12 M over the 20 operating years: 600,000 a year, no growth (each year's money as
    stated). 1,000 by percent 10 × 9, 0 × 10, 10: 100 in years 1–9 and 20."""
    flat = yearly(f"{AD}.per_year=null", f"{AD}.total=12000000")["income[advertising]"]
    assert flat.tolist() == [600_000.0] * 20
    shaped = yearly(f"{AD}.per_year=null", f"{AD}.total=1000",
                    f"{AD}.profile=[10,10,10,10,10,10,10,10,10,0,0,0,0,0,0,0,0,0,0,10]")
    assert shaped["income[advertising]"].tolist() == [100.0] * 9 + [0.0] * 10 + [100.0]


def test_a_total_over_the_years_a_line_runs():
    """A cost of 500,000 over operating years 3–7 (first_year 3, years 5), shares 0.1, 0.2,
    0.3, 0.2, 0.2: 50,000, 100,000, 150,000, 100,000, 100,000 and 0 elsewhere."""
    cost = yearly(f"{UPKEEP}.per_year=null", f"{UPKEEP}.total=500000", f"{UPKEEP}.first_year=3",
                  f"{UPKEEP}.years=5", f"{UPKEEP}.profile=[0.1,0.2,0.3,0.2,0.2]")
    got = cost["cost[rooms upkeep]"].to_numpy()
    np.testing.assert_allclose(got[2:7], [50_000, 100_000, 150_000, 100_000, 100_000],
                               rtol=1e-15)
    assert (got[:2] == 0).all() and (got[7:] == 0).all()


def test_shocks_move_a_total_as_any_line():
    """× 2 doubles each year's share; a year's delay moves the spread one year later."""
    cost = yearly(f"{UPKEEP}.per_year=null", f"{UPKEEP}.total=3000000",
                  "shocks=[{target: costs, factor: 2}, {target: delay, years: 1}]")
    assert cost["cost[rooms upkeep]"].tolist()[:4] == [0.0, 300_000.0, 300_000.0, 300_000.0]


def test_an_uncertain_total_over_draws():
    """A total of 10 M or 20 M with equal chance: year 1 is 500,000 or 1,000,000."""
    sc = fundmodel.load_scenario(BOND_PLAN, [
        f"{AD}.per_year=null", f"{AD}.total={{dist: choice, values: [10000000, 20000000]}}"])
    res = fundmodel.simulate(sc, draws=64, seed=2, keep_yearly=True)
    assert res.yearly("p5")["income[advertising]"].iloc[0] == 500_000.0
    assert res.yearly("p95")["income[advertising]"].iloc[0] == 1_000_000.0


def test_a_total_in_a_district_only_where_it_applies(tmp_path):
    """Street 8's rooms let as a total of 240,000 over 20 years (12,000 a year), for the
    compounds of 50 households or more only (the line's applies_to): 12,000 a year there,
    nothing elsewhere, each compound with the bits of its own run."""
    from fundmodel.portfolio.evaluation import evaluate_portfolio
    from fundmodel.scenario.portfolio import one_compound
    program = ROOT / "scenarios" / "xinghualing-district-programme.yaml"
    line = "operations.income[property rooms]"
    sc = fundmodel.load_scenario(program, [f"{line}.units=null", f"{line}.price_per_month=null",
                                           f"{line}.total=240000"])
    res = evaluate_portfolio(sc)
    table = sc.portfolio.table
    big = int(np.argmax(np.asarray(table.households) >= 50))
    small = int(np.argmax(np.asarray(table.households) < 50))
    for c, expected in ((big, 12_000.0), (small, 0.0)):
        own = fundmodel.evaluate(one_compound(sc, c))
        assert own.yearly()["income[property rooms]"].tolist() == [expected] * 20
        assert res.compounds.loc[c, "npv_operations"] == \
            own.summary().loc["npv_operations", "mean"]


@pytest.mark.parametrize("sets, path, phrase", [
    ([f"{AD}.total=1000"], "operations.income[2].per_year", "give either total or per_year"),
    ([f"{AD}.per_year=null", f"{AD}.profile=[100]"], "operations.income[2].profile",
     "give total"),
    ([f"{AD}.per_year=null", f"{AD}.total=1000", f"{AD}.growth=0.02"],
     "operations.income[2].growth", "leave growth out"),
    ([f"{AD}.per_year=null", f"{AD}.total=1000", f"{AD}.profile=[50, 40]"],
     "operations.income[2].profile", "sums to 90"),
    ([f"{AD}.per_year=null", f"{AD}.total=1000", f"{AD}.profile=[50, 50]"],
     "operations.income[2].profile", "2 shares for the 20 years"),
    ([f"{UPKEEP}.per_year=null", f"{UPKEEP}.total=1000", f"{UPKEEP}.ageing=0.02"],
     "operations.costs[2].ageing", "leave ageing out"),
])
def test_malformed_totals_are_located(tmp_path, capsys, sets, path, phrase):
    args = ["validate", str(BOND_PLAN)]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert path in err and phrase in err, err
