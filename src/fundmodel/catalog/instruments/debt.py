"""Debt: bank loans and special bonds (sources ``bank_loan``, ``special_bond``; scenario models
:mod:`fundmodel.scenario.funding.debt`, compile :mod:`fundmodel.inputs.debt`, engine
:mod:`fundmodel.engine.instruments.debt`)."""

from __future__ import annotations

from ..base import Instrument, Output
from ..flows import GOVERNMENT_LEVELS

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    "debt",
    en="Debt", zh="债务",
    sources={"bank_loan": ("Bank loan", "银行贷款"), "special_bond": ("Special bond", "专项债券")},
    models=("fundmodel.scenario.funding.debt:BankLoan", "fundmodel.scenario.funding.debt:SpecialBond"),
    lines=(
        Output("debt[<label>].interest", "CNY/year", "Interest paid by the debt's obligor (the "
               "operator for a bank loan, the issuer for a bond)", en="interest", zh="利息",
               payers=("operator", *GOVERNMENT_LEVELS), payees=("lender",), kind="financing"),
        Output("debt[<label>].principal", "CNY/year", "Principal repaid by the debt's obligor",
               en="principal", zh="本金", payers=("operator", *GOVERNMENT_LEVELS), payees=("lender",),
               kind="financing"),
        Output("debt[<label>].construction_interest", "CNY/year", "Interest during construction "
               "paid by the debt's obligor (construction_interest: paid): rate × (drawn before "
               "the year + half the year's drawing)", en="interest during construction",
               zh="建设期利息", payers=("operator", *GOVERNMENT_LEVELS), payees=("lender",),
               kind="financing"),
        Output("debt[<label>].issuance_fee", "CNY/year", "Issuance fee paid by the debt's "
               "obligor as the debt is drawn: issuance_fee × the principal drawn",
               en="issuance fee", zh="发行费", payers=("operator", *GOVERNMENT_LEVELS),
               payees=("lender",), kind="financing"),
        Output("debt[<label>].annual_fee", "CNY/year", "Fee a year (registration, custody, "
               "rating) paid by the debt's obligor: annual_fee × the balance at the start of "
               "the term year", en="annual fee", zh="登记托管等年费",
               payers=("operator", *GOVERNMENT_LEVELS), payees=("lender",), kind="financing"),
        Output("debt[<label>].redemption_fee", "CNY/year", "Redemption fee paid by the debt's "
               "obligor: redemption_fee × the principal repaid in the year",
               en="redemption fee", zh="兑付手续费", payers=("operator", *GOVERNMENT_LEVELS),
               payees=("lender",), kind="financing"),
        Output("debt[<label>].pledged_revenue", "CNY/year", "Revenue pledged to a bond that the "
               "operator remits to its issuer", en="pledged revenue", zh="质押收入",
               payers=("operator",), payees=GOVERNMENT_LEVELS, kind="financing"),
        Output("debt[<label>].guarantee_call", "CNY/year", "What the guarantor pays the operator "
               "when the cash flow falls short of the debt service", en="guarantee calls",
               zh="担保代偿", payers=GOVERNMENT_LEVELS, payees=("operator",), kind="financing"),
    ),
    metrics=(
        Output("debt[<label>].amount", "CNY", "Principal lent: min(amount, DSCR-sized, gearing × "
               "cost of its items, cap, need)",
               en="amount lent", zh="借款额"),
        Output("debt[<label>].capped", "0/1", "1 if the amount given was cut by the DSCR sizing, "
               "gearing, cap or need; 0 otherwise (and when no amount is given)",
               en="amount capped", zh="额度受限"),
        Output("debt[<label>].min_dscr", "ratio", "Least debt service cover ratio CFADS_t / DS_t "
               "over the years with debt service", "no debt service (nothing lent)",
               en="lowest DSCR", zh="最低偿债覆盖率", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].avg_dscr", "ratio", "Mean of CFADS_t / DS_t over the years with debt "
               "service", "no debt service (nothing lent)",
               en="mean DSCR", zh="平均偿债覆盖率", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].min_dscr_year", "year", "Operating year of min_dscr (the first, if "
               "tied)", "no debt service (nothing lent)",
               en="year of the lowest DSCR", zh="最低偿债覆盖率年份", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].llcr", "ratio", "Loan life cover ratio: present value at the loan "
               "rate of CFADS over the term (to the start of operating year 1) / principal",
               "nothing lent",
               en="LLCR", zh="贷款期覆盖率", undefined_zh="未借款"),
        Output("debt[<label>].coverage_gross", "ratio", "Σ pledged revenue over the term / Σ "
               "(principal + interest)", "no debt service (nothing lent)",
               en="gross coverage", zh="总覆盖倍数", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].coverage_net", "ratio", "Σ (pledged revenue − pledged costs) over "
               "the term / Σ (principal + interest) (= coverage_gross without pledged costs)",
               "no debt service (nothing lent)",
               en="net coverage", zh="净覆盖倍数", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].meets_coverage", "0/1", "1 if coverage_net (coverage_gross when no "
               "costs are pledged) ≥ coverage_threshold", "no debt service (nothing lent)",
               en="meets its coverage", zh="满足覆盖要求", undefined_zh="无还本付息（未借款）"),
        Output("debt[<label>].guarantee_call", "CNY", "Total the guarantor pays the operator over "
               "the term: share × max(DS_t − max(CFADS_t, 0), 0) each year (0 without a "
               "guarantee)",
               en="guarantee calls", zh="担保代偿"),
        Output("debt[<label>].shortfall_years", "years", "Years of the term with debt service in "
               "which CFADS_t < DS_t (a year without debt service is never short, whatever its "
               "cash flow)",
               en="years short of debt service", zh="偿债缺口年数"),
        Output("debt[<label>].negative_principal_years", "years", "Years of the term in which the "
               "principal repaid is negative: a sculpted service below the interest (CFADS_t / "
               "dscr_target < interest), the unpaid interest added to the balance (0 for annuity, "
               "equal_principal and bullet)",
               en="years of negative principal", zh="本金负摊还年数"),
        Output("debt[<label>].construction_interest", "CNY", "Interest during construction, "
               "paid in the construction years or capitalised (added to the principal repaid "
               "over the term); only with construction_interest: paid or capitalised",
               en="interest during construction", zh="建设期利息",
               when=("construction_interest",)),
        Output("debt[<label>].fees", "CNY", "Fees paid over the debt's life: issuance, annual "
               "and redemption fees (only with a fee given)",
               en="fees", zh="发行及兑付等费用",
               when=("issuance_fee", "annual_fee", "redemption_fee")),
        Output("debt[<label>].capital", "CNY", "The part of a special bond used as the "
               "project's capital (专项债用作资本金): capital_share × amount; only with "
               "capital_share", en="capital part", zh="用作资本金部分", when=("capital_share",)),
        Output("debt[<label>].coverage_gross_operating_period", "ratio", "Σ pledged revenue "
               "over the whole operating period (beyond the term too) / Σ debt service of the "
               "term; only with coverage_bases", "no debt service (nothing lent)",
               en="gross coverage over the operating period", zh="运营期总覆盖倍数",
               undefined_zh="无还本付息（未借款）", when=("coverage_bases",)),
        Output("debt[<label>].coverage_net_operating_period", "ratio", "Σ (pledged revenue − "
               "pledged costs) over the whole operating period / Σ debt service of the term; "
               "only with coverage_bases", "no debt service (nothing lent)",
               en="net coverage over the operating period", zh="运营期净覆盖倍数",
               undefined_zh="无还本付息（未借款）", when=("coverage_bases",)),
        Output("debt[<label>].coverage_gross_with_construction", "ratio", "Σ pledged revenue "
               "over the term / (Σ debt service of the term + what the obligor paid before "
               "operating year 1: interest during construction, early tranches' service, "
               "issuance fees); only with coverage_bases", "no debt service (nothing lent)",
               en="gross coverage with the construction years", zh="含建设期利息总覆盖倍数",
               undefined_zh="无还本付息（未借款）", when=("coverage_bases",)),
        Output("debt[<label>].coverage_net_with_construction", "ratio", "Σ (pledged revenue − "
               "pledged costs) over the term / (Σ debt service of the term + what the obligor "
               "paid before operating year 1); only with coverage_bases",
               "no debt service (nothing lent)",
               en="net coverage with the construction years", zh="含建设期利息净覆盖倍数",
               undefined_zh="无还本付息（未借款）", when=("coverage_bases",)),
        Output("coverage_all_debts", "ratio", "Cover of all debts together: Σ over the debts of "
               "their coverage basis (pledged revenue − pledged costs, or the revenue without "
               "pledged costs) over their terms / Σ over the debts of their principal + interest; "
               "a line shared between debts counts once (each debt its share)",
               "no debt service (nothing lent by any debt)",
               en="Coverage of all debts together", zh="全部债务合并覆盖倍数", undefined_zh="各项债务均无还本付息（均未借款）"),
    ),
    pooled_share="debt[<label>].amount",
    fields={
        "term_years": ("Term", "期限"),
        "grace_years": ("Grace years", "宽限期"),
        "repayment": ("Repayment", "还款方式"),
        "principal_profile": ("Principal repaid by year", "分期还本比例"),
        "construction_interest": ("Interest during construction", "建设期利息"),
        "asset_life_years": ("Useful life of the assets financed", "所形成资产使用年限"),
        "issuance_fee": ("Issuance fee", "发行费率"),
        "annual_fee": ("Annual fee", "年费率"),
        "redemption_fee": ("Redemption fee", "兑付手续费率"),
        "tranches": ("Tranches", "分年发行"),
        "capital_share": ("Share used as capital", "用作资本金比例"),
        "coverage_bases": ("Cover on every basis", "多口径覆盖倍数"),
        "gearing": ("Gearing", "贷款比例上限"),
        "dscr_target": ("DSCR target", "目标偿债覆盖率"),
        "pledged": ("Pledged revenue", "质押收入"),
        "pledged_costs": ("Pledged costs", "扣减成本"),
        "coverage_threshold": ("Coverage threshold", "覆盖倍数要求"),
        "guarantee": ("Guarantee", "政府担保"),
        "by": ("By", "担保方"),
        "issuer": ("Issuer", "发行主体"),
        "pooled": ("Pooled over a package", "打捆（项目包）"),
        "allocation": ("Allocation of proceeds", "资金分配方式"),
    },
)
