"""Shared fixtures: the shipped scenario text and a helper to make bad copies of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gigaplan.datafiles import scenario_text


@pytest.fixture(scope="session")
def default_text() -> str:
    """The TOML text of the built-in fluidstack-2026 scenario."""
    return scenario_text("fluidstack-2026")


def edited(text: str, old: str, new: str, count: int = 1) -> str:
    """``text`` with ``old`` replaced by ``new``; fails if ``old`` is not there ``count`` times."""
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times, expected {count}"
    return text.replace(old, new)


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file in tmp_path and return its path."""

    def _write(text: str | bytes, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


# A minimal valid scenario as a dict, for tests that build variations in Python.
MINIMAL = {
    "name": "minimal",
    "horizon": {"start": "2026-01", "end": "2027-12"},
    "sites": [{
        "name": "s1", "region": "ercot", "cooling": "liquid", "distribution": "hvdc",
        "grid_cap_mw": 200,
        "phases": [{"online": "2026-01", "system": "gb200-nvl72", "it_mw": 100}],
    }],
}


@pytest.fixture
def minimal() -> dict:
    """A fresh deep copy of a minimal valid scenario dict."""
    import copy

    return copy.deepcopy(MINIMAL)
