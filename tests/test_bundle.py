"""The bundled profitable project (source: bundle): its transfer, its own flows on the ledger,
its metrics and its minimum scale — worked by hand."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
import yaml
from hypothesis import given, settings, strategies as st

import fundmodel
from fundmodel import Scenario
from fundmodel.catalog import lookup
from fundmodel.engine.instruments.bundle import (MIN_SCALE_NONE, MIN_SCALE_OK, minimum_scale,
                                                 npv_at_scale)

from malformed import STANDALONE


def small(bundle: dict, cap=2500) -> Scenario:
    # item a (1,000 CNY) built in 2025, item b (2,000 CNY) in 2026; operations 2027..2029;
    # every rate 0, so every PV is a plain sum
    return Scenario.model_validate({
        "name": "bundle", "start_year": 2025, "horizon_years": 3,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": [
            {"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
            {"name": "b", "tier": "complete", "quantity": 1, "unit_cost": 2000,
             "build_from": 2026}]},
        "funding": [{"source": "bundle", "label": "mill", "cap": cap, **bundle}],
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}}})


MILL = {"scale": 2, "capital": [100, 50],
        "revenues": [{"name": "rents", "per_year": 1000, "growth": 0.0}],
        "operating_costs": [{"name": "upkeep", "per_year": 400, "growth": 0.0}],
        "fixed_cost_per_year": 100, "tax_rate": 0.25}


def lines(result) -> dict[str, dict[int, float]]:
    cf = result.cashflows()
    return {name: dict(zip(g["calendar_year"], g["amount"])) for name, g in cf.groupby("line")}


def metric(result, name):
    return float(result.metrics.loc[0, f"bundle[mill].{name}"])


def test_a_bundle_pays_the_gap_and_writes_its_own_flows():
    # 3,000 left; the mill pays its cap of 2,500, 5/6 of each item: 833.33 in 2025 (a),
    # 1,666.67 in 2026 (b); gap 500. At scale 2: capital 200 and 100; revenue 2,000 a year,
    # cost 2 × 400 + 100 = 900, profit 1,100, tax 275, surplus 825 in 2027, 2028, 2029
    res = fundmodel.evaluate(small(MILL))
    got = lines(res)
    assert got["funding[mill]"] == pytest.approx({2025: 2500 / 3, 2026: 5000 / 3})
    assert got["funding[gap]"] == pytest.approx({2025: 500 / 3, 2026: 1000 / 3})
    assert got["bundle[mill].capital"] == pytest.approx({2025: 200, 2026: 100})
    assert got["bundle[mill].revenue"] == pytest.approx({2027: 2000, 2028: 2000, 2029: 2000})
    assert got["bundle[mill].cost"] == pytest.approx({2027: 900, 2028: 900, 2029: 900})
    assert got["bundle[mill].tax"] == pytest.approx({2027: 275, 2028: 275, 2029: 275})
    cf = res.cashflows().set_index("line")
    assert cf.loc["bundle[mill].revenue", "payer"].iloc[0] == "users"
    assert set(cf.loc["bundle[mill].tax", "payee"]) == {"tax_authority"}
    assert set(cf.loc[["bundle[mill].revenue", "bundle[mill].cost", "bundle[mill].tax"],
                      "kind"]) == {"operating"}
    assert "operator" not in set(cf.loc[cf.index.str.startswith("bundle")][["payer", "payee"]]
                                 .to_numpy().ravel())
    # the operating statement is the compound's alone: no financing line touches the operator
    assert "financing_net" not in res.yearly().columns
    assert res.funding().loc["mill", "amount"] == pytest.approx(2500)
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(500)
    # own flows: −1,033.33, −1,766.67, 825, 825, 825 (rate 0: npv is the sum)
    assert metric(res, "transfer") == pytest.approx(2500)
    assert metric(res, "npv") == pytest.approx(3 * 825 - 300 - 2500)          # −325
    assert metric(res, "coverage") == pytest.approx(2475 / 2800)
    assert metric(res, "balances") == 0.0
    own = [-(2500 / 3 + 200), -(5000 / 3 + 100), 825, 825, 825]
    assert metric(res, "irr") == pytest.approx(npf.irr(own), abs=1e-9)
    # NPV(s) = 3 × 0.75 × (600 s − 100) − 150 s − 2,500 = 1,200 s − 2,725 where profit > 0
    assert metric(res, "minimum_scale") == pytest.approx(2725 / 1200, rel=1e-10)
    assert lookup("bundle[mill].npv").unit == "CNY"


def test_sources_and_gap_make_the_works_and_every_party_balances():
    res = fundmodel.evaluate(small(MILL, cap=1e6))
    cf = res.cashflows()
    capital = cf[cf["kind"] == "capital"]
    works = capital[capital["line"].str.startswith("works")].groupby("calendar_year")["amount"]
    paid = capital[capital["payee"] == "project"].groupby("calendar_year")["amount"]
    assert paid.sum().to_dict() == pytest.approx(works.sum().to_dict())
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(0)
    parties = res.parties()
    assert parties["net"].sum() == pytest.approx(0, abs=1e-6)
    assert parties.loc["bundled_project", "paid"] == pytest.approx(3000 + 300 + 3 * 1175)
    assert parties.loc["bundled_project", "received"] == pytest.approx(6000)


def test_the_coverage_target_and_the_one_call_answer():
    res = fundmodel.evaluate(small(MILL))
    assert fundmodel.minimum_bundle_scale(res) == pytest.approx(2725 / 1200, rel=1e-10)
    # coverage 1.2: 3 × 0.75 (600 s − 100) = 1.2 (150 s + 2,500) → 1,170 s = 3,225
    s12 = fundmodel.minimum_bundle_scale(res, "mill", coverage=1.2)
    assert s12 == pytest.approx(3225 / 1170, rel=1e-10)
    again = fundmodel.evaluate(small({**MILL, "scale": s12}))
    assert metric(again, "coverage") == pytest.approx(1.2, rel=1e-9)
    with pytest.raises(ValueError, match="no bundle is labelled"):
        fundmodel.minimum_bundle_scale(res, "factory")
    with pytest.raises(ValueError, match="quantile"):
        fundmodel.minimum_bundle_scale(res, quantile=0)
    with pytest.raises(ValueError, match="coverage"):
        fundmodel.minimum_bundle_scale(res, coverage=50)


def test_a_linear_bundle_has_a_closed_form_minimum_scale():
    # no fixed cost: NPV(s) = s × (3 × 0.75 × 600 − 150) − 2,500 = 1,200 s − 2,500
    res = fundmodel.evaluate(small({**MILL, "fixed_cost_per_year": 0}))
    assert metric(res, "minimum_scale") == pytest.approx(2500 / 1200, rel=1e-12)
    # a bundle that loses money at every scale: no minimum scale
    res = fundmodel.evaluate(small({**MILL, "capital": [3000]}))
    assert math.isnan(metric(res, "minimum_scale"))
    assert fundmodel.minimum_bundle_scale(res) == math.inf
    # nothing left to pay: scale 0 already balances
    res = fundmodel.evaluate(small({**MILL, "capital": [], "fixed_cost_per_year": 0}, cap=0))
    assert metric(res, "minimum_scale") == 0.0
    assert math.isnan(metric(res, "coverage"))


def test_one_off_lines_growth_and_the_required_return():
    # a land sale of 900 per unit in operating year 2 (2028), growing 10 % from year 2:
    # 2 × 900 × 1.1 = 1,980; rents 1,000 a year from year 2 for 1 year, 2 × 1,000 × 1.1
    bundle = {"scale": 2, "required_return": 0.1,
              "revenues": [{"name": "land", "amount": 900, "in_year": 2, "growth": 0.1},
                           {"name": "rents", "per_year": 1000, "from_year": 2, "years": 1,
                            "growth": 0.1}]}
    res = fundmodel.evaluate(small(bundle))
    got = lines(res)
    assert got["bundle[mill].revenue"] == pytest.approx({2027: 0, 2028: 4180, 2029: 0})
    assert "bundle[mill].capital" not in got
    # transfer 833.33 (index 0) and 1,666.67 (index 1), revenue 4,180 at index 3, at 10 %
    npv = 4180 / 1.1 ** 3 - 2500 / 3 - (5000 / 3) / 1.1
    assert metric(res, "npv") == pytest.approx(npv)
    assert metric(res, "irr") == pytest.approx(npf.irr([-2500 / 3, -5000 / 3, 0, 4180, 0]))


def test_the_minimum_scale_balances_the_bundle_when_run_again(tmp_path):
    # sanqiao-standalone with a parking garage: fixed cost and tax, so a bisection
    data = yaml.safe_load(STANDALONE.read_text(encoding="utf-8"))
    data["funding"].append({
        "source": "bundle", "label": "garage", "scale_unit": "units",
        "capital": [30000, 10000],
        "revenues": [{"name": "parking", "per_year": 9000, "growth": 0.02}],
        "operating_costs": [{"name": "upkeep", "per_year": 1500}],
        "fixed_cost_per_year": 20000, "tax_rate": 0.25, "required_return": 0.08})
    path = tmp_path / "garage.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = fundmodel.evaluate(fundmodel.load_scenario(path))
    s = fundmodel.minimum_bundle_scale(res)
    assert 0 < s < math.inf
    assert res.metrics.loc[0, "bundle[garage].balances"] == 0.0
    at = fundmodel.evaluate(fundmodel.load_scenario(path, [f"funding[4].scale={s!r}"]))
    outlay = at.metrics.loc[0, "bundle[garage].transfer"]
    assert at.metrics.loc[0, "bundle[garage].npv"] == pytest.approx(0, abs=1e-9 * outlay)
    assert at.metrics.loc[0, "bundle[garage].coverage"] == pytest.approx(1, rel=1e-9)
    # the transfer does not depend on the scale; a little less and the bundle loses money
    assert outlay == pytest.approx(res.metrics.loc[0, "bundle[garage].transfer"])
    less = fundmodel.evaluate(fundmodel.load_scenario(path, [f"funding[4].scale={s * 0.999!r}"]))
    assert less.metrics.loc[0, "bundle[garage].npv"] < 0
    # other metrics are those of the scenario without the bundle but for the gap it covers
    base = fundmodel.evaluate(fundmodel.load_scenario(STANDALONE))
    assert res.metrics.loc[0, "npv_operations"] == base.metrics.loc[0, "npv_operations"]


def test_monte_carlo_streams_the_bundle_metrics(tmp_path):
    data = yaml.safe_load(STANDALONE.read_text(encoding="utf-8"))
    data["funding"].append({
        "source": "bundle", "label": "garage", "capital": [30000],
        "revenues": [{"name": "parking", "per_year":
                      {"dist": "triangular", "low": 3000, "mode": 6000, "high": 8000}}],
        "fixed_cost_per_year": 2000, "tax_rate": 0.25})
    path = tmp_path / "garage.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sc = fundmodel.load_scenario(path)
    res = fundmodel.simulate(sc, draws=2000, seed=7)
    smallest = res.metric("bundle[garage].minimum_scale")
    assert np.isfinite(smallest).all() and np.unique(smallest).size > 100
    summary = res.summary()
    assert summary.loc["bundle[garage].balances", "n"] == 2000
    assert summary.loc["bundle[garage].npv", "unit"] == "CNY"
    assert summary.loc["bundle[garage].balances", "unit"] == "0/1"
    q = fundmodel.minimum_bundle_scale(res, quantile=0.9)
    assert q == np.quantile(smallest, 0.9, method="inverted_cdf")
    streamed = fundmodel.simulate(sc, draws=2000, seed=7, keep_draws=False)
    assert streamed.summary().loc["bundle[garage].npv", "mean"] == pytest.approx(
        summary.loc["bundle[garage].npv", "mean"], rel=1e-12)
    # at the 90 % scale the bundle balances in at least 90 % of the same draws
    at = fundmodel.simulate(fundmodel.load_scenario(path, [f"funding[4].scale={q!r}"]),
                            draws=2000, seed=7)
    balances = at.metric("bundle[garage].balances")
    assert (smallest <= q).mean() >= 0.9
    assert (balances[smallest < q] == 1).all() and (balances[smallest > q] == 0).all()
    # the draw at the quantile itself has NPV 0 to rounding
    [edge] = np.flatnonzero(smallest == q)
    npv = at.metric("bundle[garage].npv")[edge]
    assert abs(npv) <= 1e-9 * at.metric("bundle[garage].transfer")[edge]


# ---------------------------------------------------------------- the solver on arrays
def test_closed_form_and_bisection_agree_on_affine_bundles():
    rng = np.random.default_rng(3)
    n, t = 500, 12
    margin = rng.uniform(-50, 200, (n, 1, t))
    fixed = rng.uniform(0, 300, (n, 1, t))
    disc = np.cumprod(np.full((n, 1, t), 1 / 1.05), axis=-1)
    pv_cap, pv_tr = rng.uniform(0, 500, (n, 1)), rng.uniform(0, 5000, (n, 1))
    for tax, fx in ((np.zeros((n, 1)), fixed), (rng.uniform(0, 0.9, (n, 1)), 0 * fixed)):
        closed, why = minimum_scale(margin, fx, tax, disc, pv_cap, pv_tr, method="closed_form")
        searched, why2 = minimum_scale(margin, fx, tax, disc, pv_cap, pv_tr, method="bisection")
        assert (np.isnan(closed) == np.isnan(searched)).all()
        ok = ~np.isnan(closed)
        assert 50 < ok.sum() < n
        np.testing.assert_allclose(searched[ok], closed[ok], rtol=1e-10)
        assert (why == why2).all() and set(np.unique(why)) == {MIN_SCALE_OK, MIN_SCALE_NONE}
    with pytest.raises(ValueError, match="closed form"):
        minimum_scale(margin, fixed, rng.uniform(0.1, 0.9, (n, 1)), disc, pv_cap, pv_tr,
                      method="closed_form")


def test_the_smallest_balancing_scale_over_many_draws():
    # fixed cost and tax: bisection for every draw at once; NPV is 0 there and < 0 just below
    rng = np.random.default_rng(11)
    n, t = 4000, 15
    margin = rng.uniform(-20, 100, (n, 1, t))
    fixed = rng.uniform(0, 500, (n, 1, t))
    tax = rng.uniform(0, 0.5, (n, 1))
    disc = np.cumprod(np.full((1, 1, t), 1 / 1.06), axis=-1)
    pv_cap, pv_tr = rng.uniform(0, 300, (n, 1)), rng.uniform(0, 20000, (n, 1))
    s, why = minimum_scale(margin, fixed, tax, disc, pv_cap, pv_tr)
    ok = why == MIN_SCALE_OK
    assert 0.2 * n < ok.sum() < n
    at = npv_at_scale(s[ok], margin[ok], fixed[ok], tax[ok], disc[0], pv_cap[ok], pv_tr[ok])
    scale_of_npv = np.abs(npv_at_scale(s[ok] + 1, margin[ok], fixed[ok], tax[ok], disc[0],
                                       pv_cap[ok], pv_tr[ok]) - at)
    assert (np.abs(at) <= 1e-9 * (1 + scale_of_npv + pv_tr[ok])).all()
    below = npv_at_scale(s[ok] * (1 - 1e-6), margin[ok], fixed[ok], tax[ok], disc[0],
                         pv_cap[ok], pv_tr[ok])
    assert (below < 0).all()
    # where none is found, a unit of scale is worth ≤ 0 after tax and capital
    unit = ((margin - tax[..., None] * np.maximum(margin, 0)) * disc).sum(-1) - pv_cap
    assert (unit[~ok] <= 0).all() and (unit[ok] > 0).all()


def test_a_full_tax_balances_at_the_largest_kink():
    # τ = 1: g(x) = min(x, 0); nothing to pay; years need s ≥ 10/10 and s ≥ 10/5: s* = 2
    s, why = minimum_scale(np.array([[[10.0, 5.0]]]), np.array([[[10.0, 10.0]]]),
                           np.array([[1.0]]), np.ones((1, 1, 2)), np.zeros((1, 1)),
                           np.zeros((1, 1)))
    assert s[0, 0] == pytest.approx(2.0, rel=1e-12) and why[0, 0] == MIN_SCALE_OK


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 300), st.floats(0, 400)), min_size=1, max_size=8),
       st.floats(0, 0.99), st.floats(0, 1000), st.floats(0, 1e5), st.floats(0.5, 3))
def test_minimum_scale_is_the_smallest_root(years, tax, pv_cap, pv_tr, coverage):
    margin = np.array([[[m for m, _ in years]]])
    fixed = np.array([[[f for _, f in years]]])
    disc = 1.04 ** -np.arange(1.0, len(years) + 1)[None, None, :]
    args = (margin, fixed, np.array([[tax]]), disc, np.array([[pv_cap]]), np.array([[pv_tr]]))
    s, why = minimum_scale(*args, coverage=coverage)
    s = s[0, 0]
    if why[0, 0] == MIN_SCALE_NONE:
        # no scale up to a large one balances it
        big = np.array([[1e9]])
        assert npv_at_scale(big, *args, coverage=coverage)[0, 0] < 0
        return
    npv = lambda x: npv_at_scale(np.array([[x]]), *args, coverage=coverage)[0, 0]  # noqa
    slope = abs(npv(s + 1) - npv(s)) + abs(npv(s) - npv(max(s - 1, 0)))
    assert abs(npv(s)) <= 1e-8 * (1 + slope + coverage * pv_tr + npv(0) * 0 + abs(npv(0)))
    if s > 0:
        assert npv(s * (1 - 1e-7)) < 0 or abs(npv(s * (1 - 1e-7))) <= 1e-8 * (1 + abs(npv(0)))
