"""The ``fundmodel`` command: a thin layer over the public API.

Exit codes: 0 success; 2 bad input (an invalid scenario, a bad ``--set``, a bad option, an
output that cannot be written), with one line per problem on standard error and no output files
written.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from typing import Callable, Sequence

from rich.console import Console
from rich.table import Table

from . import __version__
from .api import evaluate, simulate
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


def _rate(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def _rate3(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.3f}"


def _stat_table(title: str, s, rows: list[tuple[str, str, Callable[[float], str]]]) -> Table:
    """A table of metrics with their mean, p5, p95 and Monte Carlo standard error."""
    table = Table(title=title, title_justify="left")
    table.add_column("Metric")
    for col in ("mean", "p5", "p95", "± se"):
        table.add_column(col, justify="right")
    for label, metric, fmt in rows:
        r = s.loc[metric]
        table.add_row(label, fmt(r["mean"]), fmt(r["p5"]), fmt(r["p95"]), fmt(r["mcse"]))
    return table


def _print_result(console: Console, result: Result) -> None:
    sc = result.scenario
    s = result.summary()
    m = s["mean"]
    mc = result.n_draws > 1
    console.print(f"[bold]{sc.title or sc.name}[/bold]")
    if mc:
        info = result.info
        how = (f"Monte Carlo: {result.n_draws:,} draws, {info['sampler']} sampler, seed "
               f"{info['seed']}")
    else:
        how = f"deterministic run (distributions at their {result.info.get('point_estimate')})"
    console.print(f"scenario {sc.name} · {sc.compound.name} · {sc.compound.households} households"
                  f" · {how}")
    for warning in result.info.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print()

    funding = result.funding()
    mean_word = "mean " if mc else ""
    table = Table(title=f"Funding mix ({mean_word}CNY) — renovation cost "
                  f"{_money(m['capex_total'])}", title_justify="left")
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
    if mc:
        console.print(_stat_table("Renovation (CNY)", s, [
            ("renovation cost", "capex_total", _money),
            ("funding gap", "funding_gap", _money),
            ("government per household", "government_cost_per_household", _money),
            ("residents per household", "resident_cost_per_household", _money),
        ]))
    else:
        console.print(f"Funding gap: [bold]{_money(m['funding_gap'])} CNY[/bold] "
                      f"({_pct(m['funding_gap_share'])} of the cost, "
                      f"{_money(m['funding_gap_per_household'])} CNY per household); government "
                      f"pays {_money(m['government_cost_per_household'])} and residents "
                      f"{_money(m['resident_cost_per_household'])} CNY per household.")
    console.print()

    year1 = int(sc.start_year + 1)
    if mc:
        console.print(_stat_table(f"Operations, first year ({year1}) and over {sc.horizon_years} "
                                  "years", s, [
            ("fee income, year 1 (CNY)", "fee_income_first_year", _money),
            ("operating cost, year 1 (CNY)", "operating_cost_first_year", _money),
            ("operating surplus, year 1 (CNY)", "operating_surplus_first_year", _money),
            ("NPV of operations (CNY)", "npv_operations", _money),
            ("balance at the horizon (CNY)", "cumulative_balance_final", _money),
            ("breakeven fee (CNY/m²/month)", "breakeven_fee_rate", _rate3),
            ("breakeven fee, year 1 alone", "breakeven_fee_rate_first_year", _rate3),
        ]))
        probs = result.probabilities()
        for _, row in probs.iterrows():
            console.print(f"{row['question']} = {row['probability']:.3f} (± {row['mcse']:.3f})")
        return
    y = result.yearly().iloc[0]
    ops = Table(title=f"First operating year ({year1}), CNY", title_justify="left")
    ops.add_column("Line")
    ops.add_column("CNY/year", justify="right")
    for line in ("property_fee_income", "other_income", "operating_cost", "vat"):
        sign = -1 if line in ("operating_cost", "vat") else 1
        ops.add_row(line.replace("_", " "), _money(sign * y[line]))
    ops.add_section()
    surplus = y["operating_surplus"]
    ops.add_row("operating surplus" if surplus >= 0 else "operating DEFICIT", _money(surplus),
                style="bold red" if surplus < 0 else "bold")
    console.print(ops)
    console.print(
        f"Breakeven fee: [bold]{_rate(m['breakeven_fee_rate'])} CNY/m²/month[/bold] over "
        f"{sc.horizon_years} years (NPV 0 at {100 * m['discount_rate_nominal']:.2f}% nominal); "
        f"{_rate(m['breakeven_fee_rate_first_year'])} to cover year 1 alone. The fee now: "
        f"{_fee_text(sc.operations.property_fee.rate_per_m2_month)}.")
    console.print(f"Operations NPV over {sc.horizon_years} years: {_money(m['npv_operations'])} CNY;"
                  f" balance at the horizon: {_money(m['cumulative_balance_final'])} CNY.")


def _fee_text(rate) -> str:
    return f"{rate:.2f}" if isinstance(rate, (int, float)) else "uncertain (a distribution)"


def _print_error(exc: Exception) -> None:
    sys.stderr.write(f"{exc}\n")
    sys.stderr.flush()


def _cmd_validate(args, console: Console) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            load_scenario(path, args.set or ())
            sys.stdout.write(f"ok {path}\n")
        except ScenarioError as exc:
            _print_error(exc)
            status = EXIT_BAD_INPUT
    return status


def _cmd_run(args, console: Console) -> int:
    scenario = load_scenario(args.file, args.set or ())
    if args.draws is None and (any(o is not None for o in (args.seed, args.sampler,
                                                               args.chunk_size))
                               or args.no_draws or args.workers != 1):
        raise FundmodelError("--seed, --sampler, --chunk-size, --workers and --no-draws go with "
                             "--draws [N]")
    if args.draws is not None:
        progress = sys.stderr.isatty() and not args.quiet
        result = simulate(scenario, args.draws or None, args.seed, args.sampler, args.chunk_size,
                          progress, keep_draws=not args.no_draws, workers=args.workers)
    else:
        result = evaluate(scenario, args.point_estimate)
    written = write_csv(result, args.out) if args.out else []
    _print_result(console, result)
    if written:
        console.print(f"Wrote {', '.join(p.name for p in written)} to {args.out}")
    return EXIT_OK


def _cmd_schema(args, console: Console) -> int:
    text = scenario_json_schema_text()
    if args.out:
        write_text_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


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
    mc = r.add_argument_group("Monte Carlo")
    mc.add_argument("--draws", type=_positive, metavar="N", nargs="?", const=0,
                    help="run a Monte Carlo of N draws instead of the deterministic base case "
                    "(--draws alone: the scenario's simulation.draws)")
    mc.add_argument("--seed", type=_non_negative, metavar="S",
                    help="seed (default: the scenario's simulation.seed)")
    mc.add_argument("--sampler", choices=("random", "lhs", "sobol"),
                    help="sampler (default: the scenario's simulation.sampler, else random)")
    mc.add_argument("--chunk-size", type=_positive, metavar="N",
                    help="draws computed at once (memory; never changes results)")
    mc.add_argument("--workers", type=_positive, default=1, metavar="N",
                    help="threads computing chunks in parallel (default 1)")
    mc.add_argument("--no-draws", action="store_true",
                    help="do not keep the per-draw table (streaming statistics; metrics.csv "
                    "is not written)")
    mc.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
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
    console = Console(highlight=False, soft_wrap=False)
    try:
        return args.func(args, console)
    except FundmodelError as exc:
        _print_error(exc)
        return EXIT_BAD_INPUT
    except OSError as exc:  # an output that cannot be written
        _print_error(FundmodelError(f"cannot write {exc.filename or ''}: {exc.strerror or exc}"))
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
