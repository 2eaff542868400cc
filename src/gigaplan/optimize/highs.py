"""HiGHS through linopy, quietly, and reading its solution: :func:`quiet_solve` (no banner on
stdout, which may carry ``--json``), :func:`status`, :func:`value` (a variable's values,
rounded) and :func:`scalar` (a linear expression's value)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys

import linopy
import numpy as np

__all__ = ["quiet_solve", "scalar", "silenced", "status", "value"]


@contextlib.contextmanager
def silenced():
    """HiGHS writes its banner to file descriptor 1 from C++: hold it off stdout (which may
    carry ``--json``)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def quiet_solve(m: linopy.Model, gap: float, time_limit: float, threads: int | None):
    options = {"mip_rel_gap": gap, "time_limit": float(time_limit), "output_flag": False}
    if threads:
        options["threads"] = int(threads)
    log = logging.getLogger("linopy")
    level = log.level
    log.setLevel(logging.ERROR)  # an infeasible trial is expected in the conflict search
    try:
        with silenced(), contextlib.redirect_stdout(io.StringIO()):
            return m.solve("highs", io_api="direct", progress=False, **options)
    finally:
        log.setLevel(level)


def value(v) -> np.ndarray:
    return np.nan_to_num(np.round(v.solution.values, 6))


def status(m: linopy.Model, result) -> str:
    status, condition = result
    return "optimal" if status == "ok" else str(condition)


def scalar(expr) -> float:
    """The value of a linear expression (0 when it has no terms) at the solution."""
    if isinstance(expr, (int, float)):
        return float(expr)
    return float(np.nansum(np.asarray(expr.solution.values, dtype=float)))
