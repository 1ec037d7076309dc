"""The treasury's top-up (兜底): a level of government pays what the other sources leave."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from ..base import fail
from ..renovation import Share
from .source import Source

__all__ = ["TopUp"]


class TopUp(Source):
    """A government level covers what the grants leave unfunded, up to its cap.

    ``paid = min(cap, cap_per_household × households, share × left)``, where ``left`` is the
    cost of the items it may pay for that no grant covers (whatever its place in the list, a
    top-up pays after the grants). It pays as those items are built; several top-ups pay in
    the order written.
    """

    payer: ClassVar[str] = "government"
    party: ClassVar[str] = "city_district_government"
    amount_fields: ClassVar[tuple[str, ...]] = ("share",)
    instrument: ClassVar[str] = "fundmodel.inputs.topup"
    source: Literal["top_up"]
    share: Share = 1.0
    """Share of what is left unfunded that it pays, in [0, 1] (default: all of it)."""
    paid_by: Literal["city_district_government", "street_community",
                     "provincial_government"] = "city_district_government"
    """The level of government that pays."""

    @model_validator(mode="after")
    def _pays_as_built(self):
        if self.instalments is not None:
            raise fail("a top-up pays as the works are built; instalments are for grants",
                       "instalments")
        return self
