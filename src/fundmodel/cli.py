"""The ``fundmodel`` command: a thin layer over the public API.

Exit codes: 0 success; 2 bad input (an invalid scenario, a bad ``--set``, a bad option, an
output that cannot be written, not enough memory for the run), with one line per problem on
standard error and no output files written; 1 when the reader of standard output went away
before everything was printed (e.g. ``fundmodel run ... | head``), silently.

Printing works on any console: characters the console's encoding cannot show are written in
ASCII (``m2`` for ``m²``, ``+/-`` for ``±``, ``-`` for dashes and minus signs) or as ``?``.
Only ``argparse``, ``logging`` and the standard library are imported before the arguments are
parsed, so ``fundmodel --version`` answers at once.
"""

from __future__ import annotations

import argparse
import errno
import logging
import math
import os
import sys
import unicodedata
from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import __version__
from .errors import FundmodelError, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table

    from .results import Result

__all__ = ["main"]

EXIT_OK = 0
EXIT_OUTPUT_CLOSED = 1
EXIT_BAD_INPUT = 2

PIPE_WIDTH = 100
"""Width of the printed text and tables when standard output is not a terminal (a file, a
pipe) and ``COLUMNS`` is not set: wide enough for every table at its natural width."""

MEMORY_HINT = ("not enough memory for this run: try --no-draws (no per-draw table), fewer "
               "--draws or a smaller --chunk-size")

# ---------------------------------------------------------------------------- safe text
_ASCII_FALLBACK = {
    "\u00b2": "2", "\u00b3": "3", "\u00b1": "+/-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2010": "-", "\u2011": "-", "\u00b7": "-", "\u00d7": "x", "\u2264": "<=", "\u2265": ">=",
    "\u2260": "!=", "\u2248": "~", "\u2026": "...", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u00a0": " ", "\u2192": "->", "\u2190": "<-", "\u221a": "sqrt", "\u2022": "*",
    "\u00b0": " deg", "\u2030": " per mille", "\u00a5": "CNY ", "\uffe5": "CNY ", "\u3000": " ",
    "\u3001": ",", "\u3002": ".",
}
"""ASCII stand-ins for the characters fundmodel prints, where the console cannot show them."""


def encodable(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` cannot encode replaced: by its ASCII
    stand-in (``m²`` → ``m2``, ``±`` → ``+/-``, ``–``/``−`` → ``-``), else by its compatibility
    decomposition stripped to ASCII (``é`` → ``e``, ``，`` → ``,``), else by ``?``. Text the
    encoding can hold is returned unchanged (GBK keeps Chinese)."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        try:
            ch.encode(encoding)
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        stand_in = _ASCII_FALLBACK.get(ch)
        if stand_in is None:
            stand_in = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            stand_in = "".join(_ASCII_FALLBACK.get(c, c) for c in stand_in) or "?"
        out.append(stand_in)
    return "".join(out)


def _codec(stream: Any) -> str:
    """The encoding of a text stream, checked; ASCII when unknown."""
    import codecs

    name = getattr(stream, "encoding", None) or "ascii"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "ascii"


class SafeStream:
    """A text stream that never fails to encode: writes go to ``stream`` through
    :func:`encodable` for the stream's encoding."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.encoding = _codec(stream)

    def text(self, text: str) -> str:
        """``text`` as this stream will show it."""
        return encodable(text, self.encoding)

    def write(self, text: str) -> int:
        text = self.text(text)
        if "\n" in text:  # no trailing blanks (rich pads titles to the table's width)
            text = "\n".join(line.rstrip(" ") for line in text.split("\n"))
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError, OSError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()


def _console(stream: SafeStream) -> "Console":
    """A rich console on ``stream``: every string rich renders goes through the stream's
    :meth:`SafeStream.text` first, so that tables are laid out with the characters actually
    shown. Not a terminal (a file, a pipe): :data:`PIPE_WIDTH` columns unless ``COLUMNS``
    says otherwise."""
    from rich.console import Console

    class _SafeConsole(Console):
        def render_str(self, text: str, **kwargs):
            return super().render_str(stream.text(text), **kwargs)

        def on_broken_pipe(self) -> None:  # rich would exit here; main() handles it
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    width = None
    if not stream.isatty() and not os.environ.get("COLUMNS", "").strip().isdigit():
        width = PIPE_WIDTH
    return _SafeConsole(file=stream, width=width, highlight=False, soft_wrap=False)


def _escape(text: Any) -> str:
    """User text (names, titles, labels, paths) as rich markup that shows it verbatim."""
    from rich.markup import escape

    return escape(str(text))


# ---------------------------------------------------------------------------- printing
def _money(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}"


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f}%"


def _rate(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.2f}"


def _rate3(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.3f}"


def _se(x: float) -> str:
    """A standard error: three decimals, or two significant digits when smaller than that."""
    if math.isnan(x):
        return "–"
    return f"{x:.3f}" if x == 0 or x >= 0.0005 else f"{x:.1e}"


def _table(title: str, columns: Sequence[tuple[str, str]]) -> "Table":
    """A table whose number columns never wrap nor shrink while the text columns can wrap."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name, justify in columns:
        number = justify == "right"
        table.add_column(name, justify=justify, no_wrap=number, overflow="fold")
    return table


def _stat_table(title: str, s, rows: list[tuple[str, str, Callable[[float], str]]]) -> "Table":
    """A table of metrics with their mean, p5, p95 and Monte Carlo standard error; a metric
    undefined in some draws says in how many (its statistics are over the others)."""
    table = _table(title, [("Metric", "left"), ("mean", "right"), ("p5", "right"),
                           ("p95", "right"), ("± se", "right")])
    notes = []
    for label, metric, fmt in rows:
        r = s.loc[metric]
        undefined = int(r.get("undefined", 0))
        if undefined:
            notes.append(_undefined_note(metric, undefined, int(r["n"]) + undefined))
            label = f"{label} *{len(notes)}"
        table.add_row(label, fmt(r["mean"]), fmt(r["p5"]), fmt(r["p95"]), fmt(r["mcse"]))
    if notes:
        table.caption = "\n".join(f"*{i} {note}" for i, note in enumerate(notes, 1))
        table.caption_justify = "left"
    return table


def _undefined_note(metric: str, undefined: int, draws: int) -> str:
    """Why and in how many draws a metric has no value."""
    from .catalog import lookup

    when = lookup(metric).undefined_when
    why = f" — {when}" if when else ""
    if draws == 1:
        return f"{metric} is undefined in this run{why}"
    return (f"{metric} is undefined in {undefined:,} of {draws:,} draws (the statistics are "
            f"over the others){why}")


def _print_result(console: "Console", result: "Result") -> None:
    sc = result.scenario
    s = result.summary()
    m = s["mean"]
    info = result.info
    mc = info.get("kind") == "monte_carlo"
    console.print(f"[bold]{_escape(sc.title or sc.name)}[/bold]")
    if mc:
        draws = "1 draw" if result.n_draws == 1 else f"{result.n_draws:,} draws"
        how = f"Monte Carlo: {draws}, {info['sampler']} sampler, seed {info['seed']}"
    else:
        how = f"deterministic run (distributions at their {info.get('point_estimate')})"
    console.print(f"scenario {_escape(sc.name)} · {_escape(sc.compound.name)} · "
                  f"{sc.compound.households} households · {how}")
    for warning in info.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {_escape(warning)}")
    console.print()

    funding = result.funding()
    mean_word = "mean " if mc else ""
    table = _table(f"Funding mix ({mean_word}CNY) — renovation cost {_money(m['capex_total'])}",
                   [("Source", "left"), ("Payer", "left"), ("Amount (CNY)", "right"),
                    ("Share", "right"), ("Per household", "right")])
    for label, row in funding.iterrows():
        style = "bold red" if label == "gap" and row["amount"] > 0 else None
        table.add_row(_escape(label), _escape(row["payer"]), _money(row["amount"]),
                      _pct(row["share_of_cost"]), _money(row["per_household"]), style=style)
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
    if result.has_households:
        _print_households(console, result)
    if result.has_financing:
        _print_financing(console, result)

    year1 = int(sc.start_year + sc.construction_years())
    fee = sc.operations.property_fee
    fee_unit = "CNY/household/month" if fee.per_household else "CNY/m²/month"
    if mc:
        console.print(_stat_table(f"Operations, first year ({year1}) and over {sc.horizon_years} "
                                  "years", s, [
            ("fee income, year 1 (CNY)", "fee_income_first_year", _money),
            ("operating cost, year 1 (CNY)", "operating_cost_first_year", _money),
            ("operating surplus, year 1 (CNY)", "operating_surplus_first_year", _money),
            ("NPV of operations (CNY)", "npv_operations", _money),
            ("balance at the horizon (CNY)", "cumulative_balance_final", _money),
            (f"breakeven fee ({fee_unit})", "breakeven_fee_rate", _rate3),
            ("breakeven fee, year 1 alone", "breakeven_fee_rate_first_year", _rate3),
        ]))
        probs = result.probabilities()
        for _, row in probs.iterrows():
            console.print(f"{_escape(row['question'])} = {row['probability']:.3f} "
                          f"(± {_se(row['mcse'])})")
        _print_upkeep(console, result)
        return
    y = result.yearly().iloc[0]
    ops = _table(f"First operating year ({year1}), CNY", [("Line", "left"),
                                                          ("CNY/year", "right")])
    for line in ("property_fee_income", "other_income", "operating_cost", "vat"):
        sign = -1 if line in ("operating_cost", "vat") else 1
        ops.add_row(line.replace("_", " "), _money(sign * y[line]))
    ops.add_section()
    surplus = y["operating_surplus"]
    ops.add_row("operating surplus" if surplus >= 0 else "operating DEFICIT", _money(surplus),
                style="bold red" if surplus < 0 else "bold")
    console.print(ops)
    console.print(
        f"Breakeven fee: [bold]{_rate(m['breakeven_fee_rate'])} {fee_unit}[/bold] over "
        f"{sc.horizon_years} years (NPV 0 at {100 * m['discount_rate_nominal']:.2f}% nominal); "
        f"{_rate(m['breakeven_fee_rate_first_year'])} to cover year 1 alone. The fee now: "
        f"{_fee_text(fee.per_household_month if fee.per_household else fee.rate_per_m2_month)}"
        ".")
    console.print(f"Operations NPV over {sc.horizon_years} years: {_money(m['npv_operations'])} CNY;"
                  f" balance at the horizon: {_money(m['cumulative_balance_final'])} CNY.")
    for metric in ("breakeven_fee_rate", "breakeven_fee_rate_first_year"):
        if int(s.loc[metric, "undefined"]):
            console.print(f"Note: {_undefined_note(metric, 1, 1)}.")
    _print_upkeep(console, result)


_FALLBACK_ROWS = [("paid over the horizon (CNY)", "fallback_total", _money),
                  ("years it pays", "fallback_years", lambda x: f"{x:,.1f}"),
                  ("largest year (CNY)", "fallback_max_year", _money),
                  ("cap that keeps the balance ≥ 0 (CNY/year)", "fallback_needed_max", _money)]
_FUND_ROWS = [("first deposit (CNY)", "fund_first_deposit", _money),
              ("balance at the horizon (CNY)", "fund_balance_final", _money),
              ("lowest year-end balance (CNY)", "fund_balance_min", _money),
              ("residents' top-ups (CNY)", "fund_top_up_total", _money),
              ("percent funded at the horizon", "percent_funded_final", _pct),
              ("level contribution, baseline (CNY/m²/year)",
               "level_contribution_baseline_per_m2", _rate),
              ("level contribution, threshold (CNY/m²/year)",
               "level_contribution_threshold_per_m2", _rate),
              ("level contribution, full (CNY/m²/year)", "level_contribution_full_per_m2",
               _rate),
              ("life-cycle cost of replacements, PV (CNY)", "fund_expenditure_pv", _money)]


def _print_upkeep(console: "Console", result: "Result") -> None:
    """The street's fallback payments and the repairs fund, when the scenario has them."""
    s = result.summary()
    sc = result.scenario
    mc = result.info.get("kind") == "monte_carlo"

    def show(title: str, rows) -> None:
        if mc:
            console.print(_stat_table(title, s, rows))
            return
        table = _table(title, [("Metric", "left"), ("value", "right")])
        for label, metric, fmt in rows:
            table.add_row(label, fmt(s.loc[metric, "mean"]))
        console.print(table)

    if sc.operations.fallback is not None:
        who = sc.operations.fallback.payer.replace("_", " ")
        show(f"Fallback payer ({who}), up to its cap", _FALLBACK_ROWS)
    if sc.repairs_fund is not None:
        show(f"Repairs fund (维修资金), {sc.horizon_years} years", _FUND_ROWS)


def _number(value: float) -> str:
    """A metric's value: money-like magnitudes as money, small ones with 3 decimals."""
    if value != value:
        return "—"
    return _money(value) if abs(value) >= 100 else f"{value:,.3f}"


_FISCAL_HEADERS = {"subsidies": "subsidies", "debt_service": "debt service",
                   "guarantee_calls": "guarantees", "revenue_received": "revenue in",
                   "net_commitment": "net", "budget_share": "of budget"}


def _print_financing(console: "Console", result: "Result") -> None:
    """The financing instruments' metrics (investors, bundled projects, debt) and the
    government's commitments by year."""
    s = result.summary()
    names = [n for n in s.index if "]." in n]
    if names:
        if result.n_draws > 1:
            console.print(_stat_table("Financing instruments", s,
                                      [(_escape(n), n, _number) for n in names]))
        else:
            table = _table("Financing instruments", [("Metric", "left"), ("Value", "right")])
            for n in names:
                table.add_row(_escape(n), _number(s.loc[n, "mean"]))
            console.print(table)
    fiscal = result.fiscal()
    level = result.scenario.fiscal.level if result.scenario.fiscal else "all levels"
    columns = [c for c in ("subsidies", "debt_service", "guarantee_calls", "revenue_received")
               if (fiscal[c] != 0).any()]
    columns += [c for c in ("net_commitment", "budget_share") if c in fiscal.columns]
    table = _table(f"Government commitments ({_escape(level)}), {'mean ' if result.n_draws > 1 else ''}"
                   f"CNY — present value {_money(fiscal.attrs['pv_commitments'])}",
                   [("Year", "right")] + [(_FISCAL_HEADERS[c], "right") for c in columns])
    for year, row in fiscal.iterrows():
        over = bool(row.get("exceeds_ceiling", False))
        table.add_row(str(year), *(_pct(row[c]) if c == "budget_share" else _money(row[c])
                                   for c in columns), style="bold red" if over else None)
    console.print(table)
    console.print()


MAX_BALLOT_ROWS = 12
"""Most ballots the votes table shows (the rest are in ``decisions.csv``)."""
MAX_BUILDING_COLUMNS = 6
"""Most columns of buildings the cost-by-floor table shows (buildings whose households pay the
same, floor by floor, share a column; the rest are in ``households.csv``)."""
_MORE = "decisions.csv, households.csv with --out; Result.decisions(), Result.households()"


def _print_households(console: "Console", result: "Result") -> None:
    """The residents' votes (per decision and building: passed, or P(pass) over the draws,
    and the willingness-to-pay threshold) and what a household pays by floor, from
    :meth:`Result.decisions`, :meth:`Result.households` and :meth:`Result.channels`."""
    mc = result.info.get("kind") == "monte_carlo"
    decisions = result.decisions()
    if len(decisions):
        table, notes = _votes_table(decisions, mc, result.n_draws)
        console.print(table)
        for note in notes:
            console.print(note)
    table, notes = _floors_table(result, mc)
    console.print(table)
    for note in notes:
        console.print(note)
    ch = result.channels()
    if result.scenario.households.channels is not None and ch.loc["total", "amount_cny"] > 0:
        parts = ", ".join(f"{name.replace('_', ' ')} {_money(ch.loc[name, 'amount_cny'])}"
                          for name in ch.index[:-1] if ch.loc[name, "amount_cny"] > 0)
        console.print(f"Residents pay {_money(ch.loc['total', 'amount_cny'])} CNY"
                      f"{' (mean)' if mc else ''}: {parts}.")
    console.print()


def _votes_table(decisions, mc: bool, draws: int) -> tuple["Table", list[str]]:
    """One row per ballot: passed (deterministic) or P(pass) ± se (Monte Carlo), and the
    least willingness to pay common to the electorate at which it passes; and the notes to
    print below it."""
    columns = [("Decision", "left"), ("Building", "left"), ("Households", "right")]
    if mc:
        title = f"Votes over {draws:,} draws"
        columns += [("P(pass)", "right"), ("± se", "right")]
    else:
        title = "Votes"
        columns += [("Passed", "right")]
    table = _table(title, columns + [("WTP threshold (CNY)", "right")])
    notes = []
    for (decision, building), row in decisions.head(MAX_BALLOT_ROWS).iterrows():
        threshold = _money(row["wtp_threshold_cny"])
        defined = row["wtp_threshold_defined"]
        if 0 < defined < 1:
            notes.append(f"mean over the {_pct(defined)} of draws where a common willingness "
                         "to pay passes it")
            threshold = f"{threshold} *{len(notes)}"
        cells = [_escape(decision), _escape(building or "whole compound"),
                 f"{int(row['households']):,}"]
        style = None
        if mc:
            cells += [f"{row['p_pass']:.3f}", _se(row["mcse"])]
        else:
            cells.append("yes" if row["passed"] else "NO")
            style = None if row["passed"] else "bold red"
        table.add_row(*cells, threshold, style=style)
    lines = [f"*{i} {note}" for i, note in enumerate(notes, 1)]
    if len(decisions) > MAX_BALLOT_ROWS:
        lines.append(f"... and {len(decisions) - MAX_BALLOT_ROWS:,} more ballots: {_MORE}.")
    lines.append(("P(pass): share of the draws passing, each household drawing its own "
                  "willingness to pay; " if mc else "")
                 + "WTP threshold: the least willingness to pay, common to the ballot's "
                 "households, at which it passes" + (" (mean over the draws)" if mc else "")
                 + ("; – where none does (too few take part)"
                    if decisions["wtp_threshold_defined"].eq(0).any() else "") + ".")
    return table, lines


def _floors_table(result: "Result", mc: bool) -> tuple["Table", list[str]]:
    """What a household pays by floor, top floor first: one column per set of buildings whose
    households pay the same floor by floor (as shown); with one set, the households per floor
    and, for a deterministic run with bank loans, the monthly payment of a borrowing
    household too. And the notes to print below it."""
    hh = result.households()
    values: dict[str, dict[int, str]] = {}
    for (building, floor), row in hh.iterrows():
        values.setdefault(building, {})[int(floor)] = _money(row["cost_if_built_cny"])
    columns: dict[tuple, list[str]] = {}
    for building, by_floor in values.items():
        columns.setdefault(tuple(sorted(by_floor.items())), []).append(building)
    sets = list(columns.values())
    floors = sorted({f for by_floor in values.values() for f in by_floor}, reverse=True)
    title = "Cost per household by floor (CNY)"
    notes = []
    if mc:
        notes.append("means over the draws in which the household's items are built")
    elif any("–" in v for by_floor in values.values() for v in by_floor.values()):
        notes.append("– where the household's items are voted down")
    if len(sets) == 1:
        names = sets[0]
        ch = result.scenario.households.channels
        loan = (not mc and ch is not None and ch.loan_term_years is not None
                and result.channels().loc["loan", "amount_cny"] > 0)
        table = _table(title, [("Floor", "right"), ("Households", "right"),
                               ("Pays (CNY)", "right")]
                       + ([("Loan (CNY/month)", "right")] if loan else []))
        first = names[0]
        for f in floors:
            row = hh.loc[(first, f)]
            cells = [str(f), f"{int(row['households']):,}", values[first][f]]
            if loan:
                cells.append(_money(row["loan_payment_per_month_cny"]))
            table.add_row(*cells)
        if len(names) > 1:
            which = (", ".join(names) if len(names) <= 4 else
                     f"all {len(names):,} buildings")
            notes.insert(0, f"the same in {which}")
        if loan:
            notes.append(f"loan: the monthly payment of a household that borrows its whole "
                         f"share over {ch.loan_term_years} years")
        return table, _sentence(notes)
    shown = sets[:MAX_BUILDING_COLUMNS]
    header = [names[0] if len(names) == 1 else ", ".join(names) if len(names) == 2 else
              f"{names[0]} (+{len(names) - 1} alike)" for names in shown]
    table = _table(title, [("Floor", "right")] + [(_escape(h), "right") for h in header])
    for f in floors:
        table.add_row(str(f), *[values[names[0]].get(f, "") for names in shown])
    if len(sets) > MAX_BUILDING_COLUMNS:
        more = sum(len(names) for names in sets[MAX_BUILDING_COLUMNS:])
        notes.append(f"{more:,} more buildings: {_MORE}")
    return table, _sentence(notes)


def _sentence(notes: list[str]) -> list[str]:
    """Notes joined into one line of rich markup (user text escaped), or none."""
    if not notes:
        return []
    text = "; ".join(_escape(n) for n in notes)
    return [text[0].upper() + text[1:] + "."]


def _fee_text(rate) -> str:
    return f"{rate:.2f}" if isinstance(rate, (int, float)) else "uncertain (a distribution)"


def _print_error(err: SafeStream, message: Any) -> None:
    """Write ``message`` to standard error; never raises (stderr may be gone too)."""
    try:
        err.write(f"{message}\n")
        err.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point file descriptor 1 at the null device, so that the interpreter's last flush of
    standard output (after a broken pipe or a full disk) fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. captured by tests)
        pass


# ---------------------------------------------------------------------------- commands
def _cmd_validate(args, out: SafeStream, err: SafeStream) -> int:
    from .scenario import load_scenario
    from .scenario.checks import scenario_warnings

    status = EXIT_OK
    for path in args.files:
        try:
            scenario = load_scenario(path, args.set or (), args.allow_outside_files)
            out.write(f"ok {path}\n")
            for warning in scenario_warnings(scenario):
                err.write(f"{path}: warning: {warning}\n")
        except ScenarioError as exc:
            _print_error(err, exc)
            status = EXIT_BAD_INPUT
    return status


def _cmd_run(args, out: SafeStream, err: SafeStream) -> int:
    if args.draws is None and (any(o is not None for o in (args.seed, args.sampler,
                                                               args.chunk_size))
                               or args.no_draws or args.workers != 1):
        raise FundmodelError("--seed, --sampler, --chunk-size, --workers and --no-draws go with "
                             "--draws [N]")
    from .api import evaluate, simulate
    from .export import file_sha256, write_csv
    from .scenario import load_scenario

    sha256 = None
    if args.out is not None:  # of the bytes read just before loading
        try:
            sha256 = file_sha256(args.file)
        except OSError:
            pass  # loading says why the file cannot be read
    overrides = list(args.set or ())
    if args.point_estimate is not None:  # checked as the scenario setting is: errors located
        overrides.append(f"simulation.point_estimate={args.point_estimate}")
    scenario = load_scenario(args.file, overrides, args.allow_outside_files)
    if args.draws is not None:
        progress = err.isatty() and not args.quiet
        result = simulate(scenario, args.draws or None, args.seed, args.sampler, args.chunk_size,
                          progress, keep_draws=not args.no_draws, workers=args.workers)
    else:
        result = evaluate(scenario)
    written = []
    if args.out is not None:
        written = write_csv(result, args.out, scenario_file=args.file, scenario_sha256=sha256,
                            overrides=args.set or ())
    console = _console(out)
    _print_result(console, result)
    if written:
        console.print(f"Wrote {', '.join(p.name for p in written)} to {_escape(args.out)}",
                      soft_wrap=True)
    return EXIT_OK


def _cmd_solve(args, out: SafeStream, err: SafeStream) -> int:
    from .goalseek import parse_target, solve
    from .scenario import load_scenario

    target = parse_target(args.target)           # a malformed target fails before loading
    scenario = load_scenario(args.file, list(args.set or ()), args.allow_outside_files)
    bounds = None if args.bounds is None else tuple(args.bounds)
    per_draw = target.kind == "per_draw"
    solution = solve(scenario, args.lever, target, draws=args.draws, seed=args.seed,
                     sampler=args.sampler, point=args.draws is None and per_draw,
                     method=args.method, check=args.check, bounds=bounds,
                     integer=args.integer)
    out.write(f"{solution}\n")
    return EXIT_OK


def _cmd_schema(args, out: SafeStream, err: SafeStream) -> int:
    from .scenario.schema import scenario_json_schema_text

    text = scenario_json_schema_text()
    if args.out is not None:
        from .export import write_text_atomic

        write_text_atomic(args.out, text)
    else:
        out.write(text)
    return EXIT_OK


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


class _Parser(argparse.ArgumentParser):
    """An argument parser whose messages (usage, errors, help, version) go through
    :class:`SafeStream`, so that a user's Chinese file name cannot crash an ASCII console."""

    streams: tuple[SafeStream, SafeStream] | None = None  # set per instance by _parser()

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
    v.set_defaults(func=_cmd_validate)

    r = sub.add_parser("run", help="run a scenario and print the funding mix, the gap, the "
                       "residents' votes and cost by floor, the first-year operating result and "
                       "the breakeven fee", parents=[verbose])
    r.add_argument("file", metavar="FILE")
    r.add_argument("--out", metavar="DIR", type=_path,
                   help="write summary.csv, metrics.csv, yearly.csv, funding.csv (with "
                   "households: decisions.csv, households.csv, channels.csv; UTF-8 with a "
                   "byte-order mark, for Excel) and run.json (the record of the run) into DIR; "
                   "the files of an earlier run there are replaced or removed, nothing else")
    r.add_argument("--set", action="append", metavar="PATH=VALUE", help=set_help)
    r.add_argument("--allow-outside-files", action="store_true", help=outside_help)
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
    g.set_defaults(func=_cmd_solve)

    from .cli_district import add_district_parser
    add_district_parser(sub, verbose, {"positive": _positive, "non_negative": _non_negative,
                                       "path": _path, "set_help": set_help,
                                       "outside_help": outside_help, "console": _console,
                                       "escape": _escape, "money": _money, "table": _table})

    from .cli_compare import add_compare_parser
    add_compare_parser(sub, verbose, {"positive": _positive, "non_negative": _non_negative,
                                      "path": _path, "set_help": set_help,
                                      "outside_help": outside_help, "console": _console,
                                      "escape": _escape, "table": _table})

    s = sub.add_parser("schema", help="print the scenario format as JSON Schema",
                       parents=[verbose])
    s.add_argument("--out", metavar="FILE", type=_path, help="write it to FILE instead")
    s.set_defaults(func=_cmd_schema)
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
    try:
        status = args.func(args, out, err)
        out.flush()
        return status
    except FundmodelError as exc:
        _print_error(err, exc)
        return EXIT_BAD_INPUT
    except MemoryError as exc:
        why = f" ({exc})" if str(exc) else ""
        _print_error(err, f"fundmodel: {MEMORY_HINT}{why}")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head`)
        _silence_stdout()
        return EXIT_OUTPUT_CLOSED
    except OSError as exc:  # printing failed (disk full...): no traceback
        _silence_stdout()
        where = f"cannot write {exc.filename}" if exc.filename else "cannot write the output"
        _print_error(err, f"fundmodel: {where}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
