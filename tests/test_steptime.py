"""The step-time model (gigaplan.training.steptime): measured GEMMs, published runs, properties,
the layout search."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan import catalog
from gigaplan.assumptions import Assumptions
from gigaplan.errors import GigaplanError
from gigaplan.training import steptime
from gigaplan.training.steptime import Model, gemm_efficiency, gemm_seconds, search, step_time

# ------------------------------------------------------------------------ measured GEMMs


@pytest.mark.parametrize("n, precision, measured", [
    # one H100 SXM 80GB at its 700 W limit, torch 2.11 + CUDA 13, 2026-11-23
    (8192, "bf16", 672.6e12), (16384, "bf16", 683.2e12), (16384, "fp8", 1216.2e12)])
def test_the_measured_h100_gemms_are_reproduced_within_5_percent(n, precision, measured):
    acc, f = catalog.accelerator("h100-sxm"), steptime.fabric("h100-sxm")
    frac = f.gemm_fp8 if precision == "fp8" else f.gemm_bf16
    seconds = gemm_seconds(n, n, n, acc.peak_flops(precision), frac)
    assert 2.0 * n ** 3 / seconds == pytest.approx(measured, rel=0.05)


@settings(max_examples=60, deadline=None)
@given(small=st.floats(1e-3, 1e4), factor=st.floats(1.0, 100.0))
def test_a_larger_gemm_is_never_less_efficient(small, factor):
    assert gemm_efficiency(small * factor, 0.7) >= gemm_efficiency(small, 0.7)


# ------------------------------------------------------------------------ published runs

GPT = dict(vocab=51200, seq_len=2048)
LLAMA_405B = Model(126, 16384, 128, seq_len=8192, vocab=128256, ffn=53248, kv_heads=8,
                   gated=True)
LLAMA_70B = dict(layers=80, hidden=8192, heads=64, vocab=128256, ffn=28672, kv_heads=8,
                 gated=True)

#: (name, model, system, precision, (t, p, d, micro-batch, v, recompute, ZeRO), global batch
#: [sequences], published step [s]). Step times are the sources' own or derived from their
#: throughput: batch tokens / (tokens per second). A100 runs used Megatron-LM without
#: data-parallel overlap (Korthikanti et al.: "no overlap of the gradient all-reduce";
#: MegaScale Table 3 adds it as its own optimisation).
RUNS = [
    # Korthikanti et al. 2022 (arXiv 2205.05198) Table 5 (sequence parallel + selective
    # recompute, s 2048, V 51,200, A100); the 530B with 8-way DP from the text
    ("korthikanti-22b", Model(48, 6144, 64, **GPT), "a100-sxm", "bf16",
     (8, 1, 1, 4, 1, "selective", 1), 4, 1.10),
    ("korthikanti-175b", Model(96, 12288, 96, **GPT), "a100-sxm", "bf16",
     (8, 8, 1, 1, 3, "selective", 1), 64, 13.75),
    ("korthikanti-530b", Model(105, 20480, 128, **GPT), "a100-sxm", "bf16",
     (8, 35, 1, 1, 3, "selective", 1), 280, 37.83),
    ("korthikanti-1t", Model(128, 25600, 160, **GPT), "a100-sxm", "bf16",
     (8, 64, 1, 1, 1, "selective", 1), 512, 71.49),
    ("korthikanti-530b-dp8", Model(105, 20480, 128, **GPT), "a100-sxm", "bf16",
     (8, 35, 8, 1, 3, "selective", 1), 2240, 39.15),
    # Narayanan et al. 2021 (SC21, arXiv 2104.04473) Table 1 with the micro-batches of
    # examples/sc21/run_table_1.sh, full recompute; step = eq. 3 FLOP / (n x achieved)
    ("narayanan-18b", Model(40, 6144, 48, **GPT), "a100-sxm", "bf16",
     (8, 1, 32, 8, 1, "full", 1), 1024, 9.40),
    ("narayanan-39b", Model(48, 8192, 64, **GPT), "a100-sxm", "bf16",
     (8, 2, 32, 4, 1, "full", 1), 1536, 14.45),
    ("narayanan-146b", Model(80, 12288, 96, **GPT), "a100-sxm", "bf16",
     (8, 8, 24, 2, 2, "full", 1), 2304, 24.82),
    ("narayanan-1t", Model(128, 25600, 160, **GPT), "a100-sxm", "bf16",
     (8, 64, 6, 1, 1, "full", 1), 3072, 102.6),
    # Jiang et al. 2024 (MegaScale, NSDI'24) Table 2: the Megatron-LM baseline, 175B on 12,288
    # GPUs, batch 6,144, V 64,000, 6 virtual stages: 8.57 s
    ("megascale-megatron-175b", Model(96, 12288, 128, vocab=64000, seq_len=2048), "a100-sxm",
     "bf16", (8, 8, 192, 1, 6, "selective", 1), 6144, 8.57),
    # Dubey et al. 2024 (Llama 3, arXiv 2407.21783) Table 4: 16M-token batches of 8,192 tokens;
    # 430 and 400 TFLOP/s per GPU give 11.6-12.1 s and 6.2-6.5 s (without / with causal
    # attention); the virtual stages are not stated: 4, NVIDIA's 405B recipe at 16 stages
    ("llama3-405b-8k", LLAMA_405B, "h100-sxm", "bf16", (8, 16, 64, 1, 4, "none", 1), 2048,
     11.85),
    ("llama3-405b-16k", LLAMA_405B, "h100-sxm", "bf16", (8, 16, 128, 1, 4, "none", 1), 2048,
     6.35),
    # NVIDIA Megatron-Bridge performance summary (26.02, 2026), FP8 current scaling
    ("nvidia-405b-gb200", LLAMA_405B, "gb200-nvl72", "fp8", (4, 16, 4, 1, 4, "none", 1),
     1536, 62.0),
    ("nvidia-405b-gb300", LLAMA_405B, "gb300-nvl72", "fp8", (4, 8, 8, 1, 4, "none", 1),
     1536, 49.7),
    ("nvidia-70b-h100", Model(seq_len=8192, **LLAMA_70B), "h100-sxm", "fp8",
     (4, 8, 2, 1, 5, "none", 1), 256, 20.2),
    ("nvidia-70b-gb200-fsdp", Model(seq_len=8192, **LLAMA_70B), "gb200-nvl72", "fp8",
     (1, 1, 64, 2, 1, "none", 3), 256, 8.11),
    # NVIDIA NeMo performance summary (24.07 container, DGX H100, FP8)
    ("nemo-gpt3-175b-h100", Model(96, 12288, 96, **GPT), "h100-sxm", "fp8",
     (4, 8, 4, 1, 6, "none", 1), 256, 5.64),
    ("nemo-llama2-70b-h100", Model(seq_len=4096, **{**LLAMA_70B, "vocab": 32000}), "h100-sxm",
     "fp8", (4, 4, 4, 1, 20, "none", 1), 128, 4.80),
    # MosaicML llm-foundry benchmarks (2023): FSDP, 2,048-token sequences, tokens/s per GPU
    ("mpt-7b-h100", Model(32, 4096, 32, seq_len=2048, vocab=50432), "h100-sxm", "bf16",
     (1, 1, 8, 6, 1, "none", 3), 48, 48 * 2048 / (10643 * 8)),
    ("mpt-70b-h100", Model(80, 8192, 64, seq_len=2048, vocab=50432), "h100-sxm", "bf16",
     (1, 1, 64, 8, 1, "full", 3), 2048, 2048 * 2048 / (1039 * 64)),
    # Chowdhery et al. 2022 (PaLM, arXiv 2204.02311): 540B on 6,144 TPU v4, 12-way model and
    # 512-way data parallel, 238.3K tokens/s at 2,048 sequences of 2,048 tokens
    ("palm-540b-tpu-v4", Model(118, 18432, 48, seq_len=2048, vocab=256000, ffn=73728,
                                kv_heads=1, gated=True), "tpu-v4", "bf16",
     (12, 1, 512, 1, 1, "selective", 3), 2048, 2048 * 2048 / 238.3e3),
]
#: Misses beyond 15%, explained:
#: - korthikanti-1t (+19%): the A100's GEMM fraction comes from the 22B model's per-layer time
#:   (Korthikanti Table 4); the 1T model's GEMMs, five times larger per rank, run closer to peak
#:   than Calculon's size curve (flat above 128 GFLOP) credits.
#: - mpt-7b-h100 (-22%): one node, no tensor parallelism: llm-foundry's 7B run spends what the
#:   model does not count (loss, data loading, FSDP wrapping of a small model).
#: - nvidia-70b-gb200-fsdp (-30%): the same NVIDIA table's 405B run on GB200 is within 5%; its
#:   FSDP run re-gathers every layer's weights in forward and backward, which the model takes as
#:   overlapped (training.dp_overlap), and GB200's FP8 GEMM rate is H100's measured one
#:   transferred.
MISSES = {"korthikanti-1t", "mpt-7b-h100", "nvidia-70b-gb200-fsdp"}


def _predict(run):
    name, model, system, precision, (t, p, d, b, v, rc, zero), batch, _ = run
    old = system == "a100-sxm"
    return step_time(model, system, precision, t=t, p=p, d=d, b=b, v=v, recompute=rc,
                     zero=zero, global_batch=batch, dp_overlap=0.0 if old else None)


def test_published_runs_within_15_percent_for_at_least_80_percent():
    ratios = {run[0]: float(_predict(run)["step_s"]) / run[-1] for run in RUNS}
    within = {name for name, r in ratios.items() if abs(r - 1.0) <= 0.15}
    assert len(RUNS) >= 12 and len(within) >= 0.8 * len(RUNS), ratios
    assert set(ratios) - within == MISSES, ratios
    systems = {run[2] for run in RUNS}
    assert {"a100-sxm", "h100-sxm", "gb200-nvl72", "gb300-nvl72", "tpu-v4"} <= systems


def test_mfu_is_model_flops_over_step_time_and_peak():
    run = RUNS[10]  # llama3-405b-8k
    r = _predict(run)
    flops = steptime.model_flops(LLAMA_405B, 2048 * 8192)
    assert float(r["mfu"]) == pytest.approx(flops / (float(r["step_s"]) * 8192 * 989.4e12))
    # Llama 3 reports 38-43% BF16 MFU on these runs
    assert 0.38 <= float(r["mfu"]) <= 0.46
    parts = ("compute_s", "memory_s", "tp_comm_s", "ep_comm_s", "bubble_s", "pp_comm_s",
             "dp_comm_s", "optimizer_s")
    assert sum(float(r[k]) for k in parts) == pytest.approx(float(r["step_s"]), rel=1e-9)


def test_pipeline_bubble_by_hand():
    # p stages, m micro-batches, v chunks: the bubble is (p - 1)/v stage-times, the step
    # (m + (p - 1)/v) of them (Narayanan et al. 2021, sec. 2.2)
    model = Model(32, 4096, 32, seq_len=2048)
    one = step_time(model, "h100-sxm", "bf16", t=8, p=4, d=1, b=1, v=1, global_batch=8)
    two = step_time(model, "h100-sxm", "bf16", t=8, p=4, d=1, b=1, v=2, global_batch=8)
    stage = float(one["bubble_s"]) / 3.0
    assert float(two["bubble_s"]) == pytest.approx(1.5 * stage)
    assert float(one["step_s"]) - float(two["step_s"]) == pytest.approx(1.5 * stage, rel=1e-9)


# ------------------------------------------------------------------------------ properties

_models = st.builds(lambda L, h, s: Model(L, 128 * h, h, seq_len=s),
                    st.integers(4, 96), st.integers(8, 128), st.sampled_from([2048, 4096, 8192]))


@settings(max_examples=40, deadline=None)
@given(model=_models, t=st.sampled_from([1, 2, 4, 8]), p=st.sampled_from([1, 2, 4]),
       d=st.integers(1, 64), system=st.sampled_from(["h100-sxm", "gb200-nvl72", "tpu-v7"]))
def test_more_accelerators_never_speed_a_step_up_more_than_linearly(model, t, p, d, system):
    # the same global batch on twice the data-parallel replicas
    batch = 4 * 2 * d
    base = step_time(model, system, "bf16", t=t, p=p, d=d, b=1, global_batch=batch)
    more = step_time(model, system, "bf16", t=t, p=p, d=2 * d, b=1, global_batch=batch)
    assert float(more["step_s"]) >= 0.5 * float(base["step_s"]) * (1 - 1e-12)


@settings(max_examples=40, deadline=None)
@given(model=_models, t=st.sampled_from([1, 2, 4, 8]), d=st.integers(1, 32),
       system=st.sampled_from([s for s in catalog.accelerator_names()
                               if catalog.accelerator(s).supports("fp8")]))
def test_fp8_is_never_slower_than_bf16(model, t, d, system):
    kw = dict(t=t, p=1, d=d, b=1, global_batch=2 * d)
    fp8 = step_time(model, system, "fp8", **kw)["step_s"]
    bf16 = step_time(model, system, "bf16", **kw)["step_s"]
    assert float(fp8) <= float(bf16)


@settings(max_examples=25, deadline=None)
@given(model=_models, n=st.sampled_from([8, 64, 512, 4096]),
       system=st.sampled_from(["a100-sxm", "h100-sxm", "gb300-nvl72"]))
def test_the_chosen_layout_fits_memory_and_divides_the_accelerators(model, n, system):
    best = search(model, system, n, 4 * n)
    assert best["t"] * best["p"] * best["d"] == n
    if best["fits"]:
        assert best["memory_gb"] <= best["usable_gb"]


def test_the_search_beats_or_equals_the_published_layout():
    # MT-NLG 530B on 2,240 A100 as Korthikanti ran it (TP 8, PP 35) against the search over
    # powers of two: the search's pick is at least as fast among those it can express
    model = Model(105, 20480, 128, seq_len=2048, vocab=51200)
    best = search(model, "a100-sxm", 2240, 2240)
    assert best["fits"] and best["candidates"] > 100
    assert best["t"] * best["p"] * best["d"] == 2240


def test_a_mixture_of_experts_pays_its_all_to_all():
    # DeepSeek-V3-like: 256 experts of 2,048, 8 routed per token, 58 of 61 layers
    moe = Model(61, 7168, 128, seq_len=4096, vocab=129280, ffn=18432, gated=True, experts=256,
                top_k=8, expert_ffn=2048, moe_layers=58, shared_experts=1)
    total, active = moe.params()
    assert total == pytest.approx(671e9, rel=0.05) and active == pytest.approx(37e9, rel=0.1)
    inside = step_time(moe, "gb200-nvl72", "fp8", t=1, p=4, d=64, e=64, b=1, global_batch=4096)
    across = step_time(moe, "h100-sxm", "fp8", t=1, p=16, d=128, e=64, b=1, global_batch=15360)
    # EP 64 inside one NVL72 runs its all-to-all on NVLink; across 8-GPU servers on InfiniBand
    assert float(inside["ep_comm_s"]) / float(inside["step_s"]) < \
        float(across["ep_comm_s"]) / float(across["step_s"])


def test_bad_input():
    with pytest.raises(GigaplanError, match="no fp8"):
        step_time(Model(8, 1024, 8, seq_len=2048), "a100-sxm", "fp8", t=1, p=1, d=1, b=1,
                  global_batch=1)
    with pytest.raises(GigaplanError, match="no layout of 7 accelerators holds"):
        search(Model(8, 1024, 8, seq_len=2048), "h100-sxm", 7, 3)
    assert np.isfinite(Assumptions()["training.scale_up_efficiency"])


def test_the_steptime_command():
    import json

    from .helpers import assert_bad_input, invoke

    args = ["steptime", "--system", "h100-sxm", "--count", "1024", "--batch", "1024",
            "--params", "70B", "--seq-len", "4096"]
    r = invoke(*args, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["t"] * out["p"] * out["d"] == 1024 and 0 < out["mfu"] < 0.7
    assert out["fits"] is True and out["step_s"] > 0
    text = invoke(*args)
    assert text.exit_code == 0 and "MFU" in text.stdout and "TP " in text.stdout
    assert_bad_input(invoke("steptime", "--system", "h100-sxm", "--count", "8", "--batch", "8"),
                     "--params, or --layers and --hidden: required")
    assert_bad_input(invoke(*args, "--precision", "fp4"), "--precision = 'fp4'")


def test_every_catalog_system_has_a_sourced_fabric_row():
    import re

    from gigaplan.datafiles import read_table

    table = read_table("fabric.csv").set_index("system")
    assert set(table.index) == set(catalog.accelerator_names())
    for name, row in table.iterrows():
        assert row["scale_up_gb_s"] > row["scale_out_gb_s"] > 0, name
        assert 0 < row["gemm_peak_fraction_bf16"] <= 1 and len(row["source"]) > 40, name
        assert re.match(r"^\d{4}-\d{2}$", row["source_date"]), name
        assert catalog.accelerator(name).supports("fp8") == (row["gemm_peak_fraction_fp8"] > 0)


def test_catalog_fabric_lists_every_system():
    import json

    from .helpers import invoke

    rows = json.loads(invoke("catalog", "fabric", "--json").stdout)
    assert {r["system"] for r in rows} == set(catalog.accelerator_names())
    a100 = next(r for r in rows if r["system"] == "a100-sxm")
    assert a100["gemm_peak_fraction_fp8"] is None and a100["scale_up_gb_s"] == 300
    assert "Korthikanti" in a100["source"]
    assert "GEMM bf16" in invoke("catalog", "fabric").stdout


def test_a_run_row_can_take_its_mfu_from_the_step_time_model():
    from gigaplan import training

    rows = [{"system": "h100-sxm", "params": 405e9, "tokens": 15.6e12, "count": 16_384},
            {"system": "h100-sxm", "params": 405e9, "tokens": 15.6e12, "count": 16_384,
             "mfu_model": "steptime"}]
    out = training.plan(rows)
    catalog_row, step_row = out.iloc[0], out.iloc[1]
    assert catalog_row["mfu"] == 0.41  # the default stays the catalog's
    best = steptime.run_layout(405e9, "h100-sxm", 16_384)
    # 16M-token batches (training.batch_tokens) of 8,192 tokens: 2,048 sequences
    assert best["batch"] == 2048 and step_row["mfu"] == pytest.approx(best["mfu"])
    assert (step_row["tensor_parallel"], step_row["pipeline_parallel"],
            step_row["data_parallel"]) == (best["t"], best["p"], best["d"])
    assert step_row["mfu_source"].startswith("step-time model: TP")
    # the same time formula with the model's MFU
    assert step_row["days"] == pytest.approx(
        3.7908e25 / (16_384 * 989.4e12 * best["mfu"] * step_row["goodput"]) / 86_400)
    # a deadline's size and the MFU at that size settle together
    sized = training.train("gb200-nvl72", flops=1e27, days=120, mfu_model="steptime")
    assert sized.accelerators > 0 and sized.mfu_source.startswith("step-time model")
    assert sized.days == pytest.approx(120, rel=1e-3)


def test_step_time_rows_reject_what_they_cannot_model():
    from gigaplan import training

    with pytest.raises(GigaplanError, match="takes a dense model"):
        training.train("h100-sxm", params=671e9, active_params=37e9, tokens=1e12, count=2048,
                       mfu_model="steptime")
    with pytest.raises(GigaplanError, match="give mfu or mfu_model = steptime, not both"):
        training.train("h100-sxm", params=70e9, tokens=1e12, count=2048, mfu=0.4,
                       mfu_model="steptime")
    with pytest.raises(GigaplanError, match="expected catalog or steptime"):
        training.train("h100-sxm", params=70e9, tokens=1e12, count=2048, mfu_model="fast")


def test_train_command_takes_the_step_time_mfu_and_a_recovery_mode():
    import json

    from .helpers import assert_bad_input, invoke

    args = ["train", "--params", "70B", "--tokens", "1.4T", "--system", "h100-sxm", "--count",
            "2048", "--json"]
    step = json.loads(invoke(*args, "--mfu-model", "steptime", "--recovery", "storage").stdout)
    assert step["mfu_source"].startswith("step-time model") and step["recovery"] == "storage"
    assert step["mfu"] == pytest.approx(steptime.run_layout(70e9, "h100-sxm", 2048)["mfu"])
    assert json.loads(invoke(*args).stdout)["mfu"] == 0.41
    assert_bad_input(invoke(*args, "--mfu-model", "fast"), "expected catalog or steptime")


def test_the_ledger_median_predicts_published_mfu_better_than_the_searched_step_time():
    # Why the planner's default MFU is the median of published runs (data/mfu_runs.csv) and the
    # step-time search is opt-in: over the ten runs of the ledger, at their own size, shape,
    # sequence and accelerator count, the searched layout's MFU scaled by its median ratio to
    # the reported MFU scatters more (log standard deviation ~0.24) than one constant (~0.17).
    # The search finds what best-practice software would reach (0.52-0.57 on A100); the runs
    # used the layouts and kernels of their day (MT-NLG 0.59 of it, Nemotron-4 15B with TP 8
    # 0.55) -- and Llama 3 405B's 1.19 is the memory model forcing full recompute. Should the
    # step-time model come to beat the constant here, it should become the default.
    runs = catalog.mfu_runs()
    searched = np.array([
        steptime.run_layout(r.params, r.system, int(r.accelerators), seq_len=r.seq_len,
                            layers=r.layers, hidden=r.hidden)["mfu"]
        for r in runs.itertuples()])
    reported = runs["mfu"].to_numpy()
    ratio = reported / searched
    assert float(np.median(ratio)) == pytest.approx(0.73, abs=0.02)
    spread_steptime = float(np.std(np.log(ratio)))
    spread_constant = float(np.std(np.log(reported)))
    assert spread_steptime == pytest.approx(0.244, abs=0.01)
    assert spread_constant == pytest.approx(0.17, abs=0.02)
    assert spread_constant < spread_steptime
