"""Social capital investing for operating rights (source ``social_capital``; scenario model
:mod:`fundmodel.scenario.funding.investor`, compile :mod:`fundmodel.inputs.investor`, engine
:mod:`fundmodel.engine.instruments.investor`)."""

from __future__ import annotations

from ..base import Instrument, Output

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "investor",
    en="Investor", zh="社会资本",
    sources={"social_capital": ("Social capital", "社会资本")},
    models=("fundmodel.scenario.funding.investor:SocialCapital",),
    lines=(
        Output("investor[<label>].takes[<name>]", "CNY/year", "An income line of the compound "
               "the investor takes over for its concession",
               en="Investor {label} takes: {name}", zh="社会资本「{label}」取得收入：{name}",
               payers=("operator",), payees=("investor",), kind="financing"),
        Output("investor[<label>].revenue[<name>]", "CNY/year", "Revenue of a new stream the "
               "investor runs", en="Investor {label} revenue: {name}",
               zh="社会资本「{label}」收入：{name}", payers=("users",), payees=("investor",),
               kind="operating"),
        Output("investor[<label>].cost[<name>]", "CNY/year", "The running cost of a new stream "
               "the investor runs", en="Investor {label} cost: {name}",
               zh="社会资本「{label}」成本：{name}", payers=("investor",), payees=("suppliers",),
               kind="operating"),
    ),
    metrics=(
        Output("investor[<label>].investment", "CNY", "What the investor pays for the renovation, "
               "as its items are built",
               en="investment", zh="投资额"),
        Output("investor[<label>].worth", "CNY", "The most it would pay: the present value at its "
               "hurdle rate of its net flows over the concession (taken-over income and its "
               "streams' revenue less their cost), as an amount paid as its items are built; 0 if "
               "negative",
               en="most it would pay", zh="可承受投资额"),
        Output("investor[<label>].npv", "CNY", "Investor's NPV at its hurdle rate, discounted to "
               "start_year: its net flows at the end of operating years 1..concession less the "
               "investment in the construction years it falls in; 0 where it invests nothing",
               en="NPV", zh="净现值"),
        Output("investor[<label>].irr", "rate", "Investor's internal rate of return on the same "
               "flows (nominal, per year)", "no IRR exists: see irr_reason",
               en="IRR", zh="内部收益率", undefined_zh="内部收益率不存在（见内部收益率状态）"),
        Output("investor[<label>].irr_reason", "code", "Why the IRR is defined or not "
               "(fundmodel.finance.IRR_REASONS): 0 ok, 1 the flows do not change sign (e.g. it "
               "never earns), 2 no convergence, 3 all flows zero (it invests nothing), 4 no sign "
               "change of NPV on the grid, 5 a non-finite flow",
               en="IRR status", zh="内部收益率状态"),
        Output("investor[<label>].payback_year", "years", "Operating year in which its "
               "undiscounted cumulative flow (the whole investment at the end of construction, "
               "then its net flows) turns non-negative, interpolated within the year",
               "it invests nothing, or is not paid back within the concession",
               en="payback year", zh="回收期", undefined_zh="未投资，或在特许经营期内未能收回投资"),
        Output("investor[<label>].forgone", "CNY", "Present value at the scenario's nominal "
               "discount rate (to start_year) of the income lines the compound's account forgoes "
               "to the investor",
               en="income forgone, PV", zh="让渡收益现值"),
        Output("investor[<label>].below_hurdle", "0/1", "1 if it invests more than its flows are "
               "worth at its hurdle rate (NPV < 0: invests: gap or amount); its mean is the "
               "probability",
               en="below its hurdle", zh="低于门槛收益率"),
    ),
    pooled_share="investor[<label>].investment",
    fields={
        "pooled": ("Pooled over a package", "打捆（项目包）"),
        "invests": ("Investment basis", "投资方式"),
        "concession_years": ("Concession years", "特许经营年限"),
        "hurdle_rate": ("Hurdle rate", "门槛收益率"),
        "takes_over": ("Takes over", "接管收入"),
        "streams": ("New revenue streams", "新增收入项"),
        "operating_cost_per_year": ("Operating cost per year", "每年运营成本"),
    },
)
