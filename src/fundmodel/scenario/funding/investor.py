"""Social capital for operating rights (社会资本参与): an investor pays part of the renovation
and, for a concession of some years, takes over some of the compound's income lines and runs new
revenue streams of its own."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import Field, model_validator

from ..base import did_you_mean, fail
from ...io.limits import MAX_LINES, RATE_MAX
from ..operations import RevenueLine
from ..ranges import uncertain
from ..renovation import Money, MoneySum
from .source import Source

__all__ = ["SocialCapital", "Stream", "HurdleRate"]

HurdleRate = uncertain(ge=0, le=RATE_MAX, percent=True)
"""A required nominal return per year in [0, 1] (0.08 for 8 %; a larger number is a
percentage)."""


class Stream(RevenueLine):
    """A new revenue stream the investor creates and runs (EV charging, advertising, elder-care
    or childcare rooms, property rooms): revenue ``per_year``, or ``units × price_per_month × 12
    × occupancy``, CNY in operating year 1, less ``operating_cost_per_year``; both grow by
    ``growth`` a year from year 2 on (default: the scenario's inflation)."""

    operating_cost_per_year: MoneySum = 0.0
    """What running the stream costs the investor in operating year 1, CNY (staff, power,
    upkeep of its equipment); grows with the revenue."""


class SocialCapital(Source):
    """An investor for operating rights.

    It pays part of what the grants leave unfunded on its items, as they are built, and for
    ``concession_years`` operating years receives the income lines named in ``takes_over``
    (the compound's account forgoes them) and the net revenue of its own ``streams``.
    ``invests`` says how much it pays: ``max`` — the most it will, the present value of its net
    flows at ``hurdle_rate``; ``amount`` — the given ``amount``; ``gap`` — all it may pay for,
    even above what its flows are worth (its NPV at the hurdle is then negative). Every mode is
    capped by what is still unfunded on its items, by ``cap`` and by ``cap_per_household``.
    """

    payer: ClassVar[str] = "investors"
    party: ClassVar[str] = "investor"
    amount_fields: ClassVar[tuple[str, ...]] = ("takes_over", "streams")
    instrument: ClassVar[str] = "fundmodel.inputs.investor"
    source: Literal["social_capital"]
    concession_years: int = Field(ge=1, le=100)
    """Operating years of the concession, from operating year 1 (at most ``horizon_years``)."""
    hurdle_rate: HurdleRate
    """The investor's required nominal return per year, in [0, 1] (0.08 for 8 %)."""
    takes_over: list[str] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    """Names of the operations' income lines (``operations.income``) the investor takes for the
    concession; the compound's account forgoes them."""
    streams: list[Stream] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    """New revenue streams the investor creates and runs during the concession."""
    invests: Literal["max", "amount", "gap"] = "max"
    """How much it pays: ``max`` (what its flows are worth at the hurdle), ``amount`` (the
    field ``amount``) or ``gap`` (all that is unfunded on its items); always capped by that
    need, ``cap`` and ``cap_per_household``."""
    pooled: bool = False
    """One concession over a package of compounds: in a portfolio, the investor takes over the
    named income lines of every compound it ``applies_to`` (default every compound), runs its
    streams once, is valued and limited on the pool and pays the compounds' gaps pro rata to
    each one's need. Default: each compound its own investor."""
    amount: MoneySum | None = None
    """What it pays with ``invests: amount``, CNY."""

    @model_validator(mode="after")
    def _terms(self):
        if self.instalments is not None:
            raise fail("an investor pays as the works are built; instalments are for grants",
                       "instalments")
        if self.invests == "amount" and self.amount is None:
            raise fail("invests: amount needs the field amount (CNY)", "invests")
        if self.invests != "amount" and self.amount is not None:
            raise fail(f"amount is only read with invests: amount (here invests is "
                       f"'{self.invests}'); remove it or set invests: amount", "amount",
                       on_key=True)
        seen: dict[str, int] = {}
        for j, name in enumerate(self.takes_over or []):
            if name in seen:
                raise fail(f"'{name}' is listed twice (also takes_over[{seen[name]}])",
                           "takes_over", j)
            seen[name] = j
        names: dict[str, int] = {}
        for j, stream in enumerate(self.streams or []):
            if stream.name in names:
                raise fail(f"duplicate stream name '{stream.name}' (also streams"
                           f"[{names[stream.name]}])", "streams", j, "name")
            names[stream.name] = j
        return self

    def problems_in(self, scenario: Any, index: int) -> Iterator[tuple]:
        """What is wrong with this rule, ``scenario.funding[index]``, in its scenario:
        ``(message, *path below the rule)``.

        The concession fits in the horizon; every line it takes over is an income line of the
        operations, taken over by no earlier investor (the compound forgoes a line once).
        """
        if self.concession_years > scenario.horizon_years:
            yield (f"a concession of {self.concession_years} years would run past the "
                   f"{scenario.horizon_years} operating years of the horizon; shorten it or "
                   "lengthen horizon_years", "concession_years")
        lines = [line.name for line in scenario.operations.income]
        for j, name in enumerate(self.takes_over or []):
            if name not in lines:
                known = (did_you_mean(name, lines) if lines else
                         "; the operations have no income lines")
                yield (f"no income line of the operations is named '{name}'{known}",
                       "takes_over", j)
            for k, other in enumerate(scenario.funding[:index]):
                if name in (getattr(other, "takes_over", None) or []):
                    yield (f"income line '{name}' is already taken over by funding[{k}]; a "
                           "line can be taken over by one investor only", "takes_over", j)
