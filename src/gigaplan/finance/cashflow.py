"""The finance stage: a scenario's cash flow, NPV, IRR and payback, and the unit economics of
every owned block, site and contract, for every sample at once.

Money flows month by month on the fleet stage's calendar axis (from the first construction
spending to the horizon's end), every array with a leading sample axis (S = 1 without
samples), and are summed to calendar years: facility capex spread evenly over the lead time
before each phase comes online; IT capex as the accelerators are installed (again at end of
life with ``refresh``); opex as capacity is installed (energy: the facility stage's monthly
energy x the site's price); contract payments over each contract's term within the horizon;
lease payments of leased sites (no facility capex there: the landlord's);
optional revenue per used accelerator-hour; tax on positive taxable income (straight-line
depreciation); credits and incentives as inflows. Formulas: :mod:`gigaplan.finance.formulas`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions
from . import alternatives, contracts, debt, owned, tax, tokens
from ..constants import HOURS_PER_YEAR
from ..facility import FacilityResult, group_starts
from ..fleet import FleetResult
from .formulas import CAPEX_COLUMNS, OPEX_COLUMNS, crf, irr, \
    lease_usd_per_year, opex_per_year, rent_level, usd_per_1e24_flop

__all__ = ["FinanceResult", "YEARLY_COLUMNS", "build"]

#: Columns of ``cashflow.csv`` after ``year``.
YEARLY_COLUMNS = (
    "capex_facility_usd", "capex_it_usd", "tax_credit_usd", "incentives_usd", *OPEX_COLUMNS,
    "contract_payments_usd", "lease_payments_usd", "revenue_usd", "depreciation_usd", "opex_usd", "tax_usd",
    "residual_value_usd", "loss_carried_usd",
    "capex_usd", "net_cash_flow_usd", "cumulative_usd", "debt_draw_usd", "interest_usd",
    "principal_usd", "debt_balance_usd", "equity_cash_flow_usd", "discount_factor",
)
_BLOCK_NUMBERS = ("accelerators", "it_mw", "price_usd_per_accelerator", *CAPEX_COLUMNS,
                  "facility_usd", "it_usd", "total_usd", "landlord_capex_usd",
                  "lease_usd_per_year", "opex_usd_per_year",
                  "energy_usd_per_year", "annual_cost_usd", "usd_per_accelerator_hour",
                  "usd_per_1e24_flop")


@dataclass(frozen=True)
class FinanceResult:
    """The finance stage. Arrays have a leading sample axis S.

    ``years`` (Y,) and ``yearly`` (name -> (S, Y), :data:`YEARLY_COLUMNS`); ``blocks``: per
    owned phase its labels (``site``, ``block``, ``system``) and numbers (S, phases);
    ``sites``: per site (S, sites) arrays; ``contracts``: one dict per contract;
    ``npv_usd``, ``irr`` (NaN: none) and ``payback_year`` (-1: never) per sample; with debt,
    ``equity_npv_usd`` (at ``equity_return``), ``equity_irr``, ``min_dscr`` and ``wacc`` per
    sample (:mod:`gigaplan.finance.debt`); ``lease_commitment_usd``: every leased phase's
    payments over its whole term, undiscounted (:func:`formulas.lease_commitment_usd`);
    ``sites["present_cost_usd"]`` (S, sites) and ``contract_present_cost_usd`` (S, contracts):
    the present cost of each site (capex less credits, incentives and residual value, opex,
    energy and lease payments) and of each contract's payments, discounted as the NPV. Before
    revenue and tax they add up to it: ``npv_usd = PV(revenue - tax) - sum of both``, so a
    plan's NPV is the sum of its parts' (what ``gigaplan optimize`` prices candidates with);
    ``yearly_by_part``: capex and lease payments by site (``site_capex_usd``,
    ``site_lease_usd``, (S, sites, Y)) and payments by contract (``contract_payments_usd``,
    (S, contracts, Y)), which add up to ``yearly``'s columns.
    """

    years: np.ndarray
    yearly: dict
    blocks: dict
    sites: dict
    contracts: list[dict]
    npv_usd: np.ndarray
    irr: np.ndarray
    payback_year: np.ndarray
    discount_rate: float
    base_year: int
    equity_npv_usd: np.ndarray
    equity_irr: np.ndarray
    min_dscr: np.ndarray
    equity_return: float
    wacc: np.ndarray
    serving: list = ()
    lease_commitment_usd: float = 0.0
    contract_present_cost_usd: np.ndarray | None = None
    yearly_by_part: dict | None = None

    def yearly_frame(self, sample: int = 0) -> pd.DataFrame:
        """``cashflow.csv``: one row per calendar year."""
        return pd.DataFrame({"year": self.years,
                             **{c: self.yearly[c][sample] for c in YEARLY_COLUMNS}})

    def blocks_frame(self, sample: int = 0) -> pd.DataFrame:
        """Per owned phase: capex by component, opex and levelised cost (summary.json)."""
        if not len(self.blocks["block"]):
            return pd.DataFrame()
        labels = {k: self.blocks[k] for k in ("site", "block", "system", "ownership")}
        numbers = {k: self.blocks[k][sample] if np.ndim(self.blocks[k]) == 2 else self.blocks[k]
                   for k in _BLOCK_NUMBERS}
        return pd.DataFrame({**labels, **numbers})

    def site_rows(self, sample: int = 0) -> list[dict]:
        return [{"name": name, **{k: float(v[sample, i]) for k, v in self.sites.items()
                                  if k != "name"}}
                for i, name in enumerate(self.sites["name"])]

    def contract_rows(self, sample: int = 0) -> list[dict]:
        out = []
        for i, c in enumerate(self.contracts):
            row = dict(c, present_cost_usd=float(self.contract_present_cost_usd[sample, i]))
            for k in ("owned_usd_per_accelerator_hour", "saving_of_owning"):
                v = None if c[k] is None else float(c[k][sample])
                row[k] = None if v is None or np.isnan(v) else v
            for k in ("saving_at_market", "accelerators_at_market"):
                if c[k] is not None:
                    row[k] = [float(np.asarray(v)[sample]) for v in c[k]]
            if c["market_level"] is not None:
                row["market_level"] = float(c["market_level"][sample])
            out.append(row)
        return out

    def contract_warnings(self) -> list[str]:
        """Contracts priced by their value whose implied price is outside the market range
        (:func:`gigaplan.finance.contracts.warnings`)."""
        return contracts.warnings(self.contract_rows())


def _unit_economics(o: dict, facility: FacilityResult, reliability, a: Assumptions,
                    utilization: np.ndarray, fin) -> dict:
    """Per owned phase at full build: opex, annual cost, cost per used hour and per 10^24 FLOP
    (its share, by IT, of its site's reference-year energy)."""
    ob, cap, p = o["blocks"], o["cap"], o["p"]
    it = ob["it_mw"].to_numpy(dtype=float)
    site_it = ob.groupby("owner", sort=False)["it_mw"].transform("sum").to_numpy(dtype=float)
    site_at = {s.name: i for i, s in enumerate(facility.sites)}
    col = np.array([site_at[s.name] for s in o["sites"]], dtype=int)
    annual_site = facility.site_figures()["annual_mwh"]  # (S, N)
    mwh_full = annual_site[:, col] * it / site_it if len(col) else np.zeros((a.size, 0))
    price_mwh = np.array([s.price_usd_per_mwh or catalog.region(s.region).price_usd_per_mwh
                          for s in o["sites"]])
    opex = opex_per_year(cap, it_nominal_mw=it, facility_mwh_per_year=mwh_full,
                         price_usd_per_mwh=price_mwh, p=p)
    crf_it = crf(fin.discount_rate, fin.accelerator_life_years)
    crf_fac = crf(fin.discount_rate, fin.facility_life_years)
    lease = o["lease"]
    lease_year = np.where(o["leased"], lease_usd_per_year(
        lease["price"], it, term_years=np.where(o["leased"], lease["term"], 1.0),
        escalator=lease["escalator"], discount_rate=fin.discount_rate), 0.0)
    annual = (cap["facility_usd"] * crf_fac + cap["it_usd"] * crf_it + opex["total_usd"]
              + lease_year)
    acc = ob["accelerators"].to_numpy(dtype=float)
    util = utilization[:, None]
    systems = ob["system"].to_numpy()
    peak = np.array([catalog.accelerator(s).bf16_dense_flops for s in systems])
    mfu = np.stack([np.broadcast_to(a.mfu(s, "bf16"), (a.size,)) for s in systems], axis=1) \
        if len(systems) else np.zeros((a.size, 0))
    goodput = reliability.block_goodput[:, o["index"]]
    ok = goodput > 0  # a job past the reliability wall delivers nothing: infinite cost per FLOP
    per_flop = usd_per_1e24_flop(annual, acc, peak, mfu=mfu, goodput=np.where(ok, goodput, 1.0),
                                 utilization=util)
    return {"opex": opex, "annual": annual, "per_hour": annual / (acc * HOURS_PER_YEAR * util),
            "per_flop": np.where(ok, per_flop, np.inf), "lease_year": lease_year}


def _energy(scenario, fleet: FleetResult, facility: FacilityResult, m: owned.Months,
            discount: np.ndarray) -> tuple:
    """(energy cost (S, T), incentives (T,), each site's present cost of both (S, sites)): the
    facility model's monthly energy x each site's price, escalated by
    ``finance.energy_escalator`` a year from the horizon's start (nothing before the horizon:
    nothing is online then), less a site's incentives in the month its first phase comes
    online; ``discount`` (T,): the NPV's factor of each month."""
    size, n_t = facility.samples, len(m.dates)
    prices = np.array([s.price_usd_per_mwh or catalog.region(s.region).price_usd_per_mwh
                       for s in scenario.sites])
    start = scenario.horizon.start
    months = (m.dates.year * 12 + m.dates.month).to_numpy() - (start.year * 12 + start.month)
    growth = (1.0 + scenario.finance.energy_escalator) ** np.clip(months // 12, 0, None)
    energy, site_pv = np.zeros((size, n_t)), np.zeros((size, len(prices)))
    k = fleet.horizon_offset
    if len(prices):
        mwh = facility.result["energy_mwh"]  # (S, months of the horizon, sites)
        inside = slice(k, k + mwh.shape[1])
        energy[:, inside] = (mwh @ prices) * growth[inside]
        site_pv = np.einsum("stn,t->sn", mwh, (growth * discount)[inside]) * prices
    firsts = [min(ph.online for ph in s.phases) for s in scenario.sites]
    at_first = m.of(firsts) if firsts else np.zeros((n_t, 0))  # (T, sites)
    grants = np.array([s.incentives_usd for s in scenario.sites])
    incentives = at_first @ grants if firsts else np.zeros(n_t)
    return energy, incentives, site_pv - (discount @ at_first) * grants


def _contracts(scenario, fleet: FleetResult, m: owned.Months, econ: dict, o: dict,
               utilization) -> tuple[list[dict], list[np.ndarray], np.ndarray]:
    """Per contract its price per hour, the cost of owning the same system and its payments
    within the horizon (S, T); the used accelerator-hours (S, T) of all of them (tranches,
    escalator, take-or-pay and commitment: :mod:`gigaplan.finance.contracts`)."""
    b = fleet.blocks
    rows, size = [], utilization.shape[0]
    paid, used = [], np.zeros((size, len(m.dates)))
    in_horizon = m.start >= np.datetime64(pd.Timestamp(scenario.horizon.start), "s")
    owned_sys = o["blocks"]["system"].to_numpy() if len(o["index"]) else np.array([])
    owned_acc = o["blocks"]["accelerators"].to_numpy(dtype=float) if len(o["index"]) else None
    decline = np.broadcast_to(np.ravel(o["p"]["rent_decline_per_year"]), (size,))
    kind = b[b["kind"] == "contract"]
    for i, c in enumerate(scenario.contracts):
        blocks = kind[kind["index"] == i]
        acc_h, escalated = contracts.term_hours(c, blocks)
        price0, basis = contracts.first_price(c, escalated)
        hours = sum(m.overlap_hours(r.start, c.end)[:, 0] * r.accelerators
                    for r in blocks.itertuples()) * in_horizon  # ours: within the horizon
        pay_share = np.ones(size) if c.take_or_pay else utilization
        payments = np.zeros((size, len(m.dates)))
        if price0 is not None:
            growth = (1.0 + c.price_escalator) ** contracts.years_since(c.start, m.dates)
            payments += pay_share[:, None] * (hours * growth * price0)[None, :]
        last = m.of([pd.Timestamp(c.end) - pd.Timedelta(days=1)])[:, 0] * in_horizon
        payments += contracts.shortfall(c, escalated, price0, utilization)[:, None] * last[None, :]
        paid.append(payments)
        used += hours[None, :] * utilization[:, None]
        accelerators = float(blocks["accelerators"].sum())
        price_h = None if price0 is None else price0 * escalated / acc_h  # average over term
        same = owned_sys == c.system
        owned_h = (econ["annual"][:, same].sum(axis=1) / (
            (owned_acc[same] * HOURS_PER_YEAR).sum() * utilization) if same.any() else None)
        term_h = (pd.Timestamp(c.end) - pd.Timestamp(c.start)) / pd.Timedelta(hours=1)
        rows.append({
            "name": c.name, "provider": c.provider, "system": c.system,
            "accelerators": accelerators,
            "usd_per_accelerator_hour": None if price_h is None else float(price_h),
            "price_basis": basis, "option_it_mw": c.option_it_mw,
            "owned_usd_per_accelerator_hour": owned_h,
            "saving_of_owning": (1.0 - owned_h / price_h
                                 if owned_h is not None and price_h else None),
            **contracts.market_reading(
                c.system, accelerators=accelerators, term_hours=acc_h / accelerators,
                price_h=price_h, total_value_usd=c.total_value_usd,
                given_price=c.price_usd_per_accelerator_hour is not None, owned_h=owned_h,
                level=rent_level(decline, term_h / HOURS_PER_YEAR,
                                 scenario.finance.discount_rate)),
        })
    return rows, paid, used


def _years(cols: dict, m: owned.Months, scenario, p, revenue: bool) -> tuple[np.ndarray, dict]:
    """Monthly columns summed to calendar years, with opex, tax, capex, net and discounting."""
    years_m = m.dates.year.to_numpy()
    starts = group_starts(years_m)
    y = {k: np.add.reduceat(v, starts, axis=-1) for k, v in cols.items()}
    y["opex_usd"] = sum(y[k] for k in OPEX_COLUMNS)
    y["capex_usd"] = y["capex_facility_usd"] + y["capex_it_usd"]
    fin = scenario.finance
    y["debt_draw_usd"] = fin.debt_share * y["capex_usd"]
    loan = debt.schedule(y["debt_draw_usd"], fin.interest_rate, int(fin.debt_tenor_years),
                         fin.repayment)
    y["interest_usd"], y["principal_usd"] = loan["interest"], loan["principal"]
    y["debt_balance_usd"] = loan["balance"]
    it_basis = y.pop("it_in_service_usd")
    if fin.depreciation == "macrs":  # the half-year table works on tax years
        y["depreciation_usd"] = y["depreciation_usd"] + tax.macrs(it_basis, 5)
    taxable = (y["revenue_usd"] + y["residual_value_usd"] - y["opex_usd"]
               - y["contract_payments_usd"] - y["lease_payments_usd"] - y["depreciation_usd"]
               - y["interest_usd"])
    y["loss_carried_usd"] = np.zeros_like(taxable)
    if revenue and fin.loss_carryforward:
        taxable, y["loss_carried_usd"] = tax.carry_forward(taxable)
    y["tax_usd"] = (np.clip(taxable, 0.0, None) * np.asarray(p["income_tax_rate"])[:, None]
                    if revenue else np.zeros_like(taxable))
    y["net_cash_flow_usd"] = (y["revenue_usd"] + y["tax_credit_usd"] + y["incentives_usd"]
                              + y["residual_value_usd"]
                              - y["capex_usd"] - y["opex_usd"] - y["contract_payments_usd"]
                              - y["lease_payments_usd"] - y["tax_usd"])
    y["cumulative_usd"] = np.cumsum(y["net_cash_flow_usd"], axis=-1)
    y["equity_cash_flow_usd"] = (y["net_cash_flow_usd"] + y["debt_draw_usd"] - y["interest_usd"]
                                 - y["principal_usd"])
    years = years_m[starts]
    y["discount_factor"] = np.broadcast_to(_discount(years, scenario),
                                           y["capex_usd"].shape).copy()
    return years, y


def _discount(years: np.ndarray, scenario) -> np.ndarray:
    """The NPV's factor of each calendar year ``years`` (of a year or of a month): the
    discount rate compounded from the horizon's first year."""
    return (1.0 + scenario.finance.discount_rate) ** -(
        np.asarray(years) - scenario.horizon.start.year).astype(float)


def _returns(y: dict, years: np.ndarray, revenue: bool) -> tuple[np.ndarray, ...]:
    """NPV, IRR (NaN without revenue or without a sign change) and payback year (-1: none)."""
    net = y["net_cash_flow_usd"]
    npv = (net * y["discount_factor"]).sum(axis=-1)
    size = net.shape[0]
    rate, payback = np.full(size, np.nan), np.full(size, -1)
    if revenue:
        change = (net.min(axis=1) < 0) & (net.max(axis=1) > 0)
        if change.any():
            rate[change] = irr(net[change])
        positive = (y["cumulative_usd"] >= 0) & (np.cumsum(y["capex_usd"], axis=-1) > 0)
        payback = np.where(positive.any(axis=1), years[np.argmax(positive, axis=1)], -1)
    return npv, rate, payback


def _equity(y: dict, years: np.ndarray, scenario, p, revenue: bool) -> dict:
    """The equity's NPV at its cost (``equity_return``, default the discount rate) and IRR, the
    WACC, and the smallest debt-service coverage ratio (cash from operations after tax over
    interest and principal, in the years with revenue and debt service: service during
    construction is the equity's; NaN without revenue or debt)."""
    fin = scenario.finance
    r_e = fin.discount_rate if fin.equity_return is None else fin.equity_return
    eq = y["equity_cash_flow_usd"]
    base = scenario.horizon.start.year
    npv = (eq * (1.0 + r_e) ** -(years - base).astype(float)).sum(axis=-1)
    size = eq.shape[0]
    rate, dscr = np.full(size, np.nan), np.full(size, np.nan)
    service = y["interest_usd"] + y["principal_usd"]
    if revenue:
        change = (eq.min(axis=1) < 0) & (eq.max(axis=1) > 0)
        if change.any():
            rate[change] = irr(eq[change])
        cfads = y["net_cash_flow_usd"] + y["capex_usd"] - y["tax_credit_usd"] - y["incentives_usd"]
        serviced = (service > 0) & (y["revenue_usd"] > 0)  # operating years with debt service
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # tiny debt
            ratio = np.where(serviced, cfads / np.where(serviced, service, 1.0), np.inf)
        some = serviced.any(axis=1)
        dscr[some] = ratio[some].min(axis=1)
    return {"equity_npv_usd": npv, "equity_irr": rate, "min_dscr": dscr, "equity_return": r_e,
            "wacc": debt.wacc(fin.debt_share, fin.interest_rate, r_e,
                              np.broadcast_to(p["income_tax_rate"], (size,)))}


def build(scenario, fleet: FleetResult, facility: FacilityResult, reliability,
          a: Assumptions, serving=None) -> FinanceResult:
    """The finance stage (``reliability``: the reliability stage's result, whose
    ``block_goodput`` prices each owned phase's FLOP; ``serving``: the serving stage's, whose
    tokens earn revenue, :mod:`gigaplan.finance.tokens`)."""
    a = a.as_samples()
    fin = scenario.finance
    utilization = (np.full(a.size, fin.utilization) if fin.utilization is not None
                   else np.asarray(a["finance.utilization"], dtype=float))
    m = owned.Months(fleet)
    o = owned.owned(scenario, fleet, m, a)
    econ = _unit_economics(o, facility, reliability, a, utilization, fin)
    cols = owned.monthly_owned(o, econ, m, fin, utilization)
    used_owned = cols.pop("used_hours")
    d = _discount(m.dates.year.to_numpy(), scenario)  # each month at its year's factor
    cols["energy_usd"], incentives, energy_pv = _energy(scenario, fleet, facility, m, d)
    cols["incentives_usd"] = np.broadcast_to(incentives, cols["energy_usd"].shape)
    contract_rows, paid, used_contracted = _contracts(scenario, fleet, m, econ, o, utilization)
    cols["contract_payments_usd"] = sum(paid, np.zeros_like(cols["energy_usd"]))
    cols["lease_payments_usd"] = np.broadcast_to(owned.lease_payments(o),
                                                 cols["energy_usd"].shape)
    revenue = fin.revenue_usd_per_accelerator_hour is not None
    cols["revenue_usd"] = ((used_owned + used_contracted) * fin.revenue_usd_per_accelerator_hour
                           if revenue else np.zeros_like(cols["energy_usd"]))
    from_tokens = tokens.monthly_revenue(scenario, serving, m.dates, a.size)
    cols["revenue_usd"] = cols["revenue_usd"] + from_tokens
    revenue = revenue or bool(from_tokens.any())
    years, y = _years(cols, m, scenario, a.group("finance"), revenue)
    npv, rate, payback = _returns(y, years, revenue)
    equity = _equity(y, years, scenario, a.group("finance"), revenue)
    sites = _site_table(scenario, o, econ, utilization)
    sites["present_cost_usd"] = (owned.site_present_cost(o, econ, m, fin, sites["name"], d)
                                 + energy_pv)
    by_part = _by_part(o, m, fin, sites["name"], paid, a.size)
    return FinanceResult(
        years=years, yearly=y, blocks=_block_table(o, econ), sites=sites,
        contracts=contract_rows, npv_usd=npv, irr=rate, payback_year=payback,
        discount_rate=fin.discount_rate, base_year=scenario.horizon.start.year, **equity,
        serving=tokens.model_rows(scenario, serving, _pool_prices(o, econ, contract_rows)),
        lease_commitment_usd=owned.lease_commitment(o),
        contract_present_cost_usd=(np.stack([x @ d for x in paid], axis=1) if paid
                                   else np.zeros((a.size, 0))),
        yearly_by_part=by_part)


def _by_part(o: dict, m: owned.Months, fin, names, paid: list, size: int) -> dict:
    """Capex and lease payments by site and year, contract payments by contract and year
    (S, parts, Y) [USD]: their sums over parts are ``yearly``'s columns."""
    starts = group_starts(m.dates.year.to_numpy())
    ph = owned.phase_yearly(o, fin, starts)
    by_site = {k: owned.by_site(o, v, names) for k, v in ph.items()}
    contract = (np.stack([np.add.reduceat(x, starts, axis=-1) for x in paid], axis=1) if paid
                else np.zeros((size, 0, len(starts))))
    return {"site_capex_usd": by_site["capex_usd"], "site_lease_usd": by_site["lease_usd"],
            "contract_payments_usd": contract}


def _pool_prices(o: dict, econ: dict, contracts: list[dict]) -> dict:
    """USD per accelerator-hour of each pool key (sample 0): a site's blocks of a system at
    their accelerator-weighted levelised cost, a contract at its price."""
    out = {}
    if len(o["index"]):
        ob = o["blocks"]
        acc = ob["accelerators"].to_numpy(dtype=float)
        per_h = np.asarray(econ["per_hour"])[0]
        for (owner, system), idx in ob.reset_index(drop=True).groupby(
                ["owner", "system"], sort=False).groups.items():
            i = np.asarray(list(idx))
            out[("site", owner, system)] = float((per_h[i] * acc[i]).sum() / acc[i].sum())
    for c in contracts:
        out[("contract", c["name"], c["system"])] = (np.nan if c["usd_per_accelerator_hour"]
                                                     is None else c["usd_per_accelerator_hour"])
    return out


def _block_table(o: dict, econ: dict) -> dict:
    ob, cap = o["blocks"], o["cap"]
    size = econ["annual"].shape[0]
    opex = econ["opex"]
    return {"site": ob["owner"].to_numpy(), "block": ob["block"].to_numpy(),
            "system": ob["system"].to_numpy(),
            "ownership": np.where(o["leased"], "leased", "owned"),
            "landlord_capex_usd": cap["landlord_usd"],
            "lease_usd_per_year": np.broadcast_to(econ["lease_year"], (size, len(ob))),
            "accelerators": ob["accelerators"].to_numpy(dtype=float),
            "it_mw": ob["it_mw"].to_numpy(dtype=float), "price_usd_per_accelerator": o["prices"],
            **{k: cap[k] for k in (*CAPEX_COLUMNS, "facility_usd", "it_usd", "total_usd")},
            "opex_usd_per_year": np.broadcast_to(opex["total_usd"], (size, len(ob))),
            "energy_usd_per_year": np.broadcast_to(opex["energy_usd"], (size, len(ob))),
            "annual_cost_usd": econ["annual"], "usd_per_accelerator_hour": econ["per_hour"],
            "usd_per_1e24_flop": econ["per_flop"]}


def _site_table(scenario, o: dict, econ: dict, utilization) -> dict:
    """Per site (S, sites): capex, opex and cost per used accelerator-hour, and that cost
    owning, leasing or renting (:mod:`gigaplan.finance.alternatives`)."""
    names = [s.name for s in scenario.sites]
    acc = o["blocks"]["accelerators"].to_numpy(dtype=float) if len(o["index"]) else np.zeros(0)
    size = utilization.shape[0]
    tot = lambda v: owned.by_site(o, np.broadcast_to(v, (size, len(acc))), names)  # noqa: E731
    per_site = owned.by_site(o, acc[None, :], names)[0]  # accelerators of each site
    hours = per_site * HOURS_PER_YEAR * utilization[:, None]
    annuals = alternatives.block_annuals(o, econ, scenario.finance)
    decline = np.broadcast_to(np.ravel(o["p"]["rent_decline_per_year"]), (size,))
    rent = alternatives.rent_per_hour(o, scenario.finance, decline)
    ways = {f"{k}_usd_per_accelerator_hour": tot(v) / hours for k, v in annuals.items()}
    for k, v in rent.items():  # over the blocks whose system has a market rent
        has = np.isfinite(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            ways[f"rent_{k}_usd_per_accelerator_hour"] = (tot(np.where(has, v, 0.0) * acc)
                                                          / tot(has * acc))
            ways["rent_coverage"] = tot(has * acc) / per_site
    return {"name": names, **ways, "capex_usd": tot(o["cap"]["total_usd"]),
            "capex_facility_usd": tot(o["cap"]["facility_usd"]),
            "capex_it_usd": tot(o["cap"]["it_usd"]),
            "landlord_capex_usd": tot(o["cap"]["landlord_usd"]),
            "lease_usd_per_year": tot(econ["lease_year"]),
            "opex_usd_per_year": tot(econ["opex"]["total_usd"]),
            "usd_per_accelerator_hour": tot(econ["annual"]) / hours}
