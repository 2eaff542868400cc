"""``gigaplan sensitivity``: which uncertain inputs move which answers (Sobol' or Morris)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import GigaplanError, UnknownNameError
from .app import DEFAULT_SCENARIO, app, emit_json, guarded, out
from .run import parse_sets, sampling_options

__all__ = ["sensitivity"]


@app.command()
@guarded
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="Scenario file or built-in name.")] = DEFAULT_SCENARIO,
    outputs: Annotated[Optional[list[str]], typer.Option(
        "--output", help="A figure to explain (repeatable), e.g. npv_usd_b or "
                         "runs.frontier-1e27.days; default: facility peak, NPV, failures a "
                         "day, effective FLOP/s, $ per accelerator-hour, days of each run.")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="sobol (first- and total-order indices) or morris (screening).")] = "sobol",
    n: Annotated[int, typer.Option(
        "--n", help="Base samples: N (d + 2) runs for sobol, N (d + 1) for morris, d the "
                    "uncertain inputs; a power of 2 for sobol.")] = 256,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of the design.")] = None,
    distribution: Annotated[Optional[str], typer.Option(
        "--distribution", help="Of the parameters' ranges: pert, triangular or uniform.")] = None,
    sets: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Set a model parameter: NAME=VALUE, or a range NAME=LOW..HIGH.")] = None,
    top: Annotated[int, typer.Option("--top", help="Inputs shown per figure.")] = 10,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", help="Run on a local dask cluster of N processes.")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", envvar="GIGAPLAN_SCHEDULER",
        help="Run on a running dask cluster (tcp://HOST:PORT).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print every index as JSON.")] = False,
) -> None:
    """Global sensitivity of a scenario's answers to its uncertain inputs, ranked."""
    from .. import montecarlo, pipeline
    from ..scenario import load_scenario

    if method not in METHODS_OF_SENSITIVITY:
        raise UnknownNameError("method", method, list(METHODS_OF_SENSITIVITY))
    if n < 2:
        raise GigaplanError(f"--n {n}: expected at least 2 base samples")
    if top < 1:
        raise GigaplanError(f"--top {top}: expected at least 1")
    options = sampling_options(None, seed, None, distribution, workers, scheduler)
    s = load_scenario(scenario)
    a = pipeline.assumptions_for(s, parse_sets(sets))
    try:
        result = montecarlo.sensitivity(s, a, method=method, n=n, outputs=outputs, **options)
    except ValueError as exc:  # too few uncertain inputs
        raise GigaplanError(str(exc)) from None
    if as_json:
        emit_json({"method": method, "n": n, "rows": result.rows, "seed": result.seed,
                   "indices": result.table.to_dict(orient="records"),
                   "skipped": result.skipped})
        return
    _print(result, top)


METHODS_OF_SENSITIVITY = ("sobol", "morris")


def _print(result, top: int) -> None:
    inputs = {x.name: x for x in result.inputs}
    out.print(f"{result.method} indices over {len(inputs)} uncertain inputs: {result.rows:,} "
              f"runs of the chain (N = {result.n}, seed {result.seed}), {result.seconds:.1f} s")
    sobol = result.method == "sobol"
    for output in dict.fromkeys(result.table["output"]):
        t = Table(title=output, title_justify="left")
        for col in ("#", "input", "range", *(("S1", "ST") if sobol else ("mu*", "sigma"))):
            t.add_column(col, justify="left" if col in ("input", "range") else "right")
        for _, row in result.top(output, top).iterrows():
            x = inputs[row["input"]]
            span = f"{x.show(x.low)} .. {x.show(x.high)}"
            vals = ((f"{row['S1']:.3f} ± {row['S1_conf']:.3f}",
                     f"{row['ST']:.3f} ± {row['ST_conf']:.3f}") if sobol else
                    (f"{row['mu_star']:.4g}", f"{row['sigma']:.4g}"))
            t.add_row(str(row["rank"]), row["input"], span, *vals)
        out.print(t)
    for name, why in result.skipped.items():
        out.print(f"{name}: skipped ({why})")
