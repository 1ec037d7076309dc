"""Scenario values in words, for the report and the workbook: numbers as a reader writes them,
shares as percentages, distributions by their name and parameters
(``三角分布（低值 90，众数 110，高值 150）``), nested sections by their fields' labels, the
values of enumerations by their labels — never a Python repr.

>>> from fundmodel.scenario.distributions import Triangular
>>> describe(Triangular(dist="triangular", low=90, mode=110, high=150), "zh")
'三角分布（低值 90，众数 110，高值 150）'
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from .. import labels

__all__ = ["describe", "terms", "number", "is_share"]

_SHARE_FIELDS = frozenset({
    "rate", "required_return", "gearing", "participation", "approval_area",
    "approval_headcount", "quorum_area", "quorum_headcount", "take_up", "instalments",
    "schedule", "collection_ramp", "ageing", "tier_share"})
"""Fields holding fractions whose name does not say so (:func:`fundmodel.labels.field_unit`
reads the others from the end of the name)."""

_SKIP_PARAMETERS = frozenset({"dist", "file", "column"})
"""A distribution's fields that are not parameters (the source of an empirical's values)."""

MAX_LISTED = 12
"""Most elements of a list shown; the rest are counted."""


def is_share(field_name: str) -> bool:
    """Whether a scenario field holds a fraction (shown as a percentage)."""
    return field_name in _SHARE_FIELDS or labels.field_unit(field_name) == "share"


def number(x: float, share: bool = False) -> str:
    """A number as a reader writes it: whole numbers with separators, others to 4 significant
    digits; a share as a percentage (one decimal, more when smaller)."""
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "–"
    if share:
        pct = 100 * x
        text = f"{pct:.1f}" if pct == 0 or abs(pct) >= 0.1 else f"{pct:.2g}"
        return (text + "%").replace("-", "−")
    if math.isinf(x):
        return ("∞" if x > 0 else "−∞")
    if x.is_integer() or abs(x) >= 1000:
        return f"{x:,.0f}".replace("-", "−")
    return f"{x:,.4g}".replace("-", "−")


def _seps(lang: str) -> tuple[str, str, str, str]:
    """(between terms, label–value, open bracket, close bracket) in ``lang``."""
    return ("，", "：", "（", "）") if lang == "zh" else (", ", ": ", " (", ")")


def _distribution(dist: Any, lang: str, share: bool) -> str:
    sep, _, open_, close = _seps(lang)
    data = dist.model_dump(by_alias=True, exclude_none=True)
    kind = str(data.pop("dist", ""))
    each_year = data.pop("each_year", False)
    shape = {"a", "b", "shape", "mu", "sigma", "weights"}
    if kind == "lognormal" and "mu" in data:
        share = False
    params = []
    for key, value in data.items():
        if key in _SKIP_PARAMETERS:
            continue
        if kind == "beta" and key in ("low", "high") and (key, value) in (("low", 0.0),
                                                                        ("high", 1.0)):
            continue
        as_share = share and key not in shape
        if key == "weights":
            as_share = True
        if isinstance(value, (list, tuple)):
            shown = _list([number(v, as_share) for v in value], lang)
        else:
            shown = number(value, as_share)
        params.append(f"{_lower(labels.label(key, lang), lang)} {shown}")
    if each_year:
        params.append(_lower(labels.label("each_year", lang), lang))
    text = labels.label(kind, lang)
    return f"{text}{open_}{sep.join(params)}{close}" if params else text


def _lower(text: str, lang: str) -> str:
    """A label inside a phrase: lower case in English (``Low`` → ``low``)."""
    return text[:1].lower() + text[1:] if lang == "en" and text[1:2].islower() else text


def _list(parts: list[str], lang: str) -> str:
    more = len(parts) - MAX_LISTED
    parts = parts[:MAX_LISTED] + ([f"… (+{more})"] if more > 0 else [])
    return labels.text("list.sep", lang).join(parts)


_PATH_FIELDS = frozenset({"per_compound", "inputs"})
"""Fields whose values are paths of scenario inputs (shown by their labels)."""


def describe(value: Any, lang: str = "en", field: str = "", mean: bool = False,
             scenario: Any = None) -> str:
    """``value`` of the scenario field ``field`` in words in ``lang``.

    A number (a percentage when the field holds a share, :func:`is_share`); yes/no; a
    distribution by its label and parameters; a section (a nested model) as its name and its
    set fields in brackets (:func:`terms`); a list joined; text by its catalogue label (the
    values of enumerations: ``bullet`` → ``到期一次还本``), a user's own text as written. A
    number of years has its unit; ``mean``: a distribution's mean follows it. The path of an
    input (``portfolio.per_compound``) is its label (:func:`fundmodel.labels.input_label`,
    with ``scenario`` the names of list elements).
    """
    from pydantic import BaseModel

    from ..inputs.draws import is_distribution

    share = is_share(field)
    sep, colon, open_, close = _seps(lang)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return labels.text("report.yes" if value else "report.no", lang)
    if is_distribution(value):
        shown = _distribution(value, lang, share)
        if mean:
            try:
                average = float(value.mean())
            except (AttributeError, TypeError, ValueError, ArithmeticError):
                return shown
            shown += sep + labels.text("report.mean_of", lang, value=number(average, share))
        return shown
    if isinstance(value, BaseModel):
        inner = terms(value, lang, skip=("name", "label"), sep=sep)
        name = getattr(value, "name", None) or getattr(value, "label", None)
        head = str(name) if isinstance(name, str) else ""
        if not inner:
            return head or "–"
        return f"{head}{open_}{inner}{close}" if head else inner
    if isinstance(value, Mapping):
        return sep.join(f"{labels.label(str(k), lang)}{colon}{describe(v, lang, str(k))}"
                        for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, BaseModel) for v in value):
            return ("；" if lang == "zh" else "; ").join(describe(v, lang, field)
                                                       for v in value)
        return _list([describe(v, lang, field, scenario=scenario) for v in value], lang)
    if isinstance(value, str):
        if field in _PATH_FIELDS:
            return labels.input_label(value, lang, scenario)
        return labels.label(value, lang)
    if isinstance(value, (int, float)):
        years = labels.field_unit(field) == "years"
        return number(value, share) + (f" {labels.unit('years', lang)}" if years else "")
    return labels.label(str(value), lang)


def terms(model: Any, lang: str = "en", skip: Iterable[str] = (), sep: str | None = None,
          only_set: bool = True) -> str:
    """The fields ``model`` sets (``only_set``: not its defaults), as ``label：value`` pairs in
    ``lang`` (:func:`describe`), joined by ``sep`` (default ``；`` / ``; ``); fields in
    ``skip`` and empty ones left out."""
    skip = set(skip)
    colon = _seps(lang)[1]
    sep = sep if sep is not None else ("；" if lang == "zh" else "; ")
    parts = []
    for name, info in type(model).model_fields.items():
        if name in skip or (only_set and name not in model.model_fields_set):
            continue
        value = getattr(model, name)
        if value is None or (isinstance(value, (list, tuple, dict)) and not value):
            continue
        key = info.alias or name
        parts.append(f"{labels.label(key, lang)}{colon}{describe(value, lang, key)}")
    return sep.join(parts)
