"""The whole model: engine inputs → the cash-flow ledger → per-draw metrics and yearly lines.

The stages write every money flow on the ledger (:mod:`.ledger`) in the order money is
committed — the works, their funding and the gap, then the running of the compound — and
everything reported is read back from it: the operating statement, the funding table and the
metrics. The only quantity computed beside the ledger is the fee income per unit fee rate, a
derivative (not a flow) that gives the breakeven fee in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import finance
from .arrays import first_true, lines_empty, lines_zeros, row_sum, running_sum, sum_lines
from .capital import built_share, item_costs, item_inputs, spending
from .model_inputs import ModelInputs
from .instruments import Books, source_line, timed
from .instruments.grants import BRIDGE_LINE
from .instruments.residents import ResidentsOutput
from .ledger import MEMO_KINDS, Ledger
from .operations import FEE_BASE, fallback_recursion, operating_flows, owners_account_recursion
from .repairs_fund import write_repairs_fund

__all__ = ["ModelOutput", "CompoundsOutput", "run_model", "run_compounds", "compound_output", "STATEMENT_NAMES", "GAP_LINE", "BRIDGE_LINE",
           "FALLBACK_LINE"]

STATEMENT_NAMES = {"property_fee": "property_fee_income"}
"""Ledger lines named otherwise in the operating statement (the others keep their name)."""

GAP_LINE = "funding[gap]"
"""The ledger line of the funding gap (paid by ``unfunded`` to the project)."""

FALLBACK_LINE = "fallback_subsidy"
ACCOUNT_TOP_UP_LINE = "owners_account.top_up"
"""The owners' account → the operator: its top-up of the operating deficit of a year."""
"""The ledger line of the fallback payer's payments (street or district → operator)."""


@dataclass(frozen=True)
class ModelOutput:
    """Everything the model computes for ``n`` draws of one compound.

    Attributes
    ----------
    metrics : dict of str to ndarray (n,)
        Per-draw metrics (see :data:`fundmodel.catalog.METRICS`).
    yearly : dict of str to ndarray (n, horizon_years)
        Yearly lines of the operating statement (and of the repairs fund, with one),
        operating years 1..horizon.
    item_costs : ndarray (n, n_items)
        Cost of each renovation item, CNY.
    funding_offered, funding_applied : ndarray (n, n_rules)
        What each funding rule offers and pays, CNY.
    item_inputs : dict of str to ndarray (n, n_items)
        Each item's ``quantity``, ``unit_cost`` (CNY/unit) and ``contingency`` (share).
    ledger : Ledger
        Every money flow, arrays ``(D|1, C, L)`` by year of the timeline.
    n_years : int
        Years on the timeline (construction and operations).
    residents : ResidentsOutput or None
        Votes, costs per household and payment channels (scenarios with households).
    fund_buildings : dict of str to ndarray (n, buildings, horizon_years)
        Each building's repairs fund account, with ``accounts: building``: its
        ``fund_deposits``, ``fund_interest``, ``fund_expenditure``, ``fund_top_up`` and
        ``fund_balance`` (empty otherwise).
    """

    metrics: dict[str, np.ndarray]
    yearly: dict[str, np.ndarray]
    item_costs: np.ndarray
    funding_offered: np.ndarray
    funding_applied: np.ndarray
    item_inputs: dict[str, np.ndarray] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    n_years: int = 0
    residents: ResidentsOutput | None = None
    fund_buildings: dict[str, np.ndarray] = field(default_factory=dict)


def _one_compound(a: np.ndarray, n: int) -> np.ndarray:
    """``(D|1, 1, ...)`` → an ``(n, ...)`` array of its own (the results of a one-compound run),
    laid out draw-fastest (:func:`~fundmodel.engine.arrays.lines_empty`: each column's draws
    contiguous, what the statistics over the draws read)."""
    a = np.asarray(a, dtype=float)[:, 0]
    if a.ndim == 1:
        return np.ascontiguousarray(np.broadcast_to(a, (n,)))
    out = lines_empty((n,) + a.shape[1:])
    out[...] = a
    return out


def _run(inputs: ModelInputs, phase: str, books: Books) -> Books:
    """Books after the instruments of one phase, in their order."""
    for instrument in inputs.instruments:
        if instrument.phase == phase:
            books = instrument.write(inputs, instrument.params, books)
    return books


def _decide(inputs: ModelInputs, ledger: Ledger) -> Books:
    """The books after the ``decide`` instruments: what is built (the residents' votes)."""
    n, items = inputs.draws, inputs.items
    schedule = items.schedule[:, :inputs.timeline.construction_years]
    costs = np.broadcast_to(item_costs(items), (n, len(inputs.compounds.names),
                                                 len(items.names)))
    return _run(inputs, "decide", Books(ledger, costs, schedule, items.quantity))


def _built(inputs: ModelInputs, books: Books) -> np.ndarray | None:
    """Share of each item built ``(D|1, C|1, I)`` after the ``decide`` phase
    (:func:`.capital.built_share` of the votes' ``item_factor``, all of each item planned
    without a vote), or None when no operating line belongs to an item."""
    ops = inputs.operations
    if all(line.item is None for line in (*ops.income, *ops.costs)):
        return None
    consent = books.reports.get("consent")
    return built_share(inputs.items.quantity, None if consent is None else consent.item_factor)


def _capital(inputs: ModelInputs, books: Books) -> Books:
    """The capital phase on the ledger, after :func:`_decide` (what is built): the works, what
    each source pays (``fund`` instruments), and the gap.

    The works of item i cost ``cost_i × schedule_{i,y}`` in construction year y. What no
    instrument pays for item i, ``u_i``, is the gap, written as the item is built:
    ``gap_y = Σ_i u_i × schedule_{i,y}``. So sources + gap (+ the bridge of sources paid in
    instalments) = works in every year and draw.
    """
    ledger, schedule = books.ledger, books.schedule
    spent = spending(books.costs, schedule)                                 # (D, C, I, L)
    for i, name in enumerate(inputs.items.names):
        ledger.add(f"works[{name}]", "project", "contractors", "capital", spent[:, :, i])
    books = _run(inputs, "fund", replace(books, unfunded=books.costs))
    ledger.add(GAP_LINE, "unfunded", "project", "capital", timed(books.unfunded, schedule))
    return books


def _operations(inputs: ModelInputs, ledger: Ledger, flows: dict[str, np.ndarray]) -> np.ndarray:
    """The running of the compound on the ledger; returns the fee income per unit rate."""
    start = inputs.timeline.first_operating_index
    ledger.add("property_fee", "residents", "operator", "operating", flows["property_fee"], start)
    ops = inputs.operations
    for line in ops.income:
        name = f"income[{line.name}]"
        ledger.add(name, line.payer, line.paid_to, "operating", flows[name], start)
    for package in ops.menu:
        name = f"menu[{package.name}]"
        ledger.add(name, "residents", "operator", "operating", flows[name], start)
    for name in _cost_lines(ops):
        ledger.add(name, "operator", "suppliers", "operating", flows[name], start)
    ledger.add("management_margin", "operator", "suppliers", "operating",
               flows["management_margin"], start)
    ledger.add("vat", "operator", "tax_authority", "operating", flows["vat"], start)
    return flows[FEE_BASE]


def _cost_lines(ops) -> list[str]:
    """Names of the direct cost lines, in the statement's order: the cost lines, the devices'
    platform fees, the menu packages' costs."""
    return [*(f"cost[{line.name}]" for line in ops.costs),
            *(f"device[{device.name}]" for device in ops.devices),
            *(f"menu_cost[{p.name}]" for p in ops.menu if p.cost_per_household_month is not None)]


def _statement(inputs: ModelInputs, ledger: Ledger
               ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The operating statement ``(D|1, C, T)`` up to the net cash flow, read from the ledger
    (nothing written): its lines and the net cash flow (the operating surplus, after financing
    where an instrument touches the operator). :func:`_close` adds the owners' account's
    top-up, the fallback and the cumulative balance.

    Sums of lines the same in every draw (other income, direct and operating cost) stay at draw
    size 1; the lines that differ by draw are laid out draw-fastest (see :mod:`.arrays`).
    Income paid to the owners' account is not the operator's: it is not in the statement.
    """
    ops = inputs.operations
    fee = ledger["property_fee"]
    lines: dict[str, np.ndarray] = {STATEMENT_NAMES["property_fee"]: fee}
    income_names = [*(f"income[{line.name}]" for line in ops.income
                      if line.paid_to == "operator"),
                    *(f"menu[{p.name}]" for p in ops.menu)]
    income = [ledger[name] for name in income_names]
    cost_names = _cost_lines(ops)
    costs = [ledger[name] for name in cost_names]
    shape = (inputs.draws, len(inputs.compounds.names), inputs.timeline.horizon_years)
    for name, value in zip(income_names, income):
        lines[name] = value
    lines["other_income"] = other = sum_lines(income, shape)
    lines["total_income"] = fee + other
    for name, value in zip(cost_names, costs):
        lines[name] = value
    lines["direct_cost"] = direct = sum_lines(costs, shape)
    lines["management_margin"] = ledger["management_margin"]
    lines["operating_cost"] = direct + lines["management_margin"]
    for line in ledger.select(payee="operator"):    # memo lines: value given, not cash
        if line.kind in MEMO_KINDS:
            lines[line.name] = line.amount
    lines["vat"] = ledger["vat"]
    lines["operating_surplus"] = surplus = (lines["total_income"] - lines["operating_cost"]
                                            - lines["vat"])
    financing = _financing_net(inputs, ledger, shape)
    if financing is not None:
        lines["financing_net"] = financing
        lines["net_cash_flow"] = surplus = surplus + financing
    return lines, surplus


def _owners_account(inputs: ModelInputs, ledger: Ledger, lines: dict[str, np.ndarray],
                    surplus: np.ndarray) -> np.ndarray | None:
    """The owners' account (:func:`.operations.owners_account_recursion`): its lines on the
    ledger and in the statement; returns what it pays into the repairs fund ``(D|1, C, T)``
    (None without an account)."""
    account = inputs.operations.owners_account
    if account is None:
        return None
    start, shape = inputs.timeline.first_operating_index, surplus.shape
    kept = [ledger[f"income[{line.name}]"] for line in inputs.operations.income
            if line.paid_to == "compound_account"]
    income = sum_lines(kept, shape)
    top, to_fund, balance = owners_account_recursion(account, income, surplus)
    lines["owners_account_income"] = income
    lines["owners_account_top_up"] = ledger.add(ACCOUNT_TOP_UP_LINE, "compound_account",
                                                "operator", "operating", top, start)
    lines["owners_account_to_repairs_fund"] = to_fund
    lines["owners_account_balance"] = balance
    return to_fund


def _close(inputs: ModelInputs, ledger: Ledger, lines: dict[str, np.ndarray],
           surplus: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The statement's end: the cumulative balance, after the owners' account's top-up
    (``owners_account_top_up``, when there is an account) and with a fallback payer its
    payments and the smallest cap that keeps the balance ≥ 0
    (:func:`.operations.fallback_recursion`; else None).

    The net cash flow stays the compound's own: the account's top-up and the fallback's
    payments (the ledger line ``fallback_subsidy``, written here) enter the cumulative balance
    only.
    """
    ops = inputs.operations
    if "owners_account_top_up" in lines:
        surplus = surplus + lines["owners_account_top_up"]
    if ops.fallback is not None:
        paid, balance, needed = fallback_recursion(ops.fallback, ops.opening_balance, surplus)
        lines["fallback_subsidy"] = ledger.add(
            FALLBACK_LINE, ops.fallback.payer, "operator", "operating", paid,
            inputs.timeline.first_operating_index)
        lines["cumulative_balance"] = balance
        return lines, needed
    balance = running_sum(surplus)
    opening = ops.opening_balance[..., None]
    if np.broadcast_shapes(opening.shape, balance.shape) == balance.shape:
        balance += opening        # opening + Σ surplus: the same sum, written in place
    else:
        balance = opening + balance
    lines["cumulative_balance"] = balance
    return lines, None


def _financing_net(inputs: ModelInputs, ledger: Ledger, shape: tuple[int, int, int]
                   ) -> np.ndarray | None:
    """What the instruments' ``financing`` lines bring the operator in operating years 1..T
    (received − paid, ``(D|1, C, T)``), or None when no such line touches the operator."""
    start, n_ops = inputs.timeline.first_operating_index, shape[-1]
    lines = [line for line in ledger.select(kind="financing")
             if "operator" in (line.payer, line.payee) and line.payer != line.payee]
    if not lines:
        return None
    out = np.zeros(np.broadcast_shapes(*(l.amount.shape[:2] for l in lines)) + (n_ops,))
    for line in lines:
        lo, hi = max(line.start, start), min(line.stop, start + n_ops)
        if lo < hi:
            part = line.amount[..., lo - line.start:hi - line.start]
            if line.payee == "operator":
                out[..., lo - start:hi - start] += part
            else:
                out[..., lo - start:hi - start] -= part
    return out


def _funding_table(inputs: ModelInputs, books: Books, sources: list[str],
                   shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """What each funding rule pays (read from its ledger line) and offers, ``(D, C, R)`` in the
    scenario's order, draw-fastest; a rule whose instrument reports no offer offers what it
    pays."""
    applied = lines_zeros(shape + (len(sources),))
    written = set(books.ledger.names())
    for r, line in enumerate(sources):
        if line in written:       # a rule whose instrument writes no funding line: 0
            applied[..., r] = row_sum(books.ledger[line])
    offered = applied.copy(order="K")
    for instrument in inputs.instruments:
        report = books.reports.get(instrument.name)
        if report is not None and hasattr(report, "offered"):
            for j, r in enumerate(instrument.indexes):
                offered[..., r] = report.offered[..., j]
    return applied, offered


@dataclass(frozen=True)
class CompoundsOutput:
    """Everything the model computes for ``n`` draws of ``C`` compounds, on the compound axis.

    Attributes
    ----------
    metrics : dict of str to ndarray (n, C)
        Per-draw metrics of every compound.
    yearly : dict of str to ndarray (n|1, C, horizon_years)
        Yearly lines of the operating statement (draw size 1 where a line is the same in
        every draw).
    item_costs : ndarray (n, C, n_items)
    funding_offered, funding_applied : ndarray (n, C, n_rules)
    item_inputs : dict of str to ndarray (n, C, n_items)
    ledger : Ledger
        Every money flow, arrays ``(n|1, C, L)``.
    n_years : int
    reports : dict
        The instruments' reports, by instrument name.
    fund_buildings : dict of str to ndarray (n|1, C, A, horizon_years)
        Each building's repairs fund account (``accounts: building``; A the most buildings of
        a compound, padded with 0), by yearly line; empty otherwise.
    """

    metrics: dict[str, np.ndarray]
    yearly: dict[str, np.ndarray]
    item_costs: np.ndarray
    funding_offered: np.ndarray
    funding_applied: np.ndarray
    item_inputs: dict[str, np.ndarray]
    ledger: Ledger
    n_years: int
    reports: dict
    fund_buildings: dict = field(default_factory=dict)


def run_compounds(inputs: ModelInputs) -> CompoundsOutput:
    """Run the model on compiled engine inputs of any number of compounds.

    Pure: the same inputs give the same arrays, bit for bit; draws and compounds never
    interact (every formula is elementwise over the draw and compound axes, and sums run over
    the years, items or rules of one draw and compound).

    Floating-point underflow is ignored whatever numpy's error settings: a result below
    1e-308 (a cost of 1e-300 CNY times a share, a discount factor of 2⁻¹⁰⁰⁰) is zero to any
    money figure, so the engine never warns of it. Overflow, division by zero and invalid
    values keep numpy's settings: the stages that can meet them handle them where they arise.
    """
    with np.errstate(under="ignore"):
        return _run_compounds(inputs)


def _run_compounds(inputs: ModelInputs) -> CompoundsOutput:
    n, tl = inputs.draws, inputs.timeline
    n_compounds = len(inputs.compounds.names)
    ledger = Ledger()
    books = _decide(inputs, ledger)
    flows = operating_flows(inputs.operations, inputs.compounds, n, tl.horizon_years,
                            built=_built(inputs, books))
    operating = {k: v for k, v in flows.items() if k != FEE_BASE}
    books = _capital(inputs, replace(books, operating=operating))
    fee_base = _operations(inputs, ledger, {**flows, **books.operating})
    books = _run(inputs, "operate", books)
    statement, surplus = _statement(inputs, ledger)
    to_fund = _owners_account(inputs, ledger, statement, surplus)
    fund = write_repairs_fund(inputs, ledger, to_fund,   # after the operating phase
                              books.reports.get("consent"))
    statement, fallback_needed = _close(inputs, ledger, statement, surplus)
    households = inputs.compounds.households[None, :]

    def total(names) -> np.ndarray:        # (D|1, C): lines added in order, then the years
        lines = ledger.select(names=list(names))     # some rules write no funding line
        return row_sum(ledger.total(lines)) if lines else np.zeros((1, 1))

    def paid_by(group: str) -> np.ndarray:  # what the sources of one payer group pay
        return total(s for s, g in zip(sources, groups) if g == group)

    works = [f"works[{name}]" for name in inputs.items.names]
    funding = sorted((r, label, group) for instrument in inputs.instruments
                     for r, label, group in zip(instrument.indexes, instrument.labels,
                                                instrument.groups))           # scenario order
    sources = [source_line(label) for _, label, _ in funding]
    groups = [group for _, _, group in funding]
    capex = total(works)
    gap = row_sum(ledger[GAP_LINE])
    government, residents = paid_by("government"), paid_by("residents")
    soe = paid_by("soe")              # state firms' transfer funds: not government
    has_soe = "soe" in groups         # their metrics only where a rule is theirs

    rate = (1.0 + inputs.discount_rate) * (1.0 + inputs.inflation) - 1.0     # (D|1, C|1)
    df = finance.discount_factors(rate, tl.horizon_years, start=tl.first_operating_index)
    surplus = statement.get("net_cash_flow", statement["operating_surplus"])
    statement["discounted_surplus"] = surplus * df
    npv = row_sum(statement["discounted_surplus"])

    # NPV is affine in the fee rate r: NPV(r) = NPV(r0) + (r − r0)·K with K the present value of
    # the fee income net of VAT per unit rate, so the breakeven rate is r0 − NPV(r0)/K.
    ops = inputs.operations
    vat_factor = 1.0 + ops.vat_rate[..., None]
    if fee_base.flags.writeable and np.broadcast_shapes(vat_factor.shape, df.shape,
                                                        fee_base.shape) == fee_base.shape:
        net_fee_base = np.divide(fee_base, vat_factor, out=fee_base)  # fee_base is ours alone
    else:
        net_fee_base = fee_base / vat_factor
    rate0 = ops.fee_rate                   # in the fee's own unit (per m² or per household)
    k_first = net_fee_base[..., 0].copy()
    k_npv = row_sum(np.multiply(net_fee_base, df, out=net_fee_base)
                    if net_fee_base is fee_base else net_fee_base * df)
    shape = (n, n_compounds)
    breakeven = rate0 - np.divide(npv, k_npv, out=np.full(shape, np.nan), where=k_npv > 0)
    breakeven_first = rate0 - np.divide(surplus[..., 0], k_first, out=np.full(shape, np.nan),
                                        where=k_first > 0)

    deficit = surplus < 0
    deficit_years = deficit.sum(axis=-1)
    balance_final = statement["cumulative_balance"][..., -1]
    metrics = {
        "capex_total": capex,
        "funding_total": total(sources),
        "funding_gap": gap,
        "funding_gap_share": np.divide(gap, capex, out=np.zeros(np.broadcast_shapes(
            gap.shape, capex.shape)), where=capex > 0),
        "has_funding_gap": (gap > 0).astype(float),
        "government_cost": government,
        **({"soe_cost": soe} if has_soe else {}),
        "resident_cost": residents,
        "government_cost_per_household": government / households,
        **({"soe_cost_per_household": soe / households} if has_soe else {}),
        "resident_cost_per_household": residents / households,
        "funding_gap_per_household": gap / households,
        "fee_income_first_year": statement["property_fee_income"][..., 0],
        "operating_cost_first_year": statement["operating_cost"][..., 0],
        "operating_surplus_first_year": statement["operating_surplus"][..., 0],
        **({"net_cash_flow_first_year": surplus[..., 0]}      # year 1 after financing
           if "net_cash_flow" in statement else {}),
        "operating_deficit_years": deficit_years.astype(float),
        "any_operating_deficit": (deficit_years > 0).astype(float),
        "first_deficit_year": first_true(deficit),
        "cumulative_balance_final": balance_final,
        "balance_negative_at_horizon": (balance_final < 0).astype(float),
        "npv_operations": npv,
        "breakeven_fee_rate": breakeven,
        "breakeven_fee_rate_first_year": breakeven_first,
        "discount_rate_nominal": rate,
    }
    if fallback_needed is not None:
        paid = statement["fallback_subsidy"]
        metrics["fallback_total"] = row_sum(paid)
        metrics["fallback_years"] = (paid > 0).sum(axis=-1).astype(float)
        metrics["fallback_max_year"] = paid.max(axis=-1)
        metrics["fallback_needed_max"] = fallback_needed
        metrics["cumulative_balance_min"] = statement["cumulative_balance"].min(axis=-1)
    if "owners_account_balance" in statement:
        metrics["owners_account_top_up_total"] = row_sum(statement["owners_account_top_up"])
        metrics["owners_account_balance_final"] = statement["owners_account_balance"][..., -1]
    for report in books.reports.values():
        for name, value in getattr(report, "metrics", {}).items():
            metrics[name] = value
    if fund is not None:
        statement.update(fund.yearly)
        metrics.update(fund.metrics)
    applied, offered = _funding_table(inputs, books, sources, shape)
    return CompoundsOutput(
        metrics={k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in metrics.items()},
        yearly=statement, item_costs=books.costs,
        funding_offered=offered, funding_applied=applied,
        item_inputs=item_inputs(replace(inputs.items, quantity=books.quantity)),
        ledger=ledger, n_years=tl.n_years, reports=books.reports,
        fund_buildings={} if fund is None else fund.by_building)


def run_model(inputs: ModelInputs) -> ModelOutput:
    """Run the model on compiled engine inputs of one compound (see
    :func:`fundmodel.inputs.compile_inputs`): :func:`run_compounds` with the compound axis
    dropped.

    Pure: the same inputs give the same arrays, bit for bit, and draws never interact.
    """
    if len(inputs.compounds.names) != 1:
        raise ValueError("run_model runs one compound; use run_compounds for several")
    return compound_output(run_compounds(inputs), 0, inputs.draws,
                           inputs.timeline.horizon_years)


def compound_output(out: CompoundsOutput, c: int, n: int, horizon: int) -> ModelOutput:
    """Compound ``c`` of a run of several (:func:`run_compounds`) as a one-compound run's
    output (``n`` draws, ``horizon`` years): every array cut to its column, the ledger's lines
    too (the residents' report only of a run of one compound)."""
    def one(a: np.ndarray) -> np.ndarray:
        return _one_compound(_column(a, c), n)

    return ModelOutput(
        metrics={k: one(v) for k, v in out.metrics.items()},
        yearly={k: np.broadcast_to(_column(v, c)[:, 0], (n, horizon))
                for k, v in out.yearly.items()},
        item_costs=one(out.item_costs),
        funding_offered=_column(out.funding_offered, c)[:, 0],
        funding_applied=_column(out.funding_applied, c)[:, 0],
        item_inputs={k: one(v) for k, v in out.item_inputs.items()},
        ledger=out.ledger if out.item_costs.shape[1] == 1 else out.ledger.compound(c),
        n_years=out.n_years,
        residents=out.reports.get("residents") if out.item_costs.shape[1] == 1 else None,
        fund_buildings={k: one(v) for k, v in out.fund_buildings.items()})


def _column(a: np.ndarray, c: int) -> np.ndarray:
    """``(D|1, C|1, ...)`` → compound ``c``'s ``(D|1, 1, ...)`` (a size-1 axis is every
    compound's)."""
    a = np.asarray(a)
    return a[:, c:c + 1] if a.shape[1] > 1 else a
