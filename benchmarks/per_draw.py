"""The cost of a draw of every shipped one-compound scenario: ``simulate`` on one worker, the
per-draw table kept, in µs a draw per 20 years of horizon (a 30-year scenario's time × 20/30).

    python benchmarks/per_draw.py [draws] [rounds]

Runs interleaved (each round runs every scenario once), the fastest of the rounds kept: on a
shared machine the figure least disturbed by other work; wall-clock, CPU (user + system: the
page faults of fresh memory are system time) and user time, and the CPU time of the same runs
with ``bands=False`` (no quantile sketch of the yearly lines). Prints a Markdown table for
benchmarks/README.md (issue 23's target: ≤ 10 µs a draw per 20 years).
"""

from __future__ import annotations

import sys
from pathlib import Path

import fundmodel
from fundmodel.inputs import timeline_of

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))


def scenarios() -> dict[str, "fundmodel.Scenario"]:
    """Every shipped scenario without a ``portfolio`` section, by file stem."""
    found = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = fundmodel.load_scenario(path)
        if scenario.portfolio is None:
            found[path.stem] = scenario
    return found


def main(draws: int = 50_000, rounds: int = 3, seed: int = 1) -> dict[str, float]:
    from ratio import interleaved                  # the timing loop of benchmarks/ratio.py
    found = scenarios()
    runs = {}
    for name, scenario in found.items():
        for bands in (True, False):
            runs[(name, bands)] = (lambda sc=scenario, b=bands: fundmodel.simulate(
                sc, draws=draws, seed=seed, workers=1, keep_draws=True, bands=b))
    for scenario in found.values():      # warm up: imports, first allocations
        fundmodel.simulate(scenario, draws=1_000, seed=seed, workers=1, keep_draws=True)
    tables = interleaved(runs, rounds)
    print(f"{draws:,} draws, fastest of {rounds} interleaved rounds; µs a draw per 20 years "
          "(wall-clock, CPU = user + system, user; and the CPU of simulate(..., bands=False))")
    print("| scenario | horizon (years) | wall | CPU | user | CPU, bands=False |")
    print("|---|---:|---:|---:|---:|---:|")
    per20 = {}
    for name, scenario in found.items():
        scale = 1e6 / draws * 20 / timeline_of(scenario).horizon_years
        wall, cpu, user = (min(tables[c][(name, True)]) * scale for c in ("wall", "cpu", "user"))
        deferred = min(tables["cpu"][(name, False)]) * scale
        per20[name] = cpu
        print(f"| {name} | {timeline_of(scenario).horizon_years} | {wall:.1f} | {cpu:.1f} | "
              f"{user:.1f} | {deferred:.1f} |")
    return per20

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
