"""Pre-LN transformer decoder with an untied LM head (the Speech2Text decoder of SOLUTIONS.md §2.6).

Token embeddings × √d plus fixed fairseq-style sinusoidal positions, dropout, pre-LN layers of
causal self-attention, cross-attention over the encoder and a ReLU FFN, a final LayerNorm and a
bias-free ``Linear(d → vocab)``. Positions are the token index: the reference's
``cumsum(non-pad) + pad_id`` offset made the positions depend on the pad id (starting at 60) by
accident, and any fixed offset of a sinusoid table is equivalent for a model trained from scratch.

Key/value cache: :meth:`TransformerDecoder.step` feeds one token, appends its self-attention
keys and values to the cache (one more row per step) and reuses the cross-attention keys and
values that :meth:`TransformerDecoder.cross_kv` computed once from the encoder output.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from signa.models.decoders import register_decoder
from signa.models.encoders.attention import attention_mask
from signa.models.layers import FeedForward, sinusoid_table

KV = tuple[torch.Tensor, torch.Tensor]
EMBED_INIT_STD = 0.02


def split_heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, L, D) -> (B, H, L, D/H)."""
    batch, length, dim = x.shape
    return x.view(batch, length, heads, dim // heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, L, hd) -> (B, L, H·hd)."""
    batch, heads, length, head_dim = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_dim)


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ffn_dim: int, dropout: float, attn_dropout: float, act_dropout):
        super().__init__()
        self.heads = heads
        self.attn_dropout = attn_dropout
        self.self_norm = nn.LayerNorm(dim)
        self.self_qkv = nn.Linear(dim, 3 * dim)
        self.self_out = nn.Linear(dim, dim)
        self.cross_norm = nn.LayerNorm(dim)
        self.cross_q = nn.Linear(dim, dim)
        self.cross_kv = nn.Linear(dim, 2 * dim)
        self.cross_out = nn.Linear(dim, dim)
        self.ffn_norm = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim, ffn_dim, nn.ReLU, dropout, inner_dropout=act_dropout)
        self.dropout = nn.Dropout(dropout)

    def encoder_kv(self, enc: torch.Tensor) -> KV:
        """Cross-attention keys and values (B, H, T, hd) of the encoder output."""
        k, v = self.cross_kv(enc).chunk(2, dim=-1)
        return split_heads(k, self.heads), split_heads(v, self.heads)

    def forward(
        self,
        x: torch.Tensor,
        cross: KV,
        enc_mask: torch.Tensor | None,
        cache: KV | None = None,
    ) -> tuple[torch.Tensor, KV]:
        """x (B, L, D) -> (B, L, D) and the self-attention (keys, values) including x's tokens.

        Without ``cache`` the L tokens attend causally to each other (teacher forcing or the
        first step); with it, x is the next token and attends to the cache and itself.
        """
        q, k, v = (split_heads(t, self.heads) for t in self.self_qkv(self.self_norm(x)).chunk(3, dim=-1))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self._p(), is_causal=cache is None)
        x = x + self.dropout(self.self_out(merge_heads(y)))
        q = split_heads(self.cross_q(self.cross_norm(x)), self.heads)
        y = F.scaled_dot_product_attention(q, *cross, attn_mask=attention_mask(enc_mask), dropout_p=self._p())
        x = x + self.dropout(self.cross_out(merge_heads(y)))
        return x + self.ffn(self.ffn_norm(x)), (k, v)

    def step(
        self, x: torch.Tensor, cross: KV, enc_mask: torch.Tensor | None, cache: KV | None
    ) -> tuple[torch.Tensor, KV]:
        """:meth:`forward` for one new token on 2-D rows: x (B, D) -> (B, D), cache + its keys/values.

        With one query per row, splitting and merging heads are plain reshapes (no transposes) and
        every ``Linear`` is a 2-D matrix product: in an unrolled 33-step export this removes ~600
        reshape/transpose nodes, each a fixed cost at batch 1.
        """
        batch, dim = x.shape
        heads = (batch, self.heads, 1, dim // self.heads)
        q, k, v = (t.reshape(heads) for t in self.self_qkv(self.self_norm(x)).chunk(3, dim=-1))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self._p())  # (B, H, 1, hd)
        x = x + self.dropout(self.self_out(y.reshape(batch, dim)))
        q = self.cross_q(self.cross_norm(x)).reshape(heads)
        y = F.scaled_dot_product_attention(q, *cross, attn_mask=attention_mask(enc_mask), dropout_p=self._p())
        x = x + self.dropout(self.cross_out(y.reshape(batch, dim)))
        return x + self.ffn(self.ffn_norm(x)), (k, v)

    def _p(self) -> float:
        return self.attn_dropout if self.training else 0.0


@register_decoder("transformer")
class TransformerDecoder(nn.Module):
    def __init__(self, config, dim: int, vocab_size: int, max_positions: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim)
        # HF Speech2Text initialises embeddings N(0, init_std = 0.02). PyTorch's N(0, 1), times √d,
        # makes token embeddings ~50x larger than the cross-attention output, and a small model then
        # learns a pure language model and ignores the encoder for hundreds of steps.
        nn.init.normal_(self.embed.weight, std=EMBED_INIT_STD)
        self.embed_scale = math.sqrt(dim)
        self.register_buffer("positions", sinusoid_table(max_positions, dim), persistent=False)
        self.dropout = nn.Dropout(config.dropout)
        self.layers = nn.ModuleList(
            DecoderLayer(
                dim,
                config.heads,
                config.ffn_dim,
                config.dropout,
                config.attention_dropout,
                config.activation_dropout,
            )
            for _ in range(config.layers)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size, bias=False)

    def forward(self, tokens: torch.Tensor, enc: torch.Tensor, enc_mask: torch.Tensor | None) -> torch.Tensor:
        """Teacher forcing: tokens (B, L), enc (B, T, D), enc_mask (B, T) -> logits (B, L, V)."""
        x = self._embed(tokens, self.positions[: tokens.shape[1]])
        for layer in self.layers:
            x, _ = layer(x, layer.encoder_kv(enc), enc_mask)
        return self.head(self.norm(x))

    def cross_kv(self, enc: torch.Tensor) -> list[KV]:
        """Per-layer cross-attention keys and values, computed once per decoded batch."""
        return [layer.encoder_kv(enc) for layer in self.layers]

    def step(
        self,
        token: torch.Tensor,
        position: int,
        cache: list[KV] | None,
        cross: list[KV],
        enc_mask: torch.Tensor | None,
    ) -> tuple[torch.Tensor, list[KV]]:
        """One cached step: token (B, 1) at ``position`` -> next-token logits (B, V), new cache.

        ``cache`` is None at position 0, then the list returned by the previous step (per layer,
        keys and values of shape (B, H, position, hd)).
        """
        x = self._embed(token[:, -1], self.positions[position])  # (B, D)
        new_cache = []
        for i, layer in enumerate(self.layers):
            x, kv = layer.step(x, cross[i], enc_mask, None if cache is None else cache[i])
            new_cache.append(kv)
        return self.head(self.norm(x)), new_cache

    def _embed(self, tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) * self.embed_scale + positions.to(self.embed.weight.dtype)
        return self.dropout(x)
