"""Residents by building and floor (issue 7, item 5): a building's cost shared by floor
coefficients, per-household items, and the payment channels; the scenario models' errors."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fundmodel.engine.households import (beneficiary_costs, floor_membership, floor_weights,
                                         household_floors, household_shares, pay_by_channel,
                                         per_household_costs, shares_by_floor, units_by_floor)
from fundmodel.errors import ModelError, ScenarioError
from fundmodel.scenario.households import Building, FloorSharing, Households, PaymentChannels


# --------------------------------------------------------------------------- the worked lift
def test_lift_in_seven_floors_three_households_each_by_floors_travelled():
    # issue 7: floor k pays (k - 1)/21 of the residents' share (0 + 1 + ... + 6 = 21), so each
    # of its 3 households pays (k - 1)/63.
    u = units_by_floor(7, 3)
    shares = household_shares(floor_weights("floors_travelled", 7), u)
    expected = np.array([(k - 1) / 63 for k in range(1, 8) for _ in range(3)])
    np.testing.assert_allclose(shares, expected, rtol=0, atol=1e-15)
    assert shares.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(shares_by_floor(shares, u), [(k - 1) / 21 for k in range(1, 8)],
                               atol=1e-15)
    # residents pay 630,000 CNY of the lift: a top-floor household 6/63 of it = 60,000
    cost = beneficiary_costs(np.array([[630_000.0]]), shares)
    assert cost.shape == (1, 1, 21)
    np.testing.assert_allclose(cost[0, 0, ::3], [0, 10_000, 20_000, 30_000, 40_000, 50_000,
                                                 60_000], atol=1e-9)
    assert cost.sum() == pytest.approx(630_000.0)


def test_lift_with_a_table_of_coefficients_k_minus_1_over_21():
    table = [(k - 1) / 21 for k in range(1, 8)]
    w = floor_weights("table", 7, table=table)
    shares = household_shares(w, units_by_floor(7, 3))
    np.testing.assert_allclose(shares, np.repeat(np.arange(7) / 63, 3), atol=1e-15)


def test_household_axis_is_ordered_by_floor():
    assert household_floors([2, 0, 3]).tolist() == [1, 1, 3, 3, 3]
    m = floor_membership([2, 0, 3])
    assert m.shape == (5, 3) and m.sum(axis=0).tolist() == [2, 0, 3]


def test_uneven_floors_with_shops_on_the_ground_floor():
    # units [0, 2, 2, 4], weights k - 1 = [0, 1, 2, 3]: Σ u_k w_k = 0 + 2 + 4 + 12 = 18
    u = units_by_floor(4, [0, 2, 2, 4])
    shares = household_shares(floor_weights("floors_travelled", 4), u)
    np.testing.assert_allclose(shares, [1 / 18, 1 / 18, 2 / 18, 2 / 18] + [3 / 18] * 4)
    np.testing.assert_allclose(shares_by_floor(shares, u), [0, 2 / 18, 4 / 18, 12 / 18])


def test_equal_and_by_area_rules():
    u = units_by_floor(3, 2)
    # equal, ground floor exempt (the default): 4 paying households, 1/4 each
    np.testing.assert_allclose(household_shares(floor_weights("equal", 3), u),
                               [0, 0, 0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(household_shares(floor_weights("equal", 3, exempt_floors=()), u),
                               [1 / 6] * 6)
    # by area 50, 60, 70 m², nobody exempt: Σ = 2 × 180 = 360 m²
    w = floor_weights("by_area", 3, area_per_unit_m2=[50, 60, 70], exempt_floors=[])
    np.testing.assert_allclose(household_shares(w, u),
                               [50 / 360, 50 / 360, 60 / 360, 60 / 360, 70 / 360, 70 / 360])


def test_weights_varying_by_draw_broadcast():
    w = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 3.0]])   # (draw, floor)
    shares = household_shares(w, [1, 1, 1])
    np.testing.assert_allclose(shares, [[0, 0.5, 0.5], [0, 0.25, 0.75]])


def test_nobody_to_share_the_cost_is_an_error():
    with pytest.raises(ModelError, match="nobody would pay"):
        household_shares(floor_weights("floors_travelled", 1), units_by_floor(1, 4))
    with pytest.raises(ModelError, match="table"):
        floor_weights("table", 3, table=[1, 2])
    with pytest.raises(ModelError, match="area"):
        floor_weights("by_area", 3)
    with pytest.raises(ModelError, match="unknown sharing rule"):
        floor_weights("by_height", 3)  # type: ignore[arg-type]


def test_per_household_items():
    cost = per_household_costs(np.array([[1_200.0], [1_500.0]]), [1, 1, 0, 1])
    np.testing.assert_array_equal(cost, [[[1200, 1200, 0, 1200]], [[1500, 1500, 0, 1500]]])


@settings(max_examples=60, deadline=None)
@given(units=st.lists(st.integers(0, 6), min_size=2, max_size=12),
       amount=hnp.arrays(float, st.integers(1, 5), elements=st.floats(0, 1e7)))
def test_shares_sum_to_the_residents_amount(units, amount):
    n_floors = len(units)
    if sum(units[1:]) == 0:
        units[-1] = 1
    u = units_by_floor(n_floors, units)
    shares = household_shares(floor_weights("floors_travelled", n_floors), u)
    assert np.all(shares >= 0) and shares.sum() == pytest.approx(1.0, rel=1e-12)
    # a household higher up never pays less
    assert np.all(np.diff(shares) >= -1e-15)
    cost = beneficiary_costs(amount[:, None], shares)
    assert cost.shape == (amount.size, 1, u.sum())
    np.testing.assert_allclose(cost.sum(axis=-1)[:, 0], amount, rtol=1e-12, atol=1e-6)


# --------------------------------------------------------------------------- channels
def test_channels_by_hand():
    s = np.array([[[10_000.0, 30_000.0]]])
    out = pay_by_channel(s, takeup_cash=0.2, takeup_repairs_fund=0.3, takeup_provident_fund=0.1,
                         takeup_loan=0.4, repairs_fund_balance_cny=6_000.0,
                         provident_fund_cap_cny=20_000.0, loan_rate=0.048, loan_term_years=5)
    # fund requests 0.3 × 40,000 = 12,000 > balance 6,000: every request halved
    np.testing.assert_allclose(out.repairs_fund_factor, [[0.5]])
    np.testing.assert_allclose(out.repairs_fund_cny[0, 0], [1_500, 4_500])
    # provident: 0.1 × min(s, 20,000)
    np.testing.assert_allclose(out.provident_fund_cny[0, 0], [1_000, 2_000])
    np.testing.assert_allclose(out.loan_cny[0, 0], [4_000, 12_000])
    # cash: 0.2 s + the fund's shortfall 0.3 s × 0.5 + 0.1 × (s − cap)⁺
    np.testing.assert_allclose(out.cash_cny[0, 0], [2_000 + 1_500, 6_000 + 4_500 + 1_000])
    np.testing.assert_allclose(out.unpaid_cny, 0.0)
    # monthly payment: r = 0.004, 60 months, P = s r / (1 − 1.004⁻⁶⁰)
    r = 0.048 / 12
    hand = s[0, 0] * r / (1 - (1 + r) ** -60)
    np.testing.assert_allclose(out.loan_payment_per_month_cny[0, 0], hand, rtol=1e-12)
    np.testing.assert_allclose(out.loan_payment_per_month_cny[0, 0],
                               npf.pmt(r, 60, -s[0, 0]), rtol=1e-12)


def test_channels_broadcast_over_draws_and_leave_the_rest_unpaid():
    s = np.array([[[1_000.0, 2_000.0]], [[3_000.0, 4_000.0]]])      # (2 draws, 1, 2)
    takeup = np.array([[0.5], [0.25]])                              # (draw, compound)
    rate = np.array([[0.0], [0.06]])
    out = pay_by_channel(s, takeup_loan=takeup, loan_rate=rate, loan_term_years=10)
    np.testing.assert_allclose(out.loan_cny[:, 0], [[500, 1_000], [750, 1_000]])
    np.testing.assert_allclose(out.unpaid_cny[:, 0], [[500, 1_000], [2_250, 3_000]])
    np.testing.assert_allclose(out.loan_payment_per_month_cny[0, 0], [1_000 / 120, 2_000 / 120])
    np.testing.assert_allclose(out.loan_payment_per_month_cny[1, 0],
                               npf.pmt(0.005, 120, -np.array([3_000.0, 4_000.0])), rtol=1e-12)


def test_channel_errors():
    s = np.ones((1, 1, 2))
    with pytest.raises(ModelError, match="at most 1"):
        pay_by_channel(s, takeup_cash=0.7, takeup_loan=0.4)
    with pytest.raises(ModelError, match="at most 1"):
        pay_by_channel(s, takeup_cash=1.5)
    with pytest.raises(ModelError, match="term"):
        pay_by_channel(s, takeup_loan=1.0, loan_term_years=0)
    with pytest.raises(ModelError, match="draw, compound, household"):
        pay_by_channel(np.ones(3))


@settings(max_examples=80, deadline=None)
@given(s=hnp.arrays(float, st.tuples(st.integers(1, 4), st.integers(1, 2), st.integers(1, 6)),
                    elements=st.floats(0, 1e6)),
       t=st.lists(st.floats(0, 0.25), min_size=4, max_size=4),
       balance=st.floats(0, 1e6), cap=st.floats(0, 1e6))
def test_channels_add_up_to_the_share(s, t, balance, cap):
    out = pay_by_channel(s, takeup_cash=t[0], takeup_repairs_fund=t[1],
                         takeup_provident_fund=t[2], takeup_loan=t[3],
                         repairs_fund_balance_cny=balance, provident_fund_cap_cny=cap,
                         loan_rate=0.05, loan_term_years=20)
    parts = [out.cash_cny, out.repairs_fund_cny, out.provident_fund_cny, out.loan_cny,
             out.unpaid_cny]
    assert all(np.all(p >= 0) for p in parts)
    np.testing.assert_allclose(sum(parts), s, rtol=1e-12, atol=1e-9)
    assert np.all(out.repairs_fund_cny.sum(axis=-1) <= balance * (1 + 1e-12) + 1e-9)
    assert np.all(out.provident_fund_cny <= t[2] * cap + 1e-9)


# --------------------------------------------------------------------------- scenario models
LIFT_BUILDING = {"name": "No. 3", "floors": 7, "units_per_floor": 3, "area_per_unit_m2": 60}


def test_valid_households_section():
    h = Households.model_validate({
        "buildings": [LIFT_BUILDING, {"name": "No. 4", "floors": 6,
                                      "units_per_floor": [0, 2, 2, 2, 2, 2]}],
        "charges": [{"item": "lift", "buildings": ["No. 3"]},
                    {"item": "windows", "shared_by": "household"},
                    {"item": "lift 2", "buildings": ["No. 4"],
                     "sharing": {"table": [0, 0, 0.1, 0.2, 0.3, 0.4]}}],
        "channels": {"takeup": {"cash": 0.5, "provident_fund": 0.2, "loan": 0.3},
                     "provident_fund_cap_per_owner_cny": 50_000, "loan_rate": 0.039,
                     "loan_term_years": 10},
    })
    b = h.buildings[0]
    assert b.units() == [3] * 7 and b.areas_m2() == [60.0] * 7
    sharing = h.charges[0].floor_sharing()
    assert sharing.rule == "floors_travelled" and sharing.exempt_floors == [1]
    # the model's weights feed the engine: the worked lift again
    shares = household_shares(sharing.weights(b), b.units())
    np.testing.assert_allclose(shares, np.repeat(np.arange(7) / 63, 3), atol=1e-15)
    assert h.charges[2].sharing.rule == "table"
    assert h.charges[1].floor_sharing() is None
    assert list(h.item_references()) == [(("charges", 0, "item"), "lift"),
                                         (("charges", 1, "item"), "windows"),
                                         (("charges", 2, "item"), "lift 2")]


def issues(model, data):
    with pytest.raises(ScenarioError) as info:
        model.model_validate(data)
    return {(i.path, i.message) for i in info.value.issues}


def one_issue(model, data):
    got = issues(model, data)
    assert len(got) == 1, got
    return got.pop()


MALFORMED = [
    # (id, model, data, dotted path, phrase of the message)
    ("units-list-too-short", Building, {**LIFT_BUILDING, "units_per_floor": [3, 3]},
     "units_per_floor", "has 2 entries for 7 floors"),
    ("units-text", Building, {**LIFT_BUILDING, "units_per_floor": "three"},
     "units_per_floor", "expected a whole number or a list of them, one per floor"),
    ("units-bool", Building, {**LIFT_BUILDING, "units_per_floor": True},
     "units_per_floor", "expected a whole number or a list of them"),
    ("units-negative", Building, {**LIFT_BUILDING, "units_per_floor": -1},
     "units_per_floor", "greater than or equal to 0"),
    ("units-fraction", Building, {**LIFT_BUILDING, "units_per_floor": 2.5},
     "units_per_floor", "whole number"),
    ("units-entry-text", Building, {**LIFT_BUILDING, "units_per_floor": [3, "x", 3, 3, 3, 3, 3]},
     "units_per_floor[1]", "valid integer"),
    ("no-units", Building, {**LIFT_BUILDING, "units_per_floor": 0},
     "units_per_floor", "no units"),
    ("zero-floors", Building, {**LIFT_BUILDING, "floors": 0},
     "floors", "greater than or equal to 1"),
    ("too-many-floors", Building, {**LIFT_BUILDING, "floors": 2000},
     "floors", "less than or equal to 200"),
    ("area-zero", Building, {**LIFT_BUILDING, "area_per_unit_m2": 0},
     "area_per_unit_m2", "greater than 0"),
    ("area-list-length", Building, {**LIFT_BUILDING, "area_per_unit_m2": [60] * 6},
     "area_per_unit_m2", "has 6 entries for 7 floors"),
    ("unknown-key", Building, {**LIFT_BUILDING, "flors": 7},
     "flors", "did you mean 'floors'"),
    ("table-without-table", FloorSharing, {"rule": "table"}, "rule", "needs a table"),
    ("table-with-other-rule", FloorSharing, {"rule": "equal", "table": [1, 2]},
     "table", "only used by the table rule"),
    ("negative-coefficient", FloorSharing, {"table": [0, -1]}, "table[1]",
     "greater than or equal to 0"),
    ("unknown-rule", FloorSharing, {"rule": "by_height"}, "rule", "'floors_travelled'"),
    ("exempt-floor-zero", FloorSharing, {"exempt_floors": [0]}, "exempt_floors[0]",
     "greater than or equal to 1"),
    ("takeups-above-one", PaymentChannels, {"takeup": {"cash": 0.6, "loan": 0.5},
                                            "loan_rate": 0.04, "loan_term_years": 10},
     "takeup", "at most 1"),
    ("takeup-percent", PaymentChannels, {"takeup": {"cash": 60}},
     "takeup.cash", "did you mean 0.6?"),
    ("takeup-distribution-above-one", PaymentChannels,
     {"takeup": {"cash": 0.5, "provident_fund": {"dist": "uniform", "low": 0.3, "high": 0.6}}},
     "takeup", "can add up to 1.1"),
    ("loan-without-term", PaymentChannels, {"takeup": {"loan": 0.5}, "loan_rate": 0.04},
     "loan_term_years", "give the loan's loan_term_years"),
    ("loan-rate-percent", PaymentChannels, {"takeup": {"loan": 0.5}, "loan_rate": 4.5,
                                            "loan_term_years": 10},
     "loan_rate", "did you mean 0.045?"),
    ("fund-without-balance", PaymentChannels, {"takeup": {"repairs_fund": 0.5}},
     "repairs_fund_balance_cny", "give its balance"),
    ("negative-cap", PaymentChannels, {"takeup": {"cash": 1},
                                       "provident_fund_cap_per_owner_cny": -5},
     "provident_fund_cap_per_owner_cny", "greater than or equal to 0"),
    ("no-buildings", Households, {"buildings": []}, "buildings", "at least 1 item"),
    ("duplicate-building", Households, {"buildings": [LIFT_BUILDING, LIFT_BUILDING]},
     "buildings[1].name", "duplicate building name 'No. 3'"),
    ("charge-unknown-building", Households,
     {"buildings": [LIFT_BUILDING], "charges": [{"item": "lift", "buildings": ["No 3"]}]},
     "charges[0].buildings[0]", "no building is named 'No 3' (did you mean 'No. 3'?)"),
    ("charge-table-length", Households,
     {"buildings": [LIFT_BUILDING], "charges": [{"item": "lift", "sharing": {"table": [1, 2]}}]},
     "charges[0].sharing.table", "2 coefficients but building 'No. 3' has 7 floors"),
    ("charge-by-area-without-area", Households,
     {"buildings": [{"name": "A", "floors": 6, "units_per_floor": 2}],
      "charges": [{"item": "lift", "sharing": {"rule": "by_area"}}]},
     "charges[0].sharing.rule", "needs the area_per_unit_m2 of building 'A'"),
    ("lift-in-a-bungalow", Households,
     {"buildings": [{"name": "A", "floors": 1, "units_per_floor": 4}],
      "charges": [{"item": "lift"}]},
     "charges[0]", "no household of building 'A' (1 floor) would pay"),
    ("household-charge-with-sharing", Households,
     {"buildings": [LIFT_BUILDING],
      "charges": [{"item": "doors", "shared_by": "household", "sharing": {"rule": "equal"}}]},
     "charges[0].sharing", "only applies with shared_by: building"),
    ("charge-without-item", Households, {"buildings": [LIFT_BUILDING], "charges": [{}]},
     "charges[0].item", "missing required key 'item'"),
]


@pytest.mark.parametrize("model, data, path, phrase",
                         [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_households_input(model, data, path, phrase):
    got_path, message = one_issue(model, data)
    assert got_path == path
    assert phrase in message, message


# --------------------------------------------------------------------------- compound layout
def test_layout_of_a_compound_of_two_buildings():
    from fundmodel.engine.households import HouseholdLayout
    layout = HouseholdLayout.from_buildings([[0, 2, 2], [1, 1]], [None, [80.0, 60.0]])
    assert layout.size == 6
    assert layout.building.tolist() == [0, 0, 0, 0, 1, 1]
    assert layout.floor.tolist() == [2, 2, 3, 3, 1, 2]
    assert layout.area_m2.tolist() == [1, 1, 1, 1, 80, 60]
    assert layout.in_buildings([1]).tolist() == [0, 0, 0, 0, 1, 1]
    # the lift of building 0 (floors travelled: 1, 1, 2, 2 → sixths) on the compound's axis
    shares = household_shares(floor_weights("floors_travelled", 3), [0, 2, 2])
    placed = layout.place(0, shares)
    np.testing.assert_allclose(placed, [1 / 6, 1 / 6, 2 / 6, 2 / 6, 0, 0])
    with pytest.raises(ModelError, match="households"):
        layout.place(1, shares)
