"""Comparisons and levers: fundmodel.compare, fundmodel.lever_table, the scenario's levers
section and `fundmodel compare`."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import fundmodel
from fundmodel import ScenarioError
from fundmodel.catalog import METRICS
from fundmodel.cli import main
from fundmodel.run.compare import DEFAULT_METRICS, LEVER_METRICS
from fundmodel.labels import NAMES

ROOT = Path(__file__).resolve().parents[1]
LEVERS = ROOT / "scenarios" / "sanqiao-levers.yaml"

WAGE, ON_COST, MARGIN = 3000.0, 0.25, 0.10


def tiny(levers: list | None = None) -> dict:
    """A compound whose figures are easy by hand: 100 households, 10,000 m² at 0.1 CNY/m²/month
    (fee income 12,000 a year, collected in full, no VAT), one cleaner line of ``staff`` ×
    3,000 CNY/month with 25% on-cost, a 10% management margin, one certain renovation item of
    100,000 CNY paid 60,000 by the central subsidy."""
    data = {
        "name": "tiny", "start_year": 2025, "horizon_years": 3, "discount_rate": 0.0,
        "compound": {"name": "T", "households": 100, "floor_area_m2": 10_000},
        "renovation": {"items": [{"name": "roof", "tier": "basic", "quantity": 1000,
                                  "unit": "m2", "unit_cost": 100}]},
        "funding": [{"source": "central_subsidy", "per_household": 600}],
        "operations": {
            "property_fee": {"rate_per_m2_month": 0.1, "collection_rate": 1.0},
            "costs": [{"name": "cleaner", "staff": 1, "wage_per_month": WAGE,
                       "on_cost": ON_COST}],
            "management_margin": MARGIN, "vat_rate": 0.0},
        "simulation": {"draws": 200, "seed": 7},
    }
    if levers is not None:
        data["levers"] = levers
    return data


def load(tmp_path, data: dict, name: str = "s.yaml") -> fundmodel.Scenario:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return fundmodel.load_scenario(path)


def year1_cost(staff: float) -> float:
    """staff × wage × 12 × (1 + on-cost) × (1 + margin)."""
    return staff * WAGE * 12 * (1 + ON_COST) * (1 + MARGIN)


# --------------------------------------------------------------------------- lever_table
def test_a_staff_lever_changes_the_year1_cost_by_staff_wage_on_cost_and_margin(tmp_path):
    levers = [{"name": "two cleaners", "set": {"operations.costs[cleaner].staff": 2}},
              {"name": "cheaper roof", "set": {"renovation.items[roof].unit_cost": 80}}]
    sc = load(tmp_path, tiny(levers))
    t = fundmodel.lever_table(sc, metrics=["operating_cost_first_year",
                                           "operating_surplus_first_year", "capex_total",
                                           "funding_gap"])
    assert list(t.index) == ["baseline", "two cleaners", "cheaper roof"]
    assert t.attrs["engine"] == "batch"
    cost = t[("operating_cost_first_year", "value")]
    # 1 × 3,000 × 12 × 1.25 × 1.10 = 49,500; two cleaners 99,000
    assert year1_cost(1) == pytest.approx(49_500.0, rel=1e-12)
    assert cost.tolist() == pytest.approx([49_500.0, 99_000.0, 99_000.0], rel=1e-12)
    change = t[("operating_cost_first_year", "change")]
    assert np.isnan(change.iloc[0])
    assert change.iloc[1:].tolist() == pytest.approx([49_500.0, 0.0], abs=1e-9)
    surplus = t[("operating_surplus_first_year", "value")]
    assert surplus.tolist() == pytest.approx([12_000 - 49_500, 12_000 - 99_000,
                                              12_000 - 99_000], rel=1e-12)
    # cumulative: the cheaper roof comes on top of two cleaners; 1,000 m² × 80 = 80,000,
    # of which the subsidy pays 100 × 600 = 60,000
    assert t[("capex_total", "value")].tolist() == pytest.approx([100_000, 100_000, 80_000])
    assert t[("funding_gap", "value")].tolist() == pytest.approx([40_000, 40_000, 20_000])
    assert t[("funding_gap", "change")].iloc[2] == pytest.approx(-20_000)


def test_each_lever_alone_against_the_baseline(tmp_path):
    levers = [{"name": "two cleaners", "set": {"operations.costs[cleaner].staff": 2}},
              {"name": "no cleaner", "set": {"operations.costs[cleaner].staff": 0}}]
    sc = load(tmp_path, tiny(levers))
    t = fundmodel.lever_table(sc, each=True, metrics="operating_cost_first_year")
    assert t[("operating_cost_first_year", "value")].tolist() == pytest.approx(
        [year1_cost(1), year1_cost(2), 0.0])
    assert t[("operating_cost_first_year", "change")].tolist()[1:] == pytest.approx(
        [year1_cost(1), -year1_cost(1)])        # from the baseline, not from the row before
    cumulative = fundmodel.lever_table(sc, metrics="operating_cost_first_year")
    assert cumulative[("operating_cost_first_year", "change")].iloc[2] == pytest.approx(
        -year1_cost(2))


def test_batch_and_one_evaluate_per_step_give_the_same_bits(tmp_path):
    sc = fundmodel.load_scenario(LEVERS)
    batch = fundmodel.lever_table(sc, metrics=list(LEVER_METRICS) + ["capex_total"])
    assert batch.attrs["engine"] == "batch"
    from fundmodel.scenario.validate import lever_steps
    for j, step in enumerate([sc, *lever_steps(sc)]):
        m = fundmodel.evaluate(step).metrics.iloc[0]
        for metric in [*LEVER_METRICS, "capex_total"]:
            assert batch[(metric, "value")].iloc[j] == m[metric], (j, metric)


def test_a_lever_setting_a_distribution_is_evaluated_per_step(tmp_path):
    levers = [{"name": "uncertain wage", "set": {
        "operations.costs[cleaner].wage_per_month": {"dist": "uniform", "low": 2000,
                                                     "high": 4000}}}]
    sc = load(tmp_path, tiny(levers))
    t = fundmodel.lever_table(sc, metrics="operating_cost_first_year")
    assert t.attrs["engine"] == "per step"
    # the mean of uniform(2000, 4000) is 3,000: the same cost at the point estimate
    assert t[("operating_cost_first_year", "value")].tolist() == pytest.approx(
        [year1_cost(1)] * 2, rel=1e-12)


def test_monte_carlo_lever_table_with_few_draws(tmp_path):
    data = tiny([{"name": "two cleaners", "set": {"operations.costs[cleaner].staff": 2}}])
    data["operations"]["property_fee"]["collection_rate"] = {"dist": "uniform", "low": 0.5,
                                                             "high": 1.0}
    sc = load(tmp_path, data)
    t = fundmodel.lever_table(sc, draws=64, metrics="operating_surplus_first_year,"
                              "balance_negative_at_horizon")
    assert t.attrs["seed"] == 7 and t.attrs["draws"] == 64
    assert [s for m, s in t.columns if m == "operating_surplus_first_year"] == [
        "mean", "p5", "p95", "change"]
    # the same seed for both steps: the fee draws agree, so the surplus moves by exactly the
    # extra cleaner in every statistic
    s = t["operating_surplus_first_year"]
    for stat in ("mean", "p5", "p95"):
        assert s[stat].iloc[1] - s[stat].iloc[0] == pytest.approx(-year1_cost(1), rel=1e-9)
    assert s["p5"].iloc[0] < s["mean"].iloc[0] < s["p95"].iloc[0]
    # income at most 12,000 against a cost of 49,500: the balance is always negative
    prob = t["balance_negative_at_horizon"]
    assert prob["mean"].tolist() == [1.0, 1.0] and prob["p5"].isna().all()


def test_lever_table_without_levers_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match="no levers"):
        fundmodel.lever_table(load(tmp_path, tiny()))


def test_levers_of_a_scenario_validated_from_a_dict():
    sc = fundmodel.Scenario.model_validate(
        tiny([{"name": "two cleaners", "set": {"operations.costs[cleaner].staff": 2}}]))
    t = fundmodel.lever_table(sc, metrics=["operating_cost_first_year"])
    assert t[("operating_cost_first_year", "value")].tolist() == pytest.approx(
        [year1_cost(1), year1_cost(2)])


# --------------------------------------------------------------------------- located errors
def _issues(tmp_path, data) -> list:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, data)
    return info.value.issues


def _line_of(tmp_path, text: str) -> int:
    lines = (tmp_path / "s.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_bad_lever_path_is_located_at_its_line(tmp_path):
    levers = [{"name": "typo", "set": {"operations.costs[claener].staff": 2}},
              {"name": "fine", "set": {"operations.costs[cleaner].staff": 2}},
              {"name": "no such field", "set": {"operations.property_fee.rate": 0.5}}]
    issues = _issues(tmp_path, tiny(levers))
    assert len(issues) == 2            # one per mistake; the good lever raises none
    first, second = issues
    assert first.file == str(tmp_path / "s.yaml")
    assert first.line == _line_of(tmp_path, "operations.costs[claener].staff")
    assert first.path == "levers[0].set[operations.costs[claener].staff]"
    assert "no element named 'claener'" in first.message and "cleaner" in first.message
    assert second.line == _line_of(tmp_path, "operations.property_fee.rate:")
    assert "rate" in second.message


def test_a_lever_making_an_invalid_scenario_is_located(tmp_path):
    levers = [{"name": "margin as a percentage", "set": {"operations.management_margin": 10}}]
    issues = _issues(tmp_path, tiny(levers))
    assert len(issues) == 1
    issue = issues[0]
    assert issue.line == _line_of(tmp_path, "operations.management_margin: 10")
    assert "operations.management_margin" in issue.message and "0.1" in issue.message


def test_lever_names_are_unique_and_paths_parse(tmp_path):
    same = [{"name": "a", "set": {"operations.costs[cleaner].staff": 2}},
            {"name": "a", "set": {"operations.costs[cleaner].staff": 3}}]
    assert "duplicate name 'a'" in _issues(tmp_path, tiny(same))[0].message
    bad = [{"name": "b", "set": {"operations..x": 2}}]
    issue = _issues(tmp_path, tiny(bad))[0]
    assert "cannot read the path" in issue.message and issue.line is not None


def test_cli_bad_lever_exits_2_with_one_located_line(tmp_path, capsys):
    data = tiny([{"name": "typo", "set": {"operations.costs[claener].staff": 2}}])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["compare", str(path), "--levers"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    line = _line_of(tmp_path, "claener")
    assert len(err) == 1 and err[0].startswith(f"{path}:{line}:")


# --------------------------------------------------------------------------- compare
def test_compare_side_by_side_deterministic(tmp_path):
    a = load(tmp_path, tiny(), "a.yaml")
    data = tiny()
    data["name"] = "two"
    data["operations"]["costs"][0]["staff"] = 2
    b = load(tmp_path, data, "b.yaml")
    t = fundmodel.compare([a, b])
    assert list(t.index) == list(DEFAULT_METRICS)
    assert list(t.columns) == [("tiny", "value"), ("two", "value")]
    assert t.loc["capex_total"].tolist() == [100_000, 100_000]
    assert t.loc["government_cost_per_household", ("tiny", "value")] == 600
    assert t.loc["operating_surplus_first_year"].tolist() == pytest.approx(
        [12_000 - year1_cost(1), 12_000 - year1_cost(2)])
    assert t.loc["has_funding_gap"].tolist() == [1.0, 1.0]
    # results are taken as they are; repeated names are numbered
    again = fundmodel.compare([fundmodel.evaluate(a), a], metrics="funding_gap")
    assert list(again.columns) == [("tiny", "value"), ("tiny #2", "value")]


def test_compare_monte_carlo_with_few_draws(tmp_path):
    data = tiny()
    data["renovation"]["items"][0]["unit_cost"] = {"dist": "uniform", "low": 50, "high": 150}
    sc = load(tmp_path, data)
    t = fundmodel.compare({"mc": sc}, metrics=["capex_total", "has_funding_gap"], draws=400,
                          seed=3)
    res = fundmodel.simulate(sc, 400, 3)
    x = res.metric("capex_total")
    assert t.loc["capex_total", ("mc", "mean")] == pytest.approx(x.mean(), rel=1e-12)
    assert t.loc["capex_total", ("mc", "p5")] == np.quantile(x, 0.05, method="inverted_cdf")
    assert t.loc["capex_total", ("mc", "p95")] == np.quantile(x, 0.95, method="inverted_cdf")
    # the gap is capex − 60,000 > 0 when the unit cost exceeds 60: P = (150 − 60) / 100
    p = t.loc["has_funding_gap", ("mc", "mean")]
    assert p == pytest.approx(np.mean(x > 60_000)) and abs(p - 0.9) < 0.05
    assert np.isnan(t.loc["has_funding_gap", ("mc", "p5")])
    assert t.attrs["runs"]["mc"] == {"kind": "monte_carlo", "draws": 400, "seed": 3}


def test_compare_unknown_metric_suggests(tmp_path):
    with pytest.raises(ScenarioError, match="funding_gap"):
        fundmodel.compare([load(tmp_path, tiny())], metrics="fundng_gap")


def test_zh_labels_in_the_frames(tmp_path):
    sc = load(tmp_path, tiny([{"name": "两名保洁", "set": {"operations.costs[cleaner].staff": 2}}]))
    t = fundmodel.compare([sc], lang="zh")
    assert t.index[1] == "资金缺口（元）" and t.columns.names == ["情景", "统计量"]
    lt = fundmodel.lever_table(sc, lang="zh")
    assert list(lt.index) == ["基准方案", "两名保洁"]
    assert {s for _, s in lt.columns} == {"数值", "变化"}


# --------------------------------------------------------------------------- the command
ENGLISH = re.compile("|".join(re.escape(n.en) for n in NAMES.values()) + "|" +
                     "|".join(re.escape(str(m)) for m in METRICS))


def _english_metric_names(text: str) -> list[str]:
    return sorted({m.group() for m in ENGLISH.finditer(text) if len(m.group()) > 3})


def test_cli_compare_zh_has_no_english_metric_names(tmp_path, capsys):
    a = tmp_path / "a.yaml"
    a.write_text(yaml.safe_dump(tiny(), sort_keys=False), encoding="utf-8")
    data = tiny([{"name": "两名保洁", "set": {"operations.costs[cleaner].staff": 2}}])
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for argv in (["compare", str(a), str(b), "--lang", "zh"],
                 ["compare", str(a), str(b), "--lang", "zh", "--draws", "50"],
                 ["compare", str(b), "--levers", "--lang", "zh"],
                 ["compare", str(b), "--levers", "--each", "--lang", "zh", "--draws", "50",
                  "--markdown"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "资金缺口" in out
        assert _english_metric_names(out.replace(str(tmp_path), "")) == [], argv
    assert main(["compare", str(a), str(b)]) == 0      # the check sees English when it is there
    assert "Funding gap" in _english_metric_names(capsys.readouterr().out)


def test_cli_levers_markdown_numbers(capsys):
    assert main(["compare", str(LEVERS), "--levers", "--markdown"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 + 5
    assert lines[2].startswith("| Baseline | -142,376 | 3.21 |")
    # the first lever: three guards go (3 × 2,800 × 12 × 1.25 = 126,000), one night patrol
    # shared by five comes (2,800 × 12 × 1.25 / 5 = 8,400) and 9,000 of platform fees:
    # −108,600 of direct cost, × 1.10 margin = 119,460 more surplus
    assert "(+119,460)" in lines[3]
    assert (3 * 2800 * 12 * 1.25 - 2800 * 12 * 1.25 / 5 - 9000) * 1.10 == pytest.approx(119_460)


def test_cli_compare_writes_csv_and_record(tmp_path, capsys):
    a = tmp_path / "a.yaml"
    a.write_text(yaml.safe_dump(tiny(), sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["compare", str(a), str(LEVERS), "--metrics", "capex_total,funding_gap",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["compare.csv", "run.json"]
    with open(out / "compare.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["metric", "tiny:value", "sanqiao-levers:value"]
    assert rows[1][:2] == ["capex_total", "100000.0"]
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["command"] == "compare" and record["files"] == ["compare.csv", "run.json"]
    assert main(["compare", str(LEVERS), "--levers", "--out", str(out)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["levers.csv", "run.json"]


def test_cli_option_mistakes_exit_2(tmp_path, capsys):
    a = str(LEVERS)
    assert main(["compare", a, a, "--levers"]) == 2
    assert main(["compare", a, "--each"]) == 2
    assert main(["compare", a, "--metrics", "nope"]) == 2
    err = capsys.readouterr().err
    assert "one FILE" in err and "--each goes with --levers" in err and "nope" in err
