"""Base model for every scenario section: unknown keys are rejected with a suggestion."""

from __future__ import annotations

import difflib
import types
from functools import cache
from typing import Any, Iterable, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["ScenarioModel", "did_you_mean", "fail"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def fail(message: str, *at: str | int, on_key: bool = False) -> PydanticCustomError:
    """An error for a validator to raise; ``at`` is the path below the validated object.

    The scenario loader appends ``at`` to the error location, so a cross-field check run on
    the whole scenario can still point at ``funding[3].items[0]``. With ``on_key`` the
    reported position is that of the last key of the path rather than of its value.
    """
    return PydanticCustomError("scenario", message.replace("{", "{{").replace("}", "}}"),
                               {"at": tuple(at), "on_key": on_key})


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
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              allow_inf_nan=False, use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = {f.alias or name for name, f in cls.model_fields.items()}
            for key in data:
                if key not in known:
                    hint = did_you_mean(key, sorted(known))
                    allowed = "" if hint else f"; allowed: {', '.join(sorted(known))}"
                    raise fail(f"unknown key '{key}'{hint}{allowed}", str(key), on_key=True)
            data = _whole_floats_to_int(cls, data)
        return data

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
