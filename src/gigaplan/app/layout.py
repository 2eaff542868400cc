"""The web app's page: Dash components built from plain data (no callbacks here).

Every user string (scenario names, descriptions, marks, problems) goes into a component's
children or props, which React renders as text: nothing is inserted as HTML.
"""

from __future__ import annotations

import math

from dash import dcc, html

from ..report.figures import FIGURES
from . import state
from .state import Control

__all__ = ["APP_FIGURES", "CSS", "card", "compare_table", "control", "page", "ranges_table"]

#: The report's figures the app draws (all but the portfolio shares, which need the portfolio
#: view of every provider: it stays in the downloaded report).
APP_FIGURES = tuple((sid, fid, fn, empty) for sid, fid, fn, empty in FIGURES
                    if fid != "portfolio-shares")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1b1f24}
header{background:#14213d;color:#fff;padding:10px 18px;display:flex;gap:16px;
 align-items:center;flex-wrap:wrap}
header h1{font-size:20px;margin:0}
.gp-main{display:grid;grid-template-columns:340px 1fr;gap:18px;padding:14px 18px}
aside h2,section h2{font-size:16px;margin:10px 0 6px}
.ctl{margin:8px 0 14px}.ctl label{display:block;font-size:12px;font-weight:600}
.ctl .range{font-size:11px;color:#555}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:8px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px}
.card .label{font-size:12px;color:#555}.card .value{font-size:20px;font-weight:600}
.card .sub{font-size:11px;color:#555}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:8px}
.problems li,.msg{color:#a40e26;font-size:13px}.ok{color:#116329;font-size:13px}
textarea{font-family:ui-monospace,monospace;font-size:12px;width:100%;height:420px}
table.cmp{border-collapse:collapse;font-size:13px}
table.cmp td,table.cmp th{border:1px solid #d0d7de;padding:3px 6px;text-align:right}
table.cmp td:first-child,table.cmp th:first-child{text-align:left}
"""


def _fmt(x) -> str:
    return x if isinstance(x, str) else f"{x:,.4g}"


def control(c: Control) -> html.Div:
    """One what-if control: a date picker for a date field, else a slider (with its number
    box); each carries the input's name in its pattern-matching id."""
    label = html.Label(f"{c.name}" + (f" [{c.unit}]" if c.unit else ""))
    span = html.Div(f"range {_fmt(c.low)} to {_fmt(c.high)}; central {_fmt(c.value)}",
                    className="range")
    if c.kind == "date":
        widget = dcc.DatePickerSingle(id={"type": "ctl-date", "name": c.name}, date=c.value,
                                      min_date_allowed=c.low, max_date_allowed=c.high,
                                      display_format="YYYY-MM-DD")
        return html.Div([label, widget, span], className="ctl")
    # a round step (a power of ten, about a hundredth of the range): typed values like 2 or
    # 0.45 stay on the slider's grid
    step = 1 if c.kind == "whole" else 10.0 ** math.floor(math.log10((c.high - c.low) / 100))
    slider = dcc.Slider(id={"type": "ctl", "name": c.name}, min=c.low, max=c.high, step=step,
                        value=c.value, marks=None, updatemode="mouseup")
    return html.Div([label, slider, span], className="ctl", **{"data-name": c.name})


def card(d: dict) -> html.Div:
    """A headline card from :func:`gigaplan.app.state.cards`."""
    return html.Div([html.Div(d["label"], className="label"),
                     html.Div([d["value"], " ", html.Small(d["unit"])], className="value",
                              **{"data-key": d["key"]}),
                     html.Div(d["range"], className="sub")], className="card")


def ranges_table(bands: list[dict]) -> html.Div:
    """The P10-P90 of the headline figures from :func:`gigaplan.app.state.ranges`."""
    rows = [html.Tr([html.Td(b["label"]), html.Td(b["text"]), html.Td(b["unit"])],
                    **{"data-key": b["key"]}) for b in bands]
    return html.Div([html.Div(f"P10-P90 over {state.RANGE_SAMPLES} draws of every uncertain "
                              "input", className="range"),
                     html.Table(html.Tbody(rows), className="cmp")])


def compare_table(c) -> html.Table:
    """The table of a :class:`gigaplan.compare.Comparison` (figures by pinned state)."""
    from ..compare import FIGURES as ROWS

    head = html.Tr([html.Th("figure")] + [html.Th(x) for x in c.table.columns])
    rows = []
    for key, label, unit in ROWS:
        cells = [html.Td(f"{label} [{unit}]")]
        for v in c.table.loc[key]:
            cells.append(html.Td("n/a" if v != v else f"{v:,.3g}"))
        rows.append(html.Tr(cells, **{"data-key": key}))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="cmp")


def page(names: list[str], initial: str | None, parameter_names: list[str],
         source: dict | None = None) -> html.Div:
    """The whole page; ``initial`` is the built-in scenario shown first, or ``source`` (a
    :class:`~gigaplan.app.state.Source` as a dict) when it is a file."""
    header = html.Header([
        html.H1("gigaplan what-if"),
        dcc.Dropdown(id="builtin", options=[{"label": n, "value": n} for n in names],
                     value=initial, clearable=False, style={"width": "260px", "color": "#000"}),
        dcc.Upload(id="upload", children=html.Button("Upload scenario", id="upload-button"),
                   multiple=False),
        html.Span(id="scenario-label"),
        html.Div(id="upload-msg", className="msg", role="alert"),
    ])
    aside = html.Aside([
        html.H2("What if"),
        html.Div("The inputs that move the headline figures most (tornado of the scenario's "
                 "uncertain inputs), best first.", className="range"),
        html.Div(id="controls"),
        html.H2("Set any parameter"),
        dcc.Input(id="set-name", type="text", list="parameter-names", placeholder="name",
                  style={"width": "100%"}),
        html.Datalist(id="parameter-names", children=[html.Option(value=n)
                                                      for n in parameter_names]),
        dcc.Input(id="set-value", type="text", placeholder="value", style={"width": "60%"}),
        html.Button("Set", id="set-apply"), html.Button("Clear all", id="set-clear"),
        html.Div(id="set-msg", className="msg", role="alert"),
        html.Ul(id="set-list"),
        dcc.Checklist(id="ranges-on", value=[], options=[
            {"label": f" ranges (P10-P90 of {state.RANGE_SAMPLES} draws)", "value": "on"}]),
        html.H2("Variants"),
        html.Button("Pin this state", id="pin"), html.Button("Clear pins", id="pin-clear"),
        html.Div(id="pin-msg", role="status"),
    ])
    figures = [dcc.Graph(id=f"fig-{fid}", config={"displaylogo": False})
               for _, fid, _, _ in APP_FIGURES]
    main = html.Section([
        html.Div(id="status", role="status"),
        html.Div(id="cards", className="cards"),
        dcc.Loading(html.Div(id="ranges"), type="dot"),
        html.H2("Capacity, power, money, training, reliability"),
        html.Div(figures, className="figs"),
        html.H2("Scenario"),
        html.Div([html.Button("Apply edits", id="editor-apply"),
                  html.Button("Download scenario", id="dl-scenario"),
                  html.Button("Download report", id="dl-report")]),
        html.Div(id="editor-problems", role="alert"),
        dcc.Textarea(id="editor", value="", spellCheck=False),
        html.H2("Side by side"),
        html.Div(id="compare"),
    ])
    return html.Div([
        dcc.Store(id="source", data=source), dcc.Store(id="overrides", data={}), dcc.Store(id="pins", data=[]),
        dcc.Store(id="upload-ok"), dcc.Download(id="download"),
        header, html.Div([aside, main], className="gp-main")])
