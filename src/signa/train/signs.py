"""The isolated-sign task (ISLR6 recipe, SOLUTIONS.md §5.4) for the one training loop.

Usage::

    signa train configs/signs/islr6-len25.yaml                             # the full recipe
    signa train configs/signs/islr6-len25.yaml --set options.teacher_model=null   # no distillation

Every trick is a switch in the ``options`` section (:class:`SignsOptions`) and each is tested alone:

* label smoothing ``label_smoothing`` (0.3: the true class gets 0.7, each other class 0.3 / (C - 1));
* OUSM ``ousm_k``: the k largest per-sample losses of a batch are left out of its mean;
* manifold mixup ``mixup_p``: with probability ``(1 - epoch / (0.9·epochs))·0.5`` per batch (it
  *decays*, as the reference code does), hidden states are mixed before a random transformer layer
  with per-sample Beta(0.4, 0.4) weights, and the frame masks are OR-ed;
* mean teacher ``mean_teacher``: an EMA of the student (decay 0.97, warm start
  ``min(1 - 1/(step + 1), 0.97)``) gives consistency targets; the loss adds
  ``5·exp(-5(1 - t)²)·Σ(softmax_student - softmax_teacher)²`` with t ramping to 1 over the first 25 %
  of steps;
* joint distillation ``teacher_model``: ``model`` (the checkpoint, e.g. 9.8 M parameters) trains on
  its own CE plus consistency to the teacher, while a big student (``model`` with these overrides,
  e.g. 35 M) and its EMA teacher train beside it. Both trainable models share the loop's AdamW as
  separate parameters (AdamW is per parameter, so this equals one optimiser each) and are clipped
  each on its own.

The teacher is a full EMA of the student: weights *and* BatchNorm running statistics. The reference
averaged only the weights, so its teacher's statistics came from the teacher's own train-mode
forwards (SOLUTIONS.md §5.6.4). Here the teacher always runs in eval mode, so its statistics are
exactly the averaged ones and its targets are deterministic; the noise between student and teacher
comes from their independently augmented views.

Each model (student, teacher, distilled) sees its own augmentation of a sample
(``independent_views``); all share one mixup draw.

Evaluation and checkpoints use BatchNorm statistics measured with the final weights on up to
``batchnorm_sequences`` training sequences, not the running ones (:meth:`SignsTask.ready_for_inference`).
"""

from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from signa.data.augment.signs import SignsAugmentConfig
from signa.data.folds import stratified_group_folds
from signa.data.layout import SIGNS_100
from signa.data.signs import LABEL_MAP_FILE, SignsData, SignSequences, collate_views, label_map_beside
from signa.data.vocab import LabelMap, check_label_map
from signa.errors import SignaError
from signa.metrics import accuracy, confusion_matrix
from signa.models.registry import build_model
from signa.models.signs import SignModel
from signa.train.batchnorm import recomputed_batchnorm
from signa.train.confusion import plot_confusion, write_confusion_csv
from signa.train.data import open_store
from signa.train.distributed import Runtime
from signa.train.ema import ema_update
from signa.train.registry import register_task
from signa.train.signs_losses import (
    ManifoldMix,
    consistency,
    consistency_ramp,
    draw_mix,
    mixup_probability,
    ousm_mean,
    smoothed_targets,
    soft_cross_entropy,
)
from signa.train.task import Progress, Task

TOP_K = 5


@dataclass(frozen=True)
class SignsOptions:
    """The training tricks of ISLR6; the defaults are the reference's values."""

    label_smoothing: float = 0.3
    ousm_k: int = 3
    mixup_p: float = 0.5
    mixup_alpha: float = 0.4
    mixup_until: float = 0.9  # the mixup probability reaches 0 at this fraction of the epochs
    mean_teacher: bool = True
    teacher_decay: float = 0.97
    consistency_weight: float = 5.0
    consistency_rampup: float = 0.25  # fraction of all steps
    teacher_model: dict[str, Any] | None = None  # overrides of `model` for the jointly trained big student
    independent_views: bool = True
    batchnorm_sequences: int = 1024  # BatchNorm statistics of the final weights from this many; 0: running

    def __post_init__(self):
        if not 0 <= self.label_smoothing < 1 or self.ousm_k < 0 or not 0 <= self.mixup_p <= 1:
            raise ValueError("need 0 <= label_smoothing < 1, ousm_k >= 0 and 0 <= mixup_p <= 1")
        if self.batchnorm_sequences < 0:
            raise ValueError("batchnorm_sequences must be >= 0")


# -- the task -------------------------------------------------------------------------------------


@register_task("signs")
class SignsTask(Task):
    """One landmark sequence -> one of N signs."""

    Data = SignsData
    Augment = SignsAugmentConfig
    Options = SignsOptions
    metric = "accuracy"

    def __init__(self, experiment, runtime: Runtime = Runtime()):
        super().__init__(experiment, runtime)
        self.model_config = dict(experiment.model)
        self.labels: LabelMap | None = None
        self._train: SignSequences | None = None
        self._batchnorm_set: SignSequences | None = None  # training sequences, not augmented

    # --- labels and data --------------------------------------------------------------------------
    def label_map(self) -> LabelMap:
        """From ``data.labels``, else the training folder's map, else the checkpoint's (see below)."""
        if self.labels is None:
            path = Path(self.data.labels) if self.data.labels else None
            if path is None and self.experiment.data.train:
                path = label_map_beside(Path(self.experiment.data.train))
            if path is None:
                raise SignaError(f"no label map: set data.labels or put {LABEL_MAP_FILE} beside the data")
            self.labels = LabelMap.from_json(path)
        return self.labels

    def _labels_from_store(self, store) -> None:
        """A folder of sign folders has no label map of its own: preparing it wrote one beside the store."""
        train = Path(self.experiment.data.train)
        if self.labels is None and not self.data.labels and label_map_beside(train) is None:
            beside = label_map_beside(store.path)
            if beside is not None:
                self.labels = LabelMap.from_json(beside)

    def encode_labels(self, store, source: Path) -> np.ndarray:
        labels = self.label_map()
        lookup = labels.to_mapping()
        encoded = []
        for row in store.index:
            if row["sign"] not in lookup:
                labels.index(row["sign"], source / "train.csv")  # raises the unknown-sign error
            encoded.append(lookup[row["sign"]])
        return np.array(encoded, dtype=np.int64)

    @property
    def max_len(self) -> int:
        return int(self.model_config.get("max_len", SignModel.Config().max_len))

    def _roles(self) -> list[str]:
        """The forwards of one training step, each on its own augmented view when views are independent."""
        roles = ["student"] + ["teacher"] * self.options.mean_teacher
        return roles + ["distilled"] * (self.options.teacher_model is not None)

    def _views(self) -> int:
        return len(self._roles()) if self.options.independent_views else 1

    def build_datasets(self) -> tuple[Dataset, Dataset | None]:
        data = self.experiment.data
        if not data.train:
            raise SignaError("data.train is empty: give a Kaggle-layout folder or a prepared store")
        store = open_store(data.train, data.cache, self.name, layout=data.layout)
        self._labels_from_store(store)
        labels = self.encode_labels(store, Path(data.train))
        usable = [i for i, row in enumerate(store.index) if not row.get("all_missing")]
        if data.valid:
            valid_store = open_store(data.valid, None, self.name, layout=data.layout)
            train_rows, valid = usable, (valid_store, list(range(len(valid_store))))
            valid_labels = self.encode_labels(valid_store, Path(data.valid))
        elif data.fold < 0:  # a full fit: no folds needed (a folder of sign folders names no signers)
            train_rows, valid, valid_labels = usable, None, None
        else:
            folds = self.folds(store)
            train_rows = [i for i in usable if folds[i] != data.fold]
            valid_rows = [i for i in range(len(store)) if folds[i] == data.fold]
            valid, valid_labels = (store, valid_rows), labels[valid_rows]
        augment = self.augment if self.augment.enabled else None
        self._train = SignSequences(
            store, train_rows, labels[train_rows], self.max_len, augment, self._views()
        )
        if self.options.batchnorm_sequences:
            rows = train_rows[:: math.ceil(len(train_rows) / self.options.batchnorm_sequences)]
            self._batchnorm_set = SignSequences(store, rows, labels[rows], self.max_len)
        if data.fold < 0 and not data.valid:
            return self._train, None
        return self._train, SignSequences(valid[0], valid[1], valid_labels, self.max_len)

    def folds(self, store) -> np.ndarray:
        """Fold of every sequence: grouped by signer, stratified by sign.

        The split uses ``data.fold_seed`` (default 42, the seed of the reference's folds_4.csv), not the
        training seed: runs with other seeds must share folds, or their out-of-fold predictions could
        not be compared or ensembled.
        """
        signers = [row.get("participant_id", row["sequence_id"]) for row in store.index]
        signs = [row["sign"] for row in store.index]
        data = self.experiment.data
        return stratified_group_folds(signers, signs, data.n_folds, data.fold_seed)

    def eval_dataset(self, path: str | Path) -> Dataset:
        """Every sequence at ``path``, labelled by sign name; a label map beside it must fit the model's."""
        store = open_store(path, None, self.name, layout=self.experiment.data.layout)
        beside = label_map_beside(Path(path)) or label_map_beside(store.path)
        if beside is not None:
            check_label_map(beside, self.label_map(), exact=False)
        rows = list(range(len(store)))
        return SignSequences(store, rows, self.encode_labels(store, Path(path)), self.max_len)

    def collate(self, samples: list) -> Any:
        return collate_views(samples)

    def epoch_indices(self, epoch: int, rng: np.random.Generator, train_size: int) -> np.ndarray:
        """A permutation; also switches the training set to the weak augmentation phase when due."""
        if self._train is not None:
            self._train.strong = epoch < self.augment.strong_until(self.experiment.train.epochs)
        return rng.permutation(train_size)

    # --- models -----------------------------------------------------------------------------------
    @property
    def student_name(self) -> str:
        return "student" if self.options.teacher_model is not None else "model"

    def build_models(self) -> dict[str, nn.Module]:
        config = {k: v for k, v in self.model_config.items() if k != "arch"}
        arch = self.model_config.get("arch", "islr6")
        signs = len(self.label_map())
        if config.get("n_classes") is None:
            config["n_classes"] = signs  # not given: as many classes as the label map has signs
        elif config["n_classes"] != signs:
            raise SignaError(
                f"model.n_classes is {config['n_classes']} but the label map has {signs} signs; "
                "leave model.n_classes out to take it from the label map"
            )
        models = {"model": build_model(arch, config)}
        if self.options.teacher_model is not None:
            models["student"] = build_model(arch, config | dict(self.options.teacher_model))
        if self.options.mean_teacher:
            teacher = copy.deepcopy(models[self.student_name]).eval()
            teacher.requires_grad_(False)
            models["teacher"] = teacher
        return models

    def trainable(self) -> list[str]:
        return [name for name in ("model", "student") if name in self.models]

    def ready_for_inference(self, model: nn.Module) -> contextlib.AbstractContextManager:
        """BatchNorm statistics of the current weights, from up to ``options.batchnorm_sequences``
        training sequences spread over the set, not the running ones.

        The running statistics lag the weights by a few steps; where a landmark part is missing in
        all the data (the face of MSL-150), its channels have zero variance and evaluation amplifies
        that lag ~300-fold (see :mod:`signa.train.batchnorm`): the LSM model with mixup and mean
        teacher then fitted 0.29 of its own training sequences, 0.99 with these statistics.
        """
        if self._batchnorm_set is None:
            return contextlib.nullcontext()
        return recomputed_batchnorm(model, self._batchnorm_batches)

    def _batchnorm_batches(self):
        data = self.experiment.data
        loader = DataLoader(
            self._batchnorm_set, batch_size=data.eval_batch_size or data.batch_size, collate_fn=self.collate
        )
        for batch in loader:
            batch = self.to_device(batch)
            yield batch["points"][0], batch["mask"][0]

    def checkpoint_meta(self) -> dict[str, Any]:
        return super().checkpoint_meta() | {
            "labels": self.label_map().to_mapping(),
            "selection": SIGNS_100.name,
        }

    def check_checkpoint_meta(self, meta: dict[str, Any], source: str | Path) -> None:
        """Evaluating a checkpoint: its own label map names the classes."""
        super().check_checkpoint_meta(meta, source)
        if "labels" not in meta:
            raise SignaError("the checkpoint has no label map ('labels')", source)
        self.labels = LabelMap.from_mapping(meta["labels"], source)

    # --- training ---------------------------------------------------------------------------------
    def training_step(self, models, batch, progress: Progress):
        options = self.options
        points, mask, labels = batch["points"], batch["mask"], batch["label"]
        view = {role: i if len(points) > 1 else 0 for i, role in enumerate(self._roles())}
        targets = smoothed_targets(labels, len(self.label_map()), options.label_smoothing)
        mix = self._maybe_mix(len(labels), progress)
        if mix is not None:
            targets = mix.targets(targets)

        v = view["student"]
        student_logits = models[self.student_name](points[v], mask[v], mix)
        loss = ousm_mean(soft_cross_entropy(student_logits, targets), options.ousm_k)
        logs = {"ce": loss.detach(), "mixup": torch.tensor(float(mix is not None))}
        weight = consistency_ramp(progress, options.consistency_weight, options.consistency_rampup)
        target_probs = None
        if options.mean_teacher:
            v = view["teacher"]
            with torch.no_grad():
                target_probs = F.softmax(models["teacher"](points[v], mask[v], mix).float(), -1)
            student_consistency = consistency(student_logits, target_probs)
            loss = loss + weight * student_consistency
            logs["consistency"] = student_consistency.detach()
        if options.teacher_model is not None:
            v = view["distilled"]
            if target_probs is None:  # no mean teacher: distil from the student itself
                target_probs = F.softmax(student_logits.detach().float(), -1)
            logits = models["model"](points[v], mask[v], mix)
            distilled_ce = ousm_mean(soft_cross_entropy(logits, targets), options.ousm_k)
            distilled_consistency = consistency(logits, target_probs)
            loss = loss + distilled_ce + weight * distilled_consistency
            logs["distilled_ce"] = distilled_ce.detach()
            logs["distilled_consistency"] = distilled_consistency.detach()
        return loss, logs

    def _maybe_mix(self, batch: int, progress: Progress) -> ManifoldMix | None:
        options = self.options
        epochs = self.experiment.train.epochs
        p = mixup_probability(progress.epoch, epochs, options.mixup_p, options.mixup_until)
        if batch < 2 or float(torch.rand(())) >= p:
            return None
        n_layers = len(self.models[self.student_name].layers)
        return draw_mix(batch, n_layers, options.mixup_alpha, self.runtime.device)

    def after_optimizer_step(self, progress: Progress) -> None:
        """Move the teacher towards the student, weights and BatchNorm statistics, with a warm start."""
        if self.options.mean_teacher:
            decay = min(1.0 - 1.0 / (progress.step + 1), self.options.teacher_decay)
            ema_update(self.models["teacher"], self.models[self.student_name], decay)

    # --- evaluation -------------------------------------------------------------------------------
    def evaluation_records(self, model: nn.Module, batch) -> list[dict[str, Any]]:
        """Per sequence: true and predicted sign, confidence, ``score`` (true sign's probability), top 5."""
        probs = F.softmax(model(batch["points"][0], batch["mask"][0]).float(), -1)
        top = probs.topk(min(TOP_K, probs.shape[1]), -1)
        true_probs = probs.gather(1, batch["label"][:, None])[:, 0]
        signs = self.label_map().signs
        columns = (batch["label"], true_probs, top.indices, top.values)
        return [
            {
                "sequence_id": sequence_id,
                "sign": signs[label],
                "predicted_sign": signs[ids[0]],
                "confidence": round(scores[0], 6),
                "score": round(true_prob, 6),
                "label": label,
                "prediction": ids[0],
                "top5": ids,
            }
            for sequence_id, label, true_prob, ids, scores in zip(
                batch["sequence_id"], *(c.tolist() for c in columns), strict=True
            )
        ]

    def summarize(self, records: list[dict[str, Any]]) -> dict[str, float | int]:
        labels = np.array([r["label"] for r in records])
        predictions = np.array([r["prediction"] for r in records])
        metrics = {"accuracy": accuracy(labels, predictions), "sequences": len(records)}
        if len(self.label_map()) > TOP_K:  # with TOP_K signs or fewer, every sign is in the top 5
            metrics["top5_accuracy"] = float(np.mean([r["label"] in r["top5"] for r in records]))
        return metrics

    def write_report(self, records: list[dict[str, Any]], metrics: dict[str, float], out_dir: Path) -> None:
        """``confusion_matrix.csv`` (rows: true sign, columns: predicted) and, with matplotlib, a PNG."""
        signs = self.label_map().signs
        labels, predictions = [r["label"] for r in records], [r["prediction"] for r in records]
        matrix = confusion_matrix(labels, predictions, len(signs))
        write_confusion_csv(out_dir / "confusion_matrix.csv", matrix, signs)
        plot_confusion(out_dir / "confusion_matrix.png", matrix, signs)
