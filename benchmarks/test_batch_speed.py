"""Batched evaluation (issue 7): variants of sanqiao-standalone per second, one engine call.

The target is ≥ 100,000 evaluations a second: 100,000 values of the property fee rate in under a
second, validation of the lever and the Result included. The reference is the same variants
evaluated one by one (``--set`` then ``evaluate``), timed on a few hundred of them.

    .venv/bin/python -m pytest benchmarks/test_batch_speed.py --benchmark-only
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import fundmodel

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"
FEE = "operations.property_fee.rate_per_m2_month"
VARIANTS = 100_000


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(SCENARIO)


def test_batch_of_fee_rates(benchmark, scenario):
    rates = np.linspace(0.2, 3.0, VARIANTS)
    result = benchmark.pedantic(fundmodel.evaluate_batch, args=(scenario, {FEE: rates}),
                                rounds=5, iterations=1, warmup_rounds=1)
    assert result.n_draws == VARIANTS and result.info["kind"] == "batch"
    per_second = VARIANTS / benchmark.stats.stats.min
    benchmark.extra_info["evaluations_per_second"] = per_second
    assert per_second >= 100_000


def test_batch_of_two_levers(benchmark, scenario):
    """Fee rate × collection rate on a 316 × 316 grid (99,856 variants)."""
    fee, collection = np.meshgrid(np.linspace(0.2, 3.0, 316), np.linspace(0.5, 1.0, 316))
    levers = {FEE: fee.ravel(), "operations.property_fee.collection_rate": collection.ravel()}
    result = benchmark.pedantic(fundmodel.evaluate_batch, args=(scenario, levers),
                                rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info["evaluations_per_second"] = result.n_draws / benchmark.stats.stats.min


def test_one_by_one(benchmark):
    """The same evaluations one call at a time (load with --set, evaluate): 200 of them."""
    rates = np.linspace(0.2, 3.0, 200)

    def loop():
        for r in rates:
            sc = fundmodel.load_scenario(SCENARIO, overrides=[f"{FEE}={float(r)!r}"])
            fundmodel.evaluate(sc)

    benchmark.pedantic(loop, rounds=1, iterations=1, warmup_rounds=0)
    benchmark.extra_info["evaluations_per_second"] = len(rates) / benchmark.stats.stats.min
