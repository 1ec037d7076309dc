"""The form of a declaration: :class:`Output` (a metric, yearly line, ledger line or table
column), how outputs are summarised, :func:`declare`, which makes a table of them, and
:class:`Instrument`, what a funding instrument declares."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field, replace

from .flows import Kind

__all__ = ["SUMMARIES", "Output", "Metric", "declare", "DRAW", "YEARLY", "Instrument"]

SUMMARIES = ("quantiles", "probability", "mean")
"""How an output is summarised over the draws: ``quantiles`` (mean, sd, Monte Carlo error and
the quantiles: :meth:`Result.summary`, or quantile bands of a yearly line even when the
per-draw paths are streamed), ``probability`` (a 0/1 metric whose mean is the probability of
a question: :meth:`Result.probabilities`), ``mean`` (a yearly or ledger line: its mean over
the draws, quantiles only when the paths are kept)."""


@dataclass(frozen=True)
class Output:
    """The one declaration of an output: a metric, yearly line, ledger line (pattern) or
    table column — what it is called, its unit, axes, how it is summarised, its labels and
    what it means.

    Every reader takes it from here: the labels (:mod:`fundmodel.labels`), the probabilities
    (:meth:`Result.probabilities`), :meth:`Result.describe`, the CLI's printed rows and the
    workbook's formats (by the unit).

    Attributes
    ----------
    name : str
        The identifier (public contract), or a pattern with ``<name>`` / ``<label>`` for the
        user's name of a line or a funding rule.
    unit : str
        A unit of :data:`fundmodel.labels.UNITS` (``CNY``, ``CNY/year``, ``share``, ``0/1`` ...).
    description : str
        Its meaning, with the formula (English).
    undefined_when : str
        In which draws it is undefined (NaN), '' if never; ``undefined_zh`` the same in Chinese.
    en, zh : str
        Its label. For an instrument's output (``<instrument>[<label>].<part>``) the label of
        the part (``NPV`` / ``净现值``), the instrument's label (:data:`INSTRUMENTS`) put before
        it; for a pattern ``kind[<name>]`` a format string with ``{name}``.
    question, question_zh : str
        For a probability (``summary="probability"``): the question its mean answers.
    summary : str
        One of :data:`SUMMARIES`; '' takes the default of its table.
    axes : tuple of str
        The axes of its values in a run: ``("draw",)`` for a metric, ``("draw", "year")`` for
        a yearly or ledger line, the table's index for a table's column.
    short : str
        A short English header for a narrow terminal table ('' : the ``en`` label).
    payers, payees, kind : tuple of str, tuple of str, str
        For a ledger line: the parties (:data:`PARTIES`) that may pay and receive it and its
        kind of flow (:data:`fundmodel.engine.ledger.KINDS`).
    when : tuple of str
        For an instrument's metric of one rule: given only for a rule with one of these terms
        (a field of its scenario model given a value other than its default, nor 0 or empty:
        :meth:`Source.terms_given <fundmodel.scenario.funding.Source.terms_given>`); () : for
        every rule.
    """

    name: str
    unit: str
    description: str
    undefined_when: str = ""
    _: KW_ONLY
    en: str = ""
    zh: str = ""
    undefined_zh: str = ""
    question: str = ""
    question_zh: str = ""
    summary: str = ""
    axes: tuple[str, ...] = ()
    payers: tuple[str, ...] = ()
    payees: tuple[str, ...] = ()
    kind: str = ""
    short: str = ""
    when: tuple[str, ...] = ()


Metric = Output
"""The name of :class:`Output` before issue 20 (a metric is an output)."""


def declare(entries: list[Output], axes: tuple[str, ...], summary: str) -> dict[str, Output]:
    """A table of declarations by name, each given its table's axes and default summary."""
    return {o.name: replace(o, axes=o.axes or axes, summary=o.summary or summary)
            for o in entries}


DRAW = ("draw",)
"""The axes of a per-draw metric."""

YEARLY = ("draw", "year")
"""The axes of a yearly or ledger line."""


@dataclass(frozen=True)
class Instrument:
    """The one declaration of a funding instrument.

    Attributes
    ----------
    name : str
        The instrument's name; the prefix of its outputs named ``<name>[<label>].<part>``.
    en, zh : str
        Its label, put before the label of each part of those outputs (``Debt bond: interest``);
        '' if its outputs are not named so.
    sources : dict of str to (str, str)
        The ``source`` keys a funding rule of this instrument may have, with their en and zh
        labels (the funding table's rows).
    models : tuple of str
        Where its scenario models are, as ``"module:name"`` (a model class, or a tuple of them):
        names, not imports — the catalogue is below the scenario models.
    lines : tuple of Output
        The ledger lines it writes, by name or pattern, each with the parties that may pay and
        receive it (``payers``, ``payees``) and its kind.
    statement : tuple of Output
        The lines it adds to the operating statement (``Result.yearly()``).
    metrics : tuple of Output
        Its per-draw metrics, named ``<name>[<label>].<metric>`` (or a name of its own).
    kinds : tuple of Kind
        Kinds of flow it introduces on the ledger.
    fields : dict of str to (str, str)
        en and zh labels of its models' fields that no other part of the scenario has (the
        report's assumptions, located errors in words).
    pooled_share : str
        For an instrument that may be pooled over a package of compounds (``pooled: true``):
        the metric (``<name>[<label>].<metric>``) that is each member's own part of it; its
        other metrics are the package's, the same for every member.
    """

    name: str
    _: KW_ONLY
    en: str = ""
    zh: str = ""
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    lines: tuple[Output, ...] = ()
    statement: tuple[Output, ...] = ()
    metrics: tuple[Output, ...] = ()
    kinds: tuple[Kind, ...] = ()
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    pooled_share: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(declare(list(self.lines), YEARLY,
                                                        "mean").values()))
        object.__setattr__(self, "statement", tuple(declare(list(self.statement), YEARLY,
                                                            "mean").values()))
        object.__setattr__(self, "metrics", tuple(declare(list(self.metrics), DRAW,
                                                          "quantiles").values()))
