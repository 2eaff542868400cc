"""The shell of gigaplan's one-figure-set pages (``compare.html``, ``optimize.html``): one
self-contained HTML file, plotly inlined, opening offline, written atomically."""

from __future__ import annotations

import html
from pathlib import Path

from .. import __version__
from ..fileio import write_text_atomic

__all__ = ["CSS", "escape", "page", "plot", "write"]

CSS = ("body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}"
       "header{background:#264653;color:#fff;padding:16px 28px}main{max-width:1180px;"
       "margin:0 auto;padding:8px 28px 40px}table{border-collapse:collapse;background:#fff}"
       "td,th{border:1px solid #dde2ea;padding:4px 8px}td.n{text-align:right}"
       ".plot{background:#fff;margin:12px 0}")


def escape(x) -> str:
    """``x`` as HTML text."""
    return html.escape(str(x))


def plot(fig, div_id: str) -> str:
    """A plotly figure as a ``div.plot`` (its script refers to the page's inlined plotly)."""
    return (f'<div class="plot" id="{escape(div_id)}">' + fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"{div_id}-plot",
        config={"displaylogo": False, "responsive": True}) + "</div>")


def page(title: str, heading: str, subtitle: str, body: str) -> str:
    """The whole page: ``title``, ``heading`` and ``subtitle`` as text, ``body`` as HTML."""
    from plotly.offline import get_plotlyjs

    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{CSS}</style>"
            f"<script>{get_plotlyjs()}</script></head><body><header><h1>{escape(heading)}</h1>"
            f"<p>{escape(subtitle)} · gigaplan {escape(__version__)}</p></header><main>"
            f"{body}</main></body></html>")


def write(text: str, out_dir: str | Path, name: str) -> Path:
    """Write ``text`` as ``out_dir/name`` (the folder made if missing); returns its path."""
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
    return path
