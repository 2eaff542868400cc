"""The serving roofline: tokens per second per accelerator for a model on a system.

A *replica* is ``t`` accelerators of one scale-up domain holding the model's weights sharded
by tensor (and, for mixture-of-experts, expert) parallelism. Per request it prefills
``input_tokens`` and decodes ``output_tokens``:

* **Prefill** is compute-bound: ``2 N_active + 2 L h n_in`` FLOP per input token (weights,
  and causal attention over on average half the prompt), at ``serving.prefill_mfu`` of the
  dense peak at the serving precision.
* **Decode** runs ``B`` sequences a step. A step reads the weights the batch touches (all of a
  dense model's; for a mixture of experts the share ``1 - (1 - a)^B`` of the experts, ``a`` =
  active / total, at least the active share) and every sequence's KV cache (``2 L n_kv d_h``
  values per token, at the mean context ``n_in + n_out / 2``) from HBM at
  ``serving.decode_bandwidth_efficiency`` of the peak bandwidth, and does
  ``2 N_active + 4 L h c`` FLOP per sequence at ``serving.decode_compute_efficiency`` of peak:
  the step takes the longer of the two plus ``serving.step_overhead_ms``.
* **Batch**: as large as the KV cache fits in what the weights leave of
  ``serving.hbm_usable_fraction`` of the replica's HBM, no larger than ``serving.max_batch``
  per accelerator of the replica,
  and small enough that a step keeps each user's rate at or above the latency target
  (tokens/s per user, the inverse of the time per output token).
* **FP4** weights keep an FP8 KV cache, and their compute reaches ``serving.fp4_efficiency``
  of what the FP4 peak would give (scale factors; attention and activations at FP8).
* **Mixture of experts**: decode keeps ``serving.moe_decode_efficiency`` of its roofline (the
  all-to-all dispatch and combine of tokens to experts, and small expert GEMMs).
* **Tensor parallelism** is the power of two up to the system's scale-up domain that gives the
  most output tokens per accelerator; each doubling keeps ``serving.tp_efficiency`` of the
  throughput (all-reduces over the scale-up network). A mixture of experts may spread over
  up to 64 accelerators beyond one domain (expert parallelism across nodes).

Per accelerator, output tokens/s = ``n_out / (n_in s_prefill + n_out t_step t / B)`` with
``s_prefill`` the accelerator-seconds per prefilled token. The binding *limit* is ``compute``
where prefill takes most of the time, else what sets the batch (``memory`` or ``latency``),
else what sets the step (``compute`` or ``bandwidth``).

References
----------
Pope et al. (2022), "Efficiently Scaling Transformer Inference", arXiv 2211.05102 (the
roofline of prefill and decode, KV cache size); Kwon et al. (2023), "Efficient Memory
Management for Large Language Model Serving with PagedAttention", SOSP (the KV cache bounds
the batch; vLLM's ``gpu_memory_utilization`` 0.9); Williams, Waterman & Patterson (2009),
"Roofline", CACM 52(4). Parameters: ``data/serving.csv`` (``gigaplan catalog serving``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["BYTES", "KV_BYTES", "LIMITS", "TP_CANDIDATES", "evaluate", "kv_bytes_per_token"]

#: Bytes per weight at each serving precision.
BYTES = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5}
#: Bytes per KV-cache value: FP4 weights keep an FP8 cache (as NVIDIA's FP4 submissions do).
KV_BYTES = {"bf16": 2.0, "fp8": 1.0, "fp4": 1.0}
LIMITS = ("compute", "bandwidth", "memory", "latency")
#: Tensor-parallel degrees tried (those up to the system's scale-up domain).
TP_CANDIDATES = (1, 2, 4, 8, 16, 32, 64)


def kv_bytes_per_token(layers, kv_width, precision_bytes) -> np.ndarray:
    """KV cache per token [bytes]: ``layers x kv_width x bytes`` (``kv_width`` = keys and
    values per layer: ``2 n_kv d_head`` for grouped-query attention, 576 for DeepSeek's MLA)."""
    return np.asarray(layers, float) * np.asarray(kv_width, float) * np.asarray(precision_bytes)


def _step(batch, weight_bytes, active_share, kv_per_seq, flops_per_seq, bandwidth, flops,
          overhead_s):
    """Decode step time [s] (and whether compute binds) of ``batch`` sequences."""
    touched = np.maximum(active_share, 1.0 - (1.0 - active_share) ** batch)
    t_mem = (weight_bytes * touched + batch * kv_per_seq) / bandwidth
    t_flop = batch * flops_per_seq / flops
    return np.maximum(t_mem, t_flop) + overhead_s, t_flop > t_mem


def _latency_batch(limit_s, cap, *args) -> np.ndarray:
    """The largest batch in [0, cap] whose step takes at most ``limit_s`` (bisection, every
    case at once: the step time rises with the batch)."""
    lo, hi = np.zeros_like(cap), cap.copy()
    for _ in range(int(np.ceil(np.log2(max(float(np.max(cap)), 2.0)))) + 1):
        mid = np.ceil((lo + hi) / 2.0)
        ok = _step(np.maximum(mid, 1.0), *args)[0] <= limit_s
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid - 1.0)
        hi = np.maximum(hi, lo)
    return lo


def _limit(prefill_bound, at_cap, memory_cap, latency, compute_bound) -> np.ndarray:
    """The binding limit (index into :data:`LIMITS`): compute where prefill takes most of the
    time; else what sets the batch (memory at the KV-cache bound, latency below it); else what
    sets the step (compute or bandwidth)."""
    step = np.where(compute_bound, 0, 1)
    batch = np.where(at_cap, np.where(memory_cap, 2, step), np.where(latency, 3, step))
    return np.where(prefill_bound, 0, batch)


def evaluate(model: Mapping, system: Mapping, p: Mapping) -> dict[str, np.ndarray]:
    """Serving throughput of each case (rows broadcast together), best tensor parallelism.

    Parameters
    ----------
    model : mapping of arrays
        ``params``, ``active_params`` [parameters], ``layers``, ``hidden`` (model width),
        optional ``attention_width`` (attention FLOP per context token per layer / 4:
        ``hidden`` for multi-head and grouped-query attention; ``n_heads (2 d_c + d_r) / 2``
        for DeepSeek's absorbed MLA, 128 x 1,088 / 2 = 69,632), ``kv_width`` (K and V values
        per token per layer), ``input_tokens``,
        ``output_tokens`` (per request), ``latency_tokens_per_s`` (per user; 0: none),
        ``bytes`` (per weight and KV value at the serving precision).
    system : mapping of arrays
        ``peak_flops`` [FLOP/s, dense at the precision], ``hbm_gb`` [GB],
        ``hbm_tb_s`` [TB/s], ``domain`` (accelerators in the scale-up domain).
    p : mapping
        ``serving.*`` parameters without the prefix.

    Returns
    -------
    dict of numpy.ndarray
        ``tokens_per_s_per_accelerator`` (output), ``total_tokens_per_s_per_accelerator``
        (input + output), ``decode_tokens_per_s_per_accelerator`` (output tokens/s of the
        decode phase alone, as disaggregated serving measures it), ``batch``,
        ``tensor_parallel``, ``limit`` (index into :data:`LIMITS`), ``step_s``,
        ``user_tokens_per_s``, ``fits`` (a layout exists).
    """
    m = {k: np.asarray(v, dtype=float) for k, v in model.items()}
    s = {k: np.asarray(v, dtype=float) for k, v in system.items()}
    tps = np.array(TP_CANDIDATES, dtype=float).reshape((-1,) + (1,) * max(
        np.broadcast(*m.values(), *s.values()).ndim, 1))
    ctx = m["input_tokens"] + m["output_tokens"] / 2.0
    weight = m["params"] * m["bytes"]
    kv_seq = kv_bytes_per_token(m["layers"], m["kv_width"], m.get("kv_bytes", m["bytes"])) * ctx
    attn = m.get("attention_width", m["hidden"])
    flops_seq = 2.0 * m["active_params"] + 4.0 * m["layers"] * attn * ctx
    hbm = tps * s["hbm_gb"] * 1e9 * p["hbm_usable_fraction"]
    # a dense model's replica stays in one scale-up domain; a mixture of experts may spread its
    # experts over several (expert parallelism over the scale-out network, as DeepSeek-V3's
    # serving does across nodes)
    moe = m["active_params"] < m["params"]
    fits = (weight < hbm) & ((tps <= np.maximum(s["domain"], 1.0)) | moe)
    mem_batch = np.floor(np.clip(hbm - weight, 0.0, None) / kv_seq)
    bandwidth = tps * s["hbm_tb_s"] * 1e12 * p["decode_bandwidth_efficiency"]
    # FP4 tensor cores reach a smaller share of their doubled peak (scale factors, attention
    # and activations at FP8): serving.fp4_efficiency
    fp4 = m["bytes"] < 1.0
    low = np.where(fp4, p["fp4_efficiency"], 1.0)
    flops = tps * s["peak_flops"] * p["decode_compute_efficiency"] * low
    args = (weight, m["active_params"] / m["params"], kv_seq, flops_seq, bandwidth, flops,
            p["step_overhead_ms"] / 1e3)
    cap = np.broadcast_to(np.minimum(mem_batch, p["max_batch"] * tps), np.broadcast(
        mem_batch, *args[:-1]).shape).astype(float)
    rate = np.broadcast_to(m["latency_tokens_per_s"], cap.shape)
    limit_s = np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)
    batch = np.where(np.isfinite(limit_s), _latency_batch(limit_s, cap, *args), cap)
    step, compute_bound = _step(np.maximum(batch, 1.0), *args)
    prefill_s = (2.0 * m["active_params"] + 2.0 * m["layers"] * attn * m["input_tokens"]
                 ) / (s["peak_flops"] * p["prefill_mfu"] * low)  # accelerator-seconds per token
    decode_s = step * tps / np.maximum(batch, 1.0)  # accelerator-seconds per output token
    decode_s = decode_s / np.where(moe, p["moe_decode_efficiency"], 1.0)
    comm = p["tp_efficiency"] ** np.log2(tps)
    request_s = (m["input_tokens"] * prefill_s + m["output_tokens"] * decode_s) / comm
    ok = fits & (batch >= 1.0)
    out_rate = np.where(ok, m["output_tokens"] / request_s, 0.0)
    best = np.argmax(out_rate, axis=0)
    pick = lambda x: np.take_along_axis(np.broadcast_to(x, out_rate.shape), best[None], 0)[0]  # noqa: E731
    b = pick(batch)
    limit = _limit(pick(m["input_tokens"] * prefill_s) > pick(m["output_tokens"] * decode_s),
                   b >= pick(cap) - 0.5, pick(mem_batch) <= p["max_batch"] * pick(tps),
                   np.isfinite(pick(limit_s)), pick(compute_bound))
    out = pick(out_rate)
    decode = pick(np.where(ok, 1.0 / (decode_s / comm), 0.0))
    return {"tokens_per_s_per_accelerator": out, "decode_tokens_per_s_per_accelerator": decode,
            "total_tokens_per_s_per_accelerator": out * (m["input_tokens"] + m["output_tokens"])
            / m["output_tokens"],
            "batch": b, "tensor_parallel": pick(tps), "limit": limit, "step_s": pick(step),
            "user_tokens_per_s": 1.0 / pick(step), "fits": pick(ok)}
