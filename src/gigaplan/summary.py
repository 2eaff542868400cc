"""From the stage results of a run to its headline and its ``summary.json``.

Nothing is computed a second way here: every figure is a stage result, summed or rescaled
(GW, EFLOP/s, $B). :func:`headline` keeps the sample axis; :func:`results` is one run's
summary (sample 0 of an unsampled run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import __version__, catalog
from .assumptions import Assumptions, parameter
from .jsonable import clean, records
from .scenario import scenario_warnings
from .results import HEADLINE_RUNS, Headline, Results, RunResult, squeeze

__all__ = ["MEASURE_UNITS", "headline", "measures", "results", "series"]


def _runs(training, sampled: bool) -> list[dict]:
    out = []
    if not training.placements:
        return out
    cols = {k: training.column(k) for k in ("status", "pool", "accelerators", "start", "finish",
                                            "days", "goodput")}
    for i, p in enumerate(training.placements):
        w = p["workload"]
        run = {"name": w.name, "flops": p["flops"], "deadline": w.deadline}
        for k, v in cols.items():
            run[k] = v[i] if sampled else v[i][0]
        out.append(run)
    return out


def headline(scenario, fleet, facility, training, reliability, finance,
             assumptions: Assumptions) -> Headline:
    """The headline figures of a run under its ``assumptions`` (arrays over samples when
    they are sampled)."""
    sampled = assumptions.sampled
    b, a = fleet.blocks, assumptions.as_samples()
    size = a.size
    owned = b["kind"] == "site"
    by_system = b.groupby("system", sort=False)["accelerators"].sum()
    effective = sum(n * catalog.accelerator(k).bf16_dense_flops * a.mfu(k, "bf16")
                    for k, n in by_system.items()) if len(by_system) else np.zeros(size)
    peak = facility.result["facility_peak_mw"]
    one = lambda x: squeeze(np.broadcast_to(x, (size,)), sampled)  # noqa: E731
    site_hours = finance.sites["usd_per_accelerator_hour"]
    prices = {name: one(site_hours[:, i]) for i, name in enumerate(finance.sites["name"])}
    prices.update({c["name"]: c["usd_per_accelerator_hour"] for c in finance.contracts})
    capex = finance.blocks["total_usd"].sum(axis=1) if len(finance.blocks["block"]) else 0.0
    return Headline(
        owned_it_gw=one(b.loc[owned, "it_mw"].sum() / 1000.0),
        contracted_it_gw=one(b.loc[~owned, "it_mw"].sum() / 1000.0),
        owned_facility_peak_gw=one(peak.sum(axis=2).max(axis=1, initial=0.0) / 1000.0),
        owned_accelerators=one(b.loc[owned, "accelerators"].sum()),
        contracted_accelerators=one(b.loc[~owned, "accelerators"].sum()),
        accelerators_by_system={k: float(v) for k, v in by_system.items()},
        peak_bf16_eflops=one(b["bf16_peak_flops"].sum() / 1e18),
        peak_fp8_eflops=one(b["fp8_peak_flops"].fillna(0.0).sum() / 1e18),
        effective_bf16_eflops=one(effective / 1e18), owned_capex_usd_b=one(capex / 1e9),
        contract_payments_usd_b=one(finance.yearly["contract_payments_usd"].sum(axis=1) / 1e9),
        npv_usd_b=one(finance.npv_usd / 1e9), usd_per_accelerator_hour=prices,
        failures_per_day=one(reliability.failures_per_day), runs=_runs(training, sampled))


#: The unit of each measure of :func:`measures` (by name, or by the first part of a dotted one).
MEASURE_UNITS = {
    "owned_it_gw": "GW", "contracted_it_gw": "GW", "owned_facility_peak_gw": "GW",
    "owned_accelerators": "accelerators", "contracted_accelerators": "accelerators",
    "peak_bf16_eflops": "EFLOP/s", "peak_fp8_eflops": "EFLOP/s",
    "effective_bf16_eflops": "EFLOP/s", "owned_capex_usd_b": "$B",
    "contract_payments_usd_b": "$B", "npv_usd_b": "$B", "failures_per_day": "per day",
    "owned_energy_twh": "TWh", "owned_water_gl": "GL", "owned_co2_mt": "Mt CO2",
    "usd_per_accelerator_hour": "$/accelerator-hour", "days": "days", "finish": "date",
    "goodput": "fraction",
}


def measures(run) -> dict[str, np.ndarray]:
    """Every ranged figure of a run, one array over its samples each: the headline numbers,
    ``usd_per_accelerator_hour.<site or contract>``, ``runs.<workload>.days``,
    ``runs.<workload>.goodput`` and ``runs.<workload>.finish`` (days after the horizon's first
    day; NaN where the run finds no capacity), and the owned sites' energy, water and CO2 over
    the horizon."""
    h, size = run.headline, run.assumptions.size
    one = lambda x: np.broadcast_to(np.asarray(x, dtype=float), (size,))  # noqa: E731
    out = {k: one(getattr(h, k)) for k in h.__dataclass_fields__
           if k not in ("runs", "accelerators_by_system", "usd_per_accelerator_hour")}
    r = run.facility.result
    out["owned_energy_twh"] = one(r["energy_mwh"].sum(axis=(1, 2)) / 1e6)
    out["owned_water_gl"] = one(r["water_m3"].sum(axis=(1, 2)) / 1e6)
    out["owned_co2_mt"] = one(r["co2_t"].sum(axis=(1, 2)) / 1e6)
    for name, v in h.usd_per_accelerator_hour.items():
        out[f"usd_per_accelerator_hour.{name}"] = one(np.nan if v is None else v)
    day0 = np.datetime64(run.scenario.horizon.start, "D")
    for w in h.runs:
        finish = np.asarray(w["finish"], dtype="datetime64[s]")
        none = np.isnat(finish)
        out[f"runs.{w['name']}.days"] = one(np.where(none, np.nan, w["days"]))
        out[f"runs.{w['name']}.goodput"] = one(np.where(none, np.nan, w["goodput"]))
        out[f"runs.{w['name']}.finish"] = one((finish - day0) / np.timedelta64(1, "D"))
    return out


def series(run) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Time series of a run for bands: name -> (labels (T,), values (S, T)): the owned sites'
    monthly IT [MW], design-hour facility peak [MW], energy [MWh], water [m3] and CO2 [t]
    (labels: month dates), and the yearly capex, opex, contract payments, net and cumulative
    cash flow [USD] (labels: years)."""
    r, size = run.facility.result, run.assumptions.size
    months = run.facility.inputs.dates.values.astype("datetime64[D]")
    full = lambda x: np.broadcast_to(np.asarray(x, dtype=float), (size, x.shape[-1]))  # noqa: E731
    years = np.asarray(run.finance.years)
    y = run.finance.yearly
    return {
        "it_mw": (months, full(r["it_mw"].sum(axis=2))),
        "facility_peak_mw": (months, full(r["facility_peak_mw"].sum(axis=2))),
        "energy_mwh": (months, full(r["energy_mwh"].sum(axis=2))),
        "water_m3": (months, full(r["water_m3"].sum(axis=2))),
        "co2_t": (months, full(r["co2_t"].sum(axis=2))),
        **{name: (years, full(y[name])) for name in (
            "capex_usd", "opex_usd", "contract_payments_usd", "net_cash_flow_usd",
            "cumulative_usd")},
    }


def _date(x) -> str | None:
    return None if pd.isna(x) else pd.Timestamp(x).date().isoformat()


def _headline_summary(h: Headline) -> dict:
    runs = [{**{k: clean(v) for k, v in r.items() if k not in ("start", "finish", "deadline")},
             "start": _date(r["start"]), "finish": _date(r["finish"]),
             "deadline": r["deadline"].isoformat(),
             "pool": None if r["pool"] is None else str(r["pool"])}
            for r in h.runs]
    for r in runs:
        if r["status"] == "no capacity":
            r.update(accelerators=None, days=None, goodput=None)
    out = {k: getattr(h, k) for k in h.__dataclass_fields__ if k != "runs"}
    return {**{k: clean(v) if not isinstance(v, dict) else {n: clean(x) for n, x in v.items()}
               for k, v in out.items()},
            "runs": runs[:HEADLINE_RUNS], "runs_total": len(runs)}


def _totals(fleet, facility) -> dict:
    b, r = fleet.blocks, facility.result
    owned = b["kind"] == "site"
    return {
        "owned_it_mw": float(b.loc[owned, "it_mw"].sum()),
        "contracted_it_mw": float(b.loc[~owned, "it_mw"].sum()),
        "owned_accelerators": float(b.loc[owned, "accelerators"].sum()),
        "contracted_accelerators": float(b.loc[~owned, "accelerators"].sum()),
        # coincident peak of all owned sites (design hour, largest installed IT per month)
        "owned_facility_peak_mw": float(r["facility_peak_mw"][0].sum(axis=1).max(initial=0.0)),
        "owned_energy_mwh": float(r["energy_mwh"][0].sum()),
        "owned_it_energy_mwh": float(r["it_energy_mwh"][0].sum()),
        "owned_water_m3": float(r["water_m3"][0].sum()),
        "owned_co2_t": float(r["co2_t"][0].sum()),
    }


def _by_owner(fleet) -> dict:
    """(kind, owner) -> {accelerators, it_mw} at full build."""
    g = fleet.blocks.groupby(["kind", "owner"], sort=False)[["accelerators", "it_mw"]].sum()
    return g.to_dict(orient="index")


def _sites(scenario, by_owner, facility, finance) -> list[dict]:
    power = {d["name"]: d for d in facility.sites_summary()}
    money = {d["name"]: d for d in finance.site_rows()}
    return [{"name": s.name, "region": s.region, "cooling": s.cooling,
             "distribution": s.distribution, "grid_cap_mw": s.grid_cap_mw,
             "phases": len(s.phases), "ownership": s.ownership,
             "accelerators": float(by_owner[("site", s.name)]["accelerators"]),
             "it_mw": float(by_owner[("site", s.name)]["it_mw"]),
             **{k: clean(v) for k, v in power[s.name].items() if k != "name"},
             **{k: clean(v) for k, v in money[s.name].items() if k != "name"}}
            for s in scenario.sites]


def _contracts(scenario, by_owner, finance) -> list[dict]:
    money = {d["name"]: d for d in finance.contract_rows()}
    return [{"name": c.name, "provider": c.provider, "system": c.system,
             "start": c.start.isoformat(), "end": c.end.isoformat(),
             "accelerators": float(by_owner[("contract", c.name)]["accelerators"]),
             "it_mw": float(by_owner[("contract", c.name)]["it_mw"]),
             "price_usd_per_accelerator_hour": c.price_usd_per_accelerator_hour,
             "total_value_usd": c.total_value_usd, "committed_usd": c.committed_usd,
             "option_it_mw": c.option_it_mw, "tranches": len(c.tranches),
             "usd_per_accelerator_hour": money[c.name]["usd_per_accelerator_hour"],
             "usd_per_accelerator_hour_basis": money[c.name]["price_basis"],
             "owned_usd_per_accelerator_hour": money[c.name]["owned_usd_per_accelerator_hour"],
             "saving_of_owning": money[c.name]["saving_of_owning"],
             "present_cost_usd": money[c.name]["present_cost_usd"],
             **{k: money[c.name][k] for k in (
                 "market_low_usd_per_hour", "market_high_usd_per_hour", "market_source",
                 "market_level", "price_vs_market", "accelerators_at_market", "saving_at_market")}}
            for c in scenario.contracts]


def _finance(finance, reliability) -> dict:
    blocks = finance.blocks_frame()
    y = finance.yearly_frame()
    if len(blocks):
        owned = reliability.block_goodput[0]
        kept = ~np.isnan(owned)
        blocks["goodput"] = owned[kept]
        blocks["goodput_basis"] = [g for g, k in zip(reliability.goodput_basis, kept,
                                                      strict=True) if k]
    total = lambda c: float(blocks[c].sum()) if len(blocks) else 0.0  # noqa: E731
    irr, payback = float(finance.irr[0]), int(finance.payback_year[0])
    return {
        "npv_usd": float(finance.npv_usd[0]), "irr": None if np.isnan(irr) else irr,
        "payback_year": None if payback < 0 else payback,
        "discount_rate": finance.discount_rate, "base_year": finance.base_year,
        "lease_commitment_usd": finance.lease_commitment_usd,
        "owned_capex_usd": total("total_usd"), "owned_capex_facility_usd": total("facility_usd"),
        "owned_capex_it_usd": total("it_usd"),
        "capex_in_horizon_usd": float(y["capex_usd"].sum()),
        "contract_payments_usd": float(y["contract_payments_usd"].sum()),
        "lease_payments_usd": float(y["lease_payments_usd"].sum()),
        "revenue_usd": float(y["revenue_usd"].sum()),
        "debt_usd": float(y["debt_draw_usd"].sum()),
        "wacc": float(finance.wacc[0]), "equity_return": finance.equity_return,
        "equity_npv_usd": float(finance.equity_npv_usd[0]),
        "equity_irr": _nan_none(finance.equity_irr[0]),
        "min_dscr": _nan_none(finance.min_dscr[0]),
        "opex_usd": float(y["opex_usd"].sum()), "blocks": records(blocks),
        "basis": "NPV of the yearly net cash flow (cashflow.csv) at the scenario's discount "
                 "rate, t = 0 in the horizon's first year; levelised cost per used "
                 "accelerator-hour with capital recovery factors (gigaplan catalog finance); "
                 "cost per 10^24 FLOP at the goodput of the workloads planned on the capacity, "
                 "or of a reference job (training.reference_job_accelerators)",
    }


def _serving(run: RunResult) -> list[dict]:
    """Per served model: its plan on its first system, demand and served tokens within the
    horizon, the first day it was short, its peak accelerators and its money."""
    sv = run.serving
    if sv is None or not sv.models:
        return []
    inside = sv.within(run.scenario.horizon.start, run.scenario.horizon.end)
    money = {r["name"]: r for r in run.finance.serving}
    out = []
    for m in sv.models:
        short = inside & (m["served"] < m["demand"] * (1 - 1e-9))
        held = sum(m["held"].values()) if m["held"] else np.zeros(len(sv.days))
        r, first = money[m["name"]], m["rates"].iloc[0] if len(m["rates"]) else None
        out.append({
            "name": m["name"], "systems": sorted({k[2] for k in m["held"]}),
            "tokens_per_s_per_accelerator": None if first is None else
            float(first["tokens_per_s_per_accelerator"]),
            "limit": None if first is None else str(first["limit"]),
            "demand_tokens": r["demand_tokens"], "served_tokens": r["served_tokens"],
            "served_share": _nan_none(r["served_tokens"] / r["demand_tokens"])
            if r["demand_tokens"] > 0 else None,
            "first_short": _date(sv.days[short][0]) if short.any() else None,
            "peak_accelerators": float(np.max(np.where(inside, held, 0.0))),
            "revenue_usd": r["revenue_usd"], "cost_usd": _nan_none(r["cost_usd"]),
            "usd_per_million_tokens": _nan_none(r["usd_per_million_tokens"]),
            "gross_margin": _nan_none(r["gross_margin"]), "note": m["note"]})
    return out


def _serving_warnings(run: RunResult) -> list[str]:
    return [f"serving[{i}] ({m['name']}): {1 - m['served_share']:.1%} of its demand within the "
            f"horizon finds no capacity (first short on {m['first_short']}); add capacity or "
            "lower the demand" for i, m in enumerate(_serving(run))
            if m["served_share"] is not None and m["served_share"] < 1 - 1e-6]


def _nan_none(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) or np.isinf(x) else x


def _reliability(reliability) -> dict:
    return {
        "failures_per_day": float(reliability.failures_per_day[0]),
        "planned_per_day": float(reliability.planned_per_day[0]),
        "spare_units": float(reliability.spare_units[0]),
        "by_owner": records(reliability.failures.frame()),
        "basis": "interruptions per accelerator-year by component (gigaplan catalog "
                 "failures) x accelerators at full build-out; spares: binomial, repair "
                 "units healthy with the target probability (gigaplan catalog reliability)",
    }


def _facility_basis(a) -> dict:
    base = parameter("facility.enterprise_rack_kw")
    low, high = a.range(base.name)
    persons = parameter("facility.persons_per_household")
    return {
        "density": f"rack kW / {a[base.name]:g} kW enterprise rack "
                   f"(range {low:g}-{high:g} kW): {base.source}",
        "it_power": ("critical IT per accelerator, all in: the system's W x (1 + network "
                     "share of its class + storage + management shares, gigaplan catalog "
                     "facility); energy, water and CO2 at "
                     f"{float(np.mean(a['facility.it_load_factor'])):g} of the rated IT "
                     "(facility.it_load_factor), peak power at the rated IT"),
        "households": "site energy / (12 x average monthly residential use in the site's "
                      "state, EIA 2022 Form EIA-861); people = households x "
                      f"{a[persons.name]:g} ({persons.source})",
        "pue": "energy-weighted over the horizon (facility MWh / IT MWh)",
        "reference_year": "last calendar year with 12 months in the horizon",
    }


def _parameters(a) -> list[dict]:
    out = []
    for name, o in a.overrides.items():
        p = parameter(name)
        out.append({"name": name, "value": o.value, "default": p.value, "unit": p.unit,
                    "low": o.low, "high": o.high, "origin": o.origin})
    return out


def results(run: RunResult) -> Results:
    """The ``summary.json`` of an unsampled run (the keys are documented in the README)."""
    s, a = run.scenario, run.assumptions
    marks = s.provenance
    by_owner = _by_owner(run.fleet)
    doc = {
        "gigaplan_version": __version__, "scenario": s.name, "description": s.description,
        "source": s.source,
        "horizon": {"start": s.horizon.start.isoformat(), "end": s.horizon.end.isoformat(),
                    "step": s.horizon.step},
        "totals": _totals(run.fleet, run.facility),
        "headline": _headline_summary(run.headline),
        "facility_basis": _facility_basis(a),
        "sites": _sites(s, by_owner, run.facility, run.finance),
        "contracts": _contracts(s, by_owner, run.finance),
        "blocks": records(run.fleet.blocks),
        "installed_by_year": records(run.fleet.yearly_totals().reset_index()),
        "facility_by_year": records(run.facility_by_year),
        "finance": _finance(run.finance, run.reliability),
        "warnings": (scenario_warnings(s) + run.facility.grid_warnings() + a.warnings()
                     + run.finance.contract_warnings() + _serving_warnings(run)),
        "workloads": records(run.workloads),
        "serving": _serving(run),
        "reliability": _reliability(run.reliability),
        "provenance": {
            "assumptions": sorted(p for p, v in marks.items() if v.kind == "assumption"),
            "sourced": sorted(p for p, v in marks.items() if v.kind == "source"),
        },
        "parameters": _parameters(a),
        "uncertainty": _uncertainty(run),
    }
    return Results.model_validate(doc)


def _unit(name: str) -> str:
    head, _, rest = name.partition(".")
    return MEASURE_UNITS.get(head) or MEASURE_UNITS.get(rest.rsplit(".", 1)[-1], "")


def _uncertainty(run) -> dict | None:
    """The ``uncertainty`` section: settings, inputs, every figure's range, Sobol' indices."""
    mc = run.montecarlo
    if mc is None:
        return None
    from .uncertainty import CHUNK

    central = measures(run)
    day0 = np.datetime64(run.scenario.horizon.start, "D")
    ranges = {}
    for name, stats in mc.describe().items():
        row = {"unit": _unit(name), "value": clean(float(central[name][0])), **stats}
        if name.endswith(".finish"):  # days after the horizon start -> dates
            row = {k: (None if v is None else str(day0 + np.timedelta64(int(round(v)), "D")))
                   if k not in ("unit", "n") else v for k, v in row.items()}
        ranges[name] = row
    sens = run.sensitivity
    return {
        "samples": mc.samples, "seed": mc.seed, "method": mc.method, "chunk": CHUNK,
        "inputs": [_input(x) for x in mc.inputs], "ranges": ranges,
        "sensitivity": None if sens is None else {
            "method": sens.method, "n": sens.n, "rows": sens.rows, "seed": sens.seed,
            "indices": records(sens.table), "skipped": sens.skipped},
        "basis": "P10/P50/P90 and mean over the samples (each input drawn from its range, "
                 "PERT with the central value as mode unless set otherwise; Latin hypercube "
                 "in seeded chunks); value: the central run",
    }


def _input(x) -> dict:
    show = (lambda v: x.show(v)) if x.kind == "date" else float  # noqa: E731
    return {"name": x.name, "target": x.target, "kind": x.kind, "low": show(x.low),
            "value": show(x.mode), "high": show(x.high), "distribution": x.distribution,
            "unit": x.unit, "source": x.source}
