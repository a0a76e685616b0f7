"""Isolated signs on real signers (asl-signs kit): a short training run, soup, evaluate and predict.

CI version of ``scripts/signs_experiment.py``: one signer-independent fold, a few epochs.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from cli_runner import run_cli
from signa.cli import app
from signa.data.layout import GROUP_SLICES
from signa.data.writers import write_kaggle_long
from signa.evaluate.evaluate import evaluate_checkpoint
from signa.train.config import load_experiment
from signa.train.loop import train
from signa.train.soup import uniform_soup

CONFIG = "configs/signs/asl-signs-small.yaml"


@pytest.fixture(scope="module")
def trained(shared_data, tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small kernels: one thread is faster, and robust on a busy machine
    run = tmp_path_factory.mktemp("signs") / "run"
    overrides = [
        f"data.train={shared_data / 'asl-signs'}",
        f"data.cache={run.parent / 'cache'}",
        "train.keep_last=2",
        "train.progress=false",
        "train.tensorboard=false",
    ]
    try:
        result = train(load_experiment(CONFIG, overrides), run)
    finally:
        torch.set_num_threads(threads)
    return result


def test_accuracy_on_held_out_signers_is_well_above_the_majority_class(trained):
    assert trained.metrics["sequences"] == 36  # fold 0: 6 signers never seen in training
    assert trained.metrics["accuracy"] >= 0.8  # majority class: 0.5


def test_soup_of_the_last_epochs_and_evaluate_with_reports(trained, shared_data, tmp_path):
    epochs = sorted((trained.run_dir / "epochs").iterdir())
    assert [p.name for p in epochs] == ["epoch-029", "epoch-030"]
    soup = uniform_soup(epochs, tmp_path / "soup")
    result = evaluate_checkpoint(soup, shared_data / "asl-signs", tmp_path / "eval", 32, None, 5)
    assert result.metrics["sequences"] == 126 and result.metrics["accuracy"] > 0.8
    assert (
        (tmp_path / "eval" / "confusion_matrix.csv")
        .read_text()
        .startswith("true \\ predicted,hello,thankyou")
    )
    assert (tmp_path / "eval" / "confusion_matrix.png").stat().st_size > 1000


def test_predict_command_on_real_files(trained, shared_data):
    files = sorted((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))[:2]
    result = CliRunner().invoke(app, ["predict", str(trained.run_dir), *map(str, files), "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["path"] for r in records] == list(map(str, files))
    assert all(r["sign"] in ("hello", "thankyou") and 0.5 <= r["confidence"] <= 1 for r in records)
    pose = CliRunner().invoke(
        app, ["predict", str(trained.run_dir), str(shared_data / "pose" / "colin-SAD.parquet")]
    )
    assert pose.exit_code == 0 and "colin-SAD.parquet: " in pose.output


def test_predict_refuses_a_sequence_without_hands(trained, tmp_path, monkeypatch, capsys):
    landmarks = np.random.default_rng(0).random((10, 543, 3)).astype(np.float32)
    for hand in ("left_hand", "right_hand"):
        landmarks[:, GROUP_SLICES[hand]] = np.nan
    write_kaggle_long(tmp_path / "nohands.parquet", landmarks)
    code, _, err = run_cli(monkeypatch, capsys, "predict", trained.run_dir, tmp_path / "nohands.parquet")
    assert code == 2 and err.startswith(f"error: {tmp_path / 'nohands.parquet'}: no hand is visible")


def test_predict_refuses_a_label_map_that_does_not_match(trained, shared_data, tmp_path, monkeypatch, capsys):
    labels = tmp_path / "map.json"
    labels.write_text(json.dumps({"thankyou": 0, "hello": 1}))
    clip = next((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))
    code, _, err = run_cli(monkeypatch, capsys, "predict", trained.run_dir, clip, "--labels", labels)
    assert code == 2 and f"{labels}: the label map does not match the checkpoint" in err


def test_predict_signs_library_function(trained, shared_data):
    from signa.infer.signs import predict_signs

    clip = next((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))
    (prediction,) = predict_signs(trained.run_dir, [clip])
    assert prediction.sign in ("hello", "thankyou") and prediction.path == str(clip)
