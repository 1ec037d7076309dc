"""``fundmodel report FILE -o report.html``: the scenario's story as one self-contained HTML
page (:mod:`fundmodel.export.report`), printable to PDF from a browser. A thin layer over
:func:`fundmodel.evaluate` / :func:`fundmodel.simulate` and
:func:`fundmodel.export.report.write_report`."""

from __future__ import annotations

import argparse
import functools

__all__ = ["add_report_parser"]

DRIVERS_METRIC = "breakeven_fee_rate"
"""The metric whose drivers the report shows by default."""


def add_report_parser(sub, verbose, helpers) -> None:
    """Register the ``report`` command (``helpers``: the CLI's argument types, given by
    :mod:`fundmodel.cli` so that this module never imports it)."""
    from ..labels import LANGS

    r = sub.add_parser("report", help="write the scenario's story as one self-contained HTML "
                       "page (charts embedded), printable to PDF", parents=[verbose])
    r.add_argument("file", metavar="FILE")
    r.add_argument("-o", "--out", required=True, metavar="HTML", type=helpers["path"],
                   help="the HTML file to write (replaced atomically)")
    r.add_argument("--draws", type=helpers["positive"], metavar="N", nargs="?", const=0,
                   help="a Monte Carlo run of N draws (--draws alone: the scenario's "
                   "simulation.draws); default: the deterministic base case")
    r.add_argument("--seed", type=helpers["non_negative"], metavar="S",
                   help="seed (default: the scenario's simulation.seed)")
    r.add_argument("--sampler", choices=("random", "lhs", "sobol"),
                   help="sampler (default: the scenario's simulation.sampler, else random)")
    r.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the report (default en)")
    r.add_argument("--metric", default=DRIVERS_METRIC, metavar="NAME",
                   help="the metric whose drivers the report shows (default "
                   f"{DRIVERS_METRIC})")
    r.add_argument("--no-drivers", action="store_true",
                   help="leave out 'what drives it' (no sensitivity runs)")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help=helpers["set_help"])
    r.add_argument("--allow-outside-files", action="store_true", help=helpers["outside_help"])
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    helpers["money_unit"](r)
    r.set_defaults(func=functools.partial(_cmd_report, helpers=helpers))


def _drivers(scenario, metric: str):
    """The tornado table of ``metric`` (:func:`fundmodel.sensitivity.tornado`), or None for a
    scenario without uncertain inputs."""
    from ..sensitivity import factors, tornado

    return tornado(scenario, metric) if factors(scenario) else None


def _cmd_report(args: argparse.Namespace, out, err, helpers) -> int:
    from ..errors import FundmodelError

    if args.draws is None and (args.seed is not None or args.sampler is not None):
        raise FundmodelError("--seed and --sampler go with --draws [N]")
    from ..run.api import evaluate, simulate
    from ..export import file_sha256
    from ..export.report import report_template, collect_charts, write_report
    from ..scenario import load_scenario

    report_template()  # Jinja2 missing: say so before running anything
    try:
        sha256 = file_sha256(args.file)
    except OSError:
        sha256 = None  # loading says why the file cannot be read
    scenario = load_scenario(args.file, list(args.set or ()), args.allow_outside_files)
    if scenario.portfolio is not None:
        raise FundmodelError(f"{args.file} is a district (it has a portfolio section): use "
                             f"`fundmodel district {args.file} --report {args.out}`")
    if args.draws is not None:
        from ..run.progress import reporter_for

        result = simulate(scenario, args.draws or None, args.seed, args.sampler,
                          progress=False if args.quiet else reporter_for(err))
    else:
        result = evaluate(scenario)
    drivers = None if args.no_drivers else _drivers(scenario, args.metric)
    helpers["font_note"](err, args.lang)
    charts = collect_charts(result, args.lang, drivers)
    path = write_report(result, args.out, lang=args.lang, charts=charts, drivers=drivers,
                        scenario_file=args.file, scenario_sha256=sha256,
                        overrides=args.set or (), money_unit=args.money_unit)
    from ..labels import text

    out.write(text("wrote", args.lang, files=path.name, out=path.parent) + "\n")
    return 0
