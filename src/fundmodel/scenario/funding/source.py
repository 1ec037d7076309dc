"""The base of every funding source: a label, the items it may pay for, a cap, instalments."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pydantic import Field, model_validator

from ..base import ScenarioModel, check_shares, fail
from ...io.limits import MAX_BUILD_YEARS, MAX_NAMES
from ..applies import AppliesTo
from ..renovation import Money, Tier, MoneySum

__all__ = ["Source", "PAYERS", "FINANCING_PAYERS"]

FINANCING_PAYERS = ("investors", "lenders", "bundled_project")
"""Payer groups of the financing instruments: repaid later from the project's income."""

PAYERS = ("government", "soe", "utilities", "residents", "donors", *FINANCING_PAYERS)
"""Who ultimately pays a source's capital: used to report the cost per household to government,
state firms and residents (investors, lenders and a bundled project are repaid from the
project's income, or by the government that backs them: see the ledger's later years). State
firms' "三供一业" transfer funds (``soe``) are the firms' money, not a budget's: they are not
government."""


class Source(ScenarioModel):
    """A funding source. A subclass sets ``source: Literal["<name>"]`` (the key analysts write),
    ``payer`` (one of :data:`PAYERS`), ``party`` (who pays on the ledger), ``amount_fields``
    (at least one must be given) and ``instrument`` (the module that compiles it)."""

    payer: ClassVar[str]
    party: ClassVar[str]  # who pays on the cash-flow ledger (engine.ledger.PARTIES)
    amount_fields: ClassVar[tuple[str, ...]]
    instrument: ClassVar[str] = "fundmodel.inputs.grants"
    """The module that compiles the rules of this source for the engine (its ``INSTRUMENT``
    and ``compile_rules``; see :mod:`fundmodel.inputs.instruments`). A name, not an import:
    scenario models never import the engine."""

    label: str | None = None
    """Name shown in the results (default: the source name, numbered if repeated)."""
    items: list[str] | None = Field(default=None, max_length=MAX_NAMES)
    """Names of the renovation items this source may pay for."""
    tiers: list[Tier] | None = Field(default=None, max_length=MAX_NAMES)
    """Tiers this source may pay for."""
    cap: MoneySum | None = None
    """Most this source gives, CNY (at most 1e15: a bound far beyond any compound that catches
    extra zeros)."""
    cap_per_household: Money | None = None
    """Most this source gives per household, CNY: the cap is then at most
    ``cap_per_household × households``."""
    instalments: list[float] | None = Field(default=None, min_length=1,
                                            max_length=MAX_BUILD_YEARS)
    """Share of what this source pays released in each year from ``start_year`` (central funds
    often come in batches), summing to 1, within the construction years; default: it pays as
    the works are built."""
    applies_to: AppliesTo | None = None
    """The compounds this rule exists for (default: every compound): a list of compound ids
    (``[C0012, C0044]``) or a condition on the compounds' columns — a yes/no column
    (``soe_dormitory``), ``not <column>``, ``<column> <op> <number>`` (op ``<``, ``<=``, ``>``,
    ``>=``, ``==``, ``!=``), joined by ``and``. For the other compounds it is as if not written
    (it gives 0 there). In a one-compound scenario it is read on the compound's own facts."""

    @model_validator(mode="after")
    def _needs_an_amount(self):
        check_shares(self.instalments, "instalments")
        if all(getattr(self, f, None) is None for f in self.amount_fields):
            raise fail(f"{self.source} needs at least one of: {', '.join(self.amount_fields)}")
        return self

    def terms_given(self) -> frozenset[str]:
        """The fields given a value other than their default, nor 0 or empty: the optional
        terms some of an instrument's metrics depend on (:attr:`fundmodel.catalog.Output.when`)."""
        return frozenset(name for name, info in type(self).model_fields.items()
                         if (value := getattr(self, name)) and value != info.default)

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        """What is wrong with this rule, ``scenario.funding[index]``, given the rest of the
        scenario (a term beyond the horizon, a line that does not exist): ``(message, *path
        below the rule)`` tuples; the scenario reports the first, located. None by default."""
        return iter(())
