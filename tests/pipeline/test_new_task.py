"""A task registered from outside the package trains, exports and predicts with SIGNA's own code.

See ``toy_hands.py``: one module holds the task's model, training, export and inference parts; no
module of ``signa`` was edited for it (the import-linter contracts and this test keep it that way).
"""

from __future__ import annotations

import numpy as np
import pytest
from toy_hands import LABELS, NAME, synthetic_sequence

import signa
from signa.export import export_checkpoints, read_export_info
from signa.train.config import experiment_from_dict
from signa.train.loop import train

EXPERIMENT = {
    "task": NAME,
    "seed": 0,
    "model": {"arch": "toy-hands-net"},
    "data": {"batch_size": 8},
    "optim": {"lr": 0.05},
    "train": {"epochs": 8, "log_every": 4, "progress": False, "tensorboard": False},
}


def test_new_task_trains_exports_and_predicts(tmp_path):
    result = train(experiment_from_dict(EXPERIMENT), tmp_path / "run")
    assert result.metrics["accuracy"] == 1.0  # which hand is visible: learnt from the synthetic data
    export_checkpoints([tmp_path / "run"], tmp_path / "onnx")
    info = read_export_info(tmp_path / "onnx")
    assert (info.task, info.labels) == (NAME, LABELS)
    rng = np.random.default_rng(7)
    for label, sign in ((0, "left"), (1, "right")):
        landmarks = synthetic_sequence(label, rng)
        from_checkpoint = signa.load_model(tmp_path / "run").predict(landmarks)
        from_onnx = signa.load_model(tmp_path / "onnx").predict(landmarks)
        assert from_checkpoint.sign == from_onnx.sign == sign
        assert from_onnx.confidence == pytest.approx(from_checkpoint.confidence, abs=1e-6)
