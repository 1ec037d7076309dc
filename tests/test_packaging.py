"""Packaging: the lowest-versions constraints agree with pyproject's minimums, and the code paths
that only some dependency versions support (the rich progress bar) are exercised by the suite,
so that `.ci/run`'s lowest environment really checks them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

import fundmodel
from fundmodel import simulate

ROOT = Path(__file__).resolve().parents[1]


def canonicalize_name(name: str) -> str:
    """The PEP 503 normal form of a distribution name (``PyYAML`` → ``pyyaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _release(text: str) -> tuple[int, ...]:
    """``"2.11"`` → ``(2, 11)``: a comparable plain release number, trailing zeros dropped."""
    parts = [int(p) for p in text.strip().split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def _declared_minimums() -> dict[str, tuple[int, ...]]:
    """``{name: minimum}`` of every runtime and test requirement in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    out: dict[str, tuple[int, ...]] = {}
    for line in lines:
        name, specifiers = _REQUIREMENT.match(line).groups()
        lows = [_release(s.strip()[2:]) for s in specifiers.split(",") if s.strip().startswith(">=")]
        assert len(lows) == 1, f"{line!r}: give exactly one '>=' minimum"
        out[canonicalize_name(name)] = lows[0]
    return out


def _lowest_pins() -> dict[str, tuple[int, ...]]:
    """``{name: version}`` of the ``name==version`` lines of .ci/lowest.txt."""
    pins: dict[str, tuple[int, ...]] = {}
    for raw in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f".ci/lowest.txt: {raw!r} is not a 'name==version' pin"
        pins[canonicalize_name(name.strip())] = _release(version.strip())
    return pins


def test_lowest_constraints_pin_every_declared_minimum():
    declared = _declared_minimums()
    pins = _lowest_pins()
    assert {name: pins.get(name) for name in declared} == declared


def test_declared_minimums_cover_apis_the_code_uses():
    # the reasons written next to each minimum in pyproject.toml
    declared = _declared_minimums()
    assert declared["numpy"] >= _release("2.0")        # np.vecdot
    assert declared["scipy"] >= _release("1.15")       # qmc.LatinHypercube(rng=...)
    assert declared["pydantic"] >= _release("2.11")    # ConfigDict serialize_by_alias
    assert declared["pandas"] >= _release("2.2.2")     # first pandas built for numpy 2


def test_rich_progress_bar_runs_and_changes_nothing(standalone, capsys):
    quiet = simulate(standalone, draws=5_000, seed=3, chunk_size=2_000)
    shown = simulate(standalone, draws=5_000, seed=3, chunk_size=2_000, progress=True)
    assert np.array_equal(quiet._metrics, shown._metrics, equal_nan=True)
    assert capsys.readouterr().out == ""  # the bar goes to stderr, never stdout


@pytest.fixture(scope="module")
def standalone():
    return fundmodel.load_scenario(ROOT / "scenarios" / "sanqiao-standalone.yaml")
