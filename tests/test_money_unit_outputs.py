"""Outputs in 万元 (issue 22): ``money_unit="万元"`` (``--money-unit 万元``) shows every sum of
money — a value declared in CNY or CNY/year — divided by 10,000, headed 万元, in the CSV files,
the workbook and the console; amounts per household, m², month or unit, shares, ratios, years
and counts are the CNY run's, bit for bit. One rule for every writer:
:func:`fundmodel.labels.money_scale`."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel.export import write_csv
from fundmodel.labels import (MONEY_UNITS, header, in_money_unit, localize, money_scale,
                              output_unit)
from fundmodel.scenario.money import MONEY_UNITS as INPUT_MONEY_UNITS

from cli_runs import run_ok
from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
BOND_PLAN = ROOT / "scenarios" / "special-bond-plan.yaml"
LIFTS = ROOT / "scenarios" / "lift-retrofit.yaml"
WAN = 10_000.0   # CNY in one 万元
RTOL = 1e-14     # x / 1e4 * 1e4 may differ from x in the last bit


# ---------------------------------------------------------------------------- the rule
def test_the_outputs_and_the_inputs_share_one_table_of_money_units():
    assert MONEY_UNITS is INPUT_MONEY_UNITS
    assert MONEY_UNITS == {"CNY": 1.0, "万元": 1e4}


@pytest.mark.parametrize("name, unit, expected", [
    ("funding_gap", "CNY", (1e4, "10 thousand CNY")),              # a sum
    ("operating_surplus", "CNY/year", (1e4, "10 thousand CNY/year")),
    ("funding_gap_per_household", "CNY/household", (1.0, "CNY/household")),   # per household
    ("breakeven_fee_rate", "CNY/m²/month", (1.0, "CNY/m²/month")),             # a price
    ("unit_cost", "CNY/unit", (1.0, "CNY/unit")),
    ("loan_payment_per_month_cny", "CNY/month", (1.0, "CNY/month")),
    ("fee_per_household", "CNY/year", (1.0, "CNY/year")),     # its name says per household
    ("funding_gap_share", "share", (1.0, "share")),
    ("debt[b].min_dscr", "ratio", (1.0, "ratio")),
    ("calendar_year", "year", (1.0, "year")),
    (2030, "CNY", (1e4, "10 thousand CNY")),                  # a year's column of money
])
def test_money_scale_divides_sums_of_money_only(name, unit, expected):
    assert money_scale(name, unit, "万元") == expected
    assert money_scale(name, unit, "CNY") == (1.0, unit)


def test_a_households_amount_is_per_household():
    assert output_unit("wtp_threshold_cny") == "CNY/household"
    assert output_unit("cost_per_household_cny") == "CNY/household"
    assert output_unit("amount_cny") == "CNY"                       # a channel's total
    assert output_unit("operating_surplus:p5") == "CNY/year"        # a band: its line's
    assert output_unit("capex_total_p95") == "CNY"                  # a district statistic


def test_a_bad_money_unit_is_refused():
    with pytest.raises(ValueError, match="unknown money unit 'yuan'"):
        money_scale("funding_gap", "CNY", "yuan")


def test_in_cny_a_table_is_returned_as_it_is():
    frame = pd.DataFrame({"amount": [1.0], "share_of_cost": [0.5]})
    assert in_money_unit(frame, "CNY") is frame


def test_a_summary_scales_its_rows_of_money_and_names_their_unit():
    s = pd.DataFrame({"unit": ["CNY", "share", "CNY/household"], "mean": [25_000.0, 0.25, 300.0],
                      "p5": [10_000.0, 0.1, 100.0], "n": [4, 4, 4], "undefined": [0, 0, 0]},
                     index=pd.Index(["funding_gap", "funding_gap_share",
                                     "funding_gap_per_household"], name="metric"))
    out = in_money_unit(s, "万元")
    assert list(out["unit"]) == ["10 thousand CNY", "share", "CNY/household"]
    assert list(out["mean"]) == [2.5, 0.25, 300.0]     # 25,000 CNY = 2.5 万元
    assert list(out["p5"]) == [1.0, 0.1, 100.0]
    assert list(out["n"]) == [4, 4, 4] and out["n"].dtype == s["n"].dtype
    assert list(localize(out, "zh").iloc[:, 0]) == ["万元", "比例", "元/户"]


def test_headers_name_the_shown_unit():
    assert header("funding_gap", "zh", money_unit="万元") == "资金缺口（万元）"
    assert header("operating_surplus", "zh", money_unit="万元") == "运营结余（万元/年）"
    assert header("funding_gap", "en", money_unit="万元") == "Funding gap (wan CNY)"
    assert header("funding_gap_per_household", "zh", money_unit="万元") == \
        header("funding_gap_per_household", "zh")
    assert header("wtp_threshold_cny", "zh", money_unit="万元") == header("wtp_threshold_cny", "zh")


# ---------------------------------------------------------------------------- the files
@pytest.fixture(scope="module")
def bond_runs():
    scenario = fundmodel.load_scenario(BOND_PLAN)
    return {"det": fundmodel.evaluate(scenario),
            "mc": fundmodel.simulate(scenario, draws=32, seed=1)}


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig")


def _scaled_or_equal(cny: pd.Series, wan: pd.Series) -> str:
    """"scaled" (wan × 10,000 = cny), "equal" (the same values) or "other"."""
    if cny.equals(wan):
        return "equal"
    if pd.api.types.is_numeric_dtype(cny) and pd.api.types.is_numeric_dtype(wan):
        a, b = cny.to_numpy(float), wan.to_numpy(float)
        if np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(
                b[~np.isnan(b)] * WAN, a[~np.isnan(a)], rtol=RTOL, atol=0):
            return "scaled"
    return "other"


@pytest.mark.parametrize("run", ["det", "mc"])
def test_csv_files_in_wan_are_the_cny_files_divided_by_10000_where_money(bond_runs, run,
                                                                        tmp_path):
    result = bond_runs[run]
    write_csv(result, tmp_path / "cny")
    write_csv(result, tmp_path / "wan", money_unit="万元")
    # what each column is, by its declared unit (written out, not read from the rule)
    sums = {"funding": {"offered", "amount"},
            "debt": {"interest", "principal", "debt_service", "balance", "pledged_revenue",
                     "cfads"},
            "fiscal": {"subsidies", "bridge", "debt_service", "guarantee_calls",
                       "revenue_received", "net_commitment", "discounted", "soe", "budget"}}
    kept = {"funding": {"share_of_cost", "per_household", "source", "payer", "label"},
            "debt": {"dscr", "calendar_year", "source", "debt", "operating_year"},
            "fiscal": {"budget_share", "exceeds_ceiling", "calendar_year"}}
    for name in ("funding", "debt", "fiscal"):
        cny, wan = _read(tmp_path / "cny", name), _read(tmp_path / "wan", name)
        assert list(cny.columns) == list(wan.columns)
        for column in cny.columns:
            found = _scaled_or_equal(cny[column], wan[column])
            if column in sums[name] and (cny[column] != 0).any():
                assert found == "scaled", (name, column)
            else:
                assert found == "equal", (name, column)
                assert column in kept[name] or column in sums[name], (name, column)
    yearly_cny, yearly_wan = _read(tmp_path / "cny", "yearly"), _read(tmp_path / "wan", "yearly")
    for column in yearly_cny.columns:   # every line is money: CNY/year, or CNY (the balance)
        found = _scaled_or_equal(yearly_cny[column], yearly_wan[column])
        if column in ("year", "calendar_year"):
            assert found == "equal"
        else:
            assert found in ("scaled", "equal") and (
                found == "scaled" or not yearly_cny[column].any()), column
    s_cny = _read(tmp_path / "cny", "summary").set_index("metric")
    s_wan = _read(tmp_path / "wan", "summary").set_index("metric")
    money = s_cny["unit"].isin(["CNY", "CNY/year"])
    assert money["capex_total"] and money["fee_income_first_year"]
    assert set(s_wan.loc[money, "unit"]) == {"10 thousand CNY", "10 thousand CNY/year"}
    assert (s_wan.loc[~money, "unit"] == s_cny.loc[~money, "unit"]).all()
    for column in ("mean", "sd", "mcse", "p5", "p50", "p95", "min", "max"):
        assert _scaled_or_equal(s_cny.loc[money, column], s_wan.loc[money, column]) in (
            "scaled", "equal")
        assert s_cny.loc[~money, column].equals(s_wan.loc[~money, column])
    assert s_wan.loc["capex_total", "mean"] == pytest.approx(
        s_cny.loc["capex_total", "mean"] / WAN, rel=RTOL)
    assert s_cny[["n", "undefined"]].equals(s_wan[["n", "undefined"]])
    if run == "mc":
        m_cny, m_wan = _read(tmp_path / "cny", "metrics"), _read(tmp_path / "wan", "metrics")
        assert _scaled_or_equal(m_cny["capex_total"], m_wan["capex_total"]) == "scaled"
        assert _scaled_or_equal(m_cny["debt[special bond].amount"],
                                m_wan["debt[special bond].amount"]) == "scaled"
        for column in ("government_cost_per_household", "breakeven_fee_rate",
                       "debt[special bond].min_dscr", "funding_gap_share"):
            assert m_cny[column].equals(m_wan[column]), column
    record = json.loads((tmp_path / "wan" / "run.json").read_text("utf-8"))
    assert record["money_unit"] == "万元"
    assert json.loads((tmp_path / "cny" / "run.json").read_text("utf-8"))["money_unit"] == "CNY"


def test_localized_files_head_their_sums_in_wan(bond_runs, tmp_path):
    write_csv(bond_runs["det"], tmp_path, money_unit="万元", lang="zh")
    funding = (tmp_path / "funding.csv").read_text("utf-8-sig").splitlines()[0].split(",")
    assert "金额（万元）" in funding and "承诺金额（万元）" in funding
    assert "户均（元/户）" in funding                     # per household: CNY
    yearly = (tmp_path / "yearly.csv").read_text("utf-8-sig").splitlines()[0]
    assert "运营结余（万元/年）" in yearly and "累计结余（万元）" in yearly
    summary = _read(tmp_path, "summary")
    assert "万元" in set(summary.iloc[:, 1]) and "元/户" in set(summary.iloc[:, 1])


def test_households_amounts_stay_in_cny(tmp_path):
    result = fundmodel.evaluate(fundmodel.load_scenario(LIFTS))
    write_csv(result, tmp_path / "cny")
    write_csv(result, tmp_path / "wan", money_unit="万元")
    for name in ("households", "decisions"):
        assert _read(tmp_path / "cny", name).equals(_read(tmp_path / "wan", name)), name
    channels_cny, channels_wan = _read(tmp_path / "cny", "channels"), \
        _read(tmp_path / "wan", "channels")
    assert _scaled_or_equal(channels_cny["amount_cny"], channels_wan["amount_cny"]) == "scaled"
    assert channels_cny["share"].equals(channels_wan["share"])


# ---------------------------------------------------------------------------- the workbook
def test_the_workbook_in_wan(bond_runs, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    result = bond_runs["det"]
    result.to_excel(tmp_path / "cny.xlsx", lang="zh")
    result.to_excel(tmp_path / "wan.xlsx", lang="zh", money_unit="万元")
    cny = openpyxl.load_workbook(tmp_path / "cny.xlsx")
    wan = openpyxl.load_workbook(tmp_path / "wan.xlsx")
    assert cny.sheetnames == wan.sheetnames
    scaled = 0
    for a, b in zip(cny.worksheets, wan.worksheets):
        for row_a, row_b in zip(a.iter_rows(), b.iter_rows()):
            for x, y in zip(row_a, row_b):
                if isinstance(x.value, (int, float)) and not isinstance(x.value, bool) \
                        and x.value != y.value:
                    assert y.value * WAN == pytest.approx(x.value, rel=RTOL, abs=0), x.coordinate
                    assert y.number_format == "#,##0.00"
                    scaled += 1
                elif not isinstance(x.value, (int, float)):
                    assert (x.value == y.value or "万元" in str(y.value)), (a.title, x.coordinate)
    assert scaled > 100
    funding = wan["资金构成"]
    heads = {c.value for row in funding.iter_rows(max_row=3) for c in row}
    assert "金额（万元）" in heads and "户均（元/户）" in heads
    debt = wan["债务偿还"]
    first = [c.value for c in debt[1]]
    assert "还本付息（万元）" in first and "偿债覆盖率（倍）" in first
    gap = [r for r in wan["结果摘要"].iter_rows(values_only=True) if r[0] == "资金缺口"][0]
    assert gap[1] == "万元"


# ---------------------------------------------------------------------------- the command
def test_run_prints_sums_in_wan(bond_runs, capsys):
    m = bond_runs["det"].summary()["mean"]
    out = run_ok(capsys, "run", BOND_PLAN, "--money-unit", "万元", "--lang", "zh")
    assert f"资金构成（万元）— 改造总投资 {m['capex_total'] / WAN:,.2f}" in out
    assert "金额（万元）" in out and "户均（元/户）" in out
    assert f"{m['npv_operations'] / WAN:,.2f} 万元" in out
    assert re.search(r"首个运营年（\d{4}），万元", out) and "万元/年" in out
    assert "元/m²/月" in out                                           # the breakeven fee
    english = run_ok(capsys, "run", BOND_PLAN, "--money-unit", "万元")
    assert "Funding mix (wan CNY)" in english and "wan CNY/year" in english
    assert f"{m['government_cost_per_household']:,.0f}" in english    # per household: CNY
    assert "万元" not in run_ok(capsys, "run", BOND_PLAN, "--lang", "zh").replace("万元/", "")


def test_run_writes_its_files_in_wan(bond_runs, capsys, tmp_path):
    run_ok(capsys, "run", BOND_PLAN, "--money-unit", "万元", "--out", tmp_path / "out",
           "--excel", tmp_path / "book.xlsx")
    funding = _read(tmp_path / "out", "funding").set_index("label")
    assert funding["amount"].to_numpy() * WAN == pytest.approx(
        bond_runs["det"].funding()["amount"].to_numpy(), rel=RTOL)
    assert json.loads((tmp_path / "out" / "run.json").read_text("utf-8"))["money_unit"] == "万元"
    assert (tmp_path / "book.xlsx").is_file()


def test_a_bad_money_unit_exits_2_with_nothing_written(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:    # argparse's choices
        main(["run", str(BOND_PLAN), "--money-unit", "yuan", "--out", str(tmp_path / "out"),
              "--excel", str(tmp_path / "book.xlsx")])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--money-unit" in err and "invalid choice: 'yuan'" in err
    assert list(tmp_path.iterdir()) == []


def test_district_writes_and_prints_in_wan(capsys, tmp_path):
    district = ROOT / "scenarios" / "xinghualing-district.yaml"
    common = ("--draws", "4", "--seed", "1", "-q", "--no-plan", "--no-areas")
    run_ok(capsys, "district", district, *common, "--out", tmp_path / "cny")
    out = run_ok(capsys, "district", district, *common, "--money-unit", "万元",
                 "--out", tmp_path / "wan")
    assert "The district (sums over its compounds, wan CNY)" in out
    outlay_cny, outlay_wan = _read(tmp_path / "cny", "outlay"), _read(tmp_path / "wan", "outlay")
    for column in ("mean_cny", "p05_cny", "p95_cny"):
        assert _scaled_or_equal(outlay_cny[column], outlay_wan[column]) == "scaled"
    assert outlay_cny["year"].equals(outlay_wan["year"])
    c_cny, c_wan = _read(tmp_path / "cny", "compounds"), _read(tmp_path / "wan", "compounds")
    assert _scaled_or_equal(c_cny["capex_total_mean"], c_wan["capex_total_mean"]) == "scaled"
    assert c_cny["households"].equals(c_wan["households"])


def test_compare_writes_and_prints_in_wan(capsys, tmp_path):
    files = [ROOT / "scenarios" / "sanqiao-standalone.yaml",
             ROOT / "scenarios" / "sanqiao-shared-service.yaml"]
    run_ok(capsys, "compare", *files, "--out", tmp_path / "cny")
    out = run_ok(capsys, "compare", *files, "--money-unit", "万元", "--lang", "zh",
                 "--out", tmp_path / "wan")
    cny = _read(tmp_path / "cny", "compare").set_index("metric")
    wan = _read(tmp_path / "wan", "compare").set_index("指标")
    wan.index = cny.index            # the same rows, labelled
    wan.columns = cny.columns
    for metric in ("capex_total", "funding_gap", "npv_operations",
                   "operating_surplus_first_year"):
        assert _scaled_or_equal(cny.loc[metric], wan.loc[metric]) == "scaled", metric
    for metric in ("government_cost_per_household", "breakeven_fee_rate", "has_funding_gap"):
        assert cny.loc[metric].equals(wan.loc[metric]), metric
    assert "改造总投资（万元）" in out and "户均政府出资（元/户）" in out
    assert f"{cny.loc['capex_total'].iloc[0] / WAN:,.2f}" in out
    assert json.loads((tmp_path / "wan" / "run.json").read_text("utf-8"))["money_unit"] == "万元"


def test_parquet_metrics_in_wan(bond_runs, tmp_path):
    pytest.importorskip("pyarrow")
    result = bond_runs["mc"]
    write_csv(result, tmp_path, format="parquet", money_unit="万元")
    metrics = pd.read_parquet(tmp_path / "metrics.parquet")
    assert metrics["capex_total"].to_numpy() * WAN == pytest.approx(
        result.metrics["capex_total"].to_numpy(), rel=RTOL, abs=0)
    assert metrics["breakeven_fee_rate"].equals(result.metrics["breakeven_fee_rate"])


def test_a_table_set_without_money_unit_is_written_as_given(tmp_path):
    from fundmodel.export import write_table_set

    table = pd.DataFrame({"amount": [25_000.0]}, index=pd.Index(["a"], name="label"))
    write_table_set({"annex": table}, {"command": "test"}, tmp_path)
    assert _read(tmp_path, "annex")["amount"].tolist() == [25_000.0]
    assert "money_unit" not in json.loads((tmp_path / "run.json").read_text("utf-8"))


def test_english_reads_wan_cny_after_a_number_and_in_a_header(capsys):
    assert money_scale("funding_gap", "CNY", "万元")[1] == "10 thousand CNY"   # the rule's name
    out = " ".join(run_ok(capsys, "run", BOND_PLAN, "--money-unit", "万元").split())
    assert "Funding gap: 0.00 wan CNY" in out and "Amount (wan CNY)" in out
    assert "10,000 CNY" not in out
    zh = run_ok(capsys, "run", BOND_PLAN, "--money-unit", "万元", "--lang", "zh")
    assert "wan CNY" not in zh and "资金缺口：0.00 万元" in zh


# ---------------------------------------------------------------------------- the report
class _Tables(HTMLParser):
    """The tables of a report page: caption and rows of cell texts (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption:
            self.tables[-1]["caption"] += data


def _tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return {" ".join(t["caption"].split()): t["rows"] for t in parser.tables}


def _num(cell: str) -> float:
    return float(cell.replace(",", "").replace("−", "-"))


def test_the_report_in_wan(bond_runs):
    pytest.importorskip("jinja2")
    from fundmodel.export.report import render_report

    result = bond_runs["det"]
    cny = _tables(render_report(result))
    wan = _tables(render_report(result, money_unit="万元"))
    pv = re.compile(r"present value [\d,.−]+")        # a sum in the caption: below
    assert {pv.sub("", c) for c in wan} == {
        pv.sub("", c).replace("(CNY", "(wan CNY").replace("), CNY", "), wan CNY") for c in cny}
    pv_cny = [_num(m.group(0)[14:]) for c in cny for m in [pv.search(c)] if m]
    pv_wan = [_num(m.group(0)[14:]) for c in wan for m in [pv.search(c)] if m]
    assert len(pv_cny) == 1 and abs(pv_wan[0] * WAN - pv_cny[0]) <= 50.5
    funding_cny, funding_wan = cny["Funding mix (CNY)"], wan["Funding mix (wan CNY)"]
    assert funding_cny[0] == funding_wan[0]                       # the same columns
    amount, share, per_household = (funding_cny[0].index(c) for c in
                                    ("Amount", "Share of cost", "Per household"))
    frame = result.funding()
    for row_cny, row_wan, value in zip(funding_cny[1:], funding_wan[1:],
                                       [*frame["amount"], frame["amount"].sum()]):
        # 万元 with two decimals: the amount / 10,000, rounded to the 100 CNY
        assert row_wan[amount] == f"{value / 10_000:,.2f}".replace("-", "−")
        assert abs(_num(row_wan[amount]) * WAN - _num(row_cny[amount])) <= 50.5
        assert row_wan[share] == row_cny[share]
        assert row_wan[per_household] == row_cny[per_household]   # per household: CNY
    debt_cny = cny["Debt service and its cover by year (CNY)"]
    debt_wan = wan["Debt service and its cover by year (wan CNY)"]
    interest, dscr = debt_cny[0].index("Interest"), debt_cny[0].index("DSCR")
    for row_cny, row_wan in zip(debt_cny[1:], debt_wan[1:]):
        assert abs(_num(row_wan[interest]) * WAN - _num(row_cny[interest])) <= 50.5
        assert row_wan[dscr] == row_cny[dscr]
    # the operating statement: CNY/year in 万元/年; the items: unit cost in CNY, cost in 万元
    assert "Operating statement (wan CNY per year)" in wan
    items = wan["Renovation items"]
    assert "Unit cost (CNY)" in items[0] and "Cost (wan CNY)" in items[0]
    capex = result.summary().loc["capex_total", "mean"]
    assert items[-1][-1] == f"{capex / 10_000:,.2f}"


def test_the_report_sentences_and_cards_in_wan(bond_runs):
    pytest.importorskip("jinja2")
    from fundmodel.export.report import render_report

    result = bond_runs["det"]
    s = result.summary()["mean"]
    page = " ".join(render_report(result, lang="zh", money_unit="万元").split())
    capex = f"{s['capex_total'] / 10_000:,.2f}"              # 127,565,688.89 CNY → 12,756.57
    assert f"改造总投资{capex}万元" in page
    assert f"户均{s['capex_total'] / 4_860:,.0f}元" in page     # 4,860 households: CNY
    assert "改造总投资（万元）" in page and "保本物业费（元/m²/月）" in page
    assert "运营收支表（万元/年）" in page and "除注明外金额单位为万元" in page
    assert "条件及参数取值中的金额单位为元" in page            # the terms stay in CNY
    english = " ".join(render_report(result, money_unit="万元").split())
    npv = f"{s['npv_operations'] / 10_000:,.2f}".replace("-", "−")
    assert f"worth {npv} wan CNY" in english
    with pytest.raises(ValueError, match="unknown money unit"):
        render_report(result, money_unit="yuan")


def test_report_and_district_report_commands_in_wan(capsys, tmp_path):
    pytest.importorskip("jinja2")
    run_ok(capsys, "report", BOND_PLAN, "-o", tmp_path / "cny.html", "--no-drivers")
    run_ok(capsys, "report", BOND_PLAN, "-o", tmp_path / "wan.html", "--no-drivers",
           "--money-unit", "万元")
    cny = _tables((tmp_path / "cny.html").read_text("utf-8"))
    wan = _tables((tmp_path / "wan.html").read_text("utf-8"))
    gap_cny = [r for r in cny["Funding mix (CNY)"] if r[0] == "Funding gap"][0]
    gap_wan = [r for r in wan["Funding mix (wan CNY)"] if r[0] == "Funding gap"][0]
    assert gap_wan[4] == "0.00" and gap_cny[4] == "0"
    district = ROOT / "scenarios" / "xinghualing-district.yaml"
    common = ("--draws", "4", "--seed", "1", "-q", "--no-plan", "--no-areas")
    run_ok(capsys, "district", district, *common, "--report", tmp_path / "d_cny.html")
    run_ok(capsys, "district", district, *common, "--report", tmp_path / "d_wan.html",
           "--money-unit", "万元")
    totals_cny = _tables((tmp_path / "d_cny.html").read_text("utf-8"))[
        "Sums over the compounds (CNY)"]
    totals_wan = _tables((tmp_path / "d_wan.html").read_text("utf-8"))[
        "Sums over the compounds (wan CNY)"]
    rows_cny = {r[0]: r for r in totals_cny[1:]}
    rows_wan = {r[0].replace("(wan CNY)", "(CNY)"): r for r in totals_wan[1:]}
    assert rows_cny.keys() == rows_wan.keys()
    capex = rows_wan["Renovation cost (CNY)"]
    for a, b in zip(rows_cny["Renovation cost (CNY)"][1:], capex[1:]):
        assert abs(_num(b) * WAN - _num(a)) <= 50.5 and b.count(".") == 1
    for name in rows_cny:
        if "CNY" not in name:                      # a share of the draws: as it was
            assert rows_cny[name] == rows_wan[name], name


def test_a_bad_money_unit_of_report_and_sensitivity_exits_2_with_nothing_written(capsys,
                                                                                 tmp_path):
    for argv in (["report", str(BOND_PLAN), "-o", str(tmp_path / "r.html")],
                 ["sensitivity", str(BOND_PLAN), "--metric", "capex_total",
                  "--out", str(tmp_path / "out")]):
        with pytest.raises(SystemExit) as info:
            main([*argv, "--money-unit", "yuan"])
        err = capsys.readouterr().err
        assert info.value.code == 2 and "invalid choice: 'yuan'" in err
        assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- sensitivity
def test_sensitivity_tornado_of_a_sum_of_money_in_wan(capsys, tmp_path):
    run_ok(capsys, "sensitivity", BOND_PLAN, "--metric", "capex_total", "--out",
           tmp_path / "cny")
    out = run_ok(capsys, "sensitivity", BOND_PLAN, "--metric", "capex_total",
                 "--money-unit", "万元", "--lang", "zh", "--out", tmp_path / "wan")
    cny = _read(tmp_path / "cny", "tornado").set_index("input")
    wan = _read(tmp_path / "wan", "tornado").set_index("输入参数")
    assert list(wan.columns) == ["输入低值", "输入高值", "低值时（万元）", "高值时（万元）",
                                 "基准值（万元）", "变动幅度（万元）"]
    wan.index, wan.columns = cny.index, cny.columns
    for column in ("metric_low", "metric_high", "base", "swing"):
        assert _scaled_or_equal(cny[column], wan[column]) == "scaled", column
    for column in ("low_value", "high_value"):      # the inputs' values, as the scenario's
        assert cny[column].equals(wan[column]), column
    base = cny["base"].iloc[0]
    assert f"基准值：{base / WAN:,.2f}" in out and "改造总投资（万元）" in out
    record = json.loads((tmp_path / "wan" / "run.json").read_text("utf-8"))
    assert record["money_unit"] == "万元"
    assert "money_unit" not in json.loads((tmp_path / "cny" / "run.json").read_text("utf-8"))


def test_sensitivity_of_a_price_is_the_same_in_wan(capsys, tmp_path):
    run_ok(capsys, "sensitivity", BOND_PLAN, "--metric", "breakeven_fee_rate", "--out",
           tmp_path / "cny")
    out = run_ok(capsys, "sensitivity", BOND_PLAN, "--metric", "breakeven_fee_rate",
                 "--money-unit", "万元", "--out", tmp_path / "wan")
    assert _read(tmp_path / "cny", "tornado").equals(_read(tmp_path / "wan", "tornado"))
    assert "wan CNY" not in out and "CNY/m²/month" in out
