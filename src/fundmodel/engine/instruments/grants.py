"""Grants: the sources that give money for the works — central, provincial and local funds,
programme funds, state firms' transfer funds, utility companies, residents, crowdfunding and
donations (:mod:`fundmodel.scenario.funding`).

Their rules share the cost jointly (:func:`fundmodel.engine.funding.apply_funding`: the smallest
gap the offers allow, the order written breaking ties), so they form one instrument.

Timing. A rule pays for items; what it pays for item i falls as the item is built:
``paid_{r,y} = Σ_i x_{r,i} × schedule_{i,y}``. A rule with ``instalments`` is paid
``a_r × instalment_{r,y}`` instead, and the city or district treasury bridges the difference,
``Σ_r (paid_{r,y} − a_r × instalment_{r,y})``: a financing line that sums to 0 over the years
(negative: money received ahead of the works, held). So sources + bridge = what the sources pay
for, year by year.
"""

from __future__ import annotations

import numpy as np

from ..funding import apply_funding
from ..model_inputs import RuleInputs
from . import Books, source_line, timed

__all__ = ["write_grants", "BRIDGE_LINE"]

BRIDGE_LINE = "bridge"
"""The ledger line of the treasury's bridge between sources paid in instalments and the works."""


def write_grants(inputs, rules: RuleInputs, books: Books) -> Books:
    """Allocate the grant rules over the item costs and write one line per rule (and the
    bridge); report the :class:`~fundmodel.engine.funding.FundingOutcome` as ``grants``.

    The grants share what is unfunded when they come (the cost of the items less what the
    instruments before them paid or gave), and leave ``unfunded`` to the instruments after
    them."""
    outcome = apply_funding(rules, inputs.compounds, books.unfunded, books.quantity)
    schedule = books.schedule
    bridge = None
    for r, label in enumerate(rules.labels):
        paid = outcome.applied[:, :, r, None]
        built = timed(outcome.by_item[:, :, r], schedule, total=outcome.applied[:, :, r])
        flows = built
        if not np.isnan(rules.instalments[r, 0]):
            flows = paid * rules.instalments[r, :schedule.shape[1]]
            bridge = built - flows if bridge is None else bridge + (built - flows)
        books.ledger.add(source_line(label), rules.parties[r], "project", "capital", flows)
    if bridge is not None:
        books.ledger.add(BRIDGE_LINE, "city_district_government", "project", "financing", bridge)
    return books.report("grants", outcome, unfunded=outcome.unfunded)
