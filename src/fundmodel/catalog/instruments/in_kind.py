"""Contributions in kind (source ``in_kind``): a lent building, a street service, volunteer
labour, valued at a price and carried on the ledger as paid in kind by its party (scenario model
:mod:`fundmodel.scenario.funding.in_kind`, compile :mod:`fundmodel.inputs.in_kind`, engine
:mod:`fundmodel.engine.instruments.in_kind`)."""

from __future__ import annotations

from ..base import Instrument, Output
from ..flows import GOVERNMENT_LEVELS, Kind

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "in_kind",
    sources={"in_kind": ("Contribution in kind", "实物出资")},
    models=("fundmodel.scenario.funding.in_kind:InKind",),
    lines=(
        Output("in_kind[<name>]", "CNY/year", "A service given in kind to the operator in place "
               "of a cost line (funding source in_kind with replaces:), valued at its price",
               en="In kind: {name}", zh="实物出资：{name}",
               payers=(*GOVERNMENT_LEVELS[1:], "soe", "utilities", "residents", "donors"),
               payees=("operator",), kind="in_kind"),
    ),
    statement=(
        Output("in_kind[<name>]", "CNY/year", "A service given in kind (funding source in_kind "
               "with replaces:, by its label): min(value, the cost line it replaces), taken off "
               "that cost line; a memo line, not in direct_cost (no management margin on it)",
               en="In kind: {name}", zh="实物出资：{name}"),
    ),
    kinds=(Kind("in_kind", "In kind", "实物出资", "Value given in kind, not cash: a lent "
                "building, a street service, volunteer labour", cash=False),),
    fields={"given_by": ("Given by", "出资方"), "unit_price": ("Unit price", "单价")},
)
