"""``gigaplan compare``: scenarios side by side (:mod:`gigaplan.compare`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .app import app, emit_json, fmt, guarded, out

__all__ = ["compare"]


@app.command()
@guarded
def compare(
    scenarios: Annotated[list[str], typer.Argument(
        help="Two or more scenario files or built-in names.")],
    output: Annotated[Optional[str], typer.Option(
        "-o", "--output", help="Folder to write compare.html into.")] = None,
    samples: Annotated[int, typer.Option(
        "--samples", help="Monte Carlo samples per scenario for P10-P90 (default 0).")] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the samples.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The headline figures of scenarios side by side (and a comparison page with -o)."""
    from .. import compare as comparison
    from ..errors import GigaplanError

    if samples < 0:
        raise GigaplanError(f"--samples {samples}: expected 0 or more")
    c = comparison.compare(list(scenarios), samples=samples, seed=seed)
    if output is not None:
        if not str(output).strip():
            raise GigaplanError("-o: name a folder, e.g. -o gigaplan-compare")
        from ..report import compare_page

        path = compare_page.write(c, output)
    if as_json:
        emit_json(c.to_dict())
    else:
        _print(c, comparison.FIGURES)
    if output is not None and not as_json:
        out.print(f"wrote {path}")


def _print(c, figures) -> None:
    t = Table(title="Scenarios side by side (P10-P90 in brackets with --samples)",
              title_justify="left")
    t.add_column("figure")
    for s in c.labels:
        t.add_column(s, justify="right")
    for key, label, unit in figures:
        cells = []
        for s in c.labels:
            text = fmt(float(c.table.loc[key, s]))
            lo = c.table.loc[key, f"{s} p10"] if f"{s} p10" in c.table else float("nan")
            if lo == lo:
                text += (f" ({c.table.loc[key, f'{s} p10']:,.3g}-"
                         f"{c.table.loc[key, f'{s} p90']:,.3g})")
            cells.append(text)
        t.add_row(f"{label} [{unit}]", *cells)
    out.print(t)
