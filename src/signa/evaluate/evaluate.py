"""``signa evaluate``: score a checkpoint on a data set, for any task.

Usage::

    signa evaluate runs/cfg_2/fold0-seed42 --data ../data/asl-fingerspelling --out eval/
    signa evaluate runs/islr/checkpoint --data ../shared/data/asl-signs --json

The checkpoint (a run folder, its ``checkpoint/`` folder or the weights file) names its task. The task
reads the data (``Task.eval_dataset``), predicts every sequence (``Task.evaluation_records``) and scores
the set (``Task.summarize``): normalised total Levenshtein for fingerspelling, accuracy for signs.
With ``--out`` the per-sample records go to ``predictions.csv``, the metrics to ``metrics.json`` and
the task adds its own files (``Task.write_report``). Several processes under ``torchrun`` share the
work and gather the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from signa.errors import SignaError
from signa.files import output_folder, write_json_atomic, write_records_csv
from signa.metrics import plain_metrics
from signa.models.checkpoint import CONFIG_FILE, checkpoint_folder, load_model
from signa.train.config import experiment_from_dict
from signa.train.distributed import Runtime, set_cpu_threads
from signa.train.loop import sharded_eval_loader
from signa.train.registry import task_class

PREDICTIONS_FILE = "predictions.csv"


@dataclass(frozen=True)
class Evaluation:
    task: str
    metric: str
    metrics: dict[str, float]
    records: list[dict[str, Any]]
    worst: list[dict[str, Any]]

    @property
    def score(self) -> float:
        return self.metrics[self.metric]

    def summary(self) -> dict[str, Any]:
        """The ``--json`` object."""
        return {"metric": self.metric, "score": self.score, "n": len(self.records)}


def evaluate_checkpoint(
    checkpoint: str | Path,
    data: str | Path | None,
    out_dir: str | Path | None = None,
    batch_size: int = 32,
    device: str | None = None,
    n_worst: int = 10,
    threads: int | None = None,
    fold: int | None = None,
    options: dict[str, Any] | None = None,
) -> Evaluation:
    """Evaluate ``checkpoint`` on the sequences at ``data``; write files to ``out_dir`` if given.

    With ``fold``, score the held-out sequences of that fold of the run's own split (the run's
    ``data.train``, or ``data`` when given), as training's validation did. ``options`` replace keys
    of the run's ``options`` section (e.g. the task's evaluation decoding).
    """
    if batch_size < 1:
        raise SignaError(f"batch size must be at least 1, not {batch_size}")
    folder = checkpoint_folder(checkpoint)
    model, config = load_model(folder)
    set_cpu_threads(threads, [model])
    source = folder / CONFIG_FILE
    mapping = config.get("experiment", {"task": config.get("task")})
    if options:
        mapping = {**mapping, "options": {**mapping.get("options", {}), **options}}
    experiment = experiment_from_dict(mapping, source)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if fold is not None:
        experiment = _with_fold(experiment, fold, data, source)
    elif data is None:
        raise SignaError("give the data to score (--data), or a fold of the run's own split (--fold)")
    task = task_class(experiment.task, source)(experiment, Runtime(device=device))
    task.check_checkpoint_meta(config, source)
    dataset = task.eval_dataset(data) if fold is None else _held_out(task, fold, source)
    loader = sharded_eval_loader(dataset, batch_size, task.collate)
    records = task.collect_records(model.to(device), loader)
    metrics = plain_metrics(task.summarize(records))
    result = Evaluation(task.name, task.metric, metrics, records, task.worst(records, n_worst))
    if out_dir is not None:
        with output_folder(out_dir):
            write_records_csv(Path(out_dir) / PREDICTIONS_FILE, records)
            write_json_atomic(Path(out_dir) / "metrics.json", {**result.summary(), "metrics": metrics})
            task.write_report(records, metrics, Path(out_dir))
    return result


def _with_fold(experiment, fold: int, data: str | Path | None, source: Path):
    changes = {"fold": fold} | ({"train": str(data)} if data is not None else {})
    try:
        return experiment.with_data(**changes)
    except ValueError as err:  # DataConfig's own checks (the fold's range)
        raise SignaError(f"--fold {fold}: {err}", source) from None


def _held_out(task, fold: int, source: Path):
    if fold == -1:
        raise SignaError("--fold -1 trains on everything: there is no held-out split to score", source)
    _, valid = task.build_datasets()
    return valid
