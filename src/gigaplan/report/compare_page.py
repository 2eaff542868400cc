"""``compare.html``: scenarios side by side, one self-contained page (plotly inlined, opens
offline): the headline figures as a table (with P10-P90 when sampled), their installed dense
BF16 peak over time overlaid, and a bar chart per figure."""

from __future__ import annotations

import math
from pathlib import Path

import plotly.graph_objects as go

from . import standalone
from .standalone import escape as _e
from .standalone import page, plot

__all__ = ["COMPARE_FILE", "build", "figures", "write"]

COMPARE_FILE = "compare.html"


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _table(c) -> str:
    from ..compare import FIGURES

    labels = c.labels
    head = "".join(f"<th>{_e(x)}</th>" for x in ["figure", "unit", *labels])
    rows = []
    for key, label, unit in FIGURES:
        cells = []
        for s in labels:
            v = c.table.loc[key, s]
            lo = c.table.loc[key, f"{s} p10"] if f"{s} p10" in c.table else math.nan
            hi = c.table.loc[key, f"{s} p90"] if f"{s} p90" in c.table else math.nan
            rng = "" if math.isnan(lo) else f" <small>({_fmt(lo)}-{_fmt(hi)})</small>"
            cells.append(f'<td class="n" data-key="{_e(key)}" data-scenario="{_e(s)}">'
                         f"{_fmt(v)}{rng}</td>")
        rows.append(f"<tr><td>{_e(label)}</td><td>{_e(unit)}</td>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def figures(c) -> list[go.Figure]:
    """The comparison's figures: installed BF16 peak over time, then one bar chart per figure."""
    from ..compare import FIGURES

    layout = dict(template="plotly_white", height=380, margin=dict(l=60, r=20, t=40, b=40))
    cap = go.Figure(layout=layout)
    for s in c.labels:
        series = c.capacity[s]
        cap.add_scatter(x=series.index, y=series.values, name=s, mode="lines")
    cap.update_layout(title="Installed dense BF16 peak", yaxis_title="EFLOP/s")
    bars = []
    for key, label, unit in FIGURES:
        values = [c.table.loc[key, s] for s in c.labels]
        if all(v != v or v == 0 for v in values):
            continue
        f = go.Figure(layout={**layout, "height": 300})
        f.add_bar(x=c.labels, y=values, text=[_fmt(v) for v in values], textposition="auto")
        f.update_layout(title=f"{label} ({unit})", showlegend=False)
        bars.append(f)
    return [cap, *bars]


def build(c) -> str:
    """The comparison page of :class:`gigaplan.compare.Comparison` ``c``."""
    names = " vs ".join(c.labels)
    plots = "".join(plot(f, f"compare-{i}") for i, f in enumerate(figures(c)))
    return page(f"gigaplan compare: {names}", "gigaplan compare", names, _table(c) + plots)


def write(c, out_dir: str | Path) -> Path:
    """Write ``compare.html`` for ``c`` into ``out_dir``; returns its path."""
    return standalone.write(build(c), out_dir, COMPARE_FILE)
