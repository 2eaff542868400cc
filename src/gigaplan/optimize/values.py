"""What relaxing each binding limit of a plan saves, by solving again (exact for the integer
programme, where dual prices are not): one more build step of interconnect at a site whose
grid is full, a built site energised one period earlier, $1B more budget or capex a year."""

from __future__ import annotations

from ..assumptions import Assumptions
from .model import _PREFIX, InfeasibleError, Solution, solve
from .problem import OptimizeProblem

__all__ = ["marginal_values"]


def _resolve(p: OptimizeProblem, a, gap, time_limit, threads, pricing) -> float | None:
    try:
        return solve(p, a, gap=gap, time_limit=time_limit, threads=threads,
                     duals=False, pricing=pricing).objective_usd
    except InfeasibleError:
        return None


def _with_site(p: OptimizeProblem, name: str, **update) -> OptimizeProblem:
    sites = [s.model_copy(update=update) if s.name == name else s for s in p.sites]
    return p.model_copy(update={"sites": sites})


def marginal_values(sol: Solution, a: Assumptions | None = None, *, gap: float = 0.005,
                    time_limit: float = 60.0, threads: int | None = None,
                    pricing: str = "engine", problem: OptimizeProblem | None = None
                    ) -> dict[str, float]:
    """What relaxing each binding limit by one unit saves, by solving again (exact for the
    integer programme, where duals are not): one more build step of interconnect at a site
    whose grid is full [$ per MW], a built site energised one period earlier [$], and $1B more
    budget or capex a year [$ per $1B]. Positive: the plan gets cheaper."""
    p, base, out = problem or sol.problem, sol.objective_usd, {}
    built = sol.builds.groupby("site") if len(sol.builds) else []
    opt = sol.inputs.options
    for site, g in built:
        s = next(x for x in p.sites if x.name == site)
        used = sum(opt.loc[r.option, "grid_mw"] * r.steps for r in g.itertuples())
        step = float(opt.loc[g["option"].iloc[0], "grid_mw"])
        if used + step > s.max_grid_mw:
            more = _resolve(_with_site(p, site, max_grid_mw=s.max_grid_mw + step), a, gap,
                            time_limit, threads, pricing)
            if more is not None:
                out[f"grid_{site}_usd_per_mw"] = (base - more) / step
        starts = sol.inputs.starts
        first = min(sol.inputs.first[r.option] for r in g.itertuples())
        if first > 0:
            earlier = starts[first - 1].date()
            got = _resolve(_with_site(p, site, earliest=min(s.earliest, earlier),
                                      lead_months=0), a, gap, time_limit, threads, pricing)
            if got is not None:
                out[f"earlier_{site}_usd"] = base - got
    lim = p.limits
    for key, field_ in (("budget", "budget_usd"), ("capex_per_year", "capex_usd_per_year")):
        value = getattr(lim, field_)
        if value is not None and any(n.startswith(_PREFIX.get(key, key)) or n == key
                                     for n in sol.binding_limits):
            more = _resolve(p.model_copy(update={"limits": lim.model_copy(
                update={field_: value + 1e9})}), a, gap, time_limit, threads, pricing)
            if more is not None:
                out[f"{key}_usd_per_1b"] = base - more
    return out
