"""The owners' account (小区公共收益账户, issue 21): income lines paid to the compound's own
account, used in order — the operating deficit of the year, the repairs fund, carried forward —
worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

import fundmodel
from fundmodel import Scenario
from malformed import BASE_TEXT, check_one_located_issue, edit, line_of, write


def scenario(cost_per_year: float, account: dict | None = None, fund: bool = True,
             paid_to: str = "compound_account") -> Scenario:
    # fee 0.5 CNY/m²/month × 1,000 m² × 12 = 6,000 a year; one cost line, no margin, flat;
    # parking 3,000 a year; 3 operating years; a repairs fund of 1 CNY/m²/year = 1,000 a year
    data = {
        "name": "owners' account", "start_year": 2025, "horizon_years": 3,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": [{"name": "a", "tier": "basic", "quantity": 1,
                                  "unit_cost": 1000}]},
        "funding": [{"source": "central_subsidy", "share": 1.0}],
        "operations": {"property_fee": {"rate_per_m2_month": 0.5},
                       "income": [{"name": "parking", "per_year": 3000, "growth": 0,
                                   "paid_to": paid_to}],
                       "costs": [{"name": "service", "per_year": cost_per_year, "growth": 0}]}}
    if account is not None:
        data["operations"]["owners_account"] = account
    if fund:
        data["repairs_fund"] = {"contribution_per_m2_year": 1.0}
    return Scenario.model_validate(data)


def test_the_account_tops_up_the_deficit_first_as_far_as_its_balance_allows():
    # the operator: 6,000 − 10,000 = −4,000 a year. The account (opening 2,000, parking 3,000):
    # year 1: 2,000 + 3,000 = 5,000, tops up 4,000, keeps 1,000
    # year 2: 1,000 + 3,000 = 4,000, tops up 4,000, keeps 0
    # year 3: 0 + 3,000, tops up 3,000 (all it has), keeps 0: the operator is 1,000 short
    result = fundmodel.evaluate(scenario(10000, {"opening_balance": 2000,
                                                 "to_repairs_fund_share": 0.5}))
    y = result.yearly()
    assert y["owners_account_income"].tolist() == pytest.approx([3000.0] * 3)
    assert y["owners_account_top_up"].tolist() == pytest.approx([4000.0, 4000.0, 3000.0])
    assert y["owners_account_to_repairs_fund"].tolist() == pytest.approx([0.0] * 3)
    assert y["owners_account_balance"].tolist() == pytest.approx([1000.0, 0.0, 0.0])
    # the parking is not the operator's income; its net cash flow stays its own (−4,000) and
    # the top-ups enter its cumulative balance: 0, 0, −1,000
    assert y["total_income"].tolist() == pytest.approx([6000.0] * 3)
    assert y["operating_surplus"].tolist() == pytest.approx([-4000.0] * 3)
    assert y["cumulative_balance"].tolist() == pytest.approx([0.0, 0.0, -1000.0])
    # the fund gets only the residents' 1,000 a year
    assert y["fund_balance"].tolist() == pytest.approx([1000.0, 2000.0, 3000.0])


def test_what_is_left_goes_to_the_fund_at_its_share_and_the_rest_is_carried():
    # the operator: 6,000 − 7,000 = −1,000 a year. Each year the account tops up 1,000, pays
    # 0.5 × (3,000 − 1,000) = 1,000 into the fund and keeps the other 1,000:
    # balances 2,000 + 1,000 = 3,000, 4,000, 5,000; the fund 1,000 + 1,000 a year
    result = fundmodel.evaluate(scenario(7000, {"opening_balance": 2000,
                                                "to_repairs_fund_share": 0.5}))
    y = result.yearly()
    assert y["owners_account_top_up"].tolist() == pytest.approx([1000.0] * 3)
    assert y["owners_account_to_repairs_fund"].tolist() == pytest.approx([1000.0] * 3)
    assert y["owners_account_balance"].tolist() == pytest.approx([3000.0, 4000.0, 5000.0])
    assert y["cumulative_balance"].tolist() == pytest.approx([0.0] * 3)
    assert y["fund_balance"].tolist() == pytest.approx([2000.0, 4000.0, 6000.0])
    # on the ledger: users → account 3,000; account → operator 1,000; account → fund 1,000
    cf = result.cashflows()
    def flow(line):
        rows = cf[cf["line"] == line]
        return rows.iloc[0]["payer"], rows.iloc[0]["payee"], rows["amount"].sum()
    assert flow("income[parking]") == ("users", "compound_account", pytest.approx(9000.0))
    assert flow("owners_account.top_up") == ("compound_account", "operator",
                                             pytest.approx(3000.0))
    assert flow("owners_account.to_repairs_fund") == ("compound_account", "repairs_fund",
                                                      pytest.approx(3000.0))
    # the parties' view: the account received 9,000 and paid 6,000; it keeps 3,000 more than
    # its opening balance (5,000 − 2,000)
    parties = result.parties()
    assert parties.loc["compound_account", "received"] == pytest.approx(9000.0)
    assert parties.loc["compound_account", "paid"] == pytest.approx(6000.0)


def test_by_default_the_account_covers_the_deficit_and_carries_the_rest():
    # no owners_account section: opening 0, covers the deficit, nothing to the fund
    y = fundmodel.evaluate(scenario(7000, None, fund=False)).yearly()
    assert y["owners_account_top_up"].tolist() == pytest.approx([1000.0] * 3)
    assert y["owners_account_balance"].tolist() == pytest.approx([2000.0, 4000.0, 6000.0])
    # without covers_deficit the operator bears its deficit and the account keeps it all
    y = fundmodel.evaluate(scenario(7000, {"covers_deficit": False}, fund=False)).yearly()
    assert y["owners_account_top_up"].tolist() == pytest.approx([0.0] * 3)
    assert y["cumulative_balance"].tolist() == pytest.approx([-1000.0, -2000.0, -3000.0])
    assert y["owners_account_balance"].tolist() == pytest.approx([3000.0, 6000.0, 9000.0])


def test_paid_to_the_operator_nothing_changes():
    y = fundmodel.evaluate(scenario(7000, None, fund=False, paid_to="operator")).yearly()
    assert "owners_account_balance" not in y.columns
    assert y["total_income"].tolist() == pytest.approx([9000.0] * 3)


def test_every_draw_and_compound_alike_and_declared():
    from test_declarations import undeclared

    sc = scenario(7000, {"opening_balance": 2000, "to_repairs_fund_share": 0.5})
    assert undeclared(fundmodel.evaluate(sc)) == []
    mc = fundmodel.simulate(sc, 8, seed=1)
    assert undeclared(mc) == []
    np.testing.assert_allclose(mc.yearly()["owners_account_balance"], [3000, 4000, 5000])


# ------------------------------------------------------------------ malformed
TEXT = edit("    - {name: parking, units: 20, price_per_month: 100, occupancy: 0.7}\n",
            "    - {name: parking, units: 20, price_per_month: 100, occupancy: 0.7,\n"
            "       paid_to: compound_account}\n", BASE_TEXT)


@pytest.mark.parametrize("case, old, new, path, phrase", [
    ("paid-to-unknown", "paid_to: compound_account", "paid_to: owners",
     "operations.income[0].paid_to", "'operator' or 'compound_account'"),
    ("fund-share-without-a-fund", "  income:\n",
     "  owners_account: {to_repairs_fund_share: 0.5}\n  income:\n",
     "operations.owners_account.to_repairs_fund_share", "no repairs_fund section"),
    ("fund-share-above-one", "  income:\n",
     "  owners_account: {to_repairs_fund_share: 1.5}\n  income:\n",
     "operations.owners_account.to_repairs_fund_share", ""),
    ("unknown-key", "  income:\n", "  owners_account: {covers_deficits: true}\n  income:\n",
     "operations.owners_account.covers_deficits", "did you mean 'covers_deficit'"),
])
def test_malformed_owners_account(case, old, new, path, phrase, tmp_path, capsys):
    text = edit(old, new, TEXT)
    file = write(tmp_path, text)
    needle = {"paid-to-unknown": "paid_to: owners"}.get(case, "owners_account:")
    check_one_located_issue(file, text, path, phrase, line_of(text, needle), tmp_path, capsys)


def test_an_investor_cannot_take_over_the_owners_income(tmp_path, capsys):
    text = edit("  - source: central_subsidy\n",
                "  - {source: social_capital, label: parking operator, takes_over: [parking], "
                "concession_years: 3, hurdle_rate: 0.08}\n  - source: central_subsidy\n", TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, "operations.income[0].paid_to",
                            "an investor takes over the operator's income",
                            line_of(text, "paid_to: compound_account"), tmp_path, capsys)


def test_each_compound_of_a_district_has_its_own_account(tmp_path):
    """On the compound axis every compound's account, top-ups and fund transfers have the bits
    of its own run (areas 1,000 and 2,500 m²: different fees, deficits and fund shares)."""
    from fundmodel.engine.model import run_compounds, run_model
    from fundmodel.inputs import model_inputs
    from fundmodel.inputs.draws import point_values
    from fundmodel.scenario.portfolio import one_compound

    (tmp_path / "compounds.csv").write_text(
        "id,name,households,floor_area_m2\nA,a,10,1000\nB,b,30,2500\n", encoding="utf-8")
    data = scenario(7000, {"opening_balance": 2000, "to_repairs_fund_share": 0.5}).model_dump(
        mode="python", exclude={"compound"}, exclude_none=True, exclude_unset=True,
        by_alias=True)
    data["portfolio"] = {"compounds": str(tmp_path / "compounds.csv")}
    district = Scenario.model_validate(data)
    table = district.portfolio.table
    together = run_compounds(model_inputs(district, point_values(district), 1, table))
    for i in range(2):
        alone = one_compound(district, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for name in ("owners_account_top_up", "owners_account_to_repairs_fund",
                     "owners_account_balance", "cumulative_balance", "fund_balance"):
            np.testing.assert_array_equal(together.yearly[name][:, i], out.yearly[name],
                                          err_msg=name)
    # compound B: fee 0.5 × 2,500 × 12 = 15,000 > 7,000, no deficit: 1,500 a year to the fund
    np.testing.assert_allclose(together.yearly["owners_account_to_repairs_fund"][0, 1], 1500.0)


def test_the_district_totals_show_the_accounts(tmp_path):
    """Summed over the district: the accounts' top-ups and balances at the horizon; a district
    of the two compounds above: A keeps 5,000 (as worked by hand above), B 2,000 + 3 × (3,000 −
    1,500) = 6,500."""
    from fundmodel.portfolio.evaluation import simulate_portfolio

    (tmp_path / "compounds.csv").write_text(
        "id,name,households,floor_area_m2\nA,a,10,1000\nB,b,30,2500\n", encoding="utf-8")
    data = scenario(7000, {"opening_balance": 2000, "to_repairs_fund_share": 0.5}).model_dump(
        mode="python", exclude={"compound"}, exclude_none=True, exclude_unset=True,
        by_alias=True)
    data["portfolio"] = {"compounds": str(tmp_path / "compounds.csv")}
    result = simulate_portfolio(Scenario.model_validate(data), draws=4, seed=1)
    assert result.district["owners_account_balance_final"].tolist() == \
        pytest.approx([5000.0 + 6500.0] * 4)
    assert result.district["owners_account_top_up_total"].tolist() == pytest.approx([3000.0] * 4)
    assert result.compounds["owners_account_balance_final_mean"].tolist() == \
        pytest.approx([5000.0, 6500.0])


def test_the_zh_report_names_the_account_in_chinese():
    from clean_text import leaks
    from fundmodel.export.report import render_report
    from test_report import visible_text

    sc = scenario(7000, {"opening_balance": 2000, "to_repairs_fund_share": 0.5})
    page = visible_text(render_report(fundmodel.evaluate(sc), lang="zh"))
    assert "公共收益" in page
    assert leaks(page, sc) == []
