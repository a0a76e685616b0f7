"""Variable-length TFLite files (ONNX -> TensorFlow -> TFLiteConverter in a separate interpreter).

Fast: the error paths (no converter interpreter, a failing converter) and the option check that now
lets ``--kaggle`` through to TFLite on this route. Slow (``-m slow``; 15-25 s a conversion of the
tiny models here, skipped when ``make onnx2tf-env`` has not been run): parity with PyTorch on real
sequences from 1 frame to past ``max_len``, with missing hands, and the Kaggle contract's shape.

Tolerances against PyTorch fp32: fp32 step logits within 1e-4 (observed ~3e-6) with identical greedy
tokens; fp16 weights within 5e-2 with identical tokens on these sequences; sign probabilities 1e-5.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from signa.errors import SignaError
from signa.export import ExportOptions, export_checkpoints, read_export_info
from signa.export import onnx2tf as route
from signa.infer import Recognizer

FP32_TOLERANCE = 1e-4
FP16_TOLERANCE = 5e-2


@pytest.fixture
def no_converter(monkeypatch, tmp_path):
    """No SIGNA_ONNX2TF_PYTHON and no .venv-onnx2tf in the working folder or beside the checkout."""
    monkeypatch.delenv(route.ENV_VAR, raising=False)
    monkeypatch.setattr(route, "REPO_ROOT", tmp_path)
    monkeypatch.chdir(tmp_path)


def test_missing_interpreter_is_one_clear_line(fs_checkpoint, tmp_path, no_converter):
    options = ExportOptions(format="tflite", route="onnx2tf")
    with pytest.raises(SignaError, match=r"run `make onnx2tf-env`") as err:
        export_checkpoints([fs_checkpoint], tmp_path / "out", options)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_configured_interpreter_that_does_not_exist(fs_checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv(route.ENV_VAR, str(tmp_path / "nowhere" / "python"))
    with pytest.raises(SignaError, match=f"{route.ENV_VAR} is not an executable python") as err:
        export_checkpoints([fs_checkpoint], tmp_path, ExportOptions(format="tflite", route="onnx2tf"))
    assert err.value.path == str(tmp_path / "nowhere" / "python")


def test_cli_kaggle_tflite_takes_the_onnx2tf_route(fs_checkpoint, tmp_path, no_converter):
    from signa.cli import app

    result = CliRunner().invoke(
        app, ["export", str(fs_checkpoint), "--format", "tflite", "--kaggle", "--out", "x"]
    )
    assert result.exit_code != 0 and isinstance(result.exception, SignaError)
    assert "make onnx2tf-env" in str(result.exception)  # not "litert-torch writes fixed lengths only"


def test_kaggle_tflite_passes_the_option_check_on_the_onnx2tf_route(monkeypatch):
    from signa.export.exporter import _check_options

    monkeypatch.setenv(route.ENV_VAR, sys.executable)  # any executable passes the check
    _check_options(ExportOptions(format="tflite", kaggle=True, route="onnx2tf"))
    with pytest.raises(SignaError, match="int8"):
        _check_options(ExportOptions(format="tflite", route="onnx2tf", precision="int8"))
    with pytest.raises(SignaError, match="unknown TFLite route 'tfjs'"):
        _check_options(ExportOptions(format="tflite", route="tfjs"))


def test_kaggle_on_the_litert_route_points_to_onnx2tf():
    if importlib.util.find_spec("litert_torch") is None:  # not importorskip: it would load JAX here
        pytest.skip("litert_torch is not installed")
    from signa.export.exporter import _check_options

    with pytest.raises(SignaError, match="use --route onnx2tf"):
        _check_options(ExportOptions(format="tflite", kaggle=True))


def test_failing_converter_is_condensed_and_names_the_file(fs_onnx, tmp_path, monkeypatch):
    fake, log = tmp_path / "python", tmp_path / "stderr.txt"
    log.write_text(
        'W0000 00:00:1 cuda_dnn.cc] noise\nTraceback (most recent call last):\n  File "x.py"\n'
        "ValueError: the op went wrong\nSIGNA-ERROR: node n1 (Foo) failed\n"
    )
    fake.write_text(f"#!/bin/sh\ncat {log} >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv(route.ENV_VAR, str(fake))
    out = tmp_path / "model.tflite"
    with pytest.raises(SignaError) as err:
        route.convert_onnx(fs_onnx / "model.onnx", out)
    assert str(err.value) == f"{fs_onnx / 'model.onnx'}: TFLite conversion failed: node n1 (Foo) failed"
    assert not out.exists() and not list(tmp_path.glob(".model.tflite.*"))


def test_condense_keeps_the_last_useful_lines():
    log = "W0000 x\nTraceback (most recent call last):\n  File \"a.py\", line 1\n    ^^^\nKeyError: 'Erf'\n"
    assert route.condense(log) == "KeyError: 'Erf'"
    assert "make onnx2tf-env" in route.condense("ModuleNotFoundError: No module named 'tensorflow'\n")
    assert route.condense("") == "the converter exited without a message"


# --- slow: real conversions --------------------------------------------------------------------


@pytest.fixture(scope="module")
def converter():
    try:
        return route.find_python()
    except SignaError as err:
        pytest.skip(f"no ONNX -> TFLite converter environment ({err})")


@pytest.fixture(scope="module")
def fs_variable(converter, fs_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("fs_onnx2tf")
    export_checkpoints([fs_checkpoint], out, ExportOptions(format="tflite", route="onnx2tf"))
    return out


def signature(path):
    from signa.export.runtimes import open_interpreter

    runner = open_interpreter(path).get_signature_runner("serving_default")
    inputs = {k: list(v["shape_signature"]) for k, v in runner.get_input_details().items()}
    outputs = {k: list(v["shape"]) for k, v in runner.get_output_details().items()}
    return inputs, outputs


@pytest.mark.slow
def test_fingerspelling_matches_pytorch(fs_variable, fs_checkpoint, real_sequences):
    info = read_export_info(fs_variable)
    assert info.route == "onnx2tf" and info.input.lengths is None and info.files == {"model": "model.tflite"}
    inputs, outputs = signature(fs_variable / "model.tflite")
    assert inputs == {"landmarks": [-1, 543, 3]}
    assert outputs == {"logits": [8, 63], "tokens": [8], "confidence": [1]}
    exported, reference = Recognizer(fs_variable, gate=None), Recognizer(fs_checkpoint, gate=None)
    lengths = {len(x) for x in real_sequences.values()}
    assert min(lengths) == 1 and max(lengths) > 64  # 1 frame to past the tiny model's max_len
    for name, landmarks in real_sequences.items():
        ours, theirs = exported.backend.run(landmarks), reference.backend.run(landmarks)
        assert np.array_equal(ours.tokens, theirs.tokens), name
        np.testing.assert_allclose(ours.logits, theirs.logits, atol=FP32_TOLERANCE, err_msg=name)
        assert ours.confidence_logit == pytest.approx(theirs.confidence_logit, abs=FP32_TOLERANCE)
    long = real_sequences["colin-HOUSE-needs-trim.parquet"]
    assert exported.predict(long).text == reference.predict(long).text


@pytest.mark.slow
def test_fingerspelling_fp16(converter, fs_checkpoint, real_sequences, tmp_path):
    export_checkpoints(
        [fs_checkpoint], tmp_path, ExportOptions(format="tflite", route="onnx2tf", precision="fp16")
    )
    assert read_export_info(tmp_path).files == {"model": "model.fp16.tflite"}
    exported, reference = Recognizer(tmp_path, gate=None), Recognizer(fs_checkpoint, gate=None)
    for name, landmarks in real_sequences.items():
        ours, theirs = exported.backend.run(landmarks), reference.backend.run(landmarks)
        assert np.array_equal(ours.tokens, theirs.tokens), name
        np.testing.assert_allclose(ours.logits, theirs.logits, atol=FP16_TOLERANCE, err_msg=name)


@pytest.mark.slow
def test_signs_match_pytorch(converter, signs_checkpoint, real_sequences, tmp_path):
    export_checkpoints([signs_checkpoint], tmp_path, ExportOptions(format="tflite", route="onnx2tf"))
    assert signature(tmp_path / "model.tflite") == ({"landmarks": [-1, 543, 3]}, {"probabilities": [2]})
    exported, reference = Recognizer(tmp_path), Recognizer(signs_checkpoint)
    for name, landmarks in real_sequences.items():
        np.testing.assert_allclose(
            exported.backend.run(landmarks).probabilities,
            reference.backend.run(landmarks).probabilities,
            atol=1e-5,
            err_msg=name,
        )


@pytest.mark.slow
def test_kaggle_contract(converter, fs_checkpoint, real_sequences, tmp_path):
    """serving_default: ``inputs`` [-1, 390] -> ``outputs`` (steps, 63); the same scores as ONNX."""
    export_checkpoints(
        [fs_checkpoint], tmp_path / "tflite", ExportOptions(format="tflite", kaggle=True, route="onnx2tf")
    )
    export_checkpoints([fs_checkpoint], tmp_path / "onnx", ExportOptions(kaggle=True))
    info = read_export_info(tmp_path / "tflite")
    assert info.variant == "kaggle" and info.route == "onnx2tf" and info.input.name == "inputs"
    assert signature(tmp_path / "tflite" / "model.tflite") == ({"inputs": [-1, 390]}, {"outputs": [8, 63]})
    tflite, onnx = Recognizer(tmp_path / "tflite", gate=None), Recognizer(tmp_path / "onnx", gate=None)
    for name, landmarks in real_sequences.items():
        columns = tflite._input(landmarks)  # (frames, 390), as the grader feeds it
        ours, theirs = tflite.backend.run(columns), onnx.backend.run(columns)
        assert np.array_equal(ours.tokens, theirs.tokens), name
        np.testing.assert_allclose(ours.logits, theirs.logits, atol=FP32_TOLERANCE, err_msg=name)


@pytest.mark.slow
def test_unsupported_op_is_named(converter, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Erf", ["x"], ["y"], name="the_erf")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["frames", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["frames", 3])],
    )
    path = tmp_path / "erf.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    with pytest.raises(SignaError, match="ONNX ops without a TensorFlow mapping here: Erf") as err:
        route.convert_onnx(path, tmp_path / "erf.tflite")
    assert err.value.path == str(path) and not (tmp_path / "erf.tflite").exists()
    assert os.path.getsize(path) > 0
