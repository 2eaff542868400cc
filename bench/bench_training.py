"""Benchmark of the training planner (run: ``.venv/bin/python bench/bench_training.py``).

Target: ``gigaplan train --batch runs.csv`` on 1,000 runs takes well under a second (the plan
itself, and the whole command including interpreter start-up).

Speed is reported as a ratio against baselines measured in the same run: the same 1,000 runs
planned one at a time with :func:`gigaplan.training.train` (what a user would loop over), and
the start-up of ``gigaplan --version`` (the floor of any command).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from gigaplan import training
from timing import best_of

SYSTEMS = ["a100-sxm", "h100-sxm", "h200", "b200", "gb200-nvl72", "gb300-nvl72", "tpu-v5p",
           "tpu-v7", "trainium2", "mi300x"]


def runs(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` varied runs: dense and MoE, by size with a count or a deadline, or largest runs."""
    rng = np.random.default_rng(seed)
    params = 10 ** rng.uniform(9, 12.3, n)
    kind = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "name": [f"run-{i}" for i in range(n)],
        "system": rng.choice(SYSTEMS, n),
        "params": [f"{p:.4g}" for p in params],
        "active_params": [f"{p / 10:.4g}" if rng.random() < 0.3 else "" for p in params],
        "tokens": [f"{t:.4g}" for t in 10 ** rng.uniform(11, 13.5, n)],
        "count": [str(int(c)) for c in 2 ** rng.integers(3, 18, n)],
        "days": "",
    })
    frame.loc[kind == 1, "days"] = [f"{d:.0f}" for d in rng.uniform(30, 200, (kind == 1).sum())]
    frame.loc[kind == 1, "count"] = ""
    frame.loc[kind == 2, "tokens"] = ""
    frame.loc[kind == 2, "days"] = "90"
    return frame


def command_s(args: list[str], repeat: int = 5) -> float:
    exe = Path(sys.executable).with_name("gigaplan")
    env = {**os.environ, "COLUMNS": "120"}
    return best_of(lambda: subprocess.run([str(exe), *args], check=True, env=env,
                                          stdout=subprocess.DEVNULL), repeat)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--loop-rows", type=int, default=100,
                    help="rows timed one at a time for the loop baseline")
    args = ap.parse_args()

    table = runs(args.rows)
    training.plan(table)  # warm caches (catalog, facility PUE per system)
    t_plan = best_of(lambda: training.records(training.plan(table)), 10)

    sub = table.iloc[: args.loop_rows]

    def one_at_a_time():
        for row in sub.to_dict(orient="records"):
            training.plan(pd.DataFrame([row]))

    t_loop = best_of(one_at_a_time, 3) * args.rows / args.loop_rows

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.csv"
        table.to_csv(path, index=False)
        t_cli = command_s(["train", "--batch", str(path), "--json"])
        t_start = command_s(["--version"])

    out = {
        "rows": args.rows,
        "plan_ms": round(t_plan * 1e3, 1),
        "loop_baseline_s_scaled": round(t_loop, 2),
        "speedup_vs_loop": round(t_loop / t_plan, 1),
        "cli_batch_s": round(t_cli, 3),
        "cli_startup_s": round(t_start, 3),
        "cli_batch_over_startup": round(t_cli / t_start, 2),
        "targets": {"cli_batch_s": 1.0},
        "met": {"cli_batch_s": t_cli < 1.0},
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
