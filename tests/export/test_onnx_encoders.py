"""Every encoder exports to ONNX inside the fingerspelling graph and matches PyTorch on real sequences
(step logits within 1e-4, identical greedy tokens), with the attention decoder and with CTC alone."""

from __future__ import annotations

import numpy as np
import pytest
from test_onnx import assert_same_decoding

from signa.export import export_checkpoints
from signa.infer import Recognizer
from tiny_models import save_fingerspelling

ENCODERS = {
    "conv-local-global": {"name": "conv-local-global", "layers": 1, "heads": 2, "conv_kernel": 5},
    "zipformer": {"name": "zipformer", "layers": 1, "heads": 2, "conv_kernel": 5},
}
CTC_ONLY = {"heads": ["ctc"], "backward_decoder": False}


@pytest.mark.parametrize("heads", ["attention", "ctc"])
@pytest.mark.parametrize("name", ENCODERS)
def test_encoder_exports_and_matches_pytorch(name, heads, real_sequences, tmp_path):
    changes = {"encoder": ENCODERS[name]} | (CTC_ONLY if heads == "ctc" else {})
    checkpoint = save_fingerspelling(tmp_path / "checkpoint", **changes)
    export_checkpoints([checkpoint], tmp_path / "onnx")
    torch_model, onnx_model = Recognizer(checkpoint, gate=None), Recognizer(tmp_path / "onnx", gate=None)
    for landmarks in real_sequences.values():
        reference, exported = torch_model.backend.run(landmarks), onnx_model.backend.run(landmarks)
        if heads == "ctc":
            assert np.array_equal(reference.tokens, exported.tokens)
            np.testing.assert_allclose(exported.logits, reference.logits, atol=1e-4)
        else:
            assert_same_decoding(reference, exported)
