"""Benchmark of ``gigaplan optimize`` (run: ``.venv/bin/python bench/bench_optimize.py``).

* ``default``: the shipped ``fluidstack-2026`` problem (9 candidate sites, 60 months, 4
  systems, 4 contracts) on 2 HiGHS threads to a 0.5% gap: model build (pricing every
  candidate with gigaplan's engines, then the linopy model) and solve reported apart, and the
  whole ``gigaplan optimize fluidstack-2026 --json`` process (solve, dual prices, plan,
  ``gigaplan run`` of the plan). Target: solve < 10 s.
* ``pricing``: every candidate priced by the finance engine in one run of the chain (the
  default) against the baseline of one run per candidate, measured on the same 60 candidates
  in this run (and the one-run pricing of all of them).
* ``scaling``: the same problem with its candidate sites copied (4, 8, 16, 32 sites, each copy
  a new name with the same figures; demand, workloads and contracts scaled with the number of
  sites), solve time to a 0.5% gap.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from gigaplan.assumptions import Assumptions
from gigaplan.optimize import build_inputs, load_problem, solve
from gigaplan.optimize.inputs import _engine_run, _pricing_site, engine_costs

GIGAPLAN = str(Path(sys.executable).with_name("gigaplan"))


def _with_sites(p, n: int):
    """``n`` candidate sites (copies of the problem's under new names), demand and workloads
    scaled by n / 9 so each size is as tight as the shipped one."""
    base, k = list(p.sites), n / len(p.sites)
    sites = [base[i % len(base)].model_copy(update={"name": f"{base[i % len(base)].name}-{i}"})
             for i in range(n)]
    return p.model_copy(update={
        "sites": sites,
        "demand": [d.model_copy(update={"eflops": d.eflops * k}) for d in p.demand],
        "workloads": [w.model_copy(update={"flops": w.flops * k}) for w in p.workloads],
        "contracts": [c.model_copy(update={"max_accelerators": c.max_accelerators * k,
                                           "min_accelerators": c.min_accelerators * k})
                      for c in p.contracts]})


def _pricing(p) -> dict:
    """One pricing run for every candidate, and the same 60 candidates priced one run each
    and in one run."""
    a, inp = Assumptions(), build_inputs(p)
    t0 = time.perf_counter()
    engine_costs(p, inp, a)
    everything = time.perf_counter() - t0
    sites = {s.name: s for s in p.sites}
    opts = list(inp.options.itertuples())
    prices = {s.name: s.price_usd_per_accelerator for s in p.systems}
    cands = [_pricing_site(sites[opts[o].site], opts[o], prices.get(opts[o].system),
                           inp.starts[t].date())
             for o in range(len(opts)) for t in range(inp.first[o], len(inp.starts))]
    subset = cands[:: max(1, len(cands) // 60)][:60]
    t0 = time.perf_counter()
    for c in subset:
        _engine_run(p, a, sites=[c])
    one_each = time.perf_counter() - t0
    t0 = time.perf_counter()
    _engine_run(p, a, sites=subset)
    batched = time.perf_counter() - t0
    return {"candidates": len(cands), "all_in_one_run_s": round(everything, 2),
            "subset": len(subset), "subset_one_run_each_s": round(one_each, 2),
            "subset_one_run_s": round(batched, 2), "ratio": round(one_each / batched, 1),
            "all_one_run_each_s_estimated": round(one_each / len(subset) * len(cands), 0)}


def main() -> None:
    p = load_problem("fluidstack-2026")
    s = solve(p, threads=2)
    t0 = time.perf_counter()
    subprocess.run([GIGAPLAN, "optimize", "fluidstack-2026", "--json", "--threads", "2"],
                   check=True, capture_output=True)
    whole = time.perf_counter() - t0
    scaling = []
    for n in (4, 8, 16, 32):
        q = _with_sites(p, n)
        r = solve(q, threads=2, time_limit=300)
        scaling.append({"sites": n, "build_s": round(r.build_s, 2),
                        "solve_s": round(r.solve_s, 2), "gap": round(r.mip_gap, 4)})
    print(json.dumps({
        "default": {"build_s": round(s.build_s, 2), "solve_s": round(s.solve_s, 2),
                    "gap": round(s.mip_gap, 4), "objective_usd_b": round(s.objective_usd / 1e9, 2),
                    "whole_process_s": round(whole, 1)},
        "pricing": _pricing(p),
        "scaling": scaling, "target_solve_s": 10.0, "met": s.solve_s < 10.0,
    }, indent=2))


if __name__ == "__main__":
    main()
