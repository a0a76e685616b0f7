"""Running the work units of a preparation: in this process or in fresh ("spawn") worker processes,
with a progress bar on a terminal and a plain line per tenth of the work in a job log (stderr)."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.progress import Progress

from signa.data.store_guard import say


def run_units(job: Callable[[Any], int], units: Sequence, workers: int, progress: bool, total: int) -> None:
    with _progress_bar(progress, total, total - len(units)) as advance:
        if workers <= 1 or len(units) <= 1:
            for unit in units:
                job(unit)
                advance()
            return
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(job, units):
                advance()


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int, done: int):
    """Yield an ``advance()`` callable driving a rich progress bar over units (a no-op if disabled)."""
    if not enabled:
        yield lambda: None
        return
    if not sys.stderr.isatty():  # a job log: a plain line per tenth of the work instead of a bar
        yield _progress_lines(total, done)
        return
    with Progress(transient=False, console=Console(stderr=True)) as bar:
        task = bar.add_task("preparing", total=total, completed=done)
        yield lambda: bar.advance(task)


def _progress_lines(total: int, done: int) -> Callable[[], None]:
    count = [done]
    step = max(total // 10, 1)

    def advance() -> None:
        count[0] += 1
        if count[0] % step == 0 or count[0] == total:
            say(f"preparing: {count[0]}/{total} parts")

    return advance
