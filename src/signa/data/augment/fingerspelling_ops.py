"""The transforms of the fingerspelling augmentation, on (T, K, 3) points of a selection: geometry
of the selection, temporal transforms (resampling, shifts, masks) and spatial ones (flip, affine,
finger, part and pose dropout, spatial masks). :mod:`signa.data.augment.fingerspelling` composes them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from signa.data.augment.base import (
    chance,
    randint,
    random_span,
    uniform,
)
from signa.data.layout import FINGERSPELLING_130, Selection

FINGERS_PER_HAND = 5

POINTS_PER_FINGER = 4  # MediaPipe hand: 0 wrist, then 4 points per finger from thumb (1-4) to pinky (17-20)


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
