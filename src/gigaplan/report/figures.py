"""The report's plots (plotly), each from the tables of one run.

Every function takes the run (:class:`gigaplan.results.RunResult`) and returns a
:class:`plotly.graph_objects.Figure`, or ``None`` when the scenario has nothing to show (no
owned site, no contract, no workload): the report then says so instead of drawing an empty
plot. Nothing is evaluated here: the curves beyond the stage results (the AC/HVDC waterfall,
time to train against size, goodput against checkpoint interval, interruptions against size)
are computed once by the engines for the pipeline (``RunResult.sweeps``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["FIGURES"]

_LAYOUT = dict(template="plotly_white", height=400, margin=dict(l=60, r=20, t=40, b=40),
               legend=dict(orientation="h", yanchor="top", y=-0.14, x=0),
               font=dict(family="system-ui, -apple-system, Segoe UI, sans-serif", size=12))


_BASE: dict = {}


def _fig(title: str, ytitle: str, **extra) -> go.Figure:
    """A figure on the shared layout, validated once (plotly validates a template each time it
    is set by name, which cost ~40 ms a figure)."""
    if "layout" not in _BASE:
        _BASE["layout"] = go.Layout(**_LAYOUT)
    f = go.Figure(layout=_BASE["layout"])
    f.update_layout(**extra)
    f.update_layout(title=dict(text=title, x=0, font=dict(size=14)), yaxis_title=ytitle)
    return f


#: Sites or contracts drawn one by one; the rest are summed into one "others" series.
SHOWN = 12


def _largest(sizes: pd.Series, n: int = SHOWN) -> list:
    """The names of the ``n`` largest, in their original order."""
    keep = set(sizes.nlargest(n).index)
    return [k for k in sizes.index if k in keep]


def _others(wide: pd.DataFrame, sizes: pd.Series) -> pd.DataFrame:
    """``wide`` (one column per owner) with all but the :data:`SHOWN` largest summed."""
    if wide.shape[1] <= SHOWN + 1:
        return wide
    keep = _largest(sizes)
    rest = [c for c in wide.columns if c not in keep]
    return wide[keep].assign(**{f"others ({len(rest)})": wide[rest].sum(axis=1)})


def _by_owner(r: RunResult, column: str, scale: float = 1.0) -> pd.DataFrame:
    t = r.fleet_table
    wide = t.pivot_table(index="date", columns="name", values=column, aggfunc="sum",
                         sort=False) * scale
    return _others(wide, wide.max(axis=0))


#: Workloads the Gantt chart shows at most (the largest by accelerator-hours).
GANTT_ROWS = 40


def _note_largest(title: str, total: int, shown: int = SHOWN) -> str:
    return title if total <= shown else f"{title} (the {shown} largest of {total:,})"


# ------------------------------------------------------------------------------ capacity

def _stacked(r: RunResult, column: str, scale: float, title: str, ytitle: str):
    """One of the fleet table's columns over time, stacked by site and contract."""
    wide = _by_owner(r, column, scale)
    if wide.empty:
        return None
    f = _fig(title, ytitle)
    for name in wide.columns:
        f.add_scatter(x=wide.index, y=wide[name], name=name, stackgroup="one", mode="lines")
    return f


def capacity_accelerators(r: RunResult):
    return _stacked(r, "accelerators", 1.0, "Installed accelerators, by site and contract",
                    "accelerators")


def capacity_flops(r: RunResult):
    return _stacked(r, "bf16_peak_flops", 1e-18,
                    "Dense BF16 peak compute, by site and contract", "EFLOP/s")


# --------------------------------------------------------------------------------- power

def _sites(r: RunResult) -> pd.DataFrame:
    """The owned sites' monthly rows (empty, without the power columns, when there are none)."""
    t = r.fleet_table
    if "it_mw" not in t:
        return t.iloc[:0]
    return t[t["kind"] == "site"]


def power_over_time(r: RunResult):
    t = _sites(r)
    if t.empty:
        return None
    total = t.groupby("date")[["it_mw", "facility_mw", "facility_peak_mw"]].sum()
    f = _fig("Owned sites: IT and facility power (monthly mean and design-hour peak)", "MW")
    f.add_scatter(x=total.index, y=total["it_mw"], name="IT", mode="lines")
    f.add_scatter(x=total.index, y=total["facility_mw"], name="facility (mean)", mode="lines")
    f.add_scatter(x=total.index, y=total["facility_peak_mw"], name="facility (design peak)",
                  mode="lines", line=dict(dash="dot"))
    return f


_LOSSES = (("conversion", ("rack_conversion_mw",)), ("MV transformer", ("loss_mv",)),
           ("UPS", ("loss_ups",)), ("distribution", ("loss_distribution",)),
           ("misc.", ("misc",)), ("cooling", ("cooling_fans", "cooling_pumps",
                                              "cooling_chillers")))


def power_waterfall(r: RunResult):
    """IT load to facility load at full build of the largest owned site, AC vs HVDC."""
    cmp = getattr(r.sweeps, "distribution", None)
    if cmp is None:
        return None
    lo, hi = float("inf"), 0.0
    f = _fig(f"Losses from IT to facility power: {cmp.site} at full build ({cmp.label}), "
             "AC vs HVDC", "MW", waterfallmode="group")
    for dist in ("ac", "hvdc"):
        one = cmp.chains[dist]
        loss = {**one, "rack_conversion_mw": one["rack_conversion"]}
        labels = ["IT"] + [k for k, _ in _LOSSES] + ["facility"]
        values = [one["it_mw"]] + [sum(loss[x] for x in keys) for _, keys in _LOSSES]
        color = {"ac": "#e76f51", "hvdc": "#2a9d8f"}[dist]
        f.add_waterfall(x=labels, y=values + [0],
                        measure=["absolute"] + ["relative"] * len(_LOSSES) + ["total"],
                        name=f"{dist.upper()}: facility {one['facility_mw']:,.0f} MW, "
                             f"PUE {one['pue']:.3f}", offsetgroup=dist,
                        increasing=dict(marker=dict(color=color)),
                        totals=dict(marker=dict(color=color)),
                        text=[f"{v:,.1f}" for v in values] + [f"{one['facility_mw']:,.0f}"],
                        textposition="outside")
        lo, hi = min(lo, one["it_mw"]), max(hi, one["facility_mw"])
    f.update_yaxes(range=[0.9 * lo, hi + 0.35 * (hi - 0.9 * lo)])
    return f


def power_pue(r: RunResult):
    t = _sites(r)
    t = t[t["it_mw"] > 0] if not t.empty else t
    if t.empty:
        return None
    keep = _largest(t.groupby("name", sort=False)["it_mw"].max())
    f = _fig(_note_largest("Monthly PUE by site", t["name"].nunique()), "PUE")
    for name, g in t[t["name"].isin(keep)].groupby("name", sort=False):
        f.add_scatter(x=g["date"], y=g["pue"], name=name, mode="lines+markers")
    return f


def power_headroom(r: RunResult):
    t = _sites(r)
    if t.empty:
        return None
    keep = _largest(t.groupby("name", sort=False)["it_mw"].max())
    f = _fig(_note_largest("Grid-cap headroom by site (cap minus design-hour peak)",
                           t["name"].nunique()), "MW")
    for name, g in t[t["name"].isin(keep)].groupby("name", sort=False):
        f.add_scatter(x=g["date"], y=g["headroom_mw"], name=name, mode="lines")
    f.add_hline(y=0, line=dict(color="red", dash="dash"))
    return f


# -------------------------------------------------------------------- energy, water, CO2

def energy_by_year(r: RunResult):
    y = r.facility_by_year
    if y.empty:
        return None
    keep = set(_largest(y.groupby("name", sort=False)["energy_mwh"].sum()))
    others = y[~y["name"].isin(keep)]
    if len(others):
        rest = others.groupby("year", as_index=False)[["energy_mwh", "households", "water_m3",
                                                       "co2_t"]].sum()
        y = pd.concat([y[y["name"].isin(keep)],
                       rest.assign(name=f"others ({others['name'].nunique()})")])
    f = _fig("Annual facility energy by site", "TWh", barmode="group")
    for name, g in y.groupby("name", sort=False):
        f.add_bar(x=g["year"], y=g["energy_mwh"] / 1e6, name=name,
                  customdata=np.c_[g["households"], g["water_m3"] / 1e6, g["co2_t"] / 1e6],
                  hovertemplate="%{y:.2f} TWh<br>%{customdata[0]:,.0f} households<br>"
                                "water %{customdata[1]:.2f} Mm³<br>CO2 %{customdata[2]:.2f} Mt")
    return f


# --------------------------------------------------------------------------------- money

def money_capex(r: RunResult):
    b = r.capex_blocks
    if b.empty:
        return None
    cols = ["shell_core_usd", "electrical_usd", "mechanical_usd", "land_usd", "soft_usd",
            "systems_usd", "network_usd", "storage_usd"]
    by_site = b.groupby("site", sort=False)[cols].sum() / 1e9
    by_site = _others(by_site.T, by_site.sum(axis=1)).T
    f = _fig("Capex by site and component", "$B", barmode="stack")
    for c in cols:
        f.add_bar(x=by_site.index, y=by_site[c], name=c.removesuffix("_usd").replace("_", " "))
    return f


def money_cashflow(r: RunResult):
    y = r.cashflow
    if y.empty:
        return None
    f = _fig("Yearly cash flow (outflows negative)", "$B", barmode="relative")
    for col, label in (("capex_usd", "capex"), ("opex_usd", "opex"),
                       ("contract_payments_usd", "contract payments"),
                       ("lease_payments_usd", "lease payments"), ("revenue_usd", "revenue")):
        if y[col].abs().sum() == 0:
            continue
        sign = 1 if col == "revenue_usd" else -1
        f.add_bar(x=y["year"], y=sign * y[col].abs() / 1e9, name=label)
    f.add_scatter(x=y["year"], y=y["cumulative_usd"] / 1e9, name="cumulative net",
                  mode="lines+markers", line=dict(color="black"))
    if y["debt_draw_usd"].abs().sum() > 0:
        f.add_scatter(x=y["year"], y=y["equity_cash_flow_usd"] / 1e9, name="equity cash flow",
                      mode="lines+markers", line=dict(color="grey", dash="dot"))
    return f


def money_hourly(r: RunResult):
    s = r.summary
    sites = pd.Series({x.name: x.accelerators for x in s.sites}, dtype=float)
    keep = set(_largest(sites)) if len(sites) else set()
    rows = [(x.name, x.ownership, x.usd_per_accelerator_hour, "") for x in s.sites
            if x.name in keep]
    rows += [(x.name, "contract", x.usd_per_accelerator_hour, x.system)
             for x in s.contracts[:SHOWN]]
    rows = [x for x in rows if x[2] is not None]
    if not rows:
        return None
    f = _fig("Cost per accelerator-hour: owned or leased sites (levelised, per used hour) vs "
             "contracts", "$/h")
    for kind in ("owned", "leased", "contract"):
        part = [x for x in rows if x[1] == kind]
        if part:
            f.add_bar(x=[x[0] for x in part], y=[x[2] for x in part], name=kind,
                      text=[f"${x[2]:.2f}" for x in part], textposition="outside")
    return f


# ------------------------------------------------------------------------------ training

def training_gantt(r: RunResult):
    w = r.workloads
    if w.empty:
        return None
    w = w[w["status"] != "no capacity"]
    if w.empty:
        return None
    total = len(w)
    if total > GANTT_ROWS:  # the largest runs, in their order
        w = w.loc[sorted(w["accelerator_hours"].nlargest(GANTT_ROWS).index)]
    f = _fig(_note_largest("Workloads on the fleet (start to finish; marker: deadline)", total,
                           GANTT_ROWS), "")
    start, finish = pd.to_datetime(w["start"]), pd.to_datetime(w["finish"])
    colors = {"on time": "#2a9d8f", "late": "#e76f51"}
    labels = [f"{n}<br>{p} · {a:,.0f}" for n, p, a in zip(w["name"], w["pool"],
                                                          w["accelerators"], strict=True)]
    hover = [f"{p}: {a:,.0f} x {sy}, {s0} to {s1}, {d:,.1f} days, goodput {g:.2f}"
             for p, a, sy, s0, s1, d, g in zip(w["pool"], w["accelerators"], w["system"],
                                               w["start"], w["finish"], w["days"], w["goodput"],
                                               strict=True)]
    f.add_bar(y=labels, x=(finish - start).dt.total_seconds() * 1000, base=start,
              orientation="h", showlegend=False, hovertext=hover, hoverinfo="text",
              marker_color=[colors.get(x, "#888") for x in w["status"]])
    f.add_scatter(y=labels, x=pd.to_datetime(w["deadline"]), mode="markers",
                  marker=dict(symbol="line-ns-open", size=18, color="black"), name="deadline")
    f.update_xaxes(type="date")
    f.update_yaxes(autorange="reversed")
    return f


def training_scaling(r: RunResult):
    curves = getattr(r.sweeps, "scaling", None)
    w = r.workloads
    w = w[w["status"] != "no capacity"] if not w.empty else w
    if w.empty or curves is None or curves.empty:
        return None
    w = w[w["name"].isin(set(curves["name"]))]
    total = len(w)
    w = w.loc[sorted(w["flops"].nlargest(SHOWN).index)]
    f = _fig(_note_largest("Time to train against accelerator count (goodput from the "
                           "reliability model)", total), "days", xaxis_type="log",
             yaxis_type="log")
    for _, row in w.iterrows():
        p = curves[curves["name"] == row["name"]]
        f.add_scatter(x=p["accelerators"], y=p["days"], name=f"{row['name']} ({row['system']})",
                      mode="lines")
        f.add_scatter(x=[row["accelerators"]], y=[row["days"]], mode="markers",
                      marker=dict(size=10, symbol="diamond"), showlegend=False,
                      hovertext=f"{row['name']} as scheduled")
    f.update_xaxes(title="accelerators")
    return f


# --------------------------------------------------------------------------- reliability

def reliability_interval(r: RunResult):
    sw = getattr(r.sweeps, "reliability", None)
    if sw is None:
        return None
    f = _fig(f"Goodput against checkpoint interval ({sw.system}; checkpoint of the "
             f"compute-optimal model for {sw.job_days:g} days; diamond: optimum)", "goodput",
             xaxis_type="log")
    for n, g in sw.interval.groupby("accelerators", sort=True):
        line, best = g[~g["optimal"]], g[g["optimal"]]
        f.add_scatter(x=line["minutes"], y=line["goodput"], name=f"{n:,} accelerators",
                      mode="lines")
        f.add_scatter(x=best["minutes"], y=best["goodput"], mode="markers", showlegend=False,
                      marker=dict(size=9, symbol="diamond"))
    f.update_xaxes(title="minutes of compute between checkpoints")
    return f


def reliability_by_size(r: RunResult):
    sw = getattr(r.sweeps, "reliability", None)
    if sw is None or sw.by_size.empty:
        return None
    f = _fig("Interruptions per day of one job (unexpected + planned), by size",
             "interruptions per day", xaxis_type="log", yaxis_type="log")
    for systems, g in sw.by_size.groupby("systems", sort=False):
        f.add_scatter(x=g["accelerators"], y=g["per_day"], name=systems, mode="lines")
    # the public run the rates come from: 466 interruptions in 54 days on 16,384 H100
    f.add_scatter(x=[16_384], y=[466 / 54], mode="markers", name="Llama 3 405B, observed "
                  "(Dubey et al. 2024)", marker=dict(size=10, symbol="x", color="black"))
    f.update_xaxes(title="accelerators in the job")
    return f


#: (section, figure id, builder, what to say when the builder returns None)
# ------------------------------------------------------------------------------ portfolio

def provider_shares(r: RunResult):
    """Stacked bars of each provider's share of year-end BF16 peak FLOP/s, with the HHI on a
    second axis; None without capacity."""
    p = r.portfolio
    if p is None or p.capacity.empty or not (p.concentration["bf16_peak_flops"] > 0).any():
        return None
    per = p.capacity.groupby(["year", "provider"], sort=False)["bf16_peak_flops"].sum()
    wide = per.unstack(fill_value=0.0)
    share = wide.div(wide.sum(axis=1).where(lambda x: x > 0), axis=0).fillna(0.0) * 100
    f = _fig("Each provider's share of dense BF16 peak compute (year end), and the "
             "concentration index", "share of FLOP/s (%)", barmode="stack",
             yaxis2=dict(title="HHI (0-10,000)", overlaying="y", side="right",
                         range=[0, 10_000], showgrid=False))
    years = [str(y) for y in share.index]
    for provider in share.columns:
        f.add_bar(x=years, y=share[provider], name=provider)
    c = p.concentration
    f.add_scatter(x=[str(y) for y in c["year"]], y=c["hhi"], name="HHI", yaxis="y2",
                  mode="lines+markers", line=dict(color="black"))
    return f



FIGURES = (
    ("capacity", "capacity-accelerators", capacity_accelerators, "no capacity in this scenario"),
    ("capacity", "capacity-flops", capacity_flops, "no capacity in this scenario"),
    ("power", "power-timeseries", power_over_time, "no owned site: power is not modelled for "
                                                   "contracted capacity"),
    ("power", "power-waterfall", power_waterfall, "no owned site"),
    ("power", "power-pue", power_pue, "no owned site"),
    ("power", "power-headroom", power_headroom, "no owned site"),
    ("energy", "energy-annual", energy_by_year, "no owned site"),
    ("money", "money-capex", money_capex, "no owned site: no capex"),
    ("money", "money-cashflow", money_cashflow, "no cash flow"),
    ("money", "money-hourly", money_hourly, "no priced capacity"),
    ("training", "training-gantt", training_gantt, "no workloads in this scenario"),
    ("training", "training-scaling", training_scaling, "no workloads in this scenario"),
    ("portfolio", "portfolio-shares", provider_shares, "no capacity"),
    ("reliability", "reliability-interval", reliability_interval, "no capacity"),
    ("reliability", "reliability-size", reliability_by_size, "no capacity"),
)
