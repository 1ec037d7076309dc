"""The library's time as a ratio to the hand-written numpy kernel (``benchmarks/kernel.py``),
measured in the same run: ``simulate`` of sanqiao-standalone at 1,000,000 draws, one worker,
per-draw table kept, without and with ``summary()``; and ``simulate`` of xiamen-hanlingrong at
200,000 draws against its kernel (``benchmarks/kernel_xiamen.py``). Each simulate is timed as
it comes (the quantile bands streamed) and with ``bands=False`` (computed on request: what the
kernels compute, the per-draw table and the means).

Each simulate benchmark puts ``ratio_to_kernel`` in its ``extra_info`` (the kernel runs first in
this file). Also timed: the beta inverse CDF at a million values, scipy's generic
``stats.beta.ppf`` against the library's direct call, and the kernel without its beta inverse CDF
(the uptake's values computed beforehand), which shows how much of both times that one special
function is.

    .venv/bin/python -m pytest benchmarks/test_kernel_ratio.py --benchmark-only
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.scenario.distributions import Beta

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel  # noqa: E402  (benchmarks/ is not a package)
import kernel_xiamen  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"
XIAMEN = SCENARIO.with_name("xiamen-hanlingrong.yaml")
XIAMEN_DRAWS = 200_000     # × 30 years
DRAWS = 1_000_000
SEED = 1
TIMES: dict[str, float] = {}  # mean seconds of the benchmarks run so far in this session


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(SCENARIO)


def _record(benchmark, name: str, kernel_name: str = "kernel", draws_x_years: int = DRAWS * 20
            ) -> None:
    TIMES[name] = benchmark.stats.stats.mean
    if name != kernel_name and kernel_name in TIMES:
        benchmark.extra_info["ratio_to_kernel"] = TIMES[name] / TIMES[kernel_name]
    benchmark.extra_info["draws_x_years_per_second"] = draws_x_years / TIMES[name]


def test_kernel(benchmark):
    table = benchmark.pedantic(kernel.run, args=(DRAWS, SEED), rounds=3, iterations=1,
                               warmup_rounds=1)
    assert table.shape == (len(kernel.METRIC_NAMES), DRAWS)
    _record(benchmark, "kernel")


BANDS = pytest.mark.parametrize("bands", [True, False], ids=["bands", "bands-deferred"])


@BANDS
def test_simulate_per_draw_table(benchmark, scenario, bands):
    result = benchmark.pedantic(fundmodel.simulate, args=(scenario,),
                                kwargs={"draws": DRAWS, "seed": SEED, "workers": 1,
                                        "keep_draws": True, "bands": bands},
                                rounds=3, iterations=1, warmup_rounds=1)
    assert result.n_draws == DRAWS
    _record(benchmark, f"simulate bands={bands}")


def _simulate_and_summary(scenario, bands):
    result = fundmodel.simulate(scenario, draws=DRAWS, seed=SEED, workers=1, keep_draws=True,
                                bands=bands)
    return result.summary()


@BANDS
def test_simulate_with_summary(benchmark, scenario, bands):
    summary = benchmark.pedantic(_simulate_and_summary, args=(scenario, bands), rounds=3,
                                 iterations=1, warmup_rounds=1)
    assert summary.loc["funding_gap", "n"] == DRAWS
    _record(benchmark, f"simulate+summary bands={bands}")


def test_kernel_without_beta_ppf(benchmark, monkeypatch):
    """The kernel with the uptake's inverse CDF replaced by a lookup of values computed before
    the timing: what the rest of the model costs."""
    u = kernel.uniforms(SEED, DRAWS)
    uptake = kernel.betaincinv(16.0, 4.0, u[:, 2])
    lookup = {}
    for start in range(0, DRAWS, kernel.CHUNK):
        lookup[start] = uptake[start:start + kernel.CHUNK]
    state = {"start": 0}

    def precomputed(a, b, x):
        out = lookup[state["start"]]
        state["start"] += kernel.CHUNK
        return out

    def run():
        state["start"] = 0
        return kernel.run(DRAWS, SEED)

    monkeypatch.setattr(kernel, "betaincinv", precomputed)
    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    _record(benchmark, "kernel without beta ppf")


def test_beta_ppf_scipy_generic(benchmark):
    from scipy import stats
    u = np.random.default_rng(0).random(DRAWS)
    benchmark.pedantic(stats.beta.ppf, args=(u, 16.0, 4.0), kwargs={"loc": 0.0, "scale": 1.0},
                       rounds=3, iterations=1, warmup_rounds=1)
    TIMES["beta ppf generic"] = benchmark.stats.stats.mean


def test_beta_ppf_library(benchmark):
    u = np.random.default_rng(0).random(DRAWS)
    benchmark.pedantic(Beta(dist="beta", a=16, b=4).ppf, args=(u,), rounds=3, iterations=1,
                       warmup_rounds=1)
    TIMES["beta ppf library"] = benchmark.stats.stats.mean
    if "beta ppf generic" in TIMES:
        benchmark.extra_info["ratio_to_generic"] = (TIMES["beta ppf library"]
                                                    / TIMES["beta ppf generic"])


def test_xiamen_kernel(benchmark):
    table = benchmark.pedantic(kernel_xiamen.run, args=(XIAMEN_DRAWS, SEED), rounds=3,
                               iterations=1, warmup_rounds=1)
    assert table.shape == (len(kernel_xiamen.METRIC_NAMES), XIAMEN_DRAWS)
    _record(benchmark, "xiamen kernel", "xiamen kernel", XIAMEN_DRAWS * 30)


@BANDS
def test_xiamen_simulate_per_draw_table(benchmark, bands):
    scenario = fundmodel.load_scenario(XIAMEN)
    result = benchmark.pedantic(fundmodel.simulate, args=(scenario,),
                                kwargs={"draws": XIAMEN_DRAWS, "seed": SEED, "workers": 1,
                                        "keep_draws": True, "bands": bands},
                                rounds=3, iterations=1, warmup_rounds=1)
    assert result.n_draws == XIAMEN_DRAWS
    _record(benchmark, f"xiamen simulate bands={bands}", "xiamen kernel", XIAMEN_DRAWS * 30)
