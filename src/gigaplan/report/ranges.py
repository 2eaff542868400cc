"""The report's ranges: P10-P90 beside the headline figures, bands on the time series, and
"What moves the answer" (a tornado per headline figure). Everything is read from the run's
``summary.json`` (``uncertainty``), its Monte Carlo bands and its swings; nothing is
evaluated here."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .figures import _fig

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["TORNADO_TOP", "bands_figure", "range_text", "section", "tornado"]

#: Inputs shown in each tornado.
TORNADO_TOP = 10


def _e(x) -> str:
    return html.escape(str(x))


def range_text(r: RunResult, name: str, fmt) -> str:
    """`` · P10-P90 a-b`` for figure ``name`` of a sampled run ('' otherwise)."""
    u = r.summary.uncertainty if r.summary is not None else None
    row = u.ranges.get(name) if u is not None else None
    if row is None or row.p10 is None or row.p10 == row.p90:
        return ""
    return (f"<span class='range' data-range='{_e(name)}' data-p10='{row.p10}' "
            f"data-p90='{row.p90}'> · P10–P90 {_e(fmt(row.p10))}–{_e(fmt(row.p90))}</span>")


def bands_figure(r: RunResult, series: str, title: str, ytitle: str, scale: float = 1.0):
    """P10-P90 band, P50 and the central run of one sampled series (None without samples)."""
    mc = r.montecarlo
    if mc is None or series not in mc.bands:
        return None
    x = mc.axes[series]
    x = pd.to_datetime(x) if np.issubdtype(np.asarray(x).dtype, np.datetime64) else x
    b = {k: np.asarray(v) * scale for k, v in mc.bands[series].items()}
    f = _fig(title, ytitle)
    f.add_trace(go.Scatter(x=x, y=b["p90"], mode="lines", line=dict(width=0),
                           name="P90", showlegend=False))
    f.add_trace(go.Scatter(x=x, y=b["p10"], mode="lines", line=dict(width=0), fill="tonexty",
                           fillcolor="rgba(38,70,83,0.18)", name="P10–P90"))
    f.add_trace(go.Scatter(x=x, y=b["p50"], mode="lines", line=dict(color="#264653"),
                           name="P50"))
    return f


def _ranked(r: RunResult, output: str) -> pd.DataFrame:
    """The swings of ``output``, ranked by Sobol' total-order index when the run has them,
    else by the swing itself; with each input's rank basis."""
    sw = r.swings
    rows = sw[(sw["output"] == output) & np.isfinite(sw["swing"])].copy()
    rows["key"] = rows["swing"]
    basis = "swing"
    sens = r.sensitivity
    if sens is not None and output in set(sens.table["output"]):
        st = sens.table[sens.table["output"] == output].set_index("input")["ST"]
        rows["key"] = rows["input"].map(st).fillna(0.0)
        basis = "total-order index"
    rows = rows[rows["swing"] > 0].sort_values("key", ascending=False, kind="stable")
    rows.attrs["basis"] = basis
    return rows.head(TORNADO_TOP)


def tornado(r: RunResult, output: str, label: str, central: float):
    """The figure ``output`` with each top input at its low and at its high (bars from the
    central value), the input's range and source on hover."""
    if r.swings is None or not np.isfinite(central):
        return None
    rows = _ranked(r, output)
    if rows.empty:
        return None
    inputs = {x.name: x for x in r.montecarlo.inputs}
    rows = rows.iloc[::-1]  # largest on top
    names = list(rows["input"])
    hover = [f"{n}<br>{inputs[n].show(inputs[n].low)} .. {inputs[n].show(inputs[n].high)}"
             f"<br>{html.escape(inputs[n].source[:90])}" for n in names]
    f = _fig(f"{label}: the {len(rows)} inputs that move it most (ranked by "
             f"{rows.attrs['basis']})", "", height=120 + 28 * len(rows))
    for col, colour, what in (("at_low", "#2a9d8f", "input at its low"),
                              ("at_high", "#e76f51", "input at its high")):
        f.add_trace(go.Bar(y=names, x=rows[col] - central, base=central, orientation="h",
                           name=what, marker_color=colour, hovertext=hover,
                           hoverinfo="text+x"))
    f.update_layout(barmode="overlay", yaxis=dict(automargin=True),
                    xaxis_title=f"{label} (central {central:,.4g})")
    return f


def _tornado_outputs(r: RunResult) -> list[tuple[str, str]]:
    h = r.summary.headline
    out = [("owned_facility_peak_gw", "owned facility peak [GW]"),
           ("npv_usd_b", "NPV [$B]"), ("failures_per_day", "failures a day")]
    for name in h.usd_per_accelerator_hour:
        if any(site.name == name for site in r.summary.sites):
            out.append((f"usd_per_accelerator_hour.{name}", f"$ per accelerator-hour, {name}"))
            break
    placed = [w for w in h.runs if w.days is not None]
    if placed:
        big = max(placed, key=lambda w: w.flops)
        out.append((f"runs.{big.name}.days", f"days to train {big.name}"))
    return out


def section(r: RunResult) -> list[str]:
    """The HTML of "Ranges and what moves them" (a note when the run drew no samples)."""
    u = r.summary.uncertainty
    if u is None or r.montecarlo is None:
        return ["<p class='empty' data-figure='ranges'>This run drew no samples: run with "
                "--samples N (or [uncertainty] samples in the scenario) for ranges.</p>"]
    sens = r.sensitivity
    how = {"lhs": "Latin hypercube", "sobol": "scrambled Sobol'", "random": "random"}[u.method]
    text = (f"{u.samples:,} samples ({how}, "
            f"seed {u.seed}, chunks of {u.chunk}) of {len(u.inputs)} uncertain inputs, each "
            "drawn from its sourced range (PERT with the central value as mode unless set "
            "otherwise). Cards and bands show P10–P90; the tornados show each figure with one "
            "input at its low or its high and the rest central, "
            + (f"ranked by Sobol' total-order index (N = {sens.n}, {sens.rows:,} runs)."
               if sens is not None else "ranked by that swing (run with --sensitivity N for "
               "Sobol' indices)."))
    parts = [f"<p class='note' data-key='uncertainty.samples' data-value='{u.samples}'>"
             f"{_e(text)}</p>", _ranges_table(r)]
    config = {"displaylogo": False, "responsive": True}
    figs = [("bands-facility", bands_figure(r, "facility_peak_mw", "Owned facility peak, "
                                            "P10–P90", "GW", 1e-3)),
            ("bands-cashflow", bands_figure(r, "net_cash_flow_usd", "Net cash flow, P10–P90",
                                            "$B", 1e-9))]
    for name, label in _tornado_outputs(r):
        figs.append((f"tornado-{name}", tornado(r, name, label, _central(u, name))))
    for fid, fig in figs:
        if fig is not None:
            fid = "".join(c if c.isalnum() or c == "-" else "-" for c in fid)
            parts.append(f'<div class="plot" id="{fid}">' + fig.to_html(
                full_html=False, include_plotlyjs=False, div_id=f"{fid}-plot", config=config)
                + "</div>")
    return parts


def _central(u, name: str) -> float:
    row = u.ranges.get(name)
    return float(row.value) if row is not None and isinstance(row.value, float) else np.nan


def _ranges_table(r: RunResult) -> str:
    rows = []
    for name, row in r.summary.uncertainty.ranges.items():
        if row.p10 is None or row.p10 == row.p90:
            continue
        cells = "".join(f"<td class='n'>{_e(_show(getattr(row, k)))}</td>"
                        for k in ("value", "p10", "p50", "p90"))
        rows.append(f"<tr><td>{_e(name)}</td><td>{_e(row.unit)}</td>{cells}</tr>")
    return ("<h3>Ranges</h3><table><tr><th>figure</th><th>unit</th><th>central</th>"
            "<th>P10</th><th>P50</th><th>P90</th></tr>" + "".join(rows) + "</table>")


def _show(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.4g}"
