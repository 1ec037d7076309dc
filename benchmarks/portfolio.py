"""The district target: 1,000 compounds × 10,000 draws × 30 years, locally (1 thread, 2
threads) and on a 2-worker Dask LocalCluster; wall time and peak memory of each.

    python benchmarks/portfolio.py [DRAWS] [local|threads|dask|efficiency] [ROUNDS] [--trim]

The compounds are the synthetic Xinghualing with 1,000 old compounds (seed 2024) under the
rules of scenarios/xinghualing-district.yaml (30 operating years). Peak memory: this process's
maximum resident set (and, on Dask, each worker's, from psutil via the workers).

On Dask the cluster's start (``LocalCluster`` and ``Client``) is timed apart from the run; the
run includes sending the scenario to the workers and their first import of fundmodel.
``efficiency`` starts one cluster and runs, ROUNDS times (default 2) interleaved, the 2-thread
run and the cluster run: efficiency = 2-thread time / cluster time (the same 2 cores), with
and without the cluster's start.

The workers start without Dask's default ``MALLOC_TRIM_THRESHOLD_=65536``
(``distributed.nanny.pre-spawn-environ``), as docs/portfolio.md advises: with it glibc maps
and unmaps every array above 128 KiB, and the engine's chunks ran 2.5× slower. ``--trim``
keeps Dask's default."""

from __future__ import annotations

import pathlib
import resource
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def scenario(folder: pathlib.Path):
    import fundmodel
    from fundmodel.portfolio.synthetic import old_compounds, synthetic_district, \
        write_compounds_csv
    frame = old_compounds(synthetic_district(2024, compounds=1455, old=1000))
    write_compounds_csv(frame, folder / "xinghualing-compounds.csv")
    text = (ROOT / "scenarios" / "xinghualing-district.yaml").read_text(encoding="utf-8")
    (folder / "district.yaml").write_text(text, encoding="utf-8")
    return fundmodel.load_scenario(folder / "district.yaml")


def start_cluster():
    """A 2-worker LocalCluster (processes, 1 thread each) and its client, and the seconds
    they took to start."""
    import dask
    from distributed import Client, LocalCluster
    if "--trim" not in sys.argv:
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit="4GiB")
    client = Client(cluster)
    return cluster, client, time.perf_counter() - start


def timed(sc, draws: int, client=None, workers: int = 1):
    import fundmodel
    start = time.perf_counter()
    res = fundmodel.simulate_portfolio(sc, draws=draws, seed=1, client=client, workers=workers)
    return res, time.perf_counter() - start


def worker_rss(client) -> str:
    def rss():
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    return ", ".join(f"{v:,.0f} MiB" for v in client.run(rss).values())


def main() -> None:
    argv = [a for a in sys.argv if a != "--trim"]
    draws = int(argv[1]) if len(argv) > 1 else 10_000
    how = argv[2] if len(argv) > 2 else "threads"
    rounds = int(argv[3]) if len(argv) > 3 else 2
    with tempfile.TemporaryDirectory() as tmp:
        sc = scenario(pathlib.Path(tmp))
        n = len(sc.portfolio.table)
        size = f"{n:,} compounds × {draws:,} draws × {sc.horizon_years} years"
        if how == "efficiency":
            cluster, client, started = start_cluster()
            print(f"{size}; cluster start {started:.1f} s", flush=True)
            for r in range(rounds):
                _, local = timed(sc, draws, workers=2)
                _, dask = timed(sc, draws, client=client)
                print(f"round {r + 1}: 2 threads {local:.1f} s, cluster {dask:.1f} s: "
                      f"efficiency {local / dask:.2f} (start included "
                      f"{local / (dask + started):.2f})", flush=True)
            print(f"workers now {worker_rss(client)}")
            client.close()
            cluster.close()
            return
        client = cluster = None
        started = 0.0
        if how == "dask":
            cluster, client, started = start_cluster()
        res, seconds = timed(sc, draws, client=client, workers=2 if how == "threads" else 1)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = ""
        if client is not None:
            workers = f" (cluster start {started:.1f} s apart), workers now {worker_rss(client)}"
            client.close()
            cluster.close()
        print(f"{how}: {size}: {seconds:.1f} s, driver peak {peak:,.0f} MiB{workers}; "
              f"government_cost mean {res.summary().loc['government_cost', 'mean']:,.0f}")


if __name__ == "__main__":
    main()
