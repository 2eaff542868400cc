"""The serving stage: a scenario's ``[[serving]]`` models placed on its fleet, day by day,
before any training run.

Each model's demand (tokens a day, prompt and generated) grows from its start by
``growth_per_year``. Its tokens/s per accelerator on each system come from the serving plan
(:func:`gigaplan.serving.plan`); at its daily peak (``serving.peak_to_mean`` x the mean) it
takes the accelerators it needs from its pools in order (``use``, or the fleet's pools in the
scenario's order), up to what each pool has free; demand no pool can take is unserved and
reported. Models are placed in scenario order. What they hold is subtracted from the pools the
training stage places runs on (:func:`gigaplan.training.schedule`), so a growing demand can make
a training run late. The trough below the peak is left idle, since a training run that must
keep its accelerators cannot use it; with ``share_trough`` a model holds instead the daily
average of a sinusoidal day whose peak is ``peak_to_mean`` times its mean, ``1 + (peak - 1) /
pi`` times the mean (the mean of the part above the mean of a sine is 1 / pi of its
amplitude), for training runs elastic enough to give accelerators back at the peak hours.

With sampled assumptions the stage is computed once per distinct set of serving parameters:
``reserved`` and each model's ``served_samples`` carry the sample axis; the tables read
sample 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from ..fleet import FleetResult, plan_days, pool_capacity
from .model import evaluate
from .plan import plan, request_arrays, request_row

__all__ = ["ServingResult", "build"]


@dataclass(frozen=True)
class ServingResult:
    """The serving stage. ``days``: the planning axis (:func:`gigaplan.fleet.plan_days`);
    ``reserved``: accelerators held per pool key (kind, owner, system), (samples, days);
    ``models``: per model (sample 0) its ``demand`` and ``served`` tokens per day, ``held``
    (pool key -> accelerators per day), its plan per system (``rates``, a table), a ``note``
    and ``served_samples`` (samples, days)."""

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


def _rates(w, systems: list[str], a: Assumptions, rep: np.ndarray, c0: int) -> tuple:
    """Total tokens/s per accelerator of model ``w`` on each system (systems, classes), NaN
    where it fits no layout, for the serving parameters of each class's first sample
    ``rep``; and the plan rows of class ``c0`` (sample 0's, for the tables). One roofline
    evaluation for all."""
    usable = [x for x in systems if catalog.accelerator(x).supports(w.precision)]
    if not usable:
        return usable, np.zeros((0, len(rep))), pd.DataFrame()
    req = pd.DataFrame([request_row(w, x) for x in usable for _ in rep])
    model, system = request_arrays(req)
    p = {k: np.tile(np.broadcast_to(np.asarray(v, dtype=float), (a.size,))[rep], len(usable))
         for k, v in a.group("serving").items()}
    r = evaluate(model, system, p)
    rates = np.where(r["fits"], r["total_tokens_per_s_per_accelerator"],
                     np.nan).reshape(len(usable), len(rep))
    fits = [i for i in range(len(usable)) if np.isfinite(rates[i, c0])]
    table = (plan(req.iloc[[i * len(rep) + c0 for i in fits]], a.sample(int(rep[c0])))
             if fits else pd.DataFrame())
    return usable, rates, table


def _place(w, keys: list, free: np.ndarray, days, a: Assumptions, rep, c0: int,
           start) -> dict:
    """Fill model ``w``'s demand into its pools in order, for every class of serving values
    at once; ``free`` (pools, classes, days) shrinks."""
    pools = ([i for name in w.use for i, k in enumerate(keys) if k[1] == name]
             if w.use else list(range(len(keys))))
    pools = [i for i in pools if w.system is None or keys[i][2] == w.system]
    usable, rates, table = _rates(w, sorted({keys[i][2] for i in pools}), a, rep, c0)
    demand = _demand(w, days, start)
    left = np.broadcast_to(demand, (len(rep), len(days))).copy()
    held = {}
    peak = np.broadcast_to(np.asarray(a["serving.peak_to_mean"], dtype=float), (a.size,))[rep]
    if w.share_trough:  # a sinusoidal day above its mean by (peak - 1): 1 + (peak - 1) / pi
        peak = 1.0 + (peak - 1.0) / np.pi
    for i in pools:
        if keys[i][2] not in usable:
            continue
        per_acc = rates[usable.index(keys[i][2])] * 86_400  # tokens a day per accelerator
        ok = np.isfinite(per_acc)
        per_acc = np.where(ok, per_acc, 1.0)[:, None]
        can = np.where(ok[:, None], free[i] * per_acc / peak[:, None], 0.0)
        take = np.minimum(left, can)
        acc = take * peak[:, None] / per_acc
        if acc.any():
            held[keys[i]] = acc
            free[i] = free[i] - acc
            left = left - take
    note = "" if len(table) else (
        f"no pool's system can serve {w.name} ({w.precision}): it fits no layout")
    return {"name": w.name, "demand": demand, "served": demand - left, "held": held,
            "rates": table.reset_index(drop=True), "note": note}


def build(scenario, fleet: FleetResult, a: Assumptions) -> ServingResult:
    """The serving stage of ``scenario`` (see the module docstring), for every distinct set of
    serving parameters among the samples of ``a`` at once."""
    days = plan_days(scenario)
    if not scenario.serving:
        return ServingResult(days=days, reserved={}, models=[])
    a = a.as_samples()
    cap = pool_capacity(fleet.blocks, days)
    cls, rep = a.representatives(("serving",))
    free = np.repeat(np.ascontiguousarray(cap.accelerators.T)[:, None, :], len(rep), axis=1)
    c0 = int(cls[0])  # the tables show sample 0
    placed = [_place(w, cap.keys, free, days, a, rep, c0, w.start or scenario.horizon.start)
              for w in scenario.serving]
    reserved: dict = {}
    for m in placed:
        for k, acc in m["held"].items():
            reserved[k] = reserved.get(k, 0.0) + acc
    reserved = {k: v[cls] for k, v in reserved.items()}  # (samples, days)
    models = [{**m, "served_samples": m["served"][cls], "served": m["served"][c0],
               "held": {k: v[c0] for k, v in m["held"].items()}} for m in placed]
    return ServingResult(days=days, reserved=reserved, models=models)
