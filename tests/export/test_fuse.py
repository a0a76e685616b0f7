"""The inference form: folded scale/bias and BatchNorm layers compute what the trained model does."""

from __future__ import annotations

import pytest
import torch

from signa.export.fuse import ExportMish, fuse_for_inference
from signa.models.layers import MaskedBatchNorm, ScaleBias
from signa.models.registry import build_model

SMALL = {"dim": 64, "encoder": {"layers": 2, "conv_kernel": 7}, "decoder": {"layers": 1, "ffn_dim": 64}}


def trained_looking(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Non-trivial scales, biases and running statistics, as after training."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, ScaleBias):
                module.scale.uniform_(0.5, 1.5, generator=generator)
                module.bias.normal_(0, 0.3, generator=generator)
            if isinstance(module, MaskedBatchNorm):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.normal_(0, 0.3, generator=generator)
                module.running_mean.normal_(0, 0.5, generator=generator)
                module.running_var.uniform_(0.3, 3.0, generator=generator)
    return model.eval()


@pytest.mark.parametrize("attention", ["rope", "relative"])
def test_fused_model_matches_the_trained_one_alone_and_padded(attention):
    torch.manual_seed(0)
    config = {**SMALL, "encoder": {**SMALL["encoder"], "attention": attention}}
    model = trained_looking(build_model("fingerspelling", config))
    fused = fuse_for_inference(model)
    x = torch.randn(2, 40, 130, 3)
    mask = torch.arange(40)[None] < torch.tensor([[40], [27]])
    with torch.no_grad():
        for m in (None, mask):
            expected = model.forward_encoder(x, m)
            torch.testing.assert_close(fused.forward_encoder(x, m), expected, atol=2e-5, rtol=1e-5)


def test_fusion_removes_the_affine_layers_and_leaves_the_model_untouched():
    model = trained_looking(build_model("fingerspelling", SMALL))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fused = fuse_for_inference(model)
    assert not any(isinstance(m, (ScaleBias, MaskedBatchNorm)) for m in fused.stem.modules())
    assert not any(isinstance(m, (ScaleBias, MaskedBatchNorm)) for m in fused.encoder.modules())
    assert not fused.training
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert any(isinstance(m, ScaleBias) for m in model.encoder.modules())


def test_fused_sign_model_matches_and_exports_mish_without_softplus(signs_onnx):
    torch.manual_seed(0)
    model = build_model(
        "islr6", {"n_classes": 5, "max_len": 16, "dense_dim": 32, "widths": [64, 64], "heads": 4}
    )
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm1d):
                module.running_mean.normal_(0, 0.5)
                module.running_var.uniform_(0.3, 3.0)
    model.eval()
    fused = fuse_for_inference(model)
    points, mask = torch.randn(2, 16, 100, 3), torch.arange(16)[None] < torch.tensor([[16], [9]])
    with torch.no_grad():
        torch.testing.assert_close(fused(points, mask), model(points, mask), atol=2e-5, rtol=1e-5)
    import onnx

    ops = {node.op_type for node in onnx.load(str(signs_onnx / "model.onnx")).graph.node}
    assert not ops & {"Mish", "Softplus", "BatchNormalization"}


def test_export_mish_is_mish_over_the_float_range():
    x = torch.cat([torch.linspace(-100, 100, 20001), torch.tensor([-3e38, 3e38, 0.0])])
    exported = torch.compiler.is_exporting
    try:
        torch.compiler.is_exporting = lambda: True
        ours = ExportMish()(x)
    finally:
        torch.compiler.is_exporting = exported
    torch.testing.assert_close(ours, torch.nn.functional.mish(x), atol=2e-6, rtol=1e-6)
