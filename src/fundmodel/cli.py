"""The ``fundmodel`` command: a thin layer over the public API.

Exit codes: 0 success; 2 bad input (an invalid scenario, a bad ``--set``, a bad option), with
one line per problem on standard error and no output files written.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from typing import Sequence

from rich.console import Console
from rich.table import Table

from . import __version__
from .api import evaluate
from .errors import FundmodelError, ScenarioError
from .export import write_csv, write_text_atomic
from .results import Result
from .scenario import load_scenario
from .scenario.schema import scenario_json_schema_text

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _money(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}"


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f}%"


def _print_result(console: Console, result: Result) -> None:
    sc = result.scenario
    m = result.summary()["mean"]
    console.print(f"[bold]{sc.title or sc.name}[/bold]")
    how = result.info.get("point_estimate", "mean")
    console.print(f"scenario {sc.name} · {sc.compound.name} · {sc.compound.households} households"
                  f" · deterministic run (distributions at their {how})")
    console.print()

    funding = result.funding()
    table = Table(title=f"Funding mix — renovation cost {_money(m['capex_total'])} CNY",
                  title_justify="left")
    for col, just in (("Source", "left"), ("Payer", "left"), ("Amount (CNY)", "right"),
                      ("Share", "right"), ("Per household", "right")):
        table.add_column(col, justify=just)
    for label, row in funding.iterrows():
        style = "bold red" if label == "gap" and row["amount"] > 0 else None
        table.add_row(str(label), row["payer"], _money(row["amount"]), _pct(row["share_of_cost"]),
                      _money(row["per_household"]), style=style)
    table.add_section()
    table.add_row("total", "", _money(funding["amount"].sum()), _pct(funding["share_of_cost"].sum()),
                  _money(funding["per_household"].sum()))
    console.print(table)
    gap = m["funding_gap"]
    console.print(f"Funding gap: [bold]{_money(gap)} CNY[/bold] ({_pct(m['funding_gap_share'])} "
                  f"of the cost, {_money(m['funding_gap_per_household'])} CNY per household); "
                  f"government pays {_money(m['government_cost_per_household'])} and residents "
                  f"{_money(m['resident_cost_per_household'])} CNY per household.")
    console.print()

    year1 = result.yearly().iloc[0]
    ops = Table(title=f"First operating year ({int(year1['calendar_year'])}), CNY",
                title_justify="left")
    ops.add_column("Line")
    ops.add_column("CNY/year", justify="right")
    for line in ("property_fee_income", "other_income", "operating_cost", "vat"):
        sign = -1 if line in ("operating_cost", "vat") else 1
        ops.add_row(line.replace("_", " "), _money(sign * year1[line]))
    ops.add_section()
    surplus = year1["operating_surplus"]
    ops.add_row("operating surplus" if surplus >= 0 else "operating DEFICIT", _money(surplus),
                style="bold red" if surplus < 0 else "bold")
    console.print(ops)
    fee = sc.operations.property_fee
    console.print(
        f"Breakeven fee: [bold]{m['breakeven_fee_rate']:.2f} CNY/m²/month[/bold] over "
        f"{sc.horizon_years} years (NPV 0 at {100 * m['discount_rate_nominal']:.2f}% nominal); "
        f"{m['breakeven_fee_rate_first_year']:.2f} to cover year 1 alone. "
        f"The fee now: {_fee_text(fee.rate_per_m2_month, result)}.")
    console.print(f"Operations NPV over {sc.horizon_years} years: {_money(m['npv_operations'])} CNY;"
                  f" balance at the horizon: {_money(m['cumulative_balance_final'])} CNY.")


def _fee_text(rate, result: Result) -> str:
    if isinstance(rate, (int, float)):
        return f"{rate:.2f}"
    return f"{result.summary().loc['fee_income_first_year', 'mean']:,.0f} CNY in year 1 (uncertain rate)"


def _print_error(exc: Exception) -> None:
    sys.stderr.write(f"{exc}\n")
    sys.stderr.flush()


def _cmd_validate(args, console: Console, err: Console) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            load_scenario(path, args.set or ())
            console.print(f"ok {path}")
        except ScenarioError as exc:
            _print_error(exc)
            status = EXIT_BAD_INPUT
    return status


def _cmd_run(args, console: Console, err: Console) -> int:
    scenario = load_scenario(args.file, args.set or ())
    result = evaluate(scenario, args.point_estimate)
    if args.out:
        written = write_csv(result, args.out)
        logging.getLogger("fundmodel").info("wrote %s", ", ".join(map(str, written)))
    _print_result(console, result)
    if args.out:
        console.print(f"Wrote {', '.join(p.name for p in written)} to {args.out}")
    return EXIT_OK


def _cmd_schema(args, console: Console, err: Console) -> int:
    text = scenario_json_schema_text()
    if args.out:
        write_text_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fundmodel",
        description="Financial model of old residential compound renovation and upkeep.")
    p.add_argument("--version", action="version", version=f"fundmodel {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    set_help = ("change a value before validation, e.g. "
                "--set operations.property_fee.rate_per_m2_month=0.6 or "
                "--set 'funding[3].uptake={dist: uniform, low: 0.6, high: 0.9}' (repeatable)")
    v = sub.add_parser("validate", help="check scenario files")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    v.set_defaults(func=_cmd_validate)

    r = sub.add_parser("run", help="run a scenario and print the funding mix, the gap, the "
                       "first-year operating result and the breakeven fee")
    r.add_argument("file", metavar="FILE")
    r.add_argument("--out", metavar="DIR", help="write summary.csv, metrics.csv, yearly.csv and "
                   "funding.csv into DIR")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    r.add_argument("--point-estimate", choices=("mean", "median", "mode"), default=None,
                   help="point of each distribution used by the deterministic run "
                   "(default: the scenario's simulation.point_estimate, else mean)")
    r.set_defaults(func=_cmd_run)

    s = sub.add_parser("schema", help="print the scenario format as JSON Schema")
    s.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    s.set_defaults(func=_cmd_schema)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    try:
        return args.func(args, console, err)
    except FundmodelError as exc:
        _print_error(exc)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
