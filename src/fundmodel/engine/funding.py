"""Funding phase: the funding rules share the renovation cost so that the gap is the smallest
the offers allow, with the rules' order as priority.

Allocation rule
---------------
Rule r may pay the items it is eligible for (``E_r``); item i costs ``c_i``. An allocation is a
flow ``x_ri ≥ 0`` (``x_ri = 0`` for i ∉ E_r) with ``Σ_r x_ri ≤ c_i``; rule r pays
``a_r = Σ_i x_ri`` and may pay at most its offer::

    a_r ≤ offer_r = min(cap_r, uptake_r × (base_r + match_ratio_r × Σ_{s∈M_r} a_s))
    base_r = amount_r + per_household_r × households + per_m2_r × floor_area_m2
             + share_r × Σ_{i∈E_r} c_i

``M_r`` are the earlier rules a match rule matches (empty for other rules). Among the feasible
allocations the engine takes the **lexicographic optimum**: first the largest total Σ_r a_r
(so the gap, Σ c_i − Σ_r a_r, is the smallest the offers allow: a linear programme), then,
among allocations with that total, rule 1 pays as much as it can, then rule 2, and so on. The
order written is thus a priority that never costs any funding. A rule that offers nothing
changes nothing.

Computation (pure numpy, vectorised over draws; loops over rules, classes and subsets only)
---------------------------------------------------------------------------------------------
Items are grouped into *classes* k of equal eligibility (cost ``C_k``). For offers ``o``, the
most that the rules P can pay together is, by max-flow/min-cut over the class graph,

    F(P) = min over sets T of classes [ Σ_{k∉T} C_k + Σ_{r∈P, r may pay a class in T} o_r ].

1. *Greedy.* ``a_r = F(1..r) − F(1..r−1)``, the offer of a match rule taken from the earlier
   amounts, which are known by its turn. This is the lexicographically largest feasible vector.
   With class costs ≥ 0 the least cut is sought among the closed sets T only (with a class,
   every class whose payers all pay it: the same minimum to the bit, see :func:`_greedy`);
   nested rules leave few of them.
2. *Certificate.* Upper bounds ``ū_r`` of every offer over all feasible allocations
   (``ū_r = min(cap_r, uptake_r × (base_r + match_ratio_r × F̄(M_r)))``, F̄ computed with the
   bounds of the earlier rules). Where every greedy offer reaches its bound, no allocation has
   larger offers, so the greedy total is the largest: the greedy vector is the optimum. This
   holds unless a match rule's matched rules were kept from items by an earlier rule (the
   greedy matched amount is then below what a larger total would need).
3. *Exact fallback.* The remaining draws (and all draws when there are more than
   :data:`MAX_CLASSES` classes, since step 1 costs ``2^classes`` per rule) solve the linear
   programme on the class graph by a lexicographic simplex with Bland's rule, batched over
   draws (each draw pivots on its own; amounts scaled by the draw's total cost).
4. *Flow.* In the greedy draws, each rule in order spreads its amount over its classes, those
   fewer later rules may pay first, as much as every later rule can still place its amount
   (``x_r(T) ≤ C'(T) − Σ_{s>r, E_s⊆T} a_s`` for every class set T, C' the cost still
   unpaid; the sets that can give the least room only, see :func:`_greedy_flow`). Within a
   class, what is unfunded falls on the items in proportion to their cost.

A rule's terms are computed at the size they are given (its constants once) and broadcast, a
share or per-unit term with a coefficient of 0 is skipped (it adds 0), and the arrays are laid
out with the cases last (item costs ``(I, n)``, amounts ``(R, n)``, ``by_item`` ``(R, I, n)``
under its ``(D, C, R, I)`` view): every case gets the same operations in the same order as when
its terms are given in full, so results are the same bits whatever the layout.

What is left unfunded below ``ROUNDING × total cost`` in a class is rounding, not a gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .arrays import row_sum
from .model_inputs import CompoundInputs, RuleInputs

__all__ = ["FundingOutcome", "apply_funding", "ROUNDING", "MAX_CLASSES"]

log = logging.getLogger("fundmodel")

ROUNDING = 1e-12
"""Unfunded cost of a class, relative to the draw's total renovation cost, that is taken as
rounding (sums taken in another order), not a gap."""

MAX_CLASSES = 10
"""Most eligibility classes for the closed form (it costs ``2^classes`` per rule); with more,
every draw is solved by the batched simplex (exact, slower)."""

_TOL = 1e-9        # simplex: reduced costs and pivots of the scaled problem (amounts ~ 1)
_CERT_REL = 1e-12  # certificate: a greedy offer this close to its bound counts as reaching it


@dataclass(frozen=True)
class FundingOutcome:
    """Result of the funding allocation for D draws, C compounds and ``R`` rules.

    Attributes
    ----------
    offered : ndarray (D, C, R)
        What each rule would give (after its cap; a match rule's offer follows what the
        matched rules pay), CNY.
    applied : ndarray (D, C, R)
        What each rule pays in the allocation that leaves the smallest gap, the rules' order
        breaking ties (see the module docstring), CNY.
    unfunded : ndarray (D, C, I)
        Cost of each item that no rule covers, CNY. Its sum over items is the funding gap.
    by_item : ndarray (D, C, R, I)
        What each rule pays for each item, CNY: a rule's payment to a class of items of equal
        eligibility falls on the class's items in proportion to their cost (as the unfunded
        part does), so ``Σ_i by_item[..., r, i] = applied[..., r]`` to rounding.

    ``offered``, ``applied`` and ``by_item`` are views of arrays laid out rule by rule (and
    item by item), the cases last: a rule's values (on an item) are contiguous over the draws.
    """

    offered: np.ndarray
    applied: np.ndarray
    unfunded: np.ndarray
    by_item: np.ndarray


@dataclass(frozen=True)
class _Rules:
    """Per-draw terms of the offers: ``offer_r = min(cap_r, base_r + gain_r × Σ_{M_r} a_s)``.

    ``base`` is ``(R, n)``: the draw axis last, so that each rule's row is contiguous; ``gain``
    and ``cap`` hold one row per rule, ``(n,)`` or ``(1,)`` where it is the same in every case
    (:meth:`at` reads either). ``capped`` tells the rules with a finite cap in some case
    (without, the cap is skipped: ``min(o, inf)`` is ``o``).
    """

    base: np.ndarray            # uptake × (amount + per household + per m² + share), CNY
    gain: list[np.ndarray]      # uptake × match_ratio (0 for rules that match nothing)
    cap: list[np.ndarray]       # cap, CNY (inf where none)
    matched: list[list[int]]
    capped: list[bool]

    @staticmethod
    def at(row: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """A row's values in the cases ``idx`` (a row of size 1 as it is: it broadcasts)."""
        return row if row.size == 1 else row[idx]

    def offer(self, r: int, applied: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Offer of rule r ``(n,)`` into ``out``, given the amounts ``applied (R, n)`` of the
        earlier rules."""
        o = out
        o[:] = self.base[r]
        if self.matched[r]:
            got = applied[self.matched[r][0]].copy()
            for s in self.matched[r][1:]:
                got += applied[s]
            got *= self.gain[r]
            o += got
        if self.capped[r]:
            np.minimum(o, self.cap[r], out=o)
        return o


def _rule_terms(rules: RuleInputs, compounds: CompoundInputs, item_cost: np.ndarray,
                quantity: np.ndarray | None, draws: int) -> _Rules:
    """The offers' terms on the case axis (draw × compound flattened, ``n = D·C``); item costs
    ``item_cost`` are ``(I, n)``.

    Each term is computed at the size of its inputs — a rule's constants at size 1 — and
    broadcast where it meets a per-case one, so every case gets the same operations in the
    same order as on full rows. A per-unit or share term whose coefficient is 0 in every case
    adds 0 (quantities and costs are finite) and is skipped."""
    n = item_cost.shape[1]
    n_compounds = len(compounds.names)

    def cases(a: np.ndarray) -> np.ndarray:  # (D|1, C|1) → (n,), or (1,) if constant
        a = np.asarray(a, dtype=float)
        if a.size == 1:
            return a.reshape(1)
        return np.broadcast_to(a, (draws, n_compounds)).reshape(n)

    households, area = cases(compounds.households), cases(compounds.floor_area_m2)
    n_rules = len(rules.labels)
    base = np.empty((n_rules, n))
    gain, cap, capped = [], [], []
    for r in range(n_rules):
        b = 0.0 + cases(rules.amount[..., r])
        b = b + cases(rules.per_household[..., r]) * households
        b = b + cases(rules.per_m2[..., r]) * area
        per_unit = cases(rules.per_unit[..., r])
        if per_unit.any():
            if quantity is None:
                raise ModelError("a rule pays per unit: give the items' quantities")
            units = np.broadcast_to(quantity, (draws, n_compounds, quantity.shape[-1]))
            b = b + per_unit * row_sum(units.reshape(n, -1)[:, rules.eligible[r]])
        share = cases(rules.share[..., r])
        if share.any():
            b = b + share * _item_sum(item_cost, np.flatnonzero(rules.eligible[r]))
        np.multiply(b, cases(rules.uptake[..., r]), out=base[r])
        cap.append(np.minimum(cases(rules.cap[..., r]),
                              cases(rules.cap_per_household[..., r]) * households))
        capped.append(not np.isposinf(cap[r]).all())
        gain.append(cases(rules.match_ratio[..., r]) * cases(rules.uptake[..., r])
                    if rules.matched[r] else np.zeros(1))
    return _Rules(base, gain, cap, [list(m) for m in rules.matched], capped)


def _item_sum(item_cost: np.ndarray, items, out: np.ndarray | None = None) -> np.ndarray:
    """Σ of the rows ``items`` of ``item_cost (I, n)``, added in order from the first: the
    bits of :func:`~fundmodel.engine.arrays.row_sum` over those items' columns."""
    if out is None:
        out = np.empty(item_cost.shape[1])
    if len(items) == 0:
        out[:] = 0.0
        return out
    out[:] = item_cost[items[0]]
    for i in items[1:]:
        out += item_cost[i]
    return out


def apply_funding(rules: RuleInputs, compounds: CompoundInputs, costs: np.ndarray,
                  quantity: np.ndarray | None = None) -> FundingOutcome:
    """Share the item costs among the funding rules: smallest gap, then the rules' order.

    ``applied`` is the lexicographic optimum of the linear programme in the module docstring:
    the largest total the offers allow, then each rule in turn as much as it can. Fields a
    rule does not have count as 0, a missing uptake as 1 and a missing cap as no cap.
    Σ applied + Σ unfunded = Σ costs (to rounding) in every draw; results of a draw do not
    depend on the other draws computed with it.

    Parameters
    ----------
    rules : RuleInputs
        The funding rules' terms.
    compounds : CompoundInputs
        Households and floor areas.
    costs : ndarray (D, C, I)
        Item costs from :func:`fundmodel.engine.capital.item_costs`, CNY.
    quantity : ndarray (D|1, C|1, I), optional
        The items' quantities, for rules that pay per unit.

    Returns
    -------
    FundingOutcome
        Arrays on the axes ``(D, C, R)``, ``(D, C, I)`` and ``(D, C, R, I)``.
    """
    costs = np.asarray(costs, dtype=float)
    draws, n_compounds, n_items = costs.shape
    costs = costs.reshape(draws * n_compounds, n_items)   # cases: draws × compounds
    n = costs.shape[0]
    item_cost = costs.T.copy()                  # (I, n): an item's costs contiguous (ours)
    eligible = rules.eligible
    n_rules = eligible.shape[0]
    terms = _rule_terms(rules, compounds, item_cost, quantity, draws)
    total = row_sum(item_cost.T)

    # classes: items of equal eligibility (items no rule may pay stay out, fully unfunded)
    groups: dict[tuple[bool, ...], list[int]] = {}
    for i in range(n_items):
        sig = tuple(bool(v) for v in eligible[:, i])
        if any(sig):
            groups.setdefault(sig, []).append(i)
    classes = list(groups.values())
    n_classes = len(classes)
    pays = np.array([[eligible[r, cl[0]] for cl in classes] for r in range(n_rules)],
                    dtype=bool).reshape(n_rules, n_classes)          # rule r may pay class k
    class_cost = np.zeros((n_classes, n))
    for k, cl in enumerate(classes):
        _item_sum(item_cost, cl, out=class_cost[k])

    flow = np.zeros((n_rules, n_classes, n))                        # CNY of rule r on class k
    certified = np.zeros(n, dtype=bool)              # draws the closed form has solved
    if n_classes <= MAX_CLASSES:
        subsets = _Subsets(pays)
        scratch = np.empty((subsets.size, n))
        amounts, certified = _greedy(terms, subsets, class_cost, scratch)
        _greedy_flow(subsets, class_cost, amounts, flow, scratch)
    else:
        log.debug("funding: %d eligibility classes > %d, every draw by the simplex",
                  n_classes, MAX_CLASSES)
    if n_classes and not certified.all():
        idx = np.flatnonzero(~certified)
        flow[:, :, idx] = _simplex_flow(terms, pays, class_cost[:, idx], total[idx], idx)

    # what each rule pays is its flow, to the bit (a rule's flow on a class it may not pay
    # is +0 and adds nothing)
    applied = np.zeros((n_rules, n))
    left = class_cost.copy()                  # unfunded cost of each class
    for r in range(n_rules):
        for k in np.flatnonzero(pays[r]):
            applied[r] += flow[r, k]
            left[k] -= flow[r, k]
    offered = np.empty((n_rules, n))
    for r in range(n_rules):
        terms.offer(r, applied, out=offered[r])

    # a remainder of rounding size is no gap
    np.copyto(left, 0.0, where=left <= ROUNDING * total)
    unfunded = item_cost                      # (I, n), the items of no class as they cost
    by_item = np.zeros((n_rules, n_items, n))          # (R, I, n); entries of no flow stay 0
    part, weight = np.empty(n), np.empty(n)
    for k, cl in enumerate(classes):
        payers = np.flatnonzero(pays[:, k])
        if len(cl) == 1:
            unfunded[cl[0]] = left[k]
            by_item[payers, cl[0]] = flow[payers, k]
            continue
        some = class_cost[k] > 0
        part[:] = 0.0
        np.divide(left[k], class_cost[k], out=part, where=some)
        weight[:] = 0.0
        for i in cl:
            np.divide(item_cost[i], class_cost[k], out=weight, where=some)  # its part of k
            for r in payers:
                np.multiply(flow[r, k], weight, out=by_item[r, i])
            unfunded[i] *= part
    cases = (draws, n_compounds)
    return FundingOutcome(offered.T.reshape(cases + (n_rules,)),
                          applied.T.reshape(cases + (n_rules,)),
                          np.ascontiguousarray(unfunded.T).reshape(cases + (n_items,)),
                          by_item.transpose(2, 0, 1).reshape(cases + (n_rules, n_items)))


class _Subsets:
    """The sets T of classes (bit k of T's index = class k) and what they touch.

    ``closed`` are the sets that hold, with a class k, every class j whose paying rules all pay
    k (the least cut is at one of them, :func:`_greedy`): with nested rules, few of the 2^K.
    """

    def __init__(self, pays: np.ndarray):
        n_rules, n_classes = pays.shape
        self.size = 2 ** n_classes
        index = np.arange(self.size)
        member = np.array([(index >> k) & 1 for k in range(n_classes)], dtype=bool)
        member = member.reshape(n_classes, self.size)
        self.pays = pays
        touches = (pays.astype(int) @ member.astype(int)) > 0
        self.touch = touches                                                     # E_r ∩ T ≠ ∅
        self.member = member                                                     # k ∈ T
        self.inside = (pays.astype(int) @ (~member).astype(int)) == 0            # E_r ⊆ T
        # T closed: with a class k it holds every class j that only rules paying k may pay
        closed = np.ones(self.size, dtype=bool)
        for k in range(n_classes):
            for j in range(n_classes):
                if j != k and (pays[:, k] >= pays[:, j]).all():
                    closed &= ~member[k] | member[j]
        self.closed = np.flatnonzero(closed)

    def room_sets(self, r: int, k: int, before: list[int], pruned: bool) -> np.ndarray:
        """The sets T ∋ k whose slack may bound rule r on class k (:func:`_greedy_flow`): all
        of them, or, ``pruned``, those whose other classes each lie in some ``E_s ⊆ T`` of a
        later rule s or are among the classes ``before`` that rule r has already paid."""
        sets = self.member[k].copy()
        if pruned:
            covered = (self.pays[r + 1:, :, None] & self.inside[r + 1:, None, :]).any(axis=0)
            for j in range(self.member.shape[0]):
                if j != k and j not in before:
                    sets &= ~self.member[j] | covered[j]
        return np.flatnonzero(sets)

    def outside_cost(self, class_cost: np.ndarray, sets: np.ndarray, out: np.ndarray
                     ) -> np.ndarray:
        """``out[i] = Σ_{k∉T} C_k`` for the sets ``T = sets[i]`` (increasing), from 0 with the
        classes in order: the row of T is that of T with its last missing class k, plus ``C_k``,
        where that set is among ``sets``."""
        at = {t: i for i, t in enumerate(sets)}
        for i in range(len(sets) - 1, -1, -1):               # a set after its supersets
            t = int(sets[i])
            missing = (self.size - 1) ^ t
            if not missing:
                out[i] = 0.0
                continue
            k = missing.bit_length() - 1                      # T's last missing class
            if t + (1 << k) in at:
                np.add(out[at[t + (1 << k)]], class_cost[k], out=out[i])
            else:
                out[i] = 0.0
                for c in np.flatnonzero(~self.member[:, t]):
                    out[i] += class_cost[c]
        return out[:len(sets)]


def _greedy(rules: _Rules, subsets: _Subsets, class_cost: np.ndarray, scratch: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Greedy amounts ``F(1..r) − F(1..r−1)`` ``(R, n)`` and the draws where they are certified
    optimal ``(n,)`` (every offer at its upper bound over all feasible allocations); the cuts
    are computed in ``scratch (2^K, n)``.

    With class costs ≥ 0 the least cut is sought among the closed sets T only (see
    :class:`_Subsets`): adding to T a class j that only rules paying a class of T may pay adds
    no rule and takes ``C_j ≥ 0`` out of the sum, and sums of numbers ≥ 0 in floating point
    grow with their terms, so the least cut, to the bit, is at a closed set.
    """
    sets = subsets.closed if (class_cost >= 0).all() else np.arange(subsets.size)
    outside = subsets.outside_cost(class_cost, sets, scratch)
    touch = subsets.touch[:, sets]                                  # (R, sets)
    n_rules = subsets.pays.shape[0]
    n = class_cost.shape[1]

    # the bounds that the certificate reads: of the match rules and of the rules they match
    bounded = {r for r in range(n_rules) if rules.matched[r]}
    bounded |= {s for r in bounded for s in rules.matched[r]}
    bound = np.zeros((n_rules, n))
    least, cut_t = np.empty(n), np.empty(n)
    for r in sorted(bounded):
        b = bound[r]
        b[:] = rules.base[r]
        if rules.matched[r]:          # F̄(M_r): the least cut, one set T at a time
            for t in range(len(sets)):
                cut_t[:] = outside[t]
                for s in rules.matched[r]:
                    if touch[s, t]:
                        cut_t += bound[s]
                if t:
                    np.minimum(least, cut_t, out=least)
                else:
                    least[:] = cut_t
            least *= rules.gain[r]
            b += least
        if rules.capped[r]:
            np.minimum(b, rules.cap[r], out=b)

    amounts = np.zeros((n_rules, n))
    cut = outside
    flow_before, flow_now, offer = cut.min(axis=0), np.empty(n), np.empty(n)
    certified = np.ones(n, dtype=bool)
    for r in range(n_rules):
        rules.offer(r, amounts, out=offer)
        if rules.matched[r]:
            certified &= offer >= bound[r] * (1.0 - _CERT_REL)
        for t in np.flatnonzero(touch[r]):
            cut[t] += offer
        np.min(cut, axis=0, out=flow_now)
        np.subtract(flow_now, flow_before, out=amounts[r])
        flow_before, flow_now = flow_now, flow_before
    return amounts, certified


def _greedy_flow(subsets: _Subsets, class_cost: np.ndarray, amounts: np.ndarray,
                 flow: np.ndarray, scratch: np.ndarray) -> None:
    """Fill ``flow (R, K, n)`` with a class allocation paying exactly ``amounts (R, n)``;
    ``scratch (2^K, n)`` holds the slacks.

    Rule r in order takes from each of its classes, those fewer later rules may pay first, as
    much as keeps every later rule able to place its amount: for every class set T,
    ``x_r(T) ≤ C'(T) − Σ_{s>r, E_s⊆T} a_s`` (Hall's condition for the later rules). These
    bounds form a polymatroid, so this greedy filling places all of ``a_r``.

    The room of class k is the least slack of the sets T ∋ k. With costs and amounts finite
    and ≥ 0 only the sets whose other classes each lie in some ``E_s ⊆ T`` (s > r) or were
    paid by rule r before k are read: taking the other classes out of T leaves the same
    ``E_s ⊆ T``, the same payments of rule r taken off and a smaller sum of costs ≥ 0
    (floating-point sums grow with their terms), so the least slack is among them, to the
    bit. Each slack is computed as on all sets: ``C'`` over T's classes in order from 0, the
    later amounts in order, then rule r's payments to T's classes in the order paid.
    """
    pays = subsets.pays
    n_rules, n_classes = pays.shape
    pruned = bool(np.isfinite(class_cost).all() and (class_cost >= 0).all()
                  and np.isfinite(amounts).all() and (amounts >= 0).all())
    left = class_cost.copy()
    rest = np.empty(class_cost.shape[1])
    for r in range(n_rules):
        later = pays[r + 1:].sum(axis=0)
        order = sorted(np.flatnonzero(pays[r]), key=lambda k: (later[k], k))
        if not order:                                            # a rule that may pay nothing
            continue
        sets = [subsets.room_sets(r, k, order[:j], pruned) for j, k in enumerate(order)]
        rows = np.unique(np.concatenate(sets))                   # the sets whose slack is read
        slack = scratch[:len(rows)]
        at = {t: i for i, t in enumerate(rows)}
        for i, t in enumerate(rows):                             # C'(T) − Σ_{s>r, E_s⊆T} a_s
            last = int(t).bit_length() - 1                       # T's last class
            if t and t - (1 << last) in at:                      # T less it, + it
                np.add(slack[at[t - (1 << last)]], left[last], out=slack[i])
            else:
                slack[i] = 0.0
                for c in np.flatnonzero(subsets.member[:, t]):
                    slack[i] += left[c]
        for i, t in enumerate(rows):
            for s in range(r + 1, n_rules):
                if subsets.inside[s, t]:
                    slack[i] -= amounts[s]
        rest[:] = amounts[r]
        for j, k in enumerate(order):
            x = flow[r, k]
            read = np.searchsorted(rows, sets[j])
            x[:] = slack[read[0]]
            for i in read[1:]:
                np.minimum(x, slack[i], out=x)     # the room of class k (min is exact)
            np.minimum(rest, x, out=x)
            np.maximum(x, 0.0, out=x)              # np.clip(x, 0.0, None)
            left[k] -= x
            if j < len(order) - 1:                 # what the rule's next classes read
                for i in np.flatnonzero(subsets.member[k, rows]):
                    slack[i] -= x
                rest -= x


def _simplex_flow(rules: _Rules, pays: np.ndarray, class_cost: np.ndarray,
                  total: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Lexicographic optimum (total, then rule 1, rule 2, ...) by a simplex batched over the
    draws ``idx`` (class costs ``(K, m)``); returns the class flow ``(R, K, m)``, CNY.

    Variables: the flow on every edge rule → class. Rows (all ``≤`` with right-hand side ≥ 0,
    so the slack basis is feasible): class costs; each plain rule's offer; each match rule's
    ``a_m − gain_m Σ_{M_m} a_s ≤ base_m`` and ``a_m ≤ cap_m``. Amounts are divided by the draw's
    total cost. The entering column is the first whose reduced costs, read in the order of the
    objectives, are lexicographically positive, the leaving row the first basic variable among
    the smallest ratios (Bland's rule: no cycling).
    """
    n_rules, n_classes = pays.shape
    m = len(idx)
    edges = [(r, k) for r in range(n_rules) for k in range(n_classes) if pays[r, k]]
    n_var = len(edges)
    scale = np.where(total > 0, total, 1.0)
    rows: list[tuple[np.ndarray, np.ndarray]] = []          # (coefficients (m, n_var), rhs (m,))

    def rule_row(r: int) -> np.ndarray:
        return np.array([1.0 if e[0] == r else 0.0 for e in edges])

    for k in range(n_classes):
        coef = np.array([1.0 if e[1] == k else 0.0 for e in edges])
        rows.append((np.broadcast_to(coef, (m, n_var)), class_cost[k] / scale))
    for r in range(n_rules):
        cap = np.minimum(rules.at(rules.cap[r], idx), total)
        if not rules.matched[r]:
            rhs = np.minimum(rules.base[r, idx], cap)
            rows.append((np.broadcast_to(rule_row(r), (m, n_var)), rhs / scale))
            continue
        coef = np.broadcast_to(rule_row(r), (m, n_var)).copy()
        for s in rules.matched[r]:
            coef -= rules.at(rules.gain[r], idx)[:, None] * rule_row(s)
        rows.append((coef, rules.base[r, idx] / scale))
        rows.append((np.broadcast_to(rule_row(r), (m, n_var)), cap / scale))
    n_row = len(rows)
    n_obj = 1 + n_rules
    n_col = n_var + n_row
    tab = np.zeros((m, n_row + n_obj, n_col + 1))
    for i, (coef, rhs) in enumerate(rows):
        tab[:, i, :n_var] = coef
        tab[:, i, n_var + i] = 1.0
        tab[:, i, -1] = rhs
    tab[:, n_row, :n_var] = 1.0                               # objective 0: the total
    for r in range(n_rules):
        tab[:, n_row + 1 + r, :n_var] = rule_row(r)          # objective 1 + r: rule r
    basis = np.tile(np.arange(n_var, n_col), (m, 1))

    active = np.arange(m)
    for _ in range(50 * (n_row + n_col)):
        if active.size == 0:
            break
        t = tab[active]
        improving = np.zeros((active.size, n_col), dtype=bool)
        decided = np.zeros((active.size, n_col), dtype=bool)
        for j in range(n_obj):
            z = t[:, n_row + j, :n_col]
            improving |= ~decided & (z > _TOL)
            decided |= np.abs(z) > _TOL
        more = improving.any(axis=1)
        t, rows_active = t[more], active[more]
        if rows_active.size == 0:
            active = rows_active
            break
        q = np.argmax(improving[more], axis=1)
        a = np.arange(rows_active.size)
        col = t[a, :n_row, q]
        ratio = np.full(col.shape, np.inf)
        np.divide(t[:, :n_row, -1], col, out=ratio, where=col > _TOL)
        best = ratio.min(axis=1)
        if not np.isfinite(best).all():
            raise ModelError("funding allocation: unbounded linear programme (internal error)")
        tied = ratio <= best[:, None] + _TOL * 1e-3
        p = np.argmin(np.where(tied, basis[rows_active], n_col), axis=1)
        pivot_row = t[a, p, :] / t[a, p, q][:, None]
        column = t[a, :, q].copy()
        t -= column[:, :, None] * pivot_row[:, None, :]
        t[a, p, :] = pivot_row
        tab[rows_active] = t
        basis[rows_active, p] = q
        active = rows_active
    else:
        raise ModelError("funding allocation: simplex did not converge (internal error)")

    x = np.zeros((m, n_col))
    np.put_along_axis(x, basis, tab[:, :n_row, -1], axis=1)
    x = np.clip(x[:, :n_var], 0.0, None) * scale[:, None]
    flow = np.zeros((n_rules, n_classes, m))
    for j, (r, k) in enumerate(edges):
        flow[r, k] = x[:, j]
    return flow
