"""The malformed-scenario corpus as a whole (issue 6's acceptance: at least 80 cases covering
every class of bad input, each checked through ``load_scenario`` — one located issue per
mistake — and through ``fundmodel run`` — exit 2, no traceback, nothing written).

The cases live in three tables, by class: ``test_errors.CASES`` (types, ranges, structure),
``test_hostile_input.CASES`` (YAML tags, forbidden characters, CSV data files, sizes, ``--set``,
unknown keys, input-method characters, in-memory validation) and ``test_suspicious_values.CASES``
(overflowing arithmetic, percentages, huge counts, point estimates, runs too large).
"""

from __future__ import annotations

import test_errors
import test_hostile_input
import test_suspicious_values


def test_the_corpus_has_at_least_80_cases():
    tables = (test_errors.CASES, test_hostile_input.CASES, test_suspicious_values.CASES)
    assert sum(len(t) for t in tables) >= 80, [len(t) for t in tables]
