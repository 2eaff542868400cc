"""Training formulas: compute, time, model shape, memory per accelerator and the layout search.

Pure and vectorised: every function takes numbers or numpy arrays (broadcast). Parameters come
as a mapping of the ``training.*`` short names (``Assumptions.group("training")``); in
:func:`propose_layout` each may be an array with one value per run.

* **Compute** of a dense transformer run: ``C = 6 N D`` FLOP for N parameters and D tokens
  (forward 2ND + backward 4ND; Kaplan et al. 2020, arXiv 2001.08361, sec. 2.1; Hoffmann et al.
  2022, arXiv 2203.15556). A mixture-of-experts model uses its *active* parameters per token.
* **Time**: ``T = C / (n x peak x MFU x goodput)`` (MFU: Chowdhery et al. 2022, PaLM, arXiv
  2204.02311, appendix B).
* **Memory** per accelerator of a layout with tensor (t), pipeline (p), data (d) and expert (e)
  parallel degrees: ZeRO-sharded model states (Rajbhandari et al. 2020, arXiv 1910.02054) and
  activations with tensor + sequence parallelism and selective or full recomputation
  (Korthikanti et al. 2022, arXiv 2205.05198); layers and hidden size from the (active)
  parameters by ``N = 12 L h^2`` with ``h = 128 L`` when not given.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..assumptions import names as parameter_names
from ..constants import FLOP_PER_PARAM_TOKEN, GB
from ..reliability import checkpoint_bytes, compute_optimal_params

__all__ = [
    "FLOP_PER_PARAM_TOKEN", "LAYOUT_READS", "RECOMPUTE", "accelerators_for", "activation_bytes",
    "checkpoint_bytes", "compute_optimal_params", "effective_flops_per_s", "layout_candidates",
    "max_flops", "model_shape", "propose_layout", "state_bytes", "time_to_train_s",
    "training_flops",
]

RECOMPUTE = ("selective", "full")


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


#: The parameters :func:`propose_layout` reads: every ``training`` parameter but the MFUs.
LAYOUT_READS = tuple(n for n in parameter_names()
                     if n.startswith("training.") and not n.startswith("training.mfu."))


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
    par = Assumptions().group("training") if par is None else par
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

    pc = {k: v[:, None] if np.ndim(v) == 1 else v for k, v in par.items()}  # candidate axis
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
                             np.asarray(pc["max_expert_parallel"]).astype(np.int64)),
                 1).astype(float)
    need = (state_bytes(n_par[col], act[col], t, p, np.maximum(d, 1), e, z[col], pc)
            + activation_bytes(L[col], h[col], a[col], s[col], pc["micro_batch"], t, rc, pc))
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


def _given(value, shape) -> np.ndarray:
    if value is None:
        return np.full(shape, np.nan)
    return np.broadcast_to(np.asarray(value, dtype=float), shape)


def _given_or(value, default, shape) -> np.ndarray:
    v = _given(value, shape)
    return np.where(np.isnan(v), default, v)


