"""Bad input: each problem is one SignaError that names the file."""

from __future__ import annotations

import builtins
import contextlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from signa.data.layout import N_LANDMARKS
from signa.data.readers import (
    read_csv_table,
    read_kaggle_long,
    read_npy,
    read_pose,
    read_sequences,
    require_detections,
)
from signa.data.writers import write_kaggle_long
from signa.errors import SignaError


@contextlib.contextmanager
def raises_naming(path, match):
    """pytest.raises for a SignaError whose message matches and that names ``path``."""
    with pytest.raises(SignaError, match=match) as info:
        yield info
    assert info.value.path == str(path) and str(path) in str(info.value)


@pytest.mark.parametrize("reader", [read_kaggle_long, read_pose, read_npy, read_sequences])
def test_missing_file(reader, tmp_path):
    path = tmp_path / "absent.parquet"
    with raises_naming(path, "no such file"):
        reader(path)


def test_long_parquet_without_expected_columns(tmp_path):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"frame": [0], "type": ["face"], "x": [0.1], "y": [0.2], "z": [0.0]}), path)
    with raises_naming(path, "lacks expected column.*landmark_index"):
        read_kaggle_long(path)
    with raises_naming(path, "neither the long columns"):
        read_sequences(path)


def test_not_a_parquet(tmp_path):
    path = tmp_path / "text.parquet"
    path.write_text("frame,x\n0,1\n")
    with raises_naming(path, "not a readable parquet"):
        read_sequences(path)


def test_empty_sequence(tmp_path):
    path = tmp_path / "empty.parquet"
    write_kaggle_long(path, np.zeros((0, N_LANDMARKS, 3), np.float32))
    with raises_naming(path, "no rows"):
        read_kaggle_long(path)
    with raises_naming(path, "no frames"):
        require_detections(np.zeros((0, N_LANDMARKS, 3), np.float32), path)


def test_all_nan_sequence_reads_but_is_refused_as_model_input(tmp_path):
    path = tmp_path / "blank.parquet"
    write_kaggle_long(path, np.full((4, N_LANDMARKS, 3), np.nan, np.float32))
    seq = read_kaggle_long(path)  # reading (and inspecting) is fine
    assert seq.frames == 4
    with raises_naming(path, "sequence blank has no detected landmark in any of its 4 frames"):
        require_detections(seq.landmarks, seq.path, seq.sequence_id)
    require_detections(np.where(np.arange(N_LANDMARKS)[:, None] == 5, 0.5, np.nan)[None], path)


def test_unknown_landmark_type(tmp_path):
    path = tmp_path / "odd.parquet"
    columns = {"frame": [0], "type": ["tail"], "landmark_index": [0], "x": [0.1], "y": [0.2], "z": [0.0]}
    pq.write_table(pa.table(columns), path)
    with raises_naming(path, "unknown landmark type"):
        read_kaggle_long(path)


def test_landmark_index_out_of_range(tmp_path):
    path = tmp_path / "odd.parquet"
    columns = {
        "frame": [0],
        "type": ["left_hand"],
        "landmark_index": [21],
        "x": [0.1],
        "y": [0.2],
        "z": [0.0],
    }
    pq.write_table(pa.table(columns), path)
    with raises_naming(path, "landmark_index outside"):
        read_kaggle_long(path)


def test_malformed_csv(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("path,participant_id,sequence_id\nfiles/1.parquet,5,1\n")
    with raises_naming(path, "csv lacks column.*sign"):
        read_csv_table(path, ("path", "participant_id", "sequence_id", "sign"))
    path.write_text("path,sequence_id\n,1\n")
    with raises_naming(path, "line 2 has an empty value"):
        read_csv_table(path, ("path", "sequence_id"))


def test_csv_listing_a_missing_file(tmp_path):
    (tmp_path / "train.csv").write_text("path,participant_id,sequence_id,sign\nfiles/1.parquet,5,1,hello\n")
    with raises_naming(tmp_path / "files/1.parquet", "no such file"):
        read_sequences(tmp_path)


def test_npy_with_wrong_width(tmp_path):
    path = tmp_path / "frame.npy"
    np.save(path, np.zeros(1000, np.float32))
    with raises_naming(path, "expected 1662 values per frame"):
        read_npy(path)
    (tmp_path / "frames").mkdir()
    np.save(tmp_path / "frames/0.npy", np.zeros((2, 1662), np.float32))
    with raises_naming(tmp_path / "frames/0.npy", "must hold one frame"):
        read_npy(tmp_path / "frames")
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    with raises_naming(empty, "no numbered .npy frames"):
        read_npy(empty)
    with raises_naming(empty, "folder holds no landmark files"):
        read_sequences(empty)


def test_unknown_extension(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\0")
    with raises_naming(path, "unknown file kind"):
        read_sequences(path)


def test_corrupt_pose_file(tmp_path):
    path = tmp_path / "bad.pose"
    path.write_bytes(b"not a pose file")
    with raises_naming(path, "not a readable .pose file"):
        read_pose(path)


def test_pose_without_the_extra(shared_data, monkeypatch):
    real_import = builtins.__import__

    def no_pose_format(name, *args, **kwargs):
        if name.startswith("pose_format"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pose_format)
    path = shared_data / "pose/FOOTBALL.pose"
    with raises_naming(path, r"pip install 'signa-sl\[pose\]'"):
        read_pose(path)
