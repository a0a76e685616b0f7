"""The experiment config: one YAML file says what to train, on which data, and how.

An experiment file has the sections below; ``signa train CONFIG.yaml --set optim.lr=1e-3`` overrides
any key. The ``model``, ``augment`` and ``options`` sections are plain mappings here and are checked
against the dataclasses of the architecture (``model.arch``) and of the task (``Task.Augment``,
``Task.Options``) by :func:`load_experiment`, so an unknown key or a wrong type anywhere is one
:class:`SignaError` naming the file. The ``data`` section holds the keys every task has
(:class:`DataConfig`) and the task's own (``Task.Data``: ``vocab`` for fingerspelling, ``labels``
for signs), kept apart in memory (``experiment.task_data``) and together on disk.

.. code-block:: yaml

    task: fingerspelling          # a registered Task
    seed: 42
    model: {arch: fingerspelling, dim: 208, ...}
    data: {train: ../data/asl-fingerspelling, fold: 0, n_folds: 4, batch_size: 64, vocab: kaggle}
    optim: {lr: 4.5e-3, weight_decay: 0.08, schedule: cosine, warmup_epochs: 10, clip_grad_norm: 4.0}
    train: {epochs: 400, precision: auto, grad_accumulation: 8, ema_decay: null}
    augment: {...}                # the task's augmentation config
    options: {...}                # the task's own options (loss weights, training tricks)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from signa.config import apply_overrides, from_dict, read_mapping, to_dict
from signa.errors import SignaError
from signa.files import write_text_atomic
from signa.models.registry import architecture
from signa.train.registry import task_class


@dataclass(frozen=True)
class DataConfig:
    """Where the data is and how it is split and batched.

    ``train`` is a prepared store (``signa data prepare``) or a Kaggle-layout folder (``train.csv`` plus
    parquet files), whose cache is prepared on first use. Without ``valid`` the validation set is fold
    ``fold`` of ``n_folds`` folds grouped by signer; ``fold: -1`` trains on everything (a full fit).
    The folds depend on ``fold_seed`` only, never on the training ``seed``, so runs of one fold with
    several seeds hold out the same rows.
    ``layout`` describes ``.npy`` keypoint vectors in another dataset's order
    (``pose25v,left_hand,right_hand`` or a YAML file, see :mod:`signa.data.keypoints`).
    ``batch_size`` is per process and per micro-step: the global batch of one optimiser step is
    ``batch_size × processes × train.grad_accumulation``.
    """

    train: str = ""
    valid: str | None = None
    fold: int = 0
    n_folds: int = 4
    fold_seed: int = 42
    batch_size: int = 64
    eval_batch_size: int | None = None
    num_workers: int = 0
    selection: str | None = None
    cache: str | None = None
    layout: str | None = None

    def __post_init__(self):
        if self.batch_size < 1 or (self.eval_batch_size is not None and self.eval_batch_size < 1):
            raise ValueError("batch_size and eval_batch_size must be at least 1")
        if self.n_folds < 2:
            raise ValueError(f"n_folds must be at least 2, got {self.n_folds}")
        if not -1 <= self.fold < self.n_folds:
            raise ValueError(f"fold must be -1 (train on all) or 0..{self.n_folds - 1}, got {self.fold}")
        if self.num_workers < 0:
            raise ValueError("num_workers must be 0 or more")


# Keys the data section of every task had before each task owned its own (experiments saved then
# list them all): another task's key at its old default is ignored, so those files keep loading.
SHARED_DATA_DEFAULTS = {
    "vocab": "kaggle",
    "labels": None,
    "supplemental": True,
    "min_seq_len": 0,
    "oof": None,
}


@dataclass(frozen=True)
class OptimConfig:
    """AdamW (or RAdam in Lookahead) with a warmup then a cosine (or linear) decay to 0, stepped once
    per optimiser step.

    The warmup length is ``warmup_epochs`` epochs or ``warmup_fraction`` of all steps (not both).
    FS1 stepped its scheduler every micro-batch over a schedule counted in micro-batches; counting both
    in optimiser steps gives the same curve over epochs.
    """

    lr: float = 1e-3
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    schedule: Literal["cosine", "linear", "constant"] = "cosine"
    warmup_epochs: float = 0.0
    warmup_fraction: float = 0.0
    clip_grad_norm: float | None = None
    decay_norm_and_bias: bool = True
    # adamw, or the 0.677 solution's RAdam inside Lookahead (every ``lookahead_steps`` steps the slow
    # weights move ``lookahead_alpha`` of the way to the fast ones, which restart from them)
    optimizer: Literal["adamw", "radam-lookahead"] = "adamw"
    lookahead_steps: int = 5
    lookahead_alpha: float = 0.5

    def __post_init__(self):
        if self.warmup_epochs and self.warmup_fraction:
            raise ValueError("give warmup_epochs or warmup_fraction, not both")
        if self.lr <= 0 or self.eps <= 0:
            raise ValueError("lr and eps must be positive")
        if self.weight_decay < 0 or self.warmup_epochs < 0 or not 0 <= self.warmup_fraction < 1:
            raise ValueError("weight_decay and warmup_epochs must be >= 0, warmup_fraction in [0, 1)")
        if self.clip_grad_norm is not None and self.clip_grad_norm <= 0:
            raise ValueError("clip_grad_norm must be positive (or null: no clipping)")


@dataclass(frozen=True)
class TrainConfig:
    """The loop: length, precision, accumulation, EMA, and how often to log, evaluate and save.

    ``precision: auto`` is bf16 autocast on GPUs that support it and on CPUs with native bf16 (AMX,
    AVX512_BF16; fp32 on other CPUs), fp16 with a gradient scaler on older GPUs. ``ema_decay`` keeps
    an exponential moving average of the inference model's weights, used for evaluation and saved as
    the checkpoint. ``keep_last`` keeps the inference model of each of the last N epochs in
    ``epochs/epoch-NNN/`` for a model soup (``signa soup``).
    """

    epochs: int = 1
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "fp32"
    grad_accumulation: int = 1
    ema_decay: float | None = None
    log_every: int = 50
    eval_every: int = 1
    checkpoint_every_steps: int | None = None
    keep_last: int = 0
    progress: bool = True
    tensorboard: bool = True

    def __post_init__(self):
        if self.epochs < 1 or self.grad_accumulation < 1 or self.log_every < 1 or self.eval_every < 1:
            raise ValueError("epochs, grad_accumulation, log_every and eval_every must be at least 1")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ValueError("ema_decay must lie in (0, 1)")
        if self.keep_last < 0 or (
            self.checkpoint_every_steps is not None and self.checkpoint_every_steps < 1
        ):
            raise ValueError("keep_last must be >= 0 and checkpoint_every_steps >= 1 (or null)")


@dataclass(frozen=True)
class ExperimentConfig:
    task: str = "fingerspelling"
    seed: int = 42
    model: dict[str, Any] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    augment: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    # the task's keys of ``data`` (Task.Data), split from the section on loading: not a key of its own
    task_data: dict[str, Any] = field(default_factory=dict, metadata={"derived": True})

    def replace(self, **changes) -> ExperimentConfig:
        return dataclasses.replace(self, **changes)

    def with_data(self, **changes) -> ExperimentConfig:
        return dataclasses.replace(self, data=dataclasses.replace(self.data, **changes))


EXPERIMENT_FILE = "experiment.yaml"


def experiment_from_dict(data: dict[str, Any], source: str | Path | None = None) -> ExperimentConfig:
    """Build and fully check an experiment: sections, model fields, and the task's own sections."""
    if "task_data" in data:
        raise SignaError("unknown config key 'task_data' (the task's data keys belong in 'data')", source)
    section = data.get("data", {})
    if not isinstance(section, dict):
        raise SignaError(f"data must be a mapping, got {type(section).__name__}", source)
    shared = {f.name for f in dataclasses.fields(DataConfig)}
    own = {key: value for key, value in section.items() if key not in shared}
    data = {**data, "data": {key: value for key, value in section.items() if key in shared}}
    experiment = from_dict(ExperimentConfig, data, source)
    model = dict(experiment.model)
    if "arch" not in model:
        raise SignaError("the model section needs an 'arch' key naming the architecture", source)
    arch = model.pop("arch")
    model = to_dict(from_dict(architecture(arch, source).Config, model, source, prefix="model."))
    task = task_class(experiment.task, source)
    augment = to_dict(from_dict(task.Augment, experiment.augment, source, prefix="augment."))
    options = to_dict(from_dict(task.Options, experiment.options, source, prefix="options."))
    own = _own_data_keys(task.Data, own)
    _refuse_unknown_data_keys(own, task.Data, source)
    task_data = to_dict(from_dict(task.Data, own, source, prefix="data."))
    # the sections are saved complete, defaults included, so a run folder documents every value
    return experiment.replace(
        model={"arch": arch, **model}, augment=augment, options=options, task_data=task_data
    )


def _refuse_unknown_data_keys(keys: dict[str, Any], cls: type, source: str | Path | None) -> None:
    """An unknown ``data`` key, named with every key the section takes (shared and the task's)."""
    known = [f.name for f in dataclasses.fields(DataConfig)] + [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise SignaError(f"unknown config key 'data.{unknown[0]}' (known: {', '.join(known)})", source)


def _own_data_keys(cls: type, keys: dict[str, Any]) -> dict[str, Any]:
    """The task's data keys, without another task's keys at their old shared defaults."""
    known = {f.name for f in dataclasses.fields(cls)}
    return {
        key: value
        for key, value in keys.items()
        if key in known or key not in SHARED_DATA_DEFAULTS or SHARED_DATA_DEFAULTS[key] != value
    }


def load_experiment(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read an experiment YAML, apply ``key=value`` overrides, and check it all."""
    return experiment_from_dict(apply_overrides(read_mapping(path), list(overrides), path), path)


def experiment_to_dict(experiment: ExperimentConfig) -> dict[str, Any]:
    """Plain JSON/YAML data (tuples become lists), the task's data keys inside ``data``."""
    data = json.loads(json.dumps(to_dict(experiment)))
    data["data"].update(data.pop("task_data"))
    return data


def write_experiment(path: Path, experiment: ExperimentConfig) -> None:
    write_text_atomic(path, yaml.safe_dump(experiment_to_dict(experiment), sort_keys=False))


def check_same_experiment(path: Path, experiment: ExperimentConfig) -> None:
    """A resumed run must use the experiment it started with (same model, vocabulary, data, schedule)."""
    if not path.is_file():
        raise SignaError(f"the run folder has no {EXPERIMENT_FILE}", path.parent)
    saved = experiment_to_dict(experiment_from_dict(yaml.safe_load(path.read_text()), path))
    current = experiment_to_dict(experiment)
    for key in _differences(
        saved, current, ignore={"train.progress", "train.tensorboard", "data.num_workers"}
    ):
        raise SignaError(
            f"cannot resume: {key} is {_lookup(current, key)!r} here "
            f"but the run used {_lookup(saved, key)!r}",
            path,
        )


def _differences(a: dict, b: dict, ignore: set[str], prefix: str = "") -> Iterator[str]:
    for key in sorted(set(a) | set(b)):
        name = f"{prefix}{key}"
        if name in ignore:
            continue
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            yield from _differences(a[key], b[key], ignore, f"{name}.")
        elif a.get(key) != b.get(key):
            yield name


def _lookup(data: dict, dotted: str):
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data
