"""The district target: 1,000 compounds × 10,000 draws × 30 years, locally (1 thread, 2
threads) and on a 2-worker Dask LocalCluster; wall time and peak memory of each.

    python benchmarks/portfolio.py [DRAWS] [local|threads|dask]

The compounds are the synthetic Xinghualing with 1,000 old compounds (seed 2024) under the
rules of scenarios/xinghualing-district.yaml (30 operating years). Peak memory: this process's
maximum resident set (and, on Dask, each worker's, from psutil via the workers)."""

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


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    how = sys.argv[2] if len(sys.argv) > 2 else "threads"
    import fundmodel
    with tempfile.TemporaryDirectory() as tmp:
        sc = scenario(pathlib.Path(tmp))
        n = len(sc.portfolio.table)
        client = cluster = None
        if how == "dask":
            from distributed import Client, LocalCluster
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, memory_limit="4GiB")
            client = Client(cluster)
        start = time.perf_counter()
        res = fundmodel.simulate_portfolio(sc, draws=draws, seed=1, client=client,
                                           workers=2 if how == "threads" else 1)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = ""
        if client is not None:
            def rss():
                import psutil
                return psutil.Process().memory_info().rss / 2**20
            workers = ", workers now " + ", ".join(f"{v:,.0f} MiB" for v in
                                                    client.run(rss).values())
            client.close()
            cluster.close()
        print(f"{how}: {n:,} compounds × {draws:,} draws × {sc.horizon_years} years: "
              f"{seconds:.1f} s, driver peak {peak:,.0f} MiB{workers}; "
              f"government_cost mean {res.summary().loc['government_cost', 'mean']:,.0f}")


if __name__ == "__main__":
    main()
