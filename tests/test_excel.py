"""The Excel workbook (fundmodel.export.excel): the sheets are there, the numbers read back equal
the Result's tables, labels are in the language asked for (a Chinese workbook names no metric
in English), the file is written atomically, and `fundmodel run --excel` writes it."""

from __future__ import annotations

import math
import os
import re
import sys
import warnings

import numpy as np
import pytest

openpyxl = pytest.importorskip("openpyxl")

import fundmodel  # noqa: E402
from fundmodel.catalog import known_names  # noqa: E402
from fundmodel.cli import main  # noqa: E402
from fundmodel.errors import FundmodelError  # noqa: E402
from fundmodel.export.excel import write_workbook  # noqa: E402
from fundmodel.labels import label, quantile_label  # noqa: E402
from fundmodel.results.result import YEARLY_STATISTICS  # noqa: E402

SCENARIO = "scenarios/sanqiao-standalone.yaml"
SHEETS = ["assumptions", "summary", "funding", "cashflows", "operations", "percentiles",
          "draws"]


@pytest.fixture(scope="module")
def deterministic():
    return fundmodel.evaluate(fundmodel.load_scenario(SCENARIO))


@pytest.fixture(scope="module")
def monte_carlo():
    return fundmodel.simulate(fundmodel.load_scenario(SCENARIO), 200, seed=7)


@pytest.fixture(scope="module")
def books(tmp_path_factory, deterministic, monte_carlo):
    """(kind, lang) → (result, the workbook read back)."""
    folder = tmp_path_factory.mktemp("books")
    out = {}
    for kind, result in (("deterministic", deterministic), ("monte_carlo", monte_carlo)):
        for lang in ("en", "zh"):
            path = write_workbook(result, folder / f"{kind}-{lang}.xlsx", lang=lang,
                                  scenario_file=SCENARIO)
            out[kind, lang] = result, openpyxl.load_workbook(path)
    return out


CASES = [(k, lang) for k in ("deterministic", "monte_carlo") for lang in ("en", "zh")]


def sheet(wb, key: str, lang: str):
    return wb[label(f"sheet.{key}", lang)]


def block(ws, title: str | None = None) -> tuple[list, list[list]]:
    """The header and rows of a table: the first one, or the one under ``title``."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = 0 if title is None else next(i for i, r in enumerate(rows) if r[0] == title) + 1
    body = []
    for r in rows[start + 1:]:
        if all(v is None for v in r):
            break
        body.append(r)
    return rows[start], body


def same(cell, value) -> bool:
    """A cell equals a table's value: NaN is an empty cell; numbers to the 16 significant
    digits openpyxl writes (Excel itself keeps 15)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell is None
    if isinstance(value, (bool, np.bool_)):  # a Chinese workbook writes 是 / 否
        return cell is bool(value) or cell == ("是" if value else "否")
    if isinstance(value, (int, float, np.number)):
        return isinstance(cell, (int, float)) and math.isclose(cell, value, rel_tol=1e-15,
                                                                 abs_tol=0.0)
    return cell == value


def all_same(cells, values) -> bool:
    cells, values = list(cells), list(values)
    return len(cells) == len(values) and all(same(c, v) for c, v in zip(cells, values))


# ---------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("kind,lang", CASES)
def test_the_sheets_are_there(books, kind, lang):
    result, wb = books[kind, lang]
    assert wb.sheetnames == [label(f"sheet.{k}", lang) for k in SHEETS]
    assert all(len(name) <= 31 for name in wb.sheetnames)


@pytest.mark.parametrize("kind,lang", CASES)
def test_summary_equals_the_result(books, kind, lang):
    result, wb = books[kind, lang]
    s = result.summary()
    head, rows = block(sheet(wb, "summary", lang))
    assert len(rows) == len(s)
    stats = ["mean", "sd", "mcse", "p5", "p25", "p50", "p75", "p95", "min", "max", "n",
             "undefined"]
    where = {k: head.index(label(k, lang) if k not in ("p5", "p25", "p50", "p75", "p95")
                           else quantile_label(k, lang)) for k in stats}
    low, high = head.index(label("ci_low", lang)), head.index(label("ci_high", lang))
    for row, (metric, expected) in zip(rows, s.iterrows()):
        assert row[0] == label(metric, lang)
        for k in stats:
            assert same(row[where[k]], expected[k]), (metric, k)
        # the 95 % interval of the mean: mean ± 1.96 standard errors
        assert same(row[low], expected["mean"] - 1.96 * expected["mcse"])
        assert same(row[high], expected["mean"] + 1.96 * expected["mcse"])
    if kind == "monte_carlo":
        ci = [r[high] - r[low] for r in rows if r[high] is not None]
        assert ci and all(w >= 0 for w in ci)
    head, rows = block(sheet(wb, "summary", lang), label("table.probabilities", lang))
    p = result.probabilities()
    column = "outcome" if kind == "deterministic" else "probability"
    assert all_same([r[head.index(label(column, lang))] for r in rows], p[column])


@pytest.mark.parametrize("kind,lang", CASES)
def test_funding_and_items_equal_the_result(books, kind, lang):
    result, wb = books[kind, lang]
    ws = sheet(wb, "funding", lang)
    head, rows = block(ws, label("table.funding", lang))
    f = result.funding()
    assert len(rows) == len(f)  # the rules and the gap row
    assert rows[-1][0] == label("gap", lang)
    for name in ("offered", "amount", "share_of_cost", "per_household"):
        j = next(i for i, h in enumerate(head) if h.startswith(label(name, lang)))
        assert all(same(r[j], v) for r, v in zip(rows, f[name])), name
    # the amounts and the gap add up to the renovation cost
    amount = head.index(next(h for h in head if h.startswith(label("amount", lang))))
    assert sum(r[amount] for r in rows) == pytest.approx(
        result.summary().loc["capex_total", "mean"], rel=1e-12)
    head, rows = block(ws, label("table.items", lang))
    cost = next(i for i, h in enumerate(head) if h.startswith(label("cost", lang)))
    assert all_same([r[cost] for r in rows], result.items()["cost"])


@pytest.mark.parametrize("kind,lang", CASES)
def test_cash_flows_by_party_and_year(books, kind, lang):
    result, wb = books[kind, lang]
    ws = sheet(wb, "cashflows", lang)
    title = label("table.net_by_year", lang)
    title = next(r[0] for r in ws.iter_rows(values_only=True)
                 if isinstance(r[0], str) and r[0].startswith(title))
    head, rows = block(ws, title)
    by_party = {r[0]: r for r in rows}
    total = head.index(label("total", lang))
    parties = result.parties()
    for party, net in parties["net"].items():  # the years add up to each party's net
        assert by_party[label(party, lang)][total] == pytest.approx(net, abs=1e-6)
        assert sum(v for v in by_party[label(party, lang)][1:total]) == pytest.approx(
            net, abs=1e-6)
    # by hand: the central subsidy, 12,000 CNY for each of the 100 households, in 2025
    central = by_party[label("central_government", lang)]
    assert central[head.index("2025")] == -12_000 * 100
    head, rows = block(ws, next(r[0] for r in ws.iter_rows(values_only=True)
                                if isinstance(r[0], str)
                                and r[0].startswith(label("table.government", lang))))
    g = result.government()
    assert all_same([r[head.index(label("total", lang))] for r in rows], g["total"])
    assert [r[0] for r in rows] == list(g.index)


@pytest.mark.parametrize("kind,lang", CASES)
def test_operating_statement_lines_by_year(books, kind, lang):
    result, wb = books[kind, lang]
    head, rows = block(sheet(wb, "operations", lang))
    y = result.yearly()
    lines = [c for c in y.columns if c != "calendar_year"]
    assert [r[0] for r in rows] == [label(line, lang) for line in lines]
    years = [int(h) for h in head[2:]]
    assert years == y["calendar_year"].tolist()
    for row, line in zip(rows, lines):
        assert all(same(c, v) for c, v in zip(row[2:], y[line])), line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_percentiles_of_a_monte_carlo_run(books, lang):
    result, wb = books["monte_carlo", lang]
    head, rows = block(sheet(wb, "percentiles", lang))
    bands = result.yearly_bands()
    assert len(rows) == bands["line"].nunique() * len(YEARLY_STATISTICS)
    years = [int(h) for h in head[3:]]
    for row in rows:
        line = next(k for k in bands["line"].unique() if label(k, lang) == row[0])
        stat = next(s for s in YEARLY_STATISTICS
                    if row[1] == (label(s, lang) if s == "mean" else quantile_label(s, lang)))
        sel = bands[(bands["line"] == line) & (bands["statistic"] == stat)]
        assert sel["calendar_year"].tolist() == years
        assert all_same(row[3:], sel["value"])
    # p5 ≤ p50 ≤ p95 in every year
    p = {r[1]: r[3:] for r in rows if r[0] == rows[0][0]}
    lo, mid, hi = (p[quantile_label(q, lang)] for q in ("p5", "p50", "p95"))
    assert all(a <= b <= c for a, b, c in zip(lo, mid, hi))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deterministic_run_says_it_has_one_draw(books, lang):
    result, wb = books["deterministic", lang]
    values = [v for r in sheet(wb, "percentiles", lang).iter_rows(values_only=True)
              for v in r if v is not None]
    assert values == [label("note.one_draw", lang)]


@pytest.mark.parametrize("kind,lang", CASES)
def test_draws_equal_the_metrics(books, kind, lang):
    result, wb = books[kind, lang]
    head, rows = block(sheet(wb, "draws", lang))
    m = result.metrics
    assert len(rows) == len(m) == result.n_draws
    assert [r[0] for r in rows] == list(range(result.n_draws))
    for j, name in enumerate(m.columns, start=1):
        assert all(same(r[j], v) for r, v in zip(rows, m[name])), name


def test_sample_draws_limits_the_draws_sheet(tmp_path, monte_carlo):
    path = monte_carlo.to_excel(tmp_path / "few.xlsx", sample_draws=50)
    ws = openpyxl.load_workbook(path)[label("sheet.draws", "en")]
    head, rows = block(ws)
    assert len(rows) == 50
    assert same(rows[49][1], monte_carlo.metrics.iloc[49, 0])
    notes = [r[0] for r in ws.iter_rows(values_only=True) if r[0] and isinstance(r[0], str)]
    assert "The first 50 of 200 draws." in notes


# ---------------------------------------------------------------------------- assumptions
def test_assumptions_show_values_distributions_units_and_lines(books):
    result, wb = books["deterministic", "en"]
    head, rows = block(sheet(wb, "assumptions", "en"))
    assert head == ["Field", "Description", "Value", "Point estimate", "Unit", "Set in"]
    by_path = {r[0]: r for r in rows}
    # roof waterproofing (line 30 of the file): triangular 90/110/150, mean (90+110+150)/3
    roof = by_path["renovation.items[2].unit_cost"]
    assert roof[2] == "triangular(low=90, mode=110, high=150)"
    assert same(roof[3], 350 / 3)
    assert roof[4] == "CNY/unit"
    assert roof[5] == f"{SCENARIO}:30"
    area = by_path["compound.floor_area_m2"]
    assert area[2:] == [10000, 10000, "m²", f"{SCENARIO}:19"]
    assert area[1].startswith("Total residential floor area")
    fee = by_path["operations.property_fee.rate_per_m2_month"]
    assert fee[2:5] == [0.5, 0.5, "CNY/m²/month"]
    assert by_path["operations.property_fee.growth"][5] == "default"  # not in the file


def test_assumptions_name_the_set_changes(tmp_path):
    change = "operations.property_fee.rate_per_m2_month=0.8"
    result = fundmodel.evaluate(fundmodel.load_scenario(SCENARIO, [change]))
    path = write_workbook(result, tmp_path / "set.xlsx", scenario_file=SCENARIO,
                          overrides=[change])
    head, rows = block(openpyxl.load_workbook(path)[label("sheet.assumptions", "en")])
    fee = {r[0]: r for r in rows}["operations.property_fee.rate_per_m2_month"]
    assert fee[2] == 0.8 and fee[5] == f"--set {change}"


# ---------------------------------------------------------------------------- language
IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


@pytest.mark.parametrize("kind", ["deterministic", "monte_carlo"])
def test_a_chinese_workbook_names_no_metric_in_english(books, kind):
    result, wb = books[kind, "zh"]
    names = set(known_names()) | set(result.metrics.columns) | set(result.yearly().columns)
    names |= {"mean", "sd", "mcse", "min", "max", "funding", "items", "summary", "gap"}
    names |= set(result.cashflows()["line"]) | set(result.parties().index)
    for ws in wb:
        assert not re.search(r"[A-Za-z]", ws.title)
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            for c, value in enumerate(row, start=1):
                if not isinstance(value, str):
                    continue
                if ws.title == label("sheet.assumptions", "zh") and (c == 1 or c == 3):
                    continue  # the scenario's own field paths and values, as written
                assert value not in names, (ws.title, r, c, value)
                words = set(IDENTIFIER.findall(value))
                assert not words & names, (ws.title, r, c, value)


def test_an_english_workbook_has_english_labels(books):
    result, wb = books["monte_carlo", "en"]
    head, rows = block(sheet(wb, "summary", "en"))
    assert rows[0][0] == "Renovation cost" and head[:3] == ["Metric", "Unit", "Mean"]


# ---------------------------------------------------------------------------- formatting
def test_headers_are_bold_and_frozen_numbers_formatted(books):
    result, wb = books["monte_carlo", "en"]
    ws = sheet(wb, "summary", "en")
    assert ws.freeze_panes == "B2"
    assert all(c.font.b for c in ws[1] if c.value is not None)
    head, rows = block(ws)
    metric_row = {r[0]: i + 2 for i, r in enumerate(rows)}
    mean = head.index("Mean") + 1
    assert ws.cell(metric_row["Funding gap"], mean).number_format == "#,##0"
    assert ws.cell(metric_row["Gap as a share of cost"], mean).number_format == "0.0%"
    assert ws.cell(metric_row["Breakeven fee"], mean).number_format == "0.00"
    assert ws.column_dimensions["A"].width >= len("Residents' contribution per household")
    ws = sheet(wb, "funding", "en")
    head = [c.value for c in ws[2]]
    assert "Amount (CNY)" in head and "Share of cost" in head
    assert ws.cell(3, head.index("Share of cost") + 1).number_format == "0.0%"
    assert ws.cell(3, head.index("Amount (CNY)") + 1).number_format == "#,##0"
    assert ws.freeze_panes == "B3"


def test_text_is_never_a_formula(tmp_path):
    change = "renovation.items[0].name='=1+2'"
    result = fundmodel.evaluate(fundmodel.load_scenario(SCENARIO, [change]))
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "f.xlsx"))
    head, rows = block(sheet(wb, "funding", "en"), "Cost by item")
    assert rows[0][0] == "=1+2"
    cell = next(c for c in sheet(wb, "funding", "en")["A"] if c.value == "=1+2")
    assert cell.data_type == "s"


# ---------------------------------------------------------------------------- other sheets
def test_financing_adds_fiscal_and_debt_sheets(tmp_path):
    result = fundmodel.evaluate(fundmodel.load_scenario("scenarios/guangan-bundle.yaml"))
    wb = openpyxl.load_workbook(result.to_excel(tmp_path / "debt.xlsx", lang="zh"))
    assert wb.sheetnames[-2:] == [label("sheet.fiscal", "zh"), label("sheet.debt", "zh")]
    head, rows = block(wb[label("sheet.debt", "zh")])
    debt = result.debt()
    service = next(i for i, h in enumerate(head) if h.startswith(label("debt_service", "zh")))
    assert all_same([r[service] for r in rows], debt["debt_service"])
    head, rows = block(wb[label("sheet.fiscal", "zh")])
    fiscal = result.fiscal()
    net = next(i for i, h in enumerate(head) if h.startswith(label("net_commitment", "zh")))
    assert all_same([r[net] for r in rows], fiscal["net_commitment"])


def test_households_add_their_sheet(tmp_path):
    result = fundmodel.evaluate(fundmodel.load_scenario("scenarios/lift-retrofit.yaml"))
    wb = openpyxl.load_workbook(result.to_excel(tmp_path / "hh.xlsx"))
    ws = wb[label("sheet.households", "en")]
    head, rows = block(ws, "Payment channels")
    channels = result.channels()
    amount = head.index("Amount (CNY)")
    assert all_same([r[amount] for r in rows], channels["amount_cny"])


# ---------------------------------------------------------------------------- files
def test_failure_leaves_nothing_and_keeps_the_old_file(tmp_path, deterministic, monkeypatch):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"old")

    def broken(self, filename):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(FundmodelError, match="No space left"):
        write_workbook(deterministic, path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["book.xlsx"]


@pytest.mark.parametrize("make", ["missing", "folder", "suffix"])
def test_bad_paths_raise_and_write_nothing(tmp_path, deterministic, make):
    target = {"missing": tmp_path / "no" / "book.xlsx", "folder": tmp_path,
              "suffix": tmp_path / "book.csv"}[make]
    with pytest.raises(FundmodelError, match="cannot write the workbook"):
        write_workbook(deterministic, target)
    assert os.listdir(tmp_path) == []


def test_without_openpyxl_a_clear_error(monkeypatch, deterministic, tmp_path):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(FundmodelError, match=r"pip install 'fundmodel\[excel\]'"):
        write_workbook(deterministic, tmp_path / "x.xlsx")


def test_importing_fundmodel_does_not_import_openpyxl():
    import subprocess

    code = "import sys, fundmodel, fundmodel.cli; print('openpyxl' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


# ---------------------------------------------------------------------------- command line
def test_cli_writes_the_workbook(tmp_path, capsys):
    path = tmp_path / "run.xlsx"
    assert main(["run", SCENARIO, "--excel", str(path), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert f"已将 run.xlsx 写入 {tmp_path}" in out
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "假设条件"


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_cli_bad_excel_path_exits_2_with_one_message(tmp_path, capsys, make):
    target = tmp_path / "no" / "run.xlsx" if make == "missing" else tmp_path
    out_dir = tmp_path / "csv"
    assert main(["run", SCENARIO, "--excel", str(target), "--out", str(out_dir)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "cannot write the workbook" in err
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == []  # neither the workbook nor the CSV folder


# ---------------------------------------------------------------------------- paths and names
from pathlib import Path  # noqa: E402

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DISTRICT = SCENARIOS / "xinghualing-district.yaml"


def _assumption_rows(result, lang, tmp_path, scenario_file):
    path = write_workbook(result, tmp_path / f"a-{lang}.xlsx", lang=lang,
                          scenario_file=scenario_file)
    head, rows = block(openpyxl.load_workbook(path)[label("sheet.assumptions", lang)])
    return {r[0]: r for r in rows}


def test_the_field_column_holds_paths_in_chinese_too(books):
    result, wb = books["deterministic", "zh"]
    head, rows = block(sheet(wb, "assumptions", "zh"))
    paths = [r[0] for r in rows]
    assert head[0] == "字段路径"
    assert paths[:4] == ["name", "title", "start_year", "horizon_years"]   # not 开工年份
    assert "renovation.items[2].unit_cost" in paths
    assert all(re.fullmatch(r"[A-Za-z_][\w.\[\]]*", p) for p in paths)
    roof = {r[0]: r for r in rows}["renovation.items[2].unit_cost"]
    assert roof[2] == "三角分布（低值 90，众数 110，高值 150）" and same(roof[3], 350 / 3)


def test_a_name_says_what_it_names(tmp_path):
    path = SCENARIOS / "lift-retrofit.yaml"
    result = fundmodel.evaluate(fundmodel.load_scenario(path))
    zh = _assumption_rows(result, "zh", tmp_path, path)
    assert zh["name"][1] == "情景名称" and zh["compound.name"][1] == "小区名称"
    assert zh["renovation.items[0].name"][1] == "改造内容名称"
    assert zh["households.buildings[1].name"][1] == "楼栋名称"
    assert zh["households.decisions[0].name"][1] == "表决事项名称"
    assert zh["operations.costs[0].name"][1] == "成本项目名称"
    assert zh["funding[1].label"][1] == "资金来源名称"
    assert zh["households.decisions[0].kind"][2] == "加装电梯"           # an enumeration
    en = _assumption_rows(result, "en", tmp_path, path)
    assert en["renovation.items[0].name"][1].startswith("Item name — ")
    assert en["households.buildings[1].name"][1].startswith("Building name — ")
    assert en["compound.name"][1].startswith("Compound name")


@pytest.mark.parametrize("path", [p for p in sorted(SCENARIOS.glob("*.yaml"))
                                  if "district" not in p.name],
                         ids=lambda p: p.stem)
def test_chinese_workbook_of_every_shipped_scenario_is_clean(path, tmp_path):
    from clean_text import leaks

    scenario = fundmodel.load_scenario(path)
    book = write_workbook(fundmodel.evaluate(scenario), tmp_path / "b.xlsx", lang="zh",
                          scenario_file=path)
    assert leaks(_cells(openpyxl.load_workbook(book)), scenario, [str(path)]) == []


def _cells(wb) -> str:
    """Every cell's text but the assumptions' field paths (paths by design)."""
    cells = []
    for ws in wb:
        cells.append(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or (ws.title == label("sheet.assumptions", "zh")
                                          and cell.column == 1 and cell.row > 1):
                    continue
                cells.append(str(cell.value))
    return "\n".join(cells)


# ---------------------------------------------------------------------------- the district
@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from fundmodel.portfolio import plan_portfolio, simulate_portfolio

    scenario = fundmodel.load_scenario(DISTRICT, ["portfolio.phasing.time_limit_s=5"])
    plan = plan_portfolio(scenario, seed=1)
    result = simulate_portfolio(scenario, 20, 1, start_years=plan.start_year)
    folder = tmp_path_factory.mktemp("district")
    books = {lang: openpyxl.load_workbook(result.to_excel(
        folder / f"d-{lang}.xlsx", lang, plan=plan, scenario=scenario, scenario_file=DISTRICT))
        for lang in ("en", "zh")}
    return scenario, plan, result, books


def test_district_workbook_sheets_and_numbers(district):
    from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS

    scenario, plan, result, books = district
    wb = books["en"]
    assert wb.sheetnames == ["Phased plan", "Fiscal outlay", "District totals", "Compounds",
                             "Assumptions"]
    head, rows = block(wb["Fiscal outlay"], "Fiscal outlay by level and year, over the draws")
    assert head[:3] == ["Level of government", "Year", "Mean (CNY)"]
    mean = result.outlay_cny.mean(axis=0)                      # (levels, years), by numpy
    for level, year, m, *_ in rows:
        j = [label(x) for x in GOVERNMENT_LEVELS].index(level)
        y = list(result.calendar_years).index(year)
        assert math.isclose(m, mean[j, y], rel_tol=1e-12)
    head, rows = block(wb["Compounds"])
    assert len(rows) == len(result.compounds) and head[0] == "Compound ID"
    head, rows = block(wb["Phased plan"], "Start year and cost of each compound")
    assert len(rows) == len(plan.table)
    planned = {r[0]: r[1] for r in rows if r[1] is not None}
    assert planned == {str(i): int(y) for i, y in zip(plan.table["id"],
                                                      plan.start_year) if y >= 0}
    head, rows = block(wb["District totals"], "Sums over the compounds, over the draws")
    capex = {r[0]: r for r in rows}["Renovation cost"]
    assert math.isclose(capex[1], result.district["capex_total"].mean(), rel_tol=1e-12)


def test_chinese_district_workbook_is_clean(district):
    from clean_text import leaks

    scenario, plan, result, books = district
    assert books["zh"].sheetnames == ["分期计划", "财政支出", "全区合计", "各小区", "假设条件"]
    assert leaks(_cells(books["zh"]), scenario, [str(DISTRICT)]) == []


def test_the_tables_units_are_their_declarations():
    """The funding, items, parties, fiscal and debt tables keep no units of their own: every
    numeric column's unit is its declaration's (catalog.TABLE_COLUMNS); a calendar year is a
    whole number (issue 20)."""
    from fundmodel.catalog import TABLE_COLUMNS
    from fundmodel.export.excel import declared_units, number_format

    path = Path(__file__).resolve().parents[1] / "scenarios" / "special-bond-plan.yaml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fundmodel.evaluate(fundmodel.load_scenario(path))
    seen = {}
    for name in ("funding", "items", "parties", "fiscal", "debt"):
        units = declared_units(getattr(result, name)())
        assert units, name
        for column, unit_name in units.items():
            expected = "count" if column == "calendar_year" else TABLE_COLUMNS[column].unit
            assert unit_name == expected, (name, column)
        seen |= units
    formats = {c: number_format(u) for c, u in seen.items()}
    assert formats["amount"] == formats["bridge"] == formats["soe"] == "#,##0"
    assert formats["per_household"] == formats["paid_per_household"] == "#,##0"
    assert formats["share_of_cost"] == formats["contingency"] == "0.0%"
    assert formats["unit_cost"] == "#,##0.00" and formats["dscr"] == "0.00"
    assert formats["calendar_year"] == "0" and formats["quantity"] is None
