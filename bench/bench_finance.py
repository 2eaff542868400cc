"""Benchmark of the finance stage (run: ``.venv/bin/python bench/bench_finance.py``).

Target: the cash flow of the default scenario vectorised over the sample axis, 10,000 samples
of every finance parameter in under 2 s, reported as a ratio against the same stage run one
sample at a time (timed on ``--loop-samples`` samples and scaled). The scenario is the default
with everything the finance stage can do switched on: one site leased, debt, MACRS with bonus
depreciation, revenue, a contract in tranches with an escalator and a commitment. The upstream
stages (fleet, facility, training, reliability) are computed once for the samples and not
timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from timing import best_of  # noqa: E402


def scenario():
    from gigaplan.datafiles import scenario_text
    from gigaplan.scenario import load_scenario

    d = tomllib.loads(scenario_text("fluidstack-2026"))
    d["finance"].update(debt_share="60%", revenue_usd_per_accelerator_hour=3.0,
                        depreciation="macrs", bonus_depreciation=1.0, residual_share="10%",
                        energy_escalator="2%")
    d["sites"][1].update(ownership="leased", lease_usd_per_kw_month=180, lease_term_years=15,
                         lease_escalator="3%")
    azure = d["contracts"][0]
    del azure["it_mw"]
    azure.update(tranches=[{"start": "2026-01-01", "it_mw": 300},
                           {"start": "2027-01-01", "it_mw": 700}],
                 price_escalator="-5%", committed_usd="$30B")
    return load_scenario(d)


def sampled(n: int, seed: int = 1):
    """Assumptions with every finance parameter drawn uniformly from its range."""
    from gigaplan.assumptions import Assumptions
    from gigaplan.assumptions import catalog as parameter_catalog

    rng = np.random.default_rng(seed)
    table = [p for p in parameter_catalog().values() if p.group == "finance"]
    return Assumptions().with_samples({p.name: rng.uniform(p.low, p.high, n) for p in table})


def upstream(s, a):
    from gigaplan import facility, fleet, reliability, training

    fl = fleet.build(s)
    fa = facility.build(s, fl, a)
    tr = training.schedule(s, fl, fa, a)
    return fl, fa, reliability.build(s, fl, tr, a)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--loop-samples", type=int, default=50)
    args = ap.parse_args()
    from gigaplan import finance

    s = scenario()
    a = sampled(args.samples)
    fl, fa, re = upstream(s, a)
    finance.build(s, fl, fa, re, a)  # warm-up
    vec = best_of(lambda: finance.build(s, fl, fa, re, a), 3)
    ones = [a.sample(i) for i in range(args.loop_samples)]
    ups = [upstream(s, x) for x in ones]  # untimed, as for the vectorised run
    t = time.perf_counter()
    for x, (f1, f2, f3) in zip(ones, ups, strict=True):
        finance.build(s, f1, f2, f3, x)
    loop = (time.perf_counter() - t) / args.loop_samples * args.samples
    out = {"samples": args.samples, "vectorised_s": vec, "loop_baseline_s_scaled": loop,
           "speedup_vs_loop": loop / vec, "target_s": 2.0, "met": vec < 2.0,
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
