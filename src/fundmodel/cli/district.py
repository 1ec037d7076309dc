"""``fundmodel district FILE``: a district portfolio — the phased plan, the fiscal outlay by
level and year with its uncertainty, and what shared service areas save. A thin layer over
:mod:`fundmodel.portfolio`."""

from __future__ import annotations

import argparse
import functools
import os

__all__ = ["add_district_parser"]


def add_district_parser(sub, verbose, helpers) -> None:
    """Register the ``district`` command (``helpers``: the CLI's argument types and printing
    helpers, given by :mod:`fundmodel.cli` so that this module never imports it)."""
    d = sub.add_parser("district", help="run a district portfolio: the phased plan, the fiscal "
                       "outlay by level and year, the shared service areas", parents=[verbose])
    d.add_argument("file", metavar="FILE")
    d.add_argument("--draws", type=helpers["positive"], metavar="N",
                   help="Monte Carlo draws (default: the scenario's simulation.draws)")
    d.add_argument("--seed", type=helpers["non_negative"], metavar="S",
                   help="seed (default: the scenario's simulation.seed)")
    d.add_argument("--workers", type=helpers["positive"], default=1, metavar="N",
                   help="threads computing tiles of compounds (default 1)")
    d.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the tiles on the Dask cluster at this scheduler address "
                   "(e.g. tcp://10.0.0.5:8786); the results are the same bits")
    d.add_argument("--scheduler-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                   help="with --scheduler: how long to wait for it to answer (default 10)")
    d.add_argument("--no-plan", action="store_true",
                   help="every compound starts in start_year (ignore portfolio.phasing)")
    d.add_argument("--no-areas", action="store_true", help="skip the shared service areas")
    d.add_argument("--out", metavar="DIR", type=helpers["path"],
                   help="write compounds.csv, district.csv (per draw), outlay.csv, plan.csv, "
                   "budget.csv, overrun.csv (P(a level's budget is overrun) by year), "
                   "programme.csv (a pooled instrument's metrics per draw), areas.csv and "
                   "run.json into DIR, as a set")
    d.add_argument("--plots", metavar="DIR", type=helpers["path"],
                   help="write the charts as PNG (the plan, the fiscal outlay by level) and "
                   "run.json into DIR, as a set (a folder other than --out's)")
    d.add_argument("--report", metavar="HTML", type=helpers["path"],
                   help="write the district's report as one self-contained HTML page (the "
                   "plan, the outlay by level and year, the totals, the compounds)")
    d.add_argument("--excel", metavar="XLSX", type=helpers["path"],
                   help="write the district's workbook: plan, outlay by level and year, "
                   "totals, every compound, assumptions (needs fundmodel[excel])")
    d.add_argument("--set", action="append", metavar="PATH=VALUE", help=helpers["set_help"])
    d.add_argument("--allow-outside-files", action="store_true", help=helpers["outside_help"])
    d.add_argument("-q", "--quiet", action="store_true", help="no progress (bar, or a line "
                   "every 5 s when standard error is not a terminal)")
    d.add_argument("--format", choices=("csv", "parquet", "auto"), default="csv",
                   help="with --out: the per-draw district table as csv (default), parquet "
                   "(district.parquet; needs pyarrow), or auto (parquet when over ~50 MB as CSV)")
    helpers["lang"](d)
    helpers["money_unit"](d)
    d.set_defaults(func=functools.partial(_cmd_district, helpers=helpers))


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds from 0 to 3600, got "
                                         f"{text[:40]!r}")
    return value


def _check_plan(scenario, plan, args) -> None:
    """A plan that starts no compound is an error located at the scenario field to change."""
    from ..errors import Issue, ScenarioError
    from ..export.excel import scenario_positions
    from ..portfolio.plan import empty_plan_reason

    reason = empty_plan_reason(scenario, plan)
    if reason is None:
        return
    path, message = reason
    positions = scenario_positions(args.file, list(args.set or ())) or {}
    key = tuple(path.split("."))
    pos = positions.get(key) or positions.get(key[:-1]) or positions.get(key[:-2])
    raise ScenarioError([Issue(path, f"nothing can be planned: {message}", str(args.file),
                               getattr(pos, "line", None), getattr(pos, "column", None))])


MEMORY_HINT = ("not enough memory for this district run: try fewer --draws or fewer --workers, "
               "or --no-plan")


def _cmd_district(args: argparse.Namespace, out, err, helpers) -> int:
    """The command; running out of memory anyway (the estimates are refused up front) is one
    line naming the district's own ways out."""
    from ..errors import FundmodelError
    try:
        return _run_district(args, out, err, helpers)
    except MemoryError as exc:
        why = f" ({exc})" if str(exc) else ""
        raise FundmodelError(f"fundmodel: {MEMORY_HINT}{why}") from None


def _run_district(args: argparse.Namespace, out, err, helpers) -> int:
    _console, _escape, _money, _table = (helpers[k] for k in ("console", "escape", "money",
                                                              "table"))
    lang = args.lang or "en"
    w = helpers["words"](lang, args.money_unit)
    from ..errors import FundmodelError
    from ..export import file_sha256, table_formats, write_table_set
    from ..run.progress import reporter_for
    from ..portfolio import plan_portfolio, service_areas, simulate_portfolio
    from ..scenario import load_scenario

    if args.plots is not None and args.out is not None and (
            os.path.abspath(args.plots) == os.path.abspath(args.out)):
        raise FundmodelError("--plots needs a folder of its own, not the --out folder")
    sha256 = None
    if args.out is not None or args.plots is not None:
        try:
            sha256 = file_sha256(args.file)
        except OSError:
            pass
    if args.report is not None:
        from ..export.report import report_template

        report_template()  # Jinja2 missing: say so before running anything
    if args.excel is not None:
        from pathlib import Path

        from ..export.excel import check_workbook_target, require_openpyxl

        require_openpyxl()
        check_workbook_target(Path(args.excel))
    if args.report is not None or args.excel is not None:
        try:
            sha256 = sha256 or file_sha256(args.file)
        except OSError:
            pass
    scenario = load_scenario(args.file, list(args.set or ()), args.allow_outside_files)
    if scenario.portfolio is None:
        raise FundmodelError(f"{args.file} has no portfolio section: use `fundmodel run`")
    portfolio = scenario.portfolio
    plan = None
    if portfolio.phasing is not None and not args.no_plan:
        plan = plan_portfolio(scenario, seed=args.seed)
        _check_plan(scenario, plan, args)
    client = None
    if args.scheduler is not None:
        from ..portfolio.cluster import connect
        client = connect(args.scheduler, args.scheduler_timeout)
    try:
        result = simulate_portfolio(
            scenario, args.draws, args.seed, start_years=None if plan is None
            else plan.start_year, tiers=None if plan is None else plan.tier,
            workers=args.workers, client=client,
            progress=False if args.quiet else reporter_for(err))
    except OSError as exc:  # the cluster went away in the middle
        if client is None:
            raise
        raise FundmodelError(f"lost the connection to the scheduler at {args.scheduler[:80]}: "
                             f"{exc.strerror or exc}") from None
    finally:
        if client is not None:
            client.close()
    areas = None
    if not args.no_areas and portfolio.service_areas is not None:
        areas = service_areas(scenario)

    documents = []  # the workbook and the report, before the tables and charts
    if args.excel is not None:
        documents.append(result.to_excel(args.excel, lang, plan=plan, scenario=scenario,
                                         scenario_file=args.file,
                                         overrides=list(args.set or ()),
                                         money_unit=args.money_unit))
    if args.report is not None:
        from ..export.report import collect_district_charts, write_district_report

        documents.append(write_district_report(
            result, scenario, args.report, lang=lang, plan=plan,
            charts=collect_district_charts(result, lang), scenario_file=args.file,
            scenario_sha256=sha256, overrides=list(args.set or ()),
            money_unit=args.money_unit))
    console = _console(out)
    table = portfolio.table
    console.print(w("district.head", title=_escape(scenario.title or scenario.name),
                    compounds=len(table), households=int(sum(table.households)),
                    draws=result.info["draws"], seed=result.info["seed"]), soft_wrap=True)
    if plan is not None:
        by_year = plan.table.dropna(subset=["start_year"]).groupby("start_year")
        t = _table(w("district.plan"), [(w("col.Year"), "left"), (w("col.Compounds"), "right"),
                                        (w("col.Households"), "right")])
        for year, rows in by_year:
            t.add_row(str(int(year)), f"{len(rows):,}",
                      f"{int(table.households[rows.index].sum()):,}")
        t.caption = w("district.in_plan", n=int((plan.start_year >= 0).sum()), total=len(table),
                      status=w(f"plan.{plan.status}") if w.zh else plan.status)
        t.caption_justify = "left"
        console.print(t)
    s = result.summary()
    t = _table(w.sums("district.totals"),
               [(w("col.metric"), "left"), (w("col.mean"), "right"), (w("col.p5"), "right"),
                (w("col.p95"), "right")])
    for metric in s.index:
        r = s.loc[metric]
        name = (w("district.subsidy_run", n=len(result.compounds))
                if metric == "operating_subsidy_pv" else w.label(metric))
        fmt = w.fmt(metric, _money)
        t.add_row(name, fmt(r["mean"]), fmt(r["p05"]), fmt(r["p95"]))
    console.print(t)
    if len(result.programme.columns):
        from ..export.console import programme_table
        console.print(programme_table(result.programme_summary(), w))
    outlay = result.outlay()
    t = _table(w.sums("district.outlay"),
               [(w("col.Level"), "left"), (w("col.Year"), "left"), (w("col.mean"), "right"),
                (w("col.p5"), "right"), (w("col.p95"), "right")])
    for row in outlay[outlay["mean_cny"] > 0].itertuples():
        t.add_row(w.label(row.level), str(row.year), w.sum(row.mean_cny),
                  w.sum(row.p05_cny), w.sum(row.p95_cny))
    console.print(t)
    overrun = result.overrun()
    if len(overrun):
        t = _table(w("district.overrun"),
                   [(w("col.Level"), "left"), (w("col.Year"), "left"),
                    (w.col("budget_cny", "CNY"), "right"),
                    (w("col.mean"), "right"),
                    (w("district.p_overrun"), "right"), (w("col.se"), "right")])
        for row in overrun.itertuples():
            t.add_row(w.label(row.level), str(row.year), w.sum(row.budget_cny),
                      w.sum(row.mean_cny), f"{row.overrun_probability:.3f}",
                      "–" if row.mcse != row.mcse else f"{row.mcse:.3f}")
        console.print(t)
    if areas is not None:
        t = _table(w.sums("district.areas", n=len(table)),
                   [("", "left"), (w("district.standalone"), "right"),
                    (w("district.shared"), "right")])
        t.add_row(w("district.units"), f"{len(table):,}", f"{areas.clusters:,}")
        t.add_row(w("district.subsidy"), w.sum(areas.subsidy_standalone_cny),
                  w.sum(areas.subsidy_clustered_cny))
        t.add_row(w("district.breaking_even"), f"{areas.breaking_even_standalone:,}",
                  f"{areas.breaking_even_clustered:,}")
        if areas.merge_cost_cny:
            t.add_row(w("district.merge_cost"), "0", w.sum(areas.merge_cost_cny))
        t.caption = w.sums("district.saving", ("saving",), saving=w.sum(areas.saving_cny))
        t.caption_justify = "left"
        console.print(t)
    if args.out is not None:
        from .. import __version__
        tables = {"compounds": result.compounds, "district": result.district,
                  "outlay": outlay}
        if len(overrun):
            tables["overrun"] = overrun
        if len(result.programme.columns):
            tables["programme"] = result.programme
        if plan is not None:
            tables["plan"] = plan.table
            tables["budget"] = plan.budget_use
        if areas is not None:
            tables["areas"] = areas.table
        record = {"fundmodel_version": __version__, "scenario_file": str(args.file),
                  "scenario_sha256": sha256, "set": list(args.set or ()),
                  **{k: v for k, v in result.info.items()},
                  "scenario": scenario.model_dump(mode="json", by_alias=True)}
        formats = table_formats(tables, args.format, ("district", "programme"),
                                helpers["large_csv"](err))
        written = write_table_set(tables, record, args.out, formats=formats,  # sets "files"
                                  lang=args.lang, money_unit=args.money_unit)
        helpers["written"](console, written, args.out, lang)
    for document in documents:
        helpers["written"](console, [document], document.parent, lang)
    if args.plots is not None:  # the charts as PNG, with their run.json, as one set
        from .. import __version__
        from ..plots import write_charts

        record = {"fundmodel_version": __version__, "scenario_file": str(args.file),
                  "scenario_sha256": sha256, "set": list(args.set or ()), "lang": lang,
                  **result.info, "scenario": scenario.model_dump(mode="json", by_alias=True)}
        helpers["font_note"](err, lang)
        charts = write_charts(result.plot.charts(lang), args.plots, record)
        helpers["written"](console, charts, args.plots, lang)
    return 0
