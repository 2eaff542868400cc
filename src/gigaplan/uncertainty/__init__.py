"""Uncertainty: what is uncertain, how it is sampled, and what moves the answer.

:mod:`~gigaplan.uncertainty.inputs` lists a scenario's uncertain inputs (ranged parameters and
``[[uncertain]]`` paths), :mod:`~gigaplan.uncertainty.distributions` maps unit numbers to their
values (PERT by default), :mod:`~gigaplan.uncertainty.sampling` draws Latin hypercube / Sobol'
points in fixed seeded chunks, :mod:`~gigaplan.uncertainty.stats` summarises samples (P10, P50,
P90), :mod:`~gigaplan.uncertainty.sensitivity` gives Sobol' and Morris indices with SALib, and
:mod:`~gigaplan.uncertainty.execution` spreads chunks over a dask cluster. Nothing here knows the
engines: :mod:`gigaplan.montecarlo` pushes the samples through them.
"""

from .distributions import DISTRIBUTIONS, mean, ppf
from .execution import ClusterError, map_chunks
from .inputs import Input, inputs
from .sampling import CHUNK, METHODS, chunks, correlate, unit_samples
from .sensitivity import analyze, design, indices
from .stats import PERCENTILES, bands, describe

__all__ = [
    "CHUNK", "ClusterError", "DISTRIBUTIONS", "METHODS", "PERCENTILES", "Input", "analyze",
    "bands", "chunks", "correlate", "describe", "design", "indices", "inputs", "map_chunks",
    "mean", "ppf", "unit_samples",
]
