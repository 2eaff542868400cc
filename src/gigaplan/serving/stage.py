"""The serving stage: a scenario's ``[[serving]]`` models placed on its fleet, day by day,
before any training run.

Each model's demand (tokens a day, prompt and generated) grows from its start by
``growth_per_year``. Its tokens/s per accelerator on each system come from the serving plan
(:func:`gigaplan.serving.plan`); at its daily peak (``serving.peak_to_mean`` x the mean) it
takes the accelerators it needs from its pools in order (``use``, or the fleet's pools in the
scenario's order), up to what each pool has free; demand no pool can take is unserved and
reported. Models are placed in scenario order. What they hold is subtracted from the pools the
training stage places runs on (:func:`gigaplan.training.schedule`), so a growing demand can make
a training run late. The trough below the peak is left idle here: a preemptible job could use
it, a training run that must keep its accelerators cannot.

Serving parameters are not sampled (they move only serving results), so the stage is computed
once for every sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from ..fleet import FleetResult, plan_days, pool_capacity
from .plan import ServingError, plan

__all__ = ["ServingResult", "build"]


@dataclass(frozen=True)
class ServingResult:
    """The serving stage. ``days``: the planning axis (:func:`gigaplan.fleet.plan_days`);
    ``reserved``: accelerators held per pool key (kind, owner, system) per day; ``models``:
    per model its ``demand`` and ``served`` tokens per day, ``held`` (pool key -> accelerators
    per day), its plan per system (``rates``, a table) and a ``note``."""

    days: pd.DatetimeIndex
    reserved: dict
    models: list[dict]

    def within(self, start, end) -> np.ndarray:
        """Mask of the days in [start, end]."""
        return (self.days >= pd.Timestamp(start)) & (self.days <= pd.Timestamp(end))


def _demand(w, days: pd.DatetimeIndex, start) -> np.ndarray:
    """Tokens a day, from ``start``, growing by ``growth_per_year`` (compounded daily)."""
    t = (days - pd.Timestamp(start)) / pd.Timedelta(days=365.25)
    return np.where(t >= 0, w.tokens_per_day * (1.0 + w.growth_per_year) ** np.clip(t, 0, None),
                    0.0)


def _rates(w, systems: list[str], a: Assumptions) -> pd.DataFrame:
    """The serving plan of model ``w`` on each system it can run on (index: system)."""
    rows = []
    for s in systems:
        if not catalog.accelerator(s).supports(w.precision):
            continue
        req = pd.DataFrame([{"name": w.name, "params": w.params, "active_params":
                             w.active_params, "system": s, "precision": w.precision,
                             "input_tokens": w.input_tokens, "output_tokens": w.output_tokens,
                             "latency_tokens_per_s": w.latency_tokens_per_s}])
        try:
            rows.append(plan(req, a))
        except ServingError:
            continue  # the model fits no layout of this system: its pools are skipped
    if not rows:
        return pd.DataFrame(columns=["system"]).set_index("system")
    return pd.concat(rows, ignore_index=True).set_index("system")


def _place(w, keys: list, free: np.ndarray, days, a: Assumptions, start) -> dict:
    """Fill model ``w``'s demand into its pools in order; ``free`` (pools, days) shrinks."""
    pools = ([i for name in w.use for i, k in enumerate(keys) if k[1] == name]
             if w.use else list(range(len(keys))))
    pools = [i for i in pools if w.system is None or keys[i][2] == w.system]
    rates = _rates(w, sorted({keys[i][2] for i in pools}), a)
    demand = _demand(w, days, start)
    left, held = demand.copy(), {}
    peak = float(a["serving.peak_to_mean"])
    for i in pools:
        if keys[i][2] not in rates.index:
            continue
        per_acc = float(rates.loc[keys[i][2], "total_tokens_per_s_per_accelerator"]) * 86_400
        can = free[i] * per_acc / peak  # tokens a day the pool's free accelerators serve
        take = np.minimum(left, can)
        acc = take * peak / per_acc
        if acc.any():
            held[keys[i]] = acc
            free[i] = free[i] - acc
            left = left - take
    note = "" if not rates.empty else (
        f"no pool's system can serve {w.name} ({w.precision}): it fits no layout")
    return {"name": w.name, "demand": demand, "served": demand - left, "held": held,
            "rates": rates.reset_index(), "note": note}


def build(scenario, fleet: FleetResult, a: Assumptions) -> ServingResult:
    """The serving stage of ``scenario`` (see the module docstring)."""
    days = plan_days(scenario)
    if not scenario.serving:
        return ServingResult(days=days, reserved={}, models=[])
    a1 = a.sample(0) if a.sampled else a
    cap = pool_capacity(fleet.blocks, days)
    free = np.ascontiguousarray(cap.accelerators.T).copy()
    models = []
    for w in scenario.serving:
        start = w.start or scenario.horizon.start
        models.append(_place(w, cap.keys, free, days, a1, start))
    reserved: dict = {}
    for m in models:
        for k, acc in m["held"].items():
            reserved[k] = reserved.get(k, 0.0) + acc
    return ServingResult(days=days, reserved=reserved, models=models)
