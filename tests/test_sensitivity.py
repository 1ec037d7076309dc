"""Sensitivity: Result.inputs, the tornado, rank correlations, Sobol indices and the
`fundmodel sensitivity` command. Expected values are worked out by hand here or taken from
scipy (an independent reference)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from fundmodel import ModelError, Scenario, evaluate, evaluate_batch, simulate
from fundmodel.cli import main
from fundmodel.sensitivity import problem, rank_correlations, sobol, tornado

A, B, C = ("renovation.items[A].unit_cost", "renovation.items[B].unit_cost",
           "renovation.items[C].unit_cost")
FEE = "operations.property_fee.collection_rate"


def three_items(c_dist=None) -> dict:
    """capex_total = 100 c_A + 10 c_B + 1 c_C (contingency 0).

    c_A ~ uniform(900, 1100), c_B ~ uniform(5,000, 15,000), c_C ~ triangular(30,000, 50,000,
    70,000) (or
    ``c_dist``); collection ~ uniform(0.5, 1.0). Operations: fee 1.0 × 1,000 m² × 12 ×
    collection c, cleaning 9,000 a year, 3 years, rate 0, no VAT nor margin: breakeven fee
    0.75 / c, npv_operations = 3 (12,000 c − 9,000).
    """
    return {
        "name": "three", "start_year": 2025, "horizon_years": 3, "discount_rate": 0.0,
        "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"contingency": 0.0, "items": [
            {"name": "A", "tier": "basic", "quantity": 100, "unit": "m2",
             "unit_cost": {"dist": "uniform", "low": 900, "high": 1100}},
            {"name": "B", "tier": "basic", "quantity": 10, "unit": "m",
             "unit_cost": {"dist": "uniform", "low": 5000, "high": 15000}},
            {"name": "C", "tier": "upgrade", "quantity": 1, "unit": "lift",
             "unit_cost": c_dist or {"dist": "triangular", "low": 30000, "mode": 50000,
                                     "high": 70000}}]},
        "funding": [{"source": "donations", "amount": 50_000}],
        "operations": {"property_fee": {"rate_per_m2_month": 1.0,
                                        "collection_rate": {"dist": "uniform", "low": 0.5,
                                                            "high": 1.0}},
                       "costs": [{"name": "cleaning", "per_year": 9000}]},
    }


def sc(d: dict | None = None) -> Scenario:
    return Scenario.model_validate(d or three_items())


# ------------------------------------------------------------------------ Result.inputs
def test_inputs_are_the_values_each_draw_used():
    r = simulate(sc(), draws=300, seed=3)
    x = r.inputs
    assert list(x.columns) == [A, B, C, FEE] and x.index.name == "draw" and len(x) == 300
    assert x[A].between(900, 1100).all() and x[FEE].between(0.5, 1.0).all()
    # capex_total = 100 c_A + 10 c_B + c_C, draw by draw
    np.testing.assert_allclose(r.metric("capex_total"), 100 * x[A] + 10 * x[B] + x[C],
                               rtol=1e-12)
    np.testing.assert_allclose(r.metric("breakeven_fee_rate"), 0.75 / x[FEE], rtol=1e-12)


def test_inputs_do_not_depend_on_chunks_or_workers():
    base = simulate(sc(), draws=500, seed=9, sampler="lhs").inputs
    for kwargs in ({"chunk_size": 7}, {"chunk_size": 64, "workers": 3}):
        other = simulate(sc(), draws=500, seed=9, sampler="lhs", **kwargs).inputs
        pd.testing.assert_frame_equal(base, other)


def test_inputs_of_evaluate_are_the_point_estimates_and_not_kept_without_draws():
    x = evaluate(sc()).inputs
    assert x.to_dict("records") == [{A: 1000.0, B: 10000.0, C: 50000.0, FEE: 0.75}]
    with pytest.raises(ValueError, match="keep_draws"):
        simulate(sc(), draws=10, seed=1, keep_draws=False).inputs


def test_inputs_of_a_batch_take_the_levers():
    x = evaluate_batch(sc(), {B: [6000.0, 7000.0]}).inputs
    assert x.index.name == "variant"
    assert list(x[B]) == [6000.0, 7000.0] and list(x[A]) == [1000.0, 1000.0]


def test_an_input_drawn_each_year_has_one_column_per_year():
    d = three_items()
    d["operations"]["property_fee"]["growth"] = {"dist": "uniform", "low": 0.0, "high": 0.1,
                                                 "each_year": True}
    x = simulate(sc(d), draws=50, seed=1).inputs
    g = "operations.property_fee.growth"
    assert [c for c in x.columns if c.startswith(g)] == [f"{g}@1", f"{g}@2", f"{g}@3"]
    assert x[f"{g}@2"].nunique() == 50 and x[f"{g}@2"].between(0, 0.1).all()


# ------------------------------------------------------------------------ tornado
def test_tornado_ranks_the_inputs_as_worked_by_hand():
    t = tornado(sc(), "capex_total")
    # p10/p90: A 920/1080 → swing 100 × 160 = 16,000; B 6,000/14,000 → 10 × 8,000 = 80,000;
    # C triangular: F(x) = (x − 30,000)² / (40,000 × 20,000) = 0.1 → x = 30,000 + √8e7, p90
    # by symmetry 70,000 − √8e7 → swing 40,000 − 2√8e7 = 22,111.46; collection: no effect
    assert list(t.index) == [B, C, A, FEE] and t.index.name == "input"
    assert list(t.columns) == ["low_value", "high_value", "metric_low", "metric_high", "base",
                               "swing"]
    assert t.attrs["metric"] == "capex_total"
    np.testing.assert_allclose(t["swing"], [80_000, 40_000 - 2 * math.sqrt(8e7), 16_000, 0],
                               rtol=1e-9,
                               atol=1e-6)
    base = 100 * 1000 + 10 * 10_000 + 50_000
    assert t["base"].tolist() == pytest.approx([base] * 4)
    assert t.loc[A, "low_value"] == pytest.approx(920) and t.loc[A, "high_value"] == \
        pytest.approx(1080)
    assert t.loc[B, "metric_low"] == pytest.approx(base - 10 * 4000)


def test_tornado_of_the_fee_on_breakeven_and_npv():
    t = tornado(sc(), "breakeven_fee_rate")
    # collection p10 0.55, p90 0.95: breakeven 0.75/0.55 and 0.75/0.95; the costs do nothing
    assert t.index[0] == FEE
    assert t.loc[FEE, "metric_low"] == pytest.approx(0.75 / 0.55)
    assert t.loc[FEE, "metric_high"] == pytest.approx(0.75 / 0.95)
    assert t.loc[FEE, "swing"] == pytest.approx(0.75 / 0.55 - 0.75 / 0.95)
    assert (t["swing"].iloc[1:] == 0).all()
    npv = tornado(sc(), "npv_operations", low=0.2, high=0.8)
    # collection 0.6 and 0.9: 3 (7,200 − 9,000) = −5,400 and 3 (10,800 − 9,000) = 5,400
    assert npv.loc[FEE, ["metric_low", "metric_high", "swing"]].tolist() == pytest.approx(
        [-5400, 5400, 10800])


def test_tornado_refusals():
    with pytest.raises(ModelError, match="did you mean breakeven_fee_rate"):
        tornado(sc(), "breakeven_fee_rte")
    with pytest.raises(ModelError, match="0 < low < high < 1"):
        tornado(sc(), "capex_total", low=0.9, high=0.1)
    d = three_items()
    d["renovation"]["items"] = [{**i, "unit_cost": 1000} for i in d["renovation"]["items"]]
    d["operations"]["property_fee"]["collection_rate"] = 0.9
    with pytest.raises(ModelError, match="no uncertain inputs"):
        tornado(sc(d), "capex_total")


# ------------------------------------------------------------------------ rank correlations
def test_rank_correlations_match_scipy_and_find_the_driver():
    r = simulate(sc(), draws=2000, seed=5)
    rc = rank_correlations(r, ["capex_total", "breakeven_fee_rate"])
    assert list(rc.columns) == ["metric", "input", "rho", "p_value", "n"]
    capex = rc[rc.metric == "capex_total"].set_index("input")
    # B carries 1e10/12 of the variance against 4e8/12 (A) and 1e8 (C): it leads
    assert capex.index[0] == B and capex.loc[B, "rho"] > 0.8 and abs(capex.loc[FEE, "rho"]) < 0.1
    x = r.inputs
    for metric in ("capex_total", "breakeven_fee_rate"):
        for name in x.columns:
            ref = stats.spearmanr(x[name], r.metric(metric))
            row = rc[(rc.metric == metric) & (rc.input == name)].iloc[0]
            assert row.rho == pytest.approx(ref.statistic, abs=1e-12)
            assert row.p_value == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)
    # breakeven = 0.75 / c falls with c: ρ = −1 exactly
    fee = rc[rc.metric == "breakeven_fee_rate"].iloc[0]
    assert fee.input == FEE and fee.rho == pytest.approx(-1.0)


def test_rank_correlations_need_kept_draws():
    with pytest.raises(ModelError, match="keep_draws"):
        rank_correlations(simulate(sc(), draws=20, seed=1, keep_draws=False))
    with pytest.raises(ModelError, match="Monte Carlo"):
        rank_correlations(evaluate(sc()))


# ------------------------------------------------------------------------ Sobol
def uniform_three() -> Scenario:
    return sc(three_items({"dist": "uniform", "low": 30_000, "high": 70_000}))


def test_problem_is_the_unit_cube():
    p = problem(uniform_three())
    assert p == {"num_vars": 4, "names": [A, B, C, FEE], "bounds": [[0.0, 1.0]] * 4,
                 "dists": ["unif"] * 4}


def test_sobol_first_order_indices_of_a_linear_model_are_analytic():
    s = sobol(uniform_three(), "capex_total", n=1024, seed=11)
    # capex = 100 c_A + 10 c_B + c_C, c_i ~ U(a_i, b_i): Var_i = q_i² (b_i − a_i)² / 12
    var = {A: 100**2 * 200**2 / 12,        # 4e8 / 12
           B: 10**2 * 10_000**2 / 12,      # 1e10 / 12
           C: 1**2 * 40_000**2 / 12,       # 1.6e9 / 12
           FEE: 0.0}
    total = sum(var.values())              # 1.2e10 / 12: S = 1/30, 5/6, 2/15, 0
    assert list(s.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert s.attrs["samples"] == 1024 * 6
    for name, v in var.items():
        expected = v / total
        assert abs(s.loc[name, "S1"] - expected) <= s.loc[name, "S1_conf"] + 1e-12, name
        assert abs(s.loc[name, "ST"] - expected) <= s.loc[name, "ST_conf"] + 1e-12, name
    assert s.index[0] == B


def test_sobol_refuses_correlated_inputs_and_bad_n():
    d = three_items({"dist": "uniform", "low": 30_000, "high": 70_000})
    d["simulation"] = {"correlations": {"inputs": [A, B], "matrix": [[1, 0.5], [0.5, 1]]}}
    with pytest.raises(ModelError, match="independent"):
        sobol(sc(d), "capex_total", n=64)
    s = sobol(sc(d), "capex_total", n=64, ignore_correlations=True)
    assert "ignored" in s.attrs["warnings"][0]
    with pytest.raises(ModelError, match="power of 2"):
        sobol(uniform_three(), "capex_total", n=100)


# ------------------------------------------------------------------------ CLI
@pytest.fixture
def scenario_file(tmp_path):
    import yaml

    path = tmp_path / "three.yaml"
    path.write_text(yaml.safe_dump(three_items()), encoding="utf-8")
    return path


def test_cli_prints_the_tornado_and_writes_csv(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["sensitivity", str(scenario_file), "--metric", "capex_total", "--method",
                 "all", "--draws", "400", "--sobol-n", "64", "--seed", "2", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    # the input by its label (issue 19): item B's unit cost, not its path
    assert "Tornado" in text and "B: Unit cost" in text and "80,000" in text
    assert "renovation.items[B].unit_cost" not in text
    assert {p.name for p in out.iterdir()} == {"tornado.csv", "rank_correlations.csv",
                                              "sobol.csv", "run.json"}
    t = pd.read_csv(out / "tornado.csv", index_col="input", encoding="utf-8-sig")
    assert t.index[0] == B and t.loc[B, "swing"] == pytest.approx(80_000)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["metric"] == "capex_total" and record["draws"] == 400


def test_cli_in_chinese_shows_no_english_metric_names(scenario_file, capsys):
    from fundmodel.catalog import METRICS

    code = main(["sensitivity", str(scenario_file), "--metric", "breakeven_fee_rate",
                 "--method", "all", "--draws", "200", "--sobol-n", "64", "--lang", "zh"])
    text = capsys.readouterr().out
    assert code == 0 and "保本物业费" in text and "龙卷风图" in text
    assert not any(name in text for name in METRICS)


def test_cli_unknown_metric_and_no_uncertain_inputs_exit_2(scenario_file, tmp_path, capsys):
    assert main(["sensitivity", str(scenario_file), "--metric", "capex_totl"]) == 2
    assert "did you mean capex_total" in capsys.readouterr().err
    import yaml

    d = three_items()
    d["renovation"]["items"] = [{**i, "unit_cost": 1000} for i in d["renovation"]["items"]]
    d["operations"]["property_fee"]["collection_rate"] = 0.9
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(d), encoding="utf-8")
    assert main(["sensitivity", str(plain), "--metric", "capex_total"]) == 2
    assert "no uncertain inputs" in capsys.readouterr().err
