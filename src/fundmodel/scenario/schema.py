"""The scenario format as JSON Schema, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json
from typing import Any

from .scenario import Scenario

__all__ = ["scenario_json_schema", "scenario_json_schema_text"]

SCHEMA_ID = "https://fundmodel.invalid/schema/scenario.schema.json"


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **schema}


def scenario_json_schema_text() -> str:
    """The schema as stable, pretty JSON text (ending in a newline)."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
