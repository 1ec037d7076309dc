"""One timeline: items built over several years, sources paid in instalments, operations from
the year after the works end — worked by hand."""

from __future__ import annotations

import pytest

import fundmodel
from fundmodel import Scenario

from malformed import BASE_TEXT, check_cli_rejects, edit, line_of, load_issues, write


def scenario(items, funding, discount_rate=0.0):
    return Scenario.model_validate({
        "name": "timeline", "start_year": 2025, "horizon_years": 3,
        "discount_rate": discount_rate, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": items}, "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}}})


def lines(result) -> dict[str, dict[int, float]]:
    cf = result.cashflows()
    return {name: dict(zip(g["calendar_year"], g["amount"])) for name, g in cf.groupby("line")}


def test_an_item_built_60_40_with_a_source_in_two_batches():
    # an item of 1,000 CNY built 60/40 in 2025-26; the central subsidy gives 800 in two
    # equal batches; nothing else pays, so the gap is 200
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000,
          "schedule": [0.6, 0.4]}],
        [{"source": "central_subsidy", "amount": 800, "instalments": [0.5, 0.5]}]))
    got = lines(res)
    assert got["works[a]"] == pytest.approx({2025: 600, 2026: 400})
    assert got["funding[central_subsidy]"] == pytest.approx({2025: 400, 2026: 400})
    # the gap follows the works: 200 × 0.6 and 200 × 0.4
    assert got["funding[gap]"] == pytest.approx({2025: 120, 2026: 80})
    # the district bridges what the batches leave short: 800 × (0.6 − 0.5), then gets it back
    assert got["bridge"] == pytest.approx({2025: 80, 2026: -80})
    for year in (2025, 2026):  # sources + gap + bridge = works, year by year
        paid = sum(got[k][year] for k in ("funding[central_subsidy]", "funding[gap]", "bridge"))
        assert paid == pytest.approx(got["works[a]"][year])
    # operations start the year after the works end: 2027, 2028, 2029
    assert got["property_fee"] == pytest.approx({2027: 6000, 2028: 6000, 2029: 6000})
    assert list(res.yearly()["calendar_year"]) == [2027, 2028, 2029]
    assert res.metrics.loc[0, "funding_gap"] == pytest.approx(200)


def test_operations_are_discounted_from_the_first_construction_year():
    # fee 0.5 × 1,000 m² × 12 = 6,000 a year in year indexes 2, 3, 4 at 10 %
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000, "build_years": 2}],
        [], discount_rate=0.1))
    expected = sum(6000 / 1.1 ** y for y in (2, 3, 4))
    assert res.metrics.loc[0, "npv_operations"] == pytest.approx(expected, rel=1e-12)


def test_build_from_and_build_years_spread_the_cost_evenly():
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 900},
         {"name": "b", "tier": "basic", "quantity": 1, "unit_cost": 1000,
          "build_from": 2026, "build_years": 2}],
        [{"source": "central_subsidy", "amount": 1900}]))
    got = lines(res)
    assert got["works[a]"] == pytest.approx({2025: 900, 2026: 0, 2027: 0})
    assert got["works[b]"] == pytest.approx({2025: 0, 2026: 500, 2027: 500})
    # without instalments the source pays as the works are built
    assert got["funding[central_subsidy]"] == pytest.approx({2025: 900, 2026: 500, 2027: 500})
    assert "bridge" not in got
    assert min(got["property_fee"]) == 2028


def test_a_source_pays_as_its_own_items_are_built():
    # item a (1,000) is built in 2025, item b (2,000) in 2026. The programme funds may pay for
    # b only: its 1,500 falls in 2026 with b, not pro rata to the project (1/3, 2/3). The
    # central subsidy pays 600 of a, in 2025. What is left unfunded is 400 of a (2025) and
    # 500 of b (2026): the gap follows the items it is on
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
         {"name": "b", "tier": "basic", "quantity": 1, "unit_cost": 2000, "build_from": 2026}],
        [{"source": "programme_funds", "amount": 1500, "items": ["b"]},
         {"source": "central_subsidy", "amount": 600, "items": ["a"]}]))
    got = lines(res)
    assert got["funding[programme_funds]"] == pytest.approx({2025: 0, 2026: 1500})
    assert got["funding[central_subsidy]"] == pytest.approx({2025: 600, 2026: 0})
    assert got["funding[gap]"] == pytest.approx({2025: 400, 2026: 500})
    assert res.government()["total"].to_dict() == pytest.approx({2025: 600, 2026: 1500})


def test_a_source_over_items_of_one_class_pays_in_proportion_to_their_cost():
    # a and b are both basic: the subsidy's 1,500 of 3,000 falls on each in proportion to its
    # cost, 500 on a (built 2025) and 1,000 on b (built 2026 and 2027, half each)
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
         {"name": "b", "tier": "basic", "quantity": 1, "unit_cost": 2000, "build_from": 2026,
          "build_years": 2}],
        [{"source": "central_subsidy", "amount": 1500}]))
    got = lines(res)
    assert got["funding[central_subsidy]"] == pytest.approx({2025: 500, 2026: 500, 2027: 500})
    assert got["funding[gap]"] == pytest.approx({2025: 500, 2026: 500, 2027: 500})


def test_the_government_view_follows_the_batches():
    res = fundmodel.evaluate(scenario(
        [{"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000,
          "schedule": [0.5, 0.5]}],
        [{"source": "central_subsidy", "amount": 600, "instalments": [0.25, 0.75]},
         {"source": "local_budget", "match_ratio": 0.5}]))
    gov = res.government()
    assert gov.loc[2025, "central_government"] == pytest.approx(150)
    assert gov.loc[2026, "central_government"] == pytest.approx(450)
    # the district's match (300) follows the works: 150 a year; it bridges the central
    # batches, 600 × (0.5 − 0.25) = 150 in 2025, −150 in 2026, in a column of its own (the
    # repayment is not a negative match); the total is the same cash: 150 + 150 + 150 = 450
    # in 2025, 450 + 150 − 150 = 450 in 2026
    assert gov.loc[2025, "city_district_government"] == pytest.approx(150)
    assert gov.loc[2026, "city_district_government"] == pytest.approx(150)
    assert gov.loc[2025, "bridge"] == pytest.approx(150)
    assert gov.loc[2026, "bridge"] == pytest.approx(-150)
    assert gov["total"].to_dict() == pytest.approx({2025: 450, 2026: 450})


ITEM = "{name: rain and sewage pipes, tier: basic, quantity: 400, unit: m, unit_cost: 900}"
CASES = [
    ("schedule-sum", ITEM.replace("}", ", schedule: [0.6, 0.5]}"),
     "renovation.items[0].schedule", "the shares sum to 1.1, not 1"),
    ("schedule-share", ITEM.replace("}", ", schedule: [1.5, -0.5]}"),
     "renovation.items[0].schedule[0]", "each share must lie in [0, 1]"),
    ("schedule-and-years", ITEM.replace("}", ", schedule: [1], build_years: 2}"),
     "renovation.items[0].schedule", "give either schedule, or build_from and build_years"),
    ("build-before-start", ITEM.replace("}", ", build_from: 2020}"),
     "renovation.items[0].build_from", "cannot start before start_year (2025)"),
    ("build-years-zero", ITEM.replace("}", ", build_years: 0}"),
     "renovation.items[0].build_years", "greater than or equal to 1"),
]


@pytest.mark.parametrize("case, new, path, phrase", CASES, ids=[c[0] for c in CASES])
def test_malformed_schedules(tmp_path, capsys, case, new, path, phrase):
    text = edit(ITEM, new)
    p = write(tmp_path, text)
    issues = load_issues(p)
    assert [i.path for i in issues] == [path] and phrase in issues[0].message
    assert issues[0].line == line_of(text, "rain and sewage pipes")
    check_cli_rejects(p, tmp_path, capsys, path, phrase)


def test_instalments_past_the_works_are_refused(tmp_path, capsys):
    text = edit("    per_household: 12000\n", "    per_household: 12000\n    instalments: [0.5, 0.5]\n")
    p = write(tmp_path, text)
    issues = load_issues(p)
    assert [i.path for i in issues] == ["funding[0].instalments"]
    assert "2 instalments, but the works take 1 year(s)" in issues[0].message
    check_cli_rejects(p, tmp_path, capsys, "funding[0].instalments")
    assert BASE_TEXT.count("per_household: 12000") == 1
