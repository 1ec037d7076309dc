"""The programme story (README, "A programme and its bond"): one street of Xinghualing with
households, a repairs fund, an owners' account, SOE transfer funds and a programme special bond
— its figures, its bits whatever the tiles, chunks, workers or cluster, and the package's
metrics read once per draw."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel.engine.model import run_compounds
from fundmodel.errors import ModelError
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values
from fundmodel.portfolio import simulate_portfolio

ROOT = Path(__file__).resolve().parents[1]
PROGRAMME = ROOT / "scenarios" / "xinghualing-district-programme.yaml"
BOND = "programme bond"


def _readme_text() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", text.replace("**", ""))


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(PROGRAMME)


@pytest.fixture(scope="module")
def full(scenario):
    """The story's run: the scenario's 2,000 draws."""
    return simulate_portfolio(scenario)


@pytest.mark.story
def test_readme_programme_figures(scenario, full):
    readme = _readme_text()
    table = scenario.portfolio.table
    households = np.asarray(table.households)
    soe = np.asarray(table.attribute("soe_dormitory")) > 0
    old = np.asarray(table.attribute("built_year")) < 1990
    package = households >= 50
    assert (f"{len(table)} compounds, {households.sum():,} households, with an invented yes/no "
            f"column `soe_dormitory` for the {soe.sum()} former") in readme
    assert f"provincial money for the {old.sum()} compounds built before 1990" in readme
    assert (f"the {package.sum()} compounds of 50 households or more — "
            f"{households[package].sum():,} households") in readme

    res = full
    assert res.info["draws"] == 2000
    s = res.summary()
    capex = s.loc["capex_total"]
    assert (f"The works cost {capex['mean'] / 1e6:.1f} M CNY (p5–p95 {capex['p05'] / 1e6:.1f}–"
            f"{capex['p95'] / 1e6:.1f} M over 2,000 draws), "
            f"{s.loc['government_cost', 'mean'] / 1e6:.1f} M of it public money and "
            f"{s.loc['resident_cost', 'mean'] / 1e6:.1f} M the residents'") in readme
    outlay = res.outlay().set_index(["level", "year"])["mean_cny"] / 1e6
    assert (f"In 2025 the central government pays "
            f"{outlay['central_government', 2025]:.1f} M, the province "
            f"{outlay['provincial_government', 2025]:.1f} M and the district "
            f"{outlay['city_district_government', 2025]:.1f} M") in readme
    district = outlay["city_district_government"]
    # the grace years: the coupon alone, 3.1 % of 10 M
    assert district[2026] == pytest.approx(0.31) and district[2027] == pytest.approx(0.31)
    # then a 13th of the principal and the coupon on what is left: 10/13 + 0.031 × 10
    assert district[2028] == pytest.approx(10 / 13 + 0.31)
    assert district[2040] == pytest.approx(10 / 13 + 0.031 * 10 / 13)
    assert (f"interest ({district[2026]:.2f} M a year in 2026–2027) and its principal and "
            f"interest ({district[2028]:.2f} M in 2028, falling to {district[2040]:.2f} M in "
            "2040)") in readme

    bond = res.programme_summary()
    net = bond.loc[f"debt[{BOND}].coverage_net"]
    below = (res.programme[f"debt[{BOND}].coverage_net"] < 1.2).mean()
    assert below == pytest.approx(1 - bond.loc[f"debt[{BOND}].meets_coverage", "mean"])
    assert (f"covers the service {net['mean']:.2f} times over the term (p5 {net['p5']:.2f}); "
            f"in {100 * below:.1f} % of the futures") in readme
    assert (f"Its lowest yearly DSCR is {bond.loc[f'debt[{BOND}].min_dscr', 'mean']:.2f} on "
            f"average") in readme
    assert (f"in {bond.loc[f'debt[{BOND}].shortfall_years', 'mean']:.1f} years on average the "
            "pool falls short") in readme

    c = res.compounds
    voting = ((np.asarray(table.tier_planned) == "upgrade")
              & (np.asarray(table.attribute("lifts_possible")) > 0))
    built = c["built_share[lifts]_mean"].to_numpy()[voting]
    stairs = int(np.asarray(table.attribute("buildings"))[voting].sum())
    assert f"{voting.sum()} compounds vote on lifts, {stairs} stairs" in readme
    assert f"In {(built < 0.5).sum()} of them the lifts are built in less than half" in readme
    failing = households[voting][built < 0.5]
    assert f"a compound of {failing.max()} households" in readme

    areas = fundmodel.service_areas(scenario)
    models = areas.table["service_model"].value_counts()
    assert (f"needs {areas.subsidy_standalone_cny / 1e6:.1f} M CNY of operating subsidy over "
            f"20 years") in readme
    assert (f"grouped into {areas.clusters} shared service areas ({models['per_job']} served "
            f"per job, {models['crew']} by a crew) it needs "
            f"{areas.subsidy_clustered_cny / 1e6:.1f} M — "
            f"{100 * areas.saving_cny / areas.subsidy_standalone_cny:.0f} % less") in readme
    assert (f"The owners' accounts put "
            f"{s.loc['owners_account_top_up_total', 'mean'] / 1e6:.1f} M") in readme
    negative = c["fund_negative_years_mean"]
    level = c["level_contribution_baseline_per_m2_mean"]
    # the fund scales with each compound's area: the same per m² in every compound
    assert negative.min() == negative.max()
    assert level.min() == pytest.approx(level.max(), rel=1e-12)
    assert f"short for {negative.iloc[0]:.0f} of the 20 years" in readme
    assert f"{level.iloc[0]:.2f} CNY/m² a year keeps it from going below zero" in readme


def _same(a, b):
    pd.testing.assert_frame_equal(a.compounds, b.compounds, check_exact=True)
    pd.testing.assert_frame_equal(a.district, b.district, check_exact=True)
    pd.testing.assert_frame_equal(a.programme, b.programme, check_exact=True)
    np.testing.assert_array_equal(a.outlay_cny, b.outlay_cny)


DRAWS = 150


@pytest.fixture(scope="module")
def reference(scenario):
    return simulate_portfolio(scenario, draws=DRAWS, seed=5)


def test_the_programme_has_the_same_bits_whatever_the_chunks_and_workers(scenario, reference):
    assert reference.programme.shape == (DRAWS, 11)
    _same(reference, simulate_portfolio(scenario, draws=DRAWS, seed=5, chunk_draws=37,
                                        workers=2, compounds_per_tile=50))


def test_without_the_bond_the_tiles_split_and_the_bits_stay(scenario):
    """Without the pooled bond the street runs in tiles of 50 compounds: the same bits as one
    tile of 100, on two threads or in draw chunks of 41."""
    lean = scenario.model_copy(update={"funding": [r for r in scenario.funding
                                                   if not getattr(r, "pooled", False)]})
    one = simulate_portfolio(lean, draws=DRAWS, seed=5, compounds_per_tile=100)
    tiled = simulate_portfolio(lean, draws=DRAWS, seed=5, compounds_per_tile=50, workers=2,
                               chunk_draws=41)
    assert (one.info["tiles"], tiled.info["tiles"]) == (1, 2)
    assert one.programme.shape == (DRAWS, 0)
    _same(one, tiled)


def test_the_programme_on_a_dask_cluster(scenario, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        result = simulate_portfolio(scenario, draws=DRAWS, seed=5, client=client)
    assert result.info["executor"] == "dask"
    _same(reference, result)


def test_the_package_metrics_are_every_members_and_nan_outside(scenario, reference):
    """The programme's per-draw metrics are those every member of the package shows (the
    compounds' summaries of them equal the programme's), and the compounds outside the
    package have none."""
    c = reference.compounds
    inside = c["households"] >= 50
    for metric in ("coverage_net", "min_dscr", "shortfall_years"):
        name = f"debt[{BOND}].{metric}"
        values = reference.programme[name].to_numpy()
        assert c.loc[inside, f"{name}_mean"].nunique() == 1
        assert c.loc[inside, f"{name}_mean"].iloc[0] == values.mean()
        assert c.loc[~inside, f"{name}_mean"].isna().all()


def test_the_pools_cap_flag_is_not_rounding(scenario):
    """The bond is capped in a draw exactly when it lends less than its amount (the gap
    allocation never cuts a share): its 31 shares add up to the 10 M only to rounding, which
    must not count as a cap (it did in a third of the draws). Asked for 1,000 M, more than the
    package needs, it is capped in every draw."""
    table = scenario.portfolio.table
    first = int(np.argmax(np.asarray(table.households) >= 50))
    draws = 64
    values = sample_values(input_space(scenario), 7, "random", 0, draws, draws,
                           list(table.ids), table.households)
    for amount, always in ((10e6, False), (1e9, True)):
        rules = [r.model_copy(update={"amount": amount}) if getattr(r, "pooled", False) else r
                 for r in scenario.funding]
        asked = scenario.model_copy(update={"funding": rules})
        out = run_compounds(model_inputs(asked, values, draws, table))
        lent = out.metrics[f"debt[{BOND}].amount"].sum(axis=1)
        capped = out.metrics[f"debt[{BOND}].capped"][:, first]
        np.testing.assert_array_equal(capped == 1, lent < amount * (1 - 1e-12))
        assert (capped == 1).all() if always else (capped == 0).all()


def test_a_package_starting_in_different_years_is_refused(scenario):
    years = np.full(len(scenario.portfolio.table), 2025)
    last = np.flatnonzero(np.asarray(scenario.portfolio.table.households) >= 50)[-1]
    years[last] = 2027            # the package's last compound
    with pytest.raises(ModelError, match=r"'programme bond' covers compounds that start in "
                                         r"different years .* in 2025, .* in 2027"):
        simulate_portfolio(scenario, draws=4, start_years=years)
    years[last] = -1              # left out: the package is the others
    assert simulate_portfolio(scenario, draws=4, start_years=years).programme.shape == (4, 11)


def test_the_cli_prints_and_writes_the_programme(tmp_path, capsys):
    from fundmodel.cli import main
    out = tmp_path / "out"
    assert main(["district", str(PROGRAMME), "--draws", "20", "--no-areas", "--out",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "The programme's pooled instruments" in printed and "net coverage" in printed
    frame = pd.read_csv(out / "programme.csv", index_col="draw")
    assert frame.shape == (20, 11)
    assert f"debt[{BOND}].coverage_net" in frame.columns


def test_the_report_and_the_workbook_show_the_programme(scenario, reference, tmp_path):
    """A section and a sheet of the pooled bond's metrics over the draws, clean in Chinese;
    the workbook's numbers are programme_summary()'s."""
    import openpyxl
    from clean_text import leaks
    from test_excel import _cells
    from test_report import section_ids, visible_text

    from fundmodel.export.report import render_district_report
    for lang in ("zh", "en"):
        page = render_district_report(reference, scenario, lang=lang, scenario_file=PROGRAMME)
        assert section_ids(page) == ["plan", "outlay", "district", "programme", "compounds",
                                     "assumptions", "record"]
        book = openpyxl.load_workbook(reference.to_excel(tmp_path / f"p-{lang}.xlsx",
                                                         lang=lang, scenario=scenario))
        if lang == "zh":
            assert leaks(visible_text(page), scenario, [str(PROGRAMME)]) == []
            assert leaks(_cells(book), scenario, [str(PROGRAMME)]) == []
    sheet = book["Programme"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
    mean = reference.programme[f"debt[{BOND}].coverage_net"].to_numpy().mean()
    assert rows["Debt programme bond: net coverage"][1] == pytest.approx(mean, rel=1e-15)
    assert "Debt programme bond: net coverage" in visible_text(page)


# ------------------------------------------------------------------ the programme's bond under stress
def test_the_programmes_bond_under_each_shock(scenario):
    """The package's pledged lines are income (parking, rooms) less the rooms' upkeep: gross
    cover g and net n; revenue × f gives f·g and f·g − (g − n) (the pooled sums are linear
    in the lines), so the revenue factor at a net cover of t is (t + g − n) / g."""
    from fundmodel.evaluation import break_even, stress_grid
    grid = stress_grid(scenario)
    g = grid.loc["base", f"debt[{BOND}].coverage_gross"]
    n = grid.loc["base", f"debt[{BOND}].coverage_net"]
    for shock, f in (("revenue −10 %", 0.9), ("revenue −20 %", 0.8)):
        assert grid.loc[shock, f"debt[{BOND}].coverage_gross"] == pytest.approx(f * g,
                                                                                rel=1e-12)
        assert grid.loc[shock, f"debt[{BOND}].coverage_net"] == pytest.approx(f * g - (g - n),
                                                                              rel=1e-12)
    found = break_even(scenario, (1.2,), targets=("income",)).iloc[0]
    assert found["factor"] == pytest.approx((1.2 + g - n) / g, rel=1e-8)


def test_the_programmes_shared_inputs_are_the_draws_it_ran(scenario):
    """With every uncertain input fixed but the (shared) parking occupancy, the package's gross
    cover rises with it draw by draw: the inputs read back are those the tiles drew."""
    from fundmodel.evaluation.programme import programme_inputs
    fixed = fundmodel.load_scenario(PROGRAMME, [
        "portfolio.per_compound=[]", "renovation.contingency=0.05", "renovation.items[2].unit_cost=110",
        "renovation.items[6].unit_cost=600000", "operations.property_fee.collection_rate=0.8",
        "operations.income[property rooms].occupancy=0.85",
        "households.decisions[0].willingness_to_pay_cny=40000"])
    res = simulate_portfolio(fixed, draws=64, seed=9)
    x = programme_inputs(fixed, 64, 9, res.info["sampler"])
    assert list(x.columns) == ["operations.income[parking].occupancy"]
    occupancy = x.iloc[:, 0].to_numpy()
    cover = res.programme[f"debt[{BOND}].coverage_gross"].to_numpy()
    order = np.argsort(occupancy)
    assert (np.diff(cover[order]) > 0).all()


@pytest.mark.story
def test_readme_programme_bond_under_stress(scenario, full):
    """The README's evaluation of the programme's bond: the grid, the break-even shocks, the
    chance of a cover below 1.2 and 1.1 over the story's 2,000 draws, the reverse stress
    test's box and the checks."""
    from fundmodel.evaluation import break_even, cover_below, reverse_stress, stress_grid
    from fundmodel.evaluation.programme import programme_checks
    readme = _readme_text()
    grid = stress_grid(scenario)
    net = grid[f"debt[{BOND}].coverage_net"]
    assert f"the package's net cover is {net['base']:.2f}" in readme
    assert (f"Revenue −10 % takes it to {net['revenue −10 %']:.2f}, below the 1.2 the rules "
            f"ask for, revenue −20 % to {net['revenue −20 %']:.2f}; costs +20 % only to "
            f"{net['cost +20 %']:.2f}") in readme
    assert f"the rate +100 bp to {net['rate +100 bp']:.2f}" in readme
    assert f"year's delay of the operation to {net['delay 1 year']:.2f}" in readme
    assert grid.loc["delay 1 year", f"debt[{BOND}].min_dscr"] == 0.0
    even = break_even(scenario).set_index(["target", "threshold"])["change"]
    assert (f"revenue may fall {-100 * even['income', 1.2]:.1f} % before the net cover is 1.2 "
            f"({-100 * even['income', 1.1]:.1f} % before 1.1)") in readme
    assert f"would have to rise {100 * even['costs', 1.2]:.0f} %" in readme
    below = cover_below(full, (1.1, 1.2), scenario=scenario).set_index("threshold")
    assert (f"below 1.2 in {100 * below.loc[1.2, 'probability']:.1f} % of them, below 1.1 in "
            f"{100 * below.loc[1.1, 'probability']:.1f} %") in readme
    found = reverse_stress(full, f"debt[{BOND}].coverage_net", 1.2, scenario=scenario)
    assert found.drivers == ["operations.income[parking].occupancy",
                             "operations.income[property rooms].occupancy"]
    parking, rooms = found.box.iloc[0], found.box.iloc[1]
    assert (f"parking occupancy below {parking['high']:.2f} (of {parking['full_low']:.2f}–"
            f"{parking['full_high']:.2f} drawn) and rooms let below {rooms['high']:.2f} (of "
            f"{rooms['full_low']:.2f}–{rooms['full_high']:.2f})") in readme
    assert (f"{100 * found.density:.0f} % of the futures in that box breach, against "
            f"{100 * found.base_rate:.0f} % of all") in readme
    assert f"half the breaches in {100 * found.support:.0f} % of the draws" in readme
    assert 0.5 <= found.coverage < 0.55
    checks = programme_checks(scenario).set_index("check")["status"]
    assert checks["term_limit"] == "pass" and checks["term_within_asset_life"] == "not checked"
