"""Landmark stems: (B, T, K, 3) normalised landmarks -> (B, T, D) frame features.

The ``landmark_parts`` stem of the 1st-place solution (SOLUTIONS.md §2.3 step 6 and §2.6): one
feature extractor over all K points (D channels) plus, optionally, one per body part over that
part's points renormalised frame by frame (D / parts channels each, concatenated); the two are
added. cfg_1 uses the all-points extractor alone (``parts: []``). The ``hand_motion`` stem is the 0.677
solution's: hand x, y and their displacements (SOLUTIONS.md §7.1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from signa.models.encoders import register_stem
from signa.models.layers import MaskedBatchNorm, finite_or_zero, zero_pads


class LandmarkFeatureExtractor(nn.Module):
    """(B, T, n, 3) -> (B, T, out): conv over (time, point), BN + SiLU, flatten, linear, masked BN.

    Conv2d(3 → C, 3×3, stride (1, 2)) runs over frames and points; padded frames hold zeros, which
    is exactly what the convolution's own zero padding shows a sequence's last frame when it runs
    alone. Both BatchNorms take their statistics from real frames only (the reference's 2-D
    BatchNorm also counted padded frames).
    """

    def __init__(self, n_points: int, out_dim: int, channels: int, bn_momentum: float):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, stride=(1, 2), padding=1, bias=False)
        self.conv_norm = MaskedBatchNorm(channels)
        self.proj = nn.Linear(channels * ((n_points + 1) // 2), out_dim, bias=False)
        self.norm = MaskedBatchNorm(out_dim, momentum=bn_momentum)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        h = self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)  # (B, T, n/2, C)
        h = F.silu(self.conv_norm(h, mask))
        h = self.proj(h.flatten(2))  # (B, T, out)
        return zero_pads(self.norm(h, mask), mask)


def renormalise_part(x: torch.Tensor) -> torch.Tensor:
    """Standardise each frame's coordinates over the part's points; missing points become 0.

    ``x`` (B, T, n, 3) is globally normalised with missing points at 0. Statistics use the
    population std over the part's n points as in the reference; a fully missing part gives 0/0,
    which becomes 0, and points whose globally normalised x + y is 0 are zeroed again afterwards.
    """
    mean = x.mean(2, keepdim=True)
    std = x.std(2, keepdim=True, correction=0)
    part = finite_or_zero((x - mean) / std)
    present = (x[..., 0] + x[..., 1] != 0).unsqueeze(-1)  # (B, T, n, 1)
    return part * present.to(part.dtype)


@register_stem("landmark_parts")
class LandmarkPartsStem(nn.Module):
    def __init__(self, config, dim: int, selection):
        super().__init__()
        self.extract_all = LandmarkFeatureExtractor(len(selection), dim, config.channels, config.bn_momentum)
        names = {name: part for part, name in selection.part_names.items()}
        part_dim = dim // len(config.parts) if config.parts else 0
        self.part_names = tuple(config.parts)
        self.extract_parts = nn.ModuleList()
        for name in config.parts:
            indices = torch.as_tensor(selection.part_indices(names[name]), dtype=torch.long)
            self.register_buffer(f"points_{name}", indices, persistent=False)
            self.extract_parts.append(
                LandmarkFeatureExtractor(len(indices), part_dim, config.channels, config.bn_momentum)
            )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """(B, T, K, 3) globally normalised landmarks -> (B, T, D)."""
        x = zero_pads(finite_or_zero(x), mask)
        features = self.extract_all(x, mask)
        if not self.part_names:
            return features
        parts = [
            extract(renormalise_part(x.index_select(2, getattr(self, f"points_{name}"))), mask)
            for name, extract in zip(self.part_names, self.extract_parts, strict=True)
        ]
        return features + torch.cat(parts, dim=-1)


@register_stem("hand_motion")
class HandMotionStem(nn.Module):
    """The 0.677 solution's features (SOLUTIONS.md §7.1) and dense embedding: the points of ``parts``
    (the hands) in x and y, with their one- and two-frame displacements, → Linear → masked BatchNorm.

    The displacements look back (x[t] − x[t−1], x[t] − x[t−2], zero before the first frame) where the
    reference looked ahead, so the stem stays causal and a stream needs no future frames.
    """

    def __init__(self, config, dim: int, selection):
        super().__init__()
        names = {name: part for part, name in selection.part_names.items()}
        indices = [i for name in config.parts for i in selection.part_indices(names[name])]
        self.register_buffer("points", torch.as_tensor(indices, dtype=torch.long), persistent=False)
        self.proj = nn.Linear(len(indices) * 2 * 3, dim, bias=False)
        self.norm = MaskedBatchNorm(dim, momentum=config.bn_momentum)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """(B, T, K, 3) globally normalised landmarks -> (B, T, D)."""
        xy = zero_pads(finite_or_zero(x.index_select(2, self.points)[..., :2]), mask).flatten(2)  # (B, T, 2n)
        features = [xy] + [xy - F.pad(xy, (0, 0, lag, 0))[:, : xy.shape[1]] for lag in (1, 2)]
        return zero_pads(self.norm(self.proj(torch.cat(features, dim=-1)), mask), mask)
