"""The ``fundmodel`` command line: run, validate, schema, and its behaviour on bad output paths."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fundmodel.cli import main

from cli_runs import run_cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
STANDALONE = SCENARIOS / "sanqiao-standalone.yaml"
SCHEMA = ROOT / "schema" / "scenario.schema.json"
OUTPUT_FILES = {"summary.csv", "metrics.csv", "yearly.csv", "funding.csv", "run.json"}


def metrics(out_dir: Path) -> pd.Series:
    df = pd.read_csv(out_dir / "metrics.csv", index_col=0)
    assert len(df) == 1
    return df.iloc[0]


@pytest.fixture(scope="module")
def standalone_run(tmp_path_factory):
    """One run of the standalone scenario, shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("standalone") / "out"
    capture = {}
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        capture["rc"] = main(["run", str(STANDALONE), "--out", str(out)])
    capture.update(out=out, stdout=stdout.getvalue(), stderr=stderr.getvalue())
    return capture


# --------------------------------------------------------------------------- run
def test_run_prints_the_story(standalone_run):
    assert standalone_run["rc"] == 0
    text = standalone_run["stdout"]
    # the sources and payers by their labels (issue 19), not their identifiers
    for word in ("Central subsidy", "Local budget", "Residents", "Utility companies",
                 "DEFICIT", "Breakeven fee", "Funding gap"):
        assert word in text, word
    for ident in ("central_subsidy", "local_budget", "utility_companies"):
        assert ident not in text, ident
    assert "Traceback" not in text + standalone_run["stderr"]


def test_run_writes_the_four_tables(standalone_run):
    out = standalone_run["out"]
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES

    m = metrics(out)
    for col in ("capex_total", "funding_gap", "resident_cost_per_household",
                "government_cost_per_household", "operating_surplus_first_year",
                "npv_operations", "breakeven_fee_rate"):
        assert col in m.index, col
    assert m["funding_gap"] > 0          # the story: some of the renovation is unfunded
    assert m["operating_surplus_first_year"] < 0   # and the fee cannot pay the upkeep
    assert m["breakeven_fee_rate"] > 0.5

    yearly = pd.read_csv(out / "yearly.csv", index_col=0)
    assert len(yearly) == 20  # horizon_years of the scenario
    for col in ("property_fee_income", "other_income", "operating_cost", "operating_surplus",
                "cumulative_balance"):
        assert col in yearly.columns, col
    assert list(yearly.index) == list(range(1, 21))
    assert yearly["cumulative_balance"].iloc[-1] == pytest.approx(
        m["cumulative_balance_final"], rel=1e-9)

    funding = pd.read_csv(out / "funding.csv", index_col=0)
    assert list(funding.index) == ["central_subsidy", "utility_companies", "local_budget",
                                   "residents", "gap"]
    assert funding["amount"].sum() == pytest.approx(m["capex_total"], rel=1e-12)
    assert funding.loc["gap", "amount"] == pytest.approx(m["funding_gap"], rel=1e-12)

    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert "capex_total" in summary.index


def test_run_twice_into_the_same_folder(tmp_path, capsys):
    out = tmp_path / "out"
    rc, _, _ = run_cli(capsys, "run", STANDALONE, "--out", out)
    assert rc == 0
    first = (out / "metrics.csv").read_text()
    (out / "metrics.csv").write_text("stale")
    rc, _, _ = run_cli(capsys, "run", STANDALONE, "--out", out)
    assert rc == 0
    assert {p.name for p in out.iterdir()} == OUTPUT_FILES
    assert (out / "metrics.csv").read_text() == first
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temp folders left behind


def test_set_changes_the_fee(tmp_path, capsys):
    base, fee = tmp_path / "base", tmp_path / "fee"
    assert run_cli(capsys, "run", STANDALONE, "--out", base)[0] == 0
    rc, out, _ = run_cli(capsys, "run", STANDALONE, "--out", fee,
                         "--set", "operations.property_fee.rate_per_m2_month=0.6")
    assert rc == 0
    assert "The fee now: 0.60" in out
    m0, m1 = metrics(base), metrics(fee)
    assert m1["fee_income_first_year"] == pytest.approx(
        m0["fee_income_first_year"] * 0.6 / 0.5, rel=1e-12)
    assert m1["capex_total"] == pytest.approx(m0["capex_total"], rel=1e-12)


def test_set_with_a_name_selector(tmp_path, capsys):
    base, roof = tmp_path / "base", tmp_path / "roof"
    assert run_cli(capsys, "run", STANDALONE, "--out", base)[0] == 0
    rc, _, _ = run_cli(capsys, "run", STANDALONE, "--out", roof,
                       "--set", "renovation.items[roof waterproofing].unit_cost=120")
    assert rc == 0
    # roof: 2000 m² at a triangular(90, 110, 150) unit cost, mean 350/3; contingency mean 0.2/3
    expected = 2000 * (120 - 350 / 3) * (1 + 0.2 / 3)
    assert metrics(roof)["capex_total"] - metrics(base)["capex_total"] == pytest.approx(
        expected, rel=1e-9)


def test_point_estimate_option(tmp_path, capsys):
    rc, out, _ = run_cli(capsys, "run", STANDALONE, "--point-estimate", "mode")
    assert rc == 0
    assert "distributions at their mode" in out


def test_run_without_out_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, _ = run_cli(capsys, "run", STANDALONE)
    assert rc == 0 and "Breakeven fee" in out
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- validate, schema
def test_validate_the_shipped_scenarios(capsys):
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 2
    rc, out, err = run_cli(capsys, "validate", *files)
    assert rc == 0, err
    assert err == ""
    assert out.count("ok ") == len(files)


def test_schema_prints_the_committed_schema(capsys):
    rc, out, err = run_cli(capsys, "schema")
    assert rc == 0 and err == ""
    assert json.loads(out) == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_schema_out(tmp_path, capsys):
    target = tmp_path / "sub" / "scenario.schema.json"
    rc, out, _ = run_cli(capsys, "schema", "--out", target)
    assert rc == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        SCHEMA.read_text(encoding="utf-8"))
    assert [p.name for p in target.parent.iterdir()] == ["scenario.schema.json"]


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("fundmodel ")


@pytest.mark.parametrize("argv", [[], ["run"]], ids=["no-command", "run-without-file"])
def test_bad_arguments_exit_2(capsys, argv):
    """Something missing: the usage shows what is."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: fundmodel" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, words", [
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["run", str(STANDALONE), "--point-estimate", "average"],
     "argument --point-estimate: invalid choice: 'average'"),
    (["run", str(STANDALONE), "--out", ""], "argument --out: the path is empty"),
    (["run", str(STANDALONE), "--draws", "many"], "argument --draws: expected a whole number"),
], ids=["unknown-command", "bad-point-estimate", "empty-out", "bad-draws"])
def test_a_bad_option_value_is_one_line(capsys, argv, words):
    """A wrong value of an option: one line naming the option (issue 19, bad input 5), not the
    whole usage block."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "--help" in lines[0]
    assert captured.out == ""


# --------------------------------------------------------------------------- the real process
def test_python_dash_m_missing_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    proc = subprocess.run([sys.executable, "-m", "fundmodel.cli", "run", str(missing),
                           "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(missing) in proc.stderr and "cannot read the file" in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("fundmodel")
    if not script.exists():
        pytest.skip("no fundmodel console script beside this interpreter")
    proc = subprocess.run([str(script), "validate", str(STANDALONE)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok ")


# --------------------------------------------------------------------------- bad output paths
def test_out_is_an_existing_file(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("keep me")
    rc, out, err = run_cli(capsys, "run", STANDALONE, "--out", target)
    assert rc == 2
    assert str(target) in err and "not a folder" in err
    assert target.read_text() == "keep me"
    assert out == ""  # nothing printed as if the run had succeeded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_out_below_a_regular_file(tmp_path, capsys):
    blocker = tmp_path / "results"
    blocker.write_text("keep me")
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--out", blocker / "sub")
    assert rc == 2
    assert str(blocker) in err
    assert blocker.read_text() == "keep me"
    assert f"{blocker} is a file, not a folder" in err
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no temporary folder left


def test_schema_out_is_a_folder(tmp_path, capsys):
    rc, _, err = run_cli(capsys, "schema", "--out", tmp_path)
    assert rc == 2
    assert str(tmp_path) in err
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_schema_out_below_a_regular_file(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    rc, _, err = run_cli(capsys, "schema", "--out", blocker / "schema.json")
    assert rc == 2
    assert str(blocker) in err
    assert blocker.read_text() == ""
    assert [p.name for p in tmp_path.iterdir()] == ["blocker"]


def test_out_folder_has_ordinary_permissions(tmp_path, capsys):
    umask = os.umask(0)
    os.umask(umask)
    out = tmp_path / "out"
    assert run_cli(capsys, "run", STANDALONE, "--out", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_validate_ok_line_is_not_wrapped(tmp_path, capsys):
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4)
    deep.mkdir(parents=True)
    file = deep / "scenario.yaml"
    file.write_text(STANDALONE.read_text(encoding="utf-8"), encoding="utf-8")
    assert len(f"ok {file}") > 80
    rc, out, _ = run_cli(capsys, "validate", file)
    assert rc == 0
    assert f"ok {file}\n" in out


# --------------------------------------------------------------------------- export, directly
@pytest.fixture(scope="module")
def result():
    from fundmodel import evaluate, load_scenario

    return evaluate(load_scenario(STANDALONE))


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_csv_modes_follow_the_umask(tmp_path, result, umask_027):
    from fundmodel.export import write_csv

    out = tmp_path / "new" / "deeper" / "out"
    written = write_csv(result, out)
    assert {p.name for p in out.iterdir()} == {p.name for p in written}
    for folder in (tmp_path / "new", tmp_path / "new" / "deeper", out):
        assert _mode(folder) == 0o750, folder
    for file in written:
        assert _mode(file) == 0o640, file
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_write_csv_into_an_existing_folder_keeps_its_mode(tmp_path, result):
    from fundmodel.export import write_csv

    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o711)
    (out / "notes.txt").write_text("mine")
    written = write_csv(result, out)
    assert _mode(out) == 0o711
    assert {p.name for p in out.iterdir()} == {"notes.txt", *(p.name for p in written)}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("make", ["file", "below-a-file", "below-a-file-deeper"])
def test_write_csv_bad_targets_raise_fundmodel_error(tmp_path, result, make):
    from fundmodel.errors import FundmodelError
    from fundmodel.export import write_csv

    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    out = {"file": blocker, "below-a-file": blocker / "out",
           "below-a-file-deeper": blocker / "a" / "b"}[make]
    with pytest.raises(FundmodelError) as info:
        write_csv(result, out)
    assert not isinstance(info.value, OSError)
    assert str(blocker) in str(info.value)
    assert blocker.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["blocker"]


def test_write_csv_failure_midway_leaves_nothing(tmp_path, result, monkeypatch):
    from fundmodel.errors import FundmodelError
    from fundmodel.export import write_csv

    real = pd.DataFrame.to_csv
    calls = []

    def to_csv(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    out = tmp_path / "made" / "for" / "out"
    with pytest.raises(FundmodelError) as info:
        write_csv(result, out)
    assert str(info.value) == f"cannot write to {out}: No space left on device"
    assert list(tmp_path.iterdir()) == []  # no temporary folder, no parents made for it


def test_write_text_atomic_modes(tmp_path, umask_027):
    from fundmodel.export import write_text_atomic

    target = tmp_path / "sub" / "schema.json"
    write_text_atomic(target, "one")
    assert target.read_text() == "one"
    assert _mode(target) == 0o640 and _mode(target.parent) == 0o750
    target.chmod(0o600)
    write_text_atomic(target, "two")  # a replaced file keeps its mode
    assert target.read_text() == "two" and _mode(target) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["schema.json"]


@pytest.mark.parametrize("make", ["folder", "below-a-file", "below-a-file-deeper"])
def test_write_text_atomic_bad_targets(tmp_path, make):
    from fundmodel.errors import FundmodelError
    from fundmodel.export import write_text_atomic

    blocker = tmp_path / "blocker"
    if make == "folder":
        blocker.mkdir()
        target = blocker
    else:
        blocker.write_text("keep me")
        target = blocker / "x.json" if make == "below-a-file" else blocker / "a" / "x.json"
    with pytest.raises(FundmodelError) as info:
        write_text_atomic(target, "text")
    assert not isinstance(info.value, OSError)
    assert str(blocker) in str(info.value)
    if make == "folder":
        assert "is a folder" in str(info.value) and list(blocker.iterdir()) == []
    else:
        assert "is a file, not a folder" in str(info.value)
        assert blocker.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["blocker"]


# ---------------------------------------------------------------------------------- Monte Carlo
def test_run_monte_carlo_prints_statistics_and_writes_outputs(tmp_path, capsys):
    out = tmp_path / "mc"
    code = main(["run", "scenarios/sanqiao-standalone.yaml", "--draws", "3000", "--seed", "5",
                 "--sampler", "lhs", "--out", str(out)])
    stdout = capsys.readouterr().out
    assert code == 0
    for phrase in ("3,000 draws", "lhs sampler", "seed 5", "p5", "p95", "P(funding_gap > 0)",
                   "P(any year in operating deficit)"):
        assert phrase in stdout, phrase
    import pandas as pd
    metrics = pd.read_csv(out / "metrics.csv", index_col="draw")
    assert len(metrics) == 3000
    again = tmp_path / "again"
    main(["run", "scenarios/sanqiao-standalone.yaml", "--draws", "3000", "--seed", "5",
          "--sampler", "lhs", "--chunk-size", "1000", "--out", str(again)])
    assert (out / "metrics.csv").read_bytes() == (again / "metrics.csv").read_bytes()
    assert (out / "summary.csv").read_bytes() == (again / "summary.csv").read_bytes()


def test_run_monte_carlo_without_draw_table(tmp_path, capsys):
    out = tmp_path / "mc"
    assert main(["run", "scenarios/sanqiao-standalone.yaml", "--draws", "2000", "--seed", "1",
                 "--no-draws", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["funding.csv", "run.json", "summary.csv",
                                                   "yearly.csv"]


@pytest.mark.parametrize("args", [["--seed", "3"], ["--no-draws"], ["--draws", "0"], ["--draws", "many"],
                                  ["--draws", "10", "--sampler", "halton"]])
def test_run_monte_carlo_bad_options(tmp_path, capsys, args):
    out = tmp_path / "out"
    try:
        code = main(["run", "scenarios/sanqiao-standalone.yaml", *args, "--out", str(out)])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.strip()
    assert not out.exists()


def test_draws_alone_uses_the_scenarios_draws(capsys):
    assert main(["run", "scenarios/sanqiao-standalone.yaml", "--draws"]) == 0
    out = capsys.readouterr().out
    assert "10,000 draws" in out and "seed 20251" in out
