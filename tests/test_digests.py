"""Every shipped scenario's output tables have the bits ``tools/digests.json`` records: the
acceptance of the changes that should move no number (the layout issue, the speed issue).

A regression check (marker ``regression``): the record is the program's own output at an
earlier commit, so it catches a change, not an error. The same property is checked
independently where each change was made: deferred quantiles against streamed ones
(tests/test_deferred_bands.py), the sketch's and the block sums' fast paths against their
plain forms (tests/test_streaming.py), the allocation's pruned search against all class sets
(tests/test_allocation.py), the metrics whatever the chunking (tests/test_engine_speedups.py).
The values themselves are checked by hand in tests/test_model.py and tests/test_story.py.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import scipy

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tools" / "digests.json"


def _digests_tool():
    spec = importlib.util.spec_from_file_location("digests_tool", ROOT / "tools" / "digests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.regression
def test_every_shipped_scenarios_tables_have_the_recorded_bits():
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    recorded = (record["versions"]["numpy"], record["versions"]["scipy"])
    if recorded != (np.__version__, scipy.__version__):
        pytest.skip(f"recorded with numpy {recorded[0]} and scipy {recorded[1]}: their inverse "
                    "CDFs and sums may differ in the last bit under other versions")
    tool = _digests_tool()
    differences, _ = tool.compare(record, tool.all_digests())
    assert differences == []
