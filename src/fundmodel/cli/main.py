"""The ``fundmodel`` command: a thin layer over the public API; this module parses the
arguments and hands each command to its module (:mod:`.validate`, :mod:`.run`, :mod:`.solve`,
:mod:`.schema`, :mod:`.district`, :mod:`.sensitivity`, :mod:`.report`, :mod:`.compare`).

Exit codes: 0 success; 2 bad input (an invalid scenario, a bad ``--set``, a bad option, an
output that cannot be written, not enough memory for the run), with one line per problem on
standard error and no output files written; 1 when the reader of standard output went away
before everything was printed (e.g. ``fundmodel run ... | head``), silently; 130 on Ctrl-C and
143 on SIGTERM, with one line and the output folders as they were (:mod:`.signals`).

Only ``argparse``, ``logging`` and the standard library are imported before the arguments are
parsed, so ``fundmodel --version`` answers at once.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import re
import sys
from typing import Sequence

from .. import __version__
from ..catalog.tables import TABLES
from ..errors import FundmodelError, Issue, ScenarioError, shorten
from ..export.console import (SafeStream, Words, console_for, escape_markup, money, new_table,
                              print_error, silence_stdout)
from .codes import EXIT_BAD_INPUT, EXIT_OUTPUT_CLOSED, MEMORY_HINT
from .run import chart_font_note, cmd_run, large_csv_warning, print_written
from .schema import cmd_schema
from .solve import cmd_solve
from .validate import cmd_validate

__all__ = ["main", "add_lang_argument", "add_money_unit_argument"]


# ---------------------------------------------------------------------------- arguments
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


def _path(text: str) -> str:
    if text == "":
        raise argparse.ArgumentTypeError("the path is empty")
    return text


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    """Give a command ``--lang {en,zh}``: the language of what it prints and, with ``--out``,
    of the files' headers and names (:func:`fundmodel.labels.localize`). Not given
    (``args.lang`` None): English printing, and files keep their identifiers as headers (the
    data contract); read it as ``args.lang or "en"`` for printing."""
    from ..labels import LANGS

    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="language of the printed output and, with --out, of the files' "
                        "headers and labels: en (default) or zh (Chinese); without it the "
                        "files keep the identifiers (funding_gap) as headers")


def add_money_unit_argument(parser: argparse.ArgumentParser) -> None:
    """Give a command ``--money-unit {CNY,万元}``: the unit of the sums of money it prints and
    writes (:func:`fundmodel.labels.money_scale`); CNY by default, whatever the scenario's own
    ``money_unit`` (that one is how its inputs are written)."""
    from ..labels import MONEY_UNITS

    parser.add_argument("--money-unit", choices=tuple(MONEY_UNITS), default="CNY",
                        help="unit of the sums of money printed and written (files, workbook): "
                        "CNY (default) or 万元 (two decimals); amounts per household, m², month "
                        "or unit stay in CNY")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose messages (usage, errors, help, version) go through
    :class:`SafeStream`, so that a user's Chinese file name cannot crash an ASCII console."""

    streams: tuple[SafeStream, SafeStream] | None = None  # set per instance by _parser()

    def error(self, message):
        """A bad value of an option (``--out ''``, ``--draws many``) is one line naming the
        option; a missing argument or command gets the usage, which shows what is missing."""
        if message.startswith("argument "):
            self.exit(2, f"{self.prog}: error: {shorten(message, 400)} "
                      f"(see {self.prog} --help)\n")
        super().error(message)

    def _print_message(self, message, file=None):  # argparse's single output point
        if not message:
            return
        target = file or sys.stderr
        if self.streams is not None:
            out, err = self.streams
            target = out if target is out.stream else err if target is err.stream else target
        if not isinstance(target, SafeStream):
            target = SafeStream(target)
        try:
            target.write(message)
            target.flush()
        except (OSError, ValueError):
            pass


_SHOCK = re.compile(r"^\s*(?P<target>[^*+]+?)\s*(?P<op>[*+]|-(?=\s*[\d.]))\s*"
                    r"(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def parse_shock(spec: str, option: str = "--shock") -> tuple[str, str, float]:
    """``(target, key, number)`` of ``TARGET*FACTOR`` (key ``factor``), ``rates+SHIFT`` or
    ``rates-SHIFT`` (``add``) and ``delay+YEARS`` (``years``).

    Raises
    ------
    ScenarioError
        When ``spec`` is none of these (the issue names ``option``).
    """
    m = _SHOCK.match(spec)
    if m is None:
        raise ScenarioError([Issue("shocks", "expected TARGET*FACTOR (income*0.9, costs*1.2), "
                                   "rates+SHIFT (rates+0.01) or delay+YEARS (delay+1)",
                                   f"{option} {spec}")])
    number = float(m.group("number")) * (-1.0 if m.group("op") == "-" else 1.0)
    target = m.group("target").strip().strip("'\"")
    key = "factor" if m.group("op") == "*" else ("years" if target == "delay" else "add")
    return target, key, (int(number) if key == "years" and number.is_integer() else number)


def shock_override(spec: str) -> str:
    """A ``--shock`` as the ``--set`` that adds it to the scenario's shocks: ``income*0.9`` →
    ``shocks[+]={target: income, factor: 0.9}``, ``rates+0.01`` (or ``rates-0.005``) →
    ``{target: rates, add: 0.01}``, ``delay+1`` → ``{target: delay, years: 1}``.

    Raises
    ------
    ScenarioError
        When ``spec`` is not one of these forms (:func:`parse_shock`).
    """
    target, key, number = parse_shock(spec)
    from ..io.overrides import Override
    return Override(f"shocks[+]={{target: {json.dumps(target, ensure_ascii=False)}, "
                    f"{key}: {number!r}}}", f"--shock {spec}")


def _scenario_options(parser: argparse.ArgumentParser, set_help: str,
                      outside_help: str) -> None:
    """The options of a command that reads one scenario and draws: ``--set``,
    ``--allow-outside-files`` and ``-q``."""
    parser.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    parser.add_argument("--allow-outside-files", action="store_true", help=outside_help)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _load_for_run(args) -> tuple:
    """The scenario of ``args.file`` with its ``--set`` (and ``--shock``), and the file's
    SHA-256 when ``--out`` will record it (None otherwise, or when it cannot be read)."""
    from ..export import file_sha256
    from ..scenario import load_scenario
    sha256 = None
    if args.out is not None:
        try:
            sha256 = file_sha256(args.file)
        except OSError:
            pass
    return load_scenario(args.file, list(args.set or ()), args.allow_outside_files), sha256


def _write_run_set(console, args, scenario, sha256, files: dict, record: dict,
                   lang: str = "en") -> None:
    """Write ``files`` (name → table) and ``run.json`` (the scenario's record and ``record``)
    into ``args.out`` as a set, and say so."""
    from .. import __version__
    from ..export import write_table_set
    record = {"fundmodel_version": __version__, "scenario_file": str(args.file),
              "scenario_sha256": sha256, "set": list(args.set or ()), **record,
              "files": [*(f"{n}.csv" for n in files), "run.json"],
              "scenario": scenario.model_dump(mode="json", by_alias=True)}
    print_written(console, write_table_set(files, record, args.out), args.out, lang)


def _parser(out: SafeStream | None = None,
            err: SafeStream | None = None) -> argparse.ArgumentParser:
    """The argument parser; its messages go to ``out`` and ``err`` when given."""
    p = _Parser(
        prog="fundmodel",
        description="Financial model of old residential compound renovation and upkeep.")
    p.add_argument("--version", action="version", version=f"fundmodel {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    verbose = argparse.ArgumentParser(add_help=False)  # -v also after the command
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log progress to stderr")

    set_help = ("change a value before validation, e.g. "
                "--set operations.property_fee.rate_per_m2_month=0.6 or "
                "--set 'funding[3].uptake={dist: uniform, low: 0.6, high: 0.9}' (repeatable)")
    outside_help = ("let empirical distributions read CSV files outside the scenario file's "
                    "folder (refused by default)")
    v = sub.add_parser("validate", help="check scenario files", parents=[verbose])
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    v.add_argument("--allow-outside-files", action="store_true", help=outside_help)
    v.set_defaults(func=cmd_validate)

    r = sub.add_parser("run", help="run a scenario and print the funding mix, the gap, the "
                       "residents' votes and cost by floor, the first-year operating result and "
                       "the breakeven fee", parents=[verbose])
    r.add_argument("file", metavar="FILE")
    r.add_argument("--out", metavar="DIR", type=_path,
                   help="write summary.csv, metrics.csv, yearly.csv, funding.csv (with "
                   "households: decisions.csv, households.csv, channels.csv; the declared "
                   "tables a run has: " + ", ".join(f"{t}.csv" for t in TABLES) + "; UTF-8 with a "
                   "byte-order mark, for Excel) and run.json (the record of the run) into DIR; "
                   "the files of an earlier run there are replaced or removed, nothing else")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    r.add_argument("--allow-outside-files", action="store_true", help=outside_help)
    r.add_argument("--point-estimate", choices=("mean", "median", "mode"), default=None,
                   help="point of each distribution used by the deterministic run "
                   "(default: the scenario's simulation.point_estimate, else mean)")
    r.add_argument("--excel", metavar="FILE.xlsx", type=_path,  # the workbook (h6-excel)
                   help="also write the results as an Excel workbook (its folder must exist)")
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
    mc.add_argument("-q", "--quiet", action="store_true", help="no progress (bar, or a line "
                    "every 5 s when standard error is not a terminal)")
    r.add_argument("--format", choices=("csv", "parquet", "auto"), default="csv",
                   help="with --out: metrics (per draw) as csv (default), parquet "
                   "(metrics.parquet; needs pyarrow), or auto (parquet when over ~50 MB as CSV)")
    r.add_argument("--plots", metavar="DIR", type=_path,
                   help="write the charts as PNG (fan charts, funding waterfall, cash flows by "
                   "party; with draws the funding gap's histogram and the breakeven fee's CDF) "
                   "and run.json into DIR, as a set (a folder other than --out's)")
    add_lang_argument(r)
    add_money_unit_argument(r)
    r.set_defaults(func=cmd_run)

    g = sub.add_parser("solve", help="find the lever value that meets a target, per draw or "
                       "on a statistic over the draws", parents=[verbose])
    g.add_argument("file", metavar="FILE")
    g.add_argument("--lever", required=True, metavar="PATH",
                   help="the number field to solve for, e.g. "
                   "operations.property_fee.rate_per_m2_month")
    g.add_argument("--target", required=True, metavar="TEXT",
                   help="e.g. 'npv_operations = 0' (per draw), "
                   "'P(cumulative_balance_final < 0) <= 0.10', 'p90(metric) <= 50000', "
                   "'mean(npv_operations) >= 0'")
    g.add_argument("--draws", type=_positive, metavar="N",
                   help="Monte Carlo draws (default: a per-draw target is solved at the point "
                   "estimates, a statistic over the scenario's simulation.draws)")
    g.add_argument("--seed", type=_non_negative, metavar="S")
    g.add_argument("--sampler", choices=("random", "lhs", "sobol"))
    g.add_argument("--method", choices=("auto", "closed_form", "search"), default="auto")
    g.add_argument("--check", action="store_true",
                   help="also run the search where a closed form is used, and report the "
                   "largest disagreement")
    g.add_argument("--bounds", type=float, nargs=2, metavar=("LOW", "HIGH"),
                   help="search the lever in this range only")
    g.add_argument("--integer", action="store_true", help="whole lever values only")
    g.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    g.add_argument("--allow-outside-files", action="store_true", help=outside_help)
    add_lang_argument(g)
    g.set_defaults(func=cmd_solve)

    # the commands in modules of their own get what they share with this one as helpers
    helpers = {"positive": _positive, "non_negative": _non_negative, "path": _path,
               "set_help": set_help, "outside_help": outside_help, "console": console_for,
               "escape": escape_markup, "money": money, "table": new_table,
               "large_csv": large_csv_warning, "lang": add_lang_argument, "words": Words,
               "written": print_written, "font_note": chart_font_note,
               "scenario_options": functools.partial(_scenario_options, set_help=set_help,
                                                     outside_help=outside_help),
               "write_run_set": _write_run_set, "load_scenario": _load_for_run,
               "parse_shock": parse_shock, "money_unit": add_money_unit_argument}
    from .bond import add_bond_parser
    from .compare import add_compare_parser
    from .district import add_district_parser
    from .report import add_report_parser
    from .sensitivity import add_sensitivity_parser
    for add in (add_district_parser, add_sensitivity_parser, add_report_parser,
                add_compare_parser, add_bond_parser):
        add(sub, verbose, helpers)

    for command in sub.choices.values():     # every command that takes --set takes --shock
        if any("--set" in action.option_strings for action in command._actions):
            command.add_argument("--shock", action="append", metavar="TARGET*FACTOR",
                                 help="a stress test, added to the scenario's shocks: "
                                 "income*0.9 (revenue -10 %%), costs*1.2, "
                                 "'income[parking]'*0.8, capex*1.1, rates+0.01 (+100 bp) "
                                 "(repeatable; docs/shocks.md)")

    s = sub.add_parser("schema", help="print the scenario format as JSON Schema",
                       parents=[verbose])
    s.add_argument("--out", metavar="FILE", type=_path, help="write it to FILE instead")
    s.set_defaults(func=cmd_schema)
    if out is not None and err is not None:
        for parser in (p, v, r, g, s):
            parser.streams = (out, err)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    out, err = SafeStream(sys.stdout), SafeStream(sys.stderr)
    args = _parser(out, err).parse_args(argv)
    logger = logging.getLogger("fundmodel")
    handler, level = None, logger.level
    if args.verbose:
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    from .signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, sigterm_raises
    try:
        if getattr(args, "shock", None):
            args.set = [*(args.set or ()), *(shock_override(spec) for spec in args.shock)]
        with sigterm_raises():
            status = args.func(args, out, err)
        out.flush()
        return status
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (output sets rolled back)
        print_error(err, "fundmodel: interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        print_error(err, "fundmodel: terminated")
        return EXIT_TERMINATED
    except FundmodelError as exc:
        print_error(err, exc)
        return EXIT_BAD_INPUT
    except MemoryError as exc:
        why = f" ({exc})" if str(exc) else ""
        print_error(err, f"fundmodel: {MEMORY_HINT}{why}")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        silence_stdout()
        return EXIT_OUTPUT_CLOSED
    except OSError as exc:  # printing failed (disk full...): no traceback
        silence_stdout()
        where = f"cannot write {exc.filename}" if exc.filename else "cannot write the output"
        print_error(err, f"fundmodel: {where}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level)
