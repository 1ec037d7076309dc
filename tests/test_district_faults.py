"""`fundmodel district` and the portfolio API when things go wrong: a run too large for memory
is refused up front with the district's own ways out; a plan that starts no compound says why,
located; a bad or unreachable scheduler is one line; a scenario that is not a regular file is
refused before it is opened."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import fundmodel
import fundmodel.run.montecarlo as montecarlo
from fundmodel.cli import main
from fundmodel.errors import ModelError, ScenarioError
from fundmodel.portfolio import plan_portfolio, simulate_portfolio
from fundmodel.portfolio.memory import (check_portfolio_size, planning_memory_estimate,
                                        portfolio_memory_estimate)
from fundmodel.scenario.fiscal import GOVERNMENT_LEVELS

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "xinghualing-district.yaml"
MiB = 2**20


@pytest.fixture(scope="module")
def scenario():
    return fundmodel.load_scenario(DISTRICT)


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text.strip()


# --------------------------------------------------------------------------- memory
def test_the_district_totals_are_counted_by_hand(scenario):
    """The part that grows with the draws alone: 2 copies × draws × (7 district metrics +
    4 levels × T calendar years) × 8 bytes."""
    from fundmodel.inputs import timeline_of

    t = timeline_of(scenario).n_years
    parts = portfolio_memory_estimate(scenario, 1000, 983, 50, 655, 1, t, 3)
    assert len(GOVERNMENT_LEVELS) == 4
    assert parts["district totals"][0] == 2 * 1000 * (7 + 4 * t) * 8
    # one tile of 50 compounds (one block): 1000 × (1 × (7 + 4T) + 50 × (9 + 2)) × 8
    assert parts["tiles in flight"][0] == 1000 * ((7 + 4 * t) + 50 * 11) * 8
    # chunks of 655 draws are cut from one sampling block of 4,096 draws: its uniforms and
    # values, 3 shared columns (as given) + 50 compounds × 3 inputs drawn per compound
    assert parts["sampled inputs"][0] == 2 * 4096 * (3 + 50 * 3) * 8
    # on a cluster the tiles are on its workers
    assert "tiles in flight" not in portfolio_memory_estimate(scenario, 1000, 983, 50, 655, 1,
                                                              t, 3, client=True)


def test_thirty_million_draws_are_refused_before_allocating(scenario, monkeypatch):
    monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: 8 * 2**30)
    allocated = []
    real_empty = np.empty
    monkeypatch.setattr(np, "empty", lambda *a, **k: allocated.append(a) or real_empty(*a, **k))
    with pytest.raises(ModelError) as exc:
        simulate_portfolio(scenario, draws=30_000_000, seed=1)
    message = str(exc.value)
    assert "this district run needs about" in message and "8.0 GiB is available" in message
    assert "fewer draws (--draws" in message
    assert "--no-draws" not in message and "--chunk-size" not in message
    assert allocated == []


def test_the_draws_that_fit_are_named(scenario, monkeypatch):
    """With 500 MiB the message says how many draws fit: that many do, two more do not."""
    from fundmodel.inputs import timeline_of
    from fundmodel.inputs.sampling import input_space

    monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: 500 * MiB)
    t, dims = timeline_of(scenario).n_years, input_space(scenario).dims
    with pytest.raises(ModelError, match=r"at most about ([\d,]+) fit") as exc:
        check_portfolio_size(scenario, 1_000_000, 983, 50, 655, 1, t, dims)
    import re

    fit = int(re.search(r"at most about ([\d,]+) fit", str(exc.value)).group(1).replace(",", ""))
    assert 0 < fit < 1_000_000
    parts = portfolio_memory_estimate(scenario, fit, 983, 50, 655, 1, t, dims)
    assert sum(b for b, _ in parts.values()) <= 500 * MiB
    parts = portfolio_memory_estimate(scenario, fit + 2, 983, 50, 655, 1, t, dims)
    assert sum(b for b, _ in parts.values()) > 500 * MiB


def test_district_cli_refuses_with_its_own_options(monkeypatch, capsys):
    monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: 100 * MiB)
    assert main(["district", str(DISTRICT), "--draws", "3000000", "--no-plan", "-q",
                 "--workers", "2"]) == 2
    captured = capsys.readouterr()
    err = one_line(captured.err)
    assert "needs about" in err and "fewer draws (--draws" in err and "--workers" in err
    assert "--no-draws" not in err and "--chunk-size" not in err and captured.out == ""


def test_a_memory_error_in_district_names_its_options(monkeypatch, capsys):
    import fundmodel.portfolio as portfolio

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 9 GiB")

    monkeypatch.setattr(portfolio, "simulate_portfolio", boom)
    assert main(["district", str(DISTRICT), "--draws", "10", "--no-plan", "-q"]) == 2
    err = one_line(capsys.readouterr().err)
    assert "not enough memory for this district run" in err and "--draws" in err
    assert "--no-draws" not in err and "--chunk-size" not in err


def test_a_plan_too_large_is_refused_before_planning(scenario, monkeypatch):
    """983 compounds × 6 plan years × (1 + 4 levels × 1 year of works) non-zeros × 1,200
    bytes = 35.4 MB for the solver: refused with 16 MiB."""
    parts = planning_memory_estimate(scenario, 983, 3)
    assert parts["solver"][0] == 983 * 6 * (1 + 4 * 1) * 1200
    monkeypatch.setattr(montecarlo, "_available_memory_bytes", lambda: 16 * MiB)
    import fundmodel.portfolio.plan as plan

    monkeypatch.setattr(plan, "renovation_cost_by_level",
                        lambda *a, **k: pytest.fail("computed before the check"))
    with pytest.raises(ModelError, match=r"the phasing plan of 983 compounds needs about .*"
                                         r"--no-plan"):
        plan_portfolio(scenario)


def test_point_costs_in_blocks_are_the_whole_table_s(scenario):
    """The point-estimate costs, now computed 50 compounds at a time, equal the engine run on
    the whole table at once."""
    from fundmodel.inputs.draws import point_values
    from fundmodel.engine.model import run_compounds
    from fundmodel.inputs import model_inputs, timeline_of
    from fundmodel.portfolio.plan import renovation_cost_by_level
    from fundmodel.portfolio.tiles import payments_by_level

    table = scenario.portfolio.table
    k = timeline_of(scenario).construction_years
    whole = payments_by_level(run_compounds(model_inputs(scenario, point_values(scenario), 1,
                                                         table)), "capital")[0, ..., :k]
    np.testing.assert_array_equal(renovation_cost_by_level(scenario), whole)


# --------------------------------------------------------------------------- empty plans
def test_no_start_years_says_so(scenario):
    with pytest.raises(ModelError, match="start_years is -1 .* for all 983 compounds"):
        simulate_portfolio(scenario, draws=10, start_years=np.full(983, -1))


def test_budgets_too_small_are_located(capsys):
    """A central budget of 1,000 CNY a year: the cheapest compound's works cost the centre
    more than that, so nothing starts; the message names the budgets' line and the
    compound."""
    assert main(["district", str(DISTRICT), "--draws", "8", "--no-areas", "-q", "--set",
                 "portfolio.phasing.budgets_cny.central_government=1000"]) == 2
    err = one_line(capsys.readouterr().err)
    line = next(i for i, text in enumerate(DISTRICT.read_text(encoding="utf-8").splitlines(), 1)
                if "central_government:" in text and "phasing" not in text)
    assert err.startswith(f"--set portfolio.phasing.budgets_cny.central_government") or \
        err.startswith(f"{DISTRICT}:")
    assert "portfolio.phasing.budgets_cny: nothing can be planned: the budgets are too small " \
           "to start any compound" in err
    assert "xinghualing-compounds.csv line " in err and "more than that level's largest " \
           "yearly budget, 1,000 CNY" in err
    assert "no compound has a start year" not in err
    del line


def test_a_solver_without_a_plan_is_told_apart(scenario):
    from fundmodel.portfolio.plan import empty_plan_reason

    plan = plan_portfolio(scenario)
    empty = type(plan)(**{**plan.__dict__, "start_year": np.full(983, -1),
                          "status": "time_limit"})
    path, message = empty_plan_reason(scenario, empty)
    assert path == "portfolio.phasing" and "found no plan within time_limit_s = 20 s" in message
    assert empty_plan_reason(scenario, plan) is None


# --------------------------------------------------------------------------- scheduler
@pytest.mark.parametrize("address, expected", [
    ("garbage://x", "'garbage://x' is not a scheduler address"),
    ("nonsense", "'nonsense' is not a scheduler address"),
    ("", "the scheduler address is empty"),
])
def test_a_bad_scheduler_address_is_one_line(capsys, address, expected):
    pytest.importorskip("distributed")
    assert main(["district", str(DISTRICT), "--draws", "8", "--no-plan", "--no-areas", "-q",
                 "--scheduler", address]) == 2
    assert expected in one_line(capsys.readouterr().err)


def test_an_unreachable_scheduler_is_told_within_the_timeout(capsys):
    pytest.importorskip("distributed")
    start = time.monotonic()
    assert main(["district", str(DISTRICT), "--draws", "8", "--no-plan", "--no-areas", "-q",
                 "--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", "1"]) == 2
    assert time.monotonic() - start < 30
    err = one_line(capsys.readouterr().err)
    assert "cannot connect to the scheduler at tcp://127.0.0.1:1 within 1 s" in err
    assert "cannot write" not in err


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "1e9"])
def test_a_bad_scheduler_timeout_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["district", str(DISTRICT), "--scheduler", "tcp://x:1", "--scheduler-timeout",
              value])
    assert exc.value.code == 2


# --------------------------------------------------------------------------- not a file
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", [["validate"], ["run"], ["run", "--out", "OUT"],
                                     ["district", "--out", "OUT"]])
def test_a_fifo_scenario_is_refused_before_it_is_opened(tmp_path, command):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    argv = [command[0], str(fifo), *[str(tmp_path / "out") if a == "OUT" else a
                                     for a in command[1:]]]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "fundmodel.cli", *argv], env=env,
                          capture_output=True, text=True, timeout=60)  # a block would hang
    assert proc.returncode == 2
    assert one_line(proc.stderr) == (f"{fifo}: cannot read the file: it is a FIFO (named "
                                     "pipe), not a regular file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario.yaml"]


@pytest.mark.parametrize("path, kind", [("/dev/null", "a device"), (".", "a folder")])
def test_other_non_regular_files_are_refused(capsys, path, kind):
    if not os.path.exists(path):
        pytest.skip(f"no {path}")
    assert main(["validate", path]) == 2
    assert f"it is {kind}, not a regular file" in one_line(capsys.readouterr().err)


def test_file_sha256_refuses_a_fifo(tmp_path):
    from fundmodel.export import file_sha256

    if not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs")
    os.mkfifo(tmp_path / "f")
    with pytest.raises(OSError, match="FIFO"):
        file_sha256(tmp_path / "f")
