"""The shape of the package, read from its own imports with ``ast``.

Every import counts: at the top of a module, inside a function, under ``TYPE_CHECKING``.
- no circle of imports between modules, nor between the top-level parts of the package
  (a subpackage such as ``engine/`` taken as one part);
- no module imports another module's underscore names;
- the package root holds at most 6 modules;
- the modules that moved still import from their old paths, with a DeprecationWarning.
"""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fundmodel"
MAX_ROOT_MODULES = 6


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import statement of a module."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, [alias.name for alias in node.names], node.lineno))
    return found


def _edges() -> dict[str, set[str]]:
    """module → the package's modules it imports (``from pkg import module`` counts as module)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for target, names, _ in _imports(name):
            if not target.startswith("fundmodel"):
                continue
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if submodules:
                graph[name].update(submodules)
            if len(submodules) < len(names) or not names:
                while target not in MODULES:  # an attribute path such as fundmodel.x.y
                    target = target.rpartition(".")[0]
                if target != name:
                    graph[name].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def _part(name: str) -> str:
    """The top-level part of the package a module belongs to (``fundmodel.engine.model`` →
    ``engine``; a root module is its own part)."""
    return name.split(".")[1] if "." in name else "__init__"


def test_the_reader_sees_imports_inside_functions_and_under_type_checking():
    graph = _edges()
    # fundmodel/__init__.py imports its public names only under TYPE_CHECKING and in __getattr__
    assert "fundmodel.errors" in graph["fundmodel"]
    assert "fundmodel.finance" in graph["fundmodel.engine.model"]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_circle_between_modules():
    circles = _circles(_edges())
    assert circles == [], "\n".join(" ↔ ".join(c) for c in circles)


def test_no_circle_between_the_parts_of_the_package():
    graph: dict[str, set[str]] = {}
    for name, targets in _edges().items():
        graph.setdefault(_part(name), set()).update(
            _part(t) for t in targets if _part(t) != _part(name))
    graph.pop("__init__", None)  # the lazy public face imports every part and no part imports it
    for targets in graph.values():
        targets.discard("__init__")
    circles = _circles(graph)
    assert circles == [], "\n".join(" ↔ ".join(c) for c in circles)


def test_no_module_imports_another_modules_underscore_names():
    taken = []
    for name in MODULES:
        for target, names, line in _imports(name):
            if target.startswith("fundmodel") and target != name:
                taken += [f"{MODULES[name].relative_to(PACKAGE.parent)}:{line}: {target}.{n}"
                          for n in names if n.startswith("_") and not n.startswith("__")]
    assert taken == [], "\n".join(taken)


def test_the_package_root_holds_at_most_six_modules():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


@pytest.mark.parametrize("old, new", sorted(importlib.import_module("fundmodel.moved").MOVED.items()))
def test_a_moved_module_imports_from_its_old_path_with_a_warning(old, new):
    stale = [name for name in sys.modules if name == old or old.startswith(name + ".")
             and name in importlib.import_module("fundmodel.moved").MOVED]
    for name in stale:
        sys.modules.pop(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert any(issubclass(w.category, DeprecationWarning) and f"{old} moved to {new}" in str(w.message)
               for w in caught), [str(w.message) for w in caught]
    assert module is importlib.import_module(new)
    for name in stale + [old]:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("old, name", [
    ("fundmodel.scenario.tables", "read_compounds_table"),
    ("fundmodel.scenario.datafiles", "read_csv_column"),
    ("fundmodel.scenario.limits", "MAX_DRAWS"),
    ("fundmodel.inputs.arrays", "ByCompound"),
    ("fundmodel.portfolio.run", "simulate_portfolio"),
])
def test_a_name_from_a_module_that_left_scenario_or_was_renamed_imports_from_its_old_path(old, name):
    """``from <old path> import <name>``, the form the docs showed, gives the object at the new
    path (io/ for the readers and bounds, inputs/shapes.py, portfolio/evaluation.py)."""
    new = importlib.import_module("fundmodel.moved").MOVED[old]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = getattr(importlib.import_module(old), name)
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] \
        == [f"{old} moved to {new}; the old path goes in the next release"]
    assert found is getattr(importlib.import_module(new), name)
    sys.modules.pop(old, None)


def test_the_moved_names_are_all_new_paths_that_exist():
    moved = importlib.import_module("fundmodel.moved").MOVED
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for new in moved.values():
            importlib.import_module(new)
    assert not set(moved) & set(MODULES)  # an old path is no file any more
