"""Debt (bank loans, special bonds): schedules, sizing, ledger lines and metrics worked by hand.

Every expected value is computed here from the loan's textbook recurrence (balance, interest
= rate × balance, principal = payment − interest) or its closed form, or taken from
numpy-financial; never from the program's output.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

import fundmodel
from fundmodel import Scenario, ScenarioError
from fundmodel.engine.model import run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values

from malformed import STANDALONE

ROOT_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def scenario(funding, *, income=13000.0, income_growth=0.0, costs=(), horizon=12,
             item_cost=100_000.0, second_item=0.0):
    """One item ``a`` (built in 2025) and optionally ``b`` (2026); operations: a rent of
    ``income`` CNY in operating year 1 growing by ``income_growth``, no fee, no VAT."""
    items = [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": item_cost}]
    if second_item:
        items.append({"name": "b", "tier": "complete", "quantity": 1, "unit_cost": second_item,
                      "build_from": 2026})
    return Scenario.model_validate({
        "name": "debt", "start_year": 2025, "horizon_years": horizon,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": items},
        "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.0},
                       "income": [{"name": "rent", "per_year": income,
                                   "growth": income_growth}],
                       "costs": [{"name": n, "per_year": v, "growth": 0.0} for n, v in costs]}})


def loan(**kw):
    return {"source": "bank_loan", "rate": 0.05, "term_years": 10, "pledged": ["income[rent]"],
            **kw}


def lines(res, kind="financing") -> dict[str, np.ndarray]:
    """Each ledger line of ``kind`` as its amounts by year index (0 where it does not span)."""
    cf = res.cashflows()
    cf = cf[cf["kind"] == kind]
    n = int(res.cashflows()["year"].max()) + 1
    out = {}
    for name, g in cf.groupby("line"):
        a = np.zeros(n)
        a[g["year"].to_numpy()] = g["amount"].to_numpy()
        out[name] = a
    return out


def metric(res, name):
    return float(res.metrics.loc[0, name])


def recurrence(principal, rate, payments):
    """Interest, principal repaid and opening balance by year, from a list of payments (or
    None for 'the interest only'): the textbook loan recurrence."""
    balance, interest, repaid, opening = principal, [], [], []
    for pay in payments:
        opening.append(balance)
        i = rate * balance
        p = (pay - i) if pay is not None else 0.0
        interest.append(i)
        repaid.append(p)
        balance -= p
    return np.array(interest), np.array(repaid), np.array(opening)


# ---------------------------------------------------------------- schedules worked by hand
def test_a_ten_year_annuity_loan_by_hand():
    # 100,000 CNY at 5 % over 10 years: payment A = 100,000 × 0.05 / (1 − 1.05^−10) ≈ 12,950.46;
    # year 1: interest 5,000, principal 7,950.46, opening balance 100,000; the rent of 20,000
    # covers A 1.544 times every year
    res = fundmodel.evaluate(scenario([loan(amount=100_000)], income=20_000))
    payment = 100_000 * 0.05 / (1 - 1.05 ** -10)
    assert payment == pytest.approx(12_950.4575, abs=1e-4)
    interest, principal, opening = recurrence(100_000, 0.05, [payment] * 10)
    assert interest[0] == pytest.approx(5000) and principal[0] == pytest.approx(7950.4575, abs=1e-4)
    assert opening[1] == pytest.approx(92_049.5425, abs=1e-4)
    got = lines(res)
    # the term runs over operating years 1..10 = year indexes 1..10 (construction in year 0)
    np.testing.assert_allclose(got["debt[bank_loan].interest"][1:11], interest, rtol=1e-12)
    np.testing.assert_allclose(got["debt[bank_loan].principal"][1:11], principal, rtol=1e-12)
    assert got["debt[bank_loan].interest"][11:].sum() == 0.0
    # numpy-financial agrees (its sign: money paid is negative)
    per = np.arange(1, 11)
    np.testing.assert_allclose(interest, -npf.ipmt(0.05, per, 10, 100_000), rtol=1e-12)
    np.testing.assert_allclose(principal, -npf.ppmt(0.05, per, 10, 100_000), rtol=1e-12)
    # drawn as the item is built: lender → project in 2025, the whole cost
    cap = lines(res, "capital")
    assert cap["funding[bank_loan]"][0] == pytest.approx(100_000)
    assert cap["funding[gap]"][0] == pytest.approx(0.0)
    dscr = 20_000 / payment
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(dscr, rel=1e-12)
    assert metric(res, "debt[bank_loan].avg_dscr") == pytest.approx(dscr, rel=1e-12)
    # LLCR = 20,000 × annuity factor / P = 20,000 / A when the cash flow is level
    annuity = sum(1.05 ** -t for t in range(1, 11))
    assert metric(res, "debt[bank_loan].llcr") == pytest.approx(20_000 * annuity / 100_000)
    assert metric(res, "debt[bank_loan].llcr") == pytest.approx(dscr, rel=1e-12)
    assert metric(res, "debt[bank_loan].coverage_gross") == pytest.approx(200_000 / (10 * payment))
    assert metric(res, "debt[bank_loan].coverage_net") == pytest.approx(200_000 / (10 * payment))
    assert metric(res, "debt[bank_loan].meets_coverage") == 1.0
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(100_000)
    assert metric(res, "debt[bank_loan].capped") == 0.0
    assert metric(res, "debt[bank_loan].shortfall_years") == 0.0
    assert metric(res, "debt[bank_loan].guarantee_call") == 0.0
    # the operator pays the service: the statement's financing_net is −A in years 1..10
    yearly = res.yearly()
    np.testing.assert_allclose(yearly["financing_net"].to_numpy(),
                               [-payment] * 10 + [0.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(yearly["net_cash_flow"].to_numpy(),
                               [20_000 - payment] * 10 + [20_000.0] * 2, rtol=1e-12)


def test_equal_principal_and_bullet_after_a_grace_year():
    # 1,000 CNY at 10 % for 3 years, 1 of grace. Equal principal: interest 100, 100, 50;
    # principal 0, 500, 500. Bullet: interest 100 each year, the 1,000 in year 3 (the two
    # loans share the rent: a line pledged to two debts is pledged in shares)
    half = [{"line": "income[rent]", "share": 0.5}]
    res = fundmodel.evaluate(scenario([
        loan(label="ep", amount=1000, rate=0.1, term_years=3, grace_years=1,
             repayment="equal_principal", pledged=half),
        loan(label="bullet", amount=1000, rate=0.1, term_years=3, repayment="bullet",
             pledged=half)],
        item_cost=5000))
    got = lines(res)
    np.testing.assert_allclose(got["debt[ep].interest"][1:4], [100, 100, 50], rtol=1e-12)
    np.testing.assert_allclose(got["debt[ep].principal"][1:4], [0, 500, 500], rtol=1e-12)
    np.testing.assert_allclose(got["debt[bullet].interest"][1:4], [100, 100, 100], rtol=1e-12)
    np.testing.assert_allclose(got["debt[bullet].principal"][1:4], [0, 0, 1000], rtol=1e-12)
    # an annuity after a grace year: interest only, then level payments on the whole principal
    res = fundmodel.evaluate(scenario([loan(amount=1000, rate=0.1, term_years=3,
                                            grace_years=1)], item_cost=5000))
    payment = 1000 * 0.1 / (1 - 1.1 ** -2)                         # 576.19
    interest, principal, _ = recurrence(1000, 0.1, [None, payment, payment])
    got = lines(res)
    np.testing.assert_allclose(got["debt[bank_loan].interest"][1:4], interest, rtol=1e-12)
    np.testing.assert_allclose(got["debt[bank_loan].principal"][1:4], principal, rtol=1e-12)


def test_a_zero_rate_annuity_repays_equal_parts():
    res = fundmodel.evaluate(scenario([loan(amount=1000, rate=0.0, term_years=4)],
                                      item_cost=5000))
    got = lines(res)
    np.testing.assert_allclose(got["debt[bank_loan].principal"][1:5], [250] * 4, rtol=1e-15)
    assert got["debt[bank_loan].interest"].sum() == 0.0


# ---------------------------------------------------------------- sizing
def test_sculpting_to_dscr_1_3():
    # CFADS_t = 13,000 × 1.1^(t−1); sculpted to DSCR 1.3 over 5 years at 6 %:
    # DS_t = 10,000 × 1.1^(t−1), and the debt is their present value at 6 %
    res = fundmodel.evaluate(scenario(
        [loan(dscr_target=1.3, repayment="sculpted", rate=0.06, term_years=5)],
        income=13_000, income_growth=0.1, item_cost=1e6))
    ds = np.array([10_000 * 1.1 ** (t - 1) for t in range(1, 6)])
    pv = sum(ds[t - 1] / 1.06 ** t for t in range(1, 6))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(pv, rel=1e-12)
    got = lines(res)
    service = got["debt[bank_loan].interest"] + got["debt[bank_loan].principal"]
    np.testing.assert_allclose(service[1:6], ds, rtol=1e-12)
    # the principal repaid is the debt: the balance reaches 0 at the end of the term
    assert got["debt[bank_loan].principal"].sum() == pytest.approx(pv, rel=1e-12)
    assert got["debt[bank_loan].interest"][1] == pytest.approx(0.06 * pv, rel=1e-12)
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(1.3, rel=1e-12)
    assert metric(res, "debt[bank_loan].avg_dscr") == pytest.approx(1.3, rel=1e-12)
    # a grace year: interest only on P, then the sculpted service on years 2..5; P is the PV of
    # those at the end of year 1 — unless the grace year's interest breaks the target
    res = fundmodel.evaluate(scenario(
        [loan(dscr_target=1.3, repayment="sculpted", rate=0.06, term_years=5, grace_years=1)],
        income=13_000, income_growth=0.1, item_cost=1e6))
    pv_after = sum(ds[k] / 1.06 ** k for k in range(1, 5))
    grace_limit = 13_000 / (1.3 * 0.06)                            # 166,667 > pv_after
    assert pv_after < grace_limit
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(pv_after, rel=1e-12)
    got = lines(res)
    assert got["debt[bank_loan].interest"][1] == pytest.approx(0.06 * pv_after, rel=1e-12)
    assert got["debt[bank_loan].principal"][1] == 0.0
    np.testing.assert_allclose((got["debt[bank_loan].interest"]
                                + got["debt[bank_loan].principal"])[2:6], ds[1:], rtol=1e-12)


def test_dscr_sizing_of_an_annuity_is_closed_form():
    # a falling rent, CFADS_t = 20,000 × 0.95^(t−1); the level payment per unit principal is
    # s = 0.05 / (1 − 1.05^−10); the last year binds: P = CFADS_10 / (1.3 s)
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3)], income=20_000,
                                      income_growth=-0.05, item_cost=1e6))
    s = 0.05 / (1 - 1.05 ** -10)
    amount = 20_000 * 0.95 ** 9 / (1.3 * s)
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(amount, rel=1e-12)
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(1.3, rel=1e-12)
    assert metric(res, "debt[bank_loan].min_dscr_year") == 10.0
    # a given amount above it is cut to it, and says so
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, amount=200_000)], income=20_000,
                                      income_growth=-0.05, item_cost=1e6))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(amount, rel=1e-12)
    assert metric(res, "debt[bank_loan].capped") == 1.0


def test_sizing_with_a_binding_gearing_cap():
    # items a (100,000) and b (50,000); the loan may pay for b only, at most 60 % of its cost:
    # the DSCR allows far more (20,000 / (1.3 × 0.1295) ≈ 118,800), so 30,000 is lent; the
    # gap keeps b's other 20,000 and all of a
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, gearing=0.6, items=["b"])],
                                      income=20_000, second_item=50_000))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(30_000)
    cap = lines(res, "capital")
    assert cap["funding[bank_loan]"][:2] == pytest.approx([0, 30_000])
    assert cap["funding[gap]"][:2] == pytest.approx([100_000, 20_000])
    payment = 30_000 * 0.05 / (1 - 1.05 ** -10)
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(20_000 / payment)
    # the funding table shows the offer (what it would lend) and what it lends
    table = res.funding()
    assert table.loc["bank_loan", "offered"] == pytest.approx(30_000)
    assert table.loc["bank_loan", "payer"] == "lenders"
    # the rule's cap binds tighter still
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, gearing=0.6, items=["b"],
                                            cap=25_000)], income=20_000, second_item=50_000))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(25_000)


def test_debt_is_capped_by_what_is_left_to_fund():
    # the grant pays 70,000 of the 100,000: the loan asked for 50,000 lends the 30,000 left
    res = fundmodel.evaluate(scenario([{"source": "central_subsidy", "amount": 70_000},
                                       loan(amount=50_000)]))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(30_000)
    assert metric(res, "debt[bank_loan].capped") == 1.0
    assert metric(res, "funding_gap") == pytest.approx(0.0)
    table = res.funding()
    assert table.loc["bank_loan", "offered"] == pytest.approx(50_000)
    assert table.loc["bank_loan", "amount"] == pytest.approx(30_000)
    # no grant: a loan asked for more than the works cost lends their cost, 100,000
    res = fundmodel.evaluate(scenario([loan(amount=1e6)]))
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(100_000)
    assert metric(res, "debt[bank_loan].capped") == 1.0
    # a top-up is the payer of last resort: it pays after the debt, whatever the order written
    res = fundmodel.evaluate(scenario([{"source": "top_up"}, loan(amount=40_000)]))
    assert res.funding().loc["bank_loan", "amount"] == pytest.approx(40_000)
    assert res.funding().loc["top_up", "amount"] == pytest.approx(60_000)


def test_nothing_lent_leaves_the_cover_metrics_undefined():
    # grants pay everything: nothing is left to lend, there is no debt service
    res = fundmodel.evaluate(scenario([{"source": "central_subsidy", "amount": 100_000},
                                       loan(amount=50_000)]))
    assert metric(res, "debt[bank_loan].amount") == 0.0
    for m in ("min_dscr", "avg_dscr", "min_dscr_year", "llcr", "coverage_gross",
              "coverage_net", "meets_coverage"):
        assert math.isnan(metric(res, f"debt[bank_loan].{m}")), m
    assert metric(res, "debt[bank_loan].shortfall_years") == 0.0
    assert metric(res, "debt[bank_loan].guarantee_call") == 0.0
    # a sculpted loan with no positive cash flow to sculpt to lends nothing
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.3, repayment="sculpted")], income=0))
    assert metric(res, "debt[bank_loan].amount") == 0.0
    assert math.isnan(metric(res, "debt[bank_loan].coverage_gross"))


# ---------------------------------------------------------------- bonds and guarantees
def bond(**kw):
    return {"source": "special_bond", "amount": 30_000, "rate": 0.0, "term_years": 5,
            "repayment": "equal_principal", "pledged": ["income[rent]"], **kw}


def test_a_special_bond_gross_and_net_coverage():
    # rent 10,000 a year pledged, its upkeep 2,000 a year pledged as a cost; 30,000 at 0 %
    # repaid in 5 equal parts: DS = 6,000 a year. Gross: 50,000 / 30,000 = 1.667; net:
    # 40,000 / 30,000 = 1.333, below the threshold 1.4
    res = fundmodel.evaluate(scenario([bond(pledged_costs=["cost[upkeep]"],
                                            coverage_threshold=1.4)],
                                      income=10_000, costs=[("upkeep", 2_000)]))
    assert metric(res, "debt[special_bond].coverage_gross") == pytest.approx(50 / 30)
    assert metric(res, "debt[special_bond].coverage_net") == pytest.approx(40 / 30)
    assert metric(res, "debt[special_bond].meets_coverage") == 0.0
    assert metric(res, "debt[special_bond].min_dscr") == pytest.approx(8_000 / 6_000)
    cf = res.cashflows()
    fin = cf[cf["kind"] == "financing"]
    who = {n: (g["payer"].iloc[0], g["payee"].iloc[0]) for n, g in fin.groupby("line")}
    # the issuer services the bond; the operator remits the pledged cash flow max(CFADS, 0) =
    # 8,000 a year over the term (into the issuer's fund budget)
    assert who == {"debt[special_bond].interest": ("city_district_government", "lender"),
                   "debt[special_bond].principal": ("city_district_government", "lender"),
                   "debt[special_bond].pledged_revenue": ("operator",
                                                          "city_district_government")}
    got = lines(res)
    np.testing.assert_allclose(got["debt[special_bond].pledged_revenue"][1:6], [8_000] * 5)
    np.testing.assert_allclose(res.yearly()["financing_net"].to_numpy()[:6], [-8_000] * 5 + [0])
    # gross basis without pledged costs: 1.667 ≥ 1.4
    res = fundmodel.evaluate(scenario([bond(coverage_threshold=1.4)], income=10_000))
    assert metric(res, "debt[special_bond].meets_coverage") == 1.0
    assert metric(res, "debt[special_bond].coverage_net") == pytest.approx(50 / 30)


def test_a_bond_whose_revenue_falls_short_remits_what_there_is():
    # rent 4,000 < DS 6,000: the operator remits 4,000; the issuer pays the 6,000 all the same
    res = fundmodel.evaluate(scenario([bond(issuer="provincial_government")], income=4_000))
    got = lines(res)
    np.testing.assert_allclose(got["debt[special_bond].pledged_revenue"][1:6], [4_000] * 5)
    assert metric(res, "debt[special_bond].shortfall_years") == 5.0
    assert metric(res, "debt[special_bond].min_dscr") == pytest.approx(4 / 6)
    gov = res.government()
    assert gov.loc[2026, "provincial_government"] == pytest.approx(6_000)


def test_a_guaranteed_loan_calls_the_guarantee_on_the_shortfall():
    # 30,000 at 0 % over 3 years in equal parts: DS 10,000; rent 6,000. The district
    # guarantees half: it pays 0.5 × (10,000 − 6,000) = 2,000 a year to the operator
    res = fundmodel.evaluate(scenario([loan(amount=30_000, rate=0.0, term_years=3,
                                            repayment="equal_principal",
                                            guarantee={"by": "city_district_government",
                                                       "share": 0.5})], income=6_000))
    got = lines(res)
    np.testing.assert_allclose(got["debt[bank_loan].guarantee_call"][1:4], [2_000] * 3)
    assert metric(res, "debt[bank_loan].guarantee_call") == pytest.approx(6_000)
    assert metric(res, "debt[bank_loan].shortfall_years") == 3.0
    np.testing.assert_allclose(res.yearly()["financing_net"].to_numpy()[:4],
                               [-8_000] * 3 + [0.0])
    assert res.parties().loc["city_district_government", "paid"] == pytest.approx(6_000)


# ---------------------------------------------------------------- the example scenario
def sanqiao(tmp_path, *rules, at=3):
    data = yaml.safe_load(STANDALONE.read_text(encoding="utf-8"))
    data["funding"][at:at] = list(rules)
    path = tmp_path / "debt.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return fundmodel.load_scenario(path)


SANQIAO_LOAN = {"source": "bank_loan", "label": "bank", "amount": 400_000, "gearing": 0.8,
                "rate": {"dist": "uniform", "low": 0.03, "high": 0.05}, "term_years": 10,
                "pledged": ["property_fee"],     # the parking is pledged to the bond
                "guarantee": {"by": "city_district_government"}}
SANQIAO_BOND = {"source": "special_bond", "label": "bond", "dscr_target": 1.3,
                "repayment": "sculpted", "rate": 0.03, "term_years": 15, "grace_years": 2,
                "pledged": ["income[parking]"], "pledged_costs": ["cost[routine repairs]"]}


def test_sanqiao_with_debt_keeps_the_ledger_whole(tmp_path):
    sc = sanqiao(tmp_path, SANQIAO_BOND, SANQIAO_LOAN)
    res = fundmodel.evaluate(sc)
    cf = res.cashflows()
    cap = cf[cf["kind"] == "capital"]
    works = cap[cap["payee"] == "contractors"].groupby("year")["amount"].sum()
    funded = cap[cap["payee"] == "project"].groupby("year")["amount"].sum()
    pd_testing_equal = np.testing.assert_allclose
    pd_testing_equal(funded.to_numpy(), works.to_numpy(), rtol=1e-12)
    parties = res.parties()
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum(), rel=1e-12)
    assert parties["net"].sum() == pytest.approx(0.0, abs=1e-6)
    # the lender receives its principal back over the term
    fin = cf[cf["kind"] == "financing"]
    principal = fin[fin["line"] == "debt[bank].principal"]["amount"].sum()
    assert principal == pytest.approx(metric(res, "debt[bank].amount"), rel=1e-12)
    # the parking (16,800 a year) less the repairs (15,000) pledged to the bond sculpt a
    # small bond; the loan lends what the grants leave, at most 400,000
    assert 0 < metric(res, "debt[bond].amount") < 30_000
    assert metric(res, "debt[bank].amount") <= 400_000
    assert metric(res, "debt[bond].min_dscr") == pytest.approx(1.3, rel=1e-9)


def test_sanqiao_monte_carlo_streams_the_debt_metrics(tmp_path):
    sc = sanqiao(tmp_path, SANQIAO_LOAN)
    res = fundmodel.simulate(sc, draws=2000, seed=7)
    names = [f"debt[bank].{m}" for m in ("amount", "capped", "min_dscr", "avg_dscr",
                                         "min_dscr_year", "llcr", "coverage_gross",
                                         "coverage_net", "meets_coverage", "guarantee_call",
                                         "shortfall_years")]
    summary = res.summary()
    for name in names:
        assert name in summary.index, name
        assert fundmodel.catalog.lookup(name).unit
    amounts = res.metrics["debt[bank].amount"].to_numpy()
    assert amounts.std() > 0 and (amounts <= 400_000 + 1e-6).all()
    # the uncertain rate moves the service: the LLCR differs between draws
    assert res.metrics["debt[bank].llcr"].std() > 0
    # streamed summaries (no draws kept) agree with the kept draws
    streamed = fundmodel.simulate(sc, draws=2000, seed=7, keep_draws=False).summary()
    assert streamed.loc["debt[bank].amount", "mean"] == pytest.approx(
        summary.loc["debt[bank].amount", "mean"], rel=1e-12)


# ---------------------------------------------------------------- invariants
@st.composite
def debts(draw):
    repayment = draw(st.sampled_from(["annuity", "equal_principal", "bullet", "sculpted"]))
    term = draw(st.integers(1, 12))
    rule = {"source": draw(st.sampled_from(["bank_loan", "special_bond"])),
            "rate": draw(st.floats(0.0, 0.2)), "term_years": term,
            "grace_years": draw(st.integers(0, term - 1)), "repayment": repayment,
            "pledged": ["income[rent]"]}
    if repayment == "sculpted" or draw(st.booleans()):
        rule["dscr_target"] = draw(st.floats(0.5, 3.0))
    if "dscr_target" not in rule or draw(st.booleans()):
        rule["amount"] = draw(st.floats(0.0, 300_000.0))
    if draw(st.booleans()):
        rule["gearing"] = draw(st.floats(0.0, 1.0))
    if draw(st.booleans()):   # a pledged cost may make the cash flow negative
        rule["pledged_costs"] = ["cost[upkeep]"]
    # no subnormal incomes: a cash flow of 5e-324 divided by a DSCR target rounds back to itself
    return rule, draw(st.floats(0.0, 50_000.0, allow_subnormal=False)), \
        draw(st.floats(-0.2, 0.2)), draw(st.floats(0.0, 20_000.0, allow_subnormal=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(debts())
def test_debt_invariants(case):
    rule, income, growth, upkeep = case
    sc = scenario([rule], income=income, income_growth=growth, second_item=30_000,
                  costs=[("upkeep", upkeep)])
    values = sample_values(input_space(sc), 1, "random", 0, 3)
    out = run_model(model_inputs(sc, values, 3))
    ledger = out.ledger
    works = ledger.total(ledger.select(payee="contractors"))
    funding = ledger.total(ledger.select(payee="project", kind="capital"))
    np.testing.assert_allclose(funding, works, rtol=0, atol=1e-7)
    label = rule["source"]
    amount = out.metrics[f"debt[{label}].amount"]
    assert (amount >= 0).all() and (amount <= 130_000 * (1 + 1e-12)).all()
    if "amount" in rule:
        assert (amount <= rule["amount"] * (1 + 1e-12)).all()
    if "gearing" in rule:
        assert (amount <= rule["gearing"] * 130_000 * (1 + 1e-12) + 1e-9).all()
    interest = ledger[f"debt[{label}].interest"][:, 0]
    principal = ledger[f"debt[{label}].principal"][:, 0]
    # the lender is repaid the principal, and the service is worth the principal at the rate
    np.testing.assert_allclose(principal.sum(axis=-1), amount, rtol=1e-9, atol=1e-6)
    df = (1 + rule["rate"]) ** -np.arange(1, rule["term_years"] + 1)
    np.testing.assert_allclose((interest + principal) @ df, amount, rtol=1e-9, atol=1e-6)
    if "dscr_target" in rule:   # the sizing keeps the target in every year
        min_dscr = out.metrics[f"debt[{label}].min_dscr"]
        ok = ~np.isnan(min_dscr)
        assert (min_dscr[ok] >= rule["dscr_target"] * (1 - 1e-9)).all()


def test_a_debt_scenario_checks_its_terms():
    base = dict(source="bank_loan", amount=1000, rate=0.05, pledged=["income[rent]"])
    with pytest.raises(ScenarioError, match="term of 20 years would end after the 12"):
        scenario([{**base, "term_years": 20}])
    with pytest.raises(ScenarioError, match="grace_years must be less than term_years"):
        scenario([{**base, "term_years": 5, "grace_years": 5}])
    with pytest.raises(ScenarioError, match="give dscr_target"):
        scenario([{**base, "term_years": 5, "repayment": "sculpted"}])


# ---------------------------------------------------------------- Result.debt()
def test_the_debt_table_of_a_ten_year_annuity():
    res = fundmodel.evaluate(scenario([loan(label="loan", amount=100_000)], income=20_000))
    table = res.debt()
    payment = 100_000 * 0.05 / (1 - 1.05 ** -10)
    interest, principal, opening = recurrence(100_000, 0.05, [payment] * 10)
    rows = table.loc["loan"]
    assert list(rows.index) == list(range(1, 11))
    assert list(rows["calendar_year"]) == list(range(2026, 2036))
    assert (rows["source"] == "bank_loan").all()
    np.testing.assert_allclose(rows["interest"], interest, rtol=1e-12)
    np.testing.assert_allclose(rows["principal"], principal, rtol=1e-12)
    np.testing.assert_allclose(rows["debt_service"], payment, rtol=1e-12)
    np.testing.assert_allclose(rows["balance"], opening, rtol=1e-10)
    np.testing.assert_allclose(rows["pledged_revenue"], 20_000)
    np.testing.assert_allclose(rows["dscr"], 20_000 / payment, rtol=1e-12)


def test_the_debt_table_of_a_bond_with_pledged_costs_and_none_without_debt(tmp_path):
    res = fundmodel.evaluate(scenario([bond(pledged_costs=["cost[upkeep]"])],
                                      income=10_000, costs=[("upkeep", 2_000)]))
    rows = res.debt().loc["special_bond"]
    np.testing.assert_allclose(rows["balance"], [30_000, 24_000, 18_000, 12_000, 6_000])
    np.testing.assert_allclose(rows["cfads"], 8_000)
    np.testing.assert_allclose(rows["dscr"], 8_000 / 6_000)
    # many draws: the ratio of the mean cash flow to the mean service
    res = fundmodel.simulate(sanqiao(tmp_path, SANQIAO_LOAN), draws=200, seed=3)
    rows = res.debt().loc["bank"]
    np.testing.assert_allclose(rows["dscr"], rows["cfads"] / rows["debt_service"])
    assert rows["balance"].iloc[0] == pytest.approx(res.metrics["debt[bank].amount"].mean())
    empty = fundmodel.evaluate(scenario([])).debt()
    assert empty.empty and "dscr" in empty.columns


def test_a_batch_of_loan_rates_gives_what_each_evaluation_gives_to_the_bit(tmp_path):
    sc = sanqiao(tmp_path, SANQIAO_BOND, SANQIAO_LOAN)
    rates = [0.02, 0.035, 0.06]
    # funding[3] is the bond, funding[4] the loan
    batch = fundmodel.evaluate_batch(sc, {"funding[4].rate": rates,
                                          "funding[3].rate": rates[::-1]})
    for i, (a, b) in enumerate(zip(rates, rates[::-1])):
        one = fundmodel.evaluate(sc.model_copy(update={"funding": [
            *sc.funding[:3], sc.funding[3].model_copy(update={"rate": b}),
            sc.funding[4].model_copy(update={"rate": a}), *sc.funding[5:]]}))
        for name in [c for c in one.metrics.columns if c.startswith("debt[")]:
            x, y = batch.metric(name)[i], one.metrics.loc[0, name]
            assert x == y or (math.isnan(x) and math.isnan(y)), name


def test_the_debt_metrics_do_not_depend_on_the_chunk_size(tmp_path):
    sc = sanqiao(tmp_path, SANQIAO_BOND, SANQIAO_LOAN)
    whole = fundmodel.simulate(sc, draws=300, seed=5, chunk_size=300).metrics
    chunked = fundmodel.simulate(sc, draws=300, seed=5, chunk_size=64).metrics
    names = [c for c in whole.columns if c.startswith("debt[")]
    assert len(names) == 24                                     # 12 metrics of each debt
    names.append("coverage_all_debts")
    np.testing.assert_array_equal(whole[names].to_numpy(), chunked[names].to_numpy())


# ---------------------------------------------------------------- issue 19: shared pledges
def test_two_bonds_sharing_one_rent_half_and_half():
    # rent 10,000 a year pledged half to bond A (30,000 at 0 % in 5 equal parts: DS 6,000)
    # and half to bond B (10,000 likewise: DS 2,000). Each bond's pledged cash flow is 5,000
    # a year: A covers 25,000 / 30,000 = 0.8333, B 25,000 / 10,000 = 2.5; together the rent
    # (counted once) covers 50,000 / 40,000 = 1.25
    half = [{"line": "income[rent]", "share": 0.5}]
    res = fundmodel.evaluate(scenario([bond(label="A", pledged=half),
                                       bond(label="B", amount=10_000, pledged=half)],
                                      income=10_000))
    assert metric(res, "debt[A].coverage_gross") == pytest.approx(25_000 / 30_000, rel=1e-12)
    assert metric(res, "debt[B].coverage_gross") == pytest.approx(25_000 / 10_000, rel=1e-12)
    assert metric(res, "debt[A].min_dscr") == pytest.approx(5_000 / 6_000, rel=1e-12)
    assert metric(res, "coverage_all_debts") == pytest.approx(50_000 / 40_000, rel=1e-12)
    # each bond remits its half, 5,000 a year: the rent is remitted once, not twice
    got = lines(res)
    np.testing.assert_allclose(got["debt[A].pledged_revenue"][1:6], [5_000] * 5)
    np.testing.assert_allclose(got["debt[B].pledged_revenue"][1:6], [5_000] * 5)
    # the operator's net from the rent: 10,000 − 5,000 − 5,000 = 0 in the term, 10,000 after
    yearly = res.yearly()
    np.testing.assert_allclose(yearly["financing_net"].to_numpy()[:7], [-10_000] * 5 + [0, 0])
    np.testing.assert_allclose(yearly["net_cash_flow"].to_numpy()[:7],
                               [0] * 5 + [10_000] * 2, atol=1e-9)
    # the fiscal view: the issuer receives the rent once (10,000) and services 6,000 + 2,000
    fiscal = res.fiscal()
    np.testing.assert_allclose(fiscal.loc[2026:2030, "revenue_received"], [10_000] * 5)
    np.testing.assert_allclose(fiscal.loc[2026:2030, "debt_service"], [8_000] * 5)
    np.testing.assert_allclose(fiscal.loc[2026:2030, "net_commitment"], [-2_000] * 5)
    # the debt table shows each bond its share of the rent
    table = res.debt()
    np.testing.assert_allclose(table.loc["A", "pledged_revenue"], 5_000)
    np.testing.assert_allclose(table.loc["B", "dscr"], 5_000 / 2_000)


def test_coverage_of_all_debts_on_the_net_basis_and_undefined_without_service():
    # A: 30,000 at 0 % over 5 years (DS 6,000), rent share 0.6 less the upkeep 1,000 a year
    # pledged (net basis: 0.6 × 10,000 − 1,000 = 5,000 a year); B: 10,000 (DS 2,000), rent
    # share 0.4 and no pledged cost (gross basis: 4,000 a year). Together:
    # (25,000 + 20,000) / (30,000 + 10,000) = 1.125
    res = fundmodel.evaluate(scenario([
        bond(label="A", pledged=[{"line": "income[rent]", "share": 0.6}],
             pledged_costs=["cost[upkeep]"]),
        bond(label="B", amount=10_000, pledged=[{"line": "income[rent]", "share": 0.4}])],
        income=10_000, costs=[("upkeep", 1_000)]))
    assert metric(res, "debt[A].coverage_net") == pytest.approx(25_000 / 30_000, rel=1e-12)
    assert metric(res, "debt[B].coverage_gross") == pytest.approx(20_000 / 10_000, rel=1e-12)
    assert metric(res, "coverage_all_debts") == pytest.approx(45_000 / 40_000, rel=1e-12)
    # grants pay everything: no debt lends, the combined cover is undefined (documented)
    res = fundmodel.evaluate(scenario([{"source": "central_subsidy", "amount": 100_000},
                                       bond(label="A")], income=10_000))
    assert math.isnan(metric(res, "coverage_all_debts"))
    assert fundmodel.catalog.lookup("coverage_all_debts").undefined_when


def test_a_line_pledged_whole_by_two_debts_is_refused():
    with pytest.raises(ScenarioError, match=r"pledged by the debts 'A' \(funding\[0\]\) and "
                                            r"'B' \(funding\[1\]\)"):
        scenario([bond(label="A"), bond(label="B")])
    half = [{"line": "income[rent]", "share": 0.6}]
    with pytest.raises(ScenarioError, match="sum to 1.2, more than the whole line"):
        scenario([bond(label="A", pledged=half), bond(label="B", pledged=half)])


# ---------------------------------------------------------------- issue 19: sculpted, ties
def test_a_sculpted_loan_whose_cash_flow_is_below_the_interest_is_flagged(caplog):
    # rent 2,000 growing 50 % a year less an upkeep of 2,400 pledged: CFADS = −400, 600, 2,100.
    # Sculpted to DSCR 1 at 10 % over 3 years: DS = max(CFADS, 0) = 0, 600, 2,100 and
    # P = 600 / 1.1² + 2,100 / 1.1³. Year 1 pays nothing against an interest of 0.1 P: the
    # principal is −0.1 P and the balance grows to 1.1 P; years 2 and 3 repay it
    caplog.set_level("WARNING", logger="fundmodel")
    res = fundmodel.evaluate(scenario([loan(dscr_target=1.0, repayment="sculpted", rate=0.1,
                                            term_years=3, pledged_costs=["cost[upkeep]"])],
                                      income=2_000, income_growth=0.5,
                                      costs=[("upkeep", 2_400)]))
    p = 600 / 1.1 ** 2 + 2_100 / 1.1 ** 3
    assert metric(res, "debt[bank_loan].amount") == pytest.approx(p, rel=1e-12)
    interest, principal, opening = recurrence(p, 0.1, [0.0, 600.0, 2_100.0])
    assert principal[0] == pytest.approx(-0.1 * p) and opening[1] == pytest.approx(1.1 * p)
    got = lines(res)
    np.testing.assert_allclose(got["debt[bank_loan].principal"][1:4], principal, rtol=1e-12)
    np.testing.assert_allclose(res.debt().loc["bank_loan", "balance"], opening, rtol=1e-12)
    assert metric(res, "debt[bank_loan].negative_principal_years") == 1.0
    # min_dscr shows the target (years 2 and 3), hence the flag and the warning in words
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(1.0, rel=1e-12)
    assert any("negative principal" in w for w in res.info["warnings"])
    assert any("negative principal" in r.getMessage() for r in caplog.records)
    # year 1 has no debt service: it is not a shortfall year although CFADS (−400) < 0
    assert metric(res, "debt[bank_loan].shortfall_years") == 0.0
    # a level annuity never repays a negative principal, and no warning is given
    res = fundmodel.evaluate(scenario([loan(amount=100_000)], income=20_000))
    assert metric(res, "debt[bank_loan].negative_principal_years") == 0.0
    assert not any("negative principal" in w for w in res.info["warnings"])


def test_shortfall_years_count_only_years_with_debt_service():
    # a bullet of 10,000 at 0 % over 4 years: DS = 0, 0, 0, 10,000; rent 3,000 less upkeep
    # 4,000 pledged: CFADS = −1,000 every year. Years 1–3 have no service: nothing is short;
    # year 4 is short (−1,000 < 10,000): one shortfall year
    res = fundmodel.evaluate(scenario([loan(amount=10_000, rate=0.0, term_years=4,
                                            repayment="bullet",
                                            pledged_costs=["cost[upkeep]"])],
                                      income=3_000, costs=[("upkeep", 4_000)]))
    assert metric(res, "debt[bank_loan].shortfall_years") == 1.0
    assert metric(res, "debt[bank_loan].min_dscr_year") == 4.0
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(-1_000 / 10_000)


@pytest.mark.parametrize("rate", [0.05, 0.031, 0.0449, 0.07])
def test_min_dscr_year_of_a_tie_is_the_first_year(rate):
    # a level rent over a level annuity: CFADS_t / A is the same in every year (up to the
    # rounding of the schedule), so the lowest DSCR is first reached in year 1
    res = fundmodel.evaluate(scenario([loan(amount=100_000, rate=rate)], income=20_000))
    payment = 100_000 * rate / (1 - (1 + rate) ** -10)
    assert metric(res, "debt[bank_loan].min_dscr") == pytest.approx(20_000 / payment,
                                                                      rel=1e-12)
    assert metric(res, "debt[bank_loan].min_dscr_year") == 1.0


def test_min_dscr_year_is_the_first_of_exactly_equal_years():
    # equal principal at 0 %: DS = 2,000 every year; rent 3,000 less an upkeep of 1,000
    # pledged: CFADS 2,000, so the DSCR is exactly 1.0 in each of the 5 years
    res = fundmodel.evaluate(scenario([loan(amount=10_000, rate=0.0, term_years=5,
                                            repayment="equal_principal",
                                            pledged_costs=["cost[upkeep]"])],
                                      income=3_000, costs=[("upkeep", 1_000)]))
    assert metric(res, "debt[bank_loan].min_dscr") == 1.0
    assert metric(res, "debt[bank_loan].min_dscr_year") == 1.0


# ---------------------------------------------------------------- issue 19: nothing to finance
def test_a_debt_with_nothing_to_finance_lends_zero_not_nan(recwarn):
    # the item costs 0: the loan (no gearing given) lends 0, its service is 0, its cover is
    # undefined; the operations keep the whole rent: 13,000 × 12 years at a 0 % discount rate
    res = fundmodel.evaluate(scenario([loan(amount=50_000)], item_cost=0.0))
    assert metric(res, "debt[bank_loan].amount") == 0.0
    assert metric(res, "debt[bank_loan].capped") == 1.0
    assert math.isnan(metric(res, "debt[bank_loan].coverage_gross"))
    assert math.isnan(metric(res, "coverage_all_debts"))
    assert metric(res, "npv_operations") == pytest.approx(13_000 * 12)
    assert metric(res, "cumulative_balance_final") == pytest.approx(13_000 * 12)
    # with a gearing and a cap per household, 0 × a limit is 0 and inf × 0 cost is no limit
    res = fundmodel.evaluate(scenario([loan(gearing=0.5, cap_per_household=1_000)],
                                      item_cost=0.0))
    assert metric(res, "debt[bank_loan].amount") == 0.0
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("name, overrides", [
    ("guangan-bundle", ["renovation.items[6].unit_cost=0"]),
    # the rooms (the rooms bond's item) and the security (the security loan's) not built
    ("guangan-bundle", ["renovation.items[6].quantity=0", "renovation.items[7].quantity=0"]),
    ("special-bond-plan", [f"renovation.items[{i}].quantity=0" for i in range(7)]),
])
def test_shipped_scenarios_with_nothing_to_finance_have_no_nan(name, overrides):
    import warnings
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "scenarios" / f"{name}.yaml"
    sc = fundmodel.load_scenario(path, overrides=overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = fundmodel.simulate(sc, draws=64, seed=1)
    metrics = res.metrics
    for column in metrics.columns:
        if metrics[column].isna().any():
            # only a metric the catalogue says can be undefined, and only a cover metric
            assert fundmodel.catalog.lookup(column).undefined_when, column
    debts = [c for c in metrics.columns if c.startswith("debt[") and c.endswith("].amount")]
    assert debts and all(np.isfinite(metrics[c]).all() for c in debts)
    assert np.isfinite(metrics["npv_operations"]).all()
    assert np.isfinite(metrics["cumulative_balance_final"]).all()


def test_the_debt_examples_of_the_scenario_format_load_on_sanqiao(tmp_path):
    # docs/scenario-format.md: the loan and the bond of the example pledge different lines;
    # the shares example pledges the parking 0.4 + 0.6
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md").read_text(
        encoding="utf-8")
    section = doc[doc.index("### Debt: bank loans and special bonds"):]
    blocks = [b.split("```", 1)[0] for b in section.split("```yaml\n")[1:3]]
    rules = yaml.safe_load(blocks[0])["funding"]
    sc = sanqiao(tmp_path, *[r for r in rules if r["source"] in ("bank_loan", "special_bond")])
    assert [r.label for r in sc.funding[3:5]] == ["bank", "bond"]
    loan_line, bond_line = [line.split("#")[0].strip() for line in blocks[1].splitlines()]
    shared = [{**SANQIAO_LOAN, **yaml.safe_load(loan_line)},
              {**SANQIAO_BOND, **yaml.safe_load(bond_line)}]
    sc = sanqiao(tmp_path, *shared)
    assert sc.funding[3].pledges() == [("property_fee", None), ("income[parking]", 0.4)]
    assert sc.funding[4].pledges() == [("income[parking]", 0.6)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.01, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 50_000.0),
       st.floats(1.0, 50_000.0), st.floats(1.0, 50_000.0))
def test_shared_rent_is_remitted_at_most_once(s1, frac, rent, a1, a2):
    # two bonds with shares s1 and s2 ≤ 1 − s1 of one rent: together they remit
    # (s1 + s2) × rent a year, never more than the rent; the combined cover is the total
    # pledged over the total service (both lend: the item costs 100,000 ≥ a1 + a2)
    s2 = max((1.0 - s1) * frac, 1e-6)
    if s1 + s2 > 1.0:
        return
    res = fundmodel.evaluate(scenario([
        bond(label="A", amount=a1, pledged=[{"line": "income[rent]", "share": s1}]),
        bond(label="B", amount=a2, pledged=[{"line": "income[rent]", "share": s2}])],
        income=rent))
    got = lines(res)
    remitted = got["debt[A].pledged_revenue"][1:6] + got["debt[B].pledged_revenue"][1:6]
    np.testing.assert_allclose(remitted, (s1 + s2) * rent, rtol=1e-12, atol=1e-9)
    assert (remitted <= rent * (1 + 1e-12)).all()
    lent = metric(res, "debt[A].amount") + metric(res, "debt[B].amount")
    assert lent == pytest.approx(a1 + a2, rel=1e-12)
    assert metric(res, "coverage_all_debts") == pytest.approx(5 * (s1 + s2) * rent / lent,
                                                              rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("amount", [1e-300, 0.004])
def test_a_debt_of_less_than_a_fen_lends_nothing(amount):
    """A bond of 1e-300 CNY (found by the fuzz) served cover ratios of 1e7 / 1e-300 = inf. A
    debt lends whole fen or nothing: below 0.01 CNY it lends 0, the top-up after it pays the
    rest, and the cover metrics are undefined (NaN, as for any debt without service)."""
    base = fundmodel.load_scenario(ROOT_SCENARIOS / "special-bond-plan.yaml")
    tiny = fundmodel.load_scenario(ROOT_SCENARIOS / "special-bond-plan.yaml",
                                   overrides=[f"funding[2].amount={amount!r}"])
    m = fundmodel.evaluate(tiny).metrics.iloc[0]
    label = "debt[special bond]."
    assert m[label + "amount"] == 0.0
    for name in ("min_dscr", "avg_dscr", "coverage_gross", "coverage_net", "llcr"):
        assert math.isnan(m[name if name.startswith("debt") else label + name]), name
    assert np.isfinite(m.drop([c for c in m.index if c.startswith(label)]
                           ).to_numpy(dtype=float, na_value=0.0)).all()
    # the renovation is still funded: what the bond did not lend, the top-up paid
    b = fundmodel.evaluate(base).metrics.iloc[0]
    assert m["capex_total"] == b["capex_total"]
    assert m["funding_gap"] == pytest.approx(b["funding_gap"], abs=1e-6)
