"""The treasury's top-up of what is left unfunded, the payer of last resort (source ``top_up``;
scenario model :mod:`fundmodel.scenario.funding.topup`, compile :mod:`fundmodel.inputs.topup`,
engine :mod:`fundmodel.engine.instruments.topup`)."""

from __future__ import annotations

from ..base import Instrument

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "top_up",
    sources={"top_up": ("Government top-up", "财政兜底")},
    models=("fundmodel.scenario.funding.topup:TopUp",),
    fields={
        "paid_by": ("Paid by", "出资方"),
    },
)
