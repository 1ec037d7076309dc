"""Input paths as a reader's labels (labels.input_label), shared by the charts and the report."""

from pathlib import Path

import fundmodel
from fundmodel.labels import input_label

SANQIAO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-standalone.yaml"


def test_names_in_brackets_and_field_labels():
    assert input_label("renovation.items[roof waterproofing].unit_cost") == \
        "roof waterproofing: Unit cost"
    assert input_label("renovation.items[roof waterproofing].unit_cost", "zh") == \
        "roof waterproofing：单价"
    assert input_label("operations.property_fee.collection_rate", "zh") == "收缴率"


def test_indices_become_names_with_the_scenario():
    sc = fundmodel.load_scenario(SANQIAO)
    first = sc.renovation.items[0].name
    assert input_label("renovation.items[0].unit_cost", "en", sc) == f"{first}: Unit cost"
    label = sc.funding_labels()[3]
    assert input_label("funding[3].uptake", "en", sc) == f"{label}: Uptake"
    assert input_label("funding[3].uptake", "en") == "3: Uptake"   # without it: as written
    assert input_label("funding[99].uptake", "en", sc) == "99: Uptake"
