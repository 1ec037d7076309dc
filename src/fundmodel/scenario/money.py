"""Sums of money written in 万元 (``money_unit: 万元``): the fields that are sums of money —
a funding rule's amount and cap, a line's ``per_year`` and ``total``, a balance, a
component's cost, a budget — are marked :data:`MONEY_SUM` on the models, and a scenario
written in 万元 has them multiplied by 10,000 when it is loaded; prices and amounts per unit,
m², household or month (``unit_cost``, ``price_per_month``, ``per_household``…) stay in CNY
(docs/scenario-format.md, *Money in 万元*)."""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any

from pydantic import BaseModel

from ..io.limits import MAX_MONEY_CNY
from ..labels import MONEY_UNITS  # the outputs' money_unit too: one table of units

__all__ = ["MONEY_SUM", "MONEY_UNITS", "sum_of_money", "money_sum_fields", "in_cny"]


class _MoneySum:
    """The mark of a field that is a sum of money (``Annotated[..., MONEY_SUM]``)."""

    def __repr__(self) -> str:
        return "MONEY_SUM"


MONEY_SUM = _MoneySum()


def sum_of_money(kind: Any) -> Any:
    """``kind`` (a money type: ``Money``, a bounded float…) marked as a sum of money."""
    return Annotated[kind, MONEY_SUM]


def _marked(annotation: Any) -> bool:
    if typing.get_origin(annotation) is Annotated:
        if any(m is MONEY_SUM for m in typing.get_args(annotation)[1:]):
            return True
        return _marked(typing.get_args(annotation)[0])
    return any(_marked(a) for a in typing.get_args(annotation)
               if typing.get_origin(annotation) is not dict)


def is_sum(field) -> bool:
    """Whether a pydantic field is marked a sum of money (in its metadata or annotation)."""
    return any(m is MONEY_SUM for m in field.metadata) or _marked(field.annotation)


def money_sum_fields(model: type[BaseModel]) -> list[str]:
    """The names of ``model``'s fields that are sums of money."""
    return [name for name, field in model.model_fields.items() if is_sum(field)]


def _scaled(value: Any, k: float, path: tuple) -> Any:
    from .base import fail
    from .distributions import DistributionBase
    if isinstance(value, DistributionBase):
        return value.scaled(k)
    if isinstance(value, list):
        return [_scaled(v, k, path + (i,)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {key: _scaled(v, k, path + (key,)) for key, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out = float(value) * k
        if math.isfinite(out) and abs(out) > MAX_MONEY_CNY:
            raise fail(f"{value:g} 万元 is {out:g} CNY, beyond the bound of {MAX_MONEY_CNY:g} "
                       "CNY on any amount", *path)
        return out
    return value


def in_cny(model: Any, k: float, path: tuple = ()) -> Any:
    """``model`` (a scenario model) with every sum of money multiplied by ``k``, as a copy;
    nested models and lists of them alike. Distributions of a sum are scaled by their own
    :meth:`~fundmodel.scenario.distributions.DistributionBase.scaled`."""
    from .distributions import DistributionBase
    if not isinstance(model, BaseModel) or isinstance(model, DistributionBase):
        return model
    updates = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        if is_sum(field):
            updates[name] = _scaled(value, k, path + (name,))
        elif isinstance(value, BaseModel):
            new = in_cny(value, k, path + (name,))
            if new is not value:
                updates[name] = new
        elif isinstance(value, list) and any(isinstance(v, BaseModel) for v in value):
            new = [in_cny(v, k, path + (name, i)) for i, v in enumerate(value)]
            if any(a is not b for a, b in zip(new, value)):
                updates[name] = new
    return model.model_copy(update=updates) if updates else model
