"""``gigaplan app``: a local web app to ask what-if questions of a scenario.

Built on Dash (Plotly's framework for web apps in Python: the report's plotly figures drop in
unchanged, callbacks are plain Python over the library, and it needs no JavaScript of ours but
one clientside size check). The page holds its state (the scenario's text, the parameters set,
the pinned variants) in the browser; the server keeps only caches, so sessions never see one
another's state. Each change re-runs the chain from the first stage it affects
(:func:`gigaplan.app.state.evaluate`).

Safe by default: it binds to 127.0.0.1; bound to another address it requires a token (given or
generated), checked on every request (``?token=`` once, then an HttpOnly cookie). Requests
are capped at :data:`MAX_REQUEST_BYTES`, uploads at :data:`gigaplan.app.state.MAX_UPLOAD_BYTES`
and parsed with the loader's limits; no client string ever reaches the file system.
"""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import re
import secrets

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from flask import abort, request

from .. import portfolio
from ..datafiles import scenario_names
from ..errors import GigaplanError, ScenarioError
from . import layout, state

__all__ = ["MAX_REQUEST_BYTES", "create_app", "is_loopback", "new_token", "serve"]

#: Largest request body (an upload of 1 MB arrives base64-encoded in a JSON callback).
MAX_REQUEST_BYTES = 4_000_000
_COOKIE = "gigaplan_token"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guard(server, token: str | None) -> None:
    """Cap request size; with a token, refuse every request that does not carry it."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    if not token:
        return

    @server.before_request
    def _check():
        given = (request.args.get("token") or request.headers.get("X-Gigaplan-Token")
                 or request.cookies.get(_COOKIE) or "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(403, description="gigaplan app: a token is required (open the URL the "
                                   "app printed, with ?token=...)")

    @server.after_request
    def _remember(response):
        if request.args.get("token"):
            response.set_cookie(_COOKIE, token, httponly=True, samesite="Strict")
        return response


def _message(exc: Exception) -> str:
    if isinstance(exc, ScenarioError):
        return "; ".join(str(p) for p in exc.problems[:8])
    return str(exc)


def create_app(initial: str | state.Source | None = "fluidstack-2026",
               token: str | None = None) -> dash.Dash:
    """The Dash app opening on ``initial``: a built-in scenario's name or a
    :class:`~gigaplan.app.state.Source` (a file the operator named). A ``token`` is required
    on every request when given."""
    if isinstance(initial, str):
        state.builtin(initial)  # an unknown name fails here, not in the browser
    elif initial is not None:
        state.parse(initial)
    app = dash.Dash(__name__, title="gigaplan what-if", update_title=None,
                    suppress_callback_exceptions=True, serve_locally=True)
    _guard(app.server, token)
    app.index_string = app.index_string.replace("{%css%}", "{%css%}<style>" + layout.CSS
                                                + "</style>")
    app.layout = layout.page(scenario_names(), initial if isinstance(initial, str) else None,
                             state.parameter_names(),
                             None if initial is None or isinstance(initial, str)
                             else initial.to_dict())
    _source_callbacks(app)
    _control_callbacks(app)
    _run_callbacks(app)
    _editor_callbacks(app)
    _compare_callbacks(app)
    return app


# ----------------------------------------------------------------------------- scenario


def _source_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(  # refuse an oversized file before it is sent to the server
        f"""function(contents, name) {{
            if (!contents) {{ return [window.dash_clientside.no_update, ""]; }}
            if (contents.length > {state.MAX_UPLOAD_BYTES * 4 // 3 + 200}) {{
                return [window.dash_clientside.no_update, (name || "the file") +
                        " is too large: a scenario upload is at most " +
                        "{state.MAX_UPLOAD_BYTES:,} bytes"];
            }}
            return [{{contents: contents, filename: name}}, ""];
        }}""",
        Output("upload-ok", "data"), Output("upload-msg", "children", allow_duplicate=True),
        Input("upload", "contents"), State("upload", "filename"), prevent_initial_call=True)

    @app.callback(Output("source", "data"), Output("upload-msg", "children"),
                  Output("overrides", "data", allow_duplicate=True), Output("builtin", "value"),
                  Input("builtin", "value"), Input("upload-ok", "data"),
                  Input("editor-apply", "n_clicks"), State("editor", "value"),
                  State("source", "data"), prevent_initial_call="initial_duplicate")
    def choose(name, upload, _apply, text, current):
        # an upload or applied edits clear the built-in choice, so picking it again reloads it
        try:
            if ctx.triggered_id == "upload-ok" and upload:
                src = state.from_upload(upload.get("contents"), upload.get("filename"))
            elif ctx.triggered_id == "editor-apply" and current:
                old = state.Source.from_dict(current)
                src = state.Source(text or "", old.fmt, old.label)
                state.parse(src)
            elif name:
                return state.builtin(name).to_dict(), "", {}, no_update
            else:
                return no_update, "", no_update, no_update
        except (GigaplanError, ValueError) as exc:
            return no_update, f"refused: {_message(exc)}", no_update, no_update
        return src.to_dict(), "", {}, None


def _control_callbacks(app: dash.Dash) -> None:
    @app.callback(Output("controls", "children"), Output("scenario-label", "children"),
                  Output("editor", "value"), Input("source", "data"))
    def build(data):
        if not data:
            return [], "", ""
        src = state.Source.from_dict(data)
        try:
            found = state.controls(src)
        except GigaplanError as exc:
            return [html.Div(_message(exc), className="msg")], src.label, src.text
        return [layout.control(c) for c in found], src.label, src.text

    @app.callback(Output("overrides", "data"), Output("set-msg", "children"),
                  Output("set-value", "value"),
                  Input("set-apply", "n_clicks"), Input("set-clear", "n_clicks"),
                  State("set-name", "value"), State("set-value", "value"),
                  State("overrides", "data"), prevent_initial_call=True)
    def set_any(_apply, _clear, name, value, current):
        if ctx.triggered_id == "set-clear":
            return {}, "", ""
        from ..assumptions import Assumptions

        name, text = (name or "").strip(), (value or "").strip()
        try:
            a = Assumptions().updated({name: text})
        except GigaplanError as exc:
            return no_update, str(exc), no_update
        return {**(current or {}), name: float(a[name])}, "", ""

    @app.callback(Output("set-list", "children"), Input("overrides", "data"))
    def listed(current):
        return [html.Li(f"{k} = {v:g}") for k, v in (current or {}).items()]


# ----------------------------------------------------------------------------- runs


def _edits(ids: list, values: list, date_ids: list, dates: list, free: dict):
    """(parameter overrides, scenario-path values) of the controls and the free box's
    settings (:func:`_moved` then drops the controls left at their central value)."""
    overrides, paths = {}, {}
    for cid, v in zip(ids, values, strict=True):
        if v is not None:
            overrides[cid["name"]] = float(v)
    for cid, d in zip(date_ids, dates, strict=True):
        if d:
            paths[cid["name"]] = str(d)[:10]
    overrides.update(free or {})
    return overrides, paths


class _Views:
    """The cards and figures of a run, built once per (scenario text, edits): a change back
    to an earlier state, or another session asking the same, costs a lookup."""

    def __init__(self, size: int = 64):
        self.cache = state.LRU(size)

    def __call__(self, src: state.Source, overrides: dict, paths: dict):
        key = (src.key, tuple(sorted(overrides.items())), tuple(sorted(paths.items())))
        view = self.cache.get(key)
        if view is not None:
            return view
        r = state.evaluate(src, overrides, paths)
        figs = []
        for _, _, fn, empty in layout.APP_FIGURES:
            f = fn(r)
            figs.append(f.to_plotly_json() if f is not None else
                        {"layout": {"title": {"text": empty}, "height": 120}})
        view = (state.cards(r), figs)
        self.cache.put(key, view)
        return view


_VIEWS = _Views()


def _changes(overrides: dict, paths: dict) -> str:
    shown = [f"{k}={v:g}" for k, v in overrides.items()] + [f"{k}={v}" for k, v in paths.items()]
    return f" with {len(shown)} change(s): " + ", ".join(shown) if shown else ""


def _run_callbacks(app: dash.Dash) -> None:
    outputs = [Output("cards", "children"), Output("status", "children")] + [
        Output(f"fig-{fid}", "figure") for _, fid, _, _ in layout.APP_FIGURES]
    inputs = [Input("source", "data"), Input({"type": "ctl", "name": ALL}, "value"),
              Input({"type": "ctl-date", "name": ALL}, "date"), Input("overrides", "data")]

    @app.callback(*outputs, *inputs)
    def update(data, values, dates, free):
        none = [no_update] * len(layout.APP_FIGURES)
        if not data:
            return [], "choose or upload a scenario", *none
        src = state.Source.from_dict(data)
        overrides, paths = _current(src, values, dates, free)
        try:
            found, figs = _VIEWS(src, overrides, paths)
        except GigaplanError as exc:
            return no_update, html.Div(f"not run: {_message(exc)}", className="msg"), *none
        status = html.Div(f"{src.label}: central run{_changes(overrides, paths)}",
                          className="ok")
        return [layout.card(c) for c in found], status, *figs

    @app.callback(Output("ranges", "children"), *inputs, Input("ranges-on", "value"))
    def ranged(data, values, dates, free, on):
        # after the central figures, in its own request: the cards never wait for the draws
        if not data or not on:
            return ""
        src = state.Source.from_dict(data)
        overrides, paths = _current(src, values, dates, free)
        try:
            bands = state.ranges(src, overrides, paths, samples=state.RANGE_SAMPLES)
        except GigaplanError as exc:
            return html.Div(f"no ranges: {_message(exc)}", className="msg")
        return layout.ranges_table(bands)


def _current(src: state.Source, values, dates, free) -> tuple[dict, dict]:
    """(overrides, paths) of the page: controls moved off their central value, the free box."""
    overrides, paths = _edits(_ids("ctl"), values, _ids("ctl-date"), dates, free)
    return _moved(src, overrides), _moved_paths(src, paths)


def _ids(kind: str) -> list[dict]:
    """The ids of the pattern-matching inputs or states of ``kind`` in the request."""
    for group in [*ctx.inputs_list, *ctx.states_list]:
        if isinstance(group, list) and group and group[0]["id"].get("type") == kind:
            return [x["id"] for x in group]
    return []


def _moved(src: state.Source, overrides: dict) -> dict:
    """The overrides without controls left at their central value (a run then equals the
    plain ``gigaplan run``)."""
    central = {c.name: c.value for c in state.controls(src) if c.target == "parameter"}
    return {k: v for k, v in overrides.items()
            if k not in central or abs(v - float(central[k])) > 1e-12 * max(1.0, abs(v))}


def _moved_paths(src: state.Source, paths: dict) -> dict:
    central = {c.name: c.value for c in state.controls(src) if c.kind == "date"}
    return {k: v for k, v in paths.items() if central.get(k) != v}


# ----------------------------------------------------------------------------- editor


def _editor_callbacks(app: dash.Dash) -> None:
    @app.callback(Output("editor-problems", "children"), Input("editor", "value"),
                  State("source", "data"), prevent_initial_call=True)
    def check(text, data):
        if not data:
            return ""
        old = state.Source.from_dict(data)
        found = state.problems(state.Source(text or "", old.fmt, old.label))
        if not found:
            return html.Div("valid: Apply edits to run it", className="ok")
        return html.Ul([html.Li(msg, **{"data-path": path}) for path, msg in found[:50]],
                       className="problems")

    @app.callback(Output("download", "data"), Input("dl-scenario", "n_clicks"),
                  Input("dl-report", "n_clicks"), State("source", "data"),
                  State({"type": "ctl", "name": ALL}, "value"),
                  State({"type": "ctl-date", "name": ALL}, "date"),
                  State("overrides", "data"), prevent_initial_call=True)
    def download(_s, _r, data, values, dates, free):
        if not data:
            return no_update
        src = state.Source.from_dict(data)
        overrides, paths = _current(src, values, dates, free)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", src.label.split(" ")[0]).strip("-.") or "scenario"
        if ctx.triggered_id == "dl-scenario":
            ext = {"toml": "toml", "yaml": "yaml", "json": "json"}[src.fmt]
            return {"content": state.edited_text(src, overrides, paths),
                    "filename": f"{stem.rsplit('.', 1)[0]}-edited.{ext}"}
        from ..report import build

        r = state.evaluate(src, overrides, paths)
        full = dataclasses.replace(r, portfolio=portfolio.analyse(r))
        return {"content": build(full), "filename": f"{stem.rsplit('.', 1)[0]}-report.html"}


# ----------------------------------------------------------------------------- compare


def _compare_callbacks(app: dash.Dash) -> None:
    @app.callback(Output("pins", "data"), Output("pin-msg", "children"),
                  Input("pin", "n_clicks"), Input("pin-clear", "n_clicks"),
                  State("pins", "data"), State("source", "data"),
                  State({"type": "ctl", "name": ALL}, "value"),
                  State({"type": "ctl-date", "name": ALL}, "date"),
                  State("overrides", "data"), prevent_initial_call=True)
    def pin(_pin, _clear, pins, data, values, dates, free):
        if ctx.triggered_id == "pin-clear" or not data:
            return [], ""
        pins = list(pins or [])
        if len(pins) >= 4:
            return no_update, "four variants are pinned: clear them to pin more"
        src = state.Source.from_dict(data)
        overrides, paths = _current(src, values, dates, free)
        label = f"v{len(pins) + 1}"
        pins.append({"label": label, "source": data, "overrides": overrides, "paths": paths})
        return pins, f"pinned {label} ({len(pins)} of 4)"

    @app.callback(Output("compare", "children"), Input("pins", "data"))
    def compared(pins):
        if not pins or len(pins) < 2:
            return html.Div("Pin two to four states to set them side by side.")
        try:
            c = state.pinned_comparison(pins)
        except GigaplanError as exc:
            return html.Div(_message(exc), className="msg")
        from ..report.compare_page import figures

        figs = figures(c)
        return [layout.compare_table(c), dcc.Graph(id="compare-capacity", figure=figs[0])]


def new_token() -> str:
    """A random token for an app bound beyond loopback."""
    return secrets.token_urlsafe(18)


def serve(initial: str | state.Source | None = "fluidstack-2026", host: str = "127.0.0.1", port: int = 8050,
          token: str | None = None) -> None:
    """Run the app until interrupted. Bound beyond loopback it refuses to start without a
    ``token`` (the CLI generates one and prints the URL that carries it)."""
    if not is_loopback(host) and not token:
        raise GigaplanError(f"--host {host}: binding beyond this machine needs a token "
                            "(--token, or let gigaplan app generate one)")
    create_app(initial, token).run(host=host, port=port, debug=False)
