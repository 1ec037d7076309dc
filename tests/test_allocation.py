"""The funding allocation: the smallest gap the offers allow, the rules' order as priority.

The reference is an independent linear programme over every (rule, item) pair solved by
``scipy.optimize.linprog``: maximise the total, then, with the total fixed, rule 1, then rule 2,
... (a match rule gets the linear constraint ``applied ≤ uptake × (base + ratio × applied of the
matched rules)``). The hand examples are worked out in the comments.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from fundmodel import Scenario, evaluate
from fundmodel.engine import funding as funding_module
from fundmodel.engine.funding import FundingOutcome, apply_funding
from fundmodel.engine.model_inputs import CompoundInputs
from fundmodel.inputs import compile_inputs

HOUSEHOLDS = 10
AREA_M2 = 100.0
TIERS = ["basic", "complete", "upgrade"]
HIGHS_TOLERANCES = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def scenario_dict(items: list[dict], rules: list[dict]) -> dict:
    return {
        "name": "alloc", "start_year": 2025, "horizon_years": 1, "discount_rate": 0.0,
        "inflation": 0.0,
        "compound": {"name": "c", "households": HOUSEHOLDS, "floor_area_m2": AREA_M2},
        "renovation": {"contingency": 0.0, "items": items},
        "funding": rules,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}, "costs": []},
    }


# ------------------------------------------------------------------ independent reference
def reference(d: dict, costs: np.ndarray) -> tuple[float, np.ndarray]:
    """(gap, amounts) of the lexicographic optimum, by sequential linear programmes."""
    items, rules = d["renovation"]["items"], d["funding"]
    scale = float(costs.sum()) or 1.0
    c = costs / scale
    elig = [[(r.get("items") is None or it["name"] in r["items"])
             and (r.get("tiers") is None or it["tier"] in r["tiers"]) for it in items]
            for r in rules]
    pairs = [(r, i) for r in range(len(rules)) for i in range(len(items)) if elig[r][i]]
    if not pairs:
        return float(costs.sum()), np.zeros(len(rules))

    def amount_of(r):
        return np.array([1.0 if p[0] == r else 0.0 for p in pairs])

    a_ub, b_ub = [], []
    for i in range(len(items)):
        a_ub.append([1.0 if p[1] == i else 0.0 for p in pairs])
        b_ub.append(c[i])
    for r, rule in enumerate(rules):
        uptake = rule.get("uptake", 1.0)
        share = rule.get("share", 1.0 if rule["source"] == "utility_companies" else 0.0)
        base = (rule.get("amount", 0.0) + rule.get("per_household", 0.0) * HOUSEHOLDS
                + rule.get("per_m2", 0.0) * AREA_M2) / scale
        base += share * sum(c[i] for i in range(len(items)) if elig[r][i])
        base *= uptake
        row = amount_of(r)
        if "match_ratio" in rule:
            for s in range(r):
                if rules[s]["source"] in rule["match_of"]:
                    row = row - uptake * rule["match_ratio"] * amount_of(s)
        a_ub.append(row)
        b_ub.append(base)
        if "cap" in rule:
            a_ub.append(amount_of(r))
            b_ub.append(rule["cap"] / scale)
    a_ub, b_ub = np.array(a_ub), np.array(b_ub)
    objectives = [np.ones(len(pairs))] + [amount_of(r) for r in range(len(rules))]
    fixed_a, fixed_b, values = [], [], []
    for obj in objectives:
        res = linprog(-obj, A_ub=np.vstack([a_ub, *fixed_a]) if fixed_a else a_ub,
                      b_ub=np.concatenate([b_ub, fixed_b]), bounds=(0, None),
                      method="highs-ds", options=HIGHS_TOLERANCES)
        assert res.status == 0, res.message
        values.append(-res.fun)
        fixed_a.append(-obj[None, :])
        fixed_b.append(res.fun + 1e-11)       # keep this objective at its optimum
    return float(costs.sum()) - values[0] * scale, np.array(values[1:]) * scale


def hall_feasible(eligible: np.ndarray, amounts: np.ndarray, paid: np.ndarray,
                  tol: float) -> bool:
    """Is there a flow rule → eligible item paying ``amounts`` and covering ``paid``? By Hall:
    Σ amounts = Σ paid and every set S of rules pays at most what its items received."""
    if abs(amounts.sum() - paid.sum()) > tol:
        return False
    for size in range(1, len(amounts) + 1):
        for s in itertools.combinations(range(len(amounts)), size):
            reach = eligible[list(s)].any(axis=0)
            if amounts[list(s)].sum() > paid[reach].sum() + tol:
                return False
    return True


# ------------------------------------------------------------------ random cases
# CNY to the cent (values far below the others' rounding would test the reference's tolerances)
money = st.one_of(st.just(0.0), st.integers(0, 150).map(float),
                  st.floats(0, 150, allow_nan=False).map(lambda v: round(v, 2)))


@st.composite
def cases(draw, n_costs: int = 3):
    n_items = draw(st.integers(1, 5))
    items = [{"name": f"i{i}", "tier": draw(st.sampled_from(TIERS)), "quantity": 1.0,
              "unit_cost": 1.0} for i in range(n_items)]
    names = [it["name"] for it in items]
    rules: list[dict] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["central_subsidy", "local_budget", "utility_companies",
                                     "residents", "donations", "programme_funds"]))
        rule: dict = {"source": kind}
        earlier = sorted({r["source"] for r in rules})
        if kind == "local_budget" and earlier and draw(st.booleans()):
            rule["match_ratio"] = draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, 2.0]))
            rule["match_of"] = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
            if draw(st.booleans()):
                rule["amount"] = draw(money)
        elif kind == "central_subsidy":
            rule["per_household"] = draw(money) / HOUSEHOLDS
            if draw(st.booleans()):
                rule["share"] = draw(st.floats(0, 1))
        elif kind == "utility_companies":
            rule["items"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
            rule["share"] = draw(st.sampled_from([1.0, 0.5, 0.0]))
        elif kind == "residents":
            rule["per_m2"] = draw(money) / AREA_M2
            rule["uptake"] = draw(st.sampled_from([1.0, 0.8, 0.0]))
        else:
            rule["amount"] = draw(money)
        if draw(st.integers(0, 3)) == 0:
            rule["cap"] = draw(money)
        if kind != "utility_companies" and draw(st.booleans()):
            rule["items"] = draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
        if draw(st.integers(0, 3)) == 0:
            tiers = set(draw(st.lists(st.sampled_from(TIERS), min_size=1, unique=True)))
            if "items" in rule:   # the scenario asks some named item to be of those tiers
                tiers.add(items[names.index(draw(st.sampled_from(rule["items"])))]["tier"])
            rule["tiers"] = sorted(tiers)
        rules.append(rule)
    costs = np.array([[draw(money) for _ in range(n_items)] for _ in range(n_costs)])
    return scenario_dict(items, rules), costs


def allocate(d: dict, costs: np.ndarray) -> FundingOutcome:
    """The engine's allocation of ``costs (n, items)`` among the rules of ``d``, one compound:
    arrays ``(n, R)`` and ``(n, items)``."""
    costs = np.atleast_2d(costs)
    inputs = compile_inputs(Scenario.model_validate(d), costs.shape[0])
    out = apply_funding(inputs.rules, inputs.compounds, costs[:, None, :])
    return FundingOutcome(out.offered[:, 0], out.applied[:, 0], out.unfunded[:, 0],
                          out.by_item[:, 0])


def check_against_reference(d: dict, costs: np.ndarray) -> None:
    out = allocate(d, costs)
    eligible = compile_inputs(Scenario.model_validate(d), 1).rules.eligible
    for row in range(costs.shape[0]):
        cost = costs[row]
        total = float(cost.sum())
        tol = 1e-9 * total
        gap_ref, amounts_ref = reference(d, cost)
        applied, unfunded, offered = out.applied[row], out.unfunded[row], out.offered[row]
        gap = float(unfunded.sum())
        assert gap == pytest.approx(gap_ref, abs=tol)                  # smallest gap
        np.testing.assert_allclose(applied, amounts_ref, rtol=0, atol=tol)  # order as priority
        assert applied.sum() + gap == pytest.approx(total, abs=tol)
        assert (applied >= 0).all() and (applied <= offered + tol).all()
        assert (unfunded >= 0).all() and (unfunded <= cost + tol).all()
        assert hall_feasible(eligible, applied, cost - unfunded, tol)
        # the flow by item: each rule on its eligible items only, its payment in all, and
        # each item paid by the rules and left unfunded exactly as it costs
        by_item = out.by_item[row]
        assert (by_item >= 0).all() and (by_item[~eligible] == 0).all()
        np.testing.assert_allclose(by_item.sum(axis=1), applied, rtol=0, atol=tol)
        np.testing.assert_allclose(by_item.sum(axis=0) + unfunded, cost, rtol=0, atol=tol)


settings_many = settings(max_examples=400, deadline=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow])


@settings_many
@given(cases())
def test_gap_and_order_equal_the_linear_programme(case):
    # 400 scenarios × 3 cost vectors: 1,200 cases, match rules included
    check_against_reference(*case)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases(n_costs=2))
def test_simplex_path_alone_equals_the_linear_programme(case):
    # every draw by the batched simplex (as with more than MAX_CLASSES classes)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(funding_module, "MAX_CLASSES", 0)
        check_against_reference(*case)


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases(n_costs=2), st.data())
def test_a_zero_offer_rule_changes_nothing(case, data):
    d, costs = case
    before = allocate(d, costs)
    names = [it["name"] for it in d["renovation"]["items"]]
    kind = data.draw(st.sampled_from(["central_subsidy", "donations", "residents",
                                      "local_budget", "programme_funds"]))
    zero: dict = {"source": kind, "cap": 0.0}
    zero.update({"central_subsidy": {"per_household": 50.0}, "residents": {"per_m2": 1.0},
                 }.get(kind, {"amount": 1000.0}))
    if data.draw(st.booleans()):
        zero["items"] = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    at = data.draw(st.integers(0, len(d["funding"])))
    d2 = {**d, "funding": d["funding"][:at] + [zero] + d["funding"][at:]}
    after = allocate(d2, costs)
    tol = 1e-9 * costs.sum(axis=1)
    assert (after.applied[:, at] == 0).all()
    others = np.delete(after.applied, at, axis=1)
    assert (np.abs(others - before.applied) <= tol[:, None]).all()
    assert (np.abs(after.unfunded.sum(axis=1) - before.unfunded.sum(axis=1)) <= tol).all()


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases(n_costs=12))
def test_bit_identical_whatever_the_draws_computed_together(case):
    d, costs = case
    together = allocate(d, costs)
    for lo, hi in [(0, 1), (1, 5), (5, 12), (3, 4)]:
        part = allocate(d, costs[lo:hi])
        for name in ("offered", "applied", "unfunded", "by_item"):
            assert np.array_equal(getattr(part, name), getattr(together, name)[lo:hi])


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases(n_costs=6), st.data())
def test_terms_at_size_one_give_the_bits_of_terms_given_per_case(case, data):
    # The engine computes a rule's terms at the size they are given — constants (1, 1, R)
    # once, terms by compound (1, C, R), by draw (D, 1, R) — and broadcasts them; given the
    # same values as full arrays (D, C, R), every draw of every compound must get the same
    # bits, on the closed form and on the simplex. Two compounds of their own size.
    d, costs = case
    rules = compile_inputs(Scenario.model_validate(d), costs.shape[0]).rules
    draws, n_rules = costs.shape[0], len(rules.labels)
    compounds = CompoundInputs(("a", "b"), np.array([10.0, 37.0]), np.array([100.0, 2_950.5]),
                               np.array([100.0, 2_950.5]))
    costs = np.stack([costs, costs[::-1] * 1.7], axis=1)                      # (D, 2, I)
    fields = ("amount", "per_household", "per_m2", "per_unit", "share", "uptake",
              "match_ratio", "cap", "cap_per_household")
    varied = {}
    for name in data.draw(st.lists(st.sampled_from(["uptake", "amount", "cap"]), unique=True)):
        shape = data.draw(st.sampled_from([(draws, 1, n_rules), (1, 2, n_rules),
                                           (draws, 2, n_rules)]))
        values = st.floats(0, 1) if name == "uptake" else money
        size = int(np.prod(shape))
        varied[name] = np.array(data.draw(st.lists(values, min_size=size, max_size=size))
                                ).reshape(shape)
    given_as = replace(rules, **varied)
    full = replace(given_as, **{name: np.ascontiguousarray(np.broadcast_to(
        getattr(given_as, name), (draws, 2, n_rules))) for name in fields})
    for max_classes in (funding_module.MAX_CLASSES, 0):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(funding_module, "MAX_CLASSES", max_classes)
            a = apply_funding(given_as, compounds, costs)
            b = apply_funding(full, compounds, costs)
        for name in ("offered", "applied", "unfunded", "by_item"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name


class _EverySet(funding_module._Subsets):
    """The class sets of the closed form with every set tried: for the least cut, and for the
    least slack of a class in the flow."""

    def __init__(self, pays):
        super().__init__(pays)
        self.closed = np.arange(self.size)

    def room_sets(self, r, k, before, pruned):
        return super().room_sets(r, k, before, False)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases(n_costs=6))
def test_the_sets_tried_give_the_bits_of_all_sets(case):
    # The closed form seeks the least cut only among the sets of classes T that hold, with a
    # class k, every class whose paying rules all pay k (adding such a class to T adds no
    # rule and takes a cost ≥ 0 out of the sum); the flow seeks a class's room only among the
    # sets whose other classes a later rule's classes in T cover or the rule paid before.
    # Trying all 2^K sets gives the same bits.
    d, costs = case
    fast = allocate(d, costs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(funding_module, "_Subsets", _EverySet)
        every = allocate(d, costs)
    for name in ("offered", "applied", "unfunded", "by_item"):
        assert np.array_equal(getattr(fast, name), getattr(every, name)), name


def test_nested_rules_leave_few_closed_sets():
    # Rules paying (by class) A B C, A B, A; and D alone. C's payers (the first rule) all pay
    # B and A, B's payers (the first two) all pay A: a closed set with A holds B and C, one
    # with B holds C. D's payer pays nothing else. Closed: {}, {C}, {B C}, {A B C}, each with
    # or without D: 8 of the 16 sets.
    pays = np.array([[1, 1, 1, 0],      # rule on A B C
                     [1, 1, 0, 0],      # rule on A B
                     [1, 0, 0, 0],      # rule on A
                     [0, 0, 0, 1]],     # rule on D
                    dtype=bool)
    closed = funding_module._Subsets(pays).closed
    a, b, c, dd = 1, 2, 4, 8            # bit k of a set's index = class k
    expected = [t + extra for t in (0, c, b + c, a + b + c) for extra in (0, dd)]
    assert sorted(closed.tolist()) == sorted(expected)


def test_the_costs_given_are_left_as_they_are():
    # the allocation works on its own copy of the costs, even where the costs' transpose is
    # already laid out as it needs (one item): the caller's unfunded costs stay its own
    d = scenario_dict(hand_items(A=100), [{"source": "donations", "amount": 30}])
    inputs = compile_inputs(Scenario.model_validate(d), 3)
    costs = np.array([[[100.0]], [[50.0]], [[20.0]]])
    kept = costs.copy()
    out = apply_funding(inputs.rules, inputs.compounds, costs)
    assert np.array_equal(costs, kept)
    # 30 donated of each draw's cost: 100 − 30, 50 − 30, and 20 paid in full
    np.testing.assert_array_equal(out.unfunded[:, 0, 0], [70.0, 20.0, 0.0])
    np.testing.assert_array_equal(out.by_item[:, 0, 0, 0], [30.0, 30.0, 20.0])


# ------------------------------------------------------------------ worked examples
def hand_items(**cost: float) -> list[dict]:
    tiers = {"water": "basic", "roof": "basic", "A": "basic", "B": "upgrade"}
    return [{"name": k, "tier": tiers[k], "quantity": 1.0, "unit_cost": v}
            for k, v in cost.items()]


def funding_of(d: dict):
    f = evaluate(Scenario.model_validate(d)).funding()
    return f["amount"].to_dict()


def test_issue_example_central_first_no_longer_takes_the_utilitys_pipes():
    # water pipes 60,000, roof 100,000 (both basic). Rules in this order:
    #   central subsidy 1,000 × 100 households = 100,000 for basic items,
    #   residents 10,000 (roof), donations 10,000 (roof), water company: the pipes (60,000).
    # Old waterfall: the central money went to the pipes first (one later rule may pay them,
    # two may pay the roof): 60,000 on pipes + 40,000 on the roof; residents and donors pay
    # 20,000 of the roof; the water company finds nothing left → gap 40,000.
    # Now: the offers (200,000 in all) can pay all 160,000 → gap 0. By priority the central
    # subsidy pays its whole 100,000; then the residents their 10,000 and the donors their
    # 10,000 (possible: central 80,000 on the roof and 20,000 on the pipes); the water
    # company pays the remaining 40,000 of its pipes.
    d = scenario_dict(hand_items(water=60_000, roof=100_000), [])
    d["compound"]["households"] = 100
    d["funding"] = [
        {"source": "central_subsidy", "per_household": 1000, "tiers": ["basic"]},
        {"source": "residents", "amount": 10_000, "items": ["roof"]},
        {"source": "donations", "amount": 10_000, "items": ["roof"]},
        {"source": "utility_companies", "items": ["water"]},
    ]
    f = funding_of(d)
    assert f["central_subsidy"] == pytest.approx(100_000, rel=1e-12)
    assert f["residents"] == pytest.approx(10_000, rel=1e-12)
    assert f["donations"] == pytest.approx(10_000, rel=1e-12)
    assert f["utility_companies"] == pytest.approx(40_000, rel=1e-12)
    assert f["gap"] == 0.0
    # the same with the donors offering nothing (cap 0): the residents still pay 10,000,
    # the central subsidy 100,000, the company the other 50,000 — nothing else moves
    d["funding"][2]["cap"] = 0
    f = funding_of(d)
    assert f["donations"] == 0.0
    assert f["central_subsidy"] == pytest.approx(100_000, rel=1e-12)
    assert f["residents"] == pytest.approx(10_000, rel=1e-12)
    assert f["utility_companies"] == pytest.approx(50_000, rel=1e-12)
    assert f["gap"] == 0.0


def test_match_counts_when_the_matched_rule_is_kept_from_its_items():
    # A 100 (basic), B 50 (upgrade). Donations 100 may pay A; the central subsidy 100 may pay
    # A; the local budget matches the central subsidy 1:1 and may pay B only.
    # Rule by rule (donations take A, the central subsidy finds nothing, the local budget is
    # offered 0) the gap would be 50. The smallest gap is 0: the central subsidy must pay at
    # least 50 of A so the local budget can pay B. By priority the donations then pay as much
    # as that allows, 50; the central subsidy 50; the local budget 50.
    d = scenario_dict(hand_items(A=100, B=50), [
        {"source": "donations", "amount": 100, "items": ["A"]},
        {"source": "central_subsidy", "amount": 100, "items": ["A"]},
        {"source": "local_budget", "match_ratio": 1.0, "items": ["B"]},
    ])
    f = funding_of(d)
    assert f["donations"] == pytest.approx(50, rel=1e-12)
    assert f["central_subsidy"] == pytest.approx(50, rel=1e-12)
    assert f["local_budget"] == pytest.approx(50, rel=1e-12)
    assert f["gap"] == pytest.approx(0, abs=1e-12)
    out = allocate(d, np.array([100.0, 50.0]))
    assert out.offered[0, 2] == pytest.approx(50, rel=1e-12)   # 1 × what the central pays


def test_general_money_written_first_leaves_the_earmarked_items():
    # local budget 60 may pay A or B; the water company may pay A (40) only; B costs 100.
    # Smallest gap: company pays A 40, local budget 60 on B → gap 40. The local budget, first,
    # pays all its 60 (on B), the company 40.
    d = scenario_dict(hand_items(A=40, B=100), [
        {"source": "local_budget", "amount": 60},
        {"source": "utility_companies", "items": ["A"]},
    ])
    f = funding_of(d)
    assert f["local_budget"] == pytest.approx(60, rel=1e-12)
    assert f["utility_companies"] == pytest.approx(40, rel=1e-12)
    assert f["gap"] == pytest.approx(40, rel=1e-12)
