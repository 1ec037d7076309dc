"""The ``fundmodel`` command: a thin layer over the public API.

Exit codes: 0 success; 2 bad input (an invalid scenario, a bad ``--set``, a bad option, an
output that cannot be written, not enough memory for the run), with one line per problem on
standard error and no output files written; 1 when the reader of standard output went away
before everything was printed (e.g. ``fundmodel run ... | head``), silently; 130 on Ctrl-C and
143 on SIGTERM, with one line and the output folders as they were (``cli_signals``).

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
from .errors import FundmodelError, ModelError, ScenarioError, shorten

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table

    from .results import Result

__all__ = ["main", "add_lang_argument"]

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

        @property
        def encoding(self) -> str:
            # rich draws ASCII borders (+---+) for any encoding not named utf-*; a stream
            # that can show the box characters (GBK, GB18030: a Chinese console or a file
            # piped there) keeps them. What it cannot show, SafeStream replaces.
            return "utf-8" if _boxes_shown(stream.encoding) else stream.encoding

    width = None
    if not stream.isatty() and not os.environ.get("COLUMNS", "").strip().isdigit():
        width = PIPE_WIDTH
    return _SafeConsole(file=stream, width=width, highlight=False, soft_wrap=False)


def _boxes_shown(encoding: str) -> bool:
    """Whether ``encoding`` holds every character of the tables' borders (rich's
    ``HEAVY_HEAD`` box, the default of :func:`_table`)."""
    from rich import box

    try:
        str(box.HEAVY_HEAD).encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _escape(text: Any) -> str:
    """User text (names, titles, labels, paths) as rich markup that shows it verbatim."""
    from rich.markup import escape

    return escape(str(text))


# ---------------------------------------------------------------------------- printing
def _unsigned_zero(text: str) -> str:
    """``text`` without the minus sign of a value that shows as zero (``-0``, ``-0.0%``,
    ``-0.000`` → ``0``, ``0.0%``, ``0.000``): a negative number rounded to nothing."""
    if text[:1] in ("-", "\u2212") and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def _money(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return _unsigned_zero(f"{x:,.0f}")


def _pct(x: float) -> str:
    return "–" if math.isnan(x) else _unsigned_zero(f"{100 * x:.1f}%")


def _rate(x: float) -> str:
    return "–" if math.isnan(x) else _unsigned_zero(f"{x:.2f}")


def _rate3(x: float) -> str:
    return "–" if math.isnan(x) else _unsigned_zero(f"{x:.3f}")


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


class _Words:
    """The words of the printed output in one language: sentences from
    :data:`fundmodel.labels.TEXT`, names and headers from the catalogue (English output keeps
    its own short wording, given at the call)."""

    def __init__(self, lang: str = "en"):
        from . import labels

        self.lang = labels.check_lang(lang)
        self.zh = lang == "zh"
        self._labels = labels

    def __call__(self, key: str, **fields: Any) -> str:
        """A sentence of :data:`fundmodel.labels.TEXT`, filled in."""
        return self._labels.text(key, self.lang, **fields)

    def name(self, english: str, ident: str) -> str:
        """``english`` in English, else the catalogue's label of ``ident``."""
        return english if not self.zh else self._labels.label(ident, self.lang)

    def label(self, ident: str) -> str:
        """The catalogue's label of ``ident`` in the output's language, in English too
        (``central_subsidy`` → ``Central subsidy``); a user's own name as written."""
        return self._labels.label(ident, self.lang)

    def col(self, english: str, ident: str, unit: str | None = None) -> str:
        """``english`` in English, else the catalogue's header of ``ident`` (with ``unit``,
        default the catalogue's)."""
        return english if not self.zh else self._labels.header(ident, self.lang, unit)

    def unit(self, name: str) -> str:
        return self._labels.unit(name, self.lang)

    def relabel(self, message: str) -> str:
        """A library message with its identifiers labelled (English: unchanged)."""
        return self._labels.relabel(message, self.lang)


def _stat_table(title: str, s, rows: list[tuple[str, str, Callable[[float], str]]],
                w: _Words | None = None, units: dict[str, str] | None = None) -> "Table":
    """A table of metrics with their mean, p5, p95 and Monte Carlo standard error; a metric
    undefined in some draws says in how many (its statistics are over the others). In
    Chinese a row is the metric's header (``units``: metric → unit where it differs from the
    catalogue's)."""
    w = w or _Words()
    units = units or {}
    table = _table(title, [(w("col.metric"), "left"), (w("col.mean"), "right"),
                           (w("col.p5"), "right"), (w("col.p95"), "right"),
                           (w("col.se"), "right")])
    notes = []
    for label, metric, fmt in rows:
        if w.zh:
            label = _escape(w.col(label, metric, units.get(metric)))
        r = s.loc[metric]
        undefined = int(r.get("undefined", 0))
        if undefined:
            notes.append(_undefined_note(metric, undefined, int(r["n"]) + undefined, w))
            label = f"{label} *{len(notes)}"
        table.add_row(label, fmt(r["mean"]), fmt(r["p5"]), fmt(r["p95"]), fmt(r["mcse"]))
    if notes:
        table.caption = "\n".join(f"*{i} {note}" for i, note in enumerate(notes, 1))
        table.caption_justify = "left"
    return table


def _undefined_note(metric: str, undefined: int, draws: int, w: _Words | None = None) -> str:
    """Why and in how many draws a metric has no value."""
    from .labels import undefined_when

    w = w or _Words()
    when = undefined_when(metric, w.lang)
    name = w.label(metric)
    why = w("undefined.why", when=when) if when else ""
    if draws == 1:
        return w("undefined.one", metric=name, why=why)
    return w("undefined.many", metric=name, undefined=undefined, draws=draws, why=why)


def _print_result(console: "Console", result: "Result", lang: str = "en") -> None:
    w = _Words(lang)
    sc = result.scenario
    s = result.summary()
    m = s["mean"]
    info = result.info
    mc = info.get("kind") == "monte_carlo"
    console.print(f"[bold]{_escape(sc.title or sc.name)}[/bold]")
    if mc:
        draws = w("draws.one") if result.n_draws == 1 else w("draws.many", n=result.n_draws)
        how = w("run.how_mc", draws=draws, sampler=w(f"sampler.{info['sampler']}"),
                seed=info["seed"])
    else:
        point = info.get("point_estimate")
        how = w("run.how_det", point=w(f"point.{point}") if w.zh else point)
    console.print(w("run.scenario", name=_escape(sc.name), compound=_escape(sc.compound.name),
                    households=sc.compound.households, how=how))
    for warning in info.get("warnings", []):
        console.print(w("run.warning", warning=_escape(w.relabel(warning))))
    console.print()

    funding = result.funding()
    table = _table(w("funding.title_mean" if mc else "funding.title",
                     cost=_money(m["capex_total"])),
                   [(w("funding.source"), "left"), (w.col("Payer", "payer"), "left"),
                    (w.col("Amount (CNY)", "amount", "CNY"), "right"),
                    (w.name("Share", "share"), "right"),
                    (w.col("Per household", "per_household", "CNY/household"), "right")])
    for label, row in funding.iterrows():
        style = "bold red" if label == "gap" and row["amount"] > 0 else None
        table.add_row(_escape(w.label(label)), _escape(w.label(row["payer"])),
                      _money(row["amount"]), _pct(row["share_of_cost"]),
                      _money(row["per_household"]), style=style)
    table.add_section()
    table.add_row(w.label("total"), "", _money(funding["amount"].sum()),
                  _pct(funding["share_of_cost"].sum()), _money(funding["per_household"].sum()))
    console.print(table)
    soe = any(rule.payer == "soe" for rule in sc.funding)   # state firms: not government
    if mc:
        console.print(_stat_table(w("renovation.title"), s, [
            ("renovation cost", "capex_total", _money),
            ("funding gap", "funding_gap", _money),
            ("government per household", "government_cost_per_household", _money),
            *([("state firms (SOE transfer) per household", "soe_cost_per_household",
                _money)] if soe else []),
            ("residents per household", "resident_cost_per_household", _money),
        ], w))
    else:
        console.print(w("renovation.sentence_soe" if soe else "renovation.sentence",
                        gap=_money(m["funding_gap"]), share=_pct(m["funding_gap_share"]),
                        gap_per_household=_money(m["funding_gap_per_household"]),
                        government=_money(m["government_cost_per_household"]),
                        soe=_money(m.get("soe_cost_per_household", 0.0)),
                        residents=_money(m["resident_cost_per_household"])))
    console.print()
    if result.has_households:
        _print_households(console, result, w)
    if result.has_financing:
        _print_financing(console, result, w)

    year1 = int(sc.start_year + sc.construction_years())
    fee = sc.operations.property_fee
    fee_unit = "CNY/household/month" if fee.per_household else "CNY/m²/month"
    financed = "net_cash_flow" in result.yearly().columns   # financing lines touch the account
    if mc:
        console.print(_stat_table(w("operations.title", year=year1, years=sc.horizon_years), s, [
            ("fee income, year 1 (CNY)", "fee_income_first_year", _money),
            ("operating cost, year 1 (CNY)", "operating_cost_first_year", _money),
            ("operating surplus, year 1 (CNY)", "operating_surplus_first_year", _money),
            *([("year 1 after financing (CNY)", "net_cash_flow_first_year", _money)]
              if financed else []),
            ("NPV of operations (CNY)", "npv_operations", _money),
            ("balance at the horizon (CNY)", "cumulative_balance_final", _money),
            (f"breakeven fee ({fee_unit})", "breakeven_fee_rate", _rate3),
            ("breakeven fee, year 1 alone", "breakeven_fee_rate_first_year", _rate3),
        ], w, {"breakeven_fee_rate": fee_unit, "breakeven_fee_rate_first_year": fee_unit}))
        if financed:
            console.print(w("operations.breakeven_basis"))
        probs = result.probabilities()
        if w.zh:
            from .labels import QUESTIONS_ZH
            probs = probs.assign(question=[QUESTIONS_ZH.get(k, q) for k, q in
                                           zip(probs.index, probs["question"])])
        for _, row in probs.iterrows():
            console.print(f"{_escape(row['question'])} = {row['probability']:.3f} "
                          f"(± {_se(row['mcse'])})")
        _print_upkeep(console, result, w)
        return
    y = result.yearly().iloc[0]
    ops = _table(w("operations.first_title", year=year1),
                 [(w.col("Line", "line"), "left"), (w.unit("CNY/year"), "right")])
    for line in ("property_fee_income", "other_income", "operating_cost", "vat"):
        sign = -1 if line in ("operating_cost", "vat") else 1
        ops.add_row(w.label(line) if line == "vat" else w.name(line.replace("_", " "), line),
                    _money(sign * y[line]))
    ops.add_section()
    surplus = y["operating_surplus"]
    ops.add_row(w("operations.surplus" if surplus >= 0 else "operations.deficit"),
                _money(surplus), style="bold red" if surplus < 0 else "bold")
    if financed:      # the year after debt service, remitted revenue, investors' takes
        ops.add_row(w.name("financing, net", "financing_net"), _money(y["financing_net"]))
        ops.add_section()
        after = m["net_cash_flow_first_year"]
        ops.add_row(w("operations.after_financing" if after >= 0
                      else "operations.after_financing_deficit"),
                    _money(after), style="bold red" if after < 0 else "bold")
    console.print(ops)
    console.print(w(
        "operations.breakeven", fee=_rate(m["breakeven_fee_rate"]), unit=w.unit(fee_unit),
        years=sc.horizon_years, rate=f"{100 * m['discount_rate_nominal']:.2f}",
        fee1=_rate(m["breakeven_fee_rate_first_year"]),
        now=_fee_text(fee.per_household_month if fee.per_household else fee.rate_per_m2_month,
                      w)))
    if financed:
        console.print(w("operations.breakeven_basis"))
    console.print(w("operations.npv", years=sc.horizon_years, npv=_money(m["npv_operations"]),
                    balance=_money(m["cumulative_balance_final"])))
    for metric in ("breakeven_fee_rate", "breakeven_fee_rate_first_year"):
        if int(s.loc[metric, "undefined"]):
            console.print(w("note", note=_undefined_note(metric, 1, 1, w)))
    _print_upkeep(console, result, w)


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


def _print_upkeep(console: "Console", result: "Result", w: _Words | None = None) -> None:
    """The street's fallback payments and the repairs fund, when the scenario has them."""
    w = w or _Words()
    s = result.summary()
    sc = result.scenario
    mc = result.info.get("kind") == "monte_carlo"

    def show(title: str, rows) -> None:
        if mc:
            console.print(_stat_table(title, s, rows, w))
            return
        table = _table(title, [(w("col.metric"), "left"), (w("col.value"), "right")])
        for label, metric, fmt in rows:
            table.add_row(_escape(w.col(label, metric)) if w.zh else label,
                          fmt(s.loc[metric, "mean"]))
        console.print(table)

    if sc.operations.fallback is not None:
        payer = sc.operations.fallback.payer
        show(w("fallback.title", who=w.name(payer.replace("_", " "), payer)), _FALLBACK_ROWS)
    if sc.repairs_fund is not None:
        show(w("fund.title", years=sc.horizon_years,
               convention=w.label(sc.repairs_fund.convention)), _FUND_ROWS)


def _number(value: float) -> str:
    """A metric's value: money-like magnitudes as money, small ones with 3 decimals."""
    if value != value:
        return "—"
    return _money(value) if abs(value) >= 100 else _unsigned_zero(f"{value:,.3f}")


def _value(metric: str, value: float, w: _Words | None = None) -> str:
    """One draw's value of ``metric`` as its unit says: a yes/no flag (unit ``0/1`` or
    ``bool``) as yes/no, a year as a whole number, an IRR status as its words, else
    :func:`_number`."""
    from .catalog import lookup

    w = w or _Words()
    try:
        unit = lookup(metric).unit
    except KeyError:
        unit = ""
    if value != value:
        return _number(value)
    if unit in ("0/1", "bool"):
        return w("report.yes") if value else w("report.no")
    if unit == "year":
        return f"{int(round(value))}"
    if unit == "CNY" or (unit == "years" and float(value).is_integer()):
        return _money(value)
    if unit == "code" and metric.endswith("irr_reason") and not w.zh:
        from .finance import IRR_REASONS

        return IRR_REASONS.get(int(value), _number(value))
    return _number(value)


_FISCAL_HEADERS = {"subsidies": "subsidies", "bridge": "bridge", "debt_service": "debt service",
                   "guarantee_calls": "guarantees", "revenue_received": "revenue in",
                   "net_commitment": "net", "budget_share": "of budget",
                   "soe": "SOE (not gov.)"}


def _print_financing(console: "Console", result: "Result", w: _Words | None = None) -> None:
    """The financing instruments' metrics (investors, bundled projects, debt) and the
    government's commitments by year."""
    w = w or _Words()
    s = result.summary()
    names = [n for n in s.index if "]." in n or n == "coverage_all_debts"]
    if names:
        if result.n_draws > 1:
            console.print(_stat_table(w("financing.title"), s,
                                      [(_escape(w.label(n)), n, _number) for n in names], w))
        else:
            table = _table(w("financing.title"), [(w("col.metric"), "left"),
                                                  (w("col.Value"), "right")])
            for n in names:
                table.add_row(_escape(w.label(n)), _value(n, s.loc[n, "mean"], w))
            console.print(table)
    fiscal = result.fiscal()
    level = result.scenario.fiscal.level if result.scenario.fiscal else None
    level = w("fiscal.all_levels") if level is None else w.label(level)
    columns = [c for c in ("subsidies", "bridge", "debt_service", "guarantee_calls",
                           "revenue_received") if (fiscal[c] != 0).any()]
    columns += [c for c in ("net_commitment", "budget_share") if c in fiscal.columns]
    columns += ["soe"] if (fiscal["soe"] != 0).any() else []    # state firms: not counted
    table = _table(w("fiscal.title_mean" if result.n_draws > 1 else "fiscal.title",
                     level=_escape(level), pv=_money(fiscal.attrs["pv_commitments"])),
                   [(w("col.Year"), "right")]
                   + [(w.name(_FISCAL_HEADERS[c], c), "right") for c in columns])
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


def _print_households(console: "Console", result: "Result", w: _Words | None = None) -> None:
    """The residents' votes (per decision and building: passed, or P(pass) over the draws,
    and the willingness-to-pay threshold) and what a household pays by floor, from
    :meth:`Result.decisions`, :meth:`Result.households` and :meth:`Result.channels`."""
    w = w or _Words()
    mc = result.info.get("kind") == "monte_carlo"
    decisions = result.decisions()
    if len(decisions):
        table, notes = _votes_table(decisions, mc, result.n_draws, w)
        console.print(table)
        for note in notes:
            console.print(note)
    table, notes = _floors_table(result, mc, w)
    console.print(table)
    for note in notes:
        console.print(note)
    ch = result.channels()
    if result.scenario.households.channels is not None and ch.loc["total", "amount_cny"] > 0:
        parts = w("list.sep").join(
            f"{w.name(name.replace('_', ' '), name)} {_money(ch.loc[name, 'amount_cny'])}"
            for name in ch.index[:-1] if ch.loc[name, "amount_cny"] > 0)
        console.print(w("channels.sentence", total=_money(ch.loc["total", "amount_cny"]),
                        mean=w("channels.mean") if mc else "", parts=parts))
    console.print()


def _votes_table(decisions, mc: bool, draws: int,
                 w: _Words | None = None) -> tuple["Table", list[str]]:
    """One row per ballot: passed (deterministic) or P(pass) ± se (Monte Carlo), and the
    least willingness to pay common to the electorate at which it passes; and the notes to
    print below it."""
    w = w or _Words()
    columns = [(w.col("Decision", "decision"), "left"), (w.col("Building", "building"), "left"),
               (w.col("Households", "households", ""), "right")]
    if mc:
        title = w("votes.title_mc", draws=draws)
        columns += [(w("votes.p_pass"), "right"), (w("col.se"), "right")]
    else:
        title = w("votes.title")
        columns += [(w.col("Passed", "passed"), "right")]
    table = _table(title, columns + [(w.col("WTP threshold (CNY)", "wtp_threshold_cny"),
                                      "right")])
    notes = []
    for (decision, building), row in decisions.head(MAX_BALLOT_ROWS).iterrows():
        threshold = _money(row["wtp_threshold_cny"])
        defined = row["wtp_threshold_defined"]
        if 0 < defined < 1:
            notes.append(w("votes.partly_defined", share=_pct(defined)))
            threshold = f"{threshold} *{len(notes)}"
        cells = [_escape(decision), _escape(building or w("votes.whole_compound")),
                 f"{int(row['households']):,}"]
        style = None
        if mc:
            cells += [f"{row['p_pass']:.3f}", _se(row["mcse"])]
        else:
            cells.append(w("yes") if row["passed"] else w("NO"))
            style = None if row["passed"] else "bold red"
        table.add_row(*cells, threshold, style=style)
    lines = [f"*{i} {note}" for i, note in enumerate(notes, 1)]
    if len(decisions) > MAX_BALLOT_ROWS:
        lines.append(w("votes.more", n=len(decisions) - MAX_BALLOT_ROWS, where=w("more")))
    lines.append((w("votes.legend_mc") if mc else "")
                 + w("votes.legend") + (w("votes.legend_mean") if mc else "")
                 + (w("votes.legend_none")
                    if decisions["wtp_threshold_defined"].eq(0).any() else "") + w("stop"))
    return table, lines


def _floors_table(result: "Result", mc: bool,
                  w: _Words | None = None) -> tuple["Table", list[str]]:
    """What a household pays by floor, top floor first: one column per set of buildings whose
    households pay the same floor by floor (as shown); with one set, the households per floor
    and, for a deterministic run with bank loans, the monthly payment of a borrowing
    household too. And the notes to print below it."""
    w = w or _Words()
    hh = result.households()
    values: dict[str, dict[int, str]] = {}
    for (building, floor), row in hh.iterrows():
        values.setdefault(building, {})[int(floor)] = _money(row["cost_if_built_cny"])
    columns: dict[tuple, list[str]] = {}
    for building, by_floor in values.items():
        columns.setdefault(tuple(sorted(by_floor.items())), []).append(building)
    sets = list(columns.values())
    floors = sorted({f for by_floor in values.values() for f in by_floor}, reverse=True)
    title = w("floors.title")
    notes = []
    if mc:
        notes.append(w("floors.means"))
    elif any("–" in v for by_floor in values.values() for v in by_floor.values()):
        notes.append(w("floors.voted_down"))
    floor_col = (w.col("Floor", "floor"), "right")
    if len(sets) == 1:
        names = sets[0]
        ch = result.scenario.households.channels
        loan = (not mc and ch is not None and ch.loan_term_years is not None
                and result.channels().loc["loan", "amount_cny"] > 0)
        table = _table(title, [floor_col, (w.col("Households", "households", ""), "right"),
                               (w("floors.pays"), "right")]
                       + ([(w("floors.loan"), "right")] if loan else []))
        first = names[0]
        for f in floors:
            row = hh.loc[(first, f)]
            cells = [str(f), f"{int(row['households']):,}", values[first][f]]
            if loan:
                cells.append(_money(row["loan_payment_per_month_cny"]))
            table.add_row(*cells)
        if len(names) > 1:
            which = (w("list.sep").join(names) if len(names) <= 4 else
                     w("floors.all_buildings", n=len(names)))
            notes.insert(0, w("floors.same", which=which))
        if loan:
            notes.append(w("floors.loan_note", years=ch.loan_term_years))
        return table, _sentence(notes, w)
    shown = sets[:MAX_BUILDING_COLUMNS]
    header = [names[0] if len(names) == 1 else w("list.sep").join(names) if len(names) == 2
              else w("floors.alike", name=names[0], n=len(names) - 1) for names in shown]
    table = _table(title, [floor_col] + [(_escape(h), "right") for h in header])
    for f in floors:
        table.add_row(str(f), *[values[names[0]].get(f, "") for names in shown])
    if len(sets) > MAX_BUILDING_COLUMNS:
        more = sum(len(names) for names in sets[MAX_BUILDING_COLUMNS:])
        notes.append(w("floors.more", n=more, where=w("more")))
    return table, _sentence(notes, w)


def _sentence(notes: list[str], w: _Words | None = None) -> list[str]:
    """Notes joined into one line of rich markup (user text escaped), or none."""
    w = w or _Words()
    if not notes:
        return []
    text = w("notes.sep").join(_escape(n) for n in notes)
    return [text[0].upper() + text[1:] + w("stop")]


def _fee_text(rate, w: _Words | None = None) -> str:
    w = w or _Words()
    return f"{rate:.2f}" if isinstance(rate, (int, float)) else w("fee.uncertain")


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
    from .progress import reporter_for
    from .scenario import load_scenario

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
        from .sensitivity import factors, tornado

        drivers = tornado(scenario, "breakeven_fee_rate") if factors(scenario) else None
        _chart_font_note(err, lang)
        figures = result.plot.charts(lang, tornado=drivers)
    workbook = None
    if args.excel is not None:  # the workbook, before the CSV files
        from .export.excel import write_workbook
        workbook = write_workbook(result, args.excel, lang=lang,
                                  scenario_file=args.file, overrides=args.set or ())
    written = []
    if args.out is not None:
        written = write_csv(result, args.out, scenario_file=args.file, scenario_sha256=sha256,
                            overrides=args.set or (), format=args.format,
                            on_large_csv=_large_csv_warning(err), lang=args.lang)
    charts = []
    if figures is not None:  # the charts as PNG, with their run.json, as one set
        from .export import run_record
        from .plots import write_charts

        record = run_record(result, scenario_file=args.file, scenario_sha256=sha256,
                            overrides=args.set or ())
        charts = write_charts(figures, args.plots, {**record, "lang": lang})
    console = _console(out)
    _print_result(console, result, lang)
    if written:
        _print_written(console, written, args.out, lang)
    if workbook is not None:
        _print_written(console, [workbook], workbook.parent, lang)
    if charts:
        _print_written(console, charts, args.plots, lang)
    return EXIT_OK


def _draws_origin(args, overrides, scenario) -> str:
    """Where the draw count of ``run --draws`` came from, as a message's location."""
    from .scenario.load import value_origin

    if args.draws:
        return f"--draws {args.draws}"
    where = value_origin(args.file, overrides, ("simulation", "draws"))
    return (f"{where} simulation.draws" if where else
            f"--draws (the default of {scenario.simulation.draws:,} draws)")


def _print_written(console: "Console", written, folder, lang: str = "en") -> None:
    """The line naming the files written."""
    w = _Words(lang)
    console.print(w("wrote", files=", ".join(p.name for p in written), out=_escape(folder)),
                  soft_wrap=True)


CJK_FONT_PACKAGES = "fonts-noto-cjk or fonts-wqy-zenhei"
"""Debian/Ubuntu packages of a font with Chinese glyphs, named when none is installed."""


def _chart_font_note(err: SafeStream, lang: str | None) -> None:
    """Charts in Chinese without a font that has Chinese glyphs are drawn in English: say so
    in one line on ``err`` (the library logs it too, seen with ``-v``)."""
    if lang != "zh":
        return
    try:
        from .plots.fonts import find_cjk_font
    except ImportError:  # pragma: no cover - no matplotlib: the charts say so
        return
    try:
        found = find_cjk_font()
    except ImportError:
        return
    if found is None:
        err.write(f"warning: no font with Chinese glyphs is installed, so the charts are drawn "
                  f"with English labels; install one (e.g. {CJK_FONT_PACKAGES})\n")


def _large_csv_warning(err: SafeStream):
    """``on_large_csv`` of the writers: one line on ``err`` per large CSV file."""
    def warn(name: str, size: int) -> None:
        err.write(f"warning: {name} will be about {size / 1000**2:,.0f} MB; use --format "
                  "parquet for a smaller file, faster to read\n")
    return warn


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
    solution.require_met()   # a target that cannot be met: one line, exit 2
    out.write(f"{solution if (args.lang or 'en') == 'en' else _solution_text(solution, args.lang)}\n")
    return EXIT_OK


def _solution_text(s, lang: str) -> str:
    """A :class:`fundmodel.goalseek.Solution` told in ``lang`` (English: its own text)."""
    import numpy as np

    from .goalseek.core import _fmt
    from .labels import label, relabel

    w = _Words(lang)
    how = (w("solve.point") if s.point else
           w("solve.mc", draws=s.draws, sampler=w(f"sampler.{s.sampler}"), seed=s.seed))
    target = s.target.text.replace(s.target.metric, label(s.target.metric, lang))
    lines = [w("solve.head", lever=s.lever, target=target, how=how,
               method=w(f"method.{s.method}"))]
    if s.per_draw:
        sm = s.summary()
        if s.draws == 1:
            lines.append(w("solve.answer", value=s.answer_text(float(np.asarray(s.value)[0]),
                                                                lang)))
        elif sm["n"]:
            lines.append(w("solve.answer_per_draw", mean=_fmt(sm["mean"]), p5=_fmt(sm["p5"]),
                           p50=_fmt(sm["p50"]), p95=s.answer_text(sm["p95"], lang), n=sm["n"]))
    else:
        lines.append(w("solve.answer", value=s.answer_text(s.value, lang)) + (
            w("solve.answer_mcse", mcse=_fmt(s.value_mcse)) if s.value_mcse else ""))
        if s.statistic is not None and math.isfinite(s.statistic):
            lines.append(w("solve.statistic", value=_fmt(s.statistic), mcse=_fmt(s.mcse)))
    if s.no_root:
        why = w("list.sep").join(f"{w('reason.' + k) if 'reason.' + k in _reasons() else k}"
                                 f"：{v:,}" for k, v in s.no_root_reasons.items())
        lines.append(w("solve.no_root", n=s.no_root, draws=s.draws, why=why))
    if s.disagreement is not None:
        lines.append(w("solve.disagreement", d=s.disagreement))
    for note in s.notes:
        lines.append(w("solve.note", note=relabel(note, lang)))
    lines.append(w("solve.work", calls=s.engine_calls, evals=s.draw_evaluations,
                   seconds=s.seconds, rate=s.evaluations_per_second))
    return "\n".join(lines)


def _reasons() -> set[str]:
    from .labels import TEXT

    return {k for k in TEXT if k.startswith("reason.")}


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


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    """Give a command ``--lang {en,zh}``: the language of what it prints and, with ``--out``,
    of the files' headers and names (:func:`fundmodel.labels.localize`). Not given
    (``args.lang`` None): English printing, and files keep their identifiers as headers (the
    data contract); read it as ``args.lang or "en"`` for printing."""
    from .labels import LANGS

    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="language of the printed output and, with --out, of the files' "
                        "headers and labels: en (default) or zh (Chinese); without it the "
                        "files keep the identifiers (funding_gap) as headers")


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
    add_lang_argument(g)
    g.set_defaults(func=_cmd_solve)

    # the commands in modules of their own get what they share with this one as helpers
    helpers = {"positive": _positive, "non_negative": _non_negative, "path": _path,
               "set_help": set_help, "outside_help": outside_help, "console": _console,
               "escape": _escape, "money": _money, "table": _table,
               "large_csv": _large_csv_warning, "lang": add_lang_argument, "words": _Words,
               "written": _print_written, "font_note": _chart_font_note}
    from .cli_compare import add_compare_parser
    from .cli_district import add_district_parser
    from .cli_report import add_report_parser
    from .cli_sensitivity import add_sensitivity_parser
    for add in (add_district_parser, add_sensitivity_parser, add_report_parser,
                add_compare_parser):
        add(sub, verbose, helpers)

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
    from .cli_signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, sigterm_raises
    try:
        with sigterm_raises():
            status = args.func(args, out, err)
        out.flush()
        return status
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback (output sets rolled back)
        _print_error(err, "fundmodel: interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        _print_error(err, "fundmodel: terminated")
        return EXIT_TERMINATED
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
