"""Five classes of mistake, each with exactly one clear message through the CLI: one line on
standard error, exit 2, nothing written (issue 19, "Bad input"); and long values quoted short.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fundmodel.cli import main
from fundmodel.errors import Issue, quote, shorten, shorten_quoted

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"
TEXT = STANDALONE.read_text(encoding="utf-8")


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def one_line(capsys, argv, out: Path) -> str:
    """Run the CLI; check exit 2, one stderr line, nothing on stdout, nothing written."""
    try:
        code = main([*argv, "--out", str(out)])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == "" and not out.exists()
    return lines[0]


# ------------------------------------------------- 1. a required key written in another way
@pytest.mark.parametrize("old, new, key, meant", [
    ("name: sanqiao-standalone", "名称: sanqiao-standalone", "名称", "name"),
    ("horizon_years: 20", "horizn_years: 20", "horizn_years", "horizon_years"),
    ("  households: 100", "  户数: 100", "户数", "households"),
    ("start_year: 2025", "jahr: 2025", "jahr", "start_year"),
])
def test_a_required_key_written_otherwise_is_one_message(tmp_path, capsys, old, new, key,
                                                          meant):
    assert old in TEXT
    f = tmp_path / "s.yaml"
    f.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    line = one_line(capsys, ["run", str(f)], tmp_path / "out")
    n = line_of(TEXT, old)
    col = len(old) - len(old.lstrip()) + 1
    assert line.startswith(f"{f}:{n}:{col} ")
    assert f"unknown key '{key}' (did you mean '{meant}'?)" in line
    assert "missing" not in line


def test_two_unknown_keys_and_two_missing_are_not_guessed(tmp_path, capsys):
    """With two of each, which stands for which is unknown: both kinds are reported."""
    f = tmp_path / "s.yaml"
    f.write_text(TEXT.replace("start_year: 2025", "jahr: 2025")
                 .replace("horizon_years: 20", "dauer: 20"), encoding="utf-8")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "missing required key 'start_year'" in err and "unknown key 'jahr'" in err


# ------------------------------------------- 2. a --set inside a distribution in the file
@pytest.mark.parametrize("setting, words", [
    ("renovation.contingency.high=-1", "low (0) must be below high (-1)"),
    ("renovation.contingency.mode=0.5", "mode (0.5) must lie between low"),
    ("renovation.contingency.high=2", "ranges over [0, 2] but the value must lie in [0, 1]"),
    ("renovation.items[2].unit_cost.low=200", "low (200) must be below high (150)"),
])
def test_a_set_inside_a_distribution_is_blamed_on_the_set(tmp_path, capsys, setting, words):
    line = one_line(capsys, ["run", str(STANDALONE), "--set", setting], tmp_path / "out")
    assert line.startswith(f"--set {setting} ")
    assert words in line and str(STANDALONE) not in line


def test_the_files_own_distribution_error_stays_on_the_file(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(TEXT.replace("low: 0.0, mode: 0.05, high: 0.15", "low: 0.2, mode: 0.05, "
                              "high: 0.15"), encoding="utf-8")
    line = one_line(capsys, ["run", str(f), "--set", "inflation=0.03"], tmp_path / "out")
    assert line.startswith(f"{f}:") and "--set" not in line


# ------------------------------------------------------ 3. a YAML directive through --set
@pytest.mark.parametrize("value, directive", [
    ("%YAML 1.1", "%YAML"),
    ("%YAML 1.1\n--- 0.02", "%YAML"),
    ("%TAG !e! tag:example.com,2000:\n--- !e!x 0.02", "%TAG"),
    (" %YAML 1.2", "%YAML"),
])
def test_a_yaml_directive_in_a_set_is_one_message_naming_it(tmp_path, capsys, value,
                                                             directive):
    line = one_line(capsys, ["run", str(STANDALONE), "--set", f"inflation={value}"],
                    tmp_path / "out")
    assert line.startswith("--set inflation=") and " inflation: " in line
    assert f"the directive '{directive}' is not allowed" in line


def test_a_python_tag_in_a_set_is_one_message_naming_it(tmp_path, capsys):
    line = one_line(capsys, ["run", str(STANDALONE), "--set",
                             "inflation=!!python/object/apply:os.system [ls]"], tmp_path / "out")
    assert line.startswith("--set inflation=") and "is not allowed" in line


# ------------------------------------------- 4. too large for memory: where the draws are
def test_too_many_draws_from_the_command_line_name_draws(tmp_path, capsys):
    """10^12 draws × 22 metrics × 8 bytes = 176 TB for the per-draw table alone."""
    line = one_line(capsys, ["run", str(STANDALONE), "--draws", "1000000000000"],
                    tmp_path / "out")
    assert line.startswith("--draws 1000000000000: this run needs about ")


def test_too_many_draws_from_the_file_name_its_line(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(TEXT.replace("  draws: 10000", "  draws: 1000000000000"), encoding="utf-8")
    n = line_of(TEXT, "  draws: 10000")
    line = one_line(capsys, ["run", str(f), "--draws"], tmp_path / "out")
    assert line.startswith(f"{f}:{n}:10 simulation.draws: this run needs about ")


def test_too_many_draws_from_a_set_name_the_set(tmp_path, capsys):
    line = one_line(capsys, ["run", str(STANDALONE), "--draws", "--set",
                             "simulation.draws=1000000000000"], tmp_path / "out")
    assert line.startswith("--set simulation.draws=1000000000000 simulation.draws: this run "
                           "needs about ")


# --------------------------------------------------------------------- 5. --out ''
@pytest.mark.parametrize("command", [["run", str(STANDALONE)], ["schema"]])
def test_an_empty_out_is_one_line(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([*command, "--out", ""])
    captured = capsys.readouterr()
    assert info.value.code == 2 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "argument --out: the path is empty" in lines[0]


# ------------------------------------------------------------- long values quoted short
def test_quote_and_shorten_by_hand():
    assert quote("abc") == "'abc'"
    assert quote("x" * 81) == "'" + "x" * 80 + "…' (81 characters)"
    assert shorten("y" * 5000) == "y" * 80 + "… (5,000 characters)"
    assert shorten("short") == "short"
    # an apostrophe inside a word does not open a quote
    text = "the lever's range " + "z" * 200 + " and 'abc'"
    assert shorten_quoted(text) == text
    assert shorten_quoted("got '" + "q" * 100 + "'") == "got '" + "q" * 80 + "…' (100 characters)"
    # several short quoted values in a row are each short: nothing is cut
    listed = ("Input should be 'central_government', 'provincial_government', "
              "'city_district_government' or 'street_community', got 'contractors'")
    assert shorten_quoted(listed) == listed


def test_issue_cuts_a_long_set_and_path():
    issue = Issue("a." + "k" * 500, "m", "--set " + "v" * 1000)
    text = str(issue)
    assert "(1,000 characters)" in text and "(502 characters)" in text and len(text) < 350


@pytest.mark.parametrize("make", [
    lambda long: TEXT.replace("name: rain and sewage pipes", f"name: '{long}'")
                     .replace("name: water supply pipes", f"name: '{long}'"),
    lambda long: TEXT.replace("horizon_years: 20", f"horizon_years: '{long}'"),
    lambda long: TEXT.replace("contingency: {dist: triangular", f"contingency: {{dist: '{long}'"),
], ids=["duplicate-name", "string-for-a-number", "unknown-distribution"])
def test_a_5000_character_value_is_quoted_short(tmp_path, capsys, make):
    f = tmp_path / "s.yaml"
    f.write_text(make("n" * 5000), encoding="utf-8")
    line = one_line(capsys, ["run", str(f)], tmp_path / "out")
    assert "'" + "n" * 80 + "…' (5,000 characters)" in line and len(line) < 400


def test_a_100_kb_target_is_quoted_short(capsys):
    target = "x" * 100_000 + " = 0"
    code = main(["solve", str(STANDALONE), "--lever",
                 "operations.property_fee.rate_per_m2_month", "--target", target])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and captured.out == ""
    assert "'" + "x" * 80 + "…' (100,000 characters)" in lines[0] and len(lines[0]) < 1000


@pytest.mark.parametrize("setting, words", [
    ("inflation=" + "x" * 99_000, "(99,000 characters)"),
    ("renovation.items[" + "y" * 5000 + "].unit_cost=1", "(5,000 characters)"),
    ("a" * 5000, "(5,000 characters)"),
])
def test_a_long_set_is_quoted_short(tmp_path, capsys, setting, words):
    line = one_line(capsys, ["run", str(STANDALONE), "--set", setting], tmp_path / "out")
    assert words in line and len(line) < 700
