"""The one training loop, for every task.

Usage::

    signa train configs/fingerspelling/cfg_2.yaml --fold 0 --set train.epochs=10
    signa train configs/fingerspelling/cfg_2.yaml --run-dir runs/cfg2-f0 --resume   # continue a run
    torchrun --nproc-per-node 8 -m signa train configs/fingerspelling/cfg_2.yaml    # DDP

One optimiser step is ``train.grad_accumulation`` micro-batches of ``data.batch_size`` samples on each
process; gradients are synchronised on the last micro-batch only. The order of an epoch's samples and
every sample's random augmentation are functions of (seed, epoch, position), so a run stopped at any
checkpoint and resumed ends with the same weights as one that never stopped. Host synchronisation
happens only when logging (every ``train.log_every`` steps), evaluating and saving.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset

from signa.cpu import loader_workers, native_bf16, warn_if_emulated_bf16
from signa.errors import SignaError
from signa.files import write_records_csv
from signa.metrics import format_metrics, plain_metrics
from signa.train import distributed
from signa.train.checkpointing import (
    latest_checkpoint,
    load_module_state,
    load_train_state,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from signa.train.config import EXPERIMENT_FILE, ExperimentConfig, check_same_experiment, write_experiment
from signa.train.distributed import Runtime
from signa.train.ema import WeightEma
from signa.train.optim import build_optimizer, build_scheduler
from signa.train.registry import task_class
from signa.train.runlog import LogWindow, RunLog, progress_bar
from signa.train.seeding import SeededSamples, seed_everything
from signa.train.task import Progress, Task

VALID_PREDICTIONS_FILE = "valid_predictions.csv"  # the last evaluation, per sample (read by `signa oof`)


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    step: int
    metrics: dict[str, float]  # the last evaluation (empty without a validation set)
    is_main: bool = True  # process 0 (the one that reports)


def train(
    experiment: ExperimentConfig,
    run_dir: str | Path,
    resume: bool = False,
    device: str | None = None,
    threads: int | None = None,
) -> TrainResult:
    """Train ``experiment`` into ``run_dir``; with ``resume``, continue from its last checkpoint.

    ``threads``: torch's CPU threads (default: :func:`signa.cpu.default_threads` of the model size).
    """
    runtime = distributed.setup(device)
    runtime = Runtime(runtime.device, runtime.rank, runtime.world_size, Path(run_dir))
    try:
        return _Trainer(experiment, runtime, resume, threads).run()
    finally:
        distributed.teardown()


def default_run_dir(config_path: str | Path, experiment: ExperimentConfig) -> Path:
    """``runs/<config name>/fold<k>-seed<s>`` (``full-seed<s>`` for a full fit)."""
    fold = f"fold{experiment.data.fold}" if experiment.data.fold >= 0 else "full"
    return Path("runs") / Path(config_path).stem / f"{fold}-seed{experiment.seed}"


def resolve_precision(precision: str, device: torch.device) -> str:
    """``auto``: bf16 on GPUs with bf16 support and on CPUs with native bf16 (AMX, AVX512_BF16),
    fp16 (with a scaler) on older GPUs, fp32 on other CPUs (where bf16 is emulated, many times slower)."""
    if device.type == "cuda":
        if precision == "auto":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return precision
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    if precision == "bf16":
        warn_if_emulated_bf16("train.precision")
    return precision


@dataclass(frozen=True)
class EpochPlan:
    """How many micro-batches and optimiser steps one epoch has, for this number of processes."""

    micro_batches: int
    steps: int
    global_batch: int


class _Trainer:
    def __init__(self, experiment: ExperimentConfig, runtime: Runtime, resume: bool, threads: int | None):
        self.experiment, self.runtime, self.config = experiment, runtime, experiment.train
        self.run_dir = runtime.run_dir
        self.resume = resume
        self.precision = resolve_precision(self.config.precision, runtime.device)
        seed_everything(experiment.seed)
        self.task: Task = task_class(experiment.task)(experiment, runtime)
        self.train_set, self.valid_set = self.task.build_datasets()
        self.task.models = self.task.build_models()
        for module in self.task.models.values():
            module.to(runtime.device)
        distributed.set_cpu_threads(threads, self.task.models.values())
        self.workers = loader_workers(experiment.data.num_workers)
        self.trainable = [self.task.models[name] for name in self.task.trainable()]
        self.call_models = self._wrap_for_ddp()
        self.plan = self._epoch_plan()
        self.total_steps = self.plan.steps * self.config.epochs
        self.optimizer = build_optimizer(self.trainable, experiment.optim)
        self.scheduler = build_scheduler(self.optimizer, experiment.optim, self.total_steps, self.plan.steps)
        device_type = runtime.device.type
        self.scaler = torch.amp.GradScaler(device_type, enabled=self.precision == "fp16")
        self.autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        self.ema = (
            WeightEma(self.task.inference_model(), self.config.ema_decay) if self.config.ema_decay else None
        )
        self.epoch, self.micro_start, self.step, self.log_lines = 0, 0, 0, 0
        self.last_metrics: dict[str, float] = {}
        self.log = RunLog(self.run_dir, runtime.is_main, self.config.tensorboard)

    # --- setup ------------------------------------------------------------------------------------
    def _wrap_for_ddp(self) -> dict[str, nn.Module]:
        models = dict(self.task.models)
        if self.runtime.world_size > 1:
            device_ids = [self.runtime.device] if self.runtime.device.type == "cuda" else None
            for name in self.task.trainable():
                models[name] = DistributedDataParallel(models[name], device_ids=device_ids)
        return models

    def _epoch_plan(self) -> EpochPlan:
        size = len(self._epoch_order(0))
        global_batch = self.experiment.data.batch_size * self.runtime.world_size
        micro = size // global_batch
        steps = micro // self.config.grad_accumulation
        if steps == 0:
            raise SignaError(
                f"an epoch has {size} training samples, fewer than one optimiser step needs "
                f"({global_batch} per micro-batch × {self.config.grad_accumulation} micro-batches)",
                self.experiment.data.train or None,
            )
        return EpochPlan(steps * self.config.grad_accumulation, steps, global_batch)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        rng = np.random.default_rng([self.experiment.seed, epoch])
        return np.asarray(self.task.epoch_indices(epoch, rng, len(self.train_set)))

    # --- data -------------------------------------------------------------------------------------
    def _train_loader(self, epoch: int, start_micro: int) -> DataLoader:
        """This process's micro-batches of ``epoch`` from ``start_micro`` on, each sample with its seed."""
        order = self._epoch_order(epoch)
        seeds = np.random.default_rng([self.experiment.seed, epoch, 1]).integers(2**31, size=len(order))
        batches = []
        for micro in range(start_micro, self.plan.micro_batches):
            span = slice(micro * self.plan.global_batch, (micro + 1) * self.plan.global_batch)
            mine = distributed.shard(list(zip(order[span].tolist(), seeds[span].tolist(), strict=True)))
            batches.append(mine)
        return DataLoader(
            SeededSamples(self.train_set),
            batch_sampler=batches,
            collate_fn=self.task.collate,
            num_workers=self.workers,
            generator=torch.Generator().manual_seed(self.experiment.seed * 1_000 + epoch),
            pin_memory=self.runtime.device.type == "cuda",
        )

    def eval_loader(self, dataset: Dataset) -> DataLoader:
        return sharded_eval_loader(
            dataset,
            self.experiment.data.eval_batch_size or self.experiment.data.batch_size,
            self.task.collate,
            self.workers,
        )

    # --- the loop ---------------------------------------------------------------------------------
    def run(self) -> TrainResult:
        self._start_or_resume()
        bar = progress_bar(self.runtime.is_main and self.config.progress, self.total_steps, self.step)
        with bar:
            while self.epoch < self.config.epochs:
                self._train_epoch(bar)
                self.epoch, self.micro_start = self.epoch + 1, 0
                bar.line(f"epoch {self.epoch}/{self.config.epochs}: step {self.step}/{self.total_steps}")
                if self.epoch % self.config.eval_every == 0 or self.epoch == self.config.epochs:
                    self._evaluate()
                    if self.last_metrics:
                        bar.line(f"evaluation after epoch {self.epoch}: {format_metrics(self.last_metrics)}")
                self._keep_epoch()  # before the checkpoint: a run killed in between keeps it again
                self._save()
        self.log.close()
        return TrainResult(self.run_dir, self.step, self.last_metrics, self.runtime.is_main)

    def _train_epoch(self, bar) -> None:
        accumulation = self.config.grad_accumulation
        window = LogWindow()
        for model in self.trainable:
            model.train()
        loader = self._train_loader(self.epoch, self.micro_start)
        for micro, batch in enumerate(loader, start=self.micro_start):
            progress = Progress(self.epoch, self.step, self.total_steps, micro % accumulation)
            last = (micro + 1) % accumulation == 0
            with self._maybe_no_sync(not last), self._autocast():
                loss, logs = self.task.training_step(self.call_models, self.task.to_device(batch), progress)
                self.scaler.scale(loss / accumulation).backward()
            window.add_micro({"loss": loss, **logs})
            if not last:
                continue
            window.add_step(self._optimizer_step())
            self.step += 1
            if self.ema:
                self.ema.update(self.task.inference_model())
            self.task.after_optimizer_step(Progress(self.epoch, self.step, self.total_steps))
            bar.advance()
            if self.step % self.config.log_every == 0 or micro + 1 == self.plan.micro_batches:
                self._log_train(window)
                window = LogWindow()
            if self.config.checkpoint_every_steps and self.step % self.config.checkpoint_every_steps == 0:
                self.micro_start = micro + 1
                self._save()

    def _optimizer_step(self) -> torch.Tensor:
        """Unscale, clip each trainable module on its own, step; returns the summed gradient norms."""
        self.scaler.unscale_(self.optimizer)
        norm = torch.zeros((), device=self.runtime.device)
        clip = self.experiment.optim.clip_grad_norm
        for model in self.trainable:
            params = [p for p in model.parameters() if p.grad is not None]
            if params:
                norm += torch.nn.utils.clip_grad_norm_(params, clip if clip else float("inf"))
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        with warnings.catch_warnings():  # a step the fp16 scaler skipped still advances the schedule
            warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step", UserWarning)
            self.scheduler.step()
        return norm.detach()

    def _maybe_no_sync(self, skip_sync: bool):
        stack = contextlib.ExitStack()
        if skip_sync:
            for model in self.call_models.values():
                if isinstance(model, DistributedDataParallel):
                    stack.enter_context(model.no_sync())
        return stack

    def _autocast(self):
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.runtime.device.type, dtype=self.autocast_dtype)

    # --- logging, evaluation, checkpoints ---------------------------------------------------------
    def _log_train(self, window: LogWindow) -> None:
        """Average the window's values over processes and write them: the only host sync of training."""
        names, values = window.means()
        values = distributed.all_reduce_mean(values).tolist()
        record = {
            "kind": "train",
            "epoch": self.epoch,
            "step": self.step,
            "lr": self.scheduler.get_last_lr()[0],
        }
        record.update(zip(names, values, strict=True))
        self.log.write(record)

    def _evaluate(self) -> None:
        """Metrics of the validation set; the final evaluation also writes its per-sample records."""
        if self.valid_set is None:
            return
        with self._inference_model() as model, self._autocast():
            records = self.task.collect_records(model, self.eval_loader(self.valid_set))
        self.last_metrics = plain_metrics(self.task.summarize(records))
        self.log.write({"kind": "eval", "epoch": self.epoch, "step": self.step, **self.last_metrics})
        if self.epoch == self.config.epochs and self.runtime.is_main and records:
            write_records_csv(self.run_dir / VALID_PREDICTIONS_FILE, records)

    def _save(self) -> None:
        state = self._train_state()  # every process takes part: it gathers the RNG states
        if self.runtime.is_main:
            with self._inference_model() as model:
                save_checkpoint(self.run_dir, model, self.task.checkpoint_meta(), state)
        distributed.barrier()

    @contextlib.contextmanager
    def _inference_model(self):
        """The model as it is evaluated and saved: the EMA weights if kept, the task's final touches."""
        model = self.task.inference_model()
        swap = self.ema.swapped_into(model) if self.ema else contextlib.nullcontext()
        with swap, self.task.ready_for_inference(model):  # in this order: the touches need the EMA weights
            yield model

    def _keep_epoch(self) -> None:
        """Keep this epoch's inference model among the last ``train.keep_last`` (for ``signa soup``)."""
        if not self.config.keep_last or not self.runtime.is_main:
            return
        from signa.train.soup import keep_epoch_model

        with self._inference_model() as model:
            keep_epoch_model(
                self.run_dir, model, self.task.checkpoint_meta(), self.epoch, self.config.keep_last
            )

    def _train_state(self) -> dict:
        return {
            "epoch": self.epoch,
            "micro_start": self.micro_start,
            "step": self.step,
            "world_size": self.runtime.world_size,
            # copies: saving the checkpoint swaps EMA weights into the live tensors
            "models": {name: _copy_state(module) for name, module in self.task.models.items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "ema": self.ema.state_dict() if self.ema else None,
            "task": self.task.state_dict(),
            "rng": distributed.gather_all(rng_state()),
            "last_metrics": self.last_metrics,
            "log_lines": self.log.lines,
        }

    def _start_or_resume(self) -> None:
        saved_config = self.run_dir / EXPERIMENT_FILE
        folder = latest_checkpoint(self.run_dir) if self.resume else None
        if self.resume and folder is None:
            raise SignaError("nothing to resume: the run folder has no checkpoint", self.run_dir)
        if not self.resume and (self.run_dir / "checkpoint").exists():
            raise SignaError(
                "the run folder already holds a checkpoint; pass --resume or another --run-dir", self.run_dir
            )
        if folder is None:
            if self.runtime.is_main:
                self.run_dir.mkdir(parents=True, exist_ok=True)
                write_experiment(saved_config, self.experiment)
                self.log.start(self.log_lines, self.step)
            seed_everything(self.experiment.seed + self.runtime.rank)
            return
        check_same_experiment(saved_config, self.experiment)
        self._load(folder)
        if self.runtime.is_main:
            self.log.start(self.log_lines, self.step)

    def _load(self, folder: Path) -> None:
        state = load_train_state(folder)
        source = folder / "train_state.pt"
        if state["world_size"] != self.runtime.world_size:
            raise SignaError(
                f"the run was trained by {state['world_size']} processes; resume it with the same number "
                f"(here {self.runtime.world_size}) so that the data order stays the same",
                source,
            )
        for name, module in self.task.models.items():
            if name not in state["models"]:
                raise SignaError(f"training state has no weights for module {name!r}", source)
            load_module_state(module, state["models"][name], name, source)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        if self.ema and state["ema"]:
            self.ema.load_state_dict(state["ema"])
        self.task.load_state_dict(state["task"])
        self.epoch, self.micro_start, self.step = state["epoch"], state["micro_start"], state["step"]
        self.last_metrics, self.log_lines = state["last_metrics"], state["log_lines"]
        set_rng_state(state["rng"][self.runtime.rank])


def sharded_eval_loader(dataset: Dataset, batch_size: int, collate, num_workers: int = 0) -> DataLoader:
    """Batches of this process's share of ``dataset`` in order (see :func:`distributed.gather_shards`)."""
    indices = distributed.shard(list(range(len(dataset))))
    batches = [indices[i : i + batch_size] for i in range(0, len(indices), batch_size)]
    return DataLoader(dataset, batch_sampler=batches, collate_fn=collate, num_workers=num_workers)


def _copy_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}
