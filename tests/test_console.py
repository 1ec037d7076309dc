"""What the command line prints, read as an analyst reads it (issue 19): labels not
identifiers, yes/no flags, whole years, no negative zero, units on solve's answer, Chinese
tables with their borders on a GBK console or pipe, every "Wrote" in the run's language."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from fundmodel.export import console
from fundmodel.cli import main

from cli_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
GUANGAN = str(SCENARIOS / "guangan-bundle.yaml")
STANDALONE = str(SCENARIOS / "sanqiao-standalone.yaml")


@pytest.fixture(scope="module")
def guangan_en():
    """``fundmodel run guangan-bundle.yaml`` in English, captured once."""
    out = io.StringIO()
    real = sys.stdout
    sys.stdout = out
    try:
        assert main(["run", GUANGAN]) == 0
    finally:
        sys.stdout = real
    return out.getvalue()


def _row(text: str, name: str) -> list[str]:
    """The cells of the table row whose first cell is ``name``."""
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line)[1:-1]]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r}")


# ------------------------------------------------------------------ labels, not identifiers
def test_english_run_prints_labels_not_identifiers(guangan_en):
    for ident in ("central_subsidy", "provincial_funds", "utility_companies", "top_up",
                  "bundled_project", "city_district_government", "debt[rooms bond].min_dscr",
                  "investor[parking operator].irr"):
        assert ident not in guangan_en, ident
    assert re.search(r"^│ vat\b", guangan_en, re.M) is None
    assert _row(guangan_en, "Central subsidy")[1] == "Government"
    assert _row(guangan_en, "Government top-up")[1] == "Government"
    assert _row(guangan_en, "Funding gap")[1] == "Unfunded"
    assert _row(guangan_en, "VAT")[1] == "-27,713"
    # a user's own label is kept as written
    assert _row(guangan_en, "rooms bond")[1] == "Lenders"


def test_flags_are_yes_or_no_and_years_whole(guangan_en):
    assert _row(guangan_en, "Debt rooms bond: amount capped")[1] == "no"
    assert _row(guangan_en, "Bundle old factory: balances")[1] == "yes"
    assert _row(guangan_en, "Investor parking operator: below its hurdle")[1] == "no"
    assert _row(guangan_en, "Investor parking operator: IRR status")[1] == "ok"
    year = _row(guangan_en, "Debt rooms bond: year of the lowest DSCR")[1]
    assert re.fullmatch(r"\d+", year)
    assert re.fullmatch(r"\d+", _row(guangan_en, "Debt security loan: years short of debt "
                                                 "service")[1])


def test_no_negative_zero(guangan_en):
    # guangan's government nets a few hundred thousand against a budget of billions: -0.0%
    # before; a value that rounds to zero shows no sign
    assert "-0.0%" not in guangan_en and "−0.0%" not in guangan_en
    assert re.search(r"(?<![\w.,])-0(?![.,]?\d)", guangan_en) is None
    assert console.money(-0.4) == "0" and console.money(-0.6) == "-1"
    assert console._pct(-0.0004) == "0.0%" and console._pct(-0.0006) == "-0.1%"
    assert console._rate(-0.004) == "0.00" and console._rate3(-0.0004) == "0.000"
    assert console._number(-0.0001) == "0.000" and console._number(-150.2) == "-150"


# ------------------------------------------------------------------ solve
def test_solve_prints_the_answer_with_its_unit(capsys):
    rc, out, _ = run_cli(capsys, "solve", STANDALONE,
                         "--lever", "operations.property_fee.rate_per_m2_month",
                         "--target", "npv_operations = 0")
    assert rc == 0
    assert re.search(r"^answer: \d+\.\d+ CNY/m²/month$", out, re.M), out
    rc, out, _ = run_cli(capsys, "solve", STANDALONE,
                         "--lever", "operations.property_fee.rate_per_m2_month",
                         "--target", "npv_operations = 0", "--lang", "zh")
    assert re.search(r"^结果：\d+\.\d+ 元/m²/月$", out, re.M), out


def test_a_share_lever_is_shown_as_a_percentage_too():
    import fundmodel

    scenario = fundmodel.load_scenario(STANDALONE)
    s = fundmodel.solve(scenario, "operations.property_fee.collection_rate",
                        "npv_operations >= -3000000")
    assert s.unit == "share"
    assert s.answer_text(0.85) == "0.85 (85.0%)"


# ------------------------------------------------------------------ borders and language
def test_chinese_tables_keep_their_borders_on_a_gbk_pipe(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="gbk", newline="\n")  # not a terminal
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["run", str(SCENARIOS / "lift-retrofit.yaml"), "--lang", "zh"]) == 0
    stream.flush()
    text = raw.getvalue().decode("gbk")
    assert "┏" in text and "┃ 资金来源" in text and "│ 中央补助资金" in text
    assert "+---" not in text


def test_an_encoding_without_box_characters_falls_back_to_ascii(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252", newline="\n")
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["run", str(SCENARIOS / "lift-retrofit.yaml")]) == 0
    stream.flush()
    text = raw.getvalue().decode("cp1252")
    assert "+---" in text and "┏" not in text


@pytest.mark.parametrize("argv, files", [
    (["sensitivity", STANDALONE, "--metric", "breakeven_fee_rate"], "tornado.csv"),
    (["compare", STANDALONE, str(SCENARIOS / "sanqiao-shared-service.yaml")], "compare.csv"),
])
def test_every_wrote_line_is_in_the_runs_language(argv, files, tmp_path, capsys):
    rc, out, err = run_cli(capsys, *argv, "--out", tmp_path / "zh", "--lang", "zh")
    assert rc == 0, err
    assert re.search(r"^已将 .*" + files + r".* 写入 ", out, re.M), out
    assert "Wrote" not in out
    rc, out, err = run_cli(capsys, *argv, "--out", tmp_path / "en")
    assert rc == 0, err
    assert re.search(r"^Wrote .*" + files, out, re.M), out


def test_sensitivity_tables_show_the_inputs_labels(capsys):
    rc, out, _ = run_cli(capsys, "sensitivity", STANDALONE, "--metric", "breakeven_fee_rate")
    assert rc == 0
    assert _row(out, "Collection rate")
    assert _row(out, "roof waterproofing: Unit cost")
    assert "operations.property_fee.collection_rate" not in out
    rc, out, _ = run_cli(capsys, "sensitivity", STANDALONE, "--metric", "breakeven_fee_rate",
                         "--lang", "zh")
    assert _row(out, "收缴率") and _row(out, "roof waterproofing：单价")
