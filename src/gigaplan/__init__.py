"""gigaplan: plan and simulate gigawatt-scale AI compute.

A scenario (TOML) describes owned sites built in phases, cloud contracts and training runs;
gigaplan's engines turn it into capacity, power, training time, reliability and money figures,
every catalog number with its source and every model parameter in one
:class:`~gigaplan.assumptions.Assumptions`.

>>> import gigaplan
>>> scenario = gigaplan.load_scenario("fluidstack-2026")
>>> gigaplan.catalog.accelerator("gb200-nvl72").bf16_dense_flops
2500000000000000.0
"""

__version__ = "0.1.0"

from .errors import GigaplanError, ScenarioError, UnknownNameError

#: Submodules loaded on first use (PEP 562): ``import gigaplan`` stays light, so commands that
#: need neither pandas nor a scenario start fast.
_LAZY = {"Scenario": "scenario", "load_scenario": "scenario", "Assumptions": "assumptions"}
_MODULES = ("assumptions", "catalog", "facility", "finance", "fleet", "pipeline", "reliability",
            "report", "results", "scenario", "training", "units")


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'gigaplan' has no attribute {name!r}")

__all__ = [
    "Assumptions",
    "GigaplanError",
    "Scenario",
    "ScenarioError",
    "UnknownNameError",
    "__version__",
    "catalog",
    "load_scenario",
]
