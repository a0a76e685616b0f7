"""Writers for both Kaggle layouts, so that long <-> wide <-> cache round trips are exact.

* :func:`write_kaggle_long` writes one asl-signs style file: 543 rows per frame in Kaggle order,
  ``row_id = <frame>-<type>-<landmark_index>``, dtypes as in asl-signs (``frame`` and
  ``landmark_index`` int16, ``row_id`` and ``type`` string, ``x, y, z`` float64).
* :func:`write_kaggle_wide` writes one asl-fingerspelling style file holding many sequences:
  one row per frame, ``frame`` plus 1,629 float32 columns ``x_face_0 .. z_right_hand_20`` and a
  ``sequence_id`` column that pandas reads back as the index, in row groups of ``rows_per_group``.

float32 landmarks survive both layouts bit for bit (float64 holds every float32 exactly). Missing
points are stored as null, as pandas writes NaN; the readers turn null back into NaN.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from signa.data.layout import COORDS, GROUP_SIZES, GROUP_SLICES, GROUPS, N_LANDMARKS, wide_columns
from signa.files import atomic_path
from signa.mp_compat import import_mediapipe

_LONG_TYPES = np.repeat(np.array(GROUPS), list(GROUP_SIZES.values()))  # (543,) type of each point
_LONG_INDEX = np.concatenate([np.arange(n) for n in GROUP_SIZES.values()]).astype(np.int16)  # (543,)


def write_kaggle_long(path: str | Path, landmarks: np.ndarray, first_frame: int = 0) -> None:
    """Write (T, 543, 3) landmarks as one long-format parquet; frames numbered from ``first_frame``."""
    landmarks = _check_landmarks(landmarks)
    n_frames = len(landmarks)
    frames = np.repeat(np.arange(first_frame, first_frame + n_frames, dtype=np.int16), N_LANDMARKS)
    types = np.tile(_LONG_TYPES, n_frames)
    index = np.tile(_LONG_INDEX, n_frames)
    parts = zip(frames.tolist(), types.tolist(), index.tolist(), strict=True)
    row_ids = [f"{f}-{t}-{i}" for f, t, i in parts]
    flat = landmarks.reshape(-1, 3).astype(np.float64)
    columns = {
        "frame": pa.array(frames),
        "row_id": pa.array(row_ids, pa.string()),
        "type": pa.array(types.tolist(), pa.string()),
        "landmark_index": pa.array(index),
    }
    columns.update({c: pa.array(flat[:, j], from_pandas=True) for j, c in enumerate(COORDS)})
    _write_table(path, pa.table(columns))


def write_kaggle_wide(
    path: str | Path,
    sequences: Mapping[str | int, np.ndarray],
    rows_per_group: int = 4096,
    first_frames: Mapping[str | int, int] | None = None,
) -> None:
    """Write ``{sequence_id: (T, 543, 3)}`` as one wide parquet, sequences in the order given.

    Integer-like ids are stored as int64 (as in the competition files), others as strings. Frames
    are numbered from ``first_frames[id]`` (default 0). Row groups are written as they fill, so
    memory holds one row group plus one sequence, whatever the number of sequences.
    """
    ids = list(sequences)
    numeric = all(str(s).lstrip("-").isdigit() for s in ids)
    schema = _wide_schema(pa.int64() if numeric else pa.string())
    buffer = _WideRows([], [], [])
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        for sid in ids:
            landmarks = _check_landmarks(sequences[sid])
            first = 0 if first_frames is None else first_frames.get(sid, 0)
            buffer.ids.append(np.full(len(landmarks), int(sid) if numeric else str(sid), dtype=object))
            buffer.frames.append(np.arange(first, first + len(landmarks), dtype=np.int16))
            buffer.coords.append(landmarks.transpose(0, 2, 1).reshape(len(landmarks), -1))  # (T, 1629)
            if sum(len(f) for f in buffer.frames) >= rows_per_group:
                buffer = _write_rows(writer, schema, buffer.joined(), rows_per_group, whole_groups_only=True)
        _write_rows(writer, schema, buffer.joined(), rows_per_group, whole_groups_only=False)


def _wide_schema(id_type: pa.DataType) -> pa.Schema:
    fields = [pa.field("frame", pa.int16())]
    fields += [pa.field(name, pa.float32()) for name in wide_columns()]
    fields.append(pa.field("sequence_id", id_type))
    schema = pa.schema(fields)
    return schema.with_metadata({b"pandas": _pandas_index_metadata(schema)})


@dataclass
class _WideRows:
    """Rows waiting to be written: lists of id (N,), frame (N,) and coordinate (N, 1629) arrays.

    :meth:`joined` turns each list into a single array, as :func:`_write_rows` expects.
    """

    ids: list[np.ndarray]
    frames: list[np.ndarray]
    coords: list[np.ndarray]

    def joined(self) -> _WideRows:
        if not self.frames:
            empty = np.zeros((0, 3 * N_LANDMARKS), np.float32)
            return _WideRows([np.zeros(0, object)], [np.zeros(0, np.int16)], [empty])
        return _WideRows(*([np.concatenate(part)] for part in (self.ids, self.frames, self.coords)))


def _write_rows(writer, schema: pa.Schema, rows: _WideRows, rows_per_group: int, whole_groups_only: bool):
    """Write the (joined) rows, or only their complete row groups; return what is left to buffer."""
    (ids,), (frames,), (coords,) = rows.ids, rows.frames, rows.coords
    count = len(frames) // rows_per_group * rows_per_group if whole_groups_only else len(frames)
    if count:
        columns = [pa.array(frames[:count])]
        columns += [pa.array(coords[:count, j], from_pandas=True) for j in range(coords.shape[1])]
        columns.append(pa.array(ids[:count].tolist(), schema.field("sequence_id").type))
        writer.write_table(pa.Table.from_arrays(columns, schema=schema), row_group_size=rows_per_group)
    return _WideRows([ids[count:]], [frames[count:]], [coords[count:]])


def _pandas_index_metadata(schema: pa.Schema) -> bytes:
    """pandas metadata marking ``sequence_id`` as the index, as ``DataFrame.to_parquet`` writes it."""
    columns = []
    for item in schema:
        numpy_type = "object" if pa.types.is_string(item.type) else np.dtype(item.type.to_pandas_dtype()).name
        pandas_type = "unicode" if numpy_type == "object" else numpy_type
        columns.append(
            {
                "name": item.name,
                "field_name": item.name,
                "pandas_type": pandas_type,
                "numpy_type": numpy_type,
                "metadata": None,
            }
        )
    meta = {
        "index_columns": ["sequence_id"],
        "column_indexes": [],
        "columns": columns,
        "creator": {"library": "signa"},
    }
    return json.dumps(meta).encode()


def _check_landmarks(landmarks: np.ndarray) -> np.ndarray:
    landmarks = np.asarray(landmarks, np.float32)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (N_LANDMARKS, 3):
        raise ValueError(f"landmarks must be (T, {N_LANDMARKS}, 3), got {landmarks.shape}")
    return landmarks


def _write_table(path: str | Path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_pose(path: str | Path, landmarks: np.ndarray, fps: float, width: int, height: int) -> None:
    """Write (T, 543, 3) landmarks as a MediaPipe Holistic ``.pose`` file (pose-format, one person).

    The header holds pose-format's Holistic components (pose, face, hands; no pose-world points).
    x and y are stored in pixels, z as MediaPipe gives it, confidence 1 where detected; NaN points
    are masked. :func:`signa.data.readers.read_pose` reads the file back to the same array.
    Needs pose-format and mediapipe (whose landmark names pose-format's header uses).
    """
    import_mediapipe()  # pose-format's Holistic header imports it
    from pose_format import Pose, PoseHeader
    from pose_format.numpy.pose_body import NumPyPoseBody
    from pose_format.pose_header import PoseHeaderDimensions
    from pose_format.utils.holistic import holistic_components

    landmarks = _check_landmarks(landmarks)
    components = [c for c in holistic_components("XYZC") if c.name != "POSE_WORLD_LANDMARKS"]
    order = {"POSE_LANDMARKS": "pose", "FACE_LANDMARKS": "face"}
    order.update(LEFT_HAND_LANDMARKS="left_hand", RIGHT_HAND_LANDMARKS="right_hand")
    stored = np.concatenate([landmarks[:, GROUP_SLICES[order[c.name]]] for c in components], axis=1)
    stored = stored * np.array([width, height, 1], np.float32)  # (T, 543, 3), pixels
    missing = np.isnan(stored).any(axis=-1)  # (T, 543)
    data = np.ma.masked_array(np.nan_to_num(stored)[:, None], np.repeat(missing[:, None, :, None], 3, -1))
    confidence = (~missing).astype(np.float32)[:, None]  # (T, 1, 543)
    header = PoseHeader(0.1, PoseHeaderDimensions(width, height, 1), components)
    pose = Pose(header, NumPyPoseBody(fps, data, confidence))
    with atomic_path(path) as tmp, open(tmp, "wb") as out:
        pose.write(out)
