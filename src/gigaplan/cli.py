"""The ``gigaplan`` command line: a thin layer over the library.

Bad input prints one clear message and exits with code 2; ``--debug`` (anywhere on the command
line) shows the traceback instead.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__, catalog, facility, finance, reliability, training
from .datafiles import scenario_names, scenario_text
from .errors import GigaplanError, UnknownNameError

app = typer.Typer(
    name="gigaplan",
    help="Plan and simulate gigawatt-scale AI compute from a scenario file.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="List and show the hardware and grid-region catalog.",
                          no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

# Piped output (CI logs, files) gets 120 columns instead of rich's default 80.
out = Console(highlight=False, soft_wrap=True,
              width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}

DEFAULT_SCENARIO = "fluidstack-2026"


def _guarded(fn):
    """Turn a GigaplanError into 'error: ...' on stderr and exit code 2 (unless --debug)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GigaplanError as exc:
            if _state["debug"]:
                raise
            err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def _emit_json(obj) -> None:
    """Print ``obj`` as JSON: objects indented; a list of objects one compact object per line
    (readable, and fast: ``indent`` disables the C encoder, 10x slower on 1,000 runs)."""
    if isinstance(obj, list) and obj and all(isinstance(item, dict) for item in obj):
        lines = ",\n  ".join(json.dumps(item, default=_json_default) for item in obj)
        sys.stdout.write("[\n  " + lines + "\n]\n")
        return
    sys.stdout.write(json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _fmt(value: float | None) -> str:
    """Table number: thousands separators from 100 up, three significant digits below."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _count(value: float) -> str:
    """A large count the way the scenario format writes it: 400B, 15.6T, 1.5M."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}"


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"gigaplan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """gigaplan: sites, power, accelerators, contracts and training runs, from one scenario file."""
    _state["debug"] = _state["debug"] or debug


# ----------------------------------------------------------------------------- scenario


@app.command()
@_guarded
def init(
    name: Annotated[str, typer.Argument(help="Built-in scenario to start from.")] = DEFAULT_SCENARIO,
    output: Annotated[Optional[Path], typer.Option("-o", "--output",
                                                   help="File to write (default NAME.toml).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a built-in scenario as an editable, commented TOML file."""
    names = scenario_names()
    if name not in names:
        raise UnknownNameError("scenario", name, names)
    target = output or Path(f"{name}.toml")
    if target.exists() and not force:
        raise GigaplanError(f"{target}: already exists (use --force to overwrite)")
    target.write_text(scenario_text(name), encoding="utf-8")
    out.print(f"wrote {target} (from built-in scenario {name}); check it with: "
              f"gigaplan validate {target}")


@app.command()
@_guarded
def validate(file: Annotated[str, typer.Argument(help="Scenario file (.toml, .yaml) or built-in name.")]) -> None:
    """Check a scenario file; exit 2 with every problem listed if it is invalid."""
    from .scenario import load_scenario

    s = load_scenario(file)
    phases = sum(len(site.phases) for site in s.sites)
    out.print(f"ok: {s.source}: scenario {s.name!r}, {len(s.sites)} sites ({phases} phases), "
              f"{len(s.contracts)} contracts, {len(s.workloads)} workloads; "
              f"{len(s.assumption_paths())} values marked as assumptions")


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion)."""
    from .scenario import Scenario

    doc = Scenario.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "gigaplan scenario"
    _emit_json(doc)


@app.command()
@_guarded
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")] = DEFAULT_SCENARIO,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("gigaplan-out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout instead of tables.")] = False,
) -> None:
    """Run a scenario: write the outputs and report.html to a folder and print a summary."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from . import pipeline
    from .report.figures import FIGURES

    steps = ["fleet", "facility", "finance", "training", "reliability"] + [f[1] for f in FIGURES]
    with Progress(TextColumn("{task.description:<24}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        task = bar.add_task("loading scenario", total=len(steps))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=steps.index(name)
                       if name in steps else 0)

        result = pipeline.run(scenario, output, progress=step)
        bar.update(task, completed=len(steps))
    if as_json:
        _emit_json(result.summary)
        return
    _print_run(result)


def _print_run(result) -> None:
    """The terminal summary of a :class:`gigaplan.pipeline.RunResult`."""
    s, summary = result.scenario, result.summary
    out.print(f"[bold]{s.name}[/]: {s.description}", markup=True)
    out.print(f"horizon {s.horizon.start} .. {s.horizon.end} ({s.horizon.step}); source {s.source}")

    t = Table(title="Capacity blocks: site phases, then contracts",
              caption="* given in the scenario; the other figure is derived from the system's W per accelerator",
              title_justify="left", caption_justify="left")
    for col in ("owner", "block", "system", "from", "until", "accelerators", "IT MW"):
        t.add_column(col, justify="right" if col in ("accelerators", "IT MW") else "left")
    for row in result.blocks.itertuples():
        until = "" if pd.isna(row.end) else str(row.end.date())
        acc, mw = f"{row.accelerators:,.0f}", f"{row.it_mw:,.1f}"
        acc, mw = (acc + "*", mw) if row.given == "accelerators" else (acc, mw + "*")
        t.add_row(row.owner, "" if row.block == row.owner else row.block, row.system,
                  str(row.start.date()), until, acc, mw)
    out.print(t)

    t = Table(title="Installed at each year end (owned + contracted)", title_justify="left")
    for col in ("year", "accelerators", "IT MW", "BF16 peak EFLOP/s", "FP8 peak EFLOP/s"):
        t.add_column(col, justify="right")
    for row in summary["installed_by_year"]:
        fp8 = row["fp8_peak_flops"]
        t.add_row(str(row["year"]), f"{row['accelerators']:,.0f}", f"{row['it_mw']:,.1f}",
                  f"{row['bf16_peak_flops'] / 1e18:,.1f}", "-" if fp8 is None else f"{fp8 / 1e18:,.1f}")
    out.print(t)

    if summary["workloads"]:
        t = Table(title="Workloads on the fleet (earliest finish; placed in deadline order, each "
                        "taking the free accelerators of one pool)", title_justify="left",
                  caption="days = FLOP / (accelerators x peak x MFU x goodput); workloads.csv has "
                          "every field", caption_justify="left")
        for col in ("name", "compute", "pool", "accelerators", "start - finish", "days",
                    "goodput", "deadline", "MW"):
            t.add_column(col, justify="right" if col in ("accelerators", "days", "goodput", "MW")
                         else "left")
        for w in summary["workloads"]:
            size = (f"{_count(w['params'])} x {_count(w['tokens'])} tok" if w["params"]
                    else f"{w['flops']:.3g} FLOP") + f" {w['precision']}"
            if w["status"] == "no capacity":
                t.add_row(w["name"], size, f"[red]none[/]: {escape(w['note'])}", "-", "-", "-",
                          "-", w["deadline"], "-")
                continue
            status = (f"{w['deadline']} [green]on time[/]" if w["status"] == "on time" else
                      f"{w['deadline']} [red]late by {-w['slack_days']:,.0f} d[/]")
            t.add_row(w["name"], size, f"{w['pool']} ({w['system']})",
                      f"{w['accelerators']:,.0f}", f"{w['start']} - {w['finish']}",
                      f"{w['days']:,.1f}", f"{w['goodput']:.2f}", status, _fmt(w["facility_mw"]))
        out.print(t)
    rel = summary["reliability"]
    if rel["by_owner"]:
        t = Table(title="Failures at full build-out (interruptions per day; spares keep every "
                        "repair unit's worth healthy with 95% probability)", title_justify="left",
                  caption="rates: Llama 3 405B root causes (gigaplan catalog failures); "
                          "reliability.csv has every field", caption_justify="left")
        for col in ("owner", "system", "accelerators", "failures/day", "planned/day",
                    "MTBF of one job", "spare units"):
            t.add_column(col, justify="left" if col in ("owner", "system") else "right")
        for r in rel["by_owner"]:
            t.add_row(r["owner"], r["system"], f"{r['accelerators']:,.0f}",
                      f"{r['failures_per_day']:,.1f}", f"{r['planned_per_day']:,.1f}",
                      f"{r['job_mtbf_hours'] * 60:,.0f} min",
                      f"{r['spare_units']:,.0f} x {r['unit_accelerators']:,.0f}")
        out.print(t)
    t = Table(title="Owned sites by year (energy-weighted PUE; water = site WUE x IT energy; "
                    "location-based CO2)", title_justify="left",
              caption="households: site energy / the state's average residential use "
                      "(EIA 2022)", caption_justify="left")
    for col in ("site", "year", "IT MWh", "facility MWh", "PUE", "peak MW", "water m³",
                "WUE L/kWh", "CO2 t", "households"):
        t.add_column(col, justify="left" if col == "site" else "right")
    for row in summary["facility_by_year"]:
        t.add_row(row["name"], str(row["year"]), _fmt(row["it_energy_mwh"]),
                  _fmt(row["energy_mwh"]), _fmt(row["pue"]), _fmt(row["facility_peak_mw"]),
                  _fmt(row["water_m3"]), _fmt(row["wue_l_per_kwh"]), _fmt(row["co2_t"]),
                  _fmt(row["households"]))
    if summary["facility_by_year"]:
        out.print(t)
        t = Table(title="Owned sites at full build", title_justify="left",
                  caption="density: rack kW / a 10 kW enterprise rack (range 8-15 kW: Uptime "
                          "Institute 2024; The Register / BofA)", caption_justify="left")
        for col in ("site", "racks", "kW/rack", "density x", "white space m²", "PUE",
                    "peak MW", "grid cap MW"):
            t.add_column(col, justify="left" if col == "site" else "right")
        for site in summary["sites"]:
            lo, hi = site["density_ratio_range"]
            t.add_row(site["name"], _fmt(site["racks"]), _fmt(site["rack_kw"]),
                      f"{site['density_ratio']:.1f} ({lo:.1f}-{hi:.1f})",
                      _fmt(site["whitespace_m2"]), _fmt(site["pue"]),
                      _fmt(site["facility_peak_mw"]), _fmt(site["grid_cap_mw"]))
        out.print(t)
    money = summary["finance"]
    t = Table(title="Money: owned sites and contracts (levelised cost per used accelerator-hour)",
              title_justify="left",
              caption=f"NPV of the cash flow (cashflow.csv) at {money['discount_rate']:.0%} from "
                      f"{money['base_year']}: {_money(money['npv_usd'])}"
                      + ("" if s.finance.revenue_usd_per_accelerator_hour else
                         " (costs only: no revenue given)")
                      + (f"; IRR {money['irr']:.1%}" if money["irr"] is not None else "")
                      + (f"; payback {money['payback_year']}" if money["payback_year"] else ""),
              caption_justify="left")
    for col in ("name", "kind", "capex", "opex / yr", "$ / acc-hour", "owning vs contract"):
        t.add_column(col, justify="left" if col in ("name", "kind") else "right")
    for site in summary["sites"]:
        t.add_row(site["name"], "owned", _money(site["capex_usd"]),
                  _money(site["opex_usd_per_year"]), f"{site['usd_per_accelerator_hour']:.2f}", "")
    for c in summary["contracts"]:
        price = c["usd_per_accelerator_hour"]
        saving = c["saving_of_owning"]
        t.add_row(c["name"], "contract", "", "", "-" if price is None else f"{price:.2f}",
                  "-" if saving is None else f"{saving:+.0%} (owned {c['system']} "
                  f"{c['owned_usd_per_accelerator_hour']:.2f})")
    out.print(t)
    for warning in summary["warnings"]:
        err.print(f"[bold yellow]warning:[/] {escape(warning)}", markup=True)
    n_assume = len(summary["provenance"]["assumptions"])
    out.print(f"{n_assume} scenario values are marked as assumptions "
              f"(see summary.json: provenance.assumptions)")
    out.print("wrote " + ", ".join(str(p) for p in result.files))
    _print_headline(summary["headline"])
    report = next((p for p in result.files if p.name == "report.html"), None)
    if report is not None:
        out.print(f"[bold]report:[/] {report.resolve()}", markup=True)


def _print_headline(h: dict) -> None:
    """The figures of the report's summary section (summary.json ``headline``)."""
    t = Table(title="Headline (as in report.html and summary.json: headline)",
              title_justify="left", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    by_type = ", ".join(f"{n:,.0f} {k}" for k, n in h["accelerators_by_system"].items())
    price = ", ".join(f"{k} ${v:,.2f}" for k, v in h["usd_per_accelerator_hour"].items()
                      if v is not None)
    for row in (
        ("IT power", f"{h['owned_it_gw']:,.2f} GW owned (facility peak "
                     f"{h['owned_facility_peak_gw']:,.2f} GW), {h['contracted_it_gw']:,.2f} GW "
                     "contracted"),
        ("accelerators", f"{h['owned_accelerators']:,.0f} owned, "
                         f"{h['contracted_accelerators']:,.0f} contracted: {by_type}"),
        ("compute", f"{h['peak_bf16_eflops']:,.0f} EFLOP/s BF16 peak ({h['peak_fp8_eflops']:,.0f} "
                    f"FP8), {h['effective_bf16_eflops']:,.0f} effective"),
        ("money", f"owned capex ${h['owned_capex_usd_b']:,.1f}B, contract payments "
                  f"${h['contract_payments_usd_b']:,.1f}B, NPV "
                  f"{'-' if h['npv_usd_b'] < 0 else ''}${abs(h['npv_usd_b']):,.1f}B"),
        ("per accelerator-hour", price or "-"),
        ("failures", f"{h['failures_per_day']:,.0f} a day at full build"),
    ):
        t.add_row(*row)
    for w in h["runs"]:
        t.add_row(f"run {w['name']}", f"{w['flops']:.1e} FLOP: {w['status']}" + (
            f", {w['accelerators']:,.0f} on {w['pool']}, {w['start']} to {w['finish']}"
            if w["status"] != "no capacity" else ""))
    out.print(t)


# ----------------------------------------------------------------------------- power

_SiteOptions = {
    "region": typer.Option("--region", help="Grid region slug (price, CO2, climate, cost multiplier)."),
    "cooling": typer.Option("--cooling", help="air | liquid | hybrid (default: the system's own)."),
    "distribution": typer.Option("--distribution", help="ac | hvdc (800 V DC class)."),
    "price": typer.Option("--price", help="Price per accelerator with its system share [USD]; "
                                          "default: the catalog's."),
}


def _facts(rows: list[tuple[str, ...]]) -> None:
    """Print figure / value / note rows as a borderless-header table."""
    t = Table(show_header=False)
    t.add_column("figure", style="bold")
    t.add_column("value", justify="right")
    if len(rows[0]) > 2:
        t.add_column("note")
    for row in rows:
        t.add_row(*row)
    out.print(t)


@app.command()
@_guarded
def power(
    system: Annotated[str, typer.Option("--system", help="Accelerator system slug (gigaplan catalog accelerators).")],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    cooling: Annotated[Optional[str], _SiteOptions["cooling"]] = None,
    distribution: Annotated[str, _SiteOptions["distribution"]] = "ac",
    region: Annotated[str, _SiteOptions["region"]] = "ercot",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Power, PUE, energy, water and CO2 of one site at full load for a year."""
    r = facility.single_site(system, count, cooling=cooling, distribution=distribution,
                             region=region)
    if as_json:
        _emit_json(r)
        return
    out.print(f"[bold]{r['accelerators']:,} x {r['system']}[/], {r['cooling']} cooling, "
              f"{r['distribution']} distribution, region {r['region']} ({r['climate']})",
              markup=True)
    _facts([
        ("IT load", f"{r['it_mw']:,.1f} MW", f"nominal {r['it_nominal_mw']:,.1f} MW from catalog W"),
        ("facility load", f"{r['facility_mw']:,.1f} MW", "annual mean"),
        ("peak facility load", f"{r['facility_peak_mw']:,.1f} MW", "hottest month's design hour"),
        ("PUE (annual)", f"{r['pue_annual']:.3f}",
         "monthly " + " ".join(f"{x:.2f}" for x in r["pue_monthly"])),
        ("racks", f"{r['racks']:,}", f"{r['rack_kw']:g} kW per rack"),
        ("density", f"{r['density_ratio']:.1f}x",
         "{:.1f}-{:.1f}x for an 8-15 kW enterprise rack (Uptime 2024; BofA)".format(
             *r["density_ratio_range"])),
        ("white space", f"{r['whitespace_m2']:,.0f} m²", ""),
        ("energy", f"{r['annual_mwh']:,.0f} MWh/yr", ""),
        ("water", f"{r['water_m3']:,.0f} m³/yr", f"WUE {r['wue_l_per_kwh']:.2f} L per IT kWh"),
        ("CO2 (location-based)", f"{r['co2_t']:,.0f} t/yr", f"{r['co2_kg_per_mwh']:.0f} kg/MWh grid"),
        ("households", f"{r['households']:,.0f}", f"~{r['people']:,.0f} people; {r['household_basis']}"),
    ])
    t = Table(title="Where the overhead goes (annual mean)", title_justify="left")
    for col in ("loss", "MW", "share of overhead"):
        t.add_column(col, justify="left" if col == "loss" else "right")
    for name, mw in r["loss_mw"].items():
        t.add_row(facility.FLOW_LABELS[name + "_mw"], f"{mw:,.2f}", f"{r['loss_share'][name]:.1%}")
    out.print(t)


# ----------------------------------------------------------------------------- money



def _money(value: float) -> str:
    """USD with a B/M/k suffix: $41.79B, -$93.03B."""
    sign = "-" if value < 0 else ""
    for suffix, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{sign}${abs(value) / scale:,.2f}{suffix}"
    return f"{sign}${abs(value):,.2f}"


@app.command()
@_guarded
def cost(
    system: Annotated[str, typer.Option("--system", help="Accelerator system slug.")],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    region: Annotated[str, _SiteOptions["region"]] = "ercot",
    cooling: Annotated[Optional[str], _SiteOptions["cooling"]] = None,
    distribution: Annotated[str, _SiteOptions["distribution"]] = "ac",
    utilization: Annotated[Optional[float], typer.Option(
        "--utilization", help="Share of hours used (default 0.85, an assumption).")] = None,
    years: Annotated[float, typer.Option("--years", help="Ownership period of the TCO [years].")] = 5.0,
    cloud_price: Annotated[Optional[float], typer.Option(
        "--cloud-price", help="Cloud price per accelerator-hour [USD] to compare with.")] = None,
    price: Annotated[Optional[float], _SiteOptions["price"]] = None,
    discount_rate: Annotated[float, typer.Option("--discount-rate", help="Real discount rate.")] = 0.08,
    life: Annotated[float, typer.Option("--life", help="Accelerator life [years].")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Capex, opex and cost per accelerator-hour of one owned site (and vs a cloud price)."""
    r = finance.cost(system, count, region=region, cooling=cooling, distribution=distribution,
                     utilization=utilization, years=years, cloud_usd_per_hour=cloud_price,
                     price_usd=price, discount_rate=discount_rate, accelerator_life_years=life)
    if as_json:
        _emit_json(r)
        return
    out.print(f"[bold]{r['accelerators']:,} x {r['system']}[/] owned in {r['region']}, "
              f"{r['cooling']} cooling, {r['distribution']} distribution", markup=True)
    rows = [
        ("capex", _money(r["capex_usd"]), f"{_money(r['capex_usd_per_mw_it'])} per MW of IT"),
        ("  facility", _money(r["capex_facility_usd"]), "shell, electrical, mechanical, soft, land"),
        ("  IT", _money(r["capex_it_usd"]),
         f"{_money(r['price_usd_per_accelerator'])} per accelerator + network + storage"),
        ("opex per year", _money(r["opex_usd_per_year"]),
         f"energy {_money(r['opex']['energy_usd'])}, maintenance {_money(r['opex']['maintenance_usd'])}"),
        ("cost per accelerator-hour", f"${r['usd_per_accelerator_hour']:.2f}",
         f"CRF at {r['discount_rate']:.0%}, {r['accelerator_life_years']:g}-yr accelerators, "
         f"{r['facility_life_years']:g}-yr facility, utilisation {r['utilization']:.0%}"),
        ("cost per 10^24 FLOP", _money(r["usd_per_1e24_flop"]), r["flop_basis"]),
        (f"TCO over {r['years']:g} years", _money(r["tco_usd"]), f"NPV {_money(r['npv_cost_usd'])}"),
    ]
    if "saving_vs_cloud" in r:
        rows += [("saving vs cloud", f"{r['saving_vs_cloud']:.0%}",
                  f"at ${r['cloud_usd_per_hour']:.2f}/h; break-even utilisation "
                  f"{r['breakeven_utilization']:.0%}")]
    _facts(rows)


@app.command()
@_guarded
def budget(
    usd: Annotated[float, typer.Option("--usd", help="Capital budget [USD], e.g. 50e9.")],
    system: Annotated[str, typer.Option("--system", help="Accelerator system slug.")],
    region: Annotated[str, _SiteOptions["region"]] = "ercot",
    cooling: Annotated[Optional[str], _SiteOptions["cooling"]] = None,
    distribution: Annotated[str, _SiteOptions["distribution"]] = "ac",
    price: Annotated[Optional[float], _SiteOptions["price"]] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What a capital budget buys: accelerators, MW of IT and facility power."""
    r = finance.budget(usd, system, region=region, cooling=cooling, distribution=distribution,
                       price_usd=price)
    if as_json:
        _emit_json(r)
        return
    out.print(f"[bold]{_money(r['budget_usd'])}[/] of {r['system']} in {r['region']} "
              f"({r['cooling']}, {r['distribution']}) buys:", markup=True)
    _facts([("accelerators", f"{r['accelerators']:,}"), ("racks", f"{r['racks']:,}"),
                ("IT load", f"{r['it_mw']:,.0f} MW"),
                ("facility load", f"{r['facility_mw']:,.0f} MW (peak {r['facility_peak_mw']:,.0f})"),
                ("facility capex", f"{_money(r['capex_facility_usd'])} ({r['facility_share']:.0%})"),
                ("IT capex", _money(r["capex_it_usd"])),
                ("all-in per accelerator", _money(r["usd_per_accelerator_all_in"])),
                ("BF16 dense peak", f"{r['bf16_peak_flops'] / 1e18:,.0f} EFLOP/s")])


# ----------------------------------------------------------------------------- training


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


@app.command()
@_guarded
def train(
    system: Annotated[Optional[str], typer.Option("--system", help="Accelerator system slug.")] = None,
    flops: Annotated[Optional[str], typer.Option("--flops", help="Training compute [FLOP], e.g. 1e26.")] = None,
    params: Annotated[Optional[str], typer.Option("--params", help="Parameters N, e.g. 405B.")] = None,
    tokens: Annotated[Optional[str], typer.Option("--tokens", help="Training tokens D, e.g. 15.6T.")] = None,
    active_params: Annotated[Optional[str], typer.Option(
        "--active-params", help="Active parameters per token (mixture-of-experts).")] = None,
    count: Annotated[Optional[str], typer.Option("--count", help="Accelerators: gives the time.")] = None,
    days: Annotated[Optional[str], typer.Option(
        "--days", help="Days: gives the accelerators needed (with --count and no size: the "
                       "largest run).")] = None,
    precision: Annotated[str, typer.Option("--precision", help="bf16 | fp8.")] = "bf16",
    mfu: Annotated[Optional[str], typer.Option(
        "--mfu", help="Model FLOPs utilisation in (0, 1]; default: the catalog's.")] = None,
    goodput: Annotated[Optional[str], typer.Option(
        "--goodput", help="Share of wall-clock time that moves the model forward.")] = None,
    zero: Annotated[int, typer.Option("--zero", help="ZeRO stage 0-3 for the memory model.")] = 1,
    seq_len: Annotated[Optional[str], typer.Option("--seq-len", help="Sequence length [tokens].")] = None,
    region: Annotated[str, _SiteOptions["region"]] = "ercot",
    cooling: Annotated[Optional[str], _SiteOptions["cooling"]] = None,
    distribution: Annotated[str, _SiteOptions["distribution"]] = "ac",
    batch: Annotated[Optional[Path], typer.Option(
        "--batch", help="CSV of runs, one per row, with the options above as columns "
                        "(system, params, tokens, count, ...; an optional name is echoed).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (a list with --batch).")] = False,
) -> None:
    """Time, size and memory layout of a training run (or of many, with --batch)."""
    given = {"system": system, "flops": flops, "params": params, "tokens": tokens,
             "active_params": active_params, "count": count, "days": days, "mfu": mfu,
             "goodput": goodput, "seq_len": seq_len}
    if batch is not None:
        extra = [_option(k) for k, v in given.items() if v is not None]
        if extra:
            raise GigaplanError(f"--batch: give the runs in the file or as options, not both "
                                f"(also given: {', '.join(extra)})")
        rows = _read_runs(batch)
        label = _batch_label(rows)
        table = training.plan(rows, source=str(batch), label=label)
        records = training.records(table)
        if as_json:
            _emit_json(records)
        else:
            _print_runs(records)
        return
    if system is None:
        raise GigaplanError("--system: required (an accelerator system, see gigaplan catalog "
                            "accelerators), or --batch FILE")
    row = {k: v for k, v in given.items() if v is not None}
    row.update(precision=precision, zero=zero, region=region, distribution=distribution)
    if cooling is not None:
        row["cooling"] = cooling
    table = training.plan(pd.DataFrame([row], dtype=object),
                          label=lambda i, field: _option(field))
    r = training.records(table)[0]
    if as_json:
        _emit_json(r)
        return
    _print_run_plan(r)


def _quantity(option: str, value: str | None, kind: str, *, whole: bool = False,
              fraction: bool = False) -> float | None:
    """An option's value read with its unit, checked > 0 (and <= 1 for a fraction)."""
    from .units import UnitError, parse_quantity

    if value is None:
        return None
    try:
        x = parse_quantity(value, kind)
    except UnitError as exc:
        raise GigaplanError(f"{option} = {value!r}: {exc}") from None
    if not x > 0 or (fraction and x > 1):
        raise GigaplanError(f"{option} = {value!r}: expected "
                            + ("a fraction in (0, 1]" if fraction else "a number > 0"))
    if whole and x != math.floor(x):
        raise GigaplanError(f"{option} = {value!r}: expected a whole number")
    return x


@app.command("reliability")
@_guarded
def reliability_command(
    accelerators: Annotated[str, typer.Option(
        "--accelerators", help="Accelerators in the job, e.g. 100k.")],
    days: Annotated[str, typer.Option(
        "--days", help="Failure-free length of the run [days]: the work to get done.")],
    system: Annotated[str, typer.Option("--system", help="Accelerator system slug.")] = "h100-sxm",
    params: Annotated[Optional[str], typer.Option(
        "--params", help="Model parameters, which size the checkpoint (default: the "
                         "compute-optimal model for the run).")] = None,
    checkpoint_minutes: Annotated[str, typer.Option(
        "--checkpoint-minutes", help="Compute time between checkpoints [min], or auto (the "
                                     "optimum).")] = "auto",
    async_checkpoint: Annotated[bool, typer.Option(
        "--async", help="Asynchronous checkpoints: training blocks only for the copy to host "
                        "memory.")] = False,
    spares: Annotated[str, typer.Option(
        "--spares", help="hot (a spare takes over), none (wait for a replacement) or shrink "
                         "(continue without the failed unit).")] = "hot",
    detect_minutes: Annotated[Optional[float], typer.Option(
        "--detect-minutes", help="Time to detect a failure [min] (default: gigaplan catalog "
                                 "reliability).")] = None,
    restart_minutes: Annotated[Optional[float], typer.Option(
        "--restart-minutes", help="Time to restart the job after a failure [min] (default: "
                                  "gigaplan catalog reliability).")] = None,
    weibull_shape: Annotated[Optional[float], typer.Option(
        "--weibull-shape", help="Shape k of Weibull times between failures (default 1: "
                                "exponential).")] = None,
    replications: Annotated[int, typer.Option(
        "--replications", help="Simulated runs.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Interruptions, goodput and the best checkpoint interval of one training job."""
    n = _quantity("--accelerators", accelerators, "count", whole=True)
    work_days = _quantity("--days", days, "days")
    if replications < 1:
        raise GigaplanError(f"--replications = {replications}: expected >= 1")
    if spares not in reliability.SPARES:
        raise GigaplanError(f"--spares = {spares!r}: expected one of "
                            f"{', '.join(reliability.SPARES)}")
    if weibull_shape is not None and not 0.2 <= weibull_shape <= 5:
        raise GigaplanError(f"--weibull-shape = {weibull_shape}: expected a shape in [0.2, 5]")
    interval_s = None
    if checkpoint_minutes.strip().lower() != "auto":
        try:
            interval_s = float(checkpoint_minutes) * 60.0
        except ValueError:
            interval_s = float("nan")
        if not interval_s > 0 or not math.isfinite(interval_s):
            raise GigaplanError(f"--checkpoint-minutes = {checkpoint_minutes!r}: expected "
                                "minutes > 0 or auto")
    acc = catalog.accelerator(system)
    model = _quantity("--params", params, "parameters")
    if model is None:  # the compute-optimal model for the run's failure-free compute
        model = float(training.compute_optimal_params(
            n * acc.bf16_dense_flops * acc.default_mfu("bf16") * work_days * 86_400.0))
    overrides = {}
    for option, name, minutes in (("--detect-minutes", "detect_s", detect_minutes),
                                  ("--restart-minutes", "restart_s", restart_minutes)):
        if minutes is not None:
            if not (minutes >= 0 and math.isfinite(minutes)):
                raise GigaplanError(f"{option} = {minutes}: expected minutes >= 0")
            overrides[name] = minutes * 60.0
    r = {"params": model, **reliability.report(
        n, work_days, system, checkpoint_bytes=float(training.checkpoint_bytes(model)),
        interval_s=interval_s, async_checkpoint=async_checkpoint, spares=spares,
        weibull_shape=weibull_shape, replications=replications, seed=seed,
        p=reliability.params(**overrides))}
    if as_json:
        _emit_json(r)
        return
    _print_reliability(r)


def _print_reliability(r: dict) -> None:
    out.print(f"[bold]{r['accelerators']:,.0f} x {r['system']}[/], {r['work_days']:,.1f} days "
              f"of work, checkpoint of {r['checkpoint_tb']:,.2f} TB "
              f"({_count(r['params'])} params)", markup=True)
    t = Table(show_header=True, header_style="bold")
    for col in ("", "value", "basis"):
        t.add_column(col, overflow="fold")
    flag = "" if r["analytic_reliable"] else " (UNRELIABLE: interval + downtime ~ MTBF)"
    rows = [
        ("job MTBF", f"{r['mtbf_hours']:,.2f} h", "unexpected interruptions; planned: "
                                                   f"{r['planned_per_day']:,.2f} a day"),
        ("checkpoint", f"every {r['checkpoint_minutes']:,.1f} min, blocks "
                       f"{r['checkpoint_write_s']:,.1f} s",
         f"optimal {r['optimal_checkpoint_minutes']:,.1f} min (Young "
         f"{r['young_checkpoint_minutes']:,.1f}, Daly {r['daly_checkpoint_minutes']:,.1f})"),
        ("downtime", f"{r['downtime_minutes']:,.1f} min", "per interruption: detect, restart, "
                                                           "reload (+ capacity wait)"),
        ("interruptions", f"{r['interruptions_mean']:,.1f}",
         f"p10-p90 {r['interruptions_p10']:,.0f}-{r['interruptions_p90']:,.0f}; analytic "
         f"{r['analytic_interruptions']:,.1f}"),
        ("goodput", f"{r['goodput_mean']:.4f}", f"p10-p90 {r['goodput_p10']:.4f}-"
                                                 f"{r['goodput_p90']:.4f}; analytic "
                                                 f"{r['analytic_goodput']:.4f}{flag}"),
        ("completion", f"{r['completion_days_mean']:,.1f} days", f"p10-p90 "
                                                                 f"{r['completion_days_p10']:,.1f}-"
                                                                 f"{r['completion_days_p90']:,.1f}"),
    ]
    if r["finished_share"] < 1:
        rows.append(("unfinished", f"{1 - r['finished_share']:.0%}",
                     f"of runs still going after {r['max_wall_factor']:g}x their work"))
    for row in rows:
        t.add_row(*row)
    out.print(t)
    out.print(f"{r['replications']:,} simulated runs, seed {r['seed']}; rates: "
              f"{_short_source(r['rate_source'])}")


def _read_runs(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise GigaplanError(f"{path}: no such file")
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise GigaplanError(f"{path}: not a readable CSV table ({exc})") from None
    rows.columns = [str(c).strip().lower().replace("-", "_") for c in rows.columns]
    if "system" not in rows:
        raise GigaplanError(f"{path}: no 'system' column; the columns are the options of "
                            f"gigaplan train: {', '.join(training.INPUT_COLUMNS)}")
    return rows


def _batch_label(rows: pd.DataFrame):
    names = rows["name"].tolist() if "name" in rows else [""] * len(rows)

    def label(i: int, field: str) -> str:
        named = f" ({names[i]})" if names[i] else ""
        return f"line {i + 2}{named}, {field}"  # line 1 is the header

    return label


def _print_run_plan(r: dict) -> None:
    size = (f"{_count(r['params'])} params x {_count(r['tokens'])} tokens"
            + (f" ({_count(r['active_params'])} active)" if r["active_params"] else "")
            if r["params"] else f"{r['flops']:.3g} FLOP")
    out.print(f"[bold]{size}[/] on {r['system']} ({r['precision']})", markup=True)
    rows = [
        ("compute", f"{r['flops']:.3g} FLOP", "6 x (active) params x tokens" if r["params"]
         else ""),
        ("accelerators", f"{r['accelerators']:,.0f}", "needed for the deadline"
         if r["mode"] == "size" else ""),
        ("time", f"{r['days']:,.1f} days", f"{r['accelerator_hours'] / 1e6:,.2f}M "
                                           "accelerator-hours"),
        ("MFU", f"{r['mfu']:.3f}", _short_source(r["mfu_source"])),
        ("goodput", f"{r['goodput']:.2f}", _short_source(r["goodput_source"])),
        ("effective", f"{r['effective_flops_per_s'] / 1e18:,.2f} EFLOP/s", "n x peak x MFU x goodput"),
        ("power", f"{r['facility_mw']:,.1f} MW", f"IT {r['it_mw']:,.1f} MW x PUE {r['pue']:.3f} "
                                                f"({r['region']}, {r['cooling']}, {r['distribution']})"),
        ("energy", f"{r['energy_mwh']:,.0f} MWh", ""),
    ]
    if r["fits_memory"] is None:
        rows.append(("memory", "not checked", "give --params and --tokens for the memory model"))
    else:
        layout = (f"TP {r['tensor_parallel']} x PP {r['pipeline_parallel']} x DP "
                  f"{r['data_parallel']}" + (f", EP {r['expert_parallel']}"
                                             if r["expert_parallel"] > 1 else "")
                  + f", {r['recompute']} recomputation, ZeRO-{r['zero']}; "
                  + ("inside one scale-up domain" if r["within_scale_up"]
                     else "pipeline across scale-up domains"))
        if r["fits_memory"]:
            rows.append(("memory", f"fits: {r['memory_per_accelerator_gb']:,.1f} GB",
                         f"of {r['usable_hbm_gb']:,.0f} GB usable; {layout}"))
        else:
            rows.append(("memory", f"does NOT fit: short {r['memory_shortfall_gb']:,.0f} GB",
                         f"needs {r['memory_per_accelerator_gb']:,.0f} GB per accelerator, "
                         f"{r['usable_hbm_gb']:,.0f} GB usable (least-memory layout: {layout})"))
    _facts(rows)


def _short_source(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _print_runs(records: list[dict]) -> None:
    t = Table(title="Training runs (gigaplan train --batch; --json for every field)",
              title_justify="left")
    for col in ("name", "system", "FLOP", "accelerators", "days", "MFU", "goodput", "MWh",
                "memory"):
        t.add_column(col, justify="left" if col in ("name", "system", "memory") else "right")
    for r in records:
        memory = ("-" if r["fits_memory"] is None else
                  f"fits (TP {r['tensor_parallel']} x PP {r['pipeline_parallel']})"
                  if r["fits_memory"] else f"short {r['memory_shortfall_gb']:,.0f} GB")
        t.add_row(r["name"] or "", r["system"], f"{r['flops']:.3g}", f"{r['accelerators']:,.0f}",
                  f"{r['days']:,.1f}", f"{r['mfu']:.3f}", f"{r['goodput']:.2f}",
                  _fmt(r["energy_mwh"]), memory)
    out.print(t)


# ----------------------------------------------------------------------------- catalog

_ACCEL_COLUMNS = [
    ("name", "name", None),
    ("bf16_dense_flops", "BF16 TFLOP/s", 1e12), ("fp8_dense_flops", "FP8 TFLOP/s", 1e12),
    ("hbm_gb", "HBM GB", 1), ("hbm_tb_s", "HBM TB/s", 1), ("tdp_w", "TDP W", 1),
    ("system_w_per_accelerator", "system W/acc", 1), ("rack_kw", "rack kW", 1),
    ("scale_up_domain", "scale-up", 1), ("mfu_bf16", "MFU bf16", 1), ("mfu_fp8", "MFU fp8", 1),
    ("cooling", "cooling", None), ("price_usd", "price $", 1),
]


@catalog_app.command("accelerators")
def catalog_accelerators(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the accelerator systems (dense peak FLOP/s, memory, power, price)."""
    items = [catalog.accelerator(n) for n in catalog.accelerator_names()]
    if as_json:
        _emit_json([a.to_dict() for a in items])
        return
    t = Table(title="Accelerators (dense peak FLOP/s; sources: gigaplan catalog show NAME)",
              caption="* announced figures, not yet shipping", title_justify="left",
              caption_justify="left")
    for key, label, scale in _ACCEL_COLUMNS:
        t.add_column(label, justify="left" if scale is None else "right", no_wrap=key == "name")
    for a in items:
        d = a.to_dict()
        d["name"] = a.name + ("*" if a.announced else "")
        t.add_row(*[str(d[key]) if scale is None else _fmt(None if d[key] is None else d[key] / scale)
                    for key, _, scale in _ACCEL_COLUMNS])
    out.print(t)


@catalog_app.command("regions")
def catalog_regions(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the grid regions (electricity price, grid CO2, climate)."""
    items = [catalog.region(n) for n in catalog.region_names()]
    if as_json:
        _emit_json([r.to_dict() for r in items])
        return
    t = Table(title="Grid regions (sources: gigaplan catalog show NAME)", title_justify="left")
    for col in ("name", "label", "eGRID", "CO2 kg/MWh", "industrial $/MWh", "commercial $/MWh",
                "mean dry bulb °C", "mean wet bulb °C", "climate station"):
        t.add_column(col)
    for r in items:
        t.add_row(r.name, r.label, r.egrid_subregion, f"{r.co2_kg_per_mwh:.0f}",
                  f"{r.price_industrial_usd_per_mwh:.1f}", f"{r.price_commercial_usd_per_mwh:.1f}",
                  f"{r.dry_bulb_c.mean():.1f}", f"{r.wet_bulb_c.mean():.1f}", r.climate_station)
    out.print(t)


@catalog_app.command("facility")
def catalog_facility(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the facility-model parameters (power chain, cooling, water) with ranges and sources."""
    _parameter_listing("Facility", facility.parameters(), as_json)


@catalog_app.command("finance")
def catalog_finance(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the finance parameters (construction cost, shares, staff) with sources."""
    _parameter_listing("Finance", finance.parameters(), as_json)


def _parameter_listing(what: str, table: dict, as_json: bool) -> None:
    if as_json:
        _emit_json([p.to_dict() for p in table.values()])
        return
    t = Table(title=f"{what} parameters (defaults; low-high is the plausible range)",
              title_justify="left")
    for col in ("name", "value", "low-high", "unit", "source"):
        t.add_column(col, justify="right" if col in ("value", "low-high") else "left",
                     overflow="fold", no_wrap=col == "name")
    for p in table.values():
        t.add_row(p.name, f"{p.value:g}", f"{p.low:g}-{p.high:g}", p.unit, p.source)
    out.print(t)


@catalog_app.command("training")
def catalog_training(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the training-planner parameters (memory model, shape, run defaults) with sources."""
    _parameter_listing("Training", training.parameters(), as_json)


@catalog_app.command("reliability")
def catalog_reliability(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the recovery-model parameters (detection, restart, storage, spares) with sources."""
    _parameter_listing("Reliability", reliability.parameters(), as_json)


@catalog_app.command("failures")
def catalog_failures(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the interruption rates per accelerator-year by system and component."""
    table = reliability.failure_rate_table()
    if as_json:
        _emit_json(table.to_dict(orient="records"))
        return
    t = Table(title="Interruptions per accelerator-year (system * = every system without rows "
                    "of its own)", title_justify="left")
    for col in ("system", "component", "kind", "per year", "basis", "source"):
        t.add_column(col, overflow="fold", justify="right" if col == "per year" else "left")
    for r in table.itertuples():
        t.add_row(r.system, r.component, r.kind, f"{r.per_accelerator_year:.4f}", r.notes,
                  r.source)
    out.print(t)


@catalog_app.command("scenarios")
def catalog_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the built-in scenarios."""
    from .scenario import load_scenario

    items = [load_scenario(n) for n in scenario_names()]
    if as_json:
        _emit_json([{"name": n, "description": s.description}
                    for n, s in zip(scenario_names(), items, strict=True)])
        return
    t = Table(title="Built-in scenarios (gigaplan init NAME writes an editable copy)",
              title_justify="left")
    t.add_column("name", no_wrap=True)
    t.add_column("description", overflow="fold")
    for n, s in zip(scenario_names(), items, strict=True):
        t.add_row(n, s.description)
    out.print(t)


@catalog_app.command("show")
@_guarded
def catalog_show(
    name: Annotated[str, typer.Argument(help="An accelerator system or grid region slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one catalog entry with all its figures and sources."""
    key = name.strip().lower()
    if key in catalog.accelerator_names():
        record = catalog.accelerator(key).to_dict()
    elif key in catalog.region_names():
        record = catalog.region(key).to_dict()
    else:
        raise UnknownNameError("catalog entry", name,
                               catalog.accelerator_names() + catalog.region_names())
    if as_json:
        _emit_json(record)
        return
    climate = record.pop("climate", None)
    t = Table(title=f"{key}", title_justify="left", show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value", overflow="fold")
    for field_name, value in record.items():
        if field_name == "source":
            value = "\n".join(part.strip() for part in str(value).split(" ; "))
        t.add_row(field_name, "-" if value is None else str(value))
    out.print(t)
    if climate:
        c = Table(title="Monthly climate (wet bulb derived: Magnus RH, Stull 2011)", title_justify="left")
        for col in climate:
            c.add_column(col, justify="right")
        for row in zip(*climate.values()):
            c.add_row(*[f"{v:g}" for v in row])
        out.print(c)


def main() -> None:
    """Console entry point: accepts ``--debug`` anywhere on the command line."""
    argv = sys.argv[1:]
    if "--debug" in argv:
        _state["debug"] = True
        argv = [a for a in argv if a != "--debug"]
    app(args=argv, prog_name="gigaplan")


if __name__ == "__main__":  # pragma: no cover
    main()
