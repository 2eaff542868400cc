"""The ``gigaplan`` command line: a thin layer over the library.

Commands live in :mod:`~gigaplan.cli.run` (init, validate, schema, run),
:mod:`~gigaplan.cli.tools` (power, cost, budget), :mod:`~gigaplan.cli.jobs` (train,
reliability), :mod:`~gigaplan.cli.uncertain` (sensitivity), :mod:`~gigaplan.cli.deals` (the
deals ledger), :mod:`~gigaplan.cli.portfolio` (exposure to each provider), :mod:`~gigaplan.cli.serving`
(inference), :mod:`~gigaplan.cli.steptime` (the layout and time of a training step),
:mod:`~gigaplan.cli.compare` (scenarios side by side), :mod:`~gigaplan.cli.web` (the what-if web app), :mod:`~gigaplan.cli.optimize` (where and when to build) and :mod:`~gigaplan.cli.catalog`; :mod:`~gigaplan.cli.app` holds the Typer app and
the shared helpers. ``--debug`` anywhere on the line shows tracebacks.
"""

from __future__ import annotations

import sys

from . import (  # noqa: F401 (register the commands)
    catalog, compare, deals, jobs, optimize, portfolio, run, serving, steptime, tools, uncertain,
    web)
from .app import _state, app

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: accepts ``--debug`` anywhere on the command line."""
    argv = sys.argv[1:]
    if "--debug" in argv:
        _state["debug"] = True
        argv = [a for a in argv if a != "--debug"]
    app(args=argv, prog_name="gigaplan")
