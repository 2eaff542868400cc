"""The optimum as a scenario ``gigaplan run`` accepts, checked by running it.

:func:`plan_text` writes the chosen builds (a site per candidate used: owned or leased, a phase
per period and system) and rents (a contract per run of periods at one size), the problem's
workloads, horizon and finance, every value marked ``# assumption: chosen by gigaplan optimize
from PROBLEM``. :func:`optimize` solves, writes the plan, runs it through the whole chain and,
where gigaplan's scheduler (one pool per run, goodput of the run's own size) finishes a
workload after its deadline, asks the programme for more capacity-time before that deadline
and solves again, so the deadlines it reports as met are the ones ``gigaplan run`` meets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import tomlkit

from .. import chain, pipeline
from ..jsonable import records
from ..scenario import parse_scenario
from .check import checks
from .inputs import finance_table
from .model import InfeasibleError, Solution, solve
from .problem import OptimizeProblem
from .values import marginal_values

__all__ = ["Optimized", "contract_names", "optimize", "plan_text"]

#: Rounds of "solve, run, ask more of the deadlines gigaplan run misses".
ROUNDS = 4


def _marked(table, key: str, value, mark: str) -> None:
    item = tomlkit.item(value)
    item.comment(mark)
    table[key] = item


def _marker(p: OptimizeProblem, source: str):
    """The mark of a plan's value: the problem file's own mark of the value it copies
    (``path``), with where it came through, or "chosen by gigaplan optimize" for a choice."""
    chosen = f"chosen by gigaplan optimize from {source}"
    marks = p.provenance

    def mark(path: str | None = None) -> str:
        got = marks.get(path) if path else None
        return (f"assumption: {chosen}" if got is None else
                f"{got.kind}: {got.text} (through gigaplan optimize from {source})")

    return mark


def _site_tables(sol: Solution, mark) -> list:
    out = []
    p = sol.problem
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    system_at = {s.name: i for i, s in enumerate(p.systems)}
    for i_s, s in enumerate(p.sites):
        g = sol.builds[sol.builds["site"] == s.name] if len(sol.builds) else pd.DataFrame()
        if g.empty:
            continue
        t = tomlkit.table()
        at = f"sites[{i_s}]."
        cooling, dist = sol.designs[s.name]
        for key, value, src in (
                ("name", s.name, "name"), ("region", s.region, "region"),
                ("cooling", cooling, "cooling" if len(s.cooling) == 1 else None),
                ("distribution", dist, "distribution" if len(s.distribution) == 1 else None),
                ("grid_cap_mw", s.max_grid_mw, "max_grid_mw")):
            _marked(t, key, value, mark(src and at + src))
        if sol.leased.get(s.name):
            _marked(t, "ownership", "leased", mark())
            for key in ("lease_usd_per_kw_month", "lease_term_years"):
                _marked(t, key, getattr(s, key), mark(at + key))
        phases = tomlkit.aot()
        for i, r in enumerate(g.sort_values(["start", "system"]).itertuples()):
            ph = tomlkit.table()
            _marked(ph, "name", f"{s.name}-{i + 1}", mark())
            _marked(ph, "online", r.start, mark())
            _marked(ph, "system", r.system, mark())
            _marked(ph, "accelerators", int(r.accelerators), mark())
            _marked(ph, "ramp_months", 0, mark())
            if prices.get(r.system):
                _marked(ph, "price_usd_per_accelerator", prices[r.system], mark(
                    f"systems[{system_at[r.system]}].price_usd_per_accelerator"))
            phases.append(ph)
        t["phases"] = phases
        out.append(t)
    return out


def _segments(rents: pd.DataFrame, starts: pd.DatetimeIndex, end) -> list[tuple]:
    """(contract, first period, period after the last, accelerators) of each run of periods
    a contract is rented at one size (rounded up to whole accelerators)."""
    out = []
    ends = list(starts[1:].date) + [end]
    for name, g in rents.groupby("contract", sort=False):
        size = {int(r.t): math.ceil(r.accelerators - 1e-6) for r in g.itertuples()}
        run = None
        for t in range(len(starts) + 1):
            n = size.get(t)
            if run is not None and n != run[2]:
                out.append((name, run[0], ends[t - 1], run[2]))
                run = None
            if n and run is None:
                run = (starts[t].date(), t, n)
    return [(name, first, last, n) for name, first, last, n in out]


_SERVING_KEYS = ("params", "active_params", "precision", "tokens_per_day", "growth_per_year",
                 "start", "input_tokens", "output_tokens", "latency_tokens_per_s", "system")


def _serving_tables(sol: Solution, mark) -> list:
    """The problem's served models as the scenario's ``[[serving]]``, each to use the sites
    and contracts the programme held accelerators on for it, most first."""
    p, out = sol.problem, []
    segments: dict[str, list[str]] = {}
    for plan_name, name in contract_names(sol).items():
        segments.setdefault(name, []).append(plan_name)
    held = sol.serving
    for i, w in enumerate(p.serving):
        t = tomlkit.table()
        _marked(t, "name", w.name, mark(f"serving[{i}].name"))
        for key in _SERVING_KEYS:
            value = getattr(w, key)
            if key == "start" and value is None:
                value = p.horizon.start
            if value is not None:
                _marked(t, key, value, mark(f"serving[{i}].{key}"))
        mine = held[held["model"] == w.name] if len(held) else held
        if len(mine):
            order = mine.groupby(["kind", "part"])["accelerators"].sum().sort_values(
                ascending=False)
            use = [x for (kind, part) in order.index
                   for x in ([part] if kind == "site" else segments.get(part, []))]
            _marked(t, "use", use, mark())
        out.append(t)
    return out


def contract_names(sol: Solution) -> dict[str, str]:
    """The plan's contracts (one per run of periods at one size) -> the problem's contracts."""
    if not len(sol.rents):
        return {}
    segs = _segments(sol.rents, sol.inputs.starts, sol.problem.horizon.end)
    return {f"{name}-{i + 1}": name for i, (name, *_) in enumerate(segs)}


def plan_text(sol: Solution, source: str, kind: str = "least-cost") -> str:
    """The plan of ``sol`` as scenario TOML, every value marked: a choice as chosen by
    gigaplan optimize from ``source``, a value copied from the problem with the problem file's
    own ``# source:`` or ``# assumption:`` mark, and where it came through."""
    p = sol.problem
    mark = _marker(p, source)
    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"gigaplan plan: chosen by gigaplan optimize from {source}"))
    doc.add(tomlkit.comment(f"net present cost {sol.objective_usd / 1e9:,.2f} $B (MIP gap "
                            f"{sol.mip_gap:.3%})"))
    _marked(doc, "name", f"{p.name}-plan" + ("" if kind == "least-cost" else f"-{kind}"),
            mark())
    _marked(doc, "description", f"The {kind} plan for {p.name}: "
            + (p.description or "capacity expansion"), mark())
    horizon = tomlkit.table()
    _marked(horizon, "start", p.horizon.start, mark("horizon.start"))
    _marked(horizon, "end", p.horizon.end, mark("horizon.end"))
    _marked(horizon, "step", "month", mark())
    doc["horizon"] = horizon
    fin = tomlkit.table()
    for key, value in finance_table(p).items():  # as the engine pricing runs see it
        _marked(fin, key, value, mark(key))
    doc["finance"] = fin
    sites = _site_tables(sol, mark)
    if sites:
        doc["sites"] = tomlkit.aot()
        for t in sites:
            doc["sites"].append(t)
    end = p.horizon.end
    contracts = {k.name: (i, k) for i, k in enumerate(p.contracts)}
    segs = _segments(sol.rents, sol.inputs.starts, end) if len(sol.rents) else []
    if segs:
        doc["contracts"] = tomlkit.aot()
        for i, (name, first, last, n) in enumerate(segs):
            (j, k), t = contracts[name], tomlkit.table()
            at = f"contracts[{j}]."
            for key, value, src in (
                    ("name", f"{name}-{i + 1}", None), ("provider", k.provider, "provider"),
                    ("system", k.system, "system"), ("accelerators", int(n), None),
                    ("start", first, None), ("end", last, None),
                    ("price_usd_per_accelerator_hour", k.price_usd_per_accelerator_hour,
                     "price_usd_per_accelerator_hour")):
                _marked(t, key, value, mark(src and at + src))
            doc["contracts"].append(t)
    if p.serving:
        doc["serving"] = tomlkit.aot()
        for t in _serving_tables(sol, mark):
            doc["serving"].append(t)
    if p.workloads:
        doc["workloads"] = tomlkit.aot()
        for i, w in enumerate(p.workloads):
            t = tomlkit.table()
            # the programme pools capacity-time across sites: let the run span them
            for key, value in (("name", w.name), ("flops", w.flops), ("deadline", w.deadline),
                               ("multi_site", True)):
                _marked(t, key, value, mark(f"workloads[{i}].{key}"))
            doc["workloads"].append(t)
    return tomlkit.dumps(doc)


@dataclass
class Optimized:
    """The solution, its plan as scenario text, and what ``gigaplan run`` made of it:
    ``workloads`` (name, status, finish, deadline), ``run_npv_usd`` (the finance engine's NPV
    of the plan), ``rounds`` (solves until the run met every deadline the plan claims),
    ``checks`` (every claim against the run, :func:`gigaplan.optimize.check.checks`)."""

    solution: Solution
    text: str
    workloads: list = field(default_factory=list)
    run_npv_usd: float = float("nan")
    rounds: int = 1
    stochastic: object = None  # gigaplan.optimize.stochastic.TwoStage with [uncertainty]
    checks: list = field(default_factory=list)  # gigaplan.optimize.check.checks

    def to_dict(self) -> dict:
        s = self.solution
        return {
            "problem": s.problem.name, "objective": s.problem.objective,
            "pricing": "engine" if s.inputs.engine is not None else "annuity",
            "objective_usd": s.objective_usd, "spend_usd": s.spend_usd,
            "compute_eflops_years": s.compute_eflops_years, "mip_gap": s.mip_gap,
            "build_s": s.build_s, "solve_s": s.solve_s, "rounds": self.rounds,
            "run_npv_usd": self.run_npv_usd,
            "builds": records(s.builds.drop(columns=["option", "t"], errors="ignore")),
            "leased": {k: bool(v) for k, v in s.leased.items()},
            "rents": records(s.rents.drop(columns=["t"], errors="ignore")),
            "capacity": records(s.capacity), "binding": s.binding_limits,
            "serving": records(s.serving.drop(columns=["t"], errors="ignore")),
            "designs": {k: list(v) for k, v in s.designs.items()},
            "shadow_prices": s.shadow_prices, "marginal_values": s.values,
            "marginal_values_within": s.value_errors,
            "workloads": self.workloads, "checks": self.checks,
            "stochastic": None if self.stochastic is None else self.stochastic.to_dict()}


def _run(text: str, a=None):
    """The plan ``text`` run through the chain under the assumptions it was priced with."""
    s = parse_scenario(text, "plan")
    return chain.stages(s, pipeline.assumptions_for(s, base=a))


def _two_stage(p: OptimizeProblem, q: OptimizeProblem, sol: Solution, a, source: str, *,
               gap: float, time_limit: float, threads, pricing: str):
    """The two-stage plan (deadlines as the deterministic plan last asked of them, ``q``), its
    central case as a scenario and that scenario checked by ``gigaplan run``."""
    from .stochastic import central_plan, solve_two_stage

    two = solve_two_stage(q, a, gap=gap, time_limit=time_limit, threads=threads,
                          deterministic=sol, pricing=pricing)
    try:
        central = central_plan(q, two, a, gap=gap, time_limit=time_limit, threads=threads,
                               pricing=pricing, like=sol.inputs)
    except InfeasibleError as exc:  # it pays to leave some demand unmet in the samples
        two.note = (f"its builds cannot meet the central case with the contracts on offer "
                    f"({exc}); no plan written")
        return two
    central.problem = p
    two.plan, two.text = central, plan_text(central, source, "two-stage")
    two.checks = checks(central, _run(two.text, a), contract_names(central))
    return two


def optimize(p: OptimizeProblem, source: str, a=None, *, gap: float = 0.005,
             time_limit: float = 60.0, threads: int | None = None,
             values: bool = False, pricing: str = "engine") -> Optimized:
    """Solve ``p``, write its plan and run it; tighten the deadlines gigaplan's scheduler
    misses (25% more capacity-time before each, up to :data:`ROUNDS` solves). With
    ``[uncertainty] samples``, also the two-stage plan over the samples and what ignoring
    them costs (:func:`gigaplan.optimize.stochastic.solve_two_stage`)."""
    extra: dict[str, float] = {}
    sol = None
    for k in range(1, ROUNDS + 1):
        q = p.model_copy(update={"workloads": [
            w.model_copy(update={"flops": w.flops * extra.get(w.name, 1.0)})
            for w in p.workloads]}) if extra else p
        sol = solve(q, a, gap=gap, time_limit=time_limit, threads=threads, pricing=pricing,
                    like=None if sol is None else sol.inputs)
        sol.problem = p
        text = plan_text(sol, source)
        r = _run(text, a)
        late = [w for w in r.summary.workloads if w.status != "on time"]
        if not late or not p.workloads or k == ROUNDS:
            break
        for w in late:
            extra[w.name] = extra.get(w.name, 1.0) * 1.25
    if values and p.objective == "min_cost":  # of the problem as last solved
        sol.values, sol.value_errors = marginal_values(
            sol, a, gap=gap, time_limit=time_limit, threads=threads, pricing=pricing,
            problem=q)
    work = [{"name": w.name, "status": w.status, "finish": w.finish, "deadline": w.deadline}
            for w in r.summary.workloads]
    two = None
    if p.uncertainty.samples and p.objective == "min_cost":
        two = _two_stage(p, q, sol, a, source, gap=gap, time_limit=time_limit,
                         threads=threads, pricing=pricing)
    return Optimized(sol, text, work, float(r.finance.npv_usd[0]), k, two,
                     checks(sol, r, contract_names(sol)))
