"""Every solve ends within a bounded number of rounds, with an answer or with ``unmet`` saying
why the target cannot be met (issue 19, item 8 and Faults). Bounded by counting engine calls
through a wrapper, not by the wall clock.

The bounds (docs/solve.md): a per-draw search takes at most ``2 + max_rounds`` (202) engine
calls per chunk of draws; a statistic search at most ``max_rounds`` (80) rounds of one engine
call per chunk of tiled draws; the closed forms one or two calls per chunk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import fundmodel
from fundmodel.cli import main
from fundmodel.errors import TargetNotMetError
from fundmodel.run.solve import core
from fundmodel.run.solve.roots import scalar_root
from fundmodel.io.limits import PLAUSIBLE_LEVER_FACTOR

ROOT = Path(__file__).resolve().parents[1]
FEE = "operations.property_fee.rate_per_m2_month"
STANDALONE_SC = fundmodel.load_scenario(ROOT / "scenarios/sanqiao-standalone.yaml")


class Budget(Exception):
    pass


@pytest.fixture
def calls(monkeypatch):
    """Counts engine calls; past 500 the solve is stopped (it would not end)."""
    seen = {"n": 0}
    run = core._Runner.run

    def counted(self, values, x):
        seen["n"] += 1
        if seen["n"] > 500:
            raise Budget("solve ran past 500 engine calls")
        return run(self, values, x)

    monkeypatch.setattr(core._Runner, "run", counted)
    return seen


def test_met_everywhere_statistic_ends(calls):
    """The fuzz's first hang: breakeven_fee_rate ≥ 0 whatever the collection rate in [0, 1]
    (one draw). The candidates span the whole range at once, so nothing is left to extend."""
    sc = fundmodel.load_scenario(ROOT / "scenarios/sanqiao-long-term.yaml")
    sol = fundmodel.solve(sc, "operations.property_fee.collection_rate",
                          "mean(breakeven_fee_rate) >= 0", draws=1)
    assert calls["n"] <= 80
    assert np.isnan(sol.value) and sol.unmet is None
    assert "met everywhere" in " ".join(sol.notes)


def test_integer_lever_without_a_crossing_ends(calls):
    """The fuzz's second hang: inflation in [−0.5, 1] has only the whole values 0 and 1 (and
    −0 rounds to 0); once they are tried there is nothing new, and the median NPV is far below
    1e15 at both: cannot be met, with the closest point tried."""
    sc = fundmodel.load_scenario(ROOT / "scenarios/lift-retrofit.yaml")
    sol = fundmodel.solve(sc, "inflation", "median(npv_operations) >= 1e15", integer=True,
                          draws=200, seed=1)
    assert calls["n"] <= 80
    assert np.isnan(sol.value)
    assert sol.unmet.startswith("not reached for inflation in [-0.5, 1]")
    assert "the closest: p50(npv_operations) = " in sol.unmet
    assert "cannot be met" in str(sol)
    with pytest.raises(fundmodel.ModelError, match="cannot be met: not reached") as info:
        sol.require_met()
    assert isinstance(info.value, TargetNotMetError) and info.value.solution is sol


def test_scalar_root_rounds_are_bounded_when_nothing_is_new():
    """A step function with no crossing on whole values of [0, 3]: at most four points exist;
    the search stops when it cannot try a new one (it used to loop without end)."""
    evaluated = []

    def H(x):
        evaluated.append(x.size)
        return np.full(x.size, -1.0)

    res = scalar_root(H, 1.0, 0.0, 3.0, kind="ge", integer=True, k=8)
    assert np.isnan(res.x) and "not met" in res.note
    assert sum(evaluated) <= 4 and res.rounds == len(evaluated)


def test_scalar_root_gives_up_after_max_rounds():
    """A target beyond reach on an open range: the bracket extends by 4^(k/2) a round, each
    round one call; the search ends by max_rounds."""
    n = {"calls": 0}

    def H(x):
        n["calls"] += 1
        return np.full(x.size, -1.0)   # never met

    res = scalar_root(H, 1.0, -np.inf, np.inf, kind="ge", k=4, max_rounds=30)
    assert np.isnan(res.x) and n["calls"] <= 30


def test_unreachable_per_draw_target_is_flagged(calls):
    """npv_operations = 1e15 with the fee: the closed form's answer, about 1e9 CNY/m²/month
    (1e15 over 20 years of 10,000 m² × 12 months is of that order: 1e15 / 2.4e6 ≈ 4e8 before
    discounting), lies beyond the plausible range [0, 1e6 × max(0.5, 1)] = [0, 1e6]."""
    sc = fundmodel.load_scenario(ROOT / "scenarios/sanqiao-standalone.yaml")
    sol = fundmodel.solve(sc, FEE, "npv_operations = 1e15", point=True)
    assert calls["n"] <= 2
    assert sol.no_root == 1 and np.isnan(sol.value).all()
    assert f"in [0, {PLAUSIBLE_LEVER_FACTOR:,.0f}]" in sol.unmet
    assert "outside any plausible range" in sol.unmet
    # the fee it would need: 1e15 / (10,000 m² × 12 × 20 years) ≈ 4.2e8 with full collection
    # and no discounting; collection below 1 and discounting raise it, by less than 10×
    text = sol.unmet.split(f"would need {FEE} = ")[1].split(", outside")[0]
    assert 4e8 <= float(text.replace(",", "")) <= 4e9


def test_reachable_targets_are_not_flagged():
    sc = fundmodel.load_scenario(ROOT / "scenarios/sanqiao-standalone.yaml")
    sol = fundmodel.solve(sc, FEE, "npv_operations = 0")
    assert sol.unmet is None and sol.no_root == 0 and sol.require_met() is sol
    sol = fundmodel.solve(sc, FEE, "mean(npv_operations) >= 0", draws=200, seed=1)
    assert sol.unmet is None and np.isfinite(sol.value)


def test_cli_unmet_target_is_one_line_exit_2(capsys):
    code = main(["solve", str(ROOT / "scenarios/sanqiao-standalone.yaml"), "--lever", FEE,
                 "--target", "npv_operations = 1e15"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("the target 'npv_operations = 1e15' cannot be met: ")


def test_cli_hang_case_is_one_line_exit_2(capsys):
    code = main(["solve", str(ROOT / "scenarios/lift-retrofit.yaml"), "--lever", "inflation",
                 "--target", "median(npv_operations) >= 1e15", "--integer", "--draws", "100"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and len(captured.err.strip().splitlines()) == 1


LEVERS = [FEE, "operations.property_fee.collection_rate", "inflation", "discount_rate"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lever=st.sampled_from(LEVERS),
       kind=st.sampled_from(["per_draw", "mean", "p50", "P"]),
       op=st.sampled_from([">=", "<=", "=", ">", "<"]),
       value=st.sampled_from([-1e15, -1e6, 0.0, 1e6, 1e15]),
       integer=st.booleans())
def test_every_solve_ends_within_its_bound(calls, lever, kind, op, value, integer):
    """Any lever, statistic, comparison and value — reachable or not: the solve ends within
    its documented number of engine calls (one chunk here): a per-draw search 2 + 200, a
    statistic 80 rounds (plus the order statistic's per-draw roots for P), with an answer,
    NaN with a note, or ``unmet``."""
    if integer and op == "=":
        op = ">="
    metric = "npv_operations"
    text = {"per_draw": f"{metric} {op} {value:g}", "mean": f"mean({metric}) {op} {value:g}",
            "p50": f"p50({metric}) {op} {value:g}",
            "P": f"P({metric} < {value:g}) {op if op != '=' else '<='} 0.5"}[kind]
    calls["n"] = 0
    sol = fundmodel.solve(STANDALONE_SC, lever, text, draws=20, seed=1, integer=integer)
    assert calls["n"] <= 202 + 80
    assert sol.engine_calls == calls["n"]
    if sol.unmet is not None:
        assert "cannot be met" in str(sol)
