"""A programme's package in the phasing plan: the compounds under one pooled instrument start
in the same year or not at all (``together``), worked by hand, and a plan of the programme
story runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel.errors import ModelError
from fundmodel.portfolio.phasing import phase, phase_robust

ROOT = Path(__file__).resolve().parents[1]
LEVEL = ("central_government",)


def test_a_group_starts_together_or_not_at_all():
    """Costs 6, 6, 3, 3 (one-year works), weights 5, 5, 1, 1, a budget of 10 in each of two
    years. Alone: 6 + 3 a year, everything served (12). With compounds 0 and 1 together they
    need 12 in one year, more than 10: only 2 and 3 are served (2). With 13 in the first year
    the pair fits there and 2 and 3 go to the second (12)."""
    cost = np.array([[6.0], [6.0], [3.0], [3.0]])
    weight = np.array([5.0, 5.0, 1.0, 1.0])
    alone = phase(cost, np.array([[10.0, 10.0]]), weight, years=[2025, 2026], levels=LEVEL)
    assert alone.objective == 12.0 and alone.start_year[0] != alone.start_year[1]
    pair = phase(cost, np.array([[10.0, 10.0]]), weight, years=[2025, 2026], levels=LEVEL,
                 together=[[0, 1]])
    assert pair.objective == 2.0
    assert pair.start_year[0] == pair.start_year[1] == -1
    roomy = phase(cost, np.array([[13.0, 10.0]]), weight, years=[2025, 2026], levels=LEVEL,
                  together=[["0", "1"]])
    assert roomy.start_year.tolist() == [2025, 2025, 2026, 2026] and roomy.objective == 12.0


def test_groups_sharing_a_compound_are_one_group_and_a_start_allowed_to_one_binds_all():
    """[0, 1] and [1, 2] are one group; compound 2 may start only in 2026 (earliest), so the
    three start in 2026 (budget 20 there), compound 3 in 2025."""
    cost = np.full((4, 1), 5.0)
    plan = phase(cost, np.array([[20.0, 20.0]]), np.ones(4), years=[2025, 2026], levels=LEVEL,
                 together=[[0, 1], [1, 2]], earliest=[2025, 2025, 2026, 2025])
    assert plan.start_year.tolist()[:3] == [2026] * 3 and plan.objective == 4.0


def test_a_group_with_tiers_and_in_the_robust_plan():
    """With tiers, the group's compounds start together whatever tier each takes; the robust
    plan keeps groups too."""
    cost = np.array([[[6.0], [9.0]], [[6.0], [9.0]], [[3.0], [4.0]]])     # (C, T, L)
    plan = phase(cost, np.array([[12.0, 12.0]]), np.ones(3), years=[2025, 2026], levels=LEVEL,
                 tiers=("basic", "complete"), together=[[0, 1]])
    assert plan.start_year[0] == plan.start_year[1] >= 0
    draws = np.stack([cost[:, 0] * f for f in (0.9, 1.0, 1.1)])          # (D, C, L)
    robust = phase_robust(draws, np.array([[12.0, 12.0]]), np.ones(3), years=[2025, 2026],
                          levels=LEVEL, together=[[0, 1]], max_overrun_probability=0.0)
    assert robust.start_year[0] == robust.start_year[1]


@pytest.mark.parametrize("together, phrase", [([["Z"]], "no compound has id 'Z'"),
                                              ([[0, 9]], "neither a compound's id nor an index")])
def test_malformed_groups(together, phrase):
    with pytest.raises(ModelError, match=phrase):
        phase(np.ones((2, 1)), np.array([[5.0]]), np.ones(2), years=[2025], levels=LEVEL,
              together=together)


def _programme_with_plan(tmp_path, central_budget, tiers=False):
    text = (ROOT / "scenarios" / "xinghualing-district-programme.yaml").read_text("utf-8")
    csv = (ROOT / "scenarios" / "xinghualing-street8-compounds.csv").read_text("utf-8")
    if tiers:                        # the first compound of the package may be upgraded
        lines = csv.splitlines()
        lines[0] += ",tiers_allowed"
        lines[1:] = [line + (",basic upgrade" if i == 0 else ",") for i, line in
                     enumerate(lines[1:])]
        csv = "\n".join(lines) + "\n"
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "xinghualing-street8-compounds.csv").write_text(csv, "utf-8")
    text = text.replace("  service_areas:", "  phasing: {first_year: 2025, years: 3, "
                        f"budgets_cny: {{central_government: {central_budget}}}, "
                        "weight: households"
                        + (", tier_weights: {basic: 1, upgrade: 2}" if tiers else "")
                        + "}\n  service_areas:")
    path = tmp_path / "p.yaml"
    path.write_text(text, "utf-8")
    return fundmodel.load_scenario(path)


def test_the_programme_is_planned_with_its_package_together(tmp_path):
    """Street 8 within 30 M CNY a year of central money: the bond's 31 compounds (50
    households or more) start in one year, and the plan runs — the package's cover is
    computed on the 31 of them."""
    sc = _programme_with_plan(tmp_path, 30_000_000)
    plan = fundmodel.plan_portfolio(sc)
    package = np.asarray(sc.portfolio.table.households) >= 50
    starts = np.unique(plan.start_year[package])
    assert starts.size == 1 and starts[0] >= 2025
    res = fundmodel.simulate_portfolio(sc, draws=8, start_years=plan.start_year)
    assert res.programme["debt[programme bond].coverage_net"].notna().all()
    # too little money for the package in any year: it is left out as a whole
    small = fundmodel.plan_portfolio(_programme_with_plan(tmp_path / "s", 20_000_000))
    assert (small.start_year[package] == -1).all() and (small.start_year >= 0).any()


def test_the_plan_does_not_choose_the_tier_of_a_package_member(tmp_path):
    sc = _programme_with_plan(tmp_path, 30_000_000, tiers=True)
    first = sc.portfolio.table.ids[int(np.argmax(np.asarray(sc.portfolio.table.households)
                                                 >= 50))]
    with pytest.raises(ModelError, match=rf"cannot choose the tier of '{first}' .*line \d+"):
        fundmodel.plan_portfolio(sc)
