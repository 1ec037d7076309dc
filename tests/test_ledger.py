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
from fundmodel.sampling import input_space, sample_values

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
