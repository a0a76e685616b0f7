"""signa.infer.Recognizer: one answer whatever the model's form; signa predict; bad input.

Models are tiny and seeded (no trained checkpoint ships), exported once per session.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import signa
from signa import cli
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.infer import Recognizer


@pytest.fixture(scope="module")
def clips(shared_data):
    return sorted((shared_data / "asl-signs" / "train_landmark_files").glob("*/*.parquet"))[:4]


def test_every_form_gives_the_same_answers(signs_checkpoint, signs_onnx, clips):
    forms = [signs_checkpoint, signs_onnx, signs_onnx / "model.onnx"]
    answers = [[(p.sign, p.confidence) for p in Recognizer(form).predict_files(clips)] for form in forms]
    for other in answers[1:]:
        assert [s for s, _ in other] == [s for s, _ in answers[0]]
        np.testing.assert_allclose([c for _, c in other], [c for _, c in answers[0]], atol=1e-5)


def test_batched_evaluation_matches_signa_evaluate(signs_checkpoint, signs_onnx, shared_data):
    from signa.evaluate.evaluate import evaluate_checkpoint

    evaluation = evaluate_checkpoint(signs_checkpoint, shared_data / "asl-signs", batch_size=32)
    predictions = Recognizer(signs_onnx).predict_file(shared_data / "asl-signs" / "train.csv")
    by_id = {p.sequence_id: p for p in predictions}
    assert len(by_id) == len(evaluation.records) == 126
    for record in evaluation.records:
        ours = by_id[str(record["sequence_id"])]
        assert ours.sign == record["predicted_sign"]
        assert ours.confidence == pytest.approx(record["confidence"], abs=1e-5)


def test_fingerspelling_prediction(fs_checkpoint, shared_data):
    recognizer = signa.load_model(fs_checkpoint, gate=None)
    (prediction,) = recognizer.predict_file(shared_data / "videos" / "hoy_001.parquet")
    assert prediction.sign is None and isinstance(prediction.text, str) and 0 <= prediction.confidence <= 1
    assert prediction.ms > 0 and prediction.frames == 64 and len(prediction.tokens) == 8
    assert prediction.text == Vocabulary.kaggle().decode(prediction.tokens)
    gated = Recognizer(fs_checkpoint, gate="kaggle").predict(np.full((5, 543, 3), 0.5, np.float32))
    assert gated.low_confidence and gated.text == "2 a-e -aroe"  # under 15 frames: the Kaggle dummy


def test_predict_command_json(fs_checkpoint, signs_onnx, shared_data, clips):
    runner = CliRunner()
    result = runner.invoke(cli.app, ["predict", str(signs_onnx), str(clips[0]), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert set(row) >= {"path", "sign", "confidence", "ms"} and row["path"] == str(clips[0])
    pose = shared_data / "pose" / "FOOTBALL.pose"
    result = runner.invoke(cli.app, ["predict", str(fs_checkpoint), str(pose), "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert set(row) >= {"path", "text", "confidence", "ms"} and "sign" not in row


@pytest.mark.parametrize(
    ("landmarks", "message"),
    [
        (np.zeros((10, 543, 2), np.float32), r"must have shape \(frames, 543, 3\), got \(10, 543, 2\)"),
        (np.zeros((10, 543, 3), np.int64), "must be floating point .* got dtype int64"),
        ([[0.0] * 3] * 543, "must be a numpy array, got list"),
        (np.zeros((0, 543, 3), np.float32), "the sequence has no frames"),
        (np.full((4, 543, 3), np.nan, np.float32), "no detected landmark"),
    ],
)
def test_wrong_input_to_a_runtime(signs_onnx, landmarks, message):
    with pytest.raises(SignaError, match=message):
        Recognizer(signs_onnx).predict(landmarks)


def test_corrupted_model_file(signs_onnx, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "export.json").write_text((signs_onnx / "export.json").read_text())
    (broken / "model.onnx").write_bytes(b"\x08\x07not a protobuf" * 10)
    with pytest.raises(SignaError, match="not a loadable ONNX model") as err:
        Recognizer(broken)
    assert err.value.path == str(broken / "model.onnx")
    (broken / "export.json").write_text("{")
    with pytest.raises(SignaError, match="corrupt export description"):
        Recognizer(broken)


def test_corrupted_tflite_file(signs_onnx, tmp_path):
    pytest.importorskip("ai_edge_litert")
    info = json.loads((signs_onnx / "export.json").read_text())
    info.update(format="tflite", files={"model": "model.tflite"})
    info["input"]["lengths"] = [32]
    (tmp_path / "export.json").write_text(json.dumps(info))
    (tmp_path / "model.tflite").write_bytes(b"TFL3" + b"\x00" * 64)
    with pytest.raises(SignaError, match="not a loadable TFLite model"):
        Recognizer(tmp_path / "model.tflite")


def test_missing_model_from_the_command_line(tmp_path, monkeypatch, capsys, clips):
    monkeypatch.setattr(sys, "argv", ["signa", "predict", str(tmp_path / "nothing"), str(clips[0])])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    known = "known: asl-fingerspelling, asl-signs, lsm"
    assert (
        capsys.readouterr().err.strip()
        == f"error: {tmp_path / 'nothing'}: no such file or bundled model ({known})"
    )


def test_import_signa_stays_light():
    import subprocess

    code = "import sys, signa; print('torch' in sys.modules, callable(signa.load_model))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_loading_a_checkpoint_leaves_the_callers_threads(signs_checkpoint):
    """A library caller keeps its own torch thread count; only ``threads=`` (or the CLI's ``auto``)
    changes it."""
    import torch

    torch.set_num_threads(2)
    signa.load_model(signs_checkpoint)
    assert torch.get_num_threads() == 2
    signa.load_model(signs_checkpoint, threads="auto")  # the tiny model: one thread
    assert torch.get_num_threads() == 1
