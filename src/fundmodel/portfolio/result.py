"""What a portfolio run returns: every compound's summaries, the district's per-draw totals and
the fiscal outlay by level of government and calendar year."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import QUANTILE_METHOD
from ..scenario.fiscal import GOVERNMENT_LEVELS
from .tiles import SUMMARY_STATS

__all__ = ["PortfolioResult"]

_BANDS = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class PortfolioResult:
    """A district run.

    Attributes
    ----------
    compounds : DataFrame
        One row per compound: ``id``, ``name``, ``street``, ``households``, ``start_year``,
        and ``<metric>_<stat>`` for every summarised metric (stats: mean, std, p05, p10, p50,
        p90, p95 over the draws, exact).
    district : DataFrame
        One row per draw: the district's totals (sums over its compounds; CNY, and
        ``any_operating_deficit``: the number of compounds with a deficit year).
    outlay_cny : ndarray (draws, levels, calendar years)
        What each level of government pays in each calendar year, every draw (levels in the
        order of :data:`~fundmodel.scenario.fiscal.GOVERNMENT_LEVELS`).
    calendar_years : ndarray (calendar years,)
    info : dict
        The run's record: draws, seed, sampler, compounds, tiles, block size, workers,
        executor.
    budget_cny : ndarray (levels, calendar years) or None
        Each level's budget for renovation in each calendar year (``portfolio.phasing.
        budgets_cny``; ``inf``: no limit, e.g. outside the plan's years), CNY; None without a
        phasing section.
    programme : DataFrame
        One row per draw: the metrics of each pooled instrument (``pooled: true``) that are its
        package's — cover, DSCR, LLCR, NPV, IRR… (:func:`fundmodel.catalog.
        programme_metric_names`), NaN where undefined (nothing lent); no columns without one.
    """

    compounds: pd.DataFrame
    district: pd.DataFrame
    outlay_cny: np.ndarray
    calendar_years: np.ndarray
    info: dict = field(default_factory=dict)
    budget_cny: np.ndarray | None = None
    programme: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        draws = self.info.get("draws")
        how = "point estimates" if draws is None else f"{int(draws):,} draws"
        return (f"<PortfolioResult: {len(self.compounds):,} compounds, "
                f"{int(self.compounds['households'].sum()):,} households, {how}>")

    def _repr_html_(self) -> str:
        """The district's totals (mean, P5, P95 over the draws, by their labels) and, with
        budgets, the probability that each level's budget is overrun, as HTML tables
        (Jupyter)."""
        from .. import labels
        from ..results.result import format_value, html_table

        s = self.summary()
        many = len(self.district) > 1
        rows = [[labels.header(m), *(format_value(m, s.loc[m, k]) for k in
                                    (("mean", "p05", "p95") if many else ("mean",)))]
                for m in s.index]
        columns = [labels.label("metric"), *([labels.label("mean"), "P5", "P95"] if many
                                              else [labels.label("value")])]
        html = html_table(repr(self)[1:-1], columns, rows)
        overrun = self.overrun()
        if len(overrun):
            html += html_table(labels.label("overrun_probability"),
                               [labels.label(c) for c in ("level", "year", "budget_cny",
                                                          "mean_cny",
                                                          "overrun_probability")],
                               [[labels.label(r.level), r.year, f"{r.budget_cny:,.0f}",
                                 f"{r.mean_cny:,.0f}", f"{100 * r.overrun_probability:.1f}%"]
                                for r in overrun.itertuples()])
        return html

    @property
    def plot(self) -> Any:
        """The district's charts: ``result.plot.plan()`` and ``outlay()``, each a matplotlib
        Figure (see :class:`fundmodel.plots.PortfolioPlots`; needs ``fundmodel[plots]``)."""
        from ..results.extensions import maker

        return maker("PortfolioResult.plot")(self)

    def to_excel(self, path, lang: str = "en", *, plan=None, scenario=None,
                 scenario_file=None, overrides=(), money_unit: str = "CNY"):
        """Write the run as an Excel workbook: the phased ``plan`` (a
        :func:`~fundmodel.portfolio.plan_portfolio` result, if any), the fiscal outlay by level
        and year, the district's totals, the compounds and, with the ``scenario``, its
        assumptions, labelled in ``lang``, sums of money in ``money_unit`` (``"CNY"`` or
        ``"万元"``; see :func:`fundmodel.export.excel.write_district_workbook`; needs
        ``fundmodel[excel]``). Returns the path written."""
        from ..results.extensions import maker

        write = maker("PortfolioResult.to_excel")
        return write(self, path, lang=lang, plan=plan, scenario=scenario,
                     scenario_file=scenario_file, overrides=overrides, money_unit=money_unit)

    def summary(self) -> pd.DataFrame:
        """The district's totals over the draws: mean, its Monte Carlo standard error, std and
        the 5, 10, 50, 90 and 95 % quantiles (exact: every draw is kept)."""
        d = self.district
        n = len(d)
        values = d.to_numpy().T
        q = np.quantile(values, (0.05, 0.10, 0.50, 0.90, 0.95), axis=-1, method=QUANTILE_METHOD)
        std = values.std(axis=-1, ddof=1) if n > 1 else np.full(values.shape[0], np.nan)
        out = pd.DataFrame({"mean": values.mean(axis=-1), "mcse": std / np.sqrt(n),
                            "std": std}, index=pd.Index(d.columns, name="metric"))
        for name, row in zip(SUMMARY_STATS[2:], q):
            out[name] = row
        return out

    def programme_summary(self) -> pd.DataFrame:
        """The pooled instruments' metrics over the draws, one row each: as
        ``fundmodel.Result.summary()`` (mean, sd, mcse, p5 … p95, min, max over the draws where
        the metric is defined, ``n`` of them and ``undefined`` the others). The mean of a 0/1
        metric is a probability: ``1 − debt[<label>].meets_coverage`` is P(cover below the
        bond's ``coverage_threshold``)."""
        from ..results.result import exact_summary_row

        rows = {name: exact_summary_row(self.programme[name].to_numpy(dtype=float))
                for name in self.programme.columns}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "metric"
        return out

    def outlay(self) -> pd.DataFrame:
        """The fiscal outlay by level of government and calendar year: mean and the 5, 50 and
        95 % quantiles over the draws, CNY (levels that pay nothing left out)."""
        rows = []
        for j, level in enumerate(GOVERNMENT_LEVELS):
            paths = self.outlay_cny[:, j, :]
            if not np.any(paths):
                continue
            q = np.quantile(paths, _BANDS, axis=0, method=QUANTILE_METHOD)
            for y, year in enumerate(self.calendar_years):
                rows.append((level, int(year), paths[:, y].mean(), *q[:, y]))
        return pd.DataFrame(rows, columns=["level", "year", "mean_cny", "p05_cny", "p50_cny",
                                           "p95_cny"])

    def overrun(self) -> pd.DataFrame:
        """The probability that each level's budget is overrun, by level and calendar year:
        the share of the draws in which the level's fiscal outlay that year (every payment it
        makes, as in :meth:`outlay`) exceeds its budget (``budget_cny``, beyond the phasing's
        rounding tolerance :data:`~fundmodel.portfolio.phasing.BUDGET_RTOL`).

        Columns: ``level``, ``year``, ``budget_cny``, ``mean_cny`` (mean outlay),
        ``overrun_probability`` (0–1) and ``mcse`` (its Monte Carlo standard error,
        √(p(1−p)/n); NaN for one draw). One row per level with a budget and year of the
        plan (a finite budget); empty without budgets.
        """
        from .phasing import BUDGET_RTOL

        columns = ["level", "year", "budget_cny", "mean_cny", "overrun_probability", "mcse"]
        if self.budget_cny is None:
            return pd.DataFrame(columns=columns)
        n = self.outlay_cny.shape[0]
        rows = []
        for j, level in enumerate(GOVERNMENT_LEVELS):
            for y, year in enumerate(self.calendar_years):
                budget = float(self.budget_cny[j, y])
                if not np.isfinite(budget):
                    continue
                paid = self.outlay_cny[:, j, y]
                p = float(np.mean(paid > budget * (1.0 + BUDGET_RTOL)))
                se = float(np.sqrt(p * (1.0 - p) / n)) if n > 1 else float("nan")
                rows.append((level, int(year), budget, float(paid.mean()), p, se))
        return pd.DataFrame(rows, columns=columns)

    def yearly_outlay_total(self) -> pd.DataFrame:
        """Every level together by calendar year: mean and 5/50/95 % quantiles, CNY."""
        total = self.outlay_cny.sum(axis=1)
        q = np.quantile(total, _BANDS, axis=0, method=QUANTILE_METHOD)
        return pd.DataFrame({"year": self.calendar_years.astype(int),
                             "mean_cny": total.mean(axis=0), "p05_cny": q[0],
                             "p50_cny": q[1], "p95_cny": q[2]})
