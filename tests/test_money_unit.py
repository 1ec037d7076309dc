"""Money in 万元 (issue 22): `money_unit: 万元` reads the scenario's sums of money in 10,000 CNY
and nothing else — the same numbers as the plan written in CNY, the marked fields exactly
those that are sums, distributions scaled whole, the bound located."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.cli import main
from fundmodel.scenario.distributions import Choice, LogNormal, Triangular
from fundmodel.scenario.money import money_sum_fields

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"

IN_WAN = {   # the plan's sums, CNY → 万元 (its prices per unit stay as written)
    "amount: 42000000": "amount: 4200", "amount: 26000000": "amount: 2600",
    "amount: 60000000": "amount: 6000", "per_year: 600000}": "per_year: 60}",
    "per_year: {dist: triangular, low: 400000, mode: 900000,\n"
    "                                     high: 1300000}":
        "per_year: {dist: triangular, low: 40, mode: 90,\n"
        "                                     high: 130}",
    "per_year: 2400000": "per_year: 240", "per_year: 1100000": "per_year: 110",
    "per_year: 300000}": "per_year: 30}",
    "general_budget_per_year: 1800000000": "general_budget_per_year: 180000",
}


@pytest.fixture(scope="module")
def plan_in_wan(tmp_path_factory):
    text = BOND_PLAN.read_text("utf-8")
    for old, new in IN_WAN.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    text = text.replace("name: special-bond-plan\n", "name: special-bond-plan\nmoney_unit: 万元\n")
    path = tmp_path_factory.mktemp("wan") / "plan.yaml"
    path.write_text(text, "utf-8")
    return path


def test_the_plan_in_wan_yuan_is_the_plan(plan_in_wan):
    """Every sum × 10,000: the same scenario in CNY, the same numbers, deterministic and over
    draws (the unit price of the networks, 21,000,000 CNY a system, stays in CNY)."""
    cny = fundmodel.load_scenario(BOND_PLAN)
    wan = fundmodel.load_scenario(plan_in_wan)
    assert wan.money_unit == "CNY"                        # loaded: CNY
    assert wan.funding[0].amount == 42_000_000.0
    assert wan.fiscal.general_budget_per_year == 1_800_000_000.0
    assert wan.renovation.items[1].unit_cost == 21_000_000.0
    a, b = fundmodel.evaluate(cny).summary()["mean"], fundmodel.evaluate(wan).summary()["mean"]
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-15, equal_nan=True)
    a = fundmodel.simulate(cny, draws=200, seed=3).summary()["mean"]
    b = fundmodel.simulate(wan, draws=200, seed=3).summary()["mean"]
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-15, equal_nan=True)
    # the resolved scenario (run.json's) is in CNY and loads back to itself
    again = fundmodel.Scenario.model_validate(wan.model_dump(mode="json", by_alias=True))
    assert again.funding[2].amount == wan.funding[2].amount == 60_000_000.0


def test_set_reads_the_files_unit(plan_in_wan):
    sc = fundmodel.load_scenario(plan_in_wan, ["funding[2].amount=3000"])
    assert sc.funding[2].amount == 30_000_000.0


def test_the_marked_fields_are_the_sums_of_money():
    """Exactly these fields are sums (a price or an amount per something is not)."""
    from fundmodel.scenario.fiscal import Fiscal
    from fundmodel.scenario.funding.debt import SpecialBond, Tranche
    from fundmodel.scenario.funding.grants import CentralSubsidy
    from fundmodel.scenario.operations import CostLine, IncomeLine, OwnersAccount
    from fundmodel.scenario.portfolio import Phasing
    from fundmodel.scenario.renovation import Item
    from fundmodel.scenario.repairs_fund import Component, FundThreshold, FundTopUp
    expected = {CentralSubsidy: {"amount", "cap"}, SpecialBond: {"amount", "cap"},
                Tranche: {"amount"}, IncomeLine: {"per_year", "total"},
                CostLine: {"per_year", "total"}, OwnersAccount: {"opening_balance"},
                Component: {"cost"}, FundTopUp: {"trigger_balance", "restore_to_balance"},
                FundThreshold: {"floor"}, Fiscal: {"general_budget_per_year", "by_year"},
                Phasing: {"budgets_cny"}, Item: set()}
    for model, names in expected.items():
        assert set(money_sum_fields(model)) == names, model.__name__
    for price in ("price_per_month", "wage_per_month", "price_per_job"):
        assert price not in money_sum_fields(IncomeLine) + money_sum_fields(CostLine)


def test_distributions_of_a_sum_scale_whole():
    t = Triangular(dist="triangular", low=1, mode=2, high=4).scaled(1e4)
    assert (t.low, t.mode_, t.high) == (1e4, 2e4, 4e4)
    ln = LogNormal(dist="lognormal", mu=1.0, sigma=0.5).scaled(1e4)
    assert ln.mu == pytest.approx(1.0 + math.log(1e4)) and ln.sigma == 0.5
    c = Choice(dist="choice", values=[1, 3], weights=[0.25, 0.75]).scaled(1e4)
    assert c.values == [1e4, 3e4] and c.weights == [0.25, 0.75]


def test_a_sum_beyond_the_bound_once_in_cny_is_located(plan_in_wan, capsys):
    assert main(["validate", str(plan_in_wan), "--set", "funding[0].amount=200000000000"]) == 2
    err = capsys.readouterr().err
    assert "funding[0].amount" in err and "beyond the bound" in err, err
