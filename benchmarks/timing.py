"""The timing helper every benchmark uses, and the precisions worth timing on this CPU."""

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


def precisions() -> tuple[str, ...]:
    """fp32, and bf16 where the CPU has it natively (``signa.cpu``: AMX or AVX512_BF16). Emulated
    bf16 is skipped, as ``precision: auto`` skips it: it ran 14-27x slower than fp32."""
    from signa.cpu import native_bf16

    return ("fp32", "bf16") if native_bf16() else ("fp32",)
