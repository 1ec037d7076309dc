"""An output set under interruption: Ctrl-C (or SIGTERM) at any step of writing ``run --out``
or ``district --out``, or the process killed there, leaves the earlier complete set or the new
complete set; the next run leaves nothing else in or beside the folder. And the command line
answers an interruption with one line and exit 130 (143 for SIGTERM)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import fundmodel.export.files as files
from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"
DISTRICT = ROOT / "scenarios" / "xinghualing-district.yaml"


class Killed(BaseException):
    """The process died here: nothing after it runs (no roll-back, no clean-up)."""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry of ``folder`` (files by content; anything else marked)."""
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() if p.is_file() and not p.is_symlink() else b"<not a file>"
            for p in folder.iterdir()}


def is_complete_set(folder: Path, user: dict[str, bytes]) -> bool:
    """``folder`` holds exactly the user's files and one complete set: the files its run.json
    lists, each with the digest the record gives."""
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    listed = record["files"]
    if sorted(p.name for p in folder.iterdir()) != sorted([*user, *listed]):
        return False
    for name in listed:
        if name != "run.json" and hashlib.sha256((folder / name).read_bytes()).hexdigest() \
                != record["files_sha256"][name]:
            return False
    return all((folder / name).read_bytes() == data for name, data in user.items())


class Injector:
    """Counts the file-system steps a write takes under ``root`` and interrupts step ``at``:
    with ``KeyboardInterrupt`` (Ctrl-C; the program goes on unwinding), or with
    :class:`Killed` at that step and every later one (a killed process does nothing more)."""

    NAMES = ("rename", "replace", "unlink", "mkdir", "rmdir", "open")

    def __init__(self, monkeypatch, root: Path, at: int | None = None, kill: bool = False):
        self.root, self.at, self.kill, self.steps, self.dead = str(root), at, kill, 0, False
        for name in self.NAMES:
            monkeypatch.setattr(os, name, self.wrap(getattr(os, name)))
        monkeypatch.setattr(shutil, "rmtree", self.wrap(shutil.rmtree))

    def wrap(self, real):
        @functools.wraps(real)
        def call(path, *args, **kwargs):
            if os.fspath(path).startswith(self.root) if isinstance(path, (str, os.PathLike)) \
                    else False:
                if self.dead:
                    raise Killed()
                self.steps += 1
                if self.steps == self.at:
                    if self.kill:
                        self.dead = True
                        raise Killed()
                    raise KeyboardInterrupt()
            return real(path, *args, **kwargs)
        return call


def earlier_run(out: Path, argv: list) -> dict[str, bytes]:
    """The earlier run's set in ``out``, a file of the user's beside it; returns the user's
    files."""
    assert main([*map(str, argv), "--out", str(out)]) == 0
    user = {"notes.txt": b"mine"}
    (out / "notes.txt").write_bytes(user["notes.txt"])
    return user


def count_steps(monkeypatch, tmp_path, argv, earlier) -> int:
    out = tmp_path / "count" / "out"
    out.parent.mkdir()
    if earlier:
        earlier_run(out, earlier)
    with monkeypatch.context() as m:
        injector = Injector(m, out.parent)
        assert main([*map(str, argv), "--out", str(out)]) == 0
    shutil.rmtree(out.parent)
    return injector.steps


def check_every_step(monkeypatch, tmp_path, capsys, argv, earlier, kill: bool):
    """Interrupt (or kill) the write at each of its steps in turn; after it, ``out`` holds the
    earlier complete set or the new one; after the next run, the new set and nothing else in
    or beside ``out``."""
    steps = count_steps(monkeypatch, tmp_path, argv, earlier)
    assert steps >= 3  # a new folder: made, locked, renamed; an existing one: many more
    capsys.readouterr()
    new = None
    for k in range(1, steps + 1):
        case = tmp_path / f"k{k}"
        case.mkdir()
        out = case / "out"
        user = earlier_run(out, earlier) if earlier else {}
        before = snapshot(out)
        capsys.readouterr()
        with monkeypatch.context() as m:
            Injector(m, case, at=k, kill=kill)
            if kill:
                with pytest.raises(Killed):
                    main([*map(str, argv), "--out", str(out)])
            else:
                assert main([*map(str, argv), "--out", str(out)]) == 130
                err = capsys.readouterr().err
                assert err == "fundmodel: interrupted\n", (k, err)
        if not kill:  # Ctrl-C: rolled back (or committed) at once, nothing left over
            after = snapshot(out)
            assert after == before or is_complete_set(out, user), k
            assert sorted(p.name for p in case.iterdir()) == (["out"] if after else []), k
        else:  # killed: the next write first restores one complete set
            files.recover_output_folder(out)
            after = snapshot(out)
            assert after == before or is_complete_set(out, user), k
            assert sorted(p.name for p in case.iterdir()) == (["out"] if after else []), k
        capsys.readouterr()
        assert main([*map(str, argv), "--out", str(out)]) == 0  # the next run
        capsys.readouterr()
        assert is_complete_set(out, user), k
        assert sorted(p.name for p in case.iterdir()) == ["out"], k
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        new = new or record["files"]
        assert record["files"] == new
        shutil.rmtree(case)


RUN_NEW = ["run", STANDALONE]                        # deterministic: no metrics.csv
RUN_EARLIER = ["run", STANDALONE, "--draws", "30", "-q"]   # its metrics.csv is removed as stale


@pytest.mark.parametrize("kill", [False, True], ids=["ctrl-c", "killed"])
@pytest.mark.parametrize("earlier", [RUN_EARLIER, None], ids=["existing", "new-folder"])
def test_run_out_interrupted_at_every_step(monkeypatch, tmp_path, capsys, earlier, kill):
    check_every_step(monkeypatch, tmp_path, capsys, RUN_NEW, earlier, kill)


_MEMO: dict[str, dict] = {}


@pytest.fixture
def fast_district(monkeypatch):
    """The district's computations memoised (the test is about writing their results)."""
    import fundmodel.portfolio as portfolio

    for name in ("simulate_portfolio", "plan_portfolio", "service_areas"):
        real = getattr(portfolio, name)
        cache = _MEMO.setdefault(name, {})

        def memo(scenario, *args, _real=real, _cache=cache, **kwargs):
            key = (scenario.model_dump_json(), args, repr(sorted(kwargs.items(),
                                                                 key=lambda kv: kv[0])))
            if key not in _cache:
                _cache[key] = _real(scenario, *args, **kwargs)
            return _cache[key]

        monkeypatch.setattr(portfolio, name, memo)


@pytest.mark.parametrize("kill", [False, True], ids=["ctrl-c", "killed"])
def test_district_out_interrupted_at_every_step(monkeypatch, tmp_path, capsys, fast_district,
                                                kill):
    new = ["district", DISTRICT, "--draws", "8", "--no-areas", "-q"]
    earlier = ["district", DISTRICT, "--draws", "8", "-q"]  # its areas.csv is stale later
    check_every_step(monkeypatch, tmp_path, capsys, new, earlier, kill)


def test_stale_staging_of_a_killed_run_is_removed_and_nothing_else(tmp_path, capsys):
    """What a killed run left (staging inside and beside, a half-written journal) goes at the
    next run; files of the user's with similar names stay."""
    out = tmp_path / "out"
    assert main(["run", str(STANDALONE), "--out", str(out)]) == 0
    left = [out / ".fundmodel-new-0123abcd", out / ".fundmodel-old-89abcdef",
            tmp_path / ".out.fundmodel-deadbeef", tmp_path / ".out.0badcafe"]  # (and 0.x's)
    for folder in left:
        folder.mkdir()
        (folder / "summary.csv").write_text("half")
    (out / ".fundmodel-journal.json.0badf00d").write_text('{"fundmodel_jou')
    users = [out / ".fundmodel-new-mine", out / "fundmodel-old-01234567",
             tmp_path / ".out.fundmodel-notes.txt", tmp_path / ".other.fundmodel-01234567",
             out / ".fundmodel-new-0123abcd.txt"]
    for path in users:
        path.write_text("mine")
    assert main(["run", str(STANDALONE), "--out", str(out)]) == 0
    assert not any(p.exists() for p in left)
    assert not (out / ".fundmodel-journal.json.0badf00d").exists()
    assert all(p.read_text() == "mine" for p in users)
    assert is_complete_set(out, {p.name: b"mine" for p in users if p.parent == out})


def test_a_journal_not_ours_stops_the_write(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(STANDALONE), "--out", str(out)]) == 0
    before = snapshot(out)
    (out / files.JOURNAL).write_text(json.dumps({"fundmodel_journal": 1,
                                                 "staging": "../../etc", "backup": "x",
                                                 "names": ["/etc/passwd"], "aside": []}))
    assert main(["run", str(STANDALONE), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is not a journal of an interrupted fundmodel write" in err
    assert err.count("\n") == 1
    assert {k: v for k, v in snapshot(out).items() if k != files.JOURNAL} == before


def test_a_live_writer_is_waited_for(tmp_path, monkeypatch, capsys):
    """Another run holding the folder's lock: this one waits, then says so."""
    pytest.importorskip("fcntl")
    import fcntl

    out = tmp_path / "out"
    assert main(["run", str(STANDALONE), "--out", str(out)]) == 0
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        (out / ".fundmodel-new-0123abcd").mkdir()  # the live run's staging: not touched
        monkeypatch.setattr(files, "LOCK_WAIT_SECONDS", 0.2)
        assert main(["run", str(STANDALONE), "--out", str(out)]) == 2
        assert "another run has been writing to it" in capsys.readouterr().err
        assert (out / ".fundmodel-new-0123abcd").is_dir()
    finally:
        os.close(fd)


def _start(argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "fundmodel.cli", *map(str, argv)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "terminated")])
def test_a_signal_ends_the_command_with_one_line(tmp_path, sig, code, word):
    """A long run signalled once it computes: one line, exit 128 + the signal, no traceback,
    nothing written."""
    out = tmp_path / "out"
    proc = _start(["run", STANDALONE, "--draws", "5000000", "--no-draws", "--out", out])
    try:
        time.sleep(4)  # imported and computing
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == f"fundmodel: {word}"
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_killed_single_file_write_is_cleaned_by_the_next(tmp_path):
    """A workbook or report written atomically: the temporary file a killed write left beside
    it goes at the next write of that file; a live writer's (locked) and the user's stay."""
    pytest.importorskip("fcntl")
    import fcntl

    target = tmp_path / "report.html"
    stale = tmp_path / ".report.html.fundmodel-0123abcd"
    stale.write_text("half")
    live = tmp_path / ".report.html.fundmodel-89abcdef"
    live.write_text("being written")
    mine = [tmp_path / ".report.html.fundmodel-mine", tmp_path / ".other.html.fundmodel-01234567"]
    for path in mine:
        path.write_text("mine")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        files.write_text_atomic(target, "new")
    finally:
        os.close(fd)
    assert target.read_text() == "new" and not stale.exists() and live.exists()
    assert all(p.read_text() == "mine" for p in mine)
    # its writer gone (the lock released), the next write removes it too
    files.write_text_atomic(target, "newer")
    assert target.read_text() == "newer" and not live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["report.html", *(p.name for p in mine)])
