"""simulate / kernel ratios on xiamen-hanlingrong (fund, fallback, menu, norms), timed as
``benchmarks/ratio.py`` times sanqiao: the runs interleaved, the fastest of each kept.

    .venv/bin/python benchmarks/ratio_xiamen.py [rounds] [draws]

Each round runs, one after the other, the hand-written kernel (``benchmarks/kernel_xiamen.py``),
the kernel without its three beta inverse CDFs (the residents' uptake and the two menu take-ups,
computed beforehand), ``simulate`` (1 worker, per-draw table kept) and ``simulate`` followed by
``summary()``; default 3 rounds of 200,000 draws × 30 years.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fundmodel

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel_xiamen  # noqa: E402
from ratio import interleaved, print_ratios, print_times, simulate_runs  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "xiamen-hanlingrong.yaml"
BETA_COLUMNS = {(14.0, 6.0): 3, (6.0, 4.0): 6, (3.0, 7.0): 7}
"""The kernel's beta inverse CDFs: (a, b) → the column of uniforms each reads."""


def kernel_without_beta(draws: int, seed: int):
    """A run of the kernel whose beta inverse CDFs read values computed before (outside the
    timing), in the order the chunks ask for them."""
    u = kernel_xiamen.uniforms(seed, draws)
    real = kernel_xiamen.betaincinv
    values = {ab: real(*ab, u[:, col]) for ab, col in BETA_COLUMNS.items()}

    def run():
        at = dict.fromkeys(values, 0)

        def lookup(a, b, x):
            s = at[(a, b)]
            at[(a, b)] = s + x.size
            return values[(a, b)][s:s + x.size]

        kernel_xiamen.betaincinv = lookup
        try:
            kernel_xiamen.run(draws, seed)
        finally:
            kernel_xiamen.betaincinv = real
    return run


def main(rounds: int = 3, draws: int = 200_000, seed: int = 1) -> None:
    scenario = fundmodel.load_scenario(SCENARIO)
    runs = {
        "kernel": lambda: kernel_xiamen.run(draws, seed),
        "kernel without beta ppf": kernel_without_beta(draws, seed),
        **simulate_runs(scenario, draws, seed),
    }
    tables = interleaved(runs, rounds)
    print(f"xiamen-hanlingrong, {kernel_xiamen.YEARS} years")
    print_times(tables, draws, rounds)
    print_ratios(tables, tuple(simulate_runs(scenario, draws, seed)))
    for clock in ("wall", "user"):
        per = {k: 1e6 * min(v) / draws for k, v in tables[clock].items()}
        print(f"  µs a draw (fastest, {clock}): "
              + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
