"""Serving plans as a table: one row per (model, system, demand), every row at once.

:func:`plan` reads a table of requests (:data:`INPUT_COLUMNS`; a missing architecture is
filled from the parameter count) and returns :data:`OUTPUT_COLUMNS`: the throughput the
roofline gives (:func:`gigaplan.serving.model.evaluate`), the accelerators a demand needs at
its daily peak, and the cost per million tokens at a price per accelerator-hour (given, or
gigaplan's cost of owning the system, or the market's rent where the catalog has no price).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from .. import catalog
from ..assumptions import Assumptions, one_set
from ..errors import GigaplanError
from .model import BYTES, KV_BYTES, LIMITS, evaluate

__all__ = ["DEFAULTS", "INPUT_COLUMNS", "OUTPUT_COLUMNS", "ServingError", "plan", "request_arrays",
           "request_row"]

#: Request defaults where a row leaves them out (assumptions, stated in the README): a chat
#: request of 2,000 prompt tokens and 500 generated, no latency target, BF16, grouped-query
#: attention of 8 KV heads of 128 (Llama 3's).
DEFAULTS = {"input_tokens": 2000.0, "output_tokens": 500.0, "latency_tokens_per_s": 0.0,
            "precision": "bf16", "kv_heads": 8.0, "head_dim": 128.0}
INPUT_COLUMNS = ("name", "params", "active_params", "system", "tokens_per_day", "input_tokens",
                 "output_tokens", "latency_tokens_per_s", "precision", "layers", "hidden",
                 "attention_width", "kv_heads", "head_dim", "kv_width",
                 "price_usd_per_accelerator_hour")
OUTPUT_COLUMNS = ("name", "system", "precision", "params", "active_params",
                  "tokens_per_s_per_accelerator", "total_tokens_per_s_per_accelerator",
                  "decode_tokens_per_s_per_accelerator",
                  "tensor_parallel", "batch", "user_tokens_per_s", "limit", "accelerators",
                  "usd_per_accelerator_hour", "price_basis", "usd_per_million_tokens",
                  "usd_per_million_output_tokens", "note")


#: The unit kind of each numeric input column (:func:`gigaplan.units.parse_quantity`).
KINDS = {"params": "parameters", "active_params": "parameters", "tokens_per_day": "tokens",
         "input_tokens": "tokens", "output_tokens": "tokens", "latency_tokens_per_s": "count",
         "layers": "count", "hidden": "count", "attention_width": "count",
         "kv_heads": "count", "head_dim": "count",
         "kv_width": "count", "price_usd_per_accelerator_hour": "usd_per_hour"}


class ServingError(GigaplanError):
    """A serving request that cannot be planned (the row and the field named)."""


def _parsed(t: pd.DataFrame, label) -> pd.DataFrame:
    """Every numeric column read with its unit ("70B", "1T", "$2.50/h"); a cell that does not
    parse is named by ``label(row, column)``."""
    from ..units import UnitError, parse_quantity

    out, problems = t.copy(), []
    for col, kind in KINDS.items():
        if col not in t:
            continue
        values = []
        for i, v in enumerate(t[col]):
            if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "":
                values.append(np.nan)
                continue
            try:
                values.append(parse_quantity(v if isinstance(v, str) else float(v), kind))
            except (UnitError, ValueError, TypeError) as exc:
                problems.append(f"{label(i, col)} = {v!r}: {exc}")
                values.append(np.nan)
        out[col] = np.array(values, dtype=float)
    _raise(problems)
    return out


@cache
def _price(system: str) -> tuple[float, str]:
    """Default price per accelerator-hour of ``system``: gigaplan's levelised cost of owning
    it (a 100,000-accelerator site), else the geometric middle of the market's rent."""
    from ..finance.site import cost
    from ..market import market_range

    acc = catalog.accelerator(system)
    if acc.price_usd == acc.price_usd:
        return cost(system, 100_000).usd_per_accelerator_hour, "gigaplan cost of owning"
    rng = market_range("rent_usd_per_accelerator_hour", system)
    if rng is not None:
        return math.sqrt(rng["low"] * rng["high"]), f"market rent ({rng['source']})"
    return math.nan, "none: give price_usd_per_accelerator_hour"


def _column(t: pd.DataFrame, name: str, default=np.nan) -> np.ndarray:
    if name not in t:
        return np.full(len(t), default, dtype=float)
    return pd.to_numeric(t[name], errors="coerce").fillna(default).to_numpy(dtype=float)


def _raise(problems: list[str]) -> None:
    if problems:
        raise ServingError(f"{len(problems)} problem{'s' if len(problems) > 1 else ''} in the "
                           "serving requests:\n  " + "\n  ".join(problems))


def _check(t: pd.DataFrame, label) -> None:
    problems = []
    for i, row in enumerate(t.to_dict(orient="records")):
        for col in ("params", "tokens_per_day", "input_tokens", "output_tokens"):
            v = row.get(col)
            if v is not None and v == v and not v > 0:
                problems.append(f"{label(i, col)} = {v:g}: expected a positive number")
        for col in ("latency_tokens_per_s", "price_usd_per_accelerator_hour"):
            v = row.get(col)
            if v is not None and v == v and v < 0:
                problems.append(f"{label(i, col)} = {v:g}: expected zero or more")
        a = row.get("active_params")
        if a is not None and a == a and not 0 < a <= row["params"]:
            problems.append(f"{label(i, 'active_params')} = {a:g}: expected at most params")
        if row["precision"] not in BYTES:
            problems.append(f"{label(i, 'precision')} = {row['precision']!r}: expected "
                            f"{' or '.join(BYTES)}")
        elif not catalog.accelerator(row["system"]).supports(row["precision"]):
            problems.append(f"{label(i, 'precision')}: {row['system']} has no dense "
                            f"{row['precision']} figure")
    _raise(problems)


def request_row(w, system: str) -> dict:
    """One request (:data:`INPUT_COLUMNS`) of served model ``w`` (a scenario's ``[[serving]]``
    or an optimize problem's) on ``system``."""
    return {"name": w.name, "params": w.params, "active_params": w.active_params,
            "system": system, "precision": w.precision, "input_tokens": w.input_tokens,
            "output_tokens": w.output_tokens, "latency_tokens_per_s": w.latency_tokens_per_s}


def request_arrays(t: pd.DataFrame) -> tuple[dict, dict]:
    """The model and system arrays of :func:`evaluate`, architecture filled in."""
    from ..training.formulas import model_shape

    params = _column(t, "params")
    active = np.where(np.isnan(_column(t, "active_params")), params, _column(t, "active_params"))
    layers0, hidden0, _ = model_shape(active)
    layers = np.where(np.isnan(_column(t, "layers")), layers0, _column(t, "layers"))
    hidden = np.where(np.isnan(_column(t, "hidden")), hidden0, _column(t, "hidden"))
    kv = 2.0 * _column(t, "kv_heads", DEFAULTS["kv_heads"]) * _column(
        t, "head_dim", DEFAULTS["head_dim"])
    kv = np.where(np.isnan(_column(t, "kv_width")), kv, _column(t, "kv_width"))
    precision = t["precision"].to_numpy()
    accs = [catalog.accelerator(s) for s in t["system"]]
    attn = np.where(np.isnan(_column(t, "attention_width")), hidden,
                    _column(t, "attention_width"))
    model = {"params": params, "active_params": active, "layers": layers, "hidden": hidden,
             "attention_width": attn,
             "kv_width": kv, "bytes": np.array([BYTES[x] for x in precision]),
             "kv_bytes": np.array([KV_BYTES[x] for x in precision]),
             "input_tokens": _column(t, "input_tokens", DEFAULTS["input_tokens"]),
             "output_tokens": _column(t, "output_tokens", DEFAULTS["output_tokens"]),
             "latency_tokens_per_s": _column(t, "latency_tokens_per_s", 0.0)}
    system = {"peak_flops": np.array([a.peak_flops(x) for a, x in zip(accs, precision,
                                                                     strict=True)]),
              "hbm_gb": np.array([a.hbm_gb for a in accs], dtype=float),
              "hbm_tb_s": np.array([a.hbm_tb_s for a in accs], dtype=float),
              "domain": np.array([a.scale_up_domain for a in accs], dtype=float)}
    return model, system


def plan(requests: pd.DataFrame, a: Assumptions | None = None, label=None) -> pd.DataFrame:
    """Serving plan of every row of ``requests`` (:data:`INPUT_COLUMNS`; ``params`` and
    ``system`` required; numbers may carry units, "70B"), as a table of
    :data:`OUTPUT_COLUMNS`. ``label(row, column)`` names a bad cell (default "row N column").

    Raises :class:`ServingError` naming every bad row, and for a model whose weights fit in
    no layout of its system's scale-up domain.
    """
    a = one_set(a, "a serving plan")
    label = label or (lambda i, col: f"row {i + 1} {col}")
    unknown = [c for c in requests.columns if c not in INPUT_COLUMNS]
    if unknown:
        raise ServingError(f"unknown columns {', '.join(map(repr, unknown))}: expected some of "
                           f"{', '.join(INPUT_COLUMNS)}")
    for col in ("params", "system"):
        if col not in requests or requests[col].isna().any():
            raise ServingError(f"{col}: required in every request (e.g. params 70B, system "
                               "h100-sxm)")
    t = _parsed(requests.reset_index(drop=True), label)
    t["precision"] = (t["precision"].fillna(DEFAULTS["precision"]).astype(str).str.strip()
                      .str.lower() if "precision" in t else DEFAULTS["precision"])
    for s in t["system"]:
        catalog.accelerator(s)
    _check(t.assign(**{c: _column(t, c) for c in ("params", "active_params", "tokens_per_day",
                                                  "input_tokens", "output_tokens",
                                                  "latency_tokens_per_s",
                                                  "price_usd_per_accelerator_hour")}), label)
    p = {k: float(v) for k, v in a.group("serving").items()}
    model, system = request_arrays(t)
    r = evaluate(model, system, p)
    bad = np.flatnonzero(~r["fits"])
    _raise([f"{label(i, 'params')} = {model['params'][i]:.3g} on {t['system'][i]}: no layout "
            f"of its scale-up domain ({system['domain'][i]:.0f} x {system['hbm_gb'][i]:.0f} GB) "
            "holds the weights with room for a sequence, or meets the latency target at batch "
            "1: use a smaller model, FP8, a lower --latency-tokens-per-s or a system with more "
            "HBM" for i in bad])
    return _table(t, model, r, p)


def _table(t: pd.DataFrame, model: dict, r: dict, p: dict) -> pd.DataFrame:
    names = t["name"].fillna("").astype(str) if "name" in t else pd.Series([""] * len(t))
    given = _column(t, "price_usd_per_accelerator_hour")
    prices = [(g, "given") if g == g else _price(s) for g, s in zip(given, t["system"],
                                                                     strict=True)]
    price = np.array([x[0] for x in prices])
    demand = _column(t, "tokens_per_day")
    tp = r["tensor_parallel"]
    total = r["total_tokens_per_s_per_accelerator"]
    acc = np.ceil(demand / 86_400.0 * p["peak_to_mean"] / total / tp) * tp
    out = pd.DataFrame({
        "name": names, "system": t["system"], "precision": t["precision"],
        "params": model["params"], "active_params": model["active_params"],
        "tokens_per_s_per_accelerator": r["tokens_per_s_per_accelerator"],
        "total_tokens_per_s_per_accelerator": total,
        "decode_tokens_per_s_per_accelerator": r["decode_tokens_per_s_per_accelerator"],
        "tensor_parallel": tp,
        "batch": r["batch"], "user_tokens_per_s": r["user_tokens_per_s"],
        "limit": [LIMITS[int(k)] for k in r["limit"]], "accelerators": acc,
        "usd_per_accelerator_hour": price, "price_basis": [x[1] for x in prices],
        "usd_per_million_tokens": price / (total * 3600.0) * 1e6,
        "usd_per_million_output_tokens": price / (r["tokens_per_s_per_accelerator"] * 3600.0)
        * 1e6,
        "note": "",
    })
    return out[list(OUTPUT_COLUMNS)]
