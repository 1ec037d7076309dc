"""The compounds table (CSV or Excel): what a valid table reads as, and one located issue for
each kind of mistake (file, line, column, path ``compounds[i].<column>``)."""

from __future__ import annotations

import logging
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fundmodel import ScenarioError
from fundmodel.errors import ModelError
from fundmodel.io import compounds_table
from fundmodel.io.compounds_table import CompoundsTable, read_compounds_table

HEADER = "id,name,households,floor_area_m2"


def write(tmp_path: Path, text: str, name: str = "compounds.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def issues_of(path, **kwargs) -> list:
    with pytest.raises(ScenarioError) as info:
        read_compounds_table(path, **kwargs)
    err = info.value
    assert str(err) == "\n".join(str(i) for i in err.issues)
    return err.issues


def one_issue(path, where: str, line, column, phrase: str, **kwargs):
    """The table has exactly one issue, at ``where`` on ``line``:``column``, whose message
    holds ``phrase``; formatted ``file:line:column path: message``."""
    found = issues_of(path, **kwargs)
    assert len(found) == 1, "\n".join(map(str, found))
    issue = found[0]
    assert issue.file == str(path)
    assert (issue.path, issue.line, issue.column) == (where, line, column), str(issue)
    assert phrase in issue.message, issue.message
    location = ":".join(str(p) for p in (path, line, column) if p is not None)
    assert str(issue) == f"{location} {where}: {issue.message}"
    return issue


# ----------------------------------------------------------------------------- valid tables
def test_a_full_table_reads_with_units_defaults_and_positions(tmp_path):
    text = ("id,name,street,households,floor_area_m2,chargeable_area_m2,buildings,storeys,"
            "built_year,lifts_possible,tier_planned,x_km,y_km,neighbourhood,condition_score\n"
            "A1,Alpha,Sanqiao,80,5600,5000,4,6,1985,yes,complete,1.5,-2,N1,2.5\n"
            "\n"
            "B2,,,120,8000.5,,,,,,,,,,\n")
    t = read_compounds_table(write(tmp_path, text))
    assert len(t) == 2 and t.ids == ("A1", "B2")
    assert t.names == ("Alpha", "B2")                  # name defaults to the id
    assert t.streets == ("Sanqiao", "")
    assert t.households.dtype == np.int64 and list(t.households) == [80, 120]
    assert list(t.floor_area_m2) == [5600.0, 8000.5]
    assert list(t.chargeable_area_m2) == [5000.0, 8000.5]  # defaults to the floor area
    assert t.buildings[0] == 4 and math.isnan(t.buildings[1])
    assert t.storeys[0] == 6 and math.isnan(t.built_year[1])
    assert list(t.lifts_possible) == [True, False]
    assert t.tier_planned == ("complete", "upgrade")   # default: all tiers
    assert (t.x_km[0], t.y_km[0]) == (1.5, -2.0) and math.isnan(t.x_km[1])
    assert t.neighbourhood == ("N1", "")
    assert t.condition_score[0] == 2.5
    assert t.lines == (2, 4)                           # the blank line 3 is skipped
    assert t.columns["id"] == 1 and t.columns["condition_score"] == 15
    assert t.source == str(tmp_path / "compounds.csv")
    with pytest.raises(ValueError):
        t.households[0] = 5                            # read-only arrays


def test_chinese_aliases_and_words(tmp_path):
    text = ("编号,名称,街道,户数,建筑面积（平方米）,层数,可加装电梯,改造类型\n"
            "X1,杏花岭一号院,三桥街道,60,4200,5,是,基础类\n"
            "X2,二号院,三桥街道,90,6100,4,否,提升类\n")
    t = read_compounds_table(write(tmp_path, text))
    assert t.ids == ("X1", "X2") and t.names[0] == "杏花岭一号院"
    assert list(t.households) == [60, 90] and list(t.floor_area_m2) == [4200.0, 6100.0]
    assert list(t.lifts_possible) == [True, False]
    assert t.tier_planned == ("basic", "upgrade")
    assert t.columns == {"id": 1, "name": 2, "street": 3, "households": 4, "floor_area_m2": 5,
                         "storeys": 6, "lifts_possible": 7, "tier_planned": 8}


def test_unknown_numeric_columns_kept_and_text_columns_ignored_with_a_warning(tmp_path, caplog):
    text = f"{HEADER},parking_spaces,note\nA,a,10,700,12,old pipes\nB,b,20,1400,,\n"
    with caplog.at_level(logging.WARNING, logger="fundmodel"):
        t = read_compounds_table(write(tmp_path, text))
    assert set(t.extra) == {"parking_spaces"}
    assert t.extra["parking_spaces"][0] == 12 and math.isnan(t.extra["parking_spaces"][1])
    assert t.columns["parking_spaces"] == 5 and "note" not in t.columns
    assert len(t.warnings) == 1 and "'note' (column 6)" in t.warnings[0]
    assert "'note' (column 6)" in caplog.text and "ignored" in caplog.text
    np.testing.assert_array_equal(t.attribute("parking_spaces"), [12.0, np.nan])
    np.testing.assert_array_equal(t.attribute("households"), [10.0, 20.0])
    with pytest.raises(ModelError, match="did you mean 'parking_spaces'"):
        t.attribute("parking_space")


def test_take_and_to_frame(tmp_path):
    text = f"{HEADER},lifts_possible,score\nA,a,10,700,1,5\nB,b,20,1400,0,6\nC,c,30,2100,yes,7\n"
    t = read_compounds_table(write(tmp_path, text))
    sub = t.take([2, 0])
    assert isinstance(sub, CompoundsTable)
    assert sub.ids == ("C", "A") and list(sub.households) == [30, 10]
    assert sub.lines == (4, 2) and list(sub.extra["score"]) == [7.0, 5.0]
    assert list(sub.lifts_possible) == [True, True]
    assert t.take(np.array([False, True, False])).ids == ("B",)
    assert len(t.take([])) == 0
    with pytest.raises(ModelError):
        t.take([3])
    frame = t.to_frame()
    assert list(frame.columns[:4]) == ["id", "name", "street", "households"]
    assert list(frame["floor_area_m2"]) == [700.0, 1400.0, 2100.0]
    assert list(frame["score"]) == [5.0, 6.0, 7.0]


def test_bom_is_accepted_and_not_part_of_the_first_name(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\nA,a,10,700\n".encode())
    t = read_compounds_table(path)
    assert t.ids == ("A",) and t.columns["id"] == 1


def test_base_dir_inside_is_read(tmp_path):
    write(tmp_path, f"{HEADER}\nA,a,10,700\n")
    assert read_compounds_table("compounds.csv", base_dir=tmp_path).ids == ("A",)


# ----------------------------------------------------------------------------- mistakes
def test_missing_required_column(tmp_path):
    path = write(tmp_path, "id,name,housholds,floor_area_m2\nA,a,10,700\n")
    issue = one_issue(path, "compounds.households", 1, None, "no column 'households'")
    assert "'housholds'" in issue.message                      # the near miss is named


def test_text_in_a_number_column(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10,700\nB,b,ten,700\n")
    one_issue(path, "compounds[1].households", 3, 3, "'ten' is not a number")


def test_thousands_separator_gets_a_hint(tmp_path):
    path = write(tmp_path, f'{HEADER}\nA,a,10,"1,700"\n')
    one_issue(path, "compounds[0].floor_area_m2", 2, 4, "without thousands separators")


def test_duplicate_id_names_the_first_line(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10,700\nB,b,10,700\n\nA,c,10,700\n")
    one_issue(path, "compounds[2].id", 5, 1, "duplicate id 'A': it is first on line 2")


@pytest.mark.parametrize("value", ["0", "-5"])
def test_households_zero_or_negative(tmp_path, value):
    path = write(tmp_path, f"{HEADER}\nA,a,{value},700\n")
    one_issue(path, "compounds[0].households", 2, 3, f"'{value}' is not greater than 0")


def test_fractional_households(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10.5,700\n")
    one_issue(path, "compounds[0].households", 2, 3, "'10.5' is not a whole number")


def test_whole_float_households_are_accepted(tmp_path):
    assert list(read_compounds_table(write(tmp_path, f"{HEADER}\nA,a,1e2,700\n")).households) \
        == [100]


@pytest.mark.parametrize("value, phrase", [
    ("1e300", "'1e300' is too large; at most 1e10"),
    ("inf", "'inf' is infinite"),
    ("-inf", "'-inf' is infinite"),
    ("1e400", "'1e400' is infinite"),
    ("nan", "'nan' is not a number"),
])
def test_too_large_or_not_finite_numbers(tmp_path, value, phrase):
    path = write(tmp_path, f"{HEADER}\nA,a,10,{value}\n")
    one_issue(path, "compounds[0].floor_area_m2", 2, 4, phrase)


@pytest.mark.parametrize("column, value, phrase", [
    ("storeys", "0", "'0' is less than 1"),
    ("storeys", "201", "at most 200"),
    ("built_year", "1850", "'1850' is less than 1900"),
    ("buildings", "2.5", "not a whole number"),
    ("condition_score", "-1", "'-1' is less than 0"),
    ("lifts_possible", "maybe", "not one of true, false"),
    ("tier_planned", "upgrad", "did you mean 'upgrade'"),
    ("chargeable_area_m2", "0", "not greater than 0"),
])
def test_optional_columns_bounds(tmp_path, column, value, phrase):
    path = write(tmp_path, f"{HEADER},{column}\nA,a,10,700,\nB,b,10,700,{value}\n")
    one_issue(path, f"compounds[1].{column}", 3, 5, phrase)


def test_coordinates_go_in_pairs(tmp_path):
    path = write(tmp_path, f"{HEADER},x_km,y_km\nA,a,10,700,1,2\nB,b,10,700,1,\n")
    one_issue(path, "compounds[1].y_km", 3, 6, "give both coordinates or neither")
    path = write(tmp_path, f"{HEADER},x_km\nA,a,10,700,1\n", "x_only.csv")
    one_issue(path, "compounds.y_km", 1, 5, "none 'y_km'")
    path = write(tmp_path, f"{HEADER},x_km,y_km\nA,a,10,700,1e6,0\n", "far.csv")
    one_issue(path, "compounds[0].x_km", 2, 5, "too large")


def test_empty_required_cell(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,,700\n")
    one_issue(path, "compounds[0].households", 2, 3, "the cell is empty")


def test_empty_file(tmp_path):
    one_issue(write(tmp_path, ""), "compounds", None, None, "the file is empty")
    one_issue(write(tmp_path, "\n \n", "blank.csv"), "compounds", None, None, "the file is empty")


def test_the_header_must_be_the_first_line(tmp_path):
    one_issue(write(tmp_path, f"\n{HEADER}\nA,a,10,700\n"), "compounds", 1, None,
              "the first line is empty")
    path = _xlsx(tmp_path, [[], EXCEL_HEADER, ["A", "a", 10, 700]])
    one_issue(path, "compounds", 1, None, "the first line is empty")


def test_header_only(tmp_path):
    one_issue(write(tmp_path, HEADER + "\n"), "compounds", 1, None, "a header but no compounds")


def test_a_row_with_too_many_cells(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10,700\nB,b,10,700,,99\n")
    one_issue(path, "compounds[1]", 3, 6, "the row has 6 cells, the header 4")


def test_trailing_empty_cells_are_allowed(tmp_path):
    assert read_compounds_table(write(tmp_path, f"{HEADER}\nA,a,10,700,,\n")).ids == ("A",)


def test_a_row_with_too_few_cells(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10\n")
    one_issue(path, "compounds[0]", 2, 4, "the row has 3 cells, the header 4")


def test_duplicate_header(tmp_path):
    path = write(tmp_path, "id,households,floor_area_m2,households\nA,10,700,10\n")
    one_issue(path, "compounds.households", 1, 4, "appears twice (columns 2 and 4)")
    path = write(tmp_path, "id,户数,floor_area_m2,households\nA,10,700,10\n", "alias.csv")
    one_issue(path, "compounds.households", 1, 4, "'户数' and 'households' are the same column")


def test_control_characters_are_shown_escaped(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,bad\x1b[31mname,10,700\n")
    issue = one_issue(path, "compounds[0].name", 2, 2, "holds a control character")
    assert "\\x1b[31m" in issue.message and "\x1b" not in str(issue)


def test_a_line_break_inside_a_quoted_cell_is_a_control_character(tmp_path):
    path = write(tmp_path, f'{HEADER}\nA,"two\nlines",10,700\nB,b,10,x\n')
    found = issues_of(path)
    assert [(i.path, i.line, i.column) for i in found] == [
        ("compounds[0].name", 2, 2), ("compounds[1].floor_area_m2", 4, 4)]  # B starts on line 4
    assert "\\n" in found[0].message


def test_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(f"{HEADER}\nA,".encode() + "杏花岭".encode("gbk") + b",10,700\n")
    one_issue(path, "compounds", 2, 3, "not UTF-8")
    assert "GBK" in issues_of(path)[0].message


def test_utf16(tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes(f"{HEADER}\nA,a,10,700\n".encode("utf-16"))
    issue = issues_of(path)[0]
    assert "UTF-16" in issue.message


def test_a_file_too_large_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:                # sparse: takes no disk space
        fh.truncate(compounds_table.MAX_TABLE_BYTES + 1)
    one_issue(path, "compounds", None, None, f"larger than {compounds_table.MAX_TABLE_BYTES:,} bytes")


def test_a_file_outside_base_dir(tmp_path):
    inside, outside = tmp_path / "scenario", tmp_path / "elsewhere"
    inside.mkdir(), outside.mkdir()
    write(outside, f"{HEADER}\nA,a,10,700\n")
    name = "../elsewhere/compounds.csv"
    issue = one_issue(name, "compounds", None, None, "is outside the folder", base_dir=inside)
    assert "allow_outside=True" in issue.message
    table = read_compounds_table(name, base_dir=inside, allow_outside=True)
    assert table.ids == ("A",)


def test_a_missing_file(tmp_path):
    one_issue(tmp_path / "nowhere.csv", "compounds", None, None, "there is no file")


def test_a_folder_is_not_a_file(tmp_path):
    one_issue(tmp_path, "compounds", None, None, "not a regular file")


def test_an_xlsx_named_csv_is_recognized(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.save(tmp_path / "book.csv")
    one_issue(tmp_path / "book.csv", "compounds", None, None, "an Excel workbook")


def test_many_issues_are_capped(tmp_path):
    rows = "".join(f"C{i},c,x,-1\n" for i in range(200))    # 400 mistakes
    found = issues_of(write(tmp_path, HEADER + "\n" + rows))
    assert len(found) == compounds_table.MAX_ISSUES
    assert found[-1].message == "and 301 more issues"
    # the first ones in file order: line 2 columns 3 and 4, then line 3 ...
    assert [(i.line, i.column) for i in found[:4]] == [(2, 3), (2, 4), (3, 3), (3, 4)]


def test_all_mistakes_of_a_file_at_once(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,1.5,700\nA,b,10,-3\n")
    found = issues_of(path)
    assert [(i.path, i.line, i.column) for i in found] == [
        ("compounds[0].households", 2, 3), ("compounds[1].id", 3, 1),
        ("compounds[1].floor_area_m2", 3, 4)]


def test_too_many_compounds(tmp_path, monkeypatch):
    monkeypatch.setattr(compounds_table, "MAX_COMPOUNDS", 2)
    path = write(tmp_path, f"{HEADER}\nA,a,10,700\nB,b,10,700\nC,c,10,700\n")
    one_issue(path, "compounds", 4, None, "more than 2 compounds")


def test_a_sheet_for_a_csv_file(tmp_path):
    path = write(tmp_path, f"{HEADER}\nA,a,10,700\n")
    one_issue(path, "compounds", None, None, "read as CSV", sheet="Sheet1")


# ----------------------------------------------------------------------------- Excel
def _xlsx(tmp_path: Path, rows: list[list], name: str = "compounds.xlsx",
          sheets: dict[str, list[list]] | None = None) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Compounds"
    for row in rows:
        sheet.append(row)
    for title, extra in (sheets or {}).items():
        other = book.create_sheet(title)
        for row in extra:
            other.append(row)
    path = tmp_path / name
    book.save(path)
    return path


EXCEL_HEADER = ["id", "name", "households", "floor_area_m2", "lifts_possible"]


def test_excel_reads_like_csv(tmp_path):
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", 10, 700.5, True], [], [101, None, 20.0, 900,
                                                                             "否"]])
    t = read_compounds_table(path)
    assert t.ids == ("A", "101") and t.names == ("a", "101")
    assert list(t.households) == [10, 20] and list(t.floor_area_m2) == [700.5, 900.0]
    assert list(t.lifts_possible) == [True, False]
    assert t.lines == (2, 4)                   # sheet rows; the empty row 3 is skipped


def test_excel_text_in_a_number_column(tmp_path):
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", 10, 700], ["B", "b", "ten", 700]])
    one_issue(path, "compounds[1].households", 3, 3, "'ten' is not a number")


def test_excel_boolean_in_a_number_column(tmp_path):
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", True, 700]])
    one_issue(path, "compounds[0].households", 2, 3, "'true' is not a number")


def test_excel_duplicate_id_and_fraction(tmp_path):
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", 10, 700], ["A", "b", 10.5, 700]])
    found = issues_of(path)
    assert [(i.path, i.line, i.column) for i in found] == [
        ("compounds[1].id", 3, 1), ("compounds[1].households", 3, 3)]
    assert "first on line 2" in found[0].message


def test_excel_missing_column_and_value_beyond_the_header(tmp_path):
    path = _xlsx(tmp_path, [["id", "name", "floor_area_m2"], ["A", "a", 700]])
    one_issue(path, "compounds.households", 1, None, "no column 'households'")
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", 10, 700, None, None, 5]], "wide.xlsx")
    one_issue(path, "compounds[0]", 2, 7, "a value beyond the last column")


def test_excel_sheet_by_name_and_unknown_sheet(tmp_path):
    path = _xlsx(tmp_path, [["notes"]], sheets={"Xinghualing": [EXCEL_HEADER,
                                                                ["A", "a", 10, 700]]})
    table = read_compounds_table(path, sheet="Xinghualing")
    assert table.ids == ("A",) and table.source == f"{path}[Xinghualing]"
    assert read_compounds_table(path, sheet=1).ids == ("A",)
    issue = one_issue(path, "compounds", None, None, "no sheet 'Xinghuling'",
                      sheet="Xinghuling")
    assert "did you mean 'Xinghualing'" in issue.message
    one_issue(path, "compounds", None, None, "no sheet number 5", sheet=5)


def test_excel_empty_sheet(tmp_path):
    one_issue(_xlsx(tmp_path, []), "compounds", None, None, "is empty")


def test_excel_broken_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    one_issue(path, "compounds", None, None, "not a readable Excel .xlsx workbook")


def test_excel_without_openpyxl(tmp_path, monkeypatch):
    path = _xlsx(tmp_path, [EXCEL_HEADER, ["A", "a", 10, 700]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)     # import openpyxl raises ImportError
    one_issue(path, "compounds", None, None, "pip install 'fundmodel[excel]'")


# ----------------------------------------------------------------------------- scale, invariants
def test_100k_rows_parse(tmp_path):
    """100,000 rows read whole and right (their time: benchmarks/test_startup.py)."""
    n = 100_000
    rows = "".join(f"C{i},n{i},{i % 500 + 1},{(i % 500 + 1) * 70.5},{i % 2},{i % 7 + 1}\n"
                   for i in range(n))
    path = write(tmp_path, "id,name,households,floor_area_m2,lifts_possible,storeys\n" + rows)
    t = read_compounds_table(path)
    assert len(t) == n and t.households[-1] == (n - 1) % 500 + 1
    assert t.lines[-1] == n + 1


_ID = st.text(alphabet="ABCXYZ0123456789-_杏花岭", min_size=1, max_size=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 10**9),
                               st.floats(min_value=1e-3, max_value=1e10, allow_nan=False),
                               st.one_of(st.none(), st.integers(1, 200))),
                     min_size=1, max_size=30),
       ids=st.lists(_ID, min_size=30, max_size=30, unique=True))
def test_written_values_read_back_exactly(tmp_path_factory, rows, ids):
    lines = ["id,households,floor_area_m2,storeys"]
    for k, (hh, area, storeys) in enumerate(rows):
        lines.append(f"{ids[k]},{hh},{area!r},{'' if storeys is None else storeys}")
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_compounds_table(path)
    assert t.ids == tuple(ids[: len(rows)])
    assert list(t.households) == [r[0] for r in rows]
    assert list(t.floor_area_m2) == [r[1] for r in rows]
    assert [None if math.isnan(s) else int(s) for s in t.storeys] == [r[2] for r in rows]
    assert t.lines == tuple(range(2, len(rows) + 2))


def test_model_validate_locates_table_mistakes_in_the_table(tmp_path):
    """A scenario validated from data (``Scenario.model_validate``, e.g. run.json's record)
    reports a compounds table's mistakes at their line, column and column name in the table,
    one issue each, not folded into one message at ``portfolio.compounds`` (issue 19)."""
    import fundmodel
    from fundmodel import Scenario

    root = Path(__file__).resolve().parents[1] / "scenarios"
    data = fundmodel.load_scenario(root / "xinghualing-district.yaml").model_dump(
        mode="json", by_alias=True)
    del data["compound"]  # the envelope of the table, computed again
    bad = write(tmp_path, "id,households,floor_area_m2\nA,abc,100\nB,5,-5\n")
    data["portfolio"]["compounds"] = str(bad)
    with pytest.raises(ScenarioError) as exc:
        Scenario.model_validate(data)
    assert [str(i) for i in exc.value.issues] == [
        f"{bad}:2:2 compounds[0].households: 'abc' is not a number",
        f"{bad}:3:3 compounds[1].floor_area_m2: '-5' is not greater than 0"]
    assert "portfolio.compounds" not in str(exc.value)
