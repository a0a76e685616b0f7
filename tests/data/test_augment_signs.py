"""Isolated-sign augmentations: contracts, the fixed reference bugs, and seeded determinism."""

from __future__ import annotations

import math

import pytest
import torch

from signa.data.augment.signs import (
    Crop,
    FillMissingHand,
    Flip,
    Rotate,
    Scale,
    SignsAugmentConfig,
    build_signs_augment,
    dominant_hand,
    face_points,
    interpolate_missing,
    mix_face,
    resize_time,
)
from signa.data.layout import SIGNS_100

LEFT = torch.from_numpy(SIGNS_100.part_indices(1))
RIGHT = torch.from_numpy(SIGNS_100.part_indices(2))


def generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def sample(frames: int = 30, seed: int = 0) -> torch.Tensor:
    return torch.randn(frames, 100, 3, generator=generator(seed))


def test_interpolate_fills_gaps_linearly_and_clamps_edges():
    x = sample()
    x[0:3, 0] = 0
    x[10:14, 0] = 0
    y = interpolate_missing(x)
    assert torch.allclose(y[0:3, 0], x[3, 0].expand(3, 3))
    expected = x[9, 0] + (x[14, 0] - x[9, 0]) * (12 - 9) / 5
    assert torch.allclose(y[12, 0], expected)
    assert torch.equal(y[20:], x[20:])


def test_interpolate_leaves_a_never_seen_point_missing():
    x = sample()
    x[:, RIGHT] = 0
    assert torch.all(interpolate_missing(x)[:, RIGHT] == 0)


def test_flip_twice_is_identity_and_swaps_hands():
    x = sample()
    flip = Flip()
    assert torch.equal(flip(flip(x)), x)
    assert torch.equal(flip(x)[:, RIGHT, 0], -x[:, LEFT, 0])


def test_rotation_stays_within_30_degrees_and_keeps_missing_points():
    x = sample()
    x[:, 5] = 0
    for seed in range(20):
        y = Rotate(30.0)(x, generator(seed))
        angle = torch.atan2(y[0, 0, 1], y[0, 0, 0]) - torch.atan2(x[0, 0, 1], x[0, 0, 0])
        angle = (angle + math.pi) % (2 * math.pi) - math.pi
        assert abs(float(angle)) <= math.radians(30) + 1e-5
        assert torch.all(y[:, 5] == 0) and torch.allclose(y[..., 2], x[..., 2])


def test_crop_removes_up_to_a_fifth_from_one_end_and_skips_short_sequences():
    x = sample(40)
    for seed in range(20):
        y = Crop()(x, generator(seed))
        assert 32 <= len(y) <= 39
        assert torch.equal(y, x[: len(y)]) or torch.equal(y, x[-len(y) :])
    assert torch.equal(Crop()(sample(19), generator()), sample(19))


def test_scale_distortion_multiplies_instead_of_adding():
    """Reference bug: scale + U(0.7, 1.3) gave 1.4-2.6; the factors must stay within 0.49-1.69."""
    x = torch.ones(5, 100, 3)
    for seed in range(50):
        factors = Scale(distort_p=1.0)(x, generator(seed))[0, 0]
        assert torch.all(factors >= 0.49 - 1e-6) and torch.all(factors <= 1.69 + 1e-6)


def test_missing_hand_fill_mirrors_the_present_hand_about_the_nose():
    x = sample()
    x[:, LEFT] = 0  # left hand never seen
    y = FillMissingHand()(x)
    nose_x = x[:, -1, 0:1]
    assert torch.allclose(y[:, LEFT, 0], 2 * nose_x - x[:, RIGHT, 0])
    assert torch.equal(y[:, RIGHT], x[:, RIGHT])


def test_missing_hand_fill_keeps_a_sequence_with_both_hands():
    """Reference bug: stale type ids made it overwrite the left hand of every sequence."""
    x = sample()
    x[:10, LEFT] = 0  # the left hand is seen later, so nothing is missing overall
    assert torch.equal(FillMissingHand()(x), x)


def test_mix_face_takes_the_donor_face_within_the_own_face_extent():
    x, donor = sample(30, 1), sample(12, 2) * 4
    y = mix_face(x, donor)
    face = face_points()
    others = torch.ones(100, dtype=torch.bool)
    others[face] = False
    assert torch.equal(y[:, others], x[:, others])
    assert not torch.allclose(y[:, face], x[:, face])
    low, high = x[:, face].amin((0, 1)), x[:, face].amax((0, 1))
    assert torch.all(y[:, face].amin((0, 1)) >= low - 1e-5)
    assert torch.all(y[:, face].amax((0, 1)) <= high + 1e-5)


def test_mix_face_flips_the_donor_to_the_same_dominant_hand():
    x, donor = sample(20, 1), sample(20, 2)
    x[:, RIGHT] = 0
    donor[:, LEFT] = 0
    assert dominant_hand(x) == "left" and dominant_hand(donor) == "right"
    assert dominant_hand(Flip()(donor)) == "left"
    assert mix_face(x, donor).shape == x.shape


def test_resize_time_keeps_missing_points_missing():
    x = sample(10)
    x[:, 3] = 0
    y = resize_time(x, 25)
    assert y.shape == (25, 100, 3) and torch.all(y[:, 3] == 0)
    assert torch.allclose(y[0], x[0]) and torch.allclose(y[-1], x[-1])


@pytest.mark.parametrize("strong", [True, False])
def test_pipeline_is_seeded_and_crops_at_most_a_fifth(strong):
    x = sample(40)
    x[:, 50] = 0
    augment = build_signs_augment(SignsAugmentConfig(), strong)
    assert torch.equal(augment(x, generator(3)), augment(x, generator(3)))
    y = augment(x, generator(4))
    assert y.shape[1:] == (100, 3) and 32 <= len(y) <= 40


def test_strong_phase_ends_at_half_of_training_or_epoch_50():
    config = SignsAugmentConfig()
    assert config.strong_until(100) == 50 and config.strong_until(200) == 50 and config.strong_until(30) == 15
