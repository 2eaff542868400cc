"""Failures, checkpoints and restarts of a training job, and the goodput they leave.

A job on ``n`` accelerators stops whenever any of its parts fails. Each component class
(accelerator die, HBM, host, NIC, network switch and cables, software) has an annual
interruption rate per accelerator (``data/failure_rates.csv``, calibrated on the root causes of
the 466 interruptions of Llama 3 405B pre-training); the job's rate is their sum times ``n``
(primer: Λ = Σ nᵢλᵢ, M = 1/Λ). Planned maintenance interrupts too, but drains at a checkpoint and
loses no work.

Recovery (``data/reliability.csv``): a checkpoint of ``B`` bytes (weights and optimizer state,
from the training planner's memory model) is written at ``n x`` the per-accelerator storage
bandwidth and blocks training for that long (``δ``), or, with asynchronous checkpointing, only
for the copy to host memory while the write overlaps training (a failure before the write ends
loses that checkpoint). After a failure the job is down for detection + restart + reload
(``R``), plus a wait for a replacement server without hot spares, or the equivalent work of
running short of one scale-up domain meanwhile when it shrinks and continues. Work since the
last durable checkpoint is lost.

Two solvers:

* **analytic** (:func:`expected_wall_s`, :func:`steady_goodput`): for exponential failures the
  expected time of a segment of length ``L`` that must finish without failing, with a downtime
  ``R`` that can itself be interrupted, is ``M·e^{R/M}·(e^{L/M} − 1)`` — Daly 2006, FGCS 22(3),
  eq. for T_w, exact under its assumptions. Optimal intervals: Young 1974 (CACM 17(9))
  ``√(2δM)``, Daly 2006's higher-order estimate, and the exact minimiser
  ``M·(1 + W₀(−e^{−1−δ/M}))`` (Lambert W; Bougeret et al. 2011, SC'11, sec. 3).
* **simulation** (:func:`simulate`): every replication draws the job's times between
  failures (exponential, or Weibull of shape ``k`` as a renewal process) and plays out
  downtime, lost work and checkpoints, vectorised over replications and over the successive
  failures of a replication (cumulative sums decide in which failure-free stretch the job
  ends). Replications come in fixed chunks, each with its own seed from one
  :class:`numpy.random.SeedSequence`, so a seed gives the same numbers on any number of threads.

The analytic value is flagged unreliable where interval + checkpoint + downtime is comparable
to the MTBF (:data:`VALID_RATIO`) or the failures are not exponential; Young's first-order
goodput, sooner (:data:`FIRST_ORDER_RATIO`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from . import catalog
from . import parameters as _parameters
from .datafiles import read_table
from .errors import GigaplanError
from .parameters import Parameter

__all__ = [
    "COMPONENTS", "FIRST_ORDER_RATIO", "FLEET_COLUMNS", "HARDWARE", "SPARES", "VALID_RATIO", "Job",
    "Simulation", "analytic", "fleet_view",
    "component_rates", "daly_interval_s", "expected_wall_s", "failure_rate_table",
    "first_order_goodput", "long_run_goodput", "rate_source", "job", "job_rates_per_hour",
    "repair_unit",
    "optimal_interval_s", "parameter_table", "parameters", "params", "report", "simulate",
    "spares_for_availability", "steady_goodput", "unit_availability", "young_interval_s",
]

HOURS_PER_YEAR = 8766.0  # 365.25 days: the failure rates are per accelerator-year of 365.25 days
SECONDS_PER_HOUR = 3600.0

#: Component classes of unexpected interruptions, in data/failure_rates.csv order.
COMPONENTS = ("accelerator", "hbm", "host", "nic", "switch", "software")
#: Components whose failure takes a server / scale-up domain out until it is repaired.
HARDWARE = ("accelerator", "hbm", "host", "nic", "switch")
#: What happens to the job's capacity after a hardware failure.
SPARES = ("hot", "none", "shrink")
#: The analytic value is flagged unreliable once (interval + checkpoint + downtime) / MTBF
#: reaches this: a stretch between failures is then barely longer than what a failure costs,
#: completion times become heavy-tailed and the mean goodput of runs leaves work / mean wall.
VALID_RATIO = 1.0
#: Young's first-order waste model is flagged once the same ratio reaches this.
FIRST_ORDER_RATIO = 0.3
#: Replications per independently seeded chunk of the simulation (fixed: results do not depend
#: on the number of threads).
CHUNK = 250


# ---------------------------------------------------------------------------------- tables

def parameters() -> dict[str, Parameter]:
    """The recovery-model parameters (``data/reliability.csv``) with their sources."""
    return _parameters.load("reliability.csv")


def parameter_table() -> pd.DataFrame:
    """The recovery-model parameters as a table indexed by name."""
    return _parameters.table("reliability.csv")


def params(**overrides: float) -> dict[str, float]:
    """Default recovery parameters with ``overrides`` checked and applied."""
    return _parameters.override("reliability.csv", "reliability parameter", overrides)


def failure_rate_table() -> pd.DataFrame:
    """Interruptions per accelerator-year by system and component, with sources.

    ``system`` ``*`` rows apply to every catalog system without rows of its own.
    """
    return read_table("failure_rates.csv")


@cache
def _rates(system: str) -> tuple[dict[str, float], float, str]:
    catalog.accelerator(system)  # unknown systems fail here, naming the closest
    t = read_table("failure_rates.csv")
    rows = t[t["system"] == system]
    if rows.empty:
        rows = t[t["system"] == "*"]
    unexpected = rows[rows["kind"] == "unexpected"]
    comp = {c: float(unexpected.loc[unexpected["component"] == c, "per_accelerator_year"].sum())
            for c in COMPONENTS}
    planned = float(rows.loc[rows["kind"] == "planned", "per_accelerator_year"].sum())
    return comp, planned, str(rows["source"].iloc[0])


def component_rates(system: str) -> dict[str, float]:
    """Unexpected interruptions per accelerator-year of ``system``, by component."""
    return dict(_rates(system)[0])


def rate_source(system: str) -> str:
    """Where ``system``'s failure rates come from."""
    return _rates(system)[2]


def job_rates_per_hour(accelerators, system: str) -> tuple[np.ndarray, np.ndarray]:
    """(unexpected, planned) interruptions per hour of a job on ``accelerators`` of ``system``.

    Λ = n · Σ λᵢ (primer, after Young 1974): the job stops when any part does.
    """
    comp, planned, _ = _rates(system)
    n = np.asarray(accelerators, dtype=float)
    return n * sum(comp.values()) / HOURS_PER_YEAR, n * planned / HOURS_PER_YEAR


# ------------------------------------------------------------------------ job and recovery

@dataclass(frozen=True)
class Job:
    """One job's failure and recovery figures, all in seconds (numbers or arrays).

    ``mtbf_s``: mean time between unexpected interruptions; ``checkpoint_s``: time training is
    blocked per checkpoint (δ); ``lag_s``: an asynchronous write's time to become durable
    after training resumes (0 when synchronous); ``downtime_s``: detection + capacity +
    restart + reload after an unexpected failure (R); ``planned_rate_per_s`` and
    ``planned_s``: planned interruptions and the cost of each (checkpoint, restart, reload).
    """

    accelerators: np.ndarray
    system: str
    checkpoint_bytes: np.ndarray
    mtbf_s: np.ndarray
    checkpoint_s: np.ndarray
    lag_s: np.ndarray
    write_s: np.ndarray
    reload_s: np.ndarray
    downtime_s: np.ndarray
    planned_rate_per_s: np.ndarray
    planned_s: np.ndarray
    weibull_shape: float
    async_checkpoint: bool
    spares: str


def job(accelerators, system: str, checkpoint_bytes, *, async_checkpoint: bool = False,
        spares: str = "hot", weibull_shape: float | None = None,
        p: Mapping | None = None) -> Job:
    """Failure and recovery figures of a job (vectorised over ``accelerators`` and bytes).

    ``checkpoint_bytes``: one copy of the weights and optimizer state (the training planner's
    :func:`gigaplan.training.checkpoint_bytes`). ``spares``: ``hot`` (a spare server takes
    over at restart), ``none`` (the job waits ``replace_s`` for a replacement) or ``shrink``
    (the job restarts without the failed :func:`repair_unit` and runs that much slower for
    ``replace_s``: its cost is counted as ``replace_s x domain / n`` of downtime).
    """
    p = params() if p is None else p
    if spares not in SPARES:
        raise GigaplanError(f"spares = {spares!r}: expected one of {', '.join(SPARES)}")
    n = np.asarray(accelerators, dtype=float)
    b = np.asarray(checkpoint_bytes, dtype=float)
    if np.any(n < 1) or np.any(b < 0):
        raise GigaplanError("accelerators must be >= 1 and checkpoint bytes >= 0")
    shape = float(p["weibull_shape"] if weibull_shape is None else weibull_shape)
    if not 0.2 <= shape <= 5.0:
        raise GigaplanError(f"weibull_shape = {shape}: expected a shape in [0.2, 5]")
    unexpected, planned = job_rates_per_hour(n, system)
    write_s = b / (n * p["storage_write_gb_per_s"] * 1e9)
    reload_s = b / (n * p["storage_read_gb_per_s"] * 1e9)
    if async_checkpoint:
        checkpoint_s = b / (n * p["snapshot_gb_per_s"] * 1e9)
        lag_s = write_s
    else:
        checkpoint_s, lag_s = write_s, np.zeros_like(write_s)
    hardware = sum(component_rates(system)[c] for c in HARDWARE) / sum(
        component_rates(system).values())
    domain = repair_unit(system)
    capacity_s = {"hot": 0.0, "none": hardware * p["replace_s"],
                  "shrink": hardware * p["replace_s"] * np.minimum(domain / n, 1.0)}[spares]
    downtime_s = p["detect_s"] + capacity_s + p["restart_s"] + reload_s
    return Job(
        accelerators=n, system=system, checkpoint_bytes=b,
        mtbf_s=SECONDS_PER_HOUR / unexpected, checkpoint_s=checkpoint_s, lag_s=lag_s,
        write_s=write_s, reload_s=reload_s, downtime_s=np.asarray(downtime_s, dtype=float),
        planned_rate_per_s=planned / SECONDS_PER_HOUR,
        planned_s=write_s + p["restart_s"] + reload_s, weibull_shape=shape,
        async_checkpoint=async_checkpoint, spares=spares)


# ------------------------------------------------------------------------------ analytic

def young_interval_s(checkpoint_s, mtbf_s):
    """First-order optimal compute time between checkpoints √(2δM) [s] (Young 1974)."""
    return np.sqrt(2.0 * np.asarray(checkpoint_s, dtype=float) * mtbf_s)


def daly_interval_s(checkpoint_s, mtbf_s):
    """Daly's higher-order optimum [s] (Daly 2006, FGCS 22(3), eq. 37).

    τ = √(2δM)·[1 + ⅓√(δ/2M) + (δ/2M)/9] − δ for δ < 2M, else M.
    """
    d = np.asarray(checkpoint_s, dtype=float)
    m = np.asarray(mtbf_s, dtype=float)
    r = d / (2.0 * m)
    tau = np.sqrt(2.0 * d * m) * (1.0 + np.sqrt(r) / 3.0 + r / 9.0) - d
    return np.where(d < 2.0 * m, tau, m)


def optimal_interval_s(checkpoint_s, mtbf_s):
    """Exact minimiser of the expected wall time for exponential failures [s].

    Minimising (e^{(τ+δ)/M} − 1)/τ gives τ = M·(1 + W₀(−e^{−1−δ/M})) (Bougeret et al. 2011,
    'Checkpointing strategies for parallel jobs', SC'11, sec. 3); near δ/M → 0 the branch-point
    series of W₀ is used, whose first term is Young's √(2δM).
    """
    from scipy.special import lambertw

    d = np.asarray(checkpoint_s, dtype=float) / np.asarray(mtbf_s, dtype=float)
    small = d < 1e-4
    with np.errstate(over="ignore"):
        w = np.real(lambertw(-np.exp(-1.0 - np.where(small, 1.0, d))))
    q = np.sqrt(2.0 * -np.expm1(-np.where(small, d, 0.0)))  # √(2(1 + e·z)) at z = −e^{−1−d}
    series = -1.0 + q - q**2 / 3.0 + 11.0 / 72.0 * q**3 - 43.0 / 540.0 * q**4
    x = 1.0 + np.where(small, series, w)
    return x * np.asarray(mtbf_s, dtype=float)


def _segment_s(length_s, downtime_s, mtbf_s):
    """Expected wall time of a stretch that must run ``length_s`` without failing (Daly 2006)."""
    with np.errstate(over="ignore"):
        return mtbf_s * np.exp(downtime_s / mtbf_s) * np.expm1(length_s / mtbf_s)


def steady_goodput(interval_s, checkpoint_s, downtime_s, mtbf_s):
    """Long-run share of wall-clock time spent on new work, unexpected failures only.

    τ / (M·e^{R/M}·(e^{(τ+δ)/M} − 1)) — the ratio T_s/T_w of Daly 2006.
    """
    g = np.asarray(interval_s, dtype=float) / _segment_s(
        np.asarray(interval_s) + checkpoint_s, downtime_s, mtbf_s)
    return np.clip(np.nan_to_num(g, nan=0.0), 0.0, 1.0)


def first_order_goodput(interval_s, checkpoint_s, downtime_s, mtbf_s):
    """Young 1974's first-order goodput 1 − δ/τ − (τ + δ)/(2M) − R/M (unexpected failures).

    Valid while τ, δ and R are small against M (:data:`FIRST_ORDER_RATIO`).
    """
    tau = np.asarray(interval_s, dtype=float)
    g = 1.0 - checkpoint_s / tau - (tau + checkpoint_s) / (2.0 * mtbf_s) - downtime_s / mtbf_s
    return np.clip(g, 0.0, 1.0)


def _planned_factor(j: Job):
    """Share of wall time left by planned interruptions: 1 − rate x cost (floored at 0)."""
    return np.clip(1.0 - j.planned_rate_per_s * j.planned_s, 0.0, 1.0)


def _segments(work_s, interval_s):
    s = np.maximum(np.ceil(np.asarray(work_s, dtype=float) / interval_s - 1e-9), 1.0)
    return s, work_s - (s - 1.0) * interval_s


def expected_wall_s(work_s, interval_s, checkpoint_s, downtime_s, mtbf_s):
    """Expected wall time [s] of ``work_s`` of failure-free compute, unexpected failures only.

    The work runs in ⌈W/τ⌉ segments, each but the last followed by a checkpoint; each must
    finish without failing (Daly 2006's T_w for a whole number of segments; exact for
    exponential failures with downtime that can itself fail).
    """
    s, last = _segments(work_s, interval_s)
    return ((s - 1.0) * _segment_s(np.asarray(interval_s) + checkpoint_s, downtime_s, mtbf_s)
            + _segment_s(last, downtime_s, mtbf_s))


def _interval(j: Job, interval_s) -> np.ndarray:
    """``interval_s``, or the job's :func:`optimal_interval_s`."""
    if interval_s is None:
        return optimal_interval_s(j.checkpoint_s, j.mtbf_s)
    return np.asarray(interval_s, dtype=float)


def long_run_goodput(j: Job, interval_s=None) -> tuple[np.ndarray, np.ndarray]:
    """(goodput, interval [s]) of a long run of ``j``: :func:`steady_goodput` with the async
    lag as downtime, times the share planned interruptions leave; the interval defaults to
    :func:`optimal_interval_s`."""
    tau = _interval(j, interval_s)
    g = steady_goodput(tau, j.checkpoint_s, j.downtime_s + j.lag_s, j.mtbf_s)
    return g * _planned_factor(j), tau


def analytic(j: Job, work_s, interval_s=None) -> dict[str, np.ndarray]:
    """Expected wall time, interruptions and goodput of ``work_s`` seconds of compute.

    ``interval_s`` defaults to :func:`optimal_interval_s`. An asynchronous checkpoint's
    durability lag is counted as extra downtime (exact but for the last stretch). Planned
    interruptions stretch the wall time by 1 / (1 − rate x cost). ``reliable`` is False where
    interval + checkpoint + downtime is comparable to the MTBF (:data:`VALID_RATIO`) or
    failures are not exponential; ``first_order_reliable`` likewise for Young's first-order
    goodput (:data:`FIRST_ORDER_RATIO`).
    """
    tau = _interval(j, interval_s)
    down = j.downtime_s + j.lag_s
    wall_u = expected_wall_s(work_s, tau, j.checkpoint_s, down, j.mtbf_s)
    keep = _planned_factor(j)
    with np.errstate(divide="ignore"):
        wall = np.where(keep > 0, wall_u / keep, np.inf)
    ratio = (tau + j.checkpoint_s + down) / j.mtbf_s
    return {
        "interval_s": tau, "wall_s": wall,
        "interruptions": wall_u / j.mtbf_s,
        "planned": wall * j.planned_rate_per_s,
        "goodput": np.where(np.isfinite(wall), work_s / wall, 0.0),
        "steady_goodput": long_run_goodput(j, tau)[0],
        "first_order_goodput": first_order_goodput(tau, j.checkpoint_s, down, j.mtbf_s) * keep,
        "ratio_to_mtbf": ratio,
        "reliable": (ratio < VALID_RATIO) & (j.weibull_shape == 1.0),
        "first_order_reliable": (ratio < FIRST_ORDER_RATIO) & (j.weibull_shape == 1.0),
    }


# ---------------------------------------------------------------------------- simulation

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
        days = self.wall_s / 86400.0
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
             max_wall_factor: float | None = None) -> Simulation:
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
    if np.size(j.accelerators) != 1:
        raise GigaplanError("simulate takes one job: give a single accelerator count")
    tau = (float(optimal_interval_s(scalar["checkpoint_s"], scalar["mtbf_s"]))
           if interval_s is None else float(interval_s))
    if not tau > 0:
        raise GigaplanError(f"checkpoint interval = {tau} s: expected > 0")
    factor = params()["max_wall_factor"] if max_wall_factor is None else max_wall_factor
    horizon = factor * work_s
    down = scalar["downtime_s"]
    expect = float(expected_wall_s(work_s, tau, scalar["checkpoint_s"], down + scalar["lag_s"],
                                   scalar["mtbf_s"]))
    mean_rounds = min(expect, horizon) / scalar["mtbf_s"]
    rounds = int(mean_rounds + 6.0 * math.sqrt(mean_rounds + 1.0) + 8)
    sizes = [min(CHUNK, replications - i) for i in range(0, replications, CHUNK)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    args = (work_s, tau, scalar["checkpoint_s"], scalar["lag_s"], down, scalar["mtbf_s"],
            j.weibull_shape, horizon, rounds, scalar["planned_rate_per_s"], scalar["planned_s"])
    workers = threads or min(len(sizes), os.cpu_count() or 1)
    if workers > 1 and len(sizes) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(lambda sr: _chunk(sr[0], sr[1], *args), zip(seeds, sizes)))
    else:
        parts = [_chunk(s, r, *args) for s, r in zip(seeds, sizes, strict=True)]
    return Simulation(*(np.concatenate([p[i] for p in parts]) for i in range(5)))


# ----------------------------------------------------------------------------- fleet view

def repair_unit(system: str) -> int:
    """Accelerators taken out together by a hardware failure: the smaller of the system's
    scale-up domain and its rack (an 8-GPU server, an NVL72 rack, a 64-chip TPU cube)."""
    acc = catalog.accelerator(system)
    return int(min(acc.scale_up_domain, acc.accelerators_per_rack))


def unit_availability(system: str, accelerators_per_unit, repair_hours=None,
                      p: Mapping | None = None):
    """Steady-state share of time a unit (server, rack, cube) is healthy.

    A = 1 / (1 + λ·MTTR) with λ the unit's hardware failure rate (software failures take no
    unit out) and MTTR ``repair_hours`` (an alternating renewal process; Barlow & Proschan
    1975, 'Statistical Theory of Reliability and Life Testing').
    """
    p = params() if p is None else p
    mttr = p["repair_hours"] if repair_hours is None else repair_hours
    comp = component_rates(system)
    lam = np.asarray(accelerators_per_unit, dtype=float) * sum(comp[c] for c in HARDWARE) \
        / HOURS_PER_YEAR
    return 1.0 / (1.0 + lam * mttr)


def spares_for_availability(units, availability, target=None, p: Mapping | None = None):
    """Fewest spare units so that at least ``units`` are healthy with probability ``target``.

    Units fail independently, each healthy with probability ``availability``: the smallest
    s with P[Binomial(units + s, availability) >= units] >= target (the binomial model of
    Google's TPU superpod framework: 130 of 144 cubes healthy with 95% confidence).
    Vectorised over ``units`` and ``availability``.
    """
    from scipy.stats import binom

    p = params() if p is None else p
    target = p["availability_target"] if target is None else target
    u = np.atleast_1d(np.asarray(units, dtype=float))
    a = np.broadcast_to(np.asarray(availability, dtype=float), u.shape)
    if np.any(u < 1) or np.any((a <= 0) | (a > 1)) or not 0 < target < 1:
        raise GigaplanError("units must be >= 1, availability in (0, 1] and target in (0, 1)")
    hi = np.ceil(u * (1 - a) / a + 8.0 * np.sqrt(u * (1 - a) / a**2 + 1.0) + 8.0)
    s_max = int(hi.max())
    s = np.arange(s_max + 1)[None, :]
    ok = binom.sf(u[:, None] - 1.0, u[:, None] + s, a[:, None]) >= target
    out = np.where(ok.any(axis=1), np.argmax(ok, axis=1), s_max).astype(float)
    return out.reshape(np.shape(units)) if np.ndim(units) else float(out[0])


#: Columns of :func:`fleet_view`.
FLEET_COLUMNS = ("kind", "owner", "system", "accelerators", "failures_per_day",
                 "planned_per_day", "job_mtbf_hours", "unit_accelerators", "units",
                 "unit_availability", "spare_units", "spare_share")


def fleet_view(blocks: pd.DataFrame, p: Mapping | None = None) -> pd.DataFrame:
    """Failures per day and spares of each site and contract at full build-out.

    ``blocks``: :func:`gigaplan.fleet.blocks` (one row per site phase or contract). Per owner and
    system: unexpected and planned interruptions per day of all its accelerators, the MTBF of
    one job spanning them, and the spare units (:func:`repair_unit`: a server, an NVL72 rack,
    a TPU cube) that keep all its units' worth healthy with probability
    ``availability_target`` (:func:`spares_for_availability`, :func:`unit_availability`).
    """
    p = params() if p is None else p
    if blocks.empty:
        return pd.DataFrame(columns=list(FLEET_COLUMNS))
    grouped = blocks.groupby(["kind", "owner", "system"], sort=False)["accelerators"].sum()
    rows = []
    for (kind, owner, system), n in grouped.items():
        unexpected, planned = job_rates_per_hour(n, system)
        unit = float(repair_unit(system))
        units = max(math.ceil(n / unit), 1)
        avail = float(unit_availability(system, unit, p=p))
        spare = spares_for_availability(units, avail, p=p)
        rows.append({
            "kind": kind, "owner": owner, "system": system, "accelerators": float(n),
            "failures_per_day": float(unexpected) * 24.0,
            "planned_per_day": float(planned) * 24.0,
            "job_mtbf_hours": 1.0 / float(unexpected), "unit_accelerators": unit,
            "units": float(units), "unit_availability": avail, "spare_units": spare,
            "spare_share": spare / (units + spare),
        })
    return pd.DataFrame(rows, columns=list(FLEET_COLUMNS))


def report(accelerators: float, work_days: float, system: str, *, checkpoint_bytes: float,
           interval_s: float | None = None, async_checkpoint: bool = False,
           spares: str = "hot", weibull_shape: float | None = None, replications: int = 1000,
           seed: int = 0, threads: int | None = None, p: Mapping | None = None) -> dict:
    """Both solvers on one job: the figures of ``gigaplan reliability`` (JSON-ready dict).

    ``work_days`` of failure-free compute on ``accelerators`` of ``system``; the checkpoint
    interval is ``interval_s`` or the optimum. Keys include ``mtbf_hours`` (job-level,
    unexpected), ``interruptions_mean``, ``goodput_mean``/``_p10``/``_p90`` (simulation),
    ``optimal_checkpoint_minutes``, ``analytic_goodput`` and ``analytic_reliable``.
    """
    p = params() if p is None else p
    j = job(accelerators, system, checkpoint_bytes, async_checkpoint=async_checkpoint,
            spares=spares, weibull_shape=weibull_shape, p=p)
    work_s = work_days * 86_400.0
    opt = float(optimal_interval_s(j.checkpoint_s, j.mtbf_s))
    tau = opt if interval_s is None else float(interval_s)
    a = analytic(j, work_s, tau)
    sim = simulate(j, work_s, tau, replications=replications, seed=seed, threads=threads,
                   max_wall_factor=p["max_wall_factor"])
    summary = sim.summary()
    rates = component_rates(system)
    return {
        "system": system, "accelerators": float(accelerators), "work_days": float(work_days),
        "checkpoint_tb": float(checkpoint_bytes) / 1e12,
        "async_checkpoint": async_checkpoint, "spares": spares,
        "weibull_shape": j.weibull_shape,
        "mtbf_hours": float(j.mtbf_s) / SECONDS_PER_HOUR,
        "failures_per_day": 86_400.0 / float(j.mtbf_s),
        "planned_per_day": float(j.planned_rate_per_s) * 86_400.0,
        "checkpoint_write_s": float(j.checkpoint_s),
        "downtime_minutes": float(j.downtime_s) / 60.0,
        "checkpoint_minutes": tau / 60.0,
        "optimal_checkpoint_minutes": opt / 60.0,
        "young_checkpoint_minutes": float(young_interval_s(j.checkpoint_s, j.mtbf_s)) / 60.0,
        "daly_checkpoint_minutes": float(daly_interval_s(j.checkpoint_s, j.mtbf_s)) / 60.0,
        "analytic_goodput": float(a["goodput"]),
        "analytic_interruptions": float(a["interruptions"]),
        "analytic_completion_days": float(a["wall_s"]) / 86_400.0,
        "first_order_goodput": float(a["first_order_goodput"]),
        "analytic_reliable": bool(a["reliable"]),
        "first_order_reliable": bool(a["first_order_reliable"]),
        "ratio_to_mtbf": float(a["ratio_to_mtbf"]),
        **summary,
        "events": sim.events,
        # expected split of the mean count: each class's share of the rate
        "interruptions_by_component": {
            c: r / sum(rates.values()) * summary["interruptions_mean"] for c, r in rates.items()},
        "seed": seed, "max_wall_factor": float(p["max_wall_factor"]),
        "rate_source": rate_source(system),
    }
