"""Operating phase: the yearly flows of the running of the compound, operating years 1..T, and
the fallback payer that stands behind the operating account."""

from __future__ import annotations

import numpy as np

from .arrays import growth_index, multiply_lines, sum_lines
from .model_inputs import CompoundInputs, CostLineInputs, FallbackInputs, OperationsInputs

__all__ = ["operating_flows", "FEE_BASE", "fallback_recursion", "owners_account_recursion",
           "headcount", "contract_households", "ROUND_UP_TOLERANCE"]

FEE_BASE = "fee_income_per_unit_rate"
"""Entry of :func:`operating_flows`: fee income a fee of 1 (CNY/m²/month, or CNY/household/month
for a fee per household) would bring (before VAT), the derivative of the fee income by the fee
(for the breakeven fee)."""

ROUND_UP_TOLERANCE = 1e-9
"""Relative tolerance of ``rounding: up``: a headcount within 1e-9 of a whole number above it
is that number (so rounding noise, 10000 / (10000 / 3) = 3.0000000000000004, adds no
person)."""


def _active(first_year: int, last_year: int | None, years: int) -> np.ndarray | None:
    """0/1 mask ``(T,)`` of the operating years a line runs, or None when it runs in all."""
    last = years if last_year is None else min(last_year, years)
    if first_year <= 1 and last >= years:
        return None
    t = np.arange(1, years + 1)
    return ((t >= first_year) & (t <= last)).astype(float)


def _split_key(ops: OperationsInputs, compounds: CompoundInputs
               ) -> tuple[np.ndarray, np.ndarray]:
    """This compound's key and the whole contract's, ``(D|1, C)`` each; a shared line bears
    ``key / total`` of the contract::

        households:  h / (h + partners × partner_households)
        area:        a / (a + partners × partner_floor_area_m2)
        equal:       1 / (1 + partners)   (key 1: it divides as ``shared_by`` does)

    with ``h`` its households and ``a`` its floor area (m²)."""
    s = ops.shared_service
    if s.split == "equal":
        return np.ones((1, len(compounds.names))), 1.0 + s.partners
    own, partner = ((compounds.households, s.partner_households) if s.split == "households"
                    else (compounds.floor_area_m2, s.partner_floor_area_m2))
    own = own[None, :]
    return own, own + s.partners * partner


def headcount(line: CostLineInputs, ops: OperationsInputs,
              compounds: CompoundInputs) -> np.ndarray:
    """A cost line's headcount ``(D|1, C)``: ``staff``, or from its norm::

        staff = base / per_staff,   base = floor area (m²) or households
        (a shared line: base_self + partners × base_partner, the whole contract's)
        rounding up: ceil(staff × (1 − 1e-9)) — whole persons, at least 1 where base > 0
    """
    if line.norm is None:
        return line.staff
    own = compounds.floor_area_m2 if line.norm == "m2" else compounds.households
    base = own[None, :]
    if line.shared:
        s = ops.shared_service
        partner = s.partner_floor_area_m2 if line.norm == "m2" else s.partner_households
        base = base + s.partners * partner
    staff = base / line.per_staff
    if line.round_up:
        staff = np.ceil(staff * (1.0 - ROUND_UP_TOLERANCE))
    return staff


def contract_households(line: CostLineInputs, ops: OperationsInputs,
                        compounds: CompoundInputs) -> np.ndarray:
    """The households a line paid per job serves ``(D|1, C)``: the compound's, or on a
    ``shared`` line the whole contract's, ``households + partners × partner_households``."""
    base = compounds.households[None, :]
    if line.shared:
        s = ops.shared_service
        base = base + s.partners * s.partner_households
    return base


def _built(value: np.ndarray, item: int | None, built: np.ndarray | None,
           shape: tuple[int, ...]) -> np.ndarray:
    """A line ``(D|1, C, T)`` times the share built of the item it belongs to, ``built[...,
    item]`` (the line as it is without an item or without ``built``)."""
    if item is None or built is None:
        return value
    return multiply_lines(value, built[..., item, None], shape)


def operating_flows(ops: OperationsInputs, compounds: CompoundInputs, draws: int,
                    years: int, built: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The operating flows, each ``(D|1, C, T)`` CNY over operating years 1..``years``.

    With ``I_t`` the line's growth index (1 in year 1, ``Π (1 + growth)`` after), ``c_t`` the
    collection rate of year t (``collection_ramp[t − 1]`` for the years it lists, else
    ``collection_rate``) and ``m_t`` 1 in the years a line runs (``first_year`` ..
    ``first_year + years − 1``), 0 otherwise::

        property_fee       = rate × chargeable_m2 × 12 × c_t × I_t
                             (or per_household_month × households × 12 × c_t × I_t)
        income[<name>]     = units × price_per_month × 12 × occupancy × I_t × m_t
                             (or per_year × I_t × m_t)
        cost[<name>]       = (staff − replaced) × wage_per_month × 12 × (1 + on_cost)
                             × I_t × (1 + ageing × (t − 1)) × m_t × share
                             (or per_year × I_t × (1 + ageing × (t − 1)) × m_t × share,
                              or, paid per job, jobs_per_household_year × households
                              × price_per_job × (1 − discount) × I_t
                              × (1 + ageing × (t − 1)) × m_t × share;
                              0 for a line of the service model not used)
        menu[<name>]       = households × take_up × price_per_household_month × 12 × I_t
        menu_cost[<name>]  = households × take_up × cost_per_household_month × 12 × I_t
        device[<name>]     = platform_fee_per_year × I_t
        management_margin  = management_margin × (Σ cost + Σ device + Σ menu_cost)
        vat                = property_fee × vat_rate / (1 + vat_rate)   (fees include VAT)

    ``share`` is 1/shared_by, or the split key's share (:func:`_split_key`) for a ``shared``
    line (whose jobs are counted on the contract's households, :func:`contract_households`);
    ``staff`` comes
    from :func:`headcount`; ``replaced`` is the headcount the devices replacing the line take
    off it (the result never below 0). An income or cost line that belongs to item i is
    multiplied by ``built[..., i]``, the share of the item built in each draw and compound
    (``built (D|1, C|1, I)``, in [0, 1]: :func:`.capital.built_share`), in every operating
    year; without ``built`` (None) every item is taken as built.

    Also returned: :data:`FEE_BASE`, the fee income at a fee of 1 (in the fee's unit). A flow
    that is the same in every draw has a draw axis of size 1 (computed once, no memory per
    draw); one that differs by draw is laid out draw-fastest (:func:`.arrays.lines_empty`).
    """
    shape = (draws, len(compounds.names), years)
    fee_basis = compounds.households if ops.fee_per_household else compounds.fee_area_m2
    fee_area = fee_basis[None, :, None]
    collection = ops.collection_rate[..., None]
    if ops.collection_ramp is not None:
        k = min(len(ops.collection_ramp), years)
        collection = np.broadcast_to(collection, collection.shape[:2] + (years,)).copy()
        collection[..., :k] = ops.collection_ramp[:k]
    fee_base = multiply_lines(fee_area * 12.0 * collection,
                              growth_index(ops.fee_growth, years), shape)
    flows: dict[str, np.ndarray] = {
        "property_fee": multiply_lines(ops.fee_rate[..., None], fee_base, shape)}
    for line in ops.income:
        if line.per_year is not None:      # a year's amount, or each year's (a total spread)
            base = line.per_year if line.per_year.ndim == 3 else line.per_year[..., None]
        else:
            base = (line.units[..., None] * line.price_per_month[..., None] * 12.0
                    * line.occupancy[..., None])
        value = multiply_lines(base, growth_index(line.growth, years), shape)
        active = _active(line.first_year, line.last_year, years)
        value = value if active is None else value * active
        flows[f"income[{line.name}]"] = _built(value, line.item, built, shape)
    households = compounds.households[None, :, None]
    subscribers = [households * package.take_up[..., None] for package in ops.menu]
    for package, takers in zip(ops.menu, subscribers):
        flows[f"menu[{package.name}]"] = multiply_lines(
            takers * package.price_per_household_month[..., None] * 12.0,
            growth_index(package.growth, years), shape)
    replaced: dict[int, list[np.ndarray]] = {}
    for device in ops.devices:
        replaced.setdefault(device.replaces, []).append(device.staff)
    costs = []
    t = np.arange(years, dtype=float)
    split = _split_key(ops, compounds) if any(line.shared for line in ops.costs) else None
    for j, line in enumerate(ops.costs):
        if not line.runs:
            flows[f"cost[{line.name}]"] = value = np.zeros((1,) + shape[1:])
            costs.append(value)
            continue
        if line.per_year is not None:
            base = line.per_year if line.per_year.ndim == 3 else line.per_year[..., None]
        elif line.price_per_job is not None:
            base = (line.jobs_per_household_year * contract_households(line, ops, compounds)
                    * line.price_per_job * (1.0 - line.discount))[..., None]
        else:
            staff = headcount(line, ops, compounds)
            for device_staff in replaced.get(j, ()):
                staff = np.maximum(staff - device_staff, 0.0)
            base = (staff[..., None] * line.wage_per_month[..., None] * 12.0
                    * (1.0 + line.on_cost[..., None]))
        value = multiply_lines(base, growth_index(line.growth, years), shape)
        if line.ageing is not None and np.any(line.ageing):
            value = value * (1.0 + line.ageing[..., None] * t)
        active = _active(line.first_year, line.last_year, years)
        if active is not None:
            value = value * active
        if line.shared:
            key, total = split
            value = value * key[..., None] / total[..., None]
        elif value.shape[0] == 1:
            value = np.broadcast_to(value / line.shared_by, value.shape)
        else:
            value = np.divide(value, line.shared_by, out=value if value.flags.writeable
                              else None)
        flows[f"cost[{line.name}]"] = value = _built(value, line.item, built, shape)
        costs.append(value)
    for device in ops.devices:
        flows[f"device[{device.name}]"] = value = multiply_lines(
            device.platform_fee_per_year[..., None], growth_index(device.growth, years), shape)
        costs.append(value)
    for package, takers in zip(ops.menu, subscribers):
        if package.cost_per_household_month is not None:
            flows[f"menu_cost[{package.name}]"] = value = multiply_lines(
                takers * package.cost_per_household_month[..., None] * 12.0,
                growth_index(package.growth, years), shape)
            costs.append(value)
    direct = sum_lines(costs, shape)
    flows["management_margin"] = ops.management_margin[..., None] * direct
    vat_rate = ops.vat_rate[..., None]
    flows["vat"] = multiply_lines(flows["property_fee"], vat_rate / (1.0 + vat_rate), shape)
    flows[FEE_BASE] = fee_base
    return flows


def fallback_recursion(fallback: FallbackInputs, opening: np.ndarray, cash: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the fallback payer pays, year by year, and the balance after it.

    With ``s_t`` the account's net cash flow before the fallback (``cash (D|1, C, T)``),
    ``B_0`` the opening balance and ``cap_t = cap_per_year × I_t`` (I the cap's growth
    index)::

        f_t = min(cap_t, max(0, −(B_{t−1} + s_t))),    B_t = B_{t−1} + s_t + f_t

    Returns ``(f, B, needed)``: the payments and balances ``(D, C, T)`` and ``needed (D, C)``,
    the smallest ``cap_per_year`` that keeps ``B_t ≥ 0`` in every year,
    ``max_t u_t / I_t`` with ``u_t`` the uncapped need (the same recursion without a cap:
    ``u_t = max(0, −(U_{t−1} + s_t))``, ``U_t = max(U_{t−1} + s_t, 0)``, ``U_0 = B_0``).

    Why ``needed`` is the smallest such cap. Let ``c* = max_t u_t / I_t``.
    (i) For ``c ≥ c*``: by induction ``B_{t−1} = U_{t−1}``, so ``B_{t−1} + s_t = U_{t−1} + s_t``
    and ``f_t = min(c I_t, u_t) = u_t`` (as ``u_t ≤ c* I_t ≤ c I_t``); hence ``B_t = U_t =
    max(U_{t−1} + s_t, 0) ≥ 0`` in every year. (ii) For ``c < c*``: let τ be the first year
    with ``u_τ > c I_τ``. Before τ the capped and uncapped runs agree (as in (i)); in τ,
    ``u_τ > 0`` so ``u_τ = −(U_{τ−1} + s_τ)`` and ``B_τ = U_{τ−1} + s_τ + c I_τ =
    c I_τ − u_τ < 0``. So ``c*`` is the least cap with no negative balance; at ``c = c*`` the
    two runs are the same computation, so with a cap that does not grow the balance at c* is
    ≥ 0 to the bit. The loop is over years; every draw is computed at once.
    """
    years = cash.shape[-1]
    index = growth_index(fallback.growth, years)
    cap = fallback.cap_per_year[..., None] * index
    full = np.broadcast_shapes(cash.shape, cap.shape, opening.shape + (1,))
    paid, balance = np.empty(full), np.empty(full)
    needed = np.zeros(full[:-1])
    b = np.broadcast_to(opening, full[:-1]).astype(float)
    u_balance = b.copy()
    for t in range(years):
        x = b + cash[..., t]
        f = np.minimum(cap[..., t], np.maximum(0.0, -x))
        paid[..., t] = f
        balance[..., t] = b = x + f
        y = u_balance + cash[..., t]
        u = np.maximum(0.0, -y)
        u_balance = y + u
        needed = np.maximum(needed, u / index[..., t])
    return paid, balance, needed


def owners_account_recursion(account, income: np.ndarray, cash: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The owners' account year by year: what it tops up, pays into the repairs fund and
    keeps.

    With ``i_t`` the income paid to it (``income (D|1, C, T)``), ``s_t`` the operating
    account's net cash flow of the year before any fallback (``cash (D|1, C, T)``), ``A_0`` its
    opening balance, ``k`` the share paid into the fund::

        x_t = A_{t−1} + i_t
        top_t = min(x_t, max(0, −s_t))          (0 without covers_deficit)
        fund_t = k × max(0, i_t − top_t)
        A_t = x_t − top_t − fund_t

    ``A_t ≥ 0`` when ``A_0 ≥ 0``. Returns ``(top, fund, A)`` ``(D|1, C, T)``. The loop is over
    years; every draw and compound is computed at once.
    """
    full = np.broadcast_shapes(income.shape, cash.shape,
                               account.opening_balance.shape + (1,))
    top, fund, balance = np.zeros(full), np.zeros(full), np.empty(full)
    a = np.broadcast_to(account.opening_balance, full[:-1]).astype(float)
    share = account.to_repairs_fund_share
    for t in range(full[-1]):
        x = a + income[..., t]
        if account.covers_deficit:
            top[..., t] = np.minimum(x, np.maximum(0.0, -cash[..., t]))
        fund[..., t] = share * np.maximum(0.0, income[..., t] - top[..., t])
        balance[..., t] = a = x - top[..., t] - fund[..., t]
    return top, fund, balance
