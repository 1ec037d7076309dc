"""Shared-service areas (src/fundmodel/portfolio/clustering.py).

The toy subsidy, worked by hand: one guard per 12,000 m² of floor area, rounded up, at a wage
W = 60,000 CNY a year; a fee f = 0.5 CNY/m²/month = 6 CNY/m²/year; a cluster of area a needs

    s(a) = max(0, ceil(a / 12000) · W − f · a)            (CNY a year)

so 4,000 m² alone needs 60,000 − 24,000 = 36,000; 8,000 m² needs 60,000 − 48,000 = 12,000;
12,000 m² needs max(0, 60,000 − 72,000) = 0; 14,000 m² needs 2 guards: 120,000 − 84,000 =
36,000.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from fundmodel.errors import ModelError
from fundmodel.portfolio.clustering import (MAX_EXACT_COMPOUNDS, Clustering,
                                            cluster_service_areas)

W_CNY = 60_000.0
FEE_CNY_PER_M2_YEAR = 6.0
M2_PER_GUARD = 12_000.0


def toy_subsidy_one(area_m2: float) -> float:
    """The toy subsidy of one cluster, by the formula (no numpy, no library code)."""
    return max(0.0, math.ceil(area_m2 / M2_PER_GUARD - 1e-9) * W_CNY
               - FEE_CNY_PER_M2_YEAR * area_m2)


class Toy:
    """The toy subsidy as the vectorized callable the API wants, counting its calls."""

    def __init__(self, area_m2):
        self.area = np.asarray(area_m2, dtype=float)
        self.batches: list[sparse.csr_array] = []

    def __call__(self, members):
        assert isinstance(members, sparse.csr_array)
        assert members.shape[1] == self.area.size
        self.batches.append(members.copy())
        a = members @ self.area
        return np.maximum(0.0, np.ceil(a / M2_PER_GUARD - 1e-9) * W_CNY
                          - FEE_CNY_PER_M2_YEAR * a)


# ----------------------------------------------------------------------- hand cases

def _three_small_and_a_far_one():
    # A, B, C within 0.43 km of each other, 4,000 m² (40 households × 100 m²) each;
    # D 7 km away, 9,000 m²: alone 60,000 − 54,000 = 6,000.
    x = [0.0, 0.3, 0.0, 5.0]
    y = [0.0, 0.0, 0.3, 5.0]
    hh = [40, 40, 40, 90]
    return x, y, hh, Toy([4000, 4000, 4000, 9000])


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_three_small_compounds_share_one_guard(method):
    x, y, hh, toy = _three_small_and_a_far_one()
    r = cluster_service_areas(x, y, hh, subsidy=toy, ids=["a", "b", "c", "d"], method=method)
    assert isinstance(r, Clustering)
    # Standalone 3 × 36,000 + 6,000; clustered: ABC on one guard (12,000 m², 0) + D 6,000.
    assert r.subsidy_standalone_cny == 114_000.0
    assert r.subsidy_clustered_cny == 6_000.0
    assert r.saving_cny == 108_000.0
    assert r.labels.tolist() == [0, 0, 0, 1]
    assert r.clusters == 2
    assert r.breaking_even_standalone == 0 and r.breaking_even_clustered == 1
    assert r.compound_subsidy_standalone_cny.tolist() == [36_000.0] * 3 + [6_000.0]
    t = r.table
    assert t["members"].tolist() == ["a+b+c", "d"]
    assert t["compounds"].tolist() == [3, 1]
    assert t["households"].tolist() == [120, 90]
    assert t["subsidy_standalone_cny"].tolist() == [108_000.0, 6_000.0]
    assert t["subsidy_cny"].tolist() == [0.0, 6_000.0]
    assert t["breaks_even"].tolist() == [True, False]
    assert r.method == method


def test_greedy_rounds_and_batches_on_the_hand_case():
    x, y, hh, toy = _three_small_and_a_far_one()
    r = cluster_service_areas(x, y, hh, subsidy=toy)
    # Call 1: the identity (4 rows). Round 1: AB, AC, BC (3 rows, 12,000 each: saving 60,000
    # each, tie → AB by index). Round 2: AB ∪ C (1 row, saving 12,000 + 36,000 − 0). Then no
    # feasible pair is left (D is 7 km away): no call.
    assert r.rounds == 2
    assert r.calls == len(toy.batches) == 3
    assert [b.shape[0] for b in toy.batches] == [4, 3, 1]
    assert r.evaluations == 8
    np.testing.assert_array_equal(toy.batches[0].toarray(), np.eye(4))
    assert sorted(map(tuple, toy.batches[1].toarray().astype(int).tolist())) == \
        [(0, 1, 1, 0), (1, 0, 1, 0), (1, 1, 0, 0)]
    assert toy.batches[2].toarray().astype(int).tolist() == [[1, 1, 1, 0]]


def test_diameter_not_chain():
    # A—B 0.8 km, B—C 0.8 km, A—C 1.6 km: with 1 km every pair must be within 1 km, so ABC is
    # not allowed; one pair shares a guard (8,000 m², 12,000) and one compound stays alone
    # (36,000). Greedy takes AB (tie by index).
    x, y, hh = [0.0, 0.8, 1.6], [0.0, 0.0, 0.0], [40, 40, 40]
    for method in ("greedy", "exact"):
        r = cluster_service_areas(x, y, hh, subsidy=Toy([4000] * 3), method=method)
        assert r.subsidy_clustered_cny == 48_000.0
        assert r.clusters == 2
    assert cluster_service_areas(x, y, hh, subsidy=Toy([4000] * 3)).labels.tolist() == [0, 0, 1]
    # With 2 km all three share one guard.
    r = cluster_service_areas(x, y, hh, subsidy=Toy([4000] * 3), max_distance_km=2.0)
    assert r.subsidy_clustered_cny == 0.0 and r.labels.tolist() == [0, 0, 0]


@pytest.mark.parametrize("kwargs", [{"max_households": 80}, {"max_compounds": 2},
                                    {"group": ["s1", "s1", "s2"]}])
@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_size_and_group_limits(kwargs, method):
    # Three 4,000 m² compounds close together, 40 households each: each limit allows pairs only
    # (or, by group, only A with B): 12,000 + 36,000.
    r = cluster_service_areas([0, 0.1, 0.2], [0, 0, 0], [40, 40, 40], subsidy=Toy([4000] * 3),
                              method=method, **kwargs)
    assert r.subsidy_clustered_cny == 48_000.0
    assert r.table["compounds"].max() == 2


def test_no_merge_when_the_crew_grows():
    # Two 7,000 m² compounds: alone 60,000 − 42,000 = 18,000 each; together 14,000 m² need two
    # guards: 120,000 − 84,000 = 36,000 = 18,000 + 18,000: no saving, no merge.
    toy = Toy([7000, 7000])
    r = cluster_service_areas([0, 0.1], [0, 0], [70, 70], subsidy=toy)
    assert r.labels.tolist() == [0, 1]
    assert r.saving_cny == 0.0 and r.rounds == 0
    assert r.calls == 2 and r.evaluations == 3      # identity, then the one pair


def test_a_single_compound_over_the_household_cap_stays_alone():
    r = cluster_service_areas([0, 0.1], [0, 0], [500, 40], subsidy=Toy([4000, 4000]),
                              max_households=300)
    assert r.labels.tolist() == [0, 1]
    assert r.table["households"].tolist() == [500, 40]


def test_break_even_is_the_tie_breaker():
    # A subsidy given as a table: {0,1} + {2} = 0 + 10 and {0} + {1,2} = 5 + 5 and {0,1,2} = 10
    # all total 10; only the first has a cluster that breaks even, and both methods pick it.
    table = {frozenset({0}): 5.0, frozenset({1}): 5.0, frozenset({2}): 10.0,
             frozenset({0, 1}): 0.0, frozenset({1, 2}): 5.0, frozenset({0, 2}): 15.0,
             frozenset({0, 1, 2}): 10.0}

    def subsidy(members):
        dense = members.toarray()
        return np.array([table[frozenset(np.flatnonzero(row).tolist())] for row in dense])

    for method in ("greedy", "exact"):
        r = cluster_service_areas([0, 0.1, 0.2], [0, 0, 0], [1, 1, 1], subsidy=subsidy,
                                  method=method)
        assert r.subsidy_clustered_cny == 10.0
        assert r.labels.tolist() == [0, 0, 1], method
        assert r.breaking_even_clustered == 1


def test_clusters_are_numbered_by_their_first_compound():
    # Compounds 0 and 3 together, 1 and 2 together (by distance).
    x, y = [0.0, 5.0, 5.1, 0.1], [0.0, 0.0, 0.0, 0.0]
    r = cluster_service_areas(x, y, [40] * 4, subsidy=Toy([4000] * 4), max_distance_km=0.5)
    assert r.labels.tolist() == [0, 1, 1, 0]
    assert r.table["members"].tolist() == ["0+3", "1+2"]


# ----------------------------------------------------------------------- invariants

def _set_partitions(items):
    if not items:
        yield []
        return
    head, rest = items[0], items[1:]
    for part in _set_partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[head] + part[i]] + part[i + 1:]
        yield [[head]] + part


def _feasible(block, xy, hh, grp, dmax, hmax, kmax):
    if len(block) == 1:
        return True
    if kmax is not None and len(block) > kmax:
        return False
    if hmax is not None and sum(hh[i] for i in block) > hmax:
        return False
    for i, j in itertools.combinations(block, 2):
        if grp[i] != grp[j] or math.dist(xy[i], xy[j]) > dmax:
            return False
    return True


@st.composite
def districts(draw, max_c):
    c = draw(st.integers(1, max_c))
    coord = st.floats(0, 3, allow_nan=False, allow_subnormal=False)
    x = draw(st.lists(coord, min_size=c, max_size=c))
    y = draw(st.lists(coord, min_size=c, max_size=c))
    hh = draw(st.lists(st.integers(5, 150), min_size=c, max_size=c))
    grp = draw(st.lists(st.integers(0, 2), min_size=c, max_size=c))
    dmax = draw(st.sampled_from([0.3, 1.0, 2.0, 5.0]))
    hmax = draw(st.one_of(st.none(), st.integers(50, 400)))
    kmax = draw(st.one_of(st.none(), st.integers(1, 5)))
    return x, y, hh, grp, dmax, hmax, kmax


def _check_clusters(r, x, y, hh, grp, dmax, hmax, kmax, toy):
    labels = r.labels
    c = len(x)
    assert labels.shape == (c,)
    k = r.clusters
    assert sorted(set(labels.tolist())) == list(range(k))
    firsts = [int(np.flatnonzero(labels == j)[0]) for j in range(k)]
    assert firsts == sorted(firsts)
    xy = list(zip(x, y))
    for j in range(k):
        block = np.flatnonzero(labels == j).tolist()
        assert _feasible(block, xy, hh, grp, dmax, hmax, kmax)
        area = sum(toy.area[i] for i in block)
        assert r.table["subsidy_cny"].iloc[j] == pytest.approx(toy_subsidy_one(area), abs=1e-6)
    standalone = sum(toy_subsidy_one(a) for a in toy.area)
    assert r.subsidy_standalone_cny == pytest.approx(standalone, abs=1e-6)
    assert r.saving_cny == pytest.approx(r.subsidy_standalone_cny - r.subsidy_clustered_cny)
    assert r.table["subsidy_cny"].sum() == pytest.approx(r.subsidy_clustered_cny)
    assert r.table["households"].sum() == sum(hh)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts(12))
def test_greedy_never_worse_than_standalone_and_meets_the_constraints(d):
    x, y, hh, grp, dmax, hmax, kmax = d
    toy = Toy([h * 100.0 for h in hh])
    r = cluster_service_areas(x, y, hh, subsidy=toy, group=grp, max_distance_km=dmax,
                              max_households=hmax, max_compounds=kmax)
    assert r.subsidy_clustered_cny <= r.subsidy_standalone_cny
    _check_clusters(r, x, y, hh, grp, dmax, hmax, kmax, toy)
    # Batches: one per round (plus the identity and a last round that merges nothing), and
    # every candidate asked for is itself a feasible cluster.
    assert r.calls == len(toy.batches) <= r.rounds + 2
    assert r.evaluations == sum(b.shape[0] for b in toy.batches)
    xy = list(zip(x, y))
    for b in toy.batches[1:]:
        for row in b.toarray():
            assert set(np.unique(row).tolist()) <= {0.0, 1.0}
            block = np.flatnonzero(row).tolist()
            assert len(block) >= 2 and _feasible(block, xy, hh, grp, dmax, hmax, kmax)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts(7))
def test_exact_equals_brute_force_over_set_partitions(d):
    x, y, hh, grp, dmax, hmax, kmax = d
    area = [h * 100.0 for h in hh]              # whole m²: the toy's sums are exact
    xy = list(zip(x, y))
    best, best_even = math.inf, -1
    for part in _set_partitions(list(range(len(x)))):
        if not all(_feasible(b, xy, hh, grp, dmax, hmax, kmax) for b in part):
            continue
        subs = [toy_subsidy_one(sum(area[i] for i in b)) for b in part]
        total, even = sum(subs), sum(s < 0.01 for s in subs)
        if total < best - 1e-6:
            best, best_even = total, even
        elif abs(total - best) <= 1e-6:
            best_even = max(best_even, even)
    toy = Toy(area)
    r = cluster_service_areas(x, y, hh, subsidy=toy, group=grp, max_distance_km=dmax,
                              max_households=hmax, max_compounds=kmax, method="exact")
    assert r.subsidy_clustered_cny == pytest.approx(best, abs=1e-6)
    assert r.breaking_even_clustered == best_even
    assert r.calls == 1
    _check_clusters(r, x, y, hh, grp, dmax, hmax, kmax, toy)
    g = cluster_service_areas(x, y, hh, subsidy=Toy(area), group=grp, max_distance_km=dmax,
                              max_households=hmax, max_compounds=kmax)
    assert r.subsidy_clustered_cny <= g.subsidy_clustered_cny + 1e-6


# ----------------------------------------------------------------------- a large district

def test_a_thousand_compounds_in_a_few_batches():
    rng = np.random.default_rng(20240610)
    c = 1000
    x, y = rng.uniform(0, 10, c), rng.uniform(0, 10, c)
    hh = rng.integers(30, 300, c)
    groups = rng.integers(0, 8, c)
    toy = Toy(hh * 70.0)
    r = cluster_service_areas(x, y, hh, subsidy=toy, group=groups, max_distance_km=1.0,
                              max_households=1200)
    assert r.calls == len(toy.batches) <= r.rounds + 2
    assert r.calls < 30 < r.evaluations
    assert r.subsidy_clustered_cny < r.subsidy_standalone_cny
    assert r.clusters < c
    xy = np.column_stack([x, y])
    for j in range(r.clusters):
        block = np.flatnonzero(r.labels == j)
        if block.size > 1:
            d = np.sqrt(((xy[block, None] - xy[None, block]) ** 2).sum(-1))
            assert d.max() <= 1.0 and hh[block].sum() <= 1200
            assert np.unique(groups[block]).size == 1


# ----------------------------------------------------------------------- bad arguments

def _ok(**over):
    args = dict(x_km=[0, 1], y_km=[0, 0], households=[10, 10], subsidy=Toy([1000, 1000]))
    args.update(over)
    x, y, h = args.pop("x_km"), args.pop("y_km"), args.pop("households")
    return cluster_service_areas(x, y, h, **args)


@pytest.mark.parametrize("over, match", [
    ({"x_km": []}, "no compounds"),
    ({"x_km": [[0, 1]]}, "one-dimensional"),
    ({"y_km": [0, 0, 0]}, "y_km has 3 values"),
    ({"x_km": [0, np.nan]}, "finite"),
    ({"households": [10, -1]}, "households must be ≥ 0"),
    ({"households": ["a", "b"]}, "households must be an array of numbers"),
    ({"max_distance_km": -1}, "max_distance_km"),
    ({"max_distance_km": np.inf}, "max_distance_km"),
    ({"max_distance_km": "far"}, "max_distance_km"),
    ({"max_households": 0}, "max_households"),
    ({"max_households": np.nan}, "max_households"),
    ({"max_compounds": 0}, "max_compounds"),
    ({"max_compounds": 2.5}, "max_compounds"),
    ({"max_compounds": True}, "max_compounds"),
    ({"method": "annealing"}, "method"),
    ({"group": ["a"]}, "group"),
    ({"group": ["a", None]}, "group"),
    ({"ids": ["a"]}, "ids has 1"),
    ({"ids": ["a", "a"]}, "unique"),
    ({"subsidy": 3}, "callable"),
    ({"subsidy": lambda m: np.zeros(m.shape[0] + 1)}, "shape"),
    ({"subsidy": lambda m: -np.ones(m.shape[0])}, "≥ 0"),
    ({"subsidy": lambda m: np.full(m.shape[0], np.nan)}, "NaN"),
    ({"subsidy": lambda m: ["x"] * m.shape[0]}, "not an array of numbers"),
])
def test_bad_arguments(over, match):
    with pytest.raises(ModelError, match=match):
        _ok(**over)


def test_exact_refuses_a_large_district():
    c = MAX_EXACT_COMPOUNDS + 1
    with pytest.raises(ModelError, match="at most 12 compounds"):
        cluster_service_areas(np.zeros(c), np.zeros(c), np.ones(c), subsidy=Toy(np.ones(c)),
                              method="exact")
    # ... and takes the largest it allows in one call: 4,095 candidate clusters.
    c = MAX_EXACT_COMPOUNDS
    toy = Toy(np.full(c, 1000.0))
    r = cluster_service_areas(np.zeros(c), np.zeros(c), np.ones(c), subsidy=toy,
                              method="exact")
    assert r.calls == 1 and r.evaluations == 2 ** c - 1
    # 12 × 1,000 m² on one guard: 60,000 − 72,000 → 0.
    assert r.clusters == 1 and r.subsidy_clustered_cny == 0.0


def test_greedy_misses_a_merge_that_only_pays_for_three():
    # Three 7,000 m² compounds: alone 18,000 each (54,000); any pair, 14,000 m², needs two
    # guards: 120,000 − 84,000 = 36,000 = 18,000 + 18,000, no saving; all three, 21,000 m² on
    # two guards: max(0, 120,000 − 126,000) = 0. Exact finds it; greedy, merging pairs, does not.
    args = ([0, 0.1, 0.2], [0, 0, 0], [70, 70, 70])
    g = cluster_service_areas(*args, subsidy=Toy([7000] * 3))
    e = cluster_service_areas(*args, subsidy=Toy([7000] * 3), method="exact")
    assert g.subsidy_clustered_cny == 54_000.0 and g.clusters == 3
    assert e.subsidy_clustered_cny == 0.0 and e.labels.tolist() == [0, 0, 0]


def test_the_docs_example():
    area_m2 = np.array([4000.0, 4000.0, 4000.0, 9000.0])

    def subsidy(members):
        a = members @ area_m2
        return np.maximum(0.0, np.ceil(a / 12000 - 1e-9) * 60000 - 6 * a)

    r = cluster_service_areas([0, 0.3, 0, 5], [0, 0, 0.3, 5], [40, 40, 40, 90],
                              subsidy=subsidy, ids=["a", "b", "c", "d"])
    assert r.table["members"].tolist() == ["a+b+c", "d"]
    assert (r.saving_cny, r.rounds, r.calls) == (108000.0, 2, 3)
