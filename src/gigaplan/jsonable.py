"""JSON-ready values from the engines' tables: NaN/NA/NaT and infinities -> None, numpy -> Python, dates ->
ISO strings. Used by ``summary.json``, ``gigaplan train --json`` and the library's dict outputs."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

__all__ = ["clean", "records"]


def clean(value):
    """One JSON-safe scalar."""
    if value is pd.NaT or value is pd.NA or (isinstance(value, float)
                                             and not math.isfinite(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return clean(value.item())
    return value


def records(table: pd.DataFrame) -> list[dict]:
    """The rows of ``table`` as JSON-ready dicts."""
    return [{k: clean(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
