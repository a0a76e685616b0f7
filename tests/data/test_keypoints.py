"""Keypoint layouts: foreign flat vectors onto the 543 points, checked on MSL-150's real 226-value frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_runner import run_cli
from signa.data.keypoints import ITEM_HELP, parse_layout
from signa.data.layout import GROUP_SLICES, landmark_index
from signa.data.readers import read_npy, read_sequences
from signa.errors import SignaError

MSL150 = "pose25v,left_hand,right_hand"
RIGHT_WRIST = landmark_index("right_hand", 0)
POSE_RIGHT_WRIST = landmark_index("pose", 16)


@pytest.fixture(scope="module")
def lsm(shared_data):
    return shared_data / "lsm-msl150/sample_npy"


@pytest.fixture(scope="module")
def yo_reference(shared_data):
    """Reference landmarks of the LSM video yo_001 (55 frames), the likely source of MSL-150's 'yo'."""
    return read_sequences(shared_data / "videos/yo_001.parquet")[0].landmarks


def best_alignment(sequence: np.ndarray, reference: np.ndarray, point: int) -> float:
    """Median |dx|, |dy| of ``point`` at the time offset into ``reference`` where it is smallest."""
    n = len(sequence)
    return min(
        float(np.nanmedian(np.abs(reference[o : o + n, point, :2] - sequence[:, point, :2])))
        for o in range(len(reference) - n + 1)
    )


@pytest.mark.parametrize(
    ("spec", "width"),
    [("mp-data", 1662), ("mp-data-noface", 258), (MSL150, 226), ("left_hand,right_hand", 126)],
)
def test_widths_of_known_layouts(spec, width):
    assert parse_layout(spec).width == width


def test_msl150_right_wrist_follows_the_reference_video(lsm, yo_reference):
    """The README's check: values 163-164 are the right wrist of the same sign's video, within 0.01
    (observed 0.001-0.008 over the 20 sequences); the pose wrist (values 64-65) within 0.02 (observed
    0.004-0.012; read one pose point off, 0.23-0.29)."""
    sequences = read_sequences(lsm / "yo", MSL150)
    assert len(sequences) == 20 and all(s.frames == 30 for s in sequences)
    for sequence in sequences:
        assert best_alignment(sequence.landmarks, yo_reference, RIGHT_WRIST) < 0.01, sequence.path
        assert best_alignment(sequence.landmarks, yo_reference, POSE_RIGHT_WRIST) < 0.02, sequence.path


def test_msl150_parts_left_out_or_undetected_are_missing(lsm):
    """No face in the layout; pose 25-32 not stored; 'yo' is one-handed, its left hand stored as zeros."""
    landmarks = read_npy(lsm / "yo/1", MSL150).landmarks
    assert np.isnan(landmarks[:, GROUP_SLICES["face"]]).all()
    pose = landmarks[:, GROUP_SLICES["pose"]]
    assert not np.isnan(pose[:, :25]).any() and np.isnan(pose[:, 25:]).all()
    assert np.isnan(landmarks[:, GROUP_SLICES["left_hand"]]).all()
    assert not np.isnan(landmarks[:, GROUP_SLICES["right_hand"]]).any()


def test_swapped_hands_do_not_follow_the_reference(lsm, yo_reference):
    """The check can fail: read with the hands swapped, no right hand is left to follow the video."""
    landmarks = read_npy(lsm / "yo/1", "pose25v,right_hand,left_hand").landmarks
    assert np.isnan(landmarks[:, GROUP_SLICES["right_hand"]]).all()
    shifted = read_npy(lsm / "yo/1", "skip4,pose24v,left_hand,right_hand").landmarks  # off by one point
    assert best_alignment(shifted, yo_reference, POSE_RIGHT_WRIST) > 0.1


def to_flat(landmarks: np.ndarray) -> np.ndarray:
    """(T, 543, 3) -> (T, 226) the MSL-150 way: 25 pose points with visibility 1, hands, zeros for NaN."""
    clean = np.nan_to_num(landmarks)
    pose = np.concatenate([clean[:, GROUP_SLICES["pose"]][:, :25], np.ones((len(clean), 25, 1))], -1)
    hands = [clean[:, GROUP_SLICES[h]] for h in ("left_hand", "right_hand")]
    return np.concatenate([p.reshape(len(clean), -1) for p in (pose, *hands)], axis=1)


def test_round_trip_of_a_real_sequence(shared_data, tmp_path):
    """Real landmarks (dolor_001: the right hand is lost in some frames) packed as 226 values, read back."""
    landmarks = read_sequences(shared_data / "videos/dolor_001.parquet")[0].landmarks
    np.save(tmp_path / "dolor.npy", to_flat(landmarks))
    back = read_npy(tmp_path / "dolor.npy", MSL150).landmarks
    covered = np.r_[GROUP_SLICES["left_hand"], GROUP_SLICES["right_hand"]]
    covered = np.r_[covered, GROUP_SLICES["pose"].start + np.arange(25)]
    np.testing.assert_array_equal(back[:, covered], landmarks[:, covered])
    lost = np.isnan(landmarks[:, GROUP_SLICES["right_hand"]]).all(axis=(1, 2))
    assert 0 < lost.sum() < len(lost)  # the undetected frames came back as NaN, the others as values


def test_yaml_layout_equals_the_spec(lsm, tmp_path):
    path = tmp_path / "msl150.yaml"
    path.write_text(
        "blocks:\n"
        "  - {part: pose, landmarks: [0, 25], visibility: true}\n"
        "  - {part: left_hand}\n"
        "  - {part: right_hand}\n"
    )
    from_yaml = read_npy(lsm / "hoy/3", path).landmarks
    np.testing.assert_array_equal(from_yaml, read_npy(lsm / "hoy/3", MSL150).landmarks)


def test_xy_blocks_and_skips(tmp_path):
    """Synthetic values: an x-y-only block gets z = 0; skip blocks are stepped over."""
    frame = np.arange(1, 1 + 2 + 21 * 2 + 3, dtype=np.float32)  # skip 2, right hand x y, skip 3
    path = tmp_path / "hand.yaml"
    path.write_text("blocks:\n  - {skip: 2}\n  - {part: right_hand, coords: xy}\n  - {skip: 3}\n")
    landmarks = parse_layout(path).to_landmarks(frame[None])
    hand = landmarks[0, GROUP_SLICES["right_hand"]]
    np.testing.assert_array_equal(hand[:, :2].ravel(), frame[2:44])
    assert (hand[:, 2] == 0).all() and np.isnan(landmarks[0, GROUP_SLICES["pose"]]).all()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pose25q,left_hand", "'pose25q' is not a block"),
        ("pose40", "pose40 is outside pose's landmarks 0-32"),
        ("pose[20:10]", r"outside pose's landmarks"),
        ("left_hand,pose,left_hand", "left_hand and left_hand both fill left_hand"),
        ("skip3", "names no landmark block"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(SignaError, match=message):
        parse_layout(spec)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("blocks: []\n", "non-empty 'blocks' list"),
        ("blocks:\n  - {part: torso}\n", "part must be one of"),
        ("blocks:\n  - {part: pose, landmarks: [0]}\n", "landmarks must be a count or"),
        ("blocks:\n  - {part: pose, colour: red}\n", "unknown key"),
        ("blocks:\n  - {part: pose, coords: xz}\n", "coords must be xyz or xy"),
        ("blocks: [\n", "not valid YAML"),
    ],
)
def test_bad_layout_files(tmp_path, text, message):
    path = tmp_path / "layout.yaml"
    path.write_text(text)
    with pytest.raises(SignaError, match=message) as error:
        parse_layout(path)
    assert error.value.path == str(path)


def test_spec_that_does_not_match_the_vector_length(lsm):
    frame = lsm / "yo/1/0.npy"
    with pytest.raises(SignaError, match=r"expected 258 values per frame .* found shape \(226,\)") as error:
        read_npy(frame, "mp-data-noface")
    assert error.value.path == str(frame)


def test_cli_inspect_and_prepare_with_a_layout(lsm, tmp_path, monkeypatch, capsys):
    code, out, err = run_cli(
        monkeypatch, capsys, "data", "inspect", "--json", lsm / "hoy", "--layout", MSL150
    )
    assert code == 0, err
    records = json.loads(out)
    assert len(records) == 20 and {r["frames"] for r in records} == {30}
    assert all(r["missing"]["face"] == 1.0 and r["missing"]["pose"] == 0.0 for r in records)
    code, out, err = run_cli(
        monkeypatch, capsys, "data", "prepare", lsm, "--out", tmp_path / "store", "--layout", MSL150
    )
    assert code == 0, err
    assert "86 sequences, 2580 frames" in out
    signs = json.loads((tmp_path / "store/sign_to_prediction_index_map.json").read_text())
    assert signs == {"ambulancia": 0, "doctor": 1, "dolor": 2, "hoy": 3, "yo": 4}


def test_cli_wrong_layout_is_one_error_line(lsm, monkeypatch, capsys):
    code, out, err = run_cli(
        monkeypatch, capsys, "data", "inspect", lsm / "yo/1", "--layout", "mp-data-noface"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {lsm / 'yo/1/0.npy'}: expected 258 values")
    code, _, err = run_cli(
        monkeypatch, capsys, "data", "prepare", lsm, "--out", "unused", "--layout", "hands"
    )
    assert code == 2 and err == f"error: layout 'hands': 'hands' is not a block; {ITEM_HELP}\n"
