"""``gigaplan optimize``: where and when to build (:mod:`gigaplan.optimize`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from .app import app, emit_json, guarded, out

__all__ = ["optimize"]


@app.command("optimize")
@guarded
def optimize(
    problem: Annotated[str, typer.Argument(
        help="Problem file (TOML) or a built-in problem (gigaplan catalog problems).")],
    output: Annotated[Optional[str], typer.Option(
        "-o", "--output", help="Folder to write plan.toml, optimize.json and optimize.html "
                               "into.")] = None,
    gap: Annotated[float, typer.Option("--gap", help="Relative MIP gap to stop at.")] = 0.005,
    time_limit: Annotated[float, typer.Option(
        "--time-limit", help="Seconds HiGHS may take per solve.")] = 60.0,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", help="HiGHS threads (default: its own choice).")] = None,
    values: Annotated[bool, typer.Option(
        "--values", help="Also price each binding limit by solving again (slower).")] = False,
    pricing: Annotated[str, typer.Option(
        "--pricing", help="engine (every candidate priced by the finance engine, in one "
                          "run: the plan's cost, capex by year, spend and CO2 are then what "
                          "gigaplan run reports) or annuity (annual equivalents of capex: no "
                          "end-of-horizon effect, not the run's accounting).")] = "engine",
    run_report: Annotated[bool, typer.Option(
        "--report", help="Also run the plan as gigaplan run does (no samples) into DIR/run, "
                         "its report with this optimization as a section.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The least-cost plan of sites, systems and contracts that meets a problem's demand and
    deadlines under its limits, written as a scenario gigaplan run accepts."""
    from pathlib import Path

    from ..errors import GigaplanError
    from ..fileio import write_text_atomic
    from ..optimize import load_problem
    from ..optimize.inputs import PRICINGS
    from ..optimize.plan import optimize as run_optimize

    if not 0 <= gap < 1:
        raise GigaplanError(f"--gap {gap}: expected 0 to 1 (0.005 = 0.5%)")
    if not 0 < time_limit <= 86_400:
        raise GigaplanError(f"--time-limit {time_limit}: expected 0 to 86,400 seconds")
    if threads is not None and not 1 <= threads <= 256:
        raise GigaplanError(f"--threads {threads}: expected 1 to 256")
    if pricing not in PRICINGS:
        raise GigaplanError(f"--pricing {pricing!r}: expected {' or '.join(PRICINGS)}")
    p = load_problem(problem)
    result = run_optimize(p, Path(problem).name, gap=gap, time_limit=time_limit,
                          threads=threads, values=values, pricing=pricing)
    doc = result.to_dict()
    if run_report and output is None:
        raise GigaplanError("--report writes the plan's run into -o DIR/run: give -o DIR")
    if output is not None:
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise GigaplanError(f"-o {output}: exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        import json

        from ..report import optimize_page

        write_text_atomic(folder / "plan.toml", result.text)
        if result.stochastic is not None and result.stochastic.text:
            write_text_atomic(folder / "plan-two-stage.toml", result.stochastic.text)
        write_text_atomic(folder / "optimize.json", json.dumps(doc, indent=2, default=str))
        optimize_page.write(result, folder)
        if run_report:
            _run_report(result, folder)
    if as_json:
        emit_json(doc)
        return
    _print(doc)
    if output is not None:
        out.print(f"wrote plan.toml, optimize.json and optimize.html into {output}"
                  + (" and the plan's run, with its report, into run/" if run_report else ""))


def _run_report(result, folder) -> None:
    """``gigaplan run plan.toml -o DIR/run --no-samples``, its report with the optimize
    section."""
    from .. import pipeline, report
    from ..report import optimize_page

    r = pipeline.run(folder / "plan.toml", folder / "run", samples=0)
    report.write(r, folder / "run", extra=(
        ("optimize", "Optimize", optimize_page.section(result)),))


def _print(doc: dict) -> None:
    out.print(f"{doc['problem']}: net present cost {doc['objective_usd'] / 1e9:,.2f} $B, "
              f"{doc['compute_eflops_years']:,.0f} EFLOP/s-years delivered, spend "
              f"{doc['spend_usd'] / 1e9:,.1f} $B (objective {doc['objective']}; MIP gap "
              f"{doc['mip_gap']:.2%}; model {doc['build_s']:.1f} s, solve {doc['solve_s']:.1f} s;"
              f" {doc['rounds']} round(s))")
    t = Table(title="Builds", title_justify="left")
    for c in ("site", "system", "mode", "online", "MW", "accelerators"):
        t.add_column(c)
    for b in doc["builds"]:
        t.add_row(b["site"], b["system"], b["mode"], str(b["start"]), f"{b['it_mw']:,.0f}",
                  f"{b['accelerators']:,.0f}")
    out.print(t)
    if doc["rents"]:
        r = Table(title="Rents (accelerators by period)", title_justify="left")
        for c in ("contract", "from", "accelerators"):
            r.add_column(c)
        for x in doc["rents"]:
            r.add_row(x["contract"], str(x["start"]), f"{x['accelerators']:,.0f}")
        out.print(r)
    for w in doc["workloads"]:
        out.print(f"workload {w['name']}: {w['status']} in gigaplan run, finishing "
                  f"{w['finish']} (deadline {w['deadline']})")
    bad = [c for c in doc["checks"] if c["ok"] is False]
    out.print(f"checked by gigaplan run: {len(doc['checks']) - len(bad)} of "
              f"{len(doc['checks'])} claims hold"
              + ("" if doc["pricing"] == "engine" else
                 " (annuity pricing: cost, capex, budget and CO2 are not the run's accounting)"))
    for c in bad:
        out.print(f"[bold red]does not hold[/]: {c['check']}: programme {c['claimed']}, "
                  f"gigaplan run {c['run']}, limit {c['limit']} {c['unit']}")
    if doc["binding"]:
        out.print("binding: " + ", ".join(doc["binding"]))
    within = doc.get("marginal_values_within") or {}
    for k, v in doc["marginal_values"].items():
        e = within.get(k, 0.0)
        out.print(f"value of relaxing {k}: {v:,.0f} (to within {e:,.0f}, the MIP gap"
                  + ("; not resolved: solve with a smaller --gap)" if abs(v) <= e else ")"))
    st = doc.get("stochastic")
    if st:
        out.print(f"over {st['samples']} samples: two-stage expected cost "
                  f"{st['expected_usd'] / 1e9:,.2f} $B (CVaR {st['cvar_usd'] / 1e9:,.2f} $B); "
                  f"the plan above, blind to them, {st['deterministic_expected_usd'] / 1e9:,.2f}"
                  f" $B: ignoring the uncertainty costs {st['vss_usd'] / 1e9:,.2f} $B")
        if st.get("central_plan_usd") is not None:
            bad = [c["check"] for c in st["checks"] if c["ok"] is False]
            out.print(f"its builds, rented for the central case (plan-two-stage.toml): "
                      f"{st['central_plan_usd'] / 1e9:,.2f} $B; gigaplan run: "
                      + ("every claim holds" if not bad else "does not hold: " + ", ".join(bad)))
        if st.get("note"):
            out.print(f"no two-stage plan written: {st['note']}")
