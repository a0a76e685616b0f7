"""The isolated-sign model of the 6th-place ISLR solution (SOLUTIONS.md §5.2), written from its description.

Input: ``points`` (B, T, 100, 3) standardised landmarks of :data:`signa.data.layout.SIGNS_100`
(NaN -> 0, see :mod:`signa.data.preprocess_signs`) and ``mask`` (B, T) bool. Output: (B, n_classes)
logits.

    points ──> LandmarkEmbedding (type, landmark id, two temporal convs)   (B, T, 100, 16)
           ──> part MLPs: full | max(left hand, right hand) | lips | face  (B, T, 4·D)
           ──> landmark MLP                                               (B, T, widths[0])
           ──> relative-attention layers, widths[0] → ... → widths[-1]    (B, T, widths[-1])
           ──> masked mean over frames ──> classifier                     (B, n_classes)

The stages are separate methods (:meth:`embed_frames`, ``layers``, :meth:`classify`); ``forward``
takes an optional mixing hook so training can mix hidden states before a layer (manifold mixup)
through DDP wrappers too.

Where this model differs from the reference, so that its output does not depend on padding:

* the first temporal convolution's output is zeroed on padded frames (the reference's leaked into
  the last real frames' codes, so a sequence's prediction changed with the padding after it);
* BatchNorm statistics in training come from real frames only (the reference's included padding,
  one identical vector per padded frame);
* padded frames take the padding ids (0) of the type and landmark embeddings, as in the reference.

Parameter counts with 250 classes (checked by a test, equal to the reference's):

=====================  =====  ========================  ==========
model                  dense  widths                    params
=====================  =====  ========================  ==========
distilled, max_len 25  192    512, 768, 768, 512        9,819,298
distilled, max_len 80  192    512, 576, 576, 512        6,943,394
teacher, max_len 25    512    1024, 1280, 1536, 1536    35,143,010
teacher, max_len 80    256    512, 768, 1024, 1024      13,688,418
=====================  =====  ========================  ==========

The teachers' widths are not the distilled models' "up then back down" schedule; they are the
only schedules consistent with the reference's totals and its transformer widths (1536 and 1024).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import torch
from torch import nn

from signa.data.layout import SIGNS_100
from signa.models.registry import register
from signa.models.relative_attention import RelativeAttentionLayer

N_TYPE_IDS = 9  # part ids 1-6, 0 = padding; the reference reserved 9
CONV_KERNEL = 5


def _part_indices(*names: str) -> torch.Tensor:
    parts = [part for part, name in SIGNS_100.part_names.items() if name in names]
    return torch.cat([torch.from_numpy(SIGNS_100.part_indices(p)) for p in parts])


@dataclass
class SignModelConfig:
    """Architecture of the isolated-sign model. ``widths``: input width then each layer's output width.

    ``n_classes`` None (the default) means the number of signs of the training data's label map,
    filled in by the training task; a checkpoint always records the number.
    """

    n_classes: int | None = None
    max_len: int = 25
    embed_dim: int = 16
    dense_dim: int = 192
    widths: list[int] = field(default_factory=lambda: [512, 768, 768, 512])
    heads: int = 16
    drop_rate: float = 0.05

    def __post_init__(self):
        if len(self.widths) < 2:
            raise ValueError("widths needs the input width and at least one layer width")
        if any(w % self.heads for w in self.widths[:-1]):
            raise ValueError(f"every attention width in {self.widths[:-1]} must divide by {self.heads} heads")


class PartMLP(nn.Sequential):
    """Linear, BatchNorm, Dropout, Mish applied to each real frame.

    In training, BatchNorm's statistics come from the real frames only: the reference included the
    padding frames, which all carry one identical vector and so skew the statistics towards it.
    """

    def __init__(self, dim_in: int, dim_out: int, dropout: float):
        super().__init__(nn.Linear(dim_in, dim_out), nn.BatchNorm1d(dim_out), nn.Dropout(dropout), nn.Mish())

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T, in), (B, T) -> (B, T, out); padded frames give 0 in training."""
        rows = x.flatten(0, 1)  # (B·T, in)
        if not self.training:
            return super().forward(rows).unflatten(0, x.shape[:2])
        real = mask.flatten().nonzero().squeeze(1)
        out = rows.new_zeros(len(rows), self[0].out_features)
        out = out.index_copy(0, real, super().forward(rows.index_select(0, real)).to(out.dtype))
        return out.unflatten(0, x.shape[:2])


class LandmarkEmbedding(nn.Module):
    """(B, T, K, 3) points -> (B, T, K, E): type, landmark id and a temporal-conv position code."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.register_buffer("type_ids", torch.tensor(SIGNS_100.part_ids), persistent=False)
        self.register_buffer("landmark_ids", torch.arange(1, len(SIGNS_100) + 1), persistent=False)
        self.type_embed = nn.Embedding(N_TYPE_IDS, embed_dim, padding_idx=0)
        self.type_norm = nn.LayerNorm(embed_dim)
        self.landmark_embed = nn.Embedding(len(SIGNS_100) + 1, embed_dim, padding_idx=0)
        self.landmark_norm = nn.LayerNorm(embed_dim)
        # Two convolutions over time with no activation between them, as in the reference.
        self.position_conv1 = nn.Conv1d(3, embed_dim // 2, CONV_KERNEL, padding=CONV_KERNEL // 2, bias=False)
        self.position_conv2 = nn.Conv1d(
            embed_dim // 2, embed_dim, CONV_KERNEL, padding=CONV_KERNEL // 2, bias=False
        )
        self.position_dense = nn.Linear(3 + embed_dim, embed_dim)
        self.dense = nn.Linear(3 * embed_dim, embed_dim)

    def forward(self, points: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, frames, n_points, _ = points.shape
        types = id_embedding(self.type_embed, self.type_norm, self.type_ids, mask)  # (B, T, K, E)
        landmarks = id_embedding(self.landmark_embed, self.landmark_norm, self.landmark_ids, mask)
        series = points.permute(0, 2, 3, 1).reshape(batch * n_points, 3, frames)  # (B·K, 3, T)
        # Unlike the reference, the first conv's output is zeroed on padded frames, so the real
        # frames' codes do not depend on how much padding follows them.
        frame_weight = mask.to(points.dtype).repeat_interleave(n_points, 0)[:, None]  # (B·K, 1, T)
        conv = self.position_conv2(self.position_conv1(series) * frame_weight)
        conv = conv.reshape(batch, n_points, -1, frames).permute(0, 3, 1, 2)  # (B, T, K, E)
        position = self.position_dense(torch.cat([points, conv], -1))  # (B, T, K, E)
        return self.dense(torch.cat([types, landmarks, position], -1))


def id_embedding(embed: nn.Embedding, norm: nn.LayerNorm, ids: torch.Tensor, mask: torch.Tensor):
    """``norm(embed(ids))`` (K, E) on real frames and ``norm(embed(0))``, the padding id, on padded ones.

    The same values as normalising every frame's copy of the ids (the reference's form), with the
    LayerNorm run once over the (K, E) table instead of over (B, T, K, E): at 80 frames that was the
    costliest node of the exported sign model.
    """
    real = norm(embed(ids))  # (K, E)
    padded = norm(embed.weight[embed.padding_idx])  # (E,)
    return torch.where(mask[:, :, None, None], real, padded)


class HiddenMix(Protocol):
    """Manifold mixup of hidden states before transformer layer ``layer`` (see signa.train.signs)."""

    layer: int

    def __call__(self, hidden: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...


def masked_centre(features: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Subtract from (B, T, P, E) features their mean over the present (B, T, P) frames and points."""
    weight = present.unsqueeze(-1).to(features.dtype)
    count = weight.sum((1, 2), keepdim=True).clamp(min=1)
    return features - (features * weight).sum((1, 2), keepdim=True) / count


@register("islr6")
class SignModel(nn.Module):
    """MLP landmark encoder plus DeBERTa-style frame transformer (the reference's ``SignMLPBert3``)."""

    Config = SignModelConfig

    def __init__(self, config: SignModelConfig):
        super().__init__()
        self.config = config
        e, d, widths = config.embed_dim, config.dense_dim, config.widths
        mlp_drop = config.drop_rate if d >= 256 else config.drop_rate / 2
        self.embedding = LandmarkEmbedding(e)
        for name, parts in {
            "left_hand": ("left_hand",),
            "right_hand": ("right_hand",),
            "lips": ("lips",),
            "face": ("face", "face_extra"),
        }.items():
            self.register_buffer(f"{name}_points", _part_indices(*parts), persistent=False)
        self.full_mlp = PartMLP(len(SIGNS_100) * e, d, mlp_drop)
        self.left_hand_mlp = PartMLP(len(self.left_hand_points) * e, d, mlp_drop)
        self.right_hand_mlp = PartMLP(len(self.right_hand_points) * e, d, mlp_drop)
        self.lips_mlp = PartMLP(len(self.lips_points) * e, d, mlp_drop)
        self.face_mlp = PartMLP(len(self.face_points) * e, d, mlp_drop)
        self.landmark_mlp = PartMLP(4 * d, widths[0], mlp_drop)
        # Layer 1 keeps drop_rate; later layers double it when the width grew (SOLUTIONS.md §5.2).
        grew = max(widths) > widths[0]
        self.layers = nn.ModuleList(
            RelativeAttentionLayer(
                w_in, w_out, config.heads, config.max_len, config.drop_rate * (2 if i and grew else 1)
            )
            for i, (w_in, w_out) in enumerate(zip(widths[:-1], widths[1:], strict=False))
        )
        if config.n_classes is None:
            raise ValueError(
                "n_classes is not set: give model.n_classes (training takes it from the label map)"
            )
        self.classifier = nn.Linear(widths[-1], config.n_classes)

    def _part(self, mlp: PartMLP, features, present, mask, points: torch.Tensor) -> torch.Tensor:
        """Centred part features (B, T, P·E) through its MLP -> (B, T, D)."""
        part_present = present.index_select(2, points) & mask[:, :, None]
        centred = masked_centre(features.index_select(2, points), part_present)
        return mlp(centred.flatten(2), mask)

    def embed_frames(self, points: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T, 100, 3), (B, T) -> per-frame features (B, T, widths[0])."""
        points = points * mask[:, :, None, None]  # padding must not reach the temporal convolutions
        features = self.embedding(points, mask)  # (B, T, 100, E)
        present = (points != 0).any(-1)  # NaN became 0: a point exactly at the mean reads as missing
        hands = torch.maximum(
            self._part(self.left_hand_mlp, features, present, mask, self.left_hand_points),
            self._part(self.right_hand_mlp, features, present, mask, self.right_hand_points),
        )
        parts = [
            self.full_mlp(features.flatten(2), mask),
            hands,
            self._part(self.lips_mlp, features, present, mask, self.lips_points),
            self._part(self.face_mlp, features, present, mask, self.face_points),
        ]
        return self.landmark_mlp(torch.cat(parts, -1), mask)

    def classify(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Masked mean over frames of (B, T, W), then the classifier -> (B, n_classes)."""
        weight = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weight).sum(1) / weight.sum(1).clamp(min=1)
        return self.classifier(pooled)

    def forward(self, points: torch.Tensor, mask: torch.Tensor, mix: HiddenMix | None = None) -> torch.Tensor:
        """Logits (B, n_classes). ``mix`` (training only) mixes the hidden states before its layer."""
        hidden = self.embed_frames(points, mask)
        for index, layer in enumerate(self.layers):
            if mix is not None and mix.layer == index:
                hidden, mask = mix(hidden, mask)
            hidden = layer(hidden, mask)
        return self.classify(hidden, mask)
