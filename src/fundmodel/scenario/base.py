"""Base model for every scenario section: unknown keys are rejected (each one reported, with a
suggestion), and validating raw data raises :class:`~fundmodel.errors.ScenarioError`."""

from __future__ import annotations

import json
import math
import types
from functools import cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ..errors import ScenarioError
from ..io.issues import did_you_mean, fail, issues_from_validation_error

__all__ = ["ScenarioModel", "did_you_mean", "fail", "check_shares"]
# did_you_mean and fail live in io/issues.py, below the models, so that the readers in io/ (the
# compounds table, data files) raise the same located errors; the models take them from here.


def _is_int_annotation(annotation: Any) -> bool:
    """``int`` or ``int | None``."""
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        args = set(get_args(annotation))
        return int in args and args <= {int, type(None)}
    return False


@cache
def _int_fields(cls: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of ``cls`` that hold whole numbers."""
    return frozenset(name for name, f in cls.model_fields.items()
                     if _is_int_annotation(f.annotation))


@cache
def _int_keys(cls: type[BaseModel]) -> frozenset[str]:
    """The same fields' keys as written in a scenario (their aliases)."""
    return frozenset(cls.model_fields[name].alias or name for name in _int_fields(cls))


class ScenarioModel(BaseModel):
    """Strict base: extra keys are errors (with a "did you mean" hint); types are strict (no
    ``yes`` for a number, no ``"100"`` for a count); numbers must be finite (no ``.inf`` or
    ``.nan``); values are checked on assignment too.

    A count may be written as a float that is exactly a whole number (``draws: 1.0e4`` is
    10000); ``100.5`` is still refused, and so are ``true``/``false``.

    :meth:`model_validate` and :meth:`model_validate_json` raise
    :class:`~fundmodel.errors.ScenarioError` (a ``ValueError``) whose issues carry the same
    dotted paths as a file's (``funding[3].uptake``), not pydantic's ``ValidationError``.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _counts_as_int(cls, data: Any) -> Any:
        # Unknown keys are left to extra="forbid", which reports every one of them alongside
        # the mapping's other errors; validate.py adds the "did you mean".
        if isinstance(data, dict):
            data = _whole_floats_to_int(cls, data)
        return data

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any):
        """Validate raw data (a dict, as from YAML or JSON).

        Raises
        ------
        ScenarioError
            One issue per problem, each with its dotted path (no file position: use
            :func:`fundmodel.load_scenario` for files).
        """
        try:
            return cls.validate_raw(obj, **kwargs)
        except ValidationError as exc:
            raise _scenario_error(cls, exc, obj) from None

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any):
        """Validate JSON text; raises :class:`~fundmodel.errors.ScenarioError` as
        :meth:`model_validate` does."""
        try:
            return super().model_validate_json(json_data, **kwargs)
        except ValidationError as exc:
            try:
                data = json.loads(json_data)
            except ValueError:
                data = None
            raise _scenario_error(cls, exc, data) from None

    @classmethod
    def validate_raw(cls, obj: Any, **kwargs: Any):
        """pydantic's own ``model_validate``, raising its ``ValidationError`` (for the loader,
        which turns the errors into located issues itself)."""
        return super().model_validate(obj, **kwargs)

    def __setattr__(self, name: str, value: Any) -> None:
        # validate_assignment does not see what a before-validator returns: convert here too
        if _is_whole_float(value) and name in _int_fields(type(self)):
            value = int(value)
        super().__setattr__(name, value)


def _is_whole_float(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer()


def _whole_floats_to_int(cls: type[BaseModel], data: dict) -> dict:
    """``10000.0`` → ``10000`` for count fields (``int`` or ``int | None``) of ``cls``; any
    other value is left to the field's own strict validation, which refuses ``100.5``,
    ``.inf``, ``.nan`` and booleans. ``data`` itself is not modified."""
    whole = {key: int(data[key]) for key in _int_keys(cls)
             if key in data and _is_whole_float(data[key])}
    return {**data, **whole} if whole else data


def _scenario_error(cls: type[BaseModel], exc: ValidationError, data: Any) -> ScenarioError:
    return ScenarioError(issues_from_validation_error(exc, data, model=cls))


def check_shares(shares: list[float] | None, field: str) -> None:
    """Shares by year (a schedule, instalments): each in [0, 1], summing to 1."""
    from ..io.limits import SHARES_TOLERANCE

    if shares is None:
        return
    for j, x in enumerate(shares):
        if not 0.0 <= x <= 1.0:
            raise fail(f"each share must lie in [0, 1], got {x:g}", field, j)
    total = math.fsum(shares)
    if abs(total - 1.0) > SHARES_TOLERANCE:
        raise fail(f"the shares sum to {total:.12g}, not 1", field)
