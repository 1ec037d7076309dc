"""The Sanqiao story in numbers: how far each lever of "四管一补" closes the deficit.

Each row undoes the levers below it in ``scenarios/sanqiao-shared-service.yaml`` with ``--set``
overrides, so the first row is the standalone compound and the last the shared service. Run::

    python docs/sanqiao_levers.py

The README's table is this script's output (a test checks they agree).
"""

from __future__ import annotations

from pathlib import Path

import fundmodel

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "sanqiao-shared-service.yaml"

LEVERS: list[tuple[str, list[str]]] = [
    ("smart access and cameras instead of three guards", [
        "operations.costs[security guards].staff=3",
        "operations.costs[night patrol].staff=0",
        "operations.costs[smart access platform].per_year=0",
    ]),
    ("shared contract with four neighbours: manager and repair crew split five ways, "
     "repairs per job below market, 5% margin", [
        "operations.costs[property manager].staff=0",
        "operations.costs[repair crew].staff=0",
        "operations.costs[routine repairs].per_year=15000",
        "operations.management_margin=0.10",
    ]),
    ("volunteers clean stairwells, the street removes garbage", [
        "operations.costs[cleaner].staff=1",
        "operations.costs[volunteer stipends and materials].per_year=0",
    ]),
    ("parking with a smart barrier, advertising, site fees", [
        "operations.income[parking].price_per_month=100",
        "operations.income[parking].occupancy=0.7",
        "operations.income[advertising].per_year=0",
        "operations.income[site fees].per_year=0",
        "renovation.items[smart parking barrier].quantity=0",
    ]),
]
"""Each lever and the overrides that undo it."""


def rows() -> list[dict]:
    """One row per step: the standalone compound, then each lever added in turn."""
    out = []
    for k in range(len(LEVERS) + 1):
        undo = [o for _, overrides in LEVERS[k:] for o in overrides]
        m = fundmodel.evaluate(fundmodel.load_scenario(SCENARIO, undo)).metrics.iloc[0]
        out.append({
            "step": "standalone professional service" if k == 0 else f"+ {LEVERS[k - 1][0]}",
            "surplus_year1": m["operating_surplus_first_year"],
            "breakeven_fee": m["breakeven_fee_rate"],
            "npv": m["npv_operations"],
            "deficit_years": int(m["operating_deficit_years"]),
            "gap": m["funding_gap"],
        })
    return out


def table() -> str:
    """The rows as a Markdown table."""
    lines = ["| step | year-1 surplus (CNY) | breakeven fee (CNY/m²/month) | 20-year NPV (CNY) "
             "| deficit years | renovation gap (CNY) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows():
        lines.append(f"| {r['step']} | {r['surplus_year1']:,.0f} | {r['breakeven_fee']:.2f} | "
                     f"{r['npv']:,.0f} | {r['deficit_years']} | {r['gap']:,.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
