"""Benchmark of the facility model (run: ``.venv/bin/python bench/bench_facility.py``).

Targets: the default scenario over a 10-year monthly horizon evaluates in under 50 ms once
imported; 10,000 samples of every facility parameter evaluate in under 2 s.

Speed is reported as a ratio against a baseline measured in the same run: the same model
evaluated one sample at a time in a Python loop (what the vectorised engine replaces), timed
on a subset and scaled to the full sample count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource

import numpy as np

import gigaplan
from timing import best_of
from gigaplan import facility, fleet
from gigaplan.assumptions import Assumptions
from gigaplan.assumptions import catalog as parameters
from gigaplan.scenario import scenario_from_dict


def ten_year_scenario():
    base = gigaplan.load_scenario("fluidstack-2026")
    data = base.model_dump(mode="json", exclude_none=True)
    start = dt.date.fromisoformat(data["horizon"]["start"])
    data["horizon"]["end"] = start.replace(year=start.year + 10).isoformat()
    return scenario_from_dict(data, source="fluidstack-2026 (10-year horizon)")


def sampled_params(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    table = {p.short: p for p in parameters().values() if p.group == "facility"}
    return facility.params(**{k: rng.uniform(p.low, p.high, n)
                              for k, p in table.items() if p.high > p.low})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--loop-samples", type=int, default=100,
                    help="samples timed in the per-sample Python loop baseline")
    args = ap.parse_args()

    scenario = ten_year_scenario()
    a = Assumptions()
    stage = lambda: facility.build(scenario, fleet.build(scenario), a)  # noqa: E731
    stage()  # warm caches (catalog, quadrature)
    t_fleet = best_of(stage, 20)
    t_tables = best_of(lambda: (lambda f: (f.table(), f.yearly()))(stage()), 10)
    fp = stage()

    p = sampled_params(args.samples)
    t_vec = best_of(lambda: facility.evaluate(fp.inputs, p), 3)

    one = [{k: (v[i] if np.ndim(v) else v) for k, v in p.items()}
           for i in range(args.loop_samples)]
    t_loop = best_of(lambda: [facility.evaluate(fp.inputs, q) for q in one], 1)
    t_loop_full = t_loop * args.samples / args.loop_samples
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result = {
        "months": int(len(fp.inputs.dates)), "sites": len(fp.inputs.sites),
        "fleet_power_ms": round(t_fleet * 1e3, 2),
        "fleet_power_with_tables_ms": round(t_tables * 1e3, 2),
        "samples": args.samples,
        "vectorised_s": round(t_vec, 3),
        "loop_baseline_s_scaled": round(t_loop_full, 2),
        "speedup_vs_loop": round(t_loop_full / t_vec, 1),
        "peak_rss_mb": round(rss_mb),
        "targets": {"fleet_power_with_tables_ms < 50": t_tables < 0.050,
                    "vectorised_s < 2": t_vec < 2.0},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
