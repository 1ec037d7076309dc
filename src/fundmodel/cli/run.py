"""``fundmodel run FILE``: a deterministic run or a Monte Carlo, printed and written."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..errors import FundmodelError, ModelError
from ..export.console import SafeStream, console_for, escape_markup, print_result, Words
from .codes import EXIT_OK

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console


def cmd_run(args, out: SafeStream, err: SafeStream) -> int:
    if args.draws is None and (any(o is not None for o in (args.seed, args.sampler,
                                                               args.chunk_size))
                               or args.no_draws or args.workers != 1):
        raise FundmodelError("--seed, --sampler, --chunk-size, --workers and --no-draws go with "
                             "--draws [N]")
    from ..run.api import evaluate, simulate
    from ..export import file_sha256, write_csv
    from ..run.progress import reporter_for
    from ..scenario import load_scenario

    if args.plots is not None and args.out is not None and (
            os.path.abspath(args.plots) == os.path.abspath(args.out)):
        raise FundmodelError("--plots needs a folder of its own, not the --out folder")
    sha256 = None
    if args.out is not None or args.plots is not None:  # of the bytes read just before loading
        try:
            sha256 = file_sha256(args.file)
        except OSError:
            pass  # loading says why the file cannot be read
    overrides = list(args.set or ())
    if args.point_estimate is not None:  # checked as the scenario setting is: errors located
        overrides.append(f"simulation.point_estimate={args.point_estimate}")
    scenario = load_scenario(args.file, overrides, args.allow_outside_files)
    if args.draws is not None:
        progress = False if args.quiet else reporter_for(err)
        try:
            result = simulate(scenario, args.draws or None, args.seed, args.sampler,
                              args.chunk_size, progress, keep_draws=not args.no_draws,
                              workers=args.workers)
        except ModelError as exc:   # too large for memory: located where the draws come from
            if not str(exc).startswith("this run needs about"):
                raise
            raise ModelError(f"{_draws_origin(args, overrides, scenario)}: {exc}") from None
    else:
        result = evaluate(scenario)
    lang = args.lang or "en"
    figures = None
    if args.plots is not None:  # drawn before anything is written: a failure writes nothing
        from ..sensitivity import factors, tornado

        drivers = tornado(scenario, "breakeven_fee_rate") if factors(scenario) else None
        chart_font_note(err, lang)
        figures = result.plot.charts(lang, tornado=drivers)
    workbook = None
    if args.excel is not None:  # the workbook, before the CSV files
        from ..export.excel import write_workbook
        workbook = write_workbook(result, args.excel, lang=lang,
                                  scenario_file=args.file, overrides=args.set or (),
                                  money_unit=args.money_unit)
    written = []
    if args.out is not None:
        written = write_csv(result, args.out, scenario_file=args.file, scenario_sha256=sha256,
                            overrides=args.set or (), format=args.format,
                            on_large_csv=large_csv_warning(err), lang=args.lang,
                            money_unit=args.money_unit)
    charts = []
    if figures is not None:  # the charts as PNG, with their run.json, as one set
        from ..export import run_record
        from ..plots import write_charts

        record = run_record(result, scenario_file=args.file, scenario_sha256=sha256,
                            overrides=args.set or ())
        charts = write_charts(figures, args.plots, {**record, "lang": lang})
    console = console_for(out)
    print_result(console, result, lang, args.money_unit)
    if written:
        print_written(console, written, args.out, lang)
    if workbook is not None:
        print_written(console, [workbook], workbook.parent, lang)
    if charts:
        print_written(console, charts, args.plots, lang)
    return EXIT_OK


def _draws_origin(args, overrides, scenario) -> str:
    """Where the draw count of ``run --draws`` came from, as a message's location."""
    from ..scenario.load import value_origin

    if args.draws:
        return f"--draws {args.draws}"
    where = value_origin(args.file, overrides, ("simulation", "draws"))
    return (f"{where} simulation.draws" if where else
            f"--draws (the default of {scenario.simulation.draws:,} draws)")


def print_written(console: "Console", written, folder, lang: str = "en") -> None:
    """The line naming the files written."""
    w = Words(lang)
    console.print(w("wrote", files=", ".join(p.name for p in written), out=escape_markup(folder)),
                  soft_wrap=True)


CJK_FONT_PACKAGES = "fonts-noto-cjk or fonts-wqy-zenhei"
"""Debian/Ubuntu packages of a font with Chinese glyphs, named when none is installed."""


def chart_font_note(err: SafeStream, lang: str | None) -> None:
    """Charts in Chinese without a font that has Chinese glyphs are drawn in English: say so
    in one line on ``err`` (the library logs it too, seen with ``-v``)."""
    if lang != "zh":
        return
    try:
        from ..plots.fonts import find_cjk_font
    except ImportError:  # pragma: no cover - no matplotlib: the charts say so
        return
    try:
        found = find_cjk_font()
    except ImportError:
        return
    if found is None:
        err.write(f"warning: no font with Chinese glyphs is installed, so the charts are drawn "
                  f"with English labels; install one (e.g. {CJK_FONT_PACKAGES})\n")


def large_csv_warning(err: SafeStream):
    """``on_large_csv`` of the writers: one line on ``err`` per large CSV file."""
    def warn(name: str, size: int) -> None:
        err.write(f"warning: {name} will be about {size / 1000**2:,.0f} MB; use --format "
                  "parquet for a smaller file, faster to read\n")
    return warn
