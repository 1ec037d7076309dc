"""The results of a run as an Excel workbook, for analysts: assumptions, summary with its
confidence, funding, cash flows by party and year, the operating statement, Monte Carlo
percentiles and a sample of the draws (plus the fiscal, debt and households' tables when the run
has them), labelled in English or Chinese.

Every sheet is a stack of :class:`Table` written by one function, :func:`write_table`: a
DataFrame of the result's identifiers, its labels and units from :mod:`fundmodel.labels`, its
number formats from the units (``#,##0`` for CNY, ``0.0%`` for shares, ``0.00`` for fee
rates). The numbers are the result tables' own, unrounded (formats only change what is shown);
with ``money_unit="万元"`` the sums of money are divided by 10,000 (``#,##0.00``, headed 万元:
:func:`table_in_money_unit`).

openpyxl is imported on first use (the ``excel`` extra).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import FundmodelError
from ..labels import (SUMS_OF_MONEY, check_lang, check_money_unit, describe_unit, field_label,
                      field_unit, header, in_money_unit, label, localize, money_scale, unit)
from .files import write_file_atomic
from .words import describe

if TYPE_CHECKING:  # pragma: no cover
    from ..catalog import Output
    from ..portfolio import PortfolioResult
    from ..results.result import Result
    from ..scenario import Scenario

__all__ = ["Table", "table_in_money_unit", "write_workbook", "workbook_sheets",
           "assumptions_table", "number_format",
           "declared_units",
           "MAX_SHEET_NAME", "district_sheets", "write_district_workbook"]

MAX_SHEET_NAME = 31
"""Excel's longest sheet name."""

CI_Z = 1.96
"""The 95 % confidence interval of a mean is mean ± 1.96 mcse (normal approximation)."""

_COUNT = "count"
"""Unit of the columns shown as whole numbers without a unit in the header (draws, n)."""


def number_format(unit_name: str) -> str | None:
    """The Excel number format of a value in ``unit_name`` (a unit of the catalogue), or None
    for Excel's General format.

    CNY amounts ``#,##0`` (the cell keeps every digit); fee rates (CNY/m²/month, CNY per
    household per month) and ratios ``0.00``; unit costs ``#,##0.00``; shares and 0/1 means (probabilities)
    ``0.0%``; rates per year ``0.00%``; counts and codes ``0``; years ``0.0`` (a mean over
    draws).
    """
    if unit_name in ("share", "0/1"):
        return "0.0%"
    if unit_name in ("per year", "rate"):
        return "0.00%"
    if unit_name in ("code", "households", _COUNT):
        return "0"
    if unit_name in ("year", "years"):  # means over draws are fractional
        return "0.0"
    if unit_name == "CNY/unit":  # a lift's 680,000.00 and a m²'s 85.50 alike
        return "#,##0.00"
    if unit_name in ("ratio", "CNY/m²") or unit_name.startswith("CNY/m²/") \
            or unit_name == "CNY/household/month":
        return "0.00"
    if unit_name.startswith("CNY"):
        return "#,##0"
    if unit_name in SUMS_OF_MONEY.values():  # 万元: two decimals (the cell keeps every digit)
        return "#,##0.00"
    return None


@dataclass
class Table:
    """One table of a sheet: a result DataFrame with identifiers (its index is written as the
    first columns), how to label and format it.

    ``title`` is a label key (``table.items``) or None; ``title_unit`` a unit shown after the
    title (a table whose columns are years). ``units`` gives columns' units (shown in the
    header and setting the number format; the catalogue's unit otherwise, see
    :func:`fundmodel.labels.header`); ``row_units`` a unit per row, for tables whose rows are
    metrics or lines (the format of their numeric cells where the column has no unit of its
    own). With ``header_units`` False the headers show no unit (the title says it).
    ``notes`` are label keys or sentences written under the table.
    """

    frame: pd.DataFrame
    title: str | None = None
    units: Mapping[Any, str] = field(default_factory=dict)
    row_units: Sequence[str] | None = None
    title_unit: str | None = None
    header_units: bool = True
    notes: Sequence[str] = ()
    translate_index: bool = True
    """False: the index is written as it is (the assumptions' field paths), not labelled."""


def table_in_money_unit(table: Table, money_unit: str = "CNY") -> Table:
    """``table`` with its sums of money in ``money_unit`` (:func:`fundmodel.labels.
    money_scale`, the rule of every writer), as a new Table: a column of money (its unit in
    ``table.units``, else the catalogue's) divided by 10,000 in 万元 and its unit the shown one
    (``10 thousand CNY``), so are the rows of money of a table with a unit per row (and its
    ``unit`` column) and the title's unit. In CNY, ``table`` itself."""
    if check_money_unit(money_unit) == "CNY":
        return table
    numeric = [c for c in table.frame.columns
               if pd.api.types.is_numeric_dtype(table.frame[c])
               and not pd.api.types.is_bool_dtype(table.frame[c])]
    by_column = numeric if table.row_units is None else [c for c in numeric
                                                          if c in table.units]
    units = {c: table.units.get(c, describe_unit(c) if isinstance(c, str) else "")
             for c in by_column}
    frame = in_money_unit(table.frame, money_unit, units, table.row_units)
    shown = {c: money_scale(c, u, money_unit) for c, u in units.items()}
    units = {**table.units, **{c: s for c, (k, s) in shown.items() if k != 1.0}}
    row_units = table.row_units
    if row_units is not None and set(numeric) - set(table.units):   # rows of numbers
        row_units = [money_scale(name, u or "", money_unit)[1]
                     for name, u in zip(table.frame.index.get_level_values(0), row_units)]
    title_unit = table.title_unit
    if title_unit:
        title_unit = money_scale(None, title_unit, money_unit)[1]
    return replace(table, frame=frame, units=units, row_units=row_units, title_unit=title_unit)


# ---------------------------------------------------------------------------- cells
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars as Python numbers, NaN, ±inf and missing
    values as an empty cell, text without the control characters XML forbids."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return _ILLEGAL.sub("", str(value))


def _put(ws, row: int, column: int, value: Any, *, bold: bool = False,
         number_format: str | None = None):
    """Write one cell. Text is always text: a name starting with ``=`` is not a formula."""
    cell = ws.cell(row=row, column=column)
    value = _cell_value(value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if bold:
        from openpyxl.styles import Font

        cell.font = Font(bold=True)
    if number_format is not None and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def _width(value: Any) -> int:
    """Display width of a cell's text: a CJK character is two columns wide."""
    text = value if isinstance(value, str) else (f"{value:,.2f}" if isinstance(value, float)
                                                  else str(value if value is not None else ""))
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _header(name: Any, lang: str, units: Mapping[Any, str], with_unit: bool) -> str:
    if not isinstance(name, str):
        return str(name)
    given = units.get(name)
    if given is None and with_unit:
        given = describe_unit(name)
    # a share's label says it is one; a count has no unit
    return header(name, lang, "" if given in (_COUNT, "share") or not with_unit else given)


def write_table(ws, table: Table, row: int, lang: str,
                widths: dict[int, int] | None = None) -> tuple[int, int]:
    """Write ``table`` into worksheet ``ws`` from ``row``: its title (bold), its header (bold:
    the index names and columns labelled in ``lang`` with their units), then its rows, with
    identifiers translated (:func:`fundmodel.labels.localize`) and numbers formatted by unit.

    Returns the row of the header and the next free row (one blank row after the table and
    its notes); ``widths`` (column → widest text of the header and rows) is updated.
    """
    widths = {} if widths is None else widths

    def put(r: int, c: int, value: Any, **kwargs):
        cell = _put(ws, r, c, value, **kwargs)
        widths[c] = max(widths.get(c, 0), _width(cell.value))

    frame = table.frame
    if table.title is not None:
        title = label(table.title, lang)
        if table.title_unit:
            shown = unit(table.title_unit, lang)
            title += f"（{shown}）" if lang == "zh" else f" ({shown})"
        _put(ws, row, 1, title, bold=True)
        row += 1
    shown = localize(frame, lang)
    if not table.translate_index:
        shown.index = frame.index
    index_names = [n if n is not None else "" for n in frame.index.names]
    n_index = len(index_names)
    head = [label(n, lang) if n else "" for n in index_names]
    with_units = table.header_units and table.row_units is None  # else a unit per row
    head += [_header(c, lang, table.units, with_units) for c in frame.columns]
    for j, text in enumerate(head, start=1):
        put(row, j, text, bold=True)
    header_row = row
    row += 1
    formats = [None if (u := table.units.get(c, describe_unit(c) if isinstance(c, str) else ""))
               is None else number_format(u) for c in frame.columns]
    row_formats = ([number_format(u or "") for u in table.row_units]
                   if table.row_units is not None else None)
    index_values = (list(shown.index) if n_index > 1 else [(v,) for v in shown.index])
    for i, (keys, values) in enumerate(zip(index_values, shown.itertuples(index=False))):
        for j, key in enumerate(keys, start=1):
            put(row, j, key)
        for j, (column, value) in enumerate(zip(frame.columns, values)):
            fmt = formats[j]
            if row_formats is not None and column not in table.units:
                fmt = row_formats[i]
            if lang != "en" and isinstance(value, (bool, np.bool_)):
                value = _yes_no(bool(value), lang)  # Excel would show TRUE / FALSE
            put(row, n_index + 1 + j, value, number_format=fmt)
        row += 1
    for note in table.notes:
        _put(ws, row, 1, label(note, lang))
        row += 1
    return header_row, row + 1


def _yes_no(value: bool, lang: str) -> str:
    """A yes/no flag in words (a Chinese workbook: 是 / 否)."""
    from ..labels import text

    return text("report.yes" if value else "report.no", lang)


def _sheet_name(key: str, lang: str, taken: set[str]) -> str:
    """The sheet's label, without the characters Excel forbids, at most 31 characters and
    unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", " ", label(key, lang)).strip("' ")[:MAX_SHEET_NAME] or "Sheet"
    base, k = name, 2
    while name.casefold() in taken:
        suffix = f" {k}"
        name = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        k += 1
    taken.add(name.casefold())
    return name


def _write_sheet(wb, key: str, tables: Sequence[Table], lang: str, taken: set[str],
                 notes: Sequence[str] = ()) -> None:
    """A sheet of stacked tables; the first table's header row (and its index columns) is
    frozen, column widths fit the text."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_name(key, lang, taken))
    row = 1
    widths: dict[int, int] = {}
    for k, table in enumerate(tables):
        header_row, row = write_table(ws, table, row, lang, widths)
        if k == 0:
            ws.freeze_panes = ws.cell(row=header_row + 1, column=table.frame.index.nlevels + 1)
    for note in notes:
        _put(ws, row, 1, note)
        row += 1
    for column, width in widths.items():  # titles and notes may run over: not counted
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


# ---------------------------------------------------------------------------- assumptions
def _first_sentence(text: str | None) -> str:
    """The first sentence of a field's docstring, without reStructuredText markup."""
    if not text:
        return ""
    text = " ".join(text.replace("``", "").split())
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch in "([") - (ch in ")]")
        if ch == "." and depth == 0 and text[i + 1:i + 2] in (" ", ""):
            return text[:i]
    return text


def _spec(dist) -> str:
    """A distribution as written: ``triangular(low=0.8, mode=1, high=1.3)``."""
    data = dist.model_dump(mode="json", by_alias=True, exclude_none=True,
                           exclude_defaults=True)
    data.pop("dist", None)

    def show(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, list):
            return "[" + ", ".join(show(v) for v in value[:20]) + (", ..." if len(value) > 20
                                                                      else "") + "]"
        return str(value)

    return f"{dist.dist}({', '.join(f'{k}={show(v)}' for k, v in data.items())})"


def _leaves(model: Any, path: tuple, description: str | None
            ) -> Iterator[tuple[tuple, Any, str | None]]:
    """``(path, value, description)`` for every value set in a scenario: plain values, and
    distributions as one leaf each; paths use the keys as written (aliases)."""
    from pydantic import BaseModel

    from ..inputs.draws import is_distribution

    if model is None:
        return
    if is_distribution(model):
        yield path, model, description
    elif isinstance(model, BaseModel):
        for name, info in type(model).model_fields.items():
            yield from _leaves(getattr(model, name), path + (info.alias or name,),
                               info.description)
    elif isinstance(model, (list, tuple)):
        for i, value in enumerate(model):
            yield from _leaves(value, path + (i,), description)
    elif isinstance(model, Mapping):
        for key, value in model.items():
            yield from _leaves(value, path + (str(key),), description)
    else:
        yield path, model, description


def scenario_positions(scenario_file: str | os.PathLike | None, overrides: Sequence[str]):
    """The scenario file's positions (path → line) as the loader reads them, with the
    ``--set`` changes; None when there is no file or it cannot be read again."""
    if scenario_file is None:
        return None
    from ..errors import ScenarioError
    from ..io.overrides import apply_overrides
    from ..io.yamlio import MAX_TEXT_BYTES, load_yaml_text

    try:
        with open(scenario_file, "rb") as fh:
            text = fh.read(MAX_TEXT_BYTES + 1).decode("utf-8-sig")
        data, positions = load_yaml_text(text, os.fspath(scenario_file))
        if overrides:
            data, positions = apply_overrides(data, positions, list(overrides))
    except (OSError, UnicodeDecodeError, ScenarioError):
        return None
    return positions


def assumptions_table(scenario: "Scenario", scenario_file: str | os.PathLike | None = None,
                      overrides: Sequence[str] = (), lang: str = "en") -> pd.DataFrame:
    """The scenario as a table, one row per value set in it (index ``field``, the dotted path
    as written in the file, e.g. ``renovation.items[2].unit_cost``).

    Columns: ``description`` (the first sentence of the field's docstring; in Chinese the
    catalogue's label of the field, :func:`fundmodel.labels.field_label`; a ``name`` says what
    it names: an item, a building, a vote, a cost line), ``value`` (a number, text, or a
    distribution's spec such as ``triangular(low=90, mode=110, high=150)``; in Chinese in
    words, ``三角分布（低值 90，众数 110，高值 150）``, with yes/no and the values of
    enumerations labelled, :func:`fundmodel.export.words.describe`),
    ``point_estimate`` (the number a deterministic run takes: the value, or the
    distribution's ``simulation.point_estimate``), ``unit`` (from the field name's suffix:
    ``_m2`` m², ``rate_per_m2_month`` CNY/m²/month, ``per_year`` CNY/year, ``_rate`` share...)
    and ``defined_at``: ``file:line`` of the value in ``scenario_file``, ``--set ...`` for a
    value changed by ``overrides``, ``default`` for a value the file does not write (the
    scenario file's name alone, or '', when its positions cannot be read).
    """
    from ..inputs.draws import is_distribution
    from ..io.paths import format_path

    check_lang(lang)
    positions = scenario_positions(scenario_file, overrides)
    how = scenario.simulation.point_estimate
    rows = []
    for path, value, description in _leaves(scenario, (), None):
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        text = _first_sentence(description)
        named = field_label(path, lang)
        if lang == "zh":
            text = named if named != key else ""
        elif named != label(key, lang):  # a name: say what it names
            text = f"{named} — {text}" if text else named
        if is_distribution(value):
            shown = _spec(value) if lang == "en" else describe(value, lang, key)
            point = value.point(how)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = value if isinstance(value, (bool, int, float)) else str(value)
            if lang != "en":  # yes/no, the values of enumerations and input paths in words
                shown = describe(value, lang, key, scenario=scenario)
            point = None
        else:
            shown, point = value, value
        if positions is None:
            where = "" if scenario_file is None else os.fspath(scenario_file)
        else:
            pos = positions.get(path)
            if pos is None:
                where = label("note.default", lang)
            elif pos.source is not None:
                where = pos.source
            else:
                where = f"{os.fspath(scenario_file)}:{pos.line}"
        rows.append({"field": format_path(path), "description": text, "value": shown,
                     "point_estimate": point,
                     "unit": field_unit(key) if isinstance(point, (int, float)) else "",
                     "defined_at": where})
    frame = pd.DataFrame(rows, columns=["field", "description", "value", "point_estimate",
                                        "unit", "defined_at"])
    return frame.set_index("field")


# ---------------------------------------------------------------------------- sheets
def _summary(result: "Result", lang: str) -> list[Table]:
    from ..results.result import SUMMARY_COLUMNS

    s = result.summary()
    s.insert(list(s.columns).index("mcse") + 1, "ci_low", s["mean"] - CI_Z * s["mcse"])
    s.insert(list(s.columns).index("ci_low") + 1, "ci_high", s["mean"] + CI_Z * s["mcse"])
    assert set(SUMMARY_COLUMNS) <= set(s.columns)
    counts = {"n": _COUNT, "undefined": _COUNT}
    tables = [Table(s, units=counts, row_units=list(s["unit"]))]
    p = result.probabilities()
    if lang == "zh":  # the questions are in English, with the metrics' identifiers
        p = p.drop(columns="question")
    p_units = {"probability": "share", "mcse": "share", "n": _COUNT}
    tables.append(Table(p, title="table.probabilities", units=p_units))
    return tables


def _run_note(result: "Result", lang: str) -> str:
    info = result.info
    if result.is_deterministic:
        how = info.get("point_estimate") or result.scenario.simulation.point_estimate
        return label("note.run_deterministic", lang).format(how=label(how, lang))
    return label("note.run_monte_carlo", lang).format(
        draws=result.n_draws, seed=info.get("seed"), sampler=info.get("sampler"))


def _breakeven_note(result: "Result", lang: str) -> list[str]:
    """With financing lines on the compound's account, the breakeven fees' basis (after
    financing; ``net_cash_flow_first_year`` is year 1 after financing)."""
    from ..labels import text

    return [text("operations.breakeven_basis", lang)] if "net_cash_flow" in result.yearly() \
        else []


_MONEY = "CNY"


def declared_units(frame: pd.DataFrame,
                   declared: "Mapping[str, Output] | None" = None) -> dict[Any, str]:
    """The units of ``frame``'s numeric columns, as declared: in ``declared`` (a table's
    columns by name), else in :data:`fundmodel.catalog.TABLE_COLUMNS`, else the catalogue's
    (:func:`fundmodel.labels.describe_unit`). A number of households, and a whole-number year
    (a calendar year), are shown as counts."""
    from ..catalog import TABLE_COLUMNS

    units = {}
    for c in frame.columns:
        values = frame[c]
        if not isinstance(c, str) or not pd.api.types.is_numeric_dtype(values) \
                or pd.api.types.is_bool_dtype(values):
            continue
        found = (declared or {}).get(c) or TABLE_COLUMNS.get(c)
        unit_name = found.unit if found is not None else describe_unit(c)
        if unit_name == "households" or (unit_name in ("year", "years")
                                         and pd.api.types.is_integer_dtype(values)):
            unit_name = _COUNT
        units[c] = unit_name
    return units


def _funding(result: "Result") -> list[Table]:
    funding = result.funding()
    items = result.items()
    return [Table(funding, title="table.funding", units=declared_units(funding)),
            Table(items, title="table.items", units=declared_units(items))]


def net_by_party_year(result: "Result") -> pd.DataFrame:
    """The ledger's net flow of each party by calendar year (received − paid, CNY, means over
    draws): rows the parties in the order of :data:`fundmodel.engine.ledger.PARTIES`,
    columns the calendar years with a flow, then ``total`` (which equals
    ``result.parties()["net"]``)."""
    from ..engine.ledger import PARTIES

    cf = result.cashflows()
    flows = pd.concat([
        pd.DataFrame({"party": cf["payer"], "calendar_year": cf["calendar_year"],
                      "net": -cf["amount"]}),
        pd.DataFrame({"party": cf["payee"], "calendar_year": cf["calendar_year"],
                      "net": cf["amount"]})])
    table = flows.pivot_table(index="party", columns="calendar_year", values="net",
                              aggfunc="sum", fill_value=0.0)
    parties = [p for p in PARTIES if p in table.index]
    table = table.loc[parties].astype(float)
    table.columns = [int(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    table.index.name = "party"
    return table


def _cashflows(result: "Result") -> list[Table]:
    net = net_by_party_year(result)
    parties = result.parties()
    government = result.government()
    return [Table(net, title="table.net_by_year", title_unit=_MONEY, header_units=False,
                  units={c: _MONEY for c in net.columns}),
            Table(parties, title="table.parties", units=declared_units(parties)),
            Table(government, title="table.government", title_unit=_MONEY,
                  header_units=False, units={c: _MONEY for c in government.columns})]


def _lines_by_year(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``yearly()`` turned: one row per line (index ``line``), ``unit``, then one column per
    calendar year; and each row's unit."""
    years = [int(y) for y in frame["calendar_year"]]
    lines = [c for c in frame.columns if c != "calendar_year"]
    body = frame[lines].T
    body.columns = years
    units = [describe_unit(line) for line in lines]
    body.insert(0, "unit", units)
    body.index.name = "line"
    return body, units


def _operations(result: "Result") -> list[Table]:
    body, units = _lines_by_year(result.yearly())
    return [Table(body, row_units=units)]


def percentile_table(result: "Result") -> pd.DataFrame:
    """``yearly_bands()`` pivoted: one row per line and statistic (index ``line``,
    ``statistic``: mean, p5 ... p95), ``unit``, then one column per calendar year."""
    from ..results.result import YEARLY_STATISTICS

    bands = result.yearly_bands()
    lines = list(dict.fromkeys(bands["line"]))
    table = bands.pivot_table(index=["line", "statistic"], columns="calendar_year",
                              values="value", aggfunc="first")
    order = pd.MultiIndex.from_tuples([(line, stat) for line in lines
                                       for stat in YEARLY_STATISTICS],
                                      names=["line", "statistic"])
    table = table.reindex(order)
    table.columns = [int(c) for c in table.columns]
    table.insert(0, "unit", [describe_unit(line) for line, _ in table.index])
    return table


def _percentiles(result: "Result") -> list[Table]:
    if result.is_deterministic:
        return []
    table = percentile_table(result)
    return [Table(table, row_units=list(table["unit"]))]


def _draws(result: "Result", sample_draws: int) -> list[Table]:
    if not result.has_draws or sample_draws <= 0:
        return []
    frame = result.metrics.head(sample_draws)
    units = {c: describe_unit(c) for c in frame.columns}  # a draw's 0/1 is 0 or 1, not a %
    return [Table(frame, units={c: _COUNT if u == "0/1" else u for c, u in units.items()})]


def _fiscal(result: "Result") -> list[Table]:
    fiscal = result.fiscal()
    pv = pd.DataFrame({"pv_commitments": [fiscal.attrs.get("pv_commitments", np.nan)]})
    pv.index = pd.Index([""], name=None)
    return [Table(fiscal, units=declared_units(fiscal)), Table(pv, units=declared_units(pv))]


def _debt(result: "Result") -> list[Table]:
    debt = result.debt()
    return [Table(debt, units=declared_units(debt))]


def _households(result: "Result") -> list[Table]:
    from ..catalog import HOUSEHOLD_TABLES

    tables = []
    decisions = result.decisions()
    if len(decisions):
        tables.append(Table(decisions, title="table.decisions",
                            units=declared_units(decisions, HOUSEHOLD_TABLES["decisions"])))
    households = result.households()
    tables.append(Table(households, title="table.households",
                        units=declared_units(households, HOUSEHOLD_TABLES["households"])))
    channels = result.channels()
    tables.append(Table(channels, title="table.channels",
                        units=declared_units(channels, HOUSEHOLD_TABLES["channels"])))
    return tables


def _declared_table_sheets(result: "Result") -> list[tuple[str, list[Table], list[str]]]:
    """A sheet for every declared output table the run has (:mod:`fundmodel.catalog.tables`),
    named by its label, its formats from its columns' declared units."""
    from ..catalog.tables import TABLES

    declared = {name: {c.name: c for c in TABLES[name].columns} for name in TABLES}
    return [(name, [Table(frame, units=declared_units(frame, declared[name]))], [])
            for name, frame in result.declared_tables().items()]


def workbook_sheets(result: "Result", *, lang: str = "en", sample_draws: int = 1000,
                    scenario_file: str | os.PathLike | None = None,
                    overrides: Sequence[str] = ()) -> list[tuple[str, list[Table], list[str]]]:
    """The workbook's sheets, in order, before anything is written: ``(sheet key, tables,
    notes)`` (the key is a label, ``sheet.summary``; notes are sentences in ``lang``)."""
    check_lang(lang)
    assumptions = assumptions_table(result.scenario, scenario_file, overrides, lang)
    sheets: list[tuple[str, list[Table], list[str]]] = [
        ("sheet.assumptions", [Table(assumptions, row_units=list(assumptions["unit"]),
                                     translate_index=False)], []),
        ("sheet.summary", _summary(result, lang), [_run_note(result, lang),
                                                   *_breakeven_note(result, lang)]),
        ("sheet.funding", _funding(result), []),
        ("sheet.cashflows", _cashflows(result), []),
        ("sheet.operations", _operations(result), []),
    ]
    percentiles = _percentiles(result)
    sheets.append(("sheet.percentiles", percentiles,
                   [] if percentiles else [label("note.one_draw", lang)]))
    draws = _draws(result, sample_draws)
    if draws:
        shown = len(draws[0].frame)
        sheets.append(("sheet.draws", draws, [label("note.draws_shown", lang).format(
            shown=shown, total=result.n_draws)]))
    else:
        sheets.append(("sheet.draws", [], [label("note.no_draws", lang)]))
    if result.has_financing:
        sheets.append(("sheet.fiscal", _fiscal(result), []))
        debt = _debt(result)
        if len(debt[0].frame):
            sheets.append(("sheet.debt", debt, []))
    if result.has_households:
        sheets.append(("sheet.households", _households(result), []))
    sheets += _declared_table_sheets(result)
    return sheets


def require_openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise FundmodelError("the workbook needs openpyxl: pip install 'fundmodel[excel]'") \
            from None
    return openpyxl


def check_workbook_target(path: Path) -> Path:
    """The folder to write ``path`` into; FundmodelError for a path that cannot be the
    workbook (nothing is created)."""
    if os.fspath(path) == "":
        raise FundmodelError("no workbook file given (the path is empty)")
    if path.is_dir():
        raise FundmodelError(f"cannot write the workbook {path}: it is a folder; give a file "
                             "name")
    if path.suffix.lower() != ".xlsx":
        raise FundmodelError(f"cannot write the workbook {path}: give a file name ending in "
                             ".xlsx")
    folder = Path(os.path.abspath(path)).parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FundmodelError(f"cannot write the workbook {path}: the folder {folder} {what}")
    return folder


def write_workbook(result: "Result", path: str | os.PathLike, *, lang: str = "en",
                   sample_draws: int = 1000,
                   scenario_file: str | os.PathLike | None = None,
                   overrides: Sequence[str] = (), money_unit: str = "CNY") -> Path:
    """Write the results of a run as an Excel workbook (``.xlsx``).

    Sheets (named in ``lang``): assumptions (the scenario, one row per value, see
    :func:`assumptions_table`), summary (``result.summary()`` with the 95 % confidence
    interval of each mean, mean ± 1.96 mcse, and the probabilities), funding (by source, with
    the gap, and cost by item), cash flows (net by party and calendar year, the parties'
    totals, the government's outlay), operating statement (``result.yearly()``, lines as rows
    and years as columns), Monte Carlo percentiles (``result.yearly_bands()`` pivoted; a
    deterministic run says it has one draw), draws (the first ``sample_draws`` rows of
    ``result.metrics`` when kept); then fiscal and debt sheets when ``result.has_financing``,
    and the households' tables when the scenario has them. Numbers are the tables' own (full
    precision); headers carry units; the first header row of each sheet is frozen.

    Parameters
    ----------
    result : Result
    path : str or path-like
        The workbook, ending in ``.xlsx``; its folder must exist. An existing file is
        replaced (keeping its permissions).
    lang : {'en', 'zh'}
        Labels of sheets, tables, columns and identifiers.
    sample_draws : int
        How many draws the draws sheet shows (from the first).
    scenario_file, overrides
        The scenario file and ``--set`` changes the run read, for the assumptions' ``Set in``
        column (file and line of each value).
    money_unit : {'CNY', '万元'}
        The unit of the sums of money: in 万元 every value declared in CNY or CNY/year is
        divided by 10,000, formatted ``#,##0.00`` and headed 万元 (``wan CNY`` in English);
        prices and amounts per m², household, month or unit stay in CNY
        (:func:`table_in_money_unit`).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FundmodelError
        Without openpyxl, or if the file cannot be written (folder missing, a folder at
        ``path``, no permission, disk full...); nothing is left behind. The workbook is built
        in a temporary file in the same folder and renamed into place, so a reader never sees
        a partial file.
    """
    check_lang(lang)
    check_money_unit(money_unit)
    path = Path(path)
    openpyxl = require_openpyxl()
    check_workbook_target(path)
    sheets = workbook_sheets(result, lang=lang, sample_draws=sample_draws,
                             scenario_file=scenario_file, overrides=overrides)
    return _save_workbook(openpyxl, path, sheets, lang, money_unit)


def _save_workbook(openpyxl, path: Path, sheets, lang: str, money_unit: str = "CNY") -> Path:
    """The sheets ``(key, tables, notes)`` written as one workbook at ``path``, atomically,
    their sums of money in ``money_unit`` (:func:`table_in_money_unit`)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for key, tables, notes in sheets:
        tables = [table_in_money_unit(table, money_unit) for table in tables]
        _write_sheet(wb, key, tables, lang, taken, notes)
    write_file_atomic(path, wb.save, make_parents=False)
    return path


# ---------------------------------------------------------------------------- the district
def district_sheets(result: "PortfolioResult", *, lang: str = "en", plan: Any = None,
                    scenario: "Scenario | None" = None,
                    scenario_file: str | os.PathLike | None = None,
                    overrides: Sequence[str] = ()) -> list[tuple[str, list[Table], list[str]]]:
    """The district workbook's sheets, in order: ``(sheet key, tables, notes)``.

    The phased plan (``plan.table``: each compound's start year and cost by level; and
    ``plan.budget_use``), the fiscal outlay by level and calendar year (``result.outlay()``),
    the district's totals over the draws (``result.summary()``), with a pooled instrument its
    metrics over the draws (``result.programme_summary()``), every compound's summaries
    (``result.compounds``) and, with the ``scenario``, its assumptions
    (:func:`assumptions_table`)."""
    check_lang(lang)
    info = result.info
    note = label("note.run_district", lang).format(
        draws=int(info.get("draws", len(result.district))), seed=info.get("seed"),
        compounds=len(result.compounds))
    sheets: list[tuple[str, list[Table], list[str]]] = []
    if plan is not None:
        table = plan.table.set_index("id")
        budget = plan.budget_use.rename(columns={"year": "calendar_year"}).set_index(
            ["level", "calendar_year"])
        sheets.append(("sheet.plan", [Table(table, title="table.plan",
                                            units=declared_units(table)),
                                      Table(budget, title="table.budget",
                                            units=declared_units(budget))], []))
    else:
        sheets.append(("sheet.plan", [], [label("note.no_plan", lang)]))
    outlay = result.outlay().rename(columns={"year": "calendar_year"}).set_index(
        ["level", "calendar_year"])
    sheets.append(("sheet.outlay", [Table(outlay, title="table.outlay",
                                          units=declared_units(outlay))], [note]))
    summary = result.summary()
    units = [describe_unit(m) or _MONEY for m in summary.index]
    units = ["" if u == "0/1" else u for u in units]  # a count of compounds, summed
    sheets.append(("sheet.district", [Table(summary, title="table.district",
                                            row_units=units)], [note]))
    if len(result.programme.columns):
        programme = result.programme_summary()
        units = [describe_unit(m) for m in programme.index]
        sheets.append(("sheet.programme", [Table(programme, title="table.programme",
                                                 row_units=["share" if u == "0/1" else u
                                                            for u in units])], [note]))
    compounds = result.compounds.set_index("id")
    units = {c: describe_unit(c) for c in compounds.columns}
    units = {c: ("share" if u == "0/1" and not c.endswith("_std") else
                 "" if u == "0/1" else u) for c, u in units.items()}
    units |= {"households": _COUNT, "start_year": _COUNT}
    sheets.append(("sheet.compounds", [Table(compounds, units=units)], []))
    if scenario is not None:
        assumptions = assumptions_table(scenario, scenario_file, overrides, lang)
        sheets.append(("sheet.assumptions", [Table(assumptions,
                                                   row_units=list(assumptions["unit"]),
                                                   translate_index=False)], []))
    return sheets


def write_district_workbook(result: "PortfolioResult", path: str | os.PathLike, *,
                            lang: str = "en", plan: Any = None,
                            scenario: "Scenario | None" = None,
                            scenario_file: str | os.PathLike | None = None,
                            overrides: Sequence[str] = (), money_unit: str = "CNY") -> Path:
    """Write a district run as an Excel workbook (``.xlsx``): the plan, the fiscal outlay by
    level and year, the district's totals, the compounds and the assumptions
    (:func:`district_sheets`), labelled in ``lang``, sums of money in ``money_unit``
    (:func:`table_in_money_unit`), written atomically as :func:`write_workbook` does. Returns
    ``path``.

    Raises
    ------
    FundmodelError
        Without openpyxl, or if the file cannot be written (nothing is left behind).
    """
    check_lang(lang)
    check_money_unit(money_unit)
    path = Path(path)
    openpyxl = require_openpyxl()
    check_workbook_target(path)
    sheets = district_sheets(result, lang=lang, plan=plan, scenario=scenario,
                             scenario_file=scenario_file, overrides=overrides)
    return _save_workbook(openpyxl, path, sheets, lang, money_unit)
