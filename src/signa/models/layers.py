"""A small vocabulary of layers shared by SIGNA's models, all channels-last ``(B, T, ..., C)``.

Masks are ``(B, T)`` booleans, True on real frames, or ``None`` when every frame is real (batch-1
inference), in which case the masking work is skipped. Masking is done with multiplications and
weighted sums, never boolean indexing: that keeps the shapes static, the hot path free of gathers
and the modules exportable to ONNX and TFLite.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from signa.data.preprocess import finite


def zero_pads(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """``x`` (B, T, ...) with the padded frames set to 0."""
    if mask is None:
        return x
    return x * mask.reshape(mask.shape + (1,) * (x.dim() - mask.dim())).to(x.dtype)


def finite_or_zero(x: torch.Tensor) -> torch.Tensor:
    """NaN and ±inf replaced by 0 (``where`` instead of ``nan_to_num``, which converters lack)."""
    return torch.where(finite(x), x, torch.zeros((), dtype=x.dtype, device=x.device))


class MaskedBatchNorm(nn.Module):
    """BatchNorm over the last (channel) axis whose batch statistics come from real frames only.

    Same parameters and buffers as ``nn.BatchNorm1d(channels)``. ``mask`` is (B, T) and covers the
    leading axes of ``x`` (B, T, ..., C); the axes between T and C (e.g. landmarks) all count.
    PyTorch's convention for ``momentum``: the weight of the new batch in the running statistics.
    """

    def __init__(self, channels: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.momentum = momentum
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def extra_repr(self) -> str:
        return f"{self.weight.numel()}, momentum={self.momentum}, statistics over real frames"

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.training:
            mean, var = self._batch_statistics(x, mask)
        else:
            mean, var = self.running_mean, self.running_var
        scale = self.weight * torch.rsqrt(var + self.eps)
        shift = self.bias - mean * scale
        return x * scale.to(x.dtype) + shift.to(x.dtype)

    def _batch_statistics(self, x: torch.Tensor, mask: torch.Tensor | None):
        dims = tuple(range(x.dim() - 1))
        values = x.float()
        if mask is None:
            count = torch.tensor(float(values[..., 0].numel()), device=x.device)
            mean = values.mean(dims)
            var = (values - mean).square().mean(dims)
        else:
            weight = mask.reshape(mask.shape + (1,) * (x.dim() - mask.dim())).to(values.dtype)
            count = weight.expand(values.shape[:-1] + (1,)).sum().clamp_min(1.0)
            mean = (values * weight).sum(dims) / count
            var = ((values - mean).square() * weight).sum(dims) / count
        with torch.no_grad():
            unbiased = var * count / (count - 1).clamp_min(1.0)
            self.running_mean.lerp_(mean.detach(), self.momentum)
            self.running_var.lerp_(unbiased.detach(), self.momentum)
            self.num_batches_tracked += 1
        return mean, var


class ScaleBias(nn.Module):
    """Squeezeformer's learnable per-channel ``x * scale + bias`` (init 1 and 0) before each module."""

    def __init__(self, dim: int):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))

    def extra_repr(self) -> str:
        return str(self.scale.numel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.bias.to(x.dtype), x, self.scale.to(x.dtype))


class FeedForward(nn.Module):
    """Linear → activation → dropout → Linear → dropout (timm ``Mlp`` shape)."""

    def __init__(
        self,
        dim: int,
        hidden: int,
        activation: type[nn.Module] = nn.SiLU,
        dropout: float = 0.0,
        inner_dropout: float | None = None,
    ):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = activation()
        self.drop1 = nn.Dropout(dropout if inner_dropout is None else inner_dropout)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class ConvModule(nn.Module):
    """Squeezeformer convolution: pointwise → GLU → depthwise → masked BN → Swish → pointwise.

    The pointwise convolutions are ``nn.Linear`` on channels-last frames (the same parameters as
    a kernel-1 ``Conv1d``, without transposes). Padded frames are zeroed *after* the GLU, right
    before the depthwise convolution: the reference zeroes them before the first pointwise
    convolution, whose bias makes them non-zero again, so padding leaked into the last real frames
    through the 51-frame kernel and a sequence gave different outputs alone and in a padded batch.
    """

    def __init__(self, dim: int, kernel_size: int, dropout: float = 0.0, bn_momentum: float = 0.1):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"conv kernel size must be odd, got {kernel_size}")
        self.pointwise1 = nn.Linear(dim, 2 * dim)
        self.depthwise = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim, bias=False)
        self.norm = MaskedBatchNorm(dim, momentum=bn_momentum)
        self.pointwise2 = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = F.glu(self.pointwise1(x), dim=-1)  # (B, T, D)
        x = depthwise_conv(zero_pads(x, mask), self.depthwise)  # (B, T, D)
        x = F.silu(self.norm(x, mask))
        return zero_pads(self.dropout(self.pointwise2(x)), mask)


def depthwise_conv(x: torch.Tensor, conv: nn.Conv1d) -> torch.Tensor:
    """Depthwise ``conv`` over time of channels-last ``x`` (B, T, D) -> (B, T, D).

    Run as a 2-D convolution of height 1 on the (B, D, 1, T) view of ``x``, whose strides are
    already channels-last: oneDNN's channels-last depthwise kernel is ~40× faster on CPU than
    ``Conv1d`` on a (B, D, T) tensor, and no transpose is copied either way. Same weights.
    """
    if x.device.type == "cpu" and (x.dtype == torch.bfloat16 or torch.is_autocast_enabled("cpu")):
        # oneDNN (torch 2.13) JIT-compiles its bf16 depthwise kernel anew on every call when it runs on
        # more than one thread: seconds per call, measured. The convolution costs ~0.1 ms in fp32.
        with torch.autocast("cpu", enabled=False):
            return depthwise_conv(x.float(), conv).to(x.dtype)
    weight = conv.weight.unsqueeze(2).to(x.dtype)  # (D, 1, 1, K)
    padding = (0, conv.padding[0])
    bias = None if conv.bias is None else conv.bias.to(x.dtype)  # a bias once a BatchNorm is folded in
    y = F.conv2d(x.transpose(1, 2).unsqueeze(2), weight, bias, 1, padding, 1, conv.groups)  # (B, D, 1, T)
    return y.squeeze(2).transpose(1, 2)


class RotaryPositions(nn.Module):
    """RoPE tables computed once per model and shared by every attention layer.

    LLaMA's rotate-half layout: channel i pairs with channel i + head_dim/2. The sine table
    carries the sign of the rotation, so applying it is two multiply-adds and one concatenation.
    """

    def __init__(self, head_dim: int, max_positions: int, base: float = 10000.0):
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"RoPE needs an even head dimension, got {head_dim}")
        inv_freq = 1.0 / base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
        angles = torch.outer(torch.arange(max_positions, dtype=torch.float64), inv_freq)
        self.register_buffer("cos", torch.cat([angles.cos(), angles.cos()], -1).float(), persistent=False)
        self.register_buffer("sin", torch.cat([-angles.sin(), angles.sin()], -1).float(), persistent=False)

    def forward(self, length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(cos, signed sin), each (length, head_dim)."""
        return self.cos[:length], self.sin[:length]


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate ``x`` (..., T, head_dim) by the tables of :class:`RotaryPositions`."""
    half = x.shape[-1] // 2
    swapped = torch.cat([x[..., half:], x[..., :half]], dim=-1)
    return x * cos.to(x.dtype) + swapped * sin.to(x.dtype)


def sinusoid_table(positions: int, dim: int, reverse_from: int | None = None) -> torch.Tensor:
    """(positions, dim) fairseq-style table: sines in the first half, cosines in the second.

    With ``reverse_from=r`` row i encodes position r - i (relative positions counting down).
    """
    half = dim // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float64) * -(math.log(10000.0) / max(half - 1, 1)))
    index = torch.arange(positions, dtype=torch.float64)
    if reverse_from is not None:
        index = reverse_from - index
    angles = index[:, None] * freq[None, :]
    table = torch.cat([angles.sin(), angles.cos()], dim=1)
    if dim % 2:
        table = F.pad(table, (0, 1))
    return table.float()
