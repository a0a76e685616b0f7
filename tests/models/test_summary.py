"""``signa model``: architecture and parameter counts of a config or a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signa.cli import app
from signa.errors import SignaError
from signa.models.checkpoint import save_model
from signa.models.summary import model_from_spec

CFG_2 = Path(__file__).resolve().parents[2] / "configs" / "fingerspelling" / "cfg_2.yaml"
runner = CliRunner()


def test_model_json_gives_the_three_counts():
    result = runner.invoke(app, ["model", str(CFG_2), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["parameters"] == {"total": 9_736_305, "trainable": 9_736_305, "inference": 8_584_209}
    assert summary["modules"]["backward_decoder"] == 1_152_096


def test_model_text_and_a_checkpoint_folder(tmp_path):
    model, _ = model_from_spec(CFG_2)
    save_model(tmp_path / "ckpt", model, {"task": "fingerspelling"})
    result = runner.invoke(app, ["model", str(tmp_path / "ckpt")])
    assert result.exit_code == 0, result.output
    assert "14 × SqueezeformerBlock" in result.output
    assert "8,584,209 kept for inference" in result.output


def test_a_config_without_a_model_section_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: fingerspelling\n")
    with pytest.raises(SignaError, match="no model section") as info:
        model_from_spec(bad)
    assert info.value.path == str(bad)


SIGNS_SMALL = CFG_2.parents[1] / "signs" / "asl-signs-small.yaml"


@pytest.mark.parametrize(
    ("config", "overrides", "message"),
    [
        (CFG_2, ["model.encoder.conv_kernel=4"], "invalid model: conv kernel size must be odd, got 4"),
        (SIGNS_SMALL, [], "invalid model: n_classes is not set: give model.n_classes"),
    ],
)
def test_a_model_its_layers_refuse_is_one_clear_error(config, overrides, message):
    with pytest.raises(SignaError, match=message) as caught:
        model_from_spec(config, overrides)
    assert caught.value.path == str(config)


def test_a_sign_config_without_n_classes_is_summarised_with_it_given():
    model, _ = model_from_spec(SIGNS_SMALL, ["model.n_classes=2"])
    assert model.classifier.out_features == 2
