"""Times that used to be bounds in the test suite (where a loaded machine made them fail):
the import, ``fundmodel --version``, refusing an oversized scenario file, the largest file
accepted, a 100,000-row compounds table.

Each is measured with pytest-benchmark and, beside it, as a ratio to a reference measured in
the same run (a bare interpreter's start, a plain ``yaml.safe_load`` / ``csv`` read of the same
bytes), so that the figure says something on a machine of any speed. Run on purpose:

    .venv/bin/python -m pytest benchmarks/test_startup.py --benchmark-only

The tests keep what the bounds stood for, checked without a clock: ``import fundmodel`` loads
no heavy library (tests/test_perf_invariants.py::test_import_is_light), ``--version`` loads
none (tests/test_cli_output.py), an oversized file is refused before it is parsed
(tests/test_hostile_input.py). Figures: benchmarks/README.md.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("pytest_benchmark")


def _seconds(command: list[str], rounds: int = 5) -> float:
    """The least wall time of ``rounds`` runs of a command (the least: the least disturbed)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=120, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def _ratio(benchmark, seconds: float, reference: float, name: str) -> float:
    ratio = seconds / reference
    benchmark.extra_info.update({"seconds": seconds, f"{name}_seconds": reference,
                                 f"ratio_to_{name}": ratio})
    return ratio


def test_import(benchmark):
    """``import fundmodel`` and with the API loaded, against a bare interpreter's start."""
    bare = [sys.executable, "-c", "pass"]
    imp = [sys.executable, "-c", "import fundmodel"]
    api = [sys.executable, "-c", "import fundmodel; fundmodel.simulate, fundmodel.load_scenario"]
    reference = _seconds(bare)
    _ratio(benchmark, _seconds(imp), reference, "bare_python")
    benchmark.extra_info["api_seconds"] = _seconds(api)
    benchmark.pedantic(subprocess.run, args=(imp,), kwargs={"check": True}, rounds=5)


def test_version(benchmark):
    """``fundmodel --version`` (argparse and the standard library only)."""
    command = [sys.executable, "-m", "fundmodel.cli", "--version"]
    _ratio(benchmark, _seconds(command), _seconds([sys.executable, "-c", "pass"]),
           "bare_python")
    benchmark.pedantic(subprocess.run, args=(command,),
                       kwargs={"check": True, "capture_output": True}, rounds=5)


def test_oversized_file_refused(benchmark, tmp_path):
    """A 30 MB scenario is refused by its size, against reading its bytes."""
    from fundmodel.errors import ScenarioError
    from fundmodel.scenario import load_scenario

    file = tmp_path / "big.yaml"
    file.write_text("name: big\ndescription: " + "x" * 30_000_000 + "\n", encoding="utf-8")

    def refuse():
        with pytest.raises(ScenarioError):
            load_scenario(file)

    start = time.perf_counter()
    file.read_bytes()
    reference = time.perf_counter() - start
    start = time.perf_counter()
    refuse()
    _ratio(benchmark, time.perf_counter() - start, reference, "read_bytes")
    benchmark.pedantic(refuse, rounds=3)


def test_largest_accepted_file(benchmark, tmp_path):
    """Just under 2 MB of one long list, refused at the 50,001st value, against
    ``yaml.safe_load`` of the same text."""
    import yaml

    from fundmodel.errors import ScenarioError
    from fundmodel.scenario import load_scenario

    text = "description: [" + "1," * 999_990 + "1]\n"
    file = tmp_path / "long.yaml"
    file.write_text(text, encoding="utf-8")

    def refuse():
        with pytest.raises(ScenarioError):
            load_scenario(file)

    start = time.perf_counter()
    yaml.safe_load(text)
    reference = time.perf_counter() - start
    start = time.perf_counter()
    refuse()
    _ratio(benchmark, time.perf_counter() - start, reference, "yaml_safe_load")
    benchmark.pedantic(refuse, rounds=1)


def test_100k_row_compounds_table(benchmark, tmp_path):
    """A compounds table of 100,000 rows, against the csv module reading the same file."""
    from fundmodel.io.compounds_table import read_compounds_table

    n = 100_000
    rows = "".join(f"C{i},n{i},{i % 500 + 1},{(i % 500 + 1) * 70.5},{i % 2},{i % 7 + 1}\n"
                   for i in range(n))
    path = tmp_path / "compounds.csv"
    path.write_text("id,name,households,floor_area_m2,lifts_possible,storeys\n" + rows,
                    encoding="utf-8")
    start = time.perf_counter()
    list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    reference = time.perf_counter() - start
    start = time.perf_counter()
    read_compounds_table(path)
    _ratio(benchmark, time.perf_counter() - start, reference, "csv_reader")
    benchmark.pedantic(read_compounds_table, args=(path,), rounds=3)
