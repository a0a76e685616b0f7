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

import math
from collections.abc import Sequence
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
    randint,
    random_span,
    uniform,
)
from signa.data.layout import FINGERSPELLING_130, Selection

FINGERS_PER_HAND = 5
POINTS_PER_FINGER = 4  # MediaPipe hand: 0 wrist, then 4 points per finger from thumb (1-4) to pinky (17-20)


# -- Config ---------------------------------------------------------------------------------------


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


# -- Selection geometry ---------------------------------------------------------------------------


def part_points(selection: Selection, *names: str) -> Tensor:
    """Positions in ``selection`` of the points of the named parts (e.g. ``"left_hand"``)."""
    ids = {name: part for part, name in selection.part_names.items()}
    return torch.as_tensor(sorted(int(i) for name in names for i in selection.part_indices(ids[name])))


def finger_groups(selection: Selection) -> Tensor:
    """(10, 4) positions of the four non-wrist points of each finger, left hand then right hand."""
    hands = [part_points(selection, hand) for hand in ("left_hand", "right_hand")]
    return torch.cat([hand[1:].reshape(FINGERS_PER_HAND, POINTS_PER_FINGER) for hand in hands])


def pose_mirror_pairs(selection: Selection) -> Tensor:
    """(P, 2) pose points paired with their mirror partners, in the order of the first arm listed."""
    mirror = selection.mirror_permutation
    pairs, seen = [], set()
    for point in part_points(selection, "pose").tolist():
        if point not in seen:
            pairs.append((point, int(mirror[point])))
            seen.update(pairs[-1])
    return torch.tensor(pairs)


def _missing(x: Tensor) -> Tensor:
    """(T, K) True where a point is missing (all coordinates exactly zero)."""
    return (x == 0).all(dim=-1)


def _zero_points(x: Tensor, points: Tensor) -> Tensor:
    return x.index_fill(1, points, 0.0)


# -- Temporal transforms --------------------------------------------------------------------------


def nearest_indices(lengths_in: Tensor, lengths_out: Tensor) -> Tensor:
    """Source frame of every output frame when consecutive chunks are resized by nearest neighbour.

    Chunk i of ``lengths_in[i]`` frames becomes ``lengths_out[i]`` frames; within a chunk, output
    frame j reads frame ``floor(j * in / out)``, the rule of ``F.interpolate(mode="nearest")``.
    """
    chunk = torch.repeat_interleave(torch.arange(len(lengths_out)), lengths_out)
    out_starts = torch.cumsum(lengths_out, 0) - lengths_out
    in_starts = torch.cumsum(lengths_in, 0) - lengths_in
    local = torch.arange(int(lengths_out.sum())) - out_starts[chunk]
    return in_starts[chunk] + local * lengths_in[chunk] // lengths_out[chunk]


@dataclass(frozen=True)
class Resample:
    """Stretch or squeeze time by U(rate): ``max(floor(T * rate), 1)`` frames, nearest neighbour."""

    rate: tuple[float, float] = (0.3, 2.0)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        length = max(int(len(x) * uniform(generator, *self.rate)), 1)
        if len(x) == 0:
            return x
        return x.index_select(0, nearest_indices(torch.tensor([len(x)]), torch.tensor([length])))


@dataclass(frozen=True)
class DynamicResample:
    """Split time into near-equal chunks and resample each by its own rate (a varying speed).

    The number of chunks is drawn from ``chunks`` (inclusive) and capped at T; each chunk of n
    frames becomes ``max(floor(n * rate), 1)`` frames, rate ~ U(rate).
    """

    chunks: tuple[int, int] = (20, 29)
    rate: tuple[float, float] = (0.9, 1.1)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        if len(x) == 0:
            return x
        count = min(randint(generator, *self.chunks), len(x))
        low, high = self.rate
        rates = low + (high - low) * torch.rand(count, generator=generator, dtype=torch.float64)
        edges = torch.arange(count + 1) * len(x) // count
        lengths_in = edges.diff()
        lengths_out = (lengths_in * rates).floor().long().clamp(min=1)
        return x.index_select(0, nearest_indices(lengths_in, lengths_out))


@dataclass(frozen=True)
class TimeShift:
    """Shift in time by s ~ ``shift`` (inclusive): s > 0 prepends s zero frames, s < 0 drops |s| frames.

    As in the reference, frames are only dropped when at least 3 remain; otherwise the sequence is
    returned unchanged.
    """

    shift: tuple[int, int] = (-10, 9)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        shift = randint(generator, *self.shift)
        if shift > 0:
            return torch.cat([x.new_zeros((shift, *x.shape[1:])), x])
        if -shift < len(x) - 2:
            return x[-shift:]
        return x


@dataclass(frozen=True)
class TemporalMask:
    """Zero ``count`` blocks of frames, each covering U(size) of T (blocks may overlap)."""

    count: int = 1
    size: tuple[float, float] = (0.2, 0.4)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        out = x.clone()
        for _ in range(self.count):
            start, stop = random_span(generator, len(x), self.size)
            out[start:stop] = 0.0
        return out


# -- Spatial transforms ---------------------------------------------------------------------------


class Flip:
    """Mirror left and right: negate x (about the global mean, 0 after normalisation), swap partners."""

    def __init__(self, selection: Selection = FINGERSPELLING_130):
        self.permutation = torch.as_tensor(selection.mirror_permutation)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        flipped = x.index_select(1, self.permutation)  # faster than x[:, permutation]
        flipped[..., 0] = 0.0 - flipped[..., 0]  # 0 - x keeps missing points at +0.0
        return flipped


def _affine_matrix(scale: float, shear: float, shear_x: bool, degrees: float) -> Tensor:
    """(2, 2) matrix M for row vectors, ``xy @ M``: scale, then shear, then rotation about (0, 0)."""
    shear_matrix = [[1.0, 0.0], [shear, 1.0]] if shear_x else [[1.0, shear], [0.0, 1.0]]
    radians = math.radians(degrees)
    cos, sin = math.cos(radians), math.sin(radians)
    rotation = [[cos, sin], [-sin, cos]]
    return (
        scale * torch.tensor(shear_matrix, dtype=torch.float64) @ torch.tensor(rotation, dtype=torch.float64)
    )


@dataclass(frozen=True)
class SpatialAffine:
    """Scale, shear x *or* y (p = 0.5 each), rotate about (0, 0), then add one scalar shift to x and y.

    z is untouched; missing points stay zero.
    """

    scale: tuple[float, float] = (0.7, 1.3)
    shear: tuple[float, float] = (-0.2, 0.2)
    shift: tuple[float, float] = (-0.15, 0.15)
    degrees: tuple[float, float] = (-30.0, 30.0)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        scale = uniform(generator, *self.scale)
        shear = uniform(generator, *self.shear)
        shear_x = chance(generator, 0.5)
        shift = uniform(generator, *self.shift)
        degrees = uniform(generator, *self.degrees)
        matrix = _affine_matrix(scale, shear, shear_x, degrees).to(x.dtype)
        xy = x[..., :2] @ matrix + shift  # (T, K, 2)
        moved = torch.cat([xy, x[..., 2:]], dim=-1)
        return torch.where(_missing(x)[..., None], x, moved)


class FingersDrop:
    """Zero 2-5 *distinct* fingers (4 non-wrist points each, 10 over both hands) in every frame.

    Fix of a shipped bug: the reference draws ``size=(2, 6)`` finger ids *with replacement*, i.e. 12
    ids out of 10, dropping about 7 distinct fingers whatever the intended count (§2.12.2).
    """

    def __init__(self, count: tuple[int, int] = (2, 5), selection: Selection = FINGERSPELLING_130):
        self.count = count
        self.fingers = finger_groups(selection)  # (10, 4)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        count = randint(generator, *self.count)
        chosen = torch.randperm(len(self.fingers), generator=generator)[:count]
        return _zero_points(x, self.fingers[chosen].flatten())


class PartDrop:
    """Zero every point of the named parts in every frame (e.g. the face, or both hands)."""

    def __init__(self, parts: Sequence[str], selection: Selection = FINGERSPELLING_130):
        self.points = part_points(selection, *parts)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return _zero_points(x, self.points)


class PoseDrop:
    """Zero the arms from a random joint outward, on both sides (12, 10, 8 or 6 pose points).

    Pairs are (point, mirror partner) in arm order shoulder, elbow, wrist, pinky, index, thumb; the
    first dropped pair is drawn from ``first_pair`` (inclusive).
    """

    def __init__(self, first_pair: tuple[int, int] = (0, 3), selection: Selection = FINGERSPELLING_130):
        self.first_pair = first_pair
        self.pairs = pose_mirror_pairs(selection)  # (6, 2)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        first = randint(generator, *self.first_pair)
        return _zero_points(x, self.pairs[first:].flatten())


@dataclass(frozen=True)
class SpatialMask:
    """Zero the points that fall inside one random axis-aligned box in the xy plane (all frames).

    The box sides are U(size) times the xy extent of the present points and its corner is uniform
    over that extent. Fix of a shipped bug: the reference computes the masked tensor and returns its
    input unchanged, so its SpatialMask never acted (§2.12.1).
    """

    size: tuple[float, float] = (0.05, 0.1)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        side = uniform(generator, *self.size)
        corner01 = (uniform(generator, 0.0, 1.0), uniform(generator, 0.0, 1.0))
        present = ~_missing(x)  # (T, K)
        if not present.any():
            return x
        inside = present
        for axis, offset in enumerate(corner01):
            plane = x[..., axis]  # (T, K)
            low, high = plane[present].min().item(), plane[present].max().item()
            start = low + offset * (high - low)
            inside = inside & (plane > start) & (plane < start + side * (high - low))
        return x.masked_fill(inside[..., None], 0.0)


# -- CutMix ---------------------------------------------------------------------------------------

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


# -- Pipeline -------------------------------------------------------------------------------------


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
