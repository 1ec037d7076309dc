"""One declaration per output (fundmodel.catalog): every metric, yearly line and ledger line
the engine emits on every shipped scenario is declared — the ledger lines with the parties that
pay and receive them — and every declaration has its unit, meaning, en and zh labels (issue 20).
No hand list: the names come from the runs, the checks from the declarations."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import fundmodel
from fundmodel import catalog, labels
from fundmodel.catalog.tables import TABLES as DECLARED_TABLES
from fundmodel.engine.ledger import KINDS, PARTIES as LEDGER_PARTIES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if "district" not in p.name)
DISTRICT = ROOT / "scenarios" / "xinghualing-district.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")
INSTRUMENT_OUTPUT = re.compile(r"^(?P<kind>\w+)\[(?P<label>.+)\]\.(?P<part>\w+)$", re.DOTALL)
LINE_OUTPUT = re.compile(r"^(?P<kind>\w+)\[(?P<name>.+)\]$", re.DOTALL)

OUTPUT_TABLES = {
    "METRICS": catalog.METRICS, "INSTRUMENT_METRICS": catalog.INSTRUMENT_METRICS,
    "FUND_METRICS": catalog.FUND_METRICS, "PORTFOLIO_METRICS": catalog.PORTFOLIO_METRICS,
    "FUND_BUILDING_METRICS": catalog.FUND_BUILDING_METRICS,
    "YEARLY_LINES": catalog.YEARLY_LINES, "LINE_PATTERNS": catalog.LINE_PATTERNS,
    "YEARLY_COLUMNS": catalog.YEARLY_COLUMNS, "FUND_LINES": catalog.FUND_LINES,
    "LEDGER_LINES": catalog.LEDGER_LINES, "TABLE_COLUMNS": catalog.TABLE_COLUMNS,
    **{f"HOUSEHOLD_TABLES[{t}]": c for t, c in catalog.HOUSEHOLD_TABLES.items()},
    **{f"TABLES[{n}]": {c.name: c for c in t.columns} for n, t in DECLARED_TABLES.items()},
}
METRIC_TABLES = (catalog.METRICS, catalog.FUND_METRICS, catalog.FUND_BUILDING_METRICS)
YEARLY_TABLES = (catalog.YEARLY_LINES, catalog.FUND_LINES, catalog.YEARLY_COLUMNS)


# ------------------------------------------------------------------ what the engine emits
def declared_metric(name: str) -> catalog.Output | None:
    """The declaration of a metric key of ``Result.metrics``: by name, or an instrument's by
    its pattern ``<instrument>[<label>].<part>``."""
    for table in (*METRIC_TABLES, catalog.INSTRUMENT_METRICS):
        if name in table:
            return table[name]
    if catalog.metric_pattern(name) is not None:
        return catalog.metric_pattern(name)
    match = INSTRUMENT_OUTPUT.match(name)
    if match and match.group("kind") in catalog.INSTRUMENTS:
        return catalog.INSTRUMENT_METRICS.get(f"{match.group('kind')}[<label>]."
                                              f"{match.group('part')}")
    return None


def declared_line(name: str) -> catalog.Output | None:
    """The declaration of a column of ``Result.yearly()``: by name or by its pattern."""
    for table in YEARLY_TABLES:
        if name in table:
            return table[name]
    match = LINE_OUTPUT.match(name)
    return None if match is None else catalog.LINE_PATTERNS.get(f"{match.group('kind')}[<name>]")


def undeclared(result) -> list[str]:
    """Every metric key, yearly line and ledger line (with its payer, payee and kind) of
    ``result`` that no declaration covers."""
    missing = [f"metric {n}" for n in result.metrics.columns if declared_metric(n) is None]
    missing += [f"yearly line {n}" for n in result.yearly().columns if declared_line(n) is None]
    cf = result.cashflows()
    for name, payer, payee, kind in sorted(set(zip(cf["line"], cf["payer"], cf["payee"],
                                                   cf["kind"]))):
        line = catalog.ledger_line(name)
        if line is None:
            missing.append(f"ledger line {name}")
        elif payer not in line.payers or payee not in line.payees or \
                kind != (line.kind or kind):
            missing.append(f"ledger line {name}: {payer} → {payee} ({kind}) is not declared "
                           f"({line.payers} → {line.payees}, {line.kind or 'any kind'})")
    return missing


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_output_of_every_shipped_scenario_is_declared(path):
    scenario = fundmodel.load_scenario(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = {"deterministic": fundmodel.evaluate(scenario),
                "monte carlo": fundmodel.simulate(scenario, 16, seed=1)}
    for how, result in runs.items():
        assert undeclared(result) == [], how
        if result.has_households:      # the households' tables: columns and axes as declared
            for table, columns in catalog.HOUSEHOLD_TABLES.items():
                frame = getattr(result, table)()
                assert set(frame.columns) <= set(columns), (how, table)
                assert all(tuple(frame.index.names) == c.axes for c in columns.values())
        result.declared_tables()       # each declared table as declared (Result.table checks)


def test_every_output_of_the_district_is_declared():
    from fundmodel.portfolio import simulate_portfolio
    from fundmodel.portfolio.tiles import SUMMARY_STATS

    result = simulate_portfolio(fundmodel.load_scenario(DISTRICT), 3, 1)
    stat = re.compile(rf"^(?P<metric>.+)_(?:{'|'.join(SUMMARY_STATS)})$")
    metrics = {m.group("metric") for c in result.compounds.columns if (m := stat.match(c))}
    metrics |= set(result.district.columns)
    assert metrics and all(declared_metric(n) or n in catalog.PORTFOLIO_METRICS
                           for n in metrics), sorted(metrics)


def test_the_check_catches_what_is_not_declared():
    """The checks above do fail: a made-up metric, line or party is caught."""
    assert declared_metric("bridge_cost") is None
    assert declared_metric("debt[bond].not_a_metric") is None
    assert declared_metric("debt[bond].min_dscr") is catalog.INSTRUMENT_METRICS[
        "debt[<label>].min_dscr"]
    assert declared_line("ghost[x]") is None and declared_line("income[x y]") is not None
    assert catalog.ledger_line("repairs_fund.loan") is None
    assert catalog.ledger_line("works[roof].extra[x]") is None
    line = catalog.ledger_line("debt[my bond].interest")
    assert line.name == "debt[<label>].interest" and "lender" in line.payees
    assert "residents" not in line.payers        # residents → lender: not a declared flow


# ------------------------------------------------------------------ every declaration is whole
ALL_OUTPUTS = [(table, o) for table, entries in OUTPUT_TABLES.items() for o in entries.values()]


@pytest.mark.parametrize("table, output", ALL_OUTPUTS,
                         ids=[f"{t}:{o.name}" for t, o in ALL_OUTPUTS])
def test_every_declaration_has_unit_meaning_and_both_labels(table, output):
    assert output.unit in labels.UNITS, output.unit
    assert len(output.description) > 10
    assert output.en and output.zh and output.en != output.zh
    assert CJK.search(output.zh), output.zh
    assert bool(output.undefined_when) == bool(output.undefined_zh)
    assert not output.undefined_zh or CJK.search(output.undefined_zh)
    assert output.summary in catalog.SUMMARIES and output.axes
    probability = output.summary == "probability"
    assert bool(output.question) == probability == bool(output.question_zh)
    assert not probability or output.unit == "0/1"
    if "{" in output.en or "{" in output.zh:       # a pattern's label names what it fills in
        fields = set(re.findall(r"{(\w+)}", output.en))
        assert fields == set(re.findall(r"{(\w+)}", output.zh))
        assert {f"<{f}>" for f in fields} <= set(re.findall(r"<\w+>", output.name))
    if table == "LEDGER_LINES":
        assert output.payers and output.payees
        assert set(output.payers) | set(output.payees) <= set(LEDGER_PARTIES)
        assert output.kind in (*KINDS, "")
    else:
        assert not (output.payers or output.payees or output.kind)


@pytest.mark.parametrize("party", list(catalog.PARTIES.values()), ids=lambda p: p.name)
def test_every_party_has_both_labels_and_meaning(party):
    assert party.en and CJK.search(party.zh)
    assert len(party.description) > 5 and CJK.search(party.description_zh)


def test_the_readers_read_the_declarations():
    """labels, results, the ledger and the fiscal view hold no list of their own."""
    from fundmodel.results import BAND_LINES, PROBABILITIES
    from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS

    assert PROBABILITIES == {n: m.question for n, m in catalog.probabilities().items()}
    assert labels.QUESTIONS_ZH == {n: m.question_zh for n, m in catalog.probabilities().items()}
    assert BAND_LINES == ("operating_surplus", "cumulative_balance")
    assert GOVERNMENT_LEVELS is catalog.GOVERNMENT_LEVELS
    assert list(LEDGER_PARTIES) == [n for n, p in catalog.PARTIES.items() if p.ledger]
    assert labels.DESCRIPTIONS_ZH == {n: p.description_zh for n, p in catalog.PARTIES.items()
                                      if p.ledger}
    for name, output in catalog.METRICS.items():
        assert labels.label(name, "zh") == output.zh
        assert labels.undefined_when(name, "zh") == output.undefined_zh
    assert labels.label("debt[rooms bond].min_dscr") == "Debt rooms bond: lowest DSCR"
    assert labels.label("works[roof]", "zh") == "改造工程：roof"
    assert labels.label("central_government", "zh") == "中央政府"


def test_coverage_all_debts_is_declared_once():
    """The path of one metric: its declaration is the only place its unit, labels and
    meaning are written; describe(), the labels and the workbook's format read it."""
    from fundmodel import Result
    from fundmodel.export.excel import number_format

    decl = catalog.INSTRUMENT_METRICS["coverage_all_debts"]
    assert catalog.lookup("coverage_all_debts") is decl
    assert Result.describe("coverage_all_debts").startswith("coverage_all_debts [ratio]: Cover")
    assert decl.undefined_when in Result.describe("coverage_all_debts")
    assert labels.label("coverage_all_debts", "zh") == decl.zh == "全部债务合并覆盖倍数"
    assert labels.undefined_when("coverage_all_debts", "zh") == decl.undefined_zh
    assert labels.header("coverage_all_debts", "en") == "Coverage of all debts together (ratio)"
    assert number_format(decl.unit) == "0.00"


def test_metric_is_the_old_name_of_output():
    m = catalog.Metric("x", "CNY", "an amount")
    assert isinstance(m, catalog.Output) and m.en == "" and m.undefined_when == ""


def test_describe_reads_the_declarations_of_lines_and_columns():
    from fundmodel import Result

    text = Result.describe("works[roof]")
    assert text.startswith("works[<name>] [CNY/year]: ")
    assert text.endswith("; paid by project to contractors")
    assert Result.describe("npv_net").startswith("npv_net [CNY]: ")
    with pytest.raises(KeyError, match="funding_gap"):
        Result.describe("fundin_gap")


def test_instrument_metrics_are_found_by_their_declarations():
    assert catalog.instrument_metric("coverage_all_debts") is catalog.INSTRUMENT_METRICS[
        "coverage_all_debts"]
    assert catalog.instrument_metric("investor[my op].irr").name == "investor[<label>].irr"
    assert catalog.instrument_metric("debt[b].interest") is None       # a ledger line
    assert catalog.instrument_metric("funding_gap") is None
    assert catalog.instrument_metric("investor[a].takes[b]") is None
