"""The committed JSON Schema is current and validates every example scenario."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from fundmodel.scenario.schema import scenario_json_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema" / "scenario.schema.json"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_committed_schema_is_current():
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == scenario_json_schema(), (
        "schema/scenario.schema.json is stale: run `fundmodel schema --out "
        "schema/scenario.schema.json`")


def test_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text("utf-8")))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_schema_validates_example(path):
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text("utf-8")))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_example_points_editors_at_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/scenario.schema.json"


def test_schema_rejects_what_the_loader_rejects():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    data = yaml.safe_load((ROOT / "scenarios" / "sanqiao-standalone.yaml").read_text("utf-8"))
    data["compound"]["househols"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)
