"""Goal seeking (issue 9): ``fundmodel.solve`` over 1,000,000 draws of sanqiao-standalone.

Per draw, the fee rate at which the NPV of operations is 0 (or 100,000 CNY): the closed form
(the breakeven fee, one engine call per chunk; two for a target other than 0) against the
search (bracketing secant / Illinois, three engine calls per chunk for this affine metric).
A statistic, P(balance at the horizon < 0) ≤ 10 %: the order statistic of the per-draw roots
over 1,000,000 draws, and the candidate search (k fee rates per engine call, the draws tiled)
over 100,000 draws. Figures are in benchmarks/README.md.

    .venv/bin/python -m pytest benchmarks/test_solve_speed.py --benchmark-only
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fundmodel

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"
FEE = "operations.property_fee.rate_per_m2_month"
DRAWS = 1_000_000


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(SCENARIO)


def _record(benchmark, solution):
    benchmark.extra_info["draws"] = solution.draws
    benchmark.extra_info["engine_calls"] = solution.engine_calls
    benchmark.extra_info["draw_evaluations"] = solution.draw_evaluations
    benchmark.extra_info["evaluations_per_second"] = (solution.draw_evaluations
                                                      / benchmark.stats.stats.min)


@pytest.mark.parametrize("method, target", [
    ("closed_form", "npv_operations = 0"),
    ("closed_form", "npv_operations = 100000"),
    ("search", "npv_operations = 0"),
    ("search", "npv_operations >= 100000"),
])
def test_per_draw_million(benchmark, scenario, method, target):
    sol = benchmark.pedantic(fundmodel.solve, args=(scenario, FEE, target),
                             kwargs={"draws": DRAWS, "seed": 1, "method": method},
                             rounds=1, iterations=1, warmup_rounds=0)
    assert sol.no_root == 0 and np.isfinite(sol.value).all()
    _record(benchmark, sol)


def test_probability_order_statistic_million(benchmark, scenario):
    sol = benchmark.pedantic(fundmodel.solve, args=(scenario, FEE,
                                                    "P(cumulative_balance_final < 0) <= 0.10"),
                             kwargs={"draws": DRAWS, "seed": 1}, rounds=1, iterations=1)
    assert sol.method == "closed_form" and sol.statistic <= 0.10
    _record(benchmark, sol)


def test_probability_search_100k(benchmark, scenario):
    sol = benchmark.pedantic(fundmodel.solve, args=(scenario, FEE,
                                                    "P(cumulative_balance_final < 0) <= 0.10"),
                             kwargs={"draws": 100_000, "seed": 1, "method": "search"},
                             rounds=1, iterations=1)
    assert sol.method == "search"
    _record(benchmark, sol)
