"""A CTC-only fingerspelling model exports as one encoder graph plus an argmax-collapse, no decoder loop,
and matches PyTorch on real sequences (logits within 1e-4, identical tokens)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from test_onnx import FP32_TOLERANCE

from signa.errors import SignaError
from signa.export import ExportOptions, export_checkpoints, read_export_info
from signa.infer import Recognizer
from tiny_models import save_fingerspelling

CTC_ONLY = {"heads": ["ctc"], "backward_decoder": False}


@pytest.fixture(scope="module")
def ctc_checkpoint(tmp_path_factory):
    return save_fingerspelling(tmp_path_factory.mktemp("ctc") / "checkpoint", **CTC_ONLY)


def test_ctc_export_matches_pytorch(ctc_checkpoint, real_sequences, tmp_path):
    export_checkpoints([ctc_checkpoint], tmp_path)
    info = read_export_info(tmp_path)
    assert info.variant == "ctc" and info.outputs["logits"] == ["frames", 64]
    ops = {node.op_type for node in onnx.load(str(tmp_path / "model.onnx")).graph.node}
    assert not ops & {"Loop", "If", "Scan"}
    torch_model, onnx_model = Recognizer(ctc_checkpoint, gate=None), Recognizer(tmp_path, gate=None)
    texts = set()
    for landmarks in real_sequences.values():
        reference, exported = torch_model.backend.run(landmarks), onnx_model.backend.run(landmarks)
        assert np.array_equal(reference.tokens, exported.tokens)
        np.testing.assert_allclose(exported.logits, reference.logits, atol=FP32_TOLERANCE)
        assert onnx_model.predict(landmarks).text == torch_model.predict(landmarks).text
        texts.add(tuple(reference.tokens))
    assert len(texts) > 1


def test_ctc_has_no_stepwise_or_kaggle_form(ctc_checkpoint, tmp_path):
    for options in (ExportOptions(variant="stepwise"), ExportOptions(kaggle=True)):
        with pytest.raises(SignaError, match="no decoder loop"):
            export_checkpoints([ctc_checkpoint], tmp_path, options)
