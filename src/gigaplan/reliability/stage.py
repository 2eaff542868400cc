"""The reliability stage: failures a day and spares per site and contract, and the goodput of
every owned block of capacity (what finance's cost per FLOP uses).

Goodput of a block is that of the workloads the scheduler planned on its pool (accelerator-hour
weighted), or, where none runs there, that of a reference job (``training.
reference_job_accelerators`` accelerators, capped at the pool's, checkpointing the
compute-optimal model of ``training.job_days`` of its compute), both from
:func:`~gigaplan.reliability.model.run_goodput`. Every array keeps the leading sample axis.

References
----------
Barlow, R. E. & Proschan, F. (1975) Statistical Theory of Reliability and Life Testing.
Google Cloud (2026) Cluster-level reliability for trillion-parameter models on TPUs (blog).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from ..constants import HOURS_PER_JULIAN_YEAR, SECONDS_PER_DAY
from ..errors import GigaplanError
from ..fleet import FleetResult
from .model import (HARDWARE, _a, checkpoint_bytes, component_rates, compute_optimal_params, job,
                    job_rates_per_hour, long_run_goodput, repair_unit, run_goodput)

__all__ = ["FLEET_COLUMNS", "ReliabilityResult", "Sweeps", "build", "fleet_view",
           "reference_goodput", "spares_for_availability", "sweeps", "unit_availability"]

#: Columns of :func:`fleet_view`.
FLEET_COLUMNS = ("kind", "owner", "system", "accelerators", "failures_per_day",
                 "planned_per_day", "job_mtbf_hours", "unit_accelerators", "units",
                 "unit_availability", "spare_units", "spare_share")


def unit_availability(system: str, accelerators_per_unit, repair_hours=None,
                      a: Assumptions | None = None):
    """Steady-state share of time a unit (server, rack, cube) is healthy.

    A = 1 / (1 + λ·MTTR) with λ the unit's hardware failure rate (software failures take no
    unit out) and MTTR ``repair_hours`` (default ``reliability.repair_hours``; an alternating
    renewal process, Barlow & Proschan 1975).
    """
    a = _a(a)
    mttr = a["reliability.repair_hours"] if repair_hours is None else repair_hours
    comp = component_rates(system, a)
    lam = np.asarray(accelerators_per_unit, dtype=float) * sum(comp[c] for c in HARDWARE) \
        / HOURS_PER_JULIAN_YEAR
    return 1.0 / (1.0 + lam * mttr)


def spares_for_availability(units, availability, target=None, a: Assumptions | None = None):
    """Fewest spare units so that at least ``units`` are healthy with probability ``target``.

    Units fail independently, each healthy with probability ``availability``: the smallest
    s with P[Binomial(units + s, availability) >= units] >= target (the binomial model of
    Google's TPU superpod framework: 130 of 144 cubes healthy with 95% confidence; target
    default ``reliability.availability_target``). Vectorised over ``units``, ``availability``
    and ``target``: a bisection on s (the probability grows with s), O(log s) evaluations of
    the binomial tail (:func:`scipy.special.bdtrc`) whatever the size.
    """
    from scipy.special import bdtrc

    target = _a(a)["reliability.availability_target"] if target is None else target
    shape = np.broadcast_shapes(np.shape(units), np.shape(availability), np.shape(target))
    u = np.broadcast_to(np.asarray(units, dtype=float), shape).ravel()
    p = np.broadcast_to(np.asarray(availability, dtype=float), shape).ravel()
    t = np.broadcast_to(np.asarray(target, dtype=float), shape).ravel()
    if np.any(u < 1) or np.any((p <= 0) | (p > 1)) or np.any((t <= 0) | (t >= 1)):
        raise GigaplanError("units must be >= 1, availability in (0, 1] and target in (0, 1)")
    u = np.floor(u)

    k = (u - 1.0).astype(np.int64)

    def ok(s):
        return bdtrc(k, (u + s).astype(np.int64), p) >= t

    hi = np.ceil(u * (1 - p) / p + 8.0 * np.sqrt(u * (1 - p) / p**2 + 1.0) + 8.0)
    while not np.all(good := ok(hi)):  # rare: widen until enough
        hi = np.where(good, hi, 2.0 * hi)
    lo = np.full_like(hi, -1.0)  # ok(lo) is False (s = -1 would be fewer than units)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2.0)
        g = ok(mid) & (hi - lo > 1)
        hi, lo = np.where(g, mid, hi), np.where(g | (hi - lo <= 1), lo, mid)
    out = hi.reshape(shape)
    return out if shape else float(out)


def usable_accelerators(system: str, accelerators, a: Assumptions | None = None):
    """Accelerators of a pool a job can count on when hot spares are held back.

    Of the pool's ``ceil(n / unit)`` repair units (:func:`repair_unit`: a server, an NVL72
    rack, a TPU cube), the most ``U`` that are all healthy at once with probability
    ``reliability.availability_target`` -- from the binomial of units healthy with the unit
    availability (:func:`unit_availability`; Google Cloud's TPU superpod framework: 130 of 144
    cubes at 95%) -- and the rest held as spares: ``min(n, max(unit, U x unit))``. A pool
    of one unit holds none back (its jobs run while it is up); more accelerators never leave
    fewer usable. Vectorised over ``accelerators``; one set of assumptions.
    """
    from scipy.stats import binom

    a = _a(a)
    n = np.asarray(accelerators, dtype=float)
    unit = float(repair_unit(system))
    units = np.maximum(np.ceil(n / unit - 1e-9), 1.0)
    avail = float(unit_availability(system, unit, a=a))
    target = float(a["reliability.availability_target"])
    # a pool's size changes on few days: the binomial is evaluated once per distinct size
    distinct, back = np.unique(units, return_inverse=True)
    healthy = binom.ppf(1.0 - target, distinct, avail)
    # ppf is the smallest u with P[X <= u] >= 1 - target; the job relies on the largest u
    # with P[X >= u] >= target: u itself or one below
    healthy = np.where(binom.sf(healthy - 1.0, distinct, avail) >= target, healthy,
                       healthy - 1.0)[back.reshape(units.shape)]
    return np.minimum(n, np.maximum(unit, healthy * unit))


@dataclass(frozen=True)
class FleetFailures:
    """Per (kind, owner, system) group of blocks: arrays (S, groups) of the fleet view."""

    keys: list
    accelerators: np.ndarray
    failures_per_day: np.ndarray
    planned_per_day: np.ndarray
    unit_accelerators: np.ndarray
    units: np.ndarray
    unit_availability: np.ndarray
    spare_units: np.ndarray

    def frame(self, sample: int = 0) -> pd.DataFrame:
        """The ``reliability.csv`` table of ``sample``."""
        if not self.keys:
            return pd.DataFrame(columns=list(FLEET_COLUMNS))
        f = self.failures_per_day[sample]
        spare = self.spare_units[sample]
        with np.errstate(divide="ignore"):
            mtbf = np.where(f > 0, 24.0 / f, np.inf)
        return pd.DataFrame({
            "kind": [k[0] for k in self.keys], "owner": [k[1] for k in self.keys],
            "system": [k[2] for k in self.keys], "accelerators": self.accelerators,
            "failures_per_day": f, "planned_per_day": self.planned_per_day[sample],
            "job_mtbf_hours": mtbf, "unit_accelerators": self.unit_accelerators,
            "units": self.units, "unit_availability": self.unit_availability[sample],
            "spare_units": spare, "spare_share": spare / (self.units + spare),
        }, columns=list(FLEET_COLUMNS))


def fleet_view(blocks: pd.DataFrame, a: Assumptions | None = None) -> FleetFailures:
    """Failures per day and spares of each site and contract at full build-out.

    ``blocks``: :func:`gigaplan.fleet.blocks`. Per owner and system: unexpected and planned
    interruptions per day of all its accelerators, and the spare units (:func:`repair_unit`:
    a server, an NVL72 rack, a TPU cube) that keep all its units' worth healthy with
    probability ``reliability.availability_target`` (:func:`spares_for_availability`,
    :func:`unit_availability`). Arrays have a leading sample axis (S = 1 without samples).
    """
    a = _a(a).as_samples()
    grouped = blocks.groupby(["kind", "owner", "system"], sort=False)["accelerators"].sum()
    keys = list(grouped.index)
    n = grouped.to_numpy(dtype=float)
    size = a.size
    fail, plan, avail = (np.zeros((size, len(keys))) for _ in range(3))
    unit = np.array([float(repair_unit(k[2])) for k in keys])
    units = np.maximum(np.ceil(n / np.where(unit > 0, unit, 1.0)), 1.0)
    for system in dict.fromkeys(k[2] for k in keys):
        at = np.array([k[2] == system for k in keys])
        col = a.expanded(1)  # sampled values as (S, 1) columns against (1, groups) rows
        unexpected, planned = job_rates_per_hour(n[at][None, :], system, col)
        fail[:, at], plan[:, at] = unexpected * 24.0, planned * 24.0
        avail[:, at] = unit_availability(system, unit[at][None, :], a=col)
    spare = spares_for_availability(units[None, :], avail,
                                    a["reliability.availability_target"][:, None])
    return FleetFailures(keys=keys, accelerators=n, failures_per_day=fail,
                         planned_per_day=plan, unit_accelerators=unit, units=units,
                         unit_availability=avail, spare_units=np.asarray(spare, dtype=float))


def reference_goodput(accelerators, system: str, a: Assumptions,
                      precision: str = "bf16") -> np.ndarray:
    """Goodput of the reference job on a pool of ``accelerators`` of ``system``.

    The job takes ``training.reference_job_accelerators`` of them (at most all) for
    ``training.job_days`` of failure-free compute at ``precision`` and its MFU, and checkpoints
    the compute-optimal model of that compute (Chinchilla, ``training.tokens_per_param``).
    Sampled values of ``a`` give an array over samples.
    """
    acc = catalog.accelerator(system)
    n = np.minimum(np.asarray(accelerators, dtype=float), a["training.reference_job_accelerators"])
    flops = (n * acc.peak_flops(precision) * a.mfu(system, precision)
             * a["training.job_days"] * SECONDS_PER_DAY)
    return run_goodput(n, system, compute_optimal_params(flops, a), a=a)[0]


@dataclass(frozen=True)
class ReliabilityResult:
    """The reliability stage: ``failures`` (:class:`FleetFailures`), and per block of the fleet
    stage the goodput finance charges its FLOP with (``block_goodput``, (S, blocks); NaN for
    contracts) and where it comes from (``goodput_basis``)."""

    failures: FleetFailures
    block_goodput: np.ndarray
    goodput_basis: list[str]
    sweeps: Sweeps | None = None

    @property
    def failures_per_day(self) -> np.ndarray:
        """Unexpected interruptions a day of the whole fleet at full build, per sample."""
        return self.failures.failures_per_day.sum(axis=1)

    @property
    def planned_per_day(self) -> np.ndarray:
        return self.failures.planned_per_day.sum(axis=1)

    @property
    def spare_units(self) -> np.ndarray:
        return self.failures.spare_units.sum(axis=1)


def build(scenario, fleet: FleetResult, training, a: Assumptions) -> ReliabilityResult:
    """The reliability stage of a scenario (``training``: the training stage's result, whose
    :meth:`~gigaplan.training.TrainingResult.pool_goodput` gives the planned workloads')."""
    a = a.as_samples()
    b = fleet.blocks
    goodput = np.full((a.size, len(b)), np.nan)
    basis = [""] * len(b)
    owned = b[b["kind"] == "site"]
    pools = owned.groupby(["owner", "system"], sort=False)
    sizes = pools["accelerators"].sum()
    members = pools.indices  # (owner, system) -> row positions within ``owned``
    rows = owned.index.to_numpy()
    for system in dict.fromkeys(sizes.index.get_level_values("system")):
        keys = [k for k in sizes.index if k[1] == system]
        n = sizes.loc[keys].to_numpy(dtype=float)
        ref = reference_goodput(n[None, :], system, a.expanded(1))  # (S, pools)
        for j, (owner, _) in enumerate(keys):
            planned, names = training.pool_goodput(("site", owner, system))
            value = np.where(np.isnan(planned), ref[:, j], planned)
            note = (f"workloads planned on it ({', '.join(names)})" if names else
                    f"reference job of min({n[j]:,.0f}, training.reference_job_accelerators) "
                    "accelerators")
            for i in rows[members[(owner, system)]]:
                goodput[:, i], basis[i] = value, note
    return ReliabilityResult(failures=fleet_view(b, a), block_goodput=goodput,
                             goodput_basis=basis)


# ----------------------------------------------------------------------- report sweeps

@dataclass(frozen=True)
class Sweeps:
    """What the report plots beyond the stages' own figures (sample 0):

    ``interval``: goodput against the checkpoint interval for a few job sizes of ``system``
    (rows: accelerators, minutes, goodput, optimal); ``by_size``: interruptions a day of one
    job against its size, one line per set of systems sharing failure rates.
    """

    system: str
    job_days: float
    interval: pd.DataFrame
    by_size: pd.DataFrame = field(default_factory=pd.DataFrame)


def sweeps(fleet: FleetResult, workloads: pd.DataFrame, a: Assumptions) -> Sweeps | None:
    """The report's reliability curves for ``fleet`` and its scheduled ``workloads``."""
    if fleet.blocks.empty:
        return None
    a = a.sample(0) if a.sampled else a
    placed = workloads[workloads["status"] != "no capacity"] if not workloads.empty else workloads
    system = (str(placed["system"].iloc[-1]) if not placed.empty else
              str(fleet.blocks.groupby("system")["accelerators"].sum().idxmax()))
    acc = catalog.accelerator(system)
    sizes = {16_384, 100_000} | ({int(placed["accelerators"].max())} if not placed.empty else set())
    minutes = np.logspace(-1, 2.5, 80)
    days = float(a["training.job_days"])
    rows = []
    for n in sorted(sizes):
        params = compute_optimal_params(n * acc.bf16_dense_flops * a.mfu(system, "bf16") * days
                                        * SECONDS_PER_DAY, a)
        j = job(n, system, checkpoint_bytes(params, a), a=a)
        g, _ = long_run_goodput(j, minutes * 60.0)
        g_opt, tau = long_run_goodput(j)
        rows += [{"accelerators": n, "minutes": m, "goodput": v, "optimal": False}
                 for m, v in zip(minutes, g, strict=True)]
        rows.append({"accelerators": n, "minutes": float(tau) / 60.0, "goodput": float(g_opt),
                     "optimal": True})
    return Sweeps(system=system, job_days=days, interval=pd.DataFrame(rows),
                  by_size=_by_size(fleet, a))


def _by_size(fleet: FleetResult, a: Assumptions) -> pd.DataFrame:
    sizes = np.logspace(3, 6, 31)
    groups: dict[tuple, list[str]] = {}  # systems sharing one set of rates share one line
    for system in dict.fromkeys(fleet.blocks["system"]):
        key = tuple(sorted((k, float(v)) for k, v in component_rates(system, a).items()))
        key += (float(a.failure_rates(system)[1]),)
        groups.setdefault(key, []).append(system)
    rows = []
    for members in groups.values():
        unexpected, planned = job_rates_per_hour(sizes, members[0], a)
        rows += [{"systems": ", ".join(members), "accelerators": n, "per_day": v}
                 for n, v in zip(sizes, (unexpected + planned) * 24.0, strict=True)]
    return pd.DataFrame(rows)
