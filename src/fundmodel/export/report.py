"""The HTML report: one self-contained page telling a scenario's story, printable to PDF.

:func:`render_report` turns a :class:`~fundmodel.results.Result` into the HTML text of one
page — the compound, the funding mix and the gap, the operation year by year, how sure it is,
what drives it, the assumptions and the run record — with every label from
:mod:`fundmodel.labels` in ``lang``. Charts come in through one seam, ``charts``: a mapping
from a slot name (:data:`CHART_SLOTS`) to a matplotlib Figure or PNG bytes, embedded as
``data:`` URIs, so the page needs no network. :func:`collect_charts` fills the slots from
``result.plot`` when the result has one. :func:`write_report` writes the page atomically.

Jinja2 is imported on first use (``pip install 'fundmodel[report]'``); the template
``templates/report.html.j2`` is package data and escapes every value (autoescape).
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from .. import labels
from ..labels import text
from ..errors import FundmodelError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..portfolio import PortfolioResult
    from ..results.result import Result

__all__ = ["CHART_SLOTS", "collect_charts", "render_report", "write_report",
           "DISTRICT_CHART_SLOTS", "collect_district_charts", "render_district_report",
           "write_district_report"]

log = logging.getLogger("fundmodel")

CHART_SLOTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "waterfall": ("waterfall", ()),
    "parties": ("parties", ()),
    "fan:cumulative_balance": ("fan", ("cumulative_balance",)),
    "fan:operating_surplus": ("fan", ("operating_surplus",)),
    "histogram:funding_gap": ("histogram", ("funding_gap",)),
    "histogram:breakeven_fee_rate": ("histogram", ("breakeven_fee_rate",)),
    "cdf:funding_gap": ("cdf", ("funding_gap",)),
    "cdf:breakeven_fee_rate": ("cdf", ("breakeven_fee_rate",)),
    "tornado": ("tornado", ()),
}
"""The report's chart slots: slot name → (``result.plot`` method, its positional arguments;
``tornado`` takes the drivers table). A slot without a chart is left out of the page."""

_MC_ONLY = ("histogram:", "cdf:")
"""Slots that need many draws (a distribution of one draw says nothing)."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


_YEARLY_LINES = ("property_fee_income", "other_income", "total_income", "operating_cost",
                 "vat", "operating_surplus", "financing_net", "net_cash_flow",
                 "cumulative_balance")
"""The yearly statement's key lines, in the order shown."""

_KEY_METRICS = ("capex_total", "funding_gap", "operating_surplus_first_year",
                "net_cash_flow_first_year", "npv_operations",
                "cumulative_balance_final", "breakeven_fee_rate", "fallback_total",
                "fund_balance_min", "fund_top_up_total")
"""The metrics of "how sure it is" (those the run has)."""

_RATE_METRICS = {"breakeven_fee_rate", "breakeven_fee_rate_first_year",
                 "discount_rate_nominal"}


# ---------------------------------------------------------------------------- numbers
def _nan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _signed(shown: str) -> str:
    """A formatted number with a true minus sign, and none on a value shown as zero."""
    if shown.startswith("-") and not any(ch in "123456789" for ch in shown):
        shown = shown[1:]
    return shown.replace("-", "−")


def _money(x: Any) -> str:
    return "–" if _nan(x) else _signed(f"{float(x):,.0f}")


def _sum(x: Any, money_unit: str = "CNY") -> str:
    """A sum of money in ``money_unit``: whole CNY (:func:`_money`), or 万元 with two decimals
    (:func:`fundmodel.labels.money_scale`'s k)."""
    k = labels.MONEY_UNITS[money_unit]
    if k == 1.0 or _nan(x):
        return _money(x)
    return _signed(f"{float(x) / k:,.2f}")


def _is_sum(name: str, money_unit: str, unit_name: str | None = None) -> bool:
    """Whether ``name`` (in its declared unit, or ``unit_name``) is shown scaled in
    ``money_unit`` (:func:`fundmodel.labels.money_scale`)."""
    found = labels.output_unit(name) if unit_name is None else unit_name
    return labels.money_scale(name, found, money_unit)[0] != 1.0


def _text(key: str, lang: str, money_unit: str = "CNY", sums: Iterable[str] = (),
          **fields: Any) -> str:
    """The sentence ``key`` with its sums of money in ``money_unit``: the unit after each
    field of ``sums``, or every CNY of a caption with ``sums`` empty
    (:meth:`fundmodel.export.console.Words.sums`); in CNY :func:`text` itself."""
    if money_unit == "CNY":
        return text(key, lang, **fields)
    from .console import Words

    return Words(lang, money_unit).sums(key, tuple(sums), **fields)


def _pct(x: Any) -> str:
    return "–" if _nan(x) else _signed(f"{100 * float(x):.1f}%")


def _rate(x: Any, digits: int = 2) -> str:
    return "–" if _nan(x) else _signed(f"{float(x):,.{digits}f}")


def _plain(x: Any) -> str:
    """A scenario input as written: whole numbers with separators, others as short decimals."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        return f"{x:,.0f}" if x.is_integer() or abs(x) >= 1000 else f"{x:,.4g}"
    return str(x)


def _metric_value(name: str, x: Any, one_run: bool = False, lang: str = "en",
                  money_unit: str = "CNY") -> str:
    """A metric's value in its unit's usual format; ``one_run`` (a value, not a mean over
    draws): a yes/no flag as yes/no, a code and a whole number of years as an integer; a sum
    of money in ``money_unit``."""
    unit = labels.describe_unit(name)
    if one_run and not _nan(x):
        if unit == "0/1":
            return text("report.yes" if float(x) else "report.no", lang)
        if unit == "code" or (unit in ("years", "year") and float(x).is_integer()):
            return f"{float(x):,.0f}"
    if name in _RATE_METRICS or unit in ("CNY/m²/month", "CNY/m²/year",
                                         "CNY/household/month", "ratio"):
        return _rate(x, 3 if name.startswith("breakeven") else 2)
    if unit in ("share", "rate"):
        return _pct(x)
    if unit in ("0/1",):
        return _pct(x)
    if unit in ("years", "year", "households", "code"):
        return _rate(x, 1)
    return _sum(x, money_unit) if _is_sum(name, money_unit) else _money(x)


# ---------------------------------------------------------------------------- tables
def _table(caption: str, columns: Iterable[tuple], rows: list[dict[str, Any]],
           note: str = "") -> dict[str, Any]:
    """A table for the template: ``columns`` (header, is a number[, negative values are
    shown in red]), ``rows`` each
    ``{"cells": [...], "cls": ""}`` (cls: ``total``, ``gap``, ``bad``)."""
    return {"caption": caption,
            "columns": [{"text": c[0], "num": c[1], "signal": c[2] if len(c) > 2 else False}
                        for c in columns],
            "rows": rows, "note": note, "kv": False}


def _row(*cells: Any, cls: str = "") -> dict[str, Any]:
    return {"cells": [str(c) for c in cells], "cls": cls}


def _describe_value(value: Any, lang: str, share: bool = False, field: str = "") -> str:
    """A scenario value in words (:func:`fundmodel.export.words.describe`), a distribution
    with its mean; ``share``: a fraction, shown as a percentage."""
    from .words import describe, number

    if share and isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, True)
    return describe(value, lang, field or ("share" if share else ""), mean=True)


def _terms(model: Any, lang: str, skip: Iterable[str] = ()) -> str:
    """The fields a scenario model sets (not defaults), as ``label：value`` pairs in words
    (nested sections and distributions too: :func:`fundmodel.export.words.terms`)."""
    from .words import terms

    return terms(model, lang, skip={"name", "source", "label", "payer", *skip})


# ---------------------------------------------------------------------------- sections
def _header_block(result: "Result", lang: str, mu: str = "CNY") -> dict[str, Any]:
    sc = result.scenario
    c = sc.compound
    area = _plain(float(c.floor_area_m2)) if not _nan(getattr(c, "floor_area_m2", None)) else "–"
    try:
        facts = text("report.facts", lang, households=f"{c.households:,}", area=area,
                   buildings=c.buildings, storeys=c.storeys, built=c.built_year)
    except AttributeError:
        facts = text("report.facts_short", lang, households=f"{c.households:,}", area=area)
    info = result.info
    if info.get("kind") == "monte_carlo":
        run = text("report.run_mc", lang, draws=f"{result.n_draws:,}",
                 sampler=labels.label(str(info.get("sampler")), lang), seed=info.get("seed"))
    else:
        point = str(info.get("point_estimate") or "mean")
        shown = labels.label(point, lang)
        run = text("report.run_det", lang, point=shown.lower() if lang == "en" else shown)
    title = sc.title or sc.name
    s = result.summary()["mean"]
    fee = sc.operations.property_fee
    fee_unit = "CNY/household/month" if fee.per_household else "CNY/m²/month"
    rate = fee.per_household_month if fee.per_household else fee.rate_per_m2_month
    fee_now = _rate(rate) if isinstance(rate, (int, float)) else text("report.uncertain_fee", lang)
    cards = [
        (labels.header("capex_total", lang, money_unit=mu), _sum(s["capex_total"], mu), "",
         text("report.per_household_card", lang, value=_money(s["capex_total"] / c.households))),
        (labels.header("funding_gap", lang, money_unit=mu), _sum(s["funding_gap"], mu),
         "bad" if s["funding_gap"] > 0.5 else "good",
         text("report.of_cost_card", lang, value=_pct(s["funding_gap_share"]))),
        (labels.header("operating_surplus_first_year", lang, money_unit=mu),
         _sum(s["operating_surplus_first_year"], mu),
         "bad" if s["operating_surplus_first_year"] < 0 else "good", ""),
        *([(labels.header("net_cash_flow_first_year", lang, money_unit=mu),
            _sum(s["net_cash_flow_first_year"], mu),
            "bad" if s["net_cash_flow_first_year"] < 0 else "good", "")]
          if "net_cash_flow_first_year" in s.index else []),
        (labels.header("breakeven_fee_rate", lang, fee_unit), _rate(s["breakeven_fee_rate"]),
         "bad" if s["breakeven_fee_rate"] > (rate if isinstance(rate, (int, float))
                                             else math.inf) else "",
         text("report.fee_now_card", lang, value=fee_now)),
    ]
    return {"title": title, "doc_title": text("report.doc_title", lang, title=title),
            "compound": c.name, "facts": facts, "run": run,
            "cards": [{"label": a, "value": b, "cls": k, "sub": d} for a, b, k, d in cards]}


def _charts_for(slots: Iterable[str], images: Mapping[str, str], lang: str) -> list[dict]:
    out = []
    for slot in slots:
        if slot not in images:
            continue
        kind, _, arg = slot.partition(":")
        if kind == "fan":
            caption = text("report.chart_fan", lang, line=labels.label(arg, lang))
        elif kind in ("histogram", "cdf"):
            caption = text(f"report.chart_{kind}", lang, metric=labels.label(arg, lang))
        elif kind == "tornado":
            caption = text("report.chart_tornado", lang, metric=labels.label(arg or "", lang))
        else:
            caption = text(f"report.chart_{kind}", lang)
        out.append({"slot": slot, "src": images[slot], "caption": caption})
    return out


def _funding_section(result: "Result", lang: str, images: Mapping[str, str],
                     mu: str = "CNY") -> dict:
    funding = result.funding()
    s = result.summary()["mean"]
    capex, gap = float(s["capex_total"]), float(funding.loc["gap", "amount"])
    raised = float(funding["amount"].sum()) - gap
    hh = result.scenario.compound.households
    if gap > 0.5:
        story = _text("report.funding_story", lang, mu, ("capex", "raised", "gap"),
                      capex=_sum(capex, mu), raised=_sum(raised, mu),
                      raised_share=_pct(raised / capex if capex else math.nan), gap=_sum(gap, mu),
                   gap_share=_pct(gap / capex if capex else math.nan), gap_hh=_money(gap / hh))
    else:
        story = _text("report.funding_nogap", lang, mu, ("capex",), capex=_sum(capex, mu))
    rows = []
    for name, r in funding.iterrows():
        is_gap = name == "gap"
        rows.append(_row(labels.label(str(name), lang), labels.label(r["source"], lang),
                         labels.label(r["payer"], lang), _sum(r["offered"], mu),
                         _sum(r["amount"], mu), _pct(r["share_of_cost"]),
                         _money(r["per_household"]),
                         cls="gap" if is_gap and r["amount"] > 0.5 else ""))
    rows.append(_row(labels.label("total", lang), "", "", "", _sum(funding["amount"].sum(), mu),
                     _pct(funding["share_of_cost"].sum()),
                     _money(funding["per_household"].sum()), cls="total"))
    tables = [_table(_text("report.funding_caption", lang, mu),
                     [(labels.label("label", lang), False), (labels.label("source", lang), False),
                      (labels.label("payer", lang), False), (labels.label("offered", lang), True),
                      (labels.label("amount", lang), True),
                      (labels.label("share_of_cost", lang), True),
                      (labels.label("per_household", lang), True)], rows)]
    try:
        parties = result.parties()
    except FundmodelError:
        parties = None
    if parties is not None and len(parties):
        prow = [_row(labels.label(str(p), lang), _sum(r["paid"], mu), _sum(r["received"], mu),
                     _sum(r["net"], mu))
                for p, r in parties.iterrows()
                if abs(r["paid"]) > 0.5 or abs(r["received"]) > 0.5]
        tables.append(_table(_text("report.parties_caption", lang, mu),
                             [(labels.label("party", lang), False),
                              (labels.label("paid", lang), True),
                              (labels.label("received", lang), True),
                              (labels.label("net", lang), True)], prow))
    return {"id": "funding", "title": text("report.sec_funding", lang), "story": [story],
            "tables": tables[:1], "charts": _charts_for(["waterfall", "parties"], images, lang),
            "after": tables[1:]}


def _years_section(result: "Result", lang: str, images: Mapping[str, str],
                   mu: str = "CNY") -> dict:
    sc = result.scenario
    s = result.summary()["mean"]
    yearly = result.yearly()
    fee = sc.operations.property_fee
    fee_unit = labels.unit("CNY/household/month" if fee.per_household else "CNY/m²/month", lang)
    rate = fee.per_household_month if fee.per_household else fee.rate_per_m2_month
    fee_text = (f"{_rate(rate)} {fee_unit}" if isinstance(rate, (int, float))
                else text("report.uncertain_fee", lang))
    surplus = float(s["operating_surplus_first_year"])
    story = _text("report.years_story", lang, mu, ("surplus", "npv", "balance"),
                  year=int(yearly["calendar_year"].iloc[0]),
                  sign=text("report.surplus" if surplus >= 0 else "report.deficit", lang),
                  surplus=_sum(abs(surplus), mu), horizon=sc.horizon_years,
                  npv=_sum(s["npv_operations"], mu),
                  balance=_sum(s["cumulative_balance_final"], mu),
               breakeven=_rate(s["breakeven_fee_rate"]), fee_unit=fee_unit, fee=fee_text)
    lines = [ln for ln in _YEARLY_LINES if ln in yearly.columns]
    sign = {"operating_cost": -1, "vat": -1}
    rows = []
    for year, r in yearly.iterrows():
        rows.append(_row(int(r["calendar_year"]),
                         *(_sum(sign.get(ln, 1) * r[ln], mu) for ln in lines)))
    caption = _text("report.yearly_caption_mc" if result.n_draws > 1
                    else "report.yearly_caption", lang, mu)
    table = _table(caption, [(labels.label("calendar_year", lang), False)]
                   + [(labels.label(ln, lang), True,
                       ln in ("operating_surplus", "cumulative_balance")) for ln in lines], rows)
    if "net_cash_flow" in yearly.columns:       # financing on the account: the fees' basis
        story += " " + text("operations.breakeven_basis", lang)
    return {"id": "years", "title": text("report.sec_years", lang), "story": [story],
            "tables": [table],
            "charts": _charts_for(["fan:cumulative_balance", "fan:operating_surplus"], images,
                                  lang)}


def _sure_section(result: "Result", lang: str, images: Mapping[str, str],
                  mu: str = "CNY") -> dict:
    s = result.summary()
    probs = result.probabilities()
    metrics = [m for m in _KEY_METRICS if m in s.index]
    if result.info.get("kind") != "monte_carlo":
        rows = [_row(labels.label(m, lang),
                     text("report.yes" if r["outcome"] else "report.no", lang),
                     cls="bad" if r["outcome"] else "") for m, r in probs.iterrows()]
        return {"id": "sure", "title": text("report.sec_sure", lang),
                "story": [text("report.sure_det", lang)],
                "tables": [_table(text("report.outcome_caption", lang),
                                  [(labels.label("question", lang), False),
                                   (labels.label("outcome", lang), True)], rows)],
                "charts": []}
    prow = [_row(labels.label(m, lang), _pct(r["probability"]), f"± {_pct(r['mcse'])}")
            for m, r in probs.iterrows()]
    notes = []
    krow = []
    for m in metrics:
        r = s.loc[m]
        name = labels.header(m, lang, money_unit=mu)
        undefined = int(r["undefined"])
        if undefined:
            notes.append(text("report.undefined_note", lang, metric=labels.label(m, lang),
                            undefined=f"{undefined:,}", draws=f"{undefined + int(r['n']):,}",
                            when=labels.undefined_when(m, lang)))
            name += f" *{len(notes)}"
        krow.append(_row(name, *(_metric_value(m, r[c], money_unit=mu)
                                 for c in ("mean", "p5", "p50", "p95"))))
    tables = [
        _table(text("report.prob_caption", lang), [(labels.label("question", lang), False),
                                           (labels.label("probability", lang), True),
                                           (labels.label("mcse", lang), True)], prow),
        _table(text("report.key_caption", lang), [(labels.label("metric", lang), False),
                                          (labels.label("mean", lang), True),
                                          (labels.quantile_label("p5", lang), True),
                                          (labels.quantile_label("p50", lang), True),
                                          (labels.quantile_label("p95", lang), True)], krow,
               note=" ".join(f"*{i} {n}" for i, n in enumerate(notes, 1)))]
    return {"id": "sure", "title": text("report.sec_sure", lang),
            "story": [text("report.sure_mc", lang, draws=f"{result.n_draws:,}")], "tables": tables,
            "charts": _charts_for([k for k in CHART_SLOTS if k.startswith(_MC_ONLY)], images,
                                  lang)}


# ---------------------------------------------------------------------------- declared tables
MAX_TABLE_ROWS = 60
"""Most rows of a declared output table the report shows (all are in its CSV file and the
workbook)."""


def _unit_value(x: Any, unit_name: str, name: str = "", money_unit: str = "CNY") -> str:
    """A table's cell in its declared unit's usual format (the column ``name``'s sum of money
    in ``money_unit``)."""
    if isinstance(x, str):
        return x
    if unit_name in ("share", "0/1", "rate", "per year"):
        return _pct(x)
    if unit_name in ("households", "year", "code") or (
            unit_name == "years" and not _nan(x) and float(x).is_integer()):
        return "–" if _nan(x) else f"{float(x):,.0f}" if unit_name == "households" \
            else f"{float(x):.0f}"
    if unit_name.startswith("CNY") and "/m²" not in unit_name and unit_name != "CNY/unit":
        return _sum(x, money_unit) if _is_sum(name, money_unit, unit_name) else _money(x)
    return _rate(x)


def _declared_table_sections(result: "Result", lang: str, mu: str = "CNY") -> list[dict]:
    """A section for every declared output table the run has
    (:data:`fundmodel.catalog.tables.TABLES`): its title, its index and columns labelled
    with their units, the rows its declaration selects (``report_rows``, at most
    :data:`MAX_TABLE_ROWS`), and a note when the file holds more."""
    from ..catalog.tables import TABLES

    sections = []
    for name, frame in result.declared_tables().items():
        declared = TABLES[name]
        shown = frame
        where = []
        for axis, values in declared.report_rows:
            shown = shown[shown.index.get_level_values(axis).isin(values)]
            where.append(f"{labels.label(axis, lang)} {', '.join(map(str, values))}")
        total, shown = len(shown), shown.head(MAX_TABLE_ROWS)
        columns = [(labels.label(axis, lang), False) for axis in declared.axes]
        columns += [(labels.header(c.name, lang, c.unit, money_unit=mu), True)
                    for c in declared.columns]
        rows = []
        for keys, values in zip(shown.index, shown.itertuples(index=False)):
            keys = keys if isinstance(keys, tuple) else (keys,)
            rows.append(_row(*(labels.label(k, lang) if isinstance(k, str) else k
                               for k in keys),
                             *(_unit_value(v, c.unit, c.name, mu)
                               for v, c in zip(values, declared.columns))))
        note = ""
        counts = {"shown": f"{len(shown):,}", "total": f"{len(frame):,}"}
        if len(shown) < len(frame) and where and len(shown) == total:
            note = text("report.table_rows_where", lang,
                        where=text("list.sep", lang).join(where), **counts)
        elif len(shown) < len(frame):
            note = text("report.table_rows_first", lang, **counts)
        sections.append({"id": f"table-{name}", "title": labels.label(name, lang),
                         "story": [], "tables": [_table("", columns, rows, note=note)],
                         "charts": []})
    return sections


# ---------------------------------------------------------------------------- what run prints
_FALLBACK_METRICS = ("fallback_total", "fallback_years", "fallback_max_year",
                     "fallback_needed_max")
"""The street's fallback payments, as ``fundmodel run`` prints them."""

_FUND_METRICS = ("fund_first_deposit", "fund_balance_final", "fund_balance_min",
                 "fund_top_up_total", "percent_funded_final",
                 "level_contribution_baseline_per_m2", "level_contribution_threshold_per_m2",
                 "level_contribution_full_per_m2", "fund_expenditure_pv")
"""The repairs fund's metrics, as ``fundmodel run`` prints them."""

_INSTRUMENT = re.compile(r"^(investor|bundle|debt)\[(.+)\]\.[a-z_]+$", re.DOTALL)

_FISCAL_SKIP = ("discounted", "budget", "exceeds_ceiling")
"""Columns of ``fiscal()`` left out of the report's table (the budget is in its share)."""


def _metric_rows(result: "Result", metrics: Iterable[str], lang: str, mu: str = "CNY"
                 ) -> tuple[list[tuple], list[dict], str]:
    """Columns, rows and note of a table of metrics: the value (one run) or mean, p5, p95
    (many draws), a metric undefined in some draws marked with its note."""
    s = result.summary()
    mc = result.info.get("kind") == "monte_carlo" and result.n_draws > 1
    columns = [(labels.label("metric", lang), False)]
    columns += ([(labels.label("mean", lang), True), (labels.quantile_label("p5", lang), True),
                 (labels.quantile_label("p95", lang), True)] if mc
                else [(labels.label("value", lang), True)])
    rows, notes = [], []
    for m in metrics:
        if m not in s.index:
            continue
        r = s.loc[m]
        part = labels.instrument_part(m, lang)
        name = labels.header(m, lang, money_unit=mu)
        name = name if part is None else name.replace(labels.label(m, lang), part, 1)
        undefined = int(r.get("undefined", 0))
        if undefined:
            notes.append(text("report.undefined_note", lang, metric=part or labels.label(m, lang),
                              undefined=f"{undefined:,}", draws=f"{undefined + int(r['n']):,}",
                              when=labels.undefined_when(m, lang)))
            name += f" *{len(notes)}"
        stats = ("mean", "p5", "p95") if mc else ("mean",)
        rows.append(_row(name, *(_metric_value(m, r[c], not mc, lang, mu) for c in stats)))
    return columns, rows, " ".join(f"*{i} {n}" for i, n in enumerate(notes, 1))


def _households_section(result: "Result", lang: str, mu: str = "CNY") -> dict | None:
    """The residents' votes, what a household pays by floor (CNY) and the payment channels
    (their totals in ``mu``)."""
    if not result.has_households:
        return None
    mc = result.info.get("kind") == "monte_carlo" and result.n_draws > 1
    tables = []
    decisions = result.decisions()
    if len(decisions):
        columns = [(labels.label("decision", lang), False),
                   (labels.label("building", lang), False),
                   (labels.label("households", lang), True)]
        columns += ([(labels.label("p_pass", lang), True), (labels.label("mcse", lang), True)]
                    if mc else [(labels.label("passed", lang), True)])
        columns.append((labels.header("wtp_threshold_cny", lang), True))
        rows = []
        for (decision, building), r in decisions.iterrows():
            cells = [decision, building or text("votes.whole_compound", lang),
                     f"{int(r['households']):,}"]
            if mc:
                cells += [_pct(r["p_pass"]), f"± {_pct(r['mcse'])}"]
                cls = ""
            else:
                cells.append(text("report.yes" if r["passed"] else "report.no", lang))
                cls = "" if r["passed"] else "bad"
            rows.append(_row(*cells, _money(r["wtp_threshold_cny"]), cls=cls))
        legend = (text("votes.legend_mc", lang) if mc else "") + text("votes.legend", lang) \
            + (text("votes.legend_mean", lang) if mc else "") + text("stop", lang)
        tables.append(_table(text("votes.title_mc", lang, draws=result.n_draws) if mc
                             else text("votes.title", lang), columns, rows, note=legend))
    hh = result.households()
    by_building: dict[str, dict[int, str]] = {}
    for (building, floor), r in hh.iterrows():
        by_building.setdefault(str(building), {})[int(floor)] = _money(r["cost_if_built_cny"])
    groups: dict[tuple, list[str]] = {}
    for building, by_floor in by_building.items():
        groups.setdefault(tuple(sorted(by_floor.items())), []).append(building)
    floors = sorted({f for by_floor in by_building.values() for f in by_floor}, reverse=True)
    sep = text("list.sep", lang)
    heads = [sep.join(names) if len(names) <= 3 else
             text("floors.alike", lang, name=names[0], n=len(names) - 1)
             for names in groups.values()]
    rows = [_row(f, *(by_building[names[0]].get(f, "") for names in groups.values()))
            for f in floors]
    note = text("floors.means", lang) if mc else (
        text("floors.voted_down", lang) if any("–" in r["cells"] for r in rows) else "")
    tables.append(_table(text("floors.title", lang),
                         [(labels.label("floor", lang), True)] + [(h, True) for h in heads],
                         rows, note=note))
    channels = result.channels()
    if result.scenario.households.channels is not None \
            and channels.loc["total", "amount_cny"] > 0:
        rows = [_row(labels.label(str(c), lang), _pct(r["takeup"]), _sum(r["amount_cny"], mu),
                     _pct(r["share"]), cls="total" if c == "total" else "")
                for c, r in channels.iterrows()]
        tables.append(_table(text("report.channels_caption", lang),
                             [(labels.label("channel", lang), False),
                              (labels.label("takeup", lang), True),
                              (labels.header("amount_cny", lang, "CNY", money_unit=mu), True),
                              (labels.label("share", lang), True)], rows))
    return {"id": "households", "title": text("report.sec_households", lang),
            "story": [text("report.households_story", lang)], "tables": tables, "charts": []}


def _upkeep_section(result: "Result", lang: str, mu: str = "CNY") -> dict | None:
    """The street's fallback payments and the repairs fund, when the scenario has them."""
    sc = result.scenario
    tables = []
    if sc.operations.fallback is not None:
        payer = labels.label(sc.operations.fallback.payer, lang)
        columns, rows, note = _metric_rows(result, _FALLBACK_METRICS, lang, mu)
        tables.append(_table(text("fallback.title", lang, who=payer), columns, rows, note))
    if sc.repairs_fund is not None:
        columns, rows, note = _metric_rows(result, _FUND_METRICS, lang, mu)
        convention = labels.label(sc.repairs_fund.convention, lang)
        tables.append(_table(text("fund.title", lang, years=sc.horizon_years,
                                  convention=convention), columns, rows, note))
    if not tables:
        return None
    return {"id": "upkeep", "title": text("report.sec_upkeep", lang), "story": [],
            "tables": tables, "charts": []}


def _financing_section(result: "Result", lang: str, mu: str = "CNY") -> dict | None:
    """The investors, bundled projects and debts (their cover year by year) and the
    government's commitments by year."""
    if not result.has_financing:
        return None
    s = result.summary()
    instruments: dict[tuple[str, str], list[str]] = {}
    for name in s.index:
        match = _INSTRUMENT.match(str(name))
        if match is not None:
            instruments.setdefault(match.groups(), []).append(str(name))
    tables = []
    for (kind, who), metrics in instruments.items():
        columns, rows, note = _metric_rows(result, metrics, lang, mu)
        caption = text("report.instrument_caption", lang, kind=labels.label(kind, lang),
                       name=_fill_name(who, lang))
        tables.append(_table(caption, columns, rows, note))
    if "coverage_all_debts" in s.index:                 # every debt together (issue 19)
        columns, rows, note = _metric_rows(result, ["coverage_all_debts"], lang, mu)
        tables.append(_table(labels.label("coverage_all_debts", lang), columns, rows, note))
    debt = result.debt()
    if len(debt):
        lines = [c for c in ("interest", "principal", "debt_service", "balance", "cfads")
                 if c in debt.columns]
        rows = []
        for (name, _), r in debt.iterrows():
            dscr = r.get("dscr", math.nan)
            rows.append(_row(_fill_name(str(name), lang), int(r["calendar_year"]),
                             *(_sum(r[c], mu) for c in lines), _rate(dscr),
                             cls="bad" if not _nan(dscr) and dscr < 1 else ""))
        tables.append(_table(_text("report.debt_caption", lang, mu),
                             [(labels.label("debt", lang), False),
                              (labels.label("calendar_year", lang), False)]
                             + [(labels.label(c, lang), True) for c in lines]
                             + [(labels.label("dscr", lang), True)], rows))
    fiscal = result.fiscal()
    columns = [c for c in fiscal.columns if c not in _FISCAL_SKIP
               and _numeric(fiscal[c]) and (fiscal[c] != 0).any()]
    level = result.scenario.fiscal.level if result.scenario.fiscal else None
    level = text("fiscal.all_levels", lang) if level is None else labels.label(level, lang)
    rows = [_row(int(year), *(_pct(r[c]) if c == "budget_share" else _sum(r[c], mu)
                              for c in columns),
                 cls="bad" if bool(r.get("exceeds_ceiling", False)) else "")
            for year, r in fiscal.iterrows()]
    caption = _text("fiscal.title_mean" if result.n_draws > 1 else "fiscal.title", lang, mu,
                    level=level, pv=_sum(fiscal.attrs.get("pv_commitments"), mu))
    tables.append(_table(caption, [(labels.label("calendar_year", lang), False)]
                         + [(labels.label(c, lang), True, c == "net_commitment")
                            for c in columns], rows))
    return {"id": "financing", "title": text("report.sec_financing", lang),
            "story": [text("report.financing_story", lang)], "tables": tables, "charts": []}


def _numeric(column) -> bool:
    """Whether a column holds numbers (not yes/no flags)."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _fill_name(name: str, lang: str) -> str:
    """An instrument's label as written, or a funding source's label (``bank_loan #2``)."""
    return labels.label(name, lang)


def _drivers_section(drivers: "pd.DataFrame", lang: str, images: Mapping[str, str],
                     scenario=None, mu: str = "CNY") -> dict:
    metric = str(drivers.attrs.get("metric", ""))
    order = drivers["swing"].abs().sort_values(ascending=False).index
    rows = []
    for path in order:
        r = drivers.loc[path]
        leaf = str(path).rpartition(".")[2]
        value = _pct if labels.field_unit(leaf) == "share" else _plain
        rows.append(_row(labels.input_label(str(path), lang, scenario), value(float(r["low_value"])),
                         value(float(r["high_value"])),
                         _metric_value(metric, r["metric_low"], money_unit=mu),
                         _metric_value(metric, r["metric_high"], money_unit=mu),
                         _metric_value(metric, abs(r["swing"]), money_unit=mu)))
    metric_label = labels.label(metric, lang) if metric else ""
    table = _table(labels.header(metric, lang, money_unit=mu) if metric else "",
                   [(labels.label("input", lang), False), (labels.label("low", lang), True),
                    (labels.label("high", lang), True),
                    (f"{metric_label} · {labels.label('low', lang)}", True),
                    (f"{metric_label} · {labels.label('high', lang)}", True),
                    (labels.label("swing", lang), True)], rows,
                   note="" if mu == "CNY" else text("report.terms_in_cny", lang))
    charts = _charts_for(["tornado"], images, lang)
    for chart in charts:
        chart["caption"] = text("report.chart_tornado", lang, metric=metric_label)
    return {"id": "drivers", "title": text("report.sec_drivers", lang),
            "story": [text("report.drivers_story", lang, metric=metric_label)], "tables": [table],
            "charts": charts}


def _rules_tables(sc, lang: str, mu: str = "CNY") -> list[dict]:
    """The funding rules with their terms, and the fee, income and cost lines with theirs
    (their amounts in CNY, said in a note when sums of money are shown in ``mu``)."""
    note = "" if mu == "CNY" else text("report.terms_in_cny", lang)
    tables = []
    rrow = [_row(labels.label(lbl, lang), labels.label(rule.source, lang), labels.label(rule.payer, lang),
                 _terms(rule, lang))
            for rule, lbl in zip(sc.funding, sc.funding_labels())]
    tables.append(_table(text("report.rules_caption", lang), [
        (labels.label("label", lang), False), (labels.label("source", lang), False),
        (labels.label("payer", lang), False), (text("report.terms", lang), False)], rrow,
        note=note))
    ops = sc.operations
    orow = [_row(text("report.fee_row", lang), _terms(ops.property_fee, lang))]
    for line in ops.income:
        orow.append(_row(labels.label(f"income[{line.name}]", lang), _terms(line, lang)))
    for line in ops.costs:
        orow.append(_row(labels.label(f"cost[{line.name}]", lang), _terms(line, lang)))
    tables.append(_table(text("report.fees_caption", lang), [(labels.label("line", lang), False),
                                                     (text("report.terms", lang), False)], orow,
                         note=note))
    return tables


def _assumptions_section(result: "Result", lang: str, mu: str = "CNY") -> dict:
    sc = result.scenario
    items = result.items()
    irow = [_row(name, labels.label(r["tier"], lang), _plain(float(r["quantity"])), r["unit"],
                 _money(r["unit_cost"]), _pct(r["contingency"]), _sum(r["cost"], mu))
            for name, r in items.iterrows()]
    irow.append(_row(labels.label("total", lang), "", "", "", "", "",
                     _sum(items["cost"].sum(), mu), cls="total"))
    tables = [_table(text("report.items_caption", lang), [
        (labels.label("item", lang), False), (labels.label("tier", lang), False),
        (labels.label("quantity", lang), True), (labels.label("unit", lang), False),
        (labels.header("unit_cost", lang, "CNY"), True),
        (labels.label("contingency", lang), True),
        (labels.header("cost", lang, "CNY", money_unit=mu), True)],
        irow)]
    # the distributions of uncertain items are among the terms below when they matter
    tables += _rules_tables(sc, lang, mu)
    ops = sc.operations
    s = result.summary()["mean"]
    prow = [
        _row(labels.label("start_year", lang), sc.start_year),
        _row(labels.label("horizon_years", lang),
             f"{sc.horizon_years} {labels.unit('years', lang)}"),
        _row(labels.label("discount_rate", lang), _describe_pct(sc.discount_rate, lang)),
        _row(labels.label("inflation", lang), _describe_pct(sc.inflation, lang)),
        _row(labels.label("discount_rate_nominal", lang), _pct(s["discount_rate_nominal"])),
        _row(labels.label("management_margin", lang),
             _describe_pct(ops.management_margin, lang)),
        _row(labels.label("vat_rate", lang), _describe_pct(ops.vat_rate, lang)),
    ]
    tables.append(_table(text("report.params_caption", lang),
                         [(text("report.parameter", lang), False),
                          (labels.label("value", lang), True)],
                         prow))
    return {"id": "assumptions", "title": text("report.sec_assumptions", lang), "story": [],
            "tables": tables, "charts": []}


def _describe_pct(value: Any, lang: str) -> str:
    return _describe_value(value, lang, field="share")


def _record_section(result: "Result", lang: str, record: Mapping[str, Any]) -> dict:
    kind = str(record.get("kind") or "")
    rows = [
        _row(text("report.rec_version", lang), record.get("fundmodel_version")),
        _row(text("report.rec_file", lang), record.get("scenario_file") or "–"),
        _row(text("report.rec_sha", lang), record.get("scenario_sha256") or "–"),
        _row(text("report.rec_set", lang),
             " ".join(record.get("set") or ()) or text("report.none", lang)),
        _row(text("report.rec_kind", lang), labels.label(kind, lang)),
        _row(text("report.rec_draws", lang), f"{int(record.get('draws') or result.n_draws):,}"),
    ]
    if kind in ("monte_carlo", "portfolio"):
        rows += [_row(text("report.rec_seed", lang), record.get("seed")),
                 _row(text("report.rec_sampler", lang),
                      labels.label(str(record.get("sampler")), lang))]
    rows.append(_row(text("report.rec_time", lang), record.get("time_utc")))
    warnings = record.get("warnings") or []
    if warnings:
        rows.append(_row(text("report.rec_warnings", lang),
                         "; ".join(labels.relabel(w, lang) for w in warnings)))
    table = _table("", [("", False), ("", False)], rows)
    table["kv"] = True
    return {"id": "record", "title": text("report.sec_record", lang), "story": [],
            "tables": [table], "charts": []}


# ---------------------------------------------------------------------------- charts
def _png_bytes(chart: Any, slot: str) -> bytes:
    """A chart as PNG bytes: bytes are checked to be a PNG; a matplotlib Figure is saved."""
    if isinstance(chart, (bytes, bytearray, memoryview)):
        data = bytes(chart)
        if not data.startswith(PNG_SIGNATURE):
            raise FundmodelError(f"chart {slot!r}: the bytes given are not a PNG image")
        return data
    if hasattr(chart, "savefig"):
        buffer = io.BytesIO()
        chart.savefig(buffer, format="png", dpi=144, bbox_inches="tight",
                      facecolor="white")
        return buffer.getvalue()
    raise FundmodelError(f"chart {slot!r}: expected a matplotlib Figure or PNG bytes, got "
                         f"{type(chart).__name__}")


def _images(charts: Mapping[str, Any] | None) -> dict[str, str]:
    """Slot → ``data:image/png;base64,...`` for every chart given."""
    images = {}
    for slot, chart in (charts or {}).items():
        if chart is None:
            continue
        if slot not in CHART_SLOTS:
            raise FundmodelError(f"unknown chart slot {slot!r}: use one of "
                                 f"{', '.join(CHART_SLOTS)}")
        data = base64.b64encode(_png_bytes(chart, slot)).decode("ascii")
        images[slot] = f"data:image/png;base64,{data}"
    return images


def collect_charts(result: "Result", lang: str = "en",
                   drivers: "pd.DataFrame | None" = None) -> dict[str, Any]:
    """The report's charts from ``result.plot`` (:data:`CHART_SLOTS`), if the result has one.

    ``histogram`` and ``cdf`` are drawn for a Monte Carlo run only, ``tornado`` only with
    ``drivers``. A chart the plotting layer refuses (FundmodelError or ValueError: e.g. no
    bands in this run) is left out and logged. Returns ``{}`` when there is no ``plot``.
    """
    labels.check_lang(lang)
    plot = getattr(result, "plot", None)
    if plot is None:
        return {}
    monte_carlo = result.info.get("kind") == "monte_carlo" and result.n_draws > 1
    charts: dict[str, Any] = {}
    for slot, (method, args) in CHART_SLOTS.items():
        if slot.startswith(_MC_ONLY) and not monte_carlo:
            continue
        if method == "tornado":
            if drivers is None or not len(drivers):
                continue
            args = (drivers,)
        draw = getattr(plot, method, None)
        if draw is None:
            continue
        try:
            charts[slot] = draw(*args, lang=lang)
        except (FundmodelError, ValueError) as exc:
            log.warning("report: no %s chart: %s", slot, exc)
    return charts


# ---------------------------------------------------------------------------- the page
def report_template():
    try:
        import jinja2
    except ImportError:
        raise FundmodelError("the HTML report needs Jinja2: pip install "
                             "'fundmodel[report]'") from None
    env = jinja2.Environment(loader=jinja2.PackageLoader("fundmodel.export", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    return env.get_template("report.html.j2")


def render_report(result: "Result", *, lang: str = "en",
                  charts: Mapping[str, Any] | None = None,
                  drivers: "pd.DataFrame | None" = None,
                  scenario_file: str | os.PathLike | None = None,
                  scenario_sha256: str | None = None,
                  overrides: Iterable[str] = (), money_unit: str = "CNY") -> str:
    """The report of a run as the text of one self-contained HTML page.

    Sections: the compound and the run; the funding mix and the gap (funding table, parties'
    totals); the operation year by year (the key lines of the operating statement, means over
    the draws for many); how sure it is (probabilities and p5/p50/p95 of the key metrics for a
    Monte Carlo run, the base case's outcomes for a deterministic one); what drives it (only
    with ``drivers``); the assumptions (items, funding rules, fee, income and costs, key
    parameters); the run record (:func:`fundmodel.export.files.run_record`). Every label is
    :mod:`fundmodel.labels`' in ``lang``; the user's own names are shown as written, escaped.

    Parameters
    ----------
    result : Result
        The run (:func:`fundmodel.evaluate` or :func:`fundmodel.simulate`).
    lang : {'en', 'zh'}
        Language of the labels and text.
    charts : mapping of str to Figure or bytes, optional
        Slot (:data:`CHART_SLOTS`) → a matplotlib Figure (saved as PNG at 144 dpi) or PNG
        bytes; embedded as ``data:`` URIs. Slots without a chart are left out.
    drivers : DataFrame, optional
        A tornado table (index input path; columns ``low_value``, ``high_value``,
        ``metric_low``, ``metric_high``, ``base``, ``swing``; ``attrs["metric"]``).
    scenario_file, scenario_sha256, overrides
        For the run record (the file's SHA-256 is computed if not given).
    money_unit : {'CNY', '万元'}
        The unit of the sums of money of the tables, cards and sentences (万元: divided by
        10,000, two decimals, headed 万元, by :func:`fundmodel.labels.money_scale`); amounts per
        household, m², month or unit stay in CNY.

    Raises
    ------
    FundmodelError
        Jinja2 missing, a chart that is neither a Figure nor PNG bytes, an unknown slot.
    """
    from .files import run_record

    labels.check_lang(lang)
    mu = labels.check_money_unit(money_unit)
    template = report_template()
    images = _images(charts)
    record = run_record(result, (), scenario_file=scenario_file,
                        scenario_sha256=scenario_sha256, overrides=overrides)
    sections = [_funding_section(result, lang, images, mu), _households_section(result, lang, mu),
                _years_section(result, lang, images, mu), _upkeep_section(result, lang, mu),
                _financing_section(result, lang, mu), _sure_section(result, lang, images, mu)]
    sections = [section for section in sections if section is not None]
    sections += _declared_table_sections(result, lang, mu)
    if drivers is not None and len(drivers):
        sections.append(_drivers_section(drivers, lang, images, result.scenario, mu))
    sections += [_assumptions_section(result, lang, mu), _record_section(result, lang, record)]
    for section in sections:
        section.setdefault("after", [])
        section.setdefault("after_charts", [])
    return template.render(lang_attr=text("report.lang_attr", lang), lang=lang,
                           head=_header_block(result, lang, mu), sections=sections,
                           footer=_text("report.footer", lang, mu,
                                        version=record["fundmodel_version"]))


def write_report(result: "Result", path: str | os.PathLike, **options: Any) -> Path:
    """Render the report (:func:`render_report`, ``options`` passed on) and write it to
    ``path`` atomically (UTF-8). Returns the path."""
    from .files import write_text_atomic

    write_text_atomic(path, render_report(result, **options))
    return Path(path)


# ---------------------------------------------------------------------------- the district
MAX_COMPOUND_ROWS = 60
"""Most compounds the district report lists (all are in the workbook and compounds.csv)."""

_COMPOUND_METRICS = ("capex_total", "funding_gap", "government_cost", "breakeven_fee_rate")
"""The per-compound means the district report shows (those the run has)."""

DISTRICT_CHART_SLOTS = ("plan", "outlay")
"""The district report's chart slots (``result.plot.plan()`` and ``outlay()``)."""


def _district_record(result: "PortfolioResult", scenario_file, scenario_sha256,
                     overrides) -> dict[str, Any]:
    from datetime import datetime, timezone

    from .. import __version__
    from .files import file_sha256

    if scenario_file is not None and scenario_sha256 is None:
        try:
            scenario_sha256 = file_sha256(scenario_file)
        except OSError:
            scenario_sha256 = None
    info = result.info
    return {"fundmodel_version": __version__,
            "time_utc": datetime.now(timezone.utc).isoformat(timespec="seconds").replace(
                "+00:00", "Z"),
            "scenario_file": None if scenario_file is None else os.fspath(scenario_file),
            "scenario_sha256": scenario_sha256, "set": list(overrides), "kind": "portfolio",
            "draws": info.get("draws", len(result.district)), "seed": info.get("seed"),
            "sampler": info.get("sampler"), "warnings": list(info.get("warnings") or ())}


def _district_head(result: "PortfolioResult", scenario, lang: str,
                   mu: str = "CNY") -> dict[str, Any]:
    s = result.summary()
    households = int(result.compounds["households"].sum())
    title = scenario.title or scenario.name
    info = result.info
    facts = text("report.district_facts", lang, compounds=f"{len(result.compounds):,}",
                 households=f"{households:,}")
    run = text("report.run_mc", lang, draws=f"{int(info.get('draws', len(result.district))):,}",
               sampler=labels.label(str(info.get("sampler")), lang), seed=info.get("seed"))
    cards = []
    for metric in ("capex_total", "funding_gap", "government_cost", "operating_subsidy_pv"):
        if metric in s.index:
            value = float(s.loc[metric, "mean"])
            cls = "bad" if metric == "funding_gap" and value > 0.5 else ""
            cards.append({"label": labels.header(metric, lang, "CNY", money_unit=mu),
                          "value": _sum(value, mu),
                          "cls": cls, "sub": text("report.per_household_card", lang,
                                                  value=_money(value / max(households, 1)))})
    doc_title = text("report.district_title", lang, title=title)
    return {"title": title, "doc_title": doc_title, "compound": scenario.name,
            "facts": facts, "run": run, "cards": cards}


def _plan_section(plan, scenario, lang: str, images: Mapping[str, str],
                  mu: str = "CNY") -> dict:
    if plan is None:
        return {"id": "plan", "title": text("report.sec_plan", lang),
                "story": [text("report.no_plan", lang)], "tables": [],
                "charts": _charts_for_district(["plan"], images, lang)}
    households = dict(zip(map(str, scenario.portfolio.table.ids),
                          scenario.portfolio.table.households))
    planned = plan.table.dropna(subset=["start_year"])
    rows = []
    for year, group in planned.groupby("start_year"):
        rows.append(_row(int(year), f"{len(group):,}",
                         f"{int(sum(households.get(str(i), 0) for i in group['id'])):,}",
                         _sum(group["cost_cny"].sum(), mu)))
    status = labels.text(f"plan.{plan.status}", lang) if f"plan.{plan.status}" in labels.TEXT \
        else plan.status
    story = text("report.plan_story", lang, n=f"{int(len(planned)):,}",
                 total=f"{len(plan.table):,}", status=status)
    tables = [_table(text("district.plan", lang),
                     [(labels.label("start_year", lang), False),
                      (labels.label("compounds", lang), True),
                      (labels.label("households", lang), True),
                      (labels.header("cost_cny", lang, "CNY", money_unit=mu), True)], rows)]
    budget = plan.budget_use
    brow = [_row(labels.label(r["level"], lang), int(r["year"]), _sum(r["budget_cny"], mu)
                 if math.isfinite(r["budget_cny"]) else "∞", _sum(r["used_cny"], mu),
                 _pct(r["share"]), *([_pct(r["overrun_probability"])]
                                     if "overrun_probability" in budget.columns else []))
            for _, r in budget.iterrows()
            if math.isfinite(r["budget_cny"]) or r["used_cny"] > 0.5]  # an unused level: out
    columns = [(labels.label("level", lang), False), (labels.label("calendar_year", lang), False),
               (labels.label("budget_cny", lang), True), (labels.label("used_cny", lang), True),
               (labels.label("share", lang), True)]
    if "overrun_probability" in budget.columns:
        columns.append((labels.label("overrun_probability", lang), True))
    tables.append(_table(_text("report.budget_caption", lang, mu), columns, brow))
    return {"id": "plan", "title": text("report.sec_plan", lang), "story": [story],
            "tables": tables[:1], "charts": _charts_for_district(["plan"], images, lang),
            "after": tables[1:]}


def _outlay_section(result: "PortfolioResult", lang: str, images: Mapping[str, str],
                    mu: str = "CNY") -> dict:
    outlay = result.outlay()
    rows = [_row(labels.label(r["level"], lang), int(r["year"]), _sum(r["mean_cny"], mu),
                 _sum(r["p05_cny"], mu), _sum(r["p50_cny"], mu), _sum(r["p95_cny"], mu))
            for _, r in outlay.iterrows() if r["mean_cny"] > 0]
    table = _table(_text("report.outlay_caption", lang, mu),
                   [(labels.label("level", lang), False),
                    (labels.label("calendar_year", lang), False),
                    (labels.label("mean", lang), True),
                    (labels.quantile_label("p5", lang), True),
                    (labels.quantile_label("p50", lang), True),
                    (labels.quantile_label("p95", lang), True)], rows)
    return {"id": "outlay", "title": text("report.sec_outlay", lang), "story": [],
            "tables": [table], "charts": _charts_for_district(["outlay"], images, lang)}


def _summary_section(ident: str, summary, caption: str, quantiles: tuple[str, str, str],
                     shown_as: Callable[[str], Callable[[Any], str]], lang: str,
                     mu: str = "CNY") -> dict:
    """A section of one table: each metric of ``summary`` (a row) with its mean and three
    quantiles (the ``summary``'s column names), formatted as ``shown_as(unit)`` says (a sum
    of money in ``mu``)."""
    rows = []
    for metric, r in summary.iterrows():
        unit = labels.describe_unit(str(metric))
        shown = shown_as(unit)
        if _is_sum(str(metric), mu):
            shown = functools.partial(_sum, money_unit=mu)
        rows.append(_row(labels.header(str(metric), lang, "" if unit == "0/1" else None,
                                       money_unit=mu),
                         *(shown(r[c]) for c in ("mean", *quantiles))))
    table = _table(caption,
                   [(labels.label("metric", lang), False), (labels.label("mean", lang), True),
                    (labels.quantile_label("p5", lang), True),
                    (labels.quantile_label("p50", lang), True),
                    (labels.quantile_label("p95", lang), True)], rows)
    return {"id": ident, "title": text(f"report.sec_{ident}", lang), "story": [],
            "tables": [table], "charts": []}


def _district_totals_section(result: "PortfolioResult", lang: str, mu: str = "CNY") -> dict:
    return _summary_section("district", result.summary(),
                            _text("report.district_caption", lang, mu), ("p05", "p50", "p95"),
                            lambda unit: _rate if unit.startswith("CNY/m²") else _money, lang,
                            mu)


def _programme_section(result: "PortfolioResult", lang: str, mu: str = "CNY") -> dict | None:
    """The pooled instruments' metrics over the draws (``programme_summary()``); None
    without a pooled instrument."""
    if not len(result.programme.columns):
        return None
    return _summary_section("programme", result.programme_summary(),
                            text("report.programme_caption", lang), ("p5", "p50", "p95"),
                            lambda unit: _money if unit == "CNY" else (
                                _pct if unit == "0/1" else _rate), lang, mu)


def _compounds_section(result: "PortfolioResult", lang: str, mu: str = "CNY") -> dict:
    frame = result.compounds
    metrics = [m for m in _COMPOUND_METRICS if f"{m}_mean" in frame.columns]
    rows = []
    for _, r in frame.head(MAX_COMPOUND_ROWS).iterrows():
        start = r.get("start_year")
        rows.append(_row(r["id"], r["name"], r["street"], f"{int(r['households']):,}",
                         "–" if _nan(start) or start < 0 else int(start),
                         *((_rate(r[f"{m}_mean"]) if m.startswith("breakeven")
                            else _sum(r[f"{m}_mean"], mu) if _is_sum(m, mu)
                            else _money(r[f"{m}_mean"])) for m in metrics)))
    note = "" if len(frame) <= MAX_COMPOUND_ROWS else text(
        "report.compounds_more", lang, shown=MAX_COMPOUND_ROWS, total=len(frame))
    table = _table(text("report.compounds_caption", lang),
                   [(labels.label("id", lang), False), (labels.label("name", lang), False),
                    (labels.label("street", lang), False),
                    (labels.label("households", lang), True),
                    (labels.label("start_year", lang), True)]
                   + [(labels.header(m, lang, money_unit=mu), True) for m in metrics], rows,
                   note=note)
    return {"id": "compounds", "title": text("report.sec_compounds", lang), "story": [],
            "tables": [table], "charts": []}


def _charts_for_district(slots: Iterable[str], images: Mapping[str, str], lang: str) -> list:
    return [{"slot": slot, "src": images[slot], "caption": labels.label(slot, lang)
             if slot not in labels.CHARTS else labels.CHARTS[slot].get(lang)}
            for slot in slots if slot in images]


def collect_district_charts(result: "PortfolioResult", lang: str = "en") -> dict[str, Any]:
    """The district report's charts (:data:`DISTRICT_CHART_SLOTS`) from ``result.plot``; a
    chart the plotting layer refuses is left out and logged."""
    labels.check_lang(lang)
    charts: dict[str, Any] = {}
    for slot in DISTRICT_CHART_SLOTS:
        try:
            charts[slot] = getattr(result.plot, slot)(lang=lang)
        except (FundmodelError, ValueError, ImportError) as exc:
            log.warning("report: no %s chart: %s", slot, exc)
    return charts


def render_district_report(result: "PortfolioResult", scenario, *, lang: str = "en",
                           plan=None, charts: Mapping[str, Any] | None = None,
                           scenario_file: str | os.PathLike | None = None,
                           scenario_sha256: str | None = None,
                           overrides: Iterable[str] = (), money_unit: str = "CNY") -> str:
    """The report of a district run (:func:`fundmodel.portfolio.simulate_portfolio`) as the
    text of one self-contained HTML page.

    Sections: the phased plan (compounds and households started per year, the budget used by
    level and year; with ``plan``, a :func:`~fundmodel.portfolio.plan_portfolio` result), the
    fiscal outlay by level and year (mean, p5, p50, p95), the district's totals, the
    programme's pooled instruments (with one), the compounds (the first :data:`MAX_COMPOUND_ROWS`), the rules every compound runs under
    (funding rules, fee, income and costs of ``scenario``) and the run record. ``charts``:
    slot (:data:`DISTRICT_CHART_SLOTS`) → a matplotlib Figure or PNG bytes. ``money_unit``:
    the unit of the sums of money (:func:`render_report`).
    """
    labels.check_lang(lang)
    mu = labels.check_money_unit(money_unit)
    overrides = list(overrides)
    template = report_template()
    images = {}
    for slot, chart in (charts or {}).items():
        if chart is None:
            continue
        if slot not in DISTRICT_CHART_SLOTS:
            raise FundmodelError(f"unknown chart slot {slot!r}: use one of "
                                 f"{', '.join(DISTRICT_CHART_SLOTS)}")
        images[slot] = ("data:image/png;base64,"
                        + base64.b64encode(_png_bytes(chart, slot)).decode("ascii"))
    record = _district_record(result, scenario_file, scenario_sha256, overrides)
    rules = {"id": "assumptions", "title": text("report.sec_assumptions", lang), "story": [],
             "tables": _rules_tables(scenario, lang, mu), "charts": []}
    sections = [_plan_section(plan, scenario, lang, images, mu),
                _outlay_section(result, lang, images, mu),
                _district_totals_section(result, lang, mu),
                _programme_section(result, lang, mu), _compounds_section(result, lang, mu), rules,
                _record_section(_DistrictDraws(record["draws"]), lang, record)]
    sections = [section for section in sections if section is not None]
    for section in sections:
        section.setdefault("after", [])
        section.setdefault("after_charts", [])
    return template.render(lang_attr=text("report.lang_attr", lang), lang=lang,
                           head=_district_head(result, scenario, lang, mu), sections=sections,
                           footer=_text("report.footer", lang, mu,
                                        version=record["fundmodel_version"]))


class _DistrictDraws:
    """What the run record reads of a result: its number of draws."""

    def __init__(self, n_draws: int):
        self.n_draws = n_draws


def write_district_report(result: "PortfolioResult", scenario, path: str | os.PathLike,
                          **options: Any) -> Path:
    """Render the district report (:func:`render_district_report`, ``options`` passed on) and
    write it to ``path`` atomically (UTF-8). Returns the path."""
    from .files import write_text_atomic

    write_text_atomic(path, render_district_report(result, scenario, **options))
    return Path(path)
