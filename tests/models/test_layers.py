"""Shared layers: masked BatchNorm, relative shift, RoPE."""

from __future__ import annotations

import torch
from torch import nn

from signa.models.encoders.attention import RotarySelfAttention, RotaryTables, relative_shift
from signa.models.layers import ConvModule, MaskedBatchNorm, depthwise_conv


def test_masked_batchnorm_matches_batchnorm_over_real_frames_only():
    torch.manual_seed(0)
    x = torch.randn(3, 10, 4, 8)  # (B, T, points, C)
    mask = torch.arange(10)[None] < torch.tensor([[10], [6], [1]])
    x[~mask] = 1e4  # padding must not matter
    masked, plain = MaskedBatchNorm(8, momentum=0.3), nn.BatchNorm1d(8, momentum=0.3)
    y = masked(x, mask)
    real = x[mask].reshape(-1, 8)
    torch.testing.assert_close(y[mask].reshape(-1, 8), plain(real))
    torch.testing.assert_close(masked.running_mean, plain.running_mean)
    torch.testing.assert_close(masked.running_var, plain.running_var)
    masked.eval(), plain.eval()
    torch.testing.assert_close(masked(x, mask)[mask].reshape(-1, 8), plain(real))


def test_masked_batchnorm_without_mask_is_batchnorm():
    x = torch.randn(4, 7, 5)
    masked, plain = MaskedBatchNorm(5), nn.BatchNorm1d(5)
    torch.testing.assert_close(masked(x), plain(x.reshape(-1, 5)).reshape(4, 7, 5))
    torch.testing.assert_close(masked.running_var, plain.running_var)


def test_conv_module_ignores_padded_frames():
    torch.manual_seed(0)
    conv = ConvModule(6, kernel_size=5).eval()
    x = torch.randn(1, 8, 6)
    padded = torch.cat([x, torch.randn(1, 4, 6) * 100], dim=1)
    mask = torch.arange(12)[None] < 8
    torch.testing.assert_close(conv(padded, mask)[:, :8], conv(x, None))


def test_relative_shift_puts_offset_i_minus_j_at_i_j():
    length = 5
    offsets = torch.arange(length - 1, -length, -1).float()  # column c holds offset T-1-c
    scores = offsets.expand(2, length, 2 * length - 1)
    shifted = relative_shift(scores)
    expected = torch.arange(length)[:, None] - torch.arange(length)[None, :]
    assert torch.equal(shifted[0], expected.float())


def test_rope_scores_depend_on_the_offset_only():
    tables = RotaryTables(8, 1, max_positions=16)
    cos, sin = tables(16)
    attention = RotarySelfAttention(8, 1)
    q = torch.randn(8)
    k = torch.randn(8)
    from signa.models.layers import apply_rotary

    def score(i, j):
        return (apply_rotary(q, cos[i], sin[i]) * apply_rotary(k, cos[j], sin[j])).sum()

    torch.testing.assert_close(score(3, 1), score(12, 10))
    torch.testing.assert_close(score(0, 0), (q * k).sum())
    assert attention.qkv.bias is None and attention.out.bias is None


def test_depthwise_conv_under_bf16_autocast_runs_in_fp32_on_cpu():
    torch.manual_seed(0)
    conv = nn.Conv1d(16, 16, 7, padding=3, groups=16, bias=False)
    x = torch.randn(2, 20, 16)
    reference = conv(x.transpose(1, 2)).transpose(1, 2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = depthwise_conv(x.to(torch.bfloat16), conv)
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), reference, atol=0.05, rtol=0.02)
    torch.testing.assert_close(depthwise_conv(x, conv), reference, atol=1e-5, rtol=1e-5)
