"""What a run reports: ``metrics.jsonl``, TensorBoard events and a progress bar, from process 0 only."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import torch

METRICS_FILE = "metrics.jsonl"


class LogWindow:
    """Sums of logged tensors since the last log, kept on the device (no host sync)."""

    def __init__(self):
        self.sums: dict[str, torch.Tensor] = {}
        self.micro_batches = 0
        self.grad_norm: torch.Tensor | None = None
        self.steps = 0

    def add_micro(self, values: dict[str, torch.Tensor]) -> None:
        self.micro_batches += 1
        for key, value in values.items():
            value = value.detach().float()
            self.sums[key] = self.sums[key] + value if key in self.sums else value

    def add_step(self, grad_norm: torch.Tensor) -> None:
        self.steps += 1
        self.grad_norm = grad_norm if self.grad_norm is None else self.grad_norm + grad_norm

    def means(self) -> tuple[list[str], torch.Tensor]:
        names = sorted(self.sums)
        values = [self.sums[k] / self.micro_batches for k in names]
        return [*names, "grad_norm"], torch.stack([*values, self.grad_norm / self.steps])


class RunLog:
    """``metrics.jsonl`` and TensorBoard, written by process 0 only."""

    def __init__(self, run_dir: Path, active: bool, tensorboard: bool):
        self.path, self.active, self.want_tensorboard = run_dir / METRICS_FILE, active, tensorboard
        self.writer = None
        self.lines = 0  # records written, saved with each checkpoint

    def start(self, lines: int, step: int) -> None:
        """Open the logs; a resumed run first drops the records written after its checkpoint."""
        self.lines = lines
        if self.path.is_file():
            kept = self.path.read_text(encoding="utf-8").splitlines()[:lines]
            self.path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
        if self.want_tensorboard:
            with contextlib.suppress(ImportError):
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(self.path.parent / "tensorboard"), purge_step=step + 1)

    def write(self, record: dict) -> None:
        if not self.active:
            return
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.lines += 1
        if self.writer:
            for key, value in record.items():
                if key not in ("kind", "epoch", "step"):
                    self.writer.add_scalar(f"{record['kind']}/{key}", value, record["step"])

    def close(self) -> None:
        if self.writer:
            self.writer.close()


def progress_bar(enabled: bool, total: int, done: int):
    """A live bar on a terminal; plain lines (one per epoch and evaluation) in a log file or pipe."""
    if not enabled:
        return _NoBar()
    return _Bar(total, done) if sys.stderr.isatty() else _Lines()


class _NoBar(contextlib.nullcontext):
    def advance(self) -> None:
        pass

    def line(self, text: str) -> None:
        pass


class _Lines(_NoBar):
    """Progress for a job log: each line printed at once, with the time since the start."""

    def __init__(self):
        super().__init__()
        self.start = time.monotonic()

    def line(self, text: str) -> None:
        print(f"[{time.monotonic() - self.start:7.1f} s] {text}", file=sys.stderr, flush=True)


class _Bar:
    """A rich progress bar over optimiser steps, on stderr."""

    def __init__(self, total: int, done: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn())
        self.progress = Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True))
        self.task_id = self.progress.add_task("training steps", total=total, completed=done)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def advance(self) -> None:
        self.progress.advance(self.task_id)

    def line(self, text: str) -> None:
        self.progress.console.print(text)
