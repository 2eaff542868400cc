"""The run model end to end: overrides reach every stage, a sample axis from the assumptions to
the headline, summary.json as a typed model, and outputs written as one unit."""

from __future__ import annotations

import json

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan import finance, pipeline
from gigaplan.assumptions import Assumptions
from gigaplan.errors import GigaplanError
from gigaplan.results import Results

from .helpers import invoke

NUMBERS = ("owned_it_gw", "contracted_it_gw", "owned_facility_peak_gw", "owned_accelerators",
           "contracted_accelerators", "peak_bf16_eflops", "peak_fp8_eflops",
           "effective_bf16_eflops", "owned_capex_usd_b", "contract_payments_usd_b",
           "npv_usd_b", "failures_per_day")


def test_the_first_reading_keeps_its_figures(legacy_run):
    # summary.json of tests/data/owned-2025.toml (the first reading of the 2025 build) as
    # written by gigaplan with the all-in critical IT per accelerator, in-memory recovery and
    # hot spares held back, MFU defaults from the run ledger (2026-11): a change here
    # is a change in the engines or the data. The facility's peak is the one figure the all-in
    # power leaves as it was before: the sites' MW are given, only their accelerator counts fall.
    h = legacy_run[0].summary.headline
    assert h.owned_facility_peak_gw == pytest.approx(1.60882363061115, rel=1e-12)
    assert h.npv_usd_b == pytest.approx(-89.23657875201876, rel=1e-12)
    assert h.failures_per_day == pytest.approx(1222.2555682557152, rel=1e-12)
    assert h.effective_bf16_eflops == pytest.approx(2592.7246272, rel=1e-12)
    assert h.usd_per_accelerator_hour["texas"] == pytest.approx(3.168858476099029, rel=1e-12)
    run = h.runs[0]
    assert (run.accelerators, run.start, run.finish) == (22_608.0, "2026-07-20", "2026-08-08")
    assert run.goodput == pytest.approx(0.9646282091185258, rel=1e-12)


def test_cost_per_flop_uses_the_goodput_of_the_workloads_planned_on_the_capacity(legacy_run):
    r = legacy_run[0]
    blocks = {b.block: b for b in r.summary.finance.blocks}
    # Texas GB300 runs dense-400b, frontier-1e26 and frontier-1e27: their accelerator-hour
    # weighted goodput; Texas' Vera Rubin phase runs nothing: the reference job's
    work = r.workloads.set_index("name")
    gb300 = work[work["pool"].str.contains("texas") & (work["system"] == "gb300-nvl72")]
    hours = gb300["accelerator_hours"]
    assert blocks["tx-1"].goodput == pytest.approx((gb300["goodput"] * hours).sum() / hours.sum())
    assert "workloads planned on it" in blocks["tx-1"].goodput_basis
    assert "reference job" in blocks["tx-3"].goodput_basis
    # cost per FLOP = annual cost / (accelerators x peak x MFU x goodput x utilisation x year)
    b = blocks["tx-1"]
    flop = b.accelerators * 2.5e15 * 0.3925 * b.goodput * 0.85 * 8760 * 3600
    assert b.usd_per_1e24_flop == pytest.approx(b.annual_cost_usd / flop * 1e24, rel=1e-12)


def _moves(base, other):
    """(goodput, days, cost per FLOP) of the first workload and the first owned phase."""
    figures = []
    for s in (base, other):
        w = s["workloads"][0]
        figures.append((w["goodput"], w["days"], s["finance"]["blocks"][0]["usd_per_1e24_flop"]))
    return figures


def test_set_restart_minutes_moves_goodput_days_and_cost_per_flop_together(default_run, tmp_path):
    base = json.loads(default_run[0].summary.to_json())
    result = invoke("run", "fluidstack-2026", "-o", str(tmp_path / "o"), "--no-report",
                    "--set", "reliability.memory_restart_minutes=1", "--json")
    assert result.exit_code == 0, result.output
    fast = json.loads(result.stdout)
    (g0, d0, c0), (g1, d1, c1) = _moves(base, fast)
    assert g1 > g0 and d1 < d0 and c1 < c0  # faster restarts: more goodput, fewer days, cheaper
    assert fast["parameters"] == [{"name": "reliability.memory_restart_minutes", "value": 1.0,
                                   "default": 2.5, "unit": "min", "low": None, "high": None,
                                   "origin": "--set"}]


def test_scenario_parameters_table_does_the_same(default_run, default_text, write, tmp_path):
    text = default_text + ('\n[parameters]\n"reliability.memory_restart_minutes" = "1 min"  '
                           "# assumption: in-memory checkpoints and hot spares restart fast\n")
    path = write(text)
    r = pipeline.run(path, None, report=False)
    base = json.loads(default_run[0].summary.to_json())
    (g0, d0, c0), (g1, d1, c1) = _moves(base, json.loads(r.summary.to_json()))
    assert g1 > g0 and d1 < d0 and c1 < c0
    assert r.assumptions["reliability.memory_restart_minutes"] == 1.0
    assert "parameters.reliability.memory_restart_minutes" in r.summary.provenance.assumptions
    # both: --set wins over the scenario
    both = pipeline.run(path, None, report=False,
                        overrides={"reliability.memory_restart_minutes": 5})
    assert both.assumptions.overrides["reliability.memory_restart_minutes"].origin == "--set"


def test_a_bad_parameters_entry_is_a_scenario_error_with_its_path(default_text, write):
    path = write(default_text + '\n[parameters]\n"reliability.memory_restart_minutes" = -1\n'
                                '"facility.ups_efficiency" = 0.9\n')
    result = invoke("validate", str(path))
    assert result.exit_code == 2
    assert "parameters.reliability.memory_restart_minutes = -1: -1 is outside the valid interval " \
           "[0, 1440]" in result.stderr
    assert "parameters.facility.ups_efficiency = 0.9: unknown parameter" in result.stderr
    assert "closest: facility.ups_eff" in result.stderr
    # the [[uncertain]] bounds are not blamed for the scenario's own problems
    assert "2 problems" in result.stderr and "uncertain[" not in result.stderr


def test_an_override_given_to_cost_reaches_the_facility_model():
    base = finance.cost("gb200-nvl72", 72_000, distribution="hvdc")
    low = finance.cost("gb200-nvl72", 72_000, distribution="hvdc",
                       a=Assumptions().updated({"facility.it_load_factor": 0.56}))
    # energy is IT x load factor x PUE: 0.56 = 70% of the default 0.8, 30% less IT energy, a
    # little less overhead with it
    assert low.opex["energy_usd"] < 0.75 * base.opex["energy_usd"]
    assert low.capex_usd == base.capex_usd
    assert low.usd_per_accelerator_hour < base.usd_per_accelerator_hour


def test_samples_run_end_to_end_and_each_equals_its_single_run():
    rng = np.random.default_rng(3)
    names = ("reliability.memory_restart_minutes", "facility.it_load_factor",
             "training.mfu.tpu-v7.bf16", "reliability.failures.tpu-v7.hbm",
             "finance.construction_usd_per_mw", "training.tokens_per_param")
    lows_highs = [Assumptions().range(n) for n in names]
    a = Assumptions().with_samples({n: rng.uniform(lo, hi, 64)
                                    for n, (lo, hi) in zip(names, lows_highs, strict=True)})
    r = pipeline.run("fluidstack-2026", None, report=False, assumptions=a)
    h = r.headline
    for key in NUMBERS:
        assert np.shape(getattr(h, key)) == (64,), key
    assert r.summary is None and r.finance.yearly["capex_usd"].shape[0] == 64
    assert len(np.unique(h.npv_usd_b)) == 64 and len(np.unique(h.runs[2]["days"])) > 1
    for i in range(3):
        one = pipeline.run("fluidstack-2026", None, report=False, assumptions=a.sample(i))
        for key in NUMBERS:
            assert getattr(h, key)[i] == pytest.approx(getattr(one.headline, key), rel=1e-12), key
        for many, single in zip(h.runs, one.headline.runs, strict=True):
            assert many["days"][i] == pytest.approx(single["days"], rel=1e-12, nan_ok=True)
            # a 1e28 FLOP run at a low sampled MFU may not finish within the plan: NaT in both
            assert (pd.isna(many["finish"][i]) and pd.isna(single["finish"])) or \
                many["finish"][i] == single["finish"]
            assert many["pool"][i] == single["pool"]
            assert many["goodput"][i] == pytest.approx(single["goodput"], rel=1e-12, nan_ok=True)
        assert h.usd_per_accelerator_hour["lake-mariner"][i] == pytest.approx(
            one.headline.usd_per_accelerator_hour["lake-mariner"], rel=1e-12)


def test_a_sampled_run_writes_nothing(tmp_path):
    a = Assumptions().with_samples({"facility.it_load_factor": [0.8, 0.9]})
    with pytest.raises(GigaplanError, match="a run over samples writes no files"):
        pipeline.run("single-site-100k", tmp_path / "o", assumptions=a)
    assert not (tmp_path / "o").exists()


def test_summary_json_is_the_results_model_and_its_schema_is_published(default_run):
    _, out = default_run
    doc = json.loads((out / "summary.json").read_text())
    assert Results.model_validate(doc).model_dump(mode="json") == doc
    schema = json.loads(invoke("schema", "--results").stdout)
    assert schema["title"] == "gigaplan summary.json"
    assert set(schema["required"]) == set(doc)
    assert "HeadlineSummary" in schema["$defs"] and "WorkloadRow" in schema["$defs"]


@settings(max_examples=40, deadline=None)
@given(flows=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=9),
       first=st.floats(-1e4, -1.0), last=st.floats(1.0, 1e4))
def test_irr_for_many_rows_matches_numpy_financial(flows, first, last):
    values = np.array([first, *flows, last])
    mine = finance.irr(np.stack([values, values * 2.0]))
    ref = npf.irr(values)
    if np.isnan(ref):
        assert np.isnan(mine).all()
    else:
        assert mine == pytest.approx([ref, ref], rel=1e-9, abs=1e-12)


def test_irr_of_a_plain_investment_by_hand():
    # -100 then 39, 59, 55, 20: 28.095% (numpy-financial's documented example)
    assert finance.irr([[-100, 39, 59, 55, 20]])[0] == pytest.approx(0.28095, abs=1e-5)
    # leading and trailing zero years fall back to numpy-financial's own rule
    assert finance.irr([[0, -100, 0, 0, 74, 0]])[0] == pytest.approx(npf.irr([0, -100, 0, 0, 74, 0]))


def test_library_entry_points_give_clear_errors_for_empty_input():
    from gigaplan import load_scenario, training
    from gigaplan.errors import ScenarioError

    with pytest.raises(ScenarioError, match="expected a scenario: a file path, a built-in name"):
        load_scenario(None)
    for empty in ([], pd.DataFrame()):
        with pytest.raises(GigaplanError, match="no runs to plan: give at least one row"):
            training.plan(empty)
