"""The distributions of an uncertain input's low-mode-high range.

* ``pert`` (the default): a beta distribution on [low, high] with its mode at the central
  value, shape parameters ``1 + 4 (mode - low) / (high - low)`` and ``1 + 4 (high - mode) /
  (high - low)``, mean ``(low + 4 mode + high) / 6`` (Malcolm et al. 1959; Vose 2008, sec.
  9.1.2). gigaplan's ranges are a sourced central value with plausible extremes (a spread of
  published figures, a confidence interval, an analyst's bounds): PERT weights the central
  value most, as the sources do, and gives the extremes less weight than the triangular
  distribution, whose mean is pulled a third of the way to a long tail.
* ``triangular``: the same three points, linear density (Vose 2008, sec. 9.1.1).
* ``uniform``: every value in [low, high] alike, for inputs with no preferred value.

Each is applied by its inverse CDF to uniform numbers in (0, 1), so Latin hypercube and
Sobol' points keep their stratification.

References
----------
.. [1] D. G. Malcolm, J. H. Roseboom, C. E. Clark, W. Fazar, "Application of a technique for
   research and development program evaluation", Operations Research 7(5), 1959.
.. [2] D. Vose, *Risk Analysis: A Quantitative Guide*, 3rd ed., Wiley, 2008.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

__all__ = ["DISTRIBUTIONS", "mean", "ppf"]

DISTRIBUTIONS = ("pert", "triangular", "uniform")


def ppf(u, low: float, mode: float, high: float, kind: str = "pert") -> np.ndarray:
    """Values at cumulative probabilities ``u`` (array in [0, 1]) of the ``kind`` distribution
    on [``low``, ``high``] with mode ``mode`` (same units as the bounds).

    >>> ppf([0.0, 0.5, 1.0], 0.0, 0.5, 1.0).round(3).tolist()
    [0.0, 0.5, 1.0]
    """
    u = np.asarray(u, dtype=float)
    if kind not in DISTRIBUTIONS:
        raise ValueError(f"distribution {kind!r}: expected one of {', '.join(DISTRIBUTIONS)}")
    if not low <= mode <= high:
        raise ValueError(f"mode {mode} outside [{low}, {high}]")
    width = high - low
    if width <= 0:
        return np.full(u.shape, float(low))
    if kind == "uniform":
        return low + u * width
    if kind == "triangular":
        c = (mode - low) / width
        left = low + np.sqrt(u * width * (mode - low))
        right = high - np.sqrt((1.0 - u) * width * (high - mode))
        return np.where(u < c, left, right)
    a = 1.0 + 4.0 * (mode - low) / width
    b = 1.0 + 4.0 * (high - mode) / width
    return low + width * betaincinv(a, b, u)


def mean(low: float, mode: float, high: float, kind: str = "pert") -> float:
    """The distribution's mean: (l + 4m + h)/6 (PERT), (l + m + h)/3, (l + h)/2."""
    return {"pert": (low + 4.0 * mode + high) / 6.0, "triangular": (low + mode + high) / 3.0,
            "uniform": (low + high) / 2.0}[kind]
