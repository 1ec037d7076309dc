"""Malformed debt rules (bank loans, special bonds): every new field gives a located error
(file:line:column and field path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

import fundmodel
from malformed import check_one_located_issue, edit, line_of, write

DEBTS = """\
  - source: bank_loan
    label: bank
    amount: 400000
    rate: 0.04
    term_years: 10
    pledged: [property_fee]
    guarantee: {by: city_district_government, share: 1.0}
  - source: special_bond
    label: bond
    dscr_target: 1.3
    repayment: sculpted
    rate: 0.03
    term_years: 15
    grace_years: 2
    pledged: ['income[parking]']
    pledged_costs: ['cost[routine repairs]']
    coverage_threshold: 1.2
    issuer: city_district_government
"""
DEBT_TEXT = edit("  - source: residents\n", DEBTS + "  - source: residents\n")
LOAN, BOND = "funding[3]", "funding[4]"

# (id, old text, new text, expected path, key phrase, text on the offending line — None: new)
CASES = [
    ("amount-negative", "    amount: 400000\n", "    amount: -5\n",
     f"{LOAN}.amount", "greater than or equal to 0", None),
    ("amount-extra-zeros", "    amount: 400000\n", "    amount: 4.0e+18\n",
     f"{LOAN}.amount", "", None),
    ("rate-as-percentage", "    rate: 0.04\n", "    rate: 4\n",
     f"{LOAN}.rate", "did you mean 0.04", None),
    ("rate-negative", "    rate: 0.04\n", "    rate: -0.01\n", f"{LOAN}.rate", "", None),
    ("term-beyond-the-horizon", "    term_years: 10\n", "    term_years: 25\n",
     f"{LOAN}.term_years", "would end after the 20 operating years of the horizon", None),
    ("term-not-whole", "    term_years: 10\n", "    term_years: 10.5\n",
     f"{LOAN}.term_years", "", None),
    ("term-zero", "    term_years: 10\n", "    term_years: 0\n", f"{LOAN}.term_years", "", None),
    ("grace-as-long-as-the-term", "    grace_years: 2\n", "    grace_years: 15\n",
     f"{BOND}.grace_years", "grace_years must be less than term_years", None),
    ("grace-negative", "    grace_years: 2\n", "    grace_years: -1\n",
     f"{BOND}.grace_years", "", None),
    ("unknown-repayment", "    repayment: sculpted\n", "    repayment: sculpt\n",
     f"{BOND}.repayment", "", None),
    ("sculpted-without-a-dscr-target", "    dscr_target: 1.3\n", "    amount: 100000\n",
     f"{BOND}.repayment", "give dscr_target", "    repayment: sculpted"),
    ("dscr-target-zero", "    dscr_target: 1.3\n", "    dscr_target: 0\n",
     f"{BOND}.dscr_target", "", None),
    ("dscr-target-uncertain-below-zero", "    dscr_target: 1.3\n",
     "    dscr_target: {dist: normal, mean: 1.3, sd: 0.5}\n", f"{BOND}.dscr_target", "", None),
    ("gearing-as-percentage", "    amount: 400000\n", "    amount: 400000\n    gearing: 80\n",
     f"{LOAN}.gearing", "did you mean 0.8", "    gearing: 80"),
    ("pledged-unknown-income", "pledged: [property_fee]",
     "pledged: [property_fee, 'income[parkin]']", f"{LOAN}.pledged[1]",
     "no operating revenue line is named 'income[parkin]' (did you mean 'income[parking]'?)",
     None),
    ("pledged-a-cost-as-revenue", "pledged: [property_fee]",
     "pledged: [property_fee, 'cost[cleaner]']", f"{LOAN}.pledged[1]",
     "no operating revenue line is named 'cost[cleaner]'", None),
    ("pledged-twice", "pledged: [property_fee]",
     "pledged: [property_fee, property_fee]", f"{LOAN}.pledged[1]", "listed twice", None),
    ("pledged-nothing", "pledged: [property_fee]", "pledged: []",
     f"{LOAN}.pledged", "at least 1", None),
    ("pledged-not-a-list", "pledged: [property_fee]",
     "pledged: property_fee", f"{LOAN}.pledged", "", None),
    # a line pledged to two debts: in shares summing to at most 1, each located on the later
    ("pledged-to-two-debts-whole", "pledged: [property_fee]",
     "pledged: [property_fee, 'income[parking]']", f"{BOND}.pledged[0]",
     "pledged by the debts 'bank' (funding[3]) and 'bond' (funding[4])",
     "    pledged: ['income[parking]']"),
    ("share-zero", "pledged: ['income[parking]']",
     "pledged: [{line: 'income[parking]', share: 0}]", f"{BOND}.pledged[0].share", "", None),
    ("pledged-a-number", "pledged: ['income[parking]']", "pledged: [5]",
     f"{BOND}.pledged[0]", "a line's name, or a line and its share", None),
    ("pledged-share-unknown-line", "pledged: ['income[parking]']",
     "pledged: [{line: 'income[parkin]', share: 0.5}]", f"{BOND}.pledged[0].line",
     "no operating revenue line is named 'income[parkin]'", None),
    ("pledged-cost-unknown", "pledged_costs: ['cost[routine repairs]']",
     "pledged_costs: ['cost[repairs]']", f"{BOND}.pledged_costs[0]",
     "no operating cost line is named 'cost[repairs]'", None),
    ("coverage-threshold-negative", "    coverage_threshold: 1.2\n",
     "    coverage_threshold: -1\n", f"{BOND}.coverage_threshold", "", None),
    ("coverage-threshold-uncertain", "    coverage_threshold: 1.2\n",
     "    coverage_threshold: {dist: uniform, low: 1, high: 2}\n",
     f"{BOND}.coverage_threshold", "", None),
    ("guarantor-not-a-government", "{by: city_district_government, share: 1.0}",
     "{by: contractors, share: 1.0}", f"{LOAN}.guarantee.by", "", None),
    ("guarantee-share-above-one", "{by: city_district_government, share: 1.0}",
     "{by: city_district_government, share: 1.5}", f"{LOAN}.guarantee.share", "", None),
    ("guarantee-unknown-key", "{by: city_district_government, share: 1.0}",
     "{by: city_district_government, shares: 1.0}", f"{LOAN}.guarantee.shares",
     "did you mean 'share'", None),
    ("guarantee-on-a-bond", "    issuer: city_district_government\n",
     "    issuer: city_district_government\n    guarantee: {by: provincial_government}\n",
     f"{BOND}.guarantee", "unknown key", "    guarantee: {by: provincial_government}"),
    ("issuer-not-a-bond-issuer", "    issuer: city_district_government\n",
     "    issuer: street_community\n", f"{BOND}.issuer", "", None),
    ("instalments-on-debt", "    amount: 400000\n", "    amount: 400000\n    instalments: [1.0]\n",
     f"{LOAN}.instalments", "debt is drawn as the works are built", "    instalments: [1.0]"),
    ("no-amount", "    amount: 400000\n", "",
     f"{LOAN}", "needs at least one of: amount, dscr_target, gearing", "  - source: bank_loan"),
]


def test_the_debts_above_are_well_formed(tmp_path):
    sc = fundmodel.load_scenario(write(tmp_path, DEBT_TEXT))
    assert [r.source for r in sc.funding[3:5]] == ["bank_loan", "special_bond"]


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_debt(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new, DEBT_TEXT)
    file = write(tmp_path, text)
    at = at if at is not None else new.strip().splitlines()[0]
    line = line_of(text, at)
    check_one_located_issue(file, text, path, phrase, line, tmp_path, capsys)


def test_a_line_shared_by_one_debt_and_pledged_whole_by_another(tmp_path, capsys):
    # the loan pledges the whole parking, the bond half of it: the bond's share is refused,
    # naming both debts (a whole line pledged leaves no share for another debt)
    text = edit("pledged: [property_fee]", "pledged: [property_fee, 'income[parking]']",
                DEBT_TEXT)
    text = edit("pledged: ['income[parking]']",
                "pledged: [{line: 'income[parking]', share: 0.5}]", text)
    line = line_of(text, "share: 0.5}]")
    check_one_located_issue(write(tmp_path, text), text, f"{BOND}.pledged[0].share",
                            "'bank' pledges the whole line", line, tmp_path, capsys)


def test_a_line_shared_in_parts_is_accepted(tmp_path):
    text = edit("pledged: [property_fee]",
                "pledged: [property_fee, {line: 'income[parking]', share: 0.4}]", DEBT_TEXT)
    text = edit("pledged: ['income[parking]']",
                "pledged: [{line: 'income[parking]', share: 0.6}]", text)
    sc = fundmodel.load_scenario(write(tmp_path, text))
    assert sc.funding[3].pledges() == [("property_fee", None), ("income[parking]", 0.4)]
    assert sc.funding[4].pledges() == [("income[parking]", 0.6)]


def test_an_empty_items_list_on_a_debt_is_refused(tmp_path, capsys):
    # a debt allowed to finance no item would lend nothing: a mistake, located on items
    text = edit("    amount: 400000\n", "    items: []\n    amount: 400000\n", DEBT_TEXT)
    check_one_located_issue(write(tmp_path, text), text, f"{LOAN}.items",
                            "empty items list leaves the debt nothing to finance",
                            line_of(text, "items: []"), tmp_path, capsys)


def test_shares_of_a_line_above_the_whole_line_are_refused(tmp_path, capsys):
    # 0.7 to the loan and 0.6 to the bond: 1.3 of one parking income
    text = edit("pledged: [property_fee]",
                "pledged: [property_fee, {line: 'income[parking]', share: 0.7}]", DEBT_TEXT)
    text = edit("pledged: ['income[parking]']",
                "pledged: [{line: 'income[parking]', share: 0.6}]", text)
    check_one_located_issue(write(tmp_path, text), text, f"{BOND}.pledged[0].share",
                            "'bank' (funding[3]) 0.7 and 'bond' (funding[4]) 0.6 sum to 1.3",
                            line_of(text, "share: 0.6}]"), tmp_path, capsys)
