"""The funding instruments, each declared once in a module of its own: the ``source`` keys
analysts write and their labels, the scenario models that read them, the ledger lines the
instrument writes (with the parties that pay and receive each), the lines it adds to the
operating statement, its per-draw metrics and the kinds of flow it introduces.

:data:`REGISTERED` is **the one registration** of an instrument: its module's name, in the
order the instruments run (the order matters: each pays part of what the ones before it left).
Everything else reads :data:`INSTRUMENTS`: the scenario's ``funding:``
sources and the JSON schema (:data:`fundmodel.scenario.funding.SOURCES`), the ledger's kinds,
the catalogue's ledger lines and metrics, the labels, the result tables, the exports and the
CLI. See ``docs/instruments.md``.
"""

from __future__ import annotations

import importlib

from ..base import Instrument

__all__ = ["Instrument", "REGISTERED", "INSTRUMENTS"]


REGISTERED = ("in_kind", "grants", "investor", "bundle", "debt", "topup")
"""The registered instruments: the names of their declaring modules in this package, in the
order the instruments run."""

INSTRUMENTS: dict[str, Instrument] = {
    declared.name: declared for declared in
    (importlib.import_module(f"{__name__}.{module}").INSTRUMENT for module in REGISTERED)}
"""Every registered instrument's declaration, by name, in the order they run."""
