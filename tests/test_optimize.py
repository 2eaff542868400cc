"""gigaplan optimize: the MILP's optimum equals brute force on small instances, its plan runs
through gigaplan run meeting its deadlines, relaxing limits never costs more, raising demand
never costs less, infeasible problems name their conflicting limits, bad input exits 2."""

from __future__ import annotations

import copy
import itertools
import json

import numpy as np
import tomlkit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigaplan.errors import ScenarioError
from gigaplan.optimize import InfeasibleError, build_inputs, load_problem, solve
from gigaplan.optimize.inputs import priced_inputs
from gigaplan.optimize.plan import optimize

from .helpers import invoke, render_offline

#: Three sites (one may be leased), two systems, four quarters, one cloud contract.
SMALL = {
    "name": "small",
    "horizon": {"start": "2026-01-01", "end": "2026-12-31", "period": "quarter"},
    "demand": [{"start": "2026-04-01", "eflops": 12}, {"start": "2026-10-01", "eflops": 30}],
    "sites": [
        {"name": "a", "region": "ercot", "max_grid_mw": 80, "earliest": "2026-01-01",
         "step_mw": 40, "max_steps": 1, "options": ["build", "lease"],
         "lease_usd_per_kw_month": 150},
        {"name": "b", "region": "nyiso", "max_grid_mw": 80, "earliest": "2026-04-01",
         "step_mw": 40, "max_steps": 1},
        {"name": "c", "region": "pjm", "max_grid_mw": 80, "earliest": "2026-01-01",
         "lead_months": 6, "step_mw": 40, "max_steps": 1},
    ],
    "systems": [{"name": "gb300-nvl72", "available": "2026-01-01"},
                {"name": "h100-sxm", "available": "2025-01-01"}],
    "contracts": [{"name": "cloud", "provider": "Cloud", "system": "h100-sxm",
                   "price_usd_per_accelerator_hour": 2.2, "available": "2026-01-01",
                   "max_accelerators": 40_000}],
}


def _problem(**change):
    d = copy.deepcopy(SMALL)
    d.update(change)
    return load_problem(d)


def _brute_force(p, pricing: str = "engine") -> float:
    """The least cost over every plan, enumerated: each site holds nothing or one step of one
    (mode, system) from one period on; the contract fills what the sites leave of each
    period's demand (the cheapest way, as its cost is linear and per period). Priced by the
    finance engine (each step by the period it comes online, each rented accelerator by its
    period) or by annuities while installed."""
    inp = priced_inputs(p, pricing=pricing)
    eng = inp.engine
    opt, T = inp.options, len(inp.starts)
    k = inp.contracts.iloc[0]
    per_site = []
    for s in p.sites:
        rows = opt.index[opt["site"] == s.name]
        per_site.append([None] + [(o, t) for o in rows for t in range(inp.first[o], T)])
    best = np.inf
    hours = inp.years * 8760.0
    for plan in itertools.product(*per_site):
        eff = np.zeros(T)
        cost = 0.0
        for choice in plan:
            if choice is None:
                continue
            o, t0 = choice
            inst = (np.arange(T) >= t0).astype(float)
            eff += inst * opt.loc[o, "eff_flops"]
            cost += (eng.u[o, t0] if eng is not None else
                     float(np.sum(inst * opt.loc[o, "annual_usd"] * inp.discount * inp.years)))
        gap = np.maximum(inp.demand_flops - eff, 0.0)
        rent = gap / k["eff_flops"]
        if np.any(rent > k["max"] + 1e-6):
            continue
        cost += float(np.sum(rent * np.nan_to_num(eng.v[0])) if eng is not None else
                      np.sum(rent * k["usd_per_hour"] * hours * inp.discount))
        best = min(best, cost)
    return best


@pytest.mark.parametrize("pricing", ["engine", "annuity"])
def test_the_milp_optimum_equals_brute_force(pricing):
    # 3 sites x (up to 2 modes x 2 systems x 4 quarters) + nothing: 1 x 17 x 9 x 9 = 1,377
    # plans with the contract filling the rest; the MILP at gap 0 finds the same least cost
    p = _problem()
    s = solve(p, gap=0.0, pricing=pricing)
    assert s.objective_usd == pytest.approx(_brute_force(p, pricing), rel=1e-6)
    # and without the contract's help where the demand exceeds what it can give
    tight = _problem(contracts=[{**SMALL["contracts"][0], "max_accelerators": 5_000}])
    assert solve(tight, gap=0.0, pricing=pricing).objective_usd == pytest.approx(
        _brute_force(tight, pricing), rel=1e-6)


def test_the_plan_runs_through_gigaplan_run_and_meets_its_deadlines(tmp_path):
    p = _problem(workloads=[{"name": "run-1e26", "flops": 1e26, "deadline": "2026-12-31"}])
    o = optimize(p, "small.toml")
    assert all(w["status"] == "on time" for w in o.workloads), o.workloads
    path = tmp_path / "plan.toml"
    path.write_text(o.text, encoding="utf-8")
    assert invoke("validate", str(path)).exit_code == 0
    # every value is marked as chosen from the problem
    lines = [x for x in o.text.splitlines() if "=" in x and not x.startswith("#")]
    assert lines and all("# assumption: chosen by gigaplan optimize from small.toml" in x
                         for x in lines)
    result = invoke("run", str(path), "-o", str(tmp_path / "out"), "--no-samples", "--json")
    assert result.exit_code == 0
    run = json.loads(result.stdout)["workloads"][0]
    assert run["name"] == "run-1e26" and run["status"] == "on time"


@settings(max_examples=5, deadline=None)
@given(more_mw=st.sampled_from([0.0, 40.0, 80.0]), site=st.integers(0, 2))
def test_relaxing_a_grid_limit_never_costs_more(more_mw, site):
    base = _problem(demand=[{"start": "2026-04-01", "eflops": 40}])
    sites = copy.deepcopy(SMALL["sites"])
    sites[site] = {**sites[site], "max_grid_mw": sites[site]["max_grid_mw"] + more_mw,
                   "max_steps": 3}
    relaxed = _problem(demand=[{"start": "2026-04-01", "eflops": 40}], sites=sites)
    b = solve(base, gap=0.0).objective_usd
    assert solve(relaxed, gap=0.0).objective_usd <= b * (1 + 1e-9)


@settings(max_examples=5, deadline=None)
@given(low=st.floats(5, 30), extra=st.floats(0, 20))
def test_raising_demand_never_lowers_cost(low, extra):
    cost = [solve(_problem(demand=[{"start": "2026-04-01", "eflops": d}]), gap=0.0
                  ).objective_usd for d in (low, low + extra)]
    assert cost[1] >= cost[0] * (1 - 1e-9)


def test_a_budget_or_share_limit_never_lowers_cost():
    free = solve(_problem(), gap=0.0).objective_usd
    for limits in ({"max_site_share": 0.6}, {"n_minus_1": 0.3}, {"max_provider_share": 0.5}):
        try:
            assert solve(_problem(limits=limits), gap=0.0).objective_usd >= free * (1 - 1e-9)
        except InfeasibleError:
            pass  # a limit may also leave no plan at all


def test_an_infeasible_problem_names_the_limits_that_conflict():
    p = _problem(limits={"budget_usd": 1e6})
    with pytest.raises(InfeasibleError, match="budget"):
        solve(p)
    result = invoke("optimize", "small-infeasible.toml")  # a file that is not there
    assert result.exit_code == 2 and "no such problem file" in result.stderr


def test_the_catalog_lists_the_built_in_problems():
    rows = json.loads(invoke("catalog", "problems", "--json").stdout)
    assert [r["name"] for r in rows] == ["fluidstack-2026"]
    assert rows[0]["sites"] == 9 and rows[0]["contracts"] == 4 and rows[0]["period"] == "month"


def test_bad_problems_exit_2_with_the_path(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('name = "x"\n[horizon]\nstart = 2026-01-01\nend = 2025-01-01\n'
                    '[[systems]]\nname = "h100"\navailable = 2026-01-01\n', encoding="utf-8")
    result = invoke("optimize", str(path))
    assert result.exit_code == 2 and "horizon" in result.stderr
    with pytest.raises(ScenarioError, match=r"systems\[2\].name = 'tpu9'"):
        _problem(systems=SMALL["systems"] + [{"name": "tpu9", "available": "2026-01-01"}])
    with pytest.raises(ScenarioError, match="lease_usd_per_kw_month"):
        _problem(sites=[{**SMALL["sites"][1], "options": ["lease"]}])
    # a unit of the wrong kind, and a misspelt key with the closest allowed one
    with pytest.raises(ScenarioError, match=r"sites\[0\].max_grid_mw = '80 kg'.*power"):
        _problem(sites=[{**SMALL["sites"][0], "max_grid_mw": "80 kg"}] + SMALL["sites"][1:])
    with pytest.raises(ScenarioError, match=r"limits.budget_us.*did you mean budget_usd"):
        _problem(limits={"budget_us": 1e9})


def test_a_problem_takes_units_and_its_marks_travel_into_the_plan(tmp_path):
    # the scenario's unit strings: "80 MW", "$150/kW-month", "$2.2/h", "90%", "0.5 Mt",
    # "30 EFLOP/s", "1e25 FLOP", "40k"; the same problem in plain numbers solves to the same plan
    text = """
name = "units"
[horizon]
start = 2026-01-01
end = 2026-12-31
[[demand]]
start = 2026-04-01            # assumption: a test demand
eflops = "30 EFLOP/s"         # assumption: a test demand
[[workloads]]
name = "run"
flops = "1e25 FLOP"           # source: a test run
deadline = 2026-12-31         # assumption: a test deadline
[[sites]]
name = "a"
region = "ercot"              # source: a test region
max_grid_mw = "0.08 GW"       # source: a test interconnect
earliest = 2026-01-01         # assumption
step_mw = "40 MW"             # assumption
max_steps = 1                 # assumption
options = ["build", "lease"]  # assumption
lease_usd_per_kw_month = "$150/kW-month"  # source: a test lease
[[systems]]
name = "gb300-nvl72"
available = 2026-01-01        # assumption
[[contracts]]
name = "cloud"
provider = "Cloud"
system = "h100-sxm"           # assumption
price_usd_per_accelerator_hour = "$2.2/h"  # source: a test price
available = 2026-01-01        # assumption
max_accelerators = "40k"      # assumption
[limits]
max_provider_share = "90%"    # assumption
co2_t = "0.5 Mt"              # assumption
"""
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    p = load_problem(path)
    assert p.sites[0].max_grid_mw == 80 and p.sites[0].lease_usd_per_kw_month == 150
    assert p.demand[0].eflops == 30 and p.contracts[0].max_accelerators == 40_000
    assert p.limits.max_provider_share == 0.9 and p.limits.co2_t == 5e5
    assert p.contracts[0].price_usd_per_accelerator_hour == 2.2
    # names and providers are labels; the horizon is the one thing left unmarked here
    assert p.unmarked() == ["horizon.start", "horizon.end"]
    assert p.provenance["sites[0].region"].text == "a test region"
    plain = load_problem({**tomlkit.parse(text).unwrap(), "sites": [
        {**SMALL["sites"][0], "step_mw": 40, "max_steps": 1}]})
    o = optimize(p, "units.toml", gap=0.0)
    assert o.solution.objective_usd == pytest.approx(
        optimize(plain, "x", gap=0.0).solution.objective_usd, rel=1e-9)
    # the plan carries the problem's marks on the values it copies, its own on its choices
    lines = {x.split(" = ")[0]: x for x in o.text.splitlines() if " = " in x}
    assert "# source: a test region (through gigaplan optimize from units.toml)" in \
        lines["region"]
    assert "# source: a test price (through" in lines["price_usd_per_accelerator_hour"]
    assert "# source: a test run (through" in lines["flops"]
    assert "# assumption: chosen by gigaplan optimize from units.toml" in lines["accelerators"]
    out = tmp_path / "plan.toml"
    out.write_text(o.text, encoding="utf-8")
    assert invoke("validate", str(out)).exit_code == 0


@pytest.mark.slow
def test_the_shipped_problem_solves_and_its_plan_meets_both_deadlines(tmp_path):
    p = load_problem("fluidstack-2026")
    # the size the benchmark asks of it: >= 8 candidate sites, 5 years by month, >= 4 systems,
    # >= 4 contracts
    assert len(p.sites) >= 8 and len(p.systems) >= 4 and len(p.contracts) >= 4
    assert p.horizon.period == "month" and len(build_inputs(p).starts) == 60
    result = invoke("optimize", "fluidstack-2026", "-o", str(tmp_path), "--json",
                    "--threads", "2", "--gap", "0.01")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["mip_gap"] <= 0.01 and doc["objective_usd"] > 0
    assert {w["name"]: w["status"] for w in doc["workloads"]} == {
        "frontier-2e27": "on time", "frontier-1e28": "on time"}
    assert invoke("validate", str(tmp_path / "plan.toml")).exit_code == 0
    page = (tmp_path / "optimize.html").read_text(encoding="utf-8")
    for part in ("<h2>Builds</h2>", "<h2>Rents</h2>", "frontier-1e28", "optimize-capacity-plot"):
        assert part in page, part
    # every period's demand is met by what the plan delivers
    for row in doc["capacity"]:
        assert row["effective_eflops"] >= row["demand_eflops"] * (1 - 1e-6)
    # and every claim holds in gigaplan run: its cost is the objective (engine pricing), the
    # demand, the provider share, N-1 and the capex a year
    assert doc["pricing"] == "engine"
    assert {c["check"]: c["ok"] for c in doc["checks"]} == {
        "cost": True, "deadline frontier-2e27": True, "deadline frontier-1e28": True,
        "demand": True, "provider share": True, "N-1": True, "capex per year": True}
    assert "<h2>Checked by gigaplan run</h2>" in page


def test_the_optimize_page_renders_offline(tmp_path):
    p = _problem(workloads=[{"name": "run-1e26", "flops": 1e26, "deadline": "2026-12-31"}])
    from gigaplan.report import optimize_page

    path = optimize_page.write(optimize(p, "small.toml"), tmp_path)
    (fid, width, height, marks), = render_offline(path, plots=1)
    assert fid == "optimize-capacity" and width > 200 and height > 200 and marks > 0


def test_max_compute_spends_within_the_budget_and_more_budget_never_gives_less():
    got = []
    for budget in (2e9, 4e9, 8e9):
        s = solve(_problem(objective="max_compute", demand=[],
                           limits={"budget_usd": budget}), gap=0.0)
        assert s.spend_usd <= budget * (1 + 1e-9)
        got.append(s.compute_eflops_years)
    assert got[0] > 0 and got[0] <= got[1] <= got[2]
    with pytest.raises(ScenarioError, match="needs a budget"):
        _problem(objective="max_compute")


def _uncertain(base=None, **u):
    d = copy.deepcopy(base or SMALL)
    d["uncertainty"] = u
    return load_problem(d)


#: SMALL with a deadline and a contract that has a minimum size and term.
BOUND = {**SMALL, "workloads": [{"name": "run-1e26", "flops": 1e26, "deadline": "2026-12-31"}],
         "contracts": [{**SMALL["contracts"][0], "min_accelerators": 8000,
                        "min_term_months": 6}]}


#: BOUND with a served model.
SERVED = {**BOUND, "serving": [{"name": "chat", "params": 70e9, "tokens_per_day": 5e12,
                                "growth_per_year": 1.0, "start": "2026-04-01"}]}


@pytest.mark.parametrize("base", [SMALL, BOUND, SERVED],
                         ids=["plain", "deadline-min-term", "serving"])
def test_one_certain_sample_gives_the_deterministic_plan(base):
    # one sample at the central demand with no delay: the two-stage programme is the
    # deterministic one, minimum sizes, terms, deadlines and serving included, so the same
    # cost, as long as leaving demand unmet costs more than meeting it (the penalties here
    # are set far above any build or rent)
    from gigaplan.optimize.stochastic import central_plan, solve_two_stage

    p = _uncertain(base, samples=1, demand_low=1.0, demand_high=1.0, delay_months_high=0,
                   unserved_usd_per_eflops_hour=1e7, unserved_usd_per_million_tokens=1e4)
    det = solve(p, gap=0.0)
    two = solve_two_stage(p, gap=0.0, deterministic=det)
    assert two.expected_usd == pytest.approx(det.objective_usd, rel=1e-6)
    assert two.vss_usd == pytest.approx(0.0, abs=1e-6 * det.objective_usd)
    # its builds, rented for the central case, are the deterministic plan's cost again
    assert central_plan(p, two, gap=0.0).objective_usd == pytest.approx(det.objective_usd,
                                                                        rel=1e-6)


def test_planning_for_the_samples_never_costs_more_than_ignoring_them(tmp_path):
    p = _uncertain(samples=12, seed=3)
    from gigaplan.optimize.stochastic import draw, solve_two_stage

    mult, delays = draw(p)
    assert mult.min() >= 0.8 and mult.max() <= 1.3 and delays.max() <= 6
    assert np.array_equal(draw(p)[1], delays)  # one seed, the same draws
    two = solve_two_stage(p, gap=0.0)
    assert two.vss_usd >= -1e-6 * two.expected_usd  # the value of the stochastic solution
    assert two.cvar_usd >= two.expected_usd * (1 - 1e-9)
    averse = solve_two_stage(_uncertain(samples=12, seed=3, risk_weight=1.0), gap=0.0)
    assert averse.cvar_usd <= two.cvar_usd * (1 + 1e-6)  # minimising CVaR lowers it
    path = tmp_path / "u.toml"
    import tomlkit

    d = copy.deepcopy(BOUND)
    d["uncertainty"] = {"samples": 6}
    path.write_text(tomlkit.dumps(d), encoding="utf-8")
    out = tmp_path / "out"
    doc = json.loads(invoke("optimize", str(path), "-o", str(out), "--json").stdout)
    st = doc["stochastic"]
    assert st["samples"] == 6 and st["vss_usd"] >= -1.0
    # the two-stage builds, rented for the central case, written as a scenario and checked
    # by gigaplan run: on time, demand met, its cost the central plan's
    assert invoke("validate", str(out / "plan-two-stage.toml")).exit_code == 0
    assert {c["check"]: c["ok"] for c in st["checks"]} == {
        "cost": True, "deadline run-1e26": True, "demand": True}
    # it cannot beat the deterministic optimum by more than that solve's gap (0.5%)
    assert st["central_plan_usd"] >= doc["objective_usd"] * (1 - 0.005)
    assert "<h2>Under uncertainty</h2>" in (out / "optimize.html").read_text(encoding="utf-8")


def test_the_model_uses_no_shift_semantics_linopy_will_change():
    # every shifted term is filled explicitly (linopy's v1 semantics would otherwise drop the
    # constraints that hold them): solving raises no LinopySemanticsWarning
    import warnings

    from linopy.config import LinopySemanticsWarning

    from gigaplan.optimize.stochastic import solve_two_stage

    with warnings.catch_warnings():
        warnings.simplefilter("error", LinopySemanticsWarning)
        p = _uncertain(BOUND, samples=2, seed=1)
        solve_two_stage(p, gap=0.0, deterministic=solve(p, gap=0.0))


def test_priced_by_the_finance_engine_the_plans_cost_is_what_gigaplan_run_reports(tmp_path):
    # the engine's NPV is minus the sum of its sites' and contracts' present costs, each linear
    # in its size, so a plan priced candidate by candidate with them costs in gigaplan run what
    # the objective says: within the rounding of rented accelerators up to whole ones
    p = _problem(workloads=[{"name": "run-1e26", "flops": 1e26, "deadline": "2026-12-31"}])
    o = optimize(p, "small.toml", gap=0.0)
    assert o.to_dict()["pricing"] == "engine"  # the default
    assert len(o.solution.builds) and len(o.solution.rents)  # a lease and a rent both priced
    assert -o.run_npv_usd == pytest.approx(o.solution.objective_usd, rel=1e-5)
    path = tmp_path / "plan.toml"
    path.write_text(o.text, encoding="utf-8")
    run = json.loads(invoke("run", str(path), "-o", str(tmp_path / "o"), "--no-samples",
                            "--json").stdout)
    assert -run["headline"]["npv_usd_b"] * 1e9 == pytest.approx(o.solution.objective_usd,
                                                                rel=1e-5)
    assert {c["check"]: c["ok"] for c in o.checks} == {
        "cost": True, "deadline run-1e26": True, "demand": True}
    # the annuity pricing is not the engine's accounting: said, not hidden
    fast = optimize(p, "small.toml", gap=0.0, pricing="annuity")
    assert fast.to_dict()["pricing"] == "annuity"
    assert next(c for c in fast.checks if c["check"] == "cost")["ok"] is None
    assert invoke("optimize", "x.toml", "--pricing", "exact").exit_code == 2


def test_the_plan_meets_every_limit_it_claims_in_gigaplan_run():
    # each limit set just tight enough to bind or nearly: capex a year, budget, CO2, site and
    # provider shares, N-1; the run of the plan (capex by year as the cash flow books it,
    # spend over the horizon, the facility model's CO2, capacity by period) meets them all
    free = optimize(_problem(), "small.toml", gap=0.0)
    run = {c["check"]: c["run"] for c in free.checks}
    assert run["cost"] == pytest.approx(free.solution.objective_usd, rel=1e-4)
    limits = {"capex_usd_per_year": 1.15e9, "budget_usd": free.solution.spend_usd * 1.2,
              "co2_t": 9e4, "water_m3": "2e6 m3", "max_site_share": 0.7,
              "max_provider_share": 0.8, "n_minus_1": 0.3}
    o = optimize(_problem(limits=limits), "small.toml", gap=0.0)
    got = {c["check"]: c for c in o.checks}
    assert set(got) == {"cost", "demand", "site share", "provider share", "N-1",
                        "capex per year", "budget", "CO2", "water"}
    assert all(c["ok"] for c in got.values()), o.checks
    # the programme's own capex of its dearest year, spend and CO2 are the run's (the engine's
    # accounting), not only within the limits; the site share binds at 70%
    for name in ("capex per year", "budget", "CO2", "water"):
        assert got[name]["claimed"] == pytest.approx(got[name]["run"], rel=1e-5), name
    assert got["site share"]["run"] == pytest.approx(0.7, rel=1e-4)
    # the limits cost something: the constrained plan is dearer than the free one
    assert o.solution.objective_usd >= free.solution.objective_usd * (1 - 1e-9)


def test_a_site_is_built_with_the_best_of_its_cooling_and_distribution_choices():
    # site "a" may be air- or liquid-cooled, with AC or HVDC distribution; the programme picks
    # one design for all its steps, and its cost is the least of the four problems with the
    # design fixed (each solved at gap 0)
    site = {**SMALL["sites"][0], "max_steps": 2, "max_grid_mw": 200,
            "cooling": ["air", "liquid"], "distribution": ["ac", "hvdc"]}
    choose = _problem(sites=[site], demand=[{"start": "2026-04-01", "eflops": 25}],
                      contracts=[])
    o = optimize(choose, "design.toml", gap=0.0)
    designs = {(r.cooling, r.distribution) for r in o.solution.builds.itertuples()}
    assert len(designs) == 1 and o.solution.builds["steps"].sum() == 2
    cooling, dist = designs.pop()
    assert o.solution.designs["a"] == (cooling, dist)
    assert f'cooling = "{cooling}"' in o.text and f'distribution = "{dist}"' in o.text
    assert all(c["ok"] for c in o.checks), o.checks
    fixed = []
    for c in ("air", "liquid"):
        for d in ("ac", "hvdc"):
            try:
                fixed.append(solve(_problem(sites=[{**site, "cooling": c, "distribution": d}],
                                            demand=choose.model_dump()["demand"],
                                            contracts=[]), gap=0.0).objective_usd)
            except InfeasibleError:  # air-cooled: no GB300, and H100 alone may fall short
                pass
    assert o.solution.objective_usd == pytest.approx(min(fixed), rel=1e-9)


def test_serving_demand_is_held_at_its_peak_and_gigaplan_run_serves_it():
    # a 70B chat model from 2026-04-01: 5e12 tokens a day, doubling yearly. By the end of
    # June (90 days on) it is 5e12 x 2^(90/365.25) = 5.931e12 a day; at the daily peak
    # (serving.peak_to_mean 1.5): 5.931e12 x 1.5 / 86,400 = 1.0297e8 tokens/s
    serve = {"name": "chat", "params": 70e9, "tokens_per_day": 5e12, "growth_per_year": 1.0,
             "start": "2026-04-01"}
    work = [{"name": "run-1e26", "flops": 1e26, "deadline": "2026-12-31"}]
    p = _problem(serving=[serve], workloads=work)
    o = optimize(p, "serve.toml", gap=0.0)
    inp, s = o.solution.inputs, o.solution
    assert inp.serving_need[0, 0] == 0.0  # Q1: before the start
    assert inp.serving_need[0, 1] == pytest.approx(5e12 * 2 ** (90 / 365.25) * 1.5 / 86_400,
                                                   rel=1e-9)
    # what the programme holds for it is its peak over the roofline's tokens/s per GB300
    rate = inp.serving_rate[0][inp.options["system"].values == "gb300-nvl72"][0]
    q2 = s.serving[s.serving["t"] == 1]
    assert q2["accelerators"].sum() == pytest.approx(inp.serving_need[0, 1] / rate, rel=1e-6)
    # the plan serves it in gigaplan run, every day, on the pools it names, and still meets
    # the training demand and deadline with what serving leaves
    assert {c["check"]: c["ok"] for c in o.checks} == {
        "cost": True, "deadline run-1e26": True, "serving chat": True, "demand": True}
    assert 'use = ["' in o.text
    from gigaplan.report import optimize_page

    assert "<h2>Serving</h2>" in optimize_page.build(o)
    # serving costs something: the same problem without it is cheaper
    assert optimize(_problem(workloads=work), "x", gap=0.0).solution.objective_usd < \
        s.objective_usd
    with pytest.raises(InfeasibleError, match="serving big"):
        solve(_problem(serving=[{**serve, "name": "big", "params": 5e14}]))


def test_values_price_one_more_step_of_interconnect_by_solving_again():
    # site a's 60 MW interconnect holds one 40 MW step (54.5 MW at the grid); with another
    # step's worth of grid it builds a second, cheaper over three years than renting at
    # $6/h. --values reports that saving per MW; solving with the larger grid directly gives
    # the same number. Relaxing never costs more: every value is >= 0.
    sites = [{**SMALL["sites"][0], "max_steps": 2, "max_grid_mw": 60}, SMALL["sites"][1]]
    change = {"horizon": {"start": "2026-01-01", "end": "2028-12-31", "period": "quarter"},
              "demand": [{"start": "2026-04-01", "eflops": 30}],
              "contracts": [{**SMALL["contracts"][0], "price_usd_per_accelerator_hour": 6.0}]}
    o = optimize(_problem(sites=sites, **change), "v.toml", gap=0.0, values=True)
    v = o.solution.values
    assert all(x >= -1e-6 * o.solution.objective_usd for x in v.values()), v
    step = float(o.solution.inputs.options.query("site == 'a'")["grid_mw"].iloc[0])
    more = solve(_problem(sites=[{**sites[0], "max_grid_mw": 60 + step}, sites[1]], **change),
                 gap=0.0)
    assert v["grid_a_usd_per_mw"] == pytest.approx(
        (o.solution.objective_usd - more.objective_usd) / step, rel=1e-6)
    assert v["grid_a_usd_per_mw"] > 1e6  # a second step saves millions per MW of grid
    # each value says how far it may be off: the MIP gap each of the two solves reached times
    # its objective (per MW: over the step's MW); at gap 0, nothing
    assert o.solution.value_errors["grid_a_usd_per_mw"] == pytest.approx(0.0, abs=1e-6)
    assert o.to_dict()["marginal_values_within"] == o.solution.value_errors


def test_the_readmes_teaching_problem_solves_and_every_claim_holds(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index('name = "teach"')
    path = tmp_path / "teach.toml"
    path.write_text(readme[start:readme.index("```", start)], encoding="utf-8")
    o = optimize(load_problem(path), "teach.toml")
    assert o.checks and all(c["ok"] for c in o.checks), o.checks
    assert {c["check"] for c in o.checks} >= {"cost", "deadline run-1e26", "serving chat",
                                              "demand", "N-1", "budget", "CO2"}


def test_report_runs_the_plan_and_puts_the_optimization_in_its_report(tmp_path):
    # --report: gigaplan run of plan.toml into DIR/run (no samples), whose report.html has an
    # "Optimize" section (linked from the navigation) and still renders offline
    p = tmp_path / "small.toml"
    p.write_text(tomlkit.dumps(copy.deepcopy(SMALL)), encoding="utf-8")
    out = tmp_path / "o"
    result = invoke("optimize", str(p), "-o", str(out), "--report")
    assert result.exit_code == 0, result.output
    page = (out / "run" / "report.html").read_text(encoding="utf-8")
    assert '<a href="#optimize">Optimize</a>' in page and '<section id="optimize">' in page
    assert "<h2>Checked by gigaplan run</h2>" in page
    summary = json.loads((out / "run" / "summary.json").read_text(encoding="utf-8"))
    doc = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    assert -summary["headline"]["npv_usd_b"] * 1e9 == pytest.approx(doc["objective_usd"],
                                                                    rel=1e-4)
    figures = render_offline(out / "run" / "report.html", plots=1)
    assert any(fid == "optimize-capacity" for fid, *_ in figures)
    assert invoke("optimize", str(p), "--report").exit_code == 2  # no -o


def test_two_stage_builds_that_cannot_serve_the_central_case_say_so(tmp_path):
    # over one year, late builds cost their whole capex for a few months of use, so with the
    # default penalties the two-stage plan leaves some demand unmet in its samples and builds
    # less than the central case needs: no central plan is written, and the page says why
    p = _uncertain(SERVED, samples=2, seed=2)
    o = optimize(p, "served.toml")
    st = o.stochastic
    assert st.plan is None and st.text == "" and "cannot meet the central case" in st.note
    assert o.to_dict()["stochastic"]["note"] == st.note
    from gigaplan.report import optimize_page

    assert "No central-case plan" in optimize_page.build(o)


def test_one_pricing_run_prices_each_candidate_as_its_own_run_does():
    # every candidate is one site of a single pricing scenario; each one's present cost and
    # capex by year equal those of a scenario holding that candidate alone (an independent
    # run of the chain), for owned and leased options, early and late
    from gigaplan.assumptions import Assumptions
    from gigaplan.optimize.inputs import _engine_run, _pricing_site, engine_costs

    p, a = _problem(), Assumptions()
    inp = build_inputs(p, a)
    e = engine_costs(p, inp, a)
    sites = {s.name: s for s in p.sites}
    opts = list(inp.options.itertuples())
    assert {r.mode for r in opts} == {"build", "lease"}
    for o, r in enumerate(opts):
        for t in {int(inp.first[o]), len(inp.starts) - 1}:
            alone = _engine_run(p, a, sites=[_pricing_site(sites[r.site], r, None,
                                                           inp.starts[t].date())]).finance
            assert e.u[o, t] == pytest.approx(-alone.npv_usd[0], rel=1e-12)
            assert e.capex[o, t].sum() == pytest.approx(alone.yearly["capex_usd"][0].sum(),
                                                         rel=1e-12)


def test_the_plan_is_checked_under_the_assumptions_it_was_priced_with():
    # a dearer build (construction at $15M per MW, the range's top) prices the owned
    # candidates differently; the run that checks the plan uses the same assumptions, so the
    # cost still agrees (every site owned here)
    from gigaplan.assumptions import Assumptions

    owned = [{**x, "options": ["build"]} for x in SMALL["sites"]]
    a = Assumptions().updated({"finance.construction_usd_per_mw": 15e6})
    o = optimize(_problem(sites=owned), "small.toml", a, gap=0.0)
    assert set(o.solution.builds["mode"]) == {"build"}
    base = optimize(_problem(sites=owned), "small.toml", gap=0.0)
    assert o.solution.objective_usd != pytest.approx(base.solution.objective_usd, rel=1e-3)
    assert next(c for c in o.checks if c["check"] == "cost")["ok"] is True
