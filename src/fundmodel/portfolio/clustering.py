"""Shared-service areas: neighbouring compounds grouped into one property-service contract.

A small compound cannot pay for a guard and a cleaner out of its fees; several neighbouring
compounds on one contract can (DOMAIN.md, "001 Taiyuan Xinghualing": 983 compounds in 270
areas). :func:`cluster_service_areas` groups compounds into clusters under a distance, size and
street constraint so that the operating subsidy the district pays is as small as it can find,
and compares it with standalone service. See docs/clustering.md.

The subsidy of a cluster comes from a callable the caller supplies (the integrator: one engine
run whose compound axis holds the candidate clusters as merged compounds); this module never
imports the engine. The subsidy is **not additive**: staff norms round headcounts up to whole
persons, a contract has fixed costs, and one compound's surplus covers another's deficit, so
``s(A ∪ B)`` may be below ``s(A) + s(B)`` (clustering saves) or above it (one more person on the
crew). Clustering merges only where it saves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree

from fundmodel.errors import ModelError

__all__ = ["Clustering", "cluster_service_areas", "MAX_EXACT_COMPOUNDS",
           "BREAKEVEN_TOLERANCE_CNY", "SubsidyFunction", "merge_cost"]

logger = logging.getLogger("fundmodel")

MAX_EXACT_COMPOUNDS = 12
"""Largest district ``method="exact"`` accepts: it enumerates up to ``2**C - 1`` candidate
clusters (4,095 at C = 12) and solves a set-partitioning MILP over them."""

BREAKEVEN_TOLERANCE_CNY = 0.01
"""A cluster breaks even when its subsidy is below one fen (0.01 CNY); a merge is made only
when it saves at least this much (a smaller saving is rounding noise of the subsidy)."""

SubsidyFunction = Callable[[sparse.csr_array], np.ndarray]
"""``subsidy(members) -> (K,)``: ``members`` is a ``(K, C)`` 0/1 ``csr_array`` (float64), row k
the compounds of candidate cluster k; the result is each cluster's subsidy (CNY, ≥ 0, present
value over the horizon) when its members share one contract."""


@dataclass(frozen=True)
class Clustering:
    """Shared-service areas found by :func:`cluster_service_areas`.

    Attributes
    ----------
    labels : ndarray of int, (C,)
        Cluster of each compound, 0..clusters-1; clusters are numbered by their first compound
        (cluster 0 holds compound 0).
    table : DataFrame
        One row per cluster: ``cluster``, ``members`` (ids joined by ``+``), ``compounds``,
        ``households``, ``subsidy_standalone_cny`` (sum of the members' standalone subsidies),
        ``subsidy_cny`` (the cluster's, on one contract), ``breaks_even`` (subsidy below
        :data:`BREAKEVEN_TOLERANCE_CNY`).
    compound_subsidy_standalone_cny : ndarray, (C,)
        Each compound's subsidy when it is served alone (CNY).
    subsidy_standalone_cny, subsidy_clustered_cny, saving_cny : float
        Total subsidy of the district, standalone and clustered (CNY), and their difference
        less ``merge_cost_cny``.
    clusters : int
        Number of clusters (C when nothing is merged).
    breaking_even_standalone, breaking_even_clustered : int
        Compounds that break even alone; clusters that break even.
    rounds : int
        Merge rounds that merged something (greedy); 1 for exact (one enumeration).
    evaluations : int
        Candidate clusters whose subsidy was asked for (rows over all ``subsidy`` calls).
    calls : int
        Calls to ``subsidy``.
    method : str
        ``"greedy"`` or ``"exact"``.
    merge_cost_cny : float
        Capital cost of merging the compounds of every area of two or more (合围并院: walls,
        gates, access control; CNY, :func:`merge_cost`), 0 without merge costs; ``saving_cny``
        is net of it, and the table has a ``merge_cost_cny`` column when merge costs are given.
    target_areas : int or None
        The number of areas aimed at (None: as many as the least total cost gives).
    """

    labels: np.ndarray
    table: pd.DataFrame
    compound_subsidy_standalone_cny: np.ndarray
    subsidy_standalone_cny: float
    subsidy_clustered_cny: float
    saving_cny: float
    clusters: int
    breaking_even_standalone: int
    breaking_even_clustered: int
    rounds: int
    evaluations: int
    calls: int
    method: str
    merge_cost_cny: float = 0.0
    target_areas: int | None = None


# --------------------------------------------------------------------------- validation

def _vector(name: str, value: Any, n: int | None) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} must be an array of numbers ({exc})") from None
    if arr.ndim != 1:
        raise ModelError(f"{name} must be one-dimensional (one value per compound), "
                         f"got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ModelError(f"{name} has {arr.shape[0]} values, expected {n} (one per compound)")
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} must be finite (no NaN or infinity)")
    return arr


def _positive_int_or_none(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ModelError(f"{name} must be a whole number or None, got {value!r}")
    if value < 1:
        raise ModelError(f"{name} must be at least 1, got {value}")
    return int(value)


def _group_codes(group: Any, n: int) -> np.ndarray:
    if group is None:
        return np.zeros(n, dtype=np.int64)
    labels = np.asarray(group, dtype=object)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ModelError(f"group must hold one label per compound ({n}), got shape "
                         f"{labels.shape}")
    if pd.isna(labels).any():
        raise ModelError("group has missing labels (None or NaN)")
    codes, _ = pd.factorize(labels, sort=False)
    return codes.astype(np.int64)


def _ids(ids: Sequence[Any] | None, n: int) -> list[str]:
    if ids is None:
        return [str(i) for i in range(n)]
    out = [str(i) for i in ids]
    if len(out) != n:
        raise ModelError(f"ids has {len(out)} values, expected {n} (one per compound)")
    if len(set(out)) != n:
        raise ModelError("ids must be unique (a compound's id is its stable key)")
    return out


class _Subsidy:
    """The caller's subsidy function, checked and counted."""

    def __init__(self, fn: SubsidyFunction):
        self.fn, self.calls, self.evaluations = fn, 0, 0

    def __call__(self, members: sparse.csr_array) -> np.ndarray:
        k = members.shape[0]
        self.calls += 1
        self.evaluations += k
        raw = self.fn(members)
        try:
            out = np.asarray(raw, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"subsidy returned something that is not an array of numbers "
                             f"({exc})") from None
        if out.shape != (k,):
            raise ModelError(f"subsidy must return one value per candidate cluster, shape "
                             f"({k},), got {out.shape}")
        if not np.all(np.isfinite(out)):
            raise ModelError("subsidy returned NaN or infinity")
        if np.any(out < 0):
            raise ModelError(f"subsidy must be ≥ 0 CNY, got {out.min()!r}")
        return out



def _members(rows: np.ndarray, cols: np.ndarray, k: int, n: int) -> sparse.csr_array:
    """``(k, n)`` 0/1 membership matrix with ones at ``(rows, cols)``."""
    m = sparse.csr_array((np.ones(rows.shape[0]), (rows, cols)), shape=(k, n))
    m.sort_indices()
    return m


class _MergeCost:
    """The merge cost of candidate clusters (:func:`merge_cost`), at the given prices."""

    def __init__(self, xy: np.ndarray, per_compound: float, per_km: float):
        self.xy, self.per_compound, self.per_km = xy, per_compound, per_km

    @property
    def any(self) -> bool:
        return self.per_compound > 0 or self.per_km > 0

    def __call__(self, members: sparse.csr_array) -> np.ndarray:
        if not self.any:
            return np.zeros(members.shape[0])
        return merge_cost(members, self.xy, self.per_compound, self.per_km)


def merge_cost(members: sparse.csr_array, xy: np.ndarray, per_compound: float = 0.0,
               per_km: float = 0.0) -> np.ndarray:
    """Capital cost of merging the compounds of each candidate cluster into one area
    (合围并院: walls, gates, access control), CNY, ``(K,)``::

        m(A) = per_compound × |A| + per_km × L(A)     for |A| ≥ 2,   m(A) = 0 alone

    with ``L(A)`` the length (km) of the minimum spanning tree of A's members at ``xy (C, 2)``
    (km): the shortest network of straight links joining them, the distance between merged
    compounds a boundary or a path must bridge. ``members`` is a ``(K, C)`` 0/1 ``csr_array``.
    The trees of all K candidates are one spanning forest of a block-diagonal graph (no loop
    over candidates); its size grows as the sum of the candidates' squared sizes."""
    members = sparse.csr_array(members)
    members.sort_indices()
    sizes = np.diff(members.indptr)
    k = members.shape[0]
    out = np.where(sizes >= 2, per_compound * sizes, 0.0)
    if per_km <= 0 or not np.any(sizes >= 2):
        return out
    nodes = members.indices.size
    local = np.arange(nodes) - np.repeat(members.indptr[:-1], sizes)
    rest = np.repeat(sizes, sizes) - local - 1          # later members of the same cluster
    src = np.repeat(np.arange(nodes), rest)
    dst = src + 1 + np.arange(rest.sum()) - np.repeat(np.cumsum(rest) - rest, rest)
    cols = members.indices
    length = np.hypot(*(xy[cols[src]] - xy[cols[dst]]).T)
    # + the smallest float: two compounds at one place are still linked (a 0 is no edge)
    # 32-bit indices: scipy's csgraph before 1.16 takes no others
    graph = sparse.csr_array((length + np.finfo(float).tiny,
                              (src.astype(np.int32), dst.astype(np.int32))), shape=(nodes, nodes))
    tree = minimum_spanning_tree(graph).tocoo()
    row_of = np.repeat(np.arange(k), sizes)
    exact = np.hypot(*(xy[cols[tree.row]] - xy[cols[tree.col]]).T)
    return out + per_km * np.bincount(row_of[tree.row], weights=exact, minlength=k)


# --------------------------------------------------------------------------- entry point

def cluster_service_areas(x_km: Any, y_km: Any, households: Any, *,
                          subsidy: SubsidyFunction,
                          ids: Sequence[Any] | None = None,
                          group: Any = None,
                          max_distance_km: float = 1.0,
                          max_households: float | None = None,
                          max_compounds: int | None = None,
                          method: str = "greedy",
                          merge_cost_per_compound: float = 0.0,
                          merge_cost_per_km: float = 0.0,
                          target_areas: int | None = None) -> Clustering:
    """Group neighbouring compounds into shared-service clusters that need the least subsidy.

    Objective: minimize ``Σ_k s(cluster_k) + m(cluster_k)`` (CNY), ``s`` the caller's
    ``subsidy`` and ``m`` the capital cost of merging (:func:`merge_cost`, 0 unless its prices
    are given); secondary, among equal totals, more clusters that break even; with
    ``target_areas``, exactly that many clusters. A cluster is feasible when

    - every pair of its members is at most ``max_distance_km`` apart (Euclidean on
      ``x_km, y_km``: the cluster's *diameter*, so no member is far from any other and the
      result does not depend on the order members joined),
    - its households sum to at most ``max_households`` (None: no limit),
    - it has at most ``max_compounds`` members (None: no limit),
    - all its members share one ``group`` label (street or neighbourhood).

    A single compound is always feasible (it is served alone), even above ``max_households``.

    Parameters
    ----------
    x_km, y_km : array_like, (C,)
        Planar coordinates of each compound's centre (km).
    households : array_like, (C,)
        Households of each compound (≥ 0).
    subsidy : callable
        ``subsidy(members) -> ndarray (K,)``, ``members`` a ``(K, C)`` 0/1 ``csr_array``
        (float64): the subsidy each candidate cluster needs on one contract (CNY, ≥ 0). It is
        called in batches: once with the identity (standalone), then once per merge round
        (greedy) or once with every feasible cluster (exact).
    ids : sequence, optional
        Stable key of each compound (strings; default ``"0".."C-1"``), used in ``table``.
    group : array_like, optional
        Label of each compound; compounds of different labels are never clustered.
    max_distance_km : float
        Largest distance between two members of a cluster (km, ≥ 0).
    max_households : float, optional
        Largest households of a cluster of two or more compounds.
    max_compounds : int, optional
        Largest number of compounds in a cluster.
    method : {"greedy", "exact"}
        ``greedy``: agglomerative merging in rounds, by largest saving
        ``s(A) + s(B) − s(A ∪ B)``; any C. ``exact``: every feasible cluster, then a
        set-partitioning MILP (scipy.optimize.milp); C ≤ :data:`MAX_EXACT_COMPOUNDS`.
    merge_cost_per_compound : float
        Capital cost of merging, CNY per compound of an area of two or more (≥ 0).
    merge_cost_per_km : float
        Capital cost of merging, CNY per km of the minimum spanning tree joining an area's
        compounds (≥ 0).
    target_areas : int, optional
        The number of areas to end with: greedy merges (the least costly first, even a merge
        that costs more than it saves) until there are that many, and no further; exact adds
        ``Σ x_A = target_areas``. Greedy that runs out of feasible merges above the target
        stops there (a warning in the log); exact with no such partition raises.

    Returns
    -------
    Clustering

    Raises
    ------
    ModelError
        Bad arguments, ``exact`` for more than :data:`MAX_EXACT_COMPOUNDS` compounds (or with
        no partition into ``target_areas`` feasible clusters), or a subsidy result of the
        wrong shape, negative or not finite.
    """
    x = _vector("x_km", x_km, None)
    n = x.shape[0]
    if n == 0:
        raise ModelError("no compounds: x_km is empty")
    y = _vector("y_km", y_km, n)
    hh = _vector("households", households, n)
    if np.any(hh < 0):
        raise ModelError("households must be ≥ 0")
    if not callable(subsidy):
        raise ModelError("subsidy must be a callable members -> subsidy per cluster (CNY)")
    names = _ids(ids, n)
    groups = _group_codes(group, n)
    try:
        dmax = float(max_distance_km)
    except (TypeError, ValueError):
        raise ModelError(f"max_distance_km must be a number, got {max_distance_km!r}") from None
    if not np.isfinite(dmax) or dmax < 0:
        raise ModelError(f"max_distance_km must be finite and ≥ 0, got {max_distance_km!r}")
    if max_households is not None:
        try:
            hmax = float(max_households)
        except (TypeError, ValueError):
            raise ModelError(f"max_households must be a number or None, got "
                             f"{max_households!r}") from None
        if not np.isfinite(hmax) or hmax <= 0:
            raise ModelError(f"max_households must be finite and > 0, got {max_households!r}")
    else:
        hmax = np.inf
    kmax = _positive_int_or_none("max_compounds", max_compounds)
    kmax_n = n if kmax is None else min(kmax, n)
    if method not in ("greedy", "exact"):
        raise ModelError(f"method must be 'greedy' or 'exact', got {method!r}")
    if method == "exact" and n > MAX_EXACT_COMPOUNDS:
        raise ModelError(f"method='exact' enumerates every subset of compounds: at most "
                         f"{MAX_EXACT_COMPOUNDS} compounds, got {n}; use method='greedy'")

    prices = []
    for name, value in (("merge_cost_per_compound", merge_cost_per_compound),
                        ("merge_cost_per_km", merge_cost_per_km)):
        try:
            price = float(value)
        except (TypeError, ValueError):
            raise ModelError(f"{name} must be a number, got {value!r}") from None
        if not np.isfinite(price) or price < 0:
            raise ModelError(f"{name} must be finite and ≥ 0 CNY, got {value!r}")
        prices.append(price)
    target = _positive_int_or_none("target_areas", target_areas)
    if target is not None and target > n:
        raise ModelError(f"target_areas is {target}, more than the {n} compounds")

    fn = _Subsidy(subsidy)
    xy = np.column_stack([x, y])
    mc = _MergeCost(xy, *prices)
    if method == "greedy":
        cluster_of, s_cluster, m_cluster, s_alone, rounds = _greedy(
            xy, hh, groups, dmax, hmax, kmax_n, fn, mc, target)
    else:
        cluster_of, s_cluster, m_cluster, s_alone = _exact(xy, hh, groups, dmax, hmax, kmax_n,
                                                           fn, mc, target)
        rounds = 1
    return _result(cluster_of, s_cluster, s_alone, names, np.asarray(households), rounds,
                   fn, method, m_cluster if mc.any else None, target)


# --------------------------------------------------------------------------- greedy

def _greedy(xy: np.ndarray, hh: np.ndarray, groups: np.ndarray, dmax: float, hmax: float,
            kmax: int, fn: _Subsidy, mc: _MergeCost, target: int | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Agglomerative merging; returns (cluster of each compound, subsidy by cluster, merge
    cost by cluster, standalone subsidy, rounds). Clusters carry persistent ids: 0..C-1 the
    compounds, C, C+1, ... each merge; a merge of the same two clusters is evaluated once.
    A merge's saving counts the merge costs ``mc``; with ``target`` merges go on (the least
    costly first) while there are more clusters than it, and stop at it."""
    n = xy.shape[0]
    cap = 2 * n                                    # ids ever used < 2C − 1
    s_alone = fn(_members(np.arange(n), np.arange(n), n, n))

    # Close pairs of compounds of one group (i < j): the only pairs a cluster may contain.
    pairs = cKDTree(xy).query_pairs(r=dmax, output_type="ndarray") if n > 1 \
        else np.empty((0, 2), dtype=np.int64)
    pairs = pairs[groups[pairs[:, 0]] == groups[pairs[:, 1]]]

    uid = np.arange(n)                             # cluster id of each compound
    size = np.zeros(cap, dtype=np.int64)
    size[:n] = 1
    hh_c = np.zeros(cap)
    hh_c[:n] = hh
    s_c = np.zeros(cap)
    s_c[:n] = s_alone
    m_c = np.zeros(cap)                            # merge cost of each cluster (0 alone)
    first = np.full(cap, n, dtype=np.int64)        # lowest compound index of each cluster
    first[:n] = np.arange(n)
    next_id = n
    cache_key = np.empty(0, dtype=np.int64)        # evaluated merges a * cap + b, sorted
    cache_val = np.empty(0)
    cache_merge = np.empty(0)
    rounds = 0
    clusters = n

    while pairs.shape[0] and (target is None or clusters > target):
        a = uid[pairs[:, 0]]
        b = uid[pairs[:, 1]]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        cross = lo != hi
        key, count = np.unique(lo[cross] * cap + hi[cross], return_counts=True)
        ca, cb = key // cap, key % cap
        # Diameter: A ∪ B is feasible iff every cross pair is a close pair of one group.
        ok = ((count == size[ca] * size[cb]) & (size[ca] + size[cb] <= kmax)
              & (hh_c[ca] + hh_c[cb] <= hmax))
        key, ca, cb = key[ok], ca[ok], cb[ok]
        if key.size == 0:
            break
        new = ~np.isin(key, cache_key, assume_unique=True)
        if new.any():
            na, nb = ca[new], cb[new]
            order = np.argsort(uid, kind="stable")
            sorted_uid = uid[order]
            start = np.searchsorted(sorted_uid, np.arange(cap))
            rows, cols = _merge_rows(na, nb, size, start, order)
            union = _members(rows, cols, na.size, n)
            vals = fn(union)
            cache_key = np.concatenate([cache_key, key[new]])
            cache_val = np.concatenate([cache_val, vals])
            cache_merge = np.concatenate([cache_merge, mc(union)])
            srt = np.argsort(cache_key, kind="stable")
            cache_key, cache_val, cache_merge = cache_key[srt], cache_val[srt], cache_merge[srt]
        at = np.searchsorted(cache_key, key)
        s_ab, m_ab = cache_val[at], cache_merge[at]
        saving = (s_c[ca] + m_c[ca]) + (s_c[cb] + m_c[cb]) - (s_ab + m_ab)
        good = (saving >= BREAKEVEN_TOLERANCE_CNY if target is None
                else np.ones(saving.shape, dtype=bool))
        if not good.any():
            break
        ca, cb, s_ab, m_ab, saving = ca[good], cb[good], s_ab[good], m_ab[good], saving[good]
        be = BREAKEVEN_TOLERANCE_CNY
        gained = ((s_ab < be).astype(int) - (s_c[ca] < be) - (s_c[cb] < be))
        f_lo = np.minimum(first[ca], first[cb])
        f_hi = np.maximum(first[ca], first[cb])
        # Largest saving first; then more break-even clusters; then by compound index.
        rank = np.lexsort((f_hi, f_lo, -gained, -saving))
        used = np.zeros(cap, dtype=bool)
        remap = np.arange(cap)
        merged = 0
        for r in rank:                             # a loop over merges, not over draws
            p, q = ca[r], cb[r]
            if used[p] or used[q]:
                continue
            if target is not None and clusters - merged <= target:
                break
            used[p] = used[q] = True
            new_id = next_id
            next_id += 1
            remap[p] = remap[q] = new_id
            size[new_id] = size[p] + size[q]
            hh_c[new_id] = hh_c[p] + hh_c[q]
            s_c[new_id] = s_ab[r]
            m_c[new_id] = m_ab[r]
            first[new_id] = min(first[p], first[q])
            merged += 1
        uid = remap[uid]
        clusters -= merged
        rounds += 1
        logger.debug("clustering round %d: %d candidate merges, %d merged, %d clusters",
                     rounds, key.size, merged, np.unique(uid).size)

    if target is not None and clusters > target:
        logger.warning("service areas: no feasible merge is left at %d areas, above the "
                       "target of %d (the distance, size or boundary limits)", clusters, target)
    ids_used, cluster_of = np.unique(uid, return_inverse=True)
    order = np.argsort(first[ids_used])            # number clusters by their first compound
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[cluster_of], s_c[ids_used][order], m_c[ids_used][order], s_alone, rounds


def _merge_rows(na: np.ndarray, nb: np.ndarray, size: np.ndarray, start: np.ndarray,
                order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, compound) of the members of ``A_r ∪ B_r`` for each candidate r, vectorized:
    cluster u's compounds are ``order[start[u] : start[u] + size[u]]``."""
    rows, cols = [], []
    for side in (na, nb):
        lens = size[side]
        row = np.repeat(np.arange(side.size), lens)
        offset = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
        rows.append(row)
        cols.append(order[np.repeat(start[side], lens) + offset])
    return np.concatenate(rows), np.concatenate(cols)


# --------------------------------------------------------------------------- exact

def _exact(xy: np.ndarray, hh: np.ndarray, groups: np.ndarray, dmax: float, hmax: float,
           kmax: int, fn: _Subsidy, mc: _MergeCost, target: int | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every feasible cluster, then the set partition of least subsidy and merge cost (then
    most clusters breaking even) by two MILPs; with ``target``, of exactly that many
    clusters."""
    n = xy.shape[0]
    masks = np.arange(1, 2 ** n, dtype=np.int64)
    member = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)       # (2^n − 1, n)
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    compatible = (dist <= dmax) & (groups[:, None] == groups[None, :])
    bad = (~compatible).astype(np.int64)
    m_int = member.astype(np.int64)
    conflicts = ((m_int @ bad) * m_int).sum(axis=1)
    k = member.sum(axis=1)
    feasible = (k == 1) | ((conflicts == 0) & (k <= kmax) & (member @ hh <= hmax))
    member = member[feasible]
    rows, cols = np.nonzero(member)
    candidates = _members(rows, cols, member.shape[0], n)
    s = fn(candidates)
    m = mc(candidates)
    cost = s + m
    single = member.sum(axis=1) == 1
    s_alone = np.empty(n)
    s_alone[np.argmax(member[single], axis=1)] = s[single]

    a_eq = sparse.csr_array(member.T.astype(float))
    part = [LinearConstraint(a_eq, 1.0, 1.0)]
    ones = np.ones(s.size)
    if target is not None:
        part.append(LinearConstraint(ones[None, :], target, target))
    opts = {"mip_rel_gap": 0.0}
    first = milp(cost, constraints=part, integrality=ones, bounds=Bounds(0, 1), options=opts)
    if not first.success:                          # singletons are a solution without target
        if target is not None:
            raise ModelError(f"no partition into target_areas = {target} areas meets the "
                             "distance, size and boundary limits")
        raise ModelError(f"set-partitioning MILP failed: {first.message}")
    best = float(cost @ np.round(first.x))
    tol = max(BREAKEVEN_TOLERANCE_CNY, 1e-9 * best)
    breaks = (s < BREAKEVEN_TOLERANCE_CNY).astype(float)
    second = milp(-breaks,
                  constraints=[*part, LinearConstraint(cost[None, :], -np.inf, best + tol)],
                  integrality=ones, bounds=Bounds(0, 1), options=opts)
    x_sel = np.round(second.x if second.success else first.x) > 0.5
    chosen = member[x_sel]
    s_chosen, m_chosen = s[x_sel], m[x_sel]
    order = np.argsort(np.argmax(chosen, axis=1))  # number clusters by their first compound
    chosen, s_chosen, m_chosen = chosen[order], s_chosen[order], m_chosen[order]
    cluster_of = np.argmax(chosen, axis=0)
    return cluster_of, s_chosen, m_chosen, s_alone


# --------------------------------------------------------------------------- result

def _result(cluster_of: np.ndarray, s_cluster: np.ndarray, s_alone: np.ndarray,
            names: list[str], households: np.ndarray, rounds: int, fn: _Subsidy,
            method: str, m_cluster: np.ndarray | None = None,
            target: int | None = None) -> Clustering:
    k = s_cluster.size
    be = BREAKEVEN_TOLERANCE_CNY
    hh = households.astype(float)
    hh_sum = np.bincount(cluster_of, weights=hh, minlength=k)
    if np.issubdtype(households.dtype, np.integer):
        hh_sum = np.rint(hh_sum).astype(np.int64)
    members = [[] for _ in range(k)]
    for i, c in enumerate(cluster_of):              # a loop over compounds, for the labels
        members[c].append(names[i])
    table = pd.DataFrame({
        "cluster": np.arange(k),
        "members": ["+".join(m) for m in members],
        "compounds": np.bincount(cluster_of, minlength=k),
        "households": hh_sum,
        "subsidy_standalone_cny": np.bincount(cluster_of, weights=s_alone, minlength=k),
        "subsidy_cny": s_cluster,
        "breaks_even": s_cluster < be,
    })
    merging = 0.0
    if m_cluster is not None:
        table["merge_cost_cny"] = m_cluster
        merging = float(m_cluster.sum())
    total_alone = float(s_alone.sum())
    total = float(s_cluster.sum())
    return Clustering(
        labels=cluster_of.astype(np.int64),
        table=table,
        compound_subsidy_standalone_cny=s_alone,
        subsidy_standalone_cny=total_alone,
        subsidy_clustered_cny=total,
        saving_cny=total_alone - total - merging,
        clusters=int(k),
        breaking_even_standalone=int((s_alone < be).sum()),
        breaking_even_clustered=int((s_cluster < be).sum()),
        rounds=int(rounds),
        evaluations=fn.evaluations,
        calls=fn.calls,
        method=method,
        merge_cost_cny=merging,
        target_areas=target,
    )
