"""Malformed repairs funds: every field of the ``repairs_fund`` section gives a located error
(file:line:column and field path), the CLI exits 2 and writes nothing."""

from __future__ import annotations

import pytest

import fundmodel
from malformed import BASE_TEXT, ROOT, check_one_located_issue, edit, line_of, write

FUND = """\
repairs_fund:
  opening_balance: 70000
  first_deposit: {share_of_construction_cost: 0.06, construction_cost_per_m2: 2500}
  contribution_per_m2_year: 1.2
  contribution_growth: 0.02
  top_up: {trigger_share: 0.3, restore_to_share: 1.0}
  interest: {rate: 0.015, basis: start_of_year_balance}
  components:
    - {name: roof, cost: 400000, useful_life_years: 20, remaining_life_years: 8}
    - {name: pipes, cost: 150000, useful_life_years: 10, age_years: 4}
  threshold: {floor: 100000}
  convention: end_of_year
"""
FUND_TEXT = edit("simulation:\n", FUND + "\nsimulation:\n", BASE_TEXT)
F = "repairs_fund"
DEPOSIT = "  first_deposit: {share_of_construction_cost: 0.06, construction_cost_per_m2: 2500}\n"
TOP_UP = "  top_up: {trigger_share: 0.3, restore_to_share: 1.0}\n"
ROOF = "    - {name: roof, cost: 400000, useful_life_years: 20, remaining_life_years: 8}\n"
PIPES = "    - {name: pipes, cost: 150000, useful_life_years: 10, age_years: 4}\n"

# (id, old text, new text, expected path, key phrase, text on the offending line — None: new)
CASES = [
    ("convention-unknown", "  convention: end_of_year\n", "  convention: reserve-study\n",
     f"{F}.convention", "'end_of_year' or 'reserve_study'", None),
    ("unknown-key", "  contribution_per_m2_year: 1.2\n", "  contributions_per_m2_year: 1.2\n",
     f"{F}.contributions_per_m2_year", "did you mean 'contribution_per_m2_year'", None),
    ("opening-balance-negative", "  opening_balance: 70000\n", "  opening_balance: -5\n",
     f"{F}.opening_balance", "greater than or equal to 0", None),
    ("contribution-extra-zeros", "  contribution_per_m2_year: 1.2\n",
     "  contribution_per_m2_year: 1.2e+18\n", f"{F}.contribution_per_m2_year",
     "the bound on an amount of money", None),
    ("contribution-times-area-beyond-the-bound", "  contribution_per_m2_year: 1.2\n",
     "  contribution_per_m2_year: 1.0e+12\n", f"{F}.contribution_per_m2_year",
     "contribution_per_m2_year × floor_area_m2: up to 1e+16 CNY", None),
    ("contribution-unbounded-distribution", "  contribution_per_m2_year: 1.2\n",
     "  contribution_per_m2_year: {dist: normal, mean: 1.2, sd: 0.3}\n",
     f"{F}.contribution_per_m2_year", "unbounded", None),
    ("contribution-growth-as-percentage", "  contribution_growth: 0.02\n",
     "  contribution_growth: 2\n", f"{F}.contribution_growth", "did you mean 0.02", None),
    ("contribution-growth-each-year", "  contribution_growth: 0.02\n",
     "  contribution_growth: {dist: uniform, low: 0, high: 0.04, each_year: true}\n",
     f"{F}.contribution_growth", "each_year is only allowed", None),
    ("deposit-share-as-percentage", DEPOSIT,
     "  first_deposit: {share_of_construction_cost: 6, construction_cost_per_m2: 2500}\n",
     f"{F}.first_deposit.share_of_construction_cost", "did you mean 0.06", None),
    ("deposit-both-forms", DEPOSIT,
     "  first_deposit: {share_of_construction_cost: 0.06, construction_cost_per_m2: 2500, "
     "per_m2: 30}\n", f"{F}.first_deposit.per_m2", "give either per_m2", None),
    ("deposit-half-a-pair", DEPOSIT, "  first_deposit: {share_of_construction_cost: 0.06}\n",
     f"{F}.first_deposit.share_of_construction_cost",
     "give both share_of_construction_cost and construction_cost_per_m2", None),
    ("deposit-empty", DEPOSIT, "  first_deposit: {}\n", f"{F}.first_deposit",
     "give either per_m2", None),
    ("top-up-restore-below-trigger", TOP_UP,
     "  top_up: {trigger_share: 0.3, restore_to_share: 0.2}\n", f"{F}.top_up.restore_to_share",
     "restore_to_share 0.2 is below trigger_share 0.3", None),
    ("top-up-shares-and-amounts", TOP_UP,
     "  top_up: {trigger_share: 0.3, restore_to_balance: 5000}\n",
     f"{F}.top_up.restore_to_balance", "not both", None),
    ("top-up-amount-without-restore", TOP_UP, "  top_up: {trigger_balance: 5000}\n",
     f"{F}.top_up.trigger_balance", "give restore_to_balance", None),
    ("top-up-nothing", TOP_UP, "  top_up: {}\n", f"{F}.top_up", "give trigger_share", None),
    ("top-up-unknown-key", TOP_UP, "  top_up: {trigger_shar: 0.3}\n",
     f"{F}.top_up.trigger_shar", "did you mean 'trigger_share'", None),
    ("top-up-trigger-as-percentage", TOP_UP, "  top_up: {trigger_share: 30}\n",
     f"{F}.top_up.trigger_share", "did you mean 0.3", None),
    ("top-up-share-without-first-deposit", DEPOSIT, "", f"{F}.top_up.trigger_share",
     "the fund has no first_deposit", TOP_UP.strip()),
    ("interest-as-percentage", "{rate: 0.015, basis: start_of_year_balance}",
     "{rate: 1.5, basis: start_of_year_balance}", f"{F}.interest.rate", "did you mean 0.015",
     None),
    ("interest-unknown-basis", "{rate: 0.015, basis: start_of_year_balance}",
     "{rate: 0.015, basis: average_balance}", f"{F}.interest.basis", "start_of_year_balance",
     None),
    ("interest-without-rate", "{rate: 0.015, basis: start_of_year_balance}",
     "{basis: start_of_year_balance}", f"{F}.interest.rate", "", None),
    ("component-remaining-beyond-life", ROOF, ROOF.replace("remaining_life_years: 8",
                                                           "remaining_life_years: 25"),
     f"{F}.components[0].remaining_life_years", "longer than the useful life of 20 years",
     None),
    ("component-remaining-zero", ROOF, ROOF.replace("remaining_life_years: 8",
                                                    "remaining_life_years: 0"),
     f"{F}.components[0].remaining_life_years", "or convention: reserve_study", None),
    ("component-due-now", PIPES, PIPES.replace("age_years: 4", "age_years: 10"),
     f"{F}.components[1].age_years", "due now", None),
    ("component-older-than-its-life", PIPES, PIPES.replace("age_years: 4", "age_years: 11"),
     f"{F}.components[1].age_years", "longer than the useful life of 10 years", None),
    ("component-two-lives", ROOF, ROOF.replace("}", ", age_years: 3}"),
     f"{F}.components[0].age_years", "not both", None),
    ("component-two-costs", ROOF, ROOF.replace("cost: 400000", "cost: 400000, cost_per_m2: 40"),
     f"{F}.components[0].cost_per_m2", "not both", None),
    ("component-no-cost", ROOF, ROOF.replace("cost: 400000, ", ""),
     f"{F}.components[0]", "give the replacement's cost", None),
    ("component-cost-per-m2-times-area-beyond-the-bound", ROOF,
     ROOF.replace("cost: 400000", "cost_per_m2: 1.0e+12"),
     f"{F}.components[0].cost_per_m2", "cost_per_m2 × floor_area_m2: up to", None),
    ("component-no-life", ROOF, ROOF.replace(", remaining_life_years: 8", ""),
     f"{F}.components[0]", "give remaining_life_years", None),
    ("component-life-zero", ROOF, ROOF.replace("useful_life_years: 20", "useful_life_years: 0"),
     f"{F}.components[0].useful_life_years", "greater than or equal to 1", None),
    ("component-life-not-whole", ROOF, ROOF.replace("useful_life_years: 20",
                                                    "useful_life_years: 20.5"),
     f"{F}.components[0].useful_life_years", "", None),
    ("component-duplicate-name", PIPES, PIPES.replace("name: pipes", "name: roof"),
     f"{F}.components[1].name", "duplicate name 'roof' (also components[0])", None),
    ("component-cost-negative", ROOF, ROOF.replace("cost: 400000", "cost: -1"),
     f"{F}.components[0].cost", "greater than or equal to 0", None),
    ("component-growth-as-percentage", ROOF, ROOF.replace("}", ", growth: 3}"),
     f"{F}.components[0].growth", "did you mean 0.03", None),
    ("component-without-name", PIPES, PIPES.replace("name: pipes, ", ""),
     f"{F}.components[1].name", "", PIPES.replace("name: pipes, ", "").strip()),
    ("threshold-both", "  threshold: {floor: 100000}\n",
     "  threshold: {floor: 100000, percent_funded: 0.5}\n", f"{F}.threshold.percent_funded",
     "give either floor", None),
    ("threshold-percent-as-percentage", "  threshold: {floor: 100000}\n",
     "  threshold: {percent_funded: 50}\n", f"{F}.threshold.percent_funded",
     "did you mean 0.5", None),
]


def test_the_fund_above_is_well_formed(tmp_path):
    sc = fundmodel.load_scenario(write(tmp_path, FUND_TEXT))
    assert [c.name for c in sc.repairs_fund.components] == ["roof", "pipes"]
    assert fundmodel.evaluate(sc).metrics["fund_first_deposit"].iloc[0] == pytest.approx(1.5e6)


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_repairs_fund(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new, FUND_TEXT)
    file = write(tmp_path, text)
    at = at if at is not None else new.strip().splitlines()[0]
    line = line_of(text, at)
    check_one_located_issue(file, text, path, phrase, line, tmp_path, capsys)


def test_contribution_lever_refuses_values_out_of_range(tmp_path):
    """The level contribution is a lever (uncertain-capable); a negative value is refused,
    naming the lever."""
    sc = fundmodel.load_scenario(write(tmp_path, FUND_TEXT))
    with pytest.raises(fundmodel.ScenarioError, match="contribution_per_m2_year"):
        fundmodel.evaluate_batch(sc, {"repairs_fund.contribution_per_m2_year": [1.0, -2.0]})


# ------------------------------------------------------------------ accounts per building
LIFT_TEXT = (ROOT / "scenarios" / "lift-retrofit.yaml").read_text(encoding="utf-8")
BUILDING_FUND = """\
repairs_fund:
  accounts: building
  contribution_per_m2_year: 1.2
  components:
    - {name: roof waterproofing, cost_per_m2: 25, useful_life_years: 15, remaining_life_years: 15}
    - {name: lift overhaul, cost: 120000, per: building, item: lift, useful_life_years: 15, remaining_life_years: 15}
    - {name: gate and fence, cost: 80000, useful_life_years: 20, remaining_life_years: 20}
"""
BUILDING_TEXT = edit("simulation:\n", BUILDING_FUND + "\nsimulation:\n", LIFT_TEXT)
LIFT_LINE = "    - {name: lift overhaul, cost: 120000, per: building, item: lift,"
GATE_LINE = "    - {name: gate and fence, cost: 80000,"
C1 = f"{F}.components[1]"

# (id, base text, old text, new text, expected path, key phrase, text on the offending line)
BUILDING_CASES = [
    ("accounts-without-buildings", FUND_TEXT, "  contribution_per_m2_year: 1.2\n",
     "  accounts: building\n  contribution_per_m2_year: 1.2\n", f"{F}.accounts",
     "add a households section", "  accounts: building"),
    ("accounts-unknown", BUILDING_TEXT, "  accounts: building\n", "  accounts: stairs\n",
     f"{F}.accounts", "'compound' or 'building'", "  accounts: stairs"),
    ("per-building-without-accounts", FUND_TEXT, ROOF,
     ROOF.replace("cost: 400000,", "cost: 400000, per: building,"), f"{F}.components[0].per",
     "write accounts: building", "    - {name: roof, cost: 400000, per: building"),
    ("item-without-accounts", BUILDING_TEXT, "  accounts: building\n", "",
     C1 + ".per", "write accounts: building", LIFT_LINE),
    ("item-no-decision-votes-on", BUILDING_TEXT, "item: lift,",
     "item: stairwell repainting and handrails,", C1 + ".item",
     "no household decision votes on 'stairwell repainting and handrails'",
     "    - {name: lift overhaul"),
    ("item-unknown", BUILDING_TEXT, "item: lift,", "item: lifts,", C1 + ".item",
     "no renovation item is named 'lifts'", "    - {name: lift overhaul"),
    ("item-with-a-shared-cost", BUILDING_TEXT, "per: building, item: lift,", "item: lift,",
     C1 + ".item", "not a cost shared by the whole compound", "    - {name: lift overhaul"),
    ("per-building-per-m2", BUILDING_TEXT, "{name: roof waterproofing, cost_per_m2: 25,",
     "{name: roof waterproofing, cost_per_m2: 25, per: building,", f"{F}.components[0].per",
     "give cost, or leave out per", "    - {name: roof waterproofing"),
    ("per-unknown", BUILDING_TEXT, "{name: gate and fence, cost: 80000,",
     "{name: gate and fence, cost: 80000, per: stair,", f"{F}.components[2].per",
     "'compound' or 'building'", GATE_LINE),
]


def test_the_building_fund_above_is_well_formed(tmp_path):
    sc = fundmodel.load_scenario(write(tmp_path, BUILDING_TEXT))
    assert sc.repairs_fund.accounts == "building"
    assert [c.per for c in sc.repairs_fund.components] == ["compound", "building", "compound"]


@pytest.mark.parametrize("base, old, new, path, phrase, at", [c[1:] for c in BUILDING_CASES],
                         ids=[c[0] for c in BUILDING_CASES])
def test_malformed_building_accounts(tmp_path, capsys, base, old, new, path, phrase, at):
    text = edit(old, new, base)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, path, phrase, line_of(text, at), tmp_path, capsys)
