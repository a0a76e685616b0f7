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

from signa.files import write_json_atomic, write_records_csv
from signa.models.checkpoint import CONFIG_FILE, checkpoint_folder, load_model
from signa.train.config import experiment_from_dict
from signa.train.distributed import Runtime
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
    data: str | Path,
    out_dir: str | Path | None = None,
    batch_size: int = 32,
    device: str | None = None,
    n_worst: int = 10,
) -> Evaluation:
    """Evaluate ``checkpoint`` on the sequences at ``data``; write files to ``out_dir`` if given."""
    folder = checkpoint_folder(checkpoint)
    model, config = load_model(folder)
    source = folder / CONFIG_FILE
    experiment = experiment_from_dict(config.get("experiment", {"task": config.get("task")}), source)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    task = task_class(experiment.task, source)(experiment, Runtime(device=device))
    task.check_checkpoint_meta(config, source)
    loader = sharded_eval_loader(task.eval_dataset(data), batch_size, task.collate)
    records = task.collect_records(model.to(device), loader)
    metrics = {k: float(v) for k, v in task.summarize(records).items()}
    result = Evaluation(task.name, task.metric, metrics, records, task.worst(records, n_worst))
    if out_dir is not None:
        out_dir = Path(out_dir)
        write_records_csv(out_dir / PREDICTIONS_FILE, records)
        write_json_atomic(out_dir / "metrics.json", {**result.summary(), "metrics": metrics})
        task.write_report(records, metrics, out_dir)
    return result
