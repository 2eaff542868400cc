"""Facility model: from IT load to grid draw, month by month, with energy, water and carbon.

Every site is a chain of energy flows. IT load (what the accelerator systems draw at their rack
input, the denominator of PUE) is fed through a power-distribution chain whose stage losses add
up, the heat of everything is removed by a cooling plant whose power depends on the month's
climate, and lighting and building services add a small share:

    facility = IT + distribution losses + cooling + misc.                       (1)

PUE = facility energy / IT energy (The Green Grid 2007; ISO/IEC 30134-2); the annual PUE is
energy-weighted, never the mean of monthly PUEs.

**Distribution.** ``ac``: MV transformer -> double-conversion UPS -> PDU -> server PSU;
``hvdc`` (800 V DC class): solid-state transformer/rectifier -> DC busway -> rack DC-DC. Each
stage is an efficiency from ``data/facility.csv``. The catalog's system power per accelerator
is the AC input of today's systems, so the chip-side load is ``it_nominal x psu_eff``; an HVDC
rack feeds that load through ``dcdc_eff`` instead, so its IT input is ``it_nominal x psu_eff /
dcdc_eff`` (rack conversion stays inside IT, as PUE defines it).

**Cooling.** Heat = IT + chain losses + misc (all assumed released indoors: conservative). A
share ``capture`` of the IT heat goes to a warm-water loop (direct-to-chip, ``liquid`` and
``hybrid`` sites); the rest to an air-side chilled-water plant:

* air side, per kW of heat: air-handler fans + pumps/tower fans + chiller work. The chiller runs
  on the share of hours the cooling tower cannot carry the load through a water-side
  economiser: none while wet bulb <= CHW supply - tower approach - HX approach, all once wet
  bulb reaches the CHW return minus the same approaches, linear between. Chiller COP is a
  fraction of the reverse-Carnot COP between evaporating and condensing temperatures.
* liquid side, per kW of heat: CDU/facility pumps + dry-cooler fans, plus a trim chiller when
  the dry coolers with adiabatic pre-cooling cannot reach the facility-water supply
  temperature (ASHRAE W32 by default).

Monthly means are spread into hours by a normal distribution about the monthly mean
(``wet_bulb_sd_k``, ``dry_bulb_sd_k``) and integrated by Gauss-Hermite quadrature, which turns
economiser *hours* into a smooth function of the month. This follows the structure of the
component model of Lei & Masanet (2022), with the parameters in ``data/facility.csv``.

**Water** (WUE, The Green Grid 2011): evaporation in cooling towers (all air-side heat, all
year) and in adiabatic pre-cooling (liquid-side heat in the hours it runs), 3600/h_fg L per kWh
of heat evaporated, times ``cycles / (cycles - 1)`` for blowdown. **CO2**: location-based,
energy x the region's eGRID output rate.

All functions here are pure and vectorised: parameters may be scalars or arrays with a leading
sample axis, so one call evaluates thousands of Monte Carlo samples.

References
----------
The Green Grid (2007) White Paper #6, "The Green Grid data center power efficiency metrics: PUE
and DCiE"; ISO/IEC 30134-2:2016. The Green Grid (2011) White Paper #35, "Water usage
effectiveness (WUE)". Lei, N. & Masanet, E. (2022). Climate- and technology-specific PUE and WUE
estimations for U.S. data centers using a hybrid statistical and thermodynamics-based approach.
Resources, Conservation & Recycling 182, 106323. doi:10.1016/j.resconrec.2022.106323. ASHRAE TC
9.9 (2021) Thermal Guidelines and Liquid Cooling Guidelines. NVIDIA (2025) 800 VDC Architecture
for Next-Generation AI Infrastructure (white paper).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions, group_values
from ..constants import SECONDS_PER_HOUR
from ..errors import GigaplanError
from ..psychrometrics import check_climate, relative_humidity_pct, wet_bulb_stull_c

__all__ = [
    "COOLING_TYPES", "DISTRIBUTIONS", "FLOW_COLUMNS", "FLOW_LABELS", "FacilityInputs",
    "SiteClimate", "air_cooling_per_kw", "cooling_per_kw", "evaluate", "liquid_cooling_per_kw",
    "params", "power_chain", "site_climate", "site_design",
]

COOLING_TYPES = ("air", "liquid", "hybrid")
DISTRIBUTIONS = ("ac", "hvdc")
_KELVIN = 273.15
_QUADRATURE_NODES = 16

#: Energy-flow columns of :func:`evaluate` [MW], whose sum with ``it_mw`` is ``facility_mw``.
FLOW_COLUMNS = ("loss_mv_mw", "loss_ups_mw", "loss_distribution_mw", "misc_mw",
                "cooling_fans_mw", "cooling_pumps_mw", "cooling_chillers_mw")
#: Readable names of the flows, for tables and plots.
FLOW_LABELS = {
    "loss_mv_mw": "MV transformer / SST", "loss_ups_mw": "UPS",
    "loss_distribution_mw": "PDU / DC busway", "misc_mw": "lighting & misc.",
    "cooling_fans_mw": "air-handler fans", "cooling_pumps_mw": "pumps, towers, dry coolers",
    "cooling_chillers_mw": "chillers",
}


# --------------------------------------------------------------------------------------------
# Parameters (``facility.*`` of :class:`~gigaplan.assumptions.Assumptions`)
# --------------------------------------------------------------------------------------------

def params(**overrides: float | np.ndarray) -> dict[str, float | np.ndarray]:
    """The facility parameters by short name, with ``overrides`` (numbers, or 1-D arrays of
    samples) checked against each parameter's valid interval; for notebooks and tests. The
    engines read the same values from an :class:`~gigaplan.assumptions.Assumptions`."""
    return group_values("facility", overrides)


def _sampled(p: Mapping[str, float | np.ndarray], extra_dims: int) -> dict:
    """Parameters with sample arrays reshaped to (samples, 1, ..., 1) to broadcast."""
    out = {}
    for k, v in p.items():
        a = np.asarray(v, dtype=float)
        out[k] = a.reshape(a.shape + (1,) * extra_dims) if a.ndim == 1 else a
    return out


# --------------------------------------------------------------------------------------------
# Power chain
# --------------------------------------------------------------------------------------------

def power_chain(it_nominal_mw, hvdc, p: Mapping) -> dict[str, np.ndarray]:
    """Power drawn through the distribution chain for a nominal IT load.

    Parameters
    ----------
    it_nominal_mw : array
        IT load on the catalog's basis (system power per accelerator, AC input) [MW].
    hvdc : bool array
        True for an 800 V DC chain, False for AC; broadcasts against ``it_nominal_mw``.
    p : mapping
        Parameters (:func:`params`): ``transformer_eff``, ``ups_eff``, ``pdu_eff``,
        ``psu_eff``, ``sst_eff``, ``busway_eff``, ``dcdc_eff``.

    Returns
    -------
    dict of arrays [MW]: ``it_mw`` (IT input: rack/PSU input), ``rack_conversion_mw`` (the
    PSU or DC-DC loss, inside IT), ``loss_distribution_mw`` (PDU or busway),
    ``loss_ups_mw`` (UPS; 0 for HVDC), ``loss_mv_mw`` (MV transformer or SST) and
    ``chain_input_mw`` (what the chain draws from the grid).

    Each stage draws its output divided by its efficiency; its loss is input - output.
    """
    hvdc = np.asarray(hvdc, dtype=bool)
    compute = np.asarray(it_nominal_mw, dtype=float) * p["psu_eff"]
    it = compute / np.where(hvdc, p["dcdc_eff"], p["psu_eff"])
    dist_in = it / np.where(hvdc, p["busway_eff"], p["pdu_eff"])
    ups_in = dist_in / np.where(hvdc, 1.0, p["ups_eff"])
    mv_in = ups_in / np.where(hvdc, p["sst_eff"], p["transformer_eff"])
    return {"it_mw": it, "rack_conversion_mw": it - compute,
            "loss_distribution_mw": dist_in - it, "loss_ups_mw": ups_in - dist_in,
            "loss_mv_mw": mv_in - ups_in, "chain_input_mw": mv_in}


# --------------------------------------------------------------------------------------------
# Cooling
# --------------------------------------------------------------------------------------------

@cache
def _hermite(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for E[f(Z)], Z ~ N(0, 1)."""
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / math.sqrt(2.0 * math.pi)


def _k(x) -> np.ndarray:
    """Append a quadrature axis."""
    return np.asarray(x, dtype=float)[..., None]


def _cop(t_evap_c, t_cond_c, p: Mapping) -> np.ndarray:
    """Chiller COP: ``chiller_carnot_fraction`` x the reverse-Carnot COP T_evap / (T_cond -
    T_evap) in kelvin, capped at ``chiller_cop_max`` (parameters get a quadrature axis)."""
    lift = np.maximum(t_cond_c - t_evap_c, 1e-3)
    return np.minimum(_k(p["chiller_carnot_fraction"]) * (t_evap_c + _KELVIN) / lift,
                      _k(p["chiller_cop_max"]))


def _evaporation_l_per_kwh(p) -> np.ndarray:
    """Make-up water per kWh of heat rejected evaporatively [L/kWh]: evaporation + blowdown."""
    c = p["cycles_of_concentration"]
    return p["evaporative_fraction"] * SECONDS_PER_HOUR / p["latent_heat_kj_per_kg"] * c / (c - 1.0)


def air_cooling_per_kw(wet_bulb_c, p: Mapping, z=None, w=None) -> dict[str, np.ndarray]:
    """Air-side chilled-water plant with water-side economiser, per kW of heat.

    Parameters
    ----------
    wet_bulb_c : array
        Monthly mean wet-bulb temperature [°C].
    p : mapping
        Parameters (:func:`params`).
    z, w : arrays, optional
        Standard-normal nodes and weights of the within-month spread (default: Gauss-Hermite
        over ``wet_bulb_sd_k``); ``z=[0], w=[1]`` evaluates the given temperature alone.

    Returns
    -------
    dict: ``fans`` and ``pumps`` [kW/kW], ``chiller`` (E[mechanical share / COP]) [kW/kW],
    ``mechanical_share`` (share of heat on chillers), ``water_l_per_kwh`` [L per kWh heat].
    """
    if z is None:
        z, w = _hermite(_QUADRATURE_NODES)
    wb = _k(wet_bulb_c) + _k(p["wet_bulb_sd_k"]) * np.asarray(z)
    chws, approach = _k(p["chw_supply_c"]), _k(p["tower_approach_k"] + p["hx_approach_k"])
    t_full = chws - approach
    t_none = chws + _k(p["chw_delta_t_k"]) - approach
    mech = np.clip((wb - t_full) / (t_none - t_full), 0.0, 1.0)
    cop = _cop(chws - _k(p["chiller_approach_k"]),
               wb + _k(p["tower_approach_k"]) + _k(p["chiller_approach_k"]), p)
    chiller = (mech / cop) @ np.asarray(w)
    ones = np.ones_like(chiller)
    return {"fans": p["crah_fan_kw_per_kw"] * ones, "pumps": p["pump_tower_kw_per_kw"] * ones,
            "chiller": chiller, "mechanical_share": mech @ np.asarray(w),
            "water_l_per_kwh": (1.0 + chiller) * _evaporation_l_per_kwh(p)}


def liquid_cooling_per_kw(dry_bulb_c, wet_bulb_c, p: Mapping, z=None,
                          w=None) -> dict[str, np.ndarray]:
    """Direct-to-chip warm-water loop with dry coolers, adiabatic assist and trim chiller.

    Dry coolers alone carry the heat while dry bulb <= facility-water supply - dry-cooler
    approach. Above that, adiabatic pre-cooling lowers the air to dry bulb - effectiveness x
    (dry bulb - wet bulb); whatever is still above the limit is carried by a trim chiller,
    from none to all of the heat over ``trim_span_k``.

    Returns
    -------
    dict: ``pumps`` [kW/kW] (pumps + dry-cooler fans), ``chiller`` [kW/kW] (trim),
    ``adiabatic_share`` (share of hours with evaporative assist), ``water_l_per_kwh``.
    """
    if z is None:
        z, w = _hermite(_QUADRATURE_NODES)
    z = np.asarray(z)
    db = _k(dry_bulb_c) + _k(p["dry_bulb_sd_k"]) * z
    wb = np.minimum(_k(wet_bulb_c) + _k(p["wet_bulb_sd_k"]) * z, db)
    t_dry = _k(p["facility_water_supply_c"] - p["dry_cooler_approach_k"])
    assist = db > t_dry
    t_air = np.where(assist, db - _k(p["adiabatic_effectiveness"]) * (db - wb), db)
    trim = np.clip((t_air - t_dry) / _k(p["trim_span_k"]), 0.0, 1.0)
    cop = _cop(_k(p["facility_water_supply_c"] - p["chiller_approach_k"]),
               t_air + _k(p["dry_cooler_approach_k"] + p["chiller_approach_k"]), p)
    chiller = (trim / cop) @ np.asarray(w)
    adiabatic = assist.astype(float) @ np.asarray(w)
    return {"pumps": p["liquid_pump_fan_kw_per_kw"] * np.ones_like(chiller), "chiller": chiller,
            "adiabatic_share": adiabatic, "water_l_per_kwh": adiabatic * _evaporation_l_per_kwh(p)}


def cooling_per_kw(dry_bulb_c, wet_bulb_c, p: Mapping, design: bool = False) -> dict:
    """Air- and liquid-side cooling terms per kW of heat, expected over the month's hours, or at
    the month's design hour (mean + ``design_z`` standard deviations) when ``design``."""
    zw = (None, None)
    if design:  # one hour at mean + design_z x sd (the spread enters through the shift)
        dry_bulb_c = np.asarray(dry_bulb_c) + p["design_z"] * p["dry_bulb_sd_k"]
        wet_bulb_c = np.asarray(wet_bulb_c) + p["design_z"] * p["wet_bulb_sd_k"]
        zw = ([0.0], [1.0])
    return {"air": air_cooling_per_kw(wet_bulb_c, p, *zw),
            "liquid": liquid_cooling_per_kw(dry_bulb_c, wet_bulb_c, p, *zw)}


def _capture(cooling: np.ndarray, p: Mapping) -> np.ndarray:
    """Share of IT heat into the liquid loop by cooling type."""
    return np.where(cooling == "liquid", p["liquid_capture_liquid"],
                    np.where(cooling == "hybrid", p["liquid_capture_hybrid"], 0.0))


def _flows(it_nominal_mw, hvdc, capture, air: dict, liquid: dict, p: Mapping) -> dict:
    """Energy balance (1) for given per-kW cooling terms (already on the time axis)."""
    chain = power_chain(it_nominal_mw, hvdc, p)
    it = chain["it_mw"]
    misc = p["misc_fraction"] * it
    q_liquid = capture * it
    q_air = chain["chain_input_mw"] + misc - q_liquid
    out = {
        "it_mw": it, "rack_conversion_mw": chain["rack_conversion_mw"],
        "loss_mv_mw": chain["loss_mv_mw"], "loss_ups_mw": chain["loss_ups_mw"],
        "loss_distribution_mw": chain["loss_distribution_mw"], "misc_mw": misc,
        "cooling_fans_mw": q_air * air["fans"],
        "cooling_pumps_mw": q_air * air["pumps"] + q_liquid * liquid["pumps"],
        "cooling_chillers_mw": q_air * air["chiller"] + q_liquid * liquid["chiller"],
        "heat_air_mw": q_air, "heat_liquid_mw": q_liquid,
    }
    out["cooling_mw"] = out["cooling_fans_mw"] + out["cooling_pumps_mw"] + out["cooling_chillers_mw"]
    out["facility_mw"] = chain["chain_input_mw"] + misc + out["cooling_mw"]
    return out


# --------------------------------------------------------------------------------------------
# Sites over time
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SiteClimate:
    """Twelve monthly means of one site's climate [°C] and where they come from."""

    dry_bulb_c: np.ndarray
    dew_point_c: np.ndarray
    basis: str

    @property
    def wet_bulb_c(self) -> np.ndarray:
        """Monthly wet bulb of the mean state (Magnus RH, then Stull 2011)."""
        return wet_bulb_stull_c(self.dry_bulb_c, relative_humidity_pct(self.dry_bulb_c,
                                                                       self.dew_point_c))


def site_climate(region: str, dry_bulb_c=None, dew_point_c=None) -> SiteClimate:
    """The climate of a site: the region's climate station, or 12 given monthly means.

    Raises :class:`~gigaplan.errors.GigaplanError` listing every out-of-range value.
    """
    r = catalog.region(region)
    if dry_bulb_c is None and dew_point_c is None:
        return SiteClimate(np.asarray(r.dry_bulb_c), np.asarray(r.dew_point_c),
                           f"{r.label}: {r.climate_station}")
    db = r.dry_bulb_c if dry_bulb_c is None else dry_bulb_c
    dp = r.dew_point_c if dew_point_c is None else dew_point_c
    problems = check_climate(db, dp)
    if problems:
        raise GigaplanError("climate: " + "; ".join(
            f"{path} = {v:g}: {m}" if v is not None else f"{path}: {m}" for path, v, m in problems))
    return SiteClimate(np.asarray(db, dtype=float), np.asarray(dp, dtype=float), "given")


@dataclass(frozen=True)
class FacilityInputs:
    """Everything :func:`evaluate` needs, as arrays over months (T) and sites (N).

    Built once from a scenario by :func:`gigaplan.facility.build` (or by
    :func:`gigaplan.facility.single_site`); the engine then trusts it.
    """

    dates: pd.DatetimeIndex
    sites: list[str]
    month: np.ndarray            # (T,) calendar month index 0..11
    hours: np.ndarray            # (T,) hours in each month
    it_nominal_mw: np.ndarray    # (T, N) mean installed over the month
    it_peak_nominal_mw: np.ndarray  # (T, N) largest installed in the month
    hvdc: np.ndarray             # (N,)
    cooling: np.ndarray          # (N,) "air" | "liquid" | "hybrid"
    dry_bulb_c: np.ndarray       # (12, N)
    wet_bulb_c: np.ndarray       # (12, N)
    co2_kg_per_mwh: np.ndarray   # (N,)


def evaluate(inputs: FacilityInputs, p: Mapping | None = None) -> dict[str, np.ndarray]:
    """Monthly energy flows of every site, vectorised over parameter samples.

    Parameters
    ----------
    inputs : FacilityInputs
    p : mapping, optional
        Parameters from :func:`params`; any value may be a 1-D array of S samples, which
        gives every output a leading sample axis (S, T, N). ``it_load_factor`` scales the
        mean IT draw (energy), not the peak; ``climate_offset_k`` shifts every monthly
        temperature.

    Returns
    -------
    dict of arrays, shape ([S,] T, N): the flows of :data:`FLOW_COLUMNS` and ``it_mw``,
    ``rack_conversion_mw``, ``cooling_mw``, ``facility_mw`` [MW, month mean];
    ``facility_peak_mw`` [MW, design hour at the month's largest installed IT];
    ``pue``; ``it_energy_mwh``, ``energy_mwh``; ``water_m3``; ``co2_t``.
    """
    p = Assumptions().group("facility") if p is None else p
    sampled = any(np.ndim(v) == 1 for v in p.values())
    ps = _sampled(p, 2) if sampled else dict(p)
    offset = ps["climate_offset_k"]
    db = inputs.dry_bulb_c + offset
    wb = inputs.wet_bulb_c + offset
    capture = _capture(inputs.cooling, ps)
    m = inputs.month
    mean_terms = cooling_per_kw(db, wb, ps)
    design_terms = cooling_per_kw(db, wb, ps, design=True)

    def on_axis(terms: dict) -> dict:
        return {side: {k: v[..., m, :] for k, v in t.items()} for side, t in terms.items()}

    mt, dt_ = on_axis(mean_terms), on_axis(design_terms)
    load = ps["it_load_factor"]
    out = _flows(inputs.it_nominal_mw * load, inputs.hvdc, capture, mt["air"], mt["liquid"], ps)
    peak = _flows(inputs.it_peak_nominal_mw, inputs.hvdc, capture, dt_["air"], dt_["liquid"], ps)
    # the 99th-percentile hour can sit below the month's mean when the rarer, hotter hours
    # above it carry chiller work that the design hour does not: the peak is never below the mean
    out["facility_peak_mw"] = np.maximum(peak["facility_mw"], out["facility_mw"])
    hours = inputs.hours[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pue"] = np.where(out["it_mw"] > 0, out["facility_mw"] / out["it_mw"], np.nan)
    out["it_energy_mwh"] = out["it_mw"] * hours
    out["energy_mwh"] = out["facility_mw"] * hours
    # m3 = MWh x 1000 kWh/MWh x L/kWh / 1000 L/m3 = MWh x L/kWh
    out["water_m3"] = (out["heat_air_mw"] * mt["air"]["water_l_per_kwh"]
                       + out["heat_liquid_mw"] * mt["liquid"]["water_l_per_kwh"]) * hours
    out["co2_t"] = out["energy_mwh"] * inputs.co2_kg_per_mwh / 1000.0
    return out


def site_design(system: str, cooling: str | None, distribution: str) -> str:
    """Check a site's cooling and distribution for ``system``; returns the cooling to use
    (the system's own when ``cooling`` is None). Raises :class:`GigaplanError` for an unknown
    choice or a liquid-only system on an air-cooled site."""
    acc = catalog.accelerator(system)
    cooling = acc.cooling if cooling is None else cooling
    if cooling not in COOLING_TYPES:
        raise GigaplanError(f"cooling = {cooling!r}: expected one of {', '.join(COOLING_TYPES)}")
    if distribution not in DISTRIBUTIONS:
        raise GigaplanError(f"distribution = {distribution!r}: expected one of "
                            f"{', '.join(DISTRIBUTIONS)}")
    if acc.cooling == "liquid" and cooling == "air":
        raise GigaplanError(f"cooling = 'air': {system} needs liquid cooling; "
                            "use 'liquid' or 'hybrid'")
    return cooling
