"""Budget phasing of a portfolio: what each compound's works cost each level of government in
each year of its works (from the engine), and the plan (:mod:`.phasing`)."""

from __future__ import annotations

import numpy as np

from ..inputs.draws import point_values
from ..engine.model import run_compounds
from ..errors import ModelError
from ..inputs import model_inputs, timeline_of
from ..inputs.sampling import input_space, sample_values
from ..scenario.fiscal import GOVERNMENT_LEVELS
from .memory import check_planning_size
from .tiles import COMPOUND_BLOCK, payments_by_level

__all__ = ["renovation_cost_by_level", "plan_portfolio", "empty_plan_reason"]


def renovation_cost_by_level(scenario, draws: int | None = None, seed: int = 0,
                             sampler: str = "random", table=None) -> np.ndarray:
    """What every compound's works cost each level of government in each construction year,
    CNY: ``(C, levels, K)`` at the point estimates, or ``(draws, C, levels, K)`` over Monte
    Carlo draws (the draws of :func:`.run.simulate_portfolio`, computed a block of compounds
    at a time). Levels in :data:`GOVERNMENT_LEVELS` order; K the construction years.
    ``table``: another table of the compounds (e.g. at other tiers; default the scenario's)."""
    table = scenario.portfolio.table if table is None else table
    n_build = timeline_of(scenario).construction_years
    # a block of compounds at a time, for memory (the same numbers); a pooled instrument's
    # package is computed together (what each member gets depends on the others)
    block = len(table) if _pooled(scenario) else COMPOUND_BLOCK
    if draws is None:
        values = point_values(scenario)
        cost = np.empty((len(table), len(GOVERNMENT_LEVELS), n_build))
        for start in range(0, len(table), block):
            sub = table.take(np.arange(start, min(start + block, len(table))))
            out = run_compounds(model_inputs(scenario, values, 1, sub))
            cost[start:start + len(sub)] = payments_by_level(out, "capital")[0, ..., :n_build]
        return cost
    space = input_space(scenario)
    cost = np.empty((draws, len(table), len(GOVERNMENT_LEVELS), n_build))
    for start in range(0, len(table), block):               # a loop over blocks, for memory
        sub = table.take(np.arange(start, min(start + block, len(table))))
        values = sample_values(space, seed, sampler, 0, draws, draws, list(sub.ids),
                               sub.households if scenario.households is not None else None)
        out = run_compounds(model_inputs(scenario, values, draws, sub))
        cost[:, start:start + len(sub)] = payments_by_level(out, "capital")[..., :n_build]
    return cost


def _pooled(scenario) -> bool:
    return any(getattr(rule, "pooled", False) for rule in scenario.funding)


def _packages(scenario, done: np.ndarray) -> list[np.ndarray]:
    """The compounds (indexes in the table) of each pooled instrument's package, done ones
    left out: each starts together or not at all."""
    from .programme import packages
    return [np.flatnonzero(p.members & ~done)
            for p in packages(scenario, scenario.portfolio.table)]


def _cost(scenario, done: np.ndarray, draws: int | None = None, seed: int = 0) -> np.ndarray:
    """:func:`renovation_cost_by_level` of the compounds not done (0 for a done one): with a
    pooled instrument, what a member pays depends on the others of its package, so the done
    compounds (never run) are left out of the computation, not only zeroed."""
    table = scenario.portfolio.table
    if not _pooled(scenario) or not done.any():
        cost = renovation_cost_by_level(scenario, draws, seed)
    else:
        keep = np.flatnonzero(~done)
        part = renovation_cost_by_level(scenario, draws, seed, table=table.take(keep))
        cost = np.zeros(part.shape[:-3] + (len(table),) + part.shape[-2:])
        cost[..., keep, :, :] = part
    cost[..., done, :, :] = 0.0
    return cost


def _weight(scenario, name: str) -> np.ndarray:
    table = scenario.portfolio.table
    try:
        weight = np.asarray(table.attribute(name), dtype=float)
    except (AttributeError, KeyError, TypeError):
        raise ModelError(f"phasing.weight: the compounds table has no numeric column "
                         f"{name!r}") from None
    if np.any(np.isnan(weight)):
        raise ModelError(f"phasing.weight: {name} is empty for some compounds")
    return weight


def _programme_options(scenario, options: dict, years: np.ndarray) -> dict:
    """The compounds table's programme as solver options, merged with the caller's: a fixed
    ``start_year`` bounds ``earliest`` and ``latest`` to it; ``required`` compounds (every
    under_way one, and planned ones marked required) are added to ``options['required']``."""
    table = scenario.portfolio.table
    if not table.has_programme:
        return options
    out = dict(options)
    start = np.asarray(table.start_year)
    fixed = ~np.isnan(start) & (np.asarray(table.status) != "done")
    if fixed.any():
        for key, pick in (("earliest", np.maximum), ("latest", np.minimum)):
            default = years[0] if key == "earliest" else years[-1]
            given = out.get(key)
            base = np.full(len(table), default) if given is None else np.broadcast_to(
                np.asarray(given), (len(table),))
            out[key] = np.where(fixed, pick(base, np.nan_to_num(start)), base).astype(np.int64)
    required = np.asarray(table.required)
    if required.any():
        given = out.get("required")
        if given is None:
            out["required"] = required
        elif np.asarray(given).dtype == bool:
            out["required"] = np.asarray(given) | required
        else:
            out["required"] = [*list(given), *np.flatnonzero(required).tolist()]
    return out


def _tier_options(scenario, weight: np.ndarray, draws: int | None = None, seed: int = 0):
    """``(tiers, cost, weight (C, T), allowed (C, T))`` when some compound of the table allows
    several tiers (the plan then chooses them), else None; ``cost`` is ``(C, T, L, K)`` at the
    point estimates, or ``(draws, C, T, L, K)`` (each tier's cost in the same draws)."""
    from ..io.compounds_table import TIERS
    table = scenario.portfolio.table
    if all(len(t) <= 1 for t in table.tiers_allowed):
        return None
    tiers = tuple(t for t in TIERS if any(t in a for a in table.tiers_allowed))
    allowed = np.array([[t in a for t in tiers] for a in table.tiers_allowed], dtype=bool)
    worth = scenario.portfolio.phasing.tier_weights or {}
    weights = weight[:, None] * np.array([float(worth.get(t, 1.0)) for t in tiers])[None, :]
    cost = np.stack([renovation_cost_by_level(scenario, draws, seed,
                                              table=table.with_tiers([t] * len(table)))
                     for t in tiers], axis=1 if draws is None else 2)
    return tiers, cost, weights, allowed


def plan_portfolio(scenario, *, seed: int | None = None, **options):
    """The budget phasing plan of the scenario's ``portfolio.phasing`` (see ``docs/phasing.md``):
    on the point estimates of the costs, or — with ``max_overrun_probability`` — robust over
    ``draws`` Monte Carlo draws of them. ``options`` go to the solver.

    The compounds table's programme columns (docs/compounds-table.md) are honoured: a
    ``done`` compound is not planned and costs nothing in it (cost and weight 0); a fixed
    ``start_year`` is the only year its compound may start; ``required`` compounds must be in
    the plan (with those of ``options['required']``); compounds allowing several tiers
    (``tiers_allowed``) have their tier chosen by the plan, each tier's weight multiplied by
    ``phasing.tier_weights`` (``Plan.tier``; the table's ``tier`` column). The compounds of a
    pooled instrument's package start in the same year or not at all (``together``), their
    costs computed with the whole package."""
    from .phasing import phase, phase_robust
    if scenario.portfolio is None or scenario.portfolio.phasing is None:
        raise ModelError("this scenario has no portfolio.phasing section")
    rules = scenario.portfolio.phasing
    table = scenario.portfolio.table
    check_planning_size(scenario, len(table), input_space(scenario).dims)
    years = rules.first_year + np.arange(rules.years)
    weight = _weight(scenario, rules.weight)
    done = np.asarray(table.status) == "done"
    weight = np.where(done, 0.0, weight)
    budget = rules.budget_matrix()
    options = {"time_limit_s": rules.time_limit_s, "mip_rel_gap": rules.mip_rel_gap,
               "prefer_early": rules.prefer_early, **options}
    options = _programme_options(scenario, options, years)
    if _pooled(scenario):
        together = _packages(scenario, done)
        several = [i for group in together for i in group if len(table.tiers_allowed[i]) > 1]
        if several:
            raise ModelError(f"the plan cannot choose the tier of {table.ids[several[0]]!r} "
                             f"({table.source} line {table.lines[several[0]]}): it is in the "
                             "package of a pooled funding rule, whose members' costs depend on "
                             "each other's tiers; give the package's compounds one tier")
        options["together"] = [*options.get("together", ()), *together]
    if rules.max_overrun_probability is None:
        tiered = _tier_options(scenario, weight)
        if tiered is not None:
            tiers, cost, weights, allowed = tiered
            cost[done] = 0.0
            plan = phase(cost, budget, weights, years=years, ids=list(table.ids), tiers=tiers,
                         tier_allowed=allowed, **options)
        else:
            plan = phase(_cost(scenario, done), budget, weight, years=years,
                         ids=list(table.ids), **options)
    else:
        seed = scenario.simulation.seed if seed is None else seed
        tiered = _tier_options(scenario, weight, rules.draws, seed or 0)
        robust = dict(years=years, ids=list(table.ids),
                      max_overrun_probability=rules.max_overrun_probability)
        if tiered is not None:
            tiers, cost, weights, allowed = tiered
            cost[:, done] = 0.0
            plan = phase_robust(cost, budget, weights, tiers=tiers, tier_allowed=allowed,
                                **robust, **options)
        else:
            plan = phase_robust(_cost(scenario, done, rules.draws, seed or 0), budget, weight,
                                **robust, **options)
    if table.has_programme:
        plan.table.insert(1, "status", list(table.status))
    return plan


def empty_plan_reason(scenario, plan) -> tuple[str, str] | None:
    """Why ``plan`` (of :func:`plan_portfolio`) starts no compound: ``(field, message)``, the
    scenario field to change and what is wrong, naming for budgets too small the compound
    that comes closest (its line in the compounds table); None when the plan starts one.

    The cases: the works last longer than the plan (``portfolio.phasing.years``); the solver
    found no plan in its time (``portfolio.phasing.time_limit_s``) or failed; the budgets
    (``portfolio.phasing.budgets_cny``) are too small to start any compound."""
    if (np.asarray(plan.start_year) >= 0).any():
        return None
    rules = scenario.portfolio.phasing
    table = scenario.portfolio.table
    done = np.asarray(table.status) == "done"
    if done.all():
        return ("portfolio.compounds", f"all {len(table):,} compounds are done (their status "
                "in the compounds table or portfolio.programme): nothing is left to plan")
    n_build = max(1, timeline_of(scenario).construction_years)
    if n_build > rules.years:
        return ("portfolio.phasing.years", f"the works take {n_build} years, longer than the "
                f"plan's {rules.years}, so no compound can start and finish within it")
    if plan.status in ("time_limit", "error"):
        why = (f"found no plan within time_limit_s = {rules.time_limit_s:g} s"
               if plan.status == "time_limit" else "failed")
        return ("portfolio.phasing", f"the phasing solver {why} for {len(table):,} compounds; "
                "allow it more time, plan fewer compounds at once, or run without a plan "
                "(--no-plan)")
    if plan.status == "infeasible":
        return ("portfolio.phasing", "the required compounds do not fit the budgets together")
    largest = rules.budget_matrix().max(axis=1)                 # (levels,)
    cost = renovation_cost_by_level(scenario)                   # (C, levels, K) CNY
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cost > 0, cost / largest[None, :, None], 0.0)   # of the largest budget
    need = np.where(done, np.inf, share.reshape(len(table), -1).max(axis=1))
    c = int(np.argmin(need))
    where = f"{table.source} line {table.lines[c]}"
    if need[c] <= 1:
        return ("portfolio.phasing.budgets_cny", "the budgets are too small to start any "
                f"compound in the years of the plan (the cheapest to start is {table.ids[c]!r}, "
                f"{where})")
    level, year = np.unravel_index(int(np.argmax(share[c])), share[c].shape)
    return ("portfolio.phasing.budgets_cny", f"the budgets are too small to start any compound: "
            f"the cheapest to start, {table.ids[c]!r} ({where}), costs "
            f"{GOVERNMENT_LEVELS[level]} {cost[c, level, year]:,.0f} CNY in year {year + 1} of "
            f"its works, more than that level's largest yearly budget, "
            f"{largest[level]:,.0f} CNY")
