"""The ledger of random districts (issue 21): with a pooled bond, an owners' account, rules
that apply to some compounds and a repairs fund, every compound's sources and gap pay its
works in every year and draw, every line names its parties, and the district adds up."""

from __future__ import annotations

import csv

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmodel.engine.ledger import PARTIES
from fundmodel.engine.model import run_compounds
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values
from fundmodel.scenario import load_scenario
from test_portfolio_instruments import ROOT

COMPOUND = st.fixed_dictionaries({
    "households": st.integers(20, 3000), "m2_per_household": st.floats(45, 95),
    "built_year": st.integers(1975, 2005), "soe_dormitory": st.booleans()})


@st.composite
def districts(draw):
    return {"compounds": draw(st.lists(COMPOUND, min_size=1, max_size=4)),
            "bond_factor": draw(st.floats(0.01, 3.0)),
            "allocation": draw(st.sampled_from(["gap", "cost", "households"])),
            "fund_share": draw(st.floats(0, 1)),
            "covers_deficit": draw(st.booleans())}


def build(d, folder):
    with open(folder / "compounds.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "households", "floor_area_m2", "built_year",
                         "soe_dormitory"])
        for k, c in enumerate(d["compounds"]):
            writer.writerow([f"C{k}", f"c{k}", c["households"],
                             round(c["households"] * c["m2_per_household"], 1),
                             c["built_year"], "yes" if c["soe_dormitory"] else "no"])
    data = yaml.safe_load((ROOT / "scenarios" / "special-bond-plan.yaml").read_text(
        encoding="utf-8"))
    data.pop("compound")
    data["portfolio"] = {"compounds": "compounds.csv"}
    bond = next(r for r in data["funding"] if r.get("label") == "special bond")
    bond.update(pooled=True, amount=bond["amount"] * d["bond_factor"],
                allocation=d["allocation"])
    data["funding"][0]["applies_to"] = "built_year < 2000"
    data["funding"].insert(1, {"source": "soe_transfer", "per_household": 3000,
                               "applies_to": "soe_dormitory"})
    data["operations"]["income"][0]["paid_to"] = "compound_account"
    data["operations"]["owners_account"] = {"covers_deficit": d["covers_deficit"],
                                            "to_repairs_fund_share": d["fund_share"]}
    data["repairs_fund"] = {"contribution_per_m2_year": 1.5}
    # the parking income is the owners': the bond pledges the rest
    bond["pledged"] = [p for p in bond["pledged"] if p != "income[parking]"]
    (folder / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                          encoding="utf-8")
    return load_scenario(folder / "district.yaml")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(districts())
def test_every_compound_of_a_random_district_keeps_its_ledger_whole(tmp_path, d):
    scenario = build(d, tmp_path)
    table = scenario.portfolio.table
    draws = 3
    values = sample_values(input_space(scenario), 7, "random", 0, draws, draws, list(table.ids))
    out = run_compounds(model_inputs(scenario, values, draws, table))
    ledger = out.ledger
    works = ledger.total(ledger.select(payee="contractors", kind="capital"))      # (D, C, L)
    funding = ledger.total(ledger.select(payee="project", kind="capital"))
    scale = np.abs(works).max() + 1.0
    np.testing.assert_allclose(funding, works, rtol=0, atol=1e-9 * scale)
    assert (ledger["funding[gap]"] >= 0).all()
    for line in ledger:
        assert line.payer in PARTIES and line.payee in PARTIES and line.payer != line.payee
    balance = out.yearly["owners_account_balance"]
    assert (balance >= -1e-6 * scale).all()
    # the pooled bond lends what the package needs at most, and each compound at most its need
    lent = out.metrics["debt[special bond].amount"]
    assert (lent >= 0).all() and np.isfinite(lent).all()
    before_gap = ledger.total(ledger.select(names=["debt[special bond].interest"]))
    assert (before_gap >= 0).all()
