"""Benchmark of the reliability simulation (run: ``.venv/bin/python bench/bench_reliability.py``).

Targets: 1,000 replications of a 100,000-accelerator, 90-day job in under 2 s on 2 cores, with
the throughput in simulated failure events per second; and at least 100x faster per
replication than the same model written plainly in SimPy (the reference a modeller would
write), the two completion-time distributions matching (two-sample KS test, p > 0.01).

Both run in this process on the same job: H100 failure rates (Llama 3 Table 5), the
compute-optimal model's checkpoint, the optimal interval; planned maintenance is left out of
both so that only the event logic is compared.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import time

import numpy as np
import simpy
from scipy.stats import ks_2samp

from gigaplan import reliability, training
from timing import best_of


def make_job(accelerators: float, days: float) -> reliability.Job:
    flops = accelerators * 9.894e14 * 0.40 * days * 86_400
    j = reliability.job(accelerators, "h100-sxm",
                        training.checkpoint_bytes(training.compute_optimal_params(flops)))
    return dataclasses.replace(j, planned_rate_per_s=np.asarray(0.0))


def simpy_run(work: float, tau: float, delta: float, down: float, mtbf: float,
              seed: int) -> tuple[float, int]:
    """One replication as a SimPy modeller would write it: a job process that works in
    segments and checkpoints, interrupted by a failure process; returns (wall s, failures)."""
    env = simpy.Environment()
    rng = random.Random(seed)
    state = {"failures": 0, "done": None}

    def job(env):
        progress = 0.0          # durable (checkpointed) work
        recovering = False
        while True:
            try:
                if recovering:
                    yield env.timeout(down)
                    recovering = False
                while True:
                    seg = min(tau, work - progress)
                    yield env.timeout(seg)
                    if progress + seg >= work - 1e-9:
                        state["done"] = env.now
                        return
                    yield env.timeout(delta)
                    progress += seg
            except simpy.Interrupt:
                state["failures"] += 1
                recovering = True

    def failures(env, proc):
        while proc.is_alive:
            yield env.timeout(rng.expovariate(1.0 / mtbf))
            if proc.is_alive:
                proc.interrupt()

    proc = env.process(job(env))
    env.process(failures(env, proc))
    env.run(until=proc)
    return state["done"], state["failures"]


def compare(accelerators: float, days: float, reps: int, simpy_reps: int, seed: int) -> dict:
    j = make_job(accelerators, days)
    work = days * 86_400.0
    tau = float(reliability.optimal_interval_s(j.checkpoint_s, j.mtbf_s))
    args = (work, tau, float(j.checkpoint_s), float(j.downtime_s), float(j.mtbf_s))
    sim = None

    def ours():
        nonlocal sim
        sim = reliability.simulate(j, work, tau, replications=reps, seed=seed, threads=2)

    t_ours = best_of(ours, 3)
    t0 = time.perf_counter()
    ref = [simpy_run(*args, seed=seed * 100_003 + i) for i in range(simpy_reps)]
    t_simpy = time.perf_counter() - t0
    walls = np.array([w for w, _ in ref])
    per_ours, per_simpy = t_ours / reps, t_simpy / simpy_reps
    return {
        "accelerators": accelerators, "days": days, "replications": reps,
        "mtbf_hours": float(j.mtbf_s) / 3600, "interval_s": tau,
        "seconds": t_ours, "events": sim.events, "events_per_s": sim.events / t_ours,
        "simpy_replications": simpy_reps, "simpy_seconds": t_simpy,
        "per_replication_ms": per_ours * 1e3, "simpy_per_replication_ms": per_simpy * 1e3,
        "speedup_per_replication": per_simpy / per_ours,
        "completion_days_mean": float(sim.wall_s.mean() / 86_400),
        "simpy_completion_days_mean": float(walls.mean() / 86_400),
        "ks_pvalue": float(ks_2samp(sim.wall_s, walls).pvalue),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--simpy-reps", type=int, default=30,
                    help="SimPy replications of the 100k-accelerator job (about 1 s each)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = {
        "cpus": os.cpu_count(),
        # the target: 1,000 replications of 100,000 accelerators for 90 days
        "target": compare(1e5, 90, 1000, a.simpy_reps, seed=1),
        # a smaller job with more SimPy replications for a sharper distribution check
        "small": compare(1e4, 20, 1000, 300, seed=2),
    }
    if a.json:
        print(json.dumps(results, indent=2))
        return
    for name, r in results.items():
        if name == "cpus":
            print(f"cpus: {r}")
            continue
        print(f"{name}: {r['replications']:,} x {r['accelerators']:,.0f} accelerators x "
              f"{r['days']:g} days (MTBF {r['mtbf_hours']:.2f} h, checkpoint every "
              f"{r['interval_s']:.0f} s)")
        print(f"  gigaplan: {r['seconds']:.3f} s, {r['events']:,} failure events, "
              f"{r['events_per_s'] / 1e6:,.1f} M events/s, {r['per_replication_ms']:.3f} ms "
              f"per replication")
        print(f"  SimPy:    {r['simpy_replications']} replications in {r['simpy_seconds']:.1f} s,"
              f" {r['simpy_per_replication_ms']:.1f} ms per replication")
        print(f"  speed-up per replication: {r['speedup_per_replication']:,.0f}x; completion "
              f"{r['completion_days_mean']:.3f} vs {r['simpy_completion_days_mean']:.3f} days, "
              f"KS p = {r['ks_pvalue']:.3f}")


if __name__ == "__main__":
    main()
