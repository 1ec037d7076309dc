"""Data files a scenario names: the CSV column an ``empirical`` distribution resamples.

A data file is read only from the scenario file's folder (unless the caller allows others), at
most :data:`MAX_CSV_BYTES`, as UTF-8 text of at most
:data:`~fundmodel.io.limits.MAX_EMPIRICAL_VALUES` numbers; every problem is a located
error that never echoes the content of a file that is not a CSV table of numbers.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat

from .issues import did_you_mean, fail
from .limits import MAX_EMPIRICAL_VALUES
from .yamlio import not_utf8_issue_parts

__all__ = ["read_csv_column", "MAX_CSV_BYTES"]

MAX_CSV_BYTES = 10_000_000
"""Largest CSV file an ``empirical`` distribution reads (10 MB)."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_ECHO = 40  # longest cell or column name repeated in a message


def _in_folder(folder: str, path: str) -> bool:
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return os.path.commonpath([folder, path]) == folder


def _read_csv_bytes(base_dir: str, file: str, allow_outside: bool) -> tuple[str, bytes]:
    path = os.path.join(base_dir, file)
    problem = None
    try:
        if not allow_outside and not _in_folder(base_dir, path):
            problem = (f"{file} is outside the scenario's folder; copy it there, or allow data "
                       "files outside it (load_scenario(..., allow_outside_files=True), "
                       "--allow-outside-files)")
        elif not stat.S_ISREG((info := os.stat(path)).st_mode):
            problem = f"{path} is not a regular file"
        elif info.st_size > MAX_CSV_BYTES:
            problem = f"{path} is larger than {MAX_CSV_BYTES:,} bytes ({info.st_size:,})"
        else:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_CSV_BYTES + 1)
            if len(raw) > MAX_CSV_BYTES:  # it grew while being read
                problem = f"{path} is larger than {MAX_CSV_BYTES:,} bytes"
    except OSError as exc:
        problem = f"cannot read {path}: {exc.strerror or exc}"
    except ValueError as exc:  # a NUL character in the name
        problem = f"cannot read {file!r}: {exc}"
    if problem is not None:
        raise fail(problem, "file")
    return path, raw


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _looks_like_a_table(header: list[str], rows: list[list[str]]) -> bool:
    """Whether a file is a CSV table of data (so its column names may be shown): a header of
    short printable names, rows as wide as it, and a column of numbers. A file that is not
    (/etc/passwd, a binary file) is never echoed in a message."""
    if not header or not rows or len(header) > 200:
        return False
    if not all(0 < len(h) <= _MAX_ECHO and h.isprintable() for h in header):
        return False
    if any(len(r) != len(header) for r in rows if r):
        return False
    return any(all(_is_number(r[k].strip()) for r in rows if r and r[k].strip())
               and any(r and r[k].strip() for r in rows) for k in range(len(header)))


def read_csv_column(base_dir: str, file: str, column: str,
                     allow_outside: bool = False) -> list[float]:
    """The numbers of one column of a CSV file (UTF-8, header line first, empty cells
    skipped), at most :data:`~fundmodel.io.limits.MAX_EMPIRICAL_VALUES` of them.

    Every problem is raised with :func:`fail` at ``file`` (or ``column``); no message holds
    the content of a file that is not a CSV table of numbers.
    """
    path, raw = _read_csv_bytes(base_dir, file, allow_outside)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        message, line, _ = not_utf8_issue_parts(raw, exc)
        raise fail(f"{path}:{line}: {message.replace('the file is ', '', 1)}", "file") from None
    if m := _CONTROL.search(text):
        line = text.count("\n", 0, m.start()) + 1
        raise fail(f"{path}:{line}: not a CSV text file (it holds the control character "
                   f"U+{ord(m.group()):04X})", "file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
        raise fail(f"{path}:{reader.line_num}: not a readable CSV file ({exc})", "file") from None
    if not rows:
        raise fail(f"{path} is empty", "file")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    if column not in header:
        if _looks_like_a_table(header, body):
            listed = ", ".join(header[:20]) + (", ..." if len(header) > 20 else "")
            raise fail(f"{path} has no column '{column}'{did_you_mean(column, header)}; "
                       f"columns: {listed}", "column")
        raise fail(f"{path} has no column '{column}', and its first line is not the header "
                   "of a CSV table of numbers; is it the right file?", "column")
    k = header.index(column)
    values: list[float] = []
    bad: tuple[int, str] | None = None
    for line, row in enumerate(body, start=2):
        cell = row[k].strip() if k < len(row) else ""
        if cell == "":
            continue
        try:
            values.append(float(cell))
        except ValueError:
            bad = bad or (line, cell)
        if len(values) > MAX_EMPIRICAL_VALUES:
            raise fail(f"{path}: more than {MAX_EMPIRICAL_VALUES:,} values in column "
                       f"'{column}'; resample them to fewer", "file")
    if bad is not None:
        line, cell = bad
        if not values:
            raise fail(f"column '{column}' of {path} holds no numbers; is it the right file?",
                       "file")
        shown = f"{cell!r} " if len(cell) <= _MAX_ECHO and cell.isprintable() else ""
        raise fail(f"{path}:{line}: the value {shown}in column '{column}' is not a number",
                   "file")
    return values
