"""Fingerspelling augmentations of the 1st-place solution (SOLUTIONS.md §2.5), seeded and tested.

Every transform takes a ``(T, K, 3)`` float tensor of *globally normalised* landmarks of a
:class:`~signa.data.layout.Selection` (by default the 130 fingerspelling points) in which missing
points are exact zeros, and a ``torch.Generator`` (see :mod:`signa.data.augment.base`). Points that
are missing stay zero under every transform, so the model's "x + y == 0 means missing" rule keeps
working. The part indices (hands, face, pose) come from the selection, never from literal lists.

:func:`build_fingerspelling_augment` assembles the cfg_2 pipeline in the reference order; the dataset
calls :func:`outer_cutmix` (same signer, p = 0.5) *before* it. Effective probabilities per sample with
the default config (cfg_2):

====================  =========================================================================
flip                  0.5
resample              0.8 (rate U(0.3, 2.0), nearest)
dynamic resample      0.25 (20-29 chunks, each rate U(0.9, 1.1))
time shift            0.5 (shift uniform in -10..9)
spatial affine        0.75
fingers drop          0.75 (2 windows of 25-50 %, 2-5 distinct fingers each)
part drop             pose 0.265, face 0.189, both hands 0.091, none 0.455
temporal mask         0.5: 1 block of 20-40 %, 2 of 10-20 % or 4 of 5-10 %, 1/6 each
spatial mask          0.5 (one box of 5-10 % of the xy extent)
====================  =========================================================================

Where this module deliberately differs from the reference code (each is documented where it lives):

* ``SpatialMask`` acts. The reference builds the masked tensor and returns its input (§2.12.1).
* ``FingersDrop`` drops 2-5 *distinct* fingers. The reference draws its count range as the size of
  a with-replacement draw, i.e. 12 finger ids out of 10, about 7 distinct fingers (§2.12.2).
* ``OnWindows(FingersDrop)`` is applied with p = 0.75 once. The reference checks p = 0.75 in the
  pipeline and again inside ``OnWindows`` (effective 0.5625); set ``fingers_drop_p: 0.5625`` to
  reproduce it. The nested part-drop ``OneOf`` keeps the reference's inner p = 0.5 *on purpose*,
  since §2.5 documents those effective probabilities.
* ``TemporalMask`` counts are 1, 2 and 4 blocks: the reference passes ranges (1, 2), (2, 3), (4, 5)
  to an exclusive ``randint``, which always gives the lower bound (§2.12.3); we state the counts.
* ``SpatialAffine`` rotates about (0, 0) and keeps missing points at zero. The reference rotates
  about a centre moved by the shear and applies the whole map to missing points too, which moves
  them off zero (the model's missing-point rule then no longer sees them).
* ``PoseDrop`` pairs each arm point with its mirror partner and drops the pairs from a random start
  along the arm (hand points; + wrists; + elbows; + shoulders: 6, 8, 10 or 12 points). The reference
  pairs consecutive stored columns, so its variants drop asymmetric subsets (one of them the whole
  left arm only); the counts 12/10/8/6 are the same.
* Flip runs first inside the pipeline, i.e. after CutMix, so both halves of a mixed sample are
  flipped together. The reference flips the first sequence before CutMix and never the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import torch
from torch import Tensor

from signa.data.augment.base import (
    Apply,
    Compose,
    OneOf,
    OnWindows,
    Transform,
    chance,
    uniform,
)
from signa.data.augment.fingerspelling_ops import (
    FINGERS_PER_HAND,
    DynamicResample,
    FingersDrop,
    Flip,
    PartDrop,
    PoseDrop,
    Resample,
    SpatialAffine,
    SpatialMask,
    TemporalMask,
    TimeShift,
)
from signa.data.layout import FINGERSPELLING_130, Selection


@dataclass(frozen=True)
class TemporalMaskVariant:
    """``count`` blocks, each covering U(size) of the frames."""

    count: int
    size: tuple[float, float]

    def __post_init__(self):
        if self.count < 1 or not 0.0 <= self.size[0] <= self.size[1] <= 1.0:
            raise ValueError(f"a temporal mask needs count >= 1 and 0 <= size <= 1, got {self}")


def _cfg_2_temporal_masks() -> tuple[TemporalMaskVariant, ...]:
    return (
        TemporalMaskVariant(1, (0.2, 0.4)),
        TemporalMaskVariant(2, (0.1, 0.2)),
        TemporalMaskVariant(4, (0.05, 0.1)),
    )


@dataclass(frozen=True)
class FingerspellingAugmentConfig:
    """Probabilities (``*_p``) and ranges of every step; the defaults are the reference cfg_2.

    Ranges are ``(low, high)``, both ends included for integers. ``part_drop_weights`` weigh
    [pose-or-face, both hands]; the pose-or-face branch then applies with ``pose_or_face_p`` and
    picks pose or face by ``pose_face_weights``. ``pose_drop_first_pair`` is the range of the first
    dropped (mirror) pair along the arm, 0 = shoulders.
    """

    flip_p: float = 0.5
    resample_p: float = 0.8
    resample_rate: tuple[float, float] = (0.3, 2.0)
    dynamic_resample_p: float = 0.25
    dynamic_resample_chunks: tuple[int, int] = (20, 29)
    dynamic_resample_rate: tuple[float, float] = (0.9, 1.1)
    time_shift_p: float = 0.5
    time_shift: tuple[int, int] = (-10, 9)
    affine_p: float = 0.75
    affine_scale: tuple[float, float] = (0.7, 1.3)
    affine_shear: tuple[float, float] = (-0.2, 0.2)
    affine_shift: tuple[float, float] = (-0.15, 0.15)
    affine_degrees: tuple[float, float] = (-30.0, 30.0)
    fingers_drop_p: float = 0.75
    fingers_drop_windows: int = 2
    fingers_drop_window_size: tuple[float, float] = (0.25, 0.5)
    fingers_drop_count: tuple[int, int] = (2, 5)
    part_drop_p: float = 1.0
    part_drop_weights: tuple[float, float] = (0.5, 0.05)
    pose_or_face_p: float = 0.5
    pose_face_weights: tuple[float, float] = (0.7, 0.5)
    pose_drop_first_pair: tuple[int, int] = (0, 3)
    temporal_mask_p: float = 0.5
    temporal_masks: tuple[TemporalMaskVariant, ...] = field(default_factory=_cfg_2_temporal_masks)
    spatial_mask_p: float = 0.5
    spatial_mask_size: tuple[float, float] = (0.05, 0.1)

    def __post_init__(self):
        for name, value in vars(self).items():
            if name.endswith("_p") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
            if name.endswith("_weights") and (min(value) < 0 or sum(value) <= 0):
                raise ValueError(f"{name} must be non-negative with a positive sum, got {list(value)}")
            is_range = isinstance(value, tuple) and all(isinstance(v, int | float) for v in value)
            if is_range and not name.endswith("_weights") and (len(value) != 2 or value[0] > value[1]):
                raise ValueError(f"{name} must be [low, high] with low <= high, got {list(value)}")
        if not self.temporal_masks:
            raise ValueError("temporal_masks needs at least one variant")
        if self.dynamic_resample_chunks[0] < 1 or self.fingers_drop_windows < 0:
            raise ValueError("dynamic_resample_chunks must be >= 1 and fingers_drop_windows >= 0")
        low, high = self.fingers_drop_count
        if not 1 <= low <= high <= 2 * FINGERS_PER_HAND:
            raise ValueError(
                f"fingers_drop_count must lie within 1..{2 * FINGERS_PER_HAND}, got {[low, high]}"
            )

    @classmethod
    def cfg_1(cls) -> FingerspellingAugmentConfig:
        """The reference cfg_1 recipe: resample, affine, one temporal mask and spatial mask (plus flip)."""
        return cls(
            resample_rate=(0.5, 1.5),
            dynamic_resample_p=0.0,
            time_shift_p=0.0,
            affine_scale=(0.8, 1.2),
            affine_shear=(-0.15, 0.15),
            affine_shift=(-0.1, 0.1),
            fingers_drop_p=0.0,
            part_drop_p=0.0,
            temporal_masks=(TemporalMaskVariant(1, (0.2, 0.4)),),
        )

    @classmethod
    def preset(cls, name: str) -> FingerspellingAugmentConfig:
        presets = {"cfg_1": cls.cfg_1, "cfg_2": cls}
        if name not in presets:
            raise KeyError(f"unknown augmentation preset {name!r}; known: {', '.join(presets)}")
        return presets[name]()


PhraseT = TypeVar("PhraseT", str, list)


def _cut(length: int, fraction: float) -> int:
    """``round(length * fraction)`` clipped to [1, length - 1] (0 for a single item)."""
    return max(min(round(length * fraction), length - 1), min(1, length - 1))


def outer_cutmix(
    seq1: Tensor,
    phrase1: PhraseT,
    score1: float,
    seq2: Tensor,
    phrase2: PhraseT,
    score2: float,
    generator: torch.Generator,
) -> tuple[Tensor, PhraseT, float]:
    """Join a piece of ``seq1`` and a piece of ``seq2`` (same signer), phrases cut at the same fraction.

    r ~ U(0, 1) cuts both frame sequences and both phrases (str or token list) at ``round(len * r)``
    clipped to [1, len - 1]. With p = 0.5 the result is ``seq2[cut2:] + seq1[:cut1]``, otherwise
    ``seq1[cut1:] + seq2[:cut2]``, with the matching phrase. The confidence target is mixed by the
    share each source contributes: ``r * score1 + (1 - r) * score2`` in the first order and
    ``(1 - r) * score1 + r * score2`` in the second (SOLUTIONS §2.5, §2.12.11).
    """
    r = uniform(generator, 0.0, 1.0)
    frames1, frames2 = _cut(len(seq1), r), _cut(len(seq2), r)
    chars1, chars2 = _cut(len(phrase1), r), _cut(len(phrase2), r)
    if chance(generator, 0.5):
        seq = torch.cat([seq2[frames2:], seq1[:frames1]])
        return seq, phrase2[chars2:] + phrase1[:chars1], r * score1 + (1 - r) * score2
    seq = torch.cat([seq1[frames1:], seq2[:frames2]])
    return seq, phrase1[chars1:] + phrase2[:chars2], (1 - r) * score1 + r * score2


def fingerspelling_steps(
    config: FingerspellingAugmentConfig, selection: Selection = FINGERSPELLING_130
) -> dict[str, tuple[Transform, float]]:
    """The pipeline's steps in the reference order, each as ``name -> (transform, probability)``."""
    c = config
    pose_or_face = Apply(
        OneOf(
            (PoseDrop(c.pose_drop_first_pair, selection), PartDrop(("face",), selection)), c.pose_face_weights
        ),
        c.pose_or_face_p,
    )
    hands = PartDrop(("left_hand", "right_hand"), selection)
    temporal_masks = [TemporalMask(v.count, v.size) for v in c.temporal_masks]
    return {
        "flip": (Flip(selection), c.flip_p),
        "resample": (Resample(c.resample_rate), c.resample_p),
        "dynamic_resample": (
            DynamicResample(c.dynamic_resample_chunks, c.dynamic_resample_rate),
            c.dynamic_resample_p,
        ),
        "time_shift": (TimeShift(c.time_shift), c.time_shift_p),
        "affine": (
            SpatialAffine(c.affine_scale, c.affine_shear, c.affine_shift, c.affine_degrees),
            c.affine_p,
        ),
        "fingers_drop": (
            OnWindows(
                FingersDrop(c.fingers_drop_count, selection),
                c.fingers_drop_windows,
                c.fingers_drop_window_size,
            ),
            c.fingers_drop_p,
        ),
        "part_drop": (OneOf((pose_or_face, hands), c.part_drop_weights), c.part_drop_p),
        "temporal_mask": (OneOf(temporal_masks, [1.0] * len(temporal_masks)), c.temporal_mask_p),
        "spatial_mask": (SpatialMask(c.spatial_mask_size), c.spatial_mask_p),
    }


def build_fingerspelling_augment(
    config: FingerspellingAugmentConfig | None = None, selection: Selection = FINGERSPELLING_130
) -> Compose:
    """The training augmentation, ``augment(seq, generator) -> seq``; cfg_2 unless ``config`` says otherwise.

    ``FingerspellingAugmentConfig.cfg_1()`` gives the cfg_1 recipe. Steps with probability 0 are left
    out. Apply it after global normalisation and :func:`outer_cutmix`, before resizing to max_len.
    """
    steps = fingerspelling_steps(config or FingerspellingAugmentConfig(), selection)
    return Compose(tuple(Apply(transform, p) for transform, p in steps.values() if p > 0))
