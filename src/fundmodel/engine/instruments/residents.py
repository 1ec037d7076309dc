"""Residents as households: the vote before funding (consent) and how the households pay after
it (channels). Two stages of the engine, each a pure function of the engine inputs (and the
ledger written so far); they import only engine modules and :mod:`fundmodel.finance`.

Axes: ``D`` draws, ``C`` compounds, ``I`` items, ``H`` households, ``B`` ballots (see
:class:`~fundmodel.engine.model_inputs.HouseholdInputs`). No loop over draws or compounds; the loops
are over decisions, ballots, items, rules and construction years.

The residents' part of an item
------------------------------
The funding rules with source ``residents`` pay for the items they are eligible for; a rule's
applied amount ``a_r`` is attributed to its eligible items pro rata to their cost::

    part_i = Σ_{r residents, i ∈ E_r} a_r × c_i / Σ_{j ∈ E_r} c_j          (CNY, (D, C, I))

and household h's part of item i is ``part_i × W_ih`` (``W`` the charge weights, rows summing
to 1: the floor sharing of the item's charge, or ``1/H`` for an item not charged).

Consent (:func:`consent`, before funding)
-----------------------------------------
With every item in, the allocation (:func:`fundmodel.engine.funding.apply_funding`) gives the
residents' parts; household h's share of decision k is ``s_hk = Σ_{i ∈ k} part_i W_ih``; h
votes yes when ``s_hk ≤ wtp_hk`` (its willingness to pay, drawn per household); each ballot
(the decision's electorate, or one building of it) is tallied and decided by the decision's
rule (:mod:`fundmodel.engine.consent`). A decision voted as a whole builds its items when it
passes and drops them when it fails. A decision voted building by building builds the part
of each item that the passing buildings pay for: the item's quantity (hence its cost and any
per-unit subsidy) is scaled by ``f_i = Σ_b pass_b ω_ib``, ``ω_ib = W_i·e_b / Σ_b' W_i·e_b'``
(1 when every ballot passes, 0 when none does). The model's funding then runs on the scaled
items, so a dropped item's funding is dropped too. Reported per ballot and draw: pass, and
the least willingness to pay common to every household at which the ballot would pass
(:func:`fundmodel.engine.consent.wtp_threshold`; inf where none would, e.g. too few take part).

Compounds of different sizes (a district) share a household axis padded to the largest
compound's households (``HouseholdInputs.sizes``), or to the largest of their size class
(``HouseholdInputs.classes``: both stages loop over the classes): every sum over households
runs over the compound's own (:func:`fundmodel.engine.arrays.household_sum`), and the ballots
of a decision voted building by building are counted together, one row per compound and
building holding that building's households alone (:class:`BuildingBallots`), so each
compound's votes and channels have the bits of its own run; a compound with fewer buildings
than a decision has ballots has empty ones (``ballot_present`` False), which build nothing and
stop nothing.

Channels (:func:`channels`, after funding)
------------------------------------------
What the residents' rules pay (read from their ``funding[<label>]`` lines) is shared among the
households as above — an item built in part is paid by the households of the passing
buildings only, ``W_ih × pass_h / f_i`` — and each household's amount ``s_h`` is split by
:func:`fundmodel.engine.households.pay_by_channel`: take-ups of the repairs fund, the provident
fund and a bank loan, the rest in cash; repairs-fund withdrawals capped at the balance (the
excess in cash, pro rata), provident-fund withdrawals at the cap per owner (the rest in cash).

The ledger keeps the residents' funding line(s) as written (residents → project: the
residents owe their share, and every funding total and metric reads that line), and adds how
the residents were financed, all within the years of that line and in proportion to it:

=============================  ==============  ==========  =========  ======================
line                           payer           payee       kind       years
=============================  ==============  ==========  =========  ======================
``residents[repairs_fund]``    repairs_fund    residents   capital    the residents' line's
``residents[provident_fund]``  provident_fund  residents   capital    the residents' line's
``residents[loan]``            lender          residents   financing  the residents' line's
``residents[loan_repayment]``  residents       lender      financing  the T years after each
                                                                      disbursement
=============================  ==============  ==========  =========  ======================

Cash needs no line (it is the residents' own money). A withdrawal from the provident fund is
the owner's own savings, but it leaves the housing provident fund centre, hence its party. A
loan disbursed at the end of year y is repaid by 12 monthly payments a year in years
``y + 1 .. y + T`` (``12 × L_y × a``, ``a = −pmt(r/12, 12T, 1)``). Sources + gap = works is
untouched; the residents' net flow is ``−cash − provident − repayments``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ... import finance
from ..arrays import household_sum, row_sum
from ..capital import item_costs
from ..consent import vote, wtp_threshold
from ..funding import apply_funding
from ..households import CHANNELS, pay_by_channel
from ..model_inputs import HouseholdInputs, ModelInputs, RuleInputs
from ..ledger import Ledger
from . import Books

__all__ = ["ConsentOutcome", "ResidentsOutput", "BuildingBallots", "building_ballots",
           "residents_rules", "residents_part", "consent",
           "channels", "CHANNEL_LINES", "household_groups"]

CHANNEL_LINES = {
    "repairs_fund": ("residents[repairs_fund]", "repairs_fund", "residents", "capital"),
    "provident_fund": ("residents[provident_fund]", "provident_fund", "residents", "capital"),
    "loan": ("residents[loan]", "lender", "residents", "financing"),
}
"""Ledger line (name, payer, payee, kind) of each channel but cash; the repayments are
``residents[loan_repayment]`` (residents → lender, financing)."""

REPAYMENT_LINE = "residents[loan_repayment]"


@dataclass(frozen=True)
class ConsentOutcome:
    """The votes of one engine call.

    Attributes
    ----------
    passed : ndarray of bool (D, C, B)
        Whether each ballot passes.
    wtp_threshold_cny : ndarray (D, C, B) or None
        Least willingness to pay, common to the ballot's electorate, at which it passes, CNY
        (inf: none). Computed for one compound only (the households' tables): None in a
        district of several.
    item_factor : ndarray (D, C, I)
        Share of each item built (1 for an item no decision covers).
    metrics : dict of str to ndarray (D, C)
        ``built_share[<item>]``: the share built of each item a decision covers (its
        ``item_factor``), per draw: where the votes leave each compound.
    """

    passed: np.ndarray
    wtp_threshold_cny: np.ndarray | None
    item_factor: np.ndarray
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ResidentsOutput:
    """What the households stages report for ``n`` draws of one compound.

    Static labels: ``ballots`` (decision, building or '' for a whole-electorate ballot,
    households in the electorate);
    ``groups`` (building, floor, households) — the households of one floor of one building,
    who pay the same. Per-draw arrays, ``(n, ·)``:

    passed, wtp_threshold_cny : (n, B)
        Pass (1/0) and the common-WTP threshold (inf: none) of each ballot.
    cost_per_household_cny : (n, G)
        What a household of the group pays of the residents' part (0 where its items fail).
    group_passed : (n, G)
        1 when every decision the group votes on or pays for goes ahead for it (1 without
        decisions).
    loan_payment_per_month_cny : (n, G)
        Monthly payment of a household of the group that borrows its whole amount.
    channel_cny : (n, 4)
        What all households pay by channel (:data:`~fundmodel.engine.households.CHANNELS`).
    repairs_fund_factor : (n,)
        Share of the requested repairs-fund withdrawals the balance allows.
    """

    ballots: tuple[tuple[str, str, int], ...]
    groups: tuple[tuple[str, int, int], ...]
    passed: np.ndarray
    wtp_threshold_cny: np.ndarray
    cost_per_household_cny: np.ndarray
    group_passed: np.ndarray
    loan_payment_per_month_cny: np.ndarray
    channel_cny: np.ndarray
    repairs_fund_factor: np.ndarray

    def stream(self) -> dict[str, np.ndarray]:
        """Finite per-draw arrays whose means over draws give every households table:
        ``threshold_defined`` (1 where the threshold is finite) and ``threshold_sum`` (the
        threshold there, else 0), ``cost_if_passed`` (cost × group_passed)."""
        finite = np.isfinite(self.wtp_threshold_cny)
        return {"passed": self.passed,
                "threshold_defined": finite.astype(float),
                "threshold_sum": np.where(finite, self.wtp_threshold_cny, 0.0),
                "cost": self.cost_per_household_cny,
                "cost_if_passed": self.cost_per_household_cny * self.group_passed,
                "group_passed": self.group_passed,
                "loan_payment": self.loan_payment_per_month_cny,
                "channels": self.channel_cny,
                "repairs_fund_factor": self.repairs_fund_factor}


def household_groups(hh: HouseholdInputs) -> tuple[np.ndarray, tuple[tuple[str, int, int], ...]]:
    """First household of each (building, floor) group with households, ``(G,)``, and the
    groups' labels ``(building name, floor, households)``, building by building, floor by
    floor."""
    b, f = hh.layout.building, hh.layout.floor
    first = np.flatnonzero(np.r_[True, (b[1:] != b[:-1]) | (f[1:] != f[:-1])]) if b.size else \
        np.zeros(0, dtype=np.int64)
    counts = np.diff(np.r_[first, b.size])
    labels = tuple((hh.building_names[b[i]], int(f[i]), int(c)) for i, c in zip(first, counts))
    return first, labels


def residents_rules(rules: RuleInputs) -> np.ndarray:
    """Positions, on the rule axis ``R`` of ``rules`` (the grants instrument's rules, in
    their order — not the positions in the scenario's funding list, which also holds the
    debts, investors, bundles and top-ups), of the rules of source ``residents``, ``(k,)``."""
    return np.flatnonzero([source == "residents" for source in rules.sources]).astype(np.int64)


def residents_part(rules: RuleInputs, costs: np.ndarray, applied: np.ndarray) -> np.ndarray:
    """The residents' part of each item, CNY ``(D, C, I)``: each residents rule's applied
    amount ``applied (D, C, R)`` (on the rule axis of ``rules``) attributed to its eligible
    items pro rata to their cost ``costs (D, C, I)`` (see the module docstring)."""
    part = np.zeros(costs.shape)
    for r in residents_rules(rules):
        eligible_cost = costs * rules.eligible[r]
        total = row_sum(eligible_cost)
        ratio = np.divide(applied[..., r], total, out=np.zeros(total.shape), where=total > 0)
        part += eligible_cost * ratio[..., None]
    return part


def _decision_shares(hh: HouseholdInputs, part: np.ndarray, k: int) -> np.ndarray:
    """Each household's share of decision k's items, CNY ``(D, C, H)``."""
    share = np.zeros(part.shape[:2] + (hh.size,))
    for i in np.flatnonzero(hh.decision_items[k]):
        share += part[..., i, None] * hh.weights[i]
    return share


@dataclass(frozen=True)
class BuildingBallots:
    """A decision voted building by building, laid out for a size class of compounds (the
    same in every draw: :func:`building_ballots`). One row per compound and building that has
    a ballot (``ballot_present``): a building's households are contiguous on the household
    axis, so a row is a window of its compound's row, ``W`` wide (the most households of a
    building).

    Attributes
    ----------
    compound, ballot : ndarray of int (R,)
        The row's positions on the compound and ballot axes (rows by number of households).
    index : ndarray of int (R, W)
        The row's households in the compounds' household axes laid end to end (``c × H +
        h``; past the building's households, later ones of its compound, which no sum reads).
    size : ndarray of int (R,)
        The building's households.
    area, inside : ndarray (R, W)
        Their areas, and 1 for them (the electorate), 0 past them.
    weights : ndarray (I_k, R, W)
        The charge weights of the decision's items on the rows.
    home : ndarray of int (C, H)
        Each household's ballot among the decision's, as an index in the compounds' ballots
        laid end to end (``c × b_k + j``; its compound's first where it is in none).
    member : ndarray (C, H)
        1 for a household in one of the decision's ballots.
    built : ndarray (I_k, b_k, C)
        The share of item i that ballot j builds when it passes, ``ω_ij / Σ_j' ω_ij'``
        (``ω_ij`` the item's charge weights over ballot j's households).
    """

    compound: np.ndarray
    ballot: np.ndarray
    index: np.ndarray
    size: np.ndarray
    area: np.ndarray
    inside: np.ndarray
    weights: np.ndarray
    home: np.ndarray
    member: np.ndarray
    built: np.ndarray


def building_ballots(hh: HouseholdInputs, k: int) -> BuildingBallots | None:
    """Decision k's ballots laid out (:class:`BuildingBallots`); None for a decision voted by
    its whole electorate."""
    if not hh.decision_by_building[k]:
        return None
    ballots = np.flatnonzero(hh.ballot_decision == k)
    e = hh.electorate[ballots]                                            # (b, C, H)
    ballot, compound = np.nonzero(hh.ballot_present[ballots])
    size = e[ballot, compound].sum(axis=-1).astype(np.int64)
    by_size = np.argsort(size, kind="stable")           # rows by households: runs of a size
    ballot, compound, size = ballot[by_size], compound[by_size], size[by_size]
    rows = e[ballot, compound]                                            # (R, H)
    start = np.argmax(rows > 0, axis=-1)
    width = max(int(size.max(initial=0)), 1)
    index = np.minimum(start[:, None] + np.arange(width)[None, :], hh.size - 1)   # (R, W)
    inside = np.arange(width)[None, :] < size[:, None]
    flat = compound[:, None] * hh.size + index
    items = np.flatnonzero(hh.decision_items[k])
    member = e > 0
    built = np.zeros((items.size, ballots.size, e.shape[1]))
    for n, i in enumerate(items):
        omega = household_sum(e * hh.weights[i], hh.padded)                 # (b, C)
        built[n] = omega / row_sum(omega.T)
    return BuildingBallots(
        compound=compound, ballot=ballots[ballot], index=flat, size=size,
        area=hh.area_m2[compound[:, None], index] * inside, inside=inside.astype(float),
        weights=np.stack([hh.weights[i].reshape(-1)[flat] for i in items]) if items.size
        else np.zeros((0,) + flat.shape),
        home=np.arange(e.shape[1])[:, None] * ballots.size + np.argmax(member, axis=0),
        member=member.any(axis=0).astype(float), built=built)


def _laid_out(hh: HouseholdInputs, k: int) -> BuildingBallots | None:
    """Decision k's :class:`BuildingBallots`: as compiled once for many chunks, or now."""
    return hh.building_ballots[k] if hh.building_ballots else building_ballots(hh, k)


def _row_groups(size: np.ndarray) -> list[tuple[slice, int]]:
    """The rows of :class:`BuildingBallots` (sorted by households) in groups whose counts
    have the same binary length, each with its width (its most households): a vote over a
    group reads ``width`` columns, not the widest building's."""
    bits = np.floor(np.log2(np.maximum(size, 1))).astype(np.int64)
    edges = np.r_[0, np.flatnonzero(np.diff(bits)) + 1, size.size]
    return [(slice(lo, hi), max(int(size[hi - 1]), 1)) for lo, hi in zip(edges[:-1], edges[1:])
            if hi > lo]


def _rows_of(a: np.ndarray, compound: np.ndarray, index: np.ndarray,
             n_compounds: int) -> np.ndarray:
    """A ``(D|1, C|1, H|1)`` household array on the rows of :class:`BuildingBallots`:
    ``(D|1, R, W)``, or ``(D|1, R|1, 1)`` where it is the same for every household."""
    if a.shape[-1] == 1:
        return a if a.shape[1] == 1 else a[:, compound]
    a = np.broadcast_to(a, a.shape[:1] + (n_compounds, a.shape[-1]))
    return a.reshape(a.shape[0], -1)[:, index]


def _at_home(hh: HouseholdInputs, ok: np.ndarray, k: int) -> np.ndarray:
    """1 where a household's part of decision k's items is built, ``(D, C, H)`` 0/1: the
    pass ``ok (D, C, b_k)`` of its ballot (its building's, or the whole electorate's)."""
    laid = _laid_out(hh, k)
    if laid is None:
        return np.broadcast_to(ok.astype(float), ok.shape[:2] + (hh.size,))
    ok = ok.reshape(ok.shape[0], -1).astype(float)           # (D, C × b_k)
    return ok[:, laid.home] * laid.member


def _votes(hh: HouseholdInputs, part: np.ndarray, shape: tuple[int, int, int],
           thresholds: bool = True):
    """The votes of one size class (:meth:`HouseholdInputs.by_class`) on the residents'
    parts ``part (D, C, I)`` of its compounds: passed and thresholds ``(D, C, B)`` (an empty
    ballot fails, threshold inf; ``thresholds`` False: not computed, None) and the share
    built of each item ``(D, C, I)``."""
    n_ballots = hh.ballot_decision.size
    passed = np.zeros(shape[:2] + (n_ballots,), dtype=bool)
    threshold = np.full(shape[:2] + (n_ballots,), np.inf) if thresholds else None
    factor = np.ones(shape)
    area, sizes = hh.area_m2, hh.padded
    for k, rule in enumerate(hh.rules):
        p = hh.participation[k][..., None]
        ballots = np.flatnonzero(hh.ballot_decision == k)
        items = np.flatnonzero(hh.decision_items[k])
        laid = _laid_out(hh, k)
        if laid is not None:      # the buildings' ballots at once, a few widths of rows
            for rows, width in _row_groups(laid.size):
                compound, index = laid.compound[rows], laid.index[rows, :width]
                s_b = np.zeros((shape[0],) + index.shape)                   # (D, R, W)
                for n, i in enumerate(items):
                    s_b += part[:, compound, i, None] * laid.weights[n][rows, :width]
                w_b = _rows_of(hh.wtp_cny[k], compound, index, hh.sizes.size)
                p_b = p if p.shape[1] == 1 else p[:, compound]
                a_b = laid.area[rows, :width]
                args = dict(electorate=laid.inside[rows, :width], participation=p_b,
                            sizes=laid.size[rows])
                passed[:, compound, laid.ballot[rows]], _ = vote(s_b, w_b, a_b, rule, **args)
                if thresholds:
                    threshold[:, compound, laid.ballot[rows]] = wtp_threshold(
                        s_b, a_b, rule, **args)
        else:
            share = _decision_shares(hh, part, k)
            for b in ballots:
                passed[..., b], _ = vote(share, hh.wtp_cny[k], area, rule,
                                         electorate=hh.electorate[b], participation=p,
                                         sizes=sizes)
                if thresholds:
                    threshold[..., b] = wtp_threshold(share, area, rule,
                                                      electorate=hh.electorate[b],
                                                      participation=p, sizes=sizes)
        ok = passed[..., ballots]                                         # (D, C, b_k)
        real = hh.ballot_present[ballots].T                               # (C, b_k)
        held = np.flatnonzero(real.any(axis=0))      # the ballots some compound here holds
        for n, i in enumerate(items):
            if laid is not None:
                built = np.zeros(shape[:2])
                for j in held:                       # the ballots in order; empty ones add 0
                    built = built + ok[..., j] * laid.built[n, j]
                factor[..., i] = np.where((ok | ~real).all(axis=-1), 1.0,
                                          np.where((ok & real).any(axis=-1), built, 0.0))
            else:
                factor[..., i] = ok[..., 0]
    return passed, threshold, factor


def consent(inputs: ModelInputs) -> tuple[ModelInputs, ConsentOutcome | None]:
    """The residents' votes, before funding: the inputs with the items of failed votes
    dropped (their quantities scaled by the share built), and the outcome.

    Without a households section or decisions, the inputs are returned as they are (the same
    object: the model runs bit for bit as without households) and the outcome is None.
    """
    hh = inputs.households
    if hh is None or not hh.decision_names:
        return inputs, None
    items = inputs.items
    shape = (inputs.draws, len(inputs.compounds.names), len(items.names))
    costs = np.broadcast_to(item_costs(items), shape)
    funding = apply_funding(inputs.rules, inputs.compounds, costs, items.quantity)
    part = residents_part(inputs.rules, costs, funding.applied)
    n_ballots = hh.ballot_decision.size
    passed = np.zeros(shape[:2] + (n_ballots,), dtype=bool)
    one = shape[1] == 1          # the thresholds are reported for one compound only
    threshold = np.zeros(shape[:2] + (n_ballots,)) if one else None
    factor = np.ones(shape)
    for at, h in hh.by_class():                      # a loop over the size classes
        p_c, t_c, f_c = _votes(h, part[:, at], part[:, at].shape, thresholds=one)
        passed[:, at], factor[:, at] = p_c, f_c
        if one:
            threshold[:, at] = t_c
    masked = replace(items, quantity=items.quantity * factor)
    decided = np.flatnonzero(np.asarray(hh.decision_items).any(axis=0))
    shares = {f"built_share[{items.names[i]}]": factor[..., i] for i in decided}
    return (replace(inputs, items=masked),
            ConsentOutcome(passed, threshold, factor, shares))


def _shares_paid(hh: HouseholdInputs, part: np.ndarray, outcome: ConsentOutcome | None, at,
                 payments: bool):
    """One size class's households: what each pays ``s_h`` (CNY ``(D, C, H)``, of the
    residents' parts ``part (D, C, I)`` of its compounds, at positions ``at`` of the run), how
    (:func:`~fundmodel.engine.households.pay_by_channel`; the monthly loan payments only when
    ``payments``), and per decision where its items are built ``(D, C, H)`` 0/1 (empty
    without an outcome)."""
    n_items = part.shape[-1]
    item_decision = {int(i): k for k in range(len(hh.decision_names))
                     for i in np.flatnonzero(hh.decision_items[k])}
    home = [] if outcome is None else [
        _at_home(hh, outcome.passed[:, at][..., hh.ballot_decision == k], k)
        for k in range(len(hh.decision_names))]
    amount = np.zeros(part.shape[:2] + (hh.size,))                  # s_h, CNY
    for i in range(n_items):
        k = item_decision.get(i)
        if not part[..., i].any():
            continue                  # the residents pay nothing of it: it adds +0 (no bit)
        if k is None or outcome is None:
            amount += part[..., i, None] * hh.weights[i]
        else:
            f = outcome.item_factor[:, at][..., i, None]
            w = hh.weights[i] * home[k]
            amount += part[..., i, None] * np.divide(w, f, out=np.zeros(w.shape), where=f > 0)
    t_f, t_p, t_l = hh.takeup_repairs_fund, hh.takeup_provident_fund, hh.takeup_loan
    paid = pay_by_channel(amount, takeup_cash=np.clip(1.0 - t_f - t_p - t_l, 0.0, 1.0),
                          takeup_repairs_fund=t_f, takeup_provident_fund=t_p, takeup_loan=t_l,
                          repairs_fund_balance_cny=hh.repairs_fund_balance_cny,
                          provident_fund_cap_cny=hh.provident_fund_cap_cny,
                          loan_rate=hh.loan_rate, loan_term_years=float(hh.loan_term_years),
                          sizes=hh.padded, payments=payments)
    return amount, paid, home


def channels(inputs: ModelInputs, ledger: Ledger,
             outcome: ConsentOutcome | None) -> ResidentsOutput | None:
    """How the households pay what the residents' funding rules pay, after funding: the
    channel lines on the ledger (see the module docstring) and the households' outputs.

    ``inputs`` are those the funding ran on (after :func:`consent`); the residents' rules'
    amounts are read from their ``funding[<label>]`` lines. None without a households section.
    """
    hh = inputs.households
    if hh is None:
        return None
    n, n_comp, n_items = inputs.draws, len(inputs.compounds.names), len(inputs.items.names)
    rules = inputs.rules
    res = residents_rules(rules)
    names = [f"funding[{rules.labels[r]}]" for r in res]
    costs = np.broadcast_to(item_costs(inputs.items), (n, n_comp, n_items))
    applied = np.zeros((n, n_comp, len(rules.labels)))
    for r, name in zip(res, names):
        applied[..., r] = row_sum(ledger[name])
    part = residents_part(rules, costs, applied)
    by_channel = {c: np.zeros((n, n_comp)) for c in ("repairs_fund", "provident_fund", "loan")}
    for at, h in hh.by_class():                      # a loop over the size classes
        amount, paid, home = _shares_paid(h, part[:, at], outcome, at, n_comp == 1)
        for c in by_channel:
            by_channel[c][:, at] = household_sum(getattr(paid, f"{c}_cny"), h.padded)
    t_f, t_p, t_l = hh.takeup_repairs_fund, hh.takeup_provident_fund, hh.takeup_loan
    total = row_sum(applied[..., res]) if res.size else np.zeros((n, n_comp))
    cash = total - by_channel["repairs_fund"] - by_channel["provident_fund"] - by_channel["loan"]
    if names:
        _write_lines(inputs, ledger, names, total, by_channel, {
            "repairs_fund": t_f, "provident_fund": t_p, "loan": t_l})
    if n_comp != 1:
        return None          # the households' tables are those of a one-compound run

    first, groups = household_groups(hh)
    ballots = tuple((hh.decision_names[k], hh.building_names[b] if b >= 0 else "",
                     int(hh.electorate[j].sum()))
                    for j, (k, b) in enumerate(zip(hh.ballot_decision, hh.ballot_building)))
    group_passed = np.ones((n, n_comp, first.size))
    for k in range(len(hh.decision_names)):
        involved = ((hh.weights[hh.decision_items[k]].sum(axis=0) > 0)
                    | (hh.electorate[hh.ballot_decision == k].sum(axis=0) > 0))[0, first]
        if outcome is not None:
            group_passed = np.where(involved, group_passed * home[k][..., first], group_passed)
    if outcome is None:
        passed = np.zeros((n, n_comp, 0))
        threshold = np.zeros((n, n_comp, 0))
    else:
        passed, threshold = outcome.passed.astype(float), outcome.wtp_threshold_cny
    channel_cny = np.stack([cash if c == "cash" else by_channel[c] for c in CHANNELS], axis=-1)

    def one(a: np.ndarray) -> np.ndarray:                 # (D|1, 1, ...) → (n, ...)
        a = np.asarray(a, dtype=float)
        return np.ascontiguousarray(np.broadcast_to(a[:, 0], (n,) + a.shape[2:]))

    return ResidentsOutput(
        ballots=ballots, groups=groups, passed=one(passed), wtp_threshold_cny=one(threshold),
        cost_per_household_cny=one(amount[..., first]), group_passed=one(group_passed),
        loan_payment_per_month_cny=one(paid.loan_payment_per_month_cny[..., first]),
        channel_cny=one(channel_cny),
        repairs_fund_factor=one(np.broadcast_to(paid.repairs_fund_factor, (n, n_comp))))


def _write_lines(inputs: ModelInputs, ledger: Ledger, names: list[str], total: np.ndarray,
                 by_channel: dict[str, np.ndarray], takeups: dict[str, np.ndarray]) -> None:
    """The channel lines, in proportion to the residents' funding lines by year."""
    lines = ledger.select(names=names)
    by_year = ledger.total(lines)                                    # (D|1, C, L)
    start = lines[0].start
    disbursed = None
    for channel, (name, payer, payee, kind) in CHANNEL_LINES.items():
        t = takeups[channel]
        if t.shape[0] == 1 and not np.any(t > 0):
            continue                                                 # nobody uses the channel
        fraction = np.divide(by_channel[channel], total, out=np.zeros(total.shape),
                             where=total > 0)
        flow = ledger.add(name, payer, payee, kind, by_year * fraction[..., None], start)
        if channel == "loan":
            disbursed = flow
    if disbursed is None:
        return
    hh = inputs.households
    term = hh.loan_term_years
    per_cny = -np.asarray(finance.pmt(hh.loan_rate / 12.0, 12.0 * term, 1.0), dtype=float)
    years = disbursed.shape[-1]
    repaid = np.zeros(np.broadcast_shapes(disbursed.shape[:-1], per_cny.shape)
                      + (years - 1 + term,))
    for y in range(years):
        repaid[..., y:y + term] += (12.0 * per_cny * disbursed[..., y])[..., None]
    ledger.add(REPAYMENT_LINE, "residents", "lender", "financing", repaid, start + 1)


def write_consent(inputs: ModelInputs, households: HouseholdInputs, books: Books) -> Books:
    """The ``consent`` instrument (phase ``decide``): :func:`consent` on the run's items; the
    books get the quantities and costs of what is built, and the outcome as ``consent``."""
    decided, outcome = consent(inputs)
    if outcome is None:
        return books
    costs = np.broadcast_to(item_costs(decided.items), books.costs.shape)
    return books.report("consent", outcome, quantity=decided.items.quantity, costs=costs)


def write_channels(inputs: ModelInputs, households: HouseholdInputs, books: Books) -> Books:
    """The ``residents`` instrument (phase ``fund``, after the grants): :func:`channels` on the
    items built; reports the :class:`ResidentsOutput` as ``residents``."""
    built = replace(inputs, items=replace(inputs.items, quantity=books.quantity))
    return books.report("residents",
                        channels(built, books.ledger, books.reports.get("consent")))
