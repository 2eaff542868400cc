"""Stochastic event simulation of one training job, and both solvers side by side.

:func:`simulate` plays out failures, downtime, lost work and checkpoints for many replications
of one :class:`~gigaplan.reliability.model.Job`, vectorised over replications and over the
successive failures of each (no per-event Python): a block of times between failures is drawn
at once and cumulative sums find the failure-free stretch in which each run ends. Replications
come in fixed chunks, each seeded from one :class:`numpy.random.SeedSequence`, so a seed gives
the same numbers on any number of threads. :func:`report` runs both solvers on one job (the
``gigaplan reliability`` command).

References
----------
Daly, J. T. (2006) A higher order estimate of the optimum checkpoint interval for restart
dumps. Future Generation Computer Systems 22(3), 303-312.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..assumptions import Assumptions
from ..constants import SECONDS_PER_DAY, SECONDS_PER_HOUR
from ..errors import GigaplanError
from .model import (Job, _a, _segments, analytic, component_rates, daly_interval_s,
                    expected_wall_s, job, optimal_interval_s, rate_source, young_interval_s)

__all__ = ["CHUNK", "EVENT_BUDGET", "Simulation", "events_per_replication", "report",
           "simulate"]

#: Replications per independently seeded chunk of the simulation (fixed: results do not depend
#: on the number of threads).
CHUNK = 250


@dataclass(frozen=True)
class Simulation:
    """Per-replication results of :func:`simulate` (arrays of length ``replications``)."""

    wall_s: np.ndarray          #: completion time (the cap for runs that did not finish)
    interruptions: np.ndarray   #: unexpected failures, including failures during recovery
    planned: np.ndarray         #: planned interruptions
    goodput: np.ndarray         #: durable work / wall time
    finished: np.ndarray        #: False where the run hit max_wall_factor x its work

    @property
    def events(self) -> int:
        """Failure events simulated (unexpected + planned)."""
        return int(self.interruptions.sum() + self.planned.sum())

    def summary(self) -> dict[str, float]:
        g = self.goodput
        days = self.wall_s / SECONDS_PER_DAY
        r = len(g)
        return {
            "replications": r,
            "goodput_mean": float(g.mean()),
            "goodput_se": float(g.std(ddof=1) / math.sqrt(r)) if r > 1 else float("nan"),
            "goodput_p10": float(np.percentile(g, 10)),
            "goodput_p50": float(np.percentile(g, 50)),
            "goodput_p90": float(np.percentile(g, 90)),
            "interruptions_mean": float(self.interruptions.mean()),
            "interruptions_p10": float(np.percentile(self.interruptions, 10)),
            "interruptions_p90": float(np.percentile(self.interruptions, 90)),
            "planned_mean": float(self.planned.mean()),
            "completion_days_mean": float(days.mean()),
            "completion_days_p10": float(np.percentile(days, 10)),
            "completion_days_p50": float(np.percentile(days, 50)),
            "completion_days_p90": float(np.percentile(days, 90)),
            "finished_share": float(self.finished.mean()),
        }


def _draw(rng: np.random.Generator, shape, mtbf_s: float, k: float) -> np.ndarray:
    if k == 1.0:
        return rng.exponential(mtbf_s, size=shape)
    return (mtbf_s / math.gamma(1.0 + 1.0 / k)) * rng.weibull(k, size=shape)


def _chunk(seed: np.random.SeedSequence, reps: int, work: float, tau: float, delta: float,
           lag: float, down: float, mtbf: float, k: float, horizon: float, rounds: int,
           planned_rate: float, planned_s: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    a = tau + delta
    s_total, last = _segments(work, tau)
    wall = np.full(reps, horizon)
    done_work = np.zeros(reps)
    fails = np.zeros(reps)
    finished = np.zeros(reps, dtype=bool)
    rows = np.arange(reps)               # replications still running
    progress = np.zeros(reps)            # durable segments of the running ones
    elapsed = np.zeros(reps)             # wall time at the start of the next stretch
    count = np.zeros(reps)               # failures so far
    first = True
    block = max(8, min(rounds, 4_000_000 // max(reps, 1)))
    while len(rows):
        x = _draw(rng, (len(rows), block), mtbf, k)   # time from one failure to the next
        off = np.full(block, down)
        if first:
            off[0] = 0.0                               # the job starts without a recovery
        segs = np.maximum(np.floor((x - off - lag) / a), 0.0)   # durable checkpoints made
        before = progress[:, None] + np.cumsum(segs, axis=1) - segs
        need = off + (s_total - 1.0 - before) * a + last        # time to finish from here
        fin = x >= need
        t0 = elapsed[:, None] + np.cumsum(x, axis=1) - x
        over = t0 + np.minimum(x, need) > horizon
        stop = fin | over
        hit = stop.any(axis=1)
        j = np.argmax(stop, axis=1)
        sel = np.flatnonzero(hit)
        jj = j[sel]
        ok = fin[sel, jj] & ~over[sel, jj]
        r = rows[sel]
        wall[r] = np.where(ok, t0[sel, jj] + need[sel, jj], horizon)
        done_work[r] = np.where(ok, work, np.minimum(before[sel, jj] * tau, work))
        fails[r] = count[sel] + jj
        finished[r] = ok
        keep = ~hit
        rows = rows[keep]
        progress = before[keep, -1] + segs[keep, -1]
        elapsed = t0[keep, -1] + x[keep, -1]
        count = count[keep] + block
        first = False
    planned = np.zeros(reps)
    if planned_rate > 0:
        keep_share = max(1.0 - planned_rate * planned_s, 1e-9)
        lam = np.where(finished, planned_rate * wall / keep_share, 0.0)
        planned = rng.poisson(lam).astype(float)
        wall = np.where(finished, wall + planned * planned_s, wall)
    return wall, fails, planned, done_work / wall, finished


def simulate(j: Job, work_s: float, interval_s: float | None = None, *,
             replications: int = 1000, seed: int = 0, threads: int | None = None,
             max_wall_factor: float | None = None, a: Assumptions | None = None) -> Simulation:
    """Stochastic event simulation of one job (scalar :class:`Job`) over ``replications``.

    Each replication runs ``work_s`` of failure-free compute in segments of ``interval_s``
    (default: :func:`optimal_interval_s`), each followed by a blocking checkpoint; failures
    arrive as a renewal process of mean ``mtbf_s`` (exponential, or Weibull of the job's
    shape), also during downtime, and roll the job back to its last durable checkpoint.
    Planned interruptions are a Poisson count over the finished run, each costing
    ``planned_s`` and no work. A run still unfinished after ``max_wall_factor`` x its work is
    stopped there (``finished`` False, goodput = durable work / that time).

    Replications are split into fixed chunks of :data:`CHUNK`, each seeded from
    ``SeedSequence(seed)``, and run on ``threads`` threads (default: the CPUs available):
    the same seed gives the same arrays whatever the thread count.
    """
    if replications < 1:
        raise GigaplanError(f"replications = {replications}: expected >= 1")
    if work_s <= 0:
        raise GigaplanError(f"work = {work_s} s: expected > 0")
    scalar = {name: float(np.asarray(getattr(j, name)).reshape(-1)[0]) for name in (
        "mtbf_s", "checkpoint_s", "lag_s", "downtime_s", "planned_rate_per_s", "planned_s")}
    if np.size(j.accelerators) != 1 or np.size(j.weibull_shape) != 1:
        raise GigaplanError("simulate takes one job: give a single accelerator count")
    shape = float(np.asarray(j.weibull_shape).reshape(-1)[0])
    tau = (float(optimal_interval_s(scalar["checkpoint_s"], scalar["mtbf_s"]))
           if interval_s is None else float(interval_s))
    if not tau > 0:
        raise GigaplanError(f"checkpoint interval = {tau} s: expected > 0")
    factor = (_a(a)["reliability.max_wall_factor"] if max_wall_factor is None
              else max_wall_factor)
    horizon = factor * work_s
    down = scalar["downtime_s"]
    expect = float(expected_wall_s(work_s, tau, scalar["checkpoint_s"], down + scalar["lag_s"],
                                   scalar["mtbf_s"]))
    mean_rounds = min(expect, horizon) / scalar["mtbf_s"]
    rounds = int(mean_rounds + 6.0 * math.sqrt(mean_rounds + 1.0) + 8)
    sizes = [min(CHUNK, replications - i) for i in range(0, replications, CHUNK)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    args = (work_s, tau, scalar["checkpoint_s"], scalar["lag_s"], down, scalar["mtbf_s"],
            shape, horizon, rounds, scalar["planned_rate_per_s"], scalar["planned_s"])
    workers = threads or min(len(sizes), os.cpu_count() or 1)
    if workers > 1 and len(sizes) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(lambda sr: _chunk(sr[0], sr[1], *args), zip(seeds, sizes)))
    else:
        parts = [_chunk(s, r, *args) for s, r in zip(seeds, sizes, strict=True)]
    return Simulation(*(np.concatenate([p[i] for p in parts]) for i in range(5)))


#: Failure events :func:`report` simulates at most (about a second of work): beyond it a job
#: that fails every few seconds is simulated with fewer replications.
EVENT_BUDGET = 5e7


def events_per_replication(j: Job, work_s: float, interval_s: float,
                           a: Assumptions | None = None) -> float:
    """Expected failures one replication of :func:`simulate` plays out: its expected wall time
    (capped at ``reliability.max_wall_factor`` x the work) over the MTBF."""
    mtbf = float(np.asarray(j.mtbf_s).reshape(-1)[0])
    if not np.isfinite(mtbf):
        return 0.0
    wall = float(np.asarray(expected_wall_s(work_s, interval_s, j.checkpoint_s,
                                            j.downtime_s + j.lag_s, j.mtbf_s)).reshape(-1)[0])
    cap = float(_a(a)["reliability.max_wall_factor"]) * work_s
    return min(wall if np.isfinite(wall) else cap, cap) / mtbf


def report(accelerators: float, work_days: float, system: str, *, checkpoint_bytes: float,
           interval_s: float | None = None, async_checkpoint: bool = False,
           spares: str = "hot", weibull_shape: float | None = None, replications: int = 1000,
           seed: int = 0, threads: int | None = None, recovery: str | None = None,
           a: Assumptions | None = None) -> dict:
    """Both solvers on one job: the figures of ``gigaplan reliability`` (JSON-ready dict).

    ``work_days`` of failure-free compute on ``accelerators`` of ``system``; the checkpoint
    interval is ``interval_s`` or the optimum; ``recovery`` one of
    :data:`~gigaplan.reliability.model.RECOVERY` (default: ``async`` with ``async_checkpoint``,
    else ``storage``). Keys include ``mtbf_hours`` (job-level,
    unexpected), ``interruptions_mean``, ``goodput_mean``/``_p10``/``_p90`` (simulation),
    ``optimal_checkpoint_minutes``, ``analytic_goodput`` and ``analytic_reliable``. A job that
    fails so often that ``replications`` runs would simulate more than :data:`EVENT_BUDGET`
    failures gets fewer (``replications`` says how many; ``replications_asked`` the request).
    """
    a = _a(a)
    j = job(accelerators, system, checkpoint_bytes, async_checkpoint=async_checkpoint,
            spares=spares, weibull_shape=weibull_shape, recovery=recovery, a=a)
    work_s = work_days * SECONDS_PER_DAY
    opt = float(optimal_interval_s(j.checkpoint_s, j.mtbf_s))
    tau = opt if interval_s is None else float(interval_s)
    an = analytic(j, work_s, tau)
    per_rep = events_per_replication(j, work_s, tau, a)
    reps = max(1, min(replications, int(EVENT_BUDGET // max(per_rep, 1.0))))
    sim = simulate(j, work_s, tau, replications=reps, seed=seed, threads=threads, a=a)
    summary = sim.summary()
    rates = component_rates(system, a)
    return {
        "system": system, "accelerators": float(accelerators), "work_days": float(work_days),
        "checkpoint_tb": float(checkpoint_bytes) / 1e12,
        "async_checkpoint": j.async_checkpoint, "recovery": j.recovery, "spares": spares,
        "weibull_shape": float(j.weibull_shape),
        "mtbf_hours": float(j.mtbf_s) / SECONDS_PER_HOUR,
        "failures_per_day": SECONDS_PER_DAY / float(j.mtbf_s),
        "planned_per_day": float(j.planned_rate_per_s) * SECONDS_PER_DAY,
        "checkpoint_write_s": float(j.checkpoint_s),
        "downtime_minutes": float(j.downtime_s) / 60.0,
        "checkpoint_minutes": tau / 60.0,
        "optimal_checkpoint_minutes": opt / 60.0,
        "young_checkpoint_minutes": float(young_interval_s(j.checkpoint_s, j.mtbf_s)) / 60.0,
        "daly_checkpoint_minutes": float(daly_interval_s(j.checkpoint_s, j.mtbf_s)) / 60.0,
        "analytic_goodput": float(an["goodput"]),
        "analytic_interruptions": float(an["interruptions"]),
        "analytic_completion_days": float(an["wall_s"]) / SECONDS_PER_DAY,
        "first_order_goodput": float(an["first_order_goodput"]),
        "analytic_reliable": bool(an["reliable"]),
        "first_order_reliable": bool(an["first_order_reliable"]),
        "ratio_to_mtbf": float(an["ratio_to_mtbf"]),
        **summary,
        "events": sim.events,
        # expected split of the mean count: each class's share of the rate
        "interruptions_by_component": {
            c: r / sum(rates.values()) * summary["interruptions_mean"] for c, r in rates.items()},
        "replications_asked": replications, "events_per_replication": per_rep,
        "seed": seed, "max_wall_factor": float(a["reliability.max_wall_factor"]),
        "rate_source": rate_source(system),
    }
