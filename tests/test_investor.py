"""Social capital for operating rights (``source: social_capital``): the investment, the
concession on the ledger and the investor's metrics — worked by hand."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
import yaml
from hypothesis import given, settings, strategies as st

import fundmodel
from fundmodel import Scenario
from fundmodel.finance import IRR_ALL_ZERO, IRR_NO_SIGN_CHANGE, IRR_OK
from fundmodel.inputs.draws import point_values, realise
from fundmodel.inputs import compile_inputs
from fundmodel.catalog import lookup

from malformed import STANDALONE


def scenario(investor, *, items=None, funding_before=(), income=None, inflation=0.0,
             discount_rate=0.0, horizon=5):
    """One item of 10,000 CNY built in 2025 (operating year t is year index t), a parking
    income line of 1,000 CNY a year, no cost: the investor is the only source unless told."""
    return Scenario.model_validate({
        "name": "investor", "start_year": 2025, "horizon_years": horizon,
        "discount_rate": discount_rate, "inflation": inflation,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": items or [
            {"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 10_000}]},
        "funding": [*funding_before, {"source": "social_capital", "label": "inv", **investor}],
        "operations": {"property_fee": {"rate_per_m2_month": 0.0},
                       "income": income if income is not None
                       else [{"name": "parking", "per_year": 1000, "growth": 0.0}]}})


def metric(res, name):
    return float(res.metrics.loc[0, f"investor[inv].{name}"])


def ledger_lines(res, kind=None):
    """Ledger lines by name → {calendar year: amount} (the mean of one draw: the value)."""
    cf = res.cashflows()
    if kind is not None:
        cf = cf[cf["kind"] == kind]
    return {name: dict(zip(g["calendar_year"], g["amount"])) for name, g in cf.groupby("line")}


# ---------------------------------------------------------------- at the hurdle exactly

PV3 = 1000 / 1.1 + 1000 / 1.1**2 + 1000 / 1.1**3    # 909.09 + 826.45 + 751.31 = 2,486.85


def test_an_investor_that_invests_what_its_flows_are_worth_has_npv_0_and_irr_the_hurdle():
    # it takes the parking income (1,000 CNY in operating years 1, 2, 3 = year indexes 1, 2, 3)
    # and pays as the item is built in year index 0 (undiscounted): the most it will pay at a
    # 10 % hurdle is PV3 = 2,486.85; the item costs 10,000, so it pays all of it
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"]}))
    assert metric(res, "investment") == pytest.approx(PV3, rel=1e-12)
    assert metric(res, "worth") == pytest.approx(PV3, rel=1e-12)
    assert metric(res, "npv") == pytest.approx(0.0, abs=1e-9)
    assert metric(res, "irr") == pytest.approx(0.1, abs=1e-10)
    assert metric(res, "irr_reason") == IRR_OK
    assert metric(res, "below_hurdle") == 0.0
    # cumulative: −2,486.85, −1,486.85, −486.85, +513.15: paid back 486.85/1,000 into year 3
    assert metric(res, "payback_year") == pytest.approx(2 + (PV3 - 2000) / 1000, rel=1e-12)
    # the compound forgoes 3 × 1,000 at a nominal rate of 0
    assert metric(res, "forgone") == pytest.approx(3000, rel=1e-12)
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(10_000 - PV3, rel=1e-12)
    table = res.funding()
    assert table.loc["inv", "amount"] == pytest.approx(PV3, rel=1e-12)
    assert table.loc["inv", "source"] == "social_capital"


def test_an_amount_equal_to_the_worth_of_its_streams_at_the_hurdle_gives_npv_0_and_irr_it():
    # a stream of its own: 1,500 revenue less 500 running cost = 1,000 net a year; it pays the
    # amount PV3 — exactly what that is worth at 10 %
    res = fundmodel.evaluate(scenario({
        "concession_years": 3, "hurdle_rate": 0.1, "invests": "amount", "amount": PV3,
        "streams": [{"name": "EV charging", "per_year": 1500, "operating_cost_per_year": 500,
                     "growth": 0.0}]}))
    assert metric(res, "investment") == pytest.approx(PV3, rel=1e-12)
    assert metric(res, "npv") == pytest.approx(0.0, abs=1e-9)
    assert metric(res, "irr") == pytest.approx(0.1, abs=1e-10)
    assert metric(res, "below_hurdle") == 0.0
    assert metric(res, "forgone") == 0.0  # it takes nothing from the compound


def test_gap_mode_pays_the_need_above_what_it_is_worth_npv_negative_below_hurdle():
    # 10,000 for 3 × 1,000: NPV at 10 % = PV3 − 10,000; never paid back within the concession;
    # the undiscounted flows −10,000, 1,000, 1,000, 1,000 have IRR r with
    # 1,000 (1/(1+r) + 1/(1+r)² + 1/(1+r)³) = 10,000 — numpy-financial as the reference
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"], "invests": "gap"}))
    assert metric(res, "investment") == pytest.approx(10_000)
    assert metric(res, "npv") == pytest.approx(PV3 - 10_000, rel=1e-12)
    assert metric(res, "below_hurdle") == 1.0
    assert math.isnan(metric(res, "payback_year"))
    assert metric(res, "irr") == pytest.approx(npf.irr([-10_000, 1000, 1000, 1000]), abs=1e-9)
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(0.0)


def test_every_mode_is_capped_by_the_need_and_by_its_caps():
    # a grant pays 9,000 of the 10,000: the need is 1,000 < PV3, so `max` pays 1,000 (NPV > 0)
    grant = [{"source": "central_subsidy", "amount": 9000}]
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"]}, funding_before=grant))
    assert metric(res, "investment") == pytest.approx(1000)
    assert metric(res, "npv") == pytest.approx(PV3 - 1000, rel=1e-12)
    assert metric(res, "below_hurdle") == 0.0
    assert metric(res, "payback_year") == pytest.approx(1.0)
    # amount 5,000 > the need of 1,000: pays 1,000, offered 5,000
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"], "invests": "amount",
                                       "amount": 5000}, funding_before=grant))
    assert metric(res, "investment") == pytest.approx(1000)
    assert res.funding().loc["inv", "offered"] == pytest.approx(5000)
    # cap 700 and cap_per_household 60 × 10 households = 600: the gap mode pays 600
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"], "invests": "gap",
                                       "cap": 700, "cap_per_household": 60},
                                      funding_before=grant))
    assert metric(res, "investment") == pytest.approx(600)
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(400)


def test_the_top_up_pays_after_the_investor():
    # the investor is committed before the treasury's top-up whatever the order written
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"]},
                                      funding_before=[{"source": "top_up"}]))
    assert metric(res, "investment") == pytest.approx(PV3, rel=1e-12)
    assert res.funding().loc["top_up", "amount"] == pytest.approx(10_000 - PV3, rel=1e-12)


def test_an_investor_paying_nothing_runs_no_concession():
    # the grant pays everything: nothing is unfunded, the investor pays 0 and takes nothing
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"]},
                                      funding_before=[{"source": "central_subsidy",
                                                       "amount": 10_000}]))
    assert metric(res, "investment") == 0.0
    assert metric(res, "npv") == 0.0
    assert math.isnan(metric(res, "irr"))
    assert metric(res, "irr_reason") == IRR_ALL_ZERO
    assert math.isnan(metric(res, "payback_year"))
    assert metric(res, "forgone") == 0.0
    lines = ledger_lines(res)
    assert set(lines["investor[inv].takes[parking]"].values()) == {0.0}
    assert "financing_net" in res.yearly().columns
    assert (res.yearly()["financing_net"] == 0).all()


def test_flows_worth_nothing_give_no_investment_and_no_irr():
    # the stream costs more than it brings: worth 0, `max` invests nothing
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "streams": [{"name": "rooms", "per_year": 100,
                                                    "operating_cost_per_year": 300}]}))
    assert metric(res, "worth") == 0.0 and metric(res, "investment") == 0.0
    # gap mode: it pays 10,000 and loses 200 a year: no sign change, no IRR
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "invests": "gap",
                                       "streams": [{"name": "rooms", "per_year": 100,
                                                    "operating_cost_per_year": 300}]}))
    assert math.isnan(metric(res, "irr"))
    assert metric(res, "irr_reason") == IRR_NO_SIGN_CHANGE
    assert metric(res, "npv") == pytest.approx(-10_000 - 200 * PV3 / 1000, rel=1e-12)
    assert metric(res, "below_hurdle") == 1.0


# ---------------------------------------------------------------- timing, growth, ledger

def test_investment_falls_as_its_items_are_built_and_is_discounted_from_those_years():
    # item a 1,000 built in 2025 (index 0), item b 2,000 in 2026 (index 1): operations start
    # in 2027, operating year t at index 1 + t. It takes the parking (1,000 growing 5 %) and a
    # stream of 800 a year growing with inflation (3 %), for 4 years, hurdle 12 %, gap mode
    h, g, i = 0.12, 0.05, 0.03
    res = fundmodel.evaluate(scenario(
        {"concession_years": 4, "hurdle_rate": h, "takes_over": ["parking"],
         "invests": "gap", "streams": [{"name": "ads", "units": 4, "price_per_month": 25,
                                        "occupancy": 0.5, "operating_cost_per_year": 400}]},
        items=[{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
               {"name": "b", "tier": "basic", "quantity": 1, "unit_cost": 2000,
                "build_from": 2026}],
        income=[{"name": "parking", "per_year": 1000, "growth": g}],
        inflation=i, horizon=6))
    # stream: 4 × 25 × 12 × 0.5 = 600 revenue, 400 cost → 200 net, growing 3 %
    parking = [1000 * (1 + g) ** (t - 1) for t in range(1, 5)]
    stream = [200 * (1 + i) ** (t - 1) for t in range(1, 5)]
    net = [p + s for p, s in zip(parking, stream)]
    flows = [-1000, -2000, *net]
    expected_npv = sum(f / (1 + h) ** y for y, f in enumerate(flows))
    assert metric(res, "investment") == pytest.approx(3000)
    assert metric(res, "npv") == pytest.approx(expected_npv, rel=1e-12)
    assert metric(res, "irr") == pytest.approx(npf.irr(flows), abs=1e-9)
    # the most it would pay as these items are built: PV of the flows over the PV of 1 CNY
    # spread 1/3 in 2025 and 2/3 in 2026
    pv = sum(f / (1 + h) ** (y + 2) for y, f in enumerate(net))
    assert metric(res, "worth") == pytest.approx(pv / (1 / 3 + (2 / 3) / (1 + h)), rel=1e-12)
    # cumulative from the end of construction: −3,000 + ... paid back within year 3?
    cum = np.cumsum([-3000, *net])
    k = int(np.argmax(cum >= 0)) - 1
    assert metric(res, "payback_year") == pytest.approx(k - cum[k] / net[k], rel=1e-12)
    # the nominal rate is (1 + 0)(1 + 3 %) − 1: what the compound forgoes, discounted
    assert metric(res, "forgone") == pytest.approx(
        sum(p / (1 + i) ** (t + 1) for t, p in enumerate(parking, start=1)), rel=1e-12)
    lines = ledger_lines(res)
    assert lines["funding[inv]"] == pytest.approx({2025: 1000, 2026: 2000})
    assert lines["investor[inv].takes[parking]"] == pytest.approx(
        dict(zip(range(2027, 2031), parking)))
    assert lines["investor[inv].revenue[ads]"] == pytest.approx(
        {2027 + t: 600 * (1 + i) ** t for t in range(4)})
    assert lines["investor[inv].cost[ads]"] == pytest.approx(
        {2027 + t: 400 * (1 + i) ** t for t in range(4)})


def test_the_concession_lines_parties_and_kinds():
    res = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                       "takes_over": ["parking"],
                                       "streams": [{"name": "ev", "per_year": 100}]}))
    cf = res.cashflows()
    meta = cf.groupby("line")[["payer", "payee", "kind"]].first()
    assert tuple(meta.loc["funding[inv]"]) == ("investor", "project", "capital")
    assert tuple(meta.loc["investor[inv].takes[parking]"]) == ("operator", "investor",
                                                               "financing")
    assert tuple(meta.loc["investor[inv].revenue[ev]"]) == ("users", "investor", "operating")
    assert tuple(meta.loc["investor[inv].cost[ev]"]) == ("investor", "suppliers", "operating")
    # the concession lines span operating years 1..3 only (2026-2028)
    years = cf[cf["line"] == "investor[inv].takes[parking]"]["calendar_year"]
    assert sorted(years) == [2026, 2027, 2028]
    parties = res.parties()
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum())
    # the investor pays its investment and the stream's cost (0), receives parking and ev
    assert parties.loc["investor", "paid"] == pytest.approx(metric(res, "investment"))
    assert parties.loc["investor", "received"] == pytest.approx(3 * 1000 + 3 * 100)


def test_streams_alone_leave_the_compound_statement_untouched():
    base = fundmodel.evaluate(scenario({"concession_years": 3, "hurdle_rate": 0.1,
                                        "streams": [{"name": "ev", "per_year": 100}]}))
    y = base.yearly()
    assert "financing_net" not in y.columns
    assert list(y["total_income"]) == [1000.0] * 5
    assert list(y["cumulative_balance"]) == [1000.0 * t for t in range(1, 6)]


def sanqiao(investor=None):
    data = yaml.safe_load(STANDALONE.read_text(encoding="utf-8"))
    if investor is not None:
        data["funding"].append({"source": "social_capital", "label": "inv", **investor})
    return data


def load(tmp_path, data, name="s.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return fundmodel.load_scenario(path)


SANQIAO_INVESTOR = {
    "concession_years": 8, "hurdle_rate": 0.08, "takes_over": ["parking"],
    "streams": [{"name": "EV charging", "units": 10, "price_per_month": 300,
                 "occupancy": {"dist": "triangular", "low": 0.2, "mode": 0.4, "high": 0.7},
                 "operating_cost_per_year": 8000},
                {"name": "elder-care room", "per_year": 24_000,
                 "operating_cost_per_year": 20_000, "growth": 0.03}]}


def test_the_compound_balance_falls_by_the_taken_income_during_the_concession_only(tmp_path):
    # sanqiao: parking = 20 spaces × 100 CNY × 12 × 0.7 = 16,800 in year 1, growing with
    # inflation (2 %). Taken over for 8 years: the cumulative balance is lower by the
    # parking taken so far, and by the same total after year 8
    without = fundmodel.evaluate(load(tmp_path, sanqiao(), "a.yaml")).yearly()
    res = fundmodel.evaluate(load(tmp_path, sanqiao(SANQIAO_INVESTOR), "b.yaml"))
    with_ = res.yearly()
    parking = np.array([16_800 * 1.02 ** (t - 1) if t <= 8 else 0.0 for t in range(1, 21)])
    assert np.allclose(with_["financing_net"], -parking, rtol=1e-12, atol=0)
    drop = without["cumulative_balance"] - with_["cumulative_balance"]
    assert np.allclose(drop, np.cumsum(parking), rtol=1e-12, atol=1e-6)
    assert np.allclose(drop.loc[9:], parking.sum(), rtol=1e-12)
    # the operating lines themselves are the compound's as before
    for line in ("total_income", "operating_cost", "operating_surplus"):
        assert np.array_equal(with_[line], without[line])
    assert np.allclose(without["operating_surplus"] - parking, with_["net_cash_flow"],
                       rtol=0, atol=1e-8)
    # npv_operations falls by exactly the forgone income, discounted at the nominal rate
    nominal = 1.04 * 1.02 - 1
    forgone = sum(p / (1 + nominal) ** t for t, p in enumerate(parking, start=1))
    assert res.metrics.loc[0, "investor[inv].forgone"] == pytest.approx(forgone, rel=1e-12)
    assert (fundmodel.evaluate(load(tmp_path, sanqiao(), "c.yaml")).metrics.loc[
        0, "npv_operations"] - res.metrics.loc[0, "npv_operations"]) == pytest.approx(
        forgone, rel=1e-9)


def test_sources_and_gap_make_the_works_every_year(tmp_path):
    res = fundmodel.evaluate(load(tmp_path, sanqiao(SANQIAO_INVESTOR)))
    cf = res.cashflows()
    capital = cf[cf["kind"] == "capital"]
    works = capital[capital["line"].str.startswith("works[")].groupby("calendar_year")["amount"]
    funds = capital[capital["line"].str.startswith("funding[")].groupby("calendar_year")[
        "amount"]
    assert np.allclose(works.sum(), funds.sum(), rtol=1e-12)
    assert res.metrics.loc[0, "investor[inv].investment"] > 0
    parties = res.parties()
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum(), rel=1e-12)


def test_monte_carlo_runs_and_streams_the_investor_metrics(tmp_path):
    sc = load(tmp_path, sanqiao(SANQIAO_INVESTOR))
    res = fundmodel.simulate(sc, draws=2000, seed=7)
    m = res.metrics
    names = [f"investor[inv].{k}" for k in ("investment", "worth", "npv", "irr", "irr_reason",
                                            "payback_year", "forgone", "below_hurdle")]
    for name in names:
        assert name in m.columns
        lookup(name)   # each is described in the catalog
    assert m["investor[inv].investment"].std() > 0       # the need and the worth vary
    assert (m["investor[inv].investment"] <= m["investor[inv].worth"] * (1 + 1e-9)).all()
    assert (m["investor[inv].below_hurdle"] == 0).all()  # `max` never invests above its worth
    assert (m["investor[inv].npv"] >= -1e-6).all()
    # where the grants leave nothing unfunded it invests nothing and has no IRR; elsewhere it
    # earns at least its hurdle
    invests = m["investor[inv].investment"] > 0
    assert 0 < invests.sum() < len(m)
    assert (m.loc[invests, "investor[inv].irr_reason"] == IRR_OK).all()
    assert (m.loc[invests, "investor[inv].irr"] >= 0.08 - 1e-9).all()
    assert (m.loc[~invests, "investor[inv].irr_reason"] == IRR_ALL_ZERO).all()
    assert m.loc[~invests, "investor[inv].payback_year"].isna().all()
    # the summary of a streamed run (no per-draw metrics kept) has them too
    streamed = fundmodel.simulate(sc, draws=2000, seed=7, keep_draws=False).summary()
    for name in names:
        assert name in streamed.index
    assert streamed.loc["investor[inv].investment", "mean"] == pytest.approx(
        m["investor[inv].investment"].mean(), rel=1e-9)


def test_the_investor_instrument_is_compiled_only_when_used(tmp_path):
    sc = scenario({"concession_years": 3, "hurdle_rate": 0.1, "takes_over": ["parking"]},
                  funding_before=[{"source": "top_up"}])
    assert [(i.name, i.indexes) for i in compile_inputs(sc, 1).instruments] == [
        ("investor", (1,)), ("top_up", (0,))]
    plain = load(tmp_path, sanqiao())
    plain = realise(plain, point_values(plain))
    assert "investor" not in [i.name for i in compile_inputs(plain, 1).instruments]


# ---------------------------------------------------------------- invariants

@settings(max_examples=25, deadline=None)
@given(hurdle=st.floats(0.0, 0.5), income=st.floats(1.0, 1e5),
       stream=st.floats(0.0, 1e5), cost=st.floats(0.0, 5e4), years=st.integers(1, 5),
       growth=st.floats(-0.2, 0.3))
def test_max_mode_is_at_its_hurdle_unless_capped_by_the_need(hurdle, income, stream, cost,
                                                             years, growth):
    res = fundmodel.evaluate(scenario(
        {"concession_years": years, "hurdle_rate": hurdle, "takes_over": ["parking"],
         "streams": [{"name": "s", "per_year": stream, "operating_cost_per_year": cost,
                      "growth": growth}]},
        income=[{"name": "parking", "per_year": income, "growth": growth}],
        items=[{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1e6}]))
    net = [(income + stream - cost) * (1 + growth) ** (t - 1) for t in range(1, years + 1)]
    pv = sum(n / (1 + hurdle) ** t for t, n in enumerate(net, start=1))
    invested = metric(res, "investment")
    assert invested == pytest.approx(min(max(pv, 0.0), 1e6), rel=1e-9, abs=1e-9)
    assert metric(res, "below_hurdle") == 0.0
    if 0 < pv < 1e6:
        assert metric(res, "npv") == pytest.approx(0.0, abs=1e-9 * pv)
        if metric(res, "irr_reason") == IRR_OK:
            assert metric(res, "irr") == pytest.approx(hurdle, abs=1e-7)


def test_the_documented_example_runs(tmp_path):
    # docs/scenario-format.md: the example rule loads on the Sanqiao scenario and invests
    import re
    from malformed import ROOT
    doc = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    block = doc[doc.index("### Social capital"):doc.index("## `households`")]
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", block, re.S).group(1))
    data = sanqiao()
    data["funding"] = example["funding"]
    res = fundmodel.evaluate(load(tmp_path, data))
    assert res.metrics.loc[0, "investor[charging operator].investment"] > 0
