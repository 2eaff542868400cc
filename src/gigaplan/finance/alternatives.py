"""Own, lease or rent: each owned or leased site's cost per used accelerator-hour three ways,
at the scenario's utilisation.

* **own**: the site builds its facility (capital recovery over the facility's life, facility
  maintenance, property tax and insurance on it);
* **lease**: a landlord builds it and the site pays the market's wholesale lease
  (``lease_usd_per_kw_month`` of ``data/market.csv``, low and high, flat) per kW of critical IT;
* **rent**: no site at all, the accelerators rented at the market's rent of their system
  (``rent_usd_per_accelerator_hour``, low and high), levelled over the accelerators' life as
  rents fall (:func:`gigaplan.finance.formulas.rent_level`).

Everything else (the accelerators' capital recovery, energy, staff, IT maintenance) is the
same whether the facility is owned or leased; renting replaces it all.
"""

from __future__ import annotations

import numpy as np

from ..market import market_range
from .formulas import crf, rent_level

__all__ = ["block_annuals", "rent_per_hour"]


def block_annuals(o: dict, econ: dict, fin) -> dict[str, np.ndarray]:
    """Per block (S, blocks) the annual cost owning the facility, and leasing it at the
    market's low and high lease price [USD/yr]."""
    cap, p = o["cap"], o["p"]
    facility = cap["facility_usd"] + cap["landlord_usd"]  # what building it costs, either way
    it_mw = o["blocks"]["it_mw"].to_numpy(dtype=float)
    carry = crf(fin.discount_rate, fin.facility_life_years) + (
        p["facility_maintenance_share"] + p["property_tax_insurance_share"])
    own_part = cap["facility_usd"] * carry + econ["lease_year"]  # what the site pays now
    base = econ["annual"] - own_part
    lease = market_range("lease_usd_per_kw_month")
    out = {"own": base + facility * carry}
    for end in ("low", "high"):
        out[f"lease_{end}"] = (base + 12_000.0 * it_mw * lease[end] if lease is not None
                               else np.full_like(base, np.nan))
    return out


def rent_per_hour(o: dict, fin, decline: np.ndarray) -> dict[str, np.ndarray]:
    """Per block (S, blocks) the market's rent of its system, low and high, levelled over the
    accelerators' life [USD per accelerator-hour]; NaN for a system without a rent range."""
    systems = o["blocks"]["system"].to_numpy()
    level = rent_level(decline, fin.accelerator_life_years, fin.discount_rate)[:, None]
    out = {}
    for end in ("low", "high"):
        today = np.array([(market_range("rent_usd_per_accelerator_hour", s) or {}).get(
            end, np.nan) for s in systems], dtype=float)
        out[end] = level * today[None, :]
    return out

