"""Investors, bundled projects and debt in a district: every compound's instruments on the
compound axis give the bits of its own one-compound run (issue 21)."""

from __future__ import annotations

import csv
import pathlib

import numpy as np
import pytest
import yaml

from fundmodel.catalog import instrument_metric_names
from fundmodel.engine.model import run_compounds, run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.portfolio.evaluation import simulate_portfolio
from fundmodel.run.montecarlo import simulate
from fundmodel.scenario import load_scenario
from fundmodel.scenario.portfolio import one_compound

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHIPPED = ["guangan-bundle", "special-bond-plan"]     # the scenarios with investors, bundles, debt
FACTS = ("chargeable_area_m2", "buildings", "storeys", "built_year")


def as_district(name: str, tmp_path: pathlib.Path, scales=(1.0,)):
    """A shipped one-compound scenario as a district: its compound, and copies of it scaled
    by ``scales`` (households and areas), in a compounds table."""
    data = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))
    compound = data.pop("compound")
    columns = ["id", "name", "households", "floor_area_m2", *(f for f in FACTS if f in compound)]
    with open(tmp_path / "compounds.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for k, scale in enumerate(scales):
            row = dict(compound, id=f"C{k}", name=f"compound {k}",
                       households=int(round(compound["households"] * scale)),
                       floor_area_m2=compound["floor_area_m2"] * scale)
            if "chargeable_area_m2" in compound:
                row["chargeable_area_m2"] = compound["chargeable_area_m2"] * scale
            writer.writerow([row[c] for c in columns])
    data["portfolio"] = {"compounds": "compounds.csv"}
    (tmp_path / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    return load_scenario(tmp_path / "district.yaml")


@pytest.mark.parametrize("name", SHIPPED)
def test_instruments_on_the_compound_axis_equal_each_compounds_own_run(name, tmp_path):
    """Three compounds (the scenario's, half and twice its size) computed together: every
    metric — the investor's IRR, the bundle's minimum scale, each debt's DSCR and cover — has
    the bits of the compound's own run."""
    scenario = as_district(name, tmp_path, scales=(1.0, 0.5, 2.0))
    table = scenario.portfolio.table
    together = run_compounds(model_inputs(scenario, point_values(scenario), 1, table))
    for i in range(len(table)):
        alone = one_compound(scenario, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        assert set(out.metrics) <= set(together.metrics)
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"{name} compound {i}: {metric}")


@pytest.mark.parametrize("name", SHIPPED)
def test_a_district_of_one_equals_the_one_compound_run(name, tmp_path):
    """Monte Carlo: the district's per-draw totals are the compound's own metrics, and its
    row of the compounds table summarises its instruments' metrics over the same draws."""
    scenario = as_district(name, tmp_path)
    result = simulate_portfolio(scenario, draws=700, seed=5)
    single = simulate(one_compound(scenario, 0), draws=700, seed=5)
    for metric in result.district.columns:
        if metric in single.metrics:
            np.testing.assert_array_equal(result.district[metric].to_numpy(),
                                          single.metrics[metric].to_numpy(), err_msg=metric)
    names = instrument_metric_names((rule.source, label) for rule, label in
                                    zip(scenario.funding, scenario.funding_labels()))
    assert names and all(n in single.metrics for n in names)
    for metric in names:
        values = single.metrics[metric].to_numpy()
        np.testing.assert_array_equal(result.compounds[f"{metric}_mean"].to_numpy(),
                                      [values.mean()], err_msg=metric)
        np.testing.assert_array_equal(
            result.compounds[f"{metric}_p90"].to_numpy(),
            [np.quantile(values, 0.9, method="inverted_cdf")], err_msg=metric)


def test_instrument_metric_names_are_those_a_run_gives(tmp_path):
    import fundmodel

    for name in SHIPPED + ["sanqiao-standalone"]:
        scenario = fundmodel.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        names = instrument_metric_names((rule.source, label) for rule, label in
                                        zip(scenario.funding, scenario.funding_labels()))
        emitted = [m for m in fundmodel.evaluate(scenario).metrics.columns if "[" in m
                   or m == "coverage_all_debts"]
        assert names == emitted, name


# ---------------------------------------------------------------- the repairs fund
FUNDS = ["sanqiao-long-term", "xiamen-hanlingrong"]     # the shipped scenarios with a fund


@pytest.mark.parametrize("name", FUNDS)
def test_a_repairs_fund_on_the_compound_axis_equals_each_compounds_own_run(name, tmp_path):
    """Each compound its own fund (deposits per m² of its floor area, its components as
    written): computed together, every metric has the bits of the compound's own run."""
    scenario = as_district(name, tmp_path, scales=(1.0, 0.5, 2.0))
    table = scenario.portfolio.table
    together = run_compounds(model_inputs(scenario, point_values(scenario), 1, table))
    for i in range(len(table)):
        alone = one_compound(scenario, i)
        out = run_model(model_inputs(alone, point_values(alone), 1))
        for metric, value in out.metrics.items():
            np.testing.assert_array_equal(together.metrics[metric][:, i], value,
                                          err_msg=f"{name} compound {i}: {metric}")


@pytest.mark.parametrize("name", FUNDS)
def test_a_district_of_one_with_a_fund_equals_the_one_compound_run(name, tmp_path):
    from fundmodel.catalog import FUND_METRICS

    scenario = as_district(name, tmp_path)
    result = simulate_portfolio(scenario, draws=500, seed=2)
    single = simulate(one_compound(scenario, 0), draws=500, seed=2)
    for metric in result.district.columns:
        if metric in single.metrics:          # (operating_subsidy_pv is the district's own)
            np.testing.assert_array_equal(result.district[metric].to_numpy(),
                                          single.metrics[metric].to_numpy(), err_msg=metric)
    for metric in FUND_METRICS:
        np.testing.assert_array_equal(result.compounds[f"{metric}_mean"].to_numpy(),
                                      [single.metrics[metric].to_numpy().mean()], err_msg=metric)


def test_a_component_priced_per_m2_costs_each_compound_its_own_area(tmp_path):
    """cost_per_m2: 30 CNY/m² of roof renewal every 20 years, due at the end of operating year
    5; compounds of 10,000 and 5,000 m² pay 300,000 and 150,000 from their funds in year 5
    (inflation 0 in the test)."""
    scenario = as_district("sanqiao-long-term", tmp_path, scales=(1.0, 0.5))
    data = scenario.model_dump(mode="python", exclude={"compound"}, exclude_none=True,
                               exclude_unset=True, by_alias=True)
    data["inflation"] = 0.0
    data["repairs_fund"]["components"] = [
        {"name": "roof", "cost_per_m2": 30, "useful_life_years": 20, "remaining_life_years": 5,
         "growth": 0}]
    data["portfolio"] = {"compounds": str(tmp_path / "compounds.csv")}
    from fundmodel import Scenario

    district = Scenario.model_validate(data, context={"base": tmp_path})
    table = district.portfolio.table
    out = run_compounds(model_inputs(district, point_values(district), 1, table))
    line = next(l for l in out.ledger if l.name == "repairs_fund.replacement[roof]")
    areas = np.asarray(table.floor_area_m2, dtype=float)
    paid = line.on_timeline(out.n_years)[0]                       # (C, years)
    year5 = out.n_years - district.horizon_years - 1 + 5          # the timeline's index of year 5
    np.testing.assert_allclose(paid[:, year5], 30 * areas, rtol=1e-15)
    assert paid.sum(axis=1) == pytest.approx(30 * areas)
