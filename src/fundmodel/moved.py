"""Old import paths of modules that moved, kept for one release with a ``DeprecationWarning``.

``import fundmodel.loans`` still works and gives :mod:`fundmodel.finance.loans` (the same module
object), after a warning that names the new path. One table, :data:`MOVED`, instead of a shim
file per old module: the package root stays small. The finder is installed by
``fundmodel/__init__.py``; it answers only for the names in the table.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old module path → new module path (removed in the release after next)
MOVED: dict[str, str] = {
    "fundmodel.loans": "fundmodel.finance.loans",
    "fundmodel.streaming": "fundmodel.stats.sketch",
    "fundmodel.accumulate": "fundmodel.stats.blocks",
    "fundmodel.correlation": "fundmodel.stats.induced_correlation",
    "fundmodel.cashflow_tables": "fundmodel.results.cashflows",
    "fundmodel.scenario.paths": "fundmodel.io.paths",
    "fundmodel.scenario.yamlio": "fundmodel.io.yamlio",
    "fundmodel.scenario.issues": "fundmodel.io.issues",
    "fundmodel.scenario.overrides": "fundmodel.io.overrides",
    "fundmodel.scenario.tables": "fundmodel.io.compounds_table",
    "fundmodel.scenario.datafiles": "fundmodel.io.datafiles",
    "fundmodel.scenario.limits": "fundmodel.io.limits",
    "fundmodel.inputs.arrays": "fundmodel.inputs.shapes",
    "fundmodel.portfolio.run": "fundmodel.portfolio.evaluation",
    "fundmodel.engine.inputs": "fundmodel.engine.model_inputs",
    "fundmodel.api": "fundmodel.run.api",
    "fundmodel.batch": "fundmodel.run.batch",
    "fundmodel.montecarlo": "fundmodel.run.montecarlo",
    "fundmodel.executors": "fundmodel.run.executors",
    "fundmodel.progress": "fundmodel.run.progress",
    "fundmodel.comparison": "fundmodel.run.compare",
    "fundmodel.goalseek": "fundmodel.run.solve",
    "fundmodel.solvers": "fundmodel.run.solve.minimum_scale",
    "fundmodel.draws": "fundmodel.inputs.draws",
    "fundmodel.sampling": "fundmodel.inputs.sampling",
    "fundmodel.basecase": "fundmodel.inputs.basecase",
    "fundmodel.goalseek.core": "fundmodel.run.solve.core",
    "fundmodel.goalseek.roots": "fundmodel.run.solve.roots",
    "fundmodel.goalseek.targets": "fundmodel.run.solve.targets",
    "fundmodel.goalseek.closed_forms": "fundmodel.run.solve.closed_forms",
}


class MovedModuleFinder:
    """Resolve an old module path to the module at its new path, with a DeprecationWarning
    (a meta path finder and its loader; importlib.abc is not imported, it would cost the
    import of fundmodel some milliseconds)."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # a placeholder module; exec_module puts the real one in its place

    def exec_module(self, module: ModuleType) -> None:
        old, new = module.__name__, MOVED[module.__name__]
        warnings.warn(f"{old} moved to {new}; the old path goes in the next release",
                      DeprecationWarning, stacklevel=_caller_level())
        # The import system takes what sys.modules holds under the old name after this call,
        # so both names give the same module object (whose __spec__ stays its own).
        sys.modules[old] = importlib.import_module(new)


def _caller_level() -> int:
    """The stack level of the first frame outside the import machinery and this module."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_globals.get("__name__", "").startswith("importlib")
                                 or frame.f_globals.get("__name__") == __name__):
        frame, level = frame.f_back, level + 1
    return level + 1


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())  # before the path finder: an old
        # subpackage path (fundmodel.goalseek.core) must not load the file a second time
