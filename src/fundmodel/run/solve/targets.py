"""Goal-seek targets: what the lever must achieve, per draw or on a statistic over the draws.

Text form (one comparison; spaces optional; ``≥``/``≤`` and ``==`` accepted)::

    npv_operations = 0                        per draw: the metric equals the value
    fund_balance_min >= 0                     per draw: the smallest/largest lever meeting it
    P(cumulative_balance_final < 0) <= 0.10   the share of draws with the event (10% also works)
    p90(fallback_max_year) <= 50000           a quantile over the draws (p5 .. p99.9, median)
    mean(npv_operations) >= 0                 the mean over the draws

Metric names are checked against the metrics the run actually produces (any metric a result
has, instruments' and new sections' included), not against a fixed list.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Iterable, Literal

from ...errors import Issue, ScenarioError

__all__ = ["Target", "parse_target", "OPERATORS"]

Kind = Literal["per_draw", "probability", "quantile", "mean"]

OPERATORS = ("=", ">=", ">", "<=", "<")
"""Comparisons a target may use (``==`` is read as ``=``, ``≥``/``≤`` as ``>=``/``<=``)."""

_SPELLINGS = {"==": "=", "=": "=", ">=": ">=", "≥": ">=", "<=": "<=", "≤": "<=", ">": ">",
              "<": "<"}
_WRONG = {"=>": ">=", "=<": "<=", "!=": None, "<>": None, "≠": None}
_OP_TEXT = re.compile(r"==|>=|<=|=>|=<|!=|<>|[=<>≥≤≠]")
_FUNCTION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*\((.*)\)\s*$", re.DOTALL)
_QUANTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")
_NAME = re.compile(r"^[^()<>=≤≥!]+$")
_EXAMPLES = ("e.g. 'npv_operations = 0', 'P(cumulative_balance_final < 0) <= 0.10', "
             "'p90(npv_operations) >= 0', 'mean(npv_operations) >= 0'")


def _fail(text: str, column: int, message: str) -> ScenarioError:
    return ScenarioError([Issue("", f"{message} (in {text!r})", "target", 1, column + 1)])


def holds(op: str, left, right):
    """``left op right`` elementwise (numpy arrays or floats)."""
    if op == "=":
        return left == right
    if op == ">=":
        return left >= right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    return left < right


@dataclass(frozen=True)
class Target:
    """What the solved lever must achieve.

    Attributes
    ----------
    kind : {'per_draw', 'probability', 'quantile', 'mean'}
        ``per_draw``: in every draw separately, ``metric op value``; the others: a statistic of
        the metric over the draws, ``statistic op value``.
    metric : str
        A metric name (a column of ``Result.metrics``).
    op : {'=', '>=', '>', '<=', '<'}
        The comparison the metric (per draw) or the statistic must meet.
    value : float
        The right-hand side, in the metric's unit (per draw, mean, quantile) or a share
        (probability).
    event_op, event_value : str, float
        ``probability`` only: the event counted, ``metric event_op event_value``.
    level : float
        ``quantile`` only: the quantile's level in (0, 1) (``p90`` → 0.9).
    text : str
        The target as written (or as the object form renders it).
    """

    kind: Kind
    metric: str
    op: str
    value: float
    event_op: str | None = None
    event_value: float | None = None
    level: float | None = None
    text: str = ""

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise _fail(self.text or str(self.op), 0, f"bad operator {self.op!r}; use one of "
                        + ", ".join(OPERATORS))
        if not math.isfinite(self.value):
            raise _fail(self.text or str(self.value), 0, "the value must be a finite number")
        if self.kind == "probability":
            if self.event_op not in OPERATORS or self.event_op == "=":
                raise _fail(self.text, 0, "the event inside P(...) compares the metric with "
                            "<, <=, > or >= (a continuous metric equals a value in no draw)")
            if self.op == "=":
                raise _fail(self.text, 0, "a probability moves in steps of 1/draws: give a "
                            "bound (<= or >=), not '='")
            if not 0.0 <= self.value <= 1.0:
                raise _fail(self.text, 0, f"a probability lies in [0, 1], got {self.value:g} "
                            "(write 10% or 0.10)")
            if self.event_value is None or not math.isfinite(self.event_value):
                raise _fail(self.text, 0, "the event's value must be a finite number")
        if self.kind == "quantile" and (self.level is None or not 0.0 < self.level < 1.0):
            raise _fail(self.text, 0, f"a quantile's level lies strictly between 0 and 100, "
                        f"got {self.level}")
        if not self.text:
            object.__setattr__(self, "text", self._render())

    # ------------------------------------------------------------------ object form
    @classmethod
    def per_draw(cls, metric: str, op: str, value: float) -> "Target":
        """``metric op value`` in every draw, e.g. ``Target.per_draw("npv_operations", "=", 0)``."""
        return cls("per_draw", metric, _SPELLINGS.get(op, op), float(value))

    @classmethod
    def probability(cls, metric: str, event_op: str, event_value: float, op: str,
                    share: float) -> "Target":
        """``P(metric event_op event_value) op share``, e.g.
        ``Target.probability("cumulative_balance_final", "<", 0, "<=", 0.10)``."""
        return cls("probability", metric, _SPELLINGS.get(op, op), float(share),
                   _SPELLINGS.get(event_op, event_op), float(event_value))

    @classmethod
    def quantile(cls, metric: str, level: float, op: str, value: float) -> "Target":
        """``quantile(metric, level) op value``, level in (0, 1): ``Target.quantile(
        "npv_operations", 0.1, ">=", 0)`` is ``p10(npv_operations) >= 0``."""
        return cls("quantile", metric, _SPELLINGS.get(op, op), float(value), level=float(level))

    @classmethod
    def mean(cls, metric: str, op: str, value: float) -> "Target":
        """``mean(metric) op value``."""
        return cls("mean", metric, _SPELLINGS.get(op, op), float(value))

    @classmethod
    def parse(cls, text: str) -> "Target":
        """The target written as text (see the module's grammar)."""
        return parse_target(text)

    # ------------------------------------------------------------------ reading
    @property
    def per_draw_target(self) -> bool:
        return self.kind == "per_draw"

    @property
    def is_equality(self) -> bool:
        return self.op == "="

    def statistic_text(self) -> str:
        """The left side: the metric (per draw) or the statistic, e.g. ``p90(npv_operations)``."""
        if self.kind == "per_draw":
            return self.metric
        if self.kind == "probability":
            return f"P({self.metric} {self.event_op} {self.event_value:g})"
        if self.kind == "quantile":
            return f"p{100 * self.level:g}({self.metric})"
        return f"mean({self.metric})"

    def _render(self) -> str:
        return f"{self.statistic_text()} {self.op} {self.value:g}"

    def __str__(self) -> str:
        return self.text

    def met(self, statistic, rtol: float = 0.0):
        """Whether ``statistic op value`` holds (per draw: the metric's values), with a
        relative tolerance on '=' (``|s − v| ≤ rtol × max(|v|, 1)``)."""
        if self.op == "=":
            import numpy as np
            return np.abs(np.asarray(statistic) - self.value) <= rtol * max(abs(self.value), 1.0)
        return holds(self.op, statistic, self.value)

    def check_metric(self, names: Iterable[str]) -> None:
        """Raise a located error when the run has no metric of this name (listing near
        names)."""
        names = list(names)
        if self.metric in names:
            return
        close = difflib.get_close_matches(self.metric, names, n=4, cutoff=0.5)
        near = (f"; did you mean {', '.join(close)}?" if close else
                f"; the run's metrics are {', '.join(names[:12])}"
                + (", ..." if len(names) > 12 else ""))
        column = max(self.text.find(self.metric), 0)
        raise _fail(self.text, column, f"unknown metric {self.metric!r}{near}")


def _number(text: str, full: str, column: int) -> float:
    raw = text.strip()
    if not raw:
        raise _fail(full, column, "expected a number here")
    percent = raw.endswith("%")
    body = raw[:-1].strip() if percent else raw
    try:
        value = float(body.replace("_", ""))
    except ValueError:
        raise _fail(full, column + len(text) - len(text.lstrip()),
                    f"expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise _fail(full, column, f"expected a finite number, got {raw!r}")
    return value / 100.0 if percent else value


def _split(text: str, full: str, offset: int) -> tuple[str, str, str, int]:
    """``left op right`` at the last comparison outside brackets: (left, op, right, column of
    op)."""
    depth, found = 0, None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            m = _OP_TEXT.match(text, i)
            if m:
                found = (m.start(), m.group())
                i = m.end()
                continue
        i += 1
    if found is None:
        raise _fail(full, offset + len(text), "no comparison; write the target as "
                    + _EXAMPLES)
    at, op = found
    if op in _WRONG:
        better = _WRONG[op]
        hint = f"; did you mean '{better}'?" if better else "; use =, <, <=, > or >="
        raise _fail(full, offset + at, f"bad operator {op!r}{hint}")
    return text[:at], _SPELLINGS[op], text[at + len(op):], offset + at


def _metric_name(text: str, full: str, column: int) -> str:
    name = text.strip()
    if not name:
        raise _fail(full, column, "expected a metric name here")
    if not _NAME.match(name):
        raise _fail(full, column + len(text) - len(text.lstrip()),
                    f"expected a metric name, got {name!r}")
    return name


def parse_target(text: str) -> Target:
    """Parse a target's text form.

    Raises
    ------
    ScenarioError
        One issue located as ``target:1:COLUMN`` saying what is wrong: no or a bad comparison,
        a number that is not one, an unknown statistic, a probability outside [0, 1]. (Unknown
        metric names are reported once the run's metrics are known:
        :meth:`Target.check_metric`.)
    """
    if isinstance(text, Target):
        return text
    if not isinstance(text, str):
        raise ScenarioError([Issue("", f"a target is text or a Target, got "
                                   f"{type(text).__name__}", "target")])
    full = text
    if not text.strip():
        raise _fail(full, 0, "the target is empty; write it as " + _EXAMPLES)
    left, op, right, at = _split(text, full, 0)
    value = _number(right, full, at + len(op))
    fn = _FUNCTION.match(left)
    if fn is None:
        if "(" in left or ")" in left:
            raise _fail(full, left.find("(") if "(" in left else left.find(")"),
                        "unbalanced parentheses")
        metric = _metric_name(left, full, 0)
        return Target("per_draw", metric, op, value, text=full.strip())
    name, inner = fn.group(1), fn.group(2)
    inner_at = left.index("(") + 1
    if name == "P":
        ileft, iop, iright, iat = _split(inner, full, inner_at)
        if iop == "=":
            raise _fail(full, iat, "the event inside P(...) compares the metric with <, <=, > "
                        "or >= (a continuous metric equals a value in no draw)")
        metric = _metric_name(ileft, full, inner_at)
        event_value = _number(iright, full, iat + len(iop))
        if op == "=":
            raise _fail(full, at, "a probability moves in steps of 1/draws: give a bound "
                        "(<= or >=), not '='")
        if not 0.0 <= value <= 1.0:
            raise _fail(full, at + len(op), f"a probability lies in [0, 1], got {value:g} "
                        "(write 10% or 0.10)")
        return Target("probability", metric, op, value, iop, event_value, text=full.strip())
    metric = _metric_name(inner, full, inner_at)
    if name == "mean":
        return Target("mean", metric, op, value, text=full.strip())
    q = _QUANTILE.match(name)
    if name == "median" or q:
        level = 0.5 if name == "median" else float(q.group(1)) / 100.0
        if not 0.0 < level < 1.0:
            raise _fail(full, 0, f"a quantile's level lies strictly between p0 and p100, got "
                        f"{name}")
        return Target("quantile", metric, op, value, level=level, text=full.strip())
    close = difflib.get_close_matches(name, ["P", "mean", "median", "p90"], n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise _fail(full, len(left) - len(left.lstrip()),
                f"unknown statistic {name!r}: use P(metric < value), mean(metric), "
                f"p5 .. p99 or median(metric){hint}")
