"""Screenshot of a report's summary section, for the README.

    .venv/bin/python tools/screenshot.py gigaplan-out/report.html docs/report-summary.png

Opens the report from disk in Debian's chromium (playwright, a dev dependency) with the network
off and saves the summary section as a PNG.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(report: str, png: str) -> None:
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser_path is None:
        sys.exit("no chromium: apt-get install chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        page = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True,
                                   device_scale_factor=1).new_page()
        page.goto(Path(report).resolve().as_uri())
        page.wait_for_selector("section#summary")
        page.locator("section#summary").screenshot(path=png)
        browser.close()
    print(f"wrote {png}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
