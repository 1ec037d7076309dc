"""Every output fundmodel reports, declared once: its name, unit, axes, how it is summarised,
its en and zh labels, its meaning, when it is undefined and the question a probability answers
(:class:`Output`) — the metrics, yearly lines, ledger lines (with the parties that pay and
receive them), the result tables' columns, the parties and the levels of government. The
labels (:mod:`fundmodel.labels`), ``Result.probabilities()``, ``Result.describe()``, the CLI's
printed rows and the workbook's units read them here; tests/test_declarations.py fails on an
output a shipped scenario emits that is not declared.

These names are public contract: they are the columns of ``Result.metrics`` and
``Result.yearly()`` and appear in the docs. :func:`lookup` finds any of them, including the
per-line names ``income[<name>]`` and ``cost[<name>]`` of a scenario's income and cost lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from .base import DRAW as _DRAW, SUMMARIES, YEARLY as _YEARLY, Metric, Output, declare as _declare
from .flows import GOVERNMENT_LEVELS, KINDS as _OWN_KINDS, PARTIES, Kind, Party
from .instruments import INSTRUMENTS as _REGISTERED, Instrument

__all__ = ["QUANTILES", "QUANTILE_METHOD", "CASHFLOW_QUANTILES", "quantile_name", "Metric",
           "METRICS", "METRIC_PATTERNS", "metric_pattern", "YEARLY_LINES", "YEARLY_COLUMNS",
           "LINE_PATTERNS", "HOUSEHOLD_TABLES",
           "INSTRUMENT_METRICS", "FINANCING_LINES", "FINANCING_METRICS", "SOE_METRICS",
           "FALLBACK_LINES", "FALLBACK_METRICS", "ACCOUNT_LINES", "ACCOUNT_METRICS",
           "FUND_METRICS", "FUND_LINES", "Output", "SUMMARIES", "Party", "PARTIES",
           "FUND_BUILDING_METRICS",
           "GOVERNMENT_LEVELS", "INSTRUMENTS", "LEDGER_LINES", "PORTFOLIO_METRICS", "Kind", "KINDS",
           "Instrument", "DECLARED_INSTRUMENTS", "SOURCE_LABELS", "FIELD_LABELS",
           "TABLE_COLUMNS", "ledger_line", "instrument_metric", "instrument_metric_names",
           "programme_metric_names", "probabilities",
           "lookup", "known_names", "declaration"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles reported by :meth:`Result.summary` and :meth:`Result.yearly`."""

QUANTILE_METHOD = "inverted_cdf"
"""Quantile definition: the smallest value x with #(values ≤ x) ≥ q·n (numpy's
``inverted_cdf``), the same whether the draws are kept or summarised by streaming."""

CASHFLOW_QUANTILES = (0.05, 0.5, 0.95)
"""Quantiles of every ledger line and year that :meth:`Result.cashflows` gives (columns named by
:func:`quantile_name`: ``p5``, ``p50``, ``p95``)."""


def quantile_name(q: float) -> str:
    """Column name of a quantile: 0.05 → ``p5``."""
    return f"p{round(q * 100):d}"




METRICS: dict[str, Output] = _declare([
    Metric("capex_total", "CNY", "Renovation cost of all items with contingency (year 0)",
           en="Renovation cost", zh="改造总投资"),
    Metric("funding_total", "CNY", "Sum applied by all funding sources",
           en="Funding raised", zh="落实资金合计"),
    Metric("funding_gap", "CNY", "Renovation cost no source covers",
           en="Funding gap", zh="资金缺口"),
    Metric("funding_gap_share", "share", "funding_gap / capex_total",
           en="Gap as a share of cost", zh="资金缺口占比"),
    Metric("has_funding_gap", "0/1", "1 if funding_gap > 0; its mean is P(funding_gap > 0)",
           en="Funding gap left", zh="存在资金缺口", question="P(funding_gap > 0)",
           question_zh="P(资金缺口 > 0)", summary="probability"),
    Metric("government_cost", "CNY", "Applied by government sources (central, provincial, "
           "local, programme funds, top-ups), the state firms' transfer funds not included: "
           "what the levels of government pay in the construction years (Result.government()"
           "['total'] summed over them)",
           en="Government funding", zh="政府出资"),
    Metric("soe_cost", "CNY", "Applied by state firms' \"三供一业\" transfer funds "
           "(soe_transfer): the firms' money, not government's; only in scenarios with such "
           "a rule",
           en="State firms' transfer funds", zh="国有企业三供一业移交资金"),
    Metric("resident_cost", "CNY", "Applied by residents",
           en="Residents' contribution", zh="居民出资"),
    Metric("government_cost_per_household", "CNY/household", "government_cost / households",
           en="Government funding per household", zh="户均政府出资"),
    Metric("soe_cost_per_household", "CNY/household", "soe_cost / households",
           en="State firms' transfer funds per household", zh="户均国有企业移交资金"),
    Metric("resident_cost_per_household", "CNY/household", "resident_cost / households",
           en="Residents' contribution per household", zh="户均居民出资"),
    Metric("funding_gap_per_household", "CNY/household", "funding_gap / households",
           en="Funding gap per household", zh="户均资金缺口"),
    Metric("fee_income_first_year", "CNY/year", "Property fee income in year 1",
           en="Fee income, year 1", zh="首年物业费收入"),
    Metric("operating_cost_first_year", "CNY/year", "Operating cost (with margin) in year 1",
           en="Operating cost, year 1", zh="首年运营成本"),
    Metric("operating_surplus_first_year", "CNY/year", "Operating surplus in year 1 "
           "(negative: a deficit)",
           en="Operating surplus, year 1", zh="首年运营结余"),
    Metric("net_cash_flow_first_year", "CNY/year", "What the compound's account keeps in "
           "year 1 after financing: operating_surplus_first_year + financing_net of year 1 "
           "(less the debt service it pays, the revenue it remits to a bond's issuer and the "
           "income investors take, plus guarantee calls); before any fallback payment; only "
           "in scenarios with financing lines to or from the account (else it would be "
           "operating_surplus_first_year)",
           en="Year 1 after financing", zh="首年融资后净现金流"),
    Metric("operating_deficit_years", "years", "Number of years with an operating deficit",
           en="Years in operating deficit", zh="运营亏损年数"),
    Metric("any_operating_deficit", "0/1", "1 if any year is in deficit; its mean is "
           "P(any year in operating deficit)",
           en="Some year in operating deficit", zh="出现运营亏损",
           question="P(any year in operating deficit)", question_zh="P(任一年出现运营亏损)",
           summary="probability"),
    Metric("first_deficit_year", "year", "First operating year (1..horizon) in deficit",
           "no year is in deficit",
           en="First year in deficit", zh="首个亏损年", undefined_zh="没有亏损年份"),
    Metric("cumulative_balance_final", "CNY", "Cumulative operating balance at the horizon",
           en="Cumulative balance at the horizon", zh="期末累计结余"),
    Metric("balance_negative_at_horizon", "0/1", "1 if cumulative_balance_final < 0; its mean "
           "is P(cumulative balance < 0 at the horizon)",
           en="Cumulative balance negative at the horizon", zh="期末累计结余为负",
           question="P(cumulative_balance < 0 at the horizon)", question_zh="P(期末累计结余 < 0)",
           summary="probability"),
    Metric("npv_operations", "CNY", "NPV of the net cash flow after financing (the "
           "operating surplus where there are no financing lines) of years 1..horizon at the "
           "nominal discount rate, before any fallback payment",
           en="NPV of the operations", zh="运营净现值"),
    Metric("breakeven_fee_rate", "CNY/m²/month", "Fee rate (year 1, growing as the fee does) "
           "at which npv_operations is 0: operations after financing break even over the "
           "horizon, the financing flows as at the fee charged; in CNY/household/month for a "
           "fee per household (per_household_month)",
           "no fee is collected (collection rate 0 or no chargeable area): no fee can break even",
           en="Breakeven fee", zh="保本物业费", undefined_zh="未收取物业费（收缴率为0或无计费面积），任何费率都无法保本"),
    Metric("breakeven_fee_rate_first_year", "CNY/m²/month", "Fee rate at which "
           "net_cash_flow_first_year is 0: operations after financing break even in year 1, "
           "the financing flows as at the fee charged; in CNY/household/month for a fee per "
           "household",
           "no fee is collected in year 1 (collection rate 0 or no chargeable area)",
           en="Breakeven fee, year 1", zh="首年保本物业费", undefined_zh="首年未收取物业费（收缴率为0或无计费面积）"),
    Metric("discount_rate_nominal", "per year", "(1 + discount_rate)(1 + inflation) − 1",
           en="Nominal discount rate", zh="名义折现率"),
    # only in scenarios with operations.fallback (FALLBACK_METRICS)
    Metric("fallback_total", "CNY", "What the fallback payer (street or district) pays the "
           "operating account over years 1..horizon",
           en="Fallback payments", zh="兜底补贴合计"),
    Metric("fallback_years", "years", "Number of years in which the fallback payer pays",
           en="Years with fallback payments", zh="兜底补贴年数"),
    Metric("fallback_max_year", "CNY/year", "Largest payment of the fallback payer in one "
           "year",
           en="Largest fallback payment in a year", zh="单年最大兜底补贴"),
    Metric("fallback_needed_max", "CNY/year", "Smallest cap_per_year (year-1 value) that keeps "
           "the cumulative balance ≥ 0 in every year: max_t of the uncapped need / the cap's "
           "growth index (the uncapped need itself with a cap that does not grow)",
           en="Fallback cap needed", zh="所需兜底上限"),
    Metric("cumulative_balance_min", "CNY", "Lowest year-end cumulative balance of the "
           "operating account over years 1..horizon, after the fallback's payments (≥ 0 in "
           "every draw whose cap is at least fallback_needed_max)",
           en="Lowest cumulative balance", zh="累计结余最低值"),
    Metric("owners_account_top_up_total", "CNY", "What the owners' account pays the operating "
           "account over years 1..T (scenarios with an owners' account)",
           en="Top-ups from the owners' account", zh="公共收益补贴运营合计"),
    Metric("owners_account_balance_final", "CNY", "The owners' account's balance at the end "
           "of the horizon (scenarios with an owners' account)",
           en="Owners' account at the horizon", zh="期末公共收益账户余额"),
], _DRAW, "quantiles")

SOE_METRICS = ("soe_cost", "soe_cost_per_household")
"""Metrics only in scenarios with a state firms' transfer-funds rule (``soe_transfer``)."""

FINANCING_METRICS = ("net_cash_flow_first_year",)
"""Metrics only in scenarios whose instruments pay or take from the compound's account (with
the yearly lines :data:`FINANCING_LINES`)."""

FALLBACK_METRICS = ("fallback_total", "fallback_years", "fallback_max_year",
                    "fallback_needed_max", "cumulative_balance_min")
"""Metrics only in scenarios with a fallback payer (``operations.fallback``)."""

YEARLY_LINES: dict[str, Output] = _declare([
    Metric("property_fee_income", "CNY/year", "rate × chargeable m² × 12 × collection rate "
           "(or per_household_month × households × 12 × collection rate)",
           en="Property fee income", zh="物业费收入"),
    Metric("other_income", "CNY/year", "Sum of the income lines (parking, advertising, ...) "
           "and menu packages",
           en="Other income", zh="其他经营收入"),
    Metric("total_income", "CNY/year", "property_fee_income + other_income",
           en="Total income", zh="收入合计"),
    Metric("direct_cost", "CNY/year", "Sum of the cost lines, devices' platform fees and menu "
           "packages' costs",
           en="Direct cost", zh="直接成本"),
    Metric("management_margin", "CNY/year", "management_margin × direct_cost",
           en="Management margin", zh="管理酬金"),
    Metric("operating_cost", "CNY/year", "direct_cost + management_margin",
           en="Operating cost", zh="运营成本"),
    Metric("vat", "CNY/year", "VAT in the fee income: fee × rate / (1 + rate)",
           en="VAT", zh="增值税"),
    Metric("operating_surplus", "CNY/year", "total_income − operating_cost − vat",
           en="Operating surplus", zh="运营结余", summary="quantiles"),
    Metric("financing_net", "CNY/year", "What investors, lenders and guarantors bring the "
           "operator less what it pays them (concessions, debt service, guarantee calls); only "
           "in scenarios with such instruments",
           en="Financing, net", zh="融资净流量"),
    Metric("net_cash_flow", "CNY/year", "operating_surplus + financing_net (only in scenarios "
           "with financing instruments; the lines below then use it in place of the surplus)",
           en="Net cash flow", zh="净现金流"),
    Metric("fallback_subsidy", "CNY/year", "What the fallback payer pays in the year: "
           "min(cap, what keeps the cumulative balance ≥ 0); only in scenarios with "
           "operations.fallback",
           en="Fallback subsidy", zh="兜底补贴"),
    Metric("owners_account_income", "CNY/year", "The income lines paid to the owners' account "
           "(paid_to: compound_account) in the year; not the operator's income",
           en="Income of the owners' account", zh="公共收益账户收入"),
    Metric("owners_account_top_up", "CNY/year", "What the owners' account pays the operating "
           "account in the year: min(its balance with the year's income, max(0, −net cash "
           "flow)) with covers_deficit; it enters the cumulative balance, before any fallback",
           en="Top-up from the owners' account", zh="公共收益补贴运营"),
    Metric("owners_account_to_repairs_fund", "CNY/year", "What the owners' account pays into "
           "the repairs fund in the year: to_repairs_fund_share × max(0, its income − its "
           "top-up)",
           en="Owners' account to the repairs fund", zh="公共收益转入维修资金"),
    Metric("owners_account_balance", "CNY", "The owners' account's balance at the end of the "
           "year: opening balance + its income − its top-ups − its payments into the fund, "
           "years 1..t",
           en="Owners' account balance", zh="公共收益账户余额"),
    Metric("cumulative_balance", "CNY", "opening balance + surplus (net cash flow) of years "
           "1..t, + the owners' account's top-ups, + the fallback's payments",
           en="Cumulative balance", zh="累计结余", summary="quantiles"),
    Metric("discounted_surplus", "CNY", "operating_surplus (net cash flow) / (1 + nominal "
           "rate)^t",
           en="Discounted surplus", zh="折现结余"),
], _YEARLY, "mean")
"""Fixed yearly lines; each income and cost line also appears as ``income[<name>]`` /
``cost[<name>]`` (see :data:`LINE_PATTERNS`)."""

FINANCING_LINES = ("financing_net", "net_cash_flow")
"""Yearly lines only in scenarios whose instruments pay or take from the operator."""

FALLBACK_LINES = ("fallback_subsidy",)
"""Yearly lines only in scenarios with a fallback payer (``operations.fallback``)."""

ACCOUNT_METRICS = ("owners_account_top_up_total", "owners_account_balance_final")
"""Metrics only in scenarios with an owners' account."""

ACCOUNT_LINES = ("owners_account_income", "owners_account_top_up",
                 "owners_account_to_repairs_fund", "owners_account_balance")
"""Yearly lines only in scenarios with an owners' account (an income line paid to it, or
``operations.owners_account``)."""

LINE_PATTERNS: dict[str, Output] = _declare([
    Metric("income[<name>]", "CNY/year", "One income line of the scenario "
           "(operations.income, by name): units × price_per_month × 12 × occupancy, or per_year; "
           "grows by its growth, else inflation; × the share built of its item (item:) in "
           "each draw; part of other_income",
           en="Income: {name}", zh="收入：{name}"),
    Metric("cost[<name>]", "CNY/year", "One cost line of the scenario (operations.costs, by "
           "name): staff × wage_per_month × 12 × (1 + on_cost), or per_year, or paid per job "
           "jobs_per_household_year × households × price_per_job × (1 − discount), divided by "
           "shared_by (shared: × this compound's share by the split key); grows by its "
           "growth, else inflation, × (1 + ageing × (t − 1)); 0 outside first_year .. "
           "first_year + years − 1, and for a line of the service model not used; × the "
           "share built of its item (item:) in each draw; part of direct_cost",
           en="Cost: {name}", zh="成本：{name}"),
    Metric("menu[<name>]", "CNY/year", "Income of a menu package (operations.menu, by name): "
           "households × take_up × price_per_household_month × 12, growing; part of "
           "other_income",
           en="Menu service: {name}", zh="菜单式服务：{name}"),
    Metric("menu_cost[<name>]", "CNY/year", "Cost of a menu package: households × take_up × "
           "cost_per_household_month × 12, growing; part of direct_cost",
           en="Menu service cost: {name}", zh="菜单式服务成本：{name}"),
    Metric("device[<name>]", "CNY/year", "Platform fee of smart devices (operations.devices, "
           "by name), growing; part of direct_cost",
           en="Device platform fee: {name}", zh="智能设备平台费：{name}"),
], _YEARLY, "mean")
LINE_PATTERNS |= {o.name: o for i in _REGISTERED.values() for o in i.statement}

METRIC_PATTERNS: dict[str, Output] = _declare([
    Metric("built_share[<name>]", "share", "Share of the item built after the residents' votes "
           "(its quantity's share: the stairs whose vote passes, weighted as the item is; 1 "
           "where every vote passes, 0 where none does); one per item a households decision "
           "covers; its mean over the draws is the expected share built",
           en="Share built: {name}", zh="实施比例：{name}"),
], _DRAW, "quantiles")
"""Per-draw metrics named after a scenario's item: ``built_share[<name>]`` (scenarios whose
households vote on items)."""
"""The per-line yearly names: ``income[<name>]``, ``cost[<name>]``, ``menu[<name>]``,
``menu_cost[<name>]``, ``device[<name>]`` and the instruments' (:attr:`Instrument.statement`)."""

YEARLY_COLUMNS: dict[str, Output] = _declare([
    Metric("calendar_year", "year", "start_year + year (year 0 is the construction year)",
           en="Year", zh="年份"),
], ("year",), "mean")
"""Columns of ``Result.yearly()`` that are not lines of the statement."""

HOUSEHOLD_TABLES: dict[str, dict[str, Output]] = {table: _declare(columns, axes, "mean") for
                                                   (table, axes), columns in {
    ("decisions", ("decision", "building")): [
        Metric("households", "households", "Households in the ballot's electorate",
               en="Households", zh="户数"),
        Metric("p_pass", "share", "Share of draws in which the ballot passes: P(pass)",
               en="Probability the vote passes", zh="表决通过概率"),
        Metric("passed", "bool", "Whether the ballot passes at the point estimates "
               "(deterministic run)",
               en="Passes", zh="是否通过"),
        Metric("mcse", "share", "Monte Carlo standard error of p_pass: √(p(1 − p)/n), 1.5/n "
               "when p is 0 or 1",
               en="Monte Carlo standard error", zh="蒙特卡洛标准误"),
        Metric("wtp_threshold_cny", "CNY/household", "Least willingness to pay, the same for every "
               "household of the electorate, at which the ballot passes (mean over the draws "
               "where one exists)", "no willingness to pay passes in any draw (too few take "
               "part)",
               en="Willingness to pay needed", zh="通过所需支付意愿", short="WTP threshold",
               undefined_zh="任何模拟中都没有能使表决通过的支付意愿（参与户数太少）"),
        Metric("wtp_threshold_defined", "share", "Share of draws in which some common "
               "willingness to pay passes the ballot",
               en="Share of draws with a threshold", zh="存在门槛的模拟占比"),
    ],
    ("households", ("building", "floor")): [
        Metric("households", "households", "Households on that floor of that building",
               en="Households", zh="户数"),
        Metric("cost_per_household_cny", "CNY/household", "A household's part of what the "
               "residents' funding rules pay, 0 where its items are voted down; mean over "
               "draws",
               en="Cost per household", zh="户均出资"),
        Metric("p_built", "share", "Share of draws in which every decision the household "
               "votes on or pays for goes ahead for it",
               en="Probability built", zh="实施概率"),
        Metric("cost_if_built_cny", "CNY/household", "cost_per_household_cny over the draws "
               "where its items are built only", "they are never built",
               en="Cost per household if built", zh="实施时户均出资", undefined_zh="从未实施"),
        Metric("loan_payment_per_month_cny", "CNY/month", "Monthly payment of a household "
               "borrowing its whole amount at the loan's rate and term; mean over draws",
               en="Loan payment per month", zh="贷款月供"),
    ],
    ("channels", ("channel",)): [
        Metric("takeup", "share", "Share of paying households using the channel (cash: the "
               "rest)",
               en="Take-up", zh="使用比例"),
        Metric("amount_cny", "CNY", "What the households pay through the channel (repairs "
               "fund capped at its balance, provident fund at the cap per owner; the excess "
               "in cash); mean over draws",
               en="Amount", zh="金额"),
        Metric("share", "share", "amount_cny / the residents' total",
               en="Share", zh="占比"),
    ],
}.items()}
"""Columns of the households' tables: ``Result.decisions()``, ``Result.households()`` and
``Result.channels()`` (scenarios with a ``households`` section)."""


INSTRUMENT_METRICS: dict[str, Output] = {o.name: o for i in _REGISTERED.values()
                                         for o in i.metrics}
"""Per-draw metrics of the financing instruments, by pattern ``<instrument>[<label>].<metric>``
(``<label>`` is the funding rule's label), declared by each instrument
(:attr:`Instrument.metrics`): they join ``Result.metrics`` in scenarios that use it."""

FUND_METRICS: dict[str, Output] = _declare([
    # the long-term repairs fund (scenarios with a repairs_fund section):
    # fundmodel.engine.repairs_fund, docs/repairs-fund.md
    Metric("fund_first_deposit", "CNY", "First deposit paid by the residents at the end of "
           "year 0: floor area × share of construction cost × cost per m² (or per m²); 0 "
           "without one",
           en="First deposit to the repairs fund", zh="首期维修资金"),
    Metric("fund_balance_final", "CNY", "Repairs fund balance at the end of the horizon "
           "(year T), after top-ups",
           en="Repairs fund at the horizon", zh="期末维修资金余额"),
    Metric("fund_balance_min", "CNY", "Lowest year-end balance of the repairs fund over "
           "years 1..T, after top-ups (accounts per building: the lowest of any building's "
           "account in any year)",
           en="Lowest repairs fund balance", zh="维修资金最低余额"),
    Metric("fund_negative_years", "years", "Years whose year-end fund balance is below 0 "
           "(accounts per building: years in which some building's balance is)",
           en="Years with a negative repairs fund", zh="维修资金为负年数"),
    Metric("fund_top_up_total", "CNY", "Sum of the residents' top-ups over years 1..T",
           en="Top-ups, total", zh="续筹合计"),
    Metric("fund_top_up_max_year", "CNY/year", "Largest top-up of a single year",
           en="Largest top-up in a year", zh="单年最大续筹"),
    Metric("fund_first_top_up_year", "year", "First operating year with a top-up",
           "no year needs a top-up (or the fund has no top-up rule)",
           en="First year with a top-up", zh="首次续筹年", undefined_zh="没有年份需要续筹（或未设续筹规则）"),
    Metric("percent_funded_final", "share", "Year-end balance of year T / the fully funded "
           "balance at the start of year T + 1",
           "the fully funded balance is 0 (no component, or every one new then)",
           en="Percent funded at the horizon", zh="期末资金充足率", undefined_zh="充足余额为0（没有部件，或部件届时均为新）"),
    Metric("level_contribution_baseline_per_m2", "CNY/m²/year", "Least level contribution "
           "(year 1, growing by contribution_growth) keeping every year-end balance ≥ 0, "
           "top-ups off, in closed form",
           en="Level contribution, baseline", zh="基准年缴存标准"),
    Metric("level_contribution_threshold_per_m2", "CNY/m²/year", "Least level contribution "
           "keeping every year-end balance ≥ the threshold floor (an amount, p × the fully "
           "funded balance, or by default the top-up trigger), top-ups off",
           en="Level contribution, threshold", zh="阈值年缴存标准"),
    Metric("level_contribution_full_per_m2", "CNY/m²/year", "Least level contribution "
           "bringing the fund to 100 % funded at the horizon (balance at the end of year T ≥ "
           "the fully funded balance at the start of year T + 1) while keeping every year-end "
           "balance ≥ 0 (so at least the baseline's), top-ups off",
           en="Level contribution, fully funded", zh="充足年缴存标准"),
    Metric("component_residual_value", "CNY", "Σ cost at year T + 1 prices × remaining life "
           "at the end of year T / useful life: what the components' remaining lives are "
           "worth at the horizon",
           en="Residual value of components", zh="部件残值"),
    Metric("fund_expenditure_pv", "CNY", "Life-cycle cost of the replacements: Σ_t E_t × "
           "SPV(d, y_t), d the nominal discount rate, y_t the year index (NIST Handbook 135)",
           en="Replacements, present value", zh="更新支出现值"),
    Metric("fund_contributions_pv", "CNY", "Present value of the level contributions: c × "
           "floor area × UPV*(d, g, T) / (1 + g) × SPV(d, y_0), g their growth (NIST "
           "Handbook 135's escalating series)",
           en="Contributions, present value", zh="缴存现值"),
], _DRAW, "quantiles")
"""Per-draw metrics of the long-term repairs fund, only in scenarios with a ``repairs_fund``
section (scenarios without one keep exactly their metric set)."""

FUND_BUILDING_METRICS: dict[str, Output] = _declare([
    # accounts per building (repairs_fund.accounts: building, 分幢核算)
    Metric("fund_buildings_short", "buildings", "Buildings whose own account's year-end "
           "balance is below 0 in some year of 1..T",
           en="Buildings with a negative repairs fund", zh="维修资金出现负值的楼栋数"),
    Metric("fund_buildings_topped_up", "buildings", "Buildings whose owners top their account "
           "up in some year of 1..T",
           en="Buildings topping up their repairs fund", zh="续筹维修资金的楼栋数"),
], _DRAW, "quantiles")
"""Per-draw metrics of a repairs fund kept per building (``accounts: building``), only in
such scenarios; with several accounts the :data:`FUND_METRICS` are the compound's: sums over
the buildings for flows and balances, ``fund_balance_min`` the least balance of any building in
any year, ``fund_negative_years`` the years in which some building is below 0, the level
contributions the largest of the buildings'."""

FUND_LINES: dict[str, Output] = _declare([
    Metric("fund_deposits", "CNY/year", "Level contributions into the repairs fund (year "
           "end): contribution per m² × floor area × (1 + growth)^(t − 1)",
           en="Repairs fund deposits", zh="维修资金缴存"),
    Metric("fund_interest", "CNY/year", "Interest credited at year end: rate × the balance "
           "at the start of the year",
           en="Repairs fund interest", zh="维修资金利息"),
    Metric("fund_expenditure", "CNY/year", "Component replacements paid by the fund (year "
           "end), at that year's prices (the year by the fund's convention)",
           en="Repairs fund expenditure", zh="维修资金支出"),
    Metric("fund_top_up", "CNY/year", "Residents' top-ups when the year-end balance falls "
           "below the trigger",
           en="Repairs fund top-up", zh="维修资金续筹"),
    Metric("fund_balance", "CNY", "Repairs fund balance at the end of the year",
           en="Repairs fund balance", zh="维修资金余额"),
    Metric("fully_funded_balance", "CNY", "Fully funded balance at the start of the year: "
           "Σ cost at that year's prices × age / useful life (reserve_study convention: "
           "before the year's replacements)",
           en="Fully funded balance", zh="充足余额"),
    Metric("percent_funded", "share", "Balance at the start of the year / "
           "fully_funded_balance", "the fully funded balance is 0 that year",
           en="Percent funded", zh="资金充足率", undefined_zh="当年充足余额为0"),
], _YEARLY, "mean")
"""Yearly lines of the long-term repairs fund, only in scenarios with a ``repairs_fund``
section."""


PORTFOLIO_METRICS: dict[str, Output] = _declare([
    # the district (fundmodel.portfolio: PortfolioResult.compounds and .district)
    Output("operating_subsidy_pv", "CNY", "What the compound's operations need from a subsidy "
           "over the horizon, in present value: max(−npv_operations, 0)",
           en="Operating subsidy, present value", zh="运营补贴现值"),
], ("draw", "compound"), "quantiles")
"""Per-draw metrics of the district's compounds that a single compound's run does not report
(the others are :data:`METRICS`)."""

TABLE_COLUMNS: dict[str, Output] = _declare([
    # the result tables' columns that are not metrics: Result.funding(), items(), parties(),
    # government(), fiscal(), debt(), probabilities()
    Output("offered", "CNY", "What a funding rule would give, before what is left to fund "
           "limits it (Result.funding())",
           en="Offered", zh="承诺金额", axes=("label",)),
    Output("amount", "CNY", "What a funding rule pays (Result.funding()), what a ledger "
           "line carries in a year (Result.cashflows()); means over the "
           "draws",
           en="Amount", zh="金额", axes=("label",)),
    Output("share_of_cost", "share", "amount / the renovation cost (Result.funding())",
           en="Share of cost", zh="占总投资比例", axes=("label",)),
    Output("per_household", "CNY/household", "amount / households (Result.funding())",
           en="Per household", zh="户均", axes=("label",)),
    Output("unit_cost", "CNY/unit", "An item's cost per unit of its quantity (Result.items())",
           en="Unit cost", zh="单价", axes=("item",)),
    Output("cost", "CNY", "An item's cost: quantity × unit_cost × (1 + contingency) "
           "(Result.items())",
           en="Cost", zh="造价", axes=("item",)),
    Output("paid", "CNY", "What a party pays over the whole life, all lines and years "
           "(Result.parties())",
           en="Paid", zh="支出", axes=("party",)),
    Output("received", "CNY", "What a party receives over the whole life (Result.parties())",
           en="Received", zh="收入", axes=("party",)),
    Output("net", "CNY", "received − paid (Result.parties())",
           en="Net", zh="净额", axes=("party",)),
    Output("npv_net", "CNY", "Present value of a party's net flows at the nominal discount "
           "rate, to the first construction year (Result.parties())",
           en="Net present value", zh="净现值", axes=("party",)),
    Output("paid_per_household", "CNY/household", "paid / households (Result.parties())",
           en="Paid per household", zh="户均支出", axes=("party",)),
    Output("received_per_household", "CNY/household", "received / households (Result.parties())",
           en="Received per household", zh="户均收入", axes=("party",)),
    Output("total", "CNY", "The outlay of the levels of government and the bridge in the "
           "year, the state firms' transfer funds not included "
           "(Result.government())",
           en="Total", zh="合计", axes=("calendar_year",)),
    Output("subsidies", "CNY", "What the counted levels of government pay in the year: grants "
           "and operating payments (Result.fiscal())",
           en="Subsidies", zh="补助支出", axes=("calendar_year",),
           short="subsidies"),
    Output("debt_service", "CNY", "Interest and principal the government bears in the year "
           "(Result.fiscal()); interest + principal of a debt "
           "(Result.debt())",
           en="Debt service", zh="还本付息", axes=("calendar_year",),
           short="debt service"),
    Output("guarantee_calls", "CNY", "What the government pays as guarantor in the year "
           "(Result.fiscal())",
           en="Guarantee calls", zh="担保代偿", axes=("calendar_year",),
           short="guarantees"),
    Output("revenue_received", "CNY", "Pledged revenue remitted to the government in the year "
           "(Result.fiscal())",
           en="Revenue received", zh="收入上缴", axes=("calendar_year",),
           short="revenue in"),
    Output("net_commitment", "CNY", "subsidies + bridge + debt_service + guarantee_calls − "
           "revenue_received (Result.fiscal())",
           en="Net commitment", zh="净支出责任", axes=("calendar_year",),
           short="net"),
    Output("discounted", "CNY", "net_commitment discounted at the nominal rate to the first "
           "construction year (Result.fiscal())",
           en="Discounted", zh="折现值", axes=("calendar_year",)),
    Output("budget", "CNY", "The level's general budget in the year (Result.fiscal(), with "
           "a fiscal section)",
           en="Budget", zh="一般公共预算", axes=("calendar_year",)),
    Output("budget_share", "share", "net_commitment / budget (Result.fiscal(), with a fiscal "
           "section)",
           en="Share of the budget", zh="占预算比例", axes=("calendar_year",),
           short="of budget"),
    Output("interest", "CNY", "Interest of a debt in the operating year (Result.debt())",
           en="Interest", zh="利息", axes=("debt", "operating_year")),
    Output("principal", "CNY", "Principal repaid in the operating year (Result.debt())",
           en="Principal", zh="本金", axes=("debt", "operating_year")),
    Output("balance", "CNY", "Principal outstanding at the start of the operating year "
           "(Result.debt())",
           en="Balance", zh="余额", axes=("debt", "operating_year")),
    Output("pledged_revenue", "CNY", "The pledged lines, each times its share (Result.debt())",
           en="Pledged revenue", zh="质押收入", axes=("debt", "operating_year")),
    Output("cfads", "CNY", "Cash flow available for debt service: pledged_revenue less the "
           "pledged costs (Result.debt())",
           en="Cash flow for debt service", zh="可偿债现金流",
           axes=("debt", "operating_year")),
    Output("dscr", "ratio", "cfads / debt_service, of the means over the draws; NaN without "
           "debt service (Result.debt())",
           en="DSCR", zh="偿债覆盖率", axes=("debt", "operating_year")),
    Output("probability", "share", "A 0/1 metric's mean over the draws: the probability of its "
           "question (Result.probabilities())",
           en="Probability", zh="概率", axes=("metric",)),
    # the columns of items() and fiscal() the workbook formats by their units (issue 20)
    Output("quantity", "", "An item's quantity, in the item's own unit (its column unit) "
           "(Result.items())",
           en="Quantity", zh="工程量", axes=("item",)),
    Output("contingency", "share", "An item's contingency: its own, else the renovation's "
           "(Result.items())",
           en="Contingency", zh="不可预见费率", axes=("item",)),
    Output("bridge", "CNY", "The city or district treasury's bridge of grants paid in "
           "instalments in the year: + advanced, − repaid (Result.government(), "
           "Result.fiscal())",
           en="Bridge financing", zh="过桥资金", axes=("calendar_year",)),
    Output("soe", "CNY", "What the state firms pay as \"三供一业\" transfer funds in the year, "
           "outside the government's total (Result.government(), Result.fiscal())",
           en="State-owned enterprises", zh="国有企业", axes=("calendar_year",)),
    Output("pv_commitments", "CNY", "Present value of the net commitments at the nominal "
           "discount rate, to the first construction year (Result.fiscal().attrs)",
           en="Present value of commitments", zh="支出责任现值", axes=("row",)),
    # the district's phased plan and its budget use (fundmodel.portfolio.plan_portfolio)
    Output("start_year", "year", "The first year of the works: the scenario's start_year; "
           "a compound's year of start in the district's plan",
           en="First year of works", zh="开工年份", axes=("id",)),
    Output("end_year", "year", "The year a compound's works are complete in the district's "
           "plan",
           en="Completion year", zh="完工年份", axes=("id",)),
    Output("weight", "", "A compound's priority weight in the district's plan (higher: "
           "earlier)",
           en="Priority weight", zh="优先权重", axes=("id",)),
    Output("reward_cny", "CNY", "A compound's performance rewards (奖补, portfolio.rewards): "
           "households × the amount per household of each reward whose deadline its works "
           "meet, paid the year after they end",
           en="Performance reward", zh="奖补资金", axes=("id",)),
    Output("overrun_probability", "share", "Share of the draws in which a level's outlay "
           "exceeds its budget in the year (the district's plan)",
           en="P(budget overrun)", zh="超预算概率", axes=("level", "calendar_year")),
], ("row",), "mean")
"""The columns of the result tables that are not metrics or lines, with their units (the
headers' and the workbook's formats: :func:`fundmodel.labels.header`)."""

DECLARED_INSTRUMENTS: dict[str, Instrument] = _REGISTERED
"""Every funding instrument's declaration (:mod:`fundmodel.catalog.instruments`), by name, in
the order they run."""

INSTRUMENTS: dict[str, tuple[str, str]] = {name: (i.en, i.zh) for name, i in _REGISTERED.items()
                                           if i.en}
"""The instruments that name their outputs ``<instrument>[<label>].<part>``, with their en and
zh labels (put before the part's label)."""

FIELD_LABELS: dict[str, tuple[str, str]] = {name: label for i in _REGISTERED.values()
                                           for name, label in i.fields.items()}
"""en and zh labels of the instruments' own scenario fields."""

SOURCE_LABELS: dict[str, tuple[str, str]] = {source: label for i in _REGISTERED.values()
                                            for source, label in i.sources.items()}
"""The ``source`` keys of the funding rules, with their en and zh labels, in registry order."""

KINDS: dict[str, Kind] = {**_OWN_KINDS, **{k.name: k for i in _REGISTERED.values()
                                           for k in i.kinds}}
"""Every kind of flow on the ledger: the model's own and the instruments'."""

_GOVERNMENT = GOVERNMENT_LEVELS
_FUNDERS = (*GOVERNMENT_LEVELS, "soe", "utilities", "residents", "donors", "investor", "lender",
            "bundled_project", "unfunded")
_INCOME_PAYERS = ("users", "residents", "donors", "soe", *reversed(GOVERNMENT_LEVELS))

LEDGER_LINES: dict[str, Output] = _declare([
    # the renovation (engine/model.py, engine/instruments/*)
    Output("works[<name>]", "CNY/year", "What an item of the renovation costs in each "
           "construction year (its cost with contingency by its schedule)",
           en="Works: {name}", zh="改造工程：{name}", payers=("project",),
           payees=("contractors",), kind="capital"),
    Output("funding[<name>]", "CNY/year", "What a funding rule (by its label) applies to the "
           "renovation in each construction year; funding[gap] is what no rule covers; of "
           "kind capital, or of a kind of value given, not cash, that an instrument declares",
           en="Funding: {name}", zh="资金来源：{name}", payers=_FUNDERS, payees=("project",),
           kind=""),
    Output("bridge", "CNY/year", "The city or district's bridge financing of subsidies "
           "paid later than the works (advanced, then repaid by the later instalments)",
           en="Bridge financing", zh="过桥资金", payers=("city_district_government",),
           payees=("project",), kind="financing", short="bridge"),
    Output("residents[<name>]", "CNY/year", "The residents' payment channels other than "
           "cash: drawn from the repairs fund or the provident fund, a bank loan, and its "
           "repayments (residents[loan_repayment])",
           en="Residents: {name}", zh="居民出资：{name}",
           payers=("repairs_fund", "provident_fund", "lender", "residents"),
           payees=("residents", "lender"), kind=""),
    # the operation (engine/model.py, engine/operations.py)
    Output("property_fee", "CNY/year", "The property fee the residents pay the operator "
           "(property_fee_income of the operating statement)",
           en="Property fee", zh="物业费", payers=("residents",), payees=("operator",),
           kind="operating"),
    Output("income[<name>]", "CNY/year", "An income line of the operation, paid by its "
           "payer (users by default) to the operator, or to the owners' account (paid_to: "
           "compound_account)", en="Income: {name}", zh="收入：{name}",
           payers=_INCOME_PAYERS, payees=("operator", "compound_account"), kind="operating"),
    Output("owners_account.top_up", "CNY/year", "The owners' account's top-up of the "
           "operating account's deficit of the year", en="Top-up from the owners' account",
           zh="公共收益补贴运营", payers=("compound_account",), payees=("operator",),
           kind="operating"),
    Output("owners_account.to_repairs_fund", "CNY/year", "What the owners' account pays into "
           "the repairs fund", en="Owners' account to the repairs fund",
           zh="公共收益转入维修资金", payers=("compound_account",), payees=("repairs_fund",),
           kind="reserve"),
    Output("menu[<name>]", "CNY/year", "What the households taking up a menu package pay",
           en="Menu service: {name}", zh="菜单式服务：{name}", payers=("residents",),
           payees=("operator",), kind="operating"),
    Output("cost[<name>]", "CNY/year", "A cost line of the operation",
           en="Cost: {name}", zh="成本：{name}", payers=("operator",), payees=("suppliers",),
           kind="operating"),
    Output("menu_cost[<name>]", "CNY/year", "The cost of a menu package",
           en="Menu service cost: {name}", zh="菜单式服务成本：{name}", payers=("operator",),
           payees=("suppliers",), kind="operating"),
    Output("device[<name>]", "CNY/year", "The platform fee of smart devices",
           en="Device platform fee: {name}", zh="智能设备平台费：{name}", payers=("operator",),
           payees=("suppliers",), kind="operating"),
    Output("management_margin", "CNY/year", "The operator's management margin on the direct "
           "cost", en="Management margin", zh="管理酬金", payers=("operator",),
           payees=("suppliers",), kind="operating"),
    Output("vat", "CNY/year", "VAT in the fee income", en="VAT", zh="增值税",
           payers=("operator",), payees=("tax_authority",), kind="operating"),
    Output("fallback_subsidy", "CNY/year", "What the fallback payer pays the operating "
           "account in the year", en="Fallback subsidy", zh="兜底补贴",
           payers=("street_community", "city_district_government"), payees=("operator",),
           kind="operating"),
    # the long-term repairs fund (engine/repairs_fund.py)
    Output("repairs_fund.first_deposit", "CNY/year", "The residents' first deposit into the "
           "repairs fund", en="First deposit to the repairs fund", zh="首期维修资金",
           payers=("residents",), payees=("repairs_fund",), kind="reserve"),
    Output("repairs_fund.contributions", "CNY/year", "The residents' level contributions "
           "into the repairs fund", en="Repairs fund deposits", zh="维修资金缴存",
           payers=("residents",), payees=("repairs_fund",), kind="reserve"),
    Output("repairs_fund.interest", "CNY/year", "Interest the deposit bank credits to the "
           "repairs fund", en="Repairs fund interest", zh="维修资金利息",
           payers=("deposit_bank",), payees=("repairs_fund",), kind="reserve"),
    Output("repairs_fund.top_up", "CNY/year", "The residents' top-ups of the repairs fund",
           en="Repairs fund top-up", zh="维修资金续筹", payers=("residents",),
           payees=("repairs_fund",), kind="reserve"),
    Output("repairs_fund.replacement[<name>]", "CNY/year", "A component's replacement paid "
           "by the repairs fund", en="Replacement: {name}", zh="维修资金更新：{name}",
           payers=("repairs_fund",), payees=("contractors",), kind="reserve"),
], _YEARLY, "mean") | {o.name: o for i in _REGISTERED.values() for o in i.lines}
"""Every line the engine writes on the ledger (:class:`fundmodel.engine.ledger.LedgerLine`),
by name or pattern (``<name>``: a user's name, ``<label>``: a funding rule's label), with the
parties that may pay and receive it and its kind ('' where it varies: the residents'
channels are capital, their loan financing). A test runs every shipped scenario and fails on a
line not declared here."""

_LEDGER_PATTERN = re.compile(r"^(?P<kind>[a-z_]+(?:\.[a-z_]+)?)\[(?P<label>.+?)\]"
                             r"(?:\.(?P<part>[a-z_]+)(?:\[(?P<name>.+)\])?)?$", re.DOTALL)


def ledger_line(name: str) -> Output | None:
    """The declaration of ledger line ``name`` (``works[roof]`` → ``works[<name>]``), None if
    none declares it."""
    if name in LEDGER_LINES:
        return LEDGER_LINES[name]
    match = _LEDGER_PATTERN.match(name)
    if match is None:
        return None
    kind, part, inner = match.group("kind", "part", "name")
    key = (f"{kind}[<name>]" if part is None else f"{kind}[<label>].{part}" if inner is None
           else f"{kind}[<label>].{part}[<name>]")
    return LEDGER_LINES.get(key)



def instrument_metric(name: str) -> Output | None:
    """The declaration of a financing instrument's metric (:data:`INSTRUMENT_METRICS`:
    ``debt[bond].min_dscr`` → ``debt[<label>].min_dscr``, or ``coverage_all_debts``), None
    for another name."""
    if name in INSTRUMENT_METRICS:
        return INSTRUMENT_METRICS[name]
    match = _LEDGER_PATTERN.match(name) if isinstance(name, str) else None
    if match is None or match.group("name") is not None or match.group("kind") not in INSTRUMENTS:
        return None
    return INSTRUMENT_METRICS.get(f"{match.group('kind')}[<label>].{match.group('part')}")

def instrument_metric_names(rules) -> list[str]:
    """The per-draw metrics the instruments give for funding rules ``(source, label)`` or
    ``(source, label, terms)`` (in the scenario's order; ``terms``: the optional terms the rule
    gives, for the metrics declared ``when`` one is given — none without), in the order a run
    gives them: instrument by instrument (in registry order), each rule's
    ``<instrument>[<label>].<metric>`` in declaration order, then the instrument's metrics of
    all its rules together (``coverage_all_debts``)."""
    rules = [(rule[0], rule[1], frozenset(rule[2]) if len(rule) > 2 else frozenset())
             for rule in rules]
    names: list[str] = []
    for instrument in _REGISTERED.values():
        mine = [(label, terms) for source, label, terms in rules
                if source in instrument.sources]
        if not mine:
            continue
        own = [m for m in instrument.metrics if "<label>" in m.name]
        names += [m.name.replace("<label>", label) for label, terms in mine for m in own
                  if not m.when or terms & set(m.when)]
        names += [m.name for m in instrument.metrics if "<label>" not in m.name]
    return names


def programme_metric_names(rules) -> list[str]:
    """The per-draw metrics of the pooled funding rules among ``rules`` ``(source, label,
    pooled)`` that are the package's own — the same for every member compound (its DSCR,
    cover, NPV, IRR...) — in the order a run gives them; each member's part of it
    (:attr:`Instrument.pooled_share`: a debt's ``amount``) is left out. A rule may be
    ``(source, label, pooled, terms)``, ``terms`` as in :func:`instrument_metric_names`."""
    pooled = [(rule[0], rule[1], *rule[3:]) for rule in rules if rule[2]]
    prefixes, shares = set(), set()
    for instrument in _REGISTERED.values():
        for source, label, *_ in pooled:
            if source in instrument.sources:
                prefixes.add(f"{instrument.name}[{label}].")
                shares.add(instrument.pooled_share.replace("<label>", label))
    return [name for name in instrument_metric_names(pooled)
            if name not in shares and any(name.startswith(p) for p in prefixes)]


def probabilities() -> dict[str, Output]:
    """The metrics summarised as a probability (their means answer a question), in order."""
    return {n: m for n, m in METRICS.items() if m.summary == "probability"}


_INSTRUMENT_METRIC = re.compile(r"^(\w+)\[(.+)\]\.(\w+)$", re.DOTALL)

_LINE_NAME = re.compile(
    "^(" + "|".join(re.escape(name[:-len("[<name>]")]) for name in LINE_PATTERNS) + r")\[(.+)\]$",
    re.DOTALL)


def metric_pattern(name: str) -> Output | None:
    """The declaration of a metric named after an item (:data:`METRIC_PATTERNS`:
    ``built_share[lift]`` → ``built_share[<name>]``), None for another name."""
    if not isinstance(name, str) or "[" not in name or not name.endswith("]"):
        return None
    return METRIC_PATTERNS.get(name[:name.index("[")] + "[<name>]")


def known_names() -> list[str]:
    """Every fixed name :func:`lookup` knows, with the two per-line patterns."""
    households = dict.fromkeys(c for t in HOUSEHOLD_TABLES.values() for c in t)
    return [*METRICS, *METRIC_PATTERNS, *YEARLY_LINES, *LINE_PATTERNS, *YEARLY_COLUMNS,
            *households,
            *INSTRUMENT_METRICS, *FUND_METRICS, *FUND_BUILDING_METRICS, *FUND_LINES,
            *PORTFOLIO_METRICS]


def lookup(name: str) -> Metric:
    """The :class:`Metric` entry of a metric, yearly line or yearly column.

    ``income[parking]`` or ``cost[security guards]`` (any line name) is described by its pattern
    ``income[<name>]`` / ``cost[<name>]`` with the line's name filled in.

    Raises
    ------
    KeyError
        If no metric or yearly line has that name (the message suggests close names).
    """
    for table in (METRICS, YEARLY_LINES, LINE_PATTERNS, YEARLY_COLUMNS, FUND_METRICS,
                  FUND_BUILDING_METRICS, FUND_LINES, INSTRUMENT_METRICS, *HOUSEHOLD_TABLES.values(),
                  PORTFOLIO_METRICS):
        if name in table:
            return table[name]
    match = _INSTRUMENT_METRIC.match(name) if isinstance(name, str) else None
    if match:
        instrument, label, metric = match.groups()
        pattern = INSTRUMENT_METRICS.get(f"{instrument}[<label>].{metric}")
        if pattern is not None:
            return Metric(name, pattern.unit, f"{pattern.description} (here {label!r})",
                          pattern.undefined_when)
    match = _LINE_NAME.match(name) if isinstance(name, str) else None
    if match:
        kind, line = match.groups()
        pattern = LINE_PATTERNS[f"{kind}[<name>]"]
        return Metric(name, pattern.unit, f"{pattern.description} (here the line {line!r})",
                      pattern.undefined_when)
    pattern = metric_pattern(name)
    if pattern is not None:
        return replace(pattern, name=name)
    close = difflib.get_close_matches(str(name), known_names(), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"no metric or yearly line is named {name!r}{hint}")


def declaration(name: str) -> Output:
    """The declaration of any output: a metric, yearly line or column, households' column
    (:func:`lookup`), a ledger line (:func:`ledger_line`: ``works[roof]`` → ``works[<name>]``)
    or a result table's column (:data:`TABLE_COLUMNS`).

    Raises
    ------
    KeyError
        If nothing declares ``name`` (the message suggests close names).
    """
    try:
        return lookup(name)
    except KeyError:
        found = ledger_line(name) if isinstance(name, str) else None
        if found is None:
            found = TABLE_COLUMNS.get(name)
        if found is None:
            raise
        return found
