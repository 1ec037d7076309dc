"""The long-term repairs fund (维修资金): its flows on the ledger, its balance year by year, the
reserve-study measures and the level contributions that meet the funding goals.

Pure numpy over a leading draw axis; the only loops are over operating years (the balance is a
recursion) and over components. Conventions (``docs/repairs-fund.md``), operating years
t = 1..T, every flow at year end:

- **First deposit**, paid by the residents at the end of year 0 (year index
  ``first_operating_index − 1``): ``D₀ = deposit_share × deposit_base_per_m2 × floor_area_m2``.
- **Balance**: ``B_start_1 = opening_balance + D₀``, ``B_start_{t+1} = B_end_t`` and
  ``B_end_t = B_start_t + i × B_start_t + deposits_t − E_t (+ top_up_t)``: interest at rate i
  on the balance at the start of the year (signed: an overdraft pays the same rate),
  ``deposits_t = c × floor_area_m2 × (1 + g_c)^(t − 1)`` (c CNY/m²/year), the replacements
  ``E_t`` and, with a top-up rule, ``top_up_t = restore − pre`` when the balance ``pre`` before
  it is below the trigger (else 0).
- **Components**: useful life L, remaining life r at the start of year 1; the age at the
  start of year t (before anything of year t) ``a_t = (L − r + t − 1) mod L``.
  ``end_of_year``: replaced at the end of year t when ``a_t = L − 1`` (years r, r + L, ...).
  ``reserve_study``: the age just before the year's replacements, ``ã_1 = L − r`` and
  ``ã_t = (ã_1 + t − 2) mod L + 1`` (``L`` where ``a_t = 0``: worn out at the end of year
  t − 1); replaced in (paid at the end of) year t when ``ã_t = L`` (years r + 1, r + 1 + L,
  ...; r = 0, due in year 1, is allowed under this convention only).
- **One cost index** for the replacements and the fully funded balance, the prices of
  operating year t: ``cost_t = cost × I_t``, ``I_t = Π_{s=2..t} (1 + growth)`` (the operating
  lines' index, ``(1 + growth)^(t − 1)``). A replacement of year t costs ``cost_t``, which is
  what the component's share of ``FFB`` reaches at age L in year-t prices.
- **Fully funded balance** at the start of year t: ``FFB_t = Σ_k cost_{k,t} × age_{k,t} / L_k``
  (``a`` or ``ã`` by the convention); percent funded ``B_start_t / FFB_t`` (NaN where
  ``FFB_t = 0``). Residual value at the horizon: ``Σ_k cost_{k,T+1} × (L_k − age_{k,T+1}) /
  L_k``, so FFB_{T+1} + residual = Σ cost_{T+1}.
- **Level contributions** (top-ups off): ``B_t(c) = B_t(0) + c × S_t``, S_t the balance one
  CNY/m²/year builds by the end of year t (``S_t > 0``). The least c ≥ 0 with
  ``B_t(c) ≥ F_t`` for t = 1..T is ``max(0, max_t (F_t − B_t(0)) / S_t)``: the baseline goal
  ``F_t = 0``, the threshold goal ``F_t = floor`` (an amount, a share of the first deposit or
  ``p × FFB_{t+1}``); the full goal ``F_t = 0`` for t < T and ``F_T = FFB_{T+1}``: never below
  the baseline's floor on the way, 100 % funded at the horizon (so full ≥ baseline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import finance
from ..errors import ModelError
from .arrays import first_true, growth_index, household_sum, lines_empty, row_sum
from .model_inputs import ModelInputs
from .ledger import Ledger


__all__ = ["RepairsFundOutput", "write_repairs_fund", "component_ages", "component_due",
           "CONVENTIONS",
           "fund_balances", "level_contribution", "FUND_PARTY", "FIRST_DEPOSIT_LINE",
           "CONTRIBUTIONS_LINE", "INTEREST_LINE", "TOP_UP_LINE", "replacement_line"]

FUND_PARTY = "repairs_fund"
"""The fund's party on the ledger."""
FROM_ACCOUNT_LINE = "owners_account.to_repairs_fund"
"""The owners' account → the repairs fund (scenarios whose owners' account pays into it)."""
FIRST_DEPOSIT_LINE = "repairs_fund.first_deposit"
"""Residents → repairs fund at the end of year 0 (scenarios with a first deposit)."""
CONTRIBUTIONS_LINE = "repairs_fund.contributions"
"""Residents → repairs fund, the level contributions of operating years 1..T."""
INTEREST_LINE = "repairs_fund.interest"
"""Deposit bank → repairs fund (scenarios with interest)."""
TOP_UP_LINE = "repairs_fund.top_up"
"""Residents → repairs fund (scenarios with a top-up rule)."""


def replacement_line(name: str) -> str:
    """Ledger line of a component's replacements: ``repairs_fund.replacement[<name>]``
    (repairs fund → contractors)."""
    return f"repairs_fund.replacement[{name}]"


@dataclass(frozen=True)
class RepairsFundOutput:
    """The fund's yearly lines ``(D|1, C, T)`` and per-draw metrics ``(D|1, C)`` (names in
    :data:`fundmodel.catalog.FUND_LINES` and :data:`fundmodel.catalog.FUND_METRICS`)."""

    yearly: dict[str, np.ndarray]
    metrics: dict[str, np.ndarray]
    by_building: dict[str, np.ndarray] = field(default_factory=dict)
    """With accounts per building: each building's ``fund_deposits``, ``fund_interest``,
    ``fund_expenditure``, ``fund_top_up`` and year-end ``fund_balance``, ``(D|1, C, A, T)``
    (padded accounts 0); empty otherwise."""


CONVENTIONS = ("end_of_year", "reserve_study")
"""The repairs fund's timing conventions (``RepairsFund.convention``)."""


def component_ages(useful_life: np.ndarray, remaining_life: np.ndarray, years: int,
                   convention: str = "end_of_year") -> np.ndarray:
    """Age of each component at the start of operating years 1..``years``, ``(K, years)``
    whole years.

    ``end_of_year``: ``a_t = (L − r + t − 1) mod L`` (L − r in year 1, 0 just after a
    replacement at the end of the year before), replaced at the end of year t exactly when
    ``a_t = L − 1``: years r, r + L, r + 2L, ...

    ``reserve_study``: the age just before the year's replacements, ``ã_1 = L − r`` (0 for a
    component renewed by the renovation, r = L; L for one due in year 1, r = 0) and
    ``ã_t = (ã_1 + t − 2) mod L + 1`` from year 2 on, in 1..L (L where ``a_t = 0``: worn out
    at the end of year t − 1); replaced in year t exactly when it is L: years r + 1,
    r + 1 + L, ... (its remaining life L − age is 0 that year).
    """
    if convention not in CONVENTIONS:
        raise ModelError(f"repairs fund convention must be one of {CONVENTIONS}, got "
                         f"{convention!r}")
    life = np.asarray(useful_life, dtype=np.int64)[:, None]
    left = np.asarray(remaining_life, dtype=np.int64)[:, None]
    t = np.arange(1, years + 1, dtype=np.int64)
    if convention == "reserve_study":
        return np.where(t == 1, life - left, (life - left + t - 2) % life + 1)
    return (life - left + t - 1) % life


def component_due(ages: np.ndarray, useful_life: np.ndarray,
                  convention: str = "end_of_year") -> np.ndarray:
    """Whether each component is replaced in each year, ``(K, years)`` booleans, from its
    :func:`component_ages` under the same convention: age ``L − 1`` (``end_of_year``, replaced
    at the year's end) or ``L`` (``reserve_study``, its remaining life 0 that year)."""
    life = np.asarray(useful_life, dtype=np.int64)[:, None]
    return ages == (life if convention == "reserve_study" else life - 1)


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    return lines_empty(shape) if shape[0] > 1 else np.empty(shape)


def fund_balances(start_balance: np.ndarray, rate: np.ndarray, inflow: np.ndarray | None,
                  outflow: np.ndarray | None, years: int, trigger: np.ndarray | None = None,
                  restore: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Year-end balances of a fund over ``years`` years, with its interest and top-ups.

    ``B_end_t = B_start_t + rate × B_start_t + inflow_t − outflow_t (+ top_up_t)``, with
    ``B_start_1 = start_balance`` ``(D|1, C)`` and ``B_start_{t+1} = B_end_t``; ``inflow`` and
    ``outflow`` ``(D|1, C, T)`` or None (0). Given ``trigger`` and ``restore`` ``(D|1, C)``,
    ``top_up_t = restore − pre`` where the balance before it, ``pre``, is below ``trigger``
    (else 0). Returns ``(balance, interest, top_up)`` ``(D|1, C, T)`` (top_up None without a
    trigger), CNY; the draw size is the largest of the operands'.
    """
    parts = [start_balance.shape + (1,), rate.shape + (1,)]
    parts += [x.shape for x in (inflow, outflow) if x is not None]
    if trigger is not None:
        parts += [trigger.shape + (1,), restore.shape + (1,)]
    shape = np.broadcast_shapes(*parts)[:-1] + (years,)
    balance, interest = _empty(shape), _empty(shape)
    top = _empty(shape) if trigger is not None else None
    prev = np.broadcast_to(start_balance, shape[:-1])
    below = np.empty(shape[:-1], dtype=bool) if top is not None else None
    for t in range(years):          # in place, year by year: the same operations in order
        pre = balance[..., t]
        np.multiply(prev, rate, out=interest[..., t])
        np.add(prev, interest[..., t], out=pre)
        if inflow is not None:
            pre += inflow[..., t]
        if outflow is not None:
            pre -= outflow[..., t]
        if top is not None:
            np.less(pre, trigger, out=below)
            np.subtract(restore, pre, out=top[..., t])
            np.copyto(top[..., t], 0.0, where=~below)
            pre += top[..., t]
        prev = pre
    return balance, interest, top


def level_contribution(floor: np.ndarray, zero_balance: np.ndarray,
                       unit_balance: np.ndarray) -> np.ndarray:
    """The least level contribution c ≥ 0 (CNY/m²/year) whose year-end balances
    ``B_t(c) = B_t(0) + c × S_t`` stay at or above ``floor_t`` in every year:
    ``max(0, max_t (floor_t − B_t(0)) / S_t)``, ``(D|1, C)``.

    ``floor``, ``zero_balance`` (B_t(0)) and ``unit_balance`` (S_t > 0) broadcast to
    ``(D|1, C, T)``. The balances are affine in c only without top-ups: this is the
    contribution the fund's own deposits need, top-ups off.
    """
    need = (floor - zero_balance) / unit_balance
    return np.maximum(0.0, need.max(axis=-1))


def _accounts_sum(a: np.ndarray, sizes: np.ndarray | None) -> np.ndarray:
    """Sum over the accounts of ``(..., C, A)``, each compound over its own
    (:func:`~.arrays.household_sum`); one account: itself."""
    if a.shape[-1] == 1:
        return a[..., 0]
    return household_sum(a, sizes)


def _accounts_sum_yearly(a: np.ndarray, sizes: np.ndarray | None) -> np.ndarray:
    """Sum over the accounts of yearly lines ``(..., C, A, T)`` → ``(..., C, T)``, each
    compound over its own accounts."""
    if a.shape[-2] == 1:
        return a[..., 0, :]
    return household_sum(np.moveaxis(a, -1, -3), sizes).swapaxes(-1, -2)


def _built(fund, k: int, consent) -> np.ndarray:
    """1 where component k, which follows an item's vote, exists in an account, 0 elsewhere,
    ``(D, C, A)``: where the ballot that builds its item there (``fund.ballot[k] (C, A)``, −1:
    none) passed (the consent outcome's ``passed (D, C, B)``)."""
    ballot = fund.ballot[k]
    if consent is None:
        raise ModelError(f"repairs fund component {fund.names[k]!r} follows an item's vote, "
                         "but no vote was held")
    passed = np.take_along_axis(consent.passed, np.maximum(ballot, 0)[None], axis=-1)
    return (passed & (ballot >= 0)[None]).astype(float)


def write_repairs_fund(inputs: "ModelInputs", ledger: Ledger,
                       from_account: np.ndarray | None = None,
                       consent=None) -> RepairsFundOutput | None:
    """Write the repairs fund's flows on the ledger (kind ``reserve``) and return its yearly
    lines and metrics; None when the scenario has no fund.

    Lines: :data:`FIRST_DEPOSIT_LINE` (residents → repairs_fund, year index
    ``first_operating_index − 1``), :data:`CONTRIBUTIONS_LINE` (residents → repairs_fund),
    :data:`INTEREST_LINE` (deposit_bank → repairs_fund), :data:`TOP_UP_LINE` (residents →
    repairs_fund) and one :func:`replacement_line` per component (repairs_fund →
    contractors), operating years 1..T. See the module docstring for the formulas.
    ``from_account`` ``(D|1, C, T)``: what the owners' account pays into the fund in operating
    years 1..T (the line ``owners_account.to_repairs_fund``, compound_account → repairs_fund),
    added to the year's deposits. ``consent``: the votes' outcome (``passed (D, C, B)``), for
    the components that follow an item's vote.

    Accounts (:class:`~.model_inputs.RepairsFundInputs`): every figure is computed on an
    account axis ``(D|1, C, A)`` / ``(D|1, C, A, T)`` — one account for the compound, or one
    per building (分幢核算, padded with empty accounts of area 0 that stay at 0) — and the
    ledger lines and yearly lines sum the accounts of each compound. With a share
    ``s_a = area_a / Σ area`` of each account: the opening balance, the top-up and threshold
    amounts, a component's shared cost and the owners' account's payments are split by
    ``s_a``; each account's own first deposit, deposits, interest, top-ups and replacements.
    Metrics: sums over the accounts for flows and balances; ``fund_balance_min`` the least
    year-end balance of any account in any year; ``fund_negative_years`` the years in which
    some account is below 0; ``fund_first_top_up_year`` the first year any account is topped
    up; the level contributions the least c (per m², the same for every account) that meets
    the goal in every account: the largest of the accounts'. Per building:
    ``fund_buildings_short`` and ``fund_buildings_topped_up`` (buildings whose balance goes
    below 0, whose owners top up, in some year), and each building's yearly lines
    (:attr:`RepairsFundOutput.by_building`).
    """
    fund = inputs.repairs_fund
    if fund is None:
        return None
    tl = inputs.timeline
    years, start = tl.horizon_years, tl.first_operating_index
    area = np.asarray(inputs.compounds.floor_area_m2, dtype=float)[:, None] \
        if fund.area_m2 is None else np.asarray(fund.area_m2, dtype=float)
    area = area[None]                                                            # (1, C, A)
    n_c, n_a = area.shape[1:]
    sizes = fund.sizes
    present = area > 0                                                           # (1, C, A)
    total_area = _accounts_sum(area, sizes)                                      # (1, C)
    share = area / total_area[..., None]          # (1, C, A): 1 for the compound's account

    def per_account(x: np.ndarray) -> np.ndarray:      # (D|1, C|1) → (D|1, C|1, 1)
        return x[..., None]

    def split(x: np.ndarray) -> np.ndarray:            # the compound's amount, s_a each
        return x[..., None] if n_a == 1 else x[..., None] * share    # (× 1: the same bits)

    first = per_account(fund.deposit_share * fund.deposit_base_per_m2) * area   # (D|1, C, A)
    if fund.has_first_deposit:
        ledger.add(FIRST_DEPOSIT_LINE, "residents", FUND_PARTY, "reserve",
                   _accounts_sum(first, sizes)[..., None], start - 1)
    opening = split(fund.opening_balance) + first

    # deposits per CNY/m²/year of contribution, and the contributions themselves
    unit = area[..., None] * growth_index(fund.contribution_growth, years)[..., None, :]
    contribution = fund.contribution_per_m2_year[..., None, None] * unit        # (D|1, C, A, T)
    ledger.add(CONTRIBUTIONS_LINE, "residents", FUND_PARTY, "reserve",
               _accounts_sum_yearly(contribution, sizes), start)

    # components: replacements, fully funded balance (years 1..T+1) and residual value
    ages = component_ages(fund.useful_life, fund.remaining_life, years + 1,
                          fund.convention)                                         # (K, T+1)
    dues = component_due(ages[:, :years], fund.useful_life, fund.convention)      # (K, T)
    spent_total = np.zeros((1, n_c, n_a, years))
    ffb = np.zeros((1, n_c, n_a, years + 1))
    residual = np.zeros((1, n_c, n_a))
    for k, name in enumerate(fund.names):
        life = float(fund.useful_life[k])
        basis = fund.cost_basis[k] if fund.cost_basis else "shared"
        base = (split(fund.cost[k]) if basis == "shared" else
                per_account(fund.cost[k]) * (area if basis == "per_m2" else present))
        if fund.ballot and fund.ballot[k] is not None:
            base = base * _built(fund, k, consent)
        # one cost index, year-t prices, for the replacements and the fully funded balance
        cost = base[..., None] * growth_index(fund.growth[k], years + 1)[..., None, :]
        spent = cost[..., :years] * dues[k]
        spent = np.broadcast_to(spent, spent.shape[:1] + (n_c, n_a, years))
        ledger.add(replacement_line(name), FUND_PARTY, "contractors", "reserve",
                   _accounts_sum_yearly(spent, sizes), start)
        spent_total = spent_total + spent
        part = cost * ages[k]
        part /= life                                   # (cost × age) / life, as written
        ffb = ffb + part
        residual = residual + cost[..., years] * float(life - ages[k, years]) / life

    rate = per_account(fund.interest_rate)
    trigger = restore = None
    if fund.top_up:
        trigger = split(fund.trigger_balance) + per_account(fund.trigger_share) * first
        restore = split(fund.restore_balance) + per_account(fund.restore_share) * first
    inflow = contribution
    received = None
    if from_account is not None:
        paid = ledger.add(FROM_ACCOUNT_LINE, "compound_account", FUND_PARTY, "reserve",
                          from_account, start)[..., None, :]                 # (D|1, C, 1, T)
        received = paid if n_a == 1 else paid * share[..., None]             # (D|1, C, A, T)
        inflow = contribution + received
    balance, interest, top = fund_balances(opening, rate, inflow, spent_total, years,
                                           trigger, restore)
    deposits = ledger[CONTRIBUTIONS_LINE]
    interest_total = _accounts_sum_yearly(interest, sizes)
    if fund.has_interest:
        interest_total = ledger.add(INTEREST_LINE, "deposit_bank", FUND_PARTY, "reserve",
                                    interest_total, start)
    top_total = None
    if top is not None:
        top_total = ledger.add(TOP_UP_LINE, "residents", FUND_PARTY, "reserve",
                               _accounts_sum_yearly(top, sizes), start)

    # the funding goals, top-ups off: B_t(c) = B_t(0) + c S_t, each account's
    zero_balance, _, _ = fund_balances(opening, rate, received, spent_total, years)
    unit_balance, _, _ = fund_balances(np.zeros((1, n_c, n_a)), rate, unit, None, years)
    if not present.all():                    # an empty account: no goal (0 / 1, not 0 / 0)
        unit_balance = np.where(present[..., None], unit_balance, 1.0)
    floor = (split(fund.threshold_balance)
             + per_account(fund.threshold_share_of_deposit) * first)[..., None] \
        + fund.threshold_percent_funded[..., None, None] * ffb[..., 1:]
    baseline = level_contribution(0.0, zero_balance, unit_balance)
    # full: 100 % funded at the horizon and never below the baseline's floor on the way
    full = np.maximum(baseline, level_contribution(ffb[..., years:], zero_balance[..., -1:],
                                                   unit_balance[..., -1:]))
    threshold = level_contribution(floor, zero_balance, unit_balance)

    def most(x: np.ndarray) -> np.ndarray:   # the largest over the accounts (all ≥ 0)
        return x[..., 0] if n_a == 1 else x.max(axis=-1)

    # reserve-study measures, summed over the accounts
    b_start = np.concatenate([np.broadcast_to(opening[..., None], balance.shape[:-1] + (1,)),
                              balance[..., :-1]], axis=-1)
    balance_by_account = balance
    balance = _accounts_sum_yearly(balance, sizes)
    b_start = _accounts_sum_yearly(b_start, sizes)
    ffb_all = _accounts_sum_yearly(ffb, sizes)
    ffb_years = ffb_all[..., :years]
    ffb_end = ffb_all[..., years]
    final = balance[..., -1]
    with np.errstate(over="ignore"):       # a fully funded balance of a few CNY: a huge share
        percent = np.divide(b_start, ffb_years, where=ffb_years > 0, out=np.full(
            np.broadcast_shapes(b_start.shape, ffb_years.shape), np.nan))
        percent_final = np.divide(final, ffb_end, where=ffb_end > 0, out=np.full(
            np.broadcast_shapes(final.shape, ffb_end.shape), np.nan))
    top_up = top_total if top_total is not None else np.zeros((1, n_c, years))
    spent_all = _accounts_sum_yearly(spent_total, sizes)

    # life-cycle cost with NIST Handbook 135 factors, at the nominal rate to start_year
    nominal = (1.0 + inputs.discount_rate) * (1.0 + inputs.inflation) - 1.0       # (D|1, C|1)
    spv = finance.spv(nominal[..., None], np.arange(start, start + years, dtype=float))
    growth_c = fund.contribution_growth
    contributions_pv = (fund.contribution_per_m2_year * total_area
                        * finance.upv_star(nominal, growth_c, years) / (1.0 + growth_c)
                        * finance.spv(nominal, start - 1))

    low = balance_by_account.min(axis=-1)                                       # (D|1, C, A)
    if not present.all():
        low = np.where(present, low, np.inf)
    negative = balance_by_account < 0
    topped = top > 0 if top is not None else None
    yearly = {
        "fund_deposits": deposits,
        "fund_interest": interest_total,
        "fund_expenditure": spent_all,
        "fund_top_up": top_up,
        "fund_balance": balance,
        "fully_funded_balance": ffb_years,
        "percent_funded": percent,
    }
    metrics = {
        "fund_first_deposit": _accounts_sum(first, sizes),
        "fund_balance_final": final,
        "fund_balance_min": low[..., 0] if n_a == 1 else low.min(axis=-1),
        "fund_negative_years": (negative[..., 0, :] if n_a == 1 else negative.any(axis=-2)
                                ).sum(axis=-1).astype(float),
        "fund_top_up_total": row_sum(top_up),
        "fund_top_up_max_year": top_up.max(axis=-1),
        "fund_first_top_up_year": first_true(top_up > 0 if topped is None or n_a == 1
                                             else topped.any(axis=-2)),
        "percent_funded_final": percent_final,
        "level_contribution_baseline_per_m2": most(baseline),
        "level_contribution_threshold_per_m2": most(threshold),
        "level_contribution_full_per_m2": most(full),
        "component_residual_value": _accounts_sum(residual, sizes),
        "fund_expenditure_pv": row_sum(spent_all * spv),
        "fund_contributions_pv": contributions_pv,
    }
    by_building = {}
    if fund.by_building:
        metrics["fund_buildings_short"] = negative.any(axis=-1).sum(axis=-1).astype(float)
        metrics["fund_buildings_topped_up"] = (
            topped.any(axis=-1).sum(axis=-1).astype(float) if topped is not None
            else np.zeros((1, n_c)))
        zero = np.zeros((1, n_c, n_a, years))
        by_building = {"fund_deposits": contribution, "fund_interest": interest,
                       "fund_expenditure": spent_total,
                       "fund_top_up": top if top is not None else zero,
                       "fund_balance": balance_by_account}
    return RepairsFundOutput(yearly=yearly, metrics=metrics, by_building=by_building)
