"""Hardening: what `validate` accepts `run` completes; what it should not accept it rejects with
file, path, value and expectation; no traceback; no output folder ever holds a partial or mixed
run. Each defect found in review has its regression test here, numbered as found."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan import pipeline
from gigaplan.errors import GigaplanError

from .conftest import LEGACY
from .helpers import assert_bad_input, edited
from .helpers import invoke


def _run(path, out, *extra):
    return invoke("run", str(path), "-o", str(out), "--no-report", *extra)


def test_1_a_site_and_a_contract_may_not_share_a_name(legacy_text, write):
    path = write(edited(legacy_text, 'name = "azure"', 'name = "texas"'))
    assert_bad_input(invoke("validate", str(path)),
                     "contracts[0].name = 'texas': also the name of sites[0]")


def test_2_blocks_smaller_than_one_accelerator_or_fractional_are_rejected(legacy_text, write):
    path = write(edited(legacy_text, "it_mw = 250                  # assumption: first phase",
                        'it_mw = "1 kW"               # assumption: first phase'))
    assert_bad_input(invoke("validate", str(path)), "sites[0].phases[0].it_mw = 0.001: holds no "
                                                    "whole gb300-nvl72 (one draws 2,025 W of IT, all "
                                                    "in)")
    path = write(edited(legacy_text, 'accelerators = "500k"', "accelerators = 0.5"))
    assert_bad_input(invoke("validate", str(path)),
                     "contracts[2].accelerators = 0.5: expected a whole number of accelerators")


def test_3_user_text_and_help_text_are_never_read_as_markup(legacy_text, write, tmp_path):
    text = edited(legacy_text, 'description = "Anthropic', 'description = "capex [/] opex [bold]')
    text = edited(text, 'name = "dense-400b"', 'name = "run [v2]"')
    result = _run(write(text), tmp_path / "o")
    assert result.exit_code == 0, result.output
    assert "capex [/] opex [bold]" in result.stdout and "run [v2]" in result.stdout
    assert "Sequence length [tokens]" in invoke("train", "--help").stdout


def test_4_dates_outside_1990_2100_are_rejected(legacy_text, write):
    for old, new, path in (("end = 2030-12-31    #", "end = 9999-12-31    #", "horizon.end"),
                           ("start = 2026-01-01  #", "start = 0001-01-01  #", "horizon.start")):
        result = invoke("validate", str(write(edited(legacy_text, old, new))))
        assert_bad_input(result, f"{path} = ")
        assert "expected a date from 1990-01-01 to 2100-12-31" in result.stderr


def test_5_huge_counts_and_power_are_rejected(legacy_text, write):
    for value, message in (("1e15", "accelerators: at most 100,000,000"),
                           ("1e41", "accelerators: at most 100,000,000")):
        path = write(edited(legacy_text, 'accelerators = "1M"', f"accelerators = {value}"))
        assert_bad_input(invoke("validate", str(path)), f"contracts[1].accelerators = {float(value)}")
        assert message in invoke("validate", str(path)).stderr
    path = write(edited(legacy_text, 'it_mw = "1 GW"', 'it_mw = "200 GW"'))
    assert_bad_input(invoke("validate", str(path)), "contracts[0].it_mw = '200 GW'")


def test_6_an_interrupted_rerun_leaves_the_previous_run_whole(tmp_path):
    out = tmp_path / "out"
    assert invoke("run", "fluidstack-2026", "-o", str(out), "--no-report").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen([sys.executable, "-m", "gigaplan", "run", "single-site-100k", "-o",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.2)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    # stopped by the signal (before its handler was set: -15; after: 130), or done
    assert proc.returncode in (0, 130, -signal.SIGTERM), stderr[-2000:]
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    if files != before:  # then it is the whole new run, never a mix of the two
        assert json.loads(files["summary.json"])["scenario"] == "single-site-100k"
        assert set(files) == set(before) | {"report.html"}
        assert b"single-site-100k" in files["report.html"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no leftovers


def test_6_an_interruption_while_writing_keeps_the_previous_run(tmp_path, monkeypatch):
    out = tmp_path / "out"
    pipeline.run("fluidstack-2026", out, report=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = pipeline._write_files

    def interrupted(r, folder, report, progress):
        real(r, folder, False, progress)  # every file written to the new folder, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_write_files", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run("single-site-100k", out, report=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_6_a_full_disk_is_one_line_and_leaves_no_trace(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("gigaplan.pipeline._swap", full)
    result = invoke("run", "single-site-100k", "-o", str(tmp_path / "o"), "--no-report")
    assert_bad_input(result, "cannot write the outputs: No space left on device", code=1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target, message", [
    ("file", "exists and is not a folder"), ("dangling", "a dangling symbolic link"),
    ("/dev/null", "exists and is not a folder"), ("", "output folder is empty"),
    ("foreign", "holds files gigaplan did not write (notes.txt)"),
])
def test_7_bad_output_folders_are_refused_before_any_work(target, message, tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    path = target if target in ("", "/dev/null") else str(tmp_path / target)
    assert_bad_input(invoke("run", "single-site-100k", "-o", path), message)
    assert (tmp_path / "foreign" / "notes.txt").read_text() == "mine"


def test_7_a_folder_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkdtemp", denied)
    assert_bad_input(invoke("run", "single-site-100k", "-o", str(tmp_path / "o")),
                     "cannot write the outputs: Permission denied")


def test_7_init_to_a_missing_folder_or_a_device(tmp_path):
    assert_bad_input(invoke("init", "-o", str(tmp_path / "no" / "dir" / "x.toml")),
                     "no such folder")
    assert_bad_input(invoke("init", "-o", "/dev/full", "--force"), "is not a regular file")
    assert_bad_input(invoke("init", "-o", ""), "-o: name a file to write")


@pytest.mark.parametrize("args, message", [
    (["--flops", "inf"], "--flops = inf: expected a finite number"),
    (["--flops", "1e400"], "--flops = inf: expected a finite number"),
    (["--flops", "1e24", "--count", "1e15"], "--count = 1000000000000000.0: expected at most"),
    (["--flops", "1e24", "--count", "1e300"], "--count = 1e+300: expected at most"),
    (["--flops", "1e24", "--days", "1e-9"], "--days = 1e-09: expected at least"),
])
def test_8_train_rejects_non_finite_and_absurd_sizes(args, message):
    assert_bad_input(invoke("train", "--system", "h100-sxm", *args), message)


def test_8_a_deadline_past_the_reliability_wall_prints_instead_of_crashing():
    result = invoke("train", "--system", "h100-sxm", "--flops", "1e27", "--days", "0.1")
    assert result.exit_code == 0 and "none will do" in result.stdout


def test_9_and_10_reliability_bounds_its_seed_and_its_work():
    assert_bad_input(invoke("reliability", "--accelerators", "1000", "--days", "3", "--seed",
                            "-1"), "--seed = '-1': expected at least 0")
    assert_bad_input(invoke("reliability", "--accelerators", "1e9", "--days", "3"),
                     "--accelerators = '1e9': expected at most 1e+08")
    # 10^8 accelerators fail every 0.3 s: the simulation shrinks to what fits its event budget
    r = json.loads(invoke("reliability", "--accelerators", "1e8", "--days", "10",
                          "--json").stdout)
    assert r["replications"] < r["replications_asked"] == 1000
    assert r["replications"] * r["events_per_replication"] <= 5e7


def test_11_huge_phases_are_named_by_their_field(legacy_text, write):
    path = write(edited(legacy_text, "it_mw = 250                  # assumption: first phase",
                        "accelerators = 1e15          # assumption: first phase"))
    assert_bad_input(invoke("run", str(path)), "sites[0].phases[0].accelerators = 1000000000000000.0: accelerators: at most "
                     "100,000,000")


def test_12_a_phase_online_before_the_horizon_is_sunk(legacy_text, write):
    text = edited(legacy_text, "online = 2026-07-01", "online = 1990-01-01")
    r = pipeline.run(write(text), None, report=False)
    base = pipeline.run(LEGACY, None, report=False)
    tx1 = next(b for b in r.summary.finance.blocks if b.block == "tx-1")
    # its capex is out of the cash flow (not compounded from 1990: NPV within the default's)
    assert r.summary.finance.capex_in_horizon_usd == pytest.approx(
        base.summary.finance.capex_in_horizon_usd - tx1.total_usd, rel=1e-9)
    assert r.summary.finance.npv_usd > base.summary.finance.npv_usd
    # nothing is paid for it from 1988 (its construction) to 2025; what 2025 holds is the
    # construction of the phases that come online in 2027 (18 months' lead)
    y = r.cashflow.set_index("year")
    assert y.index.min() == 1988 and y.loc[:2024, ["capex_usd", "opex_usd"]].abs().sum().sum() == 0
    base_2025 = base.cashflow.set_index("year").loc[2025, "capex_usd"]
    assert y.loc[2025, "opex_usd"] == 0 and 0 < y.loc[2025, "capex_usd"] < base_2025
    assert any("online from 1990-01-01, before the horizon starts: its capex is sunk" in w
               for w in r.summary.warnings)


def test_13_the_waterfall_names_every_system_of_the_site(legacy_run):
    r, out = legacy_run
    html = (out / "report.html").read_text(encoding="utf-8")
    # Texas holds 250 MW / 2,025 W = 123,456 and 350 MW / 2,025 W = 172,839 GB300, and 400 MW
    # / 3,000.24 W = 133,322 Vera Rubin packages (whole accelerators per phase at the all-in
    # critical IT per accelerator): 1,000 MW of nominal IT
    assert "texas at full build (296,295 x gb300-nvl72 + 133,322 x vr200-nvl144)" in html
    # drawing 0.8 of it on average (facility.it_load_factor)
    assert r.sweeps.distribution.chains["ac"]["it_mw"] == pytest.approx(800.0, rel=0.01)


def test_14_the_assumptions_table_prints_no_float_noise(default_run):
    html = (default_run[1] / "report.html").read_text(encoding="utf-8")
    assert "9,999,999,999,999,999,583,119,736,832" not in html and ">1e+28<" in html


@pytest.mark.parametrize("old, new, message", [
    ("deadline = 2027-06-30", "deadline = 2050-06-30", "workloads[1].deadline = '2050-06-30': "
                                                       "after horizon.end"),
    ("flops = 1e26 ", "flops = 1e-300 ", "workloads[1].flops = 1e-300"),
    ('use = ["texas", "new-york"]  # assumption: the owned', 'use = []  # assumption: the owned',
     "workloads[0].use"),
    ("October 2025\nend = 2030-12-31", "October 2025\nend = 2025-12-31",
     "contracts[2].end = '2025-12-31': not after horizon.start"),
    ('accelerators = "500k"', 'accelerators = "1e9"', "contracts[2].accelerators"),
    ('tax_credit = 0 ', 'utilization = 1e-12\ntax_credit = 0 ', "finance.utilization = 1e-12"),
    ('tax_credit = 0 ', 'refresh = "yes"\ntax_credit = 0 ', "finance.refresh = 'yes'"),
])
def test_15_nonsense_is_rejected_with_its_path(legacy_text, write, old, new, message):
    assert_bad_input(invoke("validate", str(write(edited(legacy_text, old, new)))), message)


def test_15_budget_and_runs_print_no_absurd_numbers_nor_numpy_warnings():
    assert_bad_input(invoke("budget", "--usd", "1e300", "--system", "h100-sxm"),
                     "--usd = '1e300': expected at most 1e+14")
    code = ("import warnings, gigaplan.pipeline as p; warnings.simplefilter('error'); "
            "p.run('single-site-100k', None); p.run('fluidstack-2026', None, report=False)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_16_csv_cells_that_look_like_formulas_are_neutralised(legacy_text, write, tmp_path):
    text = legacy_text.replace('"texas"', '"=HYPERLINK(""x"")"'.replace('""', "'"))
    result = _run(write(text), tmp_path / "o")
    assert result.exit_code == 0, result.output
    for name in ("blocks.csv", "facility_by_year.csv", "reliability.csv", "workloads.csv"):
        raw = (tmp_path / "o" / name).read_text(encoding="utf-8")
        assert "=HYPERLINK" in raw and ",=HYPERLINK" not in raw and "\n=HYPERLINK" not in raw
        assert "'=HYPERLINK" in raw, name


def test_17_many_workloads_keep_the_headline_short(minimal, tmp_path, write):
    import tomlkit

    minimal["horizon"] = {"start": "2026-01", "end": "2030-12"}
    minimal["workloads"] = [{"name": f"w{i}", "flops": 1e23 * (1 + i % 7), "deadline": "2030-06"}
                            for i in range(60)]
    result = _run(write(tomlkit.dumps(minimal)), tmp_path / "o")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert len(summary["headline"]["runs"]) == 20 and summary["headline"]["runs_total"] == 60
    assert len(summary["workloads"]) == 60
    assert len(pd.read_csv(tmp_path / "o" / "workloads.csv")) == 60
    assert "40 more in workloads.csv" in result.stdout and "w59" not in result.stdout


def test_18_a_byte_order_mark_and_json_scenarios_are_read(legacy_text, write):
    path = write(("\ufeff" + legacy_text).encode("utf-8"))
    assert invoke("validate", str(path)).exit_code == 0
    import tomllib

    data = tomllib.loads(legacy_text)
    as_json = json.dumps(data, default=str)
    assert invoke("validate", str(write(as_json, "s.json"))).exit_code == 0
    assert_bad_input(invoke("validate", str(write("{", "bad.json"))), "JSON syntax error at line 1")


def test_19_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert_bad_input(invoke("validate", str(fifo)), "is not a regular file")
    assert_bad_input(invoke("validate", "/dev/zero"), "is not a regular file")
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 10_000_001)
    assert_bad_input(invoke("validate", str(big)), "a scenario file is at most 10,000,000")


def test_20_every_numeric_flag_takes_unit_strings():
    assert invoke("power", "--system", "h100-sxm", "--count", "100k", "--json").exit_code == 0
    r = json.loads(invoke("budget", "--usd", "$50B", "--system", "gb300-nvl72", "--json").stdout)
    assert r["budget_usd"] == 50e9
    c = json.loads(invoke("cost", "--system", "h100-sxm", "--count", "10k", "--utilization",
                          "70%", "--cloud-price", "$2.50/h", "--json").stdout)
    assert c["utilization"] == 0.7 and c["cloud_usd_per_hour"] == 2.5


def test_quiet_prints_the_headline_only_and_files_come_last(tmp_path):
    result = invoke("run", "single-site-100k", "-o", str(tmp_path / "o"), "-q", "--no-report")
    assert result.exit_code == 0
    assert "Headline" in result.stdout and "Capacity blocks" not in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("wrote 8 files to ")


def test_progress_lines_go_to_stderr_when_piped(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "gigaplan", "run", "fluidstack-2026", "-o",
                           str(tmp_path / "o"), "--no-report"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    assert all(line.startswith(("gigaplan: ", "warning: ")) for line in proc.stderr.splitlines())


def test_catalog_tables_fit_80_columns():
    proc = subprocess.run([sys.executable, "-m", "gigaplan", "catalog", "accelerators"],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"})
    assert proc.returncode == 0
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    assert "…" not in proc.stdout and "989" in proc.stdout and "gb300-nvl72" in proc.stdout


def test_pipeline_errors_are_gigaplan_errors():
    with pytest.raises(GigaplanError, match="no such file"):
        pipeline.run("no-such-scenario.toml", None)


# ------------------------------------------------------------ valid scenarios always run

@st.composite
def scenarios(draw):
    """Valid-looking scenarios of every shape: sites of any catalog system, contracts,
    workloads of any size; invalid draws are rejected by validation, never crash."""
    import datetime as dt

    from gigaplan import catalog

    start = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
    end = start + dt.timedelta(days=draw(st.integers(200, 3000)))
    systems = catalog.accelerator_names()
    span = (end - start).days

    def when(lo: int = -400) -> str:  # some phases and contracts begin before the horizon
        return (start + dt.timedelta(days=draw(st.integers(lo, span)))).isoformat()

    sites = []
    for i in range(draw(st.integers(0, 3))):
        phases = sorted(({"online": when(), "system": draw(st.sampled_from(systems)),
                          "it_mw": draw(st.floats(0.5, 2000)),
                          "ramp_months": draw(st.floats(0, 24)),
                          "price_usd_per_accelerator": draw(st.floats(5e3, 1e5))}
                         for _ in range(draw(st.integers(1, 3)))), key=lambda p: p["online"])
        lease = ({"ownership": "leased", "lease_usd_per_kw_month": draw(st.floats(50, 400)),
                  "lease_term_years": draw(st.floats(1, 25)),
                  "lease_escalator": draw(st.floats(0, 0.1))} if draw(st.booleans()) else {})
        sites.append({"name": f"s{i}", "region": draw(st.sampled_from(catalog.region_names())),
                      "cooling": draw(st.sampled_from(["liquid", "hybrid"])),
                      "distribution": draw(st.sampled_from(["ac", "hvdc"])),
                      "grid_cap_mw": sum(p["it_mw"] for p in phases) * draw(st.floats(0.9, 3)),
                      "phases": phases, **lease})
    contracts = []
    for i in range(draw(st.integers(0, 2))):
        c_start, c_end = sorted((when(), when(1)))
        size = ({"tranches": [{"start": c_start, "accelerators": float(draw(st.integers(1, 1e6)))},
                              {"start": c_end, "accelerators": 1.0}]}  # one out of its term
                if draw(st.booleans()) else
                {"accelerators": float(draw(st.integers(1, 2_000_000)))})
        price = (draw(st.sampled_from([{"price_usd_per_accelerator_hour": 2.0},
                                       {"total_value_usd": 1e9}, {}])))
        contracts.append({"name": f"c{i}", "provider": "p",
                          "system": draw(st.sampled_from(systems)), "start": c_start, "end": c_end, **size, **price,
                          "price_escalator": draw(st.floats(-0.3, 0.3)),
                          "take_or_pay": draw(st.booleans()),
                          "committed_usd": draw(st.sampled_from([None, 1e8, 1e10])),
                          "option_it_mw": draw(st.sampled_from([None, 10.0, 1e5]))})
    serving = [{"name": f"api{i}", "params": draw(st.sampled_from(["8B", "70B", "2T"])),
                "precision": draw(st.sampled_from(["bf16", "fp8", "fp4"])),
                "tokens_per_day": draw(st.floats(1e6, 1e14)),
                "growth_per_year": draw(st.floats(-0.5, 5)),
                "share_trough": draw(st.booleans()),
                "price_usd_per_million_output": draw(st.floats(0, 30))}
               for i in range(draw(st.integers(0, 2)))]
    workloads = [{"name": f"w{i}", "flops": draw(st.floats(1e20, 1e28)),
                  "precision": draw(st.sampled_from(["bf16", "fp8"])), "deadline": when(1),
                  "multi_site": draw(st.booleans()),
                  "recovery": draw(st.sampled_from(["storage", "async", "memory", "elastic"]))}
                 for i in range(draw(st.integers(0, 3)))]
    return {"name": "drawn", "horizon": {"start": start.isoformat(), "end": end.isoformat()},
            "finance": {"revenue_usd_per_accelerator_hour": draw(st.floats(0.5, 10)),
                        "refresh": draw(st.booleans()), "debt_share": draw(st.floats(0, 1)),
                        "debt_tenor_years": draw(st.integers(1, 30)),
                        "repayment": draw(st.sampled_from(["level", "linear"])),
                        "depreciation": draw(st.sampled_from(["straight_line", "macrs"])),
                        "bonus_depreciation": draw(st.floats(0, 1)),
                        "residual_share": draw(st.floats(0, 0.5)),
                        "energy_escalator": draw(st.floats(-0.05, 0.1))},
            "sites": sites, "contracts": contracts, "workloads": workloads,
            "serving": serving,
            "parameters": {"reliability.restart_minutes": draw(st.floats(0, 60)),
                           "reliability.memory_restart_minutes": draw(st.floats(0, 60)),
                           "facility.it_load_factor": draw(st.floats(0.1, 1.0)),
                           "facility.network_share_rack": draw(st.floats(0, 1)),
                           "facility.storage_share": draw(st.floats(0, 1))}}


@settings(max_examples=int(os.environ.get("GIGAPLAN_FUZZ", 25)), deadline=None)
@given(d=scenarios())
def test_anything_validate_accepts_run_completes(d):
    import warnings

    from gigaplan import report
    from gigaplan.errors import ScenarioError
    from gigaplan.scenario import load_scenario

    try:
        s = load_scenario(d)
    except ScenarioError:
        return  # rejected with its paths: fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning either
        r = pipeline.run(s, None)
        html = report.build(r)
    assert r.summary.scenario == "drawn" and "</html>" in html
    json.loads(r.summary.to_json())


def test_21_yaml_aliases_and_deep_nesting_are_refused_not_expanded(write):
    # a "billion laughs": seven levels of nine aliases each would be 9^7 = 4.8M strings once
    # validation walks them; aliases are refused at the first one, with its line
    laughs = ['name: bomb', 'horizon: {start: 2026-01-01, end: 2027-01-01}',
              'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdef", "bcdefg")]
    laughs += ["description: *g"]
    assert_bad_input(invoke("validate", str(write("\n".join(laughs), "bomb.yaml"))),
                     "line 4, column 8: YAML aliases (*name) are not accepted")
    # nesting past 100 levels: YAML's composer and json.loads recursed into a RecursionError
    deep = "[" * 5000 + "]" * 5000
    assert_bad_input(invoke("validate", str(write(f"name: x\na: {deep}\n", "deep.yaml"))),
                     "YAML value nested more than 100 levels deep")
    assert_bad_input(invoke("validate", str(write(f'{{"name": "x", "a": {deep}}}', "d.json"))),
                     "JSON nested more than 100 levels deep")
    shallow = "[" * 101 + "]" * 101  # 102 levels with the top table: refused the same way
    assert_bad_input(invoke("validate", str(write(f'{{"name": "x", "a": {shallow}}}', "s.json"))),
                     "JSON nested more than 100 levels deep")
