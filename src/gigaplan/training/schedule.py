"""The training stage: a scenario's workloads placed on its growing fleet, for every sample.

A run uses one *pool*: the accelerators of one system at one owned site, or one contract (or,
with the workload's ``multi_site = true``, every site and contract of that system). It takes
all of the pool's free accelerators on the day it starts and keeps them until it finishes (the
count may not drop below that while it runs: a contract that ends, or capacity another workload
holds, shortens what it can take). Workloads are placed one at a time in deadline order; each
gets the plan that finishes earliest (over every start day and pool, restricted to its
``system``, ``earliest_start``, ``max_days`` and precision, and to layouts whose memory fits),
which reserves the accelerators it uses. Energy uses the site's PUE over the run's months
(facility stage) or, on contracts, ``training.contract_pue``.

Every array carries the leading sample axis of the :class:`~gigaplan.assumptions.Assumptions`
(S = 1 without samples): each sample is scheduled as its own run would be, in one vectorised
pass. Goodput and memory layouts are evaluated once per distinct (parameter class, accelerator
count) (:class:`_Memo`), and pools whose free capacity is identical are evaluated once.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from ..constants import SECONDS_PER_DAY
from ..fleet import FleetResult, pool_capacity
from ..reliability import compute_optimal_params, run_goodput
from .formulas import effective_flops_per_s, propose_layout, time_to_train_s, training_flops

__all__ = ["WORKLOAD_COLUMNS", "TrainingResult", "schedule"]

#: Columns of ``workloads.csv`` (one row per scenario workload).
WORKLOAD_COLUMNS = (
    "name", "status", "flops", "params", "active_params", "tokens", "precision", "deadline",
    "pool", "pool_kind", "system", "accelerators", "start", "finish", "days", "slack_days",
    "first_start_on_time", "mfu", "goodput", "effective_flops_per_s", "accelerator_hours",
    "it_mw", "pue", "facility_mw", "energy_mwh", "fits_memory", "tensor_parallel",
    "pipeline_parallel", "data_parallel", "memory_per_accelerator_gb", "note",
)
_LAYOUT_FIELDS = ("fits", "tensor_parallel", "pipeline_parallel", "data_parallel", "memory_gb")
#: Rounds of shrinking a plan to the capacity free over its whole run.
_SHRINK_ROUNDS = 60
_KEY_BASE = 2 ** 40  # memo key = parameter class x 2^40 + accelerator count


class _Memo:
    """Values of an expensive vectorised function, computed once per distinct integer key."""

    def __init__(self, fn):
        self.fn, self.keys, self.values = fn, np.empty(0, dtype=np.int64), {}

    def __call__(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        u, inv = np.unique(np.asarray(keys, dtype=np.int64), return_inverse=True)
        pos = np.searchsorted(self.keys, u)
        have = np.zeros(len(u), dtype=bool)
        inside = pos < len(self.keys)
        have[inside] = self.keys[pos[inside]] == u[inside]
        if not have.all():
            new = u[~have]
            got = self.fn(new)
            keys = np.concatenate([self.keys, new])
            order = np.argsort(keys, kind="stable")
            self.keys = keys[order]
            self.values = {k: np.concatenate([self.values[k], np.asarray(v)])[order]
                           if self.values else np.asarray(v)[order] for k, v in got.items()}
            pos = np.searchsorted(self.keys, u)
        return {k: v[pos][inv.reshape(-1)] for k, v in self.values.items()}


def _range_min(values: np.ndarray):
    """A sparse table over each row of ``values`` (S, D): ``query(row, lo, hi)`` gives
    min(values[row, lo:hi]) for arrays of lo < hi in O(1) each."""
    levels, k = [values], 1
    while 2 * k <= values.shape[1]:
        prev = levels[-1]
        levels.append(np.minimum(prev[:, :-k], prev[:, k:]))
        k *= 2

    def query(row: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        j = np.floor(np.log2(np.maximum(hi - lo, 1))).astype(int)
        out = np.empty(len(lo))
        for level in np.unique(j):
            sel = j == level
            arr = levels[level]
            out[sel] = np.minimum(arr[row[sel], lo[sel]], arr[row[sel], hi[sel] - (1 << level)])
        return out

    return query


@dataclass
class _Context:
    """What placing the workloads shares: the day axis, each pool's installed accelerators
    (days,), what earlier workloads hold (S, days), the assumptions and the site energy."""

    days: pd.DatetimeIndex
    members: dict
    reserved: dict
    a: Assumptions
    site_energy: dict
    classes: dict = field(default_factory=dict)
    usage: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.a.size

    def representatives(self, prefixes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(class of each sample, first sample of each class) over the values under
        ``prefixes``: samples of one class share every result that reads only those."""
        if prefixes not in self.classes:
            cls = self.a.classes(prefixes)
            rep = np.zeros(cls.max() + 1, dtype=np.int64)
            rep[cls[::-1]] = np.arange(len(cls))[::-1]
            self.classes[prefixes] = (cls, rep)
        return self.classes[prefixes]


def _pools(w, ctx: _Context) -> list[tuple[str, str, str, list[tuple]]]:
    """(pool name, kind, system, member keys) the workload may use, in a fixed order."""
    pools = []
    systems = sorted({k[2] for k in ctx.members})
    for sysname in systems:
        if w.system is not None and sysname != w.system:
            continue
        if not catalog.accelerator(sysname).supports(w.precision):
            continue
        keys = [k for k in ctx.members if k[2] == sysname and (w.use is None or k[1] in w.use)]
        if not keys:
            continue
        if w.multi_site:
            pools.append(("+".join(k[1] for k in keys), "multi-site", sysname, keys))
        else:
            pools.extend((k[1], k[0], sysname, [k]) for k in keys)
    return pools


def _goodput_memo(w, sysname: str, ckpt: np.ndarray, ctx: _Context) -> _Memo:
    """Goodput of ``w`` on ``n`` accelerators of ``sysname`` (memo over (class, n))."""
    cls, rep = ctx.representatives(("reliability", "training"))

    def fn(keys):
        c, n = keys // _KEY_BASE, (keys % _KEY_BASE).astype(float)
        if w.goodput is not None:
            return {"goodput": np.full(len(keys), w.goodput)}
        s = rep[c]
        return {"goodput": run_goodput(np.maximum(n, 1.0), sysname, ckpt[s],
                                       a=ctx.a.take(s))[0]}

    return _Memo(fn), cls


def _layout_memo(w, acc, ctx: _Context) -> tuple[_Memo, np.ndarray]:
    """Memory layout of ``w`` on ``n`` accelerators of ``acc`` (memo over (class, n))."""
    cls, rep = ctx.representatives(("training",))
    active = np.nan if w.active_params is None else w.active_params

    def fn(keys):
        c, n = keys // _KEY_BASE, (keys % _KEY_BASE).astype(float)
        lay = propose_layout(w.params, active, n, acc.hbm_gb, acc.scale_up_domain,
                             par=ctx.a.take(rep[c]).group("training"))
        return {k: lay[k] for k in _LAYOUT_FIELDS}

    return _Memo(fn), cls


def _shrink(free, starts, n, ok, duration, query, n_days: int) -> tuple[np.ndarray, ...]:
    """Shrink every plan (sample x start) to the least free capacity over its own run, until
    none shrinks: each entry's count, duration [days] and goodput at that count."""
    size, n_st = n.shape
    dur, good = np.full(n.shape, np.inf), np.full(n.shape, np.nan)
    todo = np.flatnonzero(ok)
    for _ in range(_SHRINK_ROUNDS):
        if not len(todo):
            break
        row, col = np.divmod(todo, n_st)
        d, g = duration(row, n.flat[todo])
        dur.flat[todo], good.flat[todo] = d, g
        end = starts[col] + np.ceil(d - 1e-9)
        fits = end <= n_days
        ok.flat[todo[~fits]] = False
        todo, row, col, end = todo[fits], row[fits], col[fits], end[fits]
        m = np.floor(query(row, starts[col], end.astype(int)) + 1e-9)
        shrink = m < n.flat[todo]
        n.flat[todo[shrink]] = m[shrink]
        ok.flat[todo[shrink & (m < 1)]] = False
        todo = todo[shrink & (m >= 1)]
    return n, dur, good


def _plan_on_pool(w, flops, keys, sysname, starts, free, ctx: _Context, memos: dict) -> dict:
    """The earliest-finishing plan of ``w`` on one pool, per sample (arrays (S,); finish inf
    where none), and the first start that would meet the deadline."""
    acc = catalog.accelerator(sysname)
    peak = acc.peak_flops(w.precision)
    mfu = (np.full(ctx.size, w.mfu) if w.mfu is not None else
           np.broadcast_to(ctx.a.mfu(sysname, w.precision), (ctx.size,)))
    n_days = free.shape[1]
    n = np.floor(free[:, starts] + 1e-9)
    if w.max_accelerators is not None:
        n = np.minimum(n, math.floor(w.max_accelerators))
    ok = n >= 1
    g_memo, g_cls = memos["goodput"][sysname]

    def duration(row, count):
        key = g_cls[row] * _KEY_BASE + np.minimum(count, _KEY_BASE - 1).astype(np.int64)
        g = g_memo(key)["goodput"]
        with np.errstate(divide="ignore"):  # goodput 0 past the reliability wall: never ends
            days = time_to_train_s(flops, np.maximum(count, 1.0), peak, mfu[row], g)
        return days / SECONDS_PER_DAY, g

    n, dur, good = _shrink(free, starts, n, ok, duration, _range_min(free), n_days)
    if w.max_days is not None:
        ok &= dur <= w.max_days
    layout = None
    if w.params is not None and ok.any():
        l_memo, l_cls = memos["layout"][sysname]
        idx = np.flatnonzero(ok)
        key = l_cls[idx // len(starts)] * _KEY_BASE + n.flat[idx].astype(np.int64)
        layout = l_memo(key)
        ok.flat[idx] &= layout["fits"].astype(bool)
        layout = {k: _scatter(v, idx, n.shape) for k, v in layout.items()}
    finish = np.where(ok, starts[None, :] + dur, np.inf)
    k = np.argmin(finish, axis=1)
    rows = np.arange(ctx.size)
    deadline = (pd.Timestamp(w.deadline) - ctx.days[0]) / pd.Timedelta(days=1)
    on_time = ok & (finish <= deadline)
    first_on_time = np.where(on_time.any(axis=1), starts[np.argmax(on_time, axis=1)], np.inf)
    return {"finish": finish[rows, k], "start": starts[k], "n": n[rows, k], "dur": dur[rows, k],
            "goodput": good[rows, k], "mfu": mfu, "peak": peak, "first_on_time": first_on_time,
            "layout": None if layout is None else {f: v[rows, k] for f, v in layout.items()}}


def _scatter(values, idx, shape) -> np.ndarray:
    out = np.full(shape, np.nan)
    out.flat[idx] = values
    return out


def _signature(sysname: str, free: np.ndarray) -> tuple[str, bytes]:
    """Identifies a pool's plan: the same system and free capacity give the same plan."""
    return sysname, hashlib.blake2b(np.ascontiguousarray(free).tobytes(), digest_size=20).digest()


def _free(keys, ctx: _Context) -> np.ndarray:
    """Free accelerators of a pool on every day, per sample (S, days)."""
    return sum(np.maximum(ctx.members[k][None, :] - ctx.reserved[k], 0.0)
               if k in ctx.reserved else np.broadcast_to(ctx.members[k], (ctx.size, len(ctx.days)))
               for k in keys)


def _search(w, flops: float, pools: list, ctx: _Context) -> dict:
    """The earliest-finishing plan over every pool and start day, per sample."""
    size = ctx.size
    first = max(ctx.days[0], pd.Timestamp(w.earliest_start) if w.earliest_start else ctx.days[0])
    starts = np.arange(int((first - ctx.days[0]).days), len(ctx.days) - 1)
    best = {"finish": np.full(size, np.inf), "pool": np.full(size, -1), "start": np.zeros(size, int),
            "n": np.full(size, np.nan), "dur": np.full(size, np.nan),
            "goodput": np.full(size, np.nan), "mfu": np.full(size, np.nan),
            "peak": np.full(size, np.nan), "layout": None}
    first_on_time = np.full(size, np.inf)
    ckpt = np.broadcast_to(w.params if w.params is not None else
                           compute_optimal_params(flops, ctx.a), (size,))
    memos: dict = {"goodput": {}, "layout": {}}
    seen = set()
    for i, (_, _, sysname, keys) in enumerate(pools):
        free = _free(keys, ctx)
        sig = _signature(sysname, free)
        if sig in seen:  # an identical pool earlier in the order wins every tie
            continue
        seen.add(sig)
        if sysname not in memos["goodput"]:
            memos["goodput"][sysname] = _goodput_memo(w, sysname, ckpt, ctx)
            memos["layout"][sysname] = _layout_memo(w, catalog.accelerator(sysname), ctx)
        plan = _plan_on_pool(w, flops, keys, sysname, starts, free, ctx, memos)
        first_on_time = np.minimum(first_on_time, plan["first_on_time"])
        better = plan["finish"] < best["finish"]
        if not better.any():
            continue
        best["pool"][better] = i
        for f in ("finish", "start", "n", "dur", "goodput", "mfu"):
            best[f][better] = plan[f][better]
        best["peak"][better] = plan["peak"]
        if plan["layout"] is not None:
            if best["layout"] is None:
                best["layout"] = {f: np.full(size, np.nan) for f in _LAYOUT_FIELDS}
            for f, v in plan["layout"].items():
                best["layout"][f][better] = v[better]
        elif best["layout"] is not None:
            for v in best["layout"].values():
                v[better] = np.nan
    best["first_on_time"] = first_on_time
    return best


def _reserve(best: dict, pools: list, ctx: _Context) -> dict:
    """Hold each sample's chosen accelerators in its pool from its start to its end; returns
    each chosen member's share of the run (sample x key)."""
    shares: dict = {}
    day = np.arange(len(ctx.days))
    for p in np.unique(best["pool"][best["pool"] >= 0]):
        sel = np.flatnonzero(best["pool"] == p)
        keys = pools[p][3]
        s = best["start"][sel]
        end = s + np.ceil(best["dur"][sel] - 1e-9).astype(int)
        free_at = np.stack([np.maximum(ctx.members[k][s] - (ctx.reserved[k][sel, s]
                                                            if k in ctx.reserved else 0.0), 0.0)
                            for k in keys], axis=1)
        share = free_at / free_at.sum(axis=1, keepdims=True)
        inside = (day[None, :] >= s[:, None]) & (day[None, :] < end[:, None])
        for j, k in enumerate(keys):
            held = ctx.reserved.setdefault(k, np.zeros((ctx.size, len(ctx.days))))
            held[sel] += np.where(inside, (best["n"][sel] * share[:, j])[:, None], 0.0)
            shares[(int(p), k)] = (sel, share[:, j])
    return shares


def _pue_between(site: tuple, sel: np.ndarray, start: np.ndarray, finish: np.ndarray):
    """Energy-weighted PUE of a site over the months each run overlaps (the last 12 modelled
    months with IT load when the run is after the horizon), per selected sample."""
    months, energy, it = site
    e, i = energy[sel], it[sel]
    m = months.astype("datetime64[M]")[None, :]
    live = i > 0
    mask = ((m >= start.astype("datetime64[M]")[:, None])
            & (m <= finish.astype("datetime64[M]")[:, None]) & live)
    none = ~mask.any(axis=1)
    if none.any():  # the last 12 live months
        last12 = live & (np.cumsum(live[:, ::-1], axis=1)[:, ::-1] <= 12)
        mask[none] = last12[none]
    return (e * mask).sum(axis=1) / (i * mask).sum(axis=1)


def _pue(best, pools, shares, start, finish, ctx: _Context) -> np.ndarray:
    """PUE of each sample's run: its members' PUE weighted by their share of the run."""
    pue = np.full(ctx.size, np.nan)
    contract = np.broadcast_to(ctx.a["training.contract_pue"], (ctx.size,))
    for p in np.unique(best["pool"][best["pool"] >= 0]):
        total = 0.0
        for k in pools[p][3]:
            sel, part = shares[(int(p), k)]
            if k[0] == "site" and k[1] in ctx.site_energy:
                total = total + part * _pue_between(ctx.site_energy[k[1]], sel, start[sel],
                                                    finish[sel])
            else:
                total = total + part * contract[sel]
        pue[sel] = total
    return pue


def _why_none(w, ctx: _Context) -> str:
    systems = sorted({k[2] for k in ctx.members})
    if w.system is not None and w.system not in systems:
        return f"the fleet has no {w.system}"
    if w.use is not None and not any(k[1] in w.use and (w.system is None or k[2] == w.system)
                                     for k in ctx.members):
        return f"none of {', '.join(w.use)} has {w.system or 'accelerators'}"
    usable = [s for s in systems if catalog.accelerator(s).supports(w.precision)
              and (w.system is None or s == w.system)]
    if not usable:
        return f"no system in the fleet supports {w.precision}"
    return ("no pool finishes the run within the planning window (horizon end or deadline + 3 "
            "years), or its memory does not fit any pool")


def _place(w, ctx: _Context) -> dict:
    """Place one workload, per sample; reserves its accelerators and records its usage."""
    flops = float(w.flops if w.flops is not None else
                  training_flops(w.params, w.tokens, w.active_params))
    pools = _pools(w, ctx)
    best = _search(w, flops, pools, ctx)
    placed = best["pool"] >= 0
    shares = _reserve(best, pools, ctx)
    start = np.where(placed, ctx.days.values[np.where(placed, best["start"], 0)],
                     np.datetime64("NaT"))
    finish = start + pd.to_timedelta(np.where(placed, best["dur"], 0.0), unit="D").values
    pue = _pue(best, pools, shares, start, finish, ctx)
    for (p, k), (sel, part) in shares.items():
        hours = best["n"][sel] * part * best["dur"][sel] * 24.0
        held = ctx.usage.setdefault(k, [np.zeros(ctx.size), np.zeros(ctx.size), []])
        held[0][sel] += hours
        held[1][sel] += hours * best["goodput"][sel]
        if w.name not in held[2]:
            held[2].append(w.name)
    pool_of = lambda f: np.array([x[f] for x in pools] + [None], dtype=object)[best["pool"]]  # noqa: E731 (-1: none)
    on_time = best.pop("first_on_time")
    first = np.where(np.isfinite(on_time),
                     ctx.days.values[np.where(np.isfinite(on_time), on_time, 0).astype(int)],
                     np.datetime64("NaT"))
    return {**best, "workload": w, "flops": flops, "placed": placed, "start_idx": best["start"],
            "start": start, "finish": finish, "first_on_time": first, "pool": pool_of(0),
            "pool_kind": pool_of(1), "system": pool_of(2), "pue": pue,
            "note": _why_none(w, ctx) if not placed.all() else ""}


@dataclass(frozen=True)
class TrainingResult:
    """The training stage: each workload's placement per sample (arrays (S,), in scenario
    order) and the accelerator-hours and goodput planned on each pool key."""

    placements: list[dict]
    usage: dict
    load: np.ndarray
    samples: int

    def pool_goodput(self, key: tuple) -> tuple[np.ndarray, list[str]]:
        """Accelerator-hour weighted goodput of the workloads planned on pool ``key`` (kind,
        owner, system), per sample (NaN where none), and their names."""
        if key not in self.usage:
            return np.full(self.samples, np.nan), []
        hours, weighted, names = self.usage[key]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(hours > 0, weighted / hours, np.nan), list(names)

    def column(self, name: str) -> np.ndarray:
        """One figure of every workload, shape (workloads, S): ``status``, ``pool``,
        ``accelerators``, ``start``, ``finish`` (datetime64), ``days``, ``goodput``, ``mfu``."""
        if name == "status":
            return np.stack([np.where(~p["placed"], "no capacity", np.where(
                p["finish"] <= np.datetime64(p["workload"].deadline), "on time", "late"))
                for p in self.placements]) if self.placements else np.empty((0, self.samples))
        field_of = {"accelerators": "n", "days": "dur"}
        return np.stack([p[field_of.get(name, name)] for p in self.placements]) \
            if self.placements else np.empty((0, self.samples))

    def table(self, sample: int = 0) -> pd.DataFrame:
        """One row per workload (``workloads.csv``, :data:`WORKLOAD_COLUMNS`) for ``sample``."""
        rows = [_row(p, sample, float(self.load[sample])) for p in self.placements]
        out = pd.DataFrame(rows, columns=list(WORKLOAD_COLUMNS))
        for col in ("tensor_parallel", "pipeline_parallel", "data_parallel"):
            out[col] = out[col].astype("Int64")
        out["fits_memory"] = out["fits_memory"].astype("boolean")
        return out


def _row(p: dict, i: int, load: float) -> dict:
    """One workload's row of the table for sample ``i``."""
    w = p["workload"]
    deadline = pd.Timestamp(w.deadline)
    base = {"name": w.name, "flops": p["flops"], "params": w.params,
            "active_params": w.active_params, "tokens": w.tokens, "precision": w.precision,
            "deadline": deadline.date()}
    if not p["placed"][i]:
        return {**base, "status": "no capacity", "note": p["note"]}
    n, dur = float(p["n"][i]), float(p["dur"][i])
    start = pd.Timestamp(p["start"][i])
    finish = start + pd.to_timedelta(dur, unit="D")
    acc = catalog.accelerator(p["system"][i])
    it_mw = n * acc.system_w_per_accelerator / 1e6
    pue, lay = float(p["pue"][i]), p["layout"]
    has_layout = lay is not None and not np.isnan(lay["fits"][i])
    first = p["first_on_time"][i]
    hours = dur * 24.0
    return {
        **base, "status": "on time" if finish <= deadline else "late",
        "pool": p["pool"][i], "pool_kind": p["pool_kind"][i], "system": p["system"][i],
        "accelerators": n, "start": start.date(), "finish": finish.date(), "days": dur,
        "slack_days": (deadline - finish) / pd.Timedelta(days=1),
        "first_start_on_time": None if np.isnat(first) else pd.Timestamp(first).date(),
        "mfu": float(p["mfu"][i]), "goodput": float(p["goodput"][i]),
        "effective_flops_per_s": float(effective_flops_per_s(n, p["peak"][i], p["mfu"][i],
                                                             p["goodput"][i])),
        "accelerator_hours": n * hours, "it_mw": it_mw, "pue": pue,
        "facility_mw": it_mw * load * pue, "energy_mwh": it_mw * load * pue * hours,
        "fits_memory": bool(lay["fits"][i]) if has_layout else None,
        **{k: int(lay[k][i]) if has_layout else None
           for k in ("tensor_parallel", "pipeline_parallel", "data_parallel")},
        "memory_per_accelerator_gb": float(lay["memory_gb"][i]) if has_layout else None,
        "note": "" if has_layout else "memory not checked: give params and tokens",
    }


def schedule(scenario, fleet: FleetResult, facility, a: Assumptions) -> TrainingResult:
    """The training stage: place every workload of ``scenario`` on its fleet (see the module
    docstring), for every sample of ``a``. ``facility``: the facility stage's result (site
    energy by month, for each run's PUE)."""
    a = a.as_samples()
    b = fleet.blocks
    load = np.broadcast_to(a["facility.it_load_factor"], (a.size,))
    if not scenario.workloads:
        return TrainingResult(placements=[], usage={}, load=load, samples=a.size)
    day0 = pd.Timestamp(scenario.horizon.start)
    last = max([pd.Timestamp(scenario.horizon.end)]
               + [pd.Timestamp(w.deadline) for w in scenario.workloads])
    days = pd.date_range(day0, last + pd.DateOffset(years=3), freq="D")
    cap = pool_capacity(b, days)
    rows = np.ascontiguousarray(cap.accelerators.T)
    r = facility.result
    site_energy = {name: (facility.inputs.dates.values, r["energy_mwh"][..., k],
                          r["it_energy_mwh"][..., k]) for k, name in enumerate(facility.inputs.sites)}
    ctx = _Context(days=days, members={k: rows[j] for j, k in enumerate(cap.keys)}, reserved={},
                   a=a, site_energy=site_energy)
    order = sorted(range(len(scenario.workloads)),
                   key=lambda i: (scenario.workloads[i].deadline, i))
    placed = {i: _place(scenario.workloads[i], ctx) for i in order}
    return TrainingResult(placements=[placed[i] for i in range(len(scenario.workloads))],
                          usage=ctx.usage, load=load, samples=a.size)
