"""Benchmark of ``gigaplan compare`` (run: ``.venv/bin/python bench/bench_compare.py``).

Target: every shipped scenario compared, with the comparison page, in under 10 s for the whole
process (a fresh interpreter: imports, every scenario's full chain, the page).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    from gigaplan.datafiles import scenario_names

    names = scenario_names()
    exe = Path(sys.executable).with_name("gigaplan")
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        subprocess.run([str(exe), "compare", *names, "-o", d, "--json"], check=True,
                       capture_output=True, text=True)
        whole = time.perf_counter() - start
        size = (Path(d) / "compare.html").stat().st_size
    print(json.dumps({"scenarios": names, "whole_process_s": whole, "page_bytes": size,
                      "target_s": 10.0, "met": whole < 10.0}, indent=2))


if __name__ == "__main__":
    main()
