"""The what-if web app: its state functions give what the CLI gives, its guards refuse what they
must, and in chromium a control, the editor, uploads, downloads and variants work end to end."""

from __future__ import annotations

import base64
import json
import logging
import threading

import pytest

from gigaplan import chain, pipeline
from gigaplan.app import state, web
from gigaplan.datafiles import scenario_text
from gigaplan.errors import GigaplanError, ScenarioError
from gigaplan.scenario import load_scenario

from .helpers import chromium, invoke
from .test_report import ARTIFACTS

DEFAULT = "fluidstack-2026"
RESTART = "reliability.memory_restart_minutes"


def _upload(data: bytes, name: str) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(data).decode()


def _workload(summary: dict, name: str) -> dict:
    return next(w for w in summary["workloads"] if w["name"] == name)


# ----------------------------------------------------------------------------- state


def test_a_parameter_change_gives_the_run_of_gigaplan_run_set():
    src = state.builtin(DEFAULT)
    r = state.evaluate(src, {RESTART: 10})
    s = load_scenario(DEFAULT)
    whole = chain.stages(s, pipeline.assumptions_for(s, {RESTART: 10}))
    assert r.summary.to_json() == whole.summary.to_json()
    # and it moved: a 10-minute in-memory restart makes frontier-2e27 late (goodput 0.66 -> 0.42)
    assert json.loads(r.summary.to_json()) != json.loads(state.evaluate(src).summary.to_json())


def test_the_controls_are_the_inputs_the_tornado_ranks_first():
    found = state.controls(state.builtin(DEFAULT))
    assert len(found) == state.CONTROLS
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    # the default scenario's headline moves most with the in-memory restart time (frontier
    # goodput) and the spread between fleets (failures a day)
    assert found[0].name == RESTART and found[1].name == "reliability.fleet_failure_factor"
    for c in found:
        assert c.low <= c.value <= c.high


def test_the_edited_scenario_is_a_valid_file_that_runs_to_the_same_figures(tmp_path):
    src = state.builtin(DEFAULT)
    paths = {"sites[0].phases[0].online": "2026-07-01"}
    text = state.edited_text(src, {RESTART: 4}, paths)
    assert '"reliability.memory_restart_minutes" = 4.0 # assumption: set in gigaplan app' in text
    assert "online = 2026-07-01 # assumption: set in gigaplan app (was 2026-06-01)" in text
    assert "# source: [TW1]" in text  # the other marks are kept
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    assert invoke("validate", str(path)).exit_code == 0
    s = load_scenario(path)
    # the set path's [[uncertain]] entry went with it; the three others stay
    assert len(s.uncertain) == 3 and all(u.path not in paths for u in s.uncertain)
    r = state.evaluate(src, {RESTART: 4}, paths)
    assert r.summary.headline == chain.stages(s, pipeline.assumptions_for(s)).summary.headline


@pytest.mark.parametrize("data, name, message", [
    (b"name = 'x'\x00\x01", "s.toml", "a binary file"),
    (b"\xff\xfename", "s.toml", "not UTF-8 text"),
    (b"x" * (state.MAX_UPLOAD_BYTES + 1), "s.toml", "at most 1,000,000"),
    (b"name: x", "s.exe", "expected a .toml, .yaml, .yml or .json scenario"),
    (b"a: &a [1, 1]\nb: [*a, *a]\n", "bomb.yaml", "YAML aliases (*name) are not accepted"),
    (b"a: " + b"[" * 500 + b"]" * 500, "deep.yaml", "nested more than 100 levels deep"),
])
def test_hostile_uploads_are_refused_with_a_reason(data, name, message):
    with pytest.raises(GigaplanError, match=None) as info:
        state.from_upload(_upload(data, name), name)
    assert message in str(info.value)


def test_an_upload_name_only_picks_the_format_and_never_names_a_file():
    text = scenario_text("single-site-100k").encode()
    src = state.from_upload(_upload(text, "x"), "../../../etc/passwd.toml")
    assert src.text == text.decode() and src.fmt == "toml"
    with pytest.raises(GigaplanError, match="no built-in scenario"):
        state.builtin("../../../etc/passwd")
    with pytest.raises(GigaplanError, match="did not give it"):
        state.Source.from_dict({"text": "x", "fmt": "../../etc/passwd", "label": "x"})
    with pytest.raises(ScenarioError):
        state.from_upload(_upload(b"name = 'x'", "x.toml"), "x.toml")


# ----------------------------------------------------------------------------- guards


def test_a_token_is_required_on_every_request_when_given():
    client = web.create_app(DEFAULT, token="t0ken-for-this-test").server.test_client()
    assert client.get("/").status_code == 403
    assert client.get("/_dash-layout").status_code == 403
    assert client.get("/?token=wrong-token-xxxxx").status_code == 403
    ok = client.get("/?token=t0ken-for-this-test")
    assert ok.status_code == 200 and "HttpOnly" in ok.headers["Set-Cookie"]
    assert client.get("/_dash-layout").status_code == 200  # the cookie carries it on
    assert web.create_app(DEFAULT).server.test_client().get("/").status_code == 200  # loopback
    assert web.is_loopback("127.0.0.1") and web.is_loopback("::1")
    assert not web.is_loopback("0.0.0.0") and not web.is_loopback("example.org")
    with pytest.raises(GigaplanError, match="needs a token"):
        web.serve(DEFAULT, host="0.0.0.0", port=1)


def test_a_50_mb_request_is_refused_and_the_app_keeps_serving():
    client = web.create_app(DEFAULT).server.test_client()
    big = client.post("/_dash-update-component", data=b"{" + b" " * 50_000_000 + b"}",
                      content_type="application/json")
    assert big.status_code == 413
    assert client.get("/").status_code == 200


def test_the_cli_generates_a_token_beyond_loopback_and_opens_files(monkeypatch, tmp_path):
    served = []
    monkeypatch.setattr(web, "serve", lambda initial, **kw: served.append((initial, kw)))
    result = invoke("app", "--host", "0.0.0.0", "--port", "8123")
    assert result.exit_code == 0, result.output
    (initial, kw), = served
    assert initial == DEFAULT and kw["host"] == "0.0.0.0" and len(kw["token"]) >= 20
    assert f"http://0.0.0.0:8123/?token={kw['token']}" in result.stdout
    served.clear()
    assert invoke("app").exit_code == 0 and served[0][1]["token"] is None  # loopback
    path = tmp_path / "mine.toml"
    path.write_text(scenario_text("single-site-100k"), encoding="utf-8")
    served.clear()
    assert invoke("app", str(path)).exit_code == 0
    src = served[0][0]
    assert isinstance(src, state.Source) and src.label == "mine.toml (single-site-100k)"
    bad = invoke("app", str(tmp_path / "missing.toml"))
    assert bad.exit_code == 2 and "missing.toml" in bad.stderr


def test_the_cli_refuses_a_bad_port_or_a_short_token():
    assert invoke("app", "--port", "0").exit_code == 2
    result = invoke("app", "--token", "short")
    assert result.exit_code == 2 and "at least 12 characters" in result.stderr


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api")
    path = chromium()
    if path is None:
        pytest.skip("no chromium on this machine: .ci/run installs Debian's chromium package")
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, web.create_app(DEFAULT).server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      accept_downloads=True)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_selector("[data-key='run:frontier-2e27']", timeout=60_000)
        yield page, errors, dialogs
        browser.close()
    server.shutdown()


def _set_control(page, name: str, value) -> None:
    box = page.locator(f"[data-name='{name}'] input[type=number]")
    box.fill(str(value))
    box.press("Tab")


def _wait_status(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#status').innerText.includes(t)", arg=text,
        timeout=30_000)


def _wait_central(page) -> None:
    page.wait_for_function(
        "() => { const t = document.querySelector('#status').innerText;"
        " return t.includes('central run') && !t.includes('change(s)'); }", timeout=30_000)


def test_moving_a_control_gives_the_figures_of_gigaplan_run_set(browser_page, tmp_path):
    page, errors, _ = browser_page
    _set_control(page, RESTART, 10)
    _wait_status(page, f"1 change(s): {RESTART}=10")
    card = page.locator(".card", has=page.locator("[data-key='run:frontier-2e27']"))
    page.wait_for_function("() => document.querySelector(\"[data-key='run:frontier-2e27']\")"
                           ".innerText !== '2027-03-05'", timeout=30_000)
    result = invoke("run", DEFAULT, "-o", str(tmp_path / "o"), "--no-samples", "--json",
                    "--set", f"{RESTART}=10")
    w = _workload(json.loads(result.stdout), "frontier-2e27")
    text = card.inner_text()
    assert w["finish"] in text and f"goodput {w['goodput']:.3f}" in text
    page.screenshot(path=str(ARTIFACTS / "app-control.png"), full_page=False)
    _set_control(page, RESTART, 2.5)  # back to central for the next test
    _wait_central(page)
    assert errors == []


def test_the_free_box_sets_any_parameter_and_names_a_wrong_one(browser_page, tmp_path):
    page, errors, _ = browser_page
    assert page.locator("#parameter-names option[value='facility.it_load_factor']").count() == 1
    page.fill("#set-name", "facility.it_load_factor")
    page.fill("#set-value", "70%")  # unit strings as --set takes them
    page.click("#set-apply")
    _wait_status(page, "facility.it_load_factor=0.7")
    result = invoke("run", DEFAULT, "-o", str(tmp_path / "o"), "--no-samples", "--json",
                    "--set", "facility.it_load_factor=0.7")
    # less energy at 70% load: the NPV the CLI gives, not the central one
    npv = json.loads(result.stdout)["headline"]["npv_usd_b"]
    central = state.evaluate(state.builtin(DEFAULT)).summary.headline.npv_usd_b
    assert f"{npv:,.1f}" != f"{central:,.1f}"
    assert f"{npv:,.1f}" in page.locator("[data-key='npv_usd_b']").inner_text()
    page.fill("#set-name", "facility.it_lod_factor")
    page.fill("#set-value", "0.7")
    page.click("#set-apply")
    page.wait_for_function("() => document.querySelector('#set-msg').innerText"
                           ".includes('it_load_factor')", timeout=30_000)  # the closest name
    page.click("#set-clear")
    _wait_central(page)
    assert errors == []


def test_an_invalid_value_shows_its_field_path(browser_page):
    page, errors, _ = browser_page
    editor = page.locator("#editor")
    text = editor.input_value()
    assert "it_mw = 40" in text
    editor.fill(text.replace("it_mw = 40", "it_mw = -40", 1))
    item = page.locator(".problems li[data-path='sites[0].phases[0].it_mw']")
    item.wait_for(timeout=30_000)
    assert "-40" in item.inner_text()
    editor.fill(text)
    page.wait_for_selector("#editor-problems .ok", timeout=30_000)
    assert errors == []


def test_an_upload_opens_and_names_render_as_text(browser_page):
    page, errors, dialogs = browser_page
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    # the payload as the scenario's, the site's and the workload's name: cards, figure
    # legends and axes, the editor
    text = scenario_text("single-site-100k")
    for name in ("single-site-100k", "h100-campus", "llama-405b-class"):
        text = text.replace(f'name = "{name}"', f"name = {json.dumps(payload + name)}", 1)
    assert text.count(payload) == 3
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "xss.toml", "mimeType": "text/plain", "buffer": text.encode()}])
    _wait_status(page, "xss.toml: central run")  # the run of the upload, not the one before
    assert payload not in page.inner_text("#scenario-label")  # the label is the file's name
    assert payload in page.locator("#editor").input_value()
    assert f"Run {payload}llama-405b-class" in page.inner_text("#cards")  # shown as text
    page.locator("#fig-training-gantt .main-svg").first.wait_for(timeout=30_000)
    assert dialogs == [] and page.locator("img[src=x]").count() == 0
    assert page.locator("script:has-text('alert(2)')").count() == 0
    # hostile files are refused with a message; the app keeps serving
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "big.toml", "mimeType": "text/plain", "buffer": b"#" * 2_000_000}])
    page.wait_for_function("() => document.querySelector('#upload-msg').innerText"
                           ".includes('too large')", timeout=30_000)
    page.set_input_files("#upload input[type=file]", files=[
        {"name": "bin.toml", "mimeType": "application/octet-stream",
         "buffer": bytes(range(256))}])
    page.wait_for_function("() => document.querySelector('#upload-msg').innerText"
                           ".includes('binary')", timeout=30_000)
    page.locator("#builtin").click()
    page.get_by_text(DEFAULT, exact=True).last.click()
    _wait_status(page, f"{DEFAULT} (built-in): central run")
    assert errors == [] and dialogs == []


def test_the_downloaded_scenario_validates(browser_page, tmp_path):
    page, errors, _ = browser_page
    _set_control(page, RESTART, 4)
    _wait_status(page, f"{RESTART}=4")
    with page.expect_download() as d:
        page.click("#dl-scenario")
    path = tmp_path / d.value.suggested_filename
    d.value.save_as(path)
    assert path.name == f"{DEFAULT}-edited.toml"
    text = path.read_text(encoding="utf-8")
    assert '"reliability.memory_restart_minutes" = 4.0 # assumption: set in gigaplan app' in text
    assert invoke("validate", str(path)).exit_code == 0
    with page.expect_download() as d:
        page.click("#dl-report")
    report = tmp_path / d.value.suggested_filename
    d.value.save_as(report)
    html = report.read_text(encoding="utf-8")
    assert report.name == f"{DEFAULT}-report.html" and "gigaplan report: fluidstack-2026" in html
    assert 'id="portfolio-shares"' in html  # the full report, with what the app leaves out
    _set_control(page, RESTART, 2.5)
    _wait_central(page)
    assert errors == []


def test_two_pinned_variants_compare_as_gigaplan_compare(browser_page, tmp_path):
    page, errors, _ = browser_page
    page.click("#pin-clear")
    page.click("#pin")
    page.wait_for_function("() => document.querySelector('#pin-msg').innerText"
                           ".includes('pinned v1')", timeout=30_000)
    _set_control(page, "reliability.fleet_failure_factor", 2)
    _wait_status(page, "reliability.fleet_failure_factor=2")
    page.click("#pin")
    page.wait_for_selector("table.cmp tr[data-key='failures_per_day']", timeout=60_000)
    row = page.locator("table.cmp tr[data-key='failures_per_day'] td").all_inner_texts()
    src = state.builtin(DEFAULT)
    files = []
    for i, overrides in enumerate(({}, {"reliability.fleet_failure_factor": 2.0})):
        files.append(tmp_path / f"v{i + 1}.toml")
        files[-1].write_text(state.edited_text(src, overrides, {}), encoding="utf-8")
    c = json.loads(invoke("compare", *map(str, files), "--json").stdout)
    cli = next(r for r in c["figures"] if r["figure"] == "failures_per_day")
    assert row[1:] == [f"{cli[label]:,.3g}" for label in c["scenarios"]]
    assert float(row[2].replace(",", "")) > 1.5 * float(row[1].replace(",", ""))
    page.screenshot(path=str(ARTIFACTS / "app-compare.png"), full_page=True)
    _set_control(page, "reliability.fleet_failure_factor", 1)
    _wait_central(page)
    assert errors == []


def test_ranges_follow_the_central_figures(browser_page):
    page, errors, _ = browser_page
    page.locator("#ranges-on input").check()
    row = page.locator("#ranges tr[data-key='npv_usd_b']")
    row.wait_for(timeout=60_000)
    # the same seeded draws as state.ranges (gigaplan.montecarlo.run, seed 0)
    npv = next(b for b in state.ranges(state.builtin(DEFAULT)) if b["key"] == "npv_usd_b")
    assert npv["text"] in row.inner_text() and npv["p10"] < npv["p90"]
    page.locator("#ranges-on input").uncheck()
    page.wait_for_function("() => !document.querySelector('#ranges tr')", timeout=30_000)
    assert errors == []


def _captured_update(page) -> dict:
    """The body the page posts to run the central figures after a control moves."""
    with page.expect_request(lambda r: "_dash-update-component" in r.url
                             and "cards.children" in (r.post_data or "")
                             and f"{RESTART}" in (r.post_data or "")) as req:
        _set_control(page, RESTART, 3)
    body = json.loads(req.value.post_data)
    _set_control(page, RESTART, 2.5)
    _wait_central(page)
    return body


def test_twenty_sessions_of_ten_changes_complete_without_errors(browser_page):
    # 20 concurrent clients on the loopback, each posting 10 control changes as the page does
    # (bench/bench_app.py times the same with every value new)
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    page, errors, _ = browser_page
    body = _captured_update(page)
    url = page.url.split("?")[0].rstrip("/") + "/_dash-update-component"
    group = next(g for g in body["inputs"] if isinstance(g, list) and g
                 and g[0]["id"]["type"] == "ctl")
    at = next(i for i, x in enumerate(group) if x["id"]["name"] == RESTART)

    def session(i: int) -> list[str]:
        seen = []
        for j in range(10):
            value = (1.0, 2.0, 4.0, 6.0, 8.0)[(i + j) % 5]
            data = json.loads(json.dumps(body))
            data["inputs"][body["inputs"].index(group)][at]["value"] = value
            req = urllib.request.Request(url, data=json.dumps(data).encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=60) as resp:
                assert resp.status == 200
                out = json.loads(resp.read())
            seen.append(json.dumps(out["response"]["status"]))
            assert f"{RESTART}={value:g}" in seen[-1]
        return seen

    with ThreadPoolExecutor(20) as pool:
        done = list(pool.map(session, range(20)))
    assert len(done) == 20 and all(len(s) == 10 for s in done)
    assert page.locator("#status").inner_text().endswith("central run")  # still serving
    assert errors == []
