"""simulate / kernel ratios on a shared machine: the runs interleaved, the fastest of each kept.

    .venv/bin/python benchmarks/ratio.py [rounds] [draws]

Each round runs, one after the other, the kernel (``benchmarks/kernel.py``), the kernel without
its beta inverse CDF (the uptake's values computed beforehand), ``simulate`` (1 worker, per-draw
table kept) and ``simulate`` followed by ``summary()``. On a machine shared with other work the
fastest of several rounds is the figure least disturbed by it; the medians are printed too, and
the CPU time of the process (user + system: what the run computed, less exposed to other work
than the wall clock) and its user time alone, with the ratios from each.
``benchmarks/test_kernel_ratio.py`` times the same runs with pytest-benchmark.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import fundmodel

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kernel  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"


Table = dict[str, list[float]]


def _user() -> float:
    """User CPU seconds of this process so far (microsecond resolution)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


def interleaved(runs: dict[str, Callable[[], object]], rounds: int) -> dict[str, Table]:
    """Each run once to warm up (imports, first allocations), then ``rounds`` rounds of every
    run one after the other; returns the seconds of each run in each round, by clock
    (``wall``; ``cpu``, the process's user + system time; ``user`` alone, which the page
    faults of a run that grows the heap again after another trimmed it leave out) and name."""
    for f in runs.values():
        f()
    out: dict[str, Table] = {c: {k: [] for k in runs} for c in ("wall", "cpu", "user")}
    for _ in range(rounds):
        for name, f in runs.items():
            u0, c0, t0 = _user(), time.process_time(), time.perf_counter()
            f()
            out["wall"][name].append(time.perf_counter() - t0)
            out["cpu"][name].append(time.process_time() - c0)
            out["user"][name].append(_user() - u0)
    return out


def print_times(tables: dict[str, Table], draws: int, rounds: int) -> None:
    """The fastest (and median) wall-clock and the fastest CPU and user seconds of each run."""
    print(f"{draws:,} draws, {rounds} rounds interleaved; fastest (median) wall-clock seconds, "
          "fastest CPU (user + system) and user seconds of the process")
    for name, v in tables["wall"].items():
        print(f"  {name:26s} {min(v):7.3f} ({statistics.median(v):.3f})  "
              f"cpu {min(tables['cpu'][name]):7.3f}  user {min(tables['user'][name]):7.3f}")


def print_ratios(tables: dict[str, Table], names: tuple[str, ...]) -> None:
    """Each of ``names`` over ``kernel``, fastest against fastest, by each clock, and without
    the beta inverse CDF on both sides (``kernel`` − ``kernel without beta ppf``: the same
    routine in both, taken off both)."""
    for label, table in tables.items():
        best = {k: min(v) for k, v in table.items()}
        rest = best["kernel without beta ppf"]
        beta = best["kernel"] - rest  # the beta inverse CDF, the same routine on both sides
        for name in names:
            print(f"  [{label}] {name} / kernel: {best[name] / best['kernel']:.2f}x; without the "
                  f"beta inverse CDF on both sides: {(best[name] - beta) / rest:.2f}x")


def simulate_runs(scenario, draws: int, seed: int) -> dict[str, Callable[[], object]]:
    """The library's runs set against a kernel, by name: ``simulate`` (1 worker, per-draw
    table kept), alone and followed by ``summary()``, with the quantile bands streamed and
    with ``bands=False``."""
    def run(bands: bool, summary: bool):
        def f():
            result = fundmodel.simulate(scenario, draws=draws, seed=seed, workers=1,
                                        keep_draws=True, bands=bands)
            return result.summary() if summary else result
        return f
    return {f"simulate{'' if bands else ', bands=False'}{' + summary()' if summary else ''}":
            run(bands, summary) for summary in (False, True) for bands in (True, False)}


def main(rounds: int = 5, draws: int = 1_000_000, seed: int = 1) -> None:
    scenario = fundmodel.load_scenario(SCENARIO)
    u = kernel.uniforms(seed, draws)
    uptake = kernel.betaincinv(16.0, 4.0, u[:, 2])
    real_ppf = kernel.betaincinv

    def kernel_without_beta():
        chunks = iter(range(0, draws, kernel.CHUNK))
        kernel.betaincinv = lambda a, b, x: uptake[(s := next(chunks)):s + x.size]
        try:
            kernel.run(draws, seed)
        finally:
            kernel.betaincinv = real_ppf

    runs = {
        "kernel": lambda: kernel.run(draws, seed),
        "kernel without beta ppf": kernel_without_beta,
        **simulate_runs(scenario, draws, seed),
    }
    tables = interleaved(runs, rounds)
    print_times(tables, draws, rounds)
    print_ratios(tables, tuple(simulate_runs(scenario, draws, seed)))

if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
