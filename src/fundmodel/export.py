"""Writing results to files, atomically: a reader never sees a half-written output."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from stat import S_IMODE
from pathlib import Path

import pandas as pd

from .errors import FundmodelError
from .results import YEARLY_STATISTICS, Result

__all__ = ["result_tables", "write_csv", "write_text_atomic"]


def result_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables a run writes: ``summary`` (with ``n`` and ``undefined`` draws per metric),
    ``metrics`` (when the per-draw table was kept), ``yearly`` and ``funding``.

    ``yearly`` has the columns of ``result.yearly()`` — ``calendar_year`` and one column per
    line, the value of the one draw or the mean over many — so the file reads the same for a
    deterministic and a Monte Carlo run. A run of many draws adds the quantile bands as columns
    ``<line>:p5`` ... ``<line>:p95`` for the lines that have them (``operating_surplus`` and
    ``cumulative_balance``, or every line with ``keep_yearly=True``)."""
    yearly = result.yearly()
    if result.n_draws > 1:
        quantiles = [stat for stat in YEARLY_STATISTICS if stat != "mean"]
        bands = {stat: result.yearly(stat) for stat in quantiles}
        lines = [c for c in bands[quantiles[0]].columns if c != "calendar_year"]
        yearly = yearly.assign(**{f"{line}:{stat}": bands[stat][line]
                                  for line in lines for stat in quantiles})
    tables = {"summary": result.summary()}
    if result.has_draws:
        tables["metrics"] = result.metrics
    tables.update({"yearly": yearly, "funding": result.funding()})
    return tables


def _blocking_file(path: Path) -> Path | None:
    """The first of ``path``'s ancestors that exists but is not a folder, if any."""
    for parent in reversed(path.parents):
        try:
            if parent.exists() and not parent.is_dir():
                return parent
        except OSError:
            return None
    return None


def _cannot(path: Path, exc: OSError, where: bool = False) -> FundmodelError:
    """A :class:`FundmodelError` for an OSError met while writing to ``path``; with ``where``
    the message also names the file the error is about (e.g. a parent folder that cannot be
    created)."""
    blocker = _blocking_file(path)
    if blocker is not None:
        return FundmodelError(f"cannot write to {path}: {blocker} is a file, not a folder")
    why = exc.strerror or str(exc)
    if where and exc.filename is not None and os.fspath(exc.filename) != os.fspath(path):
        why += f": {os.fspath(exc.filename)}"
    return FundmodelError(f"cannot write to {path}: {why}")


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents like ``mkdir -p``; return the folders created,
    outermost first, so that a failed write can remove them again."""
    missing = []
    for p in [folder, *folder.parents]:
        if p.is_dir():
            break
        missing.append(p)
    created = []
    try:
        for p in reversed(missing):
            try:
                p.mkdir()
            except FileExistsError:
                if not p.is_dir():
                    raise
                continue  # made by someone else meanwhile: theirs, not ours to remove
            created.append(p)
    except OSError:
        _remove_folders(created)
        raise
    return created


def _remove_folders(created: list[Path]) -> None:
    """Remove folders made by :func:`_make_parents` (innermost first), if still empty."""
    for p in reversed(created):
        try:
            p.rmdir()
        except OSError:
            break


def _temp_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder in ``parent``, made by ``mkdir`` with mode 0777 so that it
    gets exactly the permissions of any new folder under the current umask (and default ACLs).
    ``tempfile.mkdtemp`` would make it 0700, and the output folder is this folder renamed."""
    for _ in range(100):
        tmp = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            tmp.mkdir(mode=0o777)
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(parent))


def write_csv(result: Result, out_dir: str | os.PathLike) -> list[Path]:
    """Write the tables of :func:`result_tables` (``summary.csv``, ``metrics.csv``,
    ``yearly.csv``, ``funding.csv``) into ``out_dir``, created if needed with the usual
    permissions (``0o777 & ~umask`` for folders, ``0o666 & ~umask`` for the files).

    All files are first written into a temporary folder beside ``out_dir`` and then moved into
    place, each by an atomic rename: on any failure nothing is left half-written, and neither
    the temporary folder nor any folder created for ``out_dir`` is left behind.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FundmodelError
        If the files cannot be written (``out_dir`` or one of its parents is a file, no
        permission, disk full...); the message names the path.
    """
    out = Path(out_dir)
    tables = result_tables(result)  # compute everything before touching the disk
    names = [f"{name}.csv" for name in tables]
    try:
        if out.exists() and not out.is_dir():
            raise FundmodelError(f"{out} exists and is not a folder")
        parent = Path(os.path.abspath(out)).parent
        created = _make_parents(parent)
    except OSError as exc:
        raise _cannot(out, exc, where=True) from None
    tmp: Path | None = None
    done = False
    try:
        tmp = _temp_folder(parent, f".{Path(os.path.abspath(out)).name}.")
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv")
        if not out.exists():
            try:
                os.rename(tmp, out)  # a new folder: all four files appear at once
                tmp = None
            except OSError as exc:  # out appeared meanwhile: fill it as an existing folder
                if not (exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and out.is_dir()):
                    raise
        if tmp is not None:
            for n in names:  # an existing folder: replace each file atomically
                os.replace(tmp / n, out / n)
        done = True
        return [out / n for n in names]
    except OSError as exc:
        raise _cannot(out, exc) from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not done:
            _remove_folders(created)


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a text file by writing a temporary file beside it and renaming it into place.

    A new file gets the usual permissions (``0o666 & ~umask``); a replaced file keeps its own.

    Raises
    ------
    FundmodelError
        If the file cannot be written (``path`` is a folder, a parent is a file, no
        permission...); the message names the path. Nothing is left behind.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise FundmodelError(f"cannot write {path}: it is a folder; give a file name")
        folder = Path(os.path.abspath(path)).parent
        created = _make_parents(folder)
    except OSError as exc:
        raise _cannot(path, exc, where=True) from None
    tmp: Path | None = None
    done = False
    try:
        try:
            mode = S_IMODE(os.stat(path).st_mode)  # a replaced file keeps its mode
        except OSError:
            mode = None
        for _ in range(100):
            candidate = folder / f".{path.name}.{secrets.token_hex(4)}"
            try:  # 0o666: the umask applies, as for any new file (mkstemp would give 0o600)
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))
        tmp = candidate
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(text)
        os.replace(tmp, path)
        tmp = None
        done = True
    except OSError as exc:
        if isinstance(exc, IsADirectoryError) or path.is_dir():
            raise FundmodelError(f"cannot write {path}: it is a folder; give a file "
                                 "name") from None
        raise _cannot(path, exc) from None
    finally:
        if tmp is not None:
            try:
                tmp.unlink()
            except OSError:
                pass
        if not done:
            _remove_folders(created)
