"""DeBERTa-v2/v3 style disentangled relative attention, written for short landmark sequences.

One :class:`RelativeAttentionLayer` is the single-layer encoder of the isolated-sign model
(SOLUTIONS.md §5.2): relative attention with content-to-position and position-to-content terms,
keys and queries of the positions projected by the content projections (``share_att_key``), a
LayerNorm on the relative embeddings, log-bucketed relative positions, and the "moved skip" output
block ``LN(Dropout(Dense(intermediate + attention_out)))`` so the layer may change the width.

Efficiency: the relative-position bucket ids are computed once per layer for ``max_len`` and kept
as a buffer; a forward slices them to the sequence length and uses two gathers, never a Python loop.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LAYER_NORM_EPS = 1e-7  # the deberta-v3-base value


def log_bucket_positions(relative: torch.Tensor, buckets: int, max_position: int) -> torch.Tensor:
    """DeBERTa's log buckets: exact within +-buckets/2, logarithmic beyond, up to ``max_position``."""
    sign = torch.sign(relative)
    mid = buckets // 2
    near = (relative < mid) & (relative > -mid)
    distance = torch.where(near, torch.full_like(relative, mid - 1), relative.abs())
    ratio = torch.log(distance.double() / mid) / math.log((max_position - 1) / mid)
    log_position = torch.ceil(ratio * (mid - 1)).long() + mid
    return torch.where(distance <= mid, relative, log_position * sign)


def relative_position_ids(length: int, buckets: int, max_position: int) -> torch.Tensor:
    """(length, length) bucketed ``query_index - key_index``."""
    steps = torch.arange(length)
    return log_bucket_positions(steps[:, None] - steps[None, :], buckets, max_position)


class DisentangledSelfAttention(nn.Module):
    """Multi-head attention with content, c2p and p2c scores; (B, T, D) -> (B, T, D)."""

    def __init__(self, dim: int, heads: int, max_len: int, dropout: float):
        super().__init__()
        if dim % heads:
            raise ValueError(f"width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.span = max_len  # position_buckets = max_relative_positions = max_len
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)
        # Two extra score terms (c2p and p2c) share the softmax temperature, as in DeBERTa.
        self.scale = math.sqrt(dim // heads * 3)
        ids = relative_position_ids(max_len, self.span, self.span)
        self.register_buffer("c2p_index", (ids + self.span).clamp(0, 2 * self.span - 1), persistent=False)
        self.register_buffer("p2c_index", (-ids + self.span).clamp(0, 2 * self.span - 1), persistent=False)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        """(..., T, D) -> (..., H, T, D/H)."""
        return x.unflatten(-1, (self.heads, -1)).transpose(-3, -2)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, rel_embeddings: torch.Tensor) -> torch.Tensor:
        """x (B, T, D), mask (B, T) bool, rel_embeddings (2 * max_len, D) already normalised."""
        length = x.shape[1]
        if length > self.span:
            raise ValueError(f"{length} frames exceed the {self.span} this attention was built for (max_len)")
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        pos_q = self._split(self.query(rel_embeddings))  # (H, 2S, Dh)
        pos_k = self._split(self.key(rel_embeddings))

        scores = q @ k.transpose(-1, -2)  # (B, H, T, T)
        c2p_index = self.c2p_index[:length, :length].expand(*q.shape[:2], -1, -1)
        scores = scores + (q @ pos_k.transpose(-1, -2)).gather(-1, c2p_index)  # (B, H, T, T)
        p2c_index = self.p2c_index[:length, :length].expand(*k.shape[:2], -1, -1)
        scores = scores + (k @ pos_q.transpose(-1, -2)).gather(-1, p2c_index).transpose(-1, -2)
        scores = scores / self.scale

        pair = (mask[:, :, None] & mask[:, None, :]).unsqueeze(1)  # (B, 1, T, T)
        scores = scores.masked_fill(~pair, torch.finfo(scores.dtype).min)
        probs = F.softmax(scores, dim=-1).masked_fill(~pair, 0.0)  # padded queries attend to nothing
        out = self.dropout(probs) @ v  # (B, H, T, Dh)
        return out.transpose(1, 2).flatten(2)


class RelativeAttentionLayer(nn.Module):
    """One DeBERTa encoder layer with the moved skip; (B, T, dim_in) -> (B, T, dim_out).

    ``attn = LN(x + Dropout(Dense(self_attention(x))))``,
    ``out = LN(Dropout(Dense_{in->out}(Mish(Dense_{in->in}(attn)) + attn)))``.
    The layer owns its relative embeddings (each reference layer was a one-layer encoder).
    """

    def __init__(self, dim_in: int, dim_out: int, heads: int, max_len: int, dropout: float):
        super().__init__()
        self.rel_embeddings = nn.Embedding(2 * max_len, dim_in)
        self.rel_norm = nn.LayerNorm(dim_in, eps=LAYER_NORM_EPS)
        self.attention = DisentangledSelfAttention(dim_in, heads, max_len, dropout)
        self.attention_dense = nn.Linear(dim_in, dim_in)
        self.attention_norm = nn.LayerNorm(dim_in, eps=LAYER_NORM_EPS)
        self.intermediate = nn.Linear(dim_in, dim_in)
        self.activation = nn.Mish()
        self.output_dense = nn.Linear(dim_in, dim_out)
        self.output_norm = nn.LayerNorm(dim_out, eps=LAYER_NORM_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        rel = self.rel_norm(self.rel_embeddings.weight)  # (2S, D_in)
        attended = self.attention(x, mask, rel)
        attended = self.attention_norm(x + self.dropout(self.attention_dense(attended)))
        hidden = self.activation(self.intermediate(attended)) + attended  # the skip, moved before the dense
        return self.output_norm(self.dropout(self.output_dense(hidden)))  # (B, T, D_out)
