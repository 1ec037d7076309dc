"""Results in a notebook (issue 19): ``Result``, ``PortfolioResult`` and ``Solution`` show as
readable HTML tables by their labels (``_repr_html_``) and as one short line of text
(``__repr__``). (PortfolioResult: tests/test_portfolio.py; charts: tests/test_plots.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import fundmodel
from fundmodel import labels
from fundmodel.results.result import HEADLINE_METRICS, format_value

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"


class _Cells(HTMLParser):
    """The text of every row of an HTML table, cell by cell."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._in = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th", "caption"):
            self._in = tag
            if tag != "caption":
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption"):
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in:
            self.rows[-1][-1] += data


def _cells(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(STANDALONE)


def test_a_deterministic_result_as_a_table(scenario):
    result = fundmodel.evaluate(scenario)
    assert repr(result) == "<Result 'sanqiao-standalone': deterministic, 1 draw(s)>"
    table = _cells(result._repr_html_())
    assert table.caption == f"{scenario.title} (deterministic)"
    assert table.rows[0] == ["Metric", "Value"]
    mean = result.summary()["mean"]
    want = [[labels.header(m), format_value(m, mean[m])] for m in HEADLINE_METRICS]
    assert table.rows[1:] == want
    # by their labels, with units: no identifier shows
    assert ["Funding gap (CNY)", f"{mean['funding_gap']:,.0f}"] in table.rows
    assert not any("_" in row[0] for row in table.rows)


def test_a_monte_carlo_result_as_a_table(scenario):
    result = fundmodel.simulate(scenario, 200, 5)
    assert repr(result) == "<Result 'sanqiao-standalone': monte carlo, 200 draw(s)>"
    table = _cells(result._repr_html_())
    assert table.caption.endswith("(200 draws)")
    assert table.rows[0] == ["Metric", "Mean", "P5", "P95"]
    s = result.summary()
    row = next(r for r in table.rows if r[0] == "Breakeven fee (CNY/m²/month)")
    assert row[1:] == [f"{s.loc['breakeven_fee_rate', k]:,.4g}" for k in ("mean", "p5", "p95")]


def test_values_read_as_their_units():
    assert format_value("funding_gap", -0.3) == "0"            # no -0
    assert format_value("funding_gap", 1234567.8) == "1,234,568"
    assert format_value("has_funding_gap", 1.0) == "yes"
    assert format_value("funding_gap_share", 0.1234) == "12.3%"
    assert format_value("breakeven_fee_rate", 2.0149) == "2.015"
    assert format_value("funding_gap", float("nan")) == "–"


def test_a_solution_as_a_table(scenario):
    s = fundmodel.solve(scenario, "operations.property_fee.rate_per_m2_month",
                        "npv_operations = 0", point=True)
    value = float(s.value[0])
    assert repr(s) == (f"<Solution operations.property_fee.rate_per_m2_month for "
                       f"npv_operations = 0: {value:,.6g} CNY/m²/month>")
    table = _cells(s._repr_html_())
    rows = dict((r[0], r[1]) for r in table.rows[1:])
    assert rows["Answer"] == f"{value:,.6g} CNY/m²/month"
    assert rows["Target"] == "NPV of the operations = 0"
    assert rows["Method"] == "closed form"
    # the answer meets the target: the NPV at the answer is zero (checked, not pasted)
    assert bool(s.check().met.all())


def test_a_per_draw_solution_over_draws(scenario):
    s = fundmodel.solve(scenario, "operations.property_fee.rate_per_m2_month",
                        "npv_operations = 0", draws=40, seed=3)
    assert re.fullmatch(r"<Solution .*: mean [\d.]+ CNY/m²/month over 40 draws>", repr(s))
    rows = dict((r[0], r[1]) for r in _cells(s._repr_html_()).rows[1:])
    assert {"Answer, mean", "Answer, P5", "Answer, P50", "Answer, P95"} <= set(rows)
