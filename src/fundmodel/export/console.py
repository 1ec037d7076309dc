"""What the ``fundmodel`` command prints: the run's tables on the console, safe on any console.

Printing works on any console: characters the console's encoding cannot show are written in
ASCII (``m2`` for ``m²``, ``+/-`` for ``±``, ``-`` for dashes and minus signs) or as ``?``.
Only the standard library is imported at the top (rich and the results come with the first
table), so the command line can import this module before it parses its arguments.
"""

from __future__ import annotations

import errno
import math
import os
import re
import sys
import unicodedata
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table

    from ..results.result import Result

__all__ = ["PIPE_WIDTH", "SafeStream", "encodable", "Words", "console_for", "escape_markup", "money",
           "new_table", "print_error", "print_result", "silence_stdout"]

PIPE_WIDTH = 100
"""Width of the printed text and tables when standard output is not a terminal (a file, a
pipe) and ``COLUMNS`` is not set: wide enough for every table at its natural width."""

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


def console_for(stream: SafeStream) -> "Console":
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
    ``HEAVY_HEAD`` box, the default of :func:`new_table`)."""
    from rich import box

    try:
        str(box.HEAVY_HEAD).encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def escape_markup(text: Any) -> str:
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


def money(x: float) -> str:
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


def new_table(title: str, columns: Sequence[tuple[str, str]]) -> "Table":
    """A table whose number columns never wrap nor shrink while the text columns can wrap."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name, justify in columns:
        number = justify == "right"
        table.add_column(name, justify=justify, no_wrap=number, overflow="fold")
    return table


class Words:
    """The words of the printed output in one language: sentences from
    :data:`fundmodel.labels.TEXT`, names and headers from the catalogue (English output keeps
    its own short wording, given at the call)."""

    def __init__(self, lang: str = "en", money_unit: str = "CNY"):
        from .. import labels

        self.lang = labels.check_lang(lang)
        self.zh = lang == "zh"
        self.money_unit = labels.check_money_unit(money_unit)
        self._labels = labels

    def __call__(self, key: str, **fields: Any) -> str:
        """A sentence of :data:`fundmodel.labels.TEXT`, filled in."""
        return self._labels.text(key, self.lang, **fields)

    def sums(self, key: str, sums: Sequence[str] = (), **fields: Any) -> str:
        """A sentence of :data:`fundmodel.labels.TEXT` whose sums of money read in the
        output's money unit: the unit after each field named in ``sums`` (``{gap} CNY``), and
        with ``sums`` empty (a title: the table's unit) every ``CNY`` / ``元`` of the text;
        the fields themselves are formatted by the caller (:meth:`sum`)."""
        template = self._labels.TEXT[key].get(self.lang)
        if self.money_unit != "CNY":
            shown = self.unit(self._labels.SUMS_OF_MONEY["CNY"])
            if sums:
                for name in sums:
                    template = re.sub(r"(\{%s\} ?)(?:CNY|元)(?![/\w])" % re.escape(name),
                                      lambda m: m.group(1) + shown, template)
            else:
                template = re.sub(r"\bCNY\b(?!/(?!year))" if not self.zh
                                  else r"(?<!万)元(?!/(?!年))", shown, template)
        return template.format(**fields)

    def scale(self, metric: str, unit_name: str | None = None) -> tuple[float, str]:
        """``(k, shown unit)`` of ``metric`` (its declared unit, or ``unit_name``) in the
        output's money unit (:func:`fundmodel.labels.money_scale`)."""
        found = self._labels.output_unit(metric) if unit_name is None else unit_name
        return self._labels.money_scale(metric, found, self.money_unit)

    def sum(self, x: float) -> str:
        """A sum of money in the output's money unit: whole CNY, or 万元 with two decimals."""
        k = self._labels.MONEY_UNITS[self.money_unit]
        if k == 1.0 or x is None or (isinstance(x, float) and math.isnan(x)):
            return money(x)
        return _unsigned_zero(f"{x / k:,.2f}")

    def fmt(self, metric: str, fmt: Callable[[float], str],
            unit_name: str | None = None) -> Callable[[float], str]:
        """``fmt`` for the values of ``metric``, or :meth:`sum` for a sum of money shown in
        万元 (a metric in CNY printed with :func:`money`)."""
        if fmt in (money, _number) and self.scale(metric, unit_name)[0] != 1.0:
            return self.sum
        return fmt

    def name(self, english: str, ident: str) -> str:
        """``english`` in English, else the catalogue's label of ``ident``."""
        return english if not self.zh else self._labels.label(ident, self.lang)

    def short(self, ident: str) -> str:
        """The declared short header of ``ident`` in English (a narrow table's column), else
        its label (:func:`fundmodel.labels.short_label`)."""
        return self._labels.short_label(ident, self.lang)

    def label(self, ident: str) -> str:
        """The catalogue's label of ``ident`` in the output's language, in English too
        (``central_subsidy`` → ``Central subsidy``); a user's own name as written."""
        return self._labels.label(ident, self.lang)

    def col(self, ident: str, unit: str | None = None) -> str:
        """The declared header of ``ident`` (with ``unit``, default the declared one; in
        English its short header where it has one: :func:`fundmodel.labels.header`)."""
        return self._labels.header(ident, self.lang, unit, short=True,
                                   money_unit=self.money_unit)

    def unit(self, name: str) -> str:
        return self._labels.unit(name, self.lang)

    def sum_unit(self, name: str) -> str:
        """The label of a unit of money (``CNY/year``) as the output shows it (``万元/年``)."""
        return self.unit(self._labels.money_scale(None, name, self.money_unit)[1])

    def row(self, ident: str, unit: str | None = None, with_unit: bool = True) -> str:
        """The row of a printed table for a declared output (:mod:`fundmodel.catalog`): its
        label with its unit (``unit`` where it differs from the declared one; none with
        ``with_unit`` False), in English with a small first letter as the rows of a table
        are (``breakeven fee (CNY/m²/month)``; an acronym kept: ``NPV of the operations``)."""
        text = (self._labels.header(ident, self.lang, unit, money_unit=self.money_unit)
                if with_unit else self._labels.label(ident, self.lang))
        if self.zh or len(text) < 2 or not text[1].islower():
            return text
        return text[0].lower() + text[1:]

    def rows(self, rows: Sequence[tuple[str, Callable[[float], str]]],
             units: dict[str, str] | None = None,
             with_unit: bool = True) -> list[tuple[str, str, Callable]]:
        """``(metric, format)`` pairs as the rows of :func:`_stat_table`: ``(label, metric,
        format)``, the label from the declarations (:meth:`row`)."""
        units = units or {}
        return [(self.row(metric, units.get(metric), with_unit), metric,
                 self.fmt(metric, fmt, units.get(metric))) for metric, fmt in rows]

    def relabel(self, message: str) -> str:
        """A library message with its identifiers labelled (English: unchanged)."""
        return self._labels.relabel(message, self.lang)


def _stat_table(title: str, s, rows: list[tuple[str, str, Callable[[float], str]]],
                w: Words | None = None, units: dict[str, str] | None = None) -> "Table":
    """A table of metrics with their mean, p5, p95 and Monte Carlo standard error; a metric
    undefined in some draws says in how many (its statistics are over the others). In
    Chinese a row is the metric's header (``units``: metric → unit where it differs from the
    catalogue's)."""
    w = w or Words()
    units = units or {}
    table = new_table(title, [(w("col.metric"), "left"), (w("col.mean"), "right"),
                           (w("col.p5"), "right"), (w("col.p95"), "right"),
                           (w("col.se"), "right")])
    notes = []
    for label, metric, fmt in rows:
        if w.zh:
            label = escape_markup(w.col(metric, units.get(metric)))
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


def _undefined_note(metric: str, undefined: int, draws: int, w: Words | None = None) -> str:
    """Why and in how many draws a metric has no value."""
    from ..labels import undefined_when

    w = w or Words()
    when = undefined_when(metric, w.lang)
    name = w.label(metric)
    why = w("undefined.why", when=when) if when else ""
    if draws == 1:
        return w("undefined.one", metric=name, why=why)
    return w("undefined.many", metric=name, undefined=undefined, draws=draws, why=why)


def print_result(console: "Console", result: "Result", lang: str = "en",
                 money_unit: str = "CNY") -> None:
    """Print a run's tables: the funding mix, the gap, the residents' votes and cost by
    floor, the financing, the first operating year and the breakeven fee, in ``lang``; sums
    of money in ``money_unit`` (``"CNY"``, or ``"万元"`` with two decimals; amounts per
    household, m² or month stay in CNY: :func:`fundmodel.labels.money_scale`)."""
    w = Words(lang, money_unit)
    sc = result.scenario
    s = result.summary()
    m = s["mean"]
    info = result.info
    mc = info.get("kind") == "monte_carlo"
    console.print(f"[bold]{escape_markup(sc.title or sc.name)}[/bold]")
    if mc:
        draws = w("draws.one") if result.n_draws == 1 else w("draws.many", n=result.n_draws)
        how = w("run.how_mc", draws=draws, sampler=w(f"sampler.{info['sampler']}"),
                seed=info["seed"])
    else:
        point = info.get("point_estimate")
        how = w("run.how_det", point=w(f"point.{point}") if w.zh else point)
    console.print(w("run.scenario", name=escape_markup(sc.name), compound=escape_markup(sc.compound.name),
                    households=sc.compound.households, how=how))
    for warning in info.get("warnings", []):
        console.print(w("run.warning", warning=escape_markup(w.relabel(warning))))
    console.print()

    funding = result.funding()
    table = new_table(w.sums("funding.title_mean" if mc else "funding.title",
                             cost=w.sum(m["capex_total"])),
                   [(w("funding.source"), "left"), (w.col("payer"), "left"),
                    (w.col("amount", "CNY"), "right"),
                    (w.short("share"), "right"),
                    (w.col("per_household", "CNY/household"), "right")])
    for label, row in funding.iterrows():
        style = "bold red" if label == "gap" and row["amount"] > 0 else None
        table.add_row(escape_markup(w.label(label)), escape_markup(w.label(row["payer"])),
                      w.sum(row["amount"]), _pct(row["share_of_cost"]),
                      money(row["per_household"]), style=style)
    table.add_section()
    table.add_row(w.label("total"), "", w.sum(funding["amount"].sum()),
                  _pct(funding["share_of_cost"].sum()), money(funding["per_household"].sum()))
    console.print(table)
    soe = any(rule.payer == "soe" for rule in sc.funding)   # state firms: not government
    if mc:
        console.print(_stat_table(w.sums("renovation.title"), s, w.rows([
            ("capex_total", money), ("funding_gap", money),
            ("government_cost_per_household", money),
            *([("soe_cost_per_household", money)] if soe else []),
            ("resident_cost_per_household", money),
        ], with_unit=False), w))
    else:
        console.print(w.sums("renovation.sentence_soe" if soe else "renovation.sentence",
                             ("gap",), gap=w.sum(m["funding_gap"]),
                             share=_pct(m["funding_gap_share"]),
                        gap_per_household=money(m["funding_gap_per_household"]),
                        government=money(m["government_cost_per_household"]),
                        soe=money(m.get("soe_cost_per_household", 0.0)),
                        residents=money(m["resident_cost_per_household"])))
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
        fee_units = {"breakeven_fee_rate": fee_unit, "breakeven_fee_rate_first_year": fee_unit}
        console.print(_stat_table(w("operations.title", year=year1, years=sc.horizon_years), s,
                                  w.rows([
            ("fee_income_first_year", money), ("operating_cost_first_year", money),
            ("operating_surplus_first_year", money),
            *([("net_cash_flow_first_year", money)] if financed else []),
            ("npv_operations", money), ("cumulative_balance_final", money),
            ("breakeven_fee_rate", _rate3), ("breakeven_fee_rate_first_year", _rate3),
        ], fee_units), w, fee_units))
        if financed:
            console.print(w("operations.breakeven_basis"))
        probs = result.probabilities()
        if w.zh:
            from ..labels import QUESTIONS_ZH
            probs = probs.assign(question=[QUESTIONS_ZH.get(k, q) for k, q in
                                           zip(probs.index, probs["question"])])
        for _, row in probs.iterrows():
            console.print(f"{escape_markup(row['question'])} = {row['probability']:.3f} "
                          f"(± {_se(row['mcse'])})")
        _print_upkeep(console, result, w)
        return
    y = result.yearly().iloc[0]
    ops = new_table(w.sums("operations.first_title", year=year1),
                 [(w.col("line"), "left"), (w.sum_unit("CNY/year"), "right")])
    for line in ("property_fee_income", "other_income", "operating_cost", "vat"):
        sign = -1 if line in ("operating_cost", "vat") else 1
        ops.add_row(w.row(line, with_unit=False), w.sum(sign * y[line]))
    ops.add_section()
    surplus = y["operating_surplus"]
    ops.add_row(w("operations.surplus" if surplus >= 0 else "operations.deficit"),
                w.sum(surplus), style="bold red" if surplus < 0 else "bold")
    if financed:      # the year after debt service, remitted revenue, investors' takes
        ops.add_row(w.row("financing_net", with_unit=False), w.sum(y["financing_net"]))
        ops.add_section()
        after = m["net_cash_flow_first_year"]
        ops.add_row(w("operations.after_financing" if after >= 0
                      else "operations.after_financing_deficit"),
                    w.sum(after), style="bold red" if after < 0 else "bold")
    console.print(ops)
    console.print(w(
        "operations.breakeven", fee=_rate(m["breakeven_fee_rate"]), unit=w.unit(fee_unit),
        years=sc.horizon_years, rate=f"{100 * m['discount_rate_nominal']:.2f}",
        fee1=_rate(m["breakeven_fee_rate_first_year"]),
        now=_fee_text(fee.per_household_month if fee.per_household else fee.rate_per_m2_month,
                      w)))
    if financed:
        console.print(w("operations.breakeven_basis"))
    console.print(w.sums("operations.npv", ("npv", "balance"), years=sc.horizon_years,
                         npv=w.sum(m["npv_operations"]),
                         balance=w.sum(m["cumulative_balance_final"])))
    for metric in ("breakeven_fee_rate", "breakeven_fee_rate_first_year"):
        if int(s.loc[metric, "undefined"]):
            console.print(w("note", note=_undefined_note(metric, 1, 1, w)))
    _print_upkeep(console, result, w)


_FALLBACK_ROWS = [("fallback_total", money), ("fallback_years", lambda x: f"{x:,.1f}"),
                  ("fallback_max_year", money), ("fallback_needed_max", money)]
"""The fallback payer's metrics ``run`` prints, with their formats (labels and units: the
declarations of :mod:`fundmodel.catalog`)."""
_FUND_ROWS = [("fund_first_deposit", money), ("fund_balance_final", money),
              ("fund_balance_min", money), ("fund_top_up_total", money),
              ("percent_funded_final", _pct), ("level_contribution_baseline_per_m2", _rate),
              ("level_contribution_threshold_per_m2", _rate),
              ("level_contribution_full_per_m2", _rate), ("fund_expenditure_pv", money)]
"""The repairs fund's metrics ``run`` prints, with their formats."""

def _print_upkeep(console: "Console", result: "Result", w: Words | None = None) -> None:
    """The street's fallback payments and the repairs fund, when the scenario has them."""
    w = w or Words()
    s = result.summary()
    sc = result.scenario
    mc = result.info.get("kind") == "monte_carlo"

    def show(title: str, rows) -> None:
        if mc:
            console.print(_stat_table(title, s, w.rows(rows), w))
            return
        table = new_table(title, [(w("col.metric"), "left"), (w("col.value"), "right")])
        for metric, fmt in rows:
            table.add_row(escape_markup(w.row(metric)), w.fmt(metric, fmt)(s.loc[metric, "mean"]))
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
    return money(value) if abs(value) >= 100 else _unsigned_zero(f"{value:,.3f}")


def _value(metric: str, value: float, w: Words | None = None) -> str:
    """One draw's value of ``metric`` as its unit says: a yes/no flag (unit ``0/1`` or
    ``bool``) as yes/no, a year as a whole number, an IRR status as its words, else
    :func:`_number`."""
    from ..catalog import lookup

    w = w or Words()
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
        return w.fmt(metric, money)(value)
    if unit == "code" and metric.endswith("irr_reason") and not w.zh:
        from ..finance import IRR_REASONS

        return IRR_REASONS.get(int(value), _number(value))
    return _number(value)


def _sum_label(metric: str, w: Words) -> str:
    """A metric's label, with the unit of money it is shown in when that is not CNY
    (``Special bond: amount (wan CNY)``): the rows of an instrument's metrics carry no
    unit otherwise."""
    k, shown = w.scale(metric)
    text = w.label(metric)
    if k == 1.0:
        return text
    return f"{text}（{w.unit(shown)}）" if w.zh else f"{text} ({w.unit(shown)})"


def programme_table(summary, w: Words | None = None) -> "Table":
    """The pooled instruments' metrics over the draws (``PortfolioResult.
    programme_summary()``): mean, p5, p95 and standard error, each metric undefined in some
    draws noted."""
    w = w or Words()
    return _stat_table(w("district.programme"), summary,
                       [(escape_markup(w.label(n)), n, _number) for n in summary.index], w)


def _print_financing(console: "Console", result: "Result", w: Words | None = None) -> None:
    """The financing instruments' metrics (investors, bundled projects, debt) and the
    government's commitments by year."""
    w = w or Words()
    s = result.summary()
    from ..catalog import instrument_metric

    names = [n for n in s.index if instrument_metric(n) is not None]
    if names:
        if result.n_draws > 1:
            console.print(_stat_table(w("financing.title"), s,
                                      [(escape_markup(_sum_label(n, w)), n, w.fmt(n, _number))
                                       for n in names], w))
        else:
            table = new_table(w("financing.title"), [(w("col.metric"), "left"),
                                                  (w("col.Value"), "right")])
            for n in names:
                table.add_row(escape_markup(_sum_label(n, w)), _value(n, s.loc[n, "mean"], w))
            console.print(table)
    fiscal = result.fiscal()
    level = result.scenario.fiscal.level if result.scenario.fiscal else None
    level = w("fiscal.all_levels") if level is None else w.label(level)
    columns = [c for c in ("subsidies", "bridge", "debt_service", "guarantee_calls",
                           "revenue_received") if (fiscal[c] != 0).any()]
    columns += [c for c in ("net_commitment", "budget_share") if c in fiscal.columns]
    columns += ["soe"] if (fiscal["soe"] != 0).any() else []    # state firms: not counted
    table = new_table(w.sums("fiscal.title_mean" if result.n_draws > 1 else "fiscal.title",
                             level=escape_markup(level), pv=w.sum(fiscal.attrs["pv_commitments"])),
                   [(w("col.Year"), "right")]
                   + [(w.short(c), "right") for c in columns])
    for year, row in fiscal.iterrows():
        over = bool(row.get("exceeds_ceiling", False))
        table.add_row(str(year), *(_pct(row[c]) if c == "budget_share" else w.sum(row[c])
                                   for c in columns), style="bold red" if over else None)
    console.print(table)
    console.print()


MAX_BALLOT_ROWS = 12
"""Most ballots the votes table shows (the rest are in ``decisions.csv``)."""
MAX_BUILDING_COLUMNS = 6
"""Most columns of buildings the cost-by-floor table shows (buildings whose households pay the
same, floor by floor, share a column; the rest are in ``households.csv``)."""


def _print_households(console: "Console", result: "Result", w: Words | None = None) -> None:
    """The residents' votes (per decision and building: passed, or P(pass) over the draws,
    and the willingness-to-pay threshold) and what a household pays by floor, from
    :meth:`Result.decisions`, :meth:`Result.households` and :meth:`Result.channels`."""
    w = w or Words()
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
            f"{w.name(name.replace('_', ' '), name)} {w.sum(ch.loc[name, 'amount_cny'])}"
            for name in ch.index[:-1] if ch.loc[name, "amount_cny"] > 0)
        console.print(w.sums("channels.sentence", ("total",),
                             total=w.sum(ch.loc["total", "amount_cny"]),
                             mean=w("channels.mean") if mc else "", parts=parts))
    console.print()


def _votes_table(decisions, mc: bool, draws: int,
                 w: Words | None = None) -> tuple["Table", list[str]]:
    """One row per ballot: passed (deterministic) or P(pass) ± se (Monte Carlo), and the
    least willingness to pay common to the electorate at which it passes; and the notes to
    print below it."""
    w = w or Words()
    columns = [(w.col("decision"), "left"), (w.col("building"), "left"),
               (w.col("households", ""), "right")]
    if mc:
        title = w("votes.title_mc", draws=draws)
        columns += [(w("votes.p_pass"), "right"), (w("col.se"), "right")]
    else:
        title = w("votes.title")
        columns += [(w.col("passed"), "right")]
    table = new_table(title, columns + [(w.col("wtp_threshold_cny"),
                                      "right")])
    notes = []
    for (decision, building), row in decisions.head(MAX_BALLOT_ROWS).iterrows():
        threshold = money(row["wtp_threshold_cny"])
        defined = row["wtp_threshold_defined"]
        if 0 < defined < 1:
            notes.append(w("votes.partly_defined", share=_pct(defined)))
            threshold = f"{threshold} *{len(notes)}"
        cells = [escape_markup(decision), escape_markup(building or w("votes.whole_compound")),
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
                  w: Words | None = None) -> tuple["Table", list[str]]:
    """What a household pays by floor, top floor first: one column per set of buildings whose
    households pay the same floor by floor (as shown); with one set, the households per floor
    and, for a deterministic run with bank loans, the monthly payment of a borrowing
    household too. And the notes to print below it."""
    w = w or Words()
    hh = result.households()
    values: dict[str, dict[int, str]] = {}
    for (building, floor), row in hh.iterrows():
        values.setdefault(building, {})[int(floor)] = money(row["cost_if_built_cny"])
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
    floor_col = (w.col("floor"), "right")
    if len(sets) == 1:
        names = sets[0]
        ch = result.scenario.households.channels
        loan = (not mc and ch is not None and ch.loan_term_years is not None
                and result.channels().loc["loan", "amount_cny"] > 0)
        table = new_table(title, [floor_col, (w.col("households", ""), "right"),
                               (w("floors.pays"), "right")]
                       + ([(w("floors.loan"), "right")] if loan else []))
        first = names[0]
        for f in floors:
            row = hh.loc[(first, f)]
            cells = [str(f), f"{int(row['households']):,}", values[first][f]]
            if loan:
                cells.append(money(row["loan_payment_per_month_cny"]))
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
    table = new_table(title, [floor_col] + [(escape_markup(h), "right") for h in header])
    for f in floors:
        table.add_row(str(f), *[values[names[0]].get(f, "") for names in shown])
    if len(sets) > MAX_BUILDING_COLUMNS:
        more = sum(len(names) for names in sets[MAX_BUILDING_COLUMNS:])
        notes.append(w("floors.more", n=more, where=w("more")))
    return table, _sentence(notes, w)


def _sentence(notes: list[str], w: Words | None = None) -> list[str]:
    """Notes joined into one line of rich markup (user text escaped), or none."""
    w = w or Words()
    if not notes:
        return []
    text = w("notes.sep").join(escape_markup(n) for n in notes)
    return [text[0].upper() + text[1:] + w("stop")]


def _fee_text(rate, w: Words | None = None) -> str:
    w = w or Words()
    return f"{rate:.2f}" if isinstance(rate, (int, float)) else w("fee.uncertain")


def print_error(err: SafeStream, message: Any) -> None:
    """Write ``message`` to standard error; never raises (stderr may be gone too)."""
    try:
        err.write(f"{message}\n")
        err.flush()
    except (OSError, ValueError):
        pass


def silence_stdout() -> None:
    """Point file descriptor 1 at the null device, so that the interpreter's last flush of
    standard output (after a broken pipe or a full disk) fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. captured by tests)
        pass
