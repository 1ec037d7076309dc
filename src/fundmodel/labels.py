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

from . import catalog
from .catalog import tables as declared_tables

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["LANGS", "Label", "NAMES", "PATTERNS", "COLUMNS", "PARTIES", "SOURCES", "VALUES",
           "UNITS", "CHARTS", "check_lang", "label", "unit", "header", "describe_unit",
           "localize", "has_label", "quantile_label", "input_label", "field_unit",
           "undefined_when", "UNDEFINED_ZH", "QUESTIONS_ZH", "DESCRIPTIONS_ZH", "STATISTICS", "TEXT", "text",
           "relabel", "FIELDS", "NAMED", "field_label", "instrument_part",
           "DISTRICT_BOOK", "short_label", "MONEY_UNITS", "SUMS_OF_MONEY", "check_money_unit",
           "money_scale", "output_unit", "in_money_unit"]

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


def _declared_names() -> dict[str, Label]:
    """The labels of every output declared in :mod:`fundmodel.catalog` with a fixed name."""
    tables = (catalog.METRICS, catalog.INSTRUMENT_METRICS, catalog.YEARLY_LINES,
              catalog.YEARLY_COLUMNS, *catalog.HOUSEHOLD_TABLES.values(), catalog.FUND_METRICS,
              catalog.FUND_BUILDING_METRICS, catalog.FUND_LINES, catalog.LEDGER_LINES,
              catalog.PORTFOLIO_METRICS)
    return {name: Label(o.en, o.zh) for table in tables for name, o in table.items()
            if "<" not in name}


def _declared_table_label(name: str) -> Label | None:
    """The label of a declared output table (:data:`fundmodel.catalog.tables.TABLES`) or of
    one of its columns, read from the registry when asked (a table declared later is
    labelled too); None for another name."""
    table = declared_tables.TABLES.get(name)
    if table is not None:
        return Label(table.en, table.zh)
    column = declared_tables.table_columns().get(name)
    return None if column is None else Label(column.en, column.zh)


NAMES: dict[str, Label] = _declared_names() | _table({
    # scenario inputs (the report's assumptions, the drivers of a tornado)
    "horizon_years": ("Operating horizon", "运营测算期"),
    "discount_rate": ("Real discount rate", "实际折现率"),
    "inflation": ("Inflation", "通货膨胀率"),
    "floor_area_m2": ("Floor area", "建筑面积"), "buildings": ("Buildings", "楼栋数"),
    "storeys": ("Storeys", "层数"), "built_year": ("Year built", "建成年份"),
    "items": ("Items", "改造内容"), "tiers": ("Tiers", "类别"),
    "per_unit": ("Per unit", "按单位"), "per_m2": ("Per m²", "按面积"),
    "match_ratio": ("Match ratio", "配套比例"), "match_of": ("Matches", "配套对象"),
    "uptake": ("Uptake", "参与比例"), "cap": ("Cap", "上限"),
    "rate_per_m2_month": ("Fee rate", "物业费单价"),
    "per_household_month": ("Fee per household", "每户物业费"),
    "collection_rate": ("Collection rate", "收缴率"),
    "units": ("Units", "数量"), "price_per_month": ("Price per month", "月单价"),
    "occupancy": ("Occupancy", "使用率"), "per_year": ("Per year", "每年金额"),
    "total": ("Total over its years", "期间合计"), "profile": ("Profile by year", "分年比例"),
    "staff": ("Staff", "人数"), "wage_per_month": ("Wage per month", "月工资"),
    "on_cost": ("On-costs", "社保及附加"), "growth": ("Growth per year", "年增长率"),
    "vat_rate": ("VAT rate", "增值税率"),
    "opening_balance": ("Opening balance", "期初余额"),
    # the district (PortfolioResult, fundmodel district): compounds, district, outlay, plan,
    # budget, areas
    "id": ("Compound ID", "小区编号"), "name": ("Compound", "小区名称"),
    "street": ("Street", "街道"),
    "required": ("Required", "必须纳入"),
    "status": ("Programme status", "改造状态"),
    "level": ("Level of government", "政府层级"),
    "budget_cny": ("Budget", "预算额度"), "used_cny": ("Used", "已用额度"),
    "cluster": ("Service area", "服务片区"), "members": ("Member compounds", "所含小区"),
    "compounds": ("Compounds", "小区数"),
    "subsidy_standalone_cny": ("Subsidy, standalone", "单独服务补贴"),
    "subsidy_cny": ("Subsidy, shared", "片区共享服务补贴"),
    "breaks_even": ("Breaks even", "实现保本"),
    "merge_cost_cny": ("Cost of merging compounds", "合围并院费用"),
    "service_model_standalone": ("Service model, standalone", "单独服务模式"),
    "subsidy_crew_cny": ("Subsidy with a staffed crew", "驻场人员模式补贴"),
    "subsidy_per_job_cny": ("Subsidy paid per job", "按次收费模式补贴"),
    "cost_cny": ("Cost to government", "政府出资合计"),
    "cost_central_government_cny": ("Cost to the central government", "中央政府出资"),
    "cost_provincial_government_cny": ("Cost to the provincial government", "省级政府出资"),
    "cost_city_district_government_cny": ("Cost to the city or district", "市/区政府出资"),
    "cost_street_community_cny": ("Cost to the street or community", "街道/社区出资"),
})
"""Metrics, yearly lines, ledger lines, the households' columns (their labels are the
declarations' of :mod:`fundmodel.catalog`), scenario inputs and the district's columns."""

_INSTRUMENTS = catalog.INSTRUMENTS

_INSTRUMENT_OUTPUT = re.compile(r"^(\w+)\[<label>\]\.(\w+)$")


def _instrument_outputs() -> dict[str, "catalog.Output"]:
    """The instruments' declared outputs (metrics and ledger lines) named
    ``<instrument>[<label>].<part>``, by name."""
    return {name: o for table in (catalog.INSTRUMENT_METRICS, catalog.LEDGER_LINES)
            for name, o in table.items()
            if (m := _INSTRUMENT_OUTPUT.match(name)) and m.group(1) in _INSTRUMENTS}


_INSTRUMENT_PARTS: dict[str, tuple[str, str]] = {
    _INSTRUMENT_OUTPUT.match(name).group(2): (o.en, o.zh)
    for name, o in _instrument_outputs().items()}
"""The label of each part of an instrument's outputs (``npv`` → ``NPV`` / ``净现值``)."""

PATTERNS: dict[str, Label] = {
    **{name: Label(o.en, o.zh) for table in (catalog.LINE_PATTERNS, catalog.LEDGER_LINES,
                                             catalog.METRIC_PATTERNS)
       for name, o in table.items() if "<" in name and name not in _instrument_outputs()},
    **{name: Label(f"{_INSTRUMENTS[kind][0]} {{label}}: {o.en}",
                   f"{_INSTRUMENTS[kind][1]}「{{label}}」{o.zh}")
       for name, o in _instrument_outputs().items() for kind in [name.split("[")[0]]},
}
"""Names that carry a user's name or label: ``{name}`` / ``{label}`` is filled in."""

PARTIES: dict[str, Label] = {n: Label(p.en, p.zh) for n, p in catalog.PARTIES.items()}
"""Parties on the ledger and payers of the funding table (:data:`fundmodel.catalog.PARTIES`)."""

SOURCES: dict[str, Label] = _table({
    **catalog.SOURCE_LABELS,
    "gap": ("Funding gap", "资金缺口"),
    "total": ("Total", "合计"),
})
"""Funding sources (the ``source`` of a funding rule), the gap and the total."""

VALUES: dict[str, Label] = _table({
    # kinds of flow (catalog.KINDS: the model's and the instruments')
    **{name: (kind.en, kind.zh) for name, kind in catalog.KINDS.items()},
    # tiers of works
    "basic": ("Basic", "基础类"), "complete": ("Complete", "完善类"),
    "upgrade": ("Upgrade", "提升类"),
    # a compound's programme status (the compounds table's status column)
    "done": ("Done", "已完成"), "under_way": ("Under way", "在建"),
    "planned": ("Planned", "计划"),
    # distributions, samplers and kinds of run (the report's assumptions and run record)
    "normal": ("normal", "正态分布"), "lognormal": ("lognormal", "对数正态分布"),
    "uniform": ("uniform", "均匀分布"), "triangular": ("triangular", "三角分布"),
    "pert": ("PERT", "PERT分布"), "beta": ("beta", "贝塔分布"),
    "empirical": ("empirical", "经验分布"),
    "random": ("random", "简单随机抽样"), "lhs": ("Latin hypercube", "拉丁超立方抽样"),
    "sobol": ("Sobol sequence", "Sobol序列抽样"),
    "deterministic": ("deterministic", "确定性测算"), "monte_carlo": ("Monte Carlo", "蒙特卡洛模拟"),
    "median": ("median", "中位数"), "mode": ("mode", "众数"),
    # payment channels of the households (Result.channels(); repairs_fund and provident_fund
    # are parties)
    "cash": ("Cash", "现金"), "loan": ("Bank loan", "银行贷款"),
    # statistics of the tidy tables (yearly_bands: mean, p5 ...)
    "std": ("Standard deviation", "标准差"),
})
"""Other identifiers that appear as values in tables: kinds of flow, tiers of works."""

FIELDS: dict[str, Label] = _table({
    # scenario fields not named elsewhere in the catalogue (the report's assumptions, the
    # workbook's assumptions sheet): the top-level sections
    "title": ("Title", "标题"), "compound": ("Compound", "小区"),
    "renovation": ("Renovation", "改造"), "funding": ("Funding rules", "资金来源规则"),
    "operations": ("Operations", "运营"), "fiscal": ("Fiscal budget", "财政预算"),
    "simulation": ("Simulation", "模拟设置"), "portfolio": ("District", "片区"),
    "levers": ("Levers", "措施"),
    "shocks": ("Shocks", "压力测试情景"), "target": ("Acts on", "作用对象"),
    "money_unit": ("Unit of the sums of money", "金额单位"),
    "CNY": ("CNY", "元"), "万元": ("10,000 CNY", "万元"),
    "add": ("Shift", "增减"),
    # the compound and its buildings
    "chargeable_area_m2": ("Chargeable area", "计费面积"),
    "attributes": ("Other facts", "其他属性"), "condition_score": ("Condition score", "房屋状况评分"),
    "lifts_possible": ("Lifts possible", "可加装电梯"), "neighbourhood": ("Neighbourhood", "片区归属"),
    "tier_planned": ("Highest tier planned", "计划改造类别上限"),
    "x_km": ("East coordinate", "东向坐标"), "y_km": ("North coordinate", "北向坐标"),
    "floors": ("Floors", "楼层数"), "units_per_floor": ("Units per floor", "每层户数"),
    "area_per_unit_m2": ("Area per unit", "每户套内面积"),
    # renovation items
    "build_from": ("Works start", "开工年份"), "build_years": ("Years of works", "施工年数"),
    "schedule": ("Schedule", "分年实施比例"), "quantity_rule": ("Quantity rule", "工程量规则"),
    "per": ("Proportional to", "计量依据"), "factor": ("Factor", "系数"),
    "divide_by": ("Divided by", "除以"), "when": ("Only when", "实施条件"),
    # rules, items and lines that exist for some compounds only
    "applies_to": ("Applies to", "适用小区"),
    # funding rules (an instrument's own fields are in its declaration, catalog/instruments/)
    "cap_per_household": ("Cap per household", "户均上限"),
    "instalments": ("Instalments", "分年拨付比例"),
    "first_year": ("First year", "起始年"),
    "years": ("Years", "年数"),
    "rate": ("Interest rate", "利率"),
    **catalog.FIELD_LABELS,     # the instruments' own fields
    # households: payment channels, charges, votes
    "channels": ("Payment channels", "出资渠道"), "charges": ("Charges", "分摊项目"),
    "decisions": ("Decisions", "表决事项"),
    "loan_rate": ("Loan rate", "贷款利率"), "loan_term_years": ("Loan term", "贷款期限"),
    "provident_fund_cap_per_owner_cny": ("Provident fund cap per owner", "每户公积金提取上限"),
    "repairs_fund_balance_cny": ("Repairs fund available", "可用维修资金余额"),
    "shared_by": ("Shared by", "分摊单元"), "sharing": ("Sharing by floor", "分楼层分摊"),
    "rule": ("Rule", "分摊规则"), "exempt_floors": ("Exempt floors", "免缴楼层"),
    "table": ("Table", "系数表"), "electorate": ("Electorate", "表决范围"),
    "participation": ("Participation", "参与比例"),
    "willingness_to_pay_cny": ("Willingness to pay", "支付意愿"),
    "approval_area": ("Approval by area", "同意面积比例"),
    "approval_headcount": ("Approval by headcount", "同意人数比例"),
    "quorum_area": ("Quorum by area", "参与面积比例"),
    "quorum_headcount": ("Quorum by headcount", "参与人数比例"),
    "strict": ("Strict majority", "须超过门槛"),
    # operations
    "collection_ramp": ("Collection ramp", "收缴率爬坡"), "income": ("Income", "经营收入"),
    "costs": ("Costs", "运营成本"), "ageing": ("Ageing", "逐年老化增幅"),
    "households_per_staff": ("Households per staff", "每人服务户数"),
    "m2_per_staff": ("Floor area per staff", "每人服务面积"), "rounding": ("Rounding", "取整方式"),
    "shared": ("Shared contract", "共享合同"), "shared_service": ("Shared service", "片区共享服务"),
    "partners": ("Partner compounds", "合作小区数"),
    "partner_households": ("Partners' households", "合作小区户数"),
    "partner_floor_area_m2": ("Partners' floor area", "合作小区建筑面积"),
    "split": ("Split", "分摊方式"), "menu": ("Menu services", "菜单式服务"),
    "price_per_household_month": ("Price per household per month", "每户每月价格"),
    "cost_per_household_month": ("Cost per household per month", "每户每月成本"),
    "take_up": ("Take-up", "订购比例"), "devices": ("Smart devices", "智能设备"),
    "platform_fee_per_year": ("Platform fee per year", "每年平台费"),
    "replaces": ("Replaces", "所替代的成本项目"), "fallback": ("Fallback", "兜底"),
    "paid_to": ("Paid to", "收款方"), "owners_account": ("Owners' account", "公共收益账户"),
    "covers_deficit": ("Covers the deficit", "弥补运营亏损"),
    "to_repairs_fund_share": ("Share to the repairs fund", "转入维修资金比例"),
    "jobs_per_household_year": ("Jobs per household per year", "每户每年服务次数"),
    "price_per_job": ("Price per job", "每次服务价格"),
    "discount": ("Discount on the market price", "低于市场价的折扣"),
    "service_model": ("Service model", "服务模式"),
    "crew": ("staffed crew", "驻场人员"), "per_job": ("paid per job", "按次收费"),
    "cap_per_year": ("Cap per year", "每年上限"),
    # the fiscal budget
    "general_budget_per_year": ("General budget per year", "一般公共预算支出"),
    "budget_growth": ("Budget growth", "预算年增长率"), "by_year": ("By year", "分年预算"),
    "ceiling_share": ("Ceiling share", "占预算上限"),
    # the repairs fund
    "first_deposit": ("First deposit", "首期缴存"),
    "construction_cost_per_m2": ("Construction cost per m²", "建安造价"),
    "share_of_construction_cost": ("Share of construction cost", "占建安造价比例"),
    "contribution_per_m2_year": ("Contribution per m² per year", "每年每平方米缴存额"),
    "contribution_growth": ("Contribution growth", "缴存额年增长率"),
    "trigger_share": ("Top-up trigger share", "续筹触发比例"),
    "trigger_balance": ("Top-up trigger balance", "续筹触发余额"),
    "restore_to_share": ("Restore to share", "续筹恢复比例"),
    "restore_to_balance": ("Restore to balance", "续筹恢复余额"),
    "basis": ("Basis", "计息基数"), "threshold": ("Threshold", "阈值目标"),
    "components": ("Components", "部件"), "useful_life_years": ("Useful life", "使用年限"),
    "cost_per_m2": ("Cost per m²", "每平方米费用"),
    "remaining_life_years": ("Remaining life", "剩余年限"), "age_years": ("Age", "已使用年限"),
    "convention": ("Timing convention", "计量口径"),
    "accounts": ("Accounts", "核算单位（小区或分幢）"),
    # the simulation
    "draws": ("Draws", "模拟次数"), "seed": ("Seed", "随机种子"), "sampler": ("Sampler", "抽样方法"),
    "chunk_size": ("Chunk size", "分块大小"), "keep_draws": ("Keep draws", "保留逐次结果"),
    "keep_yearly": ("Keep yearly paths", "保留逐年路径"),
    "correlations": ("Correlations", "相关性"), "inputs": ("Inputs", "相关参数"),
    "matrix": ("Matrix", "相关系数矩阵"), "method": ("Method", "方法"),
    "repair": ("Repair", "修正矩阵"),
    # the district
    "sheet": ("Sheet", "工作表"), "compound_correlation": ("Correlation between compounds",
                                                       "小区间相关性"),
    "per_compound": ("Drawn per compound", "逐小区抽样参数"), "phasing": ("Phasing", "分期计划"),
    "budgets_cny": ("Budgets", "预算额度"), "time_limit_s": ("Time limit", "求解时限"),
    "mip_rel_gap": ("Solver gap", "求解相对间隙"), "prefer_early": ("Prefer early", "优先提前"),
    "tier_weights": ("Weight of each tier", "各改造类别权重"),
    "rewards": ("Performance rewards", "奖补"),
    "amount_per_household": ("Amount per household", "每户金额"),
    "deadline": ("Deadline (year)", "截止年份"),
    "programme": ("Programme status of compounds", "小区改造进度"),
    "tiers_allowed": ("Tiers allowed", "可选改造类别"),
    "max_overrun_probability": ("Largest overrun probability", "最大超支概率"),
    "service_areas": ("Service areas", "服务片区"),
    "max_distance_km": ("Largest distance", "最大距离"),
    "max_compounds": ("Most compounds", "最多小区数"),
    "max_households": ("Most households", "最多户数"), "within": ("Within", "不跨越"),
    "merge_cost_per_compound": ("Merging cost per compound", "每个小区合围并院费用"),
    "merge_cost_per_km": ("Merging cost per km", "每公里合围并院费用"),
    "target_areas": ("Target number of areas", "目标片区数"),
    "set": ("Changes", "参数修改"),
    # distributions' parameters
    "dist": ("Distribution", "分布"), "each_year": ("Drawn each year", "逐年抽样"),
    "mu": ("μ", "μ"), "sigma": ("σ", "σ"), "a": ("a", "a"), "b": ("b", "b"),
    "shape": ("Shape", "形状参数"), "values": ("Values", "取值"), "weights": ("Weights", "权重"),
    "file": ("File", "文件"), "column": ("Column", "列"),
    # values the scenario's fields take (enumerations)
    "annuity": ("annuity", "等额本息"), "equal_principal": ("equal principal", "等额本金"),
    "bullet": ("bullet", "到期一次还本"), "sculpted": ("sculpted", "按现金流定制"),
    "profile": ("by a given profile", "分期还本"), "capitalised": ("capitalised", "资本化"),
    "end_of_year": ("end of year", "年末计量"),
    "reserve_study": ("reserve study", "储备金研究口径（当年更换前计量）"),
    "add_lift": ("add a lift", "加装电梯"), "change_common_use": ("change common use",
                                                            "改变共有部分用途"),
    "raise_repairs_fund": ("raise the repairs fund", "筹集维修资金"),
    "use_repairs_fund": ("use the repairs fund", "使用维修资金"),
    "rebuild": ("rebuild", "改建重建"), "other": ("other", "其他"),
    "area": ("by floor area", "按面积"), "by_area": ("by area", "按面积"),
    "equal": ("equal shares", "均摊"), "floors_travelled": ("floors travelled", "按提升楼层"),
    "household": ("household", "按户"), "participants": ("participants", "参与户"),
    "district": ("district", "区"), "exact": ("exact", "精确"), "greedy": ("greedy", "贪心"),
    "gaussian_copula": ("Gaussian copula", "高斯Copula"),
    "iman_conover": ("Iman–Conover", "Iman–Conover方法"), "choice": ("choice", "离散分布"),
    "start_of_year_balance": ("balance at the start of the year", "年初余额"),
    "none": ("none", "无"), "up": ("up", "向上取整"), "m2": ("m²", "m²"),
})
"""Scenario fields and the values of its enumerations not named elsewhere in the catalogue
(looked up after the other tables: a name they label keeps its label)."""

DISTRICT_BOOK: dict[str, Label] = _table({
    "sheet.plan": ("Phased plan", "分期计划"), "sheet.outlay": ("Fiscal outlay", "财政支出"),
    "sheet.district": ("District totals", "全区合计"), "sheet.compounds": ("Compounds", "各小区"),
    "table.plan": ("Start year and cost of each compound", "各小区开工年份与造价"),
    "table.budget": ("Budget use by level and year", "各级政府分年度预算使用"),
    "table.outlay": ("Fiscal outlay by level and year, over the draws",
                     "各级政府分年度财政支出（各次模拟）"),
    "table.district": ("Sums over the compounds, over the draws", "各小区加总（各次模拟）"),
    "sheet.programme": ("Programme", "打捆项目"),
    "table.programme": ("The pooled instruments, each over its package of compounds, over the "
                        "draws", "打捆项目（按项目包合并测算，各次模拟）"),
    "note.no_plan": ("No phasing in this run: every compound starts in the first year.",
                     "本次运行未做分期：各小区均在首年开工。"),
    "note.run_district": ("District run: {draws:,} draws, seed {seed}, {compounds:,} compounds.",
                          "片区测算：{draws:,} 次模拟，随机种子 {seed}，{compounds:,} 个小区。"),
})
"""The district workbook's sheets, tables and notes (:func:`fundmodel.export.excel.
write_district_workbook`)."""

NAMED: dict[str, Label] = _table({
    "": ("Scenario name", "情景名称"), "compound": ("Compound name", "小区名称"),
    "items": ("Item name", "改造内容名称"), "buildings": ("Building name", "楼栋名称"),
    "decisions": ("Vote name", "表决事项名称"), "charges": ("Charge name", "分摊项目名称"),
    "income": ("Income line name", "收入项目名称"), "costs": ("Cost line name", "成本项目名称"),
    "streams": ("Revenue stream name", "收入项名称"),
    "revenues": ("Revenue line name", "收入项名称"),
    "operating_costs": ("Cost line name", "成本项名称"),
    "menu": ("Service package name", "服务套餐名称"), "devices": ("Device name", "智能设备名称"),
    "components": ("Component name", "部件名称"), "levers": ("Lever name", "措施名称"),
    "funding": ("Funding rule name", "资金来源名称"),
    "portfolio.compounds": ("Compounds table", "小区信息表"),
})
"""What a ``name`` (or a funding rule's ``label``) field names, by the list or section it is
in (:func:`field_label`): ``renovation.items[2].name`` names an item, not the compound; and
``<section>.<field>`` for a field whose key means something else elsewhere."""

COLUMNS: dict[str, Label] = {
    name: Label(c.en, c.zh) for name, c in catalog.TABLE_COLUMNS.items()} | _table({
    # summary()
    "metric": ("Metric", "指标"), "unit": ("Unit", "单位"), "mean": ("Mean", "均值"),
    "sd": ("Standard deviation", "标准差"), "min": ("Minimum", "最小值"),
    "max": ("Maximum", "最大值"), "n": ("Draws defined", "有效模拟次数"),
    "undefined": ("Draws undefined", "无定义模拟次数"), "draw": ("Draw", "模拟序号"),
    # probabilities()
    "question": ("Question", "问题"), "outcome": ("Outcome", "结果"),
    # funding()
    "label": ("Funding rule", "资金来源"), "source": ("Source", "来源类型"),
    "payer": ("Payer", "出资方"),
    # items()
    "item": ("Item", "改造内容"), "tier": ("Tier", "类别"),
    "uncertain": ("Uncertain", "是否不确定"),
    # cashflows(), parties(), government()
    "year": ("Year index", "年序"), "line": ("Line", "科目"), "payee": ("Payee", "收款方"),
    "kind": ("Kind", "性质"), "party": ("Party", "主体"), "description": ("Description", "说明"),
    # fiscal(), debt()
    "exceeds_ceiling": ("Exceeds the ceiling", "超出上限"),
    "debt": ("Debt", "债务"), "operating_year": ("Operating year", "运营年"),
    # households' tables
    "decision": ("Decision", "表决事项"), "building": ("Building", "楼栋"),
    "floor": ("Floor", "楼层"), "channel": ("Channel", "出资渠道"),
    # sensitivity and comparisons
    "input": ("Input", "输入参数"), "low": ("Low", "低值"), "high": ("High", "高值"),
    "base": ("Base", "基准值"), "swing": ("Swing", "变动幅度"),
    "scenario": ("Scenario", "情景"), "lever": ("Lever", "措施"), "step": ("Step", "步骤"),
    "value": ("Value", "数值"), "statistic": ("Statistic", "统计量"),
    "low_value": ("Input low", "输入低值"), "high_value": ("Input high", "输入高值"),
    "metric_low": ("At low", "低值时"), "metric_high": ("At high", "高值时"),
    "rho": ("Rank correlation", "秩相关系数"), "p_value": ("p-value", "p值"),
    "S1": ("S1", "一阶指数"), "S1_conf": ("S1 ± 95%", "一阶指数95%半宽"),
    "ST": ("ST", "总效应指数"), "ST_conf": ("ST ± 95%", "总效应95%半宽"),
    "tornado": ("Tornado: each input alone at its low and high quantile",
                "龙卷风图：单个输入取低、高分位值"),
    "rank_correlations": ("Rank correlations over the draws", "各次模拟的秩相关"),
    "sobol": ("Sobol indices, S1 first order and ST total (shares of the variance)",
              "Sobol敏感度指数（方差贡献）"),
    "samples": ("Model evaluations", "模型计算次数"),
    "uncertain_inputs": ("Uncertain inputs", "不确定输入个数"),
    # the stress tests of a bond (evaluation.stress, cli bond-evaluation)
    "stress_grid": ("Stress tests: each debt's cover with one shock, at the point estimates",
                    "压力测试：单项冲击下各项债务的覆盖倍数（点估计）"),
    "sensitivity_coefficients": ("Sensitivity coefficients: (Δcover / cover) / (Δfactor / "
                                 "factor)", "敏感度系数：（覆盖倍数变化率）/（因素变化率）"),
    "break_even_shocks": ("Break-even shocks: the factor at which the cover meets the "
                          "threshold", "临界值：覆盖倍数降至阈值时的因素系数"),
    "cover_below": ("Chance of a cover below the threshold, over the draws",
                    "覆盖倍数低于阈值的概率（各次模拟）"),
    "reverse_stress": ("Reverse stress test: what drives {metric} of {debt} below "
                       "{threshold:g} — {density:.0f} % of the draws in this box breach "
                       "(against {base:.0f} % of all), holding {coverage:.0f} % of the "
                       "breaches in {support:.0f} % of the draws",
                       "反向压力测试：{debt}{metric}低于{threshold:g}的驱动因素——此区间内"
                       "{density:.0f}%的模拟不达标（全部模拟中为{base:.0f}%），覆盖全部不达标"
                       "情形的{coverage:.0f}%，占模拟的{support:.0f}%"),
    "box": ("Range in the box", "区间"), "full_range": ("Range drawn", "抽样范围"),
    "loss": ("Breach share lost without it", "去除该限制后不达标比例下降"),
    "debt_checks": ("What the debt system checks", "债务系统校验"),
    "check": ("Check", "校验项"), "message": ("Finding", "结果"),
    "check.principal_repaid": ("Principal repaid = lent", "偿还本金等于发行额"),
    "check.capital_part": ("Capital part ≤ the bond", "用作资本金部分不超过债券规模"),
    "check.revenue_within_operation": ("Revenue within the operating years",
                                       "收益期在运营期内"),
    "check.term_limit": ("Term ≤ 30 years", "期限不超过30年"),
    "check.term_within_asset_life": ("Term ≤ the assets' life", "期限不超过资产使用年限"),
    "check.cover_floor": ("Cover ≥ 1.1", "本息覆盖倍数不低于1.1"),
    "check.cover_plausible": ("Cover plausible (≤ 3)", "覆盖倍数合理（不高于3）"),
    "check.all_debts_cover": ("All debts' cover ≥ 1.2", "全部债务覆盖倍数不低于1.2"),
    "shock": ("Shock", "冲击情景"), "cover_base": ("Cover, base", "基准覆盖倍数"),
    "probability": ("Probability", "概率"),
    # the workbook (export.excel): sheets, tables, columns and notes
    "sheet.assumptions": ("Assumptions", "假设条件"), "sheet.summary": ("Summary", "结果摘要"),
    "sheet.funding": ("Funding", "资金构成"), "sheet.cashflows": ("Cash flows", "各方现金流"),
    "sheet.operations": ("Operating statement", "运营损益"),
    "sheet.percentiles": ("Monte Carlo percentiles", "蒙特卡洛分位数"),
    "sheet.draws": ("Draws", "抽样"), "sheet.fiscal": ("Fiscal view", "财政支出责任"),
    "sheet.debt": ("Debt service", "债务偿还"), "sheet.households": ("Households", "住户分摊"),
    "table.probabilities": ("Probabilities", "概率"), "table.items": ("Cost by item", "分项造价"),
    "table.funding": ("Funding by source", "资金来源构成"),
    "table.net_by_year": ("Net cash flow by party and year (received − paid)",
                          "各方分年净现金流（收入－支出）"),
    "table.parties": ("Totals by party", "各方合计"),
    "table.government": ("Government outlay by level and year", "各级政府分年出资"),
    "table.decisions": ("Residents' votes", "居民表决"),
    "table.households": ("Cost per household by building and floor", "分楼栋分楼层户均出资"),
    "table.channels": ("Payment channels", "出资渠道"),
    "field": ("Field", "字段路径"), "point_estimate": ("Point estimate", "点估计值"),
    "defined_at": ("Set in", "出处"), "ci_low": ("95% CI of the mean, low", "均值95%置信区间下限"),
    "ci_high": ("95% CI of the mean, high", "均值95%置信区间上限"),
    "median": ("Median", "中位数"), "mode": ("Mode", "众数"),
    "note.default": ("default", "默认值"),
    "note.one_draw": ("A deterministic run: one draw, so no percentiles (its values are in the "
                      "operating statement).", "确定性运行：仅一次模拟，无分位数（各年数值见运营损益表）。"),
    "note.no_draws": ("The per-draw metrics were not kept in this run.",
                      "本次运行未保留逐次模拟指标。"),
    "note.draws_shown": ("The first {shown:,} of {total:,} draws.",
                         "前 {shown:,} 次模拟（共 {total:,} 次）。"),
    "note.run_deterministic": ("Deterministic run (point estimates: {how}).",
                               "确定性运行（点估计：{how}）。"),
    "note.run_monte_carlo": ("Monte Carlo run: {draws:,} draws, seed {seed}, sampler {sampler}.",
                             "蒙特卡洛模拟：{draws:,} 次，随机种子 {seed}，抽样方法 {sampler}。"),
    "change": ("Change", "变化"), "baseline": ("Baseline", "基准方案"),
})
"""Columns and index names of the result tables (those with a unit: their declarations,
:data:`fundmodel.catalog.TABLE_COLUMNS`), and the workbook's sheets, tables and notes."""

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
    "buildings": ("buildings", "栋"),
    "m²": ("m²", "m²"), "CNY/m²": ("CNY/m²", "元/m²"), "m": ("m", "米"),
    "CNY/unit": ("CNY/unit", "元/单位"),
    # money on chart axes, scaled
    "thousand CNY": ("thousand CNY", "千元"), "10 thousand CNY": ("wan CNY", "万元"),
    "million CNY": ("million CNY", "百万元"), "100 million CNY": ("100 million CNY", "亿元"),
    "billion CNY": ("billion CNY", "十亿元"),
    # sums of money in 万元 (money_unit, below); in English "wan CNY" (1 wan = 10,000), which
    # reads after a number ("12.50 wan CNY") as in a header ("Funding gap (wan CNY)")
    "10 thousand CNY/year": ("wan CNY/year", "万元/年"),
})
"""Units of the catalogue (:mod:`fundmodel.catalog`)."""

MONEY_UNITS: dict[str, float] = {"CNY": 1.0, "万元": 1e4}
"""A unit of sums of money and the CNY in one of it: a scenario's ``money_unit`` (its inputs,
:mod:`fundmodel.scenario.money`) and the outputs' (``money_unit=`` of the writers)."""

SUMS_OF_MONEY: dict[str, str] = {"CNY": "10 thousand CNY", "CNY/year": "10 thousand CNY/year"}
"""The units of sums of money and what they read in 万元. Prices and amounts per m²,
household, month or unit stay in CNY, as in the scenario's inputs; so does an output whose
name says it is per something (``fee_per_household``)."""

_PER_SOMETHING = re.compile(r"(?:^|_)per_")


def check_money_unit(money_unit: str) -> str:
    """``money_unit`` if it is one of :data:`MONEY_UNITS`, else ValueError."""
    if money_unit not in MONEY_UNITS:
        raise ValueError(f"unknown money unit {money_unit!r}: use one of "
                         f"{', '.join(MONEY_UNITS)}")
    return money_unit


def money_scale(name: object, unit_name: str, money_unit: str = "CNY") -> tuple[float, str]:
    """``(k, shown)``: a value of the output ``name`` in ``unit_name`` is shown as value / k,
    in the unit ``shown``, when sums of money are shown in ``money_unit``.

    The one rule of every writer (files, workbooks, console): in 万元 a sum of money
    (:data:`SUMS_OF_MONEY`: ``CNY``, ``CNY/year``) is divided by 10,000 and shown in
    ``10 thousand CNY`` (万元) or ``10 thousand CNY/year`` (万元/年); anything else — a price or
    amount per m², household, month or unit, a share, a ratio, a year, a count — is kept
    (k = 1, its own unit).

    >>> money_scale("funding_gap", "CNY", "万元")
    (10000.0, '10 thousand CNY')
    >>> money_scale("funding_gap_per_household", "CNY/household", "万元")
    (1.0, 'CNY/household')
    """
    k = MONEY_UNITS[check_money_unit(money_unit)]
    if k == 1.0 or unit_name not in SUMS_OF_MONEY or (
            isinstance(name, str) and _PER_SOMETHING.search(name)):
        return 1.0, unit_name
    return k, SUMS_OF_MONEY[unit_name]


def output_unit(name: str) -> str:
    """The declared unit of an output for :func:`money_scale`: its declaration's
    (:func:`fundmodel.catalog.declaration`, a declared output table's column), for a band
    ``<line>:p5`` or a district statistic ``<metric>_p05`` its line's or metric's, else
    :func:`describe_unit`'s (a ``..._cny`` column: CNY)."""
    base = name.rpartition(":")[0] if ":" in name else name
    match = _STAT_SUFFIX.match(base)
    if match and match.group("stat") in STATISTICS:
        base = match.group("base")
    try:
        return catalog.declaration(base).unit
    except KeyError:
        pass
    column = declared_tables.table_columns().get(base)
    return describe_unit(name) if column is None else column.unit


_COUNT_COLUMNS = ("n", "undefined")
"""The columns of a table with a unit per row (``summary()``) that count draws."""


def in_money_unit(frame: "pd.DataFrame", money_unit: str = "CNY",
                  units: "Mapping[str, str] | None" = None,
                  row_units: "Sequence[str] | None" = None) -> "pd.DataFrame":
    """``frame`` (a result table with identifiers) with its sums of money in ``money_unit``
    (:func:`money_scale`), as a copy; the frame itself in CNY.

    A column's unit is ``units[column]`` if given, else its declared one
    (:func:`output_unit`). A table with a unit per row — ``row_units``, or a text column
    ``unit`` (the summary: one row per metric) — has the numbers of a row of money scaled
    (all but the columns of ``units`` and the counts ``n`` and ``undefined``), and its
    ``unit`` reads the shown unit (``10 thousand CNY``)."""
    import pandas as pd

    if MONEY_UNITS[check_money_unit(money_unit)] == 1.0:
        return frame
    units = units or {}
    out = frame.copy()

    def numeric(c) -> bool:
        return (pd.api.types.is_numeric_dtype(frame[c])
                and not pd.api.types.is_bool_dtype(frame[c]))

    has_unit = "unit" in frame.columns and not pd.api.types.is_numeric_dtype(frame["unit"])
    if row_units is not None or has_unit:
        names = frame.index.get_level_values(0)
        given = list(frame["unit"]) if row_units is None else list(row_units)
        stats = [c for c in frame.columns if c not in _COUNT_COLUMNS and c not in units
                 and numeric(c)]
        scales = [money_scale(name, unit_name or "", money_unit)
                  for name, unit_name in zip(names, given)]
        k = pd.Series([k for k, _ in scales], index=frame.index, dtype=float)
        for c in stats:
            out[c] = frame[c] / k  # x / 1.0 is x: the other rows keep every bit
        for c in units:                           # a column of its own unit (the counts)
            column_k = money_scale(c, units[c], money_unit)[0]
            if column_k != 1.0 and numeric(c):
                out[c] = frame[c] / column_k
        if has_unit and stats:    # a text table (the inputs') keeps its units
            out["unit"] = [shown if kk != 1.0 else u
                           for (kk, shown), u in zip(scales, frame["unit"])]
        return out
    for c in frame.columns:
        if not numeric(c):
            continue
        unit_name = units.get(c) if c in units else (output_unit(c) if isinstance(c, str)
                                                     else "")
        k, _ = money_scale(c, unit_name, money_unit)
        if k != 1.0:
            out[c] = frame[c] / k
    return out

CHARTS: dict[str, Label] = _table({
    "draws": ("{n:,} draws", "{n:,}次模拟"),
    "point_estimates": ("point estimates", "点估计"),
    "band_90": ("P5–P95", "5%–95%分位区间"),
    "band_50": ("P25–P75", "25%–75%分位区间"),
    "waterfall": ("Funding of the renovation cost", "改造资金来源构成"),
    "histogram": ("Distribution of {metric}", "{metric}的分布"),
    "cdf": ("Cumulative distribution of {metric}", "{metric}的累积分布"),
    "frequency": ("Draws", "模拟次数"),
    "cumulative_share": ("Share of draws at or below", "累计概率"),
    "undefined": ("{k:,} of {n:,} draws undefined, left out",
                  "{n:,}次模拟中{k:,}次无定义，未计入"),
    "tornado": ("Sensitivity of {metric}", "{metric}的敏感性"),
    "input_low": ("Input at its P10", "输入取10%分位"),
    "input_high": ("Input at its P90", "输入取90%分位"),
    "no_effect": ("left out, not moving it: {k:,} input(s)",
                  "另有{k:,}项输入不影响该指标，未列出"),
    "constant": ("every draw gives {value}: the metric does not vary",
                 "各次模拟取值均为{value}：该指标无变化"),
    "parties": ("Net cash flow by party", "各主体净现金流"),
    "plan": ("Households and compounds started per year", "各年度开工户数与小区数"),
    "compounds_started": ("{n:,} compounds", "{n:,}个小区"),
    "outlay": ("Fiscal outlay by level of government", "各级政府财政支出"),
    "budget": ("Budget (dashed)", "预算额度（虚线）"),
    "other": ("Other", "其他"),
})
"""Titles, legends and notes of the charts (:mod:`fundmodel.plots`); ``{...}`` is filled in."""

UNDEFINED_ZH: dict[str, str] = {
    name: o.undefined_zh for table in (catalog.METRICS, catalog.YEARLY_LINES,
                                       catalog.INSTRUMENT_METRICS, catalog.FUND_METRICS,
                                       catalog.FUND_LINES, *catalog.HOUSEHOLD_TABLES.values())
    for name, o in table.items() if o.undefined_zh}
"""Why a metric can be undefined, in Chinese (the English is the catalogue's
``undefined_when``), by catalogue name or pattern: :func:`undefined_when` (read from the
declarations)."""

QUESTIONS_ZH: dict[str, str] = {name: o.question_zh
                                for name, o in catalog.probabilities().items()}
"""The probabilities' questions in Chinese, by metric (the English is
:data:`fundmodel.results.PROBABILITIES`; both are the declarations')."""

DESCRIPTIONS_ZH: dict[str, str] = {name: p.description_zh
                                   for name, p in catalog.PARTIES.items() if p.ledger}
"""The parties' descriptions in Chinese (the English is
:data:`fundmodel.engine.ledger.PARTIES`; both are :data:`fundmodel.catalog.PARTIES`'), used
by :func:`localize`."""

STATISTICS: dict[str, Label] = _table({
    "mean": ("mean", "均值"), "std": ("standard deviation", "标准差"),
    "p05": ("P5", "5%分位"), "p10": ("P10", "10%分位"), "p50": ("P50", "50%分位"),
    "p90": ("P90", "90%分位"), "p95": ("P95", "95%分位"),
})
"""Suffixes of the district's per-compound columns ``<metric>_<stat>``
(:data:`fundmodel.portfolio.tiles.SUMMARY_STATS`)."""

_PATTERN = re.compile(r"^(?P<kind>[a-z_]+(?:\.[a-z_]+)?)\[(?P<label>.+?)\]"
                      r"(?:\.(?P<part>[a-z_]+)(?:\[(?P<name>.+)\])?)?$", re.DOTALL)
_QUANTILE = re.compile(r"^p(\d{1,2})$")
_NUMBERED = re.compile(r"^(?P<source>[a-z_]+) #(?P<n>\d+)$")
_STAT_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<stat>mean|std|p\d\d)$")
_TABLES = (NAMES, COLUMNS, PARTIES, SOURCES, VALUES, FIELDS, DISTRICT_BOOK)


def short_label(name: str, lang: str = "en") -> str:
    """The header of ``name`` in a narrow terminal table: in English its declared ``short``
    header (:class:`fundmodel.catalog.Output`, :class:`fundmodel.catalog.Party`) if it has
    one, else its label; in Chinese its label."""
    if lang == "en":
        party = catalog.PARTIES.get(name)
        if party is not None and party.short:
            return party.short
        try:
            declared = catalog.declaration(name)
        except KeyError:
            declared = None
        if declared is not None and declared.short:
            return declared.short
    return label(name, lang)


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGS`; ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def quantile_label(name: str, lang: str) -> str | None:
    """``p5`` (or ``p05``) → ``P5`` / ``5%分位``; None if ``name`` is not a quantile column."""
    match = _QUANTILE.match(name)
    if match is None:
        return None
    q = int(match.group(1))
    return f"{q}%分位" if lang == "zh" else f"P{q}"


def _fill(name: str, lang: str) -> str:
    """A name inside a pattern: a funding source's key (a rule's default label, possibly
    numbered ``central_subsidy #2``) is labelled, a user's own name kept as written."""
    if name in SOURCES:
        return SOURCES[name].get(lang)
    match = _NUMBERED.match(name)
    if match and match.group("source") in SOURCES:
        return f"{SOURCES[match.group('source')].get(lang)} #{match.group('n')}"
    return name


def _pattern_label(name: str, lang: str) -> str | None:
    match = _PATTERN.match(name)
    if match is None:
        return None
    kind, label_, part, inner = match.group("kind", "label", "part", "name")
    if part is None:
        key, fill = f"{kind}[<name>]", {"name": _fill(label_, lang)}
    elif inner is None:
        key, fill = f"{kind}[<label>].{part}", {"label": _fill(label_, lang)}
    else:
        key, fill = f"{kind}[<label>].{part}[<name>]", {"label": _fill(label_, lang),
                                                       "name": inner}
    pattern = PATTERNS.get(key)
    return None if pattern is None else pattern.get(lang).format(**fill)


def _find(name: str, lang: str) -> str | None:
    """The label of ``name`` in ``lang``, None if the catalogue does not know it."""
    for table in _TABLES:
        if name in table:
            return table[name].get(lang)
    declared = _declared_table_label(name)
    if declared is not None:
        return declared.get(lang)
    found = _pattern_label(name, lang) or quantile_label(name, lang)
    if found is not None:
        return found
    match = _NUMBERED.match(name)
    if match and match.group("source") in SOURCES:  # a repeated source: its default label
        return _fill(name, lang)
    if ":" in name:  # <line>:p5, a yearly band
        line, _, stat = name.rpartition(":")
        inner, q = _find(line, lang), quantile_label(stat, lang)
        if inner is not None and q is not None:
            return f"{inner} {q}"
    if name.endswith("_cny") and len(name) > 4:  # mean_cny: an amount in CNY (district)
        return _find(name[:-4], lang)
    match = _STAT_SUFFIX.match(name)  # <metric>_p05, a district compound's statistic
    if match and match.group("stat") in STATISTICS:
        inner = _find(match.group("base"), lang)
        if inner is not None:
            return f"{inner} {STATISTICS[match.group('stat')].get(lang)}"
    return None


def has_label(name: str) -> bool:
    """Whether the catalogue labels ``name`` (directly, by pattern, as a quantile, a yearly
    band ``<line>:p5`` or a district statistic ``<metric>_p05``)."""
    return isinstance(name, str) and _find(name, "en") is not None


def label(name: str, lang: str = "en", default: str | None = None) -> str:
    """The label of a metric, line, party, source, column or value in ``lang``.

    ``<line>:p5`` (a yearly band column) is the line's label with the quantile's, and so is
    ``<metric>_p05`` (a district compound's statistic). A name the catalogue does not know
    is returned as ``default`` if given, else as itself (a user's own name: an item, a
    funding rule's label).
    """
    check_lang(lang)
    found = _find(name, lang) if isinstance(name, str) else None
    if found is not None:
        return found
    return name if default is None else default


_SECTIONS = ("renovation", "operations", "funding", "compound", "simulation", "property_fee",
             "income", "costs", "households", "fiscal", "items")
"""Path parts left out of an input's label: they only say where the field lives."""


def input_label(path: str, lang: str = "en", scenario=None) -> str:
    """A scenario input's path as a reader's label: the catalogue's label if it has one, else
    the user's names (in brackets in the path) and the labels of the fields, joined
    (``renovation.items[roof].unit_cost`` → ``roof: Unit cost`` / ``roof：单价``). With the
    ``scenario``, a list index is shown as the element's name (an item's name, a funding
    rule's label): ``funding[3].uptake`` → ``residents: Uptake``."""
    if has_label(path):
        return label(path, lang)
    parts, parent = [], None
    for field_name, inside in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]*)\]", path):
        if inside:
            parts.append(_element_name(scenario, parent, inside))
        elif field_name not in _SECTIONS:
            parts.append(label(field_name, lang))
        parent = field_name or parent
    return ("：" if lang == "zh" else ": ").join(parts) if parts else path


def field_label(path: "str | tuple", lang: str = "en") -> str:
    """The label of the scenario field at ``path`` (a dotted path, or its parts as a tuple):
    the catalogue's label of its last key, except that a ``name`` (or a funding rule's
    ``label``) is labelled by what it names, from the list or section it is in (:data:`NAMED`:
    ``renovation.items[2].name`` → ``Item`` / ``改造内容名称``). A key the catalogue does not
    know is returned as written."""
    check_lang(lang)
    if isinstance(path, str):
        parts = [a for a, _ in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]*)\]", path) if a]
    else:
        parts = [p for p in path if isinstance(p, str)]
    if not parts:
        return ""
    key = parts[-1]
    if len(parts) > 1 and f"{parts[-2]}.{key}" in NAMED:
        return NAMED[f"{parts[-2]}.{key}"].get(lang)
    if key in ("name", "label") and not (key == "label" and parts[:-1] != ["funding"]):
        parent = parts[-2] if len(parts) > 1 else ""
        named = NAMED.get(parent)
        if named is not None:
            return named.get(lang)
    return label(key, lang)


def instrument_part(name: str, lang: str = "en") -> str | None:
    """The label of the part of an instrument's metric (``debt[bond].min_dscr`` →
    ``Lowest DSCR`` / ``最低偿债覆盖率``), for a table whose caption names the instrument;
    None for another name."""
    check_lang(lang)
    match = _PATTERN.match(name)
    if match is None or match.group("kind") not in _INSTRUMENTS or match.group("name"):
        return None
    part = _INSTRUMENT_PARTS.get(match.group("part") or "")
    if part is None:
        return None
    text = part[1] if lang == "zh" else part[0]
    return text if lang == "zh" else text[:1].upper() + text[1:]


def _element_name(scenario, parent: str | None, inside: str) -> str:
    """The name of list element ``inside`` (an index) of ``parent`` in ``scenario``, else
    ``inside`` as written."""
    if scenario is None or not inside.isdigit():
        return inside
    k = int(inside)
    names = {"items": lambda: [i.name for i in scenario.renovation.items],
             "funding": lambda: list(scenario.funding_labels())}.get(parent)
    try:
        return str(names()[k]) if names is not None else inside
    except (IndexError, AttributeError):
        return inside


def undefined_when(name: str, lang: str = "en") -> str:
    """Why a metric can be undefined (the catalogue's ``undefined_when``) in ``lang``; ''
    if it never is or is unknown."""
    from .catalog import lookup

    check_lang(lang)
    try:
        english = lookup(name).undefined_when
    except KeyError:
        return ""
    if lang == "en" or not english:
        return english
    match = _PATTERN.match(name)
    key = name if match is None or match.group("part") is None else (
        f"{match.group('kind')}[<label>].{match.group('part')}")
    return UNDEFINED_ZH.get(key, "")


_FIELD_UNITS = (
    ("rate_per_m2_month", "CNY/m²/month"), ("per_household_month", "CNY/household/month"),
    ("per_m2_month", "CNY/m²/month"), ("per_m2_year", "CNY/m²/year"), ("per_m2", "CNY/m²"),
    ("_m2", "m²"), ("_cny", "CNY"), ("per_household", "CNY/household"),
    ("per_year", "CNY/year"), ("per_month", "CNY/month"), ("_years", "years"),
    ("_year", "year"), ("_rate", "share"), ("_share", "share"), ("share", "share"),
    ("growth", "share"), ("inflation", "share"), ("uptake", "share"), ("occupancy", "share"),
    ("contingency", "share"), ("on_cost", "share"), ("management_margin", "share"),
    ("unit_cost", "CNY/unit"),
)
"""A scenario field's unit from the end of its name (units are in the names)."""


def field_unit(field_name: str) -> str:
    """A scenario field's unit, read from the end of its name (units are in the names:
    ``floor_area_m2`` m², ``rate_per_m2_month`` CNY/m²/month, ``collection_rate`` share);
    '' when the name does not say."""
    for suffix, found in _FIELD_UNITS:
        if field_name.endswith(suffix):
            return found
    return ""


def unit(name: str, lang: str = "en") -> str:
    """A unit of the catalogue in ``lang`` (``CNY/year`` → ``元/年``); others unchanged."""
    check_lang(lang)
    found = UNITS.get(name)
    return name if found is None else found.get(lang)


_COLUMN_UNITS = {name: c.unit for name, c in catalog.TABLE_COLUMNS.items() if c.unit}
"""Units of the result tables' columns that are not metrics (for :func:`header`): their
declarations'."""


def describe_unit(metric: str) -> str:
    """The catalogue's unit of a metric or line (:func:`fundmodel.catalog.lookup`), also of a
    band ``<line>:p5``, a district statistic ``<metric>_p05`` or a ``..._cny`` column; '' if
    it has none or is unknown."""
    from .catalog import lookup

    if ":" in metric:
        metric = metric.rpartition(":")[0]
    match = _STAT_SUFFIX.match(metric)
    if match and match.group("stat") in STATISTICS:
        metric = match.group("base")
    if metric.endswith("_cny"):
        return "CNY"
    try:
        return lookup(metric).unit
    except KeyError:
        pass
    if metric in _COLUMN_UNITS:
        return _COLUMN_UNITS[metric]
    column = declared_tables.table_columns().get(metric)  # a declared output table's column
    return "" if column is None else column.unit


def header(name: str, lang: str = "en", unit_name: str | None = None, *,
           short: bool = False, money_unit: str = "CNY") -> str:
    """A column header: the label with its unit, ``资金缺口（元）`` / ``Funding gap (CNY)``.

    ``unit_name`` defaults to the catalogue's unit of ``name``; no unit, no brackets.
    ``short``: the declared short header in English (:func:`short_label`), for a narrow table.
    ``money_unit``: the unit sums of money are shown in (``万元``: ``资金缺口（万元）``, as
    :func:`money_scale` says for ``name``).
    """
    text = short_label(name, lang) if short else label(name, lang)
    found = describe_unit(name) if unit_name is None else unit_name
    if money_unit != "CNY":  # a sum of money in 万元 (money_scale, its values scaled alike)
        k, shown = money_scale(name, output_unit(name) if unit_name is None else unit_name,
                               money_unit)
        found = shown if k != 1.0 else found
    if found in ("", "0/1", "bool", "code", "year", "share"):
        return text
    shown = unit(found, lang)
    return f"{text}（{shown}）" if lang == "zh" else f"{text} ({shown})"


_VALUE_COLUMNS = ("source", "payer", "payee", "kind", "tier", "line", "unit", "party",
                  "metric", "input", "level", "statistic", "status")


def _translate(values: Iterable, lang: str, units: bool = False) -> list:
    out = []
    for value in values:
        if isinstance(value, str):
            out.append(unit(value, lang) if units else label(value, lang))
        else:
            out.append(value)
    return out


def localize(frame: "pd.DataFrame", lang: str, *, units: bool = False,
             money_unit: str = "CNY") -> "pd.DataFrame":
    """A copy of a result table with labels in ``lang`` for its identifiers.

    Column names, index names and index values that the catalogue knows become their labels
    (with units, ``units=True``); so do the values of the columns ``source``, ``payer``,
    ``payee``, ``kind``, ``tier``, ``line``, ``party``, ``metric``, ``level``,
    ``statistic`` and ``status`` (a compound's programme status), and ``unit`` is
    translated. In Chinese the probabilities' ``question`` and the parties' ``description``
    are too. The numbers are not touched. A user's own names
    (items, funding labels) stay as written. ``money_unit`` is the unit of the headers' sums
    of money (a table scaled by :func:`in_money_unit`).
    """
    import pandas as pd

    check_lang(lang)
    out = frame.copy()
    for column in _VALUE_COLUMNS:
        if column in out.columns and not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = _translate(out[column], lang, units=column == "unit")
    if lang == "zh" and "question" in frame.columns and frame.index.name == "metric":
        out["question"] = [QUESTIONS_ZH.get(m, q) for m, q in zip(frame.index,
                                                                  frame["question"])]
    if lang == "zh" and "description" in frame.columns and frame.index.name == "party":
        out["description"] = [DESCRIPTIONS_ZH.get(p, label(p, lang)) for p in frame.index]
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_arrays(
            [_translate(out.index.get_level_values(k), lang) for k in range(out.index.nlevels)],
            names=[None if n is None else label(n, lang) for n in out.index.names])
    else:
        name = out.index.name
        out.index = pd.Index(_translate(out.index, lang),
                             name=None if name is None else label(name, lang))
    name_of = ((lambda c: header(c, lang, money_unit=money_unit)) if units
               else (lambda c: label(c, lang)))
    out.columns = [name_of(c) if isinstance(c, str) else c for c in out.columns]
    return out


TEXT: dict[str, Label] = _table({
    # shared pieces
    "col.metric": ("Metric", "指标"), "col.mean": ("mean", "均值"), "col.p5": ("p5", "5%分位"),
    "col.p95": ("p95", "95%分位"), "col.se": ("± se", "± 标准误"), "col.value": ("value", "数值"),
    "col.Value": ("Value", "数值"), "col.Year": ("Year", "年份"),
    "list.sep": (", ", "、"), "notes.sep": ("; ", "；"), "stop": (".", "。"),
    "note": ("Note: {note}.", "注：{note}。"),
    "undefined.why": (" — {when}", "——{when}"),
    "undefined.one": ("{metric} is undefined in this run{why}", "{metric}在本次计算中无定义{why}"),
    "undefined.many": ("{metric} is undefined in {undefined:,} of {draws:,} draws (the "
                       "statistics are over the others){why}",
                       "{metric}在 {draws:,} 次模拟中有 {undefined:,} 次无定义（统计量基于其余"
                       "模拟）{why}"),
    "wrote": ("Wrote {files} to {out}", "已将 {files} 写入 {out}"),
    "draws.one": ("1 draw", "1 次模拟"), "draws.many": ("{n:,} draws", "{n:,} 次模拟"),
    "sampler.random": ("random", "简单随机"), "sampler.lhs": ("lhs", "拉丁超立方"),
    "sampler.sobol": ("sobol", "Sobol 序列"),
    "point.mean": ("mean", "均值"), "point.median": ("median", "中位数"),
    "point.mode": ("mode", "众数"), "point.None": ("None", "默认值"),
    # fundmodel run
    "run.how_mc": ("Monte Carlo: {draws}, {sampler} sampler, seed {seed}",
                   "蒙特卡洛模拟：{draws}，{sampler}抽样，随机种子 {seed}"),
    "run.how_det": ("deterministic run (distributions at their {point})",
                    "确定性计算（分布取{point}）"),
    "run.scenario": ("scenario {name} · {compound} · {households} households · {how}",
                     "情景 {name} · {compound} · {households} 户 · {how}"),
    "run.warning": ("[yellow]warning:[/yellow] {warning}", "[yellow]警告：[/yellow]{warning}"),
    "funding.title": ("Funding mix (CNY) — renovation cost {cost}",
                      "资金构成（元）— 改造总投资 {cost}"),
    "funding.title_mean": ("Funding mix (mean CNY) — renovation cost {cost}",
                           "资金构成（均值，元）— 改造总投资 {cost}"),
    "funding.source": ("Source", "资金来源"),
    "renovation.title": ("Renovation (CNY)", "改造投资（元）"),
    "renovation.sentence": (
        "Funding gap: [bold]{gap} CNY[/bold] ({share} of the cost, {gap_per_household} CNY "
        "per household); government pays {government} and residents {residents} CNY per "
        "household.",
        "资金缺口：[bold]{gap} 元[/bold]（占总投资 {share}，户均 {gap_per_household} 元）；"
        "户均政府出资 {government} 元，户均居民出资 {residents} 元。"),
    "renovation.sentence_soe": (
        "Funding gap: [bold]{gap} CNY[/bold] ({share} of the cost, {gap_per_household} CNY "
        "per household); government pays {government}, state firms' transfer funds (三供一业, "
        "not government) {soe} and residents {residents} CNY per household.",
        "资金缺口：[bold]{gap} 元[/bold]（占总投资 {share}，户均 {gap_per_household} 元）；"
        "户均政府出资 {government} 元，户均国有企业三供一业移交资金（不计入政府出资）{soe} 元，"
        "户均居民出资 {residents} 元。"),
    "operations.title": ("Operations, first year ({year}) and over {years} years",
                         "运营：首年（{year}）及 {years} 年"),
    "operations.first_title": ("First operating year ({year}), CNY", "首个运营年（{year}），元"),
    "operations.surplus": ("operating surplus", "运营结余"),
    "operations.deficit": ("operating DEFICIT", "运营亏损"),
    "operations.after_financing": ("year 1 after financing", "融资后首年净现金流"),
    "operations.after_financing_deficit": ("year 1 after financing: DEFICIT",
                                           "融资后首年亏损"),
    "operations.breakeven_basis": (
        "Both breakeven fees are after financing: the fee at which operations after "
        "financing (surplus − debt service − remitted revenue − investors' takes + guarantee "
        "calls, at the fee now; before fallback payments) break even, in NPV and in year 1.",
        "两个保本物业费均为融资后口径：使融资后运营现金流（运营结余 − 还本付息 − 上缴质押收入"
        " − 社会资本取得收入 + 担保代偿，按现行物业费计；不含兜底补贴）净现值为0及首年为0的"
        "物业费。"),
    "operations.breakeven": (
        "Breakeven fee: [bold]{fee} {unit}[/bold] over {years} years (NPV 0 at {rate}% "
        "nominal); {fee1} to cover year 1 alone. The fee now: {now}.",
        "保本物业费：[bold]{fee} {unit}[/bold]（{years} 年，按名义折现率 {rate}% 计净现值为"
        "0）；仅覆盖首年需 {fee1}。现行物业费：{now}。"),
    "operations.npv": ("Operations NPV over {years} years: {npv} CNY; balance at the horizon: "
                       "{balance} CNY.",
                       "{years} 年运营净现值：{npv} 元；期末累计结余：{balance} 元。"),
    "fee.uncertain": ("uncertain (a distribution)", "不确定（服从分布）"),
    "fallback.title": ("Fallback payer ({who}), up to its cap", "兜底方（{who}），以其上限为限"),
    "fund.title": ("Repairs fund (维修资金), {years} years ({convention} convention)",
                   "住宅专项维修资金，{years} 年，{convention}"),
    "financing.title": ("Financing instruments", "融资工具"),
    "fiscal.all_levels": ("all levels", "各级政府"),
    "fiscal.title": ("Government commitments ({level}), CNY — present value {pv}",
                     "政府支出责任（{level}），元 — 现值 {pv}"),
    "fiscal.title_mean": ("Government commitments ({level}), mean CNY — present value {pv}",
                          "政府支出责任（{level}），均值，元 — 现值 {pv}"),
    "channels.sentence": ("Residents pay {total} CNY{mean}: {parts}.",
                          "居民出资 {total} 元{mean}：{parts}。"),
    "channels.mean": (" (mean)", "（均值）"),
    "votes.title": ("Votes", "表决结果"),
    "votes.title_mc": ("Votes over {draws:,} draws", "表决结果（{draws:,} 次模拟）"),
    "votes.p_pass": ("P(pass)", "通过概率"),
    "votes.whole_compound": ("whole compound", "全小区"),
    "yes": ("yes", "通过"), "NO": ("NO", "未通过"),
    "votes.partly_defined": ("mean over the {share} of draws where a common willingness to "
                             "pay passes it", "为存在可通过表决的统一支付意愿的 {share} 模拟"
                             "中的均值"),
    "votes.more": ("... and {n:,} more ballots: {where}.", "……另有 {n:,} 项表决：{where}。"),
    "more": ("decisions.csv, households.csv with --out; Result.decisions(), "
             "Result.households()",
             "见 --out 输出的 decisions.csv、households.csv；Result.decisions()、"
             "Result.households()"),
    "votes.legend_mc": ("P(pass): share of the draws passing, each household drawing its own "
                        "willingness to pay; ",
                        "通过概率：表决通过的模拟次数占比，每户各自抽取支付意愿；"),
    "votes.legend": ("WTP threshold: the least willingness to pay, common to the ballot's "
                     "households, at which it passes",
                     "通过所需支付意愿：参与表决各户统一的、使表决通过的最低支付意愿"),
    "votes.legend_mean": (" (mean over the draws)", "（各次模拟的均值）"),
    "votes.legend_none": ("; – where none does (too few take part)",
                          "；“–”表示不存在（参与户数太少）"),
    "floors.title": ("Cost per household by floor (CNY)", "各楼层户均出资（元）"),
    "floors.means": ("means over the draws in which the household's items are built",
                     "为该户改造内容得以实施的模拟中的均值"),
    "floors.voted_down": ("– where the household's items are voted down",
                          "“–”表示该户改造内容未获表决通过"),
    "floors.pays": ("Pays (CNY)", "出资（元）"),
    "floors.loan": ("Loan (CNY/month)", "贷款月供（元/月）"),
    "floors.all_buildings": ("all {n:,} buildings", "全部 {n:,} 栋楼"),
    "floors.same": ("the same in {which}", "{which}相同"),
    "floors.loan_note": ("loan: the monthly payment of a household that borrows its whole "
                         "share over {years} years", "贷款：一户按 {years} 年全额借款的月供"),
    "floors.alike": ("{name} (+{n} alike)", "{name}（另 {n} 栋相同）"),
    "floors.more": ("{n:,} more buildings: {where}", "另有 {n:,} 栋楼：{where}"),
    # fundmodel solve (English: the Solution's own text)
    "solve.head": ("solve {lever} for {target} ({how}; {method})",
                   "求解 {lever}，目标：{target}（{how}；{method}）"),
    "solve.point": ("one draw at the point estimates", "点估计下的单次计算"),
    "solve.mc": ("{draws:,} draws, {sampler} sampler, seed {seed}",
                 "{draws:,} 次模拟，{sampler}抽样，随机种子 {seed}"),
    "reason.converged": ("converged", "已收敛"),
    "reason.no crossing in the lever's range": ("no crossing in the lever's range",
                                                 "措施取值范围内无解"),
    "reason.metric undefined (NaN)": ("metric undefined (NaN)", "指标无定义"),
    "reason.not converged": ("not converged", "未收敛"),
    "method.closed_form": ("closed form", "解析解"), "method.search": ("search", "数值搜索"),
    "solve.answer": ("answer: {value}", "结果：{value}"),
    "solve.answer_per_draw": ("answer per draw: mean {mean}, p5 {p5}, p50 {p50}, p95 {p95} "
                              "(over {n:,} draws)",
                              "逐次模拟结果：均值 {mean}，5%分位 {p5}，50%分位 {p50}，95%分位 "
                              "{p95}（{n:,} 次模拟）"),
    "solve.answer_mcse": (" (± {mcse} Monte Carlo)", "（蒙特卡洛误差 ± {mcse}）"),
    "solve.statistic": ("the statistic there: {value} ± {mcse}", "该处统计量：{value} ± {mcse}"),
    "solve.no_root": ("no root in {n:,} of {draws:,} draws ({why})",
                      "{draws:,} 次模拟中有 {n:,} 次无解（{why}）"),
    "solve.disagreement": ("closed form against search: largest relative difference {d:.2e}",
                           "解析解与数值搜索的最大相对差：{d:.2e}"),
    "solve.note": ("note: {note}", "注：{note}"),
    "solve.work": ("{calls:,} engine calls, {evals:,} draw evaluations, {seconds:.2f} s "
                   "({rate:,.0f} evaluations/s)",
                   "引擎调用 {calls:,} 次，计算 {evals:,} 次模拟，用时 {seconds:.2f} 秒（每秒 "
                   "{rate:,.0f} 次）"),
    # fundmodel district
    "district.head": ("[bold]{title}[/]: {compounds:,} compounds, {households:,} households; "
                      "{draws:,} draws, seed {seed}",
                      "[bold]{title}[/]：{compounds:,} 个小区，{households:,} 户；"
                      "{draws:,} 次模拟，随机种子 {seed}"),
    "district.plan": ("The phased plan", "分期实施计划"),
    "district.in_plan": ("{n:,} of {total:,} compounds in the plan ({status})",
                         "计划纳入 {n:,} / {total:,} 个小区（{status}）"),
    "district.totals": ("The district (sums over its compounds, CNY)", "全区合计（各小区加总，元）"),
    "district.programme": ("The programme's pooled instruments (each one over its package of "
                           "compounds)", "打捆项目（每项覆盖其项目包内各小区）"),
    "district.outlay": ("Fiscal outlay by level and year (CNY: mean, p5, p95)",
                        "各级政府分年度财政支出（元：均值、5%分位、95%分位）"),
    "district.areas": ("Shared service areas: operating subsidy, PV, of all {n:,} compounds at "
                       "the point estimates (CNY)",
                       "片区共享物业服务：全部 {n:,} 个小区按点估计的运营补贴现值（元）"),
    "district.standalone": ("standalone", "单独服务"), "district.shared": ("shared areas", "片区共享"),
    "district.units": ("units", "服务单元数"),
    "district.subsidy": ("subsidy (all compounds)", "补贴（全部小区）"),
    "district.subsidy_run": ("Operating subsidy, PV ({n:,} compounds run, each alone)",
                             "运营补贴现值（本次计算的 {n:,} 个小区，各自单独）"),
    "district.overrun": ("Probability that a level's budget is overrun, by year (its outlay "
                         "above its renovation budget, share of the draws)",
                         "各级政府分年度超预算概率（支出超过改造预算的模拟占比）"),
    "district.p_overrun": ("P(overrun)", "超预算概率"),
    "district.breaking_even": ("breaking even", "实现保本"),
    "district.saving": ("saving {saving} CNY", "节约 {saving} 元"),
    "district.merge_cost": ("merging compounds (capital)", "合围并院（一次性投入）"),
    "col.Compounds": ("Compounds", "小区数"), "col.Households": ("Households", "户数"),
    "col.Level": ("Level", "政府层级"),
    "plan.optimal": ("optimal", "最优解"), "plan.time_limit": ("time_limit", "达到时间上限"),
    "plan.infeasible": ("infeasible", "无可行解"), "plan.unbounded": ("unbounded", "无界"),
    "plan.error": ("error", "求解出错"),
    # the report's sentences and headings (export/report.py)
    "report.doc_title": ("{title}: renovation and upkeep", "{title}：改造与长效运营测算报告"),
    "report.facts": ("{households} households · {area} m² · {buildings} buildings of {storeys} storeys"
              " · built {built}", "{households}户 · 建筑面积{area}m² · {buildings}栋{storeys}层"
              " · {built}年建成"),
    "report.facts_short": ("{households} households · {area} m²", "{households}户 · 建筑面积{area}m²"),
    "report.run_mc": ("Monte Carlo simulation: {draws} draws ({sampler}, seed {seed}); figures are "
               "means over the draws unless marked otherwise.",
               "蒙特卡洛模拟：{draws}次抽样（{sampler}，随机种子{seed}）；除另有说明外，数值为各次"
               "模拟的均值。"),
    "report.run_det": ("One deterministic run: every uncertain input at its {point}.",
                "确定性测算：每个不确定参数取其{point}。"),
    "report.sec_funding": ("The funding mix and the gap", "资金来源与资金缺口"),
    "report.sec_years": ("The operation year by year", "逐年运营测算"),
    "report.sec_sure": ("How sure it is", "结果的确定程度"),
    "report.sec_drivers": ("What drives it", "主要影响因素"),
    "report.sec_assumptions": ("The assumptions", "测算假设"),
    "report.sec_record": ("The run record", "运行记录"),
    "report.funding_story": ("The renovation costs {capex} CNY. The sources below pay {raised} CNY "
                      "({raised_share}); {gap} CNY is left unfunded ({gap_share} of the cost, "
                      "{gap_hh} CNY per household).",
                      "改造总投资{capex}元，下列资金来源共落实{raised}元（{raised_share}），资金缺口"
                      "{gap}元（占总投资{gap_share}，户均{gap_hh}元）。"),
    "report.funding_nogap": ("The renovation costs {capex} CNY, and the sources below pay all of it.",
                      "改造总投资{capex}元，下列资金来源可全部覆盖。"),
    "report.parties_caption": ("Who pays and who receives over the whole life (CNY)",
                        "各方全周期收支（元）"),
    "report.funding_caption": ("Funding mix (CNY)", "资金来源构成（元）"),
    "report.years_story": ("In the first operating year ({year}) the operation ends with a {sign} of "
                    "{surplus} CNY. Over {horizon} years the operations are worth {npv} CNY "
                    "(net present value) and the account ends at {balance} CNY. The fee that "
                    "breaks even over the horizon is {breakeven} {fee_unit}; the fee charged is "
                    "{fee}.",
                    "运营首年（{year}年）{sign}{surplus}元。{horizon}年运营净现值为{npv}元，期末累计"
                    "结余{balance}元。测算期内保本物业费为{breakeven}{fee_unit}，现行收费标准为"
                    "{fee}。"),
    "report.surplus": ("surplus", "结余"), "report.deficit": ("deficit", "亏损"),
    "report.uncertain_fee": ("uncertain (a distribution)", "不确定（按分布取值）"),
    "report.yearly_caption": ("Operating statement (CNY per year)", "运营收支表（元/年）"),
    "report.yearly_caption_mc": ("Operating statement, means over the draws (CNY per year)",
                          "运营收支表，各次模拟均值（元/年）"),
    "report.sure_det": ("This is one run at the point estimates: it shows what happens when every "
                 "uncertain input takes its central value, not how likely that is. A Monte "
                 "Carlo run (--draws N) gives the spread and the probabilities.",
                 "本报告为按点估计值进行的单次测算，反映各不确定参数取中间值时的结果，不代表其发生"
                 "概率。使用蒙特卡洛模拟（--draws N）可得到结果区间与概率。"),
    "report.sure_mc": ("Over {draws} draws of the uncertain inputs: the probabilities of what a "
                "leader asks about, and the range of the key figures (p5–p95: nine futures "
                "in ten fall between them).",
                "基于不确定参数的{draws}次抽样：决策关注事项的发生概率，以及关键指标的区间（5%–95%"
                "分位：十种情形中有九种落在其间）。"),
    "report.prob_caption": ("Probabilities", "概率"),
    "report.outcome_caption": ("In the base case", "基准情形"),
    "report.yes": ("yes", "是"), "report.no": ("no", "否"),
    "report.key_caption": ("Key figures", "关键指标"),
    "report.undefined_note": ("{metric}: undefined in {undefined} of {draws} draws ({when}); the "
                       "statistics are over the others.",
                       "{metric}：{draws}次模拟中有{undefined}次无定义（{when}），统计量按其余模拟计算。"),
    "report.drivers_story": ("Each uncertain input moved alone from its low to its high value, the "
                      "others at their point estimates: how far {metric} moves (the swing), "
                      "largest first.",
                      "每次只让一个不确定参数从低值变到高值，其余参数取点估计值：{metric}的变动幅度，"
                      "按大小排序。"),
    "report.items_caption": ("Renovation items", "改造内容"),
    "report.rules_caption": ("Funding rules, in the order they pay", "资金来源规则（按出资顺序）"),
    "report.terms": ("Terms", "条件"),
    "report.terms_in_cny": ("Amounts in the terms and inputs' values in CNY (as the scenario's "
                            "inputs are held).", "条件及参数取值中的金额单位为元。"),
    "report.fees_caption": ("Fee, income and costs of the operation", "物业收费、经营收入与运营成本"),
    "report.params_caption": ("Key parameters", "主要参数"),
    "report.parameter": ("Parameter", "参数"),
    "report.fee_row": ("Property fee", "物业费"),
    "report.mean_of": ("mean {value}", "均值{value}"),
    "report.rec_version": ("fundmodel version", "fundmodel版本"),
    "report.rec_file": ("Scenario file", "情景文件"),
    "report.rec_sha": ("SHA-256 of the file", "文件SHA-256"),
    "report.rec_set": ("Changes (--set)", "参数修改（--set）"),
    "report.rec_kind": ("Kind of run", "测算方式"),
    "report.rec_draws": ("Draws", "抽样次数"),
    "report.rec_seed": ("Seed", "随机种子"),
    "report.rec_sampler": ("Sampler", "抽样方法"),
    "report.rec_time": ("Made (UTC)", "生成时间（UTC）"),
    "report.rec_warnings": ("Warnings", "提示"),
    "report.none": ("none", "无"),
    "report.chart_waterfall": ("Funding waterfall: the sources against the cost, and the gap",
                        "资金瀑布图：各资金来源与总投资及缺口"),
    "report.chart_parties": ("Cash flows by party", "各方现金流"),
    "report.chart_fan": ("{line} by year: mean and p5–p95 band", "逐年{line}：均值与5%–95%分位区间"),
    "report.chart_histogram": ("Distribution of {metric}", "{metric}分布"),
    "report.chart_cdf": ("Cumulative distribution of {metric}", "{metric}累积分布"),
    "report.chart_tornado": ("Tornado: the inputs that move {metric} most",
                      "龙卷风图：对{metric}影响最大的参数"),
    "report.footer": ("Made with fundmodel {version}. Figures in CNY unless stated; rates and shares "
               "as percentages.", "由fundmodel {version}生成。除注明外金额单位为元。"),
    "report.per_household_card": ("{value} CNY per household", "户均{value}元"),
    "report.of_cost_card": ("{value} of the cost", "占总投资{value}"),
    "report.fee_now_card": ("fee charged: {value}", "现行收费：{value}"),
    "report.lang_attr": ("en", "zh-CN"),
    # a declared output table's section (export/report.py, fundmodel.catalog.tables)
    "report.table_rows_where": ("{where}: {shown} of its {total} rows; every row is in the "
                                "table's CSV file and the workbook.",
                                "{where}：共 {total} 行中的 {shown} 行；全部数据见输出的CSV文件和工作簿。"),
    "report.table_rows_first": ("The first {shown} of {total} rows; every row is in the "
                                "table's CSV file and the workbook.",
                                "共 {total} 行中的前 {shown} 行；全部数据见输出的CSV文件和工作簿。"),
    # the report's sections of what `run` prints (households, upkeep, financing) and the
    # district's report (export/report.py)
    "report.sec_households": ("The residents: votes and what a household pays",
                              "居民表决与户均出资"),
    "report.households_story": ("Each ballot's outcome, what a household pays floor by floor "
                                "where its items are built, and how the residents pay.",
                                "各项表决的结果、改造内容实施时各楼层每户的出资，以及居民的出资渠道。"),
    "report.channels_caption": ("Payment channels of the residents", "居民出资渠道"),
    "report.sec_upkeep": ("The street's fallback and the repairs fund", "兜底补贴与住宅专项维修资金"),
    "report.sec_financing": ("Investors, bundled projects, debt and the government's commitments",
                             "社会资本、捆绑项目、债务与政府支出责任"),
    "report.financing_story": ("What each financing instrument earns, lends or covers, the debt "
                               "service against the cash flow pledged to it year by year (DSCR "
                               "below 1 in red), and what the government commits each year.",
                               "各融资工具的收益、借款与覆盖情况，逐年还本付息与质押现金流（偿债"
                               "覆盖率低于1标红），以及政府每年的支出责任。"),
    "report.instrument_caption": ("{kind}: {name}", "{kind}：{name}"),
    "report.debt_caption": ("Debt service and its cover by year (CNY)", "逐年还本付息及覆盖情况（元）"),
    "report.district_title": ("{title}: the district's renovation", "{title}：片区改造测算报告"),
    "report.district_facts": ("{compounds} compounds · {households} households",
                              "{compounds}个小区 · {households}户"),
    "report.sec_plan": ("The phased plan", "分期实施计划"),
    "report.sec_outlay": ("Fiscal outlay by level and year", "各级政府分年度财政支出"),
    "report.sec_district": ("The district's totals", "全区合计"),
    "report.sec_programme": ("The programme's pooled instruments", "打捆项目"),
    "report.sec_compounds": ("The compounds", "各小区测算结果"),
    "report.plan_story": ("{n} of {total} compounds are in the plan ({status}).",
                          "计划纳入{n}/{total}个小区（{status}）。"),
    "report.no_plan": ("No phasing: every compound starts in the first year.",
                       "未做分期：各小区均在首年开工。"),
    "report.budget_caption": ("Budget use by level and year (CNY)", "各级政府分年度预算使用（元）"),
    "report.outlay_caption": ("Fiscal outlay by level and year (CNY: mean, p5, p50, p95)",
                              "各级政府分年度财政支出（元：均值、5%分位、50%分位、95%分位）"),
    "report.district_caption": ("Sums over the compounds (CNY)", "各小区加总（元）"),
    "report.programme_caption": ("Each over its package of compounds, over the draws (a yes/no "
                                 "as the share of the draws)",
                                 "各项按其项目包内小区合并测算，各次模拟统计（是/否指标为占比）"),
    "report.compounds_caption": ("Per compound: means over the draws", "各小区：各次模拟均值"),
    "report.compounds_more": ("The first {shown:,} of {total:,} compounds; all are in the workbook "
                              "(--excel) and compounds.csv (--out).",
                              "显示前{shown:,}个小区（共{total:,}个）；全部小区见工作簿（--excel）"
                              "与compounds.csv（--out）。"),
    # the compare command's titles and notes (cli_compare.py)
    "compare.compare": ("Scenarios compared", "情景比较"),
    "compare.levers": ("Levers, each added on top of the ones before it",
               "逐项叠加措施（每项在前一项基础上叠加）"),
    "compare.each": ("Each lever alone against the baseline", "各项措施单独对比基准方案"),
    "compare.deterministic": ("deterministic run (distributions at their point estimates)",
                      "确定性测算（分布取点估计）"),
    "compare.monte_carlo": ("Monte Carlo: {draws} draws, seed {seed}", "蒙特卡洛模拟：{draws} 次，种子 {seed}"),
    "compare.change": ("in brackets: the change from the row before", "括号内为与上一行相比的变化"),
    "compare.change_each": ("in brackets: the change from the baseline", "括号内为与基准方案相比的变化"),
    "compare.band": ("mean, then p5 – p95 below", "均值，下方为 5%–95% 分位区间"),
})
"""Every sentence, title and phrase the command line prints, in English and Chinese (format
strings: :func:`text` fills them in). English is the command's output as it always was."""


def text(key: str, lang: str = "en", **fields) -> str:
    """The sentence ``key`` of :data:`TEXT` in ``lang`` with ``fields`` filled in
    (``str.format``)."""
    check_lang(lang)
    return TEXT[key].get(lang).format(**fields)


_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def relabel(message: str, lang: str = "en") -> str:
    """A message of the library (a warning, a solver's note) with every catalogue identifier
    in it (a name with ``_``: ``funding_gap``) replaced by its label in ``lang``; in English,
    the message unchanged."""
    check_lang(lang)
    if lang == "en":
        return message
    return _IDENTIFIER.sub(lambda m: label(m.group(0), lang), message)
