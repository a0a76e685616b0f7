"""Seeded, composable landmark augmentations: primitives in :mod:`.base`, recipes per task."""

from signa.data.augment.base import Apply, Compose, OneOf, OnWindows, Transform, sample_generator
from signa.data.augment.fingerspelling import (
    FingerspellingAugmentConfig,
    build_fingerspelling_augment,
    outer_cutmix,
)

__all__ = [
    "Apply",
    "Compose",
    "FingerspellingAugmentConfig",
    "OnWindows",
    "OneOf",
    "Transform",
    "build_fingerspelling_augment",
    "outer_cutmix",
    "sample_generator",
]
