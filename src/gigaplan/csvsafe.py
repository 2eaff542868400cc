"""CSV files a spreadsheet opens safely: a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading ``'`` so that no spreadsheet runs it
as a formula (OWASP, "CSV Injection"). Numbers are written as numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_START", "neutralise", "safe_csv"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` if it is text starting like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> None:
    """Write ``frame`` as CSV with every text cell (and text header) neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutralise)
    out.to_csv(path, **kwargs)
