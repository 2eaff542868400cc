"""What relaxing each binding limit of a plan saves, by solving again (exact for the integer
programme, where dual prices are not): one more build step of interconnect at a site whose
grid is full, a built site energised one period earlier, $1B more budget or capex a year."""

from __future__ import annotations

import numpy as np

from ..assumptions import Assumptions
from .model import _PREFIX, InfeasibleError, Solution, solve
from .problem import OptimizeProblem

__all__ = ["marginal_values"]


def _resolve(p: OptimizeProblem, a, gap, time_limit, threads, pricing,
             like=None) -> tuple | None:
    """(objective, the MIP gap it reached) of ``p`` solved again, None if infeasible; prices
    taken from ``like`` where its candidates and periods are ``p``'s."""
    try:
        s = solve(p, a, gap=gap, time_limit=time_limit, threads=threads, duals=False,
                  pricing=pricing, like=like)
    except InfeasibleError:
        return None
    return s.objective_usd, s.mip_gap


def _with_site(p: OptimizeProblem, name: str, **update) -> OptimizeProblem:
    sites = [s.model_copy(update=update) if s.name == name else s for s in p.sites]
    return p.model_copy(update={"sites": sites})


def marginal_values(sol: Solution, a: Assumptions | None = None, *, gap: float = 0.005,
                    time_limit: float = 60.0, threads: int | None = None,
                    pricing: str = "engine", problem: OptimizeProblem | None = None
                    ) -> tuple[dict[str, float], dict[str, float]]:
    """What relaxing each binding limit by one unit saves, by solving again (exact for the
    integer programme, where duals are not): one more build step of interconnect at a site
    whose grid is full [$ per MW], each candidate site energised one period earlier, built or
    not [$], and $1B more budget or capex a year [$ per $1B]. Positive: the plan gets
    cheaper.

    Returns the values and how far each may be off: each solve's objective is within the
    MIP gap it reached of its optimum, so a value is known to the sum of the two (per MW: over
    the step's MW); a value smaller than that is the solver's tolerance, not the limit's worth
    (solve with a smaller ``gap`` to resolve it)."""
    p, base, out, err = problem or sol.problem, sol.objective_usd, {}, {}

    def keep(name: str, relaxed: tuple, per: float = 1.0) -> None:
        cost, reached = relaxed
        out[name] = (base - cost) / per
        err[name] = (sol.mip_gap * abs(base) + reached * abs(cost)) / per

    built = sol.builds.groupby("site") if len(sol.builds) else []
    opt, inp = sol.inputs.options, sol.inputs
    for site, g in built:
        s = next(x for x in p.sites if x.name == site)
        used = sum(opt.loc[r.option, "grid_mw"] * r.steps for r in g.itertuples())
        step = float(opt.loc[g["option"].iloc[0], "grid_mw"])
        if used + step > s.max_grid_mw:
            more = _resolve(_with_site(p, site, max_grid_mw=s.max_grid_mw + step), a, gap,
                            time_limit, threads, pricing, inp)
            if more is not None:
                keep(f"grid_{site}_usd_per_mw", more, step)
    for s in p.sites:
        rows = np.flatnonzero((opt["site"] == s.name).values) if len(opt) else []
        first = int(inp.first[rows].min()) if len(rows) else 0
        if first > 0 and first < len(inp.starts):
            earlier = inp.starts[first - 1].date()
            got = _resolve(_with_site(p, s.name, earliest=min(s.earliest, earlier),
                                      lead_months=0), a, gap, time_limit, threads, pricing, inp)
            if got is not None:
                keep(f"earlier_{s.name}_usd", got)
    lim = p.limits
    for key, field_ in (("budget", "budget_usd"), ("capex_per_year", "capex_usd_per_year")):
        value = getattr(lim, field_)
        if value is not None and any(n.startswith(_PREFIX.get(key, key)) or n == key
                                     for n in sol.binding_limits):
            more = _resolve(p.model_copy(update={"limits": lim.model_copy(
                update={field_: value + 1e9})}), a, gap, time_limit, threads, pricing, inp)
            if more is not None:
                keep(f"{key}_usd_per_1b", more)
    return out, err
