"""A contribution in kind (实物出资): a lent public building, a donated item, valued at a price."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import model_validator

from ..base import did_you_mean, fail
from ..renovation import Money, Quantity
from .source import Source

__all__ = ["InKind", "IN_KIND_PARTIES"]

IN_KIND_PARTIES = ("street_community", "city_district_government", "provincial_government",
                   "soe", "utilities", "residents", "donors")
"""Who may give in kind (ledger parties): a level of government lending a building, a state
firm, a utility, the residents (volunteers) or a donor."""

_GROUPS = {"street_community": "government", "city_district_government": "government",
           "provincial_government": "government"}


class InKind(Source):
    """A capital item provided in kind by a party, valued at a price.

    ``value`` CNY (or ``quantity × unit_price``) of the item ``item`` is covered in kind:
    ``paid = min(value, cap, left on the item)``, ``left`` what the grants leave on it. It is
    written as the item is built, as ``funding[<label>]`` from ``given_by`` to the project, of
    kind ``in_kind``: no cash changes hands, so no management margin, no instalment, no
    bridge.
    """

    party: ClassVar[str] = "street_community"
    amount_fields: ClassVar[tuple[str, ...]] = ("value", "quantity", "unit_price")
    instrument: ClassVar[str] = "fundmodel.inputs.in_kind"
    source: Literal["in_kind"]
    given_by: Literal[IN_KIND_PARTIES] = "street_community"  # type: ignore[valid-type]
    """The party who gives it (on the ledger)."""
    item: str
    """The renovation item it provides (by its name)."""
    value: Money | None = None
    """What it is worth, CNY."""
    quantity: Quantity | None = None
    """With ``unit_price``: the value is ``quantity × unit_price``."""
    unit_price: Money | None = None
    """CNY per unit of ``quantity``."""

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
        for name in ("instalments", "items", "tiers"):
            if getattr(self, name) is not None:
                raise fail(f"a contribution in kind covers one item, named by item; {name} "
                           "is for grants", name)
        return self

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        names = [it.name for it in scenario.renovation.items]
        if self.item not in names:
            yield (f"unknown renovation item {self.item!r}{did_you_mean(self.item, names)}",
                   "item")
