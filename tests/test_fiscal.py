"""The fiscal view: the government's commitments by year, their present value, and the share of
a level's general public budget the project takes against a ceiling (``Result.fiscal()``)."""

from __future__ import annotations

import numpy as np
import pytest

import fundmodel
from fundmodel.engine.ledger import GOVERNMENT_PARTIES
from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS
from fundmodel.export import result_tables
from malformed import ROOT, check_cli_rejects, edit, line_of, load_issues, write

LIUBEI = ROOT / "scenarios" / "liubei-soe-dormitory.yaml"
LIUBEI_TEXT = LIUBEI.read_text(encoding="utf-8")
ANCHOR = "\nsimulation:\n"
# The finance bureau's outlay (README): 1,095,521 CNY in 2022 and 814,583 CNY in 2023.
OUTLAY = {2022: 1_095_521.0, 2023: 814_583.0}
NOMINAL = 1.03 * 1.02 - 1.0   # discount_rate 0.03 real, inflation 0.02


def with_fiscal(tmp_path, block: str):
    return write(tmp_path, edit(ANCHOR, "\nfiscal:\n" + block + ANCHOR, LIUBEI_TEXT))


def test_the_levels_are_the_ledgers():
    assert GOVERNMENT_LEVELS == GOVERNMENT_PARTIES


def test_commitments_by_year_and_their_present_value():
    result = fundmodel.evaluate(fundmodel.load_scenario(LIUBEI))
    table = result.fiscal()
    assert list(table.index) == [2022, 2023]
    for year, amount in OUTLAY.items():
        # the district's bridge of the central batches is a column of its own (issue 19):
        # the subsidies and the bridge together are the outlay
        assert (table.loc[year, "subsidies"] + table.loc[year, "bridge"]
                == pytest.approx(amount, abs=1.0))
        assert table.loc[year, "net_commitment"] == pytest.approx(amount, abs=1.0)
    assert table["bridge"].sum() == pytest.approx(0.0, abs=1e-6)
    assert (table[["debt_service", "guarantee_calls", "revenue_received"]] == 0).all().all()
    pv = OUTLAY[2022] + OUTLAY[2023] / (1 + NOMINAL)
    assert table.attrs["pv_commitments"] == pytest.approx(pv, abs=2.0)
    # the same money as the government's view by level
    assert np.allclose(table["subsidies"] + table["bridge"], result.government()["total"])


def test_budget_share_against_the_ceiling(tmp_path):
    file = with_fiscal(tmp_path, "  general_budget_per_year: 1.0e7\n  budget_growth: 0.05\n"
                                 "  ceiling_share: 0.10\n")
    result = fundmodel.evaluate(fundmodel.load_scenario(file))
    table = result.fiscal()
    gov = result.government()     # the district's match, and its bridge of the central batches
    city = gov["city_district_government"] + gov["bridge"]
    assert table.loc[2022, "budget"] == 1.0e7
    assert table.loc[2023, "budget"] == pytest.approx(1.05e7)
    assert np.allclose(table["budget_share"], city / np.array([1e7, 1.05e7]))
    assert list(table["exceeds_ceiling"]) == list(city / np.array([1e7, 1.05e7]) > 0.10)


def test_a_tight_ceiling_is_exceeded(tmp_path):
    # the central level's outlay against budgets of 1e6 and 1e7: the first year exceeds half
    file = with_fiscal(tmp_path, "  level: central_government\n  by_year: [1.0e6, 1.0e7]\n"
                                 "  ceiling_share: 0.5\n")
    result = fundmodel.evaluate(fundmodel.load_scenario(file))
    central = result.government()["central_government"].to_numpy()
    table = result.fiscal()
    assert np.allclose(table["budget_share"], central / np.array([1e6, 1e7]))
    assert list(table["exceeds_ceiling"]) == [central[0] / 1e6 > 0.5, central[1] / 1e7 > 0.5]
    assert table["exceeds_ceiling"].iloc[0]


def test_budget_by_year_and_one_level(tmp_path):
    file = with_fiscal(tmp_path, "  level: central_government\n"
                                 "  by_year: [2.0e7, 4.0e7]\n")
    result = fundmodel.evaluate(fundmodel.load_scenario(file))
    table = result.fiscal()
    central = result.government()["central_government"]
    assert np.allclose(table["net_commitment"], central)
    assert np.allclose(table["budget_share"], central / np.array([2e7, 4e7]))


def test_the_cli_prints_and_writes_the_fiscal_view(tmp_path, capsys):
    file = with_fiscal(tmp_path, "  general_budget_per_year: 1.0e7\n")
    out = tmp_path / "out"
    assert fundmodel.cli.main(["run", str(file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # the level by its label (issue 19), not its identifier
    flat = " ".join(printed.split())  # the title may wrap
    assert "Government commitments" in flat and "City or district government" in flat
    assert "city_district_government" not in printed
    assert (out / "fiscal.csv").exists()


def test_no_fiscal_table_without_a_reason():
    result = fundmodel.evaluate(fundmodel.load_scenario(LIUBEI))
    assert not result.has_financing and "fiscal" not in result_tables(result)


CASES = [
    ("no-budget", "  ceiling_share: 0.1\n", "fiscal",
     "give general_budget_per_year or by_year", "  ceiling_share: 0.1"),
    ("zero-budget", "  general_budget_per_year: 0\n", "fiscal.general_budget_per_year",
     "a budget of 0", "  general_budget_per_year: 0"),
    ("negative-budget", "  general_budget_per_year: -5\n", "fiscal.general_budget_per_year",
     "", "  general_budget_per_year: -5"),
    ("ceiling-zero", "  general_budget_per_year: 1e7\n  ceiling_share: 0\n",
     "fiscal.ceiling_share", "", "  ceiling_share: 0"),
    ("ceiling-too-big", "  general_budget_per_year: 1e7\n  ceiling_share: 150\n",
     "fiscal.ceiling_share", "", "  ceiling_share: 150"),
    ("unknown-level", "  level: township\n  general_budget_per_year: 1e7\n",
     "fiscal.level", "", "  level: township"),
    ("zero-in-by-year", "  by_year: [1e7, 0]\n", "fiscal.by_year[1]", "a budget of 0",
     "  by_year: [1e7, 0]"),
    ("by-year-empty", "  by_year: []\n", "fiscal.by_year", "", "  by_year: []"),
    ("unknown-key", "  general_budget_per_year: 1e7\n  ceilling_share: 0.1\n",
     "fiscal.ceilling_share", "", "  ceilling_share: 0.1"),
]


@pytest.mark.parametrize("block, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_fiscal(tmp_path, capsys, block, path, phrase, at):
    file = with_fiscal(tmp_path, block)
    text = file.read_text(encoding="utf-8")
    issues = load_issues(file)
    assert len(issues) == 1, "\n".join(map(str, issues))
    [issue] = issues
    assert issue.path == path, str(issue)
    assert issue.line == line_of(text, at), str(issue)
    assert phrase in issue.message
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", f" {path}: ", phrase)


def test_debt_csv_is_written_with_a_loan(tmp_path, capsys):
    out = tmp_path / "out"
    assert fundmodel.cli.main(["run", str(ROOT / "scenarios" / "special-bond-plan.yaml"),
                               "--out", str(out)]) == 0
    import pandas as pd
    debt = pd.read_csv(out / "debt.csv", encoding="utf-8-sig")
    assert len(debt) == 15 and set(debt["debt"]) == {"special bond"}
    # the principal is repaid in full over the term
    bond = fundmodel.evaluate(fundmodel.load_scenario(ROOT / "scenarios" / "special-bond-plan.yaml"))
    assert debt["principal"].sum() == pytest.approx(
        bond.metrics.loc[0, "debt[special bond].amount"], rel=1e-9)
