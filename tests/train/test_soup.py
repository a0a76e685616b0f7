"""Uniform model soup and the loop's last-epoch checkpoints."""

from __future__ import annotations

import pytest
import torch
from typer.testing import CliRunner

from signa.cli import app
from signa.errors import SignaError
from signa.models.checkpoint import load_model, save_model
from signa.models.registry import build_model
from signa.train.soup import keep_epoch_model, uniform_soup

CONFIG = {"n_classes": 3, "max_len": 8, "dense_dim": 16, "widths": [32, 32], "heads": 4}
META = {"task": "signs", "labels": {"a": 0, "b": 1, "c": 2}}


def saved(tmp_path, name, fill, meta=META, config=CONFIG):
    model = build_model("islr6", config)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.fill_(fill)
    return save_model(tmp_path / name, model, meta)


def test_soup_averages_weights_and_batchnorm_statistics(tmp_path):
    folders = [saved(tmp_path, f"e{i}", float(i)) for i in (1, 2, 6)]
    out = uniform_soup(folders, tmp_path / "soup")
    model, config = load_model(out)
    assert torch.allclose(model.classifier.weight, torch.full_like(model.classifier.weight, 3.0))
    assert torch.allclose(model.full_mlp[1].running_var, torch.full((16,), 3.0))
    assert config["labels"] == META["labels"] and len(config["soup"]) == 3


def test_soup_refuses_checkpoints_that_do_not_fit_together(tmp_path):
    a = saved(tmp_path, "a", 1.0)
    b = saved(tmp_path, "b", 1.0, meta={**META, "labels": {"x": 0, "y": 1, "z": 2}})
    with pytest.raises(SignaError, match="'labels' differs"):
        uniform_soup([a, b], tmp_path / "soup")
    c = saved(tmp_path, "c", 1.0, config={**CONFIG, "dense_dim": 24})
    with pytest.raises(SignaError, match="'model' differs"):
        uniform_soup([a, c], tmp_path / "soup")
    with pytest.raises(SignaError, match="at least two"):
        uniform_soup([a], tmp_path / "soup")


def test_keep_epoch_model_keeps_the_last_n(tmp_path):
    model = build_model("islr6", CONFIG)
    for epoch in range(1, 6):
        keep_epoch_model(tmp_path, model, META, epoch, keep_last=3)
    assert sorted(p.name for p in (tmp_path / "epochs").iterdir()) == ["epoch-003", "epoch-004", "epoch-005"]


def test_soup_command(tmp_path):
    folders = [str(saved(tmp_path, f"e{i}", float(i))) for i in (1, 3)]
    result = CliRunner().invoke(app, ["soup", *folders, "--out", str(tmp_path / "soup")])
    assert result.exit_code == 0, result.output
    model, _ = load_model(tmp_path / "soup")
    assert torch.allclose(model.classifier.bias, torch.full_like(model.classifier.bias, 2.0))
