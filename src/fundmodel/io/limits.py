"""The ranges scenario numbers must lie in, and why.

Two kinds of bound:

- **ranges** that follow from what a number means: a share lies in [0, 1], a cost is not
  negative; rates and growth lie in [−0.5, 1] — a real discount rate, an inflation rate or a
  yearly growth outside that is not a planning assumption but a percentage written as a number
  (``3.5`` for 3.5 %), which the error message points out. A distribution's whole support must
  lie in the range.
- **magnitudes** that no compound, or whole city programme, comes near: they catch extra zeros
  and keep every product and sum the model forms (cost × quantity, growth over 100 years,
  discounting, variances) far inside float range. A distribution need only keep the values a
  draw can reach inside them (a lognormal's support is unbounded, but the samplers never feed
  its inverse CDF a uniform number beyond :data:`EXTREME_U`).
"""

from __future__ import annotations

__all__ = [
    "MAX_MONEY_CNY", "MAX_QUANTITY", "MAX_AREA_M2", "MAX_HOUSEHOLDS", "MAX_BUILDINGS",
    "MAX_STOREYS", "MAX_SHARED_BY", "MAX_MATCH_RATIO", "MAX_DRAWS", "RATE_MIN", "RATE_MAX",
    "EXTREME_U", "MAX_ITEMS", "MAX_RULES", "MAX_LINES", "MAX_NAMES", "MAX_CHOICE_VALUES",
    "MAX_EMPIRICAL_VALUES", "MAX_CORRELATED", "MAX_BUILD_YEARS", "SHARES_TOLERANCE",
    "MAX_COMPOUNDS", "PLAUSIBLE_LEVER_FACTOR", "MAX_BETA_SHAPE",
]

MAX_MONEY_CNY = 1e15
"""Largest amount of money, CNY (a thousand trillion yuan, several years of China's GDP); also
the bound on what the model derives in year 1: an item's cost, the renovation total, a rule's
offer, a year's income and cost."""
MAX_QUANTITY = 1e12
"""Largest quantity of a renovation item, number of units let, or headcount."""
MAX_AREA_M2 = 1e10
"""Largest floor area, m² (10,000 km², several times a large country's urban housing)."""
MAX_HOUSEHOLDS = 10**9
"""Most households of one scenario (China has about 500 million)."""
MAX_BUILDINGS = 10**7
"""Most buildings of one scenario."""
MAX_STOREYS = 200
"""Most storeys of a building (the tallest have about 160)."""
MAX_SHARED_BY = 10_000
"""Most compounds sharing one cost line (Taiyuan grouped 983 compounds into 270 areas)."""
MAX_MATCH_RATIO = 10.0
"""Largest local match, CNY per CNY matched (real matches are 0.1–1; 30 is 0.3 written as a
percentage)."""
MAX_DRAWS = 10**12
"""Most Monte Carlo draws (at about a million draws a second, more would run for weeks)."""
RATE_MIN = -0.5
"""Lowest rate or yearly growth (a halving every year)."""
RATE_MAX = 1.0
"""Highest rate or yearly growth (a doubling every year); anything above is a percentage."""
EXTREME_U = (2.0**-54, 1.0 - 2.0**-53)
"""The most extreme uniform numbers a sampler can feed an inverse CDF (the samplers clip to
[2⁻⁵⁴, 1 − 2⁻⁵⁴], and 1 − 2⁻⁵³ is the largest float below 1)."""

# Longest lists accepted (each a located error beyond it): far above any real scenario, low
# enough that validating and simulating stay fast.
MAX_ITEMS = 1_000
"""Renovation items."""
MAX_RULES = 200
"""Funding rules."""
MAX_LINES = 500
"""Income lines, and cost lines, of the operating statement (each)."""
MAX_NAMES = 1_000
"""Names in a funding rule's ``items``, ``tiers`` or ``match_of``."""
MAX_CHOICE_VALUES = 10_000
"""Values (and weights) of a ``choice`` distribution, and ``empirical`` values written inline."""
MAX_EMPIRICAL_VALUES = 100_000
"""Values an ``empirical`` distribution reads from a CSV file."""
MAX_CORRELATED = 100
"""Correlated inputs (and rows and columns of the correlation matrix)."""
MAX_BUILD_YEARS = 30
"""Years a renovation item may take to build, and years over which a source may pay."""
SHARES_TOLERANCE = 1e-9
"""How far from 1 a schedule's or instalments' shares may sum."""
MAX_COMPOUNDS = 1_000_000
"""Most compounds in a compounds table (China has about 220,000 old compounds)."""
PLAUSIBLE_LEVER_FACTOR = 1e6
"""How far ``solve`` looks along a lever whose range is open or as wide as the bound on money
(a fee, a cost, a subsidy): up to this many times the larger of the scenario's own value of it and 1 (a fee of 0.5 CNY/m²/month:
up to 1,000,000). A value beyond is not an answer any plan could use, so a target that needs
it is reported as not met within the lever's plausible range."""
MAX_BETA_SHAPE = 1e9
"""Largest shape parameter ``a`` or ``b`` of a beta (or the implied shape of a pert): a beta
with shapes of 1e9 has a standard deviation below 1e-5 of its width, narrower than any
judgement; above about 1e10 the inverse CDF (Boost's ``ibeta_inv``) loses accuracy and at
1e308 it returns non-finite draws."""
