"""Scenario format: models, loading and validation.

>>> import gigaplan
>>> s = gigaplan.load_scenario("fluidstack-2026")
>>> [site.name for site in s.sites]
"""

from .consistency import block_size, check_scenario, phase_it_mw, scenario_warnings
from .loader import load_scenario, parse_scenario, scenario_from_dict
from .models import Climate, Contract, Finance, Horizon, Phase, Provenance, Scenario, Site, Workload

__all__ = [
    "Climate",
    "Contract",
    "Finance",
    "Horizon",
    "Phase",
    "Provenance",
    "Scenario",
    "Site",
    "Workload",
    "block_size",
    "check_scenario",
    "load_scenario",
    "parse_scenario",
    "phase_it_mw",
    "scenario_from_dict",
    "scenario_warnings",
]
