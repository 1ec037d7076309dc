"""The annex tables of a bond's financial evaluation (财务评估报告附表), in their usual layout:
numbered, money in 万元 (10,000 CNY), years as columns, and every total and ratio a formula of
the rows above it — so that the workbook can carry the formulas live and a reviewer can audit
the arithmetic (docs/bond-evaluation.md, "The annex tables").

A table is data: rows of values (read from a deterministic run's ledger, funding, items and
debt tables) and rows that are formulas of other rows (a sum, a difference, a ratio, a running
total). :meth:`AnnexTable.frame` computes the formulas in Python; the workbook
(:mod:`fundmodel.export.annex`) writes them as Excel formulas — the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ModelError

__all__ = ["AnnexRow", "AnnexTable", "annex_tables", "programme_annex_tables", "WAN_YUAN"]

WAN_YUAN = 1e4
"""CNY in one 万元, the unit of the annex tables' money."""


@dataclass(frozen=True)
class AnnexRow:
    """One row: ``values`` (one per column, 万元 or a ratio), or a ``formula`` of other rows
    (by their index in the table): ``("sum", (i, j, ...))``, ``("diff", (i, j))`` = row i −
    row j, ``("ratio", (i, j))`` = row i / row j, ``("cumsum", (i,))`` = the running total of
    row i over the columns."""

    zh: str
    en: str
    values: np.ndarray | None = None
    formula: tuple[str, tuple[int, ...]] | None = None
    ratio: bool = False
    """A ratio (not money): two decimals as well, no unit."""


@dataclass(frozen=True)
class AnnexTable:
    """A numbered annex table. ``columns``: the column headers (calendar years, or one
    amount column); ``total``: a last column 合计 (each money row's sum over the columns, a
    ratio row's the ratio of its operands' totals; a running total's its last value)."""

    number: int
    key: str
    zh: str
    en: str
    columns: tuple[str, ...]
    rows: tuple[AnnexRow, ...]
    total: bool = False
    money: bool = True
    """Money in 万元 (the title says so); False for a table of ratios."""

    def title(self, lang: str = "zh") -> str:
        if lang == "zh":
            return f"附表{self.number} {self.zh}" + ("（单位：万元）" if self.money else "")
        return f"Annex table {self.number}: {self.en}" + (" (10,000 CNY)" if self.money
                                                           else "")

    def values(self) -> np.ndarray:
        """Every row's values ``(rows, columns [+ total])``, the formulas computed."""
        n = len(self.columns)
        out = np.zeros((len(self.rows), n + (1 if self.total else 0)))
        for i, row in enumerate(self.rows):
            if row.formula is None:
                out[i, :n] = row.values
                if self.total:
                    out[i, n] = np.sum(row.values)
                continue
            op, at = row.formula
            if op == "sum":
                out[i] = np.sum(out[list(at)], axis=0)
            elif op == "diff":
                out[i] = out[at[0]] - out[at[1]]
            elif op == "ratio":
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[i] = np.where(out[at[1]] != 0, out[at[0]] / np.where(
                        out[at[1]] != 0, out[at[1]], 1.0), np.nan)
            elif op == "cumsum":
                out[i, :n] = np.cumsum(out[at[0], :n])
                if self.total:
                    out[i, n] = out[i, n - 1]
            else:
                raise ValueError(f"unknown formula {op!r}")
        return out

    def frame(self, lang: str = "zh") -> pd.DataFrame:
        """The table as a DataFrame: one row per row (its name in ``lang``), one column per
        column (and 合计 / total)."""
        columns = list(self.columns) + ([("合计" if lang == "zh" else "total")]
                                        if self.total else [])
        index = pd.Index([row.zh if lang == "zh" else row.en for row in self.rows],
                         name="项目" if lang == "zh" else "item")
        return pd.DataFrame(self.values(), index=index, columns=columns)


@dataclass(frozen=True)
class _Sources:
    """What the tables read: the items' costs (item → CNY), the funding (label → CNY, the gap
    left out), each debt's service table (:meth:`fundmodel.Result.debt` of that debt, by
    operating year) and the ledger's cash flows (:meth:`fundmodel.Result.cashflows`)."""

    items: pd.Series
    funding: pd.Series
    debts: dict[str, pd.DataFrame]
    cash: pd.DataFrame

    @classmethod
    def of(cls, result, labels) -> "_Sources":
        funding = result.funding()
        debt = result.debt()
        return cls(result.items()["cost"], funding.loc[funding["source"] != "gap", "amount"],
                   {label: debt.xs(label, level="debt") for label in labels},
                   result.cashflows())

    @classmethod
    def summed(cls, parts: list["_Sources"]) -> "_Sources":
        """The sums of several compounds' sources (a package's): items and funding by name,
        the debts' money by operating year, the cash flows together."""
        def by_name(series):
            return pd.concat(series).groupby(level=0, sort=False).sum()

        money = ["interest", "principal", "balance", "pledged_revenue", "cfads"]
        debts = {}
        for label in parts[0].debts:
            stacked = pd.concat([p.debts[label] for p in parts])
            summed = stacked[money].groupby(level=0, sort=True).sum()
            summed.insert(0, "calendar_year", stacked["calendar_year"].groupby(
                level=0, sort=True).first())
            debts[label] = summed
        return cls(by_name([p.items for p in parts]), by_name([p.funding for p in parts]),
                   debts, pd.concat([p.cash for p in parts], ignore_index=True))


def _by_year(cash: pd.DataFrame, years: list[int], mask) -> np.ndarray:
    sums = cash[mask].groupby("calendar_year")["amount"].sum()
    return np.array([sums.get(y, 0.0) for y in years]) / WAN_YUAN


def _investment(src: _Sources) -> AnnexTable:
    rows = [AnnexRow(name, name, np.array([cost / WAN_YUAN])) for name, cost in
            src.items.items()]
    n_items = len(rows)
    rows.append(AnnexRow("建设投资合计", "Investment, total", formula=("sum",
                                                                   tuple(range(n_items)))))
    total_at = len(rows) - 1
    first = len(rows)
    from ..labels import label as label_of
    rows += [AnnexRow(label_of(name, "zh"), label_of(name, "en"),
                      np.array([amount / WAN_YUAN])) for name, amount in
             src.funding.items()]
    rows.append(AnnexRow("资金筹措合计", "Funding, total",
                         formula=("sum", tuple(range(first, len(rows))))))
    rows.append(AnnexRow("资金缺口", "Funding gap", formula=("diff", (total_at,
                                                                    len(rows) - 1))))
    return AnnexTable(1, "investment_and_funding", "投资估算与资金筹措表",
                      "Investment estimate and funding plan", ("金额",), tuple(rows))


def _debt_service(src: _Sources, label: str, number: int) -> AnnexTable:
    debt = src.debts[label]
    years = [str(int(y)) for y in debt["calendar_year"]]
    rows = (AnnexRow("期初借款余额", "Balance at the start", debt["balance"].to_numpy()
                     / WAN_YUAN),
            AnnexRow("本年还本", "Principal repaid", debt["principal"].to_numpy() / WAN_YUAN),
            AnnexRow("本年付息", "Interest paid", debt["interest"].to_numpy() / WAN_YUAN),
            AnnexRow("还本付息合计", "Debt service", formula=("sum", (1, 2))),
            AnnexRow("期末借款余额", "Balance at the end", formula=("diff", (0, 1))))
    return AnnexTable(number, f"debt_service[{label}]", f"借款还本付息计划表（{label}）",
                      f"Debt service plan ({label})", tuple(years), rows, total=False)


def _balance(src: _Sources, label: str, number: int) -> AnnexTable:
    debt = src.debts[label]
    years = tuple(str(int(y)) for y in debt["calendar_year"])
    revenue = debt["pledged_revenue"].to_numpy() / WAN_YUAN
    cost = (debt["pledged_revenue"] - debt["cfads"]).to_numpy() / WAN_YUAN
    rows = (AnnexRow("项目收入", "Pledged revenue", revenue),
            AnnexRow("经营成本", "Pledged costs", cost),
            AnnexRow("可用于还本付息的资金", "Cash available for debt service",
                     formula=("diff", (0, 1))),
            AnnexRow("债券本金", "Principal", debt["principal"].to_numpy() / WAN_YUAN),
            AnnexRow("债券利息", "Interest", debt["interest"].to_numpy() / WAN_YUAN),
            AnnexRow("还本付息合计", "Debt service", formula=("sum", (3, 4))),
            AnnexRow("本息覆盖倍数", "Cover", formula=("ratio", (2, 5)), ratio=True))
    return AnnexTable(number, f"balance[{label}]", f"项目收益与融资平衡表（{label}）",
                      f"Revenue and financing balance ({label})", years, rows, total=True)


def _cash(src: _Sources) -> tuple[pd.DataFrame, list[int]]:
    cash = src.cash
    years = sorted(int(y) for y in cash["calendar_year"].unique())
    return cash, years


def _project_cash_flow(src: _Sources, number: int) -> AnnexTable:
    cash, years = _cash(src)
    income = _by_year(cash, years, (cash["kind"] == "operating") & (cash["payee"] == "operator"))
    works = _by_year(cash, years, (cash["kind"] == "capital") & (cash["payee"] == "contractors"))
    costs = _by_year(cash, years, (cash["kind"] == "operating") & (cash["payee"] == "suppliers"))
    tax = _by_year(cash, years, (cash["kind"] == "operating")
                   & (cash["payee"] == "tax_authority"))
    rows = (AnnexRow("现金流入：营业收入", "Cash in: operating income", income),
            AnnexRow("建设投资", "Investment", works),
            AnnexRow("经营成本", "Operating costs", costs),
            AnnexRow("税金", "Taxes", tax),
            AnnexRow("现金流出合计", "Cash out, total", formula=("sum", (1, 2, 3))),
            AnnexRow("净现金流量", "Net cash flow", formula=("diff", (0, 4))),
            AnnexRow("累计净现金流量", "Cumulative net cash flow", formula=("cumsum", (5,))))
    return AnnexTable(number, "project_cash_flow", "项目现金流量表", "Project cash flow",
                      tuple(str(y) for y in years), rows, total=True)


def _financial_plan(src: _Sources, number: int) -> AnnexTable:
    cash, years = _cash(src)
    operating = cash["kind"] == "operating"
    income = _by_year(cash, years, operating & (cash["payee"] == "operator"))
    spent = _by_year(cash, years, operating & (cash["payer"] == "operator"))
    works = _by_year(cash, years, (cash["kind"] == "capital") & (cash["payee"] == "contractors"))
    funding = _by_year(cash, years, (cash["kind"] == "capital") & (cash["payee"] == "project")
                       & (cash["payer"] != "unfunded"))
    service = _by_year(cash, years, (cash["kind"] == "financing") & (cash["payee"] == "lender"))
    rows = (AnnexRow("经营活动现金流入", "Operating cash in", income),
            AnnexRow("经营活动现金流出", "Operating cash out", spent),
            AnnexRow("经营活动净现金流量", "Operating, net", formula=("diff", (0, 1))),
            AnnexRow("投资活动现金流出", "Investing cash out", works),
            AnnexRow("筹资活动现金流入", "Financing cash in", funding),
            AnnexRow("还本付息", "Debt service", service),
            AnnexRow("筹资活动净现金流量", "Financing, net", formula=("diff", (4, 5))),
            AnnexRow("投资及筹资活动净现金流量", "Investing and financing, net",
                     formula=("diff", (6, 3))),
            AnnexRow("净现金流量", "Net cash flow", formula=("sum", (2, 7))),
            AnnexRow("累计盈余资金", "Cumulative surplus", formula=("cumsum", (8,))))
    return AnnexTable(number, "financial_plan", "财务计划现金流量表",
                      "Financial plan cash flow", tuple(str(y) for y in years), rows,
                      total=True)


def _sensitivity(grid: pd.DataFrame, scenario, label: str, number: int) -> AnnexTable:
    from .debts import cover_basis
    metric = f"debt[{label}].{cover_basis(scenario, label)}"
    sens = grid.attrs["sensitivity"]
    rows = []
    for name, row in grid.iterrows():
        change = np.nan if name == "base" else (row["value"] - 1.0 if row["target"] != "rates"
                                                 else row["value"])
        coefficient = np.nan if name == "base" else sens.loc[name, metric]
        rows.append(AnnexRow(grid.attrs["zh"].get(name, name), name,
                             np.array([change, row[metric], coefficient]), ratio=True))
    return AnnexTable(number, "sensitivity", f"敏感性分析表（{label}）",
                      f"Sensitivity analysis ({label})", ("变化幅度", "覆盖倍数", "敏感度系数"),
                      tuple(rows), money=False)


def annex_tables(result, grid: pd.DataFrame | None = None) -> list[AnnexTable]:
    """The annex tables of a deterministic run (:func:`fundmodel.evaluate`) of a scenario
    with a debt: 1 investment estimate and funding plan; for each debt, its debt service plan
    and its revenue and financing balance; the project cash flow; the financial plan cash
    flow; with ``grid`` (:func:`~fundmodel.evaluation.stress_grid`), the sensitivity table
    (of the first debt).

    Raises
    ------
    ModelError
        A Monte Carlo run (the tables are of one set of numbers), or no debt.
    """
    from .debts import debt_labels
    if result.n_draws != 1:
        raise ModelError("the annex tables are of one run at the point estimates "
                         "(fundmodel.evaluate), not of Monte Carlo draws")
    labels = debt_labels(result.scenario)
    if not labels:
        raise ModelError(f"{result.scenario.name} has no debt: the annex tables are a "
                         "bond's or a loan's")
    return _tables(_Sources.of(result, labels), labels, result.scenario, grid)


def programme_annex_tables(scenario, grid: pd.DataFrame | None = None, label: str | None = None
                           ) -> list[AnnexTable]:
    """The annex tables of a programme's pooled debt ``label`` (default: the first), at the
    point estimates: those of :func:`annex_tables` with the package's compounds as one
    project — each row the sum of its members' (items and funding by name, the debt's
    service and pledged revenue and the cash flows by year;
    :func:`fundmodel.portfolio.package_results`), so the balance table's cover is the
    package's. With ``grid`` (:func:`~fundmodel.evaluation.stress_grid` of the programme),
    the sensitivity table.

    Raises
    ------
    ModelError
        A scenario without a pooled debt, ``label`` not one, or an empty package.
    """
    from ..portfolio.evaluation import package_results
    from .debts import pooled_debts
    labels = pooled_debts(scenario)
    if not labels:
        raise ModelError(f"{scenario.name} has no pooled debt: the annex tables of a "
                         "district are its programme bond's (pooled: true)")
    label = labels[0] if label is None else label
    members = package_results(scenario, label)
    src = _Sources.summed([_Sources.of(r, [label]) for r in members])
    return _tables(src, [label], scenario, grid)


def _tables(src: _Sources, labels, scenario, grid) -> list[AnnexTable]:
    tables = [_investment(src)]
    for label in labels:
        tables.append(_debt_service(src, label, len(tables) + 1))
        tables.append(_balance(src, label, len(tables) + 1))
    tables.append(_project_cash_flow(src, len(tables) + 1))
    tables.append(_financial_plan(src, len(tables) + 1))
    if grid is not None:
        tables.append(_sensitivity(grid, scenario, labels[0], len(tables) + 1))
    return tables
