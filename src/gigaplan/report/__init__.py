"""The report: one self-contained HTML page of a run (``report.html``).

:func:`build` turns a :class:`gigaplan.pipeline.RunResult` into HTML; :func:`write` saves it.
Plots are plotly figures with plotly.js inlined once, so the page opens offline from disk;
styles are inlined and print-friendly. Sections (:data:`SECTIONS`): Summary, Capacity, Power,
Energy/water/carbon, Money, Training, Reliability, Claims checked, Assumptions.

The summary section shows only figures of ``summary.json`` (its ``headline`` block and the
sections it rescales), each marked ``data-key`` / ``data-value`` so a test can hold every shown
number against the file. The report only reads a :class:`~gigaplan.results.RunResult`: its
summary, its stage tables and the curves the pipeline computed for it (``sweeps``). No engine
imports this package.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd

from .. import __version__, catalog
from ..assumptions import parameter
from ..fileio import write_text_atomic
from .claims import check_claims
from . import exposure, ranges
from .figures import FIGURES

if TYPE_CHECKING:
    from ..results import RunResult

__all__ = ["SECTIONS", "build", "write", "REPORT_FILE"]

REPORT_FILE = "report.html"

#: (id, title) of every section, in order.
SECTIONS = (
    ("summary", "Summary"), ("ranges", "Ranges and what moves them"), ("capacity", "Capacity"), ("power", "Power"),
    ("energy", "Energy, water, carbon"), ("money", "Money"), ("training", "Training"),
    ("portfolio", "Portfolio exposure"), ("reliability", "Reliability"),
    ("claims", "Claims checked"), ("assumptions", "Assumptions"),
)

_CSS = """
:root { --ink:#1d2433; --muted:#5b6577; --line:#dde2ea; --accent:#264653; --ok:#2a9d8f;
        --bad:#c0392b; --warn:#b7791f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif; color:var(--ink);
       background:#f6f7f9; }
header { background:var(--accent); color:#fff; padding:18px 28px; }
header h1 { margin:0; font-size:22px; } header p { margin:4px 0 0; opacity:.85; }
nav { position:sticky; top:0; z-index:5; background:#fff; border-bottom:1px solid var(--line);
      padding:6px 28px; display:flex; flex-wrap:wrap; gap:14px; }
nav a { color:var(--accent); text-decoration:none; font-weight:600; font-size:13px; }
main { max-width:1180px; margin:0 auto; padding:8px 28px 40px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; margin:18px 0;
          padding:6px 22px 18px; }
h2 { font-size:18px; border-bottom:2px solid var(--accent); padding-bottom:4px; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(200px,1fr)); gap:12px; }
.card { border:1px solid var(--line); border-radius:6px; padding:10px 12px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
.card .value { font-size:22px; font-weight:700; }
.card .sub { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; margin:8px 0; font-size:13px; }
th, td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:#f0f2f5; } td.n { text-align:right; white-space:nowrap; }
.plot { min-height:380px; margin:6px 0; }
.note { color:var(--muted); font-size:12.5px; }
.empty { color:var(--muted); font-style:italic; }
.v-consistent { color:var(--ok); font-weight:700; }
.v-inconsistent { color:var(--bad); font-weight:700; }
.v-depends { color:var(--warn); font-weight:700; }
.tag { font-size:11px; padding:1px 6px; border-radius:8px; background:#fdecc8; }
details summary { cursor:pointer; color:var(--accent); font-weight:600; margin:6px 0; }
@media print {
  nav { display:none; } body { background:#fff; } section { break-inside:avoid-page;
  border:none; } .plot { break-inside:avoid; } details { display:block; }
}
"""


def _e(x) -> str:
    return html.escape(str(x))


def _num(key: str, value, text: str) -> str:
    """A shown number tied to its summary.json key."""
    v = "" if value is None else repr(float(value)) if isinstance(value, (int, float)) else value
    return f'<span class="num" data-key="{_e(key)}" data-value="{_e(v)}">{_e(text)}</span>'


def _usd_b(x: float) -> str:
    return f"{'-' if x < 0 else ''}${abs(x):,.1f}B"


def _card(label: str, value_html: str, sub: str = "") -> str:
    return (f'<div class="card"><div class="label">{_e(label)}</div>'
            f'<div class="value">{value_html}</div><div class="sub">{sub}</div></div>')


def _fmt(v: float) -> str:
    if math.isnan(v):
        return ""
    if math.isinf(v) or abs(v) >= 1e15:
        return f"{v:.4g}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


#: Rows a table of the report shows at most; the CSV files have them all.
TABLE_ROWS = 200


def _cell(v, formats: dict, c) -> str:
    if c in formats:
        return f'<td class="n">{formats[c](v)}</td>'
    if isinstance(v, float):
        return f'<td class="n">{_fmt(v)}</td>'
    return f"<td>{_e('' if v is None else v)}</td>"


def _table(frame: pd.DataFrame, formats: dict[str, Callable] | None = None,
           cls: str = "", where: str = "") -> str:
    """An HTML table of ``frame``: its first :data:`TABLE_ROWS` rows, then a note of how many
    more there are (and ``where`` to find them)."""
    formats = formats or {}
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    shown = frame.iloc[:TABLE_ROWS]
    cols = list(shown.columns)
    rows = ["<tr>" + "".join(_cell(v, formats, c) for c, v in zip(cols, row, strict=True))
            + "</tr>" for row in shown.itertuples(index=False, name=None)]
    more = len(frame) - len(shown)
    note = (f"<p class='note'>{more:,} more rows{(' in ' + _e(where)) if where else ''}.</p>"
            if more > 0 else "")
    return f'<table class="{cls}"><tr>{head}</tr>{"".join(rows)}</table>{note}'


# ------------------------------------------------------------------------------- sections

def _summary(r: RunResult) -> str:
    s = r.summary
    h = s.headline
    k = "headline."
    cards = [
        _card("owned IT power", _num(k + "owned_it_gw", h.owned_it_gw,
                                     f"{h.owned_it_gw:,.2f} GW"),
              "facility peak " + _num(k + "owned_facility_peak_gw", h.owned_facility_peak_gw,
                                      f"{h.owned_facility_peak_gw:,.2f} GW")
              + ranges.range_text(r, "owned_facility_peak_gw", lambda v: f"{v:,.2f} GW")),
        _card("contracted IT power", _num(k + "contracted_it_gw", h.contracted_it_gw,
                                          f"{h.contracted_it_gw:,.2f} GW"), "cloud contracts"),
        _card("accelerators", _num(k + "owned_accelerators", h.owned_accelerators,
                                   f"{h.owned_accelerators:,.0f}"),
              "owned; contracted " + _num(k + "contracted_accelerators",
                                          h.contracted_accelerators,
                                          f"{h.contracted_accelerators:,.0f}")),
        _card("peak compute (BF16)", _num(k + "peak_bf16_eflops", h.peak_bf16_eflops,
                                          f"{h.peak_bf16_eflops:,.0f} EFLOP/s"),
              "FP8 " + _num(k + "peak_fp8_eflops", h.peak_fp8_eflops,
                            f"{h.peak_fp8_eflops:,.0f} EFLOP/s") + "; dense, full build"),
        _card("effective compute (BF16)", _num(k + "effective_bf16_eflops",
                                               h.effective_bf16_eflops,
                                               f"{h.effective_bf16_eflops:,.0f} EFLOP/s"),
              "peak x catalog MFU, while training"
              + ranges.range_text(r, "effective_bf16_eflops", lambda v: f"{v:,.0f}")),
        _card("owned capex", _num(k + "owned_capex_usd_b", h.owned_capex_usd_b,
                                  f"${h.owned_capex_usd_b:,.1f}B"),
              "contract payments " + _num(k + "contract_payments_usd_b",
                                          h.contract_payments_usd_b,
                                          f"${h.contract_payments_usd_b:,.1f}B")
              + ranges.range_text(r, "owned_capex_usd_b", lambda v: f"${v:,.1f}B")),
        _card("NPV", _num(k + "npv_usd_b", h.npv_usd_b, _usd_b(h.npv_usd_b)),
              f"at {s.finance.discount_rate:.0%}, t = 0 in {s.finance.base_year}"
              + ranges.range_text(r, "npv_usd_b", _usd_b)),
        _card("failures a day", _num(k + "failures_per_day", h.failures_per_day,
                                     f"{h.failures_per_day:,.0f}"),
              "unexpected interruptions, whole fleet at full build"
              + ranges.range_text(r, "failures_per_day", lambda v: f"{v:,.0f}")),
    ]
    systems = "".join(
        f"<tr><td>{_e(name)}</td><td class='n'>"
        + _num(f"{k}accelerators_by_system.{name}", n, f"{n:,.0f}") + "</td></tr>"
        for name, n in h.accelerators_by_system.items())
    prices = "".join(
        f"<tr><td>{_e(name)}</td><td class='n'>"
        + (_num(f"{k}usd_per_accelerator_hour.{name}", v, f"${v:,.2f}")
           + ranges.range_text(r, f"usd_per_accelerator_hour.{name}", lambda x: f"${x:,.2f}")
           if v is not None else "not priced") + "</td></tr>"
        for name, v in h.usd_per_accelerator_hour.items())
    runs = _headline_runs(r)
    return (f'<div class="cards">{"".join(cards)}</div>'
            '<div style="display:grid;grid-template-columns:1fr 1fr;gap:18px">'
            f"<div><h3>Accelerators by type (full build)</h3><table>{systems}</table></div>"
            f"<div><h3>Cost per accelerator-hour</h3><table>{prices}</table>"
            "<p class='note'>Owned: levelised over capital recovery, per used hour; "
            "contracts: given or implied by their value.</p></div></div>" + runs)


def _headline_runs(r: RunResult) -> str:
    """The summary's table of headline runs (days and finish with their P10-P90)."""
    h, k = r.summary.headline, "headline."
    if not h.runs:
        return ""
    rows = []
    for i, w in enumerate(h.runs):
        key = f"{k}runs.{i}."
        if w.status == "no capacity":
            rows.append(f"<tr><td>{_e(w.name)}</td><td class='n'>"
                        + _num(key + "flops", w.flops, f"{w.flops:.1e}")
                        + "</td><td colspan='4'>no capacity</td><td>"
                        + _e(w.deadline) + "</td></tr>")
            continue
        verdict = "consistent" if w.status == "on time" else "inconsistent"
        rows.append(
            f"<tr><td>{_e(w.name)}</td><td class='n'>"
            + _num(key + "flops", w.flops, f"{w.flops:.1e}") + "</td><td>"
            + _e(w.pool) + "</td><td class='n'>"
            + _num(key + "accelerators", w.accelerators, f"{w.accelerators:,.0f}")
            + "</td><td class='n'>" + _num(key + "days", w.days, f"{w.days:,.1f}")
            + ranges.range_text(r, f"runs.{w.name}.days", lambda x: f"{x:,.0f}")
            + "</td><td>" + _num(key + "finish", w.finish, w.finish)
            + ranges.range_text(r, f"runs.{w.name}.finish", str) + "</td><td>"
            + _e(w.deadline) + f" <span class='v-{verdict}'>" + _e(w.status) + "</span></td></tr>")
    more = h.runs_total - len(h.runs)
    return ("<h3>Headline training runs</h3><table><tr><th>run</th><th>FLOP</th>"
            "<th>pool</th><th>accelerators</th><th>days</th><th>finish</th>"
            "<th>deadline</th></tr>" + "".join(rows) + "</table>"
            + (f"<p class='note'>{more:,} more runs in workloads.csv.</p>" if more else ""))


def _energy_table(r: RunResult) -> str:
    y = r.facility_by_year
    if y.empty:
        return ""
    basis = r.summary.facility_basis
    frame = y[["name", "year", "energy_mwh", "pue", "water_m3", "wue_l_per_kwh", "co2_t",
               "households", "people"]].copy()
    frame.columns = ["site", "year", "facility MWh", "PUE", "water m³", "WUE L/kWh", "CO2 t",
                     "households", "people"]
    return (_table(frame, {"year": str}, where="facility_by_year.csv")
            + f"<p class='note'>IT: {_e(basis.it_power)}. "
              f"Households and people: {_e(basis.households)}. "
              "CO2 is location-based (the region's grid average, EPA eGRID); water is the "
              "site's cooling water.</p>")


def _money_text(r: RunResult) -> str:
    f = r.summary.finance
    irr = "-" if f.irr is None else f"{f.irr:.1%}"
    return (f"<p>NPV of the yearly net cash flow (cashflow.csv) at {f.discount_rate:.0%}, "
            f"t = 0 in {f.base_year}: <b>{_usd_b(f.npv_usd / 1e9)}</b>; IRR {irr}, "
            f"payback {f.payback_year or '-'} (IRR and payback need revenue in the "
            "scenario). Owned cost per accelerator-hour is levelised with capital recovery "
            "factors over the facility's and the accelerators' lives, per used hour."
            + _leases(r) + _debt(r) + "</p>")


def _debt(r: RunResult) -> str:
    f, fin = r.summary.finance, r.scenario.finance
    if not f.debt_usd > 0:
        return ""
    pct = lambda x: "-" if x is None else f"{x:.1%}"  # noqa: E731
    dscr = "-" if f.min_dscr is None else f"{f.min_dscr:.2f}"
    return (f" Debt: {_usd_b(f.debt_usd / 1e9)} drawn ({fin.debt_share:.0%} of capex at "
            f"{fin.interest_rate:.2%} over {fin.debt_tenor_years:g} years, {fin.repayment} "
            f"repayment); WACC {f.wacc:.2%}; the equity's NPV at {f.equity_return:.0%} "
            f"{_usd_b(f.equity_npv_usd / 1e9)}, IRR {pct(f.equity_irr)}, smallest debt-service "
            f"coverage {dscr} (cashflow.csv: debt_draw_usd, interest_usd, principal_usd, "
            "equity_cash_flow_usd).")


def _own_lease_rent(r: RunResult) -> str:
    """Each site's cost per used accelerator-hour owned, leased at the market's lease and
    rented at the market's (levelled) rent, side by side."""
    rows = []
    for s in r.summary.sites:
        usd = lambda lo, hi: "-" if lo is None else (  # noqa: E731
            f"${lo:.2f}" if hi is None or abs(hi - lo) < 0.005 else f"${lo:.2f}-{hi:.2f}")
        cover = "-" if s.rent_coverage is None else f"{s.rent_coverage:.0%}"
        rows.append({"site": s.name, "as planned": s.ownership,
                     "own": usd(s.own_usd_per_accelerator_hour, None),
                     "lease": usd(s.lease_low_usd_per_accelerator_hour,
                                  s.lease_high_usd_per_accelerator_hour),
                     "rent": usd(s.rent_low_usd_per_accelerator_hour,
                                 s.rent_high_usd_per_accelerator_hour),
                     "rent covers": cover})
    if not rows:
        return ""
    return ("<h3>Own, lease or rent (per used accelerator-hour)</h3>" + _table(pd.DataFrame(rows))
            + "<p class='note'>Own: the site builds its facility. Lease: a landlord builds it at "
              "the market's wholesale lease (data/market.csv, CBRE). Rent: the accelerators "
              "rented at the market's rent of their system, levelled over their life as rents "
              "fall (finance.rent_decline_per_year); 'rent covers' is the share of the site's "
              "accelerators whose system has a market rent on file. Same utilisation "
              "throughout.</p>")


def _leases(r: RunResult) -> str:
    leased = [s for s in r.summary.sites if s.ownership == "leased"]
    if not leased:
        return ""
    parts = ", ".join(f"{_e(s.name)} (landlord's facility capex "
                      f"{_usd_b(s.landlord_capex_usd / 1e9)}, lease "
                      f"{_usd_b(s.lease_usd_per_year / 1e9)} a year level)" for s in leased)
    return (f" Leased sites: {parts}; their facility capex is the landlord's, shown for "
            f"context, and {_usd_b(r.summary.finance.lease_payments_usd / 1e9)} of lease "
            "payments fall in the horizon (cashflow.csv lease_payments_usd).")


def _workload_table(r: RunResult) -> str:
    w = r.workloads
    if w.empty:
        return ""
    cols = [c for c in ("name", "status", "pool", "system", "accelerators", "start", "finish",
                        "days", "goodput", "recovery", "mfu", "facility_mw", "energy_mwh",
                        "note")
            if c in w.columns]
    return _table(w[cols], where="workloads.csv")


def _serving_table(r: RunResult) -> str:
    rows = r.summary.serving
    if not rows:
        return ""
    frame = pd.DataFrame([{
        "model": x.name, "systems": ", ".join(x.systems),
        "tokens/s per accelerator": x.tokens_per_s_per_accelerator, "limit": x.limit,
        "served %": None if x.served_share is None else 100 * x.served_share,
        "first short": x.first_short or "", "peak accelerators": x.peak_accelerators,
        "revenue $B": x.revenue_usd / 1e9,
        "$ per M tokens": x.usd_per_million_tokens, "gross margin %": (
            None if x.gross_margin is None else 100 * x.gross_margin)} for x in rows])
    return ("<h3>Serving</h3>" + _table(frame)
            + "<p class='note'>Each model takes its daily peak of accelerators (serving."
              "peak_to_mean x its mean demand) from its pools before any training run is "
              "placed; its tokens earn their list prices (cashflow.csv revenue_usd). Tokens/s "
              "per accelerator: the serving roofline on its first system (gigaplan "
              "inference).</p>")


def _reliability_table(r: RunResult) -> str:
    v = r.reliability_table
    if v.empty:
        return ""
    frame = v[["owner", "system", "accelerators", "failures_per_day", "planned_per_day",
               "job_mtbf_hours", "unit_accelerators", "spare_units", "spare_share"]].copy()
    frame["spare_share"] = frame["spare_share"] * 100
    frame.columns = ["owner", "system", "accelerators", "failures/day", "planned/day",
                     "MTBF of one job (h)", "repair unit", "spare units", "spares %"]
    a = r.assumptions
    return (_table(frame, where="reliability.csv") + "<p class='note'>Rates per component: "
            f"{_e(parameter('reliability.failures.h100-sxm.accelerator').source)}. Downtime per "
            f"interruption: detection {float(a['reliability.detect_minutes']):g} min + restart "
            f"{float(a['reliability.restart_minutes']):g} min + reload (assumptions; they decide "
            "goodput at 10^5 accelerators: set them with --set or a scenario's [parameters]).</p>")


def _claims(r: RunResult) -> str:
    checks = check_claims(r.summary)
    if not checks:
        return "<p class='empty'>Nothing in this scenario to check the 2025 claims against.</p>"
    rows = []
    for c in checks:
        cls = ("v-consistent" if c.verdict == "consistent" else
               "v-inconsistent" if c.verdict.startswith("inconsistent") else "v-depends")
        rows.append(f"<tr id='claim-{_e(c.id)}'><td><b>{_e(c.claim)}</b><br><span class='note'>"
                    f"{_e(c.source)} ({_e(c.source_date)})</span></td><td>{_e(c.computed)}</td>"
                    f"<td class='{cls}'>{_e(c.verdict)}</td><td>{_e(c.hinge)}</td></tr>")
    return ("<table><tr><th>claim</th><th>this scenario</th><th>verdict</th>"
            "<th>hinges on</th></tr>" + "".join(rows) + "</table>")


def _leaves(data, prefix: str = ""):
    """(path, value) of every given scalar of a scenario dump, paths as the loader marks them
    (``sites[0].phases[1].accelerators``)."""
    if isinstance(data, dict) and any("." in str(k) or "[" in str(k) for k in data):
        yield prefix, ", ".join(f"{k} = {v}" for k, v in data.items())  # a variant's paths
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(data, list):
        if data and all(not isinstance(v, (dict, list)) for v in data):
            yield prefix, ", ".join(map(str, data))
        for i, v in enumerate(data):
            if isinstance(v, (dict, list)):
                yield from _leaves(v, f"{prefix}[{i}]")
    elif data is not None:
        yield prefix, data


def _is_assumption(source: str) -> bool:
    return str(source).strip().lower().startswith("assumption")


def _parameter_table(title: str, rows: pd.DataFrame) -> str:
    frame = pd.DataFrame({"name": rows.index, "value": rows["value"].to_numpy(),
                          "unit": rows["unit"].to_numpy(),
                          "range": [f"{lo:g}-{hi:g}" for lo, hi in zip(rows["low"], rows["high"],
                                                                        strict=True)],
                          "set by": rows["origin"].to_numpy(),
                          "assumption": ["yes" if _is_assumption(x) else ""
                                         for x in rows["source"]],
                          "source": rows["source"].to_numpy(),
                          "source date": rows["source_date"].to_numpy()})
    n = int((frame["assumption"] == "yes").sum())
    return (f"<details><summary>{_e(title)}: {len(frame)} ({n} assumptions)</summary>"
            + _table(frame) + "</details>")


def _assumptions(r: RunResult) -> str:
    sc = r.scenario
    marks = sc.provenance
    rows = [{"input": path, "value": value,
             "mark": marks[path].kind if path in marks else "",
             "reason or source": marks[path].text if path in marks else ""}
            for path, value in _leaves(sc.model_dump(mode="json", exclude_none=True))
            if path not in ("name", "description", "source")]
    inputs = pd.DataFrame(rows)
    n_assumed = sum(1 for v in marks.values() if v.kind == "assumption")
    n_sourced = sum(1 for v in marks.values() if v.kind == "source")
    out = [f"<h3>Scenario inputs: {len(inputs)} values, {n_sourced} with a source, {n_assumed} "
           "marked as assumptions (unmarked values are defaults or names)</h3>",
           _table(inputs, where="the scenario file") if len(inputs)
           else "<p class='empty'>No inputs.</p>"]
    systems = list(dict.fromkeys(r.blocks["system"]))
    if systems:
        acc = pd.DataFrame([{"system": a.name, "status": a.status, "source": a.source,
                             "source date": a.source_date, "notes": a.notes,
                             "MFU source": a.mfu_source}
                            for a in map(catalog.accelerator, systems)])
        out += ["<h3>Accelerator systems used</h3>", _table(acc)]
    regions = list(dict.fromkeys(s.region for s in sc.sites))
    if regions:
        reg = pd.DataFrame([{"region": g.name, "label": g.label, "source": g.source,
                             "source date": g.source_date, "notes": g.notes}
                            for g in map(catalog.region, regions)])
        out += ["<h3>Grid regions used</h3>", _table(reg)]
    table = r.assumptions.table()
    for title, group in (("Facility-model parameters", "facility."),
                         ("Finance parameters", "finance."),
                         ("Training-planner parameters", "training."),
                         ("Reliability parameters", "reliability.")):
        rows = table[table.index.str.startswith(group)
                     & ~table.index.str.startswith(("training.mfu.", "reliability.failures."))]
        out.append(_parameter_table(title, rows))
    used = tuple(f"{prefix}{s}." for s in systems for prefix in
                 ("training.mfu.", "reliability.failures."))
    out.append(_parameter_table("MFU and failure rates of the systems used",
                                table[table.index.str.startswith(used)] if used else table.iloc[:0]))
    return "".join(out)


_TEXT = {
    "summary": _summary,
    "ranges": lambda r: "".join(ranges.section(r)),
    "energy": _energy_table,
    "money": lambda r: _money_text(r) + _own_lease_rent(r),
    "training": lambda r: _workload_table(r) + _serving_table(r),
    "portfolio": lambda r: exposure.section(r),
    "reliability": _reliability_table,
    "claims": _claims,
    "assumptions": _assumptions,
}

_INTRO = {
    "capacity": "Accelerators and dense peak compute as they are installed (sites ramp over "
                "their phases; contracts count in full over their term).",
    "power": "Monthly mean and design-hour facility power of the owned sites, the losses "
             "between IT and facility load for AC and 800 V DC distribution, PUE by month and "
             "the headroom under each site's grid cap.",
    "energy": "Annual energy, water and location-based CO2 per owned site, with the household "
              "comparison and its basis.",
    "money": "Capex by component, yearly cash flow and the cost of an accelerator-hour owned "
             "against each contract.",
    "training": "The scenario's workloads placed on the fleet, and how their time to train "
                "changes with the accelerators given (goodput falls as jobs grow).",
    "portfolio": "How much of the capacity each provider (a contract's provider, or an owned "
                 "site) holds each year, how concentrated that is, and what losing each one "
                 "would take away and delay.",
    "reliability": "How often a job is interrupted and how much time it keeps, by size and by "
                   "checkpoint interval; failures a day and spares per site.",
}


def build(r: RunResult, progress: Callable[[str], None] | None = None,
          extra: tuple = ()) -> str:
    """The report of ``r`` as one self-contained HTML string; ``extra``: more sections, each
    ``(id, title, html)``, after the summary (e.g. the optimize section of a plan's run)."""
    from plotly.offline import get_plotlyjs

    # each section: its introduction, its figures, then its text and tables
    parts: dict[str, list[str]] = {sid: [] for sid, _ in SECTIONS}
    for sid, text in _INTRO.items():
        parts[sid].append(f"<p class='note'>{_e(text)}</p>")
    config = {"displaylogo": False, "responsive": True}
    for sid, fid, builder, empty in FIGURES:
        if progress:
            progress(fid)
        fig = builder(r)
        if fig is None:
            parts[sid].append(f"<p class='empty' data-figure='{_e(fid)}'>{_e(empty)}.</p>")
        else:
            parts[sid].append(f'<div class="plot" id="{_e(fid)}">' + fig.to_html(
                full_html=False, include_plotlyjs=False, div_id=f"{fid}-plot", config=config)
                + "</div>")
    for sid, fn in _TEXT.items():
        parts[sid].append(fn(r))
    s = r.summary
    order = [(sid, t, "".join(parts[sid])) for sid, t in SECTIONS]
    order[1:1] = list(extra)
    nav = "".join(f'<a href="#{_e(sid)}">{_e(t)}</a>' for sid, t, _ in order)
    body = "".join(f'<section id="{_e(sid)}"><h2>{_e(t)}</h2>{html}</section>'
                   for sid, t, html in order)
    warnings = "".join(f"<li>{_e(w)}</li>" for w in s.warnings)
    warn = f"<section><h2>Warnings</h2><ul>{warnings}</ul></section>" if warnings else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>gigaplan: {_e(s.scenario)}</title><style>{_CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>gigaplan report: {_e(s.scenario)}</h1>"
        f"<p>{_e(s.description)}</p><p>horizon {_e(s.horizon.start)} to "
        f"{_e(s.horizon.end)} · gigaplan {_e(__version__)} · figures as in "
        "summary.json</p></header>"
        f"<nav>{nav}</nav><main>{warn}{body}</main></body></html>")


def write(r: RunResult, out_dir: str | Path,
          progress: Callable[[str], None] | None = None, extra: tuple = ()) -> Path:
    """Write ``report.html`` for ``r`` (with ``extra`` sections, :func:`build`) into
    ``out_dir``; returns its path."""
    path = Path(out_dir) / REPORT_FILE
    write_text_atomic(path, build(r, progress, extra))
    return path
