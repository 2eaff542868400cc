"""Global sensitivity: which uncertain inputs move an answer, with SALib.

* ``sobol``: first-order (S1) and total-order (ST) Sobol' indices from Saltelli's design of
  N (d + 2) points and the Jansen / Saltelli (2010) estimators, with bootstrap 95% intervals.
  S1 is the share of the output's variance an input explains alone, ST the share it takes
  part in (with its interactions); ST near 0 means the input can be fixed anywhere in its
  range.
* ``morris``: elementary-effects screening (Morris 1991; mu* of Campolongo et al. 2007) with
  N trajectories of d + 1 points: cheap for many inputs; it ranks, it does not apportion
  variance.

Designs are drawn in the unit hypercube; the caller's ``model`` maps each row to the inputs'
values (through their distributions) and returns one array per output.

References
----------
.. [1] A. Saltelli et al., "Variance based sensitivity analysis of model output. Design and
   estimator for the total sensitivity index", Computer Physics Communications 181, 2010.
.. [2] M. D. Morris, "Factorial sampling plans for preliminary computational experiments",
   Technometrics 33(2), 1991; F. Campolongo, J. Cariboni, A. Saltelli, "An effective
   screening design for sensitivity analysis of large models", Environ. Model. Softw. 22, 2007.
.. [3] J. Herman, W. Usher, "SALib: An open-source Python library for sensitivity analysis",
   JOSS 2(9), 2017.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["METHODS", "analyze", "design", "indices"]

METHODS = ("sobol", "morris")
_LEVELS = 4  # Morris grid levels


def _problem(names: Sequence[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def design(method: str, names: Sequence[str], n: int, seed: int) -> np.ndarray:
    """The points to evaluate, shape (rows, d) in [0, 1]: N (d + 2) for ``sobol`` (N a power
    of 2 keeps the Sobol' sequence balanced), N (d + 1) for ``morris``."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    if len(names) < 2:
        raise ValueError(f"{len(names)} uncertain input(s): sensitivity needs at least 2")
    if n < 2:
        raise ValueError(f"n = {n}: expected at least 2 base samples")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's balance note when N is not a power of 2
        if method == "sobol":
            from SALib.sample import sobol

            x = sobol.sample(_problem(names), n, calc_second_order=False, scramble=True,
                             seed=seed)
        else:
            from SALib.sample import morris

            x = morris.sample(_problem(names), n, num_levels=_LEVELS, seed=seed)
    return np.clip(x, 1e-12, 1.0 - 1e-12) if method == "sobol" else x


def analyze(method: str, names: Sequence[str], x: np.ndarray, outputs: Mapping[str, np.ndarray],
            seed: int) -> pd.DataFrame:
    """Indices of every input on every output, one row per (output, input), ranked within
    each output (by ST for ``sobol``, mu* for ``morris``). Outputs that are constant or not
    finite in every row are skipped (listed in ``DataFrame.attrs["skipped"]``)."""
    problem = _problem(names)
    frames, skipped = [], {}
    for out, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if not np.isfinite(y).all():
            skipped[out] = f"not finite in {int((~np.isfinite(y)).sum())} of {len(y)} rows"
            continue
        if np.ptp(y) == 0:
            skipped[out] = "constant: no input moves it"
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if method == "sobol":
                from SALib.analyze import sobol

                r = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
                df = pd.DataFrame({"S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"],
                                   "ST_conf": r["ST_conf"]})
                key = "ST"
            else:
                from SALib.analyze import morris

                r = morris.analyze(problem, x, y, num_levels=_LEVELS, seed=seed)
                df = pd.DataFrame({"mu_star": r["mu_star"], "mu_star_conf": r["mu_star_conf"],
                                   "mu": r["mu"], "sigma": r["sigma"]})
                key = "mu_star"
        df.insert(0, "input", list(names))
        df.insert(0, "output", out)
        df = df.sort_values(key, ascending=False, kind="stable")
        df.insert(2, "rank", np.arange(1, len(df) + 1))
        frames.append(df)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["output", "input", "rank"])
    table.attrs["skipped"] = skipped
    return table


def indices(model: Callable[[np.ndarray], Mapping[str, np.ndarray]], names: Sequence[str],
            method: str = "sobol", n: int = 1024, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of ``model`` (unit points (rows, d) -> {output: (rows,)}) over the
    inputs ``names``: :func:`design`, the model, then :func:`analyze`."""
    x = design(method, names, n, seed)
    return analyze(method, names, x, model(x), seed)
