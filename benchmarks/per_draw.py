"""The cost of a draw of every shipped one-compound scenario: ``simulate`` on one worker, the
per-draw table kept, in µs a draw per 20 years of horizon (a 30-year scenario's time × 20/30).

    python benchmarks/per_draw.py [draws] [rounds]

Runs interleaved (each round runs every scenario once), the fastest of the rounds kept: on a
shared machine the figure least disturbed by other work. Prints a Markdown table for
benchmarks/README.md (issue 23's target: ≤ 10 µs a draw per 20 years).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import fundmodel
from fundmodel.inputs import timeline_of

ROOT = Path(__file__).resolve().parents[1]


def scenarios() -> dict[str, "fundmodel.Scenario"]:
    """Every shipped scenario without a ``portfolio`` section, by file stem."""
    found = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = fundmodel.load_scenario(path)
        if scenario.portfolio is None:
            found[path.stem] = scenario
    return found


def main(draws: int = 50_000, rounds: int = 3, seed: int = 1) -> dict[str, float]:
    found = scenarios()
    best = {name: float("inf") for name in found}
    for scenario in found.values():      # warm up: imports, first allocations
        fundmodel.simulate(scenario, draws=1_000, seed=seed, workers=1, keep_draws=True)
    for _ in range(rounds):
        for name, scenario in found.items():
            t0 = time.perf_counter()
            fundmodel.simulate(scenario, draws=draws, seed=seed, workers=1, keep_draws=True)
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"| scenario | horizon (years) | µs a draw | µs a draw per 20 years |  ({draws:,} draws, "
          f"fastest of {rounds})")
    print("|---|---:|---:|---:|")
    per20 = {}
    for name, scenario in found.items():
        years = timeline_of(scenario).horizon_years
        per_draw = best[name] / draws * 1e6
        per20[name] = per_draw * 20 / years
        print(f"| {name} | {years} | {per_draw:.1f} | {per20[name]:.1f} |")
    return per20


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
