"""Model parameters shipped as sourced tables (``data/facility.csv``, ``data/finance.csv``).

Each row is one parameter: ``name, value, unit, low, high, source, source_date, notes``. ``low``
and ``high`` bound the plausible range (what a Monte Carlo run samples). :func:`override`
merges a user's values into the defaults, checking names and ranges once at the edge so the
engines can trust what they get.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

import numpy as np
import pandas as pd

from .datafiles import read_table
from .errors import GigaplanError, UnknownNameError

__all__ = ["Parameter", "load", "override", "table"]


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its default, plausible range and source."""

    name: str
    value: float
    unit: str
    low: float
    high: float
    source: str
    source_date: str
    notes: str

    def to_dict(self) -> dict:
        return asdict(self)


@cache
def _load(file: str) -> dict[str, Parameter]:
    rows = read_table(file).fillna({"notes": ""}).to_dict(orient="records")
    out = {}
    for row in rows:
        p = Parameter(**{**row, "value": float(row["value"]), "low": float(row["low"]),
                         "high": float(row["high"])})
        if not p.low <= p.value <= p.high:  # a packaging defect, caught by the tests
            raise ValueError(f"{file}: {p.name} = {p.value} outside its range [{p.low}, {p.high}]")
        out[p.name] = p
    return out


def load(file: str) -> dict[str, Parameter]:
    """The parameters of the shipped table ``file`` by name (a new dict)."""
    return dict(_load(file))


def table(file: str) -> pd.DataFrame:
    """The parameters of ``file`` as a DataFrame indexed by name."""
    return pd.DataFrame([p.to_dict() for p in _load(file).values()]).set_index("name")


def override(file: str, what: str, overrides: dict) -> dict[str, float | np.ndarray]:
    """Default values of ``file`` with ``overrides`` (numbers or 1-D arrays of samples).

    Fractions must lie in (0, 1]; a parameter whose range starts at 0 or above may not be
    negative; every value must be finite. Raises :class:`~gigaplan.errors.GigaplanError`
    naming the parameter (``what`` says which kind, e.g. "facility parameter").
    """
    known = _load(file)
    out: dict[str, float | np.ndarray] = {k: p.value for k, p in known.items()}
    for name, value in overrides.items():
        if name not in known:
            raise UnknownNameError(what, name, list(known))
        arr = np.asarray(value, dtype=float)
        shown = f"{what} {name} = {value!r}"
        if arr.ndim > 1:
            raise GigaplanError(f"{shown}: expected a number or a 1-D array of samples")
        if not np.all(np.isfinite(arr)):
            raise GigaplanError(f"{shown}: expected finite numbers")
        unit = known[name].unit
        if unit.startswith("fraction") and np.any((arr <= 0) | (arr > 1)):
            raise GigaplanError(f"{shown}: expected a fraction in (0, 1]")
        if known[name].low >= 0 and np.any(arr < 0):
            raise GigaplanError(f"{shown}: expected >= 0 {unit}")
        out[name] = float(arr) if arr.ndim == 0 else arr
    return out
