"""Portfolios: the compound axis agrees with one-compound runs, and the bits never depend on
tiles, chunks, workers or a Dask cluster."""

from __future__ import annotations

import csv
import pathlib
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fundmodel.inputs.draws import point_values
from fundmodel.engine.model import run_compounds, run_model
from fundmodel.errors import ModelError, ScenarioError
from fundmodel.inputs import model_inputs
from fundmodel.run.montecarlo import simulate
from fundmodel.portfolio.evaluation import evaluate_portfolio, simulate_portfolio
from fundmodel.inputs.sampling import input_space, sample_values
from fundmodel.scenario import load_scenario
from fundmodel.scenario.portfolio import one_compound

ROOT = pathlib.Path(__file__).resolve().parents[1]
BASE = (ROOT / "scenarios" / "sanqiao-standalone.yaml").read_text(encoding="utf-8")

COLUMNS = ["id", "name", "street", "households", "floor_area_m2", "buildings", "storeys",
           "built_year", "lifts_possible", "tier_planned", "x_km", "y_km", "condition_score"]


def _rows(n: int, seed: int = 7) -> list[list]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        hh = int(rng.integers(20, 300))
        storeys = int(rng.integers(3, 8))
        rows.append([f"C{i:04d}", f"compound {i}", ["Sanqiao", "Other"][i % 2], hh,
                     round(hh * float(rng.uniform(55, 85)), 1), max(1, hh // 40), storeys,
                     int(rng.integers(1975, 2000)), ["true", "false"][int(rng.integers(2))],
                     ["basic", "complete", "upgrade"][int(rng.integers(3))],
                     round(float(rng.uniform(0, 5)), 3), round(float(rng.uniform(0, 5)), 3),
                     int(rng.integers(1, 6))])
    return rows


def _portfolio(tmp_path, rows, per_compound=(), correlation=0.0, extra="") -> object:
    with open(tmp_path / "compounds.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    text = BASE.replace("compound:\n  name: Sanqiao No. 3 compound\n  households: 100\n"
                        "  floor_area_m2: 10000\n  buildings: 2\n  storeys: 6\n"
                        "  built_year: 1987\n", "")
    text = text.replace("quantity: 2000, unit: m2,",
                        "quantity_rule: {per: floor_area_m2, divide_by: storeys, factor: 1.1},"
                        " unit: m2,")
    text = text.replace("{name: water supply pipes, tier: basic, quantity: 300",
                        "{name: water supply pipes, tier: basic, "
                        "quantity_rule: {per: households, factor: 3}")
    text = text.replace("{name: parking and EV charging, tier: complete, quantity: 20",
                        "{name: parking and EV charging, tier: complete, "
                        "quantity_rule: {per: buildings, factor: 10, when: lifts_possible}")
    paths = ", ".join(f'"{p}"' for p in per_compound)
    text += (f"\nportfolio:\n  compounds: compounds.csv\n  per_compound: [{paths}]\n"
             f"  compound_correlation: {correlation}\n{extra}")
    (tmp_path / "district.yaml").write_text(text, encoding="utf-8")
    return load_scenario(tmp_path / "district.yaml")


def test_compound_axis_equals_one_compound_runs(tmp_path):
    """Every compound of a portfolio, computed together on the compound axis, gives the bits
    of its own one-compound scenario: quantity rules, tiers and the funding rules per
    compound."""
    scenario = _portfolio(tmp_path, _rows(7))
    table = scenario.portfolio.table
    together = run_compounds(model_inputs(scenario, point_values(scenario), 1, table))
    for i in range(len(table)):
        alone = one_compound(scenario, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for name, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[name][:, i], value, err_msg=name)


def test_quantity_rule_and_tier_by_hand(tmp_path):
    """80 households, 6,400 m², 6 storeys, 2 buildings, lifts possible, tier basic: the roof
    is 1.1 × 6,400 / 6 m², the pipes 3 × 80 m, parking (a complete-tier item) is not built."""
    rows = [["A", "a", "S", 80, 6400, 2, 6, 1985, "true", "basic", 0, 0, 3]]
    scenario = _portfolio(tmp_path, rows)
    out = run_compounds(model_inputs(scenario, point_values(scenario), 1,
                                     scenario.portfolio.table))
    quantity = dict(zip([i.name for i in scenario.renovation.items],
                        out.item_inputs["quantity"][0, 0]))
    assert quantity["roof waterproofing"] == pytest.approx(1.1 * 6400 / 6, rel=1e-15)
    assert quantity["water supply pipes"] == 240
    assert quantity["parking and EV charging"] == 0          # above the planned tier
    assert quantity["smart access and cameras"] == 0


def test_one_compound_portfolio_equals_the_single_run(tmp_path):
    """With only shared inputs, a portfolio of one compound draws what the one-compound run
    draws: the district's per-draw totals are that run's per-draw metrics, bit for bit."""
    scenario = _portfolio(tmp_path, _rows(1))
    result = simulate_portfolio(scenario, draws=3000, seed=11)
    single = simulate(one_compound(scenario, 0), draws=3000, seed=11)
    for name in ("capex_total", "funding_gap", "government_cost", "npv_operations"):
        np.testing.assert_array_equal(result.district[name].to_numpy(),
                                      single.metrics[name].to_numpy(), err_msg=name)
    assert result.compounds["capex_total_mean"][0] == single.metrics["capex_total"].mean()


def test_per_compound_draws_are_each_compounds_own(tmp_path):
    """An input drawn per compound: compound i's draws depend on its id only (not its row,
    the other compounds or the tile), and its summaries are those of its own run fed with
    those draws."""
    rows = _rows(4)
    scenario = _portfolio(tmp_path, rows, per_compound=["renovation.items[2].unit_cost",
                                                        "operations"])
    space = input_space(scenario)
    assert len(space.compound_paths) == 2
    ids = list(scenario.portfolio.table.ids)
    values = sample_values(space, 5, "random", 0, 500, 500, ids)
    reversed_values = sample_values(space, 5, "random", 0, 500, 500, ids[::-1])
    for path in space.compound_paths:
        np.testing.assert_array_equal(np.asarray(values[path])[:, ::-1],
                                      np.asarray(reversed_values[path]))
    result = simulate_portfolio(scenario, draws=500, seed=5)
    for i in range(len(rows)):
        alone = one_compound(scenario, i)
        own = {p: (np.asarray(v)[:, i] if p in space.compound_paths else v)
               for p, v in values.items()}
        out = run_model(model_inputs(alone, own, 500))
        assert result.compounds["capex_total_mean"][i] == out.metrics["capex_total"].mean()
        assert result.compounds["npv_operations_p90"][i] == np.quantile(
            out.metrics["npv_operations"], 0.9, method="inverted_cdf")


def test_compound_correlation_is_a_modelling_choice(tmp_path):
    """ρ = 0: compounds' unit costs are independent; ρ = 0.8: their normal scores correlate
    at about 0.8."""
    rows = _rows(2)
    for rho in (0.0, 0.8):
        scenario = _portfolio(tmp_path, rows, per_compound=["renovation.items[2].unit_cost"],
                              correlation=rho)
        space = input_space(scenario)
        path = space.compound_paths[0]
        u = np.asarray(sample_values(space, 3, "random", 0, 4000, 4000,
                                     list(scenario.portfolio.table.ids))[path])
        from scipy.stats import spearmanr
        r = spearmanr(u[:, 0], u[:, 1]).statistic
        expected = 6 / np.pi * np.arcsin(rho / 2)     # rank correlation of a normal copula
        assert abs(r - expected) < 0.05, (rho, r, expected)


def _same(a, b):
    assert a.compounds.equals(b.compounds)
    assert a.district.equals(b.district)
    np.testing.assert_array_equal(a.outlay_cny, b.outlay_cny)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("district")
    return _portfolio(tmp, _rows(120), per_compound=["renovation.items[2].unit_cost",
                                                     "operations.property_fee"],
                      correlation=0.3)


@pytest.fixture(scope="module")
def reference(district):
    return simulate_portfolio(district, draws=600, seed=3, compounds_per_tile=50,
                              chunk_draws=600)


@pytest.mark.parametrize("tile, chunk, workers", [(100, 600, 1), (150, 97, 1), (50, 250, 2),
                                                   (1000, 4096, 2)])
def test_bits_do_not_depend_on_tiles_chunks_or_workers(district, reference, tile, chunk,
                                                        workers):
    _same(reference, simulate_portfolio(district, draws=600, seed=3, compounds_per_tile=tile,
                                        chunk_draws=chunk, workers=workers))


def test_bits_on_a_dask_cluster(district, reference):
    """Two worker processes of a LocalCluster: the same bits as the local run, and progress
    reported from the cluster."""
    distributed = pytest.importorskip("distributed")
    ticks = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = simulate_portfolio(district, draws=600, seed=3, compounds_per_tile=50,
                                    client=client, progress=lambda d, t: ticks.append((d, t)))
    _same(reference, result)
    assert ticks[-1] == (120, 120) and len(ticks) == 3
    assert result.info["executor"] == "dask"


def test_district_totals_are_sums_of_compounds(district, reference):
    """Per-draw district totals sum the compounds: their mean is the sum of the compounds'
    means (to rounding)."""
    for name in ("capex_total", "government_cost", "npv_operations"):
        assert reference.district[name].mean() == pytest.approx(
            reference.compounds[f"{name}_mean"].sum(), rel=1e-12)
    outlay = reference.outlay_cny.sum(axis=(1, 2))
    assert np.all(outlay >= reference.district["government_cost"].to_numpy() * (1 - 1e-12))


def test_start_years_move_the_outlay(tmp_path):
    """A compound starting two years later pays two calendar years later; one left out
    (−1) is not in the district."""
    scenario = _portfolio(tmp_path, _rows(3))
    now = evaluate_portfolio(scenario, start_years=np.array([-1, 2025, -1]))
    later = evaluate_portfolio(scenario, start_years=np.array([-1, 2027, -1]))
    assert list(later.compounds["id"]) == ["C0001"]
    assert list(later.compounds["start_year"]) == [2027]
    assert later.outlay_cny.shape[-1] == now.outlay_cny.shape[-1] + 2
    np.testing.assert_array_equal(later.outlay_cny[..., 2:], now.outlay_cny)
    assert not np.any(later.outlay_cny[..., :2])
    # its outlay is what the government levels pay for its works (no operating grants here)
    assert now.outlay_cny.sum() == pytest.approx(now.compounds["government_cost"][0],
                                                 rel=1e-12)


def test_bad_arguments(tmp_path, district):
    with pytest.raises(ModelError, match="start_years"):
        simulate_portfolio(district, draws=10, start_years=[2025])
    with pytest.raises(ModelError, match="draws"):
        simulate_portfolio(district, draws=0)
    single = load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    with pytest.raises(ModelError, match="no portfolio"):
        simulate_portfolio(single, draws=10)


def test_portfolio_section_errors_are_located(tmp_path):
    with pytest.raises(ScenarioError) as err:
        _portfolio(tmp_path, _rows(2), per_compound=["inflation"])
    (issue,) = err.value.issues
    text = (tmp_path / "district.yaml").read_text(encoding="utf-8").splitlines()
    assert issue.path == "portfolio.per_compound[0]" and issue.file.endswith("district.yaml")
    assert "inflation" in text[issue.line - 1][issue.column - 1:]       # file, line, column
    with pytest.raises(ScenarioError) as err:
        _portfolio(tmp_path, _rows(2), per_compound=["renovation.items[0].unit_cost"])
    assert "not an uncertain input" in str(err.value)
    text = (tmp_path / "district.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(text.replace("divide_by: storeys", "divide_by: floors"),
                                       encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "bad.yaml")
    (issue,) = err.value.issues
    assert issue.path.endswith("quantity_rule.divide_by") and "floors" in issue.message
    bad = (tmp_path / "bad.yaml").read_text(encoding="utf-8").splitlines()
    assert bad[issue.line - 1][issue.column - 1:].startswith("floors")


PHASING = """  phasing:
    first_year: 2025
    years: 2
    budgets_cny: {central_government: 1500000}
  service_areas: {max_distance_km: 2.0, max_households: 400}
"""


def test_cli_district_writes_the_set(tmp_path, capsys):
    """`fundmodel district` prints the plan, the district, the outlay and the service areas,
    and writes its tables and run record as a set."""
    from fundmodel.cli import main
    _portfolio(tmp_path, _rows(6), extra=PHASING)
    status = main(["district", str(tmp_path / "district.yaml"), "--draws", "50", "-q",
                   "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert status == 0
    for title in ("The phased plan", "The district", "Fiscal outlay by level and year",
                  "Shared service areas"):
        assert title in printed
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["areas.csv", "budget.csv", "compounds.csv", "district.csv", "outlay.csv",
                     "overrun.csv", "plan.csv", "run.json"]


def test_cli_district_malformed_table_is_located(tmp_path, capsys):
    """A negative households count in row 2 of the table: exit 2, the table's file, line 3 and
    the column, nothing written."""
    from fundmodel.cli import main
    rows = _rows(3)
    rows[1][3] = -5
    with pytest.raises(ScenarioError):
        _portfolio(tmp_path, rows)
    status = main(["district", str(tmp_path / "district.yaml"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert "compounds.csv:3:4 compounds[1].households" in err
    assert not (tmp_path / "o").exists()


def test_summary_leaves_the_district_table_alone(reference):
    """Bug: summary() named the index of its frame 'metric' through the district table's own
    columns object, renaming ``result.district.columns`` in place."""
    before = reference.district.columns.name
    summary = reference.summary()
    assert summary.index.name == "metric"
    assert reference.district.columns.name == before


# ---------------------------------------------------------------- issue 19: budgets overrun
def test_overrun_probability_by_hand():
    """Four draws, two calendar years; the central government's budget is 100 in both years,
    the city's 50 in the second year only (no limit in the first), the others unlimited."""
    import pandas as pd

    from fundmodel.portfolio import PortfolioResult
    from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS

    central = GOVERNMENT_LEVELS.index("central_government")
    city = GOVERNMENT_LEVELS.index("city_district_government")
    outlay = np.zeros((4, len(GOVERNMENT_LEVELS), 2))
    outlay[:, central, 0] = [90, 100, 110, 120]   # above 100 in draws 3 and 4: p = 2/4
    outlay[:, central, 1] = [99, 101, 50, 50]     # above 100 in draw 2: p = 1/4
    outlay[:, city, 1] = [60, 60, 60, 10]         # above 50 in three draws: p = 3/4
    outlay[:, city, 0] = [1e9, 1e9, 1e9, 1e9]     # no budget that year: no row
    budget = np.full((len(GOVERNMENT_LEVELS), 2), np.inf)
    budget[central] = 100.0
    budget[city, 1] = 50.0
    result = PortfolioResult(pd.DataFrame({"households": [1]}), pd.DataFrame({"x": [0.0] * 4}),
                             outlay, np.array([2026, 2027]), {"draws": 4}, budget)
    table = result.overrun()
    assert list(zip(table.level, table.year)) == [("central_government", 2026),
                                                  ("central_government", 2027),
                                                  ("city_district_government", 2027)]
    assert list(table.overrun_probability) == [2 / 4, 1 / 4, 3 / 4]
    assert list(table.budget_cny) == [100.0, 100.0, 50.0]
    assert list(table.mean_cny) == [(90 + 100 + 110 + 120) / 4, (99 + 101 + 50 + 50) / 4,
                                    (60 + 60 + 60 + 10) / 4]
    # the standard error of a share of 4 draws: sqrt(p (1 - p) / 4)
    assert table.mcse.tolist() == pytest.approx([np.sqrt(0.25 / 4), np.sqrt(0.1875 / 4),
                                                 np.sqrt(0.1875 / 4)])
    # exactly at the budget is not an overrun (draw 2 of 2026 pays 100 of 100)
    no_budget = PortfolioResult(result.compounds, result.district, outlay,
                                result.calendar_years, {"draws": 4})
    assert no_budget.overrun().empty


def test_budgets_are_placed_on_the_calendar_years():
    from types import SimpleNamespace

    from fundmodel.portfolio.evaluation import budgets_by_year
    from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS

    matrix = np.full((len(GOVERNMENT_LEVELS), 2), np.inf)
    matrix[0] = [10.0, 20.0]
    phasing = SimpleNamespace(first_year=2026, years=2, budget_matrix=lambda: matrix)
    scenario = SimpleNamespace(portfolio=SimpleNamespace(phasing=phasing))
    out = budgets_by_year(scenario, np.arange(2025, 2029))
    assert out[0].tolist() == [np.inf, 10.0, 20.0, np.inf]   # 2025 and 2028 outside the plan
    assert np.isinf(out[1:]).all()
    assert budgets_by_year(SimpleNamespace(portfolio=SimpleNamespace(phasing=None)),
                           np.arange(2025, 2029)) is None


def test_cli_district_prints_and_writes_the_overrun(tmp_path, capsys):
    import pandas as pd

    from fundmodel.cli import main
    scenario = _portfolio(tmp_path, _rows(6), extra=PHASING)
    assert main(["district", str(tmp_path / "district.yaml"), "--draws", "40", "-q",
                 "--out", str(tmp_path / "out"), "--no-areas"]) == 0
    printed = capsys.readouterr().out
    assert "Probability that a level's budget is overrun" in printed
    written = pd.read_csv(tmp_path / "out" / "overrun.csv")
    outlay = pd.read_csv(tmp_path / "out" / "outlay.csv")
    first = scenario.portfolio.phasing.first_year
    years = range(first, first + scenario.portfolio.phasing.years)
    assert list(written.level.unique()) == ["central_government"]
    assert list(written.year) == list(years)
    assert (written.budget_cny == 1_500_000).all()
    assert ((written.overrun_probability >= 0) & (written.overrun_probability <= 1)).all()
    # the mean outlay is outlay.csv's, year by year
    central = outlay[outlay.level == "central_government"].set_index("year")["mean_cny"]
    for row in written.itertuples():
        assert row.mean_cny == pytest.approx(central.get(row.year, 0.0), rel=1e-12, abs=1e-6)
    # a probability of 0 or 1 where the 5-95 % band lies wholly under or over the budget
    for row in written.itertuples():
        band = outlay[(outlay.level == "central_government") & (outlay.year == row.year)]
        if len(band) and band.p95_cny.iloc[0] < 1_500_000:
            assert row.overrun_probability <= 0.05
        if len(band) and band.p05_cny.iloc[0] > 1_500_000:
            assert row.overrun_probability >= 0.95


def test_outlay_chart_draws_each_budget(tmp_path):
    pytest.importorskip("matplotlib")
    scenario = _portfolio(tmp_path, _rows(6), extra=PHASING)
    result = simulate_portfolio(scenario, 20, 1)
    fig = result.plot.outlay()
    lines = [c for c in fig.axes[0].collections if (c.get_gid() or "").startswith("budget:")]
    assert [c.get_gid() for c in lines] == ["budget:central_government"]
    heights = {round(seg[0][1], 6) for seg in lines[0].get_segments()}
    first = scenario.portfolio.phasing.first_year
    divisor = 1e6 if result.outlay()["p95_cny"].max() >= 1e6 else 1e3
    assert heights == {round(1_500_000 / divisor, 6)}
    xs = sorted(round((seg[0][0] + seg[1][0]) / 2) for seg in lines[0].get_segments())
    assert xs[0] >= first
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Budget (dashed)" in legend


def test_the_two_subsidy_totals_say_their_basis(tmp_path, capsys):
    from fundmodel.cli import main
    _portfolio(tmp_path, _rows(6), extra=PHASING)
    assert main(["district", str(tmp_path / "district.yaml"), "--draws", "20", "-q"]) == 0
    printed = capsys.readouterr().out
    n_run = int(re.search(r"(\d+) of 6 compounds in the plan", printed).group(1))
    flat = " ".join(printed.split())
    assert f"Operating subsidy, PV ({n_run} compounds run, each alone)" in flat
    assert "of all 6 compounds at the point estimates" in flat
    assert "subsidy (all compounds)" in flat


def test_portfolio_result_in_a_notebook(tmp_path):
    scenario = _portfolio(tmp_path, _rows(6), extra=PHASING)
    result = simulate_portfolio(scenario, 20, 1)
    text = repr(result)
    assert text == (f"<PortfolioResult: {len(result.compounds)} compounds, "
                    f"{int(result.compounds.households.sum()):,} households, 20 draws>")
    html = result._repr_html_()
    assert html.count("<table>") == 2                   # the totals, and the budgets
    assert "Renovation cost (CNY)" in html and "P(budget overrun)" in html
    assert "capex_total" not in html


# --------------------------------------------------------------------------- tile mechanics


def test_tiles_equal_one_engine_call_across_sampling_blocks(tmp_path):
    """Issue 21 (speed): a tile samples a span of whole sampling blocks once and cuts its
    chunks from it, and keeps the outlay only over the calendar years a level pays. Over
    draws that cross a sampling block (BLOCK_SIZE + 300), with inputs drawn per compound
    and compounds starting in different years, every chunking gives the bits of one engine
    call on all the draws at once (values from ``sample_values`` for the whole run), reduced
    by the tile's own sums: one block of compounds, so the district totals are the
    sequential sums over its compounds and the outlay their calendar payments summed so."""
    from fundmodel.inputs.sampling import BLOCK_SIZE
    from fundmodel.portfolio.tiles import (calendar_outlay, compound_metrics, metric_names,
                                           sequential_sum)
    scenario = _portfolio(tmp_path, _rows(6), per_compound=["renovation.items[2].unit_cost",
                                                            "operations.property_fee"],
                          correlation=0.3)
    draws = BLOCK_SIZE + 300
    start_years = scenario.start_year + np.array([0, 2, 1, 0, 3, 2])
    table = scenario.portfolio.table
    values = sample_values(input_space(scenario), 9, "random", 0, draws, draws,
                           list(table.ids))
    out = run_compounds(model_inputs(scenario, values, draws, table))
    per_compound, per_district = metric_names(scenario)
    metrics = compound_metrics(out, per_compound)
    offsets = start_years - scenario.start_year
    outlay = sequential_sum(calendar_outlay(out, offsets, out.n_years + 3))
    assert outlay.any()
    for chunk, workers in ((draws, 1), (1000, 1), (BLOCK_SIZE, 2), (2 * BLOCK_SIZE, 1)):
        result = simulate_portfolio(scenario, draws=draws, seed=9, start_years=start_years,
                                    chunk_draws=chunk, workers=workers)
        for name in per_district:
            np.testing.assert_array_equal(result.district[name].to_numpy(),
                                          sequential_sum(metrics[name]), err_msg=name)
        np.testing.assert_array_equal(result.outlay_cny, outlay)
        for name in ("capex_total", "npv_operations"):
            own = [metrics[name][:, c].copy() for c in range(len(table))]  # each its own row
            np.testing.assert_array_equal(result.compounds[f"{name}_mean"].to_numpy(),
                                          [row.mean() for row in own])
            np.testing.assert_array_equal(
                result.compounds[f"{name}_p05"].to_numpy(),
                [np.quantile(row, 0.05, method="inverted_cdf") for row in own])


def test_payments_in_a_window_are_the_whole_timeline_s(tmp_path):
    """The outlay computed over the years a level pays only equals the whole timeline's
    there and is zero elsewhere; the calendar window sits at each compound's offset."""
    from fundmodel.portfolio.tiles import (calendar_outlay, calendar_window,
                                           government_years, payments_by_level)
    scenario = _portfolio(tmp_path, _rows(4))
    table = scenario.portfolio.table
    out = run_compounds(model_inputs(scenario, point_values(scenario), 1, table))
    whole = payments_by_level(out)
    lo, hi = government_years(out)
    assert 0 <= lo < hi <= out.n_years
    np.testing.assert_array_equal(payments_by_level(out, years=(lo, hi)), whole[..., lo:hi])
    assert not whole[..., :lo].any() and not whole[..., hi:].any()
    with pytest.raises(ValueError, match="outside the years"):
        payments_by_level(out, years=(lo + 1, hi + 1))
    offsets = np.array([2, 0, 5, 2])
    first, window = calendar_window(out, offsets)
    assert first == lo and window.shape[-1] == 5 + hi - lo
    full = calendar_outlay(out, offsets, out.n_years + 5)
    np.testing.assert_array_equal(full[..., first:first + window.shape[-1]], window)
    assert not full[..., :first].any() and not full[..., first + window.shape[-1]:].any()
    for c, offset in enumerate(offsets):    # compound c's year t lands in calendar offset + t
        np.testing.assert_array_equal(full[:, c, :, offset:offset + out.n_years], whole[:, c])


@given(st.lists(st.lists(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, np.inf, -np.inf, np.nan,
                                          1e300, -3.25]), min_size=7, max_size=7),
                min_size=1, max_size=40),
       st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_row_quantiles_are_numpys(columns, seed):
    """Sorting each row once and taking the quantiles of the sorted rows gives the bits of
    ``np.quantile`` on the rows (ties, signed zeros, infinities and NaN included)."""
    from fundmodel.catalog import QUANTILE_METHOD
    from fundmodel.portfolio.tiles import row_quantiles
    rows = np.array(columns).T.copy()       # 7 rows of 1 to 40 draws
    rng = np.random.default_rng(seed)
    rows = rows[:, rng.permutation(rows.shape[1])]
    expected = np.quantile(rows, (0.05, 0.10, 0.50, 0.90, 0.95), axis=-1,
                           method=QUANTILE_METHOD)
    got = row_quantiles(rows.copy())
    np.testing.assert_array_equal(got.view(np.uint64), expected.view(np.uint64))


def test_a_wider_window_keeps_what_was_paid():
    """Should a later chunk pay in more years than the first, the tile's outlay window widens:
    what was kept moves to its calendar years, zeros elsewhere. Offsets 1 and 3, years 1..1
    then 0..2: window calendar 2..4 (width 3) becomes 1..5 (width 5), the old at index 1."""
    from fundmodel.portfolio.tiles import _widened
    kept = np.arange(2 * 4 * 3, dtype=float).reshape(2, 4, 3) + 1.0
    wide = _widened([kept], np.array([1, 3]), (1, 2), (0, 3))[0]
    assert wide.shape == (2, 4, 5)       # (max offset 3 + 3) − (min offset 1 + 0)
    np.testing.assert_array_equal(wide[..., 1:4], kept)
    assert not wide[..., 0].any() and not wide[..., 4].any()
