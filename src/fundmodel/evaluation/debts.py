"""Which funding rules of a scenario are debts, and which cover each is judged on."""

from __future__ import annotations

__all__ = ["DEBT_SOURCES", "debt_labels", "pooled_debts", "cover_basis"]

DEBT_SOURCES = ("bank_loan", "special_bond")
"""The sources of the debt instrument."""


def debt_labels(scenario) -> list[str]:
    """The labels of the scenario's debts (bank loans and special bonds), in order."""
    return [label for rule, label in zip(scenario.funding, scenario.funding_labels())
            if rule.source in DEBT_SOURCES]


def pooled_debts(scenario) -> list[str]:
    """The labels of the scenario's pooled debts (a programme's bonds and loans)."""
    return [label for rule, label in zip(scenario.funding, scenario.funding_labels())
            if rule.source in DEBT_SOURCES and getattr(rule, "pooled", False)]


def cover_basis(scenario, label: str) -> str:
    """The cover a debt's ``meets_coverage`` reads: ``coverage_net`` when it pledges costs,
    else ``coverage_gross``."""
    rule = dict(zip(scenario.funding_labels(), scenario.funding))[label]
    return "coverage_net" if rule.pledged_costs else "coverage_gross"
