"""The in-kind contribution instrument (实物出资): a capital item given in kind — a lent
public building — or a service replacing an operating cost line — volunteer cleaning —
valued at a price, worked by hand."""

from __future__ import annotations

import numpy as np
import openpyxl
from fundmodel.errors import ScenarioError
import pytest

import fundmodel
from fundmodel import Scenario
from fundmodel.export.excel import write_workbook
from fundmodel.export.report import render_report

from malformed import check_cli_rejects, edit, load_issues, write


def scenario(funding):
    # item a (1,000 CNY) built in 2025, item b, the community room (2,000 CNY), in 2026
    return Scenario.model_validate({
        "name": "in kind", "start_year": 2025, "horizon_years": 3,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": [
            {"name": "a", "tier": "basic", "quantity": 1, "unit_cost": 1000},
            {"name": "b", "tier": "complete", "quantity": 1, "unit_cost": 2000,
             "build_from": 2026}]},
        "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5}}})


GRANT = {"source": "central_subsidy", "amount": 500, "items": ["a"]}
LENT = {"source": "in_kind", "label": "lent building", "given_by": "street_community",
        "item": "b", "value": 1500}


def lines(result):
    cf = result.cashflows()
    return {(name, year): (payer, payee, kind, amount) for name, year, payer, payee, kind, amount
            in zip(cf["line"], cf["calendar_year"], cf["payer"], cf["payee"], cf["kind"],
                   cf["amount"])}


def test_a_lent_building_covers_its_item_and_lowers_the_gap_by_its_value():
    without = fundmodel.evaluate(scenario([GRANT]))
    result = fundmodel.evaluate(scenario([GRANT, LENT]))
    # without it: works 1,000 + 2,000 = 3,000, the grant pays 500, gap 2,500
    assert without.funding().loc["gap", "amount"] == pytest.approx(2500.0)
    # with it: the building covers 1,500 of item b (built in 2026): gap 2,500 − 1,500 = 1,000
    table = result.funding()
    assert table.loc["lent building", "amount"] == pytest.approx(1500.0)
    assert table.loc["lent building", "source"] == "in_kind"
    assert table.loc["lent building", "payer"] == "government"      # the street office gives it
    assert table.loc["gap", "amount"] == pytest.approx(1000.0)
    assert table.loc["lent building", "share_of_cost"] == pytest.approx(1500 / 3000)
    got = lines(result)
    # on the ledger, paid in kind by the street office, in the year its item is built
    assert got[("funding[lent building]", 2026)] == ("street_community", "project", "in_kind",
                                                     pytest.approx(1500.0))
    assert got[("funding[lent building]", 2025)][3] == 0.0
    # the gap: a's 1,000 − 500 in 2025, b's 2,000 − 1,500 in 2026
    assert got[("funding[gap]", 2025)][3] == pytest.approx(500.0)
    assert got[("funding[gap]", 2026)][3] == pytest.approx(500.0)


def test_its_value_is_quantity_times_unit_price_and_it_covers_only_what_is_left():
    # 300 m² lent at 10 CNY/m² = 3,000, more than item b's 2,000: it covers 2,000, offers 3,000
    priced = dict(LENT, value=None, quantity=300, unit_price=10)
    del priced["value"]
    table = fundmodel.evaluate(scenario([GRANT, priced])).funding()
    assert table.loc["lent building", "offered"] == pytest.approx(3000.0)
    assert table.loc["lent building", "amount"] == pytest.approx(2000.0)
    assert table.loc["gap", "amount"] == pytest.approx(1000.0 - 500.0)
    # the building provides its item before anyone pays for it: with a grant of 1,800 on b
    # (written first), the building covers 1,500 of b and the grant the 2,000 − 1,500 = 500
    # left; the grant's other 1,300 finds nothing to pay (it may pay b only)
    table = fundmodel.evaluate(scenario([{"source": "central_subsidy", "amount": 1800,
                                          "items": ["b"]}, LENT])).funding()
    assert table.loc["lent building", "amount"] == pytest.approx(1500.0)
    assert table.loc["central_subsidy", "amount"] == pytest.approx(500.0)
    assert table.loc["gap", "amount"] == pytest.approx(1000.0)          # item a, unfunded
    # a share grant pays its share of what is left to pay in cash: 50 % × (2,000 − 1,500)
    table = fundmodel.evaluate(scenario([{"source": "central_subsidy", "share": 0.5,
                                          "items": ["b"]}, LENT])).funding()
    assert table.loc["central_subsidy", "amount"] == pytest.approx(0.5 * 500.0)


def test_ledger_conservation_with_in_kind():
    result = fundmodel.evaluate(scenario([GRANT, LENT, {"source": "top_up", "cap": 300}]))
    cf = result.cashflows()
    for year in (2025, 2026):
        rows = cf[cf["calendar_year"] == year]
        works = rows[rows["line"].str.startswith("works[")]["amount"].sum()
        funded = rows[rows["line"].str.startswith("funding[")]["amount"].sum()
        assert funded == pytest.approx(works)                        # sources + gap = works
    # every party: paid − received sums to 0 over the ledger
    parties = result.parties()
    assert parties["paid"].sum() == pytest.approx(parties["received"].sum())
    # top-up after the building: 3,000 − 500 − 1,500 = 1,000 left, it pays its cap 300
    assert result.funding().loc["gap", "amount"] == pytest.approx(700.0)


def with_cleaning(funding, margin=0.1):
    # fee 0.5 CNY/m²/month × 1,000 m² × 12 = 6,000 a year; cleaning 6,000 and guards 10,000 a
    # year, flat (no growth, no inflation), management margin 10 %; one year of works (2025)
    return Scenario.model_validate({
        "name": "service in kind", "start_year": 2025, "horizon_years": 3,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": [{"name": "a", "tier": "basic", "quantity": 1,
                                  "unit_cost": 1000}]},
        "funding": funding,
        "operations": {"property_fee": {"rate_per_m2_month": 0.5},
                       "management_margin": margin,
                       "costs": [{"name": "cleaning", "per_year": 6000, "growth": 0},
                                 {"name": "guards", "per_year": 10000, "growth": 0}]}})


CLEANING = {"source": "in_kind", "label": "volunteer cleaning", "given_by": "residents",
            "replaces": "cleaning", "value": 6000}


def test_a_volunteer_service_replaces_its_cost_line_and_carries_no_margin():
    before = fundmodel.evaluate(with_cleaning([])).yearly()
    after = fundmodel.evaluate(with_cleaning([CLEANING])).yearly()
    # without it: direct cost 6,000 + 10,000 = 16,000; margin 10 % × 16,000 = 1,600;
    # operating cost 17,600; surplus 6,000 − 17,600 = −11,600 a year
    assert before["operating_cost"].tolist() == pytest.approx([17600.0] * 3)
    # with it: the operator no longer buys the cleaning nor charges its margin on it —
    # cost[cleaning] 6,000 − 6,000 = 0, direct cost 10,000, margin 1,000, operating cost
    # 11,000: it falls by 6,000 × (1 + 10 %) = 6,600, not by 6,000
    assert after["cost[cleaning]"].tolist() == pytest.approx([0.0] * 3)
    assert after["direct_cost"].tolist() == pytest.approx([10000.0] * 3)
    assert after["management_margin"].tolist() == pytest.approx([1000.0] * 3)
    assert after["operating_cost"].tolist() == pytest.approx([11000.0] * 3)
    assert (before["operating_cost"] - after["operating_cost"]).tolist() == \
        pytest.approx([6000.0 * 1.1] * 3)
    assert after["operating_surplus"].tolist() == pytest.approx([6000.0 - 11000.0] * 3)
    # the service itself: a memo line of the statement, at its value, outside the totals
    assert after["in_kind[volunteer cleaning]"].tolist() == pytest.approx([6000.0] * 3)


def test_a_service_worth_more_than_its_line_gives_only_the_line_and_no_funding():
    # 200 volunteer hours × 40 CNY = 8,000 a year, but the cleaning costs 6,000: it gives 6,000
    priced = {k: v for k, v in CLEANING.items() if k != "value"}
    result = fundmodel.evaluate(with_cleaning([GRANT, dict(priced, quantity=200,
                                                             unit_price=40)]))
    yearly = result.yearly()
    assert yearly["in_kind[volunteer cleaning]"].tolist() == pytest.approx([6000.0] * 3)
    assert yearly["cost[cleaning]"].tolist() == pytest.approx([0.0] * 3)
    got = lines(result)
    assert got[("in_kind[volunteer cleaning]", 2026)] == ("residents", "operator", "in_kind",
                                                          pytest.approx(6000.0))
    # it pays nothing toward the works: the grant's 500 of item a's 1,000 leaves a gap of 500
    table = result.funding()
    assert table.loc["volunteer cleaning", "amount"] == 0.0
    assert table.loc["gap", "amount"] == pytest.approx(500.0)


def test_a_partial_service_lowers_the_line_by_its_value():
    # street cleaning by the street office worth 2,500 a year of the 6,000 line: 3,500 left,
    # margin 10 % × (3,500 + 10,000) = 1,350
    yearly = fundmodel.evaluate(with_cleaning([dict(CLEANING, value=2500,
                                                    given_by="street_community")])).yearly()
    assert yearly["cost[cleaning]"].tolist() == pytest.approx([3500.0] * 3)
    assert yearly["management_margin"].tolist() == pytest.approx([1350.0] * 3)


def test_every_source_works_in_a_portfolio():
    # issue 21: investors, bundled projects and debt run on the compound axis too (each
    # compound's own instruments; tests/test_portfolio_instruments.py), so no source carries
    # a flag saying it does not
    from fundmodel.scenario.funding import SOURCES
    assert not any(hasattr(cls, "portfolio") for cls in SOURCES)


def test_every_output_of_both_forms_is_declared():
    from test_declarations import undeclared

    sc = with_cleaning([GRANT, dict(LENT, item="a", value=300), CLEANING])
    assert undeclared(fundmodel.evaluate(sc)) == []
    assert undeclared(fundmodel.simulate(sc, 4, seed=1)) == []


def test_zh_report_and_workbook_name_it_in_chinese(tmp_path):
    from clean_text import leaks
    from test_excel import _cells as workbook_text
    from test_report import visible_text

    sc = with_cleaning([GRANT, dict(LENT, item="a", value=300), CLEANING])
    result = fundmodel.evaluate(sc)
    page = visible_text(render_report(result, lang="zh"))
    assert "实物出资" in page
    assert leaks(page, sc) == []
    book = openpyxl.load_workbook(write_workbook(result, tmp_path / "b.xlsx", lang="zh"))
    cells = workbook_text(book)
    assert "实物出资" in cells
    assert leaks(cells, sc) == []


IN_KIND = "  - source: in_kind\n    given_by: street_community\n    item: roof waterproofing\n"


@pytest.mark.parametrize("new, needle, path, phrase", [
    (IN_KIND.replace("roof waterproofing", "roof proofing") + "    value: 1000\n",
     "item:", "item", "unknown renovation item"),
    (IN_KIND + "    value: -5\n", "value: -5", "value", "0"),
    (IN_KIND.replace("item: roof waterproofing", "replaces: cleaners") + "    value: 9\n",
     "replaces", "replaces", "unknown operating cost line"),
    (IN_KIND + "    replaces: security guards\n    value: 9\n", "item", "item", "one of item"),
    (IN_KIND + "    quantity: 10\n", "quantity", "unit_price", "together"),
    (IN_KIND.replace("street_community", "volunteers") + "    value: 9\n", "given_by",
     "given_by", "residents"),
])
def test_malformed_in_kind(tmp_path, capsys, new, needle, path, phrase):
    text = edit("  - source: central_subsidy\n", new + "  - source: central_subsidy\n")
    f = write(tmp_path, text)
    issues = load_issues(f)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.path.startswith("funding[0]") and issue.path.endswith(path)
    assert phrase in issue.message
    if needle != "quantity":
        first = text.index(new)
        assert issue.line == text[:first + new.index(needle)].count("\n") + 1
    check_cli_rejects(f, tmp_path, capsys, f"{f}:{issue.line}:", phrase)


def test_a_misspelt_key_is_read_against_its_own_source_not_against_in_kind(tmp_path):
    # bug: the error locator took every Literal value of a model as a union tag, so
    # in_kind's given_by: residents claimed the rules of source: residents
    text = edit("  - source: central_subsidy\n",
                "  - source: residents\n    uptak: 0.5\n    per_household: 100\n"
                "  - source: central_subsidy\n")
    issues = load_issues(write(tmp_path, text))
    assert [i.message for i in issues] == ["unknown key 'uptak' (did you mean 'uptake'?)"]
    text = edit("  - source: central_subsidy\n", IN_KIND + "    valeu: 5\n    value: 5\n"
                "  - source: central_subsidy\n")
    issues = load_issues(write(tmp_path, text))
    assert [i.message for i in issues] == ["unknown key 'valeu' (did you mean 'value'?)"]


def growing_cleaning(funding):
    # the cleaning line of with_cleaning, growing 10 % a year: 6,000, 6,600, 7,260
    scenario = with_cleaning(funding).model_dump(exclude_unset=True)
    scenario["operations"]["costs"][0]["growth"] = 0.1
    return Scenario.model_validate(scenario)


def test_a_service_in_kind_grows_as_the_line_it_replaces_unless_it_has_its_own_growth():
    # default: the same service at the line's prices, 6,000 × 1.1^(t−1) = 6,000, 6,600, 7,260,
    # so it replaces the whole line in every year
    yearly = fundmodel.evaluate(growing_cleaning([CLEANING])).yearly()
    assert yearly["in_kind[volunteer cleaning]"].tolist() == pytest.approx([6000.0, 6600.0,
                                                                          7260.0])
    assert yearly["cost[cleaning]"].tolist() == pytest.approx([0.0] * 3)
    # its own growth 0: 6,000 a year, the line keeps 0, 600 and 1,260; the margin (10 %) is
    # charged on what the operator still buys: guards 10,000 + cleaning left
    flat = fundmodel.evaluate(growing_cleaning([dict(CLEANING, growth=0)])).yearly()
    assert flat["in_kind[volunteer cleaning]"].tolist() == pytest.approx([6000.0] * 3)
    assert flat["cost[cleaning]"].tolist() == pytest.approx([0.0, 600.0, 1260.0])
    assert flat["management_margin"].tolist() == pytest.approx([1000.0, 1060.0, 1126.0])
    # its own growth 5 % below the line's 10 %: 6,000, 6,300, 6,615
    slower = fundmodel.evaluate(growing_cleaning([dict(CLEANING, growth=0.05)])).yearly()
    assert slower["in_kind[volunteer cleaning]"].tolist() == pytest.approx([6000.0, 6300.0,
                                                                           6615.0])
    assert slower["cost[cleaning]"].tolist() == pytest.approx([0.0, 300.0, 645.0])


def test_growth_is_for_a_service_not_an_item(tmp_path):
    with pytest.raises(ScenarioError, match=r"funding\[0\]\.growth: an item in kind is given once"):
        scenario([dict(LENT, growth=0.03)])


def test_growth_on_an_item_in_kind_is_located_and_the_cli_writes_nothing(tmp_path, capsys):
    from malformed import BASE_TEXT, check_one_located_issue, line_of

    text = edit("  - source: central_subsidy\n",
                "  - {source: in_kind, item: roof waterproofing, value: 5000, growth: 0.03}\n"
                "  - source: central_subsidy\n", BASE_TEXT)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, "funding[0].growth", "growth is for a service",
                            line_of(text, "growth: 0.03}"), tmp_path, capsys)
