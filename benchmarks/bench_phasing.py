"""Budget phasing (issue 10): 1,000 synthetic compounds over 6 years, 2 levels of government.

Seeded district: households lognormal around 45 (92 % below 100), works at about 40,000 CNY a
household with lognormal noise (σ 0.25), 30 % of compounds built over two years (60/40), the
centre paying 60 % and the district 40 %; each level's yearly budget is 55 % of its share of
the whole district's cost divided over the 6 years (about two thirds of the households can be
served). Time to the plan, with the MIP gap reached; figures in benchmarks/README.md.

    .venv/bin/python -m pytest benchmarks/bench_phasing.py --benchmark-only
"""

from __future__ import annotations

import numpy as np
import pytest

from fundmodel.portfolio.phasing import phase

LEVELS = ("central_government", "city_district_government")
YEARS = range(2025, 2031)


def district(n: int = 1000, share: float = 0.55, seed: int = 1):
    """(cost_cny (n, 2, 2), budget_cny (2, 6), households (n,)) of a synthetic district."""
    rng = np.random.default_rng(seed)
    households = np.clip(np.round(rng.lognormal(np.log(45), 0.6, n)), 8, 400)
    total = households * 40_000 * rng.lognormal(0, 0.25, n)
    first = np.where(rng.random(n) < 0.3, 0.6, 1.0)
    split = np.array([0.6, 0.4])
    cost = np.empty((n, 2, 2))
    cost[:, :, 0] = total[:, None] * split * first[:, None]
    cost[:, :, 1] = total[:, None] * split * (1 - first[:, None])
    budget = np.tile((total.sum() * share / len(YEARS) * split)[:, None], (1, len(YEARS)))
    return cost, budget, households


@pytest.mark.parametrize("mip_rel_gap, time_limit_s, prefer_early", [
    (1e-4, 120, False),
    (1e-4, 120, True),
    (1e-6, 20, False),
])
def test_thousand_compounds(benchmark, mip_rel_gap, time_limit_s, prefer_early):
    cost, budget, households = district()
    plan = benchmark.pedantic(phase, args=(cost, budget, households),
                              kwargs=dict(years=YEARS, levels=LEVELS, mip_rel_gap=mip_rel_gap,
                                          time_limit_s=time_limit_s,
                                          prefer_early=prefer_early),
                              rounds=1, iterations=1, warmup_rounds=0)
    assert plan.status in ("optimal", "time_limit") and np.isfinite(plan.objective)
    assert (plan.budget_use["used_cny"] <= plan.budget_use["budget_cny"] * (1 + 1e-9)).all()
    benchmark.extra_info.update(status=plan.status, mip_gap=plan.mip_gap,
                                objective=plan.objective, served=plan.served,
                                household_share=plan.objective / plan.weight_total,
                                solve_time_s=plan.solve_time_s)
