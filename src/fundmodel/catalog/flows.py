"""Who pays whom, and of what kind: the parties (:class:`Party`), the levels of government and
the kinds of flow (:class:`Kind`) that the ledger's lines carry, declared once. A funding
instrument adds the kinds of flow it introduces in its own declaration
(:mod:`fundmodel.catalog.instruments`)."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

__all__ = ["Party", "PARTIES", "GOVERNMENT_LEVELS", "Kind", "KINDS"]


@dataclass(frozen=True)
class Party:
    """One party that pays or receives: its label and meaning, declared once.

    ``ledger`` False: a payer of the funding table only (``government``, ``investors``,
    ``lenders`` of :data:`fundmodel.scenario.funding.PAYERS`), not a party on the ledger.
    """

    name: str
    en: str
    zh: str
    _: KW_ONLY
    description: str
    description_zh: str
    ledger: bool = True
    short: str = ""
    """A short English header for a narrow terminal table ('': the ``en`` label)."""


PARTIES: dict[str, Party] = {p.name: p for p in [
    Party("central_government", "Central government", "中央政府",
          description="Central government (中央): fiscal subsidies, budget investment",
          description_zh="中央政府：中央财政补助、中央预算内投资"),
    Party("provincial_government", "Provincial government", "省级政府",
          description="Provincial government (省级)", description_zh="省级政府"),
    Party("city_district_government", "City or district government", "市/区政府",
          description="City or district government (市/区): matching funds, integrated "
                      "programme funds",
          description_zh="市/区政府：配套资金、统筹整合资金"),
    Party("street_community", "Street office or community", "街道/社区",
          description="Street office or community (街道/社区): fallback services and subsidies",
          description_zh="街道/社区：兜底服务与补贴"),
    Party("soe", "State-owned enterprises", "国有企业",
          description="State-owned enterprises (三供一业 transfer funds)",
          description_zh="国有企业（三供一业移交资金）",
          short="SOE (not gov.)"),
    Party("utilities", "Utility companies", "专营单位",
          description="Utility and pipeline companies (their own networks)",
          description_zh="水电气热等专营单位（各自管网）"),
    Party("residents", "Residents", "居民", description="Residents and owners",
          description_zh="居民和业主"),
    Party("donors", "Donors", "捐赠方", description="Donors and crowdfunding",
          description_zh="社会捐赠与众筹"),
    Party("operator", "Property service operator", "物业服务方",
          description="The property service operator's account (fees, income and running "
                      "costs)",
          description_zh="物业服务方账户（物业费、经营收入与运营成本）"),
    Party("compound_account", "Compound's own account", "小区公共收益账户",
          description="The compound's own account (公共收益)", description_zh="小区公共收益账户"),
    Party("project", "Renovation project", "改造项目",
          description="The renovation project (receives the funding, pays the works)",
          description_zh="改造项目（接收资金，支付工程款）"),
    Party("contractors", "Contractors", "施工单位",
          description="Contractors and suppliers of the renovation works",
          description_zh="改造工程的施工单位和供应商"),
    Party("suppliers", "Staff and suppliers", "人员与供应商",
          description="Staff, suppliers and utilities of the running of the compound",
          description_zh="小区日常运行的人员、供应商和公用事业"),
    Party("users", "Users of services", "服务使用者",
          description="Users of the compound's commercial services: parking, advertising, "
                      "rents",
          description_zh="小区经营性服务的使用者：停车、广告、租赁"),
    Party("tax_authority", "Tax authority", "税务机关", description="Tax authority (VAT on fees)",
          description_zh="税务机关（物业费增值税）"),
    Party("unfunded", "Unfunded", "未落实", description="What no source covers: the funding gap",
          description_zh="无来源覆盖的部分：资金缺口"),
    Party("investor", "Social capital", "社会资本",
          description="Social capital investing for operating rights",
          description_zh="以经营权投资的社会资本"),
    Party("investors", "Social capital", "社会资本", ledger=False,
          description="Payer of the funding table: social capital (the investor on the ledger)",
          description_zh="资金来源表的出资方：社会资本（台账上的社会资本）"),
    Party("lender", "Lenders", "贷款方", description="Banks and bond holders",
          description_zh="银行与债券持有人"),
    Party("lenders", "Lenders", "贷款方", ledger=False,
          description="Payer of the funding table: banks and bond holders (the lender on the "
                      "ledger)",
          description_zh="资金来源表的出资方：银行与债券持有人（台账上的贷款方）"),
    Party("bundled_project", "Bundled project", "捆绑项目",
          description="A profitable project bundled with the renovation",
          description_zh="与改造捆绑的盈利项目"),
    Party("repairs_fund", "Repairs fund", "住宅专项维修资金",
          description="The long-term repairs fund (维修资金)", description_zh="住宅专项维修资金"),
    Party("provident_fund", "Housing provident fund", "住房公积金",
          description="The housing provident fund (公积金): owners' savings withdrawn",
          description_zh="住房公积金：业主提取的储蓄"),
    Party("deposit_bank", "Deposit bank", "存款银行",
          description="The bank holding the repairs fund's deposits (pays their interest)",
          description_zh="维修资金存款银行（支付利息）"),
    Party("government", "Government", "政府", ledger=False,
          description="Payer of the funding table: the levels of government together",
          description_zh="资金来源表的出资方：各级政府合计"),
]}
"""Every party: the ledger's (in the order the parties' tables list them) and the funding
table's payers that are not on the ledger."""

GOVERNMENT_LEVELS = ("central_government", "provincial_government", "city_district_government",
                     "street_community")
"""The levels of government (parties of :data:`PARTIES`), in the order a finance bureau reads
them."""


@dataclass(frozen=True)
class Kind:
    """A kind of flow on the ledger: its labels and meaning.

    ``cash`` False: value given, not money paid (a lent building, a street service); such a line
    paid to the operator is a memo line of the operating statement, outside its sums.
    """

    name: str
    en: str
    zh: str
    description: str
    cash: bool = True


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("capital", "Capital", "建设投资", "The renovation's cost and its funding"),
    Kind("operating", "Operating", "运营", "Fees, income, running costs and taxes"),
    Kind("financing", "Financing", "融资", "Loans, bonds, investment and their returns"),
    Kind("reserve", "Repairs fund", "维修资金", "Into and out of the long-term repairs fund "
         "(deposits, interest, top-ups, replacements)"),
]}
"""The kinds of flow of the model's own lines; the instruments' kinds are added in
:data:`fundmodel.catalog.KINDS`."""
