"""A service paid per job (按次收费 below the market price, seeds/001 Xinghualing) beside the
staffed crew: the cost line's per-job form worked by hand, alone and on a shared contract; the
alternative service models; malformed inputs (located, exit 2, nothing written)."""

from __future__ import annotations

import pytest

import fundmodel
from fundmodel import Scenario, evaluate
from malformed import check_one_located_issue, edit, line_of, write

# ------------------------------------------------------------------------------ the cost line


def base(*costs: dict, households: int = 120, **ops) -> dict:
    """One compound of ``households`` households on 12,000 m², a fee of 0: each line's figure
    is easy to follow."""
    return {
        "name": "per job", "start_year": 2025, "horizon_years": 4, "discount_rate": 0.05,
        "inflation": 0.0,
        "compound": {"name": "c", "households": households, "floor_area_m2": 12000},
        "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 1,
                                  "unit_cost": 1000}]},
        "operations": {"property_fee": {"rate_per_m2_month": 0.0}, "costs": list(costs),
                       **ops},
    }


def yearly(d: dict, line: str) -> list[float]:
    return evaluate(Scenario.model_validate(d)).yearly()[line].tolist()


REPAIRS = {"name": "repairs on call", "jobs_per_household_year": 2, "price_per_job": 150,
           "discount": 0.2}


def test_a_service_paid_per_job_worked_by_hand():
    # 120 households × 2 jobs a year × 150 CNY × (1 − 20 %) = 28,800 CNY in year 1, then
    # + 3 % a year: 29,664; 30,553.92; 31,470.5376
    d = base({**REPAIRS, "growth": 0.03})
    assert yearly(d, "cost[repairs on call]") == pytest.approx(
        [28_800.0, 28_800 * 1.03, 28_800 * 1.03 ** 2, 28_800 * 1.03 ** 3], rel=1e-15)


def test_without_a_discount_the_market_price_and_inflation_as_growth():
    d = base({k: v for k, v in REPAIRS.items() if k != "discount"})
    d["inflation"] = 0.02
    # 120 × 2 × 150 = 36,000, growing with inflation (2 %) as any line without its growth
    assert yearly(d, "cost[repairs on call]") == pytest.approx(
        [36_000.0, 36_720.0, 37_454.4, 38_203.488], rel=1e-15)


def test_ageing_first_year_and_the_management_margin_apply_as_to_any_line():
    d = base({**REPAIRS, "ageing": 0.05, "first_year": 2, "years": 2},
             management_margin=0.1)
    # 28,800 × (1 + 0.05 × (t − 1)) in years 2 and 3 only: 0, 30,240, 31,680, 0
    res = evaluate(Scenario.model_validate(d)).yearly()
    assert res["cost[repairs on call]"].tolist() == pytest.approx(
        [0.0, 30_240.0, 31_680.0, 0.0], rel=1e-15)
    assert res["management_margin"].tolist() == pytest.approx(
        [0.0, 3_024.0, 3_168.0, 0.0], rel=1e-15)


def test_an_uncertain_price_gives_a_cost_per_draw():
    d = base({**REPAIRS, "price_per_job": {"dist": "choice", "values": [100, 200]}})
    res = fundmodel.simulate(Scenario.model_validate(d), draws=200, seed=1, keep_yearly=True)
    # 120 × 2 × 0.8 = 192 jobs' worth: 19,200 at 100 CNY, 38,400 at 200 CNY
    assert res.yearly("p5")["cost[repairs on call]"].iloc[0] == pytest.approx(19_200, rel=1e-15)
    assert res.yearly("p95")["cost[repairs on call]"].iloc[0] == pytest.approx(38_400, rel=1e-15)


SHARED = {"partners": 4, "partner_households": 150, "partner_floor_area_m2": 8000}


@pytest.mark.parametrize("split, share", [
    ("households", 120 / (120 + 4 * 150)),    # 1/6
    ("area", 12000 / (12000 + 4 * 8000)),     # 12/44
    ("equal", 1 / 5),
])
def test_a_shared_line_counts_the_jobs_of_the_whole_contract(split, share):
    # the contract: 120 + 4 × 150 = 720 households × 2 × 150 × 0.8 = 172,800 a year; this
    # compound bears its share by the key
    d = base({**REPAIRS, "shared": True}, shared_service={**SHARED, "split": split})
    assert yearly(d, "cost[repairs on call]") == pytest.approx([172_800 * share] * 4,
                                                               rel=1e-15)


CREW = {"name": "handyman", "staff": 1, "wage_per_month": 3000, "service_model": "crew"}


@pytest.mark.parametrize("model, crew, per_job", [("crew", 36_000.0, 0.0),
                                                  ("per_job", 0.0, 28_800.0)])
def test_a_run_keeps_the_lines_of_its_service_model(model, crew, per_job):
    d = base(CREW, {**REPAIRS, "service_model": "per_job"},
             {"name": "power", "per_year": 1000}, service_model=model)
    res = evaluate(Scenario.model_validate(d)).yearly()
    assert res["cost[handyman]"].tolist() == [crew] * 4          # 1 × 3,000 × 12
    assert res["cost[repairs on call]"].tolist() == [per_job] * 4
    assert res["cost[power]"].tolist() == [1000.0] * 4           # of no model: always


def test_lines_of_one_service_model_run_without_saying_which():
    d = base({**REPAIRS, "service_model": "per_job"})
    assert yearly(d, "cost[repairs on call]") == [28_800.0] * 4


# ------------------------------------------------------------------------------ malformed
LINE = "    - {name: routine repairs, per_year: 15000, growth: 0.04}\n"
PER_JOB = ("    - {name: repairs on call, jobs_per_household_year: 2, price_per_job: 150,"
           " discount: 0.2}\n")
TEXT = edit(LINE, LINE + PER_JOB)
C = "operations.costs[3]"
AT = "    - {name: repairs on call"

# (id, old text, new text, expected path, key phrase, text on the offending line)
CASES = [
    ("negative-price", "price_per_job: 150", "price_per_job: -150", f"{C}.price_per_job",
     "greater than or equal to 0", AT),
    ("discount-above-1", "discount: 0.2", "discount: 1.5", f"{C}.discount",
     "less than or equal to 1", AT),
    ("discount-a-percentage", "discount: 0.2", "discount: 20", f"{C}.discount",
     "did you mean 0.2", AT),
    ("unknown-field", "discount: 0.2", "discont: 0.2", f"{C}.discont", "discount", AT),
    ("negative-jobs", "jobs_per_household_year: 2", "jobs_per_household_year: -2",
     f"{C}.jobs_per_household_year", "greater than or equal to 0", AT),
    ("price-without-jobs", "jobs_per_household_year: 2, ", "", f"{C}.jobs_per_household_year",
     "give both", AT),
    ("per-job-and-per-year", "discount: 0.2", "discount: 0.2, per_year: 100",
     f"{C}.jobs_per_household_year", "or jobs_per_household_year and price_per_job", AT),
    ("discount-on-a-yearly-line", "per_year: 15000, growth: 0.04",
     "per_year: 15000, growth: 0.04, discount: 0.1", "operations.costs[2].discount",
     "per job", "    - {name: routine repairs"),
    ("both-models-unsaid", "discount: 0.2", "discount: 0.2, service_model: per_job",
     f"{C}.service_model", "operations.service_model", AT),
]


@pytest.fixture
def both_models_text():
    return edit("    - {name: cleaner, staff: 1, wage_per_month: 2500, on_cost: 0.25, "
                "growth: 0.05}", "    - {name: cleaner, staff: 1, wage_per_month: 2500, "
                "on_cost: 0.25, growth: 0.05, service_model: crew}", TEXT)


@pytest.mark.parametrize("old, new, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_pay_per_job(tmp_path, capsys, both_models_text, old, new, path, phrase, at):
    source = both_models_text if "service_model" in new else TEXT
    text = edit(old, new, source)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, path, phrase, line_of(text, at), tmp_path, capsys)


def test_the_per_job_line_above_is_well_formed(tmp_path):
    sc = fundmodel.load_scenario(write(tmp_path, TEXT))
    assert sc.operations.costs[3].per_job
    # sanqiao: 420 households × 2 × 150 × 0.8 = 100,800 a year
    households = sc.compound.households
    res = fundmodel.evaluate(sc)
    assert res.yearly()["cost[repairs on call]"].iloc[0] == pytest.approx(
        households * 2 * 150 * 0.8, rel=1e-15)


def test_a_shared_line_per_job_needs_the_partners_households():
    d = base({**REPAIRS, "shared": True}, shared_service={"partners": 4, "split": "equal"})
    with pytest.raises(Exception, match="partner_households"):
        Scenario.model_validate(d)


def test_devices_do_not_replace_a_line_paid_per_job():
    d = base(REPAIRS, devices=[{"name": "app", "platform_fee_per_year": 100,
                                "replaces": "repairs on call", "staff": 1}])
    with pytest.raises(Exception, match="per job"):
        Scenario.model_validate(d)


# ------------------------------------------------------------------------------ service areas
# Four compounds paying 15 CNY per household a month (180 a year), one operating year, no
# discounting: npv_operations = 180 × households − the service's cost.
#   crew:     one handyman per contract of up to 400 households, 1,500 × 12 = 18,000 a year
#   per job:  2 jobs × 150 CNY × (1 − 20 %) = 240 a household a year
# A, B, C (60 households each) lie 0.3 km apart; D (40 households) 7 km away.
#   alone A:  crew 10,800 − 18,000 = −7,200; per job 10,800 − 14,400 = −3,600 → per job, 3,600
#   alone D:  crew  7,200 − 18,000 = −10,800; per job 7,200 − 9,600 = −2,400 → per job, 2,400
#   A + B:    crew 21,600 − 18,000 = +3,600 → crew, 0 (saves 7,200)
#   A + B + C: crew 32,400 − 18,000 = +14,400 → crew, 0; per job 32,400 − 43,200 = −10,800
DISTRICT = """\
name: four compounds
start_year: 2025
horizon_years: 1
discount_rate: 0.0
inflation: 0.0
renovation:
  items:
    - {name: roof, tier: basic, quantity: 1, unit_cost: 1000}
operations:
  property_fee: {per_household_month: 15}
  service_model: crew
  costs:
    - {name: handyman, households_per_staff: 400, rounding: up, wage_per_month: 1500,
       service_model: crew}
    - {name: repairs on call, jobs_per_household_year: 2, price_per_job: 150, discount: 0.2,
       service_model: per_job}
portfolio:
  compounds: compounds.csv
  service_areas: {max_distance_km: 1.0, within: district}
"""
COMPOUNDS = """\
id,street,households,floor_area_m2,x_km,y_km
A,s,60,4000,0,0
B,s,60,4000,0.3,0
C,s,60,4000,0,0.3
D,s,40,3000,5,5
"""


def _district(tmp_path, text=DISTRICT):
    (tmp_path / "compounds.csv").write_text(COMPOUNDS, encoding="utf-8")
    (tmp_path / "district.yaml").write_text(text, encoding="utf-8")
    return fundmodel.load_scenario(tmp_path / "district.yaml")


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_each_area_uses_the_cheaper_service_model(tmp_path, method):
    areas = fundmodel.service_areas(_district(tmp_path), method=method)
    t = areas.table
    assert t["members"].tolist() == ["A+B+C", "D"]
    assert t["service_model"].tolist() == ["crew", "per_job"]
    assert t["service_model_standalone"].tolist() == ["per_job+per_job+per_job", "per_job"]
    assert t["subsidy_cny"].tolist() == [0.0, 2_400.0]
    assert t["subsidy_crew_cny"].tolist() == [0.0, 10_800.0]
    assert t["subsidy_per_job_cny"].tolist() == [10_800.0, 2_400.0]
    # standalone: 3 × 3,600 + 2,400 = 13,200 (each alone paid per job); shared: 2,400
    assert areas.compound_subsidy_standalone_cny.tolist() == [3_600.0] * 3 + [2_400.0]
    assert areas.subsidy_standalone_cny == 13_200.0
    assert areas.subsidy_clustered_cny == 2_400.0
    assert areas.saving_cny == 10_800.0


def test_with_the_crew_alone_the_areas_use_the_crew(tmp_path):
    # the per-job line dropped: A alone 7,200, D alone 10,800; A + B + C on one handyman
    # breaks even; D stays alone
    text = DISTRICT.replace("  service_model: crew\n", "").replace(
        "    - {name: repairs on call, jobs_per_household_year: 2, price_per_job: 150, "
        "discount: 0.2,\n       service_model: per_job}\n", "")
    areas = fundmodel.service_areas(_district(tmp_path, text))
    assert "service_model" not in areas.table.columns
    assert areas.compound_subsidy_standalone_cny.tolist() == [7_200.0] * 3 + [10_800.0]
    assert areas.table["subsidy_cny"].tolist() == [0.0, 10_800.0]
    assert areas.saving_cny == 21_600.0


def test_a_district_run_uses_the_scenarios_service_model(tmp_path):
    # the run (not the areas) keeps operations.service_model: crew, each compound alone
    sc = _district(tmp_path)
    res = fundmodel.simulate_portfolio(sc, draws=2, seed=1)
    npv = res.compounds["npv_operations_mean"].tolist()
    assert npv == [-7_200.0] * 3 + [-10_800.0]


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_a_merge_cost_per_compound_counts_against_the_saving(tmp_path, method):
    # 2,000 CNY per merged compound: A + B costs 4,000 to merge and saves 7,200 of subsidy;
    # adding C costs 2,000 more and saves its 3,600: A + B + C, merge cost 6,000; saving
    # 13,200 − 2,400 − 6,000 = 4,800
    text = DISTRICT.replace("within: district}", "within: district,\n"
                            "                  merge_cost_per_compound: 2000}")
    areas = fundmodel.service_areas(_district(tmp_path, text), method=method)
    assert areas.table["members"].tolist() == ["A+B+C", "D"]
    assert areas.table["merge_cost_cny"].tolist() == [6_000.0, 0.0]
    assert areas.merge_cost_cny == 6_000.0
    assert areas.saving_cny == 4_800.0
    # at 5,000 a compound no merge pays (A + B: 10,000 against 7,200; A + B + C: 15,000
    # against 10,800): every compound alone
    areas = fundmodel.service_areas(_district(tmp_path, text), method=method,
                                    merge_cost_per_compound=5000)
    assert areas.clusters == 4 and areas.saving_cny == 0.0


@pytest.mark.parametrize("method", ["greedy", "exact"])
def test_target_areas_from_the_scenario(tmp_path, method):
    # three areas: one pair of A, B, C on a crew (0), the third alone per job (3,600), D per
    # job (2,400)
    text = DISTRICT.replace("within: district}", "within: district, target_areas: 3}")
    areas = fundmodel.service_areas(_district(tmp_path, text), method=method)
    assert areas.clusters == 3 and areas.target_areas == 3
    assert areas.subsidy_clustered_cny == 6_000.0
    assert sorted(areas.table["service_model"]) == ["crew", "per_job", "per_job"]


AREAS = "  service_areas: {max_distance_km: 1.0, within: district}\n"
AREAS_AT = "  service_areas:"
AREA_CASES = [
    ("negative-merge-cost", "within: district}", "within: district, merge_cost_per_compound: -1}",
     "portfolio.service_areas.merge_cost_per_compound", "greater than or equal to 0"),
    ("negative-cost-per-km", "within: district}", "within: district, merge_cost_per_km: -5}",
     "portfolio.service_areas.merge_cost_per_km", "greater than or equal to 0"),
    ("target-zero", "within: district}", "within: district, target_areas: 0}",
     "portfolio.service_areas.target_areas", "greater than or equal to 1"),
    ("target-above-the-compounds", "within: district}", "within: district, target_areas: 5}",
     "portfolio.service_areas.target_areas", "more than the table's 4 compounds"),
    ("unknown-field", "within: district}", "within: district, target_area: 3}",
     "portfolio.service_areas.target_area", "target_areas"),
]


@pytest.mark.parametrize("old, new, path, phrase", [c[1:] for c in AREA_CASES],
                         ids=[c[0] for c in AREA_CASES])
def test_malformed_service_areas(tmp_path, capsys, old, new, path, phrase):
    text = edit(old, new, DISTRICT)
    (tmp_path / "compounds.csv").write_text(COMPOUNDS, encoding="utf-8")
    file = write(tmp_path, text)
    check_one_located_issue(file, text, path, phrase, line_of(text, AREAS_AT), tmp_path,
                            capsys)


def test_the_docs_example_of_the_two_service_models_loads():
    import re
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md").read_text(
        encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S)
                 if "service_model: per_job" in b)
    ops = yaml.safe_load(block)["operations"]
    d = base(*ops["costs"], service_model=ops["service_model"])
    res = evaluate(Scenario.model_validate(d)).yearly()
    # crew: guards 120 / 300 → 1 person × 2,800 × 12 = 33,600; the per-job line 0 in a run
    assert res["cost[guards]"].tolist() == [33_600.0] * 4
    assert res["cost[repairs on call]"].tolist() == [0.0] * 4
    assert res["cost[common-area power]"].tolist() == [6_000.0] * 4


def test_cli_district_prints_the_merge_cost_and_writes_the_models(tmp_path, capsys):
    import pandas as pd

    from fundmodel.cli import main

    text = DISTRICT.replace("within: district}", "within: district,\n"
                            "                  merge_cost_per_compound: 2000}")
    _district(tmp_path, text)
    status = main(["district", str(tmp_path / "district.yaml"), "--draws", "4", "-q",
                   "--no-plan", "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert status == 0
    assert "merging compounds (capital)" in printed and "6,000" in printed
    areas = pd.read_csv(tmp_path / "out" / "areas.csv")
    assert areas["service_model"].tolist() == ["crew", "per_job"]
    assert areas["merge_cost_cny"].tolist() == [6_000.0, 0.0]
