"""Planning under uncertainty: a two-stage programme over Monte Carlo samples.

First stage, decided once: the builds (installed steps per option and period, build or lease
per site), under the same grid, step, mode and supply limits as :mod:`~gigaplan.optimize.model`.
Second stage, per sample ``w``: the demand times a multiplier drawn from a triangular
distribution (``demand_low``, 1, ``demand_high``), each site energised ``d`` months late
(uniform whole months up to ``delay_months_high``; a late site's steps deliver from ``t + d``,
and cost as planned: the commitment is made), and the rents that cover what the builds leave,
with any demand still unmet priced at ``unserved_usd_per_eflops_hour``.

Objective: the builds' net present cost plus ``(1 - risk_weight)`` times the expected
second-stage cost plus ``risk_weight`` times its CVaR at ``cvar_alpha`` (Rockafellar and
Uryasev 2000: ``eta + E[max(0, cost - eta)] / (1 - alpha)``). The value of the stochastic
solution (Birge 1982) is the expected cost of the deterministic plan (:func:`solve`, demand at
its central value, no delays) evaluated on the same samples, less the two-stage expected cost:
what ignoring the uncertainty costs. Each sample keeps the contracts' minimum sizes and terms
(a binary per contract, period and sample), the workloads' deadlines (met by its builds,
late as drawn, and rents) and the served models' peak tokens/s (held on them before training;
what a sample leaves unserved is priced at ``unserved_usd_per_million_tokens``, as if the
peak's shortfall lasted the whole period).

The two-stage builds are also written as a plan: the deterministic programme with those
builds fixed chooses the rents of the central case (demand at 1, no delays), and that plan is
checked by ``gigaplan run`` like the deterministic one (:func:`central_plan`).

References
----------
.. [1] R. T. Rockafellar, S. Uryasev, "Optimization of conditional value-at-risk", J. Risk 2
   (2000) 21-42.
.. [2] J. R. Birge, "The value of the stochastic solution in stochastic linear programs with
   fixed recourse", Math. Programming 24 (1982) 314-325.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..constants import HOURS_PER_YEAR, SECONDS_PER_YEAR
from ..errors import GigaplanError
from ..jsonable import records
from .inputs import Inputs, build_rows, designs_of, priced_inputs
from .highs import quiet_solve as _quiet_solve
from .highs import scalar as _scalar
from .highs import status as _status
from .highs import value as _value
from .model import EFLOPS, KACC, MUSD, Solution, _Builder, _da
from .model import solve as solve_deterministic
from .problem import OptimizeProblem, fixed_choices

__all__ = ["TwoStage", "central_plan", "draw", "solve_two_stage"]


@dataclass
class TwoStage:
    """What :func:`solve_two_stage` returns: the first-stage ``builds`` (as
    :class:`~gigaplan.optimize.model.Solution` tables), the expected total cost, its CVaR,
    each sample's cost, and the value of the stochastic solution (``vss_usd``: the
    deterministic plan's expected cost on the same samples less this one's)."""

    builds: pd.DataFrame
    leased: dict
    expected_usd: float
    cvar_usd: float
    sample_usd: np.ndarray
    deterministic_expected_usd: float
    vss_usd: float
    multipliers: np.ndarray
    delays: np.ndarray
    solve_s: float
    installed: np.ndarray | None = None  # (o, t) the first stage's installed steps
    designs: dict | None = None
    plan: Solution | None = None  # the central case's plan on these builds (central_plan)
    text: str = ""                # that plan as a scenario
    checks: list | None = None    # that plan checked by gigaplan run
    note: str = ""                # why there is no such plan

    def to_dict(self) -> dict:
        return {"expected_usd": self.expected_usd, "cvar_usd": self.cvar_usd,
                "deterministic_expected_usd": self.deterministic_expected_usd,
                "vss_usd": self.vss_usd, "samples": int(len(self.sample_usd)),
                "sample_usd_p10_p90": [float(np.percentile(self.sample_usd, 10)),
                                       float(np.percentile(self.sample_usd, 90))],
                "builds": records(self.builds.drop(columns=["option", "t"], errors="ignore")),
                "leased": {k: bool(v) for k, v in self.leased.items()},
                "solve_s": self.solve_s,
                "central_plan_usd": None if self.plan is None else self.plan.objective_usd,
                "checks": self.checks, "note": self.note}


def draw(p: OptimizeProblem) -> tuple[np.ndarray, np.ndarray]:
    """(demand multipliers (S,), site delays in months (S, sites)), from one seed through a
    :class:`numpy.random.SeedSequence` (the multipliers and the delays each its child)."""
    u = p.uncertainty
    seq = np.random.SeedSequence(u.seed)
    a, b = (np.random.default_rng(s) for s in seq.spawn(2))
    mult = a.triangular(u.demand_low, 1.0, u.demand_high, size=u.samples) \
        if u.demand_high > u.demand_low else np.ones(u.samples)
    delays = b.integers(0, u.delay_months_high + 1, size=(u.samples, len(p.sites)))
    return mult, delays


class _TwoStageBuilder(_Builder):
    """The first stage of :class:`_Builder` (builds, site limits) and a second stage per
    sample."""

    def __init__(self, p, inp: Inputs, mult, delays, fixed=None):
        super().__init__(p, inp, fixed=fixed)
        self.mult, self.delays = mult, delays
        self.w = pd.RangeIndex(len(mult), name="w")
        self.extra = [self.w]  # serving is held per sample

    def _held(self, name: str, j: int):
        """Sample ``j``'s accelerators held to serve on options (``sv``) or contracts (``svk``),
        or None without serving."""
        v = getattr(self, name, None) if len(self.mz) else None
        return None if v is None else v.sel(w=j, drop=True)

    def constraints(self) -> None:
        self._stages()

    def _stages(self) -> None:
        self._sites()
        months = 1 if self.p.horizon.period == "month" else 3
        inp, t, w, u = self.inp, self.t, self.w, self.p.uncertainty
        T, S = len(t), len(w)
        m = self.m
        c = (m.add_variables(lower=0, upper=_da(np.broadcast_to(self._c_up()[:, :, None],
                                                                (len(self.k), T, S)),
                                                self.k, t, w), name="c2")
             if len(self.k) else None)
        on = (m.add_variables(coords=[self.k_on, t, w], name="on2", binary=True)
              if c is not None and len(self.k_on) else None)
        short = m.add_variables(lower=0, coords=[t, w], name="unserved")  # EFLOP/s
        tokens_short = (m.add_variables(lower=0, coords=[self.mz, t, w], name="unserved_tok")
                        if len(self.mz) else None)  # millions of tokens/s at the peak
        weight = _da(inp.discount * inp.years, t)
        hours = _da(inp.years * HOURS_PER_YEAR, t)
        second, first = [], 0
        if len(self.o):
            first = self._build_cost(weight)
        for j in range(S):
            eff = self._delivered(j, months)
            if c is not None:
                c_j, svk = c.sel(w=j, drop=True), self._held("svk", j)
                rented = c_j if svk is None else c_j - svk.sum("m")  # what serving leaves
                eff = eff + (rented * _da(inp.contracts["eff_flops"] * KACC / EFLOPS,
                                          self.k)).sum("k")
                if svk is not None:
                    self.add("structure", svk.sum("m") <= c_j, f"serve_fit_k_{j}")
                if on is not None:  # the contracts' minimum sizes and terms, per sample
                    self.contract_terms(c_j, on.sel(w=j, drop=True), f"_{j}")
            if len(self.mz):
                self.serving_limits(self._held("sv", j), self._held("svk", j), f"_{j}",
                                    short=tokens_short.sel(w=j, drop=True))
            self._sample_limits(j, eff, short.sel(w=j, drop=True))
            cost = (short.sel(w=j, drop=True) * hours * _da(inp.discount, t)).sum() * (
                u.unserved_usd_per_eflops_hour / MUSD)
            if tokens_short is not None:  # as if the peak's shortfall lasted the period
                cost = cost + (tokens_short.sel(w=j, drop=True) * hours * 3600.0
                               * _da(inp.discount, t)).sum() * (
                    u.unserved_usd_per_million_tokens / MUSD)
            if c is not None:
                cost = cost + self._rent_cost(c.sel(w=j, drop=True), hours)
            second.append(cost)
        self.first, self.second = first, second
        eta = m.add_variables(name="eta")  # the value at risk
        z = m.add_variables(lower=0, coords=[w], name="excess")
        for j, cost in enumerate(second):
            m.add_constraints(z.sel(w=j, drop=True) >= cost - eta, name=f"cvar_{j}")
        mean = sum(second) * (1.0 / S)
        cvar = eta + z.sum() * (1.0 / ((1.0 - u.cvar_alpha) * S))
        self.mean, self.cvar = mean, cvar
        self.cost = first + (1.0 - u.risk_weight) * mean + u.risk_weight * cvar

    def _sample_limits(self, j: int, eff, short) -> None:
        """Sample ``j``'s demand (what its compute leaves unmet is ``short``, priced) and the
        workloads' deadlines (met by its compute alone: capacity-time by each deadline)."""
        inp = self.inp
        need = inp.demand_flops * self.mult[j] / EFLOPS
        sel = np.flatnonzero(need > 0)
        if len(sel):
            self.add("demand", (eff + short).sel(t=sel) >= _da(need[sel],
                                                               pd.Index(sel, name="t")),
                     f"demand_{j}")
        delivered = (eff * _da(inp.years, self.t)).cumsum("t")  # EFLOP/s-years
        for i, (tt, _, _) in enumerate(inp.deadlines):
            due = sum(f for t2, f, _ in inp.deadlines if t2 <= tt) / EFLOPS / SECONDS_PER_YEAR
            self.add("deadline", delivered.sel(t=tt) >= due, f"deadline_{j}_{i}")

    def _build_cost(self, weight):
        """The builds' cost: the finance engine's of each step by the period it comes online
        (engine pricing), or annual equivalents while installed (annuity)."""
        inp = self.inp
        if inp.engine is not None:
            return (self.x * _da(np.nan_to_num(inp.engine.u) / MUSD, self.o, self.t)).sum()
        return ((self.inst * _da(inp.options["annual_usd"] / MUSD, self.o)).sum("o")
                * weight).sum()

    def _rent_cost(self, c, hours):
        """One sample's rents' cost, priced like the builds."""
        inp = self.inp
        if inp.engine is not None:
            return (c * _da(np.nan_to_num(inp.engine.v) * KACC / MUSD, self.k, self.t)).sum()
        rent = (c * _da(inp.contracts["usd_per_hour"] * KACC / MUSD, self.k)).sum("k") * hours
        return (rent * _da(inp.discount, self.t)).sum()

    def _c_up(self) -> np.ndarray:
        up = np.zeros((len(self.k), len(self.t)))
        for i, r in enumerate(self.inp.contracts.itertuples()):
            up[i, self.inp.contract_first[i]:] = r.max / KACC
        return up

    def _delivered(self, j: int, months: int):
        """Effective EFLOP/s of the builds in sample ``j`` left for training: each site's steps
        from its delay, less what serving holds there."""
        inp, total = self.inp, 0
        if not len(self.o):
            return total
        opt, sv = inp.options, self._held("sv", j)
        for s_i, s in enumerate(self.p.sites):
            sel = np.flatnonzero((opt["site"] == s.name).values)
            if not len(sel):
                continue
            d = int(np.ceil(self.delays[j, s_i] / months))
            idx = pd.Index(sel, name="o")
            y = self.inst.sel(o=sel)
            y = y.shift(t=d).fillna(0) if d else y  # a late site delivers nothing before
            total = total + (y * _da(opt["eff_flops"].values[sel] / EFLOPS, idx)).sum("o")
            if sv is not None:
                held = sv.sel(o=sel).sum("m")
                self.add("structure", held <= y * _da(opt["accelerators"].values[sel] / KACC,
                                                      idx), f"serve_fit_{j}_{s_i}")
                total = total - (held * _da(opt["eff_flops"].values[sel]
                                            / opt["accelerators"].values[sel] * KACC / EFLOPS,
                                            idx)).sum("o")
        return total


def _solve(p, inp, mult, delays, gap, time_limit, threads, fixed=None) -> _TwoStageBuilder:
    b = _TwoStageBuilder(p, inp, mult, delays, fixed)
    b.variables()
    b.constraints()
    b.m.add_objective(b.cost)
    if _status(b.m, _quiet_solve(b.m, gap, time_limit, threads)) != "optimal":
        raise GigaplanError(f"{p.name}: the two-stage programme found no plan: its grid, step, "
                            "mode and supply limits conflict, or a sample's deadlines cannot be "
                            "met with its sites late as drawn (lower [uncertainty] "
                            "delay_months_high, or offer more contracts)")
    return b


def solve_two_stage(p: OptimizeProblem, a: Assumptions | None = None, *, gap: float = 0.005,
                    time_limit: float = 120.0, threads: int | None = None,
                    deterministic: Solution | None = None, pricing: str = "engine"
                    ) -> TwoStage:
    """The two-stage plan of ``p`` over ``p.uncertainty.samples`` samples, and the value of
    the stochastic solution against ``deterministic`` (default: :func:`solve` of ``p``), both
    priced alike (``pricing``, as :func:`gigaplan.optimize.model.solve`)."""
    if p.uncertainty.samples < 1:
        raise GigaplanError(f"{p.name}: [uncertainty] samples = 0; give samples >= 1 for the "
                            "two-stage programme")
    t0 = time.perf_counter()
    inp = priced_inputs(p, a, pricing,
                        like=None if deterministic is None else deterministic.inputs)
    mult, delays = draw(p)
    b = _solve(p, inp, mult, delays, gap, time_limit, threads)
    costs = np.array([_scalar(c) + _scalar(b.first) for c in b.second]) * MUSD
    y = _value(b.inst) if len(b.o) else None
    builds = build_rows(inp, y)
    leased = dict(zip(b.both, _value(b.lease) > 0.5, strict=True)) if len(b.both) else {}
    det = deterministic if deterministic is not None else solve_deterministic(
        p, a, gap=gap, time_limit=time_limit, threads=threads, pricing=pricing)
    fixed = {"y": _installed(inp, det), **fixed_choices(p, det.leased, det.designs)}
    e = _solve(p, inp, mult, delays, gap, time_limit, threads, fixed=fixed)
    det_expected = (_scalar(e.first) + _scalar(e.mean)) * MUSD
    expected = (_scalar(b.first) + _scalar(b.mean)) * MUSD
    return TwoStage(builds, leased, expected, (_scalar(b.first) + _scalar(b.cvar)) * MUSD,
                    costs, det_expected, det_expected - expected, mult, delays,
                    time.perf_counter() - t0, installed=y,
                    designs=designs_of(p, builds))


def central_plan(p: OptimizeProblem, two: TwoStage, a: Assumptions | None = None, *,
                 gap: float = 0.005, time_limit: float = 120.0, threads: int | None = None,
                 pricing: str = "engine", like: Inputs | None = None) -> Solution:
    """The plan of the two-stage builds in the central case: the deterministic programme with
    the builds, leases and designs of ``two`` fixed chooses the rents (demand at its central
    value, no delays). Raises :class:`~gigaplan.optimize.model.InfeasibleError` if those builds
    cannot meet the central case's limits."""
    fixed = fixed_choices(p, two.leased, two.designs)
    if two.installed is not None:
        fixed["y"] = two.installed
    return solve_deterministic(p, a, gap=gap, time_limit=time_limit, threads=threads,
                               pricing=pricing, fixed=fixed, like=like, duals=False)


def _installed(inp: Inputs, det: Solution) -> np.ndarray:
    y = np.zeros((len(inp.options), len(inp.starts)))
    for r in det.builds.itertuples():
        y[r.option, r.t:] += r.steps
    return y
