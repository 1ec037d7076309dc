"""Grants: central, provincial and local funds, programme funds, state firms' transfer funds,
utilities, residents, donations and crowdfunding (scenario models
:mod:`fundmodel.scenario.funding.grants`, compile :mod:`fundmodel.inputs.grants`, engine
:mod:`fundmodel.engine.instruments.grants`). Their lines are the funding table's
``funding[<label>]``, declared with the renovation's lines."""

from __future__ import annotations

from ..base import Instrument

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "grants",
    sources={
        "central_subsidy": ("Central subsidy", "中央补助资金"),
        "local_budget": ("Local budget", "地方财政资金"),
        "programme_funds": ("Integrated programme funds", "统筹整合资金"),
        "utility_companies": ("Utility companies", "专营单位出资"),
        "soe_transfer": ("SOE transfer funds", "三供一业移交资金"),
        "residents": ("Residents", "居民出资"),
        "donations": ("Donations", "社会捐赠"),
        "central_budget_investment": ("Central budget investment", "中央预算内投资"),
        "provincial_funds": ("Provincial funds", "省级资金"),
        "crowdfunding": ("Crowdfunding", "众筹"),
    },
    models=("fundmodel.scenario.funding.grants:GRANTS",),
)
