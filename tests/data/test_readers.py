"""Readers against every real file kind of the data kit, checked against what its README states."""

from __future__ import annotations

import numpy as np
import pytest

from signa.data.inspect import missing_fractions
from signa.data.layout import GROUP_SLICES, N_LANDMARKS
from signa.data.readers import (
    NPY_WIDTH,
    iter_sequences,
    read_kaggle_long,
    read_letter_poses,
    read_npy,
    read_pose,
    read_sequences,
)
from signa.data.writers import write_kaggle_long


def detected(sequence) -> dict[str, float]:
    return {g: 1.0 - f for g, f in missing_fractions(sequence.landmarks).items()}


def test_asl_signs_shapes_lengths_and_detection_rates(asl_signs_sequences):
    sequences = [seq for _, seq in asl_signs_sequences.values()]
    assert len(sequences) == 126
    for seq in sequences:
        assert seq.landmarks.dtype == np.float32
        assert seq.landmarks.shape[1:] == (N_LANDMARKS, 3)
        assert seq.format == "kaggle-long"
    lengths = [s.frames for s in sequences]
    assert (min(lengths), max(lengths), float(np.median(lengths))) == (5, 136, 16.5)
    # README: "pose 100 %, face 97 %, right hand 38 %, left hand 29 % of frames" (mean over the files).
    rates = {g: np.mean([detected(s)[g] for s in sequences]) for g in GROUP_SLICES}
    assert {g: round(float(r), 2) for g, r in rates.items()} == {
        "face": 0.97,
        "left_hand": 0.29,
        "pose": 1.0,
        "right_hand": 0.38,
    }


def test_asl_signs_frames_start_anywhere_and_are_contiguous(asl_signs_sequences):
    firsts = [seq.meta["first_frame"] for _, seq in asl_signs_sequences.values()]
    assert min(firsts) == 0 and max(firsts) == 116
    assert all(seq.meta["frames_present"] == seq.frames for _, seq in asl_signs_sequences.values())


def test_asl_signs_parts_are_missing_whole(asl_signs_sequences):
    """A group is either fully present or fully NaN in a frame; only whole parts go missing."""
    for _, seq in asl_signs_sequences.values():
        for part in GROUP_SLICES.values():
            nan = np.isnan(seq.landmarks[:, part]).all(axis=-1)  # (T, points)
            assert (nan.all(axis=1) | ~nan.any(axis=1)).all()


def test_long_reader_places_rows_by_type_not_order(asl_signs):
    """The values of the file, read independently with pyarrow, land at their named positions."""
    import pyarrow.parquet as pq

    path = asl_signs / "train_landmark_files/16069/6623499.parquet"
    table = pq.read_table(path).to_pylist()
    seq = read_kaggle_long(path)
    for row in table[::997]:
        position = GROUP_SLICES[row["type"]].start + row["landmark_index"]
        got = seq.landmarks[row["frame"] - seq.meta["first_frame"], position]
        expected = np.array([row["x"], row["y"], row["z"]], np.float32)
        np.testing.assert_array_equal(got, expected)


def test_silfa_quirks(shared_data):
    """SILFA: rows ordered pose, face, left, right; int64 dtypes; frame always 1; no NaN."""
    sequences = read_sequences(shared_data / "letters/silfa")
    assert len(sequences) == 558
    for seq in sequences[::25]:
        assert seq.frames == 1 and seq.meta["first_frame"] == 1
        assert not np.isnan(seq.landmarks).any()


def test_silfa_jz_snapshots(shared_data):
    sequences = read_sequences(shared_data / "letters/silfa_jz_snapshots/train.csv")
    assert len(sequences) == 102
    assert {s.sequence_id for s in sequences} >= {"2001", "2052", "2101", "2150"}
    assert all(s.frames == 1 and s.meta["first_frame"] == 0 for s in sequences)
    assert not any(np.isnan(s.landmarks).any() for s in sequences)


def test_letters_table(shared_data):
    letters = read_letter_poses(shared_data / "letters/asl_ai_hand_landmarks.parquet")
    assert len(letters) == 10508 and letters.hands.shape == (10508, 21, 3)
    counts = {letter: int((letters.letters == letter).sum()) for letter in np.unique(letters.letters)}
    assert len(counts) == 26 and min(counts.values()) == 400 and max(counts.values()) == 411
    assert letters.hands[..., 0].min() >= 0.36 and letters.hands[..., 0].max() <= 0.93
    a_frames = letters.frame_index[letters.letters == "A"]
    assert letters.for_letter("A").shape == (len(a_frames), 21, 3)
    np.testing.assert_allclose(letters.hands[:, 0, 2], 0, atol=1e-6)  # wrist-relative z


def test_letters_as_sequences_for_inspect(shared_data):
    path = shared_data / "letters/asl_ai_hand_landmarks.parquet"
    first = next(iter_sequences(path))
    assert first.format == "letters" and first.frames == 1
    assert detected(first) == {"face": 0.0, "left_hand": 0.0, "pose": 0.0, "right_hand": 1.0}


POSE_NAMES = [
    "000017451997373907346-LIBRARY",
    "25October_2010_Monday_tagesschau-17",
    "FOOTBALL",
    "colin-1-HOUSE",
    "colin-2-HOUSE",
    "colin-HOUSE-needs-trim",
    "colin-SAD",
    "signer0_sample1000",
]


@pytest.mark.parametrize("name", POSE_NAMES)
def test_pose_matches_bundled_conversion(shared_data, name):
    """543-, 576- and 586-point .pose files read exactly as the kit's long-format conversions."""
    seq = read_pose(shared_data / f"pose/{name}.pose")
    reference = read_kaggle_long(shared_data / f"pose/{name}.parquet")
    assert seq.landmarks.shape == reference.landmarks.shape
    np.testing.assert_array_equal(seq.landmarks, reference.landmarks)


def test_pose_metadata_and_hand_rates(shared_data):
    football = read_pose(shared_data / "pose/FOOTBALL.pose")
    assert football.meta["width"] == 640 and football.meta["height"] == 360
    assert football.meta["fps"] == pytest.approx(29.97, abs=0.01)
    rates = detected(football)
    assert (round(rates["left_hand"], 2), round(rates["right_hand"], 2)) == (1.0, 0.98)
    library = read_pose(shared_data / "pose/000017451997373907346-LIBRARY.pose")
    assert (round(detected(library)["left_hand"], 2), detected(library)["right_hand"]) == (0.54, 0.0)


VIDEO_RATES = {  # README: detected fraction of frames (face, left hand, pose, right hand)
    "test_video": (58, 1.0, 0.0, 1.0, 0.345),
    "ambulancia_001": (66, 0.015, 1.0, 1.0, 0.985),
    "doctor_001": (62, 0.0, 1.0, 1.0, 0.984),
    "dolor_001": (61, 0.0, 0.0, 1.0, 0.934),
    "hoy_001": (64, 0.0, 0.0, 1.0, 1.0),
    "yo_001": (55, 0.0, 0.0, 1.0, 1.0),
}


@pytest.mark.parametrize("name", sorted(VIDEO_RATES))
def test_video_landmarks_detection_rates(shared_data, name):
    frames, *rates = VIDEO_RATES[name]
    seq = read_sequences(shared_data / f"videos/{name}.parquet")[0]
    assert seq.frames == frames and seq.meta["first_frame"] == 0
    assert [round(detected(seq)[g], 3) for g in GROUP_SLICES] == rates


# -- MP_Data .npy -----------------------------------------------------------------------------------------


def to_mp_data(landmarks: np.ndarray) -> np.ndarray:
    """(T, 543, 3) -> (T, 1662) in MP_Data order, missing parts as zeros, visibility 1."""
    clean = np.nan_to_num(landmarks)
    n = len(clean)
    pose = np.concatenate([clean[:, GROUP_SLICES["pose"]], np.ones((n, 33, 1), np.float32)], axis=-1)
    parts = [pose, clean[:, GROUP_SLICES["face"]], clean[:, GROUP_SLICES["left_hand"]]]
    parts.append(clean[:, GROUP_SLICES["right_hand"]])
    return np.concatenate([p.reshape(n, -1) for p in parts], axis=1)


@pytest.fixture
def real_sequence(asl_signs_sequences):
    """A real sequence with a hand missing in some frames and present in others."""
    return asl_signs_sequences["1033181756"][1]


def test_npy_sequence_file(real_sequence, tmp_path):
    frames = to_mp_data(real_sequence.landmarks)
    assert frames.shape[1] == NPY_WIDTH
    np.save(tmp_path / "seq.npy", frames)
    seq = read_npy(tmp_path / "seq.npy")
    np.testing.assert_array_equal(seq.landmarks, real_sequence.landmarks)
    assert seq.format == "npy"


def test_npy_single_frame_and_folder(real_sequence, tmp_path):
    frames = to_mp_data(real_sequence.landmarks)
    np.save(tmp_path / "one.npy", frames[3])
    assert read_npy(tmp_path / "one.npy").landmarks.shape == (1, N_LANDMARKS, 3)
    folder = tmp_path / "hello" / "0"
    folder.mkdir(parents=True)
    for i, frame in enumerate(frames):  # 0.npy ... 7.npy, read in numeric order (10.npy after 9.npy)
        np.save(folder / f"{i}.npy", frame)
    seq = read_sequences(folder)[0]
    np.testing.assert_array_equal(seq.landmarks, real_sequence.landmarks)


def test_npy_zero_part_is_missing(tmp_path):
    frame = np.random.default_rng(0).random(NPY_WIDTH).astype(np.float32)
    frame[33 * 4 + 468 * 3 : 33 * 4 + 489 * 3] = 0  # left hand
    np.save(tmp_path / "f.npy", frame)
    rates = detected(read_npy(tmp_path / "f.npy"))
    assert rates == {"face": 1.0, "left_hand": 0.0, "pose": 1.0, "right_hand": 1.0}


# -- long round trip ------------------------------------------------------------------------------------


def test_long_writer_reproduces_asl_signs_file(asl_signs, tmp_path):
    """Rewriting a real file gives the same table: values, row_id, type, index, dtypes."""
    import pyarrow.parquet as pq

    source = asl_signs / "train_landmark_files/16069/6623499.parquet"
    seq = read_kaggle_long(source)
    write_kaggle_long(tmp_path / "copy.parquet", seq.landmarks, first_frame=seq.meta["first_frame"])
    original, copy = pq.read_table(source), pq.read_table(tmp_path / "copy.parquet")
    assert copy.schema.remove_metadata() == original.schema.remove_metadata()
    assert copy.equals(original.replace_schema_metadata(None))  # NaN stored as null, like pandas


def test_plain_folder_reads_every_landmark_file(shared_data):
    """A folder without train.csv: its parquet, .pose and .npy files, recursively and sorted."""
    sequences = read_sequences(shared_data / "asl-signs/train_landmark_files/16069")
    assert [s.sequence_id for s in sequences] == sorted(s.sequence_id for s in sequences)
    assert len(sequences) == 6 and {s.format for s in sequences} == {"kaggle-long"}
    pose = read_sequences(shared_data / "pose")  # 8 .pose files beside their 8 conversions
    assert sorted(s.format for s in pose) == ["kaggle-long"] * 8 + ["pose"] * 8
