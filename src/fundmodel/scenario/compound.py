"""The compound: what is being renovated and who lives there."""

from __future__ import annotations

from pydantic import Field

from .base import ScenarioModel
from .ranges import bounded
from .limits import MAX_AREA_M2, MAX_BUILDINGS, MAX_HOUSEHOLDS, MAX_STOREYS

__all__ = ["Compound"]


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

    @property
    def fee_area_m2(self) -> float:
        """Area the property fee is charged on, m²."""
        return self.chargeable_area_m2 if self.chargeable_area_m2 is not None else self.floor_area_m2
