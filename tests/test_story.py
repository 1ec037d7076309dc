"""The README's Sanqiao story is what the library computes."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import fundmodel

pytestmark = pytest.mark.story  # the README's figures: pytest -m story (or -m 'not story')

ROOT = Path(__file__).resolve().parents[1]


def _levers_markdown(capsys) -> str:
    """What `fundmodel compare scenarios/sanqiao-levers.yaml --levers --markdown` prints."""
    from fundmodel.cli import main

    assert main(["compare", str(ROOT / "scenarios" / "sanqiao-levers.yaml"), "--levers",
                 "--markdown"]) == 0
    return capsys.readouterr().out


def test_readme_levers_table_is_current(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- levers-table:start -->\n(.*?)\n<!-- levers-table:end -->", readme, re.S)
    assert block, "levers table markers missing from README.md"
    assert block.group(1).strip() == _levers_markdown(capsys).strip(), (
        "README table is stale: paste the output of "
        "`fundmodel compare scenarios/sanqiao-levers.yaml --levers --markdown`")


def test_levers_go_from_the_standalone_to_the_shared_service():
    table = fundmodel.lever_table(fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-levers.yaml"))
    for row, name in ((0, "sanqiao-standalone"), (-1, "sanqiao-shared-service")):
        m = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios" / f"{name}.yaml")).metrics.iloc[0]
        for metric in ("operating_surplus_first_year", "npv_operations", "breakeven_fee_rate",
                       "funding_gap", "operating_deficit_years"):
            assert table[(metric, "value")].iloc[row] == m[metric], (name, metric)


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
                   f"that is {m['government_cost_per_household']:,.0f} CNY per household",
                   f"The state firm's {m['soe_cost']:,.0f} is not in it",
                   f"{m['soe_cost_per_household']:,.0f} CNY per household, "
                   "`soe_cost_per_household`",
                   f"surplus of {m['operating_surplus_first_year']:,.0f} CNY",
                   f"breakeven fee is {m['breakeven_fee_rate']:.2f} CNY/m²/month"):
        assert figure in readme, figure
    assert int(res.yearly()["calendar_year"].iloc[0]) == 2024


def test_readme_lift_figures():
    """The README's lift story is what the library computes; its headline, the sixth floor's
    share, is also worked out by hand."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("**", "").split())
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "lift-retrofit.yaml")
    res = fundmodel.evaluate(sc)
    hh = res.households()
    top = hh.loc[("stair 1", 6), "cost_per_household_cny"]
    # by hand: lift = mean of triangular(600k, 680k, 800k) × 1.05 = 728,000; residents pay
    # 728,000 − 150,000 − 100,000 = 478,000 a stair; floor 6 weighs 5 of 2 × (1+2+3+4+5) = 30
    lift = (600_000 + 680_000 + 800_000) / 3 * 1.05
    assert top == pytest.approx((lift - 250_000) * 5 / 30, rel=1e-12)
    assert f"{top:,.0f}" == "79,667"
    d, ch = res.decisions(), res.channels()["amount_cny"]
    m = res.metrics.iloc[0]
    per_stair = res.funding().loc["residents", "amount"] / 3
    for figure in (f"A lift costs {lift:,.0f} CNY installed",
                   f"pay the other {per_stair:,.0f}",
                   f"a sixth-floor flat pays {top:,.0f} CNY and a second-floor flat "
                   f"{hh.loc[('stair 1', 2), 'cost_per_household_cny']:,.0f}",
                   "the lift passes in all three stairs" if d["passed"].all() else "MISSING",
                   f"at which it passes is {d['wtp_threshold_cny'].iloc[0]:,.0f} CNY",
                   f"pay {ch['provident_fund']:,.0f} of the residents' {ch['total']:,.0f}",
                   f"{ch['repairs_fund']:,.0f} from the repairs fund",
                   f"borrow {ch['loan']:,.0f}",
                   f"repays {hh.loc[('stair 1', 6), 'loan_payment_per_month_cny']:,.0f} CNY a "
                   "month", f"needs {m['breakeven_fee_rate']:.2f} CNY/m²/month"):
        assert figure in readme, figure
    sim = fundmodel.simulate(sc)
    p = sim.decisions()["p_pass"]
    assert (f"{100 * p.iloc[0]:.1f} %, {100 * p.iloc[1]:.1f} % and {100 * p.iloc[2]:.1f} %"
            in readme)
    # the lifts' upkeep (15,000 + 5,400 in year 1) belongs to the lift, a third of it to each
    # stair's: year-1 cost = 6,000 (cleaning) + 20,400 × (stairs built / 3) in each draw, so its
    # mean is 6,000 + 20,400 × the mean of the stairs' P(pass)
    cost = sim.metrics["operating_cost_first_year"]
    assert cost.mean() == pytest.approx(6_000 + 20_400 * p.mean(), rel=1e-9)
    assert m["operating_cost_first_year"] == 15_000 + 5_400 + 6_000    # all three built
    for figure in ("26,400 with three lifts, 6,000 with none",
                   f"operating cost averages {cost.mean():,.0f} CNY",
                   f"breakeven fee {sim.metrics['breakeven_fee_rate'].mean():.2f} CNY/m²/month"):
        assert figure in readme, figure


def _readme() -> str:
    return " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("**", "").split())


def test_readme_guangan_figures():
    """The README's Guang'an story is what the library computes; the guarantee's call rate is
    also worked out by hand."""
    readme = _readme()
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "guangan-bundle.yaml")
    res = fundmodel.evaluate(sc)
    m = res.metrics.iloc[0]
    f = res.funding()["amount"]
    inv, bun, bond = "investor[parking operator].", "bundle[old factory].", "debt[rooms bond]."
    for figure in (f"for {m['capex_total']:,.0f} CNY",
                   f"pays the {m[inv + 'investment']:,.0f} CNY of the car park",
                   f"worth {m[inv + 'worth']:,.0f} at its 8 % hurdle",
                   f"IRR of {100 * m[inv + 'irr']:.1f} %",
                   f"forgoes parking worth {m[inv + 'forgone']:,.0f}",
                   f"pays the {m[bun + 'transfer']:,.0f} CNY that the grants",
                   f"balances from {m[bun + 'minimum_scale']:,.0f} m²",
                   f"covered {m[bond + 'coverage_gross']:.2f} times",
                   f"only {m[bond + 'coverage_net']:.2f} times net",
                   f"top-up pays the last {f['top_up']:,.0f}",
                   f"({res.fiscal().loc[2024, 'bridge']:,.0f} advanced in 2024",
                   f"surplus of {m['operating_surplus_first_year']:,.0f} CNY becomes "
                   f"{m['net_cash_flow_first_year']:,.0f} after financing".replace("-", "−"),
                   f"{m['breakeven_fee_rate']:.2f} CNY/m²/month over the 20 years and "
                   f"{m['breakeven_fee_rate_first_year']:.2f} for year 1 alone"):
        assert figure in readme, figure
    assert res.fiscal().loc[2025, "bridge"] == -res.fiscal().loc[2024, "bridge"]   # repaid
    mc = fundmodel.simulate(sc, draws=10_000, seed=2020)
    call = mc.metric("debt[security loan].guarantee_call")
    assert f"guarantee is called in {100 * (call > 0).mean():.1f} %" in readme
    assert f"on average {call.mean():,.0f} CNY" in readme
    assert f"{fundmodel.minimum_bundle_scale(mc, quantile=0.9):,.0f} m² is enough" in readme
    assert (f"{fundmodel.minimum_bundle_scale(mc, quantile=0.9, coverage=1.2):,.0f} m² for a "
            "coverage of 1.2") in readme
    # by hand: the annuity of 500,000 at 4.5 % over 8 years, and P(triangular(40k, 80k, 100k)
    # below it) = (x − 40k)² / ((100k − 40k)(80k − 40k))
    annuity = 500_000 * 0.045 / (1 - 1.045 ** -8)
    assert f"annuity {annuity:,.0f} a year" in readme
    p = (annuity - 40_000) ** 2 / (60_000 * 40_000)
    assert abs((call > 0).mean() - p) < 3 * (p * (1 - p) / 10_000) ** 0.5


def test_readme_special_bond_figures():
    """The README's special-bond story is what the library computes."""
    readme = _readme()
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "special-bond-plan.yaml")
    m = fundmodel.evaluate(sc).metrics.iloc[0]
    b = "debt[special bond]."
    for figure in (f"{m['capex_total']:,.0f} CNY of works",
                   f"it does: {m[b + 'coverage_gross']:.2f} at the point estimates",
                   f"the cover is {m[b + 'coverage_net']:.2f}",
                   f"pays only {100 * m[b + 'min_dscr']:.0f} % of the service"):
        assert figure in readme, figure
    assert m[b + "min_dscr_year"] == 3.0
    mc = fundmodel.simulate(sc, draws=10_000, seed=2024)
    gross = mc.metric(b + "coverage_gross")
    assert (gross >= 1.2).mean() >= 0.95
    assert f"reaches 1.2 in {100 * mc.metric(b + 'meets_coverage').mean():.1f} %" in readme


# --------------------------------------------------------------------------- issue 9 stories
def _readme_text() -> str:
    return " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("**", "").split())


def test_readme_sanqiao_long_term_figures():
    """Sanqiao for the long term: the street's cap, the contract's size and the repairs fund,
    as the library computes them (deterministic, the file's 10,000 draws, and solves)."""
    readme = _readme_text()
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-long-term.yaml")
    m = fundmodel.evaluate(sc).metrics.iloc[0]
    assert f"{m['fallback_total']:,.0f} over {m['fallback_years']:.0f} years" in readme
    assert f"ends the 20 years at −{-m['cumulative_balance_final']:,.0f}" in readme
    assert f"{m['fallback_needed_max']:,.0f} CNY a year" in readme
    assert f"{-m['fund_balance_final']:,.0f} CNY in overdraft" in readme
    s = fundmodel.simulate(sc).summary().loc["level_contribution_baseline_per_m2"]
    assert (f"{s['mean']:.2f} CNY/m²/year (p5–p95 {s['p5']:.2f}–{s['p95']:.2f})") in readme
    cap = fundmodel.solve(sc, "operations.fallback.cap_per_year",
                          "P(cumulative_balance_min < 0) <= 0.10")
    assert f"{cap.value:,.0f} CNY a year" in readme
    partners = fundmodel.solve(sc, "operations.shared_service.partners", "npv_operations >= 0",
                               integer=True, point=True)
    assert f"{partners.value[0]:.0f} partners" in readme
    p90 = fundmodel.solve(sc, "operations.shared_service.partners",
                          "P(npv_operations < 0) <= 0.10", integer=True)
    assert p90.value == partners.value[0]
    assert f"negative in only {100 * p90.statistic:.1f} % of the draws" in readme
    fund = fundmodel.solve(sc, "repairs_fund.contribution_per_m2_year",
                           "P(fund_balance_min < 0) <= 0.10")
    assert f"and {fund.value:.2f} in 90 % of the futures" in readme


def test_readme_xiamen_figures():
    readme = _readme_text()
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "xiamen-hanlingrong.yaml")
    m = fundmodel.evaluate(sc).metrics.iloc[0]
    for figure in (f"renovation of {m['capex_total']:,.0f} CNY",
                   f"gap of {m['funding_gap']:,.0f}",
                   f"deficit of {-m['operating_surplus_first_year']:,.0f} CNY",
                   f"{m['breakeven_fee_rate']:.2f} CNY/m²/month",
                   f"street pays {m['fallback_total']:,.0f} CNY over "
                   f"{m['fallback_years']:.0f} of the 30 years",
                   f"first deposit of {m['fund_first_deposit']:,.0f}",
                   f"{m['fund_expenditure_pv']:,.0f} CNY in present value",
                   f"in year {m['fund_first_top_up_year']:.0f}",
                   f"come to {m['fund_top_up_total'] / 1e6:.1f} million"):
        assert figure in readme, figure
    res = fundmodel.simulate(sc)
    be = res.summary().loc["breakeven_fee_rate"]
    assert f"(p5–p95 {be['p5']:.2f}–{be['p95']:.2f} over 10,000 draws)" in readme
    p = res.probabilities().loc["balance_negative_at_horizon", "probability"]
    assert f"below zero in {100 * p:.1f} % of the draws" in readme
    fee = fundmodel.solve(sc, "operations.property_fee.rate_per_m2_month",
                          "P(cumulative_balance_final < 0) <= 0.10")
    assert f"a fee of {fee.value:.2f} CNY/m²/month" in readme
    cap = fundmodel.solve(sc, "operations.fallback.cap_per_year",
                          "P(cumulative_balance_min < 0) <= 0.10")
    assert f"street cap of {cap.value:,.0f} CNY a year" in readme
    fund = fundmodel.solve(sc, "repairs_fund.contribution_per_m2_year",
                           "P(fund_top_up_total > 0) <= 0.10")
    assert f"futures is {fund.value:.2f} CNY/m²/year" in readme


def test_readme_xinghualing_figures():
    """The district story: the plan, the district's cost with its uncertainty, the chance of
    overrunning a budget (counted over the draws) and the shared service areas."""
    import numpy as np
    readme = _readme_text()        # one line, without the bold marks
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "xinghualing-district.yaml")
    table = sc.portfolio.table
    assert f"{len(table):,} old compounds, {int(table.households.sum()):,}" in readme
    plan = fundmodel.plan_portfolio(sc)
    chosen = plan.start_year >= 0
    served = int(table.households[chosen].sum())
    # the plan every HiGHS finds is optimal within mip_rel_gap (1e-4); another version of the
    # solver may stop at another such plan: then only its value is checked, within the gap
    written = 55_771
    assert f"{written:,} households" in readme
    if served != written:
        assert abs(served - written) <= sc.portfolio.phasing.mip_rel_gap * written + 1
        pytest.skip(f"this HiGHS stops at another plan within the gap ({served:,} households)")
    assert (f"{chosen.sum():,} of the {len(table):,} compounds, "
            f"{served:,} households") in readme
    res = fundmodel.simulate_portfolio(sc, start_years=plan.start_year)
    s = res.summary()
    capex = s.loc["capex_total"]
    assert (f"costs {capex['mean'] / 1e6:,.0f} M CNY (p5–p95 {capex['p05'] / 1e6:,.0f}–"
            f"{capex['p95'] / 1e6:,.0f} M over 2,000 draws), "
            f"{s.loc['government_cost', 'mean'] / 1e6:,.0f} M of it public") in readme
    budget = sc.portfolio.phasing.budget_matrix()
    cols = [list(res.calendar_years).index(y) for y in plan.years]
    over = (res.outlay_cny[:, :, cols] > budget[None]).any(axis=(1, 2)).mean()
    assert f"in {100 * over:.1f} % of the futures" in readme
    # the plan itself never exceeds a budget at the point estimates
    assert np.all(plan.outlay_cny <= budget * (1 + 1e-9))
    areas = fundmodel.service_areas(sc)
    assert f"{areas.subsidy_standalone_cny / 1e6:,.0f} M CNY" in readme
    assert f"{areas.clusters} shared service areas" in readme
    assert (f"needs {areas.subsidy_clustered_cny / 1e6:,.0f} M — "
            f"{100 * areas.saving_cny / areas.subsidy_standalone_cny:.0f} % less") in readme
