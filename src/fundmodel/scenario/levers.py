"""Named levers: sets of ``--set`` overrides a scenario carries, for ``fundmodel compare
--levers`` (see ``docs/levers.md``).

A lever is a name and a mapping of dotted paths (the ``--set`` syntax:
``operations.costs[security guards].staff``) to values (any YAML value)::

    levers:
      - name: smart access and cameras instead of three guards
        set:
          operations.costs[security guards].staff: 0
          operations.costs[night patrol].staff: 1

The steps of a lever table are the scenario as written (the baseline), then each lever added
on top of the ones before it, in order (cumulative); ``each=True`` applies each lever alone to
the baseline instead. The loader checks, at the lever's line in the file, that every path
resolves and that every cumulative step is a valid scenario (one issue per mistake: a lever
that fails is left out of the later steps' checks).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .base import ScenarioModel, fail
from ..io.paths import parse_path

__all__ = ["Lever", "MAX_LEVERS"]

MAX_LEVERS = 100
"""Most levers a scenario may carry (each is one more evaluation of the scenario)."""

MAX_SETS = 200
"""Most paths one lever may set."""


class Lever(ScenarioModel):
    """A named set of overrides: what one measure changes in the scenario."""

    name: str = Field(min_length=1)
    """What the measure is (the row's label in the lever table)."""
    description: str | None = None
    """Longer description (optional)."""
    set_: dict[str, Any] = Field(alias="set", min_length=1, max_length=MAX_SETS)
    """Dotted path (the ``--set`` syntax, list elements by ``[index]`` or ``[name]``) → the
    value it takes (any YAML value: a number, a string, a distribution...)."""

    @field_validator("set_")
    @classmethod
    def _paths_parse(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in value:
            try:
                parse_path(key)
            except ValueError as exc:
                raise fail(str(exc), key, on_key=True) from None
        return value
