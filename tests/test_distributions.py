"""Distributions: sample moments against analytic ones, point estimates, clear errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

import fundmodel
from fundmodel.inputs.sampling import InputSpace, sample_values
from fundmodel.scenario.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)
N = 200_000

# (spec, analytic mean, analytic sd) — the moments come from textbook formulas or from scipy's
# own distribution objects, independent of fundmodel's code
CASES = [
    ({"dist": "normal", "mean": 10, "sd": 2}, 10, 2),
    ({"dist": "normal", "mean": 1, "sd": 1, "low": 0, "high": 3},
     stats.truncnorm(-1, 2, loc=1, scale=1).mean(), stats.truncnorm(-1, 2, loc=1, scale=1).std()),
    ({"dist": "lognormal", "mean": 100, "sd": 30}, 100, 30),
    ({"dist": "lognormal", "mu": 0.5, "sigma": 0.4}, math.exp(0.5 + 0.08),
     math.sqrt((math.exp(0.16) - 1) * math.exp(1 + 0.16))),
    ({"dist": "uniform", "low": 2, "high": 8}, 5, 6 / math.sqrt(12)),
    ({"dist": "triangular", "low": 90, "mode": 110, "high": 150}, 350 / 3,
     math.sqrt((90**2 + 110**2 + 150**2 - 90 * 110 - 90 * 150 - 110 * 150) / 18)),
    ({"dist": "pert", "low": 0, "mode": 0.05, "high": 0.2},
     (0 + 4 * 0.05 + 0.2) / 6, stats.beta(1 + 4 * 0.25, 1 + 4 * 0.75, scale=0.2).std()),
    ({"dist": "beta", "a": 16, "b": 4}, 0.8, math.sqrt(16 * 4 / (20**2 * 21))),
    ({"dist": "beta", "a": 2, "b": 3, "low": 10, "high": 20}, 14,
     10 * math.sqrt(6 / (25 * 6))),
    ({"dist": "choice", "values": [1, 2, 5], "weights": [0.5, 0.3, 0.2]}, 2.1,
     math.sqrt(0.5 * 1 + 0.3 * 4 + 0.2 * 25 - 2.1**2)),
    ({"dist": "empirical", "values": [3, 1, 4, 1, 5, 9, 2, 6]}, 31 / 8,
     float(np.std([3, 1, 4, 1, 5, 9, 2, 6]))),
]


def draw(spec: dict, sampler: str = "random", n: int = N) -> np.ndarray:
    d = ADAPTER.validate_python(spec)
    space = InputSpace([("x",)], [d], [1], [0])
    return sample_values(space, 2024, sampler, 0, n)[("x",)]


@pytest.mark.parametrize("spec,mean,sd", CASES, ids=[c[0]["dist"] + str(i) for i, c in
                                                   enumerate(CASES)])
@pytest.mark.parametrize("sampler", ["random", "lhs", "sobol"])
def test_sample_mean_within_four_standard_errors(spec, mean, sd, sampler):
    x = draw(spec, sampler)
    assert abs(x.mean() - mean) <= 4 * sd / math.sqrt(N)
    assert ADAPTER.validate_python(spec).mean() == pytest.approx(mean, rel=1e-12)
    assert x.std() == pytest.approx(sd, rel=0.02)


def test_point_estimates():
    tri = ADAPTER.validate_python({"dist": "triangular", "low": 0, "mode": 1, "high": 4})
    assert tri.mode() == 1
    assert tri.median() == pytest.approx(stats.triang(0.25, loc=0, scale=4).median())
    ln = ADAPTER.validate_python({"dist": "lognormal", "mu": 1, "sigma": 0.5})
    assert ln.median() == pytest.approx(math.e)
    assert ln.mode() == pytest.approx(math.exp(1 - 0.25))
    beta = ADAPTER.validate_python({"dist": "beta", "a": 3, "b": 2})
    assert beta.mode() == pytest.approx(2 / 3)
    assert beta.median() == pytest.approx(stats.beta(3, 2).median())
    choice = ADAPTER.validate_python({"dist": "choice", "values": [1, 2], "weights": [0.3, 0.7]})
    assert choice.mode() == 2


def test_empirical_from_csv(tmp_path: Path):
    (tmp_path / "wages.csv").write_text("year,growth\n2019,0.06\n2020,0.02\n2021,\n2022,0.05\n")
    text = Path("scenarios/sanqiao-standalone.yaml").read_text(encoding="utf-8").replace(
        "growth: 0.05}\n    - {name: cleaner",
        "growth: {dist: empirical, file: wages.csv, column: growth}}\n    - {name: cleaner", 1)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    sc = fundmodel.load_scenario(tmp_path / "s.yaml")
    g = sc.operations.costs[0].growth
    assert g.values == [0.06, 0.02, 0.05]
    assert g.mean() == pytest.approx(13 / 300)
    res = fundmodel.simulate(sc, draws=3_000, seed=1, keep_yearly=True)
    year2 = res._yearly_paths["cost[security guards]"][:, 1] / 126_000 - 1
    assert set(np.round(year2, 12)) == {0.06, 0.02, 0.05}
    # round trip keeps the values, so the file is not needed again
    again = fundmodel.Scenario.model_validate_json(sc.model_dump_json())
    assert again.operations.costs[0].growth.values == [0.06, 0.02, 0.05]


# ---------------------------------------------------------------------------------- bad input
BASE = Path("scenarios/sanqiao-standalone.yaml")
ROOF = "unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}}"
UPTAKE = "uptake: {dist: beta, a: 16, b: 4}"


@pytest.mark.parametrize("old,new,path,phrase", [
    (ROOF, "unit_cost: {dist: uniform, low: 150, high: 90}}",
     "renovation.items[2].unit_cost.low", "must be below high"),
    (ROOF, "unit_cost: {dist: normal, mean: 100, sd: -5, low: 0}}",
     "renovation.items[2].unit_cost.sd", "greater than or equal to 0"),
    (ROOF, "unit_cost: {dist: lognormal, mean: 100}}",
     "renovation.items[2].unit_cost.sd", "give both mean and sd"),
    (ROOF, "unit_cost: {dist: lognormal, mean: 100, sd: 5, mu: 1, sigma: 1}}",
     "renovation.items[2].unit_cost", "either mean and sd, or mu and sigma"),
    (ROOF, "unit_cost: {dist: pert, low: 90, mode: 160, high: 150}}",
     "renovation.items[2].unit_cost.mode", "must lie between"),
    (UPTAKE, "uptake: {dist: beta, a: 0, b: 4}", "funding[3].uptake.a", "greater than 0"),
    (UPTAKE, "uptake: {dist: choice, values: [0.5, 0.9], weights: [0.5, 0.6]}",
     "funding[3].uptake.weights", "sum to 1.1"),
    (UPTAKE, "uptake: {dist: choice, values: [0.5, 0.9], weights: [1]}",
     "funding[3].uptake.weights", "1 weights for 2 values"),
    (UPTAKE, "uptake: {dist: choice, values: [0.5, 1.2]}", "funding[3].uptake",
     "must lie in [0, 1]"),
    (UPTAKE, "uptake: {dist: empirical, file: missing.csv, column: x}",
     "funding[3].uptake.file", "cannot read"),
    (UPTAKE, "uptake: {dist: beta, a: 16, b: 4, each_year: true}", "funding[3].uptake",
     "only allowed for growth rates"),
    ("  seed: 20251", "  seed: 20251\n  correlations: {inputs: [renovation.contingency, "
     "\"funding[3].uptake\"], matrix: [[1, 1.5], [1.5, 1]]}",
     "simulation.correlations.matrix", "between −1 and 1"),
    ("  seed: 20251", "  seed: 20251\n  correlations: {inputs: [renovation.contingency, "
     "\"funding[0].per_household\"], matrix: [[1, 0.5], [0.5, 1]]}",
     "simulation.correlations.inputs[1]", "not a distribution"),
    ("  seed: 20251", "  seed: 20251\n  correlations: {inputs: [renovation.contingency, "
     "\"funding[3].uptake\"], matrix: [[1, 0.5, 0], [0.5, 1, 0]]}",
     "simulation.correlations.matrix[0]", "3 entries for 2 inputs"),
    ("  seed: 20251", "  seed: 20251\n  sampler: halton", "simulation.sampler", "sobol"),
])
def test_invalid_distribution_or_correlation(tmp_path, old, new, path, phrase):
    text = BASE.read_text(encoding="utf-8")
    assert old in text
    bad = text.replace(old, new, 1)
    target = tmp_path / "bad.yaml"
    target.write_text(bad, encoding="utf-8")
    with pytest.raises(fundmodel.ScenarioError) as err:
        fundmodel.load_scenario(target)
    issue = err.value.issues[0]
    assert len(err.value.issues) == 1, str(err.value)
    assert issue.file == str(target)
    first_new_line = next(i for i, line in enumerate(bad.splitlines(), 1)
                          if new.splitlines()[-1].strip()[:20] in line)
    assert issue.line is not None and abs(issue.line - first_new_line) <= 1, str(err.value)
    assert issue.path == path, str(err.value)
    assert phrase in issue.message, str(err.value)


@pytest.mark.parametrize("mean, low, high, expected", [
    # far above the window: nearly exponential down from 1 at rate 667,970/1², so the mean is
    # 1 − 1/667,970 (scipy's truncnorm gave −11.9, outside the window: a found bug)
    (667971.0, 0.0, 1.0, 1.0 - 1.0 / 667970.0),
    (-667970.0, 0.0, 1.0, 0.0 + 1.0 / 667970.0),     # the mirror image, far below
])
def test_the_mean_of_a_window_far_out_in_a_tail(mean, low, high, expected):
    from fundmodel.scenario.distributions import Normal
    d = Normal.model_validate({"dist": "normal", "mean": mean, "sd": 1.0, "low": low,
                               "high": high})
    assert low <= d.point("mean") <= high
    assert d.point("mean") == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------- parameters whose draws cannot be computed
# Each is refused when the scenario is read, with the field located, rather than failing at
# simulate with "non-finite draw" (issue 19, item 8).
@pytest.mark.parametrize("spec, where, words", [
    ({"dist": "beta", "a": 1e308, "b": 2}, "unit_cost.a", "above 1e+09"),
    ({"dist": "beta", "a": 2, "b": 1e308}, "unit_cost.b", "above 1e+09"),
    ({"dist": "beta", "a": 1e308, "b": 1e9}, "unit_cost.a", "above 1e+09"),
    ({"dist": "pert", "low": 80, "mode": 100, "high": 150, "shape": 1e308}, "unit_cost.shape",
     "above 1e+09"),
    ({"dist": "beta", "a": 1e-308, "b": 1e-308}, "unit_cost", "cannot be computed"),
    # a window 1e300 standard deviations out in the tail: scipy's truncnorm gives NaN
    ({"dist": "normal", "mean": 1e300, "sd": 1, "low": 0, "high": 200}, "unit_cost",
     "inverse CDF"),
    ({"dist": "normal", "mean": -1e300, "sd": 1e-300, "low": 0, "high": 200}, "unit_cost",
     "inverse CDF"),
    ({"dist": "empirical", "values": [1.7e308, 1.7e308]}, "unit_cost", "cannot be computed"),
    ({"dist": "uniform", "low": 0, "high": 1.7e308}, "unit_cost", "as large as 1.7e+308"),
])
def test_parameters_beyond_computing_are_refused_at_load(spec, where, words):
    import yaml
    value = yaml.safe_dump(spec, default_flow_style=True).strip()
    with pytest.raises(fundmodel.ScenarioError) as info:
        fundmodel.load_scenario(Path("scenarios/sanqiao-standalone.yaml"),
                                [f"renovation.items[2].unit_cost={value}"])
    assert len(info.value.issues) == 1
    issue = info.value.issues[0]
    assert issue.path == f"renovation.items[2].{where}" and words in issue.message


def test_beta_on_a_share_with_huge_a_is_refused():
    """The fuzz's case: beta(a=1e308) on [0, 1] has mean 1e308/(1e308 + 1) = 1, finite, and
    passed; its inverse CDF gave NaN at simulate."""
    with pytest.raises(fundmodel.ScenarioError, match="above 1e"):
        fundmodel.load_scenario(Path("scenarios/sanqiao-standalone.yaml"),
                                ["renovation.contingency={dist: beta, a: 1e308, b: 30}"])


@pytest.mark.parametrize("spec", [
    {"dist": "beta", "a": 1e9, "b": 1e9},          # the largest shapes allowed
    {"dist": "beta", "a": 1e-300, "b": 2},          # nearly all mass at low: still computable
    {"dist": "pert", "low": 80, "mode": 100, "high": 150, "shape": 1e9},
])
def test_extreme_but_computable_parameters_simulate(spec):
    import yaml
    value = yaml.safe_dump({**spec, "low": 80, "high": 150}, default_flow_style=True).strip()
    sc = fundmodel.load_scenario(Path("scenarios/sanqiao-standalone.yaml"),
                                 [f"renovation.items[2].unit_cost={value}"])
    r = fundmodel.simulate(sc, draws=64, seed=1, progress=False)
    assert np.isfinite(r.metric("funding_gap")).all()
