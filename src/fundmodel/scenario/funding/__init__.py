"""Funding sources: what the analyst writes under ``funding:``, one module per family —
:mod:`.grants` (central, provincial and local funds, programme funds, state firms, utilities,
residents, crowdfunding, donations), :mod:`.investor` (social capital for operating rights),
:mod:`.bundle` (a bundled profitable project), :mod:`.debt` (bank loans, special bonds) and
:mod:`.topup` (the treasury's top-up of what is left).

:data:`SOURCES` is **the one registration** of an instrument (see ``docs/instruments.md``).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from .grants import *  # noqa: F403 (the grant models, re-exported)
from .debt import BankLoan, Debt, Guarantee, SpecialBond
from .grants import GRANTS, __all__ as _grants
from .bundle import Bundle, BundleLine
from .investor import SocialCapital, Stream
from .source import FINANCING_PAYERS, PAYERS, Source
from .topup import TopUp
from .in_kind import InKind

__all__ = [*_grants, "Source", "SocialCapital", "Stream", "Bundle", "BundleLine", "Debt",
           "BankLoan", "SpecialBond", "Guarantee", "TopUp", "InKind", "FundingRule", "PAYERS", "FINANCING_PAYERS", "SOURCES",
           "SOURCE_NAMES"]

SOURCES: tuple[type[Source], ...] = (InKind, *GRANTS, SocialCapital, Bundle, BankLoan, SpecialBond,
                                     TopUp)
"""Every source a scenario may list under ``funding:`` — **the one registration** of an
instrument (see ``docs/instruments.md``). Each names the module that compiles it
(``instrument``); instruments run in the order their first source appears here: what is given in kind (it
provides its item before anyone pays for it), the grants,
then the financing instruments (investors, a bundled project, debt), and the treasury's top-up
last, as the payer of last resort."""

FundingRule = Annotated[Union[SOURCES], Field(discriminator="source")]
"""One funding rule, chosen by its ``source`` key."""

SOURCE_NAMES = tuple(cls.model_fields["source"].annotation.__args__[0] for cls in SOURCES)
