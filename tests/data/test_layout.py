import numpy as np
import pytest

from signa.data import layout


def test_groups_cover_543_points_in_kaggle_order():
    assert layout.N_LANDMARKS == 543
    assert layout.GROUP_SLICES["face"] == slice(0, 468)
    assert layout.GROUP_SLICES["left_hand"] == slice(468, 489)
    assert layout.GROUP_SLICES["pose"] == slice(489, 522)
    assert layout.GROUP_SLICES["right_hand"] == slice(522, 543)
    assert layout.landmark_name(0) == "face_0"
    assert layout.landmark_name(542) == "right_hand_20"


def test_wide_columns_follow_the_kaggle_block_order():
    columns = layout.wide_columns()
    assert len(columns) == 1629
    assert columns[0] == "x_face_0" and columns[543] == "y_face_0" and columns[-1] == "z_right_hand_20"
    assert columns[1 * 543 + 468] == "y_left_hand_0"


def test_mirror_map_is_an_involution_that_swaps_the_hands():
    mirror = layout.mirror_map()
    assert (mirror[mirror] == np.arange(543)).all()
    left, right = layout.GROUP_SLICES["left_hand"], layout.GROUP_SLICES["right_hand"]
    assert (mirror[left] == np.arange(right.start, right.stop)).all()
    assert layout.landmark_name(int(mirror[layout.landmark_index("pose", 11)])) == "pose_12"


def test_fingerspelling_selection_matches_the_first_place_order():
    sel = layout.FINGERSPELLING_130
    assert len(sel) == 130
    names = [layout.landmark_name(p) for p in sel.plain_positions]
    assert names[:3] == ["face_0", "face_61", "face_185"]
    assert names[40] == "left_hand_0" and names[61] == "right_hand_0"
    assert names[82:86] == ["face_1", "face_2", "face_98", "face_327"]
    assert names[118] == "pose_12" and names[124] == "pose_11" and names[129] == "pose_21"
    counts = {name: len(sel.part_indices(part)) for part, name in sel.part_names.items()}
    assert counts == {"left_hand": 21, "right_hand": 21, "face": 76, "pose": 12}


def test_signs_selection_has_100_points_with_five_averages():
    sel = layout.SIGNS_100
    assert len(sel) == 100
    assert sum(len(g) > 1 for g in sel.sources) == 5
    assert len(sel.part_indices(3)) + len(sel.part_indices(6)) == 25
    frame = np.random.default_rng(0).random((2, 543, 3)).astype(np.float32)
    out = sel.apply(frame)
    nose = [layout.landmark_index("face", i) for i in layout.SIGN_NOSE]
    np.testing.assert_allclose(out[:, -1], frame[:, nose].mean(axis=1), rtol=1e-6)


@pytest.mark.parametrize("selection", list(layout.SELECTIONS.values()), ids=lambda s: s.name)
def test_selection_flip_is_an_involution_consistent_with_the_mirror_map(selection):
    perm = selection.mirror_permutation
    assert (perm[perm] == np.arange(len(selection))).all()
    frame = np.random.default_rng(1).random((3, 543, 3)).astype(np.float32)
    mirrored_then_selected = selection.apply(frame[:, layout.mirror_map()])
    selected_then_permuted = selection.apply(frame)[:, perm]
    np.testing.assert_allclose(mirrored_then_selected, selected_then_permuted, rtol=1e-6)
