"""What ``gigaplan run`` makes of a plan, against what the programme claims of it.

:func:`checks` reads the run of the plan's scenario and compares, one row per claim:

* **cost**: the run's net present cost (minus the finance engine's NPV) against the objective.
  With engine pricing they are the same accounting and agree to the rounding of rented
  accelerators up to whole ones (tolerance :data:`COST_TOLERANCE`); with annuity pricing they
  are not, and the row says so (``ok`` is None).
* **deadlines**: each workload on time in the run's schedule.
* **serving**: each served model's demand met on every day of the horizon by the run's
  serving stage (which places it on the pools the plan names, before any training).
* **demand**, **site share**, **provider share** and **N-1**, per period: the accelerators the
  run installs in each period's first month (the fleet stage's monthly shares), less those its
  serving stage holds that day, at the programme's effective FLOP/s per accelerator of their
  option or contract. This checks that the plan as written installs what the programme
  counted for training, when it counted it.
* **capex per year**, **budget**, **CO2** and **water**: the run's capex by calendar year, its
  capex, lease and contract payments over the horizon, and its facility model's grid CO2 and
  water, against
  the limits. With engine pricing the programme's own figures are the engine's, so these hold
  as claimed; with annuity pricing capex falls in the period a step comes online, not over
  its construction, and the rows show the difference.

Each row: ``check``, ``claimed`` (the programme's figure), ``run`` (the run's), ``limit``,
``unit`` and ``ok`` (True, False, or None where the two are not comparable).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Relative difference allowed between the objective and the run's cost (engine pricing):
#: rented accelerators are rounded up to whole ones in the plan.
COST_TOLERANCE = 1e-4

#: Relative slack of the programme's constraints (HiGHS's feasibility tolerance, scaled).
_SLACK = 1e-6

__all__ = ["COST_TOLERANCE", "checks", "failed"]


def _row(check: str, claimed, run, limit, unit: str, ok) -> dict:
    return {"check": check, "claimed": None if claimed is None else float(claimed),
            "run": float(run), "limit": None if limit is None else float(limit), "unit": unit,
            "ok": None if ok is None else bool(ok)}


def _cost(sol, run) -> dict:
    claimed, got = sol.objective_usd, -float(run.finance.npv_usd[0])
    engine = sol.inputs.engine is not None
    ok = abs(got - claimed) <= COST_TOLERANCE * max(abs(claimed), 1.0) if engine else None
    return _row("cost", claimed, got, None, "USD", ok)


def _deadlines(run) -> list[dict]:
    return [_row(f"deadline {w.name}", 1.0, float(w.status == "on time"), 1.0, "on time",
                 w.status == "on time") for w in run.summary.workloads]


def installed(sol, run, contract_of: dict) -> pd.DataFrame:
    """Effective EFLOP/s the run has for training in each period's first month, by block:
    installed (the fleet's monthly shares) less what its serving stage holds that day;
    columns ``part`` (a site or a provider), ``kind`` (site or contract), one per period."""
    fl, inp = run.fleet, sol.inputs
    months = np.searchsorted(fl.monthly.dates.values, inp.starts.values)
    share = fl.monthly.mean[np.clip(months, 0, len(fl.monthly.dates) - 1)]  # (T, blocks)
    rate = {(r.site, r.system, r.mode, r.cooling, r.distribution): r.eff_flops / r.accelerators
            for r in inp.options.itertuples()}
    contracts = inp.contracts.set_index("name") if len(inp.contracts) else None
    days = np.clip(np.searchsorted(run.serving.days.values, inp.starts.values), 0,
                   max(len(run.serving.days) - 1, 0))
    rows, parts, kinds, per_pool = [], [], [], {}
    for i, b in enumerate(fl.blocks.itertuples()):
        if b.kind == "site":
            mode = "lease" if sol.leased.get(b.owner) else "build"
            per, part = rate[(b.owner, b.system, mode, *sol.designs[b.owner])], b.owner
        else:
            k = contracts.loc[contract_of[b.owner]]
            per, part = k["eff_flops"], k["provider"]
        rows.append(share[:, i] * b.accelerators * per / 1e18)
        parts.append(part)
        kinds.append(b.kind)
        per_pool[(b.kind, b.owner, b.system)] = (per, part)
    for key, held in run.serving.reserved.items():  # (samples, days) accelerators
        per, part = per_pool[key]
        rows.append(-np.asarray(held)[0, days] * per / 1e18)
        parts.append(part)
        kinds.append(key[0])
    frame = pd.DataFrame(np.array(rows).reshape(len(rows), len(inp.starts)))
    frame.insert(0, "kind", kinds)
    frame.insert(0, "part", parts)
    return frame


def _serving(sol, run) -> list[dict]:
    """Each served model: the least share of its demand the run serves on a day of the
    horizon."""
    out = []
    inside = run.serving.within(sol.problem.horizon.start, sol.problem.horizon.end)
    for m in run.serving.models:
        demand, served = np.asarray(m["demand"]), np.asarray(m["served"])
        on = inside & (demand > 0)
        worst = float(np.min(served[on] / demand[on])) if on.any() else 1.0
        out.append(_row(f"serving {m['name']}", 1.0, worst, 1.0,
                        "share of demand served (lowest day)", worst >= 1.0 - _SLACK))
    return out


def _capacity(sol, run, contract_of: dict) -> list[dict]:
    inp, lim = sol.inputs, sol.problem.limits
    eff = installed(sol, run, contract_of)
    periods = [c for c in eff.columns if c not in ("part", "kind")]
    total = eff[periods].sum(axis=0).to_numpy()
    need = inp.demand_flops / 1e18
    on = need > 0
    out = []
    if on.any():
        ratio = float(np.min(total[on] / need[on]))
        out.append(_row("demand", 1.0, ratio, 1.0, "share of demand (lowest period)",
                        ratio >= 1.0 - _SLACK))
    by = {kind: eff[eff["kind"] == kind].groupby("part")[periods].sum()
          for kind in ("site", "contract")}
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind, share, name in (("site", lim.max_site_share, "site share"),
                                  ("contract", lim.max_provider_share, "provider share")):
            if share is not None and len(by[kind]):
                worst = float(np.nanmax(by[kind].to_numpy() / np.where(total > 0, total, np.nan)))
                out.append(_row(name, share, worst, share, "share of capacity (highest)",
                                worst <= share + _SLACK))
    if lim.n_minus_1 is not None and on.any():
        parts = pd.concat([by["site"], by["contract"]])
        left = float(np.min((total[None, on] - parts.to_numpy()[:, on]) / need[None, on]))
        out.append(_row("N-1", lim.n_minus_1, left, lim.n_minus_1,
                        "share of demand left without the largest part (lowest period)",
                        left >= lim.n_minus_1 - _SLACK))
    return out


def _claimed(sol) -> tuple[float | None, float | None, float | None]:
    """The programme's largest capex of a calendar year, its CO2 and water (engine pricing: the
    engine's figures of the steps it builds; None with annuity pricing)."""
    eng = sol.inputs.engine
    if eng is None:
        return None, None, None
    capex, co2, water = np.zeros(len(eng.years)), 0.0, 0.0
    for b in sol.builds.itertuples() if len(sol.builds) else ():
        capex += b.steps * eng.capex[b.option, b.t]
        co2 += b.steps * eng.co2_t[b.option, b.t]
        water += b.steps * eng.water_m3[b.option, b.t]
    return float(np.max(capex, initial=0.0)), co2, water


def _money(sol, run) -> list[dict]:
    lim, f = sol.problem.limits, run.finance
    y = f.yearly
    engine = sol.inputs.engine is not None
    capex, co2, water = _claimed(sol)
    out = []
    if lim.capex_usd_per_year is not None:
        worst = float(np.max(y["capex_usd"][0], initial=0.0))
        out.append(_row("capex per year", capex, worst, lim.capex_usd_per_year,
                        "USD (largest year)", worst <= lim.capex_usd_per_year * (1 + _SLACK)
                        if engine else None))
    spend = float((y["capex_usd"] + y["lease_payments_usd"] + y["contract_payments_usd"])[0]
                  .sum())
    if lim.budget_usd is not None:
        out.append(_row("budget", sol.spend_usd, spend, lim.budget_usd, "USD",
                        spend <= lim.budget_usd * (1 + COST_TOLERANCE) if engine else None))
    if lim.co2_t is not None:
        got = float(run.facility.result["co2_t"][0].sum())
        out.append(_row("CO2", co2, got, lim.co2_t, "t",
                        got <= lim.co2_t * (1 + _SLACK) if engine else None))
    if lim.water_m3 is not None:
        got = float(run.facility.result["water_m3"][0].sum())
        out.append(_row("water", water, got, lim.water_m3, "m3",
                        got <= lim.water_m3 * (1 + _SLACK) if engine else None))
    return out


def checks(sol, run, contract_of: dict) -> list[dict]:
    """Every claim of solution ``sol`` against ``run`` (the chain's run of its plan);
    ``contract_of``: the plan's contract names -> the problem's."""
    return [_cost(sol, run), *_deadlines(run), *_serving(sol, run),
            *_capacity(sol, run, contract_of), *_money(sol, run)]


def failed(rows: list[dict]) -> list[str]:
    """The checks that do not hold (``ok`` False)."""
    return [r["check"] for r in rows if r["ok"] is False]
