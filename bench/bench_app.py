"""Benchmark of the what-if web app (run: ``.venv/bin/python bench/bench_app.py``).

The app serves from its own process (``gigaplan app`` on a free loopback port), as a user
runs it; chromium (playwright, Debian's package) drives the page. Measured:

* ``first_render_s``: from opening the page to the headline cards of the default scenario
  (the control ranking, the first run and the page's scripts);
* ``update_s``: from typing a new value into the top control (the in-memory restart time, a
  value not asked before) and leaving the box, to the page showing the run of that value
  (its status line names it): median and p95 of ``--changes`` changes. Target: median < 1 s,
  p95 < 2 s. Beside it the baseline a user has without the app: ``gigaplan run ... --set``
  of the same change (whole process, report written, no samples);
* ``ranges_s``: with ranges on, from a change to the P10-P90 table of that change;
* ``load``: 20 concurrent sessions of 10 changes each (all values new), posted to the server
  as the page posts them: median and p95 latency and the errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIGAPLAN = str(Path(sys.executable).with_name("gigaplan"))
RESTART = "reliability.memory_restart_minutes"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def _wait_up(url: str, timeout: float = 60.0) -> None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app did not answer on {url}")


def _set(page, value) -> float:
    box = page.locator(f"[data-name='{RESTART}'] input[type=number]")
    t0 = time.perf_counter()
    box.fill(f"{value:g}")
    box.press("Tab")
    page.wait_for_function("t => document.querySelector('#status').innerText.includes(t)",
                           arg=f"{RESTART}={value:g}", timeout=60_000)
    return time.perf_counter() - t0


def _browser(url: str, changes: int) -> tuple[dict, dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("[data-key='run:frontier-2e27']", timeout=120_000)
        first = time.perf_counter() - t0
        values = [round(1.0 + 0.45 * k, 2) for k in range(changes)]  # on the 0.01 grid
        times = [_set(page, v) for v in values]
        page.locator("#ranges-on input").check()
        page.wait_for_selector("#ranges tr", timeout=120_000)
        ranged = []
        for v in (2.25, 3.75, 5.25):
            t1 = time.perf_counter()
            with page.expect_response(lambda r: "ranges.children" in (r.request.post_data or "")
                                      and f"{v:g}" in (r.request.post_data or ""),
                                      timeout=120_000) as resp:
                _set(page, v)
            resp.value.finished()
            ranged.append(time.perf_counter() - t1)
        body = _capture(page)
        browser.close()
    return ({"first_render_s": round(first, 2),
             "update_s": {"median": round(statistics.median(times), 3),
                          "p95": round(_p95(times), 3), "n": len(times)},
             "ranges_s": {"median": round(statistics.median(ranged), 2), "n": len(ranged)}},
            body)


def _capture(page) -> dict:
    with page.expect_request(lambda r: "cards.children" in (r.post_data or "")
                             and RESTART in (r.post_data or "")) as req:
        box = page.locator(f"[data-name='{RESTART}'] input[type=number]")
        box.fill("9.9")
        box.press("Tab")
    return json.loads(req.value.post_data)


def _load(url: str, body: dict, sessions: int = 20, changes: int = 10) -> dict:
    group = next(i for i, g in enumerate(body["inputs"])
                 if isinstance(g, list) and g and g[0]["id"]["type"] == "ctl")
    at = next(i for i, x in enumerate(body["inputs"][group]) if x["id"]["name"] == RESTART)

    def session(i: int) -> tuple[list[float], int]:
        times, errors = [], 0
        for j in range(changes):
            data = json.loads(json.dumps(body))
            data["inputs"][group][at]["value"] = round(0.6 + (i * changes + j) * 0.045, 4)
            req = urllib.request.Request(url + "_dash-update-component",
                                         data=json.dumps(data).encode(),
                                         headers={"Content-Type": "application/json"})
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=300) as resp:
                    resp.read()
                    errors += resp.status != 200
            except OSError:
                errors += 1
            times.append(time.perf_counter() - t0)
        return times, errors

    t0 = time.perf_counter()
    with ThreadPoolExecutor(sessions) as pool:
        done = list(pool.map(session, range(sessions)))
    times = [t for ts, _ in done for t in ts]
    return {"sessions": sessions, "changes_each": changes,
            "median_s": round(statistics.median(times), 3), "p95_s": round(_p95(times), 3),
            "errors": sum(e for _, e in done), "wall_s": round(time.perf_counter() - t0, 1)}


def _cli_baseline(repeats: int = 3) -> float:
    times = []
    for k in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([GIGAPLAN, "run", "fluidstack-2026", "-o", out, "--no-samples",
                            "--set", f"{RESTART}={3 + k}"], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=20)
    args = ap.parse_args()
    port = _port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([GIGAPLAN, "app", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(url)
        browser, body = _browser(url, args.changes)
        load = _load(url, body)
    finally:
        server.terminate()
        server.wait(timeout=30)
    cli = _cli_baseline()
    u = browser["update_s"]
    print(json.dumps({
        **browser, "load": load, "cli_run_set_s": round(cli, 2),
        "speedup_vs_cli": round(cli / u["median"], 1), "cores": os.cpu_count(),
        "targets": {"update_median_s": 1.0, "update_p95_s": 2.0},
        "met": u["median"] < 1.0 and u["p95"] < 2.0 and load["errors"] == 0,
    }, indent=2))


if __name__ == "__main__":
    main()
