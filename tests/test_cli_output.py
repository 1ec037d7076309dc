"""The command's output where analysts are: any console encoding, CSV for Excel, run.json, the
files of a run written as a set, clean wrapping, a fast --version, no tracebacks."""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import fundmodel
from fundmodel.cli import main
from fundmodel.export.console import PIPE_WIDTH, encodable
from fundmodel.errors import FundmodelError

from cli_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"
SHARED = ROOT / "scenarios" / "sanqiao-shared-service.yaml"
CHINESE_SETS = ["title=三桥街道 [/bold] 小区 ±", "compound.name=三桥三号院",
                "funding[0].label=中央补助"]
TABLES = ["summary.csv", "metrics.csv", "yearly.csv", "funding.csv"]
RUN_FILES = [*TABLES, "run.json"]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def result():
    return fundmodel.evaluate(fundmodel.load_scenario(STANDALONE))


def _process(argv, encoding=None, **kwargs):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "PYTHONIOENCODING")}
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    return subprocess.run([sys.executable, "-m", "fundmodel.cli", *map(str, argv)], env=env,
                          timeout=120, **kwargs)


# --------------------------------------------------------------------------- 1. encodings
@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_any_console_encoding(tmp_path, encoding):
    """Output redirected to a file on a GBK or ASCII console: no crash, ASCII stand-ins."""
    out_file = tmp_path / "out.txt"
    sets = [a for s in CHINESE_SETS for a in ("--set", s)]
    with open(out_file, "wb") as fh:
        proc = _process(["run", STANDALONE, *sets], encoding, stdout=fh, stderr=subprocess.PIPE)
    assert proc.returncode == 0, proc.stderr
    text = out_file.read_bytes().decode(encoding)  # strict: every byte is in the encoding
    assert "m2/month" in text and "m²" not in text
    assert "[/bold]" in text  # the user's text is shown verbatim, not read as markup
    if encoding == "gbk":
        assert "三桥街道" in text and "三桥三号院" in text and "中央补助" in text
        assert "±" in text  # GBK has it
    else:
        assert "+/-" in text and "?" in text
    assert "99,556" in text and "-142,376" in text

    # an error naming a Chinese file and quoting the user's Chinese text, on stderr
    bad = tmp_path / "三桥.yaml"
    bad.write_text(STANDALONE.read_text(encoding="utf-8").replace(
        "households: 100", "households: 一百 # m² ± −"), encoding="utf-8")
    proc = _process(["validate", bad], encoding + ":strict", capture_output=True)
    assert proc.returncode == 2
    err = proc.stderr.decode(encoding)
    assert "Traceback" not in err and "\\u" not in err  # readable, not escapes
    assert "compound.households" in err
    assert ("三桥.yaml" in err) if encoding == "gbk" else ("??.yaml" in err)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from(["ascii", "gbk", "latin-1", "cp1252", "utf-8", "cp437"]))
def test_encodable_always_encodes(text, encoding):
    safe = encodable(text, encoding)
    safe.encode(encoding)  # never raises, whatever the text (surrogates included)
    try:
        text.encode(encoding)
        assert safe == text  # what can be shown is left alone
    except UnicodeEncodeError:
        pass


@pytest.mark.parametrize("text, encoding, expected", [
    ("0.50 CNY/m²/month", "ascii", "0.50 CNY/m2/month"),
    ("± se", "ascii", "+/- se"),
    ("1–2, −3 — x · y", "ascii", "1-2, -3 - x - y"),
    ("三桥 m² ± −5", "gbk", "三桥 m2 ± -5"),
    ("三桥，é", "ascii", "??,e"),
    ("≤ 1 × 2 …", "latin-1", "<= 1 × 2 ..."),
])
def test_encodable_stand_ins(text, encoding, expected):
    assert encodable(text, encoding) == expected


# --------------------------------------------------------------------------- 2. CSV for Excel
def test_csv_files_are_utf8_with_bom(tmp_path, capsys):
    out = tmp_path / "out"
    rc, _, _ = run_cli(capsys, "run", STANDALONE, "--out", out, *[a for s in CHINESE_SETS
                                                                    for a in ("--set", s)])
    assert rc == 0
    for name in TABLES:
        raw = (out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        raw[3:].decode("utf-8")  # the rest is plain UTF-8
        assert not raw[3:].startswith(b"\xef\xbb\xbf")
    funding = pd.read_csv(out / "funding.csv", index_col=0, encoding="utf-8-sig")
    assert funding.index.name == "label" and funding.index[0] == "中央补助"
    assert not (out / "run.json").read_bytes().startswith(b"\xef\xbb\xbf")  # JSON: no BOM


# --------------------------------------------------------------------------- 3. run.json
def test_run_json_records_the_run(tmp_path, capsys):
    out = tmp_path / "out"
    sets = ["simulation.seed=null", "operations.property_fee.rate_per_m2_month=0.6"]
    before = datetime.now(timezone.utc).replace(microsecond=0)
    rc, _, _ = run_cli(capsys, "-v", "run", SHARED, "--draws", "300", "--sampler", "lhs",
                       "--chunk-size", "128", "--workers", "2", "--out", out,
                       *[a for s in sets for a in ("--set", s)])
    assert rc == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["fundmodel_version"] == fundmodel.__version__
    assert record["scenario_file"] == str(SHARED)
    assert record["scenario_sha256"] == hashlib.sha256(SHARED.read_bytes()).hexdigest()
    assert record["set"] == sets
    assert record["kind"] == "monte_carlo" and record["draws"] == 300
    assert record["sampler"] == "lhs" and record["chunk_size"] == 128 and record["workers"] == 2
    assert record["point_estimate"] is None and record["warnings"] == []
    assert isinstance(record["seed"], int)  # drawn fresh: the scenario's seed was null
    assert record["files"] == RUN_FILES and listing(out) == sorted(RUN_FILES)
    when = datetime.fromisoformat(record["time_utc"].replace("Z", "+00:00"))
    assert when.utcoffset() == timedelta(0)
    assert before <= when <= datetime.now(timezone.utc) + timedelta(seconds=1)
    # the full resolved scenario, --set included, reads back as the scenario that was run
    scenario = fundmodel.load_scenario(SHARED, sets)
    assert fundmodel.Scenario.model_validate(record["scenario"]) == scenario
    assert record["scenario"]["operations"]["property_fee"]["rate_per_m2_month"] == 0.6

    # the recorded seed reproduces the run
    again = tmp_path / "again"
    assert run_cli(capsys, "run", SHARED, "--draws", "300", "--sampler", "lhs", "--seed",
                   record["seed"], "--out", again, "--set", sets[1])[0] == 0
    assert (again / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()


def test_run_json_of_a_deterministic_run(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli(capsys, "run", STANDALONE, "--point-estimate", "median", "--out", out)[0] == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["kind"] == "deterministic" and record["draws"] == 1
    assert record["point_estimate"] == "median" and record["set"] == []
    assert record["seed"] is None and record["sampler"] is None and record["workers"] is None


def test_a_later_run_removes_what_an_earlier_run_wrote(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "mine.csv").write_text("mine too")
    assert run_cli(capsys, "run", STANDALONE, "--draws", "50", "--out", out)[0] == 0
    assert listing(out) == sorted(["notes.txt", "mine.csv", *RUN_FILES])
    assert run_cli(capsys, "run", STANDALONE, "--draws", "50", "--no-draws", "--out", out)[0] == 0
    assert listing(out) == sorted(["notes.txt", "mine.csv", "summary.csv", "yearly.csv",
                                   "funding.csv", "run.json"])  # metrics.csv of the first run gone
    assert (out / "notes.txt").read_text() == "mine" and (out / "mine.csv").read_text() == "mine too"
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "metrics.csv" not in record["files"]


def test_a_hostile_run_json_deletes_nothing_outside(tmp_path, result):
    from fundmodel.export import write_csv

    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    victims = {tmp_path / "victim.csv": "outside", out / "sub" / "x.csv": "below",
               out / ".hidden.csv": "hidden", out / "notes.txt": "not csv",
               out / "listed.csv": "listed"}
    for path, text in victims.items():
        path.write_text(text)
    (out / "link.csv").symlink_to(tmp_path / "victim.csv")
    (out / "folder.csv").mkdir()
    files = ["../victim.csv", str(tmp_path / "victim.csv"), "sub/x.csv", "sub", ".hidden.csv",
             "notes.txt", "link.csv", "folder.csv", "", ".", "..", 42, None, ["x"],
             "listed.csv", "listed.csv", "Listed.csv", "SUMMARY.CSV"]
    (out / "run.json").write_text(json.dumps({"files": files}))
    write_csv(result, out)
    for path, text in victims.items():
        if path.name != "listed.csv":
            assert path.read_text() == text, path
    assert not (out / "listed.csv").exists()  # a plain csv name listed by the earlier record
    assert (out / "link.csv").is_symlink() and (out / "folder.csv").is_dir()


@pytest.mark.parametrize("junk", [b"not json", b'{"files": "summary.csv"}', b"[1, 2]",
                                  b"\xff\xfe"])
def test_a_broken_run_json_is_replaced(tmp_path, result, junk):
    from fundmodel.export import write_csv

    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_bytes(junk)
    (out / "keep.csv").write_text("keep")
    write_csv(result, out)
    assert listing(out) == sorted(["keep.csv", *RUN_FILES])
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["files"] == RUN_FILES


# --------------------------------------------------------------------------- 4. all or nothing
@pytest.mark.parametrize("blocked", RUN_FILES)
def test_a_folder_in_the_way_changes_nothing(tmp_path, capsys, blocked):
    out = tmp_path / "out"
    assert run_cli(capsys, "run", STANDALONE, "--draws", "20", "--out", out)[0] == 0
    for name in RUN_FILES:  # mark the earlier run's files
        if name != "run.json":
            (out / name).write_text(f"earlier {name}")
    (out / blocked).unlink()
    (out / blocked).mkdir()
    (out / blocked / "inside.txt").write_text("x")
    before = contents(out)
    rc, stdout, err = run_cli(capsys, "run", STANDALONE, "--out", out)
    assert rc == 2 and stdout == ""
    assert f"{out / blocked} is a folder" in err
    assert contents(out) == before and listing(out) == sorted(RUN_FILES)  # no temp folders
    assert listing(out / blocked) == ["inside.txt"]


@pytest.mark.parametrize("blocked", RUN_FILES)
def test_a_folder_in_the_way_of_a_new_run(tmp_path, result, blocked):
    from fundmodel.export import write_csv

    out = tmp_path / "out"
    (out / blocked).mkdir(parents=True)
    with pytest.raises(FundmodelError, match="is a folder"):
        write_csv(result, out)
    assert listing(out) == [blocked] and listing(out / blocked) == []


@pytest.mark.parametrize("fail_at", range(1, 10))
def test_a_failure_midway_puts_the_earlier_files_back(tmp_path, result, monkeypatch, fail_at):
    """The k-th rename of the commit fails: the folder is restored exactly."""
    import fundmodel.export.files as export

    out = tmp_path / "out"
    out.mkdir()
    for name in ["summary.csv", "yearly.csv", "run.json", "old.csv"]:
        (out / name).write_text(f"earlier {name}")
    (out / "run.json").write_text(json.dumps({"files": ["summary.csv", "yearly.csv",
                                                        "run.json", "old.csv"]}))
    (out / "notes.txt").write_text("mine")
    before = contents(out)
    real, calls, failed = os.rename, [], []

    def rename(src, dst, *args, **kwargs):
        if Path(src).parent == out or Path(dst).parent == out:
            calls.append((src, dst))
            if len(calls) == fail_at:
                failed.append(dst)
                raise OSError(28, "No space left on device", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(export.os, "rename", rename)
    with pytest.raises(FundmodelError, match="No space left on device"):
        export.write_csv(result, out)
    # 4 files moved aside (summary, yearly, run.json, old.csv), then 5 moved in: 9 renames
    assert failed
    assert contents(out) == before and listing(out) == sorted(before)


def test_a_read_only_folder_changes_nothing(tmp_path, result, monkeypatch):
    """Every write into the folder is refused (as for a read-only folder, simulated so that
    the test means something also when run as root)."""
    import fundmodel.export.files as export

    out = tmp_path / "out"
    export.write_csv(result, out)
    before = contents(out)

    def inside(path) -> bool:
        return out in Path(os.path.abspath(path)).parents

    def refuse(real):
        def call(path, *args, **kwargs):
            if inside(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)
        return call

    real_open = builtins.open

    def open_(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and inside(file) and set(mode) & set("wax+"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    for name in ("mkdir", "rename", "replace", "unlink", "rmdir", "open"):
        monkeypatch.setattr(os, name, refuse(getattr(os, name)))
    monkeypatch.setattr(builtins, "open", open_)
    with pytest.raises(FundmodelError, match=f"cannot write to {re.escape(str(out))}: "
                                             "Permission denied"):
        export.write_csv(result, out)
    monkeypatch.undo()
    assert contents(out) == before and listing(out) == sorted(RUN_FILES)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_a_really_read_only_folder(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli(capsys, "run", STANDALONE, "--out", out)[0] == 0
    before = contents(out)
    out.chmod(0o555)
    try:
        rc, stdout, err = run_cli(capsys, "run", STANDALONE, "--draws", "10", "--out", out)
    finally:
        out.chmod(0o755)
    assert rc == 2 and stdout == "" and "Permission denied" in err
    assert contents(out) == before and listing(out) == sorted(RUN_FILES)


# --------------------------------------------------------------------------- 5. --out ''
@pytest.mark.parametrize("argv", [["run", str(STANDALONE), "--out", ""], ["schema", "--out", ""]])
def test_empty_out_is_an_error(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert "the path is empty" in captured.err and captured.out == ""
    assert listing(tmp_path) == []


def test_write_csv_refuses_an_empty_path(result):
    from fundmodel.export import write_csv

    with pytest.raises(FundmodelError, match="empty"):
        write_csv(result, "")


# --------------------------------------------------------------------------- 6. options, imports
def test_one_draw_is_a_monte_carlo_run(tmp_path, capsys):
    out = tmp_path / "out"
    rc, stdout, _ = run_cli(capsys, "run", STANDALONE, "--draws", "1", "--out", out)
    assert rc == 0
    assert "Monte Carlo: 1 draw," in stdout and "deterministic" not in stdout
    assert "mean" in stdout and "p95" in stdout  # the statistics tables
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["kind"] == "monte_carlo"


@pytest.mark.parametrize("argv", [["-v", "run", "FILE", "--draws", "10"],
                                  ["run", "-v", "FILE", "--draws", "10"],
                                  ["run", "FILE", "--draws", "10", "--verbose"]])
def test_verbose_before_or_after_the_command(capsys, argv):
    logger = logging.getLogger("fundmodel")
    handlers, level = list(logger.handlers), logger.level
    rc, _, err = run_cli(capsys, *[str(STANDALONE) if a == "FILE" else a for a in argv])
    assert rc == 0
    assert "INFO fundmodel: simulate sanqiao-standalone: 10 draws" in err
    assert logger.handlers == handlers and logger.level == level  # nothing left behind
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--draws", "10")
    assert rc == 0 and "INFO" not in err


def test_version_and_imports_stay_light():
    """`fundmodel --version` loads no numpy/pandas/scipy/rich/pydantic; `import fundmodel`
    and a run through the API load no rich."""
    script = f"""
import sys, time
heavy = ("numpy", "pandas", "scipy", "rich", "pydantic")
from fundmodel.cli import main
try:
    main(["--version"])
except SystemExit as exc:
    assert exc.code == 0
print("version-imports", [m for m in heavy if m in sys.modules])
import fundmodel
result = fundmodel.evaluate(fundmodel.load_scenario({str(STANDALONE)!r}))
print("api-imports-rich", "rich" in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "fundmodel " + fundmodel.__version__ in proc.stdout
    assert "version-imports []" in proc.stdout
    assert "api-imports-rich False" in proc.stdout

    script = Path(sys.executable).with_name("fundmodel")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fundmodel.cli"]
    proc = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"fundmodel {fundmodel.__version__}"
    # its time is measured in benchmarks/test_startup.py, not bounded here


# --------------------------------------------------------------------------- 7. wrapping
def test_output_to_a_file_or_pipe_wraps_cleanly(tmp_path, capsys, monkeypatch):
    """Not a terminal: lines of at most PIPE_WIDTH, no ellipsis, every number whole."""
    monkeypatch.delenv("COLUMNS", raising=False)
    out = tmp_path / "out"
    rc, stdout, _ = run_cli(capsys, "run", SHARED, "--draws", "200", "--out", out, "--set",
                            "funding[2].label=district budget for the renovation of old compounds")
    assert rc == 0
    lines = stdout.splitlines()
    assert lines[-1] == f"Wrote {', '.join(RUN_FILES)} to {out}"  # a path is never broken
    assert max(len(line) for line in lines[:-1]) <= PIPE_WIDTH
    assert "…" not in stdout and "..." not in stdout
    assert all(line == line.rstrip() for line in lines)  # no trailing blanks
    # every amount in the funding table is printed whole: compare with funding.csv
    funding = pd.read_csv(out / "funding.csv", index_col=0, encoding="utf-8-sig")
    table = [line for line in lines if line.startswith("│")]
    for label, amount in funding["amount"].items():
        assert f" {amount:,.0f} │" in "\n".join(table), label
    summary = pd.read_csv(out / "summary.csv", index_col=0, encoding="utf-8-sig")
    for metric in ("capex_total", "npv_operations", "cumulative_balance_final"):
        row = summary.loc[metric]
        cells = [f"{row[c]:,.0f}" for c in ("mean", "p5", "p95")]
        assert re.search(r"\s+│\s+".join(map(re.escape, cells)), stdout), metric
    # the long label wraps at a word boundary inside its column
    words = [w for line in table for w in re.split(r"[│\s]+", line) if w]
    for word in "district budget for the renovation of old compounds".split():
        assert word in words


def test_process_output_through_a_pipe_has_the_pipe_width():
    proc = _process(["run", STANDALONE], capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert max(len(line) for line in lines) <= PIPE_WIDTH
    assert "Breakeven fee: 3.21 CNY/m²/month over 20 years" in proc.stdout


# --------------------------------------------------------------------------- 8. no tracebacks
def test_a_per_draw_table_larger_than_memory_is_refused_at_once(tmp_path, capsys):
    """10^11 draws × every metric × 8 bytes cannot fit: exit 2 before anything runs (the
    library's up-front size check, see tests/test_suspicious_values.py)."""
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, "run", STANDALONE, "--draws", str(10 ** 11), "--out", out)
    assert rc == 2 and stdout == ""
    assert "--no-draws" in err and "fewer" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["simulate", "evaluate"])
def test_memory_error_is_exit_2(tmp_path, capsys, monkeypatch, command):
    import fundmodel.run.api

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 1.46 PiB")

    monkeypatch.setattr(fundmodel.run.api, command, boom)
    out = tmp_path / "out"
    extra = ["--draws", "1000"] if command == "simulate" else []
    rc, stdout, err = run_cli(capsys, "run", STANDALONE, "--out", out, *extra)
    assert rc == 2 and stdout == "" and "--no-draws" in err
    assert not out.exists()


class _FailingStdout:
    encoding = "utf-8"

    def __init__(self, exc):
        self.exc = exc

    def write(self, text):
        raise self.exc

    def flush(self):
        pass

    def isatty(self):
        return False


@pytest.mark.parametrize("exc, code, message", [
    (OSError(28, "No space left on device"), 2, "cannot write the output: No space left"),
    (BrokenPipeError(32, "Broken pipe"), 1, ""),
])
def test_stdout_errors_are_no_traceback(capsys, monkeypatch, exc, code, message):
    monkeypatch.setattr(sys, "stdout", _FailingStdout(exc))
    rc = main(["run", str(STANDALONE)])
    err = capsys.readouterr().err
    assert rc == code and "Traceback" not in err
    assert (message in err) if message else err == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_on_stdout_in_a_real_process():
    with open("/dev/full", "w") as full:
        proc = _process(["run", STANDALONE], stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2
    assert "No space left on device" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_a_write_error_while_writing_files_is_no_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda self, path, *a, **k: (_ for _ in ()).throw(
        OSError(5, "Input/output error", str(path))))
    out = tmp_path / "out"
    rc, stdout, err = run_cli(capsys, "run", STANDALONE, "--out", out)
    assert rc == 2 and stdout == ""
    assert f"cannot write to {out}: Input/output error" in err
    assert listing(tmp_path) == []


def test_mode_of_new_files_follows_the_umask(tmp_path, result):
    from fundmodel.export import write_csv

    previous = os.umask(0o027)
    try:
        out = tmp_path / "out"
        write_csv(result, out)
        (out / "summary.csv").write_text("old")
        write_csv(result, out)  # replaced files, staged inside the folder
    finally:
        os.umask(previous)
    for name in RUN_FILES:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o640, name
    assert listing(out) == sorted(RUN_FILES)
