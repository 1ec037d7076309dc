"""Households wired into the model: the lift retrofit worked by hand — shares by floor, the vote
stair by stair, failed lifts dropped with their funding, payment channels on the ledger — and
the per-household random streams.

The numbers of scenarios/lift-retrofit.yaml at the point estimates: a lift costs the mean of
triangular(600k, 680k, 800k) = 693,333.33 × (1 + 0.05) = 728,000 CNY; the central subsidy and
the city pay 150,000 + 100,000 a lift, so the residents of a stair pay 478,000. Floor k of a
6-floor stair with 2 flats a floor weighs k − 1 (ground floor 0), Σ u_k w_k = 2 × 15 = 30: a
flat on floor k pays 478,000 × (k − 1)/30 = 15,933.33 × (k − 1).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import Scenario
from fundmodel.inputs.sampling import household_uniforms

ROOT = Path(__file__).resolve().parents[1]
LIFT = ROOT / "scenarios" / "lift-retrofit.yaml"

LIFT_CNY = (600_000 + 680_000 + 800_000) / 3 * 1.05           # 728,000
RESIDENTS_PER_STAIR = LIFT_CNY - 150_000 - 100_000             # 478,000
PER_FLOOR_STEP = RESIDENTS_PER_STAIR / 30                      # 15,933.33


def _raw():
    return yaml.safe_load(LIFT.read_text(encoding="utf-8"))


def _scenario(edit=None) -> Scenario:
    d = copy.deepcopy(_raw())
    if edit:
        edit(d)
    return Scenario.model_validate(d)


def test_each_floor_pays_its_floors_travelled():
    res = fundmodel.evaluate(fundmodel.load_scenario(LIFT))
    assert LIFT_CNY == pytest.approx(728_000)
    hh = res.households()
    for stair in ("stair 1", "stair 2", "stair 3"):
        for k in range(1, 7):
            assert hh.loc[(stair, k), "cost_per_household_cny"] == pytest.approx(
                PER_FLOOR_STEP * (k - 1), rel=1e-12)
            assert hh.loc[(stair, k), "households"] == 2
    assert hh.loc[("stair 1", 6), "cost_per_household_cny"] == pytest.approx(79_666.6667)
    # the households' parts add up to the residents' funding: 3 stairs × 478,000
    total = (hh["cost_per_household_cny"] * hh["households"]).sum()
    assert total == pytest.approx(res.funding().loc["residents", "amount"], rel=1e-12)
    assert total == pytest.approx(3 * 478_000)


def test_the_city_rule_passes_with_eight_of_twelve_and_the_civil_code_fails():
    # WTP at its mean (10k + 40k + 100k)/3 = 50,000: floors 1-4 (0 ... 47,800) say yes, floors
    # 5 and 6 (63,733 and 79,667) no: 8 of 12 households and of the area (equal flats).
    res = fundmodel.evaluate(fundmodel.load_scenario(LIFT))
    d = res.decisions()
    assert list(d["passed"]) == [True, True, True]          # 8/12 ≥ 2/3 of the stair
    # the common WTP at which it passes: the 8th-lowest share, floor 4's 3 × 15,933.33
    assert d["wtp_threshold_cny"].tolist() == pytest.approx([3 * PER_FLOOR_STEP] * 3)
    # the Civil Code for adding a lift: 3/4 of the participants, 9 of 12: it fails
    civil = fundmodel.evaluate(_scenario(lambda d: d["households"]["decisions"][0].pop("rule")))
    assert list(civil.decisions()["passed"]) == [False] * 3
    # 9th-lowest share: floor 5, 4 × 15,933.33
    assert civil.decisions()["wtp_threshold_cny"].tolist() == pytest.approx(
        [4 * PER_FLOOR_STEP] * 3)
    # the lifts are dropped with their funding; the stairwells (no vote) stay
    m = civil.metrics.iloc[0]
    assert m["capex_total"] == pytest.approx(120_000)
    f = civil.funding()["amount"]
    assert f["central_subsidy"] == 0 and f["city lift subsidy"] == 0 and f["residents"] == 0
    assert f["district stairwell works"] == pytest.approx(120_000)
    assert (civil.households()["cost_per_household_cny"] == 0).all()
    assert (civil.households()["p_built"] == 0).all()
    assert civil.channels().loc["total", "amount_cny"] == 0


def test_a_stair_that_votes_no_drops_its_own_lift_only():
    # stair 3 has no flats on floor 6: 10 households, Σ u_k w_k = 2 × (1+2+3+4) = 20, floor k
    # pays 478,000 × (k − 1)/20 = 23,900 (k − 1); at a WTP of 50,000 floors 1-3 say yes
    # (0, 23,900, 47,800) and floors 4-5 no: 6 of 10 < 2/3, it fails. Stairs 1 and 2 pass.
    def edit(d):
        d["compound"]["households"] = 34
        d["households"]["buildings"][2]["units_per_floor"] = [2, 2, 2, 2, 2, 0]
        d["households"]["decisions"][0]["willingness_to_pay_cny"] = 50_000
    res = fundmodel.evaluate(_scenario(edit))
    assert list(res.decisions()["passed"]) == [True, True, False]
    # two lifts of three are built: cost, per-lift subsidies and the residents' part all 2/3
    m = res.metrics.iloc[0]
    assert m["capex_total"] == pytest.approx(2 * LIFT_CNY + 120_000)
    f = res.funding()["amount"]
    assert f["central_subsidy"] == pytest.approx(2 * 150_000)
    assert f["city lift subsidy"] == pytest.approx(2 * 100_000)
    assert f["residents"] == pytest.approx(2 * 478_000)
    hh = res.households()
    assert hh.loc[("stair 1", 6), "cost_per_household_cny"] == pytest.approx(5 * PER_FLOOR_STEP)
    assert (hh.loc["stair 3", "cost_per_household_cny"] == 0).all()
    assert (hh.loc["stair 3", "p_built"] == 0).all() and (hh.loc["stair 1", "p_built"] == 1).all()


def test_channels_split_the_residents_part_as_worked_by_hand():
    res = fundmodel.evaluate(fundmodel.load_scenario(LIFT))
    ch = res.channels()["amount_cny"]
    total = 3 * 478_000                                               # 1,434,000
    # provident fund: 40 % of the payers, each up to 40,000: a stair's flats pay 15,933 +
    # 31,867 + 40,000 × 3 (the cap) = 167,800 per column of flats, 2 columns, 3 stairs
    provident = 0.4 * 3 * 2 * (PER_FLOOR_STEP + 2 * PER_FLOOR_STEP + 3 * 40_000)
    assert provident == pytest.approx(402_720)
    # repairs fund: 20 % ask for 286,800, the balance is 150,000: capped, the rest in cash
    loan = 0.15 * total                                               # 215,100
    cash = total - provident - 150_000 - loan                         # 666,180
    assert ch["provident_fund"] == pytest.approx(provident)
    assert ch["repairs_fund"] == pytest.approx(150_000)
    assert ch["loan"] == pytest.approx(loan)
    assert ch["cash"] == pytest.approx(cash)
    assert ch["total"] == pytest.approx(total)
    # monthly payment of a top-floor household borrowing its 79,666.67 over 10 years at 3.45 %
    i = 0.0345 / 12
    payment = 5 * PER_FLOOR_STEP * i / (1 - (1 + i) ** -120)
    assert res.households().loc[("stair 1", 6), "loan_payment_per_month_cny"] == pytest.approx(
        payment, rel=1e-12)
    assert payment == pytest.approx(785.93, abs=0.01)
    # on the ledger: the fund, the provident fund and the bank pay the residents in 2025, the
    # residents repay the bank 12 monthly payments a year in 2026-2035
    cf = res.cashflows()
    line = cf.set_index("line")
    assert line.loc["residents[repairs_fund]", "amount"] == pytest.approx(150_000)
    assert line.loc["residents[provident_fund]", "payer"] == "provident_fund"
    assert line.loc["residents[loan]", "payer"] == "lender"
    assert line.loc["residents[loan]", "amount"] == pytest.approx(loan)
    repay = cf[cf.line == "residents[loan_repayment]"]
    assert list(repay.calendar_year) == list(range(2026, 2036))
    yearly = 12 * loan * i / (1 - (1 + i) ** -120)
    np.testing.assert_allclose(repay.amount, yearly, rtol=1e-12)
    parties = res.parties()
    assert parties.loc["lender", "net"] == pytest.approx(10 * yearly - loan)   # the interest
    assert parties["net"].sum() == pytest.approx(0.0, abs=1e-6)


def test_without_households_nothing_changes():
    d = _raw()
    d.pop("households")
    plain = fundmodel.evaluate(Scenario.model_validate(d))
    with_hh = fundmodel.evaluate(fundmodel.load_scenario(LIFT))   # every stair passes
    # the same numbers; with the votes, also the share of the lifts built: all of them
    np.testing.assert_array_equal(plain.metrics.to_numpy(),
                                  with_hh.metrics[list(plain.metrics.columns)].to_numpy())
    assert list(with_hh.metrics.columns) == [*plain.metrics.columns, "built_share[lift]"]
    assert with_hh.metrics["built_share[lift]"].tolist() == [1.0]
    assert not plain.has_households
    with pytest.raises(fundmodel.ModelError, match="no households section"):
        plain.decisions()


def test_monte_carlo_pass_probability_matches_a_hand_count():
    # fixed lift cost: the shares are those above in every draw; a household on floor k votes
    # yes with probability P(W ≥ 15,933.33 (k − 1)), W ~ triangular(10k, 40k, 100k); a stair
    # passes when at least 6 of its 10 upper-floor households say yes (with the 2 on the ground
    # floor: 8 of 12). Poisson-binomial by convolution.
    def edit(d):
        d["renovation"]["items"][0]["unit_cost"] = (600_000 + 680_000 + 800_000) / 3
    sc = _scenario(edit)

    def survival(x, a=10_000.0, c=40_000.0, b=100_000.0):
        if x <= a:
            return 1.0
        if x <= c:
            return 1 - (x - a) ** 2 / ((b - a) * (c - a))
        return (b - x) ** 2 / ((b - a) * (b - c)) if x < b else 0.0
    dist = np.array([1.0])
    for k in range(2, 7):
        p = survival(PER_FLOOR_STEP * (k - 1))
        for _ in range(2):
            dist = np.convolve(dist, [1 - p, p])
    p_pass = dist[6:].sum()
    n = 20_000
    res = fundmodel.simulate(sc, draws=n, seed=11)
    d = res.decisions()
    for p in d["p_pass"]:
        assert p == pytest.approx(p_pass, abs=4 * np.sqrt(p_pass * (1 - p_pass) / n))
    assert d["mcse"].iloc[0] == pytest.approx(np.sqrt(d["p_pass"].iloc[0]
                                                      * (1 - d["p_pass"].iloc[0]) / n))
    # when a stair's lift is built its top floor pays exactly 5 × 15,933.33
    hh = res.households()
    assert hh.loc[("stair 2", 6), "cost_if_built_cny"] == pytest.approx(5 * PER_FLOOR_STEP)
    assert hh.loc[("stair 2", 6), "p_built"] == pytest.approx(d["p_pass"].iloc[1], abs=1e-12)


def test_chunks_and_workers_never_change_a_bit():
    sc = fundmodel.load_scenario(LIFT)
    a = fundmodel.simulate(sc, draws=9_000, seed=5, chunk_size=9_000)
    b = fundmodel.simulate(sc, draws=9_000, seed=5, chunk_size=1_000, workers=2)
    np.testing.assert_array_equal(a.metrics.to_numpy(), b.metrics.to_numpy())
    for table in ("decisions", "households", "channels"):
        left, right = getattr(a, table)(), getattr(b, table)()
        np.testing.assert_array_equal(left.to_numpy(dtype=float), right.to_numpy(dtype=float))
    # the first draws of a longer run are the draws of a shorter one (random sampler)
    c = fundmodel.simulate(sc, draws=5_000, seed=5)
    np.testing.assert_array_equal(c.metrics.to_numpy(), a.metrics.to_numpy()[:5_000])


def test_household_streams_are_addressed_by_household():
    path = ("households", "decisions", 0, "willingness_to_pay_cny")
    few = household_uniforms(7, path, 3, 100, 5)
    many = household_uniforms(7, path, 3, 4096, 9)
    assert few.shape == (100, 5) and many.shape == (4096, 9)
    # household h's numbers do not depend on how many households follow or on the block size
    np.testing.assert_array_equal(few, many[:100, :5])
    # another input, another block or another seed is another stream
    other = household_uniforms(7, ("households", "decisions", 1, "willingness_to_pay_cny"),
                               3, 100, 5)
    assert not np.array_equal(few, other)
    assert not np.array_equal(few, household_uniforms(7, path, 4, 100, 5))
    assert not np.array_equal(few, household_uniforms(8, path, 3, 100, 5))
    assert ((few > 0) & (few < 1)).all()


# ---------------------------------------------------------------- the place of a funding rule
# The residents' rules are found among the grant rules (the allocation), whose arrays hold the
# grant rules only: a debt, investor, bundle or top-up rule written before a residents rule once
# shifted the position (an IndexError, or another grant's amount taken as the residents' part).

LOAN = {"source": "bank_loan", "label": "lift loan", "items": ["lift"], "amount": 20_000,
        "rate": 0.04, "term_years": 8, "pledged": ["property_fee"]}


def _with_loan(grant_order, loan_at):
    """The lift retrofit with the residents paying 60 % of the lifts' cost and the district
    half the stairwells, the grants in ``grant_order`` (positions in the file's list) and the
    loan inserted at ``loan_at``."""
    def edit(d):
        grants = d["funding"]
        grants[2]["share"] = 0.5                               # district stairwell works
        grants[3]["share"] = 0.6                               # residents
        d["funding"] = [grants[i] for i in grant_order]
        d["funding"].insert(loan_at, copy.deepcopy(LOAN))
    return _scenario(edit)


@pytest.mark.parametrize("grant_order", [(0, 1, 2, 3), (0, 1, 3, 2)])
@pytest.mark.parametrize("loan_at", range(5))
def test_a_loan_anywhere_in_the_list_leaves_the_residents_part_alone(grant_order, loan_at):
    # The grants: central 3 × 150,000 = 450,000 and city 3 × 100,000 = 300,000 on the lifts
    # (728,000 each, 2,184,000); the residents offer 0.6 × 2,184,000 = 1,310,400 of the
    # 1,434,000 left, and every offer on the lifts is taken in full (450,000 + 300,000 +
    # 1,310,400 < 2,184,000) whether the residents come before or after the district's rule
    # (it pays the stairwells only: 0.5 × 120,000 = 60,000). A loan lends after the grants,
    # wherever it is written: min(20,000, 2,184,000 − 2,060,400 = 123,600) = 20,000. So in
    # every order a stair's residents pay 0.6 × 728,000 = 436,800, floor k's flat
    # 436,800 × (k − 1)/30 = 14,560 (k − 1); at the WTP's point estimate 50,000 floors 1-4
    # (0 ... 43,680) say yes, 8 of 12: every stair passes.
    res = fundmodel.evaluate(_with_loan(grant_order, loan_at))
    f = res.funding()["amount"]
    assert f["residents"] == pytest.approx(1_310_400, rel=1e-12)
    assert f["lift loan"] == pytest.approx(20_000, rel=1e-12)
    assert f["district stairwell works"] == pytest.approx(60_000, rel=1e-12)
    assert f["gap"] == pytest.approx(123_600 - 20_000 + 60_000, rel=1e-12)
    assert list(res.decisions()["passed"]) == [True, True, True]
    hh = res.households()
    for stair in ("stair 1", "stair 2", "stair 3"):
        for k in range(1, 7):
            assert hh.loc[(stair, k), "cost_per_household_cny"] == pytest.approx(
                14_560 * (k - 1), rel=1e-12, abs=1e-9)
    assert res.channels().loc["total", "amount_cny"] == pytest.approx(1_310_400, rel=1e-12)


# one rule of each instrument that is not an allocation among the grants (they pay after the
# grants, in the order of the instruments, wherever they are written), with two debts that
# lend in the order written
_OTHERS = [
    ("investor", {"source": "social_capital", "label": "lift adverts", "items": ["lift"],
                  "concession_years": 10, "hurdle_rate": 0.08,
                  "streams": [{"name": "lift adverts", "per_year": 6_000, "growth": 0}]}),
    ("bundle", {"source": "bundle", "label": "corner shop", "items": ["lift"], "scale": 50,
                "scale_unit": "m2", "capital": [2_000], "cap": 40_000,
                "revenues": [{"name": "rent", "per_year": 600, "growth": 0.02}],
                "required_return": 0.07}),
    # two debts on one line pledge a share of it each (a whole line pledged twice is refused)
    ("debt", dict(LOAN, pledged=[{"line": "property_fee", "share": 0.5}])),
    ("debt", {"source": "special_bond", "label": "stairwell bond",
              "items": ["stairwell repainting and handrails"], "amount": 10_000, "rate": 0.03,
              "term_years": 10, "repayment": "bullet",
              "pledged": [{"line": "property_fee", "share": 0.5}]}),
    ("top_up", {"source": "top_up", "paid_by": "street_community", "cap": 30_000}),
]


@settings(max_examples=20, deadline=None)
@given(st.permutations(["grant"] * 4 + [kind for kind, _ in _OTHERS]))
def test_where_a_non_grant_rule_is_written_changes_no_metric(kinds):
    # the grants keep their order, as do the two debts; every other rule may go anywhere
    def build(order):
        def edit(d):
            d["funding"][2]["share"] = 0.5
            d["funding"][3]["share"] = 0.6
            queues = {"grant": list(d["funding"])}
            for kind, rule in _OTHERS:
                queues.setdefault(kind, []).append(copy.deepcopy(rule))
            d["funding"] = [queues[kind].pop(0) for kind in order]
        return _scenario(edit)
    base = fundmodel.evaluate(build(["grant"] * 4 + [kind for kind, _ in _OTHERS]))
    moved = fundmodel.evaluate(build(kinds))
    assert list(moved.metrics.columns) == list(base.metrics.columns)
    np.testing.assert_array_equal(moved.metrics.to_numpy(), base.metrics.to_numpy())
    a, b = base.funding(), moved.funding().loc[base.funding().index]
    np.testing.assert_array_equal(a[["offered", "amount"]].to_numpy(),
                                  b[["offered", "amount"]].to_numpy())
    for table in ("decisions", "households", "channels"):
        np.testing.assert_array_equal(getattr(base, table)().to_numpy(dtype=float),
                                      getattr(moved, table)().to_numpy(dtype=float))
