"""Money: capex, opex, levelised cost per accelerator-hour, build vs rent, cash flow, budgets.

**Capex** of an owned block (a site phase, or one site of ``count`` accelerators):

* facility = construction x (shell share + electrical share x HVDC factor + mechanical share x
  cooling factor) x region multiplier x IT MW (nominal), + soft costs (a share of
  construction) + land (acres per MW x price per acre). Construction cost per MW of critical IT
  load: Cushman & Wakefield (2025), $11.7M average, $9.3-15.0M by market.
* IT = accelerators x price (catalog, or the scenario's override) x (1 + network share +
  storage share).

**Opex** per year: energy (facility MWh from :mod:`gigaplan.facility` x the site's price),
maintenance (shares of facility and IT capex), staff (jobs per MW x loaded cost), property tax
and insurance (share of capex), network transit (per MW).

**Levelised cost** per used accelerator-hour (primer; e.g. NREL's simple LCOE):

    annual cost = facility capex x CRF(r, facility life) + IT capex x CRF(r, accelerator life)
                  + opex per year
    usd_per_accelerator_hour = annual cost / (accelerators x 8,760 h x utilisation)
    CRF(r, n) = r (1 + r)^n / ((1 + r)^n - 1)        (CRF = 1/n at r = 0)

Cost per 10^24 FLOP delivered divides the same annual cost by accelerators x dense peak x MFU x
goodput x utilisation x seconds per year (MFU: the catalog's default for the system and
precision; goodput: the reliability model's for one run spanning all the accelerators, see
:func:`fleet_goodput`). Against a cloud price P per accelerator-hour the
saving of owning is 1 - cost / P, and the break-even utilisation is the u at which the owned
cost per used hour equals P (annual costs are treated as fixed: energy at rated power).

**Cash flow** (calendar years): facility capex spread evenly over the lead time before each
phase comes online; IT capex as the accelerators are installed (and again at end of life when
``refresh``); opex month by month as capacity is installed (energy from the facility model's
monthly energy); contract payments over each contract's term; optional revenue per used
accelerator-hour; tax on positive taxable income (revenue - opex - payments - straight-line
depreciation); investment tax credit and incentives as inflows. NPV = sum CF_t / (1 + r)^t with
t = 0 for the horizon's first year (earlier construction years have t < 0); IRR and NPV by
numpy-financial.

References
----------
Cushman & Wakefield (2025) Data Center Development Cost Guide. Short, W., Packey, D. J. & Holt,
T. (1995) A Manual for the Economic Evaluation of Energy Efficiency and Renewable Energy
Technologies, NREL/TP-462-5173 (capital recovery factor, levelised cost). Chowdhery et al. (2022)
PaLM, App. B (MFU). Parameters and their sources: ``data/finance.csv`` (``gigaplan catalog
finance``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf
import pandas as pd

from . import catalog, facility, fleet, training
from . import parameters as _parameters
from .errors import GigaplanError
from .parameters import Parameter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type hints only: the scenario models load when a scenario is used
    from .scenario import Scenario

__all__ = [
    "CAPEX_COLUMNS", "CashFlow", "OPEX_COLUMNS", "annual_cost", "breakeven_utilization", "budget",
    "capex", "cashflow", "cost", "crf", "fleet_goodput", "levelised_usd_per_accelerator_hour",
    "opex_per_year",
    "parameter_table", "parameters", "params", "usd_per_1e24_flop",
]

_TABLE = "finance.csv"
HOURS_PER_YEAR = 8760.0
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0

CAPEX_COLUMNS = ("shell_core_usd", "electrical_usd", "mechanical_usd", "soft_usd", "land_usd",
                 "systems_usd", "network_usd", "storage_usd")
OPEX_COLUMNS = ("energy_usd", "maintenance_usd", "staff_usd", "tax_insurance_usd", "transit_usd")


def parameters() -> dict[str, Parameter]:
    """Every finance parameter by name (see ``data/finance.csv`` for sources)."""
    return _parameters.load(_TABLE)


def parameter_table() -> pd.DataFrame:
    """The finance parameters as a DataFrame indexed by name."""
    return _parameters.table(_TABLE)


def params(**overrides: float | np.ndarray) -> dict[str, float | np.ndarray]:
    """Default finance parameter values with ``overrides`` (checked: names, fractions, signs)."""
    return _parameters.override(_TABLE, "finance parameter", overrides)


# ------------------------------------------------------------------------------ formulas


def crf(rate, years) -> np.ndarray:
    """Capital recovery factor r(1+r)^n / ((1+r)^n - 1); 1/n at r = 0 (Short et al. 1995).

    Raises :class:`~gigaplan.errors.GigaplanError` for ``rate <= -1`` or ``years <= 0``.
    """
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    if np.any(r <= -1):
        raise GigaplanError(f"discount rate = {rate!r}: expected more than -1 (-100%)")
    if np.any(n <= 0) or not np.all(np.isfinite(n)):
        raise GigaplanError(f"life = {years!r}: expected a positive number of years")
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = (1.0 + r) ** n
        out = np.where(np.abs(r) < 1e-12, 1.0 / n, r * growth / (growth - 1.0))
    return out


def capex(it_nominal_mw, accelerators, price_usd, *, cooling: str, distribution: str,
          region_multiplier: float = 1.0, p: Mapping | None = None) -> dict[str, np.ndarray]:
    """Capital cost of an owned block [USD], by component (:data:`CAPEX_COLUMNS`).

    Adds ``facility_usd`` (shell/core, electrical, mechanical, soft, land), ``it_usd``
    (systems, network, storage) and ``total_usd``.
    """
    p = params() if p is None else p
    mw = np.asarray(it_nominal_mw, dtype=float)
    build = p["construction_usd_per_mw"] * region_multiplier * mw
    cooling_factor = {"air": 1.0, "liquid": p["liquid_mechanical_factor"],
                      "hybrid": p["hybrid_mechanical_factor"]}[cooling]
    hvdc_factor = p["hvdc_electrical_factor"] if distribution == "hvdc" else 1.0
    out = {
        "shell_core_usd": build * p["shell_core_share"],
        "electrical_usd": build * p["electrical_share"] * hvdc_factor,
        "mechanical_usd": build * p["mechanical_share"] * cooling_factor,
        "land_usd": mw * p["land_acres_per_mw"] * p["land_usd_per_acre"],
        "systems_usd": np.asarray(accelerators, dtype=float) * price_usd,
    }
    out["soft_usd"] = p["soft_cost_share"] * (out["shell_core_usd"] + out["electrical_usd"]
                                              + out["mechanical_usd"])
    out["network_usd"] = out["systems_usd"] * p["network_share"]
    out["storage_usd"] = out["systems_usd"] * p["storage_share"]
    out["facility_usd"] = sum(out[k] for k in ("shell_core_usd", "electrical_usd",
                                               "mechanical_usd", "soft_usd", "land_usd"))
    out["it_usd"] = out["systems_usd"] + out["network_usd"] + out["storage_usd"]
    out["total_usd"] = out["facility_usd"] + out["it_usd"]
    return out


def opex_per_year(cap: Mapping, *, it_nominal_mw, facility_mwh_per_year, price_usd_per_mwh,
                  p: Mapping | None = None) -> dict[str, np.ndarray]:
    """Operating cost per year [USD] by component (:data:`OPEX_COLUMNS`) and ``total_usd``."""
    p = params() if p is None else p
    mw = np.asarray(it_nominal_mw, dtype=float)
    out = {
        "energy_usd": np.asarray(facility_mwh_per_year, dtype=float) * price_usd_per_mwh,
        "maintenance_usd": (p["facility_maintenance_share"] * cap["facility_usd"]
                            + p["it_maintenance_share"] * cap["it_usd"]),
        "staff_usd": p["jobs_per_mw"] * mw * p["staff_usd_per_year"],
        "tax_insurance_usd": p["property_tax_insurance_share"] * cap["total_usd"],
        "transit_usd": p["transit_usd_per_mw_year"] * mw,
    }
    out["total_usd"] = sum(out[k] for k in OPEX_COLUMNS)
    return out


def annual_cost(cap: Mapping, opex_total_usd, *, discount_rate, accelerator_life_years,
                facility_life_years) -> np.ndarray:
    """Annualised capex (CRF over each asset's life) + opex per year [USD/yr]."""
    return (cap["facility_usd"] * crf(discount_rate, facility_life_years)
            + cap["it_usd"] * crf(discount_rate, accelerator_life_years) + opex_total_usd)


def levelised_usd_per_accelerator_hour(annual_usd, accelerators, utilization) -> np.ndarray:
    """Annual cost / (accelerators x 8,760 h x utilisation) [USD per used accelerator-hour]."""
    _check_fraction("utilization", utilization)
    return np.asarray(annual_usd, dtype=float) / (
        np.asarray(accelerators, dtype=float) * HOURS_PER_YEAR * utilization)


def usd_per_1e24_flop(annual_usd, accelerators, peak_flops_per_accelerator, *, mfu, goodput,
                      utilization) -> np.ndarray:
    """Annual cost / FLOP delivered in a year x 10^24 [USD per 10^24 FLOP].

    FLOP delivered = accelerators x dense peak x MFU x goodput x utilisation x 31,536,000 s.
    """
    for name, value in (("mfu", mfu), ("goodput", goodput), ("utilization", utilization)):
        _check_fraction(name, value)
    flop = (np.asarray(accelerators, dtype=float) * peak_flops_per_accelerator * mfu * goodput
            * utilization * SECONDS_PER_YEAR)
    return np.asarray(annual_usd, dtype=float) / flop * 1e24


def fleet_goodput(accelerators: float, acc: catalog.Accelerator, precision: str = "bf16") -> float:
    """Goodput of one training run on all ``accelerators`` of ``acc`` (reliability model).

    The run is the compute-optimal model for the accelerators' failure-free compute over the
    training parameter ``job_days`` (:func:`gigaplan.training.compute_optimal_params`), which
    sizes its checkpoint; goodput at the optimal checkpoint interval
    (:func:`gigaplan.training.run_goodput`).
    """
    par = training.params()
    flops = (accelerators * acc.peak_flops(precision) * acc.default_mfu(precision)
             * par["job_days"] * 86_400.0)
    g, _ = training.run_goodput(accelerators, acc.name, training.compute_optimal_params(flops,
                                                                                         par))
    return float(g)


def breakeven_utilization(annual_usd, accelerators, cloud_usd_per_hour) -> np.ndarray:
    """Utilisation at which owning costs the cloud price per used hour (may exceed 1: never)."""
    if np.any(np.asarray(cloud_usd_per_hour) <= 0):
        raise GigaplanError(f"cloud price = {cloud_usd_per_hour!r}: expected a positive "
                            "price per accelerator-hour")
    return np.asarray(annual_usd, dtype=float) / (
        np.asarray(accelerators, dtype=float) * HOURS_PER_YEAR * cloud_usd_per_hour)


def _check_fraction(name: str, value) -> None:
    v = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(v)) or np.any(v <= 0) or np.any(v > 1):
        raise GigaplanError(f"{name} = {value!r}: expected a fraction in (0, 1]")


def _price(system: catalog.Accelerator, override: float | None) -> float:
    if override is not None:
        if not override > 0:
            raise GigaplanError(f"price = {override!r}: expected a positive USD amount")
        return float(override)
    if system.price_basis == "none":
        raise GigaplanError(f"{system.name} has no catalog price; give one (--price in the CLI, "
                            "price_usd_per_accelerator in a scenario phase)")
    return float(system.price_usd)


# ------------------------------------------------------------------------------ one site


def cost(system: str, count: int, *, region: str = "ercot", cooling: str | None = None,
         distribution: str = "ac", utilization: float | None = None, years: float = 5.0,
         cloud_usd_per_hour: float | None = None, price_usd: float | None = None,
         discount_rate: float = 0.08, accelerator_life_years: float = 5.0,
         facility_life_years: float = 20.0, precision: str = "bf16",
         p: Mapping | None = None) -> dict:
    """Total cost of ownership of one site of ``count`` accelerators at full load.

    Returns a JSON-ready dict with at least ``capex_usd``, ``capex_facility_usd``,
    ``capex_it_usd``, ``opex_usd_per_year``, ``usd_per_accelerator_hour``,
    ``usd_per_1e24_flop`` and, when ``cloud_usd_per_hour`` is given, ``saving_vs_cloud`` and
    ``breakeven_utilization``. ``years`` is the ownership period of ``tco_usd`` (capex, a new
    set of accelerators at each end of life, and opex, undiscounted) and ``npv_cost_usd``.
    """
    p = params() if p is None else p
    utilization = p["utilization"] if utilization is None else utilization
    _check_fraction("utilization", utilization)
    if not years > 0:
        raise GigaplanError(f"years = {years!r}: expected a positive number of years")
    crf(discount_rate, accelerator_life_years)
    crf(discount_rate, facility_life_years)
    site = facility.single_site(system, count, cooling=cooling, distribution=distribution,
                                region=region)
    acc, reg = catalog.accelerator(system), catalog.region(region)
    price = _price(acc, price_usd)
    if not acc.supports(precision):
        raise GigaplanError(f"precision = {precision!r}: {system} has no dense {precision} figure")
    cap = {k: float(v) for k, v in capex(
        site["it_nominal_mw"], count, price, cooling=site["cooling"], distribution=distribution,
        region_multiplier=reg.construction_cost_multiplier, p=p).items()}
    opex = {k: float(v) for k, v in opex_per_year(
        cap, it_nominal_mw=site["it_nominal_mw"], facility_mwh_per_year=site["annual_mwh"],
        price_usd_per_mwh=reg.price_usd_per_mwh, p=p).items()}
    annual = float(annual_cost(cap, opex["total_usd"], discount_rate=discount_rate,
                               accelerator_life_years=accelerator_life_years,
                               facility_life_years=facility_life_years))
    per_hour = float(levelised_usd_per_accelerator_hour(annual, count, utilization))
    goodput = fleet_goodput(count, acc, precision)
    purchases = math.ceil(years / accelerator_life_years)
    flows = [0.0] * (math.ceil(years) + 1)
    for k in range(purchases):
        flows[min(int(k * accelerator_life_years), len(flows) - 1)] -= cap["it_usd"]
    flows[0] -= cap["facility_usd"]
    for y in range(1, math.ceil(years) + 1):
        flows[y] -= opex["total_usd"] * min(1.0, years - (y - 1))
    out = {
        "system": acc.name, "region": reg.name, "cooling": site["cooling"],
        "distribution": distribution, "accelerators": int(count),
        "price_usd_per_accelerator": price,
        "it_mw": site["it_mw"], "facility_mw": site["facility_mw"], "pue_annual": site["pue_annual"],
        "capex_usd": cap["total_usd"], "capex_facility_usd": cap["facility_usd"],
        "capex_it_usd": cap["it_usd"], "capex": {k: cap[k] for k in CAPEX_COLUMNS},
        "capex_usd_per_mw_it": cap["total_usd"] / site["it_nominal_mw"],
        "opex_usd_per_year": opex["total_usd"], "opex": {k: opex[k] for k in OPEX_COLUMNS},
        "annual_cost_usd": annual,
        "utilization": float(utilization), "discount_rate": discount_rate,
        "accelerator_life_years": accelerator_life_years,
        "facility_life_years": facility_life_years,
        "usd_per_accelerator_hour": per_hour,
        "usd_per_1e24_flop": float(usd_per_1e24_flop(
            annual, count, acc.peak_flops(precision), mfu=acc.default_mfu(precision),
            goodput=goodput, utilization=utilization)),
        "goodput": goodput,
        "flop_basis": f"dense {precision} peak x MFU {acc.default_mfu(precision):g} (catalog) x "
                      f"goodput {goodput:.3f} (reliability model: one run on all "
                      f"{int(count):,} accelerators) x utilisation {utilization:g}",
        "years": years, "tco_usd": -float(sum(flows)),
        "npv_cost_usd": -float(npf.npv(discount_rate, flows)),
    }
    if cloud_usd_per_hour is not None:
        out["cloud_usd_per_hour"] = cloud_usd_per_hour
        out["breakeven_utilization"] = float(breakeven_utilization(annual, count,
                                                                   cloud_usd_per_hour))
        out["saving_vs_cloud"] = 1.0 - per_hour / cloud_usd_per_hour
    return out


def budget(usd: float, system: str, *, region: str = "ercot", cooling: str | None = None,
           distribution: str = "ac", price_usd: float | None = None,
           p: Mapping | None = None) -> dict:
    """What a capital budget buys: accelerators, IT and facility MW, split facility vs IT.

    Capex is linear in the accelerator count (per-MW facility costs, per-unit IT costs), so the
    count is the budget over the capex of one accelerator, rounded down; the site is then sized
    with :func:`gigaplan.facility.single_site`.
    """
    if not usd > 0 or not math.isfinite(usd):
        raise GigaplanError(f"budget = {usd!r}: expected a positive USD amount")
    p = params() if p is None else p
    acc, reg = catalog.accelerator(system), catalog.region(region)
    price = _price(acc, price_usd)
    cooling = facility.site_design(system, cooling, distribution)
    one = capex(acc.it_mw(1), 1, price, cooling=cooling, distribution=distribution,
                region_multiplier=reg.construction_cost_multiplier, p=p)
    count = int(usd // float(one["total_usd"]))
    if count < 1:
        raise GigaplanError(f"budget = {usd:,.0f} USD buys no {system}: one costs "
                            f"{float(one['total_usd']):,.0f} USD with its facility share")
    site = facility.single_site(system, count, cooling=cooling, distribution=distribution,
                                region=region)
    cap = capex(site["it_nominal_mw"], count, price, cooling=cooling, distribution=distribution,
                region_multiplier=reg.construction_cost_multiplier, p=p)
    return {
        "budget_usd": usd, "system": acc.name, "region": reg.name, "cooling": cooling,
        "distribution": distribution, "price_usd_per_accelerator": price,
        "accelerators": count, "racks": site["racks"],
        "it_mw": site["it_mw"], "it_nominal_mw": site["it_nominal_mw"],
        "facility_mw": site["facility_mw"], "facility_peak_mw": site["facility_peak_mw"],
        "capex_usd": float(cap["total_usd"]), "capex_facility_usd": float(cap["facility_usd"]),
        "capex_it_usd": float(cap["it_usd"]),
        "facility_share": float(cap["facility_usd"] / cap["total_usd"]),
        "unspent_usd": usd - float(cap["total_usd"]),
        "usd_per_accelerator_all_in": float(one["total_usd"]),
        "bf16_peak_flops": count * acc.bf16_dense_flops,
    }


# ------------------------------------------------------------------------------ a scenario


@dataclass(frozen=True)
class CashFlow:
    """The finance model of a scenario.

    ``yearly``: one row per calendar year (capex, credits, opex by component, contract
    payments, revenue, depreciation, tax, net and cumulative cash flow, discount factor);
    ``blocks``: per owned phase its capex and levelised cost; ``sites`` and ``contracts``:
    unit economics; ``npv_usd``, ``irr`` (None without revenue or without a sign change),
    ``payback_year``.
    """

    yearly: pd.DataFrame
    blocks: pd.DataFrame
    sites: list[dict]
    contracts: list[dict]
    npv_usd: float
    irr: float | None
    payback_year: int | None
    discount_rate: float
    base_year: int


def _first_spending(scenario: Scenario, lead_months: float) -> dt.date:
    """The first construction spending (or the horizon start, if earlier)."""
    start = pd.Timestamp(scenario.horizon.start)
    onlines = [ph.online for s in scenario.sites for ph in s.phases]
    if onlines:
        first = pd.Timestamp(min(onlines)) - pd.DateOffset(months=int(math.ceil(lead_months)))
        start = min(start, first)
    return start.date()


def cashflow(scenario: Scenario, power: facility.FleetPower | None = None,
             p: Mapping | None = None) -> CashFlow:
    """Yearly cash flow, NPV, IRR, payback and unit economics of every site and contract."""
    p = params() if p is None else p
    fin = scenario.finance
    utilization = p["utilization"] if fin.utilization is None else fin.utilization
    power = facility.fleet_power(scenario) if power is None else power
    b = power.installed.blocks
    # installed shares on an axis extended back to the first construction spending: mean over
    # each month (opex) and the largest reached in it (capex as delivered: phases only grow)
    mi = fleet.monthly_installed(scenario, b, start=_first_spending(scenario, fin.lead_time_months))
    t, hours, share_mean, share_end = mi.dates, mi.hours, mi.mean, mi.peak
    n_t = len(t)
    month_start = t.values.astype("datetime64[s]")
    nxt = (t + pd.offsets.MonthBegin(1)).values.astype("datetime64[s]")

    def month_of(date) -> np.ndarray:
        """1.0 in the month containing ``date``, 0 elsewhere."""
        d = np.datetime64(pd.Timestamp(date), "s")
        return ((month_start <= d) & (d < nxt)).astype(float)

    owned = (b["kind"] == "site").to_numpy()

    columns = {c: np.zeros(n_t) for c in (
        "capex_facility_usd", "capex_it_usd", "tax_credit_usd", "incentives_usd",
        *OPEX_COLUMNS, "contract_payments_usd", "revenue_usd", "depreciation_usd")}
    block_rows, site_rows = [], []
    site_of = {s.name: s for s in scenario.sites}
    site_index = {s.name: i for i, s in enumerate(scenario.sites)}
    lives = (fin.accelerator_life_years, fin.facility_life_years)
    crf_it, crf_fac = crf(fin.discount_rate, lives[0]), crf(fin.discount_rate, lives[1])
    used_hours_owned = np.zeros(n_t)
    reference = {d["name"]: d for d in power.sites_summary()}
    # site energy on the extended axis (zero before the horizon: nothing is online then)
    energy = np.zeros((n_t, len(scenario.sites)))
    offset = t.get_loc(power.inputs.dates[0]) if len(power.inputs.dates) else 0
    energy[offset:offset + len(power.inputs.dates)] = power.result["energy_mwh"]

    for j, row in enumerate(b.itertuples()):
        if not owned[j]:
            continue
        site = site_of[row.owner]
        phase = site.phases[row.index]
        acc = catalog.accelerator(row.system)
        reg = catalog.region(site.region)
        price = _price(acc, phase.price_usd_per_accelerator)
        cap = {k: float(v) for k, v in capex(row.it_mw, row.accelerators, price,
                                             cooling=site.cooling, distribution=site.distribution,
                                             region_multiplier=reg.construction_cost_multiplier,
                                             p=p).items()}
        # facility capex: evenly over the lead months before online
        online = np.datetime64(pd.Timestamp(row.start), "s")
        lead_start = np.datetime64(pd.Timestamp(row.start) - pd.DateOffset(
            months=int(math.ceil(fin.lead_time_months))), "s")
        if fin.lead_time_months > 0:
            overlap = (np.minimum(nxt, online) - np.maximum(month_start, lead_start))
            weights = np.clip(overlap.astype(float), 0.0, None)
            weights = weights / weights.sum() if weights.sum() > 0 else weights
        else:
            weights = month_of(row.start)
        columns["capex_facility_usd"] += weights * cap["facility_usd"]
        # IT capex as installed; again at each end of life when refreshing
        delivered = np.diff(share_end[:, j], prepend=0.0).clip(min=0.0)
        it_spend = delivered * cap["it_usd"]
        if fin.refresh:
            shift = int(round(lives[0] * 12))
            for k in range(1, n_t // max(shift, 1) + 1):
                it_spend[k * shift:] += (delivered * cap["it_usd"])[: n_t - k * shift]
        columns["capex_it_usd"] += it_spend
        columns["tax_credit_usd"] += fin.tax_credit * (weights * cap["facility_usd"] + it_spend)
        # depreciation: straight line from installation
        columns["depreciation_usd"] += _straight_line(it_spend, lives[0])
        columns["depreciation_usd"] += _straight_line(month_of(row.start) * cap["facility_usd"],
                                                      lives[1])
        # unit economics at full build: the block's share (by IT) of its site's energy in the
        # reference year (the last full calendar year of the horizon)
        site_it = float(b.loc[(b["owner"] == site.name) & owned, "it_mw"].sum())
        mwh_full = reference[site.name]["annual_mwh"] * row.it_mw / site_it
        price_mwh = site.price_usd_per_mwh or reg.price_usd_per_mwh
        opex_full = opex_per_year(cap, it_nominal_mw=row.it_mw, facility_mwh_per_year=mwh_full,
                                  price_usd_per_mwh=price_mwh, p=p)
        annual = cap["facility_usd"] * crf_fac + cap["it_usd"] * crf_it + float(opex_full["total_usd"])
        # opex other than energy (energy comes from the facility model below), as installed
        s_mean = share_mean[:, j]
        for k in OPEX_COLUMNS[1:]:
            columns[k] += s_mean * hours / HOURS_PER_YEAR * float(opex_full[k])
        used_hours_owned += s_mean * row.accelerators * hours * utilization
        block_rows.append({
            "site": site.name, "block": row.block, "system": row.system,
            "accelerators": row.accelerators, "it_mw": row.it_mw,
            "price_usd_per_accelerator": price, **cap,
            "opex_usd_per_year": float(opex_full["total_usd"]),
            "energy_usd_per_year": float(opex_full["energy_usd"]),
            "annual_cost_usd": annual,
            "usd_per_accelerator_hour": annual / (row.accelerators * HOURS_PER_YEAR * utilization),
            "usd_per_1e24_flop": float(usd_per_1e24_flop(
                annual, row.accelerators, acc.bf16_dense_flops, mfu=acc.mfu_bf16,
                goodput=fleet_goodput(row.accelerators, acc), utilization=utilization)),
        })

    # energy opex: the facility model's monthly energy x each site's price
    for s in scenario.sites:
        price_mwh = s.price_usd_per_mwh or catalog.region(s.region).price_usd_per_mwh
        columns["energy_usd"] += energy[:, site_index[s.name]] * price_mwh
        columns["incentives_usd"] += s.incentives_usd * month_of(min(ph.online for ph in s.phases))

    contract_rows = []
    used_hours_contracted = np.zeros(n_t)
    in_horizon = (month_start >= np.datetime64(pd.Timestamp(scenario.horizon.start), "s"))
    for j, row in enumerate(b.itertuples()):
        if owned[j]:
            continue
        c = scenario.contracts[row.index]
        start = np.datetime64(pd.Timestamp(c.start), "s")
        end = np.datetime64(pd.Timestamp(c.end), "s")
        in_force = np.clip((np.minimum(nxt, end) - np.maximum(month_start, start)).astype(float),
                           0.0, None) / 3600.0  # hours of the month under contract
        term_hours = (end - start).astype(float) / 3600.0
        if c.price_usd_per_accelerator_hour is not None:
            price_h = c.price_usd_per_accelerator_hour
        elif c.total_value_usd is not None:
            price_h = c.total_value_usd / (row.accelerators * term_hours)
        else:
            price_h = None
        in_force = in_force * in_horizon  # what is paid and used before the horizon is not ours
        if price_h is not None:
            columns["contract_payments_usd"] += in_force * row.accelerators * price_h
        used_hours_contracted += in_force * row.accelerators * utilization
        same = [r for r in block_rows if r["system"] == row.system]
        owned_h = (sum(r["annual_cost_usd"] for r in same)
                   / sum(r["accelerators"] * HOURS_PER_YEAR * utilization for r in same)
                   if same else None)
        contract_rows.append({
            "name": c.name, "provider": c.provider, "system": c.system,
            "accelerators": row.accelerators,
            "usd_per_accelerator_hour": None if price_h is None else float(price_h),
            "price_basis": ("given" if c.price_usd_per_accelerator_hour is not None else
                            "total_value_usd / (accelerators x hours of the term)"
                            if c.total_value_usd is not None else "unknown"),
            "owned_usd_per_accelerator_hour": None if owned_h is None else float(owned_h),
            "saving_of_owning": float(1.0 - owned_h / price_h) if owned_h and price_h else None,
        })

    if fin.revenue_usd_per_accelerator_hour is not None:
        columns["revenue_usd"] = (used_hours_owned + used_hours_contracted) \
            * fin.revenue_usd_per_accelerator_hour

    monthly = pd.DataFrame(columns, index=t)
    yearly = monthly.groupby(monthly.index.year).sum()
    yearly.index.name = "year"
    yearly["opex_usd"] = yearly[list(OPEX_COLUMNS)].sum(axis=1)
    taxable = (yearly["revenue_usd"] - yearly["opex_usd"] - yearly["contract_payments_usd"]
               - yearly["depreciation_usd"])
    yearly["tax_usd"] = (taxable.clip(lower=0.0) * p["income_tax_rate"]
                         if fin.revenue_usd_per_accelerator_hour is not None else 0.0)
    yearly["capex_usd"] = yearly["capex_facility_usd"] + yearly["capex_it_usd"]
    yearly["net_cash_flow_usd"] = (yearly["revenue_usd"] + yearly["tax_credit_usd"]
                                   + yearly["incentives_usd"] - yearly["capex_usd"]
                                   - yearly["opex_usd"] - yearly["contract_payments_usd"]
                                   - yearly["tax_usd"])
    yearly["cumulative_usd"] = yearly["net_cash_flow_usd"].cumsum()
    base = scenario.horizon.start.year
    years_from_base = yearly.index.to_numpy() - base
    yearly["discount_factor"] = (1.0 + fin.discount_rate) ** -years_from_base.astype(float)
    npv = float((yearly["net_cash_flow_usd"] * yearly["discount_factor"]).sum())
    irr = payback = None
    if fin.revenue_usd_per_accelerator_hour is not None:
        flows = yearly["net_cash_flow_usd"].to_numpy()
        if flows.min() < 0 < flows.max():
            value = float(npf.irr(flows))
            irr = value if math.isfinite(value) else None
        positive = yearly.index[(yearly["cumulative_usd"] >= 0)
                                & (yearly["capex_usd"].cumsum() > 0)]
        payback = int(positive[0]) if len(positive) else None

    blocks = pd.DataFrame(block_rows)
    for s in scenario.sites:
        rows = blocks[blocks["site"] == s.name]
        site_rows.append({
            "name": s.name, "capex_usd": float(rows["total_usd"].sum()),
            "capex_facility_usd": float(rows["facility_usd"].sum()),
            "capex_it_usd": float(rows["it_usd"].sum()),
            "opex_usd_per_year": float(rows["opex_usd_per_year"].sum()),
            "usd_per_accelerator_hour": float(rows["annual_cost_usd"].sum() / (
                rows["accelerators"].sum() * HOURS_PER_YEAR * utilization)),
        })
    return CashFlow(yearly=yearly.reset_index(), blocks=blocks, sites=site_rows,
                    contracts=contract_rows, npv_usd=npv, irr=irr, payback_year=payback,
                    discount_rate=fin.discount_rate, base_year=base)


def _straight_line(spend: np.ndarray, life_years: float) -> np.ndarray:
    """Monthly straight-line depreciation of monthly spending over ``life_years``."""
    months = max(1, int(round(life_years * 12)))
    kernel = np.full(months, 1.0 / months)
    return np.convolve(spend, kernel)[: len(spend)]
