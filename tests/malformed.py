"""Helpers shared by the malformed-input tests: edit the example scenario, write it, find where
a text is, and check that both the loader and the CLI reject a scenario properly."""

from __future__ import annotations

from pathlib import Path

import pytest

import fundmodel
from fundmodel import ScenarioError, load_scenario
from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
STANDALONE = ROOT / "scenarios" / "sanqiao-standalone.yaml"
BASE_TEXT = STANDALONE.read_text(encoding="utf-8")


def edit(old: str, new: str, text: str = BASE_TEXT) -> str:
    """Replace the single occurrence of ``old``; fail loudly if the pattern is stale."""
    assert text.count(old) == 1, f"pattern {old!r} occurs {text.count(old)} times in the scenario"
    edited = text.replace(old, new)
    assert edited != text, "the edit did not change the scenario"
    return edited


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based line of the single occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    return text[: text.index(needle)].count("\n") + 1


def position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first character of the single ``needle`` in ``text``."""
    line = line_of(text, needle)
    start = text.rfind("\n", 0, text.index(needle)) + 1
    return line, text.index(needle) - start + 1


def load_issues(path: Path, overrides=(), **kwargs) -> list[fundmodel.Issue]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides, **kwargs)
    err = info.value
    assert str(err) == "\n".join(str(i) for i in err.issues)
    return err.issues


def check_cli_rejects(path: Path, tmp_path: Path, capsys, *expected_in_stderr: str,
                      extra_args=()) -> str:
    """``fundmodel run FILE --out DIR``: exit 2, message on stderr, no traceback, no output."""
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["run", str(path), "--out", str(out), *extra_args])
    captured = capsys.readouterr()
    assert rc == 2
    for s in expected_in_stderr:
        assert s in captured.err, f"{s!r} not in stderr:\n{captured.err}"
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")], "temp folder left"
    return captured.err


def check_one_located_issue(file: Path, text: str, path: str, phrase: str, line: int,
                            tmp_path: Path, capsys) -> None:
    """The scenario ``file`` (its ``text``) has exactly one issue, at ``path`` on ``line`` with
    ``phrase`` in its message, formatted ``file:line:column path: message``; the CLI rejects
    it with exit 2 and writes nothing."""
    issues = load_issues(file)
    assert len(issues) == 1, "\n".join(map(str, issues))
    issue = issues[0]
    assert issue.file == str(file)
    assert issue.path == path
    assert issue.line == line, str(issue)
    assert issue.column is not None and 1 <= issue.column <= len(text.splitlines()[issue.line - 1])
    assert phrase in issue.message
    assert str(issue) == f"{file}:{issue.line}:{issue.column} {path}: {issue.message}"
    check_cli_rejects(file, tmp_path, capsys, f"{file}:{issue.line}:", f" {path}: ", phrase)
