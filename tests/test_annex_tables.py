"""The annex tables of a bond's financial evaluation (issue 22): their numbers worked out from
the run, the workbook's formulas present and computed by an independent formula engine (the
`formulas` package) equal to the model's to 1e-9, the docx holding every table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.errors import ModelError
from fundmodel.evaluation import stress_grid
from fundmodel.evaluation.annex import WAN_YUAN, annex_tables

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"


@pytest.fixture(scope="module")
def plan():
    return fundmodel.load_scenario(BOND_PLAN)


@pytest.fixture(scope="module")
def result(plan):
    return fundmodel.evaluate(plan)


@pytest.fixture(scope="module")
def tables(plan, result):
    return annex_tables(result, stress_grid(plan))


def test_the_tables_and_their_numbers(result, tables):
    """Investment = the works' cost; funding = its sources; the bond's principal repaid over
    the term = what it lent, its balance falls to 0; the revenue table's total cover = the
    bond's gross or net cover of the run; the cash flow's cumulative total its last year's."""
    assert [t.number for t in tables] == [1, 2, 3, 4, 5, 6]
    assert [t.title("zh") for t in tables][0] == "附表1 投资估算与资金筹措表（单位：万元）"
    summary = result.summary()["mean"]
    invest = tables[0].frame("en")
    assert invest.loc["Investment, total", "金额"] == pytest.approx(
        summary["capex_total"] / WAN_YUAN, rel=1e-12)
    assert invest.loc["Funding gap", "金额"] == pytest.approx(0.0, abs=1e-6)
    service = tables[1].frame("en")
    lent = summary["debt[special bond].amount"] / WAN_YUAN
    assert service.loc["Principal repaid"].sum() == pytest.approx(lent, rel=1e-12)
    assert service.loc["Balance at the end"].iloc[-1] == pytest.approx(0.0, abs=1e-6)
    assert service.loc["Balance at the start"].iloc[0] == pytest.approx(lent, rel=1e-12)
    balance = tables[2].frame("en")
    assert balance.loc["Cover", "total"] == pytest.approx(summary["debt[special bond]."
                                                                  "coverage_net"], rel=1e-12)
    flows = tables[3].frame("en")
    assert flows.loc["Cumulative net cash flow", "total"] == flows.loc[
        "Cumulative net cash flow"].iloc[-2]
    assert flows.loc["Investment", "total"] == pytest.approx(
        summary["capex_total"] / WAN_YUAN, rel=1e-12)
    sensitivity = tables[5].frame("zh")
    assert sensitivity.loc["收入下降10%", "变化幅度"] == pytest.approx(-0.1)


def test_the_workbook_has_live_formulas_that_compute_the_models_numbers(tables, tmp_path):
    formulas = pytest.importorskip("formulas")
    import openpyxl

    from fundmodel.export.annex import annex_formula, write_annex_workbook
    path = write_annex_workbook(tables, tmp_path / "annex.xlsx")
    book = openpyxl.load_workbook(path)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    checked = 0
    for table in tables:
        sheet = book[f"附表{table.number}"]
        values = table.values()
        for i in range(len(table.rows)):
            for j in range(values.shape[1]):
                cell = sheet.cell(3 + i, 2 + j)
                formula = annex_formula(table, i, j)
                if formula is None:
                    expected = values[i, j]
                    assert (cell.value is None) if math.isnan(expected) else \
                        cell.value == pytest.approx(expected, rel=1e-15, abs=1e-12)
                    continue
                assert cell.value == formula
                key = f"'[annex.xlsx]{sheet.title.upper()}'!{cell.coordinate}"
                got = np.asarray(solution[key].value).item()
                expected = values[i, j]
                if math.isnan(expected):
                    assert got == ""
                else:
                    assert float(got) == pytest.approx(expected, rel=1e-9, abs=1e-9), key
                checked += 1
    assert checked > 100


def test_the_docx_holds_every_table(tables, tmp_path):
    docx = pytest.importorskip("docx")
    from fundmodel.export.annex import write_annex_docx
    path = write_annex_docx(tables, tmp_path / "annex.docx", title="财务评估附表")
    document = docx.Document(str(path))
    assert len(document.tables) == len(tables)
    titles = [p.text for p in document.paragraphs]
    for table, grid in zip(tables, document.tables):
        assert table.title("zh") in titles
        assert len(grid.rows) == 1 + len(table.rows)
    first = document.tables[0]
    total = tables[0].values()[7, 0]
    assert first.cell(8, 1).text == f"{total:,.2f}"          # 建设投资合计, two decimals


def test_monte_carlo_runs_and_scenarios_without_debt_are_refused(plan):
    with pytest.raises(ModelError, match="point estimates"):
        annex_tables(fundmodel.simulate(plan, draws=4, seed=1))
    sanqiao = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    with pytest.raises(ModelError, match="has no debt"):
        annex_tables(fundmodel.evaluate(sanqiao))


# --- a programme's annex tables: its package as one project -------------------------------

def test_a_package_of_k_identical_compounds_has_k_times_one_compounds_tables(tmp_path):
    """Three identical compounds under one pooled bond of 3 × 60 M: every money row of every
    table is 3 × the compound alone's (its items, funding, service, pledged lines and cash
    flows, each summed x + x + x), every ratio (the cover) the compound's."""
    from fundmodel.evaluation.annex import programme_annex_tables
    from fundmodel.scenario.portfolio import one_compound
    from test_programme_debt import district_of, pool_bond
    alone = one_compound(district_of(tmp_path / "one", (1.0,)), 0)
    single = annex_tables(fundmodel.evaluate(alone))
    district = district_of(tmp_path / "three", (1.0, 1.0, 1.0), pool_bond(3.0))
    pooled = programme_annex_tables(district)
    assert [t.key for t in pooled] == [t.key for t in single]
    for one, three in zip(single, pooled):
        assert one.columns == three.columns and \
            [r.zh for r in one.rows] == [r.zh for r in three.rows]
        factor = np.array([1.0 if row.ratio else 3.0 for row in one.rows])[:, None]
        np.testing.assert_allclose(three.values(), factor * one.values(), rtol=1e-12,
                                   atol=1e-9, err_msg=one.key)


def test_a_members_result_cut_from_a_district_run_is_its_own_run(tmp_path):
    """Without a pooled rule, compound c of a district run (compound_output) is compound c's
    own run: the same cash flows and debt tables, bit for bit."""
    from fundmodel.engine.model import compound_output, run_compounds
    from fundmodel.inputs import model_inputs
    from fundmodel.inputs.draws import point_values
    from fundmodel.results import Result
    from fundmodel.scenario.portfolio import one_compound
    from test_programme_debt import district_of
    district = district_of(tmp_path, (1.0, 2.5))
    inputs = model_inputs(district, point_values(district), 1, district.portfolio.table)
    out = run_compounds(inputs)
    for c in (0, 1):
        own = one_compound(district, c)
        cut = Result.from_output(own, compound_output(out, c, 1, inputs.timeline.horizon_years))
        alone = fundmodel.evaluate(own)
        assert cut.cashflows().equals(alone.cashflows())
        assert cut.debt().equals(alone.debt())


def test_bond_evaluation_writes_a_programmes_annex_tables(tmp_path):
    """The CLI on the programme story writes the package's tables: the workbook's balance
    table's cover is the package's net cover, and the CSV set holds every table."""
    import openpyxl

    from fundmodel.cli.main import main
    from fundmodel.evaluation.annex import programme_annex_tables
    from fundmodel.portfolio import evaluate_portfolio
    path = ROOT / "scenarios" / "xinghualing-district-programme.yaml"
    book, out = tmp_path / "annex.xlsx", tmp_path / "ev"
    assert main(["bond-evaluation", str(path), "--draws", "0", "--excel", str(book),
                 "--out", str(out)]) == 0
    scenario = fundmodel.load_scenario(path)
    tables = programme_annex_tables(scenario)
    assert {f"annex_{t.number}.csv" for t in tables} <= {p.name for p in out.iterdir()}
    balance = next(t for t in tables if t.key.startswith("balance["))
    cover = balance.values()[-1, -1]                       # 本息覆盖倍数, 合计
    label = balance.key[len("balance["):-1]
    net = evaluate_portfolio(scenario).programme.iloc[0][f"debt[{label}].coverage_net"]
    assert cover == pytest.approx(net, rel=1e-12)
    assert f"附表{balance.number}" in openpyxl.load_workbook(book).sheetnames
