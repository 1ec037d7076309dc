"""A programme's debt (issue 21): one special bond or bank loan for a package of compounds —
sized, limited and covered on their pooled lines, its proceeds allocated to them, each paying
its share of the service — worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from fundmodel.engine.model import run_compounds, run_model
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.scenario import load_scenario
from fundmodel.scenario.portfolio import one_compound
from test_portfolio_instruments import ROOT, as_district

BOND = "special bond"        # special-bond-plan: 60 M at 3.1 %, 15 years, 2 of grace


def district_of(tmp_path, scales, edit=None):
    """special-bond-plan as a district of compounds scaled by ``scales``; ``edit(data)``
    changes the scenario's data first."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    as_district("special-bond-plan", tmp_path, scales=scales)
    data = yaml.safe_load((tmp_path / "district.yaml").read_text(encoding="utf-8"))
    if edit is not None:
        edit(data)
    (tmp_path / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    return load_scenario(tmp_path / "district.yaml")


def pool_bond(factor: float, **terms):
    def edit(data):
        rule = next(r for r in data["funding"] if r.get("label") == BOND)
        rule.update(pooled=True, amount=rule["amount"] * factor, **terms)
    return edit


def run(district):
    return run_compounds(model_inputs(district, point_values(district), 1,
                                      district.portfolio.table))


def test_a_bond_over_k_identical_compounds_covers_as_one_bond_of_k_times_the_amount(tmp_path):
    """Three identical compounds pooled under one bond of 3 × 60 M: every pooled line is 3 ×
    the compound's and the service 3 × the single bond's, so every cover ratio is the single
    bond's (to rounding: 3x is summed as x + x + x), and each compound is lent 60 M."""
    alone = one_compound(district_of(tmp_path / "one", (1.0,)), 0)
    single = run_model(model_inputs(alone, point_values(alone), 1)).metrics
    together = run(district_of(tmp_path / "three", (1.0, 1.0, 1.0), pool_bond(3.0))).metrics
    for metric in ("amount", "min_dscr", "avg_dscr", "llcr", "coverage_gross",
                   "coverage_net", "meets_coverage", "shortfall_years"):
        name = f"debt[{BOND}].{metric}"
        np.testing.assert_allclose(together[name][0], np.full(3, single[name][0]), rtol=1e-13,
                                   err_msg=metric)
    np.testing.assert_allclose(together["coverage_all_debts"][0],
                               np.full(3, single["coverage_all_debts"][0]), rtol=1e-13)


def test_a_package_of_one_is_the_compounds_own_bond(tmp_path):
    pooled = run(district_of(tmp_path / "p", (1.0,), pool_bond(1.0))).metrics
    own = run(district_of(tmp_path / "o", (1.0,))).metrics
    for name, value in own.items():
        np.testing.assert_allclose(pooled[name], value, rtol=1e-13, equal_nan=True,
                                   err_msg=name)


def test_proceeds_are_allocated_pro_rata_and_the_service_follows(tmp_path):
    """Compounds of 1, 0.5 and 2 times the size under one bond of 20 M: each is lent 20 M ×
    its need / the package's need (gap allocation; its need is its gap with neither the bond
    nor the top-up after it); its interest and principal are its share of the pool's."""
    out = run(district_of(tmp_path / "p", (1.0, 0.5, 2.0), pool_bond(1 / 3)))
    lent = out.metrics[f"debt[{BOND}].amount"][0]
    assert lent.sum() == pytest.approx(20_000_000.0, rel=1e-12)

    def without_debt(data):
        data["funding"] = [r for r in data["funding"]
                           if r.get("label") != BOND and r["source"] != "top_up"]
    need = run(district_of(tmp_path / "n", (1.0, 0.5, 2.0), without_debt)).metrics
    need = need["funding_gap"][0]
    np.testing.assert_allclose(lent, 20_000_000.0 * need / need.sum(), rtol=1e-12)
    # 20 M is below the package's need and the gap shares never exceed a compound's need: the
    # bond is not capped, though its shares add up to 20 M only to rounding
    assert need.sum() > 20_000_000.0
    np.testing.assert_array_equal(out.metrics[f"debt[{BOND}].capped"][0], [0.0, 0.0, 0.0])
    ledger = {line.name: line for line in out.ledger}
    interest = ledger[f"debt[{BOND}].interest"].amount[0]            # (C, term)
    np.testing.assert_allclose(interest[:, 0], 0.031 * lent, rtol=1e-12)   # year 1: coupon
    # the allocation by households: 4,860 × (1, 0.5, 2) households
    hh = run(district_of(tmp_path / "h", (1.0, 0.5, 2.0),
                         pool_bond(1 / 3, allocation="households"))).metrics
    np.testing.assert_allclose(hh[f"debt[{BOND}].amount"][0],
                               20_000_000.0 * np.array([4860, 2430, 9720]) / 17010,
                               rtol=1e-12)


def test_the_shortfall_of_the_pool_lands_on_the_issuer(tmp_path):
    """A bond its pooled lines cannot carry (10 × the amount): the issuer pays the service and
    receives the pooled pledged revenue (more than the interest in the grace years); in the
    years the pool falls short — those ``shortfall_years`` counts — the issuer bears the
    difference."""
    district = district_of(tmp_path, (1.0, 0.5), pool_bond(10.0))
    out = run(district)
    issuer = next(r for r in district.funding if getattr(r, "label", None) == BOND).issuer
    net = np.zeros(out.n_years)
    for line in out.ledger:
        if line.name.startswith(f"debt[{BOND}]."):
            flows = line.on_timeline(out.n_years)[0].sum(axis=0)        # the pool's
            net += flows * ((line.payer == issuer) - (line.payee == issuer))
    assert net.min() < 0 < net.max()              # a surplus in the grace years, then short
    assert int((net > 1e-6).sum()) == out.metrics[f"debt[{BOND}].shortfall_years"][0, 0] > 0


def test_allocation_needs_pooled(tmp_path):
    from fundmodel.errors import ScenarioError

    with pytest.raises(ScenarioError, match="allocation shares a pooled debt"):
        district_of(tmp_path, (1.0,), lambda d: next(
            r for r in d["funding"] if r.get("label") == BOND).update(allocation="cost"))


def test_a_pooled_bond_in_monte_carlo_is_the_same_bits_whatever_the_tiles(tmp_path):
    """A pooled package is computed in one tile whatever compounds_per_tile asks; the draws
    are chunked, and a chunk never changes a bit."""
    from fundmodel.portfolio.evaluation import simulate_portfolio

    district = district_of(tmp_path, (1.0, 0.5, 2.0), pool_bond(1 / 3))
    a = simulate_portfolio(district, draws=300, seed=4)
    b = simulate_portfolio(district, draws=300, seed=4, compounds_per_tile=50, chunk_draws=7)
    for name in a.district.columns:
        np.testing.assert_array_equal(a.district[name], b.district[name], err_msg=name)
    np.testing.assert_array_equal(a.compounds[f"debt[{BOND}].min_dscr_mean"],
                                  b.compounds[f"debt[{BOND}].min_dscr_mean"])
    # every compound of the package shows the pool's cover
    means = a.compounds[f"debt[{BOND}].coverage_net_mean"].to_numpy()
    assert means[0] == means[1] == means[2]


def test_a_package_of_51_compounds_is_one_tile(tmp_path):
    """51 compounds (not a whole number of blocks of 50) under a pooled bond: one tile of two
    blocks, not a tile of 50 and one of 1 (which would split the package and give the last
    compound a bond of its own); every compound shows the package's cover."""
    from fundmodel.portfolio.evaluation import simulate_portfolio

    district = district_of(tmp_path, (1.0, 0.5, 2.0) * 17, pool_bond(17 / 3))
    result = simulate_portfolio(district, draws=20, seed=4)
    assert result.info["tiles"] == 1 and result.info["compounds_per_tile"] == 51
    means = result.compounds[f"debt[{BOND}].coverage_net_mean"].to_numpy()
    assert np.isfinite(means[0]) and np.all(means == means[0])


def test_the_package_is_the_compounds_the_bond_applies_to(tmp_path):
    """applies_to names the package: compounds C0 and C2 pool their lines under the bond, C1
    has none of it (no allocation, its bond metrics NaN) and keeps its own gap."""
    out = run(district_of(tmp_path, (1.0, 0.5, 2.0), pool_bond(1 / 3, applies_to=["C0", "C2"])))
    lent = out.metrics[f"debt[{BOND}].amount"][0]
    assert lent[1] == 0.0 and lent[0] > 0 and lent[2] > 0
    assert lent.sum() == pytest.approx(20_000_000.0, rel=1e-12)
    assert np.isnan(out.metrics[f"debt[{BOND}].min_dscr"][0, 1])
    assert out.metrics[f"debt[{BOND}].min_dscr"][0, 0] == out.metrics[f"debt[{BOND}].min_dscr"][0, 2]


def test_allocation_without_pooled_is_located_and_the_cli_writes_nothing(tmp_path, capsys):
    from malformed import check_one_located_issue, edit, line_of, write

    text = (ROOT / "scenarios" / "special-bond-plan.yaml").read_text(encoding="utf-8")
    text = edit("    coverage_threshold: 1.2\n",
                "    coverage_threshold: 1.2\n    allocation: cost\n", text)
    file = write(tmp_path, text)
    check_one_located_issue(file, text, "funding[2].allocation", "write pooled: true",
                            line_of(text, "allocation: cost"), tmp_path, capsys)
