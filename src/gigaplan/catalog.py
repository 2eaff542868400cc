"""The hardware and grid-region catalog shipped with gigaplan.

Every row comes from ``gigaplan/data/*.csv`` and carries ``source`` and ``source_date``
(see ``gigaplan/data/SOURCES.md``). Use it from a notebook::

    >>> from gigaplan import catalog
    >>> catalog.accelerator("h100-sxm").bf16_dense_flops
    989400000000000.0
    >>> catalog.accelerators()          # a DataFrame, one row per system
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from .datafiles import read_table
from .errors import UnknownNameError
from .psychrometrics import check_climate, f_to_c, relative_humidity_pct, wet_bulb_stull_c

__all__ = [
    "Accelerator",
    "Region",
    "Precision",
    "accelerator",
    "accelerator_names",
    "accelerators",
    "mfu_runs",
    "region",
    "region_names",
    "regions",
    "LB_TO_KG",
]

Precision = Literal["bf16", "fp8", "fp4"]

#: Pounds to kilograms, exact by definition (international avoirdupois pound, 1959).
LB_TO_KG = 0.45359237


@dataclass(frozen=True)
class Accelerator:
    """One accelerator as shipped in its system. Units are in the field names.

    ``system_w_per_accelerator`` is the system's power divided by its accelerators: chip, host
    CPUs, memory, in-system network and fans (not the facility's losses, nor the scale-out
    network outside the rack). ``it_class`` (``server``, ``rack``, ``tpu``, ``trainium``) picks
    the share of IT power outside the systems (:mod:`gigaplan.itpower`). Missing figures (no
    FP8 unit, unpublished TDP or price) are NaN.
    ``mfu_bf16``/``mfu_fp8`` are the catalog's published figures; the models read MFU only
    through :meth:`gigaplan.assumptions.Assumptions.mfu` (``training.mfu.<system>.<precision>``),
    where it can be set like any other parameter.
    """

    name: str
    vendor: str
    accelerator: str
    system: str
    status: str
    year: int
    bf16_dense_flops: float
    fp8_dense_flops: float
    fp4_dense_flops: float
    hbm_gb: float
    hbm_tb_s: float
    tdp_w: float
    system_w_per_accelerator: float
    accelerators_per_rack: int
    rack_kw: float
    scale_up_domain: int
    mfu_bf16: float
    mfu_fp8: float
    cooling: str
    price_usd: float
    price_basis: str
    source: str
    source_date: str
    notes: str
    mfu_source: str
    fp4_source: str
    it_class: str

    @property
    def announced(self) -> bool:
        """True for figures announced but not yet shipping."""
        return self.status == "announced"

    def peak_flops(self, precision: Precision) -> float:
        """Dense peak FLOP/s per accelerator at ``precision`` (NaN if it has no such unit)."""
        return {"bf16": self.bf16_dense_flops, "fp8": self.fp8_dense_flops,
                "fp4": self.fp4_dense_flops}[precision]

    def supports(self, precision: Precision) -> bool:
        """Whether the accelerator has dense tensor throughput at ``precision``."""
        return not math.isnan(self.peak_flops(precision))

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN becomes None)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Region:
    """A grid region: electricity price, grid carbon intensity and a representative climate.

    The climate arrays hold 12 monthly means (January first) for the ``climate_station``.
    """

    name: str
    label: str
    state: str
    egrid_subregion: str
    co2_lb_per_mwh: float
    price_industrial_usd_per_mwh: float
    price_commercial_usd_per_mwh: float
    price_year: int
    household_kwh_per_month: float
    construction_cost_multiplier: float
    climate_station: str
    source: str
    source_date: str
    notes: str
    dry_bulb_c: np.ndarray
    dew_point_c: np.ndarray

    @property
    def co2_kg_per_mwh(self) -> float:
        """Location-based grid CO2 intensity [kg/MWh] (eGRID total output rate)."""
        return self.co2_lb_per_mwh * LB_TO_KG

    @property
    def price_usd_per_mwh(self) -> float:
        """Default electricity price for a large load [USD/MWh]: the industrial average."""
        return self.price_industrial_usd_per_mwh

    @property
    def relative_humidity_pct(self) -> np.ndarray:
        """Monthly relative humidity of the mean state [%] (Magnus)."""
        return relative_humidity_pct(self.dry_bulb_c, self.dew_point_c)

    @property
    def wet_bulb_c(self) -> np.ndarray:
        """Monthly wet-bulb temperature [°C] (Stull 2011 from dry bulb and RH)."""
        return wet_bulb_stull_c(self.dry_bulb_c, self.relative_humidity_pct)

    def climate(self) -> pd.DataFrame:
        """Monthly climate table: dry bulb, dew point, RH, wet bulb."""
        return pd.DataFrame({
            "month": np.arange(1, 13),
            "dry_bulb_c": self.dry_bulb_c,
            "dew_point_c": self.dew_point_c,
            "relative_humidity_pct": self.relative_humidity_pct,
            "wet_bulb_c": self.wet_bulb_c,
        })

    def to_dict(self) -> dict:
        """A JSON-ready dict including derived values and the monthly climate."""
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("dry_bulb_c", "dew_point_c")}
        out["co2_kg_per_mwh"] = self.co2_kg_per_mwh
        out["price_usd_per_mwh"] = self.price_usd_per_mwh
        out["climate"] = self.climate().round(2).to_dict(orient="list")
        return out


_INT_COLUMNS = ("year", "accelerators_per_rack", "scale_up_domain")


@cache
def _accelerators() -> dict[str, Accelerator]:
    table = read_table("accelerators.csv")
    out = {}
    for row in table.to_dict(orient="records"):
        for col in _INT_COLUMNS:
            row[col] = int(row[col])
        for f in fields(Accelerator):
            if f.type == "float":
                row[f.name] = float(row[f.name])
            elif f.type == "str" and not isinstance(row[f.name], str):
                row[f.name] = ""  # an empty text cell (e.g. no FP4 source)
        out[row["name"]] = Accelerator(**row)
    return out


@cache
def _regions() -> dict[str, Region]:
    table = read_table("regions.csv")
    climate = read_table("region_climate.csv").sort_values(["region", "month"])
    out = {}
    for row in table.to_dict(orient="records"):
        monthly = climate[climate["region"] == row["name"]]
        row["price_year"] = int(row["price_year"])
        row["dry_bulb_c"] = f_to_c(monthly["dry_bulb_f"].to_numpy())
        row["dew_point_c"] = f_to_c(monthly["dew_point_f"].to_numpy())
        row["household_kwh_per_month"] = float(row["household_kwh_per_month"])
        row["construction_cost_multiplier"] = float(row["construction_cost_multiplier"])
        problems = check_climate(row["dry_bulb_c"], row["dew_point_c"])
        if problems:  # a broken data file is a packaging defect, not user input
            raise ValueError(f"region_climate.csv, region {row['name']}: "
                             + "; ".join(f"{p} = {v}: {m}" for p, v, m in problems))
        row["dry_bulb_c"].setflags(write=False)
        row["dew_point_c"].setflags(write=False)
        out[row["name"]] = Region(**row)
    return out


def accelerator_names() -> list[str]:
    """Slugs of every accelerator system in the catalog."""
    return list(_accelerators())


def region_names() -> list[str]:
    """Slugs of every grid region in the catalog."""
    return list(_regions())


def accelerator(name: str) -> Accelerator:
    """The catalog accelerator ``name`` (case-insensitive slug such as ``"gb200-nvl72"``).

    Raises :class:`~gigaplan.errors.UnknownNameError` naming the closest slugs.
    """
    table = _accelerators()
    key = str(name).strip().lower()
    if key not in table:
        raise UnknownNameError("system", name, list(table))
    return table[key]


def region(name: str) -> Region:
    """The catalog grid region ``name`` (``ercot``, ``nyiso``, ``pjm``, ``miso``, ``spp``,
    ``caiso``)."""
    table = _regions()
    key = str(name).strip().lower()
    if key not in table:
        hints = [r.name for r in table.values()
                 if key and (key in r.label.lower() or key == r.state.lower())]
        raise UnknownNameError("region", name, list(table), hints)
    return table[key]


def accelerators() -> pd.DataFrame:
    """Every accelerator system as a DataFrame indexed by name (a fresh copy)."""
    return pd.DataFrame([asdict(a) for a in _accelerators().values()]).set_index("name")


def mfu_runs() -> pd.DataFrame:
    """The ledger of published pre-training runs with their model FLOPs utilisation
    (``data/mfu_runs.csv``): one row per run (its main configuration), with system, precision,
    size, accelerators, the MFU and how it was read from the publication (``basis``).

    The catalog's default BF16 MFU of a system (``mfu_bf16``) is the median of its runs here
    when it has at least three, else the median of every run on a catalog system.
    """
    return read_table("mfu_runs.csv")


def regions() -> pd.DataFrame:
    """Every grid region as a DataFrame indexed by name, with annual-mean climate columns."""
    rows = []
    for r in _regions().values():
        d = r.to_dict()
        del d["climate"]
        d["annual_mean_dry_bulb_c"] = float(np.mean(r.dry_bulb_c))
        d["annual_mean_wet_bulb_c"] = float(np.mean(r.wet_bulb_c))
        rows.append(d)
    return pd.DataFrame(rows).set_index("name")
