"""A programme's investor (issue 21): one concession over a package of compounds — it takes
over their parking, runs its own streams once and pays their gaps pro rata to need — worked
by hand."""

from __future__ import annotations

import numpy as np
import yaml

from fundmodel.engine.model import run_compounds
from fundmodel.inputs import model_inputs
from fundmodel.inputs.draws import point_values
from fundmodel.scenario import load_scenario
from test_portfolio_instruments import as_district

LABEL = "parking operator"   # guangan-bundle: 15 years of the parking, EV charging, 8 % hurdle


def district(tmp_path, scales, pooled: bool, streams: bool = True, **terms):
    tmp_path.mkdir(parents=True, exist_ok=True)
    as_district("guangan-bundle", tmp_path, scales=scales)
    data = yaml.safe_load((tmp_path / "district.yaml").read_text(encoding="utf-8"))
    rule = next(r for r in data["funding"] if r.get("label") == LABEL)
    rule.update(pooled=pooled, **terms)
    if not streams:
        rule.pop("streams")
    (tmp_path / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                            encoding="utf-8")
    sc = load_scenario(tmp_path / "district.yaml")
    return run_compounds(model_inputs(sc, point_values(sc), 1, sc.portfolio.table))


def test_a_package_of_one_is_the_compounds_own_investor(tmp_path):
    pooled = district(tmp_path / "p", (1.0,), True).metrics
    own = district(tmp_path / "o", (1.0,), False).metrics
    for name, value in own.items():
        np.testing.assert_allclose(pooled[name], value, rtol=1e-12, equal_nan=True,
                                   err_msg=name)


def test_three_identical_compounds_without_streams_are_three_times_one(tmp_path):
    """Taking over the parking of three identical compounds (no stream of its own): its flows,
    worth and the package's need are 3 × one compound's, so it invests 3 × what it invests in
    one — a third in each — and its NPV is 3 ×, its IRR the same."""
    own = district(tmp_path / "o", (1.0,), False, streams=False).metrics
    pooled = district(tmp_path / "p", (1.0, 1.0, 1.0), True, streams=False).metrics
    m = f"investor[{LABEL}]."
    np.testing.assert_allclose(pooled[m + "investment"][0],
                               np.full(3, own[m + "investment"][0, 0]), rtol=1e-12)
    np.testing.assert_allclose(pooled[m + "worth"][0], np.full(3, 3 * own[m + "worth"][0, 0]),
                               rtol=1e-12)
    np.testing.assert_allclose(pooled[m + "npv"][0], np.full(3, 3 * own[m + "npv"][0, 0]),
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(pooled[m + "irr"][0], np.full(3, own[m + "irr"][0, 0]),
                               rtol=1e-9)


def test_its_own_streams_run_once_over_the_package(tmp_path):
    """With its EV charging: the stream is written once over the district (its revenue summed
    over the compounds is one compound's own investor's), split as the investment is."""
    def stream(out):
        line = next(l for l in out.ledger if l.name == f"investor[{LABEL}].revenue[EV charging]")
        return line.on_timeline(out.n_years)[0]
    own = stream(district(tmp_path / "o", (1.0,), False))
    pooled = district(tmp_path / "p", (1.0, 0.5, 2.0), True)
    np.testing.assert_allclose(stream(pooled).sum(axis=0), own[0], rtol=1e-12)
    invested = pooled.metrics[f"investor[{LABEL}].investment"][0]
    year = int(np.argmax(own[0]))                       # a year of the concession
    np.testing.assert_allclose(stream(pooled)[:, year],
                               invested / invested.sum() * own[0][year], rtol=1e-12)
