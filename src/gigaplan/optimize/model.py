"""The capacity-expansion programme (linopy, solved by HiGHS) and its solution.

Decisions, per period ``t``: integer installed steps ``y[o, t]`` of each option ``o`` (site x
(cooling, distribution) x system x build-or-lease; never falling, the steps built in ``t`` are
``y[o, t] - y[o, t-1]``), a binary ``lease[s]`` per site that may be built or leased (a site is
one or the other, as in a scenario), a binary ``design`` per (cooling, distribution) of a site
that offers a choice (it is built with one), rented accelerators ``c[k, t]`` of each contract
(continuous; with a minimum size or term, a binary ``on[k, t]``), and accelerators held for
each served model ``m`` on each option and contract (``serve[m, o, t]``, ``serve_k[m, k, t]``).

Constraints (each a named group, so an infeasible problem can say which conflict):
``demand`` (effective FLOP/s left for training each period), ``deadline`` (capacity-time: the
effective FLOP delivered by each deadline's period covers the workloads due by then),
``serving`` (each model's peak tokens/s), ``grid`` (each site's draw within its interconnect),
``steps``, ``mode``, ``supply`` (accelerators installed per system and calendar year),
``capex_per_year``, ``budget`` (capex, leases and contracts, undiscounted), ``site_share`` /
``provider_share`` (no one above a share of the effective capacity), ``n_minus_1`` (losing
the largest site or provider leaves a share of the demand), ``co2``, ``water``, ``contract_size``,
``contract_term``.

Objective: the net present cost, priced by the finance engine (the default: what ``gigaplan
run`` reports for the plan) or by annuities (:mod:`gigaplan.optimize.inputs`). Shadow prices
come from the linear programme with the integer decisions fixed at the optimum.

References
----------
.. [1] T. Brown, J. Hoersch, D. Schlachtberger, "PyPSA: Python for Power System Analysis",
   J. Open Research Software 6 (2018); linopy (Hofmann 2023, JOSS 8(84), 4823).
.. [2] Q. Huangfu, J. A. J. Hall, "Parallelizing the dual revised simplex method", Math. Prog.
   Comp. 10 (2018) (HiGHS).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from ..assumptions import Assumptions
from ..errors import GigaplanError
from ..constants import HOURS_PER_YEAR, SECONDS_PER_YEAR
from .highs import quiet_solve as _quiet_solve
from .highs import scalar as _scalar
from .highs import status as _status
from .highs import value as _value
from .inputs import Inputs, build_rows, designs_of, priced_inputs
from .problem import OptimizeProblem, design_choices, lease_choices

__all__ = ["GROUPS", "InfeasibleError", "Solution", "solve"]

#: Units inside the model, so HiGHS sees coefficients within its tolerances: effective
#: compute in EFLOP/s (FLOP by deadlines in EFLOP/s-years), money in $M, contracts in
#: thousands of accelerators, CO2 in kt, water in 1,000 m3, tokens in millions a second.
EFLOPS, MUSD, KACC, KT, MTOK = 1e18, 1e6, 1e3, 1e3, 1e6

GROUPS = ("demand", "deadline", "serving", "grid", "steps", "mode", "supply", "capex_per_year",
          "budget", "site_share", "provider_share", "n_minus_1", "co2", "water", "contract_size",
          "contract_term")


class InfeasibleError(GigaplanError):
    """No plan meets every limit; names the constraint groups that conflict."""


@dataclass
class Solution:
    """What :func:`solve` returns. ``objective_usd``: the plan's net present cost (the objective
    when minimising cost); ``spend_usd``: capex, leases and rents undiscounted;
    ``compute_eflops_years``: effective compute delivered over the horizon (the objective when
    maximising compute). Tables: ``builds`` (site, system, mode, period start, steps, it_mw,
    accelerators), ``rents`` (contract, period start, accelerators), ``capacity`` (per period:
    demand and delivered effective EFLOP/s)."""

    problem: OptimizeProblem
    inputs: Inputs
    objective_usd: float
    mip_gap: float
    status: str
    builds: pd.DataFrame
    rents: pd.DataFrame
    leased: dict
    capacity: pd.DataFrame
    shadow_prices: dict = field(default_factory=dict)
    binding: list = field(default_factory=list)
    binding_limits: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    value_errors: dict = field(default_factory=dict)  # how far each value may be off
    spend_usd: float = 0.0
    compute_eflops_years: float = 0.0
    build_s: float = 0.0
    solve_s: float = 0.0
    designs: dict = field(default_factory=dict)  # site -> (cooling, distribution)
    serving: pd.DataFrame = field(default_factory=pd.DataFrame)  # accelerators held to serve


def _da(values, *coords) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, dtype=float), coords=list(coords))


def _year_of(starts: pd.DatetimeIndex) -> np.ndarray:
    return starts.year.values


class _Builder:
    """The linopy model of one problem; ``drop``: constraint groups left out; ``fixed``:
    integer decisions fixed (x, lease, on) for the dual prices."""

    def __init__(self, p: OptimizeProblem, inp: Inputs, drop=(), fixed: dict | None = None):
        self.p, self.inp, self.drop, self.fixed = p, inp, set(drop), fixed
        self.m = linopy.Model()
        T = len(inp.starts)
        self.t = pd.RangeIndex(T, name="t")
        self.o = pd.RangeIndex(len(inp.options), name="o")
        self.k = pd.RangeIndex(len(inp.contracts), name="k")
        self.sites = [s.name for s in p.sites]
        self.extra = []  # more axes of the serving variables (the two-stage programme's)

    def add(self, group: str, expr, name: str) -> None:
        """Add constraint ``expr`` (or ``(expr, mask)``) to ``group`` unless it is dropped."""
        if group in self.drop:
            return
        expr, mask = expr if isinstance(expr, tuple) else (expr, None)
        self.m.add_constraints(expr, name=name, mask=mask)

    def variables(self):
        inp, p, m, t = self.inp, self.p, self.m, self.t
        steps = {s.name: s.max_steps for s in p.sites}
        T = len(t)
        if len(self.o):
            up = np.zeros((len(self.o), T))
            for i, r in enumerate(inp.options.itertuples()):
                up[i, inp.first[i]:] = steps[r.site]
            # installed steps (integer, never falling); the steps added are their increments:
            # rows stay sparse (a running sum of additions would fill every row)
            self.inst = self._var("y", up, [self.o, t], integer=True)
            self.x = self.inst - self.inst.shift(t=1).fillna(0)  # y[-1] = 0
            self.add("structure", (self.x >= 0), "monotone")  # never dropped
        if len(self.k):
            up = np.zeros((len(self.k), T))
            for i, r in enumerate(inp.contracts.itertuples()):
                up[i, inp.contract_first[i]:] = r.max
            self.c = m.add_variables(lower=0, upper=_da(up / KACC, self.k, t), name="c")
            need = (inp.contracts["min"] > 0) | (inp.contracts["term_months"] > 0)
            self.k_on = pd.Index(np.flatnonzero(need.values), name="kb")
            if len(self.k_on):
                self.on = self._var("on", np.ones((len(self.k_on), T)), [self.k_on, t],
                                    binary=True)
        both = lease_choices(p)
        self.both = pd.Index(both, name="s2")
        if both:
            self.lease = self._var("lease", np.ones(len(both)), [self.both], binary=True)
        # a site with a choice of cooling or distribution is built with one of them
        self.design_of = design_choices(p)
        self.dz = pd.Index([f"{n}|{c}|{d}" for n, c, d in self.design_of], name="dz")
        if len(self.dz):
            self.design = self._var("design", np.ones(len(self.dz)), [self.dz], binary=True)
        need = inp.serving_need
        self.mz = pd.RangeIndex(0 if need is None else len(need), name="m")
        if len(self.mz):
            self._serving_variables()

    def _serving_variables(self) -> None:
        """Accelerators (thousands) of each option (``sv``) and contract (``svk``) held for each
        served model in each period, and sample (``self.extra``, the two-stage programme's
        axis): only where its system can serve the model."""
        inp, extra = self.inp, self.extra
        shape = (len(self.t), *(len(c) for c in extra))
        for attr, rate, table, col, coord in (
                ("sv", inp.serving_rate, inp.options, "accelerators", self.o),
                ("svk", inp.serving_rate_k, inp.contracts, "max", self.k)):
            if len(coord):
                most = (rate > 0) * (table[col].values / KACC)  # (m, parts)
                up = most.reshape(most.shape + (1,) * len(shape)) * np.ones(shape)
                setattr(self, attr, self.m.add_variables(
                    lower=0, upper=_da(up, self.mz, coord, self.t, *extra),
                    name={"sv": "serve", "svk": "serve_k"}[attr]))

    def _serving(self) -> None:
        """Each served model's peak tokens/s, from the accelerators held for it, which are
        within those installed or rented."""
        inp = self.inp
        if not len(self.mz):
            return
        if len(self.o):
            self.add("structure", self.sv.sum("m") <= self.inst * _da(
                inp.options["accelerators"] / KACC, self.o), "serve_fit")
        if len(self.k):
            self.add("structure", self.svk.sum("m") <= self.c, "serve_fit_k")
        self.serving_limits(getattr(self, "sv", None), getattr(self, "svk", None))

    def serving_limits(self, sv, svk, tag: str = "", short=None) -> None:
        """Each served model's peak tokens/s from ``sv`` (m, o, t) and ``svk`` (m, k, t),
        thousands of accelerators held on options and contracts (None: none), and ``short``
        (m, t), millions of tokens/s left unserved (None: none may be)."""
        inp = self.inp
        for j, w in enumerate(self.p.serving):
            tokens = 0
            if sv is not None and inp.serving_rate[j].any():
                tokens = (sv.sel(m=j, drop=True)
                          * _da(inp.serving_rate[j] * KACC / MTOK, self.o)).sum("o")
            if svk is not None and inp.serving_rate_k[j].any():
                tokens = tokens + (svk.sel(m=j, drop=True)
                                   * _da(inp.serving_rate_k[j] * KACC / MTOK, self.k)).sum("k")
            sel = np.flatnonzero(inp.serving_need[j] > 0)
            if not len(sel):
                continue
            if isinstance(tokens, int):
                raise InfeasibleError(f"serving {w.name}: no candidate system or contract can "
                                      "serve it (its precision, a layout that fits, or its "
                                      "system)")
            if short is not None:
                tokens = tokens + short.sel(m=j, drop=True)
            self.add("serving", tokens.sel(t=sel) >= _da(inp.serving_need[j, sel] / MTOK,
                                                         pd.Index(sel, name="t")),
                     f"serving_{j}{tag}")

    def _var(self, name, upper, coords, integer=False, binary=False):
        if self.fixed is not None and name in self.fixed:  # decisions fixed (the LP of the
            v = np.asarray(self.fixed[name], dtype=float)  # dual prices: every integer)
            return self.m.add_variables(lower=_da(v, *coords), upper=_da(v, *coords),
                                        name=name)
        if binary:
            return self.m.add_variables(coords=coords, name=name, binary=True)
        return self.m.add_variables(lower=0, upper=_da(upper, *coords), name=name,
                                    integer=integer)

    def effective(self):
        """Delivered effective FLOP/s per period, and per site and per provider."""
        inp = self.inp
        parts, by_site, by_provider = [], {}, {}
        if len(self.o):
            eff = self.inst * _da(inp.options["eff_flops"] / EFLOPS, self.o)
            if len(self.mz):  # less what serving holds
                eff = eff - self.sv.sum("m") * _da(
                    inp.options["eff_flops"] / inp.options["accelerators"] * KACC / EFLOPS,
                    self.o)
            parts.append(eff.sum("o"))
            for s in self.sites:
                sel = np.flatnonzero((inp.options["site"] == s).values)
                if len(sel):
                    by_site[s] = eff.sel(o=sel).sum("o")
        if len(self.k):
            eff = self.c * _da(inp.contracts["eff_flops"] * KACC / EFLOPS, self.k)
            if len(self.mz):
                eff = eff - self.svk.sum("m") * _da(inp.contracts["eff_flops"] * KACC / EFLOPS,
                                                    self.k)
            parts.append(eff.sum("k"))
            for prov, g in inp.contracts.groupby("provider"):
                by_provider[prov] = eff.sel(k=g.index.values).sum("k")
        total = parts[0] if len(parts) == 1 else parts[0] + parts[1]
        return total, by_site, by_provider

    def constraints(self) -> None:
        self._serving()
        self._capacity()
        self._sites()
        self._money()
        self._contracts()

    def _capacity(self) -> None:
        inp, p, t = self.inp, self.p, self.t
        self.eff, self.by_site, self.by_provider = self.effective()
        need = inp.demand_flops > 0
        if need.any():
            sel = np.flatnonzero(need)
            self.add("demand", self.eff.sel(t=sel) >= _da(inp.demand_flops[sel] / EFLOPS,
                                                          pd.Index(sel, name="t")), "demand")
        delivered = (self.eff * _da(inp.years, t)).cumsum("t")  # EFLOP/s-years
        for j, (tt, _, names) in enumerate(inp.deadlines):
            if tt < 0:
                raise InfeasibleError(f"workloads {', '.join(names)}: due before the end of the "
                                      "horizon's first period; nothing can be built in time")
            due = sum(f for t2, f, _ in inp.deadlines if t2 <= tt) / EFLOPS / SECONDS_PER_YEAR
            self.add("deadline", delivered.sel(t=tt) >= due, f"deadline_{j}")
        lim = p.limits
        groups = [("site_share", lim.max_site_share, self.by_site),
                  ("provider_share", lim.max_provider_share, self.by_provider)]
        for group, share, parts in groups:
            if share is not None:
                for name, e in parts.items():
                    self.add(group, e <= share * self.eff, f"{group}_{name}")
        if lim.n_minus_1 is not None and need.any():
            sel = np.flatnonzero(need)
            floor = _da(lim.n_minus_1 * inp.demand_flops[sel] / EFLOPS, pd.Index(sel, name="t"))
            for name, e in {**self.by_site, **self.by_provider}.items():
                self.add("n_minus_1", (self.eff - e).sel(t=sel) >= floor, f"n1_{name}")

    def _sites(self) -> None:
        inp, p = self.inp, self.p
        if not len(self.o):
            return
        opt = inp.options
        for s in p.sites:
            sel = np.flatnonzero((opt["site"] == s.name).values)
            if not len(sel):
                continue
            draw = (self.inst.sel(o=sel) * _da(opt["grid_mw"].values[sel],
                                               pd.Index(sel, name="o"))).sum("o")
            self.add("grid", draw <= s.max_grid_mw, f"grid_{s.name}")
            self.add("steps", self.x.sel(o=sel).sum() <= s.max_steps, f"steps_{s.name}")
            if len(s.options) == 2:
                lease = self.lease.sel(s2=s.name)
                for mode, side in (("lease", lease), ("build", 1 - lease)):
                    m_sel = sel[(opt["mode"].values[sel] == mode)]
                    if len(m_sel):
                        self.add("mode", self.x.sel(o=m_sel).sum() <= s.max_steps * side,
                                 f"mode_{s.name}_{mode}")
            if len(s.designs()) > 1:
                self._design(s, sel)
        years = _year_of(inp.starts)
        for sys_ in p.systems:
            if sys_.max_per_year is None:
                continue
            sel = np.flatnonzero((opt["system"] == sys_.name).values)
            for y in np.unique(years):
                ts = np.flatnonzero(years == y)
                if len(sel):
                    e = (self.x.sel(o=sel, t=ts) * _da(opt["accelerators"].values[sel],
                                                       pd.Index(sel, name="o"))).sum()
                    self.add("supply", e <= sys_.max_per_year, f"supply_{sys_.name}_{y}")
        for group, cap, engine, column in (("co2", p.limits.co2_t, "co2_t", "co2_t_per_year"),
                                           ("water", p.limits.water_m3, "water_m3",
                                            "water_m3_per_year")):
            if cap is None:
                continue
            used = ((self.x * _da(getattr(inp.engine, engine) / KT, self.o, self.t)).sum()
                    if inp.engine is not None else
                    (self.inst * _da(opt[column] / KT, self.o) * _da(inp.years, self.t)).sum())
            self.add(group, used <= cap / KT, group)

    def _spend(self):
        """(capex by calendar year (a dict), undiscounted spend over the horizon, objective):
        the finance engine's (engine pricing: each step's and each rented accelerator's cash
        flow as ``gigaplan run`` books it), or annual equivalents while installed, capex in
        the period a step comes online and rents by the hour (annuity)."""
        inp, t = self.inp, self.t
        eng = inp.engine
        capex, spend, cost = {}, 0, 0
        hours = _da(inp.years * HOURS_PER_YEAR, t)
        if len(self.o) and eng is not None:
            yr = pd.Index(eng.years, name="year")
            by_year = (self.x * xr.DataArray(eng.capex / MUSD, coords=[self.o, t, yr])
                       ).sum(["o", "t"])
            capex = {int(y): by_year.sel(year=y) for y in eng.years
                     if np.abs(eng.capex[..., list(eng.years).index(y)]).max() > 0}
            spend = (self.x * _da(eng.spend.sum(axis=2) / MUSD, self.o, t)).sum()
            cost = (self.x * _da(np.nan_to_num(eng.u) / MUSD, self.o, t)).sum()
        elif len(self.o):
            opt = inp.options
            per_t = (self.x * _da(opt["capex_usd"] / MUSD, self.o)).sum("o")
            years = _year_of(inp.starts)
            capex = {int(y): per_t.sel(t=np.flatnonzero(years == y)).sum()
                     for y in np.unique(years)}
            leases = (self.inst * _da(opt["lease_usd_per_year"] / MUSD, self.o)).sum("o")
            spend = per_t.sum() + (leases * _da(inp.years, t)).sum()
            cost = ((self.inst * _da(opt["annual_usd"] / MUSD, self.o)).sum("o")
                    * _da(inp.discount * inp.years, t)).sum()
        if len(self.k) and eng is not None:
            spend = spend + (self.c * _da(eng.rent_spend.sum(axis=2) * KACC / MUSD, self.k, t)
                             ).sum()
            cost = cost + (self.c * _da(np.nan_to_num(eng.v) * KACC / MUSD, self.k, t)).sum()
        elif len(self.k):
            rent = (self.c * _da(self.inp.contracts["usd_per_hour"] * KACC / MUSD, self.k)
                    ).sum("k") * hours
            spend = spend + rent.sum()
            cost = cost + (rent * _da(inp.discount, t)).sum()
        return capex, spend, cost

    def _design(self, s, sel: np.ndarray) -> None:
        """One (cooling, distribution) of site ``s``: its steps are all of that design."""
        opt = self.inp.options
        keys = [k for k, (n, _, _) in zip(self.dz, self.design_of, strict=True) if n == s.name]
        self.add("structure", self.design.sel(dz=keys).sum() <= 1, f"design_{s.name}")
        for key in keys:
            _, c, d = self.design_of[list(self.dz).index(key)]
            d_sel = sel[(opt["cooling"].values[sel] == c) & (opt["distribution"].values[sel] == d)]
            if len(d_sel):
                self.add("structure", self.x.sel(o=d_sel).sum()
                         <= s.max_steps * self.design.sel(dz=key), f"design_{key}")

    def _money(self) -> None:
        lim = self.p.limits
        capex, spend, cost = self._spend()
        self.cost, self.spend, self.capex_by_year = cost, spend, capex
        if lim.capex_usd_per_year is not None:
            for y, c in capex.items():
                self.add("capex_per_year", c <= lim.capex_usd_per_year / MUSD, f"capex_{y}")
        if lim.budget_usd is not None:
            self.add("budget", spend <= lim.budget_usd / MUSD, "budget")

    def _contracts(self) -> None:
        if len(self.k) and len(getattr(self, "k_on", [])):
            self.contract_terms(self.c, self.on)

    def contract_terms(self, c, on, tag: str = "") -> None:
        """Contracts with a minimum size or term: rented (``c``, thousands, (k, t)) only while
        on (``on``, binary, (kb, t)), at least the minimum then, and once started on for the
        term. ``tag`` tells the constraints of one sample apart."""
        inp, T = self.inp, len(self.t)
        months = 1 if self.p.horizon.period == "month" else 3
        for k in self.k_on:
            r = inp.contracts.iloc[k]
            on_k, c_k = on.sel(kb=k), c.sel(k=k)
            self.add("contract_size", c_k <= r["max"] / KACC * on_k, f"size_max_{k}{tag}")
            if r["min"] > 0:
                self.add("contract_size", c_k >= r["min"] / KACC * on_k, f"size_min_{k}{tag}")
            term = int(np.ceil(r["term_months"] / months))
            started = on_k - on_k.shift(t=1).fillna(0)  # 1 where it starts (on[-1] is off)
            for d in range(1, min(term, T)):
                mask = xr.DataArray(np.arange(T) < T - d, coords=[self.t])
                self.add("contract_term", (on_k.shift(t=-d).fillna(0) >= started, mask),
                         f"term_{k}_{d}{tag}")


def _build(p: OptimizeProblem, inp: Inputs, drop=(), fixed=None) -> _Builder:
    b = _Builder(p, inp, drop, fixed)
    b.variables()
    b.constraints()
    if p.objective == "max_compute":
        # the most EFLOP/s-years; among equal plans the cheaper (a tie-break worth 1e-6
        # EFLOP/s-year per $M, far below one step's compute)
        delivered = (b.eff * _da(inp.years, b.t)).sum()
        b.m.add_objective(delivered - 1e-6 * b.cost, sense="max")
    else:
        b.m.add_objective(b.cost)
    return b


def _conflicts(p: OptimizeProblem, inp: Inputs, present: list[str], time_limit: float,
               threads, fixed=None) -> list[str]:
    """The constraint groups whose removal alone makes the problem feasible (decisions
    ``fixed`` as given)."""
    out = []
    for g in present:
        b = _build(p, inp, drop=[g], fixed=fixed)
        if _status(b.m, _quiet_solve(b.m, 0.05, time_limit, threads)) == "optimal":
            out.append(g)
    return out


def _present(b: _Builder) -> list[str]:
    names = list(b.m.constraints)
    return [g for g in GROUPS if any(n == g or n.startswith(_PREFIX.get(g, g)) for n in names)]


_PREFIX = {"deadline": "deadline_", "grid": "grid_", "steps": "steps_", "mode": "mode_",
           "supply": "supply_", "capex_per_year": "capex_", "site_share": "site_share_",
           "provider_share": "provider_share_", "n_minus_1": "n1_",
           "contract_size": "size_", "contract_term": "term_", "serving": "serving_"}


def solve(p: OptimizeProblem, a: Assumptions | None = None, *, gap: float = 0.005,
          time_limit: float = 60.0, threads: int | None = None,
          pricing: str = "engine", duals: bool = True, fixed: dict | None = None,
          like: Inputs | None = None) -> Solution:
    """The least-cost plan of problem ``p`` to a relative MIP gap ``gap`` (what relaxing its
    binding limits saves: :func:`gigaplan.optimize.values.marginal_values`). ``pricing``:
    ``"engine"`` (each
    candidate's net present cost from the finance engine,
    :func:`gigaplan.optimize.inputs.engine_costs`: the plan's cost is then exactly what
    ``gigaplan run`` reports for it) or ``"annuity"`` (annual equivalents of capex from the
    period a step comes online: no end-of-horizon effect, not the run's accounting).
    ``duals``: also the shadow prices (one more LP solve). ``fixed``: decisions held at given
    values (``y`` installed steps (o, t), ``lease``, ``design``); ``like``: inputs of the same
    problem already priced (:func:`gigaplan.optimize.inputs.priced_inputs`).

    Raises :class:`InfeasibleError` naming the constraint groups that conflict (each whose
    removal alone makes the problem feasible) when no plan meets every limit."""
    t0 = time.perf_counter()
    inp = priced_inputs(p, a, pricing, like=like)
    b = _build(p, inp, fixed=fixed)
    t1 = time.perf_counter()
    result = _quiet_solve(b.m, gap, time_limit, threads)
    t2 = time.perf_counter()
    status = _status(b.m, result)
    if status != "optimal":
        if "infeasible" not in status.lower():
            raise GigaplanError(f"optimize: HiGHS stopped with {status!r} after "
                                f"{t2 - t1:.1f} s (raise --time-limit)")
        found = _conflicts(p, inp, _present(b), time_limit, threads, fixed)
        raise InfeasibleError(
            f"{p.name}: no plan meets every limit; " + (
                f"relaxing any one of {', '.join(found)} makes it feasible" if found else
                "no single group of constraints is to blame (several conflict together)"))
    sol = _extract(p, inp, b)
    sol.mip_gap = _gap(b.m)
    sol.build_s, sol.solve_s = t1 - t0, t2 - t1
    sol.binding_limits = _binding(b)
    if duals:
        _duals(sol, p, inp, b, threads)
    return sol


#: Structural constraints (the model's own bookkeeping), not limits a planner sets.
_STRUCTURAL = ("monotone", "mode_", "size_", "term_", "design_", "serve_fit")


def _binding(b: _Builder, tol: float = 1e-6) -> list[str]:
    """The limits of the integer optimum with no slack (within ``tol`` relative)."""
    out = []
    for name in b.m.constraints:
        if name.startswith(_STRUCTURAL):
            continue
        con = b.m.constraints[name]
        lhs = np.asarray(con.lhs.solution.values if hasattr(con.lhs, "solution") else [],
                         dtype=float)
        rhs = np.broadcast_to(np.asarray(con.rhs.values, dtype=float), lhs.shape)
        if lhs.size and np.any(np.abs(lhs - rhs) <= tol * np.maximum(1.0, np.abs(rhs))):
            out.append(name)
    return out


def _gap(m: linopy.Model) -> float:
    try:
        return float(m.solver_model.getInfo().mip_gap)
    except Exception:  # an LP (no integers): no gap
        return 0.0


def _serving_rows(p: OptimizeProblem, inp: Inputs, b: _Builder) -> pd.DataFrame:
    """Accelerators held for each served model: model, kind (site or contract), part (the site
    or the problem's contract), system, start, accelerators, t."""
    rows = []
    for var, table, kind, col in (("sv", inp.options, "site", "site"),
                                  ("svk", inp.contracts, "contract", "name")):
        if not len(b.mz) or not hasattr(b, var):
            continue
        held = _value(getattr(b, var))  # (m, parts, t)
        for j, i, t in zip(*np.nonzero(held > 1e-6), strict=True):
            rows.append({"model": p.serving[j].name, "kind": kind, "part": table[col].iloc[i],
                         "system": table["system"].iloc[i], "start": inp.starts[t].date(),
                         "accelerators": float(held[j, i, t]) * KACC, "t": int(t)})
    return pd.DataFrame(rows)


def _extract(p: OptimizeProblem, inp: Inputs, b: _Builder) -> Solution:
    builds = build_rows(inp, _value(b.inst) if len(b.o) else None)
    rents = []
    if len(b.k):
        c = _value(b.c)
        for k, r in enumerate(inp.contracts.itertuples()):
            for t in np.flatnonzero(c[k] > 1e-6):
                rents.append({"contract": r.name, "start": inp.starts[t].date(),
                              "accelerators": float(c[k, t]) * KACC, "t": int(t)})
    leased = {}
    if len(b.both):
        leased = dict(zip(b.both, _value(b.lease) > 0.5, strict=True))
    for s in p.sites:
        leased.setdefault(s.name, s.options == ["lease"])
    designs = designs_of(p, builds)
    eff = b.eff.solution if hasattr(b.eff, "solution") else None
    delivered = np.asarray(eff.values if eff is not None else np.zeros(len(b.t)))
    capacity = pd.DataFrame({"start": inp.starts.date, "demand_eflops": inp.demand_flops / EFLOPS,
                             "effective_eflops": delivered})
    sol = Solution(p, inp, _scalar(b.cost) * MUSD, 0.0, "optimal", builds,
                   pd.DataFrame(rents), leased, capacity, designs=designs,
                   serving=_serving_rows(p, inp, b))
    sol.spend_usd = _scalar(b.spend) * MUSD
    sol.compute_eflops_years = float(np.sum(delivered * inp.years))
    return sol


def _duals(sol: Solution, p: OptimizeProblem, inp: Inputs, b: _Builder, threads) -> None:
    """Shadow prices from the LP with the integer decisions fixed at the optimum."""
    fixed = {}
    if len(b.o):
        fixed["y"] = _value(b.inst)
    if len(getattr(b, "k_on", [])):
        fixed["on"] = _value(b.on)
    if len(b.both):
        fixed["lease"] = _value(b.lease)
    if len(b.dz):
        fixed["design"] = _value(b.design)
    lp = _build(p, inp, fixed=fixed)
    if _status(lp.m, _quiet_solve(lp.m, 0.0, 60.0, threads)) != "optimal":
        return
    prices, binding = {}, []
    for name in lp.m.constraints:
        dual = np.asarray(lp.m.constraints[name].dual.values, dtype=float)
        total = float(np.nansum(dual))
        if abs(total) > 1e-6:
            binding.append(name)
            prices[name] = total
    sol.shadow_prices = prices
    sol.binding = binding
