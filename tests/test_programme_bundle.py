"""A programme's bundled project (issue 21): one profitable project paying the gaps of a
package of compounds (大片区统筹平衡), pro rata to each one's need — worked by hand."""

from __future__ import annotations

import numpy as np
import yaml

from fundmodel.engine.model import run_compounds
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.scenario import load_scenario
from test_portfolio_instruments import as_district

LABEL = "old factory"        # guangan-bundle: 8,000 m² let at 840 CNY/m²/year, basic works


def district(tmp_path, scales, pooled: bool, cap=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    as_district("guangan-bundle", tmp_path, scales=scales)
    data = yaml.safe_load((tmp_path / "district.yaml").read_text(encoding="utf-8"))
    rule = next(r for r in data["funding"] if r.get("label") == LABEL)
    rule["pooled"] = pooled
    if cap is not None:
        rule["cap"] = cap
    (tmp_path / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    sc = load_scenario(tmp_path / "district.yaml")
    return run_compounds(model_inputs(sc, point_values(sc), 1, sc.portfolio.table))


def line(out, part):
    found = next(l for l in out.ledger if l.name == f"bundle[{LABEL}].{part}")
    return found.on_timeline(out.n_years)[0]                                # (C, years)


def test_a_package_of_one_is_the_compounds_own_bundle(tmp_path):
    pooled = district(tmp_path / "p", (1.0,), True).metrics
    own = district(tmp_path / "o", (1.0,), False).metrics
    for name, value in own.items():
        np.testing.assert_allclose(pooled[name], value, rtol=1e-13, equal_nan=True,
                                   err_msg=name)


def test_one_project_pays_three_identical_compounds(tmp_path):
    """Three identical compounds, one factory: each compound's basic works get what its own
    bundle would give (the factory pays every gap, uncapped), the factory's rent is written
    once over the district (a third on each compound), and its NPV falls by the two extra
    transfers it pays (NPV = PV(rent − costs − tax) − PV(capital) − PV(transfers))."""
    own = district(tmp_path / "o", (1.0,), False)
    pooled = district(tmp_path / "p", (1.0, 1.0, 1.0), True)
    name = f"bundle[{LABEL}]"
    np.testing.assert_allclose(pooled.metrics[f"{name}.transfer"][0],
                               np.full(3, own.metrics[f"{name}.transfer"][0, 0]), rtol=1e-13)
    np.testing.assert_allclose(line(pooled, "revenue").sum(axis=0), line(own, "revenue")[0],
                               rtol=1e-13)
    np.testing.assert_allclose(line(pooled, "revenue")[1], line(own, "revenue")[0] / 3,
                               rtol=1e-13)
    # NPV of the one project: own NPV − 2 × PV(one compound's transfer)
    own_npv = own.metrics[f"{name}.npv"][0, 0]
    coverage = own.metrics[f"{name}.coverage"][0, 0]
    outlay = own_npv / (coverage - 1.0)                 # PV(surplus) − NPV = outlay
    capital_free = district(tmp_path / "z", (1.0,), False, cap=0.0).metrics
    pv_capital = capital_free[f"{name}.coverage"][0, 0]
    pv_capital = (capital_free[f"{name}.npv"][0, 0] / (pv_capital - 1.0)
                  if np.isfinite(pv_capital) and pv_capital != 1.0 else 0.0)
    pv_transfer = outlay - pv_capital
    np.testing.assert_allclose(pooled.metrics[f"{name}.npv"][0],
                               np.full(3, own_npv - 2 * pv_transfer), rtol=1e-9)


def test_a_cap_is_shared_pro_rata_to_need(tmp_path):
    """Compounds of 1, 0.5 and 2 times the size under a factory capped at 5 M: each gets 5 M ×
    its need / the package's need (its need: its own bundle's transfer, uncapped)."""
    uncapped = district(tmp_path / "u", (1.0, 0.5, 2.0), False).metrics
    need = uncapped[f"bundle[{LABEL}].transfer"][0]
    capped = district(tmp_path / "c", (1.0, 0.5, 2.0), True, cap=5_000_000).metrics
    np.testing.assert_allclose(capped[f"bundle[{LABEL}].transfer"][0],
                               5_000_000 * need / need.sum(), rtol=1e-12)
