"""What each candidate costs and delivers, from gigaplan's own engines, per period.

Per build option (site x (cooling, distribution) x system x build-or-lease) and step of
``step_mw`` of critical IT:
accelerators (:func:`gigaplan.itpower.count_for_it_mw`), effective BF16 FLOP/s (peak x
``training.mfu.<system>.bf16`` x the reference job's goodput on the site,
:func:`gigaplan.reliability.reference_goodput`), grid MW (the facility model's design-hour draw
x ``1 + facility.grid_headroom``, :func:`gigaplan.facility.single_site`), capex and yearly
opex (:func:`gigaplan.finance.cost`: facility and IT capex, energy at the region's price,
maintenance, staff, tax and insurance, transit), yearly CO2 (annual MWh x the region's eGRID
rate). A leased site pays the lease (``lease_usd_per_kw_month`` x kW) instead of the facility
capex and its upkeep (maintenance, staff, tax and insurance of the facility are the
landlord's); the accelerators are bought either way.

Costs enter the objective in one of two ways (``pricing``). ``"engine"`` (the default,
:func:`engine_costs`): the finance engine's present cost, capex and spend by year and CO2 of
each candidate, every candidate one site or contract of a single pricing run of the chain, so
the plan's figures are those ``gigaplan run`` reports. ``"annuity"``: annual equivalents from
the period a step comes online, capex times the capital recovery factor over its life
(facility ``facility_life_years``, accelerators ``accelerator_life_years``), so a step built late
in the horizon is not charged its whole capex for a few months of use (the usual treatment in
capacity expansion, e.g. PyPSA's annuity of capital costs), but not the run's accounting.

Served models (``[[serving]]``): their peak tokens/s per period and the serving roofline's
tokens/s per accelerator of every option and contract (:func:`_serving`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog, facility, finance, itpower
from ..assumptions import Assumptions
from ..errors import GigaplanError
from ..finance.formulas import crf
from ..reliability import reference_goodput
from .problem import OptimizeProblem

__all__ = ["PRICINGS", "EnginePrices", "Inputs", "build_inputs", "build_rows", "designs_of",
           "engine_costs", "finance_table", "periods", "priced_inputs"]

#: How candidates are priced: by the finance engine (the default) or by annuities.
PRICINGS = ("engine", "annuity")


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
    engine: EnginePrices | None = None  # the finance engine's prices (engine pricing)
    serving_need: np.ndarray | None = None    # (m, t) peak tokens/s of each served model
    serving_rate: np.ndarray | None = None    # (m, o) tokens/s per accelerator of an option
    serving_rate_k: np.ndarray | None = None  # (m, k) of a contract's accelerator


@dataclass(frozen=True)
class EnginePrices:
    """What the finance engine gives each candidate (:func:`engine_costs`): ``u`` (o, t) the
    net present cost of one step of option ``o`` online from period ``t``, ``capex`` and
    ``spend`` (o, t, y) its capex and its capex and lease payments in each calendar year of
    ``years``, ``co2_t`` and ``water_m3`` (o, t) its grid CO2 and water over the horizon
    [t, m3]; ``v`` (k, t) and ``rent_spend`` (k, t, y) of one accelerator of contract ``k``
    rented through period ``t`` [USD]."""

    u: np.ndarray
    v: np.ndarray
    capex: np.ndarray
    spend: np.ndarray
    rent_spend: np.ndarray
    co2_t: np.ndarray
    years: np.ndarray
    water_m3: np.ndarray | None = None


def _first(starts: pd.DatetimeIndex, day: dt.date) -> int:
    """The first period starting on or after ``day`` (len(starts) if none)."""
    return int(np.searchsorted(starts.values, np.datetime64(pd.Timestamp(day)), side="left"))


def _option_rows(p: OptimizeProblem, a: Assumptions) -> list[dict]:
    rows = []
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    it_crf = float(crf(p.discount_rate, p.accelerator_life_years))
    fac_crf = float(crf(p.discount_rate, p.facility_life_years))
    for s in p.sites:
        reg = catalog.region(s.region)
        for (cooling, dist), sys_ in ((d, x) for d in s.designs() for x in p.systems):
            acc = catalog.accelerator(sys_.name)
            if acc.cooling == "liquid" and cooling == "air":
                continue  # a liquid-only system cannot go into an air-cooled hall
            n = itpower.count_for_it_mw(sys_.name, s.step_mw, a)
            if n < 1:
                continue
            c = finance.cost(sys_.name, n, region=s.region, cooling=cooling,
                             distribution=dist, price_usd=prices[sys_.name],
                             discount_rate=p.discount_rate,
                             accelerator_life_years=p.accelerator_life_years,
                             facility_life_years=p.facility_life_years, a=a)
            site = facility.single_site(sys_.name, n, cooling=cooling, distribution=dist,
                                        region=s.region, a=a)
            eff = n * acc.bf16_dense_flops * float(a.mfu(sys_.name, "bf16")) * c.goodput
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
                    "site": s.name, "system": sys_.name, "mode": mode, "cooling": cooling,
                    "distribution": dist, "region": s.region,
                    "accelerators": float(n), "eff_flops": eff, "goodput": c.goodput,
                    "grid_mw": site.grid_mw, "it_mw": s.step_mw, "capex_usd": capex,
                    "annual_usd": annual, "lease_usd_per_year": lease,
                    "co2_t_per_year": site.annual_mwh * reg.co2_kg_per_mwh / 1000.0,
                    "water_m3_per_year": site.water_m3,
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
    need, rate, rate_k = _serving(p, a, starts, ends, options, contracts)
    return Inputs(starts, years, discount, demand, options, first, contracts, cfirst,
                  deadlines, serving_need=need, serving_rate=rate, serving_rate_k=rate_k)


def _serving_rates(p: OptimizeProblem, a: Assumptions, systems: list[str]) -> np.ndarray:
    """Tokens/s per accelerator (prompt and generated) of each served model on each system
    (models, systems): the serving roofline's (:func:`gigaplan.serving.evaluate`, as the run's
    serving stage), 0 where the system cannot serve it (precision, no layout, or the model is
    held to another system)."""
    from ..serving.model import evaluate
    from ..serving.plan import request_arrays, request_row

    out = np.zeros((len(p.serving), len(systems)))
    pairs = [(i, j) for i, w in enumerate(p.serving) for j, x in enumerate(systems)
             if catalog.accelerator(x).supports(w.precision) and w.system in (None, x)]
    if not pairs:
        return out
    req = pd.DataFrame([request_row(p.serving[i], systems[j]) for i, j in pairs])
    model, system = request_arrays(req)
    r = evaluate(model, system, {k: float(np.ravel(v)[0])
                                 for k, v in a.group("serving").items()})
    rate = np.where(r["fits"], r["total_tokens_per_s_per_accelerator"], 0.0)
    for (i, j), x in zip(pairs, rate, strict=True):
        out[i, j] = x
    return out


def _serving(p: OptimizeProblem, a: Assumptions, starts, ends, options: pd.DataFrame,
             contracts: pd.DataFrame) -> tuple:
    """(peak tokens/s of each served model in each period (m, t): the demand at the end of the
    period, or at its start if falling, x ``serving.peak_to_mean``; tokens/s per accelerator of
    each option (m, o) and contract (m, k))."""
    M = len(p.serving)
    o_sys = list(options["system"]) if len(options) else []
    k_sys = list(contracts["system"]) if len(contracts) else []
    systems = sorted(set(o_sys) | set(k_sys))
    rates = _serving_rates(p, a, systems)
    at = {x: j for j, x in enumerate(systems)}
    rate = rates[:, [at[x] for x in o_sys]] if o_sys else np.zeros((M, 0))
    rate_k = rates[:, [at[x] for x in k_sys]] if k_sys else np.zeros((M, 0))
    peak = float(np.ravel(a["serving.peak_to_mean"])[0])
    need = np.zeros((M, len(starts)))
    last = (ends - pd.Timedelta(days=1))
    for i, w in enumerate(p.serving):
        first = pd.Timestamp(w.start or p.horizon.start)

        def per_day(days, w=w, first=first):
            t = (days - first) / pd.Timedelta(days=365.25)
            return np.where(t >= 0, w.tokens_per_day * (1.0 + w.growth_per_year)
                            ** np.clip(t, 0, None), 0.0)

        need[i] = np.maximum(per_day(starts), per_day(last)) * peak / 86_400.0
    return need, rate, rate_k


def finance_table(p: OptimizeProblem) -> dict:
    """The finance table a plan is written with (:func:`gigaplan.optimize.plan.plan_text`)."""
    return {"discount_rate": p.discount_rate, "accelerator_life_years": p.accelerator_life_years,
            "facility_life_years": p.facility_life_years}


def _engine_run(p: OptimizeProblem, a: Assumptions, sites=(), contracts=()):
    """One run of the chain (no summary) on a scenario holding ``sites`` and ``contracts``."""
    from .. import chain, pipeline
    from ..scenario import scenario_from_dict

    d = {"name": "price", "horizon": {"start": p.horizon.start, "end": p.horizon.end,
                                      "step": "month"},
         "finance": finance_table(p), "sites": list(sites), "contracts": list(contracts)}
    s = scenario_from_dict(d, "optimize pricing")
    return chain.stages(s, pipeline.assumptions_for(s, base=a), summary=False)


def _pricing_site(s, r, price: float | None, online: dt.date) -> dict:
    """A pricing scenario's site: option ``r``'s one step at candidate site ``s``, online on
    ``online``."""
    site = {"name": f"{s.name}|{r.system}|{r.mode}|{r.cooling}|{r.distribution}|"
                    f"{online.isoformat()}", "region": s.region,
            "cooling": r.cooling, "distribution": r.distribution, "grid_cap_mw": s.max_grid_mw,
            "phases": [{"online": online, "system": r.system, "ramp_months": 0,
                        "accelerators": int(r.accelerators)}]}
    if price:
        site["phases"][0]["price_usd_per_accelerator"] = price
    if r.mode == "lease":
        site.update(ownership="leased", lease_usd_per_kw_month=s.lease_usd_per_kw_month,
                    lease_term_years=s.lease_term_years)
    return site


def engine_costs(p: OptimizeProblem, inp: Inputs, a: Assumptions | None = None
                 ) -> EnginePrices:
    """The finance engine's prices of every candidate (:class:`EnginePrices`).

    Without revenue the engine's NPV is minus the sum of its sites' and contracts' present
    costs, its capex, lease and contract payments by year the sums of theirs
    (:class:`gigaplan.finance.FinanceResult`), and a site's energy and CO2 are its own, each
    linear in its size; so a plan priced with these is what ``gigaplan run`` reports for it
    (tested). Every candidate is one site (of one step, online in its period) or one contract
    (through its period) of a single pricing scenario: one run of the chain.
    """
    a = Assumptions() if a is None else a
    sites = {s.name: s for s in p.sites}
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    T = len(inp.starts)
    ends = list(inp.starts[1:].date) + [p.horizon.end]
    at = [(o, t) for o in range(len(inp.options)) for t in range(inp.first[o], T)]
    rows = [(k, t) for k in range(len(p.contracts)) for t in range(inp.contract_first[k], T)]
    per = 1000  # accelerators of each contract priced, then per one
    opts = list(inp.options.itertuples())
    pricing_sites = [_pricing_site(sites[opts[o].site], opts[o], prices.get(opts[o].system),
                                   inp.starts[t].date()) for o, t in at]
    pricing_contracts = [
        {"name": f"{p.contracts[k].name}|{t}", "provider": p.contracts[k].provider,
         "system": p.contracts[k].system, "accelerators": per, "start": inp.starts[t].date(),
         "end": ends[t],
         "price_usd_per_accelerator_hour": p.contracts[k].price_usd_per_accelerator_hour}
        for k, t in rows]
    O, K = len(inp.options), len(inp.contracts)
    if not (at or rows):
        return EnginePrices(np.full((O, T), np.nan), np.full((K, T), np.nan),
                            np.zeros((O, T, 0)), np.zeros((O, T, 0)), np.zeros((K, T, 0)),
                            np.zeros((O, T)), np.zeros(0, dtype=int), np.zeros((O, T)))
    r = _engine_run(p, a, pricing_sites, pricing_contracts)
    f, parts = r.finance, r.finance.yearly_by_part
    Y = len(f.years)
    out = EnginePrices(np.full((O, T), np.nan), np.full((K, T), np.nan), np.zeros((O, T, Y)),
                       np.zeros((O, T, Y)), np.zeros((K, T, Y)), np.zeros((O, T)),
                       np.asarray(f.years), np.zeros((O, T)))
    if at:
        o_, t_ = np.array(at).T
        out.u[o_, t_] = f.sites["present_cost_usd"][0]
        out.capex[o_, t_] = parts["site_capex_usd"][0]
        out.spend[o_, t_] = parts["site_capex_usd"][0] + parts["site_lease_usd"][0]
        out.co2_t[o_, t_] = r.facility.result["co2_t"][0].sum(axis=0)
        out.water_m3[o_, t_] = r.facility.result["water_m3"][0].sum(axis=0)
    if rows:
        k_, t_ = np.array(rows).T
        out.v[k_, t_] = f.contract_present_cost_usd[0] / per
        out.rent_spend[k_, t_] = parts["contract_payments_usd"][0] / per
    return out


def priced_inputs(p: OptimizeProblem, a: Assumptions | None = None, pricing: str = "engine",
                  like: Inputs | None = None) -> Inputs:
    """:func:`build_inputs` with, for ``pricing="engine"``, each candidate's cost from the
    finance engine (:func:`engine_costs`; taken from ``like``, inputs of the same problem's
    candidates and periods already priced, when given)."""
    from dataclasses import replace

    if pricing not in PRICINGS:
        raise GigaplanError(f"pricing {pricing!r}: expected one of {', '.join(PRICINGS)}")
    inp = build_inputs(p, a)
    if pricing == "annuity":
        return inp
    if (like is not None and like.engine is not None
            and like.engine.u.shape == (len(inp.options), len(inp.starts))
            and like.engine.v.shape[0] == len(inp.contracts)
            and np.array_equal(like.first, inp.first)
            and np.array_equal(like.contract_first, inp.contract_first)):
        return replace(inp, engine=like.engine)
    return replace(inp, engine=engine_costs(p, inp, a))


def build_rows(inp: Inputs, y: np.ndarray | None) -> pd.DataFrame:
    """The builds of installed steps ``y`` (options x periods): one row per option and period
    where steps are added (site, system, mode, start, steps, it_mw, accelerators, option, t)."""
    rows = []
    if y is not None:
        x = np.diff(y, axis=1, prepend=0.0)
        for i, r in enumerate(inp.options.itertuples()):
            for t in np.flatnonzero(x[i] > 0.5):
                n = int(round(x[i, t]))
                rows.append({"site": r.site, "system": r.system, "mode": r.mode,
                             "cooling": r.cooling, "distribution": r.distribution,
                             "start": inp.starts[t].date(), "steps": n,
                             "it_mw": n * r.it_mw, "accelerators": n * r.accelerators,
                             "option": i, "t": int(t)})
    return pd.DataFrame(rows)


def designs_of(p: OptimizeProblem, builds: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each site's (cooling, distribution): that of its builds, or its first choice."""
    out = {s.name: s.designs()[0] for s in p.sites}
    for r in builds.itertuples() if len(builds) else ():
        out[r.site] = (r.cooling, r.distribution)
    return out
