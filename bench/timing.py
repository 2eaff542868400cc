"""Timing helper shared by the benchmark scripts (imported from the scripts' own folder)."""

from __future__ import annotations

import time


def best_of(fn, repeat: int) -> float:
    """The shortest of ``repeat`` wall-clock timings of ``fn()`` [s]."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
