"""Input models: what the analyst asked for. Never imports the engine."""

from .compound import Compound
from .distributions import Beta, Distribution, LogNormal, Normal, Pert, Triangular, Uniform
from .funding import (CentralSubsidy, Donations, FundingRule, LocalBudget, ProgrammeFunds,
                      Residents, SoeTransfer, UtilityCompanies)
from .load import load_scenario, read_scenario_text
from .operations import CostLine, IncomeLine, Operations, PropertyFee
from .ranges import Uncertain
from .renovation import Item, Renovation
from .scenario import Scenario
from .simulation import Simulation
from .validate import parse_scenario

__all__ = [
    "Beta", "CentralSubsidy", "Compound", "CostLine", "Distribution", "Donations", "FundingRule",
    "IncomeLine", "Item", "LocalBudget", "LogNormal", "Normal", "Operations", "Pert",
    "ProgrammeFunds", "PropertyFee", "Renovation", "Residents", "Scenario", "Simulation",
    "SoeTransfer", "Triangular", "Uncertain", "Uniform", "UtilityCompanies", "load_scenario",
    "parse_scenario", "read_scenario_text",
]
