"""Precision of the PyTorch runtime: bf16 autocast against fp32, on real sequences."""

from __future__ import annotations

import numpy as np
import pytest

from signa.errors import SignaError
from signa.export import export_checkpoints
from signa.infer import Recognizer


def test_bf16_autocast_agrees_with_fp32_on_real_sequences(fs_checkpoint, real_sequences):
    """bf16 (native on AMX and AVX512_BF16 CPUs, emulated elsewhere) against fp32 on random weights:
    same text on most sequences."""
    fp32, bf16 = Recognizer(fs_checkpoint, gate=None), Recognizer(fs_checkpoint, gate=None, precision="bf16")
    same, worst = 0, 0.0
    for landmarks in real_sequences.values():
        ours, theirs = bf16.backend.run(landmarks), fp32.backend.run(landmarks)
        same += np.array_equal(ours.tokens, theirs.tokens)
        worst = max(worst, float(np.abs(ours.logits - theirs.logits).max()))
    print(f"bf16: same tokens on {same}/{len(real_sequences)}, worst step logit {worst:.3g}")
    assert same >= 0.75 * len(real_sequences) and 0 < worst < 0.5


def test_precision_is_for_checkpoints(fs_checkpoint, tmp_path):
    with pytest.raises(SignaError, match="unknown precision 'fp8'"):
        Recognizer(fs_checkpoint, precision="fp8")
    export_checkpoints([fs_checkpoint], tmp_path)
    with pytest.raises(SignaError, match="an export's precision is chosen at export"):
        Recognizer(tmp_path, precision="bf16")


@pytest.mark.parametrize(("native", "bf16"), [(True, True), (False, False)])
def test_auto_precision_runs_bf16_only_where_native(fs_checkpoint, monkeypatch, native, bf16):
    from signa import cpu

    flags = {"avx512_bf16"} if native else {"avx2"}
    monkeypatch.setattr(cpu, "cpu_features", lambda: cpu.features_from_flags("Test CPU", flags))
    assert Recognizer(fs_checkpoint, precision="auto").backend.bf16 is bf16
