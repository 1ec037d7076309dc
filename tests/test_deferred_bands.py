"""simulate(..., bands=False): the run streams means alone and the quantiles (yearly bands,
ledger quantiles) come, when first asked for, from the same draws run again — the values a
streaming run gives, to the bit."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fundmodel
from fundmodel.run import montecarlo

ROOT = Path(__file__).resolve().parents[1]
ONE_COMPOUND = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")
                      if "district" not in p.stem)
DRAWS = 20_000   # more than the sketch's buffer (16,384): its compactions are exercised


def _tables(result) -> dict[str, pd.DataFrame]:
    return {"yearly_bands": result.yearly_bands(), "p5": result.yearly("p5"),
            "cashflows": result.cashflows(), "yearly": result.yearly(),
            "summary": result.summary(), "metrics": result.metrics,
            "funding": result.funding()}


@pytest.mark.parametrize("name", ONE_COMPOUND)
def test_deferred_quantiles_are_the_streamed_ones_to_the_bit(name):
    sc = fundmodel.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    streamed = fundmodel.simulate(sc, draws=DRAWS, seed=4, chunk_size=7_000)
    deferred = fundmodel.simulate(sc, draws=DRAWS, seed=4, bands=False)
    assert streamed.info["bands"] == "streamed"
    assert deferred.info["bands"] == "deferred"
    assert "band_rank_error" not in deferred.info
    for table, frame in _tables(streamed).items():
        pd.testing.assert_frame_equal(frame, _tables(deferred)[table], check_exact=True,
                                      obj=table)
    for key in ("band_rank_error", "cashflow_rank_error"):
        assert deferred.info[key] == streamed.info[key]


def test_the_second_pass_runs_once_and_only_when_a_quantile_is_asked_for(monkeypatch, caplog):
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    calls = []
    real = montecarlo.DeferredBands.__call__
    monkeypatch.setattr(montecarlo.DeferredBands, "__call__",
                        lambda self: calls.append(1) or real(self))
    res = fundmodel.simulate(sc, draws=3_000, seed=1, bands=False)
    res.summary(), res.yearly(), res.parties(), res.probabilities()   # means: no second pass
    assert calls == []
    with caplog.at_level(logging.INFO, logger="fundmodel"):
        res.yearly("p95")
    assert calls == [1] and "again" in caplog.text
    res.yearly_bands(), res.cashflows(), res.yearly("p5")
    assert calls == [1]


def test_cashflows_first_then_bands():
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "lift-retrofit.yaml")
    a = fundmodel.simulate(sc, draws=5_000, seed=9, sampler="lhs")
    b = fundmodel.simulate(sc, draws=5_000, seed=9, sampler="lhs", bands=False, workers=2)
    pd.testing.assert_frame_equal(b.cashflows(), a.cashflows(), check_exact=True)
    pd.testing.assert_frame_equal(b.yearly_bands(), a.yearly_bands(), check_exact=True)


def test_a_deferred_result_pickles_and_computes_its_bands_after():
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-long-term.yaml")
    a = fundmodel.simulate(sc, draws=2_500, seed=3)
    b = pickle.loads(pickle.dumps(fundmodel.simulate(sc, draws=2_500, seed=3, bands=False)))
    pd.testing.assert_frame_equal(b.yearly_bands(), a.yearly_bands(), check_exact=True)


def test_bands_false_with_kept_paths_or_one_draw_defers_nothing():
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
    kept = fundmodel.simulate(sc, draws=500, seed=1, keep_yearly=True, bands=False)
    assert kept.info["bands"] == "exact"
    exact = np.quantile(kept._yearly_paths["operating_surplus"], 0.05, axis=0,
                        method="inverted_cdf")
    np.testing.assert_array_equal(kept.yearly("p5")["operating_surplus"].to_numpy(), exact)
    one = fundmodel.simulate(sc, draws=1, seed=1, bands=False)
    assert one.info["bands"] == "streamed"   # nothing varies: nothing to compute later
    assert (one.yearly("p95")["operating_surplus"] == one.yearly()["operating_surplus"]).all()


def test_streamed_metrics_with_deferred_bands():
    """keep_draws=False and bands=False: the summary streamed, the bands later, both as a run
    that streams everything gives them."""
    sc = fundmodel.load_scenario(ROOT / "scenarios" / "guangan-bundle.yaml")
    a = fundmodel.simulate(sc, draws=DRAWS, seed=2, keep_draws=False)
    b = fundmodel.simulate(sc, draws=DRAWS, seed=2, keep_draws=False, bands=False)
    pd.testing.assert_frame_equal(b.summary(), a.summary(), check_exact=True)
    pd.testing.assert_frame_equal(b.yearly_bands(), a.yearly_bands(), check_exact=True)
