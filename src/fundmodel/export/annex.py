"""The annex tables of a bond's financial evaluation (:mod:`fundmodel.evaluation.annex`) as a
workbook whose totals and ratios are live formulas, and as a Word document (docx) in the usual
typography: numbered titles, money in 万元 with two decimals, years as columns."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

from ..errors import FundmodelError
from .excel import check_workbook_target, require_openpyxl
from .files import write_file_atomic

__all__ = ["write_annex_workbook", "write_annex_docx", "annex_formula"]

_FIRST_ROW = 3          # row 1 the title, row 2 the headers
_NUMBER_FORMAT = "#,##0.00"


def _col(j: int) -> str:
    """Spreadsheet column letter of 0-based column j of the values (A is the row names)."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(j + 2)


def annex_formula(table, i: int, j: int) -> str | None:
    """The Excel formula of row ``i``, value column ``j`` (the total column is
    ``len(table.columns)``) of ``table``, or None for a value cell."""
    row = table.rows[i]
    n = len(table.columns)
    r = _FIRST_ROW + i
    c = _col(j)
    is_total = table.total and j == n
    if row.formula is None:
        return f"=SUM({_col(0)}{r}:{_col(n - 1)}{r})" if is_total else None
    op, at = row.formula
    cells = [f"{c}{_FIRST_ROW + k}" for k in at]
    if op == "sum":
        return "=" + "+".join(cells)
    if op == "diff":
        return f"={cells[0]}-{cells[1]}"
    if op == "ratio":
        return f'=IF({cells[1]}=0,"",{cells[0]}/{cells[1]})'
    if op == "cumsum":
        if is_total:
            return f"={_col(n - 1)}{r}"
        here = f"{c}{_FIRST_ROW + at[0]}"
        return f"={here}" if j == 0 else f"={_col(j - 1)}{r}+{here}"
    raise ValueError(f"unknown formula {op!r}")


def write_annex_workbook(tables: Sequence, path: str | os.PathLike, lang: str = "zh") -> Path:
    """Write the annex tables, one sheet each (附表1, 附表2, ...), atomically: the values as
    numbers, every total, difference, ratio and running total as a formula of the cells it
    reads (:func:`annex_formula`), two decimals. Returns ``path``."""
    openpyxl = require_openpyxl()
    from openpyxl.styles import Alignment, Font
    path = Path(path)
    check_workbook_target(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(f"附表{table.number}" if lang == "zh" else f"Annex {table.number}")
        ws.cell(1, 1, table.title(lang)).font = Font(bold=True)
        headers = ["项目" if lang == "zh" else "Item", *table.columns]
        if table.total:
            headers.append("合计" if lang == "zh" else "Total")
        for j, text in enumerate(headers):
            cell = ws.cell(2, j + 1, text)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        values = table.values()
        for i, row in enumerate(table.rows):
            ws.cell(_FIRST_ROW + i, 1, row.zh if lang == "zh" else row.en)
            for j in range(values.shape[1]):
                formula = annex_formula(table, i, j)
                value = values[i, j]
                content = formula if formula is not None else (
                    None if math.isnan(value) else float(value))
                cell = ws.cell(_FIRST_ROW + i, j + 2, content)
                cell.number_format = _NUMBER_FORMAT
        ws.column_dimensions["A"].width = 28
        for j in range(values.shape[1]):
            ws.column_dimensions[_col(j)].width = 12
        ws.freeze_panes = "B3"
    write_file_atomic(path, wb.save, make_parents=False)
    return path


def write_annex_docx(tables: Sequence, path: str | os.PathLike, lang: str = "zh",
                     title: str | None = None) -> Path:
    """Write the annex tables as a Word document (needs python-docx: ``pip install
    'fundmodel[docx]'``), atomically: each table under its numbered title, the values with two
    decimals, right-aligned, in a grid. Returns ``path``."""
    try:
        import docx
        from docx.enum.section import WD_ORIENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt
    except ImportError:
        raise FundmodelError("writing a docx needs python-docx: pip install "
                             "'fundmodel[docx]'") from None
    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise FundmodelError(f"{path}: a Word document's name ends in .docx")
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    style = document.styles["Normal"]
    style.font.size = Pt(9)
    if title:
        document.add_heading(title, level=1)
    for table in tables:
        document.add_paragraph(table.title(lang), style="Heading 2")
        values = table.values()
        headers = ["项目" if lang == "zh" else "Item", *table.columns]
        if table.total:
            headers.append("合计" if lang == "zh" else "Total")
        grid = document.add_table(rows=1 + len(table.rows), cols=len(headers))
        grid.style = "Table Grid"
        for j, text in enumerate(headers):
            grid.cell(0, j).text = str(text)
        for i, row in enumerate(table.rows):
            grid.cell(i + 1, 0).text = row.zh if lang == "zh" else row.en
            for j in range(values.shape[1]):
                value = values[i, j]
                cell = grid.cell(i + 1, j + 1)
                cell.text = "" if math.isnan(value) else f"{value:,.2f}"
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    write_file_atomic(path, document.save, make_parents=False)
    return path
