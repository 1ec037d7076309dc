"""Every shipped scenario at extreme but valid values runs without a RuntimeWarning (issue 19,
item 8): warnings are errors, and numpy's floating-point errors are all set to warn (as a
user's ``np.seterr(all="warn")`` or ``python -W error::RuntimeWarning`` would show them).

Underflow is ignored by the engine (a result below 1e-308 is zero to any money figure);
overflow, division by zero and invalid values must not arise at these values.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

import fundmodel
from fundmodel.io.limits import RATE_MAX, RATE_MIN
from fundmodel.scenario.operations import MAX_HORIZON_YEARS
from fundmodel.io.paths import format_path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def growth_paths(node, path=()):
    """The paths of every growth rate a scenario writes (``growth``, ``budget_growth``...)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(k, str) and (k == "growth" or k.endswith("_growth")):
                yield path + (k,)
            else:
                yield from growth_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from growth_paths(v, path + (i,))


EDGES = {
    # the highest rates, the longest horizon, every line shrinking by half a year
    "high": {"discount_rate": RATE_MAX, "inflation": RATE_MAX, "growth": RATE_MIN},
    # the lowest rates, the longest horizon, every line doubling each year
    "low": {"discount_rate": RATE_MIN, "inflation": RATE_MIN, "growth": RATE_MAX},
    # the longest horizon alone (the file's rates): guangan-bundle's IRR grid underflowed
    "long": {},
    # a discount rate of 1 alone
    "discount": {"discount_rate": RATE_MAX},
}


def overrides(path: Path, edge: dict) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = [f"horizon_years={MAX_HORIZON_YEARS}"]
    out += [f"{key}={edge[key]}" for key in ("discount_rate", "inflation") if key in edge]
    if "growth" in edge:
        out += [f"{format_path(p)}={edge['growth']}" for p in growth_paths(data)]
    return out


@pytest.mark.parametrize("edge", sorted(EDGES))
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenarios_at_edge_values_do_not_warn(path, edge):
    try:
        scenario = fundmodel.load_scenario(path, overrides(path, EDGES[edge]))
    except fundmodel.ScenarioError as exc:   # refused with a located message is fine too
        assert str(exc).strip()
        pytest.skip(f"refused at load: {str(exc).splitlines()[0][:120]}")
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error", RuntimeWarning)
        if scenario.portfolio is not None:
            fundmodel.evaluate_portfolio(scenario)
            fundmodel.simulate_portfolio(scenario, draws=20, seed=1)
            return
        fundmodel.evaluate(scenario)
        result = fundmodel.simulate(scenario, draws=100, seed=1, progress=False)
        result.summary()


def test_irr_of_a_long_series_at_a_high_rate_does_not_warn():
    """The IRR grid discounts at rates up to far above 100 %: (1 + r)^−t underflows to 0 over
    100 years. Hand-worked: −100 then 10 a year for 10 years has IRR 0 (the sum is 0)."""
    from fundmodel.finance import irr

    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error", RuntimeWarning)
        r = irr(np.array([-100.0] + [10.0] * 10 + [0.0] * 89))
    assert float(r) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name, setting", [
    ("lift-retrofit", "households.buildings[0].area_per_unit_m2=1e-300"),   # consent.py
    ("liubei-soe-dormitory", "renovation.items[1].unit_cost=1e-300"),        # funding.py
    ("liubei-soe-dormitory", "renovation.items[5].quantity=1e-300"),         # instruments
    ("special-bond-plan", "renovation.items[1].unit_cost=1e-300"),
    ("special-bond-plan", "funding[2].amount=1e-300"),
    ("guangan-bundle", "funding[5].fixed_cost_per_year=1e-300"),             # bundle.py
])
def test_tiny_amounts_do_not_warn(name, setting):
    """Amounts of 1e-300 CNY: their products with shares underflowed (found by a fuzz with
    numpy's errors set to warn); the results are those of 0 to any money figure."""
    scenario = fundmodel.load_scenario(ROOT / "scenarios" / f"{name}.yaml", [setting])
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error", RuntimeWarning)
        result = fundmodel.evaluate(scenario)
    assert np.isfinite(result.metric("capex_total")).all()


def test_simulate_of_a_portfolio_is_a_typed_error():
    """simulate (one compound) on the district scenario ended in an untyped ValueError of the
    sampler; it is the ModelError evaluate gives, pointing at simulate_portfolio."""
    scenario = fundmodel.load_scenario(ROOT / "scenarios" / "xinghualing-district.yaml")
    with pytest.raises(fundmodel.ModelError, match="simulate_portfolio"):
        fundmodel.simulate(scenario, draws=10, seed=1, progress=False)
