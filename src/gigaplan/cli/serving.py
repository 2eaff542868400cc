"""``gigaplan inference``: tokens per second per accelerator, the accelerators a demand needs
and the cost per million tokens (:mod:`gigaplan.serving`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import app, emit_json, facts, guarded, read_rows
from .jobs import _assumptions

__all__ = ["inference"]

_Opt = Optional[str]


@app.command()
@guarded
def inference(
    params: Annotated[_Opt, typer.Option("--params", help="Model parameters, e.g. 70B.")] = None,
    system: Annotated[_Opt, typer.Option("--system", help="Accelerator system slug.")] = None,
    tokens_per_day: Annotated[_Opt, typer.Option(
        "--tokens-per-day", help="Demand: tokens a day, prompt and generated, e.g. 1e12.")] = None,
    active_params: Annotated[_Opt, typer.Option(
        "--active-params", help="Active parameters per token (mixture-of-experts).")] = None,
    input_tokens: Annotated[_Opt, typer.Option(
        "--input-tokens", help="Prompt tokens per request (default 2000, an assumption).")] = None,
    output_tokens: Annotated[_Opt, typer.Option(
        "--output-tokens", help="Generated tokens per request (default 500).")] = None,
    latency: Annotated[_Opt, typer.Option(
        "--latency-tokens-per-s", help="Least tokens/s each user sees (default: none).")] = None,
    precision: Annotated[str, typer.Option(
        "--precision", help="bf16 | fp8 | fp4 (weights; an FP4 model keeps an FP8 KV cache).")
    ] = "bf16",
    layers: Annotated[_Opt, typer.Option("--layers", help="Layers (default: from params).")] = None,
    hidden: Annotated[_Opt, typer.Option(
        "--hidden", help="Model width (default: from params).")] = None,
    kv_width: Annotated[_Opt, typer.Option(
        "--kv-width", help="K and V values per token per layer (default 2 x 8 x 128; 576 "
                           "for DeepSeek's MLA).")] = None,
    price: Annotated[_Opt, typer.Option(
        "--price", help="USD per accelerator-hour (default: gigaplan's cost of owning).")] = None,
    batch: Annotated[Optional[Path], typer.Option(
        "--batch", help="CSV of requests, one per row, the options above as columns (params, "
                        "system, tokens_per_day, ...; an optional name is echoed).")] = None,
    sets: Annotated[Optional[list[str]], typer.Option(
        "--set", help="Set a model parameter: NAME=VALUE (gigaplan catalog serving).")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print JSON (a list with --batch).")] = False,
) -> None:
    """Serving throughput, accelerators needed and cost per million tokens."""
    import pandas as pd

    from .. import serving
    from ..errors import GigaplanError

    a = _assumptions(sets)
    given = {"params": params, "system": system, "tokens_per_day": tokens_per_day,
             "active_params": active_params, "input_tokens": input_tokens,
             "output_tokens": output_tokens, "latency_tokens_per_s": latency,
             "layers": layers, "hidden": hidden, "kv_width": kv_width,
             "price_usd_per_accelerator_hour": price}
    option = {"latency_tokens_per_s": "--latency-tokens-per-s",
              "price_usd_per_accelerator_hour": "--price"}
    if batch is not None:
        extra = [option.get(k, "--" + k.replace("_", "-")) for k, v in given.items() if v]
        if extra:
            raise GigaplanError(f"--batch: give the requests in the file or as options, not "
                                f"both (also given: {', '.join(extra)})")
        rows = _read_requests(batch)
        table = serving.plan(rows, a=a, label=lambda i, c: f"{batch} line {i + 2}, {c}")
    else:
        if params is None or system is None:
            raise GigaplanError("--params and --system: required (or --batch FILE)")
        row = {k: v for k, v in given.items() if v is not None} | {"precision": precision}
        table = serving.plan(pd.DataFrame([row], dtype=object), a=a,
                             label=lambda i, c: option.get(c, "--" + c.replace("_", "-")))
    from ..jsonable import records as json_records

    records = json_records(table)
    if as_json:
        emit_json(records if batch is not None else records[0])
        return
    for r in records:
        _print(r)


def _read_requests(path: Path):
    return read_rows(path).replace("", None)


def _print(r: dict) -> None:
    rows = [
        ("model", f"{r['params'] / 1e9:,.0f}B ({r['active_params'] / 1e9:,.0f}B active), "
                  f"{r['precision']}", r["name"] or ""),
        ("tokens/s per accelerator", f"{r['tokens_per_s_per_accelerator']:,.0f}",
         f"generated; {r['total_tokens_per_s_per_accelerator']:,.0f} with the prompt"),
        ("layout", f"tensor parallel {r['tensor_parallel']:.0f}, batch {r['batch']:.0f}",
         f"{r['user_tokens_per_s']:,.0f} tokens/s per user; limit: {r['limit']}"),
    ]
    if r["accelerators"] is not None:
        rows.append(("accelerators", f"{r['accelerators']:,.0f}", "for the demand at its "
                     "daily peak (serving.peak_to_mean)"))
    if r["usd_per_million_tokens"] is not None:
        rows.append(("$ per million tokens", f"${r['usd_per_million_tokens']:.3f}",
                     f"${r['usd_per_million_output_tokens']:.3f} per million generated; at "
                     f"${r['usd_per_accelerator_hour']:.2f}/h ({r['price_basis']})"))
    facts(rows)
