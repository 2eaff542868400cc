"""Helpers shared by the tests: edited copies of scenario text, stage results of a scenario,
and the one bad-input assertion of the command line."""

from __future__ import annotations

from gigaplan import pipeline
from gigaplan.assumptions import Assumptions

__all__ = ["assert_bad_input", "chromium", "edited", "invoke", "money_of", "power_of",
           "render_offline", "schedule_of", "stages"]


def invoke(*args: str):
    """``gigaplan ARGS...`` in this process (typer's CliRunner); the result has ``exit_code``,
    ``stdout``, ``stderr`` and ``output``."""
    from typer.testing import CliRunner

    from gigaplan.cli import app

    return CliRunner().invoke(app, list(args))


def edited(text: str, old: str, new: str, count: int = 1) -> str:
    """``text`` with ``old`` replaced by ``new``; fails if ``old`` is not there ``count`` times."""
    assert text.count(old) == count, f"{old!r} occurs {text.count(old)} times, expected {count}"
    return text.replace(old, new)


def stages(scenario, a: Assumptions | None = None, overrides=None):
    """Every stage of ``scenario`` (a Scenario or a built-in name), no files written."""
    from gigaplan.scenario import Scenario, load_scenario

    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return pipeline.stages(s, pipeline.assumptions_for(s, overrides, a))


def power_of(scenario, a: Assumptions | None = None):
    """The facility stage of ``scenario``."""
    from gigaplan import facility, fleet

    return facility.build(scenario, fleet.build(scenario), a or Assumptions())


def assert_bad_input(result, message: str, code: int = 2) -> None:
    """A command's exit code (2: bad input), the message on stderr, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def money_of(scenario, a: Assumptions | None = None):
    """The finance stage of ``scenario`` as tables of its one sample: ``yearly`` (cashflow.csv),
    ``blocks``, ``contracts``, ``npv_usd``, ``irr`` (None: none) and ``run`` (every stage)."""
    from types import SimpleNamespace

    import numpy as np

    r = stages(scenario, a)
    f = r.finance
    irr, payback = float(f.irr[0]), int(f.payback_year[0])
    return SimpleNamespace(yearly=f.yearly_frame(), blocks=f.blocks_frame(),
                           contracts=f.contract_rows(), npv_usd=float(f.npv_usd[0]),
                           irr=None if np.isnan(irr) else irr,
                           payback_year=None if payback < 0 else payback, run=r)


def schedule_of(scenario, a: Assumptions | None = None):
    """The workloads table (workloads.csv) of ``scenario``."""
    return stages(scenario, a).training.table()


def chromium() -> str | None:
    """Debian's chromium, or None (``.ci/run`` installs it)."""
    import shutil

    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render_offline(html_path, plots: int, screenshot=None) -> list[tuple]:
    """Open ``html_path`` in chromium with the network off, wait for ``plots`` plotly figures
    and return ``(div id, width, height, marks)`` of each ``.plot``; fails on any console
    error or any request leaving the file. Skips the test without playwright or chromium."""
    import pytest

    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e .[dev])")
    path = chromium()
    if path is None:
        pytest.skip("no chromium on this machine: .ci/run installs Debian's chromium package")
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        page = browser.new_context(viewport={"width": 1366, "height": 900},
                                   offline=True).new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(html_path.resolve().as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.plot svg.main-svg').length >= {plots}", timeout=30_000)
        sizes = page.evaluate("""Array.from(document.querySelectorAll('.plot')).map(d => {
            const svg = d.querySelector('svg.main-svg');
            const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
            return [d.id, r.width, r.height,
                    d.querySelectorAll('.trace, .bars, .point, .sankey-link').length];
        })""")
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    assert errors == [], errors
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests
    return [tuple(x) for x in sizes]
