"""Hostile input never crashes: a table-driven corpus of malformed scenarios (bad YAML tags,
forbidden characters, bad CSV files, oversized files and lists, bad ``--set`` arguments, unknown
keys among other errors, text typed with a Chinese input method, wrong encodings). Each case is
run through :func:`fundmodel.load_scenario` (a :class:`ScenarioError` whose every issue names
``file:line:column`` or the ``--set`` argument) and through ``fundmodel run FILE --out DIR``
(exit 2, one line per issue on stderr, no traceback, nothing written).

Expected positions are found by searching the case's text for a needle (or, for generated
texts, computed by hand in the case), never taken from the program's output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import ScenarioError, load_scenario

from malformed import BASE_TEXT, check_cli_rejects, edit, load_issues, position_of

ROOF = "unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}}"
GUARDS = "growth: 0.05}\n    - {name: cleaner"
UPTAKE = "uptake: {dist: beta, a: 16, b: 4}"
WAGES = b"year,growth\n2019,0.06\n2020,0.02\n2022,0.05\n"
GROWTH = "operations.costs[0].growth"


def empirical(spec: str, text: str = BASE_TEXT) -> str:
    """The scenario with the guards' wage growth an empirical distribution ``{dist: empirical,
    <spec>}``."""
    return edit(GUARDS, "growth: {dist: empirical, %s}}\n    - {name: cleaner" % spec, text)


def items(n: int) -> str:
    return "".join(f"    - {{name: extra {i}, tier: basic, quantity: 1, unit: m, unit_cost: 1}}\n"
                   for i in range(n))


@dataclass
class Case:
    id: str
    text: str | bytes
    """The scenario file (bytes: written as they are)."""
    path: str
    """Dotted path of the issue."""
    phrase: str
    """Part of its message."""
    at: str | int | None
    """Where it is: the first character of this (unique) text, or this 0-based character
    index of the text; None: a --set issue, which has no line or column."""
    sets: tuple[str, ...] = ()
    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)
    also: tuple[tuple[str, str], ...] = ()
    """Other (path, phrase) issues of the same run; there must be no more."""
    located_in: str | None = None
    """Text to find ``at`` in, when ``text`` is bytes."""
    set_file: str | None = None
    """The issue's file for a --set issue (default: ``--set`` and the last argument)."""
    absent: tuple[str, ...] = ()
    """Texts that must not appear in any message (a file's content)."""
    cli_phrase: str | None = None
    """What the CLI says instead, when it runs without ``kwargs``."""


GBK_TITLE = edit("title: Sanqiao Street", "title: 三桥街道 Sanqiao Street")
LONG = 30_000_000
BIG = BASE_TEXT + "description: " + "x" * LONG + "\n"
PAST_LIMIT = len(BIG.encode("utf-8")[:2_000_000].decode("utf-8"))  # the 2,000,001st byte

CASES = [
    # ------------------------------------------------ 1. YAML tags PyYAML cannot convert
    Case("tag-int", edit("horizon_years: 20", "horizon_years: !!int abc"), "horizon_years",
         "cannot read 'abc' as !!int: expected a whole number", "!!int"),
    Case("tag-float", edit("discount_rate: 0.04", "discount_rate: !!float x"), "discount_rate",
         "cannot read 'x' as !!float", "!!float"),
    Case("tag-binary", edit("title: Sanqiao", "title: !!binary ???\ndescription: Sanqiao"),
         "title", "YAML tag '!!binary' is not allowed", "!!binary"),
    Case("tag-timestamp", edit("start_year: 2025", "start_year: !!timestamp 2025-13-45"),
         "start_year", "cannot read '2025-13-45': month must be in 1..12", "!!timestamp"),
    Case("tag-bool", edit("  seed: 20251", "  seed: 20251\n  keep_draws: !!bool maybe"),
         "simulation.keep_draws", "cannot read 'maybe' as !!bool: expected true or false",
         "!!bool"),
    Case("tag-null", edit("title: Sanqiao", "title: !!null x\ndescription: Sanqiao"), "title",
         "cannot read 'x' as !!null", "!!null"),
    Case("tag-map-on-list", edit("tiers: [basic]", "tiers: !!map [basic]"), "funding[0].tiers",
         "the tag !!map does not fit a list", "!!map"),
    Case("tag-seq-on-mapping", edit(UPTAKE, "uptake: !!seq {dist: beta, a: 16, b: 4}"),
         "funding[3].uptake", "the tag !!seq does not fit a mapping", "!!seq"),
    Case("tag-map-on-scalar", edit("households: 100", "households: !!map 100"),
         "compound.households", "the tag !!map does not fit a single value", "!!map"),
    Case("tag-str-on-list", edit("tiers: [basic]", "tiers: !!str [basic]"), "funding[0].tiers",
         "the tag !!str does not fit a list", "!!str"),
    Case("tag-set", edit("tiers: [basic]", "tiers: !!set {basic: null}"), "funding[0].tiers",
         "YAML tag '!!set' is not allowed", "!!set"),
    Case("tag-omap", edit("tiers: [basic]", "tiers: !!omap [basic: 1]"), "funding[0].tiers",
         "YAML tag '!!omap' is not allowed", "!!omap"),
    Case("tag-pairs", edit("tiers: [basic]", "tiers: !!pairs [basic: 1]"), "funding[0].tiers",
         "YAML tag '!!pairs' is not allowed", "!!pairs"),
    Case("tag-int-no-digits", edit("households: 100", "households: !!int 0x"),
         "compound.households", "cannot read '0x' as !!int", "!!int"),
    Case("set-tag-bool", BASE_TEXT, "simulation.keep_draws", "cannot read 'maybe' as !!bool",
         None, sets=("simulation.keep_draws=!!bool maybe",)),
    # ------------------------------------------------ 2. characters YAML forbids
    Case("char-bel", edit("title: Sanqiao Street", "title: Sanqiao\x07 Street"), "",
         "the character U+0007 (BEL, a control character) is not allowed in YAML", "\x07"),
    Case("char-esc", edit("title: Sanqiao Street", "title: \x1b[31mSanqiao Street"), "",
         "U+001B (ESC, a control character)", "\x1b"),
    Case("char-nul", edit("  households: 100", "  households: 10\x000"), "", "U+0000 (NUL",
         "\x00"),
    Case("char-c1-csi", edit("title: Sanqiao Street", "title: Sanqiao\x9b Street"), "",
         "U+009B", "\x9b"),
    Case("char-lone-surrogate-escape", edit("title: Sanqiao",
                                            'title: "Sanqiao \\ud800"\ndescription: Sanqiao'),
         "title", "U+D800 (a lone surrogate, not a character)", '"Sanqiao \\ud800'),
    Case("char-escape-writes-control", edit("title: Sanqiao",
                                            'title: "\\e[2JSanqiao"\ndescription: Sanqiao'),
         "title", "U+001B (ESC, a control character), which a scenario text cannot hold",
         '"\\e[2J'),
    Case("char-escape-in-key", edit("  households: 100", '  "house\\x07holds": 100'),
         "compound", "U+0007 (BEL", '"house'),
    Case("set-char-escape", BASE_TEXT, "title", "U+001B (ESC", None,
         sets=('title="\\e[2J"',)),
    # ------------------------------------------------ 3. CSV files read by empirical
    Case("csv-ok-then-values-and-file",
         empirical("file: wages.csv, column: growth, values: [0.01]"), f"{GROWTH}.file",
         "give either values or file (and column), not both", "file: wages.csv",
         files={"wages.csv": WAGES}),
    Case("csv-gbk", empirical("file: wages.csv, column: growth"), f"{GROWTH}.file",
         "wages.csv:1: not UTF-8 text (byte 0xC4 cannot be read); it looks like GBK/GB18030",
         "wages.csv", files={"wages.csv": "年份,增长\n2019,0.06\n".encode("gbk")}),
    Case("csv-field-over-limit", empirical("file: wages.csv, column: growth"), f"{GROWTH}.file",
         "wages.csv:2: not a readable CSV file (field larger than field limit", "wages.csv",
         files={"wages.csv": b"growth\n\"" + b"9" * 200_000 + b"\"\n"}),
    Case("csv-parent-folder", empirical("file: ../wages.csv, column: growth"), f"{GROWTH}.file",
         "../wages.csv is outside the scenario's folder", "../wages.csv"),
    Case("csv-absolute-passwd", empirical("file: /etc/passwd, column: root"), f"{GROWTH}.file",
         "/etc/passwd is outside the scenario's folder", "/etc/passwd"),
    Case("csv-symlink-outside", empirical("file: link.csv, column: growth"), f"{GROWTH}.file",
         "link.csv is outside the scenario's folder", "link.csv",
         links={"link.csv": "/etc/passwd"}),
    Case("csv-passwd-allowed-not-echoed", empirical("file: /etc/passwd, column: root"),
         f"{GROWTH}.column", "its first line is not the header of a CSV table of numbers",
         "root}", kwargs={"allow_outside_files": True}, absent=("root:", "/bin/"),
         cli_phrase="outside the scenario's folder"),
    Case("csv-text-file-not-echoed", empirical("file: notes.csv, column: growth"),
         f"{GROWTH}.column", "is not the header of a CSV table", "growth}",
         files={"notes.csv": b"secret: the password is hunter2\nand more text\n"},
         absent=("hunter2", "secret")),
    Case("csv-binary", empirical("file: data.csv, column: growth"), f"{GROWTH}.file",
         "data.csv:1: not a CSV text file (it holds the control character U+0000)",
         "data.csv", files={"data.csv": b"growth\x00\x01PK\x03\x04secret\n"},
         absent=("secret",)),
    Case("csv-binary-not-utf8", empirical("file: data.csv, column: growth"), f"{GROWTH}.file",
         "not UTF-8 text", "data.csv", files={"data.csv": bytes(range(128, 256)) * 4}),
    Case("csv-too-large", empirical("file: wages.csv, column: growth"), f"{GROWTH}.file",
         "is larger than 10,000,000 bytes (10,000,003)", "wages.csv",
         files={"wages.csv": b"growth\n" + b"1\n" * 4_999_998}),
    Case("csv-too-many-values", empirical("file: wages.csv, column: growth"), f"{GROWTH}.file",
         "more than 100,000 values in column 'growth'", "wages.csv",
         files={"wages.csv": b"growth\n" + b"1\n" * 100_001}),
    Case("csv-not-a-number", empirical("file: wages.csv, column: growth"), f"{GROWTH}.file",
         "wages.csv:3: the value 'n/a' in column 'growth' is not a number", "wages.csv",
         files={"wages.csv": b"year,growth\n2019,0.06\n2020,n/a\n"}),
    Case("csv-folder-not-file", empirical("file: data, column: growth"), f"{GROWTH}.file",
         "is not a regular file", "data, column", files={"data/x": b""}),
    Case("csv-misspelt-column", empirical("file: wages.csv, column: grwth"), f"{GROWTH}.column",
         "has no column 'grwth' (did you mean 'growth'?); columns: year, growth", "grwth",
         files={"wages.csv": WAGES}),
    # ------------------------------------------------ 4. sizes and list lengths
    Case("file-30-mb", BIG, "", "the file is larger than 2,000,000 bytes", PAST_LIMIT),
    # the list is node 1, its elements nodes 2...: node 50,001 is element 49,999, at 1 + 2 × 49,999
    Case("too-many-values", "[" + "1," * 60_000 + "1]\n", "", "more than 50,000 values",
         1 + 2 * 49_999),
    Case("too-many-items", edit("  items:\n", "  items:\n" + items(1_001)), "renovation.items",
         "too many elements: at most 1,000 are allowed, got 1009", "- {name: extra 0,"),
    Case("too-many-choice-values",
         edit(UPTAKE, "uptake: {dist: choice, values: [" + "0.5, " * 10_000 + "0.5]}"),
         "funding[3].uptake.values", "at most 10,000 are allowed, got 10001", "[0.5, 0.5"),
    Case("too-many-funding-rules",
         edit("\noperations:\n", "\n" + "  - {source: donations, amount: 1}\n" * 201
              + "operations:\n"), "funding", "at most 200 are allowed, got 205",
         "- source: central_subsidy"),
    Case("too-many-cost-lines",
         edit("  management_margin", "".join(f"    - {{name: c{i}, per_year: 1}}\n"
                                              for i in range(497)) + "  management_margin"),
         "operations.costs", "at most 500 are allowed, got 501", "- {name: security guards"),
    Case("too-many-correlated-inputs",
         edit("  seed: 20251", "  seed: 20251\n  correlations:\n    inputs: ["
              + ", ".join(f"x{i}" for i in range(101)) + "]\n    matrix: [[1]]"),
         "simulation.correlations.inputs", "at most 100 are allowed, got 101", "[x0, x1"),
    Case("set-too-long", BASE_TEXT, "", "longer than 100,000 characters", None,
         sets=("title=" + "x" * 100_001,), set_file="--set title=" + "x" * 54 + "..."),
    # ------------------------------------------------ 5. --set
    Case("set-new-key", BASE_TEXT, "operations.foo", "unknown key 'foo'; allowed: costs", None,
         sets=("operations.foo=1",)),
    Case("set-misspelt-top-level", BASE_TEXT, "horizon_yeras",
         "unknown key 'horizon_yeras' (did you mean 'horizon_years'?)", None,
         sets=("horizon_yeras=5",)),
    Case("set-new-parent", BASE_TEXT, "operation", "did you mean 'operations'", None,
         sets=("operation.fee=1",)),
    Case("set-distribution-missing", BASE_TEXT, "renovation.contingency.mode",
         "missing required key 'mode'", None,
         sets=("renovation.contingency={dist: triangular, low: 0.1}",),
         also=(("renovation.contingency.high", "missing required key 'high'"),)),
    Case("set-distribution-misspelt", BASE_TEXT, "renovation.contingency.hgh",
         "unknown key 'hgh' (did you mean 'high'?)", None,
         sets=("renovation.contingency={dist: triangular, low: 0, mode: 0.1, hgh: 0.2}",)),
    Case("set-full-width-digits", BASE_TEXT, "horizon_years",
         "got '２０'; '２', '０' are full-width digits; write '2', '0'", None,
         sets=("horizon_years=２０",)),
    Case("set-full-width-equals", BASE_TEXT, "",
         "expected path=value, e.g. operations.property_fee.rate_per_m2_month=0.6; '＝' is a "
         "full-width equals sign; write '='", None, sets=("horizon_years＝20",)),
    # ------------------------------------------------ 6. unknown keys hide nothing
    Case("unknown-key-and-a-bad-value",
         edit("  households: 100\n  floor_area_m2: 10000",
              "  househols: 100\n  floor_area_m2: 0"),
         "compound.househols", "unknown key 'househols' (did you mean 'households'?)",
         "househols", also=(("compound.floor_area_m2", "greater than 0"),)),
    Case("two-unknown-keys", edit("  storeys: 6", "  storys: 6\n  floors: 6"),
         "compound.storys", "did you mean 'storeys'", "storys",
         also=(("compound.floors", "unknown key 'floors'; allowed: attributes, buildings"),)),
    Case("misspelt-top-level-and-more",
         edit("horizon_years: 20", "horizon_yeras: 20", edit("households: 100",
                                                            "households: -5")),
         "horizon_yeras", "did you mean 'horizon_years'", "horizon_yeras",
         also=(("compound.households", "greater than 0"),)),
    Case("unknown-key-in-distribution-and-bad-parameter",
         edit(UPTAKE, "uptake: {dist: beta, a: -1, bb: 4}"), "funding[3].uptake.bb",
         "unknown key 'bb' (did you mean 'b'?)", "bb: 4",  # b is not also reported missing
         also=(("funding[3].uptake.a", "greater than 0"),)),
    # ------------------------------------------------ 7. Chinese input method, encodings
    Case("full-width-colon", edit("  households: 100", "  households：800"), "",
         "'：' is a full-width colon; write ':'", "："),
    Case("full-width-digits", edit("rate_per_m2_month: 0.5", "rate_per_m2_month: ０.35"),
         "operations.property_fee.rate_per_m2_month", "'０' is a full-width digit; write '0'",
         "０.35"),
    Case("full-width-comma", edit("tiers: [basic]", "tiers: [basic，complete]"),
         "funding[0].tiers[0]", "'，' is a full-width comma; write ','", "basic，"),
    Case("full-width-brackets", edit("tiers: [basic]", "tiers: ［basic］"), "funding[0].tiers",
         "'［' is a full-width left square bracket; write '['", "［"),
    Case("full-width-space", edit("  households: 100", "  households:　100"), "",
         "'　' is a full-width space; write ' '", "　"),
    Case("full-width-space-in-key", edit("  households: 100", "  households　: 100"),
         "compound.households　", "'　' is a full-width space; write ' '", "households　"),
    # the first byte UTF-8 cannot read is that of the first "²" (GB18030 81 30 85 30)
    Case("gbk-file", GBK_TITLE.encode("gb18030"), "",
         "the file is not UTF-8 text (byte 0x81 cannot be read); it looks like GBK/GB18030 "
         "(Chinese Windows encoding): save it as UTF-8", GBK_TITLE.index("²"),
         located_in=GBK_TITLE),
    Case("utf16-file", BASE_TEXT.encode("utf-16"), "", "it is UTF-16 text: save it as UTF-8", 0,
         located_in=BASE_TEXT),
]


def _materialise(case: Case, tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    folder.mkdir()
    for name, content in case.files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(content)
    for name, target in case.links.items():
        (folder / name).symlink_to(target)
    file = folder / "s.yaml"
    file.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode("utf-8"))
    return file


def _expected_position(case: Case) -> tuple[int, int]:
    text = case.located_in if case.located_in is not None else case.text
    if isinstance(case.at, int):
        head = text[:case.at]
        return head.count("\n") + 1, case.at - (head.rfind("\n") + 1) + 1
    return position_of(text, case.at)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(tmp_path, capsys, case):
    file = _materialise(case, tmp_path)
    issues = load_issues(file, case.sets, **case.kwargs)

    # every issue is located: file:line:column, or the --set argument
    for issue in issues:
        if issue.file.startswith("--set "):
            assert issue.file in {f"--set {s}" for s in case.sets} | {case.set_file}
            assert issue.line is None and issue.column is None
        else:
            assert issue.file == str(file) and issue.line and issue.column, str(issue)
        assert "\n" not in str(issue)
        for secret in case.absent:
            assert secret not in str(issue)

    expected = [(case.path, case.phrase), *case.also]
    assert len(issues) == len(expected), "\n".join(map(str, issues))
    for path, phrase in expected:
        assert [i for i in issues if i.path == path and phrase in i.message], (
            f"no issue at {path!r} saying {phrase!r}:\n" + "\n".join(map(str, issues)))
    [issue] = [i for i in issues if i.path == case.path and case.phrase in i.message]
    if case.at is None:
        assert issue.file == (case.set_file or f"--set {case.sets[-1]}")
    else:
        assert (issue.line, issue.column) == _expected_position(case), str(issue)

    extra = [a for s in case.sets for a in ("--set", s)]
    if case.cli_phrase is not None:  # the CLI runs without the loader's options
        check_cli_rejects(file, tmp_path, capsys, case.cli_phrase, extra_args=extra)
        return
    err = check_cli_rejects(file, tmp_path, capsys, str(issue), extra_args=extra)
    assert err.splitlines() == [str(i) for i in issues]


def test_corpus_size():
    assert len(CASES) == 65
    assert len({c.id for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------- size bounds
# (their times are measured in benchmarks/test_startup.py, not bounded here)
def test_a_30_mb_file_is_refused_before_parsing(tmp_path, monkeypatch):
    file = tmp_path / "big.yaml"
    file.write_text(BIG, encoding="utf-8")

    def no_parse(*args, **kwargs):
        raise AssertionError("the YAML parser was called on a file over the limit")

    monkeypatch.setattr(yaml, "compose_all", no_parse)   # refused by its size, unparsed
    with pytest.raises(ScenarioError, match="larger than 2,000,000 bytes"):
        load_scenario(file)
    with pytest.raises(ScenarioError, match="larger than 2,000,000 bytes"):
        fundmodel.read_scenario_text(file.read_text(encoding="utf-8"))


def test_the_largest_accepted_file_is_answered(tmp_path):
    # Just under 2 MB of one long list: refused at the 50,001st value.
    text = "description: [" + "1," * 999_990 + "1]\n"
    assert len(text) < 2_000_000
    file = tmp_path / "long.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="more than 50,000 values"):
        load_scenario(file)


def test_an_endless_file_is_not_read_whole():
    # a device is refused before it is opened (issue 19: any file that is not a regular file)
    with pytest.raises(ScenarioError, match="it is a device, not a regular file"):
        load_scenario("/dev/zero")


# --------------------------------------------------------------------------- every tag
TAGS = ["str", "int", "float", "bool", "null", "timestamp", "binary", "set", "omap", "pairs",
        "map", "seq", "merge", "value", "yaml", "python/none", "python/tuple"]
VALUES = ["abc", "1", "1.5", "true", "~", "2025-13-45", "2025-01-01", "[1, 2]", "{a: 1}", "''",
          "???", "0x", "1e999", ".nan"]


@pytest.mark.parametrize("tag", TAGS)
def test_every_tag_on_every_kind_of_value_is_read_or_located(tag):
    from fundmodel.io.yamlio import load_yaml_text

    for value in VALUES:
        text = f"name: x\nvalue: !!{tag} {value}\n"
        try:
            data, _ = load_yaml_text(text, "t.yaml")
        except ScenarioError as exc:
            [issue] = exc.issues
            assert (issue.file, issue.line, issue.column) == ("t.yaml", 2, 8), str(issue)
            assert issue.path == "value"
        else:  # only values the tag really reads
            assert tag in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq"), (
                tag, value, data)
            if tag == "null":
                assert value in ("~", "''") and data["value"] is None
            if tag in ("map", "seq"):
                assert value == {"map": "{a: 1}", "seq": "[1, 2]"}[tag]


# --------------------------------------------------------------------------- fuzz
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_scenarios_never_crash(data):
    """Random edits of the example (bytes replaced, inserted, deleted) are either a valid
    scenario or a ScenarioError whose every issue is one located line."""
    raw = bytearray(BASE_TEXT.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        what = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        piece = data.draw(st.sampled_from([b"\x00", b"\x1b", b"\xff", b":", b"[", b"{", b"-",
                                           b"!!int ", b"!!map ", b"&a ", b"*a", b"\n", b" ",
                                           "：".encode(), "０".encode(), b"'", b'"\\ud800"',
                                           b"#", b"\t", b"1e999", b"~"]))
        if what == "replace":
            raw[at:at + len(piece)] = piece
        elif what == "insert":
            raw[at:at] = piece
        else:
            del raw[at:at + data.draw(st.integers(1, 20))]
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "s.yaml"
        file.write_bytes(bytes(raw))
        try:
            load_scenario(file)
        except ScenarioError as exc:
            for issue in exc.issues:
                assert issue.file == str(file) and issue.line is not None, str(issue)
                assert "\n" not in str(issue)


# --------------------------------------------------------------------------- in-memory data
def test_model_validate_errors_carry_dotted_paths():
    data = yaml.safe_load(BASE_TEXT)
    data["funding"][3]["uptake"] = {"dist": "beta", "a": -1, "b": 4}
    data["funding"][3]["uptak"] = 0.5
    data["compound"]["househols"] = 3
    with pytest.raises(ScenarioError) as info:
        fundmodel.Scenario.model_validate(data)
    assert isinstance(info.value, ValueError)
    got = {(i.path, i.message) for i in info.value.issues}
    assert got == {
        ("funding[3].uptake.a", "Input should be greater than 0, got -1"),
        ("funding[3].uptak", "unknown key 'uptak' (did you mean 'uptake'?)"),
        ("compound.househols", "unknown key 'househols' (did you mean 'households'?)"),
    }
    assert all(i.file is None and i.line is None for i in info.value.issues)


def test_model_validate_json_errors_carry_dotted_paths():
    data = yaml.safe_load(BASE_TEXT)
    data["operations"]["costs"][1]["staf"] = 2
    with pytest.raises(ScenarioError) as info:
        fundmodel.Scenario.model_validate_json(json.dumps(data))
    [issue] = info.value.issues
    assert issue.path == "operations.costs[1].staf"
    assert "did you mean 'staff'" in issue.message
    with pytest.raises(ScenarioError):
        fundmodel.Scenario.model_validate_json("{not json")


def test_model_validate_valid_dict_round_trips(tmp_path):
    (tmp_path / "wages.csv").write_bytes(WAGES)
    file = tmp_path / "s.yaml"
    file.write_text(empirical("file: wages.csv, column: growth"), encoding="utf-8")
    scenario = load_scenario(file)
    again = fundmodel.Scenario.model_validate_json(scenario.model_dump_json())
    assert again == fundmodel.Scenario.model_validate(scenario.model_dump())
    assert again.operations.costs[0].growth.values == [0.06, 0.02, 0.05]
    plain = fundmodel.Scenario.model_validate(yaml.safe_load(BASE_TEXT))
    assert fundmodel.Scenario.model_validate_json(plain.model_dump_json()) == plain


def test_in_memory_data_reads_no_file_outside_the_current_folder():
    data = yaml.safe_load(empirical("file: /etc/passwd, column: root"))
    with pytest.raises(ScenarioError) as info:
        fundmodel.Scenario.model_validate(data)
    [issue] = info.value.issues
    assert issue.path == f"{GROWTH}.file" and "outside the scenario's folder" in issue.message


def test_many_bad_values_are_capped(tmp_path):
    from fundmodel.scenario.validate import MAX_ISSUES

    data = yaml.safe_load(BASE_TEXT)
    data["renovation"]["items"] = [{"name": f"i{k}", "tier": "basic", "quantity": -1,
                                    "unit_cost": 1} for k in range(300)]
    with pytest.raises(ScenarioError) as info:
        fundmodel.Scenario.model_validate(data)
    issues = info.value.issues
    assert len(issues) == MAX_ISSUES
    assert issues[-1].message == f"... and {300 - MAX_ISSUES + 1} more problems (fix these first)"
