"""What each candidate costs and delivers, from gigaplan's own engines, per period.

Per build option (site x system x build-or-lease) and step of ``step_mw`` of critical IT:
accelerators (:func:`gigaplan.itpower.count_for_it_mw`), effective BF16 FLOP/s (peak x
``training.mfu.<system>.bf16`` x the reference job's goodput on the site,
:func:`gigaplan.reliability.reference_goodput`), grid MW (the facility model's design-hour draw
x ``1 + facility.grid_headroom``, :func:`gigaplan.facility.single_site`), capex and yearly
opex (:func:`gigaplan.finance.cost`: facility and IT capex, energy at the region's price,
maintenance, staff, tax and insurance, transit), yearly CO2 (annual MWh x the region's eGRID
rate). A leased site pays the lease (``lease_usd_per_kw_month`` x kW) instead of the facility
capex and its upkeep (maintenance, staff, tax and insurance of the facility are the
landlord's); the accelerators are bought either way.

Costs enter the objective as annual equivalents from the period a step comes online: capex
times the capital recovery factor over its life (facility the problem's ``facility_life_years``,
accelerators the problem's ``accelerator_life_years``), so a step built late in the horizon is not
charged its whole capex for a few months of use (the usual treatment in capacity expansion,
e.g. PyPSA's annuity of capital costs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog, facility, finance, itpower
from ..assumptions import Assumptions
from ..finance.formulas import crf
from ..reliability import reference_goodput
from .problem import OptimizeProblem

__all__ = ["Inputs", "build_inputs", "engine_costs", "finance_table", "periods"]


def periods(p: OptimizeProblem) -> pd.DatetimeIndex:
    """Start dates of the horizon's periods (months or quarters)."""
    freq = "MS" if p.horizon.period == "month" else "QS"
    start = pd.Timestamp(p.horizon.start).to_period("M" if freq == "MS" else "Q").start_time
    return pd.date_range(start, pd.Timestamp(p.horizon.end), freq=freq)


@dataclass(frozen=True)
class Inputs:
    """Everything the model needs, as arrays; options indexed ``o``, contracts ``k``,
    periods ``t``."""

    starts: pd.DatetimeIndex
    years: np.ndarray            # (t,) length of each period [years]
    discount: np.ndarray         # (t,) discount factor at each period's middle
    demand_flops: np.ndarray     # (t,) effective FLOP/s needed
    options: pd.DataFrame        # one row per option: site, system, mode and per-step figures
    first: np.ndarray            # (o,) first period an option's step may come online
    contracts: pd.DataFrame      # one row per contract with per-accelerator figures
    contract_first: np.ndarray   # (k,) first period a contract may run
    deadlines: list              # (period index, FLOP due by its end, names)
    engine_u: np.ndarray | None = None  # (o, t) net present cost of one step online in t
    engine_v: np.ndarray | None = None  # (k, t) of one accelerator rented through t


def _first(starts: pd.DatetimeIndex, day: dt.date) -> int:
    """The first period starting on or after ``day`` (len(starts) if none)."""
    return int(np.searchsorted(starts.values, np.datetime64(pd.Timestamp(day)), side="left"))


def _option_rows(p: OptimizeProblem, a: Assumptions) -> list[dict]:
    rows = []
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    for s in p.sites:
        reg = catalog.region(s.region)
        for sys_ in p.systems:
            acc = catalog.accelerator(sys_.name)
            if acc.cooling == "liquid" and s.cooling == "air":
                continue  # a liquid-only system cannot go into an air-cooled hall
            n = itpower.count_for_it_mw(sys_.name, s.step_mw, a)
            if n < 1:
                continue
            c = finance.cost(sys_.name, n, region=s.region, cooling=s.cooling,
                             distribution=s.distribution, price_usd=prices[sys_.name],
                             discount_rate=p.discount_rate,
                             accelerator_life_years=p.accelerator_life_years,
                             facility_life_years=p.facility_life_years, a=a)
            site = facility.single_site(sys_.name, n, cooling=s.cooling,
                                        distribution=s.distribution, region=s.region, a=a)
            eff = n * acc.bf16_dense_flops * float(a.mfu(sys_.name, "bf16")) * c.goodput
            it_crf = float(crf(p.discount_rate, p.accelerator_life_years))
            fac_crf = float(crf(p.discount_rate, p.facility_life_years))
            for mode in s.options:
                if mode == "build":
                    capex = c.capex_facility_usd + c.capex_it_usd
                    annual = (c.capex_facility_usd * fac_crf + c.capex_it_usd * it_crf
                              + c.opex_usd_per_year)
                    lease = 0.0
                else:
                    capex = c.capex_it_usd
                    lease = s.lease_usd_per_kw_month * s.step_mw * 1000.0 * 12.0
                    annual = (c.capex_it_usd * it_crf + lease + c.opex["energy_usd"]
                              + c.opex.get("transit_usd", 0.0))
                rows.append({
                    "site": s.name, "system": sys_.name, "mode": mode, "region": s.region,
                    "accelerators": float(n), "eff_flops": eff, "goodput": c.goodput,
                    "grid_mw": site.grid_mw, "it_mw": s.step_mw, "capex_usd": capex,
                    "annual_usd": annual, "lease_usd_per_year": lease,
                    "co2_t_per_year": site.annual_mwh * reg.co2_kg_per_mwh / 1000.0,
                    "price_usd_per_accelerator": c.price_usd_per_accelerator})
    return rows


def _contract_rows(p: OptimizeProblem, a: Assumptions) -> list[dict]:
    rows = []
    for k in p.contracts:
        acc = catalog.accelerator(k.system)
        g = float(np.asarray(reference_goodput(k.max_accelerators, k.system, a)).ravel()[0])
        rows.append({"name": k.name, "provider": k.provider, "system": k.system,
                     "eff_flops": acc.bf16_dense_flops * float(a.mfu(k.system, "bf16")) * g,
                     "usd_per_hour": k.price_usd_per_accelerator_hour,
                     "max": k.max_accelerators, "min": k.min_accelerators,
                     "term_months": k.min_term_months})
    return rows


def build_inputs(p: OptimizeProblem, a: Assumptions | None = None) -> Inputs:
    """The per-period arrays of problem ``p`` under assumptions ``a`` (one set)."""
    a = Assumptions() if a is None else a
    starts = periods(p)
    ends = starts[1:].append(pd.DatetimeIndex([starts[-1] + (starts[1] - starts[0]
                                                             if len(starts) > 1 else
                                                             pd.Timedelta(days=91))]))
    years = ((ends - starts).days.values / 365.25).astype(float)
    mid = (starts - starts[0]).days.values / 365.25 + years / 2
    discount = (1.0 + p.discount_rate) ** -mid
    demand = np.zeros(len(starts))
    for d in sorted(p.demand, key=lambda d: d.start):
        demand[_first(starts, d.start):] = d.eflops * 1e18
    options = pd.DataFrame(_option_rows(p, a))
    avail = {s.name: s.available for s in p.systems}
    sites = {s.name: s for s in p.sites}
    first = np.array([
        max(_first(starts, sites[r.site].earliest),
            _first(starts, (pd.Timestamp(p.horizon.start)
                            + pd.DateOffset(months=sites[r.site].lead_months)).date()),
            _first(starts, avail[r.system]))
        for r in options.itertuples()], dtype=int) if len(options) else np.zeros(0, int)
    contracts = pd.DataFrame(_contract_rows(p, a))
    cfirst = np.array([_first(starts, k.available) for k in p.contracts], dtype=int)
    due: dict[int, list] = {}
    for w in p.workloads:
        # due by the end of the last period that ends on or before the deadline
        t = int(np.searchsorted(ends.values, np.datetime64(pd.Timestamp(w.deadline)),
                                side="right")) - 1
        due.setdefault(t, []).append(w)
    deadlines = [(t, sum(w.flops for w in ws), [w.name for w in ws])
                 for t, ws in sorted(due.items())]
    return Inputs(starts, years, discount, demand, options, first, contracts, cfirst,
                  deadlines)


def finance_table(p: OptimizeProblem) -> dict:
    """The finance table a plan is written with (:func:`gigaplan.optimize.plan.plan_text`)."""
    return {"discount_rate": p.discount_rate, "accelerator_life_years": p.accelerator_life_years,
            "facility_life_years": p.facility_life_years}


def _npv_cost(p: OptimizeProblem, a: Assumptions, sites=(), contracts=()) -> float:
    """Minus the finance engine's NPV of a scenario of ``sites`` and ``contracts`` alone."""
    from .. import chain, pipeline
    from ..scenario import scenario_from_dict

    d = {"name": "price", "horizon": {"start": p.horizon.start, "end": p.horizon.end,
                                      "step": "month"},
         "finance": finance_table(p), "sites": list(sites), "contracts": list(contracts)}
    s = scenario_from_dict(d, "optimize pricing")
    return -float(chain.stages(s, pipeline.assumptions_for(s, base=a)).finance.npv_usd[0])


def engine_costs(p: OptimizeProblem, inp: Inputs, a: Assumptions | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The net present cost the finance engine gives each candidate: ``u[o, t]`` of one step
    of option ``o`` coming online in period ``t`` (a one-phase scenario, run through the whole
    chain), ``v[k, t]`` of one accelerator of contract ``k`` rented through period ``t``
    [USD]. The engine's NPV is additive over phases and contracts and linear in their size
    (tested), so a plan priced with these costs is what ``gigaplan run`` reports for it. One
    run per option and period: slower (about 50 ms a run) but exact."""
    a = Assumptions() if a is None else a
    sites = {s.name: s for s in p.sites}
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    T = len(inp.starts)
    ends = list(inp.starts[1:].date) + [p.horizon.end]
    u = np.full((len(inp.options), T), np.nan)
    for o, r in enumerate(inp.options.itertuples()):
        s = sites[r.site]
        site = {"name": s.name, "region": s.region, "cooling": s.cooling,
                "distribution": s.distribution, "grid_cap_mw": s.max_grid_mw}
        if r.mode == "lease":
            site.update(ownership="leased", lease_usd_per_kw_month=s.lease_usd_per_kw_month,
                        lease_term_years=s.lease_term_years)
        for t in range(inp.first[o], T):
            phase = {"online": inp.starts[t].date(), "system": r.system,
                     "accelerators": int(r.accelerators), "ramp_months": 0}
            if prices.get(r.system):
                phase["price_usd_per_accelerator"] = prices[r.system]
            u[o, t] = _npv_cost(p, a, sites=[{**site, "phases": [phase]}])
    v = np.full((len(inp.contracts), T), np.nan)
    for k, c in enumerate(p.contracts):
        for t in range(inp.contract_first[k], T):
            row = {"name": c.name, "provider": c.provider, "system": c.system,
                   "accelerators": 1000, "start": inp.starts[t].date(), "end": ends[t],
                   "price_usd_per_accelerator_hour": c.price_usd_per_accelerator_hour}
            v[k, t] = _npv_cost(p, a, contracts=[row]) / 1000.0
    return u, v
