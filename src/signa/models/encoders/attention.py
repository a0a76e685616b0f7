"""Self-attention for encoders, one class per kind of position information.

Each kind pairs a positions module (computed once per forward and shared by all layers) with an
attention module taking ``(x, key_mask, positions)``; :data:`ATTENTIONS` maps the config name
(``attention: rope | relative``) to the pair.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from signa.models.layers import RotaryPositions, apply_rotary, sinusoid_table


def attention_mask(key_mask: torch.Tensor | None) -> torch.Tensor | None:
    """(B, T) real-frame mask -> (B, 1, 1, T) boolean mask for ``scaled_dot_product_attention``."""
    return None if key_mask is None else key_mask[:, None, None, :]


class RotarySelfAttention(nn.Module):
    """LLaMA-style attention: bias-free q/k/v/o projections, RoPE on queries and keys.

    q, k and v are one fused ``Linear(d, 3d)`` (the same parameters as three ``Linear(d, d)``).
    The reference configured attention dropout but never applied it; ``dropout`` is kept for
    configs that want it and is 0 in cfg_2.
    """

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim, bias=False)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None, positions) -> torch.Tensor:
        batch, length, dim = x.shape
        cos, sin = positions
        qkv = self.qkv(x).view(batch, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        qk = apply_rotary(qkv[:2], cos, sin)  # (2, B, H, T, hd)
        y = F.scaled_dot_product_attention(
            qk[0], qk[1], qkv[2], attn_mask=attention_mask(key_mask), dropout_p=self._dropout_p()
        )  # (B, H, T, hd)
        return self.out(y.transpose(1, 2).reshape(batch, length, dim))

    def _dropout_p(self) -> float:
        return self.dropout if self.training else 0.0


class RotaryTables(nn.Module):
    """Positions module of :class:`RotarySelfAttention`: the shared cos/sin tables."""

    def __init__(self, dim: int, heads: int, max_positions: int, base: float = 10000.0):
        super().__init__()
        self.tables = RotaryPositions(dim // heads, max_positions, base)

    def forward(self, length: int):
        return self.tables(length)


class RelativeSelfAttention(nn.Module):
    """Transformer-XL relative-position attention (cfg_1): q/k/v/o with bias, ``pos_proj``, u and v.

    score(i, j) = (q_i + u)·k_j + (q_i + v)·W_pos r_{i-j}, scaled by 1/sqrt(head_dim). The position
    term enters ``scaled_dot_product_attention`` as an additive mask.
    """

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        head_dim = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.pos_proj = nn.Linear(dim, dim, bias=False)
        self.u_bias = nn.Parameter(torch.zeros(heads, head_dim))
        self.v_bias = nn.Parameter(torch.zeros(heads, head_dim))
        nn.init.xavier_uniform_(self.u_bias)
        nn.init.xavier_uniform_(self.v_bias)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None, positions) -> torch.Tensor:
        batch, length, dim = x.shape
        head_dim = dim // self.heads
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        pos = (
            self.pos_proj(positions.to(x.dtype)).view(-1, self.heads, head_dim).transpose(0, 1)
        )  # (H, 2T-1, hd)
        pos_scores = (q + self.v_bias[:, None].to(x.dtype)) @ pos.transpose(-1, -2)  # (B, H, T, 2T-1)
        bias = relative_shift(pos_scores) * head_dim**-0.5  # (B, H, T, T)
        if key_mask is not None:
            bias = bias.masked_fill(~key_mask[:, None, None, :], torch.finfo(bias.dtype).min)
        y = F.scaled_dot_product_attention(
            q + self.u_bias[:, None].to(x.dtype),
            k,
            v,
            attn_mask=bias,
            dropout_p=self.dropout if self.training else 0.0,
        )
        return self.out(y.transpose(1, 2).reshape(batch, length, dim))


def relative_shift(scores: torch.Tensor) -> torch.Tensor:
    """(..., T, 2T-1) scores over relative positions T-1 ... -(T-1) -> (..., T, T) with [i, j] = i - j."""
    *lead, length, width = scores.shape
    padded = F.pad(scores, (1, 0))  # (..., T, 2T)
    shifted = padded.reshape(*lead, width + 1, length)[..., 1:, :]  # (..., 2T-1, T)
    return shifted.reshape(*lead, length, width)[..., :length]


class RelativeTables(nn.Module):
    """Positions module of :class:`RelativeSelfAttention`: sinusoids of positions T-1 ... -(T-1)."""

    def __init__(self, dim: int, heads: int, max_positions: int, base: float = 10000.0):
        super().__init__()
        self.max_positions = max_positions
        table = sinusoid_table(2 * max_positions - 1, dim, reverse_from=max_positions - 1)
        self.register_buffer("table", table, persistent=False)

    def forward(self, length: int) -> torch.Tensor:
        """(2·length - 1, dim) rows for relative positions length-1 down to -(length-1)."""
        start = self.max_positions - length
        return self.table[start : start + 2 * length - 1]


ATTENTIONS = {
    "rope": (RotaryTables, RotarySelfAttention),
    "relative": (RelativeTables, RelativeSelfAttention),
}
