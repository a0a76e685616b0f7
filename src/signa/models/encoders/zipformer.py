"""Zipformer-style encoder blocks (SOLUTIONS.md §4, the elements of icefall's Zipformer in FS1's encoder).

One block, every module behind a learnable scale and bias as in FS1, no post-LayerNorms::

    w = softmax(RoPE(q)·RoPE(k))           attention weights, computed once, shared below
    x = x + FFN3(x)                        expansion 3, SwooshL
    x = x + NonlinAttention(x, w[head 0])  tanh-gated, hidden 3d/4
    x = x + SelfAttention1(x, w)           value-only
    x = x + Conv1(x)                       SwooshR
    x = x + FFN4(x)
    x = bypass_mid(x_in, x)                learnable per-channel interpolation with the block input
    x = x + SelfAttention2(x, w)
    x = x + Conv2(x)
    x = x + FFN5(x)
    x = BiasNorm(x)

Zipformer's stochastic regularisers are scheduled on the training step, as Zipformer intends (the
fork never passed the step, so they stayed at 0): per-sequence skips of the attention, conv and
feed-forward modules, a chance of constant (uniform) attention weights, and the bypass scale's lower
bound. The step lives in the encoder's ``training_step`` buffer, set by the task before each forward
and saved with every checkpoint, so a resumed run continues the schedules where it stopped. The
schedules' step counts are icefall's, multiplied by ``schedule_scale`` for shorter runs. In eval
mode every regulariser is off.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from signa.models.encoders import register_encoder
from signa.models.layers import (
    FeedForward,
    RotaryPositions,
    ScaleBias,
    apply_rotary,
    depthwise_conv,
    zero_pads,
)

FFN_EXPANSIONS = (3, 4, 5)
PRE_SCALED = ("weights", "ffn0", "nonlin", "attn1", "conv1", "ffn1", "attn2", "conv2", "ffn2")
# (step, value) breakpoints, linear between them and constant outside (icefall zipformer.py defaults)
SCHEDULES = {
    "attention_skip": ((0.0, 0.2), (4000.0, 0.05), (16000.0, 0.0)),
    "conv_skip": ((0.0, 0.2), (4000.0, 0.05), (16000.0, 0.0)),
    "ff_skip": ((0.0, 0.1), (4000.0, 0.01), (50000.0, 0.0)),
    "const_attention": ((0.0, 0.25), (4000.0, 0.025), (4001.0, 0.0)),
    "bypass_min": ((0.0, 0.9), (20000.0, 0.2)),
}


def scheduled(name: str, step: float, scale: float = 1.0) -> float:
    """Value of schedule ``name`` after ``step`` optimiser steps (breakpoints times ``scale``)."""
    points = [(x * scale, y) for x, y in SCHEDULES[name]]
    if step <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if step <= x1:
            return y0 + (y1 - y0) * (step - x0) / max(x1 - x0, 1e-9)
    return points[-1][1]


class SwooshL(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softplus(x - 4.0) - 0.08 * x - 0.035


class SwooshR(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softplus(x - 1.0) - 0.08 * x - 0.313261687


class BiasNorm(nn.Module):
    """``x / RMS(x − b) · exp(γ)``: a learnable bias inside the RMS and one log-scale (Zipformer).

    Frame by frame, so padded frames never reach real ones; the encoder zeroes them afterwards.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(dim))
        self.log_scale = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rms = (x - self.bias).square().mean(-1, keepdim=True).add(1e-8).rsqrt()
        return x * rms * self.log_scale.exp()


class SharedAttentionWeights(nn.Module):
    """RoPE query·key softmax weights (B, H, T, T), computed once per block; padded keys get 0."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qk = nn.Linear(dim, 2 * dim, bias=False)

    def forward(self, x, mask, positions, const_rate: float) -> torch.Tensor:
        batch, length, dim = x.shape
        qk = self.qk(x).view(batch, length, 2, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        q, k = apply_rotary(qk, *positions)  # (B, H, T, hd) each
        scores = (q @ k.transpose(-1, -2)) * (dim // self.heads) ** -0.5
        if mask is not None:
            scores = scores.masked_fill(~mask[:, None, None, :], torch.finfo(scores.dtype).min)
        weights = scores.float().softmax(-1).to(x.dtype)
        if const_rate and float(torch.rand(())) < const_rate:  # Zipformer's constant-attention regulariser
            keys = torch.ones_like(weights) if mask is None else mask[:, None, None, :].expand_as(weights)
            weights = keys.to(x.dtype) / keys.to(x.dtype).sum(-1, keepdim=True)
        return weights


class ValueAttention(nn.Module):
    """Attention that only brings values: ``out(weights @ V(x))`` with the block's shared weights."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.value = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        v = self.value(x).view(batch, length, self.heads, -1).transpose(1, 2)  # (B, H, T, hd)
        return self.out((weights @ v).transpose(1, 2).reshape(batch, length, dim))


class NonlinAttention(nn.Module):
    """Zipformer's non-linear attention on head 0's weights: ``out(y · (w0 @ (x · tanh(s))))``."""

    def __init__(self, dim: int):
        super().__init__()
        self.hidden = 3 * dim // 4
        self.inp = nn.Linear(dim, 3 * self.hidden)
        self.out = nn.Linear(self.hidden, dim)

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        s, v, y = self.inp(x).split(self.hidden, dim=-1)
        v = weights[:, 0] @ (v * torch.tanh(s))  # (B, T, hidden)
        return self.out(v * y)


class ZipformerConv(nn.Module):
    """Pointwise → GLU → (pads zeroed) depthwise conv → SwooshR → pointwise; pads zeroed at the end."""

    def __init__(self, dim: int, kernel_size: int, dropout: float):
        super().__init__()
        self.pointwise1 = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.act = SwooshR()
        self.pointwise2 = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = zero_pads(F.glu(self.pointwise1(x), dim=-1), mask)
        x = self.act(depthwise_conv(x, self.depthwise))
        return zero_pads(self.dropout(self.pointwise2(x)), mask)


class ZipformerBlock(nn.Module):
    def __init__(self, config, dim: int):
        super().__init__()
        self.weights = SharedAttentionWeights(dim, config.heads)
        self.ffns = nn.ModuleList(FeedForward(dim, dim * e, SwooshL, config.dropout) for e in FFN_EXPANSIONS)
        self.nonlin = NonlinAttention(dim)
        self.attn1, self.attn2 = ValueAttention(dim, config.heads), ValueAttention(dim, config.heads)
        self.conv1, self.conv2 = (ZipformerConv(dim, config.conv_kernel, config.dropout) for _ in range(2))
        self.pre = nn.ModuleDict({name: ScaleBias(dim) for name in PRE_SCALED})
        self.bypass_mid = nn.Parameter(torch.full((dim,), 0.5))
        self.norm = BiasNorm(dim)

    def forward(self, x, mask, positions, rates: dict[str, float]) -> torch.Tensor:
        pre = self.pre
        weights = self.weights(pre["weights"](x), mask, positions, rates["const_attention"])
        block_input = x
        x = x + self._skip(self.ffns[0](pre["ffn0"](x)), rates["ff_skip"])
        x = x + self._skip(self.nonlin(pre["nonlin"](x), weights), rates["attention_skip"])
        x = x + self._skip(self.attn1(pre["attn1"](x), weights), rates["attention_skip"])
        x = x + self._skip(self.conv1(pre["conv1"](x), mask), rates["conv_skip"])
        x = x + self._skip(self.ffns[1](pre["ffn1"](x)), rates["ff_skip"])
        x = block_input + (x - block_input) * self._bypass_scale(rates["bypass_min"])
        x = x + self._skip(self.attn2(pre["attn2"](x), weights), rates["attention_skip"])
        x = x + self._skip(self.conv2(pre["conv2"](x), mask), rates["conv_skip"])
        x = x + self._skip(self.ffns[2](pre["ffn2"](x)), rates["ff_skip"])
        return self.norm(x)

    def _skip(self, y: torch.Tensor, rate: float) -> torch.Tensor:
        """Drop a module's output for a random ``rate`` of the sequences (training only)."""
        if not self.training or rate == 0:
            return y
        return y * (torch.rand(y.shape[0], 1, 1, device=y.device) >= rate).to(y.dtype)

    def _bypass_scale(self, low: float) -> torch.Tensor:
        """The learnt scale, kept within [scheduled minimum, 1] in training (icefall's BypassModule)."""
        return self.bypass_mid.clamp(low, 1.0) if self.training else self.bypass_mid


@register_encoder("zipformer")
class ZipformerEncoder(nn.Module):
    """(B, T, D) frame features and (B, T) mask -> (B, T, D), pads zeroed."""

    def __init__(self, config, dim: int, max_len: int):
        super().__init__()
        self.schedule_scale = config.schedule_scale
        self.positions = RotaryPositions(dim // config.heads, max_len, config.rope_base)
        self.blocks = nn.ModuleList(ZipformerBlock(config, dim) for _ in range(config.layers))
        self.register_buffer("training_step", torch.zeros((), dtype=torch.long))

    def set_training_step(self, step: int) -> None:
        self.training_step.fill_(step)

    def regulariser_rates(self) -> dict[str, float]:
        """The schedules' values at the current training step; all 0 in eval mode."""
        if not self.training:
            return dict.fromkeys(SCHEDULES, 0.0)
        step = float(self.training_step)
        return {name: scheduled(name, step, self.schedule_scale) for name in SCHEDULES}

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        positions = self.positions(x.shape[1])
        rates = self.regulariser_rates()
        for block in self.blocks:
            x = block(x, mask, positions, rates)
        return zero_pads(x, mask)
