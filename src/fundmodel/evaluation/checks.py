"""What the debt system checks before a special bond is issued (or a reviewer before a loan):
each a pass, a fail or a question, at the field of the scenario to change
(docs/bond-evaluation.md, "The debt system's checks")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ModelError
from .debts import cover_basis, debt_labels

__all__ = ["debt_checks", "term_and_cover", "check_row", "as_frame", "MAX_TERM_YEARS",
           "COVER_FLOOR", "ALL_DEBTS_FLOOR", "COVER_QUESTIONED"]

MAX_TERM_YEARS = 30
"""Longest term of a special bond for a project (years)."""
COVER_FLOOR = 1.1
"""A bond's own cover below this fails."""
ALL_DEBTS_FLOOR = 1.2
"""The cover of all debts together below this fails."""
COVER_QUESTIONED = 3.0
"""A cover above this is implausibly high: the income behind it is questioned."""


def check_row(debt, check, status, value, limit, path, message):
    """One check as a row of :func:`debt_checks`' table."""
    return {"debt": debt, "check": check, "status": status, "value": value, "limit": limit,
            "path": path, "message": message}


def term_and_cover(label: str, rule, at: str, horizon: int, basis: str, cover: float,
                   whose: str = "") -> list[dict]:
    """The checks of a debt's term (within the ``horizon``, ≤ :data:`MAX_TERM_YEARS`, ≤ its
    ``asset_life_years``) and of its ``cover`` on its ``basis`` (≥ :data:`COVER_FLOOR`, ≤
    :data:`COVER_QUESTIONED`), as rows; ``at`` its path, ``whose`` a word before the cover
    (``the package's``)."""
    rows = []
    term = int(rule.term_years) if rule.term_years is not None else None
    if term is not None:
        rows.append(check_row(label, "revenue_within_operation",
                         "pass" if term <= horizon else "fail", term, horizon,
                         f"{at}.term_years", f"a term of {term} years within "
                         f"{horizon} operating years"))
        rows.append(check_row(label, "term_limit", "pass" if term <= MAX_TERM_YEARS else "fail",
                         term, MAX_TERM_YEARS, f"{at}.term_years",
                         f"a term of {term} years (at most {MAX_TERM_YEARS})"))
        life = getattr(rule, "asset_life_years", None)
        rows.append(check_row(label, "term_within_asset_life",
                         "not checked" if life is None else
                         ("pass" if term <= life else "fail"), term, life,
                         f"{at}.asset_life_years", "give asset_life_years to check the "
                         "term against the assets' life" if life is None else
                         f"a term of {term} years for assets of {life} years"))
    named = f"{whose} {basis.replace('_', ' ')}".strip()
    rows.append(check_row(label, "cover_floor", "fail" if not cover >= COVER_FLOOR else "pass",
                     cover, COVER_FLOOR, at, f"{named} {cover:.2f} (at least {COVER_FLOOR:g})"))
    rows.append(check_row(label, "cover_plausible",
                     "question" if cover > COVER_QUESTIONED else "pass", cover,
                     COVER_QUESTIONED, f"{at}.pledged", f"{named} {cover:.2f}"
                     + (f": above {COVER_QUESTIONED:g}, is the income behind it sure?"
                        if cover > COVER_QUESTIONED else f" (at most {COVER_QUESTIONED:g})")))
    return rows


def as_frame(rows: list[dict]) -> pd.DataFrame:
    """Check rows as a table, ``value`` and ``limit`` numbers (NaN where none)."""
    out = pd.DataFrame(rows)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out["limit"] = pd.to_numeric(out["limit"], errors="coerce")
    return out


def debt_checks(result) -> pd.DataFrame:
    """The checks of every debt of a deterministic run (:func:`fundmodel.evaluate`).

    - ``principal_repaid``: Σ principal repaid over the term = the principal lent, plus any
      interest capitalised (to a relative 1e-9);
    - ``capital_part``: a special bond's capital part ≤ the bond (with ``capital_share``);
    - ``revenue_within_operation``: the term (the years of pledged revenue) ends within the
      project's operating years (``horizon_years``);
    - ``term_limit``: the term ≤ :data:`MAX_TERM_YEARS` years;
    - ``term_within_asset_life``: the term ≤ the assets' life (``asset_life_years``; not
      checked without it);
    - ``cover_floor``: its cover (the basis its ``meets_coverage`` reads) ≥
      :data:`COVER_FLOOR`; ``cover_plausible``: ≤ :data:`COVER_QUESTIONED`, else
      questioned;
    - ``all_debts_cover`` (once, debt ``all``): the cover of all debts together ≥
      :data:`ALL_DEBTS_FLOOR`.

    Returns
    -------
    DataFrame
        One row per debt and check: ``debt``, ``check``, ``status`` (``pass``, ``fail``,
        ``question`` or ``not checked``), ``value``, ``limit``, ``path`` (the field to
        change, as ``--set`` writes it) and ``message``.
    """
    if result.n_draws != 1:
        raise ModelError("the debt checks are of one run at the point estimates "
                         "(fundmodel.evaluate)")
    scenario = result.scenario
    labels = debt_labels(scenario)
    if not labels:
        raise ModelError(f"{scenario.name} has no debt to check")
    metrics = result.summary()["mean"]
    ledger = result.cashflows()
    rows = []
    for r, (rule, label) in enumerate(zip(scenario.funding, scenario.funding_labels())):
        if label not in labels:
            continue
        at = f"funding[{r}]"
        lent = float(metrics[f"debt[{label}].amount"])
        repaid = float(ledger.loc[ledger["line"] == f"debt[{label}].principal", "amount"].sum())
        capitalised = (float(metrics.get(f"debt[{label}].construction_interest", 0.0))
                       if getattr(rule, "construction_interest", "none") == "capitalised"
                       else 0.0)
        owed = lent + capitalised
        ok = abs(repaid - owed) <= 1e-9 * max(owed, 1.0)
        rows.append(check_row(label, "principal_repaid", "pass" if ok else "fail", repaid, owed, at,
                         f"principal repaid {repaid:,.2f} CNY against {owed:,.2f} CNY lent"
                         + (" (with the interest capitalised)" if capitalised else "")))
        share = getattr(rule, "capital_share", None)
        if share is not None:
            capital = float(metrics.get(f"debt[{label}].capital", share * lent))
            rows.append(check_row(label, "capital_part", "pass" if capital <= lent * (1 + 1e-12)
                             else "fail", capital, lent, f"{at}.capital_share",
                             f"capital part {capital:,.2f} CNY of a bond of {lent:,.2f} CNY"))
        basis = cover_basis(scenario, label)
        rows += term_and_cover(label, rule, at, scenario.horizon_years, basis,
                               float(metrics[f"debt[{label}].{basis}"]))
    every = float(metrics["coverage_all_debts"])
    rows.append(check_row("all", "all_debts_cover",
                     "fail" if not every >= ALL_DEBTS_FLOOR else "pass", every,
                     ALL_DEBTS_FLOOR, "funding", f"cover of all debts together {every:.2f} "
                     f"(at least {ALL_DEBTS_FLOOR:g})"))
    return as_frame(rows)
