"""Peak resident memory of a Monte Carlo run, measured in a fresh process.

    .venv/bin/python benchmarks/memory.py 10000000 --no-keep     # streaming statistics
    .venv/bin/python benchmarks/memory.py 10000000               # per-draw table kept
    .venv/bin/python benchmarks/memory.py 1000000 --scenario lift-retrofit   # another scenario
    .venv/bin/python benchmarks/memory.py 10000000 --bands-off   # simulate(..., bands=False)

Prints draws, seconds, peak RSS (MiB), the per-draw metrics table's size and the ratio of the
two; with ``keep_draws`` also the ratio to both kept per-draw tables, the metrics and the
uncertain inputs (``Result.inputs``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

CHILD = """
import json, resource, sys, time
import fundmodel
sc = fundmodel.load_scenario({scenario!r})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = fundmodel.simulate(sc, draws={draws}, seed=1, keep_draws={keep}, workers={workers},
                         bands={bands})
s = res.summary()
seconds = time.perf_counter() - t0
table = res._metrics.nbytes if res.has_draws else 0
kept_inputs = res._inputs.nbytes if res._inputs is not None else 0
print(json.dumps({{"seconds": seconds, "table_bytes": table, "inputs_bytes": kept_inputs,
                   "baseline_kib": base,
                   "metrics": len(s)}}))
"""


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("draws", type=int)
    p.add_argument("--no-keep", action="store_true")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--bands-off", action="store_true",
                   help="simulate(..., bands=False): no quantile sketch of the yearly lines")
    p.add_argument("--scenario", default="sanqiao-standalone",
                   help="name of a file in scenarios/, without .yaml")
    a = p.parse_args()
    scenario = SCENARIOS / f"{a.scenario}.yaml"
    code = CHILD.format(scenario=str(scenario), draws=a.draws, keep=not a.no_keep,
                        workers=a.workers, bands=not a.bands_off)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    table_mib = info["table_bytes"] / 2**20
    inputs_mib = info["inputs_bytes"] / 2**20
    peak_mib = peak_kib / 1024
    kept = table_mib + inputs_mib
    print(f"draws {a.draws:,}  keep_draws {not a.no_keep}  bands {not a.bands_off}  seconds {info['seconds']:.1f}  "
          f"peak RSS {peak_mib:,.0f} MiB (after imports {info['baseline_kib'] / 1024:,.0f} MiB)  "
          f"per-draw table {table_mib:,.0f} MiB"
          + (f"  ratio {peak_mib / table_mib:.2f}" if table_mib else "")
          + (f"  with the kept inputs ({inputs_mib:,.0f} MiB) {peak_mib / kept:.2f}"
             if inputs_mib else ""))


if __name__ == "__main__":
    main()
