"""The stress tests of a bond (issue 22): each shock's cover, the sensitivity coefficients and
the break-even shocks worked out by hand on the special-bond plan, P(cover < threshold) counted
over the draws, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel.cli import main
from fundmodel.errors import ModelError
from fundmodel.evaluation import StressShock, break_even, cover_below, stress_grid

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"
B = "debt[special bond]"


@pytest.fixture(scope="module")
def plan():
    return fundmodel.load_scenario(BOND_PLAN)


@pytest.fixture(scope="module")
def grid(plan):
    return stress_grid(plan)


def test_each_shock_worked_by_hand(plan, grid):
    """With R the pledged income, C the pledged costs and S the service over the term, gross
    = R / S and net = (R − C) / S, so C / S = gross − net. Revenue × f: gross f·g, net f·g −
    (g − n); costs × f: gross g, net g − f (g − n). The bond (3.1 %, 15 years, 2 of grace,
    equal principal over 13) services A (1 + r (2 + (13 + 12 + … + 1) / 13)) = A (1 + 9 r)
    over its term: +100 bp scales every cover by (1 + 9 × 0.031) / (1 + 9 × 0.041)."""
    g, n = grid.loc["base", f"{B}.coverage_gross"], grid.loc["base", f"{B}.coverage_net"]
    base = fundmodel.evaluate(plan).summary()["mean"]
    assert (g, n) == (base[f"{B}.coverage_gross"], base[f"{B}.coverage_net"])
    expect = {"revenue −10 %": (0.9 * g, 0.9 * g - (g - n)),
              "revenue −20 %": (0.8 * g, 0.8 * g - (g - n)),
              "cost +10 %": (g, g - 1.1 * (g - n)),
              "cost +20 %": (g, g - 1.2 * (g - n)),
              "rate +100 bp": (g * 1.279 / 1.369, n * 1.279 / 1.369)}
    for shock, (gross, net) in expect.items():
        assert grid.loc[shock, f"{B}.coverage_gross"] == pytest.approx(gross, rel=1e-12), shock
        assert grid.loc[shock, f"{B}.coverage_net"] == pytest.approx(net, rel=1e-12), shock
    assert list(grid["target"]) == ["", "income", "income", "costs", "costs", "rates",
                                    "delay"]
    # a year's delay: the term's revenue loses its first year, R_1 / S of the gross cover
    debt = fundmodel.evaluate(plan).debt()
    assert grid.loc["delay 1 year", f"{B}.coverage_gross"] == pytest.approx(
        g - debt["pledged_revenue"].iloc[0] / debt["debt_service"].sum(), rel=1e-12)
    assert np.isnan(grid.attrs["sensitivity"].loc["delay 1 year", f"{B}.coverage_gross"])
    assert grid.attrs["zh"]["rate +100 bp"] == "利率上升100个基点"


def test_sensitivity_coefficients_as_defined(grid):
    """(Δcover / cover) / (Δfactor / factor): revenue on the gross cover 1, on the net g / n;
    costs on the net −(g − n) / n; the rate's relative change 0.01 / 0.031."""
    g, n = grid.loc["base", f"{B}.coverage_gross"], grid.loc["base", f"{B}.coverage_net"]
    s = grid.attrs["sensitivity"]
    assert s.loc["revenue −10 %", f"{B}.coverage_gross"] == pytest.approx(1.0, rel=1e-12)
    assert s.loc["revenue −20 %", f"{B}.coverage_net"] == pytest.approx(g / n, rel=1e-12)
    assert s.loc["cost +10 %", f"{B}.coverage_net"] == pytest.approx(-(g - n) / n, rel=1e-12)
    assert s.loc["cost +10 %", f"{B}.coverage_gross"] == 0.0
    rate = (1.279 / 1.369 - 1) / (0.01 / 0.031)
    assert s.loc["rate +100 bp", f"{B}.coverage_gross"] == pytest.approx(rate, rel=1e-12)


def test_break_even_shocks_by_hand(plan, grid):
    """The bond pledges costs, so its basis is net: revenue × f meets t where f g − (g − n)
    = t; costs × f where g − f (g − n) = t."""
    g, n = grid.loc["base", f"{B}.coverage_gross"], grid.loc["base", f"{B}.coverage_net"]
    found = break_even(plan).set_index(["target", "threshold"])
    assert set(found["basis"]) == {"coverage_net"}
    for t in (1.1, 1.2):
        assert found.loc[("income", t), "factor"] == pytest.approx((t + g - n) / g, rel=1e-8)
        assert found.loc[("costs", t), "factor"] == pytest.approx((g - t) / (g - n), rel=1e-8)
        assert found.loc[("income", t), "change"] == pytest.approx(
            found.loc[("income", t), "factor"] - 1.0)


def test_cover_below_counts_the_draws(plan):
    res = fundmodel.simulate(plan, draws=300, seed=4, keep_draws=True)
    table = cover_below(res, (1.0, 1.2))
    net = res.metric(f"{B}.coverage_net")
    p = (net < 1.2).mean()
    row = table.set_index("threshold").loc[1.2]
    assert row["probability"] == p and row["draws"] == 300
    assert row["mcse"] == pytest.approx(np.sqrt(p * (1 - p) / 300))


def test_a_grid_of_ones_own_and_refusals(plan):
    one = stress_grid(plan, [StressShock("parking −50 %", "income[parking]", factor=0.5)])
    assert list(one.index) == ["base", "parking −50 %"]
    sanqiao = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    with pytest.raises(ModelError, match="has no debt"):
        stress_grid(sanqiao)
    with pytest.raises(ModelError, match="no income line is named 'garage'"):
        stress_grid(plan, [StressShock("garage", "income[garage]", factor=0.5)])


def test_the_command_prints_and_writes_a_set(tmp_path, capsys):
    out = tmp_path / "out"
    book, document = tmp_path / "annex.xlsx", tmp_path / "annex.docx"
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "50", "--out", str(out),
                 "--excel", str(book), "--docx", str(document)]) == 0
    printed = capsys.readouterr().out
    assert "revenue −20 %" in printed and "Break-even shocks" in printed
    annex = [f"annex_{n}.csv" for n in range(1, 7)]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["break_even.csv", "checks.csv", "cover_below.csv", "reverse_stress.csv", "run.json",
         "sensitivity.csv", "stress.csv", *annex])
    assert book.exists() and document.exists()
    assert pd.read_csv(out / "annex_1.csv", index_col=0).index[-1] == "资金缺口"
    stress = pd.read_csv(out / "stress.csv", index_col="shock")
    assert stress.loc["cost +20 %", f"{B}.coverage_gross"] == pytest.approx(
        stress.loc["base", f"{B}.coverage_gross"])
    sanqiao = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    assert main(["bond-evaluation", str(sanqiao), "--draws", "0", "--out",
                 str(tmp_path / "none")]) == 2
    assert "has no debt" in capsys.readouterr().err and not (tmp_path / "none").exists()
    # a workbook that cannot be one is refused before any work, nothing written
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "0", "--out",
                 str(tmp_path / "bad"), "--excel", str(tmp_path / "annex.txt")]) == 2
    assert ".xlsx" in capsys.readouterr().err and not (tmp_path / "bad").exists()


# ------------------------------------------------------------------ the reverse stress test
def test_prim_finds_the_one_input_that_breaches():
    """Breach where x0 < 0.2, whatever x1 and x2: the box keeps x0 below about 0.2 and
    restricts nothing else that matters."""
    from fundmodel.evaluation import prim_box
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(size=(4000, 3)), columns=["x0", "x1", "x2"])
    found = prim_box(x, x["x0"].to_numpy() < 0.2)
    assert found.drivers == ["x0"]
    assert found.box.loc["x0", "high"] == pytest.approx(0.2, abs=0.02)
    assert found.density > 0.95 and found.coverage >= 0.5
    assert found.base_rate == pytest.approx(0.2, abs=0.02)


def test_the_reverse_stress_test_recovers_the_driving_input(plan):
    """The bond plan with every uncertain input fixed but the fee's collection (not pledged:
    it cannot move the bond's cover) and the parking's occupancy: the draws whose net cover
    is below its median are those of low occupancy, and the test names it alone."""
    from fundmodel.evaluation import reverse_stress
    fixed = fundmodel.load_scenario(BOND_PLAN, [
        "renovation.contingency=0.04", "renovation.items[roofs and facades].unit_cost=110",
        "operations.income[property rooms].occupancy=0.85",
        "operations.income[EV charging].per_year=900000"])
    res = fundmodel.simulate(fixed, draws=2000, seed=5, keep_draws=True)
    assert set(res.inputs.columns) == {"operations.property_fee.collection_rate",
                                       "operations.income[parking].occupancy"}
    net = res.metric(f"{B}.coverage_net")
    found = reverse_stress(res, f"{B}.coverage_net", float(np.median(net)))
    assert found.drivers == ["operations.income[parking].occupancy"]
    occupancy = res.inputs["operations.income[parking].occupancy"].to_numpy()
    breach = net < np.median(net)
    # the cover rises with occupancy: every breach has a lower occupancy than every pass
    assert occupancy[breach].max() <= occupancy[~breach].min()
    assert found.box.iloc[0]["high"] <= occupancy[~breach].min()


def test_the_reverse_stress_test_needs_both_kinds_of_draws(plan):
    from fundmodel.evaluation import reverse_stress
    res = fundmodel.simulate(plan, draws=100, seed=1, keep_draws=True)
    with pytest.raises(ModelError, match="needs draws of both kinds"):
        reverse_stress(res, f"{B}.coverage_net", 100.0)


# ------------------------------------------------------------------ the debt system's checks
def _checks(*overrides):
    from fundmodel.evaluation import debt_checks
    sc = fundmodel.load_scenario(BOND_PLAN, list(overrides))
    return debt_checks(fundmodel.evaluate(sc)).set_index(["debt", "check"])


def test_the_debt_checks_of_the_bond_plan():
    """Its principal repaid equals the 59.57 M lent; its net cover 0.95 fails the 1.1 a bond
    needs and, the only debt, the 1.2 of all debts; without asset_life_years the term is not
    checked against it."""
    checks = _checks()
    bond = "special bond"
    assert checks.loc[(bond, "principal_repaid"), "status"] == "pass"
    assert checks.loc[(bond, "principal_repaid"), "value"] == pytest.approx(
        checks.loc[(bond, "principal_repaid"), "limit"], rel=1e-12)
    assert checks.loc[(bond, "cover_floor"), "status"] == "fail"
    assert checks.loc[("all", "all_debts_cover"), "status"] == "fail"
    assert checks.loc[(bond, "term_within_asset_life"), "status"] == "not checked"
    assert checks.loc[(bond, "term_limit"), "status"] == "pass"


def test_each_check_fails_or_questions_where_it_should():
    bond = "special bond"
    short = _checks("funding[2].asset_life_years=10")
    assert short.loc[(bond, "term_within_asset_life"), "status"] == "fail"
    assert short.loc[(bond, "term_within_asset_life"), "path"] == "funding[2].asset_life_years"
    long = _checks("horizon_years=35", "funding[2].term_years=31")
    assert long.loc[(bond, "term_limit"), "status"] == "fail"
    assert long.loc[(bond, "revenue_within_operation"), "status"] == "pass"
    small = _checks("funding[2].amount=10000000", "funding[2].capital_share=0.2")
    assert small.loc[(bond, "cover_plausible"), "status"] == "question"
    assert small.loc[(bond, "capital_part"), "status"] == "pass"
    assert small.loc[(bond, "capital_part"), "value"] == pytest.approx(0.2 * 10e6)
    capitalised = _checks("funding[2].construction_interest=capitalised")
    row = capitalised.loc[(bond, "principal_repaid")]
    assert row["status"] == "pass" and row["limit"] > 59.5e6   # lent + interest capitalised


def test_strict_exits_3_on_a_failed_check_and_the_checks_are_located(tmp_path, capsys):
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "0", "--strict", "--out",
                 str(tmp_path / "f")]) == 3
    assert "Cover ≥ 1.1" in capsys.readouterr().out
    checks = pd.read_csv(tmp_path / "f" / "checks.csv").set_index("check")
    line = BOND_PLAN.read_text("utf-8").splitlines().index("  - source: special_bond") + 1
    assert checks.loc["cover_floor", "at"] == f"{BOND_PLAN}:{line}:5"
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "0", "--set",
                 "funding[2].amount=30000000", "--strict", "--out", str(tmp_path / "o")]) == 0
    checks = pd.read_csv(tmp_path / "o" / "checks.csv")
    assert set(checks["status"]) <= {"pass", "not checked"}


def test_a_grid_of_ones_own_on_the_command_line(tmp_path, capsys):
    """--stress replaces the standard grid, each shock named as written: revenue × 0.85 is
    0.85 × the gross cover (the bond pledges income lines only)."""
    out = tmp_path / "o"
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "0", "--stress", "income*0.85",
                 "--stress", "delay+2", "--out", str(out)]) == 0
    grid = pd.read_csv(out / "stress.csv", index_col="shock")
    assert list(grid.index) == ["base", "income*0.85", "delay+2"]
    assert grid.loc["income*0.85", f"{B}.coverage_gross"] == pytest.approx(
        0.85 * grid.loc["base", f"{B}.coverage_gross"], rel=1e-12)
    capsys.readouterr()
    assert main(["bond-evaluation", str(BOND_PLAN), "--draws", "0", "--stress", "income/2",
                 "--out", str(tmp_path / "bad")]) == 2
    assert "--stress income/2" in capsys.readouterr().err and not (tmp_path / "bad").exists()
