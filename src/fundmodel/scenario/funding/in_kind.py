"""A contribution in kind (实物出资): a lent public building covering a renovation item, or a
service (rubbish removal, volunteer cleaning) replacing an operating cost line, valued at a
price."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import model_validator

from ..base import did_you_mean, fail
from ..operations import Growth
from ..renovation import Money, Quantity, MoneySum
from .source import Source

__all__ = ["InKind", "IN_KIND_PARTIES"]

IN_KIND_PARTIES = ("street_community", "city_district_government", "provincial_government",
                   "soe", "utilities", "residents", "donors")
"""Who may give in kind (ledger parties): a level of government lending a building, a state
firm, a utility, the residents (volunteers) or a donor."""

_GROUPS = {"street_community": "government", "city_district_government": "government",
           "provincial_government": "government"}


class InKind(Source):
    """A contribution in kind by a party, valued at ``value`` CNY (or ``quantity ×
    unit_price``); exactly one of:

    - ``item``: it provides that renovation item before any source pays for it (the grants
      then share the rest of the cost): ``paid = min(value, cap, left)``, ``left`` what is
      unfunded on the item (its cost, or what an earlier contribution in kind left), written as the item is built as ``funding[<label>]``
      from ``given_by`` to the project, of kind ``in_kind`` (the funding table shows it);
    - ``replaces``: a service replacing the operating cost line of that name, ``value`` CNY in
      operating year 1, growing as that line does (or by ``growth``): in each operating year
      ``given_t = min(value × I_t, cost_t)`` comes off ``cost[<name>]`` (``I_t`` the growth
      index: 1 in year 1, ``Π_{s=2..t} (1 + growth_s)`` after),
      and the management margin falls by ``management_margin × given`` (the operator charges
      no margin on what it does not buy); written as ``in_kind[<label>]`` from ``given_by`` to
      the operator, of kind ``in_kind`` (the operating statement shows it as a memo line).
    """

    party: ClassVar[str] = "street_community"
    amount_fields: ClassVar[tuple[str, ...]] = ("value", "quantity", "unit_price")
    instrument: ClassVar[str] = "fundmodel.inputs.in_kind"
    source: Literal["in_kind"]
    given_by: Literal[IN_KIND_PARTIES] = "street_community"  # type: ignore[valid-type]
    """The party who gives it (on the ledger)."""
    item: str | None = None
    """The renovation item it provides (by its name)."""
    replaces: str | None = None
    """The operating cost line (``operations.costs``, by name) its service replaces."""
    value: MoneySum | None = None
    """What it is worth, CNY."""
    quantity: Quantity | None = None
    """With ``unit_price``: the value is ``quantity × unit_price``."""
    unit_price: Money | None = None
    """CNY per unit of ``quantity``."""
    growth: Growth | None = None
    """For a service: yearly growth of its value from operating year 2 on, in [−0.5, 1]
    (default: the growth of the cost line it replaces — the same service at that line's
    prices)."""

    @property
    def payer(self) -> str:  # type: ignore[override]
        """Who gives it, for the funding table and the cost metrics (one of ``PAYERS``):
        ``government`` for a level of government, else the party itself (``soe``,
        ``utilities``, ``residents``, ``donors``)."""
        return _GROUPS.get(self.given_by, self.given_by)

    @model_validator(mode="after")
    def _one_value(self):
        if self.value is not None and (self.quantity is not None or self.unit_price is not None):
            raise fail("give either value or quantity × unit_price, not both", "value")
        if (self.quantity is None) != (self.unit_price is None):
            raise fail("quantity and unit_price go together",
                       "unit_price" if self.unit_price is None else "quantity")
        if (self.item is None) == (self.replaces is None):
            raise fail("a contribution in kind names one of item (a renovation item it "
                       "provides) or replaces (an operating cost line its service replaces)",
                       "item" if self.item is not None else "replaces")
        if self.replaces is not None and self.cap is not None:
            raise fail("a service in kind is valued per year: give its value, not a cap", "cap")
        if self.item is not None and self.growth is not None:
            raise fail("an item in kind is given once: growth is for a service (replaces)",
                       "growth")
        for name in ("instalments", "items", "tiers"):
            if getattr(self, name) is not None:
                raise fail(f"a contribution in kind covers one item, named by item; {name} "
                           "is for grants", name)
        return self

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        if self.item is not None:
            names = [it.name for it in scenario.renovation.items]
            if self.item not in names:
                yield (f"unknown renovation item {self.item!r}{did_you_mean(self.item, names)}",
                       "item")
            return
        ops = scenario.operations
        names = [line.name for line in (ops.costs if ops is not None else ())]
        if self.replaces not in names:
            yield (f"unknown operating cost line {self.replaces!r}"
                   f"{did_you_mean(self.replaces, names)}", "replaces")
