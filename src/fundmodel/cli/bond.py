"""``fundmodel bond-evaluation FILE``: the stress tests of a scenario's debts — cover under each
shock of the standard grid, sensitivity coefficients, break-even shocks and the chance of a
cover below its threshold. A thin layer over :mod:`fundmodel.evaluation`."""

from __future__ import annotations

import argparse
import functools
import math

from .codes import EXIT_CHECK_FAILED

__all__ = ["add_bond_parser"]


def add_bond_parser(sub, verbose, helpers) -> None:
    """Register the ``bond-evaluation`` command (``helpers`` as for the other commands)."""
    from ..labels import LANGS

    b = sub.add_parser("bond-evaluation", help="stress tests of a scenario's debts: cover "
                       "under revenue -10/-20 %%, cost +10/+20 %%, rate +100 bp, sensitivity "
                       "coefficients, break-even shocks, P(cover below its threshold)",
                       parents=[verbose])
    b.add_argument("file", metavar="FILE")
    b.add_argument("--thresholds", type=float, nargs="+", default=[1.1, 1.2], metavar="T",
                   help="cover thresholds of the break-even shocks and the probabilities "
                   "(default 1.1 1.2)")
    b.add_argument("--draws", type=helpers["non_negative"], metavar="N",
                   help="Monte Carlo draws of P(cover < threshold) (default: the scenario's "
                   "simulation.draws; 0: none)")
    b.add_argument("--seed", type=helpers["non_negative"], metavar="S",
                   help="seed (default: the scenario's simulation.seed)")
    b.add_argument("--lang", choices=LANGS, default=None,
                   help="labels of the printed tables (default en) and of the annex tables "
                   "(default zh)")
    b.add_argument("--stress", action="append", metavar="TARGET*FACTOR",
                   help="a shock of the stress grid in place of the standard one (repeatable): "
                   "income*0.85, 'income[parking]'*0.7, costs*1.3, rates+0.02, delay+2")
    b.add_argument("--strict", action="store_true",
                   help="exit 3 when a check of the debt system fails")
    b.add_argument("--excel", metavar="XLSX", type=helpers["path"],
                   help="write the annex tables (附表) as a workbook whose totals and ratios "
                   "are live formulas")
    b.add_argument("--docx", metavar="DOCX", type=helpers["path"],
                   help="write the annex tables as a Word document (needs python-docx)")
    b.add_argument("--out", metavar="DIR", type=helpers["path"],
                   help="write stress.csv, sensitivity.csv, break_even.csv, cover_below.csv, "
                   "reverse_stress.csv, annex_<n>.csv (the annex tables, 万元) and run.json "
                   "into DIR, as a set")
    helpers["scenario_options"](b)
    b.set_defaults(func=functools.partial(_cmd_bond, helpers=helpers))


def _ratio(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _reverse(result, scenario, debts, threshold: float):
    """Every debt's reverse stress test at ``threshold`` (its cover basis), one row per
    driver (empty where the draws are all of one kind)."""
    import pandas as pd
    from ..errors import ModelError
    from ..evaluation import cover_basis, reverse_stress
    frames = []
    for debt in debts:
        metric = f"debt[{debt}].{cover_basis(scenario, debt)}"
        try:
            found = reverse_stress(result, metric, threshold, scenario=scenario)
        except ModelError:
            continue
        box = found.box.reset_index()
        box.insert(0, "debt", debt)
        box.insert(1, "threshold", threshold)
        for key in ("density", "coverage", "support", "base_rate"):
            box[key] = getattr(found, key)
        frames.append(box)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _print_reverse(console, drivers, lang: str, helpers, scenario, part) -> None:
    from ..evaluation import cover_basis
    from ..labels import input_label, label
    _escape, _table = helpers["escape"], helpers["table"]
    for debt, rows in drivers.groupby("debt", sort=False):
        first = rows.iloc[0]
        metric = f"debt[{debt}].{cover_basis(scenario, debt)}"
        t = _table(label("reverse_stress", lang).format(
            debt=_escape(debt), metric=part(metric), threshold=first.threshold,
            density=100 * first.density, coverage=100 * first.coverage,
            support=100 * first.support, base=100 * first.base_rate),
            [(label("input", lang), "left"), (label("box", lang), "right"),
             (label("full_range", lang), "right"), (label("loss", lang), "right")])
        for row in rows.itertuples(index=False):
            t.add_row(_escape(input_label(row.input, lang, scenario)),
                      f"{row.low:,.4g} – {row.high:,.4g}",
                      f"{row.full_low:,.4g} – {row.full_high:,.4g}",
                      f"{100 * row.loss:.1f} pp")
        console.print(t)


def _located(checks, args):
    """The checks with ``at``: ``file:line:column`` of each check's field (or the nearest
    enclosing one the file writes)."""
    from ..export.excel import scenario_positions
    from ..io.paths import parse_path
    positions = scenario_positions(args.file, list(args.set or ())) or {}
    where = []
    for path in checks["path"]:
        key = tuple(parse_path(path))
        while key and key not in positions:
            key = key[:-1]
        pos = positions.get(key)
        line = getattr(pos, "line", None)
        where.append(f"{args.file}:{line}:{getattr(pos, 'column', None)}" if line else
                     str(args.file))
    return checks.assign(at=where)


def _print_checks(console, checks, lang: str, helpers) -> None:
    from ..labels import label
    _escape, _table = helpers["escape"], helpers["table"]
    marks = {"pass": "✓", "fail": "✗", "question": "?", "not checked": "–"}
    t = _table(label("debt_checks", lang), [(label("debt", lang), "left"),
                                           (label("check", lang), "left"), ("", "center"),
                                           (label("message", lang), "left")])
    for row in checks.itertuples(index=False):
        text = _escape(row.message)
        if row.status != "pass":
            text = f"{_escape(row.at)} {_escape(row.path)}: {text}"
        t.add_row(_escape(row.debt), label(f"check.{row.check}", lang), marks[row.status],
                  text, style="bold red" if row.status == "fail" else None)
    console.print(t)


def _grid(args, helpers):
    """The stress grid: the standard one, or the ``--stress`` shocks, each named as written."""
    from ..evaluation import STANDARD_GRID, StressShock
    if not args.stress:
        return STANDARD_GRID
    grid = []
    for spec in args.stress:
        target, key, number = helpers["parse_shock"](spec, "--stress")
        grid.append(StressShock(spec, target, **{key: number}))
    return tuple(grid)


def _check_targets(args) -> None:
    """Refuse, before any work, a workbook or docx that cannot be written."""
    from pathlib import Path

    from ..errors import FundmodelError
    from ..export.excel import check_workbook_target
    if args.excel is not None:
        check_workbook_target(Path(args.excel))
    if args.docx is not None:
        if Path(args.docx).suffix.lower() != ".docx":
            raise FundmodelError(f"{args.docx}: a Word document's name ends in .docx")
        try:
            import docx  # noqa: F401
        except ImportError:
            raise FundmodelError("--docx needs python-docx: pip install 'fundmodel[docx]'") \
                from None


def _cmd_bond(args: argparse.Namespace, out, err, helpers) -> int:
    _console, _escape, _table = (helpers[k] for k in ("console", "escape", "table"))
    from ..catalog import instrument_metric
    from ..evaluation import break_even, cover_below, debt_labels, stress_grid
    from ..labels import label

    lang = args.lang or "en"
    _check_targets(args)                 # a workbook or docx that cannot be written: no work
    scenario, sha256 = helpers["load_scenario"](args)
    console = _console(out)
    grid = stress_grid(scenario, _grid(args, helpers))
    sensitivity = grid.attrs["sensitivity"]
    even = break_even(scenario, tuple(args.thresholds))
    console.print(f"[bold]{_escape(scenario.title or scenario.name)}[/]", soft_wrap=True)
    colon = "：" if lang == "zh" else ": "

    def shock(name: str) -> str:
        return _escape(grid.attrs["zh"].get(name, name) if lang == "zh" else name)

    def part(metric: str) -> str:
        """A debt's metric by its own name (``gross coverage``), the debt in the title."""
        found = instrument_metric(metric)
        return _escape(label(metric, lang) if found is None else
                       (found.zh if lang == "zh" else found.en))

    programme = scenario.portfolio is not None
    if programme:
        from ..evaluation import pooled_debts
        debts = pooled_debts(scenario)
    else:
        debts = debt_labels(scenario)
    for debt in debts:
        own = [c for c in grid.columns if c.startswith(f"debt[{debt}].")]
        t = _table(f"{label('stress_grid', lang)}{colon}{_escape(debt)}",
                   [(label("shock", lang), "left"), *((part(m), "right") for m in own)])
        for name, row in grid.iterrows():
            t.add_row(shock(name), *(_ratio(row[m]) if not m.endswith("meets_coverage")
                                       else ("✓" if row[m] == 1 else "✗") for m in own))
        console.print(t)
        own = [c for c in sensitivity.columns if c.startswith(f"debt[{debt}].")]
        t = _table(f"{label('sensitivity_coefficients', lang)}{colon}{_escape(debt)}",
                   [(label("shock", lang), "left"), *((part(m), "right") for m in own)])
        for name, row in sensitivity.iterrows():
            t.add_row(shock(name), *(_ratio(row[m]) for m in own))
        console.print(t)
    t = _table(label("break_even_shocks", lang),
               [(label(c, lang), "right" if c in ("threshold", "cover_base", "factor", "change")
                 else "left") for c in even.columns])
    for row in even.itertuples(index=False):
        t.add_row(_escape(row.debt), row.target, part(f"debt[{row.debt}].{row.basis}"),
                  _ratio(row.threshold), _ratio(row.cover_base), _ratio(row.factor),
                  "–" if math.isnan(row.change) else f"{100 * row.change:+.1f} %")
    console.print(t)
    annex_lang = args.lang or "zh"
    if programme:          # the package's cover and tables (its members' sums)
        from ..evaluation.annex import programme_annex_tables
        from ..evaluation.programme import programme_checks
        annex = programme_annex_tables(scenario, grid)
        checks = _located(programme_checks(scenario), args)
    else:
        from ..evaluation import debt_checks
        from ..evaluation.annex import annex_tables
        from ..run.api import evaluate
        point = evaluate(scenario)
        annex, checks = annex_tables(point, grid), _located(debt_checks(point), args)
    _print_checks(console, checks, lang, helpers)
    tables = {"stress": grid, "sensitivity": sensitivity, "break_even": even,
              "checks": checks, **{f"annex_{t.number}": t.frame(annex_lang) for t in annex}}
    record: dict = {"thresholds": list(args.thresholds)}
    draws = scenario.simulation.draws if args.draws is None else args.draws
    if draws:
        if programme:
            from ..portfolio import simulate_portfolio
            result = simulate_portfolio(scenario, draws, args.seed,
                                        progress=err.isatty() and not args.quiet)
        else:
            from ..run.api import simulate
            result = simulate(scenario, draws, args.seed, keep_draws=True, bands=False,
                              progress=err.isatty() and not args.quiet)
        below = cover_below(result, tuple(args.thresholds), scenario=scenario)
        tables["cover_below"] = below
        record.update({"draws": result.info["draws"], "seed": result.info["seed"],
                       "sampler": result.info["sampler"]})
        t = _table(label("cover_below", lang),
                   [(label(c, lang), "left" if c in ("debt", "basis") else "right")
                    for c in below.columns])
        for row in below.itertuples(index=False):
            t.add_row(_escape(row.debt), part(f"debt[{row.debt}].{row.basis}"),
                      _ratio(row.threshold),
                      f"{row.probability:.3f}", _ratio(row.mcse), f"{row.draws:,}")
        console.print(t)
        drivers = _reverse(result, scenario, debts, max(args.thresholds))
        if len(drivers):
            tables["reverse_stress"] = drivers
            _print_reverse(console, drivers, lang, helpers, scenario, part)
    if args.out is not None:
        helpers["write_run_set"](console, args, scenario, sha256, tables, record, lang)
    for option, write in (("excel", "write_annex_workbook"), ("docx", "write_annex_docx")):
        path = getattr(args, option)
        if path is not None:
            from ..export import annex as annex_export
            written = getattr(annex_export, write)(annex, path, annex_lang)
            helpers["written"](console, [written], written.parent, lang)
    return EXIT_CHECK_FAILED if args.strict and (checks["status"] == "fail").any() else 0
