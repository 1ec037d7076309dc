"""Writing results to files, atomically: a reader never sees a half-written output."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .errors import FundmodelError
from .results import Result

__all__ = ["result_tables", "write_csv", "write_text_atomic"]


def result_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables a run writes: ``summary``, ``metrics`` (when the per-draw table was kept),
    ``yearly`` (columns ``line:statistic`` for many draws) and ``funding``."""
    yearly = result.yearly()
    if isinstance(yearly.columns, pd.MultiIndex):
        yearly = yearly.copy()
        yearly.columns = [f"{line}:{stat}" if stat else line for line, stat in yearly.columns]
    tables = {"summary": result.summary()}
    if result.has_draws:
        tables["metrics"] = result.metrics
    tables.update({"yearly": yearly, "funding": result.funding()})
    return tables


def write_csv(result: Result, out_dir: str | os.PathLike) -> list[Path]:
    """Write ``summary.csv``, ``metrics.csv``, ``yearly.csv`` and ``funding.csv`` into
    ``out_dir`` (created if needed).

    All files are first written into a temporary folder beside ``out_dir`` and then moved into
    place, each by an atomic rename: on any failure nothing is left half-written.

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FundmodelError(f"{out} exists and is not a folder")
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        names = []
        for name, table in result_tables(result).items():
            table.to_csv(tmp / f"{name}.csv")
            names.append(f"{name}.csv")
        if not out.exists():
            os.rename(tmp, out)
            return [out / n for n in names]
        for n in names:
            os.replace(tmp / n, out / n)
        tmp.rmdir()
        return [out / n for n in names]
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a text file by writing a temporary file beside it and renaming it into place."""
    path = Path(path)
    path.absolute().parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.absolute().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
