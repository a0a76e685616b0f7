"""Small seeded checkpoints of both tasks, for the export tests (tiny versions of the real models)."""

from __future__ import annotations

import torch

from signa.data.vocab import Vocabulary
from signa.models.checkpoint import save_model
from signa.models.registry import build_model

FS_CONFIG = {
    "dim": 32,
    "max_len": 64,
    "max_phrase": 8,
    "encoder": {"layers": 1, "conv_kernel": 5},
    "decoder": {"layers": 1, "ffn_dim": 32},
}
SIGNS_CONFIG = {"n_classes": 2, "max_len": 16, "dense_dim": 32, "widths": [64, 64], "heads": 4}
SIGN_LABELS = {"hello": 0, "thankyou": 1}


def save_fingerspelling(folder, seed: int = 0, **changes):
    """A tiny seeded fingerspelling checkpoint; ``changes`` replace top-level model config keys."""
    torch.manual_seed(seed)
    model = build_model("fingerspelling", FS_CONFIG | changes).eval()
    vocab = Vocabulary.kaggle().to_mapping()
    meta = {"task": "fingerspelling", "vocab": vocab, "selection": "fingerspelling-130"}
    return save_model(folder, model, meta)


def save_signs(folder, seed: int = 0):
    torch.manual_seed(seed)
    model = build_model("islr6", SIGNS_CONFIG).eval()
    meta = {
        "task": "signs",
        "labels": SIGN_LABELS,
        "selection": "signs-100",
        "experiment": {"task": "signs", "model": {"arch": "islr6", **SIGNS_CONFIG}},  # for signa evaluate
    }
    return save_model(folder, model, meta)
