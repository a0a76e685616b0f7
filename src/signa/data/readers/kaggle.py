"""Kaggle parquet: the long format of isolated signs and the wide format of fingerspelling."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from signa.data.layout import COORDS, GROUP_SIZES, GROUP_SLICES, GROUPS, N_LANDMARKS, wide_columns
from signa.data.readers.common import (
    LandmarkSequence,
    check_columns,
    existing_path,
    numeric_column,
    open_parquet,
    read_parquet_columns,
)
from signa.errors import SignaError

LONG_COLUMNS = ("frame", "type", "landmark_index", "x", "y", "z")

WIDE_KEYS = ("sequence_id", "frame")


MAX_MISSING_FRAMES = 10_000  # about 5.5 minutes of video at 30 frames per second


def read_kaggle_long(path: str | Path, sequence_id: str | None = None) -> LandmarkSequence:
    """Read one asl-signs style long parquet.

    Rows are placed by ``(type, landmark_index)``, never by row order, so files with another row
    order (SILFA writes pose, face, left, right), other integer dtypes, or parts that were never
    written (they stay NaN) read the same. Frame numbers may start anywhere; frame ``f`` becomes row
    ``f - first_frame`` and the original numbers are kept in ``meta["first_frame"]``. Frames missing
    between the first and the last become undetected (all-NaN) frames, up to
    :data:`MAX_MISSING_FRAMES` of them: more is refused, so a file numbering its frames 0 and
    5,000,000 costs an error, not 30 GiB.
    """
    path = existing_path(path)
    table = read_parquet_columns(path, LONG_COLUMNS)
    if table.num_rows == 0:
        raise SignaError("long parquet has no rows", path)
    frame_numbers = numeric_column(table["frame"]).astype(np.int64)
    positions = _long_positions(table, path)
    first = int(frame_numbers.min())
    n_frames = int(frame_numbers.max()) - first + 1
    present = int(np.unique(frame_numbers).size)
    if n_frames - present > MAX_MISSING_FRAMES:
        raise SignaError(
            f"frame numbers {first}..{first + n_frames - 1} leave {n_frames - present} frames missing "
            f"between the {present} present (at most {MAX_MISSING_FRAMES} are read as undetected frames); "
            "renumber the frames",
            path,
        )
    landmarks = np.full((n_frames, N_LANDMARKS, 3), np.nan, np.float32)
    coords = np.stack([numeric_column(table[c]) for c in COORDS], axis=-1)
    landmarks[frame_numbers - first, positions] = coords
    meta = {"first_frame": first, "frames_present": present}
    name = path.stem if sequence_id is None else str(sequence_id)
    return LandmarkSequence(landmarks, name, str(path), "kaggle-long", meta)


def _long_positions(table: pa.Table, path: Path) -> np.ndarray:
    """Position among the 543 of each long-format row, from its ``type`` and ``landmark_index``."""
    types = pc.dictionary_encode(table["type"]).combine_chunks()
    names = types.dictionary.to_pylist()
    unknown = [n for n in names if n not in GROUP_SLICES]
    if unknown:
        raise SignaError(f"unknown landmark type(s) {unknown}; expected {', '.join(GROUPS)}", path)
    starts = np.array([GROUP_SLICES[n].start for n in names], np.int64)
    sizes = np.array([GROUP_SIZES[n] for n in names], np.int64)
    codes = numeric_column(types.indices)
    index = numeric_column(table["landmark_index"]).astype(np.int64)
    if ((index < 0) | (index >= sizes[codes])).any():
        raise SignaError("landmark_index outside the range of its type", path)
    return starts[codes] + index


def read_kaggle_wide(
    path: str | Path,
    sequence_ids: Iterable[str | int] | None = None,
    positions: Sequence[int] | None = None,
) -> list[LandmarkSequence]:
    """Read sequences from a wide multi-sequence parquet, in the order asked (file order if None).

    Only the coordinate columns of ``positions`` (default: all 543) are read; the others are NaN.
    Only the row groups whose ``sequence_id`` statistics can hold a requested id are read.
    """
    path = existing_path(path)
    positions = np.arange(N_LANDMARKS) if positions is None else np.asarray(positions)
    wanted = None if sequence_ids is None else [str(s) for s in sequence_ids]
    found = {}
    for sid, frame_numbers, coords in iter_kaggle_wide(path, positions, wanted):
        landmarks = np.full((len(coords), N_LANDMARKS, 3), np.nan, np.float32)
        landmarks[:, positions] = coords
        meta = {"first_frame": int(frame_numbers[0])}
        found[sid] = LandmarkSequence(landmarks, sid, str(path), "kaggle-wide", meta)
    if wanted is None:
        return list(found.values())
    absent = [s for s in wanted if s not in found]
    if absent:
        raise SignaError(f"sequence id(s) {', '.join(absent[:5])} not in the file", path)
    return [found[s] for s in wanted]


def iter_kaggle_wide(
    path: str | Path, positions: Sequence[int], sequence_ids: Iterable[str] | None = None
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(sequence_id, frame_numbers (T,), coords float32 (T, K, 3))`` sorted by frame.

    ``coords`` holds only the K ``positions``. Row groups are read one at a time (a sequence that
    spans a row-group boundary is carried over), so memory stays at one row group plus one sequence.
    Requested ids absent from the file are simply not yielded. The rows of one sequence must be
    contiguous in the file, as in the competition files (sorted by ``sequence_id``).
    """
    path = existing_path(path)
    parquet = open_parquet(path)
    columns = [*WIDE_KEYS, *wide_columns(positions)]
    schema = parquet.schema_arrow  # built on each access: keep one
    check_columns(schema.names, columns, path, "wide parquet")
    wanted = None if sequence_ids is None else {str(s) for s in sequence_ids}
    groups = _row_groups_for(parquet, schema, wanted, path)
    carry, seen = None, set()
    for group in groups:
        table = parquet.read_row_groups([group], columns=columns)
        ids, frames, coords = _wide_arrays(table, columns[len(WIDE_KEYS) :], wanted)
        if carry is not None:
            rows = zip(carry, (ids, frames, coords), strict=True)
            ids, frames, coords = (np.concatenate(pair) for pair in rows)
        *complete, carry = _split_last(ids, frames, coords)
        yield from _once(_sequences(*complete), seen, path)
    if carry is not None:
        yield from _once(_sequences(*carry), seen, path)


def _once(sequences, seen: set[str], path: Path):
    """Pass sequences through, refusing an id met before (its rows were split apart in the file)."""
    for sequence in sequences:
        if sequence[0] in seen:
            raise SignaError(f"rows of sequence {sequence[0]} are not contiguous in the file", path)
        seen.add(sequence[0])
        yield sequence


def _row_groups_for(parquet: pq.ParquetFile, schema: pa.Schema, wanted: set[str] | None, path: Path):
    """Row groups that may hold one of ``wanted`` ids, judged by min/max statistics when present."""
    every = list(range(parquet.metadata.num_row_groups))
    if wanted is None:
        return every
    column = schema.names.index("sequence_id")  # flat schema: arrow field index = parquet column index
    numeric = pa.types.is_integer(schema.field("sequence_id").type)
    keys = [_id_key(s, numeric, path) for s in wanted]
    chosen = []
    for group in every:
        stats = parquet.metadata.row_group(group).column(column).statistics
        if stats is None or not stats.has_min_max or any(stats.min <= key <= stats.max for key in keys):
            chosen.append(group)
    return chosen


def _id_key(sequence_id: str, numeric: bool, path: Path):
    if not numeric:
        return sequence_id
    try:
        return int(sequence_id)
    except ValueError:
        raise SignaError(f"sequence id {sequence_id!r} is not an integer like the file's ids", path) from None


def _wide_arrays(table: pa.Table, coord_columns: list[str], wanted: set[str] | None):
    """(ids str (N,), frames int64 (N,), coords float32 (N, K, 3)) of a table, filtered to ``wanted``."""
    n_points = len(coord_columns) // 3
    ids = np.asarray(numeric_column(table["sequence_id"])).astype(str)
    keep = slice(None) if wanted is None else np.isin(ids, list(wanted))
    frames = numeric_column(table["frame"]).astype(np.int64)[keep]
    flat = np.empty((len(frames), 3 * n_points), np.float32)  # x-block | y-block | z-block
    for j, name in enumerate(coord_columns):
        flat[:, j] = numeric_column(table[name])[keep]
    coords = flat.reshape(len(frames), 3, n_points).transpose(0, 2, 1)  # (N, K, 3)
    return ids[keep], frames, coords


def _split_last(ids, frames, coords):
    """Split rows into (complete sequences..., rows of the last id, which may continue)."""
    if len(ids) == 0:
        return ids, frames, coords, None
    last = ids == ids[-1]
    rest = ~last
    return ids[rest], frames[rest], coords[rest], (ids[last], frames[last], coords[last])


def _sequences(ids, frames, coords):
    """Group rows by id (in order of first appearance) and sort each group by frame, in O(N log N)."""
    if len(ids) == 0:
        return
    order = np.lexsort((frames, ids))  # by id, then frame
    _, starts, counts = np.unique(ids[order], return_index=True, return_counts=True)
    first_rows = np.minimum.reduceat(order, starts)  # where each id first appears in the file
    for g in np.argsort(first_rows):
        rows = order[starts[g] : starts[g] + counts[g]]
        yield str(ids[rows[0]]), frames[rows], np.ascontiguousarray(coords[rows])
