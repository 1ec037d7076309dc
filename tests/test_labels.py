"""The zh/en label catalogue (fundmodel.labels): every name the library reports has both
labels, the Chinese uses the domain's terms, and ``--lang zh`` prints and writes no English
metric names (the acceptance test of issue 11's language piece)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pandas as pd
import pytest

import fundmodel
from fundmodel import catalog, labels
from fundmodel.engine.ledger import KINDS, PARTIES
from fundmodel.export.files import result_tables
from fundmodel.results.result import PROBABILITIES, SUMMARY_COLUMNS, YEARLY_STATISTICS
from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS
from fundmodel.scenario.funding import PAYERS, SOURCE_NAMES

from cli_runs import run_ok

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))
SINGLE = [p for p in SCENARIOS if "district" not in p.name]
DISTRICT = ROOT / "scenarios" / "xinghualing-district.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")

LEDGER_LINES = [n.replace("<name>", "my line").replace("<label>", "my rule")
                for n in catalog.LEDGER_LINES]
"""Every kind of ledger line the engine writes, from its declarations
(:data:`fundmodel.catalog.LEDGER_LINES`; tests/test_declarations.py checks that every line the
shipped scenarios write is declared), with made-up user names."""


def _catalogue_names() -> list[str]:
    households = [c for table in catalog.HOUSEHOLD_TABLES.values() for c in table]
    return [*catalog.METRICS, *catalog.YEARLY_LINES, *catalog.LINE_PATTERNS,
            *catalog.YEARLY_COLUMNS, *households, *catalog.INSTRUMENT_METRICS,
            *catalog.FUND_METRICS, *catalog.FUND_BUILDING_METRICS, *catalog.FUND_LINES, *PARTIES, *SOURCE_NAMES, *KINDS,
            *GOVERNMENT_LEVELS, *PAYERS, *SUMMARY_COLUMNS, *YEARLY_STATISTICS,
            *catalog.PORTFOLIO_METRICS, *LEDGER_LINES]


@pytest.mark.parametrize("name", _catalogue_names())
def test_every_catalogue_name_has_both_labels(name):
    assert labels.has_label(name)
    en, zh = labels.label(name, "en"), labels.label(name, "zh")
    assert en and zh and en != zh
    assert CJK.search(zh), f"{name}: {zh!r} has no Chinese"


def test_domain_terms():
    """The Chinese of DOMAIN.md: 资金缺口, 物业费, 维修资金, 专项债券, 社会资本..."""
    zh = lambda n: labels.label(n, "zh")  # noqa: E731
    assert zh("funding_gap") == "资金缺口"
    assert zh("property_fee") == "物业费"
    assert "物业费" in zh("property_fee_income") and "物业费" in zh("breakeven_fee_rate")
    assert "维修资金" in zh("fund_balance") and "维修资金" in zh("repairs_fund")
    assert zh("special_bond") == "专项债券"
    assert zh("social_capital") == "社会资本" and zh("investor") == "社会资本"
    assert zh("soe_transfer") == "三供一业移交资金"
    assert zh("central_subsidy") == "中央补助资金"
    assert zh("crowdfunding") == "众筹"
    assert zh("provident_fund") == "住房公积金"
    assert zh("vat") == "增值税"


def test_patterns_keep_user_names_and_label_sources():
    assert labels.label("income[parking]", "zh") == "收入：parking"
    assert labels.label("funding[special_bond]", "zh") == "资金来源：专项债券"
    assert labels.label("debt[rooms bond].min_dscr", "zh") == "债务「rooms bond」最低偿债覆盖率"
    assert labels.label("central_subsidy #2", "zh") == "中央补助资金 #2"
    assert labels.label("my own rule", "zh") == "my own rule"
    assert not labels.has_label("my own rule")


def test_bands_and_district_statistics():
    assert labels.label("operating_surplus:p5", "zh") == "运营结余 5%分位"
    assert labels.label("funding_gap_p05", "zh") == "资金缺口 5%分位"
    assert labels.label("capex_total_mean", "en") == "Renovation cost mean"
    assert labels.header("funding_gap_p95", "zh") == "资金缺口 95%分位（元）"
    assert labels.header("mean_cny", "en") == "Mean (CNY)"
    assert labels.header("cumulative_balance:p50", "en") == "Cumulative balance P50 (CNY)"


def test_zh_texts_of_the_library():
    assert set(labels.DESCRIPTIONS_ZH) == set(PARTIES)
    assert set(labels.QUESTIONS_ZH) == set(PROBABILITIES)
    for text in [*labels.DESCRIPTIONS_ZH.values(), *labels.QUESTIONS_ZH.values()]:
        assert CJK.search(text)
    tables = (catalog.METRICS, catalog.YEARLY_LINES, catalog.INSTRUMENT_METRICS,
              catalog.FUND_METRICS, catalog.FUND_LINES, *catalog.HOUSEHOLD_TABLES.values())
    undefined = {k for t in tables for k, m in t.items() if m.undefined_when}
    assert undefined == set(labels.UNDEFINED_ZH)
    assert labels.undefined_when("debt[x].llcr", "zh") == "未借款"
    assert labels.undefined_when("debt[x].llcr", "en") == "nothing lent"


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(labels.TEXT))
def test_every_sentence_has_both_languages_with_the_same_fields(key):
    entry = labels.TEXT[key]
    assert _fields(entry.en) == _fields(entry.zh)
    if entry.zh.strip(" .,;、，。；"):
        assert not re.search(r"\b[a-z]{4,}\b", re.sub(r"\{[^}]*\}|\[/?\w*\]|Result\.\w+\(\)"
                                                    r"|\w+\.csv|--\w+|Sobol", "", entry.zh)), \
            entry.zh


def test_localize_touches_labels_not_numbers():
    frame = pd.DataFrame({"source": ["central_subsidy", "gap"], "payer": ["government",
                                                                           "unfunded"],
                          "amount": [1.5, 2.0]},
                         index=pd.Index(["central_subsidy", "my rule"], name="label"))
    out = labels.localize(frame, "zh", units=True)
    assert list(out.columns) == ["来源类型", "出资方", "金额（元）"]
    assert out.index.name == "资金来源"
    assert list(out.index) == ["中央补助资金", "my rule"]
    assert list(out["来源类型"]) == ["中央补助资金", "资金缺口"]
    assert list(out["金额（元）"]) == [1.5, 2.0]
    with pytest.raises(ValueError):
        labels.localize(frame, "fr")


# ------------------------------------------------------------------ every table of every run
_IDENTIFIER_COLUMNS = ("source", "payer", "payee", "kind", "tier", "line", "party", "metric",
                       "level", "statistic")
_IDENTIFIER_INDEX = ("metric", "party", "channel", "line")


def _unlabelled(frame: pd.DataFrame) -> set[str]:
    """Column names, index names and identifier values of ``frame`` the catalogue misses."""
    names = [*frame.columns, *(n for n in frame.index.names if n is not None)]
    missing = {n for n in names if isinstance(n, str) and not labels.has_label(n)}
    for column in _IDENTIFIER_COLUMNS:
        if column in frame.columns:
            missing |= {v for v in frame[column].unique()
                        if isinstance(v, str) and not labels.has_label(v)}
    if frame.index.name in _IDENTIFIER_INDEX:
        missing |= {v for v in frame.index if isinstance(v, str) and not labels.has_label(v)}
    return missing


def _all_tables(result) -> dict[str, pd.DataFrame]:
    tables = result_tables(result)
    tables.update(items=result.items(), cashflows=result.cashflows(),
                  parties=result.parties(), government=result.government(),
                  probabilities=result.probabilities(), bands=result.yearly_bands())
    if result.has_financing:
        tables.update(fiscal=result.fiscal(), debt=result.debt())
    if result.has_households:
        tables.update(decisions=result.decisions(), households=result.households(),
                      channels=result.channels())
    return tables


@pytest.mark.parametrize("path", SINGLE, ids=lambda p: p.stem)
def test_every_table_of_every_scenario_is_labelled(path):
    scenario = fundmodel.load_scenario(path)
    for result in (fundmodel.evaluate(scenario), fundmodel.simulate(scenario, 20, seed=1)):
        for name, table in _all_tables(result).items():
            assert not _unlabelled(table), (name, _unlabelled(table))


def test_every_table_of_the_district_is_labelled():
    from fundmodel.portfolio import service_areas, simulate_portfolio

    scenario = fundmodel.load_scenario(DISTRICT)
    result = simulate_portfolio(scenario, 3, 1)
    tables = {"compounds": result.compounds, "district": result.district,
              "outlay": result.outlay(), "summary": result.summary(),
              "areas": service_areas(scenario).table}
    for name, table in tables.items():
        assert not _unlabelled(table), (name, _unlabelled(table))
    # the plan (a MIP of ~10 s on this district, not run here): its columns, from
    # PortfolioPlan.table and budget_use
    plan_columns = ["id", "start_year", "end_year", "required", "weight", "cost_cny",
                    *(f"cost_{level}_cny" for level in GOVERNMENT_LEVELS), "level", "year",
                    "budget_cny", "used_cny", "share"]
    assert [c for c in plan_columns if not labels.has_label(c)] == []


# ------------------------------------------------------------------ acceptance: --lang zh
def _forbidden() -> re.Pattern:
    """Every identifier of the catalogue with an underscore or a pattern's prefix, and the
    English words that name metrics on their own."""
    words = {n for table in (labels.NAMES, labels.COLUMNS, labels.PARTIES, labels.SOURCES,
                             labels.VALUES) for n in table if "_" in n or "." in n}
    prefixes = {p.split("[")[0] + "[" for p in labels.PATTERNS}
    plain = {"gap", "funding", "metric", "mean", "draws", "households", "Renovation",
             "Operations", "deficit", "surplus", "breakeven", "subsidy", "total"}
    alternatives = [rf"\b{re.escape(w)}\b" for w in sorted(words | plain, key=len, reverse=True)]
    alternatives += [rf"\b{re.escape(p)}" for p in sorted(prefixes)]
    return re.compile("|".join(alternatives))


FORBIDDEN = _forbidden()


def _strip_user_names(text: str, scenario) -> str:
    """``text`` without the scenario's own strings (names, titles, labels, units)."""
    own: set[str] = set()

    def walk(node):
        if isinstance(node, str):
            own.add(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(scenario.model_dump(mode="json", by_alias=True))
    own |= set(scenario.funding_labels())
    for name in sorted(own, key=len, reverse=True):
        if len(name) > 2:
            text = text.replace(name, " ")
    return text


def _assert_chinese(text: str, scenario, where: str) -> None:
    text = re.sub(r"\b\w+\.(csv|json)\b", " ", text)  # the files' names are allowed
    left = FORBIDDEN.findall(_strip_user_names(text, scenario))
    assert not left, f"{where}: English names in the zh output: {sorted(set(left))}"
    assert CJK.search(text)


@pytest.mark.parametrize("path", SINGLE, ids=lambda p: p.stem)
def test_run_lang_zh_prints_no_english_metric_names(capsys, path):
    scenario = fundmodel.load_scenario(path)
    _assert_chinese(run_ok(capsys, "run", path, "--lang", "zh"), scenario, path.name)


def test_monte_carlo_solve_and_files_in_zh(capsys, tmp_path):
    path = ROOT / "scenarios" / "guangan-bundle.yaml"
    scenario = fundmodel.load_scenario(path)
    out = run_ok(capsys, "run", path, "--draws", "200", "--seed", "1", "-q", "--lang", "zh",
                 "--out", tmp_path / "zh")
    _assert_chinese(out, scenario, "Monte Carlo")
    for csv in (tmp_path / "zh").glob("*.csv"):
        _assert_chinese(csv.read_text(encoding="utf-8-sig"), scenario, csv.name)
    record = (tmp_path / "zh" / "run.json").read_text(encoding="utf-8")
    assert '"lang": "zh"' in record
    standalone = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    out = run_ok(capsys, "solve", standalone, "--lever",
                 "operations.property_fee.rate_per_m2_month", "--target",
                 "P(cumulative_balance_final < 0) <= 0.1", "--draws", "100", "--seed", "2",
                 "--lang", "zh")
    _assert_chinese(out.replace("operations.property_fee.rate_per_m2_month", ""),
                    fundmodel.load_scenario(standalone), "solve")


def test_district_in_zh(capsys, tmp_path):
    scenario = fundmodel.load_scenario(DISTRICT)
    out = run_ok(capsys, "district", DISTRICT, "--draws", "3", "--seed", "1", "--no-plan", "-q",
                 "--lang", "zh", "--out", tmp_path / "d")
    _assert_chinese(out, scenario, "district")
    for csv in (tmp_path / "d").glob("*.csv"):
        _assert_chinese(csv.read_text(encoding="utf-8-sig"), scenario, csv.name)


def test_without_lang_the_files_keep_identifiers_and_lang_en_labels_them(capsys, tmp_path):
    path = ROOT / "scenarios" / "sanqiao-standalone.yaml"
    plain = run_ok(capsys, "run", path, "--out", tmp_path / "plain")
    english = run_ok(capsys, "run", path, "--out", tmp_path / "en", "--lang", "en")
    assert plain == english.replace(str(tmp_path / "en"), str(tmp_path / "plain"))
    header = (tmp_path / "plain" / "summary.csv").read_text(encoding="utf-8-sig").split("\n")[0]
    assert header.startswith("metric,unit,mean")
    funding = pd.read_csv(tmp_path / "en" / "funding.csv", index_col=0)
    assert funding.index.name == "Funding rule"
    assert "Amount (CNY)" in funding.columns and "Payer" in funding.columns
    assert '"lang"' not in (tmp_path / "plain" / "run.json").read_text(encoding="utf-8")
    assert '"lang": "en"' in (tmp_path / "en" / "run.json").read_text(encoding="utf-8")


def test_every_scenario_field_and_enumeration_value_has_a_label():
    """The report and the workbook name a scenario's fields and the values of its enumerations
    by their labels: every key a scenario file can hold and every value a ``Literal`` field
    takes has both (walked from the models, not listed by hand)."""
    from clean_text import enum_values, field_names

    from fundmodel.labels import field_label

    missing = sorted(n for n in field_names() | enum_values()
                     if not labels.has_label(n) and n not in ("name", "label"))
    assert missing == []
    assert field_label("renovation.items[3].name", "zh") == "改造内容名称"
    assert field_label(("households", "buildings", 0, "name"), "en") == "Building name"
    assert field_label("name", "zh") == "情景名称" and field_label("compound.name", "zh") == "小区名称"
    assert field_label("funding[2].label", "zh") == "资金来源名称"
    assert field_label("operations.costs[0].per_year", "zh") == "每年金额"


def test_a_narrow_tables_short_header_is_declared_with_its_output():
    # the console's fiscal table reads its English headers from the declarations (issue 20: no
    # third wording kept by the CLI); in Chinese the label
    assert labels.short_label("guarantee_calls") == "guarantees"
    assert labels.short_label("soe") == "SOE (not gov.)"
    assert labels.short_label("guarantee_calls", "zh") == "担保代偿"
    assert labels.short_label("discounted") == labels.label("discounted") == "Discounted"
