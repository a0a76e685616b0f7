"""The asl-fingerspelling wide layout, built to FORMAT.md from real asl-signs sequences.

The reader must touch only the selected columns and only the row groups holding the sequences asked
for; a spy on pyarrow proves it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from signa.data.layout import FINGERSPELLING_130, N_LANDMARKS, wide_columns
from signa.data.readers import iter_sequences, read_kaggle_long, read_kaggle_wide
from signa.data.writers import write_kaggle_long, write_kaggle_wide
from signa.errors import SignaError

FILE = "train_landmarks/1000.parquet"
FS_ROWS_PER_GROUP = 256  # as written by the fingerspelling_root fixture


@pytest.fixture
def wide_file(fingerspelling_root):
    return fingerspelling_root / FILE


def file_sequences(path) -> dict[str, tuple[int, int]]:
    """{sequence_id: (first row, last row)} read independently of SIGNA."""
    ids = pq.read_table(path, columns=["sequence_id"])["sequence_id"].to_numpy()
    return {
        str(s): (int(np.flatnonzero(ids == s)[0]), int(np.flatnonzero(ids == s)[-1])) for s in np.unique(ids)
    }


def row_groups_of(path, first_row: int, last_row: int) -> list[int]:
    meta = pq.ParquetFile(path).metadata
    groups, start = [], 0
    for g in range(meta.num_row_groups):
        stop = start + meta.row_group(g).num_rows
        if start <= last_row and first_row < stop:
            groups.append(g)
        start = stop
    return groups


def test_file_follows_format_md(wide_file):
    """Columns, order, dtypes, index, several row groups, sorted ids, NaN hands: as FORMAT.md says."""
    parquet = pq.ParquetFile(wide_file)
    schema = parquet.schema_arrow
    coordinate_columns = [n for n in schema.names if n not in ("frame", "sequence_id")]
    assert coordinate_columns == wide_columns() and len(coordinate_columns) == 1629
    assert coordinate_columns[:2] == ["x_face_0", "x_face_1"] and coordinate_columns[-1] == "z_right_hand_20"
    assert coordinate_columns.index("y_face_0") == N_LANDMARKS  # c * 543 + k
    assert all(schema.field(n).type == pa.float32() for n in coordinate_columns)
    assert schema.field("sequence_id").type == pa.int64()
    sizes = [parquet.metadata.row_group(g).num_rows for g in range(parquet.metadata.num_row_groups)]
    assert len(sizes) >= 8 and set(sizes[:-1]) == {FS_ROWS_PER_GROUP} and 0 < sizes[-1] <= FS_ROWS_PER_GROUP
    frame = pq.read_table(wide_file, columns=["sequence_id", "x_left_hand_0"]).to_pandas()
    assert frame.index.name == "sequence_id"  # pandas returns the id as the index
    assert frame.index.is_monotonic_increasing
    assert frame["x_left_hand_0"].isna().mean() > 0.3  # hands are often missing for whole frames


def test_single_sequence_reads_back_exactly(wide_file, asl_signs_sequences):
    for sid in list(file_sequences(wide_file))[::20]:
        (seq,) = read_kaggle_wide(wide_file, [sid])
        assert seq.sequence_id == sid and seq.format == "kaggle-wide"
        np.testing.assert_array_equal(seq.landmarks, asl_signs_sequences[sid][1].landmarks)


def test_reader_touches_only_selected_columns_and_row_groups(wide_file, monkeypatch):
    spans = file_sequences(wide_file)
    calls = []
    original = pq.ParquetFile.read_row_groups

    def spy(self, row_groups, columns=None, **kwargs):
        calls.append((list(row_groups), list(columns)))
        return original(self, row_groups, columns=columns, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the whole file must not be read")

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    monkeypatch.setattr(pq.ParquetFile, "read", forbidden)
    monkeypatch.setattr(pq, "read_table", forbidden)
    spanning = next(s for s, (a, b) in spans.items() if len(row_groups_of(wide_file, a, b)) > 1)
    positions = FINGERSPELLING_130.plain_positions
    for sid in (spanning, list(spans)[0]):
        calls.clear()
        (seq,) = read_kaggle_wide(wide_file, [sid], positions=positions)
        read_groups = sorted(g for groups, _ in calls for g in groups)
        assert read_groups == row_groups_of(wide_file, *spans[sid])
        assert all(columns == ["sequence_id", "frame", *wide_columns(positions)] for _, columns in calls)
        assert len(calls[0][1]) == 2 + 3 * 130  # of 1,631 columns
        others = np.setdiff1d(np.arange(N_LANDMARKS), positions)
        assert np.isnan(seq.landmarks[:, others]).all()
        assert seq.frames == spans[sid][1] - spans[sid][0] + 1


def test_frames_are_sorted_by_frame_not_row_order(asl_signs_sequences, tmp_path):
    landmarks = asl_signs_sequences["1033181756"][1].landmarks
    write_kaggle_wide(tmp_path / "ordered.parquet", {7: landmarks, 8: landmarks[:3]})
    table = pq.read_table(tmp_path / "ordered.parquet")
    shuffled = table.take(np.random.default_rng(0).permutation(len(landmarks)).tolist() + [8, 9, 10])
    pq.write_table(shuffled, tmp_path / "shuffled.parquet")
    (seq,) = read_kaggle_wide(tmp_path / "shuffled.parquet", [7])
    np.testing.assert_array_equal(seq.landmarks, landmarks)


def test_string_ids_and_file_order(asl_signs_sequences, tmp_path):
    landmarks = asl_signs_sequences["1033181756"][1].landmarks
    write_kaggle_wide(tmp_path / "s.parquet", {"b-2": landmarks[:2], "a-1": landmarks[:5]}, rows_per_group=3)
    assert [s.sequence_id for s in read_kaggle_wide(tmp_path / "s.parquet")] == ["b-2", "a-1"]
    (seq,) = read_kaggle_wide(tmp_path / "s.parquet", ["a-1"])
    np.testing.assert_array_equal(seq.landmarks, landmarks[:5])


def test_round_trip_long_wide_long_is_exact(asl_signs, tmp_path):
    source = asl_signs / "train_landmark_files/16069/6623499.parquet"
    seq = read_kaggle_long(source)
    write_kaggle_wide(tmp_path / "w.parquet", {6623499: seq.landmarks}, first_frames={6623499: 96})
    (wide,) = read_kaggle_wide(tmp_path / "w.parquet", [6623499])
    assert wide.meta["first_frame"] == 96
    write_kaggle_long(tmp_path / "l.parquet", wide.landmarks, first_frame=wide.meta["first_frame"])
    assert pq.read_table(tmp_path / "l.parquet").equals(pq.read_table(source).replace_schema_metadata(None))


def test_dataset_csv_reads_every_listed_sequence(fingerspelling_root, asl_signs_sequences):
    sequences = list(iter_sequences(fingerspelling_root))
    assert len(sequences) == 126
    for seq in sequences[::30]:
        np.testing.assert_array_equal(seq.landmarks, asl_signs_sequences[seq.sequence_id][1].landmarks)


def test_absent_sequence_id(wide_file):
    with pytest.raises(SignaError, match=r"sequence id\(s\) 123 not in the file") as err:
        read_kaggle_wide(wide_file, [123])
    assert err.value.path == str(wide_file)


def test_non_integer_id_for_integer_file(wide_file):
    with pytest.raises(SignaError, match="not an integer"):
        read_kaggle_wide(wide_file, ["abc"])


def test_wide_parquet_without_expected_columns(asl_signs_sequences, tmp_path):
    write_kaggle_wide(tmp_path / "full.parquet", {5: asl_signs_sequences["1033181756"][1].landmarks})
    table = pq.read_table(tmp_path / "full.parquet").drop_columns(["z_right_hand_20", "y_pose_3"])
    pq.write_table(table, tmp_path / "cut.parquet")
    with pytest.raises(SignaError, match="lacks expected column") as err:
        read_kaggle_wide(tmp_path / "cut.parquet")
    assert "y_pose_3" in str(err.value) and str(tmp_path / "cut.parquet") in str(err.value)
    # a selection that does not need the dropped columns still reads
    assert read_kaggle_wide(tmp_path / "cut.parquet", positions=FINGERSPELLING_130.plain_positions[:21])


def test_split_sequence_is_refused(asl_signs_sequences, tmp_path):
    landmarks = asl_signs_sequences["1033181756"][1].landmarks  # 8 frames
    write_kaggle_wide(tmp_path / "w.parquet", {1: landmarks, 2: landmarks[:2], 3: landmarks[:2]})
    table = pq.read_table(tmp_path / "w.parquet")  # rows: 1 x 8, 2 x 2, 3 x 2
    order = [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7]  # sequence 1 resumes after 2 and 3 are complete
    pq.write_table(table.take(order), tmp_path / "split.parquet", row_group_size=4)
    with pytest.raises(SignaError, match="rows of sequence 1 are not contiguous"):
        read_kaggle_wide(tmp_path / "split.parquet")


def test_file_without_statistics_reads_every_row_group(asl_signs_sequences, tmp_path):
    landmarks = asl_signs_sequences["1033181756"][1].landmarks
    write_kaggle_wide(tmp_path / "w.parquet", {1: landmarks, 2: landmarks[:3], 3: landmarks[:2]})
    table = pq.read_table(tmp_path / "w.parquet")
    pq.write_table(table, tmp_path / "bare.parquet", row_group_size=4, write_statistics=False)
    assert pq.ParquetFile(tmp_path / "bare.parquet").metadata.row_group(0).column(0).statistics is None
    (seq,) = read_kaggle_wide(tmp_path / "bare.parquet", [2])
    np.testing.assert_array_equal(seq.landmarks, landmarks[:3])
