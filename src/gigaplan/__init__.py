"""gigaplan: plan and simulate gigawatt-scale AI compute.

A scenario (TOML) describes owned sites built in phases, cloud contracts and training runs;
gigaplan's engines turn it into capacity, power, training time, reliability and money figures,
every catalog number with its source.

>>> import gigaplan
>>> scenario = gigaplan.load_scenario("fluidstack-2026")
>>> gigaplan.catalog.accelerator("gb200-nvl72").bf16_dense_flops
2500000000000000.0
"""

__version__ = "0.1.0"

from . import catalog
from .errors import GigaplanError, ScenarioError, UnknownNameError


def __getattr__(name: str):
    """``Scenario`` and ``load_scenario`` load the scenario models on first use (PEP 562), so
    commands that need no scenario start faster."""
    if name in ("Scenario", "load_scenario"):
        from . import scenario

        return getattr(scenario, name)
    raise AttributeError(f"module 'gigaplan' has no attribute {name!r}")

__all__ = [
    "GigaplanError",
    "Scenario",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
    "catalog",
    "load_scenario",
]
