"""The funding allocation against an earlier version of itself, interleaved on one machine.

    .venv/bin/python benchmarks/allocation_ratio.py REV [rounds] [scenario ...]

``REV`` is a git revision (e.g. the commit before a change): its ``engine/funding.py`` is read
with ``git show`` and loaded beside the current one. Both allocate a scenario's 65,536 draws
(sanqiao-standalone unless named) as ``benchmarks/test_allocation_speed.py`` builds them: the
item costs, the quantities, all funding rules. Each round runs the earlier version, then the
current one, and the fastest of each is kept. Every output (offered, applied, unfunded,
by_item) is checked bit for bit before timing.
"""

from __future__ import annotations

import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

import fundmodel
from fundmodel.engine import funding
from fundmodel.engine.capital import item_costs
from fundmodel.inputs import model_inputs
from fundmodel.inputs.sampling import input_space, sample_values

ROOT = Path(__file__).resolve().parents[1]
DRAWS = 65_536


def earlier(rev: str) -> types.ModuleType:
    """``fundmodel.engine.funding`` as of ``rev``, loaded as a module of the engine package."""
    text = subprocess.run(["git", "show", f"{rev}:src/fundmodel/engine/funding.py"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("fundmodel.engine._funding_before")
    module.__package__ = "fundmodel.engine"
    sys.modules[module.__name__] = module      # its dataclasses look their module up
    exec(compile(text, f"{rev}:funding.py", "exec"), module.__dict__)
    return module


def main(rev: str, rounds: int = 5, name: str = "sanqiao-standalone") -> None:
    scenario = fundmodel.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    values = sample_values(input_space(scenario), 1, "random", 0, DRAWS)
    inputs = model_inputs(scenario, values, DRAWS)
    costs = np.broadcast_to(item_costs(inputs.items), (DRAWS, 1, len(inputs.items.names)))
    args = (inputs.rules, inputs.compounds, costs, inputs.items.quantity)
    before = earlier(rev).apply_funding        # (loaded again for each scenario)
    kept = before(*args), funding.apply_funding(*args)   # held, as a model holds its books
    for field in ("offered", "applied", "unfunded", "by_item"):
        a, b = (getattr(out, field) for out in kept)
        assert a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64)), field
    best = {"before": np.inf, "now": np.inf}
    for _ in range(rounds):
        for version, run in (("before", before), ("now", funding.apply_funding)):
            start = time.perf_counter()
            run(*args)
            best[version] = min(best[version], time.perf_counter() - start)
    print(f"{name}: apply_funding, {DRAWS:,} draws, fastest of {rounds}: {rev}"
          f" {best['before'] * 1e3:.1f} ms, now {best['now'] * 1e3:.1f} ms,"
          f" {best['before'] / best['now']:.2f}x", flush=True)


if __name__ == "__main__":
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for scenario in sys.argv[3:] or ["sanqiao-standalone"]:
        main(sys.argv[1], rounds, scenario)
