"""Values the type allows but no analyst means, and work too large for the machine.

- numbers whose arithmetic would overflow (distribution moments, products, sums, huge counts)
  and rates written as percentages are ScenarioErrors naming file:line:column and the path;
- allowed but suspicious values are warnings in ``result.info["warnings"]``;
- point estimates asked for at run time fail like the scenario setting does;
- a run too large for the available memory is refused up front with the estimate and the way
  out.

Each malformed scenario is a textual edit of ``scenarios/sanqiao-standalone.yaml``; the expected
line is found by searching the edited text.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel
from fundmodel import ModelError, ScenarioError, evaluate, load_scenario, parse_scenario, simulate
from fundmodel.run import montecarlo
from fundmodel.cli import main
from fundmodel.scenario.checks import scenario_warnings
from fundmodel.io.paths import format_path

from malformed import (BASE_TEXT, ROOT, STANDALONE, check_cli_rejects, edit, line_of, load_issues,
                       write)

GIB = 2**30


# --------------------------------------------------------------------------- helpers
def cli_rejects(tmp_path: Path, capsys, args: list[str], *expected: str) -> str:
    """``fundmodel run ... --out DIR``: exit 2, the phrases on stderr, no traceback, nothing
    written."""
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["run", *args, "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 2, captured.out + captured.err
    for phrase in expected:
        assert phrase in captured.err, f"{phrase!r} not in stderr:\n{captured.err}"
    assert "Traceback" not in captured.err + captured.out
    assert not out.exists()
    return captured.err


def standalone() -> fundmodel.Scenario:
    return load_scenario(STANDALONE)


ROOF = "unit: m2,\n       unit_cost: {dist: triangular, low: 90, mode: 110, high: 150}"
REPAIRS = "{name: routine repairs, per_year: 15000, growth: 0.04}"
GUARDS = "{name: security guards, staff: 3, wage_per_month: 2800, on_cost: 0.25,"

# --------------------------------------------------------------------------- the table
# (id, [(old, new), ...], dotted path, phrase of the message, text on the offending line)
CASES = [
    # -- distribution arithmetic beyond float range
    ("lognormal-mean-overflows", [("rate_per_m2_month: 0.5",
                                   "rate_per_m2_month: {dist: lognormal, mu: 700, sigma: 30}")],
     "operations.property_fee.rate_per_m2_month",
     "mean exp(mu + sigma²/2) = e^1150 is beyond float range", "mu: 700"),
    ("lognormal-variance-overflows", [(ROOF, "unit: m2,\n       unit_cost: {dist: lognormal, "
                                             "mean: 1e300, sd: 1e300}")],
     "renovation.items[2].unit_cost.sd", "variance sd² = e^1381.55 is beyond float range",
     "mean: 1e300"),
    ("lognormal-draws-beyond-money-bound", [(ROOF, "unit: m2,\n       unit_cost: {dist: "
                                                   "lognormal, mu: 10, sigma: 5}")],
     # exp(10 + 5·Φ⁻¹(1 − 2⁻⁵³)) = exp(10 + 5 × 8.2095) ≈ 1.48e22
     "renovation.items[2].unit_cost", "can draw values as large as 1.48e+22, beyond the bound "
     "of 1e+15 on an amount of money", "mu: 10"),
    ("normal-variance-overflows", [(REPAIRS, "{name: routine repairs, per_year: {dist: normal, "
                                             "mean: 1000, sd: 1e200, low: 0, high: 2000}}")],
     "operations.costs[2].per_year.sd", "variance sd² = (1e+200)² is beyond float range",
     "sd: 1e200"),
    ("uniform-width-overflows", [("discount_rate: 0.04", "discount_rate: {dist: uniform, "
                                                         "low: -1e308, high: 1e308}")],
     "discount_rate.high", "high − low = 1e+308 − (-1e+308) is beyond float range",
     "low: -1e308"),
    ("choice-value-beyond-money-bound", [(ROOF, "unit: m2,\n       unit_cost: {dist: choice, "
                                                "values: [100, 1e300]}")],
     "renovation.items[2].unit_cost", "can draw values as large as 1e+300", "values: [100"),
    # -- plain numbers beyond the magnitude bounds
    ("per-year-1e308", [(REPAIRS, "{name: routine repairs, per_year: 1e308, growth: 0.04}")],
     "operations.costs[2].per_year", "less than or equal to 1e+15, got 1e+308 (the bound on an "
     "amount of money, CNY)", "per_year: 1e308"),
    ("quantity-1e200", [("quantity: 400, unit: m,", "quantity: 1e200, unit: m,")],
     "renovation.items[0].quantity", "less than or equal to 1e+12, got 1e+200 (the bound on a "
     "quantity)", "quantity: 1e200"),
    ("households-10-to-400", [("households: 100", "households: 1" + "0" * 400)],
     "compound.households", "less than or equal to 1,000,000,000, got 1.00e+400", "households:"),
    ("draws-10-to-400", [("draws: 10000", "draws: 1" + "0" * 400)],
     "simulation.draws", "less than or equal to 1,000,000,000,000, got 1.00e+400", "draws:"),
    ("chunk-size-too-large", [("  seed: 20251", "  seed: 20251\n  chunk_size: 1e13")],
     "simulation.chunk_size", "less than or equal to 1,000,000,000,000, got 10000000000000",
     "chunk_size: 1e13"),
    ("floor-area-too-large", [("floor_area_m2: 10000", "floor_area_m2: 1e11")],
     "compound.floor_area_m2", "less than or equal to 1e+10, got 1e+11", "floor_area_m2: 1e11"),
    ("opening-balance-too-negative", [("  vat_rate: 0.06", "  vat_rate: 0.06\n"
                                                           "  opening_balance: -1e300")],
     "operations.opening_balance", "greater than or equal to -1e+15, got -1e+300 (the bound on an "
     "amount of money, CNY)", "opening_balance: -1e300"),
    ("shared-by-too-large", [(GUARDS, GUARDS + " shared_by: 1e6,")],
     "operations.costs[0].shared_by", "less than or equal to 10,000, got 1e+06 (more compounds "
     "than any shared contract serves)", "shared_by: 1e6"),
    ("storeys-too-many", [("storeys: 6", "storeys: 600")],
     "compound.storeys", "less than or equal to 200", "storeys: 600"),
    # -- products and sums the engine forms
    ("item-cost-product", [("quantity: 400, unit: m, unit_cost: 900",
                            "quantity: 1e9, unit: m, unit_cost: 1e9")],
     # 1e9 × 1e9 × (1 + 0.15, the contingency's high) = 1.15e18
     "renovation.items[0]", "quantity × unit_cost × (1 + contingency): up to 1.15e+18 CNY, "
     "beyond the bound of 1e+15 CNY", "quantity: 1e9"),
    ("items-sum", [("quantity: 400, unit: m, unit_cost: 900",
                    "quantity: 1e6, unit: m, unit_cost: 6e8"),
                   ("quantity: 300, unit: m, unit_cost: 500", "quantity: 1e6, unit: m, "
                                                              "unit_cost: 6e8")],
     # each 1e6 × 6e8 × 1.15 = 6.9e14 (within), together 1.38e15 (beyond)
     "renovation.items", "the cost of all items together: up to 1.38e+15 CNY", "- {name: rain"),
    ("cost-lines-sum", [(REPAIRS, "{name: routine repairs, per_year: 6e14, growth: 0.04}"),
                        ("{name: common-area power and water, per_year: 6000}",
                         "{name: common-area power and water, per_year: 6e14}")],
     # (6e14 + 6e14 + guards 126,000 + cleaner 37,500) × 1.1 ≈ 1.32e15
     "operations.costs", "the cost lines of a year with the management margin: up to 1.32e+15",
     "- {name: security guards"),
    ("per-household-times-households", [("per_household: 12000", "per_household: 1e14")],
     "funding[0].per_household", "per_household × households: up to 1e+16 CNY",
     "per_household: 1e14"),
    ("fee-income", [("rate_per_m2_month: 0.5", "rate_per_m2_month: 1e12")],
     # 1e12 × 10,000 m² × 12 = 1.2e17
     "operations.property_fee.rate_per_m2_month", "the fee income of a year (rate × chargeable "
     "area × 12): up to 1.2e+17 CNY", "rate_per_m2_month: 1e12"),
    # -- rates and shares written as percentages
    ("discount-rate-percent", [("discount_rate: 0.04", "discount_rate: 3.5")],
     "discount_rate", "less than or equal to 1, got 3.5 (rates and shares are fractions: did you "
     "mean 0.035?)", "discount_rate: 3.5"),
    ("inflation-percent", [("inflation: 0.02", "inflation: 2")],
     "inflation", "got 2 (rates and shares are fractions: did you mean 0.02?)", "inflation: 2"),
    ("growth-percent", [(REPAIRS, "{name: routine repairs, per_year: 15000, growth: 5}")],
     "operations.costs[2].growth", "did you mean 0.05?", "growth: 5}"),
    ("growth-distribution-percent", [(REPAIRS, "{name: routine repairs, per_year: 15000, "
                                               "growth: {dist: uniform, low: 2, high: 5}}")],
     "operations.costs[2].growth", "ranges over [2, 5] but the value must lie in [-0.5, 1] "
     "(rates and shares are fractions: did you mean {dist: uniform, low: 0.02, high: 0.05}?)",
     "low: 2"),
    ("growth-normal-percent", [(REPAIRS, "{name: routine repairs, per_year: 15000, "
                                         "growth: {dist: normal, mean: 5, sd: 1}}")],
     "operations.costs[2].growth", "did you mean {dist: normal, mean: 0.05, sd: 0.01}?",
     "mean: 5"),
    ("growth-choice-percent", [(REPAIRS, "{name: routine repairs, per_year: 15000, "
                                         "growth: {dist: choice, values: [3, 5]}}")],
     "operations.costs[2].growth", "did you mean {dist: choice, values: [0.03, 0.05]}?",
     "values: [3, 5]"),
    ("collection-rate-percent", [("collection_rate: {dist: triangular, low: 0.6, mode: 0.8, "
                                  "high: 0.92}", "collection_rate: 80")],
     "operations.property_fee.collection_rate", "did you mean 0.8?", "collection_rate: 80"),
    ("contingency-percent", [("contingency: {dist: triangular, low: 0.0, mode: 0.05, "
                              "high: 0.15}", "contingency: {dist: triangular, low: 0, mode: 5, "
                                             "high: 15}")],
     "renovation.contingency", "did you mean {dist: triangular, low: 0, mode: 0.05, "
     "high: 0.15}?", "mode: 5,"),
    ("uptake-beta-percent", [("uptake: {dist: beta, a: 16, b: 4}",
                              "uptake: {dist: beta, a: 16, b: 4, low: 50, high: 100}")],
     "funding[3].uptake", "did you mean {dist: beta, a: 16, b: 4, low: 0.5, high: 1}?",
     "low: 50"),
    ("vat-rate-percent", [("vat_rate: 0.06", "vat_rate: 6")],
     "operations.vat_rate", "did you mean 0.06?", "vat_rate: 6"),
    ("on-cost-percent", [(GUARDS, "{name: security guards, staff: 3, wage_per_month: 2800, "
                                  "on_cost: 25,")],
     "operations.costs[0].on_cost", "did you mean 0.25?", "on_cost: 25,"),
    ("management-margin-percent", [("management_margin: 0.10", "management_margin: 10")],
     "operations.management_margin", "did you mean 0.1?", "management_margin: 10"),
    ("match-ratio-percent", [("match_ratio: 0.3", "match_ratio: 30")],
     "funding[2].match_ratio", "less than or equal to 10, got 30 (rates and shares are "
     "fractions: did you mean 0.3?)", "match_ratio: 30"),
    ("nominal-rate-percent", [("inflation: 0.02 ", "inflation: 0.02\n"
                                                   "discount_rate_nominal: 6.08 ")],
     "discount_rate_nominal", "did you mean 0.0608?", "discount_rate_nominal: 6.08"),
    ("discount-rate-below-range", [("discount_rate: 0.04", "discount_rate: -0.8")],
     "discount_rate", "greater than or equal to -0.5", "discount_rate: -0.8"),
    ("rate-far-above-range-no-hint", [("inflation: 0.02", "inflation: 250")],
     "inflation", "less than or equal to 1, got 250", "inflation: 250"),
]


def _apply(edits) -> str:
    text = BASE_TEXT
    for old, new in edits:
        text = edit(old, new, text)
    return text


@pytest.mark.parametrize("edits, path, phrase, at", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_value_is_a_located_scenario_error(tmp_path, capsys, edits, path, phrase, at):
    text = _apply(edits)
    file = write(tmp_path, text)
    line = line_of(text, at)

    with pytest.raises(ScenarioError) as info:
        load_scenario(file)
    issues = info.value.issues
    assert len(issues) == 1, "\n".join(map(str, issues))
    [issue] = issues
    assert (issue.file, issue.path, issue.line) == (str(file), path, line), str(issue)
    assert issue.column is not None
    assert phrase in issue.message, issue.message

    cli_rejects(tmp_path, capsys, [str(file)], f"{file}:{line}:", f" {path}: ", phrase)


def test_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


def test_no_hint_when_the_value_over_100_is_out_of_range_too(tmp_path):
    text = edit("inflation: 0.02", "inflation: 250")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    assert "did you mean" not in str(info.value)


def test_a_share_of_four_hundred_digits_is_a_located_error(tmp_path, capsys):
    # found by the fuzz test: 10**400 / 100 overflowed while looking for a percentage hint
    huge = "1" + "0" * 400
    text = edit("inflation: 0.02", f"inflation: {huge}")
    f = write(tmp_path, text)
    issues = load_issues(f)
    assert [i.path for i in issues] == ["inflation"]
    assert "did you mean" not in issues[0].message
    check_cli_rejects(f, tmp_path, capsys, "inflation")


def test_percentage_through_set(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(STANDALONE, ["discount_rate=3.5"])
    [issue] = info.value.issues
    assert issue.file == "--set discount_rate=3.5" and issue.path == "discount_rate"
    assert "did you mean 0.035?" in issue.message


def test_in_memory_data_names_the_field():
    data = yaml.safe_load(BASE_TEXT)
    data["operations"]["costs"][2]["growth"] = {"dist": "uniform", "low": 2, "high": 5}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    [issue] = info.value.issues
    assert issue.path == "operations.costs[2].growth" and "did you mean" in issue.message


def test_lognormal_mean_beyond_the_bound_with_draws_inside():
    """mu −160, sigma 20: every draw stays below exp(−160 + 20 × 8.2095) ≈ 67, but the mean
    exp(−160 + 20²/2) = e^40 ≈ 2.35e17 is beyond the bound (and a deterministic run uses it)."""
    data = yaml.safe_load(BASE_TEXT)
    data["renovation"]["items"][2]["unit_cost"] = {"dist": "lognormal", "mu": -160.0,
                                                   "sigma": 20.0}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    [issue] = info.value.issues
    assert issue.path == "renovation.items[2].unit_cost"
    assert f"has a mean of {math.exp(40):.3g}" in issue.message


def test_reach_of_a_lognormal():
    from scipy import stats

    from fundmodel.scenario.distributions import LogNormal

    z = stats.norm.ppf(np.nextafter(1.0, 0.0))  # the largest uniform below 1
    assert z == pytest.approx(8.2095, abs=1e-4)
    assert LogNormal(dist="lognormal", mu=0.0, sigma=4.5).reach() == (
        0.0, pytest.approx(math.exp(4.5 * z), rel=1e-9))


def test_extreme_uniforms_match_the_samplers():
    from fundmodel.inputs import sampling
    from fundmodel.io.limits import EXTREME_U

    assert EXTREME_U[0] == sampling._TINY
    assert EXTREME_U[1] == np.nextafter(1.0, 0.0)


# --------------------------------------------------------------------------- invariants
finite = st.floats(allow_nan=False, allow_infinity=False)
dists = st.one_of(
    st.builds(lambda m, s: {"dist": "lognormal", "mu": m, "sigma": abs(s)}, finite, finite),
    st.builds(lambda m, s: {"dist": "lognormal", "mean": abs(m) or 1.0, "sd": abs(s)},
              finite, finite),
    st.builds(lambda m, s, lo: {"dist": "normal", "mean": m, "sd": abs(s), "low": 0.0,
                                "high": abs(lo) + 1.0}, finite, finite, finite),
    st.builds(lambda a, b: {"dist": "uniform", "low": min(a, b), "high": max(a, b) + 1.0},
              finite, finite),
    st.builds(lambda v: {"dist": "choice", "values": v}, st.lists(finite, min_size=1,
                                                                  max_size=3)),
    finite,
)
FIELDS = [("renovation", "items", 2, "unit_cost"), ("operations", "costs", 2, "per_year"),
          ("operations", "property_fee", "rate_per_m2_month"), ("discount_rate",),
          ("operations", "costs", 0, "growth"), ("funding", 3, "uptake")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=dists)
def test_any_number_is_a_scenario_error_or_a_finite_result(field, value):
    """Whatever finite number or distribution goes into a field, validation either refuses it
    with a ScenarioError naming that field, or the deterministic run is finite."""
    data = yaml.safe_load(BASE_TEXT)
    node = data
    for part in field[:-1]:
        node = node[part]
    node[field[-1]] = value
    try:
        scenario = parse_scenario(data)
    except ScenarioError as exc:
        name = format_path(field)
        # the field itself, or what it enters: its item, the list of items or cost lines
        assert all(i.path.startswith(name) or name.startswith(i.path) for i in exc.issues), \
            str(exc)
        return
    m = evaluate(scenario).metrics.iloc[0]
    for metric in ("capex_total", "funding_gap", "npv_operations", "cumulative_balance_final",
                   "operating_surplus_first_year"):
        assert math.isfinite(m[metric]), metric


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=1.0, max_value=100.0, exclude_min=True))
def test_a_rate_above_one_that_fits_as_a_percentage_is_hinted(rate):
    data = yaml.safe_load(BASE_TEXT)
    data["discount_rate"] = rate
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data)
    [issue] = info.value.issues
    assert issue.message.endswith(f"did you mean {rate / 100:g}?)")


@settings(max_examples=60, deadline=None)
@given(st.floats(min_value=-0.5, max_value=1.0))
def test_every_rate_in_range_is_accepted(rate):
    data = yaml.safe_load(BASE_TEXT)
    data["discount_rate"] = rate
    data["inflation"] = rate
    assert parse_scenario(data).discount_rate == rate


# --------------------------------------------------------------------------- point estimates
U_SHAPED = ("uptake: {dist: beta, a: 16, b: 4}", "uptake: {dist: beta, a: 0.5, b: 0.5}")


def test_cli_point_estimate_mode_without_a_mode(tmp_path, capsys):
    file = write(tmp_path, edit(*U_SHAPED))
    err = cli_rejects(tmp_path, capsys, [str(file), "--point-estimate", "mode"],
                      "funding[3].uptake: beta(a=0.5, b=0.5) is U-shaped and has no single mode",
                      "'mode'")
    assert len(err.strip().splitlines()) == 1


def test_evaluate_point_estimate_mode_without_a_mode(tmp_path):
    scenario = load_scenario(write(tmp_path, edit(*U_SHAPED)))
    with pytest.raises(ScenarioError) as info:
        evaluate(scenario, point_estimate="mode")
    [issue] = info.value.issues
    assert issue.path == "funding[3].uptake"
    assert "U-shaped" in issue.message and "'mode'" in issue.message
    # the mean and the median exist
    assert evaluate(scenario, "median").info["point_estimate"] == "median"


def test_scenario_setting_mode_without_a_mode_is_the_same_error(tmp_path):
    text = edit(*U_SHAPED)
    text = edit("  seed: 20251", "  seed: 20251\n  point_estimate: mode", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    [issue] = info.value.issues
    assert issue.path == "funding[3].uptake" and "U-shaped" in issue.message
    assert issue.line == line_of(text, "a: 0.5")


@pytest.mark.parametrize("bad", ["p50", "Mean", "", 3])
def test_evaluate_unknown_point_estimate(bad):
    with pytest.raises(ScenarioError) as info:
        evaluate(standalone(), point_estimate=bad)
    [issue] = info.value.issues
    assert issue.path == "simulation.point_estimate"
    assert repr(bad) in issue.message and "'mean', 'median', 'mode'" in issue.message


# --------------------------------------------------------------------------- warnings
WARNING_CASES = [
    ("chargeable-area", [("floor_area_m2: 10000", "floor_area_m2: 10000\n"
                                                  "  chargeable_area_m2: 12000")],
     "compound.chargeable_area_m2", "12,000 m², more than the floor area of 10,000 m²"),
    ("negative-real-rate", [("discount_rate: 0.04", "discount_rate: -0.01")],
     "discount_rate", "the real discount rate -0.01 is negative"),
    ("negative-real-rate-distribution", [("discount_rate: 0.04", "discount_rate: {dist: "
                                          "uniform, low: -0.03, high: 0.01}")],
     "discount_rate", "-0.01 (the mean of its uniform distribution) is negative"),
    ("fee-far-above-guided", [("rate_per_m2_month: 0.5", "rate_per_m2_month: 12")],
     "operations.property_fee.rate_per_m2_month", "12 is far above guided fees of 0.3–1.9 "
     "CNY/m²/month"),
    ("collection-low", [("collection_rate: {dist: triangular, low: 0.6, mode: 0.8, high: 0.92}",
                         "collection_rate: {dist: triangular, low: 0.1, mode: 0.2, high: 0.3}")],
     "operations.property_fee.collection_rate", "0.2 (the mean of its triangular distribution)"
     " is far below"),
    ("margin-high", [("management_margin: 0.10", "management_margin: 0.6")],
     "operations.management_margin", "0.6 of the cost lines is far above"),
]


@pytest.mark.parametrize("edits, path, phrase", [c[1:] for c in WARNING_CASES],
                         ids=[c[0] for c in WARNING_CASES])
def test_warning(tmp_path, caplog, edits, path, phrase):
    scenario = load_scenario(write(tmp_path, _apply(edits)))
    warnings = scenario_warnings(scenario)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"{path}: ") and phrase in warnings[0], warnings[0]

    with caplog.at_level(logging.WARNING, logger="fundmodel"):
        result = evaluate(scenario)
    assert result.info["warnings"] == warnings
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == warnings

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="fundmodel"):
        mc = simulate(scenario, draws=64, seed=1)
    assert mc.info["warnings"] == warnings
    assert warnings[0] in [r.getMessage() for r in caplog.records]


def test_warnings_reach_the_cli(tmp_path, capsys):
    file = write(tmp_path, edit("management_margin: 0.10", "management_margin: 0.6"))
    capsys.readouterr()
    assert main(["run", str(file)]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "operations.management_margin" in out


def test_no_warnings_for_the_examples_and_at_the_thresholds():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert scenario_warnings(load_scenario(path)) == []
        if load_scenario(path).portfolio is None:
            assert evaluate(load_scenario(path)).info["warnings"] == []
    data = yaml.safe_load(BASE_TEXT)
    data["operations"]["property_fee"].update(rate_per_m2_month=10.0, collection_rate=0.3)
    data["operations"]["management_margin"] = 0.5
    data["discount_rate"] = 0.0
    data["compound"]["chargeable_area_m2"] = data["compound"]["floor_area_m2"]
    assert scenario_warnings(parse_scenario(data)) == []


def test_scenario_warnings_is_pure():
    data = yaml.safe_load(BASE_TEXT)
    data["operations"]["management_margin"] = 0.7
    data["discount_rate"] = -0.02
    scenario = parse_scenario(data)
    before = scenario.model_dump()
    first = scenario_warnings(scenario)
    first.append("changed by the caller")
    assert scenario_warnings(scenario) == first[:-1]
    assert [w.split(":")[0] for w in first[:-1]] == ["discount_rate",
                                                     "operations.management_margin"]
    assert scenario.model_dump() == before


# --------------------------------------------------------------------------- memory
@pytest.fixture
def memory(monkeypatch):
    """Set the memory the run may use: ``memory(bytes or None)``."""
    def set_available(n):
        monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: n)
    return set_available


def test_per_draw_table_too_large_is_refused(memory):
    memory(1 * GIB)
    with pytest.raises(ModelError) as info:
        simulate(standalone(), draws=100_000_000, seed=1)
    msg = str(info.value)
    # 22 metrics × 1e8 draws × 8 bytes = 1.76e10 bytes = 16.39 GiB
    assert "per-draw table 16.4 GiB (100,000,000 draws × 22 metrics × 8 bytes)" in msg
    assert "1.0 GiB is available" in msg
    assert "keep_draws=False (--no-draws)" in msg and "fewer draws" in msg


def test_yearly_paths_too_large_are_refused(memory):
    memory(4 * GIB)
    with pytest.raises(ModelError) as info:
        simulate(standalone(), draws=10_000_000, seed=1, keep_draws=False, keep_yearly=True)
    msg = str(info.value)
    # (15 lines (10 fixed + 1 income + 4 costs) × 20 years + 14 capital line-years (8 items,
    # 4 rules, gap, bridge, 1 construction year)) × 1e7 draws × 8 bytes = 2.512e10 B
    assert ("yearly paths 23.4 GiB (10,000,000 draws × (15 lines × 20 years + 14 capital "
            "line-years) × 8 bytes)") in msg
    assert "keep_yearly=False" in msg and "keep_draws=False" not in msg


def test_huge_chunk_is_refused(memory):
    memory(8 * GIB)
    with pytest.raises(ModelError) as info:
        simulate(standalone(), draws=10**9, seed=1, chunk_size=10**9, keep_draws=False)
    msg = str(info.value)
    assert "chunk working set" in msg and "smaller chunk_size (--chunk-size" in msg
    assert "per-draw table" not in msg


def test_many_tiny_chunks_are_refused(memory):
    memory(8 * GIB)
    with pytest.raises(ModelError, match=r"chunk list .* \(1,000,000,000 chunks\).*larger "
                                         r"chunk_size"):
        simulate(standalone(), draws=10**9, seed=1, chunk_size=1, keep_draws=False)


def test_what_fits_is_never_refused(memory):
    """The benchmark: 10M draws with the table kept (1.76e9 bytes) on a 24 GiB machine, and a
    run of 10,000 draws on a machine with only 100 MiB free."""
    memory(24 * GIB)
    montecarlo.check_run_size(standalone(), 10_000_000, 65_536, True, False, 1, "random", 4)
    montecarlo.check_run_size(standalone(), 10_000_000, 65_536, True, False, 2, "random", 4)
    memory(100 * 2**20)
    assert simulate(standalone(), draws=10_000, seed=1).n_draws == 10_000


def test_estimate_is_exact_for_the_stored_arrays():
    sc = standalone()
    parts = montecarlo.memory_estimate(sc, 1000, 10_000, True, True, 1, 4)
    assert parts["per-draw table"][0] == 22 * 1000 * 8
    assert parts["yearly paths"][0] == (15 * 20 + 14) * 1000 * 8
    assert parts["chunk list"][0] == 130  # one chunk


def test_memory_unknown_only_fixed_bounds(memory):
    memory(None)
    montecarlo.check_run_size(standalone(), 10**12, 65_536, True, True, 1, "random", 4)
    with pytest.raises(ModelError, match="draws must be at most"):
        montecarlo.check_run_size(standalone(), 10**12 + 1, 65_536, True, True, 1, "random", 4)


def test_available_memory_reads_meminfo_or_falls_back(monkeypatch):
    n = montecarlo._available_memory_bytes()
    assert n is None or n > 0

    def no_file(*args, **kwargs):
        raise OSError("no /proc")

    monkeypatch.setattr("builtins.open", no_file)
    fallback = montecarlo._available_memory_bytes()
    assert fallback is None or fallback > 0


@pytest.mark.parametrize("kwargs, phrase", [
    ({"draws": 10**400}, "draws must be at most"),
    ({"draws": 10**12 + 1}, "draws must be at most"),
    ({"draws": 10, "chunk_size": 10**13}, "chunk_size must be at most"),
    ({"draws": 10, "workers": 10**6}, "workers must be at most 256"),
], ids=["draws-10-to-400", "draws-just-above", "chunk-size", "workers"])
def test_run_arguments_out_of_bounds(kwargs, phrase):
    with pytest.raises(ModelError, match=phrase):
        simulate(standalone(), seed=1, **kwargs)


def test_sobol_with_too_many_columns():
    data = yaml.safe_load(BASE_TEXT)
    data["horizon_years"] = 100
    data["operations"]["costs"] = [
        {"name": f"line {i}", "per_year": 100.0,
         "growth": {"dist": "uniform", "low": 0.0, "high": 0.05, "each_year": True}}
        for i in range(213)]
    scenario = parse_scenario(data)  # 213 × 100 + 4 = 21,304 uniform columns
    with pytest.raises(ModelError, match="sobol sampler supports at most 21,201 uniform columns "
                                         "and this scenario needs 21,304"):
        simulate(scenario, draws=10, seed=1, sampler="sobol")


def test_each_year_inputs_over_a_long_horizon(memory):
    """50 cost lines with growth drawn each year over 100 years: 5,004 uniform columns and
    61 yearly lines; a chunk of 65,536 draws needs 65,536 × 8 × (1.75 × 62 × 100 + 3 × 5,004
    + 3 × (8 + 4) + 2 × 22) = 65,536 × 207,536 bytes ≈ 12.7 GiB, plus 2 × 4,096 × 3 × 5,004 × 8
    bytes (0.9 GiB) of block uniforms."""
    data = yaml.safe_load(BASE_TEXT)
    data["horizon_years"] = 100
    data["operations"]["costs"] = [
        {"name": f"line {i}", "per_year": 100.0,
         "growth": {"dist": "uniform", "low": 0.0, "high": 0.05, "each_year": True}}
        for i in range(50)]
    scenario = parse_scenario(data)
    parts = montecarlo.memory_estimate(scenario, 10**6, 65_536, False, False, 1, 5004)
    assert parts["chunk working set"][0] == 65_536 * 207_536 + 2 * 4096 * 3 * 5004 * 8
    memory(4 * GIB)
    with pytest.raises(ModelError, match=r"chunk working set 13\.6 GiB .*5,004 uniform columns"
                                         r".*smaller chunk_size"):
        simulate(scenario, draws=10**6, seed=1, keep_draws=False, chunk_size=65_536)


def test_cli_refuses_a_run_too_large(tmp_path, capsys, memory):
    memory(1 * GIB)
    err = cli_rejects(tmp_path, capsys, [str(STANDALONE), "--draws", "100000000000"],
                      "this run needs about", "--no-draws", "1.0 GiB is available")
    assert len(err.strip().splitlines()) == 1


def test_cli_draws_10_to_400(tmp_path, capsys):
    cli_rejects(tmp_path, capsys, [str(STANDALONE), "--draws", "1" + "0" * 400],
                "draws must be at most")


def test_a_warning_reaches_the_console_and_the_run_record(tmp_path, capsys):
    """A chargeable area above the floor area is allowed but warned: on the console and in
    run.json."""
    import json

    text = edit("floor_area_m2: 10000", "floor_area_m2: 10000\n  chargeable_area_m2: 12000")
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["run", str(write(tmp_path, text)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "warning:" in printed and "compound.chargeable_area_m2" in printed
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [w for w in record["warnings"] if w.startswith("compound.chargeable_area_m2:")]
