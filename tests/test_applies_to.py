"""``applies_to``: funding rules, renovation items and operating lines that exist for some
compounds only (issue 21, part 4): worked by hand on a district of four, the district equal to
each compound's own run bit for bit, "as if not written" where a rule does not apply, and one
located error per mistake."""

from __future__ import annotations

import copy
import pathlib
import sys

import numpy as np
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from fundmodel.cli import main
from fundmodel.engine.model import run_compounds, run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.portfolio.evaluation import simulate_portfolio
from fundmodel.portfolio.service_areas import area_subsidy
from fundmodel.run.montecarlo import simulate
from fundmodel.scenario import load_scenario
from fundmodel.scenario.applies import (AppliesToError, Clause, CompoundFacts, TableFacts,
                                        applies_mask, parse_condition)
from fundmodel.scenario.portfolio import one_compound

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from malformed import check_cli_rejects, load_issues, position_of  # noqa: E402
from test_portfolio_instruments import as_district  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]

TABLE = """id,name,households,floor_area_m2,storeys,built_year,soe_dormitory
A,a,100,8000,6,1985,yes
B,b,50,4000,5,1995,no
C,c,200,16000,6,2005,no
D,d,80,6400,4,1998,
"""
"""Four compounds: A a former SOE dormitory (D's empty cell is "no"), A, B and D built before
2000."""

DISTRICT = """\
name: applies-to-district
start_year: 2025
horizon_years: 5
discount_rate: 0.0
inflation: 0.0
renovation:
  items:
    - {name: pipes, tier: basic, quantity_rule: {per: households}, unit: household,
       unit_cost: 10000}
    - {name: handover works, tier: basic, quantity: 1, unit: lot, unit_cost: 50000,
       applies_to: soe_dormitory}
    - {name: lifts, tier: upgrade, quantity: 2, unit: lift, unit_cost: 300000,
       applies_to: [B, C]}
funding:
  - {source: soe_transfer, per_household: 3000, applies_to: soe_dormitory}
  - {source: provincial_funds, per_household: 2000, applies_to: "built_year < 2000"}
  - {source: central_subsidy, per_household: PER_HOUSEHOLD}
operations:
  property_fee: {per_household_month: 20, collection_rate: 1.0}
  income:
    - {name: parking, per_year: 12000, applies_to: "households >= 100"}
  costs:
    - {name: cleaners, staff: 1, wage_per_month: 2000, applies_to: not soe_dormitory}
    - {name: network upkeep, households_per_staff: 100, wage_per_month: 3000,
       applies_to: soe_dormitory}
    - {name: repairs, per_year: 5000}
simulation: {draws: 100, seed: 1}
portfolio:
  compounds: compounds.csv
"""


def _district(tmp_path, text=DISTRICT, table=TABLE, per_household="1000"):
    (tmp_path / "compounds.csv").write_text(table, encoding="utf-8")
    path = tmp_path / "district.yaml"
    path.write_text(text.replace("PER_HOUSEHOLD", per_household), encoding="utf-8")
    return path


def _run(scenario):
    return run_compounds(model_inputs(scenario, point_values(scenario), 1,
                                      scenario.portfolio.table))


def _line(out, name):
    """A yearly line in operating year 1, one value per compound."""
    value = out.yearly[name]
    return np.broadcast_to(value, (value.shape[0], 4, value.shape[-1]))[0, :, 0]


# ----------------------------------------------------------------------------- by hand
def test_transfer_funds_and_the_subsidy_by_hand(tmp_path):
    """三供一业 transfer funds (3,000 CNY/household) only in the SOE dormitory A; a provincial
    subsidy (2,000 CNY/household) only for compounds built before 2000 (A 1985, B 1995,
    D 1998 — not C, 2005); the central subsidy (1,000 CNY/household) everywhere."""
    scenario = load_scenario(_district(tmp_path))
    out = _run(scenario)
    hh = {"A": 100, "B": 50, "C": 200, "D": 80}
    applied = out.funding_applied[0]                           # (compound, rule)
    np.testing.assert_array_equal(applied[:, 0], [3000 * 100, 0, 0, 0])
    np.testing.assert_array_equal(applied[:, 1], [2000 * 100, 2000 * 50, 0, 2000 * 80])
    np.testing.assert_array_equal(applied[:, 2], [1000 * h for h in hh.values()])
    # the transfer funds are the state firm's, not the government's
    np.testing.assert_array_equal(out.metrics["soe_cost"][0], [300_000, 0, 0, 0])
    np.testing.assert_array_equal(out.metrics["government_cost"][0],
                                  [200_000 + 100_000,     # A: provincial + central
                                   100_000 + 50_000,      # B
                                   0 + 200_000,           # C: central only
                                   160_000 + 80_000])     # D
    # the transfer funds' ledger line is 0 outside A
    line = out.ledger["funding[soe_transfer]"]
    assert np.broadcast_to(line, (1, 4, line.shape[-1]))[0].sum(axis=-1).tolist() == \
        [300_000, 0, 0, 0]


def test_items_and_lines_by_hand(tmp_path):
    """Items: pipes 10,000 CNY a household everywhere, the handover works (50,000) only in A,
    two lifts (2 × 300,000) only in B and C. Lines in year 1: parking 12,000 where there are
    at least 100 households (A, C); a cleaner (12 × 2,000) where the compound is not a
    dormitory; network upkeep (A's 100 households / 100 per person × 12 × 3,000) only in A;
    repairs 5,000 everywhere; the fee 12 × 20 a household."""
    out = _run(load_scenario(_district(tmp_path)))
    np.testing.assert_array_equal(out.item_costs[0], [[1_000_000, 50_000, 0],
                                                      [500_000, 0, 600_000],
                                                      [2_000_000, 0, 600_000],
                                                      [800_000, 0, 0]])
    np.testing.assert_array_equal(out.metrics["capex_total"][0],
                                  [1_050_000, 1_100_000, 2_600_000, 800_000])
    np.testing.assert_allclose(out.metrics["funding_gap"][0],       # allocated over items
                               [1_050_000 - 600_000, 1_100_000 - 150_000,
                                2_600_000 - 200_000, 800_000 - 240_000], rtol=1e-15)
    np.testing.assert_array_equal(_line(out, "income[parking]"), [12_000, 0, 12_000, 0])
    np.testing.assert_array_equal(_line(out, "cost[cleaners]"), [0, 24_000, 24_000, 24_000])
    np.testing.assert_array_equal(_line(out, "cost[network upkeep]"), [36_000, 0, 0, 0])
    np.testing.assert_array_equal(_line(out, "cost[repairs]"), [5_000] * 4)
    fee = [240 * 100, 240 * 50, 240 * 200, 240 * 80]
    np.testing.assert_array_equal(out.metrics["operating_surplus_first_year"][0],
                                  [fee[0] + 12_000 - 36_000 - 5_000,
                                   fee[1] - 24_000 - 5_000,
                                   fee[2] + 12_000 - 24_000 - 5_000,
                                   fee[3] - 24_000 - 5_000])


# ----------------------------------------------------------------------------- bits
def test_the_district_equals_each_compounds_own_run(tmp_path):
    """Each compound's column of the district has the bits of its own one-compound scenario
    (``one_compound`` keeps every rule, item and line, ``applies_to`` read on the compound's
    own facts)."""
    scenario = load_scenario(_district(tmp_path))
    together = _run(scenario)
    for i in range(4):
        alone = one_compound(scenario, i)
        assert alone.funding[0].applies_to == "soe_dormitory"
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for name, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[name][:, i], value, err_msg=name)
        np.testing.assert_array_equal(together.funding_applied[:, i], out.funding_applied)


def test_monte_carlo_district_equals_each_compounds_own_run(tmp_path):
    """With an uncertain central subsidy (shared by the district), every compound's summaries
    are those of its own Monte Carlo run over the same draws."""
    scenario = load_scenario(_district(tmp_path, per_household="{dist: uniform, low: 500, "
                                       "high: 1500}"))
    result = simulate_portfolio(scenario, draws=400, seed=3)
    for i in range(4):
        single = simulate(one_compound(scenario, i), draws=400, seed=3)
        for metric in ("government_cost", "funding_gap", "npv_operations", "capex_total"):
            assert result.compounds[f"{metric}_mean"][i] == single.metrics[metric].mean(), \
                (i, metric)


@pytest.mark.parametrize("name", ["guangan-bundle", "special-bond-plan",
                                  "liubei-soe-dormitory"])
def test_every_instrument_with_applies_to_equals_each_compounds_own_run(name, tmp_path):
    """Every funding rule (grants, an investor, a bundle, bonds, loans, a top-up), item and
    line of a shipped scenario given an ``applies_to`` in turn (a condition, one id, two ids)
    on a district of three: the compound axis has the bits of each compound's own run, and a
    rule pays nothing where it does not apply."""
    scenario = as_district(name, tmp_path, scales=(1.0, 0.5, 2.0))
    data = yaml.safe_load((tmp_path / "district.yaml").read_text(encoding="utf-8"))
    first = int(scenario.portfolio.table.households[0])
    choices = [f"households < {first}", ["C1"], ["C0", "C2"]]        # C1; C1; C0 and C2
    masks = [[False, True, False], [False, True, False], [True, False, True]]
    for k, rule in enumerate(data["funding"]):
        rule["applies_to"] = copy.deepcopy(choices[k % 3])
    for k, item in enumerate(data["renovation"]["items"]):
        item["applies_to"] = copy.deepcopy(choices[(k + 1) % 3])
    for section in ("income", "costs"):
        for k, line in enumerate(data["operations"].get(section, [])):
            line["applies_to"] = copy.deepcopy(choices[(k + 2) % 3])
    (tmp_path / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    scenario = load_scenario(tmp_path / "district.yaml")
    together = _run(scenario)
    for k in range(len(scenario.funding)):
        off = ~np.array(masks[k % 3])
        assert not together.funding_applied[0, off, k].any(), k
    for i in range(3):
        alone = one_compound(scenario, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"{name} compound {i}: {metric}")


def _without(data: dict, where: list[tuple[str, ...]]) -> dict:
    data = copy.deepcopy(data)
    for *path, name in where:
        entries = data
        for key in path:
            entries = entries[key]
        entries[:] = [e for e in entries if e.get("name", e.get("source")) != name]
    return data


def test_as_if_not_written_where_it_does_not_apply(tmp_path):
    """Compound C (built 2005, not a dormitory): the district gives it what the scenario
    without the transfer funds, the provincial subsidy, the handover works, the network upkeep
    and the cleaners' ``applies_to`` gives — every common metric, bit for bit."""
    scenario = load_scenario(_district(tmp_path))
    together = _run(scenario)
    data = yaml.safe_load(DISTRICT.replace("PER_HOUSEHOLD", "1000"))
    data = _without(data, [("funding", "soe_transfer"), ("funding", "provincial_funds"),
                           ("renovation", "items", "handover works"),
                           ("operations", "costs", "network upkeep")])
    del data["operations"]["costs"][0]["applies_to"]        # the cleaners apply to C
    del data["operations"]["income"][0]["applies_to"]       # parking applies to C (200 ≥ 100)
    data["renovation"]["items"][1].pop("applies_to")        # the lifts apply to C
    data.pop("portfolio")
    data["compound"] = {"name": "c", "id": "C", "households": 200, "floor_area_m2": 16000.0,
                        "storeys": 6, "built_year": 2005, "attributes": {"soe_dormitory": 0.0}}
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "c.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                               encoding="utf-8")
    plain = load_scenario(tmp_path / "plain" / "c.yaml")
    out = run_model(model_inputs(plain, point_values(plain), 1))
    common = set(out.metrics) & set(together.metrics)
    assert {"government_cost", "funding_gap", "npv_operations", "capex_total"} <= common
    for name in common:
        np.testing.assert_array_equal(together.metrics[name][:, 2], out.metrics[name],
                                      err_msg=name)


def test_one_compound_reads_its_own_facts():
    """Without a portfolio, ``applies_to`` is read on the compound (built 1987): a subsidy for
    compounds built before 1980 gives 0 (the scenario without it, bit for bit); one for
    compounds built before 2000 changes nothing; a list of ids names compound.id."""
    base = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    plain = load_scenario(base)
    reference = run_model(model_inputs(plain, point_values(plain), 1))

    def run(*sets):
        sc = load_scenario(base, list(sets))
        return run_model(model_inputs(sc, point_values(sc), 1))

    for sets in (["funding[0].applies_to=built_year < 2000"],
                 ["compound.id=S3", "funding[0].applies_to=[S3, S4]"],
                 ["operations.costs[0].applies_to=storeys >= 6 and buildings == 2"]):
        out = run(*sets)
        for name, value in reference.metrics.items():
            np.testing.assert_array_equal(out.metrics[name], value, err_msg=f"{sets} {name}")
    out = run("funding[0].applies_to=built_year < 1980")
    assert out.funding_applied[0, 0] == 0
    out = run("compound.id=S3", "funding[0].applies_to=[S4]")
    assert out.funding_applied[0, 0] == 0
    out = run("operations.costs[0].applies_to=not lifts_possible",
              "compound.lifts_possible=true")
    assert not out.yearly["cost[security guards]"].any()


def test_a_shared_service_area_has_a_line_that_applies_to_any_of_its_compounds(tmp_path):
    """The network upkeep applies to the dormitory A only: an area of A and B bears it (its
    subsidy differs from the scenario without the line), an area of B and C does not."""
    from scipy import sparse
    scenario = load_scenario(_district(tmp_path))
    without = yaml.safe_load(DISTRICT.replace("PER_HOUSEHOLD", "1000"))
    without = _without(without, [("operations", "costs", "network upkeep")])
    (tmp_path / "without").mkdir()
    plain = load_scenario(_district(tmp_path / "without", text=yaml.safe_dump(without)))
    members = sparse.csr_array(np.array([[1, 1, 0, 0], [0, 1, 1, 0]], dtype=float))
    with_line = area_subsidy(scenario, scenario.portfolio.table, members)
    without_line = area_subsidy(plain, plain.portfolio.table, members)
    assert with_line[0] > without_line[0]
    assert with_line[1] == without_line[1]


# ----------------------------------------------------------------------------- the grammar
def test_parse_condition():
    assert parse_condition("soe_dormitory") == (Clause("soe_dormitory"),)
    assert parse_condition("  not   lifts_possible ") == (Clause("lifts_possible",
                                                                 negated=True),)
    assert parse_condition("built_year < 2000 and households>=50 and x_km != -1.5e0") == (
        Clause("built_year", "<", 2000.0), Clause("households", ">=", 50.0),
        Clause("x_km", "!=", -1.5))
    assert parse_condition("band == 2") == (Clause("band", "==", 2.0),)     # 'and' in a name
    for bad, phrase in (("built_year = 2000", "not an operator"),
                        ("built_year => 2000", "not an operator"),
                        ("built_year <> 2000", "'<>' after 'built_year' is not an operator"),
                        ("built_year === 2000", "'===' after 'built_year' is not an"),
                        ("soe_dormitory yes", "'yes' after 'soe_dormitory' is not an"),
                        ("built_year < 2k", "not a number"),
                        ("built_year < inf", "not a number"),
                        ("built_year <", "needs a number"),
                        ("a < 1 or b > 2", "only 'and'"),
                        ("a < 1 and", "empty clause"),
                        ("not", "needs a column"),
                        ("not a < 3", "'not' takes a yes/no column alone"),
                        ("< 3", "starts with a column"),
                        ("   ", "empty condition")):
        with pytest.raises(AppliesToError, match=phrase):
            parse_condition(bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1950, 2020), st.integers(1, 300), st.booleans()),
                min_size=1, max_size=12),
       st.integers(1950, 2020), st.integers(1, 300),
       st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
def test_a_condition_is_the_intersection_of_its_clauses(tmp_path_factory, rows, year,
                                                         households, op):
    """``a op x and b op y and not f`` selects exactly the compounds numpy's comparisons
    select, on a compounds table."""
    from fundmodel.io.compounds_table import read_compounds_table
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text("id,households,floor_area_m2,built_year,flag\n" + "".join(
        f"X{k},{h},{h * 70},{y},{'是' if f else '否'}\n" for k, (y, h, f) in enumerate(rows)),
        encoding="utf-8")
    facts = TableFacts(read_compounds_table(path))
    years = np.array([r[0] for r in rows], float)
    hh = np.array([r[1] for r in rows], float)
    flag = np.array([r[2] for r in rows])
    compare = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
               "==": np.equal, "!=": np.not_equal}[op]
    got = applies_mask(f"built_year {op} {year} and households {op} {households} and not flag",
                       facts)
    np.testing.assert_array_equal(got, compare(years, year) & compare(hh, households) & ~flag)
    np.testing.assert_array_equal(applies_mask("flag", facts), flag)
    ids = [f"X{k}" for k in range(len(rows))][::2]
    np.testing.assert_array_equal(applies_mask(ids, facts), np.arange(len(rows)) % 2 == 0)


def test_the_table_keeps_yes_no_columns_and_knows_its_text_columns(tmp_path):
    from fundmodel.io.compounds_table import read_compounds_table
    path = tmp_path / "t.csv"
    path.write_text("id,households,floor_area_m2,soe,note,ones\nA,1,70,Yes,old,1\n"
                    "B,2,140,,new,0\nC,3,210,否,,\n", encoding="utf-8")
    table = read_compounds_table(path)
    np.testing.assert_array_equal(table.extra["soe"], [1.0, 0.0, 0.0])     # empty: no
    np.testing.assert_array_equal(table.extra["ones"], [1.0, 0.0, np.nan])  # numbers stay
    assert table.text_columns == ("note",) and table.take([1]).text_columns == ("note",)
    with pytest.raises(AppliesToError, match="'note' holds text"):
        applies_mask("note > 1", TableFacts(table))
    with pytest.raises(AppliesToError, match="ones is empty for compound 'C'"):
        applies_mask("ones", TableFacts(table))


# ----------------------------------------------------------------------------- malformed
MALFORMED = [
    # (old, new, path, phrase)
    ("applies_to: soe_dormitory}\n  - {source: provincial",
     "applies_to: soe_dormitry}\n  - {source: provincial", "funding[0].applies_to",
     "the compounds table has no column 'soe_dormitry' (did you mean 'soe_dormitory'?)"),
    ('"built_year < 2000"', '"built_year = 2000"', "funding[1].applies_to",
     "'=' after 'built_year' is not an operator"),
    ('"built_year < 2000"', '"built_year < 2000 or storeys > 4"', "funding[1].applies_to",
     "only 'and' joins clauses"),
    ('"built_year < 2000"', '"built_year"', "funding[1].applies_to",
     "'built_year' is not a yes/no column"),
    ('"households >= 100"', '"name >= 100"', "operations.income[0].applies_to",
     "'name' holds text"),
    ("[B, C]", "[B, CC]", "renovation.items[2].applies_to[1]",
     "no compound 'CC' in compounds.csv"),
    ('"households >= 100"', "[]", "operations.income[0].applies_to",
     "an empty list applies to no compound"),
    ("applies_to: not soe_dormitory", "applies_to: not storeys", "operations.costs[0].applies_to",
     "'storeys' is not a yes/no column"),
]


@pytest.mark.parametrize("old,new,path,phrase", MALFORMED)
def test_malformed_applies_to_is_one_located_issue(old, new, path, phrase, tmp_path, capsys):
    """One issue at the field (``file:line:column path: message``); ``fundmodel run`` and
    ``fundmodel district`` exit 2 and write nothing."""
    text = DISTRICT.replace("PER_HOUSEHOLD", "1000")
    assert text.count(old) == 1
    text = text.replace(old, new)
    file = _district(tmp_path, text=text)
    issues = load_issues(file)
    assert len(issues) == 1, "\n".join(map(str, issues))
    issue = issues[0]
    assert issue.path == path and phrase in issue.message, str(issue)
    line, _ = position_of(text, new.splitlines()[0])
    assert issue.line == line and issue.column is not None
    assert str(issue).startswith(f"{file}:{line}:{issue.column} {path}: ")
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{line}:", path, phrase)
    out = tmp_path / "district-out"
    assert main(["district", str(file), "--out", str(out)]) == 2
    assert phrase in capsys.readouterr().err and not out.exists()


def test_an_empty_cell_of_a_compared_column_is_located(tmp_path, capsys):
    table = TABLE.replace("C,c,200,16000,6,2005,no", "C,c,200,16000,6,,no")
    file = _district(tmp_path, text=DISTRICT.replace("PER_HOUSEHOLD", "1000"), table=table)
    issues = load_issues(file)
    assert len(issues) == 1
    assert issues[0].path == "funding[1].applies_to"
    assert "built_year is empty for compound 'C' (compounds.csv line 4)" in issues[0].message
    check_cli_rejects(file, tmp_path, capsys, "funding[1].applies_to", "built_year is empty")


@pytest.mark.parametrize("sets,phrase", [
    ("funding[0].applies_to=soe_dormitory", "the compound has no fact 'soe_dormitory'"),
    ("funding[0].applies_to=[S3]", "a list of ids needs the compound's id"),
    ("funding[0].applies_to=built_yaer < 2000",
     "the compound has no fact 'built_yaer' (did you mean 'built_year'?)"),
    ("funding[0].applies_to=name == 3", "'name' holds text"),
])
def test_malformed_in_a_one_compound_scenario(sets, phrase, tmp_path, capsys):
    base = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    issues = load_issues(base, [sets])
    assert len(issues) == 1 and issues[0].path == "funding[0].applies_to"
    assert phrase in issues[0].message
    out = tmp_path / "out"
    assert main(["run", str(base), "--set", sets, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert phrase in err and "Traceback" not in err and not out.exists()


def test_ids_and_conditions_across_tiles(tmp_path):
    """Sixty compounds in two tiles of 50: a rule for C0003 and C0055 (one in each tile), a
    subsidy for the 20 built before 2000, transfer funds for every seventh compound — each
    compound's funding is its own, whatever tile it is in."""
    rows = "".join(f"C{i:04d},c{i},{50 + i},{70 * (50 + i)},{4 + i % 4},{1980 + i},"
                   f"{'yes' if i % 7 == 0 else 'no'}\n" for i in range(60))
    text = DISTRICT.replace("applies_to: [B, C]", "applies_to: [C0003, C0055]")
    scenario = load_scenario(_district(tmp_path, text=text,
                                       table=TABLE.splitlines()[0] + "\n" + rows))
    result = simulate_portfolio(scenario, draws=20, seed=1, compounds_per_tile=50)
    hh = 50 + np.arange(60)
    lifts = np.isin(np.arange(60), [3, 55]) * 600_000
    capex = hh * 10_000 + (np.arange(60) % 7 == 0) * 50_000 + lifts
    np.testing.assert_array_equal(result.compounds["capex_total_mean"], capex)
    government = np.where(np.arange(60) < 20, 2000, 0) * hh + 1000 * hh
    np.testing.assert_array_equal(result.compounds["government_cost_mean"], government)
