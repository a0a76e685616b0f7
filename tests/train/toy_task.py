"""A tiny regression task and model that exercise the training loop without real data.

Registered as task ``toy`` and architecture ``toy-mlp``. Samples carry a random augmentation
(noise from the global torch RNG) and the model has dropout, so exact resume needs both the
per-sample seeding and the saved RNG state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from signa.models.registry import register
from signa.train.registry import register_task
from signa.train.task import Task


@register("toy-mlp")
class ToyMlp(nn.Module):
    @dataclass(frozen=True)
    class Config:
        inputs: int = 8
        hidden: int = 16
        dropout: float = 0.1

    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.net = nn.Sequential(
            nn.Linear(config.inputs, config.hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, 1),
        )

    def forward(self, x):  # (B, F) -> (B,)
        return self.net(x).squeeze(-1)


class ToyData(Dataset):
    def __init__(self, n: int, noise: float, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.x = torch.from_numpy(rng.normal(size=(n, 8)).astype(np.float32))
        self.y = self.x @ torch.linspace(-1, 1, 8) + 0.5
        self.noise = noise

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i] + self.noise * torch.randn(8) if self.noise else self.x[i]
        return {"x": x, "y": self.y[i], "id": f"s{i}"}


@register_task("toy")
class ToyTask(Task):
    metric = "mse"
    greater_is_better = False

    @dataclass(frozen=True)
    class Augment:
        noise: float = 0.05

    @dataclass(frozen=True)
    class Options:
        n_train: int = 64
        n_valid: int = 20

    def build_datasets(self):
        return ToyData(self.options.n_train, self.augment.noise), ToyData(self.options.n_valid, 0.0, seed=1)

    def eval_dataset(self, path):
        return ToyData(self.options.n_valid, 0.0, seed=1)

    def build_models(self):
        from signa.models.registry import build_model

        model = dict(self.experiment.model)
        return {"model": build_model(model.pop("arch"), model)}

    def training_step(self, models, batch, progress):
        prediction = models["model"](batch["x"])
        loss = nn.functional.mse_loss(prediction.float(), batch["y"])
        return loss, {"mean_prediction": prediction.mean()}

    def evaluation_records(self, model, batch):
        prediction = model(batch["x"]).float()
        return [
            {"sequence_id": i, "target": float(t), "prediction": float(p), "score": -float((p - t) ** 2)}
            for i, t, p in zip(batch["id"], batch["y"], prediction, strict=True)
        ]

    def summarize(self, records):
        return {"mse": float(np.mean([-r["score"] for r in records])), "n": len(records)}


def toy_experiment(*overrides: str):
    """A toy experiment as plain data, with ``key.sub=value`` overrides."""
    from signa.config import apply_overrides

    data = {
        "task": "toy",
        "seed": 3,
        "model": {"arch": "toy-mlp"},
        "data": {"batch_size": 4},
        "optim": {"lr": 0.01, "warmup_epochs": 1, "clip_grad_norm": 1.0},
        "train": {"epochs": 3, "log_every": 2, "progress": False, "tensorboard": False},
    }
    return apply_overrides(data, list(overrides))
