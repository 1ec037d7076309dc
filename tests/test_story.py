"""The README's Sanqiao story is what the library computes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import fundmodel

ROOT = Path(__file__).resolve().parents[1]


def _levers_module():
    spec = importlib.util.spec_from_file_location("sanqiao_levers", ROOT / "docs" / "sanqiao_levers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_levers_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- levers-table:start -->\n(.*?)\n<!-- levers-table:end -->", readme, re.S)
    assert block, "levers table markers missing from README.md"
    assert block.group(1).strip() == _levers_module().table().strip(), (
        "README table is stale: paste the output of `python docs/sanqiao_levers.py`")


def test_all_levers_undone_is_the_standalone_scenario():
    levers = _levers_module()
    first = levers.rows()[0]
    m = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")).metrics.iloc[0]
    assert first["surplus_year1"] == m["operating_surplus_first_year"]
    assert first["npv"] == m["npv_operations"]
    assert first["breakeven_fee"] == m["breakeven_fee_rate"]
    assert first["gap"] == m["funding_gap"]


def test_readme_standalone_figures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    res = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml"))
    m = res.metrics.iloc[0]
    for figure in (f"{m['capex_total']:,.0f}", f"gap of {m['funding_gap']:,.0f}",
                   f"deficit of {-m['operating_surplus_first_year']:,.0f}",
                   f"{m['breakeven_fee_rate']:.2f} CNY/m²/month", f"{m['fee_income_first_year']:,.0f}"):
        assert figure in readme.replace("**", ""), figure


def test_readme_monte_carlo_figures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("**", "")
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-shared-service.yaml")
    res = fundmodel.simulate(sc, draws=100_000)
    s = res.summary()
    p = res.probabilities().loc["balance_negative_at_horizon", "probability"]
    be = s.loc["breakeven_fee_rate"]
    assert f"between {be['p5']:.2f} and {be['p95']:.2f} CNY/m²/month" in readme
    assert f"mean\n{be['mean']:.2f})" in readme or f"mean {be['mean']:.2f})" in readme
    assert f"{100 * p:.1f}%" in readme


def test_readme_liubei_figures():
    """The README's Liubei story is what the library computes."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("**", "").split())
    res = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios" / "liubei-soe-dormitory.yaml"))
    m = res.metrics.iloc[0]
    f = res.funding()["amount"]
    gov = res.government()["total"]
    for figure in (f"renovation of {m['capex_total']:,.0f} CNY",
                   f"pay the {f['soe_transfer']:,.0f} of networks",
                   f"pay {f['utility_companies']:,.0f} of their own",
                   f"central subsidy pays {f['central_subsidy']:,.0f}",
                   f"budget investment {f['central_budget_investment']:,.0f}",
                   f"district matches {f['local_budget']:,.0f}",
                   f"residents put in {f['residents']:,.0f}",
                   f"gap of {m['funding_gap']:,.0f} CNY ({100 * m['funding_gap_share']:.1f} %)",
                   f"{gov.loc[2022]:,.0f} CNY in 2022 and {gov.loc[2023]:,.0f} in 2023",
                   f"surplus of {m['operating_surplus_first_year']:,.0f} CNY",
                   f"breakeven fee is {m['breakeven_fee_rate']:.2f} CNY/m²/month"):
        assert figure in readme, figure
    assert int(res.yearly()["calendar_year"].iloc[0]) == 2024
