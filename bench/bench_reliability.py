"""Benchmark of the reliability simulation (run: ``.venv/bin/python bench/bench_reliability.py``).

Targets: 1,000 replications of a 100,000-accelerator, 90-day job in under 2 s on 2 cores, with
the throughput in simulated failure events per second; and faster per replication than the same
model written in plain Python, the completion-time distributions matching (two-sample KS test,
p > 0.01).

Three baselines run in this process on the same job (H100 failure rates of Llama 3 Table 5, the
compute-optimal model's checkpoint, the optimal interval; planned maintenance left out of all
so that only the event logic is compared), each single-threaded:

* ``simpy_run``: SimPy as a modeller would first write it, every checkpoint its own event
  (a job process working in segments, interrupted by a failure process);
* ``simpy_lean``: SimPy with one timeout per failure-free stretch: how far the job gets in a
  stretch is computed in closed form (the durable checkpoints made, or the finish), as
  gigaplan does;
* ``plain_loop``: the same stretch logic as a plain Python loop, no event library.

gigaplan is timed on one thread (like with like) and on two (its default), over the same
replications as each baseline where they are affordable and per replication otherwise.
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


def _stretch(x: float, off: float, work: float, tau: float, delta: float,
             progress: int) -> tuple[bool, float, int]:
    """One failure-free stretch of length ``x`` after ``off`` of recovery: (finished, time used,
    durable segments after it), the closed form gigaplan vectorises."""
    a = tau + delta
    n_seg = max(int(np.ceil(work / tau - 1e-9)), 1)
    last = work - (n_seg - 1) * tau
    need = off + (n_seg - 1 - progress) * a + last
    if x >= need:
        return True, need, progress
    return False, x, progress + max(int((x - off) // a), 0)


def simpy_lean(work: float, tau: float, delta: float, down: float, mtbf: float,
               seed: int) -> tuple[float, int]:
    """One replication in SimPy with one timeout per failure-free stretch."""
    env = simpy.Environment()
    rng = random.Random(seed)
    state = {"done": None, "failures": 0}

    def job(env):
        progress, off = 0, 0.0
        while True:
            x = rng.expovariate(1.0 / mtbf)
            done, used, progress = _stretch(x, off, work, tau, delta, progress)
            yield env.timeout(used)
            if done:
                state["done"] = env.now
                return
            state["failures"] += 1
            off = down

    env.run(until=env.process(job(env)))
    return state["done"], state["failures"]


def plain_loop(work: float, tau: float, delta: float, down: float, mtbf: float,
               seed: int) -> tuple[float, int]:
    """One replication as a plain Python loop over failure-free stretches."""
    rng = random.Random(seed)
    t, progress, off, failures = 0.0, 0, 0.0, 0
    while True:
        x = rng.expovariate(1.0 / mtbf)
        done, used, progress = _stretch(x, off, work, tau, delta, progress)
        t += used
        if done:
            return t, failures
        failures += 1
        off = down


def _baseline(fn, args: tuple, reps: int, seed: int) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    walls = np.array([fn(*args, seed=seed * 100_003 + i)[0] for i in range(reps)])
    return time.perf_counter() - t0, walls


def compare(accelerators: float, days: float, reps: int, baseline_reps: dict,
            seed: int) -> dict:
    j = make_job(accelerators, days)
    work = days * 86_400.0
    tau = float(reliability.optimal_interval_s(j.checkpoint_s, j.mtbf_s))
    args = (work, tau, float(j.checkpoint_s), float(j.downtime_s), float(j.mtbf_s))
    runs = {}

    def ours(n, threads):
        runs[(n, threads)] = reliability.simulate(j, work, tau, replications=n, seed=seed,
                                                  threads=threads)

    t_two = best_of(lambda: ours(reps, 2), 3)
    t_one = best_of(lambda: ours(reps, 1), 3)
    sim = runs[(reps, 2)]
    out = {"accelerators": accelerators, "days": days, "replications": reps,
           "mtbf_hours": float(j.mtbf_s) / 3600, "interval_s": tau,
           "seconds": t_two, "seconds_one_thread": t_one, "events": sim.events,
           "events_per_s": sim.events / t_two, "per_replication_ms": t_one / reps * 1e3,
           "completion_days_mean": float(sim.wall_s.mean() / 86_400), "baselines": {}}
    for name, fn in (("simpy_per_checkpoint", simpy_run), ("simpy_lean", simpy_lean),
                     ("plain_loop", plain_loop)):
        n = baseline_reps[name]
        seconds, walls = _baseline(fn, args, n, seed)
        same = best_of(lambda n=n: ours(n, 1), 3)  # gigaplan on the same replications
        out["baselines"][name] = {
            "replications": n, "seconds": seconds, "per_replication_ms": seconds / n * 1e3,
            "gigaplan_same_replications_one_thread_s": same,
            "speedup_same_replications": seconds / same,
            "speedup_per_replication_one_thread": (seconds / n) / (t_one / reps),
            "completion_days_mean": float(walls.mean() / 86_400),
            "ks_pvalue": float(ks_2samp(sim.wall_s, walls).pvalue),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--simpy-reps", type=int, default=30,
                    help="per-checkpoint SimPy replications of the 100k-accelerator job "
                         "(about 0.3 s each)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = {
        "cpus": os.cpu_count(),
        # the target: 1,000 replications of 100,000 accelerators for 90 days
        "target": compare(1e5, 90, 1000, {"simpy_per_checkpoint": a.simpy_reps,
                                          "simpy_lean": 300, "plain_loop": 1000}, seed=1),
        # a smaller job with more baseline replications for a sharper distribution check
        "small": compare(1e4, 20, 1000, {"simpy_per_checkpoint": 300, "simpy_lean": 1000,
                                         "plain_loop": 1000}, seed=2),
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
        print(f"  gigaplan: {r['seconds']:.3f} s on 2 threads, {r['seconds_one_thread']:.3f} s "
              f"on 1, {r['events']:,} failure events, {r['events_per_s'] / 1e6:,.1f} M events/s")
        for base, b in r["baselines"].items():
            print(f"  {base}: {b['replications']} replications in {b['seconds']:.2f} s; "
                  f"gigaplan (1 thread) {b['speedup_same_replications']:,.0f}x faster on the "
                  f"same replications, {b['speedup_per_replication_one_thread']:,.0f}x per "
                  f"replication at 1,000; completion {b['completion_days_mean']:.3f} vs "
                  f"{r['completion_days_mean']:.3f} days, KS p = {b['ks_pvalue']:.3f}")


if __name__ == "__main__":
    main()
