"""Progress reporters: the plain line (fake clock, no sleeping), the choice by environment
(terminal, log, notebook — detection monkeypatched), the notebook bar, the rich bar, and
the CLI's line when standard error is captured (not a terminal)."""

from __future__ import annotations

import io
import sys
import types

import numpy as np
import pytest

import fundmodel
from fundmodel.run import progress as pr
from cli_runs import run_cli
from test_cli import STANDALONE


class FakeClock:
    def __init__(self, times):
        self.times = list(times)

    def __call__(self):
        return self.times.pop(0)


def test_progress_line_by_hand():
    # 12.3 s for 40,000 of 100,000: 12.3 × 60,000 / 40,000 = 18.45 s left
    assert pr.progress_line("draws", 40_000, 100_000, 12.3) == \
        "draws 40,000/100,000 (40%) 12.3 s, ~18 s left"
    assert pr.progress_line("compounds", 3, 3, 2.04) == "compounds 3/3 (100%) 2.0 s"
    assert pr.progress_line("draws", 0, 10, 0.5) == "draws 0/10 (0%) 0.5 s"


def test_plain_reporter_every_five_seconds_and_at_the_end():
    stream = io.StringIO()
    # start 0; updates at 1 (quiet), 5.5 (line), 7 (quiet), 10.4 (4.9 s after: quiet),
    # 10.6 (line), and the last at 11 (the end: always a line)
    clock = FakeClock([0.0, 1.0, 5.5, 7.0, 10.4, 10.6, 11.0])
    rep = pr.PlainReporter(stream, interval_s=5.0, clock=clock)
    rep.start(1000, "draws")
    for done in (100, 400, 500, 700, 800, 1000):
        rep.update(done)
    rep.close()
    assert stream.getvalue().splitlines() == [
        "draws 400/1,000 (40%) 5.5 s, ~8 s left",      # 5.5 × 600 / 400 = 8.25
        "draws 800/1,000 (80%) 10.6 s, ~3 s left",     # 10.6 × 200 / 800 = 2.65
        "draws 1,000/1,000 (100%) 11.0 s",
    ]


def test_reporter_from_what_the_caller_passes(monkeypatch):
    monkeypatch.setattr(pr, "in_notebook", lambda: False)
    assert type(pr.reporter(False, 10)) is pr.Reporter
    assert type(pr.reporter(None, 10)) is pr.Reporter
    seen = []
    rep = pr.reporter(lambda done, total: seen.append((done, total)), 10)
    rep.update(4)
    rep.close()
    assert seen == [(4, 10)]
    mine = pr.PlainReporter(io.StringIO())
    assert pr.reporter(mine, 7, "compounds") is mine and mine.total == 7
    monkeypatch.setattr(sys, "stderr", io.StringIO())       # a log, not a terminal
    assert isinstance(pr.reporter(True, 10), pr.PlainReporter)

    class Tty(io.StringIO):
        def isatty(self):
            return True
    assert isinstance(pr.reporter_for(Tty()), pr.RichReporter)
    monkeypatch.setattr(pr, "in_notebook", lambda: True)
    assert isinstance(pr.reporter_for(Tty()), pr.NotebookReporter)


def _fake_ipython(monkeypatch, shell):
    module = types.ModuleType("IPython")
    module.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", module)


def test_notebook_detection(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not pr.in_notebook()  # IPython not imported: not a notebook (and not imported)
    assert "IPython" not in sys.modules

    class ZMQInteractiveShell:
        pass

    class ColabShell(ZMQInteractiveShell):
        pass

    class TerminalInteractiveShell:
        pass
    for shell, expected in [(ZMQInteractiveShell(), True), (ColabShell(), True),
                            (TerminalInteractiveShell(), False), (None, False)]:
        _fake_ipython(monkeypatch, shell)
        assert pr.in_notebook() is expected


def test_notebook_reporter_redraws_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(repr(obj))

    display_module = types.ModuleType("IPython.display")

    def display(obj, display_id=False):
        assert display_id is True
        shown.append(repr(obj))
        return Handle()
    display_module.display = display
    monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    rep = pr.NotebookReporter(interval_s=1.0, clock=FakeClock([0.0, 0.5, 2.0, 3.0]))
    rep.start(4, "draws")
    for done in (1, 2, 4):  # at 0.5 s: too soon; 2.0 s; the end
        rep.update(done)
    rep.close()
    assert len(shown) == 3
    assert shown[0] == "░" * 30 + " draws 0/4 (0%) 0.0 s"
    assert shown[1] == "█" * 15 + "░" * 15 + " draws 2/4 (50%) 2.0 s, ~2 s left"
    assert shown[2] == "█" * 30 + " draws 4/4 (100%) 3.0 s"


def test_a_reporter_changes_no_result_and_the_rich_bar_draws():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    scenario = fundmodel.load_scenario(STANDALONE)
    quiet = fundmodel.simulate(scenario, draws=300, seed=2, chunk_size=100)
    terminal = Tty()
    barred = fundmodel.simulate(scenario, draws=300, seed=2, chunk_size=100,
                                progress=pr.RichReporter(terminal))
    assert np.array_equal(quiet.metrics.to_numpy(), barred.metrics.to_numpy(), equal_nan=True)
    assert "draws" in terminal.getvalue()
    log = io.StringIO()
    fundmodel.simulate(scenario, draws=300, seed=2, chunk_size=100,
                       progress=pr.PlainReporter(log))
    assert log.getvalue().splitlines()[-1].startswith("draws 300/300 (100%) ")


def test_portfolio_reports_compounds(tmp_path):
    from fundmodel.portfolio import simulate_portfolio
    from test_portfolio import _portfolio, _rows

    scenario = _portfolio(tmp_path, _rows(5))
    log = io.StringIO()
    simulate_portfolio(scenario, 20, 1, progress=pr.PlainReporter(log))
    assert log.getvalue().splitlines()[-1].startswith("compounds 5/5 (100%) ")


def test_cli_prints_the_plain_line_when_stderr_is_not_a_terminal(capsys):
    rc, out, err = run_cli(capsys, "run", STANDALONE, "--draws", "200")
    assert rc == 0
    assert [line for line in err.splitlines() if line.startswith("draws ")][-1].startswith(
        "draws 200/200 (100%) ")
    assert "draws 200/200" not in out
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--draws", "200", "-q")
    assert rc == 0 and "draws 200/200" not in err


@pytest.mark.parametrize("quiet", [False, True])
def test_cli_district_progress_line(tmp_path, capsys, quiet):
    from fundmodel.cli import main
    from test_portfolio import _portfolio, _rows

    _portfolio(tmp_path, _rows(4))
    assert main(["district", str(tmp_path / "district.yaml"), "--draws", "20", "--no-areas",
                 *(["-q"] if quiet else [])]) == 0
    err = capsys.readouterr().err
    assert ("compounds 4/4 (100%)" in err) is not quiet
