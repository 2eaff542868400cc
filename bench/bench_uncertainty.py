"""Benchmark of sampled runs (run: ``.venv/bin/python bench/bench_uncertainty.py [--large]``).

Targets: 10,000 samples of the full chain for the default scenario in
under 30 s on 2 cores with peak memory under 2 GB; 100,000 samples in bounded memory with the
time linear in the samples (``--large``: reports the slope); Sobol' indices with N = 1,024
over every uncertain input in under 5 minutes on 2 cores (``--large``); on a local dask
cluster, 2 workers at least 1.6x faster than 1.

Baseline, measured in the same run: the chain run once per sample with that sample's values
(``pipeline.stages`` on one-sample assumptions), i.e. what a Monte Carlo around a
deterministic model costs without a sample axis.

Memory: each part runs in a fresh process (the peak RSS of a process only grows), reported as
that process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from concurrent.futures import ProcessPoolExecutor


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _setup():
    from gigaplan import pipeline
    from gigaplan.scenario import load_scenario

    s = load_scenario("fluidstack-2026")
    return s, pipeline.assumptions_for(s)


def monte_carlo(n: int, workers: int | None) -> dict:
    from gigaplan import montecarlo

    s, a = _setup()
    t = time.perf_counter()
    mc = montecarlo.run(s, a, n, seed=1, workers=workers)
    return {"part": f"monte carlo {n:,}", "workers": workers, "seconds": time.perf_counter() - t,
            "peak_rss_mb": _peak_mb(), "inputs": len(mc.inputs),
            "days_1e27_p50": mc.describe()["runs.frontier-1e27.days"]["p50"]}


def per_sample(n: int) -> dict:
    """The baseline: the chain once per sample (one-sample assumptions each)."""
    import numpy as np

    from gigaplan import montecarlo
    from gigaplan.chain import stages
    from gigaplan.uncertainty import unit_samples

    s, a = _setup()
    p = montecarlo.plan(s, a, seed=1)
    u = unit_samples(len(p.inputs), 0, 0, n, 1)
    values = np.column_stack([x.values(u[:, k]) for k, x in enumerate(p.inputs)])
    t = time.perf_counter()
    for row in values:
        stages(s, a.updated({x.name: float(v) for x, v in zip(p.inputs, row, strict=True)}))
    return {"part": f"baseline: chain per sample, {n}", "seconds": time.perf_counter() - t,
            "peak_rss_mb": _peak_mb()}


def sobol(n: int, workers: int | None) -> dict:
    from gigaplan import montecarlo

    s, a = _setup()
    t = time.perf_counter()
    r = montecarlo.sensitivity(s, a, n=n, workers=workers)
    return {"part": f"sobol N={n}", "workers": workers, "rows": r.rows,
            "seconds": time.perf_counter() - t, "peak_rss_mb": _peak_mb()}


def _fresh(fn, *args) -> dict:
    """``fn(*args)`` in a fresh process (its own peak RSS; not daemonic, so a dask cluster
    can start its workers from it)."""
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--large", action="store_true",
                    help="also 100,000 samples and Sobol' N = 1,024 (minutes)")
    ap.add_argument("--json", action="store_true", help="everything as one JSON document")
    args = ap.parse_args()
    rows = [_fresh(per_sample, 40)]
    base = rows[0]["seconds"] / 40
    for n, workers in ((1000, None), (10_000, None), (10_000, 1), (10_000, 2)):
        rows.append(_fresh(monte_carlo, n, workers))
    if args.large:
        rows.append(_fresh(monte_carlo, 100_000, 2))
        rows.append(_fresh(sobol, 1024, 2))
    for r in rows:
        if r["part"].startswith("monte carlo"):
            n = int(r["part"].split()[-1].replace(",", ""))
            r["ms_per_sample"] = 1e3 * r["seconds"] / n
            r["vs_baseline"] = base * n / r["seconds"]
    one = next(r for r in rows if r["part"] == "monte carlo 10,000" and r["workers"] == 1)
    two = next(r for r in rows if r["part"] == "monte carlo 10,000" and r["workers"] == 2)
    targets = {
        "mc_10k_2_workers_s": (two["seconds"], 30.0),
        "mc_10k_serial_peak_rss_mb": (rows[2]["peak_rss_mb"], 2000.0),
        "dask_2_vs_1_worker_speedup": (one["seconds"] / two["seconds"], 1.6),
    }
    large = {r["part"]: r for r in rows}
    if "sobol N=1024" in large:
        targets["sobol_1024_2_workers_s"] = (large["sobol N=1024"]["seconds"], 300.0)
    if "monte carlo 100,000" in large:
        big = large["monte carlo 100,000"]
        slope = (big["seconds"] - two["seconds"]) / 90_000
        targets["mc_100k_slope_ms_per_sample_2_workers"] = (1e3 * slope, None)
    report = {
        "baseline_ms_per_sample": 1e3 * base,
        "targets": {k: {"value": round(v, 3), "target": t,
                        "met": None if t is None else (v >= t if "speedup" in k else v < t)}
                    for k, (v, t) in targets.items()},
        "rows": rows,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for r in rows:
        extra = (f", {r['ms_per_sample']:.2f} ms/sample, {r['vs_baseline']:.1f}x the baseline"
                 if "ms_per_sample" in r else "")
        print(f"{r['part']:<34} workers={r.get('workers')!s:<5} {r['seconds']:8.1f} s, "
              f"peak RSS {r['peak_rss_mb']:7.0f} MB{extra}")
    print(json.dumps({"baseline_ms_per_sample": report["baseline_ms_per_sample"],
                      "targets": report["targets"]}, indent=2))


if __name__ == "__main__":
    main()
