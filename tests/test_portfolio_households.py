"""The households section in a district: each compound's buildings generated from its facts,
computed on a padded household axis over the compounds, with the bits of its own run
(issue 21)."""

from __future__ import annotations

import csv
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import yaml

from fundmodel.engine.model import run_compounds, run_model
from fundmodel.errors import ScenarioError
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.portfolio.evaluation import simulate_portfolio
from fundmodel.run.montecarlo import simulate
from fundmodel.scenario import load_scenario
from fundmodel.scenario.households import generated_units
from fundmodel.scenario.portfolio import one_compound

ROOT = pathlib.Path(__file__).resolve().parents[1]


def lift_district(tmp_path: pathlib.Path, rows, extra: dict | None = None) -> pathlib.Path:
    """scenarios/lift-retrofit.yaml as a district of the compounds ``rows`` (id, households,
    floor_area_m2, buildings, storeys; None for an empty cell), its households section without
    buildings."""
    data = yaml.safe_load((ROOT / "scenarios" / "lift-retrofit.yaml").read_text("utf-8"))
    data.pop("compound")
    del data["households"]["buildings"]
    data["portfolio"] = {"compounds": "compounds.csv"}
    data.update(extra or {})
    with open(tmp_path / "compounds.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "households", "floor_area_m2", "buildings", "storeys"])
        for key, households, area, buildings, storeys in rows:
            writer.writerow([key, f"compound {key}", households, area,
                             "" if buildings is None else buildings,
                             "" if storeys is None else storeys])
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


LIFT = ("C0", 36, 2340, 3, 6)          # lift-retrofit's compound: 3 stairs × 6 floors × 2


# ---------------------------------------------------------------- the rule
def test_units_spread_by_hand():
    """22 households in 2 buildings of 3 floors: 6 floors, q = ⌊22 / 6⌋ = 3 units on every
    floor, r = 22 − 18 = 4 left, one each to floor 1 of buildings 1 and 2, then floor 2 of
    buildings 1 and 2 ((k − 1) × 2 + b ≤ 4)."""
    assert generated_units(2, 3, 22) == [[4, 4, 3], [4, 4, 3]]
    # 7 households in 3 buildings of 2 floors: q = 1, r = 1: floor 1 of building 1 only
    assert generated_units(3, 2, 7) == [[2, 1], [1, 1], [1, 1]]
    # lift-retrofit: 36 = 3 × 6 × 2, no remainder
    assert generated_units(3, 6, 36) == [[2] * 6] * 3


@pytest.mark.parametrize("b,s,n", [(1, 1, 1), (3, 6, 36), (4, 5, 97), (7, 3, 8), (2, 30, 59)])
def test_generated_units_keep_the_count_and_differ_by_one_at_most(b, s, n):
    units = generated_units(b, s, n)
    flat = [u for building in units for u in building]
    assert len(units) == b and all(len(x) == s for x in units)
    assert sum(flat) == n and max(flat) - min(flat) <= 1
    # a floor never has more units than a floor below it
    assert all(x[k] >= x[k + 1] for x in units for k in range(s - 1))


def test_the_generated_buildings_are_lift_retrofits_own(tmp_path):
    """3 buildings × 6 storeys, 36 households, 2,340 m²: 2 units a floor of 65 m² each, the
    layout lift-retrofit.yaml writes by hand."""
    district = load_scenario(lift_district(tmp_path, [LIFT]))
    alone = one_compound(district, 0)
    written = load_scenario(ROOT / "scenarios" / "lift-retrofit.yaml").households.buildings
    got = alone.households.buildings
    assert [(b.floors, b.units(), b.areas_m2()) for b in got] == \
        [(b.floors, b.units(), b.areas_m2()) for b in written]
    assert [b.name for b in got] == ["building 1", "building 2", "building 3"]


# ---------------------------------------------------------------- the bits
def _point_equal(district):
    table = district.portfolio.table
    together = run_compounds(model_inputs(district, point_values(district), 1, table))
    for i in range(len(table)):
        alone = one_compound(district, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        assert set(out.metrics) <= set(together.metrics)
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"compound {i}: {metric}")
        for line in out.ledger:
            np.testing.assert_array_equal(
                together.ledger[line.name][:, i:i + 1] if together.ledger[line.name].shape[1] > 1
                else together.ledger[line.name], line.amount, err_msg=f"compound {i}: {line.name}")


def test_a_district_of_one_equals_lift_retrofit_at_the_point_estimates(tmp_path):
    _point_equal(load_scenario(lift_district(tmp_path, [LIFT])))


def test_three_compounds_of_different_sizes_each_equal_their_own_run(tmp_path):
    """Different buildings, storeys and households (so padded households and empty ballots):
    every metric and ledger line of each compound has the bits of its own run, at the point
    estimates and over Monte Carlo draws (the votes fail in some draws and pass in others)."""
    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3)]
    district = load_scenario(lift_district(tmp_path, rows))
    _point_equal(district)
    result = simulate_portfolio(district, draws=300, seed=11)
    for i, key in enumerate(["C0", "B", "A"]):
        single = simulate(one_compound(district, i), draws=300, seed=11)
        row = result.compounds.set_index("id").loc[key]
        for metric in ("capex_total", "funding_gap", "government_cost", "resident_cost",
                       "npv_operations"):
            values = single.metrics[metric].to_numpy()
            assert row[f"{metric}_mean"] == values.mean(), (key, metric)
            assert row[f"{metric}_p90"] == np.quantile(values, 0.9, method="inverted_cdf")
    total = sum(simulate(one_compound(district, i), draws=300, seed=11).metrics["capex_total"]
                .to_numpy() for i in range(3))
    np.testing.assert_allclose(result.district["capex_total"].to_numpy(), total, rtol=1e-12)


def test_a_district_of_one_equals_its_one_compound_run_over_draws(tmp_path):
    """Monte Carlo, bit for bit: the district's per-draw totals and the compound's row."""
    district = load_scenario(lift_district(tmp_path, [LIFT]))
    result = simulate_portfolio(district, draws=500, seed=7)
    single = simulate(one_compound(district, 0), draws=500, seed=7)
    compared = 0
    for metric in result.district.columns:
        if metric in single.metrics:
            np.testing.assert_array_equal(result.district[metric].to_numpy(),
                                          single.metrics[metric].to_numpy(), err_msg=metric)
            compared += 1
    assert compared >= 5
    for column in result.compounds.columns:
        metric, _, stat = column.rpartition("_")
        if metric in single.metrics and stat in ("mean", "p05", "p50", "p95"):
            values = single.metrics[metric].to_numpy()
            want = values.mean() if stat == "mean" else np.quantile(
                values, int(stat[1:]) / 100, method="inverted_cdf")
            assert result.compounds[column].iloc[0] == want, column
    # the votes matter: lifts are built in some draws and not in others
    built = single.metrics["capex_total"].to_numpy()
    assert built.min() < built.max()


def test_compounds_draw_their_own_households(tmp_path):
    """Two compounds of the same facts have different households (their own streams), so
    their votes differ in some draws."""
    rows = [("X", 36, 2340, 3, 6), ("Y", 36, 2340, 3, 6)]
    district = load_scenario(lift_district(tmp_path, rows))
    result = simulate_portfolio(district, draws=400, seed=3)
    x = simulate(one_compound(district, 0), draws=400, seed=3).metrics["capex_total"]
    y = simulate(one_compound(district, 1), draws=400, seed=3).metrics["capex_total"]
    assert not np.array_equal(x.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(result.district["capex_total"].to_numpy(),
                                  x.to_numpy() + y.to_numpy())


def test_item_linked_costs_follow_each_compounds_vote(tmp_path):
    """lift maintenance (item: lift) is paid for the lifts built in each compound: with a
    willingness to pay of 0 nobody's vote passes, the lift line is 0 in every compound while
    cleaning (no item) is not; with a willingness of 1e9 every lift is built and the line is
    15,000 CNY in year 1."""
    def lines(wtp):
        path = lift_district(tmp_path, [LIFT, ("B", 50, 3600, 2, 5)])
        data = yaml.safe_load(path.read_text("utf-8"))
        data["households"]["decisions"][0]["willingness_to_pay_cny"] = wtp
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        district = load_scenario(path)
        out = run_compounds(model_inputs(district, point_values(district), 1,
                                         district.portfolio.table))
        return out.yearly

    failed, passed = lines(0), lines(1e9)
    assert np.all(failed["cost[lift maintenance and inspection]"] == 0)
    assert np.all(failed["cost[cleaning]"][..., 0] == 6000)
    np.testing.assert_array_equal(passed["cost[lift maintenance and inspection]"][0, :, 0],
                                  [15000, 15000])


# ---------------------------------------------------------------- malformed inputs
@pytest.mark.parametrize("rows,message", [
    ([LIFT, ("B", 50, 3600, 2, None)], "storeys is empty for compound 'B'"),
    ([LIFT, ("B", 50, 3600, None, 5)], "buildings is empty for compound 'B'"),
    ([("B", 2, 300, 3, 5)], "has 2 households in 3 buildings"),
    ([("B", 3, 300, 3, 5)], "would pay under the floors_travelled rule"),
])
def test_malformed_tables_are_one_located_error(tmp_path, rows, message):
    path = lift_district(tmp_path, rows)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    issues = err.value.issues
    assert len(issues) == 1 and message in issues[0].message, issues
    assert str(issues[0]).startswith(f"{path.name}:") or "district.yaml" in str(issues[0])
    assert issues[0].path.startswith("households")


def test_zero_buildings_in_the_table_is_located_in_the_table(tmp_path):
    path = lift_district(tmp_path, [("B", 20, 1500, 0, 5)])
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "compounds[0].buildings" in str(err.value)


def test_a_district_cannot_list_buildings(tmp_path):
    path = lift_district(tmp_path, [LIFT])
    data = yaml.safe_load(path.read_text("utf-8"))
    data["households"]["buildings"] = [{"name": "s", "floors": 6, "units_per_floor": 6}]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match="remove households.buildings"):
        load_scenario(path)


def test_a_district_charge_cannot_name_buildings(tmp_path):
    path = lift_district(tmp_path, [LIFT])
    data = yaml.safe_load(path.read_text("utf-8"))
    data["households"]["charges"][0]["buildings"] = ["building 1"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match="charges.0..buildings|charges\\[0\\].buildings"):
        load_scenario(path)


def test_the_cli_exits_2_and_writes_nothing(tmp_path):
    path = lift_district(tmp_path, [LIFT, ("B", 50, 3600, 2, None)])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "fundmodel.cli", "district", str(path),
                           "--draws", "10", "--no-plan", "--out", str(out)],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert "storeys is empty for compound 'B'" in proc.stderr
    assert proc.stderr.count("\n") == 1 and not out.exists()


def test_a_one_compound_scenario_may_generate_its_buildings(tmp_path):
    """lift-retrofit without its buildings: generated from compound.buildings 3 and storeys 6,
    the same run as with them written."""
    data = yaml.safe_load((ROOT / "scenarios" / "lift-retrofit.yaml").read_text("utf-8"))
    del data["households"]["buildings"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    generated = load_scenario(tmp_path / "s.yaml")
    written = load_scenario(ROOT / "scenarios" / "lift-retrofit.yaml")
    a = run_model(model_inputs(generated, point_values(generated), 1)).metrics
    b = run_model(model_inputs(written, point_values(written), 1)).metrics
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    del data["compound"]["storeys"]
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match="give the buildings, or compound.buildings and "
                                            "compound.storeys"):
        load_scenario(tmp_path / "s.yaml")


def test_the_memory_estimate_counts_the_households(tmp_path):
    """A chunk of 100 draws over a tile of 3 compounds of 36, 50 and 22 households: by size
    class (binary lengths 6, 6 and 5) they take 50 + 50 + 22 = 122 household cells; one
    decision voted by building (the most buildings: 4), 2 items, so 12 arrays a draw and
    4 + 2 + 4 = 10 static ones: 8 × 122 × (100 × 12 + 10) = 1,180,960 bytes. The
    willingness to pay is drawn per household: the tile holds the draws of its 36 + 50 + 22 =
    108 households, all 1,000 of them (fewer than a sampling span, and 2^25 / (108 × 100)
    chunks): 8 × 1,000 × 108 = 864,000 bytes."""
    from fundmodel.portfolio.memory import portfolio_memory_estimate

    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3)]
    district = load_scenario(lift_district(tmp_path, rows))
    parts = portfolio_memory_estimate(district, 1000, 3, 50, 100, 1, 20, 5)
    assert parts["household arrays"][0] == 8 * 122 * (100 * 12 + 10) == 1_180_960
    assert parts["household draws"][0] == 8 * 1000 * 108 == 864_000


def test_size_classes_give_the_bits_of_one_padded_axis(tmp_path):
    """Five compounds of 7, 22, 36, 50 and 130 households (binary lengths 3, 5, 6, 6 and 8:
    four size classes) computed class by class and on one axis padded to 130 households:
    every metric and ledger line has the same bits, over draws in which the votes pass in
    some stairs and fail in others."""
    from fundmodel.inputs.households import household_structure
    from fundmodel.inputs.sampling import input_space, sample_values

    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3), ("D", 7, 500, 1, 7),
            ("E", 130, 9000, 5, 6)]
    district = load_scenario(lift_district(tmp_path, rows))
    table = district.portfolio.table
    values = sample_values(input_space(district), 5, "random", 0, 200, 200, list(table.ids),
                           table.households)
    by_class = household_structure(district, table)
    padded = household_structure(district, table, classes=False)
    assert len(by_class.classes) == 4 and not padded.classes and padded.size == 130
    a = run_compounds(model_inputs(district, values, 200, table, by_class))
    b = run_compounds(model_inputs(district, values, 200, table, padded))
    assert a.metrics.keys() == b.metrics.keys()
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name], err_msg=name)
    assert [line.name for line in a.ledger] == [line.name for line in b.ledger]
    for x, y in zip(a.ledger, b.ledger):
        np.testing.assert_array_equal(x.amount, y.amount, err_msg=x.name)
    built = a.metrics["built_share[lift]"]
    assert np.any((built > 0) & (built < 1)) and np.any(built == 0) and np.any(built == 1)


def test_households_drawn_a_few_chunks_at_a_time_give_the_same_bits(tmp_path, monkeypatch):
    """A tile holding its 108 households' draws 150 at a time (3 chunks of 50), or 5,000 at a
    time across the sampling blocks' edge at 4,096, gives the bits of holding them all."""
    from fundmodel.inputs.sampling import input_space
    from fundmodel.portfolio import tiles

    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3)]
    district = load_scenario(lift_district(tmp_path, rows))
    space = input_space(district)
    for chunk in (50, 5000):
        base = simulate_portfolio(district, draws=6000, seed=4, chunk_draws=chunk)
        monkeypatch.setattr(tiles, "HOUSEHOLD_VALUES", 108 * chunk * 3 if chunk == 50
                            else 108 * chunk)
        assert tiles.household_span(chunk, [36, 50, 22], space) == (
            150 if chunk == 50 else 5000)
        other = simulate_portfolio(district, draws=6000, seed=4, chunk_draws=chunk)
        monkeypatch.undo()
        assert base.district.equals(other.district), chunk
        assert base.compounds.equals(other.compounds), chunk


def test_a_robust_plan_draws_each_compounds_households(tmp_path):
    """A phasing plan over draws (max_overrun_probability) of a district whose households
    vote by stair with a willingness to pay drawn per household: the plan's costs come from
    each compound's own households (it failed with an index error: no household was drawn),
    and the budget of 5 M serves all three compounds."""
    from fundmodel.portfolio import plan_portfolio

    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3)]
    path = lift_district(tmp_path, rows)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["portfolio"]["phasing"] = {
        "first_year": 2025, "years": 3, "budgets_cny": {"city_district_government": 5_000_000},
        "max_overrun_probability": 0.1, "draws": 50}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    plan = plan_portfolio(load_scenario(path))
    assert plan.draws == 50 and plan.served == 3 and plan.bound_met


def test_a_window_of_a_households_stream_is_that_part_of_its_block():
    """Draws 100 .. 299 of a block of 1,000, read by advancing the stream past the others,
    are the same numbers as rows 100 .. 299 of the whole block."""
    from fundmodel.inputs.sampling import compound_key, household_uniforms

    path = ("households", "decisions", 0, "willingness_to_pay_cny")
    whole = household_uniforms(3, path, 2, 1000, 17, compound_key("X"))
    part = household_uniforms(3, path, 2, 1000, 17, compound_key("X"), window=(100, 300))
    np.testing.assert_array_equal(part, whole[100:300])


def test_the_same_bits_whatever_the_chunks_and_workers(tmp_path):
    rows = [LIFT, ("B", 50, 3600, 2, 5), ("A", 22, 1500, 4, 3)]
    district = load_scenario(lift_district(tmp_path, rows))
    base = simulate_portfolio(district, draws=130, seed=4)
    for kwargs in ({"chunk_draws": 7}, {"chunk_draws": 64, "workers": 2}):
        other = simulate_portfolio(district, draws=130, seed=4, **kwargs)
        assert base.district.equals(other.district), kwargs
        assert base.compounds.equals(other.compounds), kwargs


def test_generated_units_by_hypothesis():
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 20_000))
    def check(b, s, n):
        units = generated_units(b, s, n)
        flat = [u for building in units for u in building]
        assert sum(flat) == n and max(flat) - min(flat) <= 1
        q, r = divmod(n, b * s)
        # floor k of building b has q + 1 exactly when (k − 1)·B + b ≤ r
        assert all(units[j][k] == q + ((k * b + j + 1) <= r)
                   for j in range(b) for k in range(s))

    check()


# ---------------------------------------------------------------- a per-building table
def _with_buildings(tmp_path, rows, lines: str):
    path = lift_district(tmp_path, rows)
    data = yaml.safe_load(path.read_text("utf-8"))
    data["portfolio"]["buildings"] = "buildings.csv"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "buildings.csv").write_text(lines, encoding="utf-8")
    return path


def test_a_per_building_table_gives_a_compounds_buildings(tmp_path):
    """Compound B (40 households) has two stairs of 5 and 3 floors written in the table, 4 and
    5 units a floor (20 + 15 + ... = 4 × 5 + 5 × 4 = 40); C0 keeps its generated buildings.
    Each has the bits of its own run."""
    path = _with_buildings(
        tmp_path, [LIFT, ("B", 40, 2800, None, None)],
        "compound_id,building,floors,units_per_floor,area_per_unit_m2\n"
        "B,east stair,5,4,72\n"
        "B,west stair,4,5,\n")
    district = load_scenario(path)
    alone = one_compound(district, 1)
    got = [(b.name, b.floors, b.units(), b.areas_m2()) for b in alone.households.buildings]
    assert got == [("east stair", 5, [4] * 5, [72.0] * 5),
                   ("west stair", 4, [5] * 4, [70.0] * 4)]      # 2,800 m² / 40 households
    assert [b.name for b in one_compound(district, 0).households.buildings][0] == "building 1"
    _point_equal(district)


def test_a_per_building_table_gives_each_floors_units(tmp_path):
    """Compound B (40 households): a stair with shops on its ground floor — 0 4 4 4 4 4, 20
    households on six floors — and one of 4 floors × 5 units; the list is the building's own,
    as a one-compound scenario writes it, with the bits of its own run."""
    path = _with_buildings(
        tmp_path, [LIFT, ("B", 40, 2800, None, None)],
        "compound_id,building,floors,units_per_floor\n"
        "B,shop stair,6,0 4 4 4 4 4\n"
        "B,west stair,4,5\n")
    district = load_scenario(path)
    alone = one_compound(district, 1)
    got = [(b.name, b.floors, b.units()) for b in alone.households.buildings]
    assert got == [("shop stair", 6, [0, 4, 4, 4, 4, 4]), ("west stair", 4, [5] * 4)]
    _point_equal(district)


@pytest.mark.parametrize("lines,path,message", [
    ("compound_id,building,floors,units_per_floor\nZ,s,5,8\n", "buildings[0].compound_id",
     "no compound has id 'Z'"),
    ("compound_id,building,floors,units_per_floor\nB,s,5,0 8 8 8\n",
     "buildings[0].units_per_floor", "4 counts for 5 floors"),
    ("compound_id,building,floors,units_per_floor\nB,s,5,0 8 x 8 8\n",
     "buildings[0].units_per_floor", "'x' is not a number"),
    ("compound_id,building,floors,units_per_floor\nB,s,2,0 0\n",
     "buildings[0].units_per_floor", "the building has no units"),
    ("compound_id,building,floors,units_per_floor\nB,s,5,7\n", "buildings[0].units_per_floor",
     "hold 35 households but"),
    ("compound_id,building,floors,units_per_floor\nB,s,five,8\n", "buildings[0].floors",
     "'five' is not a number"),
    ("compound_id,building,floors\nB,s,5\n", "buildings.units_per_floor",
     "no column 'units_per_floor'"),
    ("compound_id,building,floors,units_per_floor\nB,s,5,4\nB,s,5,4\n", "buildings[1].building",
     "duplicate building 's'"),
])
def test_a_malformed_per_building_table_is_located_in_it(tmp_path, lines, path, message):
    scenario = _with_buildings(tmp_path, [("B", 40, 2800, None, None)], lines)
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario)
    issue = err.value.issues[0]
    assert issue.path == path and message in issue.message, err.value.issues
    assert issue.file.endswith("buildings.csv") and issue.line is not None


def test_a_malformed_per_building_table_exits_2_on_the_cli(tmp_path):
    scenario = _with_buildings(tmp_path, [("B", 40, 2800, None, None)],
                               "compound_id,building,floors,units_per_floor\nZ,s,5,8\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "fundmodel.cli", "district", str(scenario),
                           "--draws", "10", "--no-plan", "--out", str(out)],
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2, proc.stderr
    assert "buildings.csv:2:1 buildings[0].compound_id: no compound has id 'Z'" in proc.stderr
    assert not out.exists()


def test_every_compound_row_says_how_much_of_a_voted_item_is_built(tmp_path):
    """built_share[lift] per compound: 1 where every stair's vote passes, 0 where none does;
    the district's compounds table summarises it, with the bits of each compound's own run."""
    from fundmodel.portfolio.evaluation import simulate_portfolio
    from fundmodel.run.montecarlo import simulate
    from fundmodel.scenario.portfolio import one_compound
    district = load_scenario(lift_district(tmp_path, [LIFT]))
    result = simulate_portfolio(district, draws=200, seed=3)
    single = simulate(one_compound(district, 0), draws=200, seed=3).metrics["built_share[lift]"]
    assert ((single >= 0) & (single <= 1)).all()
    assert result.compounds["built_share[lift]_mean"][0] == single.to_numpy().mean()
