"""Isolated-sign preprocessing: selection, dropped frames, striding, normalisation, masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from signa.data.layout import GROUP_SLICES, SIGNS_100, check_has_hand
from signa.data.preprocess_signs import SignPreprocessor
from signa.errors import SignaError

NAN = float("nan")


def sequence(frames: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(frames, 543, 3)).astype(np.float32))


def drop_hands(x: torch.Tensor, frames) -> None:
    for group in ("left_hand", "right_hand"):
        x[frames, GROUP_SLICES[group]] = NAN


def test_selection_matches_the_layout_averaging():
    x = sequence(4)
    x[0, 1] = NAN  # a nose source: the averaged nose point becomes NaN
    expected = np.stack([x[:, list(group)].mean(1).numpy() for group in SIGNS_100.sources], 1)
    selected = SignPreprocessor(25).select(x)
    np.testing.assert_allclose(selected.numpy(), expected, atol=1e-6)


def test_frames_without_hands_are_dropped_and_long_sequences_strided():
    x = sequence(60)
    drop_hands(x, slice(0, None, 3))  # 40 frames keep a hand
    points, mask = SignPreprocessor(25)(x)
    assert points.shape == (25, 100, 3) and int(mask.sum()) == 20  # divisor 40 // 25 + 1 = 2
    assert not torch.isnan(points).any() and torch.all(points[~mask] == 0)


def test_stride_keeps_frames_whose_one_based_index_divides():
    x = torch.zeros(30, 100, 3)
    x[:, :, 0] = torch.arange(30, dtype=torch.float32)[:, None]  # frame number as x
    x[:, :, 1:] = torch.randn(30, 100, 2)
    points, mask = SignPreprocessor(10)(x)  # divisor 30 // 10 + 1 = 4: frames 4, 8, ..., 28 (1-based)
    order = points[mask, 0, 0].argsort()
    assert int(mask.sum()) == 7 and torch.equal(order, torch.arange(7))


def test_normalisation_is_per_axis_over_kept_frames():
    x = sequence(10) * 5 + 2
    x[3, GROUP_SLICES["left_hand"].start] = NAN  # the first selected point
    points, mask = SignPreprocessor(25)(x)
    real = points[mask].reshape(-1, 3)
    real = real[(real != 0).any(-1)]
    assert torch.allclose(real.mean(0), torch.zeros(3), atol=1e-3)
    assert torch.allclose(real.std(0, unbiased=False), torch.ones(3), atol=1e-2)
    assert torch.all(points[3, 0] == 0)


def test_batched_matches_unbatched_with_padding():
    a, b = sequence(12, 1), sequence(30, 2)
    drop_hands(b, slice(0, 5))
    prep = SignPreprocessor(25)
    batch = torch.full((2, 30, 543, 3), NAN)
    batch[0, :12], batch[1] = a, b
    valid = torch.zeros(2, 30, dtype=torch.bool)
    valid[0, :12], valid[1] = True, True
    points, mask = prep(batch, valid)
    for row, single in enumerate((a, b)):
        expected_points, expected_mask = prep(single)
        assert torch.equal(mask[row], expected_mask)
        assert torch.allclose(points[row], expected_points, atol=1e-5)


def test_a_sequence_without_hands_keeps_its_frames_in_the_graph_but_is_refused_by_the_library():
    x = sequence(8)
    drop_hands(x, slice(None))
    points, mask = SignPreprocessor(25)(x)
    assert int(mask.sum()) == 8
    with pytest.raises(SignaError, match="no hand"):
        check_has_hand(x.numpy(), "clip.parquet")
    check_has_hand(sequence(3).numpy())


def test_exports_with_a_dynamic_frame_count():
    prep = SignPreprocessor(25)
    frames = torch.export.Dim("frames", min=2, max=500)
    program = torch.export.export(prep, (sequence(40),), dynamic_shapes=({0: frames},))
    other = sequence(17, 5)
    drop_hands(other, slice(2, 6))
    for got, want in zip(program.module()(other), prep(other), strict=True):
        assert torch.allclose(got.float(), want.float())
