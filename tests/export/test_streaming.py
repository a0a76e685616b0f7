"""The conv-local-global encoder's stateful step in ONNX: chunk by chunk it matches PyTorch's whole-
sequence output within 1e-4 (observed ~1e-6), the state carried between ONNX Runtime calls."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import torch

from signa.export.streaming import export_encoder_step
from signa.models.encoders.conv_local_global import ConvLocalGlobalEncoder
from signa.models.fingerspelling import EncoderConfig

DIM = 32


def test_streaming_step_matches_the_whole_sequence(tmp_path):
    torch.manual_seed(0)
    config = EncoderConfig(name="conv-local-global", layers=2, heads=2, conv_kernel=5, ffn_expansion=2)
    encoder = ConvLocalGlobalEncoder(config, DIM, max_len=64).eval()
    names = export_encoder_step(encoder, DIM, tmp_path / "encoder_step.onnx")
    session = ort.InferenceSession(str(tmp_path / "encoder_step.onnx"), providers=["CPUExecutionProvider"])
    x = torch.randn(1, 37, DIM)
    with torch.no_grad():
        whole = encoder(x).numpy()
    state = [t.numpy() for t in encoder.initial_state(1)]
    outputs, start = [], 0
    for size in (1, 4, 9, 2, 16, 5):
        chunk = x[:, start : start + size].numpy()
        output, *state = session.run(None, {"features": chunk, **dict(zip(names, state, strict=True))})
        outputs.append(output)
        start += size
    np.testing.assert_allclose(np.concatenate(outputs, axis=1), whole, atol=1e-4)
    assert int(state[0][0]) == 37
