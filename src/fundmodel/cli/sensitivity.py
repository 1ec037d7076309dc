"""``fundmodel sensitivity FILE --metric NAME``: which uncertain input drives a result — the
tornado (one input at a time), the rank correlations over Monte Carlo draws, Sobol indices. A
thin layer over :mod:`fundmodel.sensitivity`."""

from __future__ import annotations

import argparse
import functools
import math

__all__ = ["add_sensitivity_parser"]

METHODS = ("tornado", "rank", "sobol", "all")


def add_sensitivity_parser(sub, verbose, helpers) -> None:
    """Register the ``sensitivity`` command (``helpers``: the CLI's argument types and
    printing helpers, given by :mod:`fundmodel.cli` so that this module never imports it)."""
    from ..labels import LANGS

    s = sub.add_parser("sensitivity", help="which uncertain input drives a result: tornado, "
                       "rank correlations, Sobol indices", parents=[verbose])
    s.add_argument("file", metavar="FILE")
    s.add_argument("--metric", required=True, metavar="NAME",
                   help="the per-draw metric, e.g. breakeven_fee_rate or capex_total")
    s.add_argument("--method", choices=METHODS, default="tornado",
                   help="tornado: each input alone at its p10 and p90 (default); rank: "
                   "Spearman correlations over Monte Carlo draws; sobol: Sobol indices "
                   "(needs SALib); all: the three")
    s.add_argument("--draws", type=helpers["positive"], metavar="N",
                   help="Monte Carlo draws of the rank correlations (default: the "
                   "scenario's simulation.draws)")
    s.add_argument("--sobol-n", type=helpers["positive"], default=1024, metavar="N",
                   help="Sobol base sample, a power of 2: N × (inputs + 2) evaluations "
                   "(default 1024)")
    s.add_argument("--seed", type=helpers["non_negative"], metavar="S",
                   help="seed (default: the scenario's simulation.seed)")
    s.add_argument("--lang", choices=LANGS, default=None,
                   help="labels of the printed tables and CSV headers (default: English "
                   "printed, identifiers in the CSV files)")
    s.add_argument("--out", metavar="DIR", type=helpers["path"],
                   help="write tornado.csv, rank_correlations.csv, sobol.csv (those computed) "
                   "and run.json into DIR, as a set")
    helpers["money_unit"](s)
    helpers["scenario_options"](s)
    s.set_defaults(func=functools.partial(_cmd_sensitivity, helpers=helpers))


def _number(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _wan(x: float) -> str:
    """A sum of money in 万元: two decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.2f}"


TORNADO_MONEY = ("metric_low", "metric_high", "base", "swing")
"""The tornado's columns in the metric's unit (the inputs' values and the ranks are not)."""


def tornado_in_money_unit(frame, metric: str, money_unit: str = "CNY"):
    """The tornado of ``metric`` with its values of the metric (low, high, base, swing) in
    ``money_unit`` when the metric is a sum of money (:func:`fundmodel.labels.money_scale`),
    and the unit shown; the frame itself when nothing is scaled."""
    from ..labels import money_scale, output_unit

    k, shown = money_scale(metric, output_unit(metric), money_unit)
    if k == 1.0:
        return frame, shown
    out = frame.copy()
    for c in TORNADO_MONEY:
        if c in out.columns:
            out[c] = frame[c] / k
    return out, shown


def _localized(frame, lang: str | None, metric_unit: str):
    """``frame`` with its headers labelled in ``lang`` (None: unchanged identifiers)."""
    from ..labels import header, label

    if lang is None:
        return frame
    out = frame.copy()
    if "metric" in out.columns:
        out["metric"] = [label(m, lang) for m in out["metric"]]
    units = dict.fromkeys(TORNADO_MONEY, metric_unit)
    out.columns = [header(c, lang, units.get(c, "")) for c in out.columns]
    out.index.name = label(out.index.name, lang) if out.index.name else None
    return out


def _cmd_sensitivity(args: argparse.Namespace, out, err, helpers) -> int:
    _console, _escape, _table = (helpers[k] for k in ("console", "escape", "table"))
    from ..errors import FundmodelError
    from ..labels import header, label
    from ..labels import describe_unit, output_unit
    from ..sensitivity.space import check_metric, require_factors

    check_metric(args.metric)               # an unknown metric fails before any work
    lang = args.lang or "en"
    scenario, sha256 = helpers["load_scenario"](args)
    found = require_factors(scenario)
    methods = ("tornado", "rank", "sobol") if args.method == "all" else (args.method,)
    if "sobol" in methods and scenario.simulation.correlations is not None:
        raise FundmodelError("Sobol indices assume independent inputs, and this scenario "
                             "correlates " + ", ".join(scenario.simulation.correlations.inputs)
                             + " (simulation.correlations): use --method tornado or rank")
    metric = args.metric
    unit = describe_unit(metric)
    console = _console(out)
    title = header(metric, lang, money_unit=args.money_unit)
    colon = "：" if lang == "zh" else ": "
    console.print(f"[bold]{_escape(scenario.title or scenario.name)}[/]{colon}"
                  f"{_escape(title)}; {label('uncertain_inputs', lang)}{colon}{len(found)}",
                  soft_wrap=True)
    from ..labels import input_label

    def name_of(path: str) -> str:
        """An input by its label (``roof waterproofing: Unit cost``), not its path."""
        return _escape(input_label(str(path), lang, scenario))

    width = min(max(len(input_label(f.name, lang, scenario)) for f in found), 32)

    def table(kind: str, columns):
        t = _table(f"{label(kind, lang)}{colon}{title}", [(label("input", lang), "left"),
                                                          *((c, "right") for c in columns)])
        t.columns[0].min_width = width
        return t

    tables = {}
    number = _number
    record: dict = {"metric": metric, "method": args.method}
    if args.money_unit != "CNY":   # the default record as it was
        record["money_unit"] = args.money_unit
    if "tornado" in methods:
        from ..sensitivity import tornado

        frame, shown = tornado_in_money_unit(tornado(scenario, metric), metric,
                                             args.money_unit)
        if shown != output_unit(metric):     # a sum of money in 万元: two decimals
            unit, number = shown, _wan
        tables["tornado"] = frame
        t = table("tornado", [label(c, lang) for c in ("low_value", "high_value",
                                                        "metric_low", "metric_high", "swing")])
        for name, row in frame.iterrows():
            t.add_row(name_of(name), _number(row.low_value), _number(row.high_value),
                      number(row.metric_low), number(row.metric_high), number(row.swing))
        t.caption = f"{label('base', lang)}{colon}{number(float(frame['base'].iloc[0]))}"
        t.caption_justify = "left"
        console.print(t)
    if "rank" in methods:
        from ..run.api import simulate
        from ..sensitivity import rank_correlations

        result = simulate(scenario, args.draws, args.seed, progress=err.isatty()
                          and not args.quiet, keep_draws=True, bands=False)
        frame = rank_correlations(result, [metric]).set_index("input")
        tables["rank_correlations"] = frame
        record.update({"draws": result.n_draws, "seed": result.info["seed"],
                       "sampler": result.info["sampler"]})
        t = table("rank_correlations", [label("rho", lang), label("p_value", lang)])
        for name, row in frame.iterrows():
            t.add_row(name_of(name), _number(row.rho), _number(row.p_value))
        n = int(frame["n"].iloc[0]) if len(frame) else 0
        t.caption = f"{label('n', lang)}{colon}{n:,}"
        t.caption_justify = "left"
        console.print(t)
    if "sobol" in methods:
        from ..sensitivity import sobol

        frame = sobol(scenario, metric, n=args.sobol_n, seed=args.seed)
        tables["sobol"] = frame
        record.update({"sobol_n": frame.attrs["n"], "sobol_samples": frame.attrs["samples"],
                       "sobol_seed": frame.attrs["seed"]})
        t = table("sobol", [label(c, lang) for c in ("S1", "S1_conf", "ST", "ST_conf")])
        for name, row in frame.iterrows():
            t.add_row(name_of(name), *(_number(row[c]) for c in ("S1", "S1_conf", "ST",
                                                                "ST_conf")))
        t.caption = f"{label('samples', lang)}{colon}{frame.attrs['samples']:,}"
        t.caption_justify = "left"
        console.print(t)
    if args.out is not None:
        files = {name: _localized(frame, args.lang, unit) for name, frame in tables.items()}
        helpers["write_run_set"](console, args, scenario, sha256, files,
                                 {**record, "lang": args.lang}, lang)
    return 0
