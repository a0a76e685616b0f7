"""The Squeezeformer encoder of the 1st-place fingerspelling solution (SOLUTIONS.md §2.6).

Post-LN blocks without time reduction, each module preceded by a learnable scale and bias::

    x = LN(x + MHSA(x*s1 + b1));  x = LN(x + FFN(x*s2 + b2))
    x = LN(x + Conv(x*s3 + b3));  x = LN(x + FFN(x*s4 + b4))

LayerNorm acts frame by frame, so a plain LayerNorm over padded frames leaves the real frames
exactly as the reference's pad-skipping LayerNorm does; padded frames are kept out of attention
keys and of the convolution and its BatchNorm, and zeroed at the output.
"""

from __future__ import annotations

import torch
from torch import nn

from signa.models.encoders import register_encoder
from signa.models.encoders.attention import ATTENTIONS
from signa.models.layers import ConvModule, FeedForward, ScaleBias, zero_pads


class SqueezeformerBlock(nn.Module):
    def __init__(self, config, dim: int):
        super().__init__()
        attention = ATTENTIONS[config.attention][1]
        hidden = dim * config.ffn_expansion
        self.pre_attn, self.pre_ffn1, self.pre_conv, self.pre_ffn2 = (ScaleBias(dim) for _ in range(4))
        self.attn = attention(dim, config.heads, config.attention_dropout)
        self.ffn1 = FeedForward(dim, hidden, nn.SiLU, config.dropout)
        self.conv = ConvModule(dim, config.conv_kernel, config.dropout, config.bn_momentum)
        self.ffn2 = FeedForward(dim, hidden, nn.SiLU, config.dropout)
        self.norm_attn, self.norm_ffn1, self.norm_conv, self.norm_ffn2 = (nn.LayerNorm(dim) for _ in range(4))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, positions) -> torch.Tensor:
        x = self.norm_attn(x + self.attn(self.pre_attn(x), mask, positions))
        x = self.norm_ffn1(x + self.ffn1(self.pre_ffn1(x)))
        x = self.norm_conv(x + self.conv(self.pre_conv(x), mask))
        return self.norm_ffn2(x + self.ffn2(self.pre_ffn2(x)))


@register_encoder("squeezeformer")
class SqueezeformerEncoder(nn.Module):
    """(B, T, D) frame features and (B, T) mask -> (B, T, D), pads zeroed."""

    def __init__(self, config, dim: int, max_len: int):
        super().__init__()
        positions = ATTENTIONS[config.attention][0]
        self.positions = positions(dim, config.heads, max_len, config.rope_base)
        self.blocks = nn.ModuleList(SqueezeformerBlock(config, dim) for _ in range(config.layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        positions = self.positions(x.shape[1])
        for block in self.blocks:
            x = block(x, mask, positions)
        return zero_pads(x, mask)
