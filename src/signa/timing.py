"""Median wall (or CPU) time of a call: the one timing helper of ``signa compare`` and the benchmarks."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, repeats: int, warmup: int = 1, clock=time.perf_counter) -> float:
    """Median time of ``fn()`` in milliseconds over ``repeats`` runs, after ``warmup`` runs.

    ``clock`` is wall time by default; ``time.process_time`` gives this process's CPU time (all
    threads), which other processes sharing the cores do not inflate, so a ratio of two CPU times
    survives a busy machine.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append((clock() - start) * 1000)
    return round(statistics.median(times), 2)
