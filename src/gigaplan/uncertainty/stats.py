"""Summaries of sampled results: percentiles, means and time-series bands."""

from __future__ import annotations

import numpy as np

__all__ = ["PERCENTILES", "bands", "describe"]

#: The percentiles every ranged figure reports (P10, P50, P90).
PERCENTILES = (10, 50, 90)


def describe(x) -> dict[str, float | int | None]:
    """``p10``, ``p50``, ``p90``, ``mean`` of the finite values of ``x`` and ``n`` (how many
    were finite: a run that finds no capacity in some samples has no days there). None where
    no value is finite.

    >>> describe([1.0, 2.0, 3.0, 4.0, 5.0])
    {'p10': 1.4, 'p50': 3.0, 'p90': 4.6, 'mean': 3.0, 'n': 5}
    """
    v = np.asarray(x, dtype=float).reshape(-1)
    v = v[np.isfinite(v)]
    if not len(v):
        return {"p10": None, "p50": None, "p90": None, "mean": None, "n": 0}
    p10, p50, p90 = np.percentile(v, PERCENTILES)
    # percentiles of few equal values can differ in the last bit; keep them ordered
    p50 = min(max(p50, p10), p90)
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(v.mean()),
            "n": int(len(v))}


def bands(x: np.ndarray) -> dict[str, np.ndarray]:
    """P10, P50, P90 and the mean of a sampled series ``x`` (samples, time) at each step."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        p = np.nanpercentile(x, PERCENTILES, axis=0)
        return {"p10": p[0], "p50": p[1], "p90": p[2], "mean": np.nanmean(x, axis=0)}
