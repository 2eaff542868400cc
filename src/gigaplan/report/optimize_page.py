"""``optimize.html``: the plan ``gigaplan optimize`` chose, one self-contained page (plotly
inlined, opens offline): the objective and its gap, effective compute delivered by source
against the demand, the builds, the rents, the binding limits with their prices and values,
and what ``gigaplan run`` made of the plan: its workloads and every claim checked. It only
reads the result."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from . import standalone
from .standalone import escape as _e
from .standalone import page, plot

__all__ = ["OPTIMIZE_FILE", "build", "capacity_figure", "section", "write"]

OPTIMIZE_FILE = "optimize.html"


def _n(v, fmt: str = "{:,.0f}") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def capacity_figure(o) -> go.Figure:
    """Effective BF16 EFLOP/s delivered by each site and contract, stacked, and the demand."""
    s = o.solution
    inp = s.inputs
    T = len(inp.starts)
    f = go.Figure(layout=dict(template="plotly_white", height=420,
                              margin=dict(l=60, r=20, t=40, b=40),
                              title="Effective BF16 compute by source against the demand",
                              yaxis_title="EFLOP/s"))
    x = list(inp.starts.date)
    for site, g in (s.builds.groupby("site") if len(s.builds) else []):
        eff = np.zeros(T)
        for r in g.itertuples():
            eff[r.t:] += r.steps * inp.options.loc[r.option, "eff_flops"] / 1e18
        f.add_scatter(x=x, y=eff, name=site, stackgroup="one", mode="lines")
    for name, g in (s.rents.groupby("contract") if len(s.rents) else []):
        per = inp.contracts.set_index("name").loc[name, "eff_flops"] / 1e18
        eff = np.zeros(T)
        eff[g["t"].values] = g["accelerators"].values * per
        f.add_scatter(x=x, y=eff, name=f"{name} (rented)", stackgroup="one", mode="lines")
    f.add_scatter(x=x, y=inp.demand_flops / 1e18, name="demand", mode="lines",
                  line=dict(color="black", dash="dash"))
    return f


def _table(head: list[str], rows: list[list[str]], cls: str) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><tr>{th}</tr>{body}</table>'


def _checks(rows: list[dict]) -> str:
    return _table(["claim", "the programme's", "gigaplan run's", "limit", "unit", "holds"], [
        [_e(c["check"]), _n(c["claimed"], "{:,.4g}"), _n(c["run"], "{:,.4g}"),
         _n(c["limit"], "{:,.4g}"), _e(c["unit"]),
         {True: "yes", False: "<b>no</b>", None: "not comparable"}[c["ok"]]]
        for c in rows], "checks")


def _serving(doc: dict) -> str:
    """Accelerators held for each served model, by site or contract, at their most."""
    rows = doc.get("serving") or []
    if not rows:
        return ""
    most: dict = {}
    for r in rows:
        key = (r["model"], r["kind"], r["part"], r["system"])
        most[key] = max(most.get(key, 0.0), r["accelerators"])
    return "<h2>Serving</h2>" + _table(
        ["model", "on", "site or contract", "system", "accelerators (most)"],
        [[_e(m), _e(k), _e(part), _e(sys_), _n(v)] for (m, k, part, sys_), v in most.items()],
        "serving")


def _stochastic(doc: dict) -> str:
    st = doc.get("stochastic")
    if not st:
        return ""
    head = (f"<p>Over {st['samples']} samples the two-stage plan's expected cost is "
            f"{_n(st['expected_usd'] / 1e9, '{:,.2f}')} $B (CVaR "
            f"{_n(st['cvar_usd'] / 1e9, '{:,.2f}')} $B); the plan above, blind to them, "
            f"{_n(st['deterministic_expected_usd'] / 1e9, '{:,.2f}')} $B: ignoring the "
            f"uncertainty costs {_n(st['vss_usd'] / 1e9, '{:,.3f}')} $B.</p>")
    if st.get("central_plan_usd") is not None:
        head += (f"<p>Its builds, rented for the central case, cost "
                 f"{_n(st['central_plan_usd'] / 1e9, '{:,.2f}')} $B (plan-two-stage.toml), "
                 "checked by gigaplan run:</p>")
    if st.get("note"):
        head += f"<p><b>No central-case plan</b>: {_e(st['note'])}.</p>"
    return "<h2>Under uncertainty</h2>" + head + _checks(st.get("checks") or [])


def _sections(doc: dict) -> str:
    builds = _table(["site", "system", "mode", "online", "MW", "accelerators"], [
        [_e(b["site"]), _e(b["system"]), _e(b["mode"]), _e(b["start"]), _n(b["it_mw"]),
         _n(b["accelerators"])] for b in doc["builds"]], "builds")
    rents = _table(["contract", "from", "accelerators"], [
        [_e(r["contract"]), _e(r["start"]), _n(r["accelerators"])] for r in doc["rents"]],
        "rents")
    work = _table(["workload", "in gigaplan run", "finish", "deadline"], [
        [_e(w["name"]), _e(w["status"]), _e(w["finish"]), _e(w["deadline"])]
        for w in doc["workloads"]], "workloads")
    limits = _table(["binding limit", "dual price (LP, integers fixed)"], [
        [_e(b), _n(doc["shadow_prices"].get(b), "{:,.4g}")] for b in doc["binding"]],
        "binding")
    checks = _checks(doc["checks"])
    within = doc.get("marginal_values_within") or {}
    values = _table(["relaxing", "saves [USD]", "to within (the MIP gap)"], [
        [_e(k), _n(v), _n(within.get(k))] for k, v in doc["marginal_values"].items()],
        "values")
    return (f"<h2>Builds</h2>{builds}<h2>Rents</h2>{rents}{_serving(doc)}"
            f"<h2>Workloads</h2>{work}<h2>Checked by gigaplan run</h2>{checks}"
            f"<h2>Binding limits</h2>{limits}"
            + (f"<h2>What relaxing them saves</h2>{values}" if doc["marginal_values"] else "")
            + _stochastic(doc))


def _head(doc: dict) -> str:
    return (f"net present cost {_n(doc['objective_usd'] / 1e9, '{:,.2f}')} $B, MIP gap "
            f"{doc['mip_gap']:.2%}, model {doc['build_s']:.1f} s, solve {doc['solve_s']:.1f} s,"
            f" {doc['rounds']} round(s) with gigaplan run ({doc['pricing']} pricing)")


def build(o) -> str:
    """The page of :class:`gigaplan.optimize.plan.Optimized` ``o``."""
    doc = o.to_dict()
    name = f"gigaplan optimize: {doc['problem']}"
    return page(name, name, _head(doc),
                plot(capacity_figure(o), "optimize-capacity") + _sections(doc))


def section(o) -> str:
    """The same as a section of the plan's run report (``gigaplan optimize --report``)."""
    doc = o.to_dict()
    return (f"<p class='note'>This scenario is the plan gigaplan optimize chose for "
            f"{_e(doc['problem'])}: {_e(_head(doc))}.</p>"
            + plot(capacity_figure(o), "optimize-capacity") + _sections(doc))


def write(o, out_dir: str | Path) -> Path:
    """Write ``optimize.html`` for ``o`` into ``out_dir``; returns its path."""
    return standalone.write(build(o), out_dir, OPTIMIZE_FILE)
