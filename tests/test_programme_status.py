"""Programme status and tiers in files (issue 21, part 5): the compounds table's ``status``,
``start_year``, ``required`` and ``tiers_allowed`` columns feed the phasing plan and the run;
hand-worked districts of 2 to 4 compounds whose right plan is clear by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fundmodel.cli import main
from fundmodel.errors import ScenarioError
from fundmodel.io.compounds_table import read_compounds_table
from fundmodel.portfolio import plan_portfolio
from fundmodel.portfolio.evaluation import evaluate_portfolio, simulate_portfolio
from fundmodel.portfolio.memory import PLAN_BYTES_PER_NONZERO, planning_memory_estimate
from fundmodel.portfolio.phasing import phase
from fundmodel.scenario import load_scenario

# Works cost 10,000 CNY a household at the basic tier, + 5,000 at complete, + 15,000 at
# upgrade (so 10,000 / 15,000 / 30,000 CNY a household up to each tier), one year of works,
# all paid by the district (local_budget, share 1): a compound of h households costs the
# district 10,000·h CNY at basic.
SCENARIO = """\
name: small-district
start_year: 2025
horizon_years: 5
discount_rate: 0.04
inflation: 0.0
renovation:
  items:
    - {{name: pipes, tier: basic, unit: household, unit_cost: 10000,
       quantity_rule: {{per: households}}}}
    - {{name: roads, tier: complete, unit: household, unit_cost: 5000,
       quantity_rule: {{per: households}}}}
    - {{name: lifts, tier: upgrade, unit: household, unit_cost: 15000,
       quantity_rule: {{per: households}}}}
funding:
  - source: local_budget
    share: 1.0
operations:
  property_fee: {{rate_per_m2_month: 0.5, collection_rate: 0.8}}
simulation: {{draws: 20, seed: 3}}
portfolio:
  compounds: c.csv
{phasing}"""

DISTRICT = "city_district_government"


def _phasing(years: int, budget: float, extra: str = "") -> str:
    return (f"  phasing:\n    first_year: 2025\n    years: {years}\n"
            f"    budgets_cny: {{{DISTRICT}: {budget:.0f}}}\n{extra}")


def _write(tmp_path, csv_text: str, phasing: str = ""):
    (tmp_path / "c.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "d.yaml").write_text(SCENARIO.format(phasing=phasing), encoding="utf-8")
    return tmp_path / "d.yaml"


def _load(tmp_path, csv_text: str, phasing: str = ""):
    return load_scenario(_write(tmp_path, csv_text, phasing))


def _district_outlay(plan) -> np.ndarray:
    return plan.outlay_cny[plan.levels.index(DISTRICT)]


# --- status -----------------------------------------------------------------------------------

def test_a_done_compound_costs_nothing_in_the_plan(tmp_path):
    """A (100 households) was renovated before the plan; B, C, D cost 2,000,000 + 500,000 +
    800,000 = 3,300,000 CNY, exactly the one year's budget: all three are planned, A is not,
    and A's 1,000,000 is in no budget (with A planned, the budget could not hold all four)."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned,status\n"
                         "A,100,5000,basic,done\nB,200,9000,basic,\nC,50,3000,basic,planned\n"
                         "D,80,4000,basic,\n", _phasing(1, 3_300_000))
    plan = plan_portfolio(sc)
    assert plan.start_year.tolist() == [-1, 2025, 2025, 2025]
    assert _district_outlay(plan).tolist() == [2_000_000 + 500_000 + 800_000]
    row = plan.table.set_index("id").loc["A"]
    assert row["status"] == "done" and row["cost_cny"] == 0 and row["weight"] == 0
    assert plan.weight_total == 200 + 50 + 80          # the plan covers what is left
    from fundmodel.labels import localize
    zh = localize(plan.table, "zh")
    assert zh["改造状态"].tolist() == ["已完成", "计划", "计划", "计划"]
    # the run leaves A out (done) also without a plan
    res = evaluate_portfolio(sc)
    assert res.compounds["id"].tolist() == ["B", "C", "D"]


def test_an_under_way_compound_starts_in_its_year(tmp_path):
    """B is under way since 2026. Budgets of 3,000,000 CNY in 2025 and in 2026 would let every
    compound start in 2025 (2,000,000 + 500,000 + 500,000), and serving early would put them
    all there; B's fixed year keeps it in 2026, C and D start in 2025."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned,status,start_year\n"
                         "B,200,9000,basic,under_way,2026\nC,50,3000,basic,,\n"
                         "D,50,3000,basic,,\n", _phasing(2, 3_000_000))
    assert sc.portfolio.table.required.tolist() == [True, False, False]
    plan = plan_portfolio(sc)
    assert plan.start_year.tolist() == [2026, 2025, 2025]
    assert _district_outlay(plan).tolist() == [1_000_000, 2_000_000]
    # without a plan, the run keeps the fixed year: B's works in 2026, the others in 2025
    res = evaluate_portfolio(sc)
    assert res.compounds["start_year"].tolist() == [2026, 2025, 2025]


def test_a_required_planned_compound_is_in_the_plan(tmp_path):
    """One year, 2,100,000 CNY. Unconstrained, B alone (200 households, 2,000,000) is best:
    A + D serve 180, A + C 150. With C required (500,000), 1,600,000 is left: A (100, 1,000,000)
    beats D (80, 800,000) and B no longer fits; the plan is A + C, 150 households."""
    csv_text = ("id,households,floor_area_m2,tier_planned,required\n"
                "A,100,5000,basic,\nB,200,9000,basic,no\nC,50,3000,basic,{c}\n"
                "D,80,4000,basic,\n")
    free = plan_portfolio(_load(tmp_path, csv_text.format(c=""), _phasing(1, 2_100_000)))
    assert free.start_year.tolist() == [-1, 2025, -1, -1]
    plan = plan_portfolio(_load(tmp_path, csv_text.format(c="yes"), _phasing(1, 2_100_000)))
    assert plan.start_year.tolist() == [2025, -1, 2025, -1]
    assert plan.objective == 100 + 50
    assert plan.table["required"].tolist() == [False, False, True, False]


def test_a_planned_start_year_fixes_the_year(tmp_path):
    """C is planned with start_year 2026: the plan may start it only then (it would be served
    earlier otherwise); not required, it is in the plan because the budget has room."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned,start_year\n"
                         "B,200,9000,basic,\nC,50,3000,basic,2026\n", _phasing(2, 3_000_000))
    plan = plan_portfolio(sc)
    assert plan.start_year.tolist() == [2025, 2026]


def test_without_programme_columns_nothing_changes(tmp_path):
    """A table without the programme columns: no status column in the plan, every compound
    starts in start_year in a run without a plan, tiers_allowed is tier_planned alone."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned\nA,100,5000,complete\n"
                         "B,50,3000,\n", _phasing(1, 10_000_000))
    table = sc.portfolio.table
    assert not table.has_programme
    assert table.status == ("planned", "planned")
    assert table.tiers_allowed == (("complete",), ("upgrade",))
    plan = plan_portfolio(sc)
    assert "status" not in plan.table.columns and "tier" not in plan.table.columns
    assert plan.tier is None
    assert evaluate_portfolio(sc).compounds["start_year"].tolist() == [2025, 2025]


def test_the_table_reads_status_words_and_aliases(tmp_path):
    (tmp_path / "t.csv").write_text(
        "编号,户数,建筑面积,改造状态,开工年份,必须改造\nA,10,500,已完成,2019,\n"
        "B,10,500,在建,2025,\nC,10,500,计划,,是\nD,10,500,Under_Way,2026,yes\n",
        encoding="utf-8")
    t = read_compounds_table(tmp_path / "t.csv")
    assert t.status == ("done", "under_way", "planned", "under_way")
    assert t.required.tolist() == [False, True, True, True]
    assert np.isnan(t.start_year[2]) and t.start_year[[0, 1, 3]].tolist() == [2019, 2025, 2026]
    assert t.take([3, 0]).status == ("under_way", "done")


# --- malformed values: one located issue each, exit 2, nothing written ----------------------

BAD_TABLES = [
    # (table, expected location and words)
    ("id,households,floor_area_m2,status\nA,10,500,finished\nB,10,500,\n",
     "c.csv:2:4 compounds[0].status", "is not a status"),
    ("id,households,floor_area_m2,status,start_year\nA,10,500,,\nB,10,500,under_way,\n",
     "c.csv:3:5 compounds[1].start_year", "needs its start_year"),
    ("id,households,floor_area_m2,status\nA,10,500,\nB,10,500,under_way\n",
     "c.csv:3:4 compounds[1].start_year", "needs its start_year"),
    ("id,households,floor_area_m2,start_year\nA,10,500,2031\nB,10,500,\n",
     "c.csv:2:4 compounds[0].start_year", "outside the plan's years 2025–2026"),
    ("id,households,floor_area_m2,start_year\nA,10,500,2024\nB,10,500,\n",
     "c.csv:2:4 compounds[0].start_year", "outside the plan's years 2025–2026"),
    ("id,households,floor_area_m2,status,required\nA,10,500,done,yes\nB,10,500,,\n",
     "c.csv:2:5 compounds[0].required", "a done compound"),
    ("id,households,floor_area_m2,status,start_year,required\nA,10,500,under_way,2025,no\n",
     "c.csv:2:6 compounds[0].required", "always in the plan"),
    ("id,households,floor_area_m2,tiers_allowed\nA,10,500,basic luxe\n",
     "c.csv:2:4 compounds[0].tiers_allowed", "'luxe'"),
    ("id,households,floor_area_m2,tier_planned,tiers_allowed\nA,10,500,upgrade,basic complete\n",
     "c.csv:2:4 compounds[0].tier_planned", "not among the tiers allowed"),
    ("id,households,floor_area_m2,tiers_allowed\nA,10,500,basic upgrade\n",
     "c.csv:2:4 compounds[0].tiers_allowed", "give portfolio.phasing.tier_weights"),
]


@pytest.mark.parametrize("csv_text, where, words", BAD_TABLES)
def test_malformed_programme_values_are_located(tmp_path, capsys, csv_text, where, words):
    path = _write(tmp_path, csv_text, _phasing(2, 1e7))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert len(info.value.issues) == 1
    status = main(["district", str(path), "--draws", "20", "-q", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert where in err and words in err, err
    assert not (tmp_path / "o").exists()


def test_a_start_year_without_a_plan_must_be_in_the_run(tmp_path, capsys):
    """Without phasing, a fixed start year must lie from the scenario's start_year on."""
    path = _write(tmp_path, "id,households,floor_area_m2,start_year\nA,10,500,2020\n")
    status = main(["district", str(path), "--draws", "20", "-q", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and "c.csv:2:4 compounds[0].start_year" in err
    assert "2025 (the scenario's start_year)" in err
    assert not (tmp_path / "o").exists()


def test_works_spilling_past_the_plan_are_located(tmp_path):
    """Two-year works (the pipes built over 2 years) fixed to start in the plan's last year
    would end after it."""
    path = _write(tmp_path, "id,households,floor_area_m2,start_year\nA,10,500,2026\n",
                  _phasing(2, 1e7))
    text = path.read_text(encoding="utf-8").replace(
        "quantity_rule: {per: households}}\n    - {name: roads",
        "quantity_rule: {per: households}, build_years: 2}\n    - {name: roads", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (issue,) = info.value.issues
    assert issue.path == "compounds[0].start_year" and "would end in 2027" in issue.message


# --- tiers chosen by the plan -----------------------------------------------------------------

TIERED = ("id,households,floor_area_m2,tier_planned,tiers_allowed\n"
          "A,100,5000,basic,basic upgrade\nB,80,4000,basic,\n")


def _tier_weights(upgrade: float) -> str:
    return f"    tier_weights: {{basic: 1, upgrade: {upgrade}}}\n"


@pytest.mark.parametrize("upgrade, budget, tiers, starts, objective", [
    # A at upgrade costs 30,000 × 100 = 3,000,000 and is worth 100 × w; A and B at basic cost
    # 1,000,000 + 800,000 = 1,800,000 and are worth 100 + 80 = 180.
    (2.0, 3_000_000, ("upgrade", ""), [2025, -1], 200.0),        # 200 > 180
    (1.6, 3_000_000, ("basic", "basic"), [2025, 2025], 180.0),   # 160 < 180: not worth it
    (2.0, 2_500_000, ("basic", "basic"), [2025, 2025], 180.0),   # upgrade does not fit
    (2.0, 3_800_000, ("upgrade", "basic"), [2025, 2025], 280.0),  # room for both: 200 + 80
])
def test_the_plan_chooses_the_tier(tmp_path, upgrade, budget, tiers, starts, objective):
    sc = _load(tmp_path, TIERED, _phasing(1, budget, _tier_weights(upgrade)))
    plan = plan_portfolio(sc)
    assert plan.tier == tiers
    assert plan.start_year.tolist() == starts
    assert plan.objective == pytest.approx(objective, rel=1e-12)
    assert plan.table["tier"].fillna("").tolist() == list(tiers)
    cost = {"upgrade": 3_000_000, "basic": 1_000_000}[tiers[0]] + (800_000 if tiers[1] else 0)
    assert _district_outlay(plan).tolist() == [cost]


def test_the_run_takes_the_chosen_tier(tmp_path):
    """The run at the plan's tiers: A's works at upgrade cost 3,000,000 CNY, at its
    tier_planned (basic) 1,000,000."""
    sc = _load(tmp_path, TIERED, _phasing(1, 3_800_000, _tier_weights(2.0)))
    plan = plan_portfolio(sc)
    res = evaluate_portfolio(sc, start_years=plan.start_year, tiers=plan.tier)
    assert res.compounds["capex_total"].tolist() == [3_000_000, 800_000]
    plain = evaluate_portfolio(sc, start_years=plan.start_year)
    assert plain.compounds["capex_total"].tolist() == [1_000_000, 800_000]
    sim = simulate_portfolio(sc, 20, start_years=plan.start_year, tiers=plan.tier)
    assert sim.compounds["capex_total_mean"].tolist() == [3_000_000, 800_000]
    assert sim.compounds["tier"].tolist() == ["upgrade", "basic"]
    assert "tier" not in simulate_portfolio(sc, 20).compounds.columns


def test_the_cli_runs_the_chosen_tiers(tmp_path, capsys):
    path = _write(tmp_path, TIERED, _phasing(1, 3_800_000, _tier_weights(2.0)))
    status = main(["district", str(path), "--draws", "20", "-q", "--out", str(tmp_path / "o")])
    assert status == 0, capsys.readouterr().err
    plan = (tmp_path / "o" / "plan.csv").read_text(encoding="utf-8")
    assert "tier" in plan.splitlines()[0]
    import pandas as pd
    compounds = pd.read_csv(tmp_path / "o" / "compounds.csv")
    assert compounds["capex_total_mean"].tolist() == [3_000_000, 800_000]


def test_planning_memory_counts_the_tiers(tmp_path):
    """A allows 2 tiers, B 1: 3 options × 1 plan year × (1 + 4 levels × 1 year of works)
    non-zeros; the costs at 2 tiers."""
    sc = _load(tmp_path, TIERED, _phasing(1, 3_800_000, _tier_weights(2.0)))
    parts = planning_memory_estimate(sc, 2, 1)
    assert parts["solver"][0] == PLAN_BYTES_PER_NONZERO * 3 * 1 * (1 + 4 * 1)
    assert "3 compound × tier options" in parts["solver"][1]
    assert "2 tiers" in parts["costs"][1]


# --- performance rewards (奖补) ---------------------------------------------------------------

REWARDS = """  rewards:
    - {amount_per_household: 1000, paid_by: provincial_government, deadline: 2025}
    - {amount_per_household: 500, paid_by: central_government, deadline: 2026}
"""


def test_rewards_are_paid_the_year_after_works_that_meet_the_deadline(tmp_path):
    """B (200 households, 2,000,000 CNY) and C (50, 500,000) under a budget of 2,000,000 a
    year: B starts in 2025 (serving early), C in 2026. The 1,000 CNY a household reward of
    deadline 2025 goes to B alone: 200 × 1,000 = 200,000 paid by the province in 2026; the
    500 CNY one of deadline 2026 to both: 200 × 500 = 100,000 in 2026 and 50 × 500 = 25,000
    in 2027, paid by the centre. The plan's budgets do not count rewards."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned\nB,200,9000,basic\n"
                         "C,50,3000,basic\n", _phasing(2, 2_000_000) + REWARDS)
    plan = plan_portfolio(sc)
    assert plan.start_year.tolist() == [2025, 2026]
    for res in (evaluate_portfolio(sc, start_years=plan.start_year),
                simulate_portfolio(sc, 20, start_years=plan.start_year)):
        assert res.compounds["reward_cny"].tolist() == [200 * 1000 + 200 * 500, 50 * 500]
        outlay = res.outlay().set_index(["level", "year"])["mean_cny"]
        assert outlay[("provincial_government", 2026)] == 200_000
        assert outlay[("provincial_government", 2025)] == 0
        assert outlay[("provincial_government", 2027)] == 0
        assert outlay[("central_government", 2026)] == 100_000
        assert outlay[("central_government", 2027)] == 25_000
        # the district pays the works: 2,000,000 in 2025, 500,000 in 2026
        assert outlay[("city_district_government", 2025)] == 2_000_000
        assert outlay[("city_district_government", 2026)] == 500_000


def test_rewards_follow_the_tables_fixed_years(tmp_path):
    """Without a plan: B under way since 2026 misses the 2025 deadline; C (in start_year,
    2025) meets it: 50 × 1,000 = 50,000 by the province in 2026."""
    sc = _load(tmp_path, "id,households,floor_area_m2,tier_planned,status,start_year\n"
                         "B,200,9000,basic,under_way,2026\nC,50,3000,basic,,\n",
                         REWARDS.replace("deadline: 2026", "deadline: 2020"))
    res = evaluate_portfolio(sc)
    assert res.compounds["reward_cny"].tolist() == [0, 50_000]
    outlay = res.outlay().set_index(["level", "year"])["mean_cny"]
    assert outlay[("provincial_government", 2026)] == 50_000
    assert "central_government" not in outlay.index.get_level_values("level")  # pays nothing


def test_a_malformed_reward_is_located(tmp_path, capsys):
    path = _write(tmp_path, "id,households,floor_area_m2\nA,10,500\n",
                  "  rewards:\n    - {amount_per_household: 1000, paid_by: mayor, "
                  "deadline: 2025}\n")
    status = main(["district", str(path), "--draws", "20", "-q", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and "d.yaml:" in err and "portfolio.rewards[0].paid_by" in err, err
    assert not (tmp_path / "o").exists()


# --- the programme in the scenario (portfolio.programme) ---------------------------------------

def _with_programme(tmp_path, entries: str, phasing: str = ""):
    return _write(tmp_path, "id,households,floor_area_m2,tier_planned\nA,100,5000,basic\n"
                            "B,200,9000,basic\nC,50,3000,basic\nD,80,4000,basic\n",
                  phasing + "  programme:\n" + entries)


def test_the_programme_in_the_scenario_is_the_tables_columns(tmp_path):
    """The first test's district with A done and C required, written in the scenario: one year
    of 3,300,000 CNY holds B, C and D (2,000,000 + 500,000 + 800,000) with A out."""
    path = _with_programme(tmp_path, "    - {compounds: [A], status: done}\n"
                                     "    - {compounds: [C], required: true}\n",
                           _phasing(1, 3_300_000))
    sc = load_scenario(path)
    table = sc.portfolio.table
    assert table.status == ("done", "planned", "planned", "planned")
    assert table.required.tolist() == [False, False, True, False]
    plan = plan_portfolio(sc)
    assert plan.start_year.tolist() == [-1, 2025, 2025, 2025]
    assert plan.table["status"].tolist() == ["done", "planned", "planned", "planned"]


def test_the_programme_fixes_years_and_tiers(tmp_path):
    """B under way since 2026, A allowed basic or upgrade (tier_planned basic is kept)."""
    path = _with_programme(
        tmp_path, "    - {compounds: [B], status: under_way, start_year: 2026}\n"
                  "    - {compounds: [A], tiers_allowed: [upgrade, basic]}\n",
        _phasing(2, 1e8, _tier_weights(2.0)))
    sc = load_scenario(path)
    assert sc.portfolio.table.tiers_allowed[0] == ("basic", "upgrade")
    plan = plan_portfolio(sc)
    assert plan.start_year[1] == 2026 and plan.tier[0] == "upgrade"


@pytest.mark.parametrize("entries, path, words", [
    ("    - {compounds: [A, Z], status: done}\n", "portfolio.programme[0].compounds[1]",
     "no compound has id 'Z'"),
    ("    - {compounds: [A], status: done}\n    - {compounds: [A], required: false}\n",
     "portfolio.programme[1].compounds[0]", "one entry at most"),
    ("    - {compounds: [B], status: under_way}\n", "portfolio.programme[0].start_year",
     "needs its start_year"),
    ("    - {compounds: [B], status: done, required: true}\n",
     "portfolio.programme[0].required", "cannot be required"),
    ("    - {compounds: [B], status: under_way, start_year: 2025, required: false}\n",
     "portfolio.programme[0].required", "always in the plan"),
    ("    - {compounds: [B], start_year: 2027}\n", "portfolio.programme[0].start_year",
     "outside the plan's years 2025–2026"),
    ("    - {compounds: [B], status: finished}\n", "portfolio.programme[0].status", ""),
])
def test_a_malformed_programme_entry_is_located(tmp_path, capsys, entries, path, words):
    scenario = _with_programme(tmp_path, entries, _phasing(2, 1e7))
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    (issue,) = info.value.issues
    assert issue.path == path and words in issue.message, issue
    assert issue.file.endswith("d.yaml") and issue.line is not None
    status = main(["district", str(scenario), "--draws", "20", "-q", "--out",
                   str(tmp_path / "o")])
    assert status == 2 and path in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_district_all_done_is_told_so(tmp_path, capsys):
    path = _write(tmp_path, "id,households,floor_area_m2,status\nA,10,500,done\nB,10,500,done\n",
                  _phasing(2, 1e7))
    status = main(["district", str(path), "--draws", "20", "-q", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and "all 2 compounds are done" in err, err
    assert not (tmp_path / "o").exists()


# --- the tier MILP against enumeration ---------------------------------------------------------

def _brute_force_tiers(cost, budget, weight, allowed, required):
    """Best Σ w over every choice of (tier, start year) or nothing per compound, by plain
    loops; cost (C, T): one year of works; budget (Y,): one level."""
    C, T = weight.shape
    Y = budget.shape[0]
    choices = []
    for c in range(C):
        opts = [] if required[c] else [None]
        opts += [(j, y) for j in range(T) if allowed[c, j] for y in range(Y)]
        choices.append(opts)
    best = None
    for combo in itertools.product(*choices):
        used = [0.0] * Y
        value = 0.0
        for c, pick in enumerate(combo):
            if pick is not None:
                used[pick[1]] += cost[c, pick[0]]
                value += weight[c, pick[0]]
        if all(u <= b * (1 + 1e-9) for u, b in zip(used, budget)):
            best = value if best is None else max(best, value)
    return best


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_tier_plan_is_the_best_by_enumeration(data):
    """Random districts of 1–4 compounds, 2–3 tiers, 1–2 plan years, one level: the plan's
    objective equals the enumeration's best; each compound starts at most once, at an allowed
    tier, and the budgets hold."""
    C = data.draw(st.integers(1, 4))
    T = data.draw(st.integers(2, 3))
    Y = data.draw(st.integers(1, 2))
    money = st.integers(1, 20).map(lambda v: v * 100_000.0)
    cost = np.array([[data.draw(money) for _ in range(T)] for _ in range(C)])
    weight = np.array([[float(data.draw(st.integers(0, 9))) for _ in range(T)]
                       for _ in range(C)])
    allowed = np.array([[data.draw(st.booleans()) for _ in range(T)] for _ in range(C)])
    allowed[np.arange(C), data.draw(st.lists(st.integers(0, T - 1), min_size=C,
                                             max_size=C))] = True
    budget = np.array([data.draw(money) * 2 for _ in range(Y)])
    required = np.zeros(C, dtype=bool)
    required[0] = data.draw(st.booleans()) and cost[0][allowed[0]].min() <= budget.max()
    best = _brute_force_tiers(cost, budget, weight, allowed, required)
    tiers = tuple(f"t{j}" for j in range(T))
    plan = phase(cost[:, :, None], budget[None, :], weight, years=range(2025, 2025 + Y),
                 levels=(DISTRICT,), tiers=tiers, tier_allowed=allowed, required=required)
    assert plan.objective == pytest.approx(best, abs=1e-9)
    used = np.zeros(Y)
    for c in range(C):
        if plan.start_year[c] >= 0:
            j = tiers.index(plan.tier[c])
            assert allowed[c, j]
            used[plan.start_year[c] - 2025] += cost[c, j]
        else:
            assert plan.tier[c] == "" and not required[c]
    assert np.all(used <= budget * (1 + 1e-9))


def test_the_robust_plan_chooses_a_safer_tier():
    """A at upgrade costs 2,500,000 or 3,500,000 CNY (two draws; mean 3,000,000), at basic
    1,000,000; B (basic only) 800,000; one year of 3,000,000. On the mean, A at upgrade (worth
    2 × 100 = 200) beats both at basic (180), but overruns in the draw of 3,500,000: 1 draw in
    2. With a bound of 0.1 any margin m > 0 makes A's upgrade cost 3,000,000 + m × 500,000 >
    3,000,000: the robust plan takes both at basic, which never overruns."""
    from fundmodel.portfolio.phasing import phase_robust
    cost = np.array([[[1.0e6], [2.5e6]], [[0.8e6], [5.0e6]]])        # (C, T, L)
    draws = np.stack([cost, cost])
    draws[1, 0, 1, 0] = 3.5e6
    weight = np.array([[100, 200], [80, 160]], dtype=float)
    allowed = np.array([[True, True], [True, False]])
    args = dict(years=[2025], levels=(DISTRICT,), tiers=("basic", "upgrade"),
                tier_allowed=allowed, ids=["A", "B"])
    mean_plan = phase_robust(draws, [[3.0e6]], weight, max_overrun_probability=1.0, **args)
    assert mean_plan.tier == ("upgrade", "") and mean_plan.overrun_probability == 0.5
    robust = phase_robust(draws, [[3.0e6]], weight, max_overrun_probability=0.1, **args)
    assert robust.tier == ("basic", "basic") and robust.objective == 180
    assert robust.overrun_probability == 0.0 and robust.bound_met
    assert robust.table["tier"].tolist() == ["basic", "basic"]
    assert robust.table["cost_cny"].tolist() == [1.0e6, 0.8e6]


def test_a_robust_scenario_plan_chooses_tiers(tmp_path):
    """The scenario's robust plan runs with tiers: every compound planned at an allowed tier,
    the overrun probability within the bound."""
    path = _write(tmp_path, TIERED, _phasing(1, 3_800_000, _tier_weights(2.0)
                                             + "    max_overrun_probability: 0.2\n"
                                             "    draws: 50\n"))
    text = path.read_text(encoding="utf-8").replace(
        "unit_cost: 15000", "unit_cost: {dist: triangular, low: 10000, mode: 15000, high: 25000}")
    path.write_text(text, encoding="utf-8")
    plan = plan_portfolio(load_scenario(path))
    assert plan.tier[1] in ("basic", "") and plan.tier[0] in ("basic", "upgrade", "")
    assert plan.overrun_probability <= 0.2
