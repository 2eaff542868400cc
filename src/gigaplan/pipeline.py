"""The main job: scenario -> engines -> tables and a summary in an output folder.

:func:`run` is what ``gigaplan run`` and ``make run`` call; it is usable from a notebook too::

    >>> result = gigaplan.pipeline.run("fluidstack-2026", "gigaplan-out")
    >>> result.installed_by_year
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__, catalog, facility, finance, fleet, reliability, training
from .jsonable import clean, records
from .scenario import Scenario, load_scenario

__all__ = ["RunResult", "run", "summarize"]

SUMMARY_FILE = "summary.json"


@dataclass
class RunResult:
    """Everything one run produced: the scenario, its tables, its summary and the files written."""

    scenario: Scenario
    blocks: pd.DataFrame
    timeline: pd.DataFrame
    installed_by_year: pd.DataFrame
    power: facility.FleetPower
    fleet_table: pd.DataFrame
    facility_by_year: pd.DataFrame
    cashflow: finance.CashFlow
    workloads: pd.DataFrame
    reliability: pd.DataFrame
    summary: dict
    files: list[Path] = field(default_factory=list)


def _yearly_totals(tl: pd.DataFrame) -> pd.DataFrame:
    """Fleet totals at the last time step of each year."""
    last = fleet.year_end_rows(tl)
    cols = ["accelerators", "it_mw", "bf16_peak_flops", "fp8_peak_flops"]
    # min_count=1 keeps NaN (no FP8 unit) from turning into 0 when every block lacks it.
    return last.groupby("year")[cols].sum(min_count=1)


def summarize(scenario: Scenario, blocks: pd.DataFrame, timeline: pd.DataFrame,
              power: facility.FleetPower | None = None,
              cash: finance.CashFlow | None = None,
              workloads: pd.DataFrame | None = None,
              failures: pd.DataFrame | None = None) -> dict:
    """The machine-readable summary of a run (the keys of ``summary.json``, see the README)."""
    power = facility.fleet_power(scenario) if power is None else power
    cash = finance.cashflow(scenario, power) if cash is None else cash
    workloads = training.schedule(scenario, power) if workloads is None else workloads
    failures = reliability.fleet_view(blocks) if failures is None else failures
    site_money = {d["name"]: d for d in cash.sites}
    contract_money = {d["name"]: d for d in cash.contracts}
    yearly = _yearly_totals(timeline).reset_index()
    site_power = {d["name"]: d for d in power.sites_summary()}
    by_owner = blocks.groupby(["kind", "owner"], sort=False)[["accelerators", "it_mw"]].sum()
    sites = [
        {"name": s.name, "region": s.region, "cooling": s.cooling, "distribution": s.distribution,
         "grid_cap_mw": s.grid_cap_mw, "phases": len(s.phases),
         "accelerators": float(by_owner.loc[("site", s.name), "accelerators"]),
         "it_mw": float(by_owner.loc[("site", s.name), "it_mw"]),
         **{k: clean(v) for k, v in site_power[s.name].items() if k != "name"},
         **{k: clean(v) for k, v in site_money[s.name].items() if k != "name"}}
        for s in scenario.sites
    ]
    contracts = [
        {"name": c.name, "provider": c.provider, "system": c.system,
         "start": c.start.isoformat(), "end": c.end.isoformat(),
         "accelerators": float(by_owner.loc[("contract", c.name), "accelerators"]),
         "it_mw": float(by_owner.loc[("contract", c.name), "it_mw"]),
         "price_usd_per_accelerator_hour": c.price_usd_per_accelerator_hour,
         "total_value_usd": c.total_value_usd,
         "usd_per_accelerator_hour": contract_money[c.name]["usd_per_accelerator_hour"],
         "usd_per_accelerator_hour_basis": contract_money[c.name]["price_basis"],
         "owned_usd_per_accelerator_hour": contract_money[c.name]["owned_usd_per_accelerator_hour"],
         "saving_of_owning": contract_money[c.name]["saving_of_owning"]}
        for c in scenario.contracts
    ]
    marks = scenario.provenance
    r = power.result
    totals = {
        "owned_it_mw": float(blocks.loc[blocks["kind"] == "site", "it_mw"].sum()),
        "contracted_it_mw": float(blocks.loc[blocks["kind"] == "contract", "it_mw"].sum()),
        "owned_accelerators": float(blocks.loc[blocks["kind"] == "site", "accelerators"].sum()),
        "contracted_accelerators": float(
            blocks.loc[blocks["kind"] == "contract", "accelerators"].sum()),
        # coincident peak of all owned sites (design hour, largest installed IT per month)
        "owned_facility_peak_mw": float(r["facility_peak_mw"].sum(axis=1).max(initial=0.0)),
        "owned_energy_mwh": float(r["energy_mwh"].sum()),
        "owned_it_energy_mwh": float(r["it_energy_mwh"].sum()),
        "owned_water_m3": float(r["water_m3"].sum()),
        "owned_co2_t": float(r["co2_t"].sum()),
    }
    owned_capex = float(cash.blocks["total_usd"].sum()) if len(cash.blocks) else 0.0
    table = facility.parameters()
    base, persons = table["enterprise_rack_kw"], table["persons_per_household"]
    return {
        "gigaplan_version": __version__,
        "scenario": scenario.name,
        "description": scenario.description,
        "source": scenario.source,
        "horizon": {"start": scenario.horizon.start.isoformat(),
                    "end": scenario.horizon.end.isoformat(), "step": scenario.horizon.step},
        "totals": totals,
        "headline": _headline(totals, blocks, failures, owned_capex, cash, sites, contracts,
                              workloads),
        "facility_basis": {
            "density": f"rack kW / {base.value:g} kW enterprise rack "
                       f"(range {base.low:g}-{base.high:g} kW): {base.source}",
            "households": "site energy / (12 x average monthly residential use in the site's "
                          "state, EIA 2022 Form EIA-861); people = households x "
                          f"{persons.value:g} ({persons.source})",
            "pue": "energy-weighted over the horizon (facility MWh / IT MWh)",
            "reference_year": "last calendar year with 12 months in the horizon",
        },
        "sites": sites,
        "contracts": contracts,
        "blocks": records(blocks),
        "installed_by_year": records(yearly),
        "facility_by_year": records(power.yearly()),
        "finance": {
            "npv_usd": cash.npv_usd, "irr": cash.irr, "payback_year": cash.payback_year,
            "discount_rate": cash.discount_rate, "base_year": cash.base_year,
            "owned_capex_usd": owned_capex,
            "owned_capex_facility_usd":
                float(cash.blocks["facility_usd"].sum()) if len(cash.blocks) else 0.0,
            "owned_capex_it_usd": float(cash.blocks["it_usd"].sum()) if len(cash.blocks) else 0.0,
            "capex_in_horizon_usd": float(cash.yearly["capex_usd"].sum()),
            "contract_payments_usd": float(cash.yearly["contract_payments_usd"].sum()),
            "opex_usd": float(cash.yearly["opex_usd"].sum()),
            "blocks": records(cash.blocks),
            "basis": "NPV of the yearly net cash flow (cashflow.csv) at the scenario's discount "
                     "rate, t = 0 in the horizon's first year; levelised cost per used "
                     "accelerator-hour with capital recovery factors (gigaplan catalog finance)",
        },
        "warnings": power.grid_warnings(),
        "workloads": records(workloads),
        "reliability": {
            "failures_per_day": float(failures["failures_per_day"].sum()),
            "planned_per_day": float(failures["planned_per_day"].sum()),
            "spare_units": float(failures["spare_units"].sum()),
            "by_owner": records(failures),
            "basis": "interruptions per accelerator-year by component (gigaplan catalog "
                     "failures) x accelerators at full build-out; spares: binomial, repair "
                     "units healthy with the target probability (gigaplan catalog reliability)",
        },
        "provenance": {
            "assumptions": sorted(p for p, v in marks.items() if v.kind == "assumption"),
            "sourced": sorted(p for p, v in marks.items() if v.kind == "source"),
        },
    }


def _headline(totals: dict, blocks: pd.DataFrame, failures: pd.DataFrame, owned_capex: float,
              cash: finance.CashFlow, sites: list[dict], contracts: list[dict],
              workloads: pd.DataFrame) -> dict:
    """What the scenario buys, in the units a reader expects (the report's summary section).

    Every figure is a value computed elsewhere in the summary or the engines' tables, rescaled:
    GW, EFLOP/s, $B. ``effective_bf16_eflops``: model FLOP/s while training, the accelerators
    of each system x dense BF16 peak x the catalog's MFU (goodput depends on how the capacity is
    split into jobs: see each run's).
    """
    by_system = blocks.groupby("system", sort=False)["accelerators"].sum()
    effective = sum(n * catalog.accelerator(k).bf16_dense_flops
                    * catalog.accelerator(k).default_mfu("bf16") for k, n in by_system.items())
    runs = [{"name": w["name"], "flops": w["flops"], "status": w["status"],
             "pool": w.get("pool"), "accelerators": w.get("accelerators"),
             "start": w.get("start"), "finish": w.get("finish"), "days": w.get("days"),
             "goodput": w.get("goodput"), "deadline": w["deadline"]}
            for w in records(workloads)]
    return {
        "owned_it_gw": totals["owned_it_mw"] / 1000.0,
        "contracted_it_gw": totals["contracted_it_mw"] / 1000.0,
        "owned_facility_peak_gw": totals["owned_facility_peak_mw"] / 1000.0,
        "owned_accelerators": totals["owned_accelerators"],
        "contracted_accelerators": totals["contracted_accelerators"],
        "accelerators_by_system": {k: float(v) for k, v in by_system.items()},
        "peak_bf16_eflops": float(blocks["bf16_peak_flops"].sum()) / 1e18,
        "peak_fp8_eflops": float(blocks["fp8_peak_flops"].fillna(0.0).sum()) / 1e18,
        "effective_bf16_eflops": effective / 1e18,
        "owned_capex_usd_b": owned_capex / 1e9,
        "contract_payments_usd_b": float(cash.yearly["contract_payments_usd"].sum()) / 1e9,
        "npv_usd_b": cash.npv_usd / 1e9,
        "usd_per_accelerator_hour": {
            **{s["name"]: s.get("usd_per_accelerator_hour") for s in sites},
            **{c["name"]: c["usd_per_accelerator_hour"] for c in contracts}},
        "failures_per_day": float(failures["failures_per_day"].sum()),
        "runs": runs,
    }


def run(scenario: Scenario | str | Path, out_dir: str | Path | None = "gigaplan-out", *,
        report: bool = True, progress: Callable[[str], None] | None = None) -> RunResult:
    """Run every engine on ``scenario`` and, if ``out_dir`` is given, write the outputs there.

    Files written: ``summary.json`` (headline figures), ``blocks.csv`` (one row per site phase
    and contract), ``installed_by_year.csv`` (accelerators and IT MW per site/contract at each
    year end), ``fleet.parquet`` (one row per site and contract per month: capacity, power
    flows, PUE, energy, water, CO2), ``facility_by_year.csv`` (per site and year) and
    ``cashflow.csv`` (per calendar year: capex, opex, contract payments, revenue, tax, net) and
    ``workloads.csv`` (per workload: where and when it runs, accelerators, days, energy, memory
    layout; :func:`gigaplan.training.schedule`), ``reliability.csv`` (per site/contract and
    system: failures per day, job MTBF, spares; :func:`gigaplan.reliability.fleet_view`) and,
    with ``report``, ``report.html`` (:mod:`gigaplan.report`). ``progress(step)`` is called as
    each step starts.
    """
    step = progress or (lambda name: None)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    step("fleet")
    b = fleet.blocks(scenario)
    tl = fleet.timeline(scenario)
    yearly = fleet.installed_by_year(scenario, tl)
    step("facility")
    power = facility.fleet_power(scenario)
    table = power.table()
    by_year = power.yearly()
    step("finance")
    cash = finance.cashflow(scenario, power)
    step("training")
    work = training.schedule(scenario, power)
    step("reliability")
    failures = reliability.fleet_view(b)
    summary = summarize(scenario, b, tl, power, cash, work, failures)
    result = RunResult(scenario, b, tl, yearly, power, table, by_year, cash, work, failures,
                       summary)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        b.to_csv(out / "blocks.csv", index=False)
        flat = yearly.copy()
        flat.columns = [f"{measure}:{owner}" for measure, owner in flat.columns]
        flat.to_csv(out / "installed_by_year.csv")
        table.to_parquet(out / "fleet.parquet", index=False)
        by_year.to_csv(out / "facility_by_year.csv", index=False)
        cash.yearly.to_csv(out / "cashflow.csv", index=False)
        work.to_csv(out / "workloads.csv", index=False)
        failures.to_csv(out / "reliability.csv", index=False)
        result.files = [out / SUMMARY_FILE, out / "blocks.csv", out / "installed_by_year.csv",
                        out / "fleet.parquet", out / "facility_by_year.csv", out / "cashflow.csv",
                        out / "workloads.csv", out / "reliability.csv"]
        if report:
            from . import report as _report  # plotly loads only when a report is written

            result.files.insert(0, _report.write(result, out, progress=step))
    return result
