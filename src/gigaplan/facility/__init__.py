"""Facility model: from IT load to grid draw, month by month, with energy, water and carbon.

:mod:`gigaplan.facility.model` holds the pure, vectorised formulas (power chain, cooling,
:func:`evaluate`); :mod:`gigaplan.facility.sites` the stage (:func:`build`,
:class:`FacilityResult`) and one site at full load (:func:`single_site`). See the model
module's docstring for the equations and references.
"""

from .model import (COOLING_TYPES, DISTRIBUTIONS, FLOW_COLUMNS, FLOW_LABELS, FacilityInputs,
                    SiteClimate, air_cooling_per_kw, cooling_per_kw, evaluate,
                    liquid_cooling_per_kw, params, power_chain, site_climate, site_design)
from .sites import (DistributionComparison, FacilityResult, SiteFacility, build, density,
                    distribution_comparison, group_starts, single_site)

__all__ = [
    "COOLING_TYPES", "DISTRIBUTIONS", "FLOW_COLUMNS", "FLOW_LABELS", "DistributionComparison",
    "FacilityInputs", "FacilityResult", "SiteClimate", "SiteFacility", "air_cooling_per_kw",
    "build", "cooling_per_kw", "density", "distribution_comparison", "evaluate", "group_starts",
    "liquid_cooling_per_kw", "params", "power_chain", "single_site", "site_climate",
    "site_design",
]
