"""How many CPU threads and loader processes a command uses (torch-free: it only counts).

A small model gains nothing from many intra-op threads and loses a lot when the cores are shared:
the 80 k-parameter sign model trained one epoch in 52.5 s with torch's default threads on a loaded
2-core machine, and in 16.0 s with one. The default is one thread per million parameters, at least
one, at most the cores this process may use; ``--threads`` or ``OMP_NUM_THREADS`` decide otherwise.
"""

from __future__ import annotations

import os

PARAMETERS_PER_THREAD = 1_000_000


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads(parameters: int) -> int | None:
    """Intra-op threads for a model of ``parameters`` weights; None when ``OMP_NUM_THREADS`` is set
    (the user chose, and torch already follows it)."""
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    return max(1, min(available_cores(), parameters // PARAMETERS_PER_THREAD))


def loader_workers(requested: int) -> int:
    """``requested`` data-loader processes, capped by the cores available (torch warns above)."""
    return min(requested, available_cores())
