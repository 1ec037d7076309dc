"""Operating lines that belong to a renovation item (``item:`` on ``operations.costs`` and
``operations.income``): scaled, in each draw, by the share of the item built — stair by stair
where the lift is voted per stair — from operating year 1 on.

The scenario is scenarios/lift-retrofit.yaml: three stairs, one lift each, each stair voting
its own lift; each stair's lift is a third of the item ``lift`` (the charge is shared by
building), so the share built is (stairs whose vote passes) / 3. Its year-1 operating costs:
lift maintenance 15,000 (growth 3 %) and lift electricity 5,400 (the inflation, 2 %), both
``item: lift``, and cleaning 6,000 (5 %), which belongs to no item.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import Scenario
from fundmodel.engine.model import run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values

from malformed import check_one_located_issue, edit, line_of, write

ROOT = Path(__file__).resolve().parents[1]
LIFT = ROOT / "scenarios" / "lift-retrofit.yaml"
LIFT_TEXT = LIFT.read_text(encoding="utf-8")
MAINTENANCE, ELECTRICITY, CLEANING = 15_000.0, 5_400.0, 6_000.0
M, E, C = ("cost[lift maintenance and inspection]", "cost[lift electricity]", "cost[cleaning]")


def _raw() -> dict:
    return yaml.safe_load(LIFT_TEXT)


def _scenario(edit_=None, linked: bool = True) -> Scenario:
    d = copy.deepcopy(_raw())
    if not linked:
        for line in d["operations"]["costs"]:
            line.pop("item", None)
    if edit_:
        edit_(d)
    return Scenario.model_validate(d)


def test_the_shipped_scenario_links_the_lifts_upkeep_and_not_the_cleaning():
    costs = {line.name: line.item for line in fundmodel.load_scenario(LIFT).operations.costs}
    assert costs == {"lift maintenance and inspection": "lift", "lift electricity": "lift",
                     "cleaning": None}


def _stairs_voting(passing: int):
    """An edit under which ``passing`` stairs (the first ones) vote their lift in, at the point
    estimates. A stair of 12 households (6 floors × 2) shares its 478,000 CNY by floors
    travelled: floor k pays 478,000 × (k − 1)/30 = 15,933 (k − 1); one of 10 households (no
    flats on floor 6) pays 478,000 × (k − 1)/20 = 23,900 (k − 1). At a willingness to pay of
    50,000 the 12-household stair has floors 1–4 say yes (0 … 47,800): 8 of 12 ≥ 2/3, it
    passes; the 10-household stair floors 1–3 (0, 23,900, 47,800): 6 of 10 < 2/3, it fails.
    A willingness of 0 leaves only the ground floor (share 0): 2 of 12, every stair fails."""
    def edit_(d):
        hh = d["households"]
        if passing == 0:
            hh["decisions"][0]["willingness_to_pay_cny"] = 0
            return
        hh["decisions"][0]["willingness_to_pay_cny"] = 50_000
        for b in range(passing, 3):
            hh["buildings"][b]["units_per_floor"] = [2, 2, 2, 2, 2, 0]
        d["compound"]["households"] = 36 - 2 * (3 - passing)
    return edit_


@pytest.mark.parametrize("built", [0, 1, 2, 3])
def test_lift_upkeep_is_paid_for_the_stairs_that_vote_their_lift_in(built):
    res = fundmodel.evaluate(_scenario(_stairs_voting(built)))
    assert list(res.decisions()["passed"]) == [True] * built + [False] * (3 - built)
    y = res.yearly()
    share = built / 3                               # each stair's lift is a third of the item
    # year 1: 15,000 × (built / 3) and 5,400 × (built / 3); cleaning whatever is built
    assert y.loc[1, M] == pytest.approx(MAINTENANCE * share, rel=1e-12, abs=1e-9)
    assert y.loc[1, E] == pytest.approx(ELECTRICITY * share, rel=1e-12, abs=1e-9)
    assert y.loc[1, C] == pytest.approx(CLEANING, rel=1e-12)
    # year 3: the same share, grown 2 years (3 % and the inflation's 2 %)
    assert y.loc[3, M] == pytest.approx(MAINTENANCE * 1.03 ** 2 * share, rel=1e-12, abs=1e-9)
    assert y.loc[3, E] == pytest.approx(ELECTRICITY * 1.02 ** 2 * share, rel=1e-12, abs=1e-9)
    m = res.metrics.iloc[0]
    # 6,000 + 20,400 × built/3: 6,000, 12,800, 19,600, 26,400
    assert m["operating_cost_first_year"] == pytest.approx(
        [6_000, 12_800, 19_600, 26_400][built], rel=1e-12)


def test_an_income_line_that_belongs_to_the_lift_is_scaled_alike():
    def edit_(d):
        _stairs_voting(2)(d)
        d["operations"]["income"] = [{"name": "lift adverts", "per_year": 3_000,
                                      "growth": 0.0, "item": "lift"},
                                     {"name": "bike shed", "per_year": 1_200, "growth": 0.0}]
    y = fundmodel.evaluate(_scenario(edit_)).yearly()
    assert y.loc[1, "income[lift adverts]"] == pytest.approx(3_000 * 2 / 3, rel=1e-12)
    assert y.loc[15, "income[lift adverts]"] == pytest.approx(2_000, rel=1e-12)
    assert y.loc[1, "income[bike shed]"] == 1_200
    assert y.loc[1, "other_income"] == pytest.approx(2_000 + 1_200, rel=1e-12)


def test_without_item_the_lines_run_whatever_the_vote():
    res = fundmodel.evaluate(_scenario(_stairs_voting(0), linked=False))
    assert not res.decisions()["passed"].any()
    m = res.metrics.iloc[0]
    assert m["operating_cost_first_year"] == MAINTENANCE + ELECTRICITY + CLEANING   # 26,400


def _run(scenario: Scenario, draws: int, seed: int):
    values = sample_values(input_space(scenario), seed, "random", 0, draws)
    return run_model(model_inputs(scenario, values, draws))


def test_monte_carlo_upkeep_is_zero_where_no_lift_is_built_and_full_where_all_are():
    n = 2_000
    out = _run(_scenario(), n, seed=2025)
    passed = out.residents.passed                                  # (n, 3 stairs), 1/0
    stairs = passed.sum(axis=1)
    upkeep = out.yearly[M][:, 0]
    # draw by draw: 15,000 × (stairs built / 3)
    np.testing.assert_allclose(upkeep, MAINTENANCE * stairs / 3, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(out.yearly[E][:, 0], ELECTRICITY * stairs / 3, rtol=1e-12,
                               atol=1e-9)
    assert (upkeep[stairs == 0] == 0).all() and (stairs == 0).any()
    assert (upkeep[stairs == 3] == MAINTENANCE).all() and (stairs == 3).any()
    np.testing.assert_allclose(out.metrics["operating_cost_first_year"],
                               CLEANING + (MAINTENANCE + ELECTRICITY) * stairs / 3, rtol=1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=st.floats(0, 60_000), spread=st.floats(1_000, 150_000),
       approval=st.sampled_from([0.5, 0.6666666667, 0.75]),
       seed=st.integers(0, 2 ** 31 - 1))
def test_a_linked_cost_is_at_most_the_unlinked_and_equal_where_all_is_built(low, spread,
                                                                             approval, seed):
    def edit_(d):
        d["households"]["decisions"][0]["willingness_to_pay_cny"] = {
            "dist": "uniform", "low": low, "high": low + spread}
        d["households"]["decisions"][0]["rule"]["approval_headcount"] = approval
    draws = 64
    linked = _run(_scenario(edit_), draws, seed)
    plain = _run(_scenario(edit_, linked=False), draws, seed)
    everywhere = linked.residents.passed.all(axis=1)
    np.testing.assert_array_equal(linked.residents.passed, plain.residents.passed)
    for line in (M, E):
        a, b = linked.yearly[line], plain.yearly[line]
        assert (a <= b * (1 + 1e-12)).all()
        np.testing.assert_array_equal(a[everywhere], b[everywhere])
        np.testing.assert_allclose(a, b * linked.residents.passed.mean(axis=1)[:, None],
                                   rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(linked.yearly[C], plain.yearly[C])
    assert (linked.metrics["npv_operations"] >= plain.metrics["npv_operations"] - 1e-6).all()


def test_an_unknown_item_is_one_located_error(tmp_path, capsys):
    text = edit("{name: lift electricity, per_year: 5400, item: lift}",
                "{name: lift electricity, per_year: 5400, item: lifts}", LIFT_TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, "operations.costs[1].item",
                            "no renovation item is named 'lifts' (did you mean 'lift'?)",
                            line_of(text, "item: lifts}"), tmp_path, capsys)


def test_an_unknown_item_on_an_income_line_is_located_too(tmp_path, capsys):
    text = edit("  vat_rate: 0.0\n",
                "  income:\n    - {name: adverts, per_year: 100, item: lfit}\n"
                "  vat_rate: 0.0\n", LIFT_TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, "operations.income[0].item",
                            "no renovation item is named 'lfit' (did you mean 'lift'?)",
                            line_of(text, "item: lfit}"), tmp_path, capsys)


def test_the_schema_knows_the_item_key():
    import json
    schema = json.loads((ROOT / "schema" / "scenario.schema.json").read_text(encoding="utf-8"))
    for line in ("CostLine", "IncomeLine"):
        assert schema["$defs"][line]["properties"]["item"]["anyOf"][0] == {
            "minLength": 1, "type": "string"}
    assert "item" not in schema["$defs"]["Stream"]["properties"]   # an investor's stream


def test_a_district_without_votes_scales_by_what_is_planned_there(tmp_path):
    """The district path has no votes: a line that belongs to an item runs in full where the
    item is built and not at all where the compound's plan leaves it out (its quantity 0: the
    upgrade-tier lifts in a compound planned to the basic tier)."""
    from fundmodel.inputs.draws import point_values
    from fundmodel.engine.model import run_compounds

    district = ROOT / "scenarios" / "xinghualing-district.yaml"
    (tmp_path / "xinghualing-compounds.csv").write_bytes(
        (ROOT / "scenarios" / "xinghualing-compounds.csv").read_bytes())

    def run(item: str):
        text = edit("    - {name: service office, per_year: 15000}\n",
                    "    - {name: service office, per_year: 15000}\n"
                    f"    - {{name: lift upkeep, per_year: 10000, growth: 0.0{item}}}\n",
                    district.read_text(encoding="utf-8"))
        sc = fundmodel.load_scenario(write(tmp_path, text))
        table = sc.portfolio.table.take(np.arange(2))
        assert list(table.tier_planned) == ["upgrade", "basic"]     # XHL-0002, XHL-0004
        return run_compounds(model_inputs(sc, point_values(sc), 1, table))
    linked, plain = run(", item: lifts"), run("")
    assert plain.yearly["cost[lift upkeep]"][0, :, 0].tolist() == [10_000, 10_000]
    assert linked.yearly["cost[lift upkeep]"][0, :, 0].tolist() == [10_000, 0]
    # the rest of the district's lines are the same bits
    for name in ("cost[security guards]", "property_fee_income"):
        np.testing.assert_array_equal(linked.yearly[name], plain.yearly[name])


def test_a_debt_pledging_an_item_linked_income_sees_it_scaled():
    """The ``fund`` phase reads the operating lines after the votes: a loan pledging an income
    line of the lift is covered by the lifts built only. Two of three stairs vote their lift
    in: the pledged 30,000 a year is 30,000 × 2/3 = 20,000; a 100,000 loan at 0 % repaid in
    equal principal over 10 years costs 10,000 a year, so DSCR = 20,000 / 10,000 = 2."""
    def edit_(d):
        _stairs_voting(2)(d)
        d["operations"]["income"] = [{"name": "lift adverts", "per_year": 30_000,
                                      "growth": 0.0, "item": "lift"}]
        d["funding"][3]["share"] = 0.5                   # the residents pay half of the lifts
        d["funding"].append({"source": "bank_loan", "label": "bank", "amount": 100_000,
                             "rate": 0.0, "term_years": 10, "repayment": "equal_principal",
                             "pledged": ["income[lift adverts]"], "items": ["lift"]})
    res = fundmodel.evaluate(_scenario(edit_))
    debt = res.debt().loc["bank"]
    assert debt["cfads"].tolist() == pytest.approx([20_000] * 10, rel=1e-12)
    m = res.metrics.iloc[0]
    assert m["debt[bank].amount"] == pytest.approx(100_000, rel=1e-12)
    assert m["debt[bank].min_dscr"] == pytest.approx(2.0, rel=1e-12)
