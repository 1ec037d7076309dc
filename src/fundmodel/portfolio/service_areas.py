"""Shared-service areas of a portfolio: the clustering of :mod:`.clustering` with each
candidate area's subsidy from the engine.

A candidate area is one *merged compound* on the compound axis: its households, floor areas
and buildings are its members' sums, its other facts their means. The service model of the
scenario runs on it at the point estimates; the subsidy it needs is the present value of its
operating deficit, ``max(0, −npv_operations)`` (CNY). Every round's candidates are one engine
call (without the households section: an area's works are not put to its buildings'
votes). Where the cost lines offer both a staffed ``crew`` and a service paid ``per_job``
(``service_model`` of a line), each candidate is run under both and uses the cheaper: the
larger ``npv_operations`` (crew on a tie), so one engine call per model.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import sparse

from ..inputs.draws import point_values
from ..engine.model import run_compounds
from ..errors import ModelError
from ..inputs import model_inputs
from .clustering import Clustering, cluster_service_areas

__all__ = ["service_areas", "area_subsidy", "area_npv", "area_models"]

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


def _under(scenario, model: str | None):
    """``scenario`` with its runs using the cost lines of service ``model`` (None: as is),
    without its households section: an area is no compound of buildings that vote (its
    service is run with every item of its tier built)."""
    if scenario.households is not None:
        scenario = scenario.model_copy(update={"households": None})
    if model is None:
        return scenario
    ops = scenario.operations.model_copy(update={"service_model": model})
    return scenario.model_copy(update={"operations": ops})


def area_npv(scenario, table, members, model: str | None = None) -> np.ndarray:
    """``npv_operations`` of each candidate area on one contract (CNY, present value over the
    horizon, at the point estimates), ``members`` a 0/1 ``(K, C)`` sparse matrix; ``model``
    (``crew`` or ``per_job``) runs the cost lines of that service model (None: the
    scenario's)."""
    scenario = _under(scenario, model)
    values = point_values(scenario)
    out = np.empty(members.shape[0])
    for start in range(0, members.shape[0], _CANDIDATES_PER_CALL):
        part = members[start:start + _CANDIDATES_PER_CALL]
        result = run_compounds(model_inputs(scenario, values, 1, _Merged(table, part)))
        out[start:start + part.shape[0]] = result.metrics["npv_operations"][0]
    return out


def area_models(scenario, table, members) -> tuple[np.ndarray, np.ndarray, dict]:
    """The cheaper service model of each candidate area and the subsidy it needs under it.

    Returns ``(subsidy (K,), model (K,) of str, subsidies by model)``: with lines of both
    service models (:meth:`~fundmodel.scenario.operations.Operations.service_models`) each
    candidate takes the model of the larger ``npv_operations`` (``crew`` on a tie) and
    ``subsidy = max(0, −npv_operations)`` under it; otherwise the scenario's lines, the model
    ``""`` (or the one model the lines name) and an empty dict."""
    models = scenario.operations.service_models()
    if len(models) < 2:
        npv = area_npv(scenario, table, members)
        return (np.maximum(-npv, 0.0), np.full(npv.shape, models[0] if models else "",
                                                dtype=object), {})
    npv = {m: area_npv(scenario, table, members, m) for m in models}
    first, second = npv[models[0]], npv[models[1]]
    use_second = second > first
    best = np.where(use_second, second, first)
    chosen = np.where(use_second, models[1], models[0]).astype(object)
    return np.maximum(-best, 0.0), chosen, {m: np.maximum(-v, 0.0) for m, v in npv.items()}


def area_subsidy(scenario, table, members) -> np.ndarray:
    """The subsidy each candidate area needs on one contract, ``max(0, −npv_operations)``
    (CNY, present value over the horizon), ``members`` a 0/1 ``(K, C)`` sparse matrix; under
    the cheaper service model where the scenario allows both (:func:`area_models`)."""
    return area_models(scenario, table, members)[0]


def _with_models(result: Clustering, scenario, table) -> Clustering:
    """The clustering with the service model each area uses (and each compound alone): the
    table's ``service_model`` (the area's, on its contract), ``service_model_standalone`` (its
    members' alone, joined by ``+``) and ``subsidy_<model>_cny`` (the area's subsidy under each
    model). Only where the scenario allows both models."""
    if len(scenario.operations.service_models()) < 2:
        return result
    n, k = len(result.labels), result.clusters
    order = np.argsort(result.labels, kind="stable")     # by area, members in table order
    counts = np.bincount(result.labels, minlength=k)
    rows = np.concatenate([np.repeat(np.arange(k), counts), k + np.arange(n)])
    cols = np.concatenate([order, np.arange(n)])
    members = sparse.csr_array((np.ones(2 * n), (rows, cols)), shape=(k + n, n))
    _, chosen, by_model = area_models(scenario, table, members)
    alone = chosen[k:][order]
    ends = np.cumsum(counts)
    t = result.table.copy()
    t["service_model"] = chosen[:k]
    t["service_model_standalone"] = ["+".join(alone[end - c:end])
                                     for c, end in zip(counts, ends)]
    for model, subsidy in by_model.items():
        t[f"subsidy_{model}_cny"] = subsidy[:k]
    return replace(result, table=t)


def service_areas(scenario, *, max_distance_km: float | None = None,
                  max_households: int | None = None, max_compounds: int | None = None,
                  within: str | None = None, method: str | None = None,
                  merge_cost_per_compound: float | None = None,
                  merge_cost_per_km: float | None = None,
                  target_areas: int | None = None) -> Clustering:
    """Group a portfolio's small neighbouring compounds into shared-service areas that need
    the least operating subsidy and merge cost (see :func:`.clustering.cluster_service_areas`),
    each under the cheaper service model where the scenario allows both (:func:`area_models`);
    arguments default to the scenario's ``portfolio.service_areas``. The compounds table needs
    ``x_km`` and ``y_km``."""
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
    result = cluster_service_areas(
        x, y, np.asarray(table.households, float),
        subsidy=lambda members: area_subsidy(scenario, table, members), ids=list(table.ids),
        group=None if group is None else list(group),
        max_distance_km=rules.max_distance_km if max_distance_km is None else max_distance_km,
        max_households=rules.max_households if max_households is None else max_households,
        max_compounds=rules.max_compounds if max_compounds is None else max_compounds,
        method=method or rules.method,
        merge_cost_per_compound=(rules.merge_cost_per_compound if merge_cost_per_compound is None
                                 else merge_cost_per_compound),
        merge_cost_per_km=rules.merge_cost_per_km if merge_cost_per_km is None
        else merge_cost_per_km,
        target_areas=rules.target_areas if target_areas is None else target_areas)
    return _with_models(result, scenario, table)
