"""District portfolios: many compounds on one compound axis, budget phasing and shared-service
areas.

- :func:`simulate_portfolio` runs every compound of a scenario's ``portfolio`` over the Monte
  Carlo draws, in tiles, locally or on a Dask cluster (the same bits);
  :func:`evaluate_portfolio` at the point estimates;
- :func:`plan_portfolio` phases the works within yearly budgets (:mod:`.phasing`);
- :func:`service_areas` groups small neighbouring compounds into shared-service areas
  (:mod:`.clustering`).
"""

from .evaluation import evaluate_portfolio, package_results, simulate_portfolio
from .plan import plan_portfolio, renovation_cost_by_level
from .result import PortfolioResult
from .service_areas import service_areas

__all__ = ["simulate_portfolio", "evaluate_portfolio", "package_results", "plan_portfolio",
           "renovation_cost_by_level", "service_areas", "PortfolioResult"]
