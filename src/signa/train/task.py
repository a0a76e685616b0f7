"""The ``Task`` interface: what the one training loop asks of fingerspelling, isolated signs, or a new task.

The loop (:mod:`signa.train.loop`) owns everything generic: devices and processes, sampling and
sharding, mixed precision, accumulation, clipping, the optimiser and schedule, EMA, checkpoints,
resume, logging. A task owns what is specific: its datasets, its models, the loss of one batch, and
what a prediction and a score are. The contract, in the order the loop calls it:

1. ``task = TaskClass(experiment, runtime)``; ``task.data``, ``task.augment`` and ``task.options``
   are the task's keys of the ``data`` section and the parsed ``augment`` and ``options`` sections
   (dataclasses ``TaskClass.Data`` / ``TaskClass.Augment`` / ``TaskClass.Options``).
2. ``task.build_datasets()`` -> ``(train, valid or None)``, map-style datasets. A training sample may
   draw random numbers from ``random``, ``numpy.random`` or ``torch``: the loop seeds all three before
   each sample from (seed, epoch, position), so the data of a run is a function of its seed and a
   resumed run sees exactly the samples an uninterrupted one would, whatever the number of workers
   (``torch.initial_seed()`` is the sample's seed, e.g. for a ``torch.Generator``).
   ``task.epoch_indices(epoch, rng, train_size)`` says which training indices make one epoch, in order.
3. ``task.build_models()`` -> ``{name: module}``, stored as ``task.models``. The modules named by
   ``task.trainable()`` get gradients, share one AdamW, are clipped each on its own, and are wrapped in
   DDP when several processes train; the others (an EMA teacher, say) are moved to the device only.
4. Each micro-step: ``loss, logs = task.training_step(models, batch, progress)`` where ``models`` maps
   the same names to the modules to *call* (DDP wrappers where wrapped). ``loss`` is a scalar tensor,
   a per-sample mean; ``logs`` holds scalar tensors averaged and logged every ``train.log_every`` steps
   (no host sync in between).
5. After each optimiser step: ``task.after_optimizer_step(progress)`` (EMA teacher updates).
6. Evaluation: ``task.collect_records(model, loader)`` runs ``evaluation_records`` on every batch of
   this process's shard and gathers the records of all processes in dataset order;
   ``summarize(records)`` turns them into metrics, a dict holding at least ``task.metric``. The
   final evaluation's records are saved as ``valid_predictions.csv`` in the run folder.
7. Saving: ``task.inference_model()`` is saved with ``task.checkpoint_meta()`` as the checkpoint;
   all of ``task.models`` plus ``task.state_dict()`` go into the resume state. Evaluation and
   saving both run inside ``task.ready_for_inference(model)`` (after the loop's EMA weights are
   swapped in), where a task may put final touches on the model that training then does without
   (signs: BatchNorm statistics of the final weights).

``signa evaluate`` reuses 6 with a model loaded from a checkpoint (after
``task.check_checkpoint_meta``) and ``task.eval_dataset(path)``; ``worst`` picks the samples to
show and ``write_report`` adds task-specific files (a confusion matrix, say) beside the predictions CSV.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from signa.config import from_dict
from signa.errors import SignaError
from signa.train.config import ExperimentConfig, experiment_to_dict
from signa.train.distributed import Runtime, gather_shards


@dataclass(frozen=True)
class NoOptions:
    """The section is empty for this task."""


@dataclass(frozen=True)
class Progress:
    """Where training stands during one micro-step."""

    epoch: int  # 0-based
    step: int  # optimiser steps completed so far
    total_steps: int  # optimiser steps of the whole run
    micro_step: int = 0  # position within gradient accumulation

    @property
    def fraction(self) -> float:
        """Share of training done, in [0, 1): drives ramp-ups and decaying schedules."""
        return self.step / max(self.total_steps, 1)


class Task(ABC):
    """One kind of training problem; see the module docstring for the contract."""

    name: ClassVar[str]
    Data: ClassVar[type] = NoOptions  # the task's own keys of the ``data`` section
    Augment: ClassVar[type] = NoOptions
    Options: ClassVar[type] = NoOptions
    metric: ClassVar[str]  # key of the main metric in ``summarize``
    greater_is_better: ClassVar[bool] = True

    def __init__(self, experiment: ExperimentConfig, runtime: Runtime = Runtime()):
        self.experiment = experiment
        self.runtime = runtime
        self.data = from_dict(self.Data, experiment.task_data, prefix="data.")
        self.augment = from_dict(self.Augment, experiment.augment, prefix="augment.")
        self.options = from_dict(self.Options, experiment.options, prefix="options.")
        self.models: dict[str, nn.Module] = {}

    # --- data -------------------------------------------------------------------------------------
    @abstractmethod
    def build_datasets(self) -> tuple[Dataset, Dataset | None]:
        """The training set (augmented) and the validation set (not augmented, may be None)."""

    @abstractmethod
    def eval_dataset(self, path: str | Path) -> Dataset:
        """Every sequence of the data at ``path``, not augmented, for ``signa evaluate``."""

    def collate(self, samples: list) -> Any:
        """Batch a list of samples; the default stacks tensors."""
        return torch.utils.data.default_collate(samples)

    def epoch_indices(self, epoch: int, rng: np.random.Generator, train_size: int) -> np.ndarray:
        """Training sample indices of one epoch, in the order they are seen; default: a permutation."""
        return rng.permutation(train_size)

    def to_device(self, batch: Any) -> Any:
        return move_to(batch, self.runtime.device)

    # --- models -----------------------------------------------------------------------------------
    @abstractmethod
    def build_models(self) -> dict[str, nn.Module]:
        """All modules the task trains or keeps; ``"model"`` is the one saved unless overridden."""

    def trainable(self) -> list[str]:
        """Names of the modules optimised by the loop."""
        return list(self.models)

    def inference_model(self) -> nn.Module:
        """The module saved as the checkpoint and evaluated."""
        return self.models["model"]

    def ready_for_inference(self, model: nn.Module) -> contextlib.AbstractContextManager:
        """A block in which ``model`` is as it is evaluated and saved; training resumes after it with
        the model as it was (default: nothing changes)."""
        del model
        return contextlib.nullcontext()

    def checkpoint_meta(self) -> dict[str, Any]:
        """What a runtime needs beside the weights: task, vocab or labels, selection, experiment."""
        return {"task": self.name, "experiment": experiment_to_dict(self.experiment)}

    def check_checkpoint_meta(self, meta: dict[str, Any], source: str | Path) -> None:
        """Refuse a checkpoint that does not fit this task's data (another vocabulary, say)."""
        if meta.get("task") != self.name:
            raise SignaError(f"checkpoint is for task {meta.get('task')!r}, not {self.name!r}", source)

    def state_dict(self) -> dict[str, Any]:
        """Extra state to resume with, beyond the models' weights (counters, say)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        del state

    # --- steps ------------------------------------------------------------------------------------
    @abstractmethod
    def training_step(
        self, models: dict[str, nn.Module], batch: Any, progress: Progress
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Loss of one micro-batch (a per-sample mean) and scalar tensors to log."""

    def after_optimizer_step(self, progress: Progress) -> None:
        """Called after every optimiser step (update an EMA teacher here)."""
        del progress

    # --- evaluation -------------------------------------------------------------------------------
    @abstractmethod
    def evaluation_records(self, model: nn.Module, batch: Any) -> list[dict[str, Any]]:
        """One record per sample of ``batch``: its id, target, prediction, score, ..."""

    @abstractmethod
    def summarize(self, records: list[dict[str, Any]]) -> dict[str, float]:
        """Metrics of the whole set from all records; holds at least ``self.metric``."""

    def worst(self, records: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        """The ``n`` worst records, for ``signa evaluate``; the default sorts by a ``score`` field."""
        if not records or "score" not in records[0]:
            return []
        return sorted(records, key=lambda r: r["score"])[:n]

    def write_report(self, records: list[dict[str, Any]], metrics: dict[str, float], out_dir: Path) -> None:
        """Task-specific files beside the predictions CSV of ``signa evaluate``."""
        del records, metrics, out_dir

    @torch.no_grad()
    def collect_records(self, model: nn.Module, loader: Iterable) -> list[dict[str, Any]]:
        """Records of this process's shard, gathered from all processes in dataset order."""
        was_training = model.training
        model.eval()
        records = [r for batch in loader for r in self.evaluation_records(model, self.to_device(batch))]
        model.train(was_training)
        return gather_shards(records)


def move_to(batch: Any, device: torch.device) -> Any:
    """``batch`` with every tensor inside (dicts, lists, tuples) moved to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: move_to(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(move_to(v, device) for v in batch)
    return batch
