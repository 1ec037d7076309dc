"""Base model for every scenario section: unknown keys are rejected with a suggestion."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

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


class ScenarioModel(BaseModel):
    """Strict base: extra keys are errors (with a "did you mean" hint); types are strict (no
    ``yes`` for a number, no ``"100"`` for a count); values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True,
                              use_attribute_docstrings=True)

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
        return data
