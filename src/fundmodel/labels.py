"""The Chinese and English label of every name fundmodel reports, in one catalogue.

Identifiers (``funding_gap``, ``income[parking]``, ``central_government``) are the public
contract of the tables and files; labels are what a reader sees: ``Funding gap`` / ``资金缺口``.
Every metric, yearly line, ledger line, party, funding source, table column and unit of
:mod:`fundmodel.catalog` and the result tables has both (a test checks it). Names that carry a
user's own name (``income[<name>]``, ``investor[<label>].npv``) are labelled by pattern, with
the user's name kept as written.

>>> label("funding_gap", "zh")
'资金缺口'
>>> header("breakeven_fee_rate", "zh")
'保本物业费（元/m²/月）'
>>> label("income[parking]", "zh")
'收入：parking'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["LANGS", "Label", "NAMES", "PATTERNS", "COLUMNS", "PARTIES", "SOURCES", "VALUES",
           "UNITS", "check_lang", "label", "unit", "header", "describe_unit", "localize",
           "has_label", "quantile_label"]

LANGS = ("en", "zh")
"""Languages of the labels: English and Simplified Chinese."""


@dataclass(frozen=True)
class Label:
    """A name's label in English and in Chinese (format strings for patterns)."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _table(entries: Mapping[str, tuple[str, str]]) -> dict[str, Label]:
    return {name: Label(*pair) for name, pair in entries.items()}


NAMES: dict[str, Label] = _table({
    # per-draw metrics (catalog.METRICS)
    "capex_total": ("Renovation cost", "改造总投资"),
    "funding_total": ("Funding raised", "落实资金合计"),
    "funding_gap": ("Funding gap", "资金缺口"),
    "funding_gap_share": ("Gap as a share of cost", "资金缺口占比"),
    "has_funding_gap": ("Funding gap left", "存在资金缺口"),
    "government_cost": ("Government funding", "政府出资"),
    "resident_cost": ("Residents' contribution", "居民出资"),
    "government_cost_per_household": ("Government funding per household", "户均政府出资"),
    "resident_cost_per_household": ("Residents' contribution per household", "户均居民出资"),
    "funding_gap_per_household": ("Funding gap per household", "户均资金缺口"),
    "fee_income_first_year": ("Fee income, year 1", "首年物业费收入"),
    "operating_cost_first_year": ("Operating cost, year 1", "首年运营成本"),
    "operating_surplus_first_year": ("Operating surplus, year 1", "首年运营结余"),
    "operating_deficit_years": ("Years in operating deficit", "运营亏损年数"),
    "any_operating_deficit": ("Some year in operating deficit", "出现运营亏损"),
    "first_deficit_year": ("First year in deficit", "首个亏损年"),
    "cumulative_balance_final": ("Cumulative balance at the horizon", "期末累计结余"),
    "balance_negative_at_horizon": ("Cumulative balance negative at the horizon",
                                    "期末累计结余为负"),
    "npv_operations": ("NPV of the operations", "运营净现值"),
    "breakeven_fee_rate": ("Breakeven fee", "保本物业费"),
    "breakeven_fee_rate_first_year": ("Breakeven fee, year 1", "首年保本物业费"),
    "discount_rate_nominal": ("Nominal discount rate", "名义折现率"),
    "fallback_total": ("Fallback payments", "兜底补贴合计"),
    "fallback_years": ("Years with fallback payments", "兜底补贴年数"),
    "fallback_max_year": ("Largest fallback payment in a year", "单年最大兜底补贴"),
    "fallback_needed_max": ("Fallback cap needed", "所需兜底上限"),
    "cumulative_balance_min": ("Lowest cumulative balance", "累计结余最低值"),
    # yearly lines (catalog.YEARLY_LINES, YEARLY_COLUMNS)
    "property_fee_income": ("Property fee income", "物业费收入"),
    "other_income": ("Other income", "其他经营收入"),
    "total_income": ("Total income", "收入合计"),
    "direct_cost": ("Direct cost", "直接成本"),
    "management_margin": ("Management margin", "管理酬金"),
    "operating_cost": ("Operating cost", "运营成本"),
    "vat": ("VAT", "增值税"),
    "operating_surplus": ("Operating surplus", "运营结余"),
    "financing_net": ("Financing, net", "融资净流量"),
    "net_cash_flow": ("Net cash flow", "净现金流"),
    "fallback_subsidy": ("Fallback subsidy", "兜底补贴"),
    "cumulative_balance": ("Cumulative balance", "累计结余"),
    "discounted_surplus": ("Discounted surplus", "折现结余"),
    "calendar_year": ("Year", "年份"),
    # households' tables (catalog.HOUSEHOLD_TABLES)
    "households": ("Households", "户数"),
    "p_pass": ("Probability the vote passes", "表决通过概率"),
    "passed": ("Passes", "是否通过"),
    "mcse": ("Monte Carlo standard error", "蒙特卡洛标准误"),
    "wtp_threshold_cny": ("Willingness to pay needed", "通过所需支付意愿"),
    "wtp_threshold_defined": ("Share of draws with a threshold", "存在门槛的模拟占比"),
    "cost_per_household_cny": ("Cost per household", "户均出资"),
    "p_built": ("Probability built", "实施概率"),
    "cost_if_built_cny": ("Cost per household if built", "实施时户均出资"),
    "loan_payment_per_month_cny": ("Loan payment per month", "贷款月供"),
    "takeup": ("Take-up", "使用比例"),
    "amount_cny": ("Amount", "金额"),
    "share": ("Share", "占比"),
    # the repairs fund (catalog.FUND_METRICS, FUND_LINES)
    "fund_first_deposit": ("First deposit to the repairs fund", "首期维修资金"),
    "fund_balance_final": ("Repairs fund at the horizon", "期末维修资金余额"),
    "fund_balance_min": ("Lowest repairs fund balance", "维修资金最低余额"),
    "fund_negative_years": ("Years with a negative repairs fund", "维修资金为负年数"),
    "fund_top_up_total": ("Top-ups, total", "续筹合计"),
    "fund_top_up_max_year": ("Largest top-up in a year", "单年最大续筹"),
    "fund_first_top_up_year": ("First year with a top-up", "首次续筹年"),
    "percent_funded_final": ("Percent funded at the horizon", "期末资金充足率"),
    "level_contribution_baseline_per_m2": ("Level contribution, baseline", "基准年缴存标准"),
    "level_contribution_threshold_per_m2": ("Level contribution, threshold", "阈值年缴存标准"),
    "level_contribution_full_per_m2": ("Level contribution, fully funded", "充足年缴存标准"),
    "component_residual_value": ("Residual value of components", "部件残值"),
    "fund_expenditure_pv": ("Replacements, present value", "更新支出现值"),
    "fund_contributions_pv": ("Contributions, present value", "缴存现值"),
    "fund_deposits": ("Repairs fund deposits", "维修资金缴存"),
    "fund_interest": ("Repairs fund interest", "维修资金利息"),
    "fund_expenditure": ("Repairs fund expenditure", "维修资金支出"),
    "fund_top_up": ("Repairs fund top-up", "维修资金续筹"),
    "fund_balance": ("Repairs fund balance", "维修资金余额"),
    "fully_funded_balance": ("Fully funded balance", "充足余额"),
    "percent_funded": ("Percent funded", "资金充足率"),
    # ledger lines without a user's name
    "bridge": ("Bridge financing", "过桥资金"),
    "property_fee": ("Property fee", "物业费"),
    "repairs_fund.contributions": ("Repairs fund deposits", "维修资金缴存"),
    "repairs_fund.first_deposit": ("First deposit to the repairs fund", "首期维修资金"),
    "repairs_fund.interest": ("Repairs fund interest", "维修资金利息"),
    "repairs_fund.top_up": ("Repairs fund top-up", "维修资金续筹"),
})
"""Metrics, yearly lines, ledger lines and the households' columns."""

_INSTRUMENTS = {"investor": ("Investor", "社会资本"), "bundle": ("Bundle", "捆绑项目"),
                "debt": ("Debt", "债务")}

_INSTRUMENT_PARTS: dict[str, tuple[str, str]] = {
    "investment": ("investment", "投资额"), "worth": ("most it would pay", "可承受投资额"),
    "npv": ("NPV", "净现值"), "irr": ("IRR", "内部收益率"),
    "irr_reason": ("IRR status", "内部收益率状态"), "payback_year": ("payback year", "回收期"),
    "forgone": ("income forgone, PV", "让渡收益现值"),
    "below_hurdle": ("below its hurdle", "低于门槛收益率"),
    "transfer": ("transfer to the renovation", "反哺改造资金"),
    "coverage": ("coverage", "覆盖倍数"), "balances": ("balances", "收支平衡"),
    "minimum_scale": ("minimum scale", "最小规模"),
    "amount": ("amount lent", "借款额"), "capped": ("amount capped", "额度受限"),
    "min_dscr": ("lowest DSCR", "最低偿债覆盖率"), "avg_dscr": ("mean DSCR", "平均偿债覆盖率"),
    "min_dscr_year": ("year of the lowest DSCR", "最低偿债覆盖率年份"),
    "llcr": ("LLCR", "贷款期覆盖率"), "coverage_gross": ("gross coverage", "总覆盖倍数"),
    "coverage_net": ("net coverage", "净覆盖倍数"),
    "meets_coverage": ("meets its coverage", "满足覆盖要求"),
    "guarantee_call": ("guarantee calls", "担保代偿"),
    "shortfall_years": ("years short of debt service", "偿债缺口年数"),
    # ledger lines of the instruments
    "capital": ("capital", "投资支出"), "cost": ("cost", "成本"), "revenue": ("revenue", "收入"),
    "tax": ("tax", "税费"), "interest": ("interest", "利息"), "principal": ("principal", "本金"),
    "pledged_revenue": ("pledged revenue", "质押收入"),
}

PATTERNS: dict[str, Label] = _table({
    "income[<name>]": ("Income: {name}", "收入：{name}"),
    "cost[<name>]": ("Cost: {name}", "成本：{name}"),
    "menu[<name>]": ("Menu service: {name}", "菜单式服务：{name}"),
    "menu_cost[<name>]": ("Menu service cost: {name}", "菜单式服务成本：{name}"),
    "device[<name>]": ("Device platform fee: {name}", "智能设备平台费：{name}"),
    "works[<name>]": ("Works: {name}", "改造工程：{name}"),
    "funding[<name>]": ("Funding: {name}", "资金来源：{name}"),
    "residents[<name>]": ("Residents: {name}", "居民出资：{name}"),
    "repairs_fund.replacement[<name>]": ("Replacement: {name}", "维修资金更新：{name}"),
    **{f"{kind}[<label>].{part}": (f"{en} {{label}}: {part_en}", f"{zh}「{{label}}」{part_zh}")
       for kind, (en, zh) in _INSTRUMENTS.items()
       for part, (part_en, part_zh) in _INSTRUMENT_PARTS.items()},
    "investor[<label>].takes[<name>]": ("Investor {label} takes: {name}",
                                        "社会资本「{label}」取得收入：{name}"),
    "investor[<label>].revenue[<name>]": ("Investor {label} revenue: {name}",
                                          "社会资本「{label}」收入：{name}"),
    "investor[<label>].cost[<name>]": ("Investor {label} cost: {name}",
                                       "社会资本「{label}」成本：{name}"),
})
"""Names that carry a user's name or label: ``{name}`` / ``{label}`` is filled in."""

PARTIES: dict[str, Label] = _table({
    "central_government": ("Central government", "中央政府"),
    "provincial_government": ("Provincial government", "省级政府"),
    "city_district_government": ("City or district government", "市/区政府"),
    "street_community": ("Street office or community", "街道/社区"),
    "soe": ("State-owned enterprises", "国有企业"),
    "utilities": ("Utility companies", "专营单位"),
    "residents": ("Residents", "居民"),
    "donors": ("Donors", "捐赠方"),
    "operator": ("Property service operator", "物业服务方"),
    "compound_account": ("Compound's own account", "小区公共收益账户"),
    "project": ("Renovation project", "改造项目"),
    "contractors": ("Contractors", "施工单位"),
    "suppliers": ("Staff and suppliers", "人员与供应商"),
    "users": ("Users of services", "服务使用者"),
    "tax_authority": ("Tax authority", "税务机关"),
    "unfunded": ("Unfunded", "未落实"),
    "investor": ("Social capital", "社会资本"),
    "investors": ("Social capital", "社会资本"),
    "lender": ("Lenders", "贷款方"),
    "lenders": ("Lenders", "贷款方"),
    "bundled_project": ("Bundled project", "捆绑项目"),
    "repairs_fund": ("Repairs fund", "住宅专项维修资金"),
    "provident_fund": ("Housing provident fund", "住房公积金"),
    "deposit_bank": ("Deposit bank", "存款银行"),
    "government": ("Government", "政府"),
})
"""Parties on the ledger and payers of the funding table."""

SOURCES: dict[str, Label] = _table({
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
    "social_capital": ("Social capital", "社会资本"),
    "bundle": ("Bundled project", "捆绑项目"),
    "bank_loan": ("Bank loan", "银行贷款"),
    "special_bond": ("Special bond", "专项债券"),
    "top_up": ("Government top-up", "财政兜底"),
    "gap": ("Funding gap", "资金缺口"),
    "total": ("Total", "合计"),
})
"""Funding sources (the ``source`` of a funding rule), the gap and the total."""

VALUES: dict[str, Label] = _table({
    # kinds of flow (engine.ledger.KINDS)
    "capital": ("Capital", "建设投资"), "operating": ("Operating", "运营"),
    "financing": ("Financing", "融资"), "reserve": ("Repairs fund", "维修资金"),
    # tiers of works
    "basic": ("Basic", "基础类"), "complete": ("Complete", "完善类"),
    "upgrade": ("Upgrade", "提升类"),
})
"""Other identifiers that appear as values in tables: kinds of flow, tiers of works."""

COLUMNS: dict[str, Label] = _table({
    # summary()
    "metric": ("Metric", "指标"), "unit": ("Unit", "单位"), "mean": ("Mean", "均值"),
    "sd": ("Standard deviation", "标准差"), "min": ("Minimum", "最小值"),
    "max": ("Maximum", "最大值"), "n": ("Draws defined", "有效模拟次数"),
    "undefined": ("Draws undefined", "无定义模拟次数"), "draw": ("Draw", "模拟序号"),
    # probabilities()
    "question": ("Question", "问题"), "outcome": ("Outcome", "结果"),
    "probability": ("Probability", "概率"),
    # funding()
    "label": ("Funding rule", "资金来源"), "source": ("Source", "来源类型"),
    "payer": ("Payer", "出资方"), "offered": ("Offered", "承诺金额"),
    "amount": ("Amount", "金额"), "share_of_cost": ("Share of cost", "占总投资比例"),
    "per_household": ("Per household", "户均"),
    # items()
    "item": ("Item", "改造内容"), "tier": ("Tier", "类别"), "quantity": ("Quantity", "工程量"),
    "unit_cost": ("Unit cost", "单价"), "contingency": ("Contingency", "不可预见费率"),
    "cost": ("Cost", "造价"), "uncertain": ("Uncertain", "是否不确定"),
    # cashflows(), parties(), government()
    "year": ("Year index", "年序"), "line": ("Line", "科目"), "payee": ("Payee", "收款方"),
    "kind": ("Kind", "性质"), "party": ("Party", "主体"), "description": ("Description", "说明"),
    "paid": ("Paid", "支出"), "received": ("Received", "收入"), "net": ("Net", "净额"),
    "npv_net": ("Net present value", "净现值"),
    "paid_per_household": ("Paid per household", "户均支出"),
    "received_per_household": ("Received per household", "户均收入"),
    "total": ("Total", "合计"),
    # fiscal(), debt()
    "subsidies": ("Subsidies", "补助支出"), "debt_service": ("Debt service", "还本付息"),
    "guarantee_calls": ("Guarantee calls", "担保代偿"),
    "revenue_received": ("Revenue received", "收入上缴"),
    "net_commitment": ("Net commitment", "净支出责任"), "discounted": ("Discounted", "折现值"),
    "budget": ("Budget", "一般公共预算"), "budget_share": ("Share of the budget", "占预算比例"),
    "exceeds_ceiling": ("Exceeds the ceiling", "超出上限"),
    "debt": ("Debt", "债务"), "operating_year": ("Operating year", "运营年"),
    "interest": ("Interest", "利息"), "principal": ("Principal", "本金"),
    "balance": ("Balance", "余额"), "pledged_revenue": ("Pledged revenue", "质押收入"),
    "cfads": ("Cash flow for debt service", "可偿债现金流"),
    "dscr": ("DSCR", "偿债覆盖率"),
    # households' tables
    "decision": ("Decision", "表决事项"), "building": ("Building", "楼栋"),
    "floor": ("Floor", "楼层"), "channel": ("Channel", "出资渠道"),
    # sensitivity and comparisons
    "input": ("Input", "输入参数"), "low": ("Low", "低值"), "high": ("High", "高值"),
    "base": ("Base", "基准值"), "swing": ("Swing", "变动幅度"),
    "scenario": ("Scenario", "情景"), "lever": ("Lever", "措施"), "step": ("Step", "步骤"),
    "value": ("Value", "数值"), "statistic": ("Statistic", "统计量"),
    "change": ("Change", "变化"), "baseline": ("Baseline", "基准方案"),
})
"""Columns and index names of the result tables."""

UNITS: dict[str, Label] = _table({
    "CNY": ("CNY", "元"), "CNY/year": ("CNY/year", "元/年"),
    "CNY/household": ("CNY/household", "元/户"), "CNY/month": ("CNY/month", "元/月"),
    "CNY/m²/month": ("CNY/m²/month", "元/m²/月"), "CNY/m²/year": ("CNY/m²/year", "元/m²/年"),
    "CNY/household/month": ("CNY/household/month", "元/户/月"),
    "share": ("share", "比例"), "0/1": ("0/1", "0/1"), "years": ("years", "年"),
    "year": ("year", "年"), "per year": ("per year", "每年"), "rate": ("per year", "每年"),
    "code": ("code", "代码"), "ratio": ("ratio", "倍"), "units of scale": ("units of scale",
                                                                        "规模单位"),
    "households": ("households", "户"), "bool": ("yes/no", "是/否"), "": ("", ""),
})
"""Units of the catalogue (:mod:`fundmodel.catalog`)."""

_PATTERN = re.compile(r"^(?P<kind>[a-z_]+(?:\.[a-z_]+)?)\[(?P<label>.+?)\]"
                      r"(?:\.(?P<part>[a-z_]+)(?:\[(?P<name>.+)\])?)?$", re.DOTALL)
_QUANTILE = re.compile(r"^p(\d{1,2})$")
_TABLES = (NAMES, COLUMNS, PARTIES, SOURCES, VALUES)


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGS`; ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def quantile_label(name: str, lang: str) -> str | None:
    """``p5`` → ``P5`` / ``5%分位``; None if ``name`` is not a quantile column."""
    match = _QUANTILE.match(name)
    if match is None:
        return None
    return f"{match.group(1)}%分位" if lang == "zh" else f"P{match.group(1)}"


def _pattern_label(name: str, lang: str) -> str | None:
    match = _PATTERN.match(name)
    if match is None:
        return None
    kind, label_, part, inner = match.group("kind", "label", "part", "name")
    if part is None:
        key, fill = f"{kind}[<name>]", {"name": label_}
    elif inner is None:
        key, fill = f"{kind}[<label>].{part}", {"label": label_}
    else:
        key, fill = f"{kind}[<label>].{part}[<name>]", {"label": label_, "name": inner}
    pattern = PATTERNS.get(key)
    return None if pattern is None else pattern.get(lang).format(**fill)


def has_label(name: str) -> bool:
    """Whether the catalogue labels ``name`` (directly, by pattern or as a quantile)."""
    return (any(name in table for table in _TABLES) or _pattern_label(name, "en") is not None
            or quantile_label(name, "en") is not None)


def label(name: str, lang: str = "en", default: str | None = None) -> str:
    """The label of a metric, line, party, source, column or value in ``lang``.

    ``<line>:p5`` (a yearly band column) is the line's label with the quantile's. A name the
    catalogue does not know is returned as ``default`` if given, else as itself (a user's own
    name: an item, a funding rule's label).
    """
    check_lang(lang)
    for table in _TABLES:
        if name in table:
            return table[name].get(lang)
    found = _pattern_label(name, lang) or quantile_label(name, lang)
    if found is not None:
        return found
    if ":" in name:
        line, _, stat = name.rpartition(":")
        if has_label(line) and quantile_label(stat, lang):
            return f"{label(line, lang)} {quantile_label(stat, lang)}"
    return name if default is None else default


def unit(name: str, lang: str = "en") -> str:
    """A unit of the catalogue in ``lang`` (``CNY/year`` → ``元/年``); others unchanged."""
    check_lang(lang)
    found = UNITS.get(name)
    return name if found is None else found.get(lang)


def describe_unit(metric: str) -> str:
    """The catalogue's unit of a metric or line (:func:`fundmodel.catalog.lookup`), '' if
    it has none or is unknown."""
    from .catalog import lookup

    try:
        return lookup(metric).unit
    except KeyError:
        return ""


def header(name: str, lang: str = "en", unit_name: str | None = None) -> str:
    """A column header: the label with its unit, ``资金缺口（元）`` / ``Funding gap (CNY)``.

    ``unit_name`` defaults to the catalogue's unit of ``name``; no unit, no brackets.
    """
    text = label(name, lang)
    found = describe_unit(name.rpartition(":")[0] or name) if unit_name is None else unit_name
    if found in ("", "0/1", "bool", "code", "year"):
        return text
    shown = unit(found, lang)
    return f"{text}（{shown}）" if lang == "zh" else f"{text} ({shown})"


_VALUE_COLUMNS = ("source", "payer", "payee", "kind", "tier", "line", "unit", "party",
                  "metric", "input")


def _translate(values: Iterable, lang: str, units: bool = False) -> list:
    out = []
    for value in values:
        if isinstance(value, str):
            out.append(unit(value, lang) if units else label(value, lang))
        else:
            out.append(value)
    return out


def localize(frame: "pd.DataFrame", lang: str, *, units: bool = False) -> "pd.DataFrame":
    """A copy of a result table with labels in ``lang`` for its identifiers.

    Column names, index names and index values that the catalogue knows become their labels
    (with units, ``units=True``); so do the values of the columns ``source``, ``payer``,
    ``payee``, ``kind``, ``tier``, ``line``, ``party`` and ``metric``, and ``unit`` is
    translated. The numbers are not touched. A user's own names (items, funding labels) stay
    as written.
    """
    import pandas as pd

    check_lang(lang)
    out = frame.copy()
    for column in _VALUE_COLUMNS:
        if column in out.columns and not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = _translate(out[column], lang, units=column == "unit")
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_arrays(
            [_translate(out.index.get_level_values(k), lang) for k in range(out.index.nlevels)],
            names=[None if n is None else label(n, lang) for n in out.index.names])
    else:
        name = out.index.name
        out.index = pd.Index(_translate(out.index, lang),
                             name=None if name is None else label(name, lang))
    name_of = (lambda c: header(c, lang)) if units else (lambda c: label(c, lang))
    out.columns = [name_of(c) if isinstance(c, str) else c for c in out.columns]
    if "description" in frame.columns and "party" == frame.index.name and lang == "zh":
        out[label("description", lang)] = [label(p, lang) for p in frame.index]
    return out
