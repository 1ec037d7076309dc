"""``fundmodel compare A.yaml B.yaml ...``: key metrics of several scenarios side by side;
``fundmodel compare FILE --levers``: the scenario's levers step by step. A thin layer over
:func:`fundmodel.compare` and :func:`fundmodel.lever_table`."""

from __future__ import annotations

import argparse
import functools
import math

__all__ = ["add_compare_parser", "cell_lines", "markdown"]



def add_compare_parser(sub, verbose, helpers) -> None:
    """Register the ``compare`` command (``helpers``: the CLI's argument types and printing
    helpers, given by :mod:`fundmodel.cli` so that this module never imports it)."""
    from ..labels import LANGS

    c = sub.add_parser("compare", help="compare scenarios side by side (key metrics with their "
                       "uncertainty), or a scenario's levers step by step (--levers)",
                       parents=[verbose])
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--levers", action="store_true",
                   help="the scenario's levers (one FILE): the baseline, then each lever added "
                   "on top of the ones before it, with the change from the row before")
    c.add_argument("--each", action="store_true",
                   help="with --levers: each lever alone against the baseline instead")
    c.add_argument("--draws", type=helpers["positive"], metavar="N",
                   help="Monte Carlo draws per scenario or step: mean and p5-p95 (default: "
                   "the deterministic base case)")
    c.add_argument("--seed", type=helpers["non_negative"], metavar="S",
                   help="seed for every scenario or step (default: each scenario's "
                   "simulation.seed)")
    c.add_argument("--metrics", metavar="M1,M2",
                   help="metrics to show, comma-separated (default: the key metrics)")
    c.add_argument("--lang", choices=LANGS, default=None,
                   help="language of the printed labels (default en) and of the CSV headers "
                   "(default: identifiers)")
    helpers["money_unit"](c)
    c.add_argument("--markdown", action="store_true",
                   help="print the table as Markdown (to paste into a report)")
    c.add_argument("--out", metavar="DIR", type=helpers["path"],
                   help="write compare.csv (or levers.csv) and run.json into DIR, as a set")
    c.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help=helpers["set_help"] + "; applied to every FILE")
    c.add_argument("--allow-outside-files", action="store_true", help=helpers["outside_help"])
    c.set_defaults(func=functools.partial(_cmd_compare, helpers=helpers))


# ---------------------------------------------------------------------------- cells
def _number(metric: str, x: float, lang: str, mc: bool, change: bool = False,
            money_unit: str = "CNY") -> str:
    """A metric's value as shown: CNY whole (万元 with two decimals), rates two decimals, 0/1
    metrics as a probability (Monte Carlo) or yes/no (deterministic); ``change`` with its
    sign."""
    from ..labels import describe_unit, money_scale, output_unit, unit

    if x is None or math.isnan(x):
        return "–"
    sign = "+" if change else ""
    if money_scale(metric, output_unit(metric), money_unit)[0] != 1.0:
        return f"{x:{sign},.2f}"
    found = describe_unit(metric)
    if found == "0/1":
        if mc:
            return f"{100 * x:{sign}.1f}%"
        if change:
            return f"{x:+.0f}"
        yes, no = unit("bool", lang).split("/")
        return yes if x > 0 else no
    if found == "share":
        return f"{100 * x:{sign}.1f}%"
    if found in ("CNY", "CNY/year", "CNY/household"):
        return f"{x:{sign},.0f}"
    if found in ("years", "year"):
        return f"{x:{sign},.1f}" if mc else f"{x:{sign},.0f}"
    return f"{x:{sign},.2f}"


def cell_lines(get, metric: str, lang: str, mc: bool, change: bool,
               money_unit: str = "CNY") -> list[str]:
    """The lines of one cell (``get(statistic)`` reads the table, its sums of money in
    ``money_unit``): the value, or the mean and the p5 – p95 band below it (``mc``); then the
    change in brackets when ``change``."""
    def number(x: float, change: bool = False) -> str:
        return _number(metric, x, lang, mc, change, money_unit)

    lines = [number(get("mean" if mc else "value"))]
    if mc:
        low, high = get("p5"), get("p95")
        if not (math.isnan(low) and math.isnan(high)):
            lines.append(f"{number(low)} – {number(high)}")
    if change:
        lines.append(f"({number(get('change'), True)})")
    return lines


def markdown(head: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: the first column left-aligned, the others right-aligned; ``|`` in a
    cell is escaped."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(head), "|---|" + "---:|" * (len(head) - 1),
                      *(line(r) for r in rows)])


# ---------------------------------------------------------------------------- the command
def _cmd_compare(args: argparse.Namespace, out, err, helpers) -> int:
    from .. import __version__
    from ..run.compare import comparison_in_money_unit, compare, lever_table
    from ..errors import FundmodelError
    from ..export import file_sha256, write_table_set
    from ..labels import header, label, text
    from ..scenario import load_scenario

    if args.levers and len(args.files) != 1:
        raise FundmodelError("--levers compares the steps of one scenario: give one FILE")
    if args.each and not args.levers:
        raise FundmodelError("--each goes with --levers")
    lang = args.lang or "en"
    money_unit = args.money_unit
    sha256 = {}
    if args.out is not None:
        for f in args.files:
            try:
                sha256[f] = file_sha256(f)
            except OSError:
                sha256[f] = None  # loading says why the file cannot be read
    scenarios = [load_scenario(f, list(args.set or ()), args.allow_outside_files)
                 for f in args.files]
    mc = args.draws is not None
    if args.levers:
        frame = comparison_in_money_unit(
            lever_table(scenarios[0], args.draws, args.each, seed=args.seed,
                        metrics=args.metrics), money_unit, "columns")
        metrics = list(dict.fromkeys(m for m, _ in frame.columns))
        head = [label("step", lang), *(header(m, lang, money_unit=money_unit) for m in metrics)]
        rows = []
        for j, step in enumerate(frame.index):
            name = label("baseline", lang) if j == 0 else \
                step if args.each else f"+ {step}"
            rows.append([name, *(cell_lines(lambda s, j=j, m=m: frame[(m, s)].iloc[j], m,
                                            lang, mc, j > 0, money_unit) for m in metrics)])
        title = text("compare.each" if args.each else "compare.levers", lang)
        how = text("compare.monte_carlo", lang, draws=f"{args.draws:,}", seed=frame.attrs["seed"]) \
            if mc else text("compare.deterministic", lang)
        notes = [how, text("compare.change_each" if args.each else "compare.change", lang)]
        table_name, record_extra = "levers", {"engine": frame.attrs["engine"],
                                              "seed": frame.attrs["seed"], "each": args.each}
        csv = _flat(frame, lang if args.lang else None, "columns", money_unit)
    else:
        frame = comparison_in_money_unit(
            compare(scenarios, args.metrics, draws=args.draws, seed=args.seed), money_unit,
            "index")
        metrics = list(frame.index)
        names = list(dict.fromkeys(s for s, _ in frame.columns))
        head = [label("metric", lang), *names]
        rows = [[header(m, lang, money_unit=money_unit),
                 *(cell_lines(lambda st, m=m, s=s: frame.loc[m, (s, st)], m,
                              lang, "mean" in frame[s].columns, False, money_unit)
                   for s in names)] for m in metrics]
        runs = frame.attrs["runs"]
        seeds = sorted({str(r["seed"]) for r in runs.values()})
        how = text("compare.monte_carlo", lang, draws=f"{args.draws:,}", seed=", ".join(seeds)) \
            if mc else text("compare.deterministic", lang)
        title, notes = text("compare.compare", lang), [how]
        table_name, record_extra = "compare", {"runs": runs}
        csv = _flat(frame, lang if args.lang else None, "index", money_unit)
    if mc:
        notes.append(text("compare.band", lang))
    if args.markdown:
        out.write(markdown(head, [[r[0], *(" ".join(c) for c in r[1:])] for r in rows])
                  + "\n")
    else:
        _console, _escape, _table = (helpers[k] for k in ("console", "escape", "table"))
        console = _console(out)
        t = _table(title, [(_escape(head[0]), "left"),
                           *((_escape(h), "right") for h in head[1:])])
        for r in rows:
            t.add_row(_escape(r[0]), *(_escape("\n".join(c)) for c in r[1:]))
        for k, column in enumerate(t.columns):  # headers wrap; numbers keep their width
            column.no_wrap = False
            column.min_width = 10 if k == 0 else max(len(part) + 2 for r in rows
                                                     for line in r[k]
                                                     for part in line.split(" – "))
        t.caption = "; ".join(_escape(n) for n in notes)
        t.caption_justify = "left"
        console.print(t)
    if args.out is not None:
        record = {"fundmodel_version": __version__, "command": "compare",
                  "scenario_files": [str(f) for f in args.files],
                  "scenario_sha256": [sha256.get(f) for f in args.files],
                  "set": list(args.set or ()), "levers": args.levers, "draws": args.draws,
                  "lang": args.lang, **record_extra,
                  "files": [f"{table_name}.csv", "run.json"]}
        written = write_table_set({table_name: csv}, {**record, "money_unit": money_unit},
                                  args.out)
        if not args.markdown:
            helpers["written"](console, written, args.out, lang)
    return 0


def _flat(frame, lang: str | None, metric_axis: str, money_unit: str = "CNY"):
    """The table for a CSV file: one header row, ``<name>:<statistic>`` (identifiers) or
    ``<label> <statistic label>`` (``lang``, the units of the sums in ``money_unit``)."""
    from ..run.compare import localize_comparison

    shown = frame if lang is None else localize_comparison(frame, lang, metric_axis,
                                                           money_unit)
    out = shown.copy()
    sep = ":" if lang is None else " "
    out.columns = [f"{a}{sep}{b}" for a, b in shown.columns]
    return out
