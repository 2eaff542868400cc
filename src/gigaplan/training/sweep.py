"""Time to train against accelerator count for a run's compute (the report's scaling plot)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from .runs import plan

__all__ = ["scaling_curves"]


def scaling_curves(workloads: pd.DataFrame, a: Assumptions) -> pd.DataFrame:
    """Days to train each placed workload's FLOP on 10^3-10^6 accelerators (31 counts, log
    spaced) with goodput from the reliability model: one planner call for all of them, one
    curve per distinct (system, FLOP, precision), named after its first workload.

    Columns: ``name``, ``system``, ``accelerators``, ``days`` (NaN past the reliability wall).
    """
    placed = workloads[workloads["status"] != "no capacity"] if not workloads.empty else workloads
    placed = placed.drop_duplicates(["system", "flops", "precision"])  # one curve per run size
    if placed.empty:
        return pd.DataFrame(columns=["name", "system", "accelerators", "days"])
    counts = np.unique(np.round(np.logspace(3, 6, 31)))
    rows = pd.DataFrame({
        "name": np.repeat(placed["name"].to_numpy(), len(counts)),
        "system": np.repeat(placed["system"].to_numpy(), len(counts)),
        "flops": np.repeat(placed["flops"].to_numpy(dtype=float), len(counts)),
        "precision": np.repeat(placed["precision"].to_numpy(), len(counts)),
        "count": np.tile(counts, len(placed)),
    })
    out = plan(rows, a=a.sample(0) if a.sampled else a)
    days = out["days"].where(np.isfinite(out["days"]))
    return pd.DataFrame({"name": out["name"], "system": out["system"],
                         "accelerators": out["accelerators"], "days": days})
