"""The errors gigaplan raises for bad input.

Every error a user can cause derives from :class:`GigaplanError`; the CLI prints its message
(no traceback unless ``--debug``) and exits with :attr:`GigaplanError.exit_code` (2).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["GigaplanError", "UnknownNameError", "Problem", "ScenarioError", "closest"]


class GigaplanError(Exception):
    """Bad input: a missing file, an unknown name, an invalid scenario."""

    exit_code = 2


def closest(name: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The catalog names nearest to ``name`` (difflib ratio), best first."""
    choices = list(choices)
    key = name.strip().lower()
    contains = [c for c in choices if key and key in c]
    fuzzy = difflib.get_close_matches(key, choices, n=n, cutoff=0.4)
    hits = list(dict.fromkeys(contains + fuzzy))[:n]
    return hits or choices[:n]


class UnknownNameError(GigaplanError, LookupError):
    """A catalog name (system, region, scenario) that does not exist.

    ``hints`` are names to suggest first (e.g. regions whose label matches the name given).
    """

    def __init__(self, what: str, name: object, choices: Sequence[str],
                 hints: Sequence[str] = ()):
        self.what, self.name, self.choices = what, name, list(choices)
        near = ", ".join(list(dict.fromkeys([*hints, *closest(str(name), choices)]))[:3])
        listing = _LISTINGS.get(what)
        super().__init__(f"unknown {what} {name!r}; closest: {near}"
                         + (f" (all: {listing})" if listing else ""))


#: The command that lists every valid name of each kind.
_LISTINGS = {
    "system": "gigaplan catalog accelerators",
    "region": "gigaplan catalog regions",
    "facility parameter": "gigaplan catalog facility",
    "finance parameter": "gigaplan catalog finance",
    "training parameter": "gigaplan catalog training",
    "reliability parameter": "gigaplan catalog reliability",
    "catalog entry": "gigaplan catalog accelerators; gigaplan catalog regions",
    "scenario": "gigaplan catalog scenarios",
    "parameter": "gigaplan catalog parameters",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a scenario: where (``sites[1].phases[0].it_mw``), what, and why."""

    path: str
    message: str
    value: object = None
    has_value: bool = False

    def __str__(self) -> str:
        if self.has_value:
            return f"{self.path or '(top level)'} = {_short(self.value)}: {self.message}"
        return f"{self.path}: {self.message}" if self.path else self.message


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Problems a scenario error prints at most (all are in ``ScenarioError.problems``).
SHOWN_PROBLEMS = 50


class ScenarioError(GigaplanError, ValueError):
    """A scenario that cannot be read or is not valid; lists every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        self.source = source
        self.problems = list(problems)
        lines = [f"{source}: {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"... and {len(self.problems) - SHOWN_PROBLEMS:,} more "
                         "(ScenarioError.problems lists them all)")
        head = f"{len(self.problems)} problems in {source}:\n  " if len(self.problems) > 1 else ""
        super().__init__(head + "\n  ".join(lines) if head else lines[0])
