"""Composition primitives for seeded landmark augmentations.

A *transform* is any callable ``transform(x, generator) -> x`` on a ``(T, K, 3)`` float tensor of
globally normalised landmarks in which missing points are exact zeros. Every random draw comes from
the explicit ``torch.Generator`` (never from global RNG state), so that a sample's augmentation is a
function of that generator's seed alone: seed it per sample with :func:`sample_generator` and
training is reproducible for any number of DataLoader workers and resumes exactly. Transforms never
modify their input in place.

The primitives (:class:`Apply`, :class:`Compose`, :class:`OneOf`, :class:`OnWindows`) check their
probability once. The 1st-place fingerspelling code checks it twice in two places (its ``OnWindows``
and its nested ``OneOf`` re-draw their own ``p`` even when the parent already decided to apply them);
pipelines built from these primitives state the resulting effective probabilities explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

Transform = Callable[[Tensor, torch.Generator], Tensor]


def uniform(generator: torch.Generator, low: float, high: float) -> float:
    """One draw from U(low, high)."""
    return low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()


def randint(generator: torch.Generator, low: int, high: int) -> int:
    """One integer drawn uniformly from ``low..high``, both ends included."""
    return int(torch.randint(low, high + 1, (), generator=generator).item())


def chance(generator: torch.Generator, p: float) -> bool:
    """True with probability ``p``; p = 0 and p = 1 consume no randomness."""
    if p <= 0.0:
        return False
    if p >= 1.0:
        return True
    return torch.rand((), generator=generator, dtype=torch.float64).item() < p


def random_span(generator: torch.Generator, length: int, size: tuple[float, float]) -> tuple[int, int]:
    """``(start, stop)`` of a block covering a fraction U(size) of ``length`` frames (rounded down)."""
    span = min(int(length * uniform(generator, *size)), length)
    start = randint(generator, 0, length - span)
    return start, start + span


def sample_generator(seed: int, *keys: int) -> torch.Generator:
    """A generator seeded from ``seed`` and e.g. ``(epoch, index)``: one independent stream per sample.

    Seeding per sample (rather than per worker) makes the augmentation of sample ``index`` in epoch
    ``epoch`` independent of the number of workers and of where a resumed run restarts.
    """
    words = np.random.SeedSequence([seed, *keys]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(words[0]) << 32 | int(words[1]))


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a probability must lie in [0, 1], got {p}")


@dataclass(frozen=True)
class Apply:
    """Apply ``transform`` with probability ``p``."""

    transform: Transform
    p: float

    def __post_init__(self):
        _check_probability(self.p)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        return self.transform(x, generator) if chance(generator, self.p) else x


@dataclass(frozen=True)
class Compose:
    """Apply ``transforms`` in order."""

    transforms: Sequence[Transform]

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        for transform in self.transforms:
            x = transform(x, generator)
        return x


@dataclass(frozen=True)
class OneOf:
    """Apply exactly one of ``transforms``, picked with probability proportional to ``weights``."""

    transforms: Sequence[Transform]
    weights: Sequence[float]

    def __post_init__(self):
        if len(self.transforms) != len(self.weights) or not self.transforms:
            raise ValueError("OneOf needs one weight per transform and at least one transform")
        if min(self.weights) < 0 or sum(self.weights) <= 0:
            raise ValueError(f"OneOf weights must be non-negative with a positive sum, got {self.weights}")

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        weights = torch.tensor(self.weights, dtype=torch.float64)
        choice = int(torch.multinomial(weights, 1, generator=generator).item())
        return self.transforms[choice](x, generator)


@dataclass(frozen=True)
class OnWindows:
    """Apply ``transform`` separately inside ``windows`` random time windows (each U(size) of T).

    Windows may overlap; each window draws its own parameters. ``transform`` must keep the number of
    frames (a masking transform, not a resampling one).
    """

    transform: Transform
    windows: int = 2
    size: tuple[float, float] = (0.25, 0.5)

    def __call__(self, x: Tensor, generator: torch.Generator) -> Tensor:
        out = x.clone()
        for _ in range(self.windows):
            start, stop = random_span(generator, len(x), self.size)
            window = self.transform(out[start:stop], generator)
            if len(window) != stop - start:
                raise ValueError("OnWindows needs a transform that keeps the number of frames")
            out[start:stop] = window
        return out
