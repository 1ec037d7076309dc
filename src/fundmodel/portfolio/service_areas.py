"""Shared-service areas of a portfolio: the clustering of :mod:`.clustering` with each
candidate area's subsidy from the engine.

A candidate area is one *merged compound* on the compound axis: its households, floor areas
and buildings are its members' sums, its other facts their means. The service model of the
scenario runs on it at the point estimates; the subsidy it needs is the present value of its
operating deficit, ``max(0, −npv_operations)`` (CNY). Every round's candidates are one engine
call.
"""

from __future__ import annotations

import numpy as np

from ..inputs.draws import point_values
from ..engine.model import run_compounds
from ..errors import ModelError
from ..inputs import model_inputs
from .clustering import Clustering, cluster_service_areas

__all__ = ["service_areas", "area_subsidy"]

_ADDITIVE = ("households", "floor_area_m2", "chargeable_area_m2", "buildings")
_CANDIDATES_PER_CALL = 4096   # candidate areas computed at once (bounds memory)


class _Merged:
    """K merged compounds (the facts the compile step reads), from a 0/1 matrix ``(K, C)``."""

    def __init__(self, table, members):
        self._table, self._m = table, members
        self._count = np.asarray(members.sum(axis=1)).ravel()
        k = members.shape[0]
        self.ids = tuple(f"area-{i}" for i in range(k))
        self.tier_planned = ("basic",) * k      # the service does not depend on the works
        self.households = self.attribute("households")
        self.floor_area_m2 = self.attribute("floor_area_m2")
        self.chargeable_area_m2 = self.attribute("chargeable_area_m2")

    def applies(self, applies_to) -> np.ndarray:
        """``(K,)`` bool: a rule, item or line with ``applies_to`` exists for an area when it
        applies to any of its compounds."""
        from ..scenario.applies import TableFacts, applies_mask
        mask = applies_mask(applies_to, TableFacts(self._table)).astype(float)
        return np.asarray(self._m @ mask).ravel() > 0

    def attribute(self, name: str) -> np.ndarray:
        values = np.nan_to_num(np.asarray(self._table.attribute(name), dtype=float))
        total = self._m @ values
        return total if name in _ADDITIVE else total / self._count


def area_subsidy(scenario, table, members) -> np.ndarray:
    """The subsidy each candidate area needs on one contract, ``max(0, −npv_operations)``
    (CNY, present value over the horizon), ``members`` a 0/1 ``(K, C)`` sparse matrix."""
    values = point_values(scenario)
    out = np.empty(members.shape[0])
    for start in range(0, members.shape[0], _CANDIDATES_PER_CALL):
        part = members[start:start + _CANDIDATES_PER_CALL]
        result = run_compounds(model_inputs(scenario, values, 1, _Merged(table, part)))
        out[start:start + part.shape[0]] = np.maximum(-result.metrics["npv_operations"][0],
                                                      0.0)
    return out


def service_areas(scenario, *, max_distance_km: float | None = None,
                  max_households: int | None = None, max_compounds: int | None = None,
                  within: str | None = None, method: str | None = None) -> Clustering:
    """Group a portfolio's small neighbouring compounds into shared-service areas that need
    the least operating subsidy (see :func:`.clustering.cluster_service_areas`); arguments
    default to the scenario's ``portfolio.service_areas``. The compounds table needs ``x_km``
    and ``y_km``."""
    if scenario.portfolio is None:
        raise ModelError("this scenario has no portfolio section")
    table = scenario.portfolio.table
    rules = scenario.portfolio.service_areas
    if rules is None:
        from ..scenario.portfolio import ServiceAreas
        rules = ServiceAreas()
    x, y = np.asarray(table.x_km, float), np.asarray(table.y_km, float)
    if np.any(np.isnan(x)) or np.any(np.isnan(y)):
        raise ModelError(f"service areas need every compound's x_km and y_km; "
                         f"{table.source} has empty ones")
    within = within or rules.within
    group = {"street": table.streets, "neighbourhood": table.neighbourhood,
             "district": None}.get(within, "bad")
    if isinstance(group, str):
        raise ModelError(f"within must be street, neighbourhood or district, got {within!r}")
    return cluster_service_areas(
        x, y, np.asarray(table.households, float),
        subsidy=lambda members: area_subsidy(scenario, table, members), ids=list(table.ids),
        group=None if group is None else list(group),
        max_distance_km=rules.max_distance_km if max_distance_km is None else max_distance_km,
        max_households=rules.max_households if max_households is None else max_households,
        max_compounds=rules.max_compounds if max_compounds is None else max_compounds,
        method=method or rules.method)
