"""A district's per-building table (``portfolio.buildings``): one row per residential building
of a compound, for the ``households`` section (docs/portfolio.md, "Each compound's
households").

A CSV file (UTF-8), its header naming the columns (matched ignoring case, spaces, ``-`` and
``_``): ``compound_id`` (the compounds table's ``id``), ``building`` (its name, unique within
the compound), ``floors`` (1 … 200), ``units_per_floor`` (households on every floor, 0 …
1e9, or one count per floor separated by spaces, ground floor first: ``0 4 4 4 4 4`` for a
building with shops on its ground floor) and, optionally, ``area_per_unit_m2`` (> 0; empty: the compound's floor area per
household). Every mistake is one :class:`~fundmodel.errors.Issue` ``file:line:column
buildings[i].<column>: message``; they are raised together as one
:class:`~fundmodel.errors.ScenarioError`. Imports no scenario model.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass

import numpy as np

from ..errors import Issue, ScenarioError
from .limits import MAX_AREA_M2, MAX_HOUSEHOLDS, MAX_STOREYS

__all__ = ["BuildingsTable", "read_buildings_table", "BUILDINGS_COLUMNS", "MAX_BUILDINGS_BYTES"]

MAX_BUILDINGS_BYTES = 200_000_000
"""Largest per-building table read, bytes."""

BUILDINGS_COLUMNS = {
    "compound_id": ("compoundid", "compound", "id", "小区编号", "编号"),
    "building": ("buildingname", "name", "楼栋", "楼号", "楼栋名称"),
    "floors": ("storeys", "层数"),
    "units_per_floor": ("unitsperfloor", "每层户数"),
    "area_per_unit_m2": ("areaperunitm2", "areaperunit", "户均面积", "套内面积"),
}
"""Each column's name and the other names it goes by (normalised: lower case, no spaces,
``-`` or ``_``)."""

_REQUIRED = ("compound_id", "building", "floors", "units_per_floor")


def _normal(name: str) -> str:
    return "".join(ch for ch in name.strip().lower() if ch not in " -_\t")


@dataclass(frozen=True)
class BuildingsTable:
    """The rows of a per-building table, in file order (blank rows skipped)."""

    source: str
    compound_ids: tuple[str, ...]
    names: tuple[str, ...]
    floors: np.ndarray
    units_per_floor: tuple[int | tuple[int, ...], ...]
    """Each row's units on every floor, or a tuple with one count per floor."""
    area_per_unit_m2: np.ndarray
    """m² (NaN where the cell is empty)."""
    lines: tuple[int, ...]
    columns: dict[str, int]
    """The column number (from 1) of each column given."""

    def rows_of(self) -> dict[str, list[int]]:
        """The rows of each compound id, in file order."""
        out: dict[str, list[int]] = {}
        for i, key in enumerate(self.compound_ids):
            out.setdefault(key, []).append(i)
        return out

    def households(self, row: int) -> int:
        """The households of a row's building: Σ of its floors' units."""
        units = self.units_per_floor[row]
        return sum(units) if isinstance(units, tuple) else int(self.floors[row]) * units

    def issue(self, row: int, column: str, message: str) -> Issue:
        """A located issue at ``row``'s cell of ``column``."""
        return Issue(f"buildings[{row}].{column}", message, self.source, self.lines[row],
                     self.columns.get(column))


def _whole(cell: str, low: float, high: float) -> tuple[float | None, str | None]:
    try:
        value = float(cell)
    except ValueError:
        return None, f"{cell!r} is not a number"
    if not np.isfinite(value) or not value.is_integer():
        return None, f"{cell!r} is not a whole number"
    if not low <= value <= high:
        return None, f"{cell!r} is not between {low:g} and {high:g}"
    return value, None


def read_buildings_table(file: str | os.PathLike, base_dir: str | os.PathLike | None = None,
                         allow_outside: bool = False) -> BuildingsTable:
    """Read and check a per-building table (see the module's docstring).

    ``file`` is relative to ``base_dir`` (a scenario's folder) and must lie inside it unless
    ``allow_outside``; without ``base_dir`` it is read as given.

    Raises
    ------
    ScenarioError
        With one located issue per mistake.
    """
    name = os.fspath(file)
    path = name if base_dir is None else os.path.join(os.fspath(base_dir), name)

    def fatal(message: str, line: int | None = None, column: int | None = None):
        return ScenarioError([Issue("buildings", message, name, line, column)])

    if base_dir is not None and not allow_outside:
        folder, real = os.path.realpath(os.fspath(base_dir)), os.path.realpath(path)
        if os.path.commonpath([folder, real]) != folder:
            raise fatal(f"{name} is outside the folder {os.fspath(base_dir)}; copy it there, "
                        "or allow files outside it (allow_outside=True, --allow-outside-files)")
    try:
        if os.path.getsize(path) > MAX_BUILDINGS_BYTES:
            raise fatal(f"the file is larger than {MAX_BUILDINGS_BYTES:,} bytes")
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise fatal(f"there is no file {path}") from None
    except OSError as exc:
        raise fatal(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fatal("the file is not UTF-8 text: save it as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise fatal("the file is empty; its first line should be the header "
                    "(compound_id,building,floors,units_per_floor,area_per_unit_m2)") from None
    known = {_normal(k): k for k in BUILDINGS_COLUMNS}
    known.update({alias: k for k, aliases in BUILDINGS_COLUMNS.items() for alias in aliases})
    columns: dict[str, int] = {}
    issues: list[Issue] = []
    for j, cell in enumerate(header):
        key = known.get(_normal(cell))
        if key is None:
            continue
        if key in columns:
            issues.append(Issue(f"buildings.{key}", f"{cell!r} and column {columns[key]} are "
                                "the same column", name, 1, j + 1))
        columns[key] = j + 1
    for key in _REQUIRED:
        if key not in columns:
            issues.append(Issue(f"buildings.{key}", f"the table has no column {key!r}, which "
                                "is required", name, 1))
    if issues:
        raise ScenarioError(issues)
    rows, lines = [], []
    previous = reader.line_num
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(start)
    if not rows:
        raise fatal("the table has a header but no buildings", 1)
    n = len(rows)
    ids, names = [], []
    floors = np.zeros(n, dtype=np.int64)
    units: list[int | tuple[int, ...]] = [0] * n
    area = np.full(n, np.nan)

    def cell(i: int, key: str) -> str:
        j = columns.get(key)
        return "" if j is None or j > len(rows[i]) else rows[i][j - 1].strip()

    def bad(i: int, key: str, message: str) -> None:
        issues.append(Issue(f"buildings[{i}].{key}", message, name, lines[i], columns.get(key)))

    seen: dict[tuple[str, str], int] = {}
    for i in range(n):
        key, building = cell(i, "compound_id"), cell(i, "building")
        for what, value in (("compound_id", key), ("building", building)):
            if not value:
                bad(i, what, "the cell is empty; every building needs a value")
        if key and building:
            if (key, building) in seen:
                bad(i, "building", f"duplicate building {building!r} of compound {key!r}: it is "
                    f"first on line {lines[seen[key, building]]}")
            seen.setdefault((key, building), i)
        ids.append(key)
        names.append(building)
        for what, low, high in (("floors", 1, MAX_STOREYS),
                                ("units_per_floor", 0, MAX_HOUSEHOLDS)):
            text = cell(i, what)
            if not text:
                bad(i, what, "the cell is empty; every building needs a value")
                continue
            parts = text.split() if what == "units_per_floor" else [text]
            found = [_whole(part, low, high) for part in parts]
            why = next((w for _, w in found if w), None)
            if why:
                bad(i, what, why)
            elif what == "floors":
                floors[i] = int(found[0][0])
            elif len(found) == 1:
                units[i] = int(found[0][0])
            else:
                units[i] = tuple(int(v) for v, _ in found)
                if floors[i] and len(found) != floors[i]:
                    bad(i, what, f"{len(found)} counts for {floors[i]} floors: give one per "
                        "floor (ground floor first, separated by spaces), or a single number")
        text = cell(i, "area_per_unit_m2")
        if text:
            try:
                value = float(text)
            except ValueError:
                bad(i, "area_per_unit_m2", f"{text!r} is not a number")
                continue
            if not (np.isfinite(value) and 0 < value <= MAX_AREA_M2):
                bad(i, "area_per_unit_m2", f"{text!r} is not greater than 0 and at most "
                    f"{MAX_AREA_M2:g} m²")
            else:
                area[i] = value
        if not np.any(units[i]) and cell(i, "units_per_floor") and not any(
                x.path == f"buildings[{i}].units_per_floor" for x in issues):
            bad(i, "units_per_floor", "the building has no units")
    if issues:
        raise ScenarioError(sorted(issues, key=lambda x: (x.line or 0, x.column or 0)))
    return BuildingsTable(name, tuple(ids), tuple(names), floors, tuple(units), area,
                          tuple(lines), columns)
