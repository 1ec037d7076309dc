"""Shocks (issue 22, part 2): multiplicative or additive changes to groups of lines — worked
by hand on the special-bond plan, read by solve and Monte Carlo, malformed input located."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"
BOND = "debt[special bond]"
INCOME = ["income[parking]", "income[property rooms]", "income[advertising]",
          "income[EV charging]"]


def run(*shocks: str):
    return fundmodel.evaluate(fundmodel.load_scenario(
        BOND_PLAN, [f"shocks[+]={s}" for s in shocks]))


@pytest.fixture(scope="module")
def base():
    return run()


def test_no_shock_and_a_factor_of_one_change_no_bit(base):
    one = run("{target: income, factor: 1}", "{target: rates, add: 0}")
    assert one.summary().equals(base.summary())
    assert one.yearly().equals(base.yearly())


def test_revenue_minus_ten_percent(base):
    """Every income line and the fee × 0.9 in every year; the bond pledges income lines
    only, so its gross cover is 0.9 × the base's (the service is unchanged: the bond's 60 M
    are lent either way)."""
    shocked = run("{target: income, factor: 0.9}")
    y0, y1 = base.yearly(), shocked.yearly()
    for line in INCOME + ["property_fee_income"]:
        np.testing.assert_allclose(y1[line], 0.9 * y0[line], rtol=1e-14, err_msg=line)
    s0, s1 = base.summary()["mean"], shocked.summary()["mean"]
    assert s1[f"{BOND}.amount"] == s0[f"{BOND}.amount"]
    assert s1[f"{BOND}.coverage_gross"] == pytest.approx(0.9 * s0[f"{BOND}.coverage_gross"],
                                                         rel=1e-13)


def test_one_income_line_and_the_costs(base):
    """income[parking] × 0.5 halves parking alone; costs × 1.2 raises every cost line by a
    fifth and leaves the income."""
    half = run("{target: 'income[parking]', factor: 0.5}").yearly()
    y0 = base.yearly()
    np.testing.assert_allclose(half["income[parking]"], 0.5 * y0["income[parking]"], rtol=1e-14)
    np.testing.assert_array_equal(half["income[advertising]"], y0["income[advertising]"])
    dear = run("{target: costs, factor: 1.2}").yearly()
    for line in ("cost[property service]", "cost[parking and charging operation]",
                 "cost[rooms upkeep]"):
        np.testing.assert_allclose(dear[line], 1.2 * y0[line], rtol=1e-14, err_msg=line)
    np.testing.assert_array_equal(dear["income[parking]"], y0["income[parking]"])


def test_rates_plus_100_bp(base):
    """The bond's coupon 3.1 % + 1 %: in its first (grace) year it pays 4.1 % of what it
    lends (the need on its items, 59.57 M at the point estimates, either way)."""
    up = run("{target: rates, add: 0.01}")
    lent = base.summary()["mean"][f"{BOND}.amount"]
    assert up.summary()["mean"][f"{BOND}.amount"] == lent
    assert base.debt()["interest"].iloc[0] == pytest.approx(0.031 * lent, rel=1e-14)
    assert up.debt()["interest"].iloc[0] == pytest.approx(0.041 * lent, rel=1e-14)


def test_capex_and_one_item(base):
    """item[roads and lighting] × 1.5 adds half its cost: 70,000 m² × 150 CNY × 0.5 =
    5.25 M CNY before contingency (at the point estimate, the triangular's mean (0 + 0.04 +
    0.12) / 3)."""
    more = run("{target: 'item[roads and lighting]', factor: 1.5}").summary()["mean"]
    extra = more["capex_total"] - base.summary()["mean"]["capex_total"]
    assert extra == pytest.approx(70_000 * 150 * 0.5 * (1 + 0.16 / 3), rel=1e-12)
    all_items = run("{target: capex, factor: 1.1}").summary()["mean"]["capex_total"]
    assert all_items == pytest.approx(1.1 * base.summary()["mean"]["capex_total"], rel=1e-13)


def test_shocks_compose_in_order(base):
    """0.9 then 0.8 on income: × 0.72."""
    both = run("{target: income, factor: 0.9}", "{target: income, factor: 0.8}").yearly()
    np.testing.assert_allclose(both["income[parking]"], 0.72 * base.yearly()["income[parking]"],
                               rtol=1e-14)


def test_the_break_even_revenue_shock_by_solve(base):
    """How far revenue can fall before the gross cover is 1.2: the cover is linear in the
    factor, so f = 1.2 / cover."""
    sc = fundmodel.load_scenario(BOND_PLAN, ["shocks[+]={target: income, factor: 1.0}"])
    found = fundmodel.solve(sc, "shocks[0].factor", f"{BOND}.coverage_gross = 1.2", point=True)
    cover = base.summary()["mean"][f"{BOND}.coverage_gross"]
    assert float(np.squeeze(found.value)) == pytest.approx(1.2 / cover, rel=1e-9)


def test_an_uncertain_factor_in_monte_carlo(base):
    """A fee factor of 0.8 or 1.0 with equal chance and a fixed collection rate: the fee of
    year 1 is 0.8 × or 1 × the unshocked one, both among the draws (p5 and p95)."""
    fixed = ["operations.property_fee.collection_rate=0.75"]
    sc = fundmodel.load_scenario(BOND_PLAN, fixed + [
        "shocks[+]={target: property_fee, factor: {dist: choice, values: [0.8, 1.0]}}"])
    res = fundmodel.simulate(sc, draws=64, seed=3, keep_yearly=True)
    fee = fundmodel.evaluate(fundmodel.load_scenario(BOND_PLAN, fixed)).yearly()[
        "property_fee_income"].iloc[0]
    assert res.yearly("p5")["property_fee_income"].iloc[0] == pytest.approx(0.8 * fee,
                                                                            rel=1e-14)
    assert res.yearly("p95")["property_fee_income"].iloc[0] == pytest.approx(fee, rel=1e-14)


@pytest.mark.parametrize("shock, path, phrase", [
    ("income*0.9", None, None),
    ("incme*0.9", "shocks[0].target", "did you mean 'income'"),
    ("income+0.01", "shocks[0].add", "give a factor instead"),
    ("'income[garage]'*0.9", "shocks[0].target", "no income line is named 'garage'"),
    ("income*-1", "shocks[0].factor", "greater than or equal to 0"),
    ("income/2", "shocks", "expected TARGET*FACTOR"),
])
def test_the_shock_option(tmp_path, capsys, shock, path, phrase):
    out = tmp_path / "out"
    code = main(["run", str(BOND_PLAN), "--shock", shock.replace("'", ""), "--out", str(out)])
    err = capsys.readouterr().err
    if path is None:
        assert code == 0 and (out / "summary.csv").exists()
        return
    assert code == 2 and not out.exists()
    assert f"--shock {shock.replace(chr(39), '')}" in err and path in err and phrase in err, err


def test_a_shock_in_a_file_is_located(tmp_path, capsys):
    text = BOND_PLAN.read_text("utf-8") + "\nshocks:\n  - {target: rates, factor: 1.1, add: 0.01}\n"
    path = tmp_path / "s.yaml"
    path.write_text(text, "utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index("  - {target: rates, factor: 1.1, add: 0.01}") + 1
    assert f"s.yaml:{line}:" in err and "shocks[0]" in err and "either factor" in err, err


def test_rates_without_a_debt_is_refused(tmp_path, capsys):
    sanqiao = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    assert main(["validate", str(sanqiao), "--shock", "rates+0.01"]) == 2
    assert "no funding rule is a debt" in capsys.readouterr().err


def test_rates_move_every_tranches_coupon_too():
    """A bond issued in two tranches of 30 M at 3 % and 3.4 %, cut pro rata to the need on its
    items (59.57 M at the point estimates: half each): +100 bp makes its interest of operating
    year 1 (both issued, grace) L/2 × 4 % + L/2 × 4.4 %."""
    bond = ["funding[2].amount=null",
            "funding[2].tranches=[{year: 2024, amount: 30000000, rate: 0.03}, "
            "{year: 2025, amount: 30000000, rate: 0.034}]"]
    plain = fundmodel.evaluate(fundmodel.load_scenario(BOND_PLAN, bond))
    up = fundmodel.evaluate(fundmodel.load_scenario(
        BOND_PLAN, bond + ["shocks[+]={target: rates, add: 0.01}"]))
    half = plain.summary()["mean"][f"{BOND}.amount"] / 2
    assert up.summary()["mean"][f"{BOND}.amount"] == 2 * half
    assert plain.debt()["interest"].iloc[0] == pytest.approx(half * (0.03 + 0.034), rel=1e-12)
    assert up.debt()["interest"].iloc[0] == pytest.approx(half * (0.04 + 0.044), rel=1e-12)


def test_a_years_delay(base):
    """The operation a year late: no fee and no income in operating year 1, the later years
    as they were (at their own prices); the bond's service keeps its years, so its gross cover
    loses year 1's pledged revenue: g − R_1 / S."""
    late = run("{target: delay, years: 1}")
    y0, y1 = base.yearly(), late.yearly()
    for line in INCOME + ["property_fee_income", "cost[property service]"]:
        assert y1[line].iloc[0] == 0.0, line
        np.testing.assert_array_equal(y1[line].iloc[1:], y0[line].iloc[1:], err_msg=line)
    debt = base.debt()
    cover = base.summary()["mean"][f"{BOND}.coverage_gross"]
    expected = cover - debt["pledged_revenue"].iloc[0] / debt["debt_service"].sum()
    assert late.summary()["mean"][f"{BOND}.coverage_gross"] == pytest.approx(expected,
                                                                             rel=1e-12)


@pytest.mark.parametrize("shock, phrase", [
    ("{target: delay}", "give years"),
    ("{target: delay, years: 1, factor: 0.9}", "give years"),
    ("{target: income, factor: 0.9, years: 1}", "years is for target: delay"),
])
def test_malformed_delay(shock, phrase):
    with pytest.raises(fundmodel.ScenarioError, match=phrase):
        run(shock)


def test_the_delay_on_the_command_line(tmp_path):
    """--shock delay+1 is {target: delay, years: 1}."""
    from fundmodel.cli.main import shock_override
    assert str(shock_override("delay+1")) == 'shocks[+]={target: "delay", years: 1}'
    assert str(shock_override("rates-0.005")) == 'shocks[+]={target: "rates", add: -0.005}'
