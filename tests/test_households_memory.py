"""The memory estimate counts the per-household arrays of the votes and the channels: a compound
of 20,000 households gets a correct estimate, and a clear refusal when the run is too large."""

from __future__ import annotations

import copy
import tracemalloc
from pathlib import Path

import pytest
import yaml

from fundmodel import Scenario, simulate
from fundmodel.run import montecarlo
from fundmodel.errors import ModelError
from fundmodel.inputs.sampling import input_space

ROOT = Path(__file__).resolve().parents[1]
LIFT = yaml.safe_load((ROOT / "scenarios" / "lift-retrofit.yaml").read_text(encoding="utf-8"))
GIB = 2**30


def lifts(buildings: int, floors: int, units: int, *, electorate: str | None = None,
          wtp=None) -> Scenario:
    """The lift retrofit with ``buildings`` stairs of ``floors`` × ``units`` households: one
    lift a stair, one decision voted stair by stair (or by the whole compound)."""
    data = copy.deepcopy(LIFT)
    households = buildings * floors * units
    data["compound"].update(households=households, buildings=buildings,
                            floor_area_m2=65.0 * households)
    data["renovation"]["items"][0]["quantity"] = buildings
    hh = data["households"]
    hh["buildings"] = [{"name": f"stair {i}", "floors": floors, "units_per_floor": units,
                        "area_per_unit_m2": 65} for i in range(buildings)]
    if electorate is not None:
        hh["decisions"][0].update(electorate=electorate, kind="other")
    if wtp is not None:
        hh["decisions"][0]["willingness_to_pay_cny"] = wtp
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def large() -> Scenario:
    """20,000 households: 500 stairs of 20 floors, 2 flats a floor."""
    return lifts(500, 20, 2)


@pytest.fixture
def memory(monkeypatch):
    def set_available(n):
        monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: n)
    return set_available


def test_twenty_thousand_households_by_hand(large):
    """A chunk of 65,536 draws: 20,000 households × (10 + 2 × 1 decision) arrays and
    3 × (500 ballots + 10,000 floor groups) outputs a draw; the electorates and charge weights,
    20,000 × (2 × 500 ballots + 2 items); one block of per-household uniforms, 20,000 × 4,096
    (the willingness to pay is a triangular distribution); 8 bytes each."""
    parts = montecarlo.memory_estimate(large, 10**6, 65_536, True, False, 1, 2)
    per_draw = 20_000 * 12 + 3 * (500 + 10_000)               # 271,500 numbers a draw
    assert per_draw == 271_500
    expected = 8 * (65_536 * 271_500 + 20_000 * 1_002 + 20_000 * 4_096)
    assert expected == 143_159_872_000                         # about 133.3 GiB
    assert parts["household arrays"][0] == expected
    assert "65,536 draws × 20,000 households × 12 arrays (1 decision(s))" in \
        parts["household arrays"][1]
    # two workers: one chunk each and one waiting
    two = montecarlo.memory_estimate(large, 10**6, 65_536, True, False, 2, 2)
    assert two["household arrays"][0] == 3 * expected
    # a chunk of 100 draws
    small = montecarlo.memory_estimate(large, 10**6, 100, True, False, 1, 2)
    assert small["household arrays"][0] == 8 * (100 * 271_500 + 20_000 * 1_002
                                                 + 20_000 * 4_096)


def test_whole_compound_vote_and_a_plain_willingness_to_pay():
    """One ballot for the compound; a willingness to pay that is a plain number draws no
    per-household uniforms: 1,000 households of 10 stairs × 10 floors × 10 flats."""
    sc = lifts(10, 10, 10, electorate="compound", wtp=50_000)
    parts = montecarlo.memory_estimate(sc, 5_000, 1_000, False, False, 1, 2)
    assert parts["household arrays"][0] == 8 * (1_000 * (1_000 * 12 + 3 * (1 + 100))
                                                 + 1_000 * (2 * 1 + 2))


def test_no_households_no_household_arrays():
    sc = Scenario.model_validate({k: v for k, v in LIFT.items() if k != "households"})
    assert "household arrays" not in montecarlo.memory_estimate(sc, 10**6, 65_536, True,
                                                                False, 1, 2)


def test_twenty_thousand_households_refused_with_the_way_out(large, memory):
    memory(16 * GIB)
    with pytest.raises(ModelError) as info:
        simulate(large, draws=10**6, seed=1, chunk_size=65_536)
    msg = str(info.value)
    assert "household arrays 133.3 GiB" in msg
    assert "20,000 households × 12 arrays" in msg
    assert "smaller chunk_size (--chunk-size" in msg and "draws fit" in msg
    # the chunk size it names fits, one more draw does not
    fit = int(msg.split("at most ")[1].split(" draws fit")[0].replace(",", ""))

    def total(chunk):
        return sum(b for b, _ in montecarlo.memory_estimate(
            large, 10**6, chunk, True, False, 1, input_space(large).dims).values())
    assert total(fit) <= 16 * GIB < total(fit + 1)
    # by hand: (16 GiB − the per-draw table, 22 metrics × 10⁶ draws × 8 bytes − the fixed
    # household arrays, 8 × 20,000 × (1,002 + 4,096) − the working set's fixed part) over the
    # bytes a draw of a chunk needs, 8 × 271,500 + the working set a draw (the chunk list,
    # 130 bytes × 135 chunks, moves it by less than one draw)
    working = montecarlo.memory_estimate(large, 10**6, 1, False, False, 1, 2)
    fixed_ws = working["chunk working set"][0] - (
        montecarlo.memory_estimate(large, 10**6, 2, False, False, 1, 2)["chunk working set"][0]
        - working["chunk working set"][0])
    per_draw_ws = working["chunk working set"][0] - fixed_ws
    room = 16 * GIB - 22 * 10**6 * 8 - 8 * 20_000 * (1_002 + 4_096) - fixed_ws
    assert fit == int((room - 130 * 135) // (8 * 271_500 + per_draw_ws))
    montecarlo.check_run_size(large, 10**6, fit, True, False, 1, "random",
                              input_space(large).dims)


def test_the_estimate_covers_what_a_chunk_holds():
    """Measured: the peak of one chunk's allocations (tracemalloc sees numpy's) lies below the
    estimate of the chunk, and the estimate is not more than twice it."""
    sc = lifts(10, 10, 5)                                        # 500 households
    space = input_space(sc)
    montecarlo.run_chunk(sc, 1, "random", 0, 8, space, 8)        # imports and caches first
    tracemalloc.start()
    try:
        montecarlo.run_chunk(sc, 1, "random", 0, 2_048, space, 2_048)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    parts = montecarlo.memory_estimate(sc, 2_048, 2_048, False, False, 1, space.dims)
    estimate = parts["household arrays"][0] + parts["chunk working set"][0]
    assert peak <= estimate <= 2 * peak
