"""``gigaplan portfolio``: capacity by provider over time, the N-1 view and the concentration
index of a scenario (:mod:`gigaplan.portfolio`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .app import DEFAULT_SCENARIO, app, emit_json, guarded, out

__all__ = ["portfolio"]


def _pct(x: float) -> str:
    return f"{x:.0%}"


@app.command()
@guarded
def portfolio(
    scenario: Annotated[str, typer.Argument(
        help="Scenario file or built-in name.")] = DEFAULT_SCENARIO,
    sets: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Set a model parameter: NAME=VALUE.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Capacity by provider, each provider lost in turn (N-1) and the HHI per year."""
    from .. import portfolio as exposure
    from ..chain import stages
    from ..pipeline import assumptions_for
    from ..scenario import load_scenario
    from .run import parse_sets

    s = load_scenario(scenario)
    result = stages(s, assumptions_for(s, parse_sets(sets)), summary=False)
    p = exposure.analyse(result)
    if as_json:
        emit_json(p.to_dict())
        return
    t = Table(title=f"{s.name}: each provider lost in turn (N-1)", title_justify="left")
    for col in ("provider", "largest share", "accelerators lost", "hosts", "late without it"):
        t.add_column(col, justify="right" if col in ("largest share", "accelerators lost")
                     else "left")
    for _, r in p.n_minus_1.iterrows():
        t.add_row(r["provider"], f"{r['largest_share']:.0%} ({r['year_of_largest']})",
                  f"{r['accelerators_lost']:,.0f}", r["hosted"] or "-",
                  r["late_without"] or "-")
    out.print(t)
    w = p.workloads
    moved = w[(w["delay_days"] > 0.5) | (w["status"] != w["status_without"])]
    if not moved.empty:
        m = Table(title="Workloads that move without a provider", title_justify="left")
        for col in ("provider", "workload", "status", "without", "delay (days)"):
            m.add_column(col, justify="right" if col == "delay (days)" else "left")
        for _, r in moved.iterrows():
            m.add_row(r["provider"], r["workload"], r["status"], r["status_without"],
                      f"{r['delay_days']:,.0f}")
        out.print(m)
    c = Table(title="Concentration of year-end BF16 peak FLOP/s (HHI, 0-10,000)",
              title_justify="left")
    for col in ("year", "providers", "largest", "share", "HHI", "band"):
        c.add_column(col, justify="left" if col in ("largest", "band") else "right")
    for _, r in p.concentration.iterrows():
        c.add_row(str(r["year"]), str(r["providers"]), str(r["largest"]),
                  _pct(r["largest_share"]), f"{r['hhi']:,.0f}", r["band"])
    out.print(c)
