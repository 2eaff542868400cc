"""``deals.html``: the deals ledger as a money-flow network, the cycles in it and every deal
with its source, one self-contained page (plotly inlined, opens offline).

Nodes are companies, sized by the money through them (in + out); an arrow runs from payer to
payee for each pair, as wide as the sum of their deals with an amount and coloured by the kind
of the largest; hovering an arrow's midpoint lists its deals with amounts and sources. The
layout is networkx's spring layout with a fixed seed, so the page is the same every time.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .. import __version__
from .. import deals as ledger
from ..fileio import write_text_atomic

__all__ = ["DEALS_FILE", "build", "network_figure", "write"]

DEALS_FILE = "deals.html"
_COLOURS = {"equity": "#264653", "compute": "#2a9d8f", "chips": "#e9c46a", "lease": "#f4a261",
            "backstop": "#e76f51", "power": "#8ab17d", "government": "#6d597a"}


def _e(x) -> str:
    return html.escape(str(x))


def _usd(x: float) -> str:
    if not np.isfinite(x) or x <= 0:
        return "undisclosed"
    return f"${x / 1e9:,.1f}B" if x >= 1e9 else f"${x / 1e6:,.0f}M"


def network_figure(table: pd.DataFrame) -> go.Figure:
    """The money-flow network of ``table`` (a parsed ledger)."""
    import networkx as nx

    g = ledger.flow_graph(table)
    pos = nx.spring_layout(g, seed=7, k=3.0 / math.sqrt(max(len(g), 1)), iterations=300)
    through = {n: sum(d["amount_usd"] for *_, d in g.in_edges(n, data=True))
               + sum(d["amount_usd"] for *_, d in g.out_edges(n, data=True)) for n in g}
    top = max(max(through.values(), default=0.0), 1.0)
    widest = max((d["amount_usd"] for *_, d in g.edges(data=True)), default=1.0) or 1.0
    by_id = table.set_index("id")
    f = go.Figure(layout=go.Layout(
        template="plotly_white", height=900, showlegend=True,
        margin=dict(l=10, r=10, t=40, b=10), hovermode="closest",
        title=dict(text="Who pays whom: arrows from payer to payee, as wide as the money",
                   x=0, font=dict(size=14)),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x")))
    mids = {k: ([], [], []) for k in _COLOURS}
    for a, b, d in g.edges(data=True):
        money = by_id.loc[d["deals"]].groupby("kind")["amount_usd"].sum()
        kind = str(money.idxmax()) if money.max() > 0 else d["kinds"][0]
        (x0, y0), (x1, y1) = pos[a], pos[b]
        f.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                         showarrow=True, arrowhead=2, arrowsize=1, standoff=14,
                         arrowwidth=1 + 7 * d["amount_usd"] / widest,
                         arrowcolor=_COLOURS[kind], opacity=0.75)
        lines = [f"<b>{_e(a)} → {_e(b)}</b>: {_usd(d['amount_usd'])}"]
        for i in d["deals"]:
            r = by_id.loc[i]
            lines.append(f"{r['date']:%Y-%m-%d} {_e(r['kind'])} {_usd(r['amount_usd'])}: "
                         f"{_e(str(r['source'])[:80])}")
        xs, ys, texts = mids[kind]
        xs.append(0.55 * x1 + 0.45 * x0)
        ys.append(0.55 * y1 + 0.45 * y0)
        texts.append("<br>".join(lines))
    for kind, (xs, ys, texts) in mids.items():
        if xs:
            f.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=kind, hovertext=texts,
                                   hoverinfo="text", marker=dict(size=9, color=_COLOURS[kind])))
    nodes = list(g.nodes)
    inflow = {n: sum(d["amount_usd"] for *_, d in g.in_edges(n, data=True)) for n in nodes}
    f.add_trace(go.Scatter(
        x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
        text=nodes, textposition="top center", name="companies", showlegend=False,
        hovertext=[f"<b>{_e(n)}</b><br>in {_usd(inflow[n])}, out "
                   f"{_usd(through[n] - inflow[n])}" for n in nodes], hoverinfo="text",
        marker=dict(size=[14 + 40 * math.sqrt(through[n] / top) for n in nodes],
                    color="#dde2ea", line=dict(color="#264653", width=1))))
    return f


def _cycles_table(table: pd.DataFrame) -> str:
    g = ledger.flow_graph(table)
    rows = "".join(
        "<tr><td>" + _e(" → ".join(c["companies"] + c["companies"][:1])) + "</td><td>"
        + _e(", ".join(f"{a}→{b} {_usd(x)}" for a, b, x, _ in c["edges"])) + "</td><td class='n'>"
        + _usd(c["smallest_usd"]) + "</td></tr>" for c in ledger.cycles(g, 5)[:40])
    shares = ledger.circular_shares(g)
    shares = shares[shares["circular_inflow_usd"] > 0]
    srows = "".join(f"<tr><td>{_e(r.company)}</td><td class='n'>{_usd(r.inflow_usd)}</td>"
                    f"<td class='n'>{_usd(r.circular_inflow_usd)}</td>"
                    f"<td class='n'>{r.circular_share:.0%}</td></tr>"
                    for r in shares.itertuples())
    return ("<h2>Circular flows</h2><p class='note'>Cycles of at most five companies in the "
            "money graph (the 40 with the largest smallest flow), and per company the share of "
            "its announced inflow that comes from a company its own payments reach.</p>"
            "<table><tr><th>cycle</th><th>flows</th><th>smallest</th></tr>" + rows
            + "</table><table><tr><th>company</th><th>inflow</th><th>circular</th>"
              "<th>share</th></tr>" + srows + "</table>")


def _deals_table(table: pd.DataFrame) -> str:
    rows = []
    for r in table.itertuples(index=False):
        capacity = " ".join(x for x in (
            f"{r.capacity_gw:g} GW" if r.capacity_gw == r.capacity_gw else "",
            f"{r.accelerators:,.0f}" if r.accelerators == r.accelerators else "",
            r.system if isinstance(r.system, str) else "") if x)
        rows.append(f"<tr><td>{r.date:%Y-%m-%d}</td><td>{_e(r.from_party)}</td>"
                    f"<td>{_e(r.to_party)}</td><td>{_e(r.kind)}</td>"
                    f"<td class='n'>{_usd(r.amount_usd)}</td><td>{_e(capacity)}</td>"
                    f"<td>{_e(r.status)}</td><td><a href='{_e(r.source_url)}'>"
                    f"{_e(r.source)}</a> ({r.source_date:%Y-%m-%d})</td></tr>")
    return ("<h2>Every deal</h2><table><tr><th>date</th><th>from</th><th>to</th><th>kind</th>"
            "<th>amount</th><th>capacity</th><th>status</th><th>source</th></tr>"
            + "".join(rows) + "</table>")


def build(table: pd.DataFrame) -> str:
    """The page of a parsed ledger as one self-contained HTML string."""
    from plotly.offline import get_plotlyjs

    fig = network_figure(table).to_html(full_html=False, include_plotlyjs=False,
                                        div_id="deals-network-plot",
                                        config={"displaylogo": False, "responsive": True})
    css = ("body{font:14px/1.5 system-ui,sans-serif;margin:0 28px;color:#1d2433}"
           "table{border-collapse:collapse;margin:12px 0;width:100%}td,th{border-bottom:1px "
           "solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top}"
           "td.n{text-align:right;white-space:nowrap}.note{color:#5b6577}")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>gigaplan: the deals ledger</title><style>{css}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            f"<h1>The deals ledger ({len(table)} deals)</h1><p class='note'>gigaplan "
            f"{_e(__version__)}; every row with its source in data/deals.csv.</p>"
            f'<div class="plot" id="deals-network">{fig}</div>'
            + _cycles_table(table) + _deals_table(table) + "</body></html>")


def write(table: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write ``deals.html`` of ``table`` into ``out_dir``; returns its path."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DEALS_FILE
    write_text_atomic(path, build(table))
    return path
