"""Declared output tables (fundmodel.catalog.tables): one declaration and one reader make a
table, and the run's files, the workbook, the report and the labels show it with no code of
their own — shown with a table export/ has never heard of. And the worked example, the
residents' yearly burden by household, worked by hand on a small scenario."""

from __future__ import annotations

import copy
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel import Result, Scenario, labels
from fundmodel.catalog import Output
from fundmodel.catalog.tables import TABLES, OutputTable, table_columns
from fundmodel.errors import ModelError
from fundmodel.results.burden import repaying_share

ROOT = Path(__file__).resolve().parents[1]
EXPORT = ROOT / "src" / "fundmodel" / "export"

# Two blocks of 2 floors × 2 flats: 8 households. Block A gives its flats' areas (50 m² on
# the ground floor, 70 m² on the first), block B none. Floor area 500 m², the fee charged on
# 400 m². One lift (100,000 CNY, no contingency) paid wholly by the residents of A, in equal
# parts (25,000 a flat); half of the households borrow at 6 % a year over 2 years.
SCENARIO = {
    "name": "burden-by-hand", "start_year": 2030, "horizon_years": 3, "discount_rate": 0.03,
    "inflation": 0.0,
    "compound": {"name": "two blocks", "households": 8, "floor_area_m2": 500,
                 "chargeable_area_m2": 400},
    "renovation": {"items": [{"name": "lift", "tier": "upgrade", "quantity": 1, "unit": "lift",
                              "unit_cost": 100_000, "contingency": 0.0}]},
    "funding": [{"source": "residents", "share": 1.0, "items": ["lift"]}],
    "households": {
        "buildings": [{"name": "A", "floors": 2, "units_per_floor": 2,
                       "area_per_unit_m2": [50, 70]},
                      {"name": "B", "floors": 2, "units_per_floor": 2}],
        "charges": [{"item": "lift", "buildings": ["A"], "shared_by": "building",
                     "sharing": {"rule": "equal", "exempt_floors": []}}],
        "channels": {"takeup": {"loan": 0.5}, "loan_rate": 0.06, "loan_term_years": 2}},
    "operations": {"property_fee": {"rate_per_m2_month": 1.0, "collection_rate": 0.8},
                   "vat_rate": 0.0},
    "repairs_fund": {
        "contribution_per_m2_year": 2.0, "contribution_growth": 0.1,
        "top_up": {"trigger_balance": 0, "restore_to_balance": 200},
        "components": [{"name": "pump", "cost": 1500, "useful_life_years": 10,
                        "remaining_life_years": 1, "growth": 0.0}]},
}

# the property fee: 1.0 CNY/m²/month × 400 m² × 12 × 0.8 collected = 3,840 a year; a flat of
# A pays it on its own area: 1.0 × 50 × 12 × 0.8 = 480 (ground floor), × 70 = 672 (first);
# B gives no areas: 3,840 / 8 = 480 a flat
FEE = {("A", 1): 480.0, ("A", 2): 672.0, ("B", 1): 480.0, ("B", 2): 480.0}
# the repairs fund: 2 CNY/m² × 500 m² = 1,000 in year 1, growing 10 %: 1,100, 1,210; a flat
# of A on its area (2 × 50 = 100, 2 × 70 = 140 in year 1), of B an eighth (125)
DEPOSITS = {("A", 1): [100.0, 110.0, 121.0], ("A", 2): [140.0, 154.0, 169.4],
            ("B", 1): [125.0, 137.5, 151.25], ("B", 2): [125.0, 137.5, 151.25]}
# the pump (1,500) is replaced at the end of year 1: 0 + 1,000 − 1,500 = −500 < 0, so the
# residents top it up to 200: 700, shared as the deposits (700 × 50/500 = 70, × 70/500 = 98,
# / 8 = 87.5); years 2 and 3 stay above 0
TOP_UP = {("A", 1): 70.0, ("A", 2): 98.0, ("B", 1): 87.5, ("B", 2): 87.5}
# a flat of A borrowing its 25,000 over 24 months at 0.5 % a month: the annuity
# P r / (1 − (1 + r)^−n) = 25,000 × 0.005 / (1 − 1.005^−24) ≈ 1,108.02 a month, 13,296.18
# a year in operating years 1 and 2 (drawn at the end of the single construction year)
MONTHLY = 25_000 * 0.005 / (1 - 1.005 ** -24)
LOAN = {("A", 1): [12 * MONTHLY, 12 * MONTHLY, 0.0], ("A", 2): [12 * MONTHLY, 12 * MONTHLY, 0.0],
        ("B", 1): [0.0, 0.0, 0.0], ("B", 2): [0.0, 0.0, 0.0]}


def run(edit=None, simulate=False) -> Result:
    data = copy.deepcopy(SCENARIO)
    if edit:
        edit(data)
    scenario = Scenario.model_validate(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fundmodel.simulate(scenario, 32, seed=1) if simulate else fundmodel.evaluate(scenario)


@pytest.fixture(scope="module")
def burden() -> pd.DataFrame:
    return run().table("resident_burden")


def test_the_burden_by_hand(burden):
    assert list(burden.index.names) == ["building", "floor", "operating_year"]
    assert len(burden) == 4 * 3                     # 4 household types × 3 operating years
    assert np.array_equal(burden.xs(("A", 1))["calendar_year"], [2031, 2032, 2033])
    assert set(burden["households"]) == {2}
    for (building, floor), fee in FEE.items():
        rows = burden.xs((building, floor))
        assert rows["fee_per_household"].to_numpy() == pytest.approx([fee] * 3, rel=1e-12)
        assert rows["fund_deposits_per_household"].to_numpy() == pytest.approx(
            DEPOSITS[building, floor], rel=1e-12)
        assert rows["fund_top_up_per_household"].to_numpy() == pytest.approx(
            [TOP_UP[building, floor], 0.0, 0.0], rel=1e-12, abs=1e-9)
        assert rows["loan_payment_per_household"].to_numpy() == pytest.approx(
            LOAN[building, floor], rel=1e-9, abs=1e-9)
    # the total, for the first floor of A in year 1: 672 + 140 + 98 + 13,296.18 = 14,206.18
    assert burden.loc[("A", 2, 1), "total_per_household"] == pytest.approx(
        672 + 140 + 98 + 12 * MONTHLY, rel=1e-12)


def test_the_rows_add_up_to_the_compounds_lines_when_the_areas_do():
    """With every flat's area given and the areas adding up to the fee and floor areas, the
    households' fee, deposits and top-ups add up to the operating statement's lines."""
    def edit(d):
        d["households"]["buildings"][1]["area_per_unit_m2"] = 50   # 2×(50+70) + 4×50 = 440
        d["compound"].update(floor_area_m2=440, chargeable_area_m2=440)
    result = run(edit, simulate=True)
    table = result.table("resident_burden")
    yearly = result.yearly()
    for column, line in (("fee_per_household", "property_fee_income"),
                         ("fund_deposits_per_household", "fund_deposits"),
                         ("fund_top_up_per_household", "fund_top_up")):
        summed = (table[column] * table["households"]).groupby("operating_year").sum()
        assert summed.to_numpy() == pytest.approx(yearly[line].to_numpy(), rel=1e-12, abs=1e-9)


def test_a_fee_per_household_is_shared_equally_and_without_a_fund_or_loan_is_zero():
    def edit(d):
        d["operations"]["property_fee"] = {"per_household_month": 30.0, "collection_rate": 0.9}
        del d["repairs_fund"]
        del d["households"]["channels"]
    table = run(edit).table("resident_burden")
    # 30 × 12 × 0.9 = 324 a year for every flat, whatever its area
    assert table["fee_per_household"].to_numpy() == pytest.approx([324.0] * 12, rel=1e-12)
    for column in ("fund_deposits_per_household", "fund_top_up_per_household",
                   "loan_payment_per_household"):
        assert (table[column] == 0).all(), column
    assert table["total_per_household"].to_numpy() == pytest.approx([324.0] * 12, rel=1e-12)


def test_loans_drawn_over_several_years_are_repaid_after_each():
    # 60 % drawn at the end of year 0, 40 % of year 1, a 2-year term: repaid 0.6 in year 1,
    # 0.6 + 0.4 = 1 in year 2, 0.4 in year 3, nothing after
    assert repaying_share(np.array([60.0, 40.0, 0, 0, 0]), 2, 5) == pytest.approx(
        [0, 0.6, 1.0, 0.4, 0])
    assert not repaying_share(np.zeros(3), 2, 3).any()


def test_without_households_there_is_no_burden_table():
    result = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios"
                                                        / "sanqiao-standalone.yaml"))
    assert result.table("resident_burden") is None
    assert "resident_burden" not in result.declared_tables()


def test_describe_and_labels_read_the_declaration():
    declared = TABLES["resident_burden"]
    assert Result.describe("loan_payment_per_household").startswith(
        "loan_payment_per_household [CNY/year]: ")
    assert labels.label("resident_burden", "zh") == declared.zh
    assert labels.header("total_per_household", "zh") == "合计（元/年）"
    assert labels.describe_unit("fee_per_household") == "CNY/year"


def test_an_unknown_table_is_a_key_error_with_a_hint():
    with pytest.raises(KeyError, match="resident_burden"):
        run().table("resident_burdens")


# ------------------------------------------------------------------ the generic readers
def _toy(result):
    """A reader of a table that export/ has never heard of."""
    return pd.DataFrame({"item": ["lift"], "spent": [1234.5], "share_done": [0.25]}).set_index(
        "item")


def _wrong(result):
    return _toy(result).rename(columns={"spent": "spend"})


@pytest.fixture
def toy_table(monkeypatch):
    module = types.ModuleType("fundmodel_toy_tables")
    module.toy, module.wrong = _toy, _wrong
    monkeypatch.setitem(sys.modules, "fundmodel_toy_tables", module)
    declared = OutputTable(
        "toy_progress", "Toy progress", "玩具进度", "A table declared only in a test",
        axes=("item",),
        columns=(Output("spent", "CNY", "What was spent on the item", en="Spent", zh="已支出"),
                 Output("share_done", "share", "Share of the item done", en="Done",
                        zh="完成比例")),
        reader="fundmodel_toy_tables:toy")
    monkeypatch.setitem(TABLES, declared.name, declared)
    return declared


def test_a_declared_table_reaches_the_files_the_workbook_and_the_report(toy_table, tmp_path):
    pytest.importorskip("openpyxl")
    pytest.importorskip("jinja2")
    import openpyxl

    from fundmodel.export import write_csv
    from fundmodel.export.excel import write_workbook
    from fundmodel.export.report import render_report

    result = run()
    assert list(result.declared_tables()) == ["resident_burden", "toy_progress"]
    written = {p.name for p in write_csv(result, tmp_path / "out")}
    assert {"resident_burden.csv", "toy_progress.csv"} <= written
    csv = pd.read_csv(tmp_path / "out" / "toy_progress.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["item", "spent", "share_done"]
    write_csv(result, tmp_path / "zh", lang="zh")
    csv = pd.read_csv(tmp_path / "zh" / "toy_progress.csv", encoding="utf-8-sig")
    assert list(csv.columns) == ["改造内容", "已支出（元）", "完成比例"]   # headers declared

    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "book.xlsx", lang="zh"))
    assert "居民分户年度负担" in wb.sheetnames
    ws = wb["玩具进度"]
    assert [c.value for c in ws[1]] == ["改造内容", "已支出（元）", "完成比例"]
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == "#,##0"   # CNY
    assert ws["C2"].value == 0.25 and ws["C2"].number_format == "0.0%"      # share
    ws = wb["居民分户年度负担"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["楼栋", "楼层", "运营年", "年份"]
    assert ws.cell(2, head.index("物业费（元/年）") + 1).number_format == "#,##0"
    assert ws.cell(2, head.index("年份") + 1).number_format == "0"   # a calendar year

    html = render_report(result, lang="en")
    assert 'id="table-toy_progress"' in html and "Toy progress" in html
    assert "Spent (CNY)" in html and "1,234" in html and "25.0%" in html
    assert "Yearly burden per household" in html
    # the report shows operating year 1 of the burden, and says where the rest is
    assert "Operating year 1: 4 of its 12 rows; every row is in the table&#39;s CSV" in html


def test_export_names_no_declared_table():
    for path in EXPORT.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name, table in TABLES.items():
            assert name not in text, path
            assert not any(c.name in text for c in table.columns
                           if c.name not in ("calendar_year", "households")), path


def test_a_reader_that_strays_from_its_declaration_is_an_error(toy_table, monkeypatch):
    monkeypatch.setitem(TABLES, "toy_progress",
                        OutputTable(**{**toy_table.__dict__,
                                       "reader": "fundmodel_toy_tables:wrong"}))
    with pytest.raises(ModelError, match="declared"):
        run().table("toy_progress")


def test_every_declared_table_is_whole():
    from fundmodel.export.files import result_tables

    builtin = set(result_tables(run()))
    for name, table in TABLES.items():
        assert name not in builtin - set(TABLES), name
        assert table.en and table.zh and table.en != table.zh and len(table.description) > 20
        assert all(labels.has_label(axis) for axis in table.axes), table.axes
        assert len(set(table.column_names)) == len(table.columns)
        assert all(c.axes == table.axes for c in table.columns)
        module, _, function = table.reader.partition(":")
        assert callable(getattr(__import__(module, fromlist=[function]), function))
    assert table_columns()["total_per_household"].unit == "CNY/year"
