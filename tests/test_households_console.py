"""`fundmodel run` shows the residents' votes and what a household pays by floor: the numbers
are the library's own (Result.decisions(), Result.households(), Result.channels())."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

import fundmodel
from fundmodel.export.console import MAX_BALLOT_ROWS, MAX_BUILDING_COLUMNS

from cli_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
LIFT = ROOT / "scenarios" / "lift-retrofit.yaml"
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"


def money(x: float) -> str:
    return f"{x:,.0f}"


def table_rows(text: str, title: str) -> list[list[str]]:
    """The body rows of the table under ``title``: each row's cells, stripped."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rows, body = [], False
    for line in lines[start + 1:]:
        if line.startswith("┡"):
            body = True
        elif line.startswith("└"):
            return rows
        elif body and line.startswith("│"):
            rows.append([c.strip() for c in line.strip("│").split("│")])
    raise AssertionError(f"no end of the table {title!r}")


@pytest.fixture(scope="module")
def lift():
    return fundmodel.evaluate(fundmodel.load_scenario(LIFT))


@pytest.mark.story
def test_votes_and_floors_of_the_lift_retrofit(capsys, lift):
    rc, out, _ = run_cli(capsys, "run", LIFT)
    assert rc == 0
    decisions = lift.decisions()
    votes = table_rows(out, "Votes")
    assert len(votes) == len(decisions) == 3
    for cells, ((decision, building), row) in zip(votes, decisions.iterrows()):
        assert cells == [decision, building, str(int(row["households"])),
                         "yes" if row["passed"] else "NO", money(row["wtp_threshold_cny"])]
    assert votes[0][-1] == "47,800"                      # the README's threshold
    # the three stairs pay alike: one column, top floor first
    floors = table_rows(out, "Cost per household by floor")
    hh = lift.households().loc["stair 1"]
    assert [c[0] for c in floors] == ["6", "5", "4", "3", "2", "1"]
    for cells in floors:
        row = hh.loc[int(cells[0])]
        assert cells[1:] == [str(int(row["households"])), money(row["cost_per_household_cny"]),
                             money(row["loan_payment_per_month_cny"])]
    assert floors[0][2:] == ["79,667", "786"]            # "floor 6 pays X" (the README's)
    assert "The same in stair 1, stair 2, stair 3" in out
    channels = lift.channels()["amount_cny"]
    assert (f"Residents pay {money(channels['total'])} CNY: cash {money(channels['cash'])}, "
            f"repairs fund {money(channels['repairs_fund'])}, provident fund "
            f"{money(channels['provident_fund'])}, loan {money(channels['loan'])}.") \
        in " ".join(out.split())
    # the tables come between the funding and the operations
    assert out.index("Funding gap") < out.index("Votes") < out.index("First operating year")


def test_monte_carlo_shows_p_pass(capsys):
    rc, out, _ = run_cli(capsys, "run", LIFT, "--draws", "300", "--seed", "7")
    assert rc == 0
    result = fundmodel.simulate(fundmodel.load_scenario(LIFT), draws=300, seed=7)
    decisions = result.decisions()
    assert "Votes over 300 draws" in out
    votes = table_rows(out, "Votes over")
    for cells, ((decision, building), row) in zip(votes, decisions.iterrows()):
        assert cells == [decision, building, str(int(row["households"])), f"{row['p_pass']:.3f}",
                         f"{row['mcse']:.3f}", money(row["wtp_threshold_cny"])]
    # each stair drew its own votes: one column per stair, the mean where it is built
    floors = table_rows(out, "Cost per household by floor")
    hh = result.households()
    header = out.split("Cost per household by floor")[1].splitlines()[2]
    assert [h.strip() for h in header.strip("┃").split("┃")] == ["Floor", "stair 1", "stair 2",
                                                                 "stair 3"]
    for cells in floors:
        f = int(cells[0])
        assert cells[1:] == [money(hh.loc[(b, f), "cost_if_built_cny"])
                             for b in ("stair 1", "stair 2", "stair 3")]
    assert "Means over the draws in which the household's items are built" in out


def test_no_households_no_votes(capsys):
    rc, out, _ = run_cli(capsys, "run", STANDALONE)
    assert rc == 0
    assert "Votes" not in out and "Cost per household by floor" not in out
    rc, out, _ = run_cli(capsys, "run", STANDALONE, "--draws", "200", "--seed", "1")
    assert rc == 0
    assert "Votes" not in out and "by floor" not in out


def test_a_vote_that_fails(capsys):
    """A willingness to pay of 20,000 for everyone: only floors 1 and 2 (shares 0 and 15,933)
    say yes, 4 of 12 — short of 2/3."""
    wtp = "households.decisions[0].willingness_to_pay_cny=20000"
    rc, out, _ = run_cli(capsys, "run", LIFT, "--set", wtp)
    assert rc == 0
    votes = table_rows(out, "Votes")
    assert [c[3] for c in votes] == ["NO"] * 3
    floors = table_rows(out, "Cost per household by floor")
    assert {c[2] for c in floors} == {"–"}
    assert "– where the household's items are voted down" in out
    assert "Loan (CNY/month)" not in out and "Residents pay" not in out


def test_without_decisions_only_the_floors(capsys):
    rc, out, _ = run_cli(capsys, "run", LIFT, "--set", "households.decisions=[]")
    assert rc == 0
    assert "Votes" not in out
    assert table_rows(out, "Cost per household by floor")[0][2] == "79,667"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_buildings_that_pay_differently_and_a_compound_vote(tmp_path, capsys):
    """Stair 3 has 5 floors: a household on floor k pays (k − 1)/20 of its stair's part, (k −
    1)/(2 × (0 + 1 + ... + 4)), where the 6-floor stairs' pay (k − 1)/30; everyone is willing
    to pay a million, so every stair passes. The stairwells are voted by the whole compound."""
    data = yaml.safe_load(LIFT.read_text(encoding="utf-8"))
    data["compound"]["households"] = 34
    data["households"]["buildings"][2]["floors"] = 5
    data["households"]["decisions"][0]["willingness_to_pay_cny"] = 10**6
    data["households"]["decisions"].append(
        {"name": "stairwells", "kind": "other", "items": ["stairwell repainting and handrails"],
         "willingness_to_pay_cny": 1000})
    rc, out, _ = run_cli(capsys, "run", _write(tmp_path, data))
    assert rc == 0, out
    votes = table_rows(out, "Votes")
    assert votes[-1][:3] == ["stairwells", "whole compound", "34"]
    header = out.split("Cost per household by floor")[1].splitlines()[2]
    assert [h.strip() for h in header.strip("┃").split("┃")] == ["Floor", "stair 1, stair 2",
                                                                 "stair 3"]
    floors = table_rows(out, "Cost per household by floor")
    assert floors[0] == ["6", "79,667", ""]              # stair 3 has no sixth floor
    # each stair's part: its lift, (600,000 + 680,000 + 800,000)/3 × 1.05 = 728,000 at the
    # point estimate, less 250,000 of subsidies: 478,000; floor 5 of stair 3 pays 4/20 of it, floor 6 of stair 1 5/30
    assert floors[0][1] == money(478_000 * 5 / 30)
    assert floors[1] == ["5", money(478_000 * 4 / 30), money(478_000 * 4 / 20)]


def test_many_buildings_are_cut_short(tmp_path, capsys):
    """20 stairs of 2 to 21 floors: each pays differently, so only the first columns are
    shown; 20 ballots, of which the first are shown."""
    data = yaml.safe_load(LIFT.read_text(encoding="utf-8"))
    data["households"]["buildings"] = [
        {"name": f"s{i}", "floors": 2 + i, "units_per_floor": 1, "area_per_unit_m2": 65}
        for i in range(20)]
    data["compound"].update(households=sum(2 + i for i in range(20)), buildings=20)
    data["renovation"]["items"][0]["quantity"] = 20
    data["households"]["decisions"][0]["willingness_to_pay_cny"] = 10**6
    rc, out, _ = run_cli(capsys, "run", _write(tmp_path, data))
    assert rc == 0, out
    assert len(table_rows(out, "Votes")) == MAX_BALLOT_ROWS
    assert f"and {20 - MAX_BALLOT_ROWS} more ballots" in out
    header = out.split("Cost per household by floor")[1].splitlines()[2]
    assert [h.strip() for h in header.strip("┃").split("┃")] == \
        ["Floor", *[f"s{i}" for i in range(MAX_BUILDING_COLUMNS)]]
    assert f"{20 - MAX_BUILDING_COLUMNS} more buildings" in out
    assert len(table_rows(out, "Cost per household by floor")) == 21
