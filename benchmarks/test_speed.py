"""Speed of the Monte Carlo engine against a per-draw Python loop, on sanqiao-standalone.

The per-draw loop is how tools that call the model once per draw (EMA Workbench, monaco, Excel
add-ins) run it: the same model code, given one draw's inputs at a time. Both report draws ×
years per second in ``extra_info``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fundmodel
from fundmodel.inputs import model_inputs
from fundmodel.engine.model import run_model
from fundmodel.inputs.sampling import input_space, sample_values

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"
LOOP_DRAWS = 2_000


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(SCENARIO)


def per_draw_loop(scenario, draws: int, seed: int = 1) -> list[float]:
    """The reference: one model call per draw (a Python loop over draws)."""
    space = input_space(scenario)
    values = sample_values(space, seed, "random", 0, draws)
    gaps = []
    for i in range(draws):
        one = {path: v[i:i + 1] for path, v in values.items()}
        gaps.append(float(run_model(model_inputs(scenario, one, 1)).metrics["funding_gap"][0]))
    return gaps


def test_per_draw_loop(benchmark, scenario):
    benchmark.pedantic(per_draw_loop, args=(scenario, LOOP_DRAWS), rounds=3, iterations=1)
    rate = LOOP_DRAWS * scenario.horizon_years / benchmark.stats.stats.mean
    benchmark.extra_info["draws_x_years_per_second"] = rate


@pytest.mark.parametrize("workers", [1, 2])
def test_engine_one_million_draws(benchmark, scenario, workers):
    draws = 1_000_000
    result = benchmark.pedantic(fundmodel.simulate, args=(scenario,),
                                kwargs={"draws": draws, "seed": 1, "workers": workers},
                                rounds=3, iterations=1, warmup_rounds=1)
    assert result.n_draws == draws
    rate = draws * scenario.horizon_years / benchmark.stats.stats.mean
    benchmark.extra_info["draws_x_years_per_second"] = rate


def test_engine_one_million_draws_streaming(benchmark, scenario):
    draws = 1_000_000
    benchmark.pedantic(fundmodel.simulate, args=(scenario,),
                       kwargs={"draws": draws, "seed": 1, "keep_draws": False},
                       rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info["draws_x_years_per_second"] = (
        draws * scenario.horizon_years / benchmark.stats.stats.mean)


def test_results_agree_with_the_loop(scenario):
    """The engine and the loop compute the same thing (first draws, same seed)."""
    loop = per_draw_loop(scenario, 200)
    engine = fundmodel.simulate(scenario, draws=200, seed=1).metric("funding_gap")
    assert list(engine) == loop
