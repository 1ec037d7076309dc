"""The compound: what is being renovated and who lives there."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from .base import ScenarioModel, fail
from .ranges import bounded
from ..io.limits import MAX_AREA_M2, MAX_BUILDINGS, MAX_HOUSEHOLDS, MAX_QUANTITY, MAX_STOREYS

__all__ = ["Compound", "ATTRIBUTES"]

ATTRIBUTES: tuple[str, ...] = ("households", "floor_area_m2", "chargeable_area_m2", "buildings",
                               "storeys", "built_year", "lifts_possible", "condition_score")
"""The compound's numeric facts a quantity rule may read (``lifts_possible`` as 1 or 0);
besides them, any name in ``attributes``."""


class Compound(ScenarioModel):
    """Physical facts of one residential compound (小区). Counts are plain numbers, not
    distributions: they shape the model rather than being uncertain inputs."""

    name: str = Field(min_length=1)
    """Name of the compound."""
    households: bounded(int, gt=0, le=MAX_HOUSEHOLDS,
                        reason="more households than China has")
    """Number of households (户), at most 1e9: more than China has, so a larger count is a
    typo."""
    floor_area_m2: bounded(float, gt=0, le=MAX_AREA_M2, reason="the bound on floor areas, m²")
    """Total residential floor area, m², at most 1e10 (10,000 km²; a larger area is a typo)."""
    chargeable_area_m2: bounded(float, gt=0, le=MAX_AREA_M2,
                                reason="the bound on floor areas, m²") | None = None
    """Floor area on which the property fee is charged, m² (default: ``floor_area_m2``), at
    most 1e10. Normally at most the floor area (a larger one is reported as a warning)."""
    buildings: int | None = Field(default=None, gt=0, le=MAX_BUILDINGS)
    """Number of residential buildings (at most 1e7)."""
    storeys: int | None = Field(default=None, gt=0, le=MAX_STOREYS)
    """Storeys of the typical building (at most 200; the tallest buildings have about 160)."""
    built_year: int | None = Field(default=None, ge=1900, le=2100)
    """Year the compound was built."""
    id: str | None = Field(default=None, min_length=1)
    """Identifier (a portfolio's compounds table gives every compound one)."""
    street: str | None = None
    """Street (街道) the compound belongs to."""
    lifts_possible: bool | None = None
    """Whether lifts can be added to its buildings (quantity rules may read it as 1 or 0)."""
    tier_planned: Literal["basic", "complete", "upgrade"] | None = None
    """Highest renovation tier planned: items of a higher tier are not built (their quantity is
    0). Default: every item."""
    x_km: bounded(float, ge=-1e5, le=1e5, reason="the bound on coordinates, km") | None = None
    """East coordinate of the compound's centre on a plane, km."""
    y_km: bounded(float, ge=-1e5, le=1e5, reason="the bound on coordinates, km") | None = None
    """North coordinate of the compound's centre on a plane, km."""
    neighbourhood: str | None = None
    """A neighbourhood key (compounds of different keys are never put in one service area)."""
    condition_score: bounded(float, ge=0, le=1e6, reason="the bound on scores") | None = None
    """A condition or priority score (higher: needs renovation more), for budget phasing."""
    attributes: dict[str, float] = Field(default_factory=dict, max_length=1_000)
    """Other numeric facts, by name, that quantity rules may read (a compounds table's extra
    numeric columns), each finite with magnitude at most 1e12."""

    @field_validator("attributes")
    @classmethod
    def _finite_attributes(cls, value: dict[str, float]) -> dict[str, float]:
        for name, v in value.items():
            if not (math.isfinite(v) and abs(v) <= MAX_QUANTITY):
                raise fail(f"must be a finite number of magnitude at most {MAX_QUANTITY:g}, "
                           f"got {v!r}", name)
            if name in ATTRIBUTES:
                raise fail(f"{name} is a field of the compound; give it there", name,
                           on_key=True)
        return value

    def attribute(self, name: str) -> float | None:
        """The numeric fact ``name`` (see :data:`ATTRIBUTES`), or None when not given."""
        if name in self.attributes:
            return self.attributes[name]
        if name == "chargeable_area_m2":
            return self.fee_area_m2
        value = getattr(self, name, None) if name in ATTRIBUTES else None
        return None if value is None else float(value)

    @property
    def fee_area_m2(self) -> float:
        """Area the property fee is charged on, m²."""
        return self.chargeable_area_m2 if self.chargeable_area_m2 is not None else self.floor_area_m2
