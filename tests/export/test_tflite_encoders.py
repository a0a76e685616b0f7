"""The new encoders and the CTC head through litert-torch: TFLite files match PyTorch (fp32 step logits
within 1e-4, identical tokens) on real sequences that fit the signature (CTC: logits of the real frames)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from test_onnx_encoders import CTC_ONLY, ENCODERS
from test_tflite import short_sequences

from signa.export import ExportOptions, export_checkpoints
from signa.infer import Recognizer
from tiny_models import save_fingerspelling

# find_spec, not importorskip: importing litert_torch would load JAX into the test process
pytestmark = pytest.mark.skipif(
    not all(importlib.util.find_spec(m) for m in ("litert_torch", "ai_edge_litert")),
    reason="the tflite extra is not installed",
)


@pytest.mark.slow
@pytest.mark.parametrize("heads", ["attention", "ctc"])
@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_tflite_matches_pytorch(name, heads, real_sequences, tmp_path):
    changes = {"encoder": ENCODERS[name]} | (CTC_ONLY if heads == "ctc" else {})
    checkpoint = save_fingerspelling(tmp_path / "checkpoint", **changes)
    export_checkpoints([checkpoint], tmp_path / "tflite", ExportOptions(format="tflite", lengths=(64,)))
    exported, reference = Recognizer(tmp_path / "tflite", gate=None), Recognizer(checkpoint, gate=None)
    for landmarks in short_sequences(real_sequences, 64).values():
        ours, theirs = exported.backend.run(landmarks), reference.backend.run(landmarks)
        assert np.array_equal(ours.tokens, theirs.tokens)
        rows = len(theirs.logits)  # CTC: a fixed-length signature also scores its padding frames
        np.testing.assert_allclose(ours.logits[:rows], theirs.logits, atol=1e-4)
