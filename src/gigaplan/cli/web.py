"""``gigaplan app``: the what-if web app (:mod:`gigaplan.app.web`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .app import DEFAULT_SCENARIO, app, guarded, out

__all__ = ["serve_app"]


@app.command("app")
@guarded
def serve_app(
    scenario: Annotated[Optional[str], typer.Argument(
        help="Built-in scenario name or scenario file to open (default: the built-in "
             "default).")] = None,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8050,
    host: Annotated[str, typer.Option(
        "--host", help="Address to bind (default 127.0.0.1: this machine only; any other "
                       "needs a token).")] = "127.0.0.1",
    token: Annotated[Optional[str], typer.Option(
        "--token", help="Token every request must carry (generated when binding beyond "
                        "this machine without one).")] = None,
) -> None:
    """Open a scenario in a local web app: move the inputs that matter most and see the
    headline figures and the report's plots follow, edit and download the scenario, and set
    variants side by side."""
    from pathlib import Path

    from ..app import state, web
    from ..datafiles import scenario_names
    from ..errors import GigaplanError
    from ..scenario import load_scenario

    if not 1 <= port <= 65535:
        raise GigaplanError(f"--port {port}: expected 1 to 65535")
    if token is not None and len(token) < 12:
        raise GigaplanError("--token: expected at least 12 characters")
    name = scenario or DEFAULT_SCENARIO
    if name in scenario_names() and not Path(name).exists():
        initial: str | state.Source = name
    else:
        loaded = load_scenario(name)  # every check of the CLI (size, format, problems)
        if not Path(name).is_file():
            raise GigaplanError(f"{name}: gigaplan app opens a built-in name or a scenario "
                                "file; open the scenario and pin its variant's values instead")
        fmt = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(
            Path(name).suffix.lower(), "toml")
        text = Path(name).read_text(encoding="utf-8-sig")
        initial = state.Source(text, fmt, f"{Path(name).name} ({loaded.name})")
    if not web.is_loopback(host) and token is None:
        token = web.new_token()
    url = f"http://{'localhost' if web.is_loopback(host) else host}:{port}/"
    out.print(f"gigaplan app on {url}" + (f"?token={token}" if token else "")
              + "  (Ctrl-C to stop)")
    web.serve(initial, host=host, port=port, token=token)
