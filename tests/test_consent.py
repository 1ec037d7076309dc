"""Consent (issue 7, item 6): the vote per draw under the Civil Code art. 278 and local rules,
worked by hand at the boundaries; the willingness-to-pay thresholds; P(pass); the models."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fundmodel.engine.consent import (ConsentRule, critical_level, pass_probability, tally,
                                      vote, votes_yes, wtp_scale_threshold, wtp_threshold)
from fundmodel.engine.households import (beneficiary_costs, floor_weights, household_shares,
                                         units_by_floor)
from fundmodel.errors import ModelError, ScenarioError
from fundmodel.scenario.households import Decision, Households, VoteRule, civil_code_rule

MAJOR = ConsentRule.civil_code(major=True)     # ≥ 2/3 take part, ≥ 3/4 of them agree
SIMPLE = ConsentRule.civil_code(major=False)   # ≥ 2/3 take part, > 1/2 of them agree


def hh(x) -> np.ndarray:
    """A household vector as (draw=1, compound=1, household)."""
    return np.asarray(x, dtype=float)[None, None, :]


def run(yes, participates, area=1.0, rule=MAJOR, electorate=1.0) -> bool:
    """The vote with explicit yes/no (share 1 against WTP 1 or 0)."""
    wtp = hh(yes)  # share 1 ≤ wtp 1: yes; 1 > 0: no
    passed, _ = vote(hh(np.ones(len(yes))), wtp, area, rule, electorate=electorate,
                     participation=hh(participates))
    return bool(passed[0, 0])


# --------------------------------------------------------------------------- by hand
def test_civil_code_boundaries_in_a_building_of_12():
    # 12 households of equal area. 8 take part = exactly 2/3 (以上 includes the bound);
    # 6 of the 8 agree = exactly 3/4 → pass; 5 of 8 = 0.625 → fail.
    part = [1] * 8 + [0] * 4
    assert run([1] * 6 + [0] * 6, part)
    assert not run([1] * 5 + [0] * 7, part)
    # 7 take part (7/12 < 2/3): the quorum fails even if all 7 agree
    assert not run([1] * 7 + [0] * 5, [1] * 7 + [0] * 5)


def test_simple_majority_is_more_than_half():
    # 过半数: 2 of 4 participants is not more than half; 3 of 4 is
    part = [1, 1, 1, 1, 0, 0]   # 4/6 = 2/3 take part
    assert not run([1, 1, 0, 0, 0, 0], part, rule=SIMPLE)
    assert run([1, 1, 1, 0, 0, 0], part, rule=SIMPLE)
    # the same 2 of 4 passes the 3/4 rule? no: 0.5 < 0.75
    assert not run([1, 1, 0, 0, 0, 0], part, rule=MAJOR)


def test_area_and_headcount_both_count():
    area = hh([100, 50, 50, 50])           # 250 m²
    all_in = [1, 1, 1, 1]
    # the three small units: 3/4 of heads but 150/250 = 0.6 of the area → fail
    assert not run([0, 1, 1, 1], all_in, area=area)
    # the large unit and two small: 3/4 of heads, 200/250 = 0.8 of the area → pass
    assert run([1, 1, 1, 0], all_in, area=area)
    # quorum by area but not by headcount: the large unit and one small take part, 150/250 =
    # 0.6 of the area < 2/3 → fail; the large and two small: 200/250 ≥ 2/3, 3/4 heads → pass
    assert not run([1, 1, 0, 0], [1, 1, 0, 0], area=area)
    assert run([1, 1, 1, 0], [1, 1, 1, 0], area=area)
    # quorum by headcount but not by area: three small units take part, 3/4 heads, 150/250
    assert not run([0, 1, 1, 1], [0, 1, 1, 1], area=area)


def test_local_rule_two_thirds_of_the_buildings_households():
    # "a lift needs 2/3 of its building's households": base = the electorate, no quorum, no area
    lift = ConsentRule(quorum_headcount=None, quorum_area=None, approval_headcount=2 / 3,
                       approval_area=None, base="electorate")
    # 9 households; 6 agree (exactly 2/3), 2 stay away → pass; 5 agree → fail
    assert run([1] * 6 + [0] * 3, [1] * 7 + [0] * 2, rule=lift)
    assert not run([1] * 5 + [0] * 4, [1] * 9, rule=lift)
    ninety = ConsentRule(quorum_headcount=None, quorum_area=None, approval_headcount=0.9,
                         approval_area=None, base="electorate")
    assert run([1] * 9 + [0], [1] * 10, rule=ninety)
    assert not run([1] * 8 + [0] * 2, [1] * 10, rule=ninety)


def test_electorate_building_or_compound():
    # two buildings of 4; building A all agree, building B nobody
    yes = [1, 1, 1, 1, 0, 0, 0, 0]
    in_a = hh([1, 1, 1, 1, 0, 0, 0, 0])
    assert run(yes, [1] * 8, electorate=in_a)          # A's own vote
    assert not run(yes, [1] * 8)                       # the whole compound: 4/8 < 3/4
    # an empty electorate never passes
    assert not run(yes, [1] * 8, electorate=0.0)


def test_lift_vote_and_its_wtp_thresholds():
    # the 7-floor lift: residents pay 63,000 CNY, a household on floor k pays 1,000 (k − 1)
    shares = beneficiary_costs(np.array([[63_000.0]]),
                               household_shares(floor_weights("floors_travelled", 7),
                                                units_by_floor(7, 3)))
    # all 21 take part; 3/4 of 21 = 15.75 → 16 yes votes: floors 1–5 (15) and one more, so
    # everyone up to floor 6 must agree: a common WTP of 5,000 CNY
    np.testing.assert_allclose(wtp_threshold(shares, 1.0, MAJOR), [[5_000.0]])
    assert vote(shares, 5_000.0, 1.0, MAJOR)[0][0, 0]
    assert not vote(shares, 4_999.99, 1.0, MAJOR)[0][0, 0]
    # > 1/2 of 21 is 11: floors 1–4 (12 households) at 3,000
    np.testing.assert_allclose(wtp_threshold(shares, 1.0, SIMPLE), [[3_000.0]])
    # every household willing to pay 2,500: each WTP must be doubled
    np.testing.assert_allclose(wtp_scale_threshold(shares, 2_500.0, 1.0, MAJOR), [[2.0]])
    # the top floor stays away: 18 of 21 take part (≥ 2/3), 14 of 18 (≥ 3/4 = 13.5) needed:
    # floors 1–5 = 15 ≥ 14 → 4,000
    part = hh([1] * 18 + [0] * 3)
    np.testing.assert_allclose(wtp_threshold(shares, 1.0, MAJOR, participation=part),
                               [[4_000.0]])
    # quorum failing: no WTP passes
    assert wtp_threshold(shares, 1.0, MAJOR, participation=hh([1] * 13 + [0] * 8))[0, 0] == np.inf


def test_thresholds_and_p_pass_vectorised_over_draws():
    base = household_shares(floor_weights("floors_travelled", 7), units_by_floor(7, 3))
    shares = beneficiary_costs(np.array([[63_000.0], [126_000.0]]), base)   # 2 draws
    np.testing.assert_allclose(wtp_threshold(shares, 1.0, MAJOR), [[5_000.0], [10_000.0]])
    # four draws of a common WTP against the first draw's shares: 4,000 / 5,000 / 6,000 / 1,000
    wtp = np.array([4_000.0, 5_000.0, 6_000.0, 1_000.0])[:, None, None]
    passed, count = vote(shares[:1], wtp, 1.0, MAJOR)
    assert passed[:, 0].tolist() == [False, True, True, False]
    np.testing.assert_allclose(count.yes_headcount[:, 0], [15, 18, 21, 6])
    np.testing.assert_allclose(pass_probability(passed), [0.5])


def test_wtp_per_household_and_draw():
    # WTP by draw × household: draw 0 everyone rich, draw 1 the top two floors poor
    shares = hh(np.repeat(np.arange(7) * 1_000.0, 3))
    wtp = np.full((2, 1, 21), 10_000.0)
    wtp[1, 0, 15:] = 1_000.0
    passed, count = vote(shares, wtp, 1.0, MAJOR)
    assert passed[:, 0].tolist() == [True, False]   # 15 of 21 < 15.75
    # scaling: draw 1 needs floor 6 (5,000 vs 1,000) to agree: λ = 5
    np.testing.assert_allclose(wtp_scale_threshold(shares, wtp, 1.0, MAJOR), [[0.5], [5.0]])


def test_errors():
    with pytest.raises(ModelError):
        ConsentRule(approval_headcount=1.5)
    with pytest.raises(ModelError):
        tally(np.ones((2, 3)), 1.0)
    with pytest.raises(ModelError):
        vote(hh([1.0]), hh([1.0]), 1.0, MAJOR, participation=2.0)
    with pytest.raises(ModelError):
        wtp_scale_threshold(hh([-1.0]), 1.0, 1.0, MAJOR)


# --------------------------------------------------------------------------- invariants
households = st.integers(1, 12)


@st.composite
def electorates(draw):
    n = draw(households)
    d = draw(st.integers(1, 3))
    shares = draw(hnp.arrays(float, (d, 1, n), elements=st.sampled_from(
        [0.0, 500.0, 1_000.0, 1_500.0, 2_000.0, 3_000.0])))
    area = draw(hnp.arrays(float, (n,), elements=st.sampled_from([40.0, 60.0, 90.0])))
    part = draw(hnp.arrays(float, (d, 1, n), elements=st.sampled_from([0.0, 1.0])))
    rule = draw(st.sampled_from([MAJOR, SIMPLE, ConsentRule(
        quorum_headcount=None, quorum_area=None, approval_headcount=2 / 3, approval_area=None,
        base="electorate")]))
    return shares, area, part, rule


@settings(max_examples=150, deadline=None)
@given(case=electorates(), w=st.sampled_from([0.0, 400.0, 1_000.0, 1_800.0, 2_500.0, 5_000.0]),
       extra=st.floats(0, 3_000))
def test_passing_is_monotone_in_wtp(case, w, extra):
    shares, area, part, rule = case
    low, _ = vote(shares, w, area, rule, participation=part)
    high, _ = vote(shares, w + extra, area, rule, participation=part)
    assert np.all(high >= low)


@settings(max_examples=150, deadline=None)
@given(case=electorates(), w=st.floats(0, 4_000))
def test_a_common_wtp_passes_exactly_from_the_threshold(case, w):
    shares, area, part, rule = case
    threshold = wtp_threshold(shares, area, rule, participation=part)
    passed, _ = vote(shares, w, area, rule, participation=part)
    np.testing.assert_array_equal(passed, w >= threshold)
    finite = np.isfinite(threshold)
    at, _ = vote(shares, np.where(finite, threshold, 0.0)[..., None], area, rule,
                 participation=part)
    assert np.all(at[finite])
    below = np.nextafter(threshold, -np.inf)
    just_below, _ = vote(shares, np.where(finite, below, 0.0)[..., None], area, rule,
                         participation=part)
    assert not np.any(just_below[finite])


@settings(max_examples=100, deadline=None)
@given(case=electorates(), wtp=st.floats(1.0, 5_000), lam=st.floats(0, 5))
def test_scaling_threshold_agrees_with_the_vote(case, wtp, lam):
    shares, area, part, rule = case
    wtps = np.full(shares.shape, wtp)
    threshold = wtp_scale_threshold(shares, wtps, area, rule, participation=part)
    passed, _ = vote(shares, lam * wtps, area, rule, participation=part)
    # household h votes yes iff share ≤ λ wtp; compare away from rounding at the threshold
    clear = np.abs(lam - threshold) > 1e-9 * np.maximum(1, np.abs(threshold))
    np.testing.assert_array_equal(passed[clear], (lam >= threshold)[clear])


@settings(max_examples=100, deadline=None)
@given(case=electorates(), wtp=hnp.arrays(float, 12, elements=st.floats(0, 4_000)))
def test_a_household_with_nothing_to_pay_votes_yes(case, wtp):
    shares, area, part, rule = case
    w = wtp[: shares.shape[-1]]
    assert np.all(votes_yes(shares, w)[shares == 0])
    _, count = vote(shares, w, area, rule, participation=part)
    zero_and_in = ((shares == 0) * part).sum(axis=-1)
    assert np.all(count.yes_headcount >= zero_and_in - 1e-12)
    assert np.all(count.yes_headcount <= count.participants_headcount + 1e-12)
    assert np.all(count.participants_headcount <= count.electorate_headcount + 1e-12)


def test_critical_level_with_no_households_is_inf():
    assert critical_level(np.zeros((2, 1, 0)), 1.0, MAJOR).tolist() == [[np.inf], [np.inf]]


# --------------------------------------------------------------------------- scenario models
def test_scenario_rules_match_the_engines_civil_code():
    for kind, major in (("add_lift", True), ("raise_repairs_fund", True), ("rebuild", True),
                        ("change_common_use", True), ("use_repairs_fund", False),
                        ("other", False)):
        assert ConsentRule(**civil_code_rule(kind).model_dump()) == ConsentRule.civil_code(major)


DECISION = {"name": "lift No. 3", "kind": "add_lift", "items": ["lift"],
            "willingness_to_pay_cny": {"dist": "triangular", "low": 0, "mode": 8000,
                                       "high": 30000}}


def test_decision_defaults_and_local_rule():
    d = Decision.model_validate(DECISION)
    assert d.vote_electorate() == "building" and d.vote_rule() == VoteRule()
    local = Decision.model_validate({**DECISION, "rule": {"approval_headcount": 0.9,
                                                          "approval_area": None,
                                                          "base": "electorate"}})
    rule = local.vote_rule()
    assert (rule.approval_headcount, rule.approval_area, rule.base) == (0.9, None, "electorate")
    assert rule.quorum_headcount == pytest.approx(2 / 3) and not rule.strict
    use = Decision.model_validate({**DECISION, "kind": "use_repairs_fund",
                                   "rule": {"quorum_area": None}})
    assert use.vote_electorate() == "compound"
    r = use.vote_rule()
    assert (r.approval_headcount, r.strict, r.quorum_area) == (0.5, True, None)


MALFORMED = [
    ("unknown-kind", Decision, {**DECISION, "kind": "add_lif"}, "kind", "'add_lift'"),
    ("no-items", Decision, {**DECISION, "items": []}, "items", "at least 1 item"),
    ("negative-wtp", Decision, {**DECISION, "willingness_to_pay_cny": -5},
     "willingness_to_pay_cny", "greater than or equal to 0"),
    ("wtp-unbounded-below", Decision,
     {**DECISION, "willingness_to_pay_cny": {"dist": "normal", "mean": 5000, "sd": 2000}},
     "willingness_to_pay_cny", "unbounded"),
    ("participation-percent", Decision, {**DECISION, "participation": 80},
     "participation", "did you mean 0.8?"),
    ("threshold-percent", Decision, {**DECISION, "rule": {"approval_headcount": 90}},
     "rule.approval_headcount", "did you mean 0.9?"),
    ("bad-base", Decision, {**DECISION, "rule": {"base": "owners"}}, "rule.base",
     "'participants'"),
    ("bad-electorate", Decision, {**DECISION, "electorate": "street"}, "electorate",
     "'building'"),
    ("strict-not-bool", VoteRule, {"strict": "yes"}, "strict", "valid boolean"),
    ("unknown-rule-key", VoteRule, {"quorum": 0.5}, "quorum", "unknown key 'quorum'"),
    ("decision-unknown-building", Households,
     {"buildings": [{"name": "A", "floors": 6, "units_per_floor": 2}],
      "decisions": [{**DECISION, "buildings": ["B"]}]},
     "decisions[0].buildings[0]", "no building is named 'B'"),
    ("duplicate-decision", Households,
     {"buildings": [{"name": "A", "floors": 6, "units_per_floor": 2}],
      "decisions": [DECISION, DECISION]},
     "decisions[1].name", "duplicate decision name 'lift No. 3'"),
]


@pytest.mark.parametrize("model, data, path, phrase",
                         [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_consent_input(model, data, path, phrase):
    with pytest.raises(ScenarioError) as info:
        model.model_validate(data)
    got = [(i.path, i.message) for i in info.value.issues]
    assert len(got) == 1, got
    assert got[0][0] == path
    assert phrase in got[0][1], got[0][1]
