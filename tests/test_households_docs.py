"""docs/scenario-format.md's households section stays in step with the scenario models and the
lift-retrofit example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from fundmodel.scenario import households as hh
from fundmodel.io.limits import MAX_ITEMS, MAX_NAMES, MAX_RULES, MAX_STOREYS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
SECTION = DOC.split("## `households`")[1].split("\n## ")[0]


@pytest.mark.parametrize("model", [hh.Households, hh.Building, hh.Charge, hh.FloorSharing,
                                   hh.PaymentChannels, hh.Takeup, hh.Decision, hh.VoteRule])
def test_every_key_is_documented(model):
    for name in model.model_fields:
        assert re.search(rf"`[^`]*\b{name}\b[^`]*`", SECTION), f"{model.__name__}.{name}"


def test_kinds_and_rules_are_documented():
    for value in (*hh.DecisionKind.__args__, *hh.SharingRule.__args__):
        assert f"`{value}`" in SECTION, value
    # the Civil Code defaults as the code has them
    assert hh.MAJOR_DECISIONS == ("add_lift", "raise_repairs_fund", "rebuild",
                                  "change_common_use")
    major = hh.civil_code_rule("add_lift")
    simple = hh.civil_code_rule("other")
    assert (major.quorum_headcount, major.approval_headcount, major.strict) == (2 / 3, 3 / 4,
                                                                                 False)
    assert (simple.quorum_area, simple.approval_area, simple.strict) == (2 / 3, 1 / 2, True)
    assert "3/4 for `add_lift`, `raise_repairs_fund`, `rebuild`, `change_common_use`; 1/2 " \
           "for `use_repairs_fund`, `other`" in SECTION


def test_limits_are_those_of_the_code():
    assert hh.MAX_DETAILED_HOUSEHOLDS == 20_000 and "| 20,000 |" in DOC
    assert (MAX_ITEMS, MAX_RULES, MAX_NAMES, MAX_STOREYS) == (1_000, 200, 1_000, 200)
    assert "| `households.buildings`, `households.charges` | 1,000 each |" in DOC
    assert "| `households.decisions` | 200 |" in DOC


def test_the_example_is_the_lift_retrofits():
    example = yaml.safe_load(SECTION.split("```yaml\n")[1].split("```")[0])
    scenario = yaml.safe_load((ROOT / "scenarios" / "lift-retrofit.yaml").read_text("utf-8"))
    assert example["households"] == scenario["households"]
