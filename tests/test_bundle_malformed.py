"""Malformed bundle rules: every new field gives a located error (file:line:column and field
path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

from malformed import check_cli_rejects, edit, load_issues, write

BUNDLE = """  - source: bundle
    label: garage
    scale: 1
    scale_unit: units
    capital: [300000, 100000]
    revenues:
      - {name: parking, per_year: 100000, growth: 0.02}
    operating_costs:
      - {name: upkeep, per_year: 30000}
    fixed_cost_per_year: 20000
    tax_rate: 0.25
    required_return: 0.08
"""
ANCHOR = "\noperations:\n"
P = "funding[4]"

# (id, old text in BUNDLE, new text, path, phrase, text on the offending line)
CASES = [
    ("scale-negative", "scale: 1\n", "scale: -1\n", f"{P}.scale", "greater than or equal to 0",
     "scale: -1"),
    ("scale-unit-unknown", "scale_unit: units", "scale_unit: hectares", f"{P}.scale_unit",
     "'share', 'm2' or 'units'", "scale_unit: hectares"),
    ("capital-negative", "capital: [300000, 100000]", "capital: [300000, -100000]",
     f"{P}.capital[1]", "greater than or equal to 0", "capital: [300000, -100000]"),
    ("capital-not-a-list", "capital: [300000, 100000]", "capital: 300000", f"{P}.capital",
     "list", "capital: 300000"),
    ("capital-past-the-horizon", "capital: [300000, 100000]", "capital: [" + "1, " * 21 + "1]",
     f"{P}.capital", "22 years of capital, but the timeline has 21", "capital: [1, 1"),
    ("no-revenues", "    revenues:\n      - {name: parking, per_year: 100000, growth: 0.02}\n",
     "", P, "bundle needs at least one of: revenues", "  - source: bundle"),
    ("line-both-forms", "per_year: 100000, growth", "per_year: 100000, amount: 5, in_year: 2, "
     "growth", f"{P}.revenues[0]", "give either per_year, or amount with in_year",
     "{name: parking"),
    ("amount-without-in-year", "per_year: 100000, growth", "amount: 100000, growth",
     f"{P}.revenues[0].amount", "needs in_year", "{name: parking"),
    ("in-year-past-horizon", "per_year: 100000, growth", "amount: 100000, in_year: 21, growth",
     f"{P}.revenues[0].in_year", "past the horizon of 20 years", "{name: parking"),
    ("years-past-horizon", "{name: upkeep, per_year: 30000}",
     "{name: upkeep, per_year: 30000, from_year: 5, years: 17}",
     f"{P}.operating_costs[0].years", "runs to operating year 21", "{name: upkeep"),
    ("from-year-past-horizon", "{name: upkeep, per_year: 30000}",
     "{name: upkeep, per_year: 30000, from_year: 25}",
     f"{P}.operating_costs[0].from_year", "past the horizon", "{name: upkeep"),
    ("from-year-on-a-one-off", "{name: upkeep, per_year: 30000}",
     "{name: upkeep, amount: 30000, in_year: 2, from_year: 2}",
     f"{P}.operating_costs[0].from_year", "from_year is for per_year lines", "{name: upkeep"),
    ("in-year-on-a-yearly-line", "{name: upkeep, per_year: 30000}",
     "{name: upkeep, per_year: 30000, in_year: 2}",
     f"{P}.operating_costs[0].in_year", "in_year is for a one-off amount", "{name: upkeep"),
    ("line-growth-percent", "growth: 0.02}", "growth: 2}", f"{P}.revenues[0].growth",
     "did you mean 0.02", "{name: parking"),
    ("duplicate-line-names", "{name: upkeep, per_year: 30000}\n",
     "{name: upkeep, per_year: 30000}\n      - {name: upkeep, per_year: 1}\n",
     f"{P}.operating_costs[1].name", "two lines are named 'upkeep'", "{name: upkeep, per_year: 1}"),
    ("fixed-cost-negative", "fixed_cost_per_year: 20000", "fixed_cost_per_year: -20000",
     f"{P}.fixed_cost_per_year", "greater than or equal to 0", "fixed_cost_per_year: -20000"),
    ("tax-rate-percent", "tax_rate: 0.25", "tax_rate: 25", f"{P}.tax_rate",
     "did you mean 0.25", "tax_rate: 25"),
    ("required-return-percent", "required_return: 0.08", "required_return: 8",
     f"{P}.required_return", "did you mean 0.08", "required_return: 8"),
    ("target-coverage-zero", "required_return: 0.08\n",
     "required_return: 0.08\n    target_coverage: 0\n", f"{P}.target_coverage",
     "greater than 0", "target_coverage: 0"),
    ("target-coverage-huge", "required_return: 0.08\n",
     "required_return: 0.08\n    target_coverage: 50\n", f"{P}.target_coverage",
     "less than or equal to 10", "target_coverage: 50"),
    ("instalments", "required_return: 0.08\n", "required_return: 0.08\n    instalments: [1]\n",
     f"{P}.instalments", "pays as the works are built", "instalments: [1]"),
    ("unknown-key", "    revenues:\n", "    revenue:\n", f"{P}.revenue",
     "did you mean 'revenues'", "    revenue:"),
]


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_bundles(tmp_path, capsys, old, new, path, phrase, at):
    bundle = edit(old, new, BUNDLE)
    text = edit(ANCHOR, "\n" + bundle + ANCHOR)
    file = write(tmp_path, text)
    issues = load_issues(file)
    relevant = [i for i in issues if i.path == path]
    assert relevant, "\n".join(map(str, issues))
    issue = relevant[0]
    assert issue.file == str(file)
    start = text.index(bundle)
    line = text[:start + bundle.index(at)].count("\n") + 1
    assert issue.line == line, str(issue)
    assert issue.column is not None and 1 <= issue.column <= len(text.splitlines()[line - 1])
    assert phrase in issue.message, issue.message
    assert str(issue) == f"{file}:{issue.line}:{issue.column} {path}: {issue.message}"
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", f" {path}: ", phrase)


def test_the_bundle_as_written_is_valid(tmp_path):
    import fundmodel

    text = edit(ANCHOR, "\n" + BUNDLE + ANCHOR)
    scenario = fundmodel.load_scenario(write(tmp_path, text))
    assert scenario.funding[4].source == "bundle"
