"""Benchmark: whole-process time of the main commands (run:
``.venv/bin/python bench/bench_cli.py [--baseline OTHER/src]``).

Each command runs in a fresh process (best of ``--repeat``): ``gigaplan run fluidstack-2026``
(every output and the report), ``gigaplan run ... --no-report``, ``gigaplan --help`` and
``gigaplan --version``. With ``--baseline`` the same commands also run on another checkout's
``src`` folder (``python -m gigaplan`` with that folder first on ``PYTHONPATH``, same Python,
same packages), interleaved with this one's, so the two are compared on the same machine in
the same run.

Targets: ``run`` no slower than the baseline; ``--help`` and ``--version`` under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(args: list[str], src: Path, repeat: int) -> float:
    """Best wall-clock seconds of ``python -m gigaplan ARGS`` with ``src`` on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "gigaplan", *args], env=env,
                              capture_output=True, text=True)
        best = min(best, time.perf_counter() - t)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} on {src}: {proc.stderr[-2000:]}")
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="another checkout's src folder")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    sources = {"this": ROOT / "src"} | ({"baseline": a.baseline} if a.baseline else {})
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "run_s": ["run", "fluidstack-2026", "-o", f"{tmp}/out", "-q"],
            "run_no_report_s": ["run", "fluidstack-2026", "-o", f"{tmp}/out2", "--no-report",
                                "-q"],
            "help_s": ["--help"],
            "version_s": ["--version"],
        }
        out: dict = {name: {} for name in sources}
        for key, args in commands.items():
            for name, src in sources.items():  # interleaved: the same machine state for both
                if key == "run_no_report_s" and name == "baseline":
                    continue  # older versions have no --no-report
                if name == "baseline" and "-q" in args:
                    args = [x for x in args if x != "-q"]
                out[name][key] = round(timed(args, src, a.repeat), 3)
    this = out["this"]
    result = {**out, "targets": {"help_under_0_5_s": this["help_s"] < 0.5,
                                 "version_under_0_5_s": this["version_s"] < 0.5}}
    if a.baseline:
        result["run_ratio_this_over_baseline"] = round(this["run_s"] / out["baseline"]["run_s"], 3)
        result["targets"]["run_no_slower"] = this["run_s"] <= out["baseline"]["run_s"] * 1.02
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
