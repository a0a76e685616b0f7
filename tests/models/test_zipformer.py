"""Zipformer-style blocks: the schedules, the regularisers driven by the training step, and that step
saved with the run (synthetic data for the model tests; the tiny synthetic Kaggle set for the run)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from signa.models.checkpoint import load_model
from signa.models.encoders.zipformer import SCHEDULES, BiasNorm, ZipformerEncoder, scheduled
from signa.models.fingerspelling import EncoderConfig

sys.path.insert(0, str(Path(__file__).parents[1] / "train"))
DIM = 32


def encoder(**changes) -> ZipformerEncoder:
    torch.manual_seed(0)
    config = EncoderConfig(name="zipformer", layers=2, heads=2, conv_kernel=5, dropout=0.0, **changes)
    return ZipformerEncoder(config, DIM, max_len=64)


def test_schedules_are_piecewise_linear_in_the_step():
    assert scheduled("attention_skip", 0) == 0.2
    assert scheduled("attention_skip", 2000) == pytest.approx(0.125)
    assert scheduled("attention_skip", 10**6) == 0.0
    assert scheduled("bypass_min", 10000, scale=0.5) == pytest.approx(0.2)  # breakpoints halved
    assert set(SCHEDULES) == {"attention_skip", "conv_skip", "ff_skip", "const_attention", "bypass_min"}


def test_regularisers_follow_the_training_step_and_are_off_in_eval():
    model = encoder()
    x = torch.randn(8, 20, DIM)
    model.train()
    model.set_training_step(0)
    assert model.regulariser_rates()["attention_skip"] == 0.2
    torch.manual_seed(1)
    first, second = model(x), model(x)
    assert not torch.allclose(first, second)  # sequences skip modules at random early on
    model.set_training_step(10**6)
    assert all(rate == 0 for name, rate in model.regulariser_rates().items() if name != "bypass_min")
    model.eval()
    assert set(model.regulariser_rates().values()) == {0.0}
    torch.testing.assert_close(model(x), model(x))


def test_bias_norm_has_unit_rms_around_its_bias():
    norm = BiasNorm(DIM)
    with torch.no_grad():
        norm.bias.fill_(0.5)
    y = norm(torch.randn(3, 7, DIM) + 0.5)
    assert y.shape == (3, 7, DIM) and torch.isfinite(y).all()


def test_training_step_is_saved_with_the_run(tmp_path):
    from fs_data import TINY_MODEL, write_fingerspelling_set

    from signa.config import apply_overrides, read_mapping
    from signa.train.config import experiment_from_dict
    from signa.train.loop import train

    root = write_fingerspelling_set(tmp_path / "kaggle", signers=2, supplemental=0)
    overrides = [
        *TINY_MODEL,
        "model.encoder.name=zipformer",
        f"data.train={root}",
        f"data.cache={tmp_path / 'cache'}",
        "data.batch_size=4",
        "data.fold=-1",
        "data.supplemental=false",
        "train.epochs=2",
        "train.grad_accumulation=1",
        "train.progress=false",
        "train.tensorboard=false",
        "data.num_workers=0",
    ]
    config = "configs/fingerspelling/cfg_2.yaml"
    result = train(
        experiment_from_dict(apply_overrides(read_mapping(config), overrides), config), tmp_path / "run"
    )
    model, _ = load_model(tmp_path / "run")
    assert result.step > 2 and int(model.encoder.training_step) == result.step - 1  # set before each step
    state = torch.load(tmp_path / "run" / "checkpoint" / "train_state.pt", weights_only=True)
    saved = [v for k, v in state["models"]["model"].items() if k.endswith("training_step")]
    assert [int(v) for v in saved] == [result.step - 1]
