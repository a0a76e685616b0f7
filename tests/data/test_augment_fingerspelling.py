"""Contracts of the fingerspelling augmentations, on real landmark sequences where it matters."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import torch

from signa.config import from_dict, to_dict
from signa.data.augment.base import Apply, Compose, OneOf, OnWindows, sample_generator
from signa.data.augment.fingerspelling import (
    FingerspellingAugmentConfig,
    build_fingerspelling_augment,
    fingerspelling_steps,
    outer_cutmix,
)
from signa.data.augment.fingerspelling_ops import (
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
    finger_groups,
    nearest_indices,
    part_points,
)
from signa.data.layout import FINGERSPELLING_130
from signa.data.preprocess import normalise, select_landmarks
from signa.data.readers import read_kaggle_long
from signa.errors import SignaError

SELECTION = FINGERSPELLING_130
LEFT, RIGHT = part_points(SELECTION, "left_hand"), part_points(SELECTION, "right_hand")
FACE, POSE = part_points(SELECTION, "face"), part_points(SELECTION, "pose")


def normalised(path) -> torch.Tensor:
    """(T, 130, 3) globally normalised landmarks, missing points 0: what the augmentations receive."""
    return normalise(select_landmarks(torch.from_numpy(read_kaggle_long(path).landmarks), SELECTION))


@pytest.fixture(scope="module")
def signer(shared_data) -> torch.Tensor:
    """asl-signs 'hello', 128 frames: left hand in 93 % of frames, face and arms throughout."""
    return normalised(shared_data / "asl-signs/train_landmark_files/61333/2671685092.parquet")


@pytest.fixture(scope="module")
def two_hands(shared_data) -> torch.Tensor:
    """ASL FOOTBALL, 62 frames, both hands in (nearly) every frame."""
    return normalised(shared_data / "pose/FOOTBALL.parquet")


def seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def missing(x: torch.Tensor) -> torch.Tensor:
    return (x == 0).all(-1)


def indices(mask: torch.Tensor) -> torch.Tensor:
    return torch.nonzero(mask).flatten()


# -- Primitives -----------------------------------------------------------------------------------


def mark(x, generator):
    return x + 1


def test_apply_fires_with_its_probability():
    g = seeded()
    fired = sum(int(Apply(mark, 0.3)(torch.zeros(1), g).item()) for _ in range(4000))
    assert abs(fired / 4000 - 0.3) < 0.03
    assert Apply(mark, 0.0)(torch.zeros(1), g).item() == 0
    with pytest.raises(ValueError, match="probability"):
        Apply(mark, 1.5)


def test_one_of_picks_by_weight_and_compose_runs_in_order():
    g = seeded()
    pick = OneOf([lambda x, _: x + 1, lambda x, _: x + 2], weights=[0.7, 0.5])
    counts = Counter(int(pick(torch.zeros(1), g).item()) for _ in range(4000))
    assert abs(counts[1] / 4000 - 0.7 / 1.2) < 0.03
    double_then_add = Compose([lambda x, _: x * 2, lambda x, _: x + 1])
    assert double_then_add(torch.ones(1), g).item() == 3


def test_on_windows_touches_only_its_windows_and_refuses_length_changes():
    x = torch.ones(100, 2, 3)
    out = OnWindows(lambda w, _: w * 0, windows=1, size=(0.25, 0.5))(x, seeded())
    zeroed = indices(missing(out).all(1))
    assert 25 <= len(zeroed) <= 50 and (zeroed.diff() == 1).all()
    assert (x == 1).all()  # input untouched
    with pytest.raises(ValueError, match="keeps the number of frames"):
        OnWindows(lambda w, _: w[:1])(x, seeded())


def test_sample_generators_are_reproducible_and_independent():
    draw = lambda *keys: torch.rand(4, generator=sample_generator(*keys))  # noqa: E731
    assert torch.equal(draw(7, 3, 11), draw(7, 3, 11))
    assert not torch.equal(draw(7, 3, 11), draw(7, 3, 12))
    assert not torch.equal(draw(7, 3, 11), draw(7, 4, 11))


# -- Flip -----------------------------------------------------------------------------------------


def test_flip_twice_is_identity_and_moves_the_left_hand_to_the_right(signer):
    flip = Flip(SELECTION)
    flipped = flip(signer, seeded())
    assert torch.equal(flip(flipped, seeded()), signer)
    assert torch.equal(flipped[:, RIGHT, 0], -signer[:, LEFT, 0])
    assert torch.equal(flipped[:, RIGHT, 1:], signer[:, LEFT, 1:])
    assert missing(signer[:, RIGHT]).all() and missing(flipped[:, LEFT]).all()  # one-handed signer
    assert missing(flipped).sum() == missing(signer).sum()


# -- Temporal -------------------------------------------------------------------------------------


def test_resample_lengths_and_frames(signer):
    g = seeded()
    for _ in range(50):
        out = Resample((0.3, 2.0))(signer, g)
        assert int(0.3 * len(signer)) <= len(out) <= int(2.0 * len(signer))
    assert torch.equal(Resample((1.0, 1.0))(signer, g), signer)
    assert len(Resample((0.01, 0.01))(signer[:5], g)) == 1
    # each output frame is an input frame, in order (nearest neighbour, no blending)
    assert (nearest_indices(torch.tensor([10]), torch.tensor([25])).diff() >= 0).all()
    assert nearest_indices(torch.tensor([10]), torch.tensor([5])).tolist() == [0, 2, 4, 6, 8]


def test_dynamic_resample_changes_speed_by_chunk(signer):
    g = seeded()
    lengths = []
    for _ in range(30):
        out = DynamicResample((20, 29), (0.9, 1.1))(signer, g)
        lengths.append(len(out))
        assert out.shape[1:] == signer.shape[1:]
    assert min(lengths) >= int(0.9 * len(signer)) - 29 and max(lengths) <= int(1.1 * len(signer))
    assert len(set(lengths)) > 3
    assert torch.equal(DynamicResample((20, 29), (1.0, 1.0))(signer, g), signer)
    assert len(DynamicResample((20, 29), (0.9, 1.1))(signer[:3], g)) >= 3  # chunks capped at T
    source = nearest_indices(torch.tensor([3, 3]), torch.tensor([2, 4]))
    assert source.tolist() == [0, 1, 3, 3, 4, 5]


def test_time_shift_prepends_zeros_or_drops_leading_frames(signer):
    g = seeded()
    for _ in range(60):
        out = TimeShift((-10, 9))(signer, g)
        shift = len(out) - len(signer)
        assert -10 <= shift <= 9
        if shift >= 0:
            assert missing(out[:shift]).all() and torch.equal(out[shift:], signer)
        else:
            assert torch.equal(out, signer[-shift:])
    assert torch.equal(TimeShift((-10, -10))(signer[:5], g), signer[:5])  # keeps at least 3 frames


def test_temporal_mask_variants_zero_the_stated_number_of_blocks(signer):
    g = seeded()
    for _ in range(20):
        out = TemporalMask(1, (0.2, 0.4))(signer, g)
        blanked = indices(missing(out).all(1) & ~missing(signer).all(1))
        assert (blanked.diff() == 1).all() and len(blanked) <= int(0.4 * len(signer))
        assert missing(out).all(1).sum() >= int(0.2 * len(signer))
    x = torch.ones(200, 1, 3)
    for count in (2, 4):
        out = TemporalMask(count, (0.05, 0.1))(x, g)
        starts = (missing(out).all(1).int().diff() == 1).sum() + int(missing(out[0]).all())
        assert 1 <= starts <= count  # blocks can overlap or touch
        assert 10 <= missing(out).all(1).sum() <= count * 20  # each block 10-20 of 200 frames


# -- Spatial --------------------------------------------------------------------------------------


def test_spatial_affine_moves_xy_keeps_z_and_missing_points(signer):
    g = seeded()
    out = SpatialAffine()(signer, g)
    assert torch.equal(out[..., 2], signer[..., 2])
    assert torch.equal(missing(out), missing(signer))
    assert not torch.allclose(out[..., :2], signer[..., :2])
    shifted = SpatialAffine((1.0, 1.0), (0.0, 0.0), (0.1, 0.1), (0.0, 0.0))(signer, g)
    present = ~missing(signer)
    assert torch.allclose(shifted[present][:, :2], signer[present][:, :2] + 0.1)
    rotated = SpatialAffine((1.0, 1.0), (0.0, 0.0), (0.0, 0.0), (-30.0, 30.0))(signer, g)
    assert torch.allclose(rotated[..., :2].norm(dim=-1), signer[..., :2].norm(dim=-1), atol=1e-5)


def test_fingers_drop_drops_two_to_five_distinct_fingers(two_hands):
    g = seeded()
    fingers = finger_groups(SELECTION)  # (10, 4)
    assert not missing(two_hands[:, fingers.flatten()]).all(0).any()
    counts = Counter()
    for _ in range(300):
        out = FingersDrop((2, 5), SELECTION)(two_hands, g)
        dropped = missing(out).all(0) & ~missing(two_hands).all(0)  # points zero in every frame
        finger_dropped = dropped[fingers].all(1)  # (10,)
        assert (dropped[fingers].any(1) == finger_dropped).all()  # whole fingers only
        assert dropped.sum() == 4 * finger_dropped.sum()  # and nothing else (no wrist, no face)
        counts[int(finger_dropped.sum())] += 1
    assert set(counts) == {2, 3, 4, 5} and min(counts.values()) > 40


def test_fingers_drop_on_windows_acts_inside_the_windows_only(two_hands):
    g = seeded()
    on_windows = OnWindows(FingersDrop((2, 5), SELECTION), windows=2, size=(0.25, 0.5))
    for _ in range(20):
        out = on_windows(two_hands, g)
        changed_frames = indices((out != two_hands).any(-1).any(-1))
        assert len(changed_frames) <= len(two_hands)
        assert len(changed_frames) >= int(0.25 * len(two_hands)) - 2
        changed_points = indices((out != two_hands).any(-1).any(0))
        assert set(changed_points.tolist()) <= set(finger_groups(SELECTION).flatten().tolist())
        assert missing(out[:, :, :][(out != two_hands).any(-1)]).all()


def test_part_drops_zero_exactly_their_parts(signer):
    g = seeded()
    assert (len(FACE), len(POSE), len(LEFT) + len(RIGHT)) == (76, 12, 42)
    face = PartDrop(("face",), SELECTION)(signer, g)
    assert missing(face[:, FACE]).all() and torch.equal(face[:, POSE], signer[:, POSE])
    hands = PartDrop(("left_hand", "right_hand"), SELECTION)(signer, g)
    assert missing(hands[:, LEFT]).all() and torch.equal(hands[:, FACE], signer[:, FACE])
    mirror = torch.as_tensor(SELECTION.mirror_permutation)
    sizes = set()
    for _ in range(60):
        out = PoseDrop((0, 3), SELECTION)(signer, g)
        dropped = indices(missing(out).all(0) & ~missing(signer).all(0))
        assert set(dropped.tolist()) <= set(POSE.tolist())
        assert set(mirror[dropped].tolist()) == set(dropped.tolist())  # both arms alike
        sizes.add(len(dropped))
    assert sizes == {12, 10, 8, 6}


def test_spatial_mask_acts_on_points_inside_a_box(signer):
    g = seeded()
    changed = 0
    present_xy = signer[~missing(signer)][:, :2]
    extent = present_xy.amax(0) - present_xy.amin(0)
    for _ in range(100):
        out = SpatialMask((0.05, 0.1))(signer, g)
        diff = (out != signer).any(-1)  # (T, K)
        assert missing(out[diff]).all()  # only zeroing
        if diff.any():
            changed += 1
            xy = signer[diff][:, :2]
            assert ((xy.amax(0) - xy.amin(0)) <= 0.1 * extent + 1e-6).all()
    assert changed > 15  # the reference's SpatialMask never changed anything (§2.12.1)


# -- Pipeline -------------------------------------------------------------------------------------


def test_part_drop_step_has_the_reference_effective_probabilities(signer):
    part_drop, p = fingerspelling_steps(FingerspellingAugmentConfig())["part_drop"]
    assert p == 1.0
    g, counts, n = seeded(), Counter(), 4000
    short = signer[:4]
    for _ in range(n):
        out = part_drop(short, g)
        if missing(out[:, FACE]).all():
            counts["face"] += 1
        elif missing(out[:, POSE]).any():
            counts["pose"] += 1
        elif missing(out[:, RIGHT]).all() and missing(out[:, LEFT]).all():
            counts["hands"] += 1
    expected = {
        "pose": 0.5 / 0.55 * 0.5 * 0.7 / 1.2,
        "face": 0.5 / 0.55 * 0.5 * 0.5 / 1.2,
        "hands": 0.05 / 0.55,
    }
    for name, probability in expected.items():
        assert abs(counts[name] / n - probability) < 0.025, name


def test_pipeline_is_reproducible_and_keeps_the_layout(signer):
    augment = build_fingerspelling_augment()
    outputs = [augment(signer, seeded(seed)) for seed in (1, 1, 2)]
    assert torch.equal(outputs[0], outputs[1]) and not torch.equal(outputs[0], outputs[2])
    lengths = set()
    for seed in range(40):
        out = augment(signer, seeded(seed))
        assert out.shape[1:] == (130, 3) and torch.isfinite(out).all()
        lengths.add(len(out))
    assert len(lengths) > 10
    cfg_2 = [(step.p, type(step.transform).__name__) for step in augment.transforms]
    assert [p for p, _ in cfg_2] == [0.5, 0.8, 0.25, 0.5, 0.75, 0.75, 1.0, 0.5, 0.5]
    assert [name for _, name in cfg_2][:6] == ["Flip", "Resample", "DynamicResample", "TimeShift"] + [
        "SpatialAffine",
        "OnWindows",
    ]
    cfg_1 = build_fingerspelling_augment(FingerspellingAugmentConfig.cfg_1()).transforms
    assert [step.p for step in cfg_1] == [0.5, 0.8, 0.75, 0.5, 0.5]
    assert cfg_1[1].transform.rate == (0.5, 1.5) and cfg_1[2].transform.scale == (0.8, 1.2)


def test_config_reads_from_yaml_data_and_refuses_bad_values():
    data = {
        "resample_p": 0.5,
        "affine_scale": [0.9, 1.1],
        "temporal_masks": [{"count": 3, "size": [0.1, 0.2]}],
    }
    config = from_dict(FingerspellingAugmentConfig, data, "exp.yaml")
    assert config.affine_scale == (0.9, 1.1) and config.temporal_masks[0].count == 3
    assert FingerspellingAugmentConfig.preset("cfg_1") == FingerspellingAugmentConfig.cfg_1()
    saved = json.loads(json.dumps(to_dict(FingerspellingAugmentConfig.cfg_1())))  # as stored in a checkpoint
    assert from_dict(FingerspellingAugmentConfig, saved) == FingerspellingAugmentConfig.cfg_1()
    with pytest.raises(SignaError, match="exp.yaml.*flip_p must lie in"):
        from_dict(FingerspellingAugmentConfig, {"flip_p": 2}, "exp.yaml")
    with pytest.raises(SignaError, match="resample_rate must be"):
        from_dict(FingerspellingAugmentConfig, {"resample_rate": [2.0, 0.3]}, "exp.yaml")
    with pytest.raises(SignaError, match="fingers_drop_count"):
        from_dict(FingerspellingAugmentConfig, {"fingers_drop_count": [2, 12]}, "exp.yaml")
    with pytest.raises(SignaError, match="temporal mask needs"):
        from_dict(
            FingerspellingAugmentConfig, {"temporal_masks": [{"count": 0, "size": [0.1, 0.2]}]}, "e.yaml"
        )
    with pytest.raises(SignaError, match="unknown config key"):
        from_dict(FingerspellingAugmentConfig, {"flip": 0.5}, "exp.yaml")


# -- CutMix ---------------------------------------------------------------------------------------


def test_outer_cutmix_cuts_frames_and_phrases_at_the_same_fraction():
    seq1 = torch.arange(1, 41, dtype=torch.float32)[:, None, None].expand(40, 130, 3)  # frames 1..40
    seq2 = -torch.arange(1, 21, dtype=torch.float32)[:, None, None].expand(20, 130, 3)  # frames -1..-20
    phrase1, phrase2 = "abcdefghij", "0123456789xyz"
    orders = Counter()
    for seed in range(40):
        g = seeded(seed)
        r = torch.rand((), generator=seeded(seed), dtype=torch.float64).item()  # the first draw
        seq, phrase, score = outer_cutmix(seq1, phrase1, 1.0, seq2, phrase2, 0.0, g)
        cut = lambda n, r=r: min(max(round(n * r), 1), n - 1)  # noqa: E731
        frames = seq[:, 0, 0]
        if frames[0] < 0:  # tail of seq2, then head of seq1
            orders["seq2 first"] += 1
            assert phrase == phrase2[cut(13) :] + phrase1[: cut(10)]
            assert torch.equal(frames, torch.cat([seq2[cut(20) :, 0, 0], seq1[: cut(40), 0, 0]]))
            assert score == pytest.approx(r)
        else:
            orders["seq1 first"] += 1
            assert phrase == phrase1[cut(10) :] + phrase2[: cut(13)]
            assert torch.equal(frames, torch.cat([seq1[cut(40) :, 0, 0], seq2[: cut(20), 0, 0]]))
            assert score == pytest.approx(1 - r)
        # the share of seq1 frames matches its weight in the score (up to rounding)
        assert abs((frames > 0).sum().item() / 40 - score) <= 1 / 40 + 1e-9
    assert min(orders.values()) > 10


def test_outer_cutmix_keeps_at_least_one_item_of_each_source():
    g = seeded(3)
    for _ in range(50):
        seq, phrase, _ = outer_cutmix(
            torch.ones(2, 130, 3), [1, 2], 0.5, -torch.ones(3, 130, 3), [7, 8, 9], 1.0, g
        )
        assert (seq[:, 0, 0] > 0).any() and (seq[:, 0, 0] < 0).any()
        assert {1, 2} & set(phrase) and {7, 8, 9} & set(phrase)
