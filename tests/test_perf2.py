"""Issue 7 (perf2): the engine's speed-ups change no metric, a batched evaluation equals separate
evaluations, and the ledger table carries quantiles.

The regression oracle below was computed at the base commit (da66cce, before any change of this
branch) with the code whose README numbers were checked by hand: the SHA-256 of the per-draw
metric table (draws × metrics, float64, C order) of a small Monte Carlo run and of the base case,
and a few values as hex floats (readable when a hash fails). They are bit-level figures of this
platform (x86-64, numpy ≥ 2): a different libm could change the last bit of a sampled input.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import fundmodel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# --------------------------------------------------------------------------- bit-identical metrics
ORACLE = {
    "sanqiao-standalone": {
        "mc": "06ff998083097ab46d82dbdb78e14a94f908b55e0d2a90c3ae6121d268397cb5",
        "det": "ba0d9d07324dd47ae3be5c22cdb8665f391fda4b0c8ba5767514707992308c80",
        "values": {
            "npv_operations": ("-0x1.4a6a18cbc104ep+21", "-0x1.4e846c6c23a69p+21",
                               "-0x1.47056b79b9430p+21", "-0x1.5213147f974b4p+21"),
            "breakeven_fee_rate": ("0x1.9b4616021e09bp+1", "0x1.b8fc8c3f98424p+1",
                                   "0x1.8590b035dbcf7p+1", "0x1.d67485627658dp+1"),
            "funding_gap": ("0x1.84e38e38e38ecp+16", "0x1.7bdcb955ae48ap+17",
                            "0x1.171eafb3b182cp+16", "0x1.073479c7aaff0p+16"),
            "cumulative_balance_final": ("-0x1.446605165e2b3p+22", "-0x1.47ffb2d63a656p+22",
                                         "-0x1.416bbddde5dd6p+22", "-0x1.4b1ed0828cbacp+22"),
        },
    },
    "sanqiao-shared-service": {
        "mc": "809a2902814d40482619fdabab1da37e8722e0a1545fa53bb80139ff7d545f50",
        "det": "273664288181ed88097bacf0971698646aedca652822e0ab6749cd92274f9dbf",
        "values": {
            "npv_operations": ("-0x1.268f660fb4be3p+13", "-0x1.5038c19c959cfp+15",
                               "0x1.1f0ef5fc0685ep+14", "-0x1.19f1633cbf65ap+16"),
            "breakeven_fee_rate": ("0x1.04d65c2f9e20cp-1", "0x1.17ae846a91e9bp-1",
                                   "0x1.ee23838d45ffcp-2", "0x1.2a5f0afda9074p-1"),
        },
    },
    "liubei-soe-dormitory": {
        "mc": "2c8af92668575995520e8ab50c678b9f67ed21b763988a808738e0f372f881af",
        "det": "d92b351091f30eff56a3e544a8e625c7c0f71ac210691707f7e5974cdc383ca9",
        "values": {
            "npv_operations": ("0x1.402866ae3da22p+15", "0x1.6b6aff7347b3bp+14",
                               "0x1.b5894fc278080p+15", "0x1.d6b6e7e145dedp+12"),
            "funding_gap": ("0x1.4952a38e38e39p+19", "0x1.93df53bdde8bbp+19",
                            "0x1.33e72babc4352p+19", "0x1.30a2f43a8d11bp+19"),
            "government_cost": ("0x1.3e9dc00000000p+21", "0x1.41b69aa9d7c1ap+21",
                                "0x1.3cf6255c03038p+21", "0x1.3bf2e2bd32fdep+21"),
            "cumulative_balance_final": ("0x1.58a1da86fb516p+15", "0x1.0b27d7bb7ecfep+14",
                                         "0x1.05c888a11e5a2p+16", "-0x1.add1af5b4e468p+12"),
        },
    },
}


def _digest(frame) -> str:
    return hashlib.sha256(np.ascontiguousarray(frame.to_numpy(dtype=float)).tobytes()).hexdigest()


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_metrics_are_bit_identical_to_the_base_commit(name):
    """5,000 draws (seed 11) in chunks of 1,500 and the base case: every metric of every draw
    has the bits it had before the speed-ups."""
    scenario = fundmodel.load_scenario(SCENARIOS / f"{name}.yaml")
    oracle = ORACLE[name]
    mc = fundmodel.simulate(scenario, draws=5000, seed=11, chunk_size=1500)
    det = fundmodel.evaluate(scenario)
    for metric, (base, *draws) in oracle["values"].items():
        assert float(det.metric(metric)[0]).hex() == base, metric
        got = [float(x).hex() for x in mc.metric(metric)[[0, 1499, 4999]]]
        assert got == list(draws), metric
    assert _digest(det.metrics) == oracle["det"]
    assert _digest(mc.metrics) == oracle["mc"]
