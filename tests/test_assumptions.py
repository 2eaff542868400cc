"""One Assumptions object: every parameter with its range and source, overrides checked at the
edge, samples, and the shared constants."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

from gigaplan import catalog, constants
from gigaplan.assumptions import Assumptions, Interval, catalog as parameters, parse_override
from gigaplan.errors import GigaplanError, UnknownNameError

from .helpers import invoke

SRC = Path(__file__).resolve().parents[1] / "src" / "gigaplan"


def test_every_parameter_has_a_source_a_range_and_a_valid_interval():
    table = parameters()
    # 43 facility + 22 finance + 24 training + 15 reliability + 10 serving rows, MFU per system and
    # precision, 7 failure rates per system
    n_mfu = sum(catalog.accelerator(s).supports(p) for s in catalog.accelerator_names()
                for p in ("bf16", "fp8"))
    assert len(table) == 43 + 22 + 24 + 15 + 10 + n_mfu + 7 * len(catalog.accelerator_names())
    for p in table.values():
        assert p.low <= p.value <= p.high, p.name
        assert p.valid.contains([p.low, p.value, p.high]).all(), p.name
        assert len(p.source) > 10 and len(p.source_date) == 7, p.name


def test_mfu_and_failure_rates_are_catalog_figures_with_ranges():
    a = Assumptions()
    # the median of three H100 runs' BF16 MFU (data/mfu_runs.csv); NVIDIA's dense FP8 405B run
    # on H100 (Megatron-Bridge 26.02)
    assert a.mfu("h100-sxm", "bf16") == 0.41 and a.mfu("h100-sxm", "fp8") == 0.381
    assert math.isnan(a.mfu("a100-sxm", "fp8"))  # no FP8 unit, no MFU
    p = parameters()["training.mfu.gb300-nvl72.fp8"]
    assert (p.low, p.high) == (0.15, 0.50) and "Llama 4" in p.source
    # each precision cites its own figure: GB300's FP8 is published, its BF16 transferred
    assert not p.assumption and "GB300" in p.source.split("; range:")[0]
    assert parameters()["training.mfu.gb300-nvl72.bf16"].assumption
    # H100 accelerator failures: 196 of Llama 3's 419 in 2,422.3 GPU-years; the range is the
    # exact Poisson 95% interval of that count: chi2(0.025, 392)/2 .. chi2(0.975, 394)/2
    f = parameters()["reliability.failures.h100-sxm.accelerator"]
    years = 16_384 * 54 / 365.25
    assert f.value * years == pytest.approx(196, abs=0.01)
    assert f.low == pytest.approx(chi2.ppf(0.025, 392) / 2 / years, rel=1e-5)
    assert f.high == pytest.approx(chi2.ppf(0.975, 394) / 2 / years, rel=1e-5)
    # a transferred rate: the H100 value, range x0.5 to x2
    t = parameters()["reliability.failures.gb300-nvl72.hbm"]
    h = parameters()["reliability.failures.h100-sxm.hbm"]
    assert t.value == h.value and t.low == pytest.approx(h.value / 2, rel=1e-5)
    assert t.source.startswith("assumption: transferred")


def test_overrides_take_units_ranges_and_report_every_problem():
    a = Assumptions().updated({"reliability.restart_minutes": "3 min",
                               "finance.utilization": "70%",
                               "finance.construction_usd_per_mw": "$9.3M",
                               "facility.it_load_factor": {"low": 0.7, "high": 0.9}},
                              origin="test")
    assert a["reliability.restart_minutes"] == 3.0 and a["finance.utilization"] == 0.70
    assert a["finance.construction_usd_per_mw"] == 9.3e6
    # a range without a value keeps the default inside it, else takes its midpoint
    assert a["facility.it_load_factor"] == 0.8 and a.range("facility.it_load_factor") == (0.7, 0.9)
    assert Assumptions().updated({"facility.ups_eff": {"low": 0.93, "high": 0.97}})[
        "facility.ups_eff"] == 0.96
    assert a.overrides["reliability.restart_minutes"].origin == "test"
    with pytest.raises(GigaplanError) as err:
        Assumptions().updated({"reliability.restart_minute": 3, "facility.ups_eff": 1.5,
                               "finance.utilization": {"low": 0.9, "high": 0.5},
                               "training.seq_len": True}, origin="f.toml [parameters]")
    text = str(err.value)
    assert text.startswith("f.toml [parameters]: 4 problems")
    assert "unknown parameter 'reliability.restart_minute'; closest: " \
           "reliability.restart_minutes" in text
    assert "facility.ups_eff = 1.5: 1.5 is outside the valid interval (0, 1]" in text
    assert "low 0.9 is above high 0.5" in text and "expected a number, got bool" in text


def test_values_outside_the_plausible_range_are_kept_with_a_warning():
    a = Assumptions().updated({"reliability.restart_minutes": 0.5}, origin="--set")
    assert a["reliability.restart_minutes"] == 0.5
    (warning,) = a.warnings()
    assert "reliability.restart_minutes = 0.5 min (--set) is outside its plausible range 2-30" \
        in warning
    assert Assumptions().updated({"reliability.restart_minutes": 5}).warnings() == []


def test_intervals_parse_and_contain():
    i = Interval.parse("(0, 1]")
    assert list(i.contains([0.0, 0.5, 1.0, 1.5, np.nan])) == [False, True, True, False, False]
    assert str(Interval.parse("[0.2, 5]")) == "[0.2, 5]"
    with pytest.raises(ValueError):
        Interval.parse("0..1")


def test_samples_broadcast_take_and_split_into_classes():
    a = Assumptions().with_samples({"reliability.restart_minutes": [2.0, 10.0, 2.0],
                                    "facility.ups_eff": [0.95, 0.95, 0.95]})
    assert a.sampled and a.size == 3
    assert a.sample(1)["reliability.restart_minutes"] == 10.0 and not a.sample(1).sampled
    assert list(a.take([2, 0])["reliability.restart_minutes"]) == [2.0, 2.0]
    assert a.as_samples()["finance.utilization"].shape == (3,)
    # samples 0 and 2 share every reliability value: one class for what reads only those
    assert list(a.classes(("reliability",))) == [0, 1, 0]
    assert list(a.classes(("facility",))) == [0, 0, 0]
    assert a.expanded(2)["reliability.restart_minutes"].shape == (3, 1, 1)
    with pytest.raises(GigaplanError, match="sample arrays of different lengths"):
        a.with_samples({"finance.utilization": [0.8, 0.9]})
    with pytest.raises(GigaplanError, match="facility.ups_eff: sample 1.2 is outside"):
        Assumptions().with_samples({"facility.ups_eff": [0.9, 1.2]})
    with pytest.raises(UnknownNameError, match="parameter 'nope'"):
        Assumptions()["nope"]


def test_parse_override_of_each_kind_of_unit():
    assert parse_override("training.reference_job_accelerators", "16k").value == 16_000
    assert parse_override("reliability.storage_write_gb_per_s",
                          "0.5 GB/s per accelerator").value == 0.5
    assert parse_override("finance.staff_usd_per_year", "$150k").value == 150_000
    with pytest.raises(GigaplanError, match="expected a number in min"):
        parse_override("reliability.restart_minutes", "soon")


def test_shared_constants_are_defined_once():
    # 8,760 h (a 365-day year: costs) and 8,766 h (365.25 days: failure rates), named apart
    assert constants.HOURS_PER_YEAR == 8760.0 and constants.HOURS_PER_JULIAN_YEAR == 8766.0
    assert constants.SECONDS_PER_YEAR == 8760.0 * 3600.0
    names = {n for n in constants.__all__}
    for path in SRC.rglob("*.py"):
        if path.name == "constants.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assert target.id.lstrip("_") not in names, f"{path.name}: {target.id}"


def test_catalog_parameters_lists_every_settable_name():
    data = json.loads(invoke("catalog", "parameters", "--json").stdout)
    assert [p["name"] for p in data] == list(parameters())
    restart = next(p for p in data if p["name"] == "reliability.restart_minutes")
    assert restart["valid"] == "[0, 1440]" and restart["unit"] == "min"
    table = invoke("catalog", "parameters", "--match", "gb300")
    assert table.exit_code == 0 and "training.mfu.gb300-nvl72.fp8" in table.stdout
    assert "facility.ups_eff" not in table.stdout
