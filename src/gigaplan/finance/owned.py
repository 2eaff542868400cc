"""Owned phases on the finance stage's month axis: their capex and where it falls, the
accelerators' spending (again at each refresh), depreciation, residual value, non-energy opex
and lease payments, by month (S, T), and each site's share of them.

Used by :mod:`gigaplan.finance.cashflow` (formulas: :mod:`gigaplan.finance.formulas`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from ..constants import HOURS_PER_YEAR
from ..fleet import FleetResult
from . import tax
from .formulas import FACILITY_COLUMNS, OPEX_COLUMNS, capex, lease_commitment_usd, \
    lease_usd_per_month, price

__all__ = ["Months", "by_site", "lease_commitment", "lease_payments", "monthly_owned", "owned",
           "phase_present_cost", "phase_yearly", "site_present_cost"]


class Months:
    """The monthly calendar axis of the cash flow and its helpers."""

    def __init__(self, fleet: FleetResult):
        mi = fleet.monthly
        #: months before the horizon's first (construction lead time, or sunk phases)
        self.before = np.arange(len(mi.dates)) < fleet.horizon_offset
        self.dates, self.hours = mi.dates, mi.hours
        self.mean, self.end = mi.mean, mi.peak
        self.start = mi.dates.values.astype("datetime64[s]")
        self.next = (mi.dates + pd.offsets.MonthBegin(1)).values.astype("datetime64[s]")

    def of(self, dates) -> np.ndarray:
        """1.0 in the month containing each of ``dates``: shape (months, dates)."""
        d = np.asarray(pd.to_datetime(np.atleast_1d(dates)).values.astype("datetime64[s]"))
        return ((self.start[:, None] <= d[None, :]) & (d[None, :] < self.next[:, None])).astype(float)

    def overlap_hours(self, start, end) -> np.ndarray:
        """Hours of each month inside [start, end): shape (months, intervals)."""
        s = np.asarray(pd.to_datetime(np.atleast_1d(start)).values.astype("datetime64[s]"))
        e = np.asarray(pd.to_datetime(np.atleast_1d(end)).values.astype("datetime64[s]"))
        inside = (np.minimum(self.next[:, None], e[None, :])
                  - np.maximum(self.start[:, None], s[None, :])).astype(float)
        return np.clip(inside, 0.0, None) / 3600.0


def _straight_line(spend: np.ndarray, life_years: float) -> np.ndarray:
    """Monthly straight-line depreciation of monthly spending (..., months) over ``life_years``:
    each month's spend is written off in equal parts over the next life x 12 months."""
    months = max(1, int(round(life_years * 12)))
    c = np.cumsum(spend, axis=-1)
    lagged = np.concatenate([np.zeros(spend.shape[:-1] + (months,)), c], axis=-1)[..., :c.shape[-1]]
    return (c - lagged) / months


def owned(scenario, fleet: FleetResult, m: Months, a: Assumptions) -> dict:
    """Owned phases: their capex (S, phases) and where it falls on the month axis, their
    monthly axes (:func:`_axes`) and lease payments (T, phases), each computed once."""
    b = fleet.blocks
    idx = np.flatnonzero(b["kind"].to_numpy() == "site")
    ob = b.iloc[idx]
    sites = {s.name: s for s in scenario.sites}
    phases = [sites[o].phases[i] for o, i in zip(ob["owner"], ob["index"], strict=True)]
    site_of = [sites[o] for o in ob["owner"]]
    prices = np.array([price(catalog.accelerator(s), ph.price_usd_per_accelerator)
                       for s, ph in zip(ob["system"], phases, strict=True)])
    regions = [catalog.region(s.region) for s in site_of]
    p = a.expanded(1).group("finance")
    prices = prices * _price_path(ob, phases, p["accelerator_price_decline_per_year"])
    cap = capex(ob["it_mw"].to_numpy(), ob["accelerators"].to_numpy(), prices,
                cooling=np.array([s.cooling for s in site_of]),
                distribution=np.array([s.distribution for s in site_of]),
                region_multiplier=np.array([r.construction_cost_multiplier for r in regions]),
                p=p)
    leased = np.array([s.ownership == "leased" for s in site_of], dtype=bool)
    landlord = cap["facility_usd"] * leased  # the landlord's build, shown for context
    for k in (*FACILITY_COLUMNS, "facility_usd"):
        cap[k] = cap[k] * ~leased
    cap["total_usd"] = cap["facility_usd"] + cap["it_usd"]
    cap["landlord_usd"] = landlord
    cap = {k: np.broadcast_to(v, (a.size, len(idx))) for k, v in cap.items()}
    lead = int(np.ceil(scenario.finance.lead_time_months))
    online = ob["start"]
    if scenario.finance.lead_time_months > 0:
        weights = m.overlap_hours(online - pd.DateOffset(months=lead), online)
        total = weights.sum(axis=0)
        weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0), weights)
    else:
        weights = m.of(online)
    sunk = (online < pd.Timestamp(scenario.horizon.start)).to_numpy()
    o = {"index": idx, "blocks": ob, "sites": site_of, "prices": prices, "cap": cap,
         "weights": weights, "online": m.of(online), "p": p, "sunk": sunk, "leased": leased,
         "lease": _lease_terms(site_of, leased)}
    o["axes"] = _axes(o, m)
    o["lease_months"] = (_lease_months(o, m) if leased.any()
                         else np.zeros((len(m.dates), len(idx))))
    return o


def _price_path(ob, phases: list, decline) -> np.ndarray:
    """The share of its catalog price an accelerator costs when its phase comes online:
    ``(1 - decline)^years`` from the catalog price's date (1 for a price the scenario gives),
    (S, phases)."""
    years = np.array([0.0 if ph.price_usd_per_accelerator is not None else max(0.0, (
        pd.Timestamp(ph.online) - pd.Timestamp(catalog.accelerator(s).source_date))
        / pd.Timedelta(days=365.25)) for s, ph in zip(ob["system"], phases, strict=True)])
    return (1.0 - np.asarray(decline, dtype=float)) ** years


def _it_terms(delivered: np.ndarray, fin, decline, mask=None) -> list[tuple]:
    """The accelerators' spending as ``(price factor (S, 1), months x phases)`` terms: as
    delivered, and with ``refresh`` again at each end of life at a price ``(1 - decline)^life``
    lower each time; only where ``mask`` (months x phases) is true, if given."""
    mask = np.ones_like(delivered, dtype=bool) if mask is None else mask
    terms = [(1.0, delivered * mask)]
    if fin.refresh:
        shift, n_t = int(round(fin.accelerator_life_years * 12)), delivered.shape[0]
        factor = (1.0 - np.ravel(decline)) ** fin.accelerator_life_years
        for k in range(1, n_t // max(shift, 1) + 1):
            again = np.zeros_like(delivered)
            again[k * shift:] = delivered[: n_t - k * shift]
            terms.append(((factor ** k)[:, None], again * mask))
    return terms


def _it_spend(cap: dict, delivered: np.ndarray, fin, decline, mask=None) -> np.ndarray:
    """The accelerators' spending by month (S, T) (:func:`_it_terms`)."""
    return sum((cap["it_usd"] * f) @ x.T for f, x in _it_terms(delivered, fin, decline, mask))


def _it_present(cap: dict, delivered: np.ndarray, fin, decline, mask, discount) -> np.ndarray:
    """Each phase's accelerator spending (:func:`_it_terms`) times ``discount`` (T,), summed
    over months: (S, phases)."""
    return sum(cap["it_usd"] * f * (discount @ x)
               for f, x in _it_terms(delivered, fin, decline, mask))


def _lease_terms(site_of: list, leased: np.ndarray) -> dict:
    """Per owned phase its lease price, term and escalator (0 for owned sites)."""
    get = lambda f: np.array([float(getattr(s, f) or 0.0) if x else 0.0  # noqa: E731
                              for s, x in zip(site_of, leased, strict=True)])
    return {"price": get("lease_usd_per_kw_month"), "term": get("lease_term_years"),
            "escalator": get("lease_escalator")}


def lease_commitment(o: dict) -> float:
    """Every leased phase's payments over its whole term, undiscounted [USD]."""
    lease, it = o["lease"], o["blocks"]["it_mw"].to_numpy(dtype=float)
    return float(sum(lease_commitment_usd(lease["price"][i], it[i], term_years=lease["term"][i],
                                          escalator=lease["escalator"][i])
                     for i in np.flatnonzero(o["leased"])))


def _lease_months(o: dict, m: Months) -> np.ndarray:
    """Lease payments per month within the horizon and phase (T, phases): each leased phase
    from its online month for its term, on its critical IT
    (:func:`formulas.lease_usd_per_month`)."""
    month = (m.dates.year * 12 + m.dates.month).to_numpy()[:, None]
    online = o["blocks"]["start"]
    first = (online.dt.year * 12 + online.dt.month).to_numpy()[None, :]
    lease = o["lease"]
    pay = lease_usd_per_month(lease["price"], o["blocks"]["it_mw"].to_numpy(dtype=float),
                              month - first, term_years=lease["term"],
                              escalator=lease["escalator"])
    return pay * o["leased"][None, :] * ~m.before[:, None]


def lease_payments(o: dict) -> np.ndarray:
    """Lease payments of the leased phases per month within the horizon (T,)."""
    return o["lease_months"].sum(axis=1)


def _axes(o: dict, m: Months) -> tuple:
    """The owned phases' columns ``j`` of the fleet's monthly arrays, accelerators delivered per
    month (T, phases), ``keep`` (months of the cash flow: a phase online before the horizon is
    sunk, what it cost before is not in it; construction ahead of a phase online within the
    horizon is, discounted to the horizon's first year) and each month's share of a year in
    service (T, phases)."""
    j = o["index"]
    delivered = np.diff(m.end[:, j], axis=0, prepend=0.0).clip(min=0.0)
    keep = ~(m.before[:, None] & o["sunk"][None, :])
    share_h = m.mean[:, j] * (m.hours / HOURS_PER_YEAR * ~m.before)[:, None]
    return j, delivered, keep, share_h


def monthly_owned(o: dict, econ: dict, m: Months, fin, utilization) -> dict:
    """Capex, credits, depreciation and non-energy opex of the owned phases per month (S, T)."""
    cap, n_t = o["cap"], len(m.dates)
    cols = {}
    if not len(o["index"]):
        zero = np.zeros((utilization.shape[0], n_t))
        return {k: zero for k in ("capex_facility_usd", "capex_it_usd", "tax_credit_usd",
                                  "depreciation_usd", "it_in_service_usd", "residual_value_usd",
                                  *OPEX_COLUMNS[1:], "used_hours")}
    j, delivered, keep, share_h = o["axes"]  # a sunk phase still depreciates against tax
    decline = o["p"]["accelerator_price_decline_per_year"]
    it_spend = _it_spend(cap, delivered, fin, decline)
    cols["capex_facility_usd"] = cap["facility_usd"] @ (o["weights"] * keep).T
    cols["capex_it_usd"] = _it_spend(cap, delivered, fin, decline, keep)
    cols["tax_credit_usd"] = fin.tax_credit * (cols["capex_facility_usd"] + cols["capex_it_usd"])
    cols.update(_depreciation(cap, it_spend, o["online"], fin))
    life = int(round(fin.accelerator_life_years * 12))
    sold = np.zeros_like(it_spend)
    if life < it_spend.shape[-1]:
        sold[..., life:] = it_spend[..., :it_spend.shape[-1] - life]
    cols["residual_value_usd"] = fin.residual_share * sold * ~m.before
    for k in OPEX_COLUMNS[1:]:
        cols[k] = np.broadcast_to(econ["opex"][k], cap["it_usd"].shape) @ share_h.T
    acc = o["blocks"]["accelerators"].to_numpy(dtype=float)
    cols["used_hours"] = ((m.mean[:, j] * acc[None, :] * (m.hours * ~m.before)[:, None])
                          .sum(axis=1)[None, :] * utilization[:, None])
    return cols


def _depreciation(cap: dict, it: np.ndarray, online: np.ndarray, fin) -> dict:
    """Monthly tax depreciation (S, T) and the accelerators' basis placed in service
    (``it_in_service_usd``, for MACRS by year in :func:`_years`): bonus on the accelerators,
    then straight line, or the facility's 39-year mid-month MACRS line
    (:mod:`gigaplan.finance.tax`). ``it``: the accelerators' spending by month (S, T)."""
    facility = cap["facility_usd"] @ online.T
    bonus = fin.bonus_depreciation * it
    if fin.depreciation == "macrs":
        dep = bonus + tax.mid_month_straight_line(facility, 39.0)
    else:
        dep = (bonus + _straight_line(it - bonus, fin.accelerator_life_years)
               + _straight_line(facility, fin.facility_life_years))
    return {"depreciation_usd": dep, "it_in_service_usd": it - bonus}


def phase_present_cost(o: dict, econ: dict, m: Months, fin, discount: np.ndarray
                       ) -> np.ndarray:
    """Each owned phase's present cost (S, phases) [USD]: the columns of
    :func:`monthly_owned` that are its own (capex of the facility and the accelerators with
    their refreshes, less the tax credit and the residual value, plus non-energy opex) and its
    lease payments, month by month times ``discount`` (T,), the NPV's factor of each month's
    year. Each is linear in the phase's capex and opex, so it is its share of the stage's."""
    cap = o["cap"]
    size = cap["it_usd"].shape[0]
    if not len(o["index"]):
        return np.zeros((size, 0))
    _, delivered, keep, share_h = o["axes"]
    decline = o["p"]["accelerator_price_decline_per_year"]
    capex_pv = (cap["facility_usd"] * ((o["weights"] * keep).T @ discount)
                + _it_present(cap, delivered, fin, decline, keep, discount))
    # the residual is sold ``life`` months after each purchase, within the horizon
    life, n_t = int(round(fin.accelerator_life_years * 12)), len(discount)
    at_sale = np.zeros(n_t)
    if life < n_t:
        at_sale[: n_t - life] = (discount * ~m.before)[life:]
    residual = fin.residual_share * _it_present(cap, delivered, fin, decline, None, at_sale)
    opex = sum(np.broadcast_to(econ["opex"][k], cap["it_usd"].shape)
               for k in OPEX_COLUMNS[1:]) * (discount @ share_h)
    lease = discount @ o["lease_months"]
    return capex_pv * (1.0 - fin.tax_credit) - residual + opex + lease


def site_present_cost(o: dict, econ: dict, m: Months, fin, names, discount: np.ndarray
                      ) -> np.ndarray:
    """Each site's owned phases' present cost (S, sites) [USD] (:func:`phase_present_cost`
    summed over the site's phases). Energy and incentives are the caller's (per site on the
    facility's axis)."""
    return by_site(o, phase_present_cost(o, econ, m, fin, discount), names)


def by_site(o: dict, values, names) -> np.ndarray:
    """``values`` of the owned phases (S, phases, ...) summed over each site's phases:
    (S, sites, ...), in time and memory linear in the phases (an index, not a membership
    matrix)."""
    values = np.asarray(values, dtype=float)
    out = np.zeros((values.shape[0], len(names)) + values.shape[2:])
    if len(o["index"]):
        idx = pd.Index(list(names)).get_indexer(o["blocks"]["owner"].to_numpy())
        np.add.at(out, (slice(None), idx), values)
    return out


def phase_yearly(o: dict, fin, year_starts: np.ndarray) -> dict:
    """Each owned phase's capex (facility and accelerators, with refreshes, as they fall in
    the cash flow) and lease payments summed to calendar years (S, phases, years) [USD];
    ``year_starts``: the first month of each year on the month axis."""
    cap = o["cap"]
    size = cap["it_usd"].shape[0]
    if not len(o["index"]):
        zero = np.zeros((size, 0, len(year_starts)))
        return {"capex_usd": zero, "lease_usd": zero}
    _, delivered, keep, _ = o["axes"]
    decline = o["p"]["accelerator_price_decline_per_year"]
    years = lambda x: np.add.reduceat(x, year_starts, axis=0).T  # noqa: E731  (phases, Y)
    capex = cap["facility_usd"][:, :, None] * years(o["weights"] * keep)[None]
    for f, x in _it_terms(delivered, fin, decline, keep):
        capex = capex + (cap["it_usd"] * f)[:, :, None] * years(x)[None]
    lease = years(o["lease_months"])
    return {"capex_usd": capex, "lease_usd": np.broadcast_to(lease[None], capex.shape)}
