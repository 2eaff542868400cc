"""The report's portfolio section: the N-1 view (what each provider's loss takes and which
workloads it makes late) and the concentration by year, as tables (the figure of each
provider's share is :func:`gigaplan.report.figures.provider_shares`). Reads ``RunResult.portfolio``
(:class:`gigaplan.portfolio.Portfolio`), computed by the pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["section"]


def _day(x) -> str:
    return "" if pd.isna(x) else pd.Timestamp(x).date().isoformat()


def section(r: RunResult) -> str:
    """The N-1 table and the concentration by year, as HTML."""
    from . import _table

    p = r.portfolio
    if p is None or p.n_minus_1.empty:
        return "<p class='empty'>No capacity: no provider to lose.</p>"
    n1 = p.n_minus_1.copy()
    n1["largest_share"] = n1["largest_share"] * 100
    n1["bf16_peak_flops_lost"] = n1["bf16_peak_flops_lost"] / 1e18
    n1.columns = ["provider", "largest share (%)", "in year", "accelerators lost (last year)",
                  "EFLOP/s lost (last year)", "workloads it hosts", "late without it"]
    w = p.workloads
    moved = w[(w["delay_days"] > 0.5) | (w["status"] != w["status_without"])]
    moved = moved.assign(delay_days=moved["delay_days"].round(1))[
        ["provider", "workload", "deadline", "status", "status_without", "delay_days"]]
    c = p.concentration[["year", "providers", "largest", "largest_share", "hhi", "band"]].copy()
    c["largest_share"] = c["largest_share"] * 100
    return ("<h3>N-1: each provider lost in turn</h3>" + _table(n1, {"in year": str})
            + "<p class='note'>The training stage re-run without the provider's capacity (its "
              "blocks at zero), under this run's assumptions. A provider is a contract's "
              "provider or one owned site.</p>"
            + ("<h3>Workloads that move</h3>" + _table(moved) if not moved.empty else
               "<p class='note'>No provider's loss moves a workload.</p>")
            + "<h3>Concentration by year</h3>" + _table(c, {"year": str})
            + "<p class='note'>HHI: the sum of squared percentage shares of year-end BF16 peak "
              "FLOP/s. Above 1,800 highly concentrated (U.S. DOJ/FTC Merger Guidelines 2023, "
              "section 2.1), 1,000-1,800 moderately (Horizontal Merger Guidelines 1992, section "
              "1.51).</p>")
