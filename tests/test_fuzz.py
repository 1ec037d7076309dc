"""Fuzzing the command line with mutated scenario files.

Each example takes a shipped scenario and applies a few random mutations — to the parsed data
(delete a key, put a value of another type or an odd number in its place) or to the text itself
(truncate it, delete, duplicate or swap lines, inject YAML tags, anchors, control and full-width
characters, huge numbers) — and runs ``fundmodel validate`` and ``fundmodel run`` on the result
in-process. Whatever the input, the command ends with exit code 0 (the scenario is still valid)
or 2 (a located error), never an exception, and a rejected run writes nothing.

CI runs a fixed, derandomised set of examples; set ``FUNDMODEL_FUZZ_EXAMPLES=5000`` to search
longer.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml")   # one-compound scenarios
                   if "\nportfolio:" not in p.read_text(encoding="utf-8"))
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in SCENARIOS}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}

EXAMPLES = int(os.environ.get("FUNDMODEL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="FUNDMODEL_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# ---------------------------------------------------------------------------- odd values
ODD_SCALARS = [
    None, True, False, 0, -1, 1, 2, 3.5, 100, -0.0, 1e-320, 1e308, -1e308, 1e200, 10**400,
    -(10**30), 2**63, 0.5, 12000.0, "", " ", "abc", "0.5", "35%", "1,000", "0,5", "０.35", "1e999",
    ".nan", "\u3000", "二十", "2025-02-30", "yes", "null", "~",
]
ODD_STRUCTURES = [
    [], {}, [1, 2], {"dist": "triangular"}, {"dist": "normal", "mean": 1e308, "sd": 1e308},
    {"dist": "lognormal", "mu": 700, "sigma": 30}, {"dist": "uniform", "low": 2, "high": 5},
    {"dist": "beta", "a": 0.5, "b": 0.5}, {"dist": "choice", "values": [1, 2]},
    {"dist": "empirical", "values": [1e308, 1e308]}, {"dist": "empirical", "file": "/etc/passwd",
                                                      "column": "root"},
    {"dist": "bogus"}, {"unknown_key": 1}, [[[]]],
]
ODD_VALUES = ODD_SCALARS + ODD_STRUCTURES

# text snippets injected at a random position
SNIPPETS = [
    "!!python/object/apply:os.system ['echo hi']", "!!int abc", "!!float x", "!!binary ???",
    "!!timestamp 2025-13-45", "!!bool maybe", "!!null x", "!!set {a, b}", "!!omap [a: 1]",
    "!!map x", "!!seq y", "!custom 1", "&a 1", "*a", "<<: *a", "%YAML 1.1\n---\n", "---\n",
    "\x00", "\x07", "\x1b[31m", "\ufeff", "\ud800", "：", "，", "（", "　", "\t", "\r", "\\",
    '"\\ud800"', "'", '"', "{", "[", "}", "]", ": ", "- ", "#", "? ", "|\n", ">\n",
    "1e999", "-1e400", "9" * 400, "0x1F", "0o17", "1_000", ".inf", "-.inf", ".nan", "2025-02-30",
    "households: 10", "unknown: 1",
]


# ---------------------------------------------------------------------------- mutations
def _containers(node, path=()):
    """Every (path, container) pair in the data, the root first."""
    if isinstance(node, (dict, list)):
        yield path, node
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            yield from _containers(child, path + (key,))


def _data_mutation(data, draw):
    """Delete a key or replace a value, somewhere in the data."""
    places = [(p, c) for p, c in _containers(data) if c]
    if not places:
        return data
    _, container = draw(st.sampled_from(places))
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    key = draw(st.sampled_from(keys))
    action = draw(st.sampled_from(["delete", "replace", "replace", "rename"]))
    if action == "delete":
        del container[key]
    elif action == "rename" and isinstance(container, dict):
        value = container.pop(key)
        container[draw(st.sampled_from([f"{key}s", key[:-1] or "x", key.upper(), "x"]))] = value
    else:
        container[key] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))  # never shared
    return data


def _dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, OverflowError):
        return yaml.safe_dump({"name": "x"})


def _text_mutation(text: str, draw) -> str:
    lines = text.split("\n")
    action = draw(st.sampled_from(["truncate", "inject", "inject", "delete_line", "dup_line",
                                   "swap_lines", "indent"]))
    if action == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if action == "inject":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
    i = draw(st.integers(0, len(lines) - 1))
    if action == "delete_line":
        del lines[i]
    elif action == "dup_line":
        lines.insert(i, lines[i])
    elif action == "swap_lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines[i] = draw(st.sampled_from([" ", "  ", "\t", ""])) + lines[i]
    return "\n".join(lines)


@st.composite
def mutated_scenarios(draw) -> str:
    name = draw(st.sampled_from(sorted(TEXTS)))
    if draw(st.booleans()):
        data = copy.deepcopy(DATA[name])
        for _ in range(draw(st.integers(1, 3))):
            data = _data_mutation(data, draw)
        text = _dump(data)
    else:
        text = TEXTS[name]
    for _ in range(draw(st.integers(0 if text is not TEXTS[name] else 1, 3))):
        text = _text_mutation(text, draw)
    return text


# ---------------------------------------------------------------------------- the test
def _run(args: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@FUZZ
@given(text=mutated_scenarios(), encode_gbk=st.booleans())
def test_mutated_scenarios_exit_0_or_2(text, encode_gbk, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "scenario.yaml"
    try:
        raw = text.encode("gb18030" if encode_gbk else "utf-8", errors="surrogatepass")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", errors="surrogatepass")
    path.write_bytes(raw)
    code, output = _run(["validate", str(path)], capsys)
    assert code in (0, 2), output
    assert "Traceback" not in output
    out = folder / "out"
    code_run, output = _run(["run", str(path), "--out", str(out)], capsys)
    assert code_run in (0, 2), output
    assert "Traceback" not in output
    if code_run == 2:
        assert not out.exists(), "a rejected run wrote output"
        assert code == 2 or output.strip(), output


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_shipped_scenarios_are_valid(name, capsys):
    code, output = _run(["validate", str(ROOT / "scenarios" / name)], capsys)
    assert code == 0, output
