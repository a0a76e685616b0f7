"""Causal conv + local/global attention encoder of the 0.677 TF solution (SOLUTIONS.md §7.3).

The dense embedding and its BatchNorm are the stem's (``hand_motion`` for the recipe, or any other
stem's output projection); then ``conv_blocks`` causal depthwise-conv blocks with ECA channel
attention, × √D plus a learned position embedding and a bias-free LayerNorm, then ``layers``
blocks of [``local_attentions`` × local causal attention (the current frame and ``local_window``
previous ones), one causal global attention, an MLP], every sub-layer pre-LN without centring.

Everything is causal, so the encoder streams: :meth:`ConvLocalGlobalEncoder.stream` takes a chunk
of any length and the state left by the previous chunk (conv inputs, ECA running sums, attention
keys/values, the frame offset) and gives exactly the whole-sequence output of those frames. ECA
pools over the frames seen so far (a running mean), not over the whole sequence as the reference's
global pooling did, which would look into the future. The global attention remembers at most
``max_len`` frames (the position table's length).

Padding at the end of a batch cannot reach real frames through causal layers; BatchNorm statistics
count real frames only (:class:`~signa.models.layers.MaskedBatchNorm`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from signa.models.encoders import register_encoder
from signa.models.layers import MaskedBatchNorm, zero_pads

CONV_EXPANSION = 2  # Dense 512 around the depthwise conv at d = 256
ECA_KERNEL = 5


class DropSample(nn.Module):
    """Drop a residual branch for whole samples (Keras dropout with noise_shape (B, 1, 1))."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape[0], 1, 1, device=x.device) >= self.p
        return x * keep.to(x.dtype) / (1 - self.p)


class CausalConvBlock(nn.Module):
    """Dense → causal depthwise conv → BN → causal ECA → Dense, dropped per sample, residual.

    State: the last ``kernel - 1`` depthwise inputs (B, K-1, C) and the ECA running sum (B, C).
    """

    def __init__(self, dim: int, kernel: int, dropout: float, bn_momentum: float):
        super().__init__()
        hidden = CONV_EXPANSION * dim
        self.kernel = kernel
        self.expand = nn.Linear(dim, hidden)
        self.depthwise = nn.Conv1d(hidden, hidden, kernel, groups=hidden, bias=False)
        self.norm = MaskedBatchNorm(hidden, momentum=bn_momentum)
        self.eca = nn.Conv1d(1, 1, ECA_KERNEL, padding=ECA_KERNEL // 2, bias=False)
        self.project = nn.Linear(hidden, dim)
        self.drop = DropSample(dropout)

    def initial_state(self, batch: int, like: torch.Tensor) -> list[torch.Tensor]:
        hidden = self.expand.out_features
        return [like.new_zeros(batch, self.kernel - 1, hidden), like.new_zeros(batch, hidden)]

    def forward(self, x, mask, state, offset):
        """x (B, T, D), state [conv inputs, ECA sum], offset (frames seen) -> (B, T, D), new state."""
        past, eca_sum = state
        h = torch.cat([past, zero_pads(F.silu(self.expand(x)), mask)], dim=1)  # (B, K-1+T, C)
        new_past = h[:, h.shape[1] - (self.kernel - 1) :]
        h = self.depthwise(h.transpose(1, 2)).transpose(1, 2)  # (B, T, C), causal: left context only
        h = self.norm(h, mask)
        h, new_sum = self._eca(h, mask, eca_sum, offset)
        return x + self.drop(self.project(h)), [new_past, new_sum]

    def _eca(self, h, mask, eca_sum, offset):
        """Channel gate from the running mean over frames seen so far (causal ECA)."""
        sums = eca_sum.unsqueeze(1) + zero_pads(h, mask).cumsum(1)  # (B, T, C)
        count = offset + torch.arange(1, h.shape[1] + 1, device=h.device, dtype=h.dtype)  # (T,)
        mean = sums / count[:, None]
        gate = torch.sigmoid(self.eca(mean.reshape(-1, 1, mean.shape[-1]))).reshape(mean.shape)
        return h * gate, sums[:, -1]


class CausalAttention(nn.Module):
    """Causal multi-head attention over its cached keys and the chunk; ``window`` limits how far back.

    The cache holds the last ``memory`` frames' keys and values (B, H, M, hd), right-aligned: entry
    i is frame ``offset - M + i``; entries before frame 0 are never attended.
    """

    def __init__(self, dim: int, heads: int, window: int | None, memory: int, dropout: float):
        super().__init__()
        self.heads, self.window, self.memory, self.dropout = heads, window, memory, dropout
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def initial_state(self, batch: int, like: torch.Tensor) -> list[torch.Tensor]:
        head_dim = self.qkv.in_features // self.heads
        empty = like.new_zeros(batch, self.heads, self.memory, head_dim)
        return [empty, empty.clone()]

    def forward(self, x, state, offset):
        """x (B, T, D) and the cache [keys, values], or None for a whole sequence (no cache kept)."""
        batch, length, dim = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        keys, values, memory = k, v, 0
        if state is not None:
            keys, values = torch.cat([state[0], k], dim=2), torch.cat([state[1], v], dim=2)  # (B, H, M+T, hd)
            memory = self.memory
        allowed = self._allowed(length, offset, memory)
        y = F.scaled_dot_product_attention(q, keys, values, attn_mask=allowed, dropout_p=self._dropout_p())
        new_state = None if state is None else [keys[:, :, length:], values[:, :, length:]]
        return self.out(y.transpose(1, 2).reshape(batch, length, dim)), new_state

    def _allowed(self, length: int, offset, memory: int) -> torch.Tensor:
        """(T, M+T) boolean: key frame at or before the query frame, after frame 0, inside the window."""
        query = offset + torch.arange(length, device=offset.device)
        key = torch.cat([offset - memory + torch.arange(memory, device=offset.device), query])
        back = query[:, None] - key[None, :]
        allowed = (back >= 0) & (key[None, :] >= 0)
        if self.window is not None:
            allowed = allowed & (back <= self.window)
        return allowed

    def _dropout_p(self) -> float:
        return self.dropout if self.training else 0.0


class PreNorm(nn.Module):
    """``x + module(LN(x))`` with a LayerNorm without bias (Keras ``center=False``)."""

    def __init__(self, dim: int, module: nn.Module):
        super().__init__()
        self.norm = nn.LayerNorm(dim, bias=False)
        self.module = module

    def forward(self, x: torch.Tensor, *args):
        y = self.module(self.norm(x), *args)
        if isinstance(y, tuple):
            return x + y[0], y[1]
        return x + y


class LocalGlobalBlock(nn.Module):
    """``local_attentions`` × local causal attention, one global causal attention, an MLP; pre-LN."""

    def __init__(self, config, dim: int, max_len: int):
        super().__init__()
        local = range(config.local_attentions)
        window, drop = config.local_window, config.attention_dropout
        self.attentions = nn.ModuleList(
            [PreNorm(dim, CausalAttention(dim, config.heads, window, window, drop)) for _ in local]
            + [PreNorm(dim, CausalAttention(dim, config.heads, None, max_len, drop))]
        )
        hidden = dim * config.ffn_expansion
        mlp = nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.GELU(), nn.Linear(hidden, dim, bias=False))
        self.mlp = PreNorm(dim, nn.Sequential(mlp, nn.Dropout(config.dropout)))

    def initial_state(self, batch: int, like: torch.Tensor) -> list[torch.Tensor]:
        return [t for a in self.attentions for t in a.module.initial_state(batch, like)]

    def forward(self, x, state, offset):
        """``state``: the attentions' caches, flat [k, v, k, v, ...], or None for a whole sequence."""
        new_state = []
        for i, attention in enumerate(self.attentions):
            x, kv = attention(x, None if state is None else state[2 * i : 2 * i + 2], offset)
            new_state += kv or []
        return self.mlp(x), new_state


@register_encoder("conv-local-global")
class ConvLocalGlobalEncoder(nn.Module):
    """(B, T, D) frame features and (B, T) mask -> (B, T, D), pads zeroed; streams chunk by chunk."""

    def __init__(self, config, dim: int, max_len: int):
        super().__init__()
        self.max_len = max_len
        self.convs = nn.ModuleList(
            CausalConvBlock(dim, config.conv_kernel, config.dropout, config.bn_momentum)
            for _ in range(config.conv_blocks)
        )
        self.positions = nn.Embedding(max_len, dim)
        self.drop = nn.Dropout(config.dropout)
        self.norm = nn.LayerNorm(dim, bias=False)
        self.blocks = nn.ModuleList(LocalGlobalBlock(config, dim, max_len) for _ in range(config.layers))

    def initial_state(self, batch: int = 1, like: torch.Tensor | None = None) -> list[torch.Tensor]:
        """State before the first frame: the offset (1,) int64, then every layer's tensors, all zero."""
        like = self.positions.weight if like is None else like
        parts = [m.initial_state(batch, like) for m in [*self.convs, *self.blocks]]
        return [torch.zeros(1, dtype=torch.long, device=like.device), *(t for p in parts for t in p)]

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        state = self.initial_state(x.shape[0], x)
        conv_state = state[1 : 1 + 2 * len(self.convs)]
        y, _ = self._run(x, mask, state[0], conv_state, None)
        return zero_pads(y, mask)

    def stream(self, x: torch.Tensor, state: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """A chunk x (B, T, D) of real frames after those summarised by ``state`` -> (B, T, D), new state."""
        split = 1 + 2 * len(self.convs)
        return self._run(x, None, state[0], state[1:split], state[split:])

    def _run(self, x, mask, offset, conv_state, block_state):
        """The encoder on frames ``offset`` onwards; ``block_state`` None: no attention caches."""
        rest, dtype_offset = list(conv_state), offset.to(x.dtype)
        new_state = []
        for conv in self.convs:
            x, conv_state = conv(x, mask, rest[:2], dtype_offset)
            rest, new_state = rest[2:], new_state + conv_state
        index = (offset + torch.arange(x.shape[1], device=x.device)).clamp_max(self.max_len - 1)
        x = self.norm(self.drop(x * x.shape[-1] ** 0.5 + self.positions(index)))
        rest = None if block_state is None else list(block_state)
        for block in self.blocks:
            width = 2 * len(block.attentions)
            x, caches = block(x, None if rest is None else rest[:width], offset)
            rest, new_state = None if rest is None else rest[width:], new_state + caches
        return x, [offset + x.shape[1], *new_state]
