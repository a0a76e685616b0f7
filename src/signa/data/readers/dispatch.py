"""Which reader a path needs: by suffix, parquet layout, folder or dataset csv."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from signa.data.layout import N_LANDMARKS
from signa.data.readers.common import (
    FILE_SUFFIXES,
    LandmarkSequence,
    existing_path,
    open_parquet,
    read_csv_table,
)
from signa.data.readers.kaggle import LONG_COLUMNS, WIDE_KEYS, iter_kaggle_wide, read_kaggle_long
from signa.data.readers.letters import LETTER_COLUMNS, letter_sequences, read_letter_poses
from signa.data.readers.npy import read_npy
from signa.data.readers.pose import read_pose
from signa.errors import SignaError


def parquet_kind(path: str | Path) -> str:
    """``kaggle-long``, ``kaggle-wide`` or ``letters`` from a parquet file's columns."""
    path = existing_path(path)
    names = set(open_parquet(path).schema_arrow.names)
    if set(LONG_COLUMNS) <= names:
        return "kaggle-long"
    if set(WIDE_KEYS) <= names and any(n.startswith(("x_face_", "x_left_hand_", "x_pose_")) for n in names):
        return "kaggle-wide"
    if set(LETTER_COLUMNS) <= names:
        return "letters"
    raise SignaError(
        "parquet has neither the long columns (frame, type, landmark_index, x, y, z) nor the wide "
        "columns (sequence_id, frame, x_face_0 ...)",
        path,
    )


def read_sequences(path: str | Path) -> list[LandmarkSequence]:
    """Every sequence in ``path``; see :func:`iter_sequences` for the kinds accepted."""
    return list(iter_sequences(path))


def iter_sequences(path: str | Path) -> Iterator[LandmarkSequence]:
    """Yield every sequence in ``path``, choosing the reader from its extension and columns.

    ``path`` may be a parquet (long, wide or letters), a ``.pose`` file, a ``.npy`` file, a folder
    of numbered ``.npy`` frames, a Kaggle dataset csv, a folder holding ``train.csv``, or any other
    folder, whose ``.parquet``, ``.pose`` and ``.npy`` files are read (recursively, sorted). Wide
    files are streamed one row group at a time.
    """
    path = existing_path(path)
    if path.is_dir():
        yield from _iter_folder(path)
        return
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _iter_parquet(path)
    elif suffix == ".pose":
        yield read_pose(path)
    elif suffix == ".npy":
        yield read_npy(path)
    elif suffix == ".csv":
        yield from iter_dataset_sequences(path)
    else:
        raise SignaError("unknown file kind; expected .parquet, .pose, .npy, a .csv or a folder", path)


def _iter_folder(path: Path) -> Iterator[LandmarkSequence]:
    if (path / "train.csv").is_file():
        yield from iter_dataset_sequences(path / "train.csv")
        return
    if any(p.stem.isdigit() for p in path.glob("*.npy")):
        yield read_npy(path)
        return
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in FILE_SUFFIXES and p.is_file())
    if not files:
        raise SignaError("folder holds no landmark files (.parquet, .pose, .npy) and no train.csv", path)
    for file in files:
        yield from iter_sequences(file)


def _iter_parquet(path: Path, sequence_ids: Sequence[str] | None = None) -> Iterator[LandmarkSequence]:
    kind = parquet_kind(path)
    if kind == "kaggle-long":
        yield read_kaggle_long(path, sequence_ids[0] if sequence_ids else None)
    elif kind == "kaggle-wide":
        yield from _iter_wide_sequences(path, sequence_ids)
    else:
        yield from letter_sequences(read_letter_poses(path))


def _iter_wide_sequences(path: Path, sequence_ids: Sequence[str] | None) -> Iterator[LandmarkSequence]:
    positions = np.arange(N_LANDMARKS)
    seen = set()
    for sid, frame_numbers, coords in iter_kaggle_wide(path, positions, sequence_ids):
        seen.add(sid)
        yield LandmarkSequence(coords, sid, str(path), "kaggle-wide", {"first_frame": int(frame_numbers[0])})
    absent = [s for s in sequence_ids or () if str(s) not in seen]
    if absent:
        raise SignaError(f"sequence id(s) {', '.join(map(str, absent[:5]))} not in the file", path)


def iter_dataset_sequences(csv_path: str | Path) -> Iterator[LandmarkSequence]:
    """Every sequence listed in a Kaggle ``train.csv`` (either competition's columns), file by file."""
    csv_path = Path(csv_path)
    rows = read_csv_table(csv_path, ("path", "sequence_id"))
    by_file: dict[str, list[str]] = {}
    for row in rows:
        by_file.setdefault(row["path"], []).append(row["sequence_id"])
    for relative, ids in by_file.items():
        yield from _iter_parquet(existing_path(csv_path.parent / relative), ids)
