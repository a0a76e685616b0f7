"""A third task, added the way a new task joins SIGNA: one module per stage plus a registration.

Task ``toy-hands``: which hand a synthetic landmark sequence shows (labels ``left``, ``right``).
Everything lives in this test module; no module of ``signa`` knows it. It registers

* an architecture (``signa.models.registry.register``): mean hand points -> two logits;
* a training task (``signa.train.registry.register_task``): synthetic sequences, cross entropy;
* an export task (``signa.export.tasks.register_export_task``): the graph and its ONNX file;
* an inference task (``signa.infer.tasks.register_infer_task``): probabilities -> the sign.

The sequences are synthetic (shapes only, not a claim about real data).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from signa.data.layout import GROUP_SLICES, N_LANDMARKS
from signa.data.vocab import LabelMap
from signa.errors import SignaError
from signa.export.metadata import InputContract
from signa.export.steps import example_landmarks
from signa.export.tasks import ExportedFiles, ExportTask, register_export_task
from signa.infer.outputs import Prediction, RawOutput
from signa.infer.tasks import InferTask, register_infer_task
from signa.models.registry import register
from signa.train.registry import register_task
from signa.train.task import Task

NAME = "toy-hands"
LABELS = {"left": 0, "right": 1}
HANDS = (GROUP_SLICES["left_hand"], GROUP_SLICES["right_hand"])


def synthetic_sequence(label: int, rng: np.random.Generator, frames: int = 12) -> np.ndarray:
    """(frames, 543, 3) float32: random points, NaN for every hand but the labelled one."""
    landmarks = rng.uniform(0.2, 0.8, (frames, N_LANDMARKS, 3)).astype(np.float32)
    landmarks[:, HANDS[1 - label]] = np.nan
    return landmarks


@register("toy-hands-net")
class HandsNet(nn.Module):
    """(T, 543, 3) with NaN -> (2,) logits from the share of frames each hand is seen in."""

    @dataclass(frozen=True)
    class Config:
        hidden: int = 4

    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.net = nn.Sequential(nn.Linear(2, config.hidden), nn.Tanh(), nn.Linear(config.hidden, 2))

    def forward(self, landmarks: torch.Tensor) -> torch.Tensor:  # (B, T, 543, 3) -> (B, 2)
        seen = [(~torch.isnan(landmarks[:, :, hand, 0])).float().mean((1, 2)) for hand in HANDS]
        return self.net(torch.stack(seen, dim=-1))


class HandsData(Dataset):
    def __init__(self, n: int, seed: int):
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, n)
        self.sequences = [torch.from_numpy(synthetic_sequence(int(y), rng)) for y in self.labels]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict:
        return {"landmarks": self.sequences[i], "label": int(self.labels[i]), "id": f"s{i}"}


@register_task(NAME)
class HandsTask(Task):
    metric = "accuracy"

    def build_datasets(self):
        return HandsData(64, seed=0), HandsData(16, seed=1)

    def eval_dataset(self, path: str | Path):
        return HandsData(16, seed=1)

    def build_models(self):
        from signa.models.registry import build_model

        config = dict(self.experiment.model)
        return {"model": build_model(config.pop("arch"), config)}

    def checkpoint_meta(self) -> dict:
        return super().checkpoint_meta() | {"labels": LABELS}

    def training_step(self, models, batch, progress):
        loss = nn.functional.cross_entropy(models["model"](batch["landmarks"]), batch["label"])
        return loss, {}

    def evaluation_records(self, model, batch):
        predictions = model(batch["landmarks"]).argmax(-1).tolist()
        return [
            {"sequence_id": i, "label": y, "prediction": p}
            for i, y, p in zip(batch["id"], batch["label"].tolist(), predictions, strict=True)
        ]

    def summarize(self, records):
        return {"accuracy": float(np.mean([r["label"] == r["prediction"] for r in records]))}


class HandsGraph(nn.Module):
    """The runtime graph: one raw sequence (T, 543, 3) -> probabilities (2,)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor | None = None) -> torch.Tensor:
        return torch.softmax(self.model(landmarks[None]), dim=-1)[0]


@register_export_task(NAME)
class HandsExport(ExportTask):
    def shared_mappings(self, models, configs, folders):
        if len(models) != 1:
            raise SignaError("a toy-hands export holds one model", folders[-1])
        return None, LabelMap.from_mapping(configs[0]["labels"])

    def runtime_graph(self, loaded):
        return HandsGraph(loaded.models[0]), ["probabilities"]

    def selection(self, loaded) -> str:
        return "signs-100"

    def export(self, loaded, out: Path, options) -> ExportedFiles:
        from signa.export.onnx import export_onnx

        graph, names = self.runtime_graph(loaded)
        dynamic = {"landmarks": {0: "frames"}}
        export_onnx(graph, (example_landmarks(),), out / "model.onnx", ["landmarks"], names, dynamic)
        return ExportedFiles({"model": "model.onnx"}, InputContract(), {"probabilities": [2]}, "classifier")


@register_infer_task(NAME)
class HandsInference(InferTask):
    def mappings(self, info, source):
        return None, LabelMap.from_mapping(info.labels, source)

    def raw_output(self, outputs, variant) -> RawOutput:
        return RawOutput(probabilities=outputs["probabilities"])

    def decode(self, raw, description, gate, ms, frames) -> Prediction:
        best = int(np.argmax(raw.probabilities))
        return Prediction(None, description.labels.signs[best], float(raw.probabilities[best]), ms, frames)
