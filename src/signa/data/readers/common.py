"""The canonical sequence, the check before a model sees one, csv tables and parquet helpers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from signa.errors import SignaError
from signa.files import read_text_file

FILE_SUFFIXES = (".parquet", ".pose", ".npy")


@dataclass
class LandmarkSequence:
    """One recorded sequence: ``landmarks`` float32 (T, 543, 3), NaN = not detected."""

    landmarks: np.ndarray
    sequence_id: str
    path: str
    format: str
    meta: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.landmarks)


def require_detections(landmarks: np.ndarray, source: str | Path, sequence_id: str | None = None) -> None:
    """Refuse model input that is empty, has no detected point at all, or infinite coordinates.

    Readers return such sequences unchanged (``signa data inspect`` reports them); the paths that
    feed a model (datasets, predict) call this first.
    """
    what = f"sequence {sequence_id}" if sequence_id is not None else "sequence"
    if len(landmarks) == 0:
        raise SignaError(f"{what} has no frames", source)
    if np.isnan(landmarks).all():
        raise SignaError(f"{what} has no detected landmark in any of its {len(landmarks)} frames", source)
    require_finite(landmarks, source, what)


def require_finite(landmarks: np.ndarray, source: str | Path, what: str = "sequence") -> None:
    """Refuse infinite coordinates: a model turns them into NaN scores. NaN (missing) is valid."""
    infinite = np.isinf(landmarks)
    if infinite.any():
        frame = int(np.argwhere(infinite)[0][0])
        raise SignaError(
            f"{what} has {int(infinite.sum())} infinite coordinate(s), the first in frame {frame}; "
            "coordinates must be finite, or NaN for a point not detected",
            source,
        )


def read_csv_table(path: str | Path, required_columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a csv file as dicts, after checking that ``required_columns`` are present."""
    path = existing_path(path)
    reader = csv.DictReader(io.StringIO(read_text_file(path), newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise SignaError(f"csv lacks column(s) {', '.join(missing)} (has: {', '.join(header)})", path)
    rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if any(row.get(c) in (None, "") for c in required_columns):
            raise SignaError(f"line {line} has an empty value in a required column", path)
    return rows


def existing_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise SignaError("no such file or folder", path)
    return path


def open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise SignaError(f"not a readable parquet file ({err})", path) from None


def check_columns(present: Sequence[str], needed: Sequence[str], path: Path, what: str) -> None:
    present = set(present)
    missing = [c for c in needed if c not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise SignaError(f"{what} lacks expected column(s) {shown}", path)


def read_parquet_columns(path: Path, columns: Sequence[str]) -> pa.Table:
    parquet = open_parquet(path)
    check_columns(parquet.schema_arrow.names, columns, path, "parquet")
    return parquet.read(columns=list(columns))


def numeric_column(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as numpy, nulls as NaN in a float column, read from its Arrow buffers.

    pyarrow's ``to_numpy`` converts through its pandas bridge, which imports pandas wherever pandas is
    installed: 0.35 s of CPU, half the start-up of ``signa data inspect`` or an ONNX ``signa predict``.
    Other columns (strings, booleans, integers with nulls) still take ``to_numpy``.
    """
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    is_float = pa.types.is_floating(array.type)
    if not (is_float or pa.types.is_integer(array.type)) or (array.null_count and not is_float):
        return array.to_numpy(zero_copy_only=False)
    start, stop = array.offset, array.offset + len(array)
    values = np.frombuffer(array.buffers()[1], dtype=array.type.to_pandas_dtype())[start:stop]
    if not array.null_count:
        return values
    valid = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), count=stop, bitorder="little")
    return np.where(valid[start:].astype(bool), values, np.nan)
