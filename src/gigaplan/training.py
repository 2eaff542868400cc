"""The training planner: compute, time, size and memory feasibility of a training run.

Formulas (``gigaplan catalog training`` lists every parameter with its source):

* **Compute** of a dense transformer run: ``C = 6 N D`` FLOP for N parameters and D tokens
  (forward 2ND + backward 4ND; Kaplan et al. 2020, arXiv 2001.08361, sec. 2.1; Hoffmann et al.
  2022, arXiv 2203.15556). A mixture-of-experts model uses its *active* parameters per token.
* **Time**: ``T = C / (n x peak x MFU x goodput)`` with ``peak`` the dense peak FLOP/s of one
  accelerator at the run's precision (catalog), MFU the model FLOPs utilisation (the share of
  peak that does model FLOPs while the job runs: Chowdhery et al. 2022, PaLM, arXiv 2204.02311,
  appendix B) and goodput the share of wall-clock time that moves the model forward. The same
  relation gives the accelerators needed for a deadline and the largest run that fits a window.
  MFU defaults come from the catalog per system and precision (published large runs, or marked
  as transferred from another system); goodput comes from the reliability model
  (:mod:`gigaplan.reliability`) for the run's size, system and checkpoint (its weights and
  optimizer state, 2 + 12 bytes per parameter), at the optimal checkpoint interval.
* **Memory** per accelerator of a layout with tensor (t), pipeline (p), data (d) and expert (e)
  parallel degrees: model states of mixed-precision Adam, 2 + 2 + 12 = 16 bytes per parameter,
  sharded over t x p (and the inactive expert parameters over e), with ZeRO stage 1/2/3
  sharding optimizer states / + gradients / + weights over d (Rajbhandari et al. 2020, ZeRO,
  arXiv 1910.02054, sec. 3 and 5); activations ``L s b h 34 / t`` bytes with tensor + sequence
  parallelism and selective recomputation, ``2 L s b h / t`` plus one layer's working set with
  full recomputation (Korthikanti et al. 2022, arXiv 2205.05198, sec. 4; with the 1F1B pipeline
  schedule the first stage holds p micro-batches of L/p layers, so L layers' worth whatever p).
  When the architecture is not given, layers and hidden size follow from the (active)
  parameters by ``N = 12 L h^2`` with ``h = 128 L`` (the aspect ratio of GPT-3 and Llama 3).

Every function takes numbers or numpy arrays (broadcast), so thousands of runs are planned in
one call: :func:`plan` takes a table of runs, :func:`train` one run, and :func:`schedule` places a
scenario's workloads on its growing fleet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from . import catalog, facility, fleet, reliability
from . import parameters as _parameters
from .errors import GigaplanError, UnknownNameError
from .jsonable import records
from .units import UnitError, parse_quantity

__all__ = [
    "PRECISIONS", "RECOMPUTE", "RUN_COLUMNS", "INPUT_COLUMNS", "FLOP_PER_PARAM_TOKEN",
    "parameters", "parameter_table", "params",
    "training_flops", "effective_flops_per_s", "time_to_train_s", "accelerators_for",
    "max_flops", "checkpoint_bytes", "compute_optimal_params", "run_goodput", "model_shape",
    "state_bytes", "activation_bytes", "layout_candidates",
    "propose_layout", "plan", "records", "train", "schedule",
]

FILE = "training.csv"
PRECISIONS = ("bf16", "fp8")
RECOMPUTE = ("selective", "full")
ZERO_STAGES = (0, 1, 2, 3)
#: FLOP per parameter per token of a training step: forward 2 + backward 4 (Kaplan et al. 2020).
FLOP_PER_PARAM_TOKEN = 6.0
SECONDS_PER_DAY = 86_400.0
GB = 1e9
#: Accelerators beyond which a deadline is treated as out of reach.
MAX_ACCELERATORS = 1e9
#: Rounds of the size-goodput fixed point before a deadline is declared out of reach.
FIXED_POINT_ROUNDS = 100

#: Columns a table of runs may have (``gigaplan train --batch``); only ``system`` is required.
INPUT_COLUMNS = ("name", "system", "precision", "flops", "params", "active_params", "tokens",
                 "count", "days", "mfu", "goodput", "seq_len", "layers", "hidden", "zero",
                 "region", "cooling", "distribution")


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------

def parameters() -> dict[str, _parameters.Parameter]:
    """The training-model parameters (``data/training.csv``) by name, with sources."""
    return _parameters.load(FILE)


def parameter_table() -> pd.DataFrame:
    """The training-model parameters as a DataFrame indexed by name."""
    return _parameters.table(FILE)


def params(**overrides: float | np.ndarray) -> dict[str, float | np.ndarray]:
    """Default parameter values with ``overrides``; unknown names and bad values raise
    :class:`~gigaplan.errors.GigaplanError`."""
    return _parameters.override(FILE, "training parameter", overrides)


# --------------------------------------------------------------------------------------------
# Compute and time (pure, broadcast)
# --------------------------------------------------------------------------------------------

def training_flops(params, tokens, active_params=None):
    """Training compute [FLOP] = 6 x N x D (Kaplan et al. 2020, sec. 2.1).

    ``params`` N and ``tokens`` D; for a mixture-of-experts model ``active_params`` (the
    parameters each token passes through) replaces N.

    >>> training_flops(405e9, 15.6e12)   # Llama 3 405B; the paper states 3.8e25
    3.7908e+25
    """
    n = np.asarray(params, dtype=float) if active_params is None else np.where(
        np.isnan(np.asarray(active_params, dtype=float)), params, active_params)
    out = FLOP_PER_PARAM_TOKEN * n * np.asarray(tokens, dtype=float)
    return float(out) if np.ndim(out) == 0 else out


def effective_flops_per_s(accelerators, peak_flops, mfu, goodput):
    """Model FLOP/s delivered over wall-clock time = n x peak [FLOP/s] x MFU x goodput."""
    return np.asarray(accelerators, dtype=float) * peak_flops * mfu * goodput


def time_to_train_s(flops, accelerators, peak_flops, mfu, goodput):
    """Wall-clock seconds to do ``flops`` of model compute: C / (n x peak x MFU x goodput)."""
    return np.asarray(flops, dtype=float) / effective_flops_per_s(accelerators, peak_flops, mfu,
                                                                   goodput)


def accelerators_for(flops, seconds, peak_flops, mfu, goodput):
    """Whole accelerators needed to do ``flops`` within ``seconds``: ceil(C / (T x peak x MFU x
    goodput))."""
    exact = np.asarray(flops, dtype=float) / (np.asarray(seconds, dtype=float) * peak_flops
                                              * mfu * goodput)
    return np.ceil(exact * (1 - 1e-12))  # 16,384.000000001 from rounding is still 16,384


def max_flops(accelerators, seconds, peak_flops, mfu, goodput):
    """The largest run [FLOP] that ``accelerators`` finish in ``seconds``."""
    return effective_flops_per_s(accelerators, peak_flops, mfu, goodput) * seconds


def checkpoint_bytes(params, par: Mapping | None = None):
    """Bytes of one checkpoint of ``params`` parameters: weights + optimizer state.

    (2 + 12) bytes per parameter for mixed-precision Adam (ZeRO sec. 3.1); gradients are not
    saved.
    """
    par = _default_params() if par is None else par
    return np.asarray(params, dtype=float) * (par["weight_bytes_per_param"]
                                              + par["optimizer_bytes_per_param"])


def compute_optimal_params(flops, par: Mapping | None = None):
    """Parameters N of the compute-optimal model for ``flops``: C = 6·N·(k·N), N = √(C / 6k).

    k = ``tokens_per_param`` (about 20; Hoffmann et al. 2022, Chinchilla). Sizes the checkpoint
    of a run known only by its compute.
    """
    par = _default_params() if par is None else par
    return np.sqrt(np.asarray(flops, dtype=float)
                   / (FLOP_PER_PARAM_TOKEN * par["tokens_per_param"]))


def run_goodput(accelerators, system, params, *, par: Mapping | None = None,
                **job_options) -> tuple[np.ndarray, np.ndarray]:
    """(goodput, optimal checkpoint interval [s]) of runs from the reliability model.

    Long-run goodput of a job on ``accelerators`` of ``system`` (one name, or an array of names
    broadcast with the counts) checkpointing ``params`` parameters at the exact optimal interval,
    planned maintenance included (:func:`gigaplan.reliability.analytic`). ``job_options`` go
    to :func:`gigaplan.reliability.job` (``async_checkpoint``, ``spares``).
    """
    n = np.asarray(accelerators, dtype=float)
    systems = np.broadcast_to(np.asarray(system, dtype=object), np.broadcast_shapes(
        np.shape(n), np.shape(params), np.shape(system)))
    n = np.broadcast_to(n, systems.shape)
    b = np.broadcast_to(checkpoint_bytes(params, par), systems.shape)
    goodput = np.empty(systems.shape)
    interval = np.empty(systems.shape)
    for name in np.unique(systems):
        at = systems == name
        j = reliability.job(np.maximum(n[at], 1.0), str(name), b[at], **job_options)
        goodput[at], interval[at] = reliability.long_run_goodput(j)
    return goodput, interval


def _goodput_note(accelerators, system, goodput, interval_s) -> str:
    j_rate, _ = reliability.job_rates_per_hour(accelerators, system)
    return (f"reliability model: {accelerators:,.0f} x {system} fail every "
            f"{1.0 / j_rate:,.2f} h, checkpoint every {interval_s / 60:,.1f} min "
            f"-> goodput {goodput:.3f} (rates: {reliability.rate_source(system)})")


# --------------------------------------------------------------------------------------------
# Model shape and memory (pure, broadcast)
# --------------------------------------------------------------------------------------------

def model_shape(active_params, hidden_per_layer=128.0, head_dim=128.0):
    """Layers L, hidden size h and attention heads a of a transformer of ``active_params``.

    ``N = 12 L h^2`` (Kaplan et al. 2020, sec. 2.1: attention 4h^2 + MLP 8h^2 per layer) with
    ``h = hidden_per_layer x L``; h is rounded to a multiple of 8 heads of ``head_dim`` (so
    tensor parallelism up to 8 divides the heads). 405B gives 127 layers of 16,384 (Llama 3
    405B: 126 of 16,384); 175B gives 96 of 12,288 (GPT-3).
    """
    n = np.asarray(active_params, dtype=float)
    layers = np.maximum(1.0, np.round(np.cbrt(n / (12.0 * hidden_per_layer ** 2))))
    quantum = 8.0 * head_dim
    hidden = np.maximum(quantum, np.round(np.sqrt(n / (12.0 * layers)) / quantum) * quantum)
    return layers, hidden, hidden / head_dim


def state_bytes(params, active_params, t, p, d, e, zero, par: Mapping):
    """Model-state bytes per accelerator: weights, gradients and optimizer states.

    Each accelerator holds ``active/(t p) + (params - active)/(t p e)`` parameters (the
    always-active part sharded by tensor and pipeline parallelism, the other experts also by
    expert parallelism; dense models have ``active = params``), times 2 + 2 + 12 bytes of
    mixed-precision Adam; ZeRO stage >= 1 divides the optimizer states by the data-parallel
    degree d, >= 2 also the gradients, 3 also the weights (Rajbhandari et al. 2020, sec. 5.1).
    """
    local = active_params / (t * p) + (params - active_params) / (t * p * e)
    zero = np.asarray(zero)
    w = par["weight_bytes_per_param"] * np.where(zero >= 3, 1.0 / d, 1.0)
    g = par["grad_bytes_per_param"] * np.where(zero >= 2, 1.0 / d, 1.0)
    o = par["optimizer_bytes_per_param"] * np.where(zero >= 1, 1.0 / d, 1.0)
    return local * (w + g + o)


def activation_bytes(layers, hidden, heads, seq_len, micro_batch, t, recompute, par: Mapping):
    """Activation bytes per accelerator (Korthikanti et al. 2022, sec. 4).

    Per layer with tensor + sequence parallelism: ``s b h (34 + 5 a s / h) / t`` without
    recomputation, ``s b h 34 / t`` with selective recomputation, ``2 s b h / t`` (the layer
    input) with full recomputation, which also needs one layer's full working set while it
    recomputes. With the 1F1B pipeline schedule the first stage holds L layers' worth in all.
    ``recompute`` is "selective" or "full" (arrays of those strings broadcast).
    """
    sbh = np.asarray(seq_len, dtype=float) * micro_batch * hidden
    full_layer = sbh * (par["activation_bytes_selective"]
                        + par["activation_bytes_attention"] * heads * seq_len / hidden) / t
    selective = layers * sbh * par["activation_bytes_selective"] / t
    full = layers * sbh * par["activation_bytes_full"] / t + full_layer
    return np.where(np.asarray(recompute) == "full", full, selective)


_T = 2 ** np.arange(0, 7)            # tensor parallel 1..64
_P = 2 ** np.arange(0, 9)            # pipeline parallel 1..256


def layout_candidates() -> pd.DataFrame:
    """The layouts :func:`propose_layout` considers: tensor parallel 1-64 and pipeline parallel
    1-256 (powers of two), each with selective and full recomputation."""
    t, p, r = np.meshgrid(_T, _P, np.arange(len(RECOMPUTE)), indexing="ij")
    return pd.DataFrame({"tensor_parallel": t.ravel(), "pipeline_parallel": p.ravel(),
                         "recompute": np.asarray(RECOMPUTE)[r.ravel()]})


def propose_layout(params, active_params, accelerators, hbm_gb, scale_up_domain, *, zero=1,
                   seq_len=None, layers=None, hidden=None, par: Mapping | None = None) -> dict:
    """The smallest tensor x pipeline layout whose memory fits, for each run (arrays broadcast).

    Preference, first that fits: the whole t x p group inside one scale-up domain (NVLink /
    ICI) with selective recomputation; t inside the domain and the pipeline across domains with
    selective recomputation; the same two with full recomputation. Within a tier, the smallest
    t x p, then the larger t (fewer pipeline bubbles). t must divide the heads; d = n // (t p).
    A run that fits no layout gets the layout needing the least memory, ``fits = False`` and
    its shortfall.

    Returns arrays: ``tensor_parallel``, ``pipeline_parallel``, ``data_parallel``,
    ``expert_parallel``, ``recompute``, ``within_scale_up``, ``memory_gb`` (per accelerator),
    ``usable_gb`` (HBM x usable share), ``fits``, ``shortfall_gb`` (all accelerators), and the
    shape used: ``layers``, ``hidden``, ``heads``.
    """
    par = _default_params() if par is None else par
    n_par = np.atleast_1d(np.asarray(params, dtype=float))
    shape = np.broadcast_shapes(n_par.shape, np.shape(active_params), np.shape(accelerators),
                                np.shape(hbm_gb), np.shape(scale_up_domain), np.shape(zero))
    n_par = np.broadcast_to(n_par, shape)
    act = np.broadcast_to(np.where(np.isnan(np.asarray(active_params, dtype=float)), n_par,
                                   active_params), shape)
    n = np.broadcast_to(np.asarray(accelerators, dtype=float), shape)
    s = np.broadcast_to(np.asarray(par["seq_len"] if seq_len is None else seq_len, dtype=float),
                        shape)
    inferred = model_shape(act, par["hidden_per_layer"], par["head_dim"])
    L = _given_or(layers, inferred[0], shape)
    h = _given_or(hidden, inferred[1], shape)
    a = np.where(np.isnan(_given(hidden, shape)), inferred[2], np.maximum(1.0, h / par["head_dim"]))
    dom = np.broadcast_to(np.asarray(scale_up_domain, dtype=float), shape)
    z = np.broadcast_to(np.asarray(zero, dtype=float), shape)

    cand = layout_candidates()
    t = cand["tensor_parallel"].to_numpy(dtype=float)[None, :]
    p = cand["pipeline_parallel"].to_numpy(dtype=float)[None, :]
    rc = cand["recompute"].to_numpy()[None, :]
    col = (slice(None), None)
    tp = t * p
    d = np.floor(n[col] / tp)
    valid = (d >= 1) & (t <= dom[col]) & (np.mod(a[col], t) == 0) & (p <= L[col])
    moe = act[col] < n_par[col]
    e = np.where(moe, np.gcd(np.maximum(d, 1).astype(np.int64),
                             int(par["max_expert_parallel"])), 1).astype(float)
    need = (state_bytes(n_par[col], act[col], t, p, np.maximum(d, 1), e, z[col], par)
            + activation_bytes(L[col], h[col], a[col], s[col], par["micro_batch"], t, rc, par))
    usable = np.asarray(hbm_gb, dtype=float) * par["hbm_usable"] * GB
    usable = np.broadcast_to(usable, shape)
    fits = valid & (need <= usable[col])
    within = tp <= dom[col]
    tier = np.where(rc == "full", 2, 0) + np.where(within, 0, 1)
    # lexicographic: tier, t*p, then larger t
    score = tier * 1e6 + tp - t / 1e3
    best_fit = np.argmin(np.where(fits, score, np.inf), axis=1)
    least = np.argmin(np.where(valid, need, np.inf), axis=1)
    any_fit = fits.any(axis=1)
    k = np.where(any_fit, best_fit, least)
    rows = np.arange(len(k))
    mem = need[rows, k]
    out = {
        "tensor_parallel": t[0, k].astype(int), "pipeline_parallel": p[0, k].astype(int),
        "data_parallel": d[rows, k].astype(int), "expert_parallel": e[rows, k].astype(int),
        "recompute": rc[0, k], "within_scale_up": within[0, k],
        "memory_gb": mem / GB, "usable_gb": usable / GB, "fits": any_fit,
        "shortfall_gb": np.where(any_fit, 0.0, (mem - usable) * n / GB),
        "layers": L, "hidden": h, "heads": a,
    }
    return out


def _default_params() -> dict[str, float]:
    """The default training parameters (``params`` is shadowed where this is used)."""
    return params()


def _given(value, shape) -> np.ndarray:
    if value is None:
        return np.full(shape, np.nan)
    return np.broadcast_to(np.asarray(value, dtype=float), shape)


def _given_or(value, default, shape) -> np.ndarray:
    v = _given(value, shape)
    return np.where(np.isnan(v), default, v)


# --------------------------------------------------------------------------------------------
# Runs: validation at the edge, then one vectorised evaluation
# --------------------------------------------------------------------------------------------

#: Output fields of a planned run, in order (``gigaplan train --json`` keys).
RUN_COLUMNS = (
    "name", "system", "precision", "mode", "flops", "params", "active_params", "tokens",
    "accelerators", "days", "accelerator_hours", "peak_flops_per_accelerator", "mfu",
    "mfu_source", "goodput", "goodput_source", "effective_flops_per_s", "it_mw", "pue",
    "facility_mw", "energy_mwh", "fits_memory", "memory_per_accelerator_gb", "usable_hbm_gb",
    "memory_shortfall_gb", "tensor_parallel", "pipeline_parallel", "data_parallel",
    "expert_parallel", "recompute", "within_scale_up", "layers", "hidden", "zero", "seq_len",
    "region", "cooling", "distribution", "note",
)

_KINDS = {"flops": "flop", "params": "parameters", "active_params": "parameters",
          "tokens": "tokens", "count": "count", "days": "days", "mfu": "fraction",
          "goodput": "fraction", "seq_len": "count", "layers": "count", "hidden": "count",
          "zero": "count"}


class _Problems:
    """Collects every problem of a table of runs, each naming its row and field."""

    def __init__(self, label):
        self.label, self.items, self.rows = label, [], set()

    def add(self, i: int, field: str, value, message: str) -> None:
        self.rows.add(i)
        self.items.append(f"{self.label(i, field)} = {value!r}: {message}")

    def missing(self, i: int, field: str, message: str) -> None:
        self.rows.add(i)
        self.items.append(f"{self.label(i, field)}: {message}")

    def raise_if_any(self, source: str) -> None:
        if not self.items:
            return
        where = f" in {source}" if source else ""
        head = f"{len(self.items)} problems{where}:\n  " if len(self.items) > 1 else ""
        shown = self.items[:20] + ([f"... and {len(self.items) - 20} more"]
                                   if len(self.items) > 20 else [])
        body = "\n  ".join(shown) if head else shown[0]
        raise GigaplanError(head + body if head else f"{source}: {body}" if source else body)


def _numeric(frame: pd.DataFrame, column: str, problems: _Problems) -> np.ndarray:
    """A column as floats (NaN where empty), reading unit strings like '405B' or '90 days'."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    raw = frame[column]
    values = np.array(pd.to_numeric(raw, errors="coerce"), dtype=float)
    text = raw.astype("string").str.strip()
    todo = np.flatnonzero(np.isnan(values) & text.notna().to_numpy() & (text != "").to_numpy())
    for i in todo:
        try:
            values[i] = parse_quantity(raw.iloc[i], _KINDS[column])
        except UnitError as exc:
            problems.add(i, column, raw.iloc[i], str(exc))
    return values


def _text(frame: pd.DataFrame, column: str, default: str | None) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), default, dtype=object)
    col = frame[column].astype("string").str.strip().str.lower()
    values = col.to_numpy(dtype=object, na_value=None)
    values[(values == None) | (values == "")] = default  # noqa: E711 (elementwise)
    return values


def _check_positive(values, column, problems, *, whole=False, fraction=False):
    for i in np.flatnonzero(~np.isnan(values)):
        v = values[i]
        if fraction and not 0 < v <= 1:
            problems.add(i, column, _plain(v), "expected a fraction in (0, 1]")
        elif not fraction and v <= 0:
            problems.add(i, column, _plain(v), "expected a number > 0")
        elif whole and not float(v).is_integer():
            problems.add(i, column, _plain(v), "expected a whole number")


def _plain(v: float):
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def plan(runs: pd.DataFrame | Sequence[Mapping] | Mapping, *, source: str = "",
         label=None, p: Mapping | None = None) -> pd.DataFrame:
    """Plan many training runs at once: one output row (:data:`RUN_COLUMNS`) per input row.

    Each row has a ``system`` and any of :data:`INPUT_COLUMNS`. Its size is ``flops``, or
    ``params`` and ``tokens`` (+ ``active_params`` for mixture-of-experts), or neither; with
    ``count`` the planner gives the time, with ``days`` the accelerators needed, with both (and
    no size) the largest run that fits (and, with ``params``, its tokens). ``mfu`` defaults to
    the catalog's, ``goodput`` to the reliability model's for the run's size and checkpoint
    (:func:`run_goodput`); ``zero`` (ZeRO stage, default 1),
    ``seq_len``, ``layers`` and ``hidden`` shape the memory model; ``region``, ``cooling`` and
    ``distribution`` the facility model that gives the run's PUE and energy.

    Every bad value is reported at once as a :class:`~gigaplan.errors.GigaplanError` naming the
    row (``label(i, field)`` formats where; default ``row N, field``) and ``source``.
    """
    frame = _frame(runs)
    label = label or (lambda i, field: f"row {i + 1}, {field}")
    problems = _Problems(label)
    par = params() if p is None else dict(p)
    n_rows = len(frame)
    unknown = [c for c in frame.columns if c not in INPUT_COLUMNS]
    if unknown:
        raise GigaplanError(f"{source + ': ' if source else ''}unknown column(s) "
                            f"{', '.join(map(repr, unknown))}; expected some of "
                            f"{', '.join(INPUT_COLUMNS)}")
    num = {c: _numeric(frame, c, problems) for c in _KINDS}
    parsed_badly = set(problems.rows)
    name = (frame["name"].astype("string").fillna("").to_numpy(dtype=object)
            if "name" in frame else np.full(n_rows, "", dtype=object))
    system = _text(frame, "system", None)
    precision = _text(frame, "precision", "bf16")
    region = _text(frame, "region", "ercot")
    cooling = _text(frame, "cooling", None)
    distribution = _text(frame, "distribution", "ac")

    for c in ("flops", "params", "active_params", "tokens", "count", "days", "seq_len",
              "layers", "hidden"):
        _check_positive(num[c], c, problems, whole=c in ("count", "seq_len", "layers", "hidden"))
    _check_positive(num["mfu"], "mfu", problems, fraction=True)
    _check_positive(num["goodput"], "goodput", problems, fraction=True)
    for i in np.flatnonzero(~np.isnan(num["zero"])):
        if num["zero"][i] not in ZERO_STAGES:
            problems.add(i, "zero", _plain(num["zero"][i]), "expected a ZeRO stage 0, 1, 2 or 3")

    names = catalog.accelerator_names()
    accs = {}
    for i in range(n_rows):
        sysname = system[i]
        if sysname is None:
            problems.missing(i, "system", "required: an accelerator system (gigaplan catalog "
                                      "accelerators)")
            continue
        if sysname not in names:
            problems.missing(i, "system", str(UnknownNameError("system", sysname, names)))
            continue
        acc = accs.setdefault(sysname, catalog.accelerator(sysname))
        if precision[i] not in PRECISIONS:
            problems.add(i, "precision", precision[i], f"expected one of {', '.join(PRECISIONS)}")
        elif not acc.supports(precision[i]):
            problems.add(i, "precision", precision[i],
                         f"{sysname} has no dense {precision[i]} throughput in the catalog; "
                         "use bf16")
        if i not in parsed_badly:
            _check_row_shape(i, num, problems)
        _check_site(i, acc, region[i], cooling[i], distribution[i], problems)
    problems.raise_if_any(source)

    # ---- vectorised from here on: inputs are valid
    acc_rows = [accs[s] for s in system]
    peak = np.array([a.peak_flops(pr) for a, pr in zip(acc_rows, precision, strict=True)])
    default_mfu = np.array([a.default_mfu(pr) for a, pr in zip(acc_rows, precision, strict=True)])
    mfu = np.where(np.isnan(num["mfu"]), default_mfu, num["mfu"])
    mfu_source = np.where(np.isnan(num["mfu"]), np.array(
        [f"catalog {a.name} {pr}: {a.mfu_source}" for a, pr in zip(acc_rows, precision,
                                                                      strict=True)], dtype=object),
        "given")
    given_goodput = ~np.isnan(num["goodput"])
    active = np.where(np.isnan(num["active_params"]), num["params"], num["active_params"])
    flops = np.where(np.isnan(num["flops"]), FLOP_PER_PARAM_TOKEN * active * num["tokens"],
                     num["flops"])
    count, days = num["count"].copy(), num["days"].copy()
    sized = ~np.isnan(flops)
    mode = np.where(sized & ~np.isnan(count), "time",
                    np.where(sized, "size", "largest"))
    seconds = days * SECONDS_PER_DAY
    # checkpointed parameters: the model's, else the compute-optimal model for its compute
    # (for the largest run: the failure-free compute of its accelerators over its days)
    ckpt_params = np.where(~np.isnan(num["params"]), num["params"], compute_optimal_params(
        np.where(sized, flops, count * peak * mfu * seconds), par))

    def goodput_at(n):
        g, tau = run_goodput(n, system, ckpt_params, par=par)
        return np.where(given_goodput, num["goodput"], g), tau

    # a deadline's size and the goodput of that size depend on each other: from goodput 1 the
    # sizes only grow, to the smallest size whose own goodput meets the deadline
    goodput = np.where(given_goodput, num["goodput"], 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        need = accelerators_for(flops, seconds, peak, mfu, goodput)
        settled = mode != "size"
        for _ in range(FIXED_POINT_ROUNDS):
            goodput, _tau = goodput_at(np.where(mode == "size", need, count))
            before, need = need, accelerators_for(flops, seconds, peak, mfu, goodput)
            settled = settled | (need == before) | ~(need < MAX_ACCELERATORS)
            if settled.all():
                break
        # past the reliability wall goodput falls faster than the job grows: no size will do
        wall = (mode == "size") & (~(need < MAX_ACCELERATORS) | ~settled)
        count = np.where(mode == "size", np.where(wall, np.nan, need), count)
        goodput, interval = goodput_at(np.where(np.isnan(count), 1.0, count))
        goodput = np.where(np.isnan(count), np.nan, goodput)
    note = np.where(wall, "no number of accelerators meets the deadline: past the reliability "
                          "wall goodput falls faster than the job grows (faster restarts move "
                          "the wall: gigaplan catalog reliability)",
                    np.where(goodput < 1e-3, "the job barely progresses: it fails faster than "
                                             "it restarts (reliability wall)", ""))
    goodput_source = np.array([
        "given" if given_goodput[i] else "" if wall[i] else
        _goodput_note(count[i], system[i], goodput[i], interval[i]) for i in range(n_rows)],
        dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_run = time_to_train_s(flops, count, peak, mfu, goodput)
        seconds = np.where(mode == "largest", seconds, t_run)
        flops = np.where(mode == "largest", max_flops(count, seconds, peak, mfu, goodput),
                         flops)
    tokens = np.where((mode == "largest") & ~np.isnan(active),
                      flops / (FLOP_PER_PARAM_TOKEN * np.where(np.isnan(active), 1.0, active)),
                      num["tokens"])

    hbm = np.array([a.hbm_gb for a in acc_rows])
    domain = np.array([a.scale_up_domain for a in acc_rows], dtype=float)
    zero = np.where(np.isnan(num["zero"]), 1.0, num["zero"])
    seq = np.where(np.isnan(num["seq_len"]), par["seq_len"], num["seq_len"])
    has_size = ~np.isnan(num["params"]) & ~wall
    lay = propose_layout(np.where(has_size, num["params"], 1e9),
                         np.where(has_size, active, 1e9), np.where(wall, 1.0, count), hbm,
                         domain, zero=zero,
                         seq_len=seq, layers=num["layers"], hidden=num["hidden"], par=par)

    it_mw = count * np.array([a.system_w_per_accelerator for a in acc_rows]) / 1e6
    pue = np.array([_site_pue(s, c, d, r) for s, c, d, r in
                    zip(system, cooling, distribution, region, strict=True)])
    load = facility.params()["it_load_factor"]
    hours = seconds / 3600.0
    out = pd.DataFrame({
        "name": name, "system": system, "precision": precision, "mode": mode,
        "flops": flops, "params": num["params"],
        "active_params": np.where(np.isnan(num["active_params"]), np.nan, active),
        "tokens": tokens, "accelerators": count, "days": seconds / SECONDS_PER_DAY,
        "accelerator_hours": count * hours, "peak_flops_per_accelerator": peak,
        "mfu": mfu, "mfu_source": mfu_source, "goodput": goodput,
        "goodput_source": goodput_source,
        "effective_flops_per_s": effective_flops_per_s(count, peak, mfu, goodput),
        "it_mw": it_mw, "pue": pue, "facility_mw": it_mw * load * pue,
        "energy_mwh": it_mw * load * pue * hours,
        "fits_memory": np.where(has_size, lay["fits"], None),
        "memory_per_accelerator_gb": np.where(has_size, lay["memory_gb"], np.nan),
        "usable_hbm_gb": lay["usable_gb"],
        "memory_shortfall_gb": np.where(has_size, lay["shortfall_gb"], np.nan),
        "tensor_parallel": np.where(has_size, lay["tensor_parallel"], None),
        "pipeline_parallel": np.where(has_size, lay["pipeline_parallel"], None),
        "data_parallel": np.where(has_size, lay["data_parallel"], None),
        "expert_parallel": np.where(has_size, lay["expert_parallel"], None),
        "recompute": np.where(has_size, lay["recompute"], None),
        "within_scale_up": np.where(has_size, lay["within_scale_up"], None),
        "layers": np.where(has_size, lay["layers"], np.nan),
        "hidden": np.where(has_size, lay["hidden"], np.nan),
        "zero": zero.astype(int), "seq_len": seq,
        "region": region, "cooling": [c or accs[s].cooling for c, s in zip(cooling, system,
                                                                          strict=True)],
        "distribution": distribution, "note": note,
    }, columns=list(RUN_COLUMNS))
    return out


def _check_row_shape(i: int, num: dict, problems: _Problems) -> None:
    """Which of size / count / days a row gives must make one question."""
    has = {k: not np.isnan(num[k][i]) for k in ("flops", "params", "tokens", "active_params",
                                                "count", "days")}
    if has["flops"] and (has["params"] or has["tokens"]):
        if has["tokens"]:
            problems.add(i, "flops", _plain(num["flops"][i]),
                         "give flops, or params and tokens, not both")
    if has["tokens"] and not has["params"] and not has["flops"]:
        problems.add(i, "tokens", _plain(num["tokens"][i]), "tokens need params (6 N D)")
    if has["active_params"] and has["params"] and num["active_params"][i] > num["params"][i]:
        problems.add(i, "active_params", _plain(num["active_params"][i]),
                     f"more than params ({num['params'][i]:.4g}); active parameters are a subset")
    sized = has["flops"] or has["tokens"]
    if sized and has["count"] and has["days"]:
        problems.add(i, "days", _plain(num["days"][i]),
                     "give count or days, not both, for a run of a given size (with both and "
                     "no size, the planner finds the largest run)")
    elif sized and not (has["count"] or has["days"]):
        problems.missing(i, "count", "give count (for the time) or days (for the "
                                     "accelerators needed)")
    elif not sized and not (has["count"] and has["days"]):
        problems.missing(i, "flops", "give flops, or params and tokens, or count and days "
                                     "(for the largest run that fits)")


def _check_site(i, acc, region, cooling, distribution, problems: _Problems) -> None:
    """The site options that give the run's PUE: a known region, cooling and distribution."""
    try:
        catalog.region(region)
    except UnknownNameError as exc:  # suggests regions by label too ("texas" -> ercot)
        problems.missing(i, "region", str(exc))
    if distribution not in facility.DISTRIBUTIONS:
        problems.add(i, "distribution", distribution,
                     f"expected one of {', '.join(facility.DISTRIBUTIONS)}")
    if cooling is not None and cooling not in facility.COOLING_TYPES:
        problems.add(i, "cooling", cooling, f"expected one of {', '.join(facility.COOLING_TYPES)}")
    elif cooling == "air" and acc.cooling == "liquid":
        problems.add(i, "cooling", cooling, f"{acc.name} needs liquid cooling; use 'liquid' or "
                                            "'hybrid'")


def _frame(runs) -> pd.DataFrame:
    if isinstance(runs, pd.DataFrame):
        return runs
    if isinstance(runs, Mapping):
        return pd.DataFrame([runs])
    return pd.DataFrame(list(runs))


@lru_cache(maxsize=256)
def _site_pue(system: str, cooling: str | None, distribution: str, region: str) -> float:
    """Annual PUE of a site of ``system`` (facility model; independent of the site's size)."""
    return facility.single_site(system, 1000, cooling=cooling, distribution=distribution,
                                region=region)["pue_annual"]


def train(system: str, *, flops: float | None = None, params: float | None = None,
          tokens: float | None = None, active_params: float | None = None,
          count: int | None = None, days: float | None = None, precision: str = "bf16",
          mfu: float | None = None, goodput: float | None = None, zero: int = 1,
          seq_len: int | None = None, layers: int | None = None, hidden: int | None = None,
          region: str = "ercot", cooling: str | None = None, distribution: str = "ac",
          name: str = "", p: Mapping | None = None, label=None) -> dict:
    """Plan one training run (see :func:`plan`); returns a JSON-ready dict of
    :data:`RUN_COLUMNS` (NaN becomes None).

    >>> r = train("h100-sxm", params=405e9, tokens=15.6e12, count=16384)
    >>> round(r["days"]), r["fits_memory"]
    (75, True)
    """
    row = {"name": name, "system": system, "precision": precision, "flops": flops,
           "params": params, "active_params": active_params, "tokens": tokens, "count": count,
           "days": days, "mfu": mfu, "goodput": goodput, "zero": zero, "seq_len": seq_len,
           "layers": layers, "hidden": hidden, "region": region, "cooling": cooling,
           "distribution": distribution}
    frame = pd.DataFrame([{k: (np.nan if v is None else v) for k, v in row.items()}])
    out = plan(frame, label=label or (lambda i, field: field), p=p)
    return records(out)[0]


# --------------------------------------------------------------------------------------------
# Workloads on the fleet
# --------------------------------------------------------------------------------------------

#: Columns of ``workloads.csv`` (one row per scenario workload).
WORKLOAD_COLUMNS = (
    "name", "status", "flops", "params", "active_params", "tokens", "precision", "deadline",
    "pool", "pool_kind", "system", "accelerators", "start", "finish", "days", "slack_days",
    "first_start_on_time", "mfu", "goodput", "effective_flops_per_s", "accelerator_hours",
    "it_mw", "pue", "facility_mw", "energy_mwh", "fits_memory", "tensor_parallel",
    "pipeline_parallel", "data_parallel", "memory_per_accelerator_gb", "note",
)


def _range_min(values: np.ndarray):
    """A sparse table answering min(values[l:r]) for arrays of l < r in O(1) each."""
    levels = [values]
    k = 1
    while 2 * k <= len(values):
        prev = levels[-1]
        levels.append(np.minimum(prev[:-k], prev[k:]))
        k *= 2

    def query(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        width = np.maximum(hi - lo, 1)
        j = np.floor(np.log2(width)).astype(int)
        out = np.empty(len(lo))
        for level in np.unique(j):
            sel = j == level
            arr = levels[level]
            out[sel] = np.minimum(arr[lo[sel]], arr[hi[sel] - (1 << level)])
        return out

    return query


def schedule(scenario, power: facility.FleetPower | None = None,
             p: Mapping | None = None) -> pd.DataFrame:
    """Place every workload of ``scenario`` on its fleet; one row per workload
    (:data:`WORKLOAD_COLUMNS`).

    A run uses one *pool*: the accelerators of one system at one owned site, or one contract
    (or, with the workload's ``multi_site = true``, every site and contract of that system).
    It takes all of the pool's free accelerators on the day it starts and keeps them until it
    finishes (the count may not drop below that while it runs: a contract that ends, or
    capacity another workload holds, shortens what it can take). Workloads are placed one at a
    time in deadline order; each gets the plan that finishes earliest (over every start day and
    pool, restricted to its ``system``, ``earliest_start``, ``max_days`` and precision, and to
    layouts whose memory fits), which reserves the accelerators it uses. ``first_start_on_time``
    is the first start day that would still meet the deadline. Energy uses the site's PUE over
    the run's months (facility model) or, on contracts, the ``contract_pue`` parameter.
    """
    par = params() if p is None else dict(p)
    if not scenario.workloads:
        return pd.DataFrame(columns=list(WORKLOAD_COLUMNS))
    power = facility.fleet_power(scenario) if power is None else power
    b = power.installed.blocks
    day0 = pd.Timestamp(scenario.horizon.start)
    last = max([pd.Timestamp(scenario.horizon.end)]
               + [pd.Timestamp(w.deadline) for w in scenario.workloads])
    days = pd.date_range(day0, last + pd.DateOffset(years=3), freq="D")
    frac = fleet.installed_fraction(days, b["start"].values, b["end"].values,
                                    b["ramp_months"].values)
    members: dict[tuple, np.ndarray] = {}
    member_system: dict[tuple, str] = {}
    for j, row in enumerate(b.itertuples()):
        key = (row.kind, row.owner, row.system)
        members[key] = members.get(key, 0.0) + frac[:, j] * row.accelerators
        member_system[key] = row.system
    reserved = {k: np.zeros(len(days)) for k in members}
    pue_site = _site_pue_by_month(power)
    load = facility.params()["it_load_factor"]

    order = sorted(range(len(scenario.workloads)),
                   key=lambda i: (scenario.workloads[i].deadline, i))
    rows: dict[int, dict] = {}
    for i in order:
        w = scenario.workloads[i]
        rows[i] = _place(w, days, members, member_system, reserved, par, pue_site, load)
    out = pd.DataFrame([rows[i] for i in range(len(scenario.workloads))],
                       columns=list(WORKLOAD_COLUMNS))
    for col in ("tensor_parallel", "pipeline_parallel", "data_parallel"):
        out[col] = out[col].astype("Int64")
    out["fits_memory"] = out["fits_memory"].astype("boolean")
    return out


def _site_pue_by_month(power: facility.FleetPower) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per owned site: month starts, facility MWh and IT MWh per month."""
    r, dates = power.result, power.inputs.dates
    return {name: (dates.values, r["energy_mwh"][:, k], r["it_energy_mwh"][:, k])
            for k, name in enumerate(power.inputs.sites)}


def _pools(w, members: dict, member_system: dict) -> list[tuple[str, str, str, list[tuple]]]:
    """(pool name, kind, system, member keys) the workload may use."""
    pools = []
    systems = sorted(set(member_system.values()))
    for sysname in systems:
        if w.system is not None and sysname != w.system:
            continue
        if not catalog.accelerator(sysname).supports(w.precision):
            continue
        keys = [k for k in members if member_system[k] == sysname
                and (w.use is None or k[1] in w.use)]
        if not keys:
            continue
        if w.multi_site:
            pools.append(("+".join(k[1] for k in keys), "multi-site", sysname, keys))
        else:
            for k in keys:
                pools.append((k[1], k[0], sysname, [k]))
    return pools


def _place(w, days, members, member_system, reserved, par, pue_site, load) -> dict:
    flops = (w.flops if w.flops is not None else
             training_flops(w.params, w.tokens, w.active_params))
    deadline = pd.Timestamp(w.deadline)
    first = max(days[0], pd.Timestamp(w.earliest_start) if w.earliest_start else days[0])
    base = {"name": w.name, "flops": flops, "params": w.params, "active_params": w.active_params,
            "tokens": w.tokens, "precision": w.precision, "deadline": deadline.date()}
    best = None
    on_time_start = None
    n_days = len(days)
    s0 = int((first - days[0]).days)
    starts = np.arange(s0, n_days - 1)
    for pool, kind, sysname, keys in _pools(w, members, member_system):
        acc = catalog.accelerator(sysname)
        peak = acc.peak_flops(w.precision)
        mfu = w.mfu if w.mfu is not None else acc.default_mfu(w.precision)
        ckpt = w.params if w.params is not None else compute_optimal_params(flops, par)
        free = sum(np.maximum(members[k] - reserved[k], 0.0) for k in keys)
        query = _range_min(free)
        n = np.floor(free[starts] + 1e-9)
        if w.max_accelerators is not None:
            n = np.minimum(n, math.floor(w.max_accelerators))
        ok = n >= 1
        dur = np.full(len(starts), np.inf)
        for _ in range(60):
            goodput = (np.full(len(n), w.goodput) if w.goodput is not None else
                       run_goodput(np.maximum(n, 1), sysname, ckpt, par=par)[0])
            dur = np.where(ok, time_to_train_s(flops, np.maximum(n, 1), peak, mfu, goodput)
                           / SECONDS_PER_DAY, np.inf)
            end = starts + np.ceil(dur - 1e-9)
            ok &= end <= n_days
            idx = np.flatnonzero(ok)
            if not len(idx):
                break
            m = np.floor(query(starts[idx], end[idx].astype(int)) + 1e-9)
            shrink = m < n[idx]
            if not shrink.any():
                break
            n[idx[shrink]] = m[shrink]
            ok[idx[shrink]] &= m[shrink] >= 1
        if w.max_days is not None:
            ok &= dur <= w.max_days
        lay, row_of = None, None
        if w.params is not None and ok.any():
            idx = np.flatnonzero(ok)
            lay = propose_layout(w.params, np.nan if w.active_params is None else w.active_params,
                                 n[idx], acc.hbm_gb, acc.scale_up_domain, par=par)
            ok[idx] &= lay["fits"]
            row_of = np.full(len(starts), -1)
            row_of[idx] = np.arange(len(idx))
        if not ok.any():
            continue
        finish_days = np.where(ok, starts + dur, np.inf)
        k = int(np.argmin(finish_days))
        deadline_day = (deadline - days[0]) / pd.Timedelta(days=1)
        on_time = np.flatnonzero(ok & (finish_days <= deadline_day))
        if len(on_time):
            cand = days[starts[on_time[0]]]
            on_time_start = cand if on_time_start is None else min(on_time_start, cand)
        if best is None or finish_days[k] < best["finish_days"]:
            best = {"finish_days": finish_days[k], "start_idx": int(starts[k]), "n": float(n[k]),
                    "dur": float(dur[k]), "pool": pool, "kind": kind, "system": sysname,
                    "keys": keys, "mfu": mfu, "goodput": float(goodput[k]), "peak": peak,
                    "acc": acc,
                    "layout": None if lay is None else
                    {key: value[row_of[k]] for key, value in lay.items()
                     if np.ndim(value) == 1 and len(value) == len(idx)}}
    if best is None:
        return {**base, "status": "no capacity",
                "note": _why_none(w, members, member_system)}
    s, dur, n = best["start_idx"], best["dur"], best["n"]
    end = s + int(math.ceil(dur - 1e-9))
    free_at = np.array([max(members[k][s] - reserved[k][s], 0.0) for k in best["keys"]])
    share = free_at / free_at.sum()
    for key, part in zip(best["keys"], share, strict=True):
        reserved[key][s:end] += n * part
    start = days[s]
    finish = start + pd.to_timedelta(dur, unit="D")
    acc = best["acc"]
    it_mw = n * acc.system_w_per_accelerator / 1e6
    pue_parts = []
    for key, part in zip(best["keys"], share, strict=True):
        if key[0] == "site" and key[1] in pue_site:
            pue_parts.append(part * _pue_between(pue_site[key[1]], start, finish))
        else:
            pue_parts.append(part * par["contract_pue"])
    pue = float(sum(pue_parts))
    lay = best["layout"]
    slack = (deadline - finish) / pd.Timedelta(days=1)
    hours = dur * 24.0
    return {
        **base, "status": "on time" if finish <= deadline else "late",
        "pool": best["pool"], "pool_kind": best["kind"], "system": best["system"],
        "accelerators": n, "start": start.date(), "finish": finish.date(), "days": dur,
        "slack_days": slack,
        "first_start_on_time": on_time_start.date() if on_time_start is not None else None,
        "mfu": best["mfu"], "goodput": best["goodput"],
        "effective_flops_per_s": float(effective_flops_per_s(n, best["peak"], best["mfu"],
                                                             best["goodput"])),
        "accelerator_hours": n * hours, "it_mw": it_mw, "pue": pue,
        "facility_mw": it_mw * load * pue, "energy_mwh": it_mw * load * pue * hours,
        "fits_memory": None if lay is None else bool(lay["fits"]),
        "tensor_parallel": None if lay is None else int(lay["tensor_parallel"]),
        "pipeline_parallel": None if lay is None else int(lay["pipeline_parallel"]),
        "data_parallel": None if lay is None else int(lay["data_parallel"]),
        "memory_per_accelerator_gb": None if lay is None else float(lay["memory_gb"]),
        "note": "" if lay is not None else "memory not checked: give params and tokens",
    }


def _pue_between(site: tuple, start: pd.Timestamp, finish: pd.Timestamp) -> float:
    """Energy-weighted PUE of a site over the months a run overlaps (the last 12 modelled
    months when the run is after the horizon)."""
    months, energy, it = site
    m = months.astype("datetime64[M]")
    sel = (m >= np.datetime64(start, "M")) & (m <= np.datetime64(finish, "M")) & (it > 0)
    if not sel.any():
        sel = np.zeros(len(m), dtype=bool)
        live = np.flatnonzero(it > 0)
        sel[live[-12:]] = True
    return float(energy[sel].sum() / it[sel].sum())


def _why_none(w, members, member_system) -> str:
    systems = sorted(set(member_system.values()))
    if w.system is not None and w.system not in systems:
        return f"the fleet has no {w.system}"
    if w.use is not None and not any(k[1] in w.use and (w.system is None or s == w.system)
                                     for k, s in member_system.items()):
        return f"none of {', '.join(w.use)} has {w.system or 'accelerators'}"
    usable = [s for s in systems if catalog.accelerator(s).supports(w.precision)
              and (w.system is None or s == w.system)]
    if not usable:
        return f"no system in the fleet supports {w.precision}"
    return ("no pool finishes the run within the planning window (horizon end or deadline + 3 "
            "years), or its memory does not fit any pool")
