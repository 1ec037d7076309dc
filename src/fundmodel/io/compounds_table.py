"""The compounds table: one row per compound of a district, from a CSV file or an Excel sheet.

:func:`read_compounds_table` reads and checks the whole table and returns a
:class:`CompoundsTable` of column arrays (compound ``i`` is row ``i`` of the table, blank rows
skipped). Every mistake is one :class:`~fundmodel.errors.Issue` located at the file, the line
(CSV: the line in the file, header = line 1; Excel: the sheet row), the 1-based column and the
path ``compounds[i].<column>`` (``i`` the 0-based compound), and all the issues of a file are
raised together as one :class:`~fundmodel.errors.ScenarioError` (at most :data:`MAX_ISSUES`, the
last one saying how many more there are).

The columns, their units, aliases and rules are in docs/compounds-table.md; in short: ``id``,
``households`` and ``floor_area_m2`` are required, every other known column is optional, a
known column's empty cell means "not given" (its default, or NaN), an unknown column of numbers
is kept in :attr:`CompoundsTable.extra` and an unknown column of text is ignored with a logged
warning.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import math
import os
import re
import stat
import zipfile
import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..errors import Issue, ModelError, ScenarioError, printable
from .issues import did_you_mean
from .limits import (MAX_AREA_M2, MAX_BUILDINGS, MAX_COMPOUNDS, MAX_HOUSEHOLDS, MAX_MONEY_CNY,
                     MAX_QUANTITY, MAX_STOREYS)
from .yamlio import Positions, not_utf8_issue_parts

__all__ = ["CompoundsTable", "read_compounds_table", "COLUMNS", "ALIASES", "TIERS",
           "MAX_TABLE_BYTES", "MAX_XLSX_UNZIPPED_BYTES", "MAX_ISSUES", "MAX_CELL_CHARS",
           "MAX_TABLE_COLUMNS", "MAX_COORDINATE_KM", "compounds_table_for", "STATUSES"]

log = logging.getLogger("fundmodel")

MAX_TABLE_BYTES = 200_000_000
"""Largest compounds table file, bytes (200 MB: a million compounds at ~150 bytes a row)."""
MAX_XLSX_UNZIPPED_BYTES = 1_000_000_000
"""Largest total size of an Excel workbook's unzipped parts, bytes (guards against zip bombs)."""
MAX_ISSUES = 100
"""Most issues reported for one table (the last says how many more were found)."""
MAX_CELL_CHARS = 1_000
"""Longest cell text, characters."""
MAX_TABLE_COLUMNS = 1_000
"""Most columns of a compounds table."""
MAX_COORDINATE_KM = 1e5
"""Largest absolute planar coordinate ``x_km``, ``y_km`` (far beyond any city)."""

TIERS = ("basic", "complete", "upgrade")
"""The renovation tiers a compound may be planned up to (``upgrade`` = all three)."""
_TIER_WORDS = {"basic": "basic", "complete": "complete", "upgrade": "upgrade",
               "基础类": "basic", "完善类": "complete", "提升类": "upgrade",
               "基础": "basic", "完善": "complete", "提升": "upgrade"}
STATUSES = ("done", "under_way", "planned")
"""A compound's place in the programme: renovated before the plan, works under way (started in
a fixed year), or still to be planned (docs/compounds-table.md, "Programme status")."""
_STATUS_WORDS = {"done": "done", "under_way": "under_way", "underway": "under_way",
                 "under way": "under_way", "planned": "planned",
                 "已完成": "done", "完成": "done", "已改造": "done",
                 "在建": "under_way", "实施中": "under_way", "进行中": "under_way",
                 "计划": "planned", "拟改造": "planned", "待改造": "planned"}
_TIER_SEPARATORS = re.compile(r"[\s,;/、，；]+")
_TRUE = frozenset({"true", "yes", "1", "是"})
_FALSE = frozenset({"false", "no", "0", "否"})


@dataclass(frozen=True)
class _Column:
    kind: str                   # "text", "number", "bool", "tier", "status", "tiers"
    required: bool = False
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False      # the bound is "greater than low"
    whole: bool = False
    reason: str = ""            # why ``high`` is the bound


COLUMNS: dict[str, _Column] = {
    "id": _Column("text", required=True),
    "name": _Column("text"),
    "street": _Column("text"),
    "households": _Column("number", required=True, low=0, low_open=True, whole=True,
                          high=MAX_HOUSEHOLDS, reason="more households than China has"),
    "floor_area_m2": _Column("number", required=True, low=0, low_open=True, high=MAX_AREA_M2,
                             reason="the bound on floor areas, m²"),
    "chargeable_area_m2": _Column("number", low=0, low_open=True, high=MAX_AREA_M2,
                                  reason="the bound on floor areas, m²"),
    "buildings": _Column("number", low=0, low_open=True, whole=True, high=MAX_BUILDINGS,
                         reason="the bound on buildings"),
    "storeys": _Column("number", low=1, whole=True, high=MAX_STOREYS,
                       reason="the tallest buildings have about 160"),
    "built_year": _Column("number", low=1900, whole=True, high=2100, reason="a calendar year"),
    "lifts_possible": _Column("bool"),
    "tier_planned": _Column("tier"),
    "x_km": _Column("number", low=-MAX_COORDINATE_KM, high=MAX_COORDINATE_KM,
                    reason="far beyond any city"),
    "y_km": _Column("number", low=-MAX_COORDINATE_KM, high=MAX_COORDINATE_KM,
                    reason="far beyond any city"),
    "neighbourhood": _Column("text"),
    "condition_score": _Column("number", low=0, high=MAX_QUANTITY, reason="the bound on "
                               "quantities"),
    # the programme (docs/compounds-table.md, "Programme status")
    "status": _Column("status"),
    "start_year": _Column("number", low=1900, whole=True, high=2200, reason="a calendar year"),
    "required": _Column("bool"),
    "tiers_allowed": _Column("tiers"),
}
"""The known columns by canonical name (their rules: docs/compounds-table.md)."""

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("编号", "小区编号", "代码", "compound_id"),
    "name": ("名称", "小区名称", "小区", "compound", "compound_name"),
    "street": ("街道", "街道办", "街道办事处"),
    "households": ("户数", "总户数", "居民户数", "households_count"),
    "floor_area_m2": ("建筑面积", "总建筑面积", "floor_area"),
    "chargeable_area_m2": ("收费面积", "计费面积", "chargeable_area"),
    "buildings": ("楼栋数", "栋数", "楼数", "building_count"),
    "storeys": ("层数", "楼层数", "storeys_typical", "stories", "floors"),
    "built_year": ("建成年份", "建成年代", "建成时间", "year_built", "construction_year"),
    "lifts_possible": ("可加装电梯", "能否加装电梯", "lift_possible", "lifts"),
    "tier_planned": ("改造类型", "改造类别", "改造内容", "tier"),
    "x_km": ("x坐标", "x"),
    "y_km": ("y坐标", "y"),
    "neighbourhood": ("社区", "片区", "neighborhood", "community"),
    "condition_score": ("状况评分", "房屋状况评分", "评分", "condition"),
    "status": ("改造状态", "状态", "进度", "programme_status"),
    "start_year": ("开工年份", "开工年度", "改造年份"),
    "required": ("必须改造", "必改", "是否必须"),
    "tiers_allowed": ("可选改造类型", "可选类别", "allowed_tiers"),
}
"""Other names each column may go by in the header (matched after :func:`_normal`)."""

_UNIT_SUFFIXES = {"floor_area_m2": ("m2", "m²", "㎡", "平方米"),
                  "chargeable_area_m2": ("m2", "m²", "㎡", "平方米"),
                  "x_km": ("km", "公里", "千米"), "y_km": ("km", "公里", "千米")}


def _normal(name: str) -> str:
    """A header cell as matched: case-folded, full-width brackets made ASCII, spaces, hyphens
    and underscores dropped (``Floor area (m²)`` → ``floorarea(m²)``)."""
    name = name.strip().casefold().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-]+", "", name)


def _lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical in COLUMNS:
        names = [canonical, *ALIASES.get(canonical, ())]
        for n in names:
            out[_normal(n)] = canonical
            for unit in _UNIT_SUFFIXES.get(canonical, ()):
                out[_normal(f"{n}({unit})")] = canonical
    return out


_LOOKUP = _lookup()
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MAX_ECHO = 40


def _shown(cell: str) -> str:
    """A cell as quoted in a message: escaped control characters, at most 40 characters."""
    text = printable(cell)
    return repr(text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "…")


# ----------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class CompoundsTable:
    """A district's compounds as column arrays; compound ``i`` is row ``i`` of the table.

    Attributes
    ----------
    source : str
        The file as given (and ``[sheet]`` for an Excel sheet).
    ids, names, streets, neighbourhood : tuple of str
        Text columns (``names`` default to the id; ``streets``, ``neighbourhood`` to ``''``).
    households : ndarray of int64
        Households (户) of each compound, > 0.
    floor_area_m2, chargeable_area_m2 : ndarray of float64
        Residential floor area and the area the property fee is charged on, m² (the chargeable
        area defaults to the floor area).
    buildings, storeys, built_year : ndarray of float64
        Whole numbers, NaN where not given.
    lifts_possible : ndarray of bool
        Whether lifts can be added (default False).
    tier_planned : tuple of str
        ``basic``, ``complete`` or ``upgrade``: the highest tier planned (default ``upgrade``,
        i.e. all tiers).
    x_km, y_km : ndarray of float64
        Planar coordinates of the compound's centre, km (NaN where not given).
    condition_score : ndarray of float64
        Condition score ≥ 0 (NaN where not given).
    extra : dict of str to ndarray of float64
        Unknown numeric columns by their header name (NaN for empty cells).
    lines : tuple of int
        Line of each compound in the CSV file (header = line 1) or its Excel sheet row.
    columns : dict of str to int
        1-based column number of each known column present (canonical name) and extra column.
    warnings : tuple of str
        What was allowed but seldom meant (also logged): ignored text columns, chargeable areas
        above floor areas.
    status : tuple of str
        ``done``, ``under_way`` or ``planned`` (default ``planned``).
    start_year : ndarray of float64
        Fixed calendar year the works start (NaN: the plan chooses; for a ``done`` compound
        the year it was renovated, a record only).
    required : ndarray of bool
        Whether the plan must include the compound: every ``under_way`` compound, and a
        ``planned`` one whose ``required`` cell says yes (default False).
    tiers_allowed : tuple of tuple of str
        The tiers the plan may choose among for each compound, in the order of :data:`TIERS`
        (default: its ``tier_planned`` alone).
    text_columns : tuple of str
        The other columns holding text, by their header name (ignored, but known: an
        ``applies_to`` condition naming one is told it holds text).

    Arrays are read-only.
    """

    source: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    streets: tuple[str, ...]
    households: np.ndarray
    floor_area_m2: np.ndarray
    chargeable_area_m2: np.ndarray
    buildings: np.ndarray
    storeys: np.ndarray
    built_year: np.ndarray
    lifts_possible: np.ndarray
    tier_planned: tuple[str, ...]
    x_km: np.ndarray
    y_km: np.ndarray
    neighbourhood: tuple[str, ...]
    condition_score: np.ndarray
    extra: dict[str, np.ndarray]
    lines: tuple[int, ...]
    columns: dict[str, int]
    warnings: tuple[str, ...] = field(default=())
    status: tuple[str, ...] | None = None
    start_year: np.ndarray | None = None
    required: np.ndarray | None = None
    tiers_allowed: tuple[tuple[str, ...], ...] | None = None
    text_columns: tuple[str, ...] = field(default=())

    _ARRAYS = ("households", "floor_area_m2", "chargeable_area_m2", "buildings", "storeys",
               "built_year", "lifts_possible", "x_km", "y_km", "condition_score",
               "start_year", "required")
    _TEXTS = ("ids", "names", "streets", "tier_planned", "neighbourhood", "status",
              "tiers_allowed")

    def __post_init__(self) -> None:
        n = len(self.ids)
        defaults = {"status": ("planned",) * n, "start_year": np.full(n, np.nan),
                    "required": np.zeros(n, dtype=bool),
                    "tiers_allowed": tuple((t,) for t in self.tier_planned)}
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        for name in self._ARRAYS:
            arr = np.array(getattr(self, name))
            if arr.shape != (n,):
                raise ModelError(f"{name} has shape {arr.shape}, expected ({n},)")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        extra = {}
        for name, values in self.extra.items():
            arr = np.array(values, dtype=np.float64)
            if arr.shape != (n,):
                raise ModelError(f"extra column {name!r} has shape {arr.shape}, expected ({n},)")
            arr.setflags(write=False)
            extra[name] = arr
        object.__setattr__(self, "extra", extra)
        for name in self._TEXTS + ("lines",):
            if len(getattr(self, name)) != n:
                raise ModelError(f"{name} has {len(getattr(self, name))} entries, expected {n}")

    def __len__(self) -> int:
        return len(self.ids)

    def to_frame(self):
        """The table as a pandas DataFrame: one row per compound, the canonical columns in
        order (``id``, ``name``, ``street``, ...; the programme's ``status``, ``start_year``,
        ``required`` and ``tiers_allowed`` when the table gives them) and then the extra
        columns."""
        import pandas as pd

        data: dict[str, Any] = {"id": list(self.ids), "name": list(self.names),
                                "street": list(self.streets)}
        for name in ("households", "floor_area_m2", "chargeable_area_m2", "buildings",
                     "storeys", "built_year", "lifts_possible"):
            data[name] = np.array(getattr(self, name))
        data["tier_planned"] = list(self.tier_planned)
        data["x_km"], data["y_km"] = np.array(self.x_km), np.array(self.y_km)
        data["neighbourhood"] = list(self.neighbourhood)
        data["condition_score"] = np.array(self.condition_score)
        if self.has_programme:
            data["status"] = list(self.status)
            data["start_year"] = np.array(self.start_year)
            data["required"] = np.array(self.required)
        if "tiers_allowed" in self.columns:
            data["tiers_allowed"] = [" ".join(t) for t in self.tiers_allowed]
        for name, values in self.extra.items():
            data[name] = np.array(values)
        return pd.DataFrame(data)

    def take(self, indexes) -> "CompoundsTable":
        """The compounds at ``indexes`` (integer positions, or a boolean mask of length
        ``len(self)``), in that order, as a new table."""
        n = len(self)
        idx = np.asarray(indexes)
        if idx.dtype == bool:
            if idx.shape != (n,):
                raise ModelError(f"a boolean mask must have shape ({n},), got {idx.shape}")
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.intp)
        elif idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise ModelError("indexes must be a 1-D array of integer positions or a boolean "
                             f"mask, got dtype {idx.dtype} and shape {idx.shape}")
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise ModelError(f"indexes must lie in [-{n}, {n - 1}] for a table of {n} compounds")
        pick = [int(i) for i in idx]
        values: dict[str, Any] = {name: getattr(self, name)[idx] for name in self._ARRAYS}
        values.update({name: tuple(getattr(self, name)[i] for i in pick)
                       for name in self._TEXTS + ("lines",)})
        return CompoundsTable(source=self.source, extra={k: v[idx] for k, v in self.extra.items()},
                              columns=dict(self.columns), warnings=self.warnings,
                              text_columns=self.text_columns, **values)

    @property
    def has_programme(self) -> bool:
        """Whether the table gives a programme status, a fixed start year or ``required``
        (any of those columns, or values other than the defaults: a scenario's
        ``portfolio.programme``)."""
        return (any(c in self.columns for c in ("status", "start_year", "required"))
                or any(s != "planned" for s in self.status) or bool(np.any(self.required))
                or bool(np.any(~np.isnan(self.start_year))))

    def with_tiers(self, tiers) -> "CompoundsTable":
        """The table with each compound's ``tier_planned`` replaced by ``tiers[i]`` (a tier
        name, or ``''``/None to keep it): the works a plan chose."""
        tiers = list(tiers)
        if len(tiers) != len(self):
            raise ModelError(f"tiers: {len(tiers)} tiers for {len(self)} compounds")
        bad = [t for t in tiers if t and t not in TIERS]
        if bad:
            raise ModelError(f"tiers: {bad[0]!r} is not one of {', '.join(TIERS)}")
        new = tuple(t or old for t, old in zip(tiers, self.tier_planned))
        return dataclasses.replace(self, tier_planned=new)

    def attribute(self, name: str) -> np.ndarray:
        """A numeric column by its canonical name (``households``, ``floor_area_m2``, ...,
        ``lifts_possible`` as 0/1) or an extra column's header name, as float64."""
        if name in self._ARRAYS:
            return np.asarray(getattr(self, name), dtype=np.float64)
        if name in self.extra:
            return self.extra[name]
        known = list(self._ARRAYS) + list(self.extra)
        raise ModelError(f"the compounds table has no numeric column {name!r}"
                         f"{did_you_mean(name, known)}; numeric columns: {', '.join(known)}")


# ----------------------------------------------------------------------------- issues
class _Issues:
    """The issues of one table, capped: each check keeps the first :data:`MAX_ISSUES` of its
    own (in row order) and counts the rest, so the first ones of the whole file, by line and
    column, are always among those kept."""

    def __init__(self, file: str):
        self.file = file
        self.kept: list[Issue] = []
        self.dropped = 0

    def add(self, path: str, message: str, line: int | None = None,
            column: int | None = None) -> None:
        self.kept.append(Issue(path, message, self.file, line, column))

    def fatal(self, path: str, message: str, line: int | None = None,
              column: int | None = None) -> ScenarioError:
        self.add(path, message, line, column)
        return self.error()

    def cells(self, rows: Sequence[int], message: Callable[[int], str], name: str,
              lines: Sequence[int], column: int) -> None:
        """One issue per compound in ``rows`` (ascending) of column ``name``."""
        for i in rows[:MAX_ISSUES]:
            self.add(f"compounds[{i}].{name}", message(i), lines[i], column)
        self.dropped += max(0, len(rows) - MAX_ISSUES)

    def error(self) -> ScenarioError:
        issues = sorted(self.kept, key=lambda i: (i.line or 0, i.column or 0))
        more = self.dropped + max(0, len(issues) - MAX_ISSUES + 1)
        if more > 0 and len(issues) + self.dropped > MAX_ISSUES:
            issues = issues[:MAX_ISSUES - 1]
            issues.append(Issue("compounds", f"and {more:,} more issues", self.file))
        return ScenarioError(issues)

    def raise_any(self) -> None:
        if self.kept or self.dropped:
            raise self.error()


# ----------------------------------------------------------------------------- reading
def _in_folder(folder: str, path: str) -> bool:
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return os.path.commonpath([folder, path]) == folder


def _open_checked(path: str, name: str, base_dir: str | None, allow_outside: bool,
                  issues: _Issues) -> int:
    """Check that ``path`` may be read (inside ``base_dir``, a regular file, not too large);
    return its size in bytes."""
    try:
        outside = base_dir is not None and not allow_outside and not _in_folder(base_dir, path)
    except ValueError as exc:  # a NUL character in the name
        raise issues.fatal("compounds", f"cannot read {name!r}: {exc}") from None
    if outside:
        raise issues.fatal("compounds", f"{name} is outside the folder {base_dir}; copy it "
                           "there, or allow files outside it (allow_outside=True, "
                           "--allow-outside-files)")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise issues.fatal("compounds", f"there is no file {path}") from None
    except OSError as exc:
        raise issues.fatal("compounds", f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL character in the name
        raise issues.fatal("compounds", f"cannot read {name!r}: {exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise issues.fatal("compounds", f"{path} is not a regular file")
    if info.st_size > MAX_TABLE_BYTES:
        raise issues.fatal("compounds", f"the file is larger than {MAX_TABLE_BYTES:,} bytes "
                           f"({info.st_size:,} bytes); a compounds table of a million compounds "
                           "is about 150 MB — is this the right file?")
    return info.st_size


def _read_bytes(path: str, issues: _Issues) -> bytes:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        raise issues.fatal("compounds", f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_TABLE_BYTES:  # it grew while being read
        raise issues.fatal("compounds", f"the file is larger than {MAX_TABLE_BYTES:,} bytes")
    return raw


def _csv_rows(raw: bytes, issues: _Issues) -> tuple[list[str], list[list[str]], list[int]]:
    """Header cells, data rows (blank rows dropped) and each row's first line."""
    if raw.startswith(b"PK\x03\x04"):
        raise issues.fatal("compounds", "the file is an Excel workbook (or another zip file), "
                           "not CSV text: name it .xlsx, or save the sheet as CSV UTF-8")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise issues.fatal("compounds", "the file is an old Excel .xls workbook, not CSV text: "
                           "save it as .xlsx or as CSV UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message, line, column = not_utf8_issue_parts(raw, exc)
        raise issues.fatal("compounds", message, line, column) from None
    if not text.strip():
        raise issues.fatal("compounds", "the file is empty; its first line should be the header "
                           "(id,households,floor_area_m2,...)")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        header = next(reader)
        previous = reader.line_num
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) == MAX_COMPOUNDS:
                raise issues.fatal("compounds", f"more than {MAX_COMPOUNDS:,} compounds; split "
                                   "the table", start)
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
        raise issues.fatal("compounds", f"not a readable CSV file ({exc})",
                           reader.line_num) from None
    return header, rows, lines


def _excel_text(value: Any) -> str:
    """An Excel cell value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2.0**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: str, sheet: str | int | None,
               issues: _Issues) -> tuple[list[str], list[list[str]], list[int]]:
    try:
        import openpyxl
    except ImportError:
        raise issues.fatal("compounds", "reading an Excel workbook needs the openpyxl package: "
                           "pip install 'fundmodel[excel]' (or save the sheet as CSV "
                           "UTF-8)") from None
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise issues.fatal("compounds", f"not a readable Excel .xlsx workbook ({exc})") from None
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise issues.fatal("compounds", f"the workbook unzips to more than "
                           f"{MAX_XLSX_UNZIPPED_BYTES:,} bytes ({unzipped:,}); save the sheet "
                           "as CSV")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise issues.fatal("compounds", "not a readable Excel .xlsx workbook "
                           f"({type(exc).__name__}: {exc})") from None
    try:
        names = list(book.sheetnames)
        if sheet is None:
            chosen = names[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise issues.fatal("compounds", f"no sheet number {sheet} (counting from 0); "
                                   f"the workbook has {len(names)}: {', '.join(names)}")
            chosen = names[sheet]
        elif sheet in names:
            chosen = sheet
        else:
            raise issues.fatal("compounds", f"no sheet {printable(str(sheet))!r}"
                               f"{did_you_mean(str(sheet), names)}; sheets: {', '.join(names)}")
        worksheet = book[chosen]
        if not hasattr(worksheet, "iter_rows"):
            raise issues.fatal("compounds", f"the sheet {chosen!r} is a chart, not a table")
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # do not trust the stored dimensions
        header: list[str] | None = None
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [_excel_text(v) for v in values]
            if header is None:
                header = cells
                while header and not header[-1].strip():
                    header.pop()
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(rows) == MAX_COMPOUNDS:
                raise issues.fatal("compounds", f"more than {MAX_COMPOUNDS:,} compounds; split "
                                   "the table", number)
            if len(cells) < len(header):  # Excel leaves trailing empty cells out
                cells += [""] * (len(header) - len(cells))
            rows.append(cells)
            lines.append(number)
    except ScenarioError:
        raise
    except Exception as exc:
        raise issues.fatal("compounds", f"cannot read the sheet ({type(exc).__name__}: "
                           f"{exc})") from None
    finally:
        book.close()
    if header is None:
        raise issues.fatal("compounds", f"the sheet {chosen!r} is empty; its first row should be "
                           "the header (id, households, floor_area_m2, ...)")
    return header, rows, lines


# ----------------------------------------------------------------------------- checking
def _numbers(cells: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(values, not_a_number)``: each cell as float64 (NaN for an empty cell) and a mask of
    the cells that are not numbers. Vectorized unless some cell is not a number."""
    try:
        values = np.array([c or "nan" for c in cells], dtype=np.float64)
        return values, np.zeros(len(cells), dtype=bool)
    except (ValueError, OverflowError):
        pass
    values = np.full(len(cells), np.nan)
    bad = np.zeros(len(cells), dtype=bool)
    for i, c in enumerate(cells):
        if c:
            try:
                values[i] = float(c)
            except (ValueError, OverflowError):
                bad[i] = True
    return values, bad


def _not_a_number(cell: str) -> str:
    message = f"{_shown(cell)} is not a number"
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", cell):
        message += "; write it without thousands separators"
    elif cell.endswith("%"):
        message += "; write a share as a fraction"
    return message


def _bound_text(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0e}".replace("e+0", "e").replace("e+", "e")


def _check_numbers(name: str, spec: _Column, cells: list[str], ok: np.ndarray,
                   issues: _Issues, lines: Sequence[int], column: int) -> np.ndarray:
    """The column's values (NaN where empty or wrong); every wrong cell an issue."""
    values, bad = _numbers(cells)
    empty = np.array([c == "" for c in cells], dtype=bool)
    check = ok & ~bad & ~empty
    cell = cells.__getitem__

    def report(mask: np.ndarray, message: Callable[[int], str]) -> None:
        issues.cells(np.flatnonzero(mask), message, name, lines, column)
        values[mask] = np.nan

    report(ok & bad, lambda i: _not_a_number(cell(i)))
    nan = check & np.isnan(values)
    empty_hint = "" if spec.required else "; leave the cell empty if it is not known"
    report(nan, lambda i: f"{_shown(cell(i))} is not a number{empty_hint}")
    check &= ~nan
    infinite = check & np.isinf(values)
    report(infinite, lambda i: f"{_shown(cell(i))} is infinite; at most "
                               f"{_bound_text(spec.high)} ({spec.reason})")
    check &= ~infinite
    high = check & (values > spec.high)
    report(high, lambda i: f"{_shown(cell(i))} is too large; at most "
                           f"{_bound_text(spec.high)} ({spec.reason})")
    check &= ~high
    if spec.low_open:
        low = check & (values <= spec.low)
        report(low, lambda i: f"{_shown(cell(i))} is not greater than "
                              f"{_bound_text(spec.low)}")
    else:
        low = check & (values < spec.low)
        report(low, lambda i: f"{_shown(cell(i))} is less than "
                              f"{_bound_text(spec.low)}")
    check &= ~low
    if spec.whole:
        frac = check & (values != np.floor(values))
        report(frac, lambda i: f"{_shown(cell(i))} is not a whole number")
    if spec.required:
        report(ok & empty, lambda i: "the cell is empty; every compound needs a value")
    return values


def _check_texts(name: str, spec: _Column, cells: list[str], ok: np.ndarray, issues: _Issues,
                 lines: Sequence[int], column: int) -> list[str]:
    if spec.required:
        empty = [i for i, c in enumerate(cells) if not c and ok[i]]
        issues.cells(empty, lambda i: "the cell is empty; every compound needs a value", name, lines,
                     column)
    if spec.kind == "bool":
        words = _TRUE | _FALSE
        wrong = [i for i, c in enumerate(cells) if c and ok[i] and c.casefold() not in words]
        issues.cells(wrong, lambda i: f"{_shown(cells[i])} is not one of true, false, "
                     "yes, no, 1, 0, 是, 否", name, lines, column)
    elif spec.kind == "tier":
        wrong = [i for i, c in enumerate(cells)
                 if c and ok[i] and c.casefold() not in _TIER_WORDS]
        issues.cells(wrong, lambda i: f"{_shown(cells[i])} is not a tier (basic, "
                     "complete, upgrade, 基础类, 完善类, 提升类)"
                     f"{did_you_mean(cells[i].casefold(), _TIER_WORDS)}", name, lines, column)
    elif spec.kind == "status":
        wrong = [i for i, c in enumerate(cells)
                 if c and ok[i] and c.casefold() not in _STATUS_WORDS]
        issues.cells(wrong, lambda i: f"{_shown(cells[i])} is not a status (done, under_way, "
                     "planned, 已完成, 在建, 计划)"
                     f"{did_you_mean(cells[i].casefold(), _STATUS_WORDS)}", name, lines, column)
    elif spec.kind == "tiers":
        def wrong_word(c: str) -> str | None:
            return next((w for w in _TIER_SEPARATORS.split(c)
                         if w and w.casefold() not in _TIER_WORDS), None)
        wrong = [i for i, c in enumerate(cells) if c and ok[i] and wrong_word(c) is not None]
        issues.cells(wrong, lambda i: f"{_shown(wrong_word(cells[i]))} in "
                     f"{_shown(cells[i])} is not a tier (basic, complete, upgrade, 基础类, "
                     "完善类, 提升类; separate them by spaces)", name, lines, column)
    return cells


def _header(header: list[str], rows: list[list[str]], issues: _Issues
            ) -> tuple[dict[str, int], dict[str, int]]:
    """``(known, unknown)``: the 0-based column index of each known column (canonical name)
    and of each other named column (its header text)."""
    if len(header) > MAX_TABLE_COLUMNS:
        raise issues.fatal("compounds", f"more than {MAX_TABLE_COLUMNS:,} columns "
                           f"({len(header):,}); is this the right file?", 1)
    known: dict[str, int] = {}
    unknown: dict[str, int] = {}
    names = [h.strip() for h in header]
    if not any(names):
        raise issues.fatal("compounds", "the first line is empty; it should be the header "
                           "(id,households,floor_area_m2,...)", 1)
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        sep = "semicolons" if ";" in names[0] else "tabs"
        raise issues.fatal("compounds", f"the header is one cell holding {sep}: separate the "
                           "columns with commas", 1, 1)
    for k, name in enumerate(names):
        if _CONTROL.search(name):
            issues.add("compounds", f"the column name {_shown(name)} holds a control character",
                       1, k + 1)
            continue
        if not name:
            if any(k < len(r) and r[k].strip() for r in rows):
                issues.add("compounds", f"column {k + 1} has values but no name in the header",
                           1, k + 1)
            continue
        if len(name) > _MAX_ECHO * 5:
            issues.add("compounds", f"the column name {_shown(name)} is too long", 1, k + 1)
            continue
        canonical = _LOOKUP.get(_normal(name))
        if canonical is not None:
            if canonical in known:
                first = names[known[canonical]]
                same = (f"'{first}' and '{name}' are the same column" if first != name
                        else f"the column '{name}' appears twice")
                issues.add(f"compounds.{canonical}", f"{same} (columns {known[canonical] + 1} "
                           f"and {k + 1})", 1, k + 1)
            else:
                known[canonical] = k
        elif name in unknown:
            issues.add(f"compounds.{name}", f"the column '{name}' appears twice (columns "
                       f"{unknown[name] + 1} and {k + 1})", 1, k + 1)
        else:
            unknown[name] = k
    for canonical, spec in COLUMNS.items():
        if spec.required and canonical not in known:
            hint = _suggest(canonical, unknown)
            alias = ALIASES[canonical][0]
            issues.add(f"compounds.{canonical}", f"the table has no column '{canonical}' (or "
                       f"'{alias}'), which is required{hint}", 1)
    for a, b in (("x_km", "y_km"), ("y_km", "x_km")):
        if a in known and b not in known:
            issues.add(f"compounds.{b}", f"the table has a column '{a}' but none '{b}': give "
                       "both coordinates or neither", 1, known[a] + 1)
    return known, unknown


def _suggest(canonical: str, names: Iterable[str]) -> str:
    """``"; is 'housholds' meant?"`` for a header name close to one of the column's names."""
    keys = [k for k, c in _LOOKUP.items() if c == canonical]
    for name in names:
        if difflib.get_close_matches(_normal(name), keys, n=1, cutoff=0.75):
            return f"; is '{printable(name)}' meant?"
    return ""


def _rectangular(rows: list[list[str]], width: int, lines: Sequence[int],
                 issues: _Issues) -> np.ndarray:
    """Pad or trim every row to ``width`` cells; a row with more non-empty cells, or fewer
    cells, than the header is an issue, and False in the returned mask."""
    ok = np.ones(len(rows), dtype=bool)
    wrong = 0
    for i, row in enumerate(rows):
        n = len(row)
        if n == width:
            continue
        if n > width:
            beyond = next((k for k in range(width, n) if row[k].strip()), None)
            if beyond is not None:
                ok[i] = False
                if wrong < MAX_ISSUES:
                    issues.add(f"compounds[{i}]", f"the row has {n} cells, the header {width}: "
                               f"a value beyond the last column", lines[i], beyond + 1)
                wrong += 1
            del row[width:]
        else:
            ok[i] = False
            if wrong < MAX_ISSUES:
                issues.add(f"compounds[{i}]", f"the row has {n} cells, the header {width}: a "
                           "cell is missing (a comma too few?)", lines[i], n + 1)
            wrong += 1
            row.extend([""] * (width - n))
    issues.dropped += max(0, wrong - MAX_ISSUES)
    return ok


def _cells(rows: list[list[str]], k: int, ok: np.ndarray, name: str, issues: _Issues,
           lines: Sequence[int]) -> tuple[list[str], np.ndarray]:
    """Column ``k`` stripped, and the rows whose cell may be checked further (control
    characters and over-long cells are issues here)."""
    cells = [row[k].strip() for row in rows]
    ok = ok.copy()
    if _CONTROL.search("".join(cells)):
        bad = [i for i, c in enumerate(cells) if ok[i] and _CONTROL.search(c)]
        issues.cells(bad, lambda i: f"the cell {_shown(cells[i])} holds a control "
                     "character", name, lines, k + 1)
        ok[bad] = False
    long = [i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS and ok[i]]
    if long:
        issues.cells(long, lambda i: f"the cell is longer than {MAX_CELL_CHARS:,} "
                     "characters", name, lines, k + 1)
        ok[long] = False
    return cells, ok


def _is_excel(path: str) -> bool:
    return os.path.splitext(path)[1].casefold() in (".xlsx", ".xlsm")


def read_compounds_table(file: str | os.PathLike, base_dir: str | os.PathLike | None = None,
                         allow_outside: bool = False, sheet: str | int | None = None
                         ) -> CompoundsTable:
    """Read and check a compounds table: a CSV file (UTF-8, a byte-order mark allowed) or a
    sheet of an Excel ``.xlsx`` workbook (needs ``pip install 'fundmodel[excel]'``).

    Parameters
    ----------
    file : str or path
        The table; ``.xlsx``/``.xlsm`` is read as Excel, anything else as CSV. Issues name it
        as given.
    base_dir : str or path, optional
        Folder ``file`` is relative to (a scenario's folder); the file must lie inside it
        unless ``allow_outside``. Without it, ``file`` is read as given, from anywhere.
    allow_outside : bool
        Allow a ``file`` outside ``base_dir``.
    sheet : str or int, optional
        The Excel sheet, by name or 0-based number (default: the first).

    Returns
    -------
    CompoundsTable

    Raises
    ------
    ScenarioError
        With one located issue per mistake (at most :data:`MAX_ISSUES`).
    """
    name = os.fspath(file)
    shown = str(name)
    issues = _Issues(shown)
    path = name if base_dir is None else os.path.join(os.fspath(base_dir), name)
    _open_checked(path, shown, None if base_dir is None else os.fspath(base_dir),
                  allow_outside, issues)
    excel = _is_excel(path)
    if excel:
        header, rows, lines = _xlsx_rows(path, sheet, issues)
        source = f"{shown}[{sheet}]" if sheet is not None else shown
    else:
        if sheet is not None:
            raise issues.fatal("compounds", f"a sheet ({sheet!r}) is given, but the file is "
                               "read as CSV, which has none (an Excel workbook ends in .xlsx)")
        header, rows, lines = _csv_rows(_read_bytes(path, issues), issues)
        source = shown
    known, unknown = _header(header, rows, issues)
    if not rows:
        issues.add("compounds", "the table has a header but no compounds", 1)
    issues.raise_any()
    ok = _rectangular(rows, len(header), lines, issues)
    n = len(rows)

    numbers: dict[str, np.ndarray] = {}
    texts: dict[str, list[str]] = {}
    for canonical, k in known.items():
        spec = COLUMNS[canonical]
        cells, cell_ok = _cells(rows, k, ok, canonical, issues, lines)
        if spec.kind == "number":
            numbers[canonical] = _check_numbers(canonical, spec, cells, cell_ok, issues, lines,
                                                k + 1)
        else:
            texts[canonical] = _check_texts(canonical, spec, cells, cell_ok, issues, lines,
                                            k + 1)
    if "id" in texts:
        first: dict[str, int] = {}
        dup: list[int] = []
        for i, c in enumerate(texts["id"]):
            if c and ok[i]:
                if c in first:
                    dup.append(i)
                else:
                    first[c] = i
        ids = texts["id"]
        issues.cells(dup, lambda i: f"duplicate id {_shown(ids[i])}: it is first on line "
                     f"{lines[first[ids[i]]]}", "id", lines, known["id"] + 1)
    if "x_km" in numbers and "y_km" in numbers:
        x, y = numbers["x_km"], numbers["y_km"]
        for a, b, va, vb in (("x_km", "y_km", x, y), ("y_km", "x_km", y, x)):
            half = np.flatnonzero(ok & ~np.isnan(va) & np.array(
                [rows[i][known[b]].strip() == "" for i in range(n)], dtype=bool))
            issues.cells(half, lambda i, a=a, b=b: f"{b} is empty but {a} is given: give both "
                         "coordinates or neither", b, lines, known[b] + 1)

    warnings: list[str] = []
    extra: dict[str, np.ndarray] = {}
    text_columns: list[str] = []
    for label, k in unknown.items():
        cells, cell_ok = _cells(rows, k, ok, label, issues, lines)
        values, bad = _numbers(cells)
        given = np.array([c != "" for c in cells], dtype=bool)
        if (bad & cell_ok).any() and all(c.casefold() in _TRUE | _FALSE
                                         for c, g, o in zip(cells, given, cell_ok) if g and o):
            # a yes/no column (words true/false, yes/no, 是/否 and maybe 1/0; an empty cell
            # is no), as 1.0/0.0
            extra[label] = np.array([float(c.casefold() in _TRUE) for c in cells])
            continue
        if not given.any() or (bad & cell_ok).any():
            where = next((i for i in range(n) if bad[i] and cell_ok[i]), None)
            why = (f"text ({_shown(cells[where])} on line {lines[where]})" if where is not None
                   else "no values")
            warnings.append(f"the column '{printable(label)}' (column {k + 1}) holds {why}: it "
                            "is not a known column and is ignored")
            if where is not None:
                text_columns.append(label)
            continue
        spec = _Column("number", low=-MAX_MONEY_CNY, high=MAX_MONEY_CNY,
                       reason="the bound on any number of the model")
        extra[label] = _check_numbers(label, spec, cells, cell_ok, issues, lines, k + 1)
    if any(c in known for c in ("status", "start_year", "required", "tiers_allowed")):
        _check_programme(texts, numbers, known, ok, issues, lines)
    issues.raise_any()

    floor = numbers["floor_area_m2"]
    charge = numbers.get("chargeable_area_m2", np.full(n, np.nan))
    charge = np.where(np.isnan(charge), floor, charge)
    above = int(np.count_nonzero(charge > floor))
    if above:
        warnings.append(f"{above:,} compounds have a chargeable area above their floor area")
    for w in warnings:
        log.warning("%s: %s", printable(shown), w)

    def text(column: str, default: Iterable[str] | str) -> tuple[str, ...]:
        if column not in texts:
            return tuple(default) if not isinstance(default, str) else (default,) * n
        cells = texts[column]
        if isinstance(default, str):
            return tuple(c or default for c in cells)
        return tuple(c or d for c, d in zip(cells, default))

    def number(column: str) -> np.ndarray:
        return numbers.get(column, np.full(n, np.nan))

    ids = tuple(texts["id"])
    lifts = texts.get("lifts_possible", [""] * n)
    tiers = texts.get("tier_planned", [""] * n)
    allowed = [_tier_set(c) for c in texts.get("tiers_allowed", [""] * n)]
    # an empty tier_planned beside allowed tiers: the highest allowed (not all tiers)
    tiers = [c if c else (a[-1] if a else "") for c, a in zip(tiers, allowed)]
    tier_planned = tuple(_TIER_WORDS[c.casefold()] if c else "upgrade" for c in tiers)
    status = tuple(_STATUS_WORDS[c.casefold()] if c else "planned"
                   for c in texts.get("status", [""] * n))
    required_cells = texts.get("required", [""] * n)
    required = np.array([s == "under_way" or c.casefold() in _TRUE
                         for s, c in zip(status, required_cells)], dtype=bool)
    columns = {c: k + 1 for c, k in known.items()}
    columns.update({label: unknown[label] + 1 for label in extra})
    return CompoundsTable(
        source=source, ids=ids, names=text("name", ids), streets=text("street", ""),
        households=numbers["households"].astype(np.int64),
        floor_area_m2=floor, chargeable_area_m2=charge,
        buildings=number("buildings"), storeys=number("storeys"),
        built_year=number("built_year"),
        lifts_possible=np.array([c.casefold() in _TRUE for c in lifts], dtype=bool),
        tier_planned=tier_planned,
        x_km=number("x_km"), y_km=number("y_km"), neighbourhood=text("neighbourhood", ""),
        condition_score=number("condition_score"), extra=extra, lines=tuple(lines),
        columns=columns, warnings=tuple(warnings), status=status,
        start_year=number("start_year"), required=required,
        tiers_allowed=tuple(a or (t,) for a, t in zip(allowed, tier_planned)),
        text_columns=tuple(text_columns))


def _tier_set(cell: str) -> tuple[str, ...]:
    """The tiers a ``tiers_allowed`` cell names (checked words), in the order of TIERS."""
    named = {_TIER_WORDS[w.casefold()] for w in _TIER_SEPARATORS.split(cell) if w}
    return tuple(t for t in TIERS if t in named)


def _check_programme(texts: dict, numbers: dict, known: dict, ok: np.ndarray,
                     issues: _Issues, lines: Sequence[int]) -> None:
    """The programme columns against each other, row by row: an ``under_way`` compound needs
    a ``start_year`` and cannot be ``required: no``; a ``done`` compound cannot be required;
    ``tier_planned`` must be one of ``tiers_allowed``. (A start year against the plan's years
    is checked with the scenario: :func:`fundmodel.scenario.portfolio.programme_issues`.)"""
    n = len(ok)
    status = [_STATUS_WORDS.get(c.casefold(), "") if c else "planned"
              for c in texts.get("status", [""] * n)]
    start = numbers.get("start_year", np.full(n, np.nan))
    required = texts.get("required", [""] * n)
    if "status" in known:
        col = known["status"] + 1
        rows = [i for i in range(n) if ok[i] and status[i] == "under_way" and np.isnan(start[i])]
        issues.cells(rows, lambda i: "an under_way compound needs its start_year (the year its "
                     "works started)", "start_year", lines,
                     known["start_year"] + 1 if "start_year" in known else col)
    if "required" in known:
        col = known["required"] + 1
        rows = [i for i in range(n) if ok[i] and status[i] == "done"
                and required[i].casefold() in _TRUE]
        issues.cells(rows, lambda i: f"{_shown(required[i])}: a done compound was renovated "
                     "before the plan and cannot be required in it", "required", lines, col)
        rows = [i for i in range(n) if ok[i] and status[i] == "under_way"
                and required[i].casefold() in _FALSE]
        issues.cells(rows, lambda i: f"{_shown(required[i])}: an under_way compound is always "
                     "in the plan (leave the cell empty or write yes)", "required", lines, col)
    if "tiers_allowed" in known and "tier_planned" in known:
        col = known["tier_planned"] + 1
        planned = texts["tier_planned"]
        allowed = texts["tiers_allowed"]
        rows = [i for i in range(n) if ok[i] and planned[i] and allowed[i]
                and planned[i].casefold() in _TIER_WORDS
                and all(w.casefold() in _TIER_WORDS for w in _TIER_SEPARATORS.split(allowed[i])
                        if w)
                and _TIER_WORDS[planned[i].casefold()] not in _tier_set(allowed[i])]
        issues.cells(rows, lambda i: f"{_shown(planned[i])} is not among the tiers allowed "
                     f"({_shown(allowed[i])})", "tier_planned", lines, col)


def compounds_table_for(data: dict, positions: Positions | None, source: str | None,
                     context: dict):
    """A portfolio's compounds table, read before the scenario is validated so that its
    mistakes are reported at their row and column of the table (and a table that cannot be
    read at ``portfolio.compounds`` of the scenario). None without a portfolio."""
    portfolio = data.get("portfolio")
    if not isinstance(portfolio, dict) or not isinstance(portfolio.get("compounds"), str) \
            or not portfolio["compounds"] or "compound" in data:
        return None
    sheet = portfolio.get("sheet") if isinstance(portfolio.get("sheet"), str) else None
    try:
        return read_compounds_table(portfolio["compounds"], base_dir=context["base_dir"],
                                    allow_outside=context["allow_outside_files"], sheet=sheet)
    except ScenarioError as exc:
        pos = positions.get(("portfolio", "compounds")) if positions is not None else None
        issues = [issue if issue.file is not None else
                  Issue("portfolio.compounds", issue.message, source,
                        getattr(pos, "line", None), getattr(pos, "column", None))
                  for issue in exc.issues]
        raise ScenarioError(issues) from None
