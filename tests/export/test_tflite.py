"""TFLite files through litert-torch, checked by running them with ai-edge-litert.

Fast: a small isolated-sign model with one 32-frame signature, fp32, against PyTorch. Slow (about
2 minutes a conversion here): the fingerspelling model with two signatures at fp32, fp16 and int8
weights; the agreement of each is asserted with the tolerance stated beside it.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from signa.export import ExportOptions, export_checkpoints, read_export_info
from signa.infer import Recognizer

# find_spec, not importorskip: importing litert_torch would load JAX into the test process
pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("litert_torch", "ai_edge_litert")),
    reason="the tflite extra is not installed",
)


def short_sequences(real_sequences, length):
    """Sequences that fit the signature (longer ones are resampled first, so they differ from PyTorch)."""
    return {name: x for name, x in real_sequences.items() if len(x) <= length} | {
        "first-frames": next(iter(real_sequences.values()))[:length]
    }


def test_signs_tflite_matches_pytorch(signs_checkpoint, real_sequences, tmp_path):
    export_checkpoints([signs_checkpoint], tmp_path, ExportOptions(format="tflite", lengths=(32,)))
    info = read_export_info(tmp_path)
    assert info.files == {"model": "model.tflite"} and info.input.lengths == [32]
    exported, reference = Recognizer(tmp_path / "model.tflite"), Recognizer(signs_checkpoint)
    sequences = short_sequences(real_sequences, 32)
    assert len(sequences) >= 4
    for landmarks in sequences.values():
        np.testing.assert_allclose(
            exported.backend.run(landmarks).probabilities,
            reference.backend.run(landmarks).probabilities,
            atol=1e-5,
        )
    # the conversion ran in a process of its own: no JAX threads here to make a later fork unsafe
    assert "litert_torch" not in sys.modules and "jax" not in sys.modules
    long = real_sequences["colin-HOUSE-needs-trim.parquet"]  # 172 frames: resampled to 32, still answers
    assert exported.predict(long).sign in ("hello", "thankyou")


# Step-logit tolerances of the fingerspelling TFLite files against PyTorch fp32 (observed: fp32
# 1e-6, fp16 6e-4, int8 1e-2 on random weights); greedy tokens identical for all three.
TOLERANCES = {"fp32": 1e-4, "fp16": 5e-3, "int8": 5e-2}


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
def test_fingerspelling_tflite_matches_pytorch(fs_checkpoint, real_sequences, tmp_path, precision):
    options = ExportOptions(format="tflite", precision=precision, lengths=(16, 64))
    export_checkpoints([fs_checkpoint], tmp_path, options)
    exported, reference = Recognizer(tmp_path, gate=None), Recognizer(fs_checkpoint, gate=None)
    for landmarks in short_sequences(real_sequences, 64).values():
        ours, theirs = exported.backend.run(landmarks), reference.backend.run(landmarks)
        assert np.array_equal(ours.tokens, theirs.tokens)
        np.testing.assert_allclose(ours.logits, theirs.logits, atol=TOLERANCES[precision])
