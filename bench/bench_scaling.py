"""Benchmark: cost of ``gigaplan run`` against the size of the scenario (run:
``.venv/bin/python bench/bench_scaling.py``).

The default scenario (``fluidstack-2026``) is scaled by copying its sites k times (renamed, same
phases) and its workloads m times (renamed; ``use`` dropped, so every workload may run on every
site and contract: the hardest case for the scheduler, which must consider every pool). Each
scaled scenario is written as a TOML file and run as a whole command in a fresh process
(``gigaplan run FILE -o DIR``, report included), best of ``--repeat``; the peak resident memory
of that process is read from ``resource.getrusage`` of the child.

Targets: 100x sites with 10x workloads in under 5 s and 1 GB; cost linear in sites and in
workloads, never in their product: t(100x, 10x) < t(100x, 1x) + t(1x, 10x) (the workloads' and
the sites' extra costs add up instead of multiplying).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import tomlkit

from gigaplan.datafiles import scenario_text

ROOT = Path(__file__).resolve().parents[1]
GIGAPLAN = Path(sys.executable).with_name("gigaplan")


def scaled(sites: int, workloads: int, distinct: bool = False) -> dict:
    """The default scenario with its sites copied ``sites`` times and its workloads
    ``workloads`` times; ``distinct`` makes every copy of a site a little different (its
    phases 0.1% larger per copy), so no two pools are the same."""
    d = tomllib.loads(scenario_text("fluidstack-2026"))
    out_sites = []
    for i in range(sites):
        for s in d["sites"]:
            c = copy.deepcopy(s)
            c["name"] = f"{s['name']}-{i}"
            for ph in c["phases"]:
                ph["name"] = f"{ph['name']}-{i}"
                if distinct:
                    ph["it_mw"] = ph["it_mw"] * (1 + 0.001 * i)
            out_sites.append(c)
    d["sites"] = out_sites
    out_work = []
    for j in range(workloads):
        for w in d["workloads"]:
            c = copy.deepcopy(w)
            c["name"] = f"{w['name']}-{j}"
            c.pop("use", None)
            out_work.append(c)
    d["workloads"] = out_work
    d["name"] = f"scaled-{sites}x{workloads}"
    return d


def run_whole(path: Path, out: Path, repeat: int) -> tuple[float, float]:
    """(best seconds, peak RSS MB) of ``gigaplan run path -o out`` in fresh processes."""
    best, rss = float("inf"), 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run([str(GIGAPLAN), "run", str(path), "-o", str(out), "-q"],
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"{path.name}: {proc.stderr[-2000:]}")
        best = min(best, elapsed)
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return best, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cases = [(1, 1, False), (10, 1, False), (100, 1, False), (1, 10, False), (10, 10, False),
             (100, 10, False), (100, 10, True), (1000, 1, False)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for sites, work, distinct in cases:
            path = Path(tmp) / f"s{sites}-w{work}-{int(distinct)}.toml"
            path.write_text(tomlkit.dumps(scaled(sites, work, distinct)), encoding="utf-8")
            # each case in its own child so its peak memory is its own
            code = (f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); "
                    "import bench_scaling as b, json, pathlib; "
                    f"print(json.dumps(b.run_whole(pathlib.Path({str(path)!r}), "
                    f"pathlib.Path({tmp!r}) / 'out', {args.repeat})))")
            seconds, rss = json.loads(subprocess.run([sys.executable, "-c", code],
                                                     capture_output=True, text=True,
                                                     check=True).stdout)
            rows.append({"sites_x": sites, "workloads_x": work, "distinct_sites": distinct,
                         "sites": 2 * sites, "workloads": 3 * work,
                         "seconds": round(seconds, 2), "peak_rss_mb": round(rss)})
    t = {(r["sites_x"], r["workloads_x"], r["distinct_sites"]): r["seconds"] for r in rows}
    target = next(r for r in rows if (r["sites_x"], r["workloads_x"], r["distinct_sites"])
                  == (100, 10, False))
    print(json.dumps({
        "cases": rows,
        "target_100x_sites_10x_workloads_s": target["seconds"],
        "target_met": target["seconds"] < 5.0 and target["peak_rss_mb"] < 1024,
        "no_product": t[(100, 10, False)] < t[(100, 1, False)] + t[(1, 10, False)],
        "cpu_count": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
