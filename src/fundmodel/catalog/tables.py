"""The declared output tables: each one a name, its labels and meaning, its index (axes), its
columns (:class:`~fundmodel.catalog.Output` declarations: unit, labels, meaning) and the
function that reads it from a run — one :class:`OutputTable` in :data:`TABLES`.

That declaration is the only place a table is registered. ``Result.table(name)`` imports the
reader by its dotted path and checks what it returns against the declaration; the run's files
(``<name>.csv``), the workbook (a sheet, number formats from the columns' units), the report
(a section) and the labels (en/zh titles and headers) read :data:`TABLES` and hold no code of
their own for any table. Adding a table is one declaration here and one reader function
(docs/architecture.md, "Adding an output table").

A leaf: the standard library and the declarations of :mod:`fundmodel.catalog` only.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, replace

from . import HOUSEHOLD_TABLES, YEARLY_COLUMNS, Output

__all__ = ["OutputTable", "TABLES", "table_columns"]


@dataclass(frozen=True)
class OutputTable:
    """The declaration of an output table.

    Attributes
    ----------
    name : str
        The identifier: ``Result.table(name)``, the file ``<name>.csv``, the workbook's sheet.
    en, zh : str
        Its title in English and Chinese (the sheet's name and the report section's title).
    description : str
        What it shows and the conventions it follows (English).
    axes : tuple of str
        The names of its index levels, in order (each has a label in
        :data:`fundmodel.labels.COLUMNS`).
    columns : tuple of Output
        Its columns, in order: name, unit (the headers' and the workbook's formats), labels,
        meaning; each with ``axes`` equal to the table's.
    reader : str
        ``"module:function"``: ``function(result)`` returns the table as a DataFrame (index
        ``axes``, these columns), or None when the run has nothing for it (e.g. no
        households section); it is imported on first use.
    report_rows : tuple of (str, tuple)
        The rows the report shows, as ``(axis, values)`` pairs: those whose index level
        ``axis`` takes one of ``values`` (none: every row, up to the report's limit); the
        file and the workbook hold every row.
    """

    name: str
    en: str
    zh: str
    description: str
    _: KW_ONLY
    axes: tuple[str, ...]
    columns: tuple[Output, ...]
    reader: str
    report_rows: tuple[tuple[str, tuple], ...] = ()

    def __post_init__(self) -> None:
        module, sep, function = self.reader.partition(":")
        if not (module and sep and function):
            raise ValueError(f"table {self.name}: a reader is named as 'module:function', "
                             f"got {self.reader!r}")
        object.__setattr__(self, "columns", tuple(replace(c, axes=self.axes, summary="mean")
                                                  for c in self.columns))

    @property
    def column_names(self) -> list[str]:
        """The columns' names, in order."""
        return [c.name for c in self.columns]

    @property
    def units(self) -> dict[str, str]:
        """Column name → its declared unit."""
        return {c.name: c.unit for c in self.columns}


_RESIDENT_BURDEN = ("a household of the type pays in the operating year (mean over the "
                    "draws)")

TABLES: dict[str, OutputTable] = {t.name: t for t in [
    OutputTable(
        "resident_burden", "Yearly burden per household", "居民分户年度负担",
        "What a household pays each operating year, by building and floor (scenarios with a "
        "households section): its part of the property fee, of the repairs fund's deposits "
        "and top-ups, and the repayments of a bank loan of its whole share, CNY a year, means "
        "over the draws. A charge per m² (the fee per m² of chargeable area, the fund's "
        "contributions per m² of floor area) is the compound's line × the household's unit "
        "area / the compound's area (chargeable area for the fee, floor area for the fund) "
        "where its building gives area_per_unit_m2, else the line / households (equal parts); "
        "a fee per household is the line / households. The fee is as collected (the collection "
        "rate is the share of households that pay: the mean over the type's households), so "
        "the households' rows add up to the compound's property_fee_income, fund_deposits and "
        "fund_top_up. With a repairs fund kept per building (accounts: building) a household "
        "pays into its own building's account: that building's deposits and top-ups (the "
        "table fund_buildings) × unit area / the building's floor area (or / its households). The loan column is that of a household borrowing its whole share "
        "(loan_payment_per_month_cny × 12 in the years the loan is repaid: the loan_term_years "
        "after the year its share is drawn); 0 without a loan channel. The first deposit "
        "(year 0) and repayments that fall in a construction year are not in the table.",
        axes=("building", "floor", "operating_year"),
        columns=(
            YEARLY_COLUMNS["calendar_year"],
            HOUSEHOLD_TABLES["households"]["households"],
            Output("fee_per_household", "CNY/year", "The property fee " + _RESIDENT_BURDEN
                   + ": property_fee_income × unit area / chargeable area (a fee per m²), or "
                   "property_fee_income / households (a fee per household, or no areas given)",
                   en="Property fee", zh="物业费"),
            Output("fund_deposits_per_household", "CNY/year", "The level contributions into "
                   "the repairs fund " + _RESIDENT_BURDEN + ": fund_deposits × unit area / "
                   "floor area, or fund_deposits / households; 0 without a repairs_fund "
                   "section",
                   en="Repairs fund deposits", zh="维修资金缴存"),
            Output("fund_top_up_per_household", "CNY/year", "The top-ups of the repairs fund "
                   + _RESIDENT_BURDEN + ": fund_top_up apportioned as the deposits",
                   en="Repairs fund top-ups", zh="维修资金续筹"),
            Output("loan_payment_per_household", "CNY/year", "What a household of the type "
                   "that borrows its whole share repays in the operating year: "
                   "loan_payment_per_month_cny × 12 × the share of its loan still being repaid "
                   "(drawn in an earlier year, within loan_term_years); 0 without a loan "
                   "channel",
                   en="Loan repayments", zh="贷款还款"),
            Output("total_per_household", "CNY/year", "fee_per_household + "
                   "fund_deposits_per_household + fund_top_up_per_household + "
                   "loan_payment_per_household",
                   en="Total", zh="合计"),
        ),
        reader="fundmodel.results.burden:resident_burden",
        report_rows=(("operating_year", (1,)),)),
    OutputTable(
        "fund_buildings", "Repairs fund by building", "分幢维修资金",
        "Each building's account of a repairs fund kept per building (repairs_fund.accounts: "
        "building, 分幢核算): its deposits on its own floor area, the interest on its own "
        "balance, the replacements it pays (its per-m² and per-building components, its "
        "share by floor area of the compound's, its item's where its vote built it), its "
        "owners' top-ups and its year-end balance, CNY, means over the draws, by building "
        "and operating year. The buildings' rows of a year add up to the compound's yearly "
        "lines fund_deposits, fund_interest, fund_expenditure, fund_top_up and fund_balance. "
        "None without building accounts.",
        axes=("building", "operating_year"),
        columns=(
            YEARLY_COLUMNS["calendar_year"],
            Output("building_fund_deposits", "CNY/year", "The building's level contributions: "
                   "contribution per m² × its floor area × (1 + growth)^(t − 1)",
                   en="Deposits", zh="本幢缴存"),
            Output("building_fund_interest", "CNY/year", "Interest on the building's balance "
                   "at the start of the year",
                   en="Interest", zh="本幢利息"),
            Output("building_fund_expenditure", "CNY/year", "The replacements the building's "
                   "account pays that year",
                   en="Replacements", zh="本幢更新支出"),
            Output("building_fund_top_up", "CNY/year", "The building's owners' top-up when its "
                   "year-end balance falls below its trigger",
                   en="Top-ups", zh="本幢续筹"),
            Output("building_fund_balance", "CNY", "The building's balance at the end of the "
                   "year",
                   en="Balance", zh="本幢余额"),
        ),
        reader="fundmodel.results.fund_buildings:fund_buildings"),
]}
"""Every declared output table, by name (the one place a table is registered)."""


def table_columns() -> dict[str, Output]:
    """Every declared table's columns by name (a name two tables share is declared alike)."""
    return {c.name: c for t in TABLES.values() for c in t.columns}
