"""Digests of every output table of every shipped scenario: a check that a change of shape
(moving, renaming, declaring) changes not one number.

For each one-compound scenario in ``scenarios/``: the deterministic run and Monte Carlo runs of
2,048 draws (seed 1) under the ``random``, ``lhs`` and ``sobol`` samplers; for each table of
:class:`fundmodel.Result` that the run has, the SHA-256 of each column's values (as exact
hexadecimal floats, or text) with the column's name and the table's index — the declared
output tables (``Result.declared_tables()``) too. For the district
(a scenario with ``portfolio``): its plan and the deterministic and 256-draw runs' tables.

Usage (from the repository root)::

    python tools/digests.py --write tools/digests.json     # record
    python tools/digests.py --check tools/digests.json     # compare; exit 1 on a difference

A difference is listed as ``scenario / run / table / column``. Columns (and tables) added since
the record are listed as new, not as differences. The digests depend on the versions of numpy and scipy
(their inverse CDFs and sums), recorded in the file: compare in the environment that wrote it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("metrics", "summary", "probabilities", "yearly", "yearly_bands", "funding", "items",
          "cashflows", "parties", "government", "fiscal", "debt", "decisions", "households",
          "channels", "inputs")
DISTRICT_TABLES = ("summary", "compounds", "outlay", "overrun", "yearly_outlay_total",
                   "programme_summary")
RUNS = {"det": None, "random": "random", "lhs": "lhs", "sobol": "sobol"}
DRAWS, DISTRICT_DRAWS, SEED = 2048, 256, 1


def _column_digest(index: pd.Index, values: pd.Series) -> str:
    h = hashlib.sha256()
    h.update(repr(list(map(str, index))).encode())
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        h.update(b"".join(float(v).hex().encode() + b"," for v in values.to_numpy(dtype=float)))
    else:
        h.update(repr([str(v) for v in values]).encode())
    return h.hexdigest()[:16]


def table_digests(frame) -> dict[str, str]:
    """One digest per column (the index is part of each)."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        return {"<value>": hashlib.sha256(repr(frame).encode()).hexdigest()[:16]}
    frame = frame.reset_index(drop=False) if frame.index.nlevels > 1 else frame
    return {str(c): _column_digest(frame.index, frame[c]) for c in frame.columns}


def _tables(obj, names) -> dict[str, dict[str, str]]:
    from fundmodel.errors import FundmodelError

    out = {}
    for name in names:
        try:
            table = getattr(obj, name)
            table = table() if callable(table) else table
        except (ValueError, KeyError, AttributeError, FundmodelError):
            continue                     # a table this run does not have
        out[name] = table_digests(table)
    return out


def scenario_digests(path: Path) -> dict:
    import fundmodel

    scenario = fundmodel.load_scenario(path)
    if scenario.portfolio is not None:
        out = {}
        plan = None
        if scenario.portfolio.phasing is not None:
            plan = fundmodel.plan_portfolio(scenario, seed=SEED)
            out["plan"] = {"plan": table_digests(getattr(plan, "table", plan))} \
                if not isinstance(plan, dict) else {}
        out["det"] = _tables(fundmodel.evaluate_portfolio(scenario), DISTRICT_TABLES)
        out["random"] = _tables(fundmodel.simulate_portfolio(scenario, draws=DISTRICT_DRAWS,
                                                             seed=SEED), DISTRICT_TABLES)
        return out
    out = {}
    for run, sampler in RUNS.items():
        result = (fundmodel.evaluate(scenario) if sampler is None else
                  fundmodel.simulate(scenario, draws=DRAWS, seed=SEED, sampler=sampler,
                                     keep_draws=True))
        out[run] = _tables(result, TABLES) | _declared_tables(result)
    return out


def _declared_tables(result) -> dict[str, dict[str, str]]:
    """The digests of every declared output table the run has (fundmodel.catalog.tables)."""
    return {name: table_digests(frame) for name, frame in result.declared_tables().items()}


def all_digests() -> dict:
    import scipy

    import fundmodel

    return {"versions": {"fundmodel": fundmodel.__version__, "numpy": np.__version__,
                         "scipy": scipy.__version__, "pandas": pd.__version__},
            "scenarios": {p.name: scenario_digests(p)
                          for p in sorted((ROOT / "scenarios").glob("*.yaml"))}}


def compare(old: dict, new: dict) -> tuple[list[str], list[str]]:
    """(differences, new columns) between two records."""
    diffs, added = [], []
    for scen, runs in old["scenarios"].items():
        for run, tables in runs.items():
            for table, columns in tables.items():
                got = new["scenarios"].get(scen, {}).get(run, {}).get(table)
                if got is None:
                    diffs.append(f"{scen} / {run} / {table}: missing")
                    continue
                for column, digest in columns.items():
                    if got.get(column) != digest:
                        diffs.append(f"{scen} / {run} / {table} / {column}: "
                                     f"{'missing' if column not in got else 'changed'}")
                added += [f"{scen} / {run} / {table} / {c}" for c in got if c not in columns]
            got = new["scenarios"].get(scen, {}).get(run, {})
            added += [f"{scen} / {run} / {table} / {c}" for table in got if table not in tables
                      for c in got[table]]
    return diffs, added


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="JSON")
    group.add_argument("--check", metavar="JSON")
    args = parser.parse_args(argv)
    new = all_digests()
    if args.write:
        Path(args.write).write_text(json.dumps(new, indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
        n = sum(len(c) for r in new["scenarios"].values() for t in r.values()
                for c in t.values())
        print(f"wrote {n} column digests to {args.write}")
        return 0
    old = json.loads(Path(args.check).read_text(encoding="utf-8"))
    if old["versions"] != new["versions"]:
        print(f"note: recorded with {old['versions']}, now {new['versions']}")
    diffs, added = compare(old, new)
    for line in added:
        print(f"new: {line}")
    for line in diffs:
        print(f"DIFFERENT: {line}")
    print(f"{len(diffs)} differences, {len(added)} new columns")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
