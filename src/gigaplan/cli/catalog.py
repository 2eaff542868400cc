"""``gigaplan catalog``: the accelerator systems, grid regions, model parameters, failure
rates and built-in scenarios, with their sources."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import UnknownNameError
from .app import catalog_app, emit_json, fmt, guarded, out

__all__ = ["catalog_accelerators", "catalog_parameters", "catalog_regions", "catalog_show"]

_ACCEL_COLUMNS = [
    ("name", "name", None),
    ("bf16_dense_flops", "BF16 TFLOP/s", 1e12), ("fp8_dense_flops", "FP8 TFLOP/s", 1e12),
    ("hbm_gb", "HBM GB", 1), ("hbm_tb_s", "HBM TB/s", 1), ("tdp_w", "TDP W", 1),
    ("system_w_per_accelerator", "system W/acc", 1), ("rack_kw", "rack kW", 1),
    ("scale_up_domain", "scale-up", 1), ("mfu_bf16", "MFU bf16", 1), ("mfu_fp8", "MFU fp8", 1),
    ("cooling", "cooling", None), ("price_usd", "price $", 1),
]
#: The columns shown on a terminal narrower than the full table (the rest: --json, show NAME).
_NARROW = ("name", "bf16_dense_flops", "fp8_dense_flops", "hbm_gb", "system_w_per_accelerator",
           "rack_kw", "price_usd")


@catalog_app.command("accelerators")
def catalog_accelerators(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the accelerator systems (dense peak FLOP/s, memory, power, price)."""
    from .. import catalog

    items = [catalog.accelerator(n) for n in catalog.accelerator_names()]
    if as_json:
        emit_json([a.to_dict() for a in items])
        return
    wide = out.width >= 130
    columns = [c for c in _ACCEL_COLUMNS if wide or c[0] in _NARROW]
    t = Table(title="Accelerators (dense peak FLOP/s; sources: catalog show NAME)",
              caption="* announced, not yet shipping" + ("" if wide else
                                                          "; all columns: --json"),
              title_justify="left", caption_justify="left")
    for key, label, scale in columns:
        t.add_column(label if wide else label.replace(" ", "\n", 1).replace("system ", ""),
                     justify="left" if scale is None else "right", no_wrap=True,
                     min_width=13 if key == "name" else None)
    for a in items:
        d = a.to_dict()
        d["name"] = a.name + ("*" if a.announced else "")
        t.add_row(*[str(d[key]) if scale is None else fmt(None if d[key] is None else d[key] / scale)
                    for key, _, scale in columns])
    out.print(t)


@catalog_app.command("regions")
def catalog_regions(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the grid regions (electricity price, grid CO2, climate)."""
    from .. import catalog

    items = [catalog.region(n) for n in catalog.region_names()]
    if as_json:
        emit_json([r.to_dict() for r in items])
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


def _group_command(group: str, doc: str):
    @catalog_app.command(group, help=doc)
    def command(as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
                ) -> None:
        from ..assumptions import catalog as parameters

        _parameter_listing(group.capitalize(),
                           [p for p in parameters().values() if p.group == group
                            and "." not in p.short], as_json)

    return command


for _group, _doc in (
        ("facility", "List the facility-model parameters (power chain, cooling, water) with "
                     "ranges and sources."),
        ("finance", "List the finance parameters (construction cost, shares, staff) with "
                    "sources."),
        ("training", "List the training-planner parameters (memory model, shape, run "
                     "defaults) with sources."),
        ("reliability", "List the recovery-model parameters (detection, restart, storage, "
                        "spares) with sources."),
        ("serving", "List the serving-model parameters (HBM use, bandwidth and compute "
                    "efficiency, batch, overhead) with sources.")):
    _group_command(_group, _doc)


@catalog_app.command("parameters")
def catalog_parameters(
    match: Annotated[Optional[str], typer.Option(
        "--match", help="Only names containing this text, e.g. mfu or gb300.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List every model parameter a scenario's [parameters] or --set can change: name, default,
    plausible range, valid interval, unit and source."""
    from ..assumptions import catalog as parameters

    items = [p for p in parameters().values() if not match or match.lower() in p.name.lower()]
    _parameter_listing("Model", items, as_json, valid=True)


def _parameter_listing(what: str, items: list, as_json: bool, valid: bool = False) -> None:
    if as_json:
        emit_json([p.to_dict() for p in items])
        return
    t = Table(title=f"{what} parameters (defaults; low-high is the plausible range"
                    + ("; valid: where the model means something)" if valid else ")"),
              title_justify="left")
    cols = ("name", "value", "low-high", *(("valid",) if valid else ()), "unit", "source")
    for col in cols:
        t.add_column(col, justify="right" if col in ("value", "low-high") else "left",
                     overflow="fold", no_wrap=col == "name", ratio=3 if col == "source" else None)
    for p in items:
        t.add_row(p.name, f"{p.value:g}", f"{p.low:g}-{p.high:g}",
                  *((str(p.valid),) if valid else ()), p.unit, p.source)
    out.print(t)


@catalog_app.command("failures")
def catalog_failures(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the interruption rates per accelerator-year by system and component."""
    from ..datafiles import read_table

    table = read_table("failure_rates.csv")
    if as_json:
        emit_json(table.to_dict(orient="records"))
        return
    t = Table(title="Interruptions per accelerator-year (system * = every system without rows "
                    "of its own)", title_justify="left")
    for col in ("system", "component", "kind", "per year", "basis", "source"):
        t.add_column(col, overflow="fold", justify="right" if col == "per year" else "left")
    for r in table.itertuples():
        t.add_row(r.system, r.component, r.kind, f"{r.per_accelerator_year:.4f}", r.notes,
                  r.source)
    out.print(t)


@catalog_app.command("fabric")
def catalog_fabric(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List each system's scale-up and scale-out bandwidth and large-GEMM share of peak (the
    step-time model, gigaplan steptime)."""
    from ..datafiles import read_table

    from ..jsonable import records

    table = read_table("fabric.csv")
    if as_json:
        emit_json(records(table))
        return
    t = Table(title="Links and GEMM rate per accelerator (GB/s one way; share of dense peak)",
              title_justify="left")
    for col in ("system", "scale-up GB/s", "scale-out GB/s", "GEMM bf16", "GEMM fp8", "source"):
        t.add_column(col, overflow="fold")
    for r in table.itertuples():
        fp8 = "-" if r.gemm_peak_fraction_fp8 != r.gemm_peak_fraction_fp8 else \
            f"{r.gemm_peak_fraction_fp8:.3f}"
        t.add_row(r.system, f"{r.scale_up_gb_s:,.0f}", f"{r.scale_out_gb_s:,.1f}",
                  f"{r.gemm_peak_fraction_bf16:.3f}", fp8, r.source)
    out.print(t)


@catalog_app.command("scenarios")
def catalog_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the built-in scenarios."""
    from ..datafiles import scenario_names
    from ..scenario import load_scenario

    items = [load_scenario(n) for n in scenario_names()]
    if as_json:
        emit_json([{"name": n, "description": s.description}
                    for n, s in zip(scenario_names(), items, strict=True)])
        return
    t = Table(title="Built-in scenarios (gigaplan init NAME writes an editable copy)",
              title_justify="left")
    t.add_column("name", no_wrap=True)
    t.add_column("description", overflow="fold")
    for n, s in zip(scenario_names(), items, strict=True):
        t.add_row(n, s.description)
    out.print(t)


@catalog_app.command("problems")
def catalog_problems(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the built-in problems of gigaplan optimize."""
    from ..optimize import load_problem, problem_names

    items = [load_problem(n) for n in problem_names()]
    rows = [{"name": n, "description": p.description, "sites": len(p.sites),
             "systems": len(p.systems), "contracts": len(p.contracts),
             "period": p.horizon.period} for n, p in zip(problem_names(), items, strict=True)]
    if as_json:
        emit_json(rows)
        return
    t = Table(title="Built-in problems (gigaplan optimize NAME -o DIR)", title_justify="left")
    for c in ("name", "sites", "systems", "contracts", "period", "description"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(r["name"], str(r["sites"]), str(r["systems"]), str(r["contracts"]),
                  r["period"], r["description"])
    out.print(t)


@catalog_app.command("show")
@guarded
def catalog_show(
    name: Annotated[str, typer.Argument(help="An accelerator system or grid region slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one catalog entry with all its figures and sources."""
    from .. import catalog

    key = name.strip().lower()
    if key in catalog.accelerator_names():
        record = catalog.accelerator(key).to_dict()
    elif key in catalog.region_names():
        record = catalog.region(key).to_dict()
    else:
        raise UnknownNameError("catalog entry", name,
                               catalog.accelerator_names() + catalog.region_names())
    if as_json:
        emit_json(record)
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


