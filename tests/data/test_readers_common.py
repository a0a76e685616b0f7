"""``numeric_column``: the same arrays as pyarrow's ``to_numpy``, read from the Arrow buffers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from signa.data.readers.common import numeric_column

CLIP = Path(__file__).resolve().parents[2] / "samples/asl-signs/train_landmark_files/16069/497384476.parquet"


def same(got: np.ndarray, expected: np.ndarray) -> bool:
    return got.dtype == expected.dtype and np.array_equal(got, expected, equal_nan=True)


def test_real_columns_with_nulls_read_as_to_numpy():
    table = pq.read_table(CLIP)
    assert table["x"].null_count > 0  # undetected landmarks: nulls, read as NaN
    for name in ("frame", "landmark_index", "x", "y", "z"):
        assert same(numeric_column(table[name]), table[name].to_numpy())


@pytest.mark.parametrize("arrow_type", [pa.float32(), pa.float64(), pa.int16(), pa.uint8()])
def test_slices_and_chunks_read_as_to_numpy(arrow_type):
    """Offsets that are not a multiple of 8 move the validity bits; several chunks are joined."""
    rng = np.random.default_rng(0)
    values = rng.integers(0, 100, 300).astype(arrow_type.to_pandas_dtype())
    mask = (rng.random(300) < 0.3) if pa.types.is_floating(arrow_type) else None
    array = pa.array(values, type=arrow_type, mask=mask)
    for part in (array, array.slice(3, 200), array.slice(17)):
        chunked = pa.chunked_array([part.slice(0, 50), part.slice(50)])
        expected = part.to_numpy(zero_copy_only=False)
        assert same(numeric_column(part), expected)
        assert same(numeric_column(chunked), expected)


def test_other_columns_take_to_numpy():
    integers_with_nulls = pa.chunked_array([pa.array([1, None, 3], pa.int32())])
    assert same(numeric_column(integers_with_nulls), integers_with_nulls.to_numpy())
    strings = pa.chunked_array([pa.array(["a", "b"])])
    assert list(numeric_column(strings)) == ["a", "b"]
