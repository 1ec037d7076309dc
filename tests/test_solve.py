"""fundmodel.solve: goal seeking per draw and on statistics over the draws (issue 9, item 3).

Expected values are worked out by hand on a small scenario (fee income r × A × 12 × c against
one cost line C, no discounting, no VAT, no margin) or read from the model's own closed-form
metric (the breakeven fee) as an independent route; put back, every answer must meet its
target.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import fundmodel
from fundmodel import ModelError, ScenarioError, Target
from fundmodel.cli import main
from fundmodel.run.solve import CLOSED_FORMS, parse_target
from fundmodel.run.solve.roots import scalar_root, vector_roots

ROOT = Path(__file__).resolve().parents[1]
FEE = "operations.property_fee.rate_per_m2_month"
COLLECTION = "operations.property_fee.collection_rate"
STAFF = "operations.costs[staff].per_year"

MINI = """\
name: mini
start_year: 2025
horizon_years: 10
discount_rate: 0.0
inflation: 0.0
compound: {name: c, households: 10, floor_area_m2: 1000, buildings: 1, storeys: 6,
           built_year: 1990}
renovation:
  items:
    - {name: roof, tier: basic, quantity: 1, unit: system, unit_cost: 1000}
funding:
  - {source: central_subsidy, share: 1.0}
operations:
  property_fee: {rate_per_m2_month: 0.5, collection_rate: {dist: uniform, low: 0.5, high: 1.0}}
  costs:
    - {name: staff, per_year: 9000}
  management_margin: 0.0
  vat_rate: 0.0
simulation: {draws: 4000, seed: 7}
"""
# by hand: balance at the horizon = T (12 A r c − C), A = 1,000 m², C = 9,000, T = 10


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("solve") / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def standalone():
    return fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")


@pytest.fixture(scope="module")
def shared():
    return fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-shared-service.yaml")


# ------------------------------------------------------------------ hand-worked
def test_hand_worked_fee_per_draw(mini):
    """Per draw, the balance is 0 at r = C / (12 A c): c is the draw's collection rate."""
    sc = fundmodel.load_scenario(mini)
    sol = fundmodel.solve(sc, FEE, "cumulative_balance_final = 0", draws=500, seed=3)
    c = fundmodel.simulate(sc, draws=500, seed=3).metric("fee_income_first_year") / (0.5 * 12e3)
    np.testing.assert_allclose(sol.value, 9000 / (12 * 1000 * c), rtol=1e-12)
    assert sol.no_root == 0


def test_hand_worked_point(mini):
    """At the point estimate (c = 0.75): r = 9,000 / (12,000 × 0.75) = 1.0."""
    sol = fundmodel.solve(fundmodel.load_scenario(mini), FEE, "npv_operations = 0", point=True)
    assert sol.value.shape == (1,) and sol.value[0] == pytest.approx(1.0, rel=1e-12)
    assert sol.method == "closed_form" and sol.engine_calls == 1
    again = fundmodel.evaluate(sol.scenario())
    assert abs(again.metric("npv_operations")[0]) <= 1e-9 * 45_000


def test_hand_worked_probability(mini):
    """P(balance < 0) ≤ 0.10 with c ~ uniform(0.5, 1): the event is c < C/(12 A r), so
    C/(12 A r) must be the 10 % quantile of c, 0.55: r = 9,000/(12,000 × 0.55) = 1.3636...
    (within Monte Carlo error of 4,000 draws)."""
    sc = fundmodel.load_scenario(mini)
    sol = fundmodel.solve(sc, FEE, "P(cumulative_balance_final < 0) <= 0.10", check=True)
    exact = 9000 / (12 * 1000 * 0.55)
    assert sol.method == "closed_form"
    assert abs(sol.value - exact) <= 4 * sol.value_mcse
    assert sol.statistic <= 0.10 and sol.disagreement <= 1e-9
    # the same draws as simulate: the answer is an order statistic of the sampled c
    c = np.sort(fundmodel.simulate(sc).metric("fee_income_first_year") / 6000)
    assert sol.value == pytest.approx(9000 / (12 * 1000 * c[400]), rel=1e-11)  # 2 tol nudge


def test_integer_lever_hand_worked(mini):
    """The largest whole staff cost with the balance ≥ 0 at c = 1: 12 × 1,000 × 0.5 = 6,000;
    at c = 0.8 in every draw: 4,800."""
    sc = fundmodel.load_scenario(mini, [f"{COLLECTION}=1"])
    sol = fundmodel.solve(sc, STAFF, "cumulative_balance_final >= 0", integer=True)
    assert sol.value[0] == 6000
    sc = fundmodel.load_scenario(mini, [f"{COLLECTION}=0.8", "operations.property_fee."
                                        "rate_per_m2_month=0.5004"])
    sol = fundmodel.solve(sc, STAFF, "cumulative_balance_final > 0", integer=True)
    assert sol.value[0] == math.floor(12 * 1000 * 0.5004 * 0.8 - 1e-9)  # 4803.84 → 4803


# ------------------------------------------------------------------ the Sanqiao scenarios
@pytest.mark.parametrize("name", ["standalone", "shared"])
def test_fee_per_draw_closed_form_agrees_with_search(name, request):
    sc = request.getfixturevalue(name)
    sol = fundmodel.solve(sc, FEE, "npv_operations = 0", draws=3000, seed=5, check=True)
    assert sol.method == "closed_form" and sol.disagreement <= 1e-9
    # the closed form is the simulated breakeven fee of the same draws, to the bit
    sim = fundmodel.simulate(sc, draws=3000, seed=5)
    np.testing.assert_array_equal(sol.value, sim.metric("breakeven_fee_rate"))
    reading = sol.check()
    assert reading.met.all() and reading.max_residual <= 1e-9


@pytest.mark.parametrize("name", ["standalone", "shared"])
def test_affine_search_converges_in_three_calls(name, request):
    sol = fundmodel.solve(request.getfixturevalue(name), FEE, "npv_operations = 50000",
                          draws=2000, seed=2, method="search")
    assert sol.engine_calls <= 3 and sol.no_root == 0
    assert sol.check().max_residual <= 1e-9


def test_collection_rate_per_draw(shared):
    sol = fundmodel.solve(shared, COLLECTION, "npv_operations >= 0", draws=2000, seed=4)
    assert sol.method == "search" and sol.no_root == 0
    reading = sol.check()
    assert reading.met.all()


def test_inequality_answer_is_the_boundary(shared):
    """Per draw, ≥: the answer meets the target and 1e-9 less does not."""
    sol = fundmodel.solve(shared, FEE, "npv_operations >= 100000", draws=500, seed=8,
                          method="search")
    from fundmodel.run.solve.core import _Runner, _lever
    t = parse_target("npv_operations >= 100000")
    runner = _Runner(shared, _lever(shared, FEE), t, 500, 8, "random", False, None, 65536)
    vals = runner.values(0, 500)
    at = runner.metric(vals, sol.value)
    below = runner.metric(vals, sol.value * (1 - 1e-9))
    assert (at >= 100000).all() and (below < 100000).all()


@pytest.mark.parametrize("lever", [FEE, COLLECTION])
def test_probability_target_on_sanqiao(shared, lever):
    sol = fundmodel.solve(shared, lever, "P(cumulative_balance_final < 0) <= 0.10",
                          draws=3000, seed=11, check=True)
    assert sol.method == "closed_form" and sol.disagreement <= 1e-9
    assert sol.statistic <= 0.10
    search = fundmodel.solve(shared, lever, "P(cumulative_balance_final < 0) <= 0.10",
                             draws=3000, seed=11, method="search")
    assert search.value == pytest.approx(sol.value, rel=1e-9)
    reading = sol.check()
    assert reading.met
    assert reading.value <= 0.10 + 2 * reading.mcse


def test_probability_put_back_with_a_plain_lever_is_exact(standalone):
    """The fee is a plain number in the scenario: the check simulates the very same draws."""
    sol = fundmodel.solve(standalone, FEE, "P(cumulative_balance_final < 0) <= 0.25",
                          draws=2000, seed=9)
    reading = sol.check()
    assert reading.value <= 0.25 and reading.value == pytest.approx(sol.statistic, abs=1 / 2000)


def test_mean_and_quantile_targets(standalone):
    mean = fundmodel.solve(standalone, FEE, "mean(npv_operations) >= 0", draws=2000, seed=1)
    sim = fundmodel.simulate(standalone, draws=2000, seed=1)
    assert mean.value == pytest.approx(np.mean(sim.metric("breakeven_fee_rate")), rel=1e-6) \
        or mean.statistic >= 0
    assert mean.statistic >= 0 and mean.check().met
    p10 = fundmodel.solve(standalone, FEE, "p10(npv_operations) >= 0", draws=2000, seed=1)
    # NPV rises with the fee in every draw: its 10 % quantile is 0 at the 90 % quantile of
    # the per-draw breakeven fee
    be = np.sort(sim.metric("breakeven_fee_rate"))
    assert be[1799] * (1 - 1e-6) <= p10.value <= be[1800] * (1 + 1e-6)
    assert p10.check().met


def test_lhs_and_chunks_give_the_same_answers(standalone):
    a = fundmodel.solve(standalone, FEE, "npv_operations = 0", draws=5000, seed=3,
                        sampler="lhs", method="search")
    b = fundmodel.solve(standalone, FEE, "npv_operations = 0", draws=5000, seed=3,
                        sampler="lhs", method="search", chunk_size=1000)
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12)
    sim = fundmodel.simulate(standalone, draws=5000, seed=3, sampler="lhs")
    np.testing.assert_allclose(a.value, sim.metric("breakeven_fee_rate"), rtol=1e-10)


def test_no_root_is_counted(standalone):
    """At the guided fee of 0.5 no collection rate in [0, 1] brings the NPV to 0."""
    sol = fundmodel.solve(standalone, COLLECTION, "npv_operations = 0", draws=200, seed=1)
    assert sol.no_root == 200 and np.isnan(sol.value).all()
    assert sum(sol.no_root_reasons.values()) == 200
    assert "no root in 200 of 200 draws" in str(sol)


def test_solution_reports_the_work(standalone):
    sol = fundmodel.solve(standalone, FEE, "npv_operations = 0", draws=1000, seed=1)
    assert sol.draw_evaluations == 1000 and sol.engine_calls == 1
    assert sol.seconds > 0 and sol.evaluations_per_second > 0
    s = sol.summary()
    assert s["n"] == 1000 and s["p5"] <= s["p50"] <= s["p95"]
    with pytest.raises(ModelError):
        sol.scenario()        # one value per draw: no single scenario


# ------------------------------------------------------------------ hypothesis
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.floats(-2e5, 2e5), op=st.sampled_from(["=", ">=", "<=", ">", "<"]))
def test_put_back_meets_the_target_per_draw(shared, value, op):
    for method in ("auto", "search"):
        sol = fundmodel.solve(shared, FEE, f"npv_operations {op} {value!r}", draws=200,
                              seed=13, method=method)
        ok = np.isfinite(sol.value)
        reading = sol.check()
        assert reading.met[ok].all()
        if op == "=":
            assert reading.max_residual <= 1e-9


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alpha=st.floats(0.02, 0.98), op=st.sampled_from(["<=", ">="]))
def test_put_back_meets_a_probability(standalone, alpha, op):
    sol = fundmodel.solve(standalone, FEE, f"P(cumulative_balance_final < 0) {op} {alpha!r}",
                          draws=500, seed=17)
    assert np.isfinite(sol.value)
    reading = sol.check()                      # the same draws (the fee is a plain number)
    assert reading.met and Target.probability("x", "<", 0, op, alpha).met(sol.statistic)


@settings(max_examples=30, deadline=None)
@given(k=st.lists(st.floats(0.01, 100), min_size=1, max_size=20),
       r=st.floats(-50, 50), x0=st.one_of(st.just(0.0), st.floats(0.01, 5), st.floats(-5, -0.01)))
def test_vector_roots_affine_in_three_rounds(k, r, x0):
    """Within 1e8 first steps of the start (the secant's growth cap); three rounds, a fourth
    when the first step is so small against the distance to the root that the first secant
    carries more than ``tol`` of rounding (the Sanqiao fee: three, tested above)."""
    k = np.array(k) * np.where(np.arange(len(k)) % 2, -1, 1)
    res = vector_roots(lambda x, i: k[i] * (x - r), np.full(k.size, x0), -1e3, 1e3)
    assert res.rounds <= 4 and (res.status == 0).all()
    np.testing.assert_allclose(res.x, r, rtol=1e-9, atol=1e-9)


def test_scalar_root_on_a_step():
    res = scalar_root(lambda c: np.where(c >= 1.37, 0.0, -0.1) + 0.0, 0.5, 0, 100, kind="ge")
    assert res.x == pytest.approx(1.37, rel=1e-11) and res.x >= 1.37


# ------------------------------------------------------------------ targets
@pytest.mark.parametrize("text, expected", [
    ("npv_operations = 0", Target.per_draw("npv_operations", "=", 0)),
    ("fund_balance_min>=0", Target.per_draw("fund_balance_min", ">=", 0)),
    ("P(cumulative_balance_final < 0) <= 0.10",
     Target.probability("cumulative_balance_final", "<", 0, "<=", 0.1)),
    ("P(cumulative_balance_final < 0) ≤ 10%",
     Target.probability("cumulative_balance_final", "<", 0, "<=", 0.1)),
    ("p90(fallback_max_year) <= 50_000", Target.quantile("fallback_max_year", 0.9, "<=", 5e4)),
    ("median(npv_operations) == 1", Target.quantile("npv_operations", 0.5, "=", 1)),
    ("mean(npv_operations) >= 0", Target.mean("npv_operations", ">=", 0)),
    ("debt[rooms bond].min_dscr >= 1.2", Target.per_draw("debt[rooms bond].min_dscr", ">=", 1.2)),
])
def test_target_grammar(text, expected):
    t = parse_target(text)
    assert (t.kind, t.metric, t.op, t.value, t.event_op, t.event_value, t.level) == (
        expected.kind, expected.metric, expected.op, expected.value, expected.event_op,
        expected.event_value, expected.level)


@pytest.mark.parametrize("text, column, words", [
    ("npv_operations", 15, "no comparison"),
    ("npv_operations => 0", 16, "did you mean '>='"),
    ("npv_operations != 0", 16, "bad operator"),
    ("npv_operations >= abc", 19, "expected a number"),
    ("P(cumulative_balance_final < 0) <= 10", 35, "a probability lies in [0, 1]"),
    ("P(cumulative_balance_final < 0) = 0.1", 33, "give a bound"),
    ("P(cumulative_balance_final = 0) <= 0.1", 28, "compares the metric with"),
    ("foo(npv_operations) >= 1", 1, "unknown statistic"),
    ("p150(npv_operations) >= 1", 1, "strictly between"),
    ("", 1, "empty"),
])
def test_malformed_targets_are_located(text, column, words):
    with pytest.raises(ScenarioError) as info:
        parse_target(text)
    issue = info.value.issues[0]
    assert issue.file == "target" and issue.line == 1 and issue.column == column
    assert words in issue.message


def test_unknown_metric_lists_near_names(standalone):
    with pytest.raises(ScenarioError, match="did you mean npv_operations"):
        fundmodel.solve(standalone, FEE, "npv_operation = 0", point=True)


def test_any_metric_the_result_has_is_accepted():
    guangan = fundmodel.load_scenario(ROOT / "scenarios" / "guangan-bundle.yaml")
    names = [n for n in fundmodel.evaluate(guangan).metrics.columns if n.startswith("debt[")]
    sol = fundmodel.solve(guangan, FEE, f"{names[0]} >= -1e12", point=True)
    assert sol.target.metric == names[0]


@pytest.mark.parametrize("lever, words", [
    ("operations.property_fee.rate", "does not exist"),
    ("operations.costs[cleaner].shared_by", "shapes the model"),
    ("compound.households", "shapes the model"),
])
def test_malformed_levers_are_located(standalone, lever, words):
    with pytest.raises(ScenarioError) as info:
        fundmodel.solve(standalone, lever, "npv_operations = 0", point=True)
    assert info.value.issues[0].file == "lever" and words in str(info.value)


def test_bad_options(standalone):
    with pytest.raises(ModelError, match="no closed form"):
        fundmodel.solve(standalone, COLLECTION, "npv_operations = 0", point=True,
                        method="closed_form")
    with pytest.raises(ScenarioError, match="integer=True"):
        fundmodel.solve(standalone, FEE, "npv_operations = 0", integer=True)
    with pytest.raises(ScenarioError, match="values"):
        fundmodel.solve(standalone, COLLECTION, "npv_operations = 0", bounds=(0.5, 2.0))
    with pytest.raises(ModelError, match="method"):
        fundmodel.solve(standalone, FEE, "npv_operations = 0", method="newton")


def test_bounds_limit_the_search(standalone):
    sol = fundmodel.solve(standalone, FEE, "npv_operations = 0", point=True, bounds=(0.1, 1.0))
    assert sol.no_root == 1
    sol = fundmodel.solve(standalone, FEE, "npv_operations = 0", point=True, bounds=(1.0, 5.0))
    assert sol.method == "search" and sol.value[0] == pytest.approx(
        fundmodel.evaluate(standalone).metric("breakeven_fee_rate")[0], rel=1e-10)


def test_closed_forms_are_declared_by_one_line():
    entry = CLOSED_FORMS[0]
    assert (entry.lever, entry.metric, entry.answer) == (FEE, "npv_operations",
                                                         "breakeven_fee_rate")


def test_lazy_exports():
    assert callable(fundmodel.solve)
    assert fundmodel.Target is Target and fundmodel.Solution.__name__ == "Solution"
    import importlib
    importlib.import_module("fundmodel.run.solve")  # a submodule import never hides solve
    assert callable(fundmodel.solve)


# ------------------------------------------------------------------ CLI
SHARED_FILE = str(ROOT / "scenarios" / "sanqiao-shared-service.yaml")


def test_cli_solve_prints_the_answer(capsys):
    rc = main(["solve", SHARED_FILE, "--lever", FEE, "--target", "npv_operations = 0"])
    out = capsys.readouterr().out
    assert rc == 0 and "answer: 0.509448" in out and "closed form" in out
    rc = main(["solve", SHARED_FILE, "--lever", FEE, "--target",
               "P(cumulative_balance_final < 0) <= 0.10", "--draws", "1000", "--seed", "1",
               "--check"])
    out = capsys.readouterr().out
    assert rc == 0 and "the statistic there" in out and "largest relative difference" in out


@pytest.mark.parametrize("args, words", [
    (["--lever", "operations.property_fee.rate", "--target", "npv_operations = 0"],
     "lever operations.property_fee.rate: operations.property_fee.rate does not exist"),
    (["--lever", FEE, "--target", "npv_operations => 0"], "target:1:16: bad operator"),
    (["--lever", FEE, "--target", "npv_operation = 0"], "target:1:1: unknown metric"),
    (["--lever", FEE, "--target", "npv_operations = 0", "--method", "closed_form",
      "--integer"], "integer=True"),
])
def test_cli_solve_rejects_bad_input(capsys, args, words):
    rc = main(["solve", SHARED_FILE, *args])
    err = capsys.readouterr().err
    assert rc == 2 and words in err and "Traceback" not in err
