"""Time and peak resident memory of one `fundmodel.solve`, measured in a fresh process.

    .venv/bin/python benchmarks/solve_memory.py xiamen-hanlingrong \\
        operations.fallback.cap_per_year 'P(cumulative_balance_min < 0) <= 0.10' 1000000
    .venv/bin/python benchmarks/solve_memory.py xiamen-hanlingrong \\
        repairs_fund.contribution_per_m2_year 'fund_balance_min >= 0' 1000000 --no-top-up

Prints the scenario, lever, target, draws, method, engine calls, draw evaluations, seconds,
evaluations per second and the peak RSS (MiB) of the child process. ``--no-top-up`` drops the
repairs fund's top-up rule (the level contributions' closed forms hold without it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

CHILD = """
import json, resource, time
import fundmodel
sc = fundmodel.load_scenario({scenario!r})
if {no_top_up}:
    sc = sc.model_copy(update={{"repairs_fund": sc.repairs_fund.model_copy(
        update={{"top_up": None}})}})
t0 = time.perf_counter()
s = fundmodel.solve(sc, {lever!r}, {target!r}, draws={draws}, seed=1, method={method!r})
seconds = time.perf_counter() - t0
print(json.dumps({{"method": s.method, "calls": s.engine_calls,
                   "evaluations": s.draw_evaluations, "seconds": seconds,
                   "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scenario")
    p.add_argument("lever")
    p.add_argument("target")
    p.add_argument("draws", type=int)
    p.add_argument("--method", default="auto")
    p.add_argument("--no-top-up", action="store_true")
    a = p.parse_args()
    code = CHILD.format(scenario=str(SCENARIOS / f"{a.scenario}.yaml"), lever=a.lever,
                        target=a.target, draws=a.draws, method=a.method,
                        no_top_up=a.no_top_up)
    out = json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                    capture_output=True, text=True).stdout)
    print(f"{a.scenario} | {a.lever} | {a.target} | {a.draws:,} | {out['method']} | "
          f"{out['calls']:,} | {out['evaluations']:,} | {out['seconds']:.2f} s | "
          f"{out['evaluations'] / out['seconds'] / 1e6:.2f} M/s | {out['peak_mib']:,.0f} MiB")


if __name__ == "__main__":
    main()
