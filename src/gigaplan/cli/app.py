"""The command-line application: its Typer apps, consoles, error handling and shared helpers.

Bad input prints one clear message and exits with code 2 (1 when the machine fails, e.g. a
full disk); ``--debug`` (anywhere on the command line) shows the traceback instead. Nothing
heavy is imported here: each command imports the library parts it needs, so ``gigaplan
--help`` starts in a fraction of a second. User text is never read as terminal markup.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..errors import GigaplanError

__all__ = ["DEFAULT_SCENARIO", "app", "catalog_app", "emit_json", "err", "facts", "fmt",
           "guarded", "money", "out", "quantity", "short"]

app = typer.Typer(
    name="gigaplan",
    help="Plan and simulate gigawatt-scale AI compute from a scenario file.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
catalog_app = typer.Typer(help="List and show the hardware, grid-region and parameter catalog.",
                          no_args_is_help=True, rich_markup_mode=None)
app.add_typer(catalog_app, name="catalog")

# Piped output (CI logs, files) gets 120 columns instead of rich's default 80. Markup is off:
# names and descriptions from a scenario are printed as they are.
out = Console(highlight=False, soft_wrap=True, markup=False,
              width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)
_state = {"debug": False}

DEFAULT_SCENARIO = "fluidstack-2026"


def guarded(fn):
    """Turn a GigaplanError into 'error: ...' on stderr and its exit code (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GigaplanError as exc:
            if _state["debug"]:
                raise
            err.print("error: " + str(exc), style="bold red" if err.is_terminal else None)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def read_rows(path):
    """A ``--batch`` CSV as text cells (empty ones ``""``), its headers lower case with ``-``
    as ``_``; bad input (no file, not a table) exits 2."""
    import pandas as pd

    if not path.is_file():
        raise GigaplanError(f"{path}: no such file")
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise GigaplanError(f"{path}: not a readable CSV table ({exc})") from None
    rows.columns = [str(c).strip().lower().replace("-", "_") for c in rows.columns]
    return rows


def emit_json(obj) -> None:
    """Print ``obj`` as JSON: objects indented; a list of objects one compact object per line
    (readable, and fast: ``indent`` disables the C encoder, 10x slower on 1,000 runs)."""
    if isinstance(obj, list) and obj and all(isinstance(item, dict) for item in obj):
        lines = ",\n  ".join(json.dumps(item, default=_json_default) for item in obj)
        sys.stdout.write("[\n  " + lines + "\n]\n")
        return
    sys.stdout.write(json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def fmt(value: float | None) -> str:
    """Table number: thousands separators from 100 up, three significant digits below."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def count(value: float) -> str:
    """A large count the way the scenario format writes it: 400B, 15.6T, 1.5M."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}"


def money(value: float) -> str:
    """USD with a B/M/k suffix: $41.79B, -$93.03B; beyond a trillion in scientific form."""
    if value is None or not math.isfinite(value):
        return "-"
    sign = "-" if value < 0 else ""
    if abs(value) >= 1e15:
        return f"{sign}${abs(value):.3g}"
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{sign}${abs(value) / scale:,.2f}{suffix}"
    return f"{sign}${abs(value):,.2f}"


def short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def facts(rows: list[tuple[str, ...]]) -> None:
    """Print figure / value / note rows as a borderless-header table."""
    t = Table(show_header=False)
    t.add_column("figure", style="bold")
    t.add_column("value", justify="right")
    if len(rows[0]) > 2:
        t.add_column("note", overflow="fold")
    for row in rows:
        t.add_row(*row)
    out.print(t)


def quantity(option: str, value: str | None, kind: str, *, whole: bool = False,
             fraction: bool = False, positive: bool = True, maximum: float | None = None,
             minimum: float | None = None) -> float | None:
    """An option's value read with its unit (the scenario files' unit strings), checked."""
    from ..units import UnitError, parse_quantity

    if value is None:
        return None
    try:
        x = parse_quantity(value, kind)
    except UnitError as exc:
        raise GigaplanError(f"{option} = {value!r}: {exc}") from None
    if (positive and not x > 0) or (fraction and x > 1):
        raise GigaplanError(f"{option} = {value!r}: expected "
                            + ("a fraction in (0, 1]" if fraction else "a number > 0"))
    if whole and x != math.floor(x):
        raise GigaplanError(f"{option} = {value!r}: expected a whole number")
    if minimum is not None and x < minimum:
        raise GigaplanError(f"{option} = {value!r}: expected at least {minimum:g}")
    if maximum is not None and x > maximum:
        raise GigaplanError(f"{option} = {value!r}: expected at most {maximum:g}")
    return x


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"gigaplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """gigaplan: sites, power, accelerators, contracts and training runs, from one scenario file."""
    _state["debug"] = _state["debug"] or debug
