"""Writing results to files, atomically: a reader never sees a half-written output, and the
files of one run appear as a set (all of them or none), with a ``run.json`` record of the run.

A set is committed into an existing folder through a journal (:data:`JOURNAL`), so that an
interruption at any step (Ctrl-C, SIGTERM: rolled back at once; the process killed: rolled
back by the next write) leaves the earlier set or the new one; the next write also removes the
staging a killed run left (only fundmodel's own names). See docs/cli.md, "Interrupted
writes"."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import math
import os
import re
import secrets
import shutil
import stat
import time
from datetime import datetime, timezone
from stat import S_IMODE
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Mapping, Sequence

import pandas as pd

from ..errors import FundmodelError
from ..results.result import YEARLY_STATISTICS, Result

try:  # advisory locks on folders (POSIX); without them a run cannot tell a live run's staging
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["FORMATS", "JOURNAL", "RUN_RECORD", "csv_bytes_estimate", "file_sha256",
           "recover_output_folder", "result_tables", "run_record", "table_formats", "write_csv",
           "write_table_set", "write_text_atomic", "write_file_atomic"]

log = logging.getLogger("fundmodel")

RUN_RECORD = "run.json"
"""Name of the record of a run that :func:`write_csv` writes beside the tables."""

CSV_ENCODING = "utf-8-sig"
"""CSV files are UTF-8 with a byte-order mark, so that Excel reads Chinese labels correctly."""

_OWN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\.(csv|json|parquet|png)\Z")
"""Names an earlier run's record may list for removal: plain csv/json/parquet/png file names, no
folders, no hidden files."""

JOURNAL = ".fundmodel-journal.json"
"""The journal of a commit into an existing output folder: written (atomically) before the
first rename, removed after the last; a write that finds one completes the interrupted commit's
roll-back first (:func:`recover_output_folder`)."""

_STAGING = re.compile(r"\.fundmodel-(new|old)-[0-9a-f]{8}\Z")
"""Our own folders inside an output folder: the new files staged (``new``) and the replaced
ones moved aside (``old``) during a commit."""

_JOURNAL_TEMP = re.compile(re.escape(JOURNAL) + r"\.[0-9a-f]{8}\Z")
"""The journal being written (renamed to :data:`JOURNAL` when complete)."""

_BESIDE = ".fundmodel-"
"""A new output folder ``DIR`` is staged beside it as ``.DIR.fundmodel-<8 hex digits>``."""

LOCK_WAIT_SECONDS = 300.0
"""Longest wait for another run writing into the same output folder (its lock) to finish."""

MAX_JOURNAL_BYTES = 1 << 20
"""Largest journal read (ours are a few hundred bytes)."""

FORMATS = ("csv", "parquet", "auto")
"""How per-draw tables are written: ``csv``; ``parquet``; ``auto`` (Parquet for those
estimated above :data:`AUTO_PARQUET_BYTES` as CSV, when pyarrow is installed). The other
tables are always CSV."""

PER_DRAW_TABLES = ("metrics",)
"""The tables of :func:`result_tables` with one row per draw."""

CSV_BYTES_PER_CELL = 20
"""Bytes a number takes in a CSV file, about (17 significant digits, a separator): the
estimate of a table's size is rows × (columns + index columns) × this."""

AUTO_PARQUET_BYTES = 50 * 1000**2
"""With ``format="auto"``, a per-draw table estimated above this (50 MB as CSV) is Parquet."""

LARGE_CSV_BYTES = 300 * 1000**2
"""A CSV file estimated above this (300 MB) is announced before it is written."""

PARQUET_HINT = "pip install 'fundmodel[parquet]'"


def result_tables(result: Result) -> dict[str, pd.DataFrame]:
    """The tables a run writes: ``summary`` (with ``n`` and ``undefined`` draws per metric),
    ``metrics`` (when the per-draw table was kept), ``yearly`` and ``funding``.

    ``yearly`` has the columns of ``result.yearly()`` — ``calendar_year`` and one column per
    line, the value of the one draw or the mean over many — so the file reads the same for a
    deterministic and a Monte Carlo run. A run of many draws adds the quantile bands as columns
    ``<line>:p5`` ... ``<line>:p95`` for the lines that have them (``operating_surplus`` and
    ``cumulative_balance``, or every line with ``keep_yearly=True``). A scenario with a
    households section adds ``decisions`` (when it has votes), ``households`` and ``channels``
    (:meth:`Result.decisions`, :meth:`Result.households`, :meth:`Result.channels`). A scenario
    with a ``fiscal`` section or a financing instrument adds ``fiscal``
    (:meth:`Result.fiscal`), and ``debt`` with a loan or bond (:meth:`Result.debt`). Then
    every declared output table the run has (:meth:`Result.declared_tables`), under its
    declared name."""
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
    if result.has_households:  # a scenario with a households section
        if len(result.decisions()):
            tables["decisions"] = result.decisions()
        tables.update({"households": result.households(), "channels": result.channels()})
    if result.has_financing:  # a fiscal section or a financing instrument
        tables["fiscal"] = result.fiscal()
        debt = result.debt()
        if len(debt):
            tables["debt"] = debt
    for name, table in result.declared_tables().items():  # fundmodel.catalog.tables
        if name in tables:
            raise FundmodelError(f"the declared table {name} has the name of a built-in table")
        tables[name] = table
    return tables


def csv_bytes_estimate(table: pd.DataFrame) -> int:
    """A table's size as CSV, estimated without writing it: rows × (columns + index levels)
    × :data:`CSV_BYTES_PER_CELL` bytes."""
    return len(table) * (table.shape[1] + table.index.nlevels) * CSV_BYTES_PER_CELL


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def table_formats(tables: Mapping[str, pd.DataFrame], format: str = "csv",
                  per_draw: Iterable[str] = PER_DRAW_TABLES,
                  on_large_csv: Callable[[str, int], None] | None = None) -> dict[str, str]:
    """The file format (``"csv"`` or ``"parquet"``) of each table: the tables named in
    ``per_draw`` as ``format`` says (:data:`FORMATS`; ``auto`` falls back to CSV, with a
    logged warning, when pyarrow is missing), every other table CSV.

    A per-draw table left as CSV and estimated (:func:`csv_bytes_estimate`) above
    :data:`LARGE_CSV_BYTES` is announced, before anything is written, to
    ``on_large_csv(file name, estimated bytes)`` (default: a logged warning). The other
    tables are a few rows per metric, line or year, never that large.

    Raises
    ------
    FundmodelError
        If ``format`` is not one of :data:`FORMATS`, or is ``parquet`` and pyarrow is missing.
    """
    if format not in FORMATS:
        raise FundmodelError(f"unknown format {format!r}: expected one of {', '.join(FORMATS)}")
    per_draw = set(per_draw)
    chosen = {name: "csv" for name in tables}
    for name in chosen.keys() & per_draw:
        if format == "parquet" or (format == "auto"
                                   and csv_bytes_estimate(tables[name]) > AUTO_PARQUET_BYTES):
            chosen[name] = "parquet"
    if "parquet" in chosen.values() and not _has_pyarrow():
        if format == "parquet":
            raise FundmodelError(f"Parquet files need pyarrow: {PARQUET_HINT}")
        log.warning("pyarrow is not installed: writing CSV (%s)", PARQUET_HINT)
        chosen = {name: "csv" for name in tables}
    for name in sorted(chosen.keys() & per_draw):
        size = csv_bytes_estimate(tables[name])
        if chosen[name] == "csv" and size > LARGE_CSV_BYTES:
            if on_large_csv is None:
                log.warning("%s.csv will be about %s MB: Parquet (format='parquet') is "
                            "smaller and faster", name, f"{size / 1000**2:,.0f}")
            else:
                on_large_csv(f"{name}.csv", size)
    return chosen


def _file_names(formats: Mapping[str, str]) -> list[str]:
    return [f"{name}.{fmt}" for name, fmt in formats.items()]


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


def _json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by a string (``"inf"``, ``"-inf"``,
    ``"nan"``): JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # a numpy scalar
        return _json_safe(value.item())
    return value


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as 64 hex digits. Only a regular file is read (an OSError
    for a FIFO, a device or a folder: :func:`~fundmodel.io.yamlio.open_regular_file`)."""
    from ..io.yamlio import open_regular_file

    digest = hashlib.sha256()
    with open_regular_file(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_record(result: Result, files: Sequence[str] = (), *,
               scenario_file: str | os.PathLike | None = None,
               scenario_sha256: str | None = None,
               overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The record of a run that :func:`write_csv` writes as ``run.json``.

    Keys: ``fundmodel_version``; ``time_utc`` (ISO 8601, now); ``scenario_file`` (as given) and
    ``scenario_sha256`` (of the file's bytes; computed from the file now if not given);
    ``set`` (the ``--set`` changes, in order); ``kind`` (``deterministic`` or
    ``monte_carlo``), ``draws``, ``seed`` (also a freshly drawn one), ``sampler``,
    ``chunk_size``, ``workers``, ``point_estimate``, ``keep_draws``, ``keep_yearly`` (None
    where they do not apply); ``warnings``; ``files`` (the files of the run, this record
    included); ``scenario`` (the full resolved scenario,
    ``scenario.model_dump(mode="json", by_alias=True)``, which ``Scenario.model_validate``
    reads back). Non-finite numbers are written as the strings ``"inf"``, ``"-inf"``, ``"nan"``.
    """
    from .. import __version__

    info = result.info
    if scenario_file is not None and scenario_sha256 is None:
        scenario_sha256 = file_sha256(scenario_file)
    record = {
        "fundmodel_version": __version__,
        "time_utc": datetime.now(timezone.utc).isoformat(timespec="seconds").replace(
            "+00:00", "Z"),
        "scenario_file": None if scenario_file is None else os.fspath(scenario_file),
        "scenario_sha256": scenario_sha256,
        "set": list(overrides),
        "kind": info.get("kind"),
        "draws": info.get("draws", result.n_draws),
        **{key: info.get(key) for key in ("seed", "sampler", "chunk_size", "workers",
                                          "point_estimate", "keep_draws", "keep_yearly")},
        "warnings": [str(w) for w in info.get("warnings", [])],
        "files": list(files),
        "scenario": result.scenario.model_dump(mode="json", by_alias=True),
    }
    return _json_safe(record)


def _previous_files(out: Path) -> list[str]:
    """The files an earlier run wrote into ``out``, from its ``run.json``: only plain names of
    csv/json files directly in ``out`` (anything else in a damaged or hostile record is
    ignored)."""
    path = out / RUN_RECORD
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode) or os.path.getsize(path) > 64 << 20:
            return []
        with open(path, "rb") as fh:
            record = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:  # unreadable or not JSON: not ours to trust
        log.warning("ignoring %s: %s", path, exc)
        return []
    files = record.get("files") if isinstance(record, dict) else None
    if not isinstance(files, list):
        return []
    names = [f for f in files if isinstance(f, str) and _OWN_NAME.match(f)]
    return list({name.casefold(): name for name in reversed(names)}.values())[::-1]


def _check_targets(out: Path, names: Sequence[str]) -> None:
    """Raise before anything is written if a file of the run cannot replace what is there."""
    for name in names:
        target = out / name
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(mode):
            raise FundmodelError(f"cannot write to {out}: {target} is a folder")


def _write_files(folder: Path, tables: Mapping[str, pd.DataFrame], formats: Mapping[str, str],
                 record: Mapping[str, Any], files: Mapping[str, bytes] | None = None) -> None:
    """Write the tables (CSV or Parquet, as ``formats`` says) and ``files`` (name → bytes)
    into ``folder``, then the record with the SHA-256 of each file written
    (``files_sha256``)."""
    digests = {}
    for name, table in tables.items():
        path = folder / f"{name}.{formats[name]}"
        if formats[name] == "parquet":
            table.to_parquet(path, engine="pyarrow")
        else:
            table.to_csv(path, encoding=CSV_ENCODING)
        digests[path.name] = file_sha256(path)
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
        digests[name] = file_sha256(folder / name)
    with open(folder / RUN_RECORD, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(_record_text({**record, "files_sha256": digests}))


def _record_text(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _lock(folder: Path, wait: bool) -> int | None:
    """A file descriptor of ``folder`` holding an exclusive advisory lock on it (``flock``;
    released when closed, or when the process dies), or None where locks are not supported.
    With ``wait`` it waits up to :data:`LOCK_WAIT_SECONDS` for another holder, else raises
    :class:`BlockingIOError` at once."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if not wait:
                    raise
                if time.monotonic() > deadline:
                    raise FundmodelError(f"cannot write to {folder}: another run has been "
                                         f"writing to it for {LOCK_WAIT_SECONDS:.0f} s") from None
                time.sleep(0.05)
            except OSError as exc:  # a file system without locks (some network mounts)
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    raise
                os.close(fd)
                return None
    except BaseException:
        os.close(fd)
        raise


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


def _staging_beside(out: Path) -> tuple[Path, int | None]:
    """A new folder beside ``out`` for the files of a new ``out`` (renamed to ``out`` when
    complete), locked for as long as this process writes it: a later run removes it only when
    it can take the lock, i.e. when the run that made it is gone."""
    parent = Path(os.path.abspath(out)).parent
    for _ in range(100):
        tmp = _temp_folder(parent, f".{Path(os.path.abspath(out)).name}{_BESIDE}")
        try:
            fd = _lock(tmp, wait=False)
            if fd is None or os.path.samestat(os.fstat(fd), os.lstat(tmp)):
                return tmp, fd
            _unlock(fd)
        except (BlockingIOError, FileNotFoundError):
            continue  # a cleaner took it as stale at once: another name
        except BaseException:
            _remove_tree(tmp)
            raise
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(parent))


def _remove_stale_beside(out: Path) -> None:
    """Remove the staging folders of a new ``out`` left beside it by runs that were killed
    (``.DIR.fundmodel-<8 hex digits>``, or ``.DIR.<8 hex digits>`` as earlier versions named
    them; folders only, and only those no live run holds)."""
    parent = Path(os.path.abspath(out)).parent
    pattern = re.compile(re.escape(f".{Path(os.path.abspath(out)).name}.")  # and before
                         + r"(fundmodel-)?[0-9a-f]{8}\Z")                      # 0.x: .DIR.<hex>
    try:
        entries = [e for e in os.scandir(parent) if pattern.match(e.name)
                   and e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        try:
            fd = _lock(Path(entry.path), wait=False)
        except OSError:  # held by a live run, or gone
            continue
        if fd is None and fcntl is not None:  # no locks here: cannot tell, leave it
            continue
        try:
            log.info("removing %s, left by an interrupted run", entry.path)
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            _unlock(fd)


def _write_journal(out: Path, journal: Mapping[str, Any]) -> None:
    """Write :data:`JOURNAL` into ``out`` atomically (a temporary file, synced, renamed)."""
    data = json.dumps(journal, indent=1).encode("utf-8")
    for _ in range(100):
        tmp = out / f"{JOURNAL}.{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary name", str(out))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out / JOURNAL)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _sync_folder(out)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_journal(out: Path) -> dict[str, Any] | None:
    """The journal of an interrupted commit in ``out``, checked (None if there is none).

    Raises
    ------
    FundmodelError
        If it is not one fundmodel wrote (not a small regular file of the expected form, or
        naming anything but our own folders and plain file names): nothing is touched."""
    path = out / JOURNAL
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    bad = FundmodelError(f"cannot write to {out}: {path} is not a journal of an interrupted "
                         "fundmodel write; move it away")
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_JOURNAL_BYTES:
        raise bad
    try:
        with open(path, "rb") as fh:
            journal = json.loads(fh.read(MAX_JOURNAL_BYTES).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not (isinstance(journal, dict) and journal.get("fundmodel_journal") == 1
            and all(isinstance(journal.get(k), str) and _STAGING.match(journal[k])
                    for k in ("staging", "backup"))
            and all(isinstance(journal.get(k), list) and all(
                isinstance(n, str) and _OWN_NAME.match(n) for n in journal[k])
                for k in ("names", "aside"))):
        raise bad
    return journal


def _roll_back(out: Path, staging: Path, backup: Path, names: Sequence[str],
               aside: Sequence[str]) -> None:
    """Undo a commit interrupted at any step: the new files already moved into ``out`` go back
    to ``staging`` (a name no longer in ``staging`` was moved), then the files moved aside into
    ``backup`` come back. Idempotent: run again after an interruption, it finishes the job.
    Raises the OSError of a step that fails."""
    if not staging.is_dir() or not backup.is_dir():
        missing = staging if not staging.is_dir() else backup
        raise FileNotFoundError(errno.ENOENT, "the folder of an interrupted write is missing",
                                str(missing))
    for name in reversed(names):
        if not os.path.lexists(staging / name) and os.path.lexists(out / name):
            os.rename(out / name, staging / name)
    for name in reversed(aside):
        if os.path.lexists(backup / name) and not os.path.lexists(out / name):
            os.rename(backup / name, out / name)


def _remove_stale_inside(out: Path) -> None:
    """Remove what killed runs left in ``out``: our staging and backup folders
    (``.fundmodel-new-*``, ``.fundmodel-old-*``) and half-written journals. Call only with the
    folder's lock held and no journal left (the lock keeps a live run's folders safe)."""
    try:
        entries = list(os.scandir(out))
    except OSError:
        return
    for entry in entries:
        try:
            if _STAGING.match(entry.name) and entry.is_dir(follow_symlinks=False):
                log.info("removing %s, left by an interrupted run", entry.path)
                shutil.rmtree(entry.path, ignore_errors=True)
            elif _JOURNAL_TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass


def _recover(out: Path) -> None:
    """With ``out``'s lock held: roll back a commit that a killed run left half done (its
    journal), then remove the staging it left."""
    journal = _read_journal(out)
    if journal is not None:
        log.warning("%s: restoring the files of the run before an interrupted write", out)
        _roll_back(out, out / journal["staging"], out / journal["backup"], journal["names"],
                   journal["aside"])
        os.unlink(out / JOURNAL)
    _remove_stale_inside(out)


def recover_output_folder(out_dir: str | os.PathLike) -> None:
    """Bring an output folder back to one complete set after a write that was killed: roll
    back a commit it left half done (its :data:`JOURNAL`: the earlier run's files come back)
    and remove the staging folders it left, inside the folder and beside it. Every write of a
    set into ``out_dir`` (:func:`write_table_set`) does this first; the next run needs nothing
    else. Touches only fundmodel's own names (see docs/cli.md).

    Raises
    ------
    FundmodelError
        If the folder cannot be repaired (the message names the path)."""
    out = Path(out_dir)
    _remove_stale_beside(out)
    if not out.is_dir():
        return
    try:
        fd = _lock(out, wait=True)
        try:
            _recover(out)
        finally:
            _unlock(fd)
    except OSError as exc:
        raise _cannot(out, exc) from None


def _remove_tree(*paths: Path | None) -> None:
    """Remove folders of ours and what they hold; interrupted once (Ctrl-C), it finishes the
    job before raising the interruption again (a second interruption leaves the rest to the
    next run's clean-up)."""
    interrupted: BaseException | None = None
    for path in paths:
        if path is None:
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        except BaseException as exc:
            interrupted = interrupted or exc
            shutil.rmtree(path, ignore_errors=True)
    if interrupted is not None:
        raise interrupted


def _commit(staging: Path, out: Path, names: Sequence[str], stale: Sequence[str]) -> None:
    """Move the files ``names`` from ``staging`` into ``out`` as a set, removing ``stale``;
    call with ``out``'s lock held. ``staging`` is removed in the end unless a journal still
    needs it.

    What they replace (and the stale files) is first moved aside into a hidden folder in
    ``out``. Before the first rename a journal (:data:`JOURNAL`) records the renames; it is
    removed after the last, which is the moment the new set is committed. If any step fails
    or is interrupted (an OSError, Ctrl-C, SIGTERM), the new files are taken out again and the
    old ones put back, so ``out`` is as it was; a run killed meanwhile leaves the journal, and
    the next write into ``out`` rolls back first (:func:`_recover`). Raises what interrupted.
    """
    present = []
    for name in names:
        try:
            os.lstat(out / name)
            present.append(name)
        except FileNotFoundError:
            pass
    aside_names = [*present, *stale]
    keep = False  # the journal stays (a roll-back failed): so do staging and backup
    backup: Path | None = None
    try:
        backup = _temp_folder(out, ".fundmodel-old-")
        _write_journal(out, {"fundmodel_journal": 1, "staging": staging.name,
                             "backup": backup.name, "names": list(names),
                             "aside": aside_names})
        try:
            for name in aside_names:
                os.rename(out / name, backup / name)
            for name in names:  # run.json last: it describes the files before it
                os.rename(staging / name, out / name)
        except BaseException:
            try:
                _roll_back(out, staging, backup, names, aside_names)
                os.unlink(out / JOURNAL)
            except BaseException:  # the next write into out finishes the roll-back
                keep = True
                log.error("could not restore %s; the next write into it will", out)
            raise
        os.unlink(out / JOURNAL)  # committed
    except BaseException:
        if not keep and (out / JOURNAL).exists():
            try:  # interrupted before the first rename: nothing to undo
                _read_journal(out) and os.unlink(out / JOURNAL)
            except (OSError, FundmodelError):
                keep = True
        raise
    finally:
        if not keep:
            _remove_tree(backup, staging)


def write_csv(result: Result, out_dir: str | os.PathLike, *,
              scenario_file: str | os.PathLike | None = None,
              scenario_sha256: str | None = None,
              overrides: Iterable[str] = (), format: str = "csv",
              on_large_csv: Callable[[str, int], None] | None = None,
              lang: str | None = None, money_unit: str = "CNY") -> list[Path]:
    """Write the tables of :func:`result_tables` (``summary.csv``, ``metrics.csv``,
    ``yearly.csv``, ``funding.csv``) and the record of the run, ``run.json`` (see
    :func:`run_record`; the keyword arguments go into it), into ``out_dir``.

    CSV files are UTF-8 with a byte-order mark (Excel then reads Chinese labels correctly);
    ``run.json`` is UTF-8. ``format`` (:data:`FORMATS`) says how the per-draw table
    ``metrics`` is written: ``csv`` (default), ``parquet`` (``metrics.parquet``, needs
    pyarrow; ``pd.read_parquet`` gives the table back exactly) or ``auto`` (Parquet above
    :data:`AUTO_PARQUET_BYTES` estimated as CSV). Before anything is written, a
    ``metrics.csv`` estimated above :data:`LARGE_CSV_BYTES` is announced to
    ``on_large_csv(file name, estimated bytes)`` (default: a logged warning); see
    :func:`table_formats`. ``lang`` (``"en"`` or ``"zh"``) writes the tables for
    readers: headers, index names and identifier values become their labels with units
    (:func:`fundmodel.labels.localize` with ``units=True``), and ``run.json`` records it;
    None (default) keeps the identifiers, the files' data contract. ``money_unit``
    (``"CNY"``, default, or ``"万元"``) is the unit of the sums of money: in 万元 every column
    (or summary row) declared in CNY or CNY/year is divided by 10,000 and its unit reads
    ``10 thousand CNY`` (万元); amounts per m², household, month or unit, shares, ratios,
    years and counts are unchanged (:func:`fundmodel.labels.money_scale`); ``run.json``
    records it. ``out_dir`` is created if
    needed with the usual permissions (``0o777 & ~umask`` for folders, ``0o666 & ~umask`` for
    the files).

    The files are written as a set: first into a temporary folder, then moved into place by
    renames. A new ``out_dir`` appears with all its files at once. In an existing ``out_dir``
    every target is checked before anything is replaced; the files replaced — and those an
    earlier run listed in its ``run.json`` that this run does not write (e.g. ``metrics.csv``
    of a Monte Carlo run, in a later run without per-draw metrics) — are moved aside and put
    back if a later step fails. Nothing else in ``out_dir`` is touched, and no temporary folder
    or folder created for ``out_dir`` is left behind on failure. The commit is journaled: a
    write interrupted at any step (Ctrl-C, SIGTERM) leaves the earlier files, and one killed
    is rolled back by the next write into ``out_dir``, which also removes the staging folders
    killed writes left (:func:`recover_output_folder`).

    Returns
    -------
    list of Path
        The files written, ``run.json`` last.

    Raises
    ------
    FundmodelError
        If the files cannot be written (``out_dir`` is empty, is a file or is below one, a
        target is a folder, no permission, disk full...); the message names the path. The
        folder is then as it was.
    """
    if os.fspath(out_dir) == "":
        raise FundmodelError("no output folder given (the path is empty)")
    tables = result_tables(result)  # compute everything before touching the disk
    formats = table_formats(tables, format, on_large_csv=on_large_csv)
    record = run_record(result, [*_file_names(formats), RUN_RECORD],
                        scenario_file=scenario_file, scenario_sha256=scenario_sha256,
                        overrides=overrides)
    return write_table_set(tables, record, out_dir, formats=formats, lang=lang,
                           money_unit=money_unit)


def write_table_set(tables: Mapping[str, pd.DataFrame], record: Mapping[str, Any],
                    out_dir: str | os.PathLike, *,
                    formats: Mapping[str, str] | None = None,
                    files: Mapping[str, bytes] | None = None,
                    lang: str | None = None, money_unit: str | None = None) -> list[Path]:
    """Write ``<name>.csv`` (or ``<name>.parquet`` where ``formats``, e.g. from
    :func:`table_formats`, says so) for every table, every file of ``files`` (file name → its
    bytes, e.g. charts as PNG) and ``run.json`` into ``out_dir`` as a set, as
    :func:`write_csv` describes.

    ``run.json`` is ``record`` with ``files`` set to the names written (``run.json`` last)
    and ``files_sha256`` to the SHA-256 of each file, by name; with ``lang`` the tables
    are localised (labels and units as headers) and the record gets ``"lang"``. With
    ``money_unit`` (``"CNY"`` or ``"万元"``) the sums of money are shown in it
    (:func:`fundmodel.labels.in_money_unit`) and the record names it (``"money_unit"``);
    None: the tables as they are (a command whose tables have units of their own)."""
    from ..labels import check_money_unit, in_money_unit

    if os.fspath(out_dir) == "":
        raise FundmodelError("no output folder given (the path is empty)")
    if money_unit is not None:
        check_money_unit(money_unit)
        tables = {name: in_money_unit(table, money_unit) for name, table in tables.items()}
        record = {**record, "money_unit": money_unit}
    if lang is not None:
        from ..labels import check_lang, localize

        check_lang(lang)
        tables = {name: localize(table, lang, units=True, money_unit=money_unit or "CNY")
                  for name, table in tables.items()}
        record = {**record, "lang": lang}
    out = Path(out_dir)
    files = dict(files or {})
    formats = {name: (formats or {}).get(name, "csv") for name in tables}
    if any(fmt not in ("csv", "parquet") for fmt in formats.values()):
        raise FundmodelError(f"unknown file format in {formats}: expected csv or parquet")
    if "parquet" in formats.values() and not _has_pyarrow():
        raise FundmodelError(f"Parquet files need pyarrow: {PARQUET_HINT}")
    names = [*_file_names(formats), *files, RUN_RECORD]
    record = _json_safe({**record, "files": names})
    _record_text(record)  # a record JSON cannot hold fails here, before the disk is touched
    try:
        if out.exists() and not out.is_dir():
            raise FundmodelError(f"{out} exists and is not a folder")
        parent = Path(os.path.abspath(out)).parent
        created = [] if out.is_dir() else _make_parents(parent)
    except OSError as exc:
        raise _cannot(out, exc, where=True) from None
    staging: Path | None = None
    locks: list[int | None] = []
    done = False
    try:
        _remove_stale_beside(out)
        if not out.is_dir():
            staging, fd = _staging_beside(out)
            locks.append(fd)
            _write_files(staging, tables, formats, record, files)
            try:
                os.rename(staging, out)  # a new folder: all the files appear at once
                staging = None
                done = True
                return [out / n for n in names]
            except OSError as exc:  # out appeared meanwhile: fill it as an existing folder
                if not (exc.errno in (errno.EEXIST, errno.ENOTEMPTY) and out.is_dir()):
                    raise
        locks.append(_lock(out, wait=True))  # one run at a time commits into out
        _recover(out)
        ours = {n.casefold() for n in names}  # a case-insensitive file system: the same files
        stale = [n for n in _previous_files(out) if n.casefold() not in ours
                 and _is_regular(out / n)]
        _check_targets(out, names)
        if staging is None:  # an existing folder: stage inside it (same file system)
            staging = _temp_folder(out, ".fundmodel-new-")
            _write_files(staging, tables, formats, record, files)
        else:  # staged beside it: moved in, where the journal can name it
            inside = out / f".fundmodel-new-{secrets.token_hex(4)}"
            while os.path.lexists(inside):  # only this run makes them now: it holds the lock
                inside = out / f".fundmodel-new-{secrets.token_hex(4)}"
            os.rename(staging, inside)
            staging = inside
        committing, staging = staging, None
        _commit(committing, out, names, stale)  # removes its staging
        done = True
        return [out / n for n in names]
    except OSError as exc:
        raise _cannot(out, exc) from None
    finally:
        try:
            if staging is not None:
                _remove_tree(staging)
            if not done:
                _remove_folders(created)
        finally:
            for fd in reversed(locks):
                _unlock(fd)


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a UTF-8 text file atomically (:func:`write_file_atomic`)."""
    write_file_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def _lock_file(fd: int) -> bool:
    """Lock an open file exclusively (``flock``; released when closed or the process dies);
    False where locks are not supported."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(path))
    except OSError:
        return False


def _remove_stale_temp_files(folder: Path, name: str) -> None:
    """Remove the temporary files of ``name`` that killed writes left in ``folder``
    (``.NAME.fundmodel-<8 hex digits>``, regular files only, and only those no live writer
    holds locked)."""
    if fcntl is None:
        return
    pattern = re.compile(re.escape(f".{name}{_BESIDE}") + r"[0-9a-f]{8}\Z")
    try:
        entries = [e for e in os.scandir(folder) if pattern.match(e.name)
                   and e.is_file(follow_symlinks=False)]
    except OSError:
        return
    for entry in entries:
        try:
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if _lock_file(fd) and stat.S_ISREG(os.fstat(fd).st_mode):
                log.info("removing %s, left by an interrupted write", entry.path)
                os.unlink(entry.path)
        except OSError:
            pass
        finally:
            os.close(fd)


def write_file_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], Any], *,
                      make_parents: bool = True) -> None:
    """Write a file by calling ``write(binary file)`` on a temporary file beside it, then
    renaming it into place: a reader sees the old file or the whole new one, never a part.

    A new file gets the usual permissions (``0o666 & ~umask``); a replaced file keeps its own.
    ``make_parents`` creates missing folders (removed again on failure). The temporary file,
    ``.NAME.fundmodel-<8 hex digits>``, is locked while it is written; such files that a killed
    write left (no live writer holds them) are removed first.

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
        created = _make_parents(folder) if make_parents else []
    except OSError as exc:
        raise _cannot(path, exc, where=True) from None
    tmp: Path | None = None
    done = False
    try:
        try:
            mode = S_IMODE(os.stat(path).st_mode)  # a replaced file keeps its mode
        except OSError:
            mode = None
        _remove_stale_temp_files(folder, path.name)
        for _ in range(100):
            candidate = folder / f".{path.name}{_BESIDE}{secrets.token_hex(4)}"
            try:  # 0o666: the umask applies, as for any new file (mkstemp would give 0o600)
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            tmp = candidate
            if _lock_file(fd) and not _same_file(fd, candidate):
                os.close(fd)  # taken as stale by another run's clean-up meanwhile: another
                tmp = None
                continue
            break
        else:
            raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            write(fh)
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
