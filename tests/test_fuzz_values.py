"""Fuzzing the model with extreme but well-typed values.

``test_fuzz.py`` mutates the *shape* of scenario files and checks the command line's exit codes.
This file mutates the *numbers*: each example takes a shipped one-compound scenario, changes one
to three numeric values (to 0, a tiny or a huge number, a negative one, the value ×100 or ÷100),
empties or zeroes a list (every quantity 0, a rule's ``items`` empty), moves a funding rule, and runs the library on
it — a deterministic :func:`fundmodel.evaluate` and a small Monte Carlo :func:`fundmodel.simulate`.

Whatever the input:

- loading ends in a valid scenario or a :class:`~fundmodel.errors.ScenarioError`; running ends
  in a result or a :class:`~fundmodel.errors.FundmodelError` (the documented typed errors) —
  never another exception;
- no metric is NaN unless the catalogue says when it may be undefined
  (:attr:`fundmodel.catalog.Metric.undefined_when`), and none is infinite;
- no ``RuntimeWarning`` from numpy reaches the user;
- a :func:`fundmodel.solve` of any number field for any of a set of targets (reachable, far out
  of reach, met everywhere) returns or raises a typed error within a bounded number of engine
  calls (counted, not timed).

The mutations are drawn from a seeded generator: CI runs ``FUNDMODEL_FUZZ_VALUES`` runs (default
300) and ``FUNDMODEL_FUZZ_SOLVES`` solves (default 100), about 20 s together; set them higher to
search longer (``FUNDMODEL_FUZZ_VALUES=5000`` takes a few minutes), and ``FUNDMODEL_FUZZ_SEED``
to search elsewhere.
"""

from __future__ import annotations

import copy
import math
import os
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml

import fundmodel
from fundmodel import catalog
from fundmodel.errors import FundmodelError, ScenarioError
from fundmodel.scenario import parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml")   # one-compound scenarios
                   if "\nportfolio:" not in p.read_text(encoding="utf-8"))
DATA = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SCENARIOS}

EXAMPLES = int(os.environ.get("FUNDMODEL_FUZZ_VALUES", "300"))
SEED = int(os.environ.get("FUNDMODEL_FUZZ_SEED", "19"))
DRAWS = 64

# keys whose numbers are identities or sizes of the run rather than model values
SKIP_KEYS = {"seed", "draws", "chunk_size", "workers", "start_year", "built_year"}


def _numeric_leaves(node, path=()):
    """Every (container, key) whose value is an int or float (not a bool)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for key, child in items:
        if isinstance(child, (dict, list)):
            yield from _numeric_leaves(child, path + (key,))
        elif isinstance(child, (int, float)) and not isinstance(child, bool) \
                and key not in SKIP_KEYS:
            yield node, key


def _lists_named(node, name):
    """Every list held under the key ``name``."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key == name and isinstance(child, list):
                yield child
            yield from _lists_named(child, name)
    elif isinstance(node, list):
        for child in node:
            yield from _lists_named(child, name)


def _extreme(value: float, rng: random.Random) -> float:
    choices = [0, 0.0, 1e-9, -1, 1, value * 100, value / 100, 1e9, 1e12, value * 1.5,
               -abs(value) if value else -0.5, 1e-300, 1e15, 1e308, 0.999999, 1e-6]
    return rng.choice(choices)


def _mutate(data: dict, rng: random.Random) -> tuple[dict, list[str]]:
    """One to three value mutations; returns the data and a description of what changed."""
    done = []
    for _ in range(rng.randint(1, 3)):
        action = rng.choice(["value", "value", "value", "value", "zero_quantities",
                             "empty_items", "zero_unit_costs", "move_rule"])
        if action == "value":
            leaves = list(_numeric_leaves(data))
            if not leaves:
                continue
            container, key = rng.choice(leaves)
            new = _extreme(container[key], rng)
            done.append(f"{key}: {container[key]!r} → {new!r}")
            container[key] = new
        elif action in ("zero_quantities", "zero_unit_costs"):
            field = "quantity" if action == "zero_quantities" else "unit_cost"
            for item in (data.get("renovation") or {}).get("items") or []:
                if isinstance(item, dict) and field in item:
                    item[field] = 0
            done.append(f"every {field} 0")
        elif action == "move_rule":
            rules = data.get("funding")
            if isinstance(rules, list) and len(rules) > 1:
                i, j = rng.randrange(len(rules)), rng.randrange(len(rules))
                rules.insert(j, rules.pop(i))
                done.append(f"funding[{i}] moved to {j}")
        else:
            lists = [lst for lst in _lists_named(data, "items")
                     if lst and all(isinstance(x, str) for x in lst)]
            if lists:
                rng.choice(lists).clear()
                done.append("a rule's items emptied")
    return data, done


def _check_metrics(metrics, what: str) -> None:
    values = metrics.to_numpy(dtype=float, na_value=np.nan) if hasattr(metrics, "to_numpy") \
        else np.asarray(metrics, dtype=float)
    columns = list(metrics.columns) if hasattr(metrics, "columns") else list(metrics.index)
    values = values.reshape(-1, len(columns))
    for j, name in enumerate(columns):
        column = values[:, j]
        assert not np.isinf(column).any(), f"{what}: metric {name} is infinite"
        if np.isnan(column).any():
            entry = catalog.lookup(name)
            assert entry.undefined_when, (
                f"{what}: metric {name} is NaN but the catalogue never says it may be undefined")


def _cases():
    rng = random.Random(SEED)
    names = sorted(DATA)
    cases = []
    for i in range(EXAMPLES):
        name = names[i % len(names)]
        data, done = _mutate(copy.deepcopy(DATA[name]), rng)
        cases.append(pytest.param(name, data, done, id=f"{i}-{name.removesuffix('.yaml')}"))
    return cases


@pytest.mark.parametrize(("name", "data", "done"), _cases())
def test_extreme_values_give_a_result_or_a_typed_error(name, data, done):
    what = f"{name} with {'; '.join(done) or 'no change'}"
    try:
        scenario = parse_scenario(data, base_dir=str(ROOT / "scenarios"))
    except ScenarioError:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fundmodel.evaluate(scenario)
            _check_metrics(result.metrics, f"{what} (deterministic)")
            mc = fundmodel.simulate(scenario, draws=DRAWS, keep_draws=True)
            _check_metrics(mc.metrics, f"{what} ({DRAWS} draws)")
        except FundmodelError:
            pass
    leaked = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not leaked, f"{what}: numpy warnings reach the user: {[str(w.message) for w in leaked]}"


def test_the_fuzz_mutates_something():
    """The generator really changes values (a fuzz that mutates nothing passes vacuously)."""
    rng = random.Random(SEED)
    changed = 0
    for name in sorted(DATA):
        data, done = _mutate(copy.deepcopy(DATA[name]), rng)
        changed += bool(done) and data != DATA[name]
    assert changed >= len(DATA) // 2
    assert math.isfinite(float(len(DATA)))


# ---------------------------------------------------------------------------- solve
SOLVE_EXAMPLES = int(os.environ.get("FUNDMODEL_FUZZ_SOLVES", "100"))
SOLVE_CALLS = 600
"""Engine calls past which a solve is stopped as a failure: above the documented bounds
(docs/solve.md: at most 2 + 200 per chunk per draw, 80 rounds for a statistic)."""
TARGETS = ["npv_operations = 0", "npv_operations >= 1e15", "npv_operations <= -1e15",
           "mean(npv_operations) >= 0", "median(cumulative_balance_final) >= 1e14",
           "P(cumulative_balance_final < 0) <= 0.1", "p90(funding_gap) <= 0",
           "mean(breakeven_fee_rate) >= 0", "funding_gap = 0", "operating_surplus_first_year = 0",
           "mean(operating_surplus_first_year) >= 1e12", "P(any_operating_deficit > 0) <= 0"]


class _Budget(Exception):
    """A solve ran past SOLVE_CALLS engine calls."""


def _path(node, container, key, prefix=()):
    """The dotted lever path of ``container[key]`` inside ``node``, or None."""
    if node is container:
        return prefix + (key,)
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else ()
    for k, child in items:
        if isinstance(child, (dict, list)):
            found = _path(child, container, key, prefix + (k,))
            if found:
                return found
    return None


def _dotted(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _solve_cases():
    rng = random.Random(SEED + 1)
    names = sorted(DATA)
    cases = []
    for i in range(SOLVE_EXAMPLES):
        name = names[i % len(names)]
        data, done = _mutate(copy.deepcopy(DATA[name]), rng) if rng.random() < 0.5 else (
            copy.deepcopy(DATA[name]), [])
        container, key = rng.choice(list(_numeric_leaves(data)))
        lever = _dotted(_path(data, container, key))
        cases.append(pytest.param(name, data, done, lever, rng.choice(TARGETS),
                                  rng.random() < 0.3, id=f"{i}-{name.removesuffix('.yaml')}"))
    return cases


@pytest.mark.parametrize(("name", "data", "done", "lever", "target", "integer"),
                         _solve_cases())
def test_every_solve_ends_within_its_bound(name, data, done, lever, target, integer,
                                           monkeypatch):
    """Any lever, any target: the solve returns (an answer, or ``unmet`` saying why) or raises
    a typed error, within the documented number of engine calls."""
    from fundmodel.run.solve import core

    try:
        scenario = parse_scenario(data, base_dir=str(ROOT / "scenarios"))
    except ScenarioError:
        return
    seen = {"n": 0}
    run = core._Runner.run

    def counted(self, values, x):
        seen["n"] += 1
        if seen["n"] > SOLVE_CALLS:
            raise _Budget(f"solve of {lever} for {target!r} on {name} "
                          f"({'; '.join(done) or 'no change'}) ran past {SOLVE_CALLS} calls")
        return run(self, values, x)

    monkeypatch.setattr(core._Runner, "run", counted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            solution = fundmodel.solve(scenario, lever, target, draws=16, seed=1,
                                       integer=integer)
        except FundmodelError:
            return
    assert solution.unmet is None or isinstance(solution.unmet, str)
    leaked = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not leaked, [str(w.message) for w in leaked]
