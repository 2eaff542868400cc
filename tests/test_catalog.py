"""The shipped catalog: completeness, sources, and published figures reproduced."""

import math
import re

import numpy as np
import pytest

from gigaplan import catalog
from gigaplan.errors import UnknownNameError
from gigaplan.psychrometrics import f_to_c, relative_humidity_pct, wet_bulb_stull_c

REQUIRED_SYSTEMS = ["a100-sxm", "h100-sxm", "h200", "b200", "gb200-nvl72", "gb300-nvl72",
                    "vr200-nvl144", "tpu-v4", "tpu-v5p", "tpu-v6e", "tpu-v7", "trainium2",
                    "mi300x", "mi355x"]
REQUIRED_REGIONS = ["ercot", "nyiso", "pjm", "miso", "spp", "caiso"]
_DATE = re.compile(r"^\d{4}(-\d{2}){0,2}$")


def test_every_required_system_and_region_is_present():
    assert set(REQUIRED_SYSTEMS) <= set(catalog.accelerator_names())
    assert set(REQUIRED_REGIONS) <= set(catalog.region_names())


@pytest.mark.parametrize("name", REQUIRED_SYSTEMS)
def test_every_accelerator_row_has_source_date_and_core_figures(name):
    a = catalog.accelerator(name)
    assert a.source.startswith("http"), a.source
    assert _DATE.match(a.source_date), a.source_date
    assert a.bf16_dense_flops > 1e14
    assert a.hbm_gb > 0 and a.hbm_tb_s > 0
    assert a.system_w_per_accelerator > 0
    assert a.cooling in ("air", "liquid")
    # Rack power = accelerators per rack x system W per accelerator (within rounding).
    assert a.rack_kw == pytest.approx(a.accelerators_per_rack * a.system_w_per_accelerator / 1e3,
                                      rel=1e-3)
    # System power per accelerator includes the chip: never below its TDP.
    if not math.isnan(a.tdp_w):
        assert a.system_w_per_accelerator >= a.tdp_w


@pytest.mark.parametrize("name", REQUIRED_REGIONS)
def test_every_region_row_has_source_and_twelve_months(name):
    r = catalog.region(name)
    assert "eia.gov" in r.source and "epa.gov" in r.source
    assert r.dry_bulb_c.shape == (12,) and r.dew_point_c.shape == (12,)
    assert np.all(r.wet_bulb_c <= r.dry_bulb_c + 1e-9)  # wet bulb never above dry bulb
    assert np.all(r.dew_point_c <= r.wet_bulb_c + 1.0)  # dew point <= wet bulb (Stull error ~1 °C)


def test_announced_systems_are_marked():
    assert catalog.accelerator("vr200-nvl144").announced
    assert not catalog.accelerator("h100-sxm").announced


# --- published figures, dense not sparse ------------------------------------------------


def test_h100_dense_figures_are_half_the_datasheet_sparse_figures():
    # NVIDIA H100 datasheet (SXM): BF16 1,979 TFLOP/s and FP8 3,958 TFLOP/s "with sparsity".
    h100 = catalog.accelerator("h100-sxm")
    assert h100.bf16_dense_flops == pytest.approx(1979e12 / 2, rel=1e-3)
    assert h100.fp8_dense_flops == pytest.approx(3958e12 / 2, rel=1e-3)
    assert h100.tdp_w == 700


def test_gb200_nvl72_rack_matches_nvidia_rack_figures():
    # NVIDIA GB200 NVL72 page: 360 PFLOP/s BF16 and 720 PFLOP/s FP8 per rack with sparsity,
    # 13.4 TB HBM3e. Dense per GPU: 360e15 / 2 / 72 = 2.5e15 BF16; 720e15 / 2 / 72 = 5e15 FP8.
    g = catalog.accelerator("gb200-nvl72")
    assert g.accelerators_per_rack * g.bf16_dense_flops == pytest.approx(360e15 / 2)
    assert g.accelerators_per_rack * g.fp8_dense_flops == pytest.approx(720e15 / 2)
    assert g.accelerators_per_rack * g.hbm_gb == pytest.approx(13.4e3, rel=0.01)
    assert g.scale_up_domain == 72 and g.cooling == "liquid"


def test_tpu_v7_pod_matches_google_figures():
    # Google (Cloud Next / Hot Chips 2025): 9,216-chip Ironwood pod, 42.5 EF FP8, ~10 MW.
    t = catalog.accelerator("tpu-v7")
    assert t.scale_up_domain * t.fp8_dense_flops == pytest.approx(42.5e18, rel=0.01)
    assert t.scale_up_domain * t.system_w_per_accelerator == pytest.approx(10e6, rel=0.01)


def test_trainium2_matches_neuron_docs():
    # AWS Neuron docs: 667 TFLOP/s BF16, 1,299 TFLOP/s FP8 dense, 96 GiB HBM at 2.9 TB/s.
    t = catalog.accelerator("trainium2")
    assert (t.bf16_dense_flops, t.fp8_dense_flops) == (667e12, 1299e12)
    assert t.hbm_gb == 96


def test_a100_has_no_fp8():
    a = catalog.accelerator("a100-sxm")
    assert not a.supports("fp8") and a.supports("bf16")
    assert math.isnan(a.peak_flops("fp8"))


@pytest.mark.parametrize("name", REQUIRED_SYSTEMS)
def test_fp8_is_about_twice_bf16_where_both_exist(name):
    # Every listed architecture doubles dense throughput from BF16 to FP8 (Trainium2: 1299/667
    # = 1.95). A ratio near 4 would betray a sparse FP8 figure next to a dense BF16 one.
    a = catalog.accelerator(name)
    if a.supports("fp8"):
        assert 1.9 <= a.fp8_dense_flops / a.bf16_dense_flops <= 2.05


# --- regions ---------------------------------------------------------------------------


def test_ercot_figures_from_eia_and_egrid():
    r = catalog.region("ercot")
    # EIA Electric Power Annual 2023: Texas industrial 6.60 c/kWh = $66.0/MWh.
    assert r.price_usd_per_mwh == 66.0
    # EPA GHG Emission Factors Hub 2026 Table 6 (eGRID2024): ERCT 700.7 lb/MWh x 0.45359237.
    assert r.co2_kg_per_mwh == pytest.approx(317.83, abs=0.01)


def test_stull_wet_bulb_reproduces_the_paper_example():
    # Stull (2011), JAMC 50, 2267: T = 20 °C and RH = 50 % give Tw = 13.7 °C.
    assert wet_bulb_stull_c(20.0, 50.0) == pytest.approx(13.7, abs=0.05)


def test_magnus_humidity_is_saturated_at_the_dew_point():
    assert relative_humidity_pct(25.0, 25.0) == pytest.approx(100.0)
    assert f_to_c(212.0) == pytest.approx(100.0) and f_to_c(32.0) == 0.0


def test_unknown_names_list_the_closest_catalog_names():
    with pytest.raises(UnknownNameError) as info:
        catalog.accelerator("gb200")
    assert "gb200-nvl72" in str(info.value)
    with pytest.raises(UnknownNameError) as info:
        catalog.region("ercott")
    assert "ercot" in str(info.value)


def test_tables_are_fresh_copies():
    table = catalog.accelerators()
    table.loc["h100-sxm", "tdp_w"] = 1
    assert catalog.accelerators().loc["h100-sxm", "tdp_w"] == 700
    assert list(catalog.regions().index) == catalog.region_names()


# ----------------------------------------------------------------------------- MFU ledger

def test_mfu_ledger_rows_are_sourced_and_their_arithmetic_holds():
    runs = catalog.mfu_runs().set_index("run")
    assert len(runs) == 10
    for name, row in runs.iterrows():
        catalog.accelerator(row["system"])  # a catalog system
        assert row["precision"] == "bf16" and row["kind"] == "production", name
        assert 0.2 < row["mfu"] < 0.6 and len(row["source"]) > 40, name
        assert re.fullmatch(r"\d{4}-\d{2}", row["source_date"]), name
    # BLOOM: 150 hardware TFLOP/s counting full recompute (8 passes for 6): 150 x 6/8 / 312
    assert runs.loc["BLOOM 176B", "mfu"] == pytest.approx(150 * 0.75 / 312, abs=5e-5)
    # OPT-175B 147 / 312; GPT-NeoX-20B 117 / 312
    assert runs.loc["OPT-175B", "mfu"] == pytest.approx(147 / 312, abs=5e-5)
    assert runs.loc["GPT-NeoX-20B", "mfu"] == pytest.approx(117 / 312, abs=5e-5)
    # LLaMA 65B: 380 tokens/s per GPU x (6 x 65.2e9 + 6 x 80 layers x 8,192 x 2,048) / 312e12
    llama = 380 * (6 * 65.2e9 + 6 * 80 * 8192 * 2048) / 312e12
    assert runs.loc["LLaMA 65B", "mfu"] == pytest.approx(llama, abs=5e-5)
    # LLaMA's 21 days on 2,048 GPUs is Table 15's 1,022,362 GPU-hours within 1%
    assert 21 * 24 * 2048 == pytest.approx(1_022_362, rel=0.01)


def test_default_bf16_mfu_is_the_median_of_published_runs():
    # A100: median of 0.302, 0.325, 0.3606, 0.375, 0.4712, 0.4863 = (0.3606 + 0.375) / 2;
    # H100: median of 0.305, 0.41, 0.41; every other system (fewer than three runs, TPU v4's
    # PaLM among them) the median of all ten = (0.375 + 0.41) / 2 = 0.3925
    runs = catalog.mfu_runs()
    pooled = float(runs["mfu"].median())
    assert pooled == pytest.approx(0.3925)
    for name in catalog.accelerator_names():
        own = runs.loc[runs["system"] == name, "mfu"]
        expected = float(own.median()) if len(own) >= 3 else pooled
        assert catalog.accelerator(name).mfu_bf16 == pytest.approx(expected, abs=1e-4), name
    assert catalog.accelerator("a100-sxm").mfu_bf16 == pytest.approx(0.3678, abs=1e-4)
    assert catalog.accelerator("h100-sxm").mfu_bf16 == 0.41


def test_transferred_fp8_mfu_keeps_h100s_fp8_to_bf16_ratio():
    # H100: published FP8 0.381 (NVIDIA Megatron-Bridge 26.02) over its BF16 default 0.41
    ratio = 0.381 / 0.41
    for name in ("tpu-v7", "trainium2", "mi300x", "mi355x"):
        acc = catalog.accelerator(name)
        assert "assumption" in acc.mfu_source.partition("; FP8: ")[2], name
        assert acc.mfu_fp8 == pytest.approx(acc.mfu_bf16 * ratio, abs=1e-4), name
