"""The malformed-scenario suite: every mistake an analyst can make in a scenario file is reported
as a :class:`ScenarioError` naming the file, the line of the offending text, the dotted field path
and what is wrong, and the CLI turns it into exit code 2 with that message and no traceback.

Each malformed scenario is a small textual edit of ``scenarios/sanqiao-standalone.yaml``; the
expected line is found by searching the edited text, never hard-coded.
"""

from __future__ import annotations


import pytest
import yaml

import fundmodel
from fundmodel import ScenarioError, load_scenario, parse_scenario
from fundmodel.cli import main

from malformed import (BASE_TEXT, STANDALONE, check_cli_rejects, edit, line_of,
                       load_issues, write)


# --------------------------------------------------------------------------- the table
# (id, old text, new text, expected dotted path, key phrase of the message, text on the
# offending line — None: the new text itself)
CASES = [
    ("wrong-type-horizon", "horizon_years: 20", "horizon_years: twenty",
     "horizon_years", "valid integer, got 'twenty'", None),
    ("horizon-zero", "horizon_years: 20", "horizon_years: 0",
     "horizon_years", "greater than or equal to 1", None),
    ("negative-households", "households: 100", "households: -5",
     "compound.households", "greater than 0", None),
    ("bool-households", "households: 100", "households: yes",  # echoes what was written
     "compound.households", "valid integer, got 'yes'", None),
    ("float-households", "households: 100", "households: 100.5",
     "compound.households", "must be a whole number, got 100.5", None),
    ("inf-households", "households: 100", "households: .inf",
     "compound.households", "must be a whole number, got .inf", None),
    ("distribution-households", "households: 100",
     "households: {dist: uniform, low: 90, high: 110}",
     "compound.households", "must be a plain whole number (counts cannot be uncertain)", None),
    ("distribution-floor-area", "floor_area_m2: 10000",
     "floor_area_m2: {dist: uniform, low: 9000, high: 11000}",
     "compound.floor_area_m2", "must be a plain number here, not a distribution", None),
    ("date-start-year", "start_year: 2025", "start_year: 2025-01-01",
     "start_year", "got 2025-01-01 (a date); expected a whole number", None),
    ("impossible-date", "start_year: 2025", "start_year: 2025-02-30",
     "start_year", "cannot read '2025-02-30'", None),
    ("draws-not-whole", "draws: 10000", "draws: 100.5",
     "simulation.draws", "must be a whole number, got 100.5", None),
    ("string-households", "households: 100", "households: '100'",
     "compound.households", "valid integer", None),
    ("zero-floor-area", "floor_area_m2: 10000", "floor_area_m2: 0",
     "compound.floor_area_m2", "greater than 0", None),
    ("empty-name", "name: sanqiao-standalone", "name: ''",
     "name", "at least 1 character", None),
    ("collection-rate-above-one",
     "collection_rate: {dist: triangular, low: 0.6, mode: 0.8, high: 0.92}",
     "collection_rate: 1.5",
     "operations.property_fee.collection_rate", "less than or equal to 1", None),
    ("uptake-above-one", "uptake: {dist: beta, a: 16, b: 4}", "uptake: 1.5",
     "funding[3].uptake", "less than or equal to 1, got 1.5", None),
    ("utility-share-above-one", "share: 1.0", "share: 1.2",
     "funding[1].share", "less than or equal to 1", None),
    ("negative-unit-cost", "unit: m, unit_cost: 900}", "unit: m, unit_cost: -900}",
     "renovation.items[0].unit_cost", "greater than or equal to 0", None),
    ("draws-zero", "draws: 10000", "draws: 0",
     "simulation.draws", "greater than or equal to 1", None),
    ("misspelt-key", "uptake: {dist", "uptak: {dist",
     "funding[3].uptak", "did you mean 'uptake'", None),
    ("misspelt-item-key", "unit: system, unit_cost: 120000}",
     "unit: system, unit_costs: 120000}",
     "renovation.items[5].unit_costs", "did you mean 'unit_cost'", None),
    ("misspelt-section", "\noperations:\n", "\noperation:\n",
     "operation", "did you mean 'operations'", "operation:"),
    ("unknown-key-lists-allowed", "a: 16, b: 4}", "a: 16, b: 4, c: 1}",
     "funding[3].uptake.c", "unknown key 'c'; allowed: a, b, dist", None),
    ("unknown-tier", "tier: basic, quantity: 400", "tier: basik, quantity: 400",
     "renovation.items[0].tier", "'basic', 'complete' or 'upgrade'", None),
    ("unknown-funding-tier", "tiers: [basic]", "tiers: [basics]",
     "funding[0].tiers[0]", "got 'basics'", None),
    ("funding-names-missing-item", "items: [water supply pipes]",
     "items: [water suply pipes]",
     "funding[1].items[0]", "did you mean 'water supply pipes'", None),
    ("unknown-source", "source: residents", "source: resident",
     "funding[3]", "did you mean 'residents'", None),
    ("residents-without-amount", "    per_m2: 15\n", "",
     "funding[3]", "residents needs at least one of: per_household, per_m2", "source: residents"),
    ("utility-without-items", "    items: [water supply pipes]\n", "",
     "funding[1].items", "missing required key 'items'", "source: utility_companies"),
    ("match-before-central-subsidy",
     "  - source: central_subsidy\n    per_household: 12000\n    tiers: [basic]\n", "",
     "funding[1].match_ratio", "match_ratio matches central_subsidy (the default match_of), but "
     "no funding rule before this one has that source or label; put this rule after it or set "
     "match_of", "match_ratio: 0.3"),
    ("match-of-a-later-rule", "match_ratio: 0.3 ", "match_of: [residents]\n    match_ratio: 0.3 ",
     "funding[2].match_of[0]", "match_of names 'residents', but no earlier funding rule has that "
     "source or label; funding[3] has it", "match_of: [residents]"),
    ("duplicate-item-names", "{name: water supply pipes, tier",
     "{name: rain and sewage pipes, tier",
     "renovation.items[1].name", "duplicate name 'rain and sewage pipes'",
     "{name: rain and sewage pipes, tier: basic, quantity: 300"),
    ("income-per-year-and-units", "{name: parking, units: 20",
     "{name: parking, per_year: 5000, units: 20",
     "operations.income[0]", "give either per_year, or units and price_per_month", None),
    ("cost-staff-without-wage", "{name: cleaner, staff: 1, wage_per_month: 2500,",
     "{name: cleaner, staff: 1,",
     "operations.costs[1].wage_per_month", "give both staff and wage_per_month", None),
    ("nominal-rate-inconsistent", "inflation: 0.02 ",
     "discount_rate_nominal: 0.05\ninflation: 0.02 ",
     "discount_rate_nominal", "inconsistent with discount_rate 0.04 (real) and inflation 0.02",
     "discount_rate_nominal: 0.05"),
    ("missing-top-level-key", "horizon_years: 20\n", "",
     "horizon_years", "missing required key 'horizon_years'", "name: sanqiao-standalone"),
    ("missing-nested-key", "  households: 100\n", "",  # located at the key of its mapping
     "compound.households", "missing required key 'households'", "compound:"),
    ("income-line-not-a-mapping",
     "- {name: parking, units: 20, price_per_month: 100, occupancy: 0.7}", "- 5",
     "operations.income[0]", "expected a mapping of keys to values, got 5", "    - 5"),
    ("empty-list-section",
     "  income:\n    - {name: parking, units: 20, price_per_month: 100, occupancy: 0.7}\n",
     "  income:\n",
     "operations.income", "is empty; write [] for an empty list", "income:"),
    ("empty-mapping-section", "simulation:\n  draws: 10000\n  seed: 20251\n", "simulation:\n",
     "simulation", "is empty; write {} for an empty mapping", "simulation:"),
    ("unknown-distribution", "uptake: {dist: beta,", "uptake: {dist: betta,",
     "funding[3].uptake", "did you mean 'beta'", None),
    ("triangular-low-above-high", "{dist: triangular, low: 0.0, mode: 0.05, high: 0.15}",
     "{dist: triangular, low: 0.2, mode: 0.05, high: 0.15}",
     "renovation.contingency.low", "low (0.2) must be below high (0.15)", None),
    ("triangular-mode-outside", "{dist: triangular, low: 0.0, mode: 0.05, high: 0.15}",
     "{dist: triangular, low: 0.0, mode: 0.5, high: 0.15}",
     "renovation.contingency.mode", "must lie between low (0.0) and high (0.15)", None),
    ("normal-on-a-share", "uptake: {dist: beta, a: 16, b: 4}",
     "uptake: {dist: normal, mean: 0.8, sd: 0.1}",
     "funding[3].uptake", "truncate it with low/high or use a bounded distribution", None),
    ("triangular-outside-share-range", "{dist: triangular, low: 0.6, mode: 0.8, high: 0.92}",
     "{dist: triangular, low: 0.6, mode: 0.8, high: 1.2}",
     "operations.property_fee.collection_rate", "ranges over [0.6, 1.2]", None),
    ("beta-negative-a", "{dist: beta, a: 16, b: 4}", "{dist: beta, a: -1, b: 4}",
     "funding[3].uptake.a", "greater than 0", None),
    ("distribution-without-dist", "uptake: {dist: beta, a: 16, b: 4}", "uptake: {a: 16, b: 4}",
     "funding[3].uptake", "missing key 'dist'", None),
    ("not-a-number", "rate_per_m2_month: 0.5", "rate_per_m2_month: 0,5",
     "operations.property_fee.rate_per_m2_month",
     "expected a number or a distribution such as {dist: triangular, low: 90, mode: 110, "
     "high: 150}, got '0,5'", None),
    ("percent-rate", "discount_rate: 0.04", "discount_rate: 4%",
     "discount_rate", "got '4%' (rates are fractions: write 0.04)", None),
]


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_scenario(tmp_path, capsys, old, new, path, phrase, at):
    text = edit(old, new)
    file = write(tmp_path, text)
    line = line_of(text, at if at is not None else new)

    issues = load_issues(file)
    assert len(issues) == 1, "\n".join(map(str, issues))
    issue = issues[0]
    assert issue.file == str(file)
    assert issue.path == path
    assert issue.line == line, str(issue)
    assert issue.column is not None
    assert 1 <= issue.column <= len(text.splitlines()[line - 1])
    assert phrase in issue.message
    assert str(issue) == f"{file}:{line}:{issue.column} {path}: {issue.message}"

    check_cli_rejects(file, tmp_path, capsys, f"{file}:{line}:", f" {path}: ", phrase)


def test_at_least_fifteen_malformed_cases():
    assert len(CASES) >= 15
    assert len({c[0] for c in CASES}) == len(CASES)


def test_columns_point_at_the_offending_value(tmp_path):
    text = edit("horizon_years: 20", "horizon_years: twenty")
    [issue] = load_issues(write(tmp_path, text))
    assert text.splitlines()[issue.line - 1][issue.column - 1:] == "twenty"

    text = edit("uptake: {dist", "uptak: {dist")  # an unknown key is located on the key
    [issue] = load_issues(write(tmp_path, text))
    assert text.splitlines()[issue.line - 1][issue.column - 1:].startswith("uptak:")


# --------------------------------------------------------------------------- special cases
def test_duplicate_key_names_the_first_line(tmp_path, capsys):
    text = edit("  storeys: 6\n", "  storeys: 6\n  households: 90\n")
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    first = line_of(text, "households: 100")
    assert issue.path == "compound.households"
    assert issue.line == line_of(text, "households: 90")
    assert f"duplicate key 'households' (first at line {first})" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", "compound.households",
                      f"first at line {first}")


def test_yaml_syntax_error_unclosed_bracket(tmp_path, capsys):
    text = edit("tiers: [basic]", "tiers: [basic")
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    opened = line_of(text, "tiers: [basic")
    # The parser notices the missing ']' at the next token, on the following line.
    assert issue.line in (opened, opened + 1), str(issue)
    assert issue.path == ""
    assert issue.file == str(file)
    assert "YAML syntax error" in issue.message
    assert "']'" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", "YAML syntax error")


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/apply:subprocess.call"])
def test_yaml_object_tag_is_refused_and_not_executed(tmp_path, capsys, tag):
    marker = tmp_path / "pwned"
    command = f'["touch {marker}"]' if tag.endswith("system") else f'[["touch", "{marker}"]]'
    text = edit("title: Sanqiao Street", f"title: {tag} {command}\ndescription: Sanqiao Street")
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.path == "title"
    assert issue.line == line_of(text, tag)
    assert "is not allowed" in issue.message and "plain data only" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", "not allowed")
    assert main(["validate", str(file)]) == 2
    assert not marker.exists()


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n# and another\n"],
                         ids=["empty", "blank-lines", "comments-only"])
def test_empty_file(tmp_path, capsys, text):
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.file == str(file) and issue.line == 1 and issue.path == ""
    assert "the file is empty" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:1", "empty")


@pytest.mark.parametrize("text, kind", [("- name: a\n- name: b\n", "list"),
                                        ("just words\n", "str"), ("42\n", "int")])
def test_top_level_not_a_mapping(tmp_path, capsys, text, kind):
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.line == 1 and issue.path == ""
    assert f"must be a mapping of keys to values, not a {kind}" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:1", "mapping")


def test_not_utf8(tmp_path, capsys):
    text = edit("title: Sanqiao Street", "title: Caf\u00e9 Sanqiao Street")
    file = tmp_path / "latin1.yaml"
    # UTF-8 everywhere (the file has m² in it) except one Latin-1 é on the title line
    raw = text.encode("utf-8").replace("Caf\u00e9".encode("utf-8"), b"Caf\xe9")
    assert raw.count(b"\xe9") == 1
    file.write_bytes(raw)
    [issue] = load_issues(file)
    assert issue.file == str(file)
    assert issue.line == line_of(text, "Caf\u00e9")
    assert "not UTF-8" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}", "not UTF-8")


def test_utf8_with_bom_is_fine(tmp_path):
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbf" + BASE_TEXT.encode("utf-8"))
    assert load_scenario(file).name == "sanqiao-standalone"


def test_missing_file(tmp_path, capsys):
    file = tmp_path / "no-such-scenario.yaml"
    [issue] = load_issues(file)
    assert issue.file == str(file)
    assert "cannot read the file" in issue.message
    err = check_cli_rejects(file, tmp_path, capsys, str(file), "No such file")
    assert err.startswith(str(file))


def test_two_documents(tmp_path, capsys):
    text = edit("\nsimulation:\n", "\n---\nsimulation:\n")
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    assert issue.line == line_of(text, "---\n") + 1
    assert issue.path == ""
    assert "more than one YAML document" in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", "one scenario per file")


def test_several_issues_are_all_reported_in_file_order(tmp_path, capsys):
    text = edit("households: 100", "households: -5")
    text = edit("uptake: {dist: beta, a: 16, b: 4}", "uptake: 1.5", text)
    file = write(tmp_path, text)
    issues = load_issues(file)
    assert [(i.path, i.line) for i in issues] == [
        ("compound.households", line_of(text, "households: -5")),
        ("funding[3].uptake", line_of(text, "uptake: 1.5")),
    ]
    err = check_cli_rejects(file, tmp_path, capsys, "compound.households", "funding[3].uptake")
    assert len(err.strip().splitlines()) == 2


# --------------------------------------------------------------------------- --set
@pytest.mark.parametrize("override, path, phrase", [
    ("funding[9].uptake=0.5", "funding", "index 9 is out of range"),
    ("nonsense", "", "expected path=value"),
    ("funding[3].uptake=1.5", "funding[3].uptake", "less than or equal to 1"),
    ("renovation.items[roof].unit_cost=120", "renovation.items", "no element named 'roof'"),
    ("operations.property_fee.rate_per_m2_mnth=0.6", "operations.property_fee.rate_per_m2_mnth",
     "did you mean 'rate_per_m2_month'"),
    ("funding..uptake=1", "", "cannot read the path"),
    ("=3", "", "empty path"),
], ids=["index-out-of-range", "no-equals", "out-of-range-value", "no-such-name", "misspelt-key",
        "bad-path", "empty-path"])
def test_set_errors(tmp_path, capsys, override, path, phrase):
    file = write(tmp_path, BASE_TEXT)
    [issue] = load_issues(file, [override])
    assert issue.file == f"--set {override}"
    assert issue.path == path
    assert issue.line is None
    assert phrase in issue.message
    err = check_cli_rejects(file, tmp_path, capsys, f"--set {override}", phrase,
                            extra_args=["--set", override])
    if path:
        assert f" {path}: " in err


def test_set_value_cannot_build_objects(tmp_path, capsys):
    marker = tmp_path / "pwned"
    override = f'compound.households=!!python/object/apply:os.system ["touch {marker}"]'
    file = write(tmp_path, BASE_TEXT)
    [issue] = load_issues(file, [override])
    assert "not allowed" in issue.message
    assert issue.file == f"--set {override}"
    check_cli_rejects(file, tmp_path, capsys, "--set", "not allowed",
                      extra_args=["--set", override])
    assert not marker.exists()


def test_set_overrides_the_file_position(tmp_path):
    """A value replaced by --set is reported as coming from --set, not from the file line."""
    file = write(tmp_path, BASE_TEXT)
    issues = load_issues(file, ["compound.households=0"])
    assert [(i.path, i.file, i.line) for i in issues] == [
        ("compound.households", "--set compound.households=0", None)]


# --------------------------------------------------------------------------- validate
def test_validate_one_good_one_bad(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # short relative names, so the console never wraps them
    write(tmp_path, BASE_TEXT, "good.yaml")
    bad_text = edit("households: 100", "households: -5")
    write(tmp_path, bad_text, "bad.yaml")
    capsys.readouterr()
    rc = main(["validate", "good.yaml", "bad.yaml"])
    captured = capsys.readouterr()
    assert rc == 2
    assert "ok good.yaml" in captured.out
    assert "bad.yaml" not in captured.out
    assert f"bad.yaml:{line_of(bad_text, 'households: -5')}:" in captured.err
    assert "compound.households" in captured.err
    assert "good.yaml" not in captured.err
    assert "Traceback" not in captured.err + captured.out


# --------------------------------------------------------------------------- in-memory data
def test_model_validate_on_a_valid_dict():
    data = yaml.safe_load(BASE_TEXT)
    scenario = fundmodel.Scenario.model_validate(data)
    assert scenario.name == "sanqiao-standalone"
    assert scenario.compound.households == 100
    assert parse_scenario(data) == scenario


@pytest.mark.parametrize("mutate, path, phrase", [
    (lambda d: d["funding"][3].update(uptake=1.5), "funding[3].uptake", "less than or equal to 1"),
    (lambda d: d["compound"].update(households="many"), "compound.households", "valid integer"),
    (lambda d: d["renovation"]["items"][2].update(unit_cost={"dist": "betta", "a": 1, "b": 2}),
     "renovation.items[2].unit_cost", "did you mean 'beta'"),
    (lambda d: d["operations"].pop("property_fee"), "operations.property_fee", "missing required key"),
], ids=["uptake", "households", "dist-name", "missing-section"])
def test_parse_scenario_on_a_bad_dict(mutate, path, phrase):
    data = yaml.safe_load(BASE_TEXT)
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    [issue] = info.value.issues
    assert issue.path == path
    assert phrase in issue.message
    assert issue.file is None and issue.line is None and issue.column is None
    assert str(issue) == f"<scenario> {path}: {issue.message}"


def test_parse_scenario_not_a_mapping():
    with pytest.raises(ScenarioError) as info:
        parse_scenario(["not", "a", "mapping"])
    [issue] = info.value.issues
    assert issue.path == "" and "mapping" in issue.message


# --------------------------------------------------------------------------- hostile YAML
# These inputs once escaped as RecursionError (a traceback from the CLI) or took time
# exponential in the file size. Aliases are refused outright and nesting is bounded.
def test_recursive_alias(tmp_path, capsys):
    text = edit("title: Sanqiao Street", "loop: &a [*a]\ntitle: Sanqiao Street")
    file = write(tmp_path, text)
    check_cli_rejects(file, tmp_path, capsys, f"{file}:", "YAML aliases (*a) are not supported")
    [issue] = load_issues(file)
    assert issue.file == str(file)
    assert (issue.line, issue.column) == (line_of(text, "*a]"), len("loop: &a [") + 1)
    assert "YAML aliases (*a) are not supported in scenario files" in issue.message


def test_alias_is_refused_at_its_position(tmp_path, capsys):
    text = edit("discount_rate: 0.04 ", "discount_rate: &rate 0.04 ")
    text = edit("inflation: 0.02 ", "inflation: *rate ", text)
    file = write(tmp_path, text)
    [issue] = load_issues(file)
    line = line_of(text, "*rate")
    assert (issue.file, issue.line, issue.path) == (str(file), line, "")
    assert text.splitlines()[line - 1][issue.column - 1:].startswith("*rate")
    assert issue.message == ("YAML aliases (*rate) are not supported in scenario files; "
                             "write the value out")
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{line}:{issue.column}:", "*rate")


def test_deeply_nested_value(tmp_path, capsys):
    text = BASE_TEXT + "description: " + "[" * 1500 + "]" * 1500 + "\n"
    file = write(tmp_path, text)
    check_cli_rejects(file, tmp_path, capsys, f"{file}:", "nesting deeper than 100 levels")
    [issue] = load_issues(file)
    assert issue.file == str(file)
    assert issue.line == line_of(text, "description: ")
    assert "nesting deeper than 100 levels" in issue.message


def test_nesting_limit_is_exactly_100_levels(tmp_path):
    from fundmodel.io.yamlio import MAX_DEPTH, load_yaml_text

    assert MAX_DEPTH == 100
    ok = "a: " + "[" * 99 + "]" * 99 + "\n"  # the top mapping and 99 lists: 100 levels
    load_yaml_text(ok)
    with pytest.raises(ScenarioError, match="nesting deeper than 100 levels"):
        load_yaml_text("a: " + "[" * 100 + "]" * 100 + "\n")


def test_recursion_error_while_composing_is_reported(tmp_path):
    """If the stack is nearly full already, the reader reports instead of raising
    RecursionError (a safety net behind the depth limit)."""
    import inspect
    import sys

    from fundmodel.io.yamlio import load_yaml_text

    text = "a: " + "[" * 60 + "]" * 60 + "\n"
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        with pytest.raises(ScenarioError) as info:
            load_yaml_text(text, "deep.yaml")
    finally:
        sys.setrecursionlimit(limit)
    [issue] = info.value.issues
    assert issue.file == "deep.yaml" and "nested too deeply" in issue.message


def test_alias_bomb_is_rejected_quickly(tmp_path):
    import signal

    levels = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    file = write(tmp_path, BASE_TEXT + "\n".join(levels) + "\n")

    def too_slow(signum, frame):
        raise TimeoutError("load_scenario took more than 1 s on an alias bomb")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(ScenarioError):
            load_scenario(file)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("old, new, path, written", [
    ("unit: m, unit_cost: 900}", "unit: m, unit_cost: .inf}", "renovation.items[0].unit_cost",
     ".inf"),
    ("floor_area_m2: 10000", "floor_area_m2: .inf", "compound.floor_area_m2", ".inf"),
    ("  vat_rate: 0.06", "  opening_balance: .nan\n  vat_rate: 0.06", "operations.opening_balance",
     ".nan"),
    ("inflation: 0.02 ", "inflation: -.inf ", "inflation", "-.inf"),
    ("unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}",
     "unit_cost: {dist: triangular, low: 90, mode: 110, high: .inf}",
     "renovation.items[2].unit_cost.high", ".inf"),
    ("per_m2: 15", "per_m2: {dist: uniform, low: 10, high: .NaN}", "funding[3].per_m2.high",
     ".NaN"),
], ids=["inf-unit-cost", "inf-floor-area", "nan-opening-balance", "minus-inf-inflation",
        "inf-distribution-parameter", "nan-distribution-parameter"])
def test_non_finite_numbers_are_rejected(tmp_path, old, new, path, written):
    text = edit(old, new)
    issues = load_issues(write(tmp_path, text))
    assert [i.path for i in issues] == [path]
    assert issues[0].message == f"must be a finite number, got {written}"


# --------------------------------------------------------------------------- whole numbers
def test_counts_written_as_whole_floats_are_accepted(tmp_path):
    text = edit("draws: 10000", "draws: 1.0e4")
    text = edit("households: 100", "households: 100.0", text)
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.simulation.draws == 10000 and type(scenario.simulation.draws) is int
    assert scenario.compound.households == 100 and type(scenario.compound.households) is int


def test_whole_float_counts_on_assignment_and_booleans_refused():
    from pydantic import ValidationError

    scenario = fundmodel.Scenario.model_validate(yaml.safe_load(BASE_TEXT))
    scenario.simulation.draws = 2000.0
    assert scenario.simulation.draws == 2000 and type(scenario.simulation.draws) is int
    for bad in (True, 2000.5, float("inf"), float("nan")):
        with pytest.raises(ValidationError):
            scenario.simulation.draws = bad
    data = yaml.safe_load(BASE_TEXT)
    data["compound"]["households"] = True
    with pytest.raises(ScenarioError, match="valid integer, got True"):
        parse_scenario(data)


# --------------------------------------------------------------------------- messages
def test_yaml_syntax_error_names_where_the_bracket_opened(tmp_path):
    text = edit("tiers: [basic]", "tiers: [basic")
    [issue] = load_issues(write(tmp_path, text))
    opened = line_of(text, "tiers: [basic")
    assert issue.line == opened + 1
    assert issue.message == ("YAML syntax error: while parsing a flow sequence: expected ',' or "
                             f"']', but got ':' (the bracket opened at line {opened})")


def test_yaml_syntax_error_without_context(tmp_path):
    text = edit("title: Sanqiao Street", "title: Sanqiao: Street")
    [issue] = load_issues(write(tmp_path, text))
    assert issue.line == line_of(text, "title: Sanqiao: Street")
    assert issue.message == "YAML syntax error: mapping values are not allowed here"


def test_set_value_echoes_what_was_written(tmp_path):
    file = write(tmp_path, BASE_TEXT)
    [issue] = load_issues(file, ["compound.households=yes"])
    assert issue.path == "compound.households"
    assert issue.message.endswith("got 'yes'")
    [issue] = load_issues(file, ["discount_rate=4%"])
    assert "got '4%' (rates are fractions: write 0.04)" in issue.message


def test_set_yaml_syntax_error_keeps_the_value_readable(tmp_path, capsys):
    override = "funding[3].uptake={dist: beta"
    file = write(tmp_path, BASE_TEXT)
    [issue] = load_issues(file, [override])
    assert (issue.file, issue.line, issue.column, issue.path) == (f"--set {override}", None,
                                                                  None, "")
    assert issue.message.startswith("YAML syntax error at column 12: while parsing a flow "
                                    "mapping: expected ',' or '}'")
    assert "(the brace opened at column 1)" in issue.message
    assert str(issue) == f"--set {override}: {issue.message}"
    check_cli_rejects(file, tmp_path, capsys, f"--set {override}: YAML syntax error at column 12",
                      extra_args=["--set", override])


def test_set_alias_has_no_line_either(tmp_path):
    override = "funding[3].uptake=&u [*u]"
    [issue] = load_issues(write(tmp_path, BASE_TEXT), [override])
    assert (issue.file, issue.line, issue.column) == (f"--set {override}", None, None)
    assert "YAML aliases (*u) are not supported" in issue.message
    assert "(at column 5 of the value)" in issue.message


@pytest.mark.parametrize("mutate, path, message", [
    (lambda d: d["operations"].update(income=[5]), "operations.income[0]",
     "expected a mapping of keys to values, got 5"),
    (lambda d: d.update(funding=None), "funding", "is empty; write [] for an empty list"),
    (lambda d: d.update(compound=None), "compound", "is empty; write {} for an empty mapping"),
    (lambda d: d["compound"].pop("households"), "compound.households",
     "missing required key 'households'"),
    (lambda d: d["compound"].update(households={"dist": "uniform", "low": 1, "high": 2}),
     "compound.households", "must be a plain whole number (counts cannot be uncertain)"),
    (lambda d: d.update(discount_rate="4 %"), "discount_rate",
     "expected a number or a distribution such as {dist: triangular, low: 90, mode: 110, "
     "high: 150}, got '4 %' (rates are fractions: write 0.04)"),
], ids=["not-a-mapping", "empty-list", "empty-mapping", "missing-key", "uncertain-count",
        "percent"])
def test_messages_on_in_memory_data(mutate, path, message):
    data = yaml.safe_load(BASE_TEXT)
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    [issue] = info.value.issues
    assert (issue.path, issue.message) == (path, message)


def test_set_value_errors_name_the_full_path(capsys):
    code = main(["run", str(STANDALONE), "--set", "funding[3].uptake={dist: beta, a: 1, a: 2}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "funding[3].uptake.a: duplicate key 'a'" in err
