"""The cash-flow ledger: every flow of the model, by payer, payee, kind and year.

Invariants (hypothesis, random scenarios): the sources and the gap pay the works in every year
and draw; every party's flows balance (what one pays another receives). Worked values: the
Sanqiao ledger against the funding table and the operating statement.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import fundmodel
from fundmodel import Scenario
from fundmodel.engine.ledger import PARTIES, Ledger
from fundmodel.engine.model import run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values

from test_invariants import scenarios

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"


def _output(scenario, draws=64, seed=3):
    values = sample_values(input_space(scenario), seed, "random", 0, draws)
    return run_model(model_inputs(scenario, values, draws))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_sources_and_gap_pay_the_works_in_every_year_and_draw(d):
    out = _output(Scenario.model_validate(d), draws=4)
    ledger = out.ledger
    works = ledger.total(ledger.select(payee="contractors"))
    funding = ledger.total(ledger.select(payee="project", kind="capital"))
    scale = np.abs(works).max() + 1.0
    np.testing.assert_allclose(funding, works, rtol=0, atol=1e-9 * scale)
    assert (ledger["funding[gap]"] >= 0).all()


def test_every_line_names_known_parties_and_spans_the_timeline():
    out = _output(fundmodel.load_scenario(STANDALONE))
    for line in out.ledger:
        assert line.payer in PARTIES and line.payee in PARTIES and line.payer != line.payee
        assert 0 <= line.start and line.stop <= out.n_years
        assert line.kind in ("capital", "operating", "financing")


def test_parties_balance_and_match_the_funding_table():
    res = fundmodel.evaluate(fundmodel.load_scenario(STANDALONE))
    parties = res.parties()
    assert parties["net"].sum() == pytest.approx(0.0, abs=1e-6)
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum(), rel=1e-12)
    funding = res.funding()
    # hand check: the central government pays 12,000 CNY × 100 households = 1.2 M in 2025
    assert parties.loc["central_government", "paid"] == 1_200_000
    assert res.government().loc[2025, "central_government"] == 1_200_000
    # the district pays its match: 0.3 × 1.2 M = 360,000
    assert res.government().loc[2025, "city_district_government"] == pytest.approx(360_000)
    assert res.government().loc[2025, "total"] == pytest.approx(1_560_000)
    assert parties.loc["project", "received"] == pytest.approx(funding["amount"].sum())
    assert parties.loc["contractors", "received"] == pytest.approx(
        res.metrics.loc[0, "capex_total"])


def test_cashflows_agree_with_the_statement():
    res = fundmodel.evaluate(fundmodel.load_scenario(STANDALONE))
    cf = res.cashflows()
    yearly = res.yearly()
    fee = cf[cf.line == "property_fee"].set_index("year")["amount"]
    # operating year t is year index t (construction in year 0), calendar year 2025 + t
    assert list(fee.index) == list(range(1, 21))
    np.testing.assert_array_equal(fee.to_numpy(), yearly["property_fee_income"].to_numpy())
    assert set(cf[cf.kind == "capital"]["year"]) == {0}
    # year 1 by hand: 10,000 m² × 0.5 CNY × 12 × collection 0.7667 (triangular mean) = 46,000
    assert fee.loc[1] == pytest.approx(10_000 * 0.5 * 12 * (0.6 + 0.8 + 0.92) / 3)


def test_monte_carlo_cashflows_are_the_means_of_the_draws():
    sc = fundmodel.load_scenario(STANDALONE)
    res = fundmodel.simulate(sc, draws=5_000, seed=2)
    cf = res.cashflows()
    gap = cf[cf.line == "funding[gap]"]["amount"].sum()
    assert gap == pytest.approx(res.metric("funding_gap").mean(), rel=1e-12)
    fee = cf[(cf.line == "property_fee") & (cf.year == 1)]["amount"].item()
    assert fee == pytest.approx(res.metric("fee_income_first_year").mean(), rel=1e-12)


def test_a_line_is_written_once_and_names_known_parties():
    ledger = Ledger()
    ledger.add("x", "residents", "operator", "operating", np.zeros((1, 1, 3)), 1)
    with pytest.raises(ValueError, match="twice"):
        ledger.add("x", "residents", "operator", "operating", np.zeros((1, 1, 3)), 1)
    with pytest.raises(ValueError, match="unknown party"):
        ledger.add("y", "nobody", "operator", "operating", np.zeros((1, 1, 3)))


# --------------------------------------------------------------------------- households
from hypothesis import strategies as st  # noqa: E402

from fundmodel.results.cashflows import party_table  # noqa: E402
from fundmodel.results.result import CashFlows  # noqa: E402


@st.composite
def lift_scenarios(draw):
    """Random lift retrofits with households: stairs, floors, flats, subsidies, the vote, the
    willingness to pay and every payment channel."""
    stairs = draw(st.integers(1, 3))
    floors = draw(st.integers(2, 8))
    units = draw(st.lists(st.integers(0, 3), min_size=floors, max_size=floors)
                 .filter(lambda u: sum(u[1:]) > 0))
    low = draw(st.floats(0, 50_000))
    wtp = draw(st.one_of(st.floats(0, 200_000),
                         st.just({"dist": "uniform", "low": low, "high": low + 80_000})))
    takeups = draw(st.lists(st.floats(0, 0.33), min_size=3, max_size=3))
    horizon = draw(st.integers(3, 20))
    schedule = draw(st.sampled_from([[1.0], [0.6, 0.4]]))
    batches = {} if len(schedule) == 1 else draw(st.sampled_from([{}, {"instalments": [0.5, 0.5]}]))
    rule = draw(st.sampled_from([{}, {"base": "electorate", "approval_headcount": 0.5},
                                 {"approval_area": None, "strict": True}]))
    return {
        "name": "lift", "start_year": 2025, "horizon_years": horizon, "discount_rate": 0.03,
        "compound": {"name": "c", "households": stairs * sum(units),
                     "floor_area_m2": 60.0 * stairs * sum(units)},
        "renovation": {"items": [
            {"name": "lift", "tier": "upgrade", "quantity": stairs, "unit": "lift",
             "unit_cost": {"dist": "uniform", "low": 500_000, "high": 800_000},
             "schedule": schedule},
            {"name": "paint", "tier": "basic", "quantity": 1, "unit_cost": 50_000}]},
        "funding": [
            {"source": "central_subsidy", "per_unit": draw(st.floats(0, 400_000)),
             "items": ["lift"], **batches},
            {"source": "residents", "share": draw(st.floats(0, 1)), "items": ["lift"],
             "uptake": draw(st.floats(0, 1))},
            {"source": "local_budget", "amount": 30_000}],
        "households": {
            "buildings": [{"name": f"s{b}", "floors": floors, "units_per_floor": units,
                           "area_per_unit_m2": draw(st.floats(30, 120))}
                          for b in range(stairs)],
            "charges": [{"item": "lift", "shared_by": "building"}],
            "decisions": [{"name": "lifts", "kind": "add_lift", "items": ["lift"], "rule": rule,
                           "participation": draw(st.floats(0.5, 1)),
                           "willingness_to_pay_cny": wtp}],
            "channels": {"takeup": {"repairs_fund": takeups[0], "provident_fund": takeups[1],
                                    "loan": takeups[2]},
                         "repairs_fund_balance_cny": draw(st.floats(0, 500_000)),
                         "provident_fund_cap_per_owner_cny": draw(st.floats(0, 100_000)),
                         "loan_rate": draw(st.floats(0, 0.1)),
                         "loan_term_years": draw(st.integers(1, horizon))}},
        "operations": {"property_fee": {"rate_per_m2_month": 0.5, "collection_rate": 0.8}},
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lift_scenarios())
def test_households_keep_the_ledger_whole(d):
    """With votes and channels: sources + gap (+ the bridge of sources paid in instalments) =
    works in every year and draw; the channels
    (cash the rest) add up to the residents' funding line, year by year; the households' parts
    add up to it too; every party's flows balance; the bank is repaid its loan with interest."""
    sc = Scenario.model_validate(d)
    out = _output(sc, draws=6, seed=1)
    ledger = out.ledger
    works = ledger.total(ledger.select(payee="contractors"))
    funding = ledger.total(ledger.select(payee="project"))   # with the treasury's bridge
    scale = np.abs(works).max() + 1.0
    np.testing.assert_allclose(funding, works, rtol=0, atol=1e-9 * scale)
    residents = ledger["funding[residents]"]                              # (D|1, 1, L)
    channel = np.zeros(np.broadcast_shapes(residents.shape, (6, 1, residents.shape[-1])))
    for name in ("residents[repairs_fund]", "residents[provident_fund]", "residents[loan]"):
        if name in ledger.names():
            assert (ledger[name] >= -1e-9 * scale).all()
            channel = channel + ledger[name]
    assert (channel <= residents + 1e-9 * scale).all()                    # cash ≥ 0
    r = out.residents
    paid = r.channel_cny.sum(axis=-1)
    np.testing.assert_allclose(paid, np.broadcast_to(residents[:, 0].sum(axis=-1), (6,)),
                               rtol=1e-9, atol=1e-9 * scale)
    # the households' parts: Σ_groups households × cost = the residents' total
    counts = np.array([h for _, _, h in r.groups], dtype=float)
    np.testing.assert_allclose(r.cost_per_household_cny @ counts, paid, rtol=1e-9,
                               atol=1e-9 * scale)
    # a failed vote leaves no cost to its stair's households
    assert ((r.group_passed == 1) | (r.cost_per_household_cny == 0)).all()
    cf = CashFlows.from_ledger(ledger, out.n_years)
    parties = party_table(cf, 0.05, float(sc.compound.households))
    assert parties["net"].sum() == pytest.approx(0.0, abs=1e-6 * scale)
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum(), rel=1e-12)
    if "residents[loan]" in ledger.names():
        ch = sc.households.channels
        i, n = ch.loan_rate / 12, 12 * ch.loan_term_years
        factor = i / -np.expm1(-n * np.log1p(i)) if i > 1e-12 else 1 / n
        lent = ledger["residents[loan]"].sum(axis=-1)
        repaid = ledger["residents[loan_repayment]"].sum(axis=-1)
        np.testing.assert_allclose(repaid, 12 * ch.loan_term_years * factor * lent,
                                   rtol=1e-9, atol=1e-9 * scale)
        for line in ledger:
            assert line.stop <= out.n_years
