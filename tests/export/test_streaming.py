"""The conv-local-global encoder's stateful step in ONNX: chunk by chunk it matches PyTorch's whole-
sequence output within 1e-4 (observed ~1e-6), the state carried between ONNX Runtime calls; ``signa
export --variant stream`` writes it (with the CTC head) for a causal model and refuses another."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from cli_runner import run_cli
from signa.errors import SignaError
from signa.export import ExportOptions, export_checkpoints, read_export_info
from signa.export.streaming import export_encoder_step
from signa.infer import Recognizer
from signa.models.checkpoint import load_model
from signa.models.encoders.conv_local_global import ConvLocalGlobalEncoder
from signa.models.fingerspelling import EncoderConfig
from tiny_models import save_fingerspelling

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


CAUSAL_CTC = {
    "encoder": {"name": "conv-local-global", "layers": 1, "heads": 2, "conv_kernel": 5},
    "heads": ["ctc"],
    "backward_decoder": False,
}


def test_stream_variant_writes_the_step_of_a_causal_ctc_model(tmp_path):
    checkpoint = save_fingerspelling(tmp_path / "checkpoint", **CAUSAL_CTC)
    export_checkpoints([checkpoint], tmp_path / "stream", ExportOptions(variant="stream"))
    info = read_export_info(tmp_path / "stream")
    assert info.variant == "stream" and info.files == {"encoder_step": "encoder_step.onnx"}
    model, _ = load_model(checkpoint)
    dim = model.config.dim
    session = ort.InferenceSession(str(tmp_path / "stream" / "encoder_step.onnx"))
    x = torch.randn(1, 23, dim)
    with torch.no_grad():
        whole = model.encoder(x)
        logits = model.ctc(whole).numpy()
    state = [t.numpy() for t in model.encoder.initial_state(1)]
    names = [i.name for i in session.get_inputs()][1:]
    chunks = []
    for start in range(0, 23, 6):
        _, chunk_logits, *state = session.run(
            None, {"features": x[:, start : start + 6].numpy(), **dict(zip(names, state, strict=True))}
        )
        chunks.append(chunk_logits)
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), logits, atol=1e-4)
    with pytest.raises(SignaError, match="streaming step export"):
        Recognizer(tmp_path / "stream")


def test_stream_variant_refuses_a_non_causal_encoder(tmp_path):
    checkpoint = save_fingerspelling(tmp_path / "checkpoint")
    with pytest.raises(SignaError, match="needs a causal encoder .conv-local-global., not squeezeformer"):
        export_checkpoints([checkpoint], tmp_path / "stream", ExportOptions(variant="stream"))


def test_the_export_command_names_a_non_causal_encoder_in_one_line(tmp_path, monkeypatch, capsys):
    checkpoint = save_fingerspelling(tmp_path / "checkpoint")
    code, _, err = run_cli(
        monkeypatch, capsys, "export", checkpoint, "--variant", "stream", "--out", tmp_path / "s"
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "needs a causal encoder (conv-local-global), not squeezeformer" in err
