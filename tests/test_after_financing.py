"""Year 1 after financing (issue 19, item 2): the operating surplus less what the financing
instruments take from the compound's account (debt service, revenue remitted to a bond's issuer,
investors' takes) plus guarantee calls — the basis of both breakeven fees — worked by hand,
printed beside the operating surplus and exported."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
import yaml

import fundmodel
from fundmodel import Scenario
from fundmodel.labels import header, label, text

from cli_runs import run_words
from malformed import ROOT

GUANGAN = ROOT / "scenarios" / "guangan-bundle.yaml"
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"

# The small scenario: one item of 100,000 CNY built in 2025, paid by a bank loan of 100,000 at
# 5 % over 10 years (annuity) pledging the rent; operations from 2026: a fee of 0.5 CNY/m²/month
# on 1,000 m² (collection 1, no VAT, no margin) = 0.5 × 1,000 × 12 = 6,000 CNY a year, a rent of
# 20,000 and a cleaning cost of 15,000, none growing.
FEE_INCOME = 0.5 * 1_000 * 12                       # 6,000
SURPLUS = FEE_INCOME + 20_000 - 15_000              # 11,000
PAYMENT = 100_000 * 0.05 / (1 - 1.05 ** -10)        # the annuity: 12,950.4575...
AFTER = SURPLUS - PAYMENT                           # 11,000 − 12,950.4575 = −1,950.4575
PER_RATE = 1_000 * 12                               # fee income per 1 CNY/m²/month: 12,000
BREAKEVEN_1 = 0.5 - AFTER / PER_RATE                # 0.5 + 1,950.4575 / 12,000 = 0.66254


def small(fee: float = 0.5, loan: bool = True) -> dict:
    return {
        "name": "after-financing", "start_year": 2025, "horizon_years": 12,
        "discount_rate": 0.0, "inflation": 0.0,
        "compound": {"name": "c", "households": 10, "floor_area_m2": 1000},
        "renovation": {"items": [{"name": "a", "tier": "basic", "quantity": 1,
                                  "unit_cost": 100_000}]},
        "funding": ([{"source": "bank_loan", "amount": 100_000, "rate": 0.05,
                      "term_years": 10, "pledged": ["income[rent]"]}] if loan else
                    [{"source": "central_subsidy", "amount": 100_000}]),
        "operations": {"property_fee": {"rate_per_m2_month": fee},
                       "income": [{"name": "rent", "per_year": 20_000, "growth": 0.0}],
                       "costs": [{"name": "cleaning", "per_year": 15_000, "growth": 0.0}]}}


def metrics(d: dict) -> pd.Series:
    return fundmodel.evaluate(Scenario.model_validate(d)).metrics.iloc[0]


def test_year_1_after_financing_is_the_surplus_less_the_debt_service():
    assert PAYMENT == pytest.approx(12_950.4575, abs=1e-4)
    assert AFTER == pytest.approx(-1_950.4575, abs=1e-4)
    m = metrics(small())
    assert m["operating_surplus_first_year"] == pytest.approx(SURPLUS, rel=1e-12)
    assert m["net_cash_flow_first_year"] == pytest.approx(AFTER, rel=1e-12)
    # the year-1 breakeven fee is the fee at which year 1 after financing is 0
    assert m["breakeven_fee_rate_first_year"] == pytest.approx(BREAKEVEN_1, rel=1e-12)
    assert BREAKEVEN_1 == pytest.approx(0.66254, abs=1e-5)
    again = metrics(small(fee=float(m["breakeven_fee_rate_first_year"])))
    assert abs(again["net_cash_flow_first_year"]) < 1e-9 * PAYMENT
    assert again["operating_surplus_first_year"] == pytest.approx(PAYMENT, rel=1e-12)
    # and the horizon's breakeven makes the NPV after financing 0 (discount rate 0: the sum)
    again = metrics(small(fee=float(m["breakeven_fee_rate"])))
    assert abs(again["npv_operations"]) < 1e-9 * 10 * PAYMENT


def test_without_financing_the_basis_is_the_operating_surplus():
    # no financing line: no metric after financing (the scenario keeps its metric set), and
    # the year-1 breakeven fee zeroes the operating surplus: 0.5 − 11,000 / 12,000 < 0
    m = metrics(small(loan=False))
    assert "net_cash_flow_first_year" not in m.index
    assert m["operating_surplus_first_year"] == SURPLUS
    assert m["breakeven_fee_rate_first_year"] == pytest.approx(0.5 - SURPLUS / PER_RATE)


def test_guangan_year_1_after_financing_by_hand():
    """Guang'an's year 1 (2026) at the means: the parking operator takes the parking, 240 ×
    150 × 12 × (0.5 + 0.7 + 0.85)/3 = 295,200; the rooms bond takes the rooms' rent less
    their upkeep, 360,000 − 60,000 = 300,000, to its issuer; the operator services its loan,
    A = 500,000 × 0.045 / (1 − 1.045^−8) = 75,804.83; the district's guarantee pays what
    the advertising, (40,000 + 80,000 + 100,000)/3 = 73,333.33, leaves short: 2,471.49."""
    res = fundmodel.evaluate(fundmodel.load_scenario(GUANGAN))
    m = res.metrics.iloc[0]
    takes = 240 * 150 * 12 * (0.5 + 0.7 + 0.85) / 3
    remitted = 360_000 - 60_000
    service = 500_000 * 0.045 / (1 - 1.045 ** -8)
    call = service - (40_000 + 80_000 + 100_000) / 3
    assert takes == pytest.approx(295_200) and call == pytest.approx(2_471.49, abs=0.01)
    financing = -takes - remitted - service + call                  # −668,533.33
    assert financing == pytest.approx(-668_533.33, abs=0.01)
    assert m["net_cash_flow_first_year"] - m["operating_surplus_first_year"] == pytest.approx(
        financing, rel=1e-12)
    assert round(m["operating_surplus_first_year"]) == 225_170
    assert round(m["net_cash_flow_first_year"]) == -443_363           # the figure
    assert m["net_cash_flow_first_year"] == pytest.approx(res.yearly()["net_cash_flow"].iloc[0])
    # the year-1 breakeven fee is on that basis: the fee at which year 1 after financing is 0
    fee1 = float(m["breakeven_fee_rate_first_year"])
    sc = fundmodel.load_scenario(GUANGAN, [f"operations.property_fee.rate_per_m2_month={fee1!r}"])
    assert abs(fundmodel.evaluate(sc).metrics.loc[0, "net_cash_flow_first_year"]) < 1e-6


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_prints_it_beside_the_surplus_and_states_the_basis(tmp_path, capsys, lang):
    file = tmp_path / "small.yaml"
    file.write_text(yaml.safe_dump(small()), encoding="utf-8")
    out = run_words(capsys, "run", file, "--lang", lang, "--out", tmp_path / "out",
                    "--excel", tmp_path / "small.xlsx")
    row = text("operations.after_financing_deficit", lang)        # −1,950 < 0
    assert f"{row} │ -1,950 │" in out
    assert "11,000" in out                                         # the operating surplus
    assert " ".join(text("operations.breakeven_basis", lang).split()) in out
    assert "0.66" in out                                           # the year-1 breakeven fee
    # exported: summary.csv and metrics.csv, and the workbook's summary sheet with the basis
    # (the files are written in the run's language: rows and columns by their labels)
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col=0, encoding="utf-8-sig")
    assert summary.loc[label("net_cash_flow_first_year", lang)].iloc[1] == pytest.approx(
        AFTER, rel=1e-9)                                       # the mean, after the unit
    per_draw = pd.read_csv(tmp_path / "out" / "metrics.csv", index_col=0, encoding="utf-8-sig")
    assert per_draw[header("net_cash_flow_first_year", lang)].iloc[0] == pytest.approx(
        AFTER, rel=1e-9)
    wb = openpyxl.load_workbook(tmp_path / "small.xlsx")
    cells = [c for row in wb[label("sheet.summary", lang)].iter_rows(values_only=True)
             for c in row]
    assert text("operations.breakeven_basis", lang) in cells
    name = label("net_cash_flow_first_year", lang)
    rows = [row for row in wb[label("sheet.summary", lang)].iter_rows(values_only=True)
            if isinstance(row[0], str) and row[0].startswith(name)]
    assert len(rows) == 1 and AFTER in [pytest.approx(v, rel=1e-9) for v in rows[0]
                                        if isinstance(v, float)]


def test_monte_carlo_table_has_the_row(capsys):
    out = run_words(capsys, "run", GUANGAN, "--draws", "64", "--seed", "3")
    assert "year 1 after financing (CNY/year)" in out   # the declared label and unit
    assert " ".join(text("operations.breakeven_basis").split()) in out


def test_no_financing_no_extra_row(capsys):
    out = run_words(capsys, "run", STANDALONE)
    assert "after financing" not in out
