"""Bad input to export: one clear SignaError each."""

from __future__ import annotations

import importlib.util

import pytest

from signa.errors import SignaError
from signa.export import ExportOptions, export_checkpoints


def test_checkpoint_without_config(fs_checkpoint, tmp_path):
    broken = tmp_path / "checkpoint"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes((fs_checkpoint / "model.safetensors").read_bytes())
    with pytest.raises(SignaError, match="config.json is missing") as err:
        export_checkpoints([broken], tmp_path / "out")
    assert err.value.path == str(broken)


def test_tflite_without_the_extra(fs_checkpoint, tmp_path, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "litert_torch" else real_find_spec(name, *a),
    )
    with pytest.raises(SignaError, match=r"install signa-sl\[tflite\]"):
        export_checkpoints([fs_checkpoint], tmp_path, ExportOptions(format="tflite"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (ExportOptions(precision="bf16"), "unknown precision .bf16."),
        (ExportOptions(format="coreml"), "unknown export format 'coreml'"),
        (ExportOptions(variant="beam"), "unknown variant 'beam'"),
    ],
)
def test_impossible_options(fs_checkpoint, tmp_path, options, message):
    with pytest.raises(SignaError, match=message):
        export_checkpoints([fs_checkpoint], tmp_path, options)


def test_kaggle_contract_is_for_fingerspelling(signs_checkpoint, tmp_path):
    with pytest.raises(SignaError, match="--kaggle: the Kaggle contract is fingerspelling.s"):
        export_checkpoints([signs_checkpoint], tmp_path, ExportOptions(kaggle=True))


def test_ensemble_of_two_tasks(fs_checkpoint, signs_checkpoint, tmp_path):
    with pytest.raises(SignaError, match="an ensemble must be of one task"):
        export_checkpoints([fs_checkpoint, signs_checkpoint], tmp_path)
