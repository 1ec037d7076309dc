"""Issue 21's programme target: 1,000 compounds × 10,000 draws × 30 years with households
(votes on lifts per stair, payment channels), a repairs fund per compound, an owners' account
and a pooled programme bond; wall time, CPU time and peak memory, one process.

    python benchmarks/programme.py [DRAWS] [REFERENCE_DRAWS]

The compounds are the 983 of scenarios/xinghualing-compounds.csv with a yes/no column
``soe_dormitory`` made as the programme's CSV header says (built 1970–1984 with an odd id
number), under the rules of scenarios/xinghualing-district-programme.yaml with
``horizon_years: 30``, written to a temporary folder. The reference, measured in the same run,
is the programme scenario as shipped (Street 8: 100 compounds, 20 years) at REFERENCE_DRAWS
(default 2,000), run first. Reported per run: wall, user and system seconds, the process's peak resident
set so far, and the wall time per compound × draw."""

from __future__ import annotations

import pathlib
import re
import resource
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def scenario(folder: pathlib.Path):
    """The target case: the whole compounds table under the programme's rules, 30 years."""
    import pandas as pd
    import fundmodel
    table = pd.read_csv(ROOT / "scenarios" / "xinghualing-compounds.csv")
    number = table["id"].str.extract(r"(\d+)$")[0].astype(int)
    soe = table["built_year"].between(1970, 1984) & (number % 2 == 1)
    table["soe_dormitory"] = soe.map({True: "yes", False: "no"})
    table.to_csv(folder / "compounds.csv", index=False)
    text = (ROOT / "scenarios" / "xinghualing-district-programme.yaml").read_text(
        encoding="utf-8")
    text = text.replace("compounds: xinghualing-street8-compounds.csv",
                        "compounds: compounds.csv")
    text = re.sub(r"(?m)^horizon_years: \d+", "horizon_years: 30", text)
    (folder / "programme.yaml").write_text(text, encoding="utf-8")
    return fundmodel.load_scenario(folder / "programme.yaml")


def timed(sc, draws: int) -> str:
    import fundmodel
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    res = fundmodel.simulate_portfolio(sc, draws=draws)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    n = len(res.compounds)
    return (f"{n:,} compounds × {draws:,} draws × {sc.horizon_years} years: wall {wall:.1f} s "
            f"(user {after.ru_utime - before.ru_utime:.1f} s, sys "
            f"{after.ru_stime - before.ru_stime:.1f} s), peak RSS so far "
            f"{after.ru_maxrss / 1024:,.0f} MiB, {wall / (n * draws) * 1e6:.2f} µs per "
            f"compound × draw")


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    reference = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    import fundmodel
    shipped = fundmodel.load_scenario(ROOT / "scenarios" / "xinghualing-district-programme.yaml")
    print("reference:", timed(shipped, reference), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        sc = scenario(pathlib.Path(tmp))
        print("target:   ", timed(sc, draws), flush=True)


if __name__ == "__main__":
    main()
