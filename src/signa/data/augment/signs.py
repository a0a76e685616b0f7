"""Isolated-sign augmentations of the 6th-place ISLR solution (SOLUTIONS.md §5.3), seeded and tested.

Every transform takes a ``(T, 100, 3)`` float tensor of :data:`~signa.data.layout.SIGNS_100` points,
standardised (:mod:`signa.data.preprocess_signs`), with missing points as exact zeros, and a
``torch.Generator`` (:mod:`signa.data.augment.base`). Missing points stay zero under every transform.

Pipeline (``aug_strength = 3`` of the reference), per sample, in this order:

=====================  ======  ===================================================================
mix face               0.25    face, lips and averaged points from another signer of the same sign
                               (the dataset draws the donor; see :func:`mix_face`)
fill missing hand      0.25    a hand absent from the whole sequence becomes the other hand,
                               mirrored about the nose
interpolate            0.5     fill missing points linearly in time, edges clamped
flip                   0.5     x -> -x and left/right points swapped
rotate                 0.5     about (0, 0), angle U(-30°, 30°)
crop                   0.5     sequences of >= 20 frames lose 1..⌊0.2·T⌋ frames at the start or end
scale                  0.25    one factor U(0.7, 1.3); then with p 0.25 a per-axis factor U(0.7, 1.3)
=====================  ======  ===================================================================

After the strong phase (epoch ``min(strong_epochs, epochs // 2)``) mix face and missing-hand fill
stop, and crop moves after scale with p 0.25 (the reference's ``aug_strength = 2``).

Fixed reference bugs (SOLUTIONS.md §5.6):

* Missing-hand fill found the hands through stale type ids (5 = arms, 10 = none), so it always saw
  the right hand as missing and overwrote the left hand with the mirrored right hand. Here the hands
  come from the selection's part ids, and only a hand missing in every frame is filled.
* Scale "distortion" multiplied by ``scale + U(0.7, 1.3)`` (an effective 1.4-2.6). Here the per-axis
  factor multiplies: ``scale · U(0.7, 1.3)``.
* Interpolation treats a *point* as missing when all three coordinates are zero, not each coordinate
  on its own (a coordinate can be exactly 0 after standardisation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from signa.data.augment.base import Apply, Compose, Transform, chance, randint, uniform
from signa.data.layout import SIGNS_100, Selection


@dataclass(frozen=True)
class SignsAugmentConfig:
    """Probabilities and ranges of the isolated-sign augmentations (defaults: the reference's)."""

    enabled: bool = True
    mix_face_p: float = 0.25
    missing_hand_p: float = 0.25
    interpolate_p: float = 0.5
    flip_p: float = 0.5
    rotate_p: float = 0.5
    rotate_degrees: float = 30.0
    crop_p: float = 0.5
    crop_min_frames: int = 20
    crop_max_fraction: float = 0.2
    scale_p: float = 0.25
    scale_range: tuple[float, float] = (0.7, 1.3)
    distort_p: float = 0.25
    late_crop_p: float = 0.25
    strong_epochs: int = 50  # the strong phase ends at epoch min(strong_epochs, epochs // 2)

    def strong_until(self, epochs: int) -> int:
        return min(self.strong_epochs, epochs // 2)


def _part(selection: Selection, name: str) -> Tensor:
    part = next(p for p, n in selection.part_names.items() if n == name)
    return torch.from_numpy(selection.part_indices(part))


def face_points(selection: Selection = SIGNS_100) -> Tensor:
    """Face silhouette, lips and the cheek and averaged points."""
    return torch.cat([_part(selection, n) for n in ("face", "lips", "face_extra")])


def _present(x: Tensor) -> Tensor:
    """(T, K) true where a point was detected (not all-zero)."""
    return (x != 0).any(-1)


# -- per-sequence transforms ---------------------------------------------------------------------


def interpolate_missing(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Fill each missing point linearly between its nearest detections in time; clamp at the edges."""
    del generator
    frames = len(x)
    present = _present(x)  # (T, K)
    steps = torch.arange(frames).unsqueeze(1).expand_as(present)
    before = torch.where(present, steps, torch.full_like(steps, -1)).cummax(0).values  # last seen <= t
    after_flipped = torch.where(present, frames - 1 - steps, torch.full_like(steps, -1)).flip(0)
    after = (frames - 1 - after_flipped.cummax(0).values).flip(0)  # next seen >= t (T if none)
    has_before, has_after = before >= 0, after < frames
    before_c, after_c = before.clamp(min=0), after.clamp(max=frames - 1)
    left = x.gather(0, before_c.unsqueeze(-1).expand_as(x))
    right = x.gather(0, after_c.unsqueeze(-1).expand_as(x))
    span = (after_c - before_c).clamp(min=1).unsqueeze(-1).to(x.dtype)
    weight = ((steps - before_c).unsqueeze(-1).to(x.dtype) / span).clamp(0, 1)
    between = left + (right - left) * weight
    filled = torch.where((has_before & has_after).unsqueeze(-1), between, torch.zeros_like(x))
    filled = torch.where((has_before & ~has_after).unsqueeze(-1), left, filled)
    filled = torch.where((~has_before & has_after).unsqueeze(-1), right, filled)
    return torch.where(present.unsqueeze(-1), x, filled)


class Flip:
    """Mirror left and right: negate x and swap each point with its mirror partner."""

    def __init__(self, selection: Selection = SIGNS_100):
        self.permutation = torch.from_numpy(selection.mirror_permutation)

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        del generator
        flipped = x.index_select(1, self.permutation)
        flipped[..., 0] = -flipped[..., 0]
        return flipped


@dataclass(frozen=True)
class Rotate:
    """Rotate x and y about the origin (the sequence mean) by U(-degrees, degrees)."""

    degrees: float = 30.0

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        angle = math.radians(uniform(generator, -self.degrees, self.degrees))
        cos, sin = math.cos(angle), math.sin(angle)
        out = x.clone()
        out[..., 0] = cos * x[..., 0] - sin * x[..., 1]
        out[..., 1] = sin * x[..., 0] + cos * x[..., 1]
        return out


@dataclass(frozen=True)
class Crop:
    """Remove 1..⌊max_fraction·T⌋ frames from the start or the end of sequences of >= min_frames."""

    min_frames: int = 20
    max_fraction: float = 0.2

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        if len(x) < self.min_frames:
            return x
        cut = randint(generator, 1, max(1, int(self.max_fraction * len(x))))
        return x[cut:] if chance(generator, 0.5) else x[:-cut]


@dataclass(frozen=True)
class Scale:
    """Multiply by U(range); with ``distort_p`` also each axis by its own U(range)."""

    scale_range: tuple[float, float] = (0.7, 1.3)
    distort_p: float = 0.25

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        factor = torch.full((3,), uniform(generator, *self.scale_range), dtype=x.dtype)
        if chance(generator, self.distort_p):
            # The reference added the two factors (1.4-2.6); the per-axis factor multiplies here.
            factor = factor * torch.tensor(
                [uniform(generator, *self.scale_range) for _ in range(3)], dtype=x.dtype
            )
        return x * factor


class FillMissingHand:
    """A hand missing from every frame becomes the other hand mirrored about the nose (x' = 2·nose - x).

    Frames where the nose or the other hand is missing keep the hand missing. Nothing changes when
    both hands or neither hand appear.
    """

    def __init__(self, selection: Selection = SIGNS_100):
        self.left = _part(selection, "left_hand")
        self.right = _part(selection, "right_hand")
        mirror = torch.from_numpy(selection.mirror_permutation)
        if not torch.equal(mirror[self.left], self.right):
            raise ValueError(f"selection {selection.name} does not pair the hands point by point")
        self.nose = len(selection) - 1  # the averaged nose point closes SIGNS_100
        if selection.sources[self.nose] != SIGNS_100.sources[-1]:
            raise ValueError(f"selection {selection.name} does not end with the averaged nose point")

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        del generator
        present = _present(x)
        left_seen = present.index_select(1, self.left).any()
        right_seen = present.index_select(1, self.right).any()
        if left_seen == right_seen:
            return x
        source, target = (self.right, self.left) if right_seen else (self.left, self.right)
        mirrored = x.index_select(1, source)  # point i of one hand mirrors point i of the other
        mirrored[..., 0] = 2 * x[:, self.nose, 0:1] - mirrored[..., 0]
        usable = present.index_select(1, source) & present[:, self.nose : self.nose + 1]
        filled = torch.where(usable.unsqueeze(-1), mirrored, torch.zeros_like(mirrored))
        return x.index_copy(1, target, filled)


# -- mixing two sequences ------------------------------------------------------------------------


def dominant_hand(x: Tensor) -> str:
    """ "left" or "right": the hand detected in more frames (left on a tie)."""
    present = _present(x)
    left = present[:, _part(SIGNS_100, "left_hand")].any(-1).sum()
    right = present[:, _part(SIGNS_100, "right_hand")].any(-1).sum()
    return "right" if right > left else "left"


def resize_time(x: Tensor, frames: int) -> Tensor:
    """(T, K, 3) -> (frames, K, 3) by linear interpolation; missing points stay zero."""
    present = _present(x).to(x.dtype).unsqueeze(-1)
    stacked = torch.cat([x, present], -1).permute(1, 2, 0)  # (K, 4, T)
    resized = F.interpolate(stacked, size=frames, mode="linear", align_corners=True).permute(2, 0, 1)
    return torch.where(resized[..., 3:] > 0.999, resized[..., :3], torch.zeros_like(resized[..., :3]))


def _masked_range(values: Tensor, seen: Tensor) -> tuple[Tensor, Tensor]:
    """Per-axis (3,) minimum and maximum of (T, P, 3) ``values`` over the (T, P) ``seen`` points."""
    inf = torch.tensor(float("inf"), dtype=values.dtype)
    seen = seen.unsqueeze(-1)
    low = torch.where(seen, values, inf).amin((0, 1))
    high = torch.where(seen, values, -inf).amax((0, 1))
    return low, high


def _rescale_into(values: Tensor, seen: Tensor, reference: Tensor, reference_seen: Tensor) -> Tensor:
    """Min-max map the seen ``values`` (T, P, 3) onto the per-axis range of the seen ``reference``."""
    low, high = _masked_range(values, seen)
    ref_low, ref_high = _masked_range(reference, reference_seen)
    scaled = ref_low + (values - low) / (high - low).clamp(min=1e-6) * (ref_high - ref_low)
    return torch.where(seen.unsqueeze(-1), scaled, torch.zeros_like(values))


def mix_face(x: Tensor, donor: Tensor, selection: Selection = SIGNS_100) -> Tensor:
    """``x`` with the face, lips and averaged points of ``donor`` (another signer, the same sign).

    The donor is flipped to ``x``'s dominant hand, resized to ``x``'s length and min-max rescaled
    onto the extent of ``x``'s own face, so the face moves but stays where the face was.
    """
    if dominant_hand(donor) != dominant_hand(x):
        donor = Flip(selection)(donor)
    face = face_points(selection)
    donor_face = resize_time(donor, len(x)).index_select(1, face)  # (T, F, 3)
    own_face = x.index_select(1, face)
    donor_seen, own_seen = _present(donor_face), _present(own_face)
    if not donor_seen.any() or not own_seen.any():
        return x
    return x.index_copy(1, face, _rescale_into(donor_face, donor_seen, own_face, own_seen))


# -- pipelines -----------------------------------------------------------------------------------


def build_signs_augment(
    config: SignsAugmentConfig, strong: bool, selection: Selection = SIGNS_100
) -> Transform:
    """The per-sequence pipeline after face mixing; ``strong`` is the reference's aug_strength 3."""
    steps: list[Transform] = []
    if strong:
        steps.append(Apply(FillMissingHand(selection), config.missing_hand_p))
    steps += [
        Apply(interpolate_missing, config.interpolate_p),
        Apply(Flip(selection), config.flip_p),
        Apply(Rotate(config.rotate_degrees), config.rotate_p),
    ]
    crop = Crop(config.crop_min_frames, config.crop_max_fraction)
    scale = Apply(Scale(config.scale_range, config.distort_p), config.scale_p)
    steps += [Apply(crop, config.crop_p), scale] if strong else [scale, Apply(crop, config.late_crop_p)]
    return Compose(steps)
