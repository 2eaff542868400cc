"""The one loader of the data files shipped inside the package (``gigaplan/data/``).

Catalog tables and built-in scenarios are read only through these functions, so a notebook, the
CLI and the tests all see the same files, wherever the package is installed.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

import pandas as pd

__all__ = ["data_file", "read_text", "read_table", "scenario_names", "scenario_text"]

_ROOT = "gigaplan.data"


def data_file(name: str) -> Traversable:
    """The shipped data file ``name`` (a path relative to ``gigaplan/data``)."""
    return resources.files(_ROOT).joinpath(name)


def read_text(name: str) -> str:
    """The text of the shipped data file ``name``."""
    return data_file(name).read_text(encoding="utf-8")


@cache
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(read_text(name)), keep_default_na=False, na_values=[""])


def read_table(name: str) -> pd.DataFrame:
    """A shipped CSV table as a new DataFrame (a copy: callers may modify it)."""
    return _table(name).copy()


def scenario_names() -> list[str]:
    """Names of the built-in scenarios (``gigaplan/data/scenarios/*.toml``)."""
    folder = data_file("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def scenario_text(name: str) -> str:
    """The TOML text of the built-in scenario ``name``."""
    return read_text(f"scenarios/{name}.toml")
