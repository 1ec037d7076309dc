"""Speed of the funding allocation (smallest gap, rule order as priority) on sanqiao-standalone.

The reference is what a tool without a batched solver does: one sequence of linear programmes
per draw with ``scipy.optimize.linprog`` (maximise the total, then each rule in turn) — the
independent reference of ``tests/test_allocation.py``. The engine runs all draws at once: the
closed form with its certificate, and the batched simplex it falls back to (forced here for
every draw, its worst case). Each reports draws per second in ``extra_info``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import yaml

import fundmodel
from fundmodel.engine import funding as funding_module
from fundmodel.engine.capital import item_costs
from fundmodel.engine.funding import apply_funding
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "sanqiao-standalone.yaml"
DRAWS = 65_536
LINPROG_DRAWS = 50


def _reference():
    spec = importlib.util.spec_from_file_location("allocation_reference",
                                                  ROOT / "tests" / "test_allocation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.reference


@pytest.fixture(scope="module")
def realised():
    scenario = fundmodel.load_scenario(SCENARIO)
    values = sample_values(input_space(scenario), 1, "random", 0, DRAWS)
    inputs = model_inputs(scenario, values, DRAWS)
    costs = np.broadcast_to(item_costs(inputs.items), (DRAWS, 1, len(inputs.items.names)))
    return scenario, inputs, costs, values


def test_allocation_engine(benchmark, realised):
    _, inputs, costs, _ = realised
    benchmark.pedantic(apply_funding, args=(inputs.rules, inputs.compounds, costs), rounds=5, iterations=1,
                       warmup_rounds=1)
    benchmark.extra_info["draws_per_second"] = DRAWS / benchmark.stats.stats.mean


def test_allocation_simplex_for_every_draw(benchmark, realised, monkeypatch):
    _, inputs, costs, _ = realised
    monkeypatch.setattr(funding_module, "MAX_CLASSES", 0)
    benchmark.pedantic(apply_funding, args=(inputs.rules, inputs.compounds, costs), rounds=3, iterations=1,
                       warmup_rounds=1)
    benchmark.extra_info["draws_per_second"] = DRAWS / benchmark.stats.stats.mean


def _linprog_loop(costs, values, reference, draws):
    """One sequence of linear programmes per draw, the draw's uptake put into the rules (the
    item costs, with the draw's contingency and roof cost, are given)."""
    raw = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    for rule in raw["funding"]:  # the default the reference does not know
        if "match_ratio" in rule:
            rule.setdefault("match_of", ["central_subsidy"])
    uptake = next(p for p in values if p[0] == "funding")  # the residents' uncertain uptake
    gaps = []
    for d in range(draws):
        raw["funding"][uptake[1]]["uptake"] = float(values[uptake][d])
        gaps.append(reference(raw, costs[d])[0])
    return gaps


def test_allocation_per_draw_linprog(benchmark, realised, monkeypatch):
    scenario, _, costs, values = realised
    reference = _reference()
    # the reference computes offers for its own test compound: give it this one's
    monkeypatch.setitem(reference.__globals__, "HOUSEHOLDS", scenario.compound.households)
    monkeypatch.setitem(reference.__globals__, "AREA_M2", scenario.compound.floor_area_m2)
    gaps = benchmark.pedantic(_linprog_loop, args=(costs[:, 0], values, reference, LINPROG_DRAWS),
                              rounds=3, iterations=1)
    benchmark.extra_info["draws_per_second"] = LINPROG_DRAWS / benchmark.stats.stats.mean
    # the loop and the engine agree on these draws
    _, inputs, _, _ = realised
    engine_gap = apply_funding(inputs.rules, inputs.compounds, costs).unfunded[:LINPROG_DRAWS, 0].sum(axis=1)
    np.testing.assert_allclose(gaps, engine_gap, rtol=1e-9, atol=1e-6)
