"""The ``fundmodel`` command run in-process for a test: its exit code and what it printed."""

from __future__ import annotations

from fundmodel.cli import main


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """Run ``fundmodel *argv`` (each argument as text, so paths may be given as they are) and
    return its exit code, stdout and stderr; what was printed before the call is dropped, and a
    traceback in the output fails the test."""
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def run_ok(capsys, *argv) -> str:
    """:func:`run_cli` that must exit 0; its stdout."""
    rc, out, err = run_cli(capsys, *argv)
    assert rc == 0, err
    return out


def run_words(capsys, *argv) -> str:
    """:func:`run_ok`'s stdout with every run of white space made one space (a table's column
    widths and line wrapping aside)."""
    return " ".join(run_ok(capsys, *argv).split())
