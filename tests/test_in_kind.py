"""The in-kind contribution instrument (实物出资): a capital item given in kind — a lent
public building — valued at a price, worked by hand."""

from __future__ import annotations

import numpy as np
import openpyxl
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
    # a grant on b pays first (1,800): the building covers the 200 left
    table = fundmodel.evaluate(scenario([{"source": "central_subsidy", "amount": 1800,
                                          "items": ["b"]}, LENT])).funding()
    assert table.loc["lent building", "amount"] == pytest.approx(2000.0 - 1800.0)
    assert table.loc["gap", "amount"] == pytest.approx(1000.0)          # item a, unfunded


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


def test_it_works_in_a_portfolio_flag_and_the_financing_instruments_do_not():
    from fundmodel.scenario.funding import SOURCES
    by_name = {cls.model_fields["source"].annotation.__args__[0]: cls for cls in SOURCES}
    assert by_name["in_kind"].portfolio and by_name["top_up"].portfolio
    assert not any(by_name[s].portfolio for s in ("social_capital", "bundle", "bank_loan",
                                                   "special_bond"))


def test_zh_report_and_workbook_name_it_in_chinese(tmp_path):
    from clean_text import leaks
    from test_excel import _cells as workbook_text
    from test_report import visible_text

    sc = scenario([GRANT, LENT])
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
