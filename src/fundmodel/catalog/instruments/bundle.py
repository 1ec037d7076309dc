"""A profitable project bundled with the renovation (source ``bundle``; scenario model
:mod:`fundmodel.scenario.funding.bundle`, compile :mod:`fundmodel.inputs.bundle`, engine
:mod:`fundmodel.engine.instruments.bundle`)."""

from __future__ import annotations

from ..base import Instrument, Output

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "bundle",
    en="Bundle", zh="捆绑项目",
    sources={"bundle": ("Bundled project", "捆绑项目")},
    models=("fundmodel.scenario.funding.bundle:Bundle",),
    lines=(
        Output("bundle[<label>].capital", "CNY/year", "The bundled project's own capital "
               "spending", en="capital", zh="投资支出", payers=("bundled_project",),
               payees=("contractors",), kind="capital"),
        Output("bundle[<label>].revenue", "CNY/year", "The bundled project's revenue",
               en="revenue", zh="收入", payers=("users",), payees=("bundled_project",),
               kind="operating"),
        Output("bundle[<label>].cost", "CNY/year", "The bundled project's running cost",
               en="cost", zh="成本", payers=("bundled_project",), payees=("suppliers",),
               kind="operating"),
        Output("bundle[<label>].tax", "CNY/year", "The bundled project's tax", en="tax",
               zh="税费", payers=("bundled_project",), payees=("tax_authority",),
               kind="operating"),
    ),
    metrics=(
        Output("bundle[<label>].transfer", "CNY", "What the bundled project pays towards the "
               "renovation (its funding line, summed over the years)",
               en="transfer to the renovation", zh="反哺改造资金"),
        Output("bundle[<label>].npv", "CNY", "NPV of the bundled project's own flows (revenue − "
               "costs − tax − capital) less the transfer, at its required return, discounted to "
               "start_year (year-end flows)",
               en="NPV", zh="净现值"),
        Output("bundle[<label>].irr", "share", "IRR of the same flows (a fraction a year)",
               "the flows have no IRR (they never change sign, or NPV has no root)",
               en="IRR", zh="内部收益率", undefined_zh="现金流没有内部收益率（从不变号，或净现值无根）"),
        Output("bundle[<label>].coverage", "ratio", "PV of revenue − costs − tax over PV of "
               "capital + transfer, at the required return",
               "the bundle has no capital and pays nothing (the denominator is 0)",
               en="coverage", zh="覆盖倍数", undefined_zh="捆绑项目既无投资也无支出（分母为0）"),
        Output("bundle[<label>].balances", "0/1", "1 if the bundle's npv ≥ 0: it can afford the "
               "transfer; its mean is P(the bundle balances)",
               en="balances", zh="收支平衡"),
        Output("bundle[<label>].minimum_scale", "units of scale", "Smallest scale (in the rule's "
               "scale_unit) at which the bundle's coverage reaches its target_coverage (default "
               "1: npv = 0); the transfer does not depend on the scale",
               "no scale balances the bundle: its NPV after the transfer is negative at every "
               "scale (a unit of scale is worth ≤ 0 and no smaller scale pays the fixed cost)",
               en="minimum scale", zh="最小规模", undefined_zh="任何规模都无法使捆绑项目平衡：扣除反哺后各规模净现值均为负"),
    ),
    pooled_share="bundle[<label>].transfer",
    fields={
        "pooled": ("Pooled over a package", "打捆（项目包）"),
        "scale": ("Scale", "规模"),
        "scale_unit": ("Unit of scale", "规模单位"),
        "revenues": ("Revenues", "收入项"),
        "operating_costs": ("Operating costs", "运营成本项"),
        "fixed_cost_per_year": ("Fixed cost per year", "每年固定成本"),
        "tax_rate": ("Tax rate", "税率"),
        "required_return": ("Required return", "要求收益率"),
        "target_coverage": ("Target coverage", "目标覆盖倍数"),
        "from_year": ("From year", "起始年"),
        "in_year": ("In year", "发生年"),
    },
)
