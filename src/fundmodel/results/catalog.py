"""The names, units and meaning of every metric and yearly line fundmodel reports.

These names are public contract: they are the columns of ``Result.metrics`` and
``Result.yearly()`` and appear in the docs. :func:`lookup` finds any of them, including the
per-line names ``income[<name>]`` and ``cost[<name>]`` of a scenario's income and cost lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["QUANTILES", "QUANTILE_METHOD", "CASHFLOW_QUANTILES", "quantile_name", "Metric",
           "METRICS", "YEARLY_LINES", "YEARLY_COLUMNS", "LINE_PATTERNS", "HOUSEHOLD_TABLES",
           "INSTRUMENT_METRICS", "FINANCING_LINES", "FINANCING_METRICS", "SOE_METRICS",
           "FALLBACK_LINES", "FALLBACK_METRICS",
           "FUND_METRICS", "FUND_LINES",
           "lookup", "known_names"]

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


@dataclass(frozen=True)
class Metric:
    """A per-draw output: its unit and what it means.

    ``undefined_when`` says in which draws the value is undefined (NaN), '' if never.
    """

    name: str
    unit: str
    description: str
    undefined_when: str = ""


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("capex_total", "CNY", "Renovation cost of all items with contingency (year 0)"),
    Metric("funding_total", "CNY", "Sum applied by all funding sources"),
    Metric("funding_gap", "CNY", "Renovation cost no source covers"),
    Metric("funding_gap_share", "share", "funding_gap / capex_total"),
    Metric("has_funding_gap", "0/1", "1 if funding_gap > 0; its mean is P(funding_gap > 0)"),
    Metric("government_cost", "CNY", "Applied by government sources (central, provincial, "
           "local, programme funds, top-ups), the state firms' transfer funds not included: "
           "what the levels of government pay in the construction years (Result.government()"
           "['total'] summed over them)"),
    Metric("soe_cost", "CNY", "Applied by state firms' \"三供一业\" transfer funds "
           "(soe_transfer): the firms' money, not government's; only in scenarios with such "
           "a rule"),
    Metric("resident_cost", "CNY", "Applied by residents"),
    Metric("government_cost_per_household", "CNY/household", "government_cost / households"),
    Metric("soe_cost_per_household", "CNY/household", "soe_cost / households"),
    Metric("resident_cost_per_household", "CNY/household", "resident_cost / households"),
    Metric("funding_gap_per_household", "CNY/household", "funding_gap / households"),
    Metric("fee_income_first_year", "CNY/year", "Property fee income in year 1"),
    Metric("operating_cost_first_year", "CNY/year", "Operating cost (with margin) in year 1"),
    Metric("operating_surplus_first_year", "CNY/year", "Operating surplus in year 1 "
           "(negative: a deficit)"),
    Metric("net_cash_flow_first_year", "CNY/year", "What the compound's account keeps in "
           "year 1 after financing: operating_surplus_first_year + financing_net of year 1 "
           "(less the debt service it pays, the revenue it remits to a bond's issuer and the "
           "income investors take, plus guarantee calls); before any fallback payment; only "
           "in scenarios with financing lines to or from the account (else it would be "
           "operating_surplus_first_year)"),
    Metric("operating_deficit_years", "years", "Number of years with an operating deficit"),
    Metric("any_operating_deficit", "0/1", "1 if any year is in deficit; its mean is "
           "P(any year in operating deficit)"),
    Metric("first_deficit_year", "year", "First operating year (1..horizon) in deficit",
           "no year is in deficit"),
    Metric("cumulative_balance_final", "CNY", "Cumulative operating balance at the horizon"),
    Metric("balance_negative_at_horizon", "0/1", "1 if cumulative_balance_final < 0; its mean "
           "is P(cumulative balance < 0 at the horizon)"),
    Metric("npv_operations", "CNY", "NPV of the net cash flow after financing (the "
           "operating surplus where there are no financing lines) of years 1..horizon at the "
           "nominal discount rate, before any fallback payment"),
    Metric("breakeven_fee_rate", "CNY/m²/month", "Fee rate (year 1, growing as the fee does) "
           "at which npv_operations is 0: operations after financing break even over the "
           "horizon, the financing flows as at the fee charged; in CNY/household/month for a "
           "fee per household (per_household_month)",
           "no fee is collected (collection rate 0 or no chargeable area): no fee can break even"),
    Metric("breakeven_fee_rate_first_year", "CNY/m²/month", "Fee rate at which "
           "net_cash_flow_first_year is 0: operations after financing break even in year 1, "
           "the financing flows as at the fee charged; in CNY/household/month for a fee per "
           "household",
           "no fee is collected in year 1 (collection rate 0 or no chargeable area)"),
    Metric("discount_rate_nominal", "per year", "(1 + discount_rate)(1 + inflation) − 1"),
    # only in scenarios with operations.fallback (FALLBACK_METRICS)
    Metric("fallback_total", "CNY", "What the fallback payer (street or district) pays the "
           "operating account over years 1..horizon"),
    Metric("fallback_years", "years", "Number of years in which the fallback payer pays"),
    Metric("fallback_max_year", "CNY/year", "Largest payment of the fallback payer in one "
           "year"),
    Metric("fallback_needed_max", "CNY/year", "Smallest cap_per_year (year-1 value) that keeps "
           "the cumulative balance ≥ 0 in every year: max_t of the uncapped need / the cap's "
           "growth index (the uncapped need itself with a cap that does not grow)"),
    Metric("cumulative_balance_min", "CNY", "Lowest year-end cumulative balance of the "
           "operating account over years 1..horizon, after the fallback's payments (≥ 0 in "
           "every draw whose cap is at least fallback_needed_max)"),
]}

SOE_METRICS = ("soe_cost", "soe_cost_per_household")
"""Metrics only in scenarios with a state firms' transfer-funds rule (``soe_transfer``)."""

FINANCING_METRICS = ("net_cash_flow_first_year",)
"""Metrics only in scenarios whose instruments pay or take from the compound's account (with
the yearly lines :data:`FINANCING_LINES`)."""

FALLBACK_METRICS = ("fallback_total", "fallback_years", "fallback_max_year",
                    "fallback_needed_max", "cumulative_balance_min")
"""Metrics only in scenarios with a fallback payer (``operations.fallback``)."""

YEARLY_LINES: dict[str, Metric] = {m.name: m for m in [
    Metric("property_fee_income", "CNY/year", "rate × chargeable m² × 12 × collection rate "
           "(or per_household_month × households × 12 × collection rate)"),
    Metric("other_income", "CNY/year", "Sum of the income lines (parking, advertising, ...) "
           "and menu packages"),
    Metric("total_income", "CNY/year", "property_fee_income + other_income"),
    Metric("direct_cost", "CNY/year", "Sum of the cost lines, devices' platform fees and menu "
           "packages' costs"),
    Metric("management_margin", "CNY/year", "management_margin × direct_cost"),
    Metric("operating_cost", "CNY/year", "direct_cost + management_margin"),
    Metric("vat", "CNY/year", "VAT in the fee income: fee × rate / (1 + rate)"),
    Metric("operating_surplus", "CNY/year", "total_income − operating_cost − vat"),
    Metric("financing_net", "CNY/year", "What investors, lenders and guarantors bring the "
           "operator less what it pays them (concessions, debt service, guarantee calls); only "
           "in scenarios with such instruments"),
    Metric("net_cash_flow", "CNY/year", "operating_surplus + financing_net (only in scenarios "
           "with financing instruments; the lines below then use it in place of the surplus)"),
    Metric("fallback_subsidy", "CNY/year", "What the fallback payer pays in the year: "
           "min(cap, what keeps the cumulative balance ≥ 0); only in scenarios with "
           "operations.fallback"),
    Metric("cumulative_balance", "CNY", "opening balance + surplus (net cash flow) of years "
           "1..t, + the fallback's payments"),
    Metric("discounted_surplus", "CNY", "operating_surplus (net cash flow) / (1 + nominal "
           "rate)^t"),
]}
"""Fixed yearly lines; each income and cost line also appears as ``income[<name>]`` /
``cost[<name>]`` (see :data:`LINE_PATTERNS`)."""

FINANCING_LINES = ("financing_net", "net_cash_flow")
"""Yearly lines only in scenarios whose instruments pay or take from the operator."""

FALLBACK_LINES = ("fallback_subsidy",)
"""Yearly lines only in scenarios with a fallback payer (``operations.fallback``)."""

LINE_PATTERNS: dict[str, Metric] = {m.name: m for m in [
    Metric("income[<name>]", "CNY/year", "One income line of the scenario "
           "(operations.income, by name): units × price_per_month × 12 × occupancy, or per_year; "
           "grows by its growth, else inflation; × the share built of its item (item:) in "
           "each draw; part of other_income"),
    Metric("cost[<name>]", "CNY/year", "One cost line of the scenario (operations.costs, by "
           "name): staff × wage_per_month × 12 × (1 + on_cost), or per_year, divided by "
           "shared_by (shared: × this compound's share by the split key); grows by its "
           "growth, else inflation, × (1 + ageing × (t − 1)); 0 outside first_year .. "
           "first_year + years − 1; × the share built of its item (item:) in each draw; "
           "part of direct_cost"),
    Metric("menu[<name>]", "CNY/year", "Income of a menu package (operations.menu, by name): "
           "households × take_up × price_per_household_month × 12, growing; part of "
           "other_income"),
    Metric("menu_cost[<name>]", "CNY/year", "Cost of a menu package: households × take_up × "
           "cost_per_household_month × 12, growing; part of direct_cost"),
    Metric("device[<name>]", "CNY/year", "Platform fee of smart devices (operations.devices, "
           "by name), growing; part of direct_cost"),
]}
"""The per-line yearly names: ``income[<name>]``, ``cost[<name>]``, ``menu[<name>]``,
``menu_cost[<name>]`` and ``device[<name>]``."""

YEARLY_COLUMNS: dict[str, Metric] = {m.name: m for m in [
    Metric("calendar_year", "year", "start_year + year (year 0 is the construction year)"),
]}
"""Columns of ``Result.yearly()`` that are not lines of the statement."""

HOUSEHOLD_TABLES: dict[str, dict[str, Metric]] = {table: {m.name: m for m in columns} for
                                                   table, columns in {
    "decisions": [
        Metric("households", "households", "Households in the ballot's electorate"),
        Metric("p_pass", "share", "Share of draws in which the ballot passes: P(pass)"),
        Metric("passed", "bool", "Whether the ballot passes at the point estimates "
               "(deterministic run)"),
        Metric("mcse", "share", "Monte Carlo standard error of p_pass: √(p(1 − p)/n), 1.5/n "
               "when p is 0 or 1"),
        Metric("wtp_threshold_cny", "CNY", "Least willingness to pay, the same for every "
               "household of the electorate, at which the ballot passes (mean over the draws "
               "where one exists)", "no willingness to pay passes in any draw (too few take "
               "part)"),
        Metric("wtp_threshold_defined", "share", "Share of draws in which some common "
               "willingness to pay passes the ballot"),
    ],
    "households": [
        Metric("households", "households", "Households on that floor of that building"),
        Metric("cost_per_household_cny", "CNY/household", "A household's part of what the "
               "residents' funding rules pay, 0 where its items are voted down; mean over "
               "draws"),
        Metric("p_built", "share", "Share of draws in which every decision the household "
               "votes on or pays for goes ahead for it"),
        Metric("cost_if_built_cny", "CNY/household", "cost_per_household_cny over the draws "
               "where its items are built only", "they are never built"),
        Metric("loan_payment_per_month_cny", "CNY/month", "Monthly payment of a household "
               "borrowing its whole amount at the loan's rate and term; mean over draws"),
    ],
    "channels": [
        Metric("takeup", "share", "Share of paying households using the channel (cash: the "
               "rest)"),
        Metric("amount_cny", "CNY", "What the households pay through the channel (repairs "
               "fund capped at its balance, provident fund at the cap per owner; the excess "
               "in cash); mean over draws"),
        Metric("share", "share", "amount_cny / the residents' total"),
    ],
}.items()}
"""Columns of the households' tables: ``Result.decisions()``, ``Result.households()`` and
``Result.channels()`` (scenarios with a ``households`` section)."""

INSTRUMENT_METRICS: dict[str, Metric] = {m.name: m for m in [
    # each instrument declares its per-draw metrics here, named <instrument>[<label>].<metric>
    # social capital for operating rights (source: social_capital)
    Metric("investor[<label>].investment", "CNY", "What the investor pays for the renovation, "
           "as its items are built"),
    Metric("investor[<label>].worth", "CNY", "The most it would pay: the present value at its "
           "hurdle rate of its net flows over the concession (taken-over income and its "
           "streams' revenue less their cost), as an amount paid as its items are built; 0 if "
           "negative"),
    Metric("investor[<label>].npv", "CNY", "Investor's NPV at its hurdle rate, discounted to "
           "start_year: its net flows at the end of operating years 1..concession less the "
           "investment in the construction years it falls in; 0 where it invests nothing"),
    Metric("investor[<label>].irr", "rate", "Investor's internal rate of return on the same "
           "flows (nominal, per year)", "no IRR exists: see irr_reason"),
    Metric("investor[<label>].irr_reason", "code", "Why the IRR is defined or not "
           "(fundmodel.finance.IRR_REASONS): 0 ok, 1 the flows do not change sign (e.g. it "
           "never earns), 2 no convergence, 3 all flows zero (it invests nothing), 4 no sign "
           "change of NPV on the grid, 5 a non-finite flow"),
    Metric("investor[<label>].payback_year", "years", "Operating year in which its "
           "undiscounted cumulative flow (the whole investment at the end of construction, "
           "then its net flows) turns non-negative, interpolated within the year",
           "it invests nothing, or is not paid back within the concession"),
    Metric("investor[<label>].forgone", "CNY", "Present value at the scenario's nominal "
           "discount rate (to start_year) of the income lines the compound's account forgoes "
           "to the investor"),
    Metric("investor[<label>].below_hurdle", "0/1", "1 if it invests more than its flows are "
           "worth at its hurdle rate (NPV < 0: invests: gap or amount); its mean is the "
           "probability"),
    Metric("bundle[<label>].transfer", "CNY", "What the bundled project pays towards the "
           "renovation (its funding line, summed over the years)"),
    Metric("bundle[<label>].npv", "CNY", "NPV of the bundled project's own flows (revenue − "
           "costs − tax − capital) less the transfer, at its required return, discounted to "
           "start_year (year-end flows)"),
    Metric("bundle[<label>].irr", "share", "IRR of the same flows (a fraction a year)",
           "the flows have no IRR (they never change sign, or NPV has no root)"),
    Metric("bundle[<label>].coverage", "ratio", "PV of revenue − costs − tax over PV of "
           "capital + transfer, at the required return",
           "the bundle has no capital and pays nothing (the denominator is 0)"),
    Metric("bundle[<label>].balances", "0/1", "1 if the bundle's npv ≥ 0: it can afford the "
           "transfer; its mean is P(the bundle balances)"),
    Metric("bundle[<label>].minimum_scale", "units of scale", "Smallest scale (in the rule's "
           "scale_unit) at which the bundle's coverage reaches its target_coverage (default "
           "1: npv = 0); the transfer does not depend on the scale",
           "no scale balances the bundle: its NPV after the transfer is negative at every "
           "scale (a unit of scale is worth ≤ 0 and no smaller scale pays the fixed cost)"),
    # debt (bank loans and special bonds): fundmodel.engine.instruments.debt
    Metric("debt[<label>].amount", "CNY", "Principal lent: min(amount, DSCR-sized, gearing × "
           "cost of its items, cap, need)"),
    Metric("debt[<label>].capped", "0/1", "1 if the amount given was cut by the DSCR sizing, "
           "gearing, cap or need; 0 otherwise (and when no amount is given)"),
    Metric("debt[<label>].min_dscr", "ratio", "Least debt service cover ratio CFADS_t / DS_t "
           "over the years with debt service", "no debt service (nothing lent)"),
    Metric("debt[<label>].avg_dscr", "ratio", "Mean of CFADS_t / DS_t over the years with debt "
           "service", "no debt service (nothing lent)"),
    Metric("debt[<label>].min_dscr_year", "year", "Operating year of min_dscr (the first, if "
           "tied)", "no debt service (nothing lent)"),
    Metric("debt[<label>].llcr", "ratio", "Loan life cover ratio: present value at the loan "
           "rate of CFADS over the term (to the start of operating year 1) / principal",
           "nothing lent"),
    Metric("debt[<label>].coverage_gross", "ratio", "Σ pledged revenue over the term / Σ "
           "(principal + interest)", "no debt service (nothing lent)"),
    Metric("debt[<label>].coverage_net", "ratio", "Σ (pledged revenue − pledged costs) over "
           "the term / Σ (principal + interest) (= coverage_gross without pledged costs)",
           "no debt service (nothing lent)"),
    Metric("debt[<label>].meets_coverage", "0/1", "1 if coverage_net (coverage_gross when no "
           "costs are pledged) ≥ coverage_threshold", "no debt service (nothing lent)"),
    Metric("debt[<label>].guarantee_call", "CNY", "Total the guarantor pays the operator over "
           "the term: share × max(DS_t − max(CFADS_t, 0), 0) each year (0 without a "
           "guarantee)"),
    Metric("debt[<label>].shortfall_years", "years", "Years of the term with debt service in "
           "which CFADS_t < DS_t (a year without debt service is never short, whatever its "
           "cash flow)"),
    Metric("debt[<label>].negative_principal_years", "years", "Years of the term in which the "
           "principal repaid is negative: a sculpted service below the interest (CFADS_t / "
           "dscr_target < interest), the unpaid interest added to the balance (0 for annuity, "
           "equal_principal and bullet)"),
    Metric("coverage_all_debts", "ratio", "Cover of all debts together: Σ over the debts of "
           "their coverage basis (pledged revenue − pledged costs, or the revenue without "
           "pledged costs) over their terms / Σ over the debts of their principal + interest; "
           "a line shared between debts counts once (each debt its share)",
           "no debt service (nothing lent by any debt)"),
]}
"""Per-draw metrics of the financing instruments, by pattern ``<instrument>[<label>].<metric>``
(``<label>`` is the funding rule's label): they join ``Result.metrics`` in scenarios that use
the instrument."""

FUND_METRICS: dict[str, Metric] = {m.name: m for m in [
    # the long-term repairs fund (scenarios with a repairs_fund section):
    # fundmodel.engine.repairs_fund, docs/repairs-fund.md
    Metric("fund_first_deposit", "CNY", "First deposit paid by the residents at the end of "
           "year 0: floor area × share of construction cost × cost per m² (or per m²); 0 "
           "without one"),
    Metric("fund_balance_final", "CNY", "Repairs fund balance at the end of the horizon "
           "(year T), after top-ups"),
    Metric("fund_balance_min", "CNY", "Lowest year-end balance of the repairs fund over "
           "years 1..T, after top-ups"),
    Metric("fund_negative_years", "years", "Years whose year-end fund balance is below 0"),
    Metric("fund_top_up_total", "CNY", "Sum of the residents' top-ups over years 1..T"),
    Metric("fund_top_up_max_year", "CNY/year", "Largest top-up of a single year"),
    Metric("fund_first_top_up_year", "year", "First operating year with a top-up",
           "no year needs a top-up (or the fund has no top-up rule)"),
    Metric("percent_funded_final", "share", "Year-end balance of year T / the fully funded "
           "balance at the start of year T + 1",
           "the fully funded balance is 0 (no component, or every one new then)"),
    Metric("level_contribution_baseline_per_m2", "CNY/m²/year", "Least level contribution "
           "(year 1, growing by contribution_growth) keeping every year-end balance ≥ 0, "
           "top-ups off, in closed form"),
    Metric("level_contribution_threshold_per_m2", "CNY/m²/year", "Least level contribution "
           "keeping every year-end balance ≥ the threshold floor (an amount, p × the fully "
           "funded balance, or by default the top-up trigger), top-ups off"),
    Metric("level_contribution_full_per_m2", "CNY/m²/year", "Least level contribution "
           "bringing the fund to 100 % funded at the horizon (balance at the end of year T ≥ "
           "the fully funded balance at the start of year T + 1) while keeping every year-end "
           "balance ≥ 0 (so at least the baseline's), top-ups off"),
    Metric("component_residual_value", "CNY", "Σ cost at year T + 1 prices × remaining life "
           "at the end of year T / useful life: what the components' remaining lives are "
           "worth at the horizon"),
    Metric("fund_expenditure_pv", "CNY", "Life-cycle cost of the replacements: Σ_t E_t × "
           "SPV(d, y_t), d the nominal discount rate, y_t the year index (NIST Handbook 135)"),
    Metric("fund_contributions_pv", "CNY", "Present value of the level contributions: c × "
           "floor area × UPV*(d, g, T) / (1 + g) × SPV(d, y_0), g their growth (NIST "
           "Handbook 135's escalating series)"),
]}
"""Per-draw metrics of the long-term repairs fund, only in scenarios with a ``repairs_fund``
section (scenarios without one keep exactly their metric set)."""

FUND_LINES: dict[str, Metric] = {m.name: m for m in [
    Metric("fund_deposits", "CNY/year", "Level contributions into the repairs fund (year "
           "end): contribution per m² × floor area × (1 + growth)^(t − 1)"),
    Metric("fund_interest", "CNY/year", "Interest credited at year end: rate × the balance "
           "at the start of the year"),
    Metric("fund_expenditure", "CNY/year", "Component replacements paid by the fund (year "
           "end), at that year's prices (the year by the fund's convention)"),
    Metric("fund_top_up", "CNY/year", "Residents' top-ups when the year-end balance falls "
           "below the trigger"),
    Metric("fund_balance", "CNY", "Repairs fund balance at the end of the year"),
    Metric("fully_funded_balance", "CNY", "Fully funded balance at the start of the year: "
           "Σ cost at that year's prices × age / useful life (reserve_study convention: "
           "before the year's replacements)"),
    Metric("percent_funded", "share", "Balance at the start of the year / "
           "fully_funded_balance", "the fully funded balance is 0 that year"),
]}
"""Yearly lines of the long-term repairs fund, only in scenarios with a ``repairs_fund``
section."""

_INSTRUMENT_METRIC = re.compile(r"^(\w+)\[(.+)\]\.(\w+)$", re.DOTALL)

_LINE_NAME = re.compile(r"^(income|cost|menu|menu_cost|device)\[(.+)\]$", re.DOTALL)


def known_names() -> list[str]:
    """Every fixed name :func:`lookup` knows, with the two per-line patterns."""
    households = dict.fromkeys(c for t in HOUSEHOLD_TABLES.values() for c in t)
    return [*METRICS, *YEARLY_LINES, *LINE_PATTERNS, *YEARLY_COLUMNS, *households,
            *INSTRUMENT_METRICS, *FUND_METRICS, *FUND_LINES]


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
                  FUND_LINES, INSTRUMENT_METRICS, *HOUSEHOLD_TABLES.values()):
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
    close = difflib.get_close_matches(str(name), known_names(), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"no metric or yearly line is named {name!r}{hint}")
