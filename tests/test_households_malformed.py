"""Malformed households sections: every new input path gives a located error (file:line:column
and field path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

from malformed import ROOT, check_cli_rejects, check_one_located_issue, edit, line_of, load_issues, write

LIFT = ROOT / "scenarios" / "lift-retrofit.yaml"
LIFT_TEXT = LIFT.read_text(encoding="utf-8")

H = "households"
# (id, old text, new text, expected path, key phrase, text on the offending line — None: new)
CASES = [
    ("buildings-disagree-with-compound",
     "  households: 36\n", "  households: 40\n",
     f"{H}.buildings", "the buildings hold 36 households but compound.households is 40",
     "  buildings:\n    - {name: stair 1"),
    ("building-count-disagrees",
     "  buildings: 3\n", "  buildings: 4\n",
     f"{H}.buildings", "3 building(s) are described but compound.buildings is 4",
     "  buildings:\n    - {name: stair 1"),
    ("charge-names-unknown-item",
     "    - item: lift ", "    - item: lifts ",
     f"{H}.charges[0].item", "no renovation item is named 'lifts' (did you mean 'lift'?)", None),
    ("decision-names-unknown-item",
     "      items: [lift]\n      rule:", "      items: [lyft]\n      rule:",
     f"{H}.decisions[0].items[0]", "no renovation item is named 'lyft'", "items: [lyft]"),
    ("item-charged-twice",
     "      sharing: {rule: floors_travelled, exempt_floors: [1]}   # floor k weighs k - 1\n",
     "      sharing: {rule: floors_travelled, exempt_floors: [1]}   # floor k weighs k - 1\n"
     "    - {item: lift, shared_by: household}\n",
     f"{H}.charges[1].item", "already charged by charges[0]",
     "    - {item: lift, shared_by: household}"),
    ("item-in-two-decisions",
     "  channels:\n    takeup",
     "    - {name: again, kind: other, items: [lift], willingness_to_pay_cny: 1000}\n"
     "  channels:\n    takeup",
     f"{H}.decisions[1].items[0]", "already put to the vote by decisions[0]",
     "    - {name: again, kind: other"),
    ("building-vote-with-non-voting-payers",
     "      kind: add_lift            # voted stair by stair (the default for add_lift)\n",
     "      kind: add_lift            # voted stair by stair (the default for add_lift)\n"
     "      buildings: [stair 1, stair 2]\n",
     f"{H}.decisions[0].items[0]", "charged to stair 3, which do not vote",
     "      items: [lift]\n      rule:"),
    ("decision-names-unknown-building",
     "      kind: add_lift            # voted stair by stair (the default for add_lift)\n",
     "      kind: add_lift            # voted stair by stair (the default for add_lift)\n"
     "      buildings: [stair 4]\n",
     f"{H}.decisions[0].buildings[0]", "no building is named 'stair 4'",
     "      buildings: [stair 4]"),
    ("loan-beyond-the-horizon",
     "    loan_term_years: 10\n", "    loan_term_years: 20\n",
     f"{H}.channels.loan_term_years", "repaid after the 15 years of the horizon", None),
    ("wtp-each-year",
     "high: 100000}\n  channels:", "high: 100000, each_year: true}\n  channels:",
     f"{H}.decisions[0].willingness_to_pay_cny", "each_year is only allowed for growth rates",
     "each_year: true"),
    ("wtp-negative",
     "willingness_to_pay_cny: {dist: triangular, low: 10000, mode: 40000, high: 100000}",
     "willingness_to_pay_cny: -5000",
     f"{H}.decisions[0].willingness_to_pay_cny", "", None),
    ("takeups-above-one",
     "takeup: {provident_fund: 0.4, repairs_fund: 0.2, loan: 0.15}",
     "takeup: {provident_fund: 0.7, repairs_fund: 0.2, loan: 0.15}",
     f"{H}.channels.takeup", "at most 1", None),
    ("unknown-sharing-rule",
     "sharing: {rule: floors_travelled,", "sharing: {rule: floor_travelled,",
     f"{H}.charges[0].sharing.rule", "", None),
    ("units-list-wrong-length",
     "{name: stair 3, floors: 6, units_per_floor: 2,",
     "{name: stair 3, floors: 6, units_per_floor: [2, 2, 2],",
     f"{H}.buildings[2].units_per_floor", "3 entries for 6 floors", None),
]


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_households(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new, LIFT_TEXT)
    file = write(tmp_path, text)
    at = at if at is not None else new.strip().splitlines()[0]
    line = line_of(text, at)
    if at.startswith("  buildings:"):
        line += 1  # a list is located at its first entry
    check_one_located_issue(file, text, path, phrase, line, tmp_path, capsys)


def test_a_willingness_to_pay_cannot_be_correlated(tmp_path, capsys):
    text = edit("simulation:\n  draws: 10000\n",
                "simulation:\n  draws: 10000\n  correlations:\n"
                "    inputs: ['households.decisions[0].willingness_to_pay_cny', "
                "'renovation.items[0].unit_cost']\n    matrix: [[1, 0.5], [0.5, 1]]\n", LIFT_TEXT)
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.path == "simulation.correlations.inputs[0]"
    assert "drawn for every household separately" in issue.message
    assert issue.line == line_of(text, "    inputs: ['households")
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:",
                      "simulation.correlations.inputs[0]", "every household")
