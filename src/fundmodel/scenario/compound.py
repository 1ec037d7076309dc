"""The compound: what is being renovated and who lives there."""

from __future__ import annotations

from pydantic import Field

from .base import ScenarioModel

__all__ = ["Compound"]


class Compound(ScenarioModel):
    """Physical facts of one residential compound (小区). Counts are plain numbers, not
    distributions: they shape the model rather than being uncertain inputs."""

    name: str = Field(min_length=1)
    """Name of the compound."""
    households: int = Field(gt=0)
    """Number of households (户)."""
    floor_area_m2: float = Field(gt=0)
    """Total residential floor area, m²."""
    chargeable_area_m2: float | None = Field(default=None, gt=0)
    """Floor area on which the property fee is charged, m² (default: ``floor_area_m2``)."""
    buildings: int | None = Field(default=None, gt=0)
    """Number of residential buildings."""
    storeys: int | None = Field(default=None, gt=0)
    """Storeys of the typical building."""
    built_year: int | None = Field(default=None, ge=1900, le=2100)
    """Year the compound was built."""

    @property
    def fee_area_m2(self) -> float:
        """Area the property fee is charged on, m²."""
        return self.chargeable_area_m2 if self.chargeable_area_m2 is not None else self.floor_area_m2
