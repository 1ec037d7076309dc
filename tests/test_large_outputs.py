"""Large outputs: per-draw tables as Parquet (exact round trip, part of the atomic set and of
run.json with their SHA-256), ``--format auto``, the warning before a very large CSV, and a
clear error without pyarrow."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pandas as pd
import pytest

import fundmodel
from fundmodel.errors import FundmodelError
from fundmodel.export import files as export_files
from fundmodel.export import csv_bytes_estimate, table_formats, write_csv
from cli_runs import run_cli
from test_cli import STANDALONE
from test_portfolio import PHASING, _portfolio, _rows


@pytest.fixture(scope="module")
def result():
    scenario = fundmodel.load_scenario(STANDALONE)
    return fundmodel.simulate(scenario, draws=120, seed=11)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_csv_size_estimate_by_hand():
    """3 rows × (2 columns + 1 index column) × 20 bytes = 180; a two-level index counts
    twice: 2 rows × (1 + 2) × 20 = 120."""
    assert csv_bytes_estimate(pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 5, 6]})) == 180
    two = pd.DataFrame({"a": [1.0, 2.0]},
                       index=pd.MultiIndex.from_tuples([(1, "x"), (2, "y")]))
    assert csv_bytes_estimate(two) == 120


def test_parquet_round_trip_and_run_json(tmp_path, result):
    out = tmp_path / "out"
    written = write_csv(result, out, format="parquet")
    names = ["summary.csv", "metrics.parquet", "yearly.csv", "funding.csv", "run.json"]
    assert [p.name for p in written] == names and listing(out) == sorted(names)
    back = pd.read_parquet(out / "metrics.parquet")
    pd.testing.assert_frame_equal(back, result.metrics, check_exact=True)
    assert back.index.name == "draw"
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["files"] == names
    assert record["files_sha256"] == {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in names[:-1]}


def test_csv_by_default_and_the_formats_replace_each_other(tmp_path, result):
    out = tmp_path / "out"
    write_csv(result, out, format="parquet")
    write_csv(result, out)  # csv: the earlier run's metrics.parquet goes
    assert listing(out) == sorted(["summary.csv", "metrics.csv", "yearly.csv", "funding.csv",
                                   "run.json"])
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["files_sha256"]["metrics.csv"] == hashlib.sha256(
        (out / "metrics.csv").read_bytes()).hexdigest()
    write_csv(result, out, format="parquet")
    assert "metrics.csv" not in listing(out) and "metrics.parquet" in listing(out)


def test_auto_chooses_parquet_above_the_threshold(monkeypatch, result):
    tables = {"metrics": result.metrics, "summary": result.summary()}
    size = 120 * (result.metrics.shape[1] + 1) * 20
    assert table_formats(tables, "auto") == {"metrics": "csv", "summary": "csv"}
    monkeypatch.setattr(export_files, "AUTO_PARQUET_BYTES", size - 1)
    assert table_formats(tables, "auto") == {"metrics": "parquet", "summary": "csv"}
    monkeypatch.setattr(export_files, "AUTO_PARQUET_BYTES", size)  # "above": not equal
    assert table_formats(tables, "auto")["metrics"] == "csv"
    assert table_formats(tables, "parquet") == {"metrics": "parquet", "summary": "csv"}
    with pytest.raises(FundmodelError, match="unknown format 'xlsx'"):
        table_formats(tables, "xlsx")


def test_the_large_csv_is_announced_before_writing(tmp_path, monkeypatch, result):
    """120 draws × (metrics + the draw column) × 20 bytes, just above the (patched) limit."""
    size = 120 * (result.metrics.shape[1] + 1) * 20
    monkeypatch.setattr(export_files, "LARGE_CSV_BYTES", size - 1)
    seen = []
    write_csv(result, tmp_path / "a", on_large_csv=lambda name, b: seen.append((name, b)))
    assert seen == [("metrics.csv", size)]
    seen.clear()
    write_csv(result, tmp_path / "b", format="parquet",
              on_large_csv=lambda name, b: seen.append((name, b)))
    assert seen == []


def test_cli_warns_once_and_suggests_parquet(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(export_files, "LARGE_CSV_BYTES", 1000)
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--draws", "60", "-q", "--out", tmp_path / "o")
    assert rc == 0
    lines = [line for line in err.splitlines() if line.startswith("warning: metrics.csv")]
    assert len(lines) == 1 and "MB; use --format parquet" in lines[0]
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--draws", "60", "-q", "--format", "parquet",
                         "--out", tmp_path / "p")
    assert rc == 0 and "use --format parquet" not in err
    assert (tmp_path / "p" / "metrics.parquet").exists()
    assert not (tmp_path / "p" / "metrics.csv").exists()


def test_without_pyarrow_a_clear_error_and_nothing_written(tmp_path, capsys, monkeypatch,
                                                           result):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow → ImportError
    with pytest.raises(FundmodelError, match=r"pip install 'fundmodel\[parquet\]'"):
        write_csv(result, tmp_path / "lib", format="parquet")
    rc, _, err = run_cli(capsys, "run", STANDALONE, "--draws", "30", "-q", "--format", "parquet",
                         "--out", tmp_path / "cli")
    assert rc == 2 and "pip install 'fundmodel[parquet]'" in err
    assert not (tmp_path / "lib").exists() and not (tmp_path / "cli").exists()
    monkeypatch.setattr(export_files, "AUTO_PARQUET_BYTES", 0)  # auto: CSV instead
    assert table_formats({"metrics": result.metrics}, "auto") == {"metrics": "csv"}


def test_district_per_draw_table_as_parquet(tmp_path, capsys):
    from fundmodel.cli import main
    from fundmodel.portfolio import plan_portfolio, simulate_portfolio

    scenario = _portfolio(tmp_path, _rows(6), extra=PHASING)
    out = tmp_path / "out"
    assert main(["district", str(tmp_path / "district.yaml"), "--draws", "40", "--seed", "5",
                 "-q", "--format", "parquet", "--out", str(out)]) == 0
    capsys.readouterr()
    assert listing(out) == ["areas.csv", "budget.csv", "compounds.csv", "district.parquet",
                            "outlay.csv", "overrun.csv", "plan.csv", "run.json"]
    plan = plan_portfolio(scenario, seed=5)
    expected = simulate_portfolio(scenario, 40, 5, start_years=plan.start_year).district
    back = pd.read_parquet(out / "district.parquet")
    # check_names=False: PortfolioResult.summary() names the shared columns Index "metric"
    pd.testing.assert_frame_equal(back, expected, check_exact=True, check_names=False)
    assert back.index.name == "draw" and list(back.columns) == list(expected.columns)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["files"][-1] == "run.json" and "district.parquet" in record["files"]
    assert record["files_sha256"]["district.parquet"] == hashlib.sha256(
        (out / "district.parquet").read_bytes()).hexdigest()


def test_import_stays_light():
    """Neither rich nor IPython is imported by importing the library and its writers and
    reporters (pyarrow: pandas itself imports it when installed)."""
    code = ("import sys, fundmodel, fundmodel.export, fundmodel.run.progress; "
            "print(sorted(m for m in ('rich', 'IPython') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout
    assert shown.strip() == "[]"
