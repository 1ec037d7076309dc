"""The capital cost of merging compounds into one service area (合围并院) and a target number
of areas, in :func:`fundmodel.portfolio.clustering.cluster_service_areas`, worked by hand on
the toy subsidy of tests/test_clustering.py: one guard per 12,000 m² at 60,000 CNY a year, a
fee of 6 CNY/m² a year, ``s(a) = max(0, ceil(a / 12000) × 60000 − 6a)``."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from scipy import sparse

from fundmodel.errors import ModelError
from fundmodel.portfolio.clustering import cluster_service_areas, merge_cost

# A, B, C 4,000 m² each (alone 60,000 − 24,000 = 36,000), 0.3 km apart (B–C 0.424 km); D
# 9,000 m² (alone 6,000) 7 km away. A + B, 8,000 m²: 12,000; A + B + C, 12,000 m²: 0.
X, Y, HH = [0.0, 0.3, 0.0, 5.0], [0.0, 0.0, 0.3, 5.0], [40, 40, 40, 90]
AREA_M2 = np.array([4000.0, 4000.0, 4000.0, 9000.0])


def toy(members):
    a = members @ AREA_M2
    return np.maximum(0.0, np.ceil(a / 12000 - 1e-9) * 60000 - 6 * a)


def run(**kwargs):
    return cluster_service_areas(X, Y, HH, subsidy=toy, ids=list("abcd"), **kwargs)


def test_merge_cost_is_a_spanning_tree_and_a_price_per_compound():
    # rows: a 3-4-5 triangle (tree 3 + 4 = 7 km); two compounds at one place and one 1 km
    # away (tree 0 + 1 = 1 km); one compound alone (no merge, 0)
    xy = np.array([[0, 0], [3, 0], [0, 4], [10, 10], [10, 10], [11, 10], [20, 20]], float)
    rows = [0, 0, 0, 1, 1, 1, 2]
    members = sparse.csr_array((np.ones(7), (rows, range(7))), shape=(3, 7))
    assert merge_cost(members, xy, per_km=1000).tolist() == [7000.0, 1000.0, 0.0]
    assert merge_cost(members, xy, per_compound=500).tolist() == [1500.0, 1500.0, 0.0]


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_cost_per_merged_compound(method):
    # 20,000 a compound: A + B costs 12,000 + 40,000 = 52,000 against 72,000 alone; with C,
    # 0 + 60,000 against 52,000 + 36,000: A + B + C. Saving 114,000 − 6,000 − 60,000
    r = run(method=method, merge_cost_per_compound=20_000)
    assert r.table["members"].tolist() == ["a+b+c", "d"]
    assert r.table["merge_cost_cny"].tolist() == [60_000.0, 0.0]
    assert r.subsidy_clustered_cny == 6_000.0 and r.merge_cost_cny == 60_000.0
    assert r.saving_cny == 48_000.0
    # 40,000 a compound: A + B costs 92,000 > 72,000, A + B + C 120,000 > 108,000: no merge
    r = run(method=method, merge_cost_per_compound=40_000)
    assert r.clusters == 4 and r.saving_cny == 0.0 and r.merge_cost_cny == 0.0


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_cost_per_km_of_the_links(method):
    # 100,000 a km: A + B (0.3 km) 12,000 + 30,000 = 42,000 < 72,000; A + B + C on the tree
    # A–B, A–C (0.6 km): 0 + 60,000 < 42,000 + 36,000
    r = run(method=method, merge_cost_per_km=100_000)
    assert r.table["members"].tolist() == ["a+b+c", "d"]
    assert r.merge_cost_cny == pytest.approx(60_000.0, rel=1e-12)
    assert r.saving_cny == pytest.approx(114_000 - 6_000 - 60_000, rel=1e-12)


def test_without_merge_costs_nothing_changes():
    plain, zero = run(), run(merge_cost_per_compound=0.0, merge_cost_per_km=0.0)
    assert plain.table.equals(zero.table) and "merge_cost_cny" not in plain.table.columns
    assert plain.saving_cny == zero.saving_cny == 108_000.0


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_target_stops_the_merging(method):
    # three areas: one pair of A, B, C (12,000) and the third alone (36,000), D (6,000)
    r = run(method=method, target_areas=3)
    assert r.clusters == 3 and r.target_areas == 3
    assert r.subsidy_clustered_cny == 54_000.0
    assert sorted(r.table["compounds"]) == [1, 1, 2]


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_target_forces_merges_that_do_not_pay(method):
    # 40,000 a merged compound: no merge pays, but two areas are wanted. Greedy merges A + B
    # (the least loss, 92,000 against 72,000), then adds C (120,000 against 92,000 + 36,000);
    # the exact partition into two areas is the same (D cannot join). Saving
    # 114,000 − 6,000 − 120,000 = −12,000
    r = run(method=method, merge_cost_per_compound=40_000, target_areas=2)
    assert r.table["members"].tolist() == ["a+b+c", "d"]
    assert r.merge_cost_cny == 120_000.0 and r.saving_cny == -12_000.0


def test_a_target_out_of_reach(caplog):
    # one area is not possible (D is 7 km away): greedy stops at two and says so; exact refuses
    with caplog.at_level(logging.WARNING, logger="fundmodel"):
        r = run(target_areas=1)
    assert r.clusters == 2 and "above the target of 1" in caplog.text
    with pytest.raises(ModelError, match="target_areas = 1"):
        run(method="exact", target_areas=1)


@pytest.mark.parametrize("kwargs, match", [
    ({"merge_cost_per_compound": -1}, "merge_cost_per_compound"),
    ({"merge_cost_per_km": float("nan")}, "merge_cost_per_km"),
    ({"target_areas": 0}, "target_areas"),
    ({"target_areas": 5}, "more than the 4 compounds"),
    ({"target_areas": 2.5}, "target_areas"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ModelError, match=match):
        run(**kwargs)
