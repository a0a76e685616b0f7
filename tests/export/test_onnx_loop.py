"""The loop variant: the greedy loop as an ONNX ``Loop`` stopping at EOS, against PyTorch, on real data.

Tolerances as the other fp32 graphs (step logits within 1e-4, identical tokens); int8 against the
stepwise pair at int8, which is the same quantized arithmetic driven by a Python loop.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest

from signa.export import ExportOptions, export_checkpoints, read_export_info
from signa.export.metadata import write_export_info
from signa.export.onnx import quantize_int8
from signa.export.onnx_loop import export_loop
from signa.infer import Recognizer


def assert_same_steps(reference, loop, tolerance: float) -> None:
    assert np.array_equal(reference.tokens, loop.tokens)
    np.testing.assert_allclose(loop.logits, reference.logits[: len(loop.logits)], atol=tolerance)
    assert loop.confidence_logit == pytest.approx(reference.confidence_logit, abs=tolerance)


@pytest.fixture(scope="module")
def fs_loop(fs_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("fs_loop")
    export_checkpoints([fs_checkpoint], out, ExportOptions(variant="loop"))
    return out


def test_loop_stops_at_eos_and_matches_pytorch(fs_checkpoint, fs_loop, real_sequences):
    info = read_export_info(fs_loop)
    assert info.variant == "loop" and info.files == {"model": "model.onnx"}
    assert "Loop" in {node.op_type for node in onnx.load(str(fs_loop / "model.onnx")).graph.node}
    torch_model, loop = Recognizer(fs_checkpoint, gate=None), Recognizer(fs_loop, gate=None)
    steps_run = []
    for landmarks in real_sequences.values():
        reference, ours = torch_model.backend.run(landmarks), loop.backend.run(landmarks)
        assert_same_steps(reference, ours, 1e-4)
        eos = np.flatnonzero(reference.tokens == info.decoding["eos_id"])
        assert len(ours.logits) == (eos[0] + 1 if len(eos) else info.decoding["steps"])
        steps_run.append(len(ours.logits))
    assert min(steps_run) < info.decoding["steps"]  # it stopped early, and not always at one length
    assert len(set(steps_run)) > 1


@pytest.fixture(scope="module")
def fs_stepwise(fs_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("fs_stepwise")
    export_checkpoints([fs_checkpoint], out, ExportOptions(variant="stepwise"))
    return out


def test_loop_stores_the_decoder_once(fs_loop, fs_stepwise):
    pair = sum((fs_stepwise / name).stat().st_size for name in ("encoder.onnx", "decoder_step.onnx"))
    assert (fs_loop / "model.onnx").stat().st_size < 0.97 * pair


def loop_from(stepwise: Path, out: Path, precision: str) -> Path:
    """The loop variant at ``precision`` composed from an existing stepwise export (no re-export)."""
    info = read_export_info(stepwise)

    def copy_pair(folder: Path) -> dict[str, str]:
        for name in info.files.values():
            shutil.copy(stepwise / name, folder / name)
        return dict(info.files)

    out.mkdir()
    files = export_loop(copy_pair, out, precision, info.decoding["steps"], info.decoding["eos_id"])
    write_export_info(out, replace(info, variant="loop", precision=precision, files=files))
    return out


def test_loop_int8_matches_stepwise_int8_and_fp16_halves(fs_loop, fs_stepwise, real_sequences, tmp_path):
    int8_pair = tmp_path / "stepwise-int8"
    shutil.copytree(fs_stepwise, int8_pair)
    for name in read_export_info(int8_pair).files.values():
        quantize_int8(int8_pair / name)
    int8, fp16 = (
        loop_from(fs_stepwise, tmp_path / "int8", "int8"),
        loop_from(fs_stepwise, tmp_path / "fp16", "fp16"),
    )
    fp32_size = (fs_loop / "model.onnx").stat().st_size
    assert (int8 / "model.onnx").stat().st_size < 0.6 * fp32_size
    assert (fp16 / "model.onnx").stat().st_size < 0.6 * fp32_size
    pairs = [(Recognizer(int8_pair, gate=None), Recognizer(int8, gate=None), 1e-5)]
    pairs.append((Recognizer(fs_loop, gate=None), Recognizer(fp16, gate=None), 5e-2))
    for landmarks in real_sequences.values():
        for reference, loop, tolerance in pairs:
            assert_same_steps(reference.backend.run(landmarks), loop.backend.run(landmarks), tolerance)
