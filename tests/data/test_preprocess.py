"""Fingerspelling preprocessing: selection, global normalisation, resampling and padding."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from signa.data.layout import FINGERSPELLING_130
from signa.data.preprocess import finite, interpolate_or_pad, normalise, preprocess, select_landmarks


def raw(frames: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(frames, 543, 3)).astype(np.float32))


def test_raw_frames_and_kaggle_columns_select_the_same_points():
    x = raw(6)
    points = select_landmarks(x)
    columns = points.permute(0, 2, 1).reshape(6, 390)  # x-block | y-block | z-block
    assert torch.equal(select_landmarks(columns), points)
    assert torch.equal(points[:, 40], x[:, FINGERSPELLING_130.plain_positions[40]])
    with pytest.raises(ValueError, match="expected"):
        select_landmarks(torch.zeros(6, 100))


def test_finite_is_isfinite_without_the_ops_converters_lack():
    x = torch.tensor([0.0, -2.5, 3.4e38, -3.4e38, float("nan"), float("inf"), -float("inf")])
    assert torch.equal(finite(x), torch.isfinite(x))


def test_normalise_uses_present_values_only_and_zeroes_the_missing():
    x = select_landmarks(raw(20))
    x[:, 40:82] = float("nan")  # no hands at all
    y = normalise(x)
    present = y[:, :40]
    assert torch.isfinite(y).all() and (y[:, 40:82] == 0).all()
    values = torch.cat([x[:, :40], x[:, 82:]], 1).reshape(-1, 3)
    expected = (x[:, :40] - values.mean(0)) / values.std(0, correction=0)
    torch.testing.assert_close(present, expected)


def test_normalise_of_a_batch_ignores_padded_frames():
    x = select_landmarks(raw(12))
    batch = torch.stack([x, torch.cat([x[:5], torch.full_like(x[5:], 7.0)])])
    mask = torch.arange(12)[None] < torch.tensor([[12], [5]])
    y = normalise(batch, mask)
    torch.testing.assert_close(y[1, :5], normalise(x[:5]))
    assert (y[1, 5:] == 0).all()
    torch.testing.assert_close(y[0], normalise(x))


@pytest.mark.parametrize("frames", [1, 100, 384, 385, 598, 1000])
def test_interpolate_or_pad_is_nearest_resampling_or_zero_padding(frames):
    x = torch.randn(frames, 130, 3)
    y, mask = interpolate_or_pad(x, 384)
    assert y.shape == (384, 130, 3) and mask.shape == (384,)
    if frames > 384:
        expected = F.interpolate(x.permute(1, 2, 0), size=384, mode="nearest").permute(2, 0, 1)
        assert torch.equal(y, expected) and mask.all()
    else:
        assert torch.equal(y[:frames], x) and (y[frames:] == 0).all() and mask.sum() == frames


def test_interpolate_or_pad_of_a_padded_batch_matches_each_sequence():
    lengths = torch.tensor([500, 50])
    batch = torch.randn(2, 500, 4, 3)
    y, mask = interpolate_or_pad(batch, 384, lengths)
    for i, length in enumerate(lengths.tolist()):
        alone, alone_mask = interpolate_or_pad(batch[i, :length], 384)
        assert torch.equal(y[i], alone) and torch.equal(mask[i], alone_mask)


def test_preprocess_without_padding_and_of_an_empty_sequence():
    y, mask = preprocess(raw(50), pad=False)
    assert y.shape == (50, 130, 3) and mask.all()
    y, mask = preprocess(torch.zeros(0, 543, 3))
    assert y.shape == (384, 130, 3) and mask.sum() == 1 and (y == 0).all()
