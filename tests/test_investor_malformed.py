"""Malformed social-capital rules: every new field gives a located error (file:line:column and
field path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

from malformed import check_cli_rejects, check_one_located_issue, edit, line_of, load_issues, write

INVESTOR = """\
  - source: social_capital
    label: charging
    concession_years: 15
    hurdle_rate: 0.08
    takes_over: [parking]
    streams:
      - {name: EV charging, units: 20, price_per_month: 150, occupancy: 0.5,
         operating_cost_per_year: 6000}
"""
ANCHOR = "    uptake: {dist: beta, a: 16, b: 4}   # share of households that pay\n"
TEXT = edit(ANCHOR, ANCHOR + INVESTOR)
F = "funding[4]"

# (id, old text, new text, expected path, key phrase, text on the offending line — None: new)
CASES = [
    ("concession-beyond-horizon", "concession_years: 15", "concession_years: 25",
     f"{F}.concession_years", "would run past the 20 operating years of the horizon", None),
    ("concession-zero", "concession_years: 15", "concession_years: 0",
     f"{F}.concession_years", "greater than or equal to 1", None),
    ("concession-fraction", "concession_years: 15", "concession_years: 7.5",
     f"{F}.concession_years", "", None),
    ("concession-missing", "    concession_years: 15\n", "",
     f"{F}.concession_years", "required", "  - source: social_capital"),
    ("hurdle-percent", "hurdle_rate: 0.08", "hurdle_rate: 8",
     f"{F}.hurdle_rate", "0.08", None),
    ("hurdle-negative", "hurdle_rate: 0.08", "hurdle_rate: -0.02",
     f"{F}.hurdle_rate", "", None),
    ("hurdle-missing", "    hurdle_rate: 0.08\n", "",
     f"{F}.hurdle_rate", "required", "  - source: social_capital"),
    ("takes-unknown-line", "takes_over: [parking]", "takes_over: [parkin]",
     f"{F}.takes_over[0]", "no income line of the operations is named 'parkin' "
     "(did you mean 'parking'?)", None),
    ("takes-twice", "takes_over: [parking]", "takes_over: [parking, parking]",
     f"{F}.takes_over[1]", "'parking' is listed twice", None),
    ("takes-empty", "takes_over: [parking]", "takes_over: []",
     f"{F}.takes_over", "at least 1", None),
    ("takes-not-a-list", "takes_over: [parking]", "takes_over: parking",
     f"{F}.takes_over", "", None),
    ("nothing-to-earn", "    takes_over: [parking]\n    streams:\n"
     "      - {name: EV charging, units: 20, price_per_month: 150, occupancy: 0.5,\n"
     "         operating_cost_per_year: 6000}\n", "",
     F, "social_capital needs at least one of: takes_over, streams",
     "  - source: social_capital"),
    ("stream-without-revenue", "{name: EV charging, units: 20, price_per_month: 150, "
     "occupancy: 0.5,", "{name: EV charging, occupancy: 0.5,",
     f"{F}.streams[0]", "give either per_year, or units and price_per_month", None),
    ("stream-units-only", "units: 20, price_per_month: 150, occupancy: 0.5,",
     "units: 20, occupancy: 0.5,", f"{F}.streams[0].price_per_month",
     "give both units and price_per_month", None),
    ("stream-occupancy-above-one", "occupancy: 0.5,", "occupancy: 1.5,",
     f"{F}.streams[0].occupancy", "", None),
    ("stream-cost-negative", "operating_cost_per_year: 6000}", "operating_cost_per_year: -6000}",
     f"{F}.streams[0].operating_cost_per_year", "", None),
    ("stream-growth-too-large", "operating_cost_per_year: 6000}",
     "operating_cost_per_year: 6000, growth: 3}", f"{F}.streams[0].growth", "", None),
    ("stream-unknown-key", "price_per_month: 150,", "price_per_months: 150,",
     f"{F}.streams[0].price_per_months", "price_per_month", None),
    ("stream-no-name", "{name: EV charging, units", "{units",
     f"{F}.streams[0].name", "required", None),
    ("stream-names-twice", "         operating_cost_per_year: 6000}\n",
     "         operating_cost_per_year: 6000}\n      - {name: EV charging, per_year: 100}\n",
     f"{F}.streams[1].name", "duplicate stream name 'EV charging'",
     "      - {name: EV charging, per_year: 100}"),
    ("invests-unknown-mode", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    invests: all\n", f"{F}.invests", "", None),
    ("invests-amount-without-amount", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    invests: amount\n", f"{F}.invests", "invests: amount needs the field amount", None),
    ("amount-without-invests-amount", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    amount: 50000\n", f"{F}.amount", "amount is only read with invests: amount", None),
    ("amount-negative", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    invests: amount\n    amount: -5\n", f"{F}.amount", "", "    amount: -5"),
    ("instalments", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    instalments: [1.0]\n", f"{F}.instalments", "an investor pays as the works are built",
     None),
    ("unknown-key", "    hurdle_rate: 0.08\n", "    hurdle_rate: 0.08\n"
     "    concesion: 3\n", f"{F}.concesion", "", None),
]


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_investor(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new, TEXT)
    file = write(tmp_path, text)
    at = at if at is not None else new.strip().splitlines()[-1].strip()
    line = line_of(text, at)
    check_one_located_issue(file, text, path, phrase, line, tmp_path, capsys)


def test_a_line_is_taken_over_by_one_investor_only(tmp_path, capsys):
    second = INVESTOR.replace("label: charging", "label: again").replace(
        "    streams:\n      - {name: EV charging, units: 20, price_per_month: 150, "
        "occupancy: 0.5,\n         operating_cost_per_year: 6000}\n", "")
    second = second.replace("takes_over: [parking]", "takes_over: [cars, parking]")
    text = edit(ANCHOR, ANCHOR + INVESTOR + second)
    text = edit("  income:\n    - {name: parking, units: 20, price_per_month: 100, "
                "occupancy: 0.7}\n",
                "  income:\n    - {name: parking, units: 20, price_per_month: 100, "
                "occupancy: 0.7}\n    - {name: cars, per_year: 100}\n", text)
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.path == "funding[5].takes_over[1]"
    assert "income line 'parking' is already taken over by funding[4]" in issue.message
    assert issue.line == line_of(text, "takes_over: [cars, parking]")
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:",
                      " funding[5].takes_over[1]: ", "already taken over")


def test_the_valid_rule_loads(tmp_path):
    import fundmodel
    sc = fundmodel.load_scenario(write(tmp_path, TEXT))
    assert sc.funding[4].source == "social_capital"
